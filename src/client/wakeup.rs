//! How API threads wake the I/O thread: work goes into a channel, then the
//! mio `Waker` is used only if the loop announced that it sleeps.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel::Sender;

/// State shared between API threads and the loop for waking it.
pub(crate) struct Wakeup {
    pub(super) waker: mio::Waker,
    /// Set by the loop right before it blocks in `poll`.
    pub(super) sleeping: AtomicBool,
    /// Set by the loop while sync round trips are fast enough to busy-poll
    /// for (see `busy_poll`): a sync caller then spins for its outcome.
    pub(crate) sync_answers_fast: AtomicBool,
}

impl Wakeup {
    /// Wakes the loop if it sleeps (after work was put in a channel).
    pub(crate) fn wake(&self) {
        // A plain (SeqCst) load first: while the loop is awake this costs no
        // locked instruction on a cache line the loop writes every turn.
        if self.sleeping.load(Ordering::SeqCst) && self.sleeping.swap(false, Ordering::SeqCst) {
            let _ = self.waker.wake();
        }
    }
}

/// A role's command channel, API side: sends a command and wakes the loop.
pub(crate) struct RoleSender<C> {
    tx: Sender<C>,
    wakeup: Arc<Wakeup>,
}

impl<C> Clone for RoleSender<C> {
    fn clone(&self) -> Self {
        RoleSender {
            tx: self.tx.clone(),
            wakeup: self.wakeup.clone(),
        }
    }
}

impl<C> RoleSender<C> {
    /// The API side of a role's channel whose loop side the role reads;
    /// `wakeup` is the engine's.
    pub(crate) fn new(tx: Sender<C>, wakeup: Arc<Wakeup>) -> RoleSender<C> {
        RoleSender { tx, wakeup }
    }

    /// Hands `cmd` to the loop; gives it back if the loop is gone. Blocks
    /// while the (bounded) channel is full: the loop always drains it.
    pub(crate) fn send(&self, cmd: C) -> std::result::Result<(), C> {
        match self.tx.send(cmd) {
            Ok(()) => {
                self.wakeup.wake();
                Ok(())
            }
            Err(crossbeam_channel::SendError(cmd)) => Err(cmd),
        }
    }

    /// Hands `cmd` to the loop without waking it: for news the loop may
    /// take on its next turn (a socket event, a timer); gives it back if
    /// the loop is gone.
    pub(crate) fn send_quiet(&self, cmd: C) -> std::result::Result<(), C> {
        self.tx
            .send(cmd)
            .map_err(|crossbeam_channel::SendError(cmd)| cmd)
    }
}
