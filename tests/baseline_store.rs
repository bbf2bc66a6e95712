//! The branch store end to end (issue 17): the binary as workflow steps run it — pushes to main
//! saving to `github:budgetgate-data`, pull requests comparing with the stored run of their
//! merge base — against the fake GitHub API, whose Git data API is checked against GitHub's
//! REST description and keeps real Git objects.

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::fake_github::{FakeGitHub, Fault};
use common::{budgetgate, read_json, root, s, statuses, write};

const REPO: &str = "octo-org/app";
const TOKEN: &str = "ghs_storeTOKENvalueNEVERtoBEseen0123456789";
const STORE: &str = "github:budgetgate-data";
const BASE: &str = "fixtures/criterion/baseline/**/new/estimates.json";
/// The same benchmarks about 2x slower.
const SLOWER: &str = "fixtures/criterion/slower/**/new/estimates.json";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A repository with a main branch of code commits, and a workspace for the gate's files.
struct Repo {
    fake: FakeGitHub,
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "budgets.yaml", "version: 1\ndefaults:\n  regression: 50%\n");
        Repo { fake: FakeGitHub::start(""), dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn commit(&self, parents: &[&str], date: &str) -> String {
        self.fake.code_commit(REPO, parents, date)
    }

    fn run(&self, event_name: &str, event: &serde_json::Value, sha: &str, args: &[&str]) -> Out {
        let event_path = self.path(&format!("event-{sha}.json"));
        std::fs::write(&event_path, event.to_string()).unwrap();
        let out = budgetgate()
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", self.fake.url())
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_SHA", sha)
            .env("GITHUB_REF_NAME", if event_name == "push" { "main" } else { "42/merge" })
            .env("GITHUB_RUN_ID", "7")
            .env("GITHUB_WORKSPACE", root())
            .env("GITHUB_OUTPUT", self.path("output.txt"))
            .env("INPUT_GITHUB-TOKEN", TOKEN)
            .args(["check", "--budgets", s(&self.path("budgets.yaml")), "--no-status", "--comment", "never"])
            .args(["--github-timeout", "5", "--report-json", s(&self.path("report.json"))])
            .args(args)
            .output()
            .unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    /// A push to main of `sha`, saving its run to the data branch.
    fn push(&self, sha: &str, date: &str, results: &str) -> Out {
        let event = serde_json::json!({
            "after": sha, "ref": "refs/heads/main",
            "head_commit": { "id": sha, "timestamp": date },
            "repository": { "full_name": REPO, "default_branch": "main" },
        });
        self.run("push", &event, sha, &["--results", results, "--baseline", STORE, "--save-baseline", STORE])
    }

    /// A pull request from `head` into main (whose tip was `base` when it fired), comparing.
    fn pr(&self, head: &str, base: &str, results: &str, fork: bool) -> Out {
        let head_repo = if fork { "someone/app" } else { REPO };
        let event = serde_json::json!({
            "number": 42,
            "pull_request": {
                "number": 42,
                "head": { "ref": "feature", "sha": head, "repo": { "full_name": head_repo } },
                "base": { "ref": "main", "sha": base, "repo": { "full_name": REPO } },
            },
            "repository": { "full_name": REPO, "default_branch": "main" },
        });
        self.run("pull_request", &event, head, &["--results", results, "--baseline", STORE])
    }

    /// A push job's save as its own process (to run many at once, or to kill one): the
    /// binary with only the runner's variables, saving the BASE results of `sha`.
    fn save_process(&self, event_path: &std::path::Path, sha: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("budgetgate"));
        cmd.current_dir(root())
            .env_clear()
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", self.fake.url())
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_EVENT_PATH", event_path)
            .env("GITHUB_SHA", sha)
            .env("GITHUB_REF_NAME", "main")
            .env("GITHUB_TOKEN", TOKEN)
            .args(["check", "--budgets", s(&self.path("budgets.yaml")), "--results", BASE])
            .args(["--no-status", "--save-baseline", STORE])
            .stdout(Stdio::null());
        cmd
    }

    fn report(&self) -> serde_json::Value {
        read_json(&self.path("report.json"))
    }

    fn stored_commits(&self) -> Vec<String> {
        let files = self.fake.branch_files(REPO, "budgetgate-data");
        let index: serde_json::Value = serde_json::from_slice(&files["branches/main/index.json"]).unwrap();
        index["runs"].as_array().unwrap().iter().map(|r| r["commit"].as_str().unwrap().to_string()).collect()
    }

    fn assert_faithful(&self) {
        assert_eq!(self.fake.violations(), Vec::<String>::new());
    }
}

#[test]
fn a_push_saves_and_a_pr_compares_with_its_merge_base_and_fails_on_a_2x_regression() {
    let repo = Repo::new();
    let c1 = repo.commit(&[], "2026-11-30T10:00:00Z");
    let pushed = repo.push(&c1, "2026-11-30T10:00:00Z", BASE);
    assert_eq!(pushed.code, 0, "{}", pushed.stderr);
    assert_eq!(repo.stored_commits(), std::slice::from_ref(&c1));
    let log = repo.fake.branch_log(REPO, "budgetgate-data");
    assert_eq!(log.len(), 1, "one commit per save: {log:?}");
    assert!(log[0].starts_with("budgetgate: save main@"), "{log:?}");

    // main moves on (a run stored for c2), then a PR branched from c1 arrives.
    let c2 = repo.commit(&[&c1], "2026-12-01T10:00:00Z");
    // (It fails against c1's run — exit 1 — and is saved all the same.)
    assert_eq!(repo.push(&c2, "2026-12-01T10:00:00Z", SLOWER).code, 1);
    repo.fake.set_ref(REPO, "main", &c2);
    let head = repo.commit(&[&c1], "2026-12-01T12:00:00Z");
    let pr = repo.pr(&head, &c2, SLOWER, false);
    assert_eq!(pr.code, 1, "a 2x regression against the merge base fails\n{}", pr.stderr);
    let report = repo.report();
    let baseline = &report["compared"]["baseline"];
    assert_eq!(baseline["commit"], c1.as_str(), "compared with the merge base, not main's newest");
    assert_eq!(baseline["why"], "the merge base");
    assert_eq!(baseline["runs"], 1, "the history stops at the merge base");
    assert!(statuses(&report).iter().any(|(_, s)| s == "fail"));
    assert!(pr.stdout.contains(&format!("compared with main@{}, the merge base", &c1[..7])), "{}", pr.stdout);
    repo.assert_faithful();
}

#[test]
fn a_merge_base_without_a_run_is_compared_with_the_newest_older_run_and_says_so() {
    let repo = Repo::new();
    let c1 = repo.commit(&[], "2026-11-28T10:00:00Z");
    assert_eq!(repo.push(&c1, "2026-11-28T10:00:00Z", BASE).code, 0);
    // c2 was pushed but its run never saved (a cancelled job); the PR branches from it.
    let c2 = repo.commit(&[&c1], "2026-11-30T10:00:00Z");
    let c3 = repo.commit(&[&c2], "2026-12-01T10:00:00Z");
    assert_eq!(repo.push(&c3, "2026-12-01T10:00:00Z", SLOWER).code, 1, "slower than c1, saved all the same");
    repo.fake.set_ref(REPO, "main", &c3);
    let head = repo.commit(&[&c2], "2026-12-01T12:00:00Z");
    let pr = repo.pr(&head, &c3, BASE, false);
    assert_eq!(pr.code, 0, "{}", pr.stderr);
    let baseline = &repo.report()["compared"]["baseline"];
    assert_eq!(baseline["commit"], c1.as_str());
    let why = baseline["why"].as_str().unwrap();
    assert_eq!(why, format!("the newest run before the merge base {}, which has none, 2 days before it", &c2[..7]));
    repo.assert_faithful();
}

#[test]
fn twenty_concurrent_saves_all_land() {
    let repo = Repo::new();
    let commits: Vec<String> = (0..20).map(|i| repo.commit(&[], &format!("2026-12-01T10:{i:02}:00Z"))).collect();
    let children: Vec<_> = commits
        .iter()
        .enumerate()
        .map(|(i, sha)| {
            let event = serde_json::json!({
                "after": sha, "head_commit": { "timestamp": format!("2026-12-01T10:{i:02}:00Z") },
                "repository": { "default_branch": "main" },
            });
            let event_path = repo.path(&format!("push-{i}.json"));
            std::fs::write(&event_path, event.to_string()).unwrap();
            repo.save_process(&event_path, sha).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let mut stored = repo.stored_commits();
    stored.sort();
    let mut expected = commits.clone();
    expected.sort();
    assert_eq!(stored, expected, "every save landed");
    assert_eq!(repo.fake.branch_log(REPO, "budgetgate-data").len(), 20, "one commit per save, linear");
    repo.assert_faithful();
}

#[test]
fn a_save_killed_before_the_ref_moved_leaves_the_store_as_it_was() {
    let repo = Repo::new();
    let c1 = repo.commit(&[], "2026-11-30T10:00:00Z");
    assert_eq!(repo.push(&c1, "2026-11-30T10:00:00Z", BASE).code, 0);
    let before = repo.fake.branch_files(REPO, "budgetgate-data");
    // The next save stalls after creating its commit; it is killed there.
    repo.fake.inject("POST", "/git/commits$", 1, Fault::DelayAfterApply(Duration::from_secs(30)));
    let c2 = repo.commit(&[&c1], "2026-12-01T10:00:00Z");
    let event = serde_json::json!({ "after": c2, "repository": { "default_branch": "main" } });
    let event_path = repo.path("push-killed.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let mut child = repo.save_process(&event_path, &c2).stderr(Stdio::null()).spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !repo.fake.requests().iter().any(|r| r.method == "POST" && r.path.ends_with("/git/commits")) {
        assert!(std::time::Instant::now() < deadline, "the save never reached its commit");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(repo.fake.branch_files(REPO, "budgetgate-data"), before, "nothing visible before the ref moves");
    let pr = repo.pr(&repo.commit(&[&c1], "2026-12-01T11:00:00Z"), &c1, BASE, false);
    assert_eq!(pr.code, 0, "the store reads as before: {}", pr.stderr);
    assert_eq!(repo.report()["compared"]["baseline"]["commit"], c1.as_str());
}

#[test]
fn a_fork_pr_with_a_read_only_token_compares_against_the_branch() {
    let repo = Repo::new();
    let c1 = repo.commit(&[], "2026-11-30T10:00:00Z");
    assert_eq!(repo.push(&c1, "2026-11-30T10:00:00Z", BASE).code, 0);
    repo.fake.read_only(true);
    let head = repo.commit(&[&c1], "2026-12-01T12:00:00Z");
    let pr = repo.pr(&head, &c1, SLOWER, true);
    assert_eq!(pr.code, 1, "reads need no write permission: {}", pr.stderr);
    assert_eq!(repo.report()["compared"]["baseline"]["why"], "the merge base");
    repo.assert_faithful();
}

#[test]
fn saving_with_a_read_only_token_is_an_error_that_says_which_permission() {
    let repo = Repo::new();
    repo.fake.read_only(true);
    let c1 = repo.commit(&[], "2026-11-30T10:00:00Z");
    let out = repo.push(&c1, "2026-11-30T10:00:00Z", BASE);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("contents: write"), "{}", out.stderr);
    assert!(!out.stderr.contains(TOKEN) && !out.stdout.replace(&format!("::add-mask::{TOKEN}"), "").contains(TOKEN));
}

#[test]
fn server_errors_are_retried_and_a_lasting_one_is_an_error_never_an_empty_store() {
    let repo = Repo::new();
    let c1 = repo.commit(&[], "2026-11-30T10:00:00Z");
    repo.fake.inject("POST", "/git/trees$", 1, Fault::Status(502));
    assert_eq!(repo.push(&c1, "2026-11-30T10:00:00Z", BASE).code, 0, "a 502 is retried");
    repo.fake.inject("GET", "/git/blobs/", 100, Fault::Status(503));
    let head = repo.commit(&[&c1], "2026-12-01T12:00:00Z");
    let pr = repo.pr(&head, &c1, BASE, false);
    assert_eq!(pr.code, 2, "{}", pr.stderr);
    assert!(pr.stderr.contains("branch budgetgate-data of octo-org/app") && pr.stderr.contains("503"), "{}", pr.stderr);
    assert!(!pr.stderr.contains("no baseline yet"));
    // A save in the same state must not overwrite the history either.
    let c2 = repo.commit(&[&c1], "2026-12-01T13:00:00Z");
    assert_eq!(repo.push(&c2, "2026-12-01T13:00:00Z", BASE).code, 2);
    assert_eq!(repo.stored_commits(), [c1]);
}

#[test]
fn run_files_over_1_mb_are_read_in_full() {
    let repo = Repo::new();
    // 55,000 metrics in budgetgate's own format: a run file of about 1.2 MB.
    let metrics: Vec<serde_json::Value> = (0..55_000)
        .map(|i| {
            serde_json::json!({"name": format!("bench/{i:05}"), "unit": "ns", "direction": "lower_is_better",
                "stats": {"value": 1000.0 + i as f64, "min": 990.0, "mean": 1000.0 + i as f64, "stddev": 5.0}, "samples": 10})
        })
        .collect();
    write(repo.dir.path(), "big.json", &serde_json::json!({ "metrics": metrics }).to_string());
    let big = repo.path("big.json");
    let c1 = repo.commit(&[], "2026-11-30T10:00:00Z");
    assert_eq!(repo.push(&c1, "2026-11-30T10:00:00Z", s(&big)).code, 0);
    let files = repo.fake.branch_files(REPO, "budgetgate-data");
    let run_file = files.iter().find(|(p, _)| p.ends_with(".bgr")).unwrap();
    assert!(run_file.1.len() > 1_000_000, "{} bytes", run_file.1.len());
    assert!(run_file.1.len() <= 40 * 55_000, "≤ 40 bytes per metric: {}", run_file.1.len());
    let head = repo.commit(&[&c1], "2026-12-01T12:00:00Z");
    let pr = repo.pr(&head, &c1, s(&big), false);
    assert_eq!(pr.code, 0, "{}", pr.stderr);
    let report = repo.report();
    let compared = report["rows"].as_array().unwrap().iter().filter(|r| !r["baseline"].is_null()).count();
    assert_eq!(compared, 55_000, "every metric found its baseline");
}

/// A run of 200 hyperfine-like metrics with noisy values (so compression is not flattered).
fn noisy_run(i: usize) -> budgetgate::model::Run {
    use budgetgate::model::{Direction, Metric, Run, RunContext, Stat};
    let mut rng = fastrand::Rng::with_seed(i as u64);
    let metrics = (0..200)
        .map(|m| {
            let base = 1e5 * (1.0 + m as f64) * (1.0 + 0.02 * rng.f64());
            let mut metric = Metric::new(format!("suite/group{}/bench_{m:03}", m % 10), "ns", Direction::LowerIsBetter)
                .with_stat(Stat::Value, base)
                .with_stat(Stat::Mean, base)
                .with_stat(Stat::Median, base * (0.99 + 0.01 * rng.f64()))
                .with_stat(Stat::Min, base * (0.95 + 0.01 * rng.f64()))
                .with_stat(Stat::Max, base * (1.1 + 0.05 * rng.f64()))
                .with_stat(Stat::Stddev, base * 0.01 * rng.f64());
            metric.n = Some(10 + rng.u64(0..90));
            metric
        })
        .collect();
    Run {
        context: RunContext {
            commit: Some(format!("{:040x}", 0xabc0_0000_u64 + i as u64)),
            branch: Some("main".into()),
            time: Some(format!("2026-{:02}-{:02}T{:02}:00:00Z", 1 + i / 300, 1 + (i / 12) % 25, i % 12)),
            runner: Some("ubuntu-24.04".into()),
        },
        metrics,
    }
}

/// Issue 17's bound: after 1,000 saves of 200 metrics a clone of the data branch — all of its
/// history, not only the 50 runs kept — is under 10 MB. Saves go through the library against
/// the fake (a thousand processes would only add start-up time); the fake's objects are written
/// into a real bare repository and cloned with git.
#[test]
fn a_thousand_saves_of_200_metrics_clone_under_10_mb() {
    use budgetgate::baseline::{self, BranchStore};
    use budgetgate::github::client::Octocrab;
    use budgetgate::github::RetryPolicy;
    if std::process::Command::new("git").arg("--version").output().is_err() {
        eprintln!("SKIP: no git binary to clone the exported data branch with");
        return;
    }
    let fake = FakeGitHub::start("");
    let api = Octocrab::new(&fake.url(), TOKEN, "octo-org", "app", RetryPolicy::default()).unwrap();
    let store = BranchStore::new(Box::new(api), "budgetgate-data", "");
    let saves: usize = std::env::var("BUDGETGATE_SAVES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let mut index_bytes = 0;
    for i in 0..saves {
        let run = noisy_run(i);
        let changes = baseline::save(&store, "main", &run, run.context.time.clone(), 50).unwrap();
        if i == saves - 1 {
            let written = |end: &str| -> usize {
                changes.iter().filter(|(p, _)| p.ends_with(end)).filter_map(|(_, c)| c.as_ref()).map(Vec::len).sum()
            };
            index_bytes = written("index.json");
            let run_bytes = written(".bgr");
            eprintln!("one save writes a {run_bytes}-byte run file and a {index_bytes}-byte index");
            assert!(run_bytes <= 200 * 40, "≤ 40 bytes per metric: {run_bytes}");
        }
    }
    // Printed, not asserted (timings on shared machines are noise): one more save, and the
    // read a PR's comparison makes, against the 50-run history.
    let start = std::time::Instant::now();
    baseline::save(&store, "main", &noisy_run(saves), None, 50).unwrap();
    let save_time = start.elapsed();
    let start = std::time::Instant::now();
    let files = baseline::Store::read(&store).unwrap().unwrap();
    let target = baseline::Target { branch: Some("main".into()), ..Default::default() };
    let comparison = baseline::select::choose(files.as_ref(), &target, "store", &mut Vec::new()).unwrap().unwrap();
    eprintln!(
        "save {:.1} ms, compare against {} runs {:.1} ms (requests to the fake on 127.0.0.1)",
        save_time.as_secs_f64() * 1e3,
        comparison.history.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    drop(files);
    let dir = tempfile::tempdir().unwrap();
    let exported = dir.path().join("exported.git");
    fake.export_git(REPO, &exported);
    let clone = dir.path().join("clone.git");
    let status = std::process::Command::new("git")
        .args(["clone", "--quiet", "--bare", "--no-local", "--single-branch", "--branch", "budgetgate-data"])
        .arg(&exported)
        .arg(&clone)
        .status()
        .unwrap();
    assert!(status.success());
    let packs: u64 =
        std::fs::read_dir(clone.join("objects/pack")).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    eprintln!(
        "clone of the data branch after {saves} saves of 200 metrics: {packs} bytes ({:.1} KB per save); index {index_bytes} bytes",
        packs as f64 / saves as f64 / 1000.0
    );
    assert!(packs < 10_000_000, "clone is {packs} bytes");
    let files = fake.branch_files(REPO, "budgetgate-data");
    assert_eq!(files.keys().filter(|p| p.ends_with(".bgr")).count(), 50, "the branch keeps --keep runs");
}

/// `baseline show|prune|export|import`: a version-1 file's history moved onto the data branch,
/// shown, pruned and exported again, the way a user migrating from the cache would.
#[test]
fn history_moves_from_a_version_1_file_onto_the_branch_and_back() {
    let repo = Repo::new();
    let runs: Vec<serde_json::Value> = (0..6)
        .map(|i| {
            serde_json::json!({"commit": format!("{i:040x}"), "branch": "main", "time": format!("2026-11-0{}T10:00:00Z", i + 1),
                "metrics": [{"name": "parse", "unit": "ns", "direction": "lower_is_better", "stats": {"value": 100.0 + i as f64}, "n": 10}]})
        })
        .collect();
    let v1 =
        write(repo.dir.path(), "old.json", &serde_json::json!({"version": 1, "branches": {"main": runs}}).to_string());
    let cmd = |args: &[&str]| {
        let out = budgetgate()
            .env("GITHUB_API_URL", repo.fake.url())
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_TOKEN", TOKEN)
            .arg("baseline")
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap();
        assert!(out.status.success(), "{args:?}: {text}");
        text
    };
    let imported = cmd(&["import", STORE, "--from", s(&v1)]);
    assert!(imported.contains("imported 6 runs"), "{imported}");
    assert_eq!(repo.stored_commits().len(), 6);
    let shown = cmd(&["show", STORE]);
    assert!(
        shown.contains("main: 6 runs, 0000000 (2026-11-01T10:00:00Z) … 0000000 (2026-11-06T10:00:00Z); 1 metrics"),
        "{shown}"
    );
    cmd(&["prune", STORE, "--keep", "4"]);
    assert_eq!(repo.stored_commits().len(), 4);
    let files = repo.fake.branch_files(REPO, "budgetgate-data");
    assert_eq!(files.keys().filter(|p| p.ends_with(".bgr")).count(), 4, "pruned runs' files are gone");
    let exported = repo.path("export.json");
    cmd(&["export", STORE, "--output", s(&exported)]);
    let document = read_json(&exported);
    assert_eq!(document["format"], "budgetgate-baseline-export");
    let values: Vec<f64> = document["branches"]["main"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["metrics"][0]["stats"]["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [102.0, 103.0, 104.0, 105.0]);
    // And back into a file store, which the gate then compares with.
    let file = repo.path("back.bin");
    cmd(&["import", s(&file), "--from", s(&exported)]);
    assert!(cmd(&["show", s(&file)]).contains("main: 4 runs"));
    repo.assert_faithful();
}

#[test]
fn publish_dashboard_writes_the_page_into_the_data_branch_with_each_save() {
    let repo = Repo::new();
    let c1 = repo.commit(&[], "2026-11-30T10:00:00Z");
    let c2 = repo.commit(&[&c1], "2026-12-01T10:00:00Z");
    for (sha, date, results) in [(&c1, "2026-11-30T10:00:00Z", BASE), (&c2, "2026-12-01T10:00:00Z", SLOWER)] {
        let event = serde_json::json!({
            "after": sha, "ref": "refs/heads/main",
            "head_commit": { "id": sha, "timestamp": date },
            "repository": { "full_name": REPO, "default_branch": "main" },
        });
        let args = ["--results", results, "--baseline", STORE, "--save-baseline", STORE, "--publish-dashboard"];
        let out = repo.run("push", &event, sha, &args);
        assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    }
    let files = repo.fake.branch_files(REPO, "budgetgate-data");
    let page = String::from_utf8(files["dashboard/index.html"].clone()).unwrap();
    // The page is built after the save it belongs to: both runs are on it.
    assert!(page.contains(&format!("newest {}", &c2[..7])), "the newest run is the one just saved");
    assert!(page.contains("<polyline class=\"runs\""), "charts with points");
    assert!(page.contains(&format!("budgetgate history: {REPO}")));
    let log = repo.fake.branch_log(REPO, "budgetgate-data");
    assert_eq!(log.len(), 2, "the page goes in the save's own commit: {log:?}");
    assert!(log.iter().all(|m| m.contains("and the dashboard")), "{log:?}");
    assert_eq!(repo.stored_commits(), [c1, c2]);
    repo.assert_faithful();
}
