//! The sticky PR comment: one per gate, found by a hidden marker across every page of the PR's
//! comments, edited in place on re-runs, and never posted twice — even when a POST fails on
//! the wire after GitHub stored it.

use super::client::{ApiError, Comment, GitHubApi};

pub use crate::outcome::CommentMode;

/// The hidden marker that identifies this gate's comment.
pub fn marker(gate_id: &str) -> String {
    format!("<!-- budgetgate:{gate_id} -->")
}

/// Posts or updates the gate's comment. An existing comment is always brought up to date, even
/// when `wanted` is false, so a PR that went from failing to passing shows no stale red table.
/// Returns the comment, or `None` when nothing was (or needed to be) posted.
pub fn upsert(
    api: &dyn GitHubApi,
    pr: u64,
    marker: &str,
    body: &str,
    wanted: bool,
) -> Result<Option<Comment>, ApiError> {
    let existing = find(api, pr, marker)?;
    if let Some(comment) = existing {
        return update_if_changed(api, comment, body).map(Some);
    }
    if !wanted {
        return Ok(None);
    }
    let mut last_error = None;
    for _ in 0..3 {
        match api.create_comment(pr, body) {
            Ok(comment) => return Ok(Some(comment)),
            Err(e) if e.uncertain => {
                // GitHub may have stored it: look before posting again.
                eprintln!("budgetgate: GitHub: creating the comment failed ({e}); checking whether it was stored");
                if let Some(comment) = find(api, pr, marker)? {
                    return update_if_changed(api, comment, body).map(Some);
                }
                last_error = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(last_error.expect("the loop ran and failed"))
}

fn find(api: &dyn GitHubApi, pr: u64, marker: &str) -> Result<Option<Comment>, ApiError> {
    Ok(api.list_comments(pr)?.into_iter().find(|c| c.body.contains(marker)))
}

fn update_if_changed(api: &dyn GitHubApi, comment: Comment, body: &str) -> Result<Comment, ApiError> {
    if comment.body == body {
        return Ok(comment);
    }
    api.update_comment(comment.id, body)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::github::client::StatusRequest;
    use std::cell::RefCell;

    /// An in-memory GitHub with scripted failures, for the publishing logic.
    #[derive(Default)]
    pub struct Memory {
        pub comments: RefCell<Vec<Comment>>,
        /// Failures for the next create calls: (stored anyway?, error).
        pub create_failures: RefCell<Vec<(bool, ApiError)>>,
        pub calls: RefCell<Vec<String>>,
    }

    impl GitHubApi for Memory {
        fn list_comments(&self, _pr: u64) -> Result<Vec<Comment>, ApiError> {
            self.calls.borrow_mut().push("list".into());
            Ok(self.comments.borrow().clone())
        }
        fn create_comment(&self, _pr: u64, body: &str) -> Result<Comment, ApiError> {
            self.calls.borrow_mut().push("create".into());
            let failure = self.create_failures.borrow_mut().pop();
            let stored = failure.as_ref().is_none_or(|(stored, _)| *stored);
            let comment =
                Comment { id: 100 + self.comments.borrow().len() as u64, body: body.into(), html_url: "u".into() };
            if stored {
                self.comments.borrow_mut().push(comment.clone());
            }
            match failure {
                Some((_, e)) => Err(e),
                None => Ok(comment),
            }
        }
        fn update_comment(&self, id: u64, body: &str) -> Result<Comment, ApiError> {
            self.calls.borrow_mut().push(format!("update {id}"));
            let mut comments = self.comments.borrow_mut();
            let c = comments.iter_mut().find(|c| c.id == id).unwrap();
            c.body = body.into();
            Ok(c.clone())
        }
        fn create_status(&self, _sha: &str, _s: &StatusRequest) -> Result<(), ApiError> {
            Ok(())
        }
        fn create_check_run(&self, _r: &serde_json::Value) -> Result<u64, ApiError> {
            Ok(1)
        }
        fn update_check_run(&self, _id: u64, _r: &serde_json::Value) -> Result<(), ApiError> {
            Ok(())
        }
    }

    fn lost() -> ApiError {
        ApiError { status: Some(502), message: "Bad Gateway".into(), uncertain: true }
    }

    #[test]
    fn creates_once_then_edits_in_place() {
        let api = Memory::default();
        let m = marker("budgets.yaml");
        upsert(&api, 1, &m, &format!("{m}\nred"), true).unwrap();
        upsert(&api, 1, &m, &format!("{m}\ngreen"), false).unwrap();
        let comments = api.comments.borrow();
        assert_eq!(comments.len(), 1);
        assert!(comments[0].body.ends_with("green"), "a passing re-run updates the old comment");
    }

    #[test]
    fn a_post_lost_after_github_stored_it_is_not_repeated() {
        let api = Memory::default();
        api.create_failures.borrow_mut().push((true, lost()));
        let m = marker("g");
        let c = upsert(&api, 1, &m, &format!("{m} body"), true).unwrap().unwrap();
        assert_eq!(api.comments.borrow().len(), 1);
        assert_eq!(c.id, 100);
        assert_eq!(*api.calls.borrow(), ["list", "create", "list"]);
    }

    #[test]
    fn a_post_that_really_failed_is_tried_again() {
        let api = Memory::default();
        api.create_failures.borrow_mut().push((false, lost()));
        let m = marker("g");
        upsert(&api, 1, &m, &format!("{m} body"), true).unwrap().unwrap();
        assert_eq!(api.comments.borrow().len(), 1);
        assert_eq!(*api.calls.borrow(), ["list", "create", "list", "create"]);
    }

    #[test]
    fn nothing_to_say_and_no_comment_yet_posts_nothing() {
        let api = Memory::default();
        assert_eq!(upsert(&api, 1, &marker("g"), "x", false).unwrap(), None);
        assert!(api.comments.borrow().is_empty());
    }

    #[test]
    fn other_gates_comments_are_left_alone() {
        let api = Memory::default();
        api.comments.borrow_mut().push(Comment {
            id: 7,
            body: format!("{}\nother gate", marker("web")),
            html_url: "u".into(),
        });
        upsert(&api, 1, &marker("api"), &format!("{}\nmine", marker("api")), true).unwrap();
        assert_eq!(api.comments.borrow().len(), 2);
        assert!(api.comments.borrow()[0].body.ends_with("other gate"));
    }
}
