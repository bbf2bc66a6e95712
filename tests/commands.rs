//! `parse`, `validate`, `formats` and `--version`: the commands users run to see what
//! budgetgate reads.

mod common;

use common::budgetgate;
use predicates::prelude::*;

#[test]
fn parse_prints_canonical_metrics_sorted_by_name() {
    let out = budgetgate()
        .args(["parse", "fixtures/criterion/baseline/**/new/estimates.json", "fixtures/hyperfine/sleep_20ms.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let metrics = doc["metrics"].as_array().unwrap();
    let names: Vec<_> = metrics.iter().map(|m| m["name"].as_str().unwrap()).collect();
    // hyperfine's command carries its wall time and, as a second measure, its CPU time.
    assert_eq!(names, ["fib/20", "parse_small", "sleep 0.02", "sleep 0.02", "sort/100", "sort/1000"]);
    assert_eq!(metrics[3]["measure"], "cpu-time");
    let sleep = &metrics[2];
    assert_eq!(sleep["unit"], "ns");
    assert_eq!(sleep["direction"], "lower_is_better");
    assert_eq!(sleep["samples"], 20);
    // hyperfine wrote seconds; the mean in fixtures/README.md is 0.021457815669999995 s.
    assert!((sleep["stats"]["mean"].as_f64().unwrap() - 21_457_815.67).abs() < 0.01);
    let parse_small = &metrics[1];
    // criterion's slope estimate is the headline; its mean is 109.3172820468705 ns.
    assert!((parse_small["stats"]["mean"].as_f64().unwrap() - 109.317_282_046_870_5).abs() < 1e-9);
    assert!(parse_small["stats"]["p95"].as_f64().unwrap() > parse_small["stats"]["p50"].as_f64().unwrap());
}

#[test]
fn parse_output_reads_back_as_budgetgate_json() {
    let dir = tempfile::tempdir().unwrap();
    let first = budgetgate().args(["parse", "fixtures/hyperfine/two_commands.json"]).output().unwrap();
    let path = dir.path().join("metrics.json");
    std::fs::write(&path, &first.stdout).unwrap();
    let second = budgetgate().args(["parse", path.to_str().unwrap()]).output().unwrap();
    assert_eq!(String::from_utf8(first.stdout).unwrap(), String::from_utf8(second.stdout).unwrap());
}

#[test]
fn hyperfine_edge_cases_from_the_real_tool() {
    // All-zero times, a single run (stddev null) and an ignored failing command all parse.
    for file in ["zero_times", "single_run", "failing_ignored", "bencher_one", "bencher_two"] {
        budgetgate().args(["parse", &format!("fixtures/hyperfine/{file}.json")]).assert().code(0);
    }
    let out = budgetgate().args(["parse", "fixtures/hyperfine/zero_times.json"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["metrics"][0]["stats"]["p99"], 0.0);
}

#[test]
fn criterion_names_come_from_benchmark_json_not_directories() {
    let out = budgetgate().args(["parse", "fixtures/criterion/odd_names/**/new/estimates.json"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<_> =
        doc["metrics"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap().to_string()).collect();
    assert!(names.contains(&"My Group: v2/a/b c".to_string()), "{names:?}");
    assert!(names.contains(&"what?*<>|\"\\ ünï✓".to_string()), "{names:?}");
}

#[test]
fn criterion_base_directories_are_refused_with_a_pointer_to_new() {
    budgetgate()
        .args(["parse", "fixtures/criterion/baseline/parse_small/base/estimates.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("new/estimates.json"));
}

#[test]
fn custom_json_direction_follows_the_format_name_or_the_unit() {
    let out = budgetgate()
        .args(["parse", "fixtures/github-action-benchmark/customBiggerIsBetter_output.json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_name = |n: &str| {
        doc["metrics"].as_array().unwrap().iter().find(|m| m["name"].as_str().unwrap().ends_with(n)).unwrap().clone()
    };
    assert_eq!(by_name("Throughput")["direction"], "higher_is_better");
    assert_eq!(by_name("Free Memory")["direction"], "lower_is_better");
    let out = budgetgate()
        .args([
            "parse",
            "--format",
            "customBiggerIsBetter",
            "fixtures/github-action-benchmark/customBiggerIsBetter_output.json",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["metrics"].as_array().unwrap().iter().all(|m| m["direction"] == "higher_is_better"));
}

#[test]
fn validate_accepts_the_example_without_warnings() {
    budgetgate()
        .args(["validate", "--budgets", "budgets.example.yaml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("valid (8 budgets"))
        .stderr(predicate::str::is_empty());
}

#[test]
fn formats_lists_every_format() {
    let assert = budgetgate().arg("formats").assert().code(0);
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for name in [
        "criterion",
        "hyperfine",
        "budgetgate",
        "github-action-benchmark",
        "customSmallerIsBetter",
        "customBiggerIsBetter",
    ] {
        assert!(out.lines().any(|l| l.starts_with(name)), "{name} missing from:\n{out}");
    }
}

#[test]
fn version_names_the_commit() {
    budgetgate()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"^budgetgate \d+\.\d+\.\d+ \(.+\)\n$").unwrap());
}

#[test]
fn every_command_has_help() {
    for cmd in ["check", "parse", "validate", "formats"] {
        budgetgate().args([cmd, "--help"]).assert().code(0);
    }
}
