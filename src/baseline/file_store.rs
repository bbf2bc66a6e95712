//! The local-file store: one JSON file, which CI keeps with actions/cache or as an artifact.
//!
//! Saves take an exclusive lock on a `.lock` file beside it, re-read the file under the lock,
//! merge, and replace it atomically (temp file in the same directory, then rename), so two jobs
//! saving at once both keep their runs and a crash never leaves half a file.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use super::{History, Store, FORMAT_VERSION};
use crate::error::{from_json, read_text, Error, Place, Result};
use crate::model::Run;

pub struct FileStore {
    path: PathBuf,
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
}

impl Store for FileStore {
    fn load(&self) -> Result<Option<History>> {
        if !self.path.exists() {
            return Ok(None);
        }
        let text = read_text(&self.path)?;
        let history: History = from_json(&self.path, &text)?;
        if history.version != FORMAT_VERSION {
            return Err(Error::input(
                &self.path,
                Place::JsonPath("version".into()),
                format!(
                    "baseline format version {} is not supported; this budgetgate reads version {FORMAT_VERSION}",
                    history.version
                ),
            ));
        }
        Ok(Some(history))
    }

    fn save(&self, branch: &str, run: Run, keep: usize) -> Result<()> {
        let _lock = self.lock()?;
        // Re-read under the lock: another job may have saved since we started.
        let mut history = self.load()?.unwrap_or_else(History::new);
        history.record(branch, run, keep);
        let json = serde_json::to_vec_pretty(&history).expect("histories always serialize");
        // Under the lock every temp file of ours beside the baseline is a killed save's.
        crate::fs::write_with_cleanup(&self.path, &json, std::time::Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Metric, RunContext, Stat};

    #[test]
    fn concurrent_saves_keep_every_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let threads: Vec<_> =
            (0..8)
                .map(|i| {
                    let path = path.clone();
                    std::thread::spawn(move || {
                        let run = Run {
                            context: RunContext { commit: Some(format!("c{i}")), ..Default::default() },
                            metrics: vec![
                                Metric::new("m", "ns", Direction::LowerIsBetter).with_stat(Stat::Value, i as f64)
                            ],
                        };
                        FileStore::new(path).save("main", run, 50).unwrap();
                    })
                })
                .collect();
        for t in threads {
            t.join().unwrap();
        }
        let history = FileStore::new(&path).load().unwrap().unwrap();
        assert_eq!(history.branches["main"].len(), 8);
    }

    #[test]
    fn a_corrupt_baseline_is_an_error_not_an_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        std::fs::write(&path, "{\"version\": 1, \"branches\": {").unwrap();
        let err = FileStore::new(&path).save("main", Run::default(), 50).unwrap_err().to_string();
        assert!(err.contains("baseline.json") && err.contains("truncated"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"version\": 1, \"branches\": {");
    }
}
