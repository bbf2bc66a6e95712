//! libtest's JSON event stream for benches (nightly only):
//! `cargo +nightly bench -- -Z unstable-options --format json > FILE`, one JSON object per line.
//!
//! Format: rust-lang/rust `library/test/src/formatters/json.rs` (`JsonFormatter::write_result`,
//! `TrBench`: `{ "type": "bench", "name", "median", "deviation"[, "mib_per_second"] }`), commit
//! 07a63e6d1fabf3560e8e1e17c1d56b10a06152d9,
//! https://github.com/rust-lang/rust/blob/07a63e6d1fabf3560e8e1e17c1d56b10a06152d9/library/test/src/formatters/json.rs
//! (nightly 2026-05 writes `median`/`deviation` as decimals rather than integers).
//!
//! `median` (ns per iteration) is the headline and the median; `deviation` is max − min, not read
//! as a standard deviation; `mib_per_second` (`Bencher::bytes`; despite its name computed as
//! bytes·1000/ns, i.e. MB/s, the text output's `= N MB/s`) is the `throughput` measure in B/s.
//! A `"event": "failed"` bench has no result and is left out (it reads as `missing` against a
//! baseline; a file where all failed is an error naming them). Lines that are not JSON objects
//! (cargo's `Running …` on a merged stderr) are framing and skipped.

use std::path::Path;

use serde::Deserialize;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::NS;

pub struct LibtestJson;

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    median: Option<f64>,
    #[serde(default)]
    mib_per_second: Option<f64>,
}

impl Format for LibtestJson {
    fn name(&self) -> &'static str {
        "libtest-json"
    }

    fn describe(&self) -> &'static str {
        "libtest JSON events (nightly): cargo +nightly bench -- -Z unstable-options --format json > FILE"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        // libtest starts every event with its type: `{ "type": "suite", ...`. Other JSON that
        // merely contains these words (a minified report on one line) does not start so.
        let first = super::head(text, 4096).lines().map(str::trim).find(|l| l.starts_with('{'));
        first.and_then(|l| l.strip_prefix('{')).is_some_and(|l| {
            let kind = l.trim_start().strip_prefix("\"type\"").map(str::trim_start);
            let kind = kind.and_then(|k| k.strip_prefix(':')).map(str::trim_start);
            kind.is_some_and(|k| ["\"suite\"", "\"test\"", "\"bench\""].iter().any(|t| k.starts_with(t)))
        })
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let at_line = |line: usize, message: String| Error::input(path, Place::Line { line, column: None }, message);
        let mut metrics = Vec::new();
        let mut failed = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let number = i + 1;
            let line = line.trim();
            if !line.starts_with('{') {
                continue;
            }
            let event: Event =
                serde_json::from_str(line).map_err(|e| at_line(number, format!("not a libtest JSON event: {e}")))?;
            let name = || event.name.clone().filter(|n| !n.is_empty());
            match (event.kind.as_str(), event.event.as_deref()) {
                ("test", Some("failed")) => failed.push(format!("`{}` (line {number})", name().unwrap_or_default())),
                ("bench", _) => {
                    let name = name().ok_or_else(|| at_line(number, "a bench event without a `name`".into()))?;
                    let median =
                        event.median.ok_or_else(|| at_line(number, format!("bench `{name}` has no `median`")))?;
                    let origin = format!("line {number}");
                    metrics.push(
                        Metric::new(name.clone(), NS, Direction::LowerIsBetter)
                            .at(origin.clone())
                            .with_stat(Stat::Value, median)
                            .with_stat(Stat::Median, median),
                    );
                    if let Some(mbs) = event.mib_per_second {
                        metrics.push(
                            Metric::new(name, "B/s", Direction::HigherIsBetter)
                                .measure(measures::THROUGHPUT)
                                .at(origin)
                                .with_stat(Stat::Value, mbs * 1e6),
                        );
                    }
                }
                _ => {}
            }
        }
        if metrics.is_empty() {
            return Err(super::no_results(path, &failed, "holds no `\"type\": \"bench\"` event: no benchmark ran"));
        }
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, fixture, read_as};
    use super::*;

    #[test]
    fn bench_events_with_throughput() {
        assert_eq!(detected("libtest/many.json"), "libtest-json");
        let metrics = read_as("libtest-json", "libtest/many.json");
        assert_eq!(metrics.len(), 4);
        let fib = find(&metrics, "fib_20");
        assert_eq!((fib.unit.as_str(), fib.stat(Stat::Value)), ("ns", Some(21466.491313559323)));
        let copy = find(&metrics, "copy_4k [throughput]");
        assert_eq!((copy.unit.as_str(), copy.stat(Stat::Value)), ("B/s", Some(95255e6)));
    }

    #[test]
    fn failures_are_left_out_and_bad_lines_say_where() {
        assert_eq!(detected("libtest/failed.json"), "libtest-json");
        let metrics = read_as("libtest-json", "libtest/failed.json");
        assert_eq!(metrics.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["works"]);
        let path = fixture("libtest/failed.json");
        let only_failed: String =
            std::fs::read_to_string(&path).unwrap().lines().take(3).collect::<Vec<_>>().join("\n");
        let err = LibtestJson.parse(&path, &only_failed).unwrap_err().to_string();
        assert!(err.contains("every benchmark in the file failed: `panics` (line 3)"), "{err}");
        let p = Path::new("b.json");
        let err = LibtestJson.parse(p, "{ \"type\": \"suite\", \"event\": \"started\" }\n{ \"type\": \"bench\", \"name\": \"x\", \"median\": \"fast\" }\n");
        assert!(err.unwrap_err().to_string().contains("line 2"));
        assert!(!LibtestJson.detect(p, r#"{"files": [{"type": "suite", "name": "x"}]}"#));
        let err = LibtestJson.parse(p, "{ \"type\": \"suite\", \"event\": \"ok\", \"measured\": 0 }\n").unwrap_err();
        assert!(err.to_string().contains("no benchmark ran"));
    }
}
