//! `go test -bench` text output (stdout), one package or many (`go test -bench . ./...`).
//!
//! Format: Go's "benchmark data format" proposal,
//! https://go.googlesource.com/proposal/+/master/design/14313-benchmark-format.md, as written by
//! `testing/benchmark.go` (`BenchmarkResult.String`, `MemString`) in Go 1.19–1.24: a result line
//! is `BenchmarkName-P <N> <value> <unit> [<value> <unit>]...`.
//!
//! Measures: `ns/op` is the headline; `B/op` (`-benchmem`/`b.ReportAllocs`) is `allocated`,
//! `allocs/op` is `allocations`, `MB/s` (`b.SetBytes`) is `throughput` in B/s; every
//! `b.ReportMetric` unit is its own measure named by the unit (`frames/op`). Lines repeated by
//! `-count N` are the samples of one benchmark (value: their median, as benchstat reports).
//!
//! Names: the `-P` GOMAXPROCS suffix is dropped, as Go's own `benchfmt` reads it (a label, not
//! part of the name), so names survive a runner with another core count; when dropping it would
//! merge different lines (`-cpu 1,2` prints `BenchmarkX` and `BenchmarkX-2`), those keep the name as
//! printed. With benchmarks from more than one package (`pkg:` lines) every name gets the
//! package appended, ` (example.com/m/pkg)`, as github-action-benchmark does, so the same function
//! in two packages stays two benchmarks.
//!
//! A failed benchmark (`--- FAIL: BenchmarkX`) has no result line and is left out; so are the
//! benchmarks of a package whose tests failed (`FAIL\t<pkg>`: Go then runs none of them). They
//! read as `missing` against a baseline; a file with no result at all is an error naming them.

use std::collections::HashMap;
use std::path::Path;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{measures, Direction, Metric, Origin, Stat};
use crate::units::canonicalize;

pub struct Go;

/// One printed result line.
struct Line {
    number: usize,
    iterations: u64,
    values: Vec<(f64, String)>,
}

/// Whether `token` is a benchmark name: `Benchmark` then nothing or a non-lowercase character
/// (Go's rule for benchmark functions, `testing` `isTest`).
fn is_benchmark_name(token: &str) -> bool {
    token.strip_prefix("Benchmark").is_some_and(|rest| !rest.starts_with(|c: char| c.is_lowercase()))
}

/// `Some` for a result line (name, iteration count, the rest of the tokens); `None` for every
/// other line, including the bare name Go prints before a benchmark that logs or with `-v`.
fn result_line(line: &str) -> Option<(&str, u64, Vec<&str>)> {
    if line.starts_with(char::is_whitespace) {
        return None; // log output of a benchmark is indented
    }
    let mut tokens = line.split_whitespace();
    let name = tokens.next().filter(|t| is_benchmark_name(t))?;
    let iterations = tokens.next()?.parse().ok()?;
    Some((name, iterations, tokens.collect()))
}

fn framing(line: &str) -> bool {
    ["goos:", "goarch:", "pkg:", "cpu:", "PASS", "ok ", "ok\t", "?", "FAIL", "--- ", "=== ", "exit status"]
        .iter()
        .any(|p| line.starts_with(p))
}

/// `BenchmarkFib10-8` → `BenchmarkFib10`; names without a numeric suffix unchanged.
fn without_procs(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, procs)) if !base.is_empty() && !procs.is_empty() && procs.bytes().all(|b| b.is_ascii_digit()) => {
            base
        }
        _ => name,
    }
}

impl Format for Go {
    fn name(&self) -> &'static str {
        "go"
    }

    fn describe(&self) -> &'static str {
        "go test -bench: go test -run '^$' -bench . -benchmem ./... > FILE (the text output)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 65536);
        let lines = || head.lines().map(str::trim_end).filter(|l| !l.is_empty());
        let is_result = |line: &str| {
            result_line(line)
                .is_some_and(|(_, _, rest)| rest.len() >= 2 && rest[0].parse::<f64>().is_ok() && rest[1].contains('/'))
        };
        if lines().any(is_result) {
            return true;
        }
        // Only the `go test` frame (goos/pkg/PASS/ok): a run that matched no benchmark.
        lines().all(framing) && lines().any(|l| l.starts_with("goos:") || l.starts_with("ok ") || l.starts_with("ok\t"))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let at_line =
            |number: usize, message: String| Error::input(path, Place::Line { line: number, column: None }, message);
        let mut package: Option<String> = None;
        let mut failed = Vec::new();
        // (package, name as printed) → its lines, in first-seen order.
        let mut order: Vec<(Option<String>, String)> = Vec::new();
        let mut lines: HashMap<(Option<String>, String), Vec<Line>> = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let number = i + 1;
            let line = raw.trim_end_matches('\r').trim_end();
            if let Some(pkg) = line.strip_prefix("pkg:") {
                package = Some(pkg.trim().to_string());
                continue;
            }
            if let Some(name) = line.strip_prefix("--- FAIL:") {
                failed.push(format!("`{}` (line {number})", name.trim()));
            } else if line.starts_with("FAIL") && line[4..].starts_with(char::is_whitespace) {
                failed.push(format!("package `{}` (line {number})", line[4..].split_whitespace().next().unwrap_or("")));
            }
            let Some((name, iterations, rest)) = result_line(line) else { continue };
            if rest.is_empty() || rest.len() % 2 != 0 {
                return Err(at_line(
                    number,
                    format!("`{line}`: expected `{name} <iterations>` followed by `<value> <unit>` pairs"),
                ));
            }
            let mut values = Vec::with_capacity(rest.len() / 2);
            for pair in rest.chunks(2) {
                let value: f64 = pair[0].parse().map_err(|_| {
                    at_line(
                        number,
                        format!("`{}` in `{line}` is not a number; expected `<value> <unit>` pairs", pair[0]),
                    )
                })?;
                values.push((value, pair[1].to_string()));
            }
            let key = (package.clone(), name.to_string());
            if !lines.contains_key(&key) {
                order.push(key.clone());
            }
            lines.entry(key).or_default().push(Line { number, iterations, values });
        }
        if order.is_empty() {
            return Err(super::no_results(
                path,
                &failed,
                "holds no benchmark result line; did `go test` get `-bench REGEX`, and did it match a benchmark?",
            ));
        }

        let packages: std::collections::HashSet<&Option<String>> = order.iter().map(|(p, _)| p).collect();
        let suffix_packages = packages.len() > 1;
        let mut stripped_count: HashMap<(&Option<String>, &str), usize> = HashMap::new();
        for (pkg, name) in &order {
            *stripped_count.entry((pkg, without_procs(name))).or_default() += 1;
        }
        let mut metrics = Vec::new();
        for key in &order {
            let (pkg, printed) = key;
            let base = without_procs(printed);
            let mut name = if stripped_count[&(pkg, base)] > 1 { printed.clone() } else { base.to_string() };
            if let (true, Some(pkg)) = (suffix_packages, pkg) {
                name = format!("{name} ({pkg})");
            }
            metrics.extend(benchmark(name, &lines[key]));
        }
        Ok(metrics)
    }
}

/// The metrics of one benchmark from its (repeated) lines: one per unit.
fn benchmark(name: String, lines: &[Line]) -> Vec<Metric> {
    let iterations: u64 = lines.iter().map(|l| l.iterations).sum();
    let mut units: Vec<&str> = Vec::new();
    for line in lines {
        for (_, unit) in &line.values {
            if !units.contains(&unit.as_str()) {
                units.push(unit);
            }
        }
    }
    units
        .into_iter()
        .map(|unit| {
            let values: Vec<f64> =
                lines.iter().flat_map(|l| l.values.iter().filter(|(_, u)| u == unit).map(|(v, _)| *v)).collect();
            let (_, canonical) = canonicalize(1.0, unit);
            let samples: Vec<f64> = values.iter().map(|v| canonicalize(*v, unit).0).collect();
            let measure = match unit {
                "ns/op" => None,
                "B/op" => Some(measures::ALLOCATED.to_string()),
                "allocs/op" => Some(measures::ALLOCATIONS.to_string()),
                "MB/s" => Some(measures::THROUGHPUT.to_string()),
                other => Some(other.to_string()),
            };
            let direction = Direction::for_unit(&canonical);
            let mut metric = Metric::new(name.clone(), canonical, direction)
                .at(Origin::Line(lines[0].number))
                .with_stat(Stat::Value, median(&samples));
            metric.measure = measure;
            metric.iterations = Some(iterations);
            metric.n = Some(samples.len() as u64);
            if samples.len() > 1 {
                metric.stats.insert(Stat::Median, median(&samples));
                metric.samples = samples;
            }
            metric
        })
        .collect()
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use super::*;

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() <= expected.abs() * 1e-9)
    }

    fn names(metrics: &[Metric]) -> Vec<String> {
        metrics.iter().filter(|m| m.measure.is_none()).map(|m| m.name.clone()).collect()
    }

    #[test]
    fn one_package_with_benchmem_setbytes_and_reportmetric() {
        assert_eq!(detected("go/one_package.txt"), "go");
        let metrics = read_as("go", "go/one_package.txt");
        assert_eq!(
            names(&metrics),
            [
                "BenchmarkFib10",
                "BenchmarkJoin",
                "BenchmarkCopy",
                "BenchmarkFrames",
                "BenchmarkSizes/len-16",
                "BenchmarkSizes/len-256"
            ]
        );
        let join = find(&metrics, "BenchmarkJoin");
        assert_eq!((join.unit.as_str(), join.n, join.iterations), ("ns", Some(1), Some(947492)));
        assert!(close(join.stat(Stat::Value), 57.48));
        let allocated = find(&metrics, "BenchmarkJoin [allocated]");
        assert_eq!((allocated.unit.as_str(), allocated.stat(Stat::Value)), ("B", Some(16.0)));
        let allocations = find(&metrics, "BenchmarkJoin [allocations]");
        assert_eq!((allocations.unit.as_str(), allocations.stat(Stat::Value)), ("allocs/op", Some(1.0)));
        let mbs = find(&metrics, "BenchmarkCopy [throughput]");
        assert_eq!((mbs.unit.as_str(), mbs.direction), ("B/s", Direction::HigherIsBetter));
        assert!(close(mbs.stat(Stat::Value), 124533.41e6));
        let frames = find(&metrics, "BenchmarkFrames [frames/op]");
        assert_eq!((frames.unit.as_str(), frames.stat(Stat::Value)), ("frames/op", Some(3.0)));
    }

    #[test]
    fn count_repetitions_are_samples() {
        let metrics = read_as("go", "go/count.txt");
        let fib = find(&metrics, "BenchmarkFib10");
        assert_eq!((fib.n, fib.iterations), (Some(3), Some(260400 + 263378 + 273385)));
        assert!(close(fib.stat(Stat::Value), 296.0), "median of 221.2, 296.0, 298.3");
        assert!(close(fib.stat(Stat::Min), 221.2) && close(fib.stat(Stat::Max), 298.3));
        assert!(close(find(&metrics, "BenchmarkCopy [throughput]").stat(Stat::Value), 136316.39e6));
        assert_eq!(metrics.len(), 6 * 3 + 2);
    }

    #[test]
    fn packages_and_gomaxprocs_make_names_unique() {
        let metrics = read_as("go", "go/two_packages.txt");
        let both = ["BenchmarkFib10 (example.com/fix/alpha)", "BenchmarkFib10 (example.com/fix/beta)"];
        for name in both {
            assert!(names(&metrics).contains(&name.to_string()), "{:?}", names(&metrics));
        }
        assert!(close(find(&metrics, both[1]).stat(Stat::Value), 240.8));
        // -cpu 1,2: `BenchmarkFib10` and `BenchmarkFib10-2` stay apart, as printed.
        assert_eq!(names(&read_as("go", "go/cpu_list.txt")), ["BenchmarkFib10", "BenchmarkFib10-2"]);
        assert_eq!(names(&read_as("go", "go/verbose.txt")), ["BenchmarkFib10"]);
    }

    #[test]
    fn upstream_files() {
        // github-action-benchmark strips `-N` (as here); Bencher keeps it (`BenchmarkFib10-8`).
        for file in [
            "go_output.txt",
            "go_single_package_output.txt",
            "go_fiber_output.txt",
            "go_fiber_duplicate_names_output.txt",
            "bencher_five.txt",
            "bencher_three.txt",
        ] {
            assert_eq!(detected(&format!("go/{file}")), "go", "{file}");
        }
        let metrics = read_as("go", "go/go_output.txt");
        assert_eq!(names(&metrics).len(), 8);
        assert!(close(
            find(&metrics, "BenchmarkFib/my/tabled/benchmark_-_20,var1=13,var2=14").stat(Stat::Value),
            40537.456
        ));
        assert!(close(find(&metrics, "BenchmarkFib11 [auxMetricUnits]").stat(Stat::Value), 3.0));
        assert!(close(find(&metrics, "BenchmarkFib/my_tabled_benchmark_-_20").stat(Stat::Value), 40537.123));
        let fiber = read_as("go", "go/go_fiber_duplicate_names_output.txt");
        assert_eq!(fiber.len(), 4 * 4);
        let csrf = "BenchmarkAppendMsgitem (github.com/gofiber/fiber/v3/middleware/csrf)";
        assert!(close(find(&fiber, csrf).stat(Stat::Value), 0.3733));
        assert!(close(find(&fiber, &format!("{csrf} [throughput]")).stat(Stat::Value), 2678.46e6));
        let fiber = read_as("go", "go/go_fiber_output.txt");
        assert_eq!(
            find(&fiber, "Benchmark_Utils_GetOffer/mime_extension#01 [allocated]").stat(Stat::Value),
            Some(48.0)
        );
        let three = read_as("go", "go/bencher_three.txt");
        assert!(close(find(&three, "BenchmarkFib20WithAuxMetric").stat(Stat::Value), 25829.0));
        assert!(close(find(&read_as("go", "go/bencher_five.txt"), "BenchmarkFib10").stat(Stat::Value), 325.0));
    }

    #[test]
    fn failed_benchmarks_are_left_out_and_empty_runs_are_errors() {
        assert_eq!(detected("go/failed.txt"), "go");
        assert_eq!(names(&read_as("go", "go/failed.txt")), ["BenchmarkOK"]);
        assert_eq!(detected("go/zero.txt"), "go");
        let fixture = |f: &str| super::super::test_support::fixture(f);
        let text = std::fs::read_to_string(fixture("go/zero.txt")).unwrap();
        let err = Go.parse(&fixture("go/zero.txt"), &text).unwrap_err().to_string();
        assert!(err.contains("no benchmark result"), "{err}");
        let failed = "--- FAIL: BenchmarkBroken\n    x_test.go:11: no input\nFAIL\nFAIL\texample.com/x\t0.1s\n";
        let err = Go.parse(Path::new("b.txt"), failed).unwrap_err().to_string();
        assert!(err.contains("`BenchmarkBroken` (line 1), package `example.com/x` (line 4)"), "{err}");
        let err = Go.parse(Path::new("b.txt"), "BenchmarkX-8  100  12 ns/op  7\n").unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("pairs"), "{err}");
        let err = Go.parse(Path::new("b.txt"), "BenchmarkX-8  100  twelve ns/op\n").unwrap_err().to_string();
        assert!(err.contains("`twelve`"), "{err}");
    }

    #[test]
    fn crlf_and_noise() {
        let text = "goos: linux\r\nBenchmarkA-4 \t 10\t 5.5 ns/op\r\nsome log line\r\nPASS\r\n";
        assert!(Go.detect(Path::new("x"), text));
        let metrics = Go.parse(Path::new("x"), text).unwrap();
        assert_eq!((metrics[0].name.as_str(), metrics[0].stat(Stat::Value)), ("BenchmarkA", Some(5.5)));
        assert!(!Go.detect(Path::new("x"), "Benchmarks are fun\nhello\n"));
    }
}
