//! The stored layout (version 2), shared by every store: a store is a set of files, and a save
//! adds about one run's worth of bytes instead of rewriting one growing file.
//!
//! ```text
//! budgetgate.json                       {"format": "budgetgate-baseline", "version": 2}
//! catalogs/<hash>.json                  the metrics of a suite: name, measure, unit, direction…
//! branches/<branch>/index.json          that branch's runs, oldest first (commit, times, files)
//! branches/<branch>/runs/<shard>/<seq>.bgr   one run's numbers, in its catalog's order
//! ```
//!
//! Why this shape (issue 17): peers that rewrite one growing file (github-action-benchmark's
//! `data.js`) reached 1.8 GB of history and rejected pushes. Here a save writes one run file,
//! the small index of its branch, and a catalog only when the suite's metrics changed (a
//! catalog is named after its content, so an unchanged suite shares one blob forever). Run
//! files are binary — a bit mask of the stats present, each as a little-endian f32 (f64 where
//! an exact measurement would lose digits), and the sample count as a varint — about 30 bytes
//! per metric where the version-1 JSON took ~200. Shards of 16 runs keep the trees a save
//! rewrites small. A comparison reads one branch's index and the run files it needs.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::history::PackedRun;
use super::stored::{Descriptor, StoredContext, StoredMetric, StoredRun, ToStore, Values};
use crate::error::{Error, Place, Result};
use crate::model::Stat;

/// The layout's version; a store written by a newer budgetgate is refused, never overwritten.
pub const LAYOUT_VERSION: u32 = 2;
pub const MANIFEST: &str = "budgetgate.json";
const FORMAT_NAME: &str = "budgetgate-baseline";
const RUN_MAGIC: &[u8; 4] = b"BGR2";
/// Runs per shard folder.
const SHARD: u64 = 16;
/// Bits of a metric's mask past the stats.
const HAS_N: u32 = 1 << 30;
const WIDE: u32 = 1 << 31;

/// Read access to a store's files by path (relative to the store's root).
pub trait Files {
    /// Every file's path.
    fn paths(&self) -> Result<Vec<String>>;
    /// `None` only when the file does not exist; any failure to read is an error. Borrowed
    /// where the store holds the bytes already (a 50-run history is read without copies).
    fn read(&self, path: &str) -> Result<Option<Cow<'_, [u8]>>>;
    /// How messages name a file of this store.
    fn name(&self, path: &str) -> String;
    /// Whether the file exists, without reading it (a remote read costs a request).
    fn exists(&self, path: &str) -> Result<bool> {
        Ok(self.read(path)?.is_some())
    }
    /// Several files at once, in order (a remote store reads them concurrently).
    fn read_many(&self, paths: &[&str]) -> Result<Vec<Option<Cow<'_, [u8]>>>> {
        paths.iter().map(|p| self.read(p)).collect()
    }
}

/// What a save changes: path → new content, or `None` to delete.
pub type Changes = BTreeMap<String, Option<Vec<u8>>>;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: String,
    version: u32,
}

/// A branch's runs, oldest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    pub version: u32,
    pub branch: String,
    /// The sequence number the next run gets (names its file; never reused).
    pub next_seq: u64,
    pub runs: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub seq: u64,
    #[serde(flatten)]
    pub context: StoredContext,
    /// Path of the catalog this run's numbers follow.
    pub catalog: String,
    /// Path of the run's numbers.
    pub file: String,
    pub metrics: usize,
}

/// The folder of a branch: names keep `A-Z a-z 0-9 . _ -`, everything else (`/` of
/// `feature/x` included) is percent-encoded, so any branch name is one safe path part.
pub fn branch_dir(branch: &str) -> String {
    let mut out = String::from("branches/");
    for b in branch.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-') || (b == b'.' && !out.ends_with('/')) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode_branch(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(part.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Refuses a store written by a newer layout (or not a baseline at all).
pub fn check_manifest(files: &dyn Files) -> Result<bool> {
    let Some(bytes) = files.read(MANIFEST)? else { return Ok(false) };
    let manifest: Manifest = json(files, MANIFEST, &bytes)?;
    if manifest.format != FORMAT_NAME {
        return Err(Error::input(
            files.name(MANIFEST),
            Place::JsonPath("format".into()),
            format!("expected \"{FORMAT_NAME}\", found {:?}: this is not a budgetgate baseline", manifest.format),
        ));
    }
    if manifest.version > LAYOUT_VERSION {
        return Err(newer(files, MANIFEST, manifest.version));
    }
    Ok(true)
}

fn newer(files: &dyn Files, path: &str, version: u32) -> Error {
    Error::input(
        files.name(path),
        Place::JsonPath("version".into()),
        format!(
            "written by a newer budgetgate (layout version {version}; this one reads up to {LAYOUT_VERSION}); upgrade budgetgate — the store was left as it is"
        ),
    )
}

fn json<T: serde::de::DeserializeOwned>(files: &dyn Files, path: &str, bytes: &[u8]) -> Result<T> {
    crate::error::from_json(std::path::Path::new(&files.name(path)), utf8(files, path, bytes)?)
}

/// A catalog as a comparison reads it: at its length from the start ([`Entry::metrics`]).
fn catalog(files: &dyn Files, entry: &Entry, bytes: &[u8]) -> Result<Vec<Descriptor>> {
    let text = utf8(files, &entry.catalog, bytes)?;
    crate::error::list_from_json(std::path::Path::new(&files.name(&entry.catalog)), text, entry.metrics)
}

fn utf8<'b>(files: &dyn Files, path: &str, bytes: &'b [u8]) -> Result<&'b str> {
    std::str::from_utf8(bytes).map_err(|e| Error::input(files.name(path), Place::Whole, format!("not UTF-8 text: {e}")))
}

/// The branches that hold runs, by name.
pub fn branches(files: &dyn Files) -> Result<Vec<String>> {
    let mut names: Vec<String> = files
        .paths()?
        .iter()
        .filter_map(|p| p.strip_prefix("branches/")?.strip_suffix("/index.json").and_then(decode_branch))
        .collect();
    names.sort();
    Ok(names)
}

/// The branch's index; `None` when the branch has no runs stored.
pub fn read_index(files: &dyn Files, branch: &str) -> Result<Option<Index>> {
    let path = format!("{}/index.json", branch_dir(branch));
    let Some(bytes) = files.read(&path)? else { return Ok(None) };
    let index: Index = json(files, &path, &bytes)?;
    if index.version > LAYOUT_VERSION {
        return Err(newer(files, &path, index.version));
    }
    Ok(Some(index))
}

/// The runs of `entries`, oldest first, each catalog read once.
pub fn read_runs(files: &dyn Files, entries: &[Entry]) -> Result<Vec<StoredRun>> {
    read_runs_as(files, entries, |entry, catalog, values| StoredRun {
        context: entry.context.clone(),
        metrics: catalog
            .iter()
            .zip(values)
            .map(|(descriptor, values)| StoredMetric { descriptor: descriptor.clone(), values })
            .collect(),
    })
}

/// The runs of `entries` built straight into what the caller needs (a comparison reads them
/// packed instead: [`read_packed`]).
fn read_runs_as<T>(
    files: &dyn Files,
    entries: &[Entry],
    build: impl Fn(&Entry, &[Descriptor], Vec<Values>) -> T,
) -> Result<Vec<T>> {
    let mut catalogs: BTreeMap<&str, Vec<Descriptor>> = BTreeMap::new();
    for entry in entries {
        if !catalogs.contains_key(entry.catalog.as_str()) {
            let bytes = files.read(&entry.catalog)?.ok_or_else(|| missing(files, &entry.catalog))?;
            catalogs.insert(&entry.catalog, catalog(files, entry, &bytes)?);
        }
    }
    let paths: Vec<&str> = entries.iter().map(|e| e.file.as_str()).collect();
    let contents = files.read_many(&paths)?;
    let mut runs = Vec::with_capacity(entries.len());
    for (entry, bytes) in entries.iter().zip(contents) {
        let bytes = bytes.ok_or_else(|| missing(files, &entry.file))?;
        let catalog = &catalogs[entry.catalog.as_str()];
        let values = decode_values(&bytes, catalog.len())
            .map_err(|(at, what)| Error::input(files.name(&entry.file), Place::JsonPath(format!("byte {at}")), what))?;
        runs.push(build(entry, catalog, values));
    }
    Ok(runs)
}

/// The runs of `entries`, packed ([`PackedRun`]): what a comparison reads of a long history.
pub fn read_packed(files: &dyn Files, entries: &[Entry]) -> Result<Vec<PackedRun>> {
    let mut catalogs: BTreeMap<&str, Arc<Vec<Descriptor>>> = BTreeMap::new();
    for entry in entries {
        if !catalogs.contains_key(entry.catalog.as_str()) {
            let bytes = files.read(&entry.catalog)?.ok_or_else(|| missing(files, &entry.catalog))?;
            catalogs.insert(&entry.catalog, Arc::new(exactly_sized(catalog(files, entry, &bytes)?)));
        }
    }
    let paths: Vec<&str> = entries.iter().map(|e| e.file.as_str()).collect();
    let contents = files.read_many(&paths)?;
    // Each run decodes on its own (50 runs of 20,000 metrics are a million metrics), on every
    // core; the first bad file in history order is the one reported.
    // `files` is not shared across threads: each run takes its file's name along.
    let work: Vec<_> =
        entries.iter().zip(contents).map(|(entry, bytes)| (entry, bytes, files.name(&entry.file))).collect();
    let runs = crate::parallel::map_in_chunks(work, 1, |(entry, bytes, name)| {
        let Some(bytes) = bytes else { return Err(missing_file(name)) };
        let catalog = Arc::clone(&catalogs[entry.catalog.as_str()]);
        let mut run = PackedRun::new(entry.context.clone(), catalog);
        decode_packed(&bytes, &mut run)
            .map_err(|(at, what)| Error::input(name, Place::JsonPath(format!("byte {at}")), what))?;
        Ok(run)
    });
    runs.into_iter().collect()
}

/// `list` in an allocation of exactly its length. serde grows a list by doubling: a catalog of
/// 20,000 descriptors held room for 32,768, 1.3 MB of the step's peak while the history is
/// kept. (`shrink_to_fit` alone frees nothing under mimalloc, which leaves a block shrunk by
/// less than half where it is.)
fn exactly_sized<T>(list: Vec<T>) -> Vec<T> {
    if list.capacity() == list.len() {
        return list;
    }
    let mut exact = Vec::with_capacity(list.len());
    exact.extend(list);
    exact
}

fn missing(files: &dyn Files, path: &str) -> Error {
    missing_file(files.name(path))
}

fn missing_file(name: String) -> Error {
    Error::input(name, Place::Whole, "listed in the branch's index but missing from the store")
}

/// The changes that add `run` to `branch`: a re-run of a stored commit replaces it (it must not
/// count twice in the noise model), and only the newest `keep` runs stay.
pub fn record<M: ToStore>(files: &dyn Files, branch: &str, run: &StoredRun<M>, keep: usize) -> Result<Changes> {
    let mut changes = Changes::new();
    if !check_manifest(files)? {
        let manifest = Manifest { format: FORMAT_NAME.into(), version: LAYOUT_VERSION };
        changes.insert(MANIFEST.into(), Some(pretty(&manifest)));
    }
    let dir = branch_dir(branch);
    let mut index = read_index(files, branch)?.unwrap_or_else(|| Index {
        version: LAYOUT_VERSION,
        branch: branch.into(),
        next_seq: 0,
        runs: Vec::new(),
    });
    index.version = LAYOUT_VERSION;
    let catalog = Catalog(&run.metrics);
    let catalog_path = catalog.path();
    if !files.exists(&catalog_path)? {
        changes.insert(catalog_path.clone(), Some(pretty(&catalog)));
    }
    let index_path = format!("{dir}/index.json");
    let (seq, file) = next_run_file(files, &dir, &index)?;
    index.next_seq = seq + 1;
    changes.insert(file.clone(), Some(encode_values(run)));
    let mut dropped = Vec::new();
    if let Some(commit) = &run.context.commit {
        let (same, rest): (Vec<Entry>, Vec<Entry>) =
            index.runs.drain(..).partition(|e| e.context.commit.as_ref() == Some(commit));
        index.runs = rest;
        dropped.extend(same);
    }
    index.runs.push(Entry {
        seq,
        context: run.context.clone(),
        catalog: catalog_path,
        file,
        metrics: run.metrics.len(),
    });
    let excess = index.runs.len().saturating_sub(keep.max(1));
    dropped.extend(index.runs.drain(..excess));
    for entry in dropped {
        changes.insert(entry.file, None);
    }
    changes.insert(index_path, Some(pretty(&index)));
    Ok(changes)
}

/// The sequence number and file of the run a save adds: after every stored run, whatever the
/// index's `next_seq` says, so a damaged or hand-edited index can never make a save overwrite
/// a stored run (at `next_seq` u64::MAX the count wrapped to 0 and run 0's file was replaced).
fn next_run_file(files: &dyn Files, dir: &str, index: &Index) -> Result<(u64, String)> {
    let index_path = format!("{dir}/index.json");
    let after_stored = index.runs.iter().map(|e| e.seq.checked_add(1)).max().unwrap_or(Some(0));
    let refuse = |what: &str| Error::input(files.name(&index_path), Place::JsonPath("next_seq".into()), what);
    let seq = after_stored.map(|after| after.max(index.next_seq)).filter(|seq| *seq < u64::MAX).ok_or_else(|| {
        refuse("a sequence number below 18446744073709551615 (the index has used them all: it is damaged)")
    })?;
    let file = format!("{dir}/runs/{:04}/{seq:06}.bgr", seq / SHARD);
    if index.runs.iter().any(|e| e.file == file) {
        return Err(refuse(&format!(
            "a new run file, but {file} is already listed for another run (the index is damaged)"
        )));
    }
    Ok((seq, file))
}

/// The changes that keep only the newest `keep` runs of every branch (`baseline prune`).
pub fn prune(files: &dyn Files, keep: usize) -> Result<(Changes, usize)> {
    let mut changes = Changes::new();
    let mut removed = 0;
    for branch in branches(files)? {
        let Some(mut index) = read_index(files, &branch)? else { continue };
        let excess = index.runs.len().saturating_sub(keep.max(1));
        if excess == 0 {
            continue;
        }
        for entry in index.runs.drain(..excess) {
            changes.insert(entry.file, None);
            removed += 1;
        }
        changes.insert(format!("{}/index.json", branch_dir(&branch)), Some(pretty(&index)));
    }
    Ok((changes, removed))
}

fn pretty<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("store files always serialize");
    bytes.push(b'\n');
    bytes
}

/// A run's catalog: its metrics' descriptors, as a JSON list.
struct Catalog<'a, M>(&'a [M]);

impl<M: ToStore> Serialize for Catalog<'_, M> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ToStore::descriptor))
    }
}

impl<M: ToStore> Catalog<'_, M> {
    /// The path named after the catalog file's content (FNV-1a, 64 bits, of what [`pretty`]
    /// writes), hashed as it is serialized: the file is made only when the store lacks it, and
    /// an unchanged suite's catalog, made to be hashed, was 2 MB at 20,000 metrics.
    fn path(&self) -> String {
        struct Fnv1a(u64);
        impl std::io::Write for Fnv1a {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0 = bytes.iter().fold(self.0, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut hash = Fnv1a(0xcbf2_9ce4_8422_2325);
        serde_json::to_writer_pretty(&mut hash, self).expect("store files always serialize");
        std::io::Write::write_all(&mut hash, b"\n").expect("hashing cannot fail");
        format!("catalogs/{:016x}.json", hash.0)
    }
}

/// A run's numbers in catalog order.
pub fn encode_values<M: ToStore>(run: &StoredRun<M>) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + run.metrics.len() * 32);
    out.extend_from_slice(RUN_MAGIC);
    varint(&mut out, run.metrics.len() as u64);
    for m in &run.metrics {
        let (stats, n) = (m.stats(), m.samples());
        let mut mask = stats.mask();
        // f32 keeps 7 significant digits, far below any timing's noise; an exact measurement
        // (a size) that f32 cannot hold keeps all of its digits.
        let wide = m.descriptor().exact && stats.values().any(|v| f64::from(v as f32) != v);
        if wide {
            mask |= WIDE;
        }
        if n.is_some() {
            mask |= HAS_N;
        }
        varint(&mut out, u64::from(mask));
        for v in stats.values() {
            if wide {
                out.extend_from_slice(&v.to_le_bytes());
            } else {
                out.extend_from_slice(&(v as f32).to_le_bytes());
            }
        }
        if let Some(n) = n {
            varint(&mut out, n);
        }
    }
    out
}

/// The numbers of `count` metrics; on error (byte offset, what was wrong).
pub fn decode_values(bytes: &[u8], count: usize) -> Result<Vec<Values>, (usize, String)> {
    struct All(Vec<Values>);
    impl Decoded for All {
        fn one(&mut self, mask: u32, values: &[f64], n: Option<u64>) {
            let stats = Stat::ALL.iter().filter(|s| mask & s.bit() != 0).copied().zip(values.iter().copied()).collect();
            self.0.push(Values { stats, n });
        }
    }
    let mut all = All(Vec::with_capacity(count));
    decode_each(bytes, count, &mut all)?;
    Ok(all.0)
}

/// The numbers of a run file straight into `run` (no map per metric).
pub fn decode_packed(bytes: &[u8], run: &mut PackedRun) -> Result<(), (usize, String)> {
    decode_each(bytes, run.catalog.len(), run)
}

impl Decoded for PackedRun {
    fn one(&mut self, mask: u32, values: &[f64], n: Option<u64>) {
        self.push(mask, values, n);
    }
    fn one_narrow(&mut self, mask: u32, values: &[f32], n: Option<u64>) {
        self.push_narrow(mask, values, n);
    }
    fn many(&mut self, mask: u32, values: &[f32], width: usize) {
        self.extend(mask, values, width);
    }
}

/// What [`decode_each`] hands the metrics it decodes to.
trait Decoded {
    /// One metric: its stat mask, its stats' values in [`Stat::ALL`] order, its sample count.
    fn one(&mut self, mask: u32, values: &[f64], n: Option<u64>);
    /// [`Decoded::one`] with the values as the file holds them (f32).
    fn one_narrow(&mut self, mask: u32, values: &[f32], n: Option<u64>) {
        let mut wide = [0.0; Stat::ALL.len()];
        for (wide, &value) in wide.iter_mut().zip(values) {
            *wide = f64::from(value);
        }
        self.one(mask, &wide[..values.len()], n);
    }
    /// Consecutive metrics with the same mask and no sample count, `width` (> 0) values each,
    /// as the file holds them (f32).
    fn many(&mut self, mask: u32, values: &[f32], width: usize) {
        for values in values.chunks_exact(width) {
            self.one_narrow(mask, values, None);
        }
    }
}

/// Metrics decoded per [`Decoded::many`] call: their values stay in the first-level cache.
const STRETCH: usize = 1024;

/// Hands every metric of a run file to `out`.
fn decode_each(bytes: &[u8], count: usize, out: &mut impl Decoded) -> Result<(), (usize, String)> {
    if bytes.get(..4) != Some(RUN_MAGIC) {
        return Err((0, "not a budgetgate run file (expected it to start with BGR2)".into()));
    }
    let mut at = 4;
    let stored = read_varint(bytes, &mut at)?;
    if stored != count as u64 {
        return Err((4, format!("holds {stored} metrics but its catalog lists {count}")));
    }
    let known = (1u32 << Stat::ALL.len()) - 1;
    let mut values = [0.0; Stat::ALL.len()];
    let mut narrow = [0.0f32; Stat::ALL.len()];
    let mut stretch = Vec::new();
    // The stats counted once per mask met in a row: most metrics of a run share one.
    let (mut last_mask, mut present) = (0, 0);
    let mut left = count;
    while left > 0 {
        let start = at;
        let mask = u32::try_from(read_varint(bytes, &mut at)?).map_err(|_| (start, "bad stat mask".to_string()))?;
        if mask & !(known | HAS_N | WIDE) != 0 {
            return Err((start, format!("unknown stats in mask {mask:#x} (written by a newer budgetgate?)")));
        }
        let stats = mask & known;
        if stats != last_mask {
            (last_mask, present) = (stats, stats.count_ones() as usize);
        }
        // Most runs are a stretch of metrics alike: a one-byte mask and f32 values, nothing
        // else. Those are taken a stretch at a time (a million of them in a 50-run history of
        // 20,000 metrics, where one call and its checks per metric were 12 % of the step).
        if mask == stats && at == start + 1 && present > 0 {
            let stride = 1 + 4 * present;
            let alike = bytes[start..]
                .chunks_exact(stride)
                .take(left.min(STRETCH))
                .take_while(|metric| u32::from(metric[0]) == mask)
                .count();
            if alike > 0 {
                stretch.clear();
                for metric in bytes[start..start + alike * stride].chunks_exact(stride) {
                    let numbers = metric[1..].chunks_exact(4);
                    stretch.extend(numbers.map(|raw| f32::from_le_bytes(raw.try_into().expect("4 bytes"))));
                }
                out.many(stats, &stretch, present);
                at = start + alike * stride;
                left -= alike;
                continue;
            }
        }
        // A metric's numbers in one bounds check.
        let width = if mask & WIDE != 0 { 8 } else { 4 };
        let Some(raw) = bytes.get(at..at + present * width) else {
            let complete = (bytes.len() - at) / width;
            return Err((at + complete * width, "the file ends in the middle of a number".into()));
        };
        at += present * width;
        let n = if mask & HAS_N != 0 { Some(read_varint(bytes, &mut at)?) } else { None };
        if width == 8 {
            for (value, raw) in values.iter_mut().zip(raw.chunks_exact(8)) {
                *value = f64::from_le_bytes(raw.try_into().expect("chunks of 8 bytes"));
            }
            out.one(stats, &values[..present], n);
        } else {
            for (value, raw) in narrow.iter_mut().zip(raw.chunks_exact(4)) {
                *value = f32::from_le_bytes(raw.try_into().expect("chunks of 4 bytes"));
            }
            out.one_narrow(stats, &narrow[..present], n);
        }
        left -= 1;
    }
    if at != bytes.len() {
        return Err((at, format!("{} bytes left over after the last metric", bytes.len() - at)));
    }
    Ok(())
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Result<u64, (usize, String)> {
    let start = *at;
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at).ok_or_else(|| (start, "the file ends in the middle of a number".to_string()))?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err((start, "a number longer than 64 bits".into()))
}

/// Files held in memory: the file store's container, and tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemoryFiles {
    pub label: String,
    pub files: BTreeMap<String, Vec<u8>>,
}

impl MemoryFiles {
    pub fn apply(&mut self, changes: Changes) {
        for (path, content) in changes {
            match content {
                Some(bytes) => {
                    self.files.insert(path, bytes);
                }
                None => {
                    self.files.remove(&path);
                }
            }
        }
    }
}

impl Files for MemoryFiles {
    fn paths(&self) -> Result<Vec<String>> {
        Ok(self.files.keys().cloned().collect())
    }
    fn read(&self, path: &str) -> Result<Option<Cow<'_, [u8]>>> {
        Ok(self.files.get(path).map(|b| Cow::Borrowed(b.as_slice())))
    }
    fn name(&self, path: &str) -> String {
        format!("{}:{path}", self.label)
    }
}

/// Pending changes on top of a store's files, read through: several records in one
/// transaction (`baseline import`).
pub struct Overlay<'a> {
    base: &'a dyn Files,
    changes: Changes,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a dyn Files) -> Self {
        Overlay { base, changes: Changes::new() }
    }

    pub fn apply(&mut self, changes: Changes) {
        self.changes.extend(changes);
    }

    pub fn into_changes(self) -> Changes {
        self.changes
    }
}

impl Files for Overlay<'_> {
    fn paths(&self) -> Result<Vec<String>> {
        let mut paths: std::collections::BTreeSet<String> = self.base.paths()?.into_iter().collect();
        for (path, content) in &self.changes {
            match content {
                Some(_) => paths.insert(path.clone()),
                None => paths.remove(path),
            };
        }
        Ok(paths.into_iter().collect())
    }
    fn read(&self, path: &str) -> Result<Option<Cow<'_, [u8]>>> {
        match self.changes.get(path) {
            Some(content) => Ok(content.as_deref().map(Cow::Borrowed)),
            None => self.base.read(path),
        }
    }
    fn exists(&self, path: &str) -> Result<bool> {
        match self.changes.get(path) {
            Some(content) => Ok(content.is_some()),
            None => self.base.exists(path),
        }
    }
    fn name(&self, path: &str) -> String {
        self.base.name(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Direction;

    fn run(commit: &str, metrics: usize) -> StoredRun {
        StoredRun {
            context: StoredContext { commit: Some(commit.into()), time: Some("t".into()), ..Default::default() },
            metrics: (0..metrics)
                .map(|i| StoredMetric {
                    descriptor: Descriptor {
                        name: format!("group/bench_{i:04}"),
                        measure: None,
                        unit: "ns".into(),
                        direction: Direction::LowerIsBetter,
                        exact: false,
                        part_of: None,
                    },
                    values: Values {
                        stats: [
                            (Stat::Value, 1234.5 + i as f64),
                            (Stat::Mean, 1234.5),
                            (Stat::Median, 1230.25),
                            (Stat::Min, 1200.0),
                            (Stat::Max, 1300.0),
                            (Stat::Stddev, 12.5),
                        ]
                        .into(),
                        n: Some(100),
                    },
                })
                .collect(),
        }
    }

    fn store() -> MemoryFiles {
        MemoryFiles { label: "mem".into(), ..Default::default() }
    }

    #[test]
    fn runs_round_trip_and_cost_under_40_bytes_per_metric() {
        let mut files = store();
        let r = run("c1", 200);
        files.apply(record(&files, "feature/x", &r, 50).unwrap());
        assert_eq!(branches(&files).unwrap(), ["feature/x"]);
        let index = read_index(&files, "feature/x").unwrap().unwrap();
        let back = read_runs(&files, &index.runs).unwrap();
        assert_eq!(back, [r]);
        let bytes = files.files[&index.runs[0].file].len();
        assert!(bytes <= 200 * 40, "{bytes} bytes for 200 metrics");
    }

    #[test]
    fn a_catalog_read_for_a_comparison_holds_no_room_beyond_its_descriptors() {
        let mut files = store();
        files.apply(record(&files, "main", &run("c1", 1_000), 50).unwrap());
        let index = read_index(&files, "main").unwrap().unwrap();
        let packed = read_packed(&files, &index.runs).unwrap();
        assert_eq!((packed[0].catalog.len(), packed[0].catalog.capacity()), (1_000, 1_000));
    }

    /// Stretches of metrics alike are decoded a stretch at a time: every mix of them with the
    /// metrics that are not (wide, with a sample count, other stats) reads back the same.
    #[test]
    fn stretches_of_alike_metrics_decode_as_metrics_one_by_one_do() {
        let mut r = run("c1", 2_600);
        for (i, m) in r.metrics.iter_mut().enumerate() {
            m.values = match i {
                1_000 => Values { stats: [(Stat::Raw, 16_777_217.0)].into(), n: None },
                1_001 | 2_599 => Values { stats: [(Stat::Value, i as f64 + 0.5)].into(), n: Some(7) },
                1_002..1_500 => Values { stats: [(Stat::Mean, i as f64), (Stat::Min, 1.0)].into(), n: None },
                _ => Values { stats: [(Stat::Value, i as f64 * 1.5)].into(), n: None },
            };
            m.descriptor.exact = i == 1_000;
        }
        let bytes = encode_values(&r);
        let one_by_one = decode_values(&bytes, r.metrics.len()).unwrap();
        let catalog = Arc::new(r.metrics.iter().map(|m| m.descriptor.clone()).collect::<Vec<_>>());
        let mut packed = PackedRun::new(r.context.clone(), catalog);
        decode_packed(&bytes, &mut packed).unwrap();
        assert_eq!(packed.len(), r.metrics.len());
        for (k, (m, back)) in r.metrics.iter().zip(&one_by_one).enumerate() {
            assert_eq!(back, &m.values, "metric {k}");
            let got = packed.get(k);
            let stats: Vec<(Stat, f64)> = Stat::ALL.iter().filter_map(|s| got.stat(*s).map(|v| (*s, v))).collect();
            assert_eq!(stats, m.values.stats.iter().collect::<Vec<_>>(), "metric {k}");
            assert_eq!(got.n, m.values.n, "metric {k}");
        }
        // Cut inside a stretch, in metric 2,000's value: the error points just past its mask.
        let before = StoredRun { metrics: r.metrics[..2_000].to_vec(), ..r.clone() };
        let start = encode_values(&before).len();
        let mut packed = PackedRun::new(r.context.clone(), Arc::new(Vec::new()));
        let err = decode_each(&bytes[..start + 3], r.metrics.len(), &mut packed).unwrap_err();
        assert_eq!(err, (start + 1, "the file ends in the middle of a number".to_string()));
    }

    /// A save borrows this run's metrics (`StoredRun::to_save`) where moving history between
    /// stores writes stored metrics of its own: both write the same files, byte for byte,
    /// whatever the metrics carry and in whatever order they come.
    #[test]
    fn a_save_of_borrowed_metrics_writes_the_files_a_stored_run_does() {
        use crate::model::{Metric, Run, RunContext};
        let mut metrics = vec![
            Metric::new("z/last", "ns", Direction::LowerIsBetter).with_stat(Stat::Value, 1.25),
            Metric::new("a/first", "ops/s", Direction::HigherIsBetter)
                .with_stat(Stat::Mean, 10.0)
                .with_stat(Stat::P95, 12.5)
                .measure("throughput"),
            Metric::new("bundle/app/main.js", "B", Direction::LowerIsBetter).with_stat(Stat::Gzip, 123_456_789.0),
            Metric::new("a/first", "ns", Direction::LowerIsBetter).with_stat(Stat::Min, 3.0),
        ];
        metrics[2].exact = true;
        metrics[2].part_of = Some("bundle/app".into());
        metrics[3].n = Some(40);
        let run = Run {
            context: RunContext { commit: Some("c1".into()), time: Some("t".into()), ..Default::default() },
            metrics,
        };
        let owned = StoredRun::from_run(&run, Some("ct".into()));
        let borrowed = StoredRun::to_save(&run.context, &run.metrics, Some("ct".into()));
        let names: Vec<&str> = borrowed.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a/first", "a/first", "bundle/app/main.js", "z/last"], "sorted by name, then measure");
        assert_eq!(borrowed.metrics[0].measure, None);
        let files = store();
        assert_eq!(record(&files, "main", &borrowed, 5).unwrap(), record(&files, "main", &owned, 5).unwrap());
    }

    /// The catalog's name is hashed as it is serialized, without its bytes: it must name the
    /// bytes a save writes, or every save of an unchanged suite would add a catalog.
    #[test]
    fn a_catalog_is_named_after_the_bytes_it_writes() {
        let mut r = run("c1", 30);
        r.metrics[3].descriptor.measure = Some("allocations \"quoted\"".into());
        r.metrics[4].descriptor.part_of = Some("bundle/app".into());
        r.metrics[4].descriptor.exact = true;
        let files = store();
        let changes = record(&files, "main", &r, 5).unwrap();
        let (path, bytes) = changes.iter().find(|(p, _)| p.starts_with("catalogs/")).unwrap();
        let bytes = bytes.as_ref().unwrap();
        let fnv =
            bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
        assert_eq!(path, &format!("catalogs/{fnv:016x}.json"));
        let descriptors: Vec<Descriptor> = serde_json::from_slice(bytes).unwrap();
        assert_eq!(descriptors, r.metrics.iter().map(|m| m.descriptor.clone()).collect::<Vec<_>>());
    }

    #[test]
    fn exact_sizes_keep_every_digit() {
        let mut r = run("c1", 1);
        r.metrics[0].descriptor.exact = true;
        r.metrics[0].values = Values { stats: [(Stat::Gzip, 123_456_789.0)].into(), n: None };
        let decoded = decode_values(&encode_values(&r), 1).unwrap();
        assert_eq!(decoded[0].stats.get(Stat::Gzip).unwrap(), 123_456_789.0);
    }

    #[test]
    fn a_save_adds_one_run_file_and_bounds_the_branch() {
        let mut files = store();
        for i in 0..5 {
            files.apply(record(&files, "main", &run(&format!("c{i}"), 3), 3).unwrap());
        }
        let index = read_index(&files, "main").unwrap().unwrap();
        let commits: Vec<_> = index.runs.iter().map(|e| e.context.commit.clone().unwrap()).collect();
        assert_eq!(commits, ["c2", "c3", "c4"]);
        let run_files = files.files.keys().filter(|p| p.ends_with(".bgr")).count();
        assert_eq!(run_files, 3, "pruned runs' files are deleted");
        assert_eq!(files.files.keys().filter(|p| p.starts_with("catalogs/")).count(), 1, "one catalog shared");
        // A re-run of a stored commit replaces it.
        let changes = record(&files, "main", &run("c3", 3), 3).unwrap();
        assert_eq!(changes.values().filter(|c| c.is_none()).count(), 1);
        files.apply(changes);
        let index = read_index(&files, "main").unwrap().unwrap();
        let commits: Vec<_> = index.runs.iter().map(|e| e.context.commit.clone().unwrap()).collect();
        assert_eq!(commits, ["c2", "c4", "c3"]);
    }

    #[test]
    fn an_index_at_the_largest_sequence_number_is_refused_not_wrapped() {
        let mut files = store();
        files.apply(record(&files, "main", &run("c0", 2), 5).unwrap());
        let path = "branches/main/index.json".to_string();
        let mut index = read_index(&files, "main").unwrap().unwrap();
        index.next_seq = u64::MAX;
        files.files.insert(path.clone(), pretty(&index));
        let err = record(&files, "main", &run("c1", 2), 5).unwrap_err().to_string();
        assert!(err.contains(&path) && err.contains("next_seq") && err.contains("damaged"), "{err}");
    }

    #[test]
    fn an_index_whose_next_seq_went_back_never_overwrites_a_stored_run() {
        let mut files = store();
        files.apply(record(&files, "main", &run("c0", 2), 5).unwrap());
        files.apply(record(&files, "main", &run("c1", 2), 5).unwrap());
        let mut index = read_index(&files, "main").unwrap().unwrap();
        index.next_seq = 0;
        files.files.insert("branches/main/index.json".into(), pretty(&index));
        let changes = record(&files, "main", &run("c2", 2), 5).unwrap();
        for entry in &index.runs {
            assert!(!changes.contains_key(&entry.file), "{} rewritten", entry.file);
        }
        files.apply(changes);
        let index = read_index(&files, "main").unwrap().unwrap();
        assert_eq!(read_runs(&files, &index.runs).unwrap().len(), 3);
    }

    #[test]
    fn a_newer_layout_is_refused() {
        let mut files = store();
        files.files.insert(MANIFEST.into(), br#"{"format": "budgetgate-baseline", "version": 3}"#.to_vec());
        let err = record(&files, "main", &run("c", 1), 5).unwrap_err().to_string();
        assert!(err.contains("newer budgetgate") && err.contains("mem:budgetgate.json"), "{err}");
    }

    #[test]
    fn damaged_run_files_name_the_file_and_the_byte() {
        let mut files = store();
        files.apply(record(&files, "main", &run("c", 2), 5).unwrap());
        let index = read_index(&files, "main").unwrap().unwrap();
        let path = index.runs[0].file.clone();
        let bytes = files.files.get_mut(&path).unwrap();
        bytes.truncate(bytes.len() - 3);
        let err = read_runs(&files, &index.runs).unwrap_err().to_string();
        assert!(err.contains(&path) && err.contains("ends in the middle"), "{err}");
    }

    #[test]
    fn branch_names_become_one_safe_path_part() {
        for name in ["main", "feature/x", "../etc", "a b", ".hidden", "ünï"] {
            let dir = branch_dir(name);
            let part = dir.strip_prefix("branches/").unwrap();
            assert!(!part.contains('/') && !part.starts_with('.'), "{dir}");
            assert_eq!(decode_branch(part).as_deref(), Some(name));
        }
    }
}
