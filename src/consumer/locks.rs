//! An orderly push consumer's queue locks on the brokers (Java
//! `RebalanceImpl.lock/lockAll/unlock`, `LockBatchRequestBody`): a queue is
//! pulled and consumed only while this client holds its lock. A new queue
//! is locked before its start offset is read; every owned queue's lock is
//! renewed every 20 s; a lock not renewed for 30 s counts as lost (the
//! broker keeps it 60 s); a queue that leaves is unlocked (oneway) after
//! its offset is committed, and all are at shutdown. A queue whose lock is
//! lost stops: what was prefetched is dropped and it starts again from
//! its first unfinished message once it is locked again.

use std::time::{Duration, Instant};

use super::role::{ConsumerRole, Request, OFFSET_TIMEOUT_MS};
use crate::client::Engine;
use crate::codec::RemotingCommand;
use crate::error::Result;
use crate::protocol::{request_code, response_code};
use crate::routing::MessageQueue;

/// Renewal period of every lock (Java `rocketmq.client.rebalance.lockInterval`).
const LOCK_INTERVAL: Duration = Duration::from_secs(20);
/// A lock not renewed for this long is no longer trusted (Java
/// `rocketmq.client.rebalance.lockMaxLiveTime`).
const LOCK_MAX_LIVE: Duration = Duration::from_secs(30);

#[derive(serde::Serialize, serde::Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Queue {
    broker_name: String,
    queue_id: i32,
    topic: String,
}

impl From<&MessageQueue> for Queue {
    fn from(q: &MessageQueue) -> Queue {
        Queue {
            broker_name: q.broker_name.to_string(),
            queue_id: q.queue_id,
            topic: q.topic.to_string(),
        }
    }
}

/// The LOCK_BATCH_MQ / UNLOCK_BATCH_MQ body (every field: the Rust broker
/// requires `onlyThisBroker`).
fn body(group: &str, client_id: &str, mqs: &[MessageQueue]) -> Vec<u8> {
    let v = serde_json::json!({
        "clientId": client_id,
        "consumerGroup": group,
        "mqSet": mqs.iter().map(Queue::from).collect::<Vec<_>>(),
        "onlyThisBroker": false,
    });
    serde_json::to_vec(&v).unwrap_or_default()
}

/// The queues of a lock answer (`lockOKMQSet`); empty when it does not parse.
fn locked(resp: &RemotingCommand) -> Vec<MessageQueue> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        #[serde(default, rename = "lockOKMQSet")]
        lock_ok_mq_set: Vec<Queue>,
    }
    serde_json::from_slice::<Answer>(&resp.body)
        .map(|a| {
            a.lock_ok_mq_set
                .into_iter()
                .map(|q| MessageQueue {
                    topic: q.topic.into(),
                    broker_name: q.broker_name.into(),
                    queue_id: q.queue_id,
                })
                .collect()
        })
        .unwrap_or_default()
}

impl ConsumerRole {
    /// Whether `mq`'s lock is held and fresh at `now` (always true for a
    /// consumer that is not orderly).
    pub(super) fn lock_held(&self, mq: &MessageQueue, now: Instant) -> bool {
        !self.orderly
            || self
                .queues
                .get(mq)
                .and_then(|pq| pq.locked_at)
                .is_some_and(|t| now.duration_since(t) < LOCK_MAX_LIVE)
    }

    /// Asks `mqs`' broker (the first's) for their locks.
    pub(super) fn send_lock(&mut self, engine: &mut Engine, mqs: Vec<MessageQueue>) {
        let Some(first) = mqs.first().cloned() else {
            return;
        };
        for mq in &mqs {
            if let Some(pq) = self.queues.get_mut(mq) {
                pq.locking = true;
            }
        }
        let body = body(&self.config.consumer_group, &engine.client_id, &mqs);
        let kind = Request::Lock { mqs };
        self.send_with_body(
            engine,
            &first,
            request_code::LOCK_BATCH_MQ,
            &body,
            OFFSET_TIMEOUT_MS,
            kind,
        );
    }

    /// A lock answer: the granted queues go on; the others are not held.
    pub(super) fn on_lock(
        &mut self,
        engine: &mut Engine,
        mqs: Vec<MessageQueue>,
        outcome: Result<&RemotingCommand>,
    ) {
        // Only an answer that leaves a queue out takes its lock away; a
        // failed request (timeout, network, an error code) keeps what is
        // held until it expires (Java keeps it for lockMaxLiveTime).
        let answered = matches!(outcome, Ok(r) if r.code == response_code::SUCCESS);
        let granted = match outcome {
            Ok(r) if answered => locked(r),
            _ => Vec::new(),
        };
        let now = engine.now;
        for mq in mqs {
            let Some(pq) = self.queues.get_mut(&mq) else {
                continue;
            };
            pq.locking = false;
            if !answered {
                if pq.locked_at.is_none() {
                    self.retry_later(engine, &mq, self.delay());
                }
                continue;
            }
            if granted.contains(&mq) {
                pq.locked_at = Some(now);
                self.request_queue(engine, &mq);
            } else {
                let was_held = pq.locked_at.take().is_some();
                if was_held {
                    // Lost: start again from the first unfinished message
                    // once locked again (another client may own it now).
                    log::warn!("lock of {}#{} lost", mq.topic, mq.queue_id);
                    let from = pq.consumed.unwrap_or(pq.next_offset);
                    pq.seek(from);
                    self.handover.purge(&mq);
                }
                self.retry_later(engine, &mq, self.delay());
            }
        }
    }

    /// Renews every lock when `LOCK_INTERVAL` has passed (orderly only).
    pub(super) fn renew_locks_if_due(&mut self, engine: &mut Engine, now: Instant) {
        if self.orderly && now >= self.next_lock_all {
            self.next_lock_all = now + LOCK_INTERVAL;
            self.lock_all(engine);
        }
    }

    /// Renews the locks of every owned queue, one request per broker.
    pub(super) fn lock_all(&mut self, engine: &mut Engine) {
        for mqs in self.owned_by_broker() {
            self.send_lock(engine, mqs);
        }
    }

    /// UNLOCK_BATCH_MQ (oneway) for `mqs`, all of one broker.
    pub(super) fn unlock(&mut self, engine: &mut Engine, mqs: &[MessageQueue]) {
        let Some(first) = mqs.first() else {
            return;
        };
        let Some(addr) = engine.routes.broker_addr(&first.broker_name).cloned() else {
            return;
        };
        let body = body(&self.config.consumer_group, &engine.client_id, mqs);
        if let Ok(token) = engine.connection(&addr, true) {
            let opaque = engine.next_opaque();
            let code = request_code::UNLOCK_BATCH_MQ;
            let oneway = crate::codec::FLAG_ONEWAY;
            engine.write_request(
                token,
                code,
                opaque,
                oneway,
                None,
                &body,
                &[] as &[(&str, &str)],
            );
        }
    }

    /// Unlocks every owned queue (shutdown).
    pub(super) fn unlock_all(&mut self, engine: &mut Engine) {
        for mqs in self.owned_by_broker() {
            self.unlock(engine, &mqs);
        }
    }

    fn owned_by_broker(&self) -> Vec<Vec<MessageQueue>> {
        let mut all: Vec<MessageQueue> = self.queues.keys().cloned().collect();
        all.sort_by(|a, b| a.broker_name.cmp(&b.broker_name).then(a.cmp(b)));
        let mut out: Vec<Vec<MessageQueue>> = Vec::new();
        for mq in all {
            match out.last_mut() {
                Some(v) if v[0].broker_name == mq.broker_name => v.push(mq),
                _ => out.push(vec![mq]),
            }
        }
        out
    }
}
