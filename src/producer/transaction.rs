//! Transactions (Java `TransactionMQProducer`):
//! the half message's preparation, the END_TRANSACTION header, and the
//! broker's check-back answered through the user's checker.

use std::sync::Arc;

use super::config::ProducerConfig;
use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind, Result};
use crate::message::{self, Message, PreparedMessage};
use crate::protocol::header::bool_str;
use crate::protocol::message_ext::MessageExt;
use crate::protocol::message_id::decode_offset_msg_id;
use crate::protocol::properties::names;
use crate::protocol::sys_flag;
use crate::result::SendResult;

/// The outcome of a local transaction (Java `LocalTransactionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum TransactionState {
    /// Make the message visible.
    Commit = 0,
    /// Drop the message.
    Rollback = 1,
    /// Not known yet: the broker asks again later (check-back).
    Unknown = 2,
}

impl TransactionState {
    /// The `commitOrRollback` value on the wire: 8 commit, 12 rollback, 0 unknown.
    pub fn wire_value(self) -> i32 {
        match self {
            TransactionState::Commit => 8,
            TransactionState::Rollback => 12,
            TransactionState::Unknown => 0,
        }
    }
}

/// Decides the state of a transaction the broker asks about. Runs on the
/// producer's callback thread. Mirrors Java
/// `TransactionListener.checkLocalTransaction`.
pub type TransactionChecker = Arc<dyn Fn(&MessageExt) -> TransactionState + Send + Sync>;

/// Prepares a half message: the checks and encoding of a plain send, no
/// delay level, properties `TRAN_MSG=true` and `PGROUP=<group>`, sysFlag
/// TRANSACTION_PREPARED (Java `sendMessageInTransaction`).
pub fn prepare_half(msg: &Message, config: &ProducerConfig) -> Result<PreparedMessage> {
    let mut plain = msg.clone();
    plain.set_delay_level(0)?;
    let mut prepared = message::prepare(&plain, &config.prepare_options())?;
    prepared.add_properties([
        (names::TRAN_MSG, "true"),
        (names::PGROUP, config.producer_group.as_str()),
    ]);
    prepared.sys_flag |= sys_flag::TRANSACTION_PREPARED;
    Ok(prepared)
}

/// The END_TRANSACTION extFields after a local transaction
/// (`fromTransactionCheck=false`), from the half message's send result.
/// Errors: [`ErrorKind::Internal`] if the offsetMsgId does not decode.
pub fn end_fields_after_send(
    group: &str,
    topic: &str,
    result: &SendResult,
    state: TransactionState,
) -> Result<Vec<(&'static str, String)>> {
    let offset = decode_offset_msg_id(&result.offset_msg_id).ok_or_else(|| {
        Error::new(
            ErrorKind::Internal,
            format!("cannot decode offsetMsgId {:?}", result.offset_msg_id),
        )
    })?;
    Ok(vec![
        ("topic", topic.to_string()),
        ("producerGroup", group.to_string()),
        ("tranStateTableOffset", result.queue_offset.to_string()),
        ("commitLogOffset", offset.commit_log_offset.to_string()),
        ("commitOrRollback", state.wire_value().to_string()),
        ("fromTransactionCheck", bool_str(false).to_string()),
        ("msgId", result.msg_id.clone()),
        (
            "transactionId",
            result
                .transaction_id
                .clone()
                .unwrap_or_else(|| result.msg_id.clone()),
        ),
        ("bname", result.message_queue.broker_name.to_string()),
    ])
}

/// The END_TRANSACTION extFields answering a CHECK_TRANSACTION_STATE
/// request (`fromTransactionCheck=true`), Java `checkTransactionState`.
pub fn end_fields_after_check(
    group: &str,
    check: &RemotingCommand,
    msg: &MessageExt,
    state: TransactionState,
) -> Vec<(&'static str, String)> {
    let ext = |k: &str| check.ext(k).unwrap_or("").to_string();
    let msg_id = msg
        .property(names::UNIQ_KEY)
        .map(str::to_string)
        .unwrap_or_else(|| ext("msgId"));
    vec![
        ("topic", ext("topic")),
        ("producerGroup", group.to_string()),
        ("tranStateTableOffset", ext("tranStateTableOffset")),
        ("commitLogOffset", ext("commitLogOffset")),
        ("commitOrRollback", state.wire_value().to_string()),
        ("fromTransactionCheck", bool_str(true).to_string()),
        ("msgId", msg_id),
        ("transactionId", ext("transactionId")),
        ("bname", ext("bname")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::properties;
    use crate::routing::MessageQueue;

    #[test]
    fn half_message_properties() {
        let mut m = Message::new("T", &b"x"[..]);
        m.set_delay_level(3).unwrap();
        let config = ProducerConfig {
            producer_group: "G".into(),
            ..Default::default()
        };
        let p = prepare_half(&m, &config).unwrap();
        let props = properties::decode(p.properties());
        let get = |k: &str| props.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("TRAN_MSG"), Some("true"));
        assert_eq!(get("PGROUP"), Some("G"));
        assert_eq!(get("DELAY"), None);
        assert_eq!(p.sys_flag & 0x4, 0x4);
    }

    #[test]
    fn end_fields() {
        let r = SendResult {
            status: crate::result::SendStatus::SendOk,
            msg_id: "UNIQ".into(),
            offset_msg_id: "C0A8000100002A9F000000000012D687".into(),
            message_queue: MessageQueue {
                topic: "T".into(),
                broker_name: "b".into(),
                queue_id: 0,
            },
            queue_offset: 5,
            transaction_id: Some("TX".into()),
            region_id: None,
        };
        let f = end_fields_after_send("G", "T", &r, TransactionState::Rollback).unwrap();
        let get = |k: &str| f.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("commitLogOffset"), Some("1234567"));
        assert_eq!(get("tranStateTableOffset"), Some("5"));
        assert_eq!(get("commitOrRollback"), Some("12"));
        assert_eq!(get("fromTransactionCheck"), Some("false"));
        assert_eq!(get("transactionId"), Some("TX"));
        let mut bad = r.clone();
        bad.offset_msg_id = "zz".into();
        assert!(end_fields_after_send("G", "T", &bad, TransactionState::Commit).is_err());
    }
}
