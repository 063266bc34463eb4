//! `rmq_producer`: configure by key/value, start, send, shut down, free.
//! A producer may be used from many threads at once (sends of any kind);
//! `rmq_producer_free` must not race with other calls on the same handle.

use std::ffi::{c_char, c_void, CString};
use std::mem::MaybeUninit;
use std::time::Duration;

use super::message::{message_ref, rmq_message};
use super::{copy_c_str, guard, guard_new, handle, rmq_status, str_arg, UserData};
use crate::error::{Error, ErrorKind, Result};
use crate::message::Message;
use crate::producer::{Producer, SendResult, SendStatus};
use crate::producer::{RawCallback, SendResultView};

super::client_handle!(rmq_producer);

/// Opaque producer handle. Create with `rmq_producer_new`, free with
/// `rmq_producer_free`.
pub struct rmq_producer {
    pub(crate) inner: Producer,
    /// The fork generation it was created in (see `ffi::Handle`).
    pub(crate) born: crate::fork::Born,
}

/// Store status of a successful send (Java `SendStatus`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmq_send_status {
    /// Stored.
    SendOk = 0,
    /// Stored; the synchronous disk flush timed out.
    FlushDiskTimeout = 1,
    /// Stored; replication to the slave timed out.
    FlushSlaveTimeout = 2,
    /// Stored; no slave available.
    SlaveNotAvailable = 3,
}

/// Capacity of the id fields of `rmq_send_result`, bytes including the NUL.
pub const RMQ_ID_CAPACITY: usize = 64;
/// Capacity of the name fields of `rmq_send_result`, bytes including the NUL.
pub const RMQ_NAME_CAPACITY: usize = 256;

/// The outcome of a successful send. Plain data, caller-allocated: every
/// string is NUL-terminated inside its array (if longer, truncated at a
/// UTF-8 character boundary, which RocketMQ's own limits never require).
/// The bytes after a string's NUL are unspecified (a callback's result is
/// written string by string).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmq_send_result {
    /// Store status.
    pub status: rmq_send_status,
    /// Queue id the message was stored in.
    pub queue_id: i32,
    /// Offset in that queue.
    pub queue_offset: i64,
    /// Client message id (`UNIQ_KEY`, 32 hex characters; 56 with IPv6).
    pub msg_id: [c_char; RMQ_ID_CAPACITY],
    /// Broker message id (store host + commit-log offset).
    pub offset_msg_id: [c_char; RMQ_ID_CAPACITY],
    /// Transaction id as reported by the broker, "" if none.
    pub transaction_id: [c_char; RMQ_ID_CAPACITY],
    /// Topic.
    pub topic: [c_char; RMQ_NAME_CAPACITY],
    /// Broker name of the queue.
    pub broker_name: [c_char; RMQ_NAME_CAPACITY],
}

/// An error as passed to callbacks. The pointers inside are valid only for
/// the duration of the callback.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmq_error_info {
    /// What went wrong.
    pub status: rmq_status,
    /// The broker's response code when `status` is `RMQ_STATUS_BROKER`, else 0.
    pub response_code: i32,
    /// NUL-terminated UTF-8 description.
    pub message: *const c_char,
}

/// Async send outcome callback. Exactly one of `result` and `error` is
/// non-NULL; both point to data valid only during the call. `user_data` is
/// the pointer given to `rmq_producer_send_async`.
///
/// Runs on the producer's callback thread: never the caller's thread, never
/// the I/O thread, never two at once for one producer, in completion order.
/// It may call `rmq_producer_send*` again; `rmq_producer_shutdown` and
/// `rmq_producer_free` called from it fail with `RMQ_STATUS_INVALID_STATE`.
pub type rmq_send_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        result: *const rmq_send_result,
        error: *const rmq_error_info,
    ),
>;

/// Runs a sync send behind the panic boundary: checks `result` before any
/// work is done, then runs `send` and writes its outcome to `*result`.
/// Errors: NULL `result`, and those of `send`.
///
/// # Safety
/// `result` is NULL or valid for writes of an `rmq_send_result` (it need not
/// be initialised).
pub(crate) unsafe fn send_into(
    result: *mut rmq_send_result,
    send: impl FnOnce() -> Result<SendResult>,
) -> rmq_status {
    guard(|| {
        if result.is_null() {
            return Err(Error::new(ErrorKind::InvalidArgument, "result is NULL"));
        }
        let out = rmq_send_result::from(&send()?);
        // SAFETY: not NULL, so valid for writes (# Safety).
        unsafe { result.write(out) };
        Ok(())
    })
}

/// Calls `f` with `e` as an `rmq_error_info` (valid during the call only).
pub(crate) fn with_error_info<R>(e: &Error, f: impl FnOnce(&rmq_error_info) -> R) -> R {
    let text = CString::new(e.to_string().replace('\0', " ")).unwrap_or_default();
    f(&rmq_error_info {
        status: e.kind().into(),
        response_code: e.response_code(),
        message: text.as_ptr(),
    })
}

impl From<&SendResult> for rmq_send_result {
    fn from(r: &SendResult) -> rmq_send_result {
        rmq_send_result::from(&r.view())
    }
}

impl From<&SendResultView<'_>> for rmq_send_result {
    fn from(r: &SendResultView<'_>) -> rmq_send_result {
        let mut out = std::mem::MaybeUninit::<rmq_send_result>::zeroed();
        // SAFETY: `out` is a valid place for a send result.
        unsafe { write_send_result(out.as_mut_ptr(), r) };
        // SAFETY: all-zero bytes are a valid rmq_send_result (status 0 is
        // SendOk, the rest are integers and chars), and every field was
        // then written.
        unsafe { out.assume_init() }
    }
}

/// Writes `r` into `*out` field by field, each string with its NUL and
/// nothing after it (the bytes behind a NUL keep whatever they held).
///
/// # Safety
/// `out` must be valid for writes of an `rmq_send_result`.
unsafe fn write_send_result(out: *mut rmq_send_result, r: &SendResultView<'_>) {
    /// Writes `s` and a NUL to the array at `dst` with [`copy_c_str`].
    ///
    /// # Safety
    /// `dst` must be valid for writes of `[c_char; N]` (it need not be
    /// initialised) and not be used otherwise during the call.
    unsafe fn put<const N: usize>(dst: *mut [c_char; N], s: &str) {
        // SAFETY: MaybeUninit<c_char> has the layout of c_char and no
        // validity requirement; `dst` is valid and unaliased (# Safety).
        let slots = unsafe { &mut *dst.cast::<[MaybeUninit<c_char>; N]>() };
        copy_c_str(slots, s);
    }
    let status = match r.status {
        SendStatus::SendOk => rmq_send_status::SendOk,
        SendStatus::FlushDiskTimeout => rmq_send_status::FlushDiskTimeout,
        SendStatus::FlushSlaveTimeout => rmq_send_status::FlushSlaveTimeout,
        SendStatus::SlaveNotAvailable => rmq_send_status::SlaveNotAvailable,
    };
    // SAFETY: the caller passes a writable result; fields are written
    // through raw pointers, never read.
    unsafe {
        std::ptr::addr_of_mut!((*out).status).write(status);
        std::ptr::addr_of_mut!((*out).queue_id).write(r.queue_id);
        std::ptr::addr_of_mut!((*out).queue_offset).write(r.queue_offset);
        put(std::ptr::addr_of_mut!((*out).msg_id), r.msg_id);
        put(
            std::ptr::addr_of_mut!((*out).offset_msg_id),
            r.offset_msg_id,
        );
        put(
            std::ptr::addr_of_mut!((*out).transaction_id),
            r.transaction_id.unwrap_or(""),
        );
        put(std::ptr::addr_of_mut!((*out).topic), r.topic);
        put(std::ptr::addr_of_mut!((*out).broker_name), r.broker_name);
    }
}

/// Creates a producer of `group` (NUL-terminated UTF-8, copied) with the
/// Java defaults. Configure it with `rmq_producer_set`, then
/// `rmq_producer_start`.
///
/// Returns the producer, owned by the caller (free with
/// `rmq_producer_free`), or NULL if `group` is NULL, not UTF-8 or empty (see
/// `rmq_last_error()`). Mirrors Java `new DefaultMQProducer(group)`.
///
/// # Safety
/// `group` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_new(group: *const c_char) -> *mut rmq_producer {
    guard_new(|| {
        crate::log::init();
        // SAFETY: `group` is NULL or a C string (# Safety).
        let group = unsafe { str_arg(group, "group") }?;
        Ok(rmq_producer {
            inner: Producer::new(group)?,
            born: crate::fork::Born::now(),
        })
    })
}

/// Sets configuration `key` to `value` (both NUL-terminated UTF-8). Keys
/// are the Java `DefaultMQProducer`/`ClientConfig` property names:
/// `namesrvAddr` (`host:port;host:port`), `namesrvDomain` (address server
/// of the NameServer list when no address is set: `host` with Java's port
/// 8080, `host:port` or an `http://` URL), `namesrvDomainSubgroup`
/// (nsaddr), `namesrvDomainRefreshInterval` (ms, 120000), `enableMsgTrace`
/// (false: trace records to the trace topic), `customizedTraceTopic`
/// (RMQ_SYS_TRACE_TOPIC), `sendMsgTimeout` (ms, default
/// 3000), `retryTimesWhenSendFailed` (2), `retryTimesWhenSendAsyncFailed`
/// (2), `retryAnotherBrokerWhenNotStoreOK` (false), `compressMsgBodyOverHowmuch`
/// (bytes, 4096), `compressLevel` (5), `maxMessageSize` (bytes, 4194304),
/// `instanceName`, `clientIP`, `unitName`, `producerGroup`,
/// `defaultTopicQueueNums` (4), `createTopicKey` (TBW102),
/// `mqClientApiTimeout` (ms, 3000), `pollNameServerInterval` (ms, 30000),
/// `heartbeatBrokerInterval` (ms, 30000), `backPressureForAsyncSendNum`
/// (2048), `backPressureForAsyncSendSize` (bytes, 104857600),
/// `enableBackpressureForAsyncMode` (true: block when full; false: fail with
/// `RMQ_STATUS_QUEUE_FULL`), `shutdownTimeout` (ms, 3000),
/// `sendLatencyFaultEnable` (true), `compressType` (ZLIB, LZ4, ZSTD),
/// `namespace`, `accessKey` / `secretKey` / `securityToken` (ACL v1
/// signing), `vipChannelEnabled` (false), `ioBusyPollMicros` (µs, 100:
/// busy polling for sync sends to brokers that answer faster than that;
/// 0 = off). `compressLevel` is 0..=9 for zlib; LZ4 and zstd ignore it.
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
/// `producer` is NULL or a live producer; `key` and `value` are NULL or C
/// strings.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_set(
    producer: *mut rmq_producer,
    key: *const c_char,
    value: *const c_char,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer` is NULL or live; `key` and `value` are NULL or
        // C strings (# Safety).
        let (p, key, value) = unsafe {
            (
                handle(producer, "producer")?,
                str_arg(key, "key")?,
                str_arg(value, "value")?,
            )
        };
        p.inner.set(key, value)
    })
}

/// Starts the producer: its I/O thread and callback thread. Routes are
/// looked up on first send. Mirrors Java `DefaultMQProducer.start()`.
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL); `RMQ_STATUS_INVALID_STATE`
/// (already started or shut down); `RMQ_STATUS_INTERNAL` (threads).
///
/// # Safety
/// `producer` is NULL or a live producer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_start(producer: *mut rmq_producer) -> rmq_status {
    // SAFETY: `producer` is NULL or live (# Safety).
    guard(|| unsafe { handle(producer, "producer") }?.inner.start())
}

/// Sends `msg` and blocks until it is stored or failed: at most
/// `sendMsgTimeout` ms for 1 + `retryTimesWhenSendFailed` attempts (each
/// retry on another broker when there is one). On success fills `*result`
/// (caller-allocated; untouched on failure). Safe to call from many threads
/// at once. Mirrors Java `DefaultMQProducer.send(Message)`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL); `RMQ_STATUS_INVALID_TOPIC`,
/// `RMQ_STATUS_INVALID_MESSAGE` (empty body), `RMQ_STATUS_MESSAGE_TOO_LARGE`
/// (checked before any network I/O); `RMQ_STATUS_INVALID_STATE` (not
/// started); `RMQ_STATUS_SHUTDOWN`; `RMQ_STATUS_NO_ROUTE`;
/// `RMQ_STATUS_TIMEOUT`; `RMQ_STATUS_NETWORK`; `RMQ_STATUS_BROKER` (see
/// `rmq_last_error_response_code()`).
///
/// # Safety
/// `producer` is NULL or a live producer; `msg` is NULL or a live message
/// not changed by another thread during the call; `result` is NULL or an
/// out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send(
    producer: *mut rmq_producer,
    msg: *const rmq_message,
    result: *mut rmq_send_result,
) -> rmq_status {
    let send = || {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, m) = unsafe { (handle(producer, "producer")?, message_ref(msg)?) };
        p.inner.send(m)
    };
    // SAFETY: `result` is NULL or an out pointer (# Safety).
    unsafe { send_into(result, send) }
}

/// Sends `msg` without blocking on the network; `callback(user_data, …)`
/// gets the outcome exactly once, on the producer's callback thread (see
/// `rmq_send_callback`): success, broker error, timeout, connection loss, or
/// `RMQ_STATUS_SHUTDOWN` if the producer shuts down first. Attempts:
/// 1 + `retryTimesWhenSendAsyncFailed` within `sendMsgTimeout` ms. The
/// message is copied: it may be freed when this returns.
///
/// Returns `RMQ_STATUS_OK` when accepted. Errors (the callback is then never
/// called): `RMQ_STATUS_INVALID_ARGUMENT` (NULL producer, msg or callback),
/// the validation errors of `rmq_producer_send`, `RMQ_STATUS_INVALID_STATE`,
/// `RMQ_STATUS_SHUTDOWN`.
///
/// # Safety
/// `producer` is NULL or a live producer; `msg` is NULL or a live message
/// not changed by another thread during the call; a non-NULL `callback`
/// stays callable with `user_data`, on the producer's callback thread, until
/// it has been called.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send_async(
    producer: *mut rmq_producer,
    msg: *const rmq_message,
    callback: rmq_send_callback,
    user_data: *mut c_void,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, m) = unsafe { (handle(producer, "producer")?, message_ref(msg)?) };
        p.inner
            .send_async_raw(m, None, raw_callback(callback, user_data)?)
    })
}

/// The C callback and its user data as a send callback that needs no
/// allocation. Errors: `callback` is NULL.
pub(crate) fn raw_callback(
    callback: rmq_send_callback,
    user_data: *mut c_void,
) -> Result<RawCallback> {
    let Some(cb) = callback else {
        return Err(Error::new(ErrorKind::InvalidArgument, "callback is NULL"));
    };
    Ok(RawCallback {
        call: call_send_callback,
        target: cb as *const (),
        user_data,
    })
}

/// The C signature of [`rmq_send_callback`] without its `Option`.
type SendCallbackFn =
    unsafe extern "C" fn(*mut c_void, *const rmq_send_result, *const rmq_error_info);

/// [`RawCallback::call`] for C callbacks: `target` is the callback.
///
/// # Safety
/// `target` was made by [`raw_callback`] from a [`SendCallbackFn`], which
/// is callable with `user_data` now (the caller of the send function
/// guarantees that until the callback has run).
unsafe fn call_send_callback(
    target: *const (),
    user_data: *mut c_void,
    outcome: std::result::Result<SendResultView<'_>, &Error>,
) {
    // SAFETY: `raw_callback` made `target` from a SendCallbackFn, and
    // function pointers round-trip through data pointers on every platform
    // this library builds for.
    let cb = unsafe { std::mem::transmute::<*const (), SendCallbackFn>(target) };
    match outcome {
        Ok(r) => {
            // Only the strings and their NULs are written, not the whole
            // arrays: the callback reads the strings, which end at their NUL.
            let mut result = std::mem::MaybeUninit::<rmq_send_result>::uninit();
            // SAFETY: `result` is a place for a send result; the caller of
            // the send function guarantees the callback and user data stay
            // valid until the callback has run.
            unsafe {
                write_send_result(result.as_mut_ptr(), &r);
                cb(user_data, result.as_ptr(), std::ptr::null());
            }
        }
        Err(e) => with_error_info(e, |info| {
            // SAFETY: the callback is callable with `user_data` (see above);
            // `info` is valid during the call.
            unsafe { cb(user_data, std::ptr::null(), info) }
        }),
    }
}

/// Sends `msg` oneway (Java `sendOneway`): one attempt, no response
/// awaited, no retry. Returns once the send is accepted: validated and
/// queued for the I/O thread within the async back-pressure limits (shared
/// with `rmq_producer_send_async`). Failures after that (no route,
/// connection lost) are only logged. The message is copied.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL); the validation errors of
/// `rmq_producer_send`; `RMQ_STATUS_QUEUE_FULL`; `RMQ_STATUS_INVALID_STATE`;
/// `RMQ_STATUS_SHUTDOWN`.
///
/// # Safety
/// `producer` is NULL or a live producer; `msg` is NULL or a live message
/// not changed by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send_oneway(
    producer: *mut rmq_producer,
    msg: *const rmq_message,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, m) = unsafe { (handle(producer, "producer")?, message_ref(msg)?) };
        p.inner.send_oneway(m)
    })
}

/// Waits up to `timeout_ms` ms until every accepted async and oneway send
/// has its outcome (its callback has returned). If `remaining` is not NULL,
/// `*remaining` gets the number still pending (0 when all are done). Like
/// librdkafka's `rd_kafka_flush`.
///
/// Returns `RMQ_STATUS_OK` when nothing is pending, `RMQ_STATUS_TIMEOUT`
/// when sends remain at the deadline. Errors: `RMQ_STATUS_INVALID_ARGUMENT`
/// (NULL producer); `RMQ_STATUS_INVALID_STATE` (not started, or called from
/// a send callback).
///
/// # Safety
/// `producer` is NULL or a live producer; `remaining` is NULL or an out
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_flush(
    producer: *mut rmq_producer,
    timeout_ms: u64,
    remaining: *mut usize,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer` is NULL or live (# Safety).
        let p = unsafe { handle(producer, "producer") }?;
        let left = p.inner.flush(Duration::from_millis(timeout_ms))?;
        // SAFETY: `remaining` is NULL or an out pointer (# Safety).
        if let Some(remaining) = unsafe { remaining.as_mut() } {
            *remaining = left;
        }
        if left > 0 {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!("{} sends still pending after {} ms", left, timeout_ms),
            ));
        }
        Ok(())
    })
}

/// Shuts the producer down: waits up to `shutdownTimeout` ms (default
/// 3000) for accepted sends, fails the rest with `RMQ_STATUS_SHUTDOWN` (their callbacks run),
/// unregisters from the brokers, closes sockets and joins its threads.
/// Idempotent. Later sends fail with `RMQ_STATUS_SHUTDOWN`. Mirrors Java
/// `DefaultMQProducer.shutdown()`.
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL); `RMQ_STATUS_INVALID_STATE`
/// when called from a send callback.
///
/// # Safety
/// `producer` is NULL or a live producer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_shutdown(producer: *mut rmq_producer) -> rmq_status {
    // SAFETY: `producer` is NULL or live (# Safety).
    guard(|| unsafe { handle(producer, "producer") }?.inner.shutdown())
}

/// Shuts down (as `rmq_producer_shutdown`) if needed, then frees the
/// producer. NULL is a no-op returning `RMQ_STATUS_OK`. The handle is
/// invalid afterwards, unless the call fails with
/// `RMQ_STATUS_INVALID_STATE` (called from a send callback; nothing is freed).
///
/// # Safety
/// `producer` is NULL or a live producer; no other call on it may run
/// during this one, and none may follow unless this one returned
/// `RMQ_STATUS_INVALID_STATE`.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_free(producer: *mut rmq_producer) -> rmq_status {
    if producer.is_null() {
        return rmq_status::Ok;
    }
    // SAFETY: not NULL, so a live producer (# Safety).
    if let Some(status) = unsafe { super::refuse_inherited(producer) } {
        return status;
    }
    // SAFETY: not NULL, so a live producer (# Safety).
    let status = guard(|| unsafe { &*producer }.inner.shutdown());
    if status == rmq_status::InvalidState {
        return status;
    }
    // Nothing is used after a panic in the drop: asserting unwind safety
    // is sound (the producer's hooks are not `RefUnwindSafe`).
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: a live producer comes from Box::into_raw in
        // rmq_producer_new and, with nothing else using it (# Safety), is
        // freed once.
        drop(unsafe { Box::from_raw(producer) })
    }));
    status
}

/// Writes a statistics snapshot (JSON, see the Rust `Producer::stats_json`:
/// totals, retries, in-flight count, per-broker counts, latency p50/p99/max
/// in µs and fault state, per-topic queues) into `buf` (caller-allocated,
/// `capacity` bytes) as a NUL-terminated string, and its length without the
/// NUL into `*length`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL producer or length; NULL buf
/// with capacity > 0; or `capacity` too small — `*length` then tells the
/// size needed, plus one for the NUL); `RMQ_STATUS_INVALID_STATE`;
/// `RMQ_STATUS_SHUTDOWN`; `RMQ_STATUS_TIMEOUT`.
///
/// # Safety
/// `producer` is NULL or a live producer; `buf` is NULL or points to
/// `capacity` writable bytes; `length` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_stats(
    producer: *mut rmq_producer,
    buf: *mut c_char,
    capacity: usize,
    length: *mut usize,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer` is NULL or live (# Safety).
        let p = unsafe { handle(producer, "producer") }?;
        if length.is_null() || (buf.is_null() && capacity > 0) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "buf or length is NULL",
            ));
        }
        let json = p.inner.stats_json()?;
        // SAFETY: `length` is an out pointer, not NULL (# Safety).
        unsafe { *length = json.len() };
        if json.len() + 1 > capacity {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "the snapshot needs {} bytes; capacity is {}",
                    json.len() + 1,
                    capacity
                ),
            ));
        }
        // SAFETY: `buf` has `capacity` >= json.len() + 1 writable bytes
        // (checked above; # Safety), which do not overlap the new `json`.
        unsafe {
            std::ptr::copy_nonoverlapping(json.as_ptr(), buf as *mut u8, json.len());
            *buf.add(json.len()) = 0;
        }
        Ok(())
    })
}

/// Runs before each send on the caller's thread. Return 0 to let the send
/// go on; anything else refuses it, after writing a NUL-terminated reason
/// (at most `reason_capacity` bytes) into `reason`; the send then fails with
/// `RMQ_STATUS_VETOED`. `msg` is valid only during the call.
pub type rmq_send_hook_before = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        msg: *const rmq_message,
        reason: *mut c_char,
        reason_capacity: usize,
    ) -> i32,
>;

/// Runs after each sync send (caller's thread) and async send (callback
/// thread, before the send's callback) with its outcome: exactly one of
/// `result`, `error` is non-NULL. All pointers are valid only during the call.
pub type rmq_send_hook_after = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        msg: *const rmq_message,
        result: *const rmq_send_result,
        error: *const rmq_error_info,
    ),
>;

/// Adds a send hook (Java `SendMessageHook` / `CheckForbiddenHook`): either
/// callback may be NULL. Hooks run in the order added; a panicking hook
/// cannot break a send. `user_data` must stay valid, and the callbacks
/// callable, for the producer's lifetime. Call before start.
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL producer, both hooks NULL);
/// `RMQ_STATUS_INVALID_STATE` after start.
///
/// # Safety
/// `producer` is NULL or a live producer; the non-NULL hooks stay callable
/// with `user_data`, from every thread that sends and from the callback
/// thread (possibly concurrently), for the producer's lifetime.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_add_send_hook(
    producer: *mut rmq_producer,
    before: rmq_send_hook_before,
    after: rmq_send_hook_after,
    user_data: *mut c_void,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer` is NULL or live (# Safety).
        let p = unsafe { handle(producer, "producer") }?;
        if before.is_none() && after.is_none() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "both hooks are NULL",
            ));
        }
        let ud = UserData::new(user_data);
        let before = before.map(|f| {
            Box::new(move |m: &Message| {
                let mut reason = [0 as c_char; 512];
                // SAFETY: the caller guarantees the hook is callable.
                let verdict = unsafe {
                    f(
                        ud.get(),
                        rmq_message::from_ref(m),
                        reason.as_mut_ptr(),
                        reason.len(),
                    )
                };
                if verdict == 0 {
                    return Ok(());
                }
                reason[reason.len() - 1] = 0;
                // SAFETY: NUL-terminated within the buffer.
                let text = unsafe { std::ffi::CStr::from_ptr(reason.as_ptr()) };
                Err(text.to_string_lossy().into_owned())
            }) as crate::producer::hooks::BeforeSend
        });
        let after = after.map(|f| {
            Box::new(move |m: &Message, outcome: &Result<SendResult>| {
                let msg = rmq_message::from_ref(m);
                match outcome {
                    Ok(r) => {
                        let result = rmq_send_result::from(r);
                        // SAFETY: the caller guarantees the hook is callable.
                        unsafe { f(ud.get(), msg, &result, std::ptr::null()) };
                    }
                    Err(e) => with_error_info(e, |info| {
                        // SAFETY: as above; `info` is valid during the call.
                        unsafe { f(ud.get(), msg, std::ptr::null(), info) }
                    }),
                }
            }) as crate::producer::hooks::AfterSend
        });
        p.inner
            .add_send_hook(crate::producer::hooks::SendHook { before, after })
    })
}

/// The name of a send status, e.g. `"SEND_OK"`: a static string, never
/// freed; `"UNKNOWN"` for values outside `rmq_send_status`.
#[no_mangle]
pub extern "C" fn rmq_send_status_name(status: i32) -> *const c_char {
    let name: &'static std::ffi::CStr = match status {
        0 => c"SEND_OK",
        1 => c"FLUSH_DISK_TIMEOUT",
        2 => c"FLUSH_SLAVE_TIMEOUT",
        3 => c"SLAVE_NOT_AVAILABLE",
        _ => c"UNKNOWN",
    };
    name.as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_result_strings_end_at_character_boundaries() {
        let r = SendResult {
            status: SendStatus::FlushDiskTimeout,
            msg_id: "0123456789ABCDEF0123456789ABCDEF".into(),
            offset_msg_id: "O".repeat(100),
            message_queue: crate::MessageQueue {
                topic: "é".repeat(200).into(),
                broker_name: "broker-a".into(),
                queue_id: 3,
            },
            queue_offset: 42,
            transaction_id: None,
            region_id: None,
        };
        let c = rmq_send_result::from(&r);
        let text = |a: &[c_char]| {
            // SAFETY: every string of the result is NUL-terminated in its array.
            unsafe { std::ffi::CStr::from_ptr(a.as_ptr()) }
                .to_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(c.status, rmq_send_status::FlushDiskTimeout);
        assert_eq!((c.queue_id, c.queue_offset), (3, 42));
        assert_eq!(text(&c.msg_id), r.msg_id);
        assert_eq!(text(&c.offset_msg_id), "O".repeat(RMQ_ID_CAPACITY - 1));
        assert_eq!(text(&c.transaction_id), "");
        // 255 bytes would cut the 128th "é" in half: 127 of them remain.
        assert_eq!(text(&c.topic), "é".repeat(127));
        assert_eq!(text(&c.broker_name), "broker-a");
    }
}
