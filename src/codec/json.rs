//! The JSON form of a command header: string escaping for encoding, and a
//! decoder for the one shape servers send (Java `RemotingCommand` JSON):
//! an object with `code`, `language`, `version`, `opaque`, `flag`, `remark`
//! and `extFields` (an object of scalars), any other member skipped.
//! Mirrors Java `RemotingSerializable` / `RemotingCommand` JSON headers.
//!
//! Two readers, one result. [`fast_header`] reads the header as brokers
//! write it (no whitespace, no escapes, ASCII, at most 512 bytes) in place:
//! the keys and values of `extFields` are spans of the received bytes, and
//! up to eight spans live inside the command, so a typical send response
//! costs no allocation. Anything else goes to [`general_header`], serde_json
//! with visitors that fill the same command: it accepts exactly RFC 8259
//! JSON (strict escapes, no unpaired surrogates, no control characters in
//! strings, nothing after the object). The tests check that both readers
//! agree with each other and with `serde_json::Value`.

use std::borrow::Cow;

use bytes::Bytes;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::language::language_code;
use super::{protocol_error, same_bytes, ExtFields, RemotingCommand, Spans, LANGUAGE_OTHER};
use crate::error::Result;

mod classes;

use classes::{classify16, first_escape8};

/// Length of the longest prefix of `b` that needs no escaping. Reads `b`
/// in place, never byte by byte: sixteen bytes at a time with
/// [`classify16`] and, where fewer remain, the last sixteen again (those
/// already read are clean); a string under 16 bytes (most header values)
/// as two overlapping words with [`classes8`](classes::classes8) (its first and last 8 or 4
/// bytes, or bytes 0, n/2 and n-1 of one to three).
#[inline]
fn clean_prefix_len(b: &[u8]) -> usize {
    let n = b.len();
    let word8 = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    let word4 = |at: usize| u64::from(u32::from_le_bytes(b[at..at + 4].try_into().expect("4")));
    match n {
        16.. => {
            let mut i = 0;
            while i + 16 <= n {
                let (quotes, escapes, _) = classify16(b[i..].first_chunk().expect("16 bytes"));
                if quotes | escapes != 0 {
                    return i + (quotes | escapes).trailing_zeros() as usize;
                }
                i += 16;
            }
            if i == n {
                return n;
            }
            // The last 16 bytes; bit 16 stands for "none" (n).
            let (quotes, escapes, _) = classify16(b[n - 16..].first_chunk().expect("16 bytes"));
            n - 16 + (u32::from(quotes | escapes) | 1 << 16).trailing_zeros() as usize
        }
        // Bytes 0..8, then n-8..n (8 for none: n).
        8.. => match first_escape8(word8(0)) {
            8 => n - 8 + first_escape8(word8(n - 8)),
            k => k,
        },
        // Bytes 0..4 as bytes 0..4 of the word, n-4..n as bytes 4..8.
        4.. => match first_escape8(word4(0) | word4(n - 4) << 32) {
            k @ 0..4 => k,
            k => n + k - 8,
        },
        1.. => {
            // Bytes 0, n/2 and n-1 are all of them; spaces (never escaped)
            // fill the word.
            let w = u64::from_le_bytes([b[0], b[n / 2], b[n - 1], b' ', b' ', b' ', b' ', b' ']);
            [0, n / 2, n - 1]
                .get(first_escape8(w))
                .copied()
                .unwrap_or(n)
        }
        0 => 0,
    }
}

/// Writes `s` as a JSON string literal: quoted; `"` and `\` escaped with a
/// backslash, control characters as `\u00XX` (the properties string carries
/// \u0001 and \u0002 separators). The clean prefix (usually all of `s`) is
/// found by [`clean_prefix_len`] and copied at once; the rest, if any, by
/// [`write_escaped`].
pub(super) fn write_string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let clean = clean_prefix_len(b);
    out.extend_from_slice(&b[..clean]);
    if clean < b.len() {
        write_escaped(out, b, clean);
    }
    out.push(b'"');
}

/// For [`write_string`]: writes `b[from..]` escaped, classifying sixteen
/// bytes at a time ([`classify16`]) where they lie: whole chunks, then the
/// last sixteen bytes of `b` again with those already written left out (a
/// string under sixteen bytes is padded with spaces, which are never
/// escaped).
fn write_escaped(out: &mut Vec<u8>, b: &[u8], from: usize) {
    let n = b.len();
    let mut i = from;
    while let Some(chunk) = b.get(i..).and_then(<[u8]>::first_chunk) {
        write_chunk(out, chunk, 0, 16);
        i += 16;
    }
    if i == n {
        return;
    }
    if n >= 16 {
        let last = b[n - 16..].first_chunk().expect("16 bytes");
        write_chunk(out, last, 16 - (n - i), 16);
    } else {
        let mut padded = [b' '; 16];
        padded[..n].copy_from_slice(b);
        write_chunk(out, &padded, i, n);
    }
}

/// For [`write_escaped`]: writes bytes `from..to` of `chunk` (`from < to ≤
/// 16`), escaped.
#[inline(always)]
fn write_chunk(out: &mut Vec<u8>, chunk: &[u8; 16], from: usize, to: usize) {
    let (quotes, escapes, _) = classify16(chunk);
    // The flags of bytes from..to only.
    let range = ((1u32 << to) - (1u32 << from)) as u16;
    let mut mask = (quotes | escapes) & range;
    if mask == 0 && from == 0 && to == 16 {
        // A fixed-size copy (no call).
        out.extend_from_slice(chunk);
        return;
    }
    // Each byte to escape after the clean run before it.
    let mut done = from;
    while mask != 0 {
        let at = mask.trailing_zeros() as usize;
        out.extend_from_slice(&chunk[done..at]);
        push_escape(out, chunk[at]);
        done = at + 1;
        mask &= mask - 1;
    }
    out.extend_from_slice(&chunk[done..to]);
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
/// `code` missing, a wrong type for a known member, a negative `language`,
/// an array or object in `extFields`, trailing characters; the message
/// names the problem (for a JSON error serde_json's text, with its line and
/// column).
pub(super) fn decode_header(header: Bytes, body: Bytes) -> Result<RemotingCommand> {
    decode_header_with(header, body, true)
}

/// [`decode_header`]; `fast`: whether [`fast_header`] may read it (the
/// tests compare both ways).
#[inline(always)]
pub(super) fn decode_header_with(
    header: Bytes,
    body: Bytes,
    fast: bool,
) -> Result<RemotingCommand> {
    // Filled in place: the command is large (inline extFields spans).
    let mut cmd = RemotingCommand {
        language: LANGUAGE_OTHER,
        ext_fields: ExtFields::over(header.clone()),
        body,
        ..Default::default()
    };
    // A quote map implies ASCII, so every span of the header that the fast
    // reader hands out is valid UTF-8 (as `ExtFields::str_at` requires).
    if let (true, Some(quotes)) = (fast, QuoteMap::scan(&header)) {
        if fast_header(&header, &quotes, &mut cmd).is_some() {
            return Ok(cmd);
        }
        cmd.ext_fields.spans_mut().clear();
    }
    general_header(&header, &mut cmd)?;
    Ok(cmd)
}

/// Whether [`fast_header`] reads `header` (and does not leave it to the
/// general reader); for the fuzz targets ([`crate::fuzzing`]).
pub(super) fn takes_fast_path(header: &[u8]) -> bool {
    let mut cmd = RemotingCommand::default();
    QuoteMap::scan(header).is_some_and(|q| fast_header(header, &q, &mut cmd).is_some())
}

/// The header as brokers send it, read in one tight pass: with a quote map,
/// no whitespace, `code`, `version`, `opaque` and `flag` plain integers
/// (one to nine digits), `language` a name, `remark` a string or null,
/// `extFields` an object of strings, other members strings. Fills `cmd`
/// (fresh from [`decode_header_with`]) as [`general_header`] would; None
/// for anything else, with nothing in `cmd` but extFields spans (which the
/// caller clears), and the general reader then reads the header (a test
/// checks both agree on every header this takes).
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
    // A quote map implies ASCII: `from_utf8` cannot fail. An empty remark
    // (what brokers send with a success) costs no call.
    cmd.remark = remark.map(|(start, end)| match &s[start..end] {
        [] => String::new(),
        text => String::from_utf8_lossy(text).into_owned(),
    });
    Some(())
}

/// The integer `rest` starts with, and its length, if it is plain: one to
/// nine digits (no overflow possible), without a leading zero, not followed
/// by a fraction or an exponent. How servers write header integers, which
/// the fast reader reads inline.
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
        let tail = blocks.remainder().len();
        if tail > 0 {
            let (quotes, flagged) = match s.len().checked_sub(64) {
                // The last 64 bytes again, shifted so that bit 0 is the
                // tail's first byte (the bytes read before drop out).
                Some(from) => {
                    let (quotes, flagged) = flags64(s[from..].try_into().ok()?);
                    (quotes >> (64 - tail), flagged >> (64 - tail))
                }
                // Padded with spaces, which are neither quotes nor flagged.
                None => {
                    let mut last = [b' '; 64];
                    last[..tail].copy_from_slice(s);
                    flags64(&last)
                }
            };
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
/// character or non-ASCII byte (bit i for byte i): [`classify16`] of each
/// quarter.
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

/// The general reader: any header [`fast_header`] does not take, through
/// serde_json (strict RFC 8259: escapes decoded and checked, unpaired
/// surrogates rejected everywhere, nesting of skipped members limited by
/// serde_json's recursion limit of 128). Fills `cmd` (fresh from
/// [`decode_header_with`]) as described at [`decode_header`]. Out of line:
/// the fast path stays small.
#[inline(never)]
fn general_header(header: &[u8], cmd: &mut RemotingCommand) -> Result<()> {
    // `ExtFields::from_pairs` copies the fields; no span of `header` is kept.
    if std::str::from_utf8(header).is_err() {
        return Err(protocol_error("the JSON header is not UTF-8".into()));
    }
    // From a slice, as the route reader: the library then carries one copy
    // of serde_json's parser (its code is generic over the input kind).
    let mut de = serde_json::Deserializer::from_slice(header);
    serde::Deserializer::deserialize_map(&mut de, HeaderVisitor { cmd })
        .and_then(|()| de.end())
        .map_err(|e| {
            protocol_error(format!(
                "undecodable JSON header ({} bytes): {}",
                header.len(),
                e
            ))
        })
}

/// Reads the header object into `cmd` (for [`general_header`]).
struct HeaderVisitor<'c> {
    cmd: &'c mut RemotingCommand,
}

impl<'de> Visitor<'de> for HeaderVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a remoting command header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let cmd = self.cmd;
        let mut code = None;
        // A repeated member's last value wins, for extFields too.
        let mut fields = Vec::new();
        while let Some(member) = map.next_key::<Member>()? {
            match member {
                Member::Code => code = map.next_value::<Option<i32>>()?,
                Member::Language => cmd.language = map.next_value::<Language>()?.0,
                Member::Version => cmd.version = map.next_value::<Option<i32>>()?.unwrap_or(0),
                Member::Opaque => cmd.opaque = map.next_value::<Option<i32>>()?.unwrap_or(0),
                Member::Flag => cmd.flag = map.next_value::<Option<i32>>()?.unwrap_or(0),
                Member::Remark => cmd.remark = map.next_value()?,
                Member::ExtFields => {
                    fields.clear();
                    map.next_value_seed(ExtFieldsSeed(&mut fields))?;
                }
                Member::Other => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        cmd.code = code.ok_or_else(|| de::Error::missing_field("code"))?;
        if !fields.is_empty() {
            cmd.ext_fields = ExtFields::from_pairs(fields.iter().map(|(k, v)| (&**k, &**v)));
        }
        Ok(())
    }
}

/// A member name of the header object.
enum Member {
    Code,
    Language,
    Version,
    Opaque,
    Flag,
    Remark,
    ExtFields,
    /// Any other member (`serializeTypeCurrentRPC`, ...): skipped.
    Other,
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Member, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Member;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> std::result::Result<Member, E> {
                Ok(match name {
                    "code" => Member::Code,
                    "language" => Member::Language,
                    "version" => Member::Version,
                    "opaque" => Member::Opaque,
                    "flag" => Member::Flag,
                    "remark" => Member::Remark,
                    "extFields" => Member::ExtFields,
                    _ => Member::Other,
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// The `language` member: a name (unknown ones are OTHER), a non-negative
/// integer (codes above 255 are OTHER) or null (OTHER). A negative number,
/// a fraction or any other type is an error.
struct Language(u8);

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Language, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Language;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a language name or code")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> std::result::Result<Language, E> {
                Ok(Language(language_code(name.as_bytes())))
            }
            fn visit_u64<E: de::Error>(self, code: u64) -> std::result::Result<Language, E> {
                Ok(Language(u8::try_from(code).unwrap_or(LANGUAGE_OTHER)))
            }
            fn visit_i64<E: de::Error>(self, code: i64) -> std::result::Result<Language, E> {
                match u64::try_from(code) {
                    Ok(code) => self.visit_u64(code),
                    Err(_) => Err(E::invalid_value(Unexpected::Signed(code), &self)),
                }
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Language, E> {
                Ok(Language(LANGUAGE_OTHER))
            }
        }
        d.deserialize_any(V)
    }
}

/// A string, borrowed from the header when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Text<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                s: &'de str,
            ) -> std::result::Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The pairs of an extFields member, in arrival order.
type Pairs<'de> = Vec<(Cow<'de, str>, Cow<'de, str>)>;

/// Reads an extFields object (or null: no fields) into its pairs. Values
/// may be strings (decoded), numbers (their text as written, e.g.
/// `-1.5e3`), booleans (`true`, `false`) or null, which drops the key's
/// earlier values (as if absent); arrays and objects are errors. Repeated
/// keys are all kept (the last one wins in [`ExtFields::get`]), as by
/// [`fast_header`].
struct ExtFieldsSeed<'p, 'de>(&'p mut Pairs<'de>);

impl<'de> DeserializeSeed<'de> for ExtFieldsSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ExtFieldsSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an extFields object of strings, numbers and booleans")
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(Text(key)) = map.next_key()? {
            // The value's text as written (numbers keep their form).
            let raw = map.next_value::<&'de RawValue>()?.get();
            let value = match raw.as_bytes().first() {
                Some(b'"') => {
                    // serde_json checked the string's syntax but not that its
                    // surrogate escapes pair up, the one thing decoding it
                    // can find wrong.
                    let text = serde_json::from_slice::<Text>(raw.as_bytes()).map_err(|_| {
                        de::Error::custom("an extFields string with an unpaired surrogate escape")
                    })?;
                    text.0
                }
                Some(b'n') => {
                    // Null means absent: it also hides an earlier value.
                    self.0.retain(|(k, _)| *k != key);
                    continue;
                }
                Some(b'[' | b'{') => {
                    return Err(de::Error::invalid_type(
                        Unexpected::Other("an array or object"),
                        &self,
                    ))
                }
                _ => Cow::Borrowed(raw),
            };
            self.0.push((key, value));
        }
        Ok(())
    }
}

/// Any JSON value, checked and dropped: the strings in it are decoded, so
/// an unpaired surrogate is an error here too (serde's `IgnoredAny` would
/// let it through, and so would differ from reading the value).
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Skip, D::Error> {
        d.deserialize_any(Skip)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = Skip;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Skip, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Skip)
    }
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
    fn ext_field_numbers_past_f64_are_kept_as_their_text() {
        // Java's extFields are strings (fastjson reads such a number as a
        // BigDecimal); serde_json::Value refuses it as out of range. Found
        // by the json_header fuzz target's reference, not a reader bug.
        let c = decode(r#"{"code":0,"extFields":{"n":1e400,"m":-2E+999}}"#).unwrap();
        assert_eq!(c.ext("n"), Some("1e400"));
        assert_eq!(c.ext("m"), Some("-2E+999"));
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

    #[test]
    fn errors_say_what_is_wrong() {
        let err = |text: &[u8]| {
            let e = decode_header(Bytes::copy_from_slice(text), Bytes::new()).unwrap_err();
            assert_eq!(e.kind(), crate::error::ErrorKind::Internal);
            e.message().to_string()
        };
        assert!(err(b"{\"code\":1,\"remark\":\"\xff\"}").contains("not UTF-8"));
        assert!(err(b"{}").contains("missing field `code`"));
        assert!(err(br#"{"code":"1"}"#).contains("invalid type"));
        let surrogate = err(br#"{"code":1,"extFields":{"k":"\ud800"}}"#);
        assert!(surrogate.contains("unpaired surrogate"), "{}", surrogate);
        // Skipped members may nest as deep as serde_json allows (128
        // levels); deeper is an error, not a stack overflow.
        let nested = |n: usize| format!(r#"{{"code":1,"o":{}1{}}}"#, "[".repeat(n), "]".repeat(n));
        assert!(decode(&nested(100)).is_ok());
        assert!(err(nested(100_000).as_bytes()).contains("recursion limit"));
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
    /// general reader).
    fn takes_fast_path(text: &str) -> bool {
        super::takes_fast_path(text.as_bytes())
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

    /// `s` as a JSON string literal, escaped as [`write_string`] must: the
    /// reference, a char at a time.
    fn escaped(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c < ' ' => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    fn written(s: &str) -> String {
        let mut out = Vec::new();
        write_string(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quote_map_finds_every_quote() {
        for len in [
            0, 1, 15, 16, 17, 63, 64, 65, 100, 127, 129, 200, 250, 511, 512,
        ] {
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
            // Short texts (the padded tail), and longer ones: in whole
            // blocks, in the tail, and just before the tail (read twice).
            for (len, at) in [
                (40, 0),
                (40, 15),
                (40, 16),
                (40, 37),
                (40, 39),
                (100, 10),
                (100, 40),
                (100, 63),
                (100, 64),
                (100, 99),
                (130, 127),
                (130, 129),
            ] {
                let mut text = vec![b'a'; len];
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

    /// Whether JSON requires `c` to be escaped inside a string: the
    /// reference for the classifiers.
    fn needs_escape(c: u8) -> bool {
        c == b'"' || c == b'\\' || c < 0x20
    }

    /// The scan against a byte loop, at every length and position up to a
    /// few 16-byte chunks (whole chunks, the overlapping last one, both
    /// word sizes and the short case), with a second flagged byte after
    /// the first.
    #[test]
    fn clean_prefix_len_finds_the_first_flagged_byte() {
        for len in 0..48usize {
            for at in 0..=len {
                for b in [0u8, 0x1F, b'"', b'\\', b' ', 0x7F, 0x80, 0xFF] {
                    for second in [None, Some(at + 1), Some(len.saturating_sub(1))] {
                        let mut text = vec![b'a'; len];
                        if let Some(later) = second.filter(|&p| p > at && p < len) {
                            text[later] = b'"';
                        }
                        if at < len {
                            text[at] = b;
                        }
                        let expected = text.iter().position(|&c| needs_escape(c)).unwrap_or(len);
                        assert_eq!(
                            clean_prefix_len(&text),
                            expected,
                            "{} at {} of {} ({:?})",
                            b,
                            at,
                            len,
                            second
                        );
                    }
                }
            }
        }
        for b in 0u8..=255 {
            for at in 0..9 {
                let mut text = *b"abcdefgh";
                if at < 8 {
                    text[at] = b;
                }
                let expected = text.iter().position(|&c| needs_escape(c)).unwrap_or(8);
                assert_eq!(clean_prefix_len(&text), expected, "{} at {}", b, at);
                assert_eq!(clean_prefix_len(&text[..at]), expected.min(at));
            }
        }
    }

    /// The escape scan finds every byte to escape, at every length and
    /// position up to a few 16-byte chunks (whole chunks and the padded
    /// tail), and passes over every other (multi-byte characters too).
    #[test]
    fn write_string_escapes_exactly_the_flagged_bytes() {
        for len in 0..48 {
            for at in 0..=len {
                for c in ['\0', '\u{1f}', '"', '\\', ' ', '\u{7f}', 'é', '\u{ffff}'] {
                    let text: String = (0..len).map(|i| if i == at { c } else { 'a' }).collect();
                    assert_eq!(
                        written(&text),
                        escaped(&text),
                        "{:?} at {} of {}",
                        c,
                        at,
                        len
                    );
                }
            }
        }
    }

    /// Two bytes to escape, at every pair of positions up to three chunks:
    /// the runs between and after them, in whole chunks and in the last
    /// sixteen bytes read again.
    #[test]
    fn write_string_escapes_every_pair_of_flagged_bytes() {
        for len in 1..40 {
            for first in 0..len {
                for second in first + 1..len {
                    let text: String = (0..len)
                        .map(|i| match i {
                            i if i == first => '\u{1}',
                            i if i == second => '"',
                            _ => 'a',
                        })
                        .collect();
                    assert_eq!(
                        written(&text),
                        escaped(&text),
                        "{} and {} of {}",
                        first,
                        second,
                        len
                    );
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
        // Every ASCII byte at every place of a short string, and the
        // string cut before it.
        for b in 0u8..0x80 {
            for at in 0..9 {
                let mut text = *b"abcdefgh";
                if at < 8 {
                    text[at] = b;
                }
                let text = std::str::from_utf8(&text).unwrap();
                assert_eq!(written(text), escaped(text), "{} at {}", b, at);
                assert_eq!(written(&text[..at]), escaped(&text[..at]));
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
