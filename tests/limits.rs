//! Every resource limit (src/limits.rs, issue 20) is hit here through the binary, with the
//! limit lowered by its environment variable so the test stays small: exit 2, one message that
//! names the limit and how to raise it, and no half-written report.

mod common;

use common::{budgetgate, s, write};

const BUDGETS: &str = "version: 1\ndefaults:\n  regression: 10%\n";

/// Runs `check` with `env` set, expecting exit 2 and a message naming `limit` and `variable`.
fn refused(dir: &std::path::Path, env: (&str, &str), args: &[&str], limit: &str) -> String {
    let report = dir.join("report.json");
    let out =
        budgetgate().env(env.0, env.1).arg("check").args(args).args(["--report-json", s(&report)]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(limit), "names the limit {limit}: {stderr}");
    if !env.0.is_empty() {
        assert!(stderr.contains(env.0), "says how to raise it: {stderr}");
    }
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error")).count(), 1, "one error: {stderr}");
    assert!(!report.exists(), "no report written");
    stderr
}

#[test]
fn a_result_file_over_max_file_size_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "b.yaml", BUDGETS);
    let args = ["--budgets", s(&budgets), "--results", "fixtures/hyperfine/sleep_20ms.json"];
    let text = refused(dir.path(), ("BUDGETGATE_MAX_FILE_SIZE", "100"), &args, "max-file-size");
    assert!(text.contains("sleep_20ms.json"), "names the file: {text}");
    // Raised, the same file is read.
    budgetgate().env("BUDGETGATE_MAX_FILE_SIZE", "100000000").arg("check").args(args).assert().code(0);
}

#[test]
fn json_nested_past_max_json_depth_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "b.yaml", BUDGETS);
    let deep = format!("{}1{}", "{\"a\": ".repeat(5000), "}".repeat(5000));
    let file = write(dir.path(), "deep.json", &deep);
    let text = refused(
        dir.path(),
        ("", ""),
        &["--budgets", s(&budgets), "--results", &format!("julia:{}", s(&file))],
        "max-json-depth",
    );
    assert!(text.contains("deep.json"), "{text}");
}

#[test]
fn more_metrics_than_max_metrics_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "b.yaml", BUDGETS);
    let args = ["--budgets", s(&budgets), "--results", "fixtures/criterion/baseline/**/new/estimates.json"];
    refused(dir.path(), ("BUDGETGATE_MAX_METRICS", "2"), &args, "max-metrics");
}

#[test]
fn more_budgets_than_max_budgets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(
        dir.path(),
        "b.yaml",
        "version: 1\nbudgets:\n  - metric: a\n    max: 1ms\n  - metric: b\n    max: 1ms\n  - metric: c\n    max: 1ms\n",
    );
    let args = ["--budgets", s(&budgets), "--results", "fixtures/hyperfine/sleep_20ms.json"];
    refused(dir.path(), ("BUDGETGATE_MAX_BUDGETS", "2"), &args, "max-budgets");
}

/// A template `name` with `text` in a fresh folder, refused with `env` set: exit 2 naming
/// `limit` and the template, and no Markdown report written.
fn template_refused(name: &str, text: &str, env: (&str, &str), limit: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "b.yaml", BUDGETS);
    let template = write(dir.path(), name, text);
    let md = dir.path().join("r.md");
    let args = [
        "--budgets",
        s(&budgets),
        "--results",
        "fixtures/hyperfine/sleep_20ms.json",
        "--template",
        s(&template),
        "--report-md",
        s(&md),
    ];
    let message = refused(dir.path(), env, &args, limit);
    assert!(message.contains(name), "blames the template: {message}");
    assert!(!md.exists());
    message
}

#[test]
fn a_template_writing_past_max_template_output_is_stopped() {
    let loop_ = "{% for i in range(100000) %}{{ headline }}{% endfor %}";
    template_refused("t.md.j2", loop_, ("BUDGETGATE_MAX_TEMPLATE_OUTPUT", "10000"), "max-template-output");
}

/// minijinja 3.1 parses, compiles and drops operator chains recursively: this template aborted
/// the process with a stack overflow (exit 134, no message) before max-template-depth.
#[test]
fn template_with_a_100000_deep_operator_chain_overflowed_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "b.yaml", BUDGETS);
    for (name, chain) in [
        ("minus.md.j2", format!("ok\n{{{{ {}1 }}}}", "-".repeat(100_000))),
        ("not.md.j2", format!("ok\n{{{{ {}true }}}}", "not ".repeat(50_000))),
        ("plus.md.j2", format!("ok\n{{{{ {} }}}}", vec!["1"; 50_000].join("+"))),
        ("filters.md.j2", format!("ok\n{{{{ 1{} }}}}", "|abs".repeat(50_000))),
        ("attributes.md.j2", format!("ok\n{{{{ verdict{} }}}}", ".x".repeat(50_000))),
    ] {
        let template = write(dir.path(), name, &chain);
        let args =
            ["--budgets", s(&budgets), "--results", "fixtures/hyperfine/sleep_20ms.json", "--template", s(&template)];
        let text = refused(dir.path(), ("", ""), &args, "max-template-depth");
        assert!(text.contains(&format!("{name}: line 2")), "names the file and line: {text}");
    }
    // A deep but legal expression still renders.
    let fine = write(dir.path(), "fine.md.j2", &format!("{{{{ {} }}}}", vec!["1"; 100].join("+")));
    let md = dir.path().join("fine.md");
    let args = [
        "--budgets",
        s(&budgets),
        "--results",
        "fixtures/hyperfine/sleep_20ms.json",
        "--template",
        s(&fine),
        "--report-md",
        s(&md),
    ];
    budgetgate().arg("check").args(args).assert().code(0);
    assert_eq!(std::fs::read_to_string(&md).unwrap().trim(), "100");
}

#[test]
fn a_template_working_past_max_template_fuel_is_stopped() {
    let busy = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}done";
    template_refused("busy.md.j2", busy, ("BUDGETGATE_MAX_TEMPLATE_FUEL", "100000"), "max-template-fuel");
}
