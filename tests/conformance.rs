//! Conformance with the two corpora in `../shared/conformance/` (issue 15): every file there is
//! read through auto-detection and compared with what github-action-benchmark's snapshot
//! (`expected-from-snapshot.json`) and Bencher's adapters (`expected-from-adapter.json`) expect,
//! after unit conversion, to a relative tolerance of 1e-6.
//!
//! Run `cargo test --test conformance -- --nocapture` to see the per-file report.
//!
//! How their results map onto ours:
//! - Bencher measures: `latency` is our headline (ns); `throughput` is our headline where that
//!   is a rate (JMH thrpt, benchmark.js), else our `throughput` measure; any other measure is
//!   ours of the same slug, except where [`ON_PURPOSE`] says otherwise.
//! - github-action-benchmark has no measures: its unit tells. A time is our headline, `B/op`
//!   `allocated`, `allocs/op` `allocations`, a rate our headline or `throughput`, any other unit
//!   the metric of that name in that unit. Its Go extractor writes each line N+1 times (the bare
//!   name with the whole rest of the line as "unit", then `<name> - <unit>` per metric); both
//!   forms are compared with the same metric of ours.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use budgetgate::model::{Metric, Stat};
use budgetgate::units::{canonicalize, dimension, Dimension};
use serde_json::Value;

const RELATIVE_TOLERANCE: f64 = 1e-6;

/// Where our names or measures differ from a corpus on purpose, and why. Each entry:
/// (corpus file, their benchmark name, their measure or `*`, what we do instead, why).
const ON_PURPOSE: &[(&str, &str, &str, Purpose, &str)] = &[
    // BenchmarkDotNet: Bencher names a benchmark `Namespace.Method`, dropping the class, so two
    // classes with the same method collide; we keep BenchmarkDotNet's own `FullName`.
    (
        "bencher/c_sharp/dot_net/memory.json",
        "BenchmarkDotNet.Samples.AllocEmptyList",
        "*",
        Purpose::Rename("BenchmarkDotNet.Samples.Memory.AllocEmptyList"),
        "FullName keeps the class",
    ),
    (
        "bencher/c_sharp/dot_net/memory.json",
        "BenchmarkDotNet.Samples.AllocExactList",
        "*",
        Purpose::Rename("BenchmarkDotNet.Samples.Memory.AllocExactList"),
        "FullName keeps the class",
    ),
    (
        "bencher/c_sharp/dot_net/two.json",
        "BenchmarkDotNet.Samples.Intro.Sleep10",
        "*",
        Purpose::Rename("BenchmarkDotNet.Samples.Intro.IntroJsonExport.Sleep10"),
        "Namespace.Type.Method keeps the class",
    ),
    (
        "bencher/c_sharp/dot_net/two.json",
        "BenchmarkDotNet.Samples.Intro.Sleep20",
        "*",
        Purpose::Rename("BenchmarkDotNet.Samples.Intro.IntroJsonExport.Sleep20"),
        "Namespace.Type.Method keeps the class",
    ),
    // BenchmarkDotNet's Gen0/1/2 columns are collections per 1000 operations; Bencher stores the
    // raw total, which grows with however many operations BenchmarkDotNet chose to run.
    (
        "bencher/c_sharp/dot_net/memory.json",
        "*",
        "gen0-collects",
        Purpose::PerThousandOps,
        "per 1000 operations, as BenchmarkDotNet shows it",
    ),
    (
        "bencher/c_sharp/dot_net/memory.json",
        "*",
        "gen1-collects",
        Purpose::PerThousandOps,
        "per 1000 operations, as BenchmarkDotNet shows it",
    ),
    (
        "bencher/c_sharp/dot_net/memory.json",
        "*",
        "gen2-collects",
        Purpose::PerThousandOps,
        "per 1000 operations, as BenchmarkDotNet shows it",
    ),
    // How many operations BenchmarkDotNet ran is its own choice per run, not a result.
    (
        "bencher/c_sharp/dot_net/memory.json",
        "*",
        "total-operations",
        Purpose::NotRead,
        "the operation count BenchmarkDotNet picked is not a result",
    ),
    // iai prints its hit counts under the labels `L1/L2/RAM Accesses` (iai 0.1 src/lib.rs prints
    // `summary.l1_hits` there); gungraun, its successor, calls them hits, and so do we.
    ("bencher/rust/iai/two.txt", "*", "l1-accesses", Purpose::Measure("l1-hits"), "iai's accesses are L1 hits"),
    ("bencher/rust/iai/two.txt", "*", "l2-accesses", Purpose::Measure("l2-hits"), "iai's accesses are L2 hits"),
    ("bencher/rust/iai/two.txt", "*", "ram-accesses", Purpose::Measure("ram-hits"), "iai's accesses are RAM hits"),
    ("bencher/rust/iai/change.txt", "*", "l1-accesses", Purpose::Measure("l1-hits"), "iai's accesses are L1 hits"),
    ("bencher/rust/iai/change.txt", "*", "l2-accesses", Purpose::Measure("l2-hits"), "iai's accesses are L2 hits"),
    ("bencher/rust/iai/change.txt", "*", "ram-accesses", Purpose::Measure("ram-hits"), "iai's accesses are RAM hits"),
    // Go: Bencher keeps the `-GOMAXPROCS` suffix (`BenchmarkFib10-8`); the go format drops it as
    // Go's own benchfmt does (and github-action-benchmark), so runs on machines with different
    // core counts compare.
    (
        "bencher/go/bench/five.txt",
        "*",
        "*",
        Purpose::GomaxprocsDropped,
        "-GOMAXPROCS suffix dropped, as Go's benchfmt does",
    ),
    (
        "bencher/go/bench/three.txt",
        "*",
        "*",
        Purpose::GomaxprocsDropped,
        "-GOMAXPROCS suffix dropped, as Go's benchfmt does",
    ),
    // JMH params: Bencher drops them (two parameter sets of one benchmark would collide); we keep
    // them after the name as JMH's log prints them. six.json's names differ in their package.
    ("bencher/java/jmh/six.json", "*", "*", Purpose::ParamsAppended, "JMH params kept in the name"),
    // JMH params: github-action-benchmark appends ` ( {"paramA":"17",…} )`; we write them as
    // JMH's own log does, `(paramA = 17, paramB = 33)`, which budgets can name without quoting.
    (
        "github-action-benchmark/jmh_output_2.json",
        "org.openjdk.jmh.samples.JMHSample_01_HelloWorld.wellHelloThere ( {\"paramA\":\"17\",\"paramB\":\"33\"} )",
        "*",
        Purpose::Rename("org.openjdk.jmh.samples.JMHSample_01_HelloWorld.wellHelloThere (paramA = 17, paramB = 33)"),
        "params as JMH prints them",
    ),
    // Catch2: github-action-benchmark names a benchmark alone; Bencher and we put its test case
    // (and sections) in front, `Fibonacci: Fibonacci 10`, because a benchmark name alone
    // repeats across test cases (Bencher's issue_351.txt has `Fibonacci 10` twice).
    ("github-action-benchmark/catch2_output_v2.txt", "*", "*", Purpose::CasePrefixed, "test case before the name"),
    ("github-action-benchmark/catch2_output_v3.txt", "*", "*", Purpose::CasePrefixed, "test case before the name"),
    ("github-action-benchmark/issue16_output.txt", "*", "*", Purpose::CasePrefixed, "test case before the name"),
];

#[derive(Clone, Copy)]
enum Purpose {
    /// Ours is `<test case>: <name>`.
    CasePrefixed,
    Rename(&'static str),
    /// Ours carries the benchmark's parameters after the name, `name (p = v)`.
    ParamsAppended,
    /// Ours is the name without its trailing `-<GOMAXPROCS>`.
    GomaxprocsDropped,
    Measure(&'static str),
    PerThousandOps,
    NotRead,
}

/// The files of the formats this branch added (F3); each must be read right in full.
const IMPORTED_FORMATS: &[&str] = &[
    "bencher/c_sharp/",
    "bencher/java/",
    "bencher/json/",
    "bencher/rust/gungraun/",
    "bencher/rust/iai/",
    "bencher/dart/",
    "bencher/ruby/",
    "github-action-benchmark/jmh_output",
    "github-action-benchmark/julia_output.json",
    "github-action-benchmark/benchmarkdotnet.json",
    "github-action-benchmark/benchmarkluau_output.txt",
];

/// One benchmark × measure a corpus expects.
struct Expected {
    /// How the corpus names it, for the report.
    label: String,
    name: String,
    /// Ours is `name (param = value, …)`: the corpus dropped the parameters.
    params_appended: bool,
    /// Ours carries the test case in front: `<case>: <name>`.
    case_prefixed: bool,
    /// Measures of ours that may hold it, in order of preference (`None` = headline).
    measures: Vec<Option<String>>,
    unit: UnitWanted,
    value: f64,
    on_purpose: Option<&'static str>,
}

enum UnitWanted {
    Exactly(String),
    AnyRate,
    Any,
}

enum Outcome {
    Right,
    RightOnPurpose(&'static str),
    NotReadOnPurpose(&'static str),
    Missed(String),
}

struct FileReport {
    file: String,
    format: String,
    error: Option<String>,
    outcomes: Vec<(String, Outcome)>,
}

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance")
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What we do on purpose with a benchmark's name (entries whose measure is `*`).
fn name_purpose(file: &str, name: &str) -> Option<(Purpose, &'static str)> {
    ON_PURPOSE
        .iter()
        .find(|(f, n, m, _, _)| *f == file && (*n == "*" || *n == name) && *m == "*")
        .map(|(_, _, _, p, why)| (*p, *why))
}

/// What we do on purpose with one of a corpus' measures.
fn measure_purpose(file: &str, measure: &str) -> Option<(Purpose, &'static str)> {
    ON_PURPOSE.iter().find(|(f, _, m, _, _)| *f == file && *m == measure).map(|(_, _, _, p, why)| (*p, *why))
}

/// Bencher's slug of a measure name (`Total Bytes` → `total-bytes`).
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn bencher_expected(file: &str, benchmarks: &serde_json::Map<String, Value>) -> Vec<Expected> {
    let mut out = Vec::new();
    for (name, measures) in benchmarks {
        let measures = measures.as_object().unwrap();
        for (measure, v) in measures {
            let Some(value) = v.get("value").and_then(Value::as_f64) else { continue };
            let mut our_name = name.clone();
            let mut on_purpose = None;
            let mut params_appended = false;
            match name_purpose(file, name) {
                Some((Purpose::Rename(to), why)) => {
                    our_name = to.to_string();
                    on_purpose = Some(why);
                }
                Some((Purpose::ParamsAppended, why)) => {
                    params_appended = true;
                    on_purpose = Some(why);
                }
                Some((Purpose::GomaxprocsDropped, why)) => {
                    if let Some((stem, procs)) = name.rsplit_once('-') {
                        if !procs.is_empty() && procs.chars().all(|c| c.is_ascii_digit()) {
                            our_name = stem.to_string();
                            on_purpose = Some(why);
                        }
                    }
                }
                _ => {}
            }
            let slug = slug(measure);
            let (mut wanted, unit) = match slug.as_str() {
                "latency" => (vec![None], UnitWanted::Exactly("ns".into())),
                "throughput" => (vec![None, Some("throughput".into())], UnitWanted::AnyRate),
                // gungraun and iai: `Instructions` is our headline of the benchmark.
                "instructions" => (vec![None, Some("instructions".into())], UnitWanted::Any),
                other => (vec![Some(other.to_string())], UnitWanted::Any),
            };
            let mut value = value;
            match measure_purpose(file, measure) {
                Some((Purpose::NotRead, why)) => {
                    out.push(Expected {
                        label: format!("{name} [{measure}]"),
                        name: our_name,
                        params_appended,
                        case_prefixed: false,
                        measures: vec![],
                        unit,
                        value,
                        on_purpose: Some(why),
                    });
                    continue;
                }
                Some((Purpose::Measure(ours), why)) => {
                    wanted = vec![Some(ours.to_string())];
                    on_purpose = Some(why);
                }
                Some((Purpose::PerThousandOps, why)) => {
                    let ops = measures["total-operations"]["value"].as_f64().unwrap();
                    value = value / ops * 1000.0;
                    on_purpose = Some(why);
                }
                _ => {}
            }
            out.push(Expected {
                label: format!("{name} [{measure}]"),
                name: our_name,
                params_appended,
                case_prefixed: false,
                measures: wanted,
                unit,
                value,
                on_purpose,
            });
        }
    }
    out
}

fn gab_expected(file: &str, benches: &[Value]) -> Vec<Expected> {
    let mut out = Vec::new();
    for bench in benches {
        let label = bench["name"].as_str().unwrap().to_string();
        let mut name = label.clone();
        let value = bench["value"].as_f64().unwrap();
        let mut unit = bench["unit"].as_str().unwrap().to_string();
        // Go's N+1 entries: the bare one carries the whole rest of the line as its unit.
        if unit.contains('\t') {
            unit = unit.split_whitespace().next().unwrap().to_string();
        } else if let Some(stripped) = name.strip_suffix(&format!(" - {unit}")) {
            name = stripped.to_string();
        }
        let mut on_purpose = None;
        let mut case_prefixed = false;
        match name_purpose(file, &name) {
            Some((Purpose::Rename(to), why)) => {
                name = to.to_string();
                on_purpose = Some(why);
            }
            Some((Purpose::CasePrefixed, why)) => {
                case_prefixed = true;
                on_purpose = Some(why);
            }
            _ => {}
        }
        let (value, canonical) = canonicalize(value, &unit);
        let (measures, unit) = match (canonical.as_str(), dimension(&canonical)) {
            (_, Dimension::Duration) => (vec![None], UnitWanted::Exactly(canonical)),
            ("B", _) => (vec![Some("allocated".into()), None], UnitWanted::Exactly(canonical)),
            ("allocs/op", _) => {
                (vec![Some("allocations".into()), Some("allocs/op".into())], UnitWanted::Exactly(canonical))
            }
            (_, Dimension::Rate) => (vec![None, Some("throughput".into())], UnitWanted::AnyRate),
            (u, _) => (vec![None, Some(u.to_string())], UnitWanted::Exactly(canonical)),
        };
        out.push(Expected { label, name, params_appended: false, case_prefixed, measures, unit, value, on_purpose });
    }
    out
}

fn judge(expected: &Expected, metrics: &[Metric]) -> Outcome {
    if expected.measures.is_empty() {
        return Outcome::NotReadOnPurpose(expected.on_purpose.unwrap_or("not read"));
    }
    let with_params = format!("{} (", expected.name);
    let after_case = format!(": {}", expected.name);
    let same_name: Vec<&Metric> = metrics
        .iter()
        .filter(|m| {
            m.name == expected.name
                || (expected.params_appended && m.name.starts_with(&with_params))
                || (expected.case_prefixed && m.name.ends_with(&after_case))
        })
        .collect();
    let mut names: Vec<&str> = same_name.iter().map(|m| m.name.as_str()).collect();
    names.dedup();
    if names.len() > 1 {
        return Outcome::Missed(format!("`{}` could be any of {names:?}", expected.name));
    }
    if same_name.is_empty() {
        let mut names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
        names.dedup();
        names.truncate(4);
        return Outcome::Missed(format!("no benchmark `{}` (read: {names:?}…)", expected.name));
    }
    let unit_fits = |m: &Metric| match &expected.unit {
        UnitWanted::Exactly(u) => &m.unit == u,
        UnitWanted::AnyRate => dimension(&m.unit) == Dimension::Rate,
        UnitWanted::Any => true,
    };
    let Some(metric) =
        expected.measures.iter().find_map(|want| same_name.iter().find(|m| &m.measure == want && unit_fits(m)))
    else {
        let read: Vec<String> = same_name.iter().map(|m| format!("{} in `{}`", m.display_name(), m.unit)).collect();
        return Outcome::Missed(format!(
            "`{}`: no measure {:?} in the unit wanted; read {read:?}",
            expected.name, expected.measures
        ));
    };
    let ours = metric.stat(Stat::Value).unwrap_or(f64::NAN);
    let close = (ours - expected.value).abs() <= RELATIVE_TOLERANCE * expected.value.abs().max(ours.abs())
        || ours == expected.value;
    if !close {
        return Outcome::Missed(format!(
            "`{}`: value {ours} {}, expected {}",
            metric.display_name(),
            metric.unit,
            expected.value
        ));
    }
    match expected.on_purpose {
        Some(why) => Outcome::RightOnPurpose(why),
        None => Outcome::Right,
    }
}

/// Reads every corpus file and judges every expected benchmark.
fn run() -> Option<Vec<FileReport>> {
    let root = corpus_root();
    if !root.is_dir() {
        println!(
            "conformance corpus not found at {} — skipping (it lives in the shared folder beside the project)",
            root.display()
        );
        return None;
    }
    let gab = load(&root.join("github-action-benchmark/expected-from-snapshot.json"));
    let bencher = load(&root.join("bencher/expected-from-adapter.json"));
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut reports = Vec::new();
    for relative in files {
        let (expected, known) = if let Some(rest) = relative.strip_prefix("github-action-benchmark/") {
            match gab.get(rest) {
                Some(entry) => (gab_expected(&relative, entry["benches"].as_array().unwrap()), true),
                None => (vec![], false),
            }
        } else if let Some(rest) = relative.strip_prefix("bencher/") {
            match bencher.get(rest) {
                Some(entry) => match entry["benchmarks"].as_object() {
                    Some(b) => (bencher_expected(&relative, b), true),
                    None => (vec![], true), // `null`: Bencher reads no result from it
                },
                None => (vec![], false),
            }
        } else {
            (vec![], false)
        };
        let read = budgetgate::ingest::read_file(&root.join(&relative), None);
        let format = match &read {
            Ok(m) => m.first().and_then(|m| m.source.as_ref()).map_or("(none)".into(), |s| s.format.clone()),
            Err(_) => "(error)".into(),
        };
        let outcomes = expected
            .iter()
            .map(|e| {
                let outcome = match &read {
                    Ok(metrics) => judge(e, metrics),
                    Err(_) if e.measures.is_empty() => judge(e, &[]),
                    Err(_) => Outcome::Missed("the file did not read".into()),
                };
                (e.label.clone(), outcome)
            })
            .collect();
        let format = if known { format.to_string() } else { format!("{format}; not in the expected files") };
        let error = read.err().map(|e| e.to_string().replace(&root.join(&relative).display().to_string(), &relative));
        reports.push(FileReport { file: relative, format, error, outcomes });
    }
    Some(reports)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, out);
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy();
        if name == "MANIFEST.md" || name == ".gitattributes" || name.starts_with("expected-from-") {
            continue;
        }
        out.push(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
    }
}

#[derive(Default)]
struct Tally {
    expected: usize,
    right: usize,
    /// Expected by the corpus, not read on purpose (out of the percentage, listed above).
    excluded: usize,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::NotReadOnPurpose(_) => self.excluded += 1,
            Outcome::Right | Outcome::RightOnPurpose(_) => {
                self.expected += 1;
                self.right += 1;
            }
            Outcome::Missed(_) => self.expected += 1,
        }
    }
    fn percent(&self) -> f64 {
        if self.expected == 0 {
            100.0
        } else {
            100.0 * self.right as f64 / self.expected as f64
        }
    }
}

fn print(reports: &[FileReport]) {
    println!("\n{:<58} {:<26} {:>8} {:>10}  reasons", "file", "format detected", "expected", "read right");
    for r in reports {
        let mut t = Tally::default();
        r.outcomes.iter().for_each(|(_, o)| t.add(o));
        println!("{:<58} {:<26} {:>8} {:>10}", r.file, r.format, t.expected, t.right);
        if let Some(error) = &r.error {
            let refused = r.outcomes.iter().all(|(_, o)| matches!(o, Outcome::NotReadOnPurpose(_)));
            let mark = match (refused, r.outcomes.is_empty()) {
                (true, true) => "- nothing expected (the corpus reads no result either):",
                (true, false) => "- refused on purpose:",
                _ => "✗",
            };
            println!("    {mark} {}", error.split(". Name the format").next().unwrap_or(error));
            if !refused {
                continue;
            }
        }
        for (name, outcome) in &r.outcomes {
            match outcome {
                Outcome::Right => {}
                Outcome::RightOnPurpose(why) => println!("    ~ {name}: differs on purpose ({why})"),
                Outcome::NotReadOnPurpose(why) => println!("    - {name}: not read on purpose ({why})"),
                Outcome::Missed(why) => println!("    ✗ {why}"),
            }
        }
    }
}

fn tally(reports: &[FileReport], corpus: &str) -> Tally {
    let mut t = Tally::default();
    for r in reports.iter().filter(|r| r.file.starts_with(corpus)) {
        r.outcomes.iter().for_each(|(_, o)| t.add(o));
    }
    t
}

#[test]
fn both_corpora_read_at_least_95_percent() {
    let Some(reports) = run() else { return };
    print(&reports);
    let gab = tally(&reports, "github-action-benchmark/");
    let bencher = tally(&reports, "bencher/");
    let all = Tally {
        expected: gab.expected + bencher.expected,
        right: gab.right + bencher.right,
        excluded: gab.excluded + bencher.excluded,
    };
    println!();
    for (what, t) in [("github-action-benchmark", &gab), ("Bencher", &bencher), ("both corpora", &all)] {
        println!(
            "{what}: {}/{} read right ({:.1} %); {} more not read on purpose (listed above with `-`)",
            t.right,
            t.expected,
            t.percent(),
            t.excluded
        );
    }
    for (what, t) in [("github-action-benchmark", &gab), ("Bencher", &bencher), ("both corpora", &all)] {
        assert!(
            t.percent() >= 95.0,
            "{what}: {}/{} read right ({:.1} %), below 95 %",
            t.right,
            t.expected,
            t.percent()
        );
    }
}

#[test]
fn imported_formats_read_every_expected_benchmark() {
    let Some(reports) = run() else { return };
    let mut misses = BTreeMap::new();
    let mut checked = 0;
    for r in reports.iter().filter(|r| IMPORTED_FORMATS.iter().any(|p| r.file.starts_with(p))) {
        checked += r.outcomes.len();
        for (_, outcome) in &r.outcomes {
            if let Outcome::Missed(why) = outcome {
                misses.entry(r.file.clone()).or_insert_with(Vec::new).push(why.clone());
            }
        }
    }
    assert!(checked > 100, "expected the imported formats' files to hold over 100 benchmarks, found {checked}");
    assert!(misses.is_empty(), "missed: {misses:#?}");
}
