//! The JSON form of a command header: string escaping for encoding, and a
//! decoder for the one shape servers send (`shared/docs/protocol.md` §1):
//! an object with `code`, `language`, `version`, `opaque`, `flag`, `remark`
//! and `extFields` (an object of scalars), any other member skipped.
//!
//! The decoder reads the header in place: keys and values of `extFields`
//! are spans of the received bytes unless one of them carries an escape
//! sequence, and up to eight spans live inside the command, so a typical
//! send response costs no allocation. It accepts exactly RFC 8259 JSON
//! (strict escapes, no unpaired surrogates, no control characters in
//! strings, nothing after the object), like serde_json, which the tests use
//! as the reference.

use std::borrow::Cow;

use bytes::Bytes;

use super::language::language_code;
use super::{protocol_error, same_bytes, ExtFields, RemotingCommand, Spans, LANGUAGE_OTHER};
use crate::error::Result;

/// Nesting limit for skipped (unknown) members.
const MAX_DEPTH: usize = 32;

/// Bytes JSON requires to be escaped inside a string: control characters,
/// quote and backslash.
static ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// The high bit of each byte of `w` that needs escaping is set in the
/// result, exactly at the lowest such byte (above it, bits may be set
/// spuriously): the usual "has a byte less than n" / "has a zero byte"
/// word tricks.
#[inline]
fn escape_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x;
    let quote = zero_byte(w ^ (ONES * b'"' as u64));
    let backslash = zero_byte(w ^ (ONES * b'\\' as u64));
    (below_space | quote | backslash) & HIGH
}

/// Byte classes of 16 bytes, a bit per byte (bit i for byte i): quotes;
/// backslashes and control characters (the other bytes JSON escapes);
/// bytes above 0x7F. One SSE2 pass (part of the x86-64 baseline).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn classify16(chunk: &[u8; 16]) -> (u16, u16, u16) {
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

/// [`classify16`] without SSE2.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline]
fn classify16(chunk: &[u8; 16]) -> (u16, u16, u16) {
    classify16_bytes(chunk)
}

/// [`classify16`] a byte at a time (the fallback, and the tests' reference).
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn classify16_bytes(chunk: &[u8; 16]) -> (u16, u16, u16) {
    let (mut quotes, mut escapes, mut high) = (0u16, 0u16, 0u16);
    for (i, &c) in chunk.iter().enumerate() {
        quotes |= u16::from(c == b'"') << i;
        escapes |= u16::from(c == b'\\' || c < 0x20) << i;
        high |= u16::from(c > 0x7F) << i;
    }
    (quotes, escapes, high)
}

/// Length of the longest prefix of `b` that needs no escaping: sixteen
/// bytes at a time with [`classify16`], the last fifteen or fewer with
/// [`clean_prefix_len_swar`].
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
fn clean_prefix_len(b: &[u8]) -> usize {
    let mut i = 0;
    while let Some(chunk) = b[i..].first_chunk::<16>() {
        let (quotes, escapes, _) = classify16(chunk);
        let mask = quotes | escapes;
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    i + clean_prefix_len_swar(&b[i..])
}

/// Length of the longest prefix of `b` that needs no escaping.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline]
fn clean_prefix_len(b: &[u8]) -> usize {
    clean_prefix_len_swar(b)
}

/// [`clean_prefix_len`] eight bytes at a time in a u64 (the first flagged
/// byte is found without a byte loop).
#[inline]
fn clean_prefix_len_swar(b: &[u8]) -> usize {
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        let mask = escape_mask(word);
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + clean_tail_len(&b[i..])
}

/// [`clean_prefix_len`] of fewer than eight bytes.
#[inline]
fn clean_tail_len(tail: &[u8]) -> usize {
    tail.iter()
        .position(|&c| ESCAPE[c as usize])
        .unwrap_or(tail.len())
}

/// Writes `s` as a JSON string literal: quoted; `"` and `\` escaped with a
/// backslash, control characters as `\u00XX` (the properties string carries
/// \u0001 and \u0002 separators). The clean prefix (usually all of `s`) is
/// found by [`clean_prefix_len`] and copied at once; the rest is classified
/// sixteen bytes at a time ([`classify16`]; the last ones padded with
/// spaces): a clean chunk is one 16-byte copy; in another, each byte to
/// escape follows the clean run before it.
pub(super) fn write_string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let clean = clean_prefix_len(b);
    out.extend_from_slice(&b[..clean]);
    for chunk in b[clean..].chunks(16) {
        // The last chunk padded with spaces, which are never escaped.
        let mut padded = [b' '; 16];
        padded[..chunk.len()].copy_from_slice(chunk);
        write_chunk(out, &padded, chunk.len());
    }
    out.push(b'"');
}

/// For [`write_string`]: writes the first `len` bytes of `chunk` (the rest
/// are spaces), escaped.
#[inline(always)]
fn write_chunk(out: &mut Vec<u8>, chunk: &[u8; 16], len: usize) {
    let (quotes, escapes, _) = classify16(chunk);
    let mut mask = quotes | escapes;
    if mask == 0 {
        // A fixed-size copy (no call), then the padding taken off again.
        out.extend_from_slice(chunk);
        out.truncate(out.len() - (16 - len));
        return;
    }
    // Each byte to escape after the clean run before it.
    let mut done = 0;
    while mask != 0 {
        let at = mask.trailing_zeros() as usize;
        out.extend_from_slice(&chunk[done..at]);
        push_escape(out, chunk[at]);
        done = at + 1;
        mask &= mask - 1;
    }
    out.extend_from_slice(&chunk[done..len]);
}

/// Writes the escape sequence of `c`, a byte JSON requires to be escaped.
#[inline]
fn push_escape(out: &mut Vec<u8>, c: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match c {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        c => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[(c >> 4) as usize],
            HEX[(c & 0xF) as usize],
        ]),
    }
}

/// Decodes a JSON header (`header`: exactly the header bytes of a frame;
/// `body` becomes the command's body).
/// `code` is required; `language` may be a name or a number; `version`,
/// `opaque` and `flag` default to 0, `remark` to none, `extFields` to
/// empty; null counts as absent; a repeated member's last value wins.
/// `extFields` values may be strings, numbers or booleans (kept as their
/// text); a null value drops its key (as if absent).
///
/// Errors ([`crate::error::ErrorKind::Internal`]): not UTF-8, not JSON,
/// `code` missing, a wrong type for a known member, trailing characters,
/// more than 4 GiB (frames carry at most 16 MiB).
pub(super) fn decode_header(header: Bytes, body: Bytes) -> Result<RemotingCommand> {
    decode_header_with(header, body, true)
}

/// [`decode_header`]; `fast`: whether [`fast_header`] may read it (the
/// tests compare both ways).
#[inline(always)]
fn decode_header_with(header: Bytes, body: Bytes, fast: bool) -> Result<RemotingCommand> {
    let quotes = QuoteMap::scan(&header);
    // `ExtFields::str_at` relies on this check: every span of the header
    // that the decoder hands out must be valid UTF-8 (a quote map implies
    // ASCII).
    if quotes.is_none() && !is_ascii(&header) && std::str::from_utf8(&header).is_err() {
        return Err(protocol_error("the JSON header is not UTF-8".into()));
    }
    if u32::try_from(header.len()).is_err() {
        return Err(protocol_error("the JSON header is too long".into()));
    }
    // Filled in place: the command is large (inline extFields spans).
    let mut cmd = RemotingCommand {
        language: LANGUAGE_OTHER,
        ext_fields: ExtFields::over(header.clone()),
        body,
        ..Default::default()
    };
    if let (true, Some(q)) = (fast, &quotes) {
        if fast_header(&header, q, &mut cmd).is_some() {
            return Ok(cmd);
        }
        cmd.ext_fields.spans_mut().clear();
    }
    let mut p = Parser {
        s: &header,
        i: 0,
        quotes: quotes.as_ref(),
    };
    match p.header(&mut cmd) {
        Some(()) => Ok(cmd),
        None => Err(protocol_error(format!(
            "undecodable JSON header (at byte {} of {})",
            p.i,
            header.len()
        ))),
    }
}

/// The header as brokers send it, read in one tight pass: with a quote map,
/// no whitespace, `code`, `version`, `opaque` and `flag` plain integers
/// (one to nine digits), `language` a name, `remark` a string or null,
/// `extFields` an object of strings, other members strings. Fills `cmd`
/// (fresh from [`decode_header_with`]) as [`Parser::header`] would; None
/// for anything else, with nothing in `cmd` but extFields spans (which the
/// caller clears), and the general parser then
/// reads the header (a test checks both agree on every header this takes).
fn fast_header(s: &[u8], quotes: &QuoteMap, cmd: &mut RemotingCommand) -> Option<()> {
    let mut f = Fast { s, quotes, i: 0 };
    let (mut code, mut language, mut remark) = (None, LANGUAGE_OTHER, None);
    let (mut version, mut opaque, mut flag) = (0, 0, 0);
    let mut code_value = 0;
    // The spans go straight into `cmd` (cleared again on failure).
    let spans = cmd.ext_fields.spans_mut();
    f.byte(b'{')?;
    loop {
        let (key_start, key_end) = f.string()?;
        f.byte(b':')?;
        let key = &s[key_start..key_end];
        // The integer members share one read (one copy of its code).
        let int_member = if same_bytes(key, b"code") {
            code = Some(());
            Some(&mut code_value)
        } else if same_bytes(key, b"opaque") {
            Some(&mut opaque)
        } else if same_bytes(key, b"flag") {
            Some(&mut flag)
        } else if same_bytes(key, b"version") {
            Some(&mut version)
        } else {
            None
        };
        if let Some(member) = int_member {
            *member = f.int()?;
        } else if same_bytes(key, b"language") {
            let (start, end) = f.string()?;
            language = language_code(&s[start..end]);
        } else if same_bytes(key, b"remark") {
            remark = f.nullable_string()?;
        } else if same_bytes(key, b"extFields") {
            // A repeated member's last value wins.
            spans.clear();
            f.string_object(spans)?;
        } else {
            f.string()?;
        }
        match f.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    if f.i != s.len() {
        return None;
    }
    code?;
    cmd.code = code_value;
    cmd.language = language;
    cmd.version = version;
    cmd.opaque = opaque;
    cmd.flag = flag;
    // A quote map implies ASCII: `from_utf8` cannot fail.
    cmd.remark = remark.map(|(start, end)| String::from_utf8_lossy(&s[start..end]).into_owned());
    Some(())
}

/// The integer `rest` starts with, and its length, if it is plain: one to
/// nine digits (no overflow possible), without a leading zero, not followed
/// by a fraction or an exponent. How servers write header integers; both
/// header readers read these inline.
#[inline(always)]
fn plain_int(rest: &[u8]) -> Option<(i32, usize)> {
    let n = rest
        .iter()
        .take(10)
        .take_while(|c| c.is_ascii_digit())
        .count();
    let plain = (1..=9).contains(&n)
        && (n == 1 || rest[0] != b'0')
        && !matches!(rest.get(n), Some(b'.' | b'e' | b'E'));
    if !plain {
        return None;
    }
    let v = rest[..n]
        .iter()
        .fold(0i32, |v, &d| v * 10 + i32::from(d - b'0'));
    Some((v, n))
}

/// The cursor of [`fast_header`].
struct Fast<'a> {
    s: &'a [u8],
    quotes: &'a QuoteMap,
    i: usize,
}

impl Fast<'_> {
    /// The next byte (consumed).
    #[inline(always)]
    fn next(&mut self) -> Option<u8> {
        let b = *self.s.get(self.i)?;
        self.i += 1;
        Some(b)
    }

    /// Consumes `c`, which must be next.
    #[inline(always)]
    fn byte(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// A string without escapes, which must be next: its content's start
    /// and end.
    #[inline(always)]
    fn string(&mut self) -> Option<(usize, usize)> {
        self.byte(b'"')?;
        let start = self.i;
        // No escapes: the string ends at the next quote.
        let close = self.quotes.next_quote(start)?;
        self.i = close + 1;
        Some((start, close))
    }

    /// A string (its content's start and end) or null.
    fn nullable_string(&mut self) -> Option<Option<(usize, usize)>> {
        if self.s[self.i..].starts_with(b"null") {
            self.i += 4;
            return Some(None);
        }
        self.string().map(Some)
    }

    /// A [`plain_int`], which must be next.
    #[inline(always)]
    fn int(&mut self) -> Option<i32> {
        let (v, n) = plain_int(&self.s[self.i..])?;
        self.i += n;
        Some(v)
    }

    /// An object whose values are all strings: appends the spans (key
    /// start, key end, value start, value end) of its members.
    fn string_object(&mut self, spans: &mut Spans) -> Option<()> {
        self.byte(b'{')?;
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Some(());
        }
        loop {
            let (key_start, key_end) = self.string()?;
            self.byte(b':')?;
            let (value_start, value_end) = self.string()?;
            // Offsets fit in u32: a quote map covers at most 512 bytes.
            spans.push([key_start, key_end, value_start, value_end].map(|o| o as u32));
            match self.next()? {
                b',' => {}
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }
}

/// Most bytes a [`QuoteMap`] covers: a send response header is about 300.
const QUOTE_MAP_BYTES: usize = 512;

/// The quotes of a header whose strings need no scanning: one of at most
/// [`QUOTE_MAP_BYTES`] bytes with no backslash, no control character and
/// no byte above 0x7F (what brokers send). There every quote opens or
/// closes a string, so a string that opens at `i` ends at the first quote
/// after `i`. One pass over the header, 64 bytes at a time, marks them all;
/// the parser then reads each string's end from these bits instead of
/// scanning for it, and where a string ends does not wait for the work
/// before it.
struct QuoteMap {
    /// Bit `i % 64` of word `i / 64` is set for a quote at `i` (none past
    /// the end of the header).
    bits: [u64; QUOTE_MAP_BYTES / 64],
}

impl QuoteMap {
    /// The map of `s`; None if `s` is too long or has a byte that needs a
    /// closer look.
    fn scan(s: &[u8]) -> Option<QuoteMap> {
        if s.len() > QUOTE_MAP_BYTES {
            return None;
        }
        let mut map = QuoteMap {
            bits: [0; QUOTE_MAP_BYTES / 64],
        };
        let mut bad = 0;
        let mut blocks = s.chunks_exact(64);
        for (block, word) in (&mut blocks).zip(&mut map.bits) {
            let (quotes, flagged) = flags64(block.try_into().ok()?);
            *word = quotes;
            bad |= flagged;
        }
        let tail = blocks.remainder();
        if !tail.is_empty() {
            // Padded with spaces, which are neither quotes nor flagged.
            let mut last = [b' '; 64];
            last[..tail.len()].copy_from_slice(tail);
            let (quotes, flagged) = flags64(&last);
            map.bits[s.len() / 64] = quotes;
            bad |= flagged;
        }
        (bad == 0).then_some(map)
    }

    /// The position of the first quote at or after `from`, if any.
    #[inline(always)]
    fn next_quote(&self, from: usize) -> Option<usize> {
        let mut word = from / 64;
        let mut w = *self.bits.get(word)? & (!0u64 << (from % 64));
        while w == 0 {
            word += 1;
            w = *self.bits.get(word)?;
        }
        Some(word * 64 + w.trailing_zeros() as usize)
    }
}

/// For 64 bytes: a bit per quote, and a bit per backslash, control
/// character or non-ASCII byte (bit i for byte i).
#[inline]
fn flags64(block: &[u8; 64]) -> (u64, u64) {
    let (mut quotes, mut flagged) = (0u64, 0u64);
    for i in 0..4 {
        let chunk = block[16 * i..]
            .first_chunk::<16>()
            .expect("a 64-byte block has four 16-byte chunks");
        let (q, escapes, high) = classify16(chunk);
        quotes |= u64::from(q) << (16 * i);
        flagged |= u64::from(escapes | high) << (16 * i);
    }
    (quotes, flagged)
}

/// Whether every byte of `b` is ASCII. ORs all bytes together without an
/// early exit, which the compiler turns into 16-byte vector steps: cheaper
/// than `std::str::from_utf8` on the (ASCII) headers servers send.
#[inline]
fn is_ascii(b: &[u8]) -> bool {
    b.iter().fold(0, |acc, &c| acc | c) < 0x80
}

impl Parser<'_> {
    /// The whole header, into `cmd` (whose extFields are over the header
    /// and empty); None at the first error (`self.i` is near it).
    fn header(&mut self, cmd: &mut RemotingCommand) -> Option<()> {
        let p = self;
        let mut code = None;
        let mut ext_escaped = false;
        p.expect(b'{')?;
        if !p.eat(b'}') {
            loop {
                let key = p.string()?;
                p.expect(b':')?;
                match &*p.content(key)? {
                    b"code" => code = p.int()?,
                    b"language" => cmd.language = p.language()?,
                    b"version" => cmd.version = p.int()?.unwrap_or(0),
                    b"opaque" => cmd.opaque = p.int()?.unwrap_or(0),
                    b"flag" => cmd.flag = p.int()?.unwrap_or(0),
                    b"remark" => cmd.remark = p.nullable_string()?,
                    b"extFields" => ext_escaped = p.ext_fields(cmd.ext_fields.spans_mut())?,
                    _ => p.skip_value(0)?,
                }
                if !p.eat(b',') {
                    p.expect(b'}')?;
                    break;
                }
            }
        }
        if p.peek().is_some() {
            return None;
        }
        cmd.code = code?;
        if ext_escaped {
            cmd.ext_fields = unescape_fields(&cmd.ext_fields)?;
        }
        Some(())
    }
}

/// A string's content: `start..end` of the input, and whether it has
/// escapes. Offsets fit in u32: `decode_header` checks the length.
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
    escaped: bool,
}

impl Span {
    /// `start..end` of text without escapes (a number or literal, or a
    /// string known to have none).
    fn plain(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
            escaped: false,
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    /// The next byte to read. Invariant: at most `s.len()`.
    i: usize,
    /// Where the quotes of `s` are, when its strings need no scanning.
    quotes: Option<&'a QuoteMap>,
}

impl<'a> Parser<'a> {
    /// Skips whitespace; the next byte, if any.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        let b = *self.s.get(self.i)?;
        // JSON whitespace is at most b' ': anything above is a token.
        if b > b' ' {
            return Some(b);
        }
        self.skip_whitespace()
    }

    /// [`Parser::peek`] at a byte that may be whitespace.
    fn skip_whitespace(&mut self) -> Option<u8> {
        loop {
            let b = *self.s.get(self.i)?;
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(b);
            }
            self.i += 1;
        }
    }

    /// Consumes `c` if it is next (after whitespace).
    #[inline]
    fn eat(&mut self, c: u8) -> bool {
        let next = self.peek() == Some(c);
        self.i += usize::from(next);
        next
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Option<()> {
        self.eat(c).then_some(())
    }

    /// A string literal; checks its escapes without decoding them. Inlined
    /// for the common string without escapes, whose end is found by one
    /// `clean_prefix_len`; [`Parser::string_rest`] reads the others.
    /// Inlined always: see [`Parser::string_outlined`] for cold callers.
    #[inline(always)]
    fn string(&mut self) -> Option<Span> {
        self.expect(b'"')?;
        let start = self.i;
        if let Some(quotes) = self.quotes {
            // No escapes: the string ends at the next quote.
            let close = quotes.next_quote(start)?;
            self.i = close + 1;
            return Some(Span::plain(start, close));
        }
        let rest = self.s.get(start..).unwrap_or_default();
        let clean = clean_prefix_len(rest);
        if rest.get(clean) == Some(&b'"') {
            self.i = start + clean + 1;
            return Some(Span::plain(start, start + clean));
        }
        self.i = start + clean;
        self.string_rest(start)
    }

    /// [`Parser::string`] as one shared out-of-line copy, for the members
    /// that are rare or short (remark, language, skipped values): inlining
    /// pays off in the loops over keys and extFields only.
    #[inline(never)]
    fn string_outlined(&mut self) -> Option<Span> {
        self.string()
    }

    /// The rest of a string literal that started at `start`, from the
    /// first byte that needs a closer look (`self.i`).
    #[inline(never)]
    fn string_rest(&mut self, start: usize) -> Option<Span> {
        let mut escaped = false;
        loop {
            match self.s.get(self.i)? {
                b'"' => {
                    let span = Span {
                        escaped,
                        ..Span::plain(start, self.i)
                    };
                    self.i += 1;
                    return Some(span);
                }
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                _ => return None,
            }
            let rest = self.s.get(self.i..).unwrap_or_default();
            self.i += clean_prefix_len(rest);
        }
    }

    /// Skips the escape sequence at `self.i` (a backslash), checking it as
    /// serde_json does: a `\u` escape of a surrogate must be a high one
    /// followed by the `\u` escape of a low one.
    fn escape(&mut self) -> Option<()> {
        let rest = self.s.get(self.i..)?;
        self.i += match rest.get(1)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
            b'u' => unicode_escape(rest)?.1,
            _ => return None,
        };
        Some(())
    }

    /// The span of a stored string content `start..end` (whether it has
    /// escapes is found again).
    fn span_at(&self, start: u32, end: u32) -> Span {
        let raw = &self.s[start as usize..end as usize];
        Span {
            escaped: raw.contains(&b'\\'),
            ..Span::plain(start as usize, end as usize)
        }
    }

    /// The bytes of `span`: in place, or decoded if it has escapes (None
    /// for a bad escape, which `string` has rejected already).
    #[inline]
    fn content(&self, span: Span) -> Option<Cow<'a, [u8]>> {
        let raw = &self.s[span.start as usize..span.end as usize];
        if span.escaped {
            unescape(raw).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(raw))
        }
    }

    /// The text of `span` (decoded if it has escapes).
    fn text(&self, span: Span) -> Option<Cow<'a, str>> {
        // The header is UTF-8 and spans start and end next to ASCII, so
        // these checks pass; they keep the parser free of unsafe code.
        Some(match self.content(span)? {
            Cow::Borrowed(raw) => Cow::Borrowed(std::str::from_utf8(raw).ok()?),
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8(bytes).ok()?),
        })
    }

    /// The run of ASCII digits at `self.i` (consumed).
    #[inline]
    fn digits(&mut self) -> &'a [u8] {
        let rest = self.s.get(self.i..).unwrap_or_default();
        let n = rest
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        self.i += n;
        &rest[..n]
    }

    /// The integer part of a number: an optional minus, then digits with
    /// no leading zero. Whether it is negative, and its digits.
    #[inline]
    fn int_part(&mut self) -> Option<(bool, &'a [u8])> {
        self.peek();
        let negative = self.s.get(self.i) == Some(&b'-');
        self.i += usize::from(negative);
        let digits = self.digits();
        if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
            return None;
        }
        Some((negative, digits))
    }

    /// Any number; its span.
    fn number(&mut self) -> Option<Span> {
        self.peek();
        let start = self.i;
        self.int_part()?;
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits().is_empty() {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if self.digits().is_empty() {
                return None;
            }
        }
        Some(Span::plain(start, self.i))
    }

    /// A number that serde_json reads as an integer: whether it is
    /// negative, and its magnitude. None for a fraction or an exponent and
    /// for -0 (floats to serde_json), for a magnitude beyond u64 (a float
    /// too) and for bad syntax.
    #[inline]
    fn integer(&mut self) -> Option<(bool, u64)> {
        let (negative, digits) = self.int_part()?;
        let float = matches!(self.s.get(self.i), Some(b'.' | b'e' | b'E'));
        // Without leading zeros, the only digits of value 0 are "0".
        if float || (negative && digits == b"0") {
            return None;
        }
        let magnitude = digits.iter().try_fold(0u64, |m, &d| {
            m.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })?;
        Some((negative, magnitude))
    }

    /// `word` (true, false, null) at the current position.
    fn literal(&mut self, word: &[u8]) -> Option<Span> {
        self.peek();
        let start = self.i;
        if !self.s[start..].starts_with(word) {
            return None;
        }
        self.i += word.len();
        Some(Span::plain(start, self.i))
    }

    /// Consumes `null` if it is next: true; false if something else is.
    #[inline]
    fn null(&mut self) -> Option<bool> {
        if self.peek() != Some(b'n') {
            return Some(false);
        }
        self.literal(b"null").map(|_| true)
    }

    /// An i32 or null. A [`plain_int`] right at `self.i` (what servers
    /// send) is read inline; [`Parser::int_rest`] reads the rest.
    #[inline]
    fn int(&mut self) -> Option<Option<i32>> {
        if let Some((v, n)) = plain_int(self.s.get(self.i..).unwrap_or_default()) {
            self.i += n;
            return Some(Some(v));
        }
        self.int_rest()
    }

    /// [`Parser::int`] of anything else: whitespace first, a sign, null,
    /// too many digits, bad syntax.
    #[inline(never)]
    fn int_rest(&mut self) -> Option<Option<i32>> {
        if self.null()? {
            return Some(None);
        }
        let (negative, magnitude) = self.integer()?;
        let v = i64::try_from(magnitude).ok()?;
        let v = if negative { -v } else { v };
        Some(Some(i32::try_from(v).ok()?))
    }

    /// A string or null.
    fn nullable_string(&mut self) -> Option<Option<String>> {
        if self.null()? {
            return Some(None);
        }
        let span = self.string_outlined()?;
        Some(Some(self.text(span)?.into_owned()))
    }

    /// A language name, a language number or null.
    fn language(&mut self) -> Option<u8> {
        if self.null()? {
            return Some(LANGUAGE_OTHER);
        }
        if self.peek() == Some(b'"') {
            let span = self.string_outlined()?;
            return Some(language_code(&self.content(span)?));
        }
        match self.integer()? {
            (false, v) => Some(u8::try_from(v).unwrap_or(LANGUAGE_OTHER)),
            (true, _) => None,
        }
    }

    /// An extFields object (or null): replaces `spans` with the spans (key
    /// start, key end, value start, value end) of its non-null members;
    /// whether any of them has escapes.
    fn ext_fields(&mut self, spans: &mut Spans) -> Option<bool> {
        spans.clear();
        if self.null()? {
            return Some(false);
        }
        self.expect(b'{')?;
        let mut escaped = false;
        if self.eat(b'}') {
            return Some(escaped);
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            let value = match self.peek() {
                Some(b'"') => self.string()?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => {
                    // Null means absent: it also hides an earlier value.
                    self.literal(b"null")?;
                    let name = self.content(key)?;
                    // (Keys always decode: `string` checked their escapes.)
                    spans.retain(|s| {
                        self.content(self.span_at(s[0], s[1]))
                            .is_none_or(|k| k != name)
                    });
                    if !self.eat(b',') {
                        self.expect(b'}')?;
                        return Some(escaped);
                    }
                    continue;
                }
                _ => self.number()?,
            };
            escaped |= key.escaped || value.escaped;
            spans.push([key.start, key.end, value.start, value.end]);
            if !self.eat(b',') {
                self.expect(b'}')?;
                return Some(escaped);
            }
        }
    }

    /// Skips any JSON value.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek() {
            Some(b'"') => self.string_outlined().map(drop),
            Some(b't') => self.literal(b"true").map(drop),
            Some(b'f') => self.literal(b"false").map(drop),
            Some(b'n') => self.literal(b"null").map(drop),
            Some(open @ (b'{' | b'[')) => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.i += 1;
                if self.eat(close) {
                    return Some(());
                }
                loop {
                    if open == b'{' {
                        self.string_outlined()?;
                        self.expect(b':')?;
                    }
                    self.skip_value(depth + 1)?;
                    if !self.eat(b',') {
                        return self.expect(close);
                    }
                }
            }
            _ => self.number().map(drop),
        }
    }
}

/// A copy of `fields` (as they are in the header) with their escape
/// sequences decoded; None for a bad escape (which the parser rejects
/// first).
fn unescape_fields(fields: &ExtFields) -> Option<ExtFields> {
    let decode = |raw: &str| String::from_utf8(unescape(raw.as_bytes())?).ok();
    let mut pairs = Vec::new();
    for (key, value) in fields.iter() {
        pairs.push((decode(key)?, decode(value)?));
    }
    Some(ExtFields::from_owned_pairs(&pairs))
}

/// Decodes the escapes of a string's content (already checked by
/// [`Parser::escape`]): UTF-8 if `raw` is; None for a bad escape.
fn unescape(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let c = match raw.get(i + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let (c, len) = unicode_escape(&raw[i..])?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += len;
                continue;
            }
            _ => return None,
        };
        out.push(c as u8);
        i += 2;
    }
    Some(out)
}

/// The `\uXXXX` escape at the start of `raw`, joined with the `\uXXXX` of
/// a low surrogate that must follow a high one: its character and its
/// length in bytes (6 or 12). None for a bad hex digit or an unpaired
/// surrogate.
fn unicode_escape(raw: &[u8]) -> Option<(char, usize)> {
    let unit = hex4(raw.get(2..6)?)?;
    if !(0xD800..0xDC00).contains(&unit) {
        // A lone low surrogate is no char: None.
        return Some((char::from_u32(unit)?, 6));
    }
    if raw.get(6..8)? != b"\\u" {
        return None;
    }
    let low = hex4(raw.get(8..12)?)?;
    if !(0xDC00..0xE000).contains(&low) {
        return None;
    }
    let c = char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?;
    Some((c, 12))
}

/// The value of four hex digits (either case).
fn hex4(h: &[u8]) -> Option<u32> {
    h.iter()
        .try_fold(0, |v, &c| Some(v << 4 | char::from(c).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::LANGUAGE_NAMES;

    fn decode(text: &str) -> Result<RemotingCommand> {
        decode_header(Bytes::copy_from_slice(text.as_bytes()), Bytes::new())
    }

    /// The reference: what serde_json makes of the same header.
    fn reference(text: &str) -> Option<Decoded> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let o = v.as_object()?;
        let int = |k: &str| -> Option<Option<i32>> {
            match o.get(k) {
                None | Some(serde_json::Value::Null) => Some(None),
                Some(n) => Some(Some(i32::try_from(n.as_i64()?).ok()?)),
            }
        };
        let code = int("code")??;
        let language = match o.get("language") {
            None | Some(serde_json::Value::Null) => 7,
            Some(serde_json::Value::String(s)) => {
                LANGUAGE_NAMES.iter().position(|n| n == s).unwrap_or(7) as u8
            }
            Some(n) => u8::try_from(n.as_u64()?).unwrap_or(7),
        };
        let remark = match o.get("remark") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            _ => return None,
        };
        let mut ext = Vec::new();
        match o.get("extFields") {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::Object(m)) => {
                for (k, v) in m {
                    match v {
                        serde_json::Value::Null => {}
                        serde_json::Value::String(s) => ext.push((k.clone(), canonical(s))),
                        serde_json::Value::Bool(b) => ext.push((k.clone(), b.to_string())),
                        serde_json::Value::Number(n) => {
                            ext.push((k.clone(), canonical(&n.to_string())))
                        }
                        _ => return None,
                    }
                }
            }
            _ => return None,
        }
        Some((
            code,
            language,
            int("version")?.unwrap_or(0),
            int("opaque")?.unwrap_or(0),
            int("flag")?.unwrap_or(0),
            remark,
            ext,
        ))
    }

    type Decoded = (
        i32,
        u8,
        i32,
        i32,
        i32,
        Option<String>,
        Vec<(String, String)>,
    );

    /// Numbers compare by value (we keep their text, serde_json reformats).
    fn canonical(v: &str) -> String {
        match v.parse::<f64>() {
            Ok(f) => format!("{}", f),
            Err(_) => v.to_string(),
        }
    }

    fn ours(text: &str) -> Option<Decoded> {
        let header = Bytes::copy_from_slice(text.as_bytes());
        let fast = decode_header_with(header.clone(), Bytes::new(), true);
        // The fast path takes a header only to read it as the general
        // parser does.
        let general = decode_header_with(header, Bytes::new(), false);
        match (&fast, &general) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", text),
            (a, b) => assert_eq!(a.is_ok(), b.is_ok(), "{}", text),
        }
        let c = fast.ok()?;
        // Last value wins, as in a JSON map.
        let mut ext = std::collections::BTreeMap::new();
        for (k, v) in c.ext_fields.iter() {
            ext.insert(k.to_string(), canonical(v));
        }
        let ext = ext.into_iter().collect();
        Some((
            c.code, c.language, c.version, c.opaque, c.flag, c.remark, ext,
        ))
    }

    #[test]
    fn decodes_java_and_rust_broker_headers() {
        let c = decode(r#"{"code":0,"extFields":{"queueId":"1","TRACE_ON":"true","MSG_REGION":"DefaultRegion","msgId":"7F0000010000","queueOffset":"12"},"flag":1,"language":"JAVA","opaque":77,"serializeTypeCurrentRPC":"JSON","version":475}"#).unwrap();
        assert_eq!(
            (c.code, c.language, c.flag, c.opaque, c.version),
            (0, 0, 1, 77, 475)
        );
        assert_eq!(c.ext("queueOffset"), Some("12"));
        assert_eq!(c.ext("MSG_REGION"), Some("DefaultRegion"));
        // Headers as brokers write them take the fast path.
        for text in [
            r#"{"code":0,"extFields":{"queueId":"1","TRACE_ON":"true","MSG_REGION":"DefaultRegion","msgId":"7F0000010000","queueOffset":"12"},"flag":1,"language":"JAVA","opaque":77,"serializeTypeCurrentRPC":"JSON","version":475}"#,
            r#"{"code":0,"language":"JAVA","version":479,"opaque":5,"flag":1,"remark":"","extFields":{"msgId":"7F00000100002A9F0000000000000001","queueId":"3"},"serializeTypeCurrentRPC":"JSON"}"#,
            r#"{"code":17,"language":"RUST","version":0,"opaque":9,"flag":1,"remark":null}"#,
            r#"{"code":1,"opaque":2,"remark":"no route","extFields":{}}"#,
        ] {
            assert!(takes_fast_path(text), "{}", text);
        }
        let c =
            decode(r#" { "code" : 17 , "remark" : null , "language":12, "extFields" : null } "#)
                .unwrap();
        assert_eq!((c.code, c.language, c.remark), (17, 12, None));
        assert!(c.ext_fields.is_empty());
    }

    #[test]
    fn escapes_numbers_and_nulls_in_ext_fields() {
        let c = decode(r#"{"code":1,"remark":"a\"b\u00e9\ud83d\ude00","extFields":{"k\u0001":"v\n","n":-1.5e3,"b":true,"z":null}}"#).unwrap();
        assert_eq!(c.remark.as_deref(), Some("a\"bé😀"));
        assert_eq!(c.ext("k\u{1}"), Some("v\n"));
        assert_eq!(c.ext("n"), Some("-1.5e3"));
        assert_eq!(c.ext("b"), Some("true"));
        assert_eq!(c.ext("z"), None);
    }

    #[test]
    fn rejects_what_json_rejects() {
        for bad in [
            "",
            "{",
            "{}",
            r#"{"code":1}x"#,
            r#"{"code":1.5}"#,
            r#"{"code":"1"}"#,
            r#"{"code":1,}"#,
            r#"{"code":01}"#,
            r#"{"code":1,"remark":"\x"}"#,
            r#"{"code":1,"remark":"\ud800"}"#,
            "{\"code\":1,\"remark\":\"tab\there\"}",
            r#"{"code":1,"extFields":{"a":[1]}}"#,
            r#"{"code":99999999999}"#,
        ] {
            assert!(decode(bad).is_err(), "{:?}", bad);
        }
        assert!(decode(r#"{"code":1,"other":{"x":[1,{"y":null}],"z":"w"}}"#).is_ok());
    }

    /// Pseudo-random headers, valid and corrupted: ours agrees with
    /// serde_json on what decodes and what it decodes to.
    #[test]
    fn agrees_with_serde_json() {
        /// A xorshift state, and whether to write headers as brokers do
        /// (no whitespace, mostly plain strings: what `fast_header` reads).
        struct Gen(u64, bool);
        impl Gen {
            fn next(&mut self, n: usize) -> usize {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                (self.0 % n as u64) as usize
            }
            fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
                items[self.next(items.len())]
            }
            fn ws(&mut self) -> &'static str {
                if self.1 {
                    return "";
                }
                ["", "", "", " ", "\n\t "][self.next(5)]
            }
            fn scalar(&mut self) -> String {
                if self.1 && self.next(8) > 0 {
                    let clean = ["\"JAVA\"", "\"v\"", "\"\"", "\"12\"", "\"DefaultRegion\""];
                    return self.pick(&clean).to_string();
                }
                self.pick(&[
                    "0",
                    "-7",
                    "12",
                    "1.5",
                    "1e2",
                    "-0",
                    "2147483648",
                    "null",
                    "true",
                    "false",
                    "\"JAVA\"",
                    "\"RUST\"",
                    "\"v\"",
                    "\"a\\\"b\"",
                    "\"\\u0001x\\u0002\"",
                    "\"\\ud83d\\ude00\"",
                    "\"é✓\"",
                    "\"\\/\\b\\f\\n\\r\\t\"",
                    "\"\"",
                ])
                .to_string()
            }
            fn value(&mut self, depth: usize) -> String {
                match self.next(if depth > 2 { 1 } else { 4 }) {
                    0 => self.scalar(),
                    1 => format!(
                        "[{}]",
                        (0..self.next(3))
                            .map(|_| self.value(depth + 1))
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                    _ => self.object(depth + 1),
                }
            }
            fn key(&mut self) -> &'static str {
                if self.1 && self.next(8) > 0 {
                    return self.pick(&["\"k\"", "\"queueId\"", "\"msgId\""]);
                }
                self.pick(&["\"k\"", "\"queueId\"", "\"k\\u0001\"", "\"msgId\"", "\"é\""])
            }
            fn object(&mut self, depth: usize) -> String {
                let members: Vec<String> = (0..self.next(4))
                    .map(|_| {
                        format!(
                            "{}{}:{}{}",
                            self.key(),
                            self.ws(),
                            self.ws(),
                            self.value(depth)
                        )
                    })
                    .collect();
                format!("{{{}}}", members.join(","))
            }
            fn header(&mut self) -> String {
                let mut members = Vec::new();
                if self.1 && self.next(4) > 0 {
                    members.push(format!("\"code\":{}", self.pick(&["0", "17", "208"])));
                }
                for _ in 0..self.next(9) {
                    let name = self.pick(&[
                        "code",
                        "code",
                        "flag",
                        "opaque",
                        "remark",
                        "language",
                        "version",
                        "extFields",
                        "extFields",
                        "other",
                    ]);
                    // A repeated member is a type error for us but may be
                    // overwritten in serde_json's map: not compared.
                    if members
                        .iter()
                        .any(|m: &String| m.contains(&format!("\"{}\"", name)))
                    {
                        continue;
                    }
                    let value = match name {
                        "extFields" if self.next(5) > 0 => {
                            let pairs: Vec<String> = (0..self.next(6))
                                .map(|_| format!("{}:{}", self.key(), self.scalar()))
                                .collect();
                            format!("{{{}}}", pairs.join(","))
                        }
                        "other" if self.1 && self.next(4) > 0 => self.scalar(),
                        "other" => self.value(0),
                        _ if self.next(if self.1 { 30 } else { 8 }) == 0 => self.scalar(),
                        "remark" | "language" if self.1 && self.next(4) > 0 => {
                            self.pick(&["\"JAVA\"", "\"X\"", "\"\""]).to_string()
                        }
                        _ if self.1 && self.next(4) > 0 => {
                            self.pick(&["0", "7", "475", "123456789"]).to_string()
                        }
                        "remark" => self
                            .pick(&["null", "\"no route\"", "\"a\\\"b\\u00e9\""])
                            .to_string(),
                        "language" => self
                            .pick(&["\"JAVA\"", "\"RUST\"", "\"X\"", "12", "300"])
                            .to_string(),
                        _ => self
                            .pick(&["0", "-7", "12", "475", "2147483647", "null"])
                            .to_string(),
                    };
                    members.push(format!(
                        "{}\"{}\"{}:{}{}",
                        self.ws(),
                        name,
                        self.ws(),
                        value,
                        self.ws()
                    ));
                }
                let mut text = format!("{}{{{}}}{}", self.ws(), members.join(","), self.ws());
                if self.next(if self.1 { 8 } else { 4 }) == 0 {
                    // Corrupt it: drop or insert a byte at a char boundary.
                    let at = self.next(text.len() + 1);
                    if text.is_char_boundary(at) {
                        if self.next(2) == 0 && at < text.len() {
                            let c = text[at..].chars().next().unwrap();
                            text.replace_range(at..at + c.len_utf8(), "");
                        } else {
                            let c = ["{", "}", "\"", ",", ":", "\\", "x", "\u{1}"][self.next(8)];
                            text.insert_str(at, c);
                        }
                    }
                }
                text
            }
        }
        let mut g = Gen(0x9E37_79B9_7F4A_7C15, false);
        let (mut valid, mut invalid, mut fast) = (0, 0, 0);
        for i in 0..30_000 {
            g.1 = i % 2 == 0;
            let text = g.header();
            let theirs = reference(&text);
            assert_eq!(ours(&text), theirs, "{}", text);
            fast += usize::from(takes_fast_path(&text));
            if theirs.is_some() {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        assert!(
            valid > 3000 && invalid > 3000 && fast > 3000,
            "{} valid, {} invalid, {} read by the fast path",
            valid,
            invalid,
            fast
        );
    }

    /// Whether [`fast_header`] reads `text` (and does not leave it to the
    /// general parser).
    fn takes_fast_path(text: &str) -> bool {
        let mut cmd = RemotingCommand::default();
        QuoteMap::scan(text.as_bytes())
            .is_some_and(|q| fast_header(text.as_bytes(), &q, &mut cmd).is_some())
    }

    /// serde_json's verdict on `text` and ours agree, as in
    /// `agrees_with_serde_json`, for hand-picked edge cases.
    fn assert_agrees(text: &str) {
        assert_eq!(ours(text), reference(text), "{}", text);
    }

    #[test]
    fn unpaired_surrogates_are_rejected_everywhere() {
        for text in [
            r#"{"code":1,"other":"\ud800"}"#,
            r#"{"code":1,"other":["\udc00"]}"#,
            r#"{"code":1,"extFields":{"k":"\udc00","k":null}}"#,
            r#"{"code":1,"extFields":{"k\ud800":null}}"#,
            r#"{"code":1,"o\ud800x":1}"#,
            r#"{"code":1,"remark":"\ud83d\u0041"}"#,
            r#"{"code":1,"remark":"\u+123"}"#,
            r#"{"code":1,"remark":"\ud83d\ude00\u00E9\u00e9"}"#,
        ] {
            assert_agrees(text);
        }
        assert!(decode(r#"{"code":1,"other":"\ud800"}"#).is_err());
    }

    #[test]
    fn integers_agree_at_the_edges() {
        for v in [
            "0",
            "-0",
            "-1",
            "7",
            "2147483647",
            "2147483648",
            "-2147483648",
            "-2147483649",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "123456789012345678901234567890",
            "00",
            "-01",
            "1.0",
            "1e0",
            "1E+2",
            "-",
            "--1",
            "+1",
            "1x",
        ] {
            assert_agrees(&format!(r#"{{"code":{}}}"#, v));
            assert_agrees(&format!(r#"{{"code":0,"opaque":{}}}"#, v));
            assert_agrees(&format!(r#"{{"code":0,"language":{}}}"#, v));
            assert_agrees(&format!(r#"{{"code":0,"extFields":{{"n":{}}}}}"#, v));
        }
    }

    #[test]
    fn many_ext_fields_and_repeated_keys() {
        let fields: Vec<String> = (0..20).map(|i| format!(r#""k{}":"v{}""#, i, i)).collect();
        let text = format!(
            r#"{{"code":0,"extFields":{{{},"k3":"last","k5":null}}}}"#,
            fields.join(",")
        );
        assert_agrees(&text);
        let c = decode(&text).unwrap();
        assert_eq!(c.ext("k0"), Some("v0"));
        assert_eq!(c.ext("k19"), Some("v19"));
        assert_eq!(c.ext("k3"), Some("last"));
        assert_eq!(c.ext("k5"), None);
        assert_eq!(c.ext("k"), None);
        assert_eq!(c.ext_fields.iter().count(), 20);
    }

    #[test]
    fn classify16_matches_a_byte_loop() {
        for b in 0u8..=255 {
            for at in [0, 7, 15] {
                let mut chunk = [b'a'; 16];
                chunk[at] = b;
                assert_eq!(
                    classify16(&chunk),
                    classify16_bytes(&chunk),
                    "{} at {}",
                    b,
                    at
                );
            }
        }
    }

    #[test]
    fn quote_map_finds_every_quote() {
        for len in [0, 1, 15, 16, 17, 63, 64, 65, 200, 511, 512] {
            let text: Vec<u8> = (0..len)
                .map(|i| {
                    if i % 7 == 3 || i % 64 == 63 {
                        b'"'
                    } else {
                        b'a'
                    }
                })
                .collect();
            let map = QuoteMap::scan(&text).unwrap();
            for from in 0..len + 2 {
                let next = (from..len).find(|&i| text[i] == b'"');
                assert_eq!(map.next_quote(from), next, "{} from {}", len, from);
            }
        }
        assert!(QuoteMap::scan(&[b'a'; QUOTE_MAP_BYTES + 1]).is_none());
        assert!(QuoteMap::scan(&[b'"'; QUOTE_MAP_BYTES]).is_some());
        for b in [b'\\', 0, 0x1F, b'\t', b'\n', 0x7F, 0x80, 0xFF] {
            for at in [0, 15, 16, 37, 39] {
                let mut text = vec![b'a'; 40];
                text[at] = b;
                assert_eq!(
                    QuoteMap::scan(&text).is_none(),
                    b != 0x7F,
                    "{} at {}",
                    b,
                    at
                );
            }
        }
    }

    /// Headers around the quote map's size decode alike with and without it.
    #[test]
    fn long_headers_agree() {
        for n in [15, 20, 24, 25, 26, 30] {
            let fields: Vec<String> = (0..n)
                .map(|i| format!(r#""key{}":"value{}""#, i, i))
                .collect();
            let text = format!(
                r#"{{"code":0,"extFields":{{{}}},"opaque":9}}"#,
                fields.join(",")
            );
            assert_agrees(&text);
            assert_eq!(decode(&text).unwrap().ext_fields.iter().count(), n);
        }
    }

    /// Both scanners against a byte loop, at every length and position up
    /// to a few 16-byte chunks (the SIMD one's chunks and its tail).
    #[test]
    fn clean_prefix_len_finds_the_first_flagged_byte() {
        for len in 0..48 {
            for at in 0..=len {
                for b in [0u8, 0x1F, b'"', b'\\', b' ', 0x7F, 0x80, 0xFF] {
                    let mut text = vec![b'a'; len];
                    if at < len {
                        text[at] = b;
                    }
                    let expected = text.iter().position(|&c| ESCAPE[c as usize]).unwrap_or(len);
                    assert_eq!(
                        clean_prefix_len(&text),
                        expected,
                        "{} at {} of {}",
                        b,
                        at,
                        len
                    );
                    assert_eq!(clean_prefix_len_swar(&text), expected);
                }
            }
        }
    }

    #[test]
    fn strings_are_escaped_like_serde_json() {
        for s in [
            "plain",
            "q\"uote",
            "back\\slash",
            "TAGS\u{1}a\u{2}",
            "tab\tnl\n",
            "é✓",
            "",
            "0123456789abcdef\u{1f}0123456789\"",
        ] {
            let mut ours = Vec::new();
            write_string(&mut ours, s);
            assert_eq!(
                String::from_utf8(ours.clone()).unwrap(),
                serde_json::to_string(s)
                    .unwrap()
                    .replace("\\t", "\\u0009")
                    .replace("\\n", "\\u000a"),
                "{:?}",
                s
            );
            let back: String = serde_json::from_slice(&ours).unwrap();
            assert_eq!(back, s);
        }
        for b in 0u8..=255 {
            for at in 0..9 {
                let mut text = *b"abcdefgh";
                if at < 8 {
                    text[at] = b;
                }
                let expected = text.iter().position(|&c| ESCAPE[c as usize]).unwrap_or(8);
                assert_eq!(clean_prefix_len(&text), expected, "{} at {}", b, at);
                assert_eq!(clean_prefix_len(&text[..at]), expected.min(at));
            }
        }
    }

    #[test]
    fn strings_of_every_length_round_trip() {
        // Lengths around the 16-byte chunks, with bytes to escape at
        // scattered places (several in one chunk, at chunk edges, at the end).
        let mut seed = 7u32;
        for len in 0..80 {
            for _ in 0..20 {
                let s: String = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        match (seed >> 16) % 8 {
                            0 => '\u{1}',
                            1 => '"',
                            2 => '\\',
                            3 => 'é',
                            _ => char::from(b'a' + ((seed >> 8) % 26) as u8),
                        }
                    })
                    .collect();
                let mut ours = b"x".to_vec();
                write_string(&mut ours, &s);
                assert!(ours[1..].iter().all(|&c| c >= 0x20), "{:?}", s);
                let back: String = serde_json::from_slice(&ours[1..]).unwrap();
                assert_eq!(back, s);
            }
        }
    }
}
