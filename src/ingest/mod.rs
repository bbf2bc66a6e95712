//! Reading the result files benchmark tools already write into normalized [`Metric`]s.
//!
//! One module per format behind [`Format`], listed once in [`FORMATS`]. Detection (sniffing a
//! file's content) is kept apart from parsing so that `FORMAT:PATH` can skip it, and so a parse
//! failure always explains itself instead of falling through to "unknown format".

mod asv;
mod autocannon;
mod benchmarkdotnet;
mod benchmarkjs;
mod benchmarkluau;
mod bmf;
mod catch2;
mod catch2_xml;
mod console_time;
mod criterion;
mod criterion_text;
mod custom_json;
mod dart;
mod dhat;
mod divan;
mod go;
mod google_benchmark;
mod gungraun;
mod gungraun_json;
mod hyperfine;
mod jmh;
mod julia;
mod k6;
mod libtest;
mod libtest_json;
mod lighthouse;
pub mod native;
mod pytest_benchmark;
mod ruby;
mod size_limit;
mod tinybench;
mod vitest;
mod webpack;

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
    /// Whether a file of this format may hold no results at all (then it is not an error).
    fn may_be_empty(&self) -> bool {
        true
    }
}

/// Every format, in detection order (most specific first).
pub static FORMATS: &[&dyn Format] = &[
    &criterion::Criterion,
    &hyperfine::Hyperfine,
    &pytest_benchmark::PytestBenchmark,
    &google_benchmark::GoogleBenchmark,
    &jmh::Jmh,
    &benchmarkdotnet::BenchmarkDotNet,
    &k6::K6,
    &julia::Julia,
    &lighthouse::Lighthouse,
    &autocannon::Autocannon,
    &vitest::Vitest,
    &webpack::Webpack,
    &size_limit::SizeLimit,
    &tinybench::Tinybench,
    &benchmarkjs::BenchmarkJs,
    &libtest_json::LibtestJson,
    &dhat::Dhat,
    &native::Native,
    &bmf::Bmf,
    &gungraun::Gungraun,
    &ruby::Ruby,
    &dart::Dart,
    &benchmarkluau::BenchmarkLuau,
    &divan::Divan,
    &custom_json::CUSTOM_DETECTED,
    &custom_json::CUSTOM_SMALLER,
    &custom_json::CUSTOM_BIGGER,
    &go::Go,
    &criterion_text::CriterionText,
    &libtest::Libtest,
    // Last: `label: 12.3ms` lines are the most generic text shape.
    &console_time::ConsoleTime,
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
    /// Parses the CLI form `GLOB` or `FORMAT:GLOB`. A Windows drive letter (`C:\\...`) is not a
    /// format; a word before `:` that is no format, where no such file exists, is a mistyped
    /// format (`hyperfin:out.json`), not a path (issue 14.20).
    pub fn from_cli(arg: &str, default_format: Option<&str>) -> Result<ResultSpec> {
        if let Some((head, tail)) = arg.split_once(':') {
            if let Some(format) = format_by_name(head) {
                return Ok(ResultSpec {
                    pattern: tail.to_string(),
                    format: Some(format.name().to_string()),
                    prefix: None,
                });
            }
            let looks_like_a_name =
                head.len() > 1 && head.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if looks_like_a_name && !Path::new(arg).exists() {
                return Err(Error::Usage(format!(
                    "--results `{arg}`: unknown format `{head}`{}; `budgetgate formats` lists them",
                    suggest_format(head).map(|f| format!(", did you mean `{f}`?")).unwrap_or_default()
                )));
            }
        }
        Ok(ResultSpec { pattern: arg.to_string(), format: default_format.map(str::to_string), prefix: None })
    }
}

/// The known format name closest to a mistyped one, if any is close.
pub fn suggest_format(name: &str) -> Option<&'static str> {
    FORMATS
        .iter()
        .map(|f| (strsim::jaro_winkler(&name.to_lowercase(), &f.name().to_lowercase()), f.name()))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

/// Reads every file the specs match; an empty match is an error because a benchmark step that
/// silently wrote nothing must not turn the gate green.
pub fn ingest(specs: &[ResultSpec]) -> Result<Vec<Metric>> {
    let mut metrics = Vec::new();
    // The file each metric was read from, by the metric's place in `metrics`.
    let mut files_read: Vec<(usize, PathBuf)> = Vec::new();
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
            return Err(Error::NoMatch(format!(
                "results `{}` matched no file (working directory {}); did the benchmark step run and write its output there?",
                spec.pattern,
                std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()
            )));
        }
        for file in files {
            let mut read = read_file(&file, forced)?;
            if let Some(prefix) = &spec.prefix {
                for metric in &mut read {
                    metric.name = format!("{prefix}{}", metric.name);
                }
            }
            // Moved, not pushed one by one: a file's 20,000 metrics grew the list by doubling.
            match metrics.is_empty() {
                true => metrics = read,
                false => metrics.append(&mut read),
            }
            files_read.push((metrics.len(), file));
        }
    }
    let file_of = |i: usize| &files_read[files_read.partition_point(|(end, _)| *end <= i)].1;
    // Sorted by name and measure, ties in reading order, through a permutation: moving 20,000
    // `Metric`s (~250 bytes each) through a sort's passes cost more than parsing them. The keys
    // are sorted as a list of their own, each with its metric's place (which orders the ties):
    // a comparison then reads the two names, not first the two metrics they sit in, a cache
    // miss each (at 1,000,000 metrics the sort through the metrics was a tenth of `check`).
    let mut keyed: Vec<(&str, Option<&str>, usize)> =
        metrics.iter().enumerate().map(|(i, m)| (m.name.as_str(), m.measure.as_deref(), i)).collect();
    keyed.sort_unstable();
    // A name read twice: the pair whose second reading came first, as a reader would meet it.
    let same_key = |w: &&[(&str, Option<&str>, usize)]| (w[0].0, w[0].1) == (w[1].0, w[1].1);
    let twice = keyed.windows(2).filter(same_key).min_by_key(|w| w[1].2).map(|w| (w[0].2, w[1].2));
    let order: Vec<usize> = keyed.into_iter().map(|(_, _, i)| i).collect();
    if let Some((first, again)) = twice {
        let (file, metric) = (file_of(again), &metrics[again]);
        // Within one file a prefix cannot help: it would prefix both (issue 14.23).
        let advice = if file_of(first) == file {
            "appears twice in this file; a benchmark name must be unique within its tool's output".to_string()
        } else {
            format!(
                "was already read from {}; give one of the `results:` entries a `prefix:` so names stay unique",
                file_of(first).display()
            )
        };
        let place = place_of(metric);
        return Err(Error::input(file, place, format!("metric `{}` {advice}", metric.display_name())));
    }
    crate::order::apply(&mut metrics, order);
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
    if metrics.is_empty() && !format.may_be_empty() {
        return Err(Error::input(
            path,
            Place::Whole,
            format!("holds no benchmark results (read as {}); did the benchmarks run?", format.name()),
        ));
    }
    let source = std::sync::Arc::new(Source { file: path.display().to_string().into(), format: format.name().into() });
    for metric in &mut metrics {
        validate(path, metric)?;
        stats::summarize_samples(metric);
        validate_summary(path, metric)?;
        metric.source = Some(source.clone());
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
                "cannot tell which tool wrote this file{}. Name the format with `FORMAT:{}` or `format:` \
                 (`budgetgate formats` lists them), or convert it to budgetgate's own JSON \
                 ({{\"metrics\": [{{\"name\": \"…\", \"unit\": \"ms\", \"stats\": {{\"value\": 1.5}}}}]}}, \
                 as `budgetgate parse` prints it)",
                looks_like(text).map(|what| format!(" (it looks like {what})")).unwrap_or_default(),
                path.display(),
            ),
        )
    })
}

/// A guess at what a file is, for the message when no format claims it.
fn looks_like(text: &str) -> Option<&'static str> {
    let head = head(text, 8192).trim_start();
    let json = head.starts_with('{') || head.starts_with('[');
    let guesses: [(bool, &str); 6] = [
        (json && head.contains("\"machine_info\"") && head.contains("\"benchmarks\""), "pytest-benchmark JSON"),
        (json && head.contains("\"context\"") && head.contains("\"benchmarks\""), "Google Benchmark JSON"),
        (head.lines().any(|l| l.starts_with("Benchmark") && l.contains("ns/op")), "`go test -bench` output"),
        (
            json && (head.contains("\"brotli\"") || head.contains("\"size\"") && head.contains("\"passed\"")),
            "size-limit JSON",
        ),
        (
            head.starts_with("<?xml") || head.starts_with('<'),
            "XML or HTML of a tool budgetgate does not read (of XML it reads Catch2's `-r xml`)",
        ),
        (json, "JSON of a tool budgetgate does not read"),
    ];
    guesses.into_iter().find(|(yes, _)| *yes).map(|(_, what)| what)
}

/// Rejects summaries that overflowed (finite samples such as 1e300 whose squares do not fit):
/// nothing that reaches a baseline may be unreadable by the next run (issue 14.4).
fn validate_summary(path: &Path, metric: &Metric) -> Result<()> {
    match metric.stats.iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some((stat, _)) => Err(Error::input(
            path,
            place_of(metric),
            format!(
                "metric `{}`: its samples are too large to summarize ({stat} overflows); expected values a \
                 benchmark can measure",
                metric.display_name()
            ),
        )),
    }
}

/// Where `metric` is in its file, for an error about it.
fn place_of(metric: &Metric) -> Place {
    metric.origin.as_ref().map_or(Place::Whole, |origin| Place::JsonPath(origin.to_string()))
}

/// Rejects numbers no tool can mean (NaN, infinite, negative durations or sizes) before they
/// reach percentiles and comparisons, where they would silently turn into zeros.
fn validate(path: &Path, metric: &Metric) -> Result<()> {
    use crate::units::{dimension, human, Dimension};
    let nonnegative = matches!(dimension(&metric.unit), Dimension::Duration | Dimension::Size);
    let place = || place_of(metric);
    // Every format through here: a name our own `parse` output could not carry back (issue 14.23).
    if metric.name.trim().is_empty() {
        return Err(Error::input(path, place(), "a benchmark's name is empty or only whitespace; expected its name"));
    }
    for (stat, value) in metric.stats.iter() {
        if !value.is_finite() || (nonnegative && value < 0.0) {
            return Err(Error::input(
                path,
                place(),
                format!(
                    "metric `{}` has {stat} = {}; expected a finite number of zero or more",
                    metric.name,
                    human(value, &metric.unit)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixture folder → the format its files are written in. A folder missing here fails the
    /// test, so a new format's fixtures join the table when they land.
    const FIXTURE_FORMATS: &[(&str, &str)] = &[
        ("criterion", "criterion"),
        ("hyperfine", "hyperfine"),
        ("github-action-benchmark", "github-action-benchmark"),
        ("jmh", "jmh"),
        ("benchmarkdotnet", "benchmarkdotnet"),
        ("k6", "k6"),
        ("julia", "julia"),
        ("bmf", "bmf"),
        ("dhat", "dhat"),
        ("gungraun", "gungraun"),
        ("ruby", "ruby"),
        ("dart", "dart"),
        ("benchmarkluau", "benchmarkluau"),
        ("autocannon", "autocannon"),
        ("benchmarkjs", "benchmarkjs"),
        ("criterion-text", "criterion-text"),
        ("go", "go"),
        ("google-benchmark", "google-benchmark"),
        ("libtest", "libtest"),
        ("lighthouse", "lighthouse"),
        ("pytest-benchmark", "pytest-benchmark"),
        ("size-limit", "size-limit"),
        ("tinybench", "tinybench"),
        ("vitest", "vitest"),
        ("webpack", "webpack"),
        ("asv", "asv"),
        ("catch2", "catch2"),
        ("catch2-xml", "catch2-xml"),
        ("console-time", "console-time"),
        ("divan", "divan"),
    ];

    /// Files whose format is not their folder's: (folder, file name ending, format).
    const OTHER_FORMAT_IN_FOLDER: &[(&str, &str, &str)] = &[
        // `cargo bench -- -Z unstable-options --format json` output beside libtest's text.
        ("libtest", ".json", "libtest-json"),
    ];

    /// Folders of fixtures that are not result files of one format.
    // `noise/` holds criterion and hyperfine runs for the noise model's calibration (tests/noise_calibration.rs).
    const NOT_RESULT_FOLDERS: &[&str] = &["bundle", "noise"];

    /// Files and folders inside a format's folder that are not its result files: notes, git
    /// settings (`.gitattributes` keeping a CRLF fixture's bytes), the sources that made the
    /// fixtures, and captured console logs.
    fn is_not_a_result(path: &Path) -> bool {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name == "README.md"
            || name.starts_with('.')
            || name.ends_with(".console.txt")
            || path.components().any(|c| c.as_os_str() == "bench-source")
    }

    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if !is_not_a_result(&path) {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_fixture_is_detected_as_the_format_of_its_folder() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut wrong = Vec::new();
        let mut checked = 0;
        for entry in std::fs::read_dir(&root).unwrap() {
            let dir = entry.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            let folder = dir.file_name().unwrap().to_string_lossy().to_string();
            if NOT_RESULT_FOLDERS.contains(&folder.as_str()) {
                continue;
            }
            let Some((_, format)) = FIXTURE_FORMATS.iter().find(|(f, _)| *f == folder) else {
                panic!("fixtures/{folder}/ is in no table: add it to FIXTURE_FORMATS or NOT_RESULT_FOLDERS");
            };
            let mut files = Vec::new();
            walk(&dir, &mut files);
            assert!(!files.is_empty(), "fixtures/{folder}/ has no result file");
            for file in files {
                checked += 1;
                let file_name = file.file_name().unwrap().to_string_lossy().to_string();
                let format = OTHER_FORMAT_IN_FOLDER
                    .iter()
                    .find(|(f, ending, _)| *f == folder && file_name.ends_with(ending))
                    .map_or(*format, |(_, _, other)| *other);
                let text = read_text(&file).unwrap();
                let got = detect(&file, &text).map(|f| f.name()).unwrap_or("(none)");
                if got != format {
                    wrong.push(format!("{} detected as {got}, expected {format}", file.display()));
                }
            }
        }
        assert!(checked > 30, "only {checked} fixtures checked");
        assert!(wrong.is_empty(), "detection order or a detector is wrong:\n{}", wrong.join("\n"));
    }
}
