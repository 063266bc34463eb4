//! The send state machine on the I/O thread (Java
//! `DefaultMQProducerImpl.sendDefaultImpl` + `MQClientAPIImpl.sendMessage`):
//! a send waits for its topic's route, gets a queue (round robin, away from
//! the broker that just failed and from those the fault table avoids), is
//! encoded onto the broker's connection, and ends in its outcome — stored,
//! the broker's error, or a retry on another broker while attempts and
//! time are left. [`SendMachine`] holds it all; the producer role feeds it
//! commands and the engine's events.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use mio::Token;

use std::collections::VecDeque;

use crossbeam_channel::Sender;
use rustc_hash::FxHashMap as HashMap;

use super::config::ProducerConfig;
use super::send::{send_response_to_receipt, shut_down_error, stored_status, SendJob};
use super::stats::{Snapshot, Stats};
use crate::client::requests::Pending;
use crate::client::requests::Requests;
use crate::client::Engine;
use crate::codec::{RemotingCommand, FLAG_ONEWAY};
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::header::SendHeaderConstants;
use crate::protocol::header::SendMessageRequestHeader;
use crate::protocol::request_code;
use crate::result::SendStatus;
use crate::routing::TopicPublishInfo;

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

/// The producer's sends on the I/O thread: in flight (by opaque, with
/// deadlines), parked until their topic's route is known, and oneways not
/// yet written; the per-topic publish info and round-robin positions; the
/// send statistics.
pub(crate) struct SendMachine {
    config: Arc<ProducerConfig>,
    /// The send header fields that are the same for every send.
    send_header_constants: SendHeaderConstants,
    sends: Requests<PendingSend>,
    topics: HashMap<String, TopicState>,
    waiting_total: usize,
    /// Per connection: oneway sends whose bytes are not yet all written,
    /// with the byte position their frame ends at.
    oneway_unsent: HashMap<Token, VecDeque<(u64, SendJob)>>,
    stats: Stats,
}

impl SendMachine {
    /// No sends yet, for a producer configured by `config`.
    pub(super) fn new(config: Arc<ProducerConfig>) -> SendMachine {
        SendMachine {
            send_header_constants: SendHeaderConstants::new(
                &config.producer_group,
                &config.create_topic_key,
                config.default_topic_queue_nums,
            ),
            config,
            sends: Requests::default(),
            topics: HashMap::default(),
            waiting_total: 0,
            oneway_unsent: HashMap::default(),
            stats: Stats::default(),
        }
    }

    /// A response: true if it answers one of the sends.
    pub(super) fn on_response(
        &mut self,
        engine: &mut Engine,
        token: Token,
        frame: &RemotingCommand,
    ) -> bool {
        match self.sends.remove(frame.opaque) {
            Some(p) => {
                self.on_send_outcome(engine, token, p.kind, Ok(frame));
                true
            }
            None => false,
        }
    }

    /// Connection `token` closed with `error`: what was on it fails (or is retried).
    pub(super) fn connection_closed(&mut self, engine: &mut Engine, token: Token, error: &Error) {
        for (_, job) in self.oneway_unsent.remove(&token).unwrap_or_default() {
            job.finish(Err(error.clone()));
        }
        for p in self.sends.take_on(token) {
            self.on_send_outcome(engine, p.token, p.kind, Err(error.clone()));
        }
    }

    /// Connection `token` has written `written_total` bytes.
    pub(super) fn on_written(&mut self, token: Token, written_total: u64) {
        if !self.oneway_unsent.is_empty() {
            self.release_written_oneways(token, written_total);
        }
    }

    /// A statistics snapshot.
    pub(super) fn stats_snapshot(&self, engine: &Engine) -> Snapshot {
        let topics = self
            .topics
            .iter()
            .filter_map(|(t, s)| {
                s.info
                    .as_ref()
                    .map(|i| (t.clone(), i.queues.len(), i.brokers.clone()))
            })
            .collect();
        self.stats.snapshot(
            &engine.client_id,
            engine.routes.broker_table(),
            &engine.fault,
            topics,
            Instant::now(),
        )
    }

    /// Fails the sends that passed their deadline by `now`.
    pub(super) fn expire(&mut self, engine: &mut Engine, now: Instant) {
        while let Some(p) = self.sends.pop_expired(now) {
            let e = engine.request_timed_out(p.token);
            self.on_send_outcome(engine, p.token, p.kind, Err(e));
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

    /// The earliest deadline of a send.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        let mut next = self.sends.next_deadline();
        if self.waiting_total > 0 {
            for state in self.topics.values() {
                for job in &state.waiting {
                    next = Some(next.map_or(job.deadline, |n| n.min(job.deadline)));
                }
            }
        }
        next
    }

    /// Whether a send depends on connection `token`.
    pub(super) fn uses_connection(&self, token: Token) -> bool {
        self.sends.uses(token) || self.oneway_unsent.contains_key(&token)
    }

    /// Whether sends are in flight.
    pub(super) fn in_flight(&self) -> bool {
        self.waiting_total > 0 || !self.oneway_unsent.is_empty() || !self.sends.is_empty()
    }

    /// Sends one attempt of `job`, or parks it until its topic's route is known.
    pub(super) fn dispatch(&mut self, engine: &mut Engine, job: SendJob) {
        let now = engine.now;
        if now >= job.deadline {
            let e = job.timeout_error(self.config.send_msg_timeout_ms);
            job.finish(Err(e));
            return;
        }
        let Some(state) = self.topics.get_mut(job.msg.topic()) else {
            self.topics
                .insert(job.msg.topic().to_string(), TopicState::default());
            return self.dispatch(engine, job);
        };
        let Some(info) = state.info.as_deref() else {
            let topic = job.msg.topic().to_string();
            state.waiting.push(job);
            self.waiting_total += 1;
            engine.lookup_route(&topic, Some(&self.config.create_topic_key));
            return;
        };
        let fault = &engine.fault;
        let fault_on = self.config.send_latency_fault_enable && !fault.is_empty();
        // Without avoided brokers (the common case), no lookups.
        let all_available = !fault_on || fault.all_available(now);
        let available = |b: &str| all_available || fault.is_available(b, now);
        let fallback = if fault_on
            && !info
                .brokers
                .iter()
                .any(|b| available(b) && Some(b) != job.last_broker())
        {
            fault.least_bad(info.brokers.iter().map(|b| &**b), now)
        } else {
            None
        };
        // Borrowed from the route until the connection is known: a send
        // keeps only its broker's name (one reference count).
        let chosen = match job.target.as_deref() {
            Some(target) => Some(target),
            None => info.select_queue(
                &mut state.index,
                job.last_broker().map(|b| &**b),
                available,
                fallback,
            ),
        };
        let Some(queue) = chosen else {
            let e = Error::new(
                ErrorKind::NoRoute,
                format!("topic {} has no writable queue", job.msg.topic()),
            );
            job.finish(Err(e));
            return;
        };
        let (broker, queue_id) = (queue.broker_name.clone(), queue.queue_id);
        let addr = info
            .broker_addrs
            .get(&broker)
            .or_else(|| engine.routes.broker_addr(&broker));
        let Some(addr) = addr else {
            let e = Error::new(
                ErrorKind::NoRoute,
                format!("broker {} has no master address", broker),
            );
            self.retry_or_finish(engine, job, broker, e);
            return;
        };
        let vip;
        let addr: &str = if engine.config.vip_channel_enabled {
            vip = vip_channel_addr(addr);
            &vip
        } else {
            addr
        };
        // `addr` borrows the route tables: copied only to open a connection.
        let token = match engine.conns.token_of(addr) {
            Some(token) => Ok(token),
            None => {
                let addr = addr.to_string();
                engine.connection(&addr, true)
            }
        };
        let token = match token {
            Ok(token) => token,
            Err(e) => {
                if self.config.send_latency_fault_enable {
                    engine.fault.update(&broker, 0, true, now);
                }
                self.retry_or_finish(engine, job, broker, e);
                return;
            }
        };
        let opaque = engine.next_opaque();
        let header = SendMessageRequestHeader {
            constants: &self.send_header_constants,
            topic: job.msg.topic(),
            queue_id,
            sys_flag: job.msg.sys_flag,
            born_timestamp: engine.now_ms,
            flag: job.msg.flag,
            properties: job.msg.properties(),
            batch: job.msg.batch,
            broker_name: &broker,
        };
        let oneway = job.completion.is_oneway();
        let code = if job.msg.batch {
            request_code::SEND_BATCH_MESSAGE
        } else if job.msg.reply {
            request_code::SEND_REPLY_MESSAGE_V2
        } else {
            request_code::SEND_MESSAGE_V2
        };
        let flag = if oneway { FLAG_ONEWAY } else { 0 };
        engine.write_request(token, code, opaque, flag, None, &job.msg.body, &header);
        if oneway {
            // Done (and its back-pressure permit freed) once its bytes have
            // been handed to the socket, so unsent oneways stay bounded.
            if let Some(conn) = engine.conns.get(token) {
                let end = conn.queued_total();
                self.oneway_unsent
                    .entry(token)
                    .or_default()
                    .push_back((end, job));
            }
            return;
        }
        if job.completion.is_sync() {
            engine.busy.sync_sent(now);
        }
        let deadline = job.deadline;
        self.sends.insert(
            opaque,
            Pending {
                token,
                deadline,
                kind: PendingSend {
                    job,
                    broker,
                    sent_at: now,
                },
            },
        );
    }

    /// Maps the outcome of a send that went to `broker` over connection
    /// `token` (whose address error messages name).
    pub(super) fn on_send_outcome(
        &mut self,
        engine: &mut Engine,
        token: Token,
        send: PendingSend,
        outcome: Result<&RemotingCommand>,
    ) {
        let PendingSend {
            mut job,
            broker,
            sent_at,
        } = send;
        let addr = |engine: &Engine| {
            engine
                .conns
                .addr(token)
                .map_or_else(|| broker.to_string(), str::to_string)
        };
        let now = engine.now;
        let elapsed = now.saturating_duration_since(sent_at);
        if self.config.send_latency_fault_enable {
            let latency = elapsed.as_millis() as u64;
            engine.fault.update(&broker, latency, outcome.is_err(), now);
        }
        let stored = outcome
            .as_ref()
            .is_ok_and(|r| stored_status(r.code).is_some());
        self.stats.record(&broker, stored, elapsed);
        if job.completion.is_sync() {
            engine.busy.sync_done(elapsed, now);
            engine
                .wakeup
                .sync_answers_fast
                .store(engine.busy.fast(), Ordering::Relaxed);
        }
        let resp = match outcome {
            Ok(resp) => resp,
            Err(e) if e.kind() == ErrorKind::Timeout => {
                let e = job.timeout_error(self.config.send_msg_timeout_ms);
                job.finish(Err(e));
                return;
            }
            Err(e) => {
                self.retry_or_finish(engine, job, broker, e);
                return;
            }
        };
        // Not stored: the broker's error, retried on the codes Java
        // retries (`retryResponseCodes`).
        let Some(status) = stored_status(resp.code) else {
            let e = crate::protocol::broker_error(resp.code, resp.remark_str(), &addr(engine));
            if crate::protocol::is_retriable_response(resp.code) {
                self.retry_or_finish(engine, job, broker, e);
            } else {
                job.finish(Err(e));
            }
            return;
        };
        if status != SendStatus::SendOk
            && self.config.retry_another_broker_when_not_store_ok
            && job.retries_left > 0
        {
            let e = Error::new(
                ErrorKind::Broker,
                format!("{} stored with status {}", addr(engine), status.name()),
            );
            self.retry_or_finish(engine, job, broker, e);
            return;
        }
        let ns = self.config.client.namespace.as_deref();
        // A chosen queue is reported as chosen; else the route's queue,
        // whose topic is the message's.
        let topic = job.target.as_deref().map(|q| &*q.topic);
        match send_response_to_receipt(resp, status, &mut job.msg, topic, &broker, ns) {
            Ok(receipt) => job.finish(Ok(receipt)),
            // A stored response without a valid msgId, queueId or
            // queueOffset: retried as Java retries a header it cannot
            // decode (a `RemotingCommandException`).
            Err(e) => self.retry_or_finish(engine, job, broker, e),
        }
    }

    /// Sends the next attempt on another broker if attempts and time are
    /// left, else completes with `error`.
    fn retry_or_finish(
        &mut self,
        engine: &mut Engine,
        mut job: SendJob,
        broker: Arc<str>,
        error: Error,
    ) {
        if job.retries_left == 0 || engine.draining_over() {
            job.finish(Err(error));
            return;
        }
        if Instant::now() >= job.deadline {
            job.last_attempt = Some(Box::new((broker, error)));
            let e = job.timeout_error(self.config.send_msg_timeout_ms);
            job.finish(Err(e));
            return;
        }
        job.retries_left -= 1;
        self.stats.retries += 1;
        job.last_attempt = Some(Box::new((broker, error)));
        self.dispatch(engine, job);
    }

    /// Answers with `topic`'s publish info, looking it up first if needed.
    pub(super) fn route_request(
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
    pub(super) fn route_found(
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
    pub(super) fn lookup_failed(&mut self, topic: &str, error: Error) {
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

    /// Fails every send with the shutdown error.
    pub(super) fn fail_all(&mut self) {
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

/// The broker's fast ("VIP") listener: same host, port − 2 (Java
/// `MixAll.brokerVIPChannel`). Unchanged if the address has no port.
fn vip_channel_addr(addr: &str) -> String {
    match addr.rsplit_once(':') {
        Some((host, port)) => match port.parse::<u16>() {
            Ok(p) if p >= 2 => format!("{}:{}", host, p - 2),
            _ => addr.to_string(),
        },
        None => addr.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn vip_channel_is_port_minus_two() {
        assert_eq!(
            super::vip_channel_addr("127.0.0.1:10911"),
            "127.0.0.1:10909"
        );
        assert_eq!(super::vip_channel_addr("[::1]:10911"), "[::1]:10909");
        assert_eq!(super::vip_channel_addr("host"), "host");
    }
}
