//! `size-limit --json`: one entry per configured check, `[{name, size, passed?, sizeLimit?,
//! running?, loading?}]`, or `{error: "<stack>"}` when size-limit itself failed.
//!
//! Schema: size-limit 12.1 `create-reporter.js` (`createJsonReporter`: size in bytes, `running`
//! and `loading` in seconds), https://github.com/ai/size-limit/blob/12.1.0/packages/size-limit/create-reporter.js
//!
//! Each entry becomes `bundle/<name>` (the entry's `name`, which size-limit defaults to its
//! `path`), in bytes, measured exactly (no noise model), so a size-limit check moves over as a
//! budget on the same number: `metric: "bundle/<name>"`, `max: 10 kB`. The file does not say
//! whether `size` is brotli (size-limit's default), gzip (`gzip: true`) or raw (`brotli:
//! false`), so it is the metric's `value`, not one of the bundle stats `raw`/`gzip`/`brotli`.
//! `running` (@size-limit/time: time to run the JS in a throttled Chrome) becomes the `running`
//! measure and `loading` (time to download it on slow 3G, computed from the size) the `loading`
//! measure, both in ns. size-limit's own `sizeLimit`/`passed` are not read: budgets decide.

use std::path::Path;

use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, Error, Place, Result};
use crate::model::{Direction, Metric, Stat};
use crate::units::{BYTES, NS};

pub struct SizeLimit;

#[derive(Deserialize)]
#[serde(untagged)]
enum Output {
    Checks(Vec<Check>),
    Failed { error: String },
}

#[derive(Deserialize)]
struct Check {
    name: String,
    size: Option<f64>,
    running: Option<f64>,
    loading: Option<f64>,
}

const NS_PER_S: f64 = 1e9;

impl Format for SizeLimit {
    fn name(&self) -> &'static str {
        "size-limit"
    }

    fn describe(&self) -> &'static str {
        "size-limit JSON: size-limit --json > FILE (each entry becomes bundle/<name>)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 4096).trim_start();
        if head.starts_with('{') {
            return head.contains("\"error\"") && head.contains("SizeLimitError");
        }
        // `[{"name": …, ("passed": …,) "size": …}`: the first key is always `name`.
        let Some(first) = head.strip_prefix('[').map(str::trim_start).and_then(|h| h.strip_prefix('{')) else {
            return false;
        };
        let first = &first[..first.find('}').unwrap_or(first.len())];
        first.trim_start().starts_with("\"name\"")
            && first.contains("\"size\"")
            && !first.contains("\"unit\"")
            && !first.contains("\"value\"")
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let checks = match from_json::<Output>(path, text) {
            Ok(Output::Checks(checks)) => checks,
            Ok(Output::Failed { error }) => {
                let first = error.lines().next().unwrap_or("").trim();
                return Err(at(path, "error", format!("size-limit failed: {first}")));
            }
            // Untagged enums lose the place of the problem; the array form says where.
            Err(_) => from_json::<Vec<Check>>(path, text)?,
        };
        let mut metrics = Vec::new();
        for (i, check) in checks.into_iter().enumerate() {
            let origin = format!("[{i}]");
            let name = check.name.trim();
            if name.is_empty() {
                // What size-limit writes for an entry whose `path` matched no file.
                return Err(at(
                    path,
                    format!("{origin}.name"),
                    format!(
                        "is empty (size {}): size-limit found no file for this entry's `path`; did the build run?",
                        check.size.unwrap_or(0.0)
                    ),
                ));
            }
            let name = format!("bundle/{name}");
            let Some(size) = check.size else {
                return Err(at(path, format!("{origin}.size"), format!("is missing for `{name}`; expected bytes")));
            };
            let mut metric = Metric::new(name.clone(), BYTES, Direction::LowerIsBetter)
                .at(format!("{origin}.size"))
                .with_stat(Stat::Value, size);
            metric.exact = true;
            metrics.push(metric);
            if let Some(running) = check.running {
                metrics.push(
                    Metric::new(name.clone(), NS, Direction::LowerIsBetter)
                        .measure("running")
                        .at(format!("{origin}.running"))
                        .with_stat(Stat::Value, running * NS_PER_S),
                );
            }
            if let Some(loading) = check.loading {
                let mut metric = Metric::new(name, NS, Direction::LowerIsBetter)
                    .measure("loading")
                    .at(format!("{origin}.loading"))
                    .with_stat(Stat::Value, loading * NS_PER_S);
                // Computed from the size, not measured.
                metric.exact = true;
                metrics.push(metric);
            }
        }
        if metrics.is_empty() {
            return Err(Error::input(path, Place::Whole, "no size-limit entry in this file (an empty list)"));
        }
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, fixture, read_as};
    use super::*;

    fn parse_fixture(file: &str) -> Result<Vec<Metric>> {
        let path = fixture(file);
        SizeLimit.parse(&path, &std::fs::read_to_string(&path).unwrap())
    }

    #[test]
    fn sizes_are_exact_bundle_metrics() {
        assert_eq!(detected("size-limit/file.json"), "size-limit");
        let metrics = read_as("size-limit", "size-limit/file.json");
        assert_eq!(metrics.len(), 4);
        let default = find(&metrics, "bundle/dist/tinybench.js");
        assert_eq!((default.stat(Stat::Value), default.unit.as_str(), default.exact), (Some(3846.0), BYTES, true));
        assert_eq!(find(&metrics, "bundle/tinybench (gzip)").stat(Stat::Value), Some(4623.0));
        assert_eq!(find(&metrics, "bundle/tinybench (raw)").stat(Stat::Value), Some(14553.0));
        assert_eq!(find(&metrics, "bundle/all of dist").stat(Stat::Value), Some(21493.0));
    }

    #[test]
    fn running_and_loading_times() {
        assert_eq!(detected("size-limit/file_and_time.json"), "size-limit");
        let metrics = read_as("size-limit", "size-limit/file_and_time.json");
        assert_eq!(metrics.len(), 12);
        let running = find(&metrics, "bundle/dist/tinybench.js [running]");
        assert_eq!((running.stat(Stat::Value), running.unit.as_str(), running.exact), (Some(0.84606e9), NS, false));
        let loading = find(&metrics, "bundle/all of dist [loading]");
        assert_eq!(loading.stat(Stat::Value), Some(0.41978515625e9));
    }

    #[test]
    fn failures_say_why() {
        let err = parse_fixture("size-limit/no_files.json").unwrap_err().to_string();
        assert!(err.contains("at `[0].name`: is empty (size 0): size-limit found no file"), "{err}");
        assert_eq!(detected("size-limit/config_error.json"), "size-limit");
        let err = parse_fixture("size-limit/config_error.json").unwrap_err().to_string();
        assert!(
            err.contains("at `error`: size-limit failed: SizeLimitError: Config option *running* needs *@size-limit/time* plugin"),
            "{err}"
        );
        let err = SizeLimit.parse(Path::new("s.json"), r#"[{"name": "a", "size": "big"}]"#).unwrap_err().to_string();
        assert!(err.contains("at `[0].size`"), "{err}");
        let err = SizeLimit.parse(Path::new("s.json"), "[]").unwrap_err().to_string();
        assert!(err.contains("no size-limit entry"), "{err}");
    }

    #[test]
    fn detection_leaves_other_arrays_alone() {
        let p = Path::new("x.json");
        assert!(!SizeLimit.detect(p, r#"[{"name": "a", "unit": "B", "value": 1, "size": 2}]"#));
        assert!(!SizeLimit.detect(p, r#"[{"name": "fib", "result": {"latency": {}}}]"#));
        assert!(!SizeLimit.detect(p, r#"{"error": "something else"}"#));
    }
}
