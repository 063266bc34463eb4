//! Ordered sends from C: to a chosen queue, through a selector callback, or
//! by sharding key; and the queue list of a topic.

use std::ffi::{c_char, c_void};

use super::message::{message_ref, rmq_message};
use super::producer::{
    raw_callback, rmq_producer, rmq_send_callback, rmq_send_result, send_into, RMQ_NAME_CAPACITY,
};
use super::{copy_c_str, guard, handle, rmq_status, str_arg};
use crate::error::{Error, ErrorKind, Result};
use crate::routing::MessageQueue;

impl super::Handle for rmq_message_queue {}

/// A queue of a topic: plain data, caller-allocated, strings NUL-terminated
/// inside their arrays. Mirrors Java `MessageQueue`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmq_message_queue {
    /// Topic.
    pub topic: [c_char; RMQ_NAME_CAPACITY],
    /// Broker name.
    pub broker_name: [c_char; RMQ_NAME_CAPACITY],
    /// Queue id on that broker.
    pub queue_id: i32,
}

impl From<&MessageQueue> for rmq_message_queue {
    fn from(q: &MessageQueue) -> rmq_message_queue {
        let mut out = rmq_message_queue {
            topic: [0; RMQ_NAME_CAPACITY],
            broker_name: [0; RMQ_NAME_CAPACITY],
            queue_id: q.queue_id,
        };
        copy_c_str(&mut out.topic, &q.topic);
        copy_c_str(&mut out.broker_name, &q.broker_name);
        out
    }
}

/// Reads a C queue. Errors: NULL, strings not NUL-terminated in their
/// arrays or not UTF-8.
///
/// # Safety
/// `mq` is NULL or points to a readable `rmq_message_queue`.
pub(crate) unsafe fn queue_arg(mq: *const rmq_message_queue) -> Result<MessageQueue> {
    // SAFETY: NULL or readable (# Safety).
    let q = unsafe { handle(mq, "mq") }?;
    let text = |a: &[c_char; RMQ_NAME_CAPACITY], what: &str| -> Result<String> {
        let bytes: Vec<u8> = a
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect();
        if bytes.len() == RMQ_NAME_CAPACITY {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("mq.{} is not NUL-terminated", what),
            ));
        }
        String::from_utf8(bytes).map_err(|_| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("mq.{} is not UTF-8", what),
            )
        })
    };
    Ok(MessageQueue {
        topic: text(&q.topic, "topic")?.into(),
        broker_name: text(&q.broker_name, "broker_name")?.into(),
        queue_id: q.queue_id,
    })
}

/// Chooses a queue for `msg` among `n` queues: returns an index in
/// `0..n`. Runs on the thread that called the send function. `arg` is the
/// pointer given to that function; `queues` and `msg` are valid only during
/// the call. Mirrors Java `MessageQueueSelector.select`.
pub type rmq_queue_selector = Option<
    unsafe extern "C" fn(
        arg: *mut c_void,
        queues: *const rmq_message_queue,
        n: usize,
        msg: *const rmq_message,
    ) -> i32,
>;

/// Writes up to `capacity` writable queues of `topic` into `queues`
/// (caller-allocated) and their total number into `*count` (which may
/// exceed `capacity`; call again with a larger array). Looks the route up
/// on the NameServer if it is not cached, waiting at most `sendMsgTimeout`
/// ms. Mirrors Java `fetchPublishMessageQueues`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL producer, topic or count;
/// NULL queues with capacity > 0); `RMQ_STATUS_INVALID_TOPIC`;
/// `RMQ_STATUS_NO_ROUTE`; `RMQ_STATUS_TIMEOUT`; `RMQ_STATUS_INVALID_STATE`;
/// `RMQ_STATUS_SHUTDOWN`.
///
/// # Safety
/// `producer` is NULL or a live producer; `topic` is NULL or a C string;
/// `queues` is NULL or points to `capacity` writable `rmq_message_queue`s;
/// `count` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_queues(
    producer: *mut rmq_producer,
    topic: *const c_char,
    queues: *mut rmq_message_queue,
    capacity: usize,
    count: *mut usize,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer` is NULL or live and `topic` NULL or a C string
        // (# Safety).
        let (p, topic) = unsafe { (handle(producer, "producer")?, str_arg(topic, "topic")?) };
        if count.is_null() || (queues.is_null() && capacity > 0) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "count or queues is NULL",
            ));
        }
        let list = p.inner.queues(topic)?;
        // SAFETY: `queues` has `capacity` writable elements and `count` is
        // an out pointer, both checked not NULL above (# Safety).
        unsafe { write_queues(&list, queues, capacity, count) };
        Ok(())
    })
}

/// Writes the first `capacity` queues of `list` to `out` and the length of
/// `list` to `*count`.
///
/// # Safety
/// `out` points to `capacity` writable `rmq_message_queue`s (it may be NULL
/// only when `capacity` is 0); `count` is an out pointer, not NULL.
pub(crate) unsafe fn write_queues(
    list: &[MessageQueue],
    out: *mut rmq_message_queue,
    capacity: usize,
    count: *mut usize,
) {
    for (i, q) in list.iter().take(capacity).enumerate() {
        // SAFETY: i < capacity, and `out` has `capacity` writable elements
        // (# Safety).
        unsafe { out.add(i).write(rmq_message_queue::from(q)) };
    }
    // SAFETY: `count` is an out pointer, not NULL (# Safety).
    unsafe { count.write(list.len()) };
}

/// Sends `msg` synchronously to the queue `*mq` (one attempt, no failover:
/// per-queue order holds) and fills `*result` on success. Mirrors Java
/// `send(Message, MessageQueue)`.
/// Errors: those of `rmq_producer_send`; `RMQ_STATUS_INVALID_ARGUMENT` for
/// a malformed `mq`.
///
/// # Safety
/// `producer` is NULL or a live producer; `msg` is NULL or a live message
/// not changed by another thread during the call; `mq` is NULL or points to
/// a readable `rmq_message_queue`; `result` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send_to_queue(
    producer: *mut rmq_producer,
    msg: *const rmq_message,
    mq: *const rmq_message_queue,
    result: *mut rmq_send_result,
) -> rmq_status {
    let send = || {
        // SAFETY: `producer`, `msg` and `mq` are NULL or valid (# Safety).
        let (p, m, q) = unsafe {
            (
                handle(producer, "producer")?,
                message_ref(msg)?,
                queue_arg(mq)?,
            )
        };
        p.inner.send_to_queue(m, &q)
    };
    // SAFETY: `result` is NULL or an out pointer (# Safety).
    unsafe { send_into(result, send) }
}

/// [`rmq_producer_send_to_queue`] without blocking; the outcome goes to
/// `callback(user_data, …)` exactly once on the callback thread, as for
/// `rmq_producer_send_async` (same back-pressure, same errors).
///
/// # Safety
/// `producer` is NULL or a live producer; `msg` is NULL or a live message
/// not changed by another thread during the call; `mq` is NULL or points to
/// a readable `rmq_message_queue`; a non-NULL `callback` stays callable with
/// `user_data`, on the producer's callback thread, until it has been called.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send_to_queue_async(
    producer: *mut rmq_producer,
    msg: *const rmq_message,
    mq: *const rmq_message_queue,
    callback: rmq_send_callback,
    user_data: *mut c_void,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer`, `msg` and `mq` are NULL or valid (# Safety).
        let (p, m, q) = unsafe {
            (
                handle(producer, "producer")?,
                message_ref(msg)?,
                queue_arg(mq)?,
            )
        };
        let cb = raw_callback(callback, user_data)?;
        p.inner.send_async_raw(m, Some(&q), cb)
    })
}

/// [`rmq_producer_send_to_queue`] oneway, as `rmq_producer_send_oneway`.
///
/// # Safety
/// `producer` is NULL or a live producer; `msg` is NULL or a live message
/// not changed by another thread during the call; `mq` is NULL or points to
/// a readable `rmq_message_queue`.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send_to_queue_oneway(
    producer: *mut rmq_producer,
    msg: *const rmq_message,
    mq: *const rmq_message_queue,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer`, `msg` and `mq` are NULL or valid (# Safety).
        let (p, m, q) = unsafe {
            (
                handle(producer, "producer")?,
                message_ref(msg)?,
                queue_arg(mq)?,
            )
        };
        p.inner.send_to_queue_oneway(m, &q)
    })
}

/// Sends `msg` synchronously to the queue `selector` picks among the
/// topic's writable queues (selector runs on this thread, before anything is
/// sent) and fills `*result`. One attempt, no failover. Mirrors Java
/// `send(Message, MessageQueueSelector, Object)`.
///
/// Errors: those of `rmq_producer_send_to_queue`; `RMQ_STATUS_INVALID_ARGUMENT`
/// when `selector` is NULL or returns an index outside `0..n` (nothing is
/// sent); `RMQ_STATUS_PANIC` is never caused by the selector's answer.
///
/// # Safety
/// `producer` is NULL or a live producer; `msg` is NULL or a live message
/// not changed by another thread during the call; a non-NULL `selector` is
/// callable with `arg` on this thread during the call; `result` is NULL or
/// an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send_orderly(
    producer: *mut rmq_producer,
    msg: *const rmq_message,
    selector: rmq_queue_selector,
    arg: *mut c_void,
    result: *mut rmq_send_result,
) -> rmq_status {
    let send = || {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, m) = unsafe { (handle(producer, "producer")?, message_ref(msg)?) };
        let Some(select) = selector else {
            return Err(Error::new(ErrorKind::InvalidArgument, "selector is NULL"));
        };
        let list = p.inner.queues(m.topic())?;
        let c_list: Vec<rmq_message_queue> = list.iter().map(rmq_message_queue::from).collect();
        // SAFETY: the selector is callable with `arg` (# Safety); the queue
        // array and the message are valid during the call.
        let index = unsafe { select(arg, c_list.as_ptr(), c_list.len(), msg) };
        let q = usize::try_from(index)
            .ok()
            .and_then(|i| list.get(i))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "the selector returned {}; topic {} has {} queues (0..{})",
                        index,
                        m.topic(),
                        list.len(),
                        list.len()
                    ),
                )
            })?;
        p.inner.send_to_queue(m, q)
    };
    // SAFETY: `result` is NULL or an out pointer (# Safety).
    unsafe { send_into(result, send) }
}

/// Sends `msg` synchronously to the queue of sharding `key` (NUL-terminated
/// UTF-8): `abs(hashCode(key) % n)` with Java's `String.hashCode`, the
/// mapping of Java `SelectMessageQueueByHash`, so keys land where Java
/// producers put them. Fills `*result`. One attempt, no failover.
/// Errors: those of `rmq_producer_send_to_queue`.
///
/// # Safety
/// `producer` is NULL or a live producer; `msg` is NULL or a live message
/// not changed by another thread during the call; `key` is NULL or a C
/// string; `result` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send_orderly_by_key(
    producer: *mut rmq_producer,
    msg: *const rmq_message,
    key: *const c_char,
    result: *mut rmq_send_result,
) -> rmq_status {
    let send = || {
        // SAFETY: `producer` and `msg` are NULL or live and `key` NULL or a
        // C string (# Safety).
        let (p, m, key) = unsafe {
            (
                handle(producer, "producer")?,
                message_ref(msg)?,
                str_arg(key, "key")?,
            )
        };
        let q = p.inner.queue_for_key(m.topic(), key)?;
        p.inner.send_to_queue(m, &q)
    };
    // SAFETY: `result` is NULL or an out pointer (# Safety).
    unsafe { send_into(result, send) }
}
