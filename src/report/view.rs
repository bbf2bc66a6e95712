//! The report as templates see it: the JSON report object, each field made into a template
//! value only when a template reads it, instead of the whole report copied into template values
//! before rendering. At 20,000 rows that copy was 28 MB, the largest thing the step held, and
//! the default comment reads one or two fields of most rows (`selectattr("severity")`).
//!
//! A template cannot tell the difference: every key, value and order is the JSON report's
//! (the tests compare the two serialized), `rows` is a sequence (`length`, slicing, `[-1]`,
//! `for`) and a row a map.
//!
//! Beside them, two lists a comment is made of, picked out here rather than by the template:
//! `violations` (the rows with a severity, `rows | selectattr("severity")`) and `notable` (the
//! other rows marked notable). Filtering 20,000 rows twice in the template made a template
//! value of each row each time: 4 % of the step's CPU. They are not among the keys a template
//! lists (`tojson` of the context is still the JSON report).

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Serde, Value};

use super::Report;
use crate::budget::evaluate::Row;

/// `report` as one template value (the context of a comment template).
pub fn of(report: Arc<Report>) -> Value {
    Value::from_object(ReportView(report))
}

/// A small part of the report (a count, the bundle tables) as template values, copied.
fn serde(part: impl serde::Serialize) -> Value {
    Value::from(Serde(part))
}

/// The report's keys in the order [`Report`]'s `Serialize` writes them.
const REPORT_KEYS: &[&str] = &[
    "version",
    "tool_version",
    "verdict",
    "headline",
    "fail_on",
    "exit_code",
    "budgets_file",
    "counts",
    "compared",
    "rows",
    "charts",
    "unmatched_budgets",
    "bundles",
    "notes",
    "dashboard_url",
];

#[derive(Debug)]
struct ReportView(Arc<Report>);

impl Object for ReportView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let r = &self.0;
        Some(match key.as_str()? {
            "version" => Value::from(r.version),
            "tool_version" => Value::from(r.tool_version),
            "verdict" => serde(r.verdict),
            "headline" => Value::from(r.headline.as_str()),
            "fail_on" => serde(r.fail_on),
            "exit_code" => Value::from(r.exit_code),
            "budgets_file" => Value::from(r.budgets_file.as_str()),
            "counts" => serde(&r.counts),
            "compared" => serde(&r.compared),
            "rows" => Value::from_object(Rows(Arc::clone(r))),
            "violations" => Self::rows_where(r, |row| row.severity.is_some()),
            "notable" => Self::rows_where(r, |row| row.severity.is_none() && row.notable),
            "charts" => serde(&r.charts),
            "unmatched_budgets" => serde(&r.unmatched_budgets),
            "bundles" => serde(&r.bundles),
            "notes" => serde(&r.notes),
            "dashboard_url" => Value::from(r.dashboard_url.as_deref()),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(REPORT_KEYS)
    }
}

impl ReportView {
    /// The rows that `keep` keeps, in order, as a sequence like `rows`.
    fn rows_where(report: &Arc<Report>, keep: impl Fn(&Row) -> bool) -> Value {
        let places = report.rows.iter().enumerate().filter(|(_, row)| keep(row)).map(|(i, _)| i).collect();
        Value::from_object(Picked(Arc::clone(report), places))
    }
}

/// `rows`: a sequence whose items are made when read.
#[derive(Debug)]
struct Rows(Arc<Report>);

impl Object for Rows {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let index = key.as_usize().filter(|i| *i < self.0.rows.len())?;
        Some(Value::from_object(RowView { report: Arc::clone(&self.0), index }))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.rows.len())
    }
}

/// Some of the rows (by their places in `rows`), a sequence like `rows`.
#[derive(Debug)]
struct Picked(Arc<Report>, Vec<usize>);

impl Object for Picked {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let index = *self.1.get(key.as_usize()?)?;
        Some(Value::from_object(RowView { report: Arc::clone(&self.0), index }))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.1.len())
    }
}

/// A row's keys in the order [`Row`]'s `Serialize` writes them; `history` is left out where
/// it is empty, as in the JSON.
const ROW_KEYS: &[&str] = &[
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
    "budget",
    "budget_line",
    "test",
    "p_value",
    "p_raw",
    "change_interval",
    "tested",
    "history_runs",
    "history_stored",
    "noise_cv",
    "within_run_p",
    "reason",
    "notable",
    "samples",
    "source",
    "limit",
    "history",
];

/// One row of `rows`, by its place in the report.
#[derive(Debug)]
struct RowView {
    report: Arc<Report>,
    index: usize,
}

impl RowView {
    fn row(&self) -> &Row {
        &self.report.rows[self.index]
    }
}

impl Object for RowView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let r = self.row();
        Some(match key.as_str()? {
            "metric" => Value::from(r.metric.as_str()),
            "measure" => Value::from(r.measure.as_deref()),
            "stat" => serde(r.stat),
            "unit" => Value::from(r.unit.as_str()),
            "direction" => serde(r.direction),
            "status" => serde(r.status),
            "severity" => serde(r.severity),
            "current" => Value::from(r.current),
            "baseline" => Value::from(r.baseline),
            "change" => Value::from(r.change),
            "budget" => Value::from(r.budget.as_deref()),
            "budget_line" => Value::from(r.budget_line),
            "test" => serde(r.test),
            "p_value" => Value::from(r.p_value),
            "p_raw" => Value::from(r.p_raw),
            "change_interval" => serde(r.change_interval),
            "tested" => serde(r.tested),
            "history_runs" => Value::from(r.history_runs),
            "history_stored" => Value::from(r.history_stored),
            "noise_cv" => Value::from(r.noise_cv),
            "within_run_p" => Value::from(r.within_run_p),
            "reason" => Value::from(r.reason.as_str()),
            "notable" => Value::from(r.notable),
            "samples" => Value::from(r.samples),
            "source" => Value::from(r.source.as_deref()),
            "limit" => Value::from(r.limit),
            "history" if !r.history.is_empty() => serde(&r.history),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.row().history.is_empty() {
            true => Enumerator::Str(&ROW_KEYS[..ROW_KEYS.len() - 1]),
            false => Enumerator::Str(ROW_KEYS),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::baseline::Comparison;
    use crate::model::{Direction, Metric, Run, RunContext, Stat};
    use crate::report::{BaselineInfo, Compared, FailOn};

    /// A report with rows of every kind: over a budget, improved, new, missing, passing; with
    /// and without trends, a measure, a budget and a note.
    pub(crate) fn varied_report() -> Report {
        let budgets = crate::budget::parse(
            std::path::Path::new("budgets.yaml"),
            "version: 1\ndefaults:\n  regression: 10%\nbudgets:\n  - metric: \"api/slow\"\n    max: 5ms\n",
        )
        .unwrap();
        let metric = |name: &str, mean: f64, measure: Option<&str>| {
            let mut m = Metric::new(name, "ns", Direction::LowerIsBetter);
            m.measure = measure.map(str::to_string);
            m.stats.insert(Stat::Mean, mean);
            m.n = Some(10);
            m
        };
        // Sorted by name, as `ingest` gives them.
        let current = vec![
            metric("api/better", 500.0, None),
            metric("api/fast", 1000.0, None),
            metric("api/fast", 64.0, Some("bytes")),
            metric("api/new", 3.0, None),
            metric("api/slow", 9e6, None),
        ];
        let stored = |i: usize| {
            let wobble = 1.0 + (i % 3) as f64 * 0.01;
            vec![
                metric("api/better", 1000.0 * wobble, None),
                metric("api/fast", 1000.0 * wobble, None),
                metric("api/fast", 64.0, Some("bytes")),
                metric("api/gone", 7.0, None),
                metric("api/slow", 4e6 * wobble, None),
            ]
        };
        let history = (0..8)
            .map(|i| Run {
                context: RunContext { commit: Some(format!("c{i}")), ..Default::default() },
                metrics: stored(i),
            })
            .collect();
        let comparison = Comparison::new("main", history, "main@c7".into(), "the newest stored run".into());
        let evaluation = crate::budget::evaluate(&budgets, &current, Some(&comparison), crate::budget::Trends::Notable);
        let compared = Compared {
            current: RunContext { commit: Some("abc".into()), ..Default::default() },
            baseline: Some(BaselineInfo {
                context: comparison.newest.clone(),
                runs: 8,
                chosen: comparison.chosen.clone(),
                why: comparison.why.clone(),
            }),
        };
        let mut report =
            Report::new(evaluation, vec![], "budgets.yaml".into(), FailOn::Error, compared, vec!["a note".into()]);
        report.keep_notable_trends();
        report
    }

    /// The view serialized is the JSON report, key for key and value for value: a field added
    /// to `Report` or `Row` and not here fails this.
    #[test]
    fn the_view_is_exactly_the_json_report() {
        let report = Arc::new(varied_report());
        assert!(report.rows.iter().any(|r| !r.history.is_empty()) && report.rows.iter().any(|r| r.history.is_empty()));
        let view = of(Arc::clone(&report));
        let parsed = |json: String| serde_json::from_str::<serde_json::Value>(&json).unwrap();
        let direct = parsed(serde_json::to_string(&*report).unwrap());
        assert_eq!(parsed(serde_json::to_string(&view).unwrap()), direct);
        let as_values = parsed(serde_json::to_string(&Value::from(Serde(&*report))).unwrap());
        assert_eq!(direct, as_values, "the same as the template values made from the whole report");
        // Key order too, where templates iterate over a row's keys.
        let rows = view.get_attr("rows").unwrap();
        assert_eq!(serde_json::to_string(&rows).unwrap(), serde_json::to_string(&report.rows).unwrap());
        // The root's keys as a set: a template cannot iterate over its context's keys.
        let mut keys: Vec<String> = view.try_iter().unwrap().map(|k| k.to_string()).collect();
        keys.sort();
        let serde_json::Value::Object(fields) = direct else { panic!("a report is an object") };
        assert_eq!(keys, fields.keys().cloned().collect::<Vec<_>>(), "serde_json's map is sorted");
    }

    #[test]
    fn rows_index_slice_and_count_like_a_list() {
        let report = Arc::new(varied_report());
        let n = report.rows.len();
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        let render = |source: &str| env.render_str(source, of(Arc::clone(&report))).unwrap();
        assert_eq!(render("{{ rows | length }}"), n.to_string());
        assert_eq!(render("{{ rows[-1].metric }}"), report.rows[n - 1].metric);
        assert_eq!(render("{{ rows[1:3] | map(attribute='metric') | join(',') }}"), {
            let names: Vec<_> = report.rows[1..3].iter().map(|r| r.metric.as_str()).collect();
            names.join(",")
        });
        assert_eq!(render("{{ rows is sequence }} {{ rows[0] is mapping }}"), "True True");
        assert!(
            env.render_str("{{ rows[0].metirc }}", of(Arc::clone(&report))).is_err(),
            "a misspelt field stays an error"
        );
        assert!(env.render_str("{{ rows[9999].metric }}", of(report)).is_err());
    }

    #[test]
    fn violations_and_notable_are_the_rows_the_filters_pick() {
        let report = Arc::new(varied_report());
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        let render = |source: &str| env.render_str(source, of(Arc::clone(&report))).unwrap();
        let names = "{% for r in LIST %}{{ r.metric }}/{{ r.status }},{% endfor %} {{ LIST | length }} {{ 'some' if LIST else 'none' }}";
        let picked =
            |list: &str, filters: &str| (render(&names.replace("LIST", list)), render(&names.replace("LIST", filters)));
        let (violations, filtered) = picked("violations", r#"(rows | selectattr("severity") | list)"#);
        assert_eq!(violations, filtered);
        assert!(violations.contains("api/slow/fail"), "{violations}");
        let (notable, filtered) =
            picked("notable", r#"(rows | rejectattr("severity") | selectattr("notable") | list)"#);
        assert_eq!(notable, filtered);
        assert!(notable.contains("improved") && !notable.contains("fail"), "{notable}");
        // An empty list is false, as an empty list is.
        let passing = Arc::new(Report { rows: Vec::new(), ..varied_report() });
        assert_eq!(env.render_str("{{ 'some' if violations else 'none' }}", of(passing)).unwrap(), "none");
    }
}
