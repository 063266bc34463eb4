//! The outcome of a stored send (Java `SendResult`, `SendStatus`): public
//! types every layer above the message may name.

use crate::routing::MessageQueue;

/// How the broker stored a message (Java `SendStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum SendStatus {
    /// Stored.
    SendOk = 0,
    /// Stored; the synchronous disk flush timed out.
    FlushDiskTimeout = 1,
    /// Stored; replication to the slave timed out.
    FlushSlaveTimeout = 2,
    /// Stored; no slave was available for synchronous replication.
    SlaveNotAvailable = 3,
}

impl SendStatus {
    /// The Java name, e.g. `SEND_OK`.
    pub fn name(self) -> &'static str {
        match self {
            SendStatus::SendOk => "SEND_OK",
            SendStatus::FlushDiskTimeout => "FLUSH_DISK_TIMEOUT",
            SendStatus::FlushSlaveTimeout => "FLUSH_SLAVE_TIMEOUT",
            SendStatus::SlaveNotAvailable => "SLAVE_NOT_AVAILABLE",
        }
    }
}

/// The outcome of a successful send (Java `SendResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResult {
    /// Store status.
    pub status: SendStatus,
    /// The client message id (`UNIQ_KEY`).
    pub msg_id: String,
    /// The broker's message id (store host + commit-log offset).
    pub offset_msg_id: String,
    /// The queue the message was stored in.
    pub message_queue: MessageQueue,
    /// Offset in that queue.
    pub queue_offset: i64,
    /// Transaction id as the broker reports it (the `UNIQ_KEY`), if any.
    pub transaction_id: Option<String>,
    /// The broker's region, if reported.
    pub region_id: Option<String>,
}

impl SendResult {
    /// The result as borrowed fields (what the C API copies out).
    pub fn view(&self) -> SendResultView<'_> {
        SendResultView {
            status: self.status,
            msg_id: &self.msg_id,
            offset_msg_id: &self.offset_msg_id,
            topic: &self.message_queue.topic,
            broker_name: &self.message_queue.broker_name,
            queue_id: self.message_queue.queue_id,
            queue_offset: self.queue_offset,
            transaction_id: self.transaction_id.as_deref(),
            region_id: self.region_id.as_deref(),
        }
    }
}

/// The fields of a [`SendResult`], borrowed: from a `SendResult` or
/// straight from what the I/O thread reports (no allocation): what the C
/// API copies out.
#[derive(Debug, Clone, Copy)]
pub struct SendResultView<'a> {
    /// Store status.
    pub status: SendStatus,
    /// The client message id (`UNIQ_KEY`).
    pub msg_id: &'a str,
    /// The broker's message id.
    pub offset_msg_id: &'a str,
    /// The queue's topic (outside the producer's namespace).
    pub topic: &'a str,
    /// The queue's broker.
    pub broker_name: &'a str,
    /// The queue id.
    pub queue_id: i32,
    /// Offset in that queue.
    pub queue_offset: i64,
    /// Transaction id, if any.
    pub transaction_id: Option<&'a str>,
    /// The broker's region, if reported.
    pub region_id: Option<&'a str>,
}

impl SendResultView<'_> {
    /// An owned copy.
    pub fn to_result(self) -> SendResult {
        SendResult {
            status: self.status,
            msg_id: self.msg_id.to_string(),
            offset_msg_id: self.offset_msg_id.to_string(),
            message_queue: MessageQueue {
                topic: self.topic.into(),
                broker_name: self.broker_name.into(),
                queue_id: self.queue_id,
            },
            queue_offset: self.queue_offset,
            transaction_id: self.transaction_id.map(str::to_string),
            region_id: self.region_id.map(str::to_string),
        }
    }
}
