//! A Subsonic request's parameters: the query string and, for `POST`, a form body, merged in
//! that order. Names may repeat (`id=1&id=2`). Typed getters turn them into values or into the
//! spec's errors: a missing one is code 10, a malformed one code 0 with what was wrong.

use super::response::Failure;
use std::borrow::Cow;
use std::str::FromStr;

/// At most this many parameters are read from one request (a playlist update with many songs
/// is the largest legitimate request).
pub const MAX_PARAMS: usize = 2_000;

/// The parameters of one request.
#[derive(Debug, Default, Clone)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses `application/x-www-form-urlencoded` text (a query string or a form body) and
    /// appends its pairs; past [`MAX_PARAMS`] the request is refused.
    pub fn extend_from(&mut self, encoded: &[u8]) -> Result<(), Failure> {
        for (name, value) in form_urlencoded(encoded) {
            if self.pairs.len() >= MAX_PARAMS {
                return Err(Failure::generic(format!(
                    "too many parameters: at most {MAX_PARAMS} are read"
                )));
            }
            self.pairs.push((name.into_owned(), value.into_owned()));
        }
        Ok(())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A required parameter: code 10 when absent.
    pub fn required(&self, name: &str) -> Result<&str, Failure> {
        self.get(name).ok_or_else(|| Failure::missing(name))
    }

    /// An optional parameter parsed as `T`; a value that does not parse is an error.
    pub fn parsed<T: FromStr>(&self, name: &str) -> Result<Option<T>, Failure> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(text) => text.trim().parse().map(Some).map_err(|_| {
                Failure::generic(format!("parameter {name} has an invalid value: {text:?}"))
            }),
        }
    }

    /// A number with a default, clamped to `max`.
    pub fn number(&self, name: &str, default: u32, max: u32) -> Result<u32, Failure> {
        Ok(self.parsed::<u32>(name)?.unwrap_or(default).min(max))
    }

    /// A boolean (`true`/`false`, as the spec writes them; `1`/`0` accepted).
    pub fn flag(&self, name: &str) -> Result<Option<bool>, Failure> {
        match self.get(name).map(str::trim) {
            None | Some("") => Ok(None),
            // Some clients write Python's `True`/`False`.
            Some(text) if text.eq_ignore_ascii_case("true") || text == "1" => Ok(Some(true)),
            Some(text) if text.eq_ignore_ascii_case("false") || text == "0" => Ok(Some(false)),
            Some(other) => Err(Failure::generic(format!(
                "parameter {name} must be true or false, not {other:?}"
            ))),
        }
    }
}

/// Splits `a=1&b=2` into decoded pairs (`+` is a space, `%XX` a byte; invalid UTF-8 is
/// replaced, never refused).
fn form_urlencoded(input: &[u8]) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    input
        .split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = match part.iter().position(|b| *b == b'=') {
                Some(at) => (&part[..at], &part[at + 1..]),
                None => (part, &part[..0]),
            };
            (decode(name), decode(value))
        })
}

fn decode(input: &[u8]) -> Cow<'_, str> {
    if !input.iter().any(|b| matches!(b, b'%' | b'+')) {
        return String::from_utf8_lossy(input);
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(input[i + 1]), hex(input[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_decoded_and_names_repeat() {
        let mut params = Params::default();
        params
            .extend_from(b"u=ann&id=1&id=2&q=sigur+r%C3%B3s&p=enc:6869&bad=%zz&end=%4")
            .unwrap();
        params.extend_from(b"id=3&flag").unwrap();
        assert_eq!(params.get("q"), Some("sigur rós"));
        assert_eq!(params.all("id").collect::<Vec<_>>(), ["1", "2", "3"]);
        assert_eq!(params.get("bad"), Some("%zz"));
        assert_eq!(params.get("end"), Some("%4"));
        assert_eq!(params.get("flag"), Some(""));
        assert_eq!(params.required("v").unwrap_err().code, 10);
        assert_eq!(params.parsed::<u32>("u").unwrap_err().code, 0);
        assert_eq!(params.number("count", 10, 500).unwrap(), 10);
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let mut params = Params::default();
        let many = "a=1&".repeat(MAX_PARAMS + 1);
        assert!(params.extend_from(many.as_bytes()).is_err());
    }
}
