//! Login throttling that neither random names nor many addresses can walk around, and that an
//! attacker cannot turn into a lockout of a real user.
//!
//! Three counters of failed logins, each bounded in memory:
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
//! the same network, cannot lock the account's owner out of the devices they use. Counters
//! live in this process (see docs/security.md for replicas).

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Failed attempts per name and address before a lockout.
const FREE_FAILURES: u32 = 3;
/// The first lockout; it doubles with each further failure.
const BASE_LOCKOUT: Duration = Duration::from_secs(5);
/// The longest lockout.
const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);

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
    /// Entries each table keeps before the stalest are dropped.
    pub max_tracked: usize,
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
            max_tracked: 10_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Level {
    /// Failures still counted (fractional refill is kept in `since`).
    used: f64,
    since: Instant,
}

impl Level {
    fn current(&self, bucket: Bucket, now: Instant) -> f64 {
        let refilled = now.saturating_duration_since(self.since).as_secs_f64()
            / bucket.refill.as_secs_f64().max(f64::EPSILON);
        (self.used - refilled).max(0.0)
    }

    /// How long until one more failure fits, if the bucket is full.
    fn wait(&self, bucket: Bucket, now: Instant) -> Option<Duration> {
        let used = self.current(bucket, now);
        let over = used + 1.0 - f64::from(bucket.burst);
        (over > 0.0).then(|| bucket.refill.mul_f64(over))
    }
}

#[derive(Debug, Clone, Copy)]
struct Pair {
    failures: u32,
    locked_until: Option<Instant>,
    last: Instant,
}

/// A map that never holds more than `max` entries: when full, the stalest half goes.
#[derive(Debug)]
struct Bounded<K, V> {
    map: HashMap<K, V>,
}

impl<K: Eq + Hash + Clone, V> Bounded<K, V> {
    fn new() -> Self {
        Self {
            map: HashMap::new(),
        }
    }

    fn make_room(&mut self, max: usize, age: impl Fn(&V) -> Instant) {
        if self.map.len() < max {
            return;
        }
        let mut ages: Vec<Instant> = self.map.values().map(&age).collect();
        ages.sort_unstable();
        let cut = ages[ages.len() / 2];
        self.map.retain(|_, v| age(v) > cut);
    }
}

#[derive(Debug)]
struct Tables {
    pairs: Bounded<(String, IpAddr), Pair>,
    addresses: Bounded<IpAddr, Level>,
    accounts: Bounded<String, Level>,
    known: Bounded<(String, IpAddr), Instant>,
}

/// The throttle; one per server.
#[derive(Debug)]
pub struct LoginThrottle {
    limits: ThrottleLimits,
    tables: Mutex<Tables>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(ThrottleLimits::default())
    }
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
        Self {
            limits,
            tables: Mutex::new(Tables {
                pairs: Bounded::new(),
                addresses: Bounded::new(),
                accounts: Bounded::new(),
                known: Bounded::new(),
            }),
        }
    }

    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Refuses with `Throttled` while this attempt must wait; called before any password check.
    /// An admitted attempt from an address that is not known for the name is charged to the
    /// address at once (and refunded if it succeeds), so a burst of concurrent attempts cannot
    /// all pass before the first failure is counted.
    pub fn check(&self, username: &str, ip: IpAddr) -> Result<()> {
        let now = Instant::now();
        let mut tables = self.tables();
        let pair = (username.to_owned(), ip);
        if let Some(Pair {
            locked_until: Some(until),
            ..
        }) = tables.pairs.map.get(&pair)
            && *until > now
        {
            return Err(Error::Throttled {
                retry_after: *until - now,
            });
        }
        if tables.known.map.contains_key(&pair) {
            return Ok(());
        }
        let waits = [
            tables
                .addresses
                .map
                .get(&address_unit(ip))
                .and_then(|level| level.wait(self.limits.per_address, now)),
            tables
                .accounts
                .map
                .get(username)
                .and_then(|level| level.wait(self.limits.per_account, now)),
        ];
        if let Some(retry_after) = waits.into_iter().flatten().max() {
            return Err(Error::Throttled { retry_after });
        }
        tables
            .addresses
            .make_room(self.limits.max_tracked, |l| l.since);
        let address = tables
            .addresses
            .map
            .entry(address_unit(ip))
            .or_insert(Level {
                used: 0.0,
                since: now,
            });
        address.used = address.current(self.limits.per_address, now) + 1.0;
        address.since = now;
        Ok(())
    }

    /// Records a failed attempt; `account_exists` says whether the name has an account.
    pub fn failed(&self, username: &str, ip: IpAddr, account_exists: bool) {
        let now = Instant::now();
        let max = self.limits.max_tracked;
        let mut tables = self.tables();
        let pair = (username.to_owned(), ip);
        tables.pairs.make_room(max, |p| p.last);
        let entry = tables.pairs.map.entry(pair.clone()).or_insert(Pair {
            failures: 0,
            locked_until: None,
            last: now,
        });
        entry.failures = entry.failures.saturating_add(1);
        entry.locked_until = lockout(entry.failures).map(|d| now + d);
        entry.last = now;
        if tables.known.map.contains_key(&pair) {
            return;
        }
        let bump = |level: &mut Level, bucket: Bucket| {
            level.used = level.current(bucket, now) + 1.0;
            level.since = now;
        };
        let fresh = Level {
            used: 0.0,
            since: now,
        };
        // The address was charged when the attempt was admitted.
        if account_exists {
            tables.accounts.make_room(max, |l| l.since);
            let account = tables
                .accounts
                .map
                .entry(username.to_owned())
                .or_insert(fresh);
            bump(account, self.limits.per_account);
        }
    }

    /// Forgets this name and address's failures, refunds the address's charge, and remembers
    /// the pair as known.
    pub fn succeeded(&self, username: &str, ip: IpAddr) {
        let now = Instant::now();
        let mut tables = self.tables();
        let pair = (username.to_owned(), ip);
        tables.pairs.map.remove(&pair);
        if !tables.known.map.contains_key(&pair)
            && let Some(address) = tables.addresses.map.get_mut(&address_unit(ip))
        {
            address.used = (address.current(self.limits.per_address, now) - 1.0).max(0.0);
            address.since = now;
        }
        tables.known.make_room(self.limits.max_tracked, |t| *t);
        tables.known.map.insert(pair, Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn throttled(result: Result<()>) -> bool {
        matches!(result, Err(Error::Throttled { .. }))
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

    #[test]
    fn a_name_and_address_is_locked_after_a_few_failures() {
        let throttle = LoginThrottle::default();
        let (a, b) = (ip("127.0.0.1"), ip("127.0.0.2"));
        for _ in 0..4 {
            throttle.check("ann", a).unwrap();
            throttle.failed("ann", a, true);
        }
        assert!(throttled(throttle.check("ann", a)));
        throttle.check("ann", b).unwrap();
        throttle.check("bob", a).unwrap();
        throttle.succeeded("ann", a);
        throttle.check("ann", a).unwrap();
    }

    #[test]
    fn random_names_from_one_address_run_out_of_attempts() {
        let throttle = LoginThrottle::default();
        let attacker = ip("10.0.0.1");
        let mut refused = 0;
        for i in 0..200 {
            let name = format!("random{i}");
            if throttled(throttle.check(&name, attacker)) {
                refused += 1;
            } else {
                throttle.failed(&name, attacker, false);
            }
        }
        assert_eq!(
            refused,
            200 - ThrottleLimits::default().per_address.burst as usize
        );
        // Another address is not affected.
        throttle.check("random0", ip("10.0.0.2")).unwrap();
    }

    #[test]
    fn a_burst_is_charged_before_its_first_failure_is_counted() {
        let throttle = LoginThrottle::default();
        let attacker = ip("10.0.0.9");
        // 100 attempts arrive together: none has failed yet when the later ones are checked.
        let admitted = (0..100)
            .filter(|i| throttle.check(&format!("n{i}"), attacker).is_ok())
            .count();
        assert_eq!(
            admitted,
            ThrottleLimits::default().per_address.burst as usize
        );
        // Logging in refunds the charge.
        let friendly = ip("10.0.0.10");
        for i in 0..50 {
            throttle.check("ann", friendly).unwrap();
            throttle.succeeded("ann", friendly);
            throttle.check(&format!("other{i}"), friendly).unwrap();
            throttle.succeeded(&format!("other{i}"), friendly);
        }
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_network() {
        let throttle = LoginThrottle::default();
        for i in 0..20 {
            let address = ip(&format!("2001:db8::{i:x}"));
            throttle.check(&format!("n{i}"), address).unwrap();
            throttle.failed(&format!("n{i}"), address, false);
        }
        assert!(throttled(throttle.check("x", ip("2001:db8::ffff"))));
        throttle.check("x", ip("2001:db8:0:1::1")).unwrap();
    }

    #[test]
    fn many_addresses_against_one_account_are_stopped_but_its_owner_gets_in() {
        let throttle = LoginThrottle::default();
        let home = ip("192.0.2.7");
        throttle.succeeded("ann", home);
        for i in 0..40 {
            let address = ip(&format!("198.51.100.{i}"));
            if throttle.check("ann", address).is_ok() {
                throttle.failed("ann", address, true);
            }
        }
        assert!(throttled(throttle.check("ann", ip("198.51.100.200"))));
        // The owner, from where they logged in before, is not locked out.
        throttle.check("ann", home).unwrap();
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

    #[test]
    fn memory_stays_bounded_under_a_flood_of_names() {
        let throttle = LoginThrottle::new(ThrottleLimits {
            max_tracked: 100,
            ..ThrottleLimits::default()
        });
        for i in 0..10_000u32 {
            let address = IpAddr::from(i.to_be_bytes());
            throttle.check(&format!("n{i}"), address).unwrap();
            throttle.failed(&format!("n{i}"), address, true);
        }
        let tables = throttle.tables();
        assert!(tables.pairs.map.len() <= 100);
        assert!(tables.addresses.map.len() <= 100);
        assert!(tables.accounts.map.len() <= 100);
    }
}
