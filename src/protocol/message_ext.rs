//! Stored-message records (Java `MessageDecoder.decode`): the bodies of pull results and of CHECK_TRANSACTION_STATE requests.
//! Compressed bodies are inflated (zlib, LZ4 frame or zstd by the sysFlag
//! compression type bits).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;

use super::message_id::IdString;
use super::properties::{self, Properties};
use super::sys_flag;
use crate::compression::CompressionType;
use crate::error::{Error, ErrorKind, Result};

const MAGIC_V1: i32 = -626843481; // 0xDAA320A7
const MAGIC_V2: i32 = -626843477; // 0xDAA320AB
const MAGIC_BLANK: i32 = -875286124; // 0xCBD43194

/// A message as the broker stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageExt {
    /// Topic (shared by the messages of one pull).
    pub topic: Arc<str>,
    /// Queue id.
    pub queue_id: i32,
    /// The user flag.
    pub flag: i32,
    /// Consume-queue offset.
    pub queue_offset: i64,
    /// Commit-log offset.
    pub commit_log_offset: i64,
    /// sysFlag as stored (the compressed bit cleared after inflating).
    pub sys_flag: i32,
    /// Born timestamp, ms.
    pub born_timestamp: i64,
    /// Born host.
    pub born_host: SocketAddr,
    /// Store timestamp, ms.
    pub store_timestamp: i64,
    /// Store host.
    pub store_host: SocketAddr,
    /// Reconsume times.
    pub reconsume_times: i32,
    /// Prepared transaction offset.
    pub prepared_transaction_offset: i64,
    /// The stored body CRC32.
    pub body_crc: i32,
    /// Body (inflated).
    pub body: Bytes,
    /// Properties in stored order (read in place).
    pub properties: Properties,
    /// The broker message id (store host + commit-log offset).
    pub offset_msg_id: IdString,
    /// The name of the broker it was pulled from (empty when not pulled,
    /// e.g. a transaction check or a reply).
    pub broker_name: Arc<str>,
    /// The size of the stored record in bytes (its `TOTALSIZE` field; Java
    /// `MessageExt.storeSize`), compressed body included; 0 when the message
    /// did not come from a record (a pushed reply).
    pub store_size: i32,
}

impl MessageExt {
    /// A property's value.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name)
    }

    /// The client message id: `UNIQ_KEY` if present, else the offsetMsgId.
    pub fn msg_id(&self) -> &str {
        self.property(properties::names::UNIQ_KEY)
            .unwrap_or(&self.offset_msg_id)
    }
}

fn bad(what: &str) -> Error {
    Error::new(
        ErrorKind::Internal,
        format!("malformed stored message: {}", what),
    )
}

/// A cursor over one record of a frame: reads fixed fields from the
/// record's slice and takes the body and properties as slices of the
/// frame's `Bytes` (a reference count each, no copy).
struct Cursor<'a> {
    frame: &'a Bytes,
    /// The record within `frame`.
    rec: &'a [u8],
    /// Where `rec` starts in `frame`.
    base: usize,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(frame: &'a Bytes, start: usize, end: usize) -> Cursor<'a> {
        Cursor {
            frame,
            rec: &frame[start..end],
            base: start,
            pos: 0,
        }
    }

    #[inline(always)]
    fn take(&mut self, n: usize, what: &str) -> Result<std::ops::Range<usize>> {
        if self.rec.len() - self.pos < n {
            return Err(bad(what));
        }
        let r = self.pos..self.pos + n;
        self.pos += n;
        Ok(r)
    }

    #[inline(always)]
    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        match self.rec.get(self.pos..self.pos + N) {
            Some(b) => {
                self.pos += N;
                let mut out = [0u8; N];
                out.copy_from_slice(b);
                Ok(out)
            }
            None => Err(bad(what)),
        }
    }

    #[inline(always)]
    fn i32(&mut self, what: &str) -> Result<i32> {
        self.array::<4>(what).map(i32::from_be_bytes)
    }

    #[inline(always)]
    fn i64(&mut self, what: &str) -> Result<i64> {
        self.array::<8>(what).map(i64::from_be_bytes)
    }

    #[inline(always)]
    fn host(&mut self, v6: bool) -> Result<SocketAddr> {
        let ip: IpAddr = if v6 {
            IpAddr::from(self.array::<16>("host")?)
        } else {
            IpAddr::from(self.array::<4>("host")?)
        };
        Ok(SocketAddr::new(ip, self.i32("host port")? as u16))
    }

    /// The bytes of `r` (record-relative) as a slice of the frame.
    fn bytes(&self, r: std::ops::Range<usize>) -> Bytes {
        self.frame.slice(self.base + r.start..self.base + r.end)
    }

    fn remaining(&self) -> usize {
        self.rec.len() - self.pos
    }
}

/// Decodes every record of `data` (a pull body or a single record). The
/// messages share `data`'s buffer (bodies and properties are slices of it)
/// and, when equal, one topic allocation.
/// Errors: a truncated or inconsistent record.
pub fn decode_all(data: Bytes) -> Result<Vec<MessageExt>> {
    // Sized by the first record (a pull's records are alike): no regrowth.
    let first = data.get(..4).map_or(0, |h| {
        i32::from_be_bytes([h[0], h[1], h[2], h[3]]).max(1) as usize
    });
    let mut out: Vec<MessageExt> = Vec::with_capacity((data.len() / first.max(1)).min(1024));
    let mut pos = 0usize;
    while data.len() - pos >= 8 {
        let head: [u8; 8] = data[pos..pos + 8].try_into().unwrap_or_default();
        let total = i32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let magic = i32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        if magic == MAGIC_BLANK {
            break;
        }
        if total < 8 || total as usize > data.len() - pos {
            return Err(bad("record size"));
        }
        let shared = out.last().map(|m| m.topic.clone());
        let mut cursor = Cursor::new(&data, pos, pos + total as usize);
        out.push(decode_record(&mut cursor, shared)?);
        pos += total as usize;
    }
    Ok(out)
}

/// Decodes one record.
pub fn decode_one(b: Bytes) -> Result<MessageExt> {
    let mut cursor = Cursor::new(&b, 0, b.len());
    decode_record(&mut cursor, None)
}

/// Decodes the record under `c`; its topic is `shared` when the text is the
/// same.
fn decode_record(c: &mut Cursor<'_>, shared: Option<Arc<str>>) -> Result<MessageExt> {
    let store_size = c.i32("record size")?;
    let magic = c.i32("magic code")?;
    let topic_len_2 = match magic {
        MAGIC_V1 => false,
        MAGIC_V2 => true,
        _ => return Err(bad("magic code")),
    };
    let body_crc = c.i32("body crc")?;
    let queue_id = c.i32("queue id")?;
    let flag = c.i32("flag")?;
    let queue_offset = c.i64("queue offset")?;
    let commit_log_offset = c.i64("commit-log offset")?;
    let mut sys = c.i32("sysFlag")?;
    let born_timestamp = c.i64("born timestamp")?;
    let born_host = c.host(sys & sys_flag::BORNHOST_V6 != 0)?;
    let store_timestamp = c.i64("store timestamp")?;
    let store_host = c.host(sys & sys_flag::STOREHOST_V6 != 0)?;
    let reconsume_times = c.i32("reconsume times")?;
    let prepared_transaction_offset = c.i64("prepared transaction offset")?;
    let body_len = c.i32("body length")?;
    if body_len < 0 {
        return Err(bad("body length"));
    }
    let body_range = c.take(body_len as usize, "body")?;
    let mut body = c.bytes(body_range);
    if sys & sys_flag::COMPRESSED != 0 {
        body = Bytes::from(decompress(&body, sys)?);
        sys &= !sys_flag::COMPRESSED;
    }
    let topic_len = if topic_len_2 {
        u16::from_be_bytes(c.array::<2>("topic length")?) as usize
    } else {
        c.array::<1>("topic length")?[0] as usize
    };
    let topic_range = c.take(topic_len, "topic")?;
    let topic_bytes = &c.rec[topic_range];
    let topic = match shared {
        Some(t) if t.as_bytes() == topic_bytes => t,
        _ => Arc::from(String::from_utf8_lossy(topic_bytes)),
    };
    let properties = if c.remaining() >= 2 {
        let len = u16::from_be_bytes(c.array::<2>("properties length")?) as usize;
        let r = c.take(len, "properties")?;
        Properties::from_bytes(c.bytes(r))
    } else {
        Properties::default()
    };
    let offset_msg_id =
        IdString::offset_msg_id(store_host.ip(), store_host.port(), commit_log_offset);
    Ok(MessageExt {
        topic,
        queue_id,
        flag,
        queue_offset,
        commit_log_offset,
        sys_flag: sys,
        born_timestamp,
        born_host,
        store_timestamp,
        store_host,
        reconsume_times,
        prepared_transaction_offset,
        body_crc,
        body,
        properties,
        offset_msg_id,
        broker_name: Arc::default(),
        store_size,
    })
}

/// Inflates a compressed body by the sysFlag compression type (0 or 3
/// zlib, 1 LZ4, 2 zstd).
pub fn decompress(data: &[u8], sys: i32) -> Result<Vec<u8>> {
    let kind = CompressionType::from_sys_flag(sys).ok_or_else(|| {
        bad(&format!(
            "unsupported compression type {}",
            (sys & 0x700) >> 8
        ))
    })?;
    kind.decompress(data)
}

/// Encodes a record as Java `MessageDecoder.encode` (V1 magic; IPv6 hosts
/// take 16 bytes, and the caller sets their sysFlag bits): what a broker
/// sends in CHECK_TRANSACTION_STATE. `store_size` is not read: the record's
/// size is its encoded length. Used by tests.
pub fn encode(m: &MessageExt) -> Vec<u8> {
    let props = m.properties.encode();
    let mut b = Vec::new();
    b.extend_from_slice(&0i32.to_be_bytes());
    b.extend_from_slice(&MAGIC_V1.to_be_bytes());
    b.extend_from_slice(&m.body_crc.to_be_bytes());
    b.extend_from_slice(&m.queue_id.to_be_bytes());
    b.extend_from_slice(&m.flag.to_be_bytes());
    b.extend_from_slice(&m.queue_offset.to_be_bytes());
    b.extend_from_slice(&m.commit_log_offset.to_be_bytes());
    b.extend_from_slice(&m.sys_flag.to_be_bytes());
    b.extend_from_slice(&m.born_timestamp.to_be_bytes());
    // Born host, store timestamp, store host: the timestamp goes after the
    // first host by position (not by comparing hosts: they may be equal).
    for (i, h) in [m.born_host, m.store_host].into_iter().enumerate() {
        match h.ip() {
            IpAddr::V4(v4) => b.extend_from_slice(&v4.octets()),
            IpAddr::V6(v6) => b.extend_from_slice(&v6.octets()),
        }
        b.extend_from_slice(&(h.port() as i32).to_be_bytes());
        if i == 0 {
            b.extend_from_slice(&m.store_timestamp.to_be_bytes());
        }
    }
    b.extend_from_slice(&m.reconsume_times.to_be_bytes());
    b.extend_from_slice(&m.prepared_transaction_offset.to_be_bytes());
    b.extend_from_slice(&(m.body.len() as i32).to_be_bytes());
    b.extend_from_slice(&m.body);
    b.push(m.topic.len() as u8);
    b.extend_from_slice(m.topic.as_bytes());
    b.extend_from_slice(&(props.len() as i16).to_be_bytes());
    b.extend_from_slice(props.as_bytes());
    let total = b.len() as i32;
    b[..4].copy_from_slice(&total.to_be_bytes());
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> MessageExt {
        MessageExt {
            topic: Arc::from("TopicA"),
            queue_id: 3,
            flag: 7,
            queue_offset: 42,
            commit_log_offset: 1_234_567,
            sys_flag: 0,
            born_timestamp: 1_700_000_000_000,
            born_host: "10.0.0.5:50000".parse().unwrap(),
            store_timestamp: 1_700_000_000_123,
            store_host: "192.168.0.1:10911".parse().unwrap(),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body_crc: 99,
            body: Bytes::from_static(b"hello"),
            properties: Properties::from_pairs([("UNIQ_KEY", "ABC"), ("TAGS", "t")]),
            offset_msg_id: "C0A8000100002A9F000000000012D687".into(),
            broker_name: Arc::default(),
            store_size: 0,
        }
    }

    #[test]
    fn round_trip() {
        let mut m = sample();
        m.store_size = encode(&m).len() as i32;
        let mut two = encode(&m);
        two.extend(encode(&m));
        let back = decode_all(Bytes::from(two)).unwrap();
        assert_eq!(back, vec![m.clone(), m]);
        assert_eq!(back[0].msg_id(), "ABC");
    }

    /// Found by the message_ext fuzz target: with the born host equal to
    /// the store host (one machine), `encode` wrote the store timestamp
    /// twice and the record no longer decoded.
    #[test]
    fn round_trip_with_equal_born_and_store_hosts() {
        let mut m = sample();
        m.born_host = m.store_host;
        let record = encode(&m);
        m.store_size = record.len() as i32;
        assert_eq!(decode_one(Bytes::from(record)).unwrap(), m);
    }

    #[test]
    fn ipv6_born_and_store_hosts() {
        let mut m = sample();
        m.born_host = "[fe80::1]:50000".parse().unwrap();
        m.store_host = "[2001:db8::7]:10911".parse().unwrap();
        m.sys_flag = sys_flag::BORNHOST_V6 | sys_flag::STOREHOST_V6;
        let back = decode_one(Bytes::from(encode(&m))).unwrap();
        assert_eq!(back.born_host, m.born_host);
        assert_eq!(back.store_host, m.store_host);
        // offsetMsgId of an IPv6 store host: 16 + 4 + 8 bytes = 56 hex chars.
        assert_eq!(back.offset_msg_id.len(), 56);
        assert_eq!(back.body, m.body);
    }

    #[test]
    fn compressed_bodies_are_inflated() {
        let mut m = sample();
        m.body = Bytes::from(
            CompressionType::Zlib
                .compress(b"hello hello hello", 5)
                .unwrap(),
        );
        m.sys_flag = 0x301;
        let record = encode(&m);
        let back = decode_one(Bytes::from(record.clone())).unwrap();
        assert_eq!(&back.body[..], b"hello hello hello");
        assert_eq!(
            back.store_size as usize,
            record.len(),
            "the compressed record's size"
        );
        assert_eq!(back.sys_flag, 0x300);
    }

    #[test]
    fn truncated_records_are_errors() {
        let full = encode(&sample());
        for cut in [9, 30, 60, full.len() - 3] {
            let mut part = full[..cut].to_vec();
            part[..4].copy_from_slice(&(cut as i32).to_be_bytes());
            assert!(decode_one(Bytes::from(part)).is_err(), "cut at {}", cut);
        }
    }
}
