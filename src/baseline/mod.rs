//! Baselines: a bounded history of runs per branch, and the stores that keep it.
//!
//! A store is a set of files in one layout ([`layout`]): a local file ([`FileStore`], a
//! container of those files that CI persists itself) or a data branch of the repository
//! ([`BranchStore`], through GitHub's Git data API). Every change is a transaction,
//! [`Store::update`]: the change is computed from a fresh read and applied only if nobody else
//! wrote in between (a lock for the file, a non-forced ref update for the branch), else re-read
//! and computed again — so concurrent saves merge and a read failure is never "empty".

pub mod branch_store;
mod file_store;
pub mod history;
pub mod layout;
pub mod select;
pub mod stored;

use crate::error::{Error, Result};
use crate::model::Run;

pub use branch_store::{BranchStore, GitData};
pub use file_store::{FileStore, PendingSave};
pub use history::PackedRun;
pub use layout::{Changes, Files};
pub use select::{Comparison, Target};
pub use stored::{StoredRun, ToStore};

/// The version-1 file format (one JSON document), read for migration only.
pub const V1_FORMAT_VERSION: u32 = 1;
/// Runs kept per branch unless configured otherwise.
pub const DEFAULT_KEEP: usize = 50;
/// The data branch the documentation suggests.
pub const DEFAULT_DATA_BRANCH: &str = "budgetgate-data";

/// Where a history lives, as written on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    File(std::path::PathBuf),
    /// `github:BRANCH[:DIR]`: a branch of the repository the workflow runs in.
    Branch {
        branch: String,
        dir: String,
    },
}

impl Spec {
    pub fn parse(text: &str) -> Result<Spec> {
        let Some(rest) = text.strip_prefix("github:") else {
            if text.trim().is_empty() {
                return Err(Error::Usage("the baseline is empty: give a file path or github:BRANCH[:DIR]".into()));
            }
            return Ok(Spec::File(text.into()));
        };
        let (branch, dir) = rest.split_once(':').unwrap_or((rest, ""));
        let bad_branch = branch.is_empty()
            || branch.starts_with(['/', '-', '.'])
            || branch.ends_with(['/', '.'])
            || branch.ends_with(".lock")
            || branch.contains("..")
            || branch.contains("//")
            || branch.chars().any(|c| c.is_control() || " ~^:?*[\\".contains(c));
        if bad_branch {
            return Err(Error::Usage(format!(
                "`{}`: `{branch}` is not a usable branch name; write github:BRANCH[:DIR], for example github:{DEFAULT_DATA_BRANCH}",
                crate::escape::log_field(text)
            )));
        }
        let dir = dir.trim_matches('/');
        if dir.split('/').any(|part| part == ".." || part == ".") || dir.contains("//") {
            return Err(Error::Usage(format!(
                "`{}`: the folder `{dir}` must be a plain path inside the branch",
                crate::escape::log_field(text)
            )));
        }
        Ok(Spec::Branch { branch: branch.to_string(), dir: dir.to_string() })
    }
}

/// Where histories live.
pub trait Store {
    /// How messages name this store: "baseline file x.json", "branch budgetgate-data of o/r".
    fn describe(&self) -> String;
    /// One consistent view of the stored files; `None` when the store does not exist yet.
    fn read(&self) -> Result<Option<Box<dyn Files + '_>>>;
    /// Applies what `change` computes from the current files, as one transaction: if someone
    /// else wrote first, `change` runs again on their result. `message` describes the change
    /// (a commit message for the branch store). Returns the changes that were applied.
    fn update(&self, message: &str, change: &mut dyn FnMut(&dyn Files) -> Result<Changes>) -> Result<Changes>;
}

/// Opens the store a spec names. `connect` gives the GitHub data API for a branch store (the
/// token and repository come from the workflow's environment).
pub fn open(spec: &Spec, connect: &dyn Fn() -> Result<Box<dyn GitData>>) -> Result<Box<dyn Store>> {
    Ok(match spec {
        Spec::File(path) => Box::new(FileStore::new(path)),
        Spec::Branch { branch, dir } => Box::new(BranchStore::new(connect()?, branch, dir)),
    })
}

/// Adds `run` to `branch` of `store`, keeping `keep` runs.
pub fn save(store: &dyn Store, branch: &str, run: &Run, commit_time: Option<String>, keep: usize) -> Result<Changes> {
    let stored = StoredRun::to_save(&run.context, &run.metrics, commit_time);
    let message = format!("budgetgate: save {branch}@{} ({} metrics)", stored.short_commit(), stored.metrics.len());
    store.update(&message, &mut |files| layout::record(files, branch, &stored, keep))
}

/// [`save`] to a file store, prepared but not yet in place (see [`FileStore::prepare`]).
pub fn prepare_save<M: ToStore>(
    store: &FileStore,
    branch: &str,
    run: &StoredRun<M>,
    keep: usize,
) -> Result<PendingSave> {
    store.prepare(&mut |files| layout::record(files, branch, run, keep))
}

/// Where `--publish-dashboard` writes the history dashboard inside a store (a data branch's
/// folder, for GitHub Pages to serve).
pub const DASHBOARD_FILE: &str = "dashboard/index.html";

/// [`save`], and in the same commit the dashboard page that `page` builds from the store as it
/// will be after the save, so the published page always shows the run just saved.
pub fn save_with_dashboard(
    store: &dyn Store,
    branch: &str,
    run: &Run,
    commit_time: Option<String>,
    keep: usize,
    page: &dyn Fn(&dyn Files) -> Result<String>,
) -> Result<Changes> {
    let stored = StoredRun::to_save(&run.context, &run.metrics, commit_time);
    let message = format!(
        "budgetgate: save {branch}@{} ({} metrics) and the dashboard",
        stored.short_commit(),
        stored.metrics.len()
    );
    store.update(&message, &mut |files| {
        let mut after = layout::Overlay::new(files);
        after.apply(layout::record(files, branch, &stored, keep)?);
        let html = page(&after)?;
        let mut changes = after.into_changes();
        changes.insert(DASHBOARD_FILE.to_string(), Some(html.into_bytes()));
        Ok(changes)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!(Spec::parse("base.json").unwrap(), Spec::File("base.json".into()));
        assert_eq!(
            Spec::parse("github:budgetgate-data").unwrap(),
            Spec::Branch { branch: "budgetgate-data".into(), dir: String::new() }
        );
        assert_eq!(
            Spec::parse("github:data:perf/web/").unwrap(),
            Spec::Branch { branch: "data".into(), dir: "perf/web".into() }
        );
        for bad in ["github:", "github:a..b", "github:-x", "github:x:../y", "github:a b", ""] {
            assert!(Spec::parse(bad).is_err(), "{bad}");
        }
    }
}
