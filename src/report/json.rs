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
        serde_json::to_writer(&mut piece, row)?;
    }
    Ok(piece)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rows_made_in_parallel_are_exactly_serde_jsons_report() {
        let varied = crate::report::view::tests::varied_report();
        // Pieces over several waves of threads, the last one short; and no rows at all.
        for count in [0, 1, ROWS_PER_PIECE, 3 * ROWS_PER_PIECE + 17] {
            let rows = varied.rows.iter().cycle().take(count).cloned().collect();
            let report = varied.with_rows(rows);
            let mut written = Vec::new();
            write_compact(&report, &mut written).unwrap();
            assert_eq!(written, serde_json::to_vec(&report).unwrap(), "{count} rows");
        }
    }
}
