//! Publishing to GitHub: the sticky PR comment, the commit status, an optional check run, the
//! job summary, step outputs and annotations. This is the only module that touches the
//! network, and it never changes the exit code the budgets decided: failing to publish is
//! reported loudly and that is all.

pub mod actions;
pub mod answers;
pub mod client;
pub mod comment;
pub mod context;
pub mod data;
pub mod fit;
pub mod http;
pub mod retry;

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::budget::Severity;
use crate::report::render::Renderer;
use crate::report::{Report, Verdict};
use actions::Level;
use client::{ApiError, GitHubApi, StatusRequest};
pub use comment::CommentMode;
pub use context::Context;
pub use retry::RetryPolicy;

/// GitHub's limit on a comment body, in characters.
pub const COMMENT_LIMIT: usize = 65_536;
/// GitHub's limit on a check run's `output.summary`.
pub const CHECK_SUMMARY_LIMIT: usize = 65_535;
/// GitHub's limit on a commit status description.
pub const STATUS_DESCRIPTION_LIMIT: usize = 140;
/// Annotations per check-run request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;

/// What to publish, from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub comment: CommentMode,
    pub status: bool,
    pub check_run: bool,
    pub dry_run: bool,
    /// Identifies this gate's comment; two gates in one workflow need different ids.
    pub gate_id: String,
    /// The commit status (and check run) name branch protection requires.
    pub context_name: String,
    pub budgets_file: PathBuf,
    pub report_json: Option<PathBuf>,
    pub policy: RetryPolicy,
}

/// The `permissions:` a workflow needs, printed when the token lacks them.
const PERMISSIONS_HELP: &str = "permissions:\n  contents: read\n  pull-requests: write   # the PR comment\n  statuses: write        # the commit status\n  checks: write          # only with --check-run";

/// What publishing achieved, for the step outputs.
#[derive(Debug, Default)]
pub struct Published {
    pub comment_url: Option<String>,
}

/// Hides the token in every later log line. Called first thing, before anything is printed.
pub fn mask_secrets(ctx: &Context) {
    if let Some(token) = ctx.token.as_deref().filter(|_| ctx.in_actions) {
        actions::mask(token);
    }
}

/// Whether [`publish`] will do anything here: inside GitHub Actions, or with `--dry-run`.
pub fn will_publish(ctx: &Context, options: &Options) -> bool {
    ctx.in_actions || options.dry_run
}

/// Publishes `report` wherever the context allows; `full` is the report rendered by
/// `renderer`, fitted to each destination's limit. Outside GitHub Actions this does
/// nothing unless `dry_run`.
pub fn publish(
    ctx: &Context,
    report: &Report,
    full: &str,
    renderer: &Renderer,
    options: &Options,
) -> crate::error::Result<()> {
    if !will_publish(ctx, options) {
        return Ok(());
    }
    if ctx.in_actions {
        print_annotations(ctx, report, &options.budgets_file);
        if let Some(path) = &ctx.step_summary {
            let text = fit::fit(report, renderer, full, actions::SUMMARY_LIMIT, "the JSON report")?;
            report_runner_error(actions::append(path, &format!("{text}\n")));
        }
    }
    let published = publish_api(ctx, report, full, renderer, options)?;
    if ctx.in_actions {
        write_outputs(ctx, report.verdict.name(), report, options, published.comment_url.as_deref());
    }
    Ok(())
}

/// When the gate could not decide (exit 2): an `error` status, so a required check does not
/// wait forever or pass by omission, the error in the summary, and `verdict=error`.
pub fn publish_error(ctx: &Context, message: &str, options: &Options) {
    if !ctx.in_actions && !options.dry_run {
        return;
    }
    if let Some(path) = ctx.step_summary.as_ref().filter(|_| ctx.in_actions) {
        // Not a ``` fence: a name holding ``` would close it and the rest would render as
        // Markdown (issue 14.8). HTML-escaped, mentions and links broken, in <pre>.
        let text: Vec<String> = message.lines().map(crate::escape::markdown_pre).collect();
        report_runner_error(actions::append(
            path,
            &format!("## ⛔ budgetgate could not decide\n\n<pre>\n{}\n</pre>\n", text.join("\n")),
        ));
    }
    if options.status {
        if let (Some(sha), Ok(api)) = (ctx.sha.as_deref(), api_for(ctx, options)) {
            let description = truncate(
                &format!("could not decide: {}", message.lines().next().unwrap_or("")),
                STATUS_DESCRIPTION_LIMIT,
            );
            let status = StatusRequest {
                state: "error",
                target_url: ctx.run_url(),
                description,
                context: options.context_name.clone(),
            };
            if let Err(e) = api.create_status(sha, &status) {
                warn_publish("commit status", &e);
            }
        }
    }
    if ctx.in_actions {
        if let Some(path) = &ctx.output {
            let pairs = [
                ("verdict", "error".to_string()),
                ("violations", "0".into()),
                ("warnings", "0".into()),
                ("inconclusive", "0".into()),
            ];
            report_runner_error(actions::append(path, &actions::outputs(&pairs)));
        }
    }
}

fn write_outputs(ctx: &Context, verdict: &str, report: &Report, options: &Options, comment_url: Option<&str>) {
    let Some(path) = &ctx.output else { return };
    let pairs = [
        ("verdict", verdict.to_string()),
        ("violations", report.counts.violations.to_string()),
        // Over a limit but within noise: a workflow can re-run the benchmarks on this.
        ("inconclusive", report.counts.inconclusive.to_string()),
        ("warnings", report.counts.warnings.to_string()),
        // As later steps on the runner can open it: relative to the workspace (inside the
        // action's container the workspace is mounted elsewhere than on the runner).
        ("report-json", options.report_json.as_ref().map(|p| ctx.repo_path(&absolute(p))).unwrap_or_default()),
        ("comment-url", comment_url.unwrap_or_default().to_string()),
    ];
    report_runner_error(actions::append(path, &actions::outputs(&pairs)));
}

fn absolute(path: &Path) -> PathBuf {
    std::env::current_dir().map(|cwd| cwd.join(path)).unwrap_or_else(|_| path.to_path_buf())
}

fn report_runner_error(result: crate::error::Result<()>) {
    if let Err(e) = result {
        println!(
            "{}",
            actions::annotation(Level::Warning, None, None, "budgetgate", &format!("cannot write a runner file: {e}"))
        );
    }
}

/// One annotation per broken budget, pointing at its line in the budgets file.
fn print_annotations(ctx: &Context, report: &Report, budgets_file: &Path) {
    let file = ctx.repo_path(budgets_file);
    for row in report.rows.iter().filter(|r| r.severity.is_some()) {
        let level = match row.severity {
            Some(Severity::Error) => Level::Error,
            Some(Severity::Warning) => Level::Warning,
            _ => Level::Notice,
        };
        let title =
            format!("budgetgate: {} {}", crate::model::display_name(&row.metric, row.measure.as_deref()), row.stat);
        // Without a budgets file (`check --results …` alone) there is no file to point at.
        let at = budgets_file.exists().then_some(file.as_str());
        println!("{}", actions::annotation(level, at, row.budget_line, &title, &row.reason));
    }
    for u in &report.unmatched_budgets {
        let message = format!("the budget for `{}` matched no metric", u.metric);
        println!("{}", actions::annotation(Level::Warning, Some(&file), Some(u.line), "budgetgate", &message));
    }
}

fn api_for(ctx: &Context, options: &Options) -> Result<Box<dyn GitHubApi>, String> {
    if options.dry_run {
        // The routes as they would be called; placeholders only where the runner gave nothing.
        let repo_path = match ctx.owner_repo() {
            Some((owner, repo)) => format!("/repos/{owner}/{repo}"),
            None => "/repos/OWNER/REPO (GITHUB_REPOSITORY is not set)".to_string(),
        };
        return Ok(Box::new(DryRun { api_url: ctx.api_url.clone(), repo_path }));
    }
    let (owner, repo) = ctx.owner_repo().ok_or("GITHUB_REPOSITORY is not set")?;
    let token = ctx.token.as_deref().ok_or(
        "no token: pass `github-token` to the action (its default is `${{ github.token }}`) or set GITHUB_TOKEN",
    )?;
    client::Octocrab::new(&ctx.api_url, token, owner, repo, options.policy)
        .map(|c| Box::new(c) as Box<dyn GitHubApi>)
        .map_err(|e| e.to_string())
}

fn publish_api(
    ctx: &Context,
    report: &Report,
    full: &str,
    renderer: &Renderer,
    options: &Options,
) -> crate::error::Result<Published> {
    let mut published = Published::default();
    let wants_api = options.status || options.check_run || options.comment != CommentMode::Never;
    if !wants_api {
        return Ok(published);
    }
    let api = match api_for(ctx, options) {
        Ok(api) => api,
        Err(why) => {
            println!(
                "{}",
                actions::annotation(
                    Level::Warning,
                    None,
                    None,
                    "budgetgate",
                    &format!("nothing published to GitHub: {why}")
                )
            );
            return Ok(published);
        }
    };
    let mut denied = Vec::new();

    if let Some(pr) = &ctx.pull_request {
        if options.comment != CommentMode::Never {
            let c = &report.counts;
            let bundles_changed = report
                .bundles
                .iter()
                .any(|b| b.files.iter().any(|f| f.status != crate::report::bundles::FileStatus::Unchanged));
            let wanted = match options.comment {
                CommentMode::Always => true,
                CommentMode::Changes => {
                    c.violations + c.warnings + c.notices > 0
                        || report.rows.iter().any(|r| r.notable)
                        || bundles_changed
                }
                CommentMode::Violations => c.violations + c.warnings > 0,
                CommentMode::Never => false,
            };
            let marker = comment::marker(&options.gate_id);
            let text = fit::fit(
                report,
                renderer,
                full,
                COMMENT_LIMIT - fit::github_length(&marker) - 1,
                "the job summary and the JSON report",
            )?;
            let body = format!("{marker}\n{text}");
            match comment::upsert(api.as_ref(), pr.number, &marker, &body, wanted) {
                Ok(Some(c)) => published.comment_url = Some(c.html_url),
                Ok(None) => {}
                Err(e) if e.is_permission() => denied.push(("pull-requests: write", "the PR comment", e)),
                Err(e) => warn_publish("PR comment", &e),
            }
        }
    }

    if let Some(sha) = ctx.sha.as_deref() {
        if options.status {
            let state = match report.verdict {
                Verdict::Fail if report.exit_code != 0 => "failure",
                Verdict::Warn if report.exit_code != 0 => "failure",
                _ => "success",
            };
            let status = StatusRequest {
                state,
                // The history dashboard when there is one: the verdict's trend is what a reader
                // of the status wants next (the job's log is one click away in the checks tab).
                target_url: report.dashboard_url.clone().or_else(|| ctx.run_url()),
                description: truncate(&report.headline, STATUS_DESCRIPTION_LIMIT),
                context: options.context_name.clone(),
            };
            match api.create_status(sha, &status) {
                Ok(()) => {}
                Err(e) if e.is_permission() => denied.push(("statuses: write", "the commit status", e)),
                Err(e) => warn_publish("commit status", &e),
            }
        }
        if options.check_run {
            match publish_check_run(api.as_ref(), ctx, report, full, renderer, options, sha) {
                Ok(()) => {}
                Err(e) if e.is_permission() => denied.push(("checks: write", "the check run", e)),
                Err(e) => warn_publish("check run", &e),
            }
        }
    }

    if !denied.is_empty() {
        let what: Vec<&str> = denied.iter().map(|(_, what, _)| *what).collect();
        let fork = ctx.pull_request.as_ref().is_some_and(|pr| pr.from_fork);
        let message = format!(
            "the token may not write {} ({}). The gate still decided: see the job summary. {}Give the workflow these permissions:\n{PERMISSIONS_HELP}",
            what.join(", "),
            denied[0].2,
            if fork {
                "This PR comes from a fork, whose token is read-only; the README shows the workflow_run pattern that publishes for forks. "
            } else {
                ""
            }
        );
        println!("{}", actions::annotation(Level::Warning, None, None, "budgetgate: missing permissions", &message));
        eprintln!("budgetgate: warning: {}", crate::escape::log_text(&message));
    }
    Ok(published)
}

fn publish_check_run(
    api: &dyn GitHubApi,
    ctx: &Context,
    report: &Report,
    full: &str,
    renderer: &Renderer,
    options: &Options,
    sha: &str,
) -> Result<(), ApiError> {
    let summary = fit::fit(report, renderer, full, CHECK_SUMMARY_LIMIT, "the job summary and the JSON report")
        .map_err(|e| ApiError { status: None, message: e.to_string(), uncertain: false })?;
    let file = ctx.repo_path(&options.budgets_file);
    let annotations: Vec<serde_json::Value> = report
        .rows
        .iter()
        .filter(|r| r.severity.is_some())
        .map(|r| {
            let line = r.budget_line.unwrap_or(1).max(1);
            json!({
                "path": file,
                "start_line": line,
                "end_line": line,
                "annotation_level": match r.severity { Some(Severity::Error) => "failure", Some(Severity::Warning) => "warning", _ => "notice" },
                "title": truncate(&format!("{} {}", r.metric, r.stat), 255),
                "message": truncate(&r.reason, 64_000),
            })
        })
        .collect();
    let conclusion = match (report.verdict, report.exit_code) {
        (_, 0) if report.verdict == Verdict::Pass => "success",
        (_, 0) => "neutral",
        _ => "failure",
    };
    let title = truncate(&report.headline, 255);
    let mut batches = annotations.chunks(ANNOTATIONS_PER_REQUEST);
    let first = batches.next().unwrap_or(&[]);
    let mut request = json!({
        "name": options.context_name,
        "head_sha": sha,
        "status": "completed",
        "conclusion": conclusion,
        "output": { "title": title, "summary": summary, "annotations": first },
    });
    if let Some(url) = ctx.run_url() {
        request["details_url"] = json!(url);
    }
    let id = api.create_check_run(&request)?;
    // GitHub takes 50 annotations per request; the rest go in updates, which append.
    for batch in batches {
        api.update_check_run(id, &json!({ "output": { "title": title, "summary": summary, "annotations": batch } }))?;
    }
    Ok(())
}

fn warn_publish(what: &str, e: &ApiError) {
    let message = format!("could not publish the {what}: {e}. The gate's verdict and exit code are unchanged.");
    println!("{}", actions::annotation(Level::Warning, None, None, "budgetgate", &message));
    eprintln!("budgetgate: warning: {}", crate::escape::log_text(&message));
}

fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(limit - 1).collect();
    cut.push('…');
    cut
}

/// `--dry-run`: prints each request instead of sending it (and reads nothing from GitHub).
struct DryRun {
    api_url: String,
    repo_path: String,
}

impl DryRun {
    fn show(&self, method: &str, route: &str, body: Option<&serde_json::Value>) {
        let mut text = format!("[dry-run] {method} {}{}{route}", self.api_url, self.repo_path);
        if let Some(body) = body {
            let json = serde_json::to_string_pretty(body).unwrap_or_default();
            for line in json.lines().take(40) {
                text.push_str(&format!("\n[dry-run]   {line}"));
            }
        }
        // The bodies quote benchmark names: keep the log lines inert.
        println!("{}", crate::escape::log_text(&text));
    }
}

impl GitHubApi for DryRun {
    fn list_comments(&self, pr: u64) -> Result<Vec<client::Comment>, ApiError> {
        self.show("GET", &format!("/issues/{pr}/comments?per_page=100 (all pages; none assumed)"), None);
        Ok(Vec::new())
    }
    fn create_comment(&self, pr: u64, body: &str) -> Result<client::Comment, ApiError> {
        self.show("POST", &format!("/issues/{pr}/comments"), Some(&json!({ "body": body })));
        Ok(client::Comment { id: 0, body: body.into(), html_url: String::new() })
    }
    fn update_comment(&self, id: u64, body: &str) -> Result<client::Comment, ApiError> {
        self.show("PATCH", &format!("/issues/comments/{id}"), Some(&json!({ "body": body })));
        Ok(client::Comment { id, body: body.into(), html_url: String::new() })
    }
    fn create_status(&self, sha: &str, status: &StatusRequest) -> Result<(), ApiError> {
        self.show("POST", &format!("/statuses/{sha}"), Some(&serde_json::to_value(status).unwrap_or_default()));
        Ok(())
    }
    fn create_check_run(&self, request: &serde_json::Value) -> Result<u64, ApiError> {
        self.show("POST", "/check-runs", Some(request));
        Ok(0)
    }
    fn update_check_run(&self, id: u64, request: &serde_json::Value) -> Result<(), ApiError> {
        self.show("PATCH", &format!("/check-runs/{id}"), Some(request));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_the_limit() {
        let long = "x".repeat(300);
        assert_eq!(truncate(&long, 140).chars().count(), 140);
        assert_eq!(truncate("short", 140), "short");
    }
}
