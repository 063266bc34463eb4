//! A send in flight: the prepared message, its budget (deadline, attempts
//! left), where the last attempt went, and how its outcome reaches the caller.
//! [`Completion`] guarantees exactly one outcome: completing consumes it,
//! dropping it uncompleted (e.g. a job still queued when the loop ends)
//! delivers the "producer shut down" error, and only a send whose caller got
//! an error instead (its submission failed) is cancelled without one.
//!
//! Outcomes leave the event loop as [`Receipt`]s, which own all their text,
//! and async callbacks reach the callback thread in one batch per loop turn
//! ([`batch_callbacks`], [`flush_callbacks`]).

use std::cell::RefCell;
use std::ffi::c_void;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::Sender;

use super::inflight::Permit;
use crate::client::callbacks::CallbackSender;
use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind, Result};
use crate::message::PreparedMessage;
use crate::protocol::header::SendMessageResponseHeader;
use crate::protocol::response_code;
use crate::result::{SendResult, SendResultView, SendStatus};
use crate::routing::MessageQueue;

/// A user callback for an async send; runs on the producer's callback thread.
pub type SendCallback = Box<dyn FnOnce(Result<SendResult>) + Send + 'static>;

/// A stored send as the I/O thread reports it: every text field lives in
/// the sent message's own buffer (its topic and `UNIQ_KEY` are already
/// there; the broker name and the response's fields are appended), so the
/// outcome shares no reference count with the I/O thread and costs no
/// allocation there. The thread that gets it turns it into a
/// [`SendResult`] or reads it through [`Receipt::view`].
#[derive(Debug)]
pub(crate) struct Receipt {
    pub status: SendStatus,
    text: String,
    msg_id: Span,
    topic: Span,
    broker_name: Span,
    offset_msg_id: Span,
    transaction_id: Option<Span>,
    region_id: Option<Span>,
    queue_id: i32,
    queue_offset: i64,
}

/// A `start..end` byte range of [`Receipt::text`].
#[derive(Debug, Clone, Copy)]
struct Span(u32, u32);

impl Receipt {
    /// The result's fields, borrowed.
    pub(crate) fn view(&self) -> SendResultView<'_> {
        let at = |s: Span| &self.text[s.0 as usize..s.1 as usize];
        SendResultView {
            status: self.status,
            msg_id: at(self.msg_id),
            offset_msg_id: at(self.offset_msg_id),
            topic: at(self.topic),
            broker_name: at(self.broker_name),
            queue_id: self.queue_id,
            queue_offset: self.queue_offset,
            transaction_id: self.transaction_id.map(at),
            region_id: self.region_id.map(at),
        }
    }

    /// The owned result.
    pub(crate) fn into_result(self) -> SendResult {
        self.view().to_result()
    }
}

impl Drop for Receipt {
    /// Gives the text buffer back for the next sends
    /// ([`crate::message::recycle_text`]), on whichever thread is done
    /// with the receipt (the callback thread, or a sync caller).
    fn drop(&mut self) {
        crate::message::recycle_text(std::mem::take(&mut self.text));
    }
}

/// Appends `s` to `text`; its range.
fn append(text: &mut String, s: &str) -> Span {
    let start = text.len() as u32;
    text.push_str(s);
    Span(start, text.len() as u32)
}

/// An async callback that needs no allocation: `call(target, user_data,
/// outcome)`, the outcome borrowed for the duration of the call. This is
/// how the C API passes its function pointer (`target`) and user data.
/// Runs on the producer's callback thread, exactly once per accepted send.
#[derive(Clone, Copy)]
pub struct RawCallback {
    /// Runs the callback; the caller of the send vouches that `target`
    /// and `user_data` are valid for it until it has run once.
    pub call: unsafe fn(*const (), *mut c_void, std::result::Result<SendResultView<'_>, &Error>),
    /// The first argument of `call` (e.g. a C function pointer).
    pub target: *const (),
    /// The second argument of `call`.
    pub user_data: *mut c_void,
}

// SAFETY: a RawCallback is only built by the C API, whose contract makes
// the user data usable from the producer's callback thread.
unsafe impl Send for RawCallback {}

impl RawCallback {
    /// Runs the callback with a borrowed outcome.
    fn run(self, outcome: std::result::Result<SendResultView<'_>, &Error>) {
        // SAFETY: see the field docs: valid until run once, and each
        // completion runs it once.
        unsafe { (self.call)(self.target, self.user_data, outcome) }
    }
}

/// Who gets an async send's outcome.
pub(crate) enum Notify {
    /// A Rust closure, given an owned [`SendResult`].
    Boxed(SendCallback),
    /// A plain function given a borrowed view (no allocation).
    Raw(RawCallback),
}

impl Notify {
    /// Runs the callback with `outcome`.
    fn run(self, outcome: Result<Receipt>) {
        match self {
            Notify::Boxed(cb) => cb(outcome.map(Receipt::into_result)),
            Notify::Raw(raw) => {
                raw.run(outcome.as_ref().map(Receipt::view));
            }
        }
    }

    /// The callback as a boxed Rust one (for the after-send hooks).
    pub(crate) fn boxed(self) -> SendCallback {
        match self {
            Notify::Boxed(cb) => cb,
            Notify::Raw(raw) => Box::new(move |outcome: Result<SendResult>| {
                raw.run(outcome.as_ref().map(SendResult::view))
            }),
        }
    }
}

/// Where an outcome goes.
pub(crate) enum CompletionKind {
    /// A caller blocked in a sync send.
    Sync(Sender<Result<Receipt>>),
    /// An async callback, run on the callback thread of the event loop
    /// that completes it (see [`batch_callbacks`]); its back-pressure permit
    /// is released after the callback returns.
    Callback(Notify, Permit),
    /// A oneway send: nobody waits; the permit is released when the request
    /// is written (or failed).
    Oneway(Permit),
}

/// Delivers exactly one outcome; see the module docs.
pub(crate) struct Completion(Option<CompletionKind>);

impl Completion {
    pub(crate) fn new(kind: CompletionKind) -> Completion {
        Completion(Some(kind))
    }

    /// Delivers `outcome`.
    pub(crate) fn complete(mut self, outcome: Result<Receipt>) {
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

    /// Ends the send without delivering an outcome: a oneway send whose
    /// request has been handed to its connection, or a send that was never
    /// accepted (its caller got an error instead).
    pub(crate) fn dismiss(mut self) {
        self.0.take();
    }
}

impl Drop for Completion {
    fn drop(&mut self) {
        if let Some(kind) = self.0.take() {
            deliver(kind, Err(shut_down_error()));
        }
    }
}

fn deliver(kind: CompletionKind, outcome: Result<Receipt>) {
    match kind {
        CompletionKind::Sync(tx) => {
            let _ = tx.send(outcome); // the caller may have given up
        }
        CompletionKind::Callback(cb, permit) => {
            if let Some((cb, outcome, permit)) = defer((cb, outcome, permit)) {
                // Not on an event-loop thread: sends complete there, so this
                // is unreachable in practice; run it rather than lose it.
                run_callback(cb, outcome, permit);
            }
        }
        CompletionKind::Oneway(permit) => {
            if let Err(e) = outcome {
                log::warn!("oneway send failed: {}", e);
            }
            drop(permit);
        }
    }
}

/// A callback with its outcome and permit, ready to run.
type ReadyCallback = (Notify, Result<Receipt>, Permit);

/// Callbacks completed on an event-loop thread during one turn of its
/// loop, handed to its callback thread together at the end of the turn:
/// one channel message (and at most one wake-up) per turn, not per send.
struct Batch {
    tx: CallbackSender,
    tasks: Vec<ReadyCallback>,
}

thread_local! {
    /// Set on event-loop threads (see [`batch_callbacks`]).
    static BATCH: RefCell<Option<Batch>> = const { RefCell::new(None) };
}

/// Makes the current thread (an event loop) the one that completes async
/// sends: their callbacks are collected until [`flush_callbacks`] and then
/// handed to the callback thread behind `tx`.
pub(crate) fn batch_callbacks(tx: CallbackSender) {
    BATCH.with(|b| {
        *b.borrow_mut() = Some(Batch {
            tx,
            tasks: Vec::new(),
        })
    });
}

/// Collects `task` if this thread batches callbacks; else gives it back.
fn defer(task: ReadyCallback) -> Option<ReadyCallback> {
    let mut task = Some(task);
    let _ = BATCH.try_with(|b| {
        if let Ok(mut b) = b.try_borrow_mut() {
            if let Some(batch) = b.as_mut() {
                batch.tasks.extend(task.take());
            }
        }
    });
    task
}

/// Hands the callbacks collected on this thread to the callback thread
/// (runs them here if it is gone).
pub(crate) fn flush_callbacks() {
    let taken = BATCH
        .try_with(|b| {
            let mut b = b.try_borrow_mut().ok()?;
            let batch = b.as_mut()?;
            if batch.tasks.is_empty() {
                return None;
            }
            let next = Vec::with_capacity(batch.tasks.len());
            Some((batch.tx.clone(), std::mem::replace(&mut batch.tasks, next)))
        })
        .ok()
        .flatten();
    if let Some((tx, tasks)) = taken {
        send_batch(&tx, tasks);
    }
}

fn send_batch(tx: &CallbackSender, tasks: Vec<ReadyCallback>) {
    tx.run(Box::new(move || {
        for (cb, outcome, permit) in tasks {
            run_callback(cb, outcome, permit);
        }
    }));
}

impl Drop for Batch {
    /// A thread that ends with callbacks still collected hands them over:
    /// every outcome is delivered exactly once.
    fn drop(&mut self) {
        if !self.tasks.is_empty() {
            send_batch(&self.tx, std::mem::take(&mut self.tasks));
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
    /// The previous failed attempt: its broker (avoided by the next
    /// attempt) and why it failed. Boxed, as `target`: both are rare, and a
    /// job is moved several times on its way to the event loop.
    pub last_attempt: Option<Box<(Arc<str>, Error)>>,
    /// The queue chosen by the caller (ordered sends), else round robin.
    pub target: Option<Box<MessageQueue>>,
    pub completion: Completion,
}

impl SendJob {
    /// The broker of the previous failed attempt, if any.
    pub fn last_broker(&self) -> Option<&Arc<str>> {
        self.last_attempt.as_deref().map(|(broker, _)| broker)
    }

    /// Completes the job with `outcome`.
    pub fn finish(self, outcome: Result<Receipt>) {
        self.completion.complete(outcome)
    }

    /// The timeout error, mentioning the last attempt's failure if any.
    pub fn timeout_error(&self, budget_ms: u64) -> Error {
        let mut msg = format!(
            "send did not complete within sendMsgTimeout ({} ms)",
            budget_ms
        );
        if let Some((_, e)) = self.last_attempt.as_deref() {
            msg.push_str("; last attempt: ");
            msg.push_str(&e.to_string());
        }
        Error::new(ErrorKind::Timeout, msg)
    }
}

/// The store status a send response code means, if the message was stored.
pub(crate) fn stored_status(code: i32) -> Option<SendStatus> {
    match code {
        response_code::SUCCESS => Some(SendStatus::SendOk),
        response_code::FLUSH_DISK_TIMEOUT => Some(SendStatus::FlushDiskTimeout),
        response_code::FLUSH_SLAVE_TIMEOUT => Some(SendStatus::FlushSlaveTimeout),
        response_code::SLAVE_NOT_AVAILABLE => Some(SendStatus::SlaveNotAvailable),
        _ => None,
    }
}

/// Maps a stored send's response (its code means `status`, see
/// [`stored_status`]) to a receipt (Java `MQClientAPIImpl.processSendResponse`);
/// a response without a valid `msgId`, `queueId` or `queueOffset` is an
/// [`ErrorKind::Internal`] error. The receipt takes `msg`'s buffer (`msg`
/// is empty afterwards) for its text; its queue is `broker_name`'s, of
/// `chosen_topic` (a queue the caller chose) or else of the message's
/// topic, outside the producer's `namespace`.
pub(crate) fn send_response_to_receipt(
    resp: &RemotingCommand,
    status: SendStatus,
    msg: &mut PreparedMessage,
    chosen_topic: Option<&str>,
    broker_name: &str,
    namespace: Option<&str>,
) -> Result<Receipt> {
    let header = SendMessageResponseHeader::decode(resp)?;
    let (mut text, topic, uniq) = msg.take_text();
    let msg_id = Span(uniq.start as u32, uniq.end as u32);
    // The sent topic and id are in the text already; brokers report the
    // message's UNIQ_KEY as its transaction id.
    let sent_topic = Span(topic.start as u32, topic.end as u32);
    let topic = match (chosen_topic, namespace) {
        (Some(chosen), _) if chosen != &text[topic.clone()] => {
            let chosen = crate::namespace::unwrap(namespace, chosen);
            append(&mut text, &chosen)
        }
        (_, Some(_)) => {
            let bare = crate::namespace::unwrap(namespace, &text[topic.clone()]);
            append(&mut text, &bare)
        }
        (_, None) => sent_topic,
    };
    let transaction_id = header.transaction_id.map(|t| {
        if t == &text[uniq.clone()] {
            msg_id
        } else {
            append(&mut text, t)
        }
    });
    Ok(Receipt {
        status,
        msg_id,
        topic,
        broker_name: append(&mut text, broker_name),
        offset_msg_id: append(&mut text, header.msg_id),
        transaction_id,
        region_id: header.region_id.map(|r| append(&mut text, r)),
        queue_id: header.queue_id,
        queue_offset: header.queue_offset,
        text,
    })
}

/// Runs `cb`, containing a panic so that it cannot unwind into the
/// library, then releases `permit` (so a flush returns only after the
/// callbacks it waited for have returned).
pub(crate) fn run_callback(cb: Notify, outcome: Result<Receipt>, permit: Permit) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb.run(outcome)));
    drop(permit);
}

/// The error of work the shutdown ended.
pub(crate) fn shut_down_error() -> Error {
    Error::new(
        ErrorKind::Shutdown,
        "the producer was shut down before the send completed",
    )
}
