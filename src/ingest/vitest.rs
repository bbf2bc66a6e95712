//! `vitest bench --outputJson FILE`: files → groups (describe blocks) → benchmarks, times in ms.
//!
//! Schema: vitest 4.1 `createBenchmarkJsonReport` (`{files: [{filepath, groups: [{fullName,
//! benchmarks: [{id, name, rank, sampleCount, median, samples, …tinybench 2 TaskResult}]}]}]}`),
//! https://github.com/vitest-dev/vitest/blob/v4.1.12/packages/vitest/src/node/reporters/benchmark/json-formatter.ts
//! and vitest 1.6 `createFormattedBenchamrkReport` (no `median`, no `samples` key). The
//! statistics are tinybench 2.9's `TaskResult`,
//! https://github.com/tinylibs/tinybench/blob/v2.9.0/src/types.ts
//!
//! Names are `<group fullName> > <bench name>` as vitest's summary and Bencher show them
//! (`bench/sort.bench.js > sorting > normal`). The headline is the mean time per iteration;
//! `hz` is the `throughput` measure. `p995` has no place among our stats and is dropped; `rme`
//! is not kept (the standard deviation and `sampleCount` carry it). Every vitest release so far
//! writes `samples: []` (or no key) even with `benchmark.includeSamples`, but samples are read
//! when present. A benchmark that threw is written without statistics: that is an error, since
//! the gate cannot judge it.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, Error, Place, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::NS;

pub struct Vitest;

#[derive(Deserialize)]
struct Report {
    files: Vec<File>,
}

#[derive(Deserialize)]
struct File {
    filepath: String,
    groups: Vec<Group>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Group {
    full_name: String,
    benchmarks: Vec<Benchmark>,
}

/// Every statistic is absent for a benchmark that threw (vitest writes only id, name, rank,
/// rme and samples then).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Benchmark {
    name: String,
    #[serde(default)]
    sample_count: Option<u64>,
    hz: Option<f64>,
    mean: Option<f64>,
    /// Absent before vitest 2.
    median: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    sd: Option<f64>,
    p75: Option<f64>,
    p99: Option<f64>,
    p999: Option<f64>,
    #[serde(default)]
    samples: Vec<f64>,
}

const NS_PER_MS: f64 = 1e6;

impl Format for Vitest {
    fn name(&self) -> &'static str {
        "vitest"
    }

    fn describe(&self) -> &'static str {
        "vitest bench JSON: vitest bench --run --outputJson FILE"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 4096);
        head.trim_start().starts_with('{')
            && head.contains("\"files\"")
            && head.contains("\"groups\"")
            && (head.contains("\"benchmarks\"") || head.contains("\"fullName\""))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let report: Report = from_json(path, text)?;
        let mut metrics = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (f, file) in report.files.iter().enumerate() {
            for (g, group) in file.groups.iter().enumerate() {
                for (b, bench) in group.benchmarks.iter().enumerate() {
                    let origin = format!("files[{f}].groups[{g}].benchmarks[{b}]");
                    let name = format!("{} > {}", group.full_name, bench.name);
                    let (Some(mean), Some(hz)) = (bench.mean, bench.hz) else {
                        return Err(at(
                            path,
                            origin,
                            format!(
                                "benchmark `{name}` (in {}) has no results: it threw in vitest; fix it or mark it \
                                 `bench.skip`",
                                file.filepath
                            ),
                        ));
                    };
                    if let Some(first) = seen.insert(name.clone(), origin.clone()) {
                        return Err(at(
                            path,
                            origin,
                            format!("benchmark `{name}` is also at `{first}`; give the benchmarks distinct names"),
                        ));
                    }
                    let mut time = Metric::new(name.clone(), NS, Direction::LowerIsBetter)
                        .at(origin.clone())
                        .with_stat(Stat::Value, mean * NS_PER_MS)
                        .with_stat(Stat::Mean, mean * NS_PER_MS);
                    for (stat, v) in [
                        (Stat::Median, bench.median),
                        (Stat::Min, bench.min),
                        (Stat::Max, bench.max),
                        (Stat::Stddev, bench.sd),
                        (Stat::P75, bench.p75),
                        (Stat::P99, bench.p99),
                        (Stat::P999, bench.p999),
                    ] {
                        if let Some(v) = v {
                            time.stats.insert(stat, v * NS_PER_MS);
                        }
                    }
                    time.n = bench.sample_count;
                    time.samples = bench.samples.iter().map(|s| s * NS_PER_MS).collect();
                    let mut rate = Metric::new(name, "ops/s", Direction::HigherIsBetter)
                        .measure(measures::THROUGHPUT)
                        .at(format!("{origin}.hz"))
                        .with_stat(Stat::Value, hz);
                    rate.n = bench.sample_count;
                    metrics.push(time);
                    metrics.push(rate);
                }
            }
        }
        if metrics.is_empty() {
            return Err(Error::input(
                path,
                Place::Whole,
                "no benchmark in this vitest report; did `vitest bench` find any `*.bench.*` file?",
            ));
        }
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use super::*;

    #[test]
    fn vitest_4_groups_nested_describes_and_top_level_benches() {
        assert_eq!(detected("vitest/v4_many.json"), "vitest");
        let metrics = read_as("vitest", "vitest/v4_many.json");
        assert_eq!(metrics.len(), 12); // 6 benchmarks × (time, throughput)
        let fib = find(&metrics, "bench/math.bench.js > fibonacci > fib(10)");
        assert_eq!(fib.unit, NS);
        assert_eq!(fib.direction, Direction::LowerIsBetter);
        assert_eq!(fib.n, Some(215_535));
        assert_eq!(fib.stat(Stat::Median), Some(0.000450999999884516 * 1e6));
        let hz = find(&metrics, "bench/math.bench.js > fibonacci > fib(10) [throughput]");
        assert_eq!(hz.unit, "ops/s");
        assert_eq!(hz.direction, Direction::HigherIsBetter);
        // A bench outside any describe: its group is the file.
        let top = find(&metrics, "bench/math.bench.js > top-level sum");
        assert_eq!(top.stat(Stat::Value), Some(9.161347725804556e-05 * 1e6));
        assert_eq!(top.stat(Stat::P999), Some(0.0004109999999855063 * 1e6));
        find(&metrics, "bench/math.bench.js > strings > nested > join");
        find(&metrics, "bench/sort.bench.js > sorting > reverse [throughput]");
    }

    #[test]
    fn vitest_1_has_no_median() {
        assert_eq!(detected("vitest/v1_many.json"), "vitest");
        let metrics = read_as("vitest", "vitest/v1_many.json");
        assert_eq!(metrics.len(), 8);
        let top = find(&metrics, "bench/math.bench.js > top-level sum");
        assert_eq!(top.stat(Stat::Mean), Some(0.00021884532048000233 * 1e6));
        assert_eq!(top.stat(Stat::Median), None);
        assert_eq!(top.n, Some(918_887));
    }

    #[test]
    fn a_benchmark_that_threw_is_an_error_with_its_place() {
        for file in ["vitest/v4_failed.json", "vitest/v1_failed.json"] {
            let path = super::super::test_support::fixture(file);
            let text = std::fs::read_to_string(&path).unwrap();
            let err = Vitest.parse(&path, &text).unwrap_err().to_string();
            assert!(
                err.contains("at `files[0].groups[0].benchmarks[1]`")
                    && err.contains("`bench/failing.bench.js > broken > throws`")
                    && err.contains("threw"),
                "{err}"
            );
        }
    }

    #[test]
    fn bencher_corpus_values() {
        // expected-from-adapter.json: latency (ns) = mean, throughput = hz.
        let metrics = read_as("vitest", "vitest/bencher_two.json");
        assert_eq!(find(&metrics, "math.bench.ts > math > add").stat(Stat::Value), Some(1_000_000.0));
        assert_eq!(find(&metrics, "math.bench.ts > math > add [throughput]").stat(Stat::Value), Some(1000.0));
        assert_eq!(find(&metrics, "math.bench.ts > math > subtract").stat(Stat::Value), Some(2_000_000.0));
        assert_eq!(find(&metrics, "math.bench.ts > math > subtract [throughput]").stat(Stat::Value), Some(500.0));

        assert_eq!(detected("vitest/bencher_four.json"), "vitest");
        let metrics = read_as("vitest", "vitest/bencher_four.json");
        assert_eq!(metrics.len(), 8);
        for (name, ns, hz) in [
            ("fib.bench.ts > fibonacci > fib(10)", 1e6, 1000.0),
            ("fib.bench.ts > fibonacci > fib(20)", 2e6, 500.0),
            ("sort.bench.ts > sorting > normal", 5e6, 200.0),
            ("sort.bench.ts > sorting > reverse", 1e7, 100.0),
        ] {
            assert_eq!(find(&metrics, name).stat(Stat::Value), Some(ns), "{name}");
            assert_eq!(find(&metrics, &format!("{name} [throughput]")).stat(Stat::Value), Some(hz), "{name}");
        }
    }

    #[test]
    fn retained_samples_feed_percentiles() {
        let text = r#"{"files":[{"filepath":"/x.bench.ts","groups":[{"fullName":"x.bench.ts","benchmarks":[
            {"name":"a","hz":500,"mean":2,"sampleCount":3,"samples":[1,2,3]}]}]}]}"#;
        let mut metrics = Vitest.parse(Path::new("v.json"), text).unwrap();
        crate::stats::summarize_samples(&mut metrics[0]);
        assert_eq!(metrics[0].stat(Stat::Max), Some(3e6));
        assert_eq!(metrics[0].n, Some(3));
    }

    #[test]
    fn empty_and_malformed_reports() {
        let err = Vitest.parse(Path::new("v.json"), r#"{"files":[]}"#).unwrap_err().to_string();
        assert!(err.contains("no benchmark"), "{err}");
        let err = Vitest.parse(Path::new("v.json"), r#"{"files":[{"filepath":"a","groups":[{"benchmarks":[]}]}]}"#);
        let err = err.unwrap_err().to_string();
        assert!(err.contains("files[0].groups[0]") && err.contains("fullName"), "{err}");
    }
}
