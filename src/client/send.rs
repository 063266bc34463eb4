//! A send in flight: the prepared message, its budget (deadline, attempts
//! left), where the last attempt went, and how its outcome reaches the caller.
//! [`Completion`] guarantees exactly one outcome: completing consumes it, and
//! dropping it uncompleted (e.g. a command lost in a closed channel) delivers
//! the "producer shut down" error.

use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::Sender;

use super::inflight::Permit;
use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind, Result};
use crate::message::PreparedMessage;
use crate::protocol::header::SendMessageResponseHeader;
use crate::protocol::response_code;
use crate::route::MessageQueue;

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

/// A user callback for an async send; runs on the producer's callback thread.
pub type SendCallback = Box<dyn FnOnce(Result<SendResult>) + Send + 'static>;

/// Where an outcome goes.
pub(crate) enum CompletionKind {
    /// A caller blocked in a sync send.
    Sync(Sender<Result<SendResult>>),
    /// An async callback, run on the callback thread fed by `Sender`; its
    /// back-pressure permit is released after the callback returns.
    Callback(SendCallback, Sender<CallbackTask>, Permit),
    /// A oneway send: nobody waits; the permit is released when the request
    /// is written (or failed).
    Oneway(Permit),
}

/// Work for the callback thread.
pub(crate) enum CallbackTask {
    /// Run a callback with its outcome, then release its permit.
    Run(SendCallback, Result<SendResult>, Permit),
    /// Run other user code (a transaction check).
    Call(Box<dyn FnOnce() + Send>),
    /// Run what is queued, then end the thread.
    Stop,
}

/// Delivers exactly one outcome; see the module docs.
pub(crate) struct Completion(Option<CompletionKind>);

impl Completion {
    pub(crate) fn new(kind: CompletionKind) -> Completion {
        Completion(Some(kind))
    }

    /// Delivers `outcome`.
    pub(crate) fn complete(mut self, outcome: Result<SendResult>) {
        if let Some(kind) = self.0.take() {
            deliver(kind, outcome);
        }
    }

    /// Whether a caller is blocked waiting for this outcome (a sync send).
    pub(crate) fn is_sync(&self) -> bool {
        matches!(self.0, Some(CompletionKind::Sync(_)))
    }

    /// Whether this is a oneway send (no response expected).
    pub(crate) fn is_oneway(&self) -> bool {
        matches!(self.0, Some(CompletionKind::Oneway(_)))
    }

    /// Ends a oneway send whose request has been handed to its connection.
    pub(crate) fn written(mut self) {
        self.0.take();
    }
}

impl Drop for Completion {
    fn drop(&mut self) {
        if let Some(kind) = self.0.take() {
            deliver(
                kind,
                Err(Error::new(
                    ErrorKind::Shutdown,
                    "the producer was shut down before the send completed",
                )),
            );
        }
    }
}

fn deliver(kind: CompletionKind, outcome: Result<SendResult>) {
    match kind {
        CompletionKind::Sync(tx) => {
            let _ = tx.send(outcome); // the caller may have given up
        }
        CompletionKind::Callback(cb, tx, permit) => {
            if let Err(crossbeam_channel::SendError(CallbackTask::Run(cb, outcome, permit))) =
                tx.send(CallbackTask::Run(cb, outcome, permit))
            {
                // The callback thread is gone: run it here rather than lose it.
                run_callback(cb, outcome, permit);
            }
        }
        CompletionKind::Oneway(permit) => {
            if let Err(e) = outcome {
                crate::log::warn(&format!("oneway send failed: {}", e));
            }
            drop(permit);
        }
    }
}

/// A send travelling through the event loop.
pub(crate) struct SendJob {
    pub msg: PreparedMessage,
    /// Absolute deadline for all attempts together.
    pub deadline: Instant,
    /// Attempts still allowed after the current one.
    pub retries_left: u32,
    /// Broker of the previous failed attempt, avoided by the next one.
    pub last_broker: Option<Arc<str>>,
    /// Why the previous attempt failed.
    pub last_error: Option<Error>,
    /// The queue chosen by the caller (ordered sends), else round robin.
    pub target: Option<MessageQueue>,
    pub completion: Completion,
}

impl SendJob {
    /// Completes the job with `outcome`.
    pub fn finish(self, outcome: Result<SendResult>) {
        self.completion.complete(outcome)
    }

    /// The timeout error, mentioning the last attempt's failure if any.
    pub fn timeout_error(&self, budget_ms: u64) -> Error {
        let mut msg = format!(
            "send did not complete within sendMsgTimeout ({} ms)",
            budget_ms
        );
        if let Some(e) = &self.last_error {
            msg.push_str("; last attempt: ");
            msg.push_str(&e.to_string());
        }
        Error::new(ErrorKind::Timeout, msg)
    }
}

/// Maps a send response to a result (Java `MQClientAPIImpl.processSendResponse`):
/// SUCCESS, FLUSH_DISK_TIMEOUT, FLUSH_SLAVE_TIMEOUT and SLAVE_NOT_AVAILABLE are
/// results; any other code is a [`ErrorKind::Broker`] error with its code and remark.
/// The result's `msg_id` is left empty: the caller moves the message's
/// `UNIQ_KEY` in when it completes the send.
pub(crate) fn send_response_to_result(
    resp: &RemotingCommand,
    queue: &MessageQueue,
    addr: &str,
    namespace: Option<&str>,
) -> Result<SendResult> {
    let status = match resp.code {
        response_code::SUCCESS => SendStatus::SendOk,
        response_code::FLUSH_DISK_TIMEOUT => SendStatus::FlushDiskTimeout,
        response_code::FLUSH_SLAVE_TIMEOUT => SendStatus::FlushSlaveTimeout,
        response_code::SLAVE_NOT_AVAILABLE => SendStatus::SlaveNotAvailable,
        code => return Err(Error::broker(code, resp.remark_str(), addr)),
    };
    let header = SendMessageResponseHeader::decode(resp)?;
    Ok(SendResult {
        status,
        msg_id: String::new(),
        offset_msg_id: header.msg_id,
        message_queue: MessageQueue {
            topic: match namespace {
                Some(_) => crate::namespace::unwrap(namespace, &queue.topic).into(),
                None => queue.topic.clone(),
            },
            broker_name: queue.broker_name.clone(),
            queue_id: header.queue_id,
        },
        queue_offset: header.queue_offset,
        transaction_id: header.transaction_id,
        region_id: header.region_id,
    })
}

/// Runs `cb`, containing a panic so that it cannot unwind into the
/// library, then releases `permit` (so a flush returns only after the
/// callbacks it waited for have returned).
pub(crate) fn run_callback(cb: SendCallback, outcome: Result<SendResult>, permit: Permit) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb(outcome)));
    drop(permit);
}
