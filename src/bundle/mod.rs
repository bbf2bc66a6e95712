//! Bundle sizes: the raw, gzip and brotli sizes of build outputs matched by globs, as metrics
//! `bundle/<name>` (the group total) and `bundle/<name>/<file>` (each file, content hash
//! stripped from its name so a file keeps its name across builds).
//!
//! Settings match what front-end teams already see: gzip level 9 as gzip-size (used by
//! compressed-size-action) and size-limit's `gzip: true`; brotli quality 11, window 22, generic
//! mode, as brotli-size and size-limit. Files are read once, identical contents compressed once,
//! and compression runs on every core.

mod compress;
mod hashes;
mod metafile;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::globs;
use crate::model::{Direction, Metric, Source, Stat};
use crate::units::BYTES;

pub use hashes::StripHash;
pub use metafile::Metafile;

/// Build outputs nobody ships to users' browsers as code: excluded unless
/// `default_excludes: false`.
pub const DEFAULT_EXCLUDES: [&str; 5] = ["**/*.map", "**/*.LICENSE.txt", "**/*.LICENSE", "**/*.d.ts", "**/.DS_Store"];

/// gzip-size: `{level: 9, ...options}`.
pub const DEFAULT_GZIP_LEVEL: u32 = 9;
/// brotli-size and size-limit: BROTLI_PARAM_QUALITY 11 (BROTLI_MAX_QUALITY).
pub const DEFAULT_BROTLI_QUALITY: u32 = 11;

/// One `bundles:` entry (or `--bundle NAME=GLOB`), validated.
#[derive(Debug, Clone)]
pub struct BundleSpec {
    pub name: String,
    /// Globs of files to include, relative to the working directory.
    pub include: Vec<String>,
    /// Globs of files to leave out (`exclude:` and `!glob` entries of `path:`).
    pub exclude: Vec<String>,
    pub default_excludes: bool,
    /// `None`: gzip size not computed.
    pub gzip_level: Option<u32>,
    /// `None`: brotli size not computed.
    pub brotli_quality: Option<u32>,
    pub strip_hash: StripHash,
    /// esbuild's metafile, to name outputs that share a name once hashes are stripped.
    pub metafile: Option<PathBuf>,
}

impl BundleSpec {
    /// A bundle with the default settings, as `--bundle NAME=GLOB` gives.
    pub fn new(name: impl Into<String>, paths: Vec<String>) -> BundleSpec {
        let (exclude, include): (Vec<String>, Vec<String>) = paths.into_iter().partition(|p| p.starts_with('!'));
        BundleSpec {
            name: name.into(),
            include,
            exclude: exclude.into_iter().map(|p| p[1..].to_string()).collect(),
            default_excludes: true,
            gzip_level: Some(DEFAULT_GZIP_LEVEL),
            brotli_quality: Some(DEFAULT_BROTLI_QUALITY),
            strip_hash: StripHash::Auto,
            metafile: None,
        }
    }

    /// Parses the CLI form `NAME=GLOB`.
    pub fn from_cli(arg: &str) -> Result<BundleSpec> {
        match arg.split_once('=') {
            Some((name, glob)) if valid_name(name) && !glob.trim().is_empty() => {
                Ok(BundleSpec::new(name, vec![glob.to_string()]))
            }
            _ => Err(Error::Usage(format!(
                "--bundle `{arg}`: expected NAME=GLOB, e.g. --bundle 'web=dist/**/*.{{js,css}}' (a name without `/`)"
            ))),
        }
    }

    /// The metric name of the group total.
    pub fn metric_name(&self) -> String {
        format!("bundle/{}", self.name)
    }
}

/// Whether `name` can name a bundle: it becomes a metric name part, so no `/`.
pub fn valid_name(name: &str) -> bool {
    !name.trim().is_empty() && !name.contains('/')
}

/// The metric names `measure` would produce, without reading or compressing anything: what
/// `validate` needs to tell whether budgets match.
pub fn metric_names(specs: &[BundleSpec]) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for spec in specs {
        let group = spec.metric_name();
        names.extend(match_files(spec)?.into_iter().map(|f| format!("{group}/{}", f.display)));
        names.push(group);
    }
    Ok(names)
}

/// One matched file: where it is and the name it is reported (and matched across builds) as.
#[derive(Debug, Clone)]
struct BundleFile {
    path: PathBuf,
    display: String,
}

/// Measures every bundle. A bundle whose globs match no file is an error, as for results.
pub fn measure(specs: &[BundleSpec]) -> Result<Vec<Metric>> {
    let mut plans = Vec::with_capacity(specs.len());
    for spec in specs {
        plans.push((spec, match_files(spec)?));
    }

    // Read each path once, even when several bundles include it.
    let mut contents: Vec<Vec<u8>> = Vec::new();
    let mut by_path: HashMap<PathBuf, usize> = HashMap::new();
    for (_, files) in &plans {
        for file in files {
            if !by_path.contains_key(&file.path) {
                let bytes = std::fs::read(&file.path).map_err(|e| Error::io(&file.path, "cannot read", e))?;
                by_path.insert(file.path.clone(), contents.len());
                contents.push(bytes);
            }
        }
    }
    let mut jobs = Vec::new();
    for (spec, files) in &plans {
        for file in files {
            jobs.push(compress::Job {
                content: by_path[&file.path],
                gzip_level: spec.gzip_level,
                brotli_quality: spec.brotli_quality,
            });
        }
    }
    let sizes = compress::sizes(&contents, &jobs);

    let mut metrics = Vec::new();
    let mut next = 0;
    for (spec, files) in &plans {
        let group = spec.metric_name();
        let mut total = Metric::new(group.clone(), BYTES, Direction::LowerIsBetter);
        total.exact = true;
        for file in files {
            let size = sizes[next];
            next += 1;
            let mut metric = Metric::new(format!("{group}/{}", file.display), BYTES, Direction::LowerIsBetter);
            metric.exact = true;
            metric.part_of = Some(group.clone());
            metric.source = Some(std::sync::Arc::new(Source {
                file: file.path.display().to_string().into(),
                format: "bundle".into(),
            }));
            for (stat, value) in size.stats() {
                metric.stats.insert(stat, value as f64);
                *total.stats.or_insert(stat, 0.0) += value as f64;
            }
            metrics.push(metric);
        }
        total.n = Some(files.len() as u64);
        metrics.push(total);
    }
    Ok(metrics)
}

/// The files of one bundle, sorted, with the names they are reported under.
fn match_files(spec: &BundleSpec) -> Result<Vec<BundleFile>> {
    let mut excludes: Vec<String> = spec.exclude.clone();
    if spec.default_excludes {
        excludes.extend(DEFAULT_EXCLUDES.iter().map(|s| s.to_string()));
    }
    let excludes: Vec<globs::NamePattern> = excludes
        .iter()
        .map(|p| globs::NamePattern::new(p).map_err(|e| Error::Usage(format!("bundle `{}`: exclude {e}", spec.name))))
        .collect::<Result<_>>()?;

    let mut files: Vec<BundleFile> = Vec::new();
    let mut matched_before_excludes = 0;
    for pattern in &spec.include {
        let base = literal_base(pattern);
        for path in globs::find_files(pattern)? {
            matched_before_excludes += 1;
            let text = path.to_string_lossy().replace('\\', "/");
            if excludes.iter().any(|e| e.matches(&text)) || files.iter().any(|f| f.path == path) {
                continue;
            }
            let relative = path.strip_prefix(&base).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            files.push(BundleFile { display: spec.strip_hash.strip(&relative), path });
        }
    }
    if files.is_empty() {
        let why = if matched_before_excludes > 0 {
            format!("its {matched_before_excludes} matching file(s) are all excluded")
        } else {
            "it matched no file".to_string()
        };
        return Err(Error::Usage(format!(
            "bundle `{}` ({}): {why} (working directory {}); did the build run and write its output there?",
            spec.name,
            spec.include.join(", "),
            std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()
        )));
    }
    let metafile = spec.metafile.as_deref().map(Metafile::load).transpose()?;
    disambiguate(&mut files, metafile.as_ref())?;
    files.sort_by(|a, b| a.display.cmp(&b.display));
    Ok(files)
}

/// Files whose names are equal once hashes are stripped (esbuild calls every shared chunk
/// `chunk-<hash>.js`) are told apart by the module that makes up most of each, when a
/// metafile says (`chunk.js (preact.mjs)`), else by size rank, largest first — `chunk.js`,
/// `chunk.js (2)` — so that across builds the big shared chunk is compared with the big one.
fn disambiguate(files: &mut [BundleFile], metafile: Option<&Metafile>) -> Result<()> {
    let collisions = |files: &[BundleFile]| {
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            groups.entry(f.display.clone()).or_default().push(i);
        }
        groups.into_iter().filter(|(_, m)| m.len() > 1).collect::<Vec<_>>()
    };
    if let Some(meta) = metafile {
        for (name, members) in collisions(files) {
            for i in members {
                if let Some(main) = meta.main_input(&files[i].path) {
                    files[i].display = format!("{name} ({main})");
                }
            }
        }
    }
    for (name, members) in collisions(files) {
        let mut ranked = Vec::with_capacity(members.len());
        for i in members {
            let len = std::fs::metadata(&files[i].path).map_err(|e| Error::io(&files[i].path, "cannot read", e))?.len();
            ranked.push((std::cmp::Reverse(len), files[i].path.clone(), i));
        }
        ranked.sort();
        for (rank, (_, _, i)) in ranked.into_iter().enumerate().skip(1) {
            files[i].display = format!("{name} ({})", rank + 1);
        }
    }
    Ok(())
}

/// The directory part of a glob before its first wildcard: names are reported relative to it
/// (`dist/assets/**/*.js` → `dist/assets`).
fn literal_base(pattern: &str) -> PathBuf {
    let mut base = PathBuf::new();
    let parts: Vec<&str> = pattern.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        if part.contains(['*', '?', '[', '{']) {
            break;
        }
        base.push(part);
    }
    base
}

/// The sizes of one file, for the stats present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sizes {
    pub raw: u64,
    pub gzip: Option<u64>,
    pub brotli: Option<u64>,
}

impl Sizes {
    fn stats(self) -> impl Iterator<Item = (Stat, u64)> {
        [(Stat::Raw, Some(self.raw)), (Stat::Gzip, self.gzip), (Stat::Brotli, self.brotli)]
            .into_iter()
            .filter_map(|(s, v)| v.map(|v| (s, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_base_stops_at_the_first_wildcard() {
        assert_eq!(literal_base("dist/assets/**/*.js"), PathBuf::from("dist/assets"));
        assert_eq!(literal_base("dist/*.{js,css}"), PathBuf::from("dist"));
        assert_eq!(literal_base("*.js"), PathBuf::new());
        assert_eq!(literal_base("dist/app.js"), PathBuf::from("dist"));
    }

    #[test]
    fn cli_form() {
        let spec = BundleSpec::from_cli("web=dist/**/*.js").unwrap();
        assert_eq!((spec.name.as_str(), spec.include.as_slice()), ("web", ["dist/**/*.js".to_string()].as_slice()));
        assert!(BundleSpec::from_cli("dist/**/*.js").is_err());
        assert!(BundleSpec::from_cli("a/b=x").is_err());
        let spec = BundleSpec::new("w", vec!["dist/**".into(), "!dist/legacy/**".into()]);
        assert_eq!(spec.exclude, ["dist/legacy/**"]);
    }
}
