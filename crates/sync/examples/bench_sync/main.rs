//! Sync benchmark (`cargo xtask bench sync`), against a real `tonearm-server` on loopback:
//!
//! - uploading a 1 GB library (hash + match + upload, 3 at once);
//! - `play` on a cloud-only track to the first sample at the output, and a seek into a part
//!   not cached yet, through the whole player engine (virtual sound card, 10 ms periods);
//! - "Download my library" of that 1 GB on three new devices in turn (range GET, BLAKE3,
//!   adoption), with the median;
//! - a sync with nothing changed, for a device with 10,000 tracks in the cloud;
//! - the first sync of a new device from a 100,000-track account, browsed while it runs
//!   (`first_sync`).
//!
//! Release build; one line per figure. Files go to a temporary directory (about 2 GB with
//! the server's copy and the restored one), removed at the end. Arguments name the parts to
//! run (`transfers`, `first-sync`); none runs them all. `first-sync-reference` runs the first
//! sync as it was before issue 18 too, first (about ten minutes at 100,000 tracks).
//! `RUST_LOG=tonearm_sync=debug` prints the sync's timings of each page of the change feed.

mod first_sync;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonearm_library::cloud::CloudMetadata;
use tonearm_library::{Library, TrackId};
use tonearm_player::catalog::{Catalog, OpenTrack, Playable, TrackInfo};
use tonearm_player::gain::TrackGain;
use tonearm_player::output::RecordingDevice;
use tonearm_player::source::ReaderSource;
use tonearm_player::{Command, Player, PlayerError, PlayerEvent};
use tonearm_sync::{Cloud, Settings, Until};
use tonearm_testkit::device::open_cloud;
use tonearm_testkit::locker::{Locker, PASSWORD};
use tonearm_testkit::wav::write_noise;

fn device(root: &Path, name: &str) -> (Arc<Library>, Arc<Cloud>) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("device dir");
    let library = Arc::new(Library::open(&dir, &dir.join("cache")).expect("library"));
    let cloud = open_cloud(&dir, library.clone(), Settings::default());
    (library, cloud)
}

#[derive(Debug, Clone, PartialEq)]
struct Item(TrackId);

impl Playable for Item {
    fn album(&self) -> Option<&tonearm_player::catalog::AlbumPosition> {
        None
    }
}

struct CloudCatalog(Arc<Cloud>, tokio::runtime::Handle);

impl Catalog for CloudCatalog {
    type Item = Item;
    fn open(&self, item: &Item) -> Result<OpenTrack, PlayerError> {
        let reader = self
            .0
            .open_track(item.0, self.1.clone())
            .map_err(|e| PlayerError::Unavailable(e.to_string()))?;
        let len = reader.len();
        Ok(OpenTrack {
            source: Box::new(ReaderSource::new(reader, Some(len))),
            extension: Some("wav".into()),
            info: TrackInfo::default(),
            gain: TrackGain::default(),
        })
    }
}

fn wait_started(events: &std::sync::mpsc::Receiver<PlayerEvent<Item>>) {
    loop {
        match events
            .recv_timeout(Duration::from_secs(10))
            .expect("the engine answers")
        {
            PlayerEvent::Started { .. } => return,
            PlayerEvent::Error { message, .. } => panic!("{message}"),
            _ => {}
        }
    }
}

fn main() {
    // `RUST_LOG=tonearm_sync=debug` shows the sync's own timings (a line per page of the feed).
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let work = tempfile::tempdir().expect("temp dir");
    let parts: Vec<String> = std::env::args().skip(1).collect();
    let wanted = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    if let Some(unknown) = parts
        .iter()
        .find(|p| !["transfers", "first-sync", "first-sync-reference"].contains(&p.as_str()))
    {
        panic!("unknown part {unknown}: transfers, first-sync, first-sync-reference");
    }
    if wanted("transfers") {
        transfers(&runtime, work.path());
    }
    let reference = parts.iter().any(|p| p == "first-sync-reference");
    if wanted("first-sync") || reference {
        first_sync::run(&runtime, work.path(), reference);
    }
}

/// Upload, play and seek, restore, and the no-op sync.
fn transfers(runtime: &tokio::runtime::Runtime, root: &Path) {
    let mut server = runtime.block_on(Locker::start());
    runtime.block_on(server.add_user("ann"));
    let url: tonearm_sync::ServerUrl = server.url().parse().expect("a server address");

    // 1 GB library: 100 tracks of 10.6 MB (1 minute of CD audio each).
    let music = root.join("music");
    std::fs::create_dir_all(&music).expect("music");
    for i in 0..100 {
        write_noise(&music.join(format!("track{i:03}.wav")), i, 60.0);
    }
    let (library, cloud) = device(root, "a");
    library.add_folder(&music).expect("folder");
    tonearm_testkit::library::scan(&library);
    let bytes: u64 = (0..100)
        .map(|i| std::fs::metadata(music.join(format!("track{i:03}.wav"))).map_or(0, |m| m.len()))
        .sum();
    runtime
        .block_on(cloud.login(&url, "ann", PASSWORD))
        .expect("login");
    cloud.queue_all().expect("queue");
    let started = Instant::now();
    runtime.block_on(cloud.run_uploads(3, Until::Idle));
    let took = started.elapsed().as_secs_f64();
    let totals = library.cloud_totals().expect("totals");
    assert_eq!(totals.in_cloud, 100, "{totals:?}");
    println!(
        "upload of a {:.2} GB library (hash + match + upload, 3 at once): {:.1} s, {:.0} MB/s",
        bytes as f64 / 1e9,
        took,
        bytes as f64 / 1e6 / took
    );

    // Play and seek on a device that has never cached anything.
    let (listener_library, listener) = device(root, "b");
    runtime
        .block_on(listener.login(&url, "ann", PASSWORD))
        .expect("login");
    runtime.block_on(listener.sync()).expect("sync");
    let ids: Vec<TrackId> = listener_library
        .tracks(&Default::default(), Default::default(), false, 0, 200)
        .expect("tracks")
        .items
        .iter()
        .map(|t| t.id)
        .collect();
    let sound_card = RecordingDevice::new(1.0);
    let player = Player::spawn(
        CloudCatalog(listener.clone(), runtime.handle().clone()),
        Box::new(sound_card),
    )
    .expect("engine");
    let events = player.subscribe();
    let mut firsts = Vec::new();
    let mut seeks = Vec::new();
    for id in ids.iter().take(30) {
        let started = Instant::now();
        player.send(Command::Play {
            items: vec![Item(*id)],
            start: 0,
        });
        wait_started(&events);
        firsts.push(started.elapsed());
        let started = Instant::now();
        player.send(Command::Seek(Duration::from_secs(45)));
        wait_started(&events);
        seeks.push(started.elapsed());
        player.send(Command::Stop);
    }
    firsts.sort();
    seeks.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "play of a cloud-only track to the first sample at the output (cold cache): median {:.1} ms, max {:.1} ms",
        ms(firsts[firsts.len() / 2]),
        ms(firsts[firsts.len() - 1])
    );
    println!(
        "seek into an uncached part of a cloud-only track to the first sample: median {:.1} ms, max {:.1} ms",
        ms(seeks[seeks.len() / 2]),
        ms(seeks[seeks.len() - 1])
    );
    drop(player);

    // "Download my library" on a new device: every byte fetched, verified and adopted. Three
    // new devices, one after the other: the machine's own variation is larger than a change.
    let mut rates = Vec::new();
    for run in 0..3 {
        let name = format!("d{run}");
        let (restored_library, restorer) = device(root, &name);
        runtime
            .block_on(restorer.login(&url, "ann", PASSWORD))
            .expect("login");
        runtime.block_on(restorer.sync()).expect("sync");
        let started = Instant::now();
        let report = runtime
            .block_on(restorer.download(
                None,
                &root.join("restored"),
                &|_| {},
                &tonearm_sync::Cancel::default(),
            ))
            .expect("download");
        let took = started.elapsed().as_secs_f64();
        assert_eq!(report.downloaded.len(), 100, "{:?}", report.failed);
        assert_eq!(
            restored_library.stats().expect("stats").cloud,
            0,
            "every song is this device's"
        );
        let rate = report.bytes_fetched as f64 / 1e6 / took;
        println!(
            "restore of the {:.2} GB library on a new device (range GET + BLAKE3 + adoption), run {}: {took:.1} s, {rate:.0} MB/s",
            report.bytes_fetched as f64 / 1e9,
            run + 1,
        );
        rates.push(rate);
        drop((restorer, restored_library));
        std::fs::remove_dir_all(root.join("restored")).ok();
        std::fs::remove_dir_all(root.join(&name)).ok();
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "restore: median {:.0} MB/s (min {:.0}, max {:.0})",
        rates[1], rates[0], rates[2]
    );

    // A sync with nothing changed, for a device whose 10,000 tracks are all in the cloud.
    // The tracks are recorded as uploaded (hash and metadata the cloud has) rather than sent,
    // which is what a no-op sync reads; the server's feed is empty for it either way.
    let small = root.join("small");
    std::fs::create_dir_all(&small).expect("dir");
    for i in 0..10_000 {
        write_noise(&small.join(format!("s{i:05}.wav")), 1_000 + i, 0.01);
    }
    let (big_library, big) = device(root, "c");
    big_library.add_folder(&small).expect("folder");
    tonearm_testkit::library::scan(&big_library);
    runtime
        .block_on(big.login(&url, "ann", PASSWORD))
        .expect("login");
    runtime.block_on(big.sync()).expect("first sync");
    big_library.queue_uploads(None).expect("queue");
    while let Some(job) = big_library.claim_upload(i64::MAX).expect("claim") {
        big_library
            .record_hash(
                job.track_id,
                &format!("{:064x}", job.size),
                job.size,
                job.mtime_ms,
            )
            .expect("hash");
        let metadata: CloudMetadata = job.metadata.clone();
        big_library
            .finish_upload(job.track_id, job.track_id, &metadata)
            .expect("done");
    }
    assert_eq!(big_library.cloud_totals().expect("totals").in_cloud, 10_000);
    let mut times: Vec<Duration> = (0..20)
        .map(|_| {
            let started = Instant::now();
            let report = runtime.block_on(big.sync()).expect("sync");
            assert_eq!(report.metadata_sent, 0);
            started.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "sync with nothing changed, 10,000 tracks in the cloud: median {:.1} ms, max {:.1} ms",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
    runtime.block_on(server.stop());
}
