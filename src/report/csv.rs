//! `--report-csv`: the report's rows for spreadsheets, one line per metric and stat, with the
//! same numbers as the JSON report (canonical units: ns, B, per second).
//!
//! Names are untrusted: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
//! a formula to Excel, LibreOffice and Google Sheets (OWASP "CSV injection"), so such text
//! cells get a leading `'`, which spreadsheets show as text. Numbers are written as numbers.

use super::Report;

const HEADER: [&str; 16] = [
    "metric",
    "measure",
    "stat",
    "unit",
    "direction",
    "status",
    "severity",
    "current",
    "baseline",
    "change",
    "change_low",
    "change_high",
    "p_value",
    "test",
    "budget",
    "reason",
];

pub fn render(report: &Report) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER).expect("writing to memory");
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in &report.rows {
        let interval = r.change_interval.map(|[lo, hi]| (Some(lo), Some(hi))).unwrap_or((None, None));
        let record = [
            text(&r.metric),
            text(r.measure.as_deref().unwrap_or("")),
            r.stat.name().to_string(),
            text(&r.unit),
            name(&r.direction),
            name(&r.status),
            r.severity.map(|s| name(&s)).unwrap_or_default(),
            number(r.current),
            number(r.baseline),
            number(r.change),
            number(interval.0),
            number(interval.1),
            number(r.p_value),
            name(&r.test),
            text(r.budget.as_deref().unwrap_or("")),
            text(&r.reason),
        ];
        out.write_record(&record).expect("writing to memory");
    }
    out.into_inner().expect("writing to memory")
}

/// A text cell a spreadsheet will not run as a formula.
fn text(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

/// The serde name of one of the report's enums (`lower_is_better`, `fail`, `history`), as
/// the JSON report spells it.
fn name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_in_names_stay_text() {
        assert_eq!(text("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(text("-1+2"), "'-1+2");
        assert_eq!(text("parse_small"), "parse_small");
    }
}
