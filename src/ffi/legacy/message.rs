//! `CMessage.h` and `CMessageExt.h`. One handle type serves both: a
//! `CMessageExt*` is a `CMessage` with stored-message details attached, so
//! the `CMessage` getters work on a `CMessageExt*` and the `CMessageExt`
//! getters work on a plain `CMessage*` (ext-only values are then 0 or `""`,
//! and `GetMessageId` gives the `UNIQ_KEY` property).
//!
//! Returned strings point into the handle: each field and each property
//! value lives in its own heap buffer, valid until that field or property
//! is set again or the message is destroyed. Bodies keep a NUL after the
//! last byte.

use std::collections::BTreeMap;
use std::ffi::{c_char, c_int, CStr, CString};

use super::{c_str, code, cstring, empty, get, lossy, run, Fail, LResult};
use crate::message::{Message, PooledBody};
use crate::protocol::message_ext::MessageExt;
use crate::protocol::properties::names;

/// Stored-message details of a `CMessageExt`.
#[derive(Clone, Debug, Default)]
pub(crate) struct ExtInfo {
    queue_id: c_int,
    reconsume_times: c_int,
    store_size: c_int,
    born_timestamp: i64,
    store_timestamp: i64,
    queue_offset: i64,
    commit_log_offset: i64,
    prepared_transaction_offset: i64,
    msg_id: CString,
    store_host: CString,
    born_host: CString,
}

/// The `CMessage` / `CMessageExt` handle.
#[derive(Clone, Debug)]
pub struct CMessage {
    /// The topic followed by one NUL ([`topic_text`]): lent to C as it is,
    /// and read by a send without a UTF-8 check or a conversion.
    topic: String,
    /// The body, followed by one NUL byte in its buffer (`None`: empty);
    /// shared (not copied) with the messages sent from it and their sends.
    body: Option<PooledBody>,
    props: BTreeMap<String, CString>,
    /// Property `WAIT` reads "true" while `props` has no `WAIT` of its own
    /// (every message made by `CreateMessage`, as legacy `MQMessage` sets
    /// it; kept out of `props` so that creating a message allocates less).
    default_wait: bool,
    ext: Option<Box<ExtInfo>>,
    /// Lent to a callback: the caller must not destroy it.
    borrowed: bool,
}

/// `CMessageExt`: the same handle type as [`CMessage`].
pub type CMessageExt = CMessage;

/// C `atoi`: leading blanks, optional sign, digits; 0 when none.
pub(crate) fn atoi(s: &str) -> c_int {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = (v * 10 + (b - b'0') as i64).min(i64::from(i32::MAX) + 1);
    }
    let v = if neg { -v } else { v };
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as c_int
}

/// `topic` as a [`CMessage`] keeps it: the text, NUL bytes replaced by
/// blanks (as [`cstring`] does), then one NUL; one allocation.
fn topic_text(topic: &str) -> String {
    let mut text = String::with_capacity(topic.len() + 1);
    if topic.as_bytes().contains(&0) {
        text.extend(topic.chars().map(|c| if c == '\0' { ' ' } else { c }));
    } else {
        text.push_str(topic);
    }
    text.push('\0');
    text
}

impl CMessage {
    pub(crate) fn new(topic: &str) -> CMessage {
        CMessage {
            topic: topic_text(topic),
            body: None,
            props: BTreeMap::new(),
            default_wait: true,
            ext: None,
            borrowed: false,
        }
    }

    /// A read-only view of a stored message, lent to a callback.
    pub(crate) fn from_ext(m: &MessageExt) -> CMessage {
        let mut msg = CMessage::new(&m.topic);
        msg.default_wait = false;
        for (k, v) in m.properties.iter() {
            msg.props.insert(k.to_string(), cstring(v));
        }
        msg.set_body(&m.body);
        msg.borrowed = true;
        msg.ext = Some(Box::new(ExtInfo {
            queue_id: m.queue_id,
            reconsume_times: m.reconsume_times,
            store_size: m.store_size,
            born_timestamp: m.born_timestamp,
            store_timestamp: m.store_timestamp,
            queue_offset: m.queue_offset,
            commit_log_offset: m.commit_log_offset,
            prepared_transaction_offset: m.prepared_transaction_offset,
            msg_id: cstring(m.msg_id()),
            store_host: cstring(&m.store_host.to_string()),
            born_host: cstring(&m.born_host.to_string()),
        }));
        msg
    }

    /// A deep copy owned by the caller (never marked as lent).
    pub(crate) fn owned_copy(&self) -> CMessage {
        let mut m = self.clone();
        m.borrowed = false;
        m
    }

    /// The topic (invalid UTF-8 was replaced by U+FFFD when it was set).
    pub(crate) fn topic(&self) -> &str {
        self.topic.strip_suffix('\0').unwrap_or(&self.topic)
    }

    fn body_bytes(&self) -> &[u8] {
        self.body.as_deref().unwrap_or_default()
    }

    /// The body, NUL-terminated after its last byte.
    fn body_ptr(&self) -> *const c_char {
        self.body.as_ref().map_or(empty(), PooledBody::as_c_ptr)
    }

    /// Copies `body` (and a NUL after it) into a pooled buffer.
    fn set_body(&mut self, body: &[u8]) {
        self.body = (!body.is_empty()).then(|| PooledBody::copy_of(body, true));
    }

    pub(crate) fn set_prop(&mut self, key: &str, value: &str) {
        self.props.insert(key.to_string(), cstring(value));
    }

    fn prop(&self, key: &str) -> Option<&CStr> {
        match self.props.get(key) {
            Some(c) => Some(c.as_c_str()),
            None if self.default_wait && key == names::WAIT => Some(c"true"),
            None => None,
        }
    }

    fn prop_ptr(&self, key: &str) -> *const c_char {
        self.prop(key).map(|c| c.as_ptr()).unwrap_or(empty())
    }

    /// The message as the Rust producer sends it: the topic, the body, tags,
    /// keys, delay level and WAIT from their properties, every other
    /// non-empty property verbatim (the client sets `UNIQ_KEY`, `TRAN_MSG`
    /// and `PGROUP` itself).
    pub(crate) fn to_message(&self) -> LResult<Message> {
        let mut m = Message::new(self.topic(), bytes::Bytes::new());
        if let Some(body) = &self.body {
            m.set_pooled_body(body.clone());
        }
        for (k, v) in &self.props {
            let v = v.to_string_lossy();
            match k.as_str() {
                names::TAGS => m.set_tags(&v)?,
                names::KEYS => m.set_keys(&v)?,
                names::DELAY => m.set_delay_level(atoi(&v).clamp(0, 18))?,
                names::WAIT => m.set_wait_store_msg_ok(v != "false"),
                names::UNIQ_KEY | names::TRAN_MSG | names::PGROUP => {}
                _ if k.is_empty() || v.is_empty() => {}
                _ => m.set_property_raw(k, &v)?,
            }
        }
        Ok(m)
    }
}

/// Borrows a message handle mutably; NULL → `NULL_POINTER`.
///
/// # Safety
/// `p` is NULL or a live message handle, not used elsewhere during `'a`.
pub(crate) unsafe fn msg_mut<'a>(p: *mut CMessage) -> LResult<&'a mut CMessage> {
    // SAFETY: NULL or live and unshared (# Safety).
    unsafe { p.as_mut() }.ok_or_else(|| Fail::null("msg"))
}

/// Borrows a message handle; NULL → `NULL_POINTER`.
///
/// # Safety
/// `p` is NULL or a live message handle, not changed elsewhere during `'a`.
pub(crate) unsafe fn msg_ref<'a>(p: *const CMessage) -> LResult<&'a CMessage> {
    // SAFETY: NULL or live (# Safety).
    unsafe { p.as_ref() }.ok_or_else(|| Fail::null("msg"))
}

/// A new message for `topic` (NULL: empty topic) with property `WAIT=true`.
/// Never NULL.
///
/// # Safety
/// `topic` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn CreateMessage(topic: *const c_char) -> *mut CMessage {
    get(std::ptr::null_mut(), || {
        let topic = if topic.is_null() {
            "".into()
        } else {
            // SAFETY: not NULL, so a C string (# Safety).
            lossy(unsafe { CStr::from_ptr(topic) })
        };
        Box::into_raw(Box::new(CMessage::new(&topic)))
    })
}

/// Frees a message. 0, or 1 for NULL (or a message lent to a callback).
///
/// # Safety
/// `msg` is NULL or a live message handle, not used afterwards (nor during
/// the call by another thread).
#[no_mangle]
pub unsafe extern "C" fn DestroyMessage(msg: *mut CMessage) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: `msg` is NULL or live (# Safety).
        let m = unsafe { msg_ref(msg) }?;
        if m.borrowed {
            return Err(Fail::with_code(
                code::NULL_POINTER,
                "the message belongs to a callback and is freed by the library",
            ));
        }
        // SAFETY: a message not lent to a callback comes from Box::into_raw
        // (CreateMessage) and, unused afterwards (# Safety), is freed once.
        drop(unsafe { Box::from_raw(msg) });
        Ok(())
    })
}

/// Sets property `key` to the C string `value` (named `what` in errors).
/// 0; 1 for NULL.
///
/// # Safety
/// `msg` is NULL or a live message handle, not used elsewhere during the
/// call; `value` is NULL or a C string.
unsafe fn set_prop_fn(msg: *mut CMessage, key: &str, value: *const c_char, what: &str) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: `msg` is NULL or live and unshared, `value` NULL or a C
        // string (# Safety).
        let (m, v) = unsafe { (msg_mut(msg)?, c_str(value, what)?) };
        m.set_prop(key, &v);
        Ok(())
    })
}

/// Sets the topic. 0; 1 for a NULL message or topic.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call; `topic` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetMessageTopic(msg: *mut CMessage, topic: *const c_char) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: `msg` is NULL or live and unshared, `topic` NULL or a C
        // string (# Safety).
        let (m, topic) = unsafe { (msg_mut(msg)?, c_str(topic, "topic")?) };
        m.topic = topic_text(&topic);
        Ok(())
    })
}

/// Sets property `TAGS`. 0; 1 for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call; `tags` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetMessageTags(msg: *mut CMessage, tags: *const c_char) -> c_int {
    // SAFETY: as this function's # Safety.
    unsafe { set_prop_fn(msg, names::TAGS, tags, "tags") }
}

/// Sets property `KEYS` (keys separated by spaces). 0; 1 for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call; `keys` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetMessageKeys(msg: *mut CMessage, keys: *const c_char) -> c_int {
    // SAFETY: as this function's # Safety.
    unsafe { set_prop_fn(msg, names::KEYS, keys, "keys") }
}

/// Sets the body to the NUL-terminated `body` (without the NUL). 0; 1 for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call; `body` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetMessageBody(msg: *mut CMessage, body: *const c_char) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: `msg` is NULL or live and unshared (# Safety).
        let m = unsafe { msg_mut(msg) }?;
        if body.is_null() {
            return Err(Fail::null("body"));
        }
        // SAFETY: not NULL, so a C string (# Safety).
        m.set_body(unsafe { CStr::from_ptr(body) }.to_bytes());
        Ok(())
    })
}

/// Sets the body to `len` bytes at `body` (NUL bytes kept). 0; 1 for a
/// NULL message, `len < 0`, or NULL `body` with `len > 0`.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call; `body` is NULL or points to `len` readable
/// bytes.
#[no_mangle]
pub unsafe extern "C" fn SetByteMessageBody(
    msg: *mut CMessage,
    body: *const c_char,
    len: c_int,
) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: `msg` is NULL or live and unshared (# Safety).
        let m = unsafe { msg_mut(msg) }?;
        if len < 0 {
            return Err(Fail::with_code(
                code::NULL_POINTER,
                format!("body length {} is negative", len),
            ));
        }
        if len == 0 {
            m.set_body(&[]);
            return Ok(());
        }
        if body.is_null() {
            return Err(Fail::null("body"));
        }
        // SAFETY: not NULL, so `len` (> 0) readable bytes (# Safety).
        m.set_body(unsafe { std::slice::from_raw_parts(body as *const u8, len as usize) });
        Ok(())
    })
}

/// Sets (or replaces) property `key`. 0; 1 for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call; `key` and `value` are NULL or C strings.
#[no_mangle]
pub unsafe extern "C" fn SetMessageProperty(
    msg: *mut CMessage,
    key: *const c_char,
    value: *const c_char,
) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: `msg` is NULL or live and unshared; `key` and `value` are
        // NULL or C strings (# Safety).
        let (m, k, v) = unsafe { (msg_mut(msg)?, c_str(key, "key")?, c_str(value, "value")?) };
        m.set_prop(&k, &v);
        Ok(())
    })
}

/// Sets property `DELAY` to `level` (any int; at send time values are
/// clamped to 0..=18, 0 = no delay). 0; 1 for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn SetDelayTimeLevel(msg: *mut CMessage, level: c_int) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: `msg` is NULL or live and unshared (# Safety).
        unsafe { msg_mut(msg) }?.set_prop(names::DELAY, &level.to_string());
        Ok(())
    })
}

/// `f` of the message behind the panic boundary; NULL for NULL.
///
/// # Safety
/// `msg` is NULL or a live message handle not changed elsewhere during the
/// call.
unsafe fn str_getter(
    msg: *const CMessage,
    f: impl FnOnce(&CMessage) -> *const c_char,
) -> *const c_char {
    // SAFETY: `msg` is NULL or live (# Safety).
    get(std::ptr::null(), || match unsafe { msg.as_ref() } {
        Some(m) => f(m),
        None => std::ptr::null(),
    })
}

/// The topic; "" when unset; NULL for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetOriginMessageTopic(msg: *mut CMessage) -> *const c_char {
    // SAFETY: as this function's # Safety.
    unsafe { str_getter(msg, |m| m.topic.as_ptr().cast()) }
}

/// Property `TAGS`; "" when unset; NULL for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetOriginMessageTags(msg: *mut CMessage) -> *const c_char {
    // SAFETY: as this function's # Safety.
    unsafe { str_getter(msg, |m| m.prop_ptr(names::TAGS)) }
}

/// Property `KEYS`; "" when unset; NULL for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetOriginMessageKeys(msg: *mut CMessage) -> *const c_char {
    // SAFETY: as this function's # Safety.
    unsafe { str_getter(msg, |m| m.prop_ptr(names::KEYS)) }
}

/// The body, NUL-terminated after its last byte; NULL for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetOriginMessageBody(msg: *mut CMessage) -> *const c_char {
    // SAFETY: as this function's # Safety.
    unsafe { str_getter(msg, CMessage::body_ptr) }
}

/// The body length in bytes; 0 for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetOriginMessageBodyLength(msg: *mut CMessage) -> c_int {
    get(0, || {
        // SAFETY: `msg` is NULL or live (# Safety).
        unsafe { msg.as_ref() }.map_or(0, |m| {
            m.body_bytes().len().min(c_int::MAX as usize) as c_int
        })
    })
}

/// Property `key` (system properties included); "" when absent; NULL for a
/// NULL message or key.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call; `key` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn GetOriginMessageProperty(
    msg: *mut CMessage,
    key: *const c_char,
) -> *const c_char {
    let value = |m: &CMessage| {
        if key.is_null() {
            return std::ptr::null();
        }
        // SAFETY: not NULL, so a C string (# Safety).
        m.prop_ptr(&unsafe { CStr::from_ptr(key) }.to_string_lossy())
    };
    // SAFETY: as this function's # Safety.
    unsafe { str_getter(msg, value) }
}

/// `atoi` of property `DELAY`, 0 when unset; -1 for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetOriginDelayTimeLevel(msg: *mut CMessage) -> c_int {
    // SAFETY: `msg` is NULL or live (# Safety).
    get(-1, || match unsafe { msg.as_ref() } {
        Some(m) => m
            .prop(names::DELAY)
            .map(|d| atoi(&d.to_string_lossy()))
            .unwrap_or(0),
        None => -1,
    })
}

// ---- CMessageExt.h ----

/// The topic; NULL for NULL.
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageTopic(msgExt: *mut CMessageExt) -> *const c_char {
    // SAFETY: as this function's # Safety.
    unsafe { GetOriginMessageTopic(msgExt) }
}

/// Property `TAGS`, "" when absent; NULL for NULL.
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageTags(msgExt: *mut CMessageExt) -> *const c_char {
    // SAFETY: as this function's # Safety.
    unsafe { GetOriginMessageTags(msgExt) }
}

/// Property `KEYS`, "" when absent; NULL for NULL.
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageKeys(msgExt: *mut CMessageExt) -> *const c_char {
    // SAFETY: as this function's # Safety.
    unsafe { GetOriginMessageKeys(msgExt) }
}

/// The (decompressed) body, NUL-terminated; NULL for NULL.
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageBody(msgExt: *mut CMessageExt) -> *const c_char {
    // SAFETY: as this function's # Safety.
    unsafe { GetOriginMessageBody(msgExt) }
}

/// The body length; 0 for NULL.
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageBodyLength(msgExt: *mut CMessageExt) -> c_int {
    // SAFETY: as this function's # Safety.
    unsafe { GetOriginMessageBodyLength(msgExt) }
}

/// Property `key`, "" when absent; NULL for a NULL message or key.
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call; `key` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn GetMessageProperty(
    msgExt: *mut CMessageExt,
    key: *const c_char,
) -> *const c_char {
    // SAFETY: as this function's # Safety.
    unsafe { GetOriginMessageProperty(msgExt, key) }
}

/// `UNIQ_KEY` if present, else the offset message id ("" on a plain message
/// without `UNIQ_KEY`); NULL for NULL.
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageId(msgExt: *mut CMessageExt) -> *const c_char {
    let id = |m: &CMessage| match m.props.get(names::UNIQ_KEY) {
        Some(id) => id.as_ptr(),
        None => m.ext.as_ref().map_or(empty(), |e| e.msg_id.as_ptr()),
    };
    // SAFETY: as this function's # Safety.
    unsafe { str_getter(msgExt, id) }
}

/// `atoi(DELAY)`, 0 when unset; 1 for NULL (legacy).
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageDelayTimeLevel(msgExt: *mut CMessageExt) -> c_int {
    if msgExt.is_null() {
        return code::NULL_POINTER;
    }
    // SAFETY: as this function's # Safety.
    unsafe { GetOriginDelayTimeLevel(msgExt) }
}

/// `f` of the stored-message details: 0 for a plain message, 1 for NULL
/// (and on a panic).
///
/// # Safety
/// `msg` is NULL or a live message handle not changed elsewhere during the
/// call.
unsafe fn ext_int<T: Copy + From<i32>>(msg: *const CMessage, f: impl FnOnce(&ExtInfo) -> T) -> T {
    // SAFETY: `msg` is NULL or live (# Safety).
    get(T::from(1), || match unsafe { msg.as_ref() } {
        None => T::from(code::NULL_POINTER),
        Some(m) => m.ext.as_deref().map(f).unwrap_or(T::from(0)),
    })
}

/// The queue id; 0 on a plain message; 1 for NULL (legacy).
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageQueueId(msgExt: *mut CMessageExt) -> c_int {
    // SAFETY: as this function's # Safety.
    unsafe { ext_int(msgExt, |e| e.queue_id) }
}

/// The reconsume count; 0 on a plain message; 1 for NULL (legacy).
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageReconsumeTimes(msgExt: *mut CMessageExt) -> c_int {
    // SAFETY: as this function's # Safety.
    unsafe { ext_int(msgExt, |e| e.reconsume_times) }
}

/// The stored record size; 0 on a plain message; 1 for NULL (legacy).
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageStoreSize(msgExt: *mut CMessageExt) -> c_int {
    // SAFETY: as this function's # Safety.
    unsafe { ext_int(msgExt, |e| e.store_size) }
}

/// Born timestamp, ms; 0 on a plain message; 1 for NULL (legacy).
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageBornTimestamp(msgExt: *mut CMessageExt) -> i64 {
    // SAFETY: as this function's # Safety.
    unsafe { ext_int(msgExt, |e| e.born_timestamp) }
}

/// Store timestamp, ms; 0 on a plain message; 1 for NULL (legacy).
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageStoreTimestamp(msgExt: *mut CMessageExt) -> i64 {
    // SAFETY: as this function's # Safety.
    unsafe { ext_int(msgExt, |e| e.store_timestamp) }
}

/// Queue offset; 0 on a plain message; 1 for NULL (legacy).
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageQueueOffset(msgExt: *mut CMessageExt) -> i64 {
    // SAFETY: as this function's # Safety.
    unsafe { ext_int(msgExt, |e| e.queue_offset) }
}

/// Commit-log offset; 0 on a plain message; 1 for NULL (legacy).
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageCommitLogOffset(msgExt: *mut CMessageExt) -> i64 {
    // SAFETY: as this function's # Safety.
    unsafe { ext_int(msgExt, |e| e.commit_log_offset) }
}

/// Prepared transaction offset; 0 on a plain message; 1 for NULL (legacy).
///
/// # Safety
/// `msgExt` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessagePreparedTransactionOffset(msgExt: *mut CMessageExt) -> i64 {
    // SAFETY: as this function's # Safety.
    unsafe { ext_int(msgExt, |e| e.prepared_transaction_offset) }
}

/// `"a.b.c.d:port"` of the storing broker; "" on a plain message; NULL for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageStoreHost(msg: *mut CMessageExt) -> *const c_char {
    let host = |m: &CMessage| m.ext.as_ref().map_or(empty(), |e| e.store_host.as_ptr());
    // SAFETY: as this function's # Safety.
    unsafe { str_getter(msg, host) }
}

/// `"a.b.c.d:port"` of the producer; "" on a plain message; NULL for NULL.
///
/// # Safety
/// `msg` is NULL or a live message (or message ext) handle, not used by
/// another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn GetMessageBornHost(msg: *mut CMessageExt) -> *const c_char {
    let host = |m: &CMessage| m.ext.as_ref().map_or(empty(), |e| e.born_host.as_ptr());
    // SAFETY: as this function's # Safety.
    unsafe { str_getter(msg, host) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_like_c() {
        assert_eq!(atoi("3"), 3);
        assert_eq!(atoi("  -2x"), -2);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi("99999999999"), i32::MAX);
    }

    #[test]
    fn message_round_trip() {
        // SAFETY: every pointer passed is NULL, a C string literal or the
        // live message made here, freed last.
        unsafe {
            let m = CreateMessage(c"T".as_ptr());
            assert_eq!(SetMessageTags(m, c"tag".as_ptr()), 0);
            assert_eq!(SetMessageKeys(m, c"k1 k2".as_ptr()), 0);
            assert_eq!(
                SetByteMessageBody(m, b"a\0b".as_ptr() as *const c_char, 3),
                0
            );
            assert_eq!(SetMessageProperty(m, c"color".as_ptr(), c"red".as_ptr()), 0);
            assert_eq!(SetDelayTimeLevel(m, 3), 0);
            let tags = GetOriginMessageTags(m);
            assert_eq!(SetMessageProperty(m, c"x".as_ptr(), c"y".as_ptr()), 0);
            assert_eq!(CStr::from_ptr(tags).to_str().unwrap(), "tag");
            assert_eq!(GetOriginMessageBodyLength(m), 3);
            assert_eq!(*GetOriginMessageBody(m).add(3), 0);
            assert_eq!(GetOriginDelayTimeLevel(m), 3);
            assert_eq!(GetMessageQueueId(m), 0);
            assert_eq!(GetMessageQueueId(std::ptr::null_mut()), 1);
            assert_eq!(GetOriginDelayTimeLevel(std::ptr::null_mut()), -1);
            assert_eq!(CStr::from_ptr(GetMessageId(m)).to_bytes(), b"");
            assert_eq!(
                CStr::from_ptr(GetOriginMessageProperty(m, c"WAIT".as_ptr())).to_bytes(),
                b"true"
            );
            assert!(GetOriginMessageProperty(m, std::ptr::null()).is_null());
            assert_eq!(SetByteMessageBody(m, std::ptr::null(), 1), 1);
            assert_eq!(SetByteMessageBody(m, c"x".as_ptr(), -1), 1);
            assert_eq!(SetMessageTopic(m, std::ptr::null()), 1);
            let rust = (*m).to_message().ok().unwrap();
            assert_eq!(rust.tags(), Some("tag"));
            assert_eq!(rust.keys(), ["k1", "k2"]);
            assert_eq!(rust.delay_level(), 3);
            assert_eq!(rust.property("color"), Some("red"));
            assert_eq!(rust.body(), b"a\0b");
            assert_eq!(DestroyMessage(m), 0);
            assert_eq!(DestroyMessage(std::ptr::null_mut()), 1);
        }
    }
}
