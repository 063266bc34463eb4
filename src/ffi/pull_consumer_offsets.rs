//! The pull consumer's queue and offset calls from C: seek (to an offset,
//! the start, the end), a queue's offsets (by timestamp, committed, min,
//! max) and storing one, a topic's queues and the consumer's assignment
//! (Java `DefaultLitePullConsumer.seek*`, `offsetForTimestamp`,
//! `committed`, `DefaultMQPullConsumer.fetchSubscribeMessageQueues`,
//! `minOffset`/`maxOffset`, `updateConsumeOffset`). Same rules as
//! [`super::pull_consumer`]: checked arguments, a panic boundary, the last
//! error on failure.

use std::ffi::c_char;

use super::ordered::{rmq_message_queue, write_queues};
use super::pull_consumer::{consumer_and_queue, invalid, rmq_pull_consumer};
use super::{guard, handle, rmq_status, str_arg};
use crate::consumer::PullConsumer;
use crate::error::Result;
use crate::routing::MessageQueue;

/// Moves the next message of the owned queue `*mq` to `offset`; what was
/// prefetched of the queue is dropped, and the next polls continue from
/// there. Right after start the consumer owns no queue until the first
/// rebalance (or, for assigned queues, until their route is known):
/// `rmq_pull_consumer_assignment` lists what it owns. Mirrors Java
/// `DefaultLitePullConsumer.seek(mq, offset)`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL; a malformed queue; negative
/// `offset`; a queue this consumer does not own now);
/// `RMQ_STATUS_INVALID_TOPIC`; `RMQ_STATUS_INVALID_STATE` (not started);
/// `RMQ_STATUS_SHUTDOWN`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `mq` is NULL or points to a
/// readable `rmq_message_queue`.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_seek(
    consumer: *mut rmq_pull_consumer,
    mq: *const rmq_message_queue,
    offset: i64,
) -> rmq_status {
    guard(|| {
        // SAFETY: as required by consumer_and_queue (# Safety).
        let (c, q) = unsafe { consumer_and_queue(consumer, mq) }?;
        c.inner.seek(&q, offset)
    })
}

/// Seeks the owned queue `*mq` to its smallest offset (Java
/// `DefaultLitePullConsumer.seekToBegin`). Errors: those of
/// `rmq_pull_consumer_seek` and `rmq_pull_consumer_min_offset`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `mq` is NULL or points to a
/// readable `rmq_message_queue`.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_seek_to_begin(
    consumer: *mut rmq_pull_consumer,
    mq: *const rmq_message_queue,
) -> rmq_status {
    guard(|| {
        // SAFETY: as required by consumer_and_queue (# Safety).
        let (c, q) = unsafe { consumer_and_queue(consumer, mq) }?;
        c.inner.seek_to_begin(&q)
    })
}

/// Seeks the owned queue `*mq` to its end: only messages stored from now on
/// are polled (Java `DefaultLitePullConsumer.seekToEnd`). Errors: those of
/// `rmq_pull_consumer_seek` and `rmq_pull_consumer_max_offset`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `mq` is NULL or points to a
/// readable `rmq_message_queue`.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_seek_to_end(
    consumer: *mut rmq_pull_consumer,
    mq: *const rmq_message_queue,
) -> rmq_status {
    guard(|| {
        // SAFETY: as required by consumer_and_queue (# Safety).
        let (c, q) = unsafe { consumer_and_queue(consumer, mq) }?;
        c.inner.seek_to_end(&q)
    })
}

/// Runs an offset query of `*mq` and writes its answer to `*offset`
/// (untouched on failure).
///
/// # Safety
/// `consumer` is NULL or a live consumer; `mq` is NULL or points to a
/// readable `rmq_message_queue`; `offset` is NULL or an out pointer.
unsafe fn offset_query(
    consumer: *mut rmq_pull_consumer,
    mq: *const rmq_message_queue,
    offset: *mut i64,
    query: impl FnOnce(&PullConsumer, &MessageQueue) -> Result<i64>,
) -> rmq_status {
    guard(|| {
        // SAFETY: as required by consumer_and_queue (# Safety).
        let (c, q) = unsafe { consumer_and_queue(consumer, mq) }?;
        if offset.is_null() {
            return Err(invalid("offset is NULL"));
        }
        let value = query(&c.inner, &q)?;
        // SAFETY: `offset` is an out pointer, not NULL (# Safety).
        unsafe { offset.write(value) };
        Ok(())
    })
}

/// Writes to `*offset` the offset of the first message of `*mq` stored at
/// or after `timestamp_ms` (ms since the epoch; the queue's end if none):
/// SEARCH_OFFSET_BY_TIMESTAMP, waiting up to `consumerPullTimeoutMillis`.
/// Any queue of the topic, owned or not. Mirrors Java
/// `DefaultLitePullConsumer.offsetForTimestamp`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL; a malformed queue);
/// `RMQ_STATUS_INVALID_TOPIC`; `RMQ_STATUS_NO_ROUTE`; `RMQ_STATUS_BROKER`;
/// `RMQ_STATUS_TIMEOUT`; `RMQ_STATUS_NETWORK`; `RMQ_STATUS_INVALID_STATE`
/// (not started); `RMQ_STATUS_SHUTDOWN`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `mq` is NULL or points to a
/// readable `rmq_message_queue`; `offset` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_offset_for_timestamp(
    consumer: *mut rmq_pull_consumer,
    mq: *const rmq_message_queue,
    timestamp_ms: i64,
    offset: *mut i64,
) -> rmq_status {
    // SAFETY: as required by offset_query (# Safety).
    unsafe {
        offset_query(consumer, mq, offset, |c, q| {
            c.offset_for_timestamp(q, timestamp_ms)
        })
    }
}

/// Writes to `*offset` the group's committed offset of `*mq` as the broker
/// stores it, -1 when none is stored (QUERY_CONSUMER_OFFSET). Any queue of
/// the topic. Mirrors Java `DefaultLitePullConsumer.committed`.
/// Errors: those of `rmq_pull_consumer_offset_for_timestamp`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `mq` is NULL or points to a
/// readable `rmq_message_queue`; `offset` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_committed(
    consumer: *mut rmq_pull_consumer,
    mq: *const rmq_message_queue,
    offset: *mut i64,
) -> rmq_status {
    // SAFETY: as required by offset_query (# Safety).
    unsafe { offset_query(consumer, mq, offset, PullConsumer::committed) }
}

/// Writes to `*offset` the smallest offset of `*mq` still stored
/// (GET_MIN_OFFSET). Mirrors Java `DefaultMQPullConsumer.minOffset`.
/// Errors: those of `rmq_pull_consumer_offset_for_timestamp`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `mq` is NULL or points to a
/// readable `rmq_message_queue`; `offset` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_min_offset(
    consumer: *mut rmq_pull_consumer,
    mq: *const rmq_message_queue,
    offset: *mut i64,
) -> rmq_status {
    // SAFETY: as required by offset_query (# Safety).
    unsafe { offset_query(consumer, mq, offset, PullConsumer::min_offset) }
}

/// Writes to `*offset` the next offset to be written in `*mq`, one past its
/// last message (GET_MAX_OFFSET). Mirrors Java
/// `DefaultMQPullConsumer.maxOffset`.
/// Errors: those of `rmq_pull_consumer_offset_for_timestamp`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `mq` is NULL or points to a
/// readable `rmq_message_queue`; `offset` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_max_offset(
    consumer: *mut rmq_pull_consumer,
    mq: *const rmq_message_queue,
    offset: *mut i64,
) -> rmq_status {
    // SAFETY: as required by offset_query (# Safety).
    unsafe { offset_query(consumer, mq, offset, PullConsumer::max_offset) }
}

/// Stores `offset` as the group's offset of `*mq` on its broker and waits
/// for the answer (UPDATE_CONSUMER_OFFSET): for offsets the application
/// keeps itself with `rmq_pull_consumer_pull`. A broker may ignore a value
/// below the stored one. Mirrors Java
/// `DefaultMQPullConsumer.updateConsumeOffset` (and its persisting).
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (negative `offset`), and those of
/// `rmq_pull_consumer_offset_for_timestamp`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `mq` is NULL or points to a
/// readable `rmq_message_queue`.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_update_offset(
    consumer: *mut rmq_pull_consumer,
    mq: *const rmq_message_queue,
    offset: i64,
) -> rmq_status {
    guard(|| {
        // SAFETY: as required by consumer_and_queue (# Safety).
        let (c, q) = unsafe { consumer_and_queue(consumer, mq) }?;
        c.inner.update_offset(&q, offset)
    })
}

/// Checks the arguments of a queue list call.
fn list_args(out: *mut rmq_message_queue, capacity: usize, count: *mut usize) -> Result<()> {
    if count.is_null() || (out.is_null() && capacity > 0) {
        return Err(invalid("count or out is NULL"));
    }
    Ok(())
}

/// Writes up to `capacity` readable queues of `topic` (NUL-terminated
/// UTF-8), sorted, into `out` (caller-allocated) and their total number
/// into `*count`, which may exceed `capacity`: call again with a larger
/// array (`capacity` 0 and NULL `out` ask for the number only). Looks the
/// route up on the NameServer when it is not cached. Mirrors Java
/// `DefaultLitePullConsumer.fetchMessageQueues` /
/// `DefaultMQPullConsumer.fetchSubscribeMessageQueues`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL consumer, topic or count;
/// NULL out with capacity > 0; not UTF-8); `RMQ_STATUS_INVALID_TOPIC`;
/// `RMQ_STATUS_NO_ROUTE` (unknown topic); `RMQ_STATUS_TIMEOUT`;
/// `RMQ_STATUS_INVALID_STATE` (not started); `RMQ_STATUS_SHUTDOWN`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `topic` is NULL or a C string;
/// `out` is NULL or points to `capacity` writable `rmq_message_queue`s;
/// `count` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_queues(
    consumer: *mut rmq_pull_consumer,
    topic: *const c_char,
    out: *mut rmq_message_queue,
    capacity: usize,
    count: *mut usize,
) -> rmq_status {
    guard(|| {
        // SAFETY: `consumer` is NULL or live and `topic` NULL or a C string
        // (# Safety).
        let (c, topic) = unsafe { (handle(consumer, "consumer")?, str_arg(topic, "topic")?) };
        list_args(out, capacity, count)?;
        let list = c.inner.fetch_queues(topic)?;
        // SAFETY: `out` has `capacity` writable elements and `count` is an
        // out pointer, checked by list_args (# Safety).
        unsafe { write_queues(&list, out, capacity, count) };
        Ok(())
    })
}

/// Writes up to `capacity` of the queues this consumer owns now (by
/// rebalance or `rmq_pull_consumer_assign`), sorted, into `out`
/// (caller-allocated) and their total number into `*count`, which may
/// exceed `capacity`, as for `rmq_pull_consumer_queues`. Right after start
/// the first rebalance may not have run yet (0 queues). Mirrors Java
/// `DefaultLitePullConsumer.assignment()`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL consumer or count; NULL out
/// with capacity > 0); `RMQ_STATUS_INVALID_STATE` (not started);
/// `RMQ_STATUS_SHUTDOWN`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `out` is NULL or points to
/// `capacity` writable `rmq_message_queue`s; `count` is NULL or an out
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_assignment(
    consumer: *mut rmq_pull_consumer,
    out: *mut rmq_message_queue,
    capacity: usize,
    count: *mut usize,
) -> rmq_status {
    guard(|| {
        // SAFETY: `consumer` is NULL or live (# Safety).
        let c = unsafe { handle(consumer, "consumer") }?;
        list_args(out, capacity, count)?;
        let list = c.inner.assignment()?;
        // SAFETY: `out` has `capacity` writable elements and `count` is an
        // out pointer, checked by list_args (# Safety).
        unsafe { write_queues(&list, out, capacity, count) };
        Ok(())
    })
}
