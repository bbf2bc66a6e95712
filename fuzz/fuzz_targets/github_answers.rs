//! Any bytes as one of GitHub's answers, through the function that reads it
//! (`budgetgate::github::answers`): the first byte picks which answer, the rest is its body —
//! comments and their listing, a check run, refs, commits, trees, blobs, created objects, a
//! compare, an error body — or, for the last two, response headers (`Link` paging, rate-limit
//! waits), one `name: value` per line.
#![no_main]
use budgetgate::github::answers;
use libfuzzer_sys::fuzz_target;

fn headers(text: &str) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else { continue };
        let (Ok(name), Ok(value)) =
            (http::HeaderName::from_bytes(name.trim().as_bytes()), http::HeaderValue::from_str(value.trim()))
        else {
            continue;
        };
        map.append(name, value);
    }
    map
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match pick % 12 {
        10 => {
            let _ = answers::next_link(&headers(&text));
            return;
        }
        11 => {
            let map = headers(&text);
            let message = answers::error_message(&text);
            for status in [403, 429] {
                let _ = answers::rate_limit_wait(status, &map, &message, 1_700_000_000);
                let _ = answers::rate_limit_wait(status, &map, &message, u64::MAX);
            }
            return;
        }
        9 => {
            let _ = answers::error_message(&text);
            return;
        }
        _ => {}
    }
    let Ok(value) = answers::json(200, &text) else { return };
    match pick % 12 {
        0 => drop(answers::comment(&value)),
        1 => drop(answers::comment_page(&value)),
        2 => drop(answers::check_run_id(&value)),
        3 => drop(answers::ref_commit(&value)),
        4 => drop(answers::commit_tree(&value)),
        5 => drop(answers::tree(&value)),
        6 => drop(answers::blob("0123456789abcdef0123456789abcdef01234567", &value)),
        7 => drop(answers::created_sha(&value, "a new blob")),
        _ => drop(answers::merge_base(&value)),
    }
});
