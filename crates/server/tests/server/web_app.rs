//! The web player at `/`, as a browser meets it: the page and its security headers on every
//! app route, Vite's hashed files cached for good, gzipped when asked and revalidated by ETag,
//! and the APIs' own 404s untouched by the page.
//!
//! The files are the real build embedded in this binary (`ui/dist-web`). A binary built without
//! it answers 503 with a page saying so; then only that is checked, and the rest is skipped
//! (an error under `cargo xtask test`, which builds the web player first).

use crate::support::{TestServer, error_code, skip_without};
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG,
    IF_NONE_MATCH, VARY,
};
use reqwest::{Client, Method, Response, StatusCode};
use std::io::Read;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; \
    manifest-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("{} has no {name}", response.url()))
        .to_str()
        .unwrap()
}

fn assert_secured(response: &Response) {
    assert_eq!(header(response, "content-security-policy"), CSP);
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(header(response, "referrer-policy"), "no-referrer");
    assert_eq!(
        header(response, "cross-origin-opener-policy"),
        "same-origin"
    );
    assert_eq!(header(response, "x-frame-options"), "DENY");
}

async fn get(server: &TestServer, path: &str) -> Response {
    Client::new().get(server.url(path)).send().await.unwrap()
}

/// The page at `/`, or `None` when this binary has no web player (its 503 checked).
async fn page(server: &TestServer) -> Option<String> {
    let response = get(server, "/").await;
    assert_secured(&response);
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        assert!(header(&response, CONTENT_TYPE.as_str()).starts_with("text/html"));
        let body = response.text().await.unwrap();
        assert!(body.contains("cargo xtask run"), "{body}");
        skip_without(
            "the web player's tests",
            "this build has no web player (ui/dist-web was missing when it was compiled)",
        );
        return None;
    }
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header(&response, CONTENT_TYPE.as_str()),
        "text/html; charset=utf-8"
    );
    assert_eq!(header(&response, CACHE_CONTROL.as_str()), "no-cache");
    assert!(header(&response, ETAG.as_str()).starts_with('"'));
    Some(response.text().await.unwrap())
}

/// The first `/assets/` file the page names with `attribute="…"`.
fn named_asset(page: &str, attribute: &str) -> String {
    let start = page
        .find(&format!("{attribute}=\"/assets/"))
        .unwrap_or_else(|| panic!("the page names no hashed file: {page}"))
        + attribute.len()
        + 2;
    let end = start + page[start..].find('"').unwrap();
    page[start..end].to_owned()
}

#[tokio::test]
async fn the_page_answers_at_the_root_and_on_every_app_route_with_its_security_headers() {
    let server = TestServer::start().await;
    let Some(page) = page(&server).await else {
        return;
    };
    assert!(page.contains("<script"), "{page}");
    for route in [
        "/index.html",
        "/albums/anything",
        "/albums/al-0123456789abcdef",
        "/artists/ar-1/albums?sort=year",
        "/apis",
    ] {
        let response = get(&server, route).await;
        assert_eq!(response.status(), StatusCode::OK, "{route}");
        assert_secured(&response);
        assert_eq!(header(&response, CACHE_CONTROL.as_str()), "no-cache");
        assert_eq!(response.text().await.unwrap(), page, "{route}");
    }
    // A HEAD is the GET's headers.
    let head = Client::new()
        .head(server.url("/albums/anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_secured(&head);
    assert_eq!(
        header(&head, CONTENT_LENGTH.as_str()),
        page.len().to_string()
    );
    assert!(head.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_apis_keep_their_own_answers_for_unknown_paths() {
    let server = TestServer::start().await;
    for path in ["/api/v1/nope", "/api", "/api/", "/rest/a/b"] {
        let response = get(&server, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            response.headers().get("content-security-policy").is_none(),
            "{path} is the API's, not the page's"
        );
        assert_eq!(error_code(response).await, "not_found", "{path}");
    }
    // Only GET and HEAD reach the page.
    let response = Client::new()
        .post(server.url("/albums/anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, "not_found");
}

#[tokio::test]
async fn hashed_files_are_immutable_gzipped_when_asked_and_revalidated_by_etag() {
    let server = TestServer::start().await;
    let Some(page) = page(&server).await else {
        return;
    };
    let client = Client::new();
    let script = named_asset(&page, "src");
    let plain = client.get(server.url(&script)).send().await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert_secured(&plain);
    assert_eq!(
        header(&plain, CACHE_CONTROL.as_str()),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        header(&plain, CONTENT_TYPE.as_str()),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&plain, VARY.as_str()), "accept-encoding");
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    let etag = header(&plain, ETAG.as_str()).to_owned();
    let bytes = plain.bytes().await.unwrap();
    assert!(!bytes.is_empty());

    let zipped = client
        .get(server.url(&script))
        .header(ACCEPT_ENCODING, "br, gzip;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.status(), StatusCode::OK);
    assert_eq!(header(&zipped, CONTENT_ENCODING.as_str()), "gzip");
    assert_eq!(header(&zipped, VARY.as_str()), "accept-encoding");
    let zipped_etag = header(&zipped, ETAG.as_str()).to_owned();
    assert_ne!(zipped_etag, etag, "each coding has its own strong ETag");
    let compressed = zipped.bytes().await.unwrap();
    assert!(compressed.len() < bytes.len());
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, bytes);
    let refused = client
        .get(server.url(&script))
        .header(ACCEPT_ENCODING, "gzip;q=0, br")
        .send()
        .await
        .unwrap();
    assert!(refused.headers().get(CONTENT_ENCODING).is_none());

    // The browser's copy is still good: 304, no body, the same validators and headers.
    for (tag, encoding) in [(&etag, "identity"), (&zipped_etag, "gzip")] {
        let response = client
            .get(server.url(&script))
            .header(IF_NONE_MATCH, tag.as_str())
            .header(ACCEPT_ENCODING, encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{encoding}");
        assert_eq!(header(&response, ETAG.as_str()), tag.as_str());
        assert_eq!(
            header(&response, CACHE_CONTROL.as_str()),
            "public, max-age=31536000, immutable"
        );
        assert_secured(&response);
        assert!(response.bytes().await.unwrap().is_empty());
    }
    let stale = client
        .get(server.url(&script))
        .header(IF_NONE_MATCH, "\"an-older-build\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);

    let style = named_asset(&page, "href");
    let response = get(&server, &style).await;
    assert_eq!(response.status(), StatusCode::OK, "{style}");
    assert_eq!(
        header(&response, CONTENT_TYPE.as_str()),
        "text/css; charset=utf-8"
    );

    // A hashed file that is not there is a 404, never the page.
    for missing in ["/assets/nope.js", "/assets/", "/assets/sub/index.html"] {
        let response = get(&server, missing).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
        assert_secured(&response);
    }
}

#[tokio::test]
async fn the_build_s_other_files_are_revalidated_and_the_service_worker_controls_the_origin() {
    let server = TestServer::start().await;
    let Some(page) = page(&server).await else {
        return;
    };
    // The page names them when the build has them: the manifest and the icons.
    for (attribute, path, content_type) in [
        (
            "rel=\"manifest\" href",
            "/manifest.webmanifest",
            "application/manifest+json",
        ),
        ("rel=\"icon\" href", "/icon.svg", "image/svg+xml"),
    ] {
        if !page.contains(&format!("{attribute}=\"{path}\"")) {
            continue;
        }
        let response = get(&server, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&response, CONTENT_TYPE.as_str()), content_type);
        assert_eq!(header(&response, CACHE_CONTROL.as_str()), "no-cache");
        assert_secured(&response);
    }
    let worker = Client::new()
        .request(Method::GET, server.url("/sw.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(worker.status(), StatusCode::OK);
    if header(&worker, CONTENT_TYPE.as_str()).starts_with("text/javascript") {
        assert_eq!(header(&worker, "service-worker-allowed"), "/");
        assert_eq!(header(&worker, CACHE_CONTROL.as_str()), "no-cache");
        assert_secured(&worker);
    }
}
