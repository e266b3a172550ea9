//! The zip reader: parse, then read every entry under tight limits. Only a
//! panic, a hang or running out of memory is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfgate_inspect::zip::Archive;
use shelfgate_inspect::Limits;

fuzz_target!(|data: &[u8]| {
    let data = &data[..data.len().min(1 << 20)];
    let limits = Limits {
        max_entry_size: 16 << 20,
        max_total_inflated: 64 << 20,
        ..Limits::default()
    };
    if let Ok(archive) = Archive::parse(data, &limits) {
        for entry in archive.entries() {
            let _ = archive.read(data, entry, &limits);
        }
        let _ = archive.entry("AndroidManifest.xml");
        let _ = archive.container_facts(&limits);
    }
});
