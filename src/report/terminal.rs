//! The table `check` prints: a header, violations first, then notable rows, then (when short)
//! the rest; budgets that matched nothing; notes; the verdict. Colour only on a terminal;
//! `NO_COLOR` and `CLICOLOR` are honoured by anstream. Every name is escaped for the log.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use super::{Report, Verdict};
use crate::budget::evaluate::{Row, Status};
use crate::error::Result;
use crate::escape::log_field;
use crate::model::display_name;
use crate::units::human;

/// Passing rows are listed one by one only up to this many; beyond, they are counted.
const MAX_PASSING_LISTED: usize = 40;
/// Names longer than this are shortened in the middle, so the columns stay aligned (the
/// reports carry them whole).
const MAX_NAME_WIDTH: usize = 48;

pub fn print(report: &Report) -> Result<()> {
    let mut out = anstream::stdout().lock();
    write_table(&mut out, report).and_then(|()| out.flush()).map_err(crate::stdout::classify)
}

fn style(status: Status) -> Style {
    let color = match status {
        Status::Fail => AnsiColor::Red,
        Status::Warn | Status::Missing | Status::Inconclusive => AnsiColor::Yellow,
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
        Status::Inconclusive => "UNSURE",
        Status::Notice => "NOTICE",
        Status::Improved => "IMPROVED",
        Status::New => "NEW",
        Status::Pass => "pass",
    }
}

/// `a-very-long…-name`: keeps both ends, which is where benchmark names differ.
fn fit_width(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width {
        return text.to_string();
    }
    let keep = width - 1;
    let (head, tail) = (keep / 2, keep - keep / 2);
    chars[..head].iter().chain(std::iter::once(&'…')).chain(&chars[chars.len() - tail..]).collect()
}

pub fn write_table(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let passing = report.rows.iter().filter(|r| r.severity.is_none() && !r.notable).count();
    let listed: Vec<&Row> =
        report.rows.iter().filter(|r| r.severity.is_some() || r.notable || passing <= MAX_PASSING_LISTED).collect();
    let names: Vec<String> = listed
        .iter()
        .map(|r| fit_width(&log_field(&display_name(&r.metric, r.measure.as_deref())), MAX_NAME_WIDTH))
        .collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0).max("METRIC".len());
    if !listed.is_empty() {
        writeln!(out, "{:<8} {:<width$} {:<6} {:>10}  WHY", "STATUS", "METRIC", "STAT", "CURRENT")?;
    }
    for (row, name) in listed.iter().zip(&names) {
        let s = style(row.status);
        let current = row.current.map_or("—".into(), |v| human(v, &row.unit));
        let trend = match (row.history.is_empty(), row.current) {
            (false, Some(now)) => format!("{} ", sparkline(&row.history, now)),
            _ => String::new(),
        };
        writeln!(
            out,
            "{s}{:<8}{s:#} {name:<width$} {:<6} {:>10}  {trend}{}",
            label(row.status),
            row.stat.name(),
            current,
            log_field(&row.reason),
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
        writeln!(out, "{s}WARN{s:#}     {}", log_field(&u.describe(report.counts.metrics)))?;
    }
    if let Some(b) = &report.compared.baseline {
        writeln!(out, "compared with {} ({} runs of history)", log_field(&b.chosen), b.runs)?;
    }
    for note in &report.notes {
        writeln!(out, "note: {}", log_field(note))?;
    }
    let (s, word) = match report.verdict {
        Verdict::Fail => (style(Status::Fail), "FAIL"),
        Verdict::Warn => (style(Status::Warn), "WARN"),
        Verdict::Pass => (style(Status::Pass), "PASS"),
    };
    writeln!(out, "\n{s}budgetgate: {word}{s:#}: {} (exit {})", log_field(&report.headline), report.exit_code)
}

/// The newest 12 stored values and the current one as block characters, lowest to highest:
/// the trend at a glance in a log line.
fn sparkline(history: &[f64], current: f64) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let values: Vec<f64> = history[history.len().saturating_sub(12)..].iter().copied().chain([current]).collect();
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    values
        .iter()
        .map(|v| match hi > lo {
            true => BARS[(((v - lo) / (hi - lo)) * 7.0).round().clamp(0.0, 7.0) as usize],
            false => BARS[3],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_ends_with_the_current_value() {
        assert_eq!(sparkline(&[100.0, 100.0, 101.0], 200.0), "▁▁▁█");
        assert_eq!(sparkline(&[5.0], 5.0), "▄▄");
    }

    #[test]
    fn long_names_keep_both_ends() {
        assert_eq!(fit_width("short", 10), "short");
        let cut = fit_width("criterion/group/a_really_long_benchmark_name/1024", 20);
        assert_eq!(cut.chars().count(), 20);
        assert!(cut.starts_with("criterion") && cut.ends_with("/1024"), "{cut}");
    }
}
