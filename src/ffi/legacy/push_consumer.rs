//! `CPushConsumer.h`: the inert push consumer (see [`super::consumer`]).

use std::ffi::{c_char, c_int, c_long};

use super::consumer::*;
use super::{code, get, run, Fail, LResult};

/// An inert push consumer (NULL for a NULL group).
///
/// # Safety
/// `groupId` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn CreatePushConsumer(groupId: *const c_char) -> *mut CPushConsumer {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        get(std::ptr::null_mut(), || match group_of(groupId) {
            Some(group) => Box::into_raw(Box::new(CPushConsumer {
                group,
                version: version(),
                callback: None,
            })),
            None => std::ptr::null_mut(),
        })
    }
}

/// Frees the handle. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle, not used afterwards
/// (nor during the call by another thread).
#[no_mangle]
pub unsafe extern "C" fn DestroyPushConsumer(consumer: *mut CPushConsumer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { destroy(consumer) }
}

/// Always 20 (push consumers are not supported); 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn StartPushConsumer(consumer: *mut CPushConsumer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { unsupported(consumer, code::PUSHCONSUMER_START_FAILED, PUSH_UNSUPPORTED) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn ShutdownPushConsumer(consumer: *mut CPushConsumer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[]) }
}

/// The version text; NULL for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn ShowPushConsumerVersion(consumer: *mut CPushConsumer) -> *const c_char {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { version_of(consumer) }
}

/// Stores the group. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call; `groupId` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerGroupID(
    consumer: *mut CPushConsumer,
    groupId: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { set_group(consumer, groupId) }
}

/// The group; NULL for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetPushConsumerGroupID(consumer: *mut CPushConsumer) -> *const c_char {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { group_ptr(consumer) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call; `namesrv` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerNameServerAddress(
    consumer: *mut CPushConsumer,
    namesrv: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[(namesrv, "namesrv")]) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call; `domain` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerNameServerDomain(
    consumer: *mut CPushConsumer,
    domain: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[(domain, "domain")]) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call; `topic` and `expression` are NULL or C strings.
#[no_mangle]
pub unsafe extern "C" fn Subscribe(
    consumer: *mut CPushConsumer,
    topic: *const c_char,
    expression: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[(topic, "topic"), (expression, "expression")]) }
}

/// Stores `cb`. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used elsewhere
/// during the call.
unsafe fn register(consumer: *mut CPushConsumer, cb: MessageCallBack) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live and unshared (# Safety).
        let c = unsafe { handle(consumer) }?;
        if cb.is_none() {
            return Err(Fail::null("pCallback"));
        }
        c.callback = cb;
        Ok(())
    })
}

/// Stores the callback (never called). 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call. `pCallback` is stored, never called.
#[no_mangle]
pub unsafe extern "C" fn RegisterMessageCallbackOrderly(
    consumer: *mut CPushConsumer,
    pCallback: MessageCallBack,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { register(consumer, pCallback) }
}

/// Stores the callback (never called). 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call. `pCallback` is stored, never called.
#[no_mangle]
pub unsafe extern "C" fn RegisterMessageCallback(
    consumer: *mut CPushConsumer,
    pCallback: MessageCallBack,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { register(consumer, pCallback) }
}

/// Forgets the callback. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used elsewhere
/// during the call.
unsafe fn unregister(consumer: *mut CPushConsumer) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live and unshared (# Safety).
        unsafe { handle(consumer) }?.callback = None;
        Ok(())
    })
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn UnregisterMessageCallbackOrderly(consumer: *mut CPushConsumer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { unregister(consumer) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn UnregisterMessageCallback(consumer: *mut CPushConsumer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { unregister(consumer) }
}

/// Checks the handle and that `v` (named `what`) is not 0. 0; 1 otherwise.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used elsewhere
/// during the call.
unsafe fn push_nonzero(consumer: *mut CPushConsumer, v: c_int, what: &str) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live and unshared (# Safety).
        unsafe { handle(consumer) }?;
        if v == 0 {
            return Err(Fail::with_code(
                code::NULL_POINTER,
                format!("{} must not be 0", what),
            ));
        }
        Ok(())
    })
}

/// Checks the handle and that `v` (named `what`) is positive.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used elsewhere
/// during the call.
unsafe fn push_positive(consumer: *mut CPushConsumer, v: c_int, what: &str) -> LResult<()> {
    // SAFETY: NULL or live and unshared (# Safety).
    unsafe { handle(consumer) }?;
    if v <= 0 {
        return Err(Fail::with_code(
            code::NULL_POINTER,
            format!("{} must be positive", what),
        ));
    }
    Ok(())
}

/// 0; 1 for NULL or 0.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerThreadCount(
    consumer: *mut CPushConsumer,
    threadCount: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { push_nonzero(consumer, threadCount, "threadCount") }
}

/// 0; 1 for NULL or 0.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMessageBatchMaxSize(
    consumer: *mut CPushConsumer,
    batchSize: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { push_nonzero(consumer, batchSize, "batchSize") }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call; `instanceName` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerInstanceName(
    consumer: *mut CPushConsumer,
    instanceName: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[(instanceName, "instanceName")]) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call; `accessKey`, `secretKey` and `channel` are NULL
/// or C strings.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerSessionCredentials(
    consumer: *mut CPushConsumer,
    accessKey: *const c_char,
    secretKey: *const c_char,
    channel: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        check(
            consumer,
            &[
                (accessKey, "accessKey"),
                (secretKey, "secretKey"),
                (channel, "channel"),
            ],
        )
    }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call; `logPath` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerLogPath(
    consumer: *mut CPushConsumer,
    logPath: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[(logPath, "logPath")]) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerLogFileNumAndSize(
    consumer: *mut CPushConsumer,
    fileNum: c_int,
    fileSize: c_long,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        let _ = (fileNum, fileSize);
        check(consumer, &[])
    }
}

/// Sets the process-global log level. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerLogLevel(
    consumer: *mut CPushConsumer,
    level: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::NULL_POINTER, || {
            handle(consumer)?;
            super::producer::set_log_level(level);
            Ok(())
        })
    }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMessageModel(
    consumer: *mut CPushConsumer,
    messageModel: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        let _ = messageModel;
        check(consumer, &[])
    }
}

/// 0; 1 for NULL or a value `<= 0`.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMaxCacheMessageSize(
    consumer: *mut CPushConsumer,
    maxCacheSize: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::NULL_POINTER, || {
            push_positive(consumer, maxCacheSize, "maxCacheSize")
        })
    }
}

/// Legacy: never 0. 1 for NULL or a value `<= 0`, else 500 (`Not_Support`).
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMaxCacheMessageSizeInMb(
    consumer: *mut CPushConsumer,
    maxCacheSizeInMb: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::NOT_SUPPORT, || {
            push_positive(consumer, maxCacheSizeInMb, "maxCacheSizeInMb")?;
            Err(Fail::new(
                "SetPushConsumerMaxCacheMessageSizeInMb is not supported",
            ))
        })
    }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMessageTrace(
    consumer: *mut CPushConsumer,
    openTrace: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        let _ = openTrace;
        check(consumer, &[])
    }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerSsl(
    consumer: *mut CPushConsumer,
    enableSsl: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        let _ = enableSsl;
        check(consumer, &[])
    }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle not used by another
/// thread during the call; `sslPropertyFile` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerSslPropertyFile(
    consumer: *mut CPushConsumer,
    sslPropertyFile: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[(sslPropertyFile, "sslPropertyFile")]) }
}
