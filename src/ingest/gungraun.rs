//! Gungraun (formerly iai-callgrind) and iai: the `cargo bench` console output, a benchmark's
//! name on a line of its own, then its counts indented, one per line:
//!
//! ```text
//! my_lib::bench_group::bench_fib short:10
//!   ======= CALLGRIND ====================
//!   Instructions:                1734|1650            (+5.09090%) [+1.04844x]
//!   L1 Hits:                     2359|N/A             (*********)
//! ```
//!
//! Formats: gungraun 0.16+ `gungraun-runner/src/runner/format.rs` (`VerticalFormatter`), iai 0.1
//! `src/lib.rs` (`format_benchmark_report`),
//! https://github.com/gungraun/gungraun/blob/v0.16.1/gungraun-runner/src/runner/format.rs
//!
//! - The number left of `|` is this run's; the right one, the change and the factor are the
//!   tool's comparison with its own previous run and are not read. ANSI colours are stripped.
//! - Headline: `Instructions`. Other counts are measures by their label's slug
//!   (`Estimated Cycles` → `estimated-cycles`, `Total read+write` → `total-read-write`, DHAT's
//!   `At t-gmax bytes` → `at-t-gmax-bytes`); Memcheck/Helgrind/DRD counts get their tool's name
//!   in front (`memcheck-errors`), `Ge` is `global-bus-events`. iai's `L1 Accesses`,
//!   `L2 Accesses` and `RAM Accesses` are the hit counts gungraun now calls `L1 Hits` etc. (iai
//!   prints `summary.l1_hits` under that label), so they get the same names.
//! - Every count is exact (`exact`) and lower-is-better: fewer instructions, fewer L2/RAM hits
//!   (misses one level up), fewer cycles; only L1/LL hit rates are higher-is-better.
//! - A name may span lines (ids with newlines); they are joined with `\n` as the id was.
//! - gungraun's JSON summaries (`-- --output-format=json`, `--save-summary`) are read by
//!   `gungraun_json.rs` into the same names and measures.

use std::path::Path;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{Direction, Metric, Origin, Stat};

pub struct Gungraun;

struct Count<'a> {
    label: &'a str,
    value: Option<f64>,
}

impl Format for Gungraun {
    fn name(&self) -> &'static str {
        "gungraun"
    }

    fn describe(&self) -> &'static str {
        "gungraun / iai-callgrind / iai: cargo bench --bench NAME > gungraun.txt, or -- --output-format=json > gungraun.json"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        super::gungraun_json::looks_like(text)
            || text.lines().take(200).map(strip_ansi).any(|line| {
                let t = line.trim_start();
                line.starts_with("  ") && t.starts_with("Instructions:") && count(&line).is_some()
            })
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        if super::gungraun_json::looks_like(text) {
            return super::gungraun_json::parse(path, text);
        }
        let mut metrics: Vec<Metric> = Vec::new();
        let mut name_lines: Vec<String> = Vec::new();
        let mut current: Option<(String, usize)> = None; // name, line
        let mut tool = String::from("callgrind");
        for (i, raw) in text.lines().enumerate() {
            let line = strip_ansi(raw);
            let line = line.trim_end_matches('\r');
            let number = i + 1;
            if line.trim().is_empty() {
                name_lines.clear();
                continue;
            }
            let indented = line.starts_with(' ') || line.starts_with('\t');
            if indented {
                let t = line.trim();
                if let Some(header) = t.strip_prefix("=======") {
                    tool = header.trim_matches(|c: char| c == '=' || c.is_whitespace()).to_ascii_lowercase();
                    if !name_lines.is_empty() {
                        current = Some((name_lines.join("\n"), number));
                        name_lines.clear();
                    }
                    continue;
                }
                let Some(c) = count(line) else {
                    // Indented noise such as cargo's `Running benches/x.rs (…)`.
                    name_lines.clear();
                    continue;
                };
                if !name_lines.is_empty() {
                    current = Some((name_lines.join("\n"), number));
                    name_lines.clear();
                    tool = String::from("callgrind");
                }
                let Some((name, _)) = &current else {
                    return Err(Error::input(
                        path,
                        Place::Line { line: number, column: None },
                        format!("count `{}` comes before any benchmark name", c.label),
                    ));
                };
                let Some(value) = c.value else { continue };
                let measure = measure_name(&tool, c.label);
                if metrics.iter().any(|m| &m.name == name && m.measure == measure) {
                    continue;
                }
                // Hit rates are the one count where more is better (RAM "hits" are misses).
                let direction = match measure.as_deref() {
                    Some(m) if m.ends_with("hit-rate") && !m.starts_with("ram") => Direction::HigherIsBetter,
                    _ => Direction::LowerIsBetter,
                };
                let mut metric =
                    Metric::new(name, "", direction).at(Origin::Line(number)).with_stat(Stat::Value, value);
                metric.measure = measure;
                metric.exact = true;
                metrics.push(metric);
            } else {
                // A name line, or noise (`test result: ok…`, `Gungraun result: …`) if no counts follow.
                if name_lines.is_empty() {
                    current = None;
                }
                name_lines.push(line.trim().to_string());
            }
        }
        if metrics.is_empty() {
            return Err(Error::input(
                path,
                Place::Whole,
                "has no benchmark counts (`  Instructions:  1234` lines); did cargo bench run any gungraun benchmark?",
            ));
        }
        Ok(metrics)
    }
}

/// `  Label:   1234|N/A   (…)` → the label and this run's number (`None` for `N/A`).
fn count(line: &str) -> Option<Count<'_>> {
    let (label, rest) = line.trim().split_once(':')?;
    if label.is_empty() || !label.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '+' | '-' | '_' | '.')) {
        return None;
    }
    let rest = rest.trim_start();
    let first = rest.split(|c: char| c == '|' || c.is_whitespace()).next()?;
    let value =
        if first == "N/A" { None } else { Some(first.replace(',', "").parse::<f64>().ok().filter(|v| v.is_finite())?) };
    Some(Count { label: label.trim(), value })
}

/// `None` for the headline (`Instructions`), else the measure's name.
fn measure_name(tool: &str, label: &str) -> Option<String> {
    let slug = super::bmf::slug(label);
    Some(match slug.as_str() {
        "instructions" => return None,
        "l1-accesses" => "l1-hits".into(),
        "l2-accesses" => "l2-hits".into(),
        // gungraun 0.17+ prints `LL Hits` for what it printed as `L2 Hits` before (callgrind
        // simulates L1 and the last-level cache only): one measure across versions.
        "ll-hits" => "l2-hits".into(),
        "ram-accesses" => "ram-hits".into(),
        "ge" => "global-bus-events".into(),
        _ if matches!(tool, "memcheck" | "helgrind" | "drd") => format!("{tool}-{slug}"),
        _ => slug,
    })
}

/// Removes ANSI SGR sequences (`ESC [ … m`) that gungraun writes on a colour terminal.
pub(crate) fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use crate::model::Stat;

    const SHORT: &str = "rust_iai_callgrind::bench_fibonacci_group::bench_fibonacci short:10";

    #[test]
    fn callgrind_counts_left_of_the_bar() {
        assert_eq!(detected("gungraun/without-optional-metrics.txt"), "gungraun");
        let metrics = read_as("gungraun", "gungraun/without-optional-metrics.txt");
        assert_eq!(metrics.len(), 2 * 6);
        let ir = find(&metrics, SHORT);
        assert_eq!((ir.stat(Stat::Value), ir.exact, ir.unit.as_str()), (Some(1734.0), true, ""));
        for (measure, value) in [
            ("l1-hits", 2359.0),
            ("l2-hits", 0.0),
            ("ram-hits", 3.0),
            ("total-read-write", 2362.0),
            ("estimated-cycles", 2464.0),
        ] {
            assert_eq!(find(&metrics, &format!("{SHORT} [{measure}]")).stat(Stat::Value), Some(value), "{measure}");
        }
    }

    #[test]
    fn dhat_section_counts_are_measures_too() {
        let metrics = read_as("gungraun", "gungraun/with-dhat.txt");
        assert_eq!(metrics.len(), 2 * (6 + 8));
        let long = "rust_iai_callgrind::bench_fibonacci_group::bench_fibonacci long:30";
        assert_eq!(find(&metrics, &format!("{long} [total-bytes]")).stat(Stat::Value), Some(26_294_939.0));
        assert_eq!(find(&metrics, &format!("{long} [at-t-gmax-bytes]")).stat(Stat::Value), Some(933_718.0));
        assert_eq!(find(&metrics, &format!("{long} [writes-bytes]")).stat(Stat::Value), Some(37_733_810.0));
    }

    #[test]
    fn iai_accesses_are_hits_and_changes_are_ignored() {
        assert_eq!(detected("gungraun/iai_two.txt"), "gungraun");
        let metrics = read_as("gungraun", "gungraun/iai_two.txt");
        assert_eq!(metrics.len(), 2 * 5);
        assert_eq!(find(&metrics, "bench_fibonacci_short").stat(Stat::Value), Some(1735.0));
        assert_eq!(find(&metrics, "bench_fibonacci_long [l1-hits]").stat(Stat::Value), Some(35_638_623.0));
        let metrics = read_as("gungraun", "gungraun/iai_change.txt");
        assert_eq!(find(&metrics, "iai_benchmark_short [l2-hits]").stat(Stat::Value), Some(1.0));
        assert_eq!(find(&metrics, "iai_benchmark_long [estimated-cycles]").stat(Stat::Value), Some(23_447_295.0));
    }

    #[test]
    fn gungraun_0_20_says_ll_hits_for_l2_hits() {
        assert_eq!(detected("gungraun/v0_20_first_run.txt"), "gungraun");
        let metrics = read_as("gungraun", "gungraun/v0_20_first_run.txt");
        assert_eq!(metrics.len(), 3 * 6);
        let alloc = "fib::fib_group::bench_vec_alloc";
        assert_eq!(find(&metrics, alloc).stat(Stat::Value), Some(1936.0));
        assert_eq!(find(&metrics, &format!("{alloc} [l2-hits]")).stat(Stat::Value), Some(1.0));
        assert_eq!(find(&metrics, &format!("{alloc} [ram-hits]")).stat(Stat::Value), Some(134.0));
        let changed = read_as("gungraun", "gungraun/v0_20_changed.txt");
        let long = "fib::fib_group::bench_fibonacci long:(21)";
        assert_eq!(find(&changed, long).stat(Stat::Value), Some(344_872.0), "this run's, not the old 213143");
    }

    #[test]
    fn json_summaries_agree_with_the_console() {
        assert_eq!(detected("gungraun/v0_20_callgrind_dhat.ndjson"), "gungraun");
        assert_eq!(detected("gungraun/v0_20_first_run.ndjson"), "gungraun");
        let text = read_as("gungraun", "gungraun/v0_20_callgrind_dhat.txt");
        let json = read_as("gungraun", "gungraun/v0_20_callgrind_dhat.ndjson");
        assert_eq!(text.len(), 3 * (6 + 8));
        for t in &text {
            let j = find(&json, &t.display_name());
            assert_eq!((j.stat(Stat::Value), j.exact), (t.stat(Stat::Value), true), "{}", t.display_name());
        }
        // The JSON holds more than the console shows: data reads, miss rates, DHAT lifetimes.
        let short = "fib::fib_group::bench_fibonacci short:(10)";
        assert_eq!(find(&json, &format!("{short} [dr]")).stat(Stat::Value), Some(270.0));
        let rate = find(&json, &format!("{short} [l1-hit-rate]"));
        assert_eq!(rate.direction, crate::model::Direction::HigherIsBetter);
        find(&json, "fib::fib_group::bench_vec_alloc [total-lifetimes]");
    }

    #[test]
    fn colours_multi_line_names_and_missing_counts() {
        use super::{Format, Gungraun};
        let p = std::path::Path::new("bench.txt");
        let text = "\u{1b}[32ma::b::c\u{1b}[0m \u{1b}[36mid\u{1b}[0m\n  Instructions:     \u{1b}[1m 12\u{1b}[0m|N/A   (*)\nx::y::z two\nlines\n  Instructions:  7|N/A\n  L2 Hits:  N/A|3\n";
        let metrics = Gungraun.parse(p, text).unwrap();
        assert_eq!(metrics.len(), 2, "N/A in this run is not a number");
        assert_eq!(metrics[0].name, "a::b::c id");
        assert_eq!(metrics[1].name, "x::y::z two\nlines");
        let err = Gungraun.parse(p, "running 0 tests\n\ntest result: ok.\n").unwrap_err().to_string();
        assert!(err.contains("no benchmark counts"), "{err}");
    }
}
