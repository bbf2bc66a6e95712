//! The bundle table: per bundle, its total and every file with raw / gzip / brotli sizes and
//! the change against the baseline, files matched across builds by their hash-stripped names.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::baseline::history::PackedRun;
use crate::model::{Metric, Stat};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// No baseline to compare with.
    Measured,
    Added,
    Removed,
    Changed,
    Unchanged,
}

/// Exact byte counts of one file or total; `None` where that compression was not computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SizeSet {
    pub raw: u64,
    pub gzip: Option<u64>,
    pub brotli: Option<u64>,
}

/// Byte differences, current minus baseline, and the relative change of the headline size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SizeChange {
    pub raw: i64,
    pub gzip: Option<i64>,
    pub brotli: Option<i64>,
    /// Relative change of the headline size (gzip, else brotli, else raw); `None` from zero.
    pub percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SizeRow {
    /// The name the file is matched under across builds (content hash stripped).
    pub name: String,
    /// The file as it is on disk in this run; `None` for a removed file and for totals.
    pub file: Option<String>,
    pub status: FileStatus,
    pub current: Option<SizeSet>,
    pub baseline: Option<SizeSet>,
    pub change: Option<SizeChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BundleTable {
    pub name: String,
    /// The group metric, `bundle/<name>`, that budgets name.
    pub metric: String,
    /// The headline size the percentages refer to: gzip, brotli or raw.
    pub headline: &'static str,
    pub total: SizeRow,
    /// Added, removed and changed files first (biggest change first), then unchanged ones.
    pub files: Vec<SizeRow>,
    pub unchanged: usize,
}

fn sizes(metric: &Metric) -> Option<SizeSet> {
    let get = |s| metric.stat(s).map(|v| v as u64);
    Some(SizeSet { raw: get(Stat::Raw)?, gzip: get(Stat::Gzip), brotli: get(Stat::Brotli) })
}

fn headline(s: &SizeSet) -> (u64, &'static str) {
    s.gzip.map(|g| (g, "gzip")).or(s.brotli.map(|b| (b, "brotli"))).unwrap_or((s.raw, "raw"))
}

fn row(
    name: String,
    file: Option<String>,
    current: Option<SizeSet>,
    baseline: Option<SizeSet>,
    compared: bool,
) -> SizeRow {
    let (status, change) = match (current, baseline) {
        (Some(_), None) if !compared => (FileStatus::Measured, None),
        (Some(c), Some(b)) => {
            let diff = |x: Option<u64>, y: Option<u64>| Some(x? as i64 - y? as i64);
            let (now, _) = headline(&c);
            let (before, _) = headline(&b);
            let change = SizeChange {
                raw: c.raw as i64 - b.raw as i64,
                gzip: diff(c.gzip, b.gzip),
                brotli: diff(c.brotli, b.brotli),
                percent: (before > 0).then(|| (now as f64 - before as f64) / before as f64),
            };
            let same = change.raw == 0 && change.gzip.unwrap_or(0) == 0 && change.brotli.unwrap_or(0) == 0;
            (if same { FileStatus::Unchanged } else { FileStatus::Changed }, Some(change))
        }
        (Some(_), None) => (FileStatus::Added, None),
        _ => (FileStatus::Removed, None),
    };
    SizeRow { name, file, status, current, baseline, change }
}

/// One table per bundle measured in this run.
pub fn tables(metrics: &[Metric], baseline: Option<&PackedRun>) -> Vec<BundleTable> {
    let mut parts: BTreeMap<&str, Vec<&Metric>> = BTreeMap::new();
    for m in metrics {
        if let Some(group) = &m.part_of {
            parts.entry(group.as_str()).or_default().push(m);
        }
    }
    // Without bundles, no name is looked up (at 1,000,000 metrics these maps were 7 % of a run).
    if parts.is_empty() {
        return Vec::new();
    }
    let by_name: HashMap<&str, &Metric> = metrics.iter().map(|m| (m.name.as_str(), m)).collect();
    // The stored bundles' totals and files, as metrics (the rest of the stored run is not read).
    let in_a_bundle =
        |d: &crate::baseline::stored::Descriptor| d.part_of.is_some() || parts.contains_key(d.name.as_str());
    let stored: Vec<Metric> = baseline
        .map(|run| (0..run.len()).filter(|&k| in_a_bundle(&run.catalog[k])).map(|k| run.metric(k)).collect())
        .unwrap_or_default();
    let old: HashMap<&str, &Metric> = stored.iter().map(|m| (m.name.as_str(), m)).collect();

    let mut tables = Vec::new();
    for (group, files) in parts {
        let Some(total) = by_name.get(group) else { continue };
        let prefix = format!("{group}/");
        let short = |name: &str| name.strip_prefix(&prefix).unwrap_or(name).to_string();
        let mut rows: Vec<SizeRow> = files
            .iter()
            .map(|m| {
                row(
                    short(&m.name),
                    m.source.as_ref().map(|s| s.file.to_string()),
                    sizes(m),
                    old.get(m.name.as_str()).and_then(|o| sizes(o)),
                    baseline.is_some(),
                )
            })
            .collect();
        for (name, m) in &old {
            if m.part_of.as_deref() == Some(group) && !by_name.contains_key(name) {
                rows.push(row(short(name), None, None, sizes(m), true));
            }
        }
        let magnitude = |r: &SizeRow| match r.status {
            FileStatus::Changed => r.change.map_or(0, |c| c.gzip.or(c.brotli).unwrap_or(c.raw).unsigned_abs()),
            _ => r.current.or(r.baseline).map_or(0, |s| headline(&s).0),
        };
        rows.sort_by(|a, b| {
            (a.status == FileStatus::Unchanged, std::cmp::Reverse(magnitude(a)), &a.name).cmp(&(
                b.status == FileStatus::Unchanged,
                std::cmp::Reverse(magnitude(b)),
                &b.name,
            ))
        });
        let current_total = sizes(total);
        let total_row =
            row("total".into(), None, current_total, old.get(group).and_then(|o| sizes(o)), baseline.is_some());
        tables.push(BundleTable {
            name: group.strip_prefix("bundle/").unwrap_or(group).to_string(),
            metric: group.to_string(),
            headline: current_total.map_or("raw", |s| headline(&s).1),
            unchanged: rows.iter().filter(|r| r.status == FileStatus::Unchanged).count(),
            total: total_row,
            files: rows,
        });
    }
    tables
}
