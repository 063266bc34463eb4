//! Several messages as one batch (Java `MessageBatch`,
//! `MessageDecoder.encodeMessages`, SEND_BATCH_MESSAGE).

use bytes::Bytes;

use super::prepare::{properties_string, PrepareOptions, PreparedMessage};
use super::user::Message;
use super::validation::check;
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::message_id::UniqIdGenerator;
use crate::protocol::properties::names;

/// The CRC-32 of zlib and Java's `java.util.zip.CRC32` (a 1 KiB table).
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Bytes one message takes in a batch body (§6 record).
fn batch_record_len(body_len: usize, props_len: usize) -> usize {
    4 + 4 + 4 + 4 + 4 + body_len + 2 + props_len
}

/// Validates and encodes `msgs` as one batch (Java `MessageBatch`,
/// `MessageDecoder.encodeMessages`): every message checked as a single one,
/// all on one topic with the same `WAIT`, no delay level, no `%RETRY%` topic;
/// each record gets its own `UNIQ_KEY` and the CRC32 of its body; bodies
/// are never compressed. The encoded batch must fit `maxMessageSize`.
///
/// Errors: [`ErrorKind::InvalidMessage`] (empty list, mixed topics or
/// `WAIT`, delay, retry topic, properties over 32767 bytes), the errors of
/// a single message, [`ErrorKind::MessageTooLarge`] for the whole batch.
pub fn prepare_batch(msgs: &[Message], config: &PrepareOptions<'_>) -> Result<PreparedMessage> {
    let invalid = |why: String| Err(Error::new(ErrorKind::InvalidMessage, why));
    let Some(first) = msgs.first() else {
        return invalid("the batch is empty".into());
    };
    if first.topic.starts_with("%RETRY%") {
        return invalid("batches cannot be sent to retry topics".into());
    }
    let mut body = Vec::new();
    let mut ids = Vec::with_capacity(msgs.len());
    for (i, m) in msgs.iter().enumerate() {
        check(m, config.max_message_size)
            .map_err(|e| e.context(&format!("batch message {}", i)))?;
        if m.topic != first.topic {
            return invalid(format!(
                "batch message {} has topic {}; every message must have topic {}",
                i, m.topic, first.topic
            ));
        }
        if m.wait_store_msg_ok != first.wait_store_msg_ok {
            return invalid(format!("batch message {} has a different WAIT setting", i));
        }
        if m.delay_level > 0 || m.delivery_timestamp_ms.is_some() || m.delay_ms.is_some() {
            return invalid(format!(
                "batch message {} has a delay level; batches cannot be delayed",
                i
            ));
        }
        let id = UniqIdGenerator::global().next_id();
        let props = properties_string(m, &id);
        if props.len() > i16::MAX as usize {
            return invalid(format!(
                "batch message {} has {} bytes of properties (at most 32767)",
                i,
                props.len()
            ));
        }
        let total = batch_record_len(m.body.len(), props.len());
        body.extend_from_slice(&(total as i32).to_be_bytes());
        body.extend_from_slice(&0i32.to_be_bytes()); // magic code
                                                     // Java UtilAll.crc32: CRC32 with the sign bit cleared.
        let crc = (CRC32.checksum(&m.body) & 0x7FFF_FFFF) as i32;
        body.extend_from_slice(&crc.to_be_bytes());
        body.extend_from_slice(&m.flag.to_be_bytes());
        body.extend_from_slice(&(m.body.len() as i32).to_be_bytes());
        body.extend_from_slice(&m.body);
        body.extend_from_slice(&(props.len() as i16).to_be_bytes());
        body.extend_from_slice(props.as_bytes());
        ids.push(id);
        if body.len() > config.max_message_size {
            return Err(Error::new(
                ErrorKind::MessageTooLarge,
                format!(
                    "the batch needs more than maxMessageSize ({} bytes) after {} of {} messages; split it (split_batch)",
                    config.max_message_size,
                    i + 1,
                    msgs.len()
                ),
            ));
        }
    }
    let wait = if first.wait_store_msg_ok {
        "true"
    } else {
        "false"
    };
    let ids_len = ids.iter().map(|id| id.len() + 1).sum::<usize>();
    let mut p = PreparedMessage::start(&first.topic, config.namespace, ids_len + 16);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            p.text.push(',');
        }
        p.text.push_str(id);
    }
    p.uniq_end = p.text.len();
    p.add_properties([(names::WAIT, wait)]);
    p.body = Bytes::from(body).into();
    p.batch = true;
    Ok(p)
}

/// Splits `msgs` into consecutive runs whose encoded batch fits `max_bytes`
/// (use `maxMessageSize`). A single message larger than that forms a run of
/// its own (and is then refused when sent).
pub fn split_batch(msgs: &[Message], max_bytes: usize) -> Vec<&[Message]> {
    // A UNIQ_KEY property takes "UNIQ_KEY" + 2 separators + up to 56 chars.
    const ID_PROPS: usize = 8 + 2 + 56;
    let mut out = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, m) in msgs.iter().enumerate() {
        let len = batch_record_len(m.body.len(), properties_string(m, "").len() + ID_PROPS);
        if i > start && size + len > max_bytes {
            out.push(&msgs[start..i]);
            start = i;
            size = 0;
        }
        size += len;
    }
    if start < msgs.len() {
        out.push(&msgs[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_crc_is_java_crc32() {
        // The standard CRC-32 check value, and zlib.crc32 (= java.util.zip.CRC32) of "body0".
        assert_eq!(CRC32.checksum(b"123456789"), 0xCBF4_3926);
        assert_eq!(CRC32.checksum(b"body0"), 0xD16F_A58A);
    }

    #[test]
    fn batch_encoding_and_rules() {
        let config = PrepareOptions::default();
        let msgs: Vec<Message> = (0..3)
            .map(|i| {
                let mut m = Message::new("T", format!("body{}", i).into_bytes());
                m.set_tags("tag").unwrap();
                m.set_flag(i);
                m
            })
            .collect();
        let p = prepare_batch(&msgs, &config).unwrap();
        assert!(p.batch);
        assert_eq!(p.uniq_key().split(',').count(), 3);
        assert_eq!(p.properties(), "WAIT\u{1}true\u{2}");
        // Walk the records.
        let mut b = &p.body[..];
        for (i, id) in p.uniq_key().split(',').enumerate() {
            let int = |at: usize| i32::from_be_bytes(b[at..at + 4].try_into().unwrap());
            let total = int(0) as usize;
            let blen = int(16) as usize;
            let body = &b[20..20 + blen];
            let plen = i16::from_be_bytes(b[20 + blen..22 + blen].try_into().unwrap()) as usize;
            let props = std::str::from_utf8(&b[22 + blen..22 + blen + plen]).unwrap();
            assert_eq!(total, 22 + blen + plen);
            assert_eq!(body, format!("body{}", i).as_bytes());
            assert_eq!(int(8) as u32, crc32fast::hash(body) & 0x7FFF_FFFF);
            assert_eq!(int(12), i as i32);
            assert!(props.contains(&format!("UNIQ_KEY\u{1}{}\u{2}", id)));
            b = &b[total..];
        }
        assert!(b.is_empty());
        // Rules.
        let mut other = msgs.clone();
        other[1].set_topic("U");
        let kind = |r: Result<PreparedMessage>| r.unwrap_err().kind();
        assert_eq!(
            kind(prepare_batch(&other, &config)),
            ErrorKind::InvalidMessage
        );
        let mut delayed = msgs.clone();
        delayed[2].set_delay_level(1).unwrap();
        assert_eq!(
            kind(prepare_batch(&delayed, &config)),
            ErrorKind::InvalidMessage
        );
        assert_eq!(kind(prepare_batch(&[], &config)), ErrorKind::InvalidMessage);
        let big: Vec<Message> = (0..5)
            .map(|_| Message::new("T", vec![1u8; 1024 * 1024]))
            .collect();
        assert_eq!(
            kind(prepare_batch(&big, &config)),
            ErrorKind::MessageTooLarge
        );
        let parts = split_batch(&big, config.max_message_size);
        let sizes: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        assert_eq!(sizes, vec![3, 2]);
        for part in parts {
            prepare_batch(part, &config).unwrap();
        }
    }
}
