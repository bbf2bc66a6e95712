//! The JSON report of a big run, its rows serialized on every core: at 20,000 rows the report
//! is 15 MB and at 1,000,000 rows 800 MB, and on one thread serde_json made it at ~330 MB/s
//! (2.4 s of a 1,000,000-metric step). The bytes are exactly serde_json's compact output of the
//! [`Report`]: the report without its rows is serialized as usual and its empty `rows` array
//! filled in, each row written as serde_json writes a sequence's elements.

use std::io::Write;

use super::Report;
use crate::report::Row;

/// Rows serialized into one buffer before it is written: ~400 KB of JSON. Small, so the
/// buffers that go round between the workers and the writer (see [`write_rows`]) are all the
/// report's memory at any size.
const ROWS_PER_PIECE: usize = 512;

/// Room a buffer starts with: a piece of ~770-byte rows fits (one with trends grows once),
/// where a buffer grown from nothing was reallocated and copied seven times.
const PIECE_BYTES: usize = ROWS_PER_PIECE * 1_024;

/// Buffers each worker has: one it fills while the writer writes the other.
const BUFFERS_PER_WORKER: usize = 2;

/// Where the rows go in the compact JSON of a report without rows: `rows` is a top-level
/// field, and no field before it holds a key `rows` (a string's quotes would be escaped).
const EMPTY_ROWS: &[u8] = br#""rows":[]"#;

/// Writes `report` as `serde_json::to_writer` would, the rows made in parallel.
pub fn write_compact(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let mut outline = serde_json::to_vec(&report.with_rows(Vec::new()))?;
    let at = outline
        .windows(EMPTY_ROWS.len())
        .position(|w| w == EMPTY_ROWS)
        .map(|at| at + EMPTY_ROWS.len() - 1)
        .expect("a report's JSON has its rows array");
    let rest = outline.split_off(at);
    out.write_all(&outline)?;
    write_rows(&report.rows, crate::parallel::cores(), out)?;
    out.write_all(&rest)
}

/// `rows` as the elements of a compact JSON array, serialized on every core while the calling
/// thread writes them: piece `k` of [`ROWS_PER_PIECE`] rows is worker `k % workers`'s, and each
/// worker's [`BUFFERS_PER_WORKER`] buffers go to the writer full and come back empty. The same
/// few buffers serve the whole report: a fresh buffer per piece was 15 MB of new memory at
/// 20,000 rows, and a fifth of the step's page faults.
fn write_rows(rows: &[Row], cores: usize, out: &mut impl Write) -> std::io::Result<()> {
    let pieces: Vec<&[Row]> = rows.chunks(ROWS_PER_PIECE).collect();
    let workers = cores.min(pieces.len());
    if workers <= 1 {
        let mut buffer = Vec::with_capacity(PIECE_BYTES);
        return pieces.iter().enumerate().try_for_each(|(k, piece)| {
            buffer.clear();
            serialize_rows(&mut buffer, piece, k > 0)?;
            out.write_all(&buffer)
        });
    }
    std::thread::scope(|scope| {
        let lanes: Vec<_> = (0..workers)
            .map(|worker| {
                let (full_sender, full) = std::sync::mpsc::channel::<std::io::Result<Vec<u8>>>();
                let (empty, empty_receiver) = std::sync::mpsc::channel::<Vec<u8>>();
                for _ in 0..BUFFERS_PER_WORKER {
                    empty.send(Vec::with_capacity(PIECE_BYTES)).expect("the receiver is right here");
                }
                let mine = pieces.iter().enumerate().skip(worker).step_by(workers);
                scope.spawn(move || {
                    for (k, piece) in mine {
                        // The writer stopped at an error: nothing more is wanted.
                        let Ok(mut buffer) = empty_receiver.recv() else { return };
                        buffer.clear();
                        let made = serialize_rows(&mut buffer, piece, k > 0).map(|()| buffer);
                        if full_sender.send(made).is_err() {
                            return;
                        }
                    }
                });
                (full, empty)
            })
            .collect();
        for k in 0..pieces.len() {
            let (full, empty) = &lanes[k % workers];
            // A worker that sent nothing panicked; the scope goes on with its panic.
            let Ok(made) = full.recv() else { break };
            let buffer = made?;
            out.write_all(&buffer)?;
            // A worker with no pieces left has gone; it needs no buffer back.
            let _ = empty.send(buffer);
        }
        Ok(())
    })
}

/// `rows` as compact JSON array elements separated by commas, after a comma when `after_others`.
fn serialize_rows(out: &mut Vec<u8>, rows: &[Row], after_others: bool) -> std::io::Result<()> {
    for (i, row) in rows.iter().enumerate() {
        if i > 0 || after_others {
            out.push(b',');
        }
        write_row(out, row)?;
    }
    Ok(())
}

/// A row exactly as `serde_json::to_writer` writes it, with its field names written as they
/// are (serde_json scans every key for characters to escape: 28 per row, ~40 % of the report's
/// serializing) and strings that need no escaping copied whole; every value still goes through
/// serde_json. The test below holds it to serde_json's bytes, so a field added to [`Row`] and
/// not here fails it.
fn write_row(out: &mut Vec<u8>, row: &Row) -> serde_json::Result<()> {
    text(out, br#"{"metric":"#, &row.metric);
    optional_text(out, br#","measure":"#, row.measure.as_deref());
    value(out, br#","stat":"#, &row.stat)?;
    text(out, br#","unit":"#, &row.unit);
    value(out, br#","direction":"#, &row.direction)?;
    value(out, br#","status":"#, &row.status)?;
    value(out, br#","severity":"#, &row.severity)?;
    value(out, br#","current":"#, &row.current)?;
    value(out, br#","baseline":"#, &row.baseline)?;
    value(out, br#","change":"#, &row.change)?;
    optional_text(out, br#","budget":"#, row.budget.as_deref());
    value(out, br#","budget_line":"#, &row.budget_line)?;
    value(out, br#","test":"#, &row.test)?;
    value(out, br#","p_value":"#, &row.p_value)?;
    value(out, br#","p_raw":"#, &row.p_raw)?;
    value(out, br#","change_interval":"#, &row.change_interval)?;
    value(out, br#","tested":"#, &row.tested)?;
    value(out, br#","history_runs":"#, &row.history_runs)?;
    value(out, br#","history_stored":"#, &row.history_stored)?;
    value(out, br#","noise_cv":"#, &row.noise_cv)?;
    value(out, br#","within_run_p":"#, &row.within_run_p)?;
    text(out, br#","reason":"#, &row.reason);
    value(out, br#","notable":"#, &row.notable)?;
    value(out, br#","samples":"#, &row.samples)?;
    optional_text(out, br#","source":"#, row.source.as_deref());
    value(out, br#","limit":"#, &row.limit)?;
    if !row.history.is_empty() {
        value(out, br#","history":"#, &row.history)?;
    }
    out.push(b'}');
    Ok(())
}

/// `key` (with its quotes, colon and leading comma), then `v` as serde_json writes it.
fn value<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, key: &[u8], v: &T) -> serde_json::Result<()> {
    out.extend_from_slice(key);
    serde_json::to_writer(&mut *out, v)
}

/// `key`, then `s` as a JSON string.
fn text(out: &mut Vec<u8>, key: &[u8], s: &str) {
    out.extend_from_slice(key);
    string(out, s);
}

/// `key`, then `s` as a JSON string or `null`.
fn optional_text(out: &mut Vec<u8>, key: &[u8], s: Option<&str>) {
    out.extend_from_slice(key);
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// `s` as serde_json writes a string: copied whole when it has nothing to escape (serde_json
/// escapes `"`, `\\` and the control characters below 0x20, nothing else), else by serde_json.
fn string(out: &mut Vec<u8>, s: &str) {
    // Without an early exit, so the compiler checks 16 bytes at a time (byte by byte, the
    // check cost as much as serde_json's own scan).
    let plain = !s.bytes().fold(false, |escape, b| escape | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if plain {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(out, s).expect("a string into memory always serializes");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rows_made_in_parallel_are_exactly_serde_jsons_report() {
        let mut varied = crate::report::view::tests::varied_report();
        // Every string field with characters serde_json escapes, and some it does not.
        let mut hostile = varied.rows[0].clone();
        hostile.metric = "quote\" back\\slash \u{1}\u{1f} del\u{7f} é ::error::x".into();
        hostile.measure = Some("tab\there".into());
        hostile.unit = "µs\"".into();
        hostile.reason = "line\nbreak\r".into();
        hostile.source = Some("dir/\"x\".json".into());
        hostile.budget = Some("≤ 5 \\ms".into());
        hostile.history = vec![1.5, f64::NAN, f64::INFINITY];
        varied.rows.push(hostile);
        // Pieces one worker or all of them make, with buffers going round many times, the last
        // piece short; and no rows at all.
        for count in [0, 1, ROWS_PER_PIECE, ROWS_PER_PIECE + 1, 11 * ROWS_PER_PIECE + 17] {
            let rows = varied.rows.iter().rev().cycle().take(count).cloned().collect();
            let report = varied.with_rows(rows);
            let mut written = Vec::new();
            write_compact(&report, &mut written).unwrap();
            assert_eq!(written, serde_json::to_vec(&report).unwrap(), "{count} rows");
        }
    }

    #[test]
    fn the_rows_are_the_same_bytes_on_one_core_or_many() {
        let varied = crate::report::view::tests::varied_report();
        let rows: Vec<Row> = varied.rows.iter().cycle().take(7 * ROWS_PER_PIECE + 3).cloned().collect();
        let written = |cores: usize| {
            let mut out = Vec::new();
            write_rows(&rows, cores, &mut out).unwrap();
            out
        };
        let one = written(1);
        let expected = serde_json::to_vec(&rows).unwrap();
        assert_eq!(one, expected[1..expected.len() - 1], "the elements of serde_json's array");
        for cores in [2, 3, 8, 64] {
            assert!(written(cores) == one, "{cores} cores");
        }
    }

    /// A sink that takes `room` bytes, then fails.
    struct FullDisk {
        room: usize,
    }

    impl Write for FullDisk {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            match self.room {
                0 => Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left")),
                _ => {
                    let taken = bytes.len().min(self.room);
                    self.room -= taken;
                    Ok(taken)
                }
            }
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_that_fails_midway_is_the_reports_error_and_the_workers_stop() {
        let varied = crate::report::view::tests::varied_report();
        let rows = varied.rows.iter().cycle().take(20 * ROWS_PER_PIECE).cloned().collect();
        let report = varied.with_rows(rows);
        for room in [0, 10, 3 * ROWS_PER_PIECE * 300] {
            let error = write_compact(&report, &mut FullDisk { room }).unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::StorageFull, "room {room}");
            for cores in [1, 3] {
                let error = write_rows(&report.rows, cores, &mut FullDisk { room }).unwrap_err();
                assert_eq!(error.kind(), std::io::ErrorKind::StorageFull, "room {room}, {cores} cores");
            }
        }
    }
}
