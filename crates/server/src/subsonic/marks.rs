//! What a user does with their music from a Subsonic app: stars, ratings, plays (scrobbles)
//! and the saved play queue. They are the catalog's marks, shared by every interface.

use super::browse::song_id;
use super::response::{Failure, Node, Payload, payload};
use super::{Call, views};
use crate::catalog::{AlbumId, ArtistId, Item, Play, PlayQueue};
use crate::state::{AppState, now};
use serde_json::json;

/// An id of `id=`: a song, or (from folder-based clients) an album or artist directory.
pub(super) fn any_item(text: &str) -> Result<Item, Failure> {
    if let Some(album) = AlbumId::parse(text) {
        return Ok(Item::Album(album));
    }
    if let Some(artist) = ArtistId::parse(text) {
        return Ok(Item::Artist(artist));
    }
    song_id(text).map(Item::Song)
}

/// `star` and `unstar`: any mix of `id`, `albumId` and `artistId`; unknown ones are skipped.
pub async fn star(state: &AppState, call: &Call, on: bool) -> Result<Payload, Failure> {
    let params = &call.params;
    let mut items = Vec::new();
    for id in params.all("id").filter(|v| !v.is_empty()) {
        if let Ok(item) = any_item(id) {
            items.push(item);
        }
    }
    items.extend(
        params
            .all("albumId")
            .filter_map(AlbumId::parse)
            .map(Item::Album),
    );
    items.extend(
        params
            .all("artistId")
            .filter_map(ArtistId::parse)
            .map(Item::Artist),
    );
    if items.is_empty()
        && params
            .get("id")
            .or(params.get("albumId"))
            .or(params.get("artistId"))
            .is_none()
    {
        return Err(Failure::missing("id, albumId or artistId"));
    }
    state.store.star(call.user.id, &items, on.then(now)).await?;
    Ok(Payload::new())
}

/// `setRating`: 1 to 5, or 0 to remove it.
pub async fn rate(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let id = call.params.required("id")?;
    let rating: u8 = call
        .params
        .parsed("rating")?
        .ok_or_else(|| Failure::missing("rating"))?;
    if rating > 5 {
        return Err(Failure::generic("rating must be 0 (none) to 5"));
    }
    let item = any_item(id)?;
    if !state.store.rate(call.user.id, &item, rating).await? {
        return Err(Failure::not_found("item"));
    }
    Ok(Payload::new())
}

/// `scrobble`: with `submission` (the default) each `id` counts as a play at its `time`
/// (milliseconds), once however often it is sent; without, it is a "now playing" notice, which
/// the server does not keep.
pub async fn scrobble(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let params = &call.params;
    let ids: Vec<&str> = params.all("id").collect();
    if ids.is_empty() {
        return Err(Failure::missing("id"));
    }
    let times: Vec<&str> = params.all("time").collect();
    if !times.is_empty() && times.len() != ids.len() {
        return Err(Failure::generic("give one time per id, or none"));
    }
    if params.flag("submission")? == Some(false) {
        return Ok(Payload::new());
    }
    let mut plays = Vec::with_capacity(ids.len());
    let now_ms = now() * 1000;
    for (index, id) in ids.iter().enumerate() {
        let track = song_id(id)?;
        let ms: i64 = match times.get(index) {
            Some(text) => text
                .trim()
                .parse()
                .map_err(|_| Failure::generic(format!("time {text:?} is not milliseconds")))?,
            None => now_ms,
        };
        // The same song at the same moment is one play, however often it is sent.
        let play_id =
            blake3::hash(format!("subsonic\0{track}\0{ms}").as_bytes()).to_hex()[..32].to_owned();
        plays.push(Play {
            id: play_id,
            track,
            played_at: ms.div_euclid(1000),
        });
    }
    state.store.record_plays(call.user.id, &plays).await?;
    Ok(Payload::new())
}

/// `getPlayQueue`: the saved queue; an empty one when none was saved (clients expect one).
pub async fn play_queue(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let Some(queue) = state.store.play_queue(call.user.id).await? else {
        return Ok(payload(
            "playQueue",
            json!({ "username": call.user.username, "changed": views::date_time(0), "changedBy": "" }),
        ));
    };
    let songs = state.store.songs(call.user.id, &queue.entries).await?;
    let mut object = json!({
        "username": call.user.username,
        "changed": views::date_time(queue.changed_at),
        "changedBy": queue.changed_by,
        "position": queue.position_ms,
    });
    let current = queue
        .current
        .filter(|c| songs.iter().any(|s| s.id == *c))
        .or_else(|| songs.first().map(|s| s.id));
    if let Some(current) = current {
        object["current"] = json!(current.to_string());
    }
    let mut fields = Node::fields_of(object);
    fields.push(("entry".into(), Node::Songs(songs)));
    Ok(payload("playQueue", Node::Object(fields)))
}

/// `savePlayQueue`: the songs (`id`, repeated), the one playing and where in it; no ids
/// clears the queue.
pub async fn save_play_queue(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let params = &call.params;
    let entries = params
        .all("id")
        .filter(|v| !v.is_empty())
        .map(song_id)
        .collect::<Result<Vec<_>, _>>()?;
    let current = match params.get("current").filter(|c| !c.is_empty()) {
        Some(text) => Some(song_id(text)?),
        None => None,
    };
    if current.is_some_and(|c| !entries.contains(&c)) {
        return Err(Failure::generic("current must be one of the ids"));
    }
    let queue = PlayQueue {
        entries,
        current,
        position_ms: params.parsed::<u64>("position")?.unwrap_or(0),
        changed_at: now(),
        changed_by: call.client.clone(),
    };
    state.store.save_play_queue(call.user.id, &queue).await?;
    Ok(Payload::new())
}
