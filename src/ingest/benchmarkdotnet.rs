//! BenchmarkDotNet's JSON exporters (`*-report-full.json`, `*-report-full-compressed.json`,
//! `*-report-brief.json`): one entry per benchmark case in `Benchmarks`.
//!
//! Schema: BenchmarkDotNet 0.15 `src/BenchmarkDotNet/Exporters/Json/JsonExporterBase.cs`
//! (`Statistics` is `Mathematics/Statistics.cs`, `Memory` is `Engines/GcStats.cs`),
//! https://github.com/dotnet/BenchmarkDotNet/blob/v0.15.8/src/BenchmarkDotNet/Exporters/Json/JsonExporterBase.cs
//!
//! - Name: `FullName` (namespace, type, method and parameters, as BenchmarkDotNet prints them);
//!   exporters before 0.11 lack it, so it is rebuilt from `Namespace`, `Type`, `Method`.
//! - Headline: `Statistics.Mean` in nanoseconds (the first column of its summary table).
//! - Samples: the per-operation times BenchmarkDotNet computed its statistics from
//!   (`Statistics.OriginalValues`, else the `Workload`/`Result` measurements). `Workload`/`Actual`
//!   measurements still include the harness overhead BenchmarkDotNet subtracts: samples from
//!   them would sit above the mean they are summarised with.
//! - `Memory` (with `[MemoryDiagnoser]`): `allocated` bytes per operation, and
//!   `gen0-collects`…`gen2-collects` per 1000 operations, as its summary table shows them. The
//!   raw totals depend on how many operations the run happened to pick, so they are not
//!   comparable between runs.

use std::path::Path;

use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::{BYTES, NS};

pub struct BenchmarkDotNet;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Report {
    benchmarks: Vec<Benchmark>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Benchmark {
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default, rename = "Type")]
    type_name: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    parameters: Option<String>,
    /// `null` when the benchmark failed to run.
    statistics: Option<Statistics>,
    #[serde(default)]
    memory: Option<GcStats>,
    #[serde(default)]
    measurements: Vec<Measurement>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Statistics {
    mean: f64,
    #[serde(default)]
    median: Option<f64>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    standard_deviation: Option<f64>,
    #[serde(default)]
    original_values: Option<Vec<f64>>,
    #[serde(default)]
    n: Option<u64>,
    #[serde(default)]
    percentiles: Option<Percentiles>,
}

#[derive(Deserialize)]
struct Percentiles {
    #[serde(rename = "P50")]
    p50: Option<f64>,
    #[serde(rename = "P90")]
    p90: Option<f64>,
    #[serde(rename = "P95")]
    p95: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GcStats {
    gen0_collections: f64,
    gen1_collections: f64,
    gen2_collections: f64,
    total_operations: f64,
    bytes_allocated_per_operation: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Measurement {
    iteration_mode: String,
    #[serde(default)]
    iteration_stage: Option<String>,
    operations: f64,
    nanoseconds: f64,
}

impl Format for BenchmarkDotNet {
    fn name(&self) -> &'static str {
        "benchmarkdotnet"
    }

    fn describe(&self) -> &'static str {
        "BenchmarkDotNet: BenchmarkDotNet.Artifacts/results/*-report-full.json ([JsonExporterAttribute.Full] or --exporters json)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 8192);
        head.trim_start().starts_with('{')
            && head.contains("\"Benchmarks\"")
            && (head.contains("\"HostEnvironmentInfo\"") || head.contains("\"BenchmarkDotNetVersion\""))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let report: Report = from_json(path, text)?;
        if report.benchmarks.is_empty() {
            return Err(at(path, "Benchmarks", "is empty: BenchmarkDotNet ran no benchmark (check the --filter)"));
        }
        let mut metrics = Vec::new();
        for (i, b) in report.benchmarks.into_iter().enumerate() {
            let origin = format!("Benchmarks[{i}]");
            let name = name(&b).ok_or_else(|| {
                at(path, &origin, "has neither `FullName` nor `Method`; expected the benchmark's name")
            })?;
            let Some(stats) = &b.statistics else {
                return Err(at(
                    path,
                    format!("{origin}.Statistics"),
                    format!("is null: benchmark `{name}` did not run to completion (see BenchmarkDotNet's log)"),
                ));
            };
            let mut time = Metric::new(&name, NS, Direction::LowerIsBetter)
                .at(&origin)
                .with_stat(Stat::Value, stats.mean)
                .with_stat(Stat::Mean, stats.mean);
            for (stat, value) in [
                (Stat::Median, stats.median),
                (Stat::Min, stats.min),
                (Stat::Max, stats.max),
                (Stat::Stddev, stats.standard_deviation),
                (Stat::P50, stats.percentiles.as_ref().and_then(|p| p.p50)),
                (Stat::P90, stats.percentiles.as_ref().and_then(|p| p.p90)),
                (Stat::P95, stats.percentiles.as_ref().and_then(|p| p.p95)),
            ] {
                if let Some(v) = value {
                    time.stats.insert(stat, v);
                }
            }
            time.samples = match &stats.original_values {
                Some(values) if !values.is_empty() => values.clone(),
                _ => result_measurements(&b.measurements),
            };
            if time.samples.is_empty() {
                time.n = stats.n;
            }
            metrics.push(time);

            if let Some(gc) = &b.memory {
                let per_op = |v: f64| Metric::new(&name, BYTES, Direction::LowerIsBetter).with_stat(Stat::Value, v);
                metrics.push(
                    per_op(gc.bytes_allocated_per_operation)
                        .measure(measures::ALLOCATED)
                        .at(format!("{origin}.Memory")),
                );
                for (measure, count) in [
                    (measures::GEN0_COLLECTS, gc.gen0_collections),
                    (measures::GEN1_COLLECTS, gc.gen1_collections),
                    (measures::GEN2_COLLECTS, gc.gen2_collections),
                ] {
                    if gc.total_operations <= 0.0 {
                        return Err(at(
                            path,
                            format!("{origin}.Memory.TotalOperations"),
                            format!("is {}; expected the positive number of operations run", gc.total_operations),
                        ));
                    }
                    metrics.push(
                        Metric::new(&name, "collects/1000 ops", Direction::LowerIsBetter)
                            .measure(measure)
                            .at(format!("{origin}.Memory"))
                            .with_stat(Stat::Value, count / gc.total_operations * 1000.0),
                    );
                }
            }
        }
        Ok(metrics)
    }
}

fn name(b: &Benchmark) -> Option<String> {
    if let Some(full) = b.full_name.as_deref().filter(|n| !n.trim().is_empty()) {
        return Some(full.to_string());
    }
    let method = b.method.as_deref().filter(|m| !m.trim().is_empty())?;
    let mut name: Vec<&str> = [b.namespace.as_deref(), b.type_name.as_deref()].into_iter().flatten().collect();
    name.push(method);
    let mut name = name.join(".");
    if let Some(params) = b.parameters.as_deref().filter(|p| !p.is_empty()) {
        name = format!("{name}({params})");
    }
    Some(name)
}

/// Per-operation times of the `Workload`/`Result` stage (0.11+; `Result` mode before).
fn result_measurements(all: &[Measurement]) -> Vec<f64> {
    all.iter()
        .filter(|m| {
            (m.iteration_mode == "Workload" && m.iteration_stage.as_deref() == Some("Result"))
                || (m.iteration_mode == "Result" && m.iteration_stage.is_none())
        })
        .filter(|m| m.operations > 0.0)
        .map(|m| m.nanoseconds / m.operations)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use crate::model::Stat;

    #[test]
    fn memory_diagnoser_gives_allocations_and_collections_per_1000_operations() {
        assert_eq!(detected("benchmarkdotnet/memory_diagnoser.json"), "benchmarkdotnet");
        let metrics = read_as("benchmarkdotnet", "benchmarkdotnet/memory_diagnoser.json");
        assert_eq!(metrics.len(), 2 * 5);
        let name = "BenchmarkDotNet.Samples.Memory.AllocEmptyList";
        let time = find(&metrics, name);
        assert_eq!(time.unit, "ns");
        assert_eq!(time.stat(Stat::Value), Some(77.494_494_120_279_95));
        assert_eq!(time.stat(Stat::Median), Some(77.418_124_675_750_73));
        assert_eq!(time.n, Some(3), "the three Result-stage values");
        let allocated = find(&metrics, &format!("{name} [allocated]"));
        assert_eq!((allocated.unit.as_str(), allocated.stat(Stat::Value)), ("B", Some(368.0)));
        // 184 collections in 8,388,608 operations: BenchmarkDotNet's Gen0 column shows 0.0219.
        let gen0 = find(&metrics, &format!("{name} [gen0-collects]"));
        assert!((gen0.stat(Stat::Value).unwrap() - 0.021_934_509_277_343_75).abs() < 1e-12);
        assert_eq!(find(&metrics, &format!("{name} [gen2-collects]")).stat(Stat::Value), Some(0.0));
    }

    #[test]
    fn samples_are_the_values_its_statistics_come_from() {
        let metrics = read_as("benchmarkdotnet", "benchmarkdotnet/compressed_v0_12.json");
        let fib = find(&metrics, "Sample.Benchmarks.Fib10");
        assert_eq!(fib.stat(Stat::Value), Some(24.420_208_500_964_3));
        assert_eq!(fib.stat(Stat::Stddev), Some(0.198_121_253_078_370_9));
        assert_eq!(fib.n, Some(14));
        assert_eq!(fib.stat(Stat::Max), Some(24.805_462_032_556_534));
    }

    #[test]
    fn old_exporter_without_full_name_and_null_namespace() {
        assert_eq!(detected("benchmarkdotnet/v0_9_two.json"), "benchmarkdotnet");
        let metrics = read_as("benchmarkdotnet", "benchmarkdotnet/v0_9_two.json");
        let sleep = find(&metrics, "BenchmarkDotNet.Samples.Intro.IntroJsonExport.Sleep10");
        assert_eq!(sleep.stat(Stat::Value), Some(10_362_283.085_796_878));
        let metrics = read_as("benchmarkdotnet", "benchmarkdotnet/null_namespace.json");
        assert_eq!(find(&metrics, "NullNamespaceMethod").stat(Stat::Value), Some(0.0));
    }

    #[test]
    fn failed_and_empty_runs_say_so() {
        use super::{BenchmarkDotNet, Format};
        let p = std::path::Path::new("r-report-full.json");
        let err = BenchmarkDotNet
            .parse(p, r#"{"HostEnvironmentInfo": {}, "Benchmarks": [{"FullName": "A.B.C", "Statistics": null}]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Benchmarks[0].Statistics") && err.contains("A.B.C"), "{err}");
        let err = BenchmarkDotNet.parse(p, r#"{"HostEnvironmentInfo": {}, "Benchmarks": []}"#).unwrap_err().to_string();
        assert!(err.contains("ran no benchmark"), "{err}");
    }
}
