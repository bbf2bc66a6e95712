//! What GitHub's answers mean: plain functions from a response's JSON body (or headers) to
//! our types, apart from the requests that fetched them, so each can be tested and fuzzed on
//! any bytes a server might send (`fuzz/fuzz_targets/github_answers.rs`). A missing or
//! mistyped field is an "unexpected answer" error naming the field, never a panic or a default
//! that would pass for data.

use base64::Engine;
use serde_json::Value;

use super::http::ApiError;
use crate::baseline::branch_store::TreeEntry;
use crate::baseline::select::MergeBase;

/// An issue comment as far as we need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub body: String,
    pub html_url: String,
}

fn unexpected(what: &str) -> ApiError {
    ApiError { status: None, message: format!("unexpected answer from GitHub: {what}"), uncertain: false }
}

/// A response body as JSON.
pub fn json(status: u16, body: &str) -> Result<Value, ApiError> {
    serde_json::from_str(body).map_err(|e| ApiError {
        status: Some(status),
        message: format!("unexpected response from GitHub ({e})"),
        uncertain: false,
    })
}

/// One comment (`POST`/`PATCH` of a comment, or an element of a listing).
pub fn comment(value: &Value) -> Result<Comment, ApiError> {
    Ok(Comment {
        id: value["id"].as_u64().ok_or_else(|| unexpected("a comment without a numeric id"))?,
        body: value["body"].as_str().unwrap_or_default().to_string(),
        html_url: value["html_url"].as_str().unwrap_or_default().to_string(),
    })
}

/// A page of a comment listing: an array of comments.
pub fn comment_page(value: &Value) -> Result<Vec<Comment>, ApiError> {
    value.as_array().ok_or_else(|| unexpected("a comment listing that is not an array"))?.iter().map(comment).collect()
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(headers: &http::HeaderMap) -> Option<String> {
    let link = headers.get(http::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then(|| url.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

/// A created check run's id.
pub fn check_run_id(value: &Value) -> Result<u64, ApiError> {
    value["id"].as_u64().ok_or_else(|| unexpected("a check run without a numeric id"))
}

/// The commit a ref points at (`GET git/ref/heads/B`).
pub fn ref_commit(value: &Value) -> Result<String, ApiError> {
    value["object"]["sha"].as_str().map(str::to_string).ok_or_else(|| unexpected("a ref without object.sha"))
}

/// The tree of a commit (`GET git/commits/SHA`).
pub fn commit_tree(value: &Value) -> Result<String, ApiError> {
    value["tree"]["sha"].as_str().map(str::to_string).ok_or_else(|| unexpected("a commit without tree.sha"))
}

/// A recursive tree listing (`GET git/trees/SHA?recursive=1`); a truncated one is an error,
/// since files missing from it would read as runs that were never saved.
pub fn tree(value: &Value) -> Result<Vec<TreeEntry>, ApiError> {
    if value["truncated"].as_bool() == Some(true) {
        return Err(unexpected("the tree listing was truncated (over 100,000 files): prune the store"));
    }
    let entries = value["tree"].as_array().ok_or_else(|| unexpected("a tree without entries"))?;
    entries
        .iter()
        .map(|e| {
            Ok(TreeEntry {
                path: e["path"].as_str().ok_or_else(|| unexpected("a tree entry without path"))?.to_string(),
                kind: e["type"].as_str().unwrap_or_default().to_string(),
                sha: created_sha(e, "a tree entry")?,
            })
        })
        .collect()
}

/// A blob's bytes (`GET git/blobs/SHA`), checked against its stated size.
pub fn blob(sha: &str, value: &Value) -> Result<Vec<u8>, ApiError> {
    let content = value["content"].as_str().ok_or_else(|| unexpected("a blob without content"))?;
    let bytes = match value["encoding"].as_str() {
        Some("base64") => {
            let clean: String = content.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map_err(|e| unexpected(&format!("a blob whose base64 does not decode ({e})")))?
        }
        Some("utf-8") => content.as_bytes().to_vec(),
        other => return Err(unexpected(&format!("a blob in encoding {other:?}"))),
    };
    // A short answer must never pass for the file (CDCgov/ixa#882).
    match value["size"].as_u64() {
        Some(size) if size != bytes.len() as u64 => {
            Err(unexpected(&format!("blob {sha} is {size} bytes but {} arrived", bytes.len())))
        }
        _ => Ok(bytes),
    }
}

/// The `sha` of a created object (blob, tree, commit) or of a tree entry.
pub fn created_sha(value: &Value, what: &str) -> Result<String, ApiError> {
    value["sha"].as_str().map(str::to_string).ok_or_else(|| unexpected(&format!("{what} without a sha")))
}

/// The merge base of a compare answer (`GET compare/BASE...HEAD`); `None` when it has none.
pub fn merge_base(value: &Value) -> Option<MergeBase> {
    let commit = &value["merge_base_commit"];
    commit["sha"].as_str().map(|sha| MergeBase {
        sha: sha.to_string(),
        time: commit["commit"]["committer"]["date"].as_str().map(str::to_string),
    })
}

/// GitHub's `message` plus the messages of its `errors`, or the start of the body.
pub fn error_message(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(v) if v["message"].is_string() => {
            let mut text = v["message"].as_str().unwrap_or_default().to_string();
            for e in v["errors"].as_array().into_iter().flatten() {
                if let Some(m) = e["message"].as_str().or(e["code"].as_str()) {
                    text.push_str("; ");
                    text.push_str(m);
                }
            }
            text
        }
        _ => body.chars().take(200).collect::<String>().trim().to_string(),
    }
}

/// How long GitHub asks us to wait, if a response with `status` and `headers` is a rate limit:
/// `Retry-After` seconds, else until `x-ratelimit-reset` when nothing remains, else a minute for
/// a secondary limit (GitHub's docs). `now` is seconds since the Unix epoch.
pub fn rate_limit_wait(status: u16, headers: &http::HeaderMap, message: &str, now: u64) -> Option<std::time::Duration> {
    use std::time::Duration;
    if status != 403 && status != 429 {
        return None;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(secs) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    if header("x-ratelimit-remaining") == Some("0") {
        if let Some(reset) = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok()) {
            return Some(Duration::from_secs(reset.saturating_sub(now).max(1)));
        }
    }
    (status == 429 || message.to_lowercase().contains("rate limit")).then_some(Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn next_link_is_found_among_the_others() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::LINK,
            "<https://api.github.com/repos/o/r/issues/1/comments?page=3>; rel=\"next\", <https://api.github.com/repos/o/r/issues/1/comments?page=5>; rel=\"last\""
                .parse()
                .unwrap(),
        );
        assert_eq!(next_link(&headers).as_deref(), Some("https://api.github.com/repos/o/r/issues/1/comments?page=3"));
        headers.insert(http::header::LINK, "<https://x/?page=1>; rel=\"prev\"".parse().unwrap());
        assert_eq!(next_link(&headers), None);
    }

    #[test]
    fn a_listing_with_a_comment_without_id_is_an_error_not_a_comment_zero() {
        let page = json!([{"id": 1, "body": "a"}, {"body": "no id"}]);
        let e = comment_page(&page).unwrap_err();
        assert!(e.message.contains("without a numeric id"), "{e}");
        assert!(comment_page(&json!({"message": "Not Found"})).is_err());
    }

    #[test]
    fn a_truncated_tree_is_refused() {
        let e = tree(&json!({"truncated": true, "tree": []})).unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
        let entries = tree(&json!({"tree": [{"path": "a", "type": "blob", "sha": "1"}]})).unwrap();
        assert_eq!(entries[0].path, "a");
    }

    #[test]
    fn a_short_blob_never_passes_for_the_file() {
        let e = blob("s", &json!({"content": "aGVsbG8=", "encoding": "base64", "size": 6})).unwrap_err();
        assert!(e.message.contains("6 bytes but 5 arrived"), "{e}");
        assert_eq!(blob("s", &json!({"content": "aGVs\nbG8=\n", "encoding": "base64", "size": 5})).unwrap(), b"hello");
    }

    #[test]
    fn error_messages_carry_githubs_errors() {
        let body = r#"{"message":"Validation Failed","errors":[{"code":"custom","message":"body is too long"}]}"#;
        assert_eq!(error_message(body), "Validation Failed; body is too long");
        assert_eq!(error_message("<html>bad gateway</html>"), "<html>bad gateway</html>");
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-ratelimit-remaining", "0".parse().unwrap());
        headers.insert("x-ratelimit-reset", "1010".parse().unwrap());
        assert_eq!(
            rate_limit_wait(403, &headers, "API rate limit exceeded", 1000),
            Some(std::time::Duration::from_secs(10))
        );
        assert_eq!(rate_limit_wait(403, &headers, "", 5000), Some(std::time::Duration::from_secs(1)));
        assert_eq!(rate_limit_wait(404, &headers, "", 1000), None);
        assert_eq!(rate_limit_wait(403, &http::HeaderMap::new(), "Resource not accessible", 0), None);
    }
}
