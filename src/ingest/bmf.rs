//! Bencher Metric Format (BMF): `{"<benchmark>": {"<measure>": {"value": n, "lower_value": n,
//! "upper_value": n}}}`, what `bencher run` reads from any tool and what its adapters produce.
//!
//! Schema: bencher `services/console/public/bmf.json` and the built-in measures in
//! `lib/bencher_json/src/project/measure/built_in.rs`, at
//! https://github.com/bencherdev/bencher/tree/8d75325c3bc59403a2186a056b472c4f49d42838
//!
//! Measures: `latency` (ns) is the benchmark's headline; `throughput` (operations per second),
//! `build-time` (seconds) and `file-size` (bytes) keep Bencher's meaning and units; any other
//! measure is kept by its slug (`Total Bytes` → `total-bytes`), unit-less, lower-is-better.
//! `lower_value`/`upper_value` are each adapter's own bounds (mean ∓ stddev for some, a
//! confidence interval for others), so they are not read as any one statistic.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::{BYTES, NS};

pub struct Bmf;

#[derive(Deserialize)]
struct Measure {
    value: f64,
}

impl Format for Bmf {
    fn name(&self) -> &'static str {
        "bmf"
    }

    fn describe(&self) -> &'static str {
        "Bencher Metric Format JSON {\"bench\": {\"latency\": {\"value\": 12.3}}} (what bencher run --adapter json reads)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        looks_like_bmf(super::head(text, 4096))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let document: BTreeMap<String, BTreeMap<String, Measure>> = from_json(path, text)?;
        if document.is_empty() {
            return Err(at(
                path,
                ".",
                "is an empty object; expected {\"<benchmark>\": {\"<measure>\": {\"value\": …}}}",
            ));
        }
        let mut metrics = Vec::new();
        for (name, measure_map) in document {
            if name.trim().is_empty() {
                return Err(at(path, ".", "has a benchmark with an empty name"));
            }
            if measure_map.is_empty() {
                return Err(at(path, &name, "has no measure; expected e.g. {\"latency\": {\"value\": 12.3}}"));
            }
            for (measure, m) in measure_map {
                let origin = format!("{name}.{measure}");
                let slug = slug(&measure);
                let metric = match slug.as_str() {
                    "latency" => Metric::new(&name, NS, Direction::LowerIsBetter).with_stat(Stat::Value, m.value),
                    "throughput" => Metric::new(&name, "ops/s", Direction::HigherIsBetter)
                        .measure(measures::THROUGHPUT)
                        .with_stat(Stat::Value, m.value),
                    "build-time" => Metric::new(&name, NS, Direction::LowerIsBetter)
                        .measure("build-time")
                        .with_stat(Stat::Value, m.value * 1e9),
                    "file-size" => Metric::new(&name, BYTES, Direction::LowerIsBetter)
                        .measure("file-size")
                        .with_stat(Stat::Value, m.value),
                    "" => return Err(at(path, origin, "is a measure without a name")),
                    _ => Metric::new(&name, "", Direction::LowerIsBetter).measure(slug).with_stat(Stat::Value, m.value),
                };
                metrics.push(metric.at(origin));
            }
        }
        Ok(metrics)
    }
}

/// Bencher's slug of a measure name: lower case, anything but letters and digits becomes `-`.
pub(crate) fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// `{ "name": { "measure": { "value"|"lower_value"|"upper_value": number, … } } }` at the start:
/// the first measure object must hold only those keys (a k6 gauge `{"value", "min", "max"}`
/// must not pass).
fn looks_like_bmf(head: &str) -> bool {
    let mut s = Scanner(head);
    for _ in 0..2 {
        if !(s.eat('{') && s.string().is_some() && s.eat(':')) {
            return false;
        }
    }
    if !s.eat('{') {
        return false;
    }
    let mut saw_value = false;
    loop {
        let Some(key) = s.string() else { return false };
        if !s.eat(':') || !s.number() {
            return false;
        }
        match key {
            "value" => saw_value = true,
            "lower_value" | "upper_value" => {}
            _ => return false,
        }
        if s.eat('}') {
            return saw_value;
        }
        if !s.eat(',') {
            return false;
        }
    }
}

struct Scanner<'a>(&'a str);

impl<'a> Scanner<'a> {
    fn skip_ws(&mut self) {
        self.0 = self.0.trim_start();
    }
    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        match self.0.strip_prefix(c) {
            Some(rest) => {
                self.0 = rest;
                true
            }
            None => false,
        }
    }
    /// A JSON string's raw content (escapes left as written).
    fn string(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let rest = self.0.strip_prefix('"')?;
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    self.0 = &rest[i + 1..];
                    return Some(&rest[..i]);
                }
                _ => escaped = false,
            }
        }
        None
    }
    fn number(&mut self) -> bool {
        self.skip_ws();
        let end = self.0.find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))).unwrap_or(0);
        if end == 0 {
            if let Some(rest) = self.0.strip_prefix("null") {
                self.0 = rest;
                return true;
            }
            return false;
        }
        self.0 = &self.0[end..];
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use super::{looks_like_bmf, slug};
    use crate::model::{Direction, Stat};

    #[test]
    fn latency_is_the_headline_in_nanoseconds() {
        assert_eq!(detected("bmf/latency.json"), "bmf");
        let metrics = read_as("bmf", "bmf/latency.json");
        assert_eq!(metrics.len(), 3);
        let a = find(&metrics, "tests::benchmark_a");
        assert_eq!((a.unit.as_str(), a.stat(Stat::Value)), ("ns", Some(3247.0)));
        assert_eq!(a.direction, Direction::LowerIsBetter);
    }

    #[test]
    fn keys_may_be_uuids_slugs_or_names() {
        let metrics = read_as("bmf", "bmf/mixed_keys.json");
        find(&metrics, "31aba8a9-977a-47d1-9fb6-e6b94b428471");
        assert_eq!(find(&metrics, "benchmark-b").stat(Stat::Value), Some(3443.0));
    }

    #[test]
    fn custom_measures_keep_their_slug() {
        assert_eq!(detected("bmf/dhat_measures.json"), "bmf");
        let metrics = read_as("bmf", "bmf/dhat_measures.json");
        assert_eq!(metrics.len(), 6);
        assert_eq!(find(&metrics, "bench_play_game [total-bytes]").stat(Stat::Value), Some(662.0));
        assert_eq!(find(&metrics, "bench_play_game [max-blocks]").stat(Stat::Value), Some(1.0));
    }

    #[test]
    fn detection_is_strict_about_the_measure_object() {
        assert!(looks_like_bmf(r#"{"a": {"latency": {"value": 1.5, "lower_value": null}}}"#));
        assert!(!looks_like_bmf(r#"{"metrics": {"vus": {"value": 5, "min": 5, "max": 5}}}"#), "a k6 gauge");
        assert!(!looks_like_bmf(r#"{"metrics": [{"name": "x"}]}"#));
        assert!(!looks_like_bmf(r#"{"a": {"latency": {"lower_value": 1}}}"#));
        assert_eq!(slug("At t-gmax Bytes"), "at-t-gmax-bytes");
    }

    #[test]
    fn empty_documents_and_bad_values_explain_themselves() {
        use super::{Bmf, Format};
        let p = std::path::Path::new("bmf.json");
        assert!(Bmf.parse(p, "{}").unwrap_err().to_string().contains("empty object"));
        assert!(Bmf.parse(p, r#"{"a": {}}"#).unwrap_err().to_string().contains("has no measure"));
        let err = Bmf.parse(p, r#"{"a": {"latency": {"value": "3 ms"}}}"#).unwrap_err().to_string();
        assert!(err.contains("a.latency.value"), "{err}");
    }
}
