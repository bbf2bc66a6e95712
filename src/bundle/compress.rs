//! Compressed sizes, in parallel over every core, each distinct (content, settings) once.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::Sizes;

/// Size one file: which content (index into the contents) with which settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Job {
    pub content: usize,
    pub gzip_level: Option<u32>,
    pub brotli_quality: Option<u32>,
}

/// Counts bytes instead of keeping them: we need the size, not the compressed data.
#[derive(Default)]
struct CountingWriter(u64);

impl Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes of the whole .gz stream (10-byte header, deflate data, 8-byte trailer), as node's
/// `zlib.gzip(buf, {level})` and so gzip-size count it.
pub fn gzip_size(data: &[u8], level: u32) -> u64 {
    let mut encoder = flate2::write::GzEncoder::new(CountingWriter::default(), flate2::Compression::new(level));
    encoder.write_all(data).expect("writing to a counter cannot fail");
    encoder.finish().expect("writing to a counter cannot fail").0
}

/// Bytes of the brotli stream at `quality`, window 22, generic mode, size hint = input length,
/// as brotli-size sets node's `brotliCompressSync`.
pub fn brotli_size(data: &[u8], quality: u32) -> u64 {
    let params = brotli::enc::BrotliEncoderParams {
        quality: quality as i32,
        lgwin: 22,
        mode: brotli::enc::backward_references::BrotliEncoderMode::BROTLI_MODE_GENERIC,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut out = CountingWriter::default();
    let mut input = data;
    brotli::BrotliCompress(&mut input, &mut out, &params).expect("compressing from memory to a counter cannot fail");
    out.0
}

/// The sizes for every job, in job order.
pub fn sizes(contents: &[Vec<u8>], jobs: &[Job]) -> Vec<Sizes> {
    // Identical contents (the same file in two bundles, or copies under two names) with the
    // same settings are compressed once.
    let fingerprints: Vec<(usize, u64)> = contents
        .iter()
        .map(|c| {
            let mut h = DefaultHasher::new();
            c.hash(&mut h);
            (c.len(), h.finish())
        })
        .collect();
    let mut canonical: HashMap<Job, usize> = HashMap::new();
    let mut first_with: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    let mut unique: Vec<Job> = Vec::new();
    let mut job_to_unique = Vec::with_capacity(jobs.len());
    for job in jobs {
        // Map the content to the first index with equal bytes (fingerprint, then a full compare).
        let candidates = first_with.entry(fingerprints[job.content]).or_default();
        let content = match candidates.iter().find(|&&i| contents[i] == contents[job.content]) {
            Some(&i) => i,
            None => {
                candidates.push(job.content);
                job.content
            }
        };
        let key = Job { content, ..*job };
        let index = *canonical.entry(key).or_insert_with(|| {
            unique.push(key);
            unique.len() - 1
        });
        job_to_unique.push(index);
    }

    // Work items: one compression each, biggest first so the slowest do not start last.
    let mut work: Vec<(usize, Algorithm)> = Vec::new();
    for (i, job) in unique.iter().enumerate() {
        if job.brotli_quality.is_some() {
            work.push((i, Algorithm::Brotli));
        }
        if job.gzip_level.is_some() {
            work.push((i, Algorithm::Gzip));
        }
    }
    work.sort_by_key(|(i, alg)| (std::cmp::Reverse(contents[unique[*i].content].len()), *alg));
    let results: Vec<Mutex<Sizes>> = unique
        .iter()
        .map(|j| Mutex::new(Sizes { raw: contents[j.content].len() as u64, gzip: None, brotli: None }))
        .collect();
    let next = AtomicUsize::new(0);
    let threads = crate::parallel::cores().min(work.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(&(i, alg)) = work.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let job = unique[i];
                    let data = &contents[job.content];
                    match alg {
                        Algorithm::Gzip => {
                            let size = gzip_size(data, job.gzip_level.unwrap_or(super::DEFAULT_GZIP_LEVEL));
                            results[i].lock().expect("no panics while held").gzip = Some(size);
                        }
                        Algorithm::Brotli => {
                            let size = brotli_size(data, job.brotli_quality.unwrap_or(super::DEFAULT_BROTLI_QUALITY));
                            results[i].lock().expect("no panics while held").brotli = Some(size);
                        }
                    }
                }
            });
        }
    });
    let results: Vec<Sizes> = results.into_iter().map(|m| m.into_inner().expect("no panics while held")).collect();
    job_to_unique.into_iter().map(|i| results[i]).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Algorithm {
    Brotli,
    Gzip,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_sizes() {
        // gzip: 10-byte header + empty deflate block + 8-byte trailer, as Python and node give.
        assert_eq!(gzip_size(b"", 9), 20);
        assert_eq!(brotli_size(b"", 11), 1);
    }

    #[test]
    fn identical_contents_are_compressed_once_and_sized_alike() {
        let contents = vec![b"same bytes same bytes".to_vec(), b"other".to_vec(), b"same bytes same bytes".to_vec()];
        let jobs: Vec<Job> =
            (0..3).map(|content| Job { content, gzip_level: Some(9), brotli_quality: Some(11) }).collect();
        let sizes = sizes(&contents, &jobs);
        assert_eq!(sizes[0], sizes[2]);
        assert_eq!(sizes[1].raw, 5);
        assert_eq!(sizes[0].gzip, Some(gzip_size(&contents[0], 9)));
    }
}
