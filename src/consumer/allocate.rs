//! How a consumer group splits a topic's queues (Java
//! `AllocateMessageQueueStrategy`): every member sorts the queues and the
//! client ids the same way and computes its own share, so all members must
//! use the same strategy. Pure code.

use crate::error::{Error, ErrorKind, Result};
use crate::routing::MessageQueue;

/// A queue allocation strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AllocateStrategy {
    /// `AVG` (Java `AllocateMessageQueueAveragely`, the default and the
    /// legacy C++ client's only strategy): consecutive blocks, the first
    /// `queues % consumers` members get one more.
    #[default]
    Averagely,
    /// `AVG_BY_CIRCLE` (Java `AllocateMessageQueueAveragelyByCircle`):
    /// queue `i` goes to member `i % consumers`.
    AveragelyByCircle,
}

impl AllocateStrategy {
    /// The strategy named `name` (`AVG`, `AVG_BY_CIRCLE`; Java's names).
    /// Errors: [`ErrorKind::InvalidArgument`] for any other name.
    pub fn parse(name: &str) -> Result<AllocateStrategy> {
        match name.trim() {
            "AVG" => Ok(AllocateStrategy::Averagely),
            "AVG_BY_CIRCLE" => Ok(AllocateStrategy::AveragelyByCircle),
            other => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "allocateMessageQueueStrategy '{}' is not AVG or AVG_BY_CIRCLE",
                    other
                ),
            )),
        }
    }

    /// Java's name of the strategy.
    pub fn name(self) -> &'static str {
        match self {
            AllocateStrategy::Averagely => "AVG",
            AllocateStrategy::AveragelyByCircle => "AVG_BY_CIRCLE",
        }
    }

    /// The share of `own_id` among `consumer_ids` of `queues`. Both lists
    /// are sorted here (queues by topic, broker, id; ids as strings); an
    /// id not in the list gets nothing.
    pub fn allocate(
        self,
        own_id: &str,
        queues: &[MessageQueue],
        consumer_ids: &[String],
    ) -> Vec<MessageQueue> {
        let mut all: Vec<&MessageQueue> = queues.iter().collect();
        all.sort();
        all.dedup();
        let mut ids: Vec<&str> = consumer_ids.iter().map(String::as_str).collect();
        ids.sort_unstable();
        ids.dedup();
        let Some(index) = ids.iter().position(|id| *id == own_id) else {
            return Vec::new();
        };
        let (m, n) = (all.len(), ids.len());
        match self {
            AllocateStrategy::Averagely => {
                let rem = m % n;
                let avg = if m <= n {
                    1
                } else if rem > 0 && index < rem {
                    m / n + 1
                } else {
                    m / n
                };
                let start = if rem > 0 && index < rem {
                    index * avg
                } else {
                    index * avg + rem
                };
                let range = avg.min(m.saturating_sub(start));
                all.iter()
                    .skip(start)
                    .take(range)
                    .map(|q| (*q).clone())
                    .collect()
            }
            AllocateStrategy::AveragelyByCircle => all
                .iter()
                .enumerate()
                .filter(|(i, _)| i % n == index)
                .map(|(_, q)| (*q).clone())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queues(n: i32) -> Vec<MessageQueue> {
        (0..n)
            .map(|i| MessageQueue {
                topic: "T".into(),
                broker_name: "b".into(),
                queue_id: i,
            })
            .collect()
    }

    fn ids(v: &[usize]) -> Vec<i32> {
        v.iter().map(|i| *i as i32).collect()
    }

    fn share(s: AllocateStrategy, own: &str, m: i32, cids: &[&str]) -> Vec<i32> {
        let cids: Vec<String> = cids.iter().map(|c| c.to_string()).collect();
        s.allocate(own, &queues(m), &cids)
            .iter()
            .map(|q| q.queue_id)
            .collect()
    }

    #[test]
    fn averagely_matches_java_examples() {
        let s = AllocateStrategy::Averagely;
        let c = ["c0", "c1", "c2"];
        assert_eq!(share(s, "c0", 8, &c), ids(&[0, 1, 2]));
        assert_eq!(share(s, "c1", 8, &c), ids(&[3, 4, 5]));
        assert_eq!(share(s, "c2", 8, &c), ids(&[6, 7]));
        assert_eq!(share(s, "c0", 2, &c), ids(&[0]));
        assert_eq!(share(s, "c1", 2, &c), ids(&[1]));
        assert!(share(s, "c2", 2, &c).is_empty());
        assert!(share(s, "other", 8, &c).is_empty());
        // The order ids and queues come in does not matter.
        assert_eq!(share(s, "c1", 8, &["c2", "c1", "c0"]), ids(&[3, 4, 5]));
    }

    #[test]
    fn every_queue_is_taken_exactly_once() {
        for strategy in [
            AllocateStrategy::Averagely,
            AllocateStrategy::AveragelyByCircle,
        ] {
            for m in 0..13 {
                for n in 1..6 {
                    let cids: Vec<String> = (0..n).map(|i| format!("c{}", i)).collect();
                    let mut all: Vec<i32> = cids
                        .iter()
                        .flat_map(|c| strategy.allocate(c, &queues(m), &cids))
                        .map(|q| q.queue_id)
                        .collect();
                    all.sort();
                    assert_eq!(
                        all,
                        (0..m).collect::<Vec<_>>(),
                        "{:?} m={} n={}",
                        strategy,
                        m,
                        n
                    );
                }
            }
        }
    }

    #[test]
    fn circle_deals_round_robin() {
        let s = AllocateStrategy::AveragelyByCircle;
        assert_eq!(share(s, "c1", 8, &["c0", "c1", "c2"]), ids(&[1, 4, 7]));
        assert_eq!(AllocateStrategy::parse("AVG_BY_CIRCLE").unwrap(), s);
        assert!(AllocateStrategy::parse("HASH").is_err());
    }
}
