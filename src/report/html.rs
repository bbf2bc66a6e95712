//! `--report-html`: the report as one self-contained page (inline CSS and SVG, no script, nothing
//! from the network), for a CI artifact or a browser offline. Every row is shown with its
//! evidence and, where the base branch has history, its trend chart ([`super::svg`]).
//!
//! The page is a minijinja `.html` template, so every string from the report is HTML-escaped by
//! the engine; the charts are built here from numbers and escaped names, and marked safe.

use minijinja::value::{Serde, Value};
use serde::Serialize;

use super::render::{Renderer, REPORT_HTML};
use super::svg::{self, Series};
use super::Report;
use crate::budget::evaluate::{Row, Status, Test};
use crate::error::Result;
use crate::units::signed_percent;

/// One row as the page shows it.
#[derive(Serialize)]
struct PageRow<'a> {
    #[serde(flatten)]
    row: &'a Row,
    /// The change with its interval: "+14.6 % [+12.1 %, +17.0 %]".
    change_text: String,
    /// The trend chart (an `<svg>`), empty without history.
    chart: Value,
}

#[derive(Serialize)]
struct Page<'a> {
    report: &'a Report,
    rows: Vec<PageRow<'a>>,
    /// Rows by status, in the order the page lists them, for the summary line.
    counts: Vec<(Status, usize)>,
    /// The charts' shared marker ([`svg::DEFS`]).
    svg_defs: Value,
}

/// Renders `report` as the HTML page.
pub fn render(report: &Report, renderer: &Renderer) -> Result<String> {
    let branch = report.compared.baseline.as_ref().and_then(|b| b.context.branch.as_deref()).unwrap_or("baseline");
    let rows = report
        .rows
        .iter()
        .map(|row| PageRow { row, change_text: change_text(row), chart: Value::from_safe_string(chart(row, branch)) })
        .collect();
    let mut counts: Vec<(Status, usize)> = Vec::new();
    for row in &report.rows {
        match counts.iter_mut().find(|(s, _)| *s == row.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((row.status, 1)),
        }
    }
    counts.sort();
    renderer.built_in(
        REPORT_HTML,
        Value::from(Serde(&Page { report, rows, counts, svg_defs: Value::from_safe_string(svg::DEFS.to_string()) })),
    )
}

fn change_text(row: &Row) -> String {
    let Some(change) = row.change else { return String::new() };
    if !change.is_finite() {
        return "new".into();
    }
    match row.change_interval {
        Some([lo, hi]) if lo.is_finite() && hi.is_finite() => {
            format!("{} [{}, {}]", signed_percent(change), signed_percent(lo), signed_percent(hi))
        }
        _ => signed_percent(change),
    }
}

/// The row's trend: its stored runs, the noise band of the history test, the limit, the change
/// point that starts the window the test used, and this run.
pub fn chart(row: &Row, branch: &str) -> String {
    if row.history.is_empty() {
        return String::new();
    }
    // The band the prediction test called noise: the interval of the change, moved to the centre.
    let band = match (row.baseline, row.change, row.change_interval, row.test) {
        (Some(centre), Some(change), Some([lo, hi]), Test::History) => {
            Some((centre * (1.0 + lo - change), centre * (1.0 + hi - change)))
        }
        _ => None,
    };
    let window_start = match (row.history_runs, row.test) {
        (Some(window), Test::History) if window < row.history.len() => vec![row.history.len() - window],
        _ => Vec::new(),
    };
    let name = match &row.measure {
        Some(m) => format!("{} [{m}]", row.metric),
        None => row.metric.clone(),
    };
    let title = format!("{name} {}: {} runs of {branch}, then this run", row.stat.name(), row.history.len());
    svg::chart(&Series {
        values: &row.history,
        current: row.current,
        current_label: "this run",
        band,
        limit: row.limit,
        change_points: &window_start,
        unit: &row.unit,
        title: &title,
    })
}
