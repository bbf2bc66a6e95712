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

// ---- budgetgate's own pages -------------------------------------------------------------------

const NOISE: &str = "fixtures/noise/criterion/quiet";

/// Saves the criterion noise corpus's runs `variant/runNN` (`runs`) to `store` on `branch`.
fn save_runs(
    store: &std::path::Path,
    budgets: &std::path::Path,
    branch: &str,
    variant: &str,
    runs: std::ops::RangeInclusive<u32>,
) {
    for run in runs {
        let results = format!("{NOISE}/{variant}/run{run:02}/**/new/estimates.json");
        let out = common::budgetgate()
            .args(["check", "--budgets", common::s(budgets), "--results", &results, "--no-status"])
            .args([
                "--save-baseline",
                common::s(store),
                "--branch",
                branch,
                "--commit",
                &format!("{variant}{run:02}aaaaaaaaaa"),
            ])
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

const PAGE_BUDGETS: &str = "version: 1\ndefaults:\n  regression: 10%\nbudgets:\n  - metric: \"slowed/**\"\n    max: 100ns\n  - metric: \"fixed/sort_*\"\n    regression: 25%\n";

/// Where the README's screenshots go: `docs/screenshots/` with BUDGETGATE_UPDATE_SCREENSHOTS=1,
/// else a temp folder (the screenshots are still taken and checked).
fn screenshot_dir(temp: &std::path::Path) -> std::path::PathBuf {
    match std::env::var_os("BUDGETGATE_UPDATE_SCREENSHOTS") {
        Some(_) => {
            let dir = common::root().join("docs/screenshots");
            std::fs::create_dir_all(&dir).unwrap();
            dir
        }
        None => temp.to_path_buf(),
    }
}

fn assert_clean(page: &browser::PageLoad, file: &std::path::Path) {
    assert!(page.console_errors.is_empty(), "console errors: {:?}", page.console_errors);
    assert_eq!(page.requests, [file_url(file)], "the page requested nothing but itself");
}

/// Every chart's polyline and how many points it has.
fn polylines(dom: &str) -> Vec<usize> {
    dom.split("<polyline")
        .skip(1)
        .map(|p| p.split("points=\"").nth(1).unwrap().split('"').next().unwrap().split(' ').count())
        .collect()
}

#[test]
fn the_html_report_loads_offline_with_its_charts_and_the_violation_first() {
    require_chromium!();
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "budgets.yaml", PAGE_BUDGETS);
    let store = dir.path().join("store.json");
    save_runs(&store, &budgets, "main", "aa", 1..=10);
    let html = dir.path().join("report.html");
    let out = common::budgetgate()
        .args(["check", "--budgets", common::s(&budgets), "--no-status", "--commit", "x1.3run01bbbbbbb"])
        .args(["--results", &format!("{NOISE}/x1.3/run01/**/new/estimates.json")])
        .args(["--baseline", common::s(&store), "--report-html", common::s(&html)])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the 1.3x slower hash_chain fails: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    let page = browser::load(&html);
    assert_clean(&page, &html);
    let charts = polylines(&page.dom);
    assert_eq!(charts, [10; 4], "four rows, each drawing its ten stored runs");
    let violation = page.dom.find("<article class=\"row s-fail\"").expect("a failing row");
    let first_pass = page.dom.find("<article class=\"row s-pass\"").expect("passing rows");
    assert!(violation < first_pass, "the violation comes first");
    assert!(page.dom[violation..first_pass].contains("slowed/hash_chain"));
    eprintln!("HTML report: loaded and painted in {:.0} ms", page.load_ms);

    let shots = screenshot_dir(dir.path());
    for (width, height, name) in [(1280, 900, "report-1280.png"), (390, 1500, "report-390.png")] {
        browser::screenshot(&html, width, height, &shots.join(name));
        assert_eq!(png_size(&std::fs::read(shots.join(name)).unwrap()), Some((width, height)));
    }
    browser::screenshot_dark(&html, 1280, 900, &shots.join("report-1280-dark.png"));
    let (light, dark) = (
        std::fs::read(shots.join("report-1280.png")).unwrap(),
        std::fs::read(shots.join("report-1280-dark.png")).unwrap(),
    );
    assert_ne!(light, dark, "the dark scheme looks different");
}

#[test]
fn the_dashboard_loads_offline_and_its_filter_runs() {
    require_chromium!();
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "budgets.yaml", PAGE_BUDGETS);
    let store = dir.path().join("store.json");
    // main: ten runs, then five with hash_chain 1.3x slower (a change point); a feature branch.
    save_runs(&store, &budgets, "main", "aa", 1..=10);
    save_runs(&store, &budgets, "main", "x1.3", 1..=5);
    save_runs(&store, &budgets, "feature/faster-sort", "x1.15", 1..=3);
    let site = dir.path().join("site");
    common::budgetgate()
        .args(["dashboard", common::s(&store), "--out", common::s(&site), "--budgets", common::s(&budgets)])
        .args(["--title", "budgetgate history: octo-org/app"])
        .assert()
        .code(0);
    let html = site.join("index.html");
    let page = browser::load(&html);
    assert_clean(&page, &html);
    assert!(page.dom.contains(">8 shown<"), "the inline filter ran and counted every series");
    let charts = polylines(&page.dom);
    assert_eq!(charts, [15, 15, 15, 15, 3, 3, 3, 3], "main's 15 runs, then the feature branch's 3");
    let hash_chain = page.dom.find("<h3>slowed/hash_chain").unwrap();
    assert!(page.dom[hash_chain..].split("</article>").next().unwrap().contains("class=\"change-point\""));
    eprintln!("dashboard: loaded and painted in {:.0} ms", page.load_ms);
    let shots = screenshot_dir(dir.path());
    browser::screenshot(&html, 1280, 900, &shots.join("dashboard-1280.png"));
    browser::screenshot(&html, 390, 1200, &shots.join("dashboard-390.png"));
}

/// 1,000 metrics, each with 50 stored runs: the size of the page and how long the browser takes
/// (printed, not asserted: these machines are noisy).
#[test]
fn a_thousand_metrics_with_fifty_runs_make_a_page_under_2_mb() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "budgets.yaml", "version: 1\ndefaults:\n  regression: 10%\n");
    let store = dir.path().join("store.json");
    let mut seed = 12345u64;
    let mut noise = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.04
    };
    let mut run = |i: usize| {
        let metrics: Vec<serde_json::Value> = (0..1000)
            .map(|m| {
                let slower = if i == 50 && m % 100 == 0 { 1.5 } else { 1.0 };
                let v = (1000.0 + m as f64) * (1.0 + noise()) * slower;
                serde_json::json!({"name": format!("suite/bench_{m:04}"), "unit": "ns", "stats": {"value": v, "min": v * 0.97}})
            })
            .collect();
        write(dir.path(), &format!("run{i}.json"), &serde_json::json!({"metrics": metrics}).to_string())
    };
    for i in 0..50 {
        let results = run(i);
        common::budgetgate()
            .args(["check", "--budgets", common::s(&budgets), "--results", common::s(&results), "--no-status"])
            .args(["--save-baseline", common::s(&store), "--branch", "main", "--commit", &format!("c{i:02}")])
            .assert()
            .code(0);
    }
    let html = dir.path().join("big.html");
    let results = run(50);
    common::budgetgate()
        .args(["check", "--budgets", common::s(&budgets), "--results", common::s(&results), "--no-status"])
        .args(["--baseline", common::s(&store), "--report-html", common::s(&html)])
        .assert()
        .code(1);
    let size = std::fs::metadata(&html).unwrap().len();
    eprintln!("1,000 rows × 50 runs: HTML report of {size} bytes");
    assert!(size < 2_000_000, "{size} bytes");
    require_chromium!();
    let page = browser::load(&html);
    assert_clean(&page, &html);
    assert_eq!(polylines(&page.dom).len(), 1000);
    eprintln!("1,000 rows × 50 runs: loaded and painted in {:.0} ms", page.load_ms);
}
