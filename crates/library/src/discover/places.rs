//! How the folders a walk listed become a handful of places to offer.
//!
//! The user wants "4 places", not 4,000 album folders, and not their whole home folder
//! because one song lies loose in it. The rule, on each folder's subtree totals:
//!
//! 1. A folder is **musical** when its subtree holds songs, at least as many as other files
//!    (artwork, cue sheets, logs and the like beside songs do not count; see
//!    [`FileKind::Companion`](super::rules::FileKind::Companion)).
//! 2. A **place** is a highest musical folder: looking down from each root, the first musical
//!    folder on every path. The home folder is never one (it is looked into instead), and
//!    neither is a folder holding one of the library's music folders (looked into, so the
//!    music folder and its new neighbours are offered, never a folder around it). A music
//!    folder of the library holding songs is a place, marked as in the library.
//! 3. A place holding no song itself and all its songs in one sub-folder is that sub-folder
//!    (`~/Downloads/Soulseek`, not `~/Downloads`), unless its name says it is a music
//!    collection (`~/Music` stays `~/Music` while it holds one artist).
//! 4. Songs outside every place are **stray**: a song loose in the home folder, a voice memo
//!    among documents. They are counted, with the folders that hold most of them, but not
//!    offered: adding their folder would add the home or a documents folder.
//!
//! Pure: it works on the walk's records and reads nothing from disk.

use super::rules;
use super::walk::Folder;
use super::{Place, Stray};
use std::path::Path;

/// How many sub-folder names a place shows, and how many stray folders are named.
const SAMPLES: usize = 3;
const STRAY_FOLDERS: usize = 10;

/// Subtree totals of one folder.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    songs: u64,
    bytes: u64,
    others: u64,
    /// Folders holding songs directly.
    song_folders: u64,
    /// A library music folder is in the subtree (the folder itself included).
    library: bool,
}

/// The places among `folders` (a parent before its children), most songs first, and what is
/// left stray.
pub fn group(folders: &[Folder]) -> (Vec<Place>, Stray) {
    let mut totals = vec![Totals::default(); folders.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); folders.len()];
    for (i, folder) in folders.iter().enumerate().rev() {
        let total = &mut totals[i];
        total.songs += folder.songs;
        total.bytes += folder.bytes;
        total.others += folder.others;
        total.song_folders += u64::from(folder.songs > 0);
        total.library |= folder.library;
        let total = *total;
        if let Some(parent) = folder.parent {
            let up = &mut totals[parent];
            up.songs += total.songs;
            up.bytes += total.bytes;
            up.others += total.others;
            up.song_folders += total.song_folders;
            up.library |= total.library;
            children[parent].push(i);
        }
    }
    for list in &mut children {
        list.reverse();
    }

    let mut places = Vec::new();
    let mut stray = Stray::default();
    let mut stray_folders: Vec<usize> = Vec::new();
    let mut stack: Vec<usize> = (0..folders.len())
        .rev()
        .filter(|&i| folders[i].parent.is_none())
        .collect();
    while let Some(i) = stack.pop() {
        let (folder, total) = (&folders[i], totals[i]);
        if total.songs == 0 {
            continue;
        }
        if folder.library {
            places.push(place(i, folders, &totals, &children, true));
            continue;
        }
        let musical = total.songs >= total.others;
        if folder.home || total.library || !musical {
            if folder.songs > 0 {
                stray.songs += folder.songs;
                stray.bytes += folder.bytes;
                stray_folders.push(i);
            }
            stack.extend(children[i].iter().rev());
            continue;
        }
        let narrowed = narrow(i, folders, &totals, &children);
        places.push(place(narrowed, folders, &totals, &children, false));
    }
    places.sort_by(|a: &Place, b: &Place| b.songs.cmp(&a.songs).then_with(|| a.path.cmp(&b.path)));

    stray.folder_count = stray_folders.len() as u64;
    stray_folders.sort_by(|&a, &b| {
        folders[b]
            .songs
            .cmp(&folders[a].songs)
            .then_with(|| folders[a].path.cmp(&folders[b].path))
    });
    stray.folders = stray_folders
        .into_iter()
        .take(STRAY_FOLDERS)
        .map(|i| folders[i].path.to_string_lossy().into_owned())
        .collect();
    (places, stray)
}

/// Step 3: down to the one sub-folder holding every song, unless the name says "music".
fn narrow(mut i: usize, folders: &[Folder], totals: &[Totals], children: &[Vec<usize>]) -> usize {
    loop {
        if folders[i].songs > 0 || name(&folders[i].path).is_some_and(rules::is_music_folder_name) {
            return i;
        }
        let mut with_songs = children[i].iter().filter(|&&c| totals[c].songs > 0);
        match (with_songs.next(), with_songs.next()) {
            (Some(&only), None) => i = only,
            _ => return i,
        }
    }
}

fn place(
    i: usize,
    folders: &[Folder],
    totals: &[Totals],
    children: &[Vec<usize>],
    in_library: bool,
) -> Place {
    let mut biggest: Vec<usize> = children[i]
        .iter()
        .copied()
        .filter(|&c| totals[c].songs > 0)
        .collect();
    biggest.sort_by(|&a, &b| {
        totals[b]
            .songs
            .cmp(&totals[a].songs)
            .then_with(|| folders[a].path.cmp(&folders[b].path))
    });
    Place {
        path: folders[i].path.clone(),
        songs: totals[i].songs,
        bytes: totals[i].bytes,
        folders: totals[i].song_folders,
        samples: biggest
            .into_iter()
            .take(SAMPLES)
            .filter_map(|c| name(&folders[c].path).map(|n| n.to_string_lossy().into_owned()))
            .collect(),
        in_library,
    }
}

fn name(path: &Path) -> Option<&std::ffi::OsStr> {
    path.file_name()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A tree from `(path, parent, songs, others)` rows; `home` and `library` by path.
    fn tree(rows: &[(&str, Option<usize>, u64, u64)], home: &str, library: &[&str]) -> Vec<Folder> {
        rows.iter()
            .map(|&(path, parent, songs, others)| Folder {
                path: PathBuf::from(path),
                parent,
                songs,
                bytes: songs * 1000,
                others,
                library: library.contains(&path),
                home: path == home,
            })
            .collect()
    }

    fn summary(folders: &[Folder]) -> (Vec<(String, u64, bool)>, u64) {
        let (places, stray) = group(folders);
        (
            places
                .into_iter()
                .map(|p| (p.path.to_string_lossy().into_owned(), p.songs, p.in_library))
                .collect(),
            stray.songs,
        )
    }

    fn owned(places: &[(&str, u64, bool)]) -> Vec<(String, u64, bool)> {
        places
            .iter()
            .map(|&(p, n, l)| (p.to_owned(), n, l))
            .collect()
    }

    #[test]
    fn a_home_gives_its_music_and_a_download_folder_not_itself() {
        let folders = tree(
            &[
                ("/h", None, 1, 3),                         // 0: a loose song
                ("/h/Music", Some(0), 0, 0),                // 1
                ("/h/Music/A", Some(1), 0, 1),              // 2: artist.jpg-like other
                ("/h/Music/A/One", Some(2), 10, 0),         // 3
                ("/h/Music/A/Two", Some(2), 12, 0),         // 4
                ("/h/Music/B", Some(1), 8, 0),              // 5
                ("/h/Downloads", Some(0), 0, 50),           // 6
                ("/h/Downloads/Soulseek", Some(6), 0, 0),   // 7
                ("/h/Downloads/Soulseek/X", Some(7), 4, 0), // 8
                ("/h/Downloads/Soulseek/Y", Some(7), 3, 0), // 9
                ("/h/Documents", Some(0), 0, 200),          // 10
                ("/h/Documents/work", Some(10), 1, 30),     // 11: a voice memo
            ],
            "/h",
            &[],
        );
        assert_eq!(
            summary(&folders),
            (
                owned(&[("/h/Music", 30, false), ("/h/Downloads/Soulseek", 7, false)]),
                2
            )
        );
    }

    #[test]
    fn a_folder_holding_one_sub_folder_of_songs_narrows_unless_it_is_named_music() {
        let folders = tree(
            &[
                ("/h", None, 0, 0),
                ("/h/Music", Some(0), 0, 0),
                ("/h/Music/Only Artist", Some(1), 0, 0),
                ("/h/Music/Only Artist/Album", Some(2), 9, 0),
                ("/h/Stuff", Some(0), 0, 0),
                ("/h/Stuff/Deep", Some(4), 0, 0),
                ("/h/Stuff/Deep/Album", Some(5), 5, 0),
            ],
            "/h",
            &[],
        );
        assert_eq!(
            summary(&folders).0,
            owned(&[("/h/Music", 9, false), ("/h/Stuff/Deep/Album", 5, false)])
        );
    }

    #[test]
    fn a_root_that_is_all_music_is_one_place_but_the_home_never_is() {
        let drive = tree(
            &[("/media/usb", None, 3, 0), ("/media/usb/A", Some(0), 10, 0)],
            "/h",
            &[],
        );
        assert_eq!(summary(&drive), (owned(&[("/media/usb", 13, false)]), 0));
        let home = tree(&[("/h", None, 3, 0), ("/h/A", Some(0), 10, 0)], "/h", &[]);
        assert_eq!(summary(&home), (owned(&[("/h/A", 10, false)]), 3));
    }

    #[test]
    fn no_place_is_offered_around_a_library_folder() {
        let folders = tree(
            &[
                ("/h", None, 0, 0),
                ("/h/Music", Some(0), 2, 0),
                ("/h/Music/Rock", Some(1), 20, 0),
                ("/h/Music/Jazz", Some(1), 5, 0),
            ],
            "/h",
            &["/h/Music/Rock"],
        );
        assert_eq!(
            summary(&folders),
            (
                owned(&[("/h/Music/Rock", 20, true), ("/h/Music/Jazz", 5, false)]),
                2
            )
        );
    }

    #[test]
    fn places_show_their_biggest_sub_folders_and_album_count() {
        let folders = tree(
            &[
                ("/m", None, 0, 0),
                ("/m/A", Some(0), 1, 0),
                ("/m/B", Some(0), 5, 0),
                ("/m/C", Some(0), 3, 0),
                ("/m/D", Some(0), 3, 0),
                ("/m/E", Some(0), 0, 4),
            ],
            "/h",
            &[],
        );
        let (places, _) = group(&folders);
        assert_eq!(places.len(), 1);
        assert_eq!(places[0].samples, ["B", "C", "D"]);
        assert_eq!(places[0].folders, 4);
        assert_eq!(places[0].bytes, 12_000);
    }
}
