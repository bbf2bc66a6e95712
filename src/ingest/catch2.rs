//! Catch2 console reporter output (the default `./tests` output, v2 and v3) for `BENCHMARK`s:
//!
//! ```text
//! benchmark name                       samples       iterations    estimated      (v3: est run time)
//!                                      mean          low mean      high mean
//!                                      std dev       low std dev   high std dev
//! -------------------------------------------------------------------------------
//! fib 10                                          20           537     547.74 us
//!                                         59.7509 ns    50.2304 ns    97.1801 ns
//!                                         40.7094 ns    1.04463 ns    81.0731 ns
//! ```
//!
//! Format: Catch2 v3.7.1 `src/catch2/reporters/catch_reporter_console.cpp`
//! (`ConsoleReporter::benchmarkPreparing`/`Starting`/`Ended`/`Failed`), and v2.13
//! `include/reporters/catch_reporter_console.cpp`,
//! https://github.com/catchorg/Catch2/blob/v3.7.1/src/catch2/reporters/catch_reporter_console.cpp
//!
//! The mean is the headline; the std dev is read in **its own unit** (`3.789 us` ± `362 ns`).
//! `--benchmark-no-analysis` prints one row (samples, iterations, mean). A name wider than its
//! column is wrapped over several lines (Catch2 puts the numbers on the last one). Names are
//! `<test case> <sections…>: <benchmark>`, as Bencher names them: the header above each table
//! gives the test case and its sections, and a benchmark name alone repeats across test cases.
//! A `Benchmark failed (…)` row has no result and is left out (it reads as `missing` against a
//! baseline); a file where every benchmark failed is an error naming them.

use std::path::Path;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{Direction, Metric, Stat};
use crate::units::{canonicalize, dimension, Dimension, NS};

pub struct Catch2;

fn rule(line: &str, c: char) -> bool {
    line.len() >= 20 && line.chars().all(|x| x == c)
}

/// A `<number> <duration unit>` pair in canonical ns.
fn duration(number: &str, unit: &str) -> Option<f64> {
    let (value, unit) = canonicalize(number.parse().ok()?, unit);
    (dimension(&unit) == Dimension::Duration).then_some(value)
}

/// Splits `tokens` into the text before the last `pairs` `<number> <unit>` pairs and their values.
fn trailing_durations<'a>(tokens: &[&'a str], pairs: usize) -> Option<(Vec<&'a str>, Vec<f64>)> {
    let split = tokens.len().checked_sub(2 * pairs)?;
    let values = tokens[split..].chunks(2).map(|c| duration(c[0], c[1])).collect::<Option<Vec<f64>>>()?;
    Some((tokens[..split].to_vec(), values))
}

/// The first row of a benchmark: `[name…] <samples> <iterations> <estimated | mean> <unit>`;
/// the duration is the mean in a `--benchmark-no-analysis` table.
fn first_row<'a>(tokens: &[&'a str]) -> Option<(Vec<&'a str>, u64, u64, f64)> {
    let (rest, last) = trailing_durations(tokens, 1)?;
    let [name @ .., samples, iterations] = rest.as_slice() else { return None };
    Some((name.to_vec(), samples.parse().ok()?, iterations.parse().ok()?, last[0]))
}

fn benchmark(name: String, line: usize, samples: u64, iterations: u64, mean: f64, stddev: Option<f64>) -> Metric {
    let mut metric = Metric::new(name, NS, Direction::LowerIsBetter)
        .at(format!("line {line}"))
        .with_stat(Stat::Value, mean)
        .with_stat(Stat::Mean, mean);
    if let Some(stddev) = stddev {
        metric.stats.insert(Stat::Stddev, stddev);
    }
    // Catch2's `iterations` are per sample.
    metric.n = Some(samples);
    metric.iterations = Some(samples * iterations);
    metric
}

#[derive(PartialEq)]
enum State {
    Outside,
    CaseHeader,
    TableHeader,
    Rows,
}

impl Format for Catch2 {
    fn name(&self) -> &'static str {
        "catch2"
    }

    fn describe(&self) -> &'static str {
        "Catch2 console output (v2, v3) of BENCHMARKs: ./tests > FILE; for the XML reporter use catch2-xml"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        text.match_indices("benchmark name").any(|(at, _)| {
            let line = text[at..].lines().next().unwrap_or("");
            let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1) == at;
            line_start && line.contains("samples") && line.contains("iterations")
        })
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let at_line = |line: usize, message: String| Error::input(path, Place::Line { line, column: None }, message);
        let mut metrics = Vec::new();
        let mut state = State::Outside;
        let mut header: Vec<String> = Vec::new();
        let mut path_name = String::new();
        let mut analysis = true;
        // While reading one benchmark's rows: its name so far, and what the first row said.
        let mut name_parts: Vec<String> = Vec::new();
        let mut pending: Option<(usize, u64, u64)> = None;
        let mut mean_row: Option<f64> = None;
        let mut failed = Vec::new();
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
        for (i, raw) in lines.iter().enumerate() {
            let number = i + 1;
            let line = raw.trim_end();
            let tokens: Vec<&str> = line.split_whitespace().collect();
            if rule(line, '=') {
                state = State::Outside;
                continue;
            }
            if line.starts_with("benchmark name") && line.contains("samples") {
                analysis = !line.trim_end().ends_with("mean");
                state = State::TableHeader;
                continue;
            }
            match state {
                State::Outside if rule(line, '-') => {
                    header.clear();
                    state = State::CaseHeader;
                }
                State::Outside => {}
                State::CaseHeader if rule(line, '-') => {
                    path_name = header.join(" ");
                    state = State::Outside;
                }
                State::CaseHeader => header.push(line.trim().to_string()),
                State::TableHeader if rule(line, '-') => state = State::Rows,
                State::TableHeader => {}
                State::Rows if rule(line, '-') => {
                    header.clear();
                    state = State::CaseHeader;
                }
                State::Rows => {
                    if tokens.is_empty() {
                        continue;
                    }
                    let full_name = |parts: &[String]| match path_name.as_str() {
                        "" => parts.join(" "),
                        case => format!("{case}: {}", parts.join(" ")),
                    };
                    if let Some(at) = line.find("Benchmark failed (") {
                        name_parts.extend(line[..at].split_whitespace().map(str::to_string));
                        failed.push(format!("`{}` (line {number}, {})", full_name(&name_parts), line[at..].trim()));
                        (pending, mean_row) = (None, None);
                        name_parts.clear();
                        continue;
                    }
                    if let Some((first, samples, iterations)) = pending {
                        // The mean row, then the std dev row; a name wrapped by an edited log
                        // may continue before the mean.
                        match (&mean_row, trailing_durations(&tokens, 3)) {
                            (None, Some((before, values))) => {
                                name_parts.extend(before.iter().map(|s| s.to_string()));
                                mean_row = Some(values[0]);
                            }
                            (Some(mean), Some((before, values))) if before.is_empty() => {
                                let name = full_name(&name_parts);
                                metrics.push(benchmark(name, first, samples, iterations, *mean, Some(values[0])));
                                (pending, mean_row) = (None, None);
                                name_parts.clear();
                            }
                            _ => {
                                let row = if mean_row.is_none() { "mean" } else { "std dev" };
                                return Err(at_line(
                                    number,
                                    format!(
                                        "expected the {row} row of benchmark `{}` (three `<number> <unit>` columns), found `{}`",
                                        full_name(&name_parts),
                                        line.trim()
                                    ),
                                ));
                            }
                        }
                        continue;
                    }
                    match first_row(&tokens) {
                        Some((name, samples, iterations, _estimated)) if analysis => {
                            name_parts.extend(name.iter().map(|s| s.to_string()));
                            pending = Some((number, samples, iterations));
                        }
                        Some((name, samples, iterations, mean)) => {
                            name_parts.extend(name.iter().map(|s| s.to_string()));
                            metrics.push(benchmark(full_name(&name_parts), number, samples, iterations, mean, None));
                            name_parts.clear();
                        }
                        // A wrapped name's leading lines.
                        None => name_parts.extend(tokens.iter().map(|s| s.to_string())),
                    }
                }
            }
        }
        if let Some((first, ..)) = pending {
            return Err(at_line(
                first,
                format!("benchmark `{}` ends before its mean and std dev rows", name_parts.join(" ")),
            ));
        }
        if metrics.is_empty() {
            return Err(super::no_results(path, &failed, "holds a Catch2 benchmark table but no benchmark row"));
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
        Catch2.parse(&path, &crate::error::read_text(&path).unwrap())
    }

    #[test]
    fn upstream_v2_v3_and_crlf_files() {
        for file in ["catch2_output_v2.txt", "catch2_output_v3.txt"] {
            assert_eq!(detected(&format!("catch2/{file}")), "catch2");
            let metrics = read_as("catch2", &format!("catch2/{file}"));
            assert_eq!(metrics.len(), 4);
            let fib = find(&metrics, "More Fibonacci: Fibonacci-15_bench");
            assert!(close(fib.stat(Stat::Value), 3789.0), "3.789 us");
            assert!(close(fib.stat(Stat::Stddev), 362.0), "the std dev's own unit: 362 ns");
            assert_eq!((fib.n, fib.iterations), (Some(100), Some(2000)));
            assert!(close(find(&metrics, "Fibonacci: Fibonacci 20").stat(Stat::Stddev), 3256.0));
        }
        assert_eq!(detected("catch2/issue16_output.txt"), "catch2");
        let metrics = read_as("catch2", "catch2/issue16_output.txt");
        assert_eq!(find(&metrics, "Fibonacci: Fibonacci 20").stat(Stat::Value), Some(1.0));
        assert_eq!(find(&metrics, "Fibonacci: Fibonacci 10").stat(Stat::Value), Some(0.0));
        // Bencher's edited copy: a name continued on the mean row, sections in the header.
        let metrics = read_as("catch2", "catch2/bencher_issue_351.txt");
        assert_eq!(metrics.len(), 6);
        assert!(close(find(&metrics, "Unit_assignment Construction: Fibonacci 10").stat(Stat::Value), 344.0));
        let long = find(&metrics, "Even More Fibonacci With a long name: Fibonacci 10 with a long name");
        assert!(close(long.stat(Stat::Value), 344.0));
        assert_eq!(read_as("catch2", "catch2/bencher_four.txt").len(), 4);
    }

    #[test]
    fn real_v2_and_v3_runs_with_sections_and_wrapped_names() {
        for (file, mean, stddev) in
            [("catch2/v2_console.txt", 59.7509, 40.7094), ("catch2/v3_console.txt", 212.421, 0.868779)]
        {
            assert_eq!(detected(file), "catch2");
            let metrics = read_as("catch2", file);
            assert_eq!(metrics.len(), 5, "{file}");
            let fib = find(&metrics, "Fibonacci: fib 10");
            assert!(close(fib.stat(Stat::Value), mean) && close(fib.stat(Stat::Stddev), stddev), "{file}");
            find(&metrics, "Containers vector: push_back 1000");
            find(&metrics, "Containers reserved vector: push_back 1000");
            let long = "Long names: a benchmark whose name is far too long to fit in the name column of the table";
            assert_eq!(find(&metrics, long).n, Some(20));
        }
        let v2 = read_as("catch2", "catch2/v2_console.txt");
        let fib = find(&v2, "Fibonacci: fib 20");
        assert!(close(fib.stat(Stat::Stddev), 1313.41), "1.31341 us");
    }

    #[test]
    fn no_analysis_tables() {
        for (file, mean) in [("catch2/v2_no_analysis.txt", 11894.9), ("catch2/v3_no_analysis.txt", 38585.9)] {
            assert_eq!(detected(file), "catch2");
            let metrics = read_as("catch2", file);
            let fib = find(&metrics, "Fibonacci: fib 20");
            assert!(close(fib.stat(Stat::Value), mean) && fib.stat(Stat::Stddev).is_none(), "{file}");
        }
    }

    #[test]
    fn failed_benchmarks_are_left_out() {
        let mixed = read_as("catch2", "catch2/v2_mixed.txt");
        let names: Vec<&str> = mixed.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["Fibonacci: fib 10", "Fibonacci: fib 20"]);
        for (file, line) in [("catch2/v2_failed.txt", 17), ("catch2/v3_failed.txt", 18)] {
            assert_eq!(detected(file), "catch2");
            let err = parse_fixture(file).unwrap_err().to_string();
            assert!(
                err.contains(&format!("line {line}")) && err.contains("`Broken: throws`") && err.contains("no input"),
                "{err}"
            );
        }
        let table = "benchmark name  samples  iterations  estimated\n   mean\n   std dev\n----------------------------\nx   100  2  1 ms\n  5 ns  4 ns  6 ns\n  oops\n";
        let err = Catch2.parse(Path::new("c.txt"), table).unwrap_err().to_string();
        assert!(err.contains("line 7") && err.contains("std dev row"), "{err}");
    }
}
