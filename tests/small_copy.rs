//! The x86_64 musl build copies, moves and compares memory with its own memcpy, memmove and
//! memcmp (`native/small_copy.c`, `native/small_compare.c`, linked by build.rs): every copy and
//! every comparison of strings in the program goes through them, so they must be exact at every
//! size, alignment and overlap. Safe Rust reaches memcpy through `copy_from_slice` of a length
//! known only at run time, memmove through `copy_within`, and memcmp through comparing slices.
//! On other targets this tests the C library's; CI also runs it built for musl.

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
fn moves_of_every_size_and_overlap_arrive_whole() {
    let source: Vec<u8> = (0..1400u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for len in (0..=80).chain([127, 128, 129, 511, 512, 513, 600, 1000]) {
        // Destinations before, on and after the source, overlapping it or not.
        for from in [70usize, 71, 77, 134] {
            for shift in [-70isize, -17, -16, -9, -8, -3, -1, 0, 1, 2, 5, 8, 15, 16, 17, 33, 70] {
                let to = from.strict_add_signed(shift);
                let mut buffer = source.clone();
                buffer.copy_within(black_box(from)..from + black_box(len), black_box(to));
                // The expected buffer byte by byte, from the untouched source.
                let mut expected = source.clone();
                for i in 0..len {
                    expected[black_box(to + i)] = source[from + i];
                }
                assert!(buffer == expected, "{len} bytes from {from} to {to}");
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

#[test]
fn comparisons_of_every_size_order_by_the_first_differing_byte() {
    // The expected order, byte by byte (no call of memcmp): the first difference decides, as
    // unsigned bytes; else the shorter is first.
    fn expected(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
        for i in 0..a.len().min(b.len()) {
            let (x, y) = (black_box(a[i]), black_box(b[i]));
            if x != y {
                return x.cmp(&y);
            }
        }
        a.len().cmp(&b.len())
    }
    let base: Vec<u8> = (0..96u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    for len in 0..=70 {
        for at in [0, 1, 5, 8] {
            let a = &base[black_box(at)..at + black_box(len)];
            let mut b = a.to_vec();
            assert_eq!(a.cmp(&b[..]), std::cmp::Ordering::Equal, "{len} equal bytes");
            assert!(a == &b[..]);
            // A difference at every place, both ways, with bytes on both sides of 0x80.
            for place in 0..len {
                for (x, y) in [(0x00, 0xFF), (0x7F, 0x80), (0x41, 0x42), (0xFE, 0x01)] {
                    let mut c = a.to_vec();
                    b[place] = x;
                    c[place] = y;
                    assert_eq!(b[..].cmp(&c[..]), expected(&b, &c), "{len} bytes, differing at {place}");
                    assert_eq!(c[..].cmp(&b[..]), expected(&c, &b), "{len} bytes, differing at {place}");
                    assert!(b[..] != c[..]);
                    b[place] = a[place];
                }
            }
            // A prefix against the whole.
            if len > 0 {
                assert_eq!(a[..len - 1].cmp(a), std::cmp::Ordering::Less);
            }
        }
    }
    // Names as a big run sorts them: long shared prefixes.
    let mut names: Vec<String> = (0..2000).rev().map(|i| format!("suite{:02}/bench_{i:06}", i % 7)).collect();
    names.sort();
    assert!(names.windows(2).all(|w| expected(w[0].as_bytes(), w[1].as_bytes()).is_lt()));
}
