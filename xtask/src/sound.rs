//! A sound card for `cargo xtask run` on a machine without one, so the app can play (the
//! demo's songs, its cloud streaming) and what it played can be listened to afterwards.
//!
//! The virtual outputs the tests use: a PulseAudio server of our own with a null sink, which
//! keeps real time as a sound card does (the media keys test's), recorded to a WAV file by
//! `parecord`; the app reaches it through ALSA's pulse plug-in. Where PulseAudio cannot run,
//! ALSA's file plug-in writes the WAV instead (the end-to-end tests' sound card; not in real
//! time: the music goes through in a moment). Another `cargo xtask run` at the same time
//! plays into the same one. Nothing changes where a sound card or a sound server
//! (PulseAudio, PipeWire) is there, or where `ALSA_CONFIG_PATH` already says where sound goes.

use anyhow::{Context, Result, bail};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What the virtual output needs installed (Debian names).
pub const PACKAGES: &[&str] = &["pulseaudio", "pulseaudio-utils", "libasound2-plugins"];

/// The system's ALSA configuration, read before ours.
const SYSTEM_ALSA_CONFIG: &str = "/usr/share/alsa/alsa.conf";

/// What the machine has for sound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Machine {
    /// `/proc/asound/cards`, when it exists.
    pub cards: Option<String>,
    /// Whether `aplay -l` succeeded (`None`: no `aplay`).
    pub aplay_lists: Option<bool>,
    /// Whether a PulseAudio or PipeWire server answers on its socket.
    pub sound_server: bool,
    /// Whether `ALSA_CONFIG_PATH` is set: the user already said where sound goes.
    pub alsa_configured: bool,
}

impl Machine {
    /// Looks at this machine (Linux; elsewhere the OS always has an output).
    pub fn probe() -> Self {
        if !cfg!(target_os = "linux") {
            return Self {
                sound_server: true,
                ..Self::default()
            };
        }
        let aplay_lists = Command::new("aplay")
            .arg("-l")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()
            .map(|status| status.success());
        Self {
            cards: std::fs::read_to_string("/proc/asound/cards").ok(),
            aplay_lists,
            sound_server: server_sockets().iter().any(|path| answers(path)),
            alsa_configured: std::env::var_os("ALSA_CONFIG_PATH").is_some_and(|v| !v.is_empty()),
        }
    }

    /// Whether a sound card is there: the kernel lists one, and `aplay` (when present) too.
    pub fn has_sound_card(&self) -> bool {
        self.cards.as_deref().is_some_and(lists_a_card) && self.aplay_lists != Some(false)
    }

    /// Whether the app needs a virtual output to play at all.
    pub fn needs_virtual_output(&self) -> bool {
        !self.alsa_configured && !self.sound_server && !self.has_sound_card()
    }
}

/// Whether `/proc/asound/cards` lists a card (` 0 [PCH ]: HDA-Intel - ...`; with none, it
/// says `--- no soundcards ---`).
fn lists_a_card(cards: &str) -> bool {
    cards
        .lines()
        .any(|line| line.trim_start().starts_with(|c: char| c.is_ascii_digit()))
}

/// Where a PulseAudio or PipeWire server of this user (or the system's) listens.
fn server_sockets() -> Vec<PathBuf> {
    let mut sockets = Vec::new();
    if let Ok(server) = std::env::var("PULSE_SERVER") {
        let path = server.strip_prefix("unix:").unwrap_or(&server);
        if path.starts_with('/') {
            sockets.push(PathBuf::from(path));
        }
    }
    if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        let runtime = PathBuf::from(runtime);
        sockets.push(runtime.join("pulse/native"));
        sockets.push(runtime.join("pipewire-0"));
    }
    sockets.push(PathBuf::from("/run/pulse/native"));
    sockets.push(PathBuf::from("/var/run/pulse/native"));
    sockets
}

/// Whether something accepts connections on the Unix socket `path` (a stale socket file of a
/// server that is gone does not).
#[cfg(unix)]
fn answers(path: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(path).is_ok()
}

#[cfg(not(unix))]
fn answers(_path: &Path) -> bool {
    false
}

/// ALSA's default device through the pulse plug-in (to the server in `PULSE_SERVER`).
pub fn pulse_alsa_config() -> &'static str {
    "pcm.!default { type pulse }\nctl.!default { type pulse }\n"
}

/// ALSA's default device writing what it plays to `wav` (44.1 kHz, 16-bit stereo), not paced.
pub fn capture_alsa_config(wav: &Path) -> String {
    format!(
        "pcm.!default {{ type plug; slave {{ pcm \"capture_file\"; format S16_LE; rate 44100; channels 2 }} }}\n\
         pcm.capture_file {{ type file; slave.pcm {{ type null }}; file \"{}\"; format \"wav\" }}\n",
        wav.display()
    )
}

/// `ALSA_CONFIG_PATH` for the system's configuration followed by `ours`.
fn alsa_config_path(ours: &Path) -> OsString {
    let mut path = OsString::from(SYSTEM_ALSA_CONFIG);
    path.push(":");
    path.push(ours);
    path
}

/// The environment that plays into the PulseAudio server on `socket`, through the ALSA
/// configuration in `dir`.
fn pulse_env(dir: &Path, socket: &Path) -> Vec<(&'static str, OsString)> {
    let mut server = OsString::from("unix:");
    server.push(socket);
    vec![
        ("ALSA_CONFIG_PATH", alsa_config_path(&dir.join("alsa.conf"))),
        ("PULSE_SERVER", server),
    ]
}

/// How the app plays without a sound card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A PulseAudio null sink: real time, recorded by `parecord`.
    Pulse,
    /// ALSA's file plug-in: not paced.
    CaptureFile,
}

/// A running virtual output: the environment to start the app with, and where its sound
/// goes. The PulseAudio server and the recorder stop when it is dropped (the recording is
/// closed first, so the WAV is complete).
#[derive(Debug)]
pub struct VirtualOutput {
    pub kind: Kind,
    pub recording: PathBuf,
    env: Vec<(&'static str, OsString)>,
    recorder: Option<Child>,
    server: Option<Child>,
}

impl VirtualOutput {
    /// Starts one in `dir` (emptied first), PulseAudio when it can, else the ALSA file. When
    /// another `cargo xtask run` already plays into `dir`'s, this app shares it.
    pub fn start(dir: &Path) -> Result<Self> {
        let socket = dir.join("pulse/native");
        if answers(&socket) {
            return Ok(Self {
                kind: Kind::Pulse,
                recording: dir.join("played.wav"),
                env: pulse_env(dir, &socket),
                recorder: None,
                server: None,
            });
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot empty {}", dir.display()))?;
        }
        std::fs::create_dir_all(dir)?;
        match Self::start_pulse(dir) {
            Ok(output) => Ok(output),
            Err(error) => {
                eprintln!("the virtual sound card cannot use PulseAudio ({error:#})");
                Self::capture_file(dir)
            }
        }
    }

    /// A null sink of a PulseAudio server of our own, recorded by `parecord`.
    fn start_pulse(dir: &Path) -> Result<Self> {
        let runtime = dir.join("pulse");
        std::fs::create_dir_all(&runtime)?;
        let server = Command::new("pulseaudio")
            .args([
                "--daemonize=no",
                "-n",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--load=module-null-sink sink_name=tonearm rate=44100 \
                 sink_properties=device.description=Tonearm-virtual-output",
                "--load=module-native-protocol-unix",
            ])
            .env("HOME", dir)
            .env("XDG_RUNTIME_DIR", dir)
            .env("PULSE_RUNTIME_PATH", &runtime)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start pulseaudio")?;
        let socket = runtime.join("native");
        // Owns the server from here: dropped on failure, it stops it.
        let mut output = Self {
            kind: Kind::Pulse,
            recording: dir.join("played.wav"),
            env: pulse_env(dir, &socket),
            recorder: None,
            server: Some(server),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !answers(&socket) {
            if let Some(server) = output.server.as_mut()
                && let Ok(Some(status)) = server.try_wait()
            {
                bail!("pulseaudio stopped ({status})");
            }
            if Instant::now() > deadline {
                bail!("pulseaudio did not open {}", socket.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let recorder = Command::new("parecord")
            .args([
                "--device=tonearm.monitor",
                "--file-format=wav",
                "--format=s16le",
                "--rate=44100",
                "--channels=2",
                // Small reads: the file follows what plays, and little is lost at the end.
                "--latency-msec=50",
            ])
            .arg(&output.recording)
            .envs(
                output
                    .env
                    .iter()
                    .filter(|(name, _)| *name == "PULSE_SERVER")
                    .cloned(),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start parecord")?;
        output.recorder = Some(recorder);
        std::fs::write(dir.join("alsa.conf"), pulse_alsa_config())?;
        Ok(output)
    }

    /// ALSA's file plug-in: needs nothing running.
    fn capture_file(dir: &Path) -> Result<Self> {
        let recording = dir.join("played.wav");
        let conf = dir.join("alsa.conf");
        std::fs::write(&conf, capture_alsa_config(&recording))?;
        Ok(Self {
            kind: Kind::CaptureFile,
            env: vec![("ALSA_CONFIG_PATH", alsa_config_path(&conf))],
            recording,
            recorder: None,
            server: None,
        })
    }

    /// Gives `command` (the app) this output.
    pub fn apply(&self, command: &mut Command) {
        for (name, value) in &self.env {
            command.env(name, value);
        }
    }

    /// The line that tells the user where the sound goes.
    pub fn describe(&self) -> String {
        match self.kind {
            Kind::Pulse => format!(
                "no sound card: playing into a virtual output (PulseAudio null sink), recorded to {}",
                self.recording.display()
            ),
            Kind::CaptureFile => format!(
                "no sound card: playing into a virtual output recorded to {} (not in real time: \
                 install pulseaudio for that)",
                self.recording.display()
            ),
        }
    }
}

impl Drop for VirtualOutput {
    fn drop(&mut self) {
        // parecord writes the WAV's sizes when it is interrupted, not when it is killed.
        if let Some(mut recorder) = self.recorder.take() {
            let interrupted = Command::new("kill")
                .args(["-INT", &recorder.id().to_string()])
                .status()
                .is_ok_and(|status| status.success());
            let deadline = Instant::now() + Duration::from_secs(5);
            while interrupted && Instant::now() < deadline {
                if !matches!(recorder.try_wait(), Ok(None)) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = recorder.kill();
            let _ = recorder.wait();
        }
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, Machine, VirtualOutput, capture_alsa_config, pulse_alsa_config};
    use std::path::Path;

    const NO_CARDS: &str = "--- no soundcards ---\n";
    const ONE_CARD: &str = " 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n                      HDA Intel PCH at 0xf7f10000 irq 32\n";

    #[test]
    fn a_virtual_output_only_where_nothing_else_can_play() {
        let machine =
            |cards: Option<&str>, aplay: Option<bool>, server: bool, configured: bool| Machine {
                cards: cards.map(str::to_owned),
                aplay_lists: aplay,
                sound_server: server,
                alsa_configured: configured,
            };
        for (case, wanted) in [
            // This project's machines: no ALSA in the kernel, or no cards, and no server.
            (machine(None, None, false, false), true),
            (machine(Some(NO_CARDS), None, false, false), true),
            (machine(Some(NO_CARDS), Some(false), false, false), true),
            (machine(Some(""), Some(false), false, false), true),
            // The kernel lists a card that ALSA cannot open.
            (machine(Some(ONE_CARD), Some(false), false, false), true),
            // A real sound card.
            (machine(Some(ONE_CARD), Some(true), false, false), false),
            (machine(Some(ONE_CARD), None, false, false), false),
            // A sound server plays (to a card, a network sink, Bluetooth...).
            (machine(None, None, true, false), false),
            (machine(Some(NO_CARDS), Some(false), true, false), false),
            // The user already said where sound goes.
            (machine(None, None, false, true), false),
        ] {
            assert_eq!(case.needs_virtual_output(), wanted, "{case:?}");
        }
    }

    #[test]
    fn the_alsa_configurations_send_the_default_device_where_they_say() {
        assert_eq!(
            pulse_alsa_config(),
            "pcm.!default { type pulse }\nctl.!default { type pulse }\n"
        );
        let capture = capture_alsa_config(Path::new("/tmp/run/played.wav"));
        assert!(capture.starts_with("pcm.!default { type plug; slave { pcm \"capture_file\"; format S16_LE; rate 44100; channels 2 } }\n"), "{capture}");
        assert!(
            capture.contains(
                "pcm.capture_file { type file; slave.pcm { type null }; file \"/tmp/run/played.wav\"; format \"wav\" }"
            ),
            "{capture}"
        );
    }

    #[test]
    fn the_capture_file_output_is_configured_for_the_app() {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = VirtualOutput::capture_file(dir.path()).expect("configured");
        assert_eq!(output.kind, Kind::CaptureFile);
        assert_eq!(output.recording, dir.path().join("played.wav"));
        let mut command = std::process::Command::new("true");
        output.apply(&mut command);
        let env: Vec<_> = command.get_envs().collect();
        let conf = dir.path().join("alsa.conf");
        assert_eq!(
            env,
            vec![(
                std::ffi::OsStr::new("ALSA_CONFIG_PATH"),
                Some(
                    std::ffi::OsString::from(format!(
                        "/usr/share/alsa/alsa.conf:{}",
                        conf.display()
                    ))
                    .as_os_str()
                )
            )]
        );
        assert_eq!(
            std::fs::read_to_string(&conf).expect("written"),
            capture_alsa_config(&output.recording)
        );
        assert!(
            output
                .describe()
                .contains(&output.recording.display().to_string())
        );
    }

    /// A 16-bit stereo WAV of a 440 Hz tone, `seconds` long.
    fn tone(path: &Path, seconds: f64) {
        let frames = (44_100.0 * seconds) as u32;
        let mut bytes = b"RIFF".to_vec();
        bytes.extend_from_slice(&(36 + frames * 4).to_le_bytes());
        bytes.extend_from_slice(b"WAVEfmt ");
        // Chunk size; PCM, 2 channels; rate; bytes per second; 4 bytes a frame, 16 bits.
        for field in [16u32, 0x0002_0001, 44_100, 44_100 * 4, 0x0010_0004] {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&(frames * 4).to_le_bytes());
        for i in 0..frames {
            let t = f64::from(i) / 44_100.0;
            let sample = ((t * 440.0 * std::f64::consts::TAU).sin() * 12_000.0) as i16;
            bytes.extend_from_slice(&sample.to_le_bytes());
            bytes.extend_from_slice(&sample.to_le_bytes());
        }
        std::fs::write(path, bytes).expect("tone written");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_pulseaudio_output_keeps_what_was_played_in_a_complete_wav() {
        // PulseAudio is installed by `cargo xtask test` (the media keys test needs it too).
        let dir = tempfile::tempdir().expect("temp dir");
        let output = VirtualOutput::start_pulse(&dir.path().join("sound")).expect("pulseaudio");
        // A second `cargo xtask run` plays into the same one, owning nothing.
        let second = VirtualOutput::start(&dir.path().join("sound")).expect("shared");
        assert!(second.server.is_none() && second.recorder.is_none());
        assert_eq!(
            (second.kind, &second.recording, &second.env),
            (output.kind, &output.recording, &output.env)
        );
        let played = dir.path().join("tone.wav");
        tone(&played, 0.5);
        // The recorder is connected once silence reaches the file.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::fs::metadata(&output.recording).map_or(0, |m| m.len()) < 44 + 4 * 441 {
            assert!(
                std::time::Instant::now() < deadline,
                "parecord never recorded"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let mut paplay = std::process::Command::new("paplay");
        paplay.arg("--device=tonearm").arg(&played);
        second.apply(&mut paplay);
        let status = paplay.status().expect("paplay runs");
        assert!(status.success(), "paplay: {status}");
        std::thread::sleep(std::time::Duration::from_millis(200));
        let recording = output.recording.clone();
        drop(second);
        drop(output);

        let bytes = std::fs::read(&recording).expect("the recording");
        let data = bytes
            .windows(4)
            .position(|w| w == b"data")
            .expect("a data chunk")
            + 8;
        let declared = u32::from_le_bytes(bytes[data - 4..data].try_into().expect("4 bytes"));
        assert_eq!(
            declared as usize,
            bytes.len() - data,
            "the WAV's header was completed"
        );
        let loud = bytes[data..]
            .chunks_exact(4)
            .filter(|frame| i16::from_le_bytes([frame[0], frame[1]]).unsigned_abs() > 6_000)
            .count();
        assert!(
            loud > 44_100 / 10,
            "the tone was recorded: {loud} loud frames of {}",
            (bytes.len() - data) / 4
        );
    }
}
