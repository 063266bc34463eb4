//! Buffers a send allocates on the API thread and ends with on another
//! one, kept for the next sends instead of freed.
//!
//! A prepared message's text (topic, `UNIQ_KEY`, properties) and its copy
//! of a small body are allocated on the thread that calls send and are
//! done with on the producer's I/O or callback thread. glibc's per-thread
//! cache does not help a buffer freed on another thread than the one that
//! allocated it: both threads then take the allocator's slow path (about
//! 400 instructions a buffer, callgrind), and the allocating thread never
//! finds a cached chunk. A [`BufferPool`] hands such buffers back: the
//! thread that ends with one gives it ([`BufferPool::give`]), the next
//! send takes it ([`BufferPool::take`]), and in the steady state no send
//! allocates or frees these buffers at all.
//!
//! Each thread keeps a few buffers of its own ([`LocalBuffers`], at most
//! [`LOCAL_BUFFERS`]): a buffer given on a thread goes there, and a take
//! on it is served from there first. Only whole batches of
//! [`LOCAL_BATCH`] buffers move between a thread's own buffers and the
//! shared pool, under one lock each: the lock and the pool's list are
//! cache lines that the sending thread and the thread ending the sends
//! would otherwise both write for every send.
//!
//! Both sides only `try_lock` the shared pool (a busy pool means a fresh
//! buffer, or one freed): a thread that held it when the process forked
//! does not exist in the child, where the lock then stays taken.

use std::cell::RefCell;
use std::sync::Mutex;
use std::thread::LocalKey;

/// Buffers each pool keeps: more than the sends the default back-pressure
/// window (`backPressureForAsyncSendNum`, 2048) lets be in flight.
pub(super) const POOLED_BUFFERS: usize = 4096;

/// What a pooled buffer must do: be emptied and report its capacity.
pub(crate) trait PoolBuffer {
    /// An empty buffer with room for `capacity` bytes.
    fn with_capacity(capacity: usize) -> Self;
    /// Bytes it can hold without growing.
    fn capacity(&self) -> usize;
    /// Empties it, keeping its capacity, and makes room for `additional` bytes.
    fn clear_and_reserve(&mut self, additional: usize);
}

/// Implements [`PoolBuffer`] for growable buffers with the standard
/// `with_capacity` / `capacity` / `clear` / `reserve`.
macro_rules! pool_buffer {
    ($($t:ty),*) => {$(
        impl PoolBuffer for $t {
            #[inline]
            fn with_capacity(capacity: usize) -> Self {
                <$t>::with_capacity(capacity)
            }
            #[inline]
            fn capacity(&self) -> usize {
                <$t>::capacity(self)
            }
            #[inline]
            fn clear_and_reserve(&mut self, additional: usize) {
                self.clear();
                self.reserve(additional);
            }
        }
    )*};
}

pool_buffer!(String, Vec<u8>);

/// Most buffers a thread keeps of its own, per pool (fewer when the pool
/// keeps fewer in all).
pub(crate) const LOCAL_BUFFERS: usize = 32;

/// Buffers moved at once between a thread's own and the shared pool.
pub(crate) const LOCAL_BATCH: usize = LOCAL_BUFFERS / 2;

/// One thread's own buffers of a pool: declare it with `thread_local!`
/// (`const { LocalBuffers::new(Vec::new()) }`) beside the pool's `static`
/// and hand it to [`BufferPool::new`]. Freed with the thread.
pub(crate) type LocalBuffers<T> = RefCell<Vec<T>>;

/// At most `MAX_BUFFERS` buffers of at most `MAX_CAPACITY` bytes each,
/// waiting for reuse in the shared pool, and at most [`LOCAL_BUFFERS`] more
/// on each thread that gave some back (see the module docs); larger ones
/// and those past the counts are freed. So the shared pool holds at most
/// `MAX_BUFFERS × MAX_CAPACITY` bytes, and each thread at most
/// `LOCAL_BUFFERS × MAX_CAPACITY` more (128 KiB for 4 KiB buffers).
pub(crate) struct BufferPool<T: 'static, const MAX_BUFFERS: usize, const MAX_CAPACITY: usize> {
    buffers: Mutex<Vec<T>>,
    local: &'static LocalKey<LocalBuffers<T>>,
}

impl<T: PoolBuffer, const MAX_BUFFERS: usize, const MAX_CAPACITY: usize>
    BufferPool<T, MAX_BUFFERS, MAX_CAPACITY>
{
    /// Buffers a thread keeps of its own.
    const LOCAL_MAX: usize = if MAX_BUFFERS < LOCAL_BUFFERS {
        MAX_BUFFERS
    } else {
        LOCAL_BUFFERS
    };

    /// An empty pool (for a `static`) whose threads keep their own buffers
    /// in `local`.
    pub(crate) const fn new(local: &'static LocalKey<LocalBuffers<T>>) -> Self {
        BufferPool {
            buffers: Mutex::new(Vec::new()),
            local,
        }
    }

    /// An empty buffer with room for `capacity` bytes: one of this
    /// thread's own, else a batch from the shared pool if it has some and
    /// is not busy, else a new one. Any thread.
    pub(crate) fn take(&self, capacity: usize) -> T {
        // A thread whose own buffers are gone (it is ending) or in use
        // (never: nothing here calls back into the pool) takes a new one.
        let pooled = self
            .local
            .try_with(|local| {
                let mut local = local.try_borrow_mut().ok()?;
                if local.is_empty() {
                    if let Ok(mut shared) = self.buffers.try_lock() {
                        let from = shared.len().saturating_sub(LOCAL_BATCH);
                        local.extend(shared.drain(from..));
                    }
                }
                local.pop()
            })
            .ok()
            .flatten();
        match pooled {
            Some(mut buffer) => {
                buffer.clear_and_reserve(capacity);
                buffer
            }
            None => T::with_capacity(capacity),
        }
    }

    /// Keeps `buffer` for a later [`take`](Self::take): among this
    /// thread's own, whose oldest batch goes to the shared pool when they
    /// are too many. Frees it when it is larger than `MAX_CAPACITY` (an
    /// unallocated buffer, of capacity 0, is not kept either), and what
    /// the shared pool cannot keep (full, or busy). Any thread.
    pub(crate) fn give(&self, buffer: T) {
        if buffer.capacity() == 0 || buffer.capacity() > MAX_CAPACITY {
            return;
        }
        let mut buffer = Some(buffer);
        let _ = self.local.try_with(|local| {
            if let Ok(mut local) = local.try_borrow_mut() {
                local.extend(buffer.take());
                if local.len() > Self::LOCAL_MAX {
                    let batch = LOCAL_BATCH.min(local.len());
                    self.give_shared(local.drain(..batch));
                }
            }
        });
        // This thread's own buffers are gone (it is ending): to the shared pool.
        if let Some(buffer) = buffer {
            self.give_shared(std::iter::once(buffer));
        }
    }

    /// Puts `buffers` into the shared pool, as many as it keeps; frees the rest.
    fn give_shared(&self, buffers: impl Iterator<Item = T>) {
        if let Ok(mut shared) = self.buffers.try_lock() {
            let room = MAX_BUFFERS.saturating_sub(shared.len());
            shared.extend(buffers.take(room));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static SMALL_LOCAL: LocalBuffers<Vec<u8>> = const { LocalBuffers::new(Vec::new()) };
        static ONE_LOCAL: LocalBuffers<String> = const { LocalBuffers::new(Vec::new()) };
        static BATCH_LOCAL: LocalBuffers<Vec<u8>> = const { LocalBuffers::new(Vec::new()) };
    }

    #[test]
    fn buffers_come_back_empty_with_their_capacity() {
        let pool: BufferPool<Vec<u8>, 2, 64> = BufferPool::new(&SMALL_LOCAL);
        let mut b = pool.take(10);
        b.extend_from_slice(b"0123456789");
        let ptr = b.as_ptr();
        pool.give(b);
        let b = pool.take(5);
        assert!(b.is_empty());
        assert_eq!(b.as_ptr(), ptr, "the pooled buffer is reused");
    }

    #[test]
    fn large_buffers_and_buffers_past_the_count_are_freed() {
        let pool: BufferPool<String, 1, 64> = BufferPool::new(&ONE_LOCAL);
        pool.give(String::with_capacity(65));
        assert_eq!(ONE_LOCAL.with_borrow(Vec::len), 0);
        pool.give(String::with_capacity(0));
        assert_eq!(ONE_LOCAL.with_borrow(Vec::len), 0);
        pool.give(String::with_capacity(8));
        pool.give(String::with_capacity(8));
        pool.give(String::with_capacity(8));
        // One kept on this thread, one in the shared pool, one freed.
        assert_eq!(ONE_LOCAL.with_borrow(Vec::len), 1);
        assert_eq!(pool.buffers.lock().unwrap().len(), 1);
    }

    #[test]
    fn buffers_move_between_threads_in_batches() {
        static POOL: BufferPool<Vec<u8>, 4096, 64> = BufferPool::new(&BATCH_LOCAL);
        // A thread that ends sends gives more than it keeps: its oldest
        // batch goes to the shared pool; what it keeps dies with it.
        std::thread::spawn(|| {
            for _ in 0..=LOCAL_BUFFERS {
                POOL.give(Vec::with_capacity(16));
            }
            assert_eq!(
                BATCH_LOCAL.with_borrow(Vec::len),
                LOCAL_BUFFERS + 1 - LOCAL_BATCH
            );
        })
        .join()
        .unwrap();
        assert_eq!(POOL.buffers.lock().unwrap().len(), LOCAL_BATCH);
        // A thread that sends takes the batch at its first take.
        std::thread::spawn(|| {
            let b = POOL.take(8);
            assert_eq!(b.capacity(), 16, "a pooled buffer");
            assert_eq!(BATCH_LOCAL.with_borrow(Vec::len), LOCAL_BATCH - 1);
            assert!(POOL.buffers.lock().unwrap().is_empty());
        })
        .join()
        .unwrap();
        // With none left anywhere, a take makes a new buffer.
        assert_eq!(POOL.take(8).capacity(), 8);
    }
}
