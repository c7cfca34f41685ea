//! Seeded randomness for tests and benchmarks: the same seed gives the same sequence on
//! every machine, so a failure replays exactly and generated files are distinct but stable.

/// A small, fast generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fills `out` with pseudo-random bytes.
    pub fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// `len` pseudo-random bytes from `seed`: content that each test or benchmark makes its own
/// (a different seed, different bytes, so each hash is new to the server).
pub fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut out = vec![0; len];
    Rng::new(seed).fill(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_replays_and_seeds_differ() {
        assert_eq!(bytes(1_001, 7), bytes(1_001, 7));
        assert_ne!(bytes(64, 7), bytes(64, 8));
        assert_eq!(bytes(13, 1)[..], bytes(16, 1)[..13]);
        let mut rng = Rng::new(42);
        assert!((0..1_000).all(|_| rng.below(3) < 3));
    }
}
