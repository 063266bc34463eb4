//! Message trace records and their wire text (Java `TraceContext`,
//! `TraceBean`, `TraceDataEncoder.encoderFromContextBean`): fields joined
//! by `\u{1}` (`CONTENT_SPLITOR`), each record ended by `\u{2}`
//! (`FIELD_SPLITOR`), as the RocketMQ console and `TraceDataEncoder.
//! decoderFromTraceDataString` read them.

use std::fmt::Write;

/// Java `TraceConstants.CONTENT_SPLITOR`: between the fields of a record.
pub const CONTENT_SPLITOR: char = '\u{1}';
/// Java `TraceConstants.FIELD_SPLITOR`: after each record.
pub const FIELD_SPLITOR: char = '\u{2}';
/// The default trace topic (Java `TopicValidator.RMQ_SYS_TRACE_TOPIC`).
pub const RMQ_SYS_TRACE_TOPIC: &str = "RMQ_SYS_TRACE_TOPIC";

/// Java `MessageType` ordinals, as the `Pub` record carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// `Normal_Msg` (0).
    Normal = 0,
    /// `Trans_Msg_Half` (1).
    TransHalf = 1,
    /// `Trans_msg_Commit` (2).
    TransCommit = 2,
    /// `Delay_Msg` (3).
    Delay = 3,
}

/// One send's outcome (Java `TraceType.Pub`, from
/// `SendMessageTraceHookImpl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PubRecord {
    /// ms since the epoch when the send began.
    pub timestamp_ms: i64,
    /// The broker's region (`MSG_REGION` of the send result), else
    /// `DefaultRegion`.
    pub region_id: String,
    /// The producer group, without namespace.
    pub group: String,
    /// The message's topic, without namespace.
    pub topic: String,
    /// The client message id (`UNIQ_KEY`); empty when the send failed
    /// before one was answered.
    pub msg_id: String,
    /// The message's tags, empty for none.
    pub tags: String,
    /// The message's keys, space-separated as the `KEYS` property.
    pub keys: String,
    /// The storing broker's `ip:port` (from the offset message id).
    pub store_host: String,
    /// Body bytes as the user gave them.
    pub body_length: usize,
    /// ms the send took.
    pub cost_ms: u64,
    /// Normal, delayed, transactional.
    pub msg_type: MessageType,
    /// The broker's offset message id.
    pub offset_msg_id: String,
    /// Whether the broker answered `SEND_OK`.
    pub success: bool,
}

/// A consume's start or end (Java `TraceType.SubBefore` /
/// `SubAfter`, from `ConsumeMessageTraceHookImpl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubRecord {
    /// ms since the epoch (start of the listener call).
    pub timestamp_ms: i64,
    /// The message's `MSG_REGION`, else `DefaultRegion`.
    pub region_id: String,
    /// The consumer group, without namespace.
    pub group: String,
    /// Shared by the before and after records of one listener call.
    pub request_id: String,
    /// The client message id (`UNIQ_KEY`, else the offset id).
    pub msg_id: String,
    /// The message's reconsume times.
    pub retry_times: i32,
    /// The message's keys (`KEYS`).
    pub keys: String,
    /// After only: ms per message of the call.
    pub cost_ms: u64,
    /// After only: whether the listener answered success.
    pub success: bool,
    /// After only: Java `ConsumeReturnType` ordinal (0 SUCCESS,
    /// 2 EXCEPTION, 4 FAILED).
    pub context_code: i32,
}

/// A trace record, as the dispatcher queues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceRecord {
    /// `Pub`.
    Pub(PubRecord),
    /// `SubBefore`.
    SubBefore(SubRecord),
    /// `SubAfter`.
    SubAfter(SubRecord),
}

impl TraceRecord {
    /// Appends the record's wire text to `out` (Java
    /// `encoderFromContextBean`, non-cloud access channel).
    pub fn encode(&self, out: &mut String) {
        let c = CONTENT_SPLITOR;
        // Writing to a String cannot fail.
        let _ = match self {
            TraceRecord::Pub(p) => write!(
                out,
                "Pub{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}",
                p.timestamp_ms,
                p.region_id,
                p.group,
                p.topic,
                p.msg_id,
                p.tags,
                p.keys,
                p.store_host,
                p.body_length,
                p.cost_ms,
                p.msg_type as i32,
                p.offset_msg_id,
                p.success,
            ),
            TraceRecord::SubBefore(s) => write!(
                out,
                "SubBefore{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}",
                s.timestamp_ms, s.region_id, s.group, s.request_id, s.msg_id, s.retry_times, s.keys,
            ),
            TraceRecord::SubAfter(s) => write!(
                out,
                "SubAfter{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}{c}{}",
                s.request_id,
                s.msg_id,
                s.cost_ms,
                s.success,
                s.keys,
                s.context_code,
                s.timestamp_ms,
                s.group,
            ),
        };
        out.push(FIELD_SPLITOR);
    }

    /// The keys the trace message gets for this record (Java
    /// `TraceTransferBean.transKey`): the message id and each message key,
    /// so that the console finds the record by either.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        let (msg_id, keys) = match self {
            TraceRecord::Pub(p) => (&p.msg_id, &p.keys),
            TraceRecord::SubBefore(s) | TraceRecord::SubAfter(s) => (&s.msg_id, &s.keys),
        };
        std::iter::once(msg_id.as_str())
            .chain(keys.split(' '))
            .filter(|k| !k.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pub_has_java_fields_in_order() {
        let r = TraceRecord::Pub(PubRecord {
            timestamp_ms: 1,
            region_id: "R".into(),
            group: "G".into(),
            topic: "T".into(),
            msg_id: "M".into(),
            tags: "".into(),
            keys: "k1 k2".into(),
            store_host: "1.2.3.4:5".into(),
            body_length: 3,
            cost_ms: 4,
            msg_type: MessageType::Delay,
            offset_msg_id: "O".into(),
            success: true,
        });
        let mut s = String::new();
        r.encode(&mut s);
        let fields: Vec<&str> = s
            .trim_end_matches(FIELD_SPLITOR)
            .split(CONTENT_SPLITOR)
            .collect();
        assert_eq!(
            fields,
            [
                "Pub",
                "1",
                "R",
                "G",
                "T",
                "M",
                "",
                "k1 k2",
                "1.2.3.4:5",
                "3",
                "4",
                "3",
                "O",
                "true"
            ]
        );
        assert_eq!(r.keys().collect::<Vec<_>>(), ["M", "k1", "k2"]);
    }
}
