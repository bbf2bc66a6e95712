//! Any bytes as a result file, through detection and the detected format's parser — the path
//! `check --results FILE` takes. Errors are fine; a panic or a hang is a bug.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("results.json", data);
    let _ = budgetgate::ingest::read_file(&path, None);
});
