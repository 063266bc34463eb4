//! RocketMQ's wire vocabulary: request and response codes,
//! permission and sysFlag bits, typed headers, route data, message ids and
//! the properties string. Knows bytes and names, never sockets or threads.
//!
//! Numbers are from the Java reference (`RequestCode`, `ResponseCode`,
//! `MessageSysFlag`, `PermName`).

pub mod header;
pub mod heartbeat;
pub mod message_ext;
pub mod message_id;
pub mod properties;
pub mod pull;
pub mod route;

/// Request codes (`org.apache.rocketmq.remoting.protocol.RequestCode`).
pub mod request_code {
    /// SEND_MESSAGE (V1 header names).
    pub const SEND_MESSAGE: i32 = 10;
    /// HEART_BEAT: client → broker, HeartbeatData body.
    pub const HEART_BEAT: i32 = 34;
    /// UNREGISTER_CLIENT: client → broker on shutdown.
    pub const UNREGISTER_CLIENT: i32 = 35;
    /// END_TRANSACTION (oneway).
    pub const END_TRANSACTION: i32 = 37;
    /// CHECK_TRANSACTION_STATE: broker → client.
    pub const CHECK_TRANSACTION_STATE: i32 = 39;
    /// GET_ROUTEINFO_BY_TOPIC: client → namesrv.
    pub const GET_ROUTEINFO_BY_TOPIC: i32 = 105;
    /// SEND_MESSAGE_V2 (single-letter header names).
    pub const SEND_MESSAGE_V2: i32 = 310;
    /// SEND_REPLY_MESSAGE_V2: a reply, pushed to its requester.
    pub const SEND_REPLY_MESSAGE_V2: i32 = 325;
    /// SEND_BATCH_MESSAGE.
    pub const SEND_BATCH_MESSAGE: i32 = 320;
    /// PUSH_REPLY_MESSAGE_TO_CLIENT: broker → client.
    pub const PUSH_REPLY_MESSAGE_TO_CLIENT: i32 = 326;
    /// PULL_MESSAGE: client → broker, long polling.
    pub const PULL_MESSAGE: i32 = 11;
    /// QUERY_CONSUMER_OFFSET: a group's committed offset of a queue.
    pub const QUERY_CONSUMER_OFFSET: i32 = 14;
    /// UPDATE_CONSUMER_OFFSET: commit a group's offset of a queue.
    pub const UPDATE_CONSUMER_OFFSET: i32 = 15;
    /// SEARCH_OFFSET_BY_TIMESTAMP: the offset of a queue at a time.
    pub const SEARCH_OFFSET_BY_TIMESTAMP: i32 = 29;
    /// GET_MAX_OFFSET: a queue's next offset.
    pub const GET_MAX_OFFSET: i32 = 30;
    /// GET_MIN_OFFSET: a queue's smallest offset.
    pub const GET_MIN_OFFSET: i32 = 31;
    /// GET_CONSUMER_LIST_BY_GROUP: the client ids of a group.
    pub const GET_CONSUMER_LIST_BY_GROUP: i32 = 38;
    /// NOTIFY_CONSUMER_IDS_CHANGED: broker → client, oneway.
    pub const NOTIFY_CONSUMER_IDS_CHANGED: i32 = 40;
    /// RESET_CONSUMER_CLIENT_OFFSET: broker → client, oneway.
    pub const RESET_CONSUMER_CLIENT_OFFSET: i32 = 220;
    /// GET_CONSUMER_STATUS_FROM_CLIENT: broker → client.
    pub const GET_CONSUMER_STATUS_FROM_CLIENT: i32 = 221;
    /// GET_CONSUMER_RUNNING_INFO: broker → client (relayed from an admin).
    pub const GET_CONSUMER_RUNNING_INFO: i32 = 307;
    /// CONSUME_MESSAGE_DIRECTLY: broker → client (relayed from an admin).
    pub const CONSUME_MESSAGE_DIRECTLY: i32 = 309;
    /// LOCK_BATCH_MQ: orderly consumers lock their queues on the broker.
    pub const LOCK_BATCH_MQ: i32 = 41;
    /// UNLOCK_BATCH_MQ: releases queue locks.
    pub const UNLOCK_BATCH_MQ: i32 = 42;
    /// CONSUMER_SEND_MSG_BACK: a consumed message back for a retry.
    pub const CONSUMER_SEND_MSG_BACK: i32 = 36;
}

/// Response codes (`RemotingSysResponseCode` + `ResponseCode`).
pub mod response_code {
    /// OK.
    pub const SUCCESS: i32 = 0;
    /// Generic failure.
    pub const SYSTEM_ERROR: i32 = 1;
    /// Flow control.
    pub const SYSTEM_BUSY: i32 = 2;
    /// Unknown request code.
    pub const REQUEST_CODE_NOT_SUPPORTED: i32 = 3;
    /// Stored, sync flush timed out (a send status, not an error).
    pub const FLUSH_DISK_TIMEOUT: i32 = 10;
    /// Stored, no slave available (a send status).
    pub const SLAVE_NOT_AVAILABLE: i32 = 11;
    /// Stored, slave sync timed out (a send status).
    pub const FLUSH_SLAVE_TIMEOUT: i32 = 12;
    /// Bad message.
    pub const MESSAGE_ILLEGAL: i32 = 13;
    /// Store not writable / broker shutting down.
    pub const SERVICE_NOT_AVAILABLE: i32 = 14;
    /// Version not supported.
    pub const VERSION_NOT_SUPPORTED: i32 = 15;
    /// Topic or broker not writable, ACL denied.
    pub const NO_PERMISSION: i32 = 16;
    /// Topic unknown (namesrv) or not auto-creatable (broker).
    pub const TOPIC_NOT_EXIST: i32 = 17;
    /// Pull: nothing new at the offset (also the end of a long poll).
    pub const PULL_NOT_FOUND: i32 = 19;
    /// Pull: nothing matched the subscription in the scanned range.
    pub const PULL_RETRY_IMMEDIATELY: i32 = 20;
    /// Pull: the offset is out of the queue's range.
    pub const PULL_OFFSET_MOVED: i32 = 21;
    /// QUERY_CONSUMER_OFFSET: the group has no offset for the queue.
    pub const QUERY_NOT_FOUND: i32 = 22;
    /// Invalid parameter (bad topic, bad queue id, header decode error).
    pub const INVALID_PARAMETER: i32 = 29;
    /// The broker's flow control (retry after 20 ms).
    pub const FLOW_CONTROL: i32 = 215;
    /// Buyer id missing.
    pub const NO_BUYER_ID: i32 = 204;
    /// Not in current unit.
    pub const NOT_IN_CURRENT_UNIT: i32 = 205;
    /// Server going away (retry elsewhere).
    pub const GO_AWAY: i32 = 1500;
}

/// The response codes on which the Java producer retries a send on another
/// broker (`DefaultMQProducer.retryResponseCodes`).
pub fn is_retriable_response(code: i32) -> bool {
    use response_code::*;
    matches!(
        code,
        TOPIC_NOT_EXIST
            | SERVICE_NOT_AVAILABLE
            | SYSTEM_ERROR
            | SYSTEM_BUSY
            | NO_PERMISSION
            | NO_BUYER_ID
            | NOT_IN_CURRENT_UNIT
            | GO_AWAY
    )
}

/// The error for an error response `code` with `remark` from the peer at
/// `addr` (a broker or NameServer): [`crate::error::ErrorKind::Broker`],
/// the code and its Java name in the message.
pub fn broker_error(code: i32, remark: &str, addr: &str) -> crate::error::Error {
    crate::error::Error::broker(code, response_code_name(code), remark, addr)
}

/// The Java name of a response code, or `"UNKNOWN"`.
pub fn response_code_name(code: i32) -> &'static str {
    match code {
        0 => "SUCCESS",
        1 => "SYSTEM_ERROR",
        2 => "SYSTEM_BUSY",
        3 => "REQUEST_CODE_NOT_SUPPORTED",
        4 => "TRANSACTION_FAILED",
        10 => "FLUSH_DISK_TIMEOUT",
        11 => "SLAVE_NOT_AVAILABLE",
        12 => "FLUSH_SLAVE_TIMEOUT",
        13 => "MESSAGE_ILLEGAL",
        14 => "SERVICE_NOT_AVAILABLE",
        15 => "VERSION_NOT_SUPPORTED",
        16 => "NO_PERMISSION",
        17 => "TOPIC_NOT_EXIST",
        18 => "TOPIC_EXIST_ALREADY",
        19 => "PULL_NOT_FOUND",
        20 => "PULL_RETRY_IMMEDIATELY",
        21 => "PULL_OFFSET_MOVED",
        22 => "QUERY_NOT_FOUND",
        23 => "SUBSCRIPTION_PARSE_FAILED",
        24 => "SUBSCRIPTION_NOT_EXIST",
        25 => "SUBSCRIPTION_NOT_LATEST",
        26 => "SUBSCRIPTION_GROUP_NOT_EXIST",
        29 => "INVALID_PARAMETER",
        215 => "FLOW_CONTROL",
        204 => "NO_BUYER_ID",
        205 => "NOT_IN_CURRENT_UNIT",
        501 => "NOT_LEADER_FOR_QUEUE",
        604 => "ILLEGAL_OPERATION",
        1500 => "GO_AWAY",
        _ => "UNKNOWN",
    }
}

/// The `LanguageCode` table and the MQVersion this client sends are part of
/// the remoting frame header: they live in [`crate::codec`], re-exported here.
pub use crate::codec::{CLIENT_VERSION, LANGUAGE_NAMES, LANGUAGE_RUST};

/// Permission bits of a queue (`PermName`).
pub mod perm {
    /// Readable.
    pub const READ: i32 = 0x4;
    /// Writable.
    pub const WRITE: i32 = 0x2;
    /// Topics may inherit from it (TBW102).
    pub const INHERIT: i32 = 0x1;
}

/// `MessageSysFlag` bits a producer sets.
pub mod sys_flag {
    /// The body is compressed.
    pub const COMPRESSED: i32 = 0x1;
    /// A transaction half message.
    pub const TRANSACTION_PREPARED: i32 = 0x4;
    /// Born host is IPv6.
    pub const BORNHOST_V6: i32 = 0x10;
    /// Store host is IPv6.
    pub const STOREHOST_V6: i32 = 0x20;
    /// Compression type: ZLIB (5.x type bits, together with COMPRESSED).
    pub const COMPRESSION_ZLIB: i32 = 0x300;
}

/// The topic the broker uses as a template for auto-created topics.
pub const AUTO_CREATE_TOPIC_KEY: &str = "TBW102";
/// The internal producer group the Java client always lists in heartbeats.
pub const CLIENT_INNER_PRODUCER_GROUP: &str = "CLIENT_INNER_PRODUCER";
/// The default producer group (`MixAll.DEFAULT_PRODUCER_GROUP`).
pub const DEFAULT_PRODUCER_GROUP: &str = "DEFAULT_PRODUCER";
