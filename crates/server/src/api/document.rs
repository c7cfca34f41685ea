//! What the OpenAPI document says of many routes at once, added in one place once the routes
//! are collected, so that a new route cannot forget it:
//!
//! - every route can answer 400 (a path, query, header or body it cannot parse) and 413 (a
//!   body larger than it takes);
//! - every route that takes a bearer token can answer 401;
//! - every route that reaches the stores can answer 500;
//! - every answer of the tus routes carries `Tus-Resumable` (see
//!   [`super::uploads::tus_resumable_header`]);
//! - an unsigned integer (format `uint32` or `uint64`) has the maximum of its type: tools read
//!   ranges, not formats, and would otherwise take any size of number;
//! - `Upload-Length` has this server's per-file limit as its maximum.
//!
//! Each handler's `#[utoipa::path]` describes what only it answers; a status it describes
//! itself is left as it is here.

use tonearm_protocol::uploads::TUS_VERSION;
use utoipa::Number;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, KnownFormat, SchemaFormat};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{
    ContentBuilder, Header, HeaderBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, Schema,
};

/// The tus routes, whose every answer carries `Tus-Resumable`.
const TUS_PATHS: &str = "/api/v1/uploads";

/// Routes that never fail on the server's side: they touch no store (`/health` reports a
/// failing store as 503 with its own body).
const NO_SERVER_FAILURE: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/api/v1/openapi.json"),
    ("options", "/api/v1/uploads"),
];

/// An answer every route of some kind can give.
struct Shared {
    status: &'static str,
    /// The name under `components/responses`.
    name: &'static str,
    description: &'static str,
}

const BAD_REQUEST: Shared = Shared {
    status: "400",
    name: "BadRequest",
    description: "a path, query, header or body the route cannot parse; the message says what",
};
const UNAUTHORIZED: Shared = Shared {
    status: "401",
    name: "Unauthorized",
    description: "no valid bearer token: missing, unknown or revoked",
};
const TOO_LARGE: Shared = Shared {
    status: "413",
    name: "BodyTooLarge",
    description: "the request body is larger than the route takes",
};
const INTERNAL: Shared = Shared {
    status: "500",
    name: "Internal",
    description: "the server failed; the cause is in its log, not in the answer",
};

impl Shared {
    fn response(&self) -> Response {
        ResponseBuilder::new()
            .description(self.description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    }
}

/// Completes `document` as described above, for a server whose per-file limit is
/// `max_file_size` bytes.
pub(super) fn complete(document: &mut OpenApi, max_file_size: u64) {
    describe_shared_answers(document);
    limit_upload_length(document, max_file_size);
    bound_unsigned_integers(document);
}

/// Adds the answers shared by many routes, and the tus header, to `document`.
fn describe_shared_answers(document: &mut OpenApi) {
    let components = document.components.get_or_insert_with(Default::default);
    for shared in [&BAD_REQUEST, &UNAUTHORIZED, &TOO_LARGE, &INTERNAL] {
        components
            .responses
            .insert(shared.name.to_owned(), RefOr::T(shared.response()));
    }
    for (path, item) in &mut document.paths.paths {
        let tus = path.starts_with(TUS_PATHS);
        for (method, operation) in operations(item) {
            let mut shared = vec![&BAD_REQUEST, &TOO_LARGE];
            if takes_bearer_token(operation) {
                shared.push(&UNAUTHORIZED);
            }
            if !NO_SERVER_FAILURE.contains(&(method, path.as_str())) {
                shared.push(&INTERNAL);
            }
            let responses = &mut operation.responses.responses;
            for answer in shared {
                responses
                    .entry(answer.status.to_owned())
                    .or_insert_with(|| {
                        if tus {
                            // Its own copy: the shared one has no `Tus-Resumable`.
                            RefOr::T(answer.response())
                        } else {
                            RefOr::Ref(Ref::new(format!("#/components/responses/{}", answer.name)))
                        }
                    });
            }
            if tus {
                for response in responses.values_mut() {
                    if let RefOr::T(response) = response {
                        response
                            .headers
                            .insert("Tus-Resumable".to_owned(), tus_resumable());
                    }
                }
            }
        }
    }
}

/// The operations of a path, by method.
fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|operation| (method, operation)))
}

/// The creation of an upload declares no more than the per-file limit (413 beyond it).
fn limit_upload_length(document: &mut OpenApi, max_file_size: u64) {
    let parameters = document
        .paths
        .paths
        .get_mut(TUS_PATHS)
        .and_then(|item| item.post.as_mut())
        .and_then(|operation| operation.parameters.as_mut());
    for parameter in parameters.into_iter().flatten() {
        if let RefOr::T(parameter) = parameter
            && parameter.name == "Upload-Length"
            && let Some(RefOr::T(Schema::Object(schema))) = &mut parameter.schema
        {
            schema.maximum = Some(unsigned(max_file_size));
        }
    }
}

/// Gives every `uint32` and `uint64` schema in the document its type's maximum.
fn bound_unsigned_integers(document: &mut OpenApi) {
    let mut schemas: Vec<&mut RefOr<Schema>> = Vec::new();
    if let Some(components) = &mut document.components {
        schemas.extend(components.schemas.values_mut());
    }
    for item in document.paths.paths.values_mut() {
        for (_, operation) in operations(item) {
            for parameter in operation.parameters.iter_mut().flatten() {
                if let RefOr::T(parameter) = parameter {
                    schemas.extend(parameter.schema.as_mut());
                }
            }
            if let Some(RefOr::T(body)) = &mut operation.request_body {
                for content in body.content.values_mut() {
                    if let RefOr::T(content) = content {
                        schemas.extend(content.schema.as_mut());
                    }
                }
            }
            for response in operation.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    for content in response.content.values_mut() {
                        if let RefOr::T(content) = content {
                            schemas.extend(content.schema.as_mut());
                        }
                    }
                    for header in response.headers.values_mut() {
                        if let RefOr::T(header) = header {
                            schemas.extend(header.schema.as_mut());
                        }
                    }
                }
            }
        }
    }
    for schema in schemas {
        bound_unsigned(schema);
    }
}

fn bound_unsigned(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(object) => {
            let unsigned_type = match &object.format {
                Some(SchemaFormat::KnownFormat(KnownFormat::UInt32)) => {
                    Some(("uint32", u64::from(u32::MAX)))
                }
                Some(SchemaFormat::KnownFormat(KnownFormat::UInt64)) => Some(("uint64", u64::MAX)),
                _ => None,
            };
            if let Some((format, maximum)) = unsigned_type {
                // utoipa 6 spells these `u-int32` and `u-int64`; the format registry's names are
                // `uint32` and `uint64`.
                object.format = Some(SchemaFormat::Custom(format.to_owned()));
                object.maximum.get_or_insert(unsigned(maximum));
            }
            object.properties.values_mut().for_each(bound_unsigned);
            if let Some(additional) = &mut object.additional_properties
                && let AdditionalProperties::RefOr(schema) = additional.as_mut()
            {
                bound_unsigned(schema);
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                bound_unsigned(items);
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(bound_unsigned),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(bound_unsigned),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(bound_unsigned),
        _ => {}
    }
}

/// `value` as an exact JSON number.
fn unsigned(value: u64) -> Number {
    usize::try_from(value).map_or(Number::Float(value as f64), Number::UInt)
}

/// Whether the operation accepts a bearer token (the stream route also takes a signed URL
/// instead: it can still answer 401).
fn takes_bearer_token(operation: &Operation) -> bool {
    operation.security.iter().flatten().any(|requirement| {
        serde_json::to_value(requirement).is_ok_and(|value| value.get(super::BEARER).is_some())
    })
}

fn tus_resumable() -> RefOr<Header> {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^{}$", TUS_VERSION.replace('.', "\\."))))
        .build();
    RefOr::T(
        HeaderBuilder::new()
            .schema(Some(schema))
            .description(Some(format!("`{TUS_VERSION}`, on every answer")))
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_maxima_are_exact() {
        let maximum = serde_json::to_string(&unsigned(u64::MAX)).unwrap_or_default();
        assert_eq!(maximum, "18446744073709551615");
    }

    #[test]
    fn the_tus_version_pattern_matches_only_the_version() {
        let header = serde_json::to_value(tus_resumable()).unwrap_or_default();
        assert_eq!(header["schema"]["pattern"], "^1\\.0\\.0$");
    }
}
