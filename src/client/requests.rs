//! Requests waiting for their response, by opaque, with deadlines (Java
//! `NettyRemotingAbstract.responseTable` and its timeout scan). One table
//! type serves the engine's own requests (routes, heartbeats, unregister)
//! and each role's (a producer's sends): `K` is what the owner needs to
//! finish the request.

use std::time::Instant;

use mio::Token;
use rustc_hash::FxHashMap as HashMap;

use super::deadlines::Deadlines;

/// A request in flight: the connection it went on, its deadline, and the
/// owner's data.
pub(crate) struct Pending<K> {
    /// The connection.
    pub token: Token,
    /// When it times out.
    pub deadline: Instant,
    /// What the owner needs to finish it.
    pub kind: K,
}

/// Requests in flight, by opaque.
pub(crate) struct Requests<K> {
    pending: HashMap<i32, Pending<K>>,
    deadlines: Deadlines,
}

impl<K> Default for Requests<K> {
    fn default() -> Self {
        Requests {
            pending: HashMap::default(),
            deadlines: Deadlines::default(),
        }
    }
}

impl<K> Requests<K> {
    /// Tracks request `opaque` until its response or its deadline.
    pub(crate) fn insert(&mut self, opaque: i32, p: Pending<K>) {
        // An answered request's deadline stays in `deadlines` until it
        // passes. Drop those once they outnumber the pending requests, so
        // the list stays about the size of what is in flight (the rebuild
        // halves it at least: amortised O(1) per request).
        if self.deadlines.len() >= 2 * self.pending.len() + 1024 {
            let pending = &self.pending;
            self.deadlines
                .retain(|(d, o)| pending.get(o).is_some_and(|p| p.deadline == *d));
        }
        self.deadlines.push((p.deadline, opaque));
        self.pending.insert(opaque, p);
    }

    /// Stops tracking `opaque`: its response came.
    pub(crate) fn remove(&mut self, opaque: i32) -> Option<Pending<K>> {
        self.pending.remove(&opaque)
    }

    /// The next request whose deadline is at or before `now`, removed.
    pub(crate) fn pop_expired(&mut self, now: Instant) -> Option<Pending<K>> {
        while let Some((deadline, opaque)) = self.deadlines.peek() {
            if deadline > now {
                return None;
            }
            self.deadlines.pop();
            if self
                .pending
                .get(&opaque)
                .is_some_and(|p| p.deadline == deadline)
            {
                return self.pending.remove(&opaque);
            }
        }
        None
    }

    /// The earliest deadline still tracked (possibly of an answered request).
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.peek().map(|(d, _)| d)
    }

    /// Removes and returns every request on connection `token`.
    pub(crate) fn take_on(&mut self, token: Token) -> Vec<Pending<K>> {
        self.take_where(|p| p.token == token)
    }

    /// Removes and returns every request for which `pick` is true.
    pub(crate) fn take_where(
        &mut self,
        mut pick: impl FnMut(&Pending<K>) -> bool,
    ) -> Vec<Pending<K>> {
        let opaques: Vec<i32> = self
            .pending
            .iter()
            .filter(|(_, p)| pick(p))
            .map(|(o, _)| *o)
            .collect();
        opaques
            .into_iter()
            .filter_map(|o| self.pending.remove(&o))
            .collect()
    }

    /// Whether a request is pending on connection `token`.
    pub(crate) fn uses(&self, token: Token) -> bool {
        self.pending.values().any(|p| p.token == token)
    }

    /// Whether any request matches `pred`.
    pub(crate) fn any(&self, pred: impl FnMut(&Pending<K>) -> bool) -> bool {
        self.pending.values().any(pred)
    }

    /// Whether nothing is pending.
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Removes and returns everything.
    pub(crate) fn drain(&mut self) -> Vec<Pending<K>> {
        self.deadlines = Deadlines::default();
        self.pending.drain().map(|(_, p)| p).collect()
    }
}
