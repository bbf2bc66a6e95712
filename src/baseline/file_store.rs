//! The local-file store: the layout's files in one container file, which CI keeps with
//! actions/cache or as an artifact.
//!
//! The container is a first line `budgetgate-store/2`, a JSON line listing the files (path and
//! length), then their bytes back to back. One file keeps what users persist to one path, and
//! the layout inside is the branch store's, so `baseline export/import` move history between
//! them unchanged. Saves take an exclusive lock on a `.lock` file beside it, re-read under the
//! lock, and replace the file atomically, so two jobs saving at once both keep their runs and
//! a crash never leaves half a file. A version-1 file (one JSON document) is read and migrated:
//! the next save writes version 2.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::layout::{self, Changes, Files, MemoryFiles};
use super::stored::StoredRun;
use super::{Store, V1_FORMAT_VERSION};
use crate::error::{from_json, Error, Place, Result};
use crate::model::Run;

const MAGIC: &str = "budgetgate-store/";

pub struct FileStore {
    path: PathBuf,
}

/// The version-1 file: every run of every branch in one document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct V1 {
    version: u32,
    branches: BTreeMap<String, Vec<Run>>,
}

impl FileStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: path.into() }
    }

    fn lock(&self) -> Result<File> {
        let mut lock_path = self.path.clone().into_os_string();
        lock_path.push(".lock");
        let lock_path = PathBuf::from(lock_path);
        // The first save on a fresh runner: the folder does not exist yet (issue 14.14).
        crate::fs::create_dir_all(crate::fs::parent_dir(&self.path))?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, "cannot create the baseline lock file", e))?;
        file.lock().map_err(|e| Error::io(&lock_path, "cannot lock the baseline", e))?;
        Ok(file)
    }

    fn load(&self) -> Result<Option<MemoryFiles>> {
        let limit = crate::limits::FILE_SIZE;
        if let Some(size) = std::fs::metadata(&self.path).ok().map(|m| m.len()).filter(|s| *s > limit.value()) {
            return Err(Error::input(
                &self.path,
                Place::Whole,
                limit.exceeded(&format!("the baseline is {size} bytes")),
            ));
        }
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(_) if self.path.is_dir() => {
                return Err(Error::input(&self.path, Place::Whole, "is a folder; expected a baseline file"))
            }
            Err(e) => return Err(Error::io(&self.path, "cannot read", e)),
        };
        let label = self.path.display().to_string();
        let files = if bytes.first() == Some(&b'{') || bytes.starts_with(b"\xEF\xBB\xBF") {
            migrate_v1(&self.path, bytes, label)?
        } else {
            unpack(&self.path, &bytes, label)?
        };
        layout::check_manifest(&files)?;
        Ok(Some(files))
    }
}

/// The container's files.
fn unpack(path: &Path, bytes: &[u8], label: String) -> Result<MemoryFiles> {
    let bad = |line: usize, message: String| Error::input(path, Place::Line { line, column: None }, message);
    let (first, rest) = split_line(bytes).ok_or_else(|| bad(1, "not a budgetgate baseline file".into()))?;
    let version = std::str::from_utf8(first).ok().and_then(|l| l.strip_prefix(MAGIC)).ok_or_else(|| {
        bad(1, "not a budgetgate baseline file (expected it to start with `budgetgate-store/2`)".into())
    })?;
    match version.parse::<u32>() {
        Ok(2) => {}
        Ok(v) if v > 2 => {
            return Err(bad(
                1,
                format!("written by a newer budgetgate (store version {v}; this one reads up to 2); upgrade budgetgate — the file was left as it is"),
            ))
        }
        _ => return Err(bad(1, format!("unknown store version `{}`", crate::escape::log_field(version)))),
    }
    let (listing, mut body) =
        split_line(rest).ok_or_else(|| bad(2, "the file list is missing (a truncated file?)".into()))?;
    let listing: Vec<(String, usize)> =
        serde_json::from_slice(listing).map_err(|e| bad(2, format!("the file list is damaged: {e}")))?;
    let mut files = MemoryFiles { label, files: BTreeMap::new() };
    for (name, len) in listing {
        if body.len() < len {
            return Err(Error::input(
                path,
                Place::Whole,
                format!("ends inside `{}` (a truncated file?)", crate::escape::log_field(&name)),
            ));
        }
        let (content, rest) = body.split_at(len);
        files.files.insert(name, content.to_vec());
        body = rest;
    }
    if !body.is_empty() {
        return Err(Error::input(path, Place::Whole, format!("{} bytes after the last listed file", body.len())));
    }
    Ok(files)
}

fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().position(|b| *b == b'\n')?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

fn pack(files: &MemoryFiles) -> Vec<u8> {
    let listing: Vec<(&String, usize)> = files.files.iter().map(|(k, v)| (k, v.len())).collect();
    let mut out = format!("{MAGIC}2\n").into_bytes();
    out.extend(serde_json::to_vec(&listing).expect("file lists serialize"));
    out.push(b'\n');
    for content in files.files.values() {
        out.extend_from_slice(content);
    }
    out
}

/// A version-1 document as the layout's files, every run kept (the next save bounds them).
fn migrate_v1(path: &Path, bytes: Vec<u8>, label: String) -> Result<MemoryFiles> {
    let text = crate::error::decode_text(path, bytes)?;
    let peek: serde_json::Value = from_json(path, &text)?;
    match peek.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(V1_FORMAT_VERSION) => {}
        Some(v) => {
            return Err(Error::input(
                path,
                Place::JsonPath("version".into()),
                format!("baseline format version {v} is not supported; this budgetgate reads version 1 files and its own store files"),
            ))
        }
        None => return Err(Error::input(path, Place::JsonPath("version".into()), "expected a baseline format version")),
    }
    let v1: V1 = from_json(path, &text)?;
    debug_assert_eq!(v1.version, V1_FORMAT_VERSION);
    let mut files = MemoryFiles { label, files: BTreeMap::new() };
    for (branch, runs) in &v1.branches {
        let keep = runs.len().max(1);
        for run in runs {
            let changes = layout::record(&files, branch, &StoredRun::from_run(run, None), keep)?;
            files.apply(changes);
        }
    }
    Ok(files)
}

impl Store for FileStore {
    fn describe(&self) -> String {
        format!("baseline file {}", self.path.display())
    }

    fn read(&self) -> Result<Option<Box<dyn Files + '_>>> {
        Ok(self.load()?.map(|f| Box::new(f) as Box<dyn Files>))
    }

    fn update(&self, _message: &str, change: &mut dyn FnMut(&dyn Files) -> Result<Changes>) -> Result<Changes> {
        let _lock = self.lock()?;
        // Re-read under the lock: another job may have saved since we started.
        let mut files = self
            .load()?
            .unwrap_or_else(|| MemoryFiles { label: self.path.display().to_string(), files: BTreeMap::new() });
        let changes = change(&files)?;
        files.apply(changes.clone());
        // Under the lock every temp file of ours beside the baseline is a killed save's.
        crate::fs::write_with_cleanup(&self.path, &pack(&files), std::time::Duration::ZERO)?;
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Metric, RunContext, Stat};

    fn run(i: usize) -> Run {
        Run {
            context: RunContext { commit: Some(format!("c{i}")), ..Default::default() },
            metrics: vec![Metric::new("m", "ns", Direction::LowerIsBetter).with_stat(Stat::Value, i as f64)],
        }
    }

    fn commits(store: &FileStore, branch: &str) -> Vec<String> {
        let files = store.load().unwrap().unwrap();
        let index = layout::read_index(&files, branch).unwrap().unwrap();
        index.runs.iter().map(|e| e.context.commit.clone().unwrap()).collect()
    }

    #[test]
    fn concurrent_saves_keep_every_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    super::super::save(&FileStore::new(path), "main", &run(i), None, 50).unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(commits(&FileStore::new(&path), "main").len(), 8);
    }

    #[test]
    fn a_corrupt_baseline_is_an_error_not_an_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        for damaged in
            ["{\"version\": 1, \"branches\": {".as_bytes(), b"budgetgate-store/2\n[[\"budgetgate.json\", 99]]\n{}"]
        {
            std::fs::write(&path, damaged).unwrap();
            let err = super::super::save(&FileStore::new(&path), "main", &run(1), None, 50).unwrap_err().to_string();
            assert!(err.contains("baseline.json") && (err.contains("truncated")), "{err}");
            assert_eq!(std::fs::read(&path).unwrap(), damaged);
        }
    }

    #[test]
    fn a_version_1_file_is_migrated_on_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let v1 = serde_json::json!({"version": 1, "branches": {"main": [run(1), run(2)]}});
        std::fs::write(&path, serde_json::to_vec(&v1).unwrap()).unwrap();
        let store = FileStore::new(&path);
        assert_eq!(commits(&store, "main"), ["c1", "c2"]);
        super::super::save(&store, "main", &run(3), None, 50).unwrap();
        assert!(std::fs::read(&path).unwrap().starts_with(b"budgetgate-store/2\n"));
        assert_eq!(commits(&store, "main"), ["c1", "c2", "c3"]);
    }

    #[test]
    fn a_newer_store_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        std::fs::write(&path, "budgetgate-store/3\n[]\n").unwrap();
        let err = super::super::save(&FileStore::new(&path), "main", &run(1), None, 50).unwrap_err().to_string();
        assert!(err.contains("newer budgetgate"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "budgetgate-store/3\n[]\n");
    }
}
