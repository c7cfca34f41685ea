//! The engine end to end on real files: commands in, events out, and what the (virtual)
//! sound card actually played, checked by frequency, length, gaps and level.

use crate::support::{fixtures, frequencies, left, longest_quiet_run, music, peak, write_tone};
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};
use tonearm_player::catalog::{
    AlbumFingerprint, AlbumPosition, Catalog, OpenTrack, Playable, TrackInfo,
};
use tonearm_player::gain::{ReplayGainMode, ReplayGainSettings, TrackGain};
use tonearm_player::output::RecordingDevice;
use tonearm_player::{Command, PlaybackState, Player, PlayerError, PlayerEvent, Repeat};

/// A queued file with the ReplayGain tags and album position the test gives it.
#[derive(Debug, Clone, PartialEq)]
struct Item {
    path: PathBuf,
    gain: TrackGain,
    album: Option<AlbumPosition>,
}

impl Playable for Item {
    fn album(&self) -> Option<&AlbumPosition> {
        self.album.as_ref()
    }
}

struct Files;

impl Catalog for Files {
    type Item = Item;
    fn open(&self, item: &Item) -> Result<OpenTrack, PlayerError> {
        if item.path.starts_with("/slow") {
            // A source that answers late and then fails (a network drive, a cloud stream).
            std::thread::sleep(Duration::from_millis(600));
            return Err(PlayerError::Unavailable(
                "the source never answered".to_owned(),
            ));
        }
        let title = item
            .path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        OpenTrack::file(
            &item.path,
            TrackInfo {
                title,
                ..TrackInfo::default()
            },
            item.gain,
        )
    }
}

fn item(name: &str) -> Item {
    let path = fixtures().join(name);
    let path = if path.exists() {
        path
    } else {
        PathBuf::from(name)
    };
    Item {
        path,
        gain: TrackGain::default(),
        album: None,
    }
}

fn items(names: &[&str]) -> Vec<Item> {
    names.iter().map(|n| item(n)).collect()
}

struct Rig {
    player: Player<Item>,
    device: RecordingDevice,
    events: Receiver<PlayerEvent<Item>>,
    seen: Vec<PlayerEvent<Item>>,
}

impl Rig {
    /// An engine on a virtual sound card playing `speed` times real time.
    fn new(speed: f64) -> Self {
        let device = RecordingDevice::new(speed);
        let player = Player::spawn(Files, Box::new(device.clone())).expect("engine starts");
        let events = player.subscribe();
        Self {
            player,
            device,
            events,
            seen: Vec::new(),
        }
    }

    fn send(&self, command: Command<Item>) {
        self.player.send(command);
    }

    /// Waits for an event matching `wanted`, keeping every event seen.
    fn wait_for(&mut self, what: &str, mut wanted: impl FnMut(&PlayerEvent<Item>) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.events.recv_timeout(left) {
                Ok(event) => {
                    let found = wanted(&event);
                    self.seen.push(event);
                    if found {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no {what}; saw {:#?}", self.seen);
    }

    fn wait_until_queue_ends(&mut self) {
        self.wait_for("end of the queue", |e| matches!(e, PlayerEvent::QueueEnded));
    }

    fn errors(&self) -> Vec<(Option<PathBuf>, String)> {
        self.seen
            .iter()
            .filter_map(|e| match e {
                PlayerEvent::Error { item, message } => {
                    Some((item.as_ref().map(|i| i.path.clone()), message.clone()))
                }
                _ => None,
            })
            .collect()
    }

    fn started_titles(&self) -> Vec<String> {
        self.seen
            .iter()
            .filter_map(|e| match e {
                PlayerEvent::Current(Some(now)) => now.info.as_ref().map(|i| i.title.clone()),
                _ => None,
            })
            .fold(Vec::new(), |mut titles, title| {
                if titles.last() != Some(&title) {
                    titles.push(title);
                }
                titles
            })
    }
}

#[test]
fn a_queue_of_formats_plays_in_order_without_gaps_and_releases_the_device() {
    let mut rig = Rig::new(20.0);
    let names = ["id3v24.mp3", "tagged.flac", "tagged.ogg", "tagged.opus"];
    rig.send(Command::Play {
        items: items(&names),
        start: 0,
    });
    rig.wait_until_queue_ends();
    let played = left(&rig.device.recorded());
    let music = music(&played);
    // Four one-second tones back to back (Opus resampled from 48 kHz).
    let seconds = music.len() as f64 / 44_100.0;
    assert!((seconds - 4.0).abs() < 0.03, "played {seconds:.3} s");
    assert!(
        longest_quiet_run(music) < 30,
        "a gap of {} samples inside the music",
        longest_quiet_run(music)
    );
    let heard = frequencies(music, 44_100);
    assert_eq!(heard, vec![400, 500, 600, 700], "tones in order");
    assert_eq!(rig.started_titles(), names);
    assert_eq!(rig.device.times_opened(), 1);
    assert_eq!(rig.player.snapshot().status.state, PlaybackState::Stopped);
    assert!(rig.errors().is_empty(), "{:?}", rig.errors());
}

#[test]
fn tracks_that_cannot_be_played_are_reported_and_skipped() {
    let mut rig = Rig::new(20.0);
    rig.send(Command::Play {
        items: items(&[
            "tagged.flac",
            "garbage.mp3",
            "/nowhere/gone.flac",
            "tagged.wv",
            "tagged.wav",
        ]),
        start: 0,
    });
    rig.wait_until_queue_ends();
    let played = left(&rig.device.recorded());
    assert_eq!(frequencies(music(&played), 44_100), vec![500, 1000]);
    let errors = rig.errors();
    let failed: Vec<String> = errors
        .iter()
        .map(|(path, _)| {
            path.as_ref()
                .and_then(|p| p.file_name())
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    assert_eq!(failed, ["garbage.mp3", "gone.flac", "tagged.wv"]);
    assert!(errors[2].1.contains("WavPack"), "{}", errors[2].1);
}

#[test]
fn a_queue_where_nothing_plays_stops_with_an_error() {
    let mut rig = Rig::new(20.0);
    rig.send(Command::Play {
        items: items(&["garbage.mp3", "empty.flac"]),
        start: 0,
    });
    rig.wait_for("the give-up error", |e| {
        matches!(e, PlayerEvent::Error { item: None, message } if message.contains("nothing in the queue"))
    });
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(rig.player.snapshot().status.state, PlaybackState::Stopped);
}

#[test]
fn a_truncated_file_plays_what_it_has_then_the_next_one() {
    let mut rig = Rig::new(20.0);
    rig.send(Command::Play {
        items: items(&["truncated.flac", "tagged.wav"]),
        start: 0,
    });
    rig.wait_until_queue_ends();
    let played = left(&rig.device.recorded());
    assert_eq!(frequencies(music(&played), 44_100), vec![1400, 1000]);
}

#[test]
fn pause_holds_the_position_and_resume_goes_on_in_real_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let long = dir.path().join("long.wav");
    write_tone(&long, 440.0, 3.0, 0.5);
    let mut rig = Rig::new(1.0);
    rig.send(Command::Play {
        items: vec![item(long.to_str().expect("utf-8"))],
        start: 0,
    });
    rig.wait_for("started", |e| matches!(e, PlayerEvent::Started { .. }));
    std::thread::sleep(Duration::from_millis(700));
    rig.send(Command::Pause);
    rig.wait_for(
        "paused",
        |e| matches!(e, PlayerEvent::Status(s) if s.state == PlaybackState::Paused),
    );
    std::thread::sleep(Duration::from_millis(100));
    let held = rig.player.snapshot().position;
    std::thread::sleep(Duration::from_millis(800));
    let still = rig.player.snapshot().position;
    assert!(
        held >= Duration::from_millis(500) && held <= Duration::from_millis(1100),
        "paused at {held:?}"
    );
    assert_eq!(held, still, "the position moved while paused");
    rig.send(Command::Resume);
    rig.wait_until_queue_ends();
    let positions: Vec<Duration> = rig
        .seen
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::Position { position, .. } => Some(*position),
            _ => None,
        })
        .collect();
    assert!(positions.len() >= 8, "positions: {positions:?}");
    assert!(positions.windows(2).all(|w| w[0] <= w[1]), "{positions:?}");
    // What was heard: 3 s of tone with a pause of about 0.9 s of silence in it.
    let played = left(&rig.device.recorded());
    let music = music(&played);
    let tone = music.iter().filter(|s| s.abs() > 0.001).count() as f64 / 44_100.0;
    assert!((tone - 3.0).abs() < 0.1, "{tone:.3} s of tone");
    let pause = longest_quiet_run(music) as f64 / 44_100.0;
    assert!(pause > 0.7 && pause < 1.3, "paused for {pause:.3} s");
}

#[test]
fn seeking_plays_from_the_new_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    let long = dir.path().join("long.wav");
    write_tone(&long, 440.0, 4.0, 0.5);
    let mut rig = Rig::new(2.0);
    rig.send(Command::Play {
        items: vec![item(long.to_str().expect("utf-8"))],
        start: 0,
    });
    rig.wait_for("started", |e| matches!(e, PlayerEvent::Started { .. }));
    rig.send(Command::Seek(Duration::from_millis(3_000)));
    rig.wait_for("the seek", |e| {
        matches!(e, PlayerEvent::Position { position, .. } if *position == Duration::from_secs(3))
    });
    rig.wait_until_queue_ends();
    let played = left(&rig.device.recorded());
    let seconds = music(&played).len() as f64 / 44_100.0;
    assert!(seconds > 0.9 && seconds < 1.3, "played {seconds:.3} s");
}

#[test]
fn a_new_queue_is_published_before_the_song_it_starts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<String> = ["one.wav", "two.wav"]
        .iter()
        .map(|name| {
            let path = dir.path().join(name);
            write_tone(&path, 440.0, 8.0, 0.5);
            path.to_str().expect("utf-8").to_owned()
        })
        .collect();
    let list = || paths.iter().map(|p| item(p)).collect::<Vec<_>>();
    let mut rig = Rig::new(1.0);
    rig.send(Command::Play {
        items: list(),
        start: 1,
    });
    rig.wait_for(
        "the second song",
        |e| matches!(e, PlayerEvent::Current(Some(now)) if now.item.path.ends_with("two.wav")),
    );
    // Everything that command announced (the engine sends it all before the next command).
    std::thread::sleep(Duration::from_millis(200));
    while let Ok(event) = rig.events.try_recv() {
        rig.seen.push(event);
    }
    let before = rig.seen.len();
    // The same list from its first song: whoever hears of the new song (or reads the
    // snapshot then) already has the queue it plays in, with the second song to come.
    rig.send(Command::Play {
        items: list(),
        start: 0,
    });
    rig.wait_for(
        "the first song",
        |e| matches!(e, PlayerEvent::Current(Some(now)) if now.item.path.ends_with("one.wav")),
    );
    let snapshot = rig.player.snapshot();
    assert_eq!(snapshot.upcoming.len(), 1, "the second song is to come");
    assert!(
        rig.seen[before..]
            .iter()
            .any(|e| matches!(e, PlayerEvent::QueueChanged)),
        "the queue was announced before the song: {:#?}",
        &rig.seen[before..]
    );
}

#[test]
fn previous_restarts_a_track_that_has_played_a_while_and_next_skips() {
    let dir = tempfile::tempdir().expect("temp dir");
    let long = dir.path().join("long.wav");
    write_tone(&long, 440.0, 8.0, 0.5);
    let mut rig = Rig::new(4.0);
    rig.send(Command::Play {
        items: vec![item("tagged.flac"), item(long.to_str().expect("utf-8"))],
        start: 1,
    });
    // 4 s in (1 s of wall time), "previous" goes back to the start of the same track.
    rig.wait_for("4 s played", |e| {
        matches!(e, PlayerEvent::Position { position, .. } if *position > Duration::from_secs(4))
    });
    rig.send(Command::Previous);
    rig.wait_for("restart", |e| {
        matches!(e, PlayerEvent::Position { position, .. } if *position < Duration::from_secs(1))
    });
    let current = rig.player.snapshot().current.expect("a current track");
    assert_eq!(current.item.path, long);
    // Right after the restart, "previous" goes to the track before.
    rig.send(Command::Previous);
    rig.wait_for(
        "the first track",
        |e| matches!(e, PlayerEvent::Current(Some(now)) if now.item.path.ends_with("tagged.flac")),
    );
    rig.send(Command::Next);
    rig.wait_for(
        "the second track again",
        |e| matches!(e, PlayerEvent::Current(Some(now)) if now.item.path == long),
    );
    rig.send(Command::Next);
    rig.wait_for("the end", |e| matches!(e, PlayerEvent::Current(None)));
    assert_eq!(rig.player.snapshot().status.state, PlaybackState::Stopped);
}

#[test]
fn volume_follows_a_loudness_curve_and_mute_silences() {
    let dir = tempfile::tempdir().expect("temp dir");
    let long = dir.path().join("long.wav");
    write_tone(&long, 440.0, 2.0, 0.5);
    let mut rig = Rig::new(20.0);
    rig.send(Command::SetVolume(0.5));
    rig.send(Command::Play {
        items: vec![item(long.to_str().expect("utf-8"))],
        start: 0,
    });
    rig.wait_until_queue_ends();
    let level = peak(music(&left(&rig.device.recorded())));
    assert!((level - 0.5 * 0.125).abs() < 0.005, "peak {level}");

    let mut rig = Rig::new(20.0);
    rig.send(Command::SetMuted(true));
    rig.send(Command::Play {
        items: vec![item(long.to_str().expect("utf-8"))],
        start: 0,
    });
    rig.wait_until_queue_ends();
    assert_eq!(peak(&left(&rig.device.recorded())), 0.0);
    assert!(
        rig.seen
            .iter()
            .any(|e| matches!(e, PlayerEvent::Status(s) if s.muted))
    );
}

#[test]
fn replaygain_auto_uses_album_gain_for_an_album_in_order_and_track_gain_otherwise() {
    let tagged = |name: &str, track: u32| Item {
        gain: TrackGain {
            track_gain: Some(0.0),
            track_peak: Some(0.5),
            album_gain: Some(-6.0),
            album_peak: Some(0.5),
        },
        album: Some(AlbumPosition {
            album: AlbumFingerprint::of("Tones"),
            disc: 1,
            track,
        }),
        ..item(name)
    };
    let settings = ReplayGainSettings {
        mode: ReplayGainMode::Auto,
        ..ReplayGainSettings::default()
    };
    let level_of = |queue: Vec<Item>| {
        let mut rig = Rig::new(20.0);
        rig.send(Command::SetReplayGain(settings));
        rig.send(Command::Play {
            items: queue,
            start: 0,
        });
        rig.wait_until_queue_ends();
        peak(music(&left(&rig.device.recorded())))
    };
    let plain = level_of(vec![item("tagged.wav")]);
    let in_order = level_of(vec![tagged("tagged.wav", 1), tagged("tagged.wav", 2)]);
    let reversed = level_of(vec![tagged("tagged.wav", 2), tagged("tagged.wav", 1)]);
    let ratio = in_order / plain;
    assert!((ratio - 0.501).abs() < 0.02, "album gain ratio {ratio}");
    let ratio = reversed / plain;
    assert!((ratio - 1.0).abs() < 0.02, "track gain ratio {ratio}");
}

#[test]
fn a_track_counts_as_played_after_half_its_length_and_repeat_one_plays_it_again() {
    let mut rig = Rig::new(1.0);
    rig.send(Command::Play {
        items: items(&["tagged.flac"]),
        start: 0,
    });
    rig.wait_for("started", |e| matches!(e, PlayerEvent::Started { .. }));
    std::thread::sleep(Duration::from_millis(200));
    rig.send(Command::Stop);
    rig.wait_for(
        "stopped",
        |e| matches!(e, PlayerEvent::Status(s) if s.state == PlaybackState::Stopped),
    );
    assert!(
        !rig.seen
            .iter()
            .any(|e| matches!(e, PlayerEvent::Played { .. })),
        "counted after 0.2 s of 1 s"
    );

    let mut rig = Rig::new(10.0);
    rig.send(Command::SetRepeat(Repeat::One));
    rig.send(Command::Play {
        items: items(&["tagged.flac", "tagged.wav"]),
        start: 0,
    });
    let mut plays = 0;
    rig.wait_for("two plays of the same track", |e| {
        if let PlayerEvent::Played { item } = e {
            assert!(item.path.ends_with("tagged.flac"), "{item:?}");
            plays += 1;
        }
        plays == 2
    });
    rig.send(Command::Stop);
}

#[test]
fn a_queue_that_ends_on_a_track_that_cannot_play_stops() {
    // The last track fails at once, or only after the device has played all it had.
    for (speed, last) in [
        (20.0, "tagged.wv"),
        (1000.0, "tagged.wv"),
        (1000.0, "/slow/late.flac"),
    ] {
        let mut rig = Rig::new(speed);
        rig.send(Command::Play {
            items: items(&["tagged.wav", "tagged.aiff", last]),
            start: 0,
        });
        rig.wait_until_queue_ends();
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            rig.player.snapshot().status.state,
            PlaybackState::Stopped,
            "at {speed}x, ending on {last}"
        );
    }
}
