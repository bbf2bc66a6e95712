//! Errors that stop the gate before it can decide (exit code 2): bad input, bad configuration,
//! unreadable files. Each names the file, the place in it and what was expected, because the
//! reader is a CI log and the fix has to be obvious from one line.

use std::path::PathBuf;

/// Where in a file a problem is: a line/column for text formats, a JSON path for JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Whole,
    Line { line: usize, column: Option<usize> },
    JsonPath(String),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Whole => Ok(()),
            Place::Line { line, column: Some(c) } => write!(f, "line {line} column {c}"),
            Place::Line { line, column: None } => write!(f, "line {line}"),
            Place::JsonPath(p) if p.is_empty() || p == "." => f.write_str("at the top level"),
            Place::JsonPath(p) => write!(f, "at `{p}`"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file's content is not what its format promises.
    #[error("{file}{}{place}: {message}", if matches!(place, Place::Whole) { "" } else { ": " })]
    Input { file: PathBuf, place: Place, message: String },

    #[error("{path}: {action}: {source}")]
    Io { path: PathBuf, action: &'static str, source: std::io::Error },

    /// Command-line or configuration mistakes that are not tied to one place in a file.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn input(file: impl Into<PathBuf>, place: Place, message: impl Into<String>) -> Self {
        Error::Input { file: file.into(), place, message: message.into() }
    }

    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), action, source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Reads a whole file as UTF-8, with the error naming the file.
pub fn read_text(path: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read", e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::input(
            path,
            Place::Whole,
            format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// Deserializes JSON, turning serde's complaint into the JSON path and line of the problem.
pub fn from_json<T: serde::de::DeserializeOwned>(path: &std::path::Path, text: &str) -> Result<T> {
    if text.trim().is_empty() {
        return Err(Error::input(path, Place::Whole, "the file is empty; expected JSON"));
    }
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let json_path = e.path().to_string();
        let inner = e.into_inner();
        let message = if inner.is_eof() {
            format!("the JSON ends too early (truncated file?) at line {}", inner.line())
        } else {
            format!("{} (line {} column {})", strip_position(&inner.to_string()), inner.line(), inner.column())
        };
        Error::input(path, Place::JsonPath(json_path), message)
    })
}

/// serde_json appends "at line L column C"; we print the place ourselves.
fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(head, _)| head)
}
