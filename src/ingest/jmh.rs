//! JMH `-rf json` (`jmh-result.json`): one entry per benchmark × parameter combination.
//!
//! Schema: JMH 1.37 `jmh-core/src/main/java/org/openjdk/jmh/results/format/JSONResultFormat.java`,
//! https://github.com/openjdk/jmh/blob/1.37/jmh-core/src/main/java/org/openjdk/jmh/results/format/JSONResultFormat.java
//!
//! - The headline is `primaryMetric.score` in `scoreUnit`: `ops/s` (thrpt, higher is better) or
//!   `us/op` (avgt, ss, sample; lower is better), converted to canonical units.
//! - `rawData` (one array of iteration scores per fork) are the samples. Sample mode writes
//!   `rawDataHistogram` instead; its percentiles come from `scorePercentiles`.
//! - Parameters go into the name the way JMH's own log prints them (`# Parameters: (size = 10)`):
//!   `Bench.method (size = 10)`.
//! - `secondaryMetrics` become measures named as JMH names them, without the `·` prefix JMH
//!   wrote before 1.37; `gc.alloc.rate.norm` (bytes per operation) is `allocated`. Every `gc.*`
//!   figure (allocation rate, collections, GC time) is lower-is-better even where its unit is a
//!   rate (`MB/sec`).

use std::path::Path;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::canonicalize;

pub struct Jmh;

/// One element of the top-level array (`BenchmarkListEntry` + `RunResult` in JMH's writer).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    benchmark: String,
    /// In declaration order, as JMH writes them (a plain map would sort them).
    #[serde(default, deserialize_with = "ordered_params")]
    params: Vec<(String, String)>,
    primary_metric: Score,
    #[serde(default, deserialize_with = "ordered_scores")]
    secondary_metrics: Vec<(String, Score)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Score {
    score: f64,
    score_unit: String,
    /// Keys are percentiles written as numbers in strings ("0.0", "50.0", "99.9", "100.0").
    #[serde(default)]
    score_percentiles: Option<std::collections::BTreeMap<String, f64>>,
    /// Per fork, per iteration.
    #[serde(default)]
    raw_data: Option<Vec<Vec<f64>>>,
    /// Sample mode: per fork, per iteration, `[value, count]` pairs.
    #[serde(default)]
    raw_data_histogram: Option<Vec<Vec<Histogram>>>,
}

/// One iteration's `[value, count]` pairs in sample mode.
type Histogram = Vec<(f64, u64)>;

impl Format for Jmh {
    fn name(&self) -> &'static str {
        "jmh"
    }

    fn describe(&self) -> &'static str {
        "JMH: java -jar benchmarks.jar -rf json -rff jmh-result.json (add -prof gc for allocations)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 8192);
        head.trim_start().starts_with('[')
            && head.contains("\"benchmark\"")
            && (head.contains("\"jmhVersion\"") || head.contains("\"primaryMetric\""))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let entries: Vec<Entry> = from_json(path, text)?;
        if entries.is_empty() {
            return Err(at(path, ".", "is an empty list: JMH ran no benchmark (check the include pattern)"));
        }
        let mut metrics = Vec::new();
        for (i, entry) in entries.into_iter().enumerate() {
            if entry.benchmark.trim().is_empty() {
                return Err(at(path, format!("[{i}].benchmark"), "is empty; expected the benchmark's name"));
            }
            let name = name_with_params(&entry.benchmark, &entry.params);
            let origin = format!("[{i}].primaryMetric");
            let primary = metric(path, &name, None, &entry.primary_metric, &origin, None)?;
            metrics.push(primary);
            for (key, score) in &entry.secondary_metrics {
                let jmh_name = key.trim_start_matches('·');
                let origin = format!("[{i}].secondaryMetrics.{key}");
                let (measure, direction) = match jmh_name {
                    "gc.alloc.rate.norm" => (measures::ALLOCATED, Some(Direction::LowerIsBetter)),
                    n if n.starts_with("gc.") => (n, Some(Direction::LowerIsBetter)),
                    n => (n, None),
                };
                metrics.push(metric(path, &name, Some(measure), score, &origin, direction)?);
            }
        }
        Ok(metrics)
    }
}

/// `Bench.method (a = 1, b = x)`, or the bare name without parameters.
fn name_with_params(benchmark: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        return benchmark.to_string();
    }
    let list: Vec<String> = params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    format!("{benchmark} ({})", list.join(", "))
}

fn metric(
    path: &Path,
    name: &str,
    measure: Option<&str>,
    score: &Score,
    origin: &str,
    direction: Option<Direction>,
) -> Result<Metric> {
    if score.score_unit.trim().is_empty() {
        return Err(at(path, format!("{origin}.scoreUnit"), "is empty; expected a unit such as `ops/s` or `us/op`"));
    }
    let convert = |v: f64| canonicalize(v, &score.score_unit).0;
    let (value, unit) = canonicalize(score.score, &score.score_unit);
    let direction = direction.unwrap_or(Direction::for_unit(&unit));
    let mut metric =
        Metric::new(name, unit, direction).at(origin).with_stat(Stat::Value, value).with_stat(Stat::Mean, value);
    if let Some(measure) = measure {
        metric = metric.measure(measure);
    }
    if let Some(raw) = &score.raw_data {
        metric.samples = raw.iter().flatten().map(|v| convert(*v)).collect();
    }
    if metric.samples.is_empty() {
        // Sample mode (or a file without raw data): JMH's own percentiles stand in.
        for (key, v) in score.score_percentiles.iter().flatten() {
            let stat = match key.as_str() {
                "0.0" => Stat::Min,
                "50.0" => Stat::Median,
                "90.0" => Stat::P90,
                "95.0" => Stat::P95,
                "99.0" => Stat::P99,
                "99.9" => Stat::P999,
                "100.0" => Stat::Max,
                _ => continue,
            };
            metric.stats.insert(stat, convert(*v));
        }
        if let Some(p50) = metric.stat(Stat::Median) {
            metric.stats.insert(Stat::P50, p50);
        }
        if let Some(histogram) = &score.raw_data_histogram {
            metric.n = Some(histogram.iter().flatten().flatten().map(|(_, count)| count).sum());
        }
    }
    Ok(metric)
}

/// Reads a JSON object into its (key, value) pairs in file order.
fn ordered<'de, D, V>(deserializer: D) -> std::result::Result<Vec<(String, V)>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Pairs<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> Visitor<'de> for Pairs<V> {
        type Value = Vec<(String, V)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
            let mut pairs = Vec::new();
            while let Some(pair) = map.next_entry()? {
                pairs.push(pair);
            }
            Ok(pairs)
        }
    }
    deserializer.deserialize_map(Pairs(std::marker::PhantomData))
}

fn ordered_params<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<(String, String)>, D::Error> {
    ordered(d)
}

fn ordered_scores<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<(String, Score)>, D::Error> {
    ordered(d)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use crate::model::{Direction, Stat};

    #[test]
    fn average_time_in_microseconds_becomes_nanoseconds() {
        assert_eq!(detected("jmh/avgt_one.json"), "jmh");
        let metrics = read_as("jmh", "jmh/avgt_one.json");
        assert_eq!(metrics.len(), 1);
        let m = find(&metrics, "com.example.Main.hutool");
        assert_eq!(m.unit, "ns");
        assert_eq!(m.direction, Direction::LowerIsBetter);
        assert!((m.stat(Stat::Value).unwrap() - 22_931.155_043_669).abs() < 1e-6);
        assert_eq!(m.n, Some(5), "five measurement iterations in rawData");
    }

    #[test]
    fn throughput_is_higher_is_better_and_params_go_in_the_name() {
        assert_eq!(detected("jmh/thrpt_params_gab.json"), "jmh");
        let metrics = read_as("jmh", "jmh/thrpt_params_gab.json");
        let m =
            find(&metrics, "org.openjdk.jmh.samples.JMHSample_01_HelloWorld.wellHelloThere (paramA = 17, paramB = 33)");
        assert_eq!(m.unit, "ops/s");
        assert_eq!(m.direction, Direction::HigherIsBetter);
        assert_eq!(m.stat(Stat::Value), Some(3_376_238_873.122_818_5));
        assert_eq!(m.n, Some(3));
    }

    #[test]
    fn gc_profiler_figures_are_measures_of_the_benchmark() {
        let metrics = read_as("jmh", "jmh/avgt_gc_profiler.json");
        assert_eq!(metrics.len(), 10 * 5);
        let name = "com.course.hsa.BstMemoryBenchmark.testMemory (size = 1000000)";
        let time = find(&metrics, name);
        assert_eq!((time.unit.as_str(), time.stat(Stat::Value)), ("ns", Some(365.177_927_647_058_8 * 1e6)));
        let allocated = find(&metrics, &format!("{name} [allocated]"));
        assert_eq!((allocated.unit.as_str(), allocated.stat(Stat::Value)), ("B", Some(102_278_174.030_501_08)));
        let rate = find(&metrics, &format!("{name} [gc.alloc.rate]"));
        assert_eq!(rate.unit, "B/s");
        assert_eq!(rate.direction, Direction::LowerIsBetter, "allocating faster is worse, though it is a rate");
        assert!((rate.stat(Stat::Value).unwrap() - 165.262_954_208_128_55e6).abs() < 1e-3);
        assert_eq!(find(&metrics, &format!("{name} [gc.count]")).unit, "counts");
        assert_eq!(find(&metrics, &format!("{name} [gc.time]")).stat(Stat::Value), Some(2265.0 * 1e6));
    }

    #[test]
    fn secondary_names_lose_the_dot_jmh_wrote_before_1_37() {
        let metrics = read_as("jmh", "jmh/avgt_gc_profiler_dot_names.json");
        let name = "pt.kcry.blake3.benchmark.Blake3Benchmark.newHasher (dataLen = 16384, hashLen = 256)";
        let allocated = find(&metrics, &format!("{name} [allocated]"));
        assert_eq!(allocated.stat(Stat::Value), Some(5_008.001_365_491_836));
        find(&metrics, &format!("{name} [gc.churn.G1_Eden_Space.norm]"));
        assert!(metrics.iter().all(|m| !m.display_name().contains('·')));
    }

    #[test]
    fn jmh_golden_file_with_forks_odd_params_and_secondaries() {
        // JMH's own result-format test data: rawData of 7 forks, params with quotes and brackets.
        let metrics = read_as("jmh", "jmh/jmh_golden.json");
        let name = "benchmark_0 (param0 = value0, param1 = [value1], param2 = {value2}, param3 = 'value3', param4 = \"value4\")";
        let m = find(&metrics, name);
        assert_eq!(m.unit, "ops/s");
        assert!((m.stat(Stat::Value).unwrap() - 528_857.142_857_143).abs() < 1e-6, "ops/ms × 1000");
        assert_eq!(m.n, Some(14), "rawData of every fork are samples");
        assert_eq!(m.stat(Stat::Max), Some(942_000.0));
        let secondary = find(&metrics, &format!("{name} [secondary1]"));
        assert_eq!(secondary.direction, Direction::HigherIsBetter, "a rate that is not a gc figure");
    }

    #[test]
    fn single_shot_milliseconds() {
        let metrics = read_as("jmh", "jmh/single_shot_params.json");
        let m = find(&metrics, "org.jetbrains.ObjectToObjectBenchmark.get_sqlite (mapSize = 100, oneFailureOutOf = 2)");
        assert!((m.stat(Stat::Value).unwrap() - 219_015.575).abs() < 1e-6);
    }

    #[test]
    fn empty_and_malformed_files_say_what_is_wrong() {
        use super::{Format, Jmh};
        let p = std::path::Path::new("jmh-result.json");
        let err = Jmh.parse(p, "[]").unwrap_err().to_string();
        assert!(err.contains("JMH ran no benchmark"), "{err}");
        let bad = r#"[{"benchmark": "a.b", "mode": "avgt", "primaryMetric": {"score": "fast", "scoreUnit": "us/op"}}]"#;
        let err = Jmh.parse(p, bad).unwrap_err().to_string();
        assert!(err.contains("[0].primaryMetric.score"), "{err}");
    }
}
