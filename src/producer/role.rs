//! The producer as a role on the client engine (Java
//! `MQClientInstance.registerProducer`): its commands, its sends in flight
//! and parked ones, its per-topic publish info, the broker → client
//! requests it answers (CHECK_TRANSACTION_STATE, PUSH_REPLY_MESSAGE_TO_CLIENT)
//! and its share of heartbeats and unregistering. Runs on the I/O thread;
//! the send state machine itself is in [`super::dispatch`].

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use mio::Token;
use rustc_hash::FxHashMap as HashMap;

use super::config::ProducerConfig;
use super::request_reply::{self, ReplyCompletion};
use super::send::{self, SendJob};
use super::stats::{Snapshot, Stats};
use super::transaction::{self, TransactionChecker, TransactionState};
use crate::client::requests::Requests;
use crate::client::{Engine, Event, HeartbeatData, Role, RoleSender};
use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::header::SendHeaderConstants;
use crate::protocol::{message_ext, request_code, response_code};
use crate::routing::TopicPublishInfo;

/// Work for the producer role, from API threads (and from the callback
/// thread: transaction check answers).
pub(crate) enum ProducerCommand {
    /// Route, send and report a message. Carried by value all the way
    /// (the role keeps it inline among its pending sends): no allocation
    /// per send, and none freed on another thread.
    Send(SendJob),
    /// Answer with the topic's publish info (looked up if not cached).
    Route {
        topic: String,
        reply: Sender<Result<Arc<TopicPublishInfo>>>,
    },
    /// Wait for the reply with `correlation_id` until `deadline`.
    AwaitReply {
        correlation_id: String,
        deadline: Instant,
        completion: ReplyCompletion,
    },
    /// Stop waiting for a reply: its request failed with `error`.
    CancelReply {
        correlation_id: String,
        error: Error,
    },
    /// Answer with a statistics snapshot.
    Stats { reply: Sender<Snapshot> },
    /// Send END_TRANSACTION (oneway) to a broker, by name or address.
    EndTransaction {
        broker: BrokerTarget,
        fields: Vec<(&'static str, String)>,
        remark: Option<String>,
    },
}

/// Where an END_TRANSACTION goes.
pub(crate) enum BrokerTarget {
    /// The master of the named broker.
    Name(Arc<str>),
    /// A connection address (the one a check-back came on).
    Addr(String),
}

/// A send waiting for its response.
pub(crate) struct PendingSend {
    pub job: SendJob,
    /// The broker of the chosen queue.
    pub broker: Arc<str>,
    pub sent_at: Instant,
}

/// Per-topic publishing state.
#[derive(Default)]
pub(crate) struct TopicState {
    pub info: Option<Arc<TopicPublishInfo>>,
    /// Round-robin position.
    pub index: u32,
    /// Sends parked until the route is known.
    pub waiting: Vec<SendJob>,
    /// Callers waiting for the publish info itself (selectors, queue lists).
    pub route_waiters: Vec<Sender<Result<Arc<TopicPublishInfo>>>>,
}

/// The producer's state on the I/O thread.
pub(crate) struct ProducerRole {
    pub(super) config: Arc<ProducerConfig>,
    rx: Receiver<ProducerCommand>,
    /// For work that comes back from the callback thread (check answers);
    /// set in `start`, once the engine's waker exists.
    self_tx: Option<RoleSender<ProducerCommand>>,
    self_tx_raw: Sender<ProducerCommand>,
    checker: Option<TransactionChecker>,
    /// The send header fields that are the same for every send.
    pub(super) send_header_constants: SendHeaderConstants,
    pub(super) sends: Requests<PendingSend>,
    pub(super) topics: HashMap<String, TopicState>,
    pub(super) waiting_total: usize,
    /// Per connection: oneway sends whose bytes are not yet all written,
    /// with the byte position their frame ends at.
    pub(super) oneway_unsent: HashMap<Token, VecDeque<(u64, SendJob)>>,
    /// Requests waiting for their reply, by correlation id.
    replies: HashMap<String, (Instant, ReplyCompletion)>,
    pub(super) stats: Stats,
}

impl ProducerRole {
    /// The role for `config`, reading commands from `rx`; `tx` is the same
    /// channel's sending side (for check answers).
    pub(crate) fn new(
        config: Arc<ProducerConfig>,
        (tx, rx): (Sender<ProducerCommand>, Receiver<ProducerCommand>),
        checker: Option<TransactionChecker>,
    ) -> ProducerRole {
        ProducerRole {
            send_header_constants: SendHeaderConstants::new(
                &config.producer_group,
                &config.create_topic_key,
                config.default_topic_queue_nums,
            ),
            config,
            rx,
            self_tx: None,
            self_tx_raw: tx,
            checker,
            sends: Requests::default(),
            topics: HashMap::default(),
            waiting_total: 0,
            oneway_unsent: HashMap::default(),
            replies: HashMap::default(),
            stats: Stats::default(),
        }
    }

    fn handle(&mut self, engine: &mut Engine, cmd: ProducerCommand) {
        match cmd {
            ProducerCommand::Send(job) => {
                if engine.shutting_down() {
                    job.finish(Err(shut_down_error()));
                } else {
                    self.dispatch(engine, job);
                    if engine.conns.chunk_full() {
                        engine.flush();
                    }
                }
            }
            ProducerCommand::Route { topic, reply } => self.route_request(engine, topic, reply),
            ProducerCommand::AwaitReply {
                correlation_id,
                deadline,
                completion,
            } => {
                if engine.shutting_down() {
                    completion.complete(Err(shut_down_error()));
                } else {
                    self.replies.insert(correlation_id, (deadline, completion));
                }
            }
            ProducerCommand::CancelReply {
                correlation_id,
                error,
            } => {
                if let Some((_, c)) = self.replies.remove(&correlation_id) {
                    c.complete(Err(error));
                }
            }
            ProducerCommand::Stats { reply } => {
                let topics = self
                    .topics
                    .iter()
                    .filter_map(|(t, s)| {
                        s.info
                            .as_ref()
                            .map(|i| (t.clone(), i.queues.len(), i.brokers.clone()))
                    })
                    .collect();
                let snapshot = self.stats.snapshot(
                    &engine.client_id,
                    engine.routes.broker_table(),
                    &engine.fault,
                    topics,
                    Instant::now(),
                );
                let _ = reply.send(snapshot);
            }
            ProducerCommand::EndTransaction {
                broker,
                fields,
                remark,
            } => {
                let addr = match broker {
                    BrokerTarget::Addr(addr) => Some(addr),
                    BrokerTarget::Name(name) => {
                        engine.routes.broker_addr(&name).map(|a| a.to_string())
                    }
                };
                let Some(addr) = addr else {
                    log::warn!("END_TRANSACTION dropped: no address for its broker");
                    return;
                };
                let fields: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let code = request_code::END_TRANSACTION;
                if let Err(e) = engine.send_oneway(&addr, code, &fields, remark.as_deref()) {
                    log::warn!("END_TRANSACTION to {} dropped: {}", addr, e);
                }
            }
        }
    }

    /// Answers with `topic`'s publish info, looking it up first if needed.
    fn route_request(
        &mut self,
        engine: &mut Engine,
        topic: String,
        reply: Sender<Result<Arc<TopicPublishInfo>>>,
    ) {
        if engine.shutting_down() {
            let _ = reply.send(Err(shut_down_error()));
            return;
        }
        let state = self.topics.entry(topic.clone()).or_default();
        if let Some(info) = &state.info {
            let _ = reply.send(Ok(info.clone()));
            return;
        }
        state.route_waiters.push(reply);
        engine.lookup_route(&topic, Some(&self.config.create_topic_key));
    }

    /// A route came: new publish info, parked sends go out.
    fn route_found(
        &mut self,
        engine: &mut Engine,
        topic: &str,
        route: &crate::protocol::route::TopicRouteData,
        from_template: bool,
    ) {
        let Some(state) = self.topics.get(topic) else {
            return;
        };
        let nums = from_template.then_some(self.config.default_topic_queue_nums);
        let info = TopicPublishInfo::from_route(topic, route, nums);
        if !info.is_usable() {
            let e = Error::new(
                ErrorKind::NoRoute,
                format!("the route of topic {} has no writable master queue", topic),
            );
            return self.lookup_failed(topic, e);
        }
        let old_brokers: Vec<Arc<str>> = state
            .info
            .as_ref()
            .map(|i| i.brokers.clone())
            .unwrap_or_default();
        // A broker that joins (or comes back) starts with a clean fault
        // record; one that left is forgotten.
        for b in info.brokers.iter().filter(|b| !old_brokers.contains(b)) {
            engine.fault.remove(b);
        }
        for b in old_brokers.iter().filter(|b| !info.brokers.contains(b)) {
            engine.fault.remove(b);
            log::info!("broker {} left the route of {}", b, topic);
        }
        let Some(state) = self.topics.get_mut(topic) else {
            return;
        };
        let info = Arc::new(info);
        for w in state.route_waiters.drain(..) {
            let _ = w.send(Ok(info.clone()));
        }
        state.info = Some(info);
        let waiting = std::mem::take(&mut state.waiting);
        self.waiting_total -= waiting.len();
        for job in waiting {
            self.dispatch(engine, job);
        }
    }

    /// A lookup failed: cached publish info stays in use; parked sends fail.
    fn lookup_failed(&mut self, topic: &str, error: Error) {
        let Some(state) = self.topics.get_mut(topic) else {
            return;
        };
        for w in state.route_waiters.drain(..) {
            let _ = w.send(state.info.clone().ok_or_else(|| error.clone()));
        }
        let waiting = std::mem::take(&mut state.waiting);
        self.waiting_total -= waiting.len();
        for job in waiting {
            job.finish(Err(error.clone()));
        }
        if self.topics.get(topic).is_some_and(|s| s.info.is_none()) {
            self.topics.remove(topic);
        }
    }

    /// Completes the oneway sends of `token` whose bytes are all written.
    fn release_written_oneways(&mut self, token: Token, written: u64) {
        if let Some(queue) = self.oneway_unsent.get_mut(&token) {
            while queue.front().is_some_and(|(end, _)| *end <= written) {
                if let Some((_, job)) = queue.pop_front() {
                    job.completion.dismiss();
                }
            }
            if queue.is_empty() {
                self.oneway_unsent.remove(&token);
            }
        }
    }

    /// A broker asks for a transaction's state (CHECK_TRANSACTION_STATE):
    /// the checker runs on the callback thread and its answer goes back to
    /// that broker as a oneway END_TRANSACTION (Java
    /// `ClientRemotingProcessor.checkTransactionState`).
    fn check_transaction(&mut self, engine: &mut Engine, token: Token, frame: RemotingCommand) {
        let Some(addr) = engine.conns.addr(token).map(str::to_string) else {
            return;
        };
        let Some(checker) = &self.checker else {
            log::warn!("a broker asked for a transaction state, but no transaction checker is set");
            return;
        };
        let msg = match message_ext::decode_one(frame.body.clone()) {
            Ok(m) => m,
            Err(e) => {
                log::warn!("undecodable transaction check from {}: {}", addr, e);
                return;
            }
        };
        let Some(loop_tx) = self.self_tx.clone() else {
            return;
        };
        let checker = checker.clone();
        let group = self.config.producer_group.clone();
        engine.callbacks.run(Box::new(move || {
            let state = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| checker(&msg)))
                .unwrap_or(TransactionState::Unknown);
            let fields = transaction::end_fields_after_check(&group, &frame, &msg, state);
            let _ = loop_tx.send(ProducerCommand::EndTransaction {
                broker: BrokerTarget::Addr(addr),
                fields,
                remark: None,
            });
        }));
    }

    /// A reply pushed by a broker (Java `ClientRemotingProcessor.receiveReplyMessage`):
    /// completes the waiting request and answers the broker.
    fn receive_reply(&mut self, engine: &mut Engine, token: Token, frame: RemotingCommand) {
        let (code, remark) = match request_reply::decode_pushed_reply(&frame) {
            Ok(msg) => {
                let id = msg
                    .property(request_reply::CORRELATION_ID)
                    .unwrap_or("")
                    .to_string();
                match self.replies.remove(&id) {
                    Some((_, completion)) => completion.complete(Ok(msg)),
                    None => log::info!("reply {} has no waiting request (timed out?)", id),
                }
                (response_code::SUCCESS, None)
            }
            Err(e) => (
                response_code::SYSTEM_ERROR,
                Some(format!("process reply message fail: {}", e)),
            ),
        };
        engine.respond(token, code, frame.opaque, remark.as_deref());
    }

    fn fail_sends(&mut self) {
        for p in self.sends.drain() {
            p.kind.job.finish(Err(shut_down_error()));
        }
        for state in self.topics.values_mut() {
            for job in state.waiting.drain(..) {
                job.finish(Err(shut_down_error()));
            }
        }
        for (_, queue) in self.oneway_unsent.drain() {
            for (_, job) in queue {
                job.finish(Err(shut_down_error()));
            }
        }
        self.waiting_total = 0;
    }
}

impl Role for ProducerRole {
    fn start(&mut self, engine: &mut Engine) {
        send::batch_callbacks(engine.callbacks.clone());
        self.self_tx = Some(crate::client::RoleSender::new(
            self.self_tx_raw.clone(),
            engine.wakeup.clone(),
        ));
    }

    fn heartbeat(&self, data: &mut HeartbeatData) {
        data.producer_groups
            .push(self.config.producer_group.clone());
    }

    fn unregister_fields(&self) -> Vec<(&'static str, String)> {
        vec![("producerGroup", self.config.producer_group.clone())]
    }

    fn has_commands(&self) -> bool {
        !self.rx.is_empty()
    }

    fn drain_commands(&mut self, engine: &mut Engine) {
        while let Ok(cmd) = self.rx.try_recv() {
            self.handle(engine, cmd);
        }
    }

    fn on_response(&mut self, engine: &mut Engine, token: Token, frame: &RemotingCommand) -> bool {
        match self.sends.remove(frame.opaque) {
            Some(p) => {
                self.on_send_outcome(engine, token, p.kind, Ok(frame));
                true
            }
            None => false,
        }
    }

    fn serves(&self, code: i32) -> bool {
        code == request_code::CHECK_TRANSACTION_STATE
            || code == request_code::PUSH_REPLY_MESSAGE_TO_CLIENT
    }

    fn on_request(&mut self, engine: &mut Engine, token: Token, frame: RemotingCommand) {
        if frame.code == request_code::CHECK_TRANSACTION_STATE {
            self.check_transaction(engine, token, frame);
        } else {
            self.receive_reply(engine, token, frame);
        }
    }

    fn on_event(&mut self, engine: &mut Engine, event: &Event) {
        match event {
            Event::ConnectionClosed(token, error) => {
                for (_, job) in self.oneway_unsent.remove(token).unwrap_or_default() {
                    job.finish(Err(error.clone()));
                }
                for p in self.sends.take_on(*token) {
                    self.on_send_outcome(engine, p.token, p.kind, Err(error.clone()));
                }
            }
            Event::RouteFound {
                topic,
                route,
                from_template,
            } => self.route_found(engine, topic, route, *from_template),
            Event::RouteFailed { topic, error } => self.lookup_failed(topic, error.clone()),
        }
    }

    fn on_written(&mut self, token: Token, written_total: u64) {
        if !self.oneway_unsent.is_empty() {
            self.release_written_oneways(token, written_total);
        }
    }

    fn expire(&mut self, engine: &mut Engine, now: Instant) {
        while let Some(p) = self.sends.pop_expired(now) {
            let e = engine.request_timed_out(p.token);
            self.on_send_outcome(engine, p.token, p.kind, Err(e));
        }
        if !self.replies.is_empty() {
            let late: Vec<String> = self
                .replies
                .iter()
                .filter(|(_, (d, _))| *d <= now)
                .map(|(k, _)| k.clone())
                .collect();
            for id in late {
                if let Some((_, c)) = self.replies.remove(&id) {
                    c.complete(Err(Error::new(
                        ErrorKind::Timeout,
                        format!("no reply to request {} within its timeout", id),
                    )));
                }
            }
        }
        if self.waiting_total > 0 {
            let mut expired = Vec::new();
            for state in self.topics.values_mut() {
                let mut i = 0;
                while i < state.waiting.len() {
                    if state.waiting[i].deadline <= now {
                        expired.push(state.waiting.swap_remove(i));
                    } else {
                        i += 1;
                    }
                }
            }
            self.waiting_total -= expired.len();
            for job in expired {
                let e = job.timeout_error(self.config.send_msg_timeout_ms);
                job.finish(Err(e.context("waiting for the topic route")));
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let mut next = self.sends.next_deadline();
        let mut min = |d: Instant| next = Some(next.map_or(d, |n| n.min(d)));
        if self.waiting_total > 0 {
            for state in self.topics.values() {
                for job in &state.waiting {
                    min(job.deadline);
                }
            }
        }
        for (deadline, _) in self.replies.values() {
            min(*deadline);
        }
        next
    }

    fn end_turn(&mut self) {
        send::flush_callbacks();
    }

    fn uses_connection(&self, token: Token) -> bool {
        self.sends.uses(token) || self.oneway_unsent.contains_key(&token)
    }

    fn in_flight(&self) -> bool {
        self.waiting_total > 0 || !self.oneway_unsent.is_empty() || !self.sends.is_empty()
    }

    fn fail_all(&mut self) {
        self.fail_sends();
    }

    fn finish(&mut self) {
        self.fail_sends();
        for (_, (_, c)) in self.replies.drain() {
            c.complete(Err(shut_down_error()));
        }
        while let Ok(cmd) = self.rx.try_recv() {
            match cmd {
                ProducerCommand::Send(job) => job.finish(Err(shut_down_error())),
                ProducerCommand::Route { reply, .. } => {
                    let _ = reply.send(Err(shut_down_error()));
                }
                ProducerCommand::AwaitReply { completion, .. } => {
                    completion.complete(Err(shut_down_error()))
                }
                ProducerCommand::EndTransaction { .. }
                | ProducerCommand::Stats { .. }
                | ProducerCommand::CancelReply { .. } => {}
            }
        }
        // The loop's channel ends with the loop: a check answer sent later
        // is dropped (the broker asks again).
        self.self_tx = None;
    }
}

/// The error of work the shutdown ended.
pub(crate) fn shut_down_error() -> Error {
    Error::new(
        ErrorKind::Shutdown,
        "the producer was shut down before the send completed",
    )
}
