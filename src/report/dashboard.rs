//! The history dashboard: one self-contained page of a store's history — every branch, every
//! metric, with its change points and its budget's limit — for `budgetgate dashboard` and for
//! `--publish-dashboard`, which writes it into the data branch for GitHub Pages.
//!
//! Self-contained like the HTML report (inline CSS and SVG); its only script is the inline name
//! filter. The page is rebuilt from the store on every publish, so it never drifts from it.

use minijinja::value::{Serde, Value};
use serde::Serialize;

use super::render::{Renderer, DASHBOARD_HTML};
use super::svg::{self, Series};
use crate::baseline::layout::{self, Files};
use crate::budget::evaluate::worse_limit;
use crate::budget::{default_stat, Budgets};
use crate::error::Result;
use crate::model::{Metric, Stat};
use crate::noise::changepoint;

/// A metric's identity across runs: name and measure.
type MetricKey = (String, Option<String>);

#[derive(Serialize)]
struct Page {
    title: String,
    branches: Vec<BranchView>,
    metrics: usize,
    tool_version: &'static str,
    /// The charts' shared marker ([`svg::DEFS`]).
    svg_defs: Value,
}

#[derive(Serialize)]
struct BranchView {
    name: String,
    runs: usize,
    newest: String,
    metrics: Vec<MetricView>,
}

#[derive(Serialize)]
struct MetricView {
    name: String,
    measure: Option<String>,
    stat: Stat,
    unit: String,
    runs: usize,
    newest: Option<f64>,
    change_points: usize,
    limit: Option<f64>,
    chart: Value,
}

/// The dashboard page of every branch in `files`, with limits from `budgets` when given.
pub fn page(files: &dyn Files, budgets: Option<&Budgets>, renderer: &Renderer, title: &str) -> Result<String> {
    let mut branches = Vec::new();
    let mut names = layout::branches(files)?;
    // The branches people look at first: the usual default branch names, then the rest by name.
    names.sort_by_key(|b| (!matches!(b.as_str(), "main" | "master" | "trunk" | "develop"), b.clone()));
    for name in names {
        let Some(index) = layout::read_index(files, &name)? else { continue };
        let runs = layout::read_runs(files, &index.runs)?;
        let newest = index
            .runs
            .last()
            .map(|e| {
                let commit = e.context.short_commit().unwrap_or_else(|| "?".into());
                format!("{commit} ({})", e.context.order_time().unwrap_or("time unknown"))
            })
            .unwrap_or_default();
        // Every metric of every run, by identity, in name order, with its value in each run.
        let mut series: std::collections::BTreeMap<MetricKey, (Metric, Vec<Option<Metric>>)> = Default::default();
        for (i, run) in runs.iter().enumerate() {
            for stored in &run.metrics {
                let metric = stored.descriptor.metric(stored.values.clone());
                let key = (metric.name.clone(), metric.measure.clone());
                let entry = series.entry(key).or_insert_with(|| (metric.clone(), vec![None; runs.len()]));
                entry.1[i] = Some(metric);
            }
        }
        let metrics = series.into_values().map(|(metric, values)| view(&metric, &values, budgets, &name)).collect();
        branches.push(BranchView { name, runs: runs.len(), newest, metrics });
    }
    let metrics = branches.iter().map(|b| b.metrics.len()).sum();
    let page = Page {
        title: title.to_string(),
        branches,
        metrics,
        tool_version: env!("CARGO_PKG_VERSION"),
        svg_defs: Value::from_safe_string(svg::DEFS.to_string()),
    };
    renderer.built_in(DASHBOARD_HTML, Value::from(Serde(&page)))
}

fn view(metric: &Metric, runs: &[Option<Metric>], budgets: Option<&Budgets>, branch: &str) -> MetricView {
    let budget = budgets.and_then(|b| b.budgets.iter().find(|budget| budget.applies_to(metric)));
    let stat = budget.and_then(|b| b.stat).unwrap_or_else(|| default_stat(metric));
    let values: Vec<f64> = runs.iter().filter_map(|m| m.as_ref()?.stat(stat)).collect();
    let change_points = changepoint::change_points(&values);
    // The regression limit as the next run would meet it: around the newest segment's median;
    // the same rule as a row's (a budget's own `regression`, else the defaults').
    let regression = match budget {
        Some(b) => b.regression,
        None => budgets.and_then(|b| b.defaults.regression),
    };
    let segment = &values[change_points.last().copied().unwrap_or(0)..];
    let centre = (!segment.is_empty()).then(|| crate::noise::median(segment));
    let limit = worse_limit(budget, regression, centre, metric.direction);
    let name = match &metric.measure {
        Some(m) => format!("{} [{m}]", metric.name),
        None => metric.name.clone(),
    };
    let title = format!("{name} {}: {} runs of {branch}", stat.name(), values.len());
    let chart = svg::chart(&Series {
        values: &values,
        current: None,
        current_label: "",
        band: None,
        limit,
        change_points: &change_points,
        unit: &metric.unit,
        title: &title,
    });
    MetricView {
        name: metric.name.clone(),
        measure: metric.measure.clone(),
        stat,
        unit: metric.unit.clone(),
        runs: values.len(),
        newest: values.last().copied(),
        change_points: change_points.len(),
        limit,
        chart: Value::from_safe_string(chart),
    }
}
