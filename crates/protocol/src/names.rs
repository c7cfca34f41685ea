//! Names that cross the wire: account names and device names, parsed once at the edge.
//!
//! Both end up in the server's log and in lists other devices show, so neither may carry
//! control characters (a newline would forge a log line) or grow without bound.

use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// Why a string is not a valid name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// An account name outside the allowed alphabet or length.
    #[error(
        "invalid user name: use 1 to {} letters, digits, '.', '_', '-' or '@'",
        Username::MAX_CHARS
    )]
    Username,
    /// A device name that is empty, too long or holds control characters.
    #[error(
        "invalid device name: use 1 to {} characters, no control characters",
        DeviceName::MAX_CHARS
    )]
    Device,
}

/// An account name: 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, min_length = 1, max_length = 64, pattern = r"^[\p{L}\p{N}._@-]{1,64}$", example = "ann")]
pub struct Username(String);

impl Username {
    /// The longest name, in characters.
    pub const MAX_CHARS: usize = 64;

    /// Parses an account name.
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let mut count = 0;
        for c in text.chars() {
            count += 1;
            if count > Self::MAX_CHARS
                || !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
            {
                return Err(NameError::Username);
            }
        }
        if count == 0 {
            return Err(NameError::Username);
        }
        Ok(Self(text.to_owned()))
    }

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A device's name as shown in the list of sessions: 1 to 200 characters after trimming, none
/// of them a control character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", example = "laptop")]
pub struct DeviceName(String);

impl DeviceName {
    /// The longest name, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Parses a device name, trimming surrounding white space.
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let trimmed = text.trim();
        let valid = !trimmed.is_empty()
            && trimmed.chars().count() <= Self::MAX_CHARS
            && !trimmed.chars().any(char::is_control);
        if valid {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(NameError::Device)
        }
    }

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! text_conversions {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(text: String) -> Result<Self, NameError> {
                Self::parse(&text)
            }
        }

        impl std::str::FromStr for $name {
            type Err = NameError;
            fn from_str(text: &str) -> Result<Self, NameError> {
                Self::parse(text)
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> Self {
                name.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_conversions!(Username);
text_conversions!(DeviceName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_short_words_without_control_characters() {
        for good in ["ann", "ann.lee@example.org", "Zoë_2", &"a".repeat(64)] {
            assert_eq!(Username::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "ann\nINFO forged",
            "a b",
            "ann/..",
            &"a".repeat(65),
            "ann\u{0}",
        ] {
            assert_eq!(Username::parse(bad), Err(NameError::Username), "{bad:?}");
        }
        let err = serde_json::from_str::<Username>(&format!("\"{}\"", "x".repeat(100_000)))
            .unwrap_err()
            .to_string();
        assert!(err.len() < 200, "the error does not echo the input");
    }

    #[test]
    fn device_names_are_trimmed_bounded_and_printable() {
        assert_eq!(DeviceName::parse("  laptop ").unwrap().as_str(), "laptop");
        for bad in ["", "   ", "a\nb", "tab\there", &"d".repeat(201)] {
            assert_eq!(DeviceName::parse(bad), Err(NameError::Device), "{bad:?}");
        }
    }
}
