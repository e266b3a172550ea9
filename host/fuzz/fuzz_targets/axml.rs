//! Binary XML, alone and as a manifest and a network security config.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfgate_inspect::{axml, manifest, Limits};

fuzz_target!(|data: &[u8]| {
    let data = &data[..data.len().min(1 << 20)];
    let limits = Limits::default();
    let _ = axml::parse(data, &limits);
    let _ = manifest::parse(data, None, &limits);
    let _ = manifest::parse_network_security(data, &limits);
});
