//! Bundle sizes end to end on real esbuild output (fixtures/bundle, see its README), checked
//! against sizes computed independently by scripts/bundle_sizes.py (Python's zlib and brotli).

mod common;

use common::{budgetgate, read_json, root, s, write};
use predicates::prelude::*;

fn expected(side: &str) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join(format!("fixtures/bundle/expected-{side}.json"))).unwrap(),
    )
    .unwrap()
}

fn budgets(dir: &std::path::Path, side: &str, extra: &str) -> std::path::PathBuf {
    write(
        dir,
        &format!("{side}.yaml"),
        &format!("version: 1\nbundles:\n  - name: web\n    path: fixtures/bundle/{side}/**/*.{{js,css}}\n{extra}"),
    )
}

/// Runs check and returns the JSON report (whatever the exit code).
fn report(args: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    budgetgate().args(args).args(["--report-json", s(&json)]).output().unwrap();
    read_json(&json)
}

#[test]
fn sizes_equal_an_independent_implementation_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for side in ["base", "pr"] {
        let report = report(&["check", "--budgets", s(&budgets(dir.path(), side, ""))]);
        let table = &report["bundles"][0];
        let expected = expected(side);
        let files = table["files"].as_array().unwrap();
        assert_eq!(files.len(), expected.as_object().unwrap().len(), "{table}");
        let mut totals = [0u64; 3];
        for file in files {
            let path = file["file"].as_str().unwrap();
            let want = &expected[path];
            for (i, stat) in ["raw", "gzip", "brotli"].into_iter().enumerate() {
                assert_eq!(file["current"][stat], want[stat], "{stat} of {path}");
                totals[i] += want[stat].as_u64().unwrap();
            }
        }
        for (i, stat) in ["raw", "gzip", "brotli"].into_iter().enumerate() {
            assert_eq!(table["total"]["current"][stat], totals[i], "total {stat} of {side}");
        }
    }
}

#[test]
fn hashed_names_match_across_builds() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("main.json");
    budgetgate()
        .args(["check", "--budgets", s(&budgets(dir.path(), "base", "")), "--save-baseline", s(&baseline)])
        .assert()
        .code(0);
    let report = report(&["check", "--budgets", s(&budgets(dir.path(), "pr", "")), "--baseline", s(&baseline)]);
    let files = report["bundles"][0]["files"].as_array().unwrap();
    let status = |name: &str| {
        files.iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("{name}: {files:?}"))["status"].clone()
    };
    // Every JS file got a new hash in the PR build; none is "added" or "removed".
    assert!(files.iter().all(|f| f["status"] != "added" && f["status"] != "removed"), "{files:?}");
    assert_eq!(status("chunks/chunk.js"), "changed");
    assert_eq!(status("index.css"), "unchanged");
    // The big shared chunk is compared with the big shared chunk: 4947 → 5278 gzip bytes.
    let chunk = files.iter().find(|f| f["name"] == "chunks/chunk.js").unwrap();
    assert_eq!(chunk["change"]["gzip"], 5278 - 4947);
    assert_eq!(chunk["file"], "fixtures/bundle/pr/chunks/chunk-XD5VBYEL.js");
    let total = &report["bundles"][0]["total"];
    assert_eq!(total["change"]["raw"], 12036 - 11357);
}

#[test]
fn budgets_on_totals_and_single_files() {
    let dir = tempfile::tempdir().unwrap();
    // Total gzip: base 8,300 B (passes ≤ 8.5 kB), PR 8,633 B (fails).
    let limits = "budgets:\n  - metric: bundle/web\n    max: 8.5 kB\n  - metric: bundle/web/chunks/chunk.js\n    size: brotli\n    max: 4.6 kB\n";
    budgetgate().args(["check", "--budgets", s(&budgets(dir.path(), "base", limits))]).assert().code(0);
    let pr = report(&["check", "--budgets", s(&budgets(dir.path(), "pr", limits))]);
    let failing: Vec<_> = common::statuses(&pr).into_iter().filter(|(_, st)| st == "fail").map(|(m, _)| m).collect();
    assert_eq!(failing, ["bundle/web", "bundle/web/chunks/chunk.js"]);
    let chunk = pr["rows"].as_array().unwrap().iter().find(|r| r["metric"] == "bundle/web/chunks/chunk.js").unwrap();
    assert_eq!(chunk["stat"], "brotli");
    assert_eq!(chunk["current"], 4822.0);
    assert!(chunk["reason"].as_str().unwrap().contains("brotli 4.82 kB > max 4.6 kB"), "{chunk}");
}

#[test]
fn a_regression_limit_on_size_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("main.json");
    let limits = "budgets:\n  - metric: bundle/web\n    regression: 3%\n  - metric: bundle/web/chunks/chunk.js\n    regression: 5%\n";
    budgetgate()
        .args(["check", "--budgets", s(&budgets(dir.path(), "base", limits)), "--save-baseline", s(&baseline)])
        .assert()
        .code(0);
    let pr = report(&["check", "--budgets", s(&budgets(dir.path(), "pr", limits)), "--baseline", s(&baseline)]);
    assert_eq!(pr["exit_code"], 1);
    for row in pr["rows"].as_array().unwrap() {
        assert_eq!(row["test"], "exact", "{row}");
        assert_eq!(row["status"], "fail", "{row}");
    }
    // Unbudgeted files carry no default regression check: only the two budgets above are rows.
    assert_eq!(pr["rows"].as_array().unwrap().len(), 2);
}

#[test]
fn default_excludes_and_their_override() {
    let dir = tempfile::tempdir().unwrap();
    let all = |extra: &str| {
        write(
            dir.path(),
            "all.yaml",
            &format!("version: 1\nbundles:\n  - name: everything\n    path: fixtures/bundle/base/**/*\n{extra}"),
        )
    };
    let count = |report: serde_json::Value| report["bundles"][0]["files"].as_array().unwrap().len();
    // 6 JS/CSS files and esbuild's meta.json; the 6 source maps are left out by default.
    assert_eq!(count(report(&["check", "--budgets", s(&all(""))])), 7);
    assert_eq!(count(report(&["check", "--budgets", s(&all("    default_excludes: false\n"))])), 13);
    assert_eq!(count(report(&["check", "--budgets", s(&all("    exclude: \"**/meta.json\"\n"))])), 6);
}

#[test]
fn compression_can_be_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let report = report(&["check", "--budgets", s(&budgets(dir.path(), "base", "    compression: [brotli]\n"))]);
    let total = &report["bundles"][0]["total"]["current"];
    assert!(total["gzip"].is_null());
    assert_eq!(total["brotli"], 4519 + 1217 + 338 + 587 + 469 + 328);
    assert_eq!(report["rows"][0]["stat"], "brotli", "the default stat falls back to brotli");
}

#[test]
fn bundles_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "b.yaml", "version: 1\nbudgets:\n  - metric: bundle/app\n    size: raw\n    max: 1 kB\n");
    budgetgate()
        .args(["check", "--budgets", s(&b), "--bundle", "app=fixtures/bundle/base/index-*.js"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("raw 1.22 kB > max 1 kB"));
}

/// A bundle's total named like a benchmark result is refused, wherever the result sits among
/// the results read and in whatever order (the check searches their sorted names), and a result
/// beside it is not.
#[test]
fn a_bundle_named_like_a_result_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "b.yaml", "version: 1\n");
    let bundle = "app=fixtures/bundle/base/index-*.js";
    let places = [
        &["bundle/app"][..],
        &["a", "bundle/app", "z"],
        &["bundle/app", "zz", "zzz", "zzzz"],
        &["zz", "bundle/app", "a"],
    ];
    for names in places {
        let entries: Vec<String> =
            names.iter().map(|n| format!(r#"{{"name": "{n}", "unit": "ns", "value": 1}}"#)).collect();
        let results = write(dir.path(), "r.json", &format!("[{}]", entries.join(",")));
        budgetgate()
            .args(["check", "--budgets", s(&b), "--bundle", bundle])
            .args(["--results", &format!("customSmallerIsBetter:{}", s(&results))])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("metric `bundle/app` is both a bundle size and a benchmark result"));
    }
    let results = write(
        dir.path(),
        "r.json",
        r#"[{"name": "bundle/ap", "unit": "ns", "value": 1}, {"name": "bundle/app/x", "unit": "ns", "value": 1}]"#,
    );
    budgetgate()
        .args(["check", "--budgets", s(&b), "--bundle", bundle])
        .args(["--results", &format!("customSmallerIsBetter:{}", s(&results))])
        .assert()
        .code(0);
}

#[test]
fn an_empty_bundle_glob_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "b.yaml", "version: 1\nbundles:\n  - name: web\n    path: dist/**/*.js\n");
    budgetgate()
        .args(["check", "--budgets", s(&b)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bundle `web` (dist/**/*.js): it matched no file"));
    let b = write(dir.path(), "b.yaml", "version: 1\nbundles:\n  - name: maps\n    path: fixtures/bundle/base/*.map\n");
    budgetgate()
        .args(["check", "--budgets", s(&b)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("are all excluded"));
}

#[test]
fn bundle_settings_are_validated_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    for (extra, message) in [
        ("    gzip_level: 12\n", "level `12` is out of range; expected 1 to 9"),
        ("    compression: [zstd]\n", "unknown variant `zstd`"),
        ("    strip_hash: \"(unclosed\"\n", "not a valid regex"),
    ] {
        budgetgate()
            .args(["validate", "--budgets", s(&budgets(dir.path(), "base", extra))])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("line 5").and(predicate::str::contains(message)));
    }
}

#[test]
fn comment_with_a_bundle_table() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("main.json");
    budgetgate()
        .args([
            "check",
            "--budgets",
            "tests/data/bundle-base.yaml",
            "--save-baseline",
            s(&baseline),
            "--branch",
            "main",
        ])
        .assert()
        .code(0);
    let md = dir.path().join("comment.md");
    budgetgate()
        .args(["check", "--budgets", "tests/data/bundle-pr.yaml", "--baseline", s(&baseline), "--report-md", s(&md)])
        .assert()
        .code(1);
    // Outside CI the run is recorded under the checkout's HEAD: filter the commit out.
    insta::with_settings!({ filters => vec![(r"`[0-9a-f]{7}`", "`[commit]`")] }, {
        insta::assert_snapshot!(std::fs::read_to_string(&md).unwrap());
    });
}

#[test]
fn esbuild_metafile_names_shared_chunks_by_their_main_module() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("main.json");
    let with_meta =
        |side: &str| budgets(dir.path(), side, &format!("    metafile: fixtures/bundle/{side}/meta.json\n"));
    budgetgate().args(["check", "--budgets", s(&with_meta("base")), "--save-baseline", s(&baseline)]).assert().code(0);
    let pr = report(&["check", "--budgets", s(&with_meta("pr")), "--baseline", s(&baseline)]);
    let files = pr["bundles"][0]["files"].as_array().unwrap();
    let file =
        |name: &str| files.iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("{name}: {files:?}")).clone();
    let preact = file("chunks/chunk.js (preact.mjs)");
    assert_eq!(preact["change"]["gzip"], 5278 - 4947);
    let hooks = file("chunks/chunk.js (hooks.mjs)");
    assert_eq!(hooks["file"], "fixtures/bundle/pr/chunks/chunk-AGUPWDTD.js");
    assert_eq!(hooks["change"]["gzip"], 1324 - 1325);
    assert_eq!(file("index.css")["status"], "unchanged", "names that do not collide stay as they are");

    // The same from the command line.
    let b = write(dir.path(), "b.yaml", "version: 1\n");
    let cli = report(&[
        "check",
        "--budgets",
        s(&b),
        "--bundle",
        "web=fixtures/bundle/pr/**/*.js",
        "--metafile",
        "web=fixtures/bundle/pr/meta.json",
    ]);
    assert!(cli["bundles"][0]["files"].as_array().unwrap().iter().any(|f| f["name"] == "chunks/chunk.js (hooks.mjs)"));
    budgetgate()
        .args(["check", "--budgets", s(&b), "--bundle", "web=fixtures/bundle/pr/*.js", "--metafile", "app=x.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no bundle named `app`"));
}
