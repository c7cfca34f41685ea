//! `tonearm play` in real time, driven through the OS media controls: a private D-Bus
//! session bus carries MPRIS calls (what media keys and desktop widgets send), and a
//! PulseAudio null sink, recorded with `parecord`, is the sound card that keeps time.

use super::play::{fixtures, frequency, music};
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tonearm_testkit::wav::write_tone;

/// A child process killed when dropped.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private D-Bus session bus; returns it and its address.
fn session_bus() -> (Daemon, String) {
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon runs (apt package dbus)");
    let mut address = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut address)
        .expect("the bus address");
    (Daemon(child), address.trim().to_owned())
}

/// A PulseAudio server with one null sink named `capture`; returns it and its socket path.
fn pulse(dir: &Path) -> (Daemon, String) {
    let runtime = dir.join("pulse");
    std::fs::create_dir_all(&runtime).expect("runtime dir");
    let child = Command::new("pulseaudio")
        .args([
            "--daemonize=no",
            "-n",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "--load=module-null-sink sink_name=capture rate=44100",
            "--load=module-native-protocol-unix",
        ])
        .env("HOME", dir)
        .env("XDG_RUNTIME_DIR", dir)
        .env("PULSE_RUNTIME_PATH", &runtime)
        .stderr(Stdio::null())
        .spawn()
        .expect("pulseaudio runs (apt package pulseaudio)");
    let socket = runtime.join("native");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(Instant::now() < deadline, "PulseAudio did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Daemon(child), format!("unix:{}", socket.display()))
}

/// An MPRIS property of the player at `dest`, as `dbus-send` prints it (`None` until the
/// player is on the bus).
fn property(bus: &str, dest: &str, name: &str) -> Option<String> {
    let out = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            &format!("--dest={dest}"),
            "/org/mpris/MediaPlayer2",
            "org.freedesktop.DBus.Properties.Get",
            "string:org.mpris.MediaPlayer2.Player",
            &format!("string:{name}"),
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()
        .expect("dbus-send runs");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Calls an MPRIS method, as a media key does.
fn press(bus: &str, dest: &str, method: &str) {
    let status = Command::new("dbus-send")
        .args([
            "--session",
            "--type=method_call",
            &format!("--dest={dest}"),
            "/org/mpris/MediaPlayer2",
            &format!("org.mpris.MediaPlayer2.Player.{method}"),
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .status()
        .expect("dbus-send runs");
    assert!(status.success(), "{method}");
}

fn wait_for_property(bus: &str, dest: &str, name: &str, wanted: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let value = property(bus, dest, name);
        if let Some(value) = value.as_ref().filter(|v| v.contains(wanted)) {
            return value.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{name} never showed {wanted}: {value:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The int64 in a `Position` reply.
fn microseconds(reply: &str) -> i64 {
    reply
        .split_whitespace()
        .skip_while(|word| *word != "int64")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(-1)
}

#[test]
fn media_keys_pause_resume_and_skip_while_the_os_sees_what_plays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_bus, bus) = session_bus();
    let (_pulse, server) = pulse(dir.path());
    let conf = dir.path().join("pulse.conf");
    std::fs::write(
        &conf,
        "pcm.!default { type pulse }\nctl.!default { type pulse }\n",
    )
    .expect("alsa config");
    let recording = dir.path().join("heard.raw");
    let _recorder = Daemon(
        Command::new("parecord")
            .args([
                "--device=capture.monitor",
                "--raw",
                "--format=s16le",
                "--rate=44100",
                "--channels=2",
                "--latency-msec=20",
            ])
            .arg(&recording)
            .env("PULSE_SERVER", &server)
            .spawn()
            .expect("parecord runs (apt package pulseaudio-utils)"),
    );
    let long = dir.path().join("long.wav");
    write_tone(&long, 440.0, 4.0, 0.5);
    // The second track is a library track, so it has a cover to show.
    let data = dir.path().join("data");
    let music_dir = dir.path().join("Music");
    std::fs::create_dir_all(&music_dir).expect("music dir");
    std::fs::copy(
        fixtures().join("tagged.flac"),
        music_dir.join("tagged.flac"),
    )
    .expect("copy");
    let tonearm_cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tonearm"))
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .output()
            .expect("tonearm runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    tonearm_cli(&["folders", "add", music_dir.to_str().expect("utf-8")]);
    tonearm_cli(&["scan"]);
    let tracks: serde_json::Value =
        serde_json::from_str(&tonearm_cli(&["tracks", "--json"])).expect("json");
    let flac = tracks["items"][0]["id"].as_str().expect("id").to_owned();
    let tonearm = Command::new(env!("CARGO_BIN_EXE_tonearm"))
        .arg("--data-dir")
        .arg(&data)
        .arg("play")
        .arg(&long)
        .arg(&flac)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .env("PULSE_SERVER", &server)
        .env(
            "ALSA_CONFIG_PATH",
            format!("/usr/share/alsa/alsa.conf:{}", conf.display()),
        )
        .stderr(Stdio::piped())
        .spawn()
        .expect("tonearm runs");
    let mut tonearm = Daemon(tonearm);
    let dest = format!(
        "org.mpris.MediaPlayer2.tonearm.cli.instance{}",
        tonearm.0.id()
    );

    wait_for_property(&bus, &dest, "PlaybackStatus", "Playing");
    let metadata = wait_for_property(&bus, &dest, "Metadata", "long.wav");
    assert!(metadata.contains("mpris:length"), "{metadata}");

    // The ALSA plug-in for PulseAudio can take a moment to start: wait until the position
    // moves, then play on for about a second.
    let deadline = Instant::now() + Duration::from_secs(10);
    while microseconds(&property(&bus, &dest, "Position").unwrap_or_default()) < 200_000 {
        assert!(Instant::now() < deadline, "the position never moved");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(800));
    press(&bus, &dest, "Pause");
    wait_for_property(&bus, &dest, "PlaybackStatus", "Paused");
    std::thread::sleep(Duration::from_millis(300));
    let held = microseconds(&property(&bus, &dest, "Position").expect("position"));
    std::thread::sleep(Duration::from_millis(1_500));
    let still = microseconds(&property(&bus, &dest, "Position").expect("position"));
    assert!(held > 500_000 && held < 2_000_000, "paused at {held} µs");
    assert_eq!(held, still, "the position moved while paused");

    press(&bus, &dest, "Play");
    wait_for_property(&bus, &dest, "PlaybackStatus", "Playing");
    std::thread::sleep(Duration::from_millis(500));
    press(&bus, &dest, "Next");
    let metadata = wait_for_property(&bus, &dest, "Metadata", "Füße im Schnee");
    assert!(metadata.contains("mpris:artUrl"), "{metadata}");
    assert!(
        metadata.contains("file:///"),
        "the cover is a local file: {metadata}"
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = tonearm.0.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "tonearm play did not finish");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    if let Some(mut err) = tonearm.0.stderr.take() {
        std::io::Read::read_to_string(&mut err, &mut stderr).expect("stderr");
    }
    assert!(status.success(), "{stderr}");
    std::thread::sleep(Duration::from_millis(300));

    // What the sound card heard, in real time: the tone, a pause of about 1.8 s, the tone
    // again (cut short by Next), then the FLAC's 500 Hz to its end.
    let bytes = std::fs::read(&recording).expect("recording");
    let left: Vec<i16> = bytes
        .chunks_exact(4)
        .map(|frame| i16::from_le_bytes([frame[0], frame[1]]))
        .collect();
    let heard = music(&left);
    let quiet = heard
        .split(|s| s.unsigned_abs() > 8)
        .map(<[i16]>::len)
        .max()
        .unwrap_or(0) as f64
        / 44_100.0;
    assert!(quiet > 1.4 && quiet < 2.6, "the pause lasted {quiet:.2} s");
    let ending = &heard[heard.len().saturating_sub(30_000)..heard.len() - 2_000];
    assert!((frequency(ending) - 500.0).abs() < 5.0, "ended on the FLAC");
    let opening = &heard[2_000..20_000];
    assert!(
        (frequency(opening) - 440.0).abs() < 5.0,
        "started on the tone"
    );
}
