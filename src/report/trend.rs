//! Trend charts for the rows a reader looks at: the judged stat over the base branch's stored
//! runs, then this PR's value — as a Mermaid `xychart-beta` block, which GitHub renders in
//! comments, so a regression can be seen, not only read from a table.
//!
//! Names in a chart are untrusted text inside a fenced block, where Markdown escaping does not
//! apply: they are cut down to a plain character set (a backtick fence or a quote could close
//! the block or the title).

use serde::Serialize;

use crate::budget::evaluate::{Row, Status};
use crate::units::{dimension, Dimension};

/// Charts per report: enough for the worst rows, few enough to keep the comment short.
pub const MAX_CHARTS: usize = 3;
/// Newest stored runs drawn per chart.
const MAX_POINTS: usize = 30;

#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub metric: String,
    /// The fenced ```mermaid block, ready to paste into Markdown.
    pub mermaid: String,
}

/// Charts for the worst rows with history: violations, then inconclusive, then improved.
pub fn charts(rows: &[Row], branch: &str) -> Vec<Chart> {
    let rank = |r: &Row| match r.status {
        Status::Fail => 0,
        Status::Warn => 1,
        Status::Inconclusive => 2,
        Status::Improved => 3,
        _ => 9,
    };
    let mut candidates: Vec<&Row> =
        rows.iter().filter(|r| rank(r) < 9 && r.history.len() >= 2 && r.current.is_some()).collect();
    candidates.sort_by_key(|r| rank(r));
    candidates.into_iter().take(MAX_CHARTS).map(|r| chart(r, branch)).collect()
}

fn chart(row: &Row, branch: &str) -> Chart {
    let history = &row.history[row.history.len().saturating_sub(MAX_POINTS)..];
    let current = row.current.unwrap_or_default();
    let (divisor, unit) =
        display_scale(history.iter().chain([&current]).fold(0.0_f64, |m, v| m.max(v.abs())), &row.unit);
    let values: Vec<f64> = history.iter().chain([&current]).map(|v| v / divisor).collect();
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.01).max(f64::MIN_POSITIVE);
    let name = match &row.measure {
        Some(m) => format!("{} [{m}]", row.metric),
        None => row.metric.clone(),
    };
    let title = format!(
        "{} {} in {unit}: {} runs of {}, then this PR",
        plain(&name),
        row.stat.name(),
        history.len(),
        plain(branch)
    );
    let labels: Vec<String> = (1..=history.len()).map(|i| format!("\"{i}\"")).chain(["\"PR\"".to_string()]).collect();
    let points: Vec<String> = values.iter().map(|v| number(*v)).collect();
    let mermaid = format!(
        "```mermaid\nxychart-beta\n    title \"{title}\"\n    x-axis [{}]\n    y-axis \"{unit}\" {} --> {}\n    line [{}]\n```",
        labels.join(", "),
        number(lo - pad),
        number(hi + pad),
        points.join(", ")
    );
    Chart { metric: name, mermaid }
}

/// A divisor and unit label that keep the chart's numbers readable (ns → ms, B → kB).
fn display_scale(largest: f64, unit: &str) -> (f64, &str) {
    let steps: &[(f64, &str)] = match dimension(unit) {
        Dimension::Duration => &[(1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1.0, "ns")],
        Dimension::Size => &[(1e9, "GB"), (1e6, "MB"), (1e3, "kB"), (1.0, "B")],
        _ => return (1.0, if unit.is_empty() { "value" } else { unit }),
    };
    steps.iter().find(|(d, _)| largest >= *d).map_or((1.0, steps[steps.len() - 1].1), |(d, u)| (*d, *u))
}

/// Four significant digits, plain decimal notation (what Mermaid's parser reads).
fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".into();
    }
    let decimals = (3 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{v:.decimals$}")
}

/// Text safe inside a quoted Mermaid title in a fenced block: letters, digits and a few
/// separators; anything else becomes `_`. Cut at 60 characters.
fn plain(text: &str) -> String {
    let kept: String =
        text.chars().map(|c| if c.is_alphanumeric() || " _-./:()[]+=,@".contains(c) { c } else { '_' }).collect();
    if kept.chars().count() > 60 {
        kept.chars().take(59).collect::<String>() + "…"
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_cannot_leave_the_chart() {
        for name in crate::escape::HOSTILE_NAMES {
            let text = plain(name);
            assert!(!text.contains('"') && !text.contains('`') && !text.contains('\n'), "{name:?} → {text:?}");
        }
    }

    #[test]
    fn numbers_and_scales_read_well() {
        assert_eq!(number(1234.5678), "1235");
        assert_eq!(number(1.234567), "1.235");
        assert_eq!(number(0.0012345), "0.001234");
        assert_eq!(display_scale(2.5e6, "ns"), (1e6, "ms"));
        assert_eq!(display_scale(800.0, "B"), (1.0, "B"));
        assert_eq!(display_scale(5.0, "ops/s"), (1.0, "ops/s"));
    }
}
