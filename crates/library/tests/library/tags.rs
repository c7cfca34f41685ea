//! Tag editing: written into the files of every format the library reads, the audio left as
//! it was, the row read again with its id kept, one edit over many tracks, undo, and the
//! files that cannot be edited (read-only, gone, a crash before the rename).

use crate::support::{TestLibrary, fixtures};
use std::path::Path;
use tonearm_library::{CoverEdit, FieldEdit, TagEdit, Track, TrackId};

/// Every sample of a file, through the player's decoder.
fn decode(path: &Path) -> Vec<f32> {
    let source = tonearm_player::source::FileSource::open(path).expect("opens");
    let extension = path.extension().and_then(|e| e.to_str());
    let mut stream =
        tonearm_player::decode::open(Box::new(source), extension, "test").expect("decodable");
    let mut samples = Vec::new();
    while let Some(block) = stream.next_block().expect("decodes") {
        samples.extend(block);
    }
    samples
}

fn set<T>(value: T) -> FieldEdit<T> {
    FieldEdit::Set(value)
}

fn track(lib: &TestLibrary, path: &Path) -> Track {
    lib.library
        .track_at(path)
        .expect("query")
        .expect("the file is a track")
}

fn cover_id() -> Option<tonearm_library::ArtworkId> {
    Some(tonearm_library::ArtworkId::of(
        &std::fs::read(fixtures().join("cover.jpg")).expect("cover"),
    ))
}

fn full_edit() -> TagEdit {
    TagEdit {
        title: set("Edited Title ✓".to_owned()),
        artist: set("Edited Artist".to_owned()),
        album: set("Edited Album".to_owned()),
        album_artist: set("Edited Album Artist".to_owned()),
        track_no: set(7),
        track_total: set(9),
        disc_no: set(2),
        disc_total: set(3),
        year: set(1999),
        genre: set("Edited Genre".to_owned()),
        composer: set("Edited Composer".to_owned()),
        compilation: set(true),
        comment: set("a comment".to_owned()),
        cover: CoverEdit::Replace(std::fs::read(fixtures().join("cover.jpg")).expect("cover")),
    }
}

#[test]
fn every_format_takes_an_edit_with_its_audio_untouched_and_keeps_its_id() {
    let lib = TestLibrary::new();
    let names = [
        "id3v23.mp3",
        "id3v24.mp3",
        "untagged.mp3",
        "tagged.flac",
        "tagged.ogg",
        "tagged.opus",
        "aac.m4a",
        "alac.m4a",
        "tagged.wav",
        "tagged.aiff",
        "tagged.wv",
    ];
    let paths: Vec<_> = names.iter().map(|n| lib.add(n, n)).collect();
    lib.scan();
    let before: Vec<Track> = paths.iter().map(|p| track(&lib, p)).collect();
    // The player refuses WavPack; its audio is checked by the scanner's properties below.
    let audio: Vec<Option<Vec<f32>>> = paths
        .iter()
        .map(|p| (!p.to_string_lossy().ends_with(".wv")).then(|| decode(p)))
        .collect();
    let ids: Vec<TrackId> = before.iter().map(|t| t.id).collect();

    let (wavpack, others) = ids.split_last().expect("ids");
    let report = lib.library.edit_tags(others, &full_edit()).expect("edits");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.edited, others);
    // WavPack takes every field but the cover, which is refused with its reason.
    let refused = lib
        .library
        .edit_tags(&[*wavpack], &full_edit())
        .expect("runs");
    assert!(refused.failed[0].reason.contains("cover"), "{refused:?}");
    let wavpack_cover = before.last().expect("wv").artwork_id.clone();
    let without_cover = TagEdit {
        cover: CoverEdit::Leave,
        ..full_edit()
    };
    let report = lib
        .library
        .edit_tags(&[*wavpack], &without_cover)
        .expect("edits");
    assert!(report.failed.is_empty(), "{:?}", report.failed);

    for (((path, old), audio), name) in paths.iter().zip(&before).zip(&audio).zip(names) {
        let new = track(&lib, path);
        assert_eq!(new.id, old.id, "{name} keeps its id");
        assert_eq!(new.title, "Edited Title ✓", "{name}");
        assert_eq!(new.artist.as_deref(), Some("Edited Artist"), "{name}");
        assert_eq!(new.album.as_deref(), Some("Edited Album"), "{name}");
        assert_eq!(
            new.album_artist.as_deref(),
            Some("Edited Album Artist"),
            "{name}"
        );
        assert_eq!(
            (new.track_no, new.track_total),
            (Some(7), Some(9)),
            "{name}"
        );
        assert_eq!((new.disc_no, new.disc_total), (Some(2), Some(3)), "{name}");
        assert_eq!(new.year, Some(1999), "{name}");
        assert_eq!(new.genre.as_deref(), Some("Edited Genre"), "{name}");
        assert_eq!(new.composer.as_deref(), Some("Edited Composer"), "{name}");
        assert!(new.compilation, "{name}");
        assert_eq!(new.comment.as_deref(), Some("a comment"), "{name}");
        assert!(
            !new.extra_tags.iter().any(|(_, v)| v == "a comment"),
            "{name}: the comment has its own field"
        );
        if name == "tagged.wv" {
            assert_eq!(new.artwork_id, wavpack_cover);
        } else {
            assert_eq!(new.artwork_id, cover_id(), "{name} has the new cover");
        }
        assert_eq!(
            (new.duration_ms, new.sample_rate, new.channels, &new.codec),
            (old.duration_ms, old.sample_rate, old.channels, &old.codec),
            "{name}"
        );
        assert_eq!(
            new.size,
            std::fs::metadata(path).expect("stat").len(),
            "{name}"
        );
        if let Some(audio) = audio {
            let edited = decode(path);
            assert_eq!(edited.len(), audio.len(), "{name}");
            // symphonia's AIFF reader runs past the sound chunk into the next chunk's header
            // (the tag's, whose size changed): compare the frames the file declares.
            let frames = old.duration_ms.expect("duration")
                * u64::from(old.sample_rate.expect("rate"))
                / 1000
                * u64::from(old.channels.expect("channels"));
            let n = audio.len().min(frames as usize);
            assert!(edited[..n] == audio[..n], "{name}: the audio changed");
        }
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("folder"))
            .expect("list")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tonearm-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    // The next scan sees the row in step with the file: nothing is read again or added.
    let rescan = lib.scan();
    assert_eq!(rescan.unchanged, names.len() as u64, "{rescan:?}");
    assert_eq!(
        rescan.added + rescan.updated + rescan.moved,
        0,
        "{rescan:?}"
    );
}

#[test]
fn one_edit_over_many_tracks_changes_only_the_fields_it_sets() {
    let lib = TestLibrary::new();
    let a = lib.add("tagged.flac", "a.flac");
    let b = lib.add("id3v24.mp3", "b.mp3");
    lib.scan();
    let (ta, tb) = (track(&lib, &a), track(&lib, &b));
    assert_ne!(ta.title, tb.title);
    let edit = TagEdit {
        album: set("Together".to_owned()),
        genre: FieldEdit::Clear,
        ..TagEdit::default()
    };
    let report = lib
        .library
        .edit_tags(&[ta.id, tb.id], &edit)
        .expect("edits");
    assert_eq!(report.edited.len(), 2);
    let (na, nb) = (track(&lib, &a), track(&lib, &b));
    assert_eq!((na.title, nb.title), (ta.title.clone(), tb.title.clone()));
    assert_eq!(
        (na.artist, nb.artist),
        (ta.artist.clone(), tb.artist.clone())
    );
    assert_eq!(na.album.as_deref(), Some("Together"));
    assert_eq!(nb.album.as_deref(), Some("Together"));
    assert_eq!((na.genre, nb.genre), (None, None));
    let albums = lib.library.albums(false, 0, 50).expect("albums");
    assert!(
        albums.items.iter().any(|album| album.title == "Together"),
        "the album summaries follow"
    );

    // Undo puts back each track's own values.
    assert!(lib.library.can_undo_edit().expect("undo?"));
    let undone = lib.library.undo_last_edit().expect("undo");
    assert_eq!(undone.edited.len(), 2, "{undone:?}");
    let (ua, ub) = (track(&lib, &a), track(&lib, &b));
    assert_eq!((ua.album, ub.album), (ta.album, tb.album));
    assert_eq!((ua.genre, ub.genre), (ta.genre, tb.genre));
    assert_eq!((ua.title, ub.title), (ta.title, tb.title));
    assert_eq!((ua.id, ub.id), (ta.id, tb.id));
    assert!(!lib.library.can_undo_edit().expect("undo?"));
}

#[test]
fn a_cover_is_replaced_removed_and_put_back() {
    let lib = TestLibrary::new();
    let path = lib.add("tagged.flac", "a.flac");
    lib.scan();
    let before = track(&lib, &path);
    let edit = TagEdit {
        cover: CoverEdit::Remove,
        ..TagEdit::default()
    };
    lib.library.edit_tags(&[before.id], &edit).expect("edits");
    let after = track(&lib, &path);
    assert_eq!(after.artwork_id, None, "{before:?}");
    lib.library.undo_last_edit().expect("undo");
    assert_eq!(track(&lib, &path).artwork_id, before.artwork_id);
}

#[test]
fn read_only_and_vanished_files_are_reported_and_the_others_edited() {
    let lib = TestLibrary::new();
    let fine = lib.add("tagged.flac", "fine.flac");
    let locked = lib.add("tagged.ogg", "locked.ogg");
    let gone = lib.add("id3v24.mp3", "gone.mp3");
    lib.scan();
    let ids = [&fine, &locked, &gone].map(|p| track(&lib, p).id);
    let mut permissions = std::fs::metadata(&locked).expect("stat").permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&locked, permissions).expect("read-only");
    let locked_bytes = std::fs::read(&locked).expect("read");
    std::fs::remove_file(&gone).expect("removed");

    let edit = TagEdit {
        title: set("New".to_owned()),
        ..TagEdit::default()
    };
    let report = lib.library.edit_tags(&ids, &edit).expect("edits");
    assert_eq!(report.edited, [ids[0]]);
    let reasons: Vec<(TrackId, &str)> = report
        .failed
        .iter()
        .map(|f| (f.track_id, f.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (ids[1], "the file is read-only"),
            (ids[2], "the file is not there any more")
        ]
    );
    assert_eq!(std::fs::read(&locked).expect("read"), locked_bytes);
    assert_ne!(track(&lib, &locked).title, "New");
    assert_eq!(track(&lib, &fine).title, "New");
}

#[test]
fn a_crash_before_the_rename_leaves_the_original_byte_for_byte() {
    let lib = TestLibrary::new();
    let path = lib.add("id3v24.mp3", "a.mp3");
    lib.scan();
    let before = track(&lib, &path);
    let bytes = std::fs::read(&path).expect("read");
    let edit = TagEdit {
        title: set("Never written".to_owned()),
        ..TagEdit::default()
    };
    let seen = std::sync::Mutex::new(None);
    let report = lib
        .library
        .edit_tags_with(&[before.id], &edit, &|temp| {
            // The edited copy is complete and next to the original when the "crash" comes.
            let copy = tonearm_library::scan::read::read_file(temp).expect("readable copy");
            *seen.lock().expect("lock") = copy.title;
            Err(std::io::Error::other("simulated crash"))
        })
        .expect("runs");
    assert_eq!(seen.lock().expect("lock").as_deref(), Some("Never written"));
    assert!(report.edited.is_empty());
    assert!(
        report.failed[0].reason.contains("simulated crash"),
        "{:?}",
        report.failed
    );
    assert_eq!(std::fs::read(&path).expect("read"), bytes);
    let names: Vec<_> = std::fs::read_dir(&lib.music)
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        names,
        [std::ffi::OsString::from("a.mp3")],
        "no temp file left"
    );
    assert_eq!(track(&lib, &path), before);
    assert!(!lib.library.can_undo_edit().expect("undo?"));
}
