//! Positional reads over an APK held in memory or on disk.

use std::io;

/// Random access to the bytes of an APK. Implemented for byte slices and for
/// files, so a large upload is read in place instead of loaded whole.
/// `Sync` so that independent steps (hashing the file, inflating entries)
/// can read it from several threads at once.
pub trait ReadAt: Sync {
    /// Total length in bytes.
    fn size(&self) -> u64;
    /// Fill `buf` from `offset`; an error if the range runs past the end.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

impl ReadAt for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| eof())?;
        let end = start.checked_add(buf.len()).ok_or_else(eof)?;
        let src = self.get(start..end).ok_or_else(eof)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

impl ReadAt for Vec<u8> {
    fn size(&self) -> u64 {
        self.as_slice().size()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.as_slice().read_exact_at(offset, buf)
    }
}

impl ReadAt for std::fs::File {
    fn size(&self) -> u64 {
        self.metadata().map(|m| m.len()).unwrap_or(0)
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(self, buf, offset)
    }
}

fn eof() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "read past the end of the file",
    )
}

/// Receives the file's bytes in order during the one sequential pass.
pub trait ChunkSink {
    fn update(&mut self, offset: u64, chunk: &[u8]);
}

/// Size of the chunks handed to sinks. 1 MiB is also the chunk size of the
/// v2/v3 signature content digests.
pub const PASS_CHUNK: usize = 1 << 20;

/// Read the whole file once, front to back, feeding every sink. The
/// whole-file sha256 and the signature digests share this single read.
pub fn stream_pass<R: ReadAt + ?Sized>(
    src: &R,
    sinks: &mut [&mut dyn ChunkSink],
) -> io::Result<()> {
    let len = src.size();
    let mut buf = vec![0u8; PASS_CHUNK];
    let mut offset = 0u64;
    while offset < len {
        let n = usize::try_from((len - offset).min(PASS_CHUNK as u64)).unwrap_or(PASS_CHUNK);
        let chunk = &mut buf[..n];
        src.read_exact_at(offset, chunk)?;
        for sink in sinks.iter_mut() {
            sink.update(offset, chunk);
        }
        offset += n as u64;
    }
    Ok(())
}
