//! Password checks on a fixed pool of threads, with a bounded queue in front.
//!
//! An argon2id check costs about 19 MiB and tens of milliseconds of one core, and anyone can
//! ask for one by trying to log in. Run on tokio's blocking pool, 200 concurrent logins took
//! 200 threads and 4.3 GiB that the allocator never gave back. Here a fixed number of worker
//! threads do every check, each reusing one block of argon2 memory for its whole life, so
//! memory is bounded by the worker count, and two queues feed them:
//!
//! - **accounts**: checks against a real account's hash, served first;
//! - **strangers**: checks for names no account has (against a dummy hash, so the answer takes
//!   as long as for a real name and does not reveal which names exist).
//!
//! A queue that is full answers at once instead of growing: a real account's check becomes
//! "busy, retry" (503 with `Retry-After`); a stranger's becomes the answer it would have had,
//! "wrong name or password", after the usual delay. A flood of random names therefore fills
//! only the strangers' queue, and a real user's login overtakes it.

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Hashes a password with argon2id and a fresh random salt, as a PHC string. CPU-heavy: use
/// [`PasswordPool::hash`] in the server.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = crate::auth::random_bytes::<16>();
    argon2::Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| e.to_string())
}

/// The most argon2 memory a stored hash may ask for, in KiB: the default (19 MiB) with room
/// for a stronger setting, but not so much that one stored hash could exhaust the server.
const MAX_MEMORY_KIB: u32 = 64 * 1024;

/// Whether `password` matches the PHC string. CPU-heavy: use [`PasswordPool::verify`].
#[must_use]
pub fn verify_password(password: &str, phc: &str) -> bool {
    verify_with(password, phc, &mut Vec::new())
}

/// [`verify_password`] with the argon2 memory blocks in `memory`, grown as needed and kept by
/// the caller: a worker that reuses its buffer holds the same memory for its whole life,
/// where a fresh allocation per check left the allocator holding several per thread.
fn verify_with(password: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    if params.m_cost() > MAX_MEMORY_KIB {
        return false;
    }
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let mut output = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    if argon
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut output,
            &mut memory[..blocks],
        )
        .is_err()
    {
        return false;
    }
    argon2::password_hash::phc::Output::new(&output).is_ok_and(|computed| computed == *expected)
}

/// A hash to verify against when the name has no account.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password("tonearm dummy password").expect("hashing a constant password works")
    })
}

/// Sizes of the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLimits {
    /// Threads checking passwords at once (each holds one argon2 memory block while it works).
    pub workers: usize,
    /// Checks against real accounts waiting for a worker.
    pub account_queue: usize,
    /// Checks for unknown names waiting for a worker.
    pub stranger_queue: usize,
}

impl Default for PoolLimits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            workers: cores.clamp(1, 8),
            account_queue: 64,
            stranger_queue: 16,
        }
    }
}

/// What a check came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The password matches the account.
    Valid,
    /// Wrong password, or no such account.
    Invalid,
    /// Too many checks are waiting: retry after this long.
    Busy(Duration),
}

enum Work {
    Verify { password: String, phc: String },
    Hash { password: String },
}

enum Outcome {
    Verified(bool),
    Hashed(Result<String, String>),
}

struct Job {
    work: Work,
    reply: oneshot::Sender<Outcome>,
}

#[derive(Default)]
struct Queues {
    accounts: VecDeque<Job>,
    strangers: VecDeque<Job>,
    stopped: bool,
}

struct Shared {
    limits: PoolLimits,
    queues: Mutex<Queues>,
    ready: Condvar,
    /// A moving average of one check's duration, in microseconds: how long a stranger whose
    /// check was skipped waits before hearing "invalid".
    typical_micros: Mutex<u64>,
}

impl Shared {
    fn queues(&self) -> MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn typical(&self) -> Duration {
        Duration::from_micros(
            *self
                .typical_micros
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    fn observe(&self, took: Duration) {
        let mut typical = self
            .typical_micros
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let took = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        *typical = if *typical == 0 {
            took
        } else {
            (*typical * 7 + took) / 8
        };
    }
}

/// The pool; cheap to clone. The workers stop when the last clone is dropped.
#[derive(Clone)]
pub struct PasswordPool {
    shared: Arc<Shared>,
    _stop: Arc<StopOnDrop>,
}

impl std::fmt::Debug for PasswordPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordPool")
            .field("limits", &self.shared.limits)
            .finish_non_exhaustive()
    }
}

struct StopOnDrop(Arc<Shared>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.queues().stopped = true;
        self.0.ready.notify_all();
    }
}

impl PasswordPool {
    /// Starts `limits.workers` threads.
    #[must_use]
    pub fn new(limits: PoolLimits) -> Self {
        let shared = Arc::new(Shared {
            limits,
            queues: Mutex::default(),
            ready: Condvar::new(),
            typical_micros: Mutex::new(0),
        });
        for index in 0..limits.workers.max(1) {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("password-{index}"))
                .spawn(move || work(&shared))
                .expect("the system can start a thread at server start");
        }
        Self {
            _stop: Arc::new(StopOnDrop(Arc::clone(&shared))),
            shared,
        }
    }

    /// Checks `password` against an account's hash, or, with `None`, against the dummy hash
    /// of a name no account has (always [`Verdict::Invalid`], in about the same time).
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> Verdict {
        let stranger = phc.is_none();
        let work = Work::Verify {
            password: password.to_owned(),
            phc: phc.unwrap_or_else(|| dummy_hash()).to_owned(),
        };
        match self.submit(work, stranger) {
            Some(reply) => match reply.await {
                Ok(Outcome::Verified(true)) if !stranger => Verdict::Valid,
                Ok(_) => Verdict::Invalid,
                Err(_) => Verdict::Busy(Duration::from_secs(1)),
            },
            None if stranger => {
                tokio::time::sleep(self.shared.typical()).await;
                Verdict::Invalid
            }
            None => Verdict::Busy(self.retry_after()),
        }
    }

    /// Hashes a new password (an administrator setting it). `Err` when busy.
    pub async fn hash(&self, password: &str) -> Result<String, String> {
        let work = Work::Hash {
            password: password.to_owned(),
        };
        let reply = self
            .submit(work, false)
            .ok_or_else(|| "the server is busy checking passwords".to_owned())?;
        match reply.await {
            Ok(Outcome::Hashed(result)) => result,
            _ => Err("the password workers stopped".to_owned()),
        }
    }

    /// A rough wait before a queue has room again: the queue's length of checks.
    fn retry_after(&self) -> Duration {
        let waiting = self.shared.queues().accounts.len() as u32;
        let per_worker = waiting / self.shared.limits.workers.max(1) as u32 + 1;
        (self.shared.typical() * per_worker).max(Duration::from_secs(1))
    }

    fn submit(&self, work: Work, stranger: bool) -> Option<oneshot::Receiver<Outcome>> {
        let (reply, receiver) = oneshot::channel();
        let mut queues = self.shared.queues();
        let (queue, limit) = if stranger {
            (&mut queues.strangers, self.shared.limits.stranger_queue)
        } else {
            (&mut queues.accounts, self.shared.limits.account_queue)
        };
        if queue.len() >= limit {
            return None;
        }
        queue.push_back(Job { work, reply });
        drop(queues);
        self.shared.ready.notify_one();
        Some(receiver)
    }
}

fn work(shared: &Shared) {
    let mut memory = Vec::new();
    loop {
        let job = {
            let mut queues = shared.queues();
            loop {
                if queues.stopped {
                    return;
                }
                if let Some(job) = queues
                    .accounts
                    .pop_front()
                    .or_else(|| queues.strangers.pop_front())
                {
                    break job;
                }
                queues = shared
                    .ready
                    .wait(queues)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        if job.reply.is_closed() {
            // The client gave up (its connection dropped): no point spending the memory.
            continue;
        }
        let started = Instant::now();
        let outcome = match job.work {
            Work::Verify { password, phc } => {
                let valid = verify_with(&password, &phc, &mut memory);
                shared.observe(started.elapsed());
                Outcome::Verified(valid)
            }
            Work::Hash { password } => Outcome::Hashed(hash_password(&password)),
        };
        let _ = job.reply.send(outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hashes_are_argon2id_and_verify() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong", &phc));
        // A worker's reused memory gives the same answers, hash after hash.
        let mut memory = Vec::new();
        for _ in 0..2 {
            assert!(verify_with("correct horse", &phc, &mut memory));
            assert!(!verify_with("correct horsE", &phc, &mut memory));
        }
        assert!(!verify_password("correct horse", "not a phc string"));
        assert!(!verify_password(
            "correct horse",
            "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
        ));
        assert_ne!(phc, hash_password("correct horse").unwrap(), "salted");
    }

    #[tokio::test]
    async fn a_full_queue_answers_at_once_and_accounts_go_first() {
        let pool = PasswordPool::new(PoolLimits {
            workers: 1,
            account_queue: 1,
            stranger_queue: 1,
        });
        let phc = pool.hash("correct horse").await.unwrap();
        // Many strangers at once: one runs, one waits, the rest are answered without a check.
        let strangers: Vec<_> = (0..6)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move { pool.verify("guess", None).await })
            })
            .collect();
        tokio::task::yield_now().await;
        assert_eq!(
            pool.verify("correct horse", Some(&phc)).await,
            Verdict::Valid
        );
        for stranger in strangers {
            assert_eq!(stranger.await.unwrap(), Verdict::Invalid);
        }
        // Accounts beyond the queue are told to come back.
        let accounts: Vec<_> = (0..6)
            .map(|_| {
                let (pool, phc) = (pool.clone(), phc.clone());
                tokio::spawn(async move { pool.verify("wrong", Some(&phc)).await })
            })
            .collect();
        let mut busy = 0;
        for account in accounts {
            match account.await.unwrap() {
                Verdict::Busy(after) => {
                    assert!(after >= Duration::from_secs(1));
                    busy += 1;
                }
                verdict => assert_eq!(verdict, Verdict::Invalid),
            }
        }
        assert!(
            busy >= 1,
            "at most two of six fit in a pool of one worker and one slot"
        );
    }
}
