//! The web player at `/`: the single-page app Vite builds into `ui/dist-web`, embedded in the
//! binary by `build.rs` (so one file is the whole server, and a running server can never serve
//! half of one build and half of another). It owns every GET and HEAD outside `/api` and
//! `/rest`:
//!
//! - Vite's content-hashed files under `/assets/` are cached for a year (`immutable`): a new
//!   build has new names. Any other path under `/assets/` is a 404, never the page.
//! - The other files (`/index.html`, `/sw.js`, `/manifest.webmanifest`, icons) are revalidated
//!   on every use (`no-cache`), so a new build reaches browsers at once.
//! - Any other path answers the page itself (200), so a reload of `/albums/al-…` works: the
//!   app routes in the browser.
//!
//! Every answer carries a strong ETag (`If-None-Match` gives 304), the gzip copy made at build
//! time when the browser takes it (`Vary: Accept-Encoding`), and the security headers: a strict
//! CSP (scripts, styles and connections from this origin only, no inline code, no framing),
//! `nosniff`, no referrer, and a browsing context of its own. The service worker may control
//! the whole origin. None of this is in the OpenAPI document, which describes the API.
//!
//! A binary built without `ui/dist-web` has an empty table and answers the page's paths with
//! 503 and a page saying how to build it.

use crate::error::{ApiError, Error};
use axum::body::Body;
use axum::http::header::{self, HeaderName};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file, as `build.rs` describes it.
#[derive(Debug)]
pub(crate) struct Asset {
    /// The URL path it is served at (`/assets/index-abc123.js`), percent-encoded.
    path: &'static str,
    content_type: &'static str,
    /// Strong, quoted: a hash of `body`.
    etag: &'static str,
    body: &'static [u8],
    /// Its gzip copy, when one saves something.
    gzip: Option<Encoded>,
}

/// A file's bytes in another content coding, with the ETag of those bytes.
#[derive(Debug)]
pub(crate) struct Encoded {
    body: &'static [u8],
    etag: &'static str,
}

// `static ASSETS: &[Asset]`, sorted by path.
include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// The page every app route answers.
const INDEX: &str = "/index.html";
/// Vite's content-hashed files.
const HASHED: &str = "/assets/";
/// The service worker, which may control the whole origin.
const SERVICE_WORKER: &str = "/sw.js";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";

/// What the page may load: only this origin's scripts, styles, fonts and workers, covers and
/// audio from this origin or from blobs it made, no plugins, no `<base>`, no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; \
    manifest-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

/// The headers every answer of the web app carries.
const SECURITY: [(&str, &str); 5] = [
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("x-frame-options", "DENY"),
];

/// What a binary built without the web player says at `/`.
const NOT_BUILT: &str = "<!doctype html>
<html lang=\"en\">
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width\">
<title>Tonearm: no web player</title>
<h1>The web player was not built into this server</h1>
<p>This <code>tonearm-server</code> binary was compiled without the web player (<code>ui/dist-web</code>
was missing). <code>cargo xtask run</code> builds it, and the next build of the server embeds it.
The API at <code>/api/v1</code> and the Subsonic API at <code>/rest</code> work without it.</p>
</html>
";

/// Whether `path` belongs to an API, where the web app never answers (an unknown API path is
/// the API's 404, not the page).
fn is_api(path: &str) -> bool {
    ["/api", "/rest"].iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

fn find(path: &str) -> Option<&'static Asset> {
    ASSETS
        .binary_search_by(|asset| asset.path.cmp(path))
        .ok()
        .map(|index| &ASSETS[index])
}

/// Whether this binary holds the web player.
pub fn embedded() -> bool {
    find(INDEX).is_some()
}

/// The web app's answer to a request the API routes did not take, or `None` when it is not the
/// web app's (an API path, or a method other than GET and HEAD).
pub(crate) fn answer(method: &Method, path: &str, request: &HeaderMap) -> Option<Response> {
    if is_api(path) || (method != Method::GET && method != Method::HEAD) {
        return None;
    }
    let head = method == Method::HEAD;
    let path = if path == "/" { INDEX } else { path };
    let response = match find(path) {
        Some(asset) if path.starts_with(HASHED) => send(asset, IMMUTABLE, request, head),
        Some(asset) => send(asset, NO_CACHE, request, head),
        None if path.starts_with(HASHED) => ApiError(Error::NotFound("file")).into_response(),
        None => match find(INDEX) {
            Some(index) => send(index, NO_CACHE, request, head),
            None => not_built(),
        },
    };
    Some(secured(response))
}

/// `response` with the security headers.
fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

/// One file: 304 when the browser holds it, else its bytes (gzipped when taken).
fn send(asset: &Asset, cache: &'static str, request: &HeaderMap, head: bool) -> Response {
    let (body, etag, gzipped) = match &asset.gzip {
        Some(encoded) if accepts_gzip(request) => (encoded.body, encoded.etag, true),
        _ => (asset.body, asset.etag, false),
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, HeaderValue::from_static(etag));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if asset.gzip.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if asset.path == SERVICE_WORKER {
        headers.insert(
            HeaderName::from_static("service-worker-allowed"),
            HeaderValue::from_static("/"),
        );
    }
    if holds(request, etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    if gzipped {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let body = if head {
        Body::empty()
    } else {
        Body::from(body)
    };
    (StatusCode::OK, headers, body).into_response()
}

fn not_built() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        NOT_BUILT,
    )
        .into_response()
}

/// Whether the request's `Accept-Encoding` takes gzip: named with a non-zero weight, or
/// matched by `*` when not named.
fn accepts_gzip(request: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    let codings = request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for item in codings {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let weight = parts
            .find_map(|p| {
                let p = p.trim();
                p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="))
            })
            .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(weight > 0.0);
        } else if coding == "*" {
            any = Some(weight > 0.0);
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// Whether the request's `If-None-Match` names `etag` (weak comparison, as RFC 9110 says for
/// this header) or is `*`.
fn holds(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: HeaderName, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn the_api_paths_are_never_the_web_app_s() {
        for path in ["/api", "/api/", "/api/v1/nope", "/rest", "/rest/ping.view"] {
            assert!(is_api(path), "{path}");
        }
        for path in [
            "/",
            "/apis",
            "/api.json",
            "/restore",
            "/albums/al-1",
            "/assets/x.js",
        ] {
            assert!(!is_api(path), "{path}");
        }
        assert!(answer(&Method::GET, "/api/v1/nope", &HeaderMap::new()).is_none());
        assert!(answer(&Method::POST, "/albums", &HeaderMap::new()).is_none());
    }

    #[test]
    fn gzip_is_taken_when_named_or_matched_by_a_star() {
        let accepts = |value| accepts_gzip(&with(header::ACCEPT_ENCODING, value));
        assert!(accepts("gzip, deflate, br"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("br, deflate"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("gzip;q=0.0, *"));
        assert!(!accepts("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists_and_stars() {
        let holds_it = |value| holds(&with(header::IF_NONE_MATCH, value), "\"abc\"");
        assert!(holds_it("\"abc\""));
        assert!(holds_it("W/\"abc\""));
        assert!(holds_it("\"x\", \"abc\""));
        assert!(holds_it("*"));
        assert!(!holds_it("\"abcd\""));
        assert!(!holds_it("abc"));
    }

    #[test]
    fn the_table_is_sorted_and_its_headers_are_valid() {
        assert!(ASSETS.windows(2).all(|pair| pair[0].path < pair[1].path));
        for asset in ASSETS {
            assert!(asset.path.starts_with('/'));
            assert!(HeaderValue::from_str(asset.etag).is_ok());
            assert!(HeaderValue::from_str(asset.content_type).is_ok());
        }
    }

    #[test]
    fn every_answer_is_secured_and_the_page_without_a_build_is_a_503() {
        let response =
            answer(&Method::GET, "/albums/al-1", &HeaderMap::new()).expect("the web app's path");
        assert_eq!(response.headers()[header::CONTENT_SECURITY_POLICY], CSP);
        let expected = if embedded() {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        assert_eq!(response.status(), expected);
        assert_eq!(not_built().status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
