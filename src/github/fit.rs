//! Fitting a rendered report into GitHub's length limits (a comment's 65,536 characters, a
//! check run's and the job summary's 65,535): GitHub's rule, so it lives with GitHub.

use crate::error::Result;
use crate::report::render::Renderer;
use crate::report::Report;

/// Length as GitHub's limits count it, erring high: UTF-16 code units.
pub fn github_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Fits `report`, already rendered in full as `full` by `renderer`, in at most `limit` characters (a PR
/// comment's 65,536, a check run's 65,535): `full` itself when it fits. Otherwise the detail
/// goes first — passing rows, then the per-file bundle tables, then notable rows — and the
/// verdict and every violation stay; a note says what was cut and where the full report is
/// (`full_report_at`). Rendering once and fitting per destination keeps a report of 10,000
/// rows from being rendered once per destination.
pub fn fit(report: &Report, renderer: &Renderer, full: &str, limit: usize, full_report_at: &str) -> Result<String> {
    if github_length(full) <= limit {
        return Ok(full.to_string());
    }
    let total_rows = report.rows.len();
    let cut = |rows: Vec<crate::budget::evaluate::Row>, keep_files: bool| {
        let left_out = total_rows - rows.len();
        let mut smaller = report.with_rows(rows);
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
        std::sync::Arc::new(smaller)
    };
    let violations: Vec<_> = report.rows.iter().filter(|r| r.severity.is_some()).cloned().collect();
    let notable: Vec<_> = report.rows.iter().filter(|r| r.severity.is_some() || r.notable).cloned().collect();
    for (rows, keep_files) in [(notable.clone(), true), (notable, false), (violations.clone(), false)] {
        let text = renderer.comment(&cut(rows, keep_files))?;
        if github_length(&text) <= limit {
            return Ok(text);
        }
    }
    // Even the violations alone are too many: keep as many as fit (halving search).
    let (mut low, mut high) = (0, violations.len());
    let mut best = renderer.comment(&cut(Vec::new(), false))?;
    while low < high {
        let mid = (low + high).div_ceil(2);
        let text = renderer.comment(&cut(violations[..mid].to_vec(), false))?;
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
