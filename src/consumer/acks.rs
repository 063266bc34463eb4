//! A push consumer's acknowledgements (Java
//! `ConsumeMessageConcurrentlyService.processConsumeResult`,
//! `DefaultMQPushConsumerImpl.sendMessageBack`, `resetRetryAndNamespace`):
//! what a listener call finished leaves the queue's in-flight set; what it
//! wants again goes back to its broker with CONSUMER_SEND_MSG_BACK (the
//! broker stores it in `%RETRY%<group>` with a delay, or in `%DLQ%<group>`
//! after `maxReconsumeTimes`), or, when that fails, is consumed again here
//! 5 s later. The commit offset is the smallest offset still in flight.

use std::time::{Duration, Instant};

use super::command::Consumed;
use super::config::MessageModel;
use super::handover::Batch;
use super::role::{ConsumerRole, Request, OFFSET_TIMEOUT_MS};
use crate::client::Engine;
use crate::codec::RemotingCommand;
use crate::error::Result;
use crate::protocol::message_ext::MessageExt;
use crate::protocol::{request_code, response_code};
use crate::routing::MessageQueue;

/// Pause before a message whose send-back failed is consumed again (Java 5 s).
const LOCAL_RETRY_DELAY: Duration = Duration::from_secs(5);

/// Property: the topic a retried message was first sent to.
const RETRY_TOPIC: &str = "RETRY_TOPIC";

impl ConsumerRole {
    /// Messages pulled from the retry topic get their original topic back
    /// (property `RETRY_TOPIC`, without the namespace).
    pub(super) fn restore_retry_topics(&self, msgs: &mut [MessageExt]) {
        let ns = self.config.client.namespace.as_deref();
        for m in msgs {
            if m.topic.starts_with("%RETRY%") {
                if let Some(t) = m.property(RETRY_TOPIC) {
                    m.topic = crate::namespace::unwrap(ns, t).into();
                }
            }
        }
    }

    /// A listener call finished.
    pub(super) fn on_consumed(&mut self, engine: &mut Engine, c: Consumed) {
        let Consumed { taken, done, later } = c;
        self.handover.set_room_wanted(false);
        let broadcasting = self.config.message_model == MessageModel::Broadcasting;
        let Some(pq) = self.queues.get_mut(&taken.mq) else {
            return; // dropped meanwhile: the new owner gets them again
        };
        if pq.epoch != taken.epoch {
            return;
        }
        pq.cached_count = pq.cached_count.saturating_sub(taken.count);
        pq.cached_bytes = pq.cached_bytes.saturating_sub(taken.bytes);
        for o in &done {
            pq.in_flight.remove(o);
        }
        if broadcasting {
            // Java drops failed messages of a broadcasting consumer.
            for m in &later {
                pq.in_flight.remove(&m.queue_offset);
                log::warn!(
                    "broadcasting consumer dropped message {} (the listener asked for a retry)",
                    m.msg_id()
                );
            }
        }
        pq.settle();
        if !broadcasting {
            for m in later {
                self.send_back(engine, &taken.mq, taken.epoch, m);
            }
        }
        self.request_queue(engine, &taken.mq);
    }

    /// CONSUMER_SEND_MSG_BACK of `msg` to the master of its queue's broker.
    fn send_back(&mut self, engine: &mut Engine, mq: &MessageQueue, epoch: u64, msg: MessageExt) {
        let ns = self.config.client.namespace.as_deref();
        let offset = msg.commit_log_offset.to_string();
        // Orderly: a message sent back has run out of attempts: straight
        // to the DLQ (-1), as the Java broker does for orderly groups.
        let delay = if self.orderly {
            "-1".to_string()
        } else {
            self.config.delay_level_when_next_consume.to_string()
        };
        let max = if self.orderly {
            self.config.max_reconsume_times_orderly()
        } else {
            self.config.max_reconsume_times()
        }
        .to_string();
        let origin_topic = crate::namespace::wrap(ns, &msg.topic);
        let origin_id = msg.msg_id().to_string();
        let group = self.config.consumer_group.clone();
        let fields: [(&str, &str); 8] = [
            ("offset", &offset),
            ("group", &group),
            ("delayLevel", &delay),
            ("originMsgId", &origin_id),
            ("originTopic", &origin_topic),
            ("unitMode", "false"),
            ("maxReconsumeTimes", &max),
            ("bname", &mq.broker_name),
        ];
        let kind = Request::SendBack {
            mq: mq.clone(),
            epoch,
            msg: Box::new(msg),
        };
        let code = request_code::CONSUMER_SEND_MSG_BACK;
        self.send(engine, mq, code, &fields[..], OFFSET_TIMEOUT_MS, kind);
    }

    /// A send-back's outcome: done (the broker has the retry), or the
    /// message is consumed again here later.
    pub(super) fn on_send_back(
        &mut self,
        engine: &mut Engine,
        mq: MessageQueue,
        epoch: u64,
        mut msg: MessageExt,
        outcome: Result<&RemotingCommand>,
    ) {
        let ok = matches!(outcome, Ok(r) if r.code == response_code::SUCCESS);
        let Some(pq) = self.queues.get_mut(&mq) else {
            return;
        };
        if pq.epoch != epoch {
            return;
        }
        if ok {
            pq.in_flight.remove(&msg.queue_offset);
            pq.settle();
            return;
        }
        let why = match outcome {
            Ok(r) => format!("{} ({})", r.code, r.remark_str()),
            Err(e) => e.to_string(),
        };
        log::warn!(
            "send-back of message {} failed ({}): consumed again in {:?}",
            msg.msg_id(),
            why,
            LOCAL_RETRY_DELAY
        );
        msg.reconsume_times = msg.reconsume_times.saturating_add(1);
        let at = engine.now + LOCAL_RETRY_DELAY;
        self.local_retries.push((at, mq, epoch, msg));
        self.wake_at(at);
    }

    /// Hands the local retries that are due to the listener again.
    pub(super) fn run_local_retries(&mut self, now: Instant) {
        if self.local_retries.is_empty() {
            return;
        }
        let (due, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.local_retries)
            .into_iter()
            .partition(|(at, ..)| *at <= now);
        self.local_retries = rest;
        if let Some(next) = self.local_retries.iter().map(|(at, ..)| *at).min() {
            self.wake_at(next);
        }
        for (_, mq, epoch, msg) in due {
            let Some(pq) = self.queues.get_mut(&mq) else {
                continue;
            };
            if pq.epoch != epoch {
                continue;
            }
            pq.cached_count += 1;
            pq.cached_bytes += msg.body.len();
            let next_offset = pq.next_offset;
            self.handover.push(Batch {
                mq,
                epoch,
                messages: std::iter::once(msg).collect(),
                next_offset,
            });
        }
    }
}
