//! Shared helpers for the end-to-end tests: run the real binary from the project root, the way
//! a workflow step does, and inspect what it wrote.

#![allow(dead_code, reason = "each test file uses a different subset")]

pub mod browser;
pub mod fake_github;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, started in the project root with no GitHub variables leaking in from the
/// environment the tests run in.
pub fn budgetgate() -> Command {
    let mut cmd = Command::cargo_bin("budgetgate").unwrap();
    cmd.current_dir(root());
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_SHA",
        "GITHUB_REF_NAME",
        "GITHUB_HEAD_REF",
        "GITHUB_BASE_REF",
        "GITHUB_TOKEN",
        "GITHUB_EVENT_PATH",
        "GITHUB_EVENT_NAME",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "RUNNER_NAME",
        "RUNNER_OS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Statuses of the report's rows as (metric, status) pairs.
pub fn statuses(report: &serde_json::Value) -> Vec<(String, String)> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["metric"].as_str().unwrap().to_string(), r["status"].as_str().unwrap().to_string()))
        .collect()
}

pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}
