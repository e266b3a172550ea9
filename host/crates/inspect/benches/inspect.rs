//! Inspection and signing benchmarks over real APKs of several sizes.
//!
//! - `inspect/full/<apk>`: every fact, as `shelfgate inspect` computes them;
//! - `inspect/manifest-only/<apk>`: what `aapt dump badging` reports;
//! - `signing/verify/<apk>`: `signing::verify_apk` alone, its streaming
//!   pass included, over the APK's own SDK range;
//! - `hash/sha256/<apk>`: one SHA-256 of the file, the floor that signing
//!   is compared to (the goal is within 2x of it).
//!
//! The APKs are read in place from ../shared/corpus/apk (several sizes, the
//! largest few) and, when `scripts/bench-inspect.sh` has fetched or made
//! them, the large APKs under target/bench-apks. Files are opened outside
//! the timed closures; each iteration reads through the page cache, as a
//! server inspecting a fresh upload would.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sha2::{Digest, Sha256};
use shelfgate_inspect::signing::{self, Options};
use shelfgate_inspect::zip::Archive;
use shelfgate_inspect::{stream_pass, ChunkSink, Inspector, Limits};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../../shared/corpus/apk");
const LARGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../target/bench-apks");

/// Corpus APKs spanning its sizes: smallest real app to largest.
const CORPUS_APKS: &[&str] = &[
    "fdroid-com.politedroid_6.apk",
    "androguard-TestActivity.apk",
    "androguard-a2dp.Vol_137.apk",
    "bugly-app-release.apk",
    "androguard-app-prod-debug.apk",
    "fdroid-SystemWebView-repack.apk",
];

/// Written by scripts/bench-inspect.sh (npm packages and the generator).
const LARGE_APKS: &[&str] = &[
    "io.appium.settings.apk",
    "appium-uiautomator2-server.apk",
    "synth-150k.apk",
];

fn apks() -> Vec<PathBuf> {
    let corpus = Path::new(CORPUS);
    let mut out = Vec::new();
    if corpus.is_dir() {
        out.extend(
            CORPUS_APKS
                .iter()
                .map(|n| corpus.join(n))
                .filter(|p| p.is_file()),
        );
    } else {
        eprintln!("SKIPPED: ../shared not found ({CORPUS}); corpus APKs not benchmarked");
    }
    let large: Vec<PathBuf> = LARGE_APKS
        .iter()
        .map(|n| Path::new(LARGE).join(n))
        .filter(|p| p.is_file())
        .collect();
    if large.len() < LARGE_APKS.len() {
        eprintln!(
            "NOTE: {} of the large APKs are missing from {LARGE}; run scripts/bench-inspect.sh to fetch and generate them",
            LARGE_APKS.len() - large.len()
        );
    }
    out.extend(large);
    out
}

fn label(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    name.trim_end_matches(".apk").to_owned()
}

struct Sha(Sha256);

impl ChunkSink for Sha {
    fn update(&mut self, _offset: u64, chunk: &[u8]) {
        self.0.update(chunk);
    }
}

/// Fewer samples for the large files, so a run fits on a 2-core machine.
fn tune<'c>(
    c: &'c mut Criterion,
    group: &str,
    size: u64,
) -> criterion::BenchmarkGroup<'c, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(group);
    if size > 8 << 20 {
        g.sample_size(10).measurement_time(Duration::from_secs(10));
    } else {
        g.sample_size(20).measurement_time(Duration::from_secs(3));
    }
    g.throughput(Throughput::Bytes(size));
    g
}

fn benches(c: &mut Criterion) {
    let inspector = Inspector::default();
    let limits = Limits::default();
    for path in apks() {
        let Ok(file) = File::open(&path) else {
            continue;
        };
        let size = file.metadata().map_or(0, |m| m.len());
        let name = label(&path);
        // Facts that do not come out are not benchmarked: say so and go on.
        let facts = match inspector.inspect(&file) {
            Ok(facts) => facts,
            Err(e) => {
                eprintln!("NOTE: {name} does not inspect ({e}); skipped");
                continue;
            }
        };

        let mut g = tune(c, "inspect/full", size);
        g.bench_function(BenchmarkId::from_parameter(&name), |b| {
            b.iter(|| inspector.inspect(&file).map(|f| f.dex.class_count))
        });
        g.finish();

        let mut g = tune(c, "inspect/manifest-only", size);
        g.bench_function(BenchmarkId::from_parameter(&name), |b| {
            b.iter(|| inspector.manifest_only(&file).map(|m| m.package))
        });
        g.finish();

        let mut options = Options::new(facts.min_sdk);
        options.target_sdk = Some(facts.target_sdk);
        let mut g = tune(c, "signing/verify", size);
        g.bench_function(BenchmarkId::from_parameter(&name), |b| {
            b.iter(|| {
                Archive::parse(&file, &limits)
                    .map(|archive| signing::verify_apk(&file, &archive, &options, &limits).verified)
            })
        });
        g.finish();

        let mut g = tune(c, "hash/sha256", size);
        g.bench_function(BenchmarkId::from_parameter(&name), |b| {
            b.iter(|| {
                let mut sha = Sha(Sha256::new());
                stream_pass(&file, &mut [&mut sha]).map(|()| sha.0.finalize())
            })
        });
        g.finish();
    }
}

criterion_group!(inspect, benches);
criterion_main!(inspect);
