//! Lighthouse reports (LHR): `lighthouse URL --output=json`, and Lighthouse CI's
//! `.lighthouseci/lhr-<time>.json` (one per run; `lhci collect` runs each URL 3 times by default).
//!
//! Schema: Lighthouse 12 `types/lhr/lhr.d.ts` (`Result`: `requestedUrl`, `finalDisplayedUrl`,
//! `runtimeError`, `categories[id].score` in 0–1, `audits[id].numericValue`/`numericUnit`),
//! https://github.com/GoogleChrome/lighthouse/blob/v12.8.2/types/lhr/lhr.d.ts
//!
//! Names are `lighthouse/<page>/<what>`: `<what>` is a category id (`performance`,
//! `accessibility`, `best-practices`, `seo`) with its score ×100 (plain number, higher is
//! better), or a web-vital audit id (`first-contentful-paint`, `largest-contentful-paint`,
//! `total-blocking-time`, `cumulative-layout-shift` (unitless), `speed-index`, `interactive`,
//! `server-response-time`, and `interaction-to-next-paint` in timespan reports) in ns, lower is
//! better. `<page>` is the requested URL's path without query and fragment, outer `/` trimmed
//! and inner `/` turned into `_`, `index` for the root: `https://x.dev/docs/start?a=1` →
//! `docs_start`, so `lighthouse/*/performance` matches every page (`*` stops at `/`). Pages of
//! different hosts with the same path need a `prefix:` per results entry.
//!
//! Several runs of one page: every `lhr-*.json` file of a folder is one run. The first file
//! of a page (by name) reads all its siblings of the same page and reports their median as the
//! value, each run as a sample (LHCI's own assertions also default to a median-based
//! aggregation); the page's other files yield nothing, so globbing `.lighthouseci/lhr-*.json`
//! reads each page once. A run Lighthouse could not finish (`runtimeError`, a category without
//! score, an audit that errored) is an error naming it, never a zero.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, read_text, Error, Place, Result};
use crate::model::{Direction, Metric, Stat};
use crate::units::canonicalize;

pub struct Lighthouse;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    requested_url: Option<String>,
    final_displayed_url: Option<String>,
    final_url: Option<String>,
    runtime_error: Option<RuntimeError>,
    categories: BTreeMap<String, Category>,
    audits: BTreeMap<String, Audit>,
}

#[derive(Deserialize)]
struct RuntimeError {
    code: String,
    message: String,
}

#[derive(Deserialize)]
struct Category {
    /// `null` when Lighthouse could not compute it.
    score: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Audit {
    numeric_value: Option<f64>,
    numeric_unit: Option<String>,
    score_display_mode: Option<String>,
    error_message: Option<String>,
}

/// The audits read as metrics, in the order Lighthouse's report shows them.
const VITALS: [&str; 8] = [
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
    "interactive",
    "server-response-time",
    "interaction-to-next-paint",
];

/// The `<page>` part of metric names for a URL (see the module docs).
fn page_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    let path = path.split(['?', '#']).next().unwrap_or("");
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        "index".to_string()
    } else {
        trimmed.replace('/', "_")
    }
}

/// The URL naming a report, read from its first few kB without parsing the whole file (LHR
/// writes `requestedUrl` and `finalDisplayedUrl` right after `lighthouseVersion`).
fn url_in_head(text: &str) -> Option<String> {
    let head = super::head(text, 4096);
    ["\"requestedUrl\"", "\"finalDisplayedUrl\"", "\"finalUrl\""].iter().find_map(|key| {
        let after = &head[head.find(key)? + key.len()..];
        let value = after.trim_start().strip_prefix(':')?;
        serde_json::Deserializer::from_str(value).into_iter::<String>().next()?.ok()
    })
}

/// One number of one run, in canonical units.
struct Reading {
    name: String,
    unit: String,
    direction: Direction,
    value: f64,
    /// JSON path in the report.
    origin: String,
}

/// One run's page name and readings.
fn read_run(path: &Path, text: &str) -> Result<(String, Vec<Reading>)> {
    let report: Report = from_json(path, text)?;
    let url = report.requested_url.or(report.final_displayed_url).or(report.final_url).ok_or_else(|| {
        at(path, ".", "has no `requestedUrl` or `finalDisplayedUrl`; expected a Lighthouse report (LHR)")
    })?;
    if let Some(e) = report.runtime_error {
        return Err(at(path, "runtimeError", format!("Lighthouse could not test {url}: {}: {}", e.code, e.message)));
    }
    let page = page_name(&url);
    let mut values = Vec::new();
    for (id, category) in &report.categories {
        let Some(score) = category.score else {
            return Err(at(
                path,
                format!("categories.{id}.score"),
                format!("is null: Lighthouse could not score {url}"),
            ));
        };
        // ×100 as the report shows it; the rounding only removes float noise (0.99·100).
        let score = (score * 100.0 * 1e6).round() / 1e6;
        values.push(Reading {
            name: format!("lighthouse/{page}/{id}"),
            unit: String::new(),
            direction: Direction::HigherIsBetter,
            value: score,
            origin: format!("categories.{id}"),
        });
    }
    for id in VITALS {
        let Some(audit) = report.audits.get(id) else { continue };
        if audit.score_display_mode.as_deref() == Some("error") {
            let why = audit.error_message.as_deref().unwrap_or("no message");
            return Err(at(path, format!("audits.{id}"), format!("errored in Lighthouse: {why}")));
        }
        // `notApplicable` audits have no number: nothing to read, not a failure.
        let Some(value) = audit.numeric_value else { continue };
        let unit = match audit.numeric_unit.as_deref().unwrap_or("unitless") {
            "millisecond" => "ms",
            "second" => "s",
            "byte" => "B",
            "unitless" => "",
            other => other,
        };
        let (value, unit) = if unit.is_empty() { (value, String::new()) } else { canonicalize(value, unit) };
        values.push(Reading {
            name: format!("lighthouse/{page}/{id}"),
            unit,
            direction: Direction::LowerIsBetter,
            value,
            origin: format!("audits.{id}"),
        });
    }
    if values.is_empty() {
        return Err(at(path, "categories", format!("no category score and no web-vital audit for {url}")));
    }
    Ok((page, values))
}

/// The other `lhr-*.json` runs beside `path` (itself included), sorted by name, when `path` is
/// one of them.
fn lhci_runs(path: &Path) -> Vec<PathBuf> {
    let is_run = |p: &Path| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("lhr-") && n.ends_with(".json"))
    };
    if !is_run(path) {
        return Vec::new();
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut runs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| is_run(p)).collect();
    runs.sort();
    runs
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

impl Format for Lighthouse {
    fn name(&self) -> &'static str {
        "lighthouse"
    }

    fn describe(&self) -> &'static str {
        "Lighthouse report: lighthouse URL --output=json --output-path=FILE, or Lighthouse CI's .lighthouseci/lhr-*.json"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 4096);
        head.contains("\"lighthouseVersion\"")
            && (head.contains("\"requestedUrl\"") || head.contains("\"finalUrl\"") || head.contains("\"steps\""))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        if text.trim_start().starts_with('{') && super::head(text, 200).contains("\"steps\"") {
            return Err(Error::input(
                path,
                Place::Whole,
                "this is a Lighthouse user-flow report (`steps[].lhr`); write each step's report with \
                 `--output=json` or save `flow.createFlowResult()` steps' `lhr` one per file",
            ));
        }
        let (page, values) = read_run(path, text)?;
        // Other runs of the same page beside this one (Lighthouse CI).
        let mut others = Vec::new();
        let mut first = true;
        for run in lhci_runs(path) {
            if run.file_name() == path.file_name() {
                continue;
            }
            let run_text = read_text(&run)?;
            if url_in_head(&run_text).is_some_and(|u| page_name(&u) == page) {
                first &= run.file_name() > path.file_name();
                others.push((run, run_text));
            }
        }
        if !first {
            // Read together with the page's first run, which reports them all.
            return Ok(Vec::new());
        }
        // Each name with its first reading and every run's value.
        let mut by_name: BTreeMap<String, (Reading, Vec<f64>)> = BTreeMap::new();
        let mut add = |r: Reading| {
            let value = r.value;
            by_name.entry(r.name.clone()).or_insert_with(|| (r, Vec::new())).1.push(value);
        };
        values.into_iter().for_each(&mut add);
        if others.is_empty() {
            return Ok(by_name
                .into_values()
                .map(|(r, _)| Metric::new(r.name, r.unit, r.direction).at(r.origin).with_stat(Stat::Value, r.value))
                .collect());
        }
        for (run, run_text) in &others {
            read_run(run, run_text)?.1.into_iter().for_each(&mut add);
        }
        Ok(by_name
            .into_values()
            .map(|(r, mut samples)| {
                let value = median(&mut samples);
                let mut metric = Metric::new(r.name, r.unit, r.direction)
                    .at(r.origin)
                    .with_stat(Stat::Value, value)
                    .with_stat(Stat::Median, value);
                metric.samples = samples;
                metric
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, fixture, read_as};
    use super::*;
    use crate::units::NS;

    const RUN_1: &str = "lighthouse/lhci/.lighthouseci/lhr-1796161955194.json";
    const RUN_2: &str = "lighthouse/lhci/.lighthouseci/lhr-1796161971035.json";

    #[test]
    fn page_names_from_urls() {
        assert_eq!(page_name("http://127.0.0.1:8111/"), "index");
        assert_eq!(page_name("https://example.com"), "index");
        assert_eq!(page_name("https://example.com/docs/start/?a=1#x"), "docs_start");
        assert_eq!(page_name("http://localhost:3000/about.html"), "about.html");
    }

    #[test]
    fn one_report_scores_and_vitals() {
        // Read alone (not as an LHCI run): the report's own numbers.
        let path = Path::new("report.json");
        let text = std::fs::read_to_string(fixture(RUN_1)).unwrap();
        assert!(Lighthouse.detect(path, &text));
        let metrics = Lighthouse.parse(path, &text).unwrap();
        assert_eq!(metrics.len(), 4 + 7);
        let perf = find(&metrics, "lighthouse/index/performance");
        assert_eq!(
            (perf.stat(Stat::Value), perf.direction, perf.unit.as_str()),
            (Some(99.0), Direction::HigherIsBetter, "")
        );
        assert_eq!(find(&metrics, "lighthouse/index/best-practices").stat(Stat::Value), Some(96.0));
        let fcp = find(&metrics, "lighthouse/index/first-contentful-paint");
        assert_eq!((fcp.unit.as_str(), fcp.direction), (NS, Direction::LowerIsBetter));
        assert_eq!(fcp.stat(Stat::Value), Some(1238.539 * 1e6));
        assert_eq!(find(&metrics, "lighthouse/index/total-blocking-time").stat(Stat::Value), Some(106.0 * 1e6));
        let cls = find(&metrics, "lighthouse/index/cumulative-layout-shift");
        assert_eq!((cls.unit.as_str(), cls.stat(Stat::Value)), ("", Some(0.030528)));
        assert_eq!(
            find(&metrics, "lighthouse/index/server-response-time").stat(Stat::Value),
            Some(3.7860000000000014 * 1e6)
        );
    }

    #[test]
    fn lighthouse_ci_runs_are_samples_of_one_page_with_the_median_as_value() {
        assert_eq!(detected(RUN_1), "lighthouse");
        assert_eq!(detected(RUN_2), "lighthouse");
        let metrics = read_as("lighthouse", RUN_1);
        assert_eq!(metrics.len(), 11);
        let fcp = find(&metrics, "lighthouse/index/first-contentful-paint");
        assert_eq!(fcp.n, Some(2));
        assert_eq!(fcp.stat(Stat::Value), Some((1238.539 + 1257.4056) / 2.0 * 1e6));
        assert_eq!(fcp.stat(Stat::Min), Some(1238.539 * 1e6));
        let tbt = find(&metrics, "lighthouse/index/total-blocking-time");
        assert_eq!(tbt.stat(Stat::Value), Some(93.5 * 1e6));
        assert_eq!(find(&metrics, "lighthouse/index/performance").stat(Stat::Value), Some(99.0));
        // The page's second run was read with the first.
        assert!(read_as("lighthouse", RUN_2).is_empty());
    }

    #[test]
    fn failed_runs_are_errors() {
        let text = std::fs::read_to_string(fixture(RUN_1)).unwrap();
        let path = Path::new("report.json");
        let edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut lhr: serde_json::Value = serde_json::from_str(&text).unwrap();
            f(&mut lhr);
            lhr.to_string()
        };
        let broken = edit(&|lhr| {
            lhr["runtimeError"] =
                serde_json::json!({"code": "ERRORED_DOCUMENT_REQUEST", "message": "(Status code: 404)"})
        });
        let err = Lighthouse.parse(path, &broken).unwrap_err().to_string();
        assert!(
            err.contains("at `runtimeError`")
                && err.contains("could not test http://127.0.0.1:8111/: ERRORED_DOCUMENT_REQUEST"),
            "{err}"
        );
        let broken = edit(&|lhr| lhr["categories"]["performance"]["score"] = serde_json::Value::Null);
        let err = Lighthouse.parse(path, &broken).unwrap_err().to_string();
        assert!(err.contains("at `categories.performance.score`: is null"), "{err}");
        let broken = edit(&|lhr| {
            lhr["audits"]["largest-contentful-paint"]["scoreDisplayMode"] = "error".into();
            lhr["audits"]["largest-contentful-paint"]["errorMessage"] = "NO_LCP".into();
        });
        let err = Lighthouse.parse(path, &broken).unwrap_err().to_string();
        assert!(err.contains("at `audits.largest-contentful-paint`: errored in Lighthouse: NO_LCP"), "{err}");
        let err = Lighthouse.parse(path, "{\"lighthouseVersion\":\"12.6.1\",\"requestedUrl\":\"x\"}").unwrap_err();
        assert!(err.to_string().contains("categories"), "{err}");
        let flow = "{\"steps\":[{\"lhr\":{\"lighthouseVersion\":\"12.8.2\",\"requestedUrl\":\"x\"}}]}";
        assert!(Lighthouse.detect(path, flow));
        assert!(Lighthouse.parse(path, flow).unwrap_err().to_string().contains("user-flow"));
    }
}
