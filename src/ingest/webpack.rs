//! webpack's stats JSON (`webpack --json > stats.json`, also what rspack writes): every emitted
//! asset's size as `bundle/<asset>`, in bytes, measured exactly (the `raw` size stat, as for
//! our own bundle sizes).
//!
//! Schema: webpack 5.113 `lib/stats/DefaultStatsFactoryPlugin.js` (`assets[].{name, size,
//! chunks, chunkNames, info.{contenthash, chunkhash, fullhash, development}}`,
//! `chunks[].{id, names, hash, modules[].{name, size}}`, `children[]` of a multi-compiler,
//! `errors[]`), https://github.com/webpack/webpack/blob/v5.113.0/lib/stats/DefaultStatsFactoryPlugin.js
//! and webpack 4.47 `lib/Stats.js` (no hashes in `info`, `errors` as strings).
//!
//! Names: the asset's path without its content hash, so a file keeps its name across builds
//! (`main.4a340dc7.js` → `bundle/main.js`, `chart.90f7c469.chunk.js` → `bundle/chart.chunk.js`).
//! The hashes to remove are the ones webpack reports for the asset (`info.contenthash`, …) and
//! its chunks (`hash`); webpack 4 reports no content hash, so there each dot-separated part is
//! tested with the bundle sizer's hash recogniser ([`crate::bundle::StripHash`]). A chunk
//! without a name (`import()` without `webpackChunkName`) is named, as esbuild's shared chunks
//! are, by its largest module: `bundle/227.chunk.js (settings.js)`. Configurations of a
//! multi-compiler build are prefixed with their `name` (`bundle/web/main.js`). Source maps,
//! license files and development-only assets (the bundle sizer's default excludes) are not
//! shipped code and are not read; `related` assets (compressed copies) are not read either. A
//! build with errors is an error: its sizes are not what would ship.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::{at, Format};
use crate::bundle::{StripHash, DEFAULT_EXCLUDES};
use crate::error::{from_json, Error, Place, Result};
use crate::globs::NamePattern;
use crate::model::{Direction, Metric, Stat};
use crate::units::BYTES;

pub struct Webpack;

#[derive(Deserialize)]
struct Stats {
    name: Option<String>,
    /// Objects with `message` in webpack 5, strings in webpack 4.
    #[serde(default)]
    errors: Vec<serde_json::Value>,
    #[serde(default)]
    assets: Vec<Asset>,
    #[serde(default)]
    chunks: Vec<Chunk>,
    #[serde(default)]
    children: Vec<Stats>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Asset {
    name: String,
    size: f64,
    /// Chunk ids: numbers, or strings with `chunkIds: 'named'`.
    #[serde(default)]
    chunks: Vec<serde_json::Value>,
    #[serde(default)]
    chunk_names: Vec<String>,
    #[serde(default)]
    info: AssetInfo,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AssetInfo {
    contenthash: Option<Hashes>,
    chunkhash: Option<Hashes>,
    fullhash: Option<Hashes>,
    #[serde(default)]
    development: bool,
    #[serde(default)]
    hot_module_replacement: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Hashes {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct Chunk {
    id: serde_json::Value,
    #[serde(default)]
    names: Vec<String>,
    hash: Option<String>,
    #[serde(default)]
    modules: Vec<Module>,
}

#[derive(Deserialize)]
struct Module {
    name: String,
    size: f64,
}

/// `file` (the last part of an asset path) without the parts that are hashes.
fn strip_hashes(file: &str, known: &[&str], guess: bool) -> String {
    let is_hash = |part: &str| {
        (part.len() >= 4 && known.iter().any(|h| h.starts_with(part)))
            || (guess && StripHash::Auto.strip(&format!("x.{part}.js")) == "x.js")
    };
    // Parts between `.` or `-` separators; the first (the stem) and the last (the extension)
    // always stay.
    let mut parts: Vec<(char, &str)> = Vec::new();
    let mut start = 0;
    let mut sep = ' ';
    for (i, c) in file.char_indices() {
        if c == '.' || c == '-' {
            parts.push((sep, &file[start..i]));
            sep = c;
            start = i + 1;
        }
    }
    parts.push((sep, &file[start..]));
    let last = parts.len() - 1;
    let mut out = String::new();
    for (i, (sep, part)) in parts.iter().enumerate() {
        if i != 0 && i != last && is_hash(part) {
            continue;
        }
        if i != 0 {
            out.push(*sep);
        }
        out.push_str(part);
    }
    out
}

fn first_line(error: &serde_json::Value) -> String {
    let text = error.get("message").and_then(|m| m.as_str()).or(error.as_str()).unwrap_or("");
    text.lines().next().unwrap_or("").to_string()
}

fn read_stats(path: &Path, stats: &Stats, origin: &str, prefix: &str, out: &mut Vec<Metric>) -> Result<()> {
    if let Some(first) = stats.errors.first() {
        return Err(at(
            path,
            format!("{origin}errors"),
            format!(
                "the build failed with {} error(s), so its sizes are not what would ship; the first: {}",
                stats.errors.len(),
                first_line(first)
            ),
        ));
    }
    for (i, child) in stats.children.iter().enumerate() {
        let name = child.name.clone().unwrap_or_else(|| i.to_string());
        read_stats(path, child, &format!("{origin}children[{i}]."), &format!("{prefix}{name}/"), out)?;
    }
    let excludes: Vec<NamePattern> =
        DEFAULT_EXCLUDES.iter().map(|p| NamePattern::new(p).expect("the bundle sizer's excludes are valid")).collect();
    let chunks: HashMap<String, &Chunk> = stats.chunks.iter().map(|c| (c.id.to_string(), c)).collect();
    let mut seen: HashMap<String, &str> = HashMap::new();
    for (i, asset) in stats.assets.iter().enumerate() {
        let asset_origin = format!("{origin}assets[{i}]");
        if asset.info.development
            || asset.info.hot_module_replacement
            || excludes.iter().any(|e| e.matches(&asset.name))
        {
            continue;
        }
        let own_chunks: Vec<&Chunk> =
            asset.chunks.iter().filter_map(|id| chunks.get(&id.to_string()).copied()).collect();
        let info = &asset.info;
        let mut known: Vec<&str> = Vec::new();
        for hashes in [&info.contenthash, &info.chunkhash, &info.fullhash].into_iter().flatten() {
            match hashes {
                Hashes::One(h) => known.push(h),
                Hashes::Many(hs) => known.extend(hs.iter().map(String::as_str)),
            }
        }
        let guess = known.is_empty();
        known.extend(own_chunks.iter().filter_map(|c| c.hash.as_deref()));
        let (dir, file) = asset.name.rsplit_once('/').map_or(("", asset.name.as_str()), |(d, f)| (d, f));
        let mut name = strip_hashes(file, &known, guess);
        if !dir.is_empty() {
            name = format!("{dir}/{name}");
        }
        if asset.chunk_names.is_empty() && own_chunks.iter().all(|c| c.names.is_empty()) {
            let main = own_chunks
                .iter()
                .flat_map(|c| &c.modules)
                .filter(|m| !m.name.starts_with("webpack/runtime/"))
                .max_by(|a, b| a.size.total_cmp(&b.size).then_with(|| b.name.cmp(&a.name)));
            if let Some(main) = main {
                let module = main.name.split(" + ").next().unwrap_or(&main.name);
                name = format!("{name} ({})", module.rsplit('/').next().unwrap_or(module));
            }
        }
        let name = format!("bundle/{prefix}{name}");
        if let Some(other) = seen.insert(name.clone(), &asset.name) {
            return Err(at(
                path,
                asset_origin,
                format!("assets `{other}` and `{}` both read as `{name}` once hashes are removed", asset.name),
            ));
        }
        let mut metric =
            Metric::new(name, BYTES, Direction::LowerIsBetter).at(asset_origin).with_stat(Stat::Raw, asset.size);
        metric.exact = true;
        out.push(metric);
    }
    Ok(())
}

impl Format for Webpack {
    fn name(&self) -> &'static str {
        "webpack"
    }

    fn describe(&self) -> &'static str {
        "webpack stats JSON: webpack --json > stats.json (each asset becomes bundle/<asset>, hash removed)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 4096);
        head.trim_start().starts_with('{')
            && (head.contains("\"assetsByChunkName\"")
                || (head.contains("\"assets\"") && head.contains("\"chunkNames\"")))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let stats: Stats = from_json(path, text)?;
        let mut metrics = Vec::new();
        read_stats(path, &stats, "", "", &mut metrics)?;
        if metrics.is_empty() {
            return Err(Error::input(
                path,
                Place::Whole,
                "no asset in these webpack stats (or only source maps); keep `assets` in the stats options",
            ));
        }
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, fixture, read_as};
    use super::*;

    fn names(metrics: &[Metric]) -> Vec<&str> {
        let mut names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
        names.sort();
        names
    }

    #[test]
    fn webpack_5_assets_without_their_hashes() {
        assert_eq!(detected("webpack/v5_stats.json"), "webpack");
        let metrics = read_as("webpack", "webpack/v5_stats.json");
        assert_eq!(
            names(&metrics),
            ["bundle/227.chunk.js (settings.js)", "bundle/admin.js", "bundle/chart.chunk.js", "bundle/main.js"]
        );
        let main = find(&metrics, "bundle/main.js");
        assert_eq!((main.stat(Stat::Raw), main.unit.as_str(), main.exact), (Some(2606.0), BYTES, true));
        assert_eq!(find(&metrics, "bundle/227.chunk.js (settings.js)").stat(Stat::Raw), Some(259.0));
    }

    #[test]
    fn webpack_4_hashes_are_recognised_without_info() {
        assert_eq!(detected("webpack/v4_stats.json"), "webpack");
        let metrics = read_as("webpack", "webpack/v4_stats.json");
        assert_eq!(
            names(&metrics),
            ["bundle/3.chunk.js (settings.js)", "bundle/admin.js", "bundle/chart.chunk.js", "bundle/main.js"]
        );
        assert_eq!(find(&metrics, "bundle/main.js").stat(Stat::Raw), Some(2500.0));
    }

    #[test]
    fn multi_compiler_children_are_prefixed_by_name() {
        assert_eq!(detected("webpack/v5_multi.json"), "webpack");
        let metrics = read_as("webpack", "webpack/v5_multi.json");
        assert_eq!(
            names(&metrics),
            ["bundle/admin/main.js", "bundle/web/227.js (settings.js)", "bundle/web/chart.js", "bundle/web/main.js"]
        );
        assert_eq!(find(&metrics, "bundle/admin/main.js").stat(Stat::Raw), Some(52.0));
    }

    #[test]
    fn a_failed_build_is_an_error() {
        let path = fixture("webpack/v5_failed.json");
        let err = Webpack.parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap_err().to_string();
        assert!(
            err.contains("at `errors`: the build failed with 2 error(s)")
                && err.contains("Module parse failed: 'import' and 'export' may appear only with 'sourceType: module'"),
            "{err}"
        );
    }

    #[test]
    fn hash_stripping() {
        assert_eq!(strip_hashes("main.4a340dc7194cf6e5ba49.js", &["4a340dc7194cf6e5ba49"], false), "main.js");
        assert_eq!(strip_hashes("chart.90f7c469.chunk.js", &["90f7c469"], false), "chart.chunk.js");
        assert_eq!(strip_hashes("app-3f9a2c1b.js", &["3f9a2c1b7e"], false), "app.js");
        // Only known hashes go when webpack names them; nothing is guessed then.
        assert_eq!(strip_hashes("vendor.2024.min.js", &["abcdef12"], false), "vendor.2024.min.js");
        assert_eq!(strip_hashes("3.3cb643d7.chunk.js", &[], true), "3.chunk.js");
        assert_eq!(strip_hashes("vendor.min.js", &[], true), "vendor.min.js");
    }

    #[test]
    fn source_maps_and_licenses_are_not_read() {
        let stats = r#"{"assets": [
            {"name": "main.js", "size": 10, "chunkNames": ["main"]},
            {"name": "main.js.map", "size": 20, "chunkNames": ["main"]},
            {"name": "js/main.js.LICENSE.txt", "size": 30, "chunkNames": []}]}"#;
        assert_eq!(names(&Webpack.parse(Path::new("s.json"), stats).unwrap()), ["bundle/main.js"]);
    }

    #[test]
    fn empty_stats_and_duplicate_names() {
        let err = Webpack.parse(Path::new("s.json"), r#"{"assets": []}"#).unwrap_err().to_string();
        assert!(err.contains("no asset"), "{err}");
        let two = r#"{"assets": [
            {"name": "a.11112222.js", "size": 1, "chunkNames": ["a"], "info": {"contenthash": "11112222"}},
            {"name": "a.33334444.js", "size": 2, "chunkNames": ["a"], "info": {"contenthash": "33334444"}}]}"#;
        let err = Webpack.parse(Path::new("s.json"), two).unwrap_err().to_string();
        assert!(err.contains("at `assets[1]`") && err.contains("both read as `bundle/a.js`"), "{err}");
    }
}
