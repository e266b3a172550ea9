//! The v2/v3 content digests, computed as a [`ChunkSink`] during the one
//! sequential read of the file.
//!
//! The signed content is the APK minus its signing block: the bytes before
//! the block, the central directory, and the end of central directory record
//! with its "CD offset" field replaced by the block's offset. Two digest
//! families exist (apksig `ApkSigningBlockUtils.computeContentDigests`):
//! - `CHUNKED_SHA256` / `CHUNKED_SHA512`: each section is cut into 1 MiB
//!   chunks, each chunk hashed as `0xa5 || u32 len || data`, the result is the
//!   hash of `0x5a || u32 count || chunk digests`;
//! - `VERITY_CHUNKED_SHA256`: the root of a SHA-256 Merkle tree over 4 KiB
//!   pages of the three sections concatenated, each node salted with eight
//!   zero bytes, followed by the content length as a u64.
//!
//! Chunk digests are kept (64 bytes per MiB, 32 per 4 KiB page for verity),
//! never the content.

use sha2::{Digest, Sha256, Sha512};

use crate::ChunkSink;

/// A content digest algorithm of the APK Signing Block schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContentDigest {
    ChunkedSha256,
    ChunkedSha512,
    VeritySha256,
}

impl ContentDigest {
    /// apksig's name, used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            ContentDigest::ChunkedSha256 => "CHUNKED_SHA256",
            ContentDigest::ChunkedSha512 => "CHUNKED_SHA512",
            ContentDigest::VeritySha256 => "VERITY_CHUNKED_SHA256",
        }
    }

    /// apksig's preference order: SHA-512 over verity over SHA-256.
    pub fn strength(self) -> u8 {
        match self {
            ContentDigest::ChunkedSha256 => 0,
            ContentDigest::VeritySha256 => 1,
            ContentDigest::ChunkedSha512 => 2,
        }
    }
}

const CHUNK: u64 = 1 << 20;
const PAGE: usize = 4096;
const VERITY_SALT: [u8; 8] = [0; 8];

/// Where the signed sections lie in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Offset of the APK Signing Block: the end of the first section.
    pub block_offset: u64,
    pub cd_offset: u64,
    pub eocd_offset: u64,
    pub file_len: u64,
}

impl Layout {
    fn sections(&self) -> [(u64, u64); 3] {
        [
            (0, self.block_offset),
            (self.cd_offset, self.eocd_offset),
            (self.eocd_offset, self.file_len),
        ]
    }

    fn content_len(&self) -> u64 {
        self.sections()
            .iter()
            .map(|(s, e)| e.saturating_sub(*s))
            .sum()
    }
}

/// Computes the content digests that an APK's signing block asks for while
/// the caller streams the file once through [`crate::stream_pass`].
pub struct ContentDigests {
    layout: Layout,
    sha256: Option<Chunked<Sha256>>,
    sha512: Option<Chunked<Sha512>>,
    verity: Option<Verity>,
    /// The next file offset expected; `None` once bytes arrived out of order.
    next: Option<u64>,
}

/// The digests of the content, for the algorithms that were requested.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Computed {
    pub chunked_sha256: Option<Vec<u8>>,
    pub chunked_sha512: Option<Vec<u8>>,
    pub verity_sha256: Option<Vec<u8>>,
}

impl Computed {
    pub fn get(&self, alg: ContentDigest) -> Option<&[u8]> {
        match alg {
            ContentDigest::ChunkedSha256 => self.chunked_sha256.as_deref(),
            ContentDigest::ChunkedSha512 => self.chunked_sha512.as_deref(),
            ContentDigest::VeritySha256 => self.verity_sha256.as_deref(),
        }
    }
}

impl ContentDigests {
    /// A sink for `layout` computing `algorithms`. A layout whose sections do
    /// not lie in order inside the file yields digests of nothing, which will
    /// not match any signature.
    pub fn new(layout: Layout, algorithms: &[ContentDigest]) -> ContentDigests {
        let sizes = layout.sections().map(|(s, e)| e.saturating_sub(s));
        let wants = |a| algorithms.contains(&a);
        ContentDigests {
            layout,
            sha256: wants(ContentDigest::ChunkedSha256).then(|| Chunked::new(sizes)),
            sha512: wants(ContentDigest::ChunkedSha512).then(|| Chunked::new(sizes)),
            verity: wants(ContentDigest::VeritySha256).then(Verity::new),
            next: Some(0),
        }
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Whether this sink computes `alg`.
    pub fn computes(&self, alg: ContentDigest) -> bool {
        match alg {
            ContentDigest::ChunkedSha256 => self.sha256.is_some(),
            ContentDigest::ChunkedSha512 => self.sha512.is_some(),
            ContentDigest::VeritySha256 => self.verity.is_some(),
        }
    }

    /// The digests, or why they could not be computed.
    pub fn finish(self) -> Result<Computed, String> {
        match self.next {
            Some(n) if n == self.layout.file_len => {}
            Some(n) => {
                return Err(format!(
                    "the content digests saw {n} of {} bytes",
                    self.layout.file_len
                ))
            }
            None => return Err("the content digests were fed out of order".into()),
        }
        let content_len = self.layout.content_len();
        Ok(Computed {
            chunked_sha256: self.sha256.map(Chunked::finish),
            chunked_sha512: self.sha512.map(Chunked::finish),
            verity_sha256: self.verity.map(|v| v.finish(content_len)),
        })
    }

    /// The parts of a file chunk that are signed content, each with its
    /// section, the EOCD's CD offset field replaced by `patched`.
    fn pieces<'a>(
        &self,
        offset: u64,
        chunk: &'a [u8],
        patched: &'a [u8; 4],
    ) -> Vec<(usize, &'a [u8])> {
        let end = offset.saturating_add(chunk.len() as u64);
        let eocd = self.layout.eocd_offset;
        let field = (eocd.saturating_add(16), eocd.saturating_add(20));
        let from_chunk =
            |lo: u64, hi: u64| chunk.get((lo - offset) as usize..(hi - offset) as usize);
        let mut out = Vec::with_capacity(4);
        for (i, (start, stop)) in self.layout.sections().into_iter().enumerate() {
            let (lo, hi) = (start.max(offset), stop.min(end));
            if lo >= hi {
                continue;
            }
            if i != 2 || hi <= field.0 || lo >= field.1 {
                out.extend(from_chunk(lo, hi).map(|b| (i, b)));
                continue;
            }
            let (f0, f1) = (field.0.clamp(lo, hi), field.1.clamp(lo, hi));
            out.extend(from_chunk(lo, f0).map(|b| (i, b)));
            out.extend(
                patched
                    .get((f0 - field.0) as usize..(f1 - field.0) as usize)
                    .map(|b| (i, b)),
            );
            out.extend(from_chunk(f1, hi).map(|b| (i, b)));
        }
        out
    }
}

/// Chunks at least this large are digested on two threads: the chunked
/// digests on one, the verity tree on the other.
const PARALLEL_MIN: usize = 64 << 10;

impl ChunkSink for ContentDigests {
    fn update(&mut self, offset: u64, chunk: &[u8]) {
        let Some(expected) = self.next else { return };
        if offset != expected {
            self.next = None;
            return;
        }
        self.next = Some(offset.saturating_add(chunk.len() as u64));
        let patched = u32::try_from(self.layout.block_offset)
            .unwrap_or(u32::MAX)
            .to_le_bytes();
        let pieces = self.pieces(offset, chunk, &patched);
        let ContentDigests {
            sha256,
            sha512,
            verity,
            ..
        } = self;
        let chunked = sha256.is_some() || sha512.is_some();
        let mut feed_chunked = || {
            for &(section, bytes) in &pieces {
                if let Some(c) = sha256.as_mut() {
                    c.feed(section, bytes);
                }
                if let Some(c) = sha512.as_mut() {
                    c.feed(section, bytes);
                }
            }
        };
        let feed_verity = |v: &mut Verity| pieces.iter().for_each(|(_, bytes)| v.feed(bytes));
        match verity.as_mut() {
            Some(v) if chunked && chunk.len() >= PARALLEL_MIN => {
                // Whoever takes the tree first feeds it: the worker, or this
                // thread when no worker could be started.
                let slot = std::sync::Mutex::new(Some(v));
                let take = || slot.lock().ok().and_then(|mut s| s.take());
                std::thread::scope(|scope| {
                    let worker =
                        std::thread::Builder::new().spawn_scoped(scope, || take().map(feed_verity));
                    feed_chunked();
                    if worker.is_err() {
                        take().map(feed_verity);
                    }
                });
            }
            Some(v) => {
                feed_verity(v);
                feed_chunked();
            }
            None => feed_chunked(),
        }
    }
}

/// One chunked digest: 1 MiB chunks that never cross a section boundary.
struct Chunked<D: Digest + Clone> {
    /// Bytes of each section still to come.
    left: [u64; 3],
    hasher: D,
    /// Bytes still missing from the chunk being hashed (0: none open).
    chunk_left: u64,
    chunks: u32,
    digests: Vec<u8>,
}

impl<D: Digest + Clone> Chunked<D> {
    fn new(sizes: [u64; 3]) -> Self {
        let count: u64 = sizes.iter().map(|s| s.div_ceil(CHUNK)).sum();
        let cap = usize::try_from(count.saturating_mul(64).min(1 << 20)).unwrap_or(0);
        Chunked {
            left: sizes,
            hasher: D::new(),
            chunk_left: 0,
            chunks: 0,
            digests: Vec::with_capacity(cap),
        }
    }

    fn feed(&mut self, section: usize, mut bytes: &[u8]) {
        let Some(left) = self.left.get_mut(section) else {
            return;
        };
        while !bytes.is_empty() && *left > 0 {
            if self.chunk_left == 0 {
                let size = (*left).min(CHUNK);
                self.chunk_left = size;
                self.hasher.update([0xa5]);
                self.hasher.update((size as u32).to_le_bytes());
            }
            let n = bytes
                .len()
                .min(usize::try_from(self.chunk_left).unwrap_or(usize::MAX));
            let (head, tail) = bytes.split_at(n);
            self.hasher.update(head);
            bytes = tail;
            self.chunk_left -= n as u64;
            *left -= n as u64;
            if self.chunk_left == 0 {
                let digest = std::mem::replace(&mut self.hasher, D::new()).finalize();
                self.digests.extend_from_slice(&digest);
                self.chunks = self.chunks.saturating_add(1);
            }
        }
    }

    fn finish(self) -> Vec<u8> {
        let mut top = D::new();
        top.update([0x5a]);
        top.update(self.chunks.to_le_bytes());
        top.update(&self.digests);
        top.finalize().to_vec()
    }
}

/// The verity Merkle tree's leaves, built page by page.
struct Verity {
    salted: Sha256,
    page: Sha256,
    page_fill: usize,
    leaves: Vec<u8>,
}

impl Verity {
    fn new() -> Self {
        let salted = Sha256::new_with_prefix(VERITY_SALT);
        Verity {
            page: salted.clone(),
            salted,
            page_fill: 0,
            leaves: Vec::new(),
        }
    }

    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n = bytes.len().min(PAGE - self.page_fill);
            let (head, tail) = bytes.split_at(n);
            self.page.update(head);
            self.page_fill += n;
            bytes = tail;
            if self.page_fill == PAGE {
                self.close_page();
            }
        }
    }

    fn close_page(&mut self) {
        let page = std::mem::replace(&mut self.page, self.salted.clone());
        self.leaves.extend_from_slice(&page.finalize());
        self.page_fill = 0;
    }

    /// The root hash followed by the content length. The last data page and
    /// every tree level are zero-padded to whole pages (as the signers
    /// compute it; the length appended is the unpadded one).
    fn finish(mut self, content_len: u64) -> Vec<u8> {
        if self.page_fill > 0 {
            let zeros = [0u8; PAGE];
            self.feed(zeros.get(self.page_fill..).unwrap_or_default());
        }
        let mut level = self.leaves;
        while level.len() > PAGE {
            level.resize(level.len().div_ceil(PAGE) * PAGE, 0);
            let mut next = Vec::with_capacity(level.len() / PAGE * 32);
            for page in level.chunks(PAGE) {
                let mut h = self.salted.clone();
                h.update(page);
                next.extend_from_slice(&h.finalize());
            }
            level = next;
        }
        level.resize(PAGE, 0);
        let mut root = self.salted.clone();
        root.update(&level);
        let mut out = root.finalize().to_vec();
        out.extend_from_slice(&content_len.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference computation, straight from the definition, over a
    /// whole buffer.
    fn reference(file: &[u8], layout: Layout) -> (Vec<u8>, Vec<u8>) {
        let mut eocd = file[layout.eocd_offset as usize..].to_vec();
        eocd[16..20].copy_from_slice(&(layout.block_offset as u32).to_le_bytes());
        let sections = [
            &file[..layout.block_offset as usize],
            &file[layout.cd_offset as usize..layout.eocd_offset as usize],
            &eocd[..],
        ];
        let mut digests = Vec::new();
        let mut count = 0u32;
        for s in sections {
            for c in s.chunks(CHUNK as usize) {
                let mut h = Sha256::new();
                h.update([0xa5]);
                h.update((c.len() as u32).to_le_bytes());
                h.update(c);
                digests.extend_from_slice(&h.finalize());
                count += 1;
            }
        }
        let mut h = Sha256::new();
        h.update([0x5a]);
        h.update(count.to_le_bytes());
        h.update(&digests);
        let chunked = h.finalize().to_vec();

        let all: Vec<u8> = sections.concat();
        let mut padded = all.clone();
        padded.resize(all.len().div_ceil(PAGE) * PAGE, 0);
        let mut level: Vec<u8> = padded
            .chunks(PAGE)
            .flat_map(|p| {
                let mut h = Sha256::new();
                h.update(VERITY_SALT);
                h.update(p);
                h.finalize().to_vec()
            })
            .collect();
        while level.len() > PAGE {
            level.resize(level.len().div_ceil(PAGE) * PAGE, 0);
            level = level
                .chunks(PAGE)
                .flat_map(|p| {
                    let mut h = Sha256::new();
                    h.update(VERITY_SALT);
                    h.update(p);
                    h.finalize().to_vec()
                })
                .collect();
        }
        level.resize(PAGE, 0);
        let mut h = Sha256::new();
        h.update(VERITY_SALT);
        h.update(&level);
        let mut verity = h.finalize().to_vec();
        verity.extend_from_slice(&(all.len() as u64).to_le_bytes());
        (chunked, verity)
    }

    #[test]
    fn streaming_matches_reference_for_any_chunking() {
        let len = 3 * (1 << 20) + 12345;
        let file: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let layout = Layout {
            block_offset: 2 * (1 << 20) + 4096,
            cd_offset: 2 * (1 << 20) + 8192,
            eocd_offset: len as u64 - 22,
            file_len: len as u64,
        };
        let (want_chunked, want_verity) = reference(&file, layout);
        for step in [1 << 20, 4095, 100_003] {
            let mut sink = ContentDigests::new(
                layout,
                &[ContentDigest::ChunkedSha256, ContentDigest::VeritySha256],
            );
            let mut off = 0;
            for c in file.chunks(step) {
                sink.update(off as u64, c);
                off += c.len();
            }
            let got = sink.finish().unwrap();
            assert_eq!(
                got.chunked_sha256.as_deref(),
                Some(&want_chunked[..]),
                "step {step}"
            );
            assert_eq!(
                got.verity_sha256.as_deref(),
                Some(&want_verity[..]),
                "step {step}"
            );
            assert_eq!(got.chunked_sha512, None);
        }
    }

    #[test]
    fn out_of_order_is_an_error() {
        let layout = Layout {
            block_offset: 10,
            cd_offset: 20,
            eocd_offset: 30,
            file_len: 52,
        };
        let mut sink = ContentDigests::new(layout, &[ContentDigest::ChunkedSha512]);
        sink.update(5, &[0; 10]);
        assert!(sink.finish().is_err());
    }
}
