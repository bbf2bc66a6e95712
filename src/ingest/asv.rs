//! airspeed velocity (asv): the console output of `asv run` (one commit; `asv continuous` runs two):
//! `[ 35.00%] ··· benchmarks.TimeSuite.time_keys        11.1±0.01μs`.
//!
//! Format: asv 0.6.6 `asv/results.py` (`format_benchmark_result`, `_format_benchmark_result`),
//! `asv/util.py` (`human_value`, `human_file_size`, `format_text_table`) and asv_runner's
//! `human_time`, https://github.com/airspeed-velocity/asv/blob/v0.6.6/asv/results.py
//!
//! Each figure is asv's result, the median of its samples (the `±` part is half the interquartile
//! range, not a standard deviation, and is not read): `time_*` in canonical ns, `mem_*` and
//! `peakmem_*` sizes in bytes (`2.1k` = 2100 B), `track_*` as plain numbers (their unit is not
//! printed). A parametrized benchmark prints `ok` and a table; each cell is one benchmark named
//! `name(param, …)` with the values as the table shows them (asv's own `name(1, 'a')` quotes
//! strings, which the table drops). Results from several environments (`·· Benchmarking <env>`)
//! get ` (<env>)` on the names that repeat. A `failed` (or `n/a`, not run) result has no figure and
//! is left out; a file with nothing else is an error naming the failures. asv also writes JSON
//! results (`.asv/results/`), with samples; this format reads only the console.

use std::collections::HashMap;
use std::path::Path;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{Direction, Metric, Stat};
use crate::units::{BYTES, NS};

pub struct Asv;

/// `[ 35.00%] ··· rest`: the depth (number of `·`) and the rest, for asv's progress lines.
fn progress(line: &str) -> Option<(usize, &str)> {
    let rest = line.trim_start().strip_prefix('[')?;
    let (percent, rest) = rest.split_once(']')?;
    percent.trim().strip_suffix('%')?.trim().parse::<f64>().ok()?;
    let rest = rest.trim_start();
    let depth = rest.chars().take_while(|&c| c == '·').count();
    (depth > 0).then(|| (depth, rest.trim_start_matches('·').trim()))
}

/// A figure in canonical units, by the benchmark's kind; `None` for `failed` / `n/a` / text
/// that is not a figure.
fn figure(kind: &str, text: &str) -> Option<(f64, &'static str)> {
    // `4.28±0.1μs`, `1.5±0.1k`, `2.1k`, `42`: the unit follows the last digit.
    let text = text.trim();
    let unit_start = text.rfind(|c: char| c.is_ascii_digit() || c == '.').map_or(0, |i| i + 1);
    let (numbers, unit) = text.split_at(unit_start);
    let value: f64 = numbers.split('±').next()?.parse().ok()?;
    if kind.starts_with("time_") {
        // asv_runner `_human_time_units`.
        let seconds = match unit {
            "ns" => 1e-9,
            "μs" | "µs" | "us" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "w" => 604800.0,
            _ => return None,
        };
        return Some((value * seconds * 1e9, NS));
    }
    if kind.starts_with("mem_") || kind.starts_with("peakmem_") {
        let scale = match unit {
            "" | "b" => 1.0,
            "k" => 1e3,
            "M" => 1e6,
            "G" => 1e9,
            "T" => 1e12,
            _ => return None,
        };
        return Some((value * scale, BYTES));
    }
    unit.is_empty().then_some((value, ""))
}

/// The cells of a table row, cut at the columns of its `===` rule (in characters: the `·`
/// prefix of the first line is multi-byte).
fn cells(line: &str, spans: &[(usize, usize)]) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    spans
        .iter()
        .map(|&(start, end)| {
            chars.get(start..end.min(chars.len())).unwrap_or(&[]).iter().collect::<String>().trim().to_string()
        })
        .collect()
}

fn spans(rule: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in rule.chars().chain([' ']).enumerate() {
        match (c == '=', start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn is_rule(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.chars().all(|c| matches!(c, '=' | '-' | ' '))
}

/// One result before names are made unique.
struct Found {
    name: String,
    env: String,
    metric: Metric,
}

impl Format for Asv {
    fn name(&self) -> &'static str {
        "asv"
    }

    fn describe(&self) -> &'static str {
        "airspeed velocity (asv): the console output of asv run > FILE"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 65536);
        head.lines().any(|l| l.starts_with("· Running ") && l.contains("total benchmarks"))
            || head.lines().filter_map(progress).any(|(depth, rest)| depth == 2 && rest.starts_with("Benchmarking "))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
        let mut found: Vec<Found> = Vec::new();
        let mut failed = Vec::new();
        let mut env = String::new();
        let mut commits = 0;
        let mut i = 0;
        while i < lines.len() {
            let number = i + 1;
            i += 1;
            let Some((depth, rest)) = progress(lines[number - 1]) else { continue };
            if depth == 1 && rest.starts_with("For ") && rest.contains(" commit ") {
                commits += 1;
                if commits > 1 {
                    let message = "asv ran more than one commit here, so each benchmark is in the file twice; \
                                   the gate reads one run: `asv run HEAD^!`";
                    return Err(Error::input(path, Place::Line { line: number, column: None }, message));
                }
                continue;
            }
            if depth == 2 {
                if let Some(e) = rest.strip_prefix("Benchmarking ") {
                    env = e.trim().to_string();
                }
                continue;
            }
            if depth != 3 || rest.starts_with("Running ") || rest.starts_with("Setting up ") || is_rule(rest) {
                continue;
            }
            let Some((name, result)) = rest.rsplit_once(char::is_whitespace) else { continue };
            let name = name.trim();
            let kind = name.rsplit('.').next().unwrap_or(name);
            let mut push = |name: String, cell: &str, line: usize| match figure(kind, cell) {
                Some((value, unit)) => {
                    let metric = Metric::new(name.clone(), unit, Direction::for_unit(unit))
                        .at(format!("line {line}"))
                        .with_stat(Stat::Value, value)
                        .with_stat(Stat::Median, value);
                    found.push(Found { name, env: env.clone(), metric });
                }
                None if cell == "failed" => failed.push(format!("`{name}` (line {line})")),
                None if cell == "n/a" || cell == "skipped" => {}
                None => failed.push(format!("`{name}` (line {line}: `{cell}` is not an asv figure)")),
            };
            let table_follows = lines.get(i).and_then(|l| progress(l)).is_some_and(|(_, r)| is_rule(r));
            if !table_follows {
                if result.ends_with(" failed") || (result.ends_with("failed") && result.contains('/')) {
                    let message = format!("`{name} {result}` without its parameter table");
                    return Err(Error::input(path, Place::Line { line: number, column: None }, message));
                }
                push(name.to_string(), result, number);
                continue;
            }
            // A parametrized benchmark's table: from its top rule (on a progress line) to the
            // bottom rule; data rows between the last two rules.
            let start = i;
            let mut rules = vec![start];
            let mut end = start + 1;
            while end < lines.len() && !lines[end].trim().is_empty() && progress(lines[end]).is_none() {
                if is_rule(lines[end]) {
                    rules.push(end);
                }
                end += 1;
            }
            i = end;
            let bad =
                |message: &str| Error::input(path, Place::Line { line: start + 1, column: None }, message.to_string());
            let [.., header_end, bottom] = rules.as_slice() else {
                return Err(bad("a parameter table without its rules"));
            };
            let spans = spans(lines[*bottom]);
            // Two rules only (the top one is also the header's end): no header lines (fuzzing
            // found the slice below reversed there, a panic).
            let header: Vec<&str> =
                lines.get(start + 1..*header_end).unwrap_or_default().iter().copied().filter(|l| !is_rule(l)).collect();
            let row_params = match header.iter().find(|l| l.trim_start().starts_with("--")) {
                Some(top) => top.split_whitespace().take_while(|t| *t == "--").count(),
                None => spans.len().saturating_sub(1),
            };
            let columns: Vec<String> = match header.last() {
                Some(h) if row_params < spans.len().saturating_sub(1) => cells(h, &spans)[row_params..].to_vec(),
                _ => Vec::new(),
            };
            for (row, line) in lines.iter().enumerate().take(*bottom).skip(header_end + 1) {
                let cells = cells(line, &spans);
                let (params, results) = cells.split_at(row_params.min(cells.len()));
                for (k, cell) in results.iter().enumerate() {
                    let mut values: Vec<&str> = params.iter().map(String::as_str).collect();
                    if let Some(column) = columns.get(k) {
                        values.extend(column.split(" / ").map(str::trim));
                    }
                    push(format!("{name}({})", values.join(", ")), cell, row + 1);
                }
            }
        }
        if found.is_empty() {
            return Err(super::no_results(path, &failed, "holds no asv result line (`[ nn%] ··· name  figure`)"));
        }
        let mut envs: HashMap<&str, Vec<&str>> = HashMap::new();
        for f in &found {
            let seen = envs.entry(f.name.as_str()).or_default();
            if !seen.contains(&f.env.as_str()) {
                seen.push(&f.env);
            }
        }
        let repeated: Vec<String> = envs.iter().filter(|(_, e)| e.len() > 1).map(|(n, _)| n.to_string()).collect();
        Ok(found
            .into_iter()
            .map(|f| {
                let mut metric = f.metric;
                if repeated.contains(&f.name) {
                    metric.name = format!("{} ({})", f.name, f.env);
                }
                metric
            })
            .collect())
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
    fn upstream_file_with_bencher_expected_values() {
        assert_eq!(detected("asv/bencher_six.txt"), "asv");
        let metrics = read_as("asv", "asv/bencher_six.txt");
        assert!(close(find(&metrics, "benchmarks.TimeSuite.time_keys3").stat(Stat::Value), 9070.0));
        assert!(close(find(&metrics, "benchmarks.TimeSuite.time_iterkeys").stat(Stat::Value), 11100.0));
        assert!(close(find(&metrics, "benchmarks.TimeSuite.time_range3").stat(Stat::Value), 35500.0));
        let mem = find(&metrics, "benchmarks.MemSuite.mem_list");
        assert_eq!((mem.unit.as_str(), mem.stat(Stat::Value)), ("B", Some(2420.0)));
        // 6 times + 2 mem; time_iterkeys3 and time_xrange3 failed.
        assert_eq!(metrics.len(), 8);
    }

    #[test]
    fn every_kind_and_parameter_tables() {
        assert_eq!(detected("asv/run.txt"), "asv");
        let metrics = read_as("asv", "asv/run.txt");
        let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "benchmarks.Grid.time_repeat(1, a)",
                "benchmarks.Grid.time_repeat(1, bb)",
                "benchmarks.Grid.time_repeat(2, a)",
                "benchmarks.Grid.time_repeat(2, bb)",
                "benchmarks.MemSuite.mem_list",
                "benchmarks.TimeSuite.time_keys",
                "benchmarks.TimeSuite.time_values",
                "benchmarks.peakmem_list",
                "benchmarks.time_sort(10)",
                "benchmarks.time_sort(1000)",
                "benchmarks.track_answer",
            ]
        );
        assert!(close(find(&metrics, "benchmarks.Grid.time_repeat(2, bb)").stat(Stat::Value), 214.0));
        assert!(close(find(&metrics, "benchmarks.time_sort(1000)").stat(Stat::Value), 21000.0));
        assert_eq!(find(&metrics, "benchmarks.peakmem_list").stat(Stat::Value), Some(24.7e6));
        assert_eq!(find(&metrics, "benchmarks.track_answer").unit, "");
    }

    #[test]
    fn a_traceback_under_a_failure_is_framing() {
        // --quick: one sample each (`±0`); --show-stderr: the failure's traceback follows it.
        let metrics = read_as("asv", "asv/quick_stderr.txt");
        assert_eq!(metrics.len(), 11);
        assert!(metrics.iter().all(|m| !m.name.contains("time_broken")));
    }

    #[test]
    fn environments_suffix_repeated_names() {
        let metrics = read_as("asv", "asv/two_envs.txt");
        assert_eq!(metrics.len(), 6);
        let second = find(&metrics, "benchmarks.time_sort(1000) (existing-py_tmp_pyb4_bin_python)");
        assert!(close(second.stat(Stat::Value), 17300.0));
        assert!(close(
            find(&read_as("asv", "asv/one.txt"), "benchmarks.TimeSuite.time_keys").stat(Stat::Value),
            3320.0
        ));
    }

    #[test]
    fn several_commits_are_refused() {
        let text = "[  0.00%] · For project commit 4238c44d <master>:\n[ 50.00%] ··· benchmarks.time_x     1.0±0.1μs\n\
                    [ 50.00%] · For project commit 1111aaaa <master>:\n[100.00%] ··· benchmarks.time_x     1.1±0.1μs\n";
        let err = Asv.parse(Path::new("asv.txt"), text).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("more than one commit"), "{err}");
    }

    #[test]
    fn only_failures_is_an_error() {
        let text = "· Running 1 total benchmarks (1 commits * 1 environments * 1 benchmarks)\n[ 0.00%] ·· Benchmarking env\n[50.00%] ··· benchmarks.time_x     failed\n";
        let err = Asv.parse(Path::new("asv.txt"), text).unwrap_err().to_string();
        assert!(err.contains("every benchmark in the file failed: `benchmarks.time_x` (line 3)"), "{err}");
    }
}
