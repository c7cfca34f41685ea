//! The system's default sound output where none can be opened: playing stops with one
//! sentence saying what happened and what to do (what the player bar and the terminal show),
//! and the device's own words are kept as the cause, for the log.

use crate::support::fixtures;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tonearm_player::catalog::{FileCatalog, FileItem};
use tonearm_player::deck::Deck;
use tonearm_player::output::{DefaultDevice, OutputDevice};
use tonearm_player::{Command, Player, PlayerError, PlayerEvent};

/// What the user is told when no sound output can be opened.
const NO_OUTPUT: &str = "no sound output is available: connect speakers or headphones, or check the system's sound settings";

/// Set in the child process that runs the test's body.
const CHILD: &str = "TONEARM_TEST_NO_SOUND_CARD";

/// The default device, with what its last failure was, as the log would keep it.
#[derive(Clone, Default)]
struct Watched {
    failure: Arc<Mutex<Option<(bool, String, String)>>>,
}

impl OutputDevice for Watched {
    fn open(&self, deck: Deck) -> Result<Box<dyn std::any::Any>, PlayerError> {
        DefaultDevice.open(deck).inspect_err(|error| {
            let typed = matches!(error, PlayerError::NoOutput { .. });
            *self.failure.lock().expect("not poisoned") =
                Some((typed, error.to_string(), error.chain()));
        })
    }
}

#[test]
#[cfg(target_os = "linux")]
fn playing_without_a_sound_output_says_what_to_do_in_one_line_and_keeps_the_cause() {
    if std::env::var_os(CHILD).is_none() {
        // The environment is the process's: the body runs in a child whose ALSA default
        // device names a card that does not exist, which fails on every machine, sound card
        // or not (on this project's machines, with no ALSA_CONFIG_PATH, it fails anyway).
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = tonearm_testkit::sound::missing_card_alsa_config(dir.path());
        let name = module_path!().split_once("::").map_or("", |(_, m)| m);
        let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                &format!(
                    "{name}::playing_without_a_sound_output_says_what_to_do_in_one_line_and_keeps_the_cause"
                ),
                "--exact",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .env(
                "ALSA_CONFIG_PATH",
                format!("/usr/share/alsa/alsa.conf:{}", conf.display()),
            )
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }

    let device = Watched::default();
    let player = Player::spawn(FileCatalog, Box::new(device.clone())).expect("engine starts");
    let events = player.subscribe();
    player.send(Command::Play {
        items: vec![FileItem::new(fixtures().join("tagged.flac"))],
        start: 0,
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let message = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(PlayerEvent::Error {
                item: None,
                message,
            }) => break message,
            Ok(PlayerEvent::Started { .. }) => panic!("a missing device played"),
            Ok(_) => {}
            Err(error) => panic!("no error reported: {error}"),
        }
    };
    assert_eq!(message, NO_OUTPUT);
    assert!(!message.contains('\n'), "one line: {message:?}");

    let (typed, shown, logged) = device
        .failure
        .lock()
        .expect("not poisoned")
        .clone()
        .expect("the device was opened");
    assert!(typed, "a NoOutput error: {logged}");
    assert_eq!(shown, NO_OUTPUT);
    let cause = logged
        .strip_prefix(NO_OUTPUT)
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or_default();
    assert!(
        !cause.is_empty(),
        "the device's own words are kept for the log: {logged}"
    );
    eprintln!("logged: {logged}");
}
