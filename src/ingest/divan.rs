//! Divan: the tree `cargo bench` prints for `#[divan::bench]` benchmarks.
//!
//! ```text
//! fib                 fastest       │ slowest       │ median        │ mean          │ samples │ iters
//! ├─ fib                            │               │               │               │         │
//! │  ╰─ 10            172.4 ns      │ 612.5 ns      │ 186.2 ns      │ 191.3 ns      │ 100     │ 1600
//! ╰─ strings                        │               │               │               │         │
//!    ╰─ to_uppercase  62.4 ns       │ 366 ns        │ 73.04 ns      │ 77.06 ns      │ 100     │ 3200
//!                     12.41 GiB/s   │ 2.117 GiB/s   │ 10.6 GiB/s    │ 10.05 GiB/s   │         │
//!                     alloc:        │               │               │               │         │
//!                       1           │ 1             │ 1             │ 1             │         │
//!                       832 B       │ 832 B         │ 832 B         │ 832 B         │         │
//! ```
//!
//! Format: divan 0.1.21 `src/tree_painter.rs` (`TreePainter`: columns, `├─ `/`╰─ ` branches,
//! counter and allocation rows under a benchmark), https://github.com/nvzqz/divan/blob/v0.1.21/src/tree_painter.rs
//!
//! - Columns are found from the header's `│` positions (in characters: names and `µs` are
//!   not ASCII). Names are the tree path below the bench target, joined with `/`
//!   (`fib/10`, `strings/to_uppercase`).
//! - Headline: `fastest`, the first figure divan prints; `slowest`, `median`, `mean`,
//!   `samples`, `iters` as min, max, median, mean, n, iterations.
//! - A counter row (`12.41 GiB/s`, `1.2 Mitem/s`) is the `throughput` measure (its first
//!   column, the throughput at the fastest sample). Allocation rows (`AllocProfiler`) are
//!   per iteration: `alloc:` → `allocations` and `allocated` (bytes); `max alloc:`,
//!   `dealloc:`, `grow:`, `shrink:` → `<kind>-count` and `<kind>-bytes`.

use std::path::Path;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{measures, Direction, Metric, Origin, Stat};
use crate::units::{canonicalize, duration_factor, size_factor, BYTES, NS};

pub struct Divan;

impl Format for Divan {
    fn name(&self) -> &'static str {
        "divan"
    }

    fn describe(&self) -> &'static str {
        "divan: cargo bench --bench NAME > divan.txt (the tree divan prints)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        text.lines().take(50).any(|l| header_columns(l).is_some())
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let mut metrics: Vec<Metric> = Vec::new();
        let mut columns: Option<Vec<usize>> = None;
        let mut path_stack: Vec<String> = Vec::new();
        // The benchmark the counter and allocation rows below belong to, and a pending
        // allocation kind waiting for its count and bytes rows.
        let mut leaf: Option<String> = None;
        let mut alloc: Option<(String, u8)> = None;
        for (i, raw) in text.lines().enumerate() {
            let line = super::gungraun::strip_ansi(raw.trim_end_matches('\r'));
            let place = || Place::Line { line: i + 1, column: None };
            if let Some(cols) = header_columns(&line) {
                columns = Some(cols);
                path_stack.clear();
                leaf = None;
                continue;
            }
            let Some(cols) = &columns else { continue };
            if line.trim().is_empty() {
                continue;
            }
            let chars: Vec<char> = line.chars().collect();
            // 0: the tree and name, 1: fastest, 2: slowest, 3: median, 4: mean, 5: samples, 6: iters.
            let cell = |k: usize| -> String {
                let start = match k {
                    0 => 0,
                    1 => cols[0],
                    _ => cols[k - 1] + 1,
                };
                let end = cols.get(k).copied().unwrap_or(chars.len()).min(chars.len());
                chars[start.min(end)..end].iter().collect::<String>().trim().to_string()
            };
            let name_area: String = chars[..cols[0].min(chars.len())].iter().collect();
            if let (Some(depth), name) = tree_prefix(&name_area) {
                // A tree row: a group (no figures) or a benchmark.
                path_stack.truncate(depth);
                path_stack.push(name.trim().to_string());
                alloc = None;
                let fastest = cell(1);
                if fastest.is_empty() {
                    leaf = None;
                    continue;
                }
                let full = path_stack.join("/");
                let time = |s: &str| -> Result<f64> {
                    parse_time(s)
                        .ok_or_else(|| Error::input(path, place(), format!("`{s}` is not a time such as `12.5 ns`")))
                };
                let count = |s: &str| -> Result<u64> {
                    s.parse()
                        .map_err(|_| Error::input(path, place(), format!("`{s}` is not a sample or iteration count")))
                };
                let value = time(&fastest)?;
                let mut m = Metric::new(&full, NS, Direction::LowerIsBetter)
                    .at(Origin::Line(i + 1))
                    .with_stat(Stat::Value, value)
                    .with_stat(Stat::Min, value)
                    .with_stat(Stat::Max, time(&cell(2))?)
                    .with_stat(Stat::Median, time(&cell(3))?)
                    .with_stat(Stat::Mean, time(&cell(4))?);
                m.n = Some(count(&cell(5))?);
                m.iterations = Some(count(&cell(6))?);
                if metrics.iter().any(|o| o.name == full && o.measure.is_none()) {
                    return Err(Error::input(
                        path,
                        place(),
                        format!("benchmark `{full}` appears twice; run one bench target per file"),
                    ));
                }
                metrics.push(m);
                leaf = Some(full);
                continue;
            }
            // A row under a benchmark: counter, allocation kind, or its count / bytes.
            let Some(name) = &leaf else { continue };
            let figures: Vec<String> = [cell(1), cell(2), cell(3), cell(4)].into();
            let figure = figures[0].clone();
            if let Some(kind) = figure.strip_suffix(':') {
                alloc = Some((kind.to_string(), 0));
                continue;
            }
            let at = format!("line {}", i + 1);
            let bad = |s: &str| Error::input(path, place(), format!("`{s}` is not a number divan prints here"));
            if let Some((kind, row)) = &mut alloc {
                let (measure, unit) = match (kind.as_str(), *row) {
                    ("alloc", 0) => (measures::ALLOCATIONS.to_string(), ""),
                    ("alloc", _) => (measures::ALLOCATED.to_string(), BYTES),
                    (k, 0) => (format!("{}-count", k.replace(' ', "-")), ""),
                    (k, _) => (format!("{}-bytes", k.replace(' ', "-")), BYTES),
                };
                let parse = |s: &str| -> Result<f64> {
                    if unit == BYTES {
                        parse_size(s).ok_or_else(|| bad(s))
                    } else {
                        parse_count(s).ok_or_else(|| bad(s))
                    }
                };
                let m = Metric::new(name, unit, Direction::LowerIsBetter)
                    .measure(measure)
                    .at(at)
                    .with_stat(Stat::Value, parse(&figures[0])?)
                    .with_stat(Stat::Max, parse(&figures[1])?)
                    .with_stat(Stat::Median, parse(&figures[2])?)
                    .with_stat(Stat::Mean, parse(&figures[3])?);
                metrics.push(m);
                *row += 1;
                if *row == 2 {
                    alloc = None;
                }
                continue;
            }
            // A counter: throughput at the fastest, slowest, median and mean sample.
            let rate = |s: &str| {
                parse_rate(s)
                    .ok_or_else(|| Error::input(path, place(), format!("`{s}` is not a rate such as `1.2 GB/s`")))
            };
            let (value, unit) = rate(&figures[0])?;
            let m = Metric::new(name, &unit, Direction::HigherIsBetter)
                .measure(measures::THROUGHPUT)
                .at(at)
                .with_stat(Stat::Value, value)
                .with_stat(Stat::Max, value)
                .with_stat(Stat::Min, rate(&figures[1])?.0)
                .with_stat(Stat::Median, rate(&figures[2])?.0)
                .with_stat(Stat::Mean, rate(&figures[3])?.0);
            metrics.push(m);
        }
        if metrics.is_empty() {
            return Err(Error::input(
                path,
                Place::Whole,
                "has no divan table (`fastest │ slowest │ median │ mean`) with a benchmark in it",
            ));
        }
        Ok(metrics)
    }
}

/// Character positions of the `│` separators in a divan header, or `None` for other lines.
fn header_columns(line: &str) -> Option<Vec<usize>> {
    let words: Vec<&str> = line.split(['│', ' ']).filter(|w| !w.is_empty()).collect();
    if words.len() != 7 || words[1..] != ["fastest", "slowest", "median", "mean", "samples", "iters"] {
        return None;
    }
    let chars: Vec<char> = line.chars().collect();
    let fastest = line.find("fastest").map(|b| line[..b].chars().count())?;
    let mut cols = vec![fastest];
    cols.extend(chars.iter().enumerate().filter(|(_, c)| **c == '│').map(|(i, _)| i));
    Some(cols)
}

/// `│  ├─ 10` → (Some(1), "10"); rows without a branch (counters, allocations) give `None`.
fn tree_prefix(cell: &str) -> (Option<usize>, &str) {
    let mut depth = 0;
    let mut rest = cell;
    loop {
        if let Some(r) = rest.strip_prefix("├─ ").or_else(|| rest.strip_prefix("╰─ ")) {
            return (Some(depth), r);
        }
        if let Some(r) = rest.strip_prefix("│  ").or_else(|| rest.strip_prefix("   ")) {
            depth += 1;
            rest = r;
        } else {
            return (None, rest.trim_start_matches(['│', ' ']));
        }
    }
}

fn split_number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim();
    let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    Some((s[..end].parse().ok()?, s[end..].trim()))
}

fn parse_time(s: &str) -> Option<f64> {
    let (v, unit) = split_number(s)?;
    Some(v * duration_factor(unit)?)
}

fn parse_size(s: &str) -> Option<f64> {
    let (v, unit) = split_number(s)?;
    Some(v * size_factor(unit)?)
}

fn parse_count(s: &str) -> Option<f64> {
    let (v, unit) = split_number(s)?;
    Some(v * si_prefix(unit)?)
}

fn si_prefix(prefix: &str) -> Option<f64> {
    Some(match prefix {
        "" => 1.0,
        "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => return None,
    })
}

/// `12.41 GiB/s` → (bytes per second, `B/s`); `1.2 Mitem/s` → (items per second, `item/s`).
fn parse_rate(s: &str) -> Option<(f64, String)> {
    let (v, unit) = split_number(s)?;
    let per = unit.strip_suffix("/s")?;
    if size_factor(per).is_some() {
        return Some(canonicalize(v, unit));
    }
    let (prefix, base) = per.split_at(per.find(|c: char| c.is_lowercase()).unwrap_or(0));
    (!base.is_empty()).then_some(())?;
    Some((v * si_prefix(prefix)?, format!("{base}/s")))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use super::parse_rate;
    use crate::model::Stat;

    #[test]
    fn tree_paths_and_columns() {
        assert_eq!(detected("divan/binary_bytes.txt"), "divan");
        let metrics = read_as("divan", "divan/binary_bytes.txt");
        let fib = find(&metrics, "fib/10");
        assert_eq!((fib.unit.as_str(), fib.stat(Stat::Value)), ("ns", Some(172.4)));
        assert_eq!(fib.stat(Stat::Max), Some(612.5));
        assert_eq!(fib.stat(Stat::Median), Some(186.2));
        assert_eq!((fib.n, fib.iterations), (Some(100), Some(1600)));
        assert!((find(&metrics, "fib/15").stat(Stat::Value).unwrap() - 1962.0).abs() < 1e-9, "µs");
        let upper = find(&metrics, "strings/to_uppercase");
        assert_eq!(upper.stat(Stat::Value), Some(62.4));
        let bytes = find(&metrics, "strings/to_uppercase [throughput]");
        assert_eq!(bytes.unit, "B/s");
        assert!((bytes.stat(Stat::Value).unwrap() - 12.41 * 1024.0_f64.powi(3)).abs() < 1.0);
    }

    #[test]
    fn allocation_rows_are_measures_per_iteration() {
        let metrics = read_as("divan", "divan/default.txt");
        let name = "alloc_vec";
        assert_eq!(find(&metrics, &format!("{name} [allocations]")).stat(Stat::Value), Some(1.0));
        assert_eq!(find(&metrics, &format!("{name} [allocated]")).stat(Stat::Value), Some(800.0));
        assert_eq!(find(&metrics, &format!("{name} [max-alloc-bytes]")).unit, "B");
        let upper = find(&metrics, "strings/to_uppercase [throughput]");
        assert!((upper.stat(Stat::Value).unwrap() - 16.57e9).abs() < 1.0, "decimal GB by default");
        assert_eq!(find(&metrics, "fib/5").stat(Stat::Max), Some(13_630.0));
        assert_eq!(metrics.iter().filter(|m| m.measure.is_none()).count(), 5);
    }

    #[test]
    fn rates_and_bad_figures() {
        assert_eq!(parse_rate("1.5 Mitem/s"), Some((1.5e6, "item/s".into())));
        assert_eq!(parse_rate("3 char/s"), Some((3.0, "char/s".into())));
        use super::{Divan, Format};
        let head = "fib   fastest │ slowest │ median │ mean │ samples │ iters\n";
        let err = Divan
            .parse(std::path::Path::new("d.txt"), &format!("{head}╰─ a  fast  │ 1 ns │ 1 ns │ 1 ns │ 1 │ 1\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("is not a time"), "{err}");
    }
}
