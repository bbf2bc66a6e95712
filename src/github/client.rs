//! The GitHub REST calls we make, behind [`GitHubApi`] so the publishing logic can be tested
//! with a deterministic stand-in, and its octocrab implementation.
//!
//! octocrab is used as the HTTP client (auth, base URI with a GHES `/api/v3` path, timeouts)
//! through its raw `_get`/`_post`/`_patch`, because we need each response's status and headers:
//! its typed helpers send comment updates as POST (GitHub wants PATCH), and its built-in retry
//! repeats POSTs at once without backoff. Retries are ours, in [`super::retry`].

use http::header::ACCEPT;
use serde::Serialize;
use serde_json::Value;

use super::answers;
pub use super::http::{ApiError, Response, DEFAULT_REQUEST_TIMEOUT};
use super::retry::{self, Attempt, RetryPolicy};

pub use super::answers::Comment;

/// The calls the gate makes. Paths are relative to the API base.
pub trait GitHubApi {
    /// Every comment of the PR, across all pages.
    fn list_comments(&self, pr: u64) -> Result<Vec<Comment>, ApiError>;
    /// Not retried here: the caller re-lists before trying again (no duplicate comments).
    fn create_comment(&self, pr: u64, body: &str) -> Result<Comment, ApiError>;
    fn update_comment(&self, id: u64, body: &str) -> Result<Comment, ApiError>;
    fn create_status(&self, sha: &str, status: &StatusRequest) -> Result<(), ApiError>;
    /// Returns the check run's id.
    fn create_check_run(&self, request: &Value) -> Result<u64, ApiError>;
    fn update_check_run(&self, id: u64, request: &Value) -> Result<(), ApiError>;
}

/// Body of `POST /repos/{owner}/{repo}/statuses/{sha}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatusRequest {
    /// error | failure | pending | success
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// At most 140 characters.
    pub description: String,
    pub context: String,
}

/// [`GitHubApi`] over octocrab, on a current-thread runtime of its own.
pub struct Octocrab {
    crab: octocrab::Octocrab,
    runtime: tokio::runtime::Runtime,
    pub(super) repo_path: String,
    pub(super) owner_repo: String,
    policy: RetryPolicy,
}

impl Octocrab {
    pub fn new(api_url: &str, token: &str, owner: &str, repo: &str, policy: RetryPolicy) -> Result<Octocrab, ApiError> {
        let fail = |message: String| ApiError { status: None, message, uncertain: false };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start the async runtime: {e}")))?;
        let crab = {
            let _guard = runtime.enter();
            octocrab::Octocrab::builder()
                .base_uri(api_url)
                .map_err(|e| fail(format!("GITHUB_API_URL `{api_url}` is not a valid URL: {e}")))?
                .personal_token(token.to_string())
                // GitHub's media type. The API version (2022-11-28; a newer one with breaking
                // changes exists) is not added here: octocrab 0.54.9 already sends
                // `X-GitHub-Api-Version: 2022-11-28` on every request, and adding it again
                // sends "2022-11-28, 2022-11-28". The end-to-end tests check the exact value.
                .add_header(ACCEPT, "application/vnd.github+json".to_string())
                .set_connect_timeout(Some(policy.request_timeout))
                .set_read_timeout(Some(policy.request_timeout))
                .set_write_timeout(Some(policy.request_timeout))
                .build()
                .map_err(|e| fail(format!("cannot set up the GitHub client: {e}")))?
        };
        Ok(Octocrab {
            crab,
            runtime,
            repo_path: format!("/repos/{owner}/{repo}"),
            owner_repo: format!("{owner}/{repo}"),
            policy,
        })
    }

    /// One request, retried per `policy` when `idempotent`. Returns status, headers, body.
    pub(super) fn call(
        &self,
        method: http::Method,
        uri: &str,
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<Response, ApiError> {
        self.runtime.block_on(send(&self.crab, &self.policy, method, uri, body, idempotent))
    }

    /// Many GETs at once, at most `parallel` in flight, answers in the order of `uris` (the
    /// branch store reads 50 run files for one comparison: one after another that is 50 round
    /// trips to GitHub).
    pub(super) fn get_many(&self, uris: &[String], parallel: usize) -> Result<Vec<Response>, ApiError> {
        self.runtime.block_on(async {
            let mut answers: Vec<Option<Response>> = (0..uris.len()).map(|_| None).collect();
            for chunk in (0..uris.len()).collect::<Vec<_>>().chunks(parallel.max(1)) {
                let mut set = tokio::task::JoinSet::new();
                for &i in chunk {
                    let (crab, policy, uri) = (self.crab.clone(), self.policy, uris[i].clone());
                    set.spawn(async move { (i, send(&crab, &policy, http::Method::GET, &uri, None, true).await) });
                }
                while let Some(joined) = set.join_next().await {
                    let (i, answer) = joined.map_err(|e| ApiError {
                        status: None,
                        message: format!("a request task failed: {e}"),
                        uncertain: false,
                    })?;
                    answers[i] = Some(answer?);
                }
            }
            Ok(answers.into_iter().map(|a| a.expect("every request answered")).collect())
        })
    }

    pub(super) fn json(
        &self,
        method: http::Method,
        uri: &str,
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<(Value, http::HeaderMap), ApiError> {
        let response = self.call(method, uri, body, idempotent)?;
        let value = answers::json(response.status, &response.body)?;
        Ok((value, response.headers))
    }
}

/// One request through `crab`, retried per `policy` when `idempotent`.
async fn send(
    crab: &octocrab::Octocrab,
    policy: &RetryPolicy,
    method: http::Method,
    uri: &str,
    body: Option<&Value>,
    idempotent: bool,
) -> Result<Response, ApiError> {
    retry::run(policy, idempotent, || async {
        let sent = match method {
            http::Method::GET => crab._get(uri).await,
            http::Method::POST => crab._post(uri, body).await,
            http::Method::PATCH => crab._patch(uri, body).await,
            _ => unreachable!("only GET, POST and PATCH are used"),
        };
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Attempt::Transport(describe_transport(&e)),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = match crab.body_to_string(response).await {
            Ok(t) => t,
            Err(e) => return Attempt::Transport(format!("reading the response failed: {}", describe_transport(&e))),
        };
        Attempt::Answered(Response { status, headers, body: text })
    })
    .await
}

fn describe_transport(e: &octocrab::Error) -> String {
    // The Display of octocrab's service errors is terse; the source chain says what happened.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl GitHubApi for Octocrab {
    fn list_comments(&self, pr: u64) -> Result<Vec<Comment>, ApiError> {
        let mut comments = Vec::new();
        let mut uri = format!("{}/issues/{pr}/comments?per_page=100", self.repo_path);
        // Bounded: 100 pages of 100 is far beyond any real PR, and a Link loop must end.
        for _ in 0..100 {
            let (page, headers) = self.json(http::Method::GET, &uri, None, true)?;
            comments.extend(answers::comment_page(&page)?);
            match answers::next_link(&headers) {
                Some(next) => uri = next,
                None => break,
            }
        }
        Ok(comments)
    }

    fn create_comment(&self, pr: u64, body: &str) -> Result<Comment, ApiError> {
        let request = serde_json::json!({ "body": body });
        let (value, _) =
            self.json(http::Method::POST, &format!("{}/issues/{pr}/comments", self.repo_path), Some(&request), false)?;
        answers::comment(&value)
    }

    fn update_comment(&self, id: u64, body: &str) -> Result<Comment, ApiError> {
        let request = serde_json::json!({ "body": body });
        let (value, _) =
            self.json(http::Method::PATCH, &format!("{}/issues/comments/{id}", self.repo_path), Some(&request), true)?;
        answers::comment(&value)
    }

    fn create_status(&self, sha: &str, status: &StatusRequest) -> Result<(), ApiError> {
        let request = serde_json::to_value(status).expect("statuses serialize");
        // A repeated status is harmless: the newest with a context wins.
        self.json(http::Method::POST, &format!("{}/statuses/{sha}", self.repo_path), Some(&request), true).map(|_| ())
    }

    fn create_check_run(&self, request: &Value) -> Result<u64, ApiError> {
        let (value, _) =
            self.json(http::Method::POST, &format!("{}/check-runs", self.repo_path), Some(request), false)?;
        answers::check_run_id(&value)
    }

    fn update_check_run(&self, id: u64, request: &Value) -> Result<(), ApiError> {
        self.json(http::Method::PATCH, &format!("{}/check-runs/{id}", self.repo_path), Some(request), true).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_errors_are_told_from_rate_limits() {
        let e = |status, message: &str| ApiError { status: Some(status), message: message.into(), uncertain: false };
        assert!(e(403, "Resource not accessible by integration").is_permission());
        assert!(!e(403, "You have exceeded a secondary rate limit").is_permission());
        assert!(!e(502, "Bad Gateway").is_permission());
    }
}
