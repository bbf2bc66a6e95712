//! Ruby's `benchmark` standard library: the report `Benchmark.bm`, `Benchmark.bmbm` and
//! `Benchmark.benchmark` print, a caption and one row per `x.report("label")`:
//!
//! ```text
//!               user     system      total        real
//! for:      0.015618   0.001931   0.017549 (  0.029707)
//! ```
//!
//! Format: Ruby 3.1 `lib/benchmark.rb` (`CAPTION`, `FORMAT = "%10.6u %10.6y %10.6t %10.6r\n"`),
//! https://github.com/ruby/benchmark/blob/v0.2.0/lib/benchmark.rb
//!
//! Headline: `real` (wall seconds → ns), the figure in parentheses; measure `cpu-time` = `total`
//! (user + system). `bmbm`'s rehearsal section is skipped: only the second, real run counts.
//! Rows the caller adds (`>total:`, `>avg:`) are kept under their label.

use std::path::Path;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::NS;

pub struct Ruby;

impl Format for Ruby {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn describe(&self) -> &'static str {
        "Ruby benchmark stdlib: ruby bench.rb > bench.txt (Benchmark.bm / bmbm report)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        text.lines().take(50).any(is_caption) && text.lines().take(200).any(|l| row(l).is_some())
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let mut metrics = Vec::new();
        let mut in_rehearsal = false;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            let place = Place::Line { line: i + 1, column: None };
            if line.starts_with("Rehearsal -") {
                in_rehearsal = true;
                continue;
            }
            if in_rehearsal {
                in_rehearsal = !(line.starts_with('-') && line.contains("total:"));
                continue;
            }
            let Some((label, [_user, _system, total, real])) = row(line) else { continue };
            if label.is_empty() {
                return Err(Error::input(
                    path,
                    place,
                    "this row has no label; give each report one (x.report(\"name\") { … }) so it can be budgeted",
                ));
            }
            if metrics.iter().any(|m: &Metric| m.name == label) {
                return Err(Error::input(
                    path,
                    place,
                    format!("label `{label}` is used twice; labels name the benchmarks"),
                ));
            }
            let origin = format!("line {}", i + 1);
            metrics
                .push(Metric::new(label, NS, Direction::LowerIsBetter).at(&origin).with_stat(Stat::Value, real * 1e9));
            metrics.push(
                Metric::new(label, NS, Direction::LowerIsBetter)
                    .measure(measures::CPU_TIME)
                    .at(&origin)
                    .with_stat(Stat::Value, total * 1e9),
            );
        }
        if metrics.is_empty() {
            return Err(Error::input(path, Place::Whole, "has a Benchmark caption but no report rows"));
        }
        Ok(metrics)
    }
}

/// The caption `user     system      total        real`, however wide.
fn is_caption(line: &str) -> bool {
    line.split_whitespace().eq(["user", "system", "total", "real"])
}

/// `label  0.95  0.00  0.95 (  0.952039)` → label and user, system, total, real seconds.
fn row(line: &str) -> Option<(&str, [f64; 4])> {
    let inner = line.trim_end().strip_suffix(')')?;
    let (before, real) = inner.rsplit_once('(')?;
    let real: f64 = real.trim().parse().ok()?;
    // Peel user, system and total off the right; what is left is the label.
    let mut rest = before.trim_end();
    let mut columns = [0.0; 3];
    for column in columns.iter_mut().rev() {
        let (head, last) = rest.rsplit_once(char::is_whitespace).unwrap_or(("", rest));
        *column = last.parse().ok()?;
        rest = head.trim_end();
    }
    let [user, system, total] = columns;
    Some((rest.trim(), [user, system, total, real]))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use super::row;
    use crate::model::Stat;

    #[test]
    fn real_seconds_are_the_headline_cpu_total_a_measure() {
        assert_eq!(detected("ruby/bm_labels.txt"), "ruby");
        let metrics = read_as("ruby", "ruby/bm_labels.txt");
        assert_eq!(metrics.len(), 3 * 2);
        let f = find(&metrics, "for:");
        assert_eq!(f.unit, "ns");
        assert!((f.stat(Stat::Value).unwrap() - 29_707_000.0).abs() < 1e-3);
        assert!((find(&metrics, "for: [cpu-time]").stat(Stat::Value).unwrap() - 17_549_000.0).abs() < 1e-3);
    }

    #[test]
    fn bmbm_rehearsal_is_skipped_and_total_rows_kept() {
        let metrics = read_as("ruby", "ruby/bmbm.txt");
        assert_eq!(metrics.len(), 2 * 2);
        assert!((find(&metrics, "sort!").stat(Stat::Value).unwrap() - 73_032_000.0).abs() < 1e-3);
        let metrics = read_as("ruby", "ruby/bm_total_avg.txt");
        assert!((find(&metrics, ">avg:").stat(Stat::Value).unwrap() - 22_553_000.0).abs() < 1e-3);
        let metrics = read_as("ruby", "ruby/bencher_two.txt");
        assert!((find(&metrics, "sort").stat(Stat::Value).unwrap() - 1_448_327_000.0).abs() < 1e-3);
    }

    #[test]
    fn unlabeled_rows_cannot_be_named() {
        use super::super::{read_file, test_support::fixture};
        let err = read_file(&fixture("ruby/unlabeled.txt"), None).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("no label"), "{err}");
        assert_eq!(row("x   0.1   0.2   0.3 (  0.4)").unwrap(), ("x", [0.1, 0.2, 0.3, 0.4]));
        assert!(row("Rehearsal ---------").is_none());
    }
}
