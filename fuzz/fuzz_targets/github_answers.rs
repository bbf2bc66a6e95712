//! Any bytes as an answer of GitHub's Git data API for a blob (the branch store's reads):
//! JSON, base64 content, a stated size to check.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return };
    let _ = budgetgate::github::data::decode_blob("0123456789abcdef0123456789abcdef01234567", &value);
});
