//! A message's body and its body as sent: either shared with the user
//! ([`bytes::Bytes`]) or held in a pooled buffer ([`PooledBody`]) that a
//! message and its sends share and that goes back to [`super::pool`] when
//! the last of them is done with it, on whichever thread that is.
//!
//! The C APIs copy the caller's body once, into a pooled buffer
//! ([`PooledBody::copy_of`]); every send of that message shares the buffer
//! (one reference count) instead of copying it again, and the buffer is
//! neither allocated nor freed by glibc in the steady state (see
//! [`super::pool`] for why a buffer freed on the I/O thread costs).

use std::sync::Arc;

use bytes::Bytes;

use super::pool::{BufferPool, LocalBuffers, PoolBuffer, POOLED_BUFFERS};

/// Longest body a send copies into a pooled buffer, bytes; longer ones (and
/// compressed ones) are shared with the user's message. The default
/// `compressMsgBodyOverHowmuch` is this size too.
pub(super) const POOLED_BODY_MAX: usize = 4096;

/// Pooled body buffers, for the next bodies (see [`super::pool`]): at most
/// [`POOLED_BUFFERS`] buffers of at most [`POOLED_BODY_MAX`] bytes (16 MiB
/// at most, reached only by 4096 sends of 4 KiB bodies in flight at once),
/// and up to [`LOCAL_BUFFERS`](super::pool::LOCAL_BUFFERS) more on each
/// thread that ended sends (128 KiB at most per thread). Only buffers no
/// message or send refers to any more are kept.
static BODY_POOL: BufferPool<Arc<Vec<u8>>, POOLED_BUFFERS, POOLED_BODY_MAX> =
    BufferPool::new(&LOCAL_BODIES);

thread_local! {
    /// This thread's own buffers of [`BODY_POOL`].
    static LOCAL_BODIES: LocalBuffers<Arc<Vec<u8>>> = const { LocalBuffers::new(Vec::new()) };
}

impl PoolBuffer for Arc<Vec<u8>> {
    fn with_capacity(capacity: usize) -> Self {
        Arc::new(Vec::with_capacity(capacity))
    }
    fn capacity(&self) -> usize {
        Vec::capacity(self)
    }
    fn clear_and_reserve(&mut self, additional: usize) {
        // The pool holds only unshared buffers: make_mut never copies here.
        let v = Arc::make_mut(self);
        v.clear();
        v.reserve(additional);
    }
}

/// Bytes in a reference-counted buffer, shared by a message and its sends
/// (cloning is one atomic increment). The buffer may hold more bytes than
/// the body (the legacy C API keeps a NUL after it); when the last holder
/// drops it, an unshared buffer of at most [`POOLED_BODY_MAX`] bytes goes
/// back to the pool.
#[derive(Clone)]
pub struct PooledBody {
    /// Always `Some` but while being dropped.
    buf: Option<Arc<Vec<u8>>>,
    /// Bytes of `buf` that are the body.
    len: usize,
}

impl PooledBody {
    /// A copy of `bytes` in a pooled buffer (a new one when the pool has
    /// none, or for more than [`POOLED_BODY_MAX`] bytes), followed by a
    /// NUL byte in the buffer when `nul` is set ([`PooledBody::as_c_ptr`]).
    pub(crate) fn copy_of(bytes: &[u8], nul: bool) -> PooledBody {
        let capacity = bytes.len() + usize::from(nul);
        let mut buf = if capacity > POOLED_BODY_MAX {
            Arc::new(Vec::with_capacity(capacity))
        } else {
            BODY_POOL.take(capacity)
        };
        let v = Arc::make_mut(&mut buf); // unshared and empty: never copies
        v.extend_from_slice(bytes);
        if nul {
            v.push(0);
        }
        PooledBody {
            buf: Some(buf),
            len: bytes.len(),
        }
    }

    /// The first byte, for C: a NUL follows the body when it was made with
    /// `nul` set. Valid while this body (or a clone) lives.
    pub(crate) fn as_c_ptr(&self) -> *const std::ffi::c_char {
        self.buf
            .as_ref()
            .map_or(c"".as_ptr(), |b| b.as_ptr().cast())
    }
}

impl std::fmt::Debug for PooledBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PooledBody({} bytes)", self.len())
    }
}

impl std::ops::Deref for PooledBody {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.buf.as_ref().map_or(&[], |b| &b[..self.len])
    }
}

impl Drop for PooledBody {
    /// Gives the buffer back to the pool when no one else holds it (two
    /// holders dropping at once may both see it shared: the buffer is then
    /// freed instead, which is only a missed reuse).
    #[inline]
    fn drop(&mut self) {
        if let Some(mut buf) = self.buf.take() {
            // The count first: a shared buffer (the usual first drop) costs
            // one load, not get_mut's compare-and-swap.
            if Arc::strong_count(&buf) == 1 && Arc::get_mut(&mut buf).is_some() {
                BODY_POOL.give(buf);
            }
        }
    }
}

/// A message's body, or a prepared message's body as sent. Dereferences
/// to the bytes; equality compares them.
#[derive(Clone)]
pub enum Body {
    /// In a pooled buffer, shared with the message's other sends.
    Pooled(PooledBody),
    /// Shared with the user's [`Bytes`], or made for the send (compression, batch).
    Shared(Bytes),
}

impl Body {
    /// The body a send of a message with this body carries: a pooled body
    /// is shared; a [`Body::Shared`] one of at most [`POOLED_BODY_MAX`]
    /// bytes is copied into a pooled buffer on the message's first send
    /// (`sent_before` false), so that the caller's message owns its body
    /// alone and frees it on its own thread; else it is shared.
    pub(super) fn for_send(&self, sent_before: bool) -> Body {
        match self {
            Body::Shared(b) if !sent_before && b.len() <= POOLED_BODY_MAX => {
                Body::Pooled(PooledBody::copy_of(b, false))
            }
            other => other.clone(),
        }
    }
}

impl Default for Body {
    /// No bytes.
    fn default() -> Self {
        Body::Shared(Bytes::new())
    }
}

impl std::ops::Deref for Body {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Body::Pooled(p) => p,
            Body::Shared(b) => b,
        }
    }
}

impl PartialEq for Body {
    fn eq(&self, other: &Body) -> bool {
        self[..] == other[..]
    }
}

impl Eq for Body {}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Body({} bytes)", self.len())
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Body {
        Body::Shared(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_bodies_are_shared_and_keep_their_nul() {
        let b = PooledBody::copy_of(b"abc", true);
        assert_eq!(&b[..], b"abc");
        // SAFETY: made with a NUL after the 3 bytes.
        let c = unsafe { std::ffi::CStr::from_ptr(b.as_c_ptr()) };
        assert_eq!(c.to_bytes(), b"abc");
        let body = Body::Pooled(b.clone());
        let sent = body.for_send(false);
        assert_eq!(
            sent.as_ptr(),
            b.as_ptr(),
            "a pooled body is shared, not copied"
        );
        assert_eq!(sent, Body::Shared(Bytes::from_static(b"abc")));
    }

    #[test]
    fn small_shared_bodies_are_copied_on_the_first_send_only() {
        let body = Body::Shared(Bytes::from_static(b"xyz"));
        let first = body.for_send(false);
        assert!(matches!(first, Body::Pooled(_)));
        assert_ne!(first.as_ptr(), body.as_ptr());
        assert_eq!(body.for_send(true).as_ptr(), body.as_ptr());
        let big = Body::Shared(Bytes::from(vec![1u8; POOLED_BODY_MAX + 1]));
        assert_eq!(big.for_send(false).as_ptr(), big.as_ptr());
    }

    #[test]
    fn a_large_pooled_body_is_not_kept() {
        let b = PooledBody::copy_of(&vec![7u8; POOLED_BODY_MAX + 1], false);
        assert_eq!(b.len(), POOLED_BODY_MAX + 1);
        drop(b); // freed: the pool refuses a buffer above its limit
    }
}
