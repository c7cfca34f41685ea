//! A locker server with a user, devices with their own libraries, and audio files to fill
//! them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tempfile::TempDir;
use tonearm_library::{Library, ScanControl, Track};
use tonearm_server::{Config, RunningServer};
use tonearm_sync::{Cloud, Settings};

pub const PASSWORD: &str = "correct horse battery staple";

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/audio")
}

/// A server with its own data directory, restartable on the same address.
pub struct Server {
    pub running: Option<RunningServer>,
    pub config: Config,
    _dir: TempDir,
}

impl Server {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::new(dir.path().join("data"));
        config.listen = "127.0.0.1:0".parse::<SocketAddr>().expect("address");
        config.maintenance_interval = None;
        let running = tonearm_server::spawn(config.clone())
            .await
            .expect("server starts");
        // Restarts come back on the same port, as a real server would.
        config.listen = running.addr();
        Self {
            running: Some(running),
            config,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.config.listen)
    }

    pub async fn add_user(&self, name: &str) {
        let store = self.running.as_ref().expect("running").store();
        tonearm_server::users::add(&*store, name, PASSWORD)
            .await
            .expect("user added");
    }

    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }

    pub async fn start_again(&mut self) {
        self.running = Some(
            tonearm_server::spawn(self.config.clone())
                .await
                .expect("server restarts"),
        );
    }
}

/// One device: a data directory, its library, its cloud client.
pub struct Device {
    pub dir: TempDir,
    pub library: Arc<Library>,
    pub cloud: Arc<Cloud>,
}

impl Device {
    pub fn new() -> Self {
        Self::with_settings(Settings::default())
    }

    pub fn with_settings(settings: Settings) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let library =
            Arc::new(Library::open(dir.path(), &dir.path().join("cache")).expect("library opens"));
        let cloud = open_cloud(dir.path(), library.clone(), settings);
        Self {
            dir,
            library,
            cloud,
        }
    }

    /// The same device after a restart: library and cloud client opened again.
    pub fn restart(&mut self, settings: Settings) {
        self.library = Arc::new(
            Library::open(self.dir.path(), &self.dir.path().join("cache")).expect("library opens"),
        );
        self.cloud = open_cloud(self.dir.path(), self.library.clone(), settings);
    }

    /// Copies `files` into the device's music folder and scans it.
    pub fn add_music(&self, files: &[PathBuf]) {
        let music = self.dir.path().join("Music");
        std::fs::create_dir_all(&music).expect("music folder");
        for file in files {
            std::fs::copy(file, music.join(file.file_name().expect("name"))).expect("copy");
        }
        if self.library.folders().expect("folders").is_empty() {
            self.library.add_folder(&music).expect("folder added");
        }
        let cancel = AtomicBool::new(false);
        self.library
            .scan(&ScanControl {
                cancel: &cancel,
                progress: &|_| {},
            })
            .expect("scan");
    }

    pub fn tracks(&self) -> Vec<Track> {
        self.library
            .tracks(&Default::default(), Default::default(), false, 0, 1_000)
            .expect("tracks")
            .items
    }

    pub async fn login(&self, server: &Server, user: &str) {
        self.cloud
            .login(&server.url(), user, PASSWORD)
            .await
            .expect("login");
    }
}

pub fn open_cloud(dir: &Path, library: Arc<Library>, settings: Settings) -> Arc<Cloud> {
    let settings = Settings {
        use_keychain: false,
        ..settings
    };
    Cloud::open(library, dir, &dir.join("cache"), settings).expect("cloud opens")
}

/// `count` WAVs in `dir` (`tone0.wav`...), each `seconds` long at its own pitch: `base_hz`,
/// then `step_hz` higher each.
pub fn write_tones(
    dir: &Path,
    count: usize,
    base_hz: f64,
    step_hz: f64,
    seconds: f64,
) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let path = dir.join(format!("tone{i}.wav"));
            write_wav(&path, base_hz + step_hz * i as f64, seconds);
            path
        })
        .collect()
}

/// Writes a mono 16-bit 44.1 kHz WAV of `seconds` of a tone, tagged with nothing: a file the
/// size of a real track.
pub fn write_wav(path: &Path, hz: f64, seconds: f64) {
    let frames = (seconds * 44_100.0) as u32;
    let mut bytes = Vec::with_capacity(44 + frames as usize * 2);
    for part in [
        &b"RIFF"[..],
        &(36 + frames * 2).to_le_bytes(),
        b"WAVEfmt ",
        &16u32.to_le_bytes(),
        &1u16.to_le_bytes(),
        &1u16.to_le_bytes(),
        &44_100u32.to_le_bytes(),
        &88_200u32.to_le_bytes(),
        &2u16.to_le_bytes(),
        &16u16.to_le_bytes(),
        b"data",
        &(frames * 2).to_le_bytes(),
    ] {
        bytes.extend_from_slice(part);
    }
    for i in 0..frames {
        let t = f64::from(i) / 44_100.0;
        let sample = (0.4 * (2.0 * std::f64::consts::PI * hz * t).sin() * 32_767.0) as i16;
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, bytes).expect("write the tone");
}

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
