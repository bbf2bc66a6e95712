//! What the GitHub Actions runner tells us, read in one place: the repository, the event (the
//! PR number and head sha come from the event payload — on `pull_request` `GITHUB_SHA` is the
//! merge commit, and a status there never shows on the PR), where to write summaries and
//! outputs, and the token.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{from_json, read_text, Error, Result};

/// The runner's view of this job. Built by [`Context::from_env`]; tests build it from a map.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// `GITHUB_ACTIONS=true`: we run inside a workflow and may publish.
    pub in_actions: bool,
    /// REST base, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`.
    pub api_url: String,
    pub server_url: String,
    /// `owner/repo`.
    pub repository: Option<String>,
    pub event_name: Option<String>,
    /// The PR this run is for, when the event is a pull request.
    pub pull_request: Option<PullRequest>,
    /// The commit to put the status on: the PR head, or the pushed commit.
    pub sha: Option<String>,
    /// The branch this run measured (the PR head branch, or the pushed branch).
    pub branch: Option<String>,
    pub run_id: Option<String>,
    /// The repository's default branch, from the event payload: the fallback baseline branch
    /// when the base branch has no runs stored.
    pub default_branch: Option<String>,
    pub workspace: Option<PathBuf>,
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub token: Option<String>,
    /// The pushed commit's time (a push event's `head_commit.timestamp`), which orders stored
    /// runs by history.
    pub head_commit_time: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub head_sha: String,
    pub head_ref: String,
    pub base_ref: String,
    /// The base branch's commit when the event fired (may be empty in a hand-made payload).
    pub base_sha: String,
    /// The PR comes from another repository: its token is read-only.
    pub from_fork: bool,
}

/// The parts of a `pull_request` / `pull_request_target` event payload we use.
/// https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
#[derive(Deserialize)]
struct Event {
    #[serde(default)]
    pull_request: Option<EventPullRequest>,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    repository: Option<EventRepository>,
    #[serde(default)]
    head_commit: Option<EventCommit>,
}

#[derive(Deserialize)]
struct EventCommit {
    #[serde(default)]
    timestamp: Option<String>,
}

#[derive(Deserialize)]
struct EventRepository {
    #[serde(default)]
    default_branch: Option<String>,
}

#[derive(Deserialize)]
struct EventPullRequest {
    number: u64,
    head: EventRef,
    base: EventRef,
}

#[derive(Deserialize)]
struct EventRef {
    /// Needed of the head only; a hand-made payload for `--dry-run` may leave it out of the base.
    #[serde(default)]
    sha: String,
    #[serde(rename = "ref")]
    git_ref: String,
    #[serde(default)]
    repo: Option<EventRepo>,
}

#[derive(Deserialize)]
struct EventRepo {
    full_name: String,
}

impl Context {
    /// Reads the process environment; `event_path` stands in for `GITHUB_EVENT_PATH` (see
    /// `--event-path`).
    pub fn from_env(event_path: Option<&Path>) -> Result<Context> {
        let mut ctx = Context::from_vars(|name| std::env::var(name).ok())?;
        if let Some(path) = event_path {
            ctx.use_pull_request_event(path)?;
        }
        Ok(ctx)
    }

    /// Reads the pull request from a `pull_request` event payload given explicitly: the
    /// `workflow_run` pattern for fork PRs runs in the base repository's context, whose own
    /// payload describes the workflow run, not the PR, and the runner does not let a step
    /// override `GITHUB_EVENT_PATH`.
    pub fn use_pull_request_event(&mut self, path: &Path) -> Result<()> {
        if !path.exists() {
            return Err(Error::Usage(format!("--event-path {} does not exist", path.display())));
        }
        self.event_name = Some("pull_request".into());
        self.apply_event(path, true)
    }

    /// Reads the runner's variables through `var`; the event payload from the file named by
    /// `GITHUB_EVENT_PATH`. A payload that cannot be read is an error: guessing the PR would
    /// put the status on the wrong commit.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Context> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let mut ctx = Context {
            in_actions: get("GITHUB_ACTIONS").as_deref() == Some("true"),
            api_url: get("GITHUB_API_URL")
                .unwrap_or_else(|| "https://api.github.com".into())
                .trim_end_matches('/')
                .to_string(),
            server_url: get("GITHUB_SERVER_URL")
                .unwrap_or_else(|| "https://github.com".into())
                .trim_end_matches('/')
                .to_string(),
            repository: get("GITHUB_REPOSITORY"),
            event_name: get("GITHUB_EVENT_NAME"),
            pull_request: None,
            sha: get("GITHUB_SHA"),
            branch: get("GITHUB_HEAD_REF").or_else(|| get("GITHUB_REF_NAME")),
            run_id: get("GITHUB_RUN_ID"),
            default_branch: None,
            workspace: get("GITHUB_WORKSPACE").map(PathBuf::from),
            step_summary: get("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: get("GITHUB_OUTPUT").map(PathBuf::from),
            // Action inputs arrive as INPUT_<NAME> with hyphens kept.
            token: get("INPUT_GITHUB-TOKEN").or_else(|| get("GITHUB_TOKEN")),
            head_commit_time: None,
        };
        let is_pr = matches!(ctx.event_name.as_deref(), Some("pull_request" | "pull_request_target"));
        if let Some(path) = get("GITHUB_EVENT_PATH") {
            let path = PathBuf::from(path);
            if path.exists() {
                ctx.apply_event(&path, is_pr)?;
            } else if is_pr {
                return Err(Error::Usage(format!(
                    "GITHUB_EVENT_PATH names {}, which does not exist; the PR number and head commit come from it",
                    path.display()
                )));
            }
        }
        Ok(ctx)
    }

    fn apply_event(&mut self, path: &Path, is_pr: bool) -> Result<()> {
        let event: Event = from_json(path, &read_text(path)?)?;
        self.default_branch = event.repository.and_then(|r| r.default_branch);
        self.head_commit_time = event.head_commit.and_then(|c| c.timestamp);
        match event.pull_request {
            Some(pr) if pr.head.sha.is_empty() => {
                return Err(Error::input(
                    path,
                    crate::error::Place::JsonPath("pull_request.head.sha".into()),
                    "is missing; expected the PR head commit the status goes on",
                ))
            }
            Some(pr) => {
                let from_fork = match (&pr.head.repo, &pr.base.repo) {
                    (Some(head), Some(base)) => head.full_name != base.full_name,
                    // A deleted fork has no head repo: still not ours.
                    (None, _) => true,
                    _ => false,
                };
                self.sha = Some(pr.head.sha.clone());
                self.branch = Some(pr.head.git_ref.clone());
                self.pull_request = Some(PullRequest {
                    number: pr.number,
                    head_sha: pr.head.sha,
                    head_ref: pr.head.git_ref,
                    base_ref: pr.base.git_ref,
                    base_sha: pr.base.sha,
                    from_fork,
                });
            }
            None if is_pr => {
                return Err(Error::input(
                    path,
                    crate::error::Place::JsonPath("pull_request".into()),
                    "is missing from a pull_request event payload; expected the PR with its number and head sha",
                ))
            }
            None => {
                if let Some(after) = event.after.filter(|a| !a.chars().all(|c| c == '0')) {
                    self.sha = Some(after);
                }
            }
        }
        Ok(())
    }

    /// Link to this workflow run, for statuses and comments.
    pub fn run_url(&self) -> Option<String> {
        Some(format!("{}/{}/actions/runs/{}", self.server_url, self.repository.as_ref()?, self.run_id.as_ref()?))
    }

    /// `(owner, repo)`.
    pub fn owner_repo(&self) -> Option<(&str, &str)> {
        self.repository.as_deref()?.split_once('/')
    }

    /// `path` as GitHub names files in annotations: relative to the workspace, `/`-separated.
    pub fn repo_path(&self, path: &Path) -> String {
        let relative = match (&self.workspace, path.is_absolute()) {
            (Some(ws), true) => path.strip_prefix(ws).unwrap_or(path),
            _ => path,
        };
        relative.to_string_lossy().replace('\\', "/").trim_start_matches("./").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ctx(vars: &[(&str, &str)]) -> Result<Context> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Context::from_vars(|k| map.get(k).cloned())
    }

    #[test]
    fn pull_request_head_comes_from_the_payload_not_github_sha() {
        let dir = tempfile::tempdir().unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(
            &event,
            r#"{"action":"synchronize","number":7,"pull_request":{"number":7,
                "head":{"sha":"headsha","ref":"feature","repo":{"full_name":"octo/app"}},
                "base":{"sha":"basesha","ref":"main","repo":{"full_name":"octo/app"}}}}"#,
        )
        .unwrap();
        let c = ctx(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
            ("GITHUB_SHA", "mergesha"),
            ("GITHUB_REPOSITORY", "octo/app"),
            ("GITHUB_RUN_ID", "42"),
            ("INPUT_GITHUB-TOKEN", "tok"),
        ])
        .unwrap();
        assert_eq!(c.sha.as_deref(), Some("headsha"));
        let pr = c.pull_request.clone().unwrap();
        assert_eq!((pr.number, pr.base_ref.as_str(), pr.from_fork), (7, "main", false));
        assert_eq!(c.token.as_deref(), Some("tok"));
        assert_eq!(c.run_url().as_deref(), Some("https://github.com/octo/app/actions/runs/42"));
    }

    #[test]
    fn forks_and_pushes() {
        let dir = tempfile::tempdir().unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(
            &event,
            r#"{"pull_request":{"number":1,"head":{"sha":"h","ref":"x","repo":{"full_name":"someone/app"}},
                "base":{"sha":"b","ref":"main","repo":{"full_name":"octo/app"}}}}"#,
        )
        .unwrap();
        let c = ctx(&[("GITHUB_EVENT_NAME", "pull_request_target"), ("GITHUB_EVENT_PATH", event.to_str().unwrap())])
            .unwrap();
        assert!(c.pull_request.unwrap().from_fork);
        std::fs::write(&event, r#"{"after":"pushed","ref":"refs/heads/main"}"#).unwrap();
        let c = ctx(&[
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
            ("GITHUB_SHA", "pushed"),
        ])
        .unwrap();
        assert!(c.pull_request.is_none());
        assert_eq!(c.sha.as_deref(), Some("pushed"));
    }

    #[test]
    fn a_pull_request_event_without_its_payload_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(&event, r#"{"action":"opened"}"#).unwrap();
        let e =
            ctx(&[("GITHUB_EVENT_NAME", "pull_request"), ("GITHUB_EVENT_PATH", event.to_str().unwrap())]).unwrap_err();
        assert!(e.to_string().contains("pull_request"), "{e}");
    }
}
