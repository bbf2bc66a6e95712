//! Talking to the Actions runner itself (no network): workflow commands on stdout
//! (`::add-mask::`, `::error file=…,line=…::`), the job summary file and step outputs.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// GitHub caps a step's summary at 1 MiB; we stay below with room for other steps' text.
pub const SUMMARY_LIMIT: usize = 1_000_000;

/// Escapes a workflow command's message (GitHub's `escapeData`).
/// `##[` is broken too: the legacy command form is obeyed anywhere in a line.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A").replace("##[", "##\u{2060}[")
}

/// Escapes a workflow command's property value (GitHub's `escapeProperty`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Tells the runner to hide `secret` in every log line from now on.
pub fn mask(secret: &str) {
    // A secret with a newline would end the command early; mask each line.
    for line in secret.lines().filter(|l| !l.trim().is_empty()) {
        println!("::add-mask::{line}");
    }
}

/// Severity of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

/// An `::error file=…,line=…,title=…::message` line.
pub fn annotation(level: Level, file: Option<&str>, line: Option<usize>, title: &str, message: &str) -> String {
    let command = match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Notice => "notice",
    };
    let mut props = Vec::new();
    if let Some(f) = file {
        props.push(format!("file={}", escape_property(f)));
        if let Some(l) = line.filter(|l| *l > 0) {
            props.push(format!("line={l}"));
        }
    }
    // Names reach titles and messages: no terminal escapes or reordering in the log.
    props.push(format!("title={}", escape_property(&crate::escape::visible(title))));
    format!("::{command} {}::{}", props.join(","), escape_data(&crate::escape::visible(message)))
}

/// Appends `text` to a runner file (summary, outputs), creating it if needed.
pub fn append(path: &Path, text: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(path, "cannot open the runner file", e))?;
    file.write_all(text.as_bytes()).map_err(|e| Error::io(path, "cannot write", e))
}

/// `name=value` lines for `$GITHUB_OUTPUT`; values with newlines use GitHub's delimiter form.
pub fn outputs(pairs: &[(&str, String)]) -> String {
    let mut text = String::new();
    for (name, value) in pairs {
        if value.contains('\n') {
            let delimiter = format!("budgetgate_{:016x}", fastrand::u64(..));
            text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        } else {
            text.push_str(&format!("{name}={value}\n"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_escape_what_would_break_them() {
        assert_eq!(
            annotation(Level::Error, Some("budgets.yaml"), Some(12), "budgetgate: a,b:c", "50% worse\nreally"),
            "::error file=budgets.yaml,line=12,title=budgetgate%3A a%2Cb%3Ac::50%25 worse%0Areally"
        );
        assert_eq!(annotation(Level::Notice, None, None, "t", "m"), "::notice title=t::m");
    }

    #[test]
    fn output_lines() {
        assert_eq!(outputs(&[("verdict", "fail".into()), ("violations", "2".into())]), "verdict=fail\nviolations=2\n");
        let multi = outputs(&[("x", "a\nb".into())]);
        assert!(multi.starts_with("x<<budgetgate_") && multi.contains("\na\nb\n"), "{multi}");
    }
}
