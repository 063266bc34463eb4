//! The send functions of `CProducer.h`: sync, batch, async (both callback
//! styles), oneway, orderly (selector, sharding key), transaction.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use super::batch::CBatchMessage;
use super::message::{msg_mut, msg_ref, CMessage};
use super::producer::{
    producer_ref, state_from_c, CLocalTransactionExecutorCallback, CProducer, Kind,
};
use super::{c_str, code, run, CMQException, CSendResult, Fail, LResult};
use crate::error::{Error, ErrorKind};
use crate::ffi::UserData;
use crate::message::Message;
use crate::producer::{Producer, RawCallback, SendResult, SendStatus};
use crate::protocol::properties::names;
use crate::result::SendResultView;
use crate::routing::MessageQueue;

/// `int (*)(int size, CMessage* msg, void* arg)`.
pub type QueueSelectorCallback =
    Option<unsafe extern "C" fn(c_int, *mut CMessage, *mut c_void) -> c_int>;
/// `void (*)(CSendResult)`.
pub type CSendSuccessCallback = Option<unsafe extern "C" fn(CSendResult)>;
/// `void (*)(CMQException)`.
pub type CSendExceptionCallback = Option<unsafe extern "C" fn(CMQException)>;
/// The send callback of the user-data-less async sends: exactly one of the
/// two C callbacks gets the outcome, from a borrowed result (no allocation
/// per send: the two function pointers travel as the raw callback's target
/// and user data). Fails (NULL_POINTER path) when either is NULL.
fn plain_callbacks(
    success: CSendSuccessCallback,
    exception: CSendExceptionCallback,
) -> LResult<RawCallback> {
    let ok = success.ok_or_else(|| Fail::null("cSendSuccessCallback"))?;
    let ex = exception.ok_or_else(|| Fail::null("cSendExceptionCallback"))?;
    Ok(RawCallback {
        call: call_plain_callbacks,
        target: ok as *const (),
        user_data: ex as *mut c_void,
    })
}

/// [`RawCallback::call`] of [`plain_callbacks`].
///
/// # Safety
/// `target` is a `CSendSuccessCallback` and `user_data` a
/// `CSendExceptionCallback` function (as `plain_callbacks` made them),
/// callable now (the caller of the send function guarantees that until one
/// has run).
unsafe fn call_plain_callbacks(
    target: *const (),
    user_data: *mut c_void,
    outcome: std::result::Result<SendResultView<'_>, &Error>,
) {
    type OkFn = unsafe extern "C" fn(CSendResult);
    type ExFn = unsafe extern "C" fn(CMQException);
    // SAFETY: made from these function types by `plain_callbacks`; function
    // pointers round-trip through data pointers on every platform this
    // library builds for; callable now (# Safety).
    unsafe {
        match outcome {
            Ok(r) => std::mem::transmute::<*const (), OkFn>(target)(CSendResult::from_view(&r)),
            Err(e) => std::mem::transmute::<*mut c_void, ExFn>(user_data)(
                CMQException::from_error(e, file!(), line!()),
            ),
        }
    }
}

/// `void (*)(CSendResult, CMessage*, void*)`.
pub type COnSendSuccessCallback =
    Option<unsafe extern "C" fn(CSendResult, *mut CMessage, *mut c_void)>;
/// `void (*)(CMQException, CMessage*, void*)`.
pub type COnSendExceptionCallback =
    Option<unsafe extern "C" fn(CMQException, *mut CMessage, *mut c_void)>;

fn out<'a>(result: *mut CSendResult) -> LResult<&'a mut CSendResult> {
    // SAFETY: the caller passes NULL or a writable CSendResult.
    unsafe { result.as_mut() }.ok_or_else(|| Fail::null("result"))
}

/// The writable queues of `topic` in the legacy order: by broker name, then
/// queue id.
fn sorted_queues(p: &Producer, topic: &str) -> LResult<Vec<MessageQueue>> {
    let mut q = p.queues(topic)?;
    q.sort_unstable_by(|a, b| {
        (a.broker_name.as_ref(), a.queue_id).cmp(&(b.broker_name.as_ref(), b.queue_id))
    });
    if q.is_empty() {
        return Err(Fail::new(format!("No route info of this topic: {}", topic)));
    }
    Ok(q)
}

/// Errors that another attempt cannot fix.
fn is_final(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::InvalidTopic
            | ErrorKind::InvalidMessage
            | ErrorKind::MessageTooLarge
            | ErrorKind::InvalidArgument
            | ErrorKind::InvalidState
            | ErrorKind::Shutdown
    )
}

/// Sends `m` to `queues[first]`, then up to `attempts - 1` more times on
/// an exception or a non-SEND_OK status, each time to the next queue on
/// another broker when there is one (legacy `sendSelectImpl` retries).
/// After the last attempt a non-SEND_OK result is returned as it is.
fn send_to_queues(
    p: &Producer,
    m: &Message,
    queues: &[MessageQueue],
    first: usize,
    attempts: usize,
) -> LResult<SendResult> {
    let n = queues.len();
    let mut idx = first;
    let mut last: Option<crate::Result<SendResult>> = None;
    for attempt in 0..attempts.max(1) {
        if attempt > 0 {
            let prev = queues[idx].broker_name.clone();
            idx = (1..=n)
                .map(|k| (idx + k) % n)
                .find(|&j| queues[j].broker_name != prev)
                .unwrap_or((idx + 1) % n);
        }
        match p.send_to_queue(m, &queues[idx]) {
            Ok(r) if r.status == SendStatus::SendOk => return Ok(r),
            Ok(r) => last = Some(Ok(r)),
            Err(e) if is_final(&e) => return Err(e.into()),
            Err(e) => last = Some(Err(e)),
        }
    }
    match last {
        Some(Ok(r)) => Ok(r),
        Some(Err(e)) => Err(e.into()),
        None => Err(Fail::new("no attempt was made")),
    }
}

/// libstdc++ `std::hash<std::string>` on 64-bit Linux: `_Hash_bytes(p, len,
/// 0xc70f6907)`, a MurmurHash64A variant. Used for the sharding-key queue,
/// so that a key stays on the queue the C++ client chose for it.
pub(crate) fn std_hash_bytes(data: &[u8]) -> u64 {
    const SEED: u64 = 0xc70f6907;
    const MUL: u64 = (0xc6a4a793u64 << 32) + 0x5bd1e995;
    let shift_mix = |v: u64| v ^ (v >> 47);
    let len = data.len();
    let aligned = len & !7;
    let mut hash = SEED ^ (len as u64).wrapping_mul(MUL);
    for chunk in data[..aligned].chunks_exact(8) {
        let d = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let d = shift_mix(d.wrapping_mul(MUL)).wrapping_mul(MUL);
        hash ^= d;
        hash = hash.wrapping_mul(MUL);
    }
    if len & 7 != 0 {
        let mut d: u64 = 0;
        for &b in data[aligned..].iter().rev() {
            d = (d << 8) + b as u64;
        }
        hash ^= d;
        hash = hash.wrapping_mul(MUL);
    }
    hash = shift_mix(hash).wrapping_mul(MUL);
    shift_mix(hash)
}

/// Calls the selector once and checks its index.
///
/// # Safety
/// `selector` is callable with `msg` and `arg` on this thread now.
unsafe fn select(
    selector: unsafe extern "C" fn(c_int, *mut CMessage, *mut c_void) -> c_int,
    n: usize,
    msg: *mut CMessage,
    arg: *mut c_void,
) -> LResult<usize> {
    // SAFETY: callable now (# Safety).
    let i = unsafe { selector(n.min(c_int::MAX as usize) as c_int, msg, arg) };
    if i < 0 || i as usize >= n {
        return Err(Fail::new(format!(
            "queue index out of range: the selector returned {} for {} queues",
            i, n
        )));
    }
    Ok(i as usize)
}

/// Sends and waits: up to 5 attempts (also on a non-SEND_OK status). 0 and
/// `*result` filled; 1 for NULL; 11 on failure (`*result` untouched).
///
/// # Safety
/// `producer` is NULL or a live producer handle; `msg` is NULL or a live
/// message handle not used by another thread during the call; `result` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn SendMessageSync(
    producer: *mut CProducer,
    msg: *mut CMessage,
    result: *mut CSendResult,
) -> c_int {
    run(code::PRODUCER_SEND_SYNC_FAILED, || {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, m) = unsafe { (producer_ref(producer)?, msg_ref(msg)?) };
        let out = out(result)?;
        let m = m.to_message()?;
        let r = p.running()?.send(&m)?;
        *out = CSendResult::from_result(&r);
        Ok(())
    })
}

/// Sends a batch (same topic for all) and waits. `msgId` lists the ids
/// comma-separated (whole ids only, as many as fit). 0; 1 for NULL; 11.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `msg` is NULL or a live
/// batch handle not used by another thread during the call; `result` is
/// NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn SendBatchMessage(
    producer: *mut CProducer,
    msg: *mut CBatchMessage,
    result: *mut CSendResult,
) -> c_int {
    run(code::PRODUCER_SEND_SYNC_FAILED, || {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, b) = unsafe { (producer_ref(producer)?, msg.as_ref()) };
        let b = b.ok_or_else(|| Fail::null("batch"))?;
        let out = out(result)?;
        if b.msgs.is_empty() {
            return Err(Fail::new("msgs need one message at least"));
        }
        let msgs = b
            .msgs
            .iter()
            .map(|m| m.to_message())
            .collect::<LResult<Vec<_>>>()?;
        let r = p.running()?.send_batch(&msgs)?;
        *out = CSendResult::from_result(&r);
        Ok(())
    })
}

/// Sends asynchronously: later exactly one of the callbacks runs on the
/// producer's callback thread (also for sends still pending at
/// `ShutdownProducer`, which waits for them). One attempt. 0; 1 for NULL;
/// 14 when the send cannot start (then no callback runs).
///
/// # Safety
/// `producer` is NULL or a live producer handle; `msg` is NULL or a live
/// message handle not used by another thread during the call; the callbacks, if not NULL, stay callable on the producer's
/// callback thread until one of them has been called.
#[no_mangle]
pub unsafe extern "C" fn SendMessageAsync(
    producer: *mut CProducer,
    msg: *mut CMessage,
    cSendSuccessCallback: CSendSuccessCallback,
    cSendExceptionCallback: CSendExceptionCallback,
) -> c_int {
    run(code::PRODUCER_SEND_ASYNC_FAILED, || {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, m) = unsafe { (producer_ref(producer)?, msg_ref(msg)?) };
        let callbacks = plain_callbacks(cSendSuccessCallback, cSendExceptionCallback)?;
        let m = m.to_message()?;
        p.running()?.send_async_raw(&m, None, callbacks)?;
        Ok(())
    })
}

/// `SendMessageAsync` whose callbacks also get `msg` (the pointer value
/// only: it is never read after this call returns) and `userData`.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `msg` is NULL or a live
/// message handle not used by another thread during the call; the callbacks, if not NULL, stay callable with `msg`'s
/// pointer value and `userData`, on the producer's callback thread, until one
/// of them has been called.
#[no_mangle]
pub unsafe extern "C" fn SendAsync(
    producer: *mut CProducer,
    msg: *mut CMessage,
    cSendSuccessCallback: COnSendSuccessCallback,
    cSendExceptionCallback: COnSendExceptionCallback,
    userData: *mut c_void,
) -> c_int {
    run(code::PRODUCER_SEND_ASYNC_FAILED, || {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, m) = unsafe { (producer_ref(producer)?, msg_ref(msg)?) };
        let ok = cSendSuccessCallback.ok_or_else(|| Fail::null("cSendSuccessCallback"))?;
        let ex = cSendExceptionCallback.ok_or_else(|| Fail::null("cSendExceptionCallback"))?;
        let m = m.to_message()?;
        let (msg_addr, user) = (UserData::new(msg.cast()), UserData::new(userData));
        p.running()?.send_async(
            &m,
            Box::new(move |outcome| match outcome {
                // SAFETY: the caller keeps the callbacks callable with these
                // arguments until one of them has run (# Safety).
                Ok(r) => unsafe {
                    ok(
                        CSendResult::from_result(&r),
                        msg_addr.get().cast::<CMessage>(),
                        user.get(),
                    )
                },
                // SAFETY: as above.
                Err(e) => unsafe {
                    ex(
                        CMQException::from_error(&e, file!(), line!()),
                        msg_addr.get().cast::<CMessage>(),
                        user.get(),
                    )
                },
            }),
        )?;
        Ok(())
    })
}

/// Sends without waiting for the broker. 0 once accepted; 1 for NULL; 12
/// for an invalid message or a topic without route.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `msg` is NULL or a live
/// message handle not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SendMessageOneway(producer: *mut CProducer, msg: *mut CMessage) -> c_int {
    run(code::PRODUCER_SEND_ONEWAY_FAILED, || {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, m) = unsafe { (producer_ref(producer)?, msg_ref(msg)?) };
        let m = m.to_message()?;
        // Legacy reports a topic without route.
        p.running_with_route(m.topic())?.send_oneway(&m)?;
        Ok(())
    })
}

/// Oneway to the queue chosen by `selector(size, msg, arg)` (called once on
/// this thread). 0; 1 for NULL; 12 (also for an out-of-range index).
///
/// # Safety
/// `producer` is NULL or a live producer handle; `msg` is NULL or a live
/// message handle not used by another thread during the call; a non-NULL `selector` is callable with `msg` and `arg` on
/// this thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SendMessageOnewayOrderly(
    producer: *mut CProducer,
    msg: *mut CMessage,
    selector: QueueSelectorCallback,
    arg: *mut c_void,
) -> c_int {
    run(code::PRODUCER_SEND_ONEWAY_FAILED, || {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety). The
        // topic is copied: the selector may change the message.
        let (p, topic) = unsafe { (producer_ref(producer)?, msg_ref(msg)?.topic().to_owned()) };
        let selector = selector.ok_or_else(|| Fail::null("selector"))?;
        let running = p.running()?;
        let queues = sorted_queues(&running, &topic)?;
        // SAFETY: the selector is callable now (# Safety).
        let i = unsafe { select(selector, queues.len(), msg, arg) }?;
        // SAFETY: `msg` is live (the selector may have changed it).
        let m = unsafe { msg_ref(msg) }?.to_message()?;
        running.send_to_queue_oneway(&m, &queues[i])?;
        Ok(())
    })
}

/// Sends to the queue chosen by `callback(size, msg, arg)` (called once, on
/// this thread) and waits; `autoRetryTimes` more attempts go to a queue on
/// another broker. 0; 1 for NULL (`arg` included); 13.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `msg` is NULL or a live
/// message handle not used by another thread during the call; a non-NULL `callback` is callable with `msg` and `arg` on
/// this thread during the call; `result` is NULL or an out pointer.
#[no_mangle]
pub unsafe extern "C" fn SendMessageOrderly(
    producer: *mut CProducer,
    msg: *mut CMessage,
    callback: QueueSelectorCallback,
    arg: *mut c_void,
    autoRetryTimes: c_int,
    result: *mut CSendResult,
) -> c_int {
    run(code::PRODUCER_SEND_ORDERLY_FAILED, || {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety). The
        // topic is copied: the selector may change the message.
        let (p, topic) = unsafe { (producer_ref(producer)?, msg_ref(msg)?.topic().to_owned()) };
        let selector = callback.ok_or_else(|| Fail::null("callback"))?;
        if arg.is_null() {
            return Err(Fail::null("arg"));
        }
        let out = out(result)?;
        if autoRetryTimes < 0 {
            return Err(Fail::new(format!(
                "No route info of this topic, {} (autoRetryTimes {} < 0)",
                topic, autoRetryTimes
            )));
        }
        let running = p.running()?;
        let queues = sorted_queues(&running, &topic)?;
        // SAFETY: the selector is callable now (# Safety).
        let i = unsafe { select(selector, queues.len(), msg, arg) }?;
        // SAFETY: `msg` is live (the selector may have changed it).
        let m = unsafe { msg_ref(msg) }?.to_message()?;
        let attempts = autoRetryTimes as usize + 1;
        let r = send_to_queues(&running, &m, &queues, i, attempts)?;
        *out = CSendResult::from_result(&r);
        Ok(())
    })
}

/// Async send to the queue chosen by `callback` (called once on this
/// thread). 0; 1 for NULL; 15 when the send cannot start.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `msg` is NULL or a live
/// message handle not used by another thread during the call; a non-NULL `callback` is callable with `msg` and `arg` on
/// this thread during the call; the send callbacks, if not NULL, stay
/// callable on the producer's callback thread until one of them has been
/// called.
#[no_mangle]
pub unsafe extern "C" fn SendMessageOrderlyAsync(
    producer: *mut CProducer,
    msg: *mut CMessage,
    callback: QueueSelectorCallback,
    arg: *mut c_void,
    cSendSuccessCallback: CSendSuccessCallback,
    cSendExceptionCallback: CSendExceptionCallback,
) -> c_int {
    run(code::PRODUCER_SEND_ORDERLYASYNC_FAILED, || {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety). The
        // topic is copied: the selector may change the message.
        let (p, topic) = unsafe { (producer_ref(producer)?, msg_ref(msg)?.topic().to_owned()) };
        let selector = callback.ok_or_else(|| Fail::null("callback"))?;
        let callbacks = plain_callbacks(cSendSuccessCallback, cSendExceptionCallback)?;
        let running = p.running()?;
        let queues = sorted_queues(&running, &topic)?;
        // SAFETY: the selector is callable now (# Safety).
        let i = unsafe { select(selector, queues.len(), msg, arg) }?;
        // SAFETY: `msg` is live (the selector may have changed it).
        let m = unsafe { msg_ref(msg) }?.to_message()?;
        running.send_async_raw(&m, Some(&queues[i]), callbacks)?;
        Ok(())
    })
}

/// Sets property `__SHARDINGKEY` on `msg`, then sends to queue
/// `std::hash<std::string>(key) % n` of the topic's queues ordered by
/// broker name and queue id (the C++ client's choice), up to 4 attempts.
/// 0; 1 for NULL; 13.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `msg` is NULL or a live
/// message handle not used by another thread during the call; `shardingKey` is NULL or a C string; `result` is NULL or an
/// out pointer.
#[no_mangle]
pub unsafe extern "C" fn SendMessageOrderlyByShardingKey(
    producer: *mut CProducer,
    msg: *mut CMessage,
    shardingKey: *const c_char,
    result: *mut CSendResult,
) -> c_int {
    run(code::PRODUCER_SEND_ORDERLY_FAILED, || {
        // SAFETY: `producer` and `msg` are NULL or live, `msg` unshared;
        // `shardingKey` is NULL or a C string (# Safety).
        let (p, cm, key) = unsafe {
            (
                producer_ref(producer)?,
                msg_mut(msg)?,
                c_str(shardingKey, "shardingKey")?,
            )
        };
        let out = out(result)?;
        cm.set_prop("__SHARDINGKEY", &key);
        let m = cm.to_message()?;
        let running = p.running()?;
        let queues = sorted_queues(&running, m.topic())?;
        let i = (std_hash_bytes(key.as_bytes()) % queues.len() as u64) as usize;
        let r = send_to_queues(&running, &m, &queues, i, 4)?;
        *out = CSendResult::from_result(&r);
        Ok(())
    })
}

/// Sends `msg` as a transaction: the half message synchronously, then (if
/// stored with SEND_OK) `callback(producer, msg, userData)` on this thread
/// decides (0 commit, 1 rollback, else unknown), then the decision goes to
/// the broker. Sets `TRAN_MSG`, `PGROUP`, `UNIQ_KEY` and `__transactionId__`
/// on `msg` before the callback. 0 whatever the decision, `*result` = the
/// half message's result; 1 for NULL; 16.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `msg` is NULL or a live
/// message handle not used by another thread during the call; a non-NULL `callback` is callable with `producer`, `msg`
/// and `userData` on this thread during the call; `result` is NULL or an out
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn SendMessageTransaction(
    producer: *mut CProducer,
    msg: *mut CMessage,
    callback: CLocalTransactionExecutorCallback,
    userData: *mut c_void,
    result: *mut CSendResult,
) -> c_int {
    run(code::PRODUCER_SEND_TRANSACTION_FAILED, || {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, m) = unsafe { (producer_ref(producer)?, msg_ref(msg)?) };
        let m = m.to_message()?;
        let exec = callback.ok_or_else(|| Fail::null("callback"))?;
        let out = out(result)?;
        if p.kind != Kind::Transaction {
            return Err(Fail::new(
                "SendMessageTransaction needs a producer made by CreateTransactionProducer",
            ));
        }
        let running: Arc<Producer> = p.running()?;
        let group = p.group();
        let (r, _state) = running.send_in_transaction(&m, |r| {
            // SAFETY: `msg` is live and unshared (# Safety); no other
            // reference to it is in use here.
            if let Some(cm) = unsafe { msg.as_mut() } {
                cm.set_prop(names::TRAN_MSG, "true");
                cm.set_prop(names::PGROUP, &group);
                cm.set_prop(names::UNIQ_KEY, &r.msg_id);
                if let Some(t) = &r.transaction_id {
                    cm.set_prop("__transactionId__", t);
                }
            }
            // SAFETY: the executor is callable with these arguments now
            // (# Safety).
            state_from_c(unsafe { exec(producer, msg, userData) })
        })?;
        *out = CSendResult::from_result(&r);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_arguments_give_null_pointer() {
        // SAFETY: every pointer passed is NULL, a C string literal, a local
        // result or a handle made here, destroyed last.
        unsafe {
            let mut r = CSendResult::zeroed();
            let m = super::super::message::CreateMessage(c"T".as_ptr());
            assert_eq!(SendMessageSync(std::ptr::null_mut(), m, &mut r), 1);
            assert_eq!(SendMessageOneway(std::ptr::null_mut(), m), 1);
            let p = super::super::producer::CreateProducer(c"G".as_ptr());
            assert_eq!(SendMessageSync(p, m, std::ptr::null_mut()), 1);
            // Not started: the send's own failure code.
            assert_eq!(SendMessageSync(p, m, &mut r), 11);
            assert_eq!(SendMessageOneway(p, m), 12);
            assert_eq!(
                SendMessageTransaction(p, m, None, std::ptr::null_mut(), &mut r),
                1
            );
            assert_eq!(
                SendMessageOrderlyByShardingKey(p, m, std::ptr::null(), &mut r),
                1
            );
            assert_eq!(super::super::producer::DestroyProducer(p), 0);
            assert_eq!(super::super::message::DestroyMessage(m), 0);
        }
    }

    #[test]
    fn std_hash_matches_libstdcxx() {
        // Values of std::hash<std::string> from g++ / libstdc++ (x86-64).
        assert_eq!(std_hash_bytes(b""), 6142509188972423790);
        assert_eq!(std_hash_bytes(b"abc"), 3663726644998027833);
        assert_eq!(std_hash_bytes(b"order-123456789"), 3211160113063778880);
        assert_eq!(
            std_hash_bytes(b"hello world, sharding"),
            1512857868513404163
        );
    }
}
