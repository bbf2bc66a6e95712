//! Markdown rendering of the report with minijinja: the built-in comment template, or the
//! user's own (`--template`), which receives exactly the JSON report object.

use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior};

use super::{escape, Report};
use crate::error::{Error, Place, Result};
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
    env.add_filter("md", |text: Value| -> String {
        if text.is_none() || text.is_undefined() {
            return String::new();
        }
        escape::markdown(&text.to_string())
    });
    env.add_filter("human", |value: Option<f64>, unit: String| -> String {
        value.map_or_else(|| "—".to_string(), |v| human(v, &unit))
    });
    env.add_filter("size", |value: Option<f64>| -> String {
        value.map_or_else(|| "—".to_string(), |v| human(v, BYTES))
    });
    env.add_filter("signed_size", |value: Option<f64>| -> String {
        match value {
            Some(v) if v > 0.0 => format!("+{}", human(v, BYTES)),
            Some(v) if v < 0.0 => format!("-{}", human(-v, BYTES)),
            Some(_) => "±0 B".to_string(),
            None => "—".to_string(),
        }
    });
    env.add_filter("percent", |value: Option<f64>| -> String {
        match value {
            Some(v) if v.is_finite() => signed_percent(v),
            Some(_) => "new".to_string(),
            None => "—".to_string(),
        }
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
