//! The resource table: index it, then resolve the id named by the input's
//! first four bytes and a few of its neighbours in every locale.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfgate_inspect::arsc::ResourceTable;
use shelfgate_inspect::Limits;

fuzz_target!(|data: &[u8]| {
    let data = &data[..data.len().min(1 << 20)];
    let id = data
        .get(..4)
        .map_or(0x7f01_0000, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    if let Ok(table) = ResourceTable::parse(data.to_vec(), &Limits::default()) {
        for id in [id, 0x7f01_0000, 0x7f02_0000, 0x7f03_0000, 0x7f04_0000] {
            let _ = table.values(id);
            let _ = table.localized(id);
            let _ = table.name(id);
        }
    }
});
