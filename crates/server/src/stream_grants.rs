//! Who may stream which track, remembered for a moment.
//!
//! A player reads a song as a run of range requests (buffering ahead, seeking), and each one
//! used to resolve its token and the track in the metadata store. On SQLite that is a call into
//! the same process; on PostgreSQL it is a round trip that costs the database about as much CPU
//! again as the server spends on the whole request, and with 200 clients streaming on two cores
//! it was what pushed their time to first byte past its goal. So a successful check is kept
//! for [`GRANT_TTL`]: the same token (or signed URL's user) asking for the same track within
//! that time reads the same bytes without asking the store.
//!
//! What this trades, and why it is bounded:
//! - a grant is only ever made from a check the store answered, under the exact token hash (or
//!   the user a valid signature names) and track id; knowing a track id or a hash grants
//!   nothing;
//! - a session revoked or a track deleted through this replica clears every grant at once
//!   ([`StreamGrants::forget_all`]); through another replica, or by the admin command, a client
//!   already streaming that track may go on for at most [`GRANT_TTL`];
//! - the map holds at most [`MOST_GRANTS`] entries (expired ones are dropped first, then all), so
//!   a client cycling through tokens or ids cannot make it grow.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tonearm_protocol::{BlobHash, TrackId};
use uuid::Uuid;

/// How long a check is trusted.
pub const GRANT_TTL: Duration = Duration::from_secs(2);

/// The most grants kept (about 150 bytes each).
pub const MOST_GRANTS: usize = 8_192;

/// Who asked: the hash of a bearer token or session cookie, or the user a signed URL names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    Token(String),
    Signed(Uuid),
}

/// What a stream request needs of the track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub hash: BlobHash,
    pub size: u64,
    pub mime: &'static str,
}

/// Recent successful stream checks; see the module docs.
#[derive(Debug, Default)]
pub struct StreamGrants {
    grants: Mutex<HashMap<(Principal, TrackId), (Instant, Grant)>>,
}

impl StreamGrants {
    /// The grant `who` got for `track` less than [`GRANT_TTL`] ago, if any.
    pub fn get(&self, who: &Principal, track: TrackId) -> Option<Grant> {
        self.get_at(who, track, Instant::now())
    }

    fn get_at(&self, who: &Principal, track: TrackId, now: Instant) -> Option<Grant> {
        let grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        let (at, grant) = grants.get(&(who.clone(), track))?;
        (now.saturating_duration_since(*at) < GRANT_TTL).then(|| grant.clone())
    }

    /// Remembers that the store let `who` read `track`.
    pub fn put(&self, who: Principal, track: TrackId, grant: Grant) {
        let mut grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        if grants.len() >= MOST_GRANTS {
            grants.retain(|_, (at, _)| at.elapsed() < GRANT_TTL);
            if grants.len() >= MOST_GRANTS {
                grants.clear();
            }
        }
        grants.insert((who, track), (Instant::now(), grant));
    }

    /// Drops every grant: a session was revoked or a track deleted here.
    pub fn forget_all(&self) {
        self.grants
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// How many grants are kept (expired ones included, until they are dropped).
    pub fn len(&self) -> usize {
        self.grants.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(n: u8) -> Grant {
        Grant {
            hash: BlobHash::from(blake3::hash(&[n])),
            size: u64::from(n),
            mime: "audio/flac",
        }
    }

    #[test]
    fn a_grant_is_for_that_principal_and_that_track_only() {
        let grants = StreamGrants::default();
        let (ann, bob) = (
            Principal::Token("ann".into()),
            Principal::Token("bob".into()),
        );
        let (one, two) = (TrackId(Uuid::new_v4()), TrackId(Uuid::new_v4()));
        grants.put(ann.clone(), one, grant(1));
        assert_eq!(grants.get(&ann, one), Some(grant(1)));
        assert_eq!(grants.get(&ann, two), None);
        assert_eq!(grants.get(&bob, one), None);
        assert_eq!(grants.get(&Principal::Signed(Uuid::new_v4()), one), None);
        grants.forget_all();
        assert_eq!(grants.get(&ann, one), None);
    }

    #[test]
    fn a_grant_expires() {
        let grants = StreamGrants::default();
        let who = Principal::Signed(Uuid::new_v4());
        let track = TrackId(Uuid::new_v4());
        grants.put(who.clone(), track, grant(2));
        let later = Instant::now() + GRANT_TTL;
        assert_eq!(grants.get_at(&who, track, later), None);
    }

    #[test]
    fn the_map_never_grows_past_its_bound() {
        let grants = StreamGrants::default();
        let who = Principal::Token("cycling".into());
        for _ in 0..MOST_GRANTS * 2 + 10 {
            grants.put(who.clone(), TrackId(Uuid::new_v4()), grant(0));
            assert!(grants.len() <= MOST_GRANTS);
        }
    }
}
