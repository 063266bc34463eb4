//! `CPushConsumer.h` and `CPullConsumer.h`: what both legacy consumers
//! share.
//!
//! * **The pull consumer is real** (`pull_consumer.rs`, results in
//!   `pull_result.rs`): a `CPullConsumer` keeps its configuration and, while
//!   started, one [`crate::PullConsumer`]; `FetchSubscriptionMessageQueues`,
//!   `Pull` and `ReleasePullResult` behave as in rocketmq-client-cpp, with
//!   the legacy return codes (docs/legacy-api.md §6.7 and §8).
//! * **The push consumer is not supported yet** (`push_consumer.rs`): its
//!   symbols exist (bindings bind them at load time) with the legacy
//!   signatures and return codes. `CreatePushConsumer` returns an inert
//!   handle (NULL only for a NULL group), so that bindings which create a
//!   consumer without starting it keep working; the setters check their
//!   arguments as legacy does and return 0; `StartPushConsumer` returns 20
//!   with `GetLatestErrorMessage()` saying that push consumers are not
//!   supported.
//!
//! This file holds the inert push handle and the checks both consumers
//! use.

use std::ffi::{c_char, c_int, CStr, CString};

use super::message::CMessageExt;
use super::{c_str, code, get, run, Fail, LResult};

pub(super) const PUSH_UNSUPPORTED: &str =
    "push consumer is not supported by this librocketmq build (only the pull consumer is)";

/// `MessageCallBack`: `int (*)(CPushConsumer*, CMessageExt*)`.
pub type MessageCallBack =
    Option<unsafe extern "C" fn(*mut CPushConsumer, *mut CMessageExt) -> c_int>;

/// The inert `CPushConsumer` handle.
pub struct CPushConsumer {
    pub(super) group: CString,
    pub(super) version: CString,
    pub(super) callback: MessageCallBack,
}

pub(super) fn version() -> CString {
    CString::new(format!(
        "librocketmq {} (Rust; push consumer not supported)",
        crate::VERSION
    ))
    .unwrap_or_default()
}

/// A copy of the group name; None for NULL.
///
/// # Safety
/// `p` is NULL or a C string.
pub(super) unsafe fn group_of(p: *const c_char) -> Option<CString> {
    // SAFETY: not NULL, so a C string (# Safety).
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_owned())
}

/// What an inert handle holds.
pub(super) trait Inert {
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

/// Borrows a consumer handle; NULL → `NULL_POINTER`.
///
/// # Safety
/// `c` is NULL or a live handle of type `T`, not used elsewhere during `'a`.
pub(super) unsafe fn handle<'a, T>(c: *mut T) -> LResult<&'a mut T> {
    // SAFETY: NULL or live and unshared (# Safety).
    unsafe { c.as_mut() }.ok_or_else(|| Fail::null("consumer"))
}

/// Checks the handle and the listed strings; 0, or 1 for any NULL.
///
/// # Safety
/// `c` is NULL or a live handle of type `T` not used elsewhere during the
/// call; each string is NULL or a C string.
pub(super) unsafe fn check<T>(c: *mut T, strings: &[(*const c_char, &str)]) -> c_int {
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
pub(super) unsafe fn destroy<T>(c: *mut T) -> c_int {
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
pub(super) unsafe fn unsupported<T>(c: *mut T, code: c_int, message: &str) -> c_int {
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
pub(super) unsafe fn version_of<T: Inert>(c: *mut T) -> *const c_char {
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
pub(super) unsafe fn set_group<T: Inert>(c: *mut T, group: *const c_char) -> c_int {
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
pub(super) unsafe fn group_ptr<T: Inert>(c: *mut T) -> *const c_char {
    // SAFETY: NULL or live and unshared (# Safety).
    get(std::ptr::null(), || match unsafe { c.as_mut() } {
        Some(c) => c.group().as_ptr(),
        None => std::ptr::null(),
    })
}
