//! budgetgate's own JSON: exactly what `budgetgate parse` prints, so any tool or script can
//! write results we read without an adapter, and `parse` output can be fed back in.
//!
//! ```json
//! {"metrics": [{"name": "api/login", "unit": "ms", "direction": "lower_is_better",
//!               "stats": {"value": 12.5, "p95": 20.1}, "samples": 200}]}
//! ```
//! `unit` may be any unit tools write (converted to canonical units on reading); `direction`
//! defaults to higher-is-better for rates and lower-is-better otherwise; `samples` is either a
//! sample count or the raw samples themselves (in `unit`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{at, Format};
use crate::error::{from_json, Result};
use crate::model::{Direction, Metric, Origin, StatMap};
use crate::units::canonicalize;

pub struct Native;

/// The document `parse` prints and this format reads.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub metrics: Vec<NativeMetric>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NativeMetric {
    pub name: String,
    /// A secondary measure of the benchmark `name` (`allocations`, `throughput`, …); absent
    /// for its headline measure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    pub stats: StatMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<Samples>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Samples {
    Count(u64),
    Raw(Vec<f64>),
}

impl Document {
    /// The `parse` view of normalized metrics: canonical units, sorted by name.
    pub fn from_metrics(metrics: &[Metric]) -> Document {
        let mut metrics: Vec<NativeMetric> = metrics
            .iter()
            .map(|m| NativeMetric {
                name: m.name.clone(),
                measure: m.measure.clone(),
                unit: m.unit.clone(),
                direction: Some(m.direction),
                stats: m.stats.clone(),
                samples: m.n.map(Samples::Count),
            })
            .collect();
        metrics.sort_by(|a, b| (&a.name, &a.measure).cmp(&(&b.name, &b.measure)));
        Document { metrics }
    }
}

impl Format for Native {
    fn name(&self) -> &'static str {
        "budgetgate"
    }

    fn describe(&self) -> &'static str {
        "budgetgate's own JSON, as `budgetgate parse` prints it: {\"metrics\": [{\"name\", \"unit\", \"stats\"}]}"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = text.trim_start();
        head.starts_with('{') && head.contains("\"metrics\"") && head.contains("\"stats\"")
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let document: Document = from_json(path, text)?;
        let mut metrics = Vec::with_capacity(document.metrics.len());
        for (i, entry) in document.metrics.into_iter().enumerate() {
            if entry.name.trim().is_empty() {
                return Err(at(path, format!("metrics[{i}].name"), "is empty; expected the metric's name"));
            }
            if entry.stats.is_empty() {
                return Err(at(path, format!("metrics[{i}].stats"), "is empty; expected at least `value`"));
            }
            let (_, unit) = canonicalize(1.0, &entry.unit);
            let direction = entry.direction.unwrap_or(Direction::for_unit(&unit));
            let mut metric = Metric::new(entry.name, unit, direction).at(Origin::Item("metrics", i));
            metric.measure = entry.measure;
            for (stat, value) in entry.stats.iter() {
                metric.stats.insert(stat, canonicalize(value, &entry.unit).0);
            }
            match entry.samples {
                Some(Samples::Count(n)) => metric.n = Some(n),
                Some(Samples::Raw(raw)) => {
                    metric.samples = raw.into_iter().map(|v| canonicalize(v, &entry.unit).0).collect()
                }
                None => {}
            }
            metrics.push(metric);
        }
        Ok(metrics)
    }
}
