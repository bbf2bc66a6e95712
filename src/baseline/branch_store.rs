//! The branch store: the layout's files on a data branch of the repository
//! (`github:BRANCH[:DIR]`), read and written through GitHub's Git data API with the job's
//! token — no git binary, no checkout.
//!
//! A read is one consistent snapshot: the branch's commit, its tree, then the blobs asked for
//! (the blobs API returns files of any size up to 100 MB; the contents API's JSON has no
//! content past 1 MB, and a store that took that for an empty file overwrote real histories,
//! CDCgov/ixa#882). A write creates blobs, a tree on top of the snapshot's and a commit whose
//! parent is the snapshot's commit, then moves the branch with a *non-forced* ref update: if
//! another job moved it first GitHub refuses (422), and the change is computed again from the
//! new tip — optimistic concurrency, never last-writer-wins (the races behind
//! benchmark-action/github-action-benchmark#358). The branch is created as an orphan when
//! missing. Nothing is visible until the ref moves, so a killed save leaves the store as it was.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::layout::{Changes, Files};
use super::select::MergeBase;
use super::Store;
use crate::error::{Error, Result};
// `github::http` is a leaf (plain types of one HTTP exchange), below every stage.
use crate::github::http::ApiError;

/// One file or folder of a tree listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub path: String,
    /// "blob" or "tree".
    pub kind: String,
    pub sha: String,
}

/// The outcome of moving or creating a ref.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefUpdate {
    Done,
    /// Someone else moved the branch (or created it) first.
    Conflict,
}

/// The narrow slice of GitHub's API the store needs (beside the comment/status one).
pub trait GitData {
    /// "owner/repo", for messages.
    fn repository(&self) -> String;
    /// The branch's commit; `None` when the branch does not exist.
    fn get_ref(&self, branch: &str) -> Result<Option<String>, ApiError>;
    fn create_ref(&self, branch: &str, sha: &str) -> Result<RefUpdate, ApiError>;
    /// A non-forced update: `Conflict` when `sha` does not descend from the branch's commit.
    fn update_ref(&self, branch: &str, sha: &str) -> Result<RefUpdate, ApiError>;
    /// The tree of a commit.
    fn commit_tree(&self, sha: &str) -> Result<String, ApiError>;
    /// Every entry under a tree, recursively; an error if GitHub truncated the listing.
    fn tree(&self, sha: &str) -> Result<Vec<TreeEntry>, ApiError>;
    fn blob(&self, sha: &str) -> Result<Vec<u8>, ApiError>;
    /// Several blobs, in order; an implementation may read them concurrently.
    fn blobs(&self, shas: &[String]) -> Result<Vec<Vec<u8>>, ApiError> {
        shas.iter().map(|sha| self.blob(sha)).collect()
    }
    fn create_blob(&self, bytes: &[u8]) -> Result<String, ApiError>;
    /// A tree from `base` with `entries` set (`Some(blob)`) or deleted (`None`); paths may
    /// hold `/`.
    fn create_tree(&self, base: Option<&str>, entries: &[(String, Option<String>)]) -> Result<String, ApiError>;
    fn create_commit(&self, message: &str, tree: &str, parents: &[String]) -> Result<String, ApiError>;
    /// The merge base of `head` with `base` (a branch or a commit).
    fn merge_base(&self, base: &str, head: &str) -> Result<Option<MergeBase>, ApiError>;
}

pub struct BranchStore {
    api: Box<dyn GitData>,
    branch: String,
    /// The folder inside the branch, without slashes at either end; empty for the root.
    dir: String,
    /// Bound on one update's attempts and waits.
    patience: Duration,
}

/// A snapshot: the branch's commit and tree, the files under the store's folder.
struct Snapshot<'a> {
    store: &'a BranchStore,
    commit: String,
    tree: String,
    /// Path inside the store's folder → blob.
    blobs: BTreeMap<String, String>,
}

impl BranchStore {
    pub fn new(api: Box<dyn GitData>, branch: &str, dir: &str) -> BranchStore {
        BranchStore { api, branch: branch.to_string(), dir: dir.to_string(), patience: Duration::from_secs(120) }
    }

    fn fail(&self, doing: &str, e: &ApiError) -> Error {
        let hint = if e.is_permission() {
            if doing.starts_with("read") {
                " — the job's token needs `contents: read`"
            } else {
                " — saving needs `permissions: contents: write` for the job (a pull request from a fork gets a read-only token: save on pushes only)"
            }
        } else {
            ""
        };
        Error::Remote(format!("{}: cannot {doing}: {e}{hint}", self.describe()))
    }

    fn full_path(&self, path: &str) -> String {
        if self.dir.is_empty() {
            path.to_string()
        } else {
            format!("{}/{path}", self.dir)
        }
    }

    fn snapshot(&self) -> Result<Option<Snapshot<'_>>> {
        let Some(commit) = self.api.get_ref(&self.branch).map_err(|e| self.fail("read the branch", &e))? else {
            return Ok(None);
        };
        let tree = self.api.commit_tree(&commit).map_err(|e| self.fail("read the branch's commit", &e))?;
        let entries = self.api.tree(&tree).map_err(|e| self.fail("read the branch's files", &e))?;
        let prefix = if self.dir.is_empty() { String::new() } else { format!("{}/", self.dir) };
        let blobs = entries
            .into_iter()
            .filter(|e| e.kind == "blob")
            .filter_map(|e| Some((e.path.strip_prefix(&prefix)?.to_string(), e.sha)))
            .collect();
        Ok(Some(Snapshot { store: self, commit, tree, blobs }))
    }
}

impl Files for Snapshot<'_> {
    fn paths(&self) -> Result<Vec<String>> {
        Ok(self.blobs.keys().cloned().collect())
    }

    fn read(&self, path: &str) -> Result<Option<Cow<'_, [u8]>>> {
        let Some(sha) = self.blobs.get(path) else { return Ok(None) };
        let bytes = self.store.api.blob(sha).map_err(|e| self.store.fail(&format!("read {}", self.name(path)), &e))?;
        Ok(Some(Cow::Owned(bytes)))
    }

    fn exists(&self, path: &str) -> Result<bool> {
        Ok(self.blobs.contains_key(path))
    }

    fn read_many(&self, paths: &[&str]) -> Result<Vec<Option<Cow<'_, [u8]>>>> {
        let known: Vec<(usize, String)> =
            paths.iter().enumerate().filter_map(|(i, p)| Some((i, self.blobs.get(*p)?.clone()))).collect();
        let shas: Vec<String> = known.iter().map(|(_, sha)| sha.clone()).collect();
        let what = format!("read {} files of {}", shas.len(), self.name(""));
        let bytes = self.store.api.blobs(&shas).map_err(|e| self.store.fail(&what, &e))?;
        let mut out: Vec<Option<Cow<'_, [u8]>>> = paths.iter().map(|_| None).collect();
        for ((i, _), b) in known.into_iter().zip(bytes) {
            out[i] = Some(Cow::Owned(b));
        }
        Ok(out)
    }

    fn name(&self, path: &str) -> String {
        let short: String = self.commit.chars().take(7).collect();
        format!("{}@{short}:{}", self.store.branch, self.store.full_path(path))
    }
}

/// Files of a branch that does not exist yet.
struct Empty;

impl Files for Empty {
    fn paths(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
    fn read(&self, _: &str) -> Result<Option<Cow<'_, [u8]>>> {
        Ok(None)
    }
    fn name(&self, path: &str) -> String {
        path.to_string()
    }
}

impl Store for BranchStore {
    fn describe(&self) -> String {
        let dir = if self.dir.is_empty() { String::new() } else { format!(" (folder {})", self.dir) };
        format!("branch {} of {}{dir}", self.branch, self.api.repository())
    }

    fn read(&self) -> Result<Option<Box<dyn Files + '_>>> {
        Ok(self.snapshot()?.map(|s| Box::new(s) as Box<dyn Files>))
    }

    fn update(&self, message: &str, change: &mut dyn FnMut(&dyn Files) -> Result<Changes>) -> Result<Changes> {
        let start = Instant::now();
        // Blobs are content-addressed: one created on an attempt that lost the race is reused.
        let mut created: HashMap<Vec<u8>, String> = HashMap::new();
        for attempt in 1u32.. {
            let snapshot = self.snapshot()?;
            let files: &dyn Files = match &snapshot {
                Some(s) => s,
                None => &Empty,
            };
            let changes = change(files)?;
            if changes.is_empty() {
                return Ok(changes);
            }
            let mut entries = Vec::with_capacity(changes.len());
            for (path, content) in &changes {
                match content {
                    Some(bytes) => {
                        let sha = match created.get(bytes) {
                            Some(sha) => sha.clone(),
                            None => {
                                let sha = self.api.create_blob(bytes).map_err(|e| self.fail("write a file", &e))?;
                                created.insert(bytes.clone(), sha.clone());
                                sha
                            }
                        };
                        entries.push((self.full_path(path), Some(sha)));
                    }
                    // GitHub refuses to delete what the base tree does not hold.
                    None if snapshot.as_ref().is_some_and(|s| s.blobs.contains_key(path)) => {
                        entries.push((self.full_path(path), None))
                    }
                    None => {}
                }
            }
            let base = snapshot.as_ref().map(|s| s.tree.as_str());
            let tree = self.api.create_tree(base, &entries).map_err(|e| self.fail("write the tree", &e))?;
            let parents: Vec<String> = snapshot.iter().map(|s| s.commit.clone()).collect();
            let commit =
                self.api.create_commit(message, &tree, &parents).map_err(|e| self.fail("write the commit", &e))?;
            let moved = match &snapshot {
                Some(_) => self.api.update_ref(&self.branch, &commit),
                None => self.api.create_ref(&self.branch, &commit),
            }
            .map_err(|e| self.fail("move the branch", &e))?;
            if moved == RefUpdate::Done {
                return Ok(changes);
            }
            // Someone else saved first: back off (with jitter, so twenty racing jobs spread
            // out), then compute the change again on their result.
            let wait = Duration::from_millis(50 << attempt.min(6)).mul_f64(0.5 + fastrand::f64());
            if start.elapsed() + wait > self.patience {
                return Err(Error::Remote(format!(
                    "{}: gave up after {attempt} attempts in {:.0} s: other jobs kept moving the branch",
                    self.describe(),
                    start.elapsed().as_secs_f64()
                )));
            }
            std::thread::sleep(wait);
        }
        unreachable!("the loop returns")
    }
}

#[cfg(test)]
mod tests {
    //! The store against an in-memory Git, so the merge-on-conflict logic is tested without
    //! HTTP; the end-to-end tests run it against the fake GitHub API.
    use super::*;
    use crate::baseline::layout;
    use crate::baseline::stored::{StoredContext, StoredRun};
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct Git {
        objects: HashMap<String, Object>,
        refs: HashMap<String, String>,
        next: u64,
    }

    #[derive(Clone)]
    enum Object {
        Blob(Vec<u8>),
        Tree(BTreeMap<String, String>),
        Commit { tree: String, parents: Vec<String> },
    }

    #[derive(Clone, Default)]
    struct MemoryGit(Arc<Mutex<Git>>);

    impl MemoryGit {
        fn put(&self, o: Object) -> String {
            let mut g = self.0.lock().unwrap();
            g.next += 1;
            let sha = format!("{:040x}", g.next);
            g.objects.insert(sha.clone(), o);
            sha
        }
        fn descends(g: &Git, from: &str, ancestor: &str) -> bool {
            if from == ancestor {
                return true;
            }
            match g.objects.get(from) {
                Some(Object::Commit { parents, .. }) => parents.iter().any(|p| Self::descends(g, p, ancestor)),
                _ => false,
            }
        }
    }

    impl GitData for MemoryGit {
        fn repository(&self) -> String {
            "o/r".into()
        }
        fn get_ref(&self, branch: &str) -> Result<Option<String>, ApiError> {
            Ok(self.0.lock().unwrap().refs.get(branch).cloned())
        }
        fn create_ref(&self, branch: &str, sha: &str) -> Result<RefUpdate, ApiError> {
            let mut g = self.0.lock().unwrap();
            if g.refs.contains_key(branch) {
                return Ok(RefUpdate::Conflict);
            }
            g.refs.insert(branch.into(), sha.into());
            Ok(RefUpdate::Done)
        }
        fn update_ref(&self, branch: &str, sha: &str) -> Result<RefUpdate, ApiError> {
            let mut g = self.0.lock().unwrap();
            let current = g.refs[branch].clone();
            if !Self::descends(&g, sha, &current) {
                return Ok(RefUpdate::Conflict);
            }
            g.refs.insert(branch.into(), sha.into());
            Ok(RefUpdate::Done)
        }
        fn commit_tree(&self, sha: &str) -> Result<String, ApiError> {
            match &self.0.lock().unwrap().objects[sha] {
                Object::Commit { tree, .. } => Ok(tree.clone()),
                _ => panic!("not a commit"),
            }
        }
        fn tree(&self, sha: &str) -> Result<Vec<TreeEntry>, ApiError> {
            match &self.0.lock().unwrap().objects[sha] {
                Object::Tree(t) => Ok(t
                    .iter()
                    .map(|(p, s)| TreeEntry { path: p.clone(), kind: "blob".into(), sha: s.clone() })
                    .collect()),
                _ => panic!("not a tree"),
            }
        }
        fn blob(&self, sha: &str) -> Result<Vec<u8>, ApiError> {
            match &self.0.lock().unwrap().objects[sha] {
                Object::Blob(b) => Ok(b.clone()),
                _ => panic!("not a blob"),
            }
        }
        fn create_blob(&self, bytes: &[u8]) -> Result<String, ApiError> {
            Ok(self.put(Object::Blob(bytes.to_vec())))
        }
        fn create_tree(&self, base: Option<&str>, entries: &[(String, Option<String>)]) -> Result<String, ApiError> {
            let mut tree = match base {
                Some(b) => match &self.0.lock().unwrap().objects[b] {
                    Object::Tree(t) => t.clone(),
                    _ => panic!("not a tree"),
                },
                None => BTreeMap::new(),
            };
            for (path, sha) in entries {
                match sha {
                    Some(s) => tree.insert(path.clone(), s.clone()),
                    None => tree.remove(path),
                };
            }
            Ok(self.put(Object::Tree(tree)))
        }
        fn create_commit(&self, _: &str, tree: &str, parents: &[String]) -> Result<String, ApiError> {
            Ok(self.put(Object::Commit { tree: tree.into(), parents: parents.to_vec() }))
        }
        fn merge_base(&self, _: &str, _: &str) -> Result<Option<MergeBase>, ApiError> {
            Ok(None)
        }
    }

    fn run(i: usize) -> StoredRun {
        StoredRun { context: StoredContext { commit: Some(format!("c{i}")), ..Default::default() }, metrics: vec![] }
    }

    #[test]
    fn racing_saves_all_land() {
        let git = MemoryGit::default();
        let threads: Vec<_> = (0..12)
            .map(|i| {
                let git = git.clone();
                std::thread::spawn(move || {
                    let store = BranchStore::new(Box::new(git), "data", "perf");
                    store.update("save", &mut |f| layout::record(f, "main", &run(i), 50)).unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let store = BranchStore::new(Box::new(git.clone()), "data", "perf");
        let files = store.read().unwrap().unwrap();
        let index = layout::read_index(files.as_ref(), "main").unwrap().unwrap();
        assert_eq!(index.runs.len(), 12);
        assert!(files.name("x").starts_with("data@"), "{}", files.name("x"));
        let tree = git.tree(&git.commit_tree(&git.get_ref("data").unwrap().unwrap()).unwrap()).unwrap();
        assert!(tree.iter().all(|e| e.path.starts_with("perf/")), "everything under the folder");
    }

    #[test]
    fn a_missing_branch_reads_as_no_store_and_is_created_as_an_orphan() {
        let git = MemoryGit::default();
        let store = BranchStore::new(Box::new(git.clone()), "data", "");
        assert!(store.read().unwrap().is_none());
        store.update("save", &mut |f| layout::record(f, "main", &run(1), 50)).unwrap();
        let head = git.get_ref("data").unwrap().unwrap();
        let object = git.0.lock().unwrap().objects[&head].clone();
        assert!(matches!(object, Object::Commit { parents, .. } if parents.is_empty()));
    }
}
