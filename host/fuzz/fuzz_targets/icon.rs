//! Launcher icon images: PNG and WebP (lossless, lossy with an ALPH chunk,
//! animated) measured for clear pixels. Only a panic, a hang or running
//! out of memory is a finding; any measurement stays within 0..=1000.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfgate_inspect::icon;

fuzz_target!(|data: &[u8]| {
    let data = &data[..data.len().min(4 << 20)];
    if let Ok(alpha) = icon::measure(data) {
        assert!(alpha.transparent_permille <= 1_000);
    }
});
