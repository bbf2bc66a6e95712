//! The image we ship, run the way the Actions runner runs a Docker action: the workspace
//! mounted at /github/workspace, runner variables and `INPUT_*` inputs in the environment, an
//! event payload — against the fake GitHub API on 127.0.0.1. It must post its comment and
//! status over loopback and exit with the verdict's code.
//!
//! Needs the image `scripts/build-image.sh` builds (budgetgate:local, or $BUDGETGATE_IMAGE) and
//! buildah, so it is ignored by a plain `cargo test`; `.ci/run` builds the image and runs it
//! with `cargo test --test image -- --ignored`.

mod common;

use std::process::Command;
use std::time::Instant;

use common::fake_github::FakeGitHub;
use common::root;

const REPO: &str = "octo-org/app";
const HEAD_SHA: &str = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";
const TOKEN: &str = "ghs_imageTESTtokenNEVERshown0123456789abcd";

fn buildah(args: &[&str]) -> std::process::Output {
    Command::new("buildah").arg("--storage-driver").arg("vfs").args(args).output().expect("buildah is installed")
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
#[ignore = "needs buildah and the image from scripts/build-image.sh; .ci/run runs it"]
fn the_shipped_image_gates_a_pull_request() {
    let image = std::env::var("BUDGETGATE_IMAGE").unwrap_or_else(|_| "budgetgate:local".into());
    let fake = FakeGitHub::start("");

    // The workspace a checkout + benchmark step would leave: budgets, results, the baseline.
    let workspace = tempfile::tempdir().unwrap();
    let ws = workspace.path();
    std::fs::create_dir_all(ws.join("target/criterion")).unwrap();
    copy_dir(&root().join("fixtures/criterion/slower"), &ws.join("target/criterion"));
    std::fs::write(
        ws.join("budgets.yaml"),
        "version: 1\nresults:\n  - path: target/criterion/**/new/estimates.json\ndefaults:\n  regression: 50%\n",
    )
    .unwrap();
    let baseline = ws.join("baseline.json");
    common::budgetgate()
        .args(["check", "--budgets", ws.join("budgets.yaml").to_str().unwrap()])
        .args(["--results", "fixtures/criterion/baseline/**/new/estimates.json"])
        .args(["--save-baseline", baseline.to_str().unwrap(), "--branch", "main"])
        .assert()
        .code(0);
    let runner = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("tests/data/pull_request_event.json"), runner.path().join("event.json")).unwrap();
    std::fs::write(runner.path().join("output.txt"), "").unwrap();
    std::fs::write(runner.path().join("summary.md"), "").unwrap();

    let created = buildah(&["from", "--pull-never", &image]);
    assert!(created.status.success(), "buildah from: {}", String::from_utf8_lossy(&created.stderr));
    let container = String::from_utf8(created.stdout).unwrap().trim().to_string();

    let envs = [
        "GITHUB_ACTIONS=true".to_string(),
        format!("GITHUB_API_URL={}", fake.url()),
        "GITHUB_SERVER_URL=https://github.com".into(),
        format!("GITHUB_REPOSITORY={REPO}"),
        "GITHUB_EVENT_NAME=pull_request".into(),
        "GITHUB_EVENT_PATH=/github/workflow/event.json".into(),
        "GITHUB_SHA=9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b".into(),
        "GITHUB_RUN_ID=77".into(),
        "GITHUB_WORKSPACE=/github/workspace".into(),
        "GITHUB_OUTPUT=/github/file_commands/output.txt".into(),
        "GITHUB_STEP_SUMMARY=/github/file_commands/summary.md".into(),
        "RUNNER_TEMP=/github/file_commands".into(),
        format!("INPUT_GITHUB-TOKEN={TOKEN}"),
        "INPUT_BUDGETS=budgets.yaml".into(),
        "INPUT_BASELINE=baseline.json".into(),
        "INPUT_COMMENT=changes".into(),
        "INPUT_STATUS=true".into(),
        "INPUT_FAIL-ON=error".into(),
    ];
    let mut args: Vec<String> =
        vec!["run".into(), "--isolation".into(), "chroot".into(), "--network".into(), "host".into()];
    args.extend(["-v".into(), format!("{}:/github/workspace", ws.display())]);
    args.extend(["-v".into(), format!("{}:/github/workflow", runner.path().display())]);
    args.extend(["-v".into(), format!("{}:/github/file_commands", runner.path().display())]);
    args.extend(["--workingdir".into(), "/github/workspace".into()]);
    for env in &envs {
        args.extend(["--env".into(), env.clone()]);
    }
    args.extend([container.clone(), "--".into(), "/budgetgate".into(), "action".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let start = Instant::now();
    let run = buildah(&args);
    let elapsed = start.elapsed();
    buildah(&["rm", &container]);
    let stdout = String::from_utf8_lossy(&run.stdout).to_string();
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    println!("container start to verdict: {:.2} s", elapsed.as_secs_f64());

    assert_eq!(run.status.code(), Some(1), "exit with the verdict's code:\n{stdout}\n{stderr}");
    assert_eq!(fake.violations(), Vec::<String>::new());
    let comments = fake.comments(REPO, 42);
    assert_eq!(comments.len(), 1, "{stdout}\n{stderr}");
    assert!(comments[0]["body"].as_str().unwrap().contains("parse\\_small"));
    let statuses = fake.statuses(REPO, HEAD_SHA);
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0]["state"], "failure");
    let outputs = std::fs::read_to_string(runner.path().join("output.txt")).unwrap();
    // The report is in the workspace, and the output names it as the runner's later steps see it.
    assert!(
        outputs.contains("verdict=fail\n") && outputs.contains("report-json=budgetgate-report.json\n"),
        "{outputs}"
    );
    assert!(ws.join("budgetgate-report.json").exists());
    let shown = stdout.replace(&format!("::add-mask::{TOKEN}"), "");
    assert!(!shown.contains(TOKEN) && !stderr.contains(TOKEN), "the token never shows");
}

/// The shipped image keeps history on a data branch: a push saves through GitHub's Git data
/// API (no git in the image), then a PR compares with its merge base's run and fails on a 2x
/// regression.
#[test]
#[ignore = "needs buildah and the image from scripts/build-image.sh; .ci/run runs it"]
fn the_shipped_image_saves_to_a_data_branch_and_compares_with_the_merge_base() {
    let image = std::env::var("BUDGETGATE_IMAGE").unwrap_or_else(|_| "budgetgate:local".into());
    let fake = FakeGitHub::start("");
    let base = fake.code_commit(REPO, &[], "2026-11-30T10:00:00Z");
    let head = fake.code_commit(REPO, &[&base], "2026-12-01T10:00:00Z");
    let workspace = tempfile::tempdir().unwrap();
    let ws = workspace.path();
    std::fs::write(ws.join("budgets.yaml"), "version: 1\ndefaults:\n  regression: 50%\n").unwrap();
    let runner = tempfile::tempdir().unwrap();
    std::fs::write(runner.path().join("output.txt"), "").unwrap();
    let step = |event: serde_json::Value, event_name: &str, sha: &str, results: &str, save: bool| {
        std::fs::write(runner.path().join("event.json"), event.to_string()).unwrap();
        let _ = std::fs::remove_dir_all(ws.join("target"));
        std::fs::create_dir_all(ws.join("target/criterion")).unwrap();
        copy_dir(&root().join(results), &ws.join("target/criterion"));
        let created = buildah(&["from", "--pull-never", &image]);
        assert!(created.status.success(), "buildah from: {}", String::from_utf8_lossy(&created.stderr));
        let container = String::from_utf8(created.stdout).unwrap().trim().to_string();
        let mut envs = vec![
            "GITHUB_ACTIONS=true".to_string(),
            format!("GITHUB_API_URL={}", fake.url()),
            format!("GITHUB_REPOSITORY={REPO}"),
            format!("GITHUB_EVENT_NAME={event_name}"),
            "GITHUB_EVENT_PATH=/github/workflow/event.json".into(),
            format!("GITHUB_SHA={sha}"),
            "GITHUB_REF_NAME=main".into(),
            "GITHUB_WORKSPACE=/github/workspace".into(),
            "GITHUB_OUTPUT=/github/workflow/output.txt".into(),
            format!("INPUT_GITHUB-TOKEN={TOKEN}"),
            "INPUT_BUDGETS=budgets.yaml".into(),
            "INPUT_RESULTS=target/criterion/**/new/estimates.json".into(),
            "INPUT_BASELINE=github:budgetgate-data".into(),
            "INPUT_COMMENT=never".into(),
            "INPUT_STATUS=false".into(),
        ];
        if save {
            envs.push("INPUT_SAVE-BASELINE=github:budgetgate-data".into());
        }
        let mut args: Vec<String> =
            vec!["run".into(), "--isolation".into(), "chroot".into(), "--network".into(), "host".into()];
        args.extend(["-v".into(), format!("{}:/github/workspace", ws.display())]);
        args.extend(["-v".into(), format!("{}:/github/workflow", runner.path().display())]);
        args.extend(["--workingdir".into(), "/github/workspace".into()]);
        for env in &envs {
            args.extend(["--env".into(), env.clone()]);
        }
        args.extend([container.clone(), "--".into(), "/budgetgate".into(), "action".into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = buildah(&args);
        buildah(&["rm", &container]);
        run
    };
    let push = serde_json::json!({"after": base, "head_commit": {"timestamp": "2026-11-30T10:00:00Z"},
        "repository": {"default_branch": "main"}});
    let saved = step(push, "push", &base, "fixtures/criterion/baseline", true);
    assert_eq!(saved.status.code(), Some(0), "{}", String::from_utf8_lossy(&saved.stderr));
    assert!(fake.branch_files(REPO, "budgetgate-data").contains_key("branches/main/index.json"));
    let pr = serde_json::json!({"number": 42, "pull_request": {"number": 42,
        "head": {"ref": "feature", "sha": head, "repo": {"full_name": REPO}},
        "base": {"ref": "main", "sha": base, "repo": {"full_name": REPO}}},
        "repository": {"default_branch": "main"}});
    let compared = step(pr, "pull_request", &head, "fixtures/criterion/slower", false);
    let stdout = String::from_utf8_lossy(&compared.stdout);
    assert_eq!(compared.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&compared.stderr));
    assert!(stdout.contains(&format!("compared with main@{}, the merge base", &base[..7])), "{stdout}");
    assert_eq!(fake.violations(), Vec::<String>::new());
}
