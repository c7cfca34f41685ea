//! What the sync tests share: devices, the locker server, fixtures and tones come from
//! `tonearm-testkit`; decoding what was streamed, as the player would, is here.

use tonearm_library::{EntryId, PlaylistId, TrackId};
pub use tonearm_testkit::device::{Device, open_cloud};
pub use tonearm_testkit::fixtures::audio_dir as fixtures;
pub use tonearm_testkit::locker::{Locker, PASSWORD};
pub use tonearm_testkit::wav::{write_tone, write_tones};

/// Decodes a byte source completely, as the player would.
pub fn decode_all(
    source: Box<dyn tonearm_player::source::ByteSource>,
    extension: &str,
) -> Vec<f32> {
    let mut stream =
        tonearm_player::decode::open(source, Some(extension), "test").expect("decodable");
    let mut samples = Vec::new();
    while let Some(block) = stream.next_block().expect("decodes") {
        samples.extend(block);
    }
    samples
}

/// The one track of a device's library.
pub fn only(device: &Device) -> tonearm_library::Track {
    let tracks = device.tracks();
    assert_eq!(tracks.len(), 1, "{tracks:?}");
    tracks.into_iter().next().expect("one track")
}

/// Calls the server's Subsonic API (`/rest/{method}`) as ann, as a phone app would; asserts
/// the answer is ok and returns it. `params` are appended to the query (`&id=...`).
pub async fn subsonic(server: &Locker, method: &str, params: &str) -> serde_json::Value {
    let password = PASSWORD.replace(' ', "%20");
    let answer: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/rest/{method}?u=ann&p={password}&v=1.16.1&c=phone&f=json{params}",
            server.url()
        ))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    let answer = answer["subsonic-response"].clone();
    assert_eq!(answer["status"], "ok", "{method}: {answer}");
    answer
}

/// The entries of `playlist` on `device`, in order, as (entry, track).
pub fn entries(device: &Device, playlist: PlaylistId) -> Vec<(EntryId, TrackId)> {
    device
        .library
        .playlist(playlist)
        .expect("playlist")
        .entries
        .iter()
        .map(|e| (e.id, e.track_id))
        .collect()
}
