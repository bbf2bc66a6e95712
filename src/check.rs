//! The commands, end to end: resolving inputs (shared with `validate` through `plan`), running
//! the pipeline, writing outputs. Returns exit codes; `main` only maps errors to exit code 2.

use std::path::{Path, PathBuf};

use crate::baseline::{self, Comparison, Spec};
use crate::budget;
use crate::cli::{CheckArgs, ParseArgs, ValidateArgs};
use crate::error::{Error, Result};
use crate::github;
use crate::ingest::{self, native, ResultSpec};
use crate::model::{Run, RunContext};
use crate::plan::{self, InputFlags};
use crate::report::render::Renderer;
use crate::report::{bundles, terminal, BaselineInfo, Compared, Report};
use crate::{escape, stdout};

pub use crate::outcome::{EXIT_ERROR, EXIT_PASS, EXIT_VIOLATION};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Where this run happened: flags first, then what the GitHub runner provides (on a PR, the
/// head commit from the event payload, not the merge commit in GITHUB_SHA), then — outside
/// GitHub Actions — the git checkout's HEAD.
fn run_context(args: &CheckArgs, ctx: &github::Context) -> RunContext {
    let head = match ctx.in_actions {
        true => None,
        false => std::env::current_dir().ok().and_then(|dir| crate::git::head(&dir)),
    };
    RunContext {
        commit: args
            .commit
            .clone()
            .or_else(|| ctx.sha.clone())
            .or_else(|| head.as_ref().and_then(|h| h.commit.clone())),
        branch: args.branch.clone().or_else(|| ctx.branch.clone()).or_else(|| head.and_then(|h| h.branch)),
        time: Some(humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()),
        runner: env("RUNNER_NAME").or_else(|| env("RUNNER_OS")),
    }
}

/// `budgetgate check`: decide, report, publish. Publishing never changes the exit code; an
/// error that stops the gate is still published as an `error` status where possible.
pub fn check(args: &CheckArgs) -> Result<i32> {
    let ctx = github::Context::from_env(args.event_path.as_deref())?;
    github::mask_secrets(&ctx);
    let budgets_file = plan::budgets_path(args.budgets.as_deref());
    let options = publish_options(args, &ctx, budgets_file.as_deref());
    let publishing = github::will_publish(&ctx, &options);
    match decide(args, &ctx, publishing) {
        Ok(Decided { report, markdown, renderer }) => {
            if let Some(full) = markdown.as_deref().filter(|_| publishing) {
                github::publish(&ctx, &report, full, &renderer, &options)?;
            }
            let code = report.exit_code;
            // The process ends with this verdict: the report is left to the exit rather than
            // freed a row at a time (at 20,000 rows, 15 M instructions of freeing, and the
            // allocator then handing the freed pages back, on the step's last few milliseconds).
            std::mem::forget(report);
            Ok(code)
        }
        Err(e) => {
            github::publish_error(&ctx, &e.to_string(), &options);
            Err(e)
        }
    }
}

fn publish_options(args: &CheckArgs, ctx: &github::Context, budgets_file: Option<&Path>) -> github::Options {
    let budgets_file = budgets_file.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(plan::DEFAULT_BUDGETS[0]));
    let gate_id = args.gate_id.clone().unwrap_or_else(|| ctx.repo_path(&budgets_file));
    let gate_id: String = gate_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-') { c } else { '-' })
        .collect::<String>()
        // `--` would end the HTML comment that carries the marker.
        .replace("--", "-");
    let context_name = args.status_context.clone().unwrap_or_else(|| match &args.gate_id {
        Some(_) => format!("budgetgate/{gate_id}"),
        None => "budgetgate".to_string(),
    });
    github::Options {
        comment: args.comment,
        status: !args.no_status,
        check_run: args.check_run,
        dry_run: args.dry_run,
        gate_id,
        context_name,
        budgets_file,
        report_json: args.report_json.clone(),
        policy: publish_policy(args),
    }
}

fn input_flags(args: &CheckArgs) -> InputFlags<'_> {
    InputFlags {
        budgets: args.budgets.as_deref(),
        results: &args.results,
        format: args.format.as_deref(),
        bundles: &args.bundle,
        metafiles: &args.metafile,
    }
}

/// What [`decide`] gives publishing: the report, its Markdown rendering when a Markdown report or
/// publishing needs it (rendered once), and the templates, which fitting re-renders from.
struct Decided {
    report: std::sync::Arc<Report>,
    markdown: Option<String>,
    renderer: Renderer,
}

/// Everything up to the report and the files it is written to.
fn decide(args: &CheckArgs, ctx: &github::Context, publishing: bool) -> Result<Decided> {
    // Templates first: a mistake in the user's template stops the gate before any work.
    let renderer = Renderer::new(args.template.as_deref())?;
    let dashboard_url = args.dashboard_url.as_deref().map(dashboard_url).transpose()?;
    if let Some(spec) = args.save_baseline.as_deref().filter(|_| args.publish_dashboard) {
        if let Spec::File(path) = Spec::parse(spec)? {
            return Err(Error::Usage(format!(
                "--publish-dashboard writes the dashboard into a data branch (--save-baseline github:BRANCH); for the file {}, write it with `budgetgate dashboard {} --out DIR`",
                escape::log_field(&path.display().to_string()),
                escape::log_field(spec)
            )));
        }
    }
    let inputs = plan::resolve(&input_flags(args))?;
    // The results and the baseline do not need each other: both are read at once (at 20,000
    // metrics with 50 stored runs, each is ~8 % of the step).
    let mut baseline_notes = Vec::new();
    let (metrics, comparison) =
        crate::parallel::join(|| plan::gather(&inputs), || load_comparison(args, ctx, &mut baseline_notes));
    // Left to the process exit, as the report is (see `check`), unless a data-branch save takes
    // them: freed on another thread than the one that read them, they were 3 % of `check` at
    // 1,000,000 metrics.
    let metrics = std::mem::ManuallyDrop::new(metrics?);
    let mut notes = Vec::new();
    if !inputs.budgets_from_file {
        notes.push(format!(
            "no budgets file ({} not found): every metric was judged by the defaults alone (≤ {} worse than the baseline); `budgetgate init` writes a starter file",
            plan::DEFAULT_BUDGETS.join(", "),
            inputs.budgets.defaults.regression.map_or("off".to_string(), |r| format!("{}%", crate::units::sig3(r * 100.0)))
        ));
    }
    let comparison = comparison?;
    notes.extend(baseline_notes);
    let context = run_context(args, ctx);
    // A save to a file is prepared while the gate decides (see `FileStore::prepare`): its wait
    // for the disk overlaps the evaluation and the rendering, and it is put in place after them.
    let (rendered, pending) = crate::parallel::join(
        || {
            let gate = Gate { inputs: &inputs, metrics: &metrics, context: &context, renderer: &renderer, publishing };
            gate.render(args, comparison, notes, dashboard_url)
        },
        || prepare_file_save(args, ctx, &context, &metrics),
    );
    let Rendered { report, markdown, html, json, csv } = rendered?;
    // Nothing is written before everything rendered; the reports go in place while the run is
    // saved (a save that failed to prepare still leaves the reports written, then stops).
    let outputs = [
        (&args.report_csv, csv.as_deref()),
        (&args.report_md, markdown.as_deref().map(str::as_bytes)),
        (&args.report_html, html.as_deref().map(str::as_bytes)),
    ];
    let write_reports = || -> Result<()> {
        if let Some(json) = json {
            json.commit()?;
        }
        for (path, bytes) in outputs {
            if let (Some(path), Some(bytes)) = (path, bytes) {
                crate::fs::write_report(path, bytes)?;
            }
        }
        Ok(())
    };
    let save = || match pending? {
        Some(pending) => pending.commit().map(drop),
        None => save_run(args, ctx, &inputs, &renderer, context, metrics),
    };
    let (written, saved) = crate::parallel::join(write_reports, save);
    written?;
    saved?;
    match terminal::print(&report) {
        // Nobody reads the table any more; the verdict still stands and is still published.
        Ok(()) | Err(Error::OutputClosed) => {}
        Err(e) => return Err(e),
    }
    Ok(Decided { report, markdown, renderer })
}

/// What the gate decides from: the resolved inputs, the metrics read, this run's context.
struct Gate<'a> {
    inputs: &'a plan::Inputs,
    metrics: &'a [crate::model::Metric],
    context: &'a RunContext,
    renderer: &'a Renderer,
    /// The comment is rendered for publishing even without `--report-md`.
    publishing: bool,
}

/// The report and every output rendered from it, not yet in place.
struct Rendered {
    report: std::sync::Arc<Report>,
    markdown: Option<String>,
    html: Option<String>,
    json: Option<crate::fs::Staged>,
    csv: Option<Vec<u8>>,
}

impl Gate<'_> {
    /// The evaluation against the baseline, the report, and its renderings.
    fn render(
        &self,
        args: &CheckArgs,
        comparison: Option<Comparison>,
        notes: Vec<String>,
        dashboard_url: Option<String>,
    ) -> Result<Rendered> {
        let (inputs, metrics, renderer) = (self.inputs, self.metrics, self.renderer);
        // The HTML report draws every row's trend; everything else only the notable rows'.
        let trends = if args.report_html.is_some() { budget::Trends::All } else { budget::Trends::Notable };
        let evaluation = budget::evaluate(&inputs.budgets, metrics, comparison.as_ref(), trends);
        let bundle_tables = bundles::tables(metrics, comparison.as_ref().map(|c| c.chosen_run()));
        let compared = Compared {
            current: self.context.clone(),
            baseline: comparison.as_ref().map(|c| BaselineInfo {
                context: RunContext { branch: Some(c.branch.clone()), ..c.newest.clone() },
                runs: c.history.len(),
                chosen: c.chosen.clone(),
                why: c.why.clone(),
            }),
        };
        // The stored runs are not read again: freed before the report is made (at 20,000
        // metrics with 50 runs they are 19 MB).
        drop(comparison);
        let mut report = Report::new(
            evaluation,
            bundle_tables,
            inputs.budgets.path.display().to_string(),
            args.fail_on,
            compared,
            notes,
        );
        report.dashboard_url = dashboard_url;

        // Render before writing anything, so a template error leaves no half-written outputs.
        // The HTML page draws every row's trend; the other outputs keep only the notable rows'.
        let html = args.report_html.as_ref().map(|_| crate::report::html::render(&report, renderer)).transpose()?;
        report.keep_notable_trends();
        let report = std::sync::Arc::new(report);
        // The comment and the JSON and CSV reports are made at once (at 20,000 rows the JSON is
        // 15 MB, streamed into its temp file, and the comment reads every row).
        let (markdown, (json, csv)) = crate::parallel::join(
            || (args.report_md.is_some() || self.publishing).then(|| renderer.comment(&report)).transpose(),
            || {
                let json = args.report_json.as_deref().map(|path| stage_json(&report, path)).transpose();
                (json, args.report_csv.as_ref().map(|_| crate::report::csv::render(&report)))
            },
        );
        Ok(Rendered { report, markdown: markdown?, html, json: json?, csv })
    }
}

/// `--report-json`: the report written into its temp file beside `path`, put in place later.
fn stage_json(report: &Report, path: &Path) -> Result<crate::fs::Staged> {
    let mut staged = crate::fs::stage_report(path)?;
    report.write_json(&mut staged).map_err(|e| Error::io(path, "cannot write", e))?;
    Ok(staged)
}

/// `--save-baseline FILE`: this run into the file store, prepared (see [`baseline::prepare_save`]);
/// `None` for a data branch, which [`save_run`] saves after the reports are written.
fn prepare_file_save(
    args: &CheckArgs,
    ctx: &github::Context,
    context: &RunContext,
    metrics: &[crate::model::Metric],
) -> Result<Option<baseline::PendingSave>> {
    let Some(spec) = &args.save_baseline else { return Ok(None) };
    let Spec::File(path) = Spec::parse(spec)? else { return Ok(None) };
    let branch = context.branch.as_deref().unwrap_or(LOCAL_BRANCH);
    let run = baseline::StoredRun::to_save(context, metrics, ctx.head_commit_time.clone());
    baseline::prepare_save(&baseline::FileStore::new(path), branch, &run, args.keep).map(Some)
}

/// The branch a run is saved to when neither the flags nor the runner nor git name one.
const LOCAL_BRANCH: &str = "local";

/// `--save-baseline github:BRANCH`: this run into the data branch (with the dashboard when
/// asked); a file store was saved through [`prepare_file_save`].
fn save_run(
    args: &CheckArgs,
    ctx: &github::Context,
    inputs: &plan::Inputs,
    renderer: &Renderer,
    context: RunContext,
    metrics: std::mem::ManuallyDrop<Vec<crate::model::Metric>>,
) -> Result<()> {
    let Some(spec) = &args.save_baseline else { return Ok(()) };
    let spec = Spec::parse(spec)?;
    if matches!(spec, Spec::File(_)) {
        return Ok(());
    }
    let branch = context.branch.clone().unwrap_or_else(|| LOCAL_BRANCH.to_string());
    let policy = publish_policy(args);
    let store = baseline::open(&spec, &|| github::data::connect(ctx, policy))?;
    let run = Run { context, metrics: std::mem::ManuallyDrop::into_inner(metrics) };
    if args.dry_run && matches!(spec, Spec::Branch { .. }) {
        eprintln!(
            "budgetgate: dry run: would save {} metrics to {}",
            run.metrics.len(),
            escape::log_text(&store.describe())
        );
    } else if args.publish_dashboard {
        let title = format!("budgetgate history: {}", ctx.repository.as_deref().unwrap_or("this repository"));
        let site = |files: &dyn baseline::Files| {
            crate::report::dashboard::page(files, Some(&inputs.budgets), renderer, &title)
        };
        baseline::save_with_dashboard(store.as_ref(), &branch, &run, ctx.head_commit_time.clone(), args.keep, &site)?;
    } else {
        baseline::save(store.as_ref(), &branch, &run, ctx.head_commit_time.clone(), args.keep)?;
    }
    Ok(())
}

/// `--dashboard-url`: an http(s) address that stays one link in Markdown and in a status.
fn dashboard_url(url: &str) -> Result<String> {
    let plain =
        url.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '(' | ')' | '[' | ']' | '"' | '`' | '\\'));
    if !(url.starts_with("https://") || url.starts_with("http://")) || !plain {
        return Err(Error::Usage(format!(
            "--dashboard-url `{}`: expected an http(s) address without spaces, quotes, brackets or parentheses, such as https://OWNER.github.io/REPO/dashboard/",
            escape::log_field(url)
        )));
    }
    Ok(url.to_string())
}

/// The base branch's history to compare with, and notes saying which and why: the PR's merge
/// base when stored, else the newest older run, else the newest (issue 17); a base branch with
/// no runs falls back to the repository's default branch, saying so (issue 14.18).
fn load_comparison(args: &CheckArgs, ctx: &github::Context, notes: &mut Vec<String>) -> Result<Option<Comparison>> {
    let Some(spec) = &args.baseline else { return Ok(None) };
    let policy = publish_policy(args);
    let store = baseline::open(&Spec::parse(spec)?, &|| github::data::connect(ctx, policy))?;
    let Some(files) = store.read()? else {
        notes.push(format!(
            "no baseline yet: {} does not exist (the first run on the base branch creates it with --save-baseline)",
            store.describe()
        ));
        return Ok(None);
    };
    let requested = args
        .baseline_branch
        .clone()
        .or_else(|| ctx.pull_request.as_ref().map(|pr| pr.base_ref.clone()))
        .or_else(|| env("GITHUB_BASE_REF"));
    let target = baseline::Target {
        branch: requested,
        default_branch: ctx.default_branch.clone(),
        merge_base: merge_base(args, ctx, notes),
    };
    baseline::select::choose(files.as_ref(), &target, &store.describe(), notes)
}

/// The PR's merge base with its base branch, from GitHub's compare API; `None` (with a note
/// when the lookup failed) outside a PR or without a token.
fn merge_base(args: &CheckArgs, ctx: &github::Context, notes: &mut Vec<String>) -> Option<baseline::select::MergeBase> {
    let pr = ctx.pull_request.as_ref()?;
    if args.baseline_branch.is_some() || ctx.token.is_none() || ctx.repository.is_none() || args.dry_run {
        return None;
    }
    let base = if pr.base_sha.is_empty() { pr.base_ref.as_str() } else { pr.base_sha.as_str() };
    let found = github::data::connect(ctx, publish_policy(args))
        .and_then(|api| api.merge_base(base, &pr.head_sha).map_err(|e| Error::Remote(e.to_string())));
    match found {
        Ok(found) => found,
        Err(e) => {
            notes.push(format!("could not look up the PR's merge base ({e}); compared with the newest stored run"));
            None
        }
    }
}

fn publish_policy(args: &CheckArgs) -> github::RetryPolicy {
    github::RetryPolicy {
        request_timeout: std::time::Duration::from_secs_f64(args.github_timeout.clamp(0.1, 600.0)),
        ..Default::default()
    }
}

/// `budgetgate parse`: the normalized metrics as JSON on stdout.
pub fn parse(args: &ParseArgs) -> Result<i32> {
    let specs =
        args.files.iter().map(|f| ResultSpec::from_cli(f, args.format.as_deref())).collect::<Result<Vec<_>>>()?;
    let metrics = ingest::ingest(&specs)?;
    let document = native::Document::from_metrics(&metrics);
    let json = serde_json::to_string_pretty(&document).expect("metrics always serialize");
    stdout::write(&format!("{}\n", escape::json_for_log(&json)))?;
    Ok(EXIT_PASS)
}

/// `budgetgate validate`: everything `check` would refuse — the budgets file, its globs and
/// metafiles, nothing to check, limits whose units do not fit the metrics — through the same
/// resolution; then which budgets match nothing. Result files not written yet are a note.
pub fn validate(args: &ValidateArgs) -> Result<i32> {
    let inputs = plan::resolve(&InputFlags { budgets: args.budgets.as_deref(), ..Default::default() })?;
    let budgets = &inputs.budgets;
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    stdout::write(&format!(
        "{}: valid ({}, {}, {})\n",
        escape::log_field(&budgets.path.display().to_string()),
        plural(budgets.budgets.len(), "budget", "budgets"),
        plural(budgets.results.len(), "result entry", "result entries"),
        plural(budgets.bundles.len(), "bundle", "bundles"),
    ))?;
    match plan::gather_names(&inputs) {
        Ok(metrics) => {
            let evaluation = budget::evaluate(budgets, &metrics, None, budget::Trends::Notable);
            for unmatched in &evaluation.unmatched {
                let message = format!("{}: {}", budgets.path.display(), unmatched.describe(metrics.len()));
                eprintln!("warning: {}", escape::log_text(&message));
            }
        }
        Err(Error::NoMatch(why)) => eprintln!(
            "note: {}",
            escape::log_text(&format!(
                "could not check which budgets match: {why} Run the benchmarks and the build first."
            ))
        ),
        Err(e) => return Err(e),
    }
    Ok(EXIT_PASS)
}

/// `budgetgate formats`.
pub fn formats() -> Result<i32> {
    let mut text = String::new();
    for format in ingest::FORMATS {
        text.push_str(&format!("{:<24} {}\n", format.name(), format.describe()));
    }
    stdout::write(&text)?;
    Ok(EXIT_PASS)
}
