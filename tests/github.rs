//! The binary as a workflow step runs it — runner variables, an event payload file — against a
//! fake GitHub API on 127.0.0.1 that checks every request against GitHub's REST description
//! (tests/common/fake_github.rs). Covers the sticky comment, the status on the PR head, check
//! runs, the job summary and outputs, and the faults GitHub and tokens produce.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::fake_github::{FakeGitHub, Fault};
use common::{budgetgate, read_json, root, s, write};

const REPO: &str = "octo-org/app";
const PR: u64 = 42;
const HEAD_SHA: &str = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";
const MERGE_SHA: &str = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";
const TOKEN: &str = "ghs_9Xq2LmTOKENvalueNEVERtoBEseen0123456789";
const SLOWER: &str = "fixtures/criterion/slower/**/new/estimates.json";
const BASE: &str = "fixtures/criterion/baseline/**/new/estimates.json";

/// A job: a workspace with a budgets file and a baseline of main, runner files, and the fake.
struct Job {
    fake: FakeGitHub,
    dir: tempfile::TempDir,
    event: PathBuf,
    event_name: &'static str,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Job {
    fn new(prefix: &str) -> Job {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "budgets.yaml", "version: 1\ndefaults:\n  regression: 50%\n");
        budgetgate()
            .args(["check", "--budgets", s(&dir.path().join("budgets.yaml")), "--results", BASE])
            .args(["--save-baseline", s(&dir.path().join("main.json")), "--branch", "main", "--commit", "6113728f27ae"])
            .assert()
            .code(0);
        let event = root().join("tests/data/pull_request_event.json");
        Job { fake: FakeGitHub::start(prefix), dir, event, event_name: "pull_request" }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Run {
        let out = budgetgate()
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", self.fake.url())
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_EVENT_NAME", self.event_name)
            .env("GITHUB_EVENT_PATH", &self.event)
            .env("GITHUB_SHA", MERGE_SHA)
            .env("GITHUB_REF", "refs/pull/42/merge")
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_WORKSPACE", root())
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("GITHUB_OUTPUT", self.path("output.txt"))
            .env("INPUT_GITHUB-TOKEN", TOKEN)
            .args(["check", "--budgets", s(&self.path("budgets.yaml")), "--baseline", s(&self.path("main.json"))])
            .args(["--report-json", s(&self.path("report.json")), "--report-md", s(&self.path("report.md"))])
            .args(args)
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    fn comments(&self) -> Vec<serde_json::Value> {
        self.fake.comments(REPO, PR)
    }

    fn outputs(&self) -> String {
        std::fs::read_to_string(self.path("output.txt")).unwrap_or_default()
    }

    /// Every request was one GitHub would accept, with the headers it asks for.
    fn assert_faithful(&self) {
        assert_eq!(self.fake.violations(), Vec::<String>::new());
        for request in self.fake.requests() {
            assert_eq!(
                request.header("x-github-api-version"),
                Some("2022-11-28"),
                "{} {}",
                request.method,
                request.path
            );
            assert_eq!(request.header("accept"), Some("application/vnd.github+json"));
            assert_eq!(request.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        }
    }

    fn count(&self, method: &str, path_end: &str) -> usize {
        self.fake.requests().iter().filter(|r| r.method == method && r.path.ends_with(path_end)).count()
    }
}

/// Where the token may appear: only in the `::add-mask::` command the runner consumes.
fn assert_no_token(job: &Job, run: &Run) {
    let mask = format!("::add-mask::{TOKEN}");
    assert!(run.stdout.lines().any(|l| l == mask), "the token is masked first");
    assert!(run.stdout.lines().position(|l| l == mask) == Some(0), "masking comes before any other output");
    for (name, text) in [("stdout", run.stdout.replace(&mask, "")), ("stderr", run.stderr.clone())] {
        assert!(!text.contains(TOKEN), "token in {name}");
    }
    for file in ["summary.md", "output.txt", "report.json", "report.md", "main.json"] {
        let text = std::fs::read_to_string(job.path(file)).unwrap_or_default();
        assert!(!text.contains(TOKEN), "token in {file}");
    }
    for request in job.fake.requests() {
        assert!(!request.body.contains(TOKEN) && !request.path.contains(TOKEN) && !request.query.contains(TOKEN));
    }
    for comment in job.comments() {
        assert!(!comment["body"].as_str().unwrap().contains(TOKEN));
    }
}

#[test]
fn a_pr_gets_one_comment_and_a_failure_status_on_its_head_commit() {
    let job = Job::new("");
    let run = job.run(&["--results", SLOWER]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    job.assert_faithful();
    assert_no_token(&job, &run);

    let comments = job.comments();
    assert_eq!(comments.len(), 1);
    let body = comments[0]["body"].as_str().unwrap();
    assert!(body.starts_with("<!-- budgetgate:"), "{body}");
    assert!(body.contains("parse\\_small") && body.contains("1 budget broken"), "{body}");

    let statuses = job.fake.statuses(REPO, HEAD_SHA);
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0]["state"], "failure");
    assert_eq!(statuses[0]["context"], "budgetgate");
    assert_eq!(statuses[0]["description"], "1 budget broken");
    assert_eq!(statuses[0]["target_url"], "https://github.com/octo-org/app/actions/runs/4242");
    assert!(job.fake.statuses(REPO, MERGE_SHA).is_empty(), "nothing on the merge commit");

    let outputs = job.outputs();
    assert!(outputs.contains("verdict=fail\n") && outputs.contains("violations=1\n"), "{outputs}");
    let url = comments[0]["html_url"].as_str().unwrap();
    assert!(outputs.contains(&format!("comment-url={url}\n")), "{outputs}");
    let summary = std::fs::read_to_string(job.path("summary.md")).unwrap();
    assert!(summary.contains("1 budget broken"));
    assert!(run.stdout.contains("::error file="), "an annotation per violation:\n{}", run.stdout);

    // A re-run edits the same comment; nothing new is posted.
    let again = job.run(&["--results", SLOWER]);
    assert_eq!(again.code, 1);
    assert_eq!(job.comments().len(), 1);
    assert_eq!(job.count("POST", "/comments"), 1);

    // The PR is fixed: the comment turns green in place, the status is success.
    let fixed = job.run(&["--results", BASE]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    let comments = job.comments();
    assert_eq!(comments.len(), 1);
    let body = comments[0]["body"].as_str().unwrap();
    assert!(body.contains("✅") && !body.contains("### Violations"), "no stale red table:\n{body}");
    assert_eq!(job.count("PATCH", &format!("/issues/comments/{}", comments[0]["id"])), 1);
    assert_eq!(job.fake.statuses(REPO, HEAD_SHA).last().unwrap()["state"], "success");
    job.assert_faithful();
}

#[test]
fn our_comment_is_found_on_the_second_page_of_150() {
    let job = Job::new("");
    job.fake.seed_comments(REPO, PR, 150, "reviewer", |i| {
        if i == 130 {
            "<!-- budgetgate:perf -->\nold report".to_string()
        } else {
            format!("LGTM {i}")
        }
    });
    let run = job.run(&["--results", SLOWER, "--gate-id", "perf"]);
    assert_eq!(run.code, 1);
    job.assert_faithful();
    let comments = job.comments();
    assert_eq!(comments.len(), 150, "no new comment");
    assert!(comments[130]["body"].as_str().unwrap().contains("1 budget broken"));
    assert!(job.count("GET", "/issues/42/comments") >= 2, "both pages were read");
    assert_eq!(job.fake.statuses(REPO, HEAD_SHA)[0]["context"], "budgetgate/perf");
}

#[test]
fn a_502_then_success_leaves_one_comment() {
    let job = Job::new("");
    job.fake.inject("POST", r"/issues/42/comments$", 1, Fault::Status(502));
    let run = job.run(&["--results", SLOWER]);
    assert_eq!(run.code, 1);
    assert_eq!(job.comments().len(), 1);
    assert_eq!(job.count("POST", "/issues/42/comments"), 2);
    assert!(run.stderr.contains("checking whether it was stored"), "{}", run.stderr);
    job.assert_faithful();
}

#[test]
fn a_502_after_github_stored_the_comment_does_not_duplicate_it() {
    let job = Job::new("");
    job.fake.inject("POST", r"/issues/42/comments$", 1, Fault::StatusAfterApply(502));
    let run = job.run(&["--results", SLOWER]);
    assert_eq!(run.code, 1);
    assert_eq!(job.comments().len(), 1);
    assert_eq!(job.count("POST", "/issues/42/comments"), 1);
    job.assert_faithful();
}

#[test]
fn a_post_that_times_out_after_github_stored_it_is_not_repeated() {
    let job = Job::new("");
    job.fake.inject("POST", r"/issues/42/comments$", 1, Fault::DelayAfterApply(Duration::from_secs(4)));
    let run = job.run(&["--results", SLOWER, "--github-timeout", "1"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(job.comments().len(), 1);
    assert_eq!(job.count("POST", "/issues/42/comments"), 1);
    job.assert_faithful();
}

#[test]
fn a_secondary_rate_limit_is_waited_out() {
    let job = Job::new("");
    job.fake.inject("POST", r"/statuses/", 1, Fault::SecondaryRateLimit { retry_after_secs: 1 });
    let start = Instant::now();
    let run = job.run(&["--results", SLOWER]);
    assert_eq!(run.code, 1);
    assert!(start.elapsed() >= Duration::from_secs(1), "Retry-After was honoured");
    assert_eq!(job.fake.statuses(REPO, HEAD_SHA).len(), 1);
    assert_eq!(job.count("POST", &format!("/statuses/{HEAD_SHA}")), 2);
    job.assert_faithful();
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let job = Job::new("");
    job.fake.inject("GET", r"/issues/42/comments$", 2, Fault::Status(503));
    job.fake.inject("POST", r"/statuses/", 1, Fault::RateLimitReset { reset_in_secs: 1 });
    let run = job.run(&["--results", SLOWER]);
    assert_eq!(run.code, 1);
    assert_eq!(job.comments().len(), 1);
    assert_eq!(job.fake.statuses(REPO, HEAD_SHA).len(), 1);
    assert!(run.stderr.matches("retrying in").count() >= 3, "{}", run.stderr);
}

#[test]
fn a_read_only_token_still_decides_and_says_which_permissions_to_add() {
    let job = Job::new("");
    job.fake.read_only(true);
    let run = job.run(&["--results", SLOWER]);
    assert_eq!(run.code, 1, "the budgets decide the exit code, not the publishing");
    assert!(job.comments().is_empty());
    let warning =
        run.stdout.lines().find(|l| l.starts_with("::warning") && l.contains("missing permissions")).unwrap_or_else(
            || {
                panic!("one clear warning:\n{}", run.stdout);
            },
        );
    assert!(warning.contains("pull-requests: write") && warning.contains("statuses: write"), "{warning}");
    assert_eq!(run.stdout.matches("missing permissions").count(), 1);
    assert!(std::fs::read_to_string(job.path("summary.md")).unwrap().contains("1 budget broken"));
    assert!(job.outputs().contains("verdict=fail"));
    assert_no_token(&job, &run);

    // Passing results with the same token: exit 0, still no crash.
    assert_eq!(job.run(&["--results", BASE]).code, 0);
}

#[test]
fn a_comment_over_65536_characters_keeps_the_verdict_and_every_violation() {
    let job = Job::new("");
    let mut metrics = Vec::new();
    for i in 0..3000 {
        let value = if i % 150 == 0 { 50.0 } else { 1.0 };
        metrics.push(serde_json::json!({"name": format!("service/endpoint-with-a-long-descriptive-name/{i:05}"), "unit": "ms", "stats": {"value": value}}));
    }
    let results = job.path("many.json");
    std::fs::write(&results, serde_json::json!({ "metrics": metrics }).to_string()).unwrap();
    write(job.dir.path(), "budgets.yaml", "version: 1\nbudgets:\n  - metric: \"service/**\"\n    max: 10ms\n");
    let run = job.run(&["--results", s(&results)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    job.assert_faithful();
    let body = job.comments()[0]["body"].as_str().unwrap().to_string();
    assert!(body.encode_utf16().count() <= 65_536, "{}", body.len());
    assert!(body.contains("20 budgets broken"));
    for i in (0..3000).step_by(150) {
        assert!(body.contains(&format!("{i:05}")), "violation {i} kept");
    }
    assert!(body.contains("shortened to fit") && body.contains("job summary"), "says what was cut");
    let full = std::fs::read_to_string(job.path("report.md")).unwrap();
    assert!(full.len() > 65_536, "the full report is longer: {}", full.len());
}

#[test]
fn github_enterprise_server_api_prefix() {
    let job = Job::new("/api/v3");
    let run = job.run(&["--results", SLOWER]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    job.assert_faithful();
    assert_eq!(job.comments().len(), 1);
    assert!(job.fake.requests().iter().all(|r| !r.path.starts_with("/api/v3")), "the fake strips its prefix");
    assert_eq!(job.fake.statuses(REPO, HEAD_SHA).len(), 1);
}

#[test]
fn a_push_sets_the_status_on_the_pushed_commit_and_comments_nowhere() {
    let mut job = Job::new("");
    let event = job.path("push.json");
    std::fs::write(&event, format!(r#"{{"ref":"refs/heads/main","before":"6113728f","after":"{MERGE_SHA}","repository":{{"full_name":"{REPO}"}}}}"#)).unwrap();
    job.event = event;
    job.event_name = "push";
    let run = job.run(&["--results", BASE, "--save-baseline", s(&job.path("main.json"))]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    job.assert_faithful();
    assert_eq!(job.fake.statuses(REPO, MERGE_SHA)[0]["state"], "success");
    assert!(job.fake.requests().iter().all(|r| !r.path.contains("/comments")), "no comment on a push");
}

#[test]
fn hostile_benchmark_names_cannot_break_or_ping() {
    let job = Job::new("");
    write(job.dir.path(), "budgets.yaml", "version: 1\nbudgets:\n  - metric: \"**\"\n    max: 10ms\n");
    let run = job.run(&["--results", "tests/data/hostile-names.json", "--comment", "always"]);
    assert_eq!(run.code, 1);
    job.assert_faithful();
    let body = job.comments()[0]["body"].as_str().unwrap().to_string();
    assert!(!body.contains("<script") && !body.contains("@octocat") && !body.contains("@org/team"), "{body}");
    for line in run.stdout.lines().filter(|l| l.starts_with("::error")) {
        assert!(!line.contains('\n') && !line.contains('\u{1b}'));
    }
}

#[test]
fn a_check_run_carries_every_annotation_50_at_a_time() {
    let job = Job::new("");
    let metrics: Vec<_> = (0..60)
        .map(|i| serde_json::json!({"name": format!("api/{i}"), "unit": "ms", "stats": {"value": 20}}))
        .collect();
    let results = job.path("sixty.json");
    std::fs::write(&results, serde_json::json!({ "metrics": metrics }).to_string()).unwrap();
    write(job.dir.path(), "budgets.yaml", "version: 1\nbudgets:\n  - metric: \"api/*\"\n    max: 10ms\n");
    let run = job.run(&["--results", s(&results), "--check-run"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    job.assert_faithful();
    let runs = job.fake.check_runs(REPO);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["conclusion"], "failure");
    assert_eq!(runs[0]["head_sha"], HEAD_SHA);
    // 60 broken budgets, and 4 warnings for the baseline's criterion benchmarks this run lacks.
    let annotations = runs[0]["output"]["annotations"].as_array().unwrap();
    assert_eq!(annotations.len(), 64);
    let failures: Vec<_> = annotations.iter().filter(|a| a["annotation_level"] == "failure").collect();
    assert_eq!(failures.len(), 60);
    assert!(failures.iter().all(|a| a["start_line"] == 3 && a["path"].as_str().unwrap().ends_with("budgets.yaml")));
    assert_eq!(job.count("PATCH", &format!("/check-runs/{}", runs[0]["id"])), 1, "the other 14 in one update");
}

#[test]
fn when_the_gate_cannot_decide_the_status_says_error() {
    let job = Job::new("");
    let run = job.run(&["--results", "target/nothing/**/*.json"]);
    assert_eq!(run.code, 2);
    job.assert_faithful();
    let status = &job.fake.statuses(REPO, HEAD_SHA)[0];
    assert_eq!(status["state"], "error");
    assert!(status["description"]
        .as_str()
        .unwrap()
        .starts_with("could not decide: results `target/nothing/**/*.json` matched no file"));
    assert!(status["description"].as_str().unwrap().chars().count() <= 140);
    assert!(job.outputs().contains("verdict=error"));
    assert_no_token(&job, &run);
}

#[test]
fn comment_modes() {
    // `changes` (the default) says nothing on a quiet PR; `never` never posts.
    let job = Job::new("");
    write(job.dir.path(), "budgets.yaml", "version: 1\ndefaults:\n  regression: 500%\n");
    assert_eq!(job.run(&["--results", BASE]).code, 0);
    assert!(job.comments().is_empty(), "nothing to say, nothing posted");
    assert_eq!(job.fake.statuses(REPO, HEAD_SHA).len(), 1, "the status is still set");
    assert_eq!(job.run(&["--results", SLOWER, "--comment", "never", "--no-status"]).code, 0);
    assert!(job.comments().is_empty());
    assert_eq!(job.fake.statuses(REPO, HEAD_SHA).len(), 1);
}

#[test]
fn dry_run_prints_instead_of_sending() {
    let job = Job::new("");
    let run = job.run(&["--results", SLOWER, "--dry-run"]);
    assert_eq!(run.code, 1);
    assert!(job.fake.requests().is_empty());
    assert!(
        // The real routes, not `{owner}/{repo}` placeholders (issue 14.24).
        run.stdout.contains(&format!("/repos/{REPO}/statuses/{HEAD_SHA}")) && !run.stdout.contains("{owner}"),
        "{}",
        run.stdout
    );
    assert_no_token(&job, &run);
}

#[test]
fn outside_github_actions_nothing_is_sent() {
    let job = Job::new("");
    let out = budgetgate()
        .env("GITHUB_API_URL", job.fake.url())
        .env("GITHUB_TOKEN", TOKEN)
        .args([
            "check",
            "--budgets",
            s(&job.path("budgets.yaml")),
            "--results",
            SLOWER,
            "--baseline",
            s(&job.path("main.json")),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(job.fake.requests().is_empty());
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
}

#[test]
fn workflow_run_for_a_fork_takes_the_pr_from_event_path() {
    let mut job = Job::new("");
    let run_event = job.path("workflow_run.json");
    std::fs::write(
        &run_event,
        r#"{"action":"completed","workflow_run":{"id":1,"event":"pull_request","head_sha":"0d1a26e6"}}"#,
    )
    .unwrap();
    job.event = run_event;
    job.event_name = "workflow_run";
    let pr_event = root().join("tests/data/pull_request_event.json");
    let run = job.run(&["--results", SLOWER, "--event-path", s(&pr_event)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    job.assert_faithful();
    assert_eq!(job.comments().len(), 1);
    assert_eq!(job.fake.statuses(REPO, HEAD_SHA)[0]["state"], "failure");
}

#[test]
fn the_comment_and_the_status_link_to_the_dashboard() {
    let job = Job::new("");
    let url = "https://octo-org.github.io/app/dashboard/";
    let run = job.run(&["--results", SLOWER, "--dashboard-url", url]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let comments = job.comments();
    let body = comments[0]["body"].as_str().unwrap();
    assert!(body.contains(&format!("[history dashboard]({url})")), "{body}");
    assert_eq!(job.fake.statuses(REPO, HEAD_SHA)[0]["target_url"], url);
    assert_eq!(read_json(&job.path("report.json"))["dashboard_url"], url);
    job.assert_faithful();

    // Anything that would not stay one link is refused before any work.
    for bad in ["javascript:alert(1)", "https://x.io/a b", "https://x.io/)[y](z", "ftp://x.io/"] {
        let refused = job.run(&["--results", SLOWER, "--dashboard-url", bad]);
        assert_eq!(refused.code, 2, "{bad}: {}", refused.stdout);
        assert!(refused.stderr.contains("--dashboard-url"), "{}", refused.stderr);
    }
}

#[test]
fn publish_dashboard_needs_a_data_branch() {
    let job = Job::new("");
    let run = job.run(&["--results", BASE, "--save-baseline", s(&job.path("main.json")), "--publish-dashboard"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("budgetgate dashboard"), "says what to use instead: {}", run.stderr);
    assert!(!job.path("report.json").exists(), "refused before any work");
}
