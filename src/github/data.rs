//! [`GitData`] over octocrab: the Git data API (refs, commits, trees, blobs) and the compare
//! API, for the branch store. Same client, retries and timeouts as publishing.
//!
//! Every call that creates something is safe to repeat: blobs, trees and commits are named by
//! their content, a repeated ref creation answers "already exists" (treated as a lost race, so
//! the store re-reads), and a repeated ref update to the same commit is a no-op.

use base64::Engine;
use serde_json::{json, Value};

use super::answers;
use super::client::{ApiError, Octocrab};
use crate::baseline::branch_store::{GitData, RefUpdate, TreeEntry};
use crate::baseline::select::MergeBase;

/// A path part of a URL: keeps `/` (branch names like `feature/x` are paths in ref URLs).
fn encode_path(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The data API of the repository the workflow runs in, for a `github:BRANCH` store.
pub fn connect(ctx: &super::Context, policy: super::retry::RetryPolicy) -> crate::error::Result<Box<dyn GitData>> {
    use crate::error::Error;
    let (owner, repo) = ctx.owner_repo().ok_or_else(|| {
        Error::Usage("a github:BRANCH baseline needs GITHUB_REPOSITORY (owner/repo), which GitHub Actions sets".into())
    })?;
    let token = ctx.token.as_deref().ok_or_else(|| {
        Error::Usage(
            "a github:BRANCH baseline needs a token: pass `github-token` to the action (its default is `${{ github.token }}`) or set GITHUB_TOKEN"
                .into(),
        )
    })?;
    Octocrab::new(&ctx.api_url, token, owner, repo, policy)
        .map(|c| Box::new(c) as Box<dyn GitData>)
        .map_err(|e| Error::Remote(e.to_string()))
}

/// Blob reads in flight at once: enough to hide GitHub's round trips, few enough to stay clear
/// of its secondary rate limits on concurrent requests.
const PARALLEL_READS: usize = 8;

impl Octocrab {
    fn get(&self, path: &str) -> Result<Value, ApiError> {
        self.json(http::Method::GET, &format!("{}/{path}", self.repo_path), None, true).map(|(v, _)| v)
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value, ApiError> {
        // Creating Git objects is idempotent (content-addressed), so retrying is safe.
        self.json(http::Method::POST, &format!("{}/{path}", self.repo_path), Some(body), true).map(|(v, _)| v)
    }

    fn ref_outcome(result: Result<Value, ApiError>) -> Result<RefUpdate, ApiError> {
        match result {
            Ok(_) => Ok(RefUpdate::Done),
            // "Update is not a fast forward" / "Reference already exists".
            Err(e) if e.status == Some(422) => Ok(RefUpdate::Conflict),
            Err(e) => Err(e),
        }
    }
}

impl GitData for Octocrab {
    fn repository(&self) -> String {
        self.owner_repo.clone()
    }

    fn get_ref(&self, branch: &str) -> Result<Option<String>, ApiError> {
        match self.get(&format!("git/ref/heads/{}", encode_path(branch))) {
            Ok(v) => answers::ref_commit(&v).map(Some),
            // The branch does not exist (GitHub says the same of a repository the token cannot
            // see; the store's message says so).
            Err(e) if e.status == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn create_ref(&self, branch: &str, sha: &str) -> Result<RefUpdate, ApiError> {
        Self::ref_outcome(self.post("git/refs", &json!({ "ref": format!("refs/heads/{branch}"), "sha": sha })))
    }

    fn update_ref(&self, branch: &str, sha: &str) -> Result<RefUpdate, ApiError> {
        let uri = format!("{}/git/refs/heads/{}", self.repo_path, encode_path(branch));
        let body = json!({ "sha": sha, "force": false });
        Self::ref_outcome(self.json(http::Method::PATCH, &uri, Some(&body), true).map(|(v, _)| v))
    }

    fn commit_tree(&self, sha: &str) -> Result<String, ApiError> {
        answers::commit_tree(&self.get(&format!("git/commits/{sha}"))?)
    }

    fn tree(&self, sha: &str) -> Result<Vec<TreeEntry>, ApiError> {
        answers::tree(&self.get(&format!("git/trees/{sha}?recursive=1"))?)
    }

    fn blob(&self, sha: &str) -> Result<Vec<u8>, ApiError> {
        answers::blob(sha, &self.get(&format!("git/blobs/{sha}"))?)
    }

    fn blobs(&self, shas: &[String]) -> Result<Vec<Vec<u8>>, ApiError> {
        let uris: Vec<String> = shas.iter().map(|sha| format!("{}/git/blobs/{sha}", self.repo_path)).collect();
        let answers = self.get_many(&uris, PARALLEL_READS)?;
        shas.iter()
            .zip(answers)
            .map(|(sha, answer)| answers::blob(sha, &answers::json(answer.status, &answer.body)?))
            .collect()
    }

    fn create_blob(&self, bytes: &[u8]) -> Result<String, ApiError> {
        let content = base64::engine::general_purpose::STANDARD.encode(bytes);
        answers::created_sha(
            &self.post("git/blobs", &json!({ "content": content, "encoding": "base64" }))?,
            "a new blob",
        )
    }

    fn create_tree(&self, base: Option<&str>, entries: &[(String, Option<String>)]) -> Result<String, ApiError> {
        let tree: Vec<Value> = entries
            .iter()
            .map(|(path, sha)| json!({ "path": path, "mode": "100644", "type": "blob", "sha": sha }))
            .collect();
        let mut body = json!({ "tree": tree });
        if let Some(base) = base {
            body["base_tree"] = json!(base);
        }
        answers::created_sha(&self.post("git/trees", &body)?, "a new tree")
    }

    fn create_commit(&self, message: &str, tree: &str, parents: &[String]) -> Result<String, ApiError> {
        let body = json!({ "message": message, "tree": tree, "parents": parents });
        answers::created_sha(&self.post("git/commits", &body)?, "a new commit")
    }

    fn merge_base(&self, base: &str, head: &str) -> Result<Option<MergeBase>, ApiError> {
        // Only the merge base is wanted: one commit and no files per page.
        let path = format!("compare/{}...{}?per_page=1", encode_path(base), encode_path(head));
        match self.get(&path) {
            Ok(v) => Ok(answers::merge_base(&v)),
            Err(e) if e.status == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_paths_keep_slashes_and_escape_the_rest() {
        assert_eq!(encode_path("feature/x y#1"), "feature/x%20y%231");
    }
}
