//! Budgets file v1: parsed with `deny_unknown_fields` so typos fail, quantities and globs
//! checked while parsing so the YAML line and column come for free, then validated as a
//! whole, collecting every problem with its line (cargo-deny's unvalidated → validated shape).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer};
use serde::Deserialize;

use crate::bundle::{self, BundleSpec, StripHash};
use crate::error::{read_text, Error, Problem, Result};
use crate::globs::NamePattern;
use crate::ingest::{format_by_name, ResultSpec};
use crate::model::Stat;
use crate::units::{parse_percent, Quantity};

/// How bad a broken budget is; `--fail-on` picks which severities fail the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A validated budgets file.
#[derive(Debug, Clone)]
pub struct Budgets {
    pub path: PathBuf,
    pub results: Vec<ResultSpec>,
    pub bundles: Vec<BundleSpec>,
    pub defaults: Defaults,
    pub budgets: Vec<Budget>,
}

impl Budgets {
    /// No budgets file: `check --results …` alone, judged by the defaults (issue 14.16).
    pub fn defaults_only() -> Budgets {
        Budgets {
            path: PathBuf::from("(no budgets file; defaults)"),
            results: Vec::new(),
            bundles: Vec::new(),
            defaults: Defaults::default(),
            budgets: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Defaults {
    /// Allowed change vs the baseline in the worse direction, as a fraction; `None` = off.
    pub regression: Option<f64>,
    pub severity: Severity,
    /// Severity of a metric that the baseline has and this run lacks.
    pub missing: Severity,
    /// Confidence a change must reach to count as real when the data allow a test.
    pub confidence: f64,
    /// Runs of history needed before the history test judges a point value.
    pub min_history: usize,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            regression: Some(0.10),
            severity: Severity::Error,
            missing: Severity::Warning,
            confidence: 0.99,
            min_history: 5,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Budget {
    pub metric: NamePattern,
    /// Which measure of the matching benchmarks (`allocations`, `throughput`, `*`); `None` is
    /// the headline measure only.
    pub measure: Option<NamePattern>,
    /// The statistic to check; `None` picks `value` (or `gzip` for bundle sizes).
    pub stat: Option<Stat>,
    pub max: Option<Quantity>,
    pub min: Option<Quantity>,
    pub regression: Option<f64>,
    pub severity: Severity,
    /// 1-based line of this budget in the budgets file, for messages and annotations.
    pub line: usize,
}

impl Budget {
    /// Whether this budget applies to `metric`.
    pub fn applies_to(&self, metric: &crate::model::Metric) -> bool {
        self.metric.matches(&metric.name)
            && match (&self.measure, metric.measure.as_deref()) {
                (None, measure) => measure.is_none(),
                (Some(pattern), measure) => pattern.matches(measure.unwrap_or("")),
            }
    }

    /// "p95 ≤ 200 ms, ≤ +10% vs baseline": the budget as a reader would state it.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(max) = &self.max {
            parts.push(format!("≤ {max}"));
        }
        if let Some(min) = &self.min {
            parts.push(format!("≥ {min}"));
        }
        if let Some(r) = self.regression {
            parts.push(format!("≤ {}% worse than baseline", crate::units::sig3(r * 100.0)));
        }
        parts.join(", ")
    }
}

// ---- the file as written -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[expect(dead_code, reason = "checked while parsing: its Deserialize rejects every version but 1")]
    version: Version,
    #[serde(default)]
    results: Vec<RawResult>,
    #[serde(default)]
    bundles: Vec<RawBundle>,
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    budgets: Vec<RawBudget>,
}

struct Version;

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = u64::deserialize(d)?;
        if v == 1 {
            Ok(Version)
        } else {
            Err(de::Error::custom(format!("unsupported budgets file version {v}; this budgetgate reads version 1")))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResult {
    path: String,
    #[serde(default)]
    format: Option<FormatName>,
    #[serde(default)]
    prefix: Option<String>,
}

struct FormatName(String);

impl<'de> Deserialize<'de> for FormatName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        match format_by_name(&name) {
            Some(f) => Ok(FormatName(f.name().to_string())),
            None => Err(de::Error::custom(format!(
                "unknown format `{name}`; `budgetgate formats` lists the known ones ({})",
                crate::ingest::FORMATS.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBundle {
    name: String,
    path: OneOrMany,
    #[serde(default)]
    exclude: Option<OneOrMany>,
    #[serde(default)]
    default_excludes: Option<bool>,
    #[serde(default)]
    compression: Option<Vec<CompressionName>>,
    #[serde(default)]
    gzip_level: Option<Level<1, 9>>,
    #[serde(default)]
    brotli_quality: Option<Level<0, 11>>,
    #[serde(default)]
    strip_hash: Option<StripHashField>,
    #[serde(default)]
    metafile: Option<String>,
}

#[derive(Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum CompressionName {
    Gzip,
    Brotli,
}

/// A compression level within `MIN..=MAX`, checked while parsing so the error has its line.
struct Level<const MIN: u32, const MAX: u32>(u32);

impl<'de, const MIN: u32, const MAX: u32> Deserialize<'de> for Level<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = u32::deserialize(d)?;
        if (MIN..=MAX).contains(&v) {
            Ok(Level(v))
        } else {
            Err(de::Error::custom(format!("level `{v}` is out of range; expected {MIN} to {MAX}")))
        }
    }
}

/// `auto`, `off`/`false`, or a regex as compressed-size-action's `strip-hash`.
struct StripHashField(StripHash);

impl<'de> Deserialize<'de> for StripHashField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match serde_yaml::Value::deserialize(d)? {
            serde_yaml::Value::Bool(false) => Ok(StripHashField(StripHash::Off)),
            serde_yaml::Value::Bool(true) => Ok(StripHashField(StripHash::Auto)),
            serde_yaml::Value::String(s) if s == "auto" => Ok(StripHashField(StripHash::Auto)),
            serde_yaml::Value::String(s) if s == "off" => Ok(StripHashField(StripHash::Off)),
            serde_yaml::Value::String(s) => regex::Regex::new(&s)
                .map(|re| StripHashField(StripHash::Pattern(re)))
                .map_err(|e| de::Error::custom(format!("`strip_hash` is not a valid regex: {e}"))),
            _ => Err(de::Error::custom("expected `auto`, `off`, or a regex such as `-(\\w{8})\\.`")),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    #[serde(default)]
    regression: Option<Regression>,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default)]
    missing: Option<Severity>,
    #[serde(default)]
    confidence: Option<Percent>,
    #[serde(default)]
    min_history: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBudget {
    metric: MetricGlob,
    #[serde(default)]
    measure: Option<MetricGlob>,
    #[serde(default)]
    stat: Option<ResultStat>,
    #[serde(default)]
    size: Option<SizeStat>,
    #[serde(default)]
    max: Option<QuantityField>,
    #[serde(default)]
    min: Option<QuantityField>,
    #[serde(default)]
    regression: Option<Regression>,
    #[serde(default)]
    severity: Option<Severity>,
}

struct MetricGlob(NamePattern);

impl<'de> Deserialize<'de> for MetricGlob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.trim().is_empty() {
            return Err(de::Error::custom("`metric` is empty; expected a metric name or glob such as `api/*`"));
        }
        NamePattern::new(&text).map(MetricGlob).map_err(de::Error::custom)
    }
}

/// `stat:` of a result budget. Its own type so that a typo lists the result stats only, and
/// points bundle sizes at `size:` (issue 14.23).
struct ResultStat(Stat);

impl<'de> Deserialize<'de> for ResultStat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let results = || Stat::ALL.iter().filter(|s| !s.is_size()).map(|s| s.name()).collect::<Vec<_>>().join(", ");
        match Stat::ALL.iter().find(|s| s.name() == text) {
            Some(s) if s.is_size() => {
                Err(de::Error::custom(format!("`{text}` is a bundle size; write `size: {text}` instead of `stat:`")))
            }
            Some(s) => Ok(ResultStat(*s)),
            None => Err(de::Error::custom(format!("unknown stat `{text}`; expected one of {}", results()))),
        }
    }
}

/// `size: raw | gzip | brotli` on a bundle budget.
struct SizeStat(Stat);

impl<'de> Deserialize<'de> for SizeStat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match String::deserialize(d)?.as_str() {
            "raw" => Ok(SizeStat(Stat::Raw)),
            "gzip" => Ok(SizeStat(Stat::Gzip)),
            "brotli" => Ok(SizeStat(Stat::Brotli)),
            other => Err(de::Error::custom(format!("unknown size `{other}`, expected raw, gzip or brotli"))),
        }
    }
}

struct QuantityField(Quantity);

impl<'de> Deserialize<'de> for QuantityField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = match serde_yaml::Value::deserialize(d)? {
            serde_yaml::Value::String(s) => s,
            serde_yaml::Value::Number(n) => n.to_string(),
            _ => {
                return Err(de::Error::custom(
                    "expected a number with an optional unit, such as `200ms`, `50 kB` or `90`",
                ))
            }
        };
        Quantity::parse(&text).map(QuantityField).map_err(de::Error::custom)
    }
}

/// `10%`, or `off` to switch regression checks off.
struct Regression(Option<f64>);

impl<'de> Deserialize<'de> for Regression {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match serde_yaml::Value::deserialize(d)? {
            serde_yaml::Value::String(s) if s == "off" || s == "none" => Ok(Regression(None)),
            serde_yaml::Value::Bool(false) => Ok(Regression(None)),
            serde_yaml::Value::String(s) => {
                parse_percent(&s).map(|v| Regression(Some(v))).map_err(|e| de::Error::custom(format!("{e} (or `off`)")))
            }
            // The found value first: the caret goes under the first quoted text (issue 14.23).
            serde_yaml::Value::Number(n) => {
                Err(de::Error::custom(format!("found `{n}`; expected a percentage such as `{n}%`, or `off`")))
            }
            _ => Err(de::Error::custom("expected a percentage such as `10%`, or `off`")),
        }
    }
}

struct Percent(f64);

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_percent(&s).map(Percent).map_err(de::Error::custom)
    }
}

// ---- loading and validation ----------------------------------------------------------------

/// Reads and validates a budgets file.
pub fn load(path: &Path) -> Result<Budgets> {
    let text = read_text(path)?;
    parse(path, &text)
}

/// Parses and validates budgets-file text; `path` is only used in messages.
pub fn parse(path: &Path, text: &str) -> Result<Budgets> {
    let fail = |line: usize, column: Option<usize>, message: String| Error::Budgets {
        file: path.to_path_buf(),
        problems: vec![problem(text, line, column, message)],
    };
    if text.trim().is_empty() {
        return Err(fail(0, None, "the budgets file is empty; expected `version: 1` and `budgets:`".into()));
    }
    if let Some((line, column)) = too_deep(text, MAX_NESTING) {
        return Err(fail(
            line,
            Some(column),
            format!(
                "nested more than {MAX_NESTING} levels deep (the limit for budgets files); a budgets file needs 4 or 5"
            ),
        ));
    }
    let raw: RawFile = serde_yaml::from_str(text).map_err(|e| yaml_error(path, text, &e))?;
    let limit = crate::limits::BUDGETS;
    if raw.budgets.len() as u64 > limit.value() {
        return Err(fail(0, None, limit.exceeded(&format!("`budgets:` lists {}", raw.budgets.len()))));
    }
    let lines = sequence_item_lines(text, "budgets");
    let mut problems = Vec::new();

    let mut defaults = Defaults::default();
    if let Some(Regression(r)) = raw.defaults.regression {
        defaults.regression = r;
    }
    if let Some(s) = raw.defaults.severity {
        defaults.severity = s;
    }
    if let Some(s) = raw.defaults.missing {
        defaults.missing = s;
    }
    if let Some(Percent(c)) = raw.defaults.confidence {
        if !(0.5..1.0).contains(&c) {
            problems.push((
                key_line(text, "confidence"),
                format!("confidence {}% is out of range; expected 50% to 99.99%", c * 100.0),
            ));
        }
        defaults.confidence = c;
    }
    if let Some(h) = raw.defaults.min_history {
        defaults.min_history = h.max(2);
    }

    let mut budgets = Vec::with_capacity(raw.budgets.len());
    for (i, b) in raw.budgets.into_iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(0);
        if b.stat.is_some() && b.size.is_some() {
            problems.push((
                line,
                "give either `stat` or `size`, not both (`size` is the stat of a bundle: raw, gzip or brotli)"
                    .to_string(),
            ));
        }
        let regression = match b.regression {
            Some(Regression(r)) => r,
            None => defaults.regression,
        };
        let (max, min) = (b.max.map(|q| q.0), b.min.map(|q| q.0));
        if let (Some(max), Some(min)) = (max, min) {
            if min.kind != max.kind {
                problems.push((line, format!("`min` ({min}) and `max` ({max}) measure different things")));
            } else if min.value > max.value {
                problems.push((line, format!("`min` ({min}) is above `max` ({max}); nothing could pass")));
            }
        }
        if max.is_none() && min.is_none() && regression.is_none() {
            problems.push((line, "this budget checks nothing: give `max`, `min` or `regression` (regression is off here and in `defaults`)".into()));
        }
        budgets.push(Budget {
            metric: b.metric.0,
            measure: b.measure.map(|m| m.0),
            stat: b.stat.map(|s| s.0).or(b.size.map(|s| s.0)),
            max,
            min,
            regression,
            severity: b.severity.unwrap_or(defaults.severity),
            line,
        });
    }

    let result_lines = sequence_item_lines(text, "results");
    let mut results = Vec::new();
    for (i, r) in raw.results.into_iter().enumerate() {
        if r.path.trim().is_empty() {
            problems
                .push((result_lines.get(i).copied().unwrap_or(0), "`path` is empty; expected a file or glob".into()));
        } else if let Err(e) = crate::globs::check_file_pattern(
            r.path.split_once(':').filter(|(f, _)| format_by_name(f).is_some()).map_or(&r.path, |(_, p)| p),
        ) {
            problems.push((result_lines.get(i).copied().unwrap_or(0), e));
        }
        results.push(ResultSpec { pattern: r.path, format: r.format.map(|f| f.0), prefix: r.prefix });
    }

    let bundle_lines = sequence_item_lines(text, "bundles");
    let mut bundles: Vec<BundleSpec> = Vec::new();
    for (i, b) in raw.bundles.into_iter().enumerate() {
        let line = bundle_lines.get(i).copied().unwrap_or(0);
        if !bundle::valid_name(&b.name) {
            problems.push((
                line,
                format!(
                    "bundle name `{}` must be non-empty and without `/` (it becomes the metric `bundle/<name>`)",
                    b.name
                ),
            ));
        }
        if bundles.iter().any(|other| other.name == b.name) {
            problems.push((line, format!("a bundle named `{}` is already defined; names must be unique", b.name)));
        }
        let paths = b.path.into_vec();
        if paths.is_empty() || paths.iter().any(|p| p.trim().is_empty() || p.trim() == "!") {
            problems.push((line, "`path` is empty; expected a glob such as `dist/**/*.js`".into()));
        }
        let exclude = b.exclude.map(OneOrMany::into_vec).unwrap_or_default();
        for p in paths.iter().chain(&exclude) {
            if let Err(e) = crate::globs::check_file_pattern(p.trim_start_matches('!')) {
                problems.push((line, e));
            }
        }
        let mut spec = BundleSpec::new(b.name, paths);
        if spec.include.is_empty() {
            problems.push((line, "`path` has only `!` exclusions; give at least one glob of files to include".into()));
        }
        spec.exclude.extend(exclude);
        spec.default_excludes = b.default_excludes.unwrap_or(true);
        if let Some(list) = b.compression {
            if !list.contains(&CompressionName::Gzip) {
                spec.gzip_level = None;
            }
            if !list.contains(&CompressionName::Brotli) {
                spec.brotli_quality = None;
            }
        }
        if let Some(Level(level)) = b.gzip_level {
            spec.gzip_level = spec.gzip_level.map(|_| level);
        }
        if let Some(Level(quality)) = b.brotli_quality {
            spec.brotli_quality = spec.brotli_quality.map(|_| quality);
        }
        if let Some(StripHashField(strip)) = b.strip_hash {
            spec.strip_hash = strip;
        }
        if b.metafile.as_deref().is_some_and(|m| m.trim().is_empty()) {
            problems
                .push((line, "`metafile` is empty; expected the path of esbuild's metafile (or leave it out)".into()));
        }
        spec.metafile = b.metafile.map(PathBuf::from);
        bundles.push(spec);
    }

    if !problems.is_empty() {
        let problems = problems.into_iter().map(|(line, message)| problem(text, line, None, message)).collect();
        return Err(Error::Budgets { file: path.to_path_buf(), problems });
    }
    Ok(Budgets { path: path.to_path_buf(), results, bundles, defaults, budgets })
}

fn yaml_error(path: &Path, text: &str, e: &serde_yaml::Error) -> Error {
    // yaml_serde appends " at line L column C"; we show the place ourselves, with the line.
    let message = e.to_string();
    let message = humane(message.split(" at line ").next().unwrap_or(&message));
    let problem = match e.location() {
        None => problem(text, 0, None, message),
        Some(loc) => {
            let (line, column) = refine_location(text, &message, loc.line(), loc.column());
            problem(text, line, Some(column), message)
        }
    };
    Error::Budgets { file: path.to_path_buf(), problems: vec![problem] }
}

/// serde names our private types in its messages ("expected struct RawResult"); say what a
/// reader would write instead (issue 14.23).
fn humane(message: &str) -> String {
    [
        ("struct RawFile", "a mapping with `version: 1` and `budgets:`"),
        ("struct RawResult", "a result entry such as `- path: bench.json`"),
        ("struct RawBundle", "a bundle such as `- name: web` with `path: dist/**/*.js`"),
        ("struct RawDefaults", "a mapping such as `regression: 10%`"),
        ("struct RawBudget", "a budget such as `- metric: \"api/*\"` with `max: 200ms`"),
        ("enum OneOrMany", "a glob or a list of globs"),
    ]
    .iter()
    .fold(message.to_string(), |m, (from, to)| m.replace(from, to))
}

/// Deepest nesting of a budgets file; real ones need 4 or 5. Checked on the text before the
/// YAML parser sees it: a flow list nested 100,000 deep took it 49 s (issue 14.11).
pub const MAX_NESTING: usize = 64;

/// The place (line, column) where flow nesting (`[`, `{`) or block indentation first goes
/// deeper than `limit`, if it does. Quoted scalars and comments are skipped.
fn too_deep(text: &str, limit: usize) -> Option<(usize, usize)> {
    let mut flow = 0usize;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        if flow == 0 && indent / 2 > limit {
            return Some((i + 1, 1));
        }
        let mut quote: Option<char> = None;
        for (col, c) in line.chars().enumerate() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => {
                    flow += 1;
                    if flow > limit {
                        return Some((i + 1, col + 1));
                    }
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
}

/// A problem at `line` (0: none) with the line itself and a caret under `column`.
fn problem(text: &str, line: usize, column: Option<usize>, message: String) -> Problem {
    let snippet = if line == 0 { String::new() } else { snippet(text, line, column) };
    Problem { line, column, message, snippet }
}

/// yaml_serde places errors raised by our own value checks (units, globs, formats) at the
/// start of the enclosing mapping. Those messages quote the offending text in backticks; when
/// that text appears a few lines further on, point at it instead.
fn refine_location(text: &str, message: &str, line: usize, column: usize) -> (usize, usize) {
    let Some(quoted) = message.split('`').nth(1).filter(|q| !q.is_empty()) else { return (line, column) };
    let nearby = || text.lines().enumerate().skip(line.saturating_sub(1)).take(20);
    // Prefer the text as a value (`key: text`), then anywhere on a line.
    for needle in [format!(": {quoted}"), quoted.to_string()] {
        for (i, content) in nearby() {
            if let Some(at) = content.find(&needle) {
                let at = at + needle.len() - quoted.len();
                return (i + 1, content[..at].chars().count() + 1);
            }
        }
    }
    (line, column)
}

/// The offending line with its number and, when known, a caret under the column.
fn snippet(text: &str, line: usize, column: Option<usize>) -> String {
    let Some(content) = text.lines().nth(line.saturating_sub(1)) else {
        return String::new();
    };
    let gutter = line.to_string().len();
    let mut out = format!("{:gutter$} |\n{line} | {content}", "");
    if let Some(c) = column {
        out.push_str(&format!("\n{:gutter$} | {}^", "", " ".repeat(c.saturating_sub(1))));
    }
    out
}

/// 1-based lines of the items of the top-level block sequence `key:`. Only for messages: a
/// flow-style sequence (`budgets: [...]`) yields no lines and messages then omit them.
fn sequence_item_lines(text: &str, key: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut inside = false;
    let mut item_indent = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent == 0 && !trimmed.starts_with('-') {
            inside = trimmed.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with(':'));
            item_indent = None;
            continue;
        }
        if inside && (trimmed.starts_with("- ") || trimmed == "-") {
            match item_indent {
                None => {
                    item_indent = Some(indent);
                    lines.push(i + 1);
                }
                Some(ind) if ind == indent => lines.push(i + 1),
                _ => {}
            }
        }
    }
    lines
}

/// 1-based line of the first `key:` anywhere, or 0.
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':')))
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Budgets {
        parse(Path::new("budgets.yaml"), text).unwrap()
    }

    fn parse_err(text: &str) -> String {
        parse(Path::new("budgets.yaml"), text).unwrap_err().to_string()
    }

    #[test]
    fn the_design_example_parses() {
        let b = parse_ok(
            r#"
version: 1
results:
  - path: target/criterion/**/new/estimates.json
  - path: load/k6-summary.json
    format: hyperfine
    prefix: api/
bundles:
  - name: web
    path: dist/assets/**/*.js
defaults:
  regression: 10%
  severity: error
budgets:
  - metric: "api/health*"
    stat: p95
    max: 100ms
  - metric: "api/auth/*"
    stat: p95
    max: 200ms
    severity: warning
  - metric: "bundle/web"
    size: gzip
    max: 50 kB
    regression: 20%
  - metric: "lighthouse/*/performance"
    min: 90
"#,
        );
        assert_eq!(b.budgets.len(), 4);
        assert_eq!(b.budgets[0].line, 15);
        assert_eq!(b.budgets[0].max.unwrap().value, 100e6);
        assert_eq!(b.budgets[1].severity, Severity::Warning);
        assert_eq!(b.budgets[2].stat, Some(Stat::Gzip));
        assert_eq!(b.budgets[2].regression, Some(0.20));
        assert_eq!(b.budgets[3].min.unwrap().value, 90.0);
        assert_eq!(b.budgets[3].regression, Some(0.10));
        assert_eq!(b.results[1].prefix.as_deref(), Some("api/"));
        assert_eq!(b.bundles[0].include, ["dist/assets/**/*.js"]);
        assert_eq!(b.bundles[0].gzip_level, Some(9));
        assert_eq!(b.bundles[0].brotli_quality, Some(11));
    }

    #[test]
    fn typos_and_bad_values_name_their_line() {
        let e = parse_err("version: 1\nbudgets:\n  - metric: a\n    maxx: 1ms\n");
        assert!(e.contains("line 4 column 5"), "{e}");
        assert!(e.contains("unknown field `maxx`"), "{e}");
        let e = parse_err("version: 1\nbudgets:\n  - metric: a\n    max: 5 parsecs\n");
        assert!(e.contains("line 4") && e.contains("unknown unit `parsecs`"), "{e}");
        let e = parse_err("version: 1\nbudgets:\n  - metric: a\n    stat: p96\n    max: 1ms\n");
        assert!(e.contains("line 4") && e.contains("p96"), "{e}");
        let e = parse_err("version: 2\n");
        assert!(e.contains("line 1") && e.contains("unsupported budgets file version 2"), "{e}");
        let e = parse_err("version: 1\nbudgets: [\n");
        assert!(e.contains("budgets.yaml: line"), "{e}");
    }

    #[test]
    fn semantic_problems_are_collected_together() {
        let e = parse_err(
            "version: 1\ndefaults:\n  regression: off\nbudgets:\n  - metric: a\n    min: 2ms\n    max: 1ms\n  - metric: b\n",
        );
        assert!(e.contains("2 problems"), "{e}");
        assert!(e.contains("line 5: `min` (2 ms) is above `max` (1 ms)"), "{e}");
        assert!(e.contains("line 8: this budget checks nothing"), "{e}");
    }

    #[test]
    fn regression_can_be_switched_off() {
        let b = parse_ok("version: 1\nbudgets:\n  - metric: a\n    max: 1ms\n    regression: off\n");
        assert_eq!(b.budgets[0].regression, None);
    }
}
