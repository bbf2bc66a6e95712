//! Any text parsed as one named format (`FORMAT:PATH`): the first byte picks the format, so
//! every parser sees input its detection would have turned away.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let formats = budgetgate::ingest::FORMATS;
    let format = formats[pick as usize % formats.len()];
    let path = common::scratch("forced.txt", rest);
    let _ = budgetgate::ingest::read_file(&path, Some(format));
});
