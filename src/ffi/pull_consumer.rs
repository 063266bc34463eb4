//! `rmq_pull_consumer`: the pull consumer from C. Configure by key/value,
//! subscribe (group rebalance) or assign queues, start, then poll
//! prefetched messages, commit and seek (Java `DefaultLitePullConsumer`);
//! on the same handle, the one-shot calls of Java `DefaultMQPullConsumer`
//! (a topic's queues, one pull of a queue at an offset, a queue's offsets).
//!
//! A consumer may be used from many threads at once, with two limits: one
//! poll at a time (a second concurrent poll fails with
//! `RMQ_STATUS_INVALID_STATE`), and one one-shot pull at a time (the same).
//! `rmq_pull_consumer_free` must not race with other calls on the same
//! handle.
//!
//! Received messages are `rmq_message_ext` views owned by the handle: the
//! views of a poll live until the next poll, those of a one-shot pull until
//! the next one-shot pull; `rmq_pull_consumer_release`,
//! `rmq_pull_consumer_shutdown` and `rmq_pull_consumer_free` end both. The
//! handle reuses its storage from poll to poll.

use std::ffi::c_char;
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::Duration;

use super::message_ext::rmq_message_ext;
use super::ordered::{queue_arg, rmq_message_queue};
use super::{guard, guard_new, handle, rmq_status, str_arg};
use crate::consumer::{PullConsumer, PullResult, PullStatus};
use crate::error::{Error, ErrorKind, Result};
use crate::routing::MessageQueue;

super::client_handle!(rmq_pull_consumer);

/// Opaque pull consumer handle. Create with `rmq_pull_consumer_new`, free
/// with `rmq_pull_consumer_free`.
pub struct rmq_pull_consumer {
    pub(super) inner: PullConsumer,
    /// The views of the last poll (locked for the whole poll).
    polled: Mutex<Polled>,
    /// The views of the last one-shot pull (locked for the whole pull).
    pulled: Mutex<Vec<rmq_message_ext>>,
    /// The fork generation it was created in (see `ffi::Handle`).
    pub(crate) born: crate::fork::Born,
}

/// What a poll keeps: the views handed out (the vector is kept for its
/// capacity; the poll moves each message straight into its view).
#[derive(Default)]
struct Polled {
    views: Vec<rmq_message_ext>,
}

/// What a one-shot pull found (Java `PullStatus`), the values of
/// `rmq_pull_result.status`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmq_pull_status {
    /// Messages were found (`count` may still be 0 when none matched the
    /// expression).
    Found = 0,
    /// Nothing at the offset yet.
    NoNewMsg = 1,
    /// The scanned messages did not match the expression.
    NoMatchedMsg = 2,
    /// The offset is outside the queue; `next_begin_offset` is where to go
    /// on.
    OffsetIllegal = 3,
}

impl From<PullStatus> for rmq_pull_status {
    fn from(s: PullStatus) -> rmq_pull_status {
        match s {
            PullStatus::Found => rmq_pull_status::Found,
            PullStatus::NoNewMsg => rmq_pull_status::NoNewMsg,
            PullStatus::NoMatchedMsg => rmq_pull_status::NoMatchedMsg,
            PullStatus::OffsetIllegal => rmq_pull_status::OffsetIllegal,
        }
    }
}

/// The outcome of `rmq_pull_consumer_pull` (Java `PullResult`). Plain
/// data, caller-allocated, written only on success.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct rmq_pull_result {
    /// An `rmq_pull_status` value: 0 FOUND, 1 NO_NEW_MSG, 2 NO_MATCHED_MSG,
    /// 3 OFFSET_ILLEGAL.
    pub status: i32,
    /// Where the next pull of the queue starts.
    pub next_begin_offset: i64,
    /// The queue's smallest offset.
    pub min_offset: i64,
    /// The queue's next offset to be written.
    pub max_offset: i64,
    /// Number of messages written to the `msgs` array (0 unless FOUND).
    pub count: usize,
}

pub(super) fn invalid(what: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, what.into())
}

/// Locks `m` without waiting. Errors: [`ErrorKind::InvalidState`] (`busy`)
/// when another thread holds it.
fn try_lock<'a, T>(m: &'a Mutex<T>, busy: &str) -> Result<MutexGuard<'a, T>> {
    match m.try_lock() {
        Ok(g) => Ok(g),
        Err(TryLockError::Poisoned(e)) => Ok(e.into_inner()),
        Err(TryLockError::WouldBlock) => Err(Error::new(ErrorKind::InvalidState, busy.to_string())),
    }
}

const POLL_BUSY: &str = "poll is already running on another thread";
const PULL_BUSY: &str = "a one-shot pull is already running on another thread with this consumer";

impl rmq_pull_consumer {
    /// Frees the views of the last poll and of the last one-shot pull. A
    /// poll or pull running on another thread keeps its lock: its older
    /// views were freed when it began, so nothing is left to free.
    fn release(&self) {
        if let Ok(mut p) = try_lock(&self.polled, POLL_BUSY) {
            p.views.clear();
        }
        if let Ok(mut p) = try_lock(&self.pulled, PULL_BUSY) {
            p.clear();
        }
    }

    /// Shuts down, then frees every view (waiting for a poll that the
    /// shutdown ends).
    fn shutdown(&self) -> Result<()> {
        let outcome = self.inner.shutdown();
        self.polled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .views
            .clear();
        self.pulled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        outcome
    }
}

/// Creates a pull consumer of `group` (NUL-terminated UTF-8, copied) with
/// the Java defaults. Configure it with `rmq_pull_consumer_set`, choose its
/// queues with `rmq_pull_consumer_subscribe` or `rmq_pull_consumer_assign`,
/// then `rmq_pull_consumer_start`.
///
/// Returns the consumer, owned by the caller (free with
/// `rmq_pull_consumer_free`), or NULL if `group` is NULL, not UTF-8 or empty
/// (see `rmq_last_error()`). Mirrors Java `new DefaultLitePullConsumer(group)`.
///
/// # Safety
/// `group` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_new(group: *const c_char) -> *mut rmq_pull_consumer {
    guard_new(|| {
        crate::log::init();
        // SAFETY: `group` is NULL or a C string (# Safety).
        let group = unsafe { str_arg(group, "group") }?;
        Ok(rmq_pull_consumer {
            inner: PullConsumer::new(group)?,
            polled: Mutex::default(),
            pulled: Mutex::default(),
            born: crate::fork::Born::now(),
        })
    })
}

/// Sets configuration `key` to `value` (both NUL-terminated UTF-8), before
/// start. Keys are the Java `DefaultLitePullConsumer`/`ClientConfig`
/// property names. The consumer's own: `consumerGroup` (the group given to
/// `rmq_pull_consumer_new`), `messageModel` (CLUSTERING, BROADCASTING),
/// `consumeFromWhere` (where a group without a stored offset starts:
/// CONSUME_FROM_LAST_OFFSET, the default, CONSUME_FROM_FIRST_OFFSET or
/// CONSUME_FROM_TIMESTAMP), `consumeTimestamp` (yyyyMMddHHmmss, local time;
/// default 30 minutes before start), `allocateMessageQueueStrategy` (AVG,
/// the default, or AVG_BY_CIRCLE), `pullBatchSize` (messages per pull
/// request, 1..=1024, default 32), `pullThresholdForQueue` (messages
/// prefetched per queue, 1000), `pullThresholdSizeForQueue` (MiB prefetched
/// per queue, 100), `autoCommit` (true: commit polled offsets periodically
/// and at shutdown), `autoCommitIntervalMillis` (ms, >= 1000, default 5000),
/// `persistConsumerOffsetInterval` (the same period under Java
/// `ClientConfig`'s name), `brokerSuspendMaxTimeMillis` (ms a broker holds a pull that finds
/// nothing, 20000), `consumerTimeoutMillisWhenSuspend` (ms, timeout of such
/// a pull, greater than the suspend time, 30000), `consumerPullTimeoutMillis`
/// (ms, timeout of one-shot pulls and offset calls, 10000),
/// `pullTimeDelayMillsWhenException` (ms a queue pauses after a failed
/// pull, 1000), `rebalanceIntervalMillis` (ms, 20000); the push consumer's
/// `consumeThreadCount`, `consumeMessageBatchMaxSize`, `maxReconsumeTimes`
/// `delayLevelWhenNextConsume`, `consumeConcurrentlyMaxSpan` and
/// `suspendCurrentQueueTimeMillis` are
/// accepted and ignored; `offsetStoreDir`
/// (where a broadcasting consumer keeps its offsets; default none: in
/// memory only). The client's, as for
/// `rmq_producer_set`: `namesrvAddr` (`host:port;host:port`; empty: the
/// `NAMESRV_ADDR` environment variable), `namesrvDomain` (address server
/// of the NameServer list when no address is set), `namesrvDomainSubgroup`
/// (nsaddr), `namesrvDomainRefreshInterval` (ms, 120000), `enableMsgTrace`
/// (false; the push consumer's trace records), `customizedTraceTopic`
/// (RMQ_SYS_TRACE_TOPIC), `instanceName`, `clientIP`,
/// `unitName`, `mqClientApiTimeout` (ms, 3000), `pollNameServerInterval`
/// (ms, 30000), `heartbeatBrokerInterval` (ms, 30000), `ioBusyPollMicros`
/// (µs, 100), `namespace` (topics and the group are sent as
/// `namespace%name`; messages come back without it), `vipChannelEnabled`
/// (false), `accessKey` / `secretKey` / `securityToken` (ACL v1 signing).
/// TLS: `useTLS` (false), `tls.client.trustCertPath`, `tls.client.certPath`,
/// `tls.client.keyPath`, `tls.client.keyPassword` (the password of an
/// encrypted key), `tls.client.authServer` (true), `tls.test.mode.enable`
/// (false), `tls.config.file` (a properties file of those keys, applied now).
///
/// Errors: `RMQ_STATUS_UNKNOWN_CONFIG_KEY`; `RMQ_STATUS_INVALID_ARGUMENT`
/// (NULL, not UTF-8, value does not parse or is out of range; the setting
/// is then unchanged); `RMQ_STATUS_INVALID_STATE` after start.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `key` and `value` are NULL or C
/// strings.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_set(
    consumer: *mut rmq_pull_consumer,
    key: *const c_char,
    value: *const c_char,
) -> rmq_status {
    guard(|| {
        // SAFETY: `consumer` is NULL or live; `key` and `value` are NULL or
        // C strings (# Safety).
        let (c, key, value) = unsafe {
            (
                handle(consumer, "consumer")?,
                str_arg(key, "key")?,
                str_arg(value, "value")?,
            )
        };
        c.inner.set(key, value)
    })
}

/// Subscribes to `topic` with the tag `expression` (`*` for every message,
/// or `TagA||TagB`); both NUL-terminated UTF-8, copied. The group's members
/// split the topic's queues between them (rebalance by
/// `allocateMessageQueueStrategy`). Before or after start; subscribing to a
/// topic again replaces its expression. Mirrors Java
/// `DefaultLitePullConsumer.subscribe(topic, subExpression)`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL, not UTF-8, an expression
/// without tags); `RMQ_STATUS_INVALID_TOPIC`; `RMQ_STATUS_INVALID_STATE`
/// after `rmq_pull_consumer_assign` (the two do not mix);
/// `RMQ_STATUS_SHUTDOWN`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `topic` and `expression` are NULL
/// or C strings.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_subscribe(
    consumer: *mut rmq_pull_consumer,
    topic: *const c_char,
    expression: *const c_char,
) -> rmq_status {
    guard(|| {
        // SAFETY: `consumer` is NULL or live; `topic` and `expression` are
        // NULL or C strings (# Safety).
        let (c, topic, expression) = unsafe {
            (
                handle(consumer, "consumer")?,
                str_arg(topic, "topic")?,
                str_arg(expression, "expression")?,
            )
        };
        c.inner.subscribe(topic, expression)
    })
}

/// Drops the subscription of `topic` (NUL-terminated UTF-8) and stops
/// fetching its queues; what was already prefetched of them is dropped.
/// Mirrors Java `DefaultLitePullConsumer.unsubscribe`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL, not UTF-8);
/// `RMQ_STATUS_INVALID_TOPIC`; `RMQ_STATUS_SHUTDOWN`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `topic` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_unsubscribe(
    consumer: *mut rmq_pull_consumer,
    topic: *const c_char,
) -> rmq_status {
    guard(|| {
        // SAFETY: `consumer` is NULL or live; `topic` is NULL or a C string
        // (# Safety).
        let (c, topic) = unsafe { (handle(consumer, "consumer")?, str_arg(topic, "topic")?) };
        c.inner.unsubscribe(topic)
    })
}

/// Makes the consumer own exactly the `count` queues at `queues` (copied;
/// e.g. from `rmq_pull_consumer_queues`): no rebalance, messages of every
/// tag. Before or after start; a later call replaces the set (0 queues:
/// none). Mirrors Java `DefaultLitePullConsumer.assign`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL consumer; NULL `queues` with
/// `count` > 0; a queue with a negative id, an empty broker name, or a
/// string not NUL-terminated in its array or not UTF-8);
/// `RMQ_STATUS_INVALID_TOPIC`; `RMQ_STATUS_INVALID_STATE` after
/// `rmq_pull_consumer_subscribe` (the two do not mix); `RMQ_STATUS_SHUTDOWN`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `queues` is NULL or points to
/// `count` readable `rmq_message_queue`s.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_assign(
    consumer: *mut rmq_pull_consumer,
    queues: *const rmq_message_queue,
    count: usize,
) -> rmq_status {
    guard(|| {
        // SAFETY: `consumer` is NULL or live (# Safety).
        let c = unsafe { handle(consumer, "consumer") }?;
        if queues.is_null() && count > 0 {
            return Err(invalid("queues is NULL but count > 0"));
        }
        let list = (0..count)
            // SAFETY: i < count, and `queues` has `count` readable
            // elements (# Safety).
            .map(|i| unsafe { queue_arg(queues.add(i)) })
            .collect::<Result<Vec<MessageQueue>>>()?;
        c.inner.assign(&list)
    })
}

/// Starts the consumer: its I/O and callback threads, route lookups,
/// heartbeats, the rebalance and the prefetching pulls (long polling).
/// Mirrors Java `DefaultLitePullConsumer.start()`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL; settings that do not fit
/// together, e.g. `consumerTimeoutMillisWhenSuspend` not above
/// `brokerSuspendMaxTimeMillis`, or a reserved group);
/// `RMQ_STATUS_INVALID_STATE` (already started or shut down);
/// `RMQ_STATUS_INTERNAL` (threads).
///
/// # Safety
/// `consumer` is NULL or a live consumer.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_start(consumer: *mut rmq_pull_consumer) -> rmq_status {
    // SAFETY: `consumer` is NULL or live (# Safety).
    guard(|| unsafe { handle(consumer, "consumer") }?.inner.start())
}

/// Waits up to `timeout_ms` ms (0: no wait) for prefetched messages and
/// writes up to `capacity` of them to `msgs[0..*count)`, in offset order
/// per queue. `*count` is 0 when nothing came in time (still
/// `RMQ_STATUS_OK`), and on every failure. The offsets of what was returned
/// are what the next commit stores. Mirrors Java
/// `DefaultLitePullConsumer.poll(timeout)`.
///
/// The views are owned by the consumer: valid until this handle's next
/// poll (which frees them when it begins), `rmq_pull_consumer_release`,
/// `rmq_pull_consumer_shutdown` or `rmq_pull_consumer_free`. Read a view on
/// one thread at a time; it may be another thread than the poller's.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL consumer, msgs or count;
/// `capacity` 0; negative `timeout_ms`); `RMQ_STATUS_INVALID_STATE` (not
/// started, or another thread is polling this consumer);
/// `RMQ_STATUS_SHUTDOWN` (shut down, also while waiting).
///
/// # Safety
/// `consumer` is NULL or a live consumer; `msgs` is NULL or points to
/// `capacity` writable pointers; `count` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_poll(
    consumer: *mut rmq_pull_consumer,
    timeout_ms: i64,
    msgs: *mut *const rmq_message_ext,
    capacity: usize,
    count: *mut usize,
) -> rmq_status {
    guard(|| {
        // SAFETY: `consumer` is NULL or live (# Safety).
        let c = unsafe { handle(consumer, "consumer") }?;
        if count.is_null() {
            return Err(invalid("count is NULL"));
        }
        // SAFETY: `count` is an out pointer, not NULL (# Safety).
        unsafe { count.write(0) };
        if msgs.is_null() {
            return Err(invalid("msgs is NULL"));
        }
        if capacity == 0 {
            return Err(invalid("capacity is 0"));
        }
        if timeout_ms < 0 {
            return Err(invalid(format!("timeout_ms {} is negative", timeout_ms)));
        }
        let mut polled = try_lock(&c.polled, POLL_BUSY)?;
        let views = &mut polled.views;
        views.clear();
        c.inner.poll_each(
            Duration::from_millis(timeout_ms as u64),
            capacity,
            &mut |m| views.push(rmq_message_ext::new(m)),
        )?;
        for (i, v) in views.iter().enumerate() {
            // SAFETY: i < capacity, and `msgs` has `capacity` writable
            // elements (# Safety).
            unsafe { msgs.add(i).write(v) };
        }
        // SAFETY: `count` is an out pointer, not NULL (# Safety).
        unsafe { count.write(views.len()) };
        Ok(())
    })
}

/// Frees, early, the views of this consumer's last poll and of its last
/// one-shot pull; their pointers are invalid afterwards. The next poll or
/// pull would free them anyway. A poll or pull running on another thread
/// is left alone (its older views were already freed when it began). NULL
/// is a no-op. Never fails.
///
/// # Safety
/// `consumer` is NULL or a live consumer; no thread reads its views during
/// or after the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_release(consumer: *mut rmq_pull_consumer) {
    if consumer.is_null() {
        return;
    }
    let _ = guard(|| {
        // SAFETY: not NULL, so live (# Safety).
        unsafe { handle(consumer, "consumer") }?.release();
        Ok(())
    });
}

/// Commits the offsets of everything polled so far to the brokers and
/// waits for their answers (Java `DefaultLitePullConsumer.commitSync()`).
/// With `autoCommit` (the default) the consumer also commits every
/// `autoCommitIntervalMillis` and at shutdown.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL); `RMQ_STATUS_INVALID_STATE`
/// (not started); `RMQ_STATUS_SHUTDOWN`; `RMQ_STATUS_BROKER`,
/// `RMQ_STATUS_TIMEOUT`, `RMQ_STATUS_NETWORK` (the first broker failure).
///
/// # Safety
/// `consumer` is NULL or a live consumer.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_commit(consumer: *mut rmq_pull_consumer) -> rmq_status {
    // SAFETY: `consumer` is NULL or live (# Safety).
    guard(|| unsafe { handle(consumer, "consumer") }?.inner.commit())
}

/// Borrows the consumer and reads the queue of a per-queue call.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `mq` is NULL or points to a
/// readable `rmq_message_queue`.
pub(super) unsafe fn consumer_and_queue<'a>(
    consumer: *mut rmq_pull_consumer,
    mq: *const rmq_message_queue,
) -> Result<(&'a rmq_pull_consumer, MessageQueue)> {
    // SAFETY: `consumer` is NULL or live and `mq` NULL or readable
    // (# Safety).
    unsafe { Ok((handle(consumer, "consumer")?, queue_arg(mq)?)) }
}

/// One pull of `*mq` (any queue of the topic, owned or not) at `offset`, up
/// to `max_nums` (1..=1024) messages whose tag matches `expression` (`*`
/// or `TagA||TagB`, NUL-terminated UTF-8). With `block`, the broker holds
/// the request up to `brokerSuspendMaxTimeMillis` when nothing is there
/// yet; without it, it answers at once. Independent of polling: the offsets
/// are the caller's (store them with `rmq_pull_consumer_update_offset` if
/// the group should remember them). Mirrors Java
/// `DefaultMQPullConsumer.pull(mq, subExpression, offset, maxNums)` and,
/// with `block`, `pullBlockIfNotFound`.
///
/// On success fills `*result` (caller-allocated) and `msgs[0..result->count)`
/// with the messages found, in offset order. `capacity` must be at least
/// `max_nums`, so that no message found is lost. The views are owned by the
/// consumer: valid until this handle's next one-shot pull (which frees them
/// when it begins), `rmq_pull_consumer_release`, `rmq_pull_consumer_shutdown`
/// or `rmq_pull_consumer_free`; polls do not touch them.
///
/// Errors (`*result` is then untouched): `RMQ_STATUS_INVALID_ARGUMENT`
/// (NULL consumer, mq, expression, result or msgs; a malformed queue or
/// expression; negative `offset`; `max_nums` outside 1..=1024; `capacity`
/// below `max_nums`); `RMQ_STATUS_INVALID_TOPIC`; `RMQ_STATUS_INVALID_STATE`
/// (not started, or another thread is running a one-shot pull on this
/// consumer); `RMQ_STATUS_NO_ROUTE`; `RMQ_STATUS_BROKER`;
/// `RMQ_STATUS_TIMEOUT` (no answer within `consumerPullTimeoutMillis`, or
/// `consumerTimeoutMillisWhenSuspend` with `block`); `RMQ_STATUS_NETWORK`;
/// `RMQ_STATUS_SHUTDOWN`.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `mq` is NULL or points to a
/// readable `rmq_message_queue`; `expression` is NULL or a C string;
/// `result` is NULL or an out pointer; `msgs` is NULL or points to
/// `capacity` writable pointers.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_pull(
    consumer: *mut rmq_pull_consumer,
    mq: *const rmq_message_queue,
    expression: *const c_char,
    offset: i64,
    max_nums: i32,
    block: bool,
    result: *mut rmq_pull_result,
    msgs: *mut *const rmq_message_ext,
    capacity: usize,
) -> rmq_status {
    guard(|| {
        // SAFETY: as required by consumer_and_queue; `expression` is NULL
        // or a C string (# Safety).
        let ((c, q), expression) = unsafe {
            (
                consumer_and_queue(consumer, mq)?,
                str_arg(expression, "expression")?,
            )
        };
        if result.is_null() || msgs.is_null() {
            return Err(invalid("result or msgs is NULL"));
        }
        let max = u32::try_from(max_nums)
            .ok()
            .filter(|n| (1..=crate::consumer::MAX_PULL_NUMS).contains(n))
            .ok_or_else(|| {
                invalid(format!(
                    "max_nums {} is not within 1..={}",
                    max_nums,
                    crate::consumer::MAX_PULL_NUMS
                ))
            })?;
        if capacity < max as usize {
            return Err(invalid(format!(
                "capacity {} is below max_nums {}",
                capacity, max_nums
            )));
        }
        let mut views = try_lock(&c.pulled, PULL_BUSY)?;
        views.clear();
        let PullResult {
            status,
            next_begin_offset,
            min_offset,
            max_offset,
            messages,
        } = c.inner.pull(&q, expression, offset, max, block)?;
        views.extend(messages.into_iter().map(rmq_message_ext::new));
        // A broker never answers with more than max_nums messages; should
        // one do so, the extra views are not handed out.
        views.truncate(capacity);
        for (i, v) in views.iter().enumerate() {
            // SAFETY: i < capacity, and `msgs` has `capacity` writable
            // elements (# Safety).
            unsafe { msgs.add(i).write(v) };
        }
        let out = rmq_pull_result {
            status: rmq_pull_status::from(status) as i32,
            next_begin_offset,
            min_offset,
            max_offset,
            count: views.len(),
        };
        // SAFETY: `result` is an out pointer, not NULL (# Safety).
        unsafe { result.write(out) };
        Ok(())
    })
}

/// The name of a pull status, e.g. `"FOUND"`: a static string, never
/// freed; `"UNKNOWN"` for values outside `rmq_pull_status`.
#[no_mangle]
pub extern "C" fn rmq_pull_status_name(status: i32) -> *const c_char {
    let name: &'static std::ffi::CStr = match status {
        0 => c"FOUND",
        1 => c"NO_NEW_MSG",
        2 => c"NO_MATCHED_MSG",
        3 => c"OFFSET_ILLEGAL",
        _ => c"UNKNOWN",
    };
    name.as_ptr()
}

/// Shuts the consumer down: commits the polled offsets (with `autoCommit`),
/// unregisters from the brokers, closes the sockets and joins its threads;
/// a poll blocked on another thread returns `RMQ_STATUS_SHUTDOWN`. Then
/// frees the views of the last poll and pull. Idempotent; later calls fail
/// with `RMQ_STATUS_SHUTDOWN` (`rmq_pull_consumer_start` and
/// `rmq_pull_consumer_set`: `RMQ_STATUS_INVALID_STATE`). A consumer cannot
/// be restarted. Mirrors Java
/// `DefaultLitePullConsumer.shutdown()`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL); nothing else (a commit
/// or unregister that fails during shutdown is not reported).
///
/// # Safety
/// `consumer` is NULL or a live consumer; no thread reads its views during
/// or after the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_shutdown(
    consumer: *mut rmq_pull_consumer,
) -> rmq_status {
    // SAFETY: `consumer` is NULL or live (# Safety).
    guard(|| unsafe { handle(consumer, "consumer") }?.shutdown())
}

/// Shuts down (as `rmq_pull_consumer_shutdown`) if needed, then frees the
/// consumer and its views. NULL is a no-op returning `RMQ_STATUS_OK`. The
/// handle is invalid afterwards. Returns `RMQ_STATUS_OK` (or
/// `RMQ_STATUS_PANIC` if a panic was caught; the handle is freed all the
/// same).
///
/// # Safety
/// `consumer` is NULL or a live consumer; no other call on it may run
/// during this one or follow it, and no thread reads its views afterwards.
#[no_mangle]
pub unsafe extern "C" fn rmq_pull_consumer_free(consumer: *mut rmq_pull_consumer) -> rmq_status {
    if consumer.is_null() {
        return rmq_status::Ok;
    }
    // SAFETY: not NULL, so a live consumer (# Safety).
    if let Some(status) = unsafe { super::refuse_inherited(consumer) } {
        return status;
    }
    // SAFETY: not NULL, so a live consumer (# Safety).
    let status = guard(|| unsafe { &*consumer }.shutdown());
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: a live consumer comes from Box::into_raw in
        // rmq_pull_consumer_new and, with nothing else using it (# Safety),
        // is freed once.
        drop(unsafe { Box::from_raw(consumer) })
    }));
    status
}
