//! The checkout's current branch and commit, read from `.git` directly (the image has no git
//! binary, and spawning one for two strings is not worth it). Outside CI this is what a run is
//! recorded under, so "record the baseline on main" means main and not `local` (issue 14.17).
//!
//! Handles a normal checkout, a worktree or submodule (`.git` is a file `gitdir: …`, refs in the
//! common dir), loose and packed refs, and a detached HEAD (a commit, no branch).

use std::path::{Path, PathBuf};

/// What HEAD points at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    pub branch: Option<String>,
    pub commit: Option<String>,
}

/// HEAD of the checkout containing `dir`, if `dir` is inside one.
pub fn head(dir: &Path) -> Option<Head> {
    let git_dir = find_git_dir(dir)?;
    let common = std::fs::read_to_string(git_dir.join("commondir"))
        .ok()
        .map(|c| git_dir.join(c.trim()))
        .unwrap_or_else(|| git_dir.clone());
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let head = head.trim();
    match head.strip_prefix("ref:").map(str::trim) {
        Some(reference) => Some(Head {
            branch: reference.strip_prefix("refs/heads/").map(str::to_string),
            commit: resolve(&git_dir, reference).or_else(|| resolve(&common, reference)),
        }),
        None if is_sha(head) => Some(Head { branch: None, commit: Some(head.to_string()) }),
        None => None,
    }
}

fn find_git_dir(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    for dir in start.ancestors() {
        let dot_git = dir.join(".git");
        if dot_git.is_dir() {
            return Some(dot_git);
        }
        if let Ok(text) = std::fs::read_to_string(&dot_git) {
            let target = text.trim().strip_prefix("gitdir:")?.trim().to_string();
            return Some(dir.join(target));
        }
    }
    None
}

/// The commit a ref names: a loose ref file, else the `packed-refs` line.
fn resolve(git_dir: &Path, reference: &str) -> Option<String> {
    if let Ok(text) = std::fs::read_to_string(git_dir.join(reference)) {
        let sha = text.trim();
        return is_sha(sha).then(|| sha.to_string());
    }
    let packed = std::fs::read_to_string(git_dir.join("packed-refs")).ok()?;
    packed.lines().find_map(|line| {
        let (sha, name) = line.split_once(' ')?;
        (name.trim() == reference && is_sha(sha)).then(|| sha.to_string())
    })
}

fn is_sha(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn loose_packed_detached_and_worktree_heads() {
        let dir = tempfile::tempdir().unwrap();
        let git = dir.path().join(".git");
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(git.join("refs/heads/main"), format!("{SHA}\n")).unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(head(&sub), Some(Head { branch: Some("main".into()), commit: Some(SHA.into()) }));

        std::fs::remove_file(git.join("refs/heads/main")).unwrap();
        std::fs::write(git.join("packed-refs"), format!("# pack-refs with: peeled\n{SHA} refs/heads/main\n")).unwrap();
        assert_eq!(head(dir.path()).unwrap().commit.as_deref(), Some(SHA));

        std::fs::write(git.join("HEAD"), format!("{SHA}\n")).unwrap();
        assert_eq!(head(dir.path()), Some(Head { branch: None, commit: Some(SHA.into()) }));

        let wt = tempfile::tempdir().unwrap();
        let wt_git = git.join("worktrees/wt");
        std::fs::create_dir_all(&wt_git).unwrap();
        std::fs::write(wt_git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(wt_git.join("commondir"), "../..\n").unwrap();
        std::fs::write(wt.path().join(".git"), format!("gitdir: {}\n", wt_git.display())).unwrap();
        assert_eq!(head(wt.path()), Some(Head { branch: Some("main".into()), commit: Some(SHA.into()) }));
    }

    #[test]
    fn a_branch_without_commits_has_no_commit_and_a_broken_gitdir_no_head() {
        let dir = tempfile::tempdir().unwrap();
        let git = dir.path().join(".git");
        std::fs::create_dir_all(&git).unwrap();
        // `git init` before the first commit: HEAD names a ref that does not exist yet.
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        assert_eq!(head(dir.path()), Some(Head { branch: Some("main".into()), commit: None }));
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join(".git"), "gitdir: /nonexistent/worktree\n").unwrap();
        assert_eq!(head(other.path()), None);
    }
}
