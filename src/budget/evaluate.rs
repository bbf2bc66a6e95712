//! Evaluation: every metric against the budgets that match it and against the baseline, into
//! one verdict row per (metric, stat, budget), each with the numbers and a human reason.
//!
//! Metrics that no budget names are still compared with the baseline under `defaults`, so a
//! regression in an unbudgeted benchmark is not missed; they are listed either way so the
//! report shows everything that was read.

use std::sync::Arc;

use serde::Serialize;

use super::file::{Budget, Budgets, Severity};
use crate::baseline::history::PackedRun;
use crate::baseline::Comparison;
use crate::error::{Error, Problem, Result};
use crate::globs::NamePattern;
use crate::model::{Direction, Metric, Stat, StatSet, StatValues};
use crate::noise::History;
use crate::units::{human, sig3, QuantityKind};

/// What happened to one (metric, stat, budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A budget at `error` severity is broken.
    Fail,
    /// A budget at `warning` severity is broken.
    Warn,
    /// The baseline has this metric, this run does not.
    Missing,
    /// A budget at `info` severity is broken: reported, never failing.
    Notice,
    /// Over the regression limit, but within the noise the base branch's history shows: re-run
    /// the benchmarks to decide (the `inconclusive` step output counts these).
    Inconclusive,
    /// Better than the baseline by more than the regression limit, and significant.
    Improved,
    /// Not in the baseline.
    New,
    Pass,
}

impl Status {
    /// Rows a reader looks at for their trend (charts, sparklines): broken, inconclusive or
    /// improved. Only these carry their stored runs past the evaluation, unless every row's
    /// trend is drawn ([`Trends::All`]).
    pub fn shows_trend(self) -> bool {
        matches!(self, Status::Fail | Status::Warn | Status::Inconclusive | Status::Improved)
    }
}

/// Which rows carry their trend (the judged stat in the stored runs, [`Row::history`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trends {
    /// The rows whose status [`shows_trend`](Status::shows_trend): what the comment, the
    /// terminal and the JSON report show. At 20,000 rows with 50 stored runs every row's trend
    /// was 10 MB, most of it dropped unread.
    Notable,
    /// Every row's: the HTML report draws them all.
    All,
}

pub use crate::noise::Test;

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub metric: String,
    /// The benchmark's measure this row is about; `null` for its headline measure.
    pub measure: Option<String>,
    pub stat: Stat,
    pub unit: String,
    pub direction: Direction,
    pub status: Status,
    /// Set on rows that break something; decides the exit code with `--fail-on`.
    pub severity: Option<Severity>,
    pub current: Option<f64>,
    pub baseline: Option<f64>,
    /// (current - baseline) / |baseline|, signed.
    pub change: Option<f64>,
    /// The budget as a reader would state it; `None` for unbudgeted metrics without a baseline.
    /// Shared by the rows of one budget.
    pub budget: Option<Arc<str>>,
    /// 1-based line of the budget in the budgets file.
    pub budget_line: Option<usize>,
    pub test: Test,
    /// The calibrated p-value of the change (history test), adjusted for false discoveries
    /// across the run's rows (Benjamini–Hochberg); `null` where no test applies.
    pub p_value: Option<f64>,
    /// The same before the adjustment.
    pub p_raw: Option<f64>,
    /// The change's interval at the configured confidence, `[low, high]` as fractions.
    pub change_interval: Option<[f64; 2]>,
    /// The statistics the p-value tested (the judged one, and `min` where contention is
    /// resisted).
    pub tested: StatSet,
    /// Runs of the base branch's history the test used (the window since the last change
    /// point), and the runs stored.
    pub history_runs: Option<usize>,
    pub history_stored: Option<usize>,
    /// Between-run coefficient of variation seen in that window.
    pub noise_cv: Option<f64>,
    /// With short history: the change against the two runs' own sample spread (within-run
    /// noise only); a row over the limit fails only when it is significant.
    pub within_run_p: Option<f64>,
    pub reason: String,
    /// Worth a reader's eye though not a violation: improved, new, or over the limit but
    /// within noise.
    pub notable: bool,
    /// Number of samples behind the current value, when known (tail percentiles need it).
    pub samples: Option<u64>,
    /// The file the metric was read from, shared by that file's rows.
    pub source: Option<Arc<str>>,
    /// The value beyond which this row breaks its budget: the budget's `max` (for
    /// higher-is-better, `min`) or the regression limit applied to the baseline, whichever is
    /// stricter; drawn on trend charts.
    pub limit: Option<f64>,
    /// The judged stat in the stored runs the comparison used, oldest first, for trend charts.
    /// Every row has it after evaluation; [`crate::report::Report::keep_notable_trends`] keeps
    /// it only where a reader looks (violations, inconclusive, improved) before the JSON report.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<f64>,
}

/// A budget whose glob matched no metric: reported as a warning, never silently dropped.
#[derive(Debug, Clone, Serialize)]
pub struct Unmatched {
    pub metric: String,
    pub line: usize,
    /// The closest names that were read (at most five), nearest first.
    pub closest: Vec<String>,
    /// What to write instead, when we can tell (`./work.sh`; `**` for names with `/`).
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub rows: Vec<Row>,
    pub unmatched: Vec<Unmatched>,
}

/// A budget and its text as rows state it.
type BudgetText<'a> = (&'a Budget, &'a Arc<str>);

/// Evaluates `metrics` against `budgets` and, when given, the baseline `comparison`.
///
/// Errors only when a budget cannot apply to a metric it matches (a size limit on a timing):
/// that is a mistake in the budgets file, not a verdict.
pub fn evaluate(budgets: &Budgets, metrics: &[Metric], comparison: Option<&Comparison>, trends: Trends) -> Evaluation {
    let baseline = comparison.map(|c| BaselineIndex::new(c, metrics));
    // Each row to make: a budget (or the defaults) and the metric it applies to. A budget's
    // text is written once and shared by every row it makes (a glob may match 20,000 metrics).
    let described: Vec<Arc<str>> = budgets.budgets.iter().map(|b| b.describe().into()).collect();
    let defaults_text: Option<Arc<str>> =
        budgets.defaults.regression.map(|r| format!("≤ {}% worse than baseline (defaults)", sig3(r * 100.0)).into());
    let mut work: Vec<(Option<BudgetText>, usize)> = Vec::new();
    let mut unmatched = Vec::new();
    let mut budgeted = vec![false; metrics.len()];

    for (budget, text) in budgets.budgets.iter().zip(&described) {
        let mut matched = false;
        for (i, metric) in metrics.iter().enumerate() {
            if !budget.applies_to(metric) {
                continue;
            }
            matched = true;
            budgeted[i] = true;
            work.push((Some((budget, text)), i));
        }
        if !matched {
            unmatched.push(unmatched_budget(budget, metrics));
        }
    }
    // Parts of a group (a bundle's files) are checked only where a budget names them: the
    // group total carries the default regression check, and a 300-byte file growing by 40
    // bytes must not fail a PR by default. They are all listed in the group's table.
    work.extend((0..metrics.len()).filter(|i| !budgeted[*i] && metrics[*i].part_of.is_none()).map(|i| (None, i)));
    // Each row's place by name among all rows, as a number, for the sort below: metric `i` of
    // the current ones, sorted by name and measure as `ingest` gives them, is `2i + 1`; a
    // stored metric missing now is `2p` where `p` current metrics come before it.
    let mut places: Vec<usize> = work.iter().map(|(_, i)| 2 * i + 1).collect();
    // First every row's numbers, the noise model's judgement among them (no text), then the
    // false-discovery adjustment across them, then each row's status and reason written into
    // it where it lies: a row's text lives only once the adjustment is known (20,000 drafts
    // held for the adjustment were 14 MB), and the judgements travel in the rows' own fields
    // (a separate list of them, 192 bytes a row beside the 384 of its row, was 19 MB of the
    // peak at 100,000 metrics).
    let mut rows =
        crate::parallel::map(work, |(budget, i)| numbers(budgets, budget, &metrics[i], i, baseline.as_ref()));
    // False discoveries controlled across every row that has a calibrated p-value.
    let raw: Vec<f64> = rows.iter().filter_map(|(row, _)| row.p_raw).collect();
    let mut adjusted = crate::noise::fdr::benjamini_hochberg(&raw).into_iter();
    let tested = raw.len();
    for (row, _) in &mut rows {
        row.p_value = row.p_raw.and_then(|_| adjusted.next());
    }
    let confidence = format!("{}%", sig3(budgets.defaults.confidence * 100.0));
    let branch = baseline.as_ref().map(|b| b.comparison.branch.as_str());
    crate::parallel::for_each(&mut rows, |(row, pending)| {
        let metric = &metrics[pending.metric];
        let text = pending.budget.map(|(_, text)| text).or(defaults_text.as_ref().filter(|_| baseline.is_some()));
        let d = draft(budgets, row, pending, text, metric, branch);
        decide(budgets, d, tested, &confidence);
        if let Some(index) = baseline.as_ref().filter(|_| trends == Trends::All || row.status.shows_trend()) {
            row.history = RowHistory { index, i: pending.metric }.series(row.stat);
        }
    });
    // The rows alone, in the same memory (in place: no copy of the list).
    let mut rows: Vec<Row> = rows.into_iter().map(|(row, _)| row).collect();
    if let Some(index) = &baseline {
        let chosen = index.comparison.chosen_run();
        let stored: Vec<Key> = chosen.catalog.iter().map(|d| (d.name.as_str(), d.measure.as_deref())).collect();
        for (k, place) in index.places_now(metrics, &stored).into_iter().enumerate() {
            // A removed file of a bundle is a change in the bundle table, not a missing result.
            if let (None, Err(before)) = (&chosen.catalog[k].part_of, place) {
                rows.push(missing_row(budgets, &chosen.metric(k), index));
                places.push(2 * before);
            }
        }
    }
    // Worst first, then by name and measure, then stat: by the places above where the current
    // metrics are sorted (at 1,000,000 rows comparing the names themselves, each a cache miss
    // away, was most of the sort), and by the names where places tie between missing metrics
    // or the metrics are not sorted (every place then 0); each row moved once.
    if !metrics.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
        places.fill(0);
    }
    let by_name = |a: usize, b: usize| (&rows[a].metric, &rows[a].measure).cmp(&(&rows[b].metric, &rows[b].measure));
    let order = crate::order::stable_order(rows.len(), |a, b| {
        let names = places[a].cmp(&places[b]).then_with(|| match places[a] % 2 {
            0 => by_name(a, b),
            _ => std::cmp::Ordering::Equal,
        });
        rows[a].status.cmp(&rows[b].status).then(names).then(rows[a].stat.cmp(&rows[b].stat))
    });
    crate::order::apply(&mut rows, order);
    Evaluation { rows, unmatched }
}

/// Every budget whose `max`/`min` cannot apply to a metric it matches (a size limit on a
/// timing, a plain number on a duration): mistakes in the budgets file, one problem per
/// budget with its line. `check` and `validate` both call this, so they agree.
pub fn check_fit(budgets: &Budgets, metrics: &[Metric]) -> Result<()> {
    let mut problems = Vec::new();
    for budget in &budgets.budgets {
        let misfit = metrics.iter().filter(|m| budget.applies_to(m)).find_map(|metric| {
            [("max", budget.max), ("min", budget.min)]
                .into_iter()
                .find_map(|(key, q)| q.filter(|q| !q.fits(&metric.unit)).map(|q| (key, q, metric)))
        });
        let Some((key, q, metric)) = misfit else { continue };
        let what = match q.kind {
            QuantityKind::Duration => "a duration",
            QuantityKind::Size => "a size",
            QuantityKind::Plain => "a plain number",
        };
        let hint = match (q.kind, crate::units::dimension(&metric.unit)) {
            (QuantityKind::Plain, crate::units::Dimension::Duration) => " (give it a unit, e.g. `200ms`)",
            (QuantityKind::Plain, crate::units::Dimension::Size) => " (give it a unit, e.g. `50 kB`)",
            _ => "",
        };
        let from = match &metric.source {
            Some(s) if &*s.format == "bundle" => {
                format!(" (a size of bundle `{}`)", metric.part_of.as_deref().unwrap_or(&metric.name))
            }
            Some(s) => format!(" (read from {})", s.file),
            None => String::new(),
        };
        problems.push(Problem {
            line: budget.line,
            column: None,
            message: format!(
                "budget `{}` has `{key}: {q}`, {what}{hint}, but it matches `{}`, measured in `{}`{from}",
                budget.metric.as_str(),
                metric.display_name(),
                if metric.unit.is_empty() { "no unit" } else { &metric.unit },
            ),
            snippet: String::new(),
        });
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::Budgets { file: budgets.path.clone(), problems })
}

/// A budget that matched nothing, with the names closest to its pattern and what to write.
fn unmatched_budget(budget: &Budget, metrics: &[Metric]) -> Unmatched {
    let pattern = budget.metric.as_str();
    let mut scored: Vec<(f64, String)> = metrics
        .iter()
        .filter(|m| m.part_of.is_none())
        .map(|m| (strsim::jaro_winkler(pattern, &m.name), m.name.clone()))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    let closest: Vec<String> = scored.iter().take(5).map(|(_, n)| n.clone()).collect();
    // `*` stays within one `/`-separated part: hyperfine names are command lines such as
    // `./work.sh`, which `*.sh` does not match (issue 14.19).
    let crossing = [pattern.replace('*', "**"), format!("**/{pattern}")];
    let slash_hint = (pattern.contains('*') && !pattern.contains("**"))
        .then(|| {
            crossing.iter().find(|alt| {
                NamePattern::new(alt).is_ok_and(|p| metrics.iter().any(|m| m.name.contains('/') && p.matches(&m.name)))
            })
        })
        .flatten();
    let hint = if let Some(alt) = slash_hint {
        Some(format!("`{alt}` (a `*` stays within one `/`-separated part of a name; `**` crosses them)"))
    } else if budget.measure.is_none() && metrics.iter().any(|m| m.measure.is_some() && budget.metric.matches(&m.name))
    {
        Some("a `measure:` (it matches only secondary measures of these benchmarks)".to_string())
    } else {
        scored.first().filter(|(score, _)| *score > 0.8).map(|(_, name)| format!("`{name}`"))
    };
    Unmatched { metric: pattern.to_string(), line: budget.line, closest, hint }
}

impl Unmatched {
    /// "line 12: budget `*.sh` matches none of the 3 metrics read; did you mean `**.sh`? …"
    pub fn describe(&self, metrics_read: usize) -> String {
        let mut text =
            format!("line {}: budget `{}` matches none of the {metrics_read} metrics read", self.line, self.metric);
        if let Some(hint) = &self.hint {
            text.push_str(&format!("; did you mean {hint}?"));
        }
        if !self.closest.is_empty() {
            let names: Vec<String> = self.closest.iter().map(|n| format!("`{n}`")).collect();
            text.push_str(&format!(". Closest names read: {}", names.join(", ")));
        }
        text
    }
}

/// A metric's identity across runs: its benchmark name and measure.
type Key<'a> = (&'a str, Option<&'a str>);

fn key(metric: &Metric) -> Key<'_> {
    (metric.name.as_str(), metric.measure.as_deref())
}

/// The baseline's metrics by name, plus each metric's history, built once per evaluation.
struct BaselineIndex<'a> {
    comparison: &'a Comparison,
    /// `tables[t][i]`: where the current metric `i` is in catalog `t` ([`ABSENT`] if not there).
    /// Runs saved with the same metrics share a catalog, so usually there is one table.
    tables: Vec<Vec<u32>>,
    /// Each stored run's table, oldest first.
    run_table: Vec<usize>,
    /// Indices of the current metrics in key order, for finding a stored metric among them.
    order: Vec<usize>,
}

/// A current metric that a stored run does not have.
const ABSENT: u32 = u32::MAX;

/// The current metric `i` in the stored runs, as the noise model reads its history.
struct RowHistory<'i, 'a> {
    index: &'i BaselineIndex<'a>,
    i: usize,
}

impl History for RowHistory<'_, '_> {
    fn runs(&self) -> usize {
        self.index.places_of(self.i).count()
    }

    fn series(&self, stat: Stat) -> Vec<f64> {
        let mut series = Vec::with_capacity(self.index.run_table.len());
        series.extend(self.index.places_of(self.i).filter_map(|(run, k)| run.stat(k, stat)));
        series
    }

    fn newest(&self) -> Option<StatValues<'_>> {
        self.index.places_of(self.i).next_back().map(|(run, k)| run.get(k))
    }
}

impl<'a> BaselineIndex<'a> {
    /// Aligns every stored catalog with the current metrics by a merge of their key orders:
    /// catalogs are stored sorted (by name and measure), so this is one linear pass per
    /// distinct catalog, without hashing 20,000 names 50 times over.
    fn new(comparison: &'a Comparison, current: &[Metric]) -> Self {
        let mut order: Vec<usize> = (0..current.len()).collect();
        order.sort_by(|&a, &b| key(&current[a]).cmp(&key(&current[b])));
        let mut catalogs: Vec<&std::sync::Arc<Vec<crate::baseline::stored::Descriptor>>> = Vec::new();
        let mut tables = Vec::new();
        let mut run_table = Vec::with_capacity(comparison.history.len());
        for run in &comparison.history {
            if let Some(t) = catalogs.iter().position(|c| std::sync::Arc::ptr_eq(c, &run.catalog)) {
                run_table.push(t);
                continue;
            }
            let mut stored: Vec<usize> = (0..run.catalog.len()).collect();
            let stored_key = |k: usize| {
                let d = &run.catalog[k];
                (d.name.as_str(), d.measure.as_deref())
            };
            if !stored.windows(2).all(|w| stored_key(w[0]) <= stored_key(w[1])) {
                stored.sort_by(|a, b| stored_key(*a).cmp(&stored_key(*b)));
            }
            let mut table = vec![ABSENT; current.len()];
            let (mut i, mut j) = (0, 0);
            while i < order.len() && j < stored.len() {
                match key(&current[order[i]]).cmp(&stored_key(stored[j])) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        table[order[i]] = stored[j] as u32;
                        i += 1;
                        j += 1;
                    }
                }
            }
            catalogs.push(&run.catalog);
            tables.push(table);
            run_table.push(tables.len() - 1);
        }
        BaselineIndex { comparison, tables, run_table, order }
    }

    /// Each stored run of the branch that has the current metric `i`, oldest first, with the
    /// metric's place in its catalog.
    fn places_of(&self, i: usize) -> impl DoubleEndedIterator<Item = (&'a PackedRun, usize)> + '_ {
        self.comparison.history.iter().zip(&self.run_table).filter_map(move |(run, &t)| {
            let k = self.tables[t][i];
            (k != ABSENT).then_some((run, k as usize))
        })
    }

    /// Where each of `stored` is among the current metrics in key order: `Ok` where it is one
    /// of them, `Err(p)` where it is not and `p` of them come before it. One walk along both
    /// when `stored` is sorted, as stored runs are (a binary search per stored metric was 20
    /// name comparisons each at 1,000,000 metrics, most of them cache misses).
    fn places_now(&self, current: &[Metric], stored: &[Key]) -> Vec<Result<(), usize>> {
        let search = |old: &Key| self.order.binary_search_by(|&i| key(&current[i]).cmp(old)).map(|_| ());
        if !stored.is_sorted() {
            return stored.iter().map(search).collect();
        }
        let mut before = 0;
        stored
            .iter()
            .map(|&old| {
                while before < self.order.len() && key(&current[self.order[before]]) < old {
                    before += 1;
                }
                match self.order.get(before).is_some_and(|&i| key(&current[i]) == old) {
                    true => Ok(()),
                    false => Err(before),
                }
            })
            .collect()
    }
}

/// The stat a budget without `stat:` checks: the headline, or for sizes the compressed size
/// users quote (gzip, then brotli, then raw).
pub fn default_stat(metric: &Metric) -> Stat {
    [Stat::Value, Stat::Gzip, Stat::Brotli, Stat::Raw]
        .into_iter()
        .find(|s| metric.stats.contains(*s))
        .or_else(|| metric.stats.keys().next())
        .unwrap_or(Stat::Value)
}

/// A row with its numbers, the noise model's judgement and its adjusted p-value, before
/// [`decide`] gives it a status and a reason; made and decided one row at a time.
struct Draft<'a, 'r> {
    row: &'r mut Row,
    budget: Option<&'a Budget>,
    severity: Severity,
    regression: Option<f64>,
    judgement: Option<crate::noise::Judgement>,
    /// The judgement's p-value adjusted across the run's rows.
    adjusted: Option<f64>,
    /// Absolute limits broken, and notes on those kept.
    broken: Vec<String>,
    notes: Vec<String>,
    /// Not in the baseline at all.
    is_new: bool,
    branch: &'a str,
}

/// What a row's second pass needs beside the row's numbers: its budget and metric, and what
/// of the noise model's judgement the row does not show (see [`Pending::judgement`]).
struct Pending<'a> {
    budget: Option<BudgetText<'a>>,
    /// The metric's place among the current ones.
    metric: usize,
    /// The row has a judgement (a baseline with the stat).
    judged: bool,
    /// The baseline has no run with this metric at all.
    is_new: bool,
    evidence_change: Option<f64>,
    window_runs: usize,
    cut_at_change_point: bool,
}

impl Pending<'_> {
    /// The judgement [`numbers`] wrote into `row`, made again from the row's fields and the
    /// rest kept here: the inverse of that writing (a test holds them to each other).
    fn judgement(&self, row: &Row) -> Option<crate::noise::Judgement> {
        if !self.judged {
            return None;
        }
        Some(crate::noise::Judgement {
            test: row.test,
            centre: row.baseline?,
            change: row.change?,
            interval: row.change_interval.map(|[lo, hi]| (lo, hi)),
            evidence_change: self.evidence_change,
            p_value: row.p_raw,
            within_run_p: row.within_run_p,
            tested: row.tested,
            history_runs: row.history_stored?,
            window_runs: self.window_runs,
            cut_at_change_point: self.cut_at_change_point,
            cv: row.noise_cv,
            samples: row.samples,
        })
    }
}

/// A row's numbers, without status or reason: those of `metric` (the current metric `i`), and
/// the noise model's judgement of it under `budget` against the baseline, if any, written into
/// the row's fields.
fn numbers<'a>(
    budgets: &Budgets,
    budget: Option<BudgetText<'a>>,
    metric: &Metric,
    i: usize,
    baseline: Option<&BaselineIndex>,
) -> (Row, Pending<'a>) {
    let defaults = &budgets.defaults;
    let stat = budget.and_then(|(b, _)| b.stat).unwrap_or_else(|| default_stat(metric));
    let mut row = Row {
        metric: metric.name.clone(),
        measure: metric.measure.clone(),
        stat,
        unit: metric.unit.clone(),
        direction: metric.direction,
        status: Status::Pass,
        severity: None,
        current: metric.stat(stat),
        baseline: None,
        change: None,
        budget: None,
        budget_line: budget.map(|(b, _)| b.line),
        test: Test::None,
        p_value: None,
        p_raw: None,
        change_interval: None,
        tested: StatSet::default(),
        history_runs: None,
        history_stored: None,
        noise_cv: None,
        within_run_p: None,
        reason: String::new(),
        notable: false,
        samples: metric.n,
        source: metric.source.as_ref().map(|s| s.file.clone()),
        limit: None,
        history: Vec::new(),
    };
    let mut pending = Pending {
        budget,
        metric: i,
        judged: false,
        is_new: false,
        evidence_change: None,
        window_runs: 0,
        cut_at_change_point: false,
    };
    let (Some(index), Some(_)) = (baseline, row.current) else { return (row, pending) };
    let history = RowHistory { index, i };
    let input = crate::noise::Input {
        stat,
        current: metric,
        history: &history,
        min_history: defaults.min_history,
        confidence: defaults.confidence,
    };
    match crate::noise::judge(&input) {
        None => pending.is_new = history.runs() == 0,
        Some(j) => {
            row.baseline = Some(j.centre);
            row.change = Some(j.change);
            row.test = j.test;
            row.p_raw = j.p_value;
            row.change_interval = j.interval.map(|(lo, hi)| [lo, hi]);
            row.tested = j.tested;
            row.history_runs = (j.test == Test::History).then_some(j.window_runs);
            row.history_stored = Some(j.history_runs);
            row.noise_cv = j.cv;
            row.within_run_p = j.within_run_p;
            row.samples = j.samples;
            pending.judged = true;
            pending.evidence_change = j.evidence_change;
            pending.window_runs = j.window_runs;
            pending.cut_at_change_point = j.cut_at_change_point;
        }
    }
    (row, pending)
}

/// `row` (with its numbers and its adjusted p-value) as [`decide`] takes it: the absolute
/// limits it breaks or keeps and what the baseline says of it. `budget_text`: the budget as the
/// row states it (the defaults' regression limit for a metric no budget names); `branch`: the
/// baseline's, empty without one.
fn draft<'a, 'r>(
    budgets: &Budgets,
    row: &'r mut Row,
    pending: &Pending<'a>,
    budget_text: Option<&Arc<str>>,
    metric: &Metric,
    branch: Option<&'a str>,
) -> Draft<'a, 'r> {
    let defaults = &budgets.defaults;
    let stat = row.stat;
    let budget = pending.budget.map(|(b, _)| b);
    row.budget = budget_text.cloned();
    let judgement = pending.judgement(row);
    let mut d = Draft {
        severity: budget.map_or(defaults.severity, |b| b.severity),
        regression: budget.map_or(defaults.regression, |b| b.regression),
        adjusted: row.p_value,
        row,
        budget,
        judgement,
        broken: Vec::new(),
        notes: Vec::new(),
        is_new: false,
        branch: branch.unwrap_or(""),
    };
    let Some(current) = d.row.current else {
        let available: Vec<&str> = metric.stats.keys().map(|s| s.name()).collect();
        d.row.reason = format!("has no {stat} (it has {}); pick one of those with `stat:`", available.join(", "));
        return d;
    };
    let show = |v: f64| human(v, &metric.unit);
    let judged = stat_label(stat, metric.n);
    if let Some(b) = budget {
        if let Some(max) = b.max.filter(|m| current > m.value) {
            d.broken.push(format!("{judged} {} > max {}", show(current), show(max.value)));
        }
        if let Some(min) = b.min.filter(|m| current < m.value) {
            d.broken.push(format!("{judged} {} < min {}", show(current), show(min.value)));
        }
        if d.broken.is_empty() {
            match (b.max, b.min) {
                (Some(max), _) => d.notes.push(format!("{judged} {} ≤ max {}", show(current), show(max.value))),
                (None, Some(min)) => d.notes.push(format!("{judged} {} ≥ min {}", show(current), show(min.value))),
                (None, None) => {}
            }
        }
    }
    if let (Some(branch), None) = (branch, &d.judgement) {
        d.is_new = pending.is_new;
        d.notes.push(match d.is_new {
            true => format!("new: not in the {branch} baseline"),
            false => format!("the {branch} baseline has no {stat} for it"),
        });
    }
    d
}

/// Decides a row's status from its draft and its adjusted p-value (`tested` rows shared the
/// adjustment); `confidence` is the configured confidence as rows state it (`99%`).
fn decide(budgets: &Budgets, mut d: Draft, tested: usize, confidence: &str) {
    let defaults = &budgets.defaults;
    let adjusted = d.adjusted;
    let Some(current) = d.row.current else {
        d.row.status = Status::Missing;
        d.row.severity = Some(Severity::Warning.min(d.severity));
        return;
    };
    d.row.p_value = adjusted;
    let mut improved = false;
    let mut inconclusive = false;
    if let Some(j) = &d.judgement {
        let worse = match d.row.direction {
            Direction::LowerIsBetter => j.change,
            Direction::HigherIsBetter => -j.change,
        };
        // Without a calibrated test the limit decides (p is None) — but a change that does not
        // even stand out from the two runs' own sample noise is not one the limit can judge.
        let alpha = 1.0 - defaults.confidence;
        let within_run_noise = adjusted.is_none() && j.within_run_p.is_some_and(|p| p >= alpha);
        let significant = adjusted.is_none_or(|p| p < alpha) && !within_run_noise;
        // The contention-resistant evidence (the minimum, for a rate the maximum) must show the change beyond the
        // limit too, in the same direction, before a row fails or improves.
        let evidence_worse = j.evidence_change.map(|c| match d.row.direction {
            Direction::LowerIsBetter => c,
            Direction::HigherIsBetter => -c,
        });
        let beyond =
            |limit: f64, worse: f64| evidence_worse.is_none_or(|e| e.signum() == worse.signum() && e.abs() > limit);
        let evidence_name = if d.row.direction == Direction::HigherIsBetter { "maximum" } else { "minimum" };
        let minimum = |e: Option<f64>| {
            e.map(|e| format!("; the {evidence_name} moved {}", crate::units::signed_percent(e))).unwrap_or_default()
        };
        let evidence = j.evidence(adjusted, tested);
        let vs = j.change_text(d.branch, &d.row.unit, current);
        let calibrated = adjusted.is_some();
        match d.regression {
            Some(limit) if worse > limit && significant && beyond(limit, worse) => {
                let basis = if calibrated { format!("significant at {confidence} ({evidence})") } else { evidence };
                d.broken.push(format!("{vs}, limit {}%; {basis}", sig3(limit * 100.0)));
            }
            Some(limit) if worse > limit => {
                inconclusive = true;
                let why = match (beyond(limit, worse), within_run_noise) {
                    (false, _) => {
                        format!("not in the {evidence_name}{} (a loaded runner?)", minimum(j.evidence_change))
                    }
                    (true, true) => "within the runs' own sample noise".to_string(),
                    (true, false) => format!("within noise at {confidence}"),
                };
                d.notes.push(format!(
                    "{vs} is over the {}% limit but {why} ({evidence}); re-run to decide",
                    sig3(limit * 100.0)
                ));
            }
            Some(limit) if -worse > limit && significant && beyond(limit, -worse) => {
                improved = true;
                d.notes.push(format!("{vs}: better by more than {}% ({evidence})", sig3(limit * 100.0)));
            }
            Some(limit) if calibrated && significant && j.change != 0.0 => {
                d.notes.push(format!(
                    "{vs}: significant at {confidence} but within the {}% limit ({evidence})",
                    sig3(limit * 100.0)
                ));
            }
            _ => {
                let mut note = vs;
                // Most rows' whole reason: grown once to its length, not doubled (20,000 reasons
                // of ~160 bytes were 3.7 MB of doubled buffers at the step's peak).
                note.reserve_exact(evidence.len() + 3);
                note.push_str(" (");
                note.push_str(&evidence);
                note.push(')');
                d.notes.push(note);
            }
        }
    }
    d.row.limit = limit(&d);
    if d.broken.is_empty() {
        d.row.notable |= improved || d.is_new || inconclusive;
        d.row.status = if inconclusive {
            Status::Inconclusive
        } else if improved {
            Status::Improved
        } else if d.is_new {
            Status::New
        } else {
            Status::Pass
        };
        d.row.reason = match (d.notes.is_empty(), d.budget) {
            (false, _) => joined(d.notes),
            // A budget that only limits the change: nothing to compare with yet (issue 14.22).
            (true, Some(b)) => format!("no baseline yet to compare with ({})", b.describe()),
            (true, None) => "not compared: no budget names it and there is no baseline".to_string(),
        };
    } else {
        d.row.status = match d.severity {
            Severity::Error => Status::Fail,
            Severity::Warning => Status::Warn,
            Severity::Info => Status::Notice,
        };
        d.row.severity = Some(d.severity);
        d.row.reason = joined(d.broken);
    }
}

/// `parts` joined with `; ` (one part, the usual case, is moved, not copied).
fn joined(mut parts: Vec<String>) -> String {
    match parts.len() {
        1 => parts.pop().unwrap_or_default(),
        _ => parts.join("; "),
    }
}

/// The stricter of the budget's absolute bound on the worse side and the regression limit
/// applied to the baseline's centre.
fn limit(d: &Draft) -> Option<f64> {
    let centre = d.judgement.as_ref().map(|j| j.centre);
    worse_limit(d.budget, d.regression, centre, d.row.direction)
}

/// The value beyond which a metric breaks its budget: the stricter of the budget's bound on the
/// worse side (`max`, or `min` for higher-is-better) and `regression` applied to `centre`.
/// Rows and the dashboard draw the same line.
pub fn worse_limit(
    budget: Option<&Budget>,
    regression: Option<f64>,
    centre: Option<f64>,
    direction: Direction,
) -> Option<f64> {
    let lower_is_better = direction == Direction::LowerIsBetter;
    let absolute = budget.and_then(|b| if lower_is_better { b.max } else { b.min }).map(|q| q.value);
    let relative = match (regression, centre) {
        (Some(limit), Some(c)) if c.is_finite() => {
            Some(if lower_is_better { c + limit * c.abs() } else { c - limit * c.abs() })
        }
        _ => None,
    };
    match (absolute, relative) {
        (Some(a), Some(r)) => Some(if lower_is_better { a.min(r) } else { a.max(r) }),
        (a, r) => a.or(r),
    }
}

/// `p99 of 10 samples` where a tail statistic rests on few samples (with fewer than ~100,
/// p99 is simply the largest), else the stat's name (issue 14.25).
fn stat_label(stat: Stat, n: Option<u64>) -> String {
    match (stat.quantile(), n) {
        (Some(q), Some(n)) if (n as f64) < 100.0 / (100.0 - q).max(0.1) * 10.0 => format!("{stat} of {n} samples"),
        _ => stat.to_string(),
    }
}

fn missing_row(budgets: &Budgets, old: &Metric, index: &BaselineIndex) -> Row {
    let stat = default_stat(old);
    let commit = index
        .comparison
        .newest
        .commit
        .as_deref()
        // Characters, not bytes: a commit label is whatever the user passed (issue 14.3).
        .map(|c| format!(" at {}", c.chars().take(7).collect::<String>()))
        .unwrap_or_default();
    Row {
        metric: old.name.clone(),
        measure: old.measure.clone(),
        stat,
        unit: old.unit.clone(),
        direction: old.direction,
        status: Status::Missing,
        severity: Some(budgets.defaults.missing),
        current: None,
        baseline: old.stat(stat),
        change: None,
        budget: None,
        budget_line: None,
        test: Test::None,
        p_value: None,
        p_raw: None,
        change_interval: None,
        tested: StatSet::default(),
        history_runs: None,
        history_stored: None,
        noise_cv: None,
        within_run_p: None,
        reason: format!(
            "in the {} baseline{commit}, not in this run: renamed, removed, or did the benchmark not run?",
            index.comparison.branch
        ),
        notable: true,
        samples: None,
        source: None,
        limit: None,
        history: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Run, RunContext};

    fn metric(name: &str, measure: Option<&str>) -> Metric {
        let mut m = Metric::new(name, "ns", Direction::LowerIsBetter).with_stat(Stat::Mean, 1.0);
        m.measure = measure.map(str::to_string);
        m
    }

    #[test]
    fn rows_come_worst_first_then_by_name_with_missing_ones_in_their_places() {
        let budgets = crate::budget::parse(
            std::path::Path::new("b.yaml"),
            "version: 1\ndefaults:\n  regression: 10%\nbudgets:\n  - metric: \"m*\"\n    stat: mean\n    max: 5ns\n  - metric: \"**\"\n    stat: min\n    max: 1s\n",
        )
        .unwrap();
        let with = |name: &str, measure: Option<&str>, value: f64| {
            let mut m = metric(name, measure);
            m.stats.insert(Stat::Mean, value);
            m.stats.insert(Stat::Min, value);
            m
        };
        // Current and stored names interleave; some current ones break the first budget.
        // `c15` has no minimum: its row under the second budget is missing too, among the others.
        let mut current: Vec<Metric> =
            ["b", "d", "m1", "m3", "x"].iter().enumerate().map(|(i, n)| with(n, None, (i * 3) as f64)).collect();
        current.insert(1, metric("c15", None));
        let stored: Vec<Metric> = ["a", "b", "c1", "c2", "m2", "m3", "z"].iter().map(|n| with(n, None, 1.0)).collect();
        let run = Run { context: RunContext::default(), metrics: stored };
        let comparison = Comparison::new("main", vec![run], String::new(), String::new());
        let mut shuffled = current.clone();
        shuffled.reverse();
        for metrics in [current, shuffled] {
            let rows = evaluate(&budgets, &metrics, Some(&comparison), Trends::Notable).rows;
            let key = |r: &Row| (r.status, r.metric.clone(), r.measure.clone(), r.stat);
            assert!(
                rows.windows(2).all(|w| key(&w[0]) <= key(&w[1])),
                "{:?}",
                rows.iter().map(key).collect::<Vec<_>>()
            );
            let missing: Vec<&str> =
                rows.iter().filter(|r| r.status == Status::Missing).map(|r| r.metric.as_str()).collect();
            assert_eq!(missing, ["a", "c1", "c15", "c2", "m2", "z"]);
        }
    }

    #[test]
    fn stored_metrics_are_found_among_the_current_ones_sorted_or_not() {
        let current = vec![metric("a", None), metric("b", None), metric("b", Some("bytes")), metric("d", None)];
        let stored = vec![metric("a", None), metric("b", Some("bytes")), metric("c", None), metric("e", None)];
        let run = Run { context: RunContext::default(), metrics: stored.clone() };
        let comparison = Comparison::new("main", vec![run], String::new(), String::new());
        let index = BaselineIndex::new(&comparison, &current);
        let stored: Vec<Key> = stored.iter().map(key).collect();
        assert_eq!(index.places_now(&current, &stored), [Ok(()), Ok(()), Err(3), Err(4)]);
        let mut unsorted = stored;
        unsorted.reverse();
        assert_eq!(index.places_now(&current, &unsorted), [Err(4), Err(3), Ok(()), Ok(())]);
        assert_eq!(index.places_now(&current, &[]), []);
    }

    #[test]
    fn a_rows_history_is_its_metric_in_the_runs_that_have_it_oldest_first() {
        // Three stored runs, oldest first: `a` is missing from the middle one and has its
        // minimum only in the newest; the current metrics are not in the stored order.
        let run = |metrics: Vec<Metric>| Run { context: RunContext::default(), metrics };
        let a = |mean: f64| metric("a", None).with_stat(Stat::Mean, mean);
        let runs = vec![
            run(vec![a(1.0), metric("b", None)]),
            run(vec![metric("b", None)]),
            run(vec![a(3.0).with_stat(Stat::Min, 2.5), metric("b", None)]),
        ];
        let comparison = Comparison::new("main", runs, String::new(), String::new());
        let current = vec![metric("b", None), metric("c", None), metric("a", None)];
        let index = BaselineIndex::new(&comparison, &current);
        let history = RowHistory { index: &index, i: 2 };
        assert_eq!(history.runs(), 2);
        assert_eq!(history.series(Stat::Mean), [1.0, 3.0]);
        assert_eq!(history.series(Stat::Min), [2.5]);
        assert_eq!(history.newest().and_then(|n| n.stat(Stat::Min)), Some(2.5), "the newest run");
        let unstored = RowHistory { index: &index, i: 1 };
        assert_eq!((unstored.runs(), unstored.series(Stat::Mean).len()), (0, 0));
        assert!(unstored.newest().is_none());
    }

    #[test]
    fn a_rows_numbers_give_back_the_judgement_they_were_written_from() {
        // The second pass decides from the judgement made again from a row's fields and its
        // `Pending`: it must be the noise model's own, for each kind of judgement.
        let budgets = crate::budget::parse(std::path::Path::new("b.yaml"), "version: 1\n").unwrap();
        let timing =
            |name: &str, mean: f64, min: f64| metric(name, None).with_stat(Stat::Mean, mean).with_stat(Stat::Min, min);
        let runs: Vec<Run> = (0..12)
            .map(|k| {
                // `step` moves to a new level after run 6 (a change point); `few` is in the last two runs only.
                let level = if k < 6 { 10.0 } else { 20.0 };
                let jitter = [0.1, -0.2, 0.15, -0.05, 0.2, -0.1][k % 6];
                let mut metrics = vec![
                    timing("noisy", 10.0 + jitter, 9.0 + jitter / 2.0),
                    timing("step", level + jitter, level - 1.0),
                    metric("size", None).with_stat(Stat::Mean, 100.0),
                ];
                if k >= 10 {
                    metrics.push(timing("few", 5.0, 4.0));
                }
                Run { context: RunContext::default(), metrics }
            })
            .collect();
        let comparison = Comparison::new("main", runs, String::new(), String::new());
        let mut size = metric("size", None).with_stat(Stat::Mean, 120.0);
        size.exact = true;
        let current = vec![
            timing("few", 6.0, 4.5),
            timing("new", 1.0, 1.0),
            timing("noisy", 13.0, 9.1),
            size,
            timing("step", 21.0, 19.2),
        ];
        let index = BaselineIndex::new(&comparison, &current);
        let mut tests = Vec::new();
        for (i, m) in current.iter().enumerate() {
            let (row, pending) = numbers(&budgets, None, m, i, Some(&index));
            let history = RowHistory { index: &index, i };
            let input = crate::noise::Input {
                stat: row.stat,
                current: m,
                history: &history,
                min_history: budgets.defaults.min_history,
                confidence: budgets.defaults.confidence,
            };
            let judged = crate::noise::judge(&input);
            assert_eq!(pending.judgement(&row), judged, "{}", m.name);
            tests.push(judged.map(|j| (j.test, j.evidence_change.is_some(), j.cut_at_change_point)));
        }
        // Every kind was made: too little history, none, a history test with the minimum's
        // evidence, an exact size, and a window cut at a change point.
        assert_eq!(tests[0].map(|t| t.0), Some(Test::Threshold));
        assert_eq!(tests[1], None);
        assert_eq!(tests[2], Some((Test::History, true, false)));
        assert_eq!(tests[3].map(|t| t.0), Some(Test::Exact));
        assert_eq!(tests[4], Some((Test::History, true, true)));
    }
}
