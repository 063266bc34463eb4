//! The native C API (`rmq_*`). Every exported function:
//! * checks its pointers (NULL → `RMQ_STATUS_INVALID_ARGUMENT`) and strings
//!   (not UTF-8 → `RMQ_STATUS_INVALID_ARGUMENT`);
//! * catches panics (→ `RMQ_STATUS_PANIC`, or NULL for constructors);
//! * on failure sets the calling thread's last error, read with
//!   `rmq_last_error()`.
//!
//! Handles are opaque; each `*_new` has a matching `*_free` that accepts NULL.
//! The header `include/rocketmq.h` is generated from this module by cbindgen.
//!
//! # Safety
//!
//! What every exported function needs from its C caller is in its `# Safety`
//! section, in these terms:
//! * a *live* handle is one returned by its constructor and not yet freed;
//!   a handle that is not thread-safe (message, batch) is not used by
//!   another thread during the call;
//! * a *C string* is a pointer to a NUL-terminated string readable for the
//!   duration of the call;
//! * an *out pointer* points to writable, suitably aligned memory for one
//!   value of its type;
//! * a *callback* stays callable, and its `user_data` valid, for as long as
//!   the function's documentation says it may be called; calls may come from
//!   the threads the documentation names.
//!
//! NULL is accepted wherever the documentation says so (mostly: every
//! pointer, with `RMQ_STATUS_INVALID_ARGUMENT`).

#![allow(non_camel_case_types)]

pub mod batch;
/// The legacy rocketmq-client-cpp C API (`include/rocketmq/C*.h`).
///
/// cbindgen:ignore
pub mod legacy;
pub mod message;
pub mod message_ext;
pub mod ordered;
pub mod producer;
pub mod pull_consumer;
pub mod pull_consumer_offsets;
pub mod push_consumer;
pub mod request;
pub mod transaction;

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr, CString};
use std::mem::MaybeUninit;

use std::panic::{catch_unwind, AssertUnwindSafe};

use log::LevelFilter;

use crate::error::{Error, ErrorKind, Result};

/// Status returned by every fallible `rmq_*` function. `RMQ_STATUS_OK` is 0;
/// the other values never change meaning.
//
// Written out (not generated) because cbindgen does not expand macros and
// must see this enum for the header. Everything else about it comes from the
// error kind table (`crate::error::error_kinds!`, see `status_from_table!`
// below), which also checks at compile time that this enum is `Ok` plus
// exactly the table's kinds with the table's numbers.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmq_status {
    /// Success.
    Ok = 0,
    /// An argument was NULL, not UTF-8, out of range or malformed.
    InvalidArgument = 1,
    /// `rmq_producer_set` was given a key it does not know.
    UnknownConfigKey = 2,
    /// The call is not allowed in the object's current state.
    InvalidState = 3,
    /// The topic name breaks RocketMQ's rules.
    InvalidTopic = 4,
    /// The message cannot be sent as it is (e.g. empty body).
    InvalidMessage = 5,
    /// The body is larger than `maxMessageSize`.
    MessageTooLarge = 6,
    /// No route for the topic (unknown topic, no NameServer reachable or configured).
    NoRoute = 7,
    /// The send did not complete within `sendMsgTimeout`.
    Timeout = 8,
    /// Could not connect, or the connection broke.
    Network = 9,
    /// The broker answered with an error; see `rmq_last_error_response_code()`.
    Broker = 10,
    /// The producer was shut down.
    Shutdown = 11,
    /// The async send queue is full.
    QueueFull = 12,
    /// A panic inside the library was caught.
    Panic = 13,
    /// Internal error or protocol violation by the peer.
    Internal = 14,
    /// A send hook refused the message; the reason is in `rmq_last_error()`.
    Vetoed = 15,
}

/// Builds, from the error kind table, everything that relates `rmq_status`
/// to [`ErrorKind`]: the conversion, `rmq_status::kind`, the names of
/// `rmq_status_name`, and the compile-time checks that the written-out
/// `rmq_status` enum matches the table (the two exhaustive matches make the
/// variant sets equal, the assertions make the numbers equal).
macro_rules! status_from_table {
    ($( $(#[$doc:meta])* $kind:ident = $value:literal, $name:literal; )*) => {
        impl From<ErrorKind> for rmq_status {
            fn from(kind: ErrorKind) -> rmq_status {
                match kind {
                    $(ErrorKind::$kind => rmq_status::$kind,)*
                }
            }
        }

        impl rmq_status {
            /// The error kind of a failure status; None for `Ok`.
            pub fn kind(self) -> Option<ErrorKind> {
                match self {
                    rmq_status::Ok => None,
                    $(rmq_status::$kind => Some(ErrorKind::$kind),)*
                }
            }
        }

        const _: () = {
            assert!(rmq_status::Ok as i32 == 0);
            $(assert!(rmq_status::$kind as i32 == $value);)*
        };

        /// The name of status value `status` (see `rmq_status_name`).
        fn status_name(status: i32) -> &'static CStr {
            match status {
                0 => c"OK",
                $($value => const { static_cstr(concat!($name, "\0")) },)*
                _ => c"UNKNOWN",
            }
        }
    };
}

crate::error::error_kinds!(status_from_table);

/// `s` (which ends with its only NUL) as a C string; for constants.
const fn static_cstr(s: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(s.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("not a NUL-terminated string without inner NULs"),
    }
}

thread_local! {
    static LAST_ERROR: RefCell<(CString, i32)> = RefCell::new((CString::default(), 0));
}

/// Records `e` as this thread's last error.
pub(crate) fn set_last_error(e: &Error) {
    let text = CString::new(e.to_string().replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|l| *l.borrow_mut() = (text, e.response_code()));
}

fn panic_error() -> Error {
    Error::new(ErrorKind::Panic, "internal panic caught at the C boundary")
}

/// Runs `f` behind the panic boundary and turns its outcome into a status.
pub(crate) fn guard(f: impl FnOnce() -> Result<()>) -> rmq_status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => rmq_status::Ok,
        Ok(Err(e)) => {
            set_last_error(&e);
            e.kind().into()
        }
        Err(_) => {
            set_last_error(&panic_error());
            rmq_status::Panic
        }
    }
}

/// Runs an infallible accessor behind the panic boundary; `fallback` if it
/// panics (the last error then says so).
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        set_last_error(&panic_error());
        fallback
    })
}

/// Runs a constructor behind the panic boundary; NULL on error or panic.
pub(crate) fn guard_new<T>(f: impl FnOnce() -> Result<T>) -> *mut T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Box::into_raw(Box::new(v)),
        Ok(Err(e)) => {
            set_last_error(&e);
            std::ptr::null_mut()
        }
        Err(_) => {
            set_last_error(&panic_error());
            std::ptr::null_mut()
        }
    }
}

/// Borrows the `len` bytes at `body` (NULL is allowed when `len` is 0).
/// Errors: [`ErrorKind::InvalidArgument`] for NULL with `len` > 0.
///
/// # Safety
/// `body` is NULL or points to `len` readable bytes, alive and unchanged
/// for `'a`.
pub(crate) unsafe fn bytes_arg<'a>(body: *const u8, len: usize) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if body.is_null() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "body is NULL but len > 0",
        ));
    }
    if len > isize::MAX as usize {
        // A negative length cast to size_t: no object is that large.
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("len {} is larger than any object (a negative size?)", len),
        ));
    }
    // SAFETY: not NULL, at most isize::MAX, and the caller guarantees
    // `len` readable bytes for 'a.
    Ok(unsafe { std::slice::from_raw_parts(body, len) })
}

/// Borrows a C string as UTF-8. Errors: NULL or invalid UTF-8, naming `what`.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string alive for `'a`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, what: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{} is NULL", what),
        ));
    }
    // SAFETY: not NULL, and the caller guarantees a NUL-terminated string
    // alive for 'a.
    unsafe { CStr::from_ptr(p) }.to_str().map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("{} is not valid UTF-8", what),
        )
    })
}

/// What is behind a C handle (of either C API). Client handles
/// (producers, consumers) own threads and sockets that a forked child does
/// not have: they record the fork generation they were born in, and
/// [`fork_check`] refuses them in a child. Plain data (messages, batches,
/// queues, results) has no such tie and works in any process.
pub(crate) trait Handle {
    /// The fork generation of a client handle; None for plain data.
    fn born(&self) -> Option<crate::fork::Born> {
        None
    }
}

/// Implements [`Handle`] for a client handle type, which keeps its
/// [`crate::fork::Born`] in a `born` field (each type's own file invokes
/// it, so that this module names none of them).
macro_rules! client_handle {
    ($t:ty) => {
        impl $crate::ffi::Handle for $t {
            fn born(&self) -> Option<$crate::fork::Born> {
                Some(self.born)
            }
        }
    };
}
pub(crate) use client_handle;

/// The one fork check of every exported function that takes a handle.
/// Errors: [`ErrorKind::InvalidState`] ([`crate::fork::INHERITED`]) for a
/// client handle inherited across `fork()`.
#[inline]
pub(crate) fn fork_check<T: Handle + ?Sized>(h: &T) -> Result<()> {
    match h.born() {
        Some(born) if born.inherited() => {
            Err(Error::new(ErrorKind::InvalidState, crate::fork::INHERITED))
        }
        _ => Ok(()),
    }
}

/// For the `*_free` functions: the status to return at once (the error
/// recorded) when `p` is a client handle inherited across `fork()`. Such a
/// handle is left as it is, its memory leaked on purpose: dropping it
/// would join threads that do not exist in this process and close sockets
/// the parent still uses.
///
/// # Safety
/// `p` is NULL or a live handle of type `T`.
pub(crate) unsafe fn refuse_inherited<T: Handle>(p: *const T) -> Option<rmq_status> {
    // SAFETY: NULL or live (# Safety).
    let e = fork_check(unsafe { p.as_ref() }?).err()?;
    set_last_error(&e);
    Some(e.kind().into())
}

/// Borrows a handle. Errors: NULL, naming `what`; a client handle
/// inherited across `fork()` ([`fork_check`]).
///
/// # Safety
/// `p` is NULL or a live handle of type `T`.
pub(crate) unsafe fn handle<'a, T: Handle>(p: *const T, what: &str) -> Result<&'a T> {
    // SAFETY: the caller guarantees NULL or a live `T` (for 'a).
    let h = unsafe { p.as_ref() }
        .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, format!("{} is NULL", what)))?;
    fork_check(h)?;
    Ok(h)
}

/// Mutably borrows a handle. Errors: as [`handle`].
///
/// # Safety
/// `p` is NULL or a live handle of type `T` not used elsewhere during the call.
pub(crate) unsafe fn handle_mut<'a, T: Handle>(p: *mut T, what: &str) -> Result<&'a mut T> {
    // SAFETY: the caller guarantees NULL or a live `T`, not used elsewhere
    // for 'a.
    let h = unsafe { p.as_mut() }
        .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, format!("{} is NULL", what)))?;
    fork_check(h)?;
    Ok(h)
}

/// A pointer that the C caller handed to the library only to get it back:
/// the `user_data` of a callback (or `arg` of a selector), and the other
/// pointers the library merely passes on to C callbacks (the legacy
/// `SendAsync` message pointer, the producer handle given to a legacy
/// transaction checker). The library never dereferences it; it stores it and
/// passes it, unchanged, to the C functions it came with.
///
/// It is `Send` and `Sync` so that it can travel to, and be shared by, the
/// threads that call those functions (I/O, callback, any logging thread).
/// That asserts nothing about the pointee on the Rust side, since Rust never
/// touches it; the thread-safety of what it points to is the C caller's
/// promise: every function that takes such a pointer documents, in its
/// `# Safety` section, on which threads (and whether concurrently) its
/// callbacks are called with it, and requires the pointer to be usable there.
///
/// Closures read it with [`UserData::get`], which captures the whole
/// `UserData`: capturing the raw-pointer field alone (edition 2021 closures
/// capture fields) would make the closure neither `Send` nor `Sync`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserData(*mut c_void);

// SAFETY: never dereferenced by the library; the C caller guarantees it may
// be used on every thread its callbacks run on (see the type's docs).
unsafe impl Send for UserData {}
// SAFETY: as for Send: concurrent calls with it are part of the documented
// contract of the functions that take it.
unsafe impl Sync for UserData {}

impl UserData {
    /// Wraps `p` (any value, NULL included).
    pub(crate) fn new(p: *mut c_void) -> UserData {
        UserData(p)
    }

    /// The pointer, to pass back to C.
    pub(crate) fn get(self) -> *mut c_void {
        self.0
    }
}

/// An element of a fixed C char array that [`copy_c_str`] can write: a
/// `c_char`, or a `MaybeUninit<c_char>` for an array in memory that is not
/// initialised yet (a result written field by field).
pub(crate) trait CCharSlot {
    /// Stores `c`.
    fn set(&mut self, c: c_char);
}

impl CCharSlot for c_char {
    fn set(&mut self, c: c_char) {
        *self = c;
    }
}

impl CCharSlot for MaybeUninit<c_char> {
    fn set(&mut self, c: c_char) {
        self.write(c);
    }
}

/// Copies `s` into the fixed C array `dst` as a NUL-terminated string: the
/// longest prefix of `s` that has at most `N - 1` bytes and ends at a
/// character boundary (a multi-byte UTF-8 character that does not fit whole
/// is left out), then one NUL. Returns the number of bytes copied, without
/// the NUL. The elements after the NUL are left as they were.
///
/// This is the library's one copy into `char[N]` fields (`rmq_send_result`,
/// `rmq_message_queue`, the legacy `CSendResult`, `CMQException`).
/// A NUL inside `s` is copied like any other byte, so C readers see the
/// string end there; callers whose text may contain NULs (error messages)
/// replace them first.
pub(crate) fn copy_c_str<T: CCharSlot, const N: usize>(dst: &mut [T; N], s: &str) -> usize {
    const { assert!(N > 0, "a C array needs room for the NUL") };
    let mut n = s.len().min(N - 1);
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    for (d, &b) in dst[..n].iter_mut().zip(&s.as_bytes()[..n]) {
        d.set(b as c_char);
    }
    dst[n].set(0);
    n
}

/// The library version, e.g. `"0.1.0"`: a static NUL-terminated string,
/// never freed. Never fails.
#[no_mangle]
pub extern "C" fn rmq_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}

/// The text of the last error on the calling thread: a NUL-terminated
/// string owned by the library, valid until the next failing `rmq_*` call on
/// this thread. "" if nothing failed yet. Successful calls do not clear it.
#[no_mangle]
pub extern "C" fn rmq_last_error() -> *const c_char {
    catch_unwind(|| LAST_ERROR.with(|l| l.borrow().0.as_ptr())).unwrap_or(c"".as_ptr())
}

/// The broker's response code of the last error on the calling thread when
/// it was `RMQ_STATUS_BROKER` (e.g. 13 MESSAGE_ILLEGAL, 17 TOPIC_NOT_EXIST);
/// 0 otherwise.
#[no_mangle]
pub extern "C" fn rmq_last_error_response_code() -> i32 {
    catch_unwind(|| LAST_ERROR.with(|l| l.borrow().1)).unwrap_or(0)
}

/// Receives the library's log lines: `level` 1 error, 2 warn, 3 info,
/// 4 debug; `message` is NUL-terminated and valid only during the call.
/// Called from any library thread (I/O, callback, or a caller's thread),
/// possibly concurrently: it must be thread-safe and quick, and must not
/// call `rmq_*` functions.
pub type rmq_log_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: i32, message: *const c_char)>;

/// The C signature of [`rmq_log_callback`] without its `Option`.
type LogCallbackFn =
    unsafe extern "C" fn(user_data: *mut c_void, level: i32, message: *const c_char);

/// The C log callback as the library's `log::Log` target (see
/// `crate::log::set_target`, which filters by level and target and catches
/// panics before this is called).
struct CallbackLog {
    callback: LogCallbackFn,
    user_data: UserData,
}

impl log::Log for CallbackLog {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let text = record.args().to_string().replace('\0', " ");
        let text = CString::new(text).unwrap_or_default();
        // 1 error .. 4 debug: log::Level's numbers; trace (never enabled
        // by the library) is reported as debug.
        let level = (record.level() as i32).min(4);
        // SAFETY: the caller of rmq_set_log_callback guarantees that the
        // callback stays callable with this user data, from any thread, until
        // it is replaced; the message is a NUL-terminated string alive
        // during the call.
        unsafe { (self.callback)(self.user_data.get(), level, text.as_ptr()) };
    }

    fn flush(&self) {}
}

/// Sends the library's log (process-wide) to `callback(user_data, level,
/// message)` for levels up to `max_level` (1 error .. 4 debug). NULL
/// `callback` (or `max_level` 0) silences the log, which is the default
/// unless the environment variable `ROCKETMQ_LOG` names a level (then lines
/// go to stderr). The library logs failures and state changes, never per
/// message. Errors: `RMQ_STATUS_INVALID_ARGUMENT` for `max_level` outside 0..=4.
///
/// # Safety
/// A non-NULL `callback` must stay callable with `user_data`, from any
/// thread and concurrently, until a later `rmq_set_log_callback` call has
/// returned (without one: for the rest of the process).
#[no_mangle]
pub unsafe extern "C" fn rmq_set_log_callback(
    callback: rmq_log_callback,
    user_data: *mut c_void,
    max_level: i32,
) -> rmq_status {
    guard(|| {
        let level = match max_level {
            0 => LevelFilter::Off,
            1 => LevelFilter::Error,
            2 => LevelFilter::Warn,
            3 => LevelFilter::Info,
            4 => LevelFilter::Debug,
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("max_level {} is outside 0..=4", max_level),
                ))
            }
        };
        match callback {
            Some(callback) if level != LevelFilter::Off => crate::log::set_target(
                Some(Box::new(CallbackLog {
                    callback,
                    user_data: UserData::new(user_data),
                })),
                level,
            ),
            _ => crate::log::set_target(None, LevelFilter::Off),
        }
        Ok(())
    })
}

/// The name of a status value, e.g. `"TIMEOUT"` for `RMQ_STATUS_TIMEOUT`:
/// a static string, never freed; `"UNKNOWN"` for values outside the enum.
/// Takes an `int` so that any value is safe to pass.
#[no_mangle]
pub extern "C" fn rmq_status_name(status: i32) -> *const c_char {
    status_name(status).as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_values_match_error_kinds() {
        for kind in ErrorKind::ALL {
            let status: rmq_status = kind.into();
            assert_eq!(status as i32, kind as i32);
            assert_eq!(status.kind(), Some(kind));
            // SAFETY: rmq_status_name returns a static C string.
            let name = unsafe { CStr::from_ptr(rmq_status_name(status as i32)) };
            assert_eq!(name.to_str().unwrap(), kind.name());
        }
        assert_eq!(rmq_status::Ok.kind(), None);
    }

    #[test]
    fn status_names_outside_the_table() {
        let name = |v: i32| {
            // SAFETY: rmq_status_name returns a static C string.
            unsafe { CStr::from_ptr(rmq_status_name(v)) }
                .to_str()
                .unwrap()
        };
        assert_eq!(name(0), "OK");
        let past = ErrorKind::ALL.len() as i32 + 1;
        for v in [-1, past, 1000, i32::MIN, i32::MAX] {
            assert_eq!(name(v), "UNKNOWN", "{}", v);
        }
    }

    #[test]
    fn user_data_travels_unchanged_in_send_sync_closures() {
        fn send_sync<T: Send + Sync>(_: &T) {}
        let p = std::ptr::dangling_mut::<c_void>();
        let ud = UserData::new(p);
        let f = move || ud.get();
        send_sync(&f);
        assert_eq!(
            std::thread::spawn(move || f() as usize).join().unwrap(),
            p as usize
        );
        assert!(UserData::new(std::ptr::null_mut()).get().is_null());
    }

    /// The C string in `a`, up to its first NUL.
    fn c_text<const N: usize>(a: &[c_char; N]) -> Vec<u8> {
        a.iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect()
    }

    #[test]
    fn copy_c_str_ascii_and_exact_fits() {
        let mut a = [0x55 as c_char; 8];
        assert_eq!(copy_c_str(&mut a, "abc"), 3);
        assert_eq!(c_text(&a), b"abc");
        assert_eq!(a[3], 0);
        assert_eq!(a[4], 0x55, "nothing written after the NUL");
        // Exactly N - 1 bytes fit whole.
        assert_eq!(copy_c_str(&mut a, "1234567"), 7);
        assert_eq!(c_text(&a), b"1234567");
        assert_eq!(a[7], 0);
        // N bytes: cut to N - 1.
        assert_eq!(copy_c_str(&mut a, "12345678"), 7);
        assert_eq!(c_text(&a), b"1234567");
        assert_eq!(a[7], 0);
    }

    #[test]
    fn copy_c_str_empty_and_one_byte_arrays() {
        let mut a = [0x55 as c_char; 4];
        assert_eq!(copy_c_str(&mut a, ""), 0);
        assert_eq!(a, [0, 0x55, 0x55, 0x55]);
        let mut one = [0x55 as c_char; 1];
        assert_eq!(copy_c_str(&mut one, "abc"), 0);
        assert_eq!(one, [0]);
    }

    #[test]
    fn copy_c_str_never_cuts_a_character() {
        // "aé" is 3 bytes (é = C3 A9): fits in 4, not in 3.
        let mut a = [0 as c_char; 4];
        assert_eq!(copy_c_str(&mut a, "aé"), 3);
        assert_eq!(c_text(&a), "aé".as_bytes());
        let mut b = [0x55 as c_char; 3];
        assert_eq!(copy_c_str(&mut b, "aé"), 1);
        assert_eq!(c_text(&b), b"a");
        // A 4-byte character straddling the limit at every offset.
        for n in 1..=8 {
            let mut c = [0 as c_char; 8];
            let s = format!("{}😀x", "a".repeat(n));
            let copied = copy_c_str(&mut c, &s);
            let text = c_text(&c);
            assert_eq!(text.len(), copied);
            assert!(copied <= 7);
            assert!(std::str::from_utf8(&text).is_ok(), "{:?}", text);
            assert!(s.as_bytes().starts_with(&text));
            // The longest such prefix: adding the next character would not fit.
            let next = s[copied..].chars().next().map_or(0, char::len_utf8);
            assert!(copied + next > 7 || copied == s.len());
        }
    }

    #[test]
    fn copy_c_str_copies_embedded_nuls() {
        let mut a = [0x55 as c_char; 8];
        assert_eq!(copy_c_str(&mut a, "ab\0cd"), 5);
        assert_eq!(c_text(&a), b"ab", "C readers stop at the first NUL");
        assert_eq!(&a[..6], &[97, 98, 0, 99, 100, 0]);
    }

    #[test]
    fn copy_c_str_into_uninitialised_slots() {
        let mut a = [MaybeUninit::<c_char>::uninit(); 6];
        assert_eq!(copy_c_str(&mut a, "héllo!"), 5);
        // SAFETY: the first six elements were written.
        let written: Vec<u8> = a[..6]
            .iter()
            .map(|c| unsafe { c.assume_init() } as u8)
            .collect();
        assert_eq!(written, "héll\0".as_bytes());
    }

    #[test]
    fn panics_become_status() {
        assert_eq!(guard(|| panic!("boom")), rmq_status::Panic);
        // SAFETY: rmq_last_error returns a C string valid until the next
        // failure on this thread.
        let msg = unsafe { CStr::from_ptr(rmq_last_error()) };
        assert!(msg.to_str().unwrap().contains("panic"));
        assert!(guard_new::<u8>(|| panic!("boom")).is_null());
    }
}
