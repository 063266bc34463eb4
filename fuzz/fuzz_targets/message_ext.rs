//! The stored-message decoder (`protocol::message_ext::decode_all` /
//! `decode_one`): pull bodies and CHECK_TRANSACTION_STATE records, with both
//! magic codes (1- and 2-byte topic length), IPv4 and IPv6 born and store
//! hosts, and zlib, LZ4 and zstd compressed bodies; and the C getters
//! (`rmq_message_ext_*`) over what it decodes.
//!
//! The first byte picks the mode. Raw (even): the rest is a pull body; no
//! panic, and every decoded record re-encodes (here, and with the library's
//! `encode`) to a record that decodes to the same message; the C view of
//! each returns its fields. Structured (odd): arbitrary records (any
//! sysFlag, compression type, host family, magic, properties) encoded as a
//! broker stores them decode to exactly those records.
#![no_main]

use std::ffi::{c_char, CStr, CString};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use arbitrary::{Arbitrary, Unstructured};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use rocketmq::compression::CompressionType;
use rocketmq::ffi::message_ext as cx;
use rocketmq::protocol::message_ext::{self, MessageExt};
use rocketmq::protocol::properties::Properties;

const MAGIC_V1: i32 = -626843481;
const MAGIC_V2: i32 = -626843477;
const COMPRESSED: i32 = 0x1;
const BORNHOST_V6: i32 = 0x10;
const STOREHOST_V6: i32 = 0x20;

/// A record as a broker stores it (`MessageDecoder.encode`), written here
/// independently of the library: `v2`: the 2-byte topic length magic;
/// `body` as stored (compressed or not); hosts by the sysFlag bits.
fn record(m: &MessageExt, body: &[u8], v2: bool) -> Vec<u8> {
    let mut b = Vec::new();
    let host = |b: &mut Vec<u8>, h: &SocketAddr, v6: bool| {
        match (h.ip(), v6) {
            (IpAddr::V4(a), false) => b.extend_from_slice(&a.octets()),
            (IpAddr::V6(a), true) => b.extend_from_slice(&a.octets()),
            (IpAddr::V4(a), true) => b.extend_from_slice(&a.to_ipv6_mapped().octets()),
            (IpAddr::V6(_), false) => unreachable!("an IPv6 host has its sysFlag bit"),
        }
        b.extend_from_slice(&i32::from(h.port()).to_be_bytes());
    };
    b.extend_from_slice(&0i32.to_be_bytes());
    b.extend_from_slice(&(if v2 { MAGIC_V2 } else { MAGIC_V1 }).to_be_bytes());
    b.extend_from_slice(&m.body_crc.to_be_bytes());
    b.extend_from_slice(&m.queue_id.to_be_bytes());
    b.extend_from_slice(&m.flag.to_be_bytes());
    b.extend_from_slice(&m.queue_offset.to_be_bytes());
    b.extend_from_slice(&m.commit_log_offset.to_be_bytes());
    b.extend_from_slice(&m.sys_flag.to_be_bytes());
    b.extend_from_slice(&m.born_timestamp.to_be_bytes());
    host(&mut b, &m.born_host, m.sys_flag & BORNHOST_V6 != 0);
    b.extend_from_slice(&m.store_timestamp.to_be_bytes());
    host(&mut b, &m.store_host, m.sys_flag & STOREHOST_V6 != 0);
    b.extend_from_slice(&m.reconsume_times.to_be_bytes());
    b.extend_from_slice(&m.prepared_transaction_offset.to_be_bytes());
    b.extend_from_slice(&(body.len() as i32).to_be_bytes());
    b.extend_from_slice(body);
    if v2 {
        b.extend_from_slice(&(m.topic.len() as u16).to_be_bytes());
    } else {
        b.push(m.topic.len() as u8);
    }
    b.extend_from_slice(m.topic.as_bytes());
    let props = m.properties.encode();
    b.extend_from_slice(&(props.len() as u16).to_be_bytes());
    b.extend_from_slice(props.as_bytes());
    let total = b.len() as i32;
    b[..4].copy_from_slice(&total.to_be_bytes());
    b
}

/// The broker message id: store host, port and commit-log offset in hex.
fn offset_msg_id(m: &MessageExt) -> String {
    let mut raw = match m.store_host.ip() {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    raw.extend_from_slice(&i32::from(m.store_host.port()).to_be_bytes());
    raw.extend_from_slice(&m.commit_log_offset.to_be_bytes());
    raw.iter().map(|b| format!("{:02X}", b)).collect()
}

/// `m` with the sysFlag host bits matching its hosts' families (an IPv4
/// host read from a 16-byte field stays IPv6: the decoder keeps what it read).
fn host_bits_consistent(m: &MessageExt) -> bool {
    m.born_host.is_ipv6() == (m.sys_flag & BORNHOST_V6 != 0)
        && m.store_host.is_ipv6() == (m.sys_flag & STOREHOST_V6 != 0)
}

fn cstr<'a>(p: *const c_char) -> &'a [u8] {
    assert!(!p.is_null());
    // SAFETY: the getters return C strings living as long as the view.
    unsafe { CStr::from_ptr(p) }.to_bytes()
}

/// The C text of `s`: NULs become blanks.
fn c_text(s: &str) -> Vec<u8> {
    s.replace('\0', " ").into_bytes()
}

/// The C view of `m` returns its fields.
fn check_c_view(m: &MessageExt) {
    let v = rocketmq::fuzzing::message_ext_handle(m.clone());
    // SAFETY: `v` is a live view until freed at the end; the names are C strings.
    unsafe {
        assert_eq!(cstr(cx::rmq_message_ext_topic(v)), c_text(&m.topic));
        assert_eq!(cstr(cx::rmq_message_ext_msg_id(v)), c_text(m.msg_id()));
        assert_eq!(
            cstr(cx::rmq_message_ext_offset_msg_id(v)),
            c_text(&m.offset_msg_id)
        );
        assert_eq!(
            cstr(cx::rmq_message_ext_tags(v)),
            c_text(m.property("TAGS").unwrap_or(""))
        );
        assert_eq!(
            cstr(cx::rmq_message_ext_keys(v)),
            c_text(m.property("KEYS").unwrap_or(""))
        );
        let host = |a: &SocketAddr| a.to_string().into_bytes();
        assert_eq!(cstr(cx::rmq_message_ext_born_host(v)), host(&m.born_host));
        assert_eq!(cstr(cx::rmq_message_ext_store_host(v)), host(&m.store_host));
        for (name, value) in m.properties.iter() {
            let Ok(c) = CString::new(name) else { continue };
            // Twice: the second answer comes from the view's cache.
            for _ in 0..2 {
                assert_eq!(
                    cstr(cx::rmq_message_ext_property(v, c.as_ptr())),
                    c_text(value)
                );
            }
        }
        // An absent name reads as "". The name holds \u{1}, the properties'
        // separator, which no decoded name can contain, so it is absent
        // from every record (a long run once made a property called
        // "no such name").
        assert!(m.property("no\u{1}such name").is_none());
        assert_eq!(
            cstr(cx::rmq_message_ext_property(v, c"no\x01such name".as_ptr())).len(),
            0
        );
        let (mut data, mut len) = (std::ptr::null(), 0usize);
        assert_eq!(cx::rmq_message_ext_body(v, &mut data, &mut len) as i32, 0);
        let body: &[u8] = if len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(data, len)
        };
        assert_eq!(body, &m.body[..]);
        assert_eq!(cx::rmq_message_ext_queue_id(v), m.queue_id);
        assert_eq!(cx::rmq_message_ext_queue_offset(v), m.queue_offset);
        assert_eq!(
            cx::rmq_message_ext_commit_log_offset(v),
            m.commit_log_offset
        );
        assert_eq!(cx::rmq_message_ext_reconsume_times(v), m.reconsume_times);
        assert_eq!(cx::rmq_message_ext_sys_flag(v), m.sys_flag);
        assert_eq!(cx::rmq_message_ext_flag(v), m.flag);
        assert_eq!(cx::rmq_message_ext_born_timestamp(v), m.born_timestamp);
        assert_eq!(cx::rmq_message_ext_store_timestamp(v), m.store_timestamp);
        assert_eq!(
            cx::rmq_message_ext_prepared_transaction_offset(v),
            m.prepared_transaction_offset
        );
        assert_eq!(cx::rmq_message_ext_body_crc(v), m.body_crc);
        let _ = cx::rmq_message_ext_delay_level(v);
        cx::rmq_message_ext_free(v);
    }
}

/// Raw mode: whatever decodes re-encodes to the same message.
fn raw(data: &[u8]) {
    let Ok(msgs) = message_ext::decode_all(Bytes::copy_from_slice(data)) else {
        // A single record may still decode on its own.
        let _ = message_ext::decode_one(Bytes::copy_from_slice(data));
        return;
    };
    for m in &msgs {
        assert_eq!(&*m.offset_msg_id, offset_msg_id(m));
        assert_eq!(m.sys_flag & COMPRESSED, 0, "a decoded body is inflated");
        check_c_view(m);
        // The topic is a lossy copy of its bytes: re-encode what was read.
        for v2 in [false, true] {
            if (!v2 && m.topic.len() > 255) || m.properties.encode().len() > u16::MAX as usize {
                continue;
            }
            let rec = record(m, &m.body, v2);
            let mut back = message_ext::decode_one(Bytes::from(rec.clone()))
                .expect("re-encoded record decodes");
            assert_eq!(back.store_size as usize, rec.len());
            back.store_size = m.store_size;
            assert_eq!(&back, m, "v2={}", v2);
        }
        if m.topic.len() <= 255 && host_bits_consistent(m) {
            // The library's own encoder (tests and transaction checks).
            let rec = message_ext::encode(m);
            let mut back = message_ext::decode_one(Bytes::from(rec)).expect("encode() decodes");
            back.store_size = m.store_size;
            assert_eq!(&back, m, "library encode round trip");
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Host {
    V4([u8; 4], u16),
    V6([u8; 16], u16),
    /// One of a few fixed addresses, so born and store hosts often match.
    Common(u8),
}

impl Host {
    fn addr(&self) -> SocketAddr {
        match *self {
            Host::V4(ip, port) => SocketAddr::new(IpAddr::from(ip), port),
            Host::V6(ip, port) => SocketAddr::new(IpAddr::from(ip), port),
            Host::Common(i) => ["127.0.0.1:10911", "[::1]:10911", "10.0.0.1:0"][usize::from(i % 3)]
                .parse()
                .expect("an address"),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Record {
    v2: bool,
    queue_id: i32,
    flag: i32,
    queue_offset: i64,
    commit_log_offset: i64,
    /// Other sysFlag bits (the host and compression bits are set below).
    sys_flag: i32,
    /// 0 none, 1 zlib (type 0: 4.x), 2 zlib (type 3), 3 LZ4, 4 zstd.
    compression: u8,
    born_timestamp: i64,
    born_host: Host,
    store_timestamp: i64,
    store_host: Host,
    reconsume_times: i32,
    prepared_transaction_offset: i64,
    body_crc: i32,
    body: Vec<u8>,
    topic: String,
    properties: Vec<(String, String)>,
}

fn structured(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(records) = Vec::<Record>::arbitrary(&mut u) else {
        return;
    };
    let mut pull = Vec::new();
    let mut want = Vec::new();
    for r in &records {
        if (!r.v2 && r.topic.len() > 255) || r.topic.len() > u16::MAX as usize {
            continue;
        }
        let (born, store) = (r.born_host.addr(), r.store_host.addr());
        let mut sys = r.sys_flag & !(COMPRESSED | 0x700 | BORNHOST_V6 | STOREHOST_V6);
        if born.is_ipv6() {
            sys |= BORNHOST_V6;
        }
        if store.is_ipv6() {
            sys |= STOREHOST_V6;
        }
        let (stored_body, stored_sys) = match r.compression % 5 {
            0 => (r.body.clone(), sys),
            1 => (
                CompressionType::Zlib.compress(&r.body, 5).unwrap(),
                sys | COMPRESSED,
            ),
            2 => (
                CompressionType::Zlib.compress(&r.body, 5).unwrap(),
                sys | 0x301,
            ),
            3 => (
                CompressionType::Lz4.compress(&r.body, 5).unwrap(),
                sys | 0x101,
            ),
            _ => (
                CompressionType::Zstd.compress(&r.body, 5).unwrap(),
                sys | 0x201,
            ),
        };
        let pairs = r.properties.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let mut m = MessageExt {
            topic: Arc::from(r.topic.as_str()),
            queue_id: r.queue_id,
            flag: r.flag,
            queue_offset: r.queue_offset,
            commit_log_offset: r.commit_log_offset,
            sys_flag: stored_sys,
            born_timestamp: r.born_timestamp,
            born_host: born,
            store_timestamp: r.store_timestamp,
            store_host: store,
            reconsume_times: r.reconsume_times,
            prepared_transaction_offset: r.prepared_transaction_offset,
            body_crc: r.body_crc,
            body: Bytes::new(),
            properties: Properties::from_pairs(pairs),
            offset_msg_id: Default::default(),
            broker_name: Arc::default(),
            store_size: 0,
        };
        if m.properties.encode().len() > u16::MAX as usize {
            continue;
        }
        let rec = record(&m, &stored_body, r.v2);
        m.store_size = rec.len() as i32;
        m.sys_flag = stored_sys & !COMPRESSED;
        m.body = Bytes::from(r.body.clone());
        m.offset_msg_id = offset_msg_id(&m).as_str().into();
        pull.extend_from_slice(&rec);
        want.push(m);
    }
    let got = message_ext::decode_all(Bytes::from(pull)).expect("stored records decode");
    assert_eq!(got, want);
    for m in &got {
        check_c_view(m);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        raw(rest);
    } else {
        structured(rest);
    }
});
