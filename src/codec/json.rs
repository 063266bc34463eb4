//! The JSON form of a command header: string escaping for encoding, and a
//! decoder for the one shape servers send (`shared/docs/protocol.md` §1):
//! an object with `code`, `language`, `version`, `opaque`, `flag`, `remark`
//! and `extFields` (an object of scalars), any other member skipped.
//!
//! The decoder reads the header in place: keys and values of `extFields`
//! are spans of the received bytes unless one of them carries an escape
//! sequence, and up to eight spans live inside the command, so a typical
//! send response costs no allocation. It accepts exactly RFC 8259 JSON (strict escapes, no control
//! characters in strings, nothing after the object), like serde_json, which
//! the tests use as the reference.

use bytes::Bytes;

use super::{protocol_error, ExtFields, RemotingCommand, Spans};
use crate::error::Result;
use crate::protocol::LANGUAGE_NAMES;

/// Nesting limit for skipped (unknown) members.
const MAX_DEPTH: usize = 32;

/// `LanguageCode` OTHER, for an absent or unknown language.
const LANGUAGE_OTHER: u8 = 7;

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

/// Length of the longest prefix of `b` that needs no escaping, eight bytes
/// at a time (the first flagged byte is found without a byte loop).
#[inline]
fn clean_prefix_len(b: &[u8]) -> usize {
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
/// \u0001 and \u0002 separators). Clean runs are copied in bulk.
pub(super) fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut rest = s.as_bytes();
    loop {
        let clean = clean_prefix_len(rest);
        out.extend_from_slice(&rest[..clean]);
        let Some(&b) = rest.get(clean) else {
            break;
        };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xF) as usize],
            ]),
        }
        rest = &rest[clean + 1..];
    }
    out.push(b'"');
}

/// Decodes a JSON header (`header`: exactly the header bytes of a frame).
/// `code` is required; `language` may be a name or a number; `version`,
/// `opaque` and `flag` default to 0, `remark` to none, `extFields` to
/// empty; null counts as absent; a repeated member's last value wins.
/// `extFields` values may be strings, numbers or booleans (kept as their
/// text); a null value drops its key (as if absent).
///
/// Errors ([`crate::error::ErrorKind::Internal`]): not UTF-8, not JSON,
/// `code` missing, a wrong type for a known member, trailing characters.
pub(super) fn decode_header(header: Bytes) -> Result<RemotingCommand> {
    if std::str::from_utf8(&header).is_err() {
        return Err(protocol_error("the JSON header is not UTF-8".into()));
    }
    let mut p = Parser { s: &header, i: 0 };
    match p.header(&header) {
        Some(cmd) => Ok(cmd),
        None => Err(protocol_error(format!(
            "undecodable JSON header (at byte {} of {})",
            p.i,
            header.len()
        ))),
    }
}

impl Parser<'_> {
    /// The whole header; None at the first error (`self.i` is near it).
    fn header(&mut self, header: &Bytes) -> Option<RemotingCommand> {
        let p = self;
        let mut cmd = RemotingCommand {
            language: LANGUAGE_OTHER,
            ..Default::default()
        };
        let mut code = None;
        let mut ext = None;
        p.expect(b'{')?;
        if p.peek() == Some(b'}') {
            p.i += 1;
        } else {
            loop {
                let key = p.string()?;
                p.expect(b':')?;
                let name = if key.escaped {
                    p.text(key)?.into_owned().into_bytes()
                } else {
                    Vec::new()
                };
                let name = if key.escaped {
                    &name[..]
                } else {
                    &header[key.start..key.end]
                };
                match name {
                    b"code" => code = p.int()?,
                    b"language" => cmd.language = p.language()?,
                    b"version" => cmd.version = p.int()?.unwrap_or(0),
                    b"opaque" => cmd.opaque = p.int()?.unwrap_or(0),
                    b"flag" => cmd.flag = p.int()?.unwrap_or(0),
                    b"remark" => cmd.remark = p.nullable_string()?,
                    b"extFields" => ext = p.ext_fields()?,
                    _ => p.skip_value(0)?,
                }
                match p.peek() {
                    Some(b',') => p.i += 1,
                    Some(b'}') => {
                        p.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        if p.peek().is_some() {
            return None;
        }
        cmd.code = code?;
        if let Some(spans) = ext {
            cmd.ext_fields = p.finish_ext(header, spans)?;
        }
        Some(cmd)
    }
}

/// A string's content: `start..end` of the input, and whether it has escapes.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    escaped: bool,
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    /// Skips whitespace; the next byte, if any.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        loop {
            let b = *self.s.get(self.i)?;
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(b);
            }
            self.i += 1;
        }
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Option<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// A string literal; checks its escapes without decoding them.
    #[inline]
    fn string(&mut self) -> Option<Span> {
        self.expect(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            let rest = self.s.get(self.i..).unwrap_or_default();
            let clean = clean_prefix_len(rest);
            self.i += clean;
            match rest.get(clean) {
                Some(b'"') => {
                    let span = Span {
                        start,
                        end: self.i,
                        escaped,
                    };
                    self.i += 1;
                    return Some(span);
                }
                Some(b'\\') => {
                    escaped = true;
                    match self.s.get(self.i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 2,
                        Some(b'u') => {
                            let hex = self.s.get(self.i + 2..self.i + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return None;
                            }
                            self.i += 6;
                        }
                        _ => return None,
                    }
                }
                Some(_) => return None,
                None => return None,
            }
        }
    }

    /// The text of `span` (decoded if it has escapes).
    fn text(&self, span: Span) -> Option<std::borrow::Cow<'_, str>> {
        let raw = &self.s[span.start..span.end];
        if !span.escaped {
            // The whole header was checked to be UTF-8 and spans start and
            // end next to ASCII quotes.
            return std::str::from_utf8(raw)
                .map(std::borrow::Cow::Borrowed)
                .ok();
        }
        unescape(raw).map(std::borrow::Cow::Owned)
    }

    /// A number; its span and whether it is a plain integer.
    fn number(&mut self) -> Option<(Span, bool)> {
        self.peek();
        let start = self.i;
        let digits = |p: &mut Self| {
            let from = p.i;
            while p.s.get(p.i).is_some_and(u8::is_ascii_digit) {
                p.i += 1;
            }
            p.i - from
        };
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.s[int_start] == b'0') {
            return None;
        }
        // serde_json reads -0 as the float -0.0; so do we.
        let mut integer = !(n == 1 && self.s[int_start] == b'0' && int_start > start);
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            integer = false;
            if digits(self) == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return None;
            }
        }
        let span = Span {
            start,
            end: self.i,
            escaped: false,
        };
        Some((span, integer))
    }

    /// `word` (true, false, null) at the current position.
    fn literal(&mut self, word: &[u8]) -> Option<Span> {
        self.peek();
        if self.s[self.i..].starts_with(word) {
            let span = Span {
                start: self.i,
                end: self.i + word.len(),
                escaped: false,
            };
            self.i += word.len();
            Some(span)
        } else {
            None
        }
    }

    /// An i32 or null.
    fn int(&mut self) -> Option<Option<i32>> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            return Some(None);
        }
        let (span, integer) = self.number()?;
        let text = std::str::from_utf8(&self.s[span.start..span.end]).unwrap_or("x");
        match text.parse::<i32>().ok() {
            Some(v) if integer => Some(Some(v)),
            _ => None,
        }
    }

    /// A string or null.
    fn nullable_string(&mut self) -> Option<Option<String>> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            return Some(None);
        }
        let span = self.string()?;
        Some(Some(self.text(span)?.into_owned()))
    }

    /// A language name, a language number or null.
    fn language(&mut self) -> Option<u8> {
        match self.peek() {
            Some(b'n') => {
                self.literal(b"null")?;
                Some(LANGUAGE_OTHER)
            }
            Some(b'"') => {
                let span = self.string()?;
                let name = self.text(span)?;
                let code = LANGUAGE_NAMES.iter().position(|n| *n == name);
                Some(code.map_or(LANGUAGE_OTHER, |c| c as u8))
            }
            _ => {
                let (span, integer) = self.number()?;
                let text = std::str::from_utf8(&self.s[span.start..span.end]).unwrap_or("x");
                match text.parse::<i64>().ok() {
                    Some(v) if integer && v >= 0 => Some(u8::try_from(v).unwrap_or(LANGUAGE_OTHER)),
                    _ => None,
                }
            }
        }
    }

    /// An extFields object (or null): the spans (key start, key end, value
    /// start, value end) of its non-null members, and whether any of them
    /// has escapes.
    fn ext_fields(&mut self) -> Option<Option<(Spans, bool)>> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            return Some(None);
        }
        self.expect(b'{')?;
        let mut spans = Spans::new();
        let mut escaped = false;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(Some((spans, escaped)));
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            let value = match self.peek() {
                Some(b'"') => Some(self.string()?),
                Some(b't') => Some(self.literal(b"true")?),
                Some(b'f') => Some(self.literal(b"false")?),
                Some(b'n') => {
                    // Null means absent: it also hides an earlier value.
                    self.literal(b"null")?;
                    let name = self.text(key)?.into_owned();
                    let mut kept = Spans::new();
                    for span in spans {
                        if self.span_text(span[0], span[1])? != name {
                            kept.push(span);
                        }
                    }
                    spans = kept;
                    None
                }
                _ => Some(self.number()?.0),
            };
            if let Some(value) = value {
                escaped |= key.escaped || value.escaped;
                spans.push([
                    key.start as u32,
                    key.end as u32,
                    value.start as u32,
                    value.end as u32,
                ]);
            }
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Some(Some((spans, escaped)));
                }
                _ => return None,
            }
        }
    }

    /// The text of the string content `start..end` (decoded if it has escapes).
    fn span_text(&self, start: u32, end: u32) -> Option<std::borrow::Cow<'_, str>> {
        let (start, end) = (start as usize, end as usize);
        let escaped = self.s[start..end].contains(&b'\\');
        self.text(Span {
            start,
            end,
            escaped,
        })
    }

    /// Skips any JSON value.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek() {
            Some(b'"') => self.string().map(drop),
            Some(b't') => self.literal(b"true").map(drop),
            Some(b'f') => self.literal(b"false").map(drop),
            Some(b'n') => self.literal(b"null").map(drop),
            Some(open @ (b'{' | b'[')) => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.i += 1;
                if self.peek() == Some(close) {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    if open == b'{' {
                        self.string()?;
                        self.expect(b':')?;
                    }
                    self.skip_value(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(c) if c == close => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            _ => self.number().map(drop),
        }
    }

    /// The extFields: spans of the header itself, or a decoded copy when a
    /// key or value has escapes.
    fn finish_ext(&self, header: &Bytes, (spans, escaped): (Spans, bool)) -> Option<ExtFields> {
        if !escaped {
            return Some(ExtFields::from_spans(header.clone(), spans));
        }
        let mut pairs = Vec::with_capacity(spans.len());
        for s in &spans {
            pairs.push((self.span_text(s[0], s[1])?, self.span_text(s[2], s[3])?));
        }
        Some(ExtFields::from_pairs(
            pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
        ))
    }
}

/// Decodes the escapes of a string's content (already checked for syntax);
/// None for an invalid surrogate.
fn unescape(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let c = match raw[i + 1] {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            _ => {
                let unit = hex4(raw.get(i + 2..i + 6)?)?;
                i += 6;
                let c = if (0xD800..0xDC00).contains(&unit) {
                    // A high surrogate must be followed by \u and a low one.
                    if raw.get(i..i + 2) != Some(b"\\u") {
                        return None;
                    }
                    let low = hex4(raw.get(i + 2..i + 6)?)?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return None;
                    }
                    i += 6;
                    char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?
                } else {
                    char::from_u32(unit)?
                };
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                continue;
            }
        };
        out.push(c as u8);
        i += 2;
    }
    String::from_utf8(out).ok()
}

fn hex4(h: &[u8]) -> Option<u32> {
    std::str::from_utf8(h)
        .ok()
        .and_then(|t| u32::from_str_radix(t, 16).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Result<RemotingCommand> {
        decode_header(Bytes::copy_from_slice(text.as_bytes()))
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
        let c = decode(text).ok()?;
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
        struct Gen(u64);
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
                ["", "", "", " ", "\n\t "][self.next(5)]
            }
            fn scalar(&mut self) -> String {
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
                        "other" => self.value(0),
                        _ if self.next(8) == 0 => self.scalar(),
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
                if self.next(4) == 0 {
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
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        let (mut valid, mut invalid) = (0, 0);
        for _ in 0..30_000 {
            let text = g.header();
            let theirs = reference(&text);
            assert_eq!(ours(&text), theirs, "{}", text);
            if theirs.is_some() {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        assert!(
            valid > 3000 && invalid > 3000,
            "{} valid, {} invalid",
            valid,
            invalid
        );
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
}
