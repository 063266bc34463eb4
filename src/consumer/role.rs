//! The consumer as a role on the client engine (Java
//! `MQClientInstance.registerConsumer` with `DefaultLitePullConsumerImpl`
//! and `DefaultMQPullConsumerImpl`): its subscriptions or assigned queues,
//! its owned queues with their prefetching pulls, start offsets and
//! commits, the group's rebalance, one-shot broker calls for API threads,
//! and its share of heartbeats and unregistering. Runs on the I/O thread;
//! decoded messages go to the [`Handover`]. This file holds the state, the
//! commands and the engine's hooks; the work is in `prefetch` (owned
//! queues' requests), `ownership` (adding and dropping queues, rebalance),
//! `commits` and `calls` (one-shot calls, routes).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use mio::Token;
use rustc_hash::FxHashMap as HashMap;

use super::command::{shut_down, Answer, Call, ConsumerCommand};
use super::config::{ConsumerConfig, MessageModel};
use super::handover::Handover;
use super::process_queue::ProcessQueue;
use super::rebalance::Rebalance;
use super::subscription::Subscription;
use crate::client::requests::{Pending, Requests};
use crate::client::{Engine, Event, HeartbeatData, Role};
use crate::codec::{RemotingCommand, WriteFields};
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::heartbeat::ConsumerData;
use crate::protocol::message_ext::MessageExt;
use crate::protocol::{request_code, response_code};
use crate::routing::{readable_queues, MessageQueue};

/// Timeout of offset requests, ms (Java `RemoteBrokerOffsetStore`, 5 s).
pub(super) const OFFSET_TIMEOUT_MS: u64 = 5000;

/// The broker → client request codes a consumer answers (`broker_requests`).
const SERVED: [i32; 5] = [
    request_code::NOTIFY_CONSUMER_IDS_CHANGED,
    request_code::GET_CONSUMER_RUNNING_INFO,
    request_code::GET_CONSUMER_STATUS_FROM_CLIENT,
    request_code::RESET_CONSUMER_CLIENT_OFFSET,
    request_code::CONSUME_MESSAGE_DIRECTLY,
];

/// The step of a queue's start-offset lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StartStep {
    /// QUERY_CONSUMER_OFFSET.
    Query,
    /// GET_MAX_OFFSET (consume from last).
    Max,
    /// SEARCH_OFFSET_BY_TIMESTAMP (consume from timestamp).
    Search,
}

/// A request of the consumer in flight.
pub(super) enum Request {
    /// A prefetching pull of an owned queue.
    Prefetch { mq: MessageQueue, epoch: u64 },
    /// A step of an owned queue's start-offset lookup.
    Start {
        mq: MessageQueue,
        epoch: u64,
        step: StartStep,
    },
    /// GET_CONSUMER_LIST_BY_GROUP for a topic's rebalance, to `broker`.
    ConsumerList { topic: String, broker: Arc<str> },
    /// One UPDATE_CONSUMER_OFFSET of a sync commit: `offset` of `mq`.
    Commit {
        waiter: u64,
        mq: MessageQueue,
        offset: i64,
    },
    /// LOCK_BATCH_MQ for `mqs` (all of one broker).
    Lock { mqs: Vec<MessageQueue> },
    /// CONSUMER_SEND_MSG_BACK of a message the listener wants again.
    SendBack {
        mq: MessageQueue,
        epoch: u64,
        msg: Box<MessageExt>,
    },
    /// A one-shot call of an API thread.
    Call {
        mq: MessageQueue,
        call: Call,
        reply: Sender<Result<Answer>>,
    },
}

/// A sync commit waiting for its brokers.
pub(super) struct CommitWaiter {
    pub(super) remaining: usize,
    pub(super) error: Option<Error>,
    pub(super) reply: Sender<Result<()>>,
}

/// A call waiting for its topic's route (the broker's address).
pub(super) enum Parked {
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
    pub(super) config: Arc<ConsumerConfig>,
    pub(super) rx: Receiver<ConsumerCommand>,
    pub(super) handover: Arc<Handover>,
    /// Subscriptions by (wrapped) topic.
    pub(super) subscriptions: BTreeMap<String, Arc<Subscription>>,
    /// `*` subscriptions of assigned topics (built once per topic).
    pub(super) take_all: HashMap<String, Arc<Subscription>>,
    /// Assigned queues (assign mode: no rebalance), if any.
    pub(super) assigned: Option<Vec<MessageQueue>>,
    /// Readable queues of every topic whose route is known.
    pub(super) topic_queues: HashMap<String, Vec<MessageQueue>>,
    /// Owned queues.
    pub(super) queues: HashMap<MessageQueue, ProcessQueue>,
    /// The next queue generation (a re-added queue starts a new one).
    pub(super) next_epoch: u64,
    pub(super) requests: Requests<Request>,
    pub(super) commits: HashMap<u64, CommitWaiter>,
    pub(super) next_waiter: u64,
    /// Calls waiting for a route, by topic.
    pub(super) parked: Vec<(String, Parked)>,
    pub(super) rebalance: Rebalance,
    pub(super) next_auto_commit: Instant,
    /// The earliest `not_before` of an owned queue (None: none waits).
    pub(super) next_wake: Option<Instant>,
    /// A push consumer: messages are acknowledged by the listener's
    /// outcome (`acks`), not by being polled.
    pub(super) push: bool,
    /// Orderly push consumer: queues are consumed only while the broker's
    /// lock is held (`locks`).
    pub(super) orderly: bool,
    /// Orderly: when every owned queue's lock is renewed next.
    pub(super) next_lock_all: Instant,
    /// Push consumer: messages to consume again locally, when (their
    /// send-back failed; Java re-consumes them after 5 s).
    pub(super) local_retries: Vec<(Instant, MessageQueue, u64, MessageExt)>,
    /// A broadcasting consumer with `offsetStoreDir`: its offset file.
    pub(super) local: Option<LocalOffsets>,
}

/// A broadcasting consumer's offset file and what it holds.
pub(super) struct LocalOffsets {
    pub(super) path: std::path::PathBuf,
    pub(super) offsets: std::collections::BTreeMap<MessageQueue, i64>,
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
                .map(|s| (s.topic.clone(), Arc::new(s)))
                .collect(),
            take_all: HashMap::default(),
            assigned,
            topic_queues: HashMap::default(),
            queues: HashMap::default(),
            next_epoch: 1,
            requests: Requests::default(),
            commits: HashMap::default(),
            next_waiter: 1,
            parked: Vec::new(),
            next_wake: None,
            push: false,
            orderly: false,
            next_lock_all: now,
            local_retries: Vec::new(),
            local: None,
        }
    }

    /// The role of a push consumer (see [`ConsumerRole::new`]).
    pub(crate) fn new_push(
        config: Arc<ConsumerConfig>,
        rx: Receiver<ConsumerCommand>,
        handover: Arc<Handover>,
        subscriptions: Vec<Subscription>,
        orderly: bool,
    ) -> ConsumerRole {
        let clustering = config.message_model == MessageModel::Clustering;
        let mut role = ConsumerRole::new(config, rx, handover, subscriptions, None);
        role.push = true;
        // Broadcasting orderly consumers take no locks (Java).
        role.orderly = orderly && clustering;
        role
    }

    pub(super) fn delay(&self) -> Duration {
        Duration::from_millis(self.config.pull_time_delay_when_exception_ms)
    }

    /// The subscription a queue is pulled with: its topic's, else `*`.
    pub(super) fn subscription_of(&mut self, topic: &str) -> Arc<Subscription> {
        if let Some(s) = self.subscriptions.get(topic) {
            return s.clone();
        }
        if let Some(s) = self.take_all.get(topic) {
            return s.clone();
        }
        let all =
            Subscription::new(topic, "*", 0).unwrap_or_else(|_| unreachable!("* always parses"));
        let all = Arc::new(all);
        self.take_all.insert(topic.to_string(), all.clone());
        all
    }

    fn handle(&mut self, engine: &mut Engine, cmd: ConsumerCommand) {
        let shut = shut_down;
        match cmd {
            ConsumerCommand::Subscribe(sub) => {
                let topic = sub.topic.clone();
                self.subscriptions.insert(topic.clone(), Arc::new(sub));
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
                // Every queue that waited for room is checked below (or by
                // its timer); one still over its limits sets this again.
                self.handover.set_room_wanted(false);
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
            ConsumerCommand::Consumed(c) => self.on_consumed(engine, c),
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
            ConsumerCommand::Directly {
                token,
                opaque,
                body,
            } => {
                let code = response_code::SUCCESS;
                engine.respond_with_body(token, code, opaque, None, &body);
            }
        }
    }

    /// The master address of `mq`'s broker and a connection to it.
    pub(super) fn broker(&self, engine: &mut Engine, mq: &MessageQueue) -> Result<Token> {
        let Some(addr) = engine.routes.broker_addr(&mq.broker_name).cloned() else {
            return Err(Error::new(
                ErrorKind::NoRoute,
                format!("no address for broker {}", mq.broker_name),
            ));
        };
        engine.connection(&addr, true)
    }

    /// Writes a request to `mq`'s broker and tracks it; a request that
    /// cannot be written fails at once, through [`on_done`](Self::on_done)
    /// like any other failure.
    pub(super) fn send<F: WriteFields + ?Sized>(
        &mut self,
        engine: &mut Engine,
        mq: &MessageQueue,
        code: i32,
        fields: &F,
        timeout_ms: u64,
        kind: Request,
    ) {
        self.send_request(engine, mq, code, fields, b"", timeout_ms, kind)
    }

    /// [`send`](Self::send) of a request with a body and no header fields.
    pub(super) fn send_with_body(
        &mut self,
        engine: &mut Engine,
        mq: &MessageQueue,
        code: i32,
        body: &[u8],
        timeout_ms: u64,
        kind: Request,
    ) {
        let none: &[(&str, &str)] = &[];
        self.send_request(engine, mq, code, none, body, timeout_ms, kind)
    }

    #[allow(clippy::too_many_arguments)]
    fn send_request<F: WriteFields + ?Sized>(
        &mut self,
        engine: &mut Engine,
        mq: &MessageQueue,
        code: i32,
        fields: &F,
        body: &[u8],
        timeout_ms: u64,
        kind: Request,
    ) {
        let token = match self.broker(engine, mq) {
            Ok(t) => t,
            Err(e) => return self.on_done(engine, kind, Err(e)),
        };
        let opaque = engine.next_opaque();
        if !engine.write_request(token, code, opaque, 0, None, body, fields) {
            let e = Error::new(ErrorKind::Network, "connection closed");
            return self.on_done(engine, kind, Err(e));
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
    }

    /// A request's outcome (a response, or the failure of its connection or
    /// deadline).
    pub(super) fn on_done(
        &mut self,
        engine: &mut Engine,
        kind: Request,
        outcome: Result<&RemotingCommand>,
    ) {
        match kind {
            Request::Prefetch { mq, epoch } => self.on_prefetch(engine, mq, epoch, outcome),
            Request::Start { mq, epoch, step } => self.on_start(engine, mq, epoch, step, outcome),
            Request::ConsumerList { topic, broker } => {
                let ids = outcome.and_then(|r| super::rebalance::consumer_ids(r, &broker));
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
            Request::Commit { waiter, mq, offset } => {
                let error = match outcome {
                    Ok(r) if r.code == response_code::SUCCESS => None,
                    Ok(r) => Some(crate::protocol::broker_error(
                        r.code,
                        r.remark_str(),
                        &mq.broker_name,
                    )),
                    Err(e) => Some(e),
                };
                if error.is_none() {
                    if let Some(pq) = self.queues.get_mut(&mq) {
                        pq.committed = Some(offset);
                    }
                }
                self.commit_done(waiter, error);
            }
            Request::Lock { mqs } => self.on_lock(engine, mqs, outcome),
            Request::SendBack { mq, epoch, msg } => {
                self.on_send_back(engine, mq, epoch, *msg, outcome)
            }
            Request::Call { mq, call, reply } => {
                let answer = outcome.and_then(|r| self.read_call(&mq, &call, r));
                let _ = reply.send(answer);
            }
        }
    }

    /// The heartbeat entry of this consumer.
    fn consumer_data(&self) -> ConsumerData {
        ConsumerData {
            consume_from_where: self.config.consume_from_where.name(),
            consume_type: if self.push {
                "CONSUME_PASSIVELY"
            } else {
                "CONSUME_ACTIVELY"
            },
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
        let shut = shut_down;
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
        if self.config.message_model == MessageModel::Broadcasting {
            if let Some(dir) = &self.config.offset_store_dir {
                let path = super::local_offsets::path(dir, &self.config.consumer_group);
                let offsets = super::local_offsets::load(&path).unwrap_or_else(|e| {
                    log::warn!("broadcasting offsets not loaded, starting afresh: {}", e);
                    Default::default()
                });
                self.local = Some(LocalOffsets { path, offsets });
            }
        }
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
            // Owned at once (seek and assignment work right after start);
            // their requests go out once the route names their broker.
            self.own_exactly(engine, &queues, None);
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
        SERVED.contains(&code)
    }

    fn on_request(&mut self, engine: &mut Engine, token: Token, frame: RemotingCommand) {
        self.on_broker_request(engine, token, frame);
    }

    fn on_event(&mut self, engine: &mut Engine, event: &Event) {
        match event {
            Event::ConnectionClosed(token, error) => self.fail_on(engine, *token, error),
            Event::RouteFound { topic, route, .. } => {
                let queues = readable_queues(topic, route);
                self.route_found(engine, topic, queues);
                // Queues that waited for their broker's address go now.
                let waiting: Vec<MessageQueue> = self
                    .queues
                    .iter()
                    .filter(|(q, pq)| *q.topic == **topic && !pq.busy && pq.not_before.is_some())
                    .map(|(q, _)| q.clone())
                    .collect();
                for mq in waiting {
                    if let Some(pq) = self.queues.get_mut(&mq) {
                        pq.not_before = None;
                    }
                    self.request_queue(engine, &mq);
                }
                if let Some(assigned) = self.assigned.clone() {
                    let mine: Vec<MessageQueue> = assigned
                        .into_iter()
                        .filter(|q| *q.topic == **topic)
                        .collect();
                    self.own_exactly(engine, &mine, Some(topic));
                }
            }
            Event::RouteFailed { topic, error } => {
                self.route_failed(topic, error);
                if self.assigned.is_none() && self.subscriptions.contains_key(topic) {
                    // A subscribed topic the NameServer does not know (yet:
                    // a producer's first send creates it): look again in
                    // 1 s, not at the next 20 s round.
                    self.rebalance.unbalanced(engine.now);
                }
            }
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
            self.next_auto_commit =
                now + Duration::from_millis(self.config.auto_commit_interval_ms);
            self.commit_all_oneway(engine);
        }
        // The due wake-up is taken first: what runs below may set the next
        // one (a later local retry, a paused queue) and must not lose it.
        let woke = self.next_wake.is_some_and(|w| w <= now);
        if woke {
            self.next_wake = None;
        }
        self.run_local_retries(now);
        self.renew_locks_if_due(engine, now);
        if woke {
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
        if self.orderly {
            next = next.min(self.next_lock_all);
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
        if self.orderly {
            self.unlock_all(engine);
        }
        self.handover.close();
    }

    fn fail_all(&mut self) {
        self.fail_calls();
    }

    fn finish(&mut self) {
        self.fail_calls();
        self.handover.close();
        let shut = shut_down;
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
