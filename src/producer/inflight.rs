//! Accounting of accepted async and oneway sends: their number and bytes are
//! bounded (back-pressure, Java `backPressureForAsyncSendNum`/`Size`), and
//! `flush` waits for them to drain. The fast path is one atomic operation
//! on each side (the number and the bytes share one word); the mutex and
//! condvar are touched only when someone waits.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use crate::error::{Error, ErrorKind, Result};

/// Bits of [`InFlight::state`] below the send count: the bytes.
const COUNT_SHIFT: u32 = 40;

/// The bytes part of [`InFlight::state`].
const BYTES_MASK: u64 = (1 << COUNT_SHIFT) - 1;

/// Largest byte limit, bytes (2^39: the bytes in flight, the limit plus
/// what racing senders add before they see it, stay below 2^40).
const MAX_BYTES_LIMIT: usize = 1 << 39;

/// Largest count limit (2^23: the 24 count bits never overflow). Both
/// caps are above what the configuration accepts
/// (`backPressureForAsyncSendNum` ≤ 1 000 000, `backPressureForAsyncSendSize`
/// ≤ 2 GiB).
const MAX_COUNT_LIMIT: usize = 1 << 23;

/// Largest share one send counts with, bytes (a frame is at most 4 GiB).
const MAX_SEND_BYTES: usize = u32::MAX as usize;

/// Limits and counters.
#[derive(Debug)]
pub(crate) struct InFlight {
    /// Sends in flight (bits 40..64) and their bytes (bits 0..40), in one
    /// word so that taking or releasing a permit is one atomic operation
    /// on a cache line the sending and the completing thread both write.
    state: AtomicU64,
    max_count: usize,
    max_bytes: usize,
    waiters: AtomicUsize,
    /// Set by the release that wakes the waiters, cleared by a waiter before
    /// it sleeps again: one wake-up per round, not one per completion while
    /// the woken thread is still on its way to the lock.
    notified: AtomicBool,
    closed: AtomicBool,
    lock: Mutex<()>,
    cond: Condvar,
}

/// One accepted send's share; released on drop.
#[derive(Debug)]
pub(crate) struct Permit {
    owner: Arc<InFlight>,
    bytes: usize,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.owner.release(self.bytes);
    }
}

/// The state word's change for one send of `bytes`.
fn share(bytes: usize) -> u64 {
    (1 << COUNT_SHIFT) | bytes as u64
}

/// The count and the bytes of a state word.
fn split(state: u64) -> (usize, usize) {
    (
        (state >> COUNT_SHIFT) as usize,
        (state & BYTES_MASK) as usize,
    )
}

impl InFlight {
    pub(crate) fn new(max_count: usize, max_bytes: usize) -> Arc<InFlight> {
        Arc::new(InFlight {
            state: AtomicU64::new(0),
            max_count: max_count.clamp(1, MAX_COUNT_LIMIT),
            max_bytes: max_bytes.clamp(1, MAX_BYTES_LIMIT),
            waiters: AtomicUsize::new(0),
            notified: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            lock: Mutex::new(()),
            cond: Condvar::new(),
        })
    }

    /// Sends accepted and not yet completed.
    pub(crate) fn pending(&self) -> usize {
        split(self.state.load(Ordering::SeqCst)).0
    }

    fn try_acquire(&self, bytes: usize) -> bool {
        let (count, used) = split(self.state.fetch_add(share(bytes), Ordering::SeqCst));
        // One send is always admitted when nothing is in flight, however big.
        if count == 0 || (count < self.max_count && used + bytes <= self.max_bytes) {
            return true;
        }
        self.state.fetch_sub(share(bytes), Ordering::SeqCst);
        false
    }

    /// Takes a permit for a send of `bytes`. When the limits are reached it
    /// waits until `block_until` (None: fails at once).
    ///
    /// Errors: [`ErrorKind::QueueFull`] when no room came in time;
    /// [`ErrorKind::Shutdown`] once closed.
    pub(crate) fn acquire(
        self: &Arc<Self>,
        bytes: usize,
        block_until: Option<Instant>,
    ) -> Result<Permit> {
        // A frame is at most 4 GiB: a send never counts with more.
        let bytes = bytes.min(MAX_SEND_BYTES);
        loop {
            if self.closed.load(Ordering::SeqCst) {
                return Err(Error::new(ErrorKind::Shutdown, "the producer is shut down"));
            }
            if self.try_acquire(bytes) {
                return Ok(Permit {
                    owner: self.clone(),
                    bytes,
                });
            }
            let full = || {
                let (count, used) = split(self.state.load(Ordering::SeqCst));
                Error::new(
                    ErrorKind::QueueFull,
                    format!(
                        "back-pressure: {} async sends / {} bytes in flight (limits {} / {})",
                        count, used, self.max_count, self.max_bytes
                    ),
                )
            };
            let Some(until) = block_until else {
                return Err(full());
            };
            if !self.wait(
                |s| s.closed.load(Ordering::SeqCst) || s.has_room(bytes),
                until,
            ) {
                return Err(full());
            }
        }
    }

    fn has_room(&self, bytes: usize) -> bool {
        let (count, used) = split(self.state.load(Ordering::SeqCst));
        count == 0 || (count < self.max_count && used + bytes <= self.max_bytes)
    }

    fn release(&self, bytes: usize) {
        let (count, used) = split(self.state.fetch_sub(share(bytes), Ordering::SeqCst));
        let (count, used) = (count - 1, used - bytes);
        // Wake blocked senders only once the window has drained to three
        // quarters (or is empty, which flush waits for): waking them on every
        // single completion makes sender and I/O thread ping-pong.
        let drained =
            count == 0 || (count <= self.max_count / 4 * 3 && used <= self.max_bytes / 4 * 3);
        if drained
            && self.waiters.load(Ordering::SeqCst) > 0
            && !self.notified.swap(true, Ordering::SeqCst)
        {
            let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.cond.notify_all();
        }
    }

    /// Waits until `ready(self)` or `until`; true if ready.
    fn wait(&self, ready: impl Fn(&InFlight) -> bool, until: Instant) -> bool {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let ok = loop {
            // Cleared under the lock before the check: a release that comes
            // after the check sees it clear and notifies (it must take the
            // lock, so it notifies only once this thread waits).
            self.notified.store(false, Ordering::SeqCst);
            if ready(self) {
                break true;
            }
            let now = Instant::now();
            if now >= until {
                break false;
            }
            guard = self
                .cond
                .wait_timeout(guard, until - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        };
        drop(guard);
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        ok
    }

    /// Waits until nothing is in flight or `until`; returns how many are left.
    pub(crate) fn wait_empty(&self, until: Instant) -> usize {
        self.wait(|s| s.pending() == 0, until);
        self.pending()
    }

    /// Refuses new permits from now on and wakes every waiter.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.cond.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn limits_count_and_bytes() {
        let f = InFlight::new(2, 100);
        let a = f.acquire(10, None).unwrap();
        let b = f.acquire(10, None).unwrap();
        assert_eq!(f.acquire(1, None).unwrap_err().kind(), ErrorKind::QueueFull);
        drop(a);
        let c = f.acquire(90, None).unwrap();
        assert_eq!(f.pending(), 2);
        drop((b, c));
        // A single oversized send is admitted when nothing else is in flight.
        let big = f.acquire(1000, None).unwrap();
        assert_eq!(f.acquire(1, None).unwrap_err().kind(), ErrorKind::QueueFull);
        drop(big);
        assert_eq!(f.pending(), 0);
    }

    #[test]
    fn count_and_bytes_share_the_word_without_mixing() {
        let f = InFlight::new(1_000_000, 2 << 30);
        // The largest shares: a send of more than 4 GiB counts as 4 GiB.
        let huge = f.acquire(usize::MAX, None).unwrap();
        assert_eq!(split(f.state.load(Ordering::SeqCst)), (1, MAX_SEND_BYTES));
        assert_eq!(f.acquire(1, None).unwrap_err().kind(), ErrorKind::QueueFull);
        drop(huge);
        assert_eq!(f.state.load(Ordering::SeqCst), 0);
        let many: Vec<Permit> = (0..1000)
            .map(|_| f.acquire(2 << 20, None).unwrap())
            .collect();
        assert_eq!(
            split(f.state.load(Ordering::SeqCst)),
            (1000, 1000 * (2 << 20))
        );
        assert_eq!(f.pending(), 1000);
        drop(many);
        assert_eq!(f.state.load(Ordering::SeqCst), 0);
        // Limits above the word's range are capped, not wrapped.
        let g = InFlight::new(usize::MAX, usize::MAX);
        assert_eq!(
            (g.max_count, g.max_bytes),
            (MAX_COUNT_LIMIT, MAX_BYTES_LIMIT)
        );
    }

    #[test]
    fn blocking_acquire_waits_for_release_and_times_out() {
        let f = InFlight::new(1, 100);
        let a = f.acquire(1, None).unwrap();
        let started = Instant::now();
        let e = f
            .acquire(1, Some(Instant::now() + Duration::from_millis(50)))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::QueueFull);
        assert!(started.elapsed() >= Duration::from_millis(50));
        let f2 = f.clone();
        let t = std::thread::spawn(move || {
            f2.acquire(1, Some(Instant::now() + Duration::from_secs(10)))
                .map(|_| ())
        });
        std::thread::sleep(Duration::from_millis(20));
        drop(a);
        t.join().unwrap().unwrap();
        assert_eq!(f.wait_empty(Instant::now() + Duration::from_secs(1)), 0);
    }

    #[test]
    fn close_wakes_and_refuses() {
        let f = InFlight::new(1, 100);
        let _a = f.acquire(1, None).unwrap();
        let f2 = f.clone();
        let t = std::thread::spawn(move || {
            f2.acquire(1, Some(Instant::now() + Duration::from_secs(10)))
                .map(|_| ())
        });
        std::thread::sleep(Duration::from_millis(20));
        f.close();
        assert_eq!(t.join().unwrap().unwrap_err().kind(), ErrorKind::Shutdown);
    }
}
