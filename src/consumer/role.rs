//! The consumer as a role on the client engine (Java
//! `MQClientInstance.registerConsumer` with `DefaultLitePullConsumerImpl`
//! and `DefaultMQPullConsumerImpl`): its subscriptions or assigned queues,
//! its owned queues with their prefetching pulls, start offsets and
//! commits, the group's rebalance ([`super::rebalance`]), one-shot broker
//! calls for API threads, and its share of heartbeats and unregistering.
//! Runs on the I/O thread; decoded messages go to the [`Handover`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use mio::Token;
use rustc_hash::FxHashMap as HashMap;

use super::command::{Answer, Call, ConsumerCommand};
use super::config::{ConsumeFromWhere, ConsumerConfig, MessageModel};
use super::handover::{Batch, Handover};
use super::process_queue::{ProcessQueue, Start};
use super::pull::{self, sys_flag, PullRequest};
use super::rebalance::Rebalance;
use super::subscription::Subscription;
use crate::client::requests::{Pending, Requests};
use crate::client::{Engine, Event, HeartbeatData, Role};
use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::heartbeat::ConsumerData;
use crate::protocol::pull::{offset_of, PullStatus};
use crate::protocol::{request_code, response_code};
use crate::routing::{readable_queues, MessageQueue};

/// Timeout of offset requests, ms (Java `RemoteBrokerOffsetStore`, 5 s).
const OFFSET_TIMEOUT_MS: u64 = 5000;
/// Pause after the broker's FLOW_CONTROL, ms (Java 20 ms).
const FLOW_CONTROL_DELAY_MS: u64 = 20;
/// Pause of a queue over its prefetch limits before it is checked again
/// (Java 50 ms; here the poll that frees room re-checks at once).
const FLOW_LIMIT_DELAY_MS: u64 = 50;

/// The step of a queue's start-offset lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StartStep {
    /// QUERY_CONSUMER_OFFSET.
    Query,
    /// GET_MAX_OFFSET (consume from last).
    Max,
    /// SEARCH_OFFSET_BY_TIMESTAMP (consume from timestamp).
    Search,
}

/// A request of the consumer in flight.
enum Request {
    /// A prefetching pull of an owned queue.
    Prefetch { mq: MessageQueue, epoch: u64 },
    /// A step of an owned queue's start-offset lookup.
    Start {
        mq: MessageQueue,
        epoch: u64,
        step: StartStep,
    },
    /// GET_CONSUMER_LIST_BY_GROUP for a topic's rebalance.
    ConsumerList { topic: String },
    /// One UPDATE_CONSUMER_OFFSET of a sync commit.
    Commit { waiter: u64 },
    /// A one-shot call of an API thread.
    Call {
        mq: MessageQueue,
        call: Call,
        reply: Sender<Result<Answer>>,
    },
}

/// A sync commit waiting for its brokers.
struct CommitWaiter {
    remaining: usize,
    error: Option<Error>,
    reply: Sender<Result<()>>,
}

/// A call waiting for its topic's route (the broker's address).
enum Parked {
    Call {
        mq: MessageQueue,
        call: Call,
        reply: Sender<Result<Answer>>,
    },
    Queues {
        reply: Sender<Result<Vec<MessageQueue>>>,
    },
}

/// The consumer's state on the I/O thread.
pub(crate) struct ConsumerRole {
    config: Arc<ConsumerConfig>,
    rx: Receiver<ConsumerCommand>,
    handover: Arc<Handover>,
    /// Subscriptions by (wrapped) topic.
    subscriptions: BTreeMap<String, Subscription>,
    /// Assigned queues (assign mode: no rebalance), if any.
    assigned: Option<Vec<MessageQueue>>,
    /// Readable queues of every topic whose route is known.
    topic_queues: HashMap<String, Vec<MessageQueue>>,
    /// Owned queues.
    queues: HashMap<MessageQueue, ProcessQueue>,
    /// The next queue generation (a re-added queue starts a new one).
    next_epoch: u64,
    requests: Requests<Request>,
    commits: HashMap<u64, CommitWaiter>,
    next_waiter: u64,
    /// Calls waiting for a route, by topic.
    parked: Vec<(String, Parked)>,
    rebalance: Rebalance,
    next_auto_commit: Instant,
    /// The earliest `not_before` of an owned queue (None: none waits).
    next_wake: Option<Instant>,
}

impl ConsumerRole {
    /// The role for `config` (group and topics namespace-wrapped), reading
    /// commands from `rx` and handing messages to `handover`.
    pub(crate) fn new(
        config: Arc<ConsumerConfig>,
        rx: Receiver<ConsumerCommand>,
        handover: Arc<Handover>,
        subscriptions: Vec<Subscription>,
        assigned: Option<Vec<MessageQueue>>,
    ) -> ConsumerRole {
        let now = Instant::now();
        ConsumerRole {
            rebalance: Rebalance::new(&config, now),
            next_auto_commit: now + Duration::from_millis(config.auto_commit_interval_ms),
            config,
            rx,
            handover,
            subscriptions: subscriptions
                .into_iter()
                .map(|s| (s.topic.clone(), s))
                .collect(),
            assigned,
            topic_queues: HashMap::default(),
            queues: HashMap::default(),
            next_epoch: 1,
            requests: Requests::default(),
            commits: HashMap::default(),
            next_waiter: 1,
            parked: Vec::new(),
            next_wake: None,
        }
    }

    fn delay(&self) -> Duration {
        Duration::from_millis(self.config.pull_time_delay_when_exception_ms)
    }

    /// The subscription a queue is pulled with: its topic's, else `*`.
    fn subscription_of(&self, topic: &str) -> Subscription {
        self.subscriptions.get(topic).cloned().unwrap_or_else(|| {
            Subscription::new(topic, "*", 0).unwrap_or_else(|_| unreachable!("* always parses"))
        })
    }

    fn handle(&mut self, engine: &mut Engine, cmd: ConsumerCommand) {
        let shut = || Error::new(ErrorKind::Shutdown, "the consumer is shut down");
        match cmd {
            ConsumerCommand::Subscribe(sub) => {
                let topic = sub.topic.clone();
                self.subscriptions.insert(topic.clone(), sub);
                engine.lookup_route(&topic, None);
                engine.heartbeat_changed();
                self.rebalance.soon(engine.now);
            }
            ConsumerCommand::Unsubscribe(topic) => {
                self.subscriptions.remove(&topic);
                let gone: Vec<MessageQueue> = self
                    .queues
                    .keys()
                    .filter(|q| *q.topic == *topic)
                    .cloned()
                    .collect();
                for mq in gone {
                    self.drop_queue(engine, &mq);
                }
                engine.heartbeat_changed();
            }
            ConsumerCommand::Assign(queues) => {
                let mut topics: Vec<&str> = queues.iter().map(|q| &*q.topic).collect();
                topics.sort_unstable();
                topics.dedup();
                for t in topics {
                    engine.lookup_route(t, None);
                }
                self.own_exactly(engine, &queues, None);
                self.assigned = Some(queues);
            }
            ConsumerCommand::Polled(taken) => {
                for t in taken {
                    if let Some(pq) = self.queues.get_mut(&t.mq) {
                        if pq.epoch == t.epoch {
                            pq.cached_count = pq.cached_count.saturating_sub(t.count);
                            pq.cached_bytes = pq.cached_bytes.saturating_sub(t.bytes);
                            pq.consumed = Some(t.offset);
                            self.request_queue(engine, &t.mq);
                        }
                    }
                }
            }
            ConsumerCommand::Seek { mq, offset, reply } => {
                let outcome = match self.queues.get_mut(&mq) {
                    _ if engine.shutting_down() => Err(shut()),
                    Some(pq) => {
                        pq.seek(offset);
                        self.handover.purge(&mq);
                        self.request_queue(engine, &mq);
                        Ok(())
                    }
                    None => Err(Error::new(
                        ErrorKind::InvalidArgument,
                        format!(
                            "queue {}@{}#{} is not owned by this consumer",
                            mq.topic, mq.broker_name, mq.queue_id
                        ),
                    )),
                };
                let _ = reply.send(outcome);
            }
            ConsumerCommand::Commit { reply } => {
                if engine.shutting_down() {
                    let _ = reply.send(Err(shut()));
                } else {
                    self.commit_sync(engine, reply);
                }
            }
            ConsumerCommand::Call { mq, call, reply } => {
                if engine.shutting_down() {
                    let _ = reply.send(Err(shut()));
                } else {
                    self.call(engine, mq, call, reply);
                }
            }
            ConsumerCommand::Queues { topic, reply } => {
                if let Some(q) = self.topic_queues.get(&topic) {
                    let _ = reply.send(Ok(q.clone()));
                } else if engine.shutting_down() {
                    let _ = reply.send(Err(shut()));
                } else {
                    self.parked.push((topic.clone(), Parked::Queues { reply }));
                    engine.lookup_route(&topic, None);
                }
            }
            ConsumerCommand::Assignment { reply } => {
                let mut q: Vec<MessageQueue> = self.queues.keys().cloned().collect();
                q.sort();
                let _ = reply.send(q);
            }
        }
    }

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
    fn drop_queue(&mut self, engine: &mut Engine, mq: &MessageQueue) {
        if let Some(pq) = self.queues.remove(mq) {
            if let Some(offset) = pq.to_commit() {
                self.commit_oneway(engine, mq, offset);
            }
            self.handover.purge(mq);
        }
    }

    /// The master address of `mq`'s broker and a connection to it.
    fn broker(&self, engine: &mut Engine, mq: &MessageQueue) -> Result<Token> {
        let Some(addr) = engine.routes.broker_addr(&mq.broker_name).cloned() else {
            return Err(Error::new(
                ErrorKind::NoRoute,
                format!("no address for broker {}", mq.broker_name),
            ));
        };
        engine.connection(&addr, true)
    }

    /// Writes a request to `mq`'s broker and tracks it; Err if it could not
    /// be written (the caller handles the failure).
    fn send(
        &mut self,
        engine: &mut Engine,
        mq: &MessageQueue,
        code: i32,
        fields: &[(&str, &str)],
        timeout_ms: u64,
        kind: Request,
    ) -> std::result::Result<(), (Request, Error)> {
        let token = match self.broker(engine, mq) {
            Ok(t) => t,
            Err(e) => return Err((kind, e)),
        };
        let opaque = engine.next_opaque();
        if !engine.write_request(token, code, opaque, 0, None, b"", fields) {
            return Err((kind, Error::new(ErrorKind::Network, "connection closed")));
        }
        let deadline = engine.now + Duration::from_millis(timeout_ms);
        self.requests.insert(
            opaque,
            Pending {
                token,
                deadline,
                kind,
            },
        );
        Ok(())
    }

    /// Sends what owned queue `mq` needs next, if it may: a start-offset
    /// lookup, or a prefetching pull.
    fn request_queue(&mut self, engine: &mut Engine, mq: &MessageQueue) {
        if engine.shutting_down() {
            return;
        }
        let max_count = self.config.pull_threshold_for_queue as usize;
        let max_bytes = self.config.pull_threshold_size_for_queue();
        let Some(pq) = self.queues.get_mut(mq) else {
            return;
        };
        if let Some(at) = pq.not_before.filter(|t| *t > engine.now) {
            // Paused: its own timer brings it back.
            self.wake_at(at);
            return;
        }
        if !pq.may_request(engine.now, max_count, max_bytes) {
            if !pq.busy && pq.start == Start::Ready && pq.not_before.is_none() {
                // Over the limits: a poll re-checks; so does this timer.
                self.wake_at(engine.now + Duration::from_millis(FLOW_LIMIT_DELAY_MS));
            }
            return;
        }
        pq.not_before = None;
        pq.busy = true;
        let (epoch, start, offset) = (pq.epoch, pq.start, pq.next_offset);
        let outcome = if start == Start::Looking {
            self.send_start(engine, mq, epoch, self.first_step())
        } else {
            self.send_prefetch(engine, mq, epoch, offset)
        };
        if let Err((_, e)) = outcome {
            log::warn!(
                "consumer group {}: request for {}#{} not sent: {}",
                self.config.consumer_group,
                mq.topic,
                mq.queue_id,
                e
            );
            self.retry_later(engine, mq, self.delay());
        }
    }

    fn first_step(&self) -> StartStep {
        if self.config.message_model == MessageModel::Broadcasting {
            // No broker offset store for broadcasting (Java keeps a local
            // file): start where consume-from-where says.
            self.from_where_step()
        } else {
            StartStep::Query
        }
    }

    fn from_where_step(&self) -> StartStep {
        match self.config.consume_from_where {
            ConsumeFromWhere::LastOffset => StartStep::Max,
            ConsumeFromWhere::FirstOffset => StartStep::Query, // handled below
            ConsumeFromWhere::Timestamp => StartStep::Search,
        }
    }

    fn send_start(
        &mut self,
        engine: &mut Engine,
        mq: &MessageQueue,
        epoch: u64,
        step: StartStep,
    ) -> std::result::Result<(), (Request, Error)> {
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
        self.send(engine, mq, code, &fields, OFFSET_TIMEOUT_MS, kind)
    }

    /// `consumeTimestamp`, or 30 minutes before start.
    fn consume_timestamp(&self) -> i64 {
        self.config
            .consume_timestamp_ms
            .unwrap_or_else(|| self.rebalance.started_ms - 30 * 60 * 1000)
    }

    fn send_prefetch(
        &mut self,
        engine: &mut Engine,
        mq: &MessageQueue,
        epoch: u64,
        offset: i64,
    ) -> std::result::Result<(), (Request, Error)> {
        let sub = self.subscription_of(&mq.topic);
        let fields = PullRequest {
            group: &self.config.consumer_group,
            mq,
            subscription: &sub,
            offset,
            max_nums: self.config.pull_batch_size,
            sys_flag: sys_flag::SUSPEND | sys_flag::SUBSCRIPTION,
            suspend_ms: self.config.broker_suspend_max_time_ms,
            commit_offset: 0,
        }
        .fields();
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let timeout = self.config.consumer_timeout_when_suspend_ms;
        let kind = Request::Prefetch {
            mq: mq.clone(),
            epoch,
        };
        self.send(engine, mq, request_code::PULL_MESSAGE, &fields, timeout, kind)
    }

    fn retry_later(&mut self, engine: &Engine, mq: &MessageQueue, delay: Duration) {
        let at = engine.now + delay;
        if let Some(pq) = self.queues.get_mut(mq) {
            pq.busy = false;
            pq.not_before = Some(at);
            self.wake_at(at);
        }
    }

    fn wake_at(&mut self, at: Instant) {
        self.next_wake = Some(self.next_wake.map_or(at, |w| w.min(at)));
    }

    /// A request's outcome (a response, or the failure of its connection or
    /// deadline).
    fn on_done(&mut self, engine: &mut Engine, kind: Request, outcome: Result<&RemotingCommand>) {
        match kind {
            Request::Prefetch { mq, epoch } => self.on_prefetch(engine, mq, epoch, outcome),
            Request::Start { mq, epoch, step } => self.on_start(engine, mq, epoch, step, outcome),
            Request::ConsumerList { topic } => {
                let ids = outcome.and_then(|r| super::rebalance::consumer_ids(r));
                self.rebalance.in_flight.remove(&topic);
                match ids {
                    Ok(ids) => self.apply_allocation(engine, &topic, &ids),
                    Err(e) => {
                        // Usual before the broker has the first heartbeat:
                        // retried within a second.
                        log::info!(
                            "consumer group {}: no consumer list for {}: {}",
                            self.config.consumer_group,
                            topic,
                            e
                        );
                        self.rebalance.unbalanced(engine.now);
                    }
                }
            }
            Request::Commit { waiter } => {
                let error = match outcome {
                    Ok(r) if r.code == response_code::SUCCESS => None,
                    Ok(r) => Some(crate::protocol::broker_error(r.code, r.remark_str(), "broker")),
                    Err(e) => Some(e),
                };
                self.commit_done(waiter, error);
            }
            Request::Call { mq, call, reply } => {
                let answer = outcome.and_then(|r| self.read_call(&mq, &call, r));
                let _ = reply.send(answer);
            }
        }
    }

    fn on_prefetch(
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
        if result.messages.is_empty() {
            if pq.cached_count == 0 {
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

    fn on_start(
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
            Ok(r) if r.code == response_code::QUERY_NOT_FOUND && step == StartStep::Query => {
                Ok(-1)
            }
            Ok(r) => Err(crate::protocol::broker_error(
                r.code,
                r.remark_str(),
                "broker",
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
            let next = self.from_where_step();
            let retry_topic = mq.topic.starts_with("%RETRY%");
            if self.config.consume_from_where == ConsumeFromWhere::FirstOffset || retry_topic {
                0
            } else {
                if let Some(pq) = self.queues.get_mut(&mq) {
                    pq.busy = true;
                }
                if let Err((_, e)) = self.send_start(engine, &mq, epoch, next) {
                    log::warn!("start offset of {}#{}: {}", mq.topic, mq.queue_id, e);
                    self.retry_later(engine, &mq, self.delay());
                }
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

    fn read_call(&self, mq: &MessageQueue, call: &Call, r: &RemotingCommand) -> Result<Answer> {
        let addr = "broker";
        match call {
            Call::Pull { subscription, .. } => {
                let ns = self.config.client.namespace.as_deref();
                match pull::read_response(r, mq, subscription, ns)? {
                    Some(result) => Ok(Answer::Pull(result)),
                    None => Err(crate::protocol::broker_error(r.code, r.remark_str(), addr)),
                }
            }
            Call::Committed if r.code == response_code::QUERY_NOT_FOUND => Ok(Answer::Offset(-1)),
            Call::UpdateOffset(_) if r.code == response_code::SUCCESS => Ok(Answer::Done),
            _ if r.code == response_code::SUCCESS => offset_of(r)
                .map(Answer::Offset)
                .ok_or_else(|| Error::new(ErrorKind::Internal, "offset response without an offset")),
            _ => Err(crate::protocol::broker_error(r.code, r.remark_str(), addr)),
        }
    }

    /// Sends a one-shot call for an API thread (parked until `mq`'s route
    /// is known).
    fn call(
        &mut self,
        engine: &mut Engine,
        mq: MessageQueue,
        call: Call,
        reply: Sender<Result<Answer>>,
    ) {
        if engine.routes.broker_addr(&mq.broker_name).is_none() {
            let topic = mq.topic.to_string();
            self.parked.push((topic.clone(), Parked::Call { mq, call, reply }));
            engine.lookup_route(&topic, None);
            return;
        }
        let queue_id = mq.queue_id.to_string();
        let group = self.config.consumer_group.clone();
        let cfg = &self.config;
        let (code, fields, timeout): (i32, Vec<(&'static str, String)>, u64) = match &call {
            Call::Pull {
                subscription,
                offset,
                max_nums,
                block,
            } => {
                let mut flag = sys_flag::SUBSCRIPTION;
                let mut timeout = cfg.consumer_pull_timeout_ms;
                if *block {
                    flag |= sys_flag::SUSPEND;
                    timeout = cfg.consumer_timeout_when_suspend_ms;
                }
                let fields = PullRequest {
                    group: &group,
                    mq: &mq,
                    subscription,
                    offset: *offset,
                    max_nums: *max_nums,
                    sys_flag: flag,
                    suspend_ms: cfg.broker_suspend_max_time_ms,
                    commit_offset: 0,
                }
                .fields();
                (request_code::PULL_MESSAGE, fields, timeout)
            }
            Call::Committed => (
                request_code::QUERY_CONSUMER_OFFSET,
                vec![
                    ("consumerGroup", group),
                    ("topic", mq.topic.to_string()),
                    ("queueId", queue_id),
                ],
                OFFSET_TIMEOUT_MS,
            ),
            Call::UpdateOffset(offset) => (
                request_code::UPDATE_CONSUMER_OFFSET,
                vec![
                    ("consumerGroup", group),
                    ("topic", mq.topic.to_string()),
                    ("queueId", queue_id),
                    ("commitOffset", offset.to_string()),
                ],
                OFFSET_TIMEOUT_MS,
            ),
            Call::MaxOffset | Call::MinOffset => (
                if matches!(call, Call::MaxOffset) {
                    request_code::GET_MAX_OFFSET
                } else {
                    request_code::GET_MIN_OFFSET
                },
                vec![("topic", mq.topic.to_string()), ("queueId", queue_id)],
                OFFSET_TIMEOUT_MS,
            ),
            Call::SearchOffset(ts) => (
                request_code::SEARCH_OFFSET_BY_TIMESTAMP,
                vec![
                    ("topic", mq.topic.to_string()),
                    ("queueId", queue_id),
                    ("timestamp", ts.to_string()),
                    ("boundaryType", "LOWER".to_string()),
                ],
                OFFSET_TIMEOUT_MS,
            ),
        };
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let kind = Request::Call {
            mq: mq.clone(),
            call: call.clone(),
            reply,
        };
        if let Err((kind, e)) = self.send(engine, &mq, code, &fields, timeout, kind) {
            if let Request::Call { reply, .. } = kind {
                let _ = reply.send(Err(e));
            }
        }
    }

    fn commit_fields<'a>(
        group: &'a str,
        mq: &'a MessageQueue,
        queue_id: &'a str,
        offset: &'a str,
    ) -> [(&'a str, &'a str); 4] {
        [
            ("consumerGroup", group),
            ("topic", &mq.topic),
            ("queueId", queue_id),
            ("commitOffset", offset),
        ]
    }

    /// UPDATE_CONSUMER_OFFSET oneway (Java `updateConsumeOffsetToBroker(mq,
    /// offset, true)`); the offset counts as committed once written.
    fn commit_oneway(&mut self, engine: &mut Engine, mq: &MessageQueue, offset: i64) {
        if self.config.message_model == MessageModel::Broadcasting {
            return;
        }
        let Some(addr) = engine.routes.broker_addr(&mq.broker_name).cloned() else {
            return;
        };
        let (queue_id, off) = (mq.queue_id.to_string(), offset.to_string());
        let fields = Self::commit_fields(&self.config.consumer_group, mq, &queue_id, &off);
        match engine.send_oneway(&addr, request_code::UPDATE_CONSUMER_OFFSET, &fields, None) {
            Ok(()) => {
                if let Some(pq) = self.queues.get_mut(mq) {
                    pq.committed = Some(offset);
                }
            }
            Err(e) => log::warn!("offset commit of {}#{} not sent: {}", mq.topic, mq.queue_id, e),
        }
    }

    /// Commits every owned queue whose polled offset moved, oneway.
    fn commit_all_oneway(&mut self, engine: &mut Engine) {
        let due: Vec<(MessageQueue, i64)> = self
            .queues
            .iter()
            .filter_map(|(mq, pq)| pq.to_commit().map(|o| (mq.clone(), o)))
            .collect();
        for (mq, offset) in due {
            self.commit_oneway(engine, &mq, offset);
        }
    }

    /// A sync commit: UPDATE_CONSUMER_OFFSET with answers for every owned
    /// queue whose polled offset moved; `reply` gets the outcome once all
    /// are answered.
    fn commit_sync(&mut self, engine: &mut Engine, reply: Sender<Result<()>>) {
        let due: Vec<(MessageQueue, i64)> = self
            .queues
            .iter()
            .filter_map(|(mq, pq)| pq.to_commit().map(|o| (mq.clone(), o)))
            .collect();
        let waiter = self.next_waiter;
        self.next_waiter += 1;
        self.commits.insert(
            waiter,
            CommitWaiter {
                remaining: 1,
                error: None,
                reply,
            },
        );
        if self.config.message_model == MessageModel::Clustering {
            for (mq, offset) in due {
                let (queue_id, off) = (mq.queue_id.to_string(), offset.to_string());
                let group = self.config.clone();
                let fields = Self::commit_fields(&group.consumer_group, &mq, &queue_id, &off);
                let code = request_code::UPDATE_CONSUMER_OFFSET;
                let kind = Request::Commit { waiter };
                match self.send(engine, &mq, code, &fields, OFFSET_TIMEOUT_MS, kind) {
                    Ok(()) => {
                        if let Some(w) = self.commits.get_mut(&waiter) {
                            w.remaining += 1;
                        }
                        if let Some(pq) = self.queues.get_mut(&mq) {
                            pq.committed = Some(offset);
                        }
                    }
                    Err((_, e)) => {
                        if let Some(w) = self.commits.get_mut(&waiter) {
                            w.error.get_or_insert(e);
                        }
                    }
                }
            }
        }
        self.commit_done(waiter, None);
    }

    fn commit_done(&mut self, waiter: u64, error: Option<Error>) {
        let Some(w) = self.commits.get_mut(&waiter) else {
            return;
        };
        if let Some(e) = error {
            w.error.get_or_insert(e);
        }
        w.remaining -= 1;
        if w.remaining == 0 {
            if let Some(w) = self.commits.remove(&waiter) {
                let _ = w.reply.send(match w.error {
                    None => Ok(()),
                    Some(e) => Err(e.context("commit")),
                });
            }
        }
    }

    /// A topic's route arrived: its readable queues, the calls waiting for
    /// it, and a rebalance if its queues changed.
    fn route_found(&mut self, engine: &mut Engine, topic: &str, queues: Vec<MessageQueue>) {
        let changed = self.topic_queues.get(topic) != Some(&queues);
        self.topic_queues.insert(topic.to_string(), queues.clone());
        let parked: Vec<Parked> = {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.parked)
                .into_iter()
                .partition(|(t, _)| t == topic);
            self.parked = rest;
            mine.into_iter().map(|(_, p)| p).collect()
        };
        for p in parked {
            match p {
                Parked::Queues { reply } => {
                    let _ = reply.send(Ok(queues.clone()));
                }
                Parked::Call { mq, call, reply } => {
                    if engine.routes.broker_addr(&mq.broker_name).is_none() {
                        let _ = reply.send(Err(Error::new(
                            ErrorKind::NoRoute,
                            format!("broker {} is not in the route of {}", mq.broker_name, topic),
                        )));
                    } else {
                        self.call(engine, mq, call, reply);
                    }
                }
            }
        }
        if changed && self.subscriptions.contains_key(topic) {
            self.rebalance_topic(engine, topic);
        }
    }

    fn route_failed(&mut self, topic: &str, error: &Error) {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.parked)
            .into_iter()
            .partition(|(t, _)| t == topic);
        self.parked = rest;
        for (_, p) in mine {
            match p {
                Parked::Queues { reply } => {
                    let _ = reply.send(Err(error.clone()));
                }
                Parked::Call { reply, .. } => {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }

    /// Rebalances every subscribed topic (assign mode: nothing).
    fn rebalance_all(&mut self, engine: &mut Engine) {
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
    fn rebalance_topic(&mut self, engine: &mut Engine, topic: &str) {
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
        };
        let timeout = engine.config.mq_client_api_timeout_ms;
        let code = request_code::GET_CONSUMER_LIST_BY_GROUP;
        match self.send(engine, &mq, code, &[("consumerGroup", &group)], timeout, kind) {
            Ok(()) => {
                self.rebalance.in_flight.insert(topic.to_string());
            }
            Err((_, e)) => {
                log::warn!("rebalance of {}: {}", topic, e);
                self.rebalance.unbalanced(engine.now);
            }
        }
    }

    fn apply_allocation(&mut self, engine: &mut Engine, topic: &str, ids: &[String]) {
        if self.assigned.is_some() || !self.subscriptions.contains_key(topic) {
            return;
        }
        let Some(all) = self.topic_queues.get(topic).cloned() else {
            return;
        };
        if !ids.iter().any(|i| *i == engine.client_id) {
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

    /// The heartbeat entry of this consumer.
    fn consumer_data(&self) -> ConsumerData {
        ConsumerData {
            consume_from_where: self.config.consume_from_where.name(),
            consume_type: "CONSUME_ACTIVELY",
            group_name: self.config.consumer_group.clone(),
            message_model: self.config.message_model.name(),
            subscription_data_set: self.subscriptions.values().map(|s| s.to_data()).collect(),
            unit_mode: false,
        }
    }

    /// Every request of the consumer on `token` failed with `error`.
    fn fail_on(&mut self, engine: &mut Engine, token: Token, error: &Error) {
        for p in self.requests.take_on(token) {
            self.on_done(engine, p.kind, Err(error.clone()));
        }
    }

    /// Fails every API call and sync commit (shutdown).
    fn fail_calls(&mut self) {
        let shut = || Error::new(ErrorKind::Shutdown, "the consumer is shut down");
        for p in self.requests.drain() {
            if let Request::Call { reply, .. } = p.kind {
                let _ = reply.send(Err(shut()));
            }
        }
        for (_, w) in self.commits.drain() {
            let _ = w.reply.send(Err(shut()));
        }
        for (_, p) in std::mem::take(&mut self.parked) {
            match p {
                Parked::Call { reply, .. } => {
                    let _ = reply.send(Err(shut()));
                }
                Parked::Queues { reply } => {
                    let _ = reply.send(Err(shut()));
                }
            }
        }
    }
}

impl Role for ConsumerRole {
    fn start(&mut self, engine: &mut Engine) {
        self.rebalance.started_ms = engine.now_ms;
        let topics: Vec<String> = self.subscriptions.keys().cloned().collect();
        for topic in topics {
            engine.lookup_route(&topic, None);
        }
        if let Some(queues) = self.assigned.clone() {
            let mut topics: Vec<&str> = queues.iter().map(|q| &*q.topic).collect();
            topics.sort_unstable();
            topics.dedup();
            for t in topics {
                engine.lookup_route(t, None);
            }
            // Queues are added once their route (broker address) is known.
        }
    }

    fn heartbeat(&self, data: &mut HeartbeatData) {
        data.consumers.push(self.consumer_data());
    }

    fn unregister_fields(&self) -> Vec<(&'static str, String)> {
        vec![("consumerGroup", self.config.consumer_group.clone())]
    }

    fn has_commands(&self) -> bool {
        !self.rx.is_empty()
    }

    fn drain_commands(&mut self, engine: &mut Engine) {
        while let Ok(cmd) = self.rx.try_recv() {
            self.handle(engine, cmd);
        }
    }

    fn on_response(&mut self, engine: &mut Engine, _token: Token, frame: &RemotingCommand) -> bool {
        let Some(p) = self.requests.remove(frame.opaque) else {
            return false;
        };
        self.on_done(engine, p.kind, Ok(frame));
        true
    }

    fn serves(&self, code: i32) -> bool {
        code == request_code::NOTIFY_CONSUMER_IDS_CHANGED
    }

    fn on_request(&mut self, engine: &mut Engine, _token: Token, frame: RemotingCommand) {
        // NOTIFY_CONSUMER_IDS_CHANGED (oneway): a member joined or left;
        // rebalance now (coalesced with other notices of this turn).
        if frame.ext("consumerGroup") == Some(self.config.consumer_group.as_str()) {
            self.rebalance.soon(engine.now);
        }
    }

    fn on_event(&mut self, engine: &mut Engine, event: &Event) {
        match event {
            Event::ConnectionClosed(token, error) => self.fail_on(engine, *token, error),
            Event::RouteFound { topic, route, .. } => {
                let queues = readable_queues(topic, route);
                self.route_found(engine, topic, queues);
                if let Some(assigned) = self.assigned.clone() {
                    let mine: Vec<MessageQueue> = assigned
                        .into_iter()
                        .filter(|q| *q.topic == **topic)
                        .collect();
                    self.own_exactly(engine, &mine, Some(topic));
                }
            }
            Event::RouteFailed { topic, error } => self.route_failed(topic, error),
        }
    }

    fn on_written(&mut self, _token: Token, _written_total: u64) {}

    fn expire(&mut self, engine: &mut Engine, now: Instant) {
        while let Some(p) = self.requests.pop_expired(now) {
            let e = engine.request_timed_out(p.token);
            self.on_done(engine, p.kind, Err(e));
        }
        if engine.shutting_down() {
            return;
        }
        if self.rebalance.due(now) {
            self.rebalance_all(engine);
        }
        if self.config.auto_commit && now >= self.next_auto_commit {
            self.next_auto_commit = now + Duration::from_millis(self.config.auto_commit_interval_ms);
            self.commit_all_oneway(engine);
        }
        if self.next_wake.is_some_and(|w| w <= now) {
            self.next_wake = None;
            let waiting: Vec<MessageQueue> = self.queues.keys().cloned().collect();
            for mq in waiting {
                self.request_queue(engine, &mq);
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let mut next = self.rebalance.next();
        if let Some(d) = self.requests.next_deadline() {
            next = next.min(d);
        }
        if let Some(w) = self.next_wake {
            next = next.min(w);
        }
        if self.config.auto_commit {
            next = next.min(self.next_auto_commit);
        }
        Some(next)
    }

    fn end_turn(&mut self) {}

    fn uses_connection(&self, token: Token) -> bool {
        self.requests.uses(token)
    }

    fn in_flight(&self) -> bool {
        !self.commits.is_empty()
    }

    fn before_unregister(&mut self, engine: &mut Engine) {
        // Java: persist every offset before UNREGISTER_CLIENT.
        if self.config.auto_commit {
            self.commit_all_oneway(engine);
        }
        self.handover.close();
    }

    fn fail_all(&mut self) {
        self.fail_calls();
    }

    fn finish(&mut self) {
        self.fail_calls();
        self.handover.close();
        let shut = || Error::new(ErrorKind::Shutdown, "the consumer is shut down");
        while let Ok(cmd) = self.rx.try_recv() {
            match cmd {
                ConsumerCommand::Seek { reply, .. } | ConsumerCommand::Commit { reply } => {
                    let _ = reply.send(Err(shut()));
                }
                ConsumerCommand::Call { reply, .. } => {
                    let _ = reply.send(Err(shut()));
                }
                ConsumerCommand::Queues { reply, .. } => {
                    let _ = reply.send(Err(shut()));
                }
                ConsumerCommand::Assignment { reply } => {
                    let _ = reply.send(Vec::new());
                }
                _ => {}
            }
        }
    }
}
