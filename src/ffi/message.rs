//! `rmq_message`: a message under construction. Not thread-safe: do not
//! use one message from two threads at once. A send copies what it needs, so
//! the message may be changed, resent or freed as soon as the send call
//! returns.

use std::ffi::c_char;

use super::{bytes_arg, guard, guard_new, handle, handle_mut, rmq_status, str_arg};
use crate::error::Result;
use crate::message::Message;

/// Opaque message handle. Create with `rmq_message_new`, free with
/// `rmq_message_free`.
//
// Never instantiated: a `*rmq_message` is a pointer to a `Message` (boxed by
// rmq_message_new, or lent to a send hook) under a name of the C API's own.
// Not repr(C), so cbindgen declares it opaque (`struct rmq_message`) and no
// Rust type name reaches the header; no layout of it is relied on. Use
// `message_ref` / `message_mut` to get at the message.
pub struct rmq_message {
    _opaque: [u8; 0],
}

impl super::Handle for crate::message::Message {}

impl rmq_message {
    /// Views a Rust message as a C handle, for callbacks: valid as long as
    /// `m` is, and only for reading.
    pub(crate) fn from_ref(m: &Message) -> *const rmq_message {
        (m as *const Message).cast()
    }
}

/// Borrows the message behind a handle. Errors: NULL (`msg is NULL`).
///
/// # Safety
/// `p` is NULL or a live handle (a pointer to a `Message`), not changed
/// elsewhere during `'a`.
pub(crate) unsafe fn message_ref<'a>(p: *const rmq_message) -> Result<&'a Message> {
    // SAFETY: a live handle points to a Message (# Safety).
    unsafe { handle(p.cast::<Message>(), "msg") }
}

/// Mutably borrows the message behind a handle. Errors: NULL.
///
/// # Safety
/// `p` is NULL or a live handle made by `rmq_message_new`, not used
/// elsewhere during `'a`.
pub(crate) unsafe fn message_mut<'a>(p: *mut rmq_message) -> Result<&'a mut Message> {
    // SAFETY: a live handle points to a Message (# Safety).
    unsafe { handle_mut(p.cast::<Message>(), "msg") }
}

/// Creates a message for `topic` (NUL-terminated UTF-8; copied) with an
/// empty body. The topic is checked against RocketMQ's rules at send time.
///
/// Returns the new message, owned by the caller (free with
/// `rmq_message_free`), or NULL if `topic` is NULL or not UTF-8 (see
/// `rmq_last_error()`). Mirrors Java `new Message(topic, body)`.
///
/// # Safety
/// `topic` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_new(topic: *const c_char) -> *mut rmq_message {
    guard_new(|| {
        // SAFETY: `topic` is NULL or a C string (# Safety).
        let topic = unsafe { str_arg(topic, "topic") }?;
        Ok(Message::new(topic, Vec::new()))
    })
    .cast::<rmq_message>()
}

/// Frees a message. NULL is a no-op. The pointer is invalid afterwards.
///
/// # Safety
/// `msg` is NULL or a live message, not used afterwards (nor during the call
/// by another thread).
#[no_mangle]
pub unsafe extern "C" fn rmq_message_free(msg: *mut rmq_message) {
    if !msg.is_null() {
        // SAFETY: a live message is a Box<Message> made by rmq_message_new
        // (Box::into_raw in guard_new) and is freed once (# Safety).
        let _ = std::panic::catch_unwind(|| drop(unsafe { Box::from_raw(msg.cast::<Message>()) }));
    }
}

/// Replaces the topic (NUL-terminated UTF-8, copied).
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL pointer, not UTF-8).
///
/// # Safety
/// `msg` is NULL or a live message not used by another thread during the
/// call; `topic` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_set_topic(
    msg: *mut rmq_message,
    topic: *const c_char,
) -> rmq_status {
    guard(|| {
        // SAFETY: `msg` is NULL or a live, unshared message and `topic` NULL
        // or a C string (# Safety).
        let (m, topic) = unsafe { (message_mut(msg)?, str_arg(topic, "topic")?) };
        m.set_topic(topic);
        Ok(())
    })
}

/// Sets the tag (property `TAGS`; NUL-terminated UTF-8, copied); "" clears it.
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL, not UTF-8, contains the
/// property separators \x01 or \x02).
///
/// # Safety
/// `msg` is NULL or a live message not used by another thread during the
/// call; `tags` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_set_tags(
    msg: *mut rmq_message,
    tags: *const c_char,
) -> rmq_status {
    guard(|| {
        // SAFETY: `msg` is NULL or a live, unshared message and `tags` NULL
        // or a C string (# Safety).
        let (m, tags) = unsafe { (message_mut(msg)?, str_arg(tags, "tags")?) };
        m.set_tags(tags)
    })
}

/// Sets the keys (property `KEYS`) from a space-separated list
/// (NUL-terminated UTF-8, copied); "" clears them.
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL, not UTF-8, separators).
///
/// # Safety
/// `msg` is NULL or a live message not used by another thread during the
/// call; `keys` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_set_keys(
    msg: *mut rmq_message,
    keys: *const c_char,
) -> rmq_status {
    guard(|| {
        // SAFETY: `msg` is NULL or a live, unshared message and `keys` NULL
        // or a C string (# Safety).
        let (m, keys) = unsafe { (message_mut(msg)?, str_arg(keys, "keys")?) };
        m.set_keys(keys)
    })
}

/// Sets the body to a copy of `len` bytes at `body` (any bytes, NULs
/// included). `body` may be NULL only when `len` is 0.
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL msg, NULL body with len > 0).
///
/// # Safety
/// `msg` is NULL or a live message not used by another thread during the
/// call; `body` is NULL or points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_set_body(
    msg: *mut rmq_message,
    body: *const u8,
    len: usize,
) -> rmq_status {
    guard(|| {
        // SAFETY: `msg` is NULL or a live, unshared message and `body` NULL
        // or `len` readable bytes (# Safety).
        let (m, bytes) = unsafe { (message_mut(msg)?, bytes_arg(body, len)?) };
        m.set_body_copy(bytes);
        Ok(())
    })
}

/// Sets user property `name` to `value` (both NUL-terminated UTF-8, copied).
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL, not UTF-8, empty, separator
/// characters, or a name RocketMQ reserves such as `UNIQ_KEY`, `TAGS`,
/// `KEYS`, `DELAY`, `WAIT`: use their own setters). Mirrors Java
/// `Message.putUserProperty`.
///
/// # Safety
/// `msg` is NULL or a live message not used by another thread during the
/// call; `name` and `value` are NULL or C strings.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_set_property(
    msg: *mut rmq_message,
    name: *const c_char,
    value: *const c_char,
) -> rmq_status {
    guard(|| {
        // SAFETY: `msg` is NULL or a live, unshared message; `name` and
        // `value` are NULL or C strings (# Safety).
        let (m, name, value) = unsafe {
            (
                message_mut(msg)?,
                str_arg(name, "name")?,
                str_arg(value, "value")?,
            )
        };
        m.set_property(name, value)
    })
}

/// Sets the delay level: 0 (none) or 1..=18 (the broker's default levels
/// 1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h).
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL msg, level out of range).
///
/// # Safety
/// `msg` is NULL or a live message not used by another thread during the
/// call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_set_delay_level(
    msg: *mut rmq_message,
    level: i32,
) -> rmq_status {
    guard(|| {
        // SAFETY: `msg` is NULL or a live, unshared message (# Safety).
        unsafe { message_mut(msg) }?.set_delay_level(level)
    })
}

/// Sets the user `flag` int, which the broker stores untouched.
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL msg).
///
/// # Safety
/// `msg` is NULL or a live message not used by another thread during the
/// call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_set_flag(msg: *mut rmq_message, flag: i32) -> rmq_status {
    guard(|| {
        // SAFETY: `msg` is NULL or a live, unshared message (# Safety).
        unsafe { message_mut(msg) }?.set_flag(flag);
        Ok(())
    })
}

/// Delivers the message at `timestamp_ms` (ms since the epoch; 5.x timer
/// message, property `TIMER_DELIVER_MS`). Errors:
/// `RMQ_STATUS_INVALID_ARGUMENT` (NULL, negative).
///
/// # Safety
/// `msg` is NULL or a live message not used by another thread during the
/// call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_set_delivery_timestamp(
    msg: *mut rmq_message,
    timestamp_ms: i64,
) -> rmq_status {
    guard(|| {
        // SAFETY: `msg` is NULL or a live, unshared message (# Safety).
        unsafe { message_mut(msg) }?.set_delivery_timestamp(timestamp_ms)
    })
}

/// Delivers the message `delay_ms` ms after it is stored (5.x timer
/// message, property `TIMER_DELAY_MS`). Errors:
/// `RMQ_STATUS_INVALID_ARGUMENT` (NULL, negative).
///
/// # Safety
/// `msg` is NULL or a live message not used by another thread during the
/// call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_set_delay_ms(
    msg: *mut rmq_message,
    delay_ms: i64,
) -> rmq_status {
    guard(|| {
        // SAFETY: `msg` is NULL or a live, unshared message (# Safety).
        unsafe { message_mut(msg) }?.set_delay_ms(delay_ms)
    })
}

/// Sets property `WAIT` (default true): whether the broker answers only
/// after the message is stored. Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL).
///
/// # Safety
/// `msg` is NULL or a live message not used by another thread during the
/// call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_set_wait_store_msg_ok(
    msg: *mut rmq_message,
    wait: bool,
) -> rmq_status {
    guard(|| {
        // SAFETY: `msg` is NULL or a live, unshared message (# Safety).
        unsafe { message_mut(msg) }?.set_wait_store_msg_ok(wait);
        Ok(())
    })
}
