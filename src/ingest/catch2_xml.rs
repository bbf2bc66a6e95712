//! Catch2's XML reporter (`./tests -r xml`, v2 `<Catch>` and v3 `<Catch2TestRun>`): each
//! `<BenchmarkResults name samples iterations …>` holds `<mean value …/>` and
//! `<standardDeviation value …/>`, all in nanoseconds, or `<failed message/>`.
//!
//! Format: Catch2 v3.7.1 `src/catch2/reporters/catch_reporter_xml.cpp`
//! (`XmlReporter::benchmarkStarting`/`benchmarkEnded`/`benchmarkFailed`), same elements in v2.13,
//! https://github.com/catchorg/Catch2/blob/v3.7.1/src/catch2/reporters/catch_reporter_xml.cpp
//!
//! Names are `<test case> <sections…>: <benchmark>`, as the `catch2` console format makes them.
//! A `<failed>` benchmark has no result and is left out (it reads as `missing` against a
//! baseline); a file where every benchmark failed is an error naming them.
//! The document is read by a small scanner of tags and attributes (no XML crate for four element
//! names); Catch2's `XmlWriter` escapes `<`, `&` and `"` in attributes, which are decoded here.

use std::path::Path;

use super::Format;
use crate::error::{Error, Place, Result};
use crate::model::{Direction, Metric, Stat};
use crate::units::NS;

pub struct Catch2Xml;

/// One tag: its name, attributes, whether it closes (`</x>`) or is empty (`<x/>`), its line.
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
    closing: bool,
    empty: bool,
    line: usize,
}

impl Tag {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

fn decode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16).ok())
                .unwrap_or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every element tag of `text`, skipping the declaration, comments and CDATA.
fn tags(path: &Path, text: &str) -> Result<Vec<Tag>> {
    let mut out = Vec::new();
    let mut at = 0;
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let bad = |offset: usize, what: &str| {
        Error::input(path, Place::Line { line: line_of(offset), column: None }, what.to_string())
    };
    while let Some(start) = text[at..].find('<').map(|s| s + at) {
        let rest = &text[start..];
        let skip_to = |end: &str| rest.find(end).map(|e| start + e + end.len());
        if rest.starts_with("<!--") || rest.starts_with("<?") || rest.starts_with("<![CDATA[") {
            let end = if rest.starts_with("<!--") {
                "-->"
            } else if rest.starts_with("<?") {
                "?>"
            } else {
                "]]>"
            };
            at = skip_to(end).ok_or_else(|| bad(start, "unterminated XML comment, declaration or CDATA"))?;
            continue;
        }
        // The tag ends at the first `>` outside quotes (attribute values may hold a raw `>`).
        let mut quote = false;
        let end = rest.char_indices().find(|&(_, c)| {
            quote ^= c == '"';
            c == '>' && !quote
        });
        let (end, _) = end.ok_or_else(|| bad(start, "unterminated XML tag"))?;
        let inner = &rest[1..end];
        let closing = inner.starts_with('/');
        let empty = inner.ends_with('/');
        let inner = inner.trim_start_matches('/').trim_end_matches('/');
        let (name, mut attrs) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        let mut attributes = Vec::new();
        while let Some(eq) = attrs.find('=') {
            let key = attrs[..eq].trim().to_string();
            let value = attrs[eq + 1..].trim_start();
            let value =
                value.strip_prefix('"').ok_or_else(|| bad(start, "expected `\"` after `=` in an XML attribute"))?;
            let close = value.find('"').ok_or_else(|| bad(start, "unterminated XML attribute value"))?;
            attributes.push((key, decode(&value[..close])));
            attrs = &value[close + 1..];
        }
        out.push(Tag { name: name.to_string(), attributes, closing, empty, line: line_of(start) });
        at = start + end + 1;
    }
    Ok(out)
}

impl Format for Catch2Xml {
    fn name(&self) -> &'static str {
        "catch2-xml"
    }

    fn describe(&self) -> &'static str {
        "Catch2 XML reporter (v2, v3) of BENCHMARKs: ./tests -r xml > FILE (or -r xml::out=FILE)"
    }

    fn detect(&self, _path: &Path, text: &str) -> bool {
        let head = super::head(text, 4096);
        head.trim_start().starts_with('<') && (head.contains("<Catch2TestRun") || head.contains("<Catch name="))
    }

    fn parse(&self, path: &Path, text: &str) -> Result<Vec<Metric>> {
        let mut metrics = Vec::new();
        // Open TestCase/Section names, and the benchmark being read.
        let mut scope: Vec<String> = Vec::new();
        let mut bench: Option<(String, Tag)> = None;
        let mut mean: Option<f64> = None;
        let mut stddev: Option<f64> = None;
        let mut failed = Vec::new();
        for tag in tags(path, text)? {
            let at_line = |message: String| Error::input(path, Place::Line { line: tag.line, column: None }, message);
            let number = |key: &str| -> Result<f64> {
                let value = tag.attribute(key).ok_or_else(|| at_line(format!("`<{}>` has no `{key}`", tag.name)))?;
                value.parse().map_err(|_| at_line(format!("`{key}=\"{value}\"` of `<{}>` is not a number", tag.name)))
            };
            match (tag.name.as_str(), tag.closing) {
                ("TestCase" | "Section", false) if !tag.empty => {
                    scope.push(tag.attribute("name").unwrap_or("").trim().to_string())
                }
                ("TestCase" | "Section", true) => {
                    scope.pop();
                }
                ("BenchmarkResults", false) => {
                    let name = tag.attribute("name").unwrap_or("").to_string();
                    let full = match scope.join(" ") {
                        case if case.is_empty() => name,
                        case => format!("{case}: {name}"),
                    };
                    (mean, stddev) = (None, None);
                    bench = Some((full, tag));
                }
                ("mean", false) if bench.is_some() => mean = Some(number("value")?),
                ("standardDeviation", false) if bench.is_some() => stddev = Some(number("value")?),
                ("failed", false) => {
                    if let Some((name, _)) = bench.take() {
                        let why = tag.attribute("message").unwrap_or("no message");
                        failed.push(format!("`{name}` (line {}, {why})", tag.line));
                    }
                }
                ("BenchmarkResults", true) => {
                    let Some((name, start)) = bench.take() else { continue };
                    let start_number = |key: &str| -> Result<u64> {
                        start.attribute(key).and_then(|v| v.parse().ok()).ok_or_else(|| {
                            Error::input(
                                path,
                                Place::Line { line: start.line, column: None },
                                format!("`<BenchmarkResults>` of `{name}` has no numeric `{key}`"),
                            )
                        })
                    };
                    let mean = mean.ok_or_else(|| at_line(format!("benchmark `{name}` has no `<mean value=…/>`")))?;
                    let samples = start_number("samples")?;
                    let iterations = start_number("iterations")?;
                    let mut metric = Metric::new(name, NS, Direction::LowerIsBetter)
                        .at(format!("line {}", start.line))
                        .with_stat(Stat::Value, mean)
                        .with_stat(Stat::Mean, mean);
                    if let Some(stddev) = stddev {
                        metric.stats.insert(Stat::Stddev, stddev);
                    }
                    metric.n = Some(samples);
                    metric.iterations = Some(samples * iterations);
                    metrics.push(metric);
                }
                _ => {}
            }
        }
        if metrics.is_empty() {
            return Err(super::no_results(
                path,
                &failed,
                "holds no `<BenchmarkResults>`: no BENCHMARK ran (with Catch2 v2, define CATCH_CONFIG_ENABLE_BENCHMARKING)",
            ));
        }
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{detected, find, fixture, read_as};
    use super::*;

    #[test]
    fn v2_and_v3_reports() {
        for (file, fib10, stddev) in [("catch2-xml/v2.xml", 79.1717, 0.554228), ("catch2-xml/v3.xml", 413.293, 387.098)]
        {
            assert_eq!(detected(file), "catch2-xml");
            let metrics = read_as("catch2-xml", file);
            assert_eq!(metrics.len(), 5, "{file}");
            let fib = find(&metrics, "Fibonacci: fib 10");
            assert_eq!((fib.stat(Stat::Value), fib.stat(Stat::Stddev)), (Some(fib10), Some(stddev)));
            assert_eq!(fib.n, Some(20));
            find(&metrics, "Containers vector: push_back 1000");
            find(&metrics, "Containers reserved vector: push_back 1000");
            find(&metrics, "Long names: a benchmark whose name is far too long to fit in the name column of the table");
        }
        let v2 = read_as("catch2-xml", "catch2-xml/v2.xml");
        assert_eq!(find(&v2, "Fibonacci: fib 20").iterations, Some(20 * 4));
        let no_analysis = read_as("catch2-xml", "catch2-xml/v2_no_analysis.xml");
        assert_eq!(find(&no_analysis, "Fibonacci: fib 20").stat(Stat::Value), Some(13485.9));
    }

    #[test]
    fn failures_and_bad_documents_say_where() {
        let mixed = read_as("catch2-xml", "catch2-xml/v3_mixed.xml");
        let names: Vec<&str> = mixed.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["Fibonacci: fib 10", "Fibonacci: fib 20"]);
        for (file, line) in [("catch2-xml/v2_failed.xml", 6), ("catch2-xml/v3_failed.xml", 5)] {
            assert_eq!(detected(file), "catch2-xml");
            let path = fixture(file);
            let err = Catch2Xml.parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap_err().to_string();
            let expected = format!("failed: `Broken: throws` (line {line}, no input)");
            assert!(err.contains(&expected), "{err}");
        }
        let p = Path::new("r.xml");
        let doc = "<Catch name=\"t\">\n<TestCase name=\"a &amp; b &gt; c\">\n<BenchmarkResults name=\"x\" samples=\"2\" iterations=\"3\">\n<mean value=\"fast\"/>";
        let err = Catch2Xml.parse(p, doc).unwrap_err().to_string();
        assert!(err.contains("line 4") && err.contains("`value=\"fast\"`"), "{err}");
        let doc = "<Catch name=\"t\">\n<TestCase name=\"a &amp; b > c\">\n<BenchmarkResults name=\"x\" samples=\"2\" iterations=\"3\">\n<mean value=\"5\"/></BenchmarkResults>";
        let metrics = Catch2Xml.parse(p, doc).unwrap();
        assert_eq!((metrics[0].name.as_str(), metrics[0].iterations), ("a & b > c: x", Some(6)));
        let err = Catch2Xml.parse(p, "<Catch name=\"t\"><Group name=\"t\"></Group></Catch>").unwrap_err();
        assert!(err.to_string().contains("no `<BenchmarkResults>`"));
        assert!(Catch2Xml.parse(p, "<Catch name=\"t\"><TestCase name=\"x").is_err());
    }
}
