//! `check` end to end on real pairs of runs of five tools (issue 15, "Done when"): a baseline
//! saved from one run, then a second run of the same benchmarks in which the code of one was
//! made about twice as slow. Each pair is in `fixtures/<format>/regression/`, its sources and
//! commands in that folder's README. The gate must fail on the regressed benchmark and on
//! nothing that did not change.

mod common;

use std::path::Path;

use common::{budgetgate, read_json, s, write};
use serde_json::Value;

/// What a workflow's budgets file says when it only guards against regressions.
const BUDGETS: &str = "version: 1\ndefaults:\n  regression: 10%\n";

/// One real pair of runs and what changed between them.
struct Pair {
    base: &'static str,
    pr: &'static str,
    /// The benchmark whose code was slowed down: its headline row must fail.
    regressed: &'static str,
    /// Every other benchmark the files hold: none of their rows may fail.
    unchanged: &'static [&'static str],
    /// Rows of unchanged benchmarks that the current noise model flags anyway, as
    /// (metric, measure). Each is asserted to still fail, so the list cannot go stale, and
    /// printed with its numbers; each was reported to the lead (see the fixture's README).
    known_noise: &'static [(&'static str, Option<&'static str>)],
}

/// Runs the workflow's two steps (save on main, check the PR against it) and returns the
/// PR step's exit code and JSON report.
fn gate(dir: &Path, base: &str, pr: &str) -> (Option<i32>, Value) {
    let budgets = write(dir, "budgets.yaml", BUDGETS);
    let (baseline, report) = (dir.join("baseline.json"), dir.join("report.json"));
    let saved = budgetgate()
        .args(["check", "--budgets", s(&budgets), "--results", base, "--save-baseline", s(&baseline)])
        .args(["--branch", "main"])
        .output()
        .unwrap();
    assert_eq!(saved.status.code(), Some(0), "saving {base}: {}", String::from_utf8_lossy(&saved.stderr));
    let checked = budgetgate()
        .args(["check", "--budgets", s(&budgets), "--results", pr, "--baseline", s(&baseline)])
        .args(["--baseline-branch", "main", "--report-json", s(&report)])
        .output()
        .unwrap();
    assert!(report.exists(), "checking {pr}: {}", String::from_utf8_lossy(&checked.stderr));
    (checked.status.code(), read_json(&report))
}

fn measure(row: &Value) -> Option<&str> {
    row["measure"].as_str()
}

/// One line per row for the test's output (`cargo test -- --nocapture`) and failure messages.
fn describe(row: &Value) -> String {
    let measure = measure(row).map(|m| format!(" [{m}]")).unwrap_or_default();
    format!("{:8} {}{measure}: {}", row["status"].as_str().unwrap(), row["metric"].as_str().unwrap(), row["reason"])
}

fn assert_pair(pair: &Pair) {
    let dir = tempfile::tempdir().unwrap();
    let (code, report) = gate(dir.path(), pair.base, pair.pr);
    let rows = report["rows"].as_array().unwrap();
    let table: Vec<String> = rows.iter().map(describe).collect();
    let table = table.join("\n");
    println!("{} → {}\n{table}", pair.base, pair.pr);
    assert_eq!(code, Some(1), "the regression must fail the job:\n{table}");
    assert_eq!(report["verdict"], "fail");

    let headline = rows
        .iter()
        .find(|r| r["metric"] == pair.regressed && r["measure"].is_null())
        .unwrap_or_else(|| panic!("no row for {}:\n{table}", pair.regressed));
    assert_eq!(headline["status"], "fail", "{}", describe(headline));
    // One run of history: the limit decides (issue 16), and the row says the p-value it shows
    // covers within-run noise only.
    assert_eq!(headline["test"], "threshold", "{}", describe(headline));
    assert!(headline["reason"].as_str().unwrap().contains("the limit decides"), "{}", describe(headline));

    let mut seen: Vec<&str> = Vec::new();
    for row in rows.iter().filter(|r| r["metric"] != pair.regressed) {
        let metric = row["metric"].as_str().unwrap();
        assert!(pair.unchanged.contains(&metric), "unexpected benchmark {metric}:\n{table}");
        seen.push(metric);
        if pair.known_noise.contains(&(metric, measure(row))) {
            assert_eq!(row["status"], "fail", "no longer flagged: drop it from known_noise: {}", describe(row));
            println!("known noise (unchanged code, flagged): {}", describe(row));
        } else {
            assert_ne!(row["status"], "fail", "an unchanged benchmark failed: {}", describe(row));
        }
    }
    for metric in pair.unchanged {
        assert!(seen.contains(metric), "{metric} is missing from the report:\n{table}");
    }
}

#[test]
fn pytest_benchmark_word_counts_twice_as_slow_fails() {
    // Headline: the mean of `stats.data` per round (value 224 µs → 377 µs in the PR run).
    assert_pair(&Pair {
        base: "fixtures/pytest-benchmark/regression/base.json",
        pr: "fixtures/pytest-benchmark/regression/pr.json",
        regressed: "test_workload.py::test_word_counts",
        unchanged: &["test_workload.py::test_fib", "test_workload.py::test_sort_records"],
        known_noise: &[],
    });
}

#[test]
fn go_test_bench_normalize_twice_as_slow_fails() {
    // `-count 6`: six samples a side; B/op and allocs/op of the unchanged ones are equal.
    assert_pair(&Pair {
        base: "fixtures/go/regression/base.txt",
        pr: "fixtures/go/regression/pr.txt",
        regressed: "BenchmarkNormalize",
        unchanged: &["BenchmarkFib20", "BenchmarkSortedCopy", "BenchmarkChecksum"],
        known_noise: &[],
    });
}

#[test]
fn google_benchmark_normalize_twice_as_slow_fails() {
    // `--benchmark_repetitions=6`: six samples a side, for real time and CPU time.
    assert_pair(&Pair {
        base: "fixtures/google-benchmark/regression/base.json",
        pr: "fixtures/google-benchmark/regression/pr.json",
        regressed: "BM_Normalize",
        unchanged: &["BM_Fib", "BM_SortedCopy", "BM_Checksum"],
        // The code did not change, yet its CPU time moved +11.6 % (5.79 → 6.46 µs, six
        // repetitions a side, Welch p < 0.0001): repetitions inside one process vary less than
        // runs do, so the t-test is too sure. Three more pairs made the same way flagged
        // nothing (fixtures/google-benchmark/README.md).
        known_noise: &[("BM_SortedCopy", Some("cpu-time"))],
    });
}

#[test]
fn jmh_normalize_at_half_the_throughput_fails() {
    // Throughput mode: ops/s, higher is better, so the regression is a drop (94405 → 48928).
    assert_pair(&Pair {
        base: "fixtures/jmh/regression/base.json",
        pr: "fixtures/jmh/regression/pr.json",
        regressed: "bench.WorkloadBench.normalize",
        unchanged: &["bench.WorkloadBench.fib", "bench.WorkloadBench.sortedCopy", "bench.WorkloadBench.checksum"],
        known_noise: &[],
    });
}

const LIGHTHOUSE_BASE: &str = "fixtures/lighthouse/regression/base/lhr-*.json";

/// Lighthouse CI, three runs of two pages a side: each page's median is the value, its runs
/// the samples. The product page's lodash lost its `defer` and became the unminified build.
#[test]
fn lighthouse_a_render_blocking_script_fails_the_product_page_only() {
    let dir = tempfile::tempdir().unwrap();
    let (code, report) = gate(dir.path(), LIGHTHOUSE_BASE, "fixtures/lighthouse/regression/pr/lhr-*.json");
    let rows = report["rows"].as_array().unwrap();
    let table: Vec<String> = rows.iter().map(describe).collect();
    let table = table.join("\n");
    println!("{table}");
    assert_eq!(code, Some(1), "{table}");
    let row = |metric: &str| {
        rows.iter().find(|r| r["metric"] == metric).unwrap_or_else(|| panic!("no row {metric}:\n{table}"))
    };
    for regressed in [
        "lighthouse/product.html/first-contentful-paint",
        "lighthouse/product.html/largest-contentful-paint",
        "lighthouse/product.html/speed-index",
        "lighthouse/product.html/interactive",
        "lighthouse/product.html/performance",
    ] {
        assert_eq!(row(regressed)["status"], "fail", "{}", describe(row(regressed)));
    }
    // The score fell: higher is better, so a drop is the regression.
    assert_eq!(row("lighthouse/product.html/performance")["current"], 81.0);
    // The home page did not change: none of its rows fails (nor CLS / TBT / server response
    // time of the product page, which the script does not move beyond noise).
    let unchanged: Vec<&Value> = rows
        .iter()
        .filter(|r| {
            let m = r["metric"].as_str().unwrap();
            m.starts_with("lighthouse/index/")
                || ["cumulative-layout-shift", "total-blocking-time", "server-response-time"]
                    .iter()
                    .any(|a| m == format!("lighthouse/product.html/{a}"))
        })
        .collect();
    assert_eq!(unchanged.len(), 8 + 3, "{table}");
    for r in unchanged {
        assert_ne!(r["status"], "fail", "{}", describe(r));
    }
}

/// With LHCI's default three runs and one run of history, a page whose first paint became
/// 1.85 times slower (median 661 ms → 1.22 s, only `defer` removed) fails: one slow PR run
/// (1.48 s beside 1.20 and 1.22 s) widens the spread of the means, but the fast edge of the
/// runs moved far beyond the limit and beyond the runs' own spread.
#[test]
fn lighthouse_a_first_paint_1_85x_slower_over_three_runs_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (code, report) = gate(dir.path(), LIGHTHOUSE_BASE, "fixtures/lighthouse/regression/pr-2x/lhr-*.json");
    let rows = report["rows"].as_array().unwrap();
    let fcp = rows.iter().find(|r| r["metric"] == "lighthouse/product.html/first-contentful-paint").unwrap();
    println!("{}", describe(fcp));
    assert_eq!(code, Some(1));
    assert_eq!(fcp["status"], "fail");
    assert!(fcp["change"].as_f64().unwrap() > 0.8, "{}", describe(fcp));
    for r in rows.iter().filter(|r| r["metric"].as_str().unwrap().starts_with("lighthouse/index/")) {
        assert_ne!(r["status"], "fail", "{}", describe(r));
    }
}
