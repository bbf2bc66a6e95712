//! Baselines: a bounded history of runs per branch, and the stores that keep it.
//!
//! A PR is compared with the newest run of its base branch; the whole history feeds the noise
//! model. Stores are behind [`Store`] so the local file (today) and a repository branch (later)
//! share the merge logic: a save is always read-merge-write, never a blind overwrite.

mod file_store;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Run;

pub use file_store::FileStore;

/// The baseline file format's version; bumped only with a migration.
pub const FORMAT_VERSION: u32 = 1;
/// Runs kept per branch unless configured otherwise.
pub const DEFAULT_KEEP: usize = 50;

/// Everything a store holds: per branch, runs oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    pub version: u32,
    pub branches: BTreeMap<String, Vec<Run>>,
}

impl History {
    pub fn new() -> Self {
        History { version: FORMAT_VERSION, branches: BTreeMap::new() }
    }

    /// Adds `run` to its branch, replacing an earlier run of the same commit (a re-run must not
    /// count twice in the noise model), and keeps the newest `keep` runs.
    pub fn record(&mut self, branch: &str, mut run: Run, keep: usize) {
        for metric in &mut run.metrics {
            // Where a file was read on one machine means nothing to the next run.
            metric.source = None;
        }
        let runs = self.branches.entry(branch.to_string()).or_default();
        if let Some(commit) = &run.context.commit {
            runs.retain(|r| r.context.commit.as_ref() != Some(commit));
        }
        runs.push(run);
        let excess = runs.len().saturating_sub(keep.max(1));
        runs.drain(..excess);
    }

    /// The comparison for a PR whose base is `branch`; `None` if that branch has no runs yet.
    /// Without a branch: the only branch, or `main`/`master` when several exist.
    pub fn comparison(&self, branch: Option<&str>) -> Result<Option<Comparison>> {
        let name = match branch {
            Some(b) => b.to_string(),
            None if self.branches.len() == 1 => self.branches.keys().next().cloned().unwrap_or_default(),
            None if self.branches.is_empty() => return Ok(None),
            None => match ["main", "master"].into_iter().find(|b| self.branches.contains_key(*b)) {
                Some(b) => b.to_string(),
                None => {
                    return Err(Error::Usage(format!(
                        "the baseline holds several branches ({}); say which to compare with: --baseline-branch NAME",
                        self.branches.keys().cloned().collect::<Vec<_>>().join(", ")
                    )))
                }
            },
        };
        Ok(self.branches.get(&name).and_then(|runs| {
            runs.last().map(|newest| Comparison { branch: name.clone(), newest: newest.clone(), history: runs.clone() })
        }))
    }
}

/// What a run is compared with: the base branch's newest run and its history (oldest first,
/// newest included).
#[derive(Debug, Clone)]
pub struct Comparison {
    pub branch: String,
    pub newest: Run,
    pub history: Vec<Run>,
}

/// Where histories live. `save` must merge with whatever is stored, never overwrite it.
pub trait Store {
    fn load(&self) -> Result<Option<History>>;
    fn save(&self, branch: &str, run: Run, keep: usize) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunContext;

    fn run(commit: &str, time: &str) -> Run {
        Run {
            context: RunContext { commit: Some(commit.into()), time: Some(time.into()), ..Default::default() },
            metrics: vec![],
        }
    }

    #[test]
    fn record_bounds_and_replaces_reruns() {
        let mut h = History::new();
        for i in 0..5 {
            h.record("main", run(&format!("c{i}"), &format!("t{i}")), 3);
        }
        let commits: Vec<_> = h.branches["main"].iter().map(|r| r.context.commit.clone().unwrap()).collect();
        assert_eq!(commits, ["c2", "c3", "c4"]);
        h.record("main", run("c3", "t9"), 3);
        let commits: Vec<_> = h.branches["main"].iter().map(|r| r.context.commit.clone().unwrap()).collect();
        assert_eq!(commits, ["c2", "c4", "c3"]);
    }

    #[test]
    fn comparison_picks_the_branch() {
        let mut h = History::new();
        assert!(h.comparison(None).unwrap().is_none());
        h.record("main", run("a", "t"), 50);
        h.record("dev", run("b", "t"), 50);
        assert_eq!(h.comparison(None).unwrap().unwrap().branch, "main");
        assert_eq!(h.comparison(Some("dev")).unwrap().unwrap().newest.context.commit.as_deref(), Some("b"));
        assert!(h.comparison(Some("nope")).unwrap().is_none());
    }
}
