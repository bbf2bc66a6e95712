//! `console.time(label)` / `console.timeEnd(label)` output, one timing per line:
//! Node's `label: 2.565ms`, `label: 1.203s`, `label: 1:02.345 (m:ss.mmm)`,
//! `label: 1:02:03.456 (h:mm:ss.mmm)`, and the browser form `label: 7617ms - timer ended`.
//!
//! Format: Node 20 `formatTime` in `lib/internal/util/debuglog.js` (milliseconds with up to 3
//! decimals, seconds with 3, then `m:ss.mmm` / `h:mm:ss.mmm`),
//! https://github.com/nodejs/node/blob/v20.20.2/lib/internal/util/debuglog.js ; the
//! `- timer ended` suffix as in Bencher's `js_time` adapter fixtures.
//!
//! The label is everything before the last `: ` ahead of the time (labels may contain `: `).
//! The same label timed several times (a loop) is one metric whose samples are the timings and
//! whose value is their mean. Other lines (the script's own logs, `console.timeLog` lines with
//! extra data) are not timings and are skipped; a file without any timing is an error.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{Direction, Metric, Origin, Stat};
use crate::units::{canonicalize, NS};

pub struct ConsoleTime;

static PLAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<label>.+): (?P<value>[0-9]+(?:\.[0-9]+)?) ?(?P<unit>ms|s)(?P<ended> - timer ended)?$")
        .expect("valid regex")
});
static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<label>.+): (?:(?P<h>[0-9]+):)?(?P<m>[0-9]+):(?P<s>[0-9]+(?:\.[0-9]+)?) \((?:h:mm|m):ss\.mmm\)$")
        .expect("valid regex")
});

/// A timing line's label and time in ns, and whether it carries the browser suffix.
fn timing(line: &str) -> Option<(&str, f64, bool)> {
    if let Some(c) = PLAIN.captures(line) {
        let (ns, _) = canonicalize(c["value"].parse().ok()?, &c["unit"]);
        return Some((c.name("label")?.as_str(), ns, c.name("ended").is_some()));
    }
    let c = CLOCK.captures(line)?;
    let hours: f64 = c.name("h").map_or(Some(0.0), |h| h.as_str().parse().ok())?;
    let minutes: f64 = c["m"].parse().ok()?;
    let seconds: f64 = c["s"].parse().ok()?;
    Some((c.name("label")?.as_str(), ((hours * 60.0 + minutes) * 60.0 + seconds) * 1e9, false))
}

impl Format for ConsoleTime {
    fn name(&self) -> &'static str {
        "console-time"
    }

    fn describe(&self) -> &'static str {
        "console.time/timeEnd lines (`label: 12.3ms`): node script.js > out.txt"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        // Conservative: a browser-style `- timer ended` line, or timings on at least half of
        // the (non-empty) lines.
        let lines: Vec<&str> = super::head(text, 4096)
            .lines()
            .map(|l| l.trim().trim_end_matches('\r'))
            .filter(|l| !l.is_empty())
            .collect();
        let timings: Vec<bool> = lines.iter().filter_map(|l| timing(l)).map(|(_, _, ended)| ended).collect();
        !timings.is_empty() && (timings.iter().any(|ended| *ended) || timings.len() * 2 >= lines.len())
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let mut order: Vec<String> = Vec::new();
        let mut runs: HashMap<String, (usize, Vec<f64>)> = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim().trim_end_matches('\r').trim();
            let Some((label, ns, _)) = timing(line) else { continue };
            if !ns.is_finite() {
                return Err(Error::input(
                    path,
                    Place::Line { line: i + 1, column: None },
                    "the time is not a finite number",
                ));
            }
            let entry = runs.entry(label.to_string()).or_insert_with(|| {
                order.push(label.to_string());
                (i + 1, Vec::new())
            });
            entry.1.push(ns);
        }
        if order.is_empty() {
            return Err(Error::input(
                path,
                Place::Whole,
                "no console.timeEnd line (`label: 12.345ms`); did the script run and call console.timeEnd?",
            ));
        }
        Ok(order
            .into_iter()
            .map(|label| {
                let (line, times) = runs.remove(&label).expect("every label in order has runs");
                let mean = times.iter().sum::<f64>() / times.len() as f64;
                let mut metric = Metric::new(label, NS, Direction::LowerIsBetter)
                    .at(Origin::Line(line))
                    .with_stat(Stat::Value, mean);
                if times.len() > 1 {
                    metric.samples = times;
                }
                metric
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use super::*;

    #[test]
    fn node_timings_with_repeats_and_log_lines() {
        assert_eq!(detected("console-time/node20.txt"), "console-time");
        let metrics = read_as("console-time", "console-time/node20.txt");
        let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["fib(25)", "sort 100k", "sleep 1.2 s", "default", "repeated"]);
        assert_eq!(find(&metrics, "fib(25)").stat(Stat::Value), Some(2.565e6));
        assert_eq!(find(&metrics, "sort 100k").stat(Stat::Value), Some(463.86e6));
        assert_eq!(find(&metrics, "sleep 1.2 s").stat(Stat::Value), Some(1.203e9));
        let repeated = find(&metrics, "repeated");
        assert_eq!(repeated.n, Some(3));
        assert_eq!(repeated.stat(Stat::Value), Some((0.143e6 + 0.148e6 + 0.22e6) / 3.0));
        assert_eq!(repeated.stat(Stat::Max), Some(0.22e6));
        assert_eq!(repeated.unit, NS);
    }

    #[test]
    fn bencher_corpus_values() {
        // expected-from-adapter.json, js_time latency values (ns).
        assert_eq!(detected("console-time/bencher_four.txt"), "console-time");
        let metrics = read_as("console-time", "console-time/bencher_four.txt");
        assert_eq!(metrics.len(), 4);
        for (name, ns) in [
            ("default", 7_617_000_000.0),
            ("benchmark_1", 12_714_000_000.0),
            ("benchmark 2", 9_034_000_000.0),
            ("benchmark 3: The Third - timer/timerEnd", 8_827_000_000.0),
        ] {
            assert_eq!(find(&metrics, name).stat(Stat::Value), Some(ns), "{name}");
        }
    }

    #[test]
    fn minutes_and_hours_as_node_prints_them() {
        let text = "long: 1:02.345 (m:ss.mmm)\r\nlonger: 1:02:03.456 (h:mm:ss.mmm)\n";
        let metrics = ConsoleTime.parse(Path::new("t.txt"), text).unwrap();
        assert_eq!(metrics[0].stat(Stat::Value), Some(62.345e9));
        assert!((metrics[1].stat(Stat::Value).unwrap() - 3723.456e9).abs() < 1.0);
    }

    #[test]
    fn no_timing_is_an_error_and_detection_is_conservative() {
        let err = ConsoleTime.parse(Path::new("t.txt"), "hello\nworld\n").unwrap_err().to_string();
        assert!(err.contains("no console.timeEnd line"), "{err}");
        let p = Path::new("t.txt");
        assert!(!ConsoleTime.detect(p, "starting\nloading config\nElapsed: 5ms\nconnecting\ndone\n"));
        assert!(ConsoleTime.detect(p, "Elapsed: 5ms\n"));
        assert!(!ConsoleTime.detect(p, "fib(10) x 1,431,759 ops/sec ±0.74% (93 runs sampled)\n"));
    }
}
