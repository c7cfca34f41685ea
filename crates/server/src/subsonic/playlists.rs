//! Playlists from Subsonic apps: the same playlists as the desktop's, changed through the
//! same operation log, so an edit here reaches every device and theirs show up here.
//!
//! Subsonic edits by index ("remove the 3rd song"); the log edits by entry id. An update
//! reads the playlist, turns its indexes into the entries they name, and sends removals of
//! those entries and additions after the last one: an entry another device added meanwhile
//! is neither removed nor overwritten, whatever the order the edits reach the server.

use super::browse::song_id;
use super::response::{Failure, Node, Payload, payload};
use super::{Call, views};
use crate::catalog::Song;
use crate::state::AppState;
use serde_json::{Value, json};
use tonearm_protocol::position::place;
use tonearm_protocol::{
    EntryId, OpId, OpStatus, Playlist, PlaylistAction, PlaylistId, PlaylistOp, TrackId,
};

fn playlist_id(text: &str) -> Result<PlaylistId, Failure> {
    uuid::Uuid::parse_str(text.trim())
        .map(PlaylistId)
        .map_err(|_| Failure::not_found("playlist"))
}

async fn load(state: &AppState, call: &Call, id: PlaylistId) -> Result<Playlist, Failure> {
    state
        .store
        .playlists(call.user.id)
        .await?
        .playlists
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| Failure::not_found("playlist"))
}

/// A playlist as Subsonic shows it, and its songs (songs that left the cloud are left out, as
/// they cannot be played).
async fn view(
    state: &AppState,
    call: &Call,
    playlist: &Playlist,
) -> Result<(Value, Vec<Song>), Failure> {
    let ids: Vec<TrackId> = playlist.entries.iter().map(|e| e.track_id).collect();
    let songs = state.store.songs(call.user.id, &ids).await?;
    let duration: u64 = songs.iter().filter_map(|s| s.duration_ms).sum();
    // The log keeps no times per playlist; the epoch says "not known".
    let object = json!({
        "id": playlist.id.to_string(),
        "name": playlist.name,
        "owner": call.user.username,
        "public": false,
        "songCount": songs.len(),
        "duration": duration.div_ceil(1000),
        "created": views::date_time(0),
        "changed": views::date_time(0),
        "readonly": false,
    });
    Ok((object, songs))
}

/// A playlist with its songs (`entry`).
async fn with_entries(
    state: &AppState,
    call: &Call,
    playlist: &Playlist,
) -> Result<Payload, Failure> {
    let (object, songs) = view(state, call, playlist).await?;
    let mut fields = Node::fields_of(object);
    fields.push(("entry".into(), Node::Songs(songs)));
    Ok(payload("playlist", Node::Object(fields)))
}

pub async fn list(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    if let Some(other) = call
        .params
        .get("username")
        .filter(|u| *u != call.user.username)
    {
        return Err(Failure::not_authorized(format!(
            "the playlists of {other} are not yours"
        )));
    }
    let all = state.store.playlists(call.user.id).await?;
    let mut views = Vec::with_capacity(all.playlists.len());
    for playlist in &all.playlists {
        views.push(view(state, call, playlist).await?.0);
    }
    Ok(payload(
        "playlists",
        super::response::object([("playlist", views.into())]),
    ))
}

pub async fn get(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let id = playlist_id(call.params.required("id")?)?;
    let playlist = load(state, call, id).await?;
    with_entries(state, call, &playlist).await
}

/// The song ids of `name` (repeated), each one the user's.
async fn songs_of(state: &AppState, call: &Call, name: &str) -> Result<Vec<TrackId>, Failure> {
    let ids = call
        .params
        .all(name)
        .filter(|v| !v.is_empty())
        .map(song_id)
        .collect::<Result<Vec<_>, _>>()?;
    let mut unique = ids.clone();
    unique.sort_unstable_by_key(|id| id.0);
    unique.dedup();
    let known = state.store.songs(call.user.id, &unique).await?;
    if known.len() != unique.len() {
        return Err(Failure::not_found("song"));
    }
    Ok(ids)
}

fn op(action: PlaylistAction) -> PlaylistOp {
    PlaylistOp {
        op_id: OpId::new_random(),
        action,
    }
}

/// Additions of `tracks` at the end of `playlist` (whose live entries are `kept`).
fn append(
    playlist: PlaylistId,
    kept: &[tonearm_protocol::PlaylistEntry],
    tracks: &[TrackId],
) -> Vec<PlaylistOp> {
    let keys: Vec<_> = kept.iter().map(|e| e.position.clone()).collect();
    let placement = place(&keys, keys.len(), tracks.len());
    let mut ops: Vec<PlaylistOp> = placement
        .moved
        .into_iter()
        .map(|(index, position)| {
            op(PlaylistAction::MoveEntry {
                entry_id: kept[index].id,
                position,
            })
        })
        .collect();
    ops.extend(
        tracks
            .iter()
            .zip(placement.inserted)
            .map(|(track, position)| {
                op(PlaylistAction::AddEntry {
                    playlist_id: playlist,
                    entry_id: EntryId::new_random(),
                    track_id: *track,
                    position,
                })
            }),
    );
    ops
}

async fn apply(state: &AppState, call: &Call, ops: &[PlaylistOp]) -> Result<(), Failure> {
    let results = state.store.apply_playlist_ops(call.user.id, ops).await?;
    if let Some(rejected) = results.iter().find(|r| r.status == OpStatus::Rejected) {
        return Err(Failure::generic(format!(
            "the playlist could not be changed: {}",
            rejected.reason.as_deref().unwrap_or("rejected")
        )));
    }
    Ok(())
}

/// `createPlaylist`: a new playlist of `songId`s named `name`, or, with `playlistId`, that
/// playlist's songs replaced by them.
pub async fn create(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let tracks = songs_of(state, call, "songId").await?;
    let (id, ops) = match call.params.get("playlistId").filter(|v| !v.is_empty()) {
        Some(existing) => {
            let playlist = load(state, call, playlist_id(existing)?).await?;
            let mut ops: Vec<PlaylistOp> = playlist
                .entries
                .iter()
                .map(|e| op(PlaylistAction::RemoveEntry { entry_id: e.id }))
                .collect();
            if let Some(name) = call.params.get("name").filter(|n| !n.trim().is_empty()) {
                ops.push(op(PlaylistAction::RenamePlaylist {
                    playlist_id: playlist.id,
                    name: name.trim().to_owned(),
                }));
            }
            ops.extend(append(playlist.id, &[], &tracks));
            (playlist.id, ops)
        }
        None => {
            let name = call.params.required("name")?.trim();
            if name.is_empty() {
                return Err(Failure::generic("a playlist needs a name"));
            }
            let id = PlaylistId::new_random();
            let mut ops = vec![op(PlaylistAction::CreatePlaylist {
                playlist_id: id,
                name: name.to_owned(),
            })];
            ops.extend(append(id, &[], &tracks));
            (id, ops)
        }
    };
    apply(state, call, &ops).await?;
    let playlist = load(state, call, id).await?;
    with_entries(state, call, &playlist).await
}

/// `updatePlaylist`: rename, remove songs by their index before this call, add songs at the
/// end (see the module docs for how this keeps edits made elsewhere).
pub async fn update(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let params = &call.params;
    let playlist = load(state, call, playlist_id(params.required("playlistId")?)?).await?;
    let tracks = songs_of(state, call, "songIdToAdd").await?;
    let mut ops = Vec::new();
    if let Some(name) = params.get("name").filter(|n| !n.trim().is_empty()) {
        ops.push(op(PlaylistAction::RenamePlaylist {
            playlist_id: playlist.id,
            name: name.trim().to_owned(),
        }));
    }
    let mut removed = vec![false; playlist.entries.len()];
    for text in params.all("songIndexToRemove").filter(|v| !v.is_empty()) {
        let index: usize = text
            .trim()
            .parse()
            .map_err(|_| Failure::generic(format!("songIndexToRemove {text:?} is not an index")))?;
        let slot = removed.get_mut(index).ok_or_else(|| {
            Failure::generic(format!(
                "songIndexToRemove {index} is past the end of the playlist ({} songs)",
                playlist.entries.len()
            ))
        })?;
        *slot = true;
    }
    let mut kept = Vec::new();
    for (entry, gone) in playlist.entries.iter().zip(&removed) {
        if *gone {
            ops.push(op(PlaylistAction::RemoveEntry { entry_id: entry.id }));
        } else {
            kept.push(entry.clone());
        }
    }
    ops.extend(append(playlist.id, &kept, &tracks));
    if !ops.is_empty() {
        apply(state, call, &ops).await?;
    }
    Ok(Payload::new())
}

pub async fn delete(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let playlist = load(state, call, playlist_id(call.params.required("id")?)?).await?;
    apply(
        state,
        call,
        &[op(PlaylistAction::DeletePlaylist {
            playlist_id: playlist.id,
        })],
    )
    .await?;
    Ok(Payload::new())
}
