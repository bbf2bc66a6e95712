//! Writing to standard output the way command-line users expect: a reader that closes the pipe
//! early (`budgetgate parse r.json | head -c1`) ends the program quietly, and a write that fails
//! for another reason (`> /dev/full`) is an error with exit code 2 — never a panic, which is
//! what `println!` does on both (issue 14.2).

use std::io::Write;

use crate::error::{Error, Result};

/// Writes `text` to stdout and flushes it.
pub fn write(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(classify)
}

/// A closed pipe is [`Error::OutputClosed`]; anything else names standard output.
pub fn classify(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Error::OutputClosed
    } else {
        Error::io("standard output", "cannot write", e)
    }
}
