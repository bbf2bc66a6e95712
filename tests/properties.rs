//! Invariants that must hold for every input, checked on generated ones (proptest, issue 20):
//! what `parse` prints reads back identically; a saved baseline always loads, with its numbers;
//! escaping never lets a line become a workflow command or emit markup; and merging two
//! histories into one store keeps every run of both.

use budgetgate::baseline::{self, layout, select, FileStore, Store, StoredRun};
use budgetgate::escape;
use budgetgate::ingest::{self, native, ResultSpec};
use budgetgate::model::{Direction, Metric, Run, RunContext, Stat};
use proptest::prelude::*;

/// Names as benchmarks have them and as hostile files do: any printable text, slashes,
/// brackets, quotes, control characters, right-to-left marks.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_/]{0,30}",
        "\\PC{1,40}",
        proptest::sample::select(escape::HOSTILE_NAMES.to_vec()).prop_map(str::to_string),
    ]
    .prop_filter("names are not blank", |n| !n.trim().is_empty())
}

/// A metric with a unit, a direction and a few finite stats.
fn metric() -> impl Strategy<Value = Metric> {
    (
        name(),
        proptest::sample::select(vec!["ns", "ms", "s", "B", "ops/s", "count"]),
        proptest::collection::btree_map(
            proptest::sample::select(vec![Stat::Value, Stat::Mean, Stat::Min, Stat::Max, Stat::Stddev, Stat::P95]),
            1e-3f64..1e9,
            1..5,
        ),
        proptest::option::of(1u64..10_000),
    )
        .prop_map(|(name, unit, stats, n)| {
            let direction = if unit == "ops/s" { Direction::HigherIsBetter } else { Direction::LowerIsBetter };
            let mut m = Metric::new(name, unit, direction);
            m.stats = stats.into_iter().collect();
            m.n = n;
            m
        })
}

/// Metrics with distinct names (a run cannot hold one name twice).
fn metrics(max: usize) -> impl Strategy<Value = Vec<Metric>> {
    proptest::collection::vec(metric(), 1..max).prop_map(|mut ms| {
        let mut seen = std::collections::HashSet::new();
        ms.retain(|m| seen.insert(m.name.clone()));
        ms
    })
}

/// What `budgetgate parse` prints for `metrics`.
fn printed(metrics: &[Metric]) -> String {
    let printed = serde_json::to_string_pretty(&native::Document::from_metrics(metrics)).unwrap();
    escape::json_for_log(&printed)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// `budgetgate parse` prints budgetgate's own JSON (canonical units, sorted); whatever it
    /// prints, reading it back prints identically.
    #[test]
    fn what_parse_prints_reads_back_identically(ms in metrics(12)) {
        let dir = tempfile::tempdir().unwrap();
        let parse = |text: &str, name: &str| {
            let file = dir.path().join(name);
            std::fs::write(&file, text).unwrap();
            let spec = ResultSpec::from_cli(&format!("budgetgate:{}", file.display()), None).unwrap();
            printed(&ingest::ingest(&[spec]).unwrap())
        };
        let first = parse(&printed(&ms), "input.json");
        prop_assert_eq!(parse(&first, "printed.json"), first);
    }

    /// Every saved run loads back from the store, with its numbers (f32 precision for timings).
    #[test]
    fn a_saved_baseline_always_loads(runs in proptest::collection::vec(metrics(8), 1..6)) {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("store.bin"));
        for (i, ms) in runs.iter().enumerate() {
            let context = RunContext { commit: Some(format!("c{i}")), ..Default::default() };
            baseline::save(&store, "main", &Run { context, metrics: ms.clone() }, None, 50).unwrap();
        }
        let files = store.read().unwrap().unwrap();
        let target = select::Target { branch: Some("main".into()), ..Default::default() };
        let comparison = select::choose(files.as_ref(), &target, "test", &mut Vec::new()).unwrap().unwrap();
        prop_assert_eq!(comparison.history.len(), runs.len());
        let newest = runs.last().unwrap();
        let chosen = comparison.chosen_run().to_run("main");
        prop_assert_eq!(chosen.metrics.len(), newest.len());
        for m in newest {
            let stored = chosen.metrics.iter().find(|s| s.name == m.name).expect("every metric stored");
            for (stat, value) in m.stats.iter() {
                let got = stored.stat(stat).unwrap();
                prop_assert!((got - value).abs() <= value.abs() * 1e-6, "{} {stat}: {value} → {got}", m.name);
            }
            prop_assert_eq!(stored.n, m.n);
        }
    }

    /// No line of log text can be a workflow command (`::cmd` after trimming, `##[cmd]` anywhere).
    #[test]
    fn log_text_never_forms_a_workflow_command(text in "(\\PC|[\\n\\r\\t ]|::|##\\[){0,60}") {
        for line in escape::log_text(&text).split('\n').chain([escape::log_field(&text).as_str()]) {
            prop_assert!(!line.trim_start().starts_with("::"), "{:?}", line);
            prop_assert!(!line.contains("##["), "{:?}", line);
            prop_assert!(!line.contains('\r'));
        }
    }

    /// HTML and Markdown escaping never emit markup: no raw `<`, `>` or quote, no control
    /// characters beyond newline and tab.
    #[test]
    fn escaped_text_is_never_markup(text in "(\\PC|[\\n\\t<>\"'&`|])*") {
        let html = escape::html(&text);
        prop_assert!(!html.contains(['<', '>', '"', '\'']), "{:?}", html);
        prop_assert!(!html.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
        let md = escape::markdown(&text);
        prop_assert!(!md.contains(['<', '>', '|', '\n']), "{:?}", md);
    }

    /// Recording two histories into one store (an import, or two machines' saves) keeps every run
    /// of both, in each branch.
    #[test]
    fn merging_two_histories_keeps_every_run_of_both(a in 1usize..8, b in 1usize..8, shared in any::<bool>()) {
        let mut files = layout::MemoryFiles::default();
        let run = |label: &str, i: usize| {
            let m = Metric::new("bench", "ns", Direction::LowerIsBetter).with_stat(Stat::Value, 1.0 + i as f64);
            let context = RunContext { commit: Some(format!("{label}{i}")), time: Some(format!("2026-12-01T00:{i:02}:00Z")), ..Default::default() };
            StoredRun::from_run(&Run { context, metrics: vec![m] }, None)
        };
        let branch_b = if shared { "main" } else { "other" };
        for (label, count, branch) in [("a", a, "main"), ("b", b, branch_b)] {
            for i in 0..count {
                let changes = layout::record(&files, branch, &run(label, i), 50).unwrap();
                files.apply(changes);
            }
        }
        let commits = |branch: &str| -> Vec<String> {
            layout::read_index(&files, branch).unwrap().map(|i| i.runs.iter().filter_map(|r| r.context.commit.clone()).collect()).unwrap_or_default()
        };
        let mut all = commits("main");
        if !shared {
            all.extend(commits("other"));
        }
        all.sort();
        let mut expected: Vec<String> = (0..a).map(|i| format!("a{i}")).chain((0..b).map(|i| format!("b{i}"))).collect();
        expected.sort();
        prop_assert_eq!(all, expected);
    }
}
