//! When a consumer rebalances and what it asks (Java `RebalanceService`,
//! `RebalanceImpl.rebalanceByTopic`): every `rebalanceIntervalMillis`
//! (20 s), at once on NOTIFY_CONSUMER_IDS_CHANGED or a subscription change,
//! and 1 s after a round that could not finish (Java's `minInterval` when
//! unbalanced). The group's members come from GET_CONSUMER_LIST_BY_GROUP to
//! one broker of the topic; the allocation is [`super::allocate`]; the role
//! applies it.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::config::ConsumerConfig;
use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::response_code;
use crate::routing::MessageQueue;

/// Pause before retrying a round that could not finish (Java 1 s).
const UNBALANCED_RETRY: Duration = Duration::from_millis(1000);

/// The rebalance timer and the consumer-list requests in flight.
pub(crate) struct Rebalance {
    interval: Duration,
    next_at: Instant,
    /// Topics whose consumer list is being asked for.
    pub in_flight: HashSet<String>,
    /// Turns the broker asked, so a dead one is not asked forever.
    turn: usize,
    /// Wall-clock ms of the consumer's start (the default consume timestamp).
    pub started_ms: i64,
}

impl Rebalance {
    /// The first round at once.
    pub(crate) fn new(config: &ConsumerConfig, now: Instant) -> Rebalance {
        Rebalance {
            interval: Duration::from_millis(config.rebalance_interval_ms),
            next_at: now,
            in_flight: HashSet::new(),
            turn: 0,
            started_ms: crate::protocol::message_id::now_ms(),
        }
    }

    /// A round as soon as possible.
    pub(crate) fn soon(&mut self, now: Instant) {
        self.next_at = now;
    }

    /// The last round could not finish: another in 1 s at the latest.
    pub(crate) fn unbalanced(&mut self, now: Instant) {
        self.next_at = self.next_at.min(now + UNBALANCED_RETRY);
    }

    /// Whether a round is due at `now` (then the next one is scheduled).
    pub(crate) fn due(&mut self, now: Instant) -> bool {
        if now < self.next_at {
            return false;
        }
        self.next_at = now + self.interval;
        true
    }

    /// When the next round is due.
    pub(crate) fn next(&self) -> Instant {
        self.next_at
    }

    /// A queue whose broker to ask for the members (a different broker of
    /// the topic each round, as Java picks one at random).
    pub(crate) fn pick_broker(&mut self, queues: &[MessageQueue]) -> Option<MessageQueue> {
        let mut brokers: Vec<&MessageQueue> = Vec::new();
        for q in queues {
            if !brokers.iter().any(|b| b.broker_name == q.broker_name) {
                brokers.push(q);
            }
        }
        if brokers.is_empty() {
            return None;
        }
        self.turn = self.turn.wrapping_add(1);
        Some(brokers[self.turn % brokers.len()].clone())
    }
}

/// The client ids of a GET_CONSUMER_LIST_BY_GROUP answer from `broker` (body
/// `{"consumerIdList":[...]}`). Errors: an error code (e.g. SYSTEM_ERROR
/// "no consumer for this group" before the first heartbeat arrived), or a
/// body that does not parse.
pub(crate) fn consumer_ids(resp: &RemotingCommand, broker: &str) -> Result<Vec<String>> {
    if resp.code != response_code::SUCCESS {
        return Err(crate::protocol::broker_error(
            resp.code,
            resp.remark_str(),
            broker,
        ));
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        #[serde(default)]
        consumer_id_list: Vec<String>,
    }
    serde_json::from_slice::<Body>(&resp.body)
        .map(|b| b.consumer_id_list)
        .map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("malformed consumer list: {}", e),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_rounds() {
        let now = Instant::now();
        let mut r = Rebalance::new(&ConsumerConfig::default(), now);
        assert!(r.due(now));
        assert!(!r.due(now));
        r.unbalanced(now);
        assert_eq!(r.next(), now + UNBALANCED_RETRY);
        r.soon(now);
        assert!(r.due(now));
    }

    #[test]
    fn picks_each_broker_in_turn() {
        let q = |b: &str, i| MessageQueue {
            topic: "T".into(),
            broker_name: b.into(),
            queue_id: i,
        };
        let all = vec![q("a", 0), q("a", 1), q("b", 0)];
        let mut r = Rebalance::new(&ConsumerConfig::default(), Instant::now());
        let x = r.pick_broker(&all).unwrap().broker_name;
        let y = r.pick_broker(&all).unwrap().broker_name;
        assert_ne!(x, y);
        assert!(r.pick_broker(&[]).is_none());
    }
}
