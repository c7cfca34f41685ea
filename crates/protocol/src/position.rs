//! Fractional position keys: where an entry sits in a playlist, as a string that sorts in
//! playlist order, with a key between any two.
//!
//! A key is a fraction written in base 62 after an implied "0." (`"V"` is 0.5): digits
//! `0-9A-Za-z`, never ending in `0`, so string order is numeric order and a key between two
//! others always exists. Inserting or moving an entry mints one new key and leaves every other
//! entry alone, which is what lets edits from several devices merge (design brief, "Playlist
//! sync").
//!
//! Keys come from other devices, so they are parsed here, once, into [`PositionKey`]: a key is
//! at most [`MAX_LEN`] digits (a longer one is refused at the edge instead of overflowing a
//! recursion or a row later). [`between`] is total over valid keys and bounded by their length;
//! when two neighbours leave no room within [`MAX_LEN`], or a minted key grows past
//! [`RESPACE_LEN`], the device re-spaces the playlist with [`spread`] (one move per entry).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

/// The digits, in ascending order (which is also ASCII order).
const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE: usize = DIGITS.len();

/// The longest key accepted from the wire or stored.
pub const MAX_LEN: usize = 64;

/// A device that mints a key longer than this re-spaces the playlist instead, so keys stay
/// short under any sequence of inserts (each insert between two neighbours adds at most one
/// digit, and a re-spaced playlist of a million entries needs four).
pub const RESPACE_LEN: usize = 24;

/// Why a string is not a position key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PositionError {
    /// Empty, too long, a character outside `0-9A-Za-z`, or a trailing `0`.
    #[error(
        "invalid position key {0:?}: expected 1 to 64 characters of 0-9, A-Z, a-z, not ending in 0"
    )]
    Invalid(String),
}

/// A valid position key. Ordering is playlist order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[0-9A-Za-z]{0,63}[1-9A-Za-z]$", example = "V")]
pub struct PositionKey(String);

fn digit_value(c: u8) -> Option<usize> {
    match c {
        b'0'..=b'9' => Some(usize::from(c - b'0')),
        b'A'..=b'Z' => Some(usize::from(c - b'A') + 10),
        b'a'..=b'z' => Some(usize::from(c - b'a') + 36),
        _ => None,
    }
}

impl PositionKey {
    /// Parses `text`, refusing anything that is not a valid key.
    pub fn parse(text: &str) -> Result<Self, PositionError> {
        let valid = !text.is_empty()
            && text.len() <= MAX_LEN
            && text.bytes().all(|c| digit_value(c).is_some())
            && !text.ends_with('0');
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(PositionError::Invalid(bounded(text)))
        }
    }

    /// The key as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number of digits.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a key has at least one digit.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The key after one that is not there yet: the middle of the whole range.
    #[must_use]
    pub fn first() -> Self {
        Self(char::from(DIGITS[BASE / 2]).to_string())
    }

    fn from_digits(digits: &[usize]) -> Self {
        let text = digits.iter().map(|d| char::from(DIGITS[*d])).collect();
        Self(text)
    }

    fn digits(&self) -> Vec<usize> {
        self.0.bytes().filter_map(digit_value).collect()
    }
}

/// A rejected value in an error message, cut short so a megabyte of garbage is not echoed.
fn bounded(text: &str) -> String {
    const SHOWN: usize = 80;
    if text.len() <= SHOWN {
        return text.to_owned();
    }
    let mut end = SHOWN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

impl TryFrom<String> for PositionKey {
    type Error = PositionError;
    fn try_from(text: String) -> Result<Self, PositionError> {
        Self::parse(&text)
    }
}

impl FromStr for PositionKey {
    type Err = PositionError;
    fn from_str(text: &str) -> Result<Self, PositionError> {
        Self::parse(text)
    }
}

impl From<PositionKey> for String {
    fn from(key: PositionKey) -> Self {
        key.0
    }
}

impl fmt::Display for PositionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// There is no key between two neighbours within [`MAX_LEN`] digits: re-space the playlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no position key fits between these neighbours; the playlist needs re-spacing")]
pub struct NoRoom;

/// The midpoint of the fractions `a` and `b` (`a < b`; an empty `a` is 0, `b = None` is 1),
/// as digits with no trailing zero. The recursion is at most as deep as the longer input.
fn midpoint(a: &[usize], b: Option<&[usize]>) -> Vec<usize> {
    if let Some(b) = b {
        // A common prefix (where `a` is padded with zeros) is kept as it is.
        let shared = b
            .iter()
            .enumerate()
            .take_while(|(i, digit)| a.get(*i).copied().unwrap_or(0) == **digit)
            .count();
        if shared > 0 {
            let mut out = b[..shared].to_vec();
            out.extend(midpoint(a.get(shared..).unwrap_or(&[]), Some(&b[shared..])));
            return out;
        }
    }
    let digit_a = a.first().copied().unwrap_or(0);
    let digit_b = b.and_then(|b| b.first().copied()).unwrap_or(BASE);
    if digit_b - digit_a > 1 {
        vec![(digit_a + digit_b).div_ceil(2)]
    } else if let Some(b) = b.filter(|b| b.len() > 1) {
        // `b` is `digit_b` followed by more: `digit_b` alone lies strictly between.
        vec![b[0]]
    } else {
        let mut out = vec![digit_a];
        out.extend(midpoint(a.get(1..).unwrap_or(&[]), None));
        out
    }
}

/// A key that sorts after `before` and before `after` (either end may be open). Neighbours
/// that are not in order (possible after a merge) are treated as if `after` were open. Never
/// panics; fails only when the answer would be longer than [`MAX_LEN`].
pub fn between(
    before: Option<&PositionKey>,
    after: Option<&PositionKey>,
) -> Result<PositionKey, NoRoom> {
    let after = after.filter(|after| before.is_none_or(|before| *after > before));
    let a = before.map(PositionKey::digits).unwrap_or_default();
    let b = after.map(PositionKey::digits);
    let digits = midpoint(&a, b.as_deref());
    if digits.len() > MAX_LEN {
        return Err(NoRoom);
    }
    Ok(PositionKey::from_digits(&digits))
}

/// `count` keys spread evenly over the whole range, in order, each as short as the count
/// allows: the keys of a re-spaced playlist.
#[must_use]
pub fn spread(count: usize) -> Vec<PositionKey> {
    let slots = count as u128 + 1;
    let mut width = 1u32;
    while (BASE as u128).pow(width) < slots * 2 {
        width += 1;
    }
    let range = (BASE as u128).pow(width);
    (1..slots)
        .map(|i| {
            let mut value = i * range / slots;
            let mut digits = vec![0usize; width as usize];
            for digit in digits.iter_mut().rev() {
                *digit = (value % BASE as u128) as usize;
                value /= BASE as u128;
            }
            while digits.last() == Some(&0) {
                digits.pop();
            }
            PositionKey::from_digits(&digits)
        })
        .collect()
}

/// Where new entries go: their keys, and the entries that must move to make room.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Placement {
    /// The keys of the inserted entries, in order.
    pub inserted: Vec<PositionKey>,
    /// Existing entries (by index in the list given) that take a new key: empty unless the
    /// list was re-spaced.
    pub moved: Vec<(usize, PositionKey)>,
}

/// Keys for `count` entries inserted before index `at` of a list whose keys are `existing`, in
/// list order. They are minted between the neighbours when that keeps them within
/// [`RESPACE_LEN`] digits and the neighbours are strictly ordered; otherwise the whole list is
/// re-spaced with [`spread`], which keeps every key short whatever sequence of inserts came
/// before. `at` past the end means at the end.
#[must_use]
pub fn place(existing: &[PositionKey], at: usize, count: usize) -> Placement {
    let at = at.min(existing.len());
    let mut before = at.checked_sub(1).map(|i| &existing[i]);
    let after = existing.get(at);
    let disordered = matches!((before, after), (Some(b), Some(a)) if b >= a);
    if !disordered {
        let mut inserted = Vec::with_capacity(count);
        for _ in 0..count {
            match between(before, after) {
                Ok(key) if key.len() <= RESPACE_LEN => inserted.push(key),
                _ => break,
            }
            before = inserted.last();
        }
        if inserted.len() == count {
            return Placement {
                inserted,
                moved: Vec::new(),
            };
        }
    }
    let mut keys = spread(existing.len() + count).into_iter();
    let mut moved = Vec::new();
    let mut keep = |index: usize, key: PositionKey| {
        if existing[index] != key {
            moved.push((index, key));
        }
    };
    for index in 0..at {
        keep(index, keys.next().expect("spread gives one key per entry"));
    }
    let inserted = keys.by_ref().take(count).collect();
    for (index, key) in (at..existing.len()).zip(keys) {
        keep(index, key);
    }
    Placement { inserted, moved }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> PositionKey {
        PositionKey::parse(text).unwrap()
    }

    #[test]
    fn parsing_accepts_only_valid_keys() {
        for good in ["1", "V", "zzz", "01", &"z".repeat(MAX_LEN)] {
            assert_eq!(key(good).as_str(), good);
        }
        for bad in [
            "",
            "0",
            "V0",
            "a-b",
            "é",
            " V",
            "V\n",
            &"z".repeat(MAX_LEN + 1),
        ] {
            assert!(PositionKey::parse(bad).is_err(), "{bad:?}");
        }
        let huge = "x".repeat(100_000) + "!";
        let message = PositionKey::parse(&huge).unwrap_err().to_string();
        assert!(message.len() < 300, "errors do not echo huge input");
        let err = serde_json::from_str::<PositionKey>("\"a0\"").unwrap_err();
        assert!(err.to_string().contains("invalid position key"), "{err}");
    }

    #[test]
    fn keys_fall_strictly_between_their_neighbours() {
        let cases: &[(Option<&str>, Option<&str>)] = &[
            (None, None),
            (Some("V"), None),
            (None, Some("V")),
            (Some("V"), Some("W")),
            (Some("V"), Some("V1")),
            (Some("Vz"), Some("W")),
            (None, Some("01")),
            (None, Some("1")),
            (Some("zzz"), None),
            (Some("z"), None),
            (Some("0001"), Some("0002")),
        ];
        for (before, after) in cases {
            let (before, after) = (before.map(key), after.map(key));
            let between = between(before.as_ref(), after.as_ref()).unwrap();
            assert!(
                before.as_ref().is_none_or(|b| *b < between),
                "{before:?} < {between}"
            );
            assert!(
                after.as_ref().is_none_or(|a| between < *a),
                "{between} < {after:?}"
            );
            assert_eq!(PositionKey::parse(between.as_str()), Ok(between.clone()));
        }
    }

    #[test]
    fn neighbours_out_of_order_or_equal_still_give_a_key_after_the_first() {
        for (before, after) in [("W", "V"), ("V", "V")] {
            let minted = between(Some(&key(before)), Some(&key(after))).unwrap();
            assert!(minted > key(before), "{minted}");
        }
    }

    #[test]
    fn no_room_between_the_longest_neighbours_is_an_error_not_a_panic() {
        let low = key(&format!("{}1", "0".repeat(MAX_LEN - 1)));
        let high = key(&format!("{}2", "0".repeat(MAX_LEN - 1)));
        assert_eq!(between(Some(&low), Some(&high)), Err(NoRoom));
        let top = key(&"z".repeat(MAX_LEN));
        assert_eq!(between(Some(&top), None), Err(NoRoom));
    }

    /// The list after applying a placement, as keys in list order.
    fn apply(existing: &[PositionKey], at: usize, placement: &Placement) -> Vec<PositionKey> {
        let mut keys = existing.to_vec();
        for (index, key) in &placement.moved {
            keys[*index] = key.clone();
        }
        let at = at.min(keys.len());
        keys.splice(at..at, placement.inserted.iter().cloned());
        keys
    }

    #[test]
    fn inserting_forever_at_one_spot_respaces_and_keys_stay_short() {
        let mut keys: Vec<PositionKey> = Vec::new();
        let mut respaced = 0;
        for round in 0..2_000 {
            // Always right after the first entry: the worst case for midpoint keys.
            let at = usize::from(round > 0);
            let placement = place(&keys, at, 1);
            respaced += usize::from(!placement.moved.is_empty());
            keys = apply(&keys, at, &placement);
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "round {round}");
            assert!(keys.iter().all(|k| k.len() <= RESPACE_LEN), "round {round}");
        }
        assert!(respaced > 0, "the list was re-spaced at least once");
    }

    #[test]
    fn equal_or_disordered_neighbours_are_respaced_not_misplaced() {
        let keys = vec![key("V"), key("V"), key("W")];
        let placement = place(&keys, 1, 2);
        let after = apply(&keys, 1, &placement);
        assert!(after.windows(2).all(|w| w[0] < w[1]), "{after:?}");
        assert_eq!(placement.moved.len(), 3);
    }

    fn valid_key() -> impl proptest::strategy::Strategy<Value = PositionKey> {
        use proptest::strategy::Strategy;
        "[0-9A-Za-z]{0,63}[1-9A-Za-z]".prop_map(|text| key(&text))
    }

    fn cases() -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(2_000)
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: cases(),
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Fuzz target: any text either is a key (and then prints as itself) or is refused.
        #[test]
        fn any_text_is_a_key_or_refused(text in "\\PC{0,80}|[0-9A-Za-z]{0,70}") {
            if let Ok(parsed) = PositionKey::parse(&text) {
                proptest::prop_assert_eq!(parsed.as_str(), text.as_str());
                proptest::prop_assert!(parsed.len() <= MAX_LEN);
            }
        }

        /// Fuzz target: between any two keys, a key strictly between them or `NoRoom`.
        #[test]
        fn between_any_two_keys_is_strictly_between_or_no_room(a in valid_key(), b in valid_key()) {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            if low < high {
                match between(Some(&low), Some(&high)) {
                    Ok(mid) => proptest::prop_assert!(low < mid && mid < high, "{} {} {}", low, mid, high),
                    Err(NoRoom) => proptest::prop_assert!(low.len() >= MAX_LEN - 1 || high.len() >= MAX_LEN - 1),
                }
            }
            if let Ok(after) = between(Some(&high), None) {
                proptest::prop_assert!(after > high);
            }
            if let Ok(before) = between(None, Some(&low)) {
                proptest::prop_assert!(before < low);
            }
        }

        /// Any sequence of inserts into any sorted list keeps it sorted with short new keys.
        #[test]
        fn placing_into_any_list_keeps_it_ordered(
            mut existing in proptest::collection::vec(valid_key(), 0..20),
            inserts in proptest::collection::vec((0..25usize, 1..4usize), 1..30),
        ) {
            existing.sort();
            let mut keys = existing;
            for (at, count) in inserts {
                let placement = place(&keys, at, count);
                proptest::prop_assert_eq!(placement.inserted.len(), count);
                keys = apply(&keys, at, &placement);
                proptest::prop_assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{:?}", keys);
                // The new entries sit strictly between their neighbours, in order.
                let at = at.min(keys.len() - count);
                let lo = at.saturating_sub(1);
                let hi = (at + count + 1).min(keys.len());
                proptest::prop_assert!(keys[lo..hi].windows(2).all(|w| w[0] < w[1]), "{:?}", &keys[lo..hi]);
                proptest::prop_assert!(placement.inserted.iter().all(|k| k.len() <= RESPACE_LEN));
            }
        }
    }

    #[test]
    fn spread_keys_are_ordered_distinct_valid_and_short() {
        for count in [0, 1, 2, 61, 62, 1000, 100_000] {
            let keys = spread(count);
            assert_eq!(keys.len(), count);
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{count}");
            assert!(keys.iter().all(|k| k.len() <= 4), "{count}");
            for k in &keys {
                assert_eq!(PositionKey::parse(k.as_str()).as_ref(), Ok(k));
            }
        }
    }
}
