//! What reviewers see: the rendered Markdown comment (insta snapshots), and that untrusted
//! benchmark names cannot break it.

mod common;

use common::{budgetgate, s};

fn render(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("comment.md");
    budgetgate().args(args).args(["--report-md", s(&md)]).output().unwrap();
    std::fs::read_to_string(&md).unwrap()
}

/// The comment for the 2x slower fixtures against a main baseline saved from `commits`.
fn regression_comment(commits: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("main.json");
    for commit in commits {
        budgetgate()
            .args(["check", "--budgets", "tests/data/regression-50.yaml"])
            .args(["--results", "fixtures/criterion/baseline/**/new/estimates.json"])
            .args(["--save-baseline", s(&baseline), "--branch", "main", "--commit", commit])
            .assert()
            .code(0);
    }
    render(&[
        "check",
        "--budgets",
        "tests/data/regression-50.yaml",
        "--results",
        "fixtures/criterion/slower/**/new/estimates.json",
        "--baseline",
        s(&baseline),
        "--commit",
        "2222222bbbbbbb",
    ])
}

#[test]
fn comment_for_a_regression_against_main() {
    insta::assert_snapshot!(regression_comment(&["1111111aaaaaaa"]));
}

#[test]
fn comment_without_a_baseline() {
    insta::assert_snapshot!(render(&["check", "--budgets", "budgets.example.yaml"]));
}

#[test]
fn hostile_names_cannot_break_the_comment() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = common::write(dir.path(), "b.yaml", "version: 1\nbudgets:\n  - metric: \"**\"\n    max: 10ms\n");
    let md = render(&["check", "--budgets", s(&budgets), "--results", "tests/data/hostile-names.json"]);
    insta::assert_snapshot!(md.replace(s(&budgets), "[budgets]"));

    assert!(!md.contains("<script"), "{md}");
    assert!(!md.contains("@octocat") && !md.contains("@org"), "mentions must be neutralised:\n{md}");
    assert!(!md.contains('\u{1b}'), "no terminal escapes in the comment");
    assert!(md.contains("\\[click\\](https\u{2060}://") && !md.contains(" [click]"), "no live links from names:\n{md}");
    // Every table row keeps its column count: unescaped pipes are only the cell borders.
    for table in md.split("\n\n").filter(|block| block.trim_start().starts_with('|')) {
        let mut lines = table.lines().filter(|l| l.starts_with('|'));
        let columns = lines.next().unwrap().matches('|').count();
        for line in lines {
            assert_eq!(line.matches('|').count(), columns, "row breaks the table: {line}");
        }
    }
}

/// With history, the comment draws the regressed metrics' trend: the base branch's runs, then
/// the PR's value, as Mermaid charts GitHub renders.
#[test]
fn comment_draws_the_trend_of_a_regression() {
    let md = regression_comment(&["1111111aaaaaaa", "3333333ccccccc", "4444444ddddddd"]);
    let start = md.find("<details open><summary>Trend</summary>").expect("a trend section");
    let end = md[start..].find("</details>").unwrap() + start;
    let trend = &md[start..end + "</details>".len()];
    assert!(trend.matches("```mermaid\nxychart-beta").count() >= 1, "{trend}");
    insta::assert_snapshot!(trend);
}
