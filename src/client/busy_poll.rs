//! When the event loop polls without sleeping (`ioBusyPollMicros`).
//!
//! A sync send costs two thread wake-ups that a blocking socket does not:
//! the caller waking the loop, and the loop waking on the broker's answer.
//! Against a broker that answers within microseconds those wake-ups are
//! most of the round trip, so while sync sends are in flight (or one has
//! just completed and the caller is likely to send the next) the loop
//! polls with a zero timeout instead of sleeping, for at most the bound.
//! It does so only while sync round trips average below the bound: a
//! broker that takes a millisecond (a real one writing to disk) never makes
//! the loop spin. Async and oneway sends never start busy polling.
//!
//! The waiting caller does the same on its side ([`super::Client::wait_sync`]):
//! while round trips are that fast it checks for its outcome between
//! `sched_yield`s for up to the bound, instead of sleeping until the loop
//! wakes it. Both spinners yield, so on a machine with few cores the broker
//! (or anything else) still gets the CPU.

use std::time::{Duration, Instant};

/// Busy-poll state of one event loop.
pub(crate) struct BusyPoll {
    /// The bound; zero disables busy polling.
    window: Duration,
    /// Poll without sleeping until then.
    until: Option<Instant>,
    /// Moving average of sync round trips, µs (weight 1/8 per sample).
    rtt_avg_us: u64,
}

impl BusyPoll {
    /// Busy polling bounded by `window_us` µs (0: never).
    pub(crate) fn new(window_us: u64) -> BusyPoll {
        BusyPoll {
            window: Duration::from_micros(window_us),
            until: None,
            rtt_avg_us: 0,
        }
    }

    /// A sync send was written at `now`: poll for its answer.
    pub(crate) fn sync_sent(&mut self, now: Instant) {
        self.extend(now);
    }

    /// A sync send took `rtt` and has just completed at `now`: poll for
    /// the caller's next send.
    pub(crate) fn sync_done(&mut self, rtt: Duration, now: Instant) {
        let sample = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX);
        self.rtt_avg_us = self.rtt_avg_us - self.rtt_avg_us / 8 + sample / 8;
        self.extend(now);
    }

    /// Whether sync round trips average within the bound (and it is on).
    pub(crate) fn fast(&self) -> bool {
        !self.window.is_zero() && self.rtt_avg_us <= self.window.as_micros() as u64
    }

    fn extend(&mut self, now: Instant) {
        if self.fast() {
            self.until = Some(now + self.window);
        }
    }

    /// Whether the loop should poll without sleeping at `now`.
    pub(crate) fn active(&mut self, now: Instant) -> bool {
        match self.until {
            Some(t) if now < t => true,
            Some(_) => {
                self.until = None;
                false
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spins_only_for_fast_sync_round_trips() {
        let t0 = Instant::now();
        let mut b = BusyPoll::new(100);
        assert!(!b.active(t0));
        b.sync_sent(t0);
        assert!(b.active(t0 + Duration::from_micros(50)));
        assert!(!b.active(t0 + Duration::from_micros(150)));
        // A slow broker: the average soon exceeds the bound.
        for i in 0..4 {
            b.sync_done(Duration::from_micros(1400), t0 + Duration::from_millis(i));
        }
        let t1 = t0 + Duration::from_millis(10);
        b.sync_sent(t1);
        assert!(!b.active(t1));
        // Disabled.
        let mut off = BusyPoll::new(0);
        off.sync_sent(t0);
        assert!(!off.active(t0));
    }
}
