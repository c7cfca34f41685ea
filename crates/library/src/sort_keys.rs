//! The sort keys of a whole list, kept compact, and ordered the way SQLite's `ORDER BY` orders
//! them.
//!
//! "Play all" reads every row of a list with its sort keys and sorts them here (see
//! `Library::whole_list` for why not in SQLite). Kept as a vector of values per row, the keys
//! of 100,000 songs sorted by artist cost 400,000 allocations and 8 MB beside the rows, all
//! freed a moment later among the reader's other allocations; with the queue's copies, six
//! plays of the whole library in a row left the shell 85-90 MB larger until its heaps were
//! trimmed (docs/benchmarks.md). Here each key
//! is 16 bytes in one array, and the text the keys hold is copied end to end into one buffer:
//! two allocations, grown by doubling.

use rusqlite::Row;
use rusqlite::types::ValueRef;
use std::cmp::Ordering;

/// One key of one row. Text and blobs are spans of [`SortKeys::bytes`]; a span's length fits
/// in 32 bits because SQLite's values do (at most a billion bytes).
#[derive(Debug, Clone, Copy)]
enum Key {
    Null,
    Integer(i64),
    Real(f64),
    Text { at: usize, len: u32 },
    Blob { at: usize, len: u32 },
}

/// The keys of every row read so far, `per_row` keys a row, in the order they were read.
#[derive(Debug)]
pub(crate) struct SortKeys {
    per_row: usize,
    keys: Vec<Key>,
    bytes: Vec<u8>,
}

impl SortKeys {
    pub(crate) fn new(per_row: usize) -> Self {
        Self {
            per_row,
            keys: Vec::new(),
            bytes: Vec::new(),
        }
    }

    /// Reads the next row's keys: its columns from `first` on.
    pub(crate) fn push(&mut self, row: &Row<'_>, first: usize) -> rusqlite::Result<()> {
        for column in first..first + self.per_row {
            let key = match row.get_ref(column)? {
                ValueRef::Null => Key::Null,
                ValueRef::Integer(value) => Key::Integer(value),
                ValueRef::Real(value) => Key::Real(value),
                ValueRef::Text(text) => {
                    let (at, len) = self.copy(text);
                    Key::Text { at, len }
                }
                ValueRef::Blob(blob) => {
                    let (at, len) = self.copy(blob);
                    Key::Blob { at, len }
                }
            };
            self.keys.push(key);
        }
        Ok(())
    }

    fn copy(&mut self, bytes: &[u8]) -> (usize, u32) {
        let at = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        (at, bytes.len() as u32)
    }

    /// The rows' indexes, in order: by each key in turn, `reversed[k]` turning key `k` around.
    /// Rows that tie on every key keep no particular order.
    pub(crate) fn order(&self, reversed: &[bool]) -> Vec<usize> {
        debug_assert_eq!(reversed.len(), self.per_row);
        let rows = self.keys.len().checked_div(self.per_row).unwrap_or(0);
        let mut order: Vec<usize> = (0..rows).collect();
        order.sort_unstable_by(|&a, &b| {
            let a = &self.keys[a * self.per_row..(a + 1) * self.per_row];
            let b = &self.keys[b * self.per_row..(b + 1) * self.per_row];
            a.iter()
                .zip(b)
                .zip(reversed)
                .map(|((x, y), reversed)| {
                    let order = self.compare(*x, *y);
                    if *reversed { order.reverse() } else { order }
                })
                .find(|order| order.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        order
    }

    /// SQLite's order of two values: NULL first, then numbers, then text in byte order (the
    /// `BINARY` collation every sort column has), then blobs.
    fn compare(&self, a: Key, b: Key) -> Ordering {
        fn class(key: Key) -> u8 {
            match key {
                Key::Null => 0,
                Key::Integer(_) | Key::Real(_) => 1,
                Key::Text { .. } => 2,
                Key::Blob { .. } => 3,
            }
        }
        let span = |at: usize, len: u32| &self.bytes[at..at + len as usize];
        match (a, b) {
            (Key::Integer(x), Key::Integer(y)) => x.cmp(&y),
            (Key::Real(x), Key::Real(y)) => x.total_cmp(&y),
            (Key::Integer(x), Key::Real(y)) => (x as f64).total_cmp(&y),
            (Key::Real(x), Key::Integer(y)) => x.total_cmp(&(y as f64)),
            (Key::Text { at: i, len: m }, Key::Text { at: j, len: n })
            | (Key::Blob { at: i, len: m }, Key::Blob { at: j, len: n }) => {
                span(i, m).cmp(span(j, n))
            }
            _ => class(a).cmp(&class(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    /// The rows of `values` (a SQL `VALUES` list of two columns), sorted here, against the
    /// order SQLite gives them.
    fn both_orders(values: &str, reversed: [bool; 2]) -> (Vec<i64>, Vec<i64>) {
        let conn = Connection::open_in_memory().expect("in memory");
        conn.execute_batch(&format!(
            "CREATE TABLE t (n INTEGER, a, b); INSERT INTO t (n, a, b) SELECT row_number() OVER (), column1, column2 FROM (VALUES {values});"
        ))
        .expect("filled");
        let mut keys = SortKeys::new(2);
        let mut numbers = Vec::new();
        let mut stmt = conn.prepare("SELECT n, a, b FROM t").expect("select");
        let mut rows = stmt.query([]).expect("rows");
        while let Some(row) = rows.next().expect("row") {
            numbers.push(row.get::<_, i64>(0).expect("n"));
            keys.push(row, 1).expect("keys");
        }
        let ours = keys
            .order(&reversed)
            .into_iter()
            .map(|i| numbers[i])
            .collect();
        let dir = |reversed: bool| if reversed { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT n FROM t ORDER BY a {}, b {}, n",
            dir(reversed[0]),
            dir(reversed[1])
        );
        let theirs = conn
            .prepare(&sql)
            .expect("ordered")
            .query_map([], |row| row.get(0))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("numbers");
        (ours, theirs)
    }

    #[test]
    fn rows_are_ordered_as_sqlite_orders_them() {
        // Every kind of value in the first key, ties broken by the second, in both directions;
        // no two rows tie on both keys, so there is one right order.
        let values = "(NULL, 2), (NULL, 1), (3, 'x'), (2.5, 'x'), (-7, 'x'), (2.5, 'w'), \
                      ('b', 1), ('a', 2), ('a', 1.5), ('', 0), ('ab', NULL), ('é', 1), \
                      (x'00', 1), (x'0001', 1), ('b', 'a'), (3, NULL)";
        for reversed in [[false, false], [true, false], [false, true], [true, true]] {
            let (ours, theirs) = both_orders(values, reversed);
            assert_eq!(ours, theirs, "reversed: {reversed:?}");
        }
    }

    #[test]
    fn no_rows_no_order() {
        assert!(SortKeys::new(3).order(&[false; 3]).is_empty());
    }
}
