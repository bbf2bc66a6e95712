//! The JSON report of a big run, its rows serialized on every core: at 20,000 rows the report
//! is 15 MB and at 1,000,000 rows 800 MB, and on one thread serde_json made it at ~330 MB/s
//! (2.4 s of a 1,000,000-metric step). The bytes are exactly serde_json's compact output of the
//! [`Report`]: the report without its rows is serialized as usual and its empty `rows` array
//! filled in, each row written as serde_json writes a sequence's elements.

use std::io::Write;

use super::Report;
use crate::report::Row;

/// Rows one thread serializes at a time: a few megabytes of JSON. At most two waves of pieces
/// (one per core each) are held, the one being written and the one being made, so the report
/// is never held whole.
const ROWS_PER_PIECE: usize = 4_096;

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
    // Each wave of pieces (one per core) is made while the one before is written: putting
    // 800 MB into the page cache took as long as making it.
    let pieces: Vec<&[Row]> = report.rows.chunks(ROWS_PER_PIECE).collect();
    let mut first = true;
    let mut write_wave = |made: Vec<std::io::Result<Vec<u8>>>| -> std::io::Result<()> {
        for piece in made {
            if !std::mem::take(&mut first) {
                out.write_all(b",")?;
            }
            out.write_all(&piece?)?;
        }
        Ok(())
    };
    std::thread::scope(|scope| {
        let mut made = None;
        for wave in pieces.chunks(crate::parallel::cores()) {
            let next =
                scope.spawn(|| crate::parallel::map_in_chunks(wave.to_vec(), 1, |rows: &[Row]| serialize_rows(rows)));
            if let Some(made) = made.take() {
                write_wave(made)?;
            }
            made = Some(next.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        made.map_or(Ok(()), &mut write_wave)
    })?;
    out.write_all(&rest)
}

/// `rows` as the elements of a compact JSON array: separated by commas, without brackets.
fn serialize_rows(rows: &[Row]) -> std::io::Result<Vec<u8>> {
    let mut piece = Vec::with_capacity(rows.len() * 1_024);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            piece.push(b',');
        }
        write_row(&mut piece, row)?;
    }
    Ok(piece)
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
        // Pieces over several waves of threads, the last one short; and no rows at all.
        for count in [0, 1, ROWS_PER_PIECE, 3 * ROWS_PER_PIECE + 17] {
            let rows = varied.rows.iter().rev().cycle().take(count).cloned().collect();
            let report = varied.with_rows(rows);
            let mut written = Vec::new();
            write_compact(&report, &mut written).unwrap();
            assert_eq!(written, serde_json::to_vec(&report).unwrap(), "{count} rows");
        }
    }
}
