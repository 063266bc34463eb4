//! One PULL_MESSAGE: its request header (Java `PullAPIWrapper.pullKernelImpl`,
//! `PullMessageRequestHeader`) and what its response holds (Java
//! `PullAPIWrapper.processPullResult`): the status, the offsets, and the
//! messages decoded, filtered by tag on the client and unwrapped from the
//! namespace.

use std::sync::Arc;

use super::subscription::Subscription;
use crate::codec::{FieldSink, RemotingCommand, WriteFields};
use crate::error::Result;
use crate::protocol::message_ext::{self, MessageExt};
use crate::protocol::properties::names;
use crate::protocol::pull::{PullOffsets, PullStatus};
use crate::routing::MessageQueue;

pub use crate::protocol::pull::sys_flag;

/// What one pull found (Java `PullResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullResult {
    /// The status.
    pub status: PullStatus,
    /// Where the next pull starts.
    pub next_begin_offset: i64,
    /// The queue's smallest offset.
    pub min_offset: i64,
    /// The queue's next offset to be written.
    pub max_offset: i64,
    /// The messages that passed the subscription (FOUND only; may be empty
    /// when every scanned message was filtered out).
    pub messages: Vec<MessageExt>,
}

/// The parameters of one pull.
pub(crate) struct PullRequest<'a> {
    /// The consumer group (namespace-wrapped).
    pub group: &'a str,
    /// The queue (topic namespace-wrapped).
    pub mq: &'a MessageQueue,
    /// The subscription sent in the header.
    pub subscription: &'a Subscription,
    /// Where to start.
    pub offset: i64,
    /// Most messages to return.
    pub max_nums: u32,
    /// `PullSysFlag` bits.
    pub sys_flag: i32,
    /// How long the broker may hold the request, ms.
    pub suspend_ms: u64,
    /// `commitOffset` (with [`sys_flag::COMMIT_OFFSET`]).
    pub commit_offset: i64,
}

impl WriteFields for PullRequest<'_> {
    /// The header fields, as Java writes them. `subVersion` is 0: the
    /// subscription travels in the header (flag SUBSCRIPTION), as Java's
    /// pull and lite consumers send it. Written straight into the frame.
    fn write_fields<S: FieldSink>(&self, w: &mut S) {
        w.str("consumerGroup", self.group);
        w.str("topic", &self.mq.topic);
        w.int("queueId", self.mq.queue_id as i64);
        w.int("queueOffset", self.offset);
        w.int("maxMsgNums", self.max_nums as i64);
        w.int("sysFlag", self.sys_flag as i64);
        w.int("commitOffset", self.commit_offset);
        w.int("suspendTimeoutMillis", self.suspend_ms as i64);
        w.str("subscription", &self.subscription.expression);
        w.int("subVersion", 0);
        w.str("expressionType", "TAG");
    }
}

/// Reads a pull response for `mq`: None for an error code (the caller
/// decides how to retry), else the result with its messages filtered by
/// `subscription`, their `broker_name` set and their topic unwrapped from
/// `namespace`. Errors: a body that does not decode (never skipped: the
/// queue stays where it was).
pub(crate) fn read_response(
    resp: &RemotingCommand,
    mq: &MessageQueue,
    subscription: &Subscription,
    namespace: Option<&str>,
) -> Result<Option<PullResult>> {
    let Some(status) = PullStatus::of_code(resp.code) else {
        return Ok(None);
    };
    let offsets = PullOffsets::of(resp);
    let mut messages = Vec::new();
    if status == PullStatus::Found {
        messages = message_ext::decode_all(resp.body.clone())?;
        let broker: Arc<str> = mq.broker_name.clone();
        if !subscription.takes_all() {
            messages.retain(|m| subscription.matches(m.property(names::TAGS)));
        }
        let unwrap = namespace.filter(|n| !n.is_empty());
        // (stored topic, unwrapped topic) of the previous message: the
        // messages of one pull share both.
        let mut last: Option<(Arc<str>, Arc<str>)> = None;
        for m in &mut messages {
            m.broker_name = broker.clone();
            if let Some(ns) = unwrap {
                let bare = match &last {
                    Some((stored, bare)) if Arc::ptr_eq(stored, &m.topic) => bare.clone(),
                    _ => {
                        let bare: Arc<str> = crate::namespace::unwrap(Some(ns), &m.topic).into();
                        last = Some((m.topic.clone(), bare.clone()));
                        bare
                    }
                };
                m.topic = bare;
            }
        }
    }
    Ok(Some(PullResult {
        status,
        next_begin_offset: offsets.next_begin_offset,
        min_offset: offsets.min_offset,
        max_offset: offsets.max_offset,
        messages,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::ExtFields;
    use bytes::Bytes;

    fn record(offset: i64, tag: Option<&str>) -> Vec<u8> {
        let id = format!("ID{}", offset);
        let mut props = vec![("UNIQ_KEY", id.as_str())];
        if let Some(t) = tag {
            props.push(("TAGS", t));
        }
        message_ext::encode(&MessageExt {
            topic: "ns%T".into(),
            queue_id: 1,
            flag: 0,
            queue_offset: offset,
            commit_log_offset: 100 + offset,
            sys_flag: 0,
            born_timestamp: 1,
            born_host: "127.0.0.1:1".parse().unwrap(),
            store_timestamp: 2,
            store_host: "127.0.0.1:10911".parse().unwrap(),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body_crc: 0,
            body: Bytes::from_static(b"b"),
            properties: crate::protocol::properties::Properties::from_pairs(props),
            offset_msg_id: Default::default(),
            broker_name: Arc::default(),
            store_size: 0,
        })
    }

    #[test]
    fn found_messages_are_filtered_by_tag_and_unwrapped() {
        let mut body = record(5, Some("A"));
        body.extend(record(6, Some("B")));
        body.extend(record(7, None));
        let mut ext = ExtFields::default();
        ext.insert("nextBeginOffset".into(), "8".into());
        ext.insert("minOffset".into(), "0".into());
        ext.insert("maxOffset".into(), "9".into());
        let resp = RemotingCommand {
            code: 0,
            language: 0,
            version: 0,
            opaque: 1,
            flag: 1,
            remark: None,
            ext_fields: ext,
            body: Bytes::from(body),
        };
        let mq = MessageQueue {
            topic: "ns%T".into(),
            broker_name: "b1".into(),
            queue_id: 1,
        };
        let sub = Subscription::new("ns%T", "A", 0).unwrap();
        let r = read_response(&resp, &mq, &sub, Some("ns"))
            .unwrap()
            .unwrap();
        assert_eq!(r.status, PullStatus::Found);
        assert_eq!((r.next_begin_offset, r.max_offset), (8, 9));
        assert_eq!(r.messages.len(), 1);
        assert_eq!(r.messages[0].queue_offset, 5);
        assert_eq!(&*r.messages[0].topic, "T");
        assert_eq!(&*r.messages[0].broker_name, "b1");
        let all = Subscription::new("ns%T", "*", 0).unwrap();
        let r = read_response(&resp, &mq, &all, None).unwrap().unwrap();
        assert_eq!(r.messages.len(), 3);
        assert_eq!(&*r.messages[0].topic, "ns%T");
    }
}
