//! Writes a large synthetic APK for the inspection benchmarks: a binary
//! manifest, `classes*.dex` files that define many classes (each with a
//! constructor calling `Object.<init>`), and incompressible filler assets
//! up to a target size. Every structure is valid as the specifications
//! have it (sorted id tables, map list, checksum and signature), so the
//! result parses in shelfgate, androguard and aapt alike, and
//! `apksigner sign` can sign it.
//!
//! Usage: `synth_apk OUT.apk [--classes N] [--dex-files K] [--size-mb M]`
//! (defaults: 150,000 classes in 4 dex files, about 100 MB in all).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use flate2::write::DeflateEncoder;
use flate2::Compression;
use sha1::{Digest, Sha1};

const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";
const FILLER_ENTRY: usize = 8 << 20;

struct Config {
    out: String,
    classes: u32,
    dex_files: u32,
    size: u64,
}

fn config() -> Result<Config, String> {
    let mut args = std::env::args().skip(1);
    let mut config = Config {
        out: String::new(),
        classes: 150_000,
        dex_files: 4,
        size: 100_000_000,
    };
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--classes" => config.classes = number("--classes")? as u32,
            "--dex-files" => config.dex_files = number("--dex-files")?.max(1) as u32,
            "--size-mb" => config.size = number("--size-mb")? * 1_000_000,
            _ if config.out.is_empty() && !arg.starts_with('-') => config.out = arg,
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    if config.out.is_empty() {
        return Err("usage: synth_apk OUT.apk [--classes N] [--dex-files K] [--size-mb M]".into());
    }
    Ok(config)
}

fn main() -> ExitCode {
    let config = match config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match write_apk(&config) {
        Ok(written) => {
            println!(
                "{}: {} classes in {} dex files, {} bytes",
                config.out, config.classes, config.dex_files, written
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: {e}", config.out);
            ExitCode::FAILURE
        }
    }
}

fn write_apk(config: &Config) -> std::io::Result<u64> {
    let mut zip = ZipWriter::new(File::create(&config.out)?);
    zip.add("AndroidManifest.xml", &manifest(), true)?;
    let files = config.dex_files.max(config.classes.div_ceil(60_000));
    let per_file = config.classes.div_ceil(files);
    for k in 0..files {
        let first = k * per_file;
        let count = per_file.min(config.classes.saturating_sub(first));
        let name = match k {
            0 => "classes.dex".to_string(),
            k => format!("classes{}.dex", k + 1),
        };
        zip.add(&name, &dex(first, count), true)?;
    }
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let mut filler = vec![0u8; FILLER_ENTRY];
    let mut n = 0;
    while zip.offset + (FILLER_ENTRY as u64) / 2 < config.size {
        let left = (config.size - zip.offset) as usize;
        let len = left.min(FILLER_ENTRY);
        for chunk in filler[..len].chunks_mut(8) {
            // xorshift64: incompressible, reproducible.
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            chunk.copy_from_slice(&rng.to_le_bytes()[..chunk.len()]);
        }
        zip.add(&format!("assets/filler/{n:03}.bin"), &filler[..len], false)?;
        n += 1;
    }
    zip.finish()
}

/// A minimal zip writer: stored or deflated entries, then the central
/// directory.
struct ZipWriter {
    out: BufWriter<File>,
    offset: u64,
    central: Vec<u8>,
    count: u16,
}

impl ZipWriter {
    fn new(file: File) -> ZipWriter {
        ZipWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            offset: 0,
            central: Vec::new(),
            count: 0,
        }
    }

    fn add(&mut self, name: &str, data: &[u8], deflate: bool) -> std::io::Result<()> {
        let crc = crc32fast::hash(data);
        let (method, body) = if deflate {
            let mut enc = DeflateEncoder::new(Vec::new(), Compression::default());
            enc.write_all(data)?;
            (8u16, enc.finish()?)
        } else {
            (0u16, data.to_vec())
        };
        let mut fields = Vec::new();
        put16(&mut fields, 20); // version needed
        put16(&mut fields, 0); // flags
        put16(&mut fields, method);
        put16(&mut fields, 0); // time
        put16(&mut fields, 0x21); // date: 1980-01-01
        put32(&mut fields, crc);
        put32(&mut fields, body.len() as u32);
        put32(&mut fields, data.len() as u32);
        put16(&mut fields, name.len() as u16);
        put16(&mut fields, 0); // extra length

        put32(&mut self.central, 0x0201_4b50);
        put16(&mut self.central, 20); // version made by
        self.central.extend_from_slice(&fields);
        put16(&mut self.central, 0); // comment length
        put16(&mut self.central, 0); // disk
        put16(&mut self.central, 0); // internal attributes
        put32(&mut self.central, 0); // external attributes
        put32(&mut self.central, self.offset as u32);
        self.central.extend_from_slice(name.as_bytes());

        let mut local = Vec::new();
        put32(&mut local, 0x0403_4b50);
        local.extend_from_slice(&fields);
        local.extend_from_slice(name.as_bytes());
        self.out.write_all(&local)?;
        self.out.write_all(&body)?;
        self.offset += (local.len() + body.len()) as u64;
        self.count += 1;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<u64> {
        let mut end = Vec::new();
        put32(&mut end, 0x0605_4b50);
        put16(&mut end, 0);
        put16(&mut end, 0);
        put16(&mut end, self.count);
        put16(&mut end, self.count);
        put32(&mut end, self.central.len() as u32);
        put32(&mut end, self.offset as u32);
        put16(&mut end, 0);
        self.out.write_all(&self.central)?;
        self.out.write_all(&end)?;
        self.out.flush()?;
        Ok(self.offset + (self.central.len() + end.len()) as u64)
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn uleb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A typed attribute value of the binary XML.
#[derive(Clone, Copy)]
enum Val {
    Str(&'static str),
    Int(u32),
    Bool(bool),
}

/// An attribute: its `android:` resource id (none for plain attributes),
/// name and value.
type Attr = (Option<u32>, &'static str, Val);

enum Node {
    Start(&'static str, Vec<Attr>),
    End(&'static str),
}

fn manifest() -> Vec<u8> {
    use Node::{End, Start};
    use Val::{Bool, Int, Str};
    const NAME: u32 = 0x0101_0003;
    const EXPORTED: u32 = 0x0101_0010;
    let name = |n| vec![(Some(NAME), "name", Str(n))];
    let component = |n, exported| {
        vec![
            (Some(NAME), "name", Str(n)),
            (Some(EXPORTED), "exported", Bool(exported)),
        ]
    };
    let mut nodes = vec![
        Start(
            "manifest",
            vec![
                (Some(0x0101_021b), "versionCode", Int(1)),
                (Some(0x0101_021c), "versionName", Str("1.0")),
                (None, "package", Str("dev.shelfgate.synth")),
            ],
        ),
        Start(
            "uses-sdk",
            vec![
                (Some(0x0101_020c), "minSdkVersion", Int(24)),
                (Some(0x0101_0270), "targetSdkVersion", Int(34)),
            ],
        ),
        End("uses-sdk"),
    ];
    for p in [
        "android.permission.INTERNET",
        "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.CAMERA",
        "android.permission.READ_CONTACTS",
        "android.permission.RECEIVE_BOOT_COMPLETED",
    ] {
        nodes.push(Start("uses-permission", name(p)));
        nodes.push(End("uses-permission"));
    }
    nodes.extend([
        Start(
            "application",
            vec![
                (Some(0x0101_0001), "label", Str("Synth")),
                (Some(0x0101_0280), "allowBackup", Bool(false)),
            ],
        ),
        Start("activity", component(".MainActivity", true)),
        Start("intent-filter", vec![]),
        Start("action", name("android.intent.action.MAIN")),
        End("action"),
        Start("category", name("android.intent.category.LAUNCHER")),
        End("category"),
        End("intent-filter"),
        End("activity"),
        Start("service", component(".SyncService", false)),
        End("service"),
        Start("receiver", component(".BootReceiver", true)),
        Start("intent-filter", vec![]),
        Start("action", name("android.intent.action.BOOT_COMPLETED")),
        End("action"),
        End("intent-filter"),
        End("receiver"),
        Start(
            "provider",
            vec![
                (Some(NAME), "name", Str(".DataProvider")),
                (Some(EXPORTED), "exported", Bool(false)),
                (
                    Some(0x0101_0018),
                    "authorities",
                    Str("dev.shelfgate.synth.data"),
                ),
            ],
        ),
        End("provider"),
        End("application"),
        End("manifest"),
    ]);
    axml(&nodes)
}

/// Binary XML: a UTF-16 string pool (attribute names with resource ids
/// first, as the resource map requires), the map, one namespace, elements.
fn axml(nodes: &[Node]) -> Vec<u8> {
    let mut ids: Vec<u32> = Vec::new();
    let mut strings: Vec<&str> = Vec::new();
    for node in nodes {
        if let Node::Start(_, attrs) = node {
            for (id, name, _) in attrs {
                if let Some(id) = id {
                    if !ids.contains(id) {
                        ids.push(*id);
                        strings.push(name);
                    }
                }
            }
        }
    }
    let named = ids.len();
    let mut index = |s: &'static str| -> u32 {
        let at = strings.iter().skip(named).position(|t| *t == s);
        match at {
            Some(i) => (i + named) as u32,
            None => {
                strings.push(s);
                (strings.len() - 1) as u32
            }
        }
    };
    let uri = index(ANDROID_NS);
    let prefix = index("android");
    let mut body = Vec::new();
    chunk(&mut body, 0x0100, 0x10, &[1, u32::MAX, prefix, uri]);
    for node in nodes {
        match node {
            Node::Start(name, attrs) => {
                let mut words = vec![1, u32::MAX, u32::MAX, index(name), 0x0014_0014];
                words.extend([attrs.len() as u32, 0]);
                for (id, attr, value) in attrs {
                    let name_index = match id {
                        Some(id) => ids.iter().position(|i| i == id).unwrap_or(0) as u32,
                        None => index(attr),
                    };
                    let (kind, data, raw) = match *value {
                        Val::Str(s) => {
                            let i = index(s);
                            (0x03, i, i)
                        }
                        Val::Int(i) => (0x10, i, u32::MAX),
                        Val::Bool(b) => (0x12, if b { u32::MAX } else { 0 }, u32::MAX),
                    };
                    let ns = if id.is_some() { uri } else { u32::MAX };
                    words.extend([ns, name_index, raw, 8 | (kind << 24), data]);
                }
                chunk(&mut body, 0x0102, 0x10, &words);
            }
            Node::End(name) => chunk(
                &mut body,
                0x0103,
                0x10,
                &[1, u32::MAX, u32::MAX, index(name)],
            ),
        }
    }
    chunk(&mut body, 0x0101, 0x10, &[1, u32::MAX, prefix, uri]);

    let mut data = Vec::new();
    let mut offsets = Vec::new();
    for s in &strings {
        offsets.push(data.len() as u32);
        let units: Vec<u16> = s.encode_utf16().collect();
        put16(&mut data, units.len() as u16);
        units.iter().for_each(|&u| put16(&mut data, u));
        put16(&mut data, 0);
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let header = 0x1c + 4 * strings.len() as u32;
    let mut pool = vec![strings.len() as u32, 0, 0, header, 0];
    pool.extend(offsets);
    let mut pool_bytes = Vec::new();
    chunk_with(&mut pool_bytes, 0x0001, 0x1c, &pool, &data);

    let mut out = Vec::new();
    let mut map = Vec::new();
    chunk(&mut map, 0x0180, 0x08, &ids);
    let total = 8 + pool_bytes.len() + map.len() + body.len();
    put16(&mut out, 0x0003);
    put16(&mut out, 8);
    put32(&mut out, total as u32);
    out.extend(pool_bytes);
    out.extend(map);
    out.extend(body);
    out
}

/// One chunk: type, header size, total size, then the words.
fn chunk(out: &mut Vec<u8>, kind: u16, header: u16, words: &[u32]) {
    chunk_with(out, kind, header, words, &[]);
}

fn chunk_with(out: &mut Vec<u8>, kind: u16, header: u16, words: &[u32], tail: &[u8]) {
    put16(out, kind);
    put16(out, header);
    put32(out, (8 + 4 * words.len() + tail.len()) as u32);
    words.iter().for_each(|&w| put32(out, w));
    out.extend_from_slice(tail);
}

/// A dex file defining classes `first .. first + count`, each
/// `Lcom/synth/pkgNNNN/ClassNNNNNN;` with a constructor that calls
/// `Object.<init>`. Ids are sorted as the format requires: the zero-padded
/// names sort as their numbers, `<init>` before every `L...`, `V` last.
fn dex(first: u32, count: u32) -> Vec<u8> {
    // Method and type indices are 16-bit in the instructions and method ids:
    // d8 splits at 65,536 methods, and so must the caller.
    assert!(count < 0xffff, "at most 65,534 classes per dex file");
    let n = count as usize;
    let mut strings: Vec<String> = Vec::with_capacity(n + 3);
    strings.push("<init>".into());
    for i in first..first + count {
        strings.push(format!("Lcom/synth/pkg{:04}/Class{i:06};", i / 100));
    }
    strings.push("Ljava/lang/Object;".into());
    strings.push("V".into());
    // types: every string but "<init>"; Object is type n, V is type n + 1.
    let object = n as u32;
    let void = n as u32 + 1;

    let string_ids_off = 0x70;
    let type_ids_off = string_ids_off + 4 * strings.len();
    let proto_ids_off = type_ids_off + 4 * (n + 2);
    let method_ids_off = proto_ids_off + 12;
    let class_defs_off = method_ids_off + 8 * (n + 1);
    let data_off = class_defs_off + 32 * n;

    // Code items: registers 1, ins 1, outs 1, no tries or debug info;
    // `invoke-direct {v0}, Object.<init>; return-void`.
    let mut data = Vec::new();
    let mut code_offs = Vec::with_capacity(n);
    for _ in 0..n {
        code_offs.push((data_off + data.len()) as u32);
        for v in [1u16, 1, 1, 0] {
            put16(&mut data, v);
        }
        put32(&mut data, 0);
        put32(&mut data, 4);
        for v in [0x1070u16, n as u16, 0, 0x000e] {
            put16(&mut data, v);
        }
    }
    let class_data_off = data_off + data.len();
    let mut class_data_offs = Vec::with_capacity(n);
    for (i, code) in code_offs.iter().enumerate() {
        class_data_offs.push((data_off + data.len()) as u32);
        for v in [0, 0, 1, 0, i as u32, 0x1_0001, *code] {
            uleb(&mut data, v);
        }
    }
    let string_data_off = data_off + data.len();
    let mut string_offs = Vec::with_capacity(strings.len());
    for s in &strings {
        string_offs.push((data_off + data.len()) as u32);
        uleb(&mut data, s.len() as u32);
        data.extend_from_slice(s.as_bytes());
        data.push(0);
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let map_off = data_off + data.len();
    let map: [(u16, u32, usize); 10] = [
        (0x0000, 1, 0),
        (0x0001, strings.len() as u32, string_ids_off),
        (0x0002, n as u32 + 2, type_ids_off),
        (0x0003, 1, proto_ids_off),
        (0x0005, n as u32 + 1, method_ids_off),
        (0x0006, n as u32, class_defs_off),
        (0x2001, n as u32, data_off),
        (0x2000, n as u32, class_data_off),
        (0x2002, strings.len() as u32, string_data_off),
        (0x1000, 1, map_off),
    ];
    put32(&mut data, map.len() as u32);
    for (kind, size, off) in map {
        put16(&mut data, kind);
        put16(&mut data, 0);
        put32(&mut data, size);
        put32(&mut data, off as u32);
    }
    let file_size = data_off + data.len();

    let mut out = Vec::with_capacity(file_size);
    out.extend_from_slice(b"dex\n035\0");
    out.extend_from_slice(&[0; 24]); // checksum and signature, below
    for v in [file_size, 0x70, 0x1234_5678, 0, 0, map_off] {
        put32(&mut out, v as u32);
    }
    for (size, off) in [
        (strings.len(), string_ids_off),
        (n + 2, type_ids_off),
        (1, proto_ids_off),
        (0, 0),
        (n + 1, method_ids_off),
        (n, class_defs_off),
        (data.len(), data_off),
    ] {
        put32(&mut out, size as u32);
        put32(&mut out, off as u32);
    }
    string_offs.iter().for_each(|&o| put32(&mut out, o));
    (1..=n as u32 + 2).for_each(|s| put32(&mut out, s));
    // proto `()V`: shorty "V", returns V, no parameters.
    for v in [n as u32 + 2, void, 0] {
        put32(&mut out, v);
    }
    // Method i is class i's constructor, method n (type n) Object.<init>:
    // sorted by class as the format requires.
    for i in 0..=n as u32 {
        put16(&mut out, i as u16);
        put16(&mut out, 0);
        put32(&mut out, 0);
    }
    for (i, class_data) in class_data_offs.iter().enumerate() {
        for v in [i as u32, 1, object, 0, u32::MAX, 0, *class_data, 0] {
            put32(&mut out, v);
        }
    }
    out.extend_from_slice(&data);

    let signature = Sha1::digest(&out[32..]);
    out[12..32].copy_from_slice(&signature);
    let checksum = adler32(&out[12..]);
    out[8..12].copy_from_slice(&checksum.to_le_bytes());
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}
