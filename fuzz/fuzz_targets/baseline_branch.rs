//! Any bytes as what GitHub's Git data API answers for a `github:BRANCH` store: a JSON object
//! `{"ref": …, "commit": …, "tree": …, "blobs": {SHA: …}, "compare": …}` whose members are the
//! answers to `GET git/ref`, `git/commits`, `git/trees?recursive=1`, `git/blobs/SHA` and
//! `compare` (a missing `ref` is a 404: no branch yet). The store is read and a comparison
//! chosen, as a PR job does, then a run is saved on it, as a push job does (layout.rs's
//! sequence numbers, catalogs and pruning against whatever index the answers hold).
#![no_main]
use budgetgate::baseline::branch_store::{RefUpdate, TreeEntry};
use budgetgate::baseline::select::{self, MergeBase};
use budgetgate::baseline::{BranchStore, GitData, Store};
use budgetgate::github::answers;
use budgetgate::github::http::ApiError;
use budgetgate::model::{Direction, Metric, Run, RunContext, Stat};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

struct Answers(Value);

impl GitData for Answers {
    fn repository(&self) -> String {
        "fuzz/repo".into()
    }
    fn get_ref(&self, _branch: &str) -> Result<Option<String>, ApiError> {
        match &self.0["ref"] {
            Value::Null => Ok(None),
            answer => answers::ref_commit(answer).map(Some),
        }
    }
    fn create_ref(&self, _branch: &str, _sha: &str) -> Result<RefUpdate, ApiError> {
        Ok(RefUpdate::Done)
    }
    fn update_ref(&self, _branch: &str, _sha: &str) -> Result<RefUpdate, ApiError> {
        Ok(RefUpdate::Done)
    }
    fn commit_tree(&self, _sha: &str) -> Result<String, ApiError> {
        answers::commit_tree(&self.0["commit"])
    }
    fn tree(&self, _sha: &str) -> Result<Vec<TreeEntry>, ApiError> {
        answers::tree(&self.0["tree"])
    }
    fn blob(&self, sha: &str) -> Result<Vec<u8>, ApiError> {
        answers::blob(sha, &self.0["blobs"][sha])
    }
    fn create_blob(&self, bytes: &[u8]) -> Result<String, ApiError> {
        Ok(format!("new-blob-{}", bytes.len()))
    }
    fn create_tree(&self, _base: Option<&str>, _entries: &[(String, Option<String>)]) -> Result<String, ApiError> {
        Ok("new-tree".into())
    }
    fn create_commit(&self, _message: &str, _tree: &str, _parents: &[String]) -> Result<String, ApiError> {
        Ok("new-commit".into())
    }
    fn merge_base(&self, _base: &str, _head: &str) -> Result<Option<MergeBase>, ApiError> {
        Ok(answers::merge_base(&self.0["compare"]))
    }
}

fn run() -> Run {
    let context = RunContext { commit: Some("fuzzcommit".into()), ..Default::default() };
    let metrics = vec![
        Metric::new("fib/10", "ns", Direction::LowerIsBetter).with_stat(Stat::Value, 10.0).with_stat(Stat::P95, 12.0),
        Metric::new("bundle/web", "B", Direction::LowerIsBetter).with_stat(Stat::Gzip, 1000.0),
    ];
    Run { context, metrics }
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else { return };
    let merge_base = answers::merge_base(&value["compare"]);
    let store = BranchStore::new(Box::new(Answers(value)), "budgetgate-data", "");
    if let Ok(Some(files)) = store.read() {
        let target = select::Target { branch: None, default_branch: Some("main".into()), merge_base };
        let _ = select::choose(files.as_ref(), &target, "fuzz", &mut Vec::new());
    }
    let _ = budgetgate::baseline::save(&store, "main", &run(), None, 5);
});
