//! Extractors whose rejections go through [`ApiError`], so malformed JSON, paths and queries get
//! the typed error body with a message saying what was wrong, not axum's plain text.

use crate::error::{ApiError, Error};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

/// `axum::Json` with API errors, for request bodies, which are JSON objects (serde would also
/// read a struct from an array, field by field). A whole number written with a fraction (`3.0`)
/// is taken where an integer is expected: JSON Schema, and so the OpenAPI document, says `3.0`
/// is the integer 3, and serde alone would refuse it.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        // axum checks the content type, the body limit and the syntax.
        let axum::Json(mut value) = axum::Json::<Value>::from_request(request, state)
            .await
            .map_err(Error::from)?;
        if !value.is_object() {
            return Err(Error::BadRequest("the json body must be an object".into()).into());
        }
        whole_numbers_as_integers(&mut value);
        serde_path_to_error::deserialize(value)
            .map(Json)
            .map_err(|error| {
                ApiError(Error::BadRequest(bounded(&format!(
                    "failed to deserialize the json body into the target type: {error}"
                ))))
            })
    }
}

/// Numbers up to 2^53, the range where a float holds every integer exactly.
const EXACT_FLOAT_INTEGERS: f64 = 9_007_199_254_740_992.0;

/// Rewrites every float with no fractional part (`3.0`, `-0.0`) as that integer. A float field
/// still takes the integer, so nothing else changes meaning.
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|_| number.is_f64())
                && float.fract() == 0.0
                && float.abs() <= EXACT_FLOAT_INTEGERS
            {
                // Whole and in range, so the conversion is exact.
                *number = Number::from(float as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        Value::Null | Value::Bool(_) | Value::String(_) => {}
    }
}

/// `axum::extract::Path` with API errors.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query` with API errors.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            return Self::BodyTooLarge {
                limit: crate::limits::JSON_BODY,
            };
        }
        Self::BadRequest(bounded(&rejection.body_text().to_lowercase()))
    }
}

/// A rejection's text, cut short: serde quotes the offending input, which may be huge.
fn bounded(text: &str) -> String {
    const SHOWN: usize = 300;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

impl From<PathRejection> for Error {
    fn from(rejection: PathRejection) -> Self {
        Self::BadRequest(bounded(&rejection.body_text().to_lowercase()))
    }
}

impl From<QueryRejection> for Error {
    fn from(rejection: QueryRejection) -> Self {
        Self::BadRequest(bounded(&rejection.body_text().to_lowercase()))
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_floats_become_integers_and_others_stay() {
        let mut value = json!({"a": 3.0, "b": [-0.0, 2.5, 7], "c": {"d": 1e300, "e": "3.0"}});
        whole_numbers_as_integers(&mut value);
        assert_eq!(
            value,
            json!({"a": 3, "b": [0, 2.5, 7], "c": {"d": 1e300, "e": "3.0"}})
        );
        assert!(value["a"].is_i64());
    }
}
