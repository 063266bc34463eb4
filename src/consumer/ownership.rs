//! Which queues the consumer owns (Java
//! `RebalanceImpl.updateProcessQueueTableInRebalance`, `rebalanceByTopic`):
//! adding and dropping owned queues, and the group's rebalance per topic
//! (broadcasting owns every queue; clustering asks one broker for the
//! members and allocates).

use super::config::MessageModel;
use super::process_queue::ProcessQueue;
use super::role::{ConsumerRole, Request};
use crate::client::Engine;
use crate::protocol::request_code;
use crate::routing::MessageQueue;

impl ConsumerRole {
    /// Owns exactly `wanted` (of `topic` only, when given): drops the
    /// others (committing them first), adds the new ones.
    pub(super) fn own_exactly(
        &mut self,
        engine: &mut Engine,
        wanted: &[MessageQueue],
        topic: Option<&str>,
    ) {
        let gone: Vec<MessageQueue> = self
            .queues
            .keys()
            .filter(|q| topic.is_none_or(|t| *q.topic == *t) && !wanted.contains(q))
            .cloned()
            .collect();
        for mq in &gone {
            self.drop_queue(engine, mq);
        }
        let mut added = 0;
        for mq in wanted {
            if !self.queues.contains_key(mq) {
                let epoch = self.next_epoch;
                self.next_epoch += 1;
                self.queues.insert(mq.clone(), ProcessQueue::new(epoch));
                self.request_queue(engine, mq);
                added += 1;
            }
        }
        if added > 0 || !gone.is_empty() {
            log::info!(
                "consumer group {}: {} queues owned ({} added, {} dropped)",
                self.config.consumer_group,
                self.queues.len(),
                added,
                gone.len()
            );
        }
    }

    /// Stops owning `mq`: its polled offset is committed (oneway) first,
    /// its prefetched messages are dropped (Java
    /// `removeUnnecessaryMessageQueue`).
    pub(super) fn drop_queue(&mut self, engine: &mut Engine, mq: &MessageQueue) {
        if let Some(pq) = self.queues.remove(mq) {
            if let Some(offset) = pq.to_commit() {
                self.commit_oneway(engine, mq, offset);
            }
            self.handover.purge(mq);
            if self.orderly && pq.locked_at.is_some() {
                // After the commit, so that the next owner starts there.
                self.unlock(engine, std::slice::from_ref(mq));
            }
        }
    }

    /// Rebalances every subscribed topic (assign mode: nothing).
    pub(super) fn rebalance_all(&mut self, engine: &mut Engine) {
        if self.assigned.is_some() {
            return;
        }
        let topics: Vec<String> = self.subscriptions.keys().cloned().collect();
        for topic in topics {
            if self.topic_queues.contains_key(&topic) {
                self.rebalance_topic(engine, &topic);
            } else {
                engine.lookup_route(&topic, None);
            }
        }
    }

    /// One topic's rebalance: broadcasting owns every queue; clustering
    /// asks one broker of the topic for the group's members first.
    pub(super) fn rebalance_topic(&mut self, engine: &mut Engine, topic: &str) {
        if self.assigned.is_some() || engine.shutting_down() {
            return;
        }
        let Some(all) = self.topic_queues.get(topic).cloned() else {
            return;
        };
        if self.config.message_model == MessageModel::Broadcasting {
            return self.own_exactly(engine, &all, Some(topic));
        }
        if self.rebalance.in_flight.contains(topic) {
            return;
        }
        let Some(mq) = self.rebalance.pick_broker(&all) else {
            // No readable queue: own nothing of it.
            return self.own_exactly(engine, &[], Some(topic));
        };
        let group = self.config.consumer_group.clone();
        let kind = Request::ConsumerList {
            topic: topic.to_string(),
            broker: mq.broker_name.clone(),
        };
        let timeout = engine.config.mq_client_api_timeout_ms;
        let code = request_code::GET_CONSUMER_LIST_BY_GROUP;
        // Marked before sending: a send that fails at once ends it again.
        self.rebalance.in_flight.insert(topic.to_string());
        self.send(
            engine,
            &mq,
            code,
            &[("consumerGroup", group.as_str())][..],
            timeout,
            kind,
        );
    }

    pub(super) fn apply_allocation(&mut self, engine: &mut Engine, topic: &str, ids: &[String]) {
        if self.assigned.is_some() || !self.subscriptions.contains_key(topic) {
            return;
        }
        let Some(all) = self.topic_queues.get(topic).cloned() else {
            return;
        };
        if !ids.contains(&engine.client_id) {
            // The broker does not list this client yet (its heartbeat is
            // on its way): try again soon, keep what is owned meanwhile.
            self.rebalance.unbalanced(engine.now);
            return;
        }
        let mine = self
            .config
            .allocate_strategy
            .allocate(&engine.client_id, &all, ids);
        self.own_exactly(engine, &mine, Some(topic));
    }
}
