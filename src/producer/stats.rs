//! Send statistics kept by the event loop: per broker counts, a latency
//! histogram and the fault state, as snapshots serialized to JSON for
//! `stats_json`.

use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::routing::FaultTable;

/// Latency histogram: bucket i counts latencies in [2^i, 2^(i+1)) µs.
const BUCKETS: usize = 40;

/// Counters of one broker.
#[derive(Debug, Clone)]
pub(crate) struct BrokerStats {
    ok: u64,
    failed: u64,
    latency: [u64; BUCKETS],
    max_us: u64,
}

impl Default for BrokerStats {
    fn default() -> Self {
        BrokerStats {
            ok: 0,
            failed: 0,
            latency: [0; BUCKETS],
            max_us: 0,
        }
    }
}

impl BrokerStats {
    /// The upper bound of the bucket holding the `q` quantile, µs.
    fn quantile_us(&self, q: f64) -> u64 {
        let total: u64 = self.latency.iter().sum();
        if total == 0 {
            return 0;
        }
        let rank = ((total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.latency.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return (1u64 << (i + 1)).min(self.max_us.max(1));
            }
        }
        self.max_us
    }
}

/// All counters of one client.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    brokers: HashMap<Arc<str>, BrokerStats>,
    /// Attempts after the first, over all sends.
    pub retries: u64,
}

impl Stats {
    /// Records one attempt's outcome on `broker` after `latency`.
    pub fn record(&mut self, broker: &Arc<str>, ok: bool, latency: Duration) {
        let Some(s) = self.brokers.get_mut(broker) else {
            self.brokers.insert(broker.clone(), Default::default());
            return self.record(broker, ok, latency);
        };
        if ok {
            s.ok += 1;
        } else {
            s.failed += 1;
        }
        let us = latency.as_micros().min(u64::MAX as u128) as u64;
        let bucket = (63 - us.max(1).leading_zeros() as usize).min(BUCKETS - 1);
        s.latency[bucket] += 1;
        s.max_us = s.max_us.max(us);
    }

    /// A snapshot of the counters, the fault state and the routes.
    pub fn snapshot(
        &self,
        client_id: &str,
        brokers: &HashMap<Arc<str>, Arc<str>>,
        fault: &FaultTable,
        topics: Vec<(String, usize, Vec<Arc<str>>)>,
        now: Instant,
    ) -> Snapshot {
        let mut names: Vec<&Arc<str>> = self.brokers.keys().chain(brokers.keys()).collect();
        names.sort_unstable();
        names.dedup();
        let mut per_broker = BTreeMap::new();
        let (mut ok, mut failed) = (0, 0);
        for name in names {
            let s = self.brokers.get(name).cloned().unwrap_or_default();
            ok += s.ok;
            failed += s.failed;
            let item = fault.get(name);
            per_broker.insert(
                name.to_string(),
                BrokerSnapshot {
                    addr: brokers.get(name).map(|a| a.to_string()),
                    fault: FaultSnapshot {
                        available: fault.is_available(name, now),
                        available_in_ms: item
                            .map(|i| {
                                i.available_at.saturating_duration_since(now).as_millis() as u64
                            })
                            .unwrap_or(0),
                        isolated: item.is_some_and(|i| i.isolated),
                        latency_ms: item.map(|i| i.current_latency_ms),
                    },
                    latency_us: LatencySnapshot {
                        max: s.max_us,
                        p50: s.quantile_us(0.5),
                        p99: s.quantile_us(0.99),
                    },
                    sends_failed: s.failed,
                    sends_ok: s.ok,
                },
            );
        }
        let topics = topics
            .into_iter()
            .map(|(t, queues, brokers)| {
                let brokers = brokers.iter().map(|b| b.to_string()).collect();
                (t, TopicSnapshot { brokers, queues })
            })
            .collect();
        Snapshot {
            brokers: per_broker,
            client_id: client_id.to_string(),
            in_flight: 0,
            retries: self.retries,
            sends_failed: failed,
            sends_ok: ok,
            topics,
            trace: None,
        }
    }
}

/// A statistics snapshot, serialized as the JSON of `stats_json` (members
/// in alphabetical order).
#[derive(Debug, Serialize)]
pub(crate) struct Snapshot {
    brokers: BTreeMap<String, BrokerSnapshot>,
    client_id: String,
    /// Async and oneway sends accepted and not yet completed (set by the
    /// producer, which counts them).
    pub in_flight: usize,
    retries: u64,
    sends_failed: u64,
    sends_ok: u64,
    topics: BTreeMap<String, TopicSnapshot>,
    /// Message trace counters (`enableMsgTrace` only; set by the producer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceSnapshot>,
}

/// What happened to a producer's trace records.
#[derive(Debug, Serialize)]
pub(crate) struct TraceSnapshot {
    /// Dropped: the trace queue was full, or their trace message failed.
    pub dropped: u64,
    /// Trace messages sent.
    pub messages_sent: u64,
    /// Records queued.
    pub recorded: u64,
}

#[derive(Debug, Serialize)]
struct BrokerSnapshot {
    addr: Option<String>,
    fault: FaultSnapshot,
    latency_us: LatencySnapshot,
    sends_failed: u64,
    sends_ok: u64,
}

#[derive(Debug, Serialize)]
struct FaultSnapshot {
    available: bool,
    available_in_ms: u64,
    isolated: bool,
    latency_ms: Option<u64>,
}

#[derive(Debug, Serialize)]
struct LatencySnapshot {
    max: u64,
    p50: u64,
    p99: u64,
}

#[derive(Debug, Serialize)]
struct TopicSnapshot {
    brokers: Vec<String>,
    queues: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_json() {
        let mut s = Stats::default();
        let b: Arc<str> = Arc::from("broker-a");
        for us in [100u64, 200, 300, 5000] {
            s.record(&b, true, Duration::from_micros(us));
        }
        s.record(&b, false, Duration::from_millis(3));
        s.retries = 2;
        let stats = &s.brokers[&b];
        assert_eq!(stats.quantile_us(0.5), 512);
        assert_eq!(stats.quantile_us(0.99), 5000);
        let snapshot = s.snapshot(
            "id",
            &HashMap::default(),
            &FaultTable::default(),
            vec![("T".into(), 4, vec![b.clone()])],
            Instant::now(),
        );
        let j: serde_json::Value =
            serde_json::from_slice(&serde_json::to_vec(&snapshot).unwrap()).unwrap();
        let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "brokers",
                "client_id",
                "in_flight",
                "retries",
                "sends_failed",
                "sends_ok",
                "topics"
            ]
        );
        assert_eq!(j["topics"]["T"]["queues"], 4);
        assert_eq!(j["brokers"]["broker-a"]["latency_us"]["p99"], 5000);
        assert_eq!(j["sends_ok"], 4);
        assert_eq!(j["sends_failed"], 1);
        assert_eq!(j["retries"], 2);
        assert_eq!(j["brokers"]["broker-a"]["fault"]["available"], true);
    }
}
