//! Seeded byte mutations for the in-crate robustness tests.
//!
//! cargo-fuzz (host/fuzz) does the long runs; these keep a few thousand
//! cheap, reproducible mutations in every `cargo test`.

/// A xorshift64 stream: the same seed gives the same mutations on every run.
pub(crate) struct Mutator(u64);

impl Mutator {
    pub(crate) fn new(seed: u64) -> Mutator {
        // xorshift never leaves zero.
        Mutator(seed.max(1))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A copy of `sample` with one to four bytes set to 0xff, 0 or a random value.
    pub(crate) fn mutate(&mut self, sample: &[u8]) -> Vec<u8> {
        let mut bytes = sample.to_vec();
        if bytes.is_empty() {
            return bytes;
        }
        for _ in 0..1 + self.next() % 4 {
            let at = (self.next() % bytes.len() as u64) as usize;
            bytes[at] = match self.next() % 3 {
                0 => 0xff,
                1 => 0,
                _ => self.next() as u8,
            };
        }
        bytes
    }
}
