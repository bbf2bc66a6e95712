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

#[test]
fn comment_for_a_regression_against_main() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("main.json");
    budgetgate()
        .args([
            "check",
            "--budgets",
            "tests/data/regression-50.yaml",
            "--results",
            "fixtures/criterion/baseline/**/new/estimates.json",
        ])
        .args(["--save-baseline", s(&baseline), "--branch", "main", "--commit", "1111111aaaaaaa"])
        .assert()
        .code(0);
    let md = render(&[
        "check",
        "--budgets",
        "tests/data/regression-50.yaml",
        "--results",
        "fixtures/criterion/slower/**/new/estimates.json",
        "--baseline",
        s(&baseline),
        "--commit",
        "2222222bbbbbbb",
    ]);
    insta::assert_snapshot!(md);
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
