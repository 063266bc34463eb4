//! Typed request and response headers (Java `SendMessageRequestHeaderV2`, `SendMessageResponseHeader`, …).
//! Each request header turns into the `extFields` pairs the Java client sends;
//! every value is a string, booleans are "true"/"false".

use crate::codec::{same_bytes, FieldSink, RemotingCommand, RenderedFields, WriteFields};
use crate::error::{Error, ErrorKind, Result};

/// The fields of `SendMessageRequestHeaderV2` that are the same for every
/// send of a producer, rendered once: `a` (producer group), `c` (the
/// auto-create template topic, `TBW102`) with `d` (queue count for an
/// auto-created topic), `j` (reconsume times, 0 for producers) with `k`
/// (unit mode, false).
#[derive(Debug, Clone)]
pub struct SendHeaderConstants {
    group: RenderedFields,
    default_topic: RenderedFields,
    reconsume_unit_mode: RenderedFields,
}

impl SendHeaderConstants {
    /// The constants of a producer in `producer_group` whose auto-created
    /// topics copy `default_topic` with `default_topic_queue_nums` queues.
    pub fn new(
        producer_group: &str,
        default_topic: &str,
        default_topic_queue_nums: i32,
    ) -> SendHeaderConstants {
        let queue_nums = default_topic_queue_nums.to_string();
        SendHeaderConstants {
            group: RenderedFields::new(&[("a", producer_group)]),
            default_topic: RenderedFields::new(&[("c", default_topic), ("d", &queue_nums)]),
            reconsume_unit_mode: RenderedFields::new(&[("j", "0"), ("k", bool_str(false))]),
        }
    }
}

/// `SendMessageRequestHeaderV2` (Java `SendMessageRequestHeaderV2`): the
/// single-letter field names of SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE.
#[derive(Debug, Clone)]
pub struct SendMessageRequestHeader<'a> {
    /// `a`, `c`, `d`, `j`, `k`: the producer's constants.
    pub constants: &'a SendHeaderConstants,
    /// `b`: topic.
    pub topic: &'a str,
    /// `e`: target queue id.
    pub queue_id: i32,
    /// `f`: sysFlag.
    pub sys_flag: i32,
    /// `g`: born timestamp, ms since the epoch.
    pub born_timestamp: i64,
    /// `h`: the user's `flag` int.
    pub flag: i32,
    /// `i`: the properties string.
    pub properties: &'a str,
    /// `m`: batch.
    pub batch: bool,
    /// `n`: broker name of the target queue.
    pub broker_name: &'a str,
}

impl WriteFields for SendMessageRequestHeader<'_> {
    /// Writes the extFields, in the order Java's fastjson writes them.
    fn write_fields<S: FieldSink>(&self, w: &mut S) {
        w.rendered(&self.constants.group);
        w.str("b", self.topic);
        w.rendered(&self.constants.default_topic);
        w.int("e", self.queue_id as i64);
        w.int("f", self.sys_flag as i64);
        w.int("g", self.born_timestamp);
        w.int("h", self.flag as i64);
        w.str("i", self.properties);
        w.rendered(&self.constants.reconsume_unit_mode);
        w.bool("m", self.batch);
        w.str("n", self.broker_name);
    }
}

/// "true" or "false", the only boolean spellings every broker accepts.
pub fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// `SendMessageResponseHeader`: what a successful send answer carries,
/// borrowed from the response's extFields (nothing is copied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendMessageResponseHeader<'a> {
    /// The broker's id of the stored message (`offsetMsgId`); for batches a
    /// comma-separated list.
    pub msg_id: &'a str,
    /// Queue the message was stored in.
    pub queue_id: i32,
    /// Consume-queue offset.
    pub queue_offset: i64,
    /// The message's transaction id (its `UNIQ_KEY`), when the broker sends one.
    pub transaction_id: Option<&'a str>,
    /// The broker's region (`MSG_REGION`), when sent.
    pub region_id: Option<&'a str>,
}

impl<'a> SendMessageResponseHeader<'a> {
    /// Reads the header from a response's extFields; the strings borrow
    /// from `cmd`. Missing or non-numeric required fields are an
    /// [`ErrorKind::Internal`] error.
    pub fn decode(cmd: &'a RemotingCommand) -> Result<SendMessageResponseHeader<'a>> {
        let missing = |f: &str| {
            Error::new(
                ErrorKind::Internal,
                format!("send response lacks a valid {}", f),
            )
        };
        // One pass over the fields (a repeated key's last value wins).
        let (mut msg_id, mut queue_id, mut queue_offset) = (None, None, None);
        let (mut transaction_id, mut region_id) = (None, None);
        for (k, v) in cmd.ext_fields.iter() {
            let k = k.as_bytes();
            if same_bytes(k, b"msgId") {
                msg_id = Some(v);
            } else if same_bytes(k, b"queueId") {
                queue_id = Some(v);
            } else if same_bytes(k, b"queueOffset") {
                queue_offset = Some(v);
            } else if same_bytes(k, b"transactionId") {
                transaction_id = Some(v);
            } else if same_bytes(k, b"MSG_REGION") {
                region_id = Some(v);
            }
        }
        Ok(SendMessageResponseHeader {
            msg_id: msg_id.ok_or_else(|| missing("msgId"))?,
            queue_id: queue_id
                .and_then(parse_int)
                .and_then(|v| i32::try_from(v).ok())
                .ok_or_else(|| missing("queueId"))?,
            queue_offset: queue_offset
                .and_then(parse_int)
                .ok_or_else(|| missing("queueOffset"))?,
            transaction_id,
            region_id,
        })
    }
}

/// A decimal integer as Java's `Long.parseLong` reads it (what
/// `str::parse` accepts): up to 18 plain digits inline, anything else
/// (signs, longer numbers, junk) through `str::parse`.
fn parse_int(v: &str) -> Option<i64> {
    let b = v.as_bytes();
    if !b.is_empty() && b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        return Some(b.iter().fold(0i64, |n, &d| n * 10 + i64::from(d - b'0')));
    }
    v.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_header_fields() {
        let constants = SendHeaderConstants::new("g\"roup", "TBW102", 4);
        let h = SendMessageRequestHeader {
            constants: &constants,
            topic: "t",
            queue_id: 3,
            sys_flag: 0x301,
            born_timestamp: 1700000000000,
            flag: 0,
            properties: "WAIT\u{1}true\u{2}",
            batch: false,
            broker_name: "broker-a",
        };
        let mut frame = Vec::new();
        crate::codec::encode_frame_with(&mut frame, 310, 1, 0, None, b"", |w| h.write_fields(w));
        let cmd = crate::codec::decode_frame(&mut bytes::BytesMut::from(&frame[..]))
            .unwrap()
            .unwrap();
        let names: Vec<&str> = cmd.ext_fields.iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "m", "n"]
        );
        assert_eq!(cmd.ext("a"), Some("g\"roup"));
        assert_eq!(cmd.ext("c"), Some("TBW102"));
        assert_eq!(cmd.ext("d"), Some("4"));
        assert_eq!(cmd.ext("j"), Some("0"));
        assert_eq!(cmd.ext("f"), Some("769"));
        // The signing sink gets the same pairs, in the same order.
        let mut pairs: Vec<(String, String)> = Vec::new();
        h.write_fields(&mut pairs);
        let signed: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let sent: Vec<(&str, &str)> = cmd.ext_fields.iter().collect();
        assert_eq!(signed, sent);
        assert_eq!(cmd.ext("g"), Some("1700000000000"));
        assert_eq!(cmd.ext("i"), Some("WAIT\u{1}true\u{2}"));
        assert_eq!(cmd.ext("k"), Some("false"));
    }

    #[test]
    fn response_header() {
        let mut cmd = RemotingCommand::default();
        cmd.ext_fields.insert("msgId".into(), "ID".into());
        cmd.ext_fields.insert("queueId".into(), "2".into());
        cmd.ext_fields.insert("queueOffset".into(), "17".into());
        let h = SendMessageResponseHeader::decode(&cmd).unwrap();
        assert_eq!(
            (h.queue_id, h.queue_offset, h.transaction_id),
            (2, 17, None)
        );
        cmd.ext_fields.insert("queueOffset".into(), "x".into());
        assert!(SendMessageResponseHeader::decode(&cmd).is_err());
        for (text, value) in [
            ("0", Some(0)),
            ("007", Some(7)),
            ("123456789012345678", Some(123_456_789_012_345_678)),
            ("9223372036854775807", Some(i64::MAX)),
            ("9223372036854775808", None),
            ("-5", Some(-5)),
            ("+5", Some(5)),
            ("", None),
            ("1 ", None),
        ] {
            assert_eq!(parse_int(text), value, "{:?}", text);
            assert_eq!(parse_int(text), text.parse().ok(), "{:?}", text);
        }
        cmd.ext_fields.insert("queueOffset".into(), "5".into());
        cmd.ext_fields.insert("queueId".into(), "2147483648".into());
        assert!(SendMessageResponseHeader::decode(&cmd).is_err());
    }
}
