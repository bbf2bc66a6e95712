//! github-action-benchmark's custom JSON: an array of `{name, unit, value, range?, extra?}`,
//! written by any tool for the `customSmallerIsBetter` / `customBiggerIsBetter` tools.
//!
//! Schema: github-action-benchmark v1.22.0 `src/extract.ts` (`BenchmarkResult`,
//! `extractCustomBenchmarkResult`), https://github.com/benchmark-action/github-action-benchmark/blob/v1.22.0/src/extract.ts
//!
//! The file does not say which way is better; the format name does. Detection cannot know, so a
//! detected file is read as smaller-is-better except for rates (`req/s`, `ops/sec`), and users
//! can force either with `customBiggerIsBetter:PATH`.

use std::path::Path;

use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, Result};
use crate::model::{Direction, Metric, Origin, Stat};
use crate::units::canonicalize;

pub struct CustomJson {
    name: &'static str,
    /// `None` for the detected variant: direction then follows the unit.
    direction: Option<Direction>,
}

/// The detected variant, named after the action whose format it is.
pub static CUSTOM_DETECTED: CustomJson = CustomJson { name: "github-action-benchmark", direction: None };
pub static CUSTOM_SMALLER: CustomJson =
    CustomJson { name: "customSmallerIsBetter", direction: Some(Direction::LowerIsBetter) };
pub static CUSTOM_BIGGER: CustomJson =
    CustomJson { name: "customBiggerIsBetter", direction: Some(Direction::HigherIsBetter) };

#[derive(Deserialize)]
struct Entry {
    name: String,
    unit: String,
    value: f64,
}

impl Format for CustomJson {
    fn name(&self) -> &'static str {
        self.name
    }

    fn describe(&self) -> &'static str {
        match self.direction {
            None => "github-action-benchmark custom JSON [{\"name\", \"unit\", \"value\"}]; rates (req/s) bigger-is-better, the rest smaller",
            Some(Direction::LowerIsBetter) => "the same, every entry smaller-is-better (customSmallerIsBetter:PATH)",
            Some(Direction::HigherIsBetter) => "the same, every entry bigger-is-better (customBiggerIsBetter:PATH)",
        }
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        // Only the unit-guided variant detects; the explicit ones are reached by name.
        self.direction.is_none()
            && text.trim_start().starts_with('[')
            && text.contains("\"name\"")
            && text.contains("\"value\"")
            && text.contains("\"unit\"")
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let entries: Vec<Entry> = from_json(path, text)?;
        let mut metrics = Vec::with_capacity(entries.len());
        for (i, entry) in entries.into_iter().enumerate() {
            if entry.name.trim().is_empty() {
                return Err(at(path, format!("[{i}].name"), "is empty; expected the benchmark's name"));
            }
            let (value, unit) = canonicalize(entry.value, &entry.unit);
            let direction = self.direction.unwrap_or(Direction::for_unit(&unit));
            metrics
                .push(Metric::new(entry.name, unit, direction).with_stat(Stat::Value, value).at(Origin::Item("", i)));
        }
        Ok(metrics)
    }
}
