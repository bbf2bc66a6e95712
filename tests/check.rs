//! `budgetgate check` end to end on real tool outputs from fixtures/.

mod common;

use common::{budgetgate, read_json, s, statuses, write};
use predicates::prelude::*;

const CRITERION_BASE: &str = "fixtures/criterion/baseline/**/new/estimates.json";
const CRITERION_SLOWER: &str = "fixtures/criterion/slower/**/new/estimates.json";

#[test]
fn the_readme_command_passes_on_the_example_budgets() {
    budgetgate()
        .args(["check", "--budgets", "budgets.example.yaml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("budgetgate: PASS"))
        .stdout(predicate::str::contains("parse_small"));
}

#[test]
fn a_benchmark_twice_as_slow_fails_and_is_the_only_one_named() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "budgets.yaml", "version: 1\ndefaults:\n  regression: 50%\n");
    let baseline = dir.path().join("main.json");
    budgetgate()
        .args(["check", "--budgets", s(&budgets), "--results", CRITERION_BASE, "--save-baseline", s(&baseline)])
        .args(["--branch", "main", "--commit", "1111111aaaaaaa"])
        .assert()
        .code(0);

    let (md, json) = (dir.path().join("comment.md"), dir.path().join("report.json"));
    budgetgate()
        .args(["check", "--budgets", s(&budgets), "--results", CRITERION_SLOWER, "--baseline", s(&baseline)])
        .args(["--report-md", s(&md), "--report-json", s(&json), "--commit", "2222222bbbbbbb"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL     parse_small"));

    let report = read_json(&json);
    assert_eq!(report["verdict"], "fail");
    assert_eq!(report["exit_code"], 1);
    assert_eq!(report["counts"]["violations"], 1);
    let failing: Vec<_> = statuses(&report).into_iter().filter(|(_, st)| st == "fail").collect();
    assert_eq!(failing, [("parse_small".to_string(), "fail".to_string())]);
    let row = &report["rows"][0];
    // One run of history: the limit decides, and the row says so (issue 16).
    assert_eq!(row["test"], "threshold");
    assert!(row["reason"].as_str().unwrap().contains("the limit decides (1 run of history"), "{row}");
    assert!(row["change"].as_f64().unwrap() > 0.9, "{row}");
    assert_eq!(report["compared"]["baseline"]["commit"], "1111111aaaaaaa");

    let md = std::fs::read_to_string(&md).unwrap();
    let violations = md.split("### Violations").nth(1).unwrap().split("<details>").next().unwrap();
    assert!(violations.contains("parse\\_small"), "{md}");
    for other in ["sort/100", "sort/1000", "fib/20"] {
        assert!(!violations.contains(other), "{other} must not be listed as a violation:\n{md}");
    }
}

#[test]
fn with_one_run_of_history_the_limit_decides_and_a_change_not_in_the_minimum_is_inconclusive() {
    // Unchanged code measured twice: sort/100's headline moved +3.0% and fib/20's +1.4%, over
    // a 1% limit. Welch's test on one run's samples is no evidence of a change between runs
    // (issue 16: it called 52–70 % of A/A pairs significant), so with one run of history the
    // limit decides, on the headline and on the minimum, which contention cannot lower: the
    // minimums moved -2.9% and +0.3%, so both rows are inconclusive, not failures.
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "budgets.yaml", "version: 1\ndefaults:\n  regression: 1%\n");
    let baseline = dir.path().join("main.json");
    budgetgate()
        .args(["check", "--budgets", s(&budgets), "--results", CRITERION_BASE, "--save-baseline", s(&baseline)])
        .assert()
        .code(0);
    let json = dir.path().join("report.json");
    budgetgate()
        .args([
            "check",
            "--budgets",
            s(&budgets),
            "--results",
            "fixtures/criterion/slower/{fib,sort}/**/new/estimates.json",
        ])
        .args(["--baseline", s(&baseline), "--report-json", s(&json)])
        .assert()
        .code(0);
    let report = read_json(&json);
    assert_eq!(report["counts"]["inconclusive"], 2);
    let row = |name: &str| report["rows"].as_array().unwrap().iter().find(|r| r["metric"] == name).unwrap().clone();
    let sort = row("sort/100");
    assert_eq!(sort["status"], "inconclusive");
    assert_eq!(sort["test"], "threshold");
    assert_eq!(sort["p_value"], serde_json::Value::Null, "no calibrated p-value without history");
    let reason = sort["reason"].as_str().unwrap();
    assert!(reason.contains("not in the minimum; the minimum moved -2.9%"), "{sort}");
    assert!(reason.contains("the limit decides") && reason.contains("covers within-run noise only"), "{sort}");
    // The benchmark this run did not produce is reported, as a warning by default.
    let missing = row("parse_small");
    assert_eq!(missing["status"], "missing");
    assert_eq!(missing["severity"], "warning");
}

#[test]
fn an_absolute_budget_on_hyperfine_fails_at_15ms_and_passes_at_50ms() {
    let dir = tempfile::tempdir().unwrap();
    for (max, code) in [("15ms", 1), ("50ms", 0)] {
        let budgets = write(
            dir.path(),
            "budgets.yaml",
            &format!("version: 1\nresults:\n  - path: fixtures/hyperfine/sleep_20ms.json\nbudgets:\n  - metric: sleep 0.02\n    stat: mean\n    max: {max}\n"),
        );
        let out = budgetgate().args(["check", "--budgets", s(&budgets)]).assert().code(code);
        if code == 1 {
            out.stdout(predicate::str::contains("mean 21.5 ms > max 15 ms"));
        }
    }
}

#[test]
fn fail_on_decides_which_severities_fail() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(
        dir.path(),
        "budgets.yaml",
        "version: 1\nresults:\n  - path: fixtures/hyperfine/sleep_20ms.json\nbudgets:\n  - metric: sleep 0.02\n    max: 15ms\n    severity: warning\n",
    );
    budgetgate().args(["check", "--budgets", s(&budgets)]).assert().code(0).stdout(predicate::str::contains("WARN"));
    budgetgate().args(["check", "--budgets", s(&budgets), "--fail-on", "warning"]).assert().code(1);
    budgetgate().args(["check", "--budgets", s(&budgets), "--fail-on", "never"]).assert().code(0);
}

#[test]
fn a_budget_that_matches_nothing_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(
        dir.path(),
        "budgets.yaml",
        "version: 1\nresults:\n  - path: fixtures/hyperfine/sleep_20ms.json\nbudgets:\n  - metric: api/typo*\n    max: 1s\n",
    );
    let json = dir.path().join("r.json");
    budgetgate()
        .args(["check", "--budgets", s(&budgets), "--report-json", s(&json), "--fail-on", "warning"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("line 5: budget `api/typo*` matches none of the 1 metrics read"));
    assert_eq!(read_json(&json)["unmatched_budgets"][0]["line"], 5);
    budgetgate()
        .args(["validate", "--budgets", s(&budgets)])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("line 5: budget `api/typo*` matches none"));
}

#[test]
fn a_results_glob_that_matches_nothing_is_an_error() {
    budgetgate()
        .args(["check", "--budgets", "budgets.example.yaml", "--results", "target/criterion/**/nothing-here.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("matched no file"));
}

#[test]
fn a_size_budget_on_a_timing_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(
        dir.path(),
        "budgets.yaml",
        "version: 1\nresults:\n  - path: fixtures/hyperfine/sleep_20ms.json\nbudgets:\n  - metric: \"*\"\n    max: 50 kB\n",
    );
    budgetgate().args(["check", "--budgets", s(&budgets)]).assert().code(2).stderr(
        predicate::str::contains("line 5")
            .and(predicate::str::contains("a size"))
            .and(predicate::str::contains("measured in `ns`")),
    );
}

#[test]
fn a_custom_template_receives_the_report_object() {
    let dir = tempfile::tempdir().unwrap();
    let template = write(
        dir.path(),
        "t.md",
        "{{ verdict }}|{{ counts.metrics }}|{% for r in rows %}{{ r.metric | md }};{% endfor %}\n",
    );
    let md = dir.path().join("out.md");
    budgetgate()
        .args(["check", "--budgets", "budgets.example.yaml", "--template", s(&template), "--report-md", s(&md)])
        .assert()
        .code(0);
    let out = std::fs::read_to_string(&md).unwrap();
    assert!(out.starts_with("pass|9|"), "{out}");
    assert!(out.contains("parse\\_small;"), "{out}");
}

/// The run is saved while the gate decides (issue 19), but put in place only after every
/// output rendered: a template that fails at render time leaves the baseline as it was.
#[test]
fn a_template_error_at_render_time_saves_no_run() {
    let dir = tempfile::tempdir().unwrap();
    let template = write(dir.path(), "t.md", "{{ verdict }}\n{{ no_such_field.x }}\n");
    let store = dir.path().join("store.json");
    let md = dir.path().join("out.md");
    let args = |template: Option<&std::path::Path>| {
        let mut args = vec!["check", "--budgets", "budgets.example.yaml", "--save-baseline", s(&store)];
        args.extend(["--branch", "main", "--commit", "1111111111111111111111111111111111111111"]);
        if let Some(t) = template {
            args.extend(["--template", s(t), "--report-md", s(&md)]);
        }
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    budgetgate().args(args(None)).assert().code(0);
    let saved = std::fs::read(&store).unwrap();
    budgetgate().args(args(Some(&template))).assert().code(2).stderr(predicate::str::contains("undefined"));
    assert_eq!(std::fs::read(&store).unwrap(), saved, "the store is as it was");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("budgetgate-tmp"))
        .collect();
    assert!(left.is_empty(), "no temp file left: {left:?}");
}

#[test]
fn template_mistakes_name_the_template_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let template = write(dir.path(), "t.md", "line one\n{{ verdict }}\n{{ no_such_field.x }}\n");
    let md = dir.path().join("out.md");
    budgetgate()
        .args(["check", "--budgets", "budgets.example.yaml", "--template", s(&template), "--report-md", s(&md)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("t.md: line 3").and(predicate::str::contains("undefined")));
    assert!(!md.exists(), "no half-written report after a template error");
    let bad = write(dir.path(), "bad.md", "{% for r in rows %}\n{{ r.metric }\n");
    budgetgate()
        .args(["check", "--budgets", "budgets.example.yaml", "--template", s(&bad), "--report-md", s(&md)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.md: line 2").and(predicate::str::contains("syntax error")));
}

#[test]
fn no_baseline_yet_is_a_note_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    budgetgate()
        .args([
            "check",
            "--budgets",
            "budgets.example.yaml",
            "--baseline",
            s(&dir.path().join("absent.json")),
            "--report-json",
            s(&json),
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no baseline yet"));
    assert!(read_json(&json)["compared"]["baseline"].is_null());
}

#[test]
fn results_from_the_command_line_with_a_forced_format() {
    let dir = tempfile::tempdir().unwrap();
    let budgets =
        write(dir.path(), "budgets.yaml", "version: 1\nbudgets:\n  - metric: \"*Throughput\"\n    min: 100\n");
    budgetgate()
        .args([
            "check",
            "--budgets",
            s(&budgets),
            "--results",
            "customBiggerIsBetter:fixtures/github-action-benchmark/customBiggerIsBetter_output.json",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("value 70 req/s < min 100 req/s"));
}

#[test]
fn point_values_are_judged_against_the_spread_of_history() {
    // github-action-benchmark values carry no spread: with five runs of history the z-score
    // decides whether a change over the limit is real.
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "budgets.yaml", "version: 1\ndefaults:\n  regression: 3%\n");
    let baseline = dir.path().join("main.json");
    let results = |value: u32| {
        write(dir.path(), "results.json", &format!(r#"[{{"name": "api/login", "unit": "ms", "value": {value}}}]"#))
    };
    for (i, value) in [100, 102, 98, 101, 99].into_iter().enumerate() {
        let file = results(value);
        budgetgate()
            .args(["check", "--budgets", s(&budgets), "--results", s(&file), "--save-baseline", s(&baseline)])
            .args(["--branch", "main", "--commit", &format!("c{i}")])
            .assert()
            .code(0);
    }
    let json = dir.path().join("r.json");
    let run = |value: u32| {
        let file = results(value);
        budgetgate()
            .args(["check", "--budgets", s(&budgets), "--results", s(&file), "--baseline", s(&baseline)])
            .args(["--report-json", s(&json)])
            .output()
            .unwrap();
        read_json(&json)["rows"][0].clone()
    };
    // +4.0% vs the median 100 of 5 runs with sd 1.58: a prediction test gives p = 0.0920
    // (scipy: 2·t.sf(4 / (1.5811·√(1 + π/10)), 4)): over the 3% limit but within noise, so
    // inconclusive: a workflow can re-run the benchmarks.
    let within = run(104);
    assert_eq!(within["test"], "history");
    assert_eq!(within["status"], "inconclusive");
    let reason = within["reason"].as_str().unwrap();
    assert!(reason.contains("within noise at 99% (history test on value, p = 0.0920; history of 5 runs"), "{within}");
    assert!(reason.contains("+4.0% [") && reason.contains("median of 5 runs"), "{within}");
    // +30%: p = 7.8e-5.
    let real = run(130);
    assert_eq!(real["status"], "fail");
    assert!(real["reason"].as_str().unwrap().contains("history test on value, p < 0.0001"), "{real}");
}

/// `--report-csv`: one line per row with the JSON report's numbers; names that a spreadsheet
/// would run as formulas stay text.
#[test]
fn the_csv_report_has_every_row_and_no_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = common::write(dir.path(), "b.yaml", "version: 1\nbudgets:\n  - metric: \"**\"\n    max: 10ms\n");
    let (csv_path, json_path) = (dir.path().join("r.csv"), dir.path().join("r.json"));
    let formulas = common::write(
        dir.path(),
        "formulas.json",
        r#"{"metrics": [{"name": "=HYPERLINK(\"http://evil\",\"x\")", "unit": "ms", "stats": {"value": 1}},
                        {"name": "@SUM(1+1)", "unit": "ms", "stats": {"value": 20}}]}"#,
    );
    budgetgate()
        .args(["check", "--budgets", s(&budgets), "--results", "tests/data/hostile-names.json"])
        .args(["--results", s(&formulas)])
        .args(["--report-csv", s(&csv_path), "--report-json", s(&json_path)])
        .output()
        .unwrap();
    let report = common::read_json(&json_path);
    let rows = report["rows"].as_array().unwrap();
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    for (record, row) in records.iter().zip(rows) {
        let metric = &record[0];
        assert!(!metric.starts_with(['=', '+', '-', '@']), "{metric}");
        assert_eq!(metric.trim_start_matches('\''), row["metric"].as_str().unwrap());
        assert_eq!(record[7].parse::<f64>().ok(), row["current"].as_f64());
        assert_eq!(&record[5], row["status"].as_str().unwrap());
    }
}

/// The JSON report is indented up to 1,000 rows and one line past that (README, "JSON
/// report"); both forms hold the same object.
#[test]
fn the_json_report_is_indented_up_to_a_thousand_rows_and_one_line_past() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "b.yaml", "version: 1\nbudgets:\n  - metric: \"**\"\n    max: 10ms\n");
    for (count, lines) in [(1_000, None), (1_001, Some(1))] {
        let rows: Vec<serde_json::Value> =
            (0..count).map(|i| serde_json::json!({"name": format!("b{i:04}"), "unit": "ms", "value": 1})).collect();
        let results = write(dir.path(), &format!("r{count}.json"), &serde_json::Value::Array(rows).to_string());
        let json = dir.path().join(format!("report{count}.json"));
        budgetgate()
            .args(["check", "--budgets", s(&budgets), "--report-json", s(&json)])
            .args(["--results", &format!("customSmallerIsBetter:{}", s(&results))])
            .assert()
            .code(0);
        let text = std::fs::read_to_string(&json).unwrap();
        match lines {
            Some(n) => assert_eq!(text.lines().count(), n, "{count} rows"),
            None => assert!(text.lines().count() > count, "{count} rows: indented"),
        }
        let report = read_json(&json);
        assert_eq!(report["rows"].as_array().unwrap().len(), count);
        assert_eq!(report["rows"][0]["metric"], "b0000");
    }
}
