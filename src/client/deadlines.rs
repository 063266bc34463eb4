//! The deadlines of pending requests, earliest first. Sends arrive with
//! deadlines in order (submission time plus the same timeout), so most go
//! to the back of a queue in O(1); the rest (other timeouts, retries that
//! keep their first deadline) go to a heap. The earliest is the earlier of
//! the two fronts.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

/// A deadline and the opaque of its request.
pub(crate) type Deadline = (Instant, i32);

/// A min-queue of deadlines.
#[derive(Default)]
pub(crate) struct Deadlines {
    /// Non-decreasing deadlines.
    ordered: VecDeque<Deadline>,
    /// Deadlines that came out of order.
    heap: BinaryHeap<Reverse<Deadline>>,
}

impl Deadlines {
    /// How many are held.
    pub(crate) fn len(&self) -> usize {
        self.ordered.len() + self.heap.len()
    }

    /// Adds one.
    pub(crate) fn push(&mut self, d: Deadline) {
        match self.ordered.back() {
            Some(last) if *last > d => self.heap.push(Reverse(d)),
            _ => self.ordered.push_back(d),
        }
    }

    /// The earliest, if any.
    pub(crate) fn peek(&self) -> Option<Deadline> {
        match (self.ordered.front(), self.heap.peek()) {
            (Some(a), Some(Reverse(b))) => Some(*a.min(b)),
            (Some(a), None) => Some(*a),
            (None, Some(Reverse(b))) => Some(*b),
            (None, None) => None,
        }
    }

    /// Removes the earliest.
    pub(crate) fn pop(&mut self) -> Option<Deadline> {
        let from_heap = match (self.ordered.front(), self.heap.peek()) {
            (Some(a), Some(Reverse(b))) => b < a,
            (None, Some(_)) => true,
            _ => false,
        };
        if from_heap {
            self.heap.pop().map(|Reverse(d)| d)
        } else {
            self.ordered.pop_front()
        }
    }

    /// Keeps only the deadlines for which `keep` is true.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&Deadline) -> bool) {
        self.ordered.retain(&mut keep);
        self.heap.retain(|Reverse(d)| keep(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn pops_in_deadline_order() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut d = Deadlines::default();
        let input = [5, 7, 7, 3, 9, 1, 10, 8, 12, 2];
        for (i, ms) in input.into_iter().enumerate() {
            d.push((at(ms), i as i32));
        }
        assert_eq!(d.len(), input.len());
        assert_eq!(d.peek().map(|x| x.0), Some(at(1)));
        d.retain(|&(_, o)| o != 5);
        let mut out = Vec::new();
        while let Some((t, _)) = d.pop() {
            out.push(t);
        }
        let mut expected: Vec<Instant> = input
            .iter()
            .filter(|&&ms| ms != 1)
            .map(|&ms| at(ms))
            .collect();
        expected.sort();
        assert_eq!(out, expected);
        assert_eq!(d.peek(), None);
    }
}
