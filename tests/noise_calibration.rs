//! The noise model against real repeated runs made on this kind of machine (issue 16):
//! `fixtures/noise/` holds A/A runs (identical code) of four criterion benchmarks and one
//! hyperfine command, quiet, with a core busy and under heavy changing load, and runs where
//! one benchmark was made 1.15×, 1.3× and 2× slower. Each test replays CI: a base branch
//! history of k runs, a PR run not among them, the gate's verdict. Figures are printed
//! (`cargo test --test noise_calibration -- --nocapture`); no timing is measured here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use budgetgate::baseline::Comparison;
use budgetgate::budget::evaluate::Status;
use budgetgate::budget::{evaluate, Budgets};
use budgetgate::ingest::{self, ResultSpec};
use budgetgate::model::{Metric, Run, RunContext};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/noise")
}

/// One stored run of the corpus.
#[derive(Clone)]
struct CorpusRun {
    tool: String,
    condition: String,
    variant: String,
    order: usize,
    metrics: Vec<Metric>,
}

/// Every run, read through ingest as `check` would read it, in the order they were made.
fn runs() -> Vec<CorpusRun> {
    let index = std::fs::read_to_string(corpus().join("runs.tsv")).expect("fixtures/noise/runs.tsv");
    let mut out = Vec::new();
    for line in index.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (order, tool, condition, variant, run) = (f[0], f[1], f[2], f[3], f[5]);
        if f.get(9).is_some_and(|code| *code != "0") {
            continue;
        }
        let dir = corpus().join(tool).join(condition).join(variant);
        let pattern = match tool {
            "criterion" => format!("{}/run{:0>2}/**/new/estimates.json", dir.display(), run),
            _ => format!("{}/run{:0>2}.json", dir.display(), run),
        };
        let metrics =
            ingest::ingest(&[ResultSpec::from_cli(&pattern, None).unwrap()]).unwrap_or_else(|e| panic!("{e}"));
        out.push(CorpusRun {
            tool: tool.into(),
            condition: condition.into(),
            variant: variant.into(),
            order: order.parse().unwrap(),
            metrics,
        });
    }
    out.sort_by_key(|r| r.order);
    out
}

fn select<'a>(runs: &'a [CorpusRun], tool: &str, conditions: &[&str], variant: &str) -> Vec<&'a CorpusRun> {
    runs.iter()
        .filter(|r| r.tool == tool && conditions.contains(&r.condition.as_str()) && r.variant == variant)
        .collect()
}

/// The gate's rows for `pr` against a base branch whose history is `history` (oldest first).
fn gate(history: &[&CorpusRun], pr: &CorpusRun, limit: f64) -> Vec<budgetgate::budget::evaluate::Row> {
    let mut budgets = Budgets::defaults_only();
    budgets.defaults.regression = Some(limit);
    let history: Vec<Run> =
        history.iter().map(|r| Run { context: RunContext::default(), metrics: r.metrics.clone() }).collect();
    let comparison = Comparison::new("main", history, String::new(), String::new());
    evaluate(&budgets, &pr.metrics, Some(&comparison), budgetgate::budget::Trends::Notable).rows
}

/// For each A/A run as the PR, the `k` A/A runs made just before it (wrapping round), so every
/// run is judged once against a history it is not part of.
fn aa_cases<'a>(aa: &[&'a CorpusRun], k: usize) -> Vec<(Vec<&'a CorpusRun>, &'a CorpusRun)> {
    let n = aa.len();
    if n <= k {
        return Vec::new();
    }
    (0..n).map(|i| ((1..=k).rev().map(|back| aa[(i + n - back) % n]).collect(), aa[i])).collect()
}

#[derive(Default)]
struct Tally {
    rows: usize,
    fails: usize,
    p_below_1pct: usize,
    /// The same for the adjusted p-values reports print (Benjamini–Hochberg over the run).
    adjusted_below_1pct: usize,
    with_p: usize,
    inconclusive: usize,
}

fn tally(cases: &[(Vec<&CorpusRun>, &CorpusRun)], limit: f64) -> Tally {
    let mut t = Tally::default();
    for (history, pr) in cases {
        for row in gate(history, pr, limit) {
            if std::env::var("NOISE_DEBUG").is_ok() && row.status == Status::Fail {
                println!("  A/A FAIL {} {:?}: {}", row.metric, row.measure, row.reason);
            }
            t.rows += 1;
            t.fails += usize::from(row.status == Status::Fail);
            t.inconclusive += usize::from(row.status == Status::Inconclusive);
            if let Some(p) = row.p_raw {
                t.with_p += 1;
                t.p_below_1pct += usize::from(p < 0.01);
                t.adjusted_below_1pct += usize::from(row.p_value.is_some_and(|p| p < 0.01));
            }
        }
    }
    t
}

/// The `k` A/A runs made last before `pr`, else (for early PR runs) the first `k`.
fn history_before<'a>(aa: &[&'a CorpusRun], pr: &CorpusRun, k: usize) -> Vec<&'a CorpusRun> {
    let before: Vec<&CorpusRun> = aa.iter().filter(|r| r.order < pr.order).copied().collect();
    if before.len() >= k {
        before[before.len() - k..].to_vec()
    } else {
        aa[..k].to_vec()
    }
}

fn have_corpus() -> bool {
    let there = corpus().join("runs.tsv").exists();
    if !there {
        println!("SKIPPED: fixtures/noise/runs.tsv is missing");
    }
    there
}

#[test]
fn a_a_runs_are_calibrated_and_never_fail() {
    if !have_corpus() {
        return;
    }
    let runs = runs();
    let mut problems = Vec::new();
    for tool in ["criterion", "hyperfine"] {
        let aa = select(&runs, tool, &["quiet", "busy"], "aa");
        assert!(aa.len() >= 12, "{tool}: {} A/A runs", aa.len());
        for k in [1, 2, 5, 8] {
            let cases = aa_cases(&aa, k);
            for limit in [0.05, 0.10] {
                let t = tally(&cases, limit);
                println!(
                    "{tool:<9} A/A  history {k:>2}  limit {:>2.0}%: {:>3} rows, {} fail, {} inconclusive; p < 0.01 in {}/{} tested ({} adjusted)",
                    limit * 100.0,
                    t.rows,
                    t.fails,
                    t.inconclusive,
                    t.p_below_1pct,
                    t.with_p,
                    t.adjusted_below_1pct
                );
                if (limit >= 0.10 || k >= 5) && t.fails > 0 {
                    problems.push(format!("{tool}: {} A/A failures with history {k} at {limit}", t.fails));
                }
                // Calibration of the p-values reports print: at most 2 % of A/A comparisons at
                // p < 0.01 (raw p-values are printed beside them; see the README's figures).
                if k >= 5 && t.adjusted_below_1pct * 50 > t.with_p {
                    problems.push(format!(
                        "{tool}: {} of {} A/A adjusted p < 0.01 (history {k})",
                        t.adjusted_below_1pct, t.with_p
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Rows of the slowed benchmark and of the others, for a PR run of a slowed variant.
fn split_rows(tool: &str, rows: Vec<budgetgate::budget::evaluate::Row>) -> (Vec<Status>, Vec<(String, Status)>) {
    let slowed = |name: &str| tool == "hyperfine" || name.starts_with("slowed/");
    let (mut hit, mut others) = (Vec::new(), Vec::new());
    // The headline row of the slowed benchmark (hyperfine's cpu-time measure is slowed too,
    // and counted with the others only where it is not).
    for row in rows.into_iter().filter(|r| r.measure.is_none() || !slowed(&r.metric)) {
        if slowed(&row.metric) {
            hit.push(row.status);
        } else {
            others.push((row.metric, row.status));
        }
    }
    (hit, others)
}

/// Unchanged benchmarks the model fails anyway: (tool, variant, time order of the PR run,
/// metric). Each is asserted to still fail (so the list cannot go stale) and printed.
/// x1.3's first criterion run (time order 4) was slow as a whole: every benchmark's minimum in
/// it sat 7–30 % above its A/A median (fnv1a_40k +7 %, sort_40k +30 %, sort_256 +29 %), the
/// machine, not the code. One PR run cannot tell that from a regression of that benchmark.
const KNOWN_FALSE_ALARMS: &[(&str, &str, usize, &str)] = &[("criterion", "x1.3", 4, "fixed/sort_256")];

#[test]
fn real_regressions_fail_and_unchanged_benchmarks_do_not() {
    if !have_corpus() {
        return;
    }
    let runs = runs();
    let mut problems = Vec::new();
    // (variant, history, must every one be caught?) The corpus's x1.15 criterion variant is
    // +11 % (the benchmark's fixed overhead dilutes it) and the 10 % limit sits right under it;
    // those and criterion's x1.3 with five runs (CV 4–5 % between runs) are printed, not
    // required: the README gives the figures.
    let cases = [
        ("x2", 1, true),
        ("x2", 5, true),
        ("x1.3", 5, false),
        ("x1.3", 10, true),
        ("x1.15", 5, false),
        ("x1.15", 10, false),
    ];
    for tool in ["criterion", "hyperfine"] {
        let aa = select(&runs, tool, &["quiet", "busy"], "aa");
        for (variant, k, required) in cases {
            let required = required || (tool == "hyperfine" && variant == "x1.3");
            let mut caught = 0;
            let prs = select(&runs, tool, &["quiet"], variant);
            for pr in &prs {
                let history = history_before(&aa, pr, k);
                let rows = gate(&history, pr, 0.10);
                if std::env::var("NOISE_DEBUG").is_ok() {
                    for r in rows.iter().filter(|r| r.measure.is_none()) {
                        println!("  {variant} k={k} run {} {:?} {}: {}", pr.order, r.status, r.metric, r.reason);
                    }
                }
                let (hit, others) = split_rows(tool, rows);
                caught += hit.iter().filter(|s| **s == Status::Fail).count();
                for (name, status) in &others {
                    let known = KNOWN_FALSE_ALARMS.contains(&(tool, variant, pr.order, name.as_str()));
                    match (known, *status == Status::Fail) {
                        (true, true) => {
                            println!("known false alarm: {tool} {variant} run {} {name} (history {k})", pr.order)
                        }
                        (true, false) => problems.push(format!(
                            "{tool} {variant} run {}: {name} no longer fails; drop it from KNOWN_FALSE_ALARMS",
                            pr.order
                        )),
                        (false, true) => problems
                            .push(format!("{tool} {variant}: unchanged {name} failed (history {k}, run {})", pr.order)),
                        (false, false) => {}
                    }
                }
            }
            println!("{tool:<9} {variant:<5} history {k:>2}: {caught}/{} regressions caught at a 10% limit", prs.len());
            if required && caught != prs.len() {
                problems.push(format!("{tool}: {caught}/{} {variant} regressions fail with history {k}", prs.len()));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn heavy_changing_load_does_not_fail_identical_code() {
    if !have_corpus() {
        return;
    }
    let runs = runs();
    let aa = select(&runs, "hyperfine", &["heavy"], "aa");
    if aa.len() < 12 {
        println!("SKIPPED: {} heavy-load A/A runs", aa.len());
        return;
    }
    for k in [5, 10] {
        let t = tally(&aa_cases(&aa, k), 0.10);
        println!(
            "hyperfine heavy A/A history {k:>2}: {} rows, {} fail, {} inconclusive",
            t.rows, t.fails, t.inconclusive
        );
        assert_eq!(t.fails, 0, "heavy load A/A failures with history {k}");
    }
    let mut rates = HashMap::new();
    for variant in ["x2", "x1.3"] {
        let prs = select(&runs, "hyperfine", &["heavy"], variant);
        let mut caught = 0;
        for pr in &prs {
            let history = history_before(&aa, pr, 10);
            let (hit, _) = split_rows("hyperfine", gate(&history, pr, 0.10));
            caught += hit.iter().filter(|s| **s == Status::Fail).count();
        }
        println!("hyperfine heavy {variant:<5} history 10: {caught}/{} caught", prs.len());
        rates.insert(variant, (caught, prs.len()));
    }
    let (two, n2) = rates["x2"];
    assert_eq!(two, n2, "every 2x under heavy load is caught");
    let (thirty, n30) = rates["x1.3"];
    assert!(thirty * 2 > n30, "most 1.3x under heavy load are caught: {thirty}/{n30}");
}
