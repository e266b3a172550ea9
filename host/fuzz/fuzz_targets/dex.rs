//! The dex reader and what consumes its output: index the input as a loaded
//! dex file, then match the class names it yields against the built-in SDK
//! and packer tables. Only a panic, a hang or running out of memory is a
//! finding.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use shelfgate_inspect::dex::{DexIndex, DexOrigin};
use shelfgate_inspect::sdk::{detect_packers, SdkTable};
use shelfgate_inspect::Limits;

fuzz_target!(|data: &[u8]| {
    let data = &data[..data.len().min(4 << 20)];
    let limits = Limits {
        max_callers_per_api: 4,
        max_dex_urls: 64,
        ..Limits::default()
    };
    let mut index = DexIndex::new();
    let _ = index.add("classes.dex", data, DexOrigin::Loaded, &limits);
    let (facts, classes) = index.finish();
    let _ = classes.has_prefix("com/umeng/");
    static TABLE: OnceLock<SdkTable> = OnceLock::new();
    let table = TABLE.get_or_init(SdkTable::builtin);
    let _ = table.detect(&classes, facts.packages.iter().map(String::as_str), []);
    let _ = detect_packers(&classes, None, [], []);
});
