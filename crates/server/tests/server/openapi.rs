//! The OpenAPI document is generated from the code and lists every route.

use crate::support::TestServer;
use reqwest::StatusCode;
use serde_json::Value;

/// Every route the server serves. Adding a route means adding it here and to the document.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/api/v1/openapi.json"),
    ("post", "/api/v1/sessions"),
    ("get", "/api/v1/sessions"),
    ("delete", "/api/v1/sessions/{id}"),
    ("get", "/api/v1/storage"),
    ("options", "/api/v1/uploads"),
    ("post", "/api/v1/uploads"),
    ("head", "/api/v1/uploads/{id}"),
    ("patch", "/api/v1/uploads/{id}"),
    ("delete", "/api/v1/uploads/{id}"),
    ("post", "/api/v1/match"),
    ("post", "/api/v1/match/{challenge_id}"),
    ("get", "/api/v1/tracks"),
    ("post", "/api/v1/tracks"),
    ("get", "/api/v1/tracks/{id}"),
    ("patch", "/api/v1/tracks/{id}"),
    ("delete", "/api/v1/tracks/{id}"),
    ("get", "/api/v1/tracks/{id}/stream"),
    ("post", "/api/v1/tracks/{id}/stream-url"),
    ("patch", "/api/v1/tracks/{id}/metadata"),
    ("get", "/api/v1/changes"),
    ("post", "/api/v1/web/session"),
    ("get", "/api/v1/web/session"),
    ("delete", "/api/v1/web/session"),
    ("get", "/api/v1/api-keys"),
    ("post", "/api/v1/api-keys"),
    ("delete", "/api/v1/api-keys/{id}"),
    ("get", "/api/v1/artwork/{hash}"),
    ("post", "/api/v1/plays"),
    ("get", "/api/v1/library/artists"),
    ("get", "/api/v1/library/artists/{id}"),
    ("get", "/api/v1/library/albums"),
    ("get", "/api/v1/library/albums/{id}"),
    ("get", "/api/v1/library/genres"),
    ("get", "/api/v1/library/songs"),
    ("get", "/api/v1/library/search"),
    ("patch", "/api/v1/tracks/{id}/marks"),
    ("put", "/api/v1/artwork/{hash}"),
    ("get", "/api/v1/playlists"),
    ("post", "/api/v1/playlists/ops"),
];

#[tokio::test]
async fn the_document_describes_every_route() {
    let server = TestServer::start().await;
    let response = reqwest::get(server.url("/api/v1/openapi.json"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    for (method, path) in ROUTES {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "{method} {path} missing"
        );
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        ROUTES.len(),
        "the document lists a route this test does not know"
    );
    for schema in [
        "LoginRequest",
        "MatchResponse",
        "CloudTrack",
        "PlaylistOp",
        "ChangesResponse",
        "ErrorBody",
    ] {
        assert!(
            document["components"]["schemas"].get(schema).is_some(),
            "schema {schema}"
        );
    }
    assert!(
        document["components"]["securitySchemes"]
            .get("bearer")
            .is_some()
    );
    // Every reference names something the document holds (a query parameter's enum was once
    // referenced and never defined).
    let mut references = Vec::new();
    collect_references(&document, &mut references);
    assert!(!references.is_empty());
    for reference in references {
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer));
        assert!(target.is_some(), "{reference} names nothing");
    }
}

/// Every `$ref` in `value`.
fn collect_references(value: &Value, references: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                match (key.as_str(), field) {
                    ("$ref", Value::String(reference)) => references.push(reference.clone()),
                    _ => collect_references(field, references),
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_references(item, references)),
        _ => {}
    }
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let id = uuid::Uuid::new_v4();
    for (method, path) in ROUTES {
        let url = server.url(
            &path
                .replace("{id}", &id.to_string())
                .replace("{challenge_id}", &id.to_string()),
        );
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let status = client
            .request(method.clone(), &url)
            .send()
            .await
            .unwrap()
            .status();
        assert_ne!(
            status,
            StatusCode::NOT_FOUND,
            "{method} {path} is not routed"
        );
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is not routed"
        );
    }
}
