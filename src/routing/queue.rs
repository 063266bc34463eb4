//! From a topic's route to the queues a producer may write to, and the choice
//! of one of them (Java `MQClientInstance.topicRouteData2TopicPublishInfo`,
//! `TopicPublishInfo.selectOneMessageQueue`). Pure data: no sockets.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use crate::protocol::perm;
use crate::protocol::route::TopicRouteData;

/// A queue of a topic on a broker. Ordered as Java's `MessageQueue`
/// (topic, broker name, queue id), the order rebalancing sorts by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageQueue {
    /// Topic.
    pub topic: Arc<str>,
    /// Broker name.
    pub broker_name: Arc<str>,
    /// Queue id on that broker.
    pub queue_id: i32,
}

/// The readable queues of `topic` in `route`, sorted: for every broker
/// whose queue data has the read permission, queues `0..readQueueNums`
/// (Java `MQClientInstance.topicRouteData2TopicSubscribeInfo`).
pub fn readable_queues(topic: &str, route: &TopicRouteData) -> Vec<MessageQueue> {
    let topic: Arc<str> = Arc::from(topic);
    let mut out = Vec::new();
    for q in &route.queue_datas {
        if q.perm & perm::READ == 0 {
            continue;
        }
        let broker: Arc<str> = Arc::from(q.broker_name.as_str());
        for id in 0..q.read_queue_nums.max(0) {
            out.push(MessageQueue {
                topic: topic.clone(),
                broker_name: broker.clone(),
                queue_id: id,
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The writable queues of one topic and where their brokers are.
#[derive(Debug, Clone, Default)]
pub struct TopicPublishInfo {
    /// Writable queues, sorted by broker name, then queue id.
    pub queues: Vec<MessageQueue>,
    /// Broker name → master address, for every broker in the route.
    pub broker_addrs: HashMap<Arc<str>, Arc<str>>,
    /// Whether the queues come from `orderTopicConf`.
    pub order_topic: bool,
    /// Whether this is the auto-create template's route used for a topic the
    /// NameServer does not know yet.
    pub from_default_topic: bool,
    /// The distinct broker names of `queues`, in queue order.
    pub brokers: Vec<Arc<str>>,
}

impl TopicPublishInfo {
    /// Builds the publish info of `topic` from its route. With
    /// `default_queue_nums = Some(n)` the route is the template topic's
    /// (TBW102) and every broker's queue count is clamped to
    /// `min(n, readQueueNums)`, as Java does for auto-created topics.
    pub fn from_route(
        topic: &str,
        route: &TopicRouteData,
        default_queue_nums: Option<i32>,
    ) -> TopicPublishInfo {
        let topic: Arc<str> = Arc::from(topic);
        let mut broker_addrs = HashMap::default();
        for b in &route.broker_datas {
            if let Some(addr) = b.master_addr() {
                broker_addrs.insert(
                    Arc::<str>::from(b.broker_name.as_str()),
                    Arc::<str>::from(addr),
                );
            }
        }
        let mut queues = Vec::new();
        let conf = route.order_topic_conf.as_deref().unwrap_or("").trim();
        let order_topic = !conf.is_empty();
        if order_topic {
            for entry in conf.split(';') {
                if let Some((name, num)) = entry.split_once(':') {
                    let num: i32 = num.trim().parse().unwrap_or(0);
                    let name: Arc<str> = Arc::from(name.trim());
                    for queue_id in 0..num {
                        queues.push(MessageQueue {
                            topic: topic.clone(),
                            broker_name: name.clone(),
                            queue_id,
                        });
                    }
                }
            }
        } else {
            let mut datas = route.queue_datas.clone();
            datas.sort_unstable_by(|a, b| a.broker_name.cmp(&b.broker_name));
            for q in datas {
                if q.perm & perm::WRITE == 0 {
                    continue;
                }
                let Some((name, _)) = broker_addrs.get_key_value(q.broker_name.as_str()) else {
                    continue; // no master: not writable
                };
                let name = name.clone();
                let mut n = q.write_queue_nums;
                if let Some(d) = default_queue_nums {
                    n = n.min(d).min(q.read_queue_nums);
                }
                for queue_id in 0..n.max(0) {
                    queues.push(MessageQueue {
                        topic: topic.clone(),
                        broker_name: name.clone(),
                        queue_id,
                    });
                }
            }
        }
        let mut brokers: Vec<Arc<str>> = Vec::new();
        for q in &queues {
            if !brokers.contains(&q.broker_name) {
                brokers.push(q.broker_name.clone());
            }
        }
        TopicPublishInfo {
            queues,
            broker_addrs,
            order_topic,
            from_default_topic: default_queue_nums.is_some(),
            brokers,
        }
    }

    /// Whether there is at least one writable queue.
    pub fn is_usable(&self) -> bool {
        !self.queues.is_empty()
    }

    /// Round robin from `*index` (advanced by this call). Preference order:
    /// a queue whose broker is not `avoid_broker` (the broker the previous
    /// attempt failed on) and passes `usable` (the fault table); else a queue
    /// of `fallback` (the least-bad broker); else any queue not on
    /// `avoid_broker`; else any queue. `None` only if there are no queues.
    pub fn select_queue(
        &self,
        index: &mut u32,
        avoid_broker: Option<&str>,
        usable: impl Fn(&str) -> bool,
        fallback: Option<&str>,
    ) -> Option<&MessageQueue> {
        let n = self.queues.len();
        if n == 0 {
            return None;
        }
        let pass = |filter: &dyn Fn(&MessageQueue) -> bool, index: &mut u32| {
            for _ in 0..n {
                *index = index.wrapping_add(1) & 0x7FFF_FFFF;
                let q = &self.queues[*index as usize % n];
                if filter(q) {
                    return Some(q);
                }
            }
            None
        };
        let not_avoided = |q: &MessageQueue| avoid_broker != Some(&*q.broker_name);
        pass(&|q| not_avoided(q) && usable(&q.broker_name), index)
            .or_else(|| fallback.and_then(|f| pass(&|q| &*q.broker_name == f, index)))
            .or_else(|| pass(&not_avoided, index))
            .or_else(|| {
                *index = index.wrapping_add(1) & 0x7FFF_FFFF;
                Some(&self.queues[*index as usize % n])
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::route::{BrokerData, QueueData};

    fn route() -> TopicRouteData {
        let qd = |name: &str, n, perm| QueueData {
            broker_name: name.into(),
            read_queue_nums: n,
            write_queue_nums: n,
            perm,
            topic_sys_flag: 0,
        };
        let bd = |name: &str, addrs: &[(i64, &str)]| BrokerData {
            cluster: None,
            broker_name: name.into(),
            broker_addrs: addrs.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        };
        TopicRouteData {
            order_topic_conf: None,
            queue_datas: vec![
                qd("broker-b", 2, 6),
                qd("broker-a", 8, 7),
                qd("broker-r", 4, 4), // read-only
                qd("broker-s", 4, 6), // slave only
            ],
            broker_datas: vec![
                bd("broker-a", &[(0, "a:1"), (1, "a:2")]),
                bd("broker-b", &[(0, "b:1")]),
                bd("broker-r", &[(0, "r:1")]),
                bd("broker-s", &[(1, "s:1")]),
            ],
        }
    }

    #[test]
    fn writable_master_queues_sorted() {
        let info = TopicPublishInfo::from_route("T", &route(), None);
        let names: Vec<_> = info
            .queues
            .iter()
            .map(|q| format!("{}:{}", q.broker_name, q.queue_id))
            .collect();
        assert_eq!(names.len(), 10);
        assert_eq!(names[0], "broker-a:0");
        assert_eq!(names[7], "broker-a:7");
        assert_eq!(names[8], "broker-b:0");
        assert_eq!(&**info.broker_addrs.get("broker-a").unwrap(), "a:1");
        assert!(!info.broker_addrs.contains_key("broker-s"));
    }

    #[test]
    fn default_topic_route_is_clamped() {
        let info = TopicPublishInfo::from_route("NEW", &route(), Some(4));
        assert_eq!(info.queues.len(), 6); // a: min(8,4)=4, b: 2
        assert!(info.from_default_topic);
        assert_eq!(&*info.queues[0].topic, "NEW");
    }

    #[test]
    fn order_topic_conf_wins() {
        let mut r = route();
        r.order_topic_conf = Some("broker-b:3;broker-a:1".into());
        let info = TopicPublishInfo::from_route("T", &r, None);
        assert_eq!(info.queues.len(), 4);
        assert!(info.order_topic);
    }

    #[test]
    fn round_robin_avoids_failed_broker() {
        let info = TopicPublishInfo::from_route("T", &route(), None);
        let mut i = 0u32;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10 {
            seen.insert(
                info.select_queue(&mut i, None, |_| true, None)
                    .unwrap()
                    .clone(),
            );
        }
        assert_eq!(seen.len(), 10);
        for _ in 0..20 {
            let q = info
                .select_queue(&mut i, Some("broker-a"), |_| true, None)
                .unwrap();
            assert_eq!(&*q.broker_name, "broker-b");
        }
        for _ in 0..20 {
            let q = info
                .select_queue(&mut i, None, |b| b != "broker-b", None)
                .unwrap();
            assert_eq!(&*q.broker_name, "broker-a");
        }
        // Everything avoided: still answers.
        assert!(info
            .select_queue(&mut i, Some("broker-a"), |_| false, None)
            .is_some());
        assert!(TopicPublishInfo::default()
            .select_queue(&mut i, None, |_| true, None)
            .is_none());
    }
}
