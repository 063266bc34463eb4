//! The batch encoder (`message::prepare_batch`, `split_batch`) against a
//! decoder written here as the broker reads a batch body
//! (`MessageDecoder.decodeMessages`: total size, magic, body CRC, flag,
//! body, 2-byte properties length, properties).
//!
//! Checks: a batch that encodes decodes to its messages, in order, each
//! with its body, flag, CRC32 (sign bit cleared, as Java `UtilAll.crc32`),
//! tags, keys, user properties, `WAIT` and its own `UNIQ_KEY` (the ids
//! the prepared message lists); the body fits `maxMessageSize`; mixed
//! topics, mixed `WAIT`, delays and retry topics are refused;
//! `split_batch` keeps every message once and in order, and each of its
//! parts of two or more messages encodes without exceeding the size limit.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use rocketmq::error::ErrorKind;
use rocketmq::message::{prepare_batch, split_batch, PrepareOptions};
use rocketmq::protocol::properties;
use rocketmq::Message;

#[derive(Arbitrary, Debug)]
struct Msg {
    /// 0..=13: the batch's topic; 14: another topic; 15: an arbitrary one.
    topic: u8,
    any_topic: String,
    body: Vec<u8>,
    tags: Option<String>,
    keys: Option<String>,
    properties: Vec<(String, String)>,
    flag: i32,
    no_wait: bool,
    /// 0 in most inputs; otherwise a delay level to set.
    delay: u8,
}

#[derive(Arbitrary, Debug)]
struct Input {
    retry_topic: bool,
    /// The size limit: 64 bytes and up (small, so that splitting happens).
    max_size: u16,
    msgs: Vec<Msg>,
}

/// CRC-32 (IEEE, as zlib and `java.util.zip.CRC32`), bit by bit.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

struct Record {
    crc: i32,
    flag: i32,
    body: Vec<u8>,
    props: Vec<(String, String)>,
}

/// The records of a batch body, as the broker splits them.
fn decode(mut b: &[u8]) -> Vec<Record> {
    let int = |b: &[u8], at: usize| i32::from_be_bytes(b[at..at + 4].try_into().unwrap());
    let mut out = Vec::new();
    while !b.is_empty() {
        let total = int(b, 0) as usize;
        assert_eq!(int(b, 4), 0, "magic code");
        let body_len = int(b, 16) as usize;
        let body = b[20..20 + body_len].to_vec();
        let plen = i16::from_be_bytes(b[20 + body_len..22 + body_len].try_into().unwrap());
        assert!(plen >= 0);
        let props = std::str::from_utf8(&b[22 + body_len..22 + body_len + plen as usize])
            .expect("UTF-8 properties");
        assert_eq!(total, 22 + body_len + plen as usize, "record size");
        out.push(Record {
            crc: int(b, 8),
            flag: int(b, 12),
            body,
            props: properties::decode(props),
        });
        b = &b[total..];
    }
    out
}

fn get<'a>(props: &'a [(String, String)], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = Input::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let topic = if input.retry_topic {
        "%RETRY%group"
    } else {
        "BatchTopic"
    };
    let mut msgs = Vec::new();
    let mut delayed = false;
    for m in &input.msgs {
        let t = match m.topic % 16 {
            0..=13 => topic,
            14 => "OtherTopic",
            _ => m.any_topic.as_str(),
        };
        let mut msg = Message::new(t, m.body.clone());
        if let Some(tags) = &m.tags {
            let ok = msg.set_tags(tags).is_ok();
            assert_eq!(ok, properties::is_clean(tags));
        }
        if let Some(keys) = &m.keys {
            let ok = msg.set_keys(keys).is_ok();
            assert_eq!(ok, properties::is_clean(keys));
        }
        for (k, v) in &m.properties {
            let _ = msg.set_property(k, v);
        }
        msg.set_flag(m.flag);
        msg.set_wait_store_msg_ok(!m.no_wait);
        if m.delay % 32 == 1 {
            msg.set_delay_level(3).unwrap();
            delayed = true;
        }
        msgs.push(msg);
    }
    let opts = PrepareOptions {
        max_message_size: 64 + usize::from(input.max_size),
        ..PrepareOptions::default()
    };
    let result = prepare_batch(&msgs, &opts);
    let mixed_topic = msgs.iter().any(|m| m.topic() != msgs[0].topic());
    let mixed_wait = msgs
        .iter()
        .any(|m| m.wait_store_msg_ok() != msgs[0].wait_store_msg_ok());
    match &result {
        Ok(p) => {
            assert!(!msgs.is_empty() && !mixed_topic && !mixed_wait && !delayed);
            assert!(
                !msgs[0].topic().starts_with("%RETRY%"),
                "no batch to a retry topic"
            );
            assert!(p.batch);
            assert_eq!(p.topic(), msgs[0].topic());
            assert!(
                p.body.len() <= opts.max_message_size,
                "the batch fits maxMessageSize"
            );
            let ids: Vec<&str> = p.uniq_key().split(',').collect();
            let records = decode(&p.body);
            assert_eq!(records.len(), msgs.len());
            assert_eq!(ids.len(), msgs.len());
            for ((r, m), id) in records.iter().zip(&msgs).zip(&ids) {
                assert_eq!(r.body, m.body());
                assert_eq!(r.flag, m.flag());
                assert_eq!(r.crc as u32, crc32(m.body()) & 0x7FFF_FFFF);
                assert_eq!(get(&r.props, "UNIQ_KEY"), Some(*id));
                assert_eq!(get(&r.props, "TAGS"), m.tags());
                let keys = m.keys().join(" ");
                assert_eq!(
                    get(&r.props, "KEYS"),
                    (!keys.is_empty()).then_some(keys.as_str())
                );
                let wait = if m.wait_store_msg_ok() {
                    "true"
                } else {
                    "false"
                };
                assert_eq!(get(&r.props, "WAIT"), Some(wait));
                for (k, v) in m.properties() {
                    assert_eq!(get(&r.props, k), Some(v.as_str()), "property {:?}", k);
                }
                assert_eq!(
                    r.props.len(),
                    2 + usize::from(m.tags().is_some())
                        + usize::from(!keys.is_empty())
                        + m.properties().len()
                );
            }
            // Every id is distinct.
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), ids.len(), "distinct UNIQ_KEYs");
        }
        // Refused: a rule above, or a message that is not valid on its own
        // (topic, empty or too large body, properties over 32767 bytes).
        Err(_) => {}
    }
    // Splitting.
    let parts = split_batch(&msgs, opts.max_message_size);
    assert!(parts.iter().all(|p| !p.is_empty()));
    let joined: Vec<&Message> = parts.iter().flat_map(|p| p.iter()).collect();
    assert_eq!(
        joined,
        msgs.iter().collect::<Vec<_>>(),
        "split keeps every message in order"
    );
    for part in parts.iter().filter(|p| p.len() > 1) {
        if let Err(e) = prepare_batch(part, &opts) {
            assert_ne!(
                e.kind(),
                ErrorKind::MessageTooLarge,
                "a split part is too large: {}",
                e
            );
        }
    }
});
