//! Criterion.rs: the `target/criterion/<id>/new/estimates.json` files, read together with their
//! siblings `benchmark.json` (the benchmark's full id) and `sample.json` (raw timings).
//!
//! Schemas: criterion.rs 0.5–0.8, `src/estimate.rs` (`Estimates`), `src/report.rs`
//! (`BenchmarkId` as saved to benchmark.json) and `src/fs.rs`/`src/analysis/mod.rs`
//! (`SavedSample`), https://github.com/bheisler/criterion.rs/tree/0.5.1/src
//!
//! Criterion keeps its own comparison data beside `new/`: `base/` (the saved baseline, by
//! default overwritten with each run's `new/`) and `change/`. Globbing them in would read the
//! same benchmark two or three times under one name, so we refuse them with a pointer to `new/`.

use std::path::Path;

use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, Error, Place, Result};
use crate::model::{Direction, Metric, Stat};
use crate::units::NS;

pub struct Criterion;

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

#[derive(Deserialize)]
struct Estimates {
    mean: Estimate,
    median: Estimate,
    std_dev: Estimate,
    #[serde(default)]
    slope: Option<Estimate>,
}

#[derive(Deserialize)]
struct BenchmarkId {
    full_id: String,
}

#[derive(Deserialize)]
struct SavedSample {
    iters: Vec<f64>,
    times: Vec<f64>,
}

impl Format for Criterion {
    fn name(&self) -> &'static str {
        "criterion"
    }

    fn describe(&self) -> &'static str {
        "Criterion.rs: target/criterion/**/new/estimates.json (with benchmark.json and sample.json beside it)"
    }

    fn detect(&self, path: &Path, text: &str) -> bool {
        let in_criterion_dir =
            path.parent().and_then(Path::file_name).is_some_and(|d| d == "new" || d == "base" || d == "change");
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        (in_criterion_dir && matches!(file_name, "estimates.json" | "sample.json" | "benchmark.json" | "tukey.json"))
            || (text.contains("\"point_estimate\"") && text.contains("\"std_dev\"") && text.contains("\"median\""))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let dir_name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if dir_name == "base" || dir_name == "change" {
            return Err(Error::input(
                path,
                Place::Whole,
                format!(
                    "this is criterion's `{dir_name}/` directory (its own saved comparison data), not this run's \
                     results; point results at `target/criterion/**/new/estimates.json`"
                ),
            ));
        }
        if file_name != "estimates.json" {
            return Err(Error::input(
                path,
                Place::Whole,
                "criterion's benchmark.json, sample.json and tukey.json are read together with the estimates.json \
                 beside them; point results at `target/criterion/**/new/estimates.json`",
            ));
        }
        let estimates: Estimates = from_json(path, text)?;
        let id_path = dir.join("benchmark.json");
        let id: BenchmarkId = from_json(&id_path, &crate::error::read_text(&id_path)?)?;

        let mut metric = Metric::new(id.full_id, NS, Direction::LowerIsBetter)
            // Criterion's headline ("time: [lo est hi]") is the slope estimate when it sampled
            // linearly, the mean otherwise.
            .with_stat(Stat::Value, estimates.slope.as_ref().unwrap_or(&estimates.mean).point_estimate)
            .with_stat(Stat::Mean, estimates.mean.point_estimate)
            .with_stat(Stat::Median, estimates.median.point_estimate)
            .with_stat(Stat::Stddev, estimates.std_dev.point_estimate);

        let sample_path = dir.join("sample.json");
        if sample_path.exists() {
            let sample: SavedSample = from_json(&sample_path, &crate::error::read_text(&sample_path)?)?;
            if sample.iters.len() != sample.times.len() {
                return Err(at(
                    &sample_path,
                    "times",
                    format!(
                        "has {} entries but `iters` has {}; expected one time per iteration count",
                        sample.times.len(),
                        sample.iters.len()
                    ),
                ));
            }
            for (i, (iters, time)) in sample.iters.iter().zip(&sample.times).enumerate() {
                if *iters <= 0.0 || !iters.is_finite() {
                    return Err(at(
                        &sample_path,
                        format!("iters[{i}]"),
                        format!("is {iters}, expected a positive iteration count"),
                    ));
                }
                // Blame sample.json itself, not the estimates.json beside it (issue 14.23).
                if !time.is_finite() || *time < 0.0 {
                    return Err(at(
                        &sample_path,
                        format!("times[{i}]"),
                        format!("is {time}, expected a time of zero or more ns"),
                    ));
                }
                metric.samples.push(time / iters);
            }
            metric.iterations = Some(sample.iters.iter().sum::<f64>() as u64);
        }
        Ok(vec![metric])
    }
}
