//! benchmark.js console output: the line `String(event.target)` prints for each benchmark in a
//! suite's `cycle` handler, `fib(10) x 1,431,759 ops/sec ±0.74% (93 runs sampled)`.
//!
//! Format: benchmark.js 2.1.4 `toStringBench` (`name + ' x ' + formatNumber(hz.toFixed(hz < 100 ?
//! 2 : 0)) + ' ops/sec ±' + rme.toFixed(2) + '% (' + n + ' run(s) sampled)'`),
//! https://github.com/bestiejs/benchmark.js/blob/2.1.4/benchmark.js#L1525-L1552
//!
//! The headline is the rate itself (ops/s, higher is better). benchmark.js prints no standard
//! deviation, only the relative margin of error of the mean period, `rme = 100·t·sd/(mean·√n)`
//! with `t` from its own table of Student's t at 95 %; we invert that so the noise model has a
//! spread: `stddev ≈ ops/s · rme/100 · √n / t` (the relative spread of the period carried over
//! to the rate). Other lines (`Fastest is …`, runner logs) are not benchmark lines and are
//! skipped; a line that has the `ops/sec ±` shape but not the rest is an error. A benchmark that
//! threw prints `name: <error>`, which cannot be told from a log line, so it is not read: a
//! budget on it then reports it missing.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{Direction, Metric, Origin, Stat};
use crate::units::canonicalize;

pub struct BenchmarkJs;

static LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<name>.+?) x (?P<hz>[0-9][0-9,]*(?:\.[0-9]+)?) ops/sec ±(?P<rme>[0-9]+(?:\.[0-9]+)?)% \((?P<runs>[0-9]+) runs? sampled\)$")
        .expect("valid regex")
});

/// Student's t at 95 % for `df` degrees of freedom as benchmark.js tabulates it (`tTable`).
fn t_table(df: u64) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12,
        2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        1..=30 => T[df as usize - 1],
        _ => 1.96,
    }
}

fn is_candidate(line: &str) -> bool {
    line.contains(" ops/sec ±")
}

impl Format for BenchmarkJs {
    fn name(&self) -> &'static str {
        "benchmarkjs"
    }

    fn describe(&self) -> &'static str {
        "benchmark.js console lines (`name x 1,234 ops/sec ±0.5% (90 runs sampled)`): node bench.js > out.txt"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        super::head(text, 4096).lines().any(|l| LINE.is_match(l.trim().trim_end_matches('\r')))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let mut metrics = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim().trim_end_matches('\r').trim();
            let place = || Place::Line { line: line_no, column: None };
            if !is_candidate(line) {
                continue;
            }
            let Some(caps) = LINE.captures(line) else {
                return Err(Error::input(
                    path,
                    place(),
                    format!(
                        "`{line}` looks like a benchmark.js result but is not one; expected \
                         `NAME x 1,234 ops/sec ±0.50% (90 runs sampled)`"
                    ),
                ));
            };
            let name = caps["name"].trim().to_string();
            let number = |s: &str, what: &str| {
                s.replace(',', "")
                    .parse::<f64>()
                    .map_err(|_| Error::input(path, place(), format!("`{s}` is not a number; expected the {what}")))
            };
            let hz = number(&caps["hz"], "operations per second")?;
            let rme = number(&caps["rme"], "relative margin of error")?;
            let runs: u64 = caps["runs"]
                .parse()
                .map_err(|_| Error::input(path, place(), format!("`{}` is not a run count", &caps["runs"])))?;
            if let Some(first) = seen.insert(name.clone(), line_no) {
                return Err(Error::input(
                    path,
                    place(),
                    format!("benchmark `{name}` was already read on line {first}; give the benchmarks distinct names"),
                ));
            }
            let (value, unit) = canonicalize(hz, "ops/sec");
            let mut metric = Metric::new(name, unit.clone(), Direction::for_unit(&unit))
                .at(Origin::Line(line_no))
                .with_stat(Stat::Value, value)
                .with_stat(Stat::Mean, value);
            metric.n = Some(runs);
            if runs >= 2 {
                let stddev = value * rme / 100.0 * (runs as f64).sqrt() / t_table(runs - 1);
                metric.stats.insert(Stat::Stddev, stddev);
            }
            metrics.push(metric);
        }
        if metrics.is_empty() {
            return Err(Error::input(
                path,
                Place::Whole,
                "no benchmark.js result line (`NAME x 1,234 ops/sec ±0.50% (90 runs sampled)`); did the suite run \
                 and print `String(event.target)` on `cycle`?",
            ));
        }
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, fixture, read_as};
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn a_real_suite_reads_rates_runs_and_a_spread() {
        assert_eq!(detected("benchmarkjs/many.txt"), "benchmarkjs");
        let metrics = read_as("benchmarkjs", "benchmarkjs/many.txt");
        assert_eq!(metrics.len(), 4);
        let fib = find(&metrics, "fib(10)");
        assert_eq!(fib.unit, "ops/s");
        assert_eq!(fib.direction, Direction::HigherIsBetter);
        assert_eq!(fib.stat(Stat::Value), Some(1_723_857.0));
        assert_eq!(fib.n, Some(12));
        // ±15.40 % over 12 runs, t(11) = 2.201.
        assert!(close(fib.stat(Stat::Stddev).unwrap(), 1_723_857.0 * 0.154 * 12f64.sqrt() / 2.201));
        // " x " inside the name: the name ends at the last " x " before the number.
        assert_eq!(find(&metrics, "String#indexOf x 2").stat(Stat::Value), Some(1_388_663_900.0));
        assert_eq!(find(&metrics, "fib(20)").stat(Stat::Value), Some(13_219.0));
    }

    #[test]
    fn a_benchmark_that_threw_is_not_read_and_fastest_is_skipped() {
        let metrics = read_as("benchmarkjs", "benchmarkjs/failed.txt");
        let names: Vec<_> = metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["fib(10)", "fib(20)", "RegExp#test", "String#indexOf x 2"]);
    }

    #[test]
    fn github_action_benchmark_corpus_values() {
        // expected-from-snapshot.json: fib(10) 1431759, fib(20) 12146, createObjectBuffer… 81.61 ops/sec,
        // "93/96/69 samples"; the decoy line is skipped.
        assert_eq!(detected("benchmarkjs/gab_benchmarkjs_output.txt"), "benchmarkjs");
        let metrics = read_as("benchmarkjs", "benchmarkjs/gab_benchmarkjs_output.txt");
        assert_eq!(metrics.len(), 3);
        for (name, value, runs) in [
            ("fib(10)", 1_431_759.0, 93),
            ("fib(20)", 12_146.0, 96),
            ("createObjectBuffer with 200 comments", 81.61, 69),
        ] {
            let m = find(&metrics, name);
            assert_eq!(m.stat(Stat::Value), Some(value), "{name}");
            assert_eq!(m.n, Some(runs), "{name}");
        }
    }

    #[test]
    fn bencher_corpus_values() {
        // expected-from-adapter.json, js_benchmark throughput values.
        let metrics = read_as("benchmarkjs", "benchmarkjs/bencher_four.txt");
        assert_eq!(metrics.len(), 4);
        assert_eq!(find(&metrics, "benchmark with x 2 many things").stat(Stat::Value), Some(50.0));
        assert_eq!(find(&metrics, "fib(10)").stat(Stat::Value), Some(1_431_759.0));

        assert_eq!(detected("benchmarkjs/bencher_issue_506.txt"), "benchmarkjs");
        let metrics = read_as("benchmarkjs", "benchmarkjs/bencher_issue_506.txt");
        let expected = [
            ("text encoder utf8", 28.33),
            ("text encoder utf16", 55.25),
            ("sha512 wasm from string utf8", 15.2),
            ("sha512 wasm from string utf16", 19.23),
            ("sha512 native from string utf8", 21.46),
            ("sha512 native from string utf16", 29.76),
        ];
        assert_eq!(metrics.len(), expected.len());
        for (name, value) in expected {
            assert_eq!(find(&metrics, name).stat(Stat::Value), Some(value), "{name}");
        }
    }

    #[test]
    fn crlf_and_a_single_run() {
        let text = "a x 5.00 ops/sec ±0.00% (1 run sampled)\r\nb x 1,000 ops/sec ±1.00% (10 runs sampled)\r\n";
        let metrics = BenchmarkJs.parse(Path::new("out.txt"), text).unwrap();
        assert_eq!(metrics[0].name, "a");
        assert_eq!(metrics[0].stat(Stat::Stddev), None);
        assert_eq!(metrics[1].stat(Stat::Value), Some(1000.0));
    }

    #[test]
    fn bad_input_names_the_line() {
        let err =
            BenchmarkJs.parse(Path::new("out.txt"), "ok x 1 ops/sec ±1% (2 runs sampled)\nbad x lots ops/sec ±1%\n");
        let msg = err.unwrap_err().to_string();
        assert!(msg.contains("out.txt: line 2:") && msg.contains("looks like a benchmark.js result"), "{msg}");

        let err = BenchmarkJs.parse(Path::new("out.txt"), "Running...\nDone!\n").unwrap_err().to_string();
        assert!(err.contains("no benchmark.js result line"), "{err}");

        let dup = "a x 1 ops/sec ±1% (2 runs sampled)\na x 2 ops/sec ±1% (2 runs sampled)\n";
        let err = BenchmarkJs.parse(Path::new("out.txt"), dup).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("already read on line 1"), "{err}");
    }

    #[test]
    fn detection_needs_a_whole_result_line() {
        assert!(!BenchmarkJs.detect(&fixture("x.txt"), "this x line should be ignored\n"));
        assert!(!BenchmarkJs.detect(&fixture("x.txt"), "{\"results\": []}"));
    }
}
