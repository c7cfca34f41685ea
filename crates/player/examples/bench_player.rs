//! Player benchmark (`cargo xtask bench player`), through the whole engine: from the play
//! command to the first sample handed to the output, silence at track changes, and the CPU
//! the engine costs while a FLAC plays in real time. The output is the virtual sound card
//! (pulled in 10 ms periods, like a real device). Release build; one line per figure.
//!
//! Usage: bench_player FIXTURES_DIR

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};
use tonearm_player::catalog::{FileCatalog, FileItem};
use tonearm_player::decode::{self, PcmStream};
use tonearm_player::output::RecordingDevice;
use tonearm_player::source::FileSource;
use tonearm_player::{Command, PlaybackState, Player, PlayerEvent, Repeat};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn wait(events: &Receiver<PlayerEvent<FileItem>>, wanted: impl Fn(&PlayerEvent<FileItem>) -> bool) {
    loop {
        let event = events
            .recv_timeout(Duration::from_secs(10))
            .expect("the engine answers");
        if wanted(&event) {
            return;
        }
    }
}

fn engine(
    speed: f64,
) -> (
    Player<FileItem>,
    RecordingDevice,
    Receiver<PlayerEvent<FileItem>>,
) {
    let device = RecordingDevice::new(speed);
    let player = Player::spawn(FileCatalog, Box::new(device.clone())).expect("engine");
    let events = player.subscribe();
    (player, device, events)
}

/// CPU time this process has used (user + system), from /proc.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel's USER_HZ is 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("fixtures dir"));

    // Play command to the first sample the deck hands the device.
    for name in ["tagged.flac", "id3v24.mp3"] {
        let (player, _device, events) = engine(1.0);
        let mut times: Vec<Duration> = (0..100)
            .map(|_| {
                let started = Instant::now();
                player.send(Command::Play {
                    items: vec![FileItem::new(dir.join(name))],
                    start: 0,
                });
                wait(&events, |e| matches!(e, PlayerEvent::Started { .. }));
                let took = started.elapsed();
                player.send(Command::Stop);
                wait(
                    &events,
                    |e| matches!(e, PlayerEvent::Status(s) if s.state == PlaybackState::Stopped),
                );
                took
            })
            .collect();
        times.sort();
        println!(
            "play command to first sample at the output, {name}: median {:.2} ms, p99 {:.2} ms (device opened each time; 10 ms periods)",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3
        );
    }

    // A whole library queued ("play all songs" at 100,000): the play command, then commands
    // that leave the queue as it is (pause, resume) and ones that change it (add, shuffle),
    // each to the engine's answer.
    let library: Vec<FileItem> = (0..100_000)
        .map(|_| FileItem::new(dir.join("tagged.flac")))
        .collect();
    let (player, _device, events) = engine(1.0);
    let timed = |command: Command<FileItem>, answer: &dyn Fn(&PlayerEvent<FileItem>) -> bool| {
        let started = Instant::now();
        player.send(command);
        wait(&events, answer);
        started.elapsed().as_secs_f64() * 1e3
    };
    let queued = |e: &PlayerEvent<FileItem>| matches!(e, PlayerEvent::QueueChanged);
    let play = timed(
        Command::Play {
            items: library.clone(),
            start: 50_000,
        },
        &|e| matches!(e, PlayerEvent::Started { .. }),
    );
    let pause = timed(
        Command::Pause,
        &|e| matches!(e, PlayerEvent::Status(s) if s.state == PlaybackState::Paused),
    );
    let resume = timed(
        Command::Resume,
        &|e| matches!(e, PlayerEvent::Status(s) if s.state == PlaybackState::Playing),
    );
    let add = timed(Command::Add(library[..1_000].to_vec()), &queued);
    let shuffle = timed(Command::SetShuffle(true), &queued);
    let add_shuffled = timed(Command::Add(library[..1_000].to_vec()), &queued);
    let replay = timed(
        Command::Play {
            items: library.clone(),
            start: 0,
        },
        &queued,
    );
    println!(
        "a queue of 100,000 entries: play {play:.1} ms to the first sample, pause {pause:.1} ms, resume {resume:.1} ms, add 1,000 {add:.1} ms, shuffle {shuffle:.1} ms, add 1,000 shuffled {add_shuffled:.1} ms, play another 100,000 {replay:.1} ms"
    );
    drop(player);

    // Gapless: what the decoder adds beyond the one second of tone in each fixture, and the
    // longest near-silent run where two tracks meet, as the device received it.
    for (name, rate) in [
        ("id3v24.mp3", 44_100),
        ("tagged.flac", 44_100),
        ("tagged.ogg", 44_100),
        ("tagged.opus", 48_000),
        ("aac.m4a", 44_100),
    ] {
        let mut stream = open(&dir.join(name));
        let channels = usize::from(stream.channels());
        let mut frames = 0usize;
        while let Some(block) = stream.next_block().expect("decodes") {
            frames += block.len() / channels;
        }
        let (player, device, events) = engine(50.0);
        player.send(Command::Play {
            items: vec![FileItem::new(dir.join(name)), FileItem::new(dir.join(name))],
            start: 0,
        });
        wait(&events, |e| matches!(e, PlayerEvent::QueueEnded));
        let left: Vec<f32> = device.recorded().iter().step_by(2).copied().collect();
        let first = left.iter().position(|s| s.abs() > 1e-3).unwrap_or(0);
        let join = first + 44_100;
        let around = &left[join - 2_000..join + 2_000];
        let quiet = around
            .split(|s| s.abs() >= 0.01)
            .map(<[f32]>::len)
            .max()
            .unwrap_or(0);
        println!(
            "track change, {name}: {} samples of padding decoded, longest quiet run at the join {quiet} samples (a tone's own zero crossing is 1-4)",
            frames as i64 - rate
        );
    }

    // CPU while a FLAC plays in real time: the whole engine (feeder, deck, mixer) for 10 s.
    let (player, _device, events) = engine(1.0);
    player.send(Command::SetRepeat(Repeat::One));
    player.send(Command::Play {
        items: vec![FileItem::new(dir.join("tagged.flac"))],
        start: 0,
    });
    wait(&events, |e| matches!(e, PlayerEvent::Started { .. }));
    let (wall, cpu) = (Instant::now(), cpu_time().expect("/proc/self/stat"));
    std::thread::sleep(Duration::from_secs(10));
    let used = cpu_time().expect("/proc/self/stat") - cpu;
    println!(
        "CPU while playing a FLAC in real time: {:.2}% of one core (engine, mixer and virtual device; {} underruns)",
        100.0 * used.as_secs_f64() / wall.elapsed().as_secs_f64(),
        player.underruns()
    );
}

fn open(path: &Path) -> Box<dyn PcmStream> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    decode::open(
        Box::new(FileSource::open(path).expect("file")),
        ext.as_deref(),
        "bench",
    )
    .expect("decodable")
}
