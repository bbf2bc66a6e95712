//! Bad input never panics, never passes silently: exit code 2 and one message that names the
//! file, the place and what was expected. Corrupt files are derived from real fixtures.

mod common;

use common::{budgetgate, root, s, write};
use predicates::prelude::*;

fn fixture(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

/// Runs `parse` on `text` saved as `name` and returns stderr, asserting exit code 2.
fn parse_fails(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, text);
    let out = budgetgate().args(["parse", s(&path)]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(s(&path)), "the message names the file: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "{stderr}");
    stderr
}

#[test]
fn truncated_json() {
    let text = fixture("fixtures/hyperfine/sleep_20ms.json");
    let e = parse_fails("hyperfine.json", &text[..text.len() / 2]);
    assert!(e.contains("truncated"), "{e}");
}

#[test]
fn regression_text_after_a_json_result_file_is_an_error_not_ignored() {
    // A file cut and pasted together, or two runs appended to one file: the first document was
    // read and the rest ignored, exit 0.
    let text = fixture("fixtures/github-action-benchmark/customSmallerIsBetter_output.json");
    let e = parse_fails("custom.json", &format!("{text}\n{text}"));
    assert!(
        e.contains("custom.json") && e.contains("trailing characters") && e.contains("expected nothing after"),
        "{e}"
    );
}

#[test]
fn empty_files() {
    let e = parse_fails("empty.json", "");
    assert!(e.contains("empty"), "{e}");
    let e = parse_fails("blank.json", "  \n");
    assert!(e.contains("empty"), "{e}");
}

#[test]
fn wrongly_typed_values_name_the_json_path() {
    let text = fixture("fixtures/hyperfine/sleep_20ms.json").replacen(
        "\"mean\": 0.021457815669999995",
        "\"mean\": \"fast\"",
        1,
    );
    assert!(text.contains("\"fast\""));
    let e = parse_fails("hyperfine.json", &text);
    assert!(e.contains("at `results[0].mean`") && e.contains("expected f64"), "{e}");

    let text = fixture("fixtures/github-action-benchmark/customSmallerIsBetter_output.json").replacen(
        "\"value\": 50",
        "\"value\": \"50\"",
        1,
    );
    let e = parse_fails("custom.json", &text);
    assert!(e.contains("at `[0].value`"), "{e}");
}

#[test]
fn out_of_range_numbers() {
    let text =
        fixture("fixtures/hyperfine/sleep_20ms.json").replacen("\"mean\": 0.021457815669999995", "\"mean\": -0.02", 1);
    let e = parse_fails("negative.json", &text);
    assert!(e.contains("at `results[0]`") && e.contains("= -20 ms") && e.contains("zero or more"), "{e}");
    let text =
        fixture("fixtures/hyperfine/sleep_20ms.json").replacen("\"mean\": 0.021457815669999995", "\"mean\": 1e999", 1);
    let e = parse_fails("huge.json", &text);
    assert!(e.contains("out of range"), "{e}");
    let text =
        fixture("fixtures/hyperfine/sleep_20ms.json").replacen("        0.02117525462,", "        -0.02117525462,", 1);
    let e = parse_fails("negative_sample.json", &text);
    assert!(e.contains("at `results[0]`") && e.contains("sample of -21.2 ms"), "{e}");
}

/// A metric's place in its file is kept as its parts and written out only for an error: an
/// array's element and a text output's line still read as they did when each was a string.
#[test]
fn an_out_of_range_metric_is_named_by_its_element_or_its_line() {
    let text = fixture("fixtures/github-action-benchmark/customSmallerIsBetter_output.json").replacen(
        "\"unit\": \"Megabytes\",\n        \"value\": 100",
        "\"unit\": \"ns\",\n        \"value\": -100",
        1,
    );
    let e = parse_fails("custom.json", &text);
    assert!(
        e.contains("at `[1]`: metric `My Custom Smaller Is Better Benchmark - Memory Used` has value = -100 ns"),
        "{e}"
    );
    let text = fixture("fixtures/go/bencher_three.txt").replacen("  26264 ns/op", " -26264 ns/op", 1);
    let e = parse_fails("bench.txt", &text);
    assert!(e.contains("at `line 5`: metric `BenchmarkFib20` has value = -26.3 µs"), "{e}");
}

#[test]
fn unknown_content() {
    let e = parse_fails("notes.txt", "hello, these are not benchmark results\n");
    assert!(e.contains("cannot tell which tool wrote this file") && e.contains("FORMAT:"), "{e}");
    let e = parse_fails("weird.json", "{\"metrics\": [{\"name\": \"x\", \"unit\": \"ns\", \"stats\": {\"p42\": 1}}]}");
    assert!(e.contains("metrics[0].stats") && e.contains("p42"), "{e}");
}

#[test]
fn not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("binary.json");
    std::fs::write(&path, [0x7b, 0xff, 0xfe, 0x7d]).unwrap();
    budgetgate().args(["parse", s(&path)]).assert().code(2).stderr(predicate::str::contains("not UTF-8"));
}

#[test]
fn criterion_with_a_truncated_estimates_or_a_missing_id() {
    let dir = tempfile::tempdir().unwrap();
    let bench = dir.path().join("target/criterion/parse_small/new");
    std::fs::create_dir_all(&bench).unwrap();
    let estimates = fixture("fixtures/criterion/baseline/parse_small/new/estimates.json");
    std::fs::write(bench.join("estimates.json"), &estimates[..estimates.len() - 40]).unwrap();
    budgetgate()
        .args(["parse", s(&bench.join("estimates.json"))])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("estimates.json").and(predicate::str::contains("truncated")));
    std::fs::write(bench.join("estimates.json"), &estimates).unwrap();
    budgetgate()
        .args(["parse", s(&bench.join("estimates.json"))])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("benchmark.json").and(predicate::str::contains("cannot read")));
}

#[test]
fn budgets_file_mistakes_give_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("version: 1\nbudgets:\n  - metric: a\n    maxx: 1ms\n", "line 4 column 5", "unknown field `maxx`"),
        ("version: 1\nbudgets:\n  - metric: a\n    max: 1 fortnight\n", "line 4", "unknown unit `fortnight`"),
        (
            "version: 1\nbudgets:\n  - metric: a\n    stat: p42\n    max: 1ms\n",
            "line 4",
            "unknown stat `p42`; expected one of value, mean",
        ),
        ("version: 3\n", "line 1", "unsupported budgets file version 3"),
        ("version: 1\nbudgets:\n  - metric: [a\n", "line 3", ""),
        (
            "version: 1\nbudgets:\n  - metric: a\n    max: 1ms\n    severity: fatal\n",
            "line 5",
            "unknown variant `fatal`",
        ),
        ("", "", "the budgets file is empty"),
    ];
    for (text, place, message) in cases {
        let path = write(dir.path(), "budgets.yaml", text);
        budgetgate()
            .args(["validate", "--budgets", s(&path)])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("{}: {place}", s(&path))).and(predicate::str::contains(message)));
    }
}

#[test]
fn a_corrupt_baseline_stops_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = write(dir.path(), "main.json", "{\"version\": 1, \"branches\": {\"main\": [");
    budgetgate()
        .args(["check", "--budgets", "budgets.example.yaml", "--baseline", s(&baseline)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("main.json").and(predicate::str::contains("truncated")));
}

#[test]
fn no_budgets_file_and_usage_mistakes_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    budgetgate()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no budgets file"));
    budgetgate().args(["check", "--fail-on", "sometimes"]).assert().code(2);
    budgetgate().arg("frobnicate").assert().code(2);
}

#[test]
fn names_cannot_inject_workflow_commands_through_error_messages() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.json",
        "{\"metrics\": [{\"name\": \"x\\n::error::injected\", \"unit\": \"ms\", \"stats\": {\"value\": 1}}]}",
    );
    let b = write(
        dir.path(),
        "b.json",
        "{\"metrics\": [{\"name\": \"x\\n::error::injected\", \"unit\": \"ms\", \"stats\": {\"value\": 1}}]}",
    );
    let out = budgetgate().args(["parse", s(&a), s(&b)]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("already read"), "{stderr}");
    assert!(stderr.lines().all(|l| !l.starts_with("::")), "{stderr}");
}
