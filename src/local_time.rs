//! Local-time conversions through the C library (`localtime_r`, `mktime`),
//! made one at a time.
//!
//! glibc guards its time-zone state with a lock of its own, but `mktime`
//! re-reads `TZ` and may free and reallocate that state on every call; a
//! lock the library's own threads share keeps our calls from overlapping
//! (ThreadSanitizer, which cannot see glibc's internal lock, reported two
//! producer threads racing there while making their first message ids).
//! Both callers are rare: once per month per process for message ids, once
//! per consumer start for `consumeTimestamp`.

use std::sync::Mutex;

static LOCK: Mutex<()> = Mutex::new(());

/// The broken-down local time of `secs` seconds since the Unix epoch
/// (C `localtime_r`); `None` if the C library cannot represent it.
pub fn localtime(secs: i64) -> Option<libc::tm> {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let t = secs as libc::time_t;
    // SAFETY: an all-zero `tm` is a valid value (integers and, on glibc, a
    // NULL zone name pointer); localtime_r writes only the struct passed in.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            None
        } else {
            Some(tm)
        }
    }
}

/// Seconds since the Unix epoch of the local time `tm` (C `mktime`, which
/// also normalises `tm`'s fields); -1 if it cannot be represented.
pub fn mktime(tm: &mut libc::tm) -> i64 {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: `tm` is a valid, exclusively borrowed struct for the call.
    unsafe { libc::mktime(tm) as i64 }
}

/// An all-zero `tm` to fill in before [`mktime`].
pub fn zeroed_tm() -> libc::tm {
    // SAFETY: an all-zero `tm` is a valid value (see [`localtime`]).
    unsafe { std::mem::zeroed() }
}
