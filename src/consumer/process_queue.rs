//! One owned queue's state on the I/O thread (Java `ProcessQueue` plus
//! the lite consumer's `MessageQueueState`): where the next pull starts,
//! whether a pull is in flight, what was prefetched and not yet polled
//! (flow control), and the offset polled so far (what a commit stores).

use std::time::Instant;

/// Where a queue's start offset lookup stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// QUERY_CONSUMER_OFFSET (or the consume-from-where lookup) in flight
    /// or due.
    Looking,
    /// Pulling from `next_offset`.
    Ready,
}

/// One owned queue.
#[derive(Debug)]
pub(crate) struct ProcessQueue {
    /// Where the start offset stands.
    pub start: Start,
    /// The next pull's offset.
    pub next_offset: i64,
    /// The seek generation: answers and polls of an older one are stale.
    pub epoch: u64,
    /// A request (pull or start-offset lookup) is in flight.
    pub busy: bool,
    /// No request before then (after a failure, or while flow-controlled).
    pub not_before: Option<Instant>,
    /// Messages prefetched and not yet polled.
    pub cached_count: usize,
    /// Their body bytes.
    pub cached_bytes: usize,
    /// The offset after the last polled message: what a commit stores.
    pub consumed: Option<i64>,
    /// The offset last sent in UPDATE_CONSUMER_OFFSET.
    pub committed: Option<i64>,
    /// Push consumer: offsets handed to the listener and not yet done (Java
    /// `msgTreeMap`): the commit offset is the smallest of them, so a crash
    /// redelivers and never skips.
    pub in_flight: std::collections::BTreeSet<i64>,
    /// Orderly: when the broker last granted this client the queue's lock
    /// (None: not held).
    pub locked_at: Option<Instant>,
    /// Orderly: a LOCK_BATCH_MQ for this queue is in flight.
    pub locking: bool,
}

impl ProcessQueue {
    /// A queue whose start offset is still to be looked up.
    pub(crate) fn new(epoch: u64) -> ProcessQueue {
        ProcessQueue {
            start: Start::Looking,
            next_offset: 0,
            epoch,
            busy: false,
            not_before: None,
            cached_count: 0,
            cached_bytes: 0,
            consumed: None,
            committed: None,
            in_flight: Default::default(),
            locked_at: None,
            locking: false,
        }
    }

    /// Push consumer: the commit offset from what is still in flight: its
    /// smallest offset, or the next pull's offset when nothing is.
    pub(crate) fn settle(&mut self) {
        self.consumed = Some(self.in_flight.first().copied().unwrap_or(self.next_offset));
    }

    /// Starts pulling at `offset` (found, or sought).
    pub(crate) fn ready_at(&mut self, offset: i64) {
        self.start = Start::Ready;
        self.next_offset = offset;
        if self.cached_count == 0 {
            self.consumed = Some(offset);
        }
    }

    /// Forgets everything prefetched and starts over at `offset` in a new
    /// generation (a seek); a request in flight is then stale.
    pub(crate) fn seek(&mut self, offset: i64) {
        self.epoch += 1;
        self.busy = false;
        self.not_before = None;
        self.cached_count = 0;
        self.cached_bytes = 0;
        self.in_flight.clear();
        self.start = Start::Ready;
        self.next_offset = offset;
        self.consumed = Some(offset);
    }

    /// Whether a request may go out at `now` within the limits.
    pub(crate) fn may_request(&self, now: Instant, max_count: usize, max_bytes: usize) -> bool {
        !self.busy
            && self.not_before.is_none_or(|t| t <= now)
            && (self.start == Start::Looking
                || (self.cached_count < max_count && self.cached_bytes < max_bytes))
    }

    /// Push consumer: how far pulling has gone past the oldest message in
    /// flight (Java's `ProcessQueue.getMaxSpan` measures to the last message
    /// held, which lets a queue run on once the others are done): one slow
    /// message holds the commit offset back, so pulling stops once this
    /// passes `consumeConcurrentlyMaxSpan`.
    pub(crate) fn span(&self) -> i64 {
        self.in_flight
            .first()
            .map_or(0, |first| self.next_offset.saturating_sub(*first))
    }

    /// The commit offset, if it moved since the last commit.
    pub(crate) fn to_commit(&self) -> Option<i64> {
        match (self.consumed, self.committed) {
            (Some(c), Some(d)) if c == d => None,
            (c, _) => c,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_control_and_commit_offsets() {
        let now = Instant::now();
        let mut q = ProcessQueue::new(0);
        assert!(q.may_request(now, 10, 100));
        q.ready_at(5);
        assert_eq!(q.to_commit(), Some(5));
        q.committed = Some(5);
        assert_eq!(q.to_commit(), None);
        q.cached_count = 10;
        assert!(!q.may_request(now, 10, 100));
        q.seek(2);
        assert_eq!((q.epoch, q.cached_count, q.next_offset), (1, 0, 2));
        assert_eq!(q.to_commit(), Some(2));
        q.busy = true;
        assert!(!q.may_request(now, 10, 100));
    }
}
