//! Google Benchmark: the JSON of `--benchmark_format=json` (stdout) or
//! `--benchmark_out=FILE --benchmark_out_format=json`.
//!
//! Schema: google/benchmark `src/json_reporter.cc` (`JSONReporter::PrintRunData`) at v1.9.1,
//! https://github.com/google/benchmark/blob/v1.9.1/src/json_reporter.cc (read here from 1.5-era
//! and 1.7.1 files).
//!
//! One benchmark per `run_name` (the name without an aggregate suffix). Its rows are the
//! repetitions (`run_type: iteration`), which become raw samples, and the aggregates
//! (`run_type: aggregate`: `mean`, `median`, `stddev`, user statistics `min`/`max`), which give
//! those stats as the library computed them; `cv` (a ratio of two of them) and the complexity
//! fits (`BigO`, `RMS`, not measurements) are not read. Measures: `real_time` is the headline,
//! `cpu_time` the `cpu-time` measure, each user counter one measure by its name
//! (`bytes_per_second` in B/s and `items_per_second` in items/s are higher-is-better; a counter's
//! flags are not in the JSON, so other counters are plain lower-is-better numbers), and the memory
//! manager's `allocs_per_iter` the `allocations` measure.
//!
//! A row with `error_occurred` (`SkipWithError`: the benchmark failed) or `skipped`
//! (`SkipWithMessage`, 1.8+) has no measurement and is left out (a failed one then reads as
//! `missing` against a baseline); a file with nothing else is an error naming the failures.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{at, Format};
use crate::error::{from_json, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::{canonicalize, NS};

pub struct GoogleBenchmark;

#[derive(Deserialize)]
struct Document {
    benchmarks: Vec<Map<String, Value>>,
}

/// Keys of a row that are not counters.
const KNOWN: &[&str] = &[
    "name",
    "family_index",
    "per_family_instance_index",
    "run_name",
    "run_type",
    "repetitions",
    "repetition_index",
    "threads",
    "aggregate_name",
    "aggregate_unit",
    "error_occurred",
    "error_message",
    "skipped",
    "skip_message",
    "iterations",
    "real_time",
    "cpu_time",
    "time_unit",
    "label",
    // Memory manager: net_heap_growth (may be negative, not per iteration) is not read;
    // allocs_per_iter, max_bytes_used and total_allocated_bytes are, as counters.
    "net_heap_growth",
];

/// The measures of one benchmark while its rows are gathered: per measure, its unit, the
/// repetitions' values and the aggregates.
struct Bench {
    name: String,
    origin: String,
    measures: Vec<Measure>,
    repetitions: u64,
    iterations: u64,
    aggregates_only: bool,
}

struct Measure {
    measure: Option<String>,
    unit: String,
    samples: Vec<f64>,
    stats: Vec<(Stat, f64)>,
}

impl Bench {
    fn measure(&mut self, measure: Option<&str>, unit: &str) -> &mut Measure {
        let i = match self.measures.iter().position(|m| m.measure.as_deref() == measure) {
            Some(i) => i,
            None => {
                self.measures.push(Measure {
                    measure: measure.map(str::to_string),
                    unit: unit.to_string(),
                    samples: Vec::new(),
                    stats: Vec::new(),
                });
                self.measures.len() - 1
            }
        };
        &mut self.measures[i]
    }
}

impl Format for GoogleBenchmark {
    fn name(&self) -> &'static str {
        "google-benchmark"
    }

    fn describe(&self) -> &'static str {
        "Google Benchmark: ./bench --benchmark_format=json > FILE, or --benchmark_out=FILE --benchmark_out_format=json"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 4096);
        head.trim_start().starts_with('{')
            && head.contains("\"context\"")
            && head.contains("\"num_cpus\"")
            && (head.contains("\"mhz_per_cpu\"") || head.contains("\"library_build_type\""))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let document: Document = from_json(path, text)?;
        let mut benches: Vec<Bench> = Vec::new();
        let mut failed = Vec::new();
        for (i, row) in document.benchmarks.iter().enumerate() {
            let origin = format!("benchmarks[{i}]");
            let field = |key: &str| format!("{origin}.{key}");
            let text_of = |key: &str| row.get(key).and_then(Value::as_str);
            let name = text_of("run_name").or(text_of("name")).filter(|n| !n.is_empty());
            let name = name.ok_or_else(|| at(path, field("name"), "is missing; expected the benchmark's name"))?;
            if row.get("error_occurred").and_then(Value::as_bool) == Some(true) {
                let why = text_of("error_message").unwrap_or("no message");
                failed.push(format!("`{name}` ({why}, at `{origin}`)"));
                continue;
            }
            if row.get("skipped").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let aggregate = match text_of("run_type") {
                Some("aggregate") => {
                    let kind = text_of("aggregate_name").unwrap_or("");
                    match kind {
                        "mean" => Some(Stat::Mean),
                        "median" => Some(Stat::Median),
                        "stddev" => Some(Stat::Stddev),
                        "min" => Some(Stat::Min),
                        "max" => Some(Stat::Max),
                        // cv, BigO, RMS and other user statistics: see the module docs.
                        _ => continue,
                    }
                }
                Some("iteration") | None => None,
                Some(other) => {
                    return Err(at(
                        path,
                        field("run_type"),
                        format!("is `{other}`; expected `iteration` or `aggregate`"),
                    ))
                }
            };
            let number = |key: &str| -> Result<f64> {
                row.get(key).and_then(Value::as_f64).ok_or_else(|| at(path, field(key), "expected a number"))
            };
            let time_unit = text_of("time_unit").unwrap_or("ns");
            if crate::units::duration_factor(time_unit).is_none() {
                return Err(at(path, field("time_unit"), format!("is `{time_unit}`; expected ns, us, ms or s")));
            }
            let real = canonicalize(number("real_time")?, time_unit).0;
            let cpu = canonicalize(number("cpu_time")?, time_unit).0;

            let bench = match benches.iter().position(|b| b.name == name) {
                Some(b) => &mut benches[b],
                None => {
                    benches.push(Bench {
                        name: name.to_string(),
                        origin: origin.clone(),
                        measures: Vec::new(),
                        repetitions: 0,
                        iterations: 0,
                        aggregates_only: true,
                    });
                    benches.last_mut().expect("just pushed")
                }
            };
            let mut values =
                vec![(None, NS.to_string(), real), (Some(measures::CPU_TIME.to_string()), NS.to_string(), cpu)];
            for (key, value) in row {
                if KNOWN.contains(&key.as_str()) {
                    continue;
                }
                let Some(value) = value.as_f64() else { continue };
                let (measure, unit) = counter(key);
                values.push((Some(measure), unit, value));
            }
            match aggregate {
                None => {
                    bench.aggregates_only = false;
                    bench.repetitions += 1;
                    bench.iterations += number("iterations")? as u64;
                    for (measure, unit, value) in values {
                        bench.measure(measure.as_deref(), &unit).samples.push(value);
                    }
                }
                Some(stat) => {
                    if bench.aggregates_only {
                        bench.repetitions = row.get("repetitions").and_then(Value::as_u64).unwrap_or(0);
                    }
                    for (measure, unit, value) in values {
                        bench.measure(measure.as_deref(), &unit).stats.push((stat, value));
                    }
                }
            }
        }
        if benches.is_empty() {
            if !failed.is_empty() {
                return Err(super::no_results(path, &failed, ""));
            }
            return Err(at(path, "benchmarks", "holds no benchmark run; did the --benchmark_filter match nothing?"));
        }
        Ok(benches.into_iter().flat_map(into_metrics).collect())
    }
}

/// A counter's measure name and unit: `bytes_per_second` → B/s, `items_per_second` → items/s,
/// `allocs_per_iter` → the `allocations` measure.
fn counter(key: &str) -> (String, String) {
    if key == "allocs_per_iter" {
        return (measures::ALLOCATIONS.to_string(), "allocs/op".to_string());
    }
    let unit = match key.strip_suffix("_per_second") {
        Some("bytes") => "B/s".to_string(),
        Some(thing) => format!("{thing}/s"),
        None if key.ends_with("_bytes") || key.ends_with("_bytes_used") => "B".to_string(),
        None => String::new(),
    };
    (key.to_string(), unit)
}

fn into_metrics(bench: Bench) -> Vec<Metric> {
    let single = bench.repetitions == 1 && !bench.aggregates_only;
    bench
        .measures
        .into_iter()
        .map(|m| {
            let direction = Direction::for_unit(&m.unit);
            let mut metric = Metric::new(bench.name.clone(), m.unit, direction).at(bench.origin.clone());
            metric.measure = m.measure;
            metric.stats.extend(m.stats.iter().copied());
            // The headline: the library's mean over repetitions, else the one run's figure, else
            // the mean of the repetitions (when aggregates were not reported).
            let value = match (metric.stat(Stat::Mean), m.samples.as_slice()) {
                (Some(mean), _) => Some(mean),
                (None, [one]) => Some(*one),
                (None, many) if !many.is_empty() => Some(many.iter().sum::<f64>() / many.len() as f64),
                _ => metric.stat(Stat::Median),
            };
            if let Some(value) = value {
                metric.stats.insert(Stat::Value, value);
            }
            if single {
                if let Some(first) = m.samples.first() {
                    metric.stats.insert(Stat::Mean, *first);
                }
            } else {
                metric.samples = m.samples;
            }
            metric.n = Some(bench.repetitions);
            if !bench.aggregates_only {
                metric.iterations = Some(bench.iterations);
            }
            metric
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use super::*;

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() <= expected.abs() * 1e-9)
    }

    #[test]
    fn upstream_file_reads_real_time_as_the_headline() {
        // bencher/cpp/google/two.txt (JSON despite its name) = github-action-benchmark googlecpp_output.json.
        assert_eq!(detected("google-benchmark/bencher_two.txt"), "google-benchmark");
        let metrics = read_as("google-benchmark", "google-benchmark/bencher_two.txt");
        let fib10 = find(&metrics, "fib_10");
        assert_eq!((fib10.unit.as_str(), fib10.n, fib10.iterations), ("ns", Some(1), Some(3070566)));
        assert!(close(fib10.stat(Stat::Value), 214.98980114547953));
        assert!(close(find(&metrics, "fib_10 [cpu-time]").stat(Stat::Value), 213.65507206163295));
        assert!(close(find(&metrics, "fib_20").stat(Stat::Value), 27455.600415007055));
        assert_eq!(metrics.len(), 4);
    }

    #[test]
    fn units_threads_and_counters() {
        assert_eq!(detected("google-benchmark/plain.json"), "google-benchmark");
        let metrics = read_as("google-benchmark", "google-benchmark/plain.json");
        assert!(close(find(&metrics, "BM_Fib/20").stat(Stat::Value), 7780.873175920877), "us → ns");
        let threads = find(&metrics, "BM_Copy/4096/threads:2");
        assert!(close(threads.stat(Stat::Value), 26.000826571058006));
        let bytes = find(&metrics, "BM_Copy/4096/threads:2 [bytes_per_second]");
        assert_eq!((bytes.unit.as_str(), bytes.direction), ("B/s", Direction::HigherIsBetter));
        assert!(close(bytes.stat(Stat::Value), 7.901949913535576e10));
        let items = find(&metrics, "BM_Copy/4096/threads:1 [items_per_second]");
        assert_eq!((items.unit.as_str(), items.direction), ("items/s", Direction::HigherIsBetter));
        let nodes = find(&metrics, "BM_Copy/4096/threads:2 [nodes]");
        assert_eq!((nodes.unit.as_str(), nodes.direction), ("", Direction::LowerIsBetter));
        assert!(close(nodes.stat(Stat::Value), 84.0));
        // 3 BM_Fib × 2 measures + 2 BM_Copy × (2 + 4 counters).
        assert_eq!(metrics.len(), 18);
    }

    #[test]
    fn repetitions_are_samples_and_aggregates_are_not_benchmarks() {
        let metrics = read_as("google-benchmark", "google-benchmark/repetitions.json");
        assert_eq!(metrics.len(), 2 + 6, "BM_Fib/10 and BM_Copy/4096/threads:1 only");
        let fib = find(&metrics, "BM_Fib/10");
        assert_eq!((fib.n, fib.iterations), (Some(3), Some(3 * 482851)));
        assert!(close(fib.stat(Stat::Value), 90.92888765537658), "the library's mean");
        assert!(close(fib.stat(Stat::Median), 86.19669836027747));
        assert!(close(fib.stat(Stat::Stddev), 11.90766902035645));
        assert!(close(fib.stat(Stat::Max), 104.47520456614016), "from the samples");
        let visits = find(&metrics, "BM_Copy/4096/threads:1 [visits]");
        assert!(close(visits.stat(Stat::Median), 15953804.046280295));
        assert_eq!(visits.n, Some(3));

        let only = read_as("google-benchmark", "google-benchmark/aggregates_only.json");
        assert_eq!(only.len(), 4);
        let fib = find(&only, "BM_Fib/15");
        assert_eq!((fib.n, fib.iterations), (Some(3), None));
        assert!(close(fib.stat(Stat::Value), 729.1240399583997));
        assert!(close(fib.stat(Stat::Stddev), 37.647251400135296));
        assert!(fib.stat(Stat::P90).is_none(), "no samples");
    }

    #[test]
    fn complexity_fits_are_not_measurements() {
        let metrics = read_as("google-benchmark", "google-benchmark/complexity.json");
        let names: Vec<String> = metrics.iter().filter(|m| m.measure.is_none()).map(|m| m.name.clone()).collect();
        assert_eq!(names, ["BM_Sort/64", "BM_Sort/256", "BM_Sort/1024"]);
    }

    #[test]
    fn memory_manager_counts() {
        let metrics = read_as("google-benchmark", "google-benchmark/memory.json");
        let allocs = find(&metrics, "BM_VectorPush [allocations]");
        assert_eq!(allocs.unit, "allocs/op");
        assert!(close(allocs.stat(Stat::Value), 8.0625));
        assert_eq!(find(&metrics, "BM_StringConcat [max_bytes_used]").unit, "B");
        assert!(close(find(&metrics, "BM_StringConcat [total_allocated_bytes]").stat(Stat::Value), 7664.0));
    }

    #[test]
    fn failed_benchmarks_are_left_out_and_errors_say_where() {
        let metrics = read_as("google-benchmark", "google-benchmark/error.json");
        assert_eq!(metrics.iter().map(|m| m.display_name()).collect::<Vec<_>>(), ["BM_Fib/10", "BM_Fib/10 [cpu-time]"]);
        let failed = r#"{"benchmarks": [{"name": "BM_Fails", "run_type": "iteration", "error_occurred": true,
            "error_message": "could not open the input file", "iterations": 1, "real_time": 0, "cpu_time": 0}]}"#;
        let err = GoogleBenchmark.parse(Path::new("gb.json"), failed).unwrap_err().to_string();
        assert!(err.contains("`BM_Fails` (could not open the input file, at `benchmarks[0]`)"), "{err}");

        let p = Path::new("gb.json");
        let err = GoogleBenchmark.parse(p, r#"{"benchmarks": []}"#).unwrap_err().to_string();
        assert!(err.contains("no benchmark run"), "{err}");
        let row = r#"{"benchmarks": [{"name": "a", "run_type": "iteration", "iterations": 1, "real_time": "x", "cpu_time": 1}]}"#;
        let err = GoogleBenchmark.parse(p, row).unwrap_err().to_string();
        assert!(err.contains("benchmarks[0].real_time") && err.contains("expected a number"), "{err}");
        let unit = r#"{"benchmarks": [{"name": "a", "iterations": 1, "real_time": 1, "cpu_time": 1, "time_unit": "furlong"}]}"#;
        assert!(GoogleBenchmark.parse(p, unit).unwrap_err().to_string().contains("furlong"));
    }
}
