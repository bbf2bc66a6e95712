//! `budgetgate baseline show|prune|export|import SPEC`: looking after a store — what it holds,
//! trimming it, and moving history between a file and a data branch.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::baseline::{self, layout, Files, Spec, Store, StoredRun};
use crate::cli::{BaselineCommand, DashboardArgs, ExportArgs, ImportArgs, PruneArgs, StoreArgs};
use crate::error::{Error, Place, Result};
use crate::github;
use crate::outcome::EXIT_PASS;
use crate::{escape, stdout};

/// The export document: every run of every branch, oldest first, in the stored types.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Export {
    format: String,
    version: u32,
    branches: BTreeMap<String, Vec<StoredRun>>,
}

const EXPORT_FORMAT: &str = "budgetgate-baseline-export";

pub fn run(command: &BaselineCommand) -> Result<i32> {
    match command {
        BaselineCommand::Show(args) => show(args),
        BaselineCommand::Prune(args) => prune(args),
        BaselineCommand::Export(args) => export(args),
        BaselineCommand::Import(args) => import(args),
    }
}

/// `budgetgate dashboard SPEC --out DIR`: the store's history as a static site.
pub fn dashboard(args: &DashboardArgs) -> Result<i32> {
    let budgets = crate::plan::budgets_path(args.budgets.as_deref()).map(|p| crate::budget::load(&p)).transpose()?;
    let renderer = crate::report::render::Renderer::new(None)?;
    let store = open(&args.spec)?;
    let title = args.title.clone().unwrap_or_else(|| format!("budgetgate history: {}", store.describe()));
    let page = match store.read()? {
        Some(files) => crate::report::dashboard::page(files.as_ref(), budgets.as_ref(), &renderer, &title)?,
        None => crate::report::dashboard::page(&layout::MemoryFiles::default(), budgets.as_ref(), &renderer, &title)?,
    };
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Error::input(&args.out, Place::Whole, format!("cannot create the folder: {e}")))?;
    let index = args.out.join("index.html");
    crate::fs::write_report(&index, page.as_bytes())?;
    stdout::write(&format!("wrote {} ({} bytes)\n", escape::log_text(&index.display().to_string()), page.len()))?;
    Ok(EXIT_PASS)
}

fn open(spec: &str) -> Result<Box<dyn Store>> {
    let ctx = github::Context::from_env(None)?;
    github::mask_secrets(&ctx);
    baseline::open(&Spec::parse(spec)?, &|| github::data::connect(&ctx, github::RetryPolicy::default()))
}

fn show(args: &StoreArgs) -> Result<i32> {
    let store = open(&args.spec)?;
    let Some(files) = store.read()? else {
        stdout::write(&format!(
            "{}: does not exist yet (a run with --save-baseline creates it)\n",
            escape::log_text(&store.describe())
        ))?;
        return Ok(EXIT_PASS);
    };
    let paths = files.paths()?;
    let mut text = format!("{}: layout version {}, {} files\n", store.describe(), layout::LAYOUT_VERSION, paths.len());
    for branch in layout::branches(files.as_ref())? {
        let Some(index) = layout::read_index(files.as_ref(), &branch)? else { continue };
        let (first, last) = (index.runs.first(), index.runs.last());
        let when = |e: Option<&layout::Entry>| {
            e.map(|e| {
                let time = e.context.order_time().unwrap_or("?");
                format!("{} ({})", e.context.short_commit().unwrap_or_else(|| "?".into()), time)
            })
            .unwrap_or_default()
        };
        text.push_str(&format!(
            "  {}: {} runs, {} … {}; {} metrics in the newest\n",
            branch,
            index.runs.len(),
            when(first),
            when(last),
            last.map_or(0, |e| e.metrics)
        ));
    }
    stdout::write(&escape::log_text(&text))?;
    Ok(EXIT_PASS)
}

fn prune(args: &PruneArgs) -> Result<i32> {
    let store = open(&args.spec)?;
    let mut removed = 0;
    let message = format!("budgetgate: prune to {} runs per branch", args.keep);
    store.update(&message, &mut |files| {
        let (changes, count) = layout::prune(files, args.keep)?;
        removed = count;
        Ok(changes)
    })?;
    eprintln!(
        "{}: removed {removed} runs (kept the newest {} per branch)",
        escape::log_text(&store.describe()),
        args.keep
    );
    Ok(EXIT_PASS)
}

/// Every branch's runs, oldest first.
fn all_runs(files: &dyn Files) -> Result<BTreeMap<String, Vec<StoredRun>>> {
    let mut branches = BTreeMap::new();
    for branch in layout::branches(files)? {
        if let Some(index) = layout::read_index(files, &branch)? {
            branches.insert(branch, layout::read_runs(files, &index.runs)?);
        }
    }
    Ok(branches)
}

fn export(args: &ExportArgs) -> Result<i32> {
    let store = open(&args.spec)?;
    let branches = match store.read()? {
        Some(files) => all_runs(files.as_ref())?,
        None => return Err(Error::Usage(format!("{} does not exist: nothing to export", store.describe()))),
    };
    let document = Export { format: EXPORT_FORMAT.into(), version: layout::LAYOUT_VERSION, branches };
    let mut json = serde_json::to_string_pretty(&document).expect("exports serialize");
    json.push('\n');
    match &args.output {
        Some(path) => crate::fs::write_atomically(path, json.as_bytes())?,
        None => stdout::write(&escape::json_for_log(&json))?,
    }
    Ok(EXIT_PASS)
}

/// The runs of `source`: an export document, a version-1 file, or another store.
fn runs_from(source: &str) -> Result<BTreeMap<String, Vec<StoredRun>>> {
    let path = std::path::Path::new(source);
    if !source.starts_with("github:") && path.is_file() {
        let bytes = crate::error::read_bytes(path)?;
        let peek = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if peek == Some(b'{') {
            let text = crate::error::decode_text(path, bytes)?;
            let value: serde_json::Value = crate::error::from_json(path, &text)?;
            if value.get("format").and_then(|f| f.as_str()) == Some(EXPORT_FORMAT) {
                let document: Export = crate::error::from_json(path, &text)?;
                if document.version > layout::LAYOUT_VERSION {
                    return Err(Error::input(
                        path,
                        Place::JsonPath("version".into()),
                        format!("exported by a newer budgetgate (version {}); upgrade budgetgate", document.version),
                    ));
                }
                return Ok(document.branches);
            }
        }
    }
    let store = open(source)?;
    let runs = match store.read()? {
        Some(files) => all_runs(files.as_ref()),
        None => Err(Error::Usage(format!("{} does not exist: nothing to import", store.describe()))),
    };
    runs
}

fn import(args: &ImportArgs) -> Result<i32> {
    let incoming = runs_from(&args.from)?;
    let store = open(&args.spec)?;
    let count: usize = incoming.values().map(Vec::len).sum();
    let message = format!("budgetgate: import {count} runs from {}", args.from);
    store.update(&message, &mut |files| {
        // Each run recorded on top of the previous ones, in one transaction.
        let mut scratch = layout::Overlay::new(files);
        for (branch, runs) in &incoming {
            for run in runs {
                let changes = layout::record(&scratch, branch, run, args.keep)?;
                scratch.apply(changes);
            }
        }
        Ok(scratch.into_changes())
    })?;
    eprintln!("{}: imported {count} runs", escape::log_text(&store.describe()));
    Ok(EXIT_PASS)
}
