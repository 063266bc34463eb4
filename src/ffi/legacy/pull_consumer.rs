//! `CPullConsumer.h`: the inert pull consumer (see [`super::consumer`]).

use std::ffi::{c_char, c_int, c_long, c_longlong, c_void};

use super::consumer::*;
use super::{c_str, code, get, run, set_error, CMessageQueue, Fail};

/// An inert pull consumer (NULL for a NULL group).
///
/// # Safety
/// `groupId` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn CreatePullConsumer(groupId: *const c_char) -> *mut CPullConsumer {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        get(std::ptr::null_mut(), || match group_of(groupId) {
            Some(group) => Box::into_raw(Box::new(CPullConsumer {
                group,
                version: version(),
            })),
            None => std::ptr::null_mut(),
        })
    }
}

/// Frees the handle. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle, not used afterwards
/// (nor during the call by another thread).
#[no_mangle]
pub unsafe extern "C" fn DestroyPullConsumer(consumer: *mut CPullConsumer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { destroy(consumer) }
}

/// Always 30 (pull consumers are not supported); 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn StartPullConsumer(consumer: *mut CPullConsumer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { unsupported(consumer, code::PULLCONSUMER_START_FAILED, PULL_UNSUPPORTED) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn ShutdownPullConsumer(consumer: *mut CPullConsumer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[]) }
}

/// The version text; NULL for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn ShowPullConsumerVersion(consumer: *mut CPullConsumer) -> *const c_char {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { version_of(consumer) }
}

/// Stores the group. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call; `groupId` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerGroupID(
    consumer: *mut CPullConsumer,
    groupId: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { set_group(consumer, groupId) }
}

/// The group; NULL for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetPullConsumerGroupID(consumer: *mut CPullConsumer) -> *const c_char {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { group_ptr(consumer) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call; `namesrv` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerNameServerAddress(
    consumer: *mut CPullConsumer,
    namesrv: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[(namesrv, "namesrv")]) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call; `domain` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerNameServerDomain(
    consumer: *mut CPullConsumer,
    domain: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[(domain, "domain")]) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call; `accessKey`, `secretKey` and `channel` are NULL
/// or C strings.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerSessionCredentials(
    consumer: *mut CPullConsumer,
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
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call; `logPath` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerLogPath(
    consumer: *mut CPullConsumer,
    logPath: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[(logPath, "logPath")]) }
}

/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerLogFileNumAndSize(
    consumer: *mut CPullConsumer,
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
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerLogLevel(
    consumer: *mut CPullConsumer,
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
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerSsl(
    consumer: *mut CPullConsumer,
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
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call; `sslPropertyFile` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerSslPropertyFile(
    consumer: *mut CPullConsumer,
    sslPropertyFile: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer, &[(sslPropertyFile, "sslPropertyFile")]) }
}

/// Always 31 with `*mqs = NULL`, `*size = 0`; 1 for NULL arguments.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle not used by another
/// thread during the call; `topic` is NULL or a C string; `mqs` and `size`
/// are NULL or out pointers.
#[no_mangle]
pub unsafe extern "C" fn FetchSubscriptionMessageQueues(
    consumer: *mut CPullConsumer,
    topic: *const c_char,
    mqs: *mut *mut CMessageQueue,
    size: *mut c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::PULLCONSUMER_FETCH_MQ_FAILED, || {
            handle(consumer)?;
            c_str(topic, "topic")?;
            if mqs.is_null() || size.is_null() {
                return Err(Fail::null("mqs or size"));
            }
            *mqs = std::ptr::null_mut();
            *size = 0;
            Err(Fail::new(PULL_UNSUPPORTED))
        })
    }
}

/// `free()`s an array from `FetchSubscriptionMessageQueues`. 0; 1 for NULL.
///
/// # Safety
/// `mqs` is NULL or memory from the C library's `malloc` (what
/// `FetchSubscriptionMessageQueues` would return), not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn ReleaseSubscriptionMessageQueue(mqs: *mut CMessageQueue) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::NULL_POINTER, || {
            if mqs.is_null() {
                return Err(Fail::null("mqs"));
            }
            libc::free(mqs as *mut c_void);
            Ok(())
        })
    }
}

/// Always a zeroed result with `E_BROKER_TIMEOUT` (and the error text set).
///
/// # Safety
/// None: the arguments are not read.
#[no_mangle]
pub unsafe extern "C" fn Pull(
    consumer: *mut CPullConsumer,
    mq: *const CMessageQueue,
    subExpression: *const c_char,
    offset: c_longlong,
    maxNums: c_int,
) -> CPullResult {
    let _ = (consumer, mq, subExpression, offset, maxNums);
    set_error(&format!("msg: {},error:-1", PULL_UNSUPPORTED));
    CPullResult {
        pullStatus: E_BROKER_TIMEOUT,
        nextBeginOffset: 0,
        minOffset: 0,
        maxOffset: 0,
        msgFoundList: std::ptr::null_mut(),
        size: 0,
        pData: std::ptr::null_mut(),
    }
}

/// 1 for a result without messages (every result of this build), as legacy.
///
/// # Safety
/// None: the result's pointers are not read.
#[no_mangle]
pub unsafe extern "C" fn ReleasePullResult(pullResult: CPullResult) -> c_int {
    let _ = pullResult;
    run(code::NULL_POINTER, || {
        Err(Fail::null("pullResult has no messages"))
    })
}
