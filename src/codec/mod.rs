//! The remoting frame codec (Java `RemotingCommand`, `NettyEncoder`/`NettyDecoder`): a frame is
//! `int32 length | int32 (serializeType << 24 | headerLength) | header | body`.
//! Headers are encoded as JSON (what the Java client sends by default) and
//! decoded from JSON *or* the ROCKETMQ binary layout, since a server may answer
//! in either. Knows bytes only: no sockets, no threads, no messages.
//!
//! Mirrors Java `RemotingCommand.encode/decode`, `RocketMQSerializable`.

mod json;
mod language;

pub use language::{LANGUAGE_NAMES, LANGUAGE_OTHER, LANGUAGE_RUST};

use bytes::{Buf, Bytes, BytesMut};
use smallvec::SmallVec;

use crate::error::{Error, ErrorKind, Result};

/// Largest frame accepted (bytes after the length prefix), as Java's
/// `NettyDecoder` default: 16 MiB.
pub const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// `flag` bit 0: the command is a response.
pub const FLAG_RESPONSE: i32 = 0x1;
/// `flag` bit 1: the request is oneway (no response follows).
pub const FLAG_ONEWAY: i32 = 0x2;

/// Serialize type JSON (top byte of the second int).
const SERIALIZE_JSON: u8 = 0;
/// Serialize type ROCKETMQ (binary).
const SERIALIZE_ROCKETMQ: u8 = 1;

/// A decoded command (request or response) as it arrived from a peer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemotingCommand {
    /// Request code (requests) or response code (responses).
    pub code: i32,
    /// The sender's `LanguageCode`.
    pub language: u8,
    /// The sender's MQVersion ordinal.
    pub version: i32,
    /// Correlation id: a response carries its request's opaque.
    pub opaque: i32,
    /// Bit 0 response, bit 1 oneway.
    pub flag: i32,
    /// Error text of responses, free text of some requests.
    pub remark: Option<String>,
    /// The custom header, in arrival order (a handful of fields: a list is
    /// cheaper than a hash map). Use [`RemotingCommand::ext`] to read it.
    pub ext_fields: ExtFields,
    /// The body (possibly empty).
    pub body: Bytes,
}

impl RemotingCommand {
    /// Whether the response bit is set.
    pub fn is_response(&self) -> bool {
        self.flag & FLAG_RESPONSE != 0
    }

    /// Whether the oneway bit is set.
    pub fn is_oneway(&self) -> bool {
        self.flag & FLAG_ONEWAY != 0
    }

    /// The extField `key`, if present (the last one if repeated).
    pub fn ext(&self, key: &str) -> Option<&str> {
        self.ext_fields.get(key)
    }

    /// The remark, or "" when absent.
    pub fn remark_str(&self) -> &str {
        self.remark.as_deref().unwrap_or("")
    }
}

/// Fields kept inline in [`ExtFields`] before its span list moves to the
/// heap: a send response has six, most other responses fewer.
const INLINE_FIELDS: usize = 8;

/// The span list of [`ExtFields`]: (key start, key end, value start, value
/// end) byte offsets into its text, one entry per field.
type Spans = SmallVec<[[u32; 4]; INLINE_FIELDS]>;

/// A command's extFields: name/value pairs in arrival order. Fields read by
/// the fast JSON reader (plain headers as brokers write them) are spans of
/// the received header (no copy); those of other headers, and fields added
/// with [`ExtFields::insert`], live in a buffer of their own. Up to eight
/// fields cost no allocation of their own.
#[derive(Debug, Clone, Default)]
pub struct ExtFields {
    /// The text the spans point into. Invariant: every span is in bounds
    /// and valid UTF-8.
    text: Bytes,
    /// (key start, key end, value start, value end) in `text`.
    spans: Spans,
}

impl ExtFields {
    /// No fields yet, over `text`: the fast JSON reader adds spans of
    /// `text` with [`ExtFields::spans_mut`].
    fn over(text: Bytes) -> ExtFields {
        ExtFields {
            text,
            spans: Spans::new(),
        }
    }

    /// The span list, for the fast JSON reader. Every span it keeps must be
    /// valid UTF-8 in `text` (see [`ExtFields::str_at`]).
    fn spans_mut(&mut self) -> &mut Spans {
        &mut self.spans
    }

    #[inline]
    fn str_at(&self, start: u32, end: u32) -> &str {
        let bytes = &self.text[start as usize..end as usize];
        // SAFETY: spans are only made by `from_pairs` (from `&str`s) and by
        // the fast JSON reader over a header whose quote map showed it to be
        // all ASCII, so every span is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    fn pair(&self, span: &[u32; 4]) -> (&str, &str) {
        (self.str_at(span[0], span[1]), self.str_at(span[2], span[3]))
    }

    /// The value of `key` (the last one if repeated). Scans the spans from
    /// the end comparing key lengths, and the bytes of a key of the right
    /// length only.
    pub fn get(&self, key: &str) -> Option<&str> {
        let key = key.as_bytes();
        self.spans
            .iter()
            .rev()
            .find(|s| {
                (s[1] - s[0]) as usize == key.len()
                    && &self.text[s[0] as usize..s[1] as usize] == key
            })
            .map(|s| self.str_at(s[2], s[3]))
    }

    /// Appends `key` = `value` (a later value of the same key wins in `get`).
    pub fn insert(&mut self, key: String, value: String) {
        self.push(&key, &value);
    }

    /// Fields holding copies of `pairs`, in one buffer.
    fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> ExtFields {
        let mut text = Vec::new();
        let mut spans = Spans::new();
        for (key, value) in pairs {
            let k = text.len() as u32;
            text.extend_from_slice(key.as_bytes());
            let v = text.len() as u32;
            text.extend_from_slice(value.as_bytes());
            spans.push([k, v, v, text.len() as u32]);
        }
        ExtFields {
            text: Bytes::from(text),
            spans,
        }
    }

    /// Fields holding copies of decoded `pairs` (binary headers).
    fn from_owned_pairs(pairs: &[(String, String)]) -> ExtFields {
        ExtFields::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Appends a pair, copying the fields into a buffer of their own.
    fn push(&mut self, key: &str, value: &str) {
        let pairs: Vec<(&str, &str)> = self.iter().chain([(key, value)]).collect();
        *self = ExtFields::from_pairs(pairs.into_iter());
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spans.iter().map(move |s| self.pair(s))
    }
}

impl PartialEq for ExtFields {
    fn eq(&self, other: &ExtFields) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for ExtFields {}

/// Whether `a` and `b` are the same bytes. Header keys are short: for 4
/// to 16 bytes, two overlapping word compares (no call; with `b` a
/// literal, its words are constants).
#[inline(always)]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word8 =
        |x: &[u8], at: usize| u64::from_le_bytes(x[at..at + 8].try_into().expect("8 bytes"));
    let word4 =
        |x: &[u8], at: usize| u32::from_le_bytes(x[at..at + 4].try_into().expect("4 bytes"));
    match n {
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        _ => a == b,
    }
}

/// Appends the decimal text of `v` to a byte buffer. Single digits (most
/// header fields: flags, queue ids, counts) are one push.
#[inline]
fn push_int_bytes(out: &mut Vec<u8>, v: i64) {
    if (0..10).contains(&v) {
        out.push(b'0' + v as u8);
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }
}

/// Appends one complete frame with a JSON header to `out`.
///
/// `flag` is [`FLAG_ONEWAY`] for oneway requests, [`FLAG_RESPONSE`] for
/// responses, 0 for ordinary requests. The header always carries `code`,
/// `language` ("RUST"), `version`, `opaque`, `flag`, `serializeTypeCurrentRPC`
/// and, when given, `remark` and `extFields` (all values JSON strings), which is
/// what both the Java and the Rust broker accept.
pub fn encode_frame(
    out: &mut Vec<u8>,
    code: i32,
    opaque: i32,
    flag: i32,
    remark: Option<&str>,
    fields: &[(&str, &str)],
    body: &[u8],
) {
    encode_frame_with(out, code, opaque, flag, remark, body, |w| {
        fields.write_fields(w)
    });
}

/// Something that writes extFields: a typed request header or a list of
/// `(name, value)` pairs. Generic over the sink, so that writing straight
/// into a frame compiles to plain copies (no dynamic calls).
pub trait WriteFields {
    /// Writes every field to `w`, in order.
    fn write_fields<S: FieldSink>(&self, w: &mut S);
}

impl<K: AsRef<str>, V: AsRef<str>> WriteFields for [(K, V)] {
    fn write_fields<S: FieldSink>(&self, w: &mut S) {
        for (k, v) in self {
            w.str(k.as_ref(), v.as_ref());
        }
    }
}

/// Something extFields can be written to: a frame being encoded
/// ([`FieldWriter`]) or a list of pairs (for signing).
pub trait FieldSink {
    /// A string field.
    fn str(&mut self, k: &str, v: &str);
    /// A whole-number field, written as a JSON string.
    fn int(&mut self, k: &str, v: i64);
    /// A boolean field, written as "true"/"false".
    fn bool(&mut self, k: &str, v: bool);
    /// Fields rendered before (the same for many requests): a frame copies
    /// their JSON text; other sinks take the pairs one by one.
    fn rendered(&mut self, fields: &RenderedFields) {
        for (k, v) in &fields.pairs {
            self.str(k, v);
        }
    }
}

/// String fields together with their JSON text, rendered once: how the
/// parts of a request header that never change for a producer (its group,
/// the auto-create topic, constant flags) are written into each request
/// by one copy (see [`FieldSink::rendered`]).
#[derive(Debug, Clone, Default)]
pub struct RenderedFields {
    pairs: Vec<(String, String)>,
    /// `"k":"v"` members, comma-separated, as a [`FieldWriter`] writes them.
    json: Vec<u8>,
}

impl RenderedFields {
    /// The fields `pairs`, in order.
    pub fn new(pairs: &[(&str, &str)]) -> RenderedFields {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|&(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut json = Vec::new();
        let mut w = FieldWriter {
            out: &mut json,
            count: 0,
        };
        pairs.write_fields(&mut w);
        // The writer opened the object: keep the members only.
        let members = match pairs.is_empty() {
            true => Vec::new(),
            false => json.split_off(EXT_FIELDS_OPEN.len()),
        };
        RenderedFields {
            pairs,
            json: members,
        }
    }

    /// The fields, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

impl FieldSink for Vec<(String, String)> {
    fn str(&mut self, k: &str, v: &str) {
        self.push((k.to_string(), v.to_string()));
    }
    fn int(&mut self, k: &str, v: i64) {
        self.push((k.to_string(), v.to_string()));
    }
    fn bool(&mut self, k: &str, v: bool) {
        self.push((k.to_string(), if v { "true" } else { "false" }.to_string()));
    }
}

/// What opens the extFields member, after the header's other members.
const EXT_FIELDS_OPEN: &[u8] = b",\"extFields\":{";

/// Writes extFields straight into a frame being encoded: no intermediate
/// strings for numbers. Used through [`encode_frame_with`].
pub struct FieldWriter<'a> {
    out: &'a mut Vec<u8>,
    count: usize,
}

impl FieldWriter<'_> {
    #[inline(always)]
    fn key(&mut self, k: &str) {
        self.out.extend_from_slice(if self.count == 0 {
            EXT_FIELDS_OPEN
        } else {
            b","
        });
        self.count += 1;
        // Keys are field names (ASCII identifiers): copied as they are;
        // anything else is escaped.
        if k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            self.out.push(b'"');
            self.out.extend_from_slice(k.as_bytes());
            self.out.extend_from_slice(b"\":");
        } else {
            json::write_string(self.out, k);
            self.out.push(b':');
        }
    }
}

// Inlined into each typed header's writer, where the keys are constants:
// the key checks fold away and the copies become plain stores.
impl FieldSink for FieldWriter<'_> {
    #[inline(always)]
    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        json::write_string(self.out, v);
    }

    #[inline(always)]
    fn int(&mut self, k: &str, v: i64) {
        self.key(k);
        self.out.push(b'"');
        push_int_bytes(self.out, v);
        self.out.push(b'"');
    }

    #[inline(always)]
    fn bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.out
            .extend_from_slice(if v { b"\"true\"" } else { b"\"false\"" });
    }

    #[inline(always)]
    fn rendered(&mut self, fields: &RenderedFields) {
        if fields.pairs.is_empty() {
            return;
        }
        self.out.extend_from_slice(if self.count == 0 {
            EXT_FIELDS_OPEN
        } else {
            b","
        });
        self.count += fields.pairs.len();
        self.out.extend_from_slice(&fields.json);
    }
}

/// The MQVersion ordinal this client sends (`MQVersion.Version.V5_3_3`). Must
/// be ≥ 401 so that NameServers answer routes in standard JSON.
pub const CLIENT_VERSION: i32 = 479;

/// What follows the code in every request header: our language and version
/// ([`LANGUAGE_RUST`], [`CLIENT_VERSION`]; a test checks it against them).
const LANGUAGE_VERSION_OPAQUE: &[u8] = b",\"language\":\"RUST\",\"version\":479,\"opaque\":";

/// [`encode_frame`] with the extFields written by `fields`.
pub fn encode_frame_with(
    out: &mut Vec<u8>,
    code: i32,
    opaque: i32,
    flag: i32,
    remark: Option<&str>,
    body: &[u8],
    fields: impl FnOnce(&mut FieldWriter),
) {
    let start = out.len();
    out.extend_from_slice(&[0u8; 8]); // length and header length, patched below
    let header_start = out.len();
    out.extend_from_slice(b"{\"code\":");
    push_int_bytes(out, code as i64);
    out.extend_from_slice(LANGUAGE_VERSION_OPAQUE);
    push_int_bytes(out, opaque as i64);
    out.extend_from_slice(b",\"flag\":");
    push_int_bytes(out, flag as i64);
    if let Some(remark) = remark {
        out.extend_from_slice(b",\"remark\":");
        json::write_string(out, remark);
    }
    let mut w = FieldWriter { out, count: 0 };
    fields(&mut w);
    if w.count > 0 {
        out.push(b'}');
    }
    out.extend_from_slice(b",\"serializeTypeCurrentRPC\":\"JSON\"}");
    let header_len = out.len() - header_start;
    out.extend_from_slice(body);
    let total = 4 + header_len + body.len();
    out[start..start + 4].copy_from_slice(&(total as u32).to_be_bytes());
    let mark = ((SERIALIZE_JSON as u32) << 24) | (header_len as u32 & 0x00FF_FFFF);
    out[start + 4..start + 8].copy_from_slice(&mark.to_be_bytes());
}

/// Takes one complete frame off the front of `buf`, if one is there.
///
/// Returns `Ok(None)` when more bytes are needed (a partial frame stays in
/// `buf`). A frame longer than [`MAX_FRAME_LEN`], a header length that does
/// not fit, an unknown serialize type or an undecodable header is an
/// [`ErrorKind::Internal`] error: the caller closes that connection.
pub fn decode_frame(buf: &mut BytesMut) -> Result<Option<RemotingCommand>> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if len > MAX_FRAME_LEN {
        return Err(protocol_error(format!(
            "frame of {} bytes exceeds the {} byte limit",
            len, MAX_FRAME_LEN
        )));
    }
    if len < 4 {
        return Err(protocol_error(format!("frame length {} is too short", len)));
    }
    if buf.len() < 4 + len {
        buf.reserve(4 + len - buf.len());
        return Ok(None);
    }
    buf.advance(4);
    let payload = buf.split_to(len).freeze();
    decode_payload(payload).map(Some)
}

/// The JSON header reader with the fast path allowed or not, and whether
/// the fast path takes `header`: for the fuzz targets ([`crate::fuzzing`]).
pub(crate) fn json_header_reader(header: &[u8], fast: bool) -> (Result<RemotingCommand>, bool) {
    let h = Bytes::copy_from_slice(header);
    (
        json::decode_header_with(h, Bytes::new(), fast),
        json::takes_fast_path(header),
    )
}

/// Decodes the bytes after the length prefix: header-length int, header, body.
pub fn decode_payload(mut payload: Bytes) -> Result<RemotingCommand> {
    if payload.len() < 4 {
        return Err(protocol_error("frame has no header length".into()));
    }
    let mark = payload.get_u32();
    let serialize_type = (mark >> 24) as u8;
    let header_len = (mark & 0x00FF_FFFF) as usize;
    if header_len > payload.len() {
        return Err(protocol_error(format!(
            "header length {} exceeds the frame's {} remaining bytes",
            header_len,
            payload.len()
        )));
    }
    let header = payload.split_to(header_len);
    // The rest is the body. The command is returned straight from the
    // header decoders: it is large, and each move of it is a copy.
    match serialize_type {
        SERIALIZE_JSON => json::decode_header(header, payload),
        SERIALIZE_ROCKETMQ => decode_binary_header(header, payload),
        other => Err(protocol_error(format!("unknown serialize type {}", other))),
    }
}

/// Decodes a ROCKETMQ binary header; `body` becomes the command's body.
fn decode_binary_header(mut h: Bytes, body: Bytes) -> Result<RemotingCommand> {
    let total = h.len();
    let need = |h: &Bytes, n: usize| -> Result<()> {
        if h.remaining() < n {
            Err(protocol_error(format!(
                "binary header of {} bytes is truncated",
                total
            )))
        } else {
            Ok(())
        }
    };
    need(&h, 17)?;
    let code = h.get_i16() as i32;
    let language = h.get_u8();
    let version = h.get_i16() as i32;
    let opaque = h.get_i32();
    let flag = h.get_i32();
    let remark_len = h.get_i32();
    if remark_len < 0 {
        return Err(protocol_error("negative remark length".into()));
    }
    need(&h, remark_len as usize)?;
    let remark = if remark_len > 0 {
        Some(utf8(h.split_to(remark_len as usize))?)
    } else {
        None
    };
    need(&h, 4)?;
    let ext_len = h.get_i32();
    if ext_len < 0 {
        return Err(protocol_error("negative extFields length".into()));
    }
    need(&h, ext_len as usize)?;
    let mut map = h.split_to(ext_len as usize);
    let mut pairs = Vec::new();
    while map.has_remaining() {
        if map.remaining() < 2 {
            return Err(protocol_error("truncated extFields key length".into()));
        }
        let klen = map.get_i16();
        if klen < 0 || map.remaining() < klen as usize + 4 {
            return Err(protocol_error("truncated extFields key".into()));
        }
        let key = utf8(map.split_to(klen as usize))?;
        let vlen = map.get_i32();
        if vlen < 0 || map.remaining() < vlen as usize {
            return Err(protocol_error("truncated extFields value".into()));
        }
        let value = utf8(map.split_to(vlen as usize))?;
        pairs.push((key, value));
    }
    let ext_fields = ExtFields::from_owned_pairs(&pairs);
    Ok(RemotingCommand {
        code,
        language,
        version,
        opaque,
        flag,
        remark,
        ext_fields,
        body,
    })
}

fn utf8(b: Bytes) -> Result<String> {
    String::from_utf8(b.to_vec()).map_err(|_| protocol_error("header string is not UTF-8".into()))
}

fn protocol_error(message: String) -> Error {
    Error::new(ErrorKind::Internal, message)
}

/// Appends a frame with a ROCKETMQ binary header. The client itself sends
/// JSON; this exists to produce test input the way a server configured for
/// the binary type would send it.
pub fn encode_binary_frame(out: &mut Vec<u8>, cmd: &RemotingCommand) {
    let mut header = Vec::new();
    header.extend_from_slice(&(cmd.code as i16).to_be_bytes());
    header.push(cmd.language);
    header.extend_from_slice(&(cmd.version as i16).to_be_bytes());
    header.extend_from_slice(&cmd.opaque.to_be_bytes());
    header.extend_from_slice(&cmd.flag.to_be_bytes());
    let remark = cmd.remark.as_deref().unwrap_or("");
    header.extend_from_slice(&(remark.len() as i32).to_be_bytes());
    header.extend_from_slice(remark.as_bytes());
    let mut map = Vec::new();
    let mut keys: Vec<_> = cmd.ext_fields.iter().collect();
    // By key only, and stable: a repeated key keeps its order, so the
    // decoded command's `ext` (the last value) is the same.
    keys.sort_by_key(|&(k, _)| k);
    for (k, v) in keys {
        map.extend_from_slice(&(k.len() as i16).to_be_bytes());
        map.extend_from_slice(k.as_bytes());
        map.extend_from_slice(&(v.len() as i32).to_be_bytes());
        map.extend_from_slice(v.as_bytes());
    }
    header.extend_from_slice(&(map.len() as i32).to_be_bytes());
    header.extend_from_slice(&map);
    let total = 4 + header.len() + cmd.body.len();
    out.extend_from_slice(&(total as u32).to_be_bytes());
    let mark = ((SERIALIZE_ROCKETMQ as u32) << 24) | header.len() as u32;
    out.extend_from_slice(&mark.to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&cmd.body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_compares_every_byte() {
        for n in 0..24usize {
            let a: Vec<u8> = (0..n as u8).map(|i| b'a' + i).collect();
            assert!(same_bytes(&a, &a.clone()));
            if n > 0 {
                assert!(!same_bytes(&a, &a[..n - 1]));
            }
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!same_bytes(&a, &b), "{} bytes, differing at {}", n, at);
            }
        }
    }

    #[test]
    fn header_prefix_matches_the_constants() {
        let expected = format!(
            ",\"language\":\"{}\",\"version\":{},\"opaque\":",
            LANGUAGE_NAMES[LANGUAGE_RUST as usize], CLIENT_VERSION
        );
        assert_eq!(LANGUAGE_VERSION_OPAQUE, expected.as_bytes());
    }

    fn decode_all(bytes: &[u8]) -> Result<Option<RemotingCommand>> {
        let mut buf = BytesMut::from(bytes);
        decode_frame(&mut buf)
    }

    #[test]
    fn json_frame_is_byte_exact() {
        let mut out = Vec::new();
        encode_frame(&mut out, 105, 1, 0, None, &[("topic", "TopicTest")], b"");
        let header = br#"{"code":105,"language":"RUST","version":479,"opaque":1,"flag":0,"extFields":{"topic":"TopicTest"},"serializeTypeCurrentRPC":"JSON"}"#;
        let mut expected = Vec::new();
        expected.extend_from_slice(&((4 + header.len()) as u32).to_be_bytes());
        expected.extend_from_slice(&(header.len() as u32).to_be_bytes());
        expected.extend_from_slice(header);
        assert_eq!(out, expected);
    }

    #[test]
    fn json_round_trip_with_body_remark_and_escapes() {
        let mut out = Vec::new();
        let props = "TAGS\u{1}a\u{2}KEYS\u{1}k \"q\"\u{2}";
        encode_frame(
            &mut out,
            310,
            -7,
            FLAG_ONEWAY,
            Some("why"),
            &[("a", "g"), ("i", props)],
            b"hello",
        );
        let cmd = decode_all(&out).unwrap().unwrap();
        assert_eq!(cmd.code, 310);
        assert_eq!(cmd.opaque, -7);
        assert!(cmd.is_oneway() && !cmd.is_response());
        assert_eq!(cmd.language, LANGUAGE_RUST);
        assert_eq!(cmd.version, CLIENT_VERSION);
        assert_eq!(cmd.remark.as_deref(), Some("why"));
        assert_eq!(cmd.ext("i"), Some(props));
        assert_eq!(&cmd.body[..], b"hello");
    }

    #[test]
    fn decodes_rust_broker_json_with_nulls() {
        let header = br#"{"code":0,"language":"RUST","version":474,"opaque":42,"flag":1,"remark":null,"extFields":{"msgId":"AB","queueId":"2","queueOffset":"17"},"serializeTypeCurrentRPC":"JSON"}"#;
        let mut frame = Vec::new();
        frame.extend_from_slice(&((4 + header.len()) as u32).to_be_bytes());
        frame.extend_from_slice(&(header.len() as u32).to_be_bytes());
        frame.extend_from_slice(header);
        let cmd = decode_all(&frame).unwrap().unwrap();
        assert!(cmd.is_response());
        assert_eq!(cmd.opaque, 42);
        assert_eq!(cmd.remark, None);
        assert_eq!(cmd.ext("queueOffset"), Some("17"));
        // Java style: nulls omitted, extFields absent, numbers as values tolerated.
        let header = br#"{"code":17,"flag":1,"language":"JAVA","opaque":3,"remark":"no route","version":479}"#;
        let mut frame = Vec::new();
        frame.extend_from_slice(&((4 + header.len()) as u32).to_be_bytes());
        frame.extend_from_slice(&(header.len() as u32).to_be_bytes());
        frame.extend_from_slice(header);
        let cmd = decode_all(&frame).unwrap().unwrap();
        assert_eq!(
            (cmd.code, cmd.language, cmd.remark_str()),
            (17, 0, "no route")
        );
        assert!(cmd.ext_fields.is_empty());
    }

    /// Found by the frame_decoder fuzz target: sorting whole pairs put a
    /// repeated key's values in another order, so `ext` changed.
    #[test]
    fn binary_round_trip_keeps_the_last_value_of_a_repeated_key() {
        let mut cmd = RemotingCommand {
            code: 12,
            ..Default::default()
        };
        cmd.ext_fields.insert("b".into(), "1".into());
        cmd.ext_fields.insert("a".into(), "\0".into());
        cmd.ext_fields.insert("a".into(), "".into());
        let mut frame = Vec::new();
        encode_binary_frame(&mut frame, &cmd);
        let back = decode_frame(&mut BytesMut::from(&frame[..]))
            .unwrap()
            .unwrap();
        assert_eq!(back.ext("a"), Some(""));
        assert_eq!(back.ext("b"), Some("1"));
    }

    #[test]
    fn binary_header_matches_documented_bytes() {
        let mut cmd = RemotingCommand {
            code: 105,
            language: LANGUAGE_RUST,
            version: 479,
            opaque: 1,
            ..Default::default()
        };
        cmd.ext_fields.insert("topic".into(), "TopicTest".into());
        let mut out = Vec::new();
        encode_binary_frame(&mut out, &cmd);
        let expected: Vec<u8> = [
            &[0x00, 0x00, 0x00, 0x2d, 0x01, 0x00, 0x00, 0x29][..],
            &[0x00, 0x69, 0x0c, 0x01, 0xdf],
            &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14],
            &[0x00, 0x05],
            b"topic",
            &[0, 0, 0, 9],
            b"TopicTest",
        ]
        .concat();
        assert_eq!(out, expected);
        let back = decode_all(&out).unwrap().unwrap();
        assert_eq!(back, cmd);
    }

    #[test]
    fn integers_are_written_like_to_string() {
        for v in [0i64, 7, -7, 10, 479, -2147483648, i64::MAX, i64::MIN] {
            let mut s = Vec::new();
            push_int_bytes(&mut s, v);
            assert_eq!(s, v.to_string().into_bytes());
        }
    }

    #[test]
    fn partial_reads_wait_for_the_whole_frame() {
        let mut frame = Vec::new();
        encode_frame(
            &mut frame,
            0,
            9,
            FLAG_RESPONSE,
            None,
            &[("k", "v")],
            b"body",
        );
        encode_frame(&mut frame, 0, 10, FLAG_RESPONSE, None, &[], b"");
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for byte in &frame {
            buf.extend_from_slice(&[*byte]);
            while let Some(cmd) = decode_frame(&mut buf).unwrap() {
                got.push(cmd.opaque);
            }
        }
        assert_eq!(got, vec![9, 10]);
        assert!(buf.is_empty());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        // Oversized length.
        assert!(decode_all(&[0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]).is_err());
        // Header length larger than the frame.
        assert!(decode_all(&[0, 0, 0, 6, 0, 0, 0, 99, b'{', b'}']).is_err());
        // Not JSON.
        assert!(decode_all(&[0, 0, 0, 6, 0, 0, 0, 2, b'x', b'y']).is_err());
        // Unknown serialize type.
        assert!(decode_all(&[0, 0, 0, 6, 9, 0, 0, 2, b'{', b'}']).is_err());
        // Truncated binary header.
        assert!(decode_all(&[0, 0, 0, 7, 1, 0, 0, 3, 0, 1, 2]).is_err());
        // Too short length.
        assert!(decode_all(&[0, 0, 0, 1, 0]).is_err());
        // Deterministic pseudo-random junk never panics.
        let mut x: u32 = 12345;
        for _ in 0..2000 {
            let mut junk = Vec::new();
            for _ in 0..(x % 64) {
                x = x.wrapping_mul(1103515245).wrapping_add(12345);
                junk.push((x >> 16) as u8);
            }
            if junk.len() >= 4 {
                let len = (junk.len() - 4) as u32;
                junk[..4].copy_from_slice(&len.to_be_bytes());
            }
            let _ = decode_all(&junk);
        }
    }
}
