//! Fractional position keys: strings that sort in playlist order, with a key between any two.
//!
//! Keys are base-62 digit strings read as a fraction (".V" is 0.5). A key between two others
//! always exists because a key never ends in the zero digit. Moving or inserting an entry
//! mints one new key and leaves every other entry alone. Adapted from the well-known
//! "fractional indexing" midpoint construction.

const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn digit_value(c: u8) -> usize {
    DIGITS.iter().position(|d| *d == c).unwrap_or(0)
}

/// The midpoint of `a` and `b` (`a < b`; `a` empty means 0, `b` `None` means 1).
fn midpoint(a: &[u8], b: Option<&[u8]>) -> Vec<u8> {
    if let Some(b) = b {
        let mut n = 0;
        while n < b.len() && a.get(n).copied().unwrap_or(DIGITS[0]) == b[n] {
            n += 1;
        }
        if n > 0 {
            let mut out = b[..n].to_vec();
            out.extend(midpoint(a.get(n..).unwrap_or(&[]), Some(&b[n..])));
            return out;
        }
    }
    let digit_a = a.first().map_or(0, |c| digit_value(*c));
    let digit_b = b
        .and_then(|b| b.first())
        .map_or(DIGITS.len(), |c| digit_value(*c));
    if digit_b - digit_a > 1 {
        vec![DIGITS[(digit_a + digit_b).div_ceil(2)]]
    } else if let Some(b) = b.filter(|b| b.len() > 1) {
        vec![b[0]]
    } else {
        let mut out = vec![DIGITS[digit_a]];
        out.extend(midpoint(a.get(1..).unwrap_or(&[]), None));
        out
    }
}

/// A key that sorts after `before` and before `after` (either end may be open). Keys that are
/// not in order (possible after a merge) are treated as if `after` were open.
pub fn between(before: Option<&str>, after: Option<&str>) -> String {
    let a = before.unwrap_or("").as_bytes();
    let b = after.map(str::as_bytes).filter(|b| *b > a);
    String::from_utf8(midpoint(a, b)).expect("keys are made of ASCII digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fall_strictly_between_their_neighbours() {
        for (before, after) in [
            (None, None),
            (Some("V"), None),
            (None, Some("V")),
            (Some("V"), Some("W")),
            (Some("V"), Some("V1")),
            (Some("Vz"), Some("W")),
            (None, Some("01")),
            (Some("zzz"), None),
        ] {
            let key = between(before, after);
            assert!(
                before.is_none_or(|b| b < key.as_str()),
                "{before:?} < {key}"
            );
            assert!(after.is_none_or(|a| key.as_str() < a), "{key} < {after:?}");
            assert!(!key.ends_with('0'), "{key} must not end in zero");
        }
    }

    #[test]
    fn repeated_inserts_at_either_end_and_in_the_middle_stay_ordered_and_short() {
        let mut keys = vec![between(None, None)];
        for i in 0..300 {
            match i % 3 {
                0 => keys.insert(0, between(None, Some(&keys[0]))),
                1 => keys.push(between(keys.last().map(String::as_str), None)),
                _ => {
                    let mid = keys.len() / 2;
                    let key = between(Some(&keys[mid - 1]), Some(&keys[mid]));
                    keys.insert(mid, key);
                }
            }
        }
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        sorted.dedup();
        assert_eq!(sorted.len(), keys.len(), "keys are distinct");
        assert!(keys.iter().all(|k| k.len() < 64), "keys stay short");
    }
}
