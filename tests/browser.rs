//! The headless Chromium harness (`common::browser`, issue 18) on small pages written here:
//! a clean page passes, a page that reaches for the network and logs an error is caught, and
//! screenshots come out at the asked size. Without chromium every test prints SKIPPED.

mod common;

use std::time::Instant;

use common::browser::{self, file_url, png_size};
use common::write;

/// Returns from the test, saying so, when no chromium is installed.
macro_rules! require_chromium {
    () => {
        if browser::chromium().is_none() {
            eprintln!("SKIPPED: no chromium on PATH (apt-get install chromium, or set BUDGETGATE_CHROMIUM)");
            return;
        }
    };
}

const CLEAN: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>clean</title>
<style>body { font-family: sans-serif; margin: 2em } polyline { fill: none; stroke: #07c; stroke-width: 2 }</style>
</head><body><h1>Trend</h1>
<svg width="300" height="100" viewBox="0 0 300 100"><polyline points="0,80 50,60 100,70 150,30 200,40 250,10 300,20"/></svg>
</body></html>
"#;

const LEAKY: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>leaky</title></head><body>
<img src="https://example.com/x.png" alt="">
<script>console.error("boom")</script>
</body></html>
"#;

#[test]
fn a_clean_page_has_no_errors_and_requests_only_itself() {
    require_chromium!();
    let dir = tempfile::tempdir().unwrap();
    let page = write(dir.path(), "clean.html", CLEAN);

    let started = Instant::now();
    let load = browser::load(&page);
    eprintln!("load: {:?} wall, load_ms {:.1}", started.elapsed(), load.load_ms);

    assert_eq!(load.console_errors, Vec::<String>::new());
    assert_eq!(load.requests, vec![file_url(&page)]);
    assert!(load.dom.starts_with("<!DOCTYPE html>"), "{}", load.dom);
    assert!(load.dom.contains(r#"<polyline points="0,80 50,60 100,70 150,30 200,40 250,10 300,20">"#), "{}", load.dom);
    assert!(load.load_ms > 0.0 && load.load_ms < 10_000.0, "load_ms {}", load.load_ms);
}

#[test]
fn a_page_reaching_for_the_network_and_logging_an_error_is_caught() {
    require_chromium!();
    let dir = tempfile::tempdir().unwrap();
    let page = write(dir.path(), "leaky.html", LEAKY);

    let started = Instant::now();
    let load = browser::load(&page);
    eprintln!("load: {:?} wall, load_ms {:.1}", started.elapsed(), load.load_ms);

    assert_eq!(load.requests, vec![file_url(&page), "https://example.com/x.png".to_string()]);
    let has = |text: &str| load.console_errors.iter().any(|e| e.contains(text));
    assert!(has("console.error: boom"), "{:#?}", load.console_errors);
    // Attempted and blocked: the request failed at the proxy that isn't there.
    assert!(
        load.console_errors
            .iter()
            .any(|e| e.contains("https://example.com/x.png") && e.contains("ERR_PROXY_CONNECTION_FAILED")),
        "{:#?}",
        load.console_errors
    );
}

#[test]
fn uncaught_exceptions_and_missing_local_files_are_errors_but_console_log_is_not() {
    require_chromium!();
    let dir = tempfile::tempdir().unwrap();
    let page = write(
        dir.path(),
        "broken.html",
        r#"<!doctype html><html><head><link rel="stylesheet" href="missing.css"></head><body>
<script>console.log("just saying"); console.warn("careful")</script>
<script>undefinedFunction()</script>
<script>setTimeout(() => { throw new Error("after load") }, 0); Promise.reject(new Error("nobody listens"))</script>
</body></html>"#,
    );

    let load = browser::load(&page);

    let errors = load.console_errors.join("\n");
    assert!(errors.contains("Uncaught ReferenceError: undefinedFunction is not defined"), "{errors}");
    assert!(errors.contains("Uncaught Error: after load"), "{errors}");
    assert!(errors.contains("Uncaught (in promise) Error: nobody listens"), "{errors}");
    assert!(errors.contains("net::ERR_FILE_NOT_FOUND") && errors.contains("missing.css"), "{errors}");
    assert!(!errors.contains("just saying") && !errors.contains("careful"), "{errors}");
    assert_eq!(load.console_errors.len(), 4, "{errors}");
    assert_eq!(load.requests, vec![file_url(&page), format!("{}/missing.css", file_url(dir.path()))]);
}

#[test]
fn screenshots_have_the_asked_size() {
    require_chromium!();
    let dir = tempfile::tempdir().unwrap();
    let page = write(dir.path(), "clean.html", CLEAN);

    for (width, height) in [(1280, 800), (390, 800)] {
        let out = dir.path().join(format!("shot-{width}x{height}.png"));
        let started = Instant::now();
        browser::screenshot(&page, width, height, &out);
        eprintln!("screenshot {width}x{height}: {:?} wall", started.elapsed());
        assert_eq!(png_size(&std::fs::read(&out).unwrap()), Some((width, height)), "{}", out.display());
    }
}
