//! Signing data: the PKCS#7 blocks of JAR signatures, the APK Signing
//! Block's scheme blocks and rotation lineages, and whole APKs through
//! `verify_apk`. The first byte picks which. Only a panic, a hang or
//! running out of memory is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfgate_inspect::signing::{self, fuzzing, Options};
use shelfgate_inspect::zip::Archive;
use shelfgate_inspect::Limits;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let data = &data[..data.len().min(1 << 20)];
    match mode % 3 {
        0 => fuzzing::pkcs7(data),
        1 => fuzzing::signing_block(data),
        _ => {
            let limits = Limits {
                max_entry_size: 16 << 20,
                max_total_inflated: 64 << 20,
                ..Limits::default()
            };
            if let Ok(archive) = Archive::parse(data, &limits) {
                let options = Options::new(u32::from(mode / 3) * 2);
                let _ = signing::verify_apk(data, &archive, &options, &limits);
            }
        }
    }
});
