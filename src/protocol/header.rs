//! Typed request and response headers (`shared/docs/protocol.md` §3, §8).
//! Each request header turns into the `extFields` pairs the Java client sends;
//! every value is a string, booleans are "true"/"false".

use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind, Result};

/// `SendMessageRequestHeaderV2` (Java `SendMessageRequestHeaderV2`): the
/// single-letter field names of SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE.
#[derive(Debug, Clone)]
pub struct SendMessageRequestHeader<'a> {
    /// `a`: producer group.
    pub producer_group: &'a str,
    /// `b`: topic.
    pub topic: &'a str,
    /// `c`: the auto-create template topic (`TBW102`).
    pub default_topic: &'a str,
    /// `d`: queue count for an auto-created topic.
    pub default_topic_queue_nums: i32,
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
    /// `j`: reconsume times (0 for producers).
    pub reconsume_times: i32,
    /// `k`: unit mode.
    pub unit_mode: bool,
    /// `m`: batch.
    pub batch: bool,
    /// `n`: broker name of the target queue.
    pub broker_name: &'a str,
}

impl crate::codec::WriteFields for SendMessageRequestHeader<'_> {
    /// Writes the extFields, in the order Java's fastjson writes them.
    fn write_fields<S: crate::codec::FieldSink>(&self, w: &mut S) {
        w.str("a", self.producer_group);
        w.str("b", self.topic);
        w.str("c", self.default_topic);
        w.int("d", self.default_topic_queue_nums as i64);
        w.int("e", self.queue_id as i64);
        w.int("f", self.sys_flag as i64);
        w.int("g", self.born_timestamp);
        w.int("h", self.flag as i64);
        w.str("i", self.properties);
        w.int("j", self.reconsume_times as i64);
        w.bool("k", self.unit_mode);
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
            match k {
                "msgId" => msg_id = Some(v),
                "queueId" => queue_id = Some(v),
                "queueOffset" => queue_offset = Some(v),
                "transactionId" => transaction_id = Some(v),
                "MSG_REGION" => region_id = Some(v),
                _ => {}
            }
        }
        Ok(SendMessageResponseHeader {
            msg_id: msg_id.ok_or_else(|| missing("msgId"))?,
            queue_id: queue_id
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| missing("queueId"))?,
            queue_offset: queue_offset
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| missing("queueOffset"))?,
            transaction_id,
            region_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_header_fields() {
        let h = SendMessageRequestHeader {
            producer_group: "g",
            topic: "t",
            default_topic: "TBW102",
            default_topic_queue_nums: 4,
            queue_id: 3,
            sys_flag: 0x301,
            born_timestamp: 1700000000000,
            flag: 0,
            properties: "WAIT\u{1}true\u{2}",
            reconsume_times: 0,
            unit_mode: false,
            batch: false,
            broker_name: "broker-a",
        };
        let mut frame = Vec::new();
        crate::codec::encode_frame_with(&mut frame, 310, 1, 0, None, b"", |w| {
            crate::codec::WriteFields::write_fields(&h, w)
        });
        let cmd = crate::codec::decode_frame(&mut bytes::BytesMut::from(&frame[..]))
            .unwrap()
            .unwrap();
        let names: Vec<&str> = cmd.ext_fields.iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "m", "n"]
        );
        assert_eq!(cmd.ext("f"), Some("769"));
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
    }
}
