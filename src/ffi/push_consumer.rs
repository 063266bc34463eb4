//! `rmq_push_consumer`: the push consumer from C (Java
//! `DefaultMQPushConsumer` with a `MessageListenerConcurrently`).
//! Configure by key/value, subscribe, set the consume callback, start; the
//! consumer then pulls (rebalance, long polling, prefetch) and calls the
//! callback on its consume threads with the messages it received. The
//! callback's answer decides each batch: `RMQ_CONSUME_SUCCESS` (done; its
//! offsets get committed) or `RMQ_RECONSUME_LATER` (sent back to the broker
//! and delivered again later through `%RETRY%<group>`, after
//! `maxReconsumeTimes` failures to `%DLQ%<group>`).
//!
//! The callback gets `rmq_message_ext` views that live only during the
//! call. They are built per call from the batch the consume thread holds,
//! lent from it (no copy of a message, not even a reference count: the
//! bodies and properties stay slices of the received frame), in two vectors
//! per consume thread that are reused from call to call.
//!
//! Configuration, subscriptions and the callback are fixed at start. The
//! handle is thread-safe (any thread may call any function), but
//! `rmq_push_consumer_free` must not race with other calls on it.

use std::cell::RefCell;
use std::ffi::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::message_ext::rmq_message_ext;
use super::{guard, guard_new, handle, rmq_status, str_arg, UserData};
use crate::consumer::{ConsumeStatus, MessageListener, PushConsumer};
use crate::error::{Error, ErrorKind};
use crate::protocol::message_ext::MessageExt;

super::client_handle!(rmq_push_consumer);

/// Opaque push consumer handle. Create with `rmq_push_consumer_new`, free
/// with `rmq_push_consumer_free`.
pub struct rmq_push_consumer {
    inner: PushConsumer,
    /// The fork generation it was created in (see `ffi::Handle`).
    pub(crate) born: crate::fork::Born,
}

/// What a consume callback answers (Java `ConsumeConcurrentlyStatus`).
/// The callback returns it as an `int32_t`: any value other than these two
/// counts as `RMQ_RECONSUME_LATER`.
///
/// cbindgen:prefix-with-name=false
/// cbindgen:rename-all=None
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmq_consume_status {
    /// `CONSUME_SUCCESS`: the messages are consumed; their offsets are
    /// committed.
    RMQ_CONSUME_SUCCESS = 0,
    /// `RECONSUME_LATER`: deliver the messages again later (each is sent
    /// back to its broker for a retry; the retry comes back with
    /// `rmq_message_ext_reconsume_times` one higher, after
    /// `maxReconsumeTimes` failures it goes to `%DLQ%<group>`). A
    /// BROADCASTING consumer drops them instead (logged), as Java does.
    RMQ_RECONSUME_LATER = 1,
}

/// The consume callback (Java `MessageListenerConcurrently.consumeMessage`):
/// `msgs[0..count)` are 1 to `consumeMessageBatchMaxSize` messages of one
/// queue, in offset order. The array and the views (and every string and
/// body their getters return) are valid only during the call: copy what
/// you need. Returns `RMQ_CONSUME_SUCCESS` (0) or `RMQ_RECONSUME_LATER`
/// (1); any other value counts as `RMQ_RECONSUME_LATER`.
///
/// Runs on the consumer's consume threads (`rocketmq-consume-N`), never on
/// the I/O thread nor on the thread that called `rmq_push_consumer_start`;
/// several calls may run at once, at most `consumeThreadCount` in parallel,
/// so the callback must be thread-safe. It must not unwind (no C++
/// exception may leave it). It may call `rmq_*` functions, except that
/// `rmq_push_consumer_shutdown` and `rmq_push_consumer_free` fail there with
/// `RMQ_STATUS_INVALID_STATE`; read a failure's text with `rmq_last_error()`
/// on the same thread, as anywhere.
pub type rmq_consume_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        msgs: *const *const rmq_message_ext,
        count: usize,
    ) -> i32,
>;

/// The C signature of [`rmq_consume_callback`] without its `Option`.
type ConsumeFn = unsafe extern "C" fn(
    user_data: *mut c_void,
    msgs: *const *const rmq_message_ext,
    count: usize,
) -> i32;

/// An `int32_t` answer from C: 0 success, anything else reconsume later.
fn status_from_c(v: i32) -> ConsumeStatus {
    if v == rmq_consume_status::RMQ_CONSUME_SUCCESS as i32 {
        ConsumeStatus::Success
    } else {
        ConsumeStatus::ReconsumeLater
    }
}

/// The storage of one call's views and of the pointer array handed to C,
/// kept per consume thread so that a steady stream of calls allocates
/// neither. Both are emptied after every call (also when it unwinds: see
/// [`Emptied`]), so no view outlives the batch it was lent.
#[derive(Default)]
struct CallViews {
    views: Vec<rmq_message_ext>,
    pointers: Vec<*const rmq_message_ext>,
}

thread_local! {
    static CALL_VIEWS: RefCell<CallViews> = RefCell::new(CallViews::default());
}

/// Empties a [`CallViews`] when dropped.
struct Emptied<'a>(&'a mut CallViews);

impl Drop for Emptied<'_> {
    fn drop(&mut self) {
        self.0.pointers.clear();
        self.0.views.clear();
    }
}

/// Calls `callback(user_data, views, n)` with views lent from `msgs` (no
/// copy, no reference count) and returns its answer.
fn deliver(callback: ConsumeFn, user_data: UserData, msgs: &[MessageExt]) -> ConsumeStatus {
    let call = |buf: &mut CallViews| {
        let buf = Emptied(buf);
        buf.0.views.clear();
        buf.0.pointers.clear();
        // SAFETY: `msgs` outlives the views, unchanged: `Emptied` drops
        // them before this closure returns or unwinds.
        buf.0
            .views
            .extend(msgs.iter().map(|m| unsafe { rmq_message_ext::lent(m) }));
        let CallViews { views, pointers } = &mut *buf.0;
        pointers.extend(views.iter().map(|v| v as *const rmq_message_ext));
        // SAFETY: the caller of rmq_push_consumer_set_listener guarantees
        // that the callback is callable with `user_data` on the consume
        // threads; the array holds `len` pointers to views that stay alive
        // (and unchanged) until it returns.
        let answer = unsafe { callback(user_data.get(), pointers.as_ptr(), pointers.len()) };
        status_from_c(answer)
    };
    CALL_VIEWS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => call(&mut buf),
        // Not reachable (a callback cannot start another on its thread);
        // fresh storage all the same rather than a panic.
        Err(_) => call(&mut CallViews::default()),
    })
}

/// Creates a push consumer of `group` (NUL-terminated UTF-8, copied) with
/// the Java defaults. Configure it with `rmq_push_consumer_set`, subscribe
/// with `rmq_push_consumer_subscribe`, set the callback with
/// `rmq_push_consumer_set_listener`, then `rmq_push_consumer_start`. No
/// thread runs before start.
///
/// Returns the consumer, owned by the caller (free with
/// `rmq_push_consumer_free`), or NULL if `group` is NULL, not UTF-8 or
/// empty (see `rmq_last_error()`). Mirrors Java
/// `new DefaultMQPushConsumer(group)`.
///
/// # Safety
/// `group` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn rmq_push_consumer_new(group: *const c_char) -> *mut rmq_push_consumer {
    guard_new(|| {
        // SAFETY: `group` is NULL or a C string (# Safety).
        let group = unsafe { str_arg(group, "group") }?;
        Ok(rmq_push_consumer {
            inner: PushConsumer::new(group)?,
            born: crate::fork::Born::now(),
        })
    })
}

/// Sets configuration `key` to `value` (both NUL-terminated UTF-8), before
/// start. Keys are the Java `DefaultMQPushConsumer`/`ClientConfig` property
/// names, the same table as `rmq_pull_consumer_set`. The push consumer's
/// own: `consumeThreadCount` (threads that run the callback, 1..=1000,
/// default 20; also the most callbacks running at once),
/// `consumeMessageBatchMaxSize` (most messages per callback, all of one
/// queue, 1..=1024, default 1), `maxReconsumeTimes` (deliveries after which
/// a message the callback keeps failing goes to `%DLQ%<group>`; -1, the
/// default, means 16), `delayLevelWhenNextConsume` (delay level of a
/// message sent back for a retry, 1..=18 = 1 s .. 2 h; 0, the default: the
/// broker's 3 + reconsume times, i.e. 10 s, 30 s, 1 min, ...),
/// `consumeConcurrentlyMaxSpan` (a queue stops pulling while the offsets
/// in flight span more than this, 1..=65535, default 2000),
/// `suspendCurrentQueueTimeMillis` (orderly listener: ms a queue pauses
/// before a message it asked to retry comes again, 10..=30000, default
/// 1000), `offsetStoreDir` (where a broadcasting consumer keeps its
/// offsets, `<dir>/<group>/offsets.json`; default none: in memory only,
/// nothing is written unasked). The consumer's: `consumerGroup` (the group given to `rmq_push_consumer_new`),
/// `messageModel` (CLUSTERING, the default: the group's members split the
/// queues, and failed messages are retried through `%RETRY%<group>`;
/// BROADCASTING: every member gets every queue), `consumeFromWhere` (where
/// a group without a stored offset starts: CONSUME_FROM_LAST_OFFSET, the
/// default, CONSUME_FROM_FIRST_OFFSET or CONSUME_FROM_TIMESTAMP),
/// `consumeTimestamp` (yyyyMMddHHmmss, local time; default 30 minutes
/// before start), `allocateMessageQueueStrategy` (AVG, the default, or
/// AVG_BY_CIRCLE), `pullBatchSize` (messages per pull request, 1..=1024,
/// default 32), `pullThresholdForQueue` (messages prefetched and not yet
/// consumed per queue, 1000), `pullThresholdSizeForQueue` (MiB of them per
/// queue, 100), `autoCommit` (true: commit the consumed offsets
/// periodically and at shutdown; false: never, the group then resumes from
/// what it last committed), `autoCommitIntervalMillis` (ms, >= 1000,
/// default 5000), `persistConsumerOffsetInterval` (the same period under
/// Java `ClientConfig`'s name), `brokerSuspendMaxTimeMillis` (ms a broker
/// holds a pull that finds nothing, 20000),
/// `consumerTimeoutMillisWhenSuspend` (ms, timeout of such a pull, greater
/// than the suspend time, 30000), `consumerPullTimeoutMillis` (ms, timeout
/// of the pull consumer's one-shot calls: accepted and unused here, 10000),
/// `pullTimeDelayMillsWhenException` (ms a queue pauses after a failed
/// pull, 1000), `rebalanceIntervalMillis` (ms, 20000). The client's, as for
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
/// is then unchanged); `RMQ_STATUS_INVALID_STATE` after start;
/// `RMQ_STATUS_SHUTDOWN` after shutdown.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `key` and `value` are NULL or C
/// strings.
#[no_mangle]
pub unsafe extern "C" fn rmq_push_consumer_set(
    consumer: *mut rmq_push_consumer,
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
/// or `TagA||TagB`); both NUL-terminated UTF-8, copied. Before start;
/// subscribing to a topic again replaces its expression. The group's
/// members split the topic's queues between them (rebalance by
/// `allocateMessageQueueStrategy`). Mirrors Java
/// `DefaultMQPushConsumer.subscribe(topic, subExpression)`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL, not UTF-8, an expression
/// without tags); `RMQ_STATUS_INVALID_TOPIC`; `RMQ_STATUS_INVALID_STATE`
/// after start; `RMQ_STATUS_SHUTDOWN` after shutdown.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `topic` and `expression` are NULL
/// or C strings.
#[no_mangle]
pub unsafe extern "C" fn rmq_push_consumer_subscribe(
    consumer: *mut rmq_push_consumer,
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

/// Drops the subscription of `topic` (NUL-terminated UTF-8), before start;
/// a topic that was not subscribed is no error. Mirrors Java
/// `DefaultMQPushConsumer.unsubscribe`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL, not UTF-8);
/// `RMQ_STATUS_INVALID_STATE` after start; `RMQ_STATUS_SHUTDOWN` after
/// shutdown.
///
/// # Safety
/// `consumer` is NULL or a live consumer; `topic` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn rmq_push_consumer_unsubscribe(
    consumer: *mut rmq_push_consumer,
    topic: *const c_char,
) -> rmq_status {
    guard(|| {
        // SAFETY: `consumer` is NULL or live; `topic` is NULL or a C string
        // (# Safety).
        let (c, topic) = unsafe { (handle(consumer, "consumer")?, str_arg(topic, "topic")?) };
        c.inner.unsubscribe(topic)
    })
}

/// Sets the consume callback: from start on, `callback(user_data, msgs,
/// count)` gets the received messages (see `rmq_consume_callback` for the
/// views, the answer and the threads). Before start; a second call replaces
/// the first. A callback that panics inside the library's wrapper (not in
/// C) counts as `RMQ_RECONSUME_LATER`. Mirrors Java
/// `DefaultMQPushConsumer.registerMessageListener(MessageListenerConcurrently)`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL consumer or callback);
/// `RMQ_STATUS_INVALID_STATE` after start; `RMQ_STATUS_SHUTDOWN` after
/// shutdown.
///
/// # Safety
/// `consumer` is NULL or a live consumer; a non-NULL `callback` stays
/// callable with `user_data` from the consumer's consume threads,
/// concurrently, until `rmq_push_consumer_shutdown` (or
/// `rmq_push_consumer_free`) has returned: `user_data` must outlive the
/// consumer's running life.
#[no_mangle]
pub unsafe extern "C" fn rmq_push_consumer_set_listener(
    consumer: *mut rmq_push_consumer,
    callback: rmq_consume_callback,
    user_data: *mut c_void,
) -> rmq_status {
    // SAFETY: as this function's # Safety.
    unsafe { set_callback(consumer, callback, user_data, false) }
}

/// Sets `callback` as the consumer's concurrent or `orderly` listener.
///
/// # Safety
/// As `rmq_push_consumer_set_listener`.
unsafe fn set_callback(
    consumer: *mut rmq_push_consumer,
    callback: rmq_consume_callback,
    user_data: *mut c_void,
    orderly: bool,
) -> rmq_status {
    guard(|| {
        // SAFETY: `consumer` is NULL or live (# Safety).
        let c = unsafe { handle(consumer, "consumer") }?;
        let Some(callback) = callback else {
            return Err(Error::new(ErrorKind::InvalidArgument, "callback is NULL"));
        };
        let user_data = UserData::new(user_data);
        let listener: MessageListener = Arc::new(move |msgs: &[MessageExt]| {
            catch_unwind(AssertUnwindSafe(|| deliver(callback, user_data, msgs)))
                .unwrap_or(ConsumeStatus::ReconsumeLater)
        });
        if orderly {
            c.inner.register_orderly_listener(listener)
        } else {
            c.inner.register_listener(listener)
        }
    })
}

/// Sets an orderly callback instead (Java `MessageListenerOrderly`),
/// before start: the same signature and views as
/// `rmq_push_consumer_set_listener`, but a queue is given to one callback
/// call at a time, in offset order, and (CLUSTERING) only while this client
/// holds the queue's lock on its broker. `RMQ_RECONSUME_LATER` (or any
/// other value) means SUSPEND_CURRENT_QUEUE_A_MOMENT: the queue pauses
/// `suspendCurrentQueueTimeMillis`, then the same messages come again
/// (reconsume times + 1), before any later one of their queue. Calls for
/// different queues may run at once, on the consume threads. Mirrors Java
/// `DefaultMQPushConsumer.registerMessageListener(MessageListenerOrderly)`.
///
/// Errors: as `rmq_push_consumer_set_listener`.
///
/// # Safety
/// As `rmq_push_consumer_set_listener`.
#[no_mangle]
pub unsafe extern "C" fn rmq_push_consumer_set_orderly_listener(
    consumer: *mut rmq_push_consumer,
    callback: rmq_consume_callback,
    user_data: *mut c_void,
) -> rmq_status {
    // SAFETY: as this function's # Safety.
    unsafe { set_callback(consumer, callback, user_data, true) }
}

/// Starts the consumer: its I/O and callback threads and
/// `consumeThreadCount` consume threads, route lookups, heartbeats, the
/// rebalance and the prefetching pulls (long polling); the callback runs
/// as messages arrive. In CLUSTERING mode the group's retry topic
/// `%RETRY%<group>` is subscribed too (Java `copySubscription`). Mirrors
/// Java `DefaultMQPushConsumer.start()`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL; settings that do not fit
/// together, e.g. `consumerTimeoutMillisWhenSuspend` not above
/// `brokerSuspendMaxTimeMillis`, or a reserved group);
/// `RMQ_STATUS_INVALID_STATE` (no callback set, no topic subscribed,
/// already started); `RMQ_STATUS_SHUTDOWN` (shut down: a consumer cannot be
/// restarted); `RMQ_STATUS_INTERNAL` (threads).
///
/// # Safety
/// `consumer` is NULL or a live consumer.
#[no_mangle]
pub unsafe extern "C" fn rmq_push_consumer_start(consumer: *mut rmq_push_consumer) -> rmq_status {
    // SAFETY: `consumer` is NULL or live (# Safety).
    guard(|| unsafe { handle(consumer, "consumer") }?.inner.start())
}

/// Shuts the consumer down: no callback starts after this begins; waits
/// for the callbacks that run (at most 30 s: one that runs longer is left
/// running, and its `user_data` must stay valid until it returns), commits
/// the consumed offsets (with `autoCommit`), unregisters from the brokers,
/// closes the sockets and joins the threads. Idempotent (also before
/// start); afterwards every call but this one and `rmq_push_consumer_free`
/// fails with `RMQ_STATUS_SHUTDOWN`. A consumer cannot be restarted.
/// Mirrors Java `DefaultMQPushConsumer.shutdown()`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL); `RMQ_STATUS_INVALID_STATE`
/// when called from a consume callback (of any push consumer: it would wait
/// for itself; nothing is shut down); nothing else (a commit or unregister
/// that fails during shutdown is not reported).
///
/// # Safety
/// `consumer` is NULL or a live consumer.
#[no_mangle]
pub unsafe extern "C" fn rmq_push_consumer_shutdown(
    consumer: *mut rmq_push_consumer,
) -> rmq_status {
    // SAFETY: `consumer` is NULL or live (# Safety).
    guard(|| unsafe { handle(consumer, "consumer") }?.inner.shutdown())
}

/// Shuts down (as `rmq_push_consumer_shutdown`) if needed, then frees the
/// consumer. NULL is a no-op returning `RMQ_STATUS_OK`. The handle is
/// invalid afterwards.
///
/// Returns `RMQ_STATUS_OK`; `RMQ_STATUS_INVALID_STATE` when called from a
/// consume callback (nothing is shut down or freed: the handle stays
/// valid; free it from another thread); `RMQ_STATUS_PANIC` if a panic was
/// caught (the handle is freed all the same).
///
/// # Safety
/// `consumer` is NULL or a live consumer; no other call on it may run
/// during this one or follow it (but from a callback, see above).
#[no_mangle]
pub unsafe extern "C" fn rmq_push_consumer_free(consumer: *mut rmq_push_consumer) -> rmq_status {
    if consumer.is_null() {
        return rmq_status::Ok;
    }
    // SAFETY: not NULL, so a live consumer (# Safety).
    if let Some(status) = unsafe { super::refuse_inherited(consumer) } {
        return status;
    }
    let refused = guard(|| {
        if PushConsumer::on_consume_thread() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "rmq_push_consumer_free cannot be called from a consume callback (it would wait for itself); nothing was freed",
            ));
        }
        Ok(())
    });
    if refused != rmq_status::Ok {
        return refused;
    }
    // SAFETY: not NULL, so a live consumer (# Safety).
    let status = guard(|| unsafe { &*consumer }.inner.shutdown());
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: a live consumer comes from Box::into_raw in
        // rmq_push_consumer_new and, with nothing else using it (# Safety),
        // is freed once.
        drop(unsafe { Box::from_raw(consumer) })
    }));
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_other_than_success_reconsume_later() {
        assert_eq!(status_from_c(0), ConsumeStatus::Success);
        for v in [1, 2, -1, i32::MAX, i32::MIN] {
            assert_eq!(status_from_c(v), ConsumeStatus::ReconsumeLater, "{}", v);
        }
        assert_eq!(rmq_consume_status::RMQ_CONSUME_SUCCESS as i32, 0);
        assert_eq!(rmq_consume_status::RMQ_RECONSUME_LATER as i32, 1);
    }
}
