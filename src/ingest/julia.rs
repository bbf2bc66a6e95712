//! Julia BenchmarkTools: the JSON `BenchmarkTools.save("results.json", estimate)` writes,
//! `[{"Julia": v, "BenchmarkTools": v}, [value, …]]`, each value `["TypeName", {fields}]`.
//!
//! Schema: BenchmarkTools.jl v1 `src/serialization.jl` (`save`, `recover`) and the fields of
//! `TrialEstimate` in `src/trials.jl`,
//! https://github.com/JuliaCI/BenchmarkTools.jl/blob/v1.5.0/src/serialization.jl
//!
//! Nested `BenchmarkGroup` keys are joined with `/` (`fib/10`). Per `TrialEstimate`: headline
//! `time` (ns), `gc-time` (`gctime`, ns), `allocated` (`memory`, bytes), `allocations`
//! (`allocs`). A raw `Trial` is refused with the fix, as github-action-benchmark does: the
//! estimate to gate on (minimum, median, mean) is the user's choice.

use std::path::Path;

use serde_json::Value;

use super::{at, Format};
use crate::error::{from_json, Result};
use crate::model::{measures, Direction, Metric, Stat};
use crate::units::{BYTES, NS};

pub struct Julia;

impl Format for Julia {
    fn name(&self) -> &'static str {
        "julia"
    }

    fn describe(&self) -> &'static str {
        "Julia BenchmarkTools: BenchmarkTools.save(\"results.json\", median(run(suite)))"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 4096);
        head.trim_start().starts_with('[') && head.contains("\"BenchmarkTools\"") && head.contains("\"Julia\"")
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let document: Value = from_json(path, text)?;
        let values = document.get(1).and_then(Value::as_array).ok_or_else(|| {
            at(path, "[1]", "is missing; expected [{\"Julia\": …, \"BenchmarkTools\": …}, [saved values]]")
        })?;
        let mut metrics = Vec::new();
        for (i, value) in values.iter().enumerate() {
            walk(path, value, &mut Vec::new(), &format!("[1][{i}]"), &mut metrics)?;
        }
        if metrics.is_empty() {
            return Err(at(path, "[1]", "holds no TrialEstimate: the suite ran no benchmark"));
        }
        Ok(metrics)
    }
}

fn walk(path: &Path, value: &Value, labels: &mut Vec<String>, place: &str, out: &mut Vec<Metric>) -> Result<()> {
    let (kind, fields) = match value.as_array().map(Vec::as_slice) {
        Some([Value::String(kind), fields @ Value::Object(_)]) => (kind.as_str(), fields),
        _ => return Err(at(path, place, "is not a [\"TypeName\", {fields}] pair as BenchmarkTools saves values")),
    };
    match kind {
        "BenchmarkGroup" => {
            let data = fields
                .get("data")
                .and_then(Value::as_object)
                .ok_or_else(|| at(path, format!("{place}[1].data"), "is missing; expected the group's benchmarks"))?;
            for (key, child) in data {
                labels.push(key.clone());
                walk(path, child, labels, &format!("{place}[1].data.{key}"), out)?;
                labels.pop();
            }
            Ok(())
        }
        "TrialEstimate" => {
            if labels.is_empty() {
                return Err(at(
                    path,
                    place,
                    "is a TrialEstimate outside any BenchmarkGroup, so it has no name; save a group",
                ));
            }
            let name = labels.join("/");
            let number = |field: &str| -> Result<f64> {
                fields
                    .get(field)
                    .and_then(Value::as_f64)
                    .ok_or_else(|| at(path, format!("{place}[1].{field}"), "is missing or not a number"))
            };
            let origin = format!("{place}[1]");
            out.push(
                Metric::new(&name, NS, Direction::LowerIsBetter).at(&origin).with_stat(Stat::Value, number("time")?),
            );
            for (measure, unit, field) in [
                (measures::GC_TIME, NS, "gctime"),
                (measures::ALLOCATED, BYTES, "memory"),
                (measures::ALLOCATIONS, "allocs", "allocs"),
            ] {
                out.push(
                    Metric::new(&name, unit, Direction::LowerIsBetter)
                        .measure(measure)
                        .at(&origin)
                        .with_stat(Stat::Value, number(field)?),
                );
            }
            Ok(())
        }
        "Trial" => Err(at(
            path,
            place,
            "is a raw Trial; save an estimate instead, e.g. BenchmarkTools.save(\"results.json\", median(results))",
        )),
        other => Err(at(path, place, format!("is a `{other}`; expected a BenchmarkGroup or TrialEstimate"))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, read_as};
    use crate::model::Stat;

    #[test]
    fn nested_groups_become_slash_names() {
        assert_eq!(detected("julia/trial_estimates.json"), "julia");
        let metrics = read_as("julia", "julia/trial_estimates.json");
        assert_eq!(metrics.len(), 2 * 4);
        let fib10 = find(&metrics, "fib/10");
        assert_eq!((fib10.unit.as_str(), fib10.stat(Stat::Value)), ("ns", Some(246.038_461_538_461_55)));
        assert_eq!(find(&metrics, "fib/20").stat(Stat::Value), Some(31028.0));
        assert_eq!(find(&metrics, "fib/20 [allocated]").unit, "B");
        assert_eq!(find(&metrics, "fib/20 [allocations]").stat(Stat::Value), Some(0.0));
        assert_eq!(find(&metrics, "fib/20 [gc-time]").stat(Stat::Value), Some(0.0));
    }

    #[test]
    fn raw_trials_and_odd_values_say_what_to_do() {
        use super::{Format, Julia};
        let p = std::path::Path::new("results.json");
        let trial = r#"[{"Julia":"1.10","BenchmarkTools":"1.5.0"},[["BenchmarkGroup",{"data":{"a":["Trial",{"times":[1.0]}]},"tags":[]}]]]"#;
        let err = Julia.parse(p, trial).unwrap_err().to_string();
        assert!(err.contains("[1][0][1].data.a") && err.contains("median(results)"), "{err}");
        let err = Julia.parse(p, r#"[{"Julia":"1.10","BenchmarkTools":"1.5.0"},[]]"#).unwrap_err().to_string();
        assert!(err.contains("no TrialEstimate"), "{err}");
    }
}
