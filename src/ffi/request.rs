//! Request-reply from C: send a request and wait for (or get called back
//! with) its reply; answer a request.

use std::ffi::c_void;
use std::time::Duration;

use super::message::{message_ref, rmq_message};
use super::message_ext::rmq_message_ext;
use super::producer::{rmq_error_info, rmq_producer, rmq_send_result, send_into, with_error_info};
use super::{bytes_arg, guard, handle, rmq_status, UserData};
use crate::error::{Error, ErrorKind};
use crate::protocol::message_ext::MessageExt;

/// Reply callback: exactly one of `reply` and `error` is non-NULL; both
/// valid only during the call. Runs on the producer's callback thread.
pub type rmq_reply_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        reply: *const rmq_message_ext,
        error: *const rmq_error_info,
    ),
>;

/// Sends `msg` as a request and waits up to `timeout_ms` ms for its reply
/// (Java `DefaultMQProducer.request`). On success `*reply` gets a new view
/// of the reply message, owned by the caller (free with
/// `rmq_message_ext_free`).
/// Errors: those of `rmq_producer_send`; `RMQ_STATUS_TIMEOUT` when no reply
/// came in time; `RMQ_STATUS_INVALID_ARGUMENT` (NULL).
///
/// # Safety
/// `producer` is NULL or a live producer; `msg` is NULL or a live message
/// not changed by another thread during the call; `reply` is NULL or an out
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_request(
    producer: *mut rmq_producer,
    msg: *const rmq_message,
    timeout_ms: u64,
    reply: *mut *mut rmq_message_ext,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer` and `msg` are NULL or live; `reply` is NULL or
        // an out pointer (# Safety).
        let (p, m, reply) = unsafe {
            (
                handle(producer, "producer")?,
                message_ref(msg)?,
                reply.as_mut(),
            )
        };
        let Some(reply) = reply else {
            return Err(Error::new(ErrorKind::InvalidArgument, "reply is NULL"));
        };
        let answer = p.inner.request(m, Duration::from_millis(timeout_ms))?;
        *reply = Box::into_raw(Box::new(rmq_message_ext::new(answer)));
        Ok(())
    })
}

/// [`rmq_producer_request`] without blocking: `callback(user_data, reply,
/// error)` runs exactly once on the callback thread.
/// Errors returned directly (no callback then): NULL arguments, validation
/// and state errors, `RMQ_STATUS_QUEUE_FULL`.
///
/// # Safety
/// `producer` is NULL or a live producer; `msg` is NULL or a live message
/// not changed by another thread during the call; a non-NULL `callback`
/// stays callable with `user_data`, on the producer's callback thread, until
/// it has been called.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_request_async(
    producer: *mut rmq_producer,
    msg: *const rmq_message,
    timeout_ms: u64,
    callback: rmq_reply_callback,
    user_data: *mut c_void,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, m) = unsafe { (handle(producer, "producer")?, message_ref(msg)?) };
        let Some(cb) = callback else {
            return Err(Error::new(ErrorKind::InvalidArgument, "callback is NULL"));
        };
        let ud = UserData::new(user_data);
        p.inner.request_async(
            m,
            Duration::from_millis(timeout_ms),
            Box::new(move |outcome: crate::error::Result<MessageExt>| {
                match outcome {
                    Ok(reply) => {
                        let view = rmq_message_ext::new(reply);
                        // SAFETY: the caller guarantees the callback is callable.
                        unsafe { cb(ud.get(), &view, std::ptr::null()) };
                    }
                    Err(e) => with_error_info(&e, |info| {
                        // SAFETY: as above; `info` is valid during the call.
                        unsafe { cb(ud.get(), std::ptr::null(), info) }
                    }),
                }
            }),
        )
    })
}

/// Answers `request` (a received request message) with `len` bytes of
/// `body`: sends the reply message (topic `<CLUSTER>_REPLY_TOPIC`, Java
/// `MessageUtil.createReplyMessage`) synchronously and fills `*result`.
/// Errors: `RMQ_STATUS_INVALID_MESSAGE` when `request` is not a request;
/// those of `rmq_producer_send`.
///
/// # Safety
/// `producer` is NULL or a live producer; `request` is NULL or a live view
/// not used by another thread during the call; `body` is NULL or points to
/// `len` readable bytes; `result` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send_reply(
    producer: *mut rmq_producer,
    request: *const rmq_message_ext,
    body: *const u8,
    len: usize,
    result: *mut rmq_send_result,
) -> rmq_status {
    let send = || {
        // SAFETY: `producer` and `request` are NULL or live; `body` is NULL
        // or `len` readable bytes (# Safety).
        let (p, req, body) = unsafe {
            (
                handle(producer, "producer")?,
                handle(request, "request")?,
                bytes_arg(body, len)?,
            )
        };
        let reply = crate::producer::request_reply::reply_message(req.inner(), body.to_vec())?;
        p.inner.send(&reply)
    };
    // SAFETY: `result` is NULL or an out pointer (# Safety).
    unsafe { send_into(result, send) }
}
