//! Request-reply (Java `DefaultMQProducer.request`, `MessageUtil.createReplyMessage`):
//! a request carries CORRELATION_ID,
//! REPLY_TO_CLIENT and TTL; the responder sends a reply message to
//! `<CLUSTER>_REPLY_TOPIC`, which the broker pushes to the requester
//! (PUSH_REPLY_MESSAGE_TO_CLIENT) on the connection it heartbeats on.

use std::net::SocketAddr;

use bytes::Bytes;
use crossbeam_channel::Sender;

use crate::client::callbacks::CallbackSender;
use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind, Result};
use crate::message::Message;
use crate::protocol::message_ext::{decompress, MessageExt};
use crate::protocol::message_id::UniqIdGenerator;
use crate::protocol::properties;

pub use crate::protocol::properties::names::{
    CLUSTER, CORRELATION_ID, MSG_TYPE, REPLY_TO_CLIENT, TTL,
};

/// Outcome callback of an async request; runs on the callback thread.
pub type ReplyCallback = Box<dyn FnOnce(Result<MessageExt>) + Send + 'static>;

/// Where a reply goes.
pub(crate) enum ReplyCompletion {
    /// A caller blocked in `request`.
    Sync(Sender<Result<MessageExt>>),
    /// A callback, run on the callback thread.
    Callback(ReplyCallback, CallbackSender),
}

impl ReplyCompletion {
    /// Delivers the reply (or the error).
    pub(crate) fn complete(self, outcome: Result<MessageExt>) {
        match self {
            ReplyCompletion::Sync(tx) => {
                let _ = tx.send(outcome);
            }
            ReplyCompletion::Callback(cb, tx) => tx.run(Box::new(move || cb(outcome))),
        }
    }
}

/// A fresh correlation id.
pub fn new_correlation_id() -> String {
    format!(
        "{}-{:08x}",
        UniqIdGenerator::global().next_id(),
        crate::protocol::message_id::process_random()
    )
}

/// The request properties for a requester `client_id` waiting `ttl_ms`.
pub fn request_properties(
    correlation_id: &str,
    client_id: &str,
    ttl_ms: u64,
) -> Vec<(String, String)> {
    vec![
        (CORRELATION_ID.to_string(), correlation_id.to_string()),
        (REPLY_TO_CLIENT.to_string(), client_id.to_string()),
        (TTL.to_string(), ttl_ms.to_string()),
    ]
}

/// The reply to `request` with `body` (Java `MessageUtil.createReplyMessage`):
/// topic `<CLUSTER>_REPLY_TOPIC`, `MSG_TYPE=reply`, and the request's
/// CORRELATION_ID, REPLY_TO_CLIENT and TTL.
/// Errors: [`ErrorKind::InvalidMessage`] when the request lacks the
/// CLUSTER or CORRELATION_ID property (it was not a stored request).
pub fn reply_message(request: &MessageExt, body: impl Into<Bytes>) -> Result<Message> {
    let cluster = request.property(CLUSTER).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidMessage,
            "the request has no CLUSTER property; cannot reply",
        )
    })?;
    let correlation = request.property(CORRELATION_ID).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidMessage,
            "the request has no CORRELATION_ID; it is not a request",
        )
    })?;
    let mut m = Message::new(format!("{}_REPLY_TOPIC", cluster), body);
    m.set_system_property(MSG_TYPE, "reply");
    m.set_system_property(CORRELATION_ID, correlation);
    for key in [REPLY_TO_CLIENT, TTL] {
        if let Some(v) = request.property(key) {
            m.set_system_property(key, v);
        }
    }
    Ok(m)
}

fn host(s: Option<&str>) -> SocketAddr {
    s.and_then(|v| {
        v.parse::<SocketAddr>().ok().or_else(|| {
            // IPv6 without brackets, as Java's getHostAddress writes it.
            let (ip, port) = v.rsplit_once(':')?;
            Some(SocketAddr::new(ip.parse().ok()?, port.parse().ok()?))
        })
    })
    .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)))
}

/// Decodes a PUSH_REPLY_MESSAGE_TO_CLIENT request into the reply message.
/// Errors: a body that does not decompress.
pub fn decode_pushed_reply(cmd: &RemotingCommand) -> Result<MessageExt> {
    let num = |k: &str| cmd.ext(k).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let mut sys_flag = num("sysFlag") as i32;
    let mut body = cmd.body.clone();
    if sys_flag & crate::protocol::sys_flag::COMPRESSED != 0 {
        body = Bytes::from(decompress(&body, sys_flag)?);
        sys_flag &= !crate::protocol::sys_flag::COMPRESSED;
    }
    Ok(MessageExt {
        topic: cmd.ext("topic").unwrap_or("").into(),
        queue_id: num("queueId") as i32,
        flag: num("flag") as i32,
        queue_offset: 0,
        commit_log_offset: 0,
        sys_flag,
        born_timestamp: num("bornTimestamp"),
        born_host: host(cmd.ext("bornHost")),
        store_timestamp: num("storeTimestamp"),
        store_host: host(cmd.ext("storeHost")),
        reconsume_times: num("reconsumeTimes") as i32,
        prepared_transaction_offset: 0,
        body_crc: 0,
        body,
        properties: properties::Properties::from_bytes(Bytes::copy_from_slice(
            cmd.ext("properties").unwrap_or("").as_bytes(),
        )),
        offset_msg_id: Default::default(),
        broker_name: Default::default(),
        store_size: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_copies_the_request_properties() {
        let mut req = crate::protocol::message_ext::decode_one(Bytes::from(
            crate::protocol::message_ext::encode(&MessageExt {
                topic: "T".into(),
                queue_id: 0,
                flag: 0,
                queue_offset: 0,
                commit_log_offset: 0,
                sys_flag: 0,
                born_timestamp: 0,
                born_host: "1.2.3.4:5".parse().unwrap(),
                store_timestamp: 0,
                store_host: "1.2.3.4:6".parse().unwrap(),
                reconsume_times: 0,
                prepared_transaction_offset: 0,
                body_crc: 0,
                body: Bytes::from_static(b"q"),
                properties: properties::Properties::from_pairs([
                    ("CLUSTER", "DefaultCluster"),
                    ("CORRELATION_ID", "c1"),
                    ("REPLY_TO_CLIENT", "me"),
                    ("TTL", "3000"),
                ]),
                offset_msg_id: Default::default(),
                broker_name: Default::default(),
                store_size: 0,
            }),
        ))
        .unwrap();
        let r = reply_message(&req, &b"a"[..]).unwrap();
        assert_eq!(r.topic(), "DefaultCluster_REPLY_TOPIC");
        assert_eq!(r.system_property("MSG_TYPE"), Some("reply"));
        assert_eq!(r.system_property("CORRELATION_ID"), Some("c1"));
        assert_eq!(r.system_property("REPLY_TO_CLIENT"), Some("me"));
        req.properties.retain(|k, _| k != "CLUSTER");
        assert!(reply_message(&req, &b"a"[..]).is_err());
        assert_eq!(host(Some("fe80::1:10911")).port(), 10911);
    }
}
