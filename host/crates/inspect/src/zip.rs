//! The zip container, read from its central directory the way Android reads it.
//!
//! Android (libziparchive for the archive, libandroidfw for the manifest and
//! resources) trusts the central directory: the end record is found by
//! scanning back over the comment, entries come from the directory, and each
//! local header is only checked against it. This reader does the same, but
//! where Android would refuse an archive or quietly accept something odd, it
//! records a [`ZipAnomaly`] instead, so a policy sees the tampering: repeated
//! names, local headers that disagree with the directory, data hidden before
//! the first entry or between the entries and the directory (Janus), path
//! traversal, NUL bytes in names and unusual compression methods. Only an
//! archive whose directory cannot be read at all is an error.
//!
//! Parsing reads the end record, the directory and the local headers; entry
//! data is read on demand by [`Archive::read`], one entry at a time, inflated
//! with a bounded output and checked against its CRC-32.

use std::sync::atomic::{AtomicU64, Ordering};

use flate2::{Decompress, FlushDecompress, Status};
use shelfgate_contract::types::{ContainerFacts, ZipAnomaly};

use crate::{InspectError, Limits, ReadAt};

/// Compression method 0: the data is stored as is.
pub const METHOD_STORED: u16 = 0;
/// Compression method 8: raw deflate.
pub const METHOD_DEFLATED: u16 = 8;

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
const MAX_COMMENT: usize = 0xffff;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_EOCD_LEN: usize = 56;
const CDH_SIG: u32 = 0x0201_4b50;
const CDH_LEN: usize = 46;
const LFH_SIG: u32 = 0x0403_4b50;
const LFH_LEN: u64 = 30;
const DATA_DESCRIPTOR_SIG: u32 = 0x0807_4b50;
const ZIP64_EXTRA_ID: u16 = 0x0001;
const APK_SIG_BLOCK_MAGIC: &[u8; 16] = b"APK Sig Block 42";

const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;

/// Ratios are only judged above this inflated size: a small file of zeros
/// legitimately compresses a thousandfold.
const RATIO_FLOOR: u64 = 1 << 20;
/// Longest run of zeros taken for alignment padding rather than data.
const MAX_PADDING: u64 = 64 << 10;
/// Input read per step while inflating.
const INFLATE_CHUNK: usize = 64 << 10;

/// One central-directory entry, with where its data starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name as UTF-8 (invalid bytes replaced; reported as an anomaly).
    pub name: String,
    /// The central directory's compression method: the one Android uses.
    pub method: u16,
    pub flags: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    pub local_header_offset: u64,
    /// First byte of the entry's data, after the local header.
    pub data_offset: u64,
    /// Why the entry's data cannot be located (its local header is missing
    /// or out of range); Android cannot open such an entry either.
    pub unreadable: Option<&'static str>,
}

/// A parsed archive: the directory, its position and the anomalies found.
/// It holds no reference to the source; pass the same source to [`read`].
///
/// [`read`]: Archive::read
#[derive(Debug)]
pub struct Archive {
    entries: Vec<Entry>,
    /// Entry indices sorted by name, then by directory order.
    by_name: Vec<u32>,
    cd_offset: u64,
    cd_size: u64,
    eocd_offset: u64,
    anomalies: Vec<ZipAnomaly>,
    /// Bytes handed out by `read` so far, against `max_total_inflated`.
    inflated: AtomicU64,
}

impl Archive {
    /// Parse the end record, the central directory and every local header.
    pub fn parse<R: ReadAt + ?Sized>(src: &R, limits: &Limits) -> Result<Archive, InspectError> {
        let size = src.size();
        if size > limits.max_apk_size {
            return Err(too_large("the APK", limits.max_apk_size));
        }
        let mut anomalies = Anomalies::new(limits.max_zip_anomalies);
        let end = EndRecord::find(src, size, &mut anomalies)?;

        if end.entries > u64::from(limits.max_entries) {
            return Err(InspectError::Zip(format!(
                "{} entries, above the limit of {}",
                end.entries, limits.max_entries
            )));
        }
        if end.cd_size > limits.max_central_directory {
            return Err(too_large(
                "the central directory",
                limits.max_central_directory,
            ));
        }
        let cd_end = end
            .cd_offset
            .checked_add(end.cd_size)
            .filter(|&e| e <= end.records_offset)
            .ok_or_else(|| {
                InspectError::Zip(format!(
                    "central directory (offset {}, size {}) runs past its end record at {}",
                    end.cd_offset, end.cd_size, end.records_offset
                ))
            })?;
        if cd_end < end.records_offset {
            anomalies.push(
                "data-after-cd",
                None,
                format!(
                    "{} bytes between the central directory and its end record",
                    end.records_offset - cd_end
                ),
            );
        }
        if end.entries.saturating_mul(CDH_LEN as u64) > end.cd_size {
            return Err(InspectError::Zip(format!(
                "end record claims {} entries but the central directory has only {} bytes",
                end.entries, end.cd_size
            )));
        }

        let mut cd = vec![0u8; to_usize(end.cd_size)?];
        src.read_exact_at(end.cd_offset, &mut cd)?;
        let entries = read_directory(src, &cd, &end, &mut anomalies)?;

        let mut by_name: Vec<u32> = (0..entries.len() as u32).collect();
        by_name.sort_by(|&a, &b| name_of(&entries, a).cmp(name_of(&entries, b)));
        report_duplicates(&entries, &by_name, &mut anomalies);
        report_layout(src, &entries, end.cd_offset, &mut anomalies);

        Ok(Archive {
            entries,
            by_name,
            cd_offset: end.cd_offset,
            cd_size: end.cd_size,
            eocd_offset: end.eocd_offset,
            anomalies: anomalies.finish(),
            inflated: AtomicU64::new(0),
        })
    }

    /// Every entry, in central-directory order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry named `name`. When names repeat, the first in directory
    /// order: current Android refuses such an archive outright
    /// (libziparchive's `AddToHash` returns `kDuplicateEntry`), and before
    /// Android 4.4 its native loader found the first copy while the Java
    /// signature check saw the last (the "Master Key" bug 8219321).
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        let start = self
            .by_name
            .partition_point(|&i| name_of(&self.entries, i) < name);
        let &index = self.by_name.get(start)?;
        let entry = self.entries.get(index as usize)?;
        (entry.name == name).then_some(entry)
    }

    /// The entry's data, inflated, bounded by `limits` and CRC-checked.
    ///
    /// Deflate (8) is inflated; every other method is read as stored data of
    /// the declared uncompressed size, as libandroidfw's asset provider
    /// does for the manifest and resources.
    pub fn read<R: ReadAt + ?Sized>(
        &self,
        src: &R,
        entry: &Entry,
        limits: &Limits,
    ) -> Result<Vec<u8>, InspectError> {
        let declared = to_usize(self.admit(entry, limits)?)?;
        let mut data = Vec::with_capacity(declared.min(INFLATE_CHUNK * 16));
        self.stream(src, entry, declared, &mut |chunk| {
            data.extend_from_slice(chunk)
        })?;
        Ok(data)
    }

    /// The entry's data handed to `sink` piece by piece, with the checks of
    /// [`Archive::read`] (the CRC is checked at the end, so on an error the
    /// sink may have seen data). Hashing an entry this way (JAR signature
    /// digests) needs no buffer the size of the entry.
    pub fn read_with<R: ReadAt + ?Sized>(
        &self,
        src: &R,
        entry: &Entry,
        limits: &Limits,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<(), InspectError> {
        let declared = to_usize(self.admit(entry, limits)?)?;
        self.stream(src, entry, declared, sink)
    }

    /// The declared size of an entry that may be read within `limits`.
    fn admit(&self, entry: &Entry, limits: &Limits) -> Result<u64, InspectError> {
        if let Some(why) = entry.unreadable {
            return Err(entry_error(entry, why));
        }
        let declared = entry.uncompressed_size;
        if declared > limits.max_entry_size {
            return Err(too_large(
                &format!("entry `{}`", entry.name),
                limits.max_entry_size,
            ));
        }
        let used = self.inflated.load(Ordering::Relaxed);
        if declared > limits.max_total_inflated.saturating_sub(used) {
            return Err(too_large(
                "the inflated entries together",
                limits.max_total_inflated,
            ));
        }
        let data_end = entry
            .data_offset
            .saturating_add(if entry.method == METHOD_DEFLATED {
                entry.compressed_size
            } else {
                declared
            });
        if data_end > self.cd_offset {
            return Err(entry_error(entry, "data runs into the central directory"));
        }
        if entry.method == METHOD_DEFLATED {
            let ratio_limit = entry
                .compressed_size
                .max(1)
                .saturating_mul(limits.max_ratio);
            if declared > RATIO_FLOOR && declared > ratio_limit {
                return Err(InspectError::Zip(format!(
                    "entry `{}` claims a compression ratio above {}:1 ({} bytes from {})",
                    entry.name, limits.max_ratio, declared, entry.compressed_size
                )));
            }
        }
        Ok(declared)
    }

    /// Inflate or copy an admitted entry into `sink`, then check its CRC and
    /// count it against the total inflated.
    fn stream<R: ReadAt + ?Sized>(
        &self,
        src: &R,
        entry: &Entry,
        declared: usize,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<(), InspectError> {
        let mut crc = crc32fast::Hasher::new();
        let mut feed = |chunk: &[u8]| {
            crc.update(chunk);
            sink(chunk);
        };
        if entry.method == METHOD_DEFLATED {
            inflate(src, entry, declared, &mut feed)?;
        } else {
            let mut buf = vec![0u8; declared.min(INFLATE_CHUNK)];
            let mut at = 0usize;
            while at < declared {
                let n = (declared - at).min(buf.len());
                let chunk = buf.get_mut(..n).unwrap_or_default();
                src.read_exact_at(entry.data_offset + at as u64, chunk)?;
                feed(chunk);
                at += n;
            }
        }
        if crc.finalize() != entry.crc32 {
            return Err(entry_error(entry, "data does not match its CRC-32"));
        }
        self.inflated.fetch_add(declared as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Offset of the central directory.
    pub fn cd_offset(&self) -> u64 {
        self.cd_offset
    }

    /// Size of the central directory in bytes.
    pub fn cd_size(&self) -> u64 {
        self.cd_size
    }

    /// Offset of the (32-bit) end-of-central-directory record.
    pub fn eocd_offset(&self) -> u64 {
        self.eocd_offset
    }

    /// Tampering signs found while parsing.
    pub fn anomalies(&self) -> &[ZipAnomaly] {
        &self.anomalies
    }

    /// The container facts: counts, anomalies and the sorted, deduplicated
    /// entry names (at most `max_listed_files`).
    pub fn container_facts(&self, limits: &Limits) -> ContainerFacts {
        let mut files: Vec<String> = Vec::new();
        for &i in &self.by_name {
            if files.len() >= limits.max_listed_files as usize {
                break;
            }
            let name = name_of(&self.entries, i);
            if files.last().map(String::as_str) != Some(name) {
                files.push(name.to_owned());
            }
        }
        ContainerFacts {
            entry_count: u32::try_from(self.entries.len()).unwrap_or(u32::MAX),
            uncompressed_size: self
                .entries
                .iter()
                .fold(0u64, |sum, e| sum.saturating_add(e.uncompressed_size)),
            anomalies: self.anomalies.clone(),
            files,
        }
    }
}

/// Where the central directory is, from the end-of-central-directory record
/// (and its zip64 form when the 32-bit fields overflow).
struct EndRecord {
    eocd_offset: u64,
    /// Start of the end records: the zip64 record if there is one, else the
    /// 32-bit one. The directory must end at or before it.
    records_offset: u64,
    entries: u64,
    cd_size: u64,
    cd_offset: u64,
}

impl EndRecord {
    fn find<R: ReadAt + ?Sized>(
        src: &R,
        size: u64,
        anomalies: &mut Anomalies,
    ) -> Result<EndRecord, InspectError> {
        if size < EOCD_LEN as u64 {
            return Err(InspectError::NotZip(format!(
                "{size} bytes is too short for an end-of-central-directory record"
            )));
        }
        // The record is followed only by its comment of at most 64 KiB.
        let tail_len = size.min((MAX_COMMENT + EOCD_LEN) as u64);
        let tail_start = size - tail_len;
        let mut tail = vec![0u8; to_usize(tail_len)?];
        src.read_exact_at(tail_start, &mut tail)?;

        // Scan back as libziparchive does, but prefer a record whose comment
        // ends exactly at the end of the file, so a signature hidden in a
        // comment cannot shadow the real record.
        let mut fallback = None;
        let mut found = None;
        for at in (0..=tail.len() - EOCD_LEN).rev() {
            if le_u32(&tail, at) != Some(EOCD_SIG) {
                continue;
            }
            let comment = usize::from(le_u16(&tail, at + 20).unwrap_or(0));
            let record_end = at + EOCD_LEN + comment;
            if record_end == tail.len() {
                found = Some(at);
                break;
            }
            if fallback.is_none() && record_end < tail.len() {
                fallback = Some(at);
            }
        }
        let at = match (found, fallback) {
            (Some(at), _) => at,
            (None, Some(at)) => {
                let comment = usize::from(le_u16(&tail, at + 20).unwrap_or(0));
                anomalies.push(
                    "trailing-data",
                    None,
                    format!(
                        "{} bytes after the end record and its comment; Android refuses such archives",
                        tail.len() - (at + EOCD_LEN + comment)
                    ),
                );
                at
            }
            (None, None) => {
                return Err(InspectError::NotZip(
                    "no end-of-central-directory record".to_owned(),
                ))
            }
        };
        let eocd_offset = tail_start + at as u64;
        let field16 = |off: usize| le_u16(&tail, at + off).unwrap_or(0);
        let field32 = |off: usize| le_u32(&tail, at + off).unwrap_or(0);
        let mut end = EndRecord {
            eocd_offset,
            records_offset: eocd_offset,
            entries: u64::from(field16(10)),
            cd_size: u64::from(field32(12)),
            cd_offset: u64::from(field32(16)),
        };
        if field16(8) != field16(10) || field16(4) != 0 || field16(6) != 0 {
            anomalies.push(
                "multi-disk",
                None,
                "end record describes a multi-disk archive; only this disk is read".to_owned(),
            );
        }
        if end.entries == 0xffff || end.cd_size == 0xffff_ffff || end.cd_offset == 0xffff_ffff {
            end.apply_zip64(src)?;
        }
        Ok(end)
    }

    /// Use the zip64 end record when its locator sits just before the
    /// 32-bit record; a genuine 65535-entry archive has neither.
    fn apply_zip64<R: ReadAt + ?Sized>(&mut self, src: &R) -> Result<(), InspectError> {
        let Some(locator_at) = self.eocd_offset.checked_sub(ZIP64_LOCATOR_LEN) else {
            return Ok(());
        };
        let mut locator = [0u8; ZIP64_LOCATOR_LEN as usize];
        src.read_exact_at(locator_at, &mut locator)?;
        if le_u32(&locator, 0) != Some(ZIP64_LOCATOR_SIG) {
            return Ok(());
        }
        let record_at = le_u64(&locator, 8).unwrap_or(u64::MAX);
        let mut record = [0u8; ZIP64_EOCD_LEN];
        if record_at > locator_at.saturating_sub(ZIP64_EOCD_LEN as u64) {
            return Err(InspectError::Zip(
                "zip64 end record lies outside the archive".to_owned(),
            ));
        }
        src.read_exact_at(record_at, &mut record)?;
        if le_u32(&record, 0) != Some(ZIP64_EOCD_SIG) {
            return Err(InspectError::Zip(
                "zip64 end record has a bad signature".to_owned(),
            ));
        }
        self.records_offset = record_at;
        self.entries = le_u64(&record, 32).unwrap_or(u64::MAX);
        self.cd_size = le_u64(&record, 40).unwrap_or(u64::MAX);
        self.cd_offset = le_u64(&record, 48).unwrap_or(u64::MAX);
        Ok(())
    }
}

/// Walk the central directory, checking each local header against it.
fn read_directory<R: ReadAt + ?Sized>(
    src: &R,
    cd: &[u8],
    end: &EndRecord,
    anomalies: &mut Anomalies,
) -> Result<Vec<Entry>, InspectError> {
    let count = to_usize(end.entries)?;
    let mut entries = Vec::with_capacity(count);
    let mut local_header = Vec::new();
    let mut pos = 0usize;
    for index in 0..count {
        let truncated =
            || InspectError::Zip(format!("central directory entry {index} is truncated"));
        let header = cd.get(pos..pos + CDH_LEN).ok_or_else(truncated)?;
        if le_u32(header, 0) != Some(CDH_SIG) {
            return Err(InspectError::Zip(format!(
                "central directory entry {index} has a bad signature"
            )));
        }
        let h16 = |off: usize| le_u16(header, off).unwrap_or(0);
        let h32 = |off: usize| le_u32(header, off).unwrap_or(0);
        let (name_len, extra_len, comment_len) = (
            usize::from(h16(28)),
            usize::from(h16(30)),
            usize::from(h16(32)),
        );
        let name_at = pos + CDH_LEN;
        let raw_name = cd.get(name_at..name_at + name_len).ok_or_else(truncated)?;
        let extra = cd
            .get(name_at + name_len..name_at + name_len + extra_len)
            .ok_or_else(truncated)?;
        pos = name_at + name_len + extra_len + comment_len;
        if pos > cd.len() {
            return Err(truncated());
        }

        let mut entry = Entry {
            name: String::new(),
            method: h16(10),
            flags: h16(8),
            crc32: h32(16),
            compressed_size: u64::from(h32(20)),
            uncompressed_size: u64::from(h32(24)),
            local_header_offset: u64::from(h32(42)),
            data_offset: 0,
            unreadable: None,
        };
        apply_zip64_extra(&mut entry, extra);
        entry.name = match std::str::from_utf8(raw_name) {
            Ok(name) => name.to_owned(),
            Err(_) => {
                let name = String::from_utf8_lossy(raw_name).into_owned();
                anomalies.push(
                    "invalid-utf8-name",
                    Some(&name),
                    "name is not UTF-8; Android refuses the archive".to_owned(),
                );
                name
            }
        };
        check_name(&entry.name, anomalies);
        check_entry_fields(&entry, anomalies);
        check_local_header(
            src,
            &mut entry,
            raw_name,
            end.cd_offset,
            &mut local_header,
            anomalies,
        )?;
        entries.push(entry);
    }
    if pos < cd.len() {
        anomalies.push(
            "cd-size-mismatch",
            None,
            format!(
                "{} bytes of central directory after the {count} entries the end record declares",
                cd.len() - pos
            ),
        );
    }
    Ok(entries)
}

/// Replace 32-bit fields saturated at 0xffffffff with their zip64 values.
fn apply_zip64_extra(entry: &mut Entry, mut extra: &[u8]) {
    while let (Some(id), Some(len)) = (le_u16(extra, 0), le_u16(extra, 2)) {
        let len = usize::from(len);
        let Some(body) = extra.get(4..4 + len) else {
            return;
        };
        if id == ZIP64_EXTRA_ID {
            let mut at = 0;
            let mut next = |field: &mut u64| {
                if *field == 0xffff_ffff {
                    if let Some(v) = le_u64(body, at) {
                        *field = v;
                        at += 8;
                    }
                }
            };
            next(&mut entry.uncompressed_size);
            next(&mut entry.compressed_size);
            next(&mut entry.local_header_offset);
            return;
        }
        extra = extra.get(4 + len..).unwrap_or(&[]);
    }
}

fn check_name(name: &str, anomalies: &mut Anomalies) {
    if name.contains('\0') {
        anomalies.push(
            "nul-in-name",
            Some(name),
            "name contains a NUL byte; Android refuses the archive, tools that stop at the NUL see another name"
                .to_owned(),
        );
    }
    let absolute =
        name.starts_with('/') || name.starts_with('\\') || name.as_bytes().get(1) == Some(&b':');
    if absolute || name.split(['/', '\\']).any(|segment| segment == "..") {
        anomalies.push(
            "path-traversal",
            Some(name),
            "name escapes the extraction directory".to_owned(),
        );
    }
}

fn check_entry_fields(entry: &Entry, anomalies: &mut Anomalies) {
    if entry.method != METHOD_STORED && entry.method != METHOD_DEFLATED {
        anomalies.push(
            "unusual-compression",
            Some(&entry.name),
            format!(
                "compression method {}; Android's resource loader reads any method but deflate as stored data",
                entry.method
            ),
        );
    }
    if entry.method == METHOD_STORED && entry.compressed_size != entry.uncompressed_size {
        anomalies.push(
            "header-mismatch",
            Some(&entry.name),
            format!(
                "stored entry with compressed size {} and uncompressed size {}",
                entry.compressed_size, entry.uncompressed_size
            ),
        );
    }
    if entry.flags & FLAG_ENCRYPTED != 0 {
        anomalies.push(
            "encrypted-flag",
            Some(&entry.name),
            "entry is flagged encrypted; Android ignores the flag and reads it in the clear"
                .to_owned(),
        );
    }
}

/// Locate the entry's data through its local header, as libziparchive's
/// `FindEntry` does, and report where the two headers disagree. Android
/// refuses to open an entry whose name or (without a data descriptor) sizes
/// and CRC differ; it uses the directory's compression method.
fn check_local_header<R: ReadAt + ?Sized>(
    src: &R,
    entry: &mut Entry,
    cd_name: &[u8],
    cd_offset: u64,
    local: &mut Vec<u8>,
    anomalies: &mut Anomalies,
) -> Result<(), InspectError> {
    let lho = entry.local_header_offset;
    if lho.checked_add(LFH_LEN).is_none_or(|end| end > cd_offset) {
        entry.unreadable = Some("local header lies outside the entry area");
        anomalies.push(
            "bad-local-header",
            Some(&entry.name),
            format!("local header offset {lho} is past the central directory"),
        );
        return Ok(());
    }
    // One read for the header and the name it should repeat.
    let wanted = LFH_LEN.saturating_add(cd_name.len() as u64);
    local.resize(to_usize(wanted.min(cd_offset - lho))?, 0);
    src.read_exact_at(lho, local)?;
    let header = local.get(..LFH_LEN as usize).unwrap_or_default();
    if le_u32(header, 0) != Some(LFH_SIG) {
        entry.unreadable = Some("no local header at its offset");
        anomalies.push(
            "bad-local-header",
            Some(&entry.name),
            format!("no local header signature at offset {lho}"),
        );
        return Ok(());
    }
    let l16 = |off: usize| le_u16(header, off).unwrap_or(0);
    let l32 = |off: usize| le_u32(header, off).unwrap_or(0);
    let (flags, method, crc32) = (l16(6), l16(8), l32(14));
    let (csize, usize_) = (l32(18), l32(22));
    let (name_len, extra_len) = (u64::from(l16(26)), u64::from(l16(28)));
    let data_offset = lho + LFH_LEN + name_len + extra_len;
    if data_offset > cd_offset {
        entry.unreadable = Some("local header runs into the central directory");
        anomalies.push(
            "bad-local-header",
            Some(&entry.name),
            "local header runs into the central directory".to_owned(),
        );
        return Ok(());
    }
    entry.data_offset = data_offset;

    let local_name = local.get(LFH_LEN as usize..).unwrap_or_default();
    if name_len != cd_name.len() as u64 || local_name != cd_name {
        let mut name = vec![0u8; to_usize(name_len)?];
        src.read_exact_at(lho + LFH_LEN, &mut name)?;
        anomalies.push(
            "header-mismatch",
            Some(&entry.name),
            format!(
                "local header names it `{}`; Android refuses to open the entry",
                String::from_utf8_lossy(&name)
            ),
        );
    }
    if method != entry.method {
        anomalies.push(
            "header-mismatch",
            Some(&entry.name),
            format!(
                "local header says compression method {method}, central directory {}; Android uses the central directory's",
                entry.method
            ),
        );
    }
    let zip64_sizes = csize == 0xffff_ffff || usize_ == 0xffff_ffff;
    if flags & FLAG_DATA_DESCRIPTOR == 0
        && !zip64_sizes
        && (u64::from(csize) != entry.compressed_size
            || u64::from(usize_) != entry.uncompressed_size
            || crc32 != entry.crc32)
    {
        anomalies.push(
            "header-mismatch",
            Some(&entry.name),
            format!(
                "local header says {csize}/{usize_} bytes, CRC {crc32:08x}; central directory {}/{} bytes, CRC {:08x}; Android refuses to open the entry",
                entry.compressed_size, entry.uncompressed_size, entry.crc32
            ),
        );
    }
    Ok(())
}

fn report_duplicates(entries: &[Entry], by_name: &[u32], anomalies: &mut Anomalies) {
    for group in by_name.chunk_by(|&a, &b| name_of(entries, a) == name_of(entries, b)) {
        if let (true, Some(&first)) = (group.len() > 1, group.first()) {
            let name = name_of(entries, first);
            anomalies.push(
                "duplicate-entry",
                Some(name),
                format!(
                    "{} central-directory entries share this name; Android refuses the archive, \
                     older versions loaded the first (entry {first}), which is the one read here",
                    group.len()
                ),
            );
        }
    }
}

/// Compare the entries' extents with each other and with the directory:
/// bytes before the first local header (Janus, CVE-2017-13156: Android
/// requires a local header at offset 0 since the fix), gaps and overlaps
/// between entries, and bytes between the last entry and the directory that
/// are not an APK Signing Block. Zero padding is not reported.
fn report_layout<R: ReadAt + ?Sized>(
    src: &R,
    entries: &[Entry],
    cd_offset: u64,
    anomalies: &mut Anomalies,
) {
    let mut extents: Vec<(u64, u64)> = entries
        .iter()
        .filter(|e| e.unreadable.is_none())
        .map(|e| (e.local_header_offset, data_end(src, e, cd_offset)))
        .collect();
    extents.sort_unstable();

    let first = extents.first().map_or(cd_offset, |&(start, _)| start);
    if first > 0 {
        anomalies.push(
            "leading-data",
            None,
            format!(
                "{first} bytes before the first local header (Janus-style); Android refuses archives \
                 that do not start with a local header"
            ),
        );
    }
    let mut covered = first;
    for &(start, end) in &extents {
        if start > covered && !is_zero_fill(src, covered, start) {
            anomalies.push(
                "gap-between-entries",
                None,
                format!("{} unreferenced bytes at offset {covered}", start - covered),
            );
        } else if start < covered {
            anomalies.push(
                "overlapping-entries",
                None,
                format!("an entry at offset {start} overlaps the previous one's data"),
            );
        }
        covered = covered.max(end);
    }

    let before_cd = signing_block_start(src, cd_offset).unwrap_or(cd_offset);
    if before_cd > covered && !is_zero_fill(src, covered, before_cd) {
        anomalies.push(
            "gap-before-cd",
            None,
            format!(
                "{} unreferenced bytes between the last entry and the {}",
                before_cd - covered,
                if before_cd < cd_offset {
                    "APK Signing Block"
                } else {
                    "central directory"
                }
            ),
        );
    } else if before_cd < covered {
        anomalies.push(
            "overlapping-entries",
            None,
            format!(
                "entry data overlaps the {}",
                if before_cd < cd_offset {
                    "APK Signing Block"
                } else {
                    "central directory"
                }
            ),
        );
    }
}

/// Whether `start..end` holds only zeros: the padding that zipalign and
/// apksigner leave before page-aligned entries and the signing block. Long
/// runs are not read and count as data.
fn is_zero_fill<R: ReadAt + ?Sized>(src: &R, start: u64, end: u64) -> bool {
    if end - start > MAX_PADDING {
        return false;
    }
    let mut buf = [0u8; 4096];
    let mut at = start;
    while at < end {
        let n = (end - at).min(buf.len() as u64) as usize;
        let chunk = buf.get_mut(..n).unwrap_or_default();
        if src.read_exact_at(at, chunk).is_err() || chunk.iter().any(|&b| b != 0) {
            return false;
        }
        at += n as u64;
    }
    true
}

/// End of an entry's data, including a trailing data descriptor.
fn data_end<R: ReadAt + ?Sized>(src: &R, entry: &Entry, cd_offset: u64) -> u64 {
    let end = entry.data_offset.saturating_add(entry.compressed_size);
    if entry.flags & FLAG_DATA_DESCRIPTOR == 0 {
        return end;
    }
    let mut sig = [0u8; 4];
    let signed =
        src.read_exact_at(end, &mut sig).is_ok() && le_u32(&sig, 0) == Some(DATA_DESCRIPTOR_SIG);
    end.saturating_add(if signed { 16 } else { 12 })
        .min(cd_offset)
}

/// Start of the APK Signing Block that ends right before the directory.
fn signing_block_start<R: ReadAt + ?Sized>(src: &R, cd_offset: u64) -> Option<u64> {
    let mut footer = [0u8; 24];
    src.read_exact_at(cd_offset.checked_sub(24)?, &mut footer)
        .ok()?;
    if footer.get(8..24)? != APK_SIG_BLOCK_MAGIC {
        return None;
    }
    let size = le_u64(&footer, 0)?;
    cd_offset.checked_sub(size)?.checked_sub(8)
}

/// Inflate raw deflate data, exactly `declared` bytes, into `sink`.
fn inflate<R: ReadAt + ?Sized>(
    src: &R,
    entry: &Entry,
    declared: usize,
    sink: &mut dyn FnMut(&[u8]),
) -> Result<(), InspectError> {
    if declared == 0 && entry.compressed_size == 0 {
        return Ok(());
    }
    let mut inflater = Decompress::new(false);
    let mut input = vec![0u8; to_usize(entry.compressed_size)?.min(INFLATE_CHUNK)];
    // One byte past the declared size shows a stream that runs over; small
    // entries (most of an APK) then zero no more than they need.
    let mut scratch = vec![0u8; declared.saturating_add(1).min(INFLATE_CHUNK)];
    let (mut next_in, end_in) = (entry.data_offset, entry.data_offset + entry.compressed_size);
    let (mut filled, mut used, mut total) = (0usize, 0usize, 0usize);
    loop {
        if used == filled && next_in < end_in {
            filled = to_usize(end_in - next_in)?.min(input.len());
            let chunk = input.get_mut(..filled).unwrap_or_default();
            src.read_exact_at(next_in, chunk)?;
            next_in += filled as u64;
            used = 0;
        }
        let pending = input.get(used..filled).unwrap_or_default();
        let (in_before, out_before) = (inflater.total_in(), inflater.total_out());
        let status = inflater
            // Never `Finish`: miniz_oxide then wants the whole output in
            // one call. A stream that ends early stops making progress.
            .decompress(pending, &mut scratch, FlushDecompress::None)
            .map_err(|e| entry_error(entry, &format!("deflate stream is corrupt: {e}")))?;
        let consumed = (inflater.total_in() - in_before) as usize;
        used += consumed;
        let produced = (inflater.total_out() - out_before) as usize;
        let chunk = scratch.get(..produced).unwrap_or_default();
        total += chunk.len();
        if total > declared {
            return Err(entry_error(entry, "inflates past its declared size"));
        }
        sink(chunk);
        match status {
            Status::StreamEnd => break,
            _ if produced == 0 && consumed == 0 => {
                return Err(entry_error(entry, "deflate stream is truncated"));
            }
            _ => {}
        }
    }
    if total != declared {
        return Err(entry_error(
            entry,
            &format!("inflates to {total} bytes, its header says {declared}"),
        ));
    }
    Ok(())
}

/// Anomalies in the order found, bounded; the overflow is counted.
struct Anomalies {
    list: Vec<ZipAnomaly>,
    max: usize,
    dropped: u64,
}

impl Anomalies {
    fn new(max: u32) -> Self {
        Anomalies {
            list: Vec::new(),
            max: max as usize,
            dropped: 0,
        }
    }

    fn push(&mut self, kind: &str, entry: Option<&str>, detail: String) {
        if self.list.len() >= self.max {
            self.dropped += 1;
            return;
        }
        self.list.push(ZipAnomaly {
            kind: kind.to_owned(),
            entry: entry.map(str::to_owned),
            detail,
        });
    }

    fn finish(mut self) -> Vec<ZipAnomaly> {
        if self.dropped > 0 {
            self.list.push(ZipAnomaly {
                kind: "anomalies-truncated".to_owned(),
                entry: None,
                detail: format!("{} more anomalies not listed", self.dropped),
            });
        }
        self.list
    }
}

fn name_of(entries: &[Entry], index: u32) -> &str {
    entries.get(index as usize).map_or("", |e| e.name.as_str())
}

fn entry_error(entry: &Entry, why: &str) -> InspectError {
    InspectError::Zip(format!("entry `{}`: {why}", entry.name))
}

fn too_large(what: &str, limit: u64) -> InspectError {
    InspectError::TooLarge {
        what: what.to_owned(),
        limit,
    }
}

fn to_usize(n: u64) -> Result<usize, InspectError> {
    usize::try_from(n).map_err(|_| too_large("a zip field", usize::MAX as u64))
}

fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A hand-built archive: each entry's local header, data, then the
    /// directory and end record, with knobs to tamper with each part.
    #[derive(Default)]
    struct Builder {
        prefix: Vec<u8>,
        entries: Vec<(Vec<u8>, u16, Vec<u8>)>,
        after_cd: Vec<u8>,
        local_method: Option<u16>,
        declared_size: Option<u32>,
    }

    impl Builder {
        fn add(mut self, name: &str, method: u16, data: &[u8]) -> Self {
            self.entries
                .push((name.as_bytes().to_vec(), method, data.to_vec()));
            self
        }

        fn build(&self) -> Vec<u8> {
            let mut out = self.prefix.clone();
            let mut cd = Vec::new();
            for (name, method, data) in &self.entries {
                let body = if *method == METHOD_DEFLATED {
                    let mut enc =
                        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
                    enc.write_all(data).unwrap();
                    enc.finish().unwrap()
                } else {
                    data.clone()
                };
                let crc = crc32fast::hash(data);
                let usize_ = self.declared_size.unwrap_or(data.len() as u32);
                let offset = out.len() as u32;
                out.extend_from_slice(&LFH_SIG.to_le_bytes());
                out.extend_from_slice(&[20, 0, 0, 0]);
                out.extend_from_slice(&self.local_method.unwrap_or(*method).to_le_bytes());
                out.extend_from_slice(&[0; 4]);
                out.extend_from_slice(&crc.to_le_bytes());
                out.extend_from_slice(&(body.len() as u32).to_le_bytes());
                out.extend_from_slice(&usize_.to_le_bytes());
                out.extend_from_slice(&(name.len() as u16).to_le_bytes());
                out.extend_from_slice(&[0, 0]);
                out.extend_from_slice(name);
                out.extend_from_slice(&body);

                cd.extend_from_slice(&CDH_SIG.to_le_bytes());
                cd.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
                cd.extend_from_slice(&method.to_le_bytes());
                cd.extend_from_slice(&[0; 4]);
                cd.extend_from_slice(&crc.to_le_bytes());
                cd.extend_from_slice(&(body.len() as u32).to_le_bytes());
                cd.extend_from_slice(&usize_.to_le_bytes());
                cd.extend_from_slice(&(name.len() as u16).to_le_bytes());
                cd.extend_from_slice(&[0; 12]);
                cd.extend_from_slice(&offset.to_le_bytes());
                cd.extend_from_slice(name);
            }
            let cd_offset = out.len() as u32;
            out.extend_from_slice(&cd);
            out.extend_from_slice(&self.after_cd);
            out.extend_from_slice(&EOCD_SIG.to_le_bytes());
            out.extend_from_slice(&[0; 4]);
            let n = self.entries.len() as u16;
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
            out.extend_from_slice(&cd_offset.to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out
        }
    }

    fn kinds(archive: &Archive) -> Vec<&str> {
        archive
            .anomalies()
            .iter()
            .map(|a| a.kind.as_str())
            .collect()
    }

    #[test]
    fn reads_stored_and_deflated_entries() {
        let text = b"hello hello hello hello hello".repeat(50);
        let apk = Builder::default()
            .add("AndroidManifest.xml", METHOD_DEFLATED, &text)
            .add("assets/raw.bin", METHOD_STORED, b"raw bytes")
            .build();
        let limits = Limits::default();
        let archive = Archive::parse(&apk, &limits).unwrap();
        assert!(archive.anomalies().is_empty(), "{:?}", archive.anomalies());
        assert_eq!(archive.entries().len(), 2);
        let manifest = archive.entry("AndroidManifest.xml").unwrap();
        assert_eq!(archive.read(&apk, manifest, &limits).unwrap(), text);
        let raw = archive.entry("assets/raw.bin").unwrap();
        assert_eq!(archive.read(&apk, raw, &limits).unwrap(), b"raw bytes");
        assert!(archive.entry("missing").is_none());
        let facts = archive.container_facts(&limits);
        assert_eq!(facts.entry_count, 2);
        assert_eq!(facts.files, ["AndroidManifest.xml", "assets/raw.bin"]);
        assert_eq!(facts.uncompressed_size, text.len() as u64 + 9);
    }

    #[test]
    fn duplicate_names_resolve_to_the_first_entry() {
        let apk = Builder::default()
            .add("classes.dex", METHOD_STORED, b"first")
            .add("classes.dex", METHOD_STORED, b"second")
            .build();
        let limits = Limits::default();
        let archive = Archive::parse(&apk, &limits).unwrap();
        assert_eq!(kinds(&archive), ["duplicate-entry"]);
        let entry = archive.entry("classes.dex").unwrap();
        assert_eq!(archive.read(&apk, entry, &limits).unwrap(), b"first");
        assert_eq!(archive.container_facts(&limits).files, ["classes.dex"]);
    }

    #[test]
    fn reports_hidden_data_before_and_after_the_entries() {
        let mut builder = Builder::default().add("a", METHOD_STORED, b"x");
        builder.prefix = b"dex\n035\0 prepended".to_vec();
        builder.after_cd = vec![0; 7];
        let archive = Archive::parse(&builder.build(), &Limits::default()).unwrap();
        assert_eq!(kinds(&archive), ["data-after-cd", "leading-data"]);
    }

    #[test]
    fn reports_names_that_escape_or_hide() {
        let apk = Builder::default()
            .add("../../evil.so", METHOD_STORED, b"")
            .add("/abs", METHOD_STORED, b"")
            .add("classes.dex\0.png", METHOD_STORED, b"")
            .build();
        let archive = Archive::parse(&apk, &Limits::default()).unwrap();
        assert_eq!(
            kinds(&archive),
            ["path-traversal", "path-traversal", "nul-in-name"]
        );
    }

    #[test]
    fn unknown_methods_read_as_stored_and_mismatches_are_reported() {
        let mut builder = Builder::default().add("res/a.xml", 99, b"plain");
        builder.local_method = Some(METHOD_DEFLATED);
        let apk = builder.build();
        let limits = Limits::default();
        let archive = Archive::parse(&apk, &limits).unwrap();
        assert_eq!(kinds(&archive), ["unusual-compression", "header-mismatch"]);
        let entry = archive.entry("res/a.xml").unwrap();
        assert_eq!(archive.read(&apk, entry, &limits).unwrap(), b"plain");
    }

    #[test]
    fn a_local_header_naming_another_file_is_reported() {
        let mut apk = Builder::default().add("a.txt", METHOD_STORED, b"x").build();
        // The local header comes first; the directory keeps `a.txt`.
        let at = apk.windows(5).position(|w| w == b"a.txt").unwrap();
        apk[at] = b'b';
        let archive = Archive::parse(&apk, &Limits::default()).unwrap();
        assert_eq!(kinds(&archive), ["header-mismatch"]);
        assert!(archive.anomalies()[0].detail.contains("`b.txt`"));
        assert!(archive.entry("a.txt").is_some());
    }

    #[test]
    fn bombs_and_lies_are_refused() {
        let zeros = vec![0u8; 4 << 20];
        let apk = Builder::default()
            .add("bomb", METHOD_DEFLATED, &zeros)
            .build();
        let archive = Archive::parse(&apk, &Limits::default()).unwrap();
        let entry = archive.entry("bomb").unwrap();
        let err = archive.read(&apk, entry, &Limits::default()).unwrap_err();
        assert!(err.to_string().contains("compression ratio"), "{err}");
        let small = Limits {
            max_entry_size: 1 << 20,
            ..Limits::default()
        };
        assert!(matches!(
            archive.read(&apk, entry, &small),
            Err(InspectError::TooLarge { .. })
        ));

        // A header that understates the size: inflation stops at the claim.
        let mut builder = Builder::default().add("liar", METHOD_DEFLATED, &[7u8; 5000]);
        builder.declared_size = Some(100);
        let apk = builder.build();
        let archive = Archive::parse(&apk, &Limits::default()).unwrap();
        let err = archive
            .read(&apk, archive.entry("liar").unwrap(), &Limits::default())
            .unwrap_err();
        assert!(err.to_string().contains("past its declared size"), "{err}");
    }

    #[test]
    fn total_inflated_is_bounded_across_reads() {
        let apk = Builder::default()
            .add("a", METHOD_STORED, &[1; 600])
            .add("b", METHOD_STORED, &[2; 600])
            .build();
        let limits = Limits {
            max_total_inflated: 1000,
            ..Limits::default()
        };
        let archive = Archive::parse(&apk, &limits).unwrap();
        archive
            .read(&apk, archive.entry("a").unwrap(), &limits)
            .unwrap();
        let err = archive
            .read(&apk, archive.entry("b").unwrap(), &limits)
            .unwrap_err();
        assert!(matches!(err, InspectError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn corrupt_data_fails_its_crc() {
        let mut apk = Builder::default()
            .add("a", METHOD_STORED, b"payload")
            .build();
        let at = apk.windows(7).position(|w| w == b"payload").unwrap();
        apk[at] = b'P';
        let archive = Archive::parse(&apk, &Limits::default()).unwrap();
        let err = archive
            .read(&apk, archive.entry("a").unwrap(), &Limits::default())
            .unwrap_err();
        assert!(err.to_string().contains("CRC-32"), "{err}");
    }

    #[test]
    fn malformed_archives_are_typed_errors() {
        let limits = Limits::default();
        assert!(matches!(
            Archive::parse(&b"PK"[..], &limits),
            Err(InspectError::NotZip(_))
        ));
        assert!(matches!(
            Archive::parse(&[0u8; 100][..], &limits),
            Err(InspectError::NotZip(_))
        ));
        let empty = Builder::default().build();
        assert_eq!(Archive::parse(&empty, &limits).unwrap().entries().len(), 0);

        // Cut the directory short while the end record still claims it.
        let apk = Builder::default().add("a", METHOD_STORED, b"x").build();
        let cd_at = apk
            .windows(4)
            .position(|w| w == CDH_SIG.to_le_bytes())
            .unwrap();
        let mut cut = apk[..cd_at + 10].to_vec();
        cut.extend_from_slice(&apk[apk.len() - EOCD_LEN..]);
        assert!(matches!(
            Archive::parse(&cut, &limits),
            Err(InspectError::Zip(_))
        ));
    }

    #[test]
    fn anomalies_are_bounded() {
        let mut builder = Builder::default();
        for _ in 0..20 {
            builder = builder.add("../x", METHOD_STORED, b"");
        }
        let limits = Limits {
            max_zip_anomalies: 5,
            ..Limits::default()
        };
        let archive = Archive::parse(&builder.build(), &limits).unwrap();
        assert_eq!(archive.anomalies().len(), 6);
        assert_eq!(archive.anomalies()[5].kind, "anomalies-truncated");
    }
}
