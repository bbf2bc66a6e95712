//! Rendering with minijinja: one environment, built once per process with our filters and the
//! built-in templates keyed by name (`comment.md`, `report.html`, `dashboard.html`), plus the
//! user's own comment template (`--template`), which receives exactly the JSON report object.
//! Names ending in `.html` are auto-escaped by minijinja; Markdown gets the `md` filter, since
//! auto-escaping does not apply there.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{Environment, UndefinedBehavior};

use super::Report;
use crate::error::{Error, Place, Result};
use crate::escape;
use crate::units::{human, signed_percent, BYTES};

/// The built-in templates, embedded so the binary needs no files beside it.
pub const DEFAULT_TEMPLATE: &str = include_str!("templates/comment.md.j2");
const BUILT_IN: &[(&str, &str)] = &[
    (COMMENT, DEFAULT_TEMPLATE),
    (REPORT_HTML, include_str!("templates/report.html.j2")),
    (DASHBOARD_HTML, include_str!("templates/dashboard.html.j2")),
];
const COMMENT: &str = "comment.md";
pub const REPORT_HTML: &str = "report.html";
pub const DASHBOARD_HTML: &str = "dashboard.html";

/// The template environment: built once, rendered from many times (the comment is re-rendered
/// while it is fitted to GitHub's limits).
#[derive(Debug)]
pub struct Renderer {
    env: Environment<'static>,
    /// The user's comment template, when given: its name in `env` is its path.
    user: Option<PathBuf>,
}

impl Renderer {
    /// The built-in templates, and the user's comment template at `template` when given.
    pub fn new(template: Option<&Path>) -> Result<Renderer> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Line numbers in errors of user templates, even in release builds.
        env.set_debug(true);
        // Bounds a runaway user template (a loop over a huge range) instead of hanging CI.
        env.set_fuel(Some(crate::limits::TEMPLATE_FUEL.value()));
        env.set_syntax(
            SyntaxConfig::builder().keep_trailing_newline(true).build().expect("default delimiters are valid"),
        );
        add_filters(&mut env);
        env.set_formatter(html_formatter);
        for (name, source) in BUILT_IN {
            env.add_template(name, source).map_err(|e| template_error(e, None))?;
        }
        if let Some(path) = template {
            let source = crate::error::read_text(path)?;
            let limit = crate::limits::TEMPLATE_DEPTH;
            if let Some((depth, line)) = super::nesting::too_deep(&source, limit.value() as usize) {
                let what = format!("an expression nests {depth} levels deep");
                return Err(Error::input(path, Place::Line { line, column: None }, limit.exceeded(&what)));
            }
            env.add_template_owned(user_name(path), source).map_err(|e| template_error(e, Some(path)))?;
        }
        Ok(Renderer { env, user: template.map(Path::to_path_buf) })
    }

    /// The PR comment (and job summary, check run, `--report-md`): the user's template or ours.
    /// Shared, since the template reads the report through [`super::view`] as it goes.
    pub fn comment(&self, report: &Arc<Report>) -> Result<String> {
        let context = super::view::of(Arc::clone(report));
        match &self.user {
            Some(path) => self.render(&user_name(path), context, Some(path)),
            None => self.render(COMMENT, context, None),
        }
    }

    /// A built-in template by name with `context`.
    pub fn built_in(&self, name: &str, context: Value) -> Result<String> {
        self.render(name, context, None)
    }

    fn render(&self, name: &str, context: Value, file: Option<&Path>) -> Result<String> {
        let template = self.env.get_template(name).map_err(|e| template_error(e, file))?;
        WRITTEN.with(|w| w.set(0));
        template.render(context).map_err(|e| template_error(e, file))
    }
}

/// The user's template's name in the environment: apart from the built-in names, keeping the
/// file's extension (minijinja picks auto-escaping by it).
fn user_name(path: &Path) -> String {
    format!("user/{}", path.display())
}

thread_local! {
    /// Bytes the current render has written through expressions (reset per render).
    static WRITTEN: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Every template's output goes through here: its size is bounded, and `.html` templates are
/// escaped by our own HTML escape, which also shows control characters and bidi overrides as
/// escapes (minijinja's leaves a terminal's ESC or a U+202E that reverses the text after it in
/// the page); everything else is written as minijinja does it.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    // The output's size, bounded ([`crate::limits::TEMPLATE_OUTPUT`]): counted per expression
    // written (literal text between them is bounded by the template's own size times its fuel).
    let limit = crate::limits::TEMPLATE_OUTPUT;
    let written = WRITTEN.with(|w| {
        let total = w.get() + value.as_str().map_or(16, str::len) as u64;
        w.set(total);
        total
    });
    if written > limit.value() {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            limit.exceeded(&format!("the rendered output passed {written} bytes")),
        ));
    }
    match (state.auto_escape(), value.as_str()) {
        (minijinja::AutoEscape::Html, Some(text)) if !value.is_safe() => {
            out.write_str(&escape::html(text)).map_err(minijinja::Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// A template error, blamed on the user's file at `file`, or on us for a built-in template.
fn template_error(e: minijinja::Error, file: Option<&Path>) -> Error {
    let place = e.line().map_or(Place::Whole, |line| Place::Line { line, column: None });
    let mut message = format!("template error: {}", e.kind());
    if let Some(detail) = e.detail() {
        message.push_str(&format!(": {detail}"));
    }
    if e.kind() == minijinja::ErrorKind::OutOfFuel {
        message = crate::limits::TEMPLATE_FUEL.exceeded(&message);
    }
    match file {
        Some(path) => Error::input(path, place, message),
        // The built-in template failing is our bug; say so rather than blame the user.
        None => Error::Usage(format!("built-in template failed ({place}): {message}; please report this")),
    }
}

/// Filters shared by every template. They refuse undefined input: `{{ r.curent | human(r.unit) }}`
/// must be an error under strict undefined behaviour, not a quiet `—` (issue 14.21).
fn add_filters(env: &mut Environment<'static>) {
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
