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

    /// Mistakes in the budgets file, each with its own line, so each can become its own
    /// `::error file=…,line=…` annotation.
    #[error("{}", describe_problems(file, problems))]
    Budgets { file: PathBuf, problems: Vec<Problem> },

    /// A result glob that matched nothing: `validate` tells "not run yet" apart from a broken
    /// file with it.
    #[error("{0}")]
    NoMatch(String),

    /// Command-line or configuration mistakes that are not tied to one place in a file.
    #[error("{0}")]
    Usage(String),

    /// A remote store could not be read or written (after retries): never taken for "empty".
    #[error("{0}")]
    Remote(String),

    /// Standard output was closed by its reader (`budgetgate parse … | head`): not a failure.
    #[error("standard output was closed")]
    OutputClosed,
}

/// One problem in a budgets file: where, what, and the line itself with a caret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based; 0 when the problem is not tied to one line (the file as a whole).
    pub line: usize,
    pub column: Option<usize>,
    pub message: String,
    /// The offending line with its number and a caret, ready to print; empty without a line.
    pub snippet: String,
}

fn describe_problems(file: &std::path::Path, problems: &[Problem]) -> String {
    let place = |p: &Problem| match (p.line, p.column) {
        (0, _) => String::new(),
        (l, Some(c)) => format!("line {l} column {c}: "),
        (l, None) => format!("line {l}: "),
    };
    let one = |p: &Problem| {
        let mut text = format!("{}{}", place(p), p.message);
        if !p.snippet.is_empty() {
            text.push('\n');
            text.push_str(&p.snippet);
        }
        text
    };
    match problems {
        [only] => format!("{}: {}", file.display(), one(only)),
        many => format!(
            "{}: {} problems in the budgets file:\n{}",
            file.display(),
            many.len(),
            many.iter().map(one).collect::<Vec<_>>().join("\n")
        ),
    }
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

/// Reads a whole file as text, with the error naming the file. UTF-8 with or without a BOM,
/// and UTF-16 with a BOM (what Windows PowerShell's `>` writes), are accepted.
pub fn read_text(path: &std::path::Path) -> Result<String> {
    decode_text(path, read_bytes(path)?)
}

/// A file's bytes, refusing one over [`crate::limits::FILE_SIZE`] before reading it (a stream
/// that is not a regular file is cut at the limit and refused the same way).
pub fn read_bytes(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let limit = crate::limits::FILE_SIZE;
    let failed = |e: std::io::Error| {
        if path.is_dir() {
            Error::input(path, Place::Whole, "is a folder; expected a file (or a glob such as `dir/**/*.json`)")
        } else {
            Error::io(path, "cannot read", e)
        }
    };
    let too_big = |size: u64| Error::input(path, Place::Whole, limit.exceeded(&format!("the file is {size} bytes")));
    let file = std::fs::File::open(path).map_err(failed)?;
    let size = file.metadata().map_err(failed)?.len();
    if size > limit.value() {
        return Err(too_big(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit.value() + 1).read_to_end(&mut bytes).map_err(failed)?;
    if bytes.len() as u64 > limit.value() {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Bytes to text: strips a UTF-8 BOM, decodes UTF-16 LE/BE after their BOM, else UTF-8.
pub fn decode_text(path: &std::path::Path, bytes: Vec<u8>) -> Result<String> {
    let utf16 = |bytes: &[u8], unit: fn([u8; 2]) -> u16| -> Result<String> {
        if !bytes.len().is_multiple_of(2) {
            return Err(Error::input(
                path,
                Place::Whole,
                "UTF-16 text (it starts with a BOM) with an odd number of bytes",
            ));
        }
        let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
        char::decode_utf16(units).collect::<std::result::Result<String, _>>().map_err(|e| {
            Error::input(
                path,
                Place::Whole,
                format!("invalid UTF-16 text (unpaired surrogate {:#06x})", e.unpaired_surrogate()),
            )
        })
    };
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(path, rest.to_vec()),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => utf8(path, bytes),
    }
}

fn utf8(path: &std::path::Path, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        Error::input(
            path,
            Place::Whole,
            format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// Deserializes JSON, turning serde's complaint into the JSON path and line of the problem.
///
/// The path costs on every read, not only on a bad one: serde_path_to_error keeps a copy of
/// each map key it passes (a 20,000-metric result file or catalog is 60,000 keys). So the
/// document is read plainly first, and only a document that fails is read again, tracked, to
/// say where.
pub fn from_json<T: serde::de::DeserializeOwned>(path: &std::path::Path, text: &str) -> Result<T> {
    if text.trim().is_empty() {
        return Err(Error::input(path, Place::Whole, "the file is empty; expected JSON"));
    }
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        // serde_path_to_error writes `?` for a map key it cannot name (`stats.?`): name the map.
        let json_path = e.path().to_string();
        let (json_path, key_note) = match json_path.strip_suffix(".?") {
            Some(map) => (map.to_string(), " (in one of its keys)"),
            None => (json_path, ""),
        };
        let inner = e.into_inner();
        let message = if inner.to_string().starts_with("recursion limit exceeded") {
            crate::limits::JSON_DEPTH.exceeded(&format!(
                "nested too deep at line {} column {}",
                inner.line(),
                inner.column()
            ))
        } else if inner.is_eof() {
            format!("the JSON ends too early (truncated file?) at line {}", inner.line())
        } else {
            format!(
                "{}{key_note} (line {} column {})",
                strip_position(&inner.to_string()),
                inner.line(),
                inner.column()
            )
        };
        Error::input(path, Place::JsonPath(json_path), message)
    })?;
    // The plain read failed where the tracked one, which stops at the document's end, did not:
    // what follows the document is the fault (it was taken as a good file).
    de.end().map_err(|e| {
        let message = format!("{} (line {} column {})", strip_position(&e.to_string()), e.line(), e.column());
        Error::input(path, Place::Whole, format!("{message}; expected nothing after the JSON document"))
    })?;
    Ok(value)
}

/// [`from_json`] of a JSON array whose length is known beforehand (a catalog's, from its
/// branch's index): the list is made at that length instead of doubling its way there (a
/// 20,000-descriptor catalog was copied a dozen times and held room for 32,768). `expected` is only
/// a hint, bounded by the text (no element is under `MIN_ELEMENT_BYTES`), so a damaged index
/// cannot ask for more memory than the file could fill; a wrong one costs a regrowth or room
/// left over, never a wrong list.
pub fn list_from_json<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    text: &str,
    expected: usize,
) -> Result<Vec<T>> {
    /// `{}` and its comma: the shortest element a list of objects can have.
    const MIN_ELEMENT_BYTES: usize = 3;
    struct Sized<T>(usize, std::marker::PhantomData<T>);
    impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Sized<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Vec<T>, A::Error> {
            let mut list = Vec::with_capacity(self.0);
            while let Some(item) = seq.next_element()? {
                list.push(item);
            }
            Ok(list)
        }
    }
    let capacity = expected.min(text.len() / MIN_ELEMENT_BYTES);
    let de = &mut serde_json::Deserializer::from_str(text);
    let read = serde::Deserializer::deserialize_seq(&mut *de, Sized(capacity, std::marker::PhantomData));
    match read.and_then(|list| de.end().map(|()| list)) {
        Ok(list) => Ok(list),
        // Read again the usual way, for the error's place.
        Err(_) => from_json(path, text),
    }
}

/// serde_json appends "at line L column C"; we print the place ourselves.
fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(head, _)| head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn regression_text_after_the_json_document_is_an_error_not_a_good_file() {
        let p = Path::new("r.json");
        for bad in [r#"[{"a": 1}] x"#, "[] []", r#"{"a": 1}}"#] {
            let e = from_json::<serde_json::Value>(p, bad).unwrap_err().to_string();
            assert!(e.contains("trailing characters") && e.contains("r.json"), "{bad}: {e}");
        }
        assert!(from_json::<serde_json::Value>(p, "[1] \n\t ").is_ok(), "white space after it is fine");
    }

    #[test]
    fn a_list_read_at_its_expected_length_is_the_list_whatever_the_hint() {
        let p = Path::new("catalogs/x.json");
        let text = r#"[{"a": 1}, {"a": 2}, {"a": 3}]"#;
        let plain: Vec<serde_json::Value> = from_json(p, text).unwrap();
        for hint in [0, 1, 3, 4, usize::MAX] {
            let list: Vec<serde_json::Value> = list_from_json(p, text, hint).unwrap();
            assert_eq!(list, plain, "hint {hint}");
            // Room for the hint, but never more than the text could fill.
            assert!(list.capacity() <= 3.max(text.len() / 3), "hint {hint}: capacity {}", list.capacity());
        }
        assert_eq!(list_from_json::<serde_json::Value>(p, text, 3).unwrap().capacity(), 3);
        // A damaged list is reported as a plain read reports it.
        for bad in [r#"[{"a": 1}, {"a": 2"#, r#"[{"a": 1}] x"#, r#"{"a": 1}"#, ""] {
            let (a, b) = (list_from_json::<serde_json::Value>(p, bad, 3), from_json::<Vec<serde_json::Value>>(p, bad));
            assert_eq!(a.unwrap_err().to_string(), b.unwrap_err().to_string(), "{bad}");
        }
    }

    #[test]
    fn text_in_every_encoding_windows_tools_write() {
        let p = Path::new("r.json");
        assert_eq!(decode_text(p, b"\xEF\xBB\xBF{}".to_vec()).unwrap(), "{}");
        let le: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("{\"a\": \"é\"}".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode_text(p, le).unwrap(), "{\"a\": \"é\"}");
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain("x".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode_text(p, be).unwrap(), "x");
        assert!(decode_text(p, vec![0xFF, 0xFE, 0x41]).unwrap_err().to_string().contains("odd number"));
        assert!(decode_text(p, vec![b'a', 0xC3]).unwrap_err().to_string().contains("not UTF-8"));
    }
}
