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
use std::io::{BufRead, BufReader, Read, Write};
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

    /// The store's files, read straight into one buffer each (a copy of the whole container
    /// first was 7 MB more at 20,000 metrics with 50 runs, twice a step: to compare, to save).
    fn load(&self) -> Result<Option<MemoryFiles>> {
        let Some((mut reader, size, label)) = self.open()? else { return Ok(None) };
        let files = match is_version_1(&mut reader).map_err(|e| self.cannot_read(e))? {
            true => self.migrate(reader, size, label)?,
            false => unpack(&self.path, &mut reader, size, label)?,
        };
        layout::check_manifest(&files)?;
        Ok(Some(files))
    }

    /// The store as a save reads it: a container's listing, its files read only where the
    /// change looks (the manifest, the branch's index) and the rest copied by [`pack_over`];
    /// a version-1 file in memory, migrated.
    fn load_for_save(&self) -> Result<Option<Current>> {
        let Some((mut reader, size, label)) = self.open()? else { return Ok(None) };
        if is_version_1(&mut reader).map_err(|e| self.cannot_read(e))? {
            let files = self.migrate(reader, size, label)?;
            layout::check_manifest(&files)?;
            return Ok(Some(Current::Memory(files)));
        }
        let container = Container::list(&self.path, reader, size, label)?;
        layout::check_manifest(&container)?;
        Ok(Some(Current::Container(container)))
    }

    /// The store file opened for reading, its size and label; `None` when it does not exist.
    fn open(&self) -> Result<Option<(BufReader<File>, u64, String)>> {
        let limit = crate::limits::FILE_SIZE;
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.cannot_read(e)),
        };
        let size = file.metadata().map_err(|e| self.cannot_read(e))?.len();
        if size > limit.value() {
            return Err(Error::input(
                &self.path,
                Place::Whole,
                limit.exceeded(&format!("the baseline is {size} bytes")),
            ));
        }
        let label = self.path.display().to_string();
        Ok(Some((BufReader::with_capacity(READ_BUFFER, file), size, label)))
    }

    fn cannot_read(&self, e: std::io::Error) -> Error {
        match self.path.is_dir() {
            true => Error::input(&self.path, Place::Whole, "is a folder; expected a baseline file"),
            false => Error::io(&self.path, "cannot read", e),
        }
    }

    fn migrate(&self, mut reader: BufReader<File>, size: u64, label: String) -> Result<MemoryFiles> {
        let mut bytes = Vec::with_capacity(size as usize);
        reader.read_to_end(&mut bytes).map_err(|e| self.cannot_read(e))?;
        migrate_v1(&self.path, bytes, label)
    }
}

/// Whether the file is a version-1 document (JSON) rather than a container.
fn is_version_1(reader: &mut impl BufRead) -> std::io::Result<bool> {
    let start = reader.fill_buf()?;
    Ok(start.first() == Some(&b'{') || start.starts_with(b"\xEF\xBB\xBF"))
}

/// The store as [`FileStore::load_for_save`] gives it.
enum Current {
    Memory(MemoryFiles),
    Container(Container),
}

/// A container's listing: each file's place in it, read on demand.
struct Container {
    label: String,
    file: File,
    /// Path → (offset in the container, length).
    files: BTreeMap<String, (u64, usize)>,
}

impl Container {
    /// The listing of the container `reader` reads (`size` bytes in all), checked against the
    /// size as [`unpack`] checks it against the bytes.
    fn list(path: &Path, mut reader: BufReader<File>, size: u64, label: String) -> Result<Container> {
        let (listing, header) = read_header(path, &mut reader)?;
        let mut at = header;
        let mut files = BTreeMap::new();
        for (name, len) in listing {
            if at.saturating_add(len as u64) > size {
                return Err(truncated_in(path, &name));
            }
            files.insert(name, (at, len));
            at += len as u64;
        }
        if at < size {
            return Err(bytes_after(path, size - at));
        }
        Ok(Container { label, file: reader.into_inner(), files })
    }
}

impl Files for Container {
    fn paths(&self) -> Result<Vec<String>> {
        Ok(self.files.keys().cloned().collect())
    }
    fn read(&self, path: &str) -> Result<Option<std::borrow::Cow<'_, [u8]>>> {
        use std::io::Seek;
        let Some(&(offset, len)) = self.files.get(path) else { return Ok(None) };
        let mut bytes = vec![0; len];
        let mut file = &self.file;
        file.seek(std::io::SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|e| Error::io(&self.label, "cannot read", e))?;
        Ok(Some(bytes.into()))
    }
    fn name(&self, path: &str) -> String {
        format!("{}:{path}", self.label)
    }
    fn exists(&self, path: &str) -> Result<bool> {
        Ok(self.files.contains_key(path))
    }
}

/// The container of `old` with `changes` applied, written into `out`: changed files from
/// memory, the others copied from the old container file (see [`crate::fs::Staged::copy_from`]).
fn pack_over(old: &Container, changes: &Changes, out: &mut crate::fs::Staged) -> std::io::Result<()> {
    enum Part<'a> {
        Stored { offset: u64, len: usize },
        New(&'a [u8]),
    }
    let mut parts: BTreeMap<&str, Part> =
        old.files.iter().map(|(path, &(offset, len))| (path.as_str(), Part::Stored { offset, len })).collect();
    for (path, change) in changes {
        match change {
            Some(bytes) => parts.insert(path, Part::New(bytes)),
            None => parts.remove(path.as_str()),
        };
    }
    let listing: Vec<(&str, usize)> = parts
        .iter()
        .map(|(path, part)| match part {
            Part::Stored { len, .. } => (*path, *len),
            Part::New(bytes) => (*path, bytes.len()),
        })
        .collect();
    write_header(out, &listing)?;
    for part in parts.values() {
        match part {
            Part::Stored { offset, len } => out.copy_from(&old.file, *offset, *len as u64)?,
            Part::New(bytes) => out.write_all(bytes)?,
        }
    }
    Ok(())
}

/// Bytes read per system call while unpacking the container.
const READ_BUFFER: usize = 256 * 1024;

/// The container's files, read from `reader` (`size` bytes in all, as the file system said).
fn unpack(path: &Path, reader: &mut impl BufRead, size: u64, label: String) -> Result<MemoryFiles> {
    let cannot_read = |e: std::io::Error| Error::io(path, "cannot read", e);
    let (listing, header) = read_header(path, reader)?;
    // What the listed files can hold at most: the file less its two lines.
    let mut left = size.saturating_sub(header);
    let mut files = MemoryFiles { label, files: BTreeMap::new() };
    for (name, len) in listing {
        // Never more than the file holds: a damaged length must not ask for gigabytes.
        let mut content = Vec::with_capacity(len.min(left as usize));
        reader.take(len as u64).read_to_end(&mut content).map_err(cannot_read)?;
        if content.len() < len {
            return Err(truncated_in(path, &name));
        }
        left = left.saturating_sub(len as u64);
        files.files.insert(name, content);
    }
    let after = std::io::copy(reader, &mut std::io::sink()).map_err(cannot_read)?;
    if after > 0 {
        return Err(bytes_after(path, after));
    }
    Ok(files)
}

/// The container's first two lines: the version, checked, and the list of its files (path
/// and length); with the bytes they take.
fn read_header(path: &Path, reader: &mut impl BufRead) -> Result<(Vec<(String, usize)>, u64)> {
    let bad = |line: usize, message: String| Error::input(path, Place::Line { line, column: None }, message);
    let cannot_read = |e: std::io::Error| Error::io(path, "cannot read", e);
    let mut first = Vec::new();
    read_line(reader, &mut first)
        .map_err(cannot_read)?
        .ok_or_else(|| bad(1, "not a budgetgate baseline file".into()))?;
    let version = std::str::from_utf8(&first).ok().and_then(|l| l.strip_prefix(MAGIC)).ok_or_else(|| {
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
    let mut line = Vec::new();
    read_line(reader, &mut line)
        .map_err(cannot_read)?
        .ok_or_else(|| bad(2, "the file list is missing (a truncated file?)".into()))?;
    let listing: Vec<(String, usize)> =
        serde_json::from_slice(&line).map_err(|e| bad(2, format!("the file list is damaged: {e}")))?;
    Ok((listing, (first.len() + line.len() + 2) as u64))
}

fn truncated_in(path: &Path, name: &str) -> Error {
    Error::input(path, Place::Whole, format!("ends inside `{}` (a truncated file?)", crate::escape::log_field(name)))
}

fn bytes_after(path: &Path, after: u64) -> Error {
    Error::input(path, Place::Whole, format!("{after} bytes after the last listed file"))
}

/// One line of `reader` into `line`, without its newline; `None` at the end of the file before
/// a newline (a truncated or foreign file).
fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<Option<()>> {
    reader.read_until(b'\n', line)?;
    Ok(line.pop().filter(|last| *last == b'\n').map(|_| ()))
}

/// The container of `files`, written into `out` file by file.
fn pack(files: &MemoryFiles, out: &mut impl Write) -> std::io::Result<()> {
    let listing: Vec<(&str, usize)> = files.files.iter().map(|(k, v)| (k.as_str(), v.len())).collect();
    write_header(out, &listing)?;
    for content in files.files.values() {
        out.write_all(content)?;
    }
    Ok(())
}

/// The container's first two lines (see the module docs), which [`read_header`] reads.
fn write_header(out: &mut impl Write, listing: &[(&str, usize)]) -> std::io::Result<()> {
    writeln!(out, "{MAGIC}2")?;
    serde_json::to_writer(&mut *out, listing)?;
    out.write_all(b"\n")
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
            let changes = layout::record(&files, branch, &StoredRun::to_save(&run.context, &run.metrics, None), keep)?;
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
        self.prepare(change)?.commit()
    }
}

impl FileStore {
    /// [`Store::update`] up to the last step: under the lock, the change computed from a fresh
    /// read (another job may have saved since we started), the new container written beside
    /// the store and flushed to the disk. [`PendingSave::commit`] puts it in place; dropped, it
    /// leaves the store as it was. `check` prepares its save while the gate is still deciding,
    /// so the wait for the disk overlaps that work and nothing is in place before the verdict
    /// (at 20,000 metrics with 50 runs the flush took 26–75 ms when it came after the 15 MB
    /// JSON report, whose data the file system then wrote out first).
    pub fn prepare(&self, change: &mut dyn FnMut(&dyn Files) -> Result<Changes>) -> Result<PendingSave> {
        let lock = self.lock()?;
        // Under the lock every temp file of ours beside the baseline is a killed save's.
        let stage = || crate::fs::stage_durable(&self.path, std::time::Duration::ZERO);
        let cannot_write = |e| Error::io(&self.path, "cannot write", e);
        let (changes, mut staged) = match self.load_for_save()? {
            Some(Current::Container(old)) => {
                let changes = change(&old)?;
                let mut staged = stage()?;
                pack_over(&old, &changes, &mut staged).map_err(cannot_write)?;
                (changes, staged)
            }
            other => {
                let mut files = match other {
                    Some(Current::Memory(files)) => files,
                    _ => MemoryFiles { label: self.path.display().to_string(), files: BTreeMap::new() },
                };
                let changes = change(&files)?;
                files.apply(changes.clone());
                let mut staged = stage()?;
                pack(&files, &mut staged).map_err(cannot_write)?;
                (changes, staged)
            }
        };
        staged.sync()?;
        Ok(PendingSave { staged, changes, _lock: lock })
    }
}

/// A save to a [`FileStore`] written and on the disk but not yet in place; the store stays
/// locked until it is committed or dropped, so no other save can come in between.
#[must_use = "a pending save changes nothing until it is committed"]
pub struct PendingSave {
    staged: crate::fs::Staged,
    changes: Changes,
    _lock: File,
}

impl PendingSave {
    /// Puts the new store in place (a rename); returns the changes it applied.
    pub fn commit(self) -> Result<Changes> {
        self.staged.commit()?;
        Ok(self.changes)
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

    /// Saves copy the unchanged files from the old container: the file is byte for byte what
    /// the same saves applied in memory and packed whole make, through new runs, a second
    /// branch, re-runs that replace a stored run and runs pruned past `keep`.
    #[test]
    fn saves_over_a_container_write_what_packing_in_memory_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let store = FileStore::new(&path);
        let mut memory = MemoryFiles { label: "mem".into(), files: BTreeMap::new() };
        for (i, branch) in [(1, "main"), (2, "main"), (3, "pr"), (2, "main"), (4, "main"), (5, "main")] {
            let stored = StoredRun::from_run(&run(i), None);
            super::super::prepare_save(&store, branch, &stored, 3).unwrap().commit().unwrap();
            memory.apply(layout::record(&memory, branch, &stored, 3).unwrap());
            let mut packed = Vec::new();
            pack(&memory, &mut packed).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), packed, "after run {i} on {branch}");
        }
        assert_eq!(commits(&store, "main"), ["c2", "c4", "c5"]);
        // Its listing is checked against its size as reading it checks it against its bytes.
        let mut damaged = std::fs::read(&path).unwrap();
        damaged.extend_from_slice(b"junk");
        std::fs::write(&path, &damaged).unwrap();
        let err = super::super::save(&store, "main", &run(6), None, 3).unwrap_err().to_string();
        assert!(err.contains("4 bytes after the last listed file"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), damaged, "left as it was");
    }

    #[test]
    fn a_prepared_save_changes_nothing_until_committed_and_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let store = FileStore::new(&path);
        super::super::save(&store, "main", &run(1), None, 50).unwrap();
        let before = std::fs::read(&path).unwrap();
        let stored = StoredRun::from_run(&run(2), None);
        let pending = super::super::prepare_save(&store, "main", &stored, 50).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), before, "not in place before the commit");
        // Another save waits for the lock: it lands after the pending one, keeping both.
        let other = {
            let path = path.clone();
            std::thread::spawn(move || super::super::save(&FileStore::new(path), "main", &run(3), None, 50).unwrap())
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(std::fs::read(&path).unwrap(), before, "the other save waited");
        pending.commit().unwrap();
        other.join().unwrap();
        assert_eq!(commits(&store, "main"), ["c1", "c2", "c3"]);
        // Dropped uncommitted: the store as it was, no temp file, the lock free.
        let before = std::fs::read(&path).unwrap();
        drop(super::super::prepare_save(&store, "main", &StoredRun::from_run(&run(4), None), 50).unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), before);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "the store and its lock file only: {names:?}");
        super::super::save(&store, "main", &run(5), None, 50).unwrap();
        assert_eq!(commits(&store, "main"), ["c1", "c2", "c3", "c5"]);
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
    fn regression_a_listed_length_past_the_end_is_a_truncation_not_an_allocation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        // A length of 2^60 bytes: the reader must not reserve it before finding the file short.
        std::fs::write(&path, b"budgetgate-store/2\n[[\"budgetgate.json\", 1152921504606846976]]\n{}").unwrap();
        let err = FileStore::new(&path).load().map(|_| ()).expect_err("refused").to_string();
        assert!(err.contains("ends inside `budgetgate.json`"), "{err}");
    }

    #[test]
    fn bytes_after_the_last_listed_file_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let store = FileStore::new(&path);
        super::super::save(&store, "main", &run(1), None, 50).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        assert!(store.load().unwrap().is_some(), "a saved store loads");
        bytes.extend_from_slice(b"junk");
        std::fs::write(&path, &bytes).unwrap();
        let err = store.load().map(|_| ()).expect_err("refused").to_string();
        assert!(err.contains("4 bytes after the last listed file"), "{err}");
        // A file cut short inside its first line is not a store at all.
        std::fs::write(&path, b"budgetgate-store/2").unwrap();
        let err = store.load().map(|_| ()).expect_err("refused").to_string();
        assert!(err.contains("not a budgetgate baseline file"), "{err}");
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
