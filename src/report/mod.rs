//! The report: one versioned object (the JSON report, and exactly what templates receive), and
//! its renderings for people (Markdown comment, terminal table).

pub mod bundles;
pub mod csv;
pub mod dashboard;
pub mod html;
pub mod json;
pub mod nesting;
pub mod render;
pub mod svg;
pub mod terminal;
pub mod trend;
pub mod view;

use serde::Serialize;

use crate::budget::evaluate::{Row, Status, Unmatched};
use crate::budget::{Evaluation, Severity};
use crate::model::RunContext;

/// Version of the JSON report's shape; bumped only with a migration note in the README.
pub const REPORT_VERSION: u32 = 1;

pub use crate::outcome::{FailOn, Verdict};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Rows at `error` severity: these fail the job under `--fail-on error`.
    pub violations: usize,
    /// Rows at `warning` severity plus budgets that matched nothing.
    pub warnings: usize,
    pub notices: usize,
    pub fail: usize,
    pub warn: usize,
    pub missing: usize,
    /// Over a limit but within noise: a workflow may re-run the benchmarks to decide.
    pub inconclusive: usize,
    pub notice: usize,
    pub improved: usize,
    pub new: usize,
    pub pass: usize,
    pub unmatched_budgets: usize,
    pub metrics: usize,
}

/// The runs compared.
#[derive(Debug, Clone, Serialize)]
pub struct Compared {
    pub current: RunContext,
    pub baseline: Option<BaselineInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineInfo {
    /// commit, branch (the one compared with), time, runner of the baseline's newest run.
    #[serde(flatten)]
    pub context: RunContext,
    /// Runs of history behind the noise model.
    pub runs: usize,
    /// Which stored run was compared with and why: "main@abc1234, the merge base".
    pub chosen: String,
    /// Why that run: "the merge base", "the newest stored run", ….
    pub why: String,
}

/// Rows up to which the JSON report is indented ([`Report::write_json`]).
pub const INDENTED_ROWS: usize = 1_000;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub tool_version: &'static str,
    pub verdict: Verdict,
    /// One line: "2 budgets broken, 1 warning" / "all 14 checks pass".
    pub headline: String,
    pub fail_on: FailOn,
    /// The exit code `check` returns for this report (0 pass, 1 violation).
    pub exit_code: i32,
    pub budgets_file: String,
    pub counts: Counts,
    pub compared: Compared,
    /// Every row, worst first: fail, warn, missing, notice, improved, new, pass.
    pub rows: Vec<Row>,
    /// Trend charts (Mermaid) of the worst rows with history, for the comment.
    pub charts: Vec<trend::Chart>,
    pub unmatched_budgets: Vec<Unmatched>,
    /// Build-output sizes per bundle, with changes against the baseline.
    pub bundles: Vec<bundles::BundleTable>,
    /// Notes about the run as a whole (no baseline yet, ...).
    pub notes: Vec<String>,
    /// Where the history dashboard is served (`--dashboard-url`), linked from the comment.
    pub dashboard_url: Option<String>,
}

/// How many metrics (by name) the rows are about. The rows are sorted by name within each
/// status, so a stable sort of their names only merges a few sorted runs (hashing 1,000,000
/// names was 0.4 s of a step).
fn distinct_names(rows: &[Row]) -> usize {
    let mut names: Vec<&str> = rows.iter().map(|r| r.metric.as_str()).collect();
    names.sort();
    names.dedup();
    names.len()
}

impl Report {
    pub fn new(
        evaluation: Evaluation,
        bundles: Vec<bundles::BundleTable>,
        budgets_file: String,
        fail_on: FailOn,
        compared: Compared,
        notes: Vec<String>,
    ) -> Report {
        let mut counts = Counts { unmatched_budgets: evaluation.unmatched.len(), ..Default::default() };
        for row in &evaluation.rows {
            match row.severity {
                Some(Severity::Error) => counts.violations += 1,
                Some(Severity::Warning) => counts.warnings += 1,
                Some(Severity::Info) => counts.notices += 1,
                None => {}
            }
            *match row.status {
                Status::Fail => &mut counts.fail,
                Status::Warn => &mut counts.warn,
                Status::Missing => &mut counts.missing,
                Status::Inconclusive => &mut counts.inconclusive,
                Status::Notice => &mut counts.notice,
                Status::Improved => &mut counts.improved,
                Status::New => &mut counts.new,
                Status::Pass => &mut counts.pass,
            } += 1;
        }
        counts.metrics = distinct_names(&evaluation.rows);
        counts.warnings += evaluation.unmatched.len();
        let verdict = if counts.violations > 0 {
            Verdict::Fail
        } else if counts.warnings > 0 {
            Verdict::Warn
        } else {
            Verdict::Pass
        };
        let exit_code = verdict.exit_code(fail_on);
        let compared_branch = compared.baseline.as_ref().and_then(|b| b.context.branch.clone());
        let mut report = Report {
            version: REPORT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION"),
            verdict,
            headline: String::new(),
            fail_on,
            exit_code,
            budgets_file,
            counts,
            compared,
            charts: trend::charts(&evaluation.rows, compared_branch.as_deref().unwrap_or("the baseline")),
            rows: evaluation.rows,
            unmatched_budgets: evaluation.unmatched,
            bundles,
            notes,
            dashboard_url: None,
        };
        report.headline = report.make_headline();
        report
    }

    /// The JSON report, written to `out` as it is made (at 20,000 rows it is 15 MB: held whole
    /// it was a fifth of the step's memory): indented for a reader up to [`INDENTED_ROWS`] rows;
    /// past that on one line, since programs read a report that size (at 20,000 rows the
    /// indentation made the serializer write a third more bytes, 20.6 MB against 15.4).
    pub fn write_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        match self.rows.len() <= INDENTED_ROWS {
            true => serde_json::to_writer_pretty(&mut *out, self).map_err(std::io::Error::from),
            false => json::write_compact(self, &mut *out),
        }?;
        out.write_all(b"\n")
    }

    /// This report with other rows (a shortened comment's), its own left behind uncopied.
    pub fn with_rows(&self, rows: Vec<Row>) -> Report {
        Report {
            version: self.version,
            tool_version: self.tool_version,
            verdict: self.verdict,
            headline: self.headline.clone(),
            fail_on: self.fail_on,
            exit_code: self.exit_code,
            budgets_file: self.budgets_file.clone(),
            counts: self.counts.clone(),
            compared: self.compared.clone(),
            rows,
            charts: self.charts.clone(),
            unmatched_budgets: self.unmatched_budgets.clone(),
            bundles: self.bundles.clone(),
            notes: self.notes.clone(),
            dashboard_url: self.dashboard_url.clone(),
        }
    }

    /// Drops the stored-run history of the rows nobody looks at (passing, new, missing), so a
    /// 20,000-row JSON report stays small; the HTML report, which draws every row's trend, is
    /// rendered before this.
    pub fn keep_notable_trends(&mut self) {
        for row in &mut self.rows {
            if !row.status.shows_trend() {
                row.history = Vec::new();
            }
        }
    }

    fn make_headline(&self) -> String {
        let c = &self.counts;
        let mut parts = Vec::new();
        if c.violations > 0 {
            parts.push(plural(c.violations, "budget broken", "budgets broken"));
        }
        if c.warnings > 0 {
            parts.push(plural(c.warnings, "warning", "warnings"));
        }
        // Rows read but judged by nothing: no budget named them and there was no baseline.
        let compared = self.rows.iter().filter(|r| r.budget.is_some() || r.baseline.is_some()).count();
        if parts.is_empty() && compared == 0 && !self.rows.is_empty() {
            return format!(
                "nothing was compared: {} read, no budget names {} and there is no baseline",
                plural(c.metrics, "metric", "metrics"),
                if c.metrics == 1 { "it" } else { "them" }
            );
        }
        if parts.is_empty() {
            let checks = self.rows.len();
            let all = match checks {
                0 => "nothing to check".to_string(),
                1 => "1 check passes".to_string(),
                n => format!("all {n} checks pass"),
            };
            return if c.improved > 0 { format!("{all}, {} improved", c.improved) } else { all };
        }
        parts.join(", ")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_counted_once_by_name_across_statuses_and_measures() {
        let report = view::tests::varied_report();
        let mut names: Vec<&str> = report.rows.iter().map(|r| r.metric.as_str()).collect();
        let rows = names.len();
        names.sort();
        names.dedup();
        // The varied report has a metric with two measures and rows of several statuses.
        assert!(names.len() < rows, "{names:?}");
        assert_eq!(report.counts.metrics, names.len());
        // Worst first, names unsorted across statuses: still each name once.
        let mut shuffled = report.rows.clone();
        shuffled.reverse();
        assert_eq!(distinct_names(&shuffled), names.len());
    }
}
