//! pytest-benchmark: the JSON written by `--benchmark-json FILE` and by `--benchmark-save NAME`
//! (`.benchmarks/<machine>/<NNNN>_<name>.json`); both are the same document.
//!
//! Schema: pytest-benchmark v5.2.3 `src/pytest_benchmark/plugin.py`
//! (`pytest_benchmark_generate_json`), `src/pytest_benchmark/stats.py` (`Metadata.as_dict`,
//! `Stats.fields`), https://github.com/ionelmc/pytest-benchmark/blob/v5.2.3/src/pytest_benchmark/stats.py
//! (read here from 3.2.2, 4.0.0 and 5.3.1 files: same shape).
//!
//! Times are seconds per iteration. One metric per benchmark: the mean as headline (`value`),
//! with min/max/median/stddev as written and `q3` as p75 (percentiles from samples win); `ops` (1/mean) as the `throughput`
//! measure. `stats.data` holds the per-round timings (`--benchmark-json` always, `--benchmark-save`
//! only with `--benchmark-save-data`): they become the raw samples. The name is `fullname` (the
//! pytest node id, parameters included: `test_x.py::test_fib[10]`), prefixed with the group
//! (`group/fullname`) when the benchmark has one.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{at, Format};
use crate::error::{from_json, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::NS;

pub struct PytestBenchmark;

#[derive(Deserialize)]
struct Document {
    benchmarks: Vec<Benchmark>,
}

#[derive(Deserialize)]
struct Benchmark {
    fullname: String,
    #[serde(default)]
    group: Option<String>,
    stats: Stats,
}

#[derive(Deserialize)]
struct Stats {
    min: f64,
    max: f64,
    mean: f64,
    stddev: f64,
    median: f64,
    rounds: u64,
    #[serde(default)]
    q3: Option<f64>,
    ops: f64,
    #[serde(default)]
    iterations: Option<u64>,
    /// Numbers as pytest-benchmark writes them; kept as JSON values because shortened copies
    /// in upstream test data end in a note (`"... omitted to keep this file small"`).
    #[serde(default)]
    data: Option<Vec<Value>>,
}

const NS_PER_S: f64 = 1e9;

impl Format for PytestBenchmark {
    fn name(&self) -> &'static str {
        "pytest-benchmark"
    }

    fn describe(&self) -> &'static str {
        "pytest-benchmark: pytest --benchmark-json FILE, or the .benchmarks/**/*.json of --benchmark-save \
         (raw samples with --benchmark-save-data)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        // `machine_info` comes first and its CPU flags list is long: `benchmarks` is often past
        // the first 4 kB, the Python fields are not.
        let head = super::head(text, 4096);
        head.trim_start().starts_with('{') && head.contains("\"machine_info\"") && head.contains("\"python_version\"")
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let document: Document = from_json(path, text)?;
        if document.benchmarks.is_empty() {
            return Err(at(
                path,
                "benchmarks",
                "is empty: pytest-benchmark ran no benchmark (are the tests using the `benchmark` fixture selected?)",
            ));
        }
        let mut metrics = Vec::with_capacity(2 * document.benchmarks.len());
        for (i, bench) in document.benchmarks.into_iter().enumerate() {
            let origin = format!("benchmarks[{i}]");
            if bench.fullname.trim().is_empty() {
                return Err(at(path, format!("{origin}.fullname"), "is empty; expected the test's node id"));
            }
            let name = match bench.group.as_deref().filter(|g| !g.is_empty()) {
                Some(group) => format!("{group}/{}", bench.fullname),
                None => bench.fullname,
            };
            let s = bench.stats;
            let mut time = Metric::new(name.clone(), NS, Direction::LowerIsBetter)
                .at(origin.clone())
                .with_stat(Stat::Value, s.mean * NS_PER_S)
                .with_stat(Stat::Mean, s.mean * NS_PER_S)
                .with_stat(Stat::Median, s.median * NS_PER_S)
                .with_stat(Stat::Min, s.min * NS_PER_S)
                .with_stat(Stat::Max, s.max * NS_PER_S)
                .with_stat(Stat::Stddev, s.stddev * NS_PER_S);
            if let Some(q3) = s.q3 {
                time.stats.insert(Stat::P75, q3 * NS_PER_S);
            }
            time.n = Some(s.rounds);
            time.iterations = Some(s.rounds * s.iterations.unwrap_or(1));
            if let Some(data) = &s.data {
                time.samples = samples(path, &origin, data, s.rounds)?;
            }
            let mut throughput = Metric::new(name, "ops/s", Direction::HigherIsBetter)
                .measure(measures::THROUGHPUT)
                .at(format!("{origin}.stats.ops"))
                .with_stat(Stat::Value, s.ops);
            throughput.n = Some(s.rounds);
            metrics.push(time);
            metrics.push(throughput);
        }
        Ok(metrics)
    }
}

/// The per-round timings in ns. A list that is not all numbers is an edited copy (upstream
/// test data shortens it and appends a note), not timings: the written stats then stand alone.
fn samples(path: &Path, origin: &str, data: &[Value], rounds: u64) -> Result<Vec<f64>> {
    let numbers: Option<Vec<f64>> = data.iter().map(Value::as_f64).collect();
    let Some(numbers) = numbers else {
        return Ok(Vec::new());
    };
    if numbers.len() as u64 != rounds {
        return Err(at(
            path,
            format!("{origin}.stats.data"),
            format!("has {} timings but `rounds` is {rounds}; expected one timing per round", numbers.len()),
        ));
    }
    Ok(numbers.into_iter().map(|s| s * NS_PER_S).collect())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use super::*;

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() <= expected.abs() * 1e-9)
    }

    #[test]
    fn upstream_files_read_with_the_corpora_expected_values() {
        // bencher/python/pytest/two.json = github-action-benchmark pytest_output.json: Bencher
        // expects the mean in ns, github-action-benchmark the ops.
        assert_eq!(detected("pytest-benchmark/bencher_two.json"), "pytest-benchmark");
        let metrics = read_as("pytest-benchmark", "pytest-benchmark/bencher_two.json");
        assert_eq!(metrics.len(), 4);
        let fib10 = find(&metrics, "bench.py::test_fib_10");
        assert_eq!(fib10.unit, "ns");
        assert!(close(fib10.stat(Stat::Value), 24088.681333229408));
        assert!(close(fib10.stat(Stat::Median), 22300.000000363696));
        assert!(close(fib10.stat(Stat::Stddev), 6175.090189861328));
        assert_eq!(fib10.n, Some(38523), "the shortened `data` list is not taken for samples");
        let ops = find(&metrics, "bench.py::test_fib_10 [throughput]");
        assert_eq!((ops.unit.as_str(), ops.direction), ("ops/s", Direction::HigherIsBetter));
        assert!(close(ops.stat(Stat::Value), 41513.272817492856));

        let metrics = read_as("pytest-benchmark", "pytest-benchmark/bencher_four.json");
        assert!(close(find(&metrics, "bench.py::test_sleep_2").stat(Stat::Value), 2003843046.9999998));
        assert!(close(find(&metrics, "bench.py::test_fib_1").stat(Stat::Value), 149.95610248628836));
        assert!(close(find(&metrics, "bench.py::test_fib_1 [throughput]").stat(Stat::Value), 6668618.238403659));
        // test_sleep_2 kept all 5 of its 5 rounds: real samples.
        assert_eq!(find(&metrics, "bench.py::test_sleep_2").n, Some(5));
        assert!(find(&metrics, "bench.py::test_sleep_2").stat(Stat::P90).is_some());
    }

    #[test]
    fn json_with_params_groups_and_samples() {
        assert_eq!(detected("pytest-benchmark/many.json"), "pytest-benchmark");
        let metrics = read_as("pytest-benchmark", "pytest-benchmark/many.json");
        assert_eq!(metrics.len(), 10);
        let param = find(&metrics, "test_bench.py::test_fib_param[5]");
        assert!(close(param.stat(Stat::Mean), 597.7835856774251));
        // With samples, percentiles come from them (q3 is then only a cross-check).
        assert!(param.stat(Stat::P75).is_some_and(|p| (p / 723.600004448599 - 1.0).abs() < 0.02));
        assert_eq!((param.n, param.iterations), (Some(396), Some(3960)));
        let grouped = find(&metrics, "sorting/test_bench.py::test_sort_pedantic");
        assert!(close(grouped.stat(Stat::Value), 3350.761906923643));
        assert_eq!((grouped.n, grouped.iterations), (Some(7), Some(21)));
        assert!(close(
            find(&metrics, "sorting/test_bench.py::test_sorted [throughput]").stat(Stat::Value),
            157162.1195763627
        ));
    }

    #[test]
    fn saved_files_with_and_without_data_and_an_older_version() {
        for file in ["save_nodata.json", "save_withdata.json", "v4.json"] {
            assert_eq!(detected(&format!("pytest-benchmark/{file}")), "pytest-benchmark");
        }
        let nodata = read_as("pytest-benchmark", "pytest-benchmark/save_nodata.json");
        let fib = find(&nodata, "test_bench.py::test_fib_param[12]");
        assert!(close(fib.stat(Stat::Value), 14915.7637829698));
        assert_eq!(fib.n, Some(127));
        assert!(fib.stat(Stat::P99).is_none(), "no samples, no percentiles");
        assert!(close(fib.stat(Stat::P75), 14822.999986563445), "q3 as written");
        let withdata = read_as("pytest-benchmark", "pytest-benchmark/save_withdata.json");
        let fib = find(&withdata, "test_bench.py::test_fib_param[12]");
        assert_eq!(fib.n, Some(126));
        assert!(fib.stat(Stat::P99).is_some_and(|p| p <= 60270.000062701 + 1e-6));
        let v4 = read_as("pytest-benchmark", "pytest-benchmark/v4.json");
        assert!(close(find(&v4, "test_bench.py::test_fib_10").stat(Stat::Value), 5614.039358215092));
    }

    #[test]
    fn a_failed_test_is_in_the_file_when_its_benchmark_ran() {
        // pytest-benchmark writes no status: `test_fails_after` failed after timing, and
        // `test_raises_inside` (raised inside the timed call) is absent.
        let metrics = read_as("pytest-benchmark", "pytest-benchmark/failed.json");
        let names: Vec<String> = metrics.iter().filter(|m| m.measure.is_none()).map(|m| m.name.clone()).collect();
        assert_eq!(names, ["test_fail.py::test_ok", "test_fail.py::test_fails_after"]);
    }

    #[test]
    fn bad_input_says_where() {
        let p = Path::new("bench.json");
        let empty = PytestBenchmark.parse(p, r#"{"machine_info": {}, "benchmarks": []}"#).unwrap_err().to_string();
        assert!(empty.contains("`benchmarks`") && empty.contains("ran no benchmark"), "{empty}");
        let short = r#"{"benchmarks": [{"fullname": "t.py::a", "stats": {"min": 1, "max": 1, "mean": 1,
            "stddev": 0, "median": 1, "rounds": 3, "ops": 1, "data": [1, 1]}}]}"#;
        let err = PytestBenchmark.parse(p, short).unwrap_err().to_string();
        assert!(err.contains("benchmarks[0].stats.data") && err.contains("rounds` is 3"), "{err}");
        let missing = r#"{"benchmarks": [{"fullname": "t.py::a", "stats": {"min": 1}}]}"#;
        let err = PytestBenchmark.parse(p, missing).unwrap_err().to_string();
        assert!(err.contains("benchmarks[0].stats") && err.contains("max"), "{err}");
    }
}
