//! The PostgreSQL and S3-compatible servers `cargo xtask test` starts for the run
//! (`xtask/src/services.rs`), and a database or bucket of a test's own on them.
//!
//! Their addresses come through the environment: `TONEARM_TEST_POSTGRES` (a superuser, no
//! password) and `TONEARM_TEST_S3_ENDPOINT` (moto's server: path-style buckets, any
//! credentials; `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_REGION` are set too).
//! A test run without them (plain `cargo test`) fails with a message saying so, rather than
//! passing without having tested anything.
//!
//! No PostgreSQL driver or HTTP client here: a database is made with the `psql` client
//! (installed with the server) and a bucket with one plain HTTP request, which moto accepts
//! unsigned.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where the PostgreSQL server is.
pub const POSTGRES_VAR: &str = "TONEARM_TEST_POSTGRES";
/// Where the S3-compatible server is.
pub const S3_VAR: &str = "TONEARM_TEST_S3_ENDPOINT";

/// `postgres://postgres@127.0.0.1:PORT/postgres`, the run's server (its `postgres` database:
/// use [`fresh_database`] for one of the test's own).
pub fn postgres_url() -> String {
    required(POSTGRES_VAR, std::env::var(POSTGRES_VAR).ok(), "PostgreSQL")
}

/// `http://127.0.0.1:PORT`, the run's S3-compatible server.
pub fn s3_endpoint() -> String {
    required(
        S3_VAR,
        std::env::var(S3_VAR).ok(),
        "an S3-compatible server (moto)",
    )
}

/// The value of the variable `name`, or a panic saying that `cargo xtask test` starts `what`.
fn required(name: &str, value: Option<String>, what: &str) -> String {
    match value {
        Some(value) if !value.is_empty() => value,
        _ => panic!("{name} is not set: `cargo xtask test` starts {what}"),
    }
}

/// A new, empty database on the run's server, named uniquely; returns its URL. Tests running
/// at the same time each get their own.
pub fn fresh_database() -> String {
    let url = postgres_url();
    let name = unique_name("test_");
    let output = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
        .arg(&url)
        .args(["-c", &format!("CREATE DATABASE {name}")])
        .output()
        .expect("psql (PostgreSQL's client) runs");
    assert!(
        output.status.success(),
        "could not create the database {name} on {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    with_database(&url, &name)
}

/// A new, empty bucket on the run's S3-compatible server, named uniquely; returns its name.
pub fn fresh_bucket() -> String {
    let endpoint = s3_endpoint();
    let name = unique_name("tonearm-test-");
    let status = put(&endpoint, &format!("/{name}"));
    assert_eq!(
        status, 200,
        "could not create the bucket {name} on {endpoint}"
    );
    name
}

/// `url` (`postgres://user@host:port/db?options`) with the database `name` instead.
fn with_database(url: &str, name: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let (base, rest) = match url[authority_start..].find('/') {
        Some(slash) => url.split_at(authority_start + slash),
        None => (url, ""),
    };
    let query = rest.find('?').map_or("", |i| &rest[i..]);
    format!("{base}/{name}{query}")
}

/// `prefix` and 16 lowercase letters and digits, unlike any other name of this process or of
/// another (its id and the clock are mixed in): a valid database identifier and bucket name.
fn unique_name(prefix: &str) -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64);
    let seed = nanos
        ^ (u64::from(std::process::id()) << 32)
        ^ COUNT
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut rng = crate::rng::Rng::new(seed);
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let random: String = (0..16)
        .map(|_| char::from(ALPHABET[rng.below(ALPHABET.len())]))
        .collect();
    format!("{prefix}{random}")
}

/// `PUT path` with an empty body to `endpoint` (`http://host:port`); returns the status.
fn put(endpoint: &str, path: &str) -> u16 {
    let host = endpoint
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("{S3_VAR} must be http://HOST:PORT, not {endpoint}"))
        .trim_end_matches('/');
    let mut stream =
        TcpStream::connect(host).unwrap_or_else(|error| panic!("cannot reach {host}: {error}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    write!(
        stream,
        "PUT {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap_or_else(|error| panic!("cannot send to {host}: {error}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|error| panic!("no answer from {host}: {error}"));
    status_of(&response).unwrap_or_else(|| panic!("not an HTTP answer from {host}: {response:?}"))
}

/// The status code of an HTTP response (`HTTP/1.1 200 OK`).
fn status_of(response: &str) -> Option<u16> {
    let line = response.lines().next()?;
    let mut words = line.split_whitespace();
    words.next()?.starts_with("HTTP/").then_some(())?;
    words.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(
        expected = "TONEARM_TEST_POSTGRES is not set: `cargo xtask test` starts PostgreSQL"
    )]
    fn without_the_postgres_variable_a_test_says_what_starts_it() {
        required(POSTGRES_VAR, None, "PostgreSQL");
    }

    #[test]
    #[should_panic(
        expected = "TONEARM_TEST_S3_ENDPOINT is not set: `cargo xtask test` starts an S3-compatible server (moto)"
    )]
    fn without_the_s3_variable_a_test_says_what_starts_it() {
        required(
            S3_VAR,
            Some(String::new()),
            "an S3-compatible server (moto)",
        );
    }

    #[test]
    fn a_database_url_names_the_new_database() {
        for (url, wanted) in [
            (
                "postgres://postgres@127.0.0.1:5433/postgres",
                "postgres://postgres@127.0.0.1:5433/test_x",
            ),
            (
                "postgres://postgres@127.0.0.1:5433",
                "postgres://postgres@127.0.0.1:5433/test_x",
            ),
            (
                "postgresql://u:p@h/db?sslmode=disable",
                "postgresql://u:p@h/test_x?sslmode=disable",
            ),
        ] {
            assert_eq!(with_database(url, "test_x"), wanted);
        }
    }

    #[test]
    fn names_are_unique_and_valid_for_databases_and_buckets() {
        let names: std::collections::HashSet<String> =
            (0..1_000).map(|_| unique_name("tonearm-test-")).collect();
        assert_eq!(names.len(), 1_000);
        for name in &names {
            assert!(
                name.len() <= 63 && name.starts_with("tonearm-test-"),
                "{name}"
            );
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name}"
            );
        }
        let database = unique_name("test_");
        assert!(
            database.starts_with("test_") && database.len() == 21,
            "{database}"
        );
    }

    #[test]
    fn the_status_of_an_http_answer() {
        assert_eq!(status_of("HTTP/1.1 200 OK\r\nx: y\r\n\r\n"), Some(200));
        assert_eq!(status_of("HTTP/1.0 409 Conflict\r\n"), Some(409));
        assert_eq!(status_of("SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(status_of(""), None);
    }

    /// On the servers `cargo xtask test` starts (fails with the message above without them).
    #[test]
    fn a_fresh_database_and_bucket_are_made_on_the_run_s_servers() {
        let database = fresh_database();
        let output = Command::new("psql")
            .args(["-X", "-A", "-t", "-c", "SELECT current_database()"])
            .arg(&database)
            .output()
            .expect("psql runs");
        assert!(output.status.success(), "{output:?}");
        let name = database.rsplit('/').next().expect("a database name");
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), name);
        assert_ne!(fresh_database(), database);

        let bucket = fresh_bucket();
        assert_ne!(fresh_bucket(), bucket);
        // The bucket exists: an object can be put in it.
        assert_eq!(put(&s3_endpoint(), &format!("/{bucket}/a.txt")), 200);
    }
}
