//! Media: a song's audio (`stream`, `download`: the original file, never transcoded, with
//! ranges so players seek and resume) and cover art.

use super::browse::song_id;
use super::response::Failure;
use super::{Call, Reply, views};
use crate::state::AppState;
use axum::http::HeaderMap;

/// `stream` and `download`: the stored file as uploaded (`maxBitRate` and `format` cannot
/// be honoured without transcoding, which the server does not do; docs/subsonic.md says so).
pub async fn audio(state: &AppState, call: &Call, headers: &HeaderMap) -> Result<Reply, Failure> {
    let id = song_id(call.params.required("id")?)?;
    let song = state
        .store
        .song(call.user.id, id)
        .await?
        .ok_or_else(|| Failure::not_found("song"))?;
    let (_, mime) = views::suffix_and_type(&song.format);
    let response = crate::api::send_audio(state, &song.hash, song.size, mime, headers).await?;
    Ok(Reply::Media(response))
}

/// `getCoverArt`: the cover of a song, an album or an artist (ids as the `coverArt` fields
/// give them), scaled to `size` when asked; code 70 when there is none, which apps answer with
/// their placeholder.
pub async fn cover(state: &AppState, call: &Call) -> Result<Reply, Failure> {
    let id = call.params.required("id")?;
    let item = super::marks::any_item(id).map_err(|_| Failure::not_found("cover art"))?;
    let size = call.params.parsed::<u32>("size")?;
    let artwork = state
        .store
        .cover(call.user.id, &item)
        .await?
        .ok_or_else(|| Failure::not_found("cover art"))?;
    let response = crate::api::send_artwork(state, &artwork, size).await?;
    Ok(Reply::Media(response))
}
