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

unsafe fn group_of(p: *const c_char) -> Option<CString> {
    (!p.is_null()).then(|| CStr::from_ptr(p).to_owned())
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

unsafe fn handle<'a, T>(c: *mut T) -> LResult<&'a mut T> {
    c.as_mut().ok_or_else(|| Fail::null("consumer"))
}

/// Checks the handle and the listed strings; 0, or 1 for any NULL.
unsafe fn check<T>(c: *mut T, strings: &[(*const c_char, &str)]) -> c_int {
    run(code::NULL_POINTER, || {
        handle(c)?;
        for (s, what) in strings {
            c_str(*s, what)?;
        }
        Ok(())
    })
}

/// Frees a handle made by `Box::into_raw`. 0; 1 for NULL.
unsafe fn destroy<T>(c: *mut T) -> c_int {
    run(code::NULL_POINTER, || {
        handle(c)?;
        drop(Box::from_raw(c));
        Ok(())
    })
}

/// `code` with `message` as the latest error; 1 for NULL.
unsafe fn unsupported<T>(c: *mut T, code: c_int, message: &str) -> c_int {
    run(code, || {
        handle(c)?;
        Err(Fail::new(message))
    })
}

/// The handle's version text; NULL for NULL.
unsafe fn version_of<T: Inert>(c: *mut T) -> *const c_char {
    get(std::ptr::null(), || {
        c.as_ref()
            .map(|c| c.version().as_ptr())
            .unwrap_or(std::ptr::null())
    })
}

/// Stores the group. 0; 1 for NULL.
unsafe fn set_group<T: Inert>(c: *mut T, group: *const c_char) -> c_int {
    run(code::NULL_POINTER, || {
        let c = handle(c)?;
        c_str(group, "groupId")?;
        *c.group() = CStr::from_ptr(group).to_owned();
        Ok(())
    })
}

/// The handle's group; NULL for NULL.
unsafe fn group_ptr<T: Inert>(c: *mut T) -> *const c_char {
    get(std::ptr::null(), || match c.as_mut() {
        Some(c) => c.group().as_ptr(),
        None => std::ptr::null(),
    })
}

// ---- CPushConsumer.h ----

/// An inert push consumer (NULL for a NULL group).
#[no_mangle]
pub unsafe extern "C" fn CreatePushConsumer(groupId: *const c_char) -> *mut CPushConsumer {
    get(std::ptr::null_mut(), || match group_of(groupId) {
        Some(group) => Box::into_raw(Box::new(CPushConsumer {
            group,
            version: version(),
            callback: None,
        })),
        None => std::ptr::null_mut(),
    })
}

/// Frees the handle. 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn DestroyPushConsumer(consumer: *mut CPushConsumer) -> c_int {
    destroy(consumer)
}

/// Always 20 (push consumers are not supported); 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn StartPushConsumer(consumer: *mut CPushConsumer) -> c_int {
    unsupported(consumer, code::PUSHCONSUMER_START_FAILED, PUSH_UNSUPPORTED)
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn ShutdownPushConsumer(consumer: *mut CPushConsumer) -> c_int {
    check(consumer, &[])
}

/// The version text; NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn ShowPushConsumerVersion(consumer: *mut CPushConsumer) -> *const c_char {
    version_of(consumer)
}

/// Stores the group. 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerGroupID(
    consumer: *mut CPushConsumer,
    groupId: *const c_char,
) -> c_int {
    set_group(consumer, groupId)
}

/// The group; NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn GetPushConsumerGroupID(consumer: *mut CPushConsumer) -> *const c_char {
    group_ptr(consumer)
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerNameServerAddress(
    consumer: *mut CPushConsumer,
    namesrv: *const c_char,
) -> c_int {
    check(consumer, &[(namesrv, "namesrv")])
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerNameServerDomain(
    consumer: *mut CPushConsumer,
    domain: *const c_char,
) -> c_int {
    check(consumer, &[(domain, "domain")])
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn Subscribe(
    consumer: *mut CPushConsumer,
    topic: *const c_char,
    expression: *const c_char,
) -> c_int {
    check(consumer, &[(topic, "topic"), (expression, "expression")])
}

unsafe fn register(consumer: *mut CPushConsumer, cb: MessageCallBack) -> c_int {
    run(code::NULL_POINTER, || {
        let c = handle(consumer)?;
        if cb.is_none() {
            return Err(Fail::null("pCallback"));
        }
        c.callback = cb;
        Ok(())
    })
}

/// Stores the callback (never called). 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn RegisterMessageCallbackOrderly(
    consumer: *mut CPushConsumer,
    pCallback: MessageCallBack,
) -> c_int {
    register(consumer, pCallback)
}

/// Stores the callback (never called). 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn RegisterMessageCallback(
    consumer: *mut CPushConsumer,
    pCallback: MessageCallBack,
) -> c_int {
    register(consumer, pCallback)
}

unsafe fn unregister(consumer: *mut CPushConsumer) -> c_int {
    run(code::NULL_POINTER, || {
        handle(consumer)?.callback = None;
        Ok(())
    })
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn UnregisterMessageCallbackOrderly(consumer: *mut CPushConsumer) -> c_int {
    unregister(consumer)
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn UnregisterMessageCallback(consumer: *mut CPushConsumer) -> c_int {
    unregister(consumer)
}

unsafe fn push_nonzero(consumer: *mut CPushConsumer, v: c_int, what: &str) -> c_int {
    run(code::NULL_POINTER, || {
        handle(consumer)?;
        if v == 0 {
            return Err(Fail::with_code(
                code::NULL_POINTER,
                format!("{} must not be 0", what),
            ));
        }
        Ok(())
    })
}

unsafe fn push_positive(consumer: *mut CPushConsumer, v: c_int, what: &str) -> LResult<()> {
    handle(consumer)?;
    if v <= 0 {
        return Err(Fail::with_code(
            code::NULL_POINTER,
            format!("{} must be positive", what),
        ));
    }
    Ok(())
}

/// 0; 1 for NULL or 0.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerThreadCount(
    consumer: *mut CPushConsumer,
    threadCount: c_int,
) -> c_int {
    push_nonzero(consumer, threadCount, "threadCount")
}

/// 0; 1 for NULL or 0.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMessageBatchMaxSize(
    consumer: *mut CPushConsumer,
    batchSize: c_int,
) -> c_int {
    push_nonzero(consumer, batchSize, "batchSize")
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerInstanceName(
    consumer: *mut CPushConsumer,
    instanceName: *const c_char,
) -> c_int {
    check(consumer, &[(instanceName, "instanceName")])
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerSessionCredentials(
    consumer: *mut CPushConsumer,
    accessKey: *const c_char,
    secretKey: *const c_char,
    channel: *const c_char,
) -> c_int {
    check(
        consumer,
        &[
            (accessKey, "accessKey"),
            (secretKey, "secretKey"),
            (channel, "channel"),
        ],
    )
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerLogPath(
    consumer: *mut CPushConsumer,
    logPath: *const c_char,
) -> c_int {
    check(consumer, &[(logPath, "logPath")])
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerLogFileNumAndSize(
    consumer: *mut CPushConsumer,
    fileNum: c_int,
    fileSize: c_long,
) -> c_int {
    let _ = (fileNum, fileSize);
    check(consumer, &[])
}

/// Sets the process-global log level. 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerLogLevel(
    consumer: *mut CPushConsumer,
    level: c_int,
) -> c_int {
    run(code::NULL_POINTER, || {
        handle(consumer)?;
        super::producer::set_log_level(level);
        Ok(())
    })
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMessageModel(
    consumer: *mut CPushConsumer,
    messageModel: c_int,
) -> c_int {
    let _ = messageModel;
    check(consumer, &[])
}

/// 0; 1 for NULL or a value `<= 0`.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMaxCacheMessageSize(
    consumer: *mut CPushConsumer,
    maxCacheSize: c_int,
) -> c_int {
    run(code::NULL_POINTER, || {
        push_positive(consumer, maxCacheSize, "maxCacheSize")
    })
}

/// Legacy: never 0. 1 for NULL or a value `<= 0`, else 500 (`Not_Support`).
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMaxCacheMessageSizeInMb(
    consumer: *mut CPushConsumer,
    maxCacheSizeInMb: c_int,
) -> c_int {
    run(code::NOT_SUPPORT, || {
        push_positive(consumer, maxCacheSizeInMb, "maxCacheSizeInMb")?;
        Err(Fail::new(
            "SetPushConsumerMaxCacheMessageSizeInMb is not supported",
        ))
    })
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMessageTrace(
    consumer: *mut CPushConsumer,
    openTrace: c_int,
) -> c_int {
    let _ = openTrace;
    check(consumer, &[])
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerSsl(
    consumer: *mut CPushConsumer,
    enableSsl: c_int,
) -> c_int {
    let _ = enableSsl;
    check(consumer, &[])
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerSslPropertyFile(
    consumer: *mut CPushConsumer,
    sslPropertyFile: *const c_char,
) -> c_int {
    check(consumer, &[(sslPropertyFile, "sslPropertyFile")])
}

// ---- CPullConsumer.h ----

/// An inert pull consumer (NULL for a NULL group).
#[no_mangle]
pub unsafe extern "C" fn CreatePullConsumer(groupId: *const c_char) -> *mut CPullConsumer {
    get(std::ptr::null_mut(), || match group_of(groupId) {
        Some(group) => Box::into_raw(Box::new(CPullConsumer {
            group,
            version: version(),
        })),
        None => std::ptr::null_mut(),
    })
}

/// Frees the handle. 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn DestroyPullConsumer(consumer: *mut CPullConsumer) -> c_int {
    destroy(consumer)
}

/// Always 30 (pull consumers are not supported); 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn StartPullConsumer(consumer: *mut CPullConsumer) -> c_int {
    unsupported(consumer, code::PULLCONSUMER_START_FAILED, PULL_UNSUPPORTED)
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn ShutdownPullConsumer(consumer: *mut CPullConsumer) -> c_int {
    check(consumer, &[])
}

/// The version text; NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn ShowPullConsumerVersion(consumer: *mut CPullConsumer) -> *const c_char {
    version_of(consumer)
}

/// Stores the group. 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerGroupID(
    consumer: *mut CPullConsumer,
    groupId: *const c_char,
) -> c_int {
    set_group(consumer, groupId)
}

/// The group; NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn GetPullConsumerGroupID(consumer: *mut CPullConsumer) -> *const c_char {
    group_ptr(consumer)
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerNameServerAddress(
    consumer: *mut CPullConsumer,
    namesrv: *const c_char,
) -> c_int {
    check(consumer, &[(namesrv, "namesrv")])
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerNameServerDomain(
    consumer: *mut CPullConsumer,
    domain: *const c_char,
) -> c_int {
    check(consumer, &[(domain, "domain")])
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerSessionCredentials(
    consumer: *mut CPullConsumer,
    accessKey: *const c_char,
    secretKey: *const c_char,
    channel: *const c_char,
) -> c_int {
    check(
        consumer,
        &[
            (accessKey, "accessKey"),
            (secretKey, "secretKey"),
            (channel, "channel"),
        ],
    )
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerLogPath(
    consumer: *mut CPullConsumer,
    logPath: *const c_char,
) -> c_int {
    check(consumer, &[(logPath, "logPath")])
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerLogFileNumAndSize(
    consumer: *mut CPullConsumer,
    fileNum: c_int,
    fileSize: c_long,
) -> c_int {
    let _ = (fileNum, fileSize);
    check(consumer, &[])
}

/// Sets the process-global log level. 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerLogLevel(
    consumer: *mut CPullConsumer,
    level: c_int,
) -> c_int {
    run(code::NULL_POINTER, || {
        handle(consumer)?;
        super::producer::set_log_level(level);
        Ok(())
    })
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerSsl(
    consumer: *mut CPullConsumer,
    enableSsl: c_int,
) -> c_int {
    let _ = enableSsl;
    check(consumer, &[])
}

/// 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerSslPropertyFile(
    consumer: *mut CPullConsumer,
    sslPropertyFile: *const c_char,
) -> c_int {
    check(consumer, &[(sslPropertyFile, "sslPropertyFile")])
}

/// Always 31 with `*mqs = NULL`, `*size = 0`; 1 for NULL arguments.
#[no_mangle]
pub unsafe extern "C" fn FetchSubscriptionMessageQueues(
    consumer: *mut CPullConsumer,
    topic: *const c_char,
    mqs: *mut *mut CMessageQueue,
    size: *mut c_int,
) -> c_int {
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

/// `free()`s an array from `FetchSubscriptionMessageQueues`. 0; 1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn ReleaseSubscriptionMessageQueue(mqs: *mut CMessageQueue) -> c_int {
    run(code::NULL_POINTER, || {
        if mqs.is_null() {
            return Err(Fail::null("mqs"));
        }
        libc::free(mqs as *mut c_void);
        Ok(())
    })
}

/// Always a zeroed result with `E_BROKER_TIMEOUT` (and the error text set).
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
#[no_mangle]
pub unsafe extern "C" fn ReleasePullResult(pullResult: CPullResult) -> c_int {
    let _ = pullResult;
    run(code::NULL_POINTER, || {
        Err(Fail::null("pullResult has no messages"))
    })
}
