//! The play queue: a list of entries, the one playing, and the order they play in.
//!
//! - Entries have their own ids, so the same track can be queued twice and the UI can move
//!   or remove exactly the one the user pointed at.
//! - **Shuffle** plays every entry once, in a random order, before any plays again; turning it
//!   on keeps the current entry playing and shuffles the rest after it. Entries added while
//!   shuffled join the part not yet played ("play next" goes right after the current one).
//! - **Repeat** off stops after the last entry, all starts over (with a new shuffle order, so
//!   still no repeat before everything has played), one plays the current entry again when it
//!   ends; skipping still moves on (and wraps around at the end).
//!
//! Pure logic: randomness comes from a seeded generator, so tests are deterministic.
//!
//! A queue may hold a whole library (100,000 entries and more: "play all songs"), so nothing
//! here is quadratic in its length: entries are found through an index of their places, and
//! a copy made to look ahead shares the entries rather than copying them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// An entry of the queue (not a track id: the same track may be queued twice).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
// Named apart from the library's playlist entry ids in the UI's generated types.
#[serde(rename = "QueueEntryId")]
pub struct EntryId(pub u64);

/// What happens at the end of the queue, or of a track.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    #[default]
    Off,
    All,
    One,
}

/// Why the queue moves on: a track ended by itself, or the user pressed next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advance {
    /// The track played to its end (repeat one replays it).
    Ended,
    /// The user skipped (repeat one does not trap them).
    Skipped,
}

/// A small, fast, seedable generator (SplitMix64): good enough to shuffle a queue.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index below `n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// The play queue of items `T` (track ids, in the app).
#[derive(Debug, Clone)]
pub struct Queue<T> {
    /// Entries in list order (what the queue panel shows when not shuffled). Shared, so a
    /// copy of the queue (to look ahead, or to publish) costs no copy of the items.
    entries: Arc<Vec<(EntryId, T)>>,
    /// Where each entry is in `entries`, rebuilt whenever they change.
    places: Arc<HashMap<EntryId, usize>>,
    /// Play order, as entry ids: list order, or a shuffled order when shuffling.
    order: Vec<EntryId>,
    /// Index into `order` of the current entry.
    position: Option<usize>,
    shuffle: bool,
    repeat: Repeat,
    next_id: u64,
    rng: Rng,
}

impl<T: Clone> Queue<T> {
    /// An empty queue whose shuffles follow `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            entries: Arc::default(),
            places: Arc::default(),
            order: Vec::new(),
            position: None,
            shuffle: false,
            repeat: Repeat::Off,
            next_id: 1,
            rng: Rng(seed),
        }
    }

    /// Entries for `items`, moved in: a whole library queued is not copied item by item.
    fn mint(&mut self, items: impl IntoIterator<Item = T>) -> Vec<(EntryId, T)> {
        items
            .into_iter()
            .map(|item| {
                let id = EntryId(self.next_id);
                self.next_id += 1;
                (id, item)
            })
            .collect()
    }

    /// Changes the entries (copying them first if a copy of the queue shares them), then
    /// indexes their new places.
    fn edit_entries(&mut self, edit: impl FnOnce(&mut Vec<(EntryId, T)>)) {
        edit(Arc::make_mut(&mut self.entries));
        self.index_places();
    }

    /// Replaces the entries, shared or not, and indexes their places.
    fn replace_entries(&mut self, entries: Vec<(EntryId, T)>) {
        self.entries = Arc::new(entries);
        self.index_places();
    }

    fn index_places(&mut self) {
        self.places = Arc::new(
            self.entries
                .iter()
                .enumerate()
                .map(|(at, (id, _))| (*id, at))
                .collect(),
        );
    }

    fn index_of(&self, id: EntryId) -> Option<usize> {
        self.places.get(&id).copied()
    }

    /// The entry `id` and its item.
    fn entry(&self, id: EntryId) -> Option<(EntryId, &T)> {
        self.index_of(id).map(|at| (id, &self.entries[at].1))
    }

    /// Entries in list order.
    pub fn entries(&self) -> &[(EntryId, T)] {
        &self.entries
    }

    /// Entries in list order, shared: the caller keeps them without copying them.
    pub fn shared_entries(&self) -> Arc<Vec<(EntryId, T)>> {
        Arc::clone(&self.entries)
    }

    /// Where each entry is in [`Queue::entries`], shared like them.
    pub fn shared_places(&self) -> Arc<HashMap<EntryId, usize>> {
        Arc::clone(&self.places)
    }

    /// The entry playing (or paused), if any.
    pub fn current(&self) -> Option<(EntryId, &T)> {
        self.entry(*self.order.get(self.position?)?)
    }

    /// The entries still to play after the current one, in play order.
    pub fn upcoming(&self) -> Vec<(EntryId, &T)> {
        let start = self.position.map_or(0, |p| p + 1);
        self.order[start.min(self.order.len())..]
            .iter()
            .filter_map(|id| self.entry(*id))
            .collect()
    }

    pub fn repeat(&self) -> Repeat {
        self.repeat
    }

    pub fn set_repeat(&mut self, repeat: Repeat) {
        self.repeat = repeat;
    }

    pub fn shuffle(&self) -> bool {
        self.shuffle
    }

    /// Where a list played whole starts, of `count` items: its first, or with shuffle on, any.
    pub fn first_to_play(&mut self, count: usize) -> usize {
        if self.shuffle && count > 0 {
            self.rng.below(count)
        } else {
            0
        }
    }

    /// Replaces the queue with `items` and makes `start` current ("play this album from
    /// track 3"). With shuffle on, `start` plays first and the rest are shuffled.
    pub fn play_now(
        &mut self,
        items: impl IntoIterator<Item = T>,
        start: usize,
    ) -> Option<EntryId> {
        let minted = self.mint(items);
        self.replace_entries(minted);
        self.order = self.entries.iter().map(|(e, _)| *e).collect();
        self.position = None;
        let start_id = self.entries.get(start).map(|(e, _)| *e)?;
        if self.shuffle {
            self.reshuffle_around(Some(start_id));
        } else {
            self.position = Some(start);
        }
        Some(start_id)
    }

    /// Queues `items` to play right after the current entry, in the given order.
    pub fn play_next(&mut self, items: impl IntoIterator<Item = T>) -> Vec<EntryId> {
        let new = self.mint(items);
        let ids: Vec<EntryId> = new.iter().map(|(e, _)| *e).collect();
        let list_at = self
            .current()
            .and_then(|(id, _)| self.index_of(id))
            .map_or(self.entries.len(), |i| i + 1);
        self.edit_entries(|entries| {
            entries.splice(list_at..list_at, new);
        });
        let order_at = self.position.map_or(0, |p| p + 1);
        self.order.splice(order_at..order_at, ids.iter().copied());
        ids
    }

    /// Adds `items` at the end of the list (when shuffled: at random places among the
    /// entries not yet played).
    pub fn add(&mut self, items: impl IntoIterator<Item = T>) -> Vec<EntryId> {
        let new = self.mint(items);
        let ids: Vec<EntryId> = new.iter().map(|(e, _)| *e).collect();
        self.edit_entries(|entries| entries.extend(new));
        if self.shuffle {
            let first_free = self.position.map_or(0, |p| p + 1).min(self.order.len());
            let waiting = self.order.split_off(first_free);
            let mut added = ids.clone();
            self.rng.shuffle(&mut added);
            let merged = self.merge_at_random(waiting, added);
            self.order.extend(merged);
        } else {
            self.order.extend(&ids);
        }
        ids
    }

    /// `a` and `b` interleaved, each keeping its own order, every interleaving as likely
    /// (what inserting `b`'s items one by one at random places does, in linear time).
    fn merge_at_random(&mut self, a: Vec<EntryId>, b: Vec<EntryId>) -> Vec<EntryId> {
        let mut merged = Vec::with_capacity(a.len() + b.len());
        let (mut a, mut b) = (a.into_iter(), b.into_iter());
        let (mut left_a, mut left_b) = (a.len(), b.len());
        while left_a + left_b > 0 {
            // Take from `b` with the chance of its share of what is left.
            let from_b = self.rng.below(left_a + left_b) < left_b;
            let next = if from_b { b.next() } else { a.next() };
            if from_b {
                left_b -= 1;
            } else {
                left_a -= 1;
            }
            merged.extend(next);
        }
        merged
    }

    /// Removes entries. If the current one goes, the next one in play order becomes current
    /// (or none, at the end), and the caller starts it.
    pub fn remove(&mut self, ids: &[EntryId]) {
        let current = self.current().map(|(id, _)| id);
        let ids: HashSet<EntryId> = ids.iter().copied().collect();
        self.edit_entries(|entries| entries.retain(|(e, _)| !ids.contains(e)));
        let position = self.position.unwrap_or(0);
        let removed_before = self.order[..position.min(self.order.len())]
            .iter()
            .filter(|e| ids.contains(e))
            .count();
        self.order.retain(|e| !ids.contains(e));
        self.position = match (self.position, current) {
            (None, _) | (_, None) => None,
            (Some(p), Some(current)) if ids.contains(&current) => {
                let next = p - removed_before;
                (next < self.order.len()).then_some(next)
            }
            (Some(p), Some(_)) => Some(p - removed_before),
        };
    }

    /// Moves an entry to index `to` of the list (the order the queue panel shows). When not
    /// shuffled the play order follows.
    pub fn move_entry(&mut self, id: EntryId, to: usize) {
        let Some(from) = self.index_of(id) else {
            return;
        };
        let current = self.current().map(|(e, _)| e);
        self.edit_entries(|entries| {
            let entry = entries.remove(from);
            let to = to.min(entries.len());
            entries.insert(to, entry);
        });
        if !self.shuffle {
            self.order = self.entries.iter().map(|(e, _)| *e).collect();
            self.position = current.and_then(|c| self.order.iter().position(|e| *e == c));
        }
    }

    /// Empties the queue.
    pub fn clear(&mut self) {
        self.replace_entries(Vec::new());
        self.order.clear();
        self.position = None;
    }

    /// Turns shuffle on (current entry stays, the rest are shuffled after it) or off (list
    /// order resumes after the current entry).
    pub fn set_shuffle(&mut self, on: bool) {
        if on == self.shuffle {
            return;
        }
        self.shuffle = on;
        let current = self.current().map(|(e, _)| e);
        if on {
            self.reshuffle_around(current);
        } else {
            self.order = self.entries.iter().map(|(e, _)| *e).collect();
            self.position = current.and_then(|c| self.order.iter().position(|e| *e == c));
        }
    }

    /// A new play order: `first` (if any), then every other entry in random order.
    fn reshuffle_around(&mut self, first: Option<EntryId>) {
        let mut rest: Vec<EntryId> = self
            .entries
            .iter()
            .map(|(e, _)| *e)
            .filter(|e| Some(*e) != first)
            .collect();
        self.rng.shuffle(&mut rest);
        self.order = first.into_iter().chain(rest).collect();
        self.position = first.map(|_| 0);
    }

    /// Moves to the next entry and returns it, or `None` when the queue has ended.
    pub fn next(&mut self, why: Advance) -> Option<(EntryId, &T)> {
        if self.order.is_empty() {
            return None;
        }
        if why == Advance::Ended && self.repeat == Repeat::One && self.position.is_some() {
            return self.current();
        }
        let next = self.position.map_or(0, |p| p + 1);
        if next < self.order.len() {
            self.position = Some(next);
        } else if self.repeat == Repeat::Off {
            self.position = None;
            return None;
        } else if self.shuffle {
            // A new round: everything again, in a new order.
            self.reshuffle_around(None);
            self.position = Some(0);
        } else {
            self.position = Some(0);
        }
        self.current()
    }

    /// Moves to the previous entry in play order (wrapping with repeat all); stays on the
    /// first entry otherwise. Restarting the current track instead is the engine's decision.
    pub fn previous(&mut self) -> Option<(EntryId, &T)> {
        let position = self.position?;
        self.position = Some(match position {
            0 if self.repeat == Repeat::All => self.order.len() - 1,
            0 => 0,
            p => p - 1,
        });
        self.current()
    }

    /// The entries just before and after `id` in play order.
    pub fn neighbours(&self, id: EntryId) -> (Option<&T>, Option<&T>) {
        let item = |at: Option<usize>| Some(self.entry(*self.order.get(at?)?)?.1);
        match self.order.iter().position(|e| *e == id) {
            Some(at) => (item(at.checked_sub(1)), item(Some(at + 1))),
            None => (None, None),
        }
    }

    /// What [`Queue::next`] would move to, without moving.
    pub fn peek_next(&self, why: Advance) -> Option<(EntryId, T)> {
        let mut ahead = self.clone();
        ahead.next(why).map(|(id, item)| (id, item.clone()))
    }

    /// Makes `id` the current entry (the user double-clicked it in the queue).
    pub fn jump_to(&mut self, id: EntryId) -> Option<(EntryId, &T)> {
        self.position = Some(self.order.iter().position(|e| *e == id)?);
        self.current()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn queue(items: &[&'static str], start: usize) -> Queue<&'static str> {
        let mut q = Queue::new(7);
        q.play_now(items.to_vec(), start);
        q
    }

    fn current(q: &Queue<&'static str>) -> Option<&'static str> {
        q.current().map(|(_, t)| *t)
    }

    fn upcoming(q: &Queue<&'static str>) -> Vec<&'static str> {
        q.upcoming().into_iter().map(|(_, t)| *t).collect()
    }

    #[test]
    fn a_list_played_whole_starts_first_or_anywhere_when_shuffled() {
        let mut q: Queue<&'static str> = Queue::new(3);
        assert_eq!(q.first_to_play(0), 0);
        assert!(
            (0..20).all(|_| q.first_to_play(10) == 0),
            "in order: the first"
        );
        q.set_shuffle(true);
        assert_eq!(q.first_to_play(0), 0, "an empty list");
        let starts: HashSet<usize> = (0..200).map(|_| q.first_to_play(10)).collect();
        assert!(starts.iter().all(|&at| at < 10));
        assert_eq!(starts.len(), 10, "any of them: {starts:?}");
    }

    fn play_all(q: &mut Queue<&'static str>, steps: usize) -> Vec<Option<&'static str>> {
        (0..steps)
            .map(|_| q.next(Advance::Ended).map(|(_, t)| *t))
            .collect()
    }

    #[test]
    fn advancing_follows_repeat_mode() {
        // (repeat, how it advances, what plays on each step after "a" of [a, b, c])
        let cases: Vec<(Repeat, Advance, Vec<Option<&str>>)> = vec![
            (
                Repeat::Off,
                Advance::Ended,
                vec![Some("b"), Some("c"), None, Some("a")],
            ),
            (
                Repeat::All,
                Advance::Ended,
                vec![Some("b"), Some("c"), Some("a"), Some("b")],
            ),
            (
                Repeat::One,
                Advance::Ended,
                vec![Some("a"), Some("a"), Some("a"), Some("a")],
            ),
            // Skipping moves on even with repeat one, and wraps: the user asked for repetition.
            (
                Repeat::One,
                Advance::Skipped,
                vec![Some("b"), Some("c"), Some("a"), Some("b")],
            ),
        ];
        for (repeat, why, expected) in cases {
            let mut q = queue(&["a", "b", "c"], 0);
            q.set_repeat(repeat);
            let got: Vec<_> = (0..4).map(|_| q.next(why).map(|(_, t)| *t)).collect();
            assert_eq!(got, expected, "{repeat:?} {why:?}");
        }
    }

    #[test]
    fn previous_steps_back_and_wraps_only_with_repeat_all() {
        for (repeat, start, expected) in [
            (Repeat::Off, 2, vec!["b", "a", "a"]),
            (Repeat::All, 1, vec!["a", "c", "b"]),
        ] {
            let mut q = queue(&["a", "b", "c"], start);
            q.set_repeat(repeat);
            let got: Vec<_> = (0..3)
                .map(|_| q.previous().map(|(_, t)| *t).expect("an entry"))
                .collect();
            assert_eq!(got, expected, "{repeat:?}");
        }
    }

    #[test]
    fn editing_the_queue_keeps_the_current_entry() {
        let mut q = queue(&["a", "b", "c"], 1);
        let next = q.play_next(["x", "y"]);
        assert_eq!(
            (current(&q), upcoming(&q)),
            (Some("b"), vec!["x", "y", "c"])
        );
        q.add(["z"]);
        assert_eq!(upcoming(&q), vec!["x", "y", "c", "z"]);
        q.remove(&[next[0]]);
        assert_eq!(upcoming(&q), vec!["y", "c", "z"]);
        let first = q.entries()[0].0;
        q.remove(&[first]);
        assert_eq!(
            (current(&q), upcoming(&q)),
            (Some("b"), vec!["y", "c", "z"])
        );
        let z = q.entries().last().expect("z").0;
        q.move_entry(z, 0);
        assert_eq!(
            q.entries().iter().map(|(_, t)| *t).collect::<Vec<_>>(),
            vec!["z", "b", "y", "c"]
        );
        assert_eq!((current(&q), upcoming(&q)), (Some("b"), vec!["y", "c"]));
    }

    #[test]
    fn removing_the_current_entry_makes_the_next_one_current() {
        let mut q = queue(&["a", "b", "c"], 1);
        let b = q.current().expect("b").0;
        q.remove(&[b]);
        assert_eq!(current(&q), Some("c"));
        let c = q.current().expect("c").0;
        q.remove(&[c]);
        assert_eq!(current(&q), None, "nothing after the last");
        q.clear();
        assert!(q.entries().is_empty() && q.next(Advance::Ended).is_none());
    }

    #[test]
    fn the_same_track_can_be_queued_twice_as_two_entries() {
        let mut q = queue(&["a"], 0);
        let ids = q.add(["a"]);
        assert_eq!(q.entries().len(), 2);
        q.remove(&ids);
        assert_eq!((q.entries().len(), current(&q)), (1, Some("a")));
    }

    #[test]
    fn shuffle_keeps_the_current_entry_and_plays_each_once_per_round() {
        let items: Vec<&'static str> = vec!["a", "b", "c", "d", "e", "f", "g", "h"];
        for seed in 0..50 {
            let mut q = Queue::new(seed);
            q.play_now(items.clone(), 3);
            q.set_shuffle(true);
            q.set_repeat(Repeat::All);
            assert_eq!(
                current(&q),
                Some("d"),
                "seed {seed}: shuffle keeps what plays"
            );
            let mut round: Vec<&str> = vec!["d"];
            round.extend(play_all(&mut q, items.len() - 1).into_iter().flatten());
            assert_eq!(
                round.iter().collect::<HashSet<_>>().len(),
                items.len(),
                "seed {seed}: {round:?}"
            );
            let second = play_all(&mut q, items.len());
            let second: HashSet<_> = second.into_iter().flatten().collect();
            assert_eq!(
                second.len(),
                items.len(),
                "seed {seed}: the next round has everything again"
            );
        }
    }

    #[test]
    fn shuffled_orders_differ_between_seeds_and_repeat_for_the_same_seed() {
        let items: Vec<&'static str> = vec!["a", "b", "c", "d", "e", "f", "g", "h"];
        let order = |seed| {
            let mut q = Queue::new(seed);
            q.set_shuffle(true);
            q.play_now(items.clone(), 0);
            upcoming(&q)
        };
        assert_eq!(order(1), order(1));
        assert_ne!(order(1), order(2));
    }

    #[test]
    fn turning_shuffle_off_resumes_list_order_after_the_current_entry() {
        let mut q = queue(&["a", "b", "c", "d"], 0);
        q.set_shuffle(true);
        let now = q.next(Advance::Skipped).map(|(_, t)| *t).expect("an entry");
        q.set_shuffle(false);
        assert_eq!(current(&q), Some(now));
        let rest: Vec<_> = ["a", "b", "c", "d"]
            .into_iter()
            .skip_while(|t| *t != now)
            .skip(1)
            .collect();
        assert_eq!(upcoming(&q), rest);
    }

    #[test]
    fn entries_added_while_shuffled_land_among_the_waiting_ones_in_any_place() {
        let mut first_places = HashSet::new();
        let mut last_places = HashSet::new();
        for seed in 0..40 {
            let mut q = Queue::new(seed);
            q.set_shuffle(true);
            q.play_now(["a", "b", "c", "d", "e"], 0);
            q.next(Advance::Skipped);
            let played: Vec<_> = q.order[..=q.position.unwrap()].to_vec();
            let waiting = upcoming(&q);
            let added = q.add(["x", "y"]);
            assert_eq!(
                q.order[..played.len()],
                played,
                "seed {seed}: the past stays"
            );
            let after = upcoming(&q);
            let kept: Vec<_> = after
                .iter()
                .filter(|t| !["x", "y"].contains(t))
                .copied()
                .collect();
            assert_eq!(
                kept, waiting,
                "seed {seed}: the waiting entries keep their order"
            );
            assert_eq!(after.len(), waiting.len() + 2);
            let place = |id| q.order.iter().position(|e| *e == id).unwrap() - played.len();
            first_places.insert(place(added[0]).min(place(added[1])));
            last_places.insert(place(added[0]).max(place(added[1])));
        }
        assert!(
            first_places.contains(&0) && last_places.contains(&4),
            "added entries land anywhere among the waiting ones: {first_places:?} {last_places:?}"
        );
    }

    #[test]
    fn entries_are_found_by_id_after_every_edit() {
        let tracks: Vec<&'static str> = ["a", "b", "c", "d", "e", "f", "g", "h"].to_vec();
        let mut q = Queue::new(11);
        let mut rng = Rng(5);
        q.play_now(tracks.clone(), 3);
        for step in 0..400 {
            let ids: Vec<EntryId> = q.entries().iter().map(|(e, _)| *e).collect();
            let some = |rng: &mut Rng| ids[rng.below(ids.len())];
            match rng.below(9) {
                0 => drop(q.play_now(tracks[..1 + rng.below(tracks.len())].to_vec(), 0)),
                1 => drop(q.play_next(tracks[..rng.below(3)].to_vec())),
                2 => drop(q.add(tracks[..rng.below(4)].to_vec())),
                3 if !ids.is_empty() => q.remove(&[some(&mut rng), some(&mut rng)]),
                4 if !ids.is_empty() => q.move_entry(some(&mut rng), rng.below(ids.len() + 2)),
                5 => q.set_shuffle(!q.shuffle()),
                6 if !ids.is_empty() => drop(q.jump_to(some(&mut rng))),
                7 => drop(q.next(Advance::Skipped)),
                _ => drop(q.previous()),
            }
            for (at, (id, item)) in q.entries().iter().enumerate() {
                assert_eq!(q.index_of(*id), Some(at), "step {step}: where {id:?} is");
                assert_eq!(q.entry(*id).map(|(_, t)| *t), Some(*item));
            }
            assert_eq!(
                q.places.len(),
                q.entries().len(),
                "step {step}: no stale places"
            );
            let mut in_order = q.order.clone();
            in_order.sort();
            let mut listed: Vec<EntryId> = q.entries().iter().map(|(e, _)| *e).collect();
            listed.sort();
            assert_eq!(
                in_order, listed,
                "step {step}: the play order holds every entry once"
            );
            let played = q.position.map_or(0, |p| p + 1);
            assert_eq!(
                q.upcoming().len() + played,
                q.entries().len(),
                "step {step}: what is to come is everything after the current entry"
            );
        }
    }

    /// An item that counts its copies.
    #[derive(Debug, PartialEq)]
    struct Counted(u32, std::rc::Rc<std::cell::Cell<usize>>);

    impl Clone for Counted {
        fn clone(&self) -> Self {
            self.1.set(self.1.get() + 1);
            Self(self.0, self.1.clone())
        }
    }

    #[test]
    fn items_queued_are_moved_in_not_copied() {
        let copies = std::rc::Rc::new(std::cell::Cell::new(0));
        let items = |range: std::ops::Range<u32>| -> Vec<Counted> {
            range.map(|n| Counted(n, copies.clone())).collect()
        };
        let mut q = Queue::new(1);
        q.play_now(items(0..10_000), 5_000);
        q.play_next(items(10_000..10_010));
        q.add(items(10_010..10_020));
        q.set_shuffle(true);
        assert_eq!(q.entries().len(), 10_020);
        assert_eq!(q.current().map(|(_, item)| item.0), Some(5_000));
        assert_eq!(copies.get(), 0, "no item was copied into the queue");
    }

    #[test]
    fn a_whole_library_queued_is_played_and_edited_by_entry() {
        let tracks: Vec<u32> = (0..200_000).collect();
        let mut q = Queue::new(1);
        q.play_now(tracks.clone(), 100_000);
        assert_eq!(q.current().map(|(_, t)| *t), Some(100_000));
        assert_eq!(q.upcoming().len(), 99_999);
        let (before, after) = q.neighbours(q.current().unwrap().0);
        assert_eq!((before, after), (Some(&99_999), Some(&100_001)));
        let gone: Vec<EntryId> = q.entries()[..50_000].iter().map(|(e, _)| *e).collect();
        q.remove(&gone);
        assert_eq!(q.current().map(|(_, t)| *t), Some(100_000));
        q.set_shuffle(true);
        q.add(tracks[..1_000].to_vec());
        assert_eq!(q.upcoming().len(), 149_999 + 1_000);
        let ahead = q.peek_next(Advance::Ended).map(|(_, t)| t);
        assert_eq!(q.next(Advance::Ended).map(|(_, t)| *t), ahead);
    }

    #[test]
    fn entries_added_while_shuffled_are_played_in_this_round() {
        let mut q = Queue::new(3);
        q.set_shuffle(true);
        q.play_now(["a", "b", "c"], 0);
        q.next(Advance::Ended);
        let played_so_far = 2;
        q.add(["x", "y"]);
        let next = q.play_next(["n"]);
        assert_eq!(
            q.upcoming()[0].0,
            next[0],
            "play next goes right after the current one"
        );
        let rest: HashSet<_> = play_all(&mut q, 5 - played_so_far + 2)
            .into_iter()
            .flatten()
            .collect();
        assert!(rest.contains("x") && rest.contains("y") && rest.contains("n"));
    }

    #[test]
    fn jumping_to_an_entry_continues_from_there() {
        let mut q = queue(&["a", "b", "c"], 0);
        let c = q.entries()[2].0;
        assert_eq!(q.jump_to(c).map(|(_, t)| *t), Some("c"));
        assert!(q.next(Advance::Ended).is_none());
        assert!(q.jump_to(EntryId(999)).is_none());
    }

    #[test]
    fn peeking_shows_what_comes_without_moving_and_neighbours_follow_play_order() {
        // (repeat, shuffle, expected peek after "b")
        let cases = [
            (Repeat::Off, Advance::Ended, Some("c")),
            (Repeat::One, Advance::Ended, Some("b")),
            (Repeat::One, Advance::Skipped, Some("c")),
        ];
        for (repeat, why, expected) in cases {
            let mut q = queue(&["a", "b", "c"], 1);
            q.set_repeat(repeat);
            assert_eq!(
                q.peek_next(why).map(|(_, t)| t),
                expected,
                "{repeat:?} {why:?}"
            );
            assert_eq!(current(&q), Some("b"), "peeking does not move");
        }
        let mut q = queue(&["a", "b", "c"], 2);
        assert_eq!(q.peek_next(Advance::Ended), None);
        q.set_repeat(Repeat::All);
        assert_eq!(q.peek_next(Advance::Ended).map(|(_, t)| t), Some("a"));

        let q = queue(&["a", "b", "c"], 0);
        let [a, b, c] = [0, 1, 2].map(|i| q.entries()[i].0);
        assert_eq!(q.neighbours(a), (None, Some(&"b")));
        assert_eq!(q.neighbours(b), (Some(&"a"), Some(&"c")));
        assert_eq!(q.neighbours(c), (Some(&"b"), None));
        assert_eq!(q.neighbours(EntryId(999)), (None, None));
    }
}
