//! The x86_64 musl build copies memory with its own memcpy (`native/small_copy.c`, linked by
//! build.rs): every copy of the program goes through it, so it must be exact at every size and
//! alignment. Safe Rust reaches memcpy through `copy_from_slice` of a length known only at run
//! time. On other targets this tests the C library's memcpy; CI also runs it built for musl.

use std::hint::black_box;

#[test]
fn copies_of_every_size_and_alignment_arrive_whole() {
    let source: Vec<u8> = (0..2048u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for len in (0..=600).chain([1023, 1024, 1025, 1500]) {
        for src_at in 0..16 {
            for dst_at in [0, 1, 3, 7, 8, 15] {
                // Guard bytes around the destination must stay as they were.
                let mut target = vec![0xA5u8; dst_at + len + 32];
                let from = &source[black_box(src_at)..src_at + black_box(len)];
                target[dst_at..dst_at + len].copy_from_slice(from);
                assert!(
                    target[dst_at..dst_at + len].iter().zip(from).all(|(a, b)| a == b),
                    "{len} bytes from +{src_at} to +{dst_at}"
                );
                assert!(target[..dst_at].iter().chain(&target[dst_at + len..]).all(|b| *b == 0xA5), "{len} bytes");
            }
        }
    }
}

#[test]
fn strings_built_from_many_small_pieces_are_whole() {
    // What reports do: a 20,000-row run writes millions of pieces of a few bytes.
    let pieces = ["", "a", "µs", "→", "p = 0.0123", "history test on mean and min", "±0%"];
    let mut text = String::new();
    let mut expected = Vec::new();
    for i in 0..50_000usize {
        let piece = pieces[i % pieces.len()];
        text.push_str(black_box(piece));
        // Byte by byte: the expected text must not be made by the copy under test.
        for byte in piece.bytes() {
            expected.push(black_box(byte));
        }
    }
    assert_eq!(text.len(), expected.len());
    assert!(text.bytes().zip(&expected).all(|(a, b)| a == *b));
}
