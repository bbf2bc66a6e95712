//! Any bytes as a baseline file (`--baseline FILE`): the container, a version-1 JSON file to
//! migrate, the layout inside, and choosing the run to compare with.
#![no_main]
use budgetgate::baseline::{select, FileStore, Store};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("baseline.bin", data);
    let store = FileStore::new(&path);
    let Ok(Some(files)) = store.read() else { return };
    let target = select::Target { branch: None, default_branch: Some("main".into()), merge_base: None };
    let _ = select::choose(files.as_ref(), &target, "fuzz", &mut Vec::new());
    let _ = budgetgate::baseline::layout::branches(files.as_ref());
});
