//! Login throttling that neither random names nor many addresses can walk around, that an
//! attacker cannot turn into a lockout of a real user, and that several replicas enforce
//! together.
//!
//! Three counters of failed logins:
//!
//! - **per name and address**: a few free failures, then a lockout that doubles up to 15
//!   minutes (someone mistyping their own password);
//! - **per address** (IPv4 address, IPv6 /64): a bucket of failures that refills slowly, so
//!   one address trying many names is stopped whatever names it tries;
//! - **per account**: failures from every address together, so many addresses guessing one
//!   account's password are stopped too.
//!
//! A name and address that logged in successfully before are *known*: the per-address and
//! per-account limits do not apply to them, so an attacker who floods from elsewhere, or from
//! the same network, cannot lock the account's owner out of the devices they use.
//!
//! **Shared through the metadata store.** The counters are rows of the metadata store, so every
//! replica on one database counts the same failures (N replicas do not give an attacker N times
//! the attempts), and a restart forgets nothing. An attempt concerns four entries (a
//! [`Snapshot`]: its name and address, whether that pair is known, its address unit, its
//! account); the rules here are pure functions of a snapshot and the time, and
//! [`MetadataStore::throttle_attempt`] runs them inside one transaction, so concurrent attempts
//! on any replica neither lose a count nor a lockout. Entries are keyed by their kind and a hash
//! of the name and address (no names or addresses are stored, and a 100 KB name makes a key of
//! the usual size). Times are Unix milliseconds of the replica's clock: replicas whose clocks
//! disagree by a second shift a lockout by that second.
//!
//! **Bounded.** Each entry expires (`expires_at`), and maintenance prunes expired rows: an
//! address's or account's bucket when it has refilled (at most `burst × refill`, minutes with
//! the defaults), a name and address's failures a day after the last one, a known pair 90 days
//! after its last login. Entries are made only by attempts: an admitted attempt that fails
//! makes at most three (the name and address, the address, the account if it exists), a
//! refused attempt none, so one address makes at most `per_address.burst` name-and-address
//! entries at once and then one per `per_address.refill` (plus its own, and accounts', of which
//! there are only as many as accounts). There is no cap on the table as the in-memory maps had:
//! its rows are bounded by the rate of attempts the limits let through (and the server can
//! answer) times a day, after which the hourly maintenance deletes them. A successful login
//! makes one (the known pair), renewed at most hourly, so a client that logs in on every
//! request does not write on every request.
//!
//! **Atomicity.** On SQLite one writer connection serialises the transactions; on PostgreSQL
//! the transaction takes advisory locks on the attempt's keys. An attempt that would change
//! nothing (a known device logging in again) is decided without a write transaction; any other
//! is decided again inside it, on what it reads there.
//!
//! [`MetadataStore::throttle_attempt`]: crate::store::MetadataStore::throttle_attempt

use crate::error::{Error, Result};
use crate::store::{MetadataStore, ThrottleEntry, hex};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Failed attempts per name and address before a lockout.
const FREE_FAILURES: u32 = 3;
/// The first lockout; it doubles with each further failure.
const BASE_LOCKOUT: Duration = Duration::from_secs(5);
/// The longest lockout.
const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// How long a name and address's failures are remembered after the last one.
const PAIR_MEMORY: Duration = Duration::from_secs(24 * 60 * 60);
/// How long a name and address stay known after their last successful login.
const KNOWN_MEMORY: Duration = Duration::from_secs(90 * 24 * 60 * 60);
/// A known pair's time is renewed by a login at most this often, so a client that logs in on
/// every request (Subsonic) does not write on every request.
const KNOWN_RENEWAL: Duration = Duration::from_secs(60 * 60);

/// How long logins stay refused after `failures` consecutive failures of one name and address:
/// none for the first few, then exponential backoff up to a cap.
#[must_use]
pub fn lockout(failures: u32) -> Option<Duration> {
    let beyond = failures.checked_sub(FREE_FAILURES)?.checked_sub(1)?;
    let factor = 1u32.checked_shl(beyond.min(16)).unwrap_or(u32::MAX);
    Some(BASE_LOCKOUT.saturating_mul(factor).min(MAX_LOCKOUT))
}

/// A bucket of allowed failures that refills at a steady rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// Failures allowed in a burst.
    pub burst: u32,
    /// One failure more is allowed every this long.
    pub refill: Duration,
}

/// The limits, with defaults for a household or a small provider.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleLimits {
    /// Failures from one address (or IPv6 /64), any names.
    pub per_address: Bucket,
    /// Failures against one account, any addresses.
    pub per_account: Bucket,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        Self {
            per_address: Bucket {
                burst: 20,
                refill: Duration::from_secs(6),
            },
            per_account: Bucket {
                burst: 30,
                refill: Duration::from_secs(10),
            },
        }
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Unix seconds at or after the Unix milliseconds `ms`.
fn seconds_after(ms: i64) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

/// The entries one attempt concerns, as they were loaded (expired ones are absent). What each
/// entry's fields mean:
///
/// - `pair`: `level` is the consecutive failures of the name and address, `at_ms` the last;
///   logins are refused until `at_ms + lockout(level)`;
/// - `known`: present if the name and address logged in before; `at_ms` is the last login;
/// - `address`, `account`: `level` failures counted at `at_ms`, one of which is forgotten
///   every `refill` since.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Snapshot {
    /// This name from this address.
    pub pair: Option<ThrottleEntry>,
    /// Whether this name logged in from this address before.
    pub known: Option<ThrottleEntry>,
    /// This address unit, any names.
    pub address: Option<ThrottleEntry>,
    /// This name, any addresses.
    pub account: Option<ThrottleEntry>,
}

/// A bucket's failures still counted at `now` (the fraction refilled since is kept in `at_ms`).
fn level(entry: Option<ThrottleEntry>, bucket: Bucket, now: i64) -> f64 {
    entry.map_or(0.0, |entry| {
        let elapsed = now.saturating_sub(entry.at_ms).max(0) as f64 / 1000.0;
        (entry.level - elapsed / bucket.refill.as_secs_f64().max(f64::EPSILON)).max(0.0)
    })
}

/// How long until one more failure fits, if the bucket is full.
fn wait(entry: Option<ThrottleEntry>, bucket: Bucket, now: i64) -> Option<Duration> {
    let over = level(entry, bucket, now) + 1.0 - f64::from(bucket.burst);
    (over > 0.0).then(|| bucket.refill.mul_f64(over))
}

/// A bucket holding `level` failures at `now`; absent when empty, and expiring once refilled.
fn bucket_entry(level: f64, bucket: Bucket, now: i64) -> Option<ThrottleEntry> {
    (level > 0.0).then(|| ThrottleEntry {
        level,
        at_ms: now,
        expires_at: seconds_after(now.saturating_add(millis(bucket.refill.mul_f64(level)))),
    })
}

impl Snapshot {
    /// The snapshot of `entries` (in the order of [`keys`]) at `now`.
    fn load(entries: &[Option<ThrottleEntry>], now: i64) -> Self {
        let live = |i: usize| {
            entries
                .get(i)
                .copied()
                .flatten()
                .filter(|e| e.expires_at > now.div_euclid(1000))
        };
        Self {
            pair: live(0),
            known: live(1),
            address: live(2),
            account: live(3),
        }
    }

    /// Writes into `entries` the entries that differ from `before` (so an expired entry nobody
    /// touched is left for pruning instead of being written).
    fn store(&self, before: &Self, entries: &mut [Option<ThrottleEntry>]) {
        let pairs = [
            (self.pair, before.pair),
            (self.known, before.known),
            (self.address, before.address),
            (self.account, before.account),
        ];
        for ((after, before), slot) in pairs.into_iter().zip(entries) {
            if after != before {
                *slot = after;
            }
        }
    }

    /// Decides whether an attempt may go on to a password check at `now` (Unix ms): `Some`
    /// wait if refused. An admitted attempt from an address that is not known for the name is
    /// charged to the address at once (and refunded if it succeeds), so a burst of concurrent
    /// attempts cannot all pass before the first failure is counted.
    pub fn check(&mut self, limits: &ThrottleLimits, now: i64) -> Option<Duration> {
        if let Some(pair) = self.pair
            && let Some(lock) = lockout(pair.level as u32)
        {
            let until = pair.at_ms.saturating_add(millis(lock));
            if until > now {
                return Some(Duration::from_millis(
                    u64::try_from(until - now).unwrap_or(0),
                ));
            }
        }
        if self.known.is_some() {
            return None;
        }
        let waits = [
            wait(self.address, limits.per_address, now),
            wait(self.account, limits.per_account, now),
        ];
        if let Some(retry_after) = waits.into_iter().flatten().max() {
            return Some(retry_after);
        }
        let charged = level(self.address, limits.per_address, now) + 1.0;
        self.address = bucket_entry(charged, limits.per_address, now);
        None
    }

    /// Records a failed attempt at `now`; `account_exists` says whether the name has an account.
    pub fn failed(&mut self, limits: &ThrottleLimits, now: i64, account_exists: bool) {
        let failures = self.pair.map_or(0, |p| p.level as u32).saturating_add(1);
        self.pair = Some(ThrottleEntry {
            level: f64::from(failures),
            at_ms: now,
            expires_at: seconds_after(now.saturating_add(millis(PAIR_MEMORY))),
        });
        if self.known.is_some() {
            return;
        }
        // The address was charged when the attempt was admitted.
        if account_exists {
            let counted = level(self.account, limits.per_account, now) + 1.0;
            self.account = bucket_entry(counted, limits.per_account, now);
        }
    }

    /// Forgets the name and address's failures, refunds the address's charge, and remembers
    /// the pair as known.
    pub fn succeeded(&mut self, limits: &ThrottleLimits, now: i64) {
        self.pair = None;
        if self.known.is_none() && self.address.is_some() {
            let refunded = (level(self.address, limits.per_address, now) - 1.0).max(0.0);
            self.address = bucket_entry(refunded, limits.per_address, now);
        }
        let renewed = self
            .known
            .is_some_and(|k| now.saturating_sub(k.at_ms) < millis(KNOWN_RENEWAL));
        if !renewed {
            self.known = Some(ThrottleEntry {
                level: 1.0,
                at_ms: now,
                expires_at: seconds_after(now.saturating_add(millis(KNOWN_MEMORY))),
            });
        }
    }
}

/// A key of the store's throttle entries: the kind, and a hash of what it counts.
fn key(kind: &str, parts: &[&[u8]]) -> String {
    let mut hasher = blake3::Hasher::new_derive_key("tonearm 2025-01 login throttle key");
    hasher.update(kind.as_bytes());
    for part in parts {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    format!("{kind}:{}", hex(&hasher.finalize().as_bytes()[..16]))
}

/// The keys of the entries an attempt by `username` from `ip` concerns, in [`Snapshot`] order.
fn keys(username: &str, ip: IpAddr) -> [String; 4] {
    let (name, address) = (username.as_bytes(), ip.to_string());
    [
        key("pair", &[name, address.as_bytes()]),
        key("known", &[name, address.as_bytes()]),
        key("addr", &[address_unit(ip).to_string().as_bytes()]),
        key("acct", &[name]),
    ]
}

/// Unix milliseconds now.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The throttle; one per server, its state in the metadata store.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginThrottle {
    limits: ThrottleLimits,
}

/// The client's address: the TCP peer, unless the peer is one of the `trusted` reverse
/// proxies, in which case the last address in `X-Forwarded-For` that is not itself a trusted
/// proxy (what the proxy nearest the server saw). Headers from anyone else are ignored, so a
/// client cannot choose its own address; an unparsable header leaves the peer.
#[must_use]
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for hop in header.rsplit(',').map(str::trim) {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => return client,
        }
    }
    client
}

/// The unit an address is counted by: itself for IPv4, its /64 network for IPv6 (one
/// machine commonly holds a whole /64).
fn address_unit(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

impl LoginThrottle {
    /// A throttle with these limits.
    #[must_use]
    pub fn new(limits: ThrottleLimits) -> Self {
        Self { limits }
    }

    /// Runs `rule` over the attempt's snapshot at `now`, in one transaction of `store`.
    async fn apply(
        &self,
        store: &dyn MetadataStore,
        username: &str,
        ip: IpAddr,
        now: i64,
        rule: impl Fn(&mut Snapshot, &ThrottleLimits) -> Option<Duration> + Send + Sync + 'static,
    ) -> Result<Option<Duration>> {
        let limits = self.limits;
        store
            .throttle_attempt(
                &keys(username, ip),
                Arc::new(move |entries: &mut [Option<ThrottleEntry>]| {
                    let before = Snapshot::load(entries, now);
                    let mut after = before;
                    let verdict = rule(&mut after, &limits);
                    after.store(&before, entries);
                    verdict
                }),
            )
            .await
    }

    /// Refuses with `Throttled` while this attempt must wait; called before any password check.
    /// See [`Snapshot::check`].
    pub async fn check(&self, store: &dyn MetadataStore, username: &str, ip: IpAddr) -> Result<()> {
        self.check_at(store, username, ip, now_ms()).await
    }

    async fn check_at(
        &self,
        store: &dyn MetadataStore,
        username: &str,
        ip: IpAddr,
        now: i64,
    ) -> Result<()> {
        match self
            .apply(store, username, ip, now, move |s, limits| {
                s.check(limits, now)
            })
            .await?
        {
            Some(retry_after) => Err(Error::Throttled { retry_after }),
            None => Ok(()),
        }
    }

    /// Records a failed attempt; `account_exists` says whether the name has an account.
    pub async fn failed(
        &self,
        store: &dyn MetadataStore,
        username: &str,
        ip: IpAddr,
        account_exists: bool,
    ) -> Result<()> {
        self.failed_at(store, username, ip, account_exists, now_ms())
            .await
    }

    async fn failed_at(
        &self,
        store: &dyn MetadataStore,
        username: &str,
        ip: IpAddr,
        account_exists: bool,
        now: i64,
    ) -> Result<()> {
        self.apply(store, username, ip, now, move |s, limits| {
            s.failed(limits, now, account_exists);
            None
        })
        .await
        .map(drop)
    }

    /// Forgets this name and address's failures, refunds the address's charge, and remembers
    /// the pair as known.
    pub async fn succeeded(
        &self,
        store: &dyn MetadataStore,
        username: &str,
        ip: IpAddr,
    ) -> Result<()> {
        self.succeeded_at(store, username, ip, now_ms()).await
    }

    async fn succeeded_at(
        &self,
        store: &dyn MetadataStore,
        username: &str,
        ip: IpAddr,
        now: i64,
    ) -> Result<()> {
        self.apply(store, username, ip, now, move |s, limits| {
            s.succeeded(limits, now);
            None
        })
        .await
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    /// A fixed time (Unix ms), so the rules are tested without a clock.
    const T0: i64 = 1_700_000_000_000;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn throttled(result: Result<()>) -> bool {
        matches!(result, Err(Error::Throttled { .. }))
    }

    fn open(path: &std::path::Path) -> SqliteStore {
        SqliteStore::open(&path.join("tonearm.db")).unwrap()
    }

    /// A throttle over a real store in a temporary directory, at a time the test sets.
    struct Harness {
        dir: tempfile::TempDir,
        store: SqliteStore,
        throttle: LoginThrottle,
        now: i64,
    }

    impl Harness {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let store = open(dir.path());
            Self {
                dir,
                store,
                throttle: LoginThrottle::default(),
                now: T0,
            }
        }

        async fn check(&self, name: &str, ip: IpAddr) -> Result<()> {
            self.throttle
                .check_at(&self.store, name, ip, self.now)
                .await
        }

        async fn failed(&self, name: &str, ip: IpAddr, account_exists: bool) {
            self.throttle
                .failed_at(&self.store, name, ip, account_exists, self.now)
                .await
                .unwrap();
        }

        async fn succeeded(&self, name: &str, ip: IpAddr) {
            self.throttle
                .succeeded_at(&self.store, name, ip, self.now)
                .await
                .unwrap();
        }
    }

    #[test]
    fn lockout_backs_off_exponentially_with_a_cap() {
        let table = [
            (0, None),
            (3, None),
            (4, Some(5)),
            (5, Some(10)),
            (6, Some(20)),
            (10, Some(320)),
            (30, Some(900)),
            (u32::MAX, Some(900)),
        ];
        for (failures, expected) in table {
            assert_eq!(
                lockout(failures).map(|d| d.as_secs()),
                expected,
                "{failures}"
            );
        }
    }

    #[tokio::test]
    async fn a_name_and_address_is_locked_after_a_few_failures() {
        let mut t = Harness::new();
        let (a, b) = (ip("127.0.0.1"), ip("127.0.0.2"));
        for _ in 0..4 {
            t.check("ann", a).await.unwrap();
            t.failed("ann", a, true).await;
        }
        match t.check("ann", a).await {
            Err(Error::Throttled { retry_after }) => {
                assert_eq!(retry_after, Duration::from_secs(5));
            }
            other => panic!("{other:?}"),
        }
        t.check("ann", b).await.unwrap();
        t.check("bob", a).await.unwrap();
        // The lockout ends; the next failure doubles it.
        t.now += 5_000;
        t.check("ann", a).await.unwrap();
        t.failed("ann", a, true).await;
        t.now += 9_999;
        assert!(throttled(t.check("ann", a).await));
        t.succeeded("ann", a).await;
        t.check("ann", a).await.unwrap();
    }

    #[tokio::test]
    async fn random_names_from_one_address_run_out_of_attempts() {
        let t = Harness::new();
        let attacker = ip("10.0.0.1");
        let mut refused = 0;
        for i in 0..200 {
            let name = format!("random{i}");
            if throttled(t.check(&name, attacker).await) {
                refused += 1;
            } else {
                t.failed(&name, attacker, false).await;
            }
        }
        assert_eq!(
            refused,
            200 - ThrottleLimits::default().per_address.burst as usize
        );
        // Another address is not affected.
        t.check("random0", ip("10.0.0.2")).await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_is_charged_before_its_first_failure_is_counted() {
        let t = Harness::new();
        let attacker = ip("10.0.0.9");
        // 100 attempts arrive together: none has failed yet when the later ones are checked.
        let mut attempts = tokio::task::JoinSet::new();
        for i in 0..100 {
            let (store, throttle) = (t.store.clone(), t.throttle);
            attempts.spawn(async move {
                throttle
                    .check_at(&store, &format!("n{i}"), attacker, T0)
                    .await
                    .is_ok()
            });
        }
        let admitted = attempts
            .join_all()
            .await
            .into_iter()
            .filter(|ok| *ok)
            .count();
        assert_eq!(
            admitted,
            ThrottleLimits::default().per_address.burst as usize
        );
        // Logging in refunds the charge.
        let friendly = ip("10.0.0.10");
        for i in 0..50 {
            t.check("ann", friendly).await.unwrap();
            t.succeeded("ann", friendly).await;
            t.check(&format!("other{i}"), friendly).await.unwrap();
            t.succeeded(&format!("other{i}"), friendly).await;
        }
    }

    #[tokio::test]
    async fn ipv6_addresses_count_by_their_64_network() {
        let t = Harness::new();
        for i in 0..20 {
            let address = ip(&format!("2001:db8::{i:x}"));
            t.check(&format!("n{i}"), address).await.unwrap();
            t.failed(&format!("n{i}"), address, false).await;
        }
        assert!(throttled(t.check("x", ip("2001:db8::ffff")).await));
        t.check("x", ip("2001:db8:0:1::1")).await.unwrap();
    }

    #[tokio::test]
    async fn many_addresses_against_one_account_are_stopped_but_its_owner_gets_in() {
        let t = Harness::new();
        let home = ip("192.0.2.7");
        t.succeeded("ann", home).await;
        for i in 0..40 {
            let address = ip(&format!("198.51.100.{i}"));
            if t.check("ann", address).await.is_ok() {
                t.failed("ann", address, true).await;
            }
        }
        assert!(throttled(t.check("ann", ip("198.51.100.200")).await));
        // The owner, from where they logged in before, is not locked out.
        t.check("ann", home).await.unwrap();
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy = ip("10.0.0.1");
        let trusted = [proxy, ip("10.0.0.2")];
        let table: &[(IpAddr, Option<&str>, &str)] = &[
            // Not from a proxy: the header is the client's own words, ignored.
            (ip("192.0.2.9"), Some("198.51.100.1"), "192.0.2.9"),
            (proxy, None, "10.0.0.1"),
            (proxy, Some("198.51.100.1"), "198.51.100.1"),
            // A client's own forged entries come before what the proxy appended.
            (proxy, Some("1.2.3.4, 198.51.100.1"), "198.51.100.1"),
            // Two proxies in a row.
            (proxy, Some("198.51.100.1, 10.0.0.2"), "198.51.100.1"),
            (proxy, Some("garbage"), "10.0.0.1"),
            (proxy, Some("2001:db8::1"), "2001:db8::1"),
        ];
        for (peer, header, expected) in table {
            assert_eq!(
                client_address(*peer, *header, &trusted),
                ip(expected),
                "{header:?}"
            );
        }
    }

    #[tokio::test]
    async fn two_throttles_on_one_database_see_each_others_failures() {
        // As two replicas would: each its own store handle and throttle, one database.
        let t = Harness::new();
        let other_store = open(t.dir.path());
        let other = LoginThrottle::default();
        let (a, b) = (ip("203.0.113.5"), ip("203.0.113.6"));
        for _ in 0..4 {
            t.check("ann", a).await.unwrap();
            t.failed("ann", a, true).await;
        }
        assert!(throttled(other.check_at(&other_store, "ann", a, T0).await));
        // A login on the other clears the lockout here.
        other
            .succeeded_at(&other_store, "ann", a, T0)
            .await
            .unwrap();
        t.check("ann", a).await.unwrap();
        // One address's bucket is shared too: half its burst on each, then neither admits it.
        let burst = ThrottleLimits::default().per_address.burst;
        for i in 0..burst {
            let name = format!("n{i}");
            if i % 2 == 0 {
                t.check(&name, b).await.unwrap();
            } else {
                other.check_at(&other_store, &name, b, T0).await.unwrap();
            }
        }
        assert!(throttled(t.check("x", b).await));
        assert!(throttled(other.check_at(&other_store, "x", b, T0).await));
    }

    #[tokio::test]
    async fn entries_expire_and_are_pruned() {
        let mut t = Harness::new();
        let flood = 100;
        for i in 0..flood {
            let address = IpAddr::from((0x0a00_0000u32 + i).to_be_bytes());
            t.check(&format!("n{i}"), address).await.unwrap();
            t.failed(&format!("n{i}"), address, true).await;
        }
        let home = ip("192.0.2.7");
        t.check("ann", home).await.unwrap();
        t.succeeded("ann", home).await;
        let prune = |at: i64| {
            let store = t.store.clone();
            async move { store.prune_throttle(at.div_euclid(1000)).await.unwrap() }
        };
        // Buckets go once refilled (one failure: 6 s for an address, 10 s for an account).
        assert_eq!(prune(T0 + 9_000).await, u64::from(flood));
        assert_eq!(prune(T0 + 10_000).await, u64::from(flood));
        // A name and address's failures a day after the last.
        assert_eq!(prune(T0 + millis(PAIR_MEMORY) - 1_000).await, 0);
        assert_eq!(prune(T0 + millis(PAIR_MEMORY)).await, u64::from(flood));
        // Known pairs last longer.
        assert_eq!(prune(T0 + millis(KNOWN_MEMORY)).await, 1);

        // An expired entry counts for nothing even before it is pruned.
        let a = ip("127.0.0.1");
        for _ in 0..4 {
            t.check("bob", a).await.unwrap();
            t.failed("bob", a, false).await;
        }
        assert!(throttled(t.check("bob", a).await));
        t.now += millis(PAIR_MEMORY);
        for _ in 0..4 {
            t.check("bob", a).await.unwrap();
            t.failed("bob", a, false).await;
        }
        assert!(throttled(t.check("bob", a).await));
    }

    #[test]
    fn keys_are_hashed_by_kind_and_bounded() {
        let long = "x".repeat(100_000);
        let keys = keys(&long, ip("203.0.113.5"));
        assert!(keys.iter().all(|k| k.len() < 40), "{keys:?}");
        assert!(!keys.iter().any(|k| k.contains("203.0.113")));
        let unique: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), 4);
        // The pair and the account depend on the name; the address on its /64 only.
        let [pair, _, v6, acct] = super::keys("ann", ip("2001:db8::1"));
        let [pair2, _, v6_2, acct2] = super::keys("ann", ip("2001:db8::2"));
        assert_ne!(pair, pair2);
        assert_eq!((v6, acct), (v6_2, acct2));
    }
}
