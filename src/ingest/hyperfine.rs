//! hyperfine `--export-json`: one metric per benchmarked command, times in seconds.
//!
//! Schema: hyperfine v1.18 `src/benchmark/benchmark_result.rs` (`BenchmarkResult`) as written
//! by `src/export/json.rs`, https://github.com/sharkdp/hyperfine/blob/v1.18.0/src/benchmark/benchmark_result.rs

use std::path::Path;

use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, Result};
use crate::model::{Direction, Metric, Stat};
use crate::units::NS;

pub struct Hyperfine;

#[derive(Deserialize)]
struct Export {
    results: Vec<BenchmarkResult>,
}

#[derive(Deserialize)]
struct BenchmarkResult {
    command: String,
    mean: f64,
    /// `null` when the command ran once.
    stddev: Option<f64>,
    median: f64,
    min: f64,
    max: f64,
    /// Absent in exports of hyperfine before 1.6.
    #[serde(default)]
    times: Option<Vec<f64>>,
    /// Mean user and system CPU seconds per run of the command.
    #[serde(default)]
    user: Option<f64>,
    #[serde(default)]
    system: Option<f64>,
}

const NS_PER_S: f64 = 1e9;

impl Hyperfine {
    fn detect_text(&self, text: &str) -> bool {
        let head = super::head(text, 4096);
        head.contains("\"results\"") && head.contains("\"command\"") && head.contains("\"mean\"")
    }
}

impl Format for Hyperfine {
    fn name(&self) -> &'static str {
        "hyperfine"
    }

    fn describe(&self) -> &'static str {
        "hyperfine: hyperfine --export-json FILE"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        self.detect_text(text)
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let export: Export = from_json(path, text)?;
        let mut metrics = Vec::with_capacity(export.results.len());
        for (i, result) in export.results.into_iter().enumerate() {
            if result.command.trim().is_empty() {
                return Err(at(path, format!("results[{i}].command"), "is empty; expected the benchmarked command"));
            }
            let mut metric = Metric::new(result.command, NS, Direction::LowerIsBetter)
                .at(format!("results[{i}]"))
                .with_stat(Stat::Value, result.mean * NS_PER_S)
                .with_stat(Stat::Mean, result.mean * NS_PER_S)
                .with_stat(Stat::Median, result.median * NS_PER_S)
                .with_stat(Stat::Min, result.min * NS_PER_S)
                .with_stat(Stat::Max, result.max * NS_PER_S);
            if let Some(stddev) = result.stddev {
                metric.stats.insert(Stat::Stddev, stddev * NS_PER_S);
            }
            if let Some(times) = result.times {
                metric.samples = times.iter().map(|t| t * NS_PER_S).collect();
            }
            // CPU time (user + system) hardly moves when the runner is loaded, where wall time
            // does: identical code measured 92–105 ms of CPU while its mean wall time ranged
            // 110–549 ms (fixtures/noise). A budget can name it with `measure: cpu-time`.
            let cpu = match (result.user, result.system) {
                (Some(user), Some(system)) => Some(
                    Metric::new(metric.name.clone(), NS, Direction::LowerIsBetter)
                        .measure(crate::model::measures::CPU_TIME)
                        .at(format!("results[{i}].user"))
                        .with_stat(Stat::Value, (user + system) * NS_PER_S)
                        .with_stat(Stat::Mean, (user + system) * NS_PER_S),
                ),
                _ => None,
            };
            metrics.push(metric);
            metrics.extend(cpu);
        }
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use crate::model::Stat;

    #[test]
    fn two_commands_in_seconds_become_nanoseconds() {
        assert_eq!(detected("hyperfine/two_commands.json"), "hyperfine");
        let metrics = read_as("hyperfine", "hyperfine/two_commands.json");
        assert_eq!(metrics.len(), 4, "wall time and cpu-time of each command");
        let cpu = find(&metrics, "sleep 0.01 [cpu-time]");
        assert!(cpu.stat(Stat::Value).is_some_and(|v| v > 0.0 && v < 10e6), "{cpu:?}");
        let fast = find(&metrics, "sleep 0.01");
        assert_eq!(fast.unit, "ns");
        assert_eq!(fast.n, Some(10));
        assert!(fast.stat(Stat::Mean).is_some_and(|m| (10e6..20e6).contains(&m)));
    }

    #[test]
    fn regression_detection_does_not_slice_inside_a_character() {
        // Issue 14.1: 4,095 ASCII bytes then `é` straddling byte 4096 panicked the detector.
        let text = format!("{}é", "a".repeat(4095));
        assert!(!super::Hyperfine.detect_text(&text));
    }
}
