//! Resource XML (accessibility configs, FileProvider paths, backup rules):
//! each reader over one binary XML file. Only a panic, a hang or running
//! out of memory is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfgate_inspect::{resxml, Limits};

fuzz_target!(|data: &[u8]| {
    let data = &data[..data.len().min(1 << 20)];
    let _ = resxml::read_document(data, None, &Limits::default());
});
