//! Sound outputs for tests: an ALSA configuration whose default device names a card that does
//! not exist, so "no sound output" can be reproduced on any machine, sound card or not.

use std::path::{Path, PathBuf};

/// Writes `missing.conf` in `dir`, an ALSA configuration (for `ALSA_CONFIG_PATH`) whose
/// default device is a card that does not exist, and returns its path.
pub fn missing_card_alsa_config(dir: &Path) -> PathBuf {
    let conf = dir.join("missing.conf");
    std::fs::write(
        &conf,
        "pcm.!default { type hw; card \"TonearmNoSuchCard\" }\n\
         ctl.!default { type hw; card \"TonearmNoSuchCard\" }\n",
    )
    .expect("writing an alsa config");
    conf
}
