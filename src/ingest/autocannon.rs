//! autocannon `-j` (`--json`): one JSON object per run on stdout; several runs appended to one
//! file (`autocannon -j … >> out.json`) are read as several benchmarks.
//!
//! Schema: autocannon 9.0.0 `lib/run.js` (the result object) and `lib/histUtil.js`
//! (`histAsObj`/`addPercentiles`: `average mean stddev min max p0_001 … p99_999`),
//! https://github.com/mcollina/autocannon/blob/v9.0.0/lib/run.js
//!
//! Name: `title` (`--title`) if given, else the `url`. Measures:
//! - headline: request latency (ms → ns): mean, stddev, min, max, p50, p75, p90, p99, p99_9→p999,
//!   over `totalCount` responses. autocannon's p0_001 … p25, p97_5, p99_99 and p99_999 have no
//!   place among our stats and are dropped;
//! - `throughput`: requests per second (`req/s`, sampled once per `sampleInt`, 1 s by default);
//! - `bytes-per-second`: response bytes per second (`B/s`, autocannon's own "throughput");
//! - `errors`, `timeouts`, `non2xx`: counts over the run, lower is better (`errors` includes the
//!   timeouts, as autocannon counts them).
//!
//! A run without a single timed response (server down, every request timed out, or only non-2xx
//! answers with `--excludeErrorStats`) has no latency to judge and is an error rather than a
//! 0 ms latency.

use std::path::Path;

use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, Error, Place, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::{BYTES, NS};

pub struct Autocannon;

#[derive(Deserialize)]
struct Run {
    title: Option<String>,
    url: Option<String>,
    errors: u64,
    timeouts: u64,
    non2xx: u64,
    samples: Option<u64>,
    latency: Histogram,
    requests: Histogram,
    throughput: Histogram,
}

#[derive(Deserialize)]
struct Histogram {
    mean: f64,
    stddev: f64,
    min: f64,
    max: f64,
    p50: f64,
    p75: f64,
    p90: f64,
    p99: f64,
    p99_9: f64,
    /// Latency only: how many responses were timed.
    #[serde(rename = "totalCount")]
    total_count: Option<u64>,
}

impl Histogram {
    fn fill(&self, metric: &mut Metric, scale: f64) {
        for (stat, v) in [
            (Stat::Value, self.mean),
            (Stat::Mean, self.mean),
            (Stat::Stddev, self.stddev),
            (Stat::Min, self.min),
            (Stat::Max, self.max),
            (Stat::P50, self.p50),
            (Stat::Median, self.p50),
            (Stat::P75, self.p75),
            (Stat::P90, self.p90),
            (Stat::P99, self.p99),
            (Stat::P999, self.p99_9),
        ] {
            metric.stats.insert(stat, v * scale);
        }
    }
}

const NS_PER_MS: f64 = 1e6;
/// The measure of autocannon's own `throughput` (bytes per second), which cannot take the
/// standard `throughput` name: that one is requests per second, as for every other tool.
pub const BYTES_PER_SECOND: &str = "bytes-per-second";

fn metrics_of(path: &Path, origin: &str, run: Run) -> Result<Vec<Metric>> {
    let Some(name) = run.title.or(run.url).filter(|n| !n.trim().is_empty()) else {
        return Err(at(path, join(origin, "."), "has neither `title` nor `url`; expected autocannon's `-j` output"));
    };
    let responses = run.latency.total_count.unwrap_or(0);
    if responses == 0 {
        return Err(at(
            path,
            join(origin, "latency.totalCount"),
            format!(
                "`{name}` has no timed response ({} errors, {} timeouts, {} non-2xx): was the server up? There is \
                 no latency to judge",
                run.errors, run.timeouts, run.non2xx
            ),
        ));
    }
    let mut latency = Metric::new(name.clone(), NS, Direction::LowerIsBetter).at(join(origin, "latency"));
    run.latency.fill(&mut latency, NS_PER_MS);
    latency.n = Some(responses);

    let mut requests = Metric::new(name.clone(), "req/s", Direction::HigherIsBetter)
        .measure(measures::THROUGHPUT)
        .at(join(origin, "requests"));
    run.requests.fill(&mut requests, 1.0);
    requests.n = run.samples;

    let bytes_unit = format!("{BYTES}/s");
    let mut bytes = Metric::new(name.clone(), bytes_unit.clone(), Direction::for_unit(&bytes_unit))
        .measure(BYTES_PER_SECOND)
        .at(join(origin, "throughput"));
    run.throughput.fill(&mut bytes, 1.0);
    bytes.n = run.samples;

    let mut metrics = vec![latency, requests, bytes];
    for (measure, count) in [("errors", run.errors), ("timeouts", run.timeouts), ("non2xx", run.non2xx)] {
        metrics.push(
            Metric::new(name.clone(), "", Direction::LowerIsBetter)
                .measure(measure)
                .at(join(origin, measure))
                .with_stat(Stat::Value, count as f64),
        );
    }
    Ok(metrics)
}

impl Format for Autocannon {
    fn name(&self) -> &'static str {
        "autocannon"
    }

    fn describe(&self) -> &'static str {
        "autocannon JSON: autocannon -j URL > FILE (several runs may be appended to one file)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 4096);
        head.trim_start().starts_with('{')
            && head.contains("\"connections\"")
            && head.contains("\"pipelining\"")
            && head.contains("\"latency\"")
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        // One object per run; `-j … >> file` appends further ones.
        let mut metrics = Vec::new();
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
        let mut start = 0;
        let mut runs = 0;
        loop {
            let next = stream.next();
            let end = stream.byte_offset();
            match next {
                None => break,
                // Let the single-document reader explain where and why.
                Some(Err(_)) => {
                    return Err(from_json::<serde_json::Value>(path, &text[start..]).err().unwrap_or_else(|| {
                        Error::input(path, Place::Whole, "is not JSON; expected autocannon's `-j` output")
                    }))
                }
                Some(Ok(_)) => {}
            }
            let run_text = text[start..end].trim_start();
            let origin = if runs == 0 && text[end..].trim().is_empty() {
                String::new()
            } else {
                let line = text[..end - run_text.len()].matches('\n').count() + 1;
                format!("run {} (line {line})", runs + 1)
            };
            let run: Run = from_json(path, run_text).map_err(|e| match e {
                // serde's line numbers count from the start of this run's line.
                Error::Input { message, place: Place::JsonPath(inner), .. } if !origin.is_empty() => {
                    at(path, join(&origin, &inner), message)
                }
                other => other,
            })?;
            metrics.extend(metrics_of(path, &origin, run)?);
            runs += 1;
            start = end;
        }
        if metrics.is_empty() {
            return Err(Error::input(path, Place::Whole, "no autocannon run in this file"));
        }
        Ok(metrics)
    }
}

/// `field` inside the run `origin` (empty for a file holding one run).
fn join(origin: &str, field: &str) -> String {
    match (origin.is_empty(), field.is_empty() || field == ".") {
        (true, _) => field.to_string(),
        (false, true) => origin.to_string(),
        (false, false) => format!("{origin}, {field}"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, fixture, read_as};
    use super::*;

    fn parse_fixture(file: &str) -> Result<Vec<Metric>> {
        let path = fixture(file);
        Autocannon.parse(&path, &std::fs::read_to_string(&path).unwrap())
    }

    #[test]
    fn one_run_every_measure() {
        assert_eq!(detected("autocannon/one.json"), "autocannon");
        let metrics = read_as("autocannon", "autocannon/one.json");
        let names: Vec<String> = metrics.iter().map(Metric::display_name).collect();
        let url = "http://127.0.0.1:3111/";
        assert_eq!(
            names,
            [
                url.to_string(),
                format!("{url} [throughput]"),
                format!("{url} [bytes-per-second]"),
                format!("{url} [errors]"),
                format!("{url} [timeouts]"),
                format!("{url} [non2xx]")
            ]
        );
        let latency = find(&metrics, url);
        assert_eq!(latency.unit, NS);
        assert_eq!(latency.stat(Stat::Value), Some(0.04 * 1e6));
        assert_eq!(latency.stat(Stat::Max), Some(20.0 * 1e6));
        assert_eq!(latency.stat(Stat::P999), Some(5.0 * 1e6));
        assert_eq!(latency.n, Some(42595));
        let requests = find(&metrics, &format!("{url} [throughput]"));
        assert_eq!((requests.unit.as_str(), requests.direction), ("req/s", Direction::HigherIsBetter));
        assert_eq!(requests.stat(Stat::Value), Some(21298.0));
        assert_eq!(requests.n, Some(2));
        let bytes = find(&metrics, &format!("{url} [bytes-per-second]"));
        assert_eq!((bytes.unit.as_str(), bytes.direction), ("B/s", Direction::HigherIsBetter));
        assert_eq!(bytes.stat(Stat::Value), Some(2854144.0));
        let errors = find(&metrics, &format!("{url} [errors]"));
        assert_eq!((errors.stat(Stat::Value), errors.direction), (Some(0.0), Direction::LowerIsBetter));
    }

    #[test]
    fn title_names_the_run_and_timeouts_and_non2xx_are_counted() {
        let metrics = read_as("autocannon", "autocannon/title.json");
        assert_eq!(find(&metrics, "slow endpoint").stat(Stat::Mean), Some(9.71 * 1e6));

        let metrics = read_as("autocannon", "autocannon/timeouts.json");
        let url = "http://127.0.0.1:3111/flaky";
        assert_eq!(find(&metrics, &format!("{url} [timeouts]")).stat(Stat::Value), Some(4.0));
        assert_eq!(find(&metrics, &format!("{url} [errors]")).stat(Stat::Value), Some(4.0));

        let metrics = read_as("autocannon", "autocannon/non2xx.json");
        assert_eq!(find(&metrics, "http://127.0.0.1:3111/missing [non2xx]").stat(Stat::Value), Some(13811.0));
    }

    #[test]
    fn appended_runs_are_several_benchmarks() {
        assert_eq!(detected("autocannon/appended.json"), "autocannon");
        let metrics = read_as("autocannon", "autocannon/appended.json");
        assert_eq!(metrics.len(), 12);
        assert_eq!(find(&metrics, "home").stat(Stat::Mean), Some(0.01 * 1e6));
        assert_eq!(find(&metrics, "slow [throughput]").stat(Stat::Value), Some(203.0));
    }

    #[test]
    fn no_response_at_all_is_an_error() {
        let err = parse_fixture("autocannon/refused.json").unwrap_err().to_string();
        assert!(
            err.contains("at `latency.totalCount`")
                && err.contains("no timed response")
                && err.contains("17816 errors"),
            "{err}"
        );
    }

    #[test]
    fn bad_input_names_the_run_and_path() {
        let one = std::fs::read_to_string(fixture("autocannon/one.json")).unwrap();
        let broken = format!("{}\n{}", one.trim_end(), one.replace("\"stddev\"", "\"stdev\""));
        let err = Autocannon.parse(Path::new("a.json"), &broken).unwrap_err().to_string();
        assert!(err.contains("at `run 2 (line 2), latency`: missing field `stddev` (line 1 "), "{err}");
        let err = Autocannon.parse(Path::new("a.json"), &one.replace("\"stddev\"", "\"stdev\"")).unwrap_err();
        assert!(err.to_string().starts_with("a.json: at `latency`: missing field `stddev`"), "{err}");
        let err = Autocannon.parse(Path::new("a.json"), "{\"url\": ").unwrap_err().to_string();
        assert!(err.contains("a.json") && err.contains("ends too early"), "{err}");
    }
}
