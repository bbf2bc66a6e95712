//! libtest bench text: what `cargo bench` prints for `#[bench]` functions, and the same line
//! shape that Criterion.rs writes with `cargo bench -- --output-format bencher`:
//! `test <name> ... bench: <value> <unit>/iter (+/- <deviation>)[ = <n> MB/s]`.
//!
//! Format: rust-lang/rust `library/test/src/formatters/pretty.rs` and `bench.rs`
//! (`fmt_bench_samples`) at 1.80.0, https://github.com/rust-lang/rust/blob/1.80.0/library/test/src/bench.rs;
//! Criterion.rs 0.5 `src/report.rs` (`BencherReport`). Values may carry thousands separators and,
//! since Rust 1.80, decimals (`13,967,756.30`); units other than `ns/iter` (`cycles/iter`, `MS/s`)
//! come from custom harnesses writing the same shape and are kept as written. The `+/-` figure is
//! libtest's max − min of the samples, not a standard deviation, so it is not read as one.
//! `= N MB/s` (`Bencher::bytes`) is the `throughput` measure in B/s.
//!
//! A `FAILED` benchmark has no result and is left out (it then reads as `missing` against a
//! baseline); a file whose benchmarks all failed is an error naming them. Only `test … ... bench:`
//! and `... FAILED` lines are read; everything else (`running N tests`, ignored unit tests,
//! cargo's `Running …` lines, panic messages, warnings) is libtest's or cargo's framing.

use std::path::Path;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::canonicalize;

pub struct Libtest;

/// One libtest result line that matters.
pub(super) enum TestLine {
    Bench { name: String, value: f64, unit: String, mb_per_s: Option<f64> },
    Failed { name: String },
}

/// Reads a `test NAME ... OUTCOME` line: `Ok(None)` for lines that are not bench or failure
/// lines, `Err` (a message) for a bench line that does not have the expected shape.
pub(super) fn test_line(line: &str) -> Result<Option<TestLine>, String> {
    let Some(rest) = line.trim_end_matches('\r').strip_prefix("test ") else { return Ok(None) };
    let Some((name, outcome)) = rest.split_once(" ... ") else { return Ok(None) };
    let name = name.trim().to_string();
    let outcome = outcome.trim();
    if outcome == "FAILED" {
        return Ok(Some(TestLine::Failed { name }));
    }
    let Some(figures) = outcome.strip_prefix("bench:") else { return Ok(None) };
    let expected = || format!("expected `bench: <value> <unit> (+/- <deviation>)`, found `bench:{figures}`");
    let mut tokens = figures.split_whitespace();
    let value = tokens.next().and_then(|v| v.replace(',', "").parse::<f64>().ok()).ok_or_else(expected)?;
    let unit = tokens.next().filter(|u| u.contains('/')).ok_or_else(expected)?.to_string();
    let rest: Vec<&str> = tokens.collect();
    let mb_per_s = match rest.as_slice() {
        ["(+/-", _] => None,
        ["(+/-", _, "=", mbs, "MB/s"] => Some(mbs.replace(',', "").parse::<f64>().map_err(|_| expected())?),
        _ => return Err(expected()),
    };
    if name.is_empty() {
        return Err("the benchmark has no name".into());
    }
    Ok(Some(TestLine::Bench { name, value, unit, mb_per_s }))
}

/// The metrics of a bench line: the time, and the throughput when libtest printed one.
pub(super) fn bench_metrics(number: usize, name: String, value: f64, unit: &str, mb_per_s: Option<f64>) -> Vec<Metric> {
    let (value, unit) = canonicalize(value, unit);
    let origin = format!("line {number}");
    let direction = Direction::for_unit(&unit);
    let mut metrics = vec![Metric::new(name.clone(), unit, direction).at(origin.clone()).with_stat(Stat::Value, value)];
    if let Some(mbs) = mb_per_s {
        metrics.push(
            Metric::new(name, "B/s", Direction::HigherIsBetter)
                .measure(measures::THROUGHPUT)
                .at(origin)
                .with_stat(Stat::Value, mbs * 1e6),
        );
    }
    metrics
}

/// Lines of libtest's and cargo's framing, which a run without benchmarks consists of.
fn framing(line: &str) -> bool {
    let t = line.trim();
    t.is_empty()
        || line.starts_with(char::is_whitespace)
        || ["running ", "test ", "failures:", "---- ", "thread '", "note: ", "error: bench failed", "warning: "]
            .iter()
            .any(|p| t.starts_with(p))
        || ["Compiling ", "Finished ", "Running ", "Executable ", "Downloaded ", "Downloading "]
            .iter()
            .any(|p| t.starts_with(p))
}

impl Format for Libtest {
    fn name(&self) -> &'static str {
        "libtest"
    }

    fn describe(&self) -> &'static str {
        "cargo bench text of #[bench] (libtest), or Criterion.rs with: cargo bench -- --output-format bencher > FILE"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let bench_line = |l: &str| l.starts_with("test ") && l.contains(" ... bench:");
        let head = super::head(text, 65536);
        head.lines().any(bench_line)
            || (head.lines().all(framing)
                && head.lines().any(|l| l.starts_with("running "))
                && head.lines().any(|l| l.starts_with("test result: ")))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let mut metrics = Vec::new();
        let mut failed = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let number = i + 1;
            let parsed = test_line(line)
                .map_err(|message| Error::input(path, Place::Line { line: number, column: None }, message))?;
            match parsed {
                Some(TestLine::Bench { name, value, unit, mb_per_s }) => {
                    metrics.extend(bench_metrics(number, name, value, &unit, mb_per_s))
                }
                Some(TestLine::Failed { name }) => failed.push(format!("`{name}` (line {number})")),
                None => {}
            }
        }
        if metrics.is_empty() {
            return Err(super::no_results(
                path,
                &failed,
                "holds no `test NAME ... bench:` line: no benchmark ran (`running 0 tests`, or only \
                 #[test]s, which cargo bench ignores)",
            ));
        }
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, fixture, read_as};
    use super::*;

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() <= expected.abs() * 1e-9)
    }

    fn parse_fixture(relative: &str) -> Result<Vec<Metric>> {
        let path = fixture(relative);
        Libtest.parse(&path, &std::fs::read_to_string(&path).unwrap())
    }

    #[test]
    fn nightly_libtest_with_decimals_and_mb_per_s() {
        assert_eq!(detected("libtest/many.txt"), "libtest");
        let metrics = read_as("libtest", "libtest/many.txt");
        assert_eq!(metrics.len(), 4);
        assert!(close(find(&metrics, "fib_20").stat(Stat::Value), 16424.83));
        let copy = find(&metrics, "copy_4k [throughput]");
        assert_eq!((copy.unit.as_str(), copy.direction), ("B/s", Direction::HigherIsBetter));
        assert!(close(copy.stat(Stat::Value), 91022e6));
        assert_eq!(find(&metrics, "copy_4k").unit, "ns");
        // With cargo's stderr merged in and the lib's ignored #[test] first.
        assert_eq!(detected("libtest/with_stderr.txt"), "libtest");
        assert_eq!(read_as("libtest", "libtest/with_stderr.txt").len(), 4);
    }

    #[test]
    fn upstream_files_with_the_corpora_expected_values() {
        let expect = [
            ("libtest/cargo_output.txt", "bench_fib_20", 18149.0, "ns"),
            ("libtest/cargo_output2.txt", "bench_engine_new", 211834.0, "ns"),
            ("libtest/cargo_output3.txt", "bench_fib_10", 148.7, "ns"),
            ("libtest/cargo_output_units.txt", "cmov", 2835.0, "cycles/iter"),
            ("libtest/cargo_output_units.txt", "download", 9001.0, "MS/s"),
            ("libtest/criterion_output.txt", "Fibonacci (Execution)", 1672496.0, "ns"),
            ("libtest/bencher_many.txt", "tests::three_digit", 333e9, "ns"),
            ("libtest/bencher_many.txt", "tests::one_digit", 1000.0, "ns"),
            ("libtest/bencher_issue_390.txt", "bleu::benchmark::bench_batch_bleu", 13967756.3, "ns"),
            ("libtest/bencher_multi_target.txt", "tests::other_benchmark", 3161.0, "ns"),
        ];
        for (file, name, value, unit) in expect {
            assert_eq!(detected(file), "libtest", "{file}");
            let metrics = read_as("libtest", file);
            let metric = find(&metrics, name);
            assert!(close(metric.stat(Stat::Value), value) && metric.unit == unit, "{file} {name}: {metric:?}");
        }
        assert_eq!(read_as("libtest", "libtest/bencher_many.txt").len(), 6);
        // Criterion.rs 0.8.2 `--output-format bencher`, with and without cargo's stderr.
        for file in ["libtest/criterion_bencher.txt", "libtest/criterion_bencher_stdout.txt"] {
            assert_eq!(detected(file), "libtest");
            let metrics = read_as("libtest", file);
            assert_eq!(metrics.len(), 4, "{file}");
            assert_eq!(find(&metrics, "parse/ten ints").unit, "ns");
        }
        assert!(close(find(&read_as("libtest", "libtest/criterion_bencher.txt"), "fib 15").stat(Stat::Value), 1752.0));
        assert_eq!(
            find(&read_as("libtest", "libtest/cargo_output_units.txt"), "upload").direction,
            Direction::HigherIsBetter
        );
    }

    #[test]
    fn failed_benches_are_left_out_and_empty_runs_are_errors() {
        for (file, failed, kept) in [
            ("libtest/failed.txt", "panics", "works"),
            ("libtest/bencher_failed.txt", "tests::benchmark_b", "tests::benchmark_c"),
        ] {
            assert_eq!(detected(file), "libtest");
            let metrics = read_as("libtest", file);
            find(&metrics, kept);
            assert!(metrics.iter().all(|m| m.name != failed), "{file}");
        }
        assert_eq!(read_as("libtest", "libtest/bencher_failed.txt").len(), 2);
        for file in ["libtest/zero.txt", "libtest/bencher_zero.txt"] {
            assert_eq!(detected(file), "libtest");
            assert!(parse_fixture(file).unwrap_err().to_string().contains("no benchmark ran"));
        }
        let err = Libtest.parse(Path::new("b.txt"), "running 1 test\ntest a ... FAILED\n").unwrap_err().to_string();
        assert!(err.contains("every benchmark in the file failed: `a` (line 2)"), "{err}");
        let err = Libtest.parse(Path::new("b.txt"), "test a ... bench: fast ns/iter (+/- 1)\n").unwrap_err();
        assert!(err.to_string().contains("line 1") && err.to_string().contains("expected `bench:"), "{err}");
    }

    #[test]
    fn crlf_lines() {
        let metrics = Libtest.parse(Path::new("b.txt"), "test a ... bench:  1,234 ns/iter (+/- 5)\r\n").unwrap();
        assert_eq!(metrics[0].stat(Stat::Value), Some(1234.0));
    }
}
