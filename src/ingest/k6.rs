//! k6's end-of-test summary as JSON, in both shapes k6 writes:
//! - `k6 run --summary-export=summary.json`: `{"root_group", "metrics": {name: {"avg", "p(95)", …}}}`,
//!   flat values and no metric types (k6 `lib/summary.go`/`js/summary.go` "legacy" export);
//! - `handleSummary(data)` writing `JSON.stringify(data)`: `{"metrics": {name: {"type",
//!   "contains", "values": {…}}}, "root_group", "options", "state"}`.
//!
//! Schema: k6 v0.49 `js/summary.go` (`exportSummary`, `summarizeMetrics`) and
//! https://grafana.com/docs/k6/latest/results-output/end-of-test/custom-summary/ (data format).
//!
//! One metric per k6 metric, named as k6 prints it, sub-metrics included
//! (`http_req_duration{expected_response:true}`):
//! - Trend: headline = `avg`; `med`, `min`, `max`, `p(90)`, `p(95)` (and p(50/75/99/99.9) where
//!   configured) as stats. `contains: time` (and k6's built-in timings in a summary export,
//!   which carries no types) are milliseconds → ns; a custom trend in a summary export is a
//!   plain number because the file does not say its unit.
//! - Counter: headline = `count`, measure `throughput` = `rate` per second (bytes for `data_*`).
//! - Rate: headline = the fraction (0–1, as k6 thresholds write it: `rate<0.01`).
//! - Gauge: headline = `value`, with `min`/`max`.
//!
//! Direction: k6 does not say which way is good. Request, iteration and data counts and rates are
//! higher-is-better, `checks` too; `http_req_failed`, other custom rates whose name says
//! fail/error, custom counters (usually error counts), trends and gauges are lower-is-better.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{at, Format};
use crate::error::{from_json, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::{BYTES, NS};

pub struct K6;

#[derive(Deserialize)]
struct Summary {
    metrics: BTreeMap<String, serde_json::Map<String, Value>>,
}

/// k6's own metrics whose trends are times (milliseconds), for summary exports that carry no
/// `contains`.
const TIME_TRENDS: &[&str] = &[
    "http_req_blocked",
    "http_req_connecting",
    "http_req_duration",
    "http_req_receiving",
    "http_req_sending",
    "http_req_tls_handshaking",
    "http_req_waiting",
    "iteration_duration",
    "group_duration",
    "ws_connecting",
    "ws_session_duration",
    "ws_ping",
    "grpc_req_duration",
];
const DATA_COUNTERS: &[&str] = &["data_received", "data_sent"];
const GOOD_COUNTERS: &[&str] =
    &["http_reqs", "iterations", "data_received", "data_sent", "ws_msgs_received", "ws_msgs_sent"];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Trend,
    Counter,
    Rate,
    Gauge,
}

impl Format for K6 {
    fn name(&self) -> &'static str {
        "k6"
    }

    fn describe(&self) -> &'static str {
        "k6: k6 run --summary-export=summary.json, or handleSummary() returning {'summary.json': JSON.stringify(data)}"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 8192);
        head.trim_start().starts_with('{')
            && ((head.contains("\"root_group\"") && (head.contains("\"metrics\"") || head.contains("\"groups\"")))
                || (head.contains("\"metrics\"") && head.contains("\"testRunDurationMs\"")))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let summary: Summary = from_json(path, text)?;
        if summary.metrics.is_empty() {
            return Err(at(path, "metrics", "is empty: the k6 run recorded no metric"));
        }
        let mut metrics = Vec::new();
        for (name, entry) in &summary.metrics {
            let origin = format!("metrics.{name}");
            let base = name.split('{').next().unwrap_or(name);
            let (kind, contains, values, values_path) = match entry.get("values") {
                // handleSummary data: typed.
                Some(Value::Object(values)) => {
                    let kind = match entry.get("type").and_then(Value::as_str) {
                        Some("trend") => Kind::Trend,
                        Some("counter") => Kind::Counter,
                        Some("rate") => Kind::Rate,
                        Some("gauge") => Kind::Gauge,
                        other => {
                            return Err(at(
                                path,
                                format!("{origin}.type"),
                                format!("is {other:?}; expected trend, counter, rate or gauge"),
                            ))
                        }
                    };
                    let contains = entry.get("contains").and_then(Value::as_str).unwrap_or("default");
                    (kind, contains, values, format!("{origin}.values"))
                }
                Some(_) => return Err(at(path, format!("{origin}.values"), "is not an object")),
                // --summary-export: the kind shows in the keys, the unit only for k6's own metrics.
                None => {
                    let has = |k: &str| entry.contains_key(k);
                    let kind = if has("avg") || has("med") {
                        Kind::Trend
                    } else if has("count") && has("rate") {
                        Kind::Counter
                    } else if has("passes") && has("fails") {
                        Kind::Rate
                    } else if has("value") {
                        Kind::Gauge
                    } else {
                        return Err(at(
                            path,
                            &origin,
                            "has none of avg/med (trend), count+rate (counter), passes+fails (rate), value (gauge)",
                        ));
                    };
                    let contains = if kind == Kind::Trend && TIME_TRENDS.contains(&base) {
                        "time"
                    } else if DATA_COUNTERS.contains(&base) {
                        "data"
                    } else {
                        "default"
                    };
                    (kind, contains, entry, origin.clone())
                }
            };
            let number = |key: &str| -> Result<Option<f64>> {
                match values.get(key) {
                    None => Ok(None),
                    Some(v) => v
                        .as_f64()
                        .map(Some)
                        .ok_or_else(|| at(path, format!("{values_path}.{key}"), format!("is {v}; expected a number"))),
                }
            };
            let required = |key: &str| -> Result<f64> {
                number(key)?.ok_or_else(|| at(path, &values_path, format!("has no `{key}`")))
            };
            let (scale, unit) = match contains {
                "time" => (1e6, NS.to_string()),
                "data" => (1.0, BYTES.to_string()),
                _ => (1.0, String::new()),
            };
            match kind {
                Kind::Trend => {
                    let mut m = Metric::new(name, &unit, Direction::LowerIsBetter)
                        .at(&values_path)
                        .with_stat(Stat::Value, required("avg")? * scale)
                        .with_stat(Stat::Mean, required("avg")? * scale);
                    for (key, stat) in [
                        ("med", Stat::Median),
                        ("min", Stat::Min),
                        ("max", Stat::Max),
                        ("p(50)", Stat::P50),
                        ("p(75)", Stat::P75),
                        ("p(90)", Stat::P90),
                        ("p(95)", Stat::P95),
                        ("p(99)", Stat::P99),
                        ("p(99.9)", Stat::P999),
                    ] {
                        if let Some(v) = number(key)? {
                            m.stats.insert(stat, v * scale);
                        }
                    }
                    metrics.push(m);
                }
                Kind::Counter => {
                    let direction = if GOOD_COUNTERS.contains(&base) {
                        Direction::HigherIsBetter
                    } else {
                        Direction::LowerIsBetter
                    };
                    let rate_unit = if unit == BYTES { "B/s".to_string() } else { format!("{base}/s") };
                    metrics.push(
                        Metric::new(name, &unit, direction).at(&values_path).with_stat(Stat::Value, required("count")?),
                    );
                    metrics.push(
                        Metric::new(name, rate_unit, direction)
                            .measure(measures::THROUGHPUT)
                            .at(&values_path)
                            .with_stat(Stat::Value, required("rate")?),
                    );
                }
                Kind::Rate => {
                    // handleSummary calls the fraction `rate`; the summary export calls it `value`.
                    let fraction = match number("rate")? {
                        Some(r) => r,
                        None => required("value")?,
                    };
                    let lower = base == "http_req_failed" || {
                        let b = base.to_ascii_lowercase();
                        base != "checks" && (b.contains("fail") || b.contains("error"))
                    };
                    let direction = if lower { Direction::LowerIsBetter } else { Direction::HigherIsBetter };
                    metrics.push(Metric::new(name, "", direction).at(&values_path).with_stat(Stat::Value, fraction));
                }
                Kind::Gauge => {
                    let mut m = Metric::new(name, &unit, Direction::LowerIsBetter)
                        .at(&values_path)
                        .with_stat(Stat::Value, required("value")? * scale);
                    for (key, stat) in [("min", Stat::Min), ("max", Stat::Max)] {
                        if let Some(v) = number(key)? {
                            m.stats.insert(stat, v * scale);
                        }
                    }
                    metrics.push(m);
                }
            }
        }
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use crate::model::{Direction, Stat};

    #[test]
    fn handle_summary_data_with_types_and_units() {
        assert_eq!(detected("k6/handle_summary.json"), "k6");
        let metrics = read_as("k6", "k6/handle_summary.json");
        let d = find(&metrics, "http_req_duration");
        assert_eq!((d.unit.as_str(), d.direction), ("ns", Direction::LowerIsBetter));
        assert_eq!(d.stat(Stat::Value), Some(255.6286 * 1e6));
        assert_eq!(d.stat(Stat::P95), Some(260.642_050_000_000_04 * 1e6));
        assert_eq!(d.stat(Stat::Median), Some(255.0285 * 1e6));
        find(&metrics, "http_req_duration{expected_response:true}");
        let reqs = find(&metrics, "http_reqs");
        assert_eq!(reqs.stat(Stat::Value), Some(20.0));
        let rps = find(&metrics, "http_reqs [throughput]");
        assert_eq!((rps.unit.as_str(), rps.stat(Stat::Value)), ("http_reqs/s", Some(2.416_933_324_906_292_8)));
        assert_eq!(rps.direction, Direction::HigherIsBetter);
        let received = find(&metrics, "data_received [throughput]");
        assert_eq!(received.unit, "B/s");
        let failed = find(&metrics, "http_req_failed");
        assert_eq!((failed.stat(Stat::Value), failed.direction), (Some(0.0), Direction::LowerIsBetter));
        assert_eq!(find(&metrics, "vus").stat(Stat::Max), Some(5.0));
    }

    #[test]
    fn custom_trends_and_rates_in_handle_summary() {
        let metrics = read_as("k6", "k6/handle_summary_custom.json");
        let case = find(&metrics, "case_duration_ms");
        assert_eq!(case.unit, "ns", "a custom Trend added with isTime=true says contains: time");
        let success = find(&metrics, "case_success_rate");
        assert_eq!(success.direction, Direction::HigherIsBetter);
        assert_eq!(success.stat(Stat::Value), Some(0.988_678_122_703_251_3));
        assert_eq!(find(&metrics, "checks").stat(Stat::Value), Some(0.988_678_122_703_251_3));
    }

    #[test]
    fn summary_export_has_no_types_but_k6_timings_are_milliseconds() {
        assert_eq!(detected("k6/summary_export.json"), "k6");
        assert_eq!(detected("k6/summary_export_custom.json"), "k6");
        let metrics = read_as("k6", "k6/summary_export_custom.json");
        let d = find(&metrics, "http_req_duration");
        assert_eq!((d.unit.as_str(), d.stat(Stat::P90)), ("ns", Some(117.318_742_000_000_01 * 1e6)));
        let failed = find(&metrics, "http_req_failed");
        assert_eq!(failed.stat(Stat::Value), Some(0.228_518_782_438_526_33), "the fraction, not the pass count");
        let dropped = find(&metrics, "dropped_iterations [throughput]");
        assert_eq!(dropped.direction, Direction::LowerIsBetter);
        assert_eq!(find(&metrics, "anon_limited_429").stat(Stat::Value), Some(1.0));
        assert_eq!(find(&metrics, "vus_max").stat(Stat::Value), Some(3083.0));
        assert_eq!(find(&metrics, "data_sent").unit, "B");
    }

    #[test]
    fn malformed_metrics_name_their_place() {
        use super::{Format, K6};
        let p = std::path::Path::new("summary.json");
        let err = K6.parse(p, r#"{"root_group": {}, "metrics": {"x": {"foo": 1}}}"#).unwrap_err().to_string();
        assert!(err.contains("metrics.x"), "{err}");
        let err = K6
            .parse(p, r#"{"metrics": {"t": {"type": "trend", "contains": "time", "values": {"avg": "slow"}}}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("metrics.t.values.avg"), "{err}");
        assert!(K6.parse(p, r#"{"root_group": {}, "metrics": {}}"#).unwrap_err().to_string().contains("no metric"));
    }
}
