//! `CPullResult.h`: what a legacy `Pull` returns, and the table of the
//! results whose messages the caller still holds.
//!
//! A `CPullResult` travels **by value**, so the library cannot mark a
//! struct as released. Instead `pData` is a token (a number that is never
//! reused, not a pointer) naming an entry of a process-wide table; the
//! entry owns the messages and the `malloc`ed `msgFoundList`.
//! `ReleasePullResult` frees an entry once: releasing a result twice, a
//! copy of a released result or a zeroed struct frees nothing and returns
//! 1 (in legacy a second release is a double free).

use std::collections::HashMap;
use std::ffi::{c_int, c_longlong, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use once_cell::sync::Lazy;

use super::message::{CMessage, CMessageExt};
use super::{Fail, LResult};
use crate::consumer::{PullResult, PullStatus};

/// `E_FOUND`: messages (`size` of them, possibly none when the tag filter
/// dropped every message the broker scanned).
pub const E_FOUND: c_int = 0;
/// `E_NO_NEW_MSG`: nothing at the offset yet.
pub const E_NO_NEW_MSG: c_int = 1;
/// `E_NO_MATCHED_MSG`: the scanned messages did not match the expression.
pub const E_NO_MATCHED_MSG: c_int = 2;
/// `E_OFFSET_ILLEGAL`: the offset is out of range; `nextBeginOffset` says
/// where to go on.
pub const E_OFFSET_ILLEGAL: c_int = 3;
/// `E_BROKER_TIMEOUT`: any failure on the client side (bad argument, not
/// started, network, timeout, broker error); the offsets are 0.
pub const E_BROKER_TIMEOUT: c_int = 4;

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

impl CPullResult {
    /// The result of a failed pull: `E_BROKER_TIMEOUT`, everything else 0.
    pub(crate) fn failed() -> CPullResult {
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
}

/// The messages of one live result: `list` (from `malloc`) holds `size`
/// pointers into `messages` (from `Box::into_raw`).
struct Live {
    messages: *mut [CMessage],
    list: *mut *mut CMessageExt,
    size: c_int,
}

// SAFETY: `Live` owns both allocations (nothing else frees them); the
// messages are plain data, and the caller's getters only read them.
unsafe impl Send for Live {}

/// Live results by token.
static LIVE: Lazy<Mutex<HashMap<usize, Live>>> = Lazy::new(Default::default);
/// The next token (0 is never one: a zeroed result names no entry).
static NEXT_TOKEN: AtomicUsize = AtomicUsize::new(1);

fn live() -> MutexGuard<'static, HashMap<usize, Live>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

fn status_of(s: PullStatus) -> c_int {
    match s {
        PullStatus::Found => E_FOUND,
        PullStatus::NoNewMsg => E_NO_NEW_MSG,
        PullStatus::NoMatchedMsg => E_NO_MATCHED_MSG,
        PullStatus::OffsetIllegal => E_OFFSET_ILLEGAL,
    }
}

/// The C form of `r`. A FOUND result with messages gets a `malloc`ed
/// `msgFoundList` of read-only `CMessageExt` handles (not for
/// `DestroyMessage`) and a table entry named by `pData`; any other result
/// holds no memory (`msgFoundList` and `pData` NULL, `size` 0). Errors:
/// `malloc` failed.
pub(crate) fn from_result(r: &PullResult) -> LResult<CPullResult> {
    let mut out = CPullResult {
        pullStatus: status_of(r.status),
        nextBeginOffset: r.next_begin_offset,
        minOffset: r.min_offset,
        maxOffset: r.max_offset,
        msgFoundList: std::ptr::null_mut(),
        size: 0,
        pData: std::ptr::null_mut(),
    };
    if r.status != PullStatus::Found || r.messages.is_empty() {
        return Ok(out);
    }
    let size = c_int::try_from(r.messages.len())
        .map_err(|_| Fail::new("too many messages in one pull result"))?;
    let messages: Box<[CMessage]> = r.messages.iter().map(CMessage::from_ext).collect();
    let bytes = messages.len() * std::mem::size_of::<*mut CMessageExt>();
    // SAFETY: malloc of a non-zero size; the result is checked for NULL.
    let list = unsafe { libc::malloc(bytes) } as *mut *mut CMessageExt;
    if list.is_null() {
        return Err(Fail::new(format!(
            "malloc of {} bytes for msgFoundList failed",
            bytes
        )));
    }
    let messages = Box::into_raw(messages);
    let first = messages as *mut CMessage;
    for i in 0..size as usize {
        // SAFETY: `list` has room for `size` pointers and `first` points to
        // `size` messages (both allocated above).
        unsafe { list.add(i).write(first.add(i)) };
    }
    let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
    live().insert(
        token,
        Live {
            messages,
            list,
            size,
        },
    );
    out.msgFoundList = list;
    out.size = size;
    out.pData = token as *mut c_void;
    Ok(out)
}

/// Frees what `r` holds. Errors (`NULL_POINTER`, as legacy): a result
/// without messages (every non-FOUND one), or one that is not live
/// (released before, or not made by `Pull`).
pub(crate) fn release(r: &CPullResult) -> LResult<()> {
    if r.size == 0 || r.msgFoundList.is_null() || r.pData.is_null() {
        return Err(Fail::with_code(
            super::code::NULL_POINTER,
            "the pull result holds no messages: nothing to release (only an E_FOUND result of size > 0 holds any)",
        ));
    }
    let token = r.pData as usize;
    let entry = {
        let mut table = live();
        match table.get(&token) {
            Some(l) if l.list == r.msgFoundList && l.size == r.size => table.remove(&token),
            Some(_) => {
                return Err(Fail::with_code(
                    super::code::NULL_POINTER,
                    "msgFoundList or size of the pull result was changed; nothing freed",
                ))
            }
            None => None,
        }
    };
    let Some(l) = entry else {
        return Err(Fail::with_code(
            super::code::NULL_POINTER,
            "the pull result was released already (or was not returned by Pull)",
        ));
    };
    // SAFETY: the entry was just removed from the table, so these
    // allocations (malloc and Box::into_raw in from_result) are freed once.
    unsafe {
        libc::free(l.list as *mut c_void);
        drop(Box::from_raw(l.messages));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message_ext::MessageExt;
    use bytes::Bytes;
    use std::ffi::CStr;
    use std::sync::Arc;

    fn message(offset: i64) -> MessageExt {
        MessageExt {
            topic: "T".into(),
            queue_id: 2,
            flag: 0,
            queue_offset: offset,
            commit_log_offset: 1000 + offset,
            sys_flag: 0,
            born_timestamp: 1,
            born_host: "127.0.0.1:5000".parse().unwrap(),
            store_timestamp: 2,
            store_host: "127.0.0.1:10911".parse().unwrap(),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body_crc: 0,
            body: Bytes::from(format!("b{}", offset)),
            properties: crate::protocol::properties::Properties::from_pairs([("TAGS", "A")]),
            offset_msg_id: format!("ID{}", offset).as_str().into(),
            broker_name: Arc::from("b"),
            store_size: 100,
        }
    }

    #[test]
    fn found_results_are_released_once() {
        let r = PullResult {
            status: PullStatus::Found,
            next_begin_offset: 9,
            min_offset: 0,
            max_offset: 9,
            messages: vec![message(7), message(8)],
        };
        let c = from_result(&r).ok().unwrap();
        assert_eq!((c.pullStatus, c.size, c.nextBeginOffset), (E_FOUND, 2, 9));
        // SAFETY: `c` is a live result with two messages.
        unsafe {
            let m = &**c.msgFoundList.add(1);
            assert_eq!(
                CStr::from_ptr(super::super::message::GetMessageId(m as *const _ as *mut _))
                    .to_bytes(),
                b"ID8"
            );
        }
        let copy = c;
        assert!(release(&c).is_ok());
        assert!(release(&copy).is_err());
        let zero = CPullResult::failed();
        assert!(release(&zero).is_err());
        for status in [
            PullStatus::NoNewMsg,
            PullStatus::NoMatchedMsg,
            PullStatus::OffsetIllegal,
        ] {
            let r = PullResult {
                status,
                next_begin_offset: 3,
                min_offset: 1,
                max_offset: 3,
                messages: Vec::new(),
            };
            let c = from_result(&r).ok().unwrap();
            assert!(c.msgFoundList.is_null() && c.pData.is_null() && c.size == 0);
            assert_eq!((c.minOffset, c.maxOffset), (1, 3));
            assert!(release(&c).is_err());
        }
        let empty = PullResult {
            status: PullStatus::Found,
            next_begin_offset: 3,
            min_offset: 0,
            max_offset: 3,
            messages: Vec::new(),
        };
        let c = from_result(&empty).ok().unwrap();
        assert_eq!((c.pullStatus, c.size), (E_FOUND, 0));
        assert!(c.pData.is_null());
    }
}
