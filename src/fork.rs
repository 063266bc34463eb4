//! Fork detection: a process-wide fork generation, bumped in the child of
//! every `fork()` by a `pthread_atfork` child handler (registered once, by
//! the first [`Born::now`] or message id).
//!
//! A forked child has one thread: the parent's I/O, callback and consumer
//! threads do not exist there, and the sockets it inherited are shared
//! with the parent. So the C handles the child inherited must not be used
//! (a send would wait for an I/O thread that never answers; a shutdown
//! would join threads that are not there): each handle records the
//! generation it was born in ([`Born`]) and the C APIs refuse a handle
//! whose generation is not the current one (`ffi::fork_check`). Message id
//! generators re-read the process id when the generation changes.
//!
//! Why a generation and not a `getpid()` comparison: reading an atomic is
//! a load that stays in cache, while `getpid()` is a system call on every
//! C library this builds for (glibc stopped caching it in 2.25); the two
//! are measured in `docs/reliability.md`. A child made without the fork
//! handlers (a raw `clone` system call) is not detected; `posix_spawn` and
//! `vfork` children only `exec`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

/// Incremented in the child by [`on_fork_child`].
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Registers [`on_fork_child`] once.
static WATCH: Once = Once::new();

/// The `pthread_atfork` child handler: async-signal-safe (one atomic add).
extern "C" fn on_fork_child() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Makes sure forks are counted from now on.
pub fn watch() {
    WATCH.call_once(|| {
        // SAFETY: registers a handler that only increments an atomic,
        // which is safe in a child of a multi-threaded process.
        let rc = unsafe { libc::pthread_atfork(None, None, Some(on_fork_child)) };
        if rc != 0 {
            log::warn!("pthread_atfork failed ({}): forks go undetected", rc);
        }
    });
}

/// The current fork generation: 0 in the first process, one more in each
/// generation of forked children (counted once [`watch`] ran).
#[inline]
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

/// The fork generation a handle was created in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Born(u64);

impl Born {
    /// The current generation (forks are watched from now on).
    pub fn now() -> Born {
        watch();
        Born(generation())
    }

    /// Whether this process is a forked child of the one the handle was
    /// created in.
    #[inline]
    pub fn inherited(self) -> bool {
        self.0 != generation()
    }
}

/// The text of the error an inherited handle answers with.
pub const INHERITED: &str = "used in a forked child; create a new handle";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_is_inherited_once_the_generation_moves() {
        let b = Born::now();
        assert!(!b.inherited());
        // SAFETY: fork in a test process: the child only checks a value
        // and leaves with _exit, touching no lock.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let ok = b.inherited() && !Born::now().inherited();
            // SAFETY: _exit ends the child without running any handler.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waits for the child forked above.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        assert!(!b.inherited(), "the parent's generation does not move");
    }
}
