//! `budgetgate init`: a starter budgets file from the result files and build outputs found in
//! the working directory, so a new user does not need the project's example file to begin
//! (issue 14.16). What it writes is checked with the same loader `check` uses before it is
//! written, so it always validates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cli::InitArgs;
use crate::error::{Error, Result};
use crate::ingest;
use crate::outcome::EXIT_PASS;
use crate::{escape, stdout};

/// Folders never searched: VCS data, dependencies, and build trees other than criterion's.
const SKIPPED_DIRS: [&str; 6] = [".git", "node_modules", ".venv", "venv", "__pycache__", ".budgetgate"];
/// Deepest folder searched below the working directory (criterion's tree needs 5 or 6).
const MAX_DEPTH: usize = 8;
/// Files larger than this are not sniffed (no result file a tool writes is this big).
const MAX_SNIFF_BYTES: u64 = 64 * 1024 * 1024;
/// Files looked at, at most: a monorepo must not make `init` crawl for minutes.
const MAX_FILES: usize = 20_000;

/// What was found.
#[derive(Debug, Default)]
struct Found {
    /// `results:` entries: a glob or file → its format and a few metric names.
    results: BTreeMap<String, (String, Vec<String>)>,
    /// Build-output folders with JavaScript or CSS in them.
    bundle_dirs: Vec<PathBuf>,
    /// Result files read but not listed: their benchmarks were already taken from a newer file
    /// (pytest-benchmark's `--benchmark-save` keeps one file per run, all with the same names).
    skipped: Vec<(String, String)>,
    /// Candidates before the name clash check: path, format, every (name, measure), age.
    candidates: Vec<Candidate>,
}

#[derive(Debug)]
struct Candidate {
    path: String,
    format: String,
    keys: Vec<(String, Option<String>)>,
    modified: std::time::SystemTime,
}

pub fn init(args: &InitArgs) -> Result<i32> {
    if args.output.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} already exists; pass --force to replace it, or --output FILE to write elsewhere",
            args.output.display()
        )));
    }
    let root = Path::new(".");
    let mut found = Found::default();
    let mut seen = 0usize;
    walk(root, 0, &mut found, &mut seen)?;
    choose_newest(&mut found);
    if found.results.is_empty() && found.bundle_dirs.is_empty() {
        return Err(Error::Usage(format!(
            "found no benchmark results or build outputs under {}; run your benchmarks (and the build) first \
             — `budgetgate formats` lists the files budgetgate reads and the commands that write them",
            std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()
        )));
    }
    let text = starter(&found);
    // Never write a file our own loader would refuse.
    crate::budget::parse(&args.output, &text)?;
    crate::fs::write_atomically(&args.output, text.as_bytes())?;
    let mut summary = format!("wrote {} with:\n", args.output.display());
    for (path, (format, names)) in &found.results {
        summary.push_str(&format!("  results {path} ({format}: {})\n", names.join(", ")));
    }
    for dir in &found.bundle_dirs {
        summary.push_str(&format!("  bundle  {}/**/*.{{js,css}}\n", slash(dir)));
    }
    for (path, why) in &found.skipped {
        summary.push_str(&format!("  skipped {path}: {why}\n"));
    }
    summary.push_str(&format!(
        "next: `budgetgate validate --budgets {0}`, then `budgetgate check --budgets {0}`\n",
        args.output.display()
    ));
    stdout::write(&escape::log_text(&summary))?;
    Ok(EXIT_PASS)
}

fn slash(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/").trim_start_matches("./").to_string()
}

fn walk(dir: &Path, depth: usize, found: &mut Found, seen: &mut usize) -> Result<()> {
    if depth > MAX_DEPTH || *seen >= MAX_FILES {
        return Ok(());
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if SKIPPED_DIRS.contains(&name.as_str()) {
                continue;
            }
            if name == "criterion" && dir.file_name().is_some_and(|d| d == "target") {
                add_criterion(&path, found);
                continue;
            }
            if name == "target" {
                let criterion = path.join("criterion");
                if criterion.is_dir() {
                    add_criterion(&criterion, found);
                }
                continue;
            }
            if matches!(name.as_str(), "dist" | "build") && has_web_assets(&path) {
                found.bundle_dirs.push(path.strip_prefix("./").unwrap_or(&path).to_path_buf());
                continue;
            }
            walk(&path, depth + 1, found, seen)?;
        } else if kind.is_file() {
            *seen += 1;
            sniff(&path, found);
        }
    }
    Ok(())
}

fn add_criterion(dir: &Path, found: &mut Found) {
    let pattern = format!("{}/**/new/estimates.json", slash(dir));
    let Ok(files) = crate::globs::find_files(&pattern) else { return };
    if files.is_empty() {
        return;
    }
    let names =
        files.iter().take(3).filter_map(|f| ingest::read_file(f, None).ok()).flatten().map(|m| m.name).collect();
    found.results.insert(pattern, ("criterion".into(), names));
}

fn has_web_assets(dir: &Path) -> bool {
    crate::globs::find_files(&format!("{}/**/*.{{js,css,mjs}}", slash(dir))).is_ok_and(|f| !f.is_empty())
}

/// Reads a result-looking file; keeps it when detection claims it and it parses.
fn sniff(path: &Path, found: &mut Found) {
    let interesting =
        path.extension().is_some_and(|e| matches!(e.to_str(), Some("json" | "txt" | "out" | "log" | "xml")));
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_SNIFF_BYTES);
    if !interesting || !small {
        return;
    }
    // Config and lock files are JSON too; only what a format claims and reads counts.
    let Ok(metrics) = ingest::read_file(path, None) else { return };
    let Some(format) = metrics.first().and_then(|m| m.source.as_ref()).map(|s| s.format.clone()) else { return };
    if &*format == "criterion" {
        return;
    }
    let keys = metrics.iter().map(|m| (m.name.clone(), m.measure.clone())).collect();
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
    found.candidates.push(Candidate { path: slash(path), format: format.to_string(), keys, modified });
}

/// Lists result files newest first, leaving out any whose benchmarks a newer file already
/// yields: `check` refuses a name read twice, and the newer file is the one to gate on.
fn choose_newest(found: &mut Found) {
    let mut candidates = std::mem::take(&mut found.candidates);
    candidates.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| a.path.cmp(&b.path)));
    let mut taken: std::collections::HashMap<(String, Option<String>), String> = std::collections::HashMap::new();
    for c in candidates {
        if let Some(first) = c.keys.iter().find_map(|k| taken.get(k)) {
            found.skipped.push((c.path, format!("the same benchmarks as {first}, which is newer")));
            continue;
        }
        for key in &c.keys {
            taken.insert(key.clone(), c.path.clone());
        }
        let mut names: Vec<String> = c.keys.iter().map(|(n, _)| n.clone()).collect();
        names.dedup();
        names.truncate(3);
        found.results.insert(c.path, (c.format, names));
    }
}

/// The starter file: what was found, the defaults, and commented examples of absolute limits
/// on the names read.
fn starter(found: &Found) -> String {
    let quote = |s: &str| serde_json::to_string(s).expect("strings serialize");
    let mut text = String::from(
        "# budgetgate budgets, written by `budgetgate init`. Every key is explained in the README\n\
         # (\"Budgets file\"); `budgetgate validate` checks this file.\nversion: 1\n",
    );
    if !found.results.is_empty() {
        text.push_str("\n# The result files your benchmarks write (format detected from content).\nresults:\n");
        for (path, (format, _)) in &found.results {
            text.push_str(&format!("  - path: {}   # {format}\n", quote(path)));
        }
    }
    if !found.bundle_dirs.is_empty() {
        text.push_str(
            "\n# Build outputs whose raw, gzip and brotli sizes are checked (metric `bundle/<name>`).\nbundles:\n",
        );
        for (i, dir) in found.bundle_dirs.iter().enumerate() {
            let name = if i == 0 { "web".to_string() } else { format!("web{}", i + 1) };
            text.push_str(&format!(
                "  - name: {name}\n    path: {}\n",
                quote(&format!("{}/**/*.{{js,css}}", slash(dir)))
            ));
        }
    }
    text.push_str(
        "\n# Every metric is compared with the base branch's baseline: no more than 10% worse.\n\
         defaults:\n  regression: 10%\n  severity: error\n\n\
         # Absolute limits. Uncomment and adjust; `metric` is a glob over the names below\n\
         # (`*` stays within one `/`-separated part, `**` crosses them).\n",
    );
    let example = found.results.values().flat_map(|(_, names)| names.first()).next();
    match example {
        Some(name) => {
            text.push_str(&format!("budgets:\n#  - metric: {}\n#    stat: mean\n#    max: 100ms\n", quote(name)))
        }
        None => text.push_str("budgets:\n"),
    }
    if !found.bundle_dirs.is_empty() {
        text.push_str("#  - metric: bundle/web\n#    size: gzip\n#    max: 50 kB\n");
    }
    if !text.trim_end().ends_with("budgets:") {
        return text;
    }
    // `budgets:` with nothing under it is null in YAML; keep the list explicit.
    text.trim_end().trim_end_matches("budgets:").to_string() + "budgets: []\n"
}
