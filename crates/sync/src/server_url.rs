//! A locker server's address, parsed where it comes in (the login form, the command line, the
//! account stored on this device), so nothing is ever sent to text that cannot be a server,
//! and the user is told how to write it instead of hearing about a server that was never asked.

use crate::error::SyncError;

/// How much of a refused address a message repeats.
const SHOWN: usize = 80;

/// A server's address: `http://` or `https://`, a host, maybe a port and a path under which
/// the server answers; no user name, query or fragment. Kept without a trailing `/`, so routes
/// are appended as they are (`/api/v1/...`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerUrl(String);

/// Why text is not a server's address; each says how to write one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressProblem {
    /// Nothing was given.
    Empty,
    /// No `http://` or `https://` in front (`music.example.org`, `127.0.0.1:7420`).
    NoScheme,
    /// Another scheme (`ftp://`, `htps://`).
    OtherScheme,
    /// A user name or password, a `?query` or a `#fragment`: not part of a server's address.
    Extra,
    /// Not an address at all (no host, a bad port, stray characters).
    Malformed,
}

impl AddressProblem {
    /// What to write instead.
    fn advice(self) -> &'static str {
        match self {
            Self::Empty | Self::Malformed => {
                "write it as https://HOST, or http://HOST:PORT for a server without TLS"
            }
            Self::NoScheme => {
                "add http:// or https:// in front, as in https://music.example.org or http://192.168.1.20:7420"
            }
            Self::OtherScheme => "a server's address starts with http:// or https://",
            Self::Extra => "write only the server's address, without a user name, `?` or `#`",
        }
    }

    /// The whole message for `text`.
    pub(crate) fn describe(self, text: &str) -> String {
        match self {
            Self::Empty => format!("no server address: {}", self.advice()),
            _ => format!("`{text}` is not a server address: {}", self.advice()),
        }
    }
}

impl ServerUrl {
    /// Parses `text` (surrounding spaces and a trailing `/` ignored).
    pub fn parse(text: &str) -> Result<Self, SyncError> {
        let text = text.trim();
        let refuse = |problem: AddressProblem| SyncError::NotAServerAddress {
            text: text.chars().take(SHOWN).collect(),
            problem,
        };
        if text.is_empty() {
            return Err(refuse(AddressProblem::Empty));
        }
        // Checked before parsing: `localhost:7420` parses as the scheme `localhost`.
        if !text.contains("://") {
            return Err(refuse(AddressProblem::NoScheme));
        }
        let url = reqwest::Url::parse(text).map_err(|_| refuse(AddressProblem::Malformed))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refuse(AddressProblem::OtherScheme));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(refuse(AddressProblem::Malformed));
        }
        if !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(refuse(AddressProblem::Extra));
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ServerUrl {
    type Err = SyncError;

    fn from_str(text: &str) -> Result<Self, SyncError> {
        Self::parse(text)
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ServerUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::{AddressProblem, ServerUrl};
    use crate::error::SyncError;

    #[test]
    fn addresses_are_parsed_once_and_kept_without_a_trailing_slash() {
        for (text, parsed) in [
            ("http://127.0.0.1:7420", "http://127.0.0.1:7420"),
            (
                "  https://Music.Example.org/  ",
                "https://music.example.org",
            ),
            (
                "https://example.org/tonearm/",
                "https://example.org/tonearm",
            ),
            ("http://[::1]:7420", "http://[::1]:7420"),
            ("HTTP://host:80", "http://host"),
        ] {
            let url = ServerUrl::parse(text).expect(text);
            assert_eq!(url.as_str(), parsed, "{text}");
        }
    }

    #[test]
    fn what_cannot_be_a_server_is_refused_with_how_to_write_it() {
        for (text, problem) in [
            ("", AddressProblem::Empty),
            ("   ", AddressProblem::Empty),
            ("127.0.0.1:7420", AddressProblem::NoScheme),
            ("localhost:7420", AddressProblem::NoScheme),
            ("music.example.org", AddressProblem::NoScheme),
            ("ftp://music.example.org", AddressProblem::OtherScheme),
            ("htps://music.example.org", AddressProblem::OtherScheme),
            (
                "https://ann:secret@music.example.org",
                AddressProblem::Extra,
            ),
            ("https://music.example.org/?x=1", AddressProblem::Extra),
            ("https://music.example.org/#top", AddressProblem::Extra),
            ("http://", AddressProblem::Malformed),
            ("http://host:99999", AddressProblem::Malformed),
            ("http://exa mple.org", AddressProblem::Malformed),
        ] {
            match ServerUrl::parse(text) {
                Err(SyncError::NotAServerAddress { problem: p, .. }) => {
                    assert_eq!(p, problem, "{text:?}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let error = ServerUrl::parse("127.0.0.1:7420").expect_err("no scheme");
        assert_eq!(
            error.to_string(),
            "`127.0.0.1:7420` is not a server address: add http:// or https:// in front, \
             as in https://music.example.org or http://192.168.1.20:7420"
        );
        let long = "x".repeat(10_000);
        assert!(
            ServerUrl::parse(&long)
                .expect_err("no scheme")
                .to_string()
                .len()
                < 300,
            "a huge input is not echoed"
        );
    }
}
