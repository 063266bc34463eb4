//! What an owned queue asks its broker for (Java
//! `DefaultLitePullConsumerImpl.PullTaskImpl`, `RebalancePushImpl.computePullFromWhere`):
//! first its start offset (QUERY_CONSUMER_OFFSET, and when the group has
//! none, GET_MAX_OFFSET / 0 / SEARCH_OFFSET_BY_TIMESTAMP by
//! consume-from-where), then prefetching pulls with long polling, within
//! the queue's limits; answers, failures and pauses.

use std::time::{Duration, Instant};

use super::config::{ConsumeFromWhere, MessageModel};
use super::handover::Batch;
use super::process_queue::Start;
use super::pull::{self, sys_flag, PullRequest};
use super::role::{ConsumerRole, Request, StartStep, OFFSET_TIMEOUT_MS};
use crate::client::Engine;
use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::pull::{offset_of, PullStatus};
use crate::protocol::{request_code, response_code};
use crate::routing::MessageQueue;

/// Pause after the broker's FLOW_CONTROL, ms (Java 20 ms).
const FLOW_CONTROL_DELAY_MS: u64 = 20;
/// Pause of a queue over its prefetch limits before it is checked again
/// (Java 50 ms; here the poll that frees room re-checks at once).
const FLOW_LIMIT_DELAY_MS: u64 = 50;

impl ConsumerRole {
    /// Sends what owned queue `mq` needs next, if it may: a start-offset
    /// lookup, or a prefetching pull.
    pub(super) fn request_queue(&mut self, engine: &mut Engine, mq: &MessageQueue) {
        if engine.shutting_down() {
            return;
        }
        let max_count = self.config.pull_threshold_for_queue as usize;
        let max_bytes = self.config.pull_threshold_size_for_queue();
        if self.orderly && !self.lock_held(mq, engine.now) {
            // Orderly: nothing of a queue before its lock is held.
            let locking = self.queues.get(mq).is_none_or(|pq| pq.locking || pq.busy);
            if !locking {
                self.send_lock(engine, vec![mq.clone()]);
            }
            return;
        }
        let stored = match (&self.local, self.queues.get(mq)) {
            (Some(local), Some(pq)) if pq.start == Start::Looking => local.offsets.get(mq).copied(),
            _ => None,
        };
        let Some(pq) = self.queues.get_mut(mq) else {
            return;
        };
        if let Some(offset) = stored {
            // A broadcasting member resumes from its own offset file.
            pq.ready_at(offset);
            pq.committed = Some(offset);
        }
        if let Some(at) = pq.not_before.filter(|t| *t > engine.now) {
            // Paused: its own timer brings it back.
            self.wake_at(at);
            return;
        }
        let over_span = self.push
            && !self.orderly
            && pq.start == Start::Ready
            && pq.span() > self.config.consume_concurrently_max_span;
        if over_span || !pq.may_request(engine.now, max_count, max_bytes) {
            if !pq.busy && pq.start == Start::Ready && pq.not_before.is_none() {
                // Over the limits: the poll that frees room wakes the loop;
                // this timer re-checks too.
                self.handover.set_room_wanted(true);
                self.wake_at(engine.now + Duration::from_millis(FLOW_LIMIT_DELAY_MS));
            }
            return;
        }
        pq.not_before = None;
        pq.busy = true;
        let (epoch, start, offset) = (pq.epoch, pq.start, pq.next_offset);
        if start == Start::Looking {
            self.send_start(engine, mq, epoch, self.first_step());
        } else {
            self.send_prefetch(engine, mq, epoch, offset);
        }
    }

    pub(super) fn first_step(&self) -> StartStep {
        if self.config.message_model == MessageModel::Broadcasting {
            // No broker offset store for broadcasting (Java keeps a local
            // file): start where consume-from-where says.
            self.consume_from_step()
        } else {
            StartStep::Query
        }
    }

    pub(super) fn consume_from_step(&self) -> StartStep {
        match self.config.consume_from_where {
            ConsumeFromWhere::LastOffset => StartStep::Max,
            ConsumeFromWhere::FirstOffset => StartStep::Query, // handled below
            ConsumeFromWhere::Timestamp => StartStep::Search,
        }
    }

    pub(super) fn send_start(
        &mut self,
        engine: &mut Engine,
        mq: &MessageQueue,
        epoch: u64,
        step: StartStep,
    ) {
        let queue_id = mq.queue_id.to_string();
        let group = self.config.consumer_group.clone();
        let ts;
        let (code, fields): (i32, Vec<(&str, &str)>) = match step {
            StartStep::Query => (
                request_code::QUERY_CONSUMER_OFFSET,
                vec![
                    ("consumerGroup", &group),
                    ("topic", &mq.topic),
                    ("queueId", &queue_id),
                ],
            ),
            StartStep::Max => (
                request_code::GET_MAX_OFFSET,
                vec![
                    ("topic", &mq.topic),
                    ("queueId", &queue_id),
                    ("committed", "true"),
                ],
            ),
            StartStep::Search => {
                ts = self.consume_timestamp().to_string();
                (
                    request_code::SEARCH_OFFSET_BY_TIMESTAMP,
                    vec![
                        ("topic", &mq.topic),
                        ("queueId", &queue_id),
                        ("timestamp", &ts),
                        ("boundaryType", "LOWER"),
                    ],
                )
            }
        };
        let kind = Request::Start {
            mq: mq.clone(),
            epoch,
            step,
        };
        self.send(engine, mq, code, &fields[..], OFFSET_TIMEOUT_MS, kind)
    }

    /// `consumeTimestamp`, or 30 minutes before start.
    pub(super) fn consume_timestamp(&self) -> i64 {
        self.config
            .consume_timestamp_ms
            .unwrap_or_else(|| self.rebalance.started_ms - 30 * 60 * 1000)
    }

    pub(super) fn send_prefetch(
        &mut self,
        engine: &mut Engine,
        mq: &MessageQueue,
        epoch: u64,
        offset: i64,
    ) {
        let sub = self.subscription_of(&mq.topic);
        let config = self.config.clone();
        let fields = PullRequest {
            group: &config.consumer_group,
            mq,
            subscription: &sub,
            offset,
            max_nums: config.pull_batch_size,
            sys_flag: sys_flag::SUSPEND | sys_flag::SUBSCRIPTION,
            suspend_ms: config.broker_suspend_max_time_ms,
            commit_offset: 0,
        };
        let timeout = config.consumer_timeout_when_suspend_ms;
        let kind = Request::Prefetch {
            mq: mq.clone(),
            epoch,
        };
        self.send(
            engine,
            mq,
            request_code::PULL_MESSAGE,
            &fields,
            timeout,
            kind,
        )
    }

    pub(super) fn retry_later(&mut self, engine: &Engine, mq: &MessageQueue, delay: Duration) {
        let at = engine.now + delay;
        if let Some(pq) = self.queues.get_mut(mq) {
            pq.busy = false;
            pq.not_before = Some(at);
            self.wake_at(at);
        }
    }

    pub(super) fn wake_at(&mut self, at: Instant) {
        self.next_wake = Some(self.next_wake.map_or(at, |w| w.min(at)));
    }

    pub(super) fn on_prefetch(
        &mut self,
        engine: &mut Engine,
        mq: MessageQueue,
        epoch: u64,
        outcome: Result<&RemotingCommand>,
    ) {
        if self.queues.get(&mq).is_none_or(|pq| pq.epoch != epoch) {
            return; // sought or dropped meanwhile: stale
        }
        let sub = self.subscription_of(&mq.topic);
        let namespace = self.config.client.namespace.as_deref();
        let read = outcome.and_then(|r| {
            pull::read_response(r, &mq, &sub, namespace).map(|res| (r.code, r.remark_str(), res))
        });
        let (code, remark, result) = match read {
            Ok(x) => x,
            Err(e) => {
                log::warn!("pull of {}#{} failed: {}", mq.topic, mq.queue_id, e);
                return self.retry_later(engine, &mq, self.delay());
            }
        };
        let Some(result) = result else {
            let delay = if code == response_code::FLOW_CONTROL {
                Duration::from_millis(FLOW_CONTROL_DELAY_MS)
            } else {
                log::warn!(
                    "pull of {}#{} answered {} ({}): {}",
                    mq.topic,
                    mq.queue_id,
                    code,
                    crate::protocol::response_code_name(code),
                    remark
                );
                self.delay()
            };
            return self.retry_later(engine, &mq, delay);
        };
        let Some(pq) = self.queues.get_mut(&mq) else {
            return;
        };
        pq.busy = false;
        if result.status == PullStatus::OffsetIllegal {
            log::warn!(
                "pull offset {} of {}#{} is illegal (queue {}..{}): going on at {}",
                pq.next_offset,
                mq.topic,
                mq.queue_id,
                result.min_offset,
                result.max_offset,
                result.next_begin_offset
            );
        }
        pq.next_offset = result.next_begin_offset;
        let mut result = result;
        if self.push {
            // Handed to the listener: in flight until it is done with them.
            pq.in_flight
                .extend(result.messages.iter().map(|m| m.queue_offset));
            pq.settle();
            self.restore_retry_topics(&mut result.messages);
        }
        let Some(pq) = self.queues.get_mut(&mq) else {
            return;
        };
        if result.messages.is_empty() {
            if pq.cached_count == 0 && !self.push {
                // Nothing waits to be polled: the scanned range is consumed
                // (Java `correctTagsOffset`).
                pq.consumed = Some(result.next_begin_offset);
            }
        } else {
            pq.cached_count += result.messages.len();
            pq.cached_bytes += result.messages.iter().map(|m| m.body.len()).sum::<usize>();
            self.handover.push(Batch {
                mq: mq.clone(),
                epoch,
                messages: result.messages.into(),
                next_offset: result.next_begin_offset,
            });
        }
        self.request_queue(engine, &mq);
    }

    pub(super) fn on_start(
        &mut self,
        engine: &mut Engine,
        mq: MessageQueue,
        epoch: u64,
        step: StartStep,
        outcome: Result<&RemotingCommand>,
    ) {
        if self.queues.get(&mq).is_none_or(|pq| pq.epoch != epoch) {
            return;
        }
        let found = match outcome {
            Ok(r) if r.code == response_code::SUCCESS => offset_of(r).ok_or_else(|| {
                Error::new(ErrorKind::Internal, "offset response without an offset")
            }),
            Ok(r) if r.code == response_code::QUERY_NOT_FOUND && step == StartStep::Query => Ok(-1),
            Ok(r) => Err(crate::protocol::broker_error(
                r.code,
                r.remark_str(),
                &mq.broker_name,
            )),
            Err(e) => Err(e),
        };
        let offset = match found {
            Ok(o) => o,
            Err(e) => {
                log::warn!(
                    "start offset of {}#{} not found: {}",
                    mq.topic,
                    mq.queue_id,
                    e
                );
                return self.retry_later(engine, &mq, self.delay());
            }
        };
        let first_for_broadcast =
            step == StartStep::Query && self.config.message_model == MessageModel::Broadcasting;
        let offset = if offset < 0 || first_for_broadcast {
            // No offset stored: consume-from-where decides (Java
            // `computePullFromWhereWithException`).
            let next = self.consume_from_step();
            let retry_topic = mq.topic.starts_with("%RETRY%");
            if self.config.consume_from_where == ConsumeFromWhere::FirstOffset || retry_topic {
                0
            } else {
                if let Some(pq) = self.queues.get_mut(&mq) {
                    pq.busy = true;
                }
                self.send_start(engine, &mq, epoch, next);
                return;
            }
        } else {
            offset
        };
        if let Some(pq) = self.queues.get_mut(&mq) {
            pq.busy = false;
            pq.ready_at(offset);
            // Stored as committed: a commit without polling sends nothing.
            pq.committed = Some(offset);
        }
        self.request_queue(engine, &mq);
    }
}
