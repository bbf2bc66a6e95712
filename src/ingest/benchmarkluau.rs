//! Luau's benchmark runner (`bench/bench.py` in the Luau repository): one `SUCCESS:` line per
//! benchmark and driver, `SUCCESS: base64   :   15.041ms +/-  0.636% on luau`, then a table.
//!
//! Format: luau-lang/luau `bench/bench.py` (`print("SUCCESS: …")` after each test), as read by
//! github-action-benchmark v1.22.0 `src/extract.ts` (`extractLuauBenchmarkResult`),
//! https://github.com/benchmark-action/github-action-benchmark/blob/v1.22.0/src/extract.ts
//!
//! Headline: the average time (ms → ns); the `+/- n%` relative standard deviation becomes
//! `stddev`. The same test on several drivers gets the driver in the name: `base64 (luau-jit)`.

use std::path::Path;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{Direction, Metric, Stat};
use crate::units::canonicalize;

pub struct BenchmarkLuau;

struct Line<'a> {
    name: &'a str,
    value: f64,
    unit: &'a str,
    percent: f64,
    driver: &'a str,
}

impl Format for BenchmarkLuau {
    fn name(&self) -> &'static str {
        "benchmarkluau"
    }

    fn describe(&self) -> &'static str {
        "Luau bench.py: python bench/bench.py > bench.txt (SUCCESS: lines)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        text.lines().take(100).any(|l| l.starts_with("SUCCESS: ") && parse_line(l).is_some())
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let lines: Vec<(usize, Line)> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with("SUCCESS"))
            .map(|(i, l)| {
                parse_line(l.trim_end_matches('\r')).map(|p| (i + 1, p)).ok_or_else(|| {
                    Error::input(
                        path,
                        Place::Line { line: i + 1, column: None },
                        "expected `SUCCESS: <name> : <time><unit> +/- <n>% on <driver>`",
                    )
                })
            })
            .collect::<Result<_>>()?;
        if lines.is_empty() {
            return Err(Error::input(path, Place::Whole, "has no `SUCCESS:` line: no benchmark passed"));
        }
        let mut metrics = Vec::new();
        for (number, l) in &lines {
            let drivers = lines.iter().filter(|(_, o)| o.name == l.name).count();
            let name = if drivers > 1 { format!("{} ({})", l.name, l.driver) } else { l.name.to_string() };
            let (value, unit) = canonicalize(l.value, l.unit);
            if unit != crate::units::NS {
                return Err(Error::input(
                    path,
                    Place::Line { line: *number, column: None },
                    format!("`{}` is not a time unit", l.unit),
                ));
            }
            metrics.push(
                Metric::new(name, unit, Direction::LowerIsBetter)
                    .at(format!("line {number}"))
                    .with_stat(Stat::Value, value)
                    .with_stat(Stat::Mean, value)
                    .with_stat(Stat::Stddev, value * l.percent / 100.0),
            );
        }
        Ok(metrics)
    }
}

fn parse_line(line: &str) -> Option<Line<'_>> {
    let rest = line.strip_prefix("SUCCESS:")?;
    let (name, rest) = rest.split_once(" : ")?;
    let mut words = rest.split_whitespace();
    let time = words.next()?;
    let split = time.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (value, unit) = time.split_at(split);
    let (plus_minus, percent, on, driver) = (words.next()?, words.next()?, words.next()?, words.next()?);
    if plus_minus != "+/-" || on != "on" {
        return None;
    }
    Some(Line {
        name: name.trim(),
        value: value.parse().ok()?,
        unit,
        percent: percent.strip_suffix('%')?.parse().ok()?,
        driver,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use crate::model::Stat;

    #[test]
    fn success_lines_in_milliseconds() {
        assert_eq!(detected("benchmarkluau/benchmarkluau_output.txt"), "benchmarkluau");
        let metrics = read_as("benchmarkluau", "benchmarkluau/benchmarkluau_output.txt");
        assert_eq!(metrics.len(), 3);
        let b = find(&metrics, "base64");
        assert_eq!((b.unit.as_str(), b.stat(Stat::Value)), ("ns", Some(15_041_000.0)));
        assert!((b.stat(Stat::Stddev).unwrap() - 15_041_000.0 * 0.00636).abs() < 1e-6);
        assert_eq!(find(&metrics, "life").stat(Stat::Value), Some(85_089_000.0));
    }

    #[test]
    fn drivers_keep_names_apart_and_bad_lines_say_where() {
        use super::{BenchmarkLuau, Format};
        let p = std::path::Path::new("bench.txt");
        let two = "SUCCESS: a : 1.0ms +/- 1% on luau\nSUCCESS: a : 2.0ms +/- 1% on luau-jit\n";
        let metrics = BenchmarkLuau.parse(p, two).unwrap();
        assert_eq!(metrics[1].name, "a (luau-jit)");
        let err = BenchmarkLuau.parse(p, "SUCCESS: a : fast\n").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
