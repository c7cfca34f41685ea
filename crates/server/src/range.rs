//! HTTP `Range` header parsing (RFC 9110 §14), as a pure function with table-driven tests.
//!
//! Multiple ranges are answered with the first satisfiable one only (a single-part 206 whose
//! `Content-Range` says what was sent), which RFC 9110 permits and every player handles; audio
//! players ask for one range at a time.

use std::ops::Range;

/// What to send for a `Range` header against a representation of `len` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeRequest {
    /// No (usable) `Range`: send everything with 200.
    Full,
    /// Send this byte range (end exclusive) with 206.
    Partial(Range<u64>),
    /// No range overlaps the representation: 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// Interprets a `Range` header value. A malformed header or another unit is ignored (200), as
/// RFC 9110 requires.
#[must_use]
pub fn parse_range(header: &str, len: u64) -> RangeRequest {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeRequest::Full;
    };
    let mut ranges = Vec::new();
    for part in spec.split(',') {
        let Some(range) = parse_one(part.trim(), len) else {
            return RangeRequest::Full;
        };
        ranges.push(range);
    }
    match ranges.into_iter().flatten().next() {
        Some(range) => RangeRequest::Partial(range),
        None => RangeRequest::Unsatisfiable,
    }
}

/// `None` if malformed; `Some(None)` if well-formed but unsatisfiable.
fn parse_one(part: &str, len: u64) -> Option<Option<Range<u64>>> {
    let (first, last) = part.split_once('-')?;
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    if first.is_empty() {
        let suffix = number(last)?;
        if suffix == 0 || len == 0 {
            return Some(None);
        }
        return Some(Some(len.saturating_sub(suffix)..len));
    }
    let start = number(first)?;
    let end = if last.is_empty() {
        None
    } else {
        Some(number(last)?)
    };
    if end.is_some_and(|end| end < start) {
        return None;
    }
    if start >= len {
        return Some(None);
    }
    let end = end.map_or(len, |end| end.saturating_add(1).min(len));
    Some(Some(start..end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use RangeRequest::{Full, Partial, Unsatisfiable};

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: tonearm_testkit::cases::proptest_cases(5_000),
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Fuzz target: any `Range` header against any length gives a range inside the file,
        /// or a full answer, or 416, never a panic or an overflow.
        #[test]
        fn any_range_header_gives_a_range_inside_the_file(
            header in "(bytes|items)?=?(-?[0-9]{0,21}-?[0-9]{0,21}, ?){0,4}|\\PC{0,40}",
            len in proptest::prop_oneof![0..4u64, 0..10_000u64, proptest::num::u64::ANY],
        ) {
            match parse_range(&header, len) {
                Partial(range) => {
                    proptest::prop_assert!(range.start < range.end, "{:?}", range);
                    proptest::prop_assert!(range.end <= len, "{:?} of {}", range, len);
                }
                Full | Unsatisfiable => {}
            }
        }
    }

    #[test]
    fn range_forms() {
        let table: &[(&str, u64, RangeRequest)] = &[
            ("bytes=0-99", 1000, Partial(0..100)),
            ("bytes=100-", 1000, Partial(100..1000)),
            ("bytes=-100", 1000, Partial(900..1000)),
            ("bytes=-5000", 1000, Partial(0..1000)),
            ("bytes=900-5000", 1000, Partial(900..1000)),
            ("bytes=999-999", 1000, Partial(999..1000)),
            ("bytes=1000-", 1000, Unsatisfiable),
            ("bytes=2000-3000", 1000, Unsatisfiable),
            ("bytes=-0", 1000, Unsatisfiable),
            ("bytes=0-0", 0, Unsatisfiable),
            ("bytes=5000-6000, 10-19", 1000, Partial(10..20)),
            ("bytes=0-9, 20-29", 1000, Partial(0..10)),
            (" bytes=1-2", 1000, Partial(1..3)),
            ("bytes=9-1", 1000, Full),
            ("bytes=a-b", 1000, Full),
            ("bytes=", 1000, Full),
            ("bytes=1-2,x", 1000, Full),
            ("items=0-1", 1000, Full),
            ("", 1000, Full),
        ];
        for (header, len, expected) in table {
            assert_eq!(&parse_range(header, *len), expected, "{header:?} of {len}");
        }
    }
}
