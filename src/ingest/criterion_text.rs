//! Criterion.rs console output: what `cargo bench` prints for criterion benchmarks
//! (`<id>  time:   [<lo> <estimate> <hi>]`, then `thrpt:` with a throughput set).
//!
//! Format: criterion.rs 0.8.2 `src/report.rs` (`CliReport::measurement_complete`) and
//! `src/format.rs`, `src/measurement.rs` (`WallTime` throughput units),
//! https://github.com/bheisler/criterion.rs/blob/0.8.2/src/report.rs (same lines since 0.3).
//!
//! The estimate between the confidence bounds is the headline (criterion's "typical" estimate:
//! the slope when it sampled linearly, else the mean); `thrpt:` is the `throughput` measure (bytes
//! → B/s, `elem/s` and `bit/s` with their K/M/G prefixes resolved). An id longer than 23 bytes is
//! printed on its own line before an indented `time:`. The `change:` block compares with
//! criterion's saved baseline in percent and is not read. `cargo bench` output mixes in libtest
//! text; `test … ... bench:` lines are read as the libtest format does (a `FAILED` one is left
//! out). A panicking benchmark prints no `time:` line (`thread … panicked`, `error: bench failed`;
//! cargo stops at that bench target): what ran before it is read, the rest reads as `missing`
//! against a baseline. Prefer the JSON files (`target/criterion/**/new/estimates.json`, format
//! `criterion`): they have the samples.

use std::path::Path;

use super::libtest::{bench_metrics, test_line, TestLine};
use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{measures, Direction, Metric, Origin, Stat};
use crate::units::{canonicalize, dimension, Dimension};

pub struct CriterionText;

/// `(label, [lo, estimate, hi] as (value, unit) pairs)` of a `time:` / `thrpt:` line, with the
/// text before the label; `None` when the line is neither.
fn estimate_line<'a>(line: &'a str, label: &str) -> Option<(&'a str, Vec<(&'a str, &'a str)>)> {
    let at = line.find(label)?;
    let (before, after) = (&line[..at], line[at + label.len()..].trim_start());
    let inner = after.strip_prefix('[')?.split(']').next()?;
    let tokens: Vec<&str> = inner.split_whitespace().collect();
    Some((before, tokens.chunks(2).map(|c| (c[0], c.get(1).copied().unwrap_or(""))).collect()))
}

/// Criterion prints colours on a terminal; a captured log may keep the escapes.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A throughput figure in a canonical rate unit.
fn throughput(value: f64, unit: &str) -> Option<(f64, String)> {
    let prefixed = |thing: &str, base: &str| -> Option<f64> {
        let prefix = thing.strip_suffix(base)?;
        Some(match prefix.trim() {
            "" => 1.0,
            "K" => 1e3,
            "M" => 1e6,
            "G" => 1e9,
            _ => return None,
        })
    };
    let thing = unit.strip_suffix("/s")?;
    if let Some(f) = prefixed(thing, "elem") {
        return Some((value * f, "elem/s".into()));
    }
    if let Some(f) = prefixed(thing, "b") {
        return Some((value * f, "bit/s".into()));
    }
    let (v, u) = canonicalize(value, unit);
    (u == "B/s").then_some((v, u))
}

impl Format for CriterionText {
    fn name(&self) -> &'static str {
        "criterion-text"
    }

    fn describe(&self) -> &'static str {
        "Criterion.rs console text: cargo bench > FILE (prefer criterion's estimates.json, which has samples)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        super::head(text, 65536).lines().filter(|l| l.contains("time:")).any(|l| {
            estimate_line(&strip_ansi(l), "time:")
                .is_some_and(|(_, v)| v.len() == 3 && v.iter().all(|(n, _)| n.parse::<f64>().is_ok()))
        })
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let at_line = |line: usize, message: String| Error::input(path, Place::Line { line, column: None }, message);
        let mut metrics: Vec<Metric> = Vec::new();
        let mut failed = Vec::new();
        let mut previous = String::new();
        // The benchmark the last `time:` line belonged to, for its `thrpt:` line.
        let mut current: Option<(String, usize)> = None;
        for (i, raw) in text.lines().enumerate() {
            let number = i + 1;
            let line = strip_ansi(raw.trim_end_matches('\r'));
            let line = line.trim_end();
            if line.starts_with("thread '") && line.contains("panicked") {
                failed.push(format!("a panic (line {number})"));
            }
            if let Some(parsed) = test_line(line).map_err(|m| at_line(number, m))? {
                match parsed {
                    TestLine::Bench { name, value, unit, mb_per_s } => {
                        metrics.extend(bench_metrics(number, name, value, &unit, mb_per_s))
                    }
                    TestLine::Failed { name } => failed.push(format!("`{name}` (line {number})")),
                }
            } else if let Some((before, values)) = estimate_line(line, "time:") {
                // The `change:` block's percentages compare with criterion's own baseline.
                if values.iter().any(|(n, u)| n.ends_with('%') || u.ends_with('%')) {
                    current = None;
                } else {
                    let name = if before.trim().is_empty() { previous.trim() } else { before.trim() };
                    if name.is_empty() || (before.trim().is_empty() && previous.starts_with(char::is_whitespace)) {
                        return Err(at_line(number, "a `time:` line without a benchmark id before it".into()));
                    }
                    let expected = || {
                        at_line(
                            number,
                            format!("`{line}`: expected `time:   [<lo> <unit> <estimate> <unit> <hi> <unit>]`"),
                        )
                    };
                    let (value, unit) = values.get(1).filter(|_| values.len() == 3).ok_or_else(expected)?;
                    let value: f64 = value.parse().map_err(|_| expected())?;
                    let (value, unit) = canonicalize(value, unit);
                    if dimension(&unit) != Dimension::Duration {
                        return Err(expected());
                    }
                    metrics.push(
                        Metric::new(name, unit, Direction::LowerIsBetter)
                            .at(Origin::Line(number))
                            .with_stat(Stat::Value, value),
                    );
                    current = Some((name.to_string(), number));
                }
            } else if let Some((_, values)) = estimate_line(line, "thrpt:") {
                if let Some((name, _)) = current.as_ref().filter(|_| !values.iter().any(|(n, _)| n.ends_with('%'))) {
                    let expected = || {
                        at_line(
                            number,
                            format!("`{line}`: expected `thrpt:  [<lo> <unit> <estimate> <unit> <hi> <unit>]`"),
                        )
                    };
                    let (value, unit) = values.get(1).filter(|_| values.len() == 3).ok_or_else(expected)?;
                    let value: f64 = value.parse().map_err(|_| expected())?;
                    let (value, unit) = throughput(value, unit).ok_or_else(expected)?;
                    metrics.push(
                        Metric::new(name.clone(), unit, Direction::HigherIsBetter)
                            .measure(measures::THROUGHPUT)
                            .at(Origin::Line(number))
                            .with_stat(Stat::Value, value),
                    );
                }
                current = None;
            }
            if !line.trim().is_empty() {
                previous = line.to_string();
            }
        }
        if metrics.is_empty() {
            return Err(super::no_results(path, &failed, "holds no criterion `time:` line: no benchmark ran"));
        }
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use super::*;

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() <= expected.abs() * 1e-9)
    }

    #[test]
    fn console_with_throughput_and_change_blocks() {
        for file in ["first.txt", "second.txt"] {
            assert_eq!(detected(&format!("criterion-text/{file}")), "criterion-text");
        }
        let first = read_as("criterion-text", "criterion-text/first.txt");
        assert_eq!(first.len(), 7);
        assert!(close(find(&first, "fib 15").stat(Stat::Value), 2091.8));
        let bytes = find(&first, "copy/65536 [throughput]");
        assert_eq!((bytes.unit.as_str(), bytes.direction), ("B/s", Direction::HigherIsBetter));
        assert!(close(bytes.stat(Stat::Value), 56.995 * 1024.0 * 1024.0 * 1024.0));
        let elems = find(&first, "parse/ten ints [throughput]");
        assert_eq!(elems.unit, "elem/s");
        assert!(close(elems.stat(Stat::Value), 264.59e6));
        // The change block's own `time:` and `thrpt:` lines (percentages) are not benchmarks.
        let second = read_as("criterion-text", "criterion-text/second.txt");
        assert_eq!(second.len(), 7);
        assert!(close(find(&second, "copy/1024").stat(Stat::Value), 8.9140));
        assert!(close(find(&second, "copy/1024 [throughput]").stat(Stat::Value), 106.99 * 1024.0 * 1024.0 * 1024.0));
    }

    #[test]
    fn upstream_files_with_bencher_expected_values() {
        let many = read_as("criterion-text", "criterion-text/bencher_many.txt");
        assert_eq!(many.len(), 5);
        assert!(close(find(&many, "file").stat(Stat::Value), 0.3239), "ps → ns");
        assert!(close(find(&many, "tracing_file").stat(Stat::Value), 18019.0));
        assert!(close(find(&many, "benchmark: name with spaces").stat(Stat::Value), 20.93));
        let dogfood = read_as("criterion-text", "criterion-text/bencher_dogfood.txt");
        assert_eq!(dogfood.len(), 4);
        assert!(close(find(&dogfood, "Adapter::Magic (JSON)").stat(Stat::Value), 3463.2));
        assert!(close(find(&dogfood, "Adapter::Json").stat(Stat::Value), 3479.6));
        for file in ["bencher_many.txt", "bencher_dogfood.txt", "bencher_failed.txt"] {
            assert_eq!(detected(&format!("criterion-text/{file}")), "criterion-text", "{file}");
        }
    }

    #[test]
    fn what_ran_before_a_panic_is_read() {
        let metrics = read_as("criterion-text", "criterion-text/bencher_failed.txt");
        assert_eq!(metrics.len(), 4);
        assert!(close(find(&metrics, "tracing_rolling_file").stat(Stat::Value), 27365.0));
        let err = CriterionText
            .parse(Path::new("c.txt"), "Benchmarking x\nthread 'main' panicked at src/x.rs:1:1:\n")
            .unwrap_err();
        assert!(err.to_string().contains("every benchmark in the file failed: a panic (line 2)"), "{err}");
        let err = CriterionText.parse(Path::new("c.txt"), "                        time:   [1 ns 2 ns 3 ns]\n");
        assert!(err.unwrap_err().to_string().contains("without a benchmark id"));
        let err = CriterionText.parse(Path::new("c.txt"), "x   time:   [1 ns 2 parsecs 3 ns]\n").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn colours_and_crlf() {
        let text = "\u{1b}[32mfib\u{1b}[0m     time:   [\u{1b}[2m1.0 ns\u{1b}[0m \u{1b}[1m2.0 ns\u{1b}[0m 3.0 ns]\r\n";
        let metrics = CriterionText.parse(Path::new("c.txt"), text).unwrap();
        assert_eq!((metrics[0].name.as_str(), metrics[0].stat(Stat::Value)), ("fib", Some(2.0)));
    }
}
