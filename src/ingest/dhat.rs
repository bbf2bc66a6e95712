//! DHAT heap profiles: `dhat-heap.json` from the dhat crate (`dhat::Profiler::new_heap()`) and
//! `dhat.out.<pid>` from `valgrind --tool=dhat`, one program run per file.
//!
//! Schema: DHAT's JSON format, described in Valgrind 3.19 `dhat/dh_main.c` (comment above
//! `write_APs_to_file`) and written by dhat-rs 0.3.3 `src/lib.rs` (`DhatJson`),
//! https://sourceware.org/git/?p=valgrind.git;a=blob;f=dhat/dh_main.c;hb=VALGRIND_3_19_0
//!
//! The run's totals are the sums over its program points (`pps`), which is what both tools
//! print at exit (`Total: 4,993 bytes in 106 blocks`, `At t-gmax: …`, `At t-end: …`):
//! headline = total bytes allocated; measures `total-blocks`, `at-t-gmax-bytes` and
//! `at-t-gmax-blocks` (the heap's peak), `at-t-end-bytes`/`-blocks` (still live at exit), and
//! `reads-bytes`/`writes-bytes` where the profile tracked accesses. The measure names are the
//! ones Bencher gives gungraun's DHAT figures. Counts are exact (`exact`).
//!
//! Name: the profiled command (`cmd`) with the program's directory and cargo's `-<hash>` suffix
//! dropped, so `target/release/deps/alloc-1a2b3c4d5e6f7a8b --bench` reads `alloc --bench`.

use std::path::Path;

use serde::Deserialize;

use super::{at, Format};
use crate::error::{from_json, Result};
use crate::model::{Direction, Metric, Stat};
use crate::units::BYTES;

pub struct Dhat;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    #[serde(rename = "dhatFileVersion")]
    _version: u32,
    mode: String,
    cmd: String,
    pps: Vec<ProgramPoint>,
}

/// One allocation site; field names are DHAT's abbreviations.
#[derive(Deserialize)]
struct ProgramPoint {
    /// Total bytes and blocks allocated here.
    tb: f64,
    tbk: f64,
    /// Bytes and blocks live at the global heap peak (t-gmax) and at exit (t-end).
    gb: f64,
    gbk: f64,
    eb: f64,
    ebk: f64,
    /// Bytes read and written, only with access tracking (`bkacc: true`).
    rb: Option<f64>,
    wb: Option<f64>,
}

impl Format for Dhat {
    fn name(&self) -> &'static str {
        "dhat"
    }

    fn describe(&self) -> &'static str {
        "DHAT heap profile: dhat-heap.json (dhat crate, dhat::Profiler::new_heap()) or valgrind --tool=dhat --dhat-out-file=FILE"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 1024);
        head.trim_start().starts_with('{') && head.contains("\"dhatFileVersion\"")
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let profile: Profile = from_json(path, text)?;
        if !matches!(profile.mode.as_str(), "heap" | "rust-heap") {
            return Err(at(
                path,
                "mode",
                format!("is `{}`; only heap profiles (`heap`, `rust-heap`) have byte totals to budget", profile.mode),
            ));
        }
        let name = command_name(&profile.cmd);
        if name.is_empty() {
            return Err(at(path, "cmd", "is empty; expected the profiled command, which names the benchmark"));
        }
        let sum = |field: fn(&ProgramPoint) -> f64| profile.pps.iter().map(field).sum::<f64>();
        let mut figures = vec![
            (None, BYTES, sum(|p| p.tb)),
            (Some("total-blocks"), "blocks", sum(|p| p.tbk)),
            (Some("at-t-gmax-bytes"), BYTES, sum(|p| p.gb)),
            (Some("at-t-gmax-blocks"), "blocks", sum(|p| p.gbk)),
            (Some("at-t-end-bytes"), BYTES, sum(|p| p.eb)),
            (Some("at-t-end-blocks"), "blocks", sum(|p| p.ebk)),
        ];
        if profile.pps.iter().all(|p| p.rb.is_some() && p.wb.is_some()) && !profile.pps.is_empty() {
            figures.push((Some("reads-bytes"), BYTES, sum(|p| p.rb.unwrap_or(0.0))));
            figures.push((Some("writes-bytes"), BYTES, sum(|p| p.wb.unwrap_or(0.0))));
        }
        Ok(figures
            .into_iter()
            .map(|(measure, unit, value)| {
                let mut m = Metric::new(&name, unit, Direction::LowerIsBetter).at("pps").with_stat(Stat::Value, value);
                m.measure = measure.map(str::to_string);
                m.exact = true;
                m
            })
            .collect())
    }
}

/// `./target/release/deps/alloc-1a2b3c4d5e6f7a8b --bench` → `alloc --bench`.
fn command_name(cmd: &str) -> String {
    let cmd = cmd.trim();
    let (program, args) = cmd.split_once(' ').unwrap_or((cmd, ""));
    let mut program = program.rsplit(['/', '\\']).next().unwrap_or(program);
    if let Some((stem, hash)) = program.rsplit_once('-') {
        if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) {
            program = stem;
        }
    }
    format!("{program} {}", args.trim()).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use super::command_name;
    use crate::model::Stat;

    #[test]
    fn dhat_rs_totals_match_what_it_printed() {
        // dhat printed: Total 4,993 bytes in 106 blocks; At t-gmax 4,913 in 103; At t-end 1,024 in 1.
        assert_eq!(detected("dhat/rust_heap_100_words.json"), "dhat");
        let metrics = read_as("dhat", "dhat/rust_heap_100_words.json");
        assert_eq!(metrics.len(), 6, "dhat-rs does not track reads and writes");
        let name = "dhat-fixture 100";
        let total = find(&metrics, name);
        assert_eq!((total.unit.as_str(), total.stat(Stat::Value), total.exact), ("B", Some(4993.0), true));
        assert_eq!(find(&metrics, &format!("{name} [total-blocks]")).stat(Stat::Value), Some(106.0));
        assert_eq!(find(&metrics, &format!("{name} [at-t-gmax-bytes]")).stat(Stat::Value), Some(4913.0));
        assert_eq!(find(&metrics, &format!("{name} [at-t-gmax-blocks]")).stat(Stat::Value), Some(103.0));
        assert_eq!(find(&metrics, &format!("{name} [at-t-end-bytes]")).stat(Stat::Value), Some(1024.0));
        let zero = read_as("dhat", "dhat/rust_heap_0_words.json");
        assert_eq!(find(&zero, "dhat-fixture 0").stat(Stat::Value), Some(1102.0));
    }

    #[test]
    fn valgrind_dhat_also_counts_reads_and_writes() {
        // valgrind printed: Total 861,259 bytes in 221 blocks; Reads 274,655; Writes 138,295.
        assert_eq!(detected("dhat/valgrind_heap_sort.json"), "dhat");
        let metrics = read_as("dhat", "dhat/valgrind_heap_sort.json");
        let name = "sort /etc/services";
        assert_eq!(find(&metrics, name).stat(Stat::Value), Some(861_259.0));
        assert_eq!(find(&metrics, &format!("{name} [total-blocks]")).stat(Stat::Value), Some(221.0));
        assert_eq!(find(&metrics, &format!("{name} [at-t-gmax-bytes]")).stat(Stat::Value), Some(849_788.0));
        assert_eq!(find(&metrics, &format!("{name} [at-t-end-blocks]")).stat(Stat::Value), Some(14.0));
        assert_eq!(find(&metrics, &format!("{name} [reads-bytes]")).stat(Stat::Value), Some(274_655.0));
        assert_eq!(find(&metrics, &format!("{name} [writes-bytes]")).stat(Stat::Value), Some(138_295.0));
    }

    #[test]
    fn names_drop_the_directory_and_cargo_hash() {
        assert_eq!(command_name("./target/release/deps/alloc-1a2b3c4d5e6f7a8b --bench"), "alloc --bench");
        assert_eq!(command_name("target/debug/my-tool"), "my-tool");
        use super::{Dhat, Format};
        let p = std::path::Path::new("dhat.out.1");
        let err = Dhat.parse(p, r#"{"dhatFileVersion":2,"mode":"copy","cmd":"x","pps":[]}"#).unwrap_err().to_string();
        assert!(err.contains("`mode`") && err.contains("copy"), "{err}");
    }
}
