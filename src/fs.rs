//! Writing the files we produce (baselines, reports) so that nothing is ever half-written or
//! lost, and so they behave like files any other tool would write:
//!
//! - a regular file is replaced atomically (temp file beside it, then rename), created with
//!   the process umask applied (the Docker action runs as root; later steps of the job run as
//!   the runner user and must still read them), and keeping an existing file's mode;
//! - a symlink is followed and its target replaced the same way;
//! - anything else (a FIFO, `/dev/stdout`, a device) is written through, since replacing it
//!   with a regular file would leave its reader with nothing (issue 14.13);
//! - missing parent folders are created (issue 14.14);
//! - temp files left by a killed process are removed by the next write (issue 14.5).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};

/// Ending of our temp files' names, so stale ones can be told from anyone else's files.
const TEMP_SUFFIX: &str = ".budgetgate-tmp";

/// A temp file this old is left over from a killed process, whoever owns the target.
pub const STALE_AFTER: Duration = Duration::from_secs(600);

/// Writes `bytes` to `path` as described in the module docs, flushed to the disk before it
/// replaces the old file: for what must survive a power cut (a baseline, a budgets file).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    replace(path, bytes, STALE_AFTER, true)
}

/// [`write_atomically`] without waiting for the disk: for reports, which the next run makes
/// again. Readers still see the old file or the whole new one, and a killed process leaves
/// nothing half-written (the page cache outlives it); only a power cut could lose the new
/// file. Waiting for the disk cost 0.1–0.2 s for a 20 MB JSON report.
pub fn write_report(path: &Path, bytes: &[u8]) -> Result<()> {
    replace(path, bytes, STALE_AFTER, false)
}

/// [`write_atomically`] for a file written in pieces (the baseline store, 7 MB at 20,000 metrics
/// with 50 runs, is written file by file rather than assembled first), removing temp files of
/// ours beside `path` older than `stale_after`. Callers holding a lock on `path` (the baseline
/// store) pass zero: under the lock, every temp file of ours for it is a leftover.
pub fn stage_durable(path: &Path, stale_after: Duration) -> Result<Staged> {
    stage(path, stale_after, true)
}

fn replace(path: &Path, bytes: &[u8], stale_after: Duration, durable: bool) -> Result<()> {
    let mut staged = stage(path, stale_after, durable)?;
    staged.write_all(bytes).map_err(|e| Error::io(path, "cannot write", e))?;
    staged.commit()
}

/// A report being written into its temp file, put in place by [`Staged::commit`]: for a report
/// made in pieces (the JSON report of 20,000 rows is 15 MB, and held whole it was a fifth of the
/// step's memory). Dropped uncommitted, it leaves nothing behind and the old file untouched.
pub fn stage_report(path: &Path) -> Result<Staged> {
    stage(path, STALE_AFTER, false)
}

/// The target as the module docs describe it: a symlink's target, a device or FIFO written
/// through (at commit, so a failure before it writes nothing there either), or a new temp file.
fn stage(path: &Path, stale_after: Duration, durable: bool) -> Result<Staged> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_symlink() {
            let target = std::fs::canonicalize(path).map_err(|e| Error::io(path, "cannot follow the symlink", e))?;
            return stage(&target, stale_after, durable);
        }
        if meta.is_dir() {
            return Err(Error::Usage(format!("{} is a folder; expected a file name to write", path.display())));
        }
        if !meta.file_type().is_file() {
            let sink = Sink::Through(Vec::new());
            return Ok(Staged { target: path.to_path_buf(), sink, durable, synced: false, committed: false });
        }
    }
    create_dir_all(parent_dir(path))?;
    remove_stale_temps(path, stale_after);
    let temp = temp_path(path);
    let file = create_temp(&temp, path)?;
    let sink = Sink::Temp { file: std::io::BufWriter::with_capacity(WRITE_BUFFER, file), path: temp };
    Ok(Staged { target: path.to_path_buf(), sink, durable, synced: false, committed: false })
}

/// Bytes written to a temp file per system call: few calls for a 15 MB report, little memory.
const WRITE_BUFFER: usize = 256 * 1024;

/// A file being replaced: see [`stage_report`]. Written through [`std::io::Write`].
#[derive(Debug)]
pub struct Staged {
    target: PathBuf,
    sink: Sink,
    durable: bool,
    /// Flushed (to the disk when durable) since the last write: see [`Staged::sync`].
    synced: bool,
    committed: bool,
}

#[derive(Debug)]
enum Sink {
    /// A regular file's replacement, beside it.
    Temp { path: PathBuf, file: std::io::BufWriter<std::fs::File> },
    /// A device or FIFO's bytes, written to it at commit.
    Through(Vec<u8>),
}

impl Staged {
    /// Puts the written bytes in place: the temp file flushed (to the disk when durable) and
    /// renamed over the target, or the bytes written through to a device.
    pub fn commit(mut self) -> Result<()> {
        if !self.synced {
            self.sync()?;
        }
        let target = self.target.clone();
        match &mut self.sink {
            Sink::Through(bytes) => {
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(&target)
                    .map_err(|e| Error::io(&target, "cannot open for writing", e))?;
                file.write_all(bytes).map_err(|e| Error::io(&target, "cannot write", e))?;
            }
            Sink::Temp { path, .. } => {
                std::fs::rename(&*path, &target).map_err(|e| Error::io(&target, "cannot replace", e))?;
            }
        }
        self.committed = true;
        Ok(())
    }

    /// The written bytes flushed into the temp file and, when durable, to the disk, so that
    /// [`Staged::commit`] only renames. For a caller that has other work to finish before the
    /// target may change: the baseline store waits for the disk (20–75 ms for 7 MB here) while
    /// the gate is still deciding, rather than after.
    pub fn sync(&mut self) -> Result<()> {
        if let Sink::Temp { file, .. } = &mut self.sink {
            file.flush().map_err(|e| Error::io(&self.target, "cannot write", e))?;
            if self.durable {
                file.get_ref().sync_all().map_err(|e| Error::io(&self.target, "cannot flush", e))?;
            }
        }
        self.synced = true;
        Ok(())
    }

    /// Appends `len` bytes of `from` starting at `offset`: on Linux the kernel copies them file
    /// to file (copy_file_range), without their passing through our memory. For the baseline
    /// store, whose unchanged files are copied from the old container into the new one (148 MB
    /// at 1,000,000 metrics with 10 runs, which a save held in memory before).
    pub fn copy_from(&mut self, from: &std::fs::File, offset: u64, len: u64) -> std::io::Result<()> {
        use std::io::{Read, Seek};
        let mut from = from;
        from.seek(std::io::SeekFrom::Start(offset))?;
        let mut part = from.take(len);
        self.synced = false;
        let copied = match &mut self.sink {
            Sink::Temp { file, .. } => std::io::copy(&mut part, file)?,
            Sink::Through(held) => std::io::copy(&mut part, held)?,
        };
        if copied < len {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the file being copied ended early"));
        }
        Ok(())
    }
}

impl Write for Staged {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.synced = false;
        match &mut self.sink {
            Sink::Temp { file, .. } => file.write(bytes),
            Sink::Through(held) => held.write(bytes),
        }
    }

    /// Whole pieces into the buffer at once: a serializer writes a report in thousands of
    /// small pieces, and the default `write_all` asks `write` for each in a loop.
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.synced = false;
        match &mut self.sink {
            Sink::Temp { file, .. } => file.write_all(bytes),
            Sink::Through(held) => held.write_all(bytes),
        }
    }

    /// Flushes into the temp file only: the target changes at [`Staged::commit`].
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Temp { file, .. } => file.flush(),
            Sink::Through(_) => Ok(()),
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let (false, Sink::Temp { path, .. }) = (self.committed, &self.sink) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Creates `dir` and its parents, with the error naming the folder.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "cannot create the folder", e))
}

/// The folder a file is in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into())
}

fn temp_path(path: &Path) -> PathBuf {
    parent_dir(path).join(format!(".{}.{:016x}{TEMP_SUFFIX}", file_name(path), fastrand::u64(..)))
}

/// Creates `temp` (never an existing file), with the mode `target` has or the umask gives.
fn create_temp(temp: &Path, target: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The kernel applies the umask to this, as for any file a tool creates.
        options.mode(0o666);
    }
    // The message names the file the user asked for, not only its folder (a read-only
    // workspace once read "error: .: cannot create a temporary file").
    let file = options
        .open(temp)
        .map_err(|e| Error::io(target, "cannot write (no temporary file can be made beside it)", e))?;
    if let Ok(existing) = std::fs::metadata(target) {
        if let Err(e) = file.set_permissions(existing.permissions()) {
            let _ = std::fs::remove_file(temp);
            return Err(Error::io(target, "cannot keep the file's mode", e));
        }
    }
    Ok(file)
}

/// Removes temp files of ours for `path` last modified at least `older_than` ago. Best effort:
/// a file another process removed first, or cannot be removed, is not our error.
fn remove_stale_temps(path: &Path, older_than: Duration) {
    let prefix = format!(".{}.", file_name(path));
    let Ok(entries) = std::fs::read_dir(parent_dir(path)) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(&prefix) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
        if age.is_some_and(|age| age >= older_than) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn regression_new_files_get_the_umask_mode_not_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomically(&path, b"{}").unwrap();
        // The test process's umask is 022 or 002 on every CI we know; either way not 0600.
        assert!(mode(&path) & 0o044 != 0, "mode {:o}", mode(&path));
    }

    #[test]
    fn regression_an_existing_files_mode_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(mode(&path), 0o640);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn regression_a_symlink_is_followed_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.md");
        let link = dir.path().join("link.md");
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn regression_a_device_is_written_through() {
        // /dev/null is not a regular file: replacing it would need root and break the system.
        write_atomically(Path::new("/dev/null"), b"x").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }

    #[test]
    fn regression_missing_parent_folders_are_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".budgetgate/deep/baseline.json");
        write_atomically(&path, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
    }

    #[test]
    fn a_staged_report_dropped_before_commit_leaves_the_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(&path, "old").unwrap();
        let mut staged = stage_report(&path).unwrap();
        staged.write_all(b"half of a new rep").unwrap();
        drop(staged);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("report.json")]);
    }

    #[test]
    fn a_staged_report_replaces_the_file_only_at_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out/report.json");
        let mut staged = stage_report(&path).unwrap();
        // More than the write buffer, so some of it reaches the temp file before the commit.
        let big = vec![b'x'; WRITE_BUFFER * 2 + 7];
        staged.write_all(&big).unwrap();
        assert!(!path.exists(), "the target appears only at commit");
        staged.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), big);
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn regression_stale_temp_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let stale = dir.path().join(format!(".baseline.json.0123456789abcdef{TEMP_SUFFIX}"));
        let foreign = dir.path().join(".baseline.json.keep");
        std::fs::write(&stale, "half").unwrap();
        std::fs::write(&foreign, "theirs").unwrap();
        let mut staged = stage_durable(&path, Duration::ZERO).unwrap();
        staged.write_all(b"{}").unwrap();
        staged.commit().unwrap();
        assert!(!stale.exists());
        assert!(foreign.exists(), "files that are not our temp files stay");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left.len(), 2, "{left:?}");
    }
}
