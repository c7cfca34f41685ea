//! Writing a tag edit into one file, through lofty, so that a crash leaves either the old file or
//! the new one and never half of one.
//!
//! The file is copied to a hidden temporary file in the same folder (so the rename below stays
//! on one file system and the scanner skips it), lofty writes the tags into the copy, the copy
//! is flushed to disk, and only then renamed over the original, which is atomic. On any failure
//! the copy is removed and the original was never opened for writing. lofty rewrites only the
//! tag areas of a file; the audio frames are copied as they were.
//!
//! Every tag in the file gets the edit (ID3v2 and ID3v1, RIFF INFO and ID3v2...), so a field
//! cleared in the main tag is not read back from another one.

use super::{CoverEdit, FieldEdit, TagEdit};
use lofty::config::WriteOptions;
use lofty::file::{FileType, TaggedFile};
use lofty::picture::{Picture, PictureType};
use lofty::prelude::*;
use lofty::tag::{ItemKey, Tag};
use std::fs::OpenOptions;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// What may be done between writing the temporary file and renaming it over the original:
/// nothing in the app; tests make it fail to check that a crash there leaves the original.
pub type BeforeRename<'a> = &'a dyn Fn(&Path) -> std::io::Result<()>;

/// Writes `edit` into the file at `path`; returns the edit that undoes it (the previous
/// values of the fields it changed). `Err` is a reason fit to show the user; the file is then
/// as it was.
pub fn write_tags(
    path: &Path,
    edit: &TagEdit,
    before_rename: BeforeRename<'_>,
) -> Result<TagEdit, String> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("the file is not there any more".to_owned());
        }
        Err(e) => return Err(format!("the file cannot be read: {e}")),
    };
    // Renaming over a read-only file works wherever its folder is writable: check the file.
    if metadata.permissions().readonly() {
        return Err("the file is read-only".to_owned());
    }
    let mut tagged = read(path)?;
    // lofty's generic tag leaves out APE's binary cover items (see `scan::read`).
    if matches!(tagged.file_type(), FileType::WavPack | FileType::Ape)
        && edit.cover != CoverEdit::Leave
    {
        return Err("covers cannot be written into WavPack or APE files yet".to_owned());
    }
    let undo = previous_values(&tagged, edit);
    let tag_type = tagged.primary_tag_type();
    if tagged.tags().is_empty() {
        tagged.insert_tag(Tag::new(tag_type));
    }
    let writable: Vec<_> = tagged
        .tags()
        .iter()
        .map(Tag::tag_type)
        .filter(|t| tagged.tag_support(*t).is_writable())
        .collect();
    for tag_type in writable {
        if let Some(tag) = tagged.tag_mut(tag_type) {
            apply(tag, edit)?;
        }
    }
    let temp = temp_path(path)?;
    let written = write_copy(path, &temp, &tagged).and_then(|()| {
        before_rename(&temp).map_err(|e| format!("the edited copy could not be put in place: {e}"))
    });
    let renamed = written.and_then(|()| {
        std::fs::rename(&temp, path)
            .map_err(|e| format!("the edited copy could not be put in place: {e}"))
    });
    if let Err(reason) = renamed {
        let _ = std::fs::remove_file(&temp);
        return Err(reason);
    }
    if let Some(folder) = path.parent()
        && let Ok(folder) = std::fs::File::open(folder)
    {
        // The rename is durable once the folder is; not every platform can sync a folder.
        let _ = folder.sync_all();
    }
    Ok(undo)
}

/// The hidden temporary file next to `path`.
fn temp_path(path: &Path) -> Result<PathBuf, String> {
    let name = path
        .file_name()
        .ok_or_else(|| "the path names no file".to_owned())?;
    let mut temp = std::ffi::OsString::from(".");
    temp.push(name);
    temp.push(format!(".tonearm-{}.tmp", uuid::Uuid::new_v4().simple()));
    Ok(path.with_file_name(temp))
}

fn read(path: &Path) -> Result<TaggedFile, String> {
    let probe = lofty::probe::Probe::open(path)
        .map_err(|e| format!("the file cannot be read: {e}"))?
        .guess_file_type()
        .map_err(|e| format!("the file cannot be read: {e}"))?;
    let tagged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| probe.read()))
        .map_err(|_| "the tag reader crashed on this file".to_owned())?
        .map_err(|e| format!("the tags of this file cannot be read: {e}"))?;
    if matches!(tagged.file_type(), FileType::Custom(_)) {
        return Err("tags cannot be written into this kind of file".to_owned());
    }
    Ok(tagged)
}

/// Copies the original to `temp`, writes the tags into the copy and flushes it.
fn write_copy(path: &Path, temp: &Path, tagged: &TaggedFile) -> Result<(), String> {
    std::fs::copy(path, temp).map_err(|e| format!("no room for an edited copy: {e}"))?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(temp)
        .map_err(|e| format!("the edited copy cannot be opened: {e}"))?;
    let saved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tagged.save_to(&mut file, WriteOptions::default())
    }))
    .map_err(|_| "the tag writer crashed on this file".to_owned())?;
    saved.map_err(|e| format!("the tags cannot be written into this file: {e}"))?;
    file.sync_all()
        .map_err(|e| format!("the edited copy cannot be saved: {e}"))
}

/// Applies the edit to one tag of the file.
fn apply(tag: &mut Tag, edit: &TagEdit) -> Result<(), String> {
    text(tag, &edit.title, &[ItemKey::TrackTitle]);
    // Picard's multi-valued ARTISTS would be read instead of an edited ARTIST.
    text(
        tag,
        &edit.artist,
        &[ItemKey::TrackArtist, ItemKey::TrackArtists],
    );
    text(tag, &edit.album, &[ItemKey::AlbumTitle]);
    text(tag, &edit.album_artist, &[ItemKey::AlbumArtist]);
    text(tag, &edit.genre, &[ItemKey::Genre]);
    text(tag, &edit.composer, &[ItemKey::Composer]);
    text(tag, &edit.comment, &[ItemKey::Comment]);
    number(tag, &edit.track_no, Tag::set_track, Tag::remove_track);
    number(tag, &edit.track_total, Tag::set_track_total, |t| {
        t.remove_track_total();
    });
    number(tag, &edit.disc_no, Tag::set_disk, Tag::remove_disk);
    number(tag, &edit.disc_total, Tag::set_disk_total, |t| {
        t.remove_disk_total();
    });
    // Every date the reader may take a year from goes, so the new year is the one read back.
    let year = edit.year.as_text();
    text(
        tag,
        &year,
        &[ItemKey::RecordingDate, ItemKey::ReleaseDate, ItemKey::Year],
    );
    match edit.compilation {
        FieldEdit::Leave => {}
        FieldEdit::Set(true) => {
            tag.insert_text(ItemKey::FlagCompilation, "1".to_owned());
        }
        FieldEdit::Set(false) | FieldEdit::Clear => tag.remove_key(ItemKey::FlagCompilation),
    }
    match &edit.cover {
        CoverEdit::Leave => {}
        CoverEdit::Remove => {
            while !tag.pictures().is_empty() {
                tag.remove_picture(0);
            }
        }
        CoverEdit::Replace(bytes) => {
            let mut picture = Picture::from_reader(&mut Cursor::new(bytes))
                .map_err(|e| format!("the cover is not an image: {e}"))?;
            picture.set_pic_type(PictureType::CoverFront);
            tag.remove_picture_type(PictureType::CoverFront);
            tag.push_picture(picture);
        }
    }
    Ok(())
}

/// Sets or clears a text field, the first of `keys` holding the value, the others cleared.
fn text(tag: &mut Tag, edit: &FieldEdit<String>, keys: &[ItemKey]) {
    match edit {
        FieldEdit::Leave => {}
        FieldEdit::Set(value) => {
            for key in keys {
                tag.remove_key(*key);
            }
            tag.insert_text(keys[0], value.clone());
        }
        FieldEdit::Clear => {
            for key in keys {
                tag.remove_key(*key);
            }
        }
    }
}

fn number(tag: &mut Tag, edit: &FieldEdit<u32>, set: fn(&mut Tag, u32), clear: fn(&mut Tag)) {
    match edit {
        FieldEdit::Leave => {}
        FieldEdit::Set(value) => set(tag, *value),
        FieldEdit::Clear => clear(tag),
    }
}

/// The edit that puts back what `edit` changes, from the file's main tag.
fn previous_values(file: &TaggedFile, edit: &TagEdit) -> TagEdit {
    let empty = Tag::new(file.primary_tag_type());
    let tag = file
        .primary_tag()
        .or_else(|| file.tags().first())
        .unwrap_or(&empty);
    let string = |key: ItemKey| tag.get_string(key).map(str::to_owned);
    let year = [ItemKey::RecordingDate, ItemKey::ReleaseDate, ItemKey::Year]
        .into_iter()
        .find_map(|key| tag.get_string(key))
        .and_then(|date| date.trim().get(..4)?.parse::<i32>().ok());
    let compilation = string(ItemKey::FlagCompilation)
        .is_some_and(|v| matches!(v.trim(), "1" | "true" | "True" | "TRUE"));
    let pictures = tag.pictures();
    let cover = pictures
        .iter()
        .find(|p| p.pic_type() == PictureType::CoverFront)
        .or_else(|| pictures.first())
        .map(|p| p.data().to_vec());
    TagEdit {
        title: edit.title.undo(string(ItemKey::TrackTitle)),
        artist: edit.artist.undo(string(ItemKey::TrackArtist)),
        album: edit.album.undo(string(ItemKey::AlbumTitle)),
        album_artist: edit.album_artist.undo(string(ItemKey::AlbumArtist)),
        track_no: edit.track_no.undo(tag.track()),
        track_total: edit.track_total.undo(tag.track_total()),
        disc_no: edit.disc_no.undo(tag.disk()),
        disc_total: edit.disc_total.undo(tag.disk_total()),
        year: edit.year.undo(year),
        genre: edit.genre.undo(string(ItemKey::Genre)),
        composer: edit.composer.undo(string(ItemKey::Composer)),
        compilation: edit.compilation.undo(compilation.then_some(true)),
        comment: edit.comment.undo(string(ItemKey::Comment)),
        cover: match (&edit.cover, cover) {
            (CoverEdit::Leave, _) => CoverEdit::Leave,
            (_, Some(bytes)) => CoverEdit::Replace(bytes),
            (_, None) => CoverEdit::Remove,
        },
    }
}
