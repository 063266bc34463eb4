//! `CBatchMessage.h`: a list of deep copies of messages.

use std::ffi::c_int;

use super::message::{msg_ref, CMessage};
use super::{code, get, run, Fail};

/// The `CBatchMessage` handle.
#[derive(Default)]
pub struct CBatchMessage {
    pub(crate) msgs: Vec<CMessage>,
}

/// A new, empty batch. Never NULL.
#[no_mangle]
pub extern "C" fn CreateBatchMessage() -> *mut CBatchMessage {
    get(std::ptr::null_mut(), || {
        Box::into_raw(Box::<CBatchMessage>::default())
    })
}

/// Appends a deep copy of `msg`; the caller keeps `msg`. 0; 1 for NULL.
///
/// # Safety
/// `batchMsg` is NULL or a live batch handle and `msg` NULL or a live
/// message handle, neither used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn AddMessage(batchMsg: *mut CBatchMessage, msg: *mut CMessage) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: `msg` is NULL or live (# Safety).
        let m = unsafe { msg_ref(msg) }?.owned_copy();
        // SAFETY: `batchMsg` is NULL or live and unshared (# Safety).
        let b = unsafe { batchMsg.as_mut() }.ok_or_else(|| Fail::null("batchMsg"))?;
        b.msgs.push(m);
        Ok(())
    })
}

/// Frees the batch and its copies. 0; 1 for NULL.
///
/// # Safety
/// `batchMsg` is NULL or a live batch handle, not used afterwards (nor
/// during the call by another thread).
#[no_mangle]
pub unsafe extern "C" fn DestroyBatchMessage(batchMsg: *mut CBatchMessage) -> c_int {
    run(code::NULL_POINTER, || {
        if batchMsg.is_null() {
            return Err(Fail::null("batchMsg"));
        }
        // SAFETY: a live batch comes from Box::into_raw (CreateBatchMessage)
        // and, unused afterwards (# Safety), is freed once.
        drop(unsafe { Box::from_raw(batchMsg) });
        Ok(())
    })
}
