//! `CPushConsumer.h` and `CPullConsumer.h`: consumers are not supported by
//! this producer library yet. The symbols exist (bindings bind them at load
//! time) with the legacy signatures and return codes:
//!
//! * `CreatePushConsumer`/`CreatePullConsumer` return an inert handle (NULL
//!   only for a NULL group), so that bindings which create a consumer
//!   without starting it keep working;
//! * setters check their arguments as legacy does and return 0;
//! * `StartPushConsumer` returns 20 and `StartPullConsumer` 30, with
//!   `GetLatestErrorMessage()` saying that consumers are not supported;
//! * `FetchSubscriptionMessageQueues` returns 31, `Pull` a `E_BROKER_TIMEOUT`
//!   result, `ReleasePullResult` 1 for such a result.

use std::ffi::{c_char, c_int, c_long, c_longlong, c_void, CStr, CString};

use super::message::CMessageExt;
use super::{c_str, code, get, run, set_error, CMessageQueue, Fail, LResult};

const PUSH_UNSUPPORTED: &str =
    "push consumer is not supported by this librocketmq build (producer only)";
const PULL_UNSUPPORTED: &str =
    "pull consumer is not supported by this librocketmq build (producer only)";

/// `MessageCallBack`: `int (*)(CPushConsumer*, CMessageExt*)`.
pub type MessageCallBack =
    Option<unsafe extern "C" fn(*mut CPushConsumer, *mut CMessageExt) -> c_int>;

/// `CPullResult` (`struct _CPullResult_`): 56 bytes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CPullResult {
    /// `CPullStatus` (C enum).
    pub pullStatus: c_int,
    /// Next offset to pull from.
    pub nextBeginOffset: c_longlong,
    /// Smallest offset of the queue.
    pub minOffset: c_longlong,
    /// Largest offset of the queue.
    pub maxOffset: c_longlong,
    /// `size` message handles.
    pub msgFoundList: *mut *mut CMessageExt,
    /// Number of messages.
    pub size: c_int,
    /// Library-private.
    pub pData: *mut c_void,
}

const E_BROKER_TIMEOUT: c_int = 4;

/// The inert `CPushConsumer` handle.
pub struct CPushConsumer {
    group: CString,
    version: CString,
    callback: MessageCallBack,
}

/// The inert `CPullConsumer` handle.
pub struct CPullConsumer {
    group: CString,
    version: CString,
}

fn version() -> CString {
    CString::new(format!(
        "librocketmq {} (Rust; consumers not supported)",
        crate::VERSION
    ))
    .unwrap_or_default()
}

/// A copy of the group name; None for NULL.
///
/// # Safety
/// `p` is NULL or a C string.
unsafe fn group_of(p: *const c_char) -> Option<CString> {
    // SAFETY: not NULL, so a C string (# Safety).
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_owned())
}

/// What both inert handles hold.
trait Inert {
    fn group(&mut self) -> &mut CString;
    fn version(&self) -> &CString;
}

impl Inert for CPushConsumer {
    fn group(&mut self) -> &mut CString {
        &mut self.group
    }
    fn version(&self) -> &CString {
        &self.version
    }
}

impl Inert for CPullConsumer {
    fn group(&mut self) -> &mut CString {
        &mut self.group
    }
    fn version(&self) -> &CString {
        &self.version
    }
}

/// Borrows a consumer handle; NULL → `NULL_POINTER`.
///
/// # Safety
/// `c` is NULL or a live handle of type `T`, not used elsewhere during `'a`.
unsafe fn handle<'a, T>(c: *mut T) -> LResult<&'a mut T> {
    // SAFETY: NULL or live and unshared (# Safety).
    unsafe { c.as_mut() }.ok_or_else(|| Fail::null("consumer"))
}

/// Checks the handle and the listed strings; 0, or 1 for any NULL.
///
/// # Safety
/// `c` is NULL or a live handle of type `T` not used elsewhere during the
/// call; each string is NULL or a C string.
unsafe fn check<T>(c: *mut T, strings: &[(*const c_char, &str)]) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: as this function's # Safety.
        unsafe {
            handle(c)?;
            for (s, what) in strings {
                c_str(*s, what)?;
            }
        }
        Ok(())
    })
}

/// Frees a handle made by `Box::into_raw`. 0; 1 for NULL.
///
/// # Safety
/// `c` is NULL or a live handle of type `T` (from `Box::into_raw`), not used
/// afterwards nor elsewhere during the call.
unsafe fn destroy<T>(c: *mut T) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live, and then from Box::into_raw and freed once
        // (# Safety).
        unsafe {
            handle(c)?;
            drop(Box::from_raw(c));
        }
        Ok(())
    })
}

/// `code` with `message` as the latest error; 1 for NULL.
///
/// # Safety
/// `c` is NULL or a live handle of type `T` not used elsewhere during the
/// call.
unsafe fn unsupported<T>(c: *mut T, code: c_int, message: &str) -> c_int {
    run(code, || {
        // SAFETY: NULL or live and unshared (# Safety).
        unsafe { handle(c) }?;
        Err(Fail::new(message))
    })
}

/// The handle's version text; NULL for NULL.
///
/// # Safety
/// `c` is NULL or a live handle of type `T`.
unsafe fn version_of<T: Inert>(c: *mut T) -> *const c_char {
    get(std::ptr::null(), || {
        // SAFETY: NULL or live (# Safety).
        unsafe { c.as_ref() }.map_or(std::ptr::null(), |c| c.version().as_ptr())
    })
}

/// Stores the group. 0; 1 for NULL.
///
/// # Safety
/// `c` is NULL or a live handle of type `T` not used elsewhere during the
/// call; `group` is NULL or a C string.
unsafe fn set_group<T: Inert>(c: *mut T, group: *const c_char) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: `c` is NULL or live and unshared, `group` NULL or a C
        // string (# Safety).
        unsafe {
            let c = handle(c)?;
            c_str(group, "groupId")?;
            *c.group() = CStr::from_ptr(group).to_owned();
        }
        Ok(())
    })
}

/// The handle's group; NULL for NULL.
///
/// # Safety
/// `c` is NULL or a live handle of type `T` not used elsewhere during the
/// call.
unsafe fn group_ptr<T: Inert>(c: *mut T) -> *const c_char {
    // SAFETY: NULL or live and unshared (# Safety).
    get(std::ptr::null(), || match unsafe { c.as_mut() } {
        Some(c) => c.group().as_ptr(),
        None => std::ptr::null(),
    })
}

// ---- CPushConsumer.h ----

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

// ---- CPullConsumer.h ----

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
