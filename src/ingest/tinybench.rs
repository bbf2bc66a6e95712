//! tinybench task results as JSON, in the two forms people write:
//! `JSON.stringify(bench.tasks.map(t => ({name: t.name, result: t.result})))` (named) and
//! `JSON.stringify(bench.results)` (the same results without names).
//!
//! Three result shapes, all times in ms:
//! - tinybench 6: `{state, latency: Statistics, throughput: Statistics, period, totalTime, …}`,
//!   `state: "errored"` with `error`; samples only with `retainSamples: true`,
//!   https://github.com/tinylibs/tinybench/blob/v6.2.5/src/types.ts (`TaskResult`, `Statistics`);
//! - tinybench 3–5: `{latency, throughput, …}` plus the flat 2.x fields (deprecated), `error?`,
//!   https://github.com/tinylibs/tinybench/blob/v5.1.0/src/types.ts;
//! - tinybench 2: flat `{hz, mean, min, max, sd, p75, p99, p995, p999, samples, …}`,
//!   https://github.com/tinylibs/tinybench/blob/v2.9.0/src/types.ts.
//!
//! The headline is the mean latency (ns), as tinybench's table shows first; throughput (ops/s)
//! is the `throughput` measure, with its own statistics where tinybench ≥ 3 computes them.
//! `p995`, `mad`, `aad`, `rme` have no place among our stats and are dropped. `bench.results`
//! carries no task names, so its entries are named `task[<index>]` (the index column of
//! `console.table(bench.table())`); prefer the named form. A task that threw, did not run, or
//! was aborted before it had statistics is an error, since the gate cannot judge it (6.x's
//! `aborted-with-statistics` is read: its statistics are there).

use std::path::Path;

use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, Error, Place, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::NS;

pub struct Tinybench;

#[derive(Deserialize)]
struct Named {
    name: String,
    result: Option<TaskResult>,
}

#[derive(Deserialize, Default)]
struct TaskResult {
    /// tinybench 6.
    state: Option<String>,
    /// tinybench 3–5.
    #[serde(default)]
    aborted: bool,
    error: Option<serde_json::Value>,
    /// tinybench ≥ 3.
    latency: Option<Statistics>,
    throughput: Option<Statistics>,
    /// tinybench 2 (and deprecated copies in 3–5).
    #[serde(flatten)]
    flat: Flat,
}

#[derive(Deserialize, Default)]
struct Flat {
    hz: Option<f64>,
    mean: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    sd: Option<f64>,
    p75: Option<f64>,
    p99: Option<f64>,
    p999: Option<f64>,
    samples: Option<Vec<f64>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Statistics {
    mean: f64,
    min: f64,
    max: f64,
    /// `null` (NaN) with a single sample.
    sd: Option<f64>,
    p50: Option<f64>,
    p75: Option<f64>,
    p99: Option<f64>,
    p999: Option<f64>,
    /// tinybench 6 (`samplesCount`); 3–5 only have the samples themselves.
    samples_count: Option<u64>,
    samples: Option<Vec<f64>>,
}

const NS_PER_MS: f64 = 1e6;

fn from_statistics(metric: &mut Metric, s: &Statistics, scale: f64) {
    for (stat, v) in [
        (Stat::Value, Some(s.mean)),
        (Stat::Mean, Some(s.mean)),
        (Stat::Min, Some(s.min)),
        (Stat::Max, Some(s.max)),
        (Stat::Stddev, s.sd),
        (Stat::Median, s.p50),
        (Stat::P75, s.p75),
        (Stat::P99, s.p99),
        (Stat::P999, s.p999),
    ] {
        if let Some(v) = v {
            metric.stats.insert(stat, v * scale);
        }
    }
    let samples = s.samples.as_deref().unwrap_or_default();
    metric.n = s.samples_count.or((!samples.is_empty()).then_some(samples.len() as u64));
    metric.samples = samples.iter().map(|v| v * scale).collect();
}

fn metrics_of(path: &Path, origin: &str, name: String, result: &TaskResult) -> Result<Vec<Metric>> {
    let failed = |why: String| at(path, origin, format!("task `{name}` {why}; the gate cannot judge it"));
    if let Some(state) = result.state.as_deref() {
        if !matches!(state, "completed" | "aborted-with-statistics") {
            return Err(failed(format!("ended in state `{state}`")));
        }
    }
    if result.error.is_some() {
        return Err(failed("threw an error in tinybench".into()));
    }
    if result.aborted && result.latency.is_none() && result.flat.mean.is_none() {
        return Err(failed("was aborted before it had statistics".into()));
    }
    let mut time = Metric::new(name.clone(), NS, Direction::LowerIsBetter).at(origin);
    let mut rate = Metric::new(name.clone(), "ops/s", Direction::HigherIsBetter)
        .measure(measures::THROUGHPUT)
        .at(format!("{origin}.throughput"));
    if let (Some(latency), Some(throughput)) = (&result.latency, &result.throughput) {
        from_statistics(&mut time, latency, NS_PER_MS);
        from_statistics(&mut rate, throughput, 1.0);
        return Ok(vec![time, rate]);
    }
    let flat = &result.flat;
    let (Some(mean), Some(hz)) = (flat.mean, flat.hz) else {
        return Err(failed(
            "has no statistics (expected `latency` and `throughput`, or tinybench 2's `mean` and `hz`)".into(),
        ));
    };
    time.stats.insert(Stat::Value, mean * NS_PER_MS);
    for (stat, v) in [
        (Stat::Mean, Some(mean)),
        (Stat::Min, flat.min),
        (Stat::Max, flat.max),
        (Stat::Stddev, flat.sd),
        (Stat::P75, flat.p75),
        (Stat::P99, flat.p99),
        (Stat::P999, flat.p999),
    ] {
        if let Some(v) = v {
            time.stats.insert(stat, v * NS_PER_MS);
        }
    }
    time.samples = flat.samples.iter().flatten().map(|v| v * NS_PER_MS).collect();
    rate.stats.insert(Stat::Value, hz);
    rate.n = (!time.samples.is_empty()).then_some(time.samples.len() as u64);
    Ok(vec![time, rate])
}

impl Format for Tinybench {
    fn name(&self) -> &'static str {
        "tinybench"
    }

    fn describe(&self) -> &'static str {
        "tinybench results: JSON.stringify(bench.tasks.map(t => ({name: t.name, result: t.result}))) (or bench.results)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 4096);
        head.trim_start().starts_with('[')
            && head.contains("\"period\"")
            && head.contains("\"totalTime\"")
            && (head.contains("\"latency\"") || head.contains("\"hz\""))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let entries: Vec<serde_json::Value> = from_json(path, text)?;
        let mut metrics = Vec::new();
        let mut names = std::collections::HashSet::new();
        for (i, entry) in entries.into_iter().enumerate() {
            // `{name, result}` from `bench.tasks`, or a bare result (or `null`) from `bench.results`.
            let named = entry.get("name").is_some() && entry.get("result").is_some();
            let (origin, name, result) = if named {
                let task: Named = from_value(path, &format!("[{i}]"), entry)?;
                (format!("[{i}].result"), task.name, task.result)
            } else {
                let result: Option<TaskResult> = from_value(path, &format!("[{i}]"), entry)?;
                (format!("[{i}]"), format!("task[{i}]"), result)
            };
            if name.trim().is_empty() {
                return Err(at(path, format!("[{i}].name"), "is empty; expected the task's name"));
            }
            if !names.insert(name.clone()) {
                return Err(at(path, origin, format!("task `{name}` appears twice; give the tasks distinct names")));
            }
            let Some(result) = result else {
                return Err(at(path, origin, format!("task `{name}` has no result: it did not run")));
            };
            metrics.extend(metrics_of(path, &origin, name, &result)?);
        }
        if metrics.is_empty() {
            return Err(Error::input(path, Place::Whole, "no tinybench task in this file (an empty list)"));
        }
        Ok(metrics)
    }
}

/// Deserializes one array entry, with the JSON path of a problem inside it.
fn from_value<T: serde::de::DeserializeOwned>(path: &Path, prefix: &str, value: serde_json::Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let place = if inner == "." { prefix.to_string() } else { format!("{prefix}.{inner}") };
        at(path, place, e.into_inner().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, fixture, read_as};
    use super::*;

    fn parse_fixture(file: &str) -> Result<Vec<Metric>> {
        let path = fixture(file);
        Tinybench.parse(&path, &std::fs::read_to_string(&path).unwrap())
    }

    #[test]
    fn tinybench_6_tasks_with_and_without_samples() {
        assert_eq!(detected("tinybench/v6_tasks.json"), "tinybench");
        let metrics = read_as("tinybench", "tinybench/v6_tasks.json");
        assert_eq!(metrics.len(), 4);
        let fib = find(&metrics, "fib(10)");
        assert_eq!(fib.unit, NS);
        assert_eq!(fib.stat(Stat::Value), Some(0.00861682500000036 * 1e6));
        assert_eq!(fib.stat(Stat::Median), Some(0.0017130000000094014 * 1e6));
        assert_eq!(fib.n, Some(40));
        let rate = find(&metrics, "fib(10) [throughput]");
        assert_eq!(rate.stat(Stat::Value), Some(546791.2482604218));
        assert_eq!(rate.stat(Stat::Stddev), Some(106854.83726728699));
        assert_eq!(rate.direction, Direction::HigherIsBetter);

        let metrics = read_as("tinybench", "tinybench/v6_tasks_samples.json");
        let sort = find(&metrics, "sort 100");
        assert_eq!(sort.n, Some(40));
        assert_eq!(sort.stat(Stat::Min), Some(0.009735000000006266 * 1e6));
    }

    #[test]
    fn tinybench_5_and_2_shapes() {
        assert_eq!(detected("tinybench/v5_tasks.json"), "tinybench");
        let metrics = read_as("tinybench", "tinybench/v5_tasks.json");
        let fib = find(&metrics, "fib(10)");
        assert_eq!(fib.stat(Stat::Value), Some(0.030442649999999995 * 1e6));
        assert_eq!(fib.n, Some(40)); // from latency.samples
        assert_eq!(find(&metrics, "fib(10) [throughput]").stat(Stat::Value), Some(1582213.980208189));

        assert_eq!(detected("tinybench/v2_tasks.json"), "tinybench");
        let metrics = read_as("tinybench", "tinybench/v2_tasks.json");
        let fib = find(&metrics, "fib(10)");
        assert_eq!(fib.n, Some(40));
        assert_eq!(fib.stat(Stat::Mean), Some(0.010194674999999976 * 1e6));
        assert_eq!(find(&metrics, "fib(10) [throughput]").stat(Stat::Value), Some(98090.42465797118));
    }

    #[test]
    fn bench_results_are_named_by_index() {
        for file in ["tinybench/v6_results.json", "tinybench/v5_results.json", "tinybench/v2_results.json"] {
            assert_eq!(detected(file), "tinybench", "{file}");
            let metrics = read_as("tinybench", file);
            let names: Vec<String> = metrics.iter().map(Metric::display_name).collect();
            assert_eq!(names, ["task[0]", "task[0] [throughput]", "task[1]", "task[1] [throughput]"], "{file}");
        }
        let v6 = read_as("tinybench", "tinybench/v6_results.json");
        assert_eq!(find(&v6, "task[0]").stat(Stat::Value), Some(0.00861682500000036 * 1e6));
    }

    #[test]
    fn a_task_that_threw_is_an_error_in_every_version() {
        for file in
            ["tinybench/v6_tasks_failed.json", "tinybench/v5_tasks_failed.json", "tinybench/v2_tasks_failed.json"]
        {
            let err = parse_fixture(file).unwrap_err().to_string();
            assert!(err.contains("at `[2].result`") && err.contains("task `throws`"), "{file}: {err}");
        }
        let err = parse_fixture("tinybench/v6_tasks_failed.json").unwrap_err().to_string();
        assert!(err.contains("state `errored`"), "{err}");
    }

    #[test]
    fn tasks_that_did_not_run_and_empty_lists() {
        let err = Tinybench.parse(Path::new("t.json"), "[null]").unwrap_err().to_string();
        assert!(err.contains("task[0]") && err.contains("did not run"), "{err}");
        let err = Tinybench.parse(Path::new("t.json"), r#"[{"name":"a","result":{"state":"not-started"}}]"#);
        assert!(err.unwrap_err().to_string().contains("state `not-started`"));
        let err = Tinybench.parse(Path::new("t.json"), "[]").unwrap_err().to_string();
        assert!(err.contains("no tinybench task"), "{err}");
        let err = Tinybench.parse(Path::new("t.json"), r#"[{"name":"a","result":{"latency":{"mean":"x"}}}]"#);
        let err = err.unwrap_err().to_string();
        assert!(err.contains("at `[0].result.latency.mean`"), "{err}");
    }
}
