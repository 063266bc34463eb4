//! Where prefetched messages wait for `poll` (Java
//! `DefaultLitePullConsumerImpl`'s `consumeRequestCache`): the I/O thread
//! appends each pull's decoded messages as one batch; `poll` takes
//! messages from the front. Flow control lives with the queues on the I/O
//! thread ([`super::process_queue`]); this buffer only hands over, so its
//! lock is held for a push or a take, never for I/O.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

use crate::protocol::message_ext::MessageExt;
use crate::routing::MessageQueue;

/// The messages of one pull.
#[derive(Debug)]
pub(crate) struct Batch {
    /// Their queue.
    pub mq: MessageQueue,
    /// The queue's seek generation when they were pulled.
    pub epoch: u64,
    /// The messages, in offset order (`messages` is taken from the front).
    pub messages: VecDeque<MessageExt>,
    /// The offset after the batch's last scanned message (the pull's
    /// `nextBeginOffset`): committed once the batch is taken entirely, so
    /// that filtered-out offsets are not pulled again.
    pub next_offset: i64,
}

/// What one queue gave to one poll: the role's flow control and commit
/// offsets advance by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Taken {
    /// The queue.
    pub mq: MessageQueue,
    /// Its seek generation.
    pub epoch: u64,
    /// Messages taken.
    pub count: usize,
    /// Body bytes taken.
    pub bytes: usize,
    /// The offset to commit now: after the last taken message, or the
    /// batch's `next_offset` once the batch is empty.
    pub offset: i64,
}

/// A message an admin asks a push consumer to run its listener on once
/// (CONSUME_MESSAGE_DIRECTLY): no offsets, no retries; the answer goes back
/// on the connection the request came on.
#[derive(Debug)]
pub(crate) struct Direct {
    /// The message (decoded from the request's body).
    pub message: MessageExt,
    /// The connection of the request.
    pub token: mio::Token,
    /// The request's opaque.
    pub opaque: i32,
}

#[derive(Default)]
struct State {
    batches: VecDeque<Batch>,
    /// CONSUME_MESSAGE_DIRECTLY requests: a consume thread takes them
    /// before any batch.
    direct: VecDeque<Direct>,
    closed: bool,
    /// Polls waiting on the condition variable: a push wakes only then
    /// (a futex wake-up is a system call even with nobody waiting).
    waiting: usize,
    /// Orderly: queues whose messages a consume thread holds; their batches
    /// are skipped until [`Handover::release`].
    busy: Vec<crate::routing::MessageQueue>,
}

/// The buffer between the I/O thread and `poll`.
#[derive(Default)]
pub(crate) struct Handover {
    state: Mutex<State>,
    ready: Condvar,
    /// Set by the I/O thread while a queue waits for room (over its
    /// prefetch limits): what a poll frees must then wake the loop. Clear,
    /// the poll's news waits for the loop's next turn.
    room_wanted: AtomicBool,
    /// Whether `State::direct` may hold a request: consume threads check
    /// it before taking the lock for one (rare), so each listener call
    /// takes the lock once, not twice.
    direct_pending: AtomicBool,
}

impl Handover {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends a batch (I/O thread) and wakes a waiting poll.
    pub(crate) fn push(&self, batch: Batch) {
        let mut s = self.lock();
        if s.closed {
            return;
        }
        s.batches.push_back(batch);
        let wake = s.waiting > 0;
        drop(s);
        if wake {
            self.ready.notify_one();
        }
    }

    /// Queues a CONSUME_MESSAGE_DIRECTLY request for a consume thread (I/O
    /// thread); `false` when closed (nobody will run it).
    pub(crate) fn push_direct(&self, direct: Direct) -> bool {
        let mut s = self.lock();
        if s.closed {
            return false;
        }
        s.direct.push_back(direct);
        self.direct_pending.store(true, Ordering::SeqCst);
        let wake = s.waiting > 0;
        drop(s);
        if wake {
            // Every waiter: an orderly one may be waiting for a free queue.
            self.ready.notify_all();
        }
        true
    }

    /// The oldest CONSUME_MESSAGE_DIRECTLY request, if any (consume
    /// threads, before they take a batch).
    pub(crate) fn take_direct(&self) -> Option<Direct> {
        if !self.direct_pending.load(Ordering::SeqCst) {
            return None;
        }
        let mut s = self.lock();
        if s.closed {
            return None;
        }
        let d = s.direct.pop_front();
        self.direct_pending
            .store(!s.direct.is_empty(), Ordering::SeqCst);
        d
    }

    /// Drops every buffered message of `mq` (a seek, or the queue left this
    /// consumer); the role resets its counts itself.
    pub(crate) fn purge(&self, mq: &MessageQueue) {
        self.lock().batches.retain(|b| b.mq != *mq);
    }

    /// Drops everything and wakes every poll for good (shutdown).
    pub(crate) fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        s.batches.clear();
        s.direct.clear();
        drop(s);
        self.ready.notify_all();
    }

    /// A queue waits for room (`true`), or none does (`false`).
    pub(crate) fn set_room_wanted(&self, wanted: bool) {
        self.room_wanted.store(wanted, Ordering::SeqCst);
    }

    /// Whether a queue waits for room.
    pub(crate) fn room_wanted(&self) -> bool {
        self.room_wanted.load(Ordering::SeqCst)
    }

    /// Whether [`close`](Handover::close) was called.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Waits until `deadline` for messages, then hands up to `max` of them
    /// to `sink`, in order; what each queue gave is in the returned list.
    /// Returns at once (empty) when closed.
    pub(crate) fn take(
        &self,
        sink: &mut dyn FnMut(MessageExt),
        max: usize,
        deadline: Instant,
    ) -> Vec<Taken> {
        self.take_from(sink, max, deadline, false)
    }

    /// [`take`](Handover::take) from the front batch only: every message
    /// handed over is of one queue (a push consumer's listener batch).
    pub(crate) fn take_one_queue(
        &self,
        sink: &mut dyn FnMut(MessageExt),
        max: usize,
        deadline: Instant,
    ) -> Vec<Taken> {
        self.take_from(sink, max, deadline, true)
    }

    /// Orderly: takes up to `max` messages of the first queue no other
    /// consume thread holds, and holds it (one thread per queue at a time,
    /// in offset order) until [`release`](Handover::release).
    pub(crate) fn take_and_hold(
        &self,
        sink: &mut dyn FnMut(MessageExt),
        max: usize,
        deadline: Instant,
    ) -> Option<Taken> {
        let mut s = self.lock();
        loop {
            if s.closed || max == 0 || !s.direct.is_empty() {
                return None;
            }
            let busy = &s.busy;
            let free = s.batches.iter().position(|b| !busy.contains(&b.mq));
            if let Some(i) = free {
                let batch = &mut s.batches[i];
                let n = max.min(batch.messages.len());
                let mut bytes = 0;
                let mut last = batch.next_offset;
                for m in batch.messages.drain(..n) {
                    bytes += m.body.len();
                    last = m.queue_offset.saturating_add(1);
                    sink(m);
                }
                let emptied = batch.messages.is_empty();
                let taken = Taken {
                    mq: batch.mq.clone(),
                    epoch: batch.epoch,
                    count: n,
                    bytes,
                    offset: if emptied { batch.next_offset } else { last },
                };
                if emptied {
                    s.batches.remove(i);
                }
                s.busy.push(taken.mq.clone());
                return Some(taken);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            s.waiting += 1;
            s = self
                .ready
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            s.waiting -= 1;
        }
    }

    /// Orderly: lets other consume threads take `mq` again.
    pub(crate) fn release(&self, mq: &crate::routing::MessageQueue) {
        let mut s = self.lock();
        s.busy.retain(|q| q != mq);
        let wake = s.waiting > 0;
        drop(s);
        if wake {
            self.ready.notify_all();
        }
    }

    fn take_from(
        &self,
        sink: &mut dyn FnMut(MessageExt),
        max: usize,
        deadline: Instant,
        one_queue: bool,
    ) -> Vec<Taken> {
        let mut s = self.lock();
        loop {
            if s.closed || !s.batches.is_empty() || max == 0 {
                break;
            }
            if !s.direct.is_empty() {
                return Vec::new();
            }
            let now = Instant::now();
            if now >= deadline {
                return Vec::new();
            }
            s.waiting += 1;
            s = self
                .ready
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            s.waiting -= 1;
        }
        let mut taken: Vec<Taken> = Vec::new();
        let mut left = max;
        while left > 0 && !s.closed {
            let Some(batch) = s.batches.front_mut() else {
                break;
            };
            let n = left.min(batch.messages.len());
            let mut bytes = 0;
            let mut last = None;
            for m in batch.messages.drain(..n) {
                bytes += m.body.len();
                last = Some(m.queue_offset);
                sink(m);
            }
            left -= n;
            let empty = batch.messages.is_empty();
            let offset = if empty {
                batch.next_offset
            } else {
                last.map_or(batch.next_offset, |o| o.saturating_add(1))
            };
            match taken
                .iter_mut()
                .find(|t| t.mq == batch.mq && t.epoch == batch.epoch)
            {
                Some(t) => {
                    t.count += n;
                    t.bytes += bytes;
                    t.offset = offset;
                }
                None => taken.push(Taken {
                    mq: batch.mq.clone(),
                    epoch: batch.epoch,
                    count: n,
                    bytes,
                    offset,
                }),
            }
            if empty {
                s.batches.pop_front();
            }
            if one_queue {
                break;
            }
        }
        taken
    }
}
