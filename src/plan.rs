//! Resolving what a run will read — budgets file, result files, bundles — from flags and the
//! budgets file, once, before any work. `check` and `validate` share it (with the metric
//! gathering and the fit of budgets to metrics below), so `validate` refuses exactly what
//! `check` would (issue 14.15).

use std::path::{Path, PathBuf};

use crate::budget::{self, Budgets};
use crate::bundle::{self, BundleSpec};
use crate::error::{Error, Result};
use crate::ingest::{self, ResultSpec};
use crate::model::Metric;

/// Where budgets are looked for when `--budgets` is not given.
pub const DEFAULT_BUDGETS: [&str; 2] = ["budgets.yaml", ".github/budgets.yaml"];

/// What a run reads.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub budgets: Budgets,
    /// `false` when no budgets file was found and `--results`/`--bundle` carry the run alone:
    /// then only `defaults` apply.
    pub budgets_from_file: bool,
    pub results: Vec<ResultSpec>,
    pub bundles: Vec<BundleSpec>,
}

/// The command-line part of the inputs (`check` flags; empty for `validate`).
#[derive(Debug, Default)]
pub struct InputFlags<'a> {
    pub budgets: Option<&'a Path>,
    pub results: &'a [String],
    pub format: Option<&'a str>,
    pub bundles: &'a [String],
    pub metafiles: &'a [String],
}

/// The budgets file to read: the one given, else the first default that exists.
pub fn budgets_path(given: Option<&Path>) -> Option<PathBuf> {
    match given {
        Some(path) => Some(path.to_path_buf()),
        None => DEFAULT_BUDGETS.iter().map(PathBuf::from).find(|p| p.exists()),
    }
}

fn no_budgets_file() -> Error {
    Error::Usage(format!(
        "no budgets file: looked for {} in {}; pass --budgets FILE, run `budgetgate init` to write a starter \
         one, or give --results/--bundle to check against the defaults alone",
        DEFAULT_BUDGETS.join(" and "),
        std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()
    ))
}

/// Reads the budgets file and combines it with the flags: `--results` replaces `results:`,
/// `--bundle` replaces `bundles:`. Fails when there is nothing to check.
pub fn resolve(flags: &InputFlags) -> Result<Inputs> {
    let given_inputs = !flags.results.is_empty() || !flags.bundles.is_empty();
    let (budgets, from_file) = match budgets_path(flags.budgets) {
        Some(path) => (budget::load(&path)?, true),
        None if given_inputs => (Budgets::defaults_only(), false),
        None => return Err(no_budgets_file()),
    };
    let mut bundles: Vec<BundleSpec> = if flags.bundles.is_empty() { budgets.bundles.clone() } else { Vec::new() };
    for arg in flags.bundles {
        let spec = BundleSpec::from_cli(arg)?;
        match bundles.iter_mut().find(|s| s.name == spec.name) {
            Some(existing) => existing.include.extend(spec.include),
            None => bundles.push(spec),
        }
    }
    for arg in flags.metafiles {
        let (name, file) = arg.split_once('=').filter(|(_, f)| !f.trim().is_empty()).ok_or_else(|| {
            Error::Usage(format!("--metafile `{arg}`: expected NAME=FILE, e.g. --metafile web=dist/meta.json"))
        })?;
        let spec = bundles.iter_mut().find(|s| s.name == name).ok_or_else(|| {
            Error::Usage(format!(
                "--metafile `{arg}`: there is no bundle named `{name}` (give it with --bundle or `bundles:`)"
            ))
        })?;
        spec.metafile = Some(PathBuf::from(file));
    }
    let results = if flags.results.is_empty() {
        budgets.results.clone()
    } else {
        flags.results.iter().map(|r| ResultSpec::from_cli(r, flags.format)).collect::<Result<_>>()?
    };
    if results.is_empty() && bundles.is_empty() {
        return Err(Error::Usage(format!(
            "nothing to check: {} has no `results:` or `bundles:`, and no --results or --bundle was given",
            budgets.path.display()
        )));
    }
    Ok(Inputs { budgets, budgets_from_file: from_file, results, bundles })
}

/// Every metric the inputs yield — results and bundle sizes — sorted, with the budgets checked
/// to fit them (units). `check` goes through here.
pub fn gather(inputs: &Inputs) -> Result<Vec<Metric>> {
    combine(inputs, ingest::ingest(&inputs.results)?, bundle::measure(&inputs.bundles)?)
}

/// The same metrics without measuring the bundles: their names, as sizes in bytes, which is all
/// `validate` needs to check units and which budgets match. Compressing every build output
/// (tens of seconds for a large bundle) is `check`'s work, not `validate`'s.
pub fn gather_names(inputs: &Inputs) -> Result<Vec<Metric>> {
    let groups: std::collections::HashSet<String> = inputs.bundles.iter().map(BundleSpec::metric_name).collect();
    let sizes = bundle::metric_names(&inputs.bundles)?
        .into_iter()
        .map(|name| {
            let mut metric = Metric::new(name.clone(), crate::units::BYTES, crate::model::Direction::LowerIsBetter);
            metric.exact = true;
            metric.source = Some(crate::model::Source { file: name.as_str().into(), format: "bundle".into() }.into());
            // A file's metric is `bundle/<name>/<file>`: part of its group's total.
            metric.part_of = groups.iter().find(|g| name.starts_with(&format!("{g}/"))).cloned();
            metric
        })
        .collect();
    combine(inputs, ingest::ingest(&inputs.results)?, sizes)
}

/// Results and sizes as one sorted list; a name that is both is an error, and every budget
/// must fit the metrics it matches.
fn combine(inputs: &Inputs, mut metrics: Vec<Metric>, sizes: Vec<Metric>) -> Result<Vec<Metric>> {
    let limit = crate::limits::METRICS;
    let count = (metrics.len() + sizes.len()) as u64;
    if count > limit.value() {
        return Err(Error::Usage(limit.exceeded(&format!("the result files and bundles hold {count} metrics"))));
    }
    // `ingest` sorted the results by name: a binary search per size (a handful of files) rather
    // than hashing every result's name (at 1,000,000 results, 2 % of `check`, with no sizes).
    let is_result = |name: &str| metrics.binary_search_by(|m| m.name.as_str().cmp(name)).is_ok();
    if let Some(clash) = sizes.iter().find(|s| is_result(&s.name)) {
        return Err(Error::Usage(format!(
            "metric `{}` is both a bundle size and a benchmark result; rename the bundle or give the results a `prefix:`",
            clash.name
        )));
    }
    if !sizes.is_empty() {
        metrics.extend(sizes);
        metrics.sort_by(|a, b| (&a.name, &a.measure).cmp(&(&b.name, &b.measure)));
    }
    budget::check_fit(&inputs.budgets, &metrics)?;
    Ok(metrics)
}
