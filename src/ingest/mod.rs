//! Reading the result files benchmark tools already write into normalized [`Metric`]s.
//!
//! One module per format behind [`Format`], listed once in [`FORMATS`]. Detection (sniffing a
//! file's content) is kept apart from parsing so that `FORMAT:PATH` can skip it, and so a parse
//! failure always explains itself instead of falling through to "unknown format".

mod asv;
mod catch2;
mod catch2_xml;
mod criterion;
mod criterion_text;
mod custom_json;
mod go;
mod google_benchmark;
mod hyperfine;
mod libtest;
mod libtest_json;
pub mod native;
mod pytest_benchmark;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{read_text, Error, Place, Result};
use crate::globs;
use crate::model::{Metric, Source};
use crate::stats;

/// A result-file format: how to recognise it and how to read it.
pub trait Format: Sync {
    /// The name users write in `format:` and `FORMAT:PATH`.
    fn name(&self) -> &'static str;
    /// One line for `budgetgate formats`: which tool, which command writes it.
    fn describe(&self) -> &'static str;
    /// Whether `text` (the content of `path`) looks like this format. Cheap and conservative:
    /// a false positive turns into a confusing parse error.
    fn detect(&self, path: &Path, text: &str) -> bool;
    /// Reads every metric in the file, in canonical units, or says what is wrong and where.
    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>>;
}

/// Every format, in detection order (most specific first).
pub static FORMATS: &[&dyn Format] = &[
    &criterion::Criterion,
    &hyperfine::Hyperfine,
    &pytest_benchmark::PytestBenchmark,
    &google_benchmark::GoogleBenchmark,
    &libtest_json::LibtestJson,
    &native::Native,
    &custom_json::CUSTOM_DETECTED,
    &custom_json::CUSTOM_SMALLER,
    &custom_json::CUSTOM_BIGGER,
    &go::Go,
    &criterion_text::CriterionText,
    &libtest::Libtest,
    &catch2::Catch2,
    &catch2_xml::Catch2Xml,
    &asv::Asv,
];

pub fn format_by_name(name: &str) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.name().eq_ignore_ascii_case(name))
}

fn known_format_names() -> String {
    FORMATS.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
}

/// One `results:` entry or `--results` argument: a glob, an optional forced format and a
/// prefix for the metric names it yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultSpec {
    pub pattern: String,
    pub format: Option<String>,
    pub prefix: Option<String>,
}

impl ResultSpec {
    /// Parses the CLI form `GLOB` or `FORMAT:GLOB`. A Windows drive letter (`C:\...`) is not a
    /// format, so only known format names are split off.
    pub fn from_cli(arg: &str, default_format: Option<&str>) -> ResultSpec {
        if let Some((head, tail)) = arg.split_once(':') {
            if format_by_name(head).is_some() {
                return ResultSpec { pattern: tail.to_string(), format: Some(head.to_string()), prefix: None };
            }
        }
        ResultSpec { pattern: arg.to_string(), format: default_format.map(str::to_string), prefix: None }
    }
}

/// Reads every file the specs match; an empty match is an error because a benchmark step that
/// silently wrote nothing must not turn the gate green.
pub fn ingest(specs: &[ResultSpec]) -> Result<Vec<Metric>> {
    let mut metrics = Vec::new();
    let mut seen: HashMap<(String, Option<String>), PathBuf> = HashMap::new();
    for spec in specs {
        let forced = match &spec.format {
            Some(name) => Some(format_by_name(name).ok_or_else(|| {
                Error::Usage(format!(
                    "unknown format `{name}` for `{}`; known formats: {}",
                    spec.pattern,
                    known_format_names()
                ))
            })?),
            None => None,
        };
        let files = globs::find_files(&spec.pattern)?;
        if files.is_empty() {
            return Err(Error::Usage(format!(
                "results `{}` matched no file (working directory {}); did the benchmark step run and write its output there?",
                spec.pattern,
                std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()
            )));
        }
        for file in files {
            for mut metric in read_file(&file, forced)? {
                if let Some(prefix) = &spec.prefix {
                    metric.name = format!("{prefix}{}", metric.name);
                }
                let key = (metric.name.clone(), metric.measure.clone());
                if let Some(first) = seen.get(&key) {
                    return Err(Error::input(
                        &file,
                        Place::Whole,
                        format!(
                            "metric `{}` was already read from {}; give one of the entries a `prefix:` so names stay unique",
                            metric.display_name(),
                            first.display()
                        ),
                    ));
                }
                seen.insert(key, file.clone());
                metrics.push(metric);
            }
        }
    }
    metrics.sort_by(|a, b| (&a.name, &a.measure).cmp(&(&b.name, &b.measure)));
    Ok(metrics)
}

/// Reads one file with the given format, or the detected one.
pub fn read_file(path: &Path, forced: Option<&'static dyn Format>) -> Result<Vec<Metric>> {
    let text = read_text(path)?;
    let format = match forced {
        Some(f) => f,
        None => detect(path, &text)?,
    };
    let mut metrics = format.parse(path, &text)?;
    for metric in &mut metrics {
        validate(path, metric)?;
        stats::summarize_samples(metric);
        metric.source = Some(Source { file: path.display().to_string(), format: format.name().to_string() });
    }
    Ok(metrics)
}

fn detect(path: &Path, text: &str) -> Result<&'static dyn Format> {
    if text.trim().is_empty() {
        return Err(Error::input(path, Place::Whole, "the file is empty; the benchmark step wrote nothing"));
    }
    FORMATS.iter().copied().find(|f| f.detect(path, text)).ok_or_else(|| {
        Error::input(
            path,
            Place::Whole,
            format!(
                "cannot tell which tool wrote this file; name the format with `FORMAT:{}` or `format:` (known: {})",
                path.display(),
                known_format_names()
            ),
        )
    })
}

/// Rejects numbers no tool can mean (NaN, infinite, negative durations or sizes) before they
/// reach percentiles and comparisons, where they would silently turn into zeros.
fn validate(path: &Path, metric: &Metric) -> Result<()> {
    use crate::units::{dimension, human, Dimension};
    let nonnegative = matches!(dimension(&metric.unit), Dimension::Duration | Dimension::Size);
    let place = || metric.origin.clone().map_or(Place::Whole, Place::JsonPath);
    for (stat, value) in &metric.stats {
        if !value.is_finite() || (nonnegative && *value < 0.0) {
            return Err(Error::input(
                path,
                place(),
                format!(
                    "metric `{}` has {stat} = {}; expected a finite number of zero or more",
                    metric.name,
                    human(*value, &metric.unit)
                ),
            ));
        }
    }
    if let Some(bad) = metric.samples.iter().find(|v| !v.is_finite() || **v < 0.0) {
        return Err(Error::input(
            path,
            place(),
            format!(
                "metric `{}` has a sample of {}; expected finite numbers of zero or more",
                metric.name,
                human(*bad, &metric.unit)
            ),
        ));
    }
    Ok(())
}

/// The first `max_bytes` of `text` at most, cut at a character boundary: detectors look only at
/// a file's start, and a multi-byte character across the cut must not panic (issue 14.1).
pub(crate) fn head(text: &str, max_bytes: usize) -> &str {
    let mut end = text.len().min(max_bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The error for a file that yields no result. Formats leave out the benchmarks their tool
/// reports as failed (they then read as `missing` against a baseline); when nothing else is
/// left, the error names them (`` `a` (line 5) ``), else it says `otherwise`.
pub(crate) fn no_results(path: &Path, failed: &[String], otherwise: &str) -> Error {
    const SHOWN: usize = 5;
    if failed.is_empty() {
        return Error::input(path, Place::Whole, otherwise);
    }
    let mut list = failed.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if failed.len() > SHOWN {
        list.push_str(&format!(" and {} more", failed.len() - SHOWN));
    }
    Error::input(path, Place::Whole, format!("every benchmark in the file failed: {list}; there is no result to read"))
}

/// Helpers the format modules share for building errors at a JSON path.
pub(crate) fn at(path: &Path, json_path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::input(path, Place::JsonPath(json_path.into()), message)
}

/// What each format's unit tests share: read a fixture as `check` would (validation and sample
/// summaries included), and which format detection picks for it.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// `fixtures/<relative>` from the crate root.
    pub fn fixture(relative: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(relative)
    }

    /// Reads `fixtures/<relative>` with the named format forced.
    pub fn read_as(format: &str, relative: &str) -> Vec<Metric> {
        let forced = format_by_name(format).unwrap_or_else(|| panic!("no format named {format}"));
        read_file(&fixture(relative), Some(forced)).unwrap_or_else(|e| panic!("{relative}: {e}"))
    }

    /// The format detection picks for `fixtures/<relative>`.
    pub fn detected(relative: &str) -> &'static str {
        let path = fixture(relative);
        let text = read_text(&path).unwrap();
        detect(&path, &text).unwrap_or_else(|e| panic!("{relative}: {e}")).name()
    }

    /// The metric named `name` (headline measure, or `name [measure]`), or a panic listing
    /// what was read.
    pub fn find<'a>(metrics: &'a [Metric], display_name: &str) -> &'a Metric {
        metrics.iter().find(|m| m.display_name() == display_name).unwrap_or_else(|| {
            let names: Vec<String> = metrics.iter().map(Metric::display_name).collect();
            panic!("no metric `{display_name}`; read: {names:?}")
        })
    }
}
