//! Dart's `benchmark_harness`: `BenchmarkBase.report()` prints one line per benchmark,
//! `Name(RunTime): 1.0 us.`, the mean time of one `run()` in microseconds.
//!
//! Format: benchmark_harness 2.2 `lib/src/score_emitter.dart` (`PrintEmitter.emit`:
//! `print('$testName(RunTime): $value us.')`),
//! https://github.com/dart-lang/benchmark_harness/blob/v2.2.2/lib/src/score_emitter.dart
//!
//! Other lines (the program's own prints) are not benchmark lines and are skipped.

use std::path::Path;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{Direction, Metric, Stat};
use crate::units::NS;

pub struct Dart;

impl Format for Dart {
    fn name(&self) -> &'static str {
        "dart"
    }

    fn describe(&self) -> &'static str {
        "Dart benchmark_harness: dart run benchmark/main.dart > bench.txt (lines `Name(RunTime): 1.0 us.`)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        text.lines().take(100).any(|l| line(l).is_some())
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let mut metrics: Vec<Metric> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let Some((name, value)) = line(raw) else {
                if raw.contains("(RunTime):") {
                    return Err(Error::input(
                        path,
                        Place::Line { line: i + 1, column: None },
                        "expected `Name(RunTime): <microseconds> us.`",
                    ));
                }
                continue;
            };
            if metrics.iter().any(|m| m.name == name) {
                return Err(Error::input(
                    path,
                    Place::Line { line: i + 1, column: None },
                    format!("benchmark `{name}` is reported twice; give each BenchmarkBase its own name"),
                ));
            }
            metrics.push(
                Metric::new(name, NS, Direction::LowerIsBetter)
                    .at(format!("line {}", i + 1))
                    .with_stat(Stat::Value, value * 1e3),
            );
        }
        if metrics.is_empty() {
            return Err(Error::input(path, Place::Whole, "has no `Name(RunTime): … us.` line"));
        }
        Ok(metrics)
    }
}

/// `Template(RunTime): 1.0 us.` → (`Template`, 1.0).
fn line(line: &str) -> Option<(&str, f64)> {
    let (name, rest) = line.trim().split_once("(RunTime): ")?;
    let value = rest.strip_suffix(" us.")?.trim().parse::<f64>().ok().filter(|v| v.is_finite())?;
    (!name.is_empty()).then_some((name, value))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use crate::model::Stat;

    #[test]
    fn microseconds_per_run_become_nanoseconds() {
        assert_eq!(detected("dart/bencher_two.txt"), "dart");
        let metrics = read_as("dart", "dart/bencher_two.txt");
        assert_eq!(metrics.len(), 2);
        assert_eq!(find(&metrics, "Template").stat(Stat::Value), Some(1000.0));
        assert_eq!(find(&metrics, "ForLoop").stat(Stat::Value), Some(2000.0));
        assert_eq!(find(&read_as("dart", "dart/bencher_one.txt"), "Template").unit, "ns");
    }

    #[test]
    fn a_garbled_line_is_an_error() {
        use super::{Dart, Format};
        let err = Dart.parse(std::path::Path::new("b.txt"), "x\nFib(RunTime): fast us.\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
