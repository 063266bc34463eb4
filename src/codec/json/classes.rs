//! Byte classes for the JSON code of [`super`]: which of 16 (or 8) bytes
//! are quotes, which must be escaped (backslashes, control characters),
//! which are above 0x7F, as a bit per byte. One SSE2 pass on x86-64, word
//! arithmetic elsewhere; the tests check both against a byte loop.

/// Byte classes of 16 bytes, a bit per byte (bit i for byte i): quotes;
/// backslashes and control characters (the other bytes JSON escapes);
/// bytes above 0x7F. With [`classes8`] (the same classes for 8 bytes in
/// a word), the one byte classifier of the JSON code: the escape scan
/// (`clean_prefix_len`, `write_chunk`) and the quote map (`flags64`) use
/// it. One SSE2 pass (part of the x86-64 baseline).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
pub(super) fn classify16(chunk: &[u8; 16]) -> (u16, u16, u16) {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: the build targets SSE2 (the `cfg` above), so the CPU has these
    // intrinsics; the unaligned load reads exactly the 16 bytes of `chunk`.
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast());
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        // Below 0x20: the unsigned minimum with 0x1F is the byte itself.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
        (
            _mm_movemask_epi8(quote) as u16,
            _mm_movemask_epi8(_mm_or_si128(backslash, control)) as u16,
            // The sign bit of each byte is its bit 7.
            _mm_movemask_epi8(v) as u16,
        )
    }
}

/// [`classify16`] without SSE2: [`classify16_words`].
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
pub(super) fn classify16(chunk: &[u8; 16]) -> (u16, u16, u16) {
    classify16_words(chunk)
}

/// [`classify16`] with [`classes8`] of its two halves (any target; the
/// tests check it against the SSE2 one and a byte loop).
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
pub(super) fn classify16_words(chunk: &[u8; 16]) -> (u16, u16, u16) {
    let (low, high) = chunk.split_at(8);
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
    // The high bits of the 8 bytes gathered into 8 bits: the multiplier
    // moves bit 8i + 7 to bit 56 + i, and no two partial products overlap.
    let gather = |m: u64| ((m >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u16;
    let (q0, e0, h0) = classes8(word(low));
    let (q1, e1, h1) = classes8(word(high));
    (
        gather(q0) | gather(q1) << 8,
        gather(e0) | gather(e1) << 8,
        gather(h0) | gather(h1) << 8,
    )
}

/// The classes of [`classify16`] for the 8 bytes of `w` (byte i = bits
/// 8i..8i+8), as the high bit (0x80 << 8i) of each byte in the class:
/// quotes; backslashes and control characters; bytes above 0x7F. Exact
/// for every byte: each byte's test stays within the byte (no borrow or
/// carry into its neighbour, unlike the usual "has a byte less than n"
/// trick), so the first flagged byte is `trailing_zeros / 8`.
#[inline(always)]
pub(super) fn classes8(w: u64) -> (u64, u64, u64) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = ONES * 0x7F;
    const HIGH: u64 = ONES * 0x80;
    // The high bit of each byte of `x` that is zero: its low seven bits
    // plus 0x7F reach 0x80 unless they are 0, and its own high bit is clear.
    let zero = |x: u64| !(((x & LOW7) + LOW7) | x) & HIGH;
    let quote = zero(w ^ (ONES * u64::from(b'"')));
    let backslash = zero(w ^ (ONES * u64::from(b'\\')));
    // Below 0x20: the low seven bits plus 0x60 stay below 0x80, high bit clear.
    let control = !(((w & LOW7) + ONES * 0x60) | w) & HIGH;
    (quote, backslash | control, w & HIGH)
}

/// Index of the first byte of `w` JSON requires to be escaped ([`classes8`]),
/// 8 if none.
#[inline(always)]
pub(super) fn first_escape8(w: u64) -> usize {
    let (quotes, escapes, _) = classes8(w);
    ((quotes | escapes).trailing_zeros() / 8) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`classify16`] a byte at a time: the reference.
    fn classify16_bytes(chunk: &[u8; 16]) -> (u16, u16, u16) {
        let (mut quotes, mut escapes, mut high) = (0u16, 0u16, 0u16);
        for (i, &c) in chunk.iter().enumerate() {
            quotes |= u16::from(c == b'"') << i;
            escapes |= u16::from(c == b'\\' || c < 0x20) << i;
            high |= u16::from(c > 0x7F) << i;
        }
        (quotes, escapes, high)
    }

    /// Both classifiers (the SSE2 one where built, and the word one every
    /// target can use) against a byte loop: every byte at every position,
    /// and pseudo-random chunks of the bytes at the class edges (flagged
    /// bytes next to each other, where a word trick could carry over).
    #[test]
    fn classify16_matches_a_byte_loop() {
        let check = |chunk: &[u8; 16]| {
            let expected = classify16_bytes(chunk);
            assert_eq!(classify16(chunk), expected, "{:?}", chunk);
            assert_eq!(classify16_words(chunk), expected, "{:?}", chunk);
        };
        for b in 0u8..=255 {
            for at in 0..16 {
                let mut chunk = [b'a'; 16];
                chunk[at] = b;
                check(&chunk);
            }
        }
        let edges = [
            0u8, 1, 0x1F, 0x20, b'"', b'!', b'#', b'\\', 0x5B, 0x7F, 0x80, 0xA2, 0xDC, 0xFF,
        ];
        let mut seed = 0x2545_F491u32;
        for _ in 0..20_000 {
            let mut chunk = [0u8; 16];
            for c in &mut chunk {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                *c = edges[(seed >> 16) as usize % edges.len()];
            }
            check(&chunk);
        }
    }
}
