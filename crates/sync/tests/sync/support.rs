//! What the sync tests share: devices, the locker server, fixtures and tones come from
//! `tonearm-testkit`; decoding what was streamed, as the player would, is here.

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
