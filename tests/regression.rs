//! Regression tests for the defects fuzzing and a new user found (issue 14), one per defect,
//! each named after what it guards (ripgrep's habit). Every test runs the binary as users do.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command as Std, Stdio};

use common::{budgetgate, read_json, root, s, write};
use predicates::prelude::*;

const SLEEP: &str = "fixtures/hyperfine/sleep_20ms.json";

/// A hyperfine export of the real fixture with its `times` replaced (a mutated real file).
fn hyperfine_with_times(dir: &Path, times: &str) -> std::path::PathBuf {
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SLEEP)).unwrap()).unwrap();
    doc["results"][0]["times"] = serde_json::from_str(times).unwrap();
    write(dir, "hyperfine.json", &doc.to_string())
}

/// budgetgate's own JSON with the given names, each a 1 ms timing.
fn native_with_names(dir: &Path, names: &[&str]) -> std::path::PathBuf {
    let keys: Vec<(&str, Option<&str>)> = names.iter().map(|n| (*n, None)).collect();
    native_with_keys(dir, "names.json", &keys)
}

/// A native results file `file` of one-value metrics with these names and measures.
fn native_with_keys(dir: &Path, file: &str, keys: &[(&str, Option<&str>)]) -> std::path::PathBuf {
    let metrics: Vec<_> = keys
        .iter()
        .map(|(name, measure)| {
            let mut metric = serde_json::json!({"name": name, "unit": "ms", "stats": {"value": 1.0}});
            if let Some(measure) = measure {
                metric["measure"] = (*measure).into();
            }
            metric
        })
        .collect();
    write(dir, file, &serde_json::json!({ "metrics": metrics }).to_string())
}

/// A name read twice is found among the sorted keys (name, measure, place): the error names the
/// pair whose second reading came first, with the `prefix:` advice across files and without it
/// within one; one name with other measures is no clash.
#[test]
fn a_name_read_twice_is_blamed_on_the_earliest_second_reading() {
    let dir = tempfile::tempdir().unwrap();
    let native = |file: &str, keys: &[(&str, Option<&str>)]| native_with_keys(dir.path(), file, keys);
    let one = native("one.json", &[("b", None), ("a", None), ("c", None)]);
    let two = native("two.json", &[("c", None), ("a", None)]);
    let out = budgetgate().args(["check", "--results", s(&one), "--results", s(&two)]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("metric `c` was already read from") && stderr.contains("one.json"), "{stderr}");
    assert!(stderr.contains("prefix:") && !stderr.contains("metric `a`"), "{stderr}");
    // y is read first, but z is read again (place 2) before y is (place 3).
    let same = native("same.json", &[("y", None), ("z", None), ("z", None), ("y", None), ("y", None)]);
    let out = budgetgate().args(["parse", s(&same)]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("metric `z` appears twice in this file") && !stderr.contains("prefix"), "{stderr}");
    let measures = native("m.json", &[("m", Some("alloc")), ("m", None), ("a", Some("alloc")), ("a", None)]);
    let out = budgetgate().args(["parse", s(&measures)]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed["metrics"].as_array().unwrap().len(), 4, "{parsed}");
}

#[test]
fn detection_does_not_panic_on_a_character_across_byte_4096() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "r.json", &format!("{}é", "a".repeat(4095)));
    budgetgate().args(["parse", s(&file)]).assert().code(2).stderr(predicate::str::contains("cannot tell"));
}

#[test]
fn parse_into_a_closed_pipe_ends_quietly_and_a_full_disk_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..5000).map(|i| format!("bench/{i:05}")).collect();
    let file = native_with_names(dir.path(), &names.iter().map(String::as_str).collect::<Vec<_>>());
    let bin = assert_cmd::cargo::cargo_bin("budgetgate");
    let mut child =
        Std::new(&bin).args(["parse", s(&file)]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut first = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then closed, as `head -c1` does
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));

    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let output = Std::new(&bin).args(["parse", s(&file)]).stdout(full).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("standard output"));
}

#[test]
fn a_multibyte_commit_label_does_not_panic_the_missing_row() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("b.json");
    let two = "fixtures/hyperfine/two_commands.json";
    budgetgate()
        .args(["check", "--results", two, "--save-baseline", s(&baseline), "--branch", "main", "--commit", "abcdeféé"])
        .assert()
        .code(0);
    budgetgate()
        .args(["check", "--results", SLEEP, "--baseline", s(&baseline), "--baseline-branch", "main"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("at abcdefé,").or(predicate::str::contains("at abcdefé ")));
}

#[test]
fn nothing_saved_to_a_baseline_is_unreadable_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    // Summaries that overflow are refused with the place; what passes round-trips.
    let overflow = write(
        dir.path(),
        "o.json",
        r#"{"metrics": [{"name": "m", "unit": "ns", "stats": {"value": 1}, "samples": [0, 1e200]}]}"#,
    );
    budgetgate()
        .args(["check", "--results", s(&overflow)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("too large").and(predicate::str::contains("metrics[0]")));
    for times in ["[0.01, 1e150]", "[0.01, 1e200]", "[1e300]"] {
        let file = hyperfine_with_times(dir.path(), times);
        let baseline = dir.path().join(format!("b{}.json", times.len()));
        let saved =
            budgetgate().args(["check", "--results", s(&file), "--save-baseline", s(&baseline)]).output().unwrap();
        match saved.status.code() {
            Some(2) => assert!(!baseline.exists() && String::from_utf8_lossy(&saved.stderr).contains("hyperfine.json")),
            _ => {
                let next = budgetgate()
                    .args(["check", "--results", SLEEP, "--baseline", s(&baseline), "--save-baseline", s(&baseline)])
                    .output()
                    .unwrap();
                assert_ne!(next.status.code(), Some(2), "{times}: {}", String::from_utf8_lossy(&next.stderr));
            }
        }
    }
}

#[test]
fn temp_files_of_a_killed_save_do_not_accumulate() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let stale = write(dir.path(), ".baseline.json.00000000deadbeef.budgetgate-tmp", "half a baseline");
    budgetgate().args(["check", "--results", SLEEP, "--save-baseline", s(&baseline)]).assert().code(0);
    assert!(!stale.exists());
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names.len(), 2, "the baseline and its lock only: {names:?}");
}

/// Every line the runner would obey must be one of ours, well formed.
fn assert_no_injected_commands(output: &str) {
    for line in output.split(['\n', '\r']) {
        assert!(!line.contains("##["), "legacy command in {line:?}");
        let trimmed = line.trim_start();
        if trimmed.starts_with("::") {
            let ours = ["::error ", "::warning ", "::notice ", "::add-mask::"].iter().any(|p| trimmed.starts_with(p));
            assert!(ours && !trimmed.contains("injected::"), "injected command {line:?}");
        }
    }
}

#[test]
fn hostile_names_never_form_workflow_commands_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let file = native_with_names(dir.path(), budgetgate::escape::HOSTILE_NAMES);
    let budgets = write(dir.path(), "b.yaml", "version: 1\nbudgets:\n  - metric: \"**\"\n    max: 1us\n");
    let summary = dir.path().join("summary.md");
    let out = budgetgate()
        .args(["check", "--budgets", s(&budgets), "--results", s(&file), "--no-status", "--comment", "never"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_no_injected_commands(&String::from_utf8_lossy(&out.stdout));
    assert_no_injected_commands(&String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'), "raw ANSI escapes reach the log");
}

#[test]
fn exit_2_messages_quoting_names_stay_inert_and_the_summary_renders_them_as_text() {
    let dir = tempfile::tempdir().unwrap();
    for name in budgetgate::escape::HOSTILE_NAMES {
        // The same name twice in one file: an exit-2 message quoting it.
        let file = native_with_names(dir.path(), &[name, name]);
        let summary = dir.path().join("summary.md");
        let _ = std::fs::remove_file(&summary);
        let out = budgetgate()
            .args(["check", "--results", s(&file), "--no-status"])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name:?}");
        assert_no_injected_commands(&String::from_utf8_lossy(&out.stderr));
        let md = std::fs::read_to_string(&summary).unwrap();
        assert!(md.contains("<pre>") && !md.contains("```"), "{md}");
        for raw in ["<img", "<script", "@octocat", "fixes #1", "GH-2", "https://", "\u{202E}"] {
            assert!(!md.contains(raw), "{raw:?} rendered raw in the summary:\n{md}");
        }
    }
}

#[test]
fn brace_bombs_in_a_budgets_file_are_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = "{a,b}".repeat(22);
    let budgets = write(dir.path(), "b.yaml", &format!("version: 1\nbudgets:\n  - metric: \"{bomb}\"\n    max: 1ms\n"));
    budgetgate()
        .args(["validate", "--budgets", s(&budgets)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 3").and(predicate::str::contains("limit for brace groups")));
}

#[test]
fn deeply_nested_yaml_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("version: 1\nbudgets: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let budgets = write(dir.path(), "b.yaml", &deep);
    budgetgate()
        .args(["validate", "--budgets", s(&budgets)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nested more than 64 levels").and(predicate::str::contains("line 2")));
}

#[cfg(unix)]
#[test]
fn written_files_honour_the_umask_and_keep_an_existing_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (baseline, report) = (dir.path().join("b.json"), dir.path().join("r.json"));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    budgetgate()
        .args(["check", "--results", SLEEP, "--save-baseline", s(&baseline), "--report-json", s(&report)])
        .assert()
        .code(0);
    assert_ne!(mode(&baseline), 0o600);
    assert_ne!(mode(&report), 0o600);
    std::fs::set_permissions(&baseline, std::fs::Permissions::from_mode(0o644)).unwrap();
    budgetgate().args(["check", "--results", SLEEP, "--save-baseline", s(&baseline)]).assert().code(0);
    assert_eq!(mode(&baseline), 0o644);
}

#[cfg(unix)]
#[test]
fn a_fifo_given_as_the_report_is_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    assert!(Std::new("mkfifo").arg(&fifo).status().unwrap().success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    budgetgate().args(["check", "--results", SLEEP, "--report-json", s(&fifo)]).assert().code(0);
    let text = reader.join().unwrap();
    assert!(text.contains("\"verdict\""), "the FIFO's reader got: {text:?}");
}

#[test]
fn the_first_save_on_a_fresh_runner_creates_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join(".budgetgate/baseline.json");
    budgetgate().args(["check", "--results", SLEEP, "--save-baseline", s(&baseline)]).assert().code(0);
    assert!(baseline.exists());
}

#[test]
fn validate_refuses_what_check_refuses_each_problem_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let results = format!("results:\n  - path: {}\n", root().join(SLEEP).display());
    let cases = [
        (format!("version: 1\n{results}budgets:\n  - metric: \"**\"\n    max: 50\n"), "line 5", "a plain number"),
        (format!("version: 1\n{results}budgets:\n  - metric: \"**\"\n    max: 30MB\n"), "line 5", "a size"),
        ("version: 1\nresults:\n  - path: \"r[.json\"\n".to_string(), "line 3", "not a valid glob"),
        ("version: 1\nresults:\n  - path: \"r***.json\"\n".to_string(), "line 3", "not a valid glob"),
        ("version: 1\n".to_string(), "", "nothing to check"),
        (
            "version: 1\nbundles:\n  - name: web\n    path: dist/*.js\n    metafile: \"\"\n".to_string(),
            "line 3",
            "`metafile` is empty",
        ),
        // A bundle's budget in a unit sizes cannot have: `validate` finds it without
        // compressing the bundle (it reads only the names), as `check` does after measuring.
        (
            "version: 1\nbundles:\n  - name: web\n    path: fixtures/bundle/pr/**/*.js\nbudgets:\n  - metric: bundle/web\n    max: 50ms\n"
                .to_string(),
            "line 6",
            "a duration",
        ),
    ];
    for (text, line, message) in cases {
        let budgets = write(dir.path(), "b.yaml", &text);
        for command in ["validate", "check"] {
            let assert = budgetgate().args([command, "--budgets", s(&budgets)]).assert().code(2);
            let out = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
            assert!(out.contains(message) && out.contains(line), "{command} on {text:?}:\n{out}");
            if !line.is_empty() {
                assert!(out.contains(&format!("{}: {line}", s(&budgets))), "{out}");
            }
        }
    }
    // Two problems: two annotations, each at its own line.
    let budgets = write(dir.path(), "b.yaml", "version: 1\nresults:\n  - path: \"r[.json\"\n  - path: \"s[.json\"\n");
    budgetgate()
        .args(["validate", "--budgets", s(&budgets)])
        .env("GITHUB_ACTIONS", "true")
        .assert()
        .code(2)
        .stdout(predicate::str::contains(",line=3,").and(predicate::str::contains(",line=4,")));
}

#[test]
fn init_writes_a_budgets_file_that_validates_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures/criterion/baseline"), &dir.path().join("target/criterion"));
    std::fs::copy(root().join(SLEEP), dir.path().join("hyperfine.json")).unwrap();
    let run = |args: &[&str]| budgetgate().current_dir(dir.path()).args(args).assert();
    run(&["init"])
        .code(0)
        .stdout(predicate::str::contains("hyperfine.json").and(predicate::str::contains("criterion")));
    run(&["validate"]).code(0);
    run(&["check"]).code(0);
    run(&["init"]).code(2).stderr(predicate::str::contains("already exists"));
    // And without any budgets file, results alone run on the defaults.
    std::fs::remove_file(dir.path().join("budgets.yaml")).unwrap();
    run(&["check", "--results", "hyperfine.json"]).code(0).stdout(predicate::str::contains("no budgets file"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn outside_ci_runs_are_recorded_under_the_checkouts_branch_and_commit() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        assert!(Std::new("git").current_dir(dir.path()).args(args).output().unwrap().status.success(), "git {args:?}");
    };
    git(&["-c", "init.defaultBranch=trunk", "init", "-q"]);
    git(&["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "x"]);
    std::fs::copy(root().join(SLEEP), dir.path().join("h.json")).unwrap();
    budgetgate()
        .current_dir(dir.path())
        .args(["check", "--results", "h.json", "--save-baseline", "b.json"])
        .assert()
        .code(0);
    // The store's own export shows what was recorded.
    let export = dir.path().join("export.json");
    budgetgate().args(["baseline", "export", s(&dir.path().join("b.json")), "--output", s(&export)]).assert().code(0);
    let baseline = read_json(&export);
    let run = &baseline["branches"]["trunk"][0];
    assert_eq!(run["commit"].as_str().map(str::len), Some(40), "{baseline}");
}

#[test]
fn a_base_branch_without_runs_falls_back_to_the_default_branch_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("b.json");
    budgetgate()
        .args(["check", "--results", SLEEP, "--save-baseline", s(&baseline), "--branch", "main"])
        .assert()
        .code(0);
    let event = write(
        dir.path(),
        "event.json",
        r#"{"after": "0123456789abcdef0123456789abcdef01234567", "repository": {"default_branch": "main"}}"#,
    );
    budgetgate()
        .args(["check", "--results", SLEEP, "--baseline", s(&baseline), "--no-status", "--comment", "never"])
        .env("GITHUB_BASE_REF", "release")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_EVENT_NAME", "push")
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("no runs stored for branch `release`")
                .and(predicate::str::contains("it holds `main`"))
                .and(predicate::str::contains("default branch `main` instead")),
        );
}

#[test]
fn a_budget_matching_nothing_suggests_the_nearest_name_and_double_star() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SLEEP)).unwrap()).unwrap();
    doc["results"][0]["command"] = "./work.sh".into();
    let file = write(dir.path(), "h.json", &doc.to_string());
    for (pattern, hint) in [("./wrok.sh", "did you mean `./work.sh`"), ("*.sh", "did you mean `**/*.sh`")] {
        let budgets =
            write(dir.path(), "b.yaml", &format!("version: 1\nbudgets:\n  - metric: \"{pattern}\"\n    max: 1s\n"));
        budgetgate()
            .args(["check", "--budgets", s(&budgets), "--results", s(&file)])
            .assert()
            .stdout(predicate::str::contains(hint).and(predicate::str::contains("`./work.sh`")));
    }
}

#[test]
fn unknown_files_formats_and_folders_say_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let xml = write(dir.path(), "r.xml", "<?xml version=\"1.0\"?><unknown/>");
    budgetgate()
        .args(["parse", s(&xml)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it looks like XML").and(predicate::str::contains("budgetgate parse")));
    budgetgate()
        .args(["check", "--results", &format!("hyperfin:{SLEEP}")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown format `hyperfin`, did you mean `hyperfine`?"));
    budgetgate()
        .args(["check", "--results", "fixtures/hyperfine"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a folder"));
}

#[test]
fn template_filters_refuse_undefined_fields() {
    let dir = tempfile::tempdir().unwrap();
    for body in ["{{ rows[0].curent | human(rows[0].unit) }}", "{{ rows[0].metrc | md }}"] {
        let template = write(dir.path(), "t.md.j2", body);
        budgetgate()
            .args(["check", "--results", SLEEP, "--template", s(&template), "--report-md", s(&dir.path().join("r.md"))])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("undefined"));
    }
}

#[test]
fn the_terminal_table_has_a_header_and_says_when_nothing_was_compared() {
    let dir = tempfile::tempdir().unwrap();
    budgetgate()
        .current_dir(dir.path())
        .args(["check", "--results", s(&root().join("fixtures/hyperfine/two_commands.json"))])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("STATUS").and(predicate::str::contains("nothing was compared: 2 metrics read")),
        );
    let budgets = write(dir.path(), "b.yaml", "version: 1\nbudgets:\n  - metric: \"sleep*\"\n    regression: 5%\n");
    budgetgate().args(["check", "--budgets", s(&budgets), "--results", SLEEP]).assert().code(0).stdout(
        predicate::str::contains("no baseline yet to compare with")
            .and(predicate::str::contains("no budget and no baseline").not()),
    );
}

#[test]
fn messages_say_what_a_user_wrote_not_our_internals() {
    let dir = tempfile::tempdir().unwrap();
    let check = |text: &str, wanted: &str, unwanted: &str| {
        let budgets = write(dir.path(), "b.yaml", text);
        let out = budgetgate().args(["validate", "--budgets", s(&budgets)]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(wanted) && !err.contains(unwanted), "{text:?}:\n{err}");
    };
    check("version: 1\nresults:\n  - foo\n", "a result entry such as `- path: bench.json`", "RawResult");
    check("version: 1\nbudgets:\n  - metric: a\n    stat: p96\n", "unknown stat `p96`", "brotli");
    // The caret sits under the value, not the key.
    check("version: 1\ndefaults:\n  regression: 10\n", "line 3 column 15", "column 3:");
    let sleep = root().join(SLEEP);
    budgetgate().current_dir(dir.path()).args(["check", "--results", s(&sleep), "--fail-on", "warn"]).assert().code(0);
    let file = write(dir.path(), "n.json", r#"{"metrics": [{"name": "a", "unit": "ms", "stats": {"vlaue": 1}}]}"#);
    budgetgate().args(["parse", s(&file)]).assert().code(2).stderr(predicate::str::contains("stats.?").not());
    let dup = native_with_names(dir.path(), &["a", "a"]);
    budgetgate()
        .args(["parse", s(&dup)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("appears twice in this file").and(predicate::str::contains("prefix").not()));
    // A whitespace-only criterion id was accepted, then refused by our own `parse` output.
    let bench = dir.path().join("c/new");
    copy_dir(&root().join("fixtures/criterion/baseline/parse_small/new"), &bench);
    let mut id: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bench.join("benchmark.json")).unwrap()).unwrap();
    id["full_id"] = "   ".into();
    std::fs::write(bench.join("benchmark.json"), id.to_string()).unwrap();
    budgetgate()
        .args(["parse", s(&bench.join("estimates.json"))])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only whitespace"));
}

#[test]
fn a_bad_sample_json_is_blamed_on_itself() {
    let dir = tempfile::tempdir().unwrap();
    let bench = dir.path().join("c/new");
    copy_dir(&root().join("fixtures/criterion/baseline/parse_small/new"), &bench);
    let mut sample: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bench.join("sample.json")).unwrap()).unwrap();
    sample["times"][2] = serde_json::json!(-5.0);
    std::fs::write(bench.join("sample.json"), sample.to_string()).unwrap();
    budgetgate()
        .args(["parse", s(&bench.join("estimates.json"))])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sample.json: at `times[2]`"));
}

#[test]
fn tail_percentiles_say_how_few_samples_they_rest_on() {
    let dir = tempfile::tempdir().unwrap();
    let budgets =
        write(dir.path(), "b.yaml", "version: 1\nbudgets:\n  - metric: \"sleep*\"\n    stat: p99\n    max: 1s\n");
    budgetgate()
        .args(["check", "--budgets", s(&budgets), "--results", SLEEP])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("p99 of 20 samples"));
}

/// A report in a folder the job cannot write (a read-only workspace in the image) said
/// "error: .: cannot create a temporary file": the message must name the report.
#[test]
fn a_report_that_cannot_be_written_names_the_report_not_only_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "b.yaml", "version: 1\n");
    // A folder nobody can create files in, even root (tests may run as root, where a
    // read-only mode bit does not stop anything): procfs.
    let target = Path::new("/proc/self/budgetgate-report.json");
    budgetgate()
        .args(["check", "--budgets", s(&budgets), "--results", SLEEP, "--report-json", s(target)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/proc/self/budgetgate-report.json: cannot write"));
}

/// Fuzzing (scripts/fuzz.sh, ingest_detect) found an asv console log whose parameter table had
/// only its top and bottom rules: the header slice ran backwards and budgetgate panicked.
#[test]
fn an_asv_table_with_only_two_rules_is_an_error_not_a_panic() {
    let out = budgetgate().args(["parse", "tests/data/fuzz/asv-table-with-two-rules.txt"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(matches!(out.status.code(), Some(0 | 2)), "{stderr}");
}
