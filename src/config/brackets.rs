//! One pass over a block of a config file that finds every `[`, says whether it opens its line
//! and how many newlines come before it, and counts the block's newlines: all that the
//! one-profile read (`focus`) needs to cut a file into pieces and number their lines.
//!
//! At 10,000 profiles this pass and the header tests are what a cached `credential-process`
//! spends beyond reading the file (ARCHITECTURE.md: Scale). Searching for `[` with `memchr`
//! and then counting the newlines took two passes over the block, a fresh search for each of
//! the 10,000 headers and another for each header's `]`. Here one pass compares 64 bytes at a
//! time with AVX2 against newline, `[` and `]`, and walks the bit masks: a header costs a few
//! instructions and its `]` comes with it (`cargo bench --bench config_parse -- one_profile`,
//! 10,000 profiles in memory: 336–370 → 284–325 µs). CPUs without AVX2, and other
//! architectures, take the `memchr` route (SSE2 or NEON there).

/// A `[` found in a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bracket {
    /// Its index in the block.
    pub at: usize,
    /// How many newlines of the block come before it.
    pub newlines_before: usize,
    /// Whether it is its line's first byte. The block is taken to start a line.
    pub opens_line: bool,
    /// The index of the first `]` or newline after it, when the scan saw one without looking
    /// further (in the same 64 bytes); `None` says nothing.
    pub closer: Option<usize>,
}

/// Calls `found` with every `[` of `block`, in order, and returns how many newlines the block
/// holds.
pub fn scan(block: &[u8], mut found: impl FnMut(Bracket)) -> usize {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: `scan_avx2` needs AVX2, BMI1 and POPCNT, and the CPU has them (checked above).
        return unsafe { scan_avx2(block, &mut found) };
    }
    scan_memchr(block, &mut found)
}

/// The same as [`scan`] with `memchr`'s searches: one for each `[`, and a count of the
/// newlines since the previous one.
fn scan_memchr(block: &[u8], found: &mut impl FnMut(Bracket)) -> usize {
    let mut newlines = 0;
    let mut counted_to = 0;
    for at in memchr::memchr_iter(b'[', block) {
        newlines += memchr::memchr_iter(b'\n', &block[counted_to..at]).count();
        counted_to = at;
        found(Bracket {
            at,
            newlines_before: newlines,
            opens_line: at == 0 || block[at - 1] == b'\n',
            closer: None,
        });
    }
    newlines + memchr::memchr_iter(b'\n', &block[counted_to..]).count()
}

/// Where the newlines, the `[`s and the `]`s of 64 bytes are, one bit per byte.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Masks {
    line_ends: u64,
    opening: u64,
    closing: u64,
}

/// Whether [`scan_avx2`] can run here. Bit counts and scans (POPCNT, BMI1) come with AVX2 on
/// every CPU that has it, but they are separate features and are checked as such.
#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("popcnt")
}

/// [`scan`] with the masks of each 64 bytes computed by AVX2.
///
/// # Safety
/// The CPU must support AVX2, BMI1 and POPCNT.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,popcnt")]
unsafe fn scan_avx2(block: &[u8], found: &mut impl FnMut(Bracket)) -> usize {
    let mut newlines = 0;
    // The block starts a line: as if a newline came just before it.
    let mut after_newline = true;
    let mut chunks = block.chunks_exact(64);
    let mut base = 0;
    for chunk in &mut chunks {
        // `chunks_exact(64)` yields 64-byte slices only.
        if let Ok(chunk) = chunk.try_into() {
            let masks = masks_avx2(chunk);
            if masks.opening != 0 {
                report(masks, after_newline, base, newlines, found);
            }
            newlines += masks.line_ends.count_ones() as usize;
            after_newline = masks.line_ends >> 63 == 1;
        }
        base += 64;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // Zero bytes pad the last stretch: they are neither newline nor bracket.
        let mut padded = [0u8; 64];
        padded[..rest.len()].copy_from_slice(rest);
        let masks = masks_avx2(&padded);
        report(masks, after_newline, base, newlines, found);
        newlines += masks.line_ends.count_ones() as usize;
    }
    newlines
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn masks_avx2(chunk: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    let pointer = chunk.as_ptr().cast::<__m256i>();
    // SAFETY: both unaligned 32-byte loads lie within the 64-byte array: at 0 and at 32.
    let (low, high) = unsafe {
        (
            _mm256_loadu_si256(pointer),
            _mm256_loadu_si256(pointer.add(1)),
        )
    };
    let mask = |byte: u8| {
        let wanted = _mm256_set1_epi8(byte as i8);
        // `movemask` gives one bit per byte as an i32: its bits, not its value, are wanted.
        let bits = |half| u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(half, wanted)) as u32);
        bits(low) | bits(high) << 32
    };
    Masks {
        line_ends: mask(b'\n'),
        opening: mask(b'['),
        closing: mask(b']'),
    }
}

/// Calls `found` for each `[` of the 64 bytes at `base`, which follow `newlines` newlines
/// (and a newline right before them when `after_newline`). Kept out of the scan's loop, which
/// rarely needs it and runs faster with its registers to itself.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi1,popcnt")]
#[inline(never)]
fn report(
    masks: Masks,
    after_newline: bool,
    base: usize,
    newlines: usize,
    found: &mut impl FnMut(Bracket),
) {
    let line_starts = masks.line_ends << 1 | u64::from(after_newline);
    let closers = masks.closing | masks.line_ends;
    let mut rest = masks.opening;
    while rest != 0 {
        let bit = rest.trailing_zeros();
        let up_to = u64::MAX >> (63 - bit);
        let after = closers & !up_to;
        found(Bracket {
            at: base + bit as usize,
            newlines_before: newlines + (masks.line_ends & up_to).count_ones() as usize,
            opens_line: line_starts >> bit & 1 == 1,
            closer: (after != 0).then(|| base + after.trailing_zeros() as usize),
        });
        rest &= rest - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Route = fn(&[u8], &mut dyn FnMut(Bracket)) -> usize;

    /// Byte by byte, as plainly as it can be said, with every closer.
    fn naive(block: &[u8]) -> (Vec<Bracket>, usize) {
        let mut found = Vec::new();
        let mut newlines = 0;
        for (at, &byte) in block.iter().enumerate() {
            if byte == b'[' {
                found.push(Bracket {
                    at,
                    newlines_before: newlines,
                    opens_line: at == 0 || block[at - 1] == b'\n',
                    closer: (at + 1..block.len()).find(|&i| matches!(block[i], b']' | b'\n')),
                });
            }
            newlines += usize::from(byte == b'\n');
        }
        (found, newlines)
    }

    fn collect(block: &[u8], route: Route) -> (Vec<Bracket>, usize) {
        let mut found = Vec::new();
        let newlines = route(block, &mut |bracket| found.push(bracket));
        (found, newlines)
    }

    /// Every route, each named, and whether it must see closers in the same 64 bytes.
    fn routes() -> Vec<(&'static str, Route, bool)> {
        let mut routes: Vec<(&'static str, Route, bool)> = vec![
            ("scan", |block, found| scan(block, found), false),
            (
                "memchr",
                |block, found| scan_memchr(block, &mut |b| found(b)),
                false,
            ),
        ];
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: AVX2, BMI1 and POPCNT are there (checked just above).
            routes.push((
                "avx2",
                |block, found| unsafe { scan_avx2(block, &mut |b| found(b)) },
                true,
            ));
        }
        routes
    }

    /// Blocks that put newlines and brackets on every side of the 64-byte seams.
    fn blocks() -> Vec<Vec<u8>> {
        let mut blocks: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"[".to_vec(),
            b"\n".to_vec(),
            b"[profile a]\nregion = x\n  [profile b]\nkey = [v]\n\n[c]".to_vec(),
        ];
        let pairs = [
            (b'\n', b'['),
            (b'[', b'\n'),
            (b'[', b'['),
            (b'[', b']'),
            (b']', b'['),
        ];
        for length in [63, 64, 65, 127, 128, 129, 200] {
            for at in [0, 1, 62, 63, 64, 65, 127, 128] {
                for (first, second) in pairs {
                    let mut block = vec![b'x'; length];
                    if at < length {
                        block[at] = first;
                    }
                    if at + 1 < length {
                        block[at + 1] = second;
                    }
                    blocks.push(block);
                }
            }
        }
        // A pseudo-random mix, mostly newlines, brackets and 0xff (which is neither).
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for length in [1000, 4099] {
            let block = (0..length)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    [b'\n', b'[', b']', b'a', 0xff, b' '][(state % 6) as usize]
                })
                .collect();
            blocks.push(block);
        }
        blocks
    }

    #[test]
    fn every_route_finds_what_a_byte_by_byte_reading_finds() {
        let routes = routes();
        assert!(routes.len() >= 2);
        for block in blocks() {
            let (expected, newlines) = naive(&block);
            for (name, route, sees_near_closers) in &routes {
                let (found, counted) = collect(&block, *route);
                assert_eq!(counted, newlines, "{name}: newlines of {block:?}");
                assert_eq!(found.len(), expected.len(), "{name}: brackets of {block:?}");
                for (got, want) in found.iter().zip(&expected) {
                    let without_closer = |b: &Bracket| (b.at, b.newlines_before, b.opens_line);
                    assert_eq!(
                        without_closer(got),
                        without_closer(want),
                        "{name} on {block:?}"
                    );
                    if let Some(closer) = got.closer {
                        assert_eq!(Some(closer), want.closer, "{name}: closer in {block:?}");
                    }
                    let near = want
                        .closer
                        .is_some_and(|closer| closer / 64 == want.at / 64);
                    if *sees_near_closers && near {
                        assert_eq!(got.closer, want.closer, "{name}: closer in {block:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_block_is_taken_to_start_a_line() {
        let (found, newlines) = collect(b"[a]\n [b]\n[c", |block, found| scan(block, found));
        let opens: Vec<(usize, usize, bool)> = (found.iter())
            .map(|b| (b.at, b.newlines_before, b.opens_line))
            .collect();
        assert_eq!(opens, [(0, 0, true), (5, 1, false), (9, 2, true)]);
        assert_eq!(newlines, 2);
    }
}
