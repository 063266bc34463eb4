//! Batches from C: collect copies of messages, send them in one request.

use std::ffi::{c_char, CString};

use super::message::rmq_message;
use super::producer::{rmq_producer, rmq_send_result, send_into};
use super::{guard, guard_new, guard_value, handle, handle_mut, rmq_status};
use crate::message::Message;

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
#[no_mangle]
pub unsafe extern "C" fn rmq_batch_add(
    batch: *mut rmq_batch,
    msg: *const rmq_message,
) -> rmq_status {
    guard(|| {
        let b = handle_mut(batch, "batch")?;
        b.messages.push(handle(msg, "msg")?.inner.clone());
        Ok(())
    })
}

/// The number of messages in `batch` (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn rmq_batch_count(batch: *const rmq_batch) -> usize {
    guard_value(0, || batch.as_ref().map(|b| b.messages.len()).unwrap_or(0))
}

/// Frees a batch. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn rmq_batch_free(batch: *mut rmq_batch) {
    if !batch.is_null() {
        let _ = std::panic::catch_unwind(|| drop(Box::from_raw(batch)));
    }
}

/// The client message id (`UNIQ_KEY`) message `index` got in the last
/// successful `rmq_producer_send_batch` of `batch`: a NUL-terminated string
/// owned by the batch, valid until the batch is sent again or freed. NULL
/// if `batch` is NULL, `index` is out of range or the batch was not sent.
#[no_mangle]
pub unsafe extern "C" fn rmq_batch_msg_id(batch: *const rmq_batch, index: usize) -> *const c_char {
    guard_value(std::ptr::null(), || {
        batch
            .as_ref()
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
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send_batch(
    producer: *mut rmq_producer,
    batch: *mut rmq_batch,
    result: *mut rmq_send_result,
) -> rmq_status {
    send_into(result, || {
        let p = handle(producer, "producer")?;
        let b = handle_mut(batch, "batch")?;
        let mut r = p.inner.send_batch(&b.messages)?;
        b.ids = r
            .msg_id
            .split(',')
            .map(|id| CString::new(id).unwrap_or_default())
            .collect();
        r.msg_id = r.msg_id.split(',').next().unwrap_or("").to_string();
        r.offset_msg_id = r.offset_msg_id.split(',').next().unwrap_or("").to_string();
        Ok(r)
    })
}
