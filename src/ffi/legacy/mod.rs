//! The legacy C API of apache/rocketmq-client-cpp (`CProducer.h`,
//! `CMessage.h`, `CPullConsumer.h`, …; headers in `include/rocketmq/`),
//! implemented on top of [`crate::Producer`], [`crate::PullConsumer`] and
//! [`crate::consumer::PushConsumer`] so that this library is a drop-in
//! replacement for the C++ client's `librocketmq.so`. The behaviour is
//! specified in
//! `docs/legacy-api.md`; in short:
//!
//! * every `int` function returns `OK` (0), `NULL_POINTER` (1) or the one
//!   failure code its legacy counterpart uses, never anything else (the
//!   Python binding raises on unknown codes);
//! * every failure records a text for `GetLatestErrorMessage()` (a
//!   thread-local string, `""` until the first failure, never cleared);
//! * panics are caught at every entry point;
//! * NULL arguments never crash.
//!
//! This module is hidden from cbindgen (see `ffi/mod.rs`), so the modern
//! header `include/rocketmq.h` stays free of legacy names.
//!
//! # Safety
//!
//! Every pointer argument is NULL or a live object of its type as the
//! legacy headers describe (a *live* handle: returned by its `Create*`
//! function and not yet destroyed; a message or batch handle is not used by
//! two threads at once); a *C string* is NUL-terminated and readable during
//! the call; an *out pointer* points to writable memory for one value of its
//! type. Each function's `# Safety` section says which of its arguments must
//! be what, and how long callbacks must stay callable.

#![allow(non_snake_case, non_camel_case_types)]

pub mod batch;
pub mod consumer;
pub mod message;
pub mod producer;
pub mod pull_consumer;
pub mod pull_result;
pub mod push_consumer;
pub mod push_consumer_settings;
pub mod send;

use std::cell::RefCell;
use std::collections::HashSet;
use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use super::{copy_c_str, fork_check, Handle};
use crate::error::Error;

/// `CStatus` values used by this module.
#[allow(dead_code)]
pub(crate) mod code {
    use std::ffi::c_int;
    pub const OK: c_int = 0;
    pub const NULL_POINTER: c_int = 1;
    pub const MALLOC_FAILED: c_int = 2;
    pub const PRODUCER_START_FAILED: c_int = 10;
    pub const PRODUCER_SEND_SYNC_FAILED: c_int = 11;
    pub const PRODUCER_SEND_ONEWAY_FAILED: c_int = 12;
    pub const PRODUCER_SEND_ORDERLY_FAILED: c_int = 13;
    pub const PRODUCER_SEND_ASYNC_FAILED: c_int = 14;
    pub const PRODUCER_SEND_ORDERLYASYNC_FAILED: c_int = 15;
    pub const PRODUCER_SEND_TRANSACTION_FAILED: c_int = 16;
    pub const PUSHCONSUMER_START_FAILED: c_int = 20;
    pub const PULLCONSUMER_START_FAILED: c_int = 30;
    pub const PULLCONSUMER_FETCH_MQ_FAILED: c_int = 31;
    pub const NOT_SUPPORT: c_int = 500;
}

/// `MAX_MESSAGE_ID_LENGTH`.
pub const MAX_MESSAGE_ID_LENGTH: usize = 256;
/// `MAX_TOPIC_LENGTH`.
pub const MAX_TOPIC_LENGTH: usize = 512;
/// `MAX_BROKER_NAME_ID_LENGTH`.
pub const MAX_BROKER_NAME_ID_LENGTH: usize = 256;
/// `MAX_EXEPTION_MSG_LENGTH`.
pub const MAX_EXEPTION_MSG_LENGTH: usize = 512;
/// `MAX_EXEPTION_FILE_LENGTH`.
pub const MAX_EXEPTION_FILE_LENGTH: usize = 256;
/// `MAX_EXEPTION_TYPE_LENGTH`.
pub const MAX_EXEPTION_TYPE_LENGTH: usize = 128;

/// `CSendResult` (`struct _SendResult_`): 272 bytes, `offset` at 264.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CSendResult {
    /// `CSendStatus` (a C enum, 4 bytes).
    pub sendStatus: c_int,
    /// Client message id, NUL-terminated.
    pub msgId: [c_char; MAX_MESSAGE_ID_LENGTH],
    /// Queue offset.
    pub offset: i64,
}

/// `CMQException` (`struct _CMQException_`): 904 bytes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CMQException {
    /// Error code: the broker's response code, or -1 for client-side errors.
    pub error: c_int,
    /// Source line that raised the error.
    pub line: c_int,
    /// Source file that raised the error.
    pub file: [c_char; MAX_EXEPTION_FILE_LENGTH],
    /// Description.
    pub msg: [c_char; MAX_EXEPTION_MSG_LENGTH],
    /// Error class name.
    pub type_: [c_char; MAX_EXEPTION_TYPE_LENGTH],
}

/// `CMessageQueue` (`struct _CMessageQueue_`): 772 bytes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CMessageQueue {
    /// Topic.
    pub topic: [c_char; MAX_TOPIC_LENGTH],
    /// Broker name.
    pub brokerName: [c_char; MAX_BROKER_NAME_ID_LENGTH],
    /// Queue id.
    pub queueId: c_int,
}

impl CSendResult {
    pub(crate) fn zeroed() -> CSendResult {
        CSendResult {
            sendStatus: 0,
            msgId: [0; MAX_MESSAGE_ID_LENGTH],
            offset: 0,
        }
    }

    pub(crate) fn from_result(r: &crate::SendResult) -> CSendResult {
        Self::from_parts(r.status, &r.msg_id, r.queue_offset)
    }

    /// [`CSendResult::from_result`] of a borrowed result.
    pub(crate) fn from_view(r: &crate::result::SendResultView<'_>) -> CSendResult {
        Self::from_parts(r.status, r.msg_id, r.queue_offset)
    }

    fn from_parts(status: crate::SendStatus, msg_id: &str, queue_offset: i64) -> CSendResult {
        let mut out = CSendResult::zeroed();
        out.sendStatus = status as c_int;
        // A batch reports its ids comma-separated (Java style); keep only
        // whole ids when they do not all fit.
        let mut id = msg_id;
        while id.len() >= MAX_MESSAGE_ID_LENGTH {
            id = match id.rfind(',') {
                Some(i) => &id[..i],
                None => "",
            };
        }
        copy_c_str(&mut out.msgId, id);
        out.offset = queue_offset;
        out
    }
}

impl CMQException {
    pub(crate) fn from_error(e: &Error, file: &str, line: u32) -> CMQException {
        let mut out = CMQException {
            error: if e.response_code() != 0 {
                e.response_code()
            } else {
                -1
            },
            line: line as c_int,
            file: [0; MAX_EXEPTION_FILE_LENGTH],
            msg: [0; MAX_EXEPTION_MSG_LENGTH],
            type_: [0; MAX_EXEPTION_TYPE_LENGTH],
        };
        copy_c_str(&mut out.file, file);
        copy_c_str(&mut out.msg, &e.to_string().replace('\0', " "));
        let ty = if e.kind() == crate::ErrorKind::Broker {
            "MQBrokerException"
        } else {
            "MQClientException"
        };
        copy_c_str(&mut out.type_, ty);
        out
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `text` as this thread's `GetLatestErrorMessage()`.
pub(crate) fn set_error(text: &str) {
    let c = CString::new(text.replace('\0', " ")).unwrap_or_default();
    let _ = LAST_ERROR.try_with(|l| *l.borrow_mut() = c);
}

/// A failure of a legacy function: the code (None = the function's own
/// failure code) and the text for `GetLatestErrorMessage()`.
pub(crate) struct Fail {
    code: Option<c_int>,
    text: String,
    error_code: i32,
}

impl Fail {
    /// A NULL argument: `NULL_POINTER`.
    pub(crate) fn null(what: &str) -> Fail {
        Fail {
            code: Some(code::NULL_POINTER),
            text: format!("{} is NULL", what),
            error_code: -1,
        }
    }
    /// A failure with the function's own code.
    pub(crate) fn new(text: impl Into<String>) -> Fail {
        Fail {
            code: None,
            text: text.into(),
            error_code: -1,
        }
    }
    /// The text.
    pub(crate) fn text_of(&self) -> String {
        self.text.clone()
    }
    /// A failure with an explicit code.
    pub(crate) fn with_code(code: c_int, text: impl Into<String>) -> Fail {
        Fail {
            code: Some(code),
            text: text.into(),
            error_code: -1,
        }
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail {
            code: None,
            text: e.to_string(),
            error_code: if e.response_code() != 0 {
                e.response_code()
            } else {
                -1
            },
        }
    }
}

pub(crate) type LResult<T> = std::result::Result<T, Fail>;

/// Runs `f` behind the panic boundary: `OK` on success, otherwise the
/// failure's code (default `fail`) with the error text recorded.
pub(crate) fn run(fail: c_int, f: impl FnOnce() -> LResult<()>) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => code::OK,
        Ok(Err(e)) => {
            set_error(&format!("msg: {},error:{}", e.text, e.error_code));
            e.code.unwrap_or(fail)
        }
        Err(_) => {
            set_error("msg: internal panic caught at the C boundary,error:-1");
            fail
        }
    }
}

/// Like [`run`] for a function that returns a value instead of a code:
/// `f`'s value, or `fallback()` with the failure's text recorded.
pub(crate) fn run_or<T>(fallback: impl FnOnce() -> T, f: impl FnOnce() -> LResult<T>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            set_error(&format!("msg: {},error:{}", e.text, e.error_code));
            fallback()
        }
        Err(_) => {
            set_error("msg: internal panic caught at the C boundary,error:-1");
            fallback()
        }
    }
}

/// Records `text` for `GetLatestErrorMessage()` on a call that still
/// returns `OK` (a setting accepted without effect, an empty answer).
pub(crate) fn note(text: &str) {
    set_error(&format!("msg: {},error:-1", text));
}

/// The NameServer list of a legacy client at its start: the setters store
/// it as given (as rocketmq-client-cpp did), so the start checks it with
/// the `namesrvAddr` key of the modern configuration (`host:port` entries).
pub(crate) fn check_namesrv(client: &mut crate::client::ClientConfig) -> LResult<()> {
    let addr = client.namesrv_addr.clone();
    client.set("namesrvAddr", &addr)?;
    Ok(())
}

/// Runs a getter behind the panic boundary; `default` on panic.
pub(crate) fn get<T>(default: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}

/// Copies a C string (NULL → `Fail::null(what)`); invalid UTF-8 is
/// replaced, as the C++ client never validated encodings.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string alive during the call.
pub(crate) unsafe fn c_str(p: *const c_char, what: &str) -> LResult<String> {
    if p.is_null() {
        return Err(Fail::null(what));
    }
    // SAFETY: not NULL, so a C string (# Safety).
    Ok(lossy(unsafe { CStr::from_ptr(p) }).into_owned())
}

/// `c` as UTF-8, invalid sequences replaced by U+FFFD; borrowed when it
/// is valid (checked first with the faster `to_str`).
pub(crate) fn lossy(c: &CStr) -> std::borrow::Cow<'_, str> {
    c.to_str()
        .map_or_else(|_| c.to_string_lossy(), std::borrow::Cow::Borrowed)
}

/// `s` as a C string, NUL bytes replaced by blanks (one allocation, sized
/// for the NUL).
pub(crate) fn cstring(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|e| {
        let mut v = e.into_vec();
        v.iter_mut().filter(|b| **b == 0).for_each(|b| *b = b' ');
        CString::new(v).unwrap_or_default()
    })
}

/// Like [`c_str`] but a NULL string is the function's own failure code
/// (the producer setters' legacy behaviour).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string alive during the call.
pub(crate) unsafe fn c_str_or_fail(p: *const c_char, what: &str) -> LResult<String> {
    if p.is_null() {
        return Err(Fail::new(format!("{} is NULL", what)));
    }
    // SAFETY: not NULL, so a C string (# Safety).
    Ok(lossy(unsafe { CStr::from_ptr(p) }).into_owned())
}

/// Where the C++ client looks for TLS settings when no property file was
/// given (`UtilAll.h` `DEFAULT_SSL_PROPERTY_FILE`).
pub(crate) const DEFAULT_SSL_PROPERTY_FILE: &str = "/etc/rocketmq/tls.properties";

/// Applies the legacy TLS switches at start (`Set*Ssl`, `Set*SslPropertyFile`;
/// C++ `EventLoop::CreateSslContext`) through `set` (a `key, value` setter
/// of the client settings): `useTLS=true` and the property file's
/// `tls.client.*` keys — the given file, else [`DEFAULT_SSL_PROPERTY_FILE`]
/// when it exists (without either, the system's trust store verifies the
/// servers). Errors: a given file that cannot be read, or a bad value in it.
pub(crate) fn apply_legacy_tls(
    ssl: bool,
    property_file: Option<&str>,
    set: &mut dyn FnMut(&str, &str) -> crate::error::Result<()>,
) -> LResult<()> {
    if !ssl {
        return Ok(());
    }
    set("useTLS", "true")?;
    let file = match property_file {
        Some(f) => Some(f),
        None if std::path::Path::new(DEFAULT_SSL_PROPERTY_FILE).exists() => {
            Some(DEFAULT_SSL_PROPERTY_FILE)
        }
        None => None,
    };
    if let Some(f) = file {
        set("tls.config.file", f)?;
    }
    Ok(())
}

/// Borrows a client handle: NULL → `NULL_POINTER`; a handle inherited
/// across `fork()` → the function's own failure code with
/// [`crate::fork::INHERITED`] (see `ffi::fork_check`).
///
/// # Safety
/// `p` is NULL or a live handle of type `T` (for `'a`).
pub(crate) unsafe fn live<'a, T: Handle>(p: *const T, what: &str) -> LResult<&'a T> {
    // SAFETY: NULL or live (# Safety).
    let h = unsafe { p.as_ref() }.ok_or_else(|| Fail::null(what))?;
    fork_check(h)?;
    Ok(h)
}

/// The started clients of this process by group (a second client of a
/// group fails to start, as in legacy). Emptied in a forked child, where
/// the parent's clients do not run.
pub(crate) struct Registry<K> {
    inner: Mutex<(u64, HashSet<K>)>,
}

impl<K: std::hash::Hash + Eq> Registry<K> {
    /// An empty registry.
    pub(crate) fn new() -> Registry<K> {
        Registry {
            inner: Mutex::new((crate::fork::generation(), HashSet::new())),
        }
    }

    /// Runs `f` on this process's set.
    fn with<R>(&self, f: impl FnOnce(&mut HashSet<K>) -> R) -> R {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let now = crate::fork::generation();
        if g.0 != now {
            *g = (now, HashSet::new());
        }
        f(&mut g.1)
    }

    /// Adds `k`; false if it was there.
    pub(crate) fn insert(&self, k: K) -> bool {
        self.with(|s| s.insert(k))
    }

    /// Whether `k` is there.
    pub(crate) fn contains(&self, k: &K) -> bool {
        self.with(|s| s.contains(k))
    }

    /// Removes `k`.
    pub(crate) fn remove(&self, k: &K) {
        self.with(|s| s.remove(k));
    }
}

/// A static `""`.
/// A legacy `Set…NameServerAddress` value as the client's `namesrvAddr`:
/// trimmed, a leading `http://` stripped (the C++ client accepted it).
pub(crate) fn namesrv_text(value: &str) -> String {
    let v = value.trim();
    v.strip_prefix("http://").unwrap_or(v).to_string()
}

pub(crate) fn empty() -> *const c_char {
    c"".as_ptr()
}

/// The text of the last failure on the calling thread; `""` if none, never
/// NULL. Valid until the next failure recorded on this thread.
#[no_mangle]
pub extern "C" fn GetLatestErrorMessage() -> *const c_char {
    get(empty(), || {
        LAST_ERROR
            .try_with(|l| l.borrow().as_ptr())
            .unwrap_or(empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    #[test]
    fn layouts_match_the_legacy_headers() {
        assert_eq!(size_of::<CSendResult>(), 272);
        assert_eq!(align_of::<CSendResult>(), 8);
        assert_eq!(offset_of!(CSendResult, sendStatus), 0);
        assert_eq!(offset_of!(CSendResult, msgId), 4);
        assert_eq!(offset_of!(CSendResult, offset), 264);

        assert_eq!(size_of::<CMQException>(), 904);
        assert_eq!(align_of::<CMQException>(), 4);
        assert_eq!(offset_of!(CMQException, error), 0);
        assert_eq!(offset_of!(CMQException, line), 4);
        assert_eq!(offset_of!(CMQException, file), 8);
        assert_eq!(offset_of!(CMQException, msg), 264);
        assert_eq!(offset_of!(CMQException, type_), 776);

        assert_eq!(size_of::<CMessageQueue>(), 772);
        assert_eq!(align_of::<CMessageQueue>(), 4);
        assert_eq!(offset_of!(CMessageQueue, topic), 0);
        assert_eq!(offset_of!(CMessageQueue, brokerName), 512);
        assert_eq!(offset_of!(CMessageQueue, queueId), 768);

        use pull_result::CPullResult;
        assert_eq!(size_of::<CPullResult>(), 56);
        assert_eq!(align_of::<CPullResult>(), 8);
        assert_eq!(offset_of!(CPullResult, pullStatus), 0);
        assert_eq!(offset_of!(CPullResult, nextBeginOffset), 8);
        assert_eq!(offset_of!(CPullResult, minOffset), 16);
        assert_eq!(offset_of!(CPullResult, maxOffset), 24);
        assert_eq!(offset_of!(CPullResult, msgFoundList), 32);
        assert_eq!(offset_of!(CPullResult, size), 40);
        assert_eq!(offset_of!(CPullResult, pData), 48);

        // Every C enum crosses the ABI as a C int.
        assert_eq!(size_of::<c_int>(), 4);
    }

    #[test]
    fn error_text_is_thread_local_and_sticky() {
        // SAFETY: GetLatestErrorMessage returns a C string valid until the
        // next failure on this thread.
        let read = || unsafe { CStr::from_ptr(GetLatestErrorMessage()) }.to_owned();
        assert_eq!(run(11, || Err(Fail::new("boom"))), 11);
        assert_eq!(read().to_str().unwrap(), "msg: boom,error:-1");
        assert_eq!(run(11, || Ok(())), 0);
        assert_eq!(read().to_str().unwrap(), "msg: boom,error:-1");
        assert_eq!(run(11, || Err(Fail::null("msg"))), 1);
        assert_eq!(run(12, || panic!("x")), 12);
        std::thread::spawn(move || {
            assert_eq!(read().to_str().unwrap(), "");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn send_result_keeps_whole_batch_ids() {
        let id = "0123456789ABCDEF0123456789ABCDEF";
        let ids = [id; 10].join(",");
        let r = crate::SendResult {
            status: crate::SendStatus::SendOk,
            msg_id: ids,
            offset_msg_id: String::new(),
            message_queue: crate::MessageQueue {
                topic: "T".into(),
                broker_name: "b".into(),
                queue_id: 0,
            },
            queue_offset: 7,
            transaction_id: None,
            region_id: None,
        };
        let c = CSendResult::from_result(&r);
        // SAFETY: from_result NUL-terminates msgId within the array.
        let s = unsafe { CStr::from_ptr(c.msgId.as_ptr()) }
            .to_str()
            .unwrap();
        assert_eq!(s.split(',').count(), 7);
        assert!(s.split(',').all(|x| x == id));
        assert_eq!(c.offset, 7);
    }
}
