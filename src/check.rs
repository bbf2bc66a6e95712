//! The commands, end to end: reading inputs, running the pipeline, writing outputs. Returns
//! exit codes; `main` only maps errors to exit code 2.

use std::path::{Path, PathBuf};

use crate::baseline::{FileStore, Store};
use crate::budget::{self, Budgets};
use crate::bundle::{self, BundleSpec};
use crate::cli::{CheckArgs, ParseArgs, ValidateArgs};
use crate::error::{Error, Result};
use crate::github;
use crate::ingest::{self, native, ResultSpec};
use crate::model::{Run, RunContext};
use crate::report::{bundles, markdown, terminal, BaselineInfo, Compared, Report};
use clap::Parser;

/// Exit code: no violation at the failing severity.
pub const EXIT_PASS: i32 = 0;
/// Exit code: at least one violation at the failing severity.
pub const EXIT_VIOLATION: i32 = 1;
/// Exit code: usage, configuration or input error; the gate could not decide.
pub const EXIT_ERROR: i32 = 2;

const DEFAULT_BUDGETS: [&str; 2] = ["budgets.yaml", ".github/budgets.yaml"];

fn budgets_path(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    DEFAULT_BUDGETS.iter().map(PathBuf::from).find(|p| p.exists()).ok_or_else(|| {
        Error::Usage(format!(
            "no budgets file: looked for {} in {}; pass --budgets FILE (budgets.example.yaml in the project shows every key)",
            DEFAULT_BUDGETS.join(" and "),
            std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()
        ))
    })
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Where this run happened, from flags first, then what the GitHub runner provides (on a PR,
/// the head commit from the event payload, not the merge commit in GITHUB_SHA).
fn run_context(args: &CheckArgs, ctx: &github::Context) -> RunContext {
    RunContext {
        commit: args.commit.clone().or_else(|| ctx.sha.clone()),
        branch: args.branch.clone().or_else(|| ctx.branch.clone()),
        time: Some(humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()),
        runner: env("RUNNER_NAME").or_else(|| env("RUNNER_OS")),
    }
}

/// `budgetgate check`: decide, report, publish. Publishing never changes the exit code; an
/// error that stops the gate is still published as an `error` status where possible.
pub fn check(args: &CheckArgs) -> Result<i32> {
    let ctx = github::Context::from_env(args.event_path.as_deref())?;
    github::mask_secrets(&ctx);
    let budgets_file = budgets_path(args.budgets.as_deref());
    let options = publish_options(args, &ctx, budgets_file.as_ref().ok());
    let publishing = github::will_publish(&ctx, &options);
    let outcome = budgets_file.and_then(|path| decide(args, &ctx, &path, publishing));
    match outcome {
        Ok((report, markdown)) => {
            if let Some(full) = markdown.as_deref().filter(|_| publishing) {
                github::publish(&ctx, &report, full, &options)?;
            }
            Ok(report.exit_code)
        }
        Err(e) => {
            github::publish_error(&ctx, &e.to_string(), &options);
            Err(e)
        }
    }
}

fn publish_options(args: &CheckArgs, ctx: &github::Context, budgets_file: Option<&PathBuf>) -> github::Options {
    let budgets_file = budgets_file.cloned().unwrap_or_else(|| PathBuf::from(DEFAULT_BUDGETS[0]));
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
        template: args.template.clone(),
        budgets_file,
        report_json: args.report_json.clone(),
        policy: github::RetryPolicy {
            request_timeout: std::time::Duration::from_secs_f64(args.github_timeout.clamp(0.1, 600.0)),
            ..Default::default()
        },
    }
}

/// Everything up to the report and the files it is written to. Returns the report and, when
/// a Markdown report or publishing needs it, its rendering with the template (rendered once).
fn decide(
    args: &CheckArgs,
    ctx: &github::Context,
    budgets_file: &Path,
    publishing: bool,
) -> Result<(Report, Option<String>)> {
    let budgets = budget::load(budgets_file)?;
    let bundle_specs = bundle_specs(args, &budgets)?;
    let specs = result_specs(args, &budgets, !bundle_specs.is_empty())?;
    let mut metrics = ingest::ingest(&specs)?;
    let sizes = bundle::measure(&bundle_specs)?;
    let result_names: std::collections::HashSet<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
    if let Some(clash) = sizes.iter().find(|s| result_names.contains(s.name.as_str())) {
        return Err(Error::Usage(format!(
            "metric `{}` is both a bundle size and a benchmark result; rename the bundle or give the results a `prefix:`",
            clash.name
        )));
    }
    metrics.extend(sizes);
    metrics.sort_by(|a, b| a.name.cmp(&b.name));

    let mut notes = Vec::new();
    let comparison = match &args.baseline {
        None => None,
        Some(path) => match FileStore::new(path).load()? {
            None => {
                notes.push(format!(
                    "no baseline yet: {} does not exist (the first run on the base branch creates it with --save-baseline)",
                    path.display()
                ));
                None
            }
            Some(history) => {
                let branch = args
                    .baseline_branch
                    .clone()
                    .or_else(|| ctx.pull_request.as_ref().map(|pr| pr.base_ref.clone()))
                    .or_else(|| env("GITHUB_BASE_REF"));
                let comparison = history.comparison(branch.as_deref())?;
                if comparison.is_none() {
                    notes.push(format!(
                        "no baseline yet for branch `{}` in {}",
                        branch.as_deref().unwrap_or("?"),
                        path.display()
                    ));
                }
                comparison
            }
        },
    };

    let evaluation = budget::evaluate(&budgets, &metrics, comparison.as_ref())?;
    let bundle_tables = bundles::tables(&metrics, comparison.as_ref().map(|c| &c.newest));
    let context = run_context(args, ctx);
    let compared = Compared {
        current: context.clone(),
        baseline: comparison.as_ref().map(|c| BaselineInfo {
            context: RunContext { branch: Some(c.branch.clone()), ..c.newest.context.clone() },
            runs: c.history.len(),
        }),
    };
    let report =
        Report::new(evaluation, bundle_tables, budgets.path.display().to_string(), args.fail_on, compared, notes);

    // Render before writing anything, so a template error leaves no half-written outputs.
    let markdown = match args.report_md.is_some() || publishing {
        true => Some(markdown::render(&report, args.template.as_deref())?),
        false => None,
    };
    if let Some(path) = &args.report_json {
        let json = serde_json::to_vec_pretty(&report).expect("reports always serialize");
        crate::baseline::write_atomically(path, &json)?;
    }
    if let (Some(path), Some(text)) = (&args.report_md, &markdown) {
        crate::baseline::write_atomically(path, text.as_bytes())?;
    }
    if let Some(path) = &args.save_baseline {
        let branch = context.branch.clone().unwrap_or_else(|| "local".to_string());
        FileStore::new(path).save(&branch, Run { context, metrics }, args.keep)?;
    }
    terminal::print(&report).map_err(|e| Error::io("stdout", "cannot write", e))?;
    Ok((report, markdown))
}

fn result_specs(args: &CheckArgs, budgets: &Budgets, have_bundles: bool) -> Result<Vec<ResultSpec>> {
    if !args.results.is_empty() {
        return Ok(args.results.iter().map(|r| ResultSpec::from_cli(r, args.format.as_deref())).collect());
    }
    if budgets.results.is_empty() && !have_bundles {
        return Err(Error::Usage(format!(
            "nothing to check: {} has no `results:` or `bundles:`, and no --results or --bundle was given",
            budgets.path.display()
        )));
    }
    Ok(budgets.results.clone())
}

/// `--bundle NAME=GLOB` replaces the budgets file's `bundles:`, as `--results` does `results:`;
/// repeating a NAME adds globs to that bundle.
fn bundle_specs(args: &CheckArgs, budgets: &Budgets) -> Result<Vec<BundleSpec>> {
    let mut specs: Vec<BundleSpec> = if args.bundle.is_empty() { budgets.bundles.clone() } else { Vec::new() };
    for arg in &args.bundle {
        let spec = BundleSpec::from_cli(arg)?;
        match specs.iter_mut().find(|s| s.name == spec.name) {
            Some(existing) => existing.include.extend(spec.include),
            None => specs.push(spec),
        }
    }
    for arg in &args.metafile {
        let (name, file) = arg.split_once('=').ok_or_else(|| {
            Error::Usage(format!("--metafile `{arg}`: expected NAME=FILE, e.g. --metafile web=dist/meta.json"))
        })?;
        let spec = specs.iter_mut().find(|s| s.name == name).ok_or_else(|| {
            Error::Usage(format!(
                "--metafile `{arg}`: there is no bundle named `{name}` (give it with --bundle or `bundles:`)"
            ))
        })?;
        spec.metafile = Some(PathBuf::from(file));
    }
    Ok(specs)
}

/// `budgetgate parse`: the normalized metrics as JSON on stdout.
pub fn parse(args: &ParseArgs) -> Result<i32> {
    let specs: Vec<ResultSpec> = args.files.iter().map(|f| ResultSpec::from_cli(f, args.format.as_deref())).collect();
    let metrics = ingest::ingest(&specs)?;
    let document = native::Document::from_metrics(&metrics);
    let json = serde_json::to_string_pretty(&document).expect("metrics always serialize");
    println!("{json}");
    Ok(EXIT_PASS)
}

/// `budgetgate validate`: the budgets file, then (when its result files exist) whether every
/// budget matches something.
pub fn validate(args: &ValidateArgs) -> Result<i32> {
    let budgets = budget::load(&budgets_path(args.budgets.as_deref())?)?;
    println!(
        "{}: valid ({} budget{}, {} result entr{}, {} bundle{})",
        budgets.path.display(),
        budgets.budgets.len(),
        if budgets.budgets.len() == 1 { "" } else { "s" },
        budgets.results.len(),
        if budgets.results.len() == 1 { "y" } else { "ies" },
        budgets.bundles.len(),
        if budgets.bundles.len() == 1 { "" } else { "s" },
    );
    let names = ingest::ingest(&budgets.results)
        .map(|metrics| metrics.into_iter().map(|m| m.name).collect::<Vec<_>>())
        .and_then(|mut names| {
            names.extend(bundle::metric_names(&budgets.bundles)?);
            Ok(names)
        });
    match names {
        Ok(names) => {
            for budget in &budgets.budgets {
                if !names.iter().any(|n| budget.metric.matches(n)) {
                    eprintln!(
                        "warning: {} line {}: budget `{}` matches none of the {} metrics read",
                        budgets.path.display(),
                        budget.line,
                        budget.metric.as_str(),
                        names.len()
                    );
                }
            }
        }
        Err(e) => eprintln!("note: could not read the results and bundles to check which budgets match ({e}); run the benchmarks and the build first"),
    }
    Ok(EXIT_PASS)
}

/// `budgetgate action`: the Docker action's entry point (see `action.rs`).
pub fn action() -> Result<i32> {
    let (argv, workdir) = crate::action::check_argv(|name| std::env::var(name).ok())?;
    if let Some(dir) = workdir {
        std::env::set_current_dir(&dir).map_err(|e| Error::io(&dir, "cannot change to the working-directory", e))?;
    }
    let cli =
        crate::cli::Cli::try_parse_from(&argv).map_err(|e| Error::Usage(format!("action inputs: {}", e.render())))?;
    match cli.command {
        crate::cli::Command::Check(args) => check(&args),
        _ => unreachable!("check_argv always builds a `check` command line"),
    }
}

/// `budgetgate formats`.
pub fn formats() -> i32 {
    for format in ingest::FORMATS {
        println!("{:<24} {}", format.name(), format.describe());
    }
    EXIT_PASS
}
