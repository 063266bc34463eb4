//! Batches from C: collect copies of messages, send them in one request.

use std::ffi::{c_char, CString};

use super::message::{message_ref, rmq_message};
use super::producer::{rmq_producer, rmq_send_result, send_into};
use super::{guard, guard_new, guard_value, handle, handle_mut, rmq_status};
use crate::message::Message;

impl super::Handle for rmq_batch {}

/// Opaque batch handle: an ordered list of message copies plus, after a
/// successful send, the id each message got. Not thread-safe.
pub struct rmq_batch {
    messages: Vec<Message>,
    ids: Vec<CString>,
}

/// Creates an empty batch, owned by the caller (free with `rmq_batch_free`).
/// Returns NULL only if memory runs out. Mirrors Java `Collection<Message>`
/// sends / legacy `CreateBatchMessage`.
#[no_mangle]
pub extern "C" fn rmq_batch_new() -> *mut rmq_batch {
    guard_new(|| {
        Ok(rmq_batch {
            messages: Vec::new(),
            ids: Vec::new(),
        })
    })
}

/// Appends a copy of `msg` to `batch` (the message may be freed or changed
/// afterwards). Rules (one topic, no delay, same WAIT) are checked at send.
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL).
///
/// # Safety
/// `batch` is NULL or a live batch and `msg` NULL or a live message, neither
/// used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_batch_add(
    batch: *mut rmq_batch,
    msg: *const rmq_message,
) -> rmq_status {
    guard(|| {
        // SAFETY: `batch` and `msg` are NULL or live and unshared (# Safety).
        let (b, m) = unsafe { (handle_mut(batch, "batch")?, message_ref(msg)?) };
        b.messages.push(m.clone());
        Ok(())
    })
}

/// The number of messages in `batch` (0 for NULL).
///
/// # Safety
/// `batch` is NULL or a live batch not changed by another thread during the
/// call.
#[no_mangle]
pub unsafe extern "C" fn rmq_batch_count(batch: *const rmq_batch) -> usize {
    guard_value(0, || {
        // SAFETY: `batch` is NULL or live (# Safety).
        unsafe { batch.as_ref() }.map_or(0, |b| b.messages.len())
    })
}

/// Frees a batch. NULL is a no-op.
///
/// # Safety
/// `batch` is NULL or a live batch, not used afterwards (nor during the call
/// by another thread).
#[no_mangle]
pub unsafe extern "C" fn rmq_batch_free(batch: *mut rmq_batch) {
    if !batch.is_null() {
        // SAFETY: a live batch comes from Box::into_raw in rmq_batch_new and
        // is freed once (# Safety).
        let _ = std::panic::catch_unwind(|| drop(unsafe { Box::from_raw(batch) }));
    }
}

/// The client message id (`UNIQ_KEY`) message `index` got in the last
/// successful `rmq_producer_send_batch` of `batch`: a NUL-terminated string
/// owned by the batch, valid until the batch is sent again or freed. NULL
/// if `batch` is NULL, `index` is out of range or the batch was not sent.
///
/// # Safety
/// `batch` is NULL or a live batch not changed by another thread during the
/// call.
#[no_mangle]
pub unsafe extern "C" fn rmq_batch_msg_id(batch: *const rmq_batch, index: usize) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: `batch` is NULL or live (# Safety).
        unsafe { batch.as_ref() }
            .and_then(|b| b.ids.get(index))
            .map(|s| s.as_ptr())
            .unwrap_or(std::ptr::null())
    })
}

/// Sends every message of `batch` in one SEND_BATCH_MESSAGE request and
/// waits. All messages must have the same topic and WAIT setting and no
/// delay level; the encoded batch must fit `maxMessageSize` (checked before
/// anything is sent). On success fills `*result` (its `msg_id` is the first
/// message's id, `queue_offset` the first message's offset; the messages
/// occupy consecutive offsets) and records every id for `rmq_batch_msg_id`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL); `RMQ_STATUS_INVALID_MESSAGE`
/// (empty batch, mixed topics, delay); `RMQ_STATUS_MESSAGE_TOO_LARGE`; and
/// those of `rmq_producer_send`.
///
/// # Safety
/// `producer` is NULL or a live producer; `batch` is NULL or a live batch not
/// used by another thread during the call; `result` is NULL or an out
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send_batch(
    producer: *mut rmq_producer,
    batch: *mut rmq_batch,
    result: *mut rmq_send_result,
) -> rmq_status {
    let send = || {
        // SAFETY: `producer` and `batch` are NULL or live, the batch unshared
        // (# Safety).
        let (p, b) = unsafe { (handle(producer, "producer")?, handle_mut(batch, "batch")?) };
        let mut r = p.inner.send_batch(&b.messages)?;
        b.ids = r
            .msg_id
            .split(',')
            .map(|id| CString::new(id).unwrap_or_default())
            .collect();
        r.msg_id = r.msg_id.split(',').next().unwrap_or("").to_string();
        r.offset_msg_id = r.offset_msg_id.split(',').next().unwrap_or("").to_string();
        Ok(r)
    };
    // SAFETY: `result` is NULL or an out pointer (# Safety).
    unsafe { send_into(result, send) }
}
