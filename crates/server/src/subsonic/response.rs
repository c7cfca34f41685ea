//! Subsonic answers: the `subsonic-response` envelope in JSON or XML, and the spec's errors.
//!
//! Handlers build the payload once, as JSON values; XML is derived from them by the rule the
//! spec's two forms follow: a scalar field is an attribute, an object a child element, an array
//! repeated child elements of the field's name, and a field named `value` the element's text.
//! Errors are answered with HTTP 200 and `status="failed"`, as clients expect.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// The Subsonic API version implemented.
pub const API_VERSION: &str = "1.16.1";

/// What `type` says in every answer.
pub const SERVER_TYPE: &str = "tonearm";

/// A Subsonic error: its code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: u16,
    pub message: String,
}

impl Failure {
    /// Code 0: a generic error (a malformed value, an unsupported request).
    pub fn generic(message: impl Into<String>) -> Self {
        Self {
            code: 0,
            message: message.into(),
        }
    }

    /// Code 10: a required parameter is missing.
    pub fn missing(name: &str) -> Self {
        Self {
            code: 10,
            message: format!("required parameter is missing: {name}"),
        }
    }

    /// Code 40: wrong username or password (also for unknown users: which is not said).
    pub fn wrong_credentials() -> Self {
        Self {
            code: 40,
            message: "wrong username or password".into(),
        }
    }

    /// Code 70: the requested data was not found (also for another user's).
    pub fn not_found(what: &str) -> Self {
        Self {
            code: 70,
            message: format!("{what} not found"),
        }
    }

    /// Code 50: the user may not do this.
    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self {
            code: 50,
            message: message.into(),
        }
    }
}

impl From<crate::error::Error> for Failure {
    fn from(error: crate::error::Error) -> Self {
        use crate::error::Error;
        match error {
            Error::NotFound(what) => Self::not_found(what),
            Error::BadRequest(message) | Error::Conflict(message) => Self::generic(message),
            Error::Throttled { .. } | Error::Busy { .. } => Self::generic(error.to_string()),
            other => {
                tracing::error!(error = %other, source = ?std::error::Error::source(&other), "subsonic request failed");
                Self::generic("internal server error")
            }
        }
    }
}

/// How the client asked to be answered (`f`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
    /// JSON wrapped in a call of this function.
    Jsonp(String),
}

impl Format {
    /// From the `f` and `callback` parameters; XML is the spec's default.
    pub fn from_params(f: Option<&str>, callback: Option<&str>) -> Self {
        match (f, callback) {
            (Some("json"), _) => Self::Json,
            (Some("jsonp"), Some(callback))
                if !callback.is_empty()
                    && callback.len() <= 64
                    && callback
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$')) =>
            {
                Self::Jsonp(callback.to_owned())
            }
            (Some("jsonp"), _) => Self::Json,
            _ => Self::Xml,
        }
    }
}

/// The payload of a successful answer: fields added to the envelope (`{"album": {...}}`), or
/// nothing (ping).
pub type Payload = Map<String, Value>;

/// A payload of one field.
pub fn payload(name: &str, value: Value) -> Payload {
    let mut map = Map::new();
    map.insert(name.to_owned(), value);
    map
}

/// An object of `fields`, moved in. `json!` copies every value it is given (it serializes a
/// reference to it), so a list built as values and then put into `json!` was built twice: for
/// the 2,500 artists of `getArtists` or 500 songs of a `search3` page, the copies (three deep
/// for the artist index) cost more than the query.
pub fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    )
}

/// The envelope around `fields`.
fn envelope(status: &str, fields: Payload) -> Value {
    let mut body = Map::new();
    body.insert("status".into(), json!(status));
    body.insert("version".into(), json!(API_VERSION));
    body.insert("type".into(), json!(SERVER_TYPE));
    body.insert("serverVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    body.insert("openSubsonic".into(), json!(true));
    body.extend(fields);
    object([("subsonic-response", Value::Object(body))])
}

/// A successful answer.
pub fn ok(format: &Format, fields: Payload) -> Response {
    render(format, &envelope("ok", fields))
}

/// A failed answer (HTTP 200, as the spec's clients expect).
pub fn failed(format: &Format, failure: &Failure) -> Response {
    let error = json!({ "code": failure.code, "message": failure.message });
    render(format, &envelope("failed", payload("error", error)))
}

fn render(format: &Format, document: &Value) -> Response {
    let (content_type, body) = match format {
        Format::Json => ("application/json", document.to_string()),
        Format::Jsonp(callback) => ("application/javascript", format!("{callback}({document});")),
        Format::Xml => ("application/xml", to_xml(document)),
    };
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(match content_type {
            "application/json" => "application/json; charset=utf-8",
            "application/javascript" => "application/javascript; charset=utf-8",
            _ => "application/xml; charset=utf-8",
        }),
    );
    response
}

/// The XML form of an envelope (see the module docs for the mapping).
fn to_xml(document: &Value) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    if let Some(Value::Object(body)) = document.get("subsonic-response") {
        element(&mut out, "subsonic-response", body, true);
    }
    out
}

fn element(out: &mut String, name: &str, fields: &Map<String, Value>, root: bool) {
    out.push('<');
    out.push_str(name);
    if root {
        out.push_str(r#" xmlns="http://subsonic.org/restapi""#);
    }
    let mut text = None;
    for (key, value) in fields {
        let scalar = match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        match (key.as_str(), scalar) {
            ("value", Some(scalar)) => text = Some(scalar),
            (_, Some(scalar)) => {
                out.push(' ');
                out.push_str(key);
                out.push_str("=\"");
                escape(out, &scalar);
                out.push('"');
            }
            _ => {}
        }
    }
    out.push('>');
    if let Some(text) = text {
        escape(out, &text);
    }
    for (key, value) in fields {
        match value {
            Value::Object(child) => element(out, key, child, false),
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::Object(child) => element(out, key, child, false),
                        Value::Null | Value::Array(_) => {}
                        scalar => {
                            let mut only = Map::new();
                            only.insert("value".into(), scalar.clone());
                            element(out, key, &only, false);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_follows_the_json_form() {
        let fields = payload(
            "album",
            json!({"id": "al-1", "name": "A & <B>", "songCount": 2,
                   "song": [{"id": "s1", "title": "x"}, {"id": "s2", "title": "y"}],
                   "genres": [{"name": "Rock"}], "moods": ["calm"]}),
        );
        let xml = to_xml(&envelope("ok", fields));
        assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><subsonic-response xmlns="http://subsonic.org/restapi" openSubsonic="true" serverVersion=""#), "{xml}");
        assert!(
            xml.contains(r#" status="ok" type="tonearm" version="1.16.1">"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<album id="al-1" name="A &amp; &lt;B&gt;" songCount="2">"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<song id="s1" title="x"></song><song id="s2" title="y"></song>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<genres name="Rock"></genres><moods>calm</moods>"#),
            "{xml}"
        );
        let genre = to_xml(&envelope(
            "ok",
            payload(
                "genres",
                json!({"genre": [{"value": "Rock", "songCount": 1}]}),
            ),
        ));
        assert!(
            genre.contains(r#"<genre songCount="1">Rock</genre>"#),
            "{genre}"
        );
    }

    #[test]
    fn the_format_is_chosen_safely() {
        assert_eq!(Format::from_params(None, None), Format::Xml);
        assert_eq!(Format::from_params(Some("json"), None), Format::Json);
        assert_eq!(
            Format::from_params(Some("jsonp"), Some("cb")),
            Format::Jsonp("cb".into())
        );
        assert_eq!(
            Format::from_params(Some("jsonp"), Some("alert(1)//")),
            Format::Json
        );
    }
}
