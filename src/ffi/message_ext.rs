//! `rmq_message_ext`: a read-only view of a received message (transaction
//! check-backs, request replies) and its getters.

use std::ffi::{c_char, CString};

use super::{guard, guard_value, handle, rmq_status, str_arg};
use crate::error::{Error, ErrorKind};
use crate::protocol::message_ext::MessageExt;

/// A read-only received message: the stored message handed to a
/// transaction checker (valid only during the callback), or a reply returned
/// by `rmq_producer_request` (owned by the caller: `rmq_message_ext_free`).
/// Strings returned by its getters live as long as the view.
pub struct rmq_message_ext {
    inner: MessageExt,
    strings: std::cell::RefCell<Vec<CString>>,
}

impl rmq_message_ext {
    pub(crate) fn new(inner: MessageExt) -> rmq_message_ext {
        rmq_message_ext {
            inner,
            strings: Default::default(),
        }
    }

    pub(crate) fn inner(&self) -> &MessageExt {
        &self.inner
    }

    fn keep(&self, s: &str) -> *const c_char {
        let c = CString::new(s.replace('\0', " ")).unwrap_or_default();
        let p = c.as_ptr();
        self.strings.borrow_mut().push(c);
        p
    }
}

/// The topic (NUL-terminated, valid during the callback); NULL for NULL.
///
/// # Safety
/// `msg` is NULL or a live view (one a callback received, during that
/// callback, or one returned by `rmq_producer_request` and not yet freed),
/// not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_topic(msg: *const rmq_message_ext) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: `msg` is NULL or a live view (# Safety).
        unsafe { msg.as_ref() }
            .map(|m| m.keep(&m.inner.topic))
            .unwrap_or(std::ptr::null())
    })
}

/// The client message id (`UNIQ_KEY`, else the broker id); NULL for NULL.
///
/// # Safety
/// `msg` is NULL or a live view (one a callback received, during that
/// callback, or one returned by `rmq_producer_request` and not yet freed),
/// not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_msg_id(msg: *const rmq_message_ext) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: `msg` is NULL or a live view (# Safety).
        unsafe { msg.as_ref() }
            .map(|m| m.keep(m.inner.msg_id()))
            .unwrap_or(std::ptr::null())
    })
}

/// The broker message id (store host + commit-log offset); NULL for NULL.
///
/// # Safety
/// `msg` is NULL or a live view (one a callback received, during that
/// callback, or one returned by `rmq_producer_request` and not yet freed),
/// not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_offset_msg_id(
    msg: *const rmq_message_ext,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: `msg` is NULL or a live view (# Safety).
        unsafe { msg.as_ref() }
            .map(|m| m.keep(&m.inner.offset_msg_id))
            .unwrap_or(std::ptr::null())
    })
}

/// A property's value (e.g. "TAGS", "KEYS", "__transactionId__", user
/// properties), "" if absent; NULL for a NULL or non-UTF-8 argument.
///
/// # Safety
/// `msg` is NULL or a live view (one a callback received, during that
/// callback, or one returned by `rmq_producer_request` and not yet freed),
/// not used by another thread during the call.
/// `name` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_property(
    msg: *const rmq_message_ext,
    name: *const c_char,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: `msg` is NULL or a live view (# Safety).
        let Some(m) = (unsafe { msg.as_ref() }) else {
            return std::ptr::null();
        };
        // SAFETY: `name` is NULL or a C string (# Safety).
        match unsafe { str_arg(name, "name") } {
            Ok(name) => m.keep(m.inner.property(name).unwrap_or("")),
            Err(_) => std::ptr::null(),
        }
    })
}

/// The body: `*data` and `*len` (bytes) point into the view, valid during
/// the callback. Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL).
///
/// # Safety
/// `msg` is NULL or a live view (one a callback received, during that
/// callback, or one returned by `rmq_producer_request` and not yet freed),
/// not used by another thread during the call.
/// `data` and `len` are NULL or out pointers.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_body(
    msg: *const rmq_message_ext,
    data: *mut *const u8,
    len: *mut usize,
) -> rmq_status {
    guard(|| {
        // SAFETY: `msg` is NULL or a live view (# Safety).
        let m = unsafe { handle(msg, "msg") }?;
        if data.is_null() || len.is_null() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "data or len is NULL",
            ));
        }
        // SAFETY: both are out pointers, not NULL (# Safety).
        unsafe {
            *data = m.inner.body.as_ptr();
            *len = m.inner.body.len();
        }
        Ok(())
    })
}

/// The queue offset; -1 for NULL.
///
/// # Safety
/// `msg` is NULL or a live view (one a callback received, during that
/// callback, or one returned by `rmq_producer_request` and not yet freed),
/// not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_queue_offset(msg: *const rmq_message_ext) -> i64 {
    guard_value(-1, || {
        // SAFETY: `msg` is NULL or a live view (# Safety).
        unsafe { msg.as_ref() }.map_or(-1, |m| m.inner.queue_offset)
    })
}

/// Frees a view returned by `rmq_producer_request`. NULL is a no-op. Never
/// call it on the view a checker callback receives.
///
/// # Safety
/// `msg` is NULL or a view returned by `rmq_producer_request`, not used
/// afterwards (nor during the call by another thread).
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_free(msg: *mut rmq_message_ext) {
    if !msg.is_null() {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: such a view comes from Box::into_raw in
            // rmq_producer_request and is freed once (# Safety).
            drop(unsafe { Box::from_raw(msg) })
        }));
    }
}
