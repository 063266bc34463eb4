//! `rmq_message_ext`: a read-only view of a received message and its
//! getters. Views come from transaction check-backs (lent to the checker),
//! request replies (owned by the caller), the pull consumer's polls and
//! one-shot pulls (owned by the consumer handle) and the push consumer's
//! consume callbacks (lent to the callback).
//!
//! A getter that returns a C string makes it on first use and keeps it in
//! the view: calling it again returns the same pointer, so reading a field
//! costs at most one allocation per field and view, whatever the number of
//! calls.

use std::cell::OnceCell;
use std::ffi::{c_char, CString};
use std::net::SocketAddr;
use std::ptr::NonNull;

use super::{guard, guard_value, handle, rmq_status, str_arg};
use crate::error::{Error, ErrorKind};
use crate::protocol::message_ext::MessageExt;

/// The text fields a view caches (index into `rmq_message_ext::texts`).
#[derive(Clone, Copy)]
enum Text {
    Topic,
    MsgId,
    OffsetMsgId,
    BrokerName,
    BornHost,
    StoreHost,
}

/// Number of [`Text`] fields.
const TEXTS: usize = 6;

impl super::Handle for rmq_message_ext {}

/// A read-only received message. Where it comes from decides how long it
/// lives:
/// * the stored message handed to a transaction checker: during the
///   callback only;
/// * a reply returned by `rmq_producer_request`: owned by the caller, until
///   `rmq_message_ext_free`;
/// * a message of `rmq_pull_consumer_poll` or `rmq_pull_consumer_pull`:
///   owned by the consumer handle, until the handle's next poll (for a
///   polled message) or next one-shot pull (for a pulled one),
///   `rmq_pull_consumer_release`, `rmq_pull_consumer_shutdown` or
///   `rmq_pull_consumer_free`;
/// * a message handed to a push consumer's consume callback: during the
///   callback only.
///
/// Strings and bytes returned by its getters live as long as the view. A
/// view is not thread-safe: it may move between threads, but its getters
/// must not run on two threads at once.
pub struct rmq_message_ext {
    inner: Held,
    /// One C string per text field, made on first use.
    texts: [OnceCell<CString>; TEXTS],
    /// The C strings of the properties asked for, by name, made on first
    /// use (a `CString` keeps its heap buffer when the list grows).
    properties: std::cell::RefCell<Vec<(Box<str>, CString)>>,
}

/// The message a view reads.
// Unboxed on purpose: a box would cost every owned view (each polled
// message of a pull consumer) an allocation; views live in vectors, where
// the lent ones' unused bytes cost nothing.
#[allow(clippy::large_enum_variant)]
enum Held {
    /// The view owns it.
    Owned(MessageExt),
    /// Lent by its owner, which keeps it alive and unchanged for as long as
    /// the view lives (a push consumer's batch during its callback): the
    /// view never drops it.
    Lent(NonNull<MessageExt>),
}

// SAFETY: `Owned` holds a `MessageExt`, which is `Send`. `Lent` stands for
// a `&MessageExt` that outlives the view (see `rmq_message_ext::lent`), and
// `MessageExt` is `Sync`, so reading it from the thread the view moved to is
// what a `&MessageExt` sent there allows.
unsafe impl Send for Held {}

/// `s` as a C string (an inner NUL, which RocketMQ text never holds,
/// becomes a space).
fn c_text(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|_| CString::new(s.replace('\0', " ")).unwrap_or_default())
}

impl rmq_message_ext {
    pub(crate) fn new(inner: MessageExt) -> rmq_message_ext {
        rmq_message_ext {
            inner: Held::Owned(inner),
            texts: Default::default(),
            properties: Default::default(),
        }
    }

    /// A view of `m` that does not own it: no copy and no reference count,
    /// for views lent to a callback while their messages are held.
    ///
    /// # Safety
    /// `m` stays alive and unchanged as long as the view lives (dropping
    /// the view does not touch `m`).
    pub(crate) unsafe fn lent(m: &MessageExt) -> rmq_message_ext {
        rmq_message_ext {
            inner: Held::Lent(NonNull::from(m)),
            texts: Default::default(),
            properties: Default::default(),
        }
    }

    pub(crate) fn inner(&self) -> &MessageExt {
        match &self.inner {
            Held::Owned(m) => m,
            // SAFETY: a lent message outlives the view and is not changed
            // while it lives (`lent`'s contract).
            Held::Lent(m) => unsafe { m.as_ref() },
        }
    }

    /// The C string of text field `which`, made on first use.
    fn text(&self, which: Text) -> *const c_char {
        let m = self.inner();
        self.texts[which as usize]
            .get_or_init(|| match which {
                Text::Topic => c_text(&m.topic),
                Text::MsgId => c_text(m.msg_id()),
                Text::OffsetMsgId => c_text(&m.offset_msg_id),
                Text::BrokerName => c_text(&m.broker_name),
                Text::BornHost => host_text(&m.born_host),
                Text::StoreHost => host_text(&m.store_host),
            })
            .as_ptr()
    }

    /// The C string of property `name`, made on first use; "" (static) if
    /// absent.
    fn property(&self, name: &str) -> *const c_char {
        let mut cache = self.properties.borrow_mut();
        if let Some((_, c)) = cache.iter().find(|(n, _)| &**n == name) {
            return c.as_ptr();
        }
        let Some(value) = self.inner().properties.get(name) else {
            return c"".as_ptr();
        };
        let c = c_text(value);
        let p = c.as_ptr();
        cache.push((name.into(), c));
        p
    }
}

/// "ip:port" (IPv6: "[ip]:port").
fn host_text(a: &SocketAddr) -> CString {
    c_text(&a.to_string())
}

/// Runs a getter of a C string behind the panic boundary: NULL for a NULL
/// view (or a panic).
///
/// # Safety
/// `msg` is NULL or a live view not used by another thread during the call.
unsafe fn text_of(
    msg: *const rmq_message_ext,
    f: impl FnOnce(&rmq_message_ext) -> *const c_char,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: `msg` is NULL or a live view (# Safety).
        unsafe { msg.as_ref() }.map_or(std::ptr::null(), f)
    })
}

/// Runs a getter of a number behind the panic boundary: `null` for a NULL
/// view (or a panic).
///
/// # Safety
/// `msg` is NULL or a live view not used by another thread during the call.
unsafe fn number_of<T: Copy>(
    msg: *const rmq_message_ext,
    null: T,
    f: impl FnOnce(&MessageExt) -> T,
) -> T {
    guard_value(null, || {
        // SAFETY: `msg` is NULL or a live view (# Safety).
        match unsafe { msg.as_ref() } {
            Some(m) => f(m.inner()),
            None => null,
        }
    })
}

/// The topic (NUL-terminated, without the consumer's namespace), valid as
/// long as the view; the same pointer on every call. NULL for NULL. Java
/// `Message.getTopic`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_topic(msg: *const rmq_message_ext) -> *const c_char {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { text_of(msg, |m| m.text(Text::Topic)) }
}

/// The client message id (`UNIQ_KEY`, else the broker id), valid as long as
/// the view; the same pointer on every call. NULL for NULL. Java
/// `MessageExt.getMsgId` (of a `MessageClientExt`).
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_msg_id(msg: *const rmq_message_ext) -> *const c_char {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { text_of(msg, |m| m.text(Text::MsgId)) }
}

/// The broker message id (store host + commit-log offset, 32 hex
/// characters; 56 for an IPv6 store host), valid as long as the view; the
/// same pointer on every call. NULL for NULL. Java
/// `MessageClientExt.getOffsetMsgId`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_offset_msg_id(
    msg: *const rmq_message_ext,
) -> *const c_char {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { text_of(msg, |m| m.text(Text::OffsetMsgId)) }
}

/// The tag (property `TAGS`), "" if it has none; valid as long as the view,
/// the same pointer on every call (and the one `rmq_message_ext_property(msg,
/// "TAGS")` returns). NULL for NULL. Java `Message.getTags`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_tags(msg: *const rmq_message_ext) -> *const c_char {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { text_of(msg, |m| m.property("TAGS")) }
}

/// The keys (property `KEYS`: space-separated as sent), "" if it has none;
/// valid as long as the view, the same pointer on every call. NULL for
/// NULL. Java `Message.getKeys`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_keys(msg: *const rmq_message_ext) -> *const c_char {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { text_of(msg, |m| m.property("KEYS")) }
}

/// The name of the broker the message was pulled from; "" for a message
/// that was not pulled (a transaction check-back, a reply). Valid as long
/// as the view, the same pointer on every call. NULL for NULL. Java
/// `MessageExt.getBrokerName`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_broker_name(msg: *const rmq_message_ext) -> *const c_char {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { text_of(msg, |m| m.text(Text::BrokerName)) }
}

/// The producer's address as "ip:port" ("[ip]:port" for IPv6), valid as
/// long as the view, the same pointer on every call. NULL for NULL. Java
/// `MessageExt.getBornHost`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_born_host(msg: *const rmq_message_ext) -> *const c_char {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { text_of(msg, |m| m.text(Text::BornHost)) }
}

/// The storing broker's address as "ip:port" ("[ip]:port" for IPv6), valid
/// as long as the view, the same pointer on every call. NULL for NULL. Java
/// `MessageExt.getStoreHost`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_store_host(msg: *const rmq_message_ext) -> *const c_char {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { text_of(msg, |m| m.text(Text::StoreHost)) }
}

/// A property's value (e.g. "TAGS", "KEYS", "__transactionId__", user
/// properties), "" if absent; valid as long as the view, the same pointer
/// on every call for one name. NULL for a NULL or non-UTF-8 argument. Java
/// `Message.getProperty`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
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
            Ok(name) => m.property(name),
            Err(_) => std::ptr::null(),
        }
    })
}

/// The body (inflated if it was stored compressed): `*data` and `*len`
/// (bytes) point into the view, valid as long as the view. Errors:
/// `RMQ_STATUS_INVALID_ARGUMENT` (NULL). Java `Message.getBody`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
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
            let body = &m.inner().body;
            *data = body.as_ptr();
            *len = body.len();
        }
        Ok(())
    })
}

/// The queue offset (position in its consume queue); -1 for NULL. Java
/// `MessageExt.getQueueOffset`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_queue_offset(msg: *const rmq_message_ext) -> i64 {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { number_of(msg, -1, |m| m.queue_offset) }
}

/// The queue id on its broker; -1 for NULL. Java `MessageExt.getQueueId`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_queue_id(msg: *const rmq_message_ext) -> i32 {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { number_of(msg, -1, |m| m.queue_id) }
}

/// How many times the message was consumed again (retry topics); 0 for
/// NULL. Java `MessageExt.getReconsumeTimes`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_reconsume_times(msg: *const rmq_message_ext) -> i32 {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { number_of(msg, 0, |m| m.reconsume_times) }
}

/// The stored sysFlag (`MessageSysFlag` bits: compression type, transaction
/// type, IPv6 hosts; the compressed bit is cleared once the body is
/// inflated); 0 for NULL. Java `MessageExt.getSysFlag`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_sys_flag(msg: *const rmq_message_ext) -> i32 {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { number_of(msg, 0, |m| m.sys_flag) }
}

/// The user flag the producer set (`rmq_message_set_flag`); 0 for NULL.
/// Java `Message.getFlag`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_flag(msg: *const rmq_message_ext) -> i32 {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { number_of(msg, 0, |m| m.flag) }
}

/// The delay level (property `DELAY`, 1..=18), 0 if absent or not a
/// number; 0 for NULL. Java `Message.getDelayTimeLevel`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_delay_level(msg: *const rmq_message_ext) -> i32 {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe {
        number_of(msg, 0, |m| {
            m.property("DELAY")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        })
    }
}

/// The offset of the message in the broker's commit log; -1 for NULL. Java
/// `MessageExt.getCommitLogOffset`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_commit_log_offset(msg: *const rmq_message_ext) -> i64 {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { number_of(msg, -1, |m| m.commit_log_offset) }
}

/// When the producer made the message, ms since the epoch; -1 for NULL.
/// Java `MessageExt.getBornTimestamp`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_born_timestamp(msg: *const rmq_message_ext) -> i64 {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { number_of(msg, -1, |m| m.born_timestamp) }
}

/// When the broker stored the message, ms since the epoch; -1 for NULL.
/// Java `MessageExt.getStoreTimestamp`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_store_timestamp(msg: *const rmq_message_ext) -> i64 {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { number_of(msg, -1, |m| m.store_timestamp) }
}

/// The commit-log offset of the half message of a transactional message (0
/// for others); -1 for NULL. Java `MessageExt.getPreparedTransactionOffset`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_prepared_transaction_offset(
    msg: *const rmq_message_ext,
) -> i64 {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { number_of(msg, -1, |m| m.prepared_transaction_offset) }
}

/// The CRC32 of the body as stored (of the compressed bytes when it was
/// stored compressed), as a signed 32-bit value; 0 for NULL. Java
/// `MessageExt.getBodyCRC`.
///
/// # Safety
/// `msg` is NULL or a live view (see `rmq_message_ext` for how long each
/// kind lives), not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rmq_message_ext_body_crc(msg: *const rmq_message_ext) -> i32 {
    // SAFETY: `msg` is NULL or a live view (# Safety).
    unsafe { number_of(msg, 0, |m| m.body_crc) }
}

/// Frees a view returned by `rmq_producer_request`. NULL is a no-op. Never
/// call it on a view a checker or consume callback receives, nor on one of
/// a pull consumer (the consumer handle owns those).
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use std::sync::Arc;

    fn view() -> rmq_message_ext {
        rmq_message_ext::new(MessageExt {
            topic: "T".into(),
            queue_id: 2,
            flag: 7,
            queue_offset: 42,
            commit_log_offset: 1234,
            sys_flag: 0,
            born_timestamp: 10,
            born_host: "10.0.0.5:50000".parse().unwrap(),
            store_timestamp: 11,
            store_host: "[2001:db8::7]:10911".parse().unwrap(),
            reconsume_times: 1,
            prepared_transaction_offset: 0,
            body_crc: -5,
            body: bytes::Bytes::from_static(b"hi"),
            properties: crate::protocol::properties::Properties::from_pairs([
                ("UNIQ_KEY", "ABC"),
                ("TAGS", "TagA"),
                ("DELAY", "3"),
            ]),
            offset_msg_id: "OFF".into(),
            broker_name: Arc::from("broker-a"),
            store_size: 0,
        })
    }

    #[test]
    fn a_lent_view_reads_the_message_it_borrows_and_leaves_it_whole() {
        let owned = view();
        let m = owned.inner().clone();
        // SAFETY: `m` outlives `lent` and is not changed meanwhile.
        let lent = unsafe { rmq_message_ext::lent(&m) };
        assert_eq!(lent.inner(), &m);
        assert!(std::ptr::eq(lent.inner(), &m), "no copy");
        let (a, b): (*const rmq_message_ext, *const rmq_message_ext) = (&owned, &lent);
        // SAFETY: both are live views used by this thread only.
        unsafe {
            assert_eq!(
                text(rmq_message_ext_topic(b)),
                text(rmq_message_ext_topic(a))
            );
            assert_eq!(text(rmq_message_ext_tags(b)), "TagA");
            assert_eq!(text(rmq_message_ext_store_host(b)), "[2001:db8::7]:10911");
            assert_eq!(rmq_message_ext_queue_offset(b), 42);
            let (mut data, mut len) = (std::ptr::null::<u8>(), 0usize);
            assert_eq!(rmq_message_ext_body(b, &mut data, &mut len), rmq_status::Ok);
            assert_eq!(data, m.body.as_ptr(), "the body is the lent message's");
            assert_eq!(len, 2);
        }
        drop(lent);
        // Dropping the view left the message alone.
        assert_eq!(&m.body[..], b"hi");
        assert_eq!(m.properties.get("UNIQ_KEY"), Some("ABC"));
    }

    fn text(p: *const c_char) -> String {
        assert!(!p.is_null());
        // SAFETY: the getters return C strings that live as long as the view.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
    }

    #[test]
    fn getters_read_every_field_and_repeat_the_same_pointer() {
        let v = view();
        let m: *const rmq_message_ext = &v;
        // SAFETY: `m` is a live view used by this thread only.
        unsafe {
            let getters: [(
                unsafe extern "C" fn(*const rmq_message_ext) -> *const c_char,
                &str,
            ); 8] = [
                (rmq_message_ext_topic, "T"),
                (rmq_message_ext_msg_id, "ABC"),
                (rmq_message_ext_offset_msg_id, "OFF"),
                (rmq_message_ext_tags, "TagA"),
                (rmq_message_ext_keys, ""),
                (rmq_message_ext_broker_name, "broker-a"),
                (rmq_message_ext_born_host, "10.0.0.5:50000"),
                (rmq_message_ext_store_host, "[2001:db8::7]:10911"),
            ];
            for (get, want) in getters {
                let p = get(m);
                assert_eq!(text(p), want);
                assert_eq!(get(m), p, "one string per field: {}", want);
                assert!(get(std::ptr::null()).is_null());
            }
            assert_eq!(
                rmq_message_ext_property(m, c"TAGS".as_ptr()),
                rmq_message_ext_tags(m)
            );
            let missing = rmq_message_ext_property(m, c"nope".as_ptr());
            assert_eq!(text(missing), "");
            assert!(rmq_message_ext_property(m, std::ptr::null()).is_null());
            assert_eq!(rmq_message_ext_queue_id(m), 2);
            assert_eq!(rmq_message_ext_flag(m), 7);
            assert_eq!(rmq_message_ext_reconsume_times(m), 1);
            assert_eq!(rmq_message_ext_delay_level(m), 3);
            assert_eq!(rmq_message_ext_body_crc(m), -5);
            assert_eq!(rmq_message_ext_queue_offset(m), 42);
            assert_eq!(rmq_message_ext_commit_log_offset(m), 1234);
            assert_eq!(rmq_message_ext_born_timestamp(m), 10);
            assert_eq!(rmq_message_ext_store_timestamp(m), 11);
            assert_eq!(rmq_message_ext_prepared_transaction_offset(m), 0);
            assert_eq!(rmq_message_ext_queue_id(std::ptr::null()), -1);
            assert_eq!(rmq_message_ext_delay_level(std::ptr::null()), 0);
            assert_eq!(rmq_message_ext_store_timestamp(std::ptr::null()), -1);
        }
    }
}
