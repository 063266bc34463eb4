//! Latency fault tolerance (Java `MQFaultStrategy` + `LatencyFaultToleranceImpl`,
//! 4.x tables): every send outcome updates its broker's fault item; a broker
//! whose last latency was high, or that failed at the network level, is
//! avoided for a while. Time is passed in, so tests drive it with any clock.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Latency thresholds, ms (`MQFaultStrategy.latencyMax`).
pub const LATENCY_MAX_MS: [u64; 7] = [50, 100, 550, 1000, 2000, 3000, 15000];
/// How long a broker is avoided for a latency at or above the matching
/// threshold, ms (`MQFaultStrategy.notAvailableDuration`).
pub const NOT_AVAILABLE_MS: [u64; 7] = [0, 0, 30_000, 60_000, 120_000, 180_000, 600_000];
// `not_available_duration` skips the table below its third threshold.
const _: () = assert!(NOT_AVAILABLE_MS[0] == 0 && NOT_AVAILABLE_MS[1] == 0);
/// How long a broker is avoided after a network error or timeout, ms.
pub const ISOLATION_MS: u64 = 30_000;

/// The not-available duration for a send that took `latency_ms`.
pub fn not_available_duration(latency_ms: u64) -> Duration {
    // Below the first threshold with a non-zero duration (every fast send):
    // no table walk.
    if latency_ms < LATENCY_MAX_MS[2] {
        return Duration::ZERO;
    }
    let ms = LATENCY_MAX_MS
        .iter()
        .zip(NOT_AVAILABLE_MS)
        .rev()
        .find(|(max, _)| latency_ms >= **max)
        .map(|(_, d)| d)
        .unwrap_or(0);
    Duration::from_millis(ms)
}

/// One broker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultItem {
    /// Latency of the last send, ms (ISOLATION_MS after a network failure).
    pub current_latency_ms: u64,
    /// The broker is avoided until then.
    pub available_at: Instant,
    /// Whether the last outcome was a network failure (as opposed to a slow
    /// answer): a later sign of life (a heartbeat answer) lifts it.
    pub isolated: bool,
}

/// Fault items by broker name.
#[derive(Debug, Default)]
pub struct FaultTable {
    items: HashMap<Arc<str>, FaultItem>,
    /// No item is avoided from then on: the latest `available_at` ever
    /// set (an upper bound once items change or go). None when empty.
    all_available_at: Option<Instant>,
}

impl FaultTable {
    /// Records a send outcome: `latency_ms` for a response (success or broker
    /// error), or `isolation` for a network error or timeout.
    pub fn update(&mut self, broker: &Arc<str>, latency_ms: u64, isolation: bool, now: Instant) {
        let (latency, duration) = if isolation {
            (ISOLATION_MS, Duration::from_millis(ISOLATION_MS))
        } else {
            (latency_ms, not_available_duration(latency_ms))
        };
        let item = FaultItem {
            current_latency_ms: latency,
            available_at: now + duration,
            isolated: isolation,
        };
        let available_at = match self.items.get_mut(broker) {
            Some(old) => {
                old.current_latency_ms = item.current_latency_ms;
                old.isolated = isolation;
                // A success ends an isolation; a failure never shortens one.
                if isolation {
                    old.available_at = old.available_at.max(item.available_at);
                } else {
                    old.available_at = item.available_at;
                }
                old.available_at
            }
            None => {
                self.items.insert(broker.clone(), item);
                item.available_at
            }
        };
        self.all_available_at = Some(
            self.all_available_at
                .map_or(available_at, |t| t.max(available_at)),
        );
    }

    /// Whether every broker is available at `now`: true means
    /// [`FaultTable::is_available`] is true for any broker, without a
    /// lookup (after fast successful sends, the common case).
    #[inline]
    pub fn all_available(&self, now: Instant) -> bool {
        self.all_available_at.is_none_or(|t| now >= t)
    }

    /// Whether `broker` may be chosen at `now`.
    pub fn is_available(&self, broker: &str, now: Instant) -> bool {
        self.items.get(broker).is_none_or(|i| now >= i.available_at)
    }

    /// Among `brokers`, the least bad one at `now` (Java `pickOneAtLeast`
    /// order): available before unavailable, then the lower last latency
    /// (an isolated broker counts as ISOLATION_MS), then the one available
    /// first. Brokers without an item are best.
    pub fn least_bad<'a>(
        &self,
        brokers: impl Iterator<Item = &'a str>,
        now: Instant,
    ) -> Option<&'a str> {
        brokers.min_by_key(|b| match self.items.get(*b) {
            None => (false, 0, None),
            Some(i) => (
                now < i.available_at,
                i.current_latency_ms,
                Some(i.available_at),
            ),
        })
    }

    /// Lifts a network isolation of `broker` (it answered a heartbeat);
    /// latency-based avoidance stays.
    pub fn reachable(&mut self, broker: &str) {
        if self.items.get(broker).is_some_and(|i| i.isolated) {
            self.remove(broker);
        }
    }

    /// Whether any broker has an item (the common case is none).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Forgets `broker` (it left the routes, or came back after leaving).
    pub fn remove(&mut self, broker: &str) {
        self.items.remove(broker);
        if self.items.is_empty() {
            self.all_available_at = None;
        }
    }

    /// The item of `broker`, if any.
    pub fn get(&self, broker: &str) -> Option<&FaultItem> {
        self.items.get(broker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_the_table() {
        let d = |ms| not_available_duration(ms).as_millis() as u64;
        assert_eq!(d(0), 0);
        assert_eq!(d(99), 0);
        assert_eq!(d(549), 0);
        assert_eq!(d(550), 30_000);
        assert_eq!(d(999), 30_000);
        assert_eq!(d(1000), 60_000);
        assert_eq!(d(2500), 120_000);
        assert_eq!(d(3000), 180_000);
        assert_eq!(d(15_000), 600_000);
        assert_eq!(d(u64::MAX), 600_000);
    }

    #[test]
    fn slow_and_failed_brokers_are_avoided_then_return() {
        let t0 = Instant::now();
        let a: Arc<str> = Arc::from("broker-a");
        let b: Arc<str> = Arc::from("broker-b");
        let mut f = FaultTable::default();
        assert!(f.all_available(t0));
        f.update(&a, 10, false, t0);
        assert!(f.is_available("broker-a", t0));
        assert!(f.all_available(t0));
        f.update(&a, 600, false, t0);
        assert!(!f.is_available("broker-a", t0 + Duration::from_millis(29_999)));
        assert!(!f.all_available(t0 + Duration::from_millis(29_999)));
        assert!(f.is_available("broker-a", t0 + Duration::from_millis(30_000)));
        assert!(f.all_available(t0 + Duration::from_millis(30_000)));
        f.update(&b, 0, true, t0);
        assert_eq!(f.get("broker-b").unwrap().current_latency_ms, ISOLATION_MS);
        assert!(!f.is_available("broker-b", t0 + Duration::from_millis(29_999)));
        assert!(f.is_available("broker-b", t0 + Duration::from_millis(30_000)));
        // A fast success ends an isolation early (Java overwrites the item).
        f.update(&b, 5, false, t0 + Duration::from_secs(1));
        assert!(f.is_available("broker-b", t0 + Duration::from_secs(1)));
        // (An upper bound: broker-a is still avoided until 30 s.)
        assert!(!f.all_available(t0 + Duration::from_secs(1)));
        f.remove("broker-a");
        f.remove("broker-b");
        assert!(f.all_available(t0));
        // Unknown brokers are available.
        assert!(f.is_available("broker-c", t0));
    }

    #[test]
    fn least_bad_is_the_first_to_recover() {
        let t0 = Instant::now();
        let mut f = FaultTable::default();
        f.update(&Arc::from("a"), 0, true, t0);
        f.update(&Arc::from("b"), 1000, false, t0 + Duration::from_secs(1));
        f.update(&Arc::from("c"), 600, false, t0);
        // All unavailable: the lowest latency wins, isolation counts as 30 s.
        assert_eq!(f.least_bad(["a", "b", "c"].into_iter(), t0), Some("c"));
        assert_eq!(f.least_bad(["a", "b"].into_iter(), t0), Some("b"));
        assert_eq!(f.least_bad(["a", "zzz"].into_iter(), t0), Some("zzz"));
        // Available beats lower latency.
        let later = t0 + Duration::from_secs(40);
        assert_eq!(f.least_bad(["a", "b"].into_iter(), later), Some("a"));
        f.remove("a");
        assert!(f.is_available("a", t0));
        // Reachability lifts isolation only.
        f.update(&Arc::from("a"), 0, true, t0);
        f.reachable("a");
        f.reachable("c");
        assert!(f.is_available("a", t0));
        assert!(!f.is_available("c", t0));
    }
}
