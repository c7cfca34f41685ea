//! `tonearm tag`: show and edit the tags of tracks (files, or cloud-only tracks), and undo the
//! last edit. The edit itself is the library's (`tonearm_library::edit`); this only turns
//! arguments into a `TagEdit` and prints what happened.

use crate::commands::print_json;
use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use tonearm_library::{CoverEdit, EditReport, FieldEdit, Library, TagEdit, Track, TrackId};

#[derive(Debug, Subcommand)]
pub enum TagCommand {
    /// Show the tags of tracks (library ids or file paths).
    Show {
        #[arg(required = true, value_name = "TRACK")]
        tracks: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Edit the tags of tracks: only the fields given change, on every track.
    Set(Box<SetArgs>),
    /// Undo the last edit.
    Undo {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// Library ids or file paths.
    #[arg(required = true, value_name = "TRACK")]
    tracks: Vec<String>,
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    artist: Option<String>,
    #[arg(long)]
    album: Option<String>,
    #[arg(long)]
    album_artist: Option<String>,
    #[arg(long = "track", value_name = "N")]
    track_no: Option<u32>,
    #[arg(long, value_name = "N")]
    track_total: Option<u32>,
    #[arg(long = "disc", value_name = "N")]
    disc_no: Option<u32>,
    #[arg(long, value_name = "N")]
    disc_total: Option<u32>,
    #[arg(long)]
    year: Option<i32>,
    #[arg(long)]
    genre: Option<String>,
    #[arg(long)]
    composer: Option<String>,
    /// true or false.
    #[arg(long, value_name = "BOOL")]
    compilation: Option<bool>,
    #[arg(long)]
    comment: Option<String>,
    /// Remove a field (repeatable).
    #[arg(long, value_name = "FIELD")]
    clear: Vec<Field>,
    /// Make this image the front cover.
    #[arg(long, value_name = "FILE", conflicts_with = "no_cover")]
    cover: Option<PathBuf>,
    /// Remove every picture.
    #[arg(long)]
    no_cover: bool,
    #[arg(long)]
    json: bool,
}

/// A field `--clear` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Field {
    Title,
    Artist,
    Album,
    AlbumArtist,
    Track,
    TrackTotal,
    Disc,
    DiscTotal,
    Year,
    Genre,
    Composer,
    Compilation,
    Comment,
}

pub fn run(library: &Library, command: TagCommand) -> Result<()> {
    match command {
        TagCommand::Show { tracks, json } => {
            let ids = resolve(library, &tracks)?;
            let tracks = library.tracks_by_id(&ids)?;
            if json {
                return print_json(&tracks);
            }
            for (index, track) in tracks.iter().enumerate() {
                if index > 0 {
                    println!();
                }
                show(track);
            }
            Ok(())
        }
        TagCommand::Set(args) => {
            let ids = resolve(library, &args.tracks)?;
            let json = args.json;
            let edit = edit_of(*args)?;
            if edit.is_empty() {
                bail!("nothing to change: give a field to set, --clear, --cover or --no-cover");
            }
            report(&library.edit_tags(&ids, &edit)?, json)
        }
        TagCommand::Undo { json } => {
            if !library.can_undo_edit()? {
                bail!("there is no edit to undo");
            }
            report(&library.undo_last_edit()?, json)
        }
    }
}

/// Track ids from ids or paths.
fn resolve(library: &Library, items: &[String]) -> Result<Vec<TrackId>> {
    items
        .iter()
        .map(|item| {
            if let Ok(id) = item.parse::<TrackId>() {
                return Ok(id);
            }
            let path = std::fs::canonicalize(Path::new(item))
                .with_context(|| format!("{item} is neither a track id nor a file"))?;
            Ok(library
                .track_at(&path)?
                .with_context(|| format!("{} is not in the library", path.display()))?
                .id)
        })
        .collect()
}

fn edit_of(args: SetArgs) -> Result<TagEdit> {
    fn field<T>(value: Option<T>) -> FieldEdit<T> {
        value.map_or(FieldEdit::Leave, FieldEdit::Set)
    }
    let mut edit = TagEdit {
        title: field(args.title),
        artist: field(args.artist),
        album: field(args.album),
        album_artist: field(args.album_artist),
        track_no: field(args.track_no),
        track_total: field(args.track_total),
        disc_no: field(args.disc_no),
        disc_total: field(args.disc_total),
        year: field(args.year),
        genre: field(args.genre),
        composer: field(args.composer),
        compilation: field(args.compilation),
        comment: field(args.comment),
        cover: CoverEdit::Leave,
    };
    for cleared in args.clear {
        match cleared {
            Field::Title => edit.title = FieldEdit::Clear,
            Field::Artist => edit.artist = FieldEdit::Clear,
            Field::Album => edit.album = FieldEdit::Clear,
            Field::AlbumArtist => edit.album_artist = FieldEdit::Clear,
            Field::Track => edit.track_no = FieldEdit::Clear,
            Field::TrackTotal => edit.track_total = FieldEdit::Clear,
            Field::Disc => edit.disc_no = FieldEdit::Clear,
            Field::DiscTotal => edit.disc_total = FieldEdit::Clear,
            Field::Year => edit.year = FieldEdit::Clear,
            Field::Genre => edit.genre = FieldEdit::Clear,
            Field::Composer => edit.composer = FieldEdit::Clear,
            Field::Compilation => edit.compilation = FieldEdit::Clear,
            Field::Comment => edit.comment = FieldEdit::Clear,
        }
    }
    if let Some(path) = args.cover {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        edit.cover = CoverEdit::Replace(bytes);
    } else if args.no_cover {
        edit.cover = CoverEdit::Remove;
    }
    Ok(edit)
}

fn report(report: &EditReport, json: bool) -> Result<()> {
    if json {
        print_json(report)?;
    } else {
        println!("{} edited", report.edited.len());
        for failure in &report.failed {
            let what = failure
                .path
                .clone()
                .unwrap_or_else(|| failure.track_id.to_string());
            eprintln!("not edited: {what}: {}", failure.reason);
        }
    }
    if !report.failed.is_empty() {
        bail!("{} track(s) could not be edited", report.failed.len());
    }
    Ok(())
}

fn show(track: &Track) {
    let text = |label: &str, value: Option<&str>| {
        if let Some(value) = value {
            println!("{label:<13}{value}");
        }
    };
    let of = |n: Option<u32>, total: Option<u32>| match (n, total) {
        (Some(n), Some(total)) => Some(format!("{n}/{total}")),
        (Some(n), None) => Some(n.to_string()),
        (None, Some(total)) => Some(format!("?/{total}")),
        (None, None) => None,
    };
    text("id", Some(&track.id.to_string()));
    text(
        "path",
        (!track.path.is_empty()).then_some(track.path.as_str()),
    );
    text("title", Some(&track.title));
    text("artist", track.artist.as_deref());
    text("album", track.album.as_deref());
    text("album artist", track.album_artist.as_deref());
    text("track", of(track.track_no, track.track_total).as_deref());
    text("disc", of(track.disc_no, track.disc_total).as_deref());
    text("year", track.year.map(|y| y.to_string()).as_deref());
    text("genre", track.genre.as_deref());
    text("composer", track.composer.as_deref());
    text("compilation", track.compilation.then_some("yes"));
    text("comment", track.comment.as_deref());
    text(
        "cover",
        Some(if track.artwork_id.is_some() {
            "yes"
        } else {
            "no"
        }),
    );
}
