//! Markdown rendering of the report with minijinja: the built-in comment template, or the
//! user's own (`--template`), which receives exactly the JSON report object.

use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior};

use super::Report;
use crate::error::{Error, Place, Result};
use crate::escape;
use crate::units::{human, signed_percent, BYTES};

/// The built-in template, embedded so the binary needs no files beside it.
pub const DEFAULT_TEMPLATE: &str = include_str!("templates/comment.md.j2");
const DEFAULT_NAME: &str = "comment.md";

/// Bounds a runaway user template (a loop over a huge range) instead of hanging CI.
const FUEL: u64 = 200_000_000;

/// Renders `report` with the user's template at `template`, or the built-in one.
pub fn render(report: &Report, template: Option<&Path>) -> Result<String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Line numbers in errors of user templates, even in release builds.
    env.set_debug(true);
    env.set_fuel(Some(FUEL));
    env.set_syntax(SyntaxConfig::builder().keep_trailing_newline(true).build().expect("default delimiters are valid"));
    // Filters refuse undefined input: `{{ r.curent | human(r.unit) }}` must be an error under
    // strict undefined behaviour, not a quiet `—` (issue 14.21).
    env.add_filter("md", |text: Value| -> Result<String, minijinja::Error> {
        defined(&text, "md")?;
        Ok(if text.is_none() { String::new() } else { escape::markdown(&text.to_string()) })
    });
    env.add_filter("human", |value: Value, unit: String| -> Result<String, minijinja::Error> {
        Ok(number(&value, "human")?.map_or_else(|| "—".to_string(), |v| human(v, &unit)))
    });
    env.add_filter("size", |value: Value| -> Result<String, minijinja::Error> {
        Ok(number(&value, "size")?.map_or_else(|| "—".to_string(), |v| human(v, BYTES)))
    });
    env.add_filter("signed_size", |value: Value| -> Result<String, minijinja::Error> {
        Ok(match number(&value, "signed_size")? {
            Some(v) if v > 0.0 => format!("+{}", human(v, BYTES)),
            Some(v) if v < 0.0 => format!("-{}", human(-v, BYTES)),
            Some(_) => "±0 B".to_string(),
            None => "—".to_string(),
        })
    });
    env.add_filter("percent", |value: Value| -> Result<String, minijinja::Error> {
        Ok(match number(&value, "percent")? {
            Some(v) if v.is_finite() => signed_percent(v),
            Some(_) => "new".to_string(),
            None => "—".to_string(),
        })
    });

    let (name, source, file) = match template {
        Some(path) => (path.display().to_string(), crate::error::read_text(path)?, Some(path)),
        None => (DEFAULT_NAME.to_string(), DEFAULT_TEMPLATE.to_string(), None),
    };
    let template_error = |e: minijinja::Error| -> Error {
        let place = e.line().map_or(Place::Whole, |line| Place::Line { line, column: None });
        let mut message = format!("template error: {}", e.kind());
        if let Some(detail) = e.detail() {
            message.push_str(&format!(": {detail}"));
        }
        match file {
            Some(path) => Error::input(path, place, message),
            // The built-in template failing is our bug; say so rather than blame the user.
            None => Error::Usage(format!("built-in template failed ({place}): {message}; please report this")),
        }
    };
    env.add_template_owned(name.clone(), source).map_err(template_error)?;
    let template = env.get_template(&name).map_err(template_error)?;
    template.render(Value::from(Serde(report))).map_err(template_error)
}

/// An error for a filter given an undefined value (a misspelt field, most likely).
fn defined(value: &Value, filter: &str) -> Result<(), minijinja::Error> {
    match value.is_undefined() {
        true => Err(minijinja::Error::new(
            minijinja::ErrorKind::UndefinedError,
            format!("the `{filter}` filter got an undefined value (a misspelt field?)"),
        )),
        false => Ok(()),
    }
}

/// A filter's numeric input: `None` for null (no value), an error for undefined or non-numbers.
fn number(value: &Value, filter: &str) -> Result<Option<f64>, minijinja::Error> {
    defined(value, filter)?;
    if value.is_none() {
        return Ok(None);
    }
    f64::try_from(value.clone()).map(Some).map_err(|_| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("the `{filter}` filter expects a number, got `{value}`"),
        )
    })
}

/// Length as GitHub's limits count it, erring high: UTF-16 code units.
pub fn github_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Fits `report`, already rendered in full as `full`, in at most `limit` characters (a PR
/// comment's 65,536, a check run's 65,535): `full` itself when it fits. Otherwise the detail
/// goes first — passing rows, then the per-file bundle tables, then notable rows — and the
/// verdict and every violation stay; a note says what was cut and where the full report is
/// (`full_report_at`). Rendering once and fitting per destination keeps a report of 10,000
/// rows from being rendered once per destination.
pub fn fit(report: &Report, template: Option<&Path>, full: &str, limit: usize, full_report_at: &str) -> Result<String> {
    if github_length(full) <= limit {
        return Ok(full.to_string());
    }
    let total_rows = report.rows.len();
    let cut = |rows: Vec<crate::budget::evaluate::Row>, keep_files: bool| {
        let mut smaller = report.clone();
        let left_out = total_rows - rows.len();
        smaller.rows = rows;
        if !keep_files {
            for table in &mut smaller.bundles {
                table.files.clear();
                table.unchanged = 0;
            }
        }
        smaller.notes.push(format!(
            "This report was shortened to fit GitHub's {limit}-character limit: {left_out} of {total_rows} result rows{} left out. \
             The full report is in {full_report_at}.",
            if keep_files { "" } else { " and the per-file bundle tables were" }
        ));
        smaller
    };
    let violations: Vec<_> = report.rows.iter().filter(|r| r.severity.is_some()).cloned().collect();
    let notable: Vec<_> = report.rows.iter().filter(|r| r.severity.is_some() || r.notable).cloned().collect();
    for (rows, keep_files) in [(notable.clone(), true), (notable, false), (violations.clone(), false)] {
        let text = render(&cut(rows, keep_files), template)?;
        if github_length(&text) <= limit {
            return Ok(text);
        }
    }
    // Even the violations alone are too many: keep as many as fit (halving search).
    let (mut low, mut high) = (0, violations.len());
    let mut best = render(&cut(Vec::new(), false), template)?;
    while low < high {
        let mid = (low + high).div_ceil(2);
        let text = render(&cut(violations[..mid].to_vec(), false), template)?;
        if github_length(&text) <= limit {
            best = text;
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    if github_length(&best) <= limit {
        return Ok(best);
    }
    // A user template that is long on its own: cut the text itself.
    let marker = "\n\n… (cut to fit GitHub's limit)";
    let mut cut_text = String::new();
    for c in best.chars() {
        if github_length(&cut_text) + c.len_utf16() + github_length(marker) > limit {
            break;
        }
        cut_text.push(c);
    }
    cut_text.push_str(marker);
    Ok(cut_text)
}
