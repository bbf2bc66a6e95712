//! The table `check` prints: violations first, then notable rows, then (when short) the rest.
//! Colour only on a terminal; `NO_COLOR` and `CLICOLOR` are honoured by anstream.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use super::{Report, Verdict};
use crate::budget::evaluate::{Row, Status};
use crate::units::{human, signed_percent};

/// Passing rows are listed one by one only up to this many; beyond, they are counted.
const MAX_PASSING_LISTED: usize = 40;

pub fn print(report: &Report) -> std::io::Result<()> {
    let mut out = anstream::stdout().lock();
    write_table(&mut out, report)
}

fn style(status: Status) -> Style {
    let color = match status {
        Status::Fail => AnsiColor::Red,
        Status::Warn | Status::Missing => AnsiColor::Yellow,
        Status::Improved | Status::Pass => AnsiColor::Green,
        Status::New | Status::Notice => AnsiColor::Cyan,
    };
    Style::new().fg_color(Some(color.into()))
}

fn label(status: Status) -> &'static str {
    match status {
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
        Status::Missing => "MISSING",
        Status::Notice => "NOTICE",
        Status::Improved => "IMPROVED",
        Status::New => "NEW",
        Status::Pass => "pass",
    }
}

/// Names come from result files: never let them move the cursor or recolour the terminal.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

pub fn write_table(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let passing = report.rows.iter().filter(|r| r.severity.is_none() && !r.notable).count();
    let listed: Vec<&Row> =
        report.rows.iter().filter(|r| r.severity.is_some() || r.notable || passing <= MAX_PASSING_LISTED).collect();
    let width = listed.iter().map(|r| printable(&r.metric).chars().count()).max().unwrap_or(6).clamp(6, 60);
    for row in &listed {
        let s = style(row.status);
        let current = row.current.map_or("—".into(), |v| human(v, &row.unit));
        let change =
            row.change.map_or(String::new(), |c| if c.is_finite() { signed_percent(c) } else { String::new() });
        writeln!(
            out,
            "{s}{:<8}{s:#} {:<width$} {:<6} {:>12} {:>8}  {}",
            label(row.status),
            printable(&row.metric),
            row.stat.name(),
            current,
            change,
            printable(&row.reason),
        )?;
    }
    if listed.len() < report.rows.len() {
        writeln!(
            out,
            "… and {} more passing (all of them are in --report-json / --report-md)",
            report.rows.len() - listed.len()
        )?;
    }
    for u in &report.unmatched_budgets {
        let s = style(Status::Warn);
        writeln!(out, "{s}WARN{s:#}     budget `{}` (line {}) matched no metric", printable(&u.metric), u.line)?;
    }
    for note in &report.notes {
        writeln!(out, "note: {}", printable(note))?;
    }
    let (s, word) = match report.verdict {
        Verdict::Fail => (style(Status::Fail), "FAIL"),
        Verdict::Warn => (style(Status::Warn), "WARN"),
        Verdict::Pass => (style(Status::Pass), "PASS"),
    };
    writeln!(out, "\n{s}budgetgate: {word}{s:#}: {} (exit {})", report.headline, report.exit_code)
}
