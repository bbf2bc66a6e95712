//! Gungraun's JSON summaries (`cargo bench -- --output-format=json`, one object per line, or
//! `--save-summary` files, or `jq -s` arrays of them), read into the same names and measures
//! as its console output (see `gungraun.rs`).
//!
//! Schema: gungraun 0.20 `gungraun-runner/schemas/summary.v7.schema.json` (`BenchmarkSummary`:
//! `module_path`, `id`, `description`, `profiles[].tool`, `profiles[].data.total.metrics.<Kind>
//! .values.new`), https://github.com/gungraun/gungraun/tree/v0.20.0/gungraun-runner/schemas

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Place, Result};
use crate::model::{Direction, Metric, Stat};

pub(crate) fn looks_like(text: &str) -> bool {
    let head = super::head(text, 4096).trim_start();
    (head.starts_with('{') || head.starts_with('['))
        && head.contains("\"module_path\"")
        && (head.contains("\"profiles\"") || head.contains("\"benchmark_exe\""))
}

pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Metric>> {
    let mut summaries = Vec::new();
    for next in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        let value = next.map_err(|e| {
            Error::input(
                path,
                Place::Line { line: e.line(), column: Some(e.column()) },
                format!("not a JSON summary: {e}"),
            )
        })?;
        match value {
            Value::Array(items) => summaries.extend(items),
            other => summaries.push(other),
        }
    }
    let mut metrics: Vec<Metric> = Vec::new();
    for (i, summary) in summaries.iter().enumerate() {
        let at = |field: &str, message: &str| super::at(path, format!("[{i}].{field}"), message);
        let module_path =
            summary.get("module_path").and_then(Value::as_str).ok_or_else(|| at("module_path", "is missing"))?;
        // As the console prints it: `module::group::function id:description`.
        let name = match (summary.get("id").and_then(Value::as_str), summary.get("description").and_then(Value::as_str))
        {
            (Some(id), Some(description)) => format!("{module_path} {id}:{description}"),
            (Some(id), None) => format!("{module_path} {id}"),
            _ => module_path.to_string(),
        };
        let profiles = summary.get("profiles").and_then(Value::as_array).ok_or_else(|| at("profiles", "is missing"))?;
        for (p, profile) in profiles.iter().enumerate() {
            let tool = profile.get("tool").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
            let Some(kinds) = profile.pointer("/data/total/metrics").and_then(Value::as_object) else {
                return Err(at(&format!("profiles[{p}].data.total.metrics"), "is missing"));
            };
            for (kind, entry) in kinds {
                // `new` is this run; `old` is the tool's own previous run, not read.
                let Some(value) = entry.pointer("/values/new").and_then(Value::as_f64) else { continue };
                let measure = measure_name(&tool, kind);
                let direction = match measure.as_deref() {
                    Some(m) if m.ends_with("hit-rate") && !m.starts_with("ram") => Direction::HigherIsBetter,
                    _ => Direction::LowerIsBetter,
                };
                let mut metric = Metric::new(&name, "", direction)
                    .at(format!("[{i}].profiles[{p}].data.total.metrics.{kind}"))
                    .with_stat(Stat::Value, value);
                metric.measure = measure;
                metric.exact = true;
                metrics.push(metric);
            }
        }
    }
    if metrics.is_empty() {
        return Err(Error::input(path, Place::Whole, "holds no benchmark summary with metrics"));
    }
    Ok(metrics)
}

/// The console label's slug for a JSON metric kind (`EstimatedCycles` → `estimated-cycles`).
fn measure_name(tool: &str, kind: &str) -> Option<String> {
    let slug = match kind {
        "Ir" => return None,
        "L1hits" => "l1-hits".into(),
        // `LL Hits` on the console (`L2 Hits` before gungraun 0.17): the last-level cache.
        "LLhits" => "l2-hits".into(),
        "RamHits" => "ram-hits".into(),
        "TotalRW" => "total-read-write".into(),
        "Ge" => "global-bus-events".into(),
        "LLHitRate" => "ll-hit-rate".into(),
        "LLMissRate" => "ll-miss-rate".into(),
        "LLiMissRate" => "lli-miss-rate".into(),
        "LLdMissRate" => "lld-miss-rate".into(),
        "AtTGmaxBytes" => "at-t-gmax-bytes".into(),
        "AtTGmaxBlocks" => "at-t-gmax-blocks".into(),
        "AtTEndBytes" => "at-t-end-bytes".into(),
        "AtTEndBlocks" => "at-t-end-blocks".into(),
        other => kebab(other),
    };
    Some(match tool {
        "memcheck" | "helgrind" | "drd" => format!("{tool}-{slug}"),
        _ => slug,
    })
}

/// `EstimatedCycles` → `estimated-cycles`, `I1MissRate` → `i1-miss-rate`, `D1mr` → `d1mr`.
fn kebab(kind: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in kind.chars() {
        if c.is_uppercase() && previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit()) {
            out.push('-');
        }
        out.extend(c.to_lowercase());
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::kebab;

    #[test]
    fn kinds_become_the_console_slugs() {
        assert_eq!(kebab("EstimatedCycles"), "estimated-cycles");
        assert_eq!(kebab("I1MissRate"), "i1-miss-rate");
        assert_eq!(kebab("D1mr"), "d1mr");
        assert_eq!(kebab("SysCpuTime"), "sys-cpu-time");
        assert_eq!(kebab("TotalBytes"), "total-bytes");
    }
}
