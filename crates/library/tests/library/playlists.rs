//! Local playlists: ordered entries by id and position key, and M3U round trips.

use crate::support::TestLibrary;
use tonearm_library::{LibraryError, TrackId};

fn ids(t: &TestLibrary, names: &[&str]) -> Vec<TrackId> {
    names
        .iter()
        .map(|n| {
            t.library
                .track_at(&t.music.join("all").join(n))
                .expect("query")
                .expect(n)
                .id
        })
        .collect()
}

#[test]
fn entries_are_added_moved_and_removed_by_id() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let tracks = ids(&t, &["tagged.flac", "tagged.ogg", "id3v24.mp3"]);
    let playlist = t.library.create_playlist("Road trip").expect("created");
    let entries = t
        .library
        .add_to_playlist(playlist, &tracks, None)
        .expect("added");
    // The same track twice is two entries.
    let again = t
        .library
        .add_to_playlist(playlist, &tracks[..1], Some(0))
        .expect("inserted first");

    let order = |t: &TestLibrary| {
        t.library
            .playlist(playlist)
            .expect("playlist")
            .entries
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order(&t),
        vec![again[0], entries[0], entries[1], entries[2]]
    );

    t.library
        .move_in_playlist(playlist, entries[2], 1)
        .expect("moved");
    assert_eq!(
        order(&t),
        vec![again[0], entries[2], entries[0], entries[1]]
    );
    t.library
        .move_in_playlist(playlist, again[0], 99)
        .expect("moved to the end");
    assert_eq!(
        order(&t),
        vec![entries[2], entries[0], entries[1], again[0]]
    );

    t.library
        .remove_from_playlist(playlist, entries[0])
        .expect("removed");
    assert_eq!(order(&t), vec![entries[2], entries[1], again[0]]);
    assert!(matches!(
        t.library.remove_from_playlist(playlist, entries[0]),
        Err(LibraryError::UnknownEntry(_))
    ));

    t.library
        .rename_playlist(playlist, "  Long drive ")
        .expect("renamed");
    let listed = t.library.playlists().expect("list");
    assert_eq!(
        (listed[0].name.as_str(), listed[0].entry_count),
        ("Long drive", 3)
    );
    t.library.delete_playlist(playlist).expect("deleted");
    assert!(t.library.playlists().expect("list").is_empty());
    assert!(matches!(
        t.library.playlist(playlist),
        Err(LibraryError::UnknownPlaylist(_))
    ));
}

#[test]
fn m3u_export_uses_relative_paths_and_imports_back_to_the_same_tracks() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let tracks = ids(&t, &["tagged.opus", "aac.m4a", "tagged.wv"]);
    let playlist = t.library.create_playlist("Mix").expect("created");
    t.library
        .add_to_playlist(playlist, &tracks, None)
        .expect("added");

    let file = t.music.join("lists/mix.m3u8");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("dir");
    assert_eq!(t.library.export_m3u(playlist, &file).expect("exported"), 3);
    let text = std::fs::read_to_string(&file).expect("written");
    assert!(text.starts_with("#EXTM3U\n"));
    assert!(text.contains("\n../all/tagged.opus\n"), "{text}");
    assert!(
        text.contains("#EXTINF:1,Beyoncé; Sigur Rós - Øresund Bro 横浜 (Opus)"),
        "{text}"
    );

    // Move the whole folder: relative paths still resolve.
    let imported = t.library.import_m3u(&file, None).expect("imported");
    assert_eq!(imported.added, 3);
    assert!(imported.unresolved.is_empty());
    let back = t.library.playlist(imported.playlist).expect("playlist");
    assert_eq!(back.name, "Mix");
    assert_eq!(
        back.entries.iter().map(|e| e.track_id).collect::<Vec<_>>(),
        tracks
    );
}

#[test]
fn m3u_import_reports_what_it_cannot_find() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let file = t.dir.path().join("old.m3u");
    let absolute = t.music.join("all/tagged.flac");
    std::fs::write(
        &file,
        format!(
            "#EXTM3U\r\nnot/here.mp3\r\n{}\r\n# a comment\r\n",
            absolute.display()
        ),
    )
    .expect("write");
    let imported = t.library.import_m3u(&file, Some("Old")).expect("imported");
    assert_eq!(imported.added, 1);
    assert_eq!(imported.unresolved, vec!["not/here.mp3".to_owned()]);
}

#[test]
fn inserting_again_and_again_at_one_spot_keeps_keys_short_and_the_order_right() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let track = ids(&t, &["tagged.flac"])[0];
    let playlist = t.library.create_playlist("Worst case").expect("created");
    let first = t.library.add_to_playlist(playlist, &[track], None).unwrap()[0];
    let last = t.library.add_to_playlist(playlist, &[track], None).unwrap()[0];
    // Each insert right after the first entry halves the room there.
    let mut inserted = Vec::new();
    for _ in 0..300 {
        inserted.push(
            t.library
                .add_to_playlist(playlist, &[track], Some(1))
                .unwrap()[0],
        );
    }
    let entries = t.library.playlist(playlist).unwrap().entries;
    let order: Vec<_> = entries.iter().map(|e| e.id).collect();
    let mut expected = vec![first];
    expected.extend(inserted.iter().rev());
    expected.push(last);
    assert_eq!(order, expected);
    assert!(
        entries
            .iter()
            .all(|e| e.position.len() <= tonearm_library::playlists::position::RESPACE_LEN),
        "keys stay short"
    );
}

#[test]
fn invalid_keys_from_an_older_version_are_repaired_by_a_migration_in_order() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let tracks = ids(&t, &["tagged.flac", "tagged.ogg", "id3v24.mp3"]);
    let playlist = t.library.create_playlist("Old keys").expect("created");
    let entries = t.library.add_to_playlist(playlist, &tracks, None).unwrap();
    let data = t.dir.path().join("data");
    drop(t.library);
    // What an older version stored from a hostile device: keys that crashed the next insert.
    let db = rusqlite::Connection::open(data.join(tonearm_library::DATABASE_FILE)).unwrap();
    let huge = format!("V{}", "~".repeat(100_000));
    for (entry, key) in entries.iter().zip(["A0", "B-", huge.as_str()]) {
        db.execute(
            "UPDATE playlist_entries SET position = ?1 WHERE id = ?2",
            [key, &entry.to_string()],
        )
        .unwrap();
        db.execute(
            "UPDATE playlist_ops SET position = ?1 WHERE entry_id = ?2",
            [key, &entry.to_string()],
        )
        .unwrap();
    }
    db.pragma_update(None, "user_version", 4).unwrap();
    drop(db);

    let library = tonearm_library::Library::open(&data, &t.dir.path().join("cache")).unwrap();
    let repaired = library.playlist(playlist).unwrap().entries;
    assert_eq!(repaired.iter().map(|e| e.id).collect::<Vec<_>>(), entries);
    for entry in &repaired {
        tonearm_library::playlists::position::PositionKey::parse(&entry.position).unwrap();
    }
    // The next insert works, in the right place.
    let added = library
        .add_to_playlist(playlist, &tracks[..1], Some(1))
        .unwrap()[0];
    let order: Vec<_> = library
        .playlist(playlist)
        .unwrap()
        .entries
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(order, vec![entries[0], added, entries[1], entries[2]]);
    // Edits waiting for the cloud carry only valid keys, and the repair is among them.
    let pending = library.pending_playlist_ops(0, 100).unwrap();
    assert!(
        pending
            .iter()
            .filter_map(|op| op.position.as_deref())
            .all(|key| { tonearm_library::playlists::position::PositionKey::parse(key).is_ok() })
    );
    assert!(pending.iter().any(|op| op.kind == "move"));
}
