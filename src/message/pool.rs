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
//! Both sides only `try_lock` the pool (a busy pool means a fresh buffer,
//! or one freed): a thread that held it when the process forked does not
//! exist in the child, where the lock then stays taken.

use std::sync::Mutex;

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

/// At most `MAX_BUFFERS` buffers of at most `MAX_CAPACITY` bytes each,
/// waiting for reuse; larger ones and those past the count are freed.
/// So a pool holds at most `MAX_BUFFERS × MAX_CAPACITY` bytes.
pub(crate) struct BufferPool<T, const MAX_BUFFERS: usize, const MAX_CAPACITY: usize> {
    buffers: Mutex<Vec<T>>,
}

impl<T: PoolBuffer, const MAX_BUFFERS: usize, const MAX_CAPACITY: usize>
    BufferPool<T, MAX_BUFFERS, MAX_CAPACITY>
{
    /// An empty pool (for a `static`).
    pub(crate) const fn new() -> Self {
        BufferPool {
            buffers: Mutex::new(Vec::new()),
        }
    }

    /// An empty buffer with room for `capacity` bytes: a pooled one if the
    /// pool has one and is not busy, else a new one. Any thread.
    pub(crate) fn take(&self, capacity: usize) -> T {
        let pooled = self.buffers.try_lock().ok().and_then(|mut b| b.pop());
        match pooled {
            Some(mut buffer) => {
                buffer.clear_and_reserve(capacity);
                buffer
            }
            None => T::with_capacity(capacity),
        }
    }

    /// Keeps `buffer` for a later [`take`](Self::take), or frees it when it
    /// is larger than `MAX_CAPACITY`, the pool is full or the pool is busy
    /// (an unallocated buffer, of capacity 0, is not kept).
    /// Any thread.
    pub(crate) fn give(&self, buffer: T) {
        if buffer.capacity() == 0 || buffer.capacity() > MAX_CAPACITY {
            return;
        }
        if let Ok(mut buffers) = self.buffers.try_lock() {
            if buffers.len() < MAX_BUFFERS {
                buffers.push(buffer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_empty_with_their_capacity() {
        let pool: BufferPool<Vec<u8>, 2, 64> = BufferPool::new();
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
        let pool: BufferPool<String, 1, 64> = BufferPool::new();
        pool.give(String::with_capacity(65));
        assert_eq!(pool.buffers.lock().unwrap().len(), 0);
        pool.give(String::with_capacity(8));
        pool.give(String::with_capacity(8));
        assert_eq!(pool.buffers.lock().unwrap().len(), 1);
    }
}
