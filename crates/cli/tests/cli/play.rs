//! `tonearm play` through a real ALSA device that writes what it is given to a WAV file (no
//! sound card here): the captured samples are checked for the right tones, in order, with no
//! gap between tracks, at the right ReplayGain level.

use std::path::Path;
use std::process::Command;

pub use tonearm_testkit::fixtures::audio_dir as fixtures;

/// Runs `tonearm play ARGS` with the default ALSA device capturing to a file; returns the
/// captured left channel (44.1 kHz), stderr, and whether it succeeded.
pub fn play(args: &[&str], data: &Path) -> (Vec<i16>, String, bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = dir.path().join("capture.wav");
    let conf = dir.path().join("capture.conf");
    std::fs::write(
        &conf,
        format!(
            "pcm.!default {{ type plug; slave {{ pcm \"capture_file\"; format S16_LE; rate 44100; channels 2 }} }}\n\
             pcm.capture_file {{ type file; slave.pcm {{ type null }}; file \"{}\"; format \"wav\" }}\n",
            capture.display()
        ),
    )
    .expect("alsa config");
    let out = Command::new(env!("CARGO_BIN_EXE_tonearm"))
        .arg("--data-dir")
        .arg(data)
        .arg("play")
        .args(args)
        .env(
            "ALSA_CONFIG_PATH",
            format!("/usr/share/alsa/alsa.conf:{}", conf.display()),
        )
        .env("TONEARM_TOKEN_STORE", "file")
        .output()
        .expect("tonearm runs");
    let bytes = std::fs::read(&capture).unwrap_or_default();
    let data_at = bytes
        .windows(4)
        .position(|w| w == b"data")
        .map_or(bytes.len(), |i| i + 8);
    let left = bytes[data_at.min(bytes.len())..]
        .chunks_exact(4)
        .map(|frame| i16::from_le_bytes([frame[0], frame[1]]))
        .collect();
    (
        left,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// The span from the first to the last non-silent sample. Silence is not exactly zero: the
/// rate converters between the engine and the file leave a few LSB of ringing around it.
pub fn music(samples: &[i16]) -> &[i16] {
    let first = samples.iter().position(|s| s.abs() > 8).unwrap_or(0);
    let last = samples.iter().rposition(|s| s.abs() > 8).unwrap_or(0);
    &samples[first..=last]
}

/// The pitch of a tone captured at 44.1 kHz.
pub fn frequency(samples: &[i16]) -> f64 {
    tonearm_testkit::signal::frequency(samples, 44_100)
}

fn rms(samples: &[i16]) -> f64 {
    (samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
}

fn longest_quiet_run(samples: &[i16]) -> usize {
    samples
        .split(|s| s.unsigned_abs() >= 50)
        .map(<[i16]>::len)
        .max()
        .unwrap_or(0)
}

#[test]
fn tracks_play_back_to_back_without_a_gap_and_broken_ones_are_skipped() {
    let data = tempfile::tempdir().expect("data dir");
    let f = fixtures();
    let path = |name: &str| f.join(name).to_string_lossy().into_owned();
    let (captured, stderr, ok) = play(
        &[
            "--replaygain",
            "off",
            &path("tagged.flac"),
            &path("garbage.mp3"),
            &path("tagged.ogg"),
        ],
        data.path(),
    );
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("skipped: garbage.mp3: cannot decode"),
        "{stderr}"
    );
    let music = music(&captured);
    let seconds = music.len() as f64 / 44_100.0;
    assert!(
        (seconds - 2.0).abs() < 0.01,
        "two one-second tracks, back to back: {seconds:.4} s"
    );
    assert!(
        longest_quiet_run(music) <= 3,
        "no silence between the tracks: {} quiet samples",
        longest_quiet_run(music)
    );
    let half = music.len() / 2;
    let (first, second) = (
        frequency(&music[2_000..half - 2_000]),
        frequency(&music[half + 2_000..music.len() - 2_000]),
    );
    assert!(
        (first - 500.0).abs() < 5.0 && (second - 600.0).abs() < 5.0,
        "FLAC then Vorbis: {first:.1} Hz, {second:.1} Hz"
    );
}

#[test]
fn replaygain_scales_the_output_by_the_tagged_gain() {
    let data = tempfile::tempdir().expect("data dir");
    let flac = fixtures()
        .join("tagged.flac")
        .to_string_lossy()
        .into_owned();
    let (plain, _, ok) = play(&["--replaygain", "off", &flac], data.path());
    assert!(ok);
    let (gained, _, ok) = play(&["--replaygain", "track", &flac], data.path());
    assert!(ok);
    let (preamped, _, ok) = play(
        &["--replaygain", "track", "--preamp", "-6", &flac],
        data.path(),
    );
    assert!(ok);
    // tagged.flac: track gain +2.00 dB (peak 0.127, far from clipping).
    let ratio = rms(music(&gained)) / rms(music(&plain));
    assert!(
        (ratio - 10f64.powf(2.0 / 20.0)).abs() < 0.01,
        "ratio {ratio:.4}"
    );
    let ratio = rms(music(&preamped)) / rms(music(&plain));
    assert!(
        (ratio - 10f64.powf(-4.0 / 20.0)).abs() < 0.01,
        "ratio with -6 dB preamp {ratio:.4}"
    );
    // untagged.mp3 has no ReplayGain tags: the fallback gain applies to it.
    let untagged = fixtures()
        .join("untagged.mp3")
        .to_string_lossy()
        .into_owned();
    let (plain, _, ok) = play(&["--replaygain", "off", &untagged], data.path());
    assert!(ok);
    let (fallen_back, _, ok) = play(&["--fallback-gain", "-6", &untagged], data.path());
    assert!(ok);
    let ratio = rms(music(&fallen_back)) / rms(music(&plain));
    assert!(
        (ratio - 10f64.powf(-6.0 / 20.0)).abs() < 0.01,
        "ratio with a -6 dB fallback {ratio:.4}"
    );
}

#[test]
fn playing_a_library_track_to_the_end_counts_a_play() {
    let data = tempfile::tempdir().expect("data dir");
    let music_dir = data.path().join("Music");
    std::fs::create_dir_all(&music_dir).expect("dir");
    std::fs::copy(fixtures().join("id3v24.mp3"), music_dir.join("song.mp3")).expect("copy");
    let tonearm = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tonearm"))
            .arg("--data-dir")
            .arg(data.path().join("lib"))
            .args(args)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    tonearm(&["folders", "add", music_dir.to_str().expect("utf-8")]);
    tonearm(&["scan"]);
    let tracks: serde_json::Value =
        serde_json::from_str(&tonearm(&["tracks", "--json"])).expect("json");
    let id = tracks["items"][0]["id"].as_str().expect("id").to_owned();
    let (captured, stderr, ok) = play(&[&id], &data.path().join("lib"));
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("playing: Beyoncé; Sigur Rós — Naïve Mélodie"),
        "{stderr}"
    );
    assert!((frequency(music(&captured)) - 400.0).abs() < 4.0);
    let tracks: serde_json::Value =
        serde_json::from_str(&tonearm(&["tracks", "--json"])).expect("json");
    assert_eq!(tracks["items"][0]["play_count"], 1);
}

#[test]
fn with_no_sound_output_play_says_what_to_do_in_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A default device naming a card that does not exist: no sound output, on any machine.
    let conf = tonearm_testkit::sound::missing_card_alsa_config(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_tonearm"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("play")
        .arg(fixtures().join("tagged.flac"))
        .env(
            "ALSA_CONFIG_PATH",
            format!("/usr/share/alsa/alsa.conf:{}", conf.display()),
        )
        .output()
        .expect("tonearm runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // (ALSA itself may say more before; Tonearm's own words are its last line.)
    assert_eq!(
        stderr.lines().last(),
        Some(
            "tonearm: error: no sound output is available: connect speakers or headphones, \
             or check the system's sound settings"
        ),
        "{stderr}"
    );
}
