//! The event loop: the only thread that touches sockets. It owns the
//! connections, the pending requests (by opaque, with deadlines), the route
//! cache and the per-topic round-robin index, and drives each send through
//! route lookup → queue choice → request → response → result or retry.
//!
//! It never runs user code: outcomes go to a blocked caller's reply channel
//! or to the callback thread.

use std::collections::VecDeque;

use rustc_hash::FxHashMap as HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use mio::{Events, Poll, Token};

use super::busy_poll::BusyPoll;
use super::connection::Connection;
use super::deadlines::Deadlines;
use super::send::{send_response_to_receipt, stored_status, CallbackTask, SendJob, SendStatus};
use super::stats::Stats;
use super::{Command, OnewayTarget, Wakeup};
use crate::codec::{self, RemotingCommand, WriteFields, FLAG_ONEWAY, FLAG_RESPONSE};
use crate::config::ProducerConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::fault::FaultTable;
use crate::protocol::header::{SendHeaderConstants, SendMessageRequestHeader};
use crate::protocol::message_ext;
use crate::protocol::route::TopicRouteData;
use crate::protocol::{heartbeat, request_code, response_code};
use crate::request_reply::{self, ReplyCompletion};
use crate::route::TopicPublishInfo;
use crate::transaction::{self, TransactionChecker, TransactionState};

/// Token of the waker; connections get tokens from 1 up.
pub(crate) const WAKER_TOKEN: Token = Token(0);

/// Bytes of requests encoded in one loop turn after which the loop writes
/// them out before encoding more: write buffers stay small and cache-warm
/// however many sends are queued.
const FLUSH_CHUNK: usize = 256 * 1024;

/// Longest wait for UNREGISTER_CLIENT answers at shutdown.
const UNREGISTER_WAIT: Duration = Duration::from_millis(3000);

/// What a pending request is for.
enum PendingKind {
    Send {
        job: SendJob,
        /// The broker of the chosen queue.
        broker: Arc<str>,
        sent_at: Instant,
    },
    Route {
        topic: String,
        default: bool,
        tries: usize,
    },
    Heartbeat {
        addr: String,
    },
    Unregister,
}

struct Pending {
    token: Token,
    deadline: Instant,
    kind: PendingKind,
}

/// Per-topic routing state.
#[derive(Default)]
struct TopicState {
    info: Option<Arc<TopicPublishInfo>>,
    index: u32,
    waiting: Vec<SendJob>,
    /// Callers waiting for the route itself (selectors, queue lists).
    route_waiters: Vec<Sender<Result<Arc<TopicPublishInfo>>>>,
    lookup_in_flight: bool,
}

struct ShutdownState {
    drain_deadline: Instant,
    unregister_deadline: Option<Instant>,
    done: Vec<Sender<()>>,
}

pub(crate) struct EventLoop {
    poll: Poll,
    rx: Receiver<Command>,
    /// For work that comes back to the loop from the callback thread.
    self_tx: Sender<Command>,
    /// The transaction checker, if set.
    checker: Option<TransactionChecker>,
    /// The callback thread's queue: async callbacks, transaction checks.
    callbacks: Sender<CallbackTask>,
    wakeup: Arc<Wakeup>,
    /// The send header fields that are the same for every send.
    send_header_constants: SendHeaderConstants,
    config: Arc<ProducerConfig>,
    client_id: String,
    namesrvs: Vec<String>,
    namesrv_index: usize,
    conns: HashMap<Token, Connection>,
    tokens: HashMap<String, Token>,
    next_token: usize,
    dirty: Vec<Token>,
    /// Bytes of send requests encoded since the dirty connections were
    /// last flushed.
    unflushed: usize,
    pending: HashMap<i32, Pending>,
    deadlines: Deadlines,
    next_opaque: i32,
    topics: HashMap<String, TopicState>,
    waiting_total: usize,
    /// Broker name → master address, from every route seen.
    brokers: HashMap<Arc<str>, Arc<str>>,
    fault: FaultTable,
    stats: Stats,
    /// Requests waiting for their reply, by correlation id.
    replies: HashMap<String, (Instant, ReplyCompletion)>,
    /// Per connection: oneway sends whose bytes are not yet all written,
    /// with the byte position their frame ends at.
    oneway_unsent: HashMap<Token, VecDeque<(u64, SendJob)>>,
    /// Address → (no connect attempt before, consecutive failures).
    backoff: HashMap<String, (Instant, u32)>,
    heartbeat_body: bytes::Bytes,
    next_heartbeat: Instant,
    next_refresh: Instant,
    shutdown: Option<ShutdownState>,
    busy: BusyPoll,
    /// The time poll last returned, for the sends handled in this turn
    /// (one clock read per turn, not several per message).
    now: Instant,
    /// The same moment as wall-clock ms (born timestamps).
    now_ms: i64,
}

impl EventLoop {
    pub(crate) fn new(
        poll: Poll,
        (self_tx, rx): (Sender<Command>, Receiver<Command>),
        wakeup: Arc<Wakeup>,
        config: Arc<ProducerConfig>,
        client_id: String,
        checker: Option<TransactionChecker>,
        callbacks: Sender<CallbackTask>,
    ) -> EventLoop {
        let now = Instant::now();
        let heartbeat_body = bytes::Bytes::from(heartbeat::heartbeat_body(
            &client_id,
            &[config.producer_group.clone()],
        ));
        EventLoop {
            poll,
            rx,
            self_tx,
            checker,
            callbacks,
            wakeup,
            namesrvs: config.namesrv_list(),
            namesrv_index: 0,
            conns: HashMap::default(),
            tokens: HashMap::default(),
            next_token: 1,
            dirty: Vec::new(),
            unflushed: 0,
            pending: HashMap::default(),
            deadlines: Deadlines::default(),
            next_opaque: 0,
            topics: HashMap::default(),
            waiting_total: 0,
            brokers: HashMap::default(),
            fault: FaultTable::default(),
            stats: Stats::default(),
            replies: HashMap::default(),
            oneway_unsent: HashMap::default(),
            backoff: HashMap::default(),
            heartbeat_body,
            next_heartbeat: now + Duration::from_millis(config.heartbeat_broker_interval_ms),
            next_refresh: now + Duration::from_millis(config.poll_name_server_interval_ms),
            shutdown: None,
            busy: BusyPoll::new(config.io_busy_poll_us),
            send_header_constants: SendHeaderConstants::new(
                &config.producer_group,
                &config.create_topic_key,
                config.default_topic_queue_nums,
            ),
            now,
            now_ms: crate::protocol::message_id::now_ms(),
            config,
            client_id,
        }
    }

    /// Runs until a shutdown command has been carried out.
    pub(crate) fn run(mut self) {
        super::send::batch_callbacks(self.callbacks.clone());
        let mut events = Events::with_capacity(256);
        loop {
            let now = Instant::now();
            // Busy polling: no sleep, so callers need not wake the loop.
            let spinning = self.busy.active(now);
            let mut timeout = Some(Duration::ZERO);
            if !spinning {
                timeout = self.next_timeout(now);
                self.wakeup.sleeping.store(true, Ordering::SeqCst);
                if !self.rx.is_empty() {
                    timeout = Some(Duration::ZERO);
                }
            }
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    break;
                }
            }
            self.now = Instant::now();
            self.now_ms = crate::protocol::message_id::now_ms();
            if !spinning {
                self.wakeup.sleeping.store(false, Ordering::SeqCst);
            } else if events.is_empty() && self.rx.is_empty() {
                // Let a thread this one keeps from running (the broker on
                // a small machine) have the CPU.
                std::thread::yield_now();
            }
            for event in events.iter() {
                if event.token() != WAKER_TOKEN {
                    self.on_socket_event(event.token());
                }
            }
            self.drain_commands();
            let now = Instant::now();
            self.expire(now);
            self.run_timers(now);
            self.flush_dirty();
            super::send::flush_callbacks();
            if self.shutdown_progress(Instant::now()) {
                break;
            }
        }
        self.finish();
    }

    // ----- commands -------------------------------------------------------

    fn drain_commands(&mut self) {
        loop {
            let cmd = match self.rx.try_recv() {
                Ok(cmd) => cmd,
                Err(crossbeam_channel::TryRecvError::Empty) => return,
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    // Every handle is gone: shut down at once.
                    if self.shutdown.is_none() {
                        self.shutdown = Some(ShutdownState {
                            drain_deadline: Instant::now(),
                            unregister_deadline: None,
                            done: Vec::new(),
                        });
                    }
                    return;
                }
            };
            match cmd {
                Command::Send(job) => {
                    if self.shutdown.is_some() {
                        job.finish(Err(shut_down_error()));
                    } else {
                        self.dispatch(job);
                        if self.unflushed >= FLUSH_CHUNK {
                            self.flush_dirty();
                        }
                    }
                }
                Command::Route { topic, reply } => self.route_request(topic, reply),
                Command::AwaitReply {
                    correlation_id,
                    deadline,
                    completion,
                } => {
                    if self.shutdown.is_some() {
                        completion.complete(Err(shut_down_error()));
                    } else {
                        self.replies.insert(correlation_id, (deadline, completion));
                    }
                }
                Command::CancelReply {
                    correlation_id,
                    error,
                } => {
                    if let Some((_, c)) = self.replies.remove(&correlation_id) {
                        c.complete(Err(error));
                    }
                }
                Command::Stats { reply } => {
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
                        &self.client_id,
                        &self.brokers,
                        &self.fault,
                        topics,
                        Instant::now(),
                    );
                    let _ = reply.send(snapshot);
                }
                Command::Oneway {
                    broker,
                    code,
                    fields,
                    remark,
                } => self.send_oneway_request(broker, code, &fields, remark.as_deref()),
                Command::Shutdown { timeout, done } => match &mut self.shutdown {
                    Some(s) => s.done.push(done),
                    None => {
                        self.shutdown = Some(ShutdownState {
                            drain_deadline: Instant::now() + timeout,
                            unregister_deadline: None,
                            done: vec![done],
                        })
                    }
                },
            }
        }
    }

    /// Answers with `topic`'s route, looking it up first if needed.
    fn route_request(&mut self, topic: String, reply: Sender<Result<Arc<TopicPublishInfo>>>) {
        if self.shutdown.is_some() {
            let _ = reply.send(Err(shut_down_error()));
            return;
        }
        let state = self.topics.entry(topic.clone()).or_default();
        if let Some(info) = &state.info {
            let _ = reply.send(Ok(info.clone()));
            return;
        }
        state.route_waiters.push(reply);
        if !state.lookup_in_flight {
            self.start_lookup(&topic, false, 0);
        }
    }

    // ----- sends ----------------------------------------------------------

    /// Sends one attempt of `job`, or parks it until its topic's route is known.
    fn dispatch(&mut self, job: SendJob) {
        let now = self.now;
        if now >= job.deadline {
            let e = job.timeout_error(self.config.send_msg_timeout_ms);
            job.finish(Err(e));
            return;
        }
        let Some(state) = self.topics.get_mut(job.msg.topic()) else {
            self.topics
                .insert(job.msg.topic().to_string(), TopicState::default());
            return self.dispatch(job);
        };
        let Some(info) = state.info.as_deref() else {
            let start = !state.lookup_in_flight;
            let topic = job.msg.topic().to_string();
            state.waiting.push(job);
            self.waiting_total += 1;
            if start {
                self.start_lookup(&topic, false, 0);
            }
            return;
        };
        let fault = &self.fault;
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
            .or_else(|| self.brokers.get(&broker));
        let Some(addr) = addr else {
            let e = Error::new(
                ErrorKind::NoRoute,
                format!("broker {} has no master address", broker),
            );
            self.retry_or_finish(job, broker, e);
            return;
        };
        let vip;
        let addr: &str = if self.config.vip_channel_enabled {
            vip = vip_channel_addr(addr);
            &vip
        } else {
            addr
        };
        // `addr` borrows the route tables: copied only to open a connection.
        let token = match self.tokens.get(addr) {
            Some(token) => Ok(*token),
            None => {
                let addr = addr.to_string();
                self.connection(&addr, true)
            }
        };
        let token = match token {
            Ok(token) => token,
            Err(e) => {
                if self.config.send_latency_fault_enable {
                    self.fault.update(&broker, 0, true, now);
                }
                self.retry_or_finish(job, broker, e);
                return;
            }
        };
        let opaque = self.next_opaque();
        let born = self.now_ms;
        let header = SendMessageRequestHeader {
            constants: &self.send_header_constants,
            topic: job.msg.topic(),
            queue_id,
            sys_flag: job.msg.sys_flag,
            born_timestamp: born,
            flag: job.msg.flag,
            properties: job.msg.properties(),
            batch: job.msg.batch,
            broker_name: &broker,
        };
        let oneway = job.completion.is_oneway();
        if let Some(conn) = self.conns.get_mut(&token) {
            let code = if job.msg.batch {
                request_code::SEND_BATCH_MESSAGE
            } else if job.msg.reply {
                request_code::SEND_REPLY_MESSAGE_V2
            } else {
                request_code::SEND_MESSAGE_V2
            };
            let flag = if oneway { FLAG_ONEWAY } else { 0 };
            let before = conn.out().len();
            encode_request(
                &self.config,
                conn.out(),
                code,
                opaque,
                flag,
                None,
                &job.msg.body,
                &header,
            );
            self.unflushed += conn.out().len() - before;
        }
        self.mark_dirty(token);
        if oneway {
            // Done (and its back-pressure permit freed) once its bytes have
            // been handed to the socket, so unsent oneways stay bounded.
            if let Some(conn) = self.conns.get(&token) {
                let end = conn.queued_total();
                self.oneway_unsent
                    .entry(token)
                    .or_default()
                    .push_back((end, job));
            }
            return;
        }
        if job.completion.is_sync() {
            self.busy.sync_sent(now);
        }
        let deadline = job.deadline;
        self.insert_pending(
            opaque,
            Pending {
                token,
                deadline,
                kind: PendingKind::Send {
                    job,
                    broker,
                    sent_at: now,
                },
            },
        );
    }

    /// Maps the outcome of a send that went to `broker` over connection
    /// `token` (whose address error messages name).
    fn on_send_outcome(
        &mut self,
        mut job: SendJob,
        broker: Arc<str>,
        token: Token,
        sent_at: Instant,
        outcome: Result<&RemotingCommand>,
    ) {
        let addr = |conns: &HashMap<Token, Connection>| {
            conns
                .get(&token)
                .map_or_else(|| broker.to_string(), |c| c.addr.clone())
        };
        let now = self.now;
        let elapsed = now.saturating_duration_since(sent_at);
        if self.config.send_latency_fault_enable {
            let latency = elapsed.as_millis() as u64;
            self.fault.update(&broker, latency, outcome.is_err(), now);
        }
        let stored = outcome
            .as_ref()
            .is_ok_and(|r| stored_status(r.code).is_some());
        self.stats.record(&broker, stored, elapsed);
        if job.completion.is_sync() {
            self.busy.sync_done(elapsed, now);
            self.wakeup
                .sync_answers_fast
                .store(self.busy.fast(), Ordering::Relaxed);
        }
        let resp = match outcome {
            Ok(resp) => resp,
            Err(e) if e.kind() == ErrorKind::Timeout => {
                let e = job.timeout_error(self.config.send_msg_timeout_ms);
                job.finish(Err(e));
                return;
            }
            Err(e) => {
                self.retry_or_finish(job, broker, e);
                return;
            }
        };
        // Not stored: the broker's error, retried on the codes Java
        // retries (`retryResponseCodes`).
        let Some(status) = stored_status(resp.code) else {
            let e = Error::broker(
                resp.code,
                crate::protocol::response_code_name(resp.code),
                resp.remark_str(),
                &addr(&self.conns),
            );
            if crate::protocol::is_retriable_response(resp.code) {
                self.retry_or_finish(job, broker, e);
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
                format!("{} stored with status {}", addr(&self.conns), status.name()),
            );
            self.retry_or_finish(job, broker, e);
            return;
        }
        let ns = self.config.namespace.as_deref();
        // A chosen queue is reported as chosen; else the route's queue,
        // whose topic is the message's.
        let topic = job.target.as_deref().map(|q| &*q.topic);
        match send_response_to_receipt(resp, status, &mut job.msg, topic, &broker, ns) {
            Ok(receipt) => job.finish(Ok(receipt)),
            // A stored response without a valid msgId, queueId or
            // queueOffset: retried as Java retries a header it cannot
            // decode (a `RemotingCommandException`).
            Err(e) => self.retry_or_finish(job, broker, e),
        }
    }

    /// Sends the next attempt on another broker if attempts and time are
    /// left, else completes with `error`.
    fn retry_or_finish(&mut self, mut job: SendJob, broker: Arc<str>, error: Error) {
        if job.retries_left == 0 || self.shutdown_draining_over() {
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
        self.dispatch(job);
    }

    fn shutdown_draining_over(&self) -> bool {
        self.shutdown
            .as_ref()
            .is_some_and(|s| s.unregister_deadline.is_some())
    }

    // ----- routes ---------------------------------------------------------

    /// Asks the current NameServer for `topic`'s route (or, with `default`,
    /// for the auto-create template's route on `topic`'s behalf).
    fn start_lookup(&mut self, topic: &str, default: bool, tries: usize) {
        if self.namesrvs.is_empty() {
            let e = Error::new(
                ErrorKind::NoRoute,
                "no NameServer address is configured (namesrvAddr or NAMESRV_ADDR)",
            );
            self.lookup_failed(topic, e);
            return;
        }
        let addr = self.namesrvs[self.namesrv_index % self.namesrvs.len()].clone();
        let token = match self.connection(&addr, false) {
            Ok(t) => t,
            Err(e) => {
                self.on_route_response(topic.to_string(), default, tries, Err(e));
                return;
            }
        };
        if let Some(state) = self.topics.get_mut(topic) {
            state.lookup_in_flight = true;
        }
        let query = if default {
            self.config.create_topic_key.clone()
        } else {
            topic.to_string()
        };
        let kind = PendingKind::Route {
            topic: topic.to_string(),
            default,
            tries,
        };
        let deadline = self.api_deadline();
        self.send_request(
            token,
            request_code::GET_ROUTEINFO_BY_TOPIC,
            &[("topic", &query)],
            b"",
            kind,
            deadline,
        );
    }

    /// The deadline of a client API request (route, heartbeat).
    fn api_deadline(&self) -> Instant {
        Instant::now() + Duration::from_millis(self.config.mq_client_api_timeout_ms)
    }

    /// Writes a request on `token` and tracks its answer as `kind` until
    /// `deadline`.
    fn send_request(
        &mut self,
        token: Token,
        code: i32,
        fields: &[(&str, &str)],
        body: &[u8],
        kind: PendingKind,
        deadline: Instant,
    ) {
        let opaque = self.next_opaque();
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        encode_request(
            &self.config,
            conn.out(),
            code,
            opaque,
            0,
            None,
            body,
            fields,
        );
        self.mark_dirty(token);
        self.insert_pending(
            opaque,
            Pending {
                token,
                deadline,
                kind,
            },
        );
    }

    fn on_route_response(
        &mut self,
        topic: String,
        default: bool,
        tries: usize,
        outcome: Result<&RemotingCommand>,
    ) {
        let namesrv = self.namesrvs[self.namesrv_index % self.namesrvs.len().max(1)].clone();
        match outcome {
            Ok(resp) if resp.code == response_code::SUCCESS => {
                let parsed = TopicRouteData::parse(&resp.body).and_then(|route| {
                    let nums = default.then_some(self.config.default_topic_queue_nums);
                    let info = TopicPublishInfo::from_route(&topic, &route, nums);
                    if info.is_usable() {
                        Ok(info)
                    } else {
                        Err(Error::new(
                            ErrorKind::NoRoute,
                            format!("the route of topic {} has no writable master queue", topic),
                        ))
                    }
                });
                match parsed {
                    Ok(info) => self.route_found(&topic, info),
                    Err(e) => self.lookup_failed(&topic, e),
                }
            }
            Ok(resp) if resp.code == response_code::TOPIC_NOT_EXIST && !default => {
                self.start_lookup(&topic, true, 0);
            }
            Ok(resp) => {
                let e = if resp.code == response_code::TOPIC_NOT_EXIST {
                    Error::new(
                        ErrorKind::NoRoute,
                        format!(
                            "topic {} does not exist and the auto-create template {} has no route at {}",
                            topic, self.config.create_topic_key, namesrv
                        ),
                    )
                } else {
                    Error::broker(
                        resp.code,
                        crate::protocol::response_code_name(resp.code),
                        resp.remark_str(),
                        &namesrv,
                    )
                };
                self.lookup_failed(&topic, e);
            }
            Err(e) => {
                // Network error or timeout: try the next NameServer.
                self.namesrv_index = (self.namesrv_index + 1) % self.namesrvs.len().max(1);
                if tries + 1 < self.namesrvs.len() {
                    self.start_lookup(&topic, default, tries + 1);
                } else {
                    let e = Error::new(
                        ErrorKind::NoRoute,
                        format!(
                            "no NameServer answered the route lookup of {}: {}",
                            topic, e
                        ),
                    );
                    self.lookup_failed(&topic, e);
                }
            }
        }
    }

    fn route_found(&mut self, topic: &str, info: TopicPublishInfo) {
        let old_brokers: Vec<Arc<str>> = self
            .topics
            .get(topic)
            .and_then(|s| s.info.as_ref())
            .map(|i| i.brokers.clone())
            .unwrap_or_default();
        // A broker that joins (or comes back) starts with a clean fault
        // record; one that left is forgotten.
        for b in info.brokers.iter().filter(|b| !old_brokers.contains(b)) {
            self.fault.remove(b);
        }
        for b in old_brokers.iter().filter(|b| !info.brokers.contains(b)) {
            self.fault.remove(b);
            crate::log::info(&format!("broker {} left the route of {}", b, topic));
        }
        let waiting = match self.topics.get_mut(topic) {
            Some(state) => {
                let info = Arc::new(info);
                for w in state.route_waiters.drain(..) {
                    let _ = w.send(Ok(info.clone()));
                }
                state.info = Some(info);
                state.lookup_in_flight = false;
                std::mem::take(&mut state.waiting)
            }
            None => return,
        };
        self.waiting_total -= waiting.len();
        self.rebuild_broker_table();
        for job in waiting {
            self.dispatch(job);
        }
    }

    /// Recomputes broker name → master address from every cached route, so
    /// that brokers no longer in any route stop getting heartbeats, and
    /// closes idle connections to addresses no longer used.
    fn rebuild_broker_table(&mut self) {
        let mut brokers = HashMap::default();
        for info in self.topics.values().filter_map(|s| s.info.as_ref()) {
            for (name, addr) in &info.broker_addrs {
                brokers.insert(name.clone(), addr.clone());
            }
        }
        self.brokers = brokers;
        let stale: Vec<Token> = self
            .conns
            .iter()
            .filter(|(t, c)| {
                !self.namesrvs.contains(&c.addr)
                    && !self.brokers.values().any(|a| **a == *c.addr)
                    && !self.pending.values().any(|p| p.token == **t)
            })
            .map(|(t, _)| *t)
            .collect();
        for token in stale {
            self.close_connection(
                token,
                Error::new(ErrorKind::Network, "broker left the routes"),
            );
        }
    }

    /// A lookup failed: a cached route stays in use; parked sends fail.
    fn lookup_failed(&mut self, topic: &str, error: Error) {
        let waiting = match self.topics.get_mut(topic) {
            Some(state) => {
                state.lookup_in_flight = false;
                for w in state.route_waiters.drain(..) {
                    let _ = w.send(state.info.clone().ok_or_else(|| error.clone()));
                }
                std::mem::take(&mut state.waiting)
            }
            None => return,
        };
        self.waiting_total -= waiting.len();
        for job in waiting {
            job.finish(Err(error.clone()));
        }
        if self.topics.get(topic).is_some_and(|s| s.info.is_none()) {
            self.topics.remove(topic);
        }
    }

    // ----- connections ----------------------------------------------------

    /// The connection to `addr`, opened if needed. A new broker connection
    /// starts with a heartbeat so the broker knows this client and its group.
    fn connection(&mut self, addr: &str, is_broker: bool) -> Result<Token> {
        if let Some(t) = self.tokens.get(addr) {
            return Ok(*t);
        }
        if let Some((not_before, failures)) = self.backoff.get(addr) {
            if Instant::now() < *not_before {
                return Err(Error::new(
                    ErrorKind::Network,
                    format!(
                        "{} refused the last {} connection attempt(s); next attempt after a back-off",
                        addr, failures
                    ),
                ));
            }
        }
        let token = Token(self.next_token);
        self.next_token += 1;
        let conn = match Connection::open(addr, token, self.poll.registry()) {
            Ok(c) => c,
            Err(e) => {
                self.connect_failed(addr);
                return Err(e);
            }
        };
        self.conns.insert(token, conn);
        self.tokens.insert(addr.to_string(), token);
        if is_broker {
            self.send_heartbeat(token);
        }
        Ok(token)
    }

    fn send_heartbeat(&mut self, token: Token) {
        let Some(addr) = self.conns.get(&token).map(|c| c.addr.clone()) else {
            return;
        };
        let body = self.heartbeat_body.clone();
        let deadline = self.api_deadline();
        self.send_request(
            token,
            request_code::HEART_BEAT,
            &[],
            &body,
            PendingKind::Heartbeat { addr },
            deadline,
        );
    }

    /// Records a failed connect: the next attempt waits 100 ms, doubling up
    /// to 5 s while failures continue.
    fn connect_failed(&mut self, addr: &str) {
        let failures = self.backoff.get(addr).map(|b| b.1).unwrap_or(0) + 1;
        let wait =
            Duration::from_millis(100u64 << (failures - 1).min(6)).min(Duration::from_secs(5));
        self.backoff
            .insert(addr.to_string(), (Instant::now() + wait, failures));
        crate::log::info(&format!(
            "connect to {} failed ({} in a row)",
            addr, failures
        ));
    }

    fn on_socket_event(&mut self, token: Token) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        let was_connected = conn.is_connected();
        let mut result = match conn.check_connected() {
            Ok(true) => conn.flush().map(|()| true),
            Ok(false) => Ok(false),
            Err(e) => Err(e),
        };
        // Read until the socket is drained, handling each frame as it is
        // decoded (also those that arrived before a read error).
        while let Ok(true) = result {
            let Some(conn) = self.conns.get_mut(&token) else {
                return;
            };
            result = conn.read_some();
            loop {
                let frame = match self.conns.get_mut(&token).map(Connection::next_frame) {
                    Some(Ok(Some(frame))) => frame,
                    Some(Ok(None)) | None => break,
                    Some(Err(e)) => {
                        result = Err(e);
                        break;
                    }
                };
                self.on_frame(token, frame);
            }
        }
        if !was_connected {
            if let Some(conn) = self.conns.get(&token) {
                let addr = conn.addr.clone();
                if result.is_err() {
                    self.connect_failed(&addr);
                } else if conn.is_connected() {
                    self.backoff.remove(&addr);
                }
            }
        }
        match result {
            Err(e) => self.close_connection(token, e),
            Ok(_) => self.release_written_oneways(token),
        }
    }

    fn on_frame(&mut self, token: Token, frame: RemotingCommand) {
        if frame.is_response() {
            if let Some(p) = self.pending.remove(&frame.opaque) {
                self.on_pending_done(p, Ok(&frame));
            }
            return;
        }
        if frame.code == request_code::CHECK_TRANSACTION_STATE {
            self.check_transaction(token, frame);
            return;
        }
        if frame.code == request_code::PUSH_REPLY_MESSAGE_TO_CLIENT {
            self.receive_reply(token, frame);
            return;
        }
        // A request this client does not serve: answer as a Java client
        // does for unregistered codes.
        if !frame.is_oneway() {
            if let Some(conn) = self.conns.get_mut(&token) {
                let remark = format!(" request type {} not supported", frame.code);
                codec::encode_frame(
                    conn.out(),
                    response_code::REQUEST_CODE_NOT_SUPPORTED,
                    frame.opaque,
                    FLAG_RESPONSE,
                    Some(&remark),
                    &[],
                    b"",
                );
                self.mark_dirty(token);
            }
        }
    }

    /// Sends a oneway request (END_TRANSACTION) to a broker.
    fn send_oneway_request(
        &mut self,
        broker: OnewayTarget,
        code: i32,
        fields: &[(&'static str, String)],
        remark: Option<&str>,
    ) {
        let addr = match broker {
            OnewayTarget::Addr(addr) => Some(addr),
            OnewayTarget::BrokerName(name) => self.brokers.get(&name).map(|a| a.to_string()),
        };
        let Some(addr) = addr else {
            crate::log::warn(&format!(
                "request {} dropped: no address for its broker",
                code
            ));
            return;
        };
        let token = match self.connection(&addr, true) {
            Ok(t) => t,
            Err(e) => {
                crate::log::warn(&format!("request {} to {} dropped: {}", code, addr, e));
                return;
            }
        };
        let opaque = self.next_opaque();
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if let Some(conn) = self.conns.get_mut(&token) {
            encode_request(
                &self.config,
                conn.out(),
                code,
                opaque,
                FLAG_ONEWAY,
                remark,
                b"",
                &fields[..],
            );
            self.mark_dirty(token);
        }
    }

    /// A broker asks for a transaction's state (CHECK_TRANSACTION_STATE):
    /// the checker runs on the callback thread and its answer goes back to
    /// that broker as a oneway END_TRANSACTION (Java
    /// `ClientRemotingProcessor.checkTransactionState`).
    fn check_transaction(&mut self, token: Token, frame: RemotingCommand) {
        let Some(addr) = self.conns.get(&token).map(|c| c.addr.clone()) else {
            return;
        };
        let Some(checker) = &self.checker else {
            crate::log::warn(
                "a broker asked for a transaction state, but no transaction checker is set",
            );
            return;
        };
        let msg = match message_ext::decode_one(frame.body.clone()) {
            Ok(m) => m,
            Err(e) => {
                crate::log::warn(&format!(
                    "undecodable transaction check from {}: {}",
                    addr, e
                ));
                return;
            }
        };
        let checker = checker.clone();
        let group = self.config.producer_group.clone();
        let loop_tx = self.self_tx.clone();
        let wakeup = self.wakeup.clone();
        let task = move || {
            let state = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| checker(&msg)))
                .unwrap_or(TransactionState::Unknown);
            let fields = transaction::end_fields_after_check(&group, &frame, &msg, state);
            let _ = loop_tx.send(Command::Oneway {
                broker: OnewayTarget::Addr(addr),
                code: request_code::END_TRANSACTION,
                fields,
                remark: None,
            });
            wakeup.wake();
        };
        let _ = self.callbacks.send(CallbackTask::Call(Box::new(task)));
    }

    /// A reply pushed by a broker (Java `ClientRemotingProcessor.receiveReplyMessage`):
    /// completes the waiting request and answers the broker.
    fn receive_reply(&mut self, token: Token, frame: RemotingCommand) {
        let (code, remark) = match request_reply::decode_pushed_reply(&frame) {
            Ok(msg) => {
                let id = msg
                    .property(request_reply::CORRELATION_ID)
                    .unwrap_or("")
                    .to_string();
                match self.replies.remove(&id) {
                    Some((_, completion)) => completion.complete(Ok(msg)),
                    None => crate::log::info(&format!(
                        "reply {} has no waiting request (timed out?)",
                        id
                    )),
                }
                (response_code::SUCCESS, None)
            }
            Err(e) => (
                response_code::SYSTEM_ERROR,
                Some(format!("process reply message fail: {}", e)),
            ),
        };
        if let Some(conn) = self.conns.get_mut(&token) {
            codec::encode_frame(
                conn.out(),
                code,
                frame.opaque,
                FLAG_RESPONSE,
                remark.as_deref(),
                &[],
                b"",
            );
            self.mark_dirty(token);
        }
    }

    /// Closes a connection and fails every request pending on it with `error`.
    fn close_connection(&mut self, token: Token, error: Error) {
        let Some(conn) = self.conns.remove(&token) else {
            return;
        };
        self.tokens.remove(&conn.addr);
        conn.close(self.poll.registry());
        for (_, job) in self.oneway_unsent.remove(&token).unwrap_or_default() {
            job.finish(Err(error.clone()));
        }
        let failed: Vec<i32> = self
            .pending
            .iter()
            .filter(|(_, p)| p.token == token)
            .map(|(o, _)| *o)
            .collect();
        for opaque in failed {
            if let Some(p) = self.pending.remove(&opaque) {
                self.on_pending_done(p, Err(error.clone()));
            }
        }
    }

    fn mark_dirty(&mut self, token: Token) {
        if !self.dirty.contains(&token) {
            self.dirty.push(token);
        }
    }

    fn flush_dirty(&mut self) {
        self.unflushed = 0;
        while let Some(token) = self.dirty.pop() {
            if let Some(conn) = self.conns.get_mut(&token) {
                if let Err(e) = conn.flush() {
                    self.close_connection(token, e);
                } else {
                    self.release_written_oneways(token);
                }
            }
        }
    }

    /// Completes the oneway sends of `token` whose bytes are all written.
    fn release_written_oneways(&mut self, token: Token) {
        let Some(written) = self.conns.get(&token).map(|c| c.written_total()) else {
            return;
        };
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

    // ----- pending requests and time --------------------------------------

    fn next_opaque(&mut self) -> i32 {
        self.next_opaque = self.next_opaque.wrapping_add(1) & 0x7FFF_FFFF;
        self.next_opaque
    }

    fn insert_pending(&mut self, opaque: i32, p: Pending) {
        // An answered request's deadline stays in `deadlines` until it
        // passes. Drop those once they outnumber the pending requests, so
        // the list stays about the size of what is in flight (the rebuild
        // halves it at least: amortised O(1) per request).
        if self.deadlines.len() >= 2 * self.pending.len() + 1024 {
            let pending = &self.pending;
            self.deadlines
                .retain(|(d, o)| pending.get(o).is_some_and(|p| p.deadline == *d));
        }
        self.deadlines.push((p.deadline, opaque));
        self.pending.insert(opaque, p);
    }

    /// Ends a pending request with its response (borrowed: a command is
    /// large, and nothing downstream keeps it) or its error.
    fn on_pending_done(&mut self, p: Pending, outcome: Result<&RemotingCommand>) {
        match p.kind {
            PendingKind::Send {
                job,
                broker,
                sent_at,
            } => self.on_send_outcome(job, broker, p.token, sent_at, outcome),
            PendingKind::Route {
                topic,
                default,
                tries,
            } => self.on_route_response(topic, default, tries, outcome),
            PendingKind::Heartbeat { addr } => {
                if outcome.is_ok_and(|r| r.code == response_code::SUCCESS) {
                    let names: Vec<Arc<str>> = self
                        .brokers
                        .iter()
                        .filter(|(_, a)| ***a == *addr)
                        .map(|(n, _)| n.clone())
                        .collect();
                    for name in names {
                        self.fault.reachable(&name);
                    }
                }
            }
            PendingKind::Unregister => {}
        }
    }

    /// Fails requests whose deadline has passed; closes a connection whose
    /// connect did not complete in time.
    fn expire(&mut self, now: Instant) {
        while let Some((deadline, opaque)) = self.deadlines.peek() {
            if deadline > now {
                break;
            }
            self.deadlines.pop();
            let matches = self
                .pending
                .get(&opaque)
                .is_some_and(|p| p.deadline == deadline);
            if !matches {
                continue;
            }
            let Some(p) = self.pending.remove(&opaque) else {
                continue;
            };
            let token = p.token;
            let addr = self
                .conns
                .get(&token)
                .map(|c| c.addr.clone())
                .unwrap_or_default();
            let connecting = self.conns.get(&token).is_some_and(|c| !c.is_connected());
            let e = Error::new(
                ErrorKind::Timeout,
                format!(
                    "request to {} timed out{}",
                    addr,
                    if connecting { " while connecting" } else { "" }
                ),
            );
            self.on_pending_done(p, Err(e.clone()));
            if connecting {
                if !addr.is_empty() {
                    self.connect_failed(&addr);
                }
                self.close_connection(token, e);
            }
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

    fn next_timeout(&self, now: Instant) -> Option<Duration> {
        let mut next = self.next_heartbeat.min(self.next_refresh);
        if let Some((d, _)) = self.deadlines.peek() {
            next = next.min(d);
        }
        if self.waiting_total > 0 {
            for state in self.topics.values() {
                for job in &state.waiting {
                    next = next.min(job.deadline);
                }
            }
        }
        if let Some(s) = &self.shutdown {
            next = next.min(s.unregister_deadline.unwrap_or(s.drain_deadline));
        }
        for (deadline, _) in self.replies.values() {
            next = next.min(*deadline);
        }
        // Round up to whole ms so a deadline is not missed by a hair.
        Some(next.saturating_duration_since(now) + Duration::from_micros(500))
    }

    fn run_timers(&mut self, now: Instant) {
        if self.shutdown.is_some() {
            return;
        }
        if now >= self.next_heartbeat {
            self.next_heartbeat =
                now + Duration::from_millis(self.config.heartbeat_broker_interval_ms);
            let addrs: Vec<Arc<str>> = self.brokers.values().cloned().collect();
            for addr in addrs {
                if let Ok(token) = self.connection(&addr, false) {
                    self.send_heartbeat(token);
                }
            }
        }
        if now >= self.next_refresh {
            self.next_refresh =
                now + Duration::from_millis(self.config.poll_name_server_interval_ms);
            let topics: Vec<String> = self
                .topics
                .iter()
                .filter(|(_, s)| !s.lookup_in_flight)
                .map(|(t, _)| t.clone())
                .collect();
            for topic in topics {
                self.start_lookup(&topic, false, 0);
            }
        }
    }

    // ----- shutdown -------------------------------------------------------

    /// Advances a shutdown; true when the loop may end.
    fn shutdown_progress(&mut self, now: Instant) -> bool {
        let Some(s) = &self.shutdown else {
            return false;
        };
        match s.unregister_deadline {
            None => {
                let in_flight = self.waiting_total > 0
                    || !self.oneway_unsent.is_empty()
                    || self
                        .pending
                        .values()
                        .any(|p| matches!(p.kind, PendingKind::Send { .. }));
                if in_flight && now < s.drain_deadline {
                    return false;
                }
                self.fail_all_sends();
                let sent = self.send_unregister();
                if let Some(s) = &mut self.shutdown {
                    s.unregister_deadline = Some(
                        now + UNREGISTER_WAIT
                            .min(Duration::from_millis(self.config.mq_client_api_timeout_ms)),
                    );
                }
                self.flush_dirty();
                !sent
            }
            Some(deadline) => {
                now >= deadline
                    || !self
                        .pending
                        .values()
                        .any(|p| matches!(p.kind, PendingKind::Unregister))
            }
        }
    }

    fn fail_all_sends(&mut self) {
        let sends: Vec<i32> = self
            .pending
            .iter()
            .filter(|(_, p)| matches!(p.kind, PendingKind::Send { .. }))
            .map(|(o, _)| *o)
            .collect();
        for opaque in sends {
            if let Some(Pending {
                kind: PendingKind::Send { job, .. },
                ..
            }) = self.pending.remove(&opaque)
            {
                job.finish(Err(shut_down_error()));
            }
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

    /// Sends UNREGISTER_CLIENT to every connected broker; true if any was sent.
    fn send_unregister(&mut self) -> bool {
        let addrs: Vec<Arc<str>> = self.brokers.values().cloned().collect();
        let (id, group) = (self.client_id.clone(), self.config.producer_group.clone());
        let mut sent = false;
        for addr in addrs {
            let Some(&token) = self.tokens.get(&*addr) else {
                continue;
            };
            let deadline = Instant::now() + UNREGISTER_WAIT;
            self.send_request(
                token,
                request_code::UNREGISTER_CLIENT,
                &[("clientID", &id), ("producerGroup", &group)],
                b"",
                PendingKind::Unregister,
                deadline,
            );
            sent = true;
        }
        sent
    }

    /// Closes everything and answers whoever waits for the shutdown. Commands
    /// still queued are failed with the shutdown error.
    fn finish(mut self) {
        self.fail_all_sends();
        for (_, (_, c)) in self.replies.drain() {
            c.complete(Err(shut_down_error()));
        }
        self.pending.clear();
        for (_, conn) in self.conns.drain() {
            conn.close(self.poll.registry());
        }
        let mut done = self.shutdown.take().map(|s| s.done).unwrap_or_default();
        while let Ok(cmd) = self.rx.try_recv() {
            match cmd {
                Command::Send(job) => job.finish(Err(shut_down_error())),
                Command::Shutdown { done: d, .. } => done.push(d),
                Command::Route { reply, .. } => {
                    let _ = reply.send(Err(shut_down_error()));
                }
                Command::AwaitReply { completion, .. } => {
                    completion.complete(Err(shut_down_error()))
                }
                Command::Oneway { .. } | Command::Stats { .. } | Command::CancelReply { .. } => {}
            }
        }
        super::send::flush_callbacks();
        for d in done {
            let _ = d.send(());
        }
    }
}

/// Encodes a request frame whose extFields `fields` writes, signed (ACL v1)
/// when credentials are configured: the one place requests get signed.
#[allow(clippy::too_many_arguments)]
fn encode_request<F: WriteFields + ?Sized>(
    config: &ProducerConfig,
    out: &mut Vec<u8>,
    code: i32,
    opaque: i32,
    flag: i32,
    remark: Option<&str>,
    body: &[u8],
    fields: &F,
) {
    match config.signing_credentials() {
        None => codec::encode_frame_with(out, code, opaque, flag, remark, body, |w| {
            fields.write_fields(w)
        }),
        Some(creds) => {
            let mut pairs: Vec<(String, String)> = Vec::new();
            fields.write_fields(&mut pairs);
            crate::acl::sign(creds, &mut pairs, body);
            codec::encode_frame_with(out, code, opaque, flag, remark, body, |w| {
                pairs.write_fields(w)
            });
        }
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

fn shut_down_error() -> Error {
    Error::new(
        ErrorKind::Shutdown,
        "the producer was shut down before the send completed",
    )
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
