//! What a browser shows: the HTML report (`--report-html`) and the history dashboard
//! (`budgetgate dashboard`), as snapshots, and that untrusted names stay text in them.
//! (tests/browser.rs loads the same pages in a real browser.)

mod common;

use std::path::{Path, PathBuf};

use common::{budgetgate, s, write};

const BASE: &str = "fixtures/criterion/baseline/**/new/estimates.json";
const SLOWER: &str = "fixtures/criterion/slower/**/new/estimates.json";

/// A main history of `runs` saves of the baseline fixtures, in `dir/main.json`.
fn history(dir: &Path, runs: usize, results: &str) -> PathBuf {
    let baseline = dir.join("main.json");
    for i in 0..runs {
        budgetgate()
            .args(["check", "--budgets", "tests/data/regression-50.yaml", "--results", results])
            .args(["--save-baseline", s(&baseline), "--branch", "main", "--commit", &format!("{i:07}aaaaaaa")])
            .assert()
            .code(0);
    }
    baseline
}

/// The HTML report of the 2x slower fixtures against `runs` stored runs of main.
pub fn regression_report(dir: &Path, runs: usize) -> PathBuf {
    let baseline = history(dir, runs, BASE);
    let html = dir.join("report.html");
    budgetgate()
        .args(["check", "--budgets", "tests/data/regression-50.yaml", "--results", SLOWER])
        .args(["--baseline", s(&baseline), "--commit", "2222222bbbbbbb", "--report-html", s(&html)])
        .assert()
        .code(1);
    html
}

/// `2026-12-02T14:25:49Z` → `[time]`: the runs' times change from run to run.
fn scrub_times(text: &str) -> String {
    let bytes = text.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let fits = bytes.len() >= i + shape.len()
            && shape.iter().zip(&bytes[i..]).all(|(s, b)| if *s == b'd' { b.is_ascii_digit() } else { s == b });
        if fits {
            out.push_str("[time]");
            i += shape.len();
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn main_element(html: &str) -> &str {
    let start = html.find("<main>").expect("a <main>");
    let end = html.find("</main>").expect("a </main>") + "</main>".len();
    &html[start..end]
}

/// Nothing on the page comes from anywhere else: no external script, style, font or image.
fn assert_self_contained(html: &str) {
    for needle in ["<link", "src=", "@import", "url(http", "<iframe", "<object"] {
        assert!(!html.contains(needle), "`{needle}` on a self-contained page");
    }
}

#[test]
fn html_report_of_a_regression_with_history() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(regression_report(dir.path(), 3)).unwrap();
    assert_self_contained(&html);
    assert!(!html.contains("<script"), "the report needs no script");
    assert!(html.contains("prefers-color-scheme: dark"), "a dark scheme");
    // Violations first, each with a chart of its stored runs and this run's value.
    let main = main_element(&html);
    let violations = main.find("<h2>Violations").expect("a violations section");
    assert!(main.find("<h2>Other rows").is_none_or(|others| others > violations));
    let first_card = &main[violations..main[violations..].find("</article>").unwrap() + violations];
    assert!(first_card.contains("✗</span> fail"), "a word and a glyph, not colour alone: {first_card}");
    let points = first_card.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(points.split(' ').count(), 3, "three stored runs drawn");
    assert!(first_card.contains("class=\"current\""), "this run is drawn");
    // Passing rows are drawn too: only the other outputs leave their trends out.
    let others = main.find("<h2>Other rows").expect("a section of the other rows");
    assert!(main[others..].contains("points=\""), "a passing row's trend");
    insta::assert_snapshot!(main);
}

#[test]
fn hostile_names_are_text_in_the_html_report_and_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "b.yaml", "version: 1\nbudgets:\n  - metric: \"**\"\n    max: 10ms\n");
    let store = dir.path().join("store.json");
    for commit in ["a1", "a2"] {
        budgetgate()
            .args(["check", "--budgets", s(&budgets), "--results", "tests/data/hostile-names.json"])
            .args(["--save-baseline", s(&store), "--branch", "<b>main</b>", "--commit", commit])
            .assert()
            .code(1);
    }
    let html = dir.path().join("r.html");
    budgetgate()
        .args(["check", "--budgets", s(&budgets), "--results", "tests/data/hostile-names.json"])
        .args(["--baseline", s(&store), "--report-html", s(&html)])
        .assert()
        .code(1);
    let site = dir.path().join("site");
    budgetgate().args(["dashboard", s(&store), "--out", s(&site), "--budgets", s(&budgets)]).assert().code(0);
    for page in [html, site.join("index.html")] {
        let text = std::fs::read_to_string(&page).unwrap();
        assert_self_contained(&text);
        let main = main_element(&text);
        for raw in ["<script>alert", "<b>main</b>", "<img", "onerror"] {
            assert!(!main.contains(raw), "{raw} unescaped in {}", page.display());
        }
        assert!(main.contains("&lt;script&gt;alert("), "the name is still shown, as text");
        assert!(!main.contains('\u{1b}'), "no terminal escapes");
        assert!(main.matches("<svg").count() >= 6, "every hostile name has its chart");
    }
}

#[test]
fn dashboard_draws_every_branch_with_change_points_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.json");
    // Main: six runs at one level, then six about 2x slower: one change point.
    for (i, results) in [BASE; 6].iter().chain([SLOWER; 6].iter()).enumerate() {
        budgetgate()
            .args(["check", "--budgets", "tests/data/regression-50.yaml", "--results", results])
            .args(["--save-baseline", s(&store), "--branch", "main", "--commit", &format!("{i:07}ccccccc")])
            .output()
            .unwrap();
    }
    budgetgate()
        .args(["check", "--budgets", "tests/data/regression-50.yaml", "--results", BASE])
        .args(["--save-baseline", s(&store), "--branch", "feature/x", "--commit", "fffffffeeeeeee"])
        .assert()
        .code(0);
    let site = dir.path().join("site");
    let out = budgetgate()
        .args(["dashboard", s(&store), "--out", s(&site), "--budgets", "tests/data/regression-50.yaml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert_self_contained(&html);
    let main = main_element(&html);
    let branches: Vec<&str> =
        main.match_indices("<h2>").map(|(i, _)| main[i + 4..].split(' ').next().unwrap()).collect();
    assert_eq!(branches, ["main", "feature/x"], "the default branch first, then the rest");
    let main_section = &main[..main.find("<h2>feature").unwrap()];
    let cards = main_section.matches("<article").count();
    assert!(cards > 0);
    assert_eq!(main_section.matches("class=\"change-point\"").count(), cards, "each main series has its change point");
    assert_eq!(main_section.matches("class=\"limit\"").count(), cards, "and its limit");
    insta::assert_snapshot!(scrub_times(&main.replace(s(dir.path()), "[dir]")));
}
