//! Command-line interface: the contract users and scripts rely on (DESIGN.md). Flags may be
//! added, never renamed.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::outcome::{CommentMode, FailOn};

#[derive(Debug, Parser)]
#[command(name = "budgetgate", version = crate::VERSION, about = "Performance regression gate for CI: benchmark results and bundle sizes against budgets and baselines.", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check results against the budgets (and a baseline); exit 1 when a budget is broken.
    Check(Box<CheckArgs>),
    /// Print the normalized metrics read from result files, as JSON.
    Parse(ParseArgs),
    /// Check a budgets file and explain its mistakes.
    Validate(ValidateArgs),
    /// Write a starter budgets.yaml from the result files and build outputs found here.
    Init(InitArgs),
    /// List the supported input formats.
    Formats,
    /// Run as the GitHub Action: `check` with flags taken from the INPUT_* variables.
    Action,
    /// Look after a baseline store: show what it holds, prune it, move history between stores.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Write a static, self-contained site of a store's history: every branch and metric, with
    /// change points and the budgets' limits.
    Dashboard(DashboardArgs),
}

#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// The store: a baseline file or github:BRANCH[:DIR]
    #[arg(value_name = "SPEC")]
    pub spec: String,
    /// Folder to write the site into (created; its index.html is the entry page)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Budgets file whose limits are drawn [default: budgets.yaml, then .github/budgets.yaml, if present]
    #[arg(long, value_name = "FILE")]
    pub budgets: Option<PathBuf>,
    /// The page's title [default: "budgetgate history", and the store]
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// What is stored: branches, runs, commits, metrics.
    Show(StoreArgs),
    /// Keep only the newest --keep runs of every branch.
    Prune(PruneArgs),
    /// Write every run of a store as one JSON document (stdout, or --output).
    Export(ExportArgs),
    /// Add the runs of an exported document (or of another store) to a store.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The store: a baseline file or github:BRANCH[:DIR]
    #[arg(value_name = "SPEC")]
    pub spec: String,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    #[arg(value_name = "SPEC")]
    pub spec: String,
    /// Runs to keep per branch
    #[arg(long, value_name = "N", default_value_t = crate::baseline::DEFAULT_KEEP)]
    pub keep: usize,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(value_name = "SPEC")]
    pub spec: String,
    /// Write the document here instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The store to add runs to
    #[arg(value_name = "SPEC")]
    pub spec: String,
    /// An exported JSON document, or another store (a baseline file, or github:BRANCH[:DIR])
    #[arg(long, value_name = "SOURCE")]
    pub from: String,
    /// Runs to keep per branch
    #[arg(long, value_name = "N", default_value_t = crate::baseline::DEFAULT_KEEP)]
    pub keep: usize,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Budgets file [default: budgets.yaml, then .github/budgets.yaml]
    #[arg(long, value_name = "FILE")]
    pub budgets: Option<PathBuf>,
    /// Result files to read, as a glob or FORMAT:GLOB; replaces the budgets file's `results:`
    #[arg(long, value_name = "GLOB")]
    pub results: Vec<String>,
    /// Format of the --results that do not name one (default: detected from content)
    #[arg(long, value_name = "FMT")]
    pub format: Option<String>,
    /// Build outputs to size, as NAME=GLOB (raw, gzip, brotli); replaces the budgets file's `bundles:`
    #[arg(long, value_name = "NAME=GLOB")]
    pub bundle: Vec<String>,
    /// esbuild's metafile for a bundle, as NAME=FILE: names shared chunks by their main module
    #[arg(long, value_name = "NAME=FILE")]
    pub metafile: Vec<String>,
    /// Baseline to compare with: a file, or github:BRANCH[:DIR] for a data branch of the
    /// repository (missing means "no baseline yet"; a read failure is an error, never "empty")
    #[arg(long, value_name = "SPEC")]
    pub baseline: Option<String>,
    /// Branch of the baseline to compare with [default: GITHUB_BASE_REF, or the only/main branch]
    #[arg(long, value_name = "NAME")]
    pub baseline_branch: Option<String>,
    /// Add this run to a baseline: a file or github:BRANCH[:DIR] (created if missing; merged
    /// with concurrent saves, never overwritten)
    #[arg(long, value_name = "SPEC")]
    pub save_baseline: Option<String>,
    /// Branch to record this run under [default: GITHUB_HEAD_REF or GITHUB_REF_NAME, else "local"]
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Commit this run measured [default: GITHUB_SHA]
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Runs of history kept per branch in the baseline
    #[arg(long, value_name = "N", default_value_t = crate::baseline::DEFAULT_KEEP)]
    pub keep: usize,
    /// Write the Markdown report here
    #[arg(long, value_name = "FILE")]
    pub report_md: Option<PathBuf>,
    /// Write the JSON report here (versioned; the object templates receive)
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Write the rows as CSV here, for spreadsheets (one row per metric and stat)
    #[arg(long, value_name = "FILE")]
    pub report_csv: Option<PathBuf>,
    /// Write a self-contained HTML report here (inline CSS and SVG trend charts, works offline
    /// and as a CI artifact)
    #[arg(long, value_name = "FILE")]
    pub report_html: Option<PathBuf>,
    /// With --save-baseline: also write the history dashboard (a static site) into the store,
    /// under `dashboard/` of a data branch, for GitHub Pages to serve
    #[arg(long, requires = "save_baseline")]
    pub publish_dashboard: bool,
    /// Where the history dashboard is served (GitHub Pages of the data branch): linked from the
    /// PR comment, the job summary and the commit status
    #[arg(long, value_name = "URL")]
    pub dashboard_url: Option<String>,
    /// minijinja template for the Markdown report instead of the built-in one
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// Which broken budgets fail the job (exit 1)
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// When to comment on the PR (in GitHub Actions). `changes`: on violations, warnings and
    /// notable changes; an existing comment is always kept up to date
    #[arg(long, value_enum, default_value = "changes")]
    pub comment: CommentMode,
    /// Set a commit status on the PR head (or pushed) commit [default: on]
    #[arg(long, overrides_with = "no_status")]
    pub status: bool,
    /// Do not set a commit status
    #[arg(long)]
    pub no_status: bool,
    /// Also create a check run with the report and annotations (needs `checks: write`)
    #[arg(long)]
    pub check_run: bool,
    /// Print what would be sent to GitHub instead of sending it
    #[arg(long)]
    pub dry_run: bool,
    /// Identifies this gate's PR comment, so two gates in one workflow keep their own
    /// [default: derived from the budgets file path]
    #[arg(long, value_name = "ID")]
    pub gate_id: Option<String>,
    /// Name of the commit status and check run [default: budgetgate, or budgetgate/<gate-id>
    /// when --gate-id is given]
    #[arg(long, value_name = "NAME")]
    pub status_context: Option<String>,
    /// A `pull_request` event payload to take the PR from instead of GITHUB_EVENT_PATH (the
    /// `workflow_run` pattern for pull requests from forks)
    #[arg(long, value_name = "FILE")]
    pub event_path: Option<PathBuf>,
    /// Seconds one GitHub request may take before it counts as lost
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub github_timeout: f64,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Result files (FORMAT:PATH skips detection)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Format of the files that do not name one (default: detected from content)
    #[arg(long, value_name = "FMT")]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Budgets file [default: budgets.yaml, then .github/budgets.yaml]
    #[arg(long, value_name = "FILE")]
    pub budgets: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the budgets file
    #[arg(long, value_name = "FILE", default_value = "budgets.yaml")]
    pub output: PathBuf,
    /// Replace the file if it exists
    #[arg(long)]
    pub force: bool,
}
