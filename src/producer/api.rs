//! The producer's API (Java `DefaultMQProducer`, `TransactionMQProducer`):
//! configure, start, send in every mode, shut down.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::config::ProducerConfig;
use super::hooks::{Hooks, SendHook};
use super::inflight::{InFlight, Permit};
use super::request_reply::{self, ReplyCallback, ReplyCompletion};
use super::role::{BrokerTarget, ProducerCommand, ProducerRole};
use super::send::{
    Completion, CompletionKind, Notify, RawCallback, Receipt, SendCallback, SendJob,
};
use super::trace::{Sink, TraceDispatcher};
use super::transaction::{self, TransactionChecker, TransactionState};
use crate::client::{Client, RoleSender};
use crate::error::{Error, ErrorKind, Result};
use crate::message::{self, Message, PreparedMessage};
use crate::protocol::message_ext::MessageExt;
use crate::result::{SendResult, SendStatus};
use crate::routing::{queue_index_for_key, MessageQueue, TopicPublishInfo};

/// Life-cycle state of a producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Created; configuration may change.
    Created,
    /// Started; sends are accepted.
    Running,
    /// Shut down; nothing is accepted.
    ShutDown,
}

/// What can be set before start.
struct Setup {
    config: ProducerConfig,
    checker: Option<TransactionChecker>,
    hooks: Vec<SendHook>,
}

/// The life-cycle state; once started, what start made is in
/// `Producer::started`.
enum Inner {
    Created(Box<Setup>),
    Running,
    ShutDown,
}

struct Running {
    client: Client,
    /// The role's command channel.
    tx: RoleSender<ProducerCommand>,
    config: Arc<ProducerConfig>,
    in_flight: Arc<InFlight>,
    transactional: bool,
    /// The user's send hooks and the message trace.
    hooks: Arc<Hooks>,
}

/// How a send's caller learns the outcome.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Sync,
    Async,
    Oneway,
}

/// A RocketMQ producer.
pub struct Producer {
    inner: Mutex<Inner>,
    /// What `start` made, kept until the producer is dropped: sends read
    /// it without taking `inner`'s lock (one producer, many sending
    /// threads).
    started: std::sync::OnceLock<Running>,
    /// Set when shutdown is done (before `inner` becomes ShutDown): sends
    /// are refused from then on.
    shut_down: std::sync::atomic::AtomicBool,
}

impl Producer {
    /// A producer of `group` with default configuration.
    pub fn new(group: &str) -> Result<Producer> {
        let mut config = ProducerConfig::default();
        config.set("producerGroup", group)?;
        Ok(Producer::with_config(config))
    }

    /// A producer with the given configuration.
    pub fn with_config(config: ProducerConfig) -> Producer {
        // `ROCKETMQ_LOG` and the log sink apply from here on.
        crate::log::init();
        Producer {
            inner: Mutex::new(Inner::Created(Box::new(Setup {
                config,
                checker: None,
                hooks: Vec::new(),
            }))),
            started: std::sync::OnceLock::new(),
            shut_down: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current state.
    pub fn state(&self) -> State {
        match &*self.lock() {
            Inner::Created(..) => State::Created,
            Inner::Running => State::Running,
            Inner::ShutDown => State::ShutDown,
        }
    }

    /// Sets configuration `key` to `value` (see [`config::keys`]).
    /// Errors: those of [`ProducerConfig::set`]; [`ErrorKind::InvalidState`]
    /// once started.
    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        match &mut *self.lock() {
            Inner::Created(setup) => setup.config.set(key, value),
            _ => Err(Error::new(
                ErrorKind::InvalidState,
                "configuration can only change before start",
            )),
        }
    }

    /// A copy of the configuration.
    pub fn config(&self) -> ProducerConfig {
        match (&*self.lock(), self.started.get()) {
            (Inner::Created(setup), _) => setup.config.clone(),
            (Inner::Running, Some(r)) => (*r.config).clone(),
            _ => ProducerConfig::default(),
        }
    }

    /// Starts the producer's threads. Routes are looked up on first use.
    /// Errors: [`ErrorKind::InvalidState`] if already started or shut down;
    /// [`ErrorKind::Internal`] if threads cannot be created.
    pub fn start(&self) -> Result<()> {
        let mut inner = self.lock();
        let (config, checker, hooks) = match &mut *inner {
            Inner::Created(setup) => {
                let mut config = setup.config.clone();
                // Java wraps the group at start (DefaultMQProducer.start).
                config.producer_group = crate::namespace::wrap(
                    config.client.namespace.as_deref(),
                    &config.producer_group,
                );
                (
                    Arc::new(config),
                    setup.checker.clone(),
                    std::mem::take(&mut setup.hooks),
                )
            }
            Inner::Running => {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    "the producer is already started",
                ))
            }
            Inner::ShutDown => {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    "the producer is shut down",
                ))
            }
        };
        let client = &config.client;
        let trace = TraceDispatcher::start(client, &config.producer_group, "PUB", trace_sink)?;
        let hooks = Arc::new(Hooks { user: hooks, trace });
        let transactional = checker.is_some();
        let (tx, rx) = crossbeam_channel::bounded(command_capacity(&config));
        let role = ProducerRole::new(config.clone(), (tx.clone(), rx), checker);
        let client = Client::start(Arc::new(config.client.clone()), vec![Box::new(role)])?;
        let tx = client.role_sender(tx);
        let in_flight = InFlight::new(
            config.back_pressure_for_async_send_num,
            config.back_pressure_for_async_send_size,
        );
        // Set once: `inner` leaves Created only here, under its lock.
        let _ = self.started.set(Running {
            client,
            tx,
            config,
            in_flight,
            transactional,
            hooks,
        });
        *inner = Inner::Running;
        Ok(())
    }

    /// The running state, for a send: no lock taken.
    fn running(&self) -> Result<&Running> {
        match self.started.get() {
            _ if self.shut_down.load(std::sync::atomic::Ordering::Acquire) => {
                Err(Error::new(ErrorKind::Shutdown, "the producer is shut down"))
            }
            Some(running) => Ok(running),
            None => Err(Error::new(
                ErrorKind::InvalidState,
                "the producer is not started",
            )),
        }
    }

    /// Adds a send hook (Java `registerSendMessageHook` /
    /// `registerCheckForbiddenHook`): `before` runs on the caller's thread
    /// before every send and may refuse it ([`ErrorKind::Vetoed`]); `after`
    /// gets every sync and async outcome (caller's thread / callback
    /// thread). Hooks run in the order added; panics in them are contained.
    /// Errors: [`ErrorKind::InvalidState`] once started.
    pub fn add_send_hook(&self, hook: SendHook) -> Result<()> {
        match &mut *self.lock() {
            Inner::Created(setup) => {
                setup.hooks.push(hook);
                Ok(())
            }
            _ => Err(Error::new(
                ErrorKind::InvalidState,
                "send hooks can only be added before start",
            )),
        }
    }

    /// Makes this a transactional producer: `checker` answers the broker's
    /// questions about transactions left unknown (CHECK_TRANSACTION_STATE),
    /// on the callback thread. Mirrors Java
    /// `TransactionMQProducer.setTransactionListener` (the check half).
    /// Errors: [`ErrorKind::InvalidState`] once started.
    pub fn set_transaction_checker(&self, checker: TransactionChecker) -> Result<()> {
        match &mut *self.lock() {
            Inner::Created(setup) => {
                setup.checker = Some(checker);
                Ok(())
            }
            _ => Err(Error::new(
                ErrorKind::InvalidState,
                "the transaction checker can only be set before start",
            )),
        }
    }

    /// Sends `msg` as a transaction (Java `sendMessageInTransaction`): the
    /// half message is sent synchronously (with the retries of
    /// [`Producer::send`]); if it is stored with SEND_OK, `executor` runs on
    /// this thread with the send result and decides; otherwise the state is
    /// Rollback. The decision goes to the broker that stored the half
    /// message as a oneway END_TRANSACTION; Unknown leaves it to the
    /// broker's later check-back. A panicking executor counts as Unknown.
    ///
    /// Returns the half message's send result and the state sent. Errors:
    /// those of [`Producer::send`]; [`ErrorKind::InvalidState`] when no
    /// transaction checker was set before start.
    pub fn send_in_transaction(
        &self,
        msg: &Message,
        executor: impl FnOnce(&SendResult) -> TransactionState,
    ) -> Result<(SendResult, TransactionState)> {
        let running = self.running()?;
        if !running.transactional {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "set a transaction checker before start to send transactions",
            ));
        }
        running.hooks.before(msg)?;
        let prepared = transaction::prepare_half(msg, &running.config)?;
        let wire_topic = prepared.topic().to_string();
        let result = self.send_prepared(running, prepared, None)?;
        let (state, remark) = if result.status == SendStatus::SendOk {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| executor(&result))) {
                Ok(state) => (state, None),
                Err(_) => (
                    TransactionState::Unknown,
                    Some(
                        "executeLocalTransactionBranch exception: the executor panicked"
                            .to_string(),
                    ),
                ),
            }
        } else {
            (TransactionState::Rollback, None)
        };
        let fields = transaction::end_fields_after_send(
            &running.config.producer_group,
            &wire_topic,
            &result,
            state,
        )?;
        running.submit(ProducerCommand::EndTransaction {
            broker: BrokerTarget::Name(result.message_queue.broker_name.clone()),
            fields,
            remark,
        })?;
        Ok((result, state))
    }

    /// Sends `msg` as a request and waits up to `timeout` for its reply
    /// (Java `DefaultMQProducer.request(Message, long)`): the message gets
    /// CORRELATION_ID, REPLY_TO_CLIENT (this client's id) and TTL; a
    /// responder answers with [`crate::producer::request_reply::reply_message`] sent
    /// by [`Producer::send`]; the broker pushes the reply here.
    ///
    /// Errors: those of [`Producer::send`] for the request itself;
    /// [`ErrorKind::Timeout`] when no reply comes in time.
    pub fn request(&self, msg: &Message, timeout: Duration) -> Result<MessageExt> {
        let running = self.running()?;
        let (tx, rx) = crossbeam_channel::bounded(1);
        let (id, prepared) =
            self.prepare_request(running, msg, timeout, ReplyCompletion::Sync(tx))?;
        if let Err(e) = self.send_prepared(running, prepared, None) {
            let _ = running.submit(ProducerCommand::CancelReply {
                correlation_id: id,
                error: e.clone(),
            });
            return Err(e);
        }
        match rx.recv() {
            Ok(outcome) => outcome,
            Err(_) => Err(Error::new(ErrorKind::Shutdown, "the producer is shut down")),
        }
    }

    /// [`Producer::request`] without blocking: `callback` gets the reply or
    /// the error exactly once, on the callback thread.
    /// Errors returned directly: validation and state errors,
    /// [`ErrorKind::QueueFull`].
    pub fn request_async(
        &self,
        msg: &Message,
        timeout: Duration,
        callback: ReplyCallback,
    ) -> Result<()> {
        let running = self.running()?;
        let completion = ReplyCompletion::Callback(callback, running.client.callbacks());
        let (id, prepared) = self.prepare_request(running, msg, timeout, completion)?;
        let loop_handle = running.tx.clone();
        let on_sent: SendCallback = Box::new(move |outcome| {
            if let Err(e) = outcome {
                // Dropped if the loop is gone: it failed the wait itself.
                let _ = loop_handle.send(ProducerCommand::CancelReply {
                    correlation_id: id,
                    error: e,
                });
            }
        });
        self.send_prepared_async(running, prepared, None, Notify::Boxed(on_sent))
    }

    fn prepare_request(
        &self,
        running: &Running,
        msg: &Message,
        timeout: Duration,
        completion: ReplyCompletion,
    ) -> Result<(String, PreparedMessage)> {
        running.hooks.before(msg)?;
        let id = request_reply::new_correlation_id();
        let mut request = msg.clone();
        let ttl = timeout.as_millis() as u64;
        for (k, v) in request_reply::request_properties(&id, &running.client.client_id, ttl) {
            request.set_system_property(&k, &v);
        }
        let prepared = message::prepare(&request, &running.config.prepare_options())?;
        running.submit(ProducerCommand::AwaitReply {
            correlation_id: id.clone(),
            deadline: Instant::now() + timeout,
            completion,
        })?;
        Ok((id, prepared))
    }

    /// The client id this producer reports to brokers (`ip@instance`), once started.
    pub fn client_id(&self) -> Option<String> {
        self.running().ok().map(|r| r.client.client_id.clone())
    }

    /// Sends `msg` and waits for the outcome, at most `sendMsgTimeout` ms
    /// for all attempts (1 + `retryTimesWhenSendFailed`, each on another
    /// broker when there is one). Mirrors Java `DefaultMQProducer.send(Message)`.
    ///
    /// Errors: [`ErrorKind::InvalidTopic`], [`ErrorKind::InvalidMessage`],
    /// [`ErrorKind::MessageTooLarge`] (checked before any network I/O);
    /// [`ErrorKind::InvalidState`] before start; [`ErrorKind::Shutdown`];
    /// [`ErrorKind::NoRoute`]; [`ErrorKind::Timeout`]; [`ErrorKind::Network`];
    /// [`ErrorKind::Broker`] with the broker's response code.
    pub fn send(&self, msg: &Message) -> Result<SendResult> {
        let running = self.running()?;
        let started = Instant::now();
        running.hooks.before(msg)?;
        let prepared = message::prepare(msg, &running.config.prepare_options())?;
        let outcome = self.send_prepared(running, prepared, None);
        running
            .hooks
            .after(std::slice::from_ref(msg), &outcome, started);
        outcome
    }

    /// Sends `msg` to the queue `mq` and waits: one attempt, no failover to
    /// another queue (Java `send(Message, MessageQueue)`), so per-queue order
    /// holds. Errors: those of [`Producer::send`]; [`ErrorKind::NoRoute`] if
    /// `mq`'s broker is not in the topic's route.
    pub fn send_to_queue(&self, msg: &Message, mq: &MessageQueue) -> Result<SendResult> {
        let running = self.running()?;
        let started = Instant::now();
        running.hooks.before(msg)?;
        let prepared = message::prepare(msg, &running.config.prepare_options())?;
        let outcome = self.send_prepared(running, prepared, Some(wrap_queue(running, mq)));
        running
            .hooks
            .after(std::slice::from_ref(msg), &outcome, started);
        outcome
    }

    /// Sends `msgs` as one batch (SEND_BATCH_MESSAGE) and waits. The result's
    /// `msg_id` and `offset_msg_id` list every message's id, comma-separated,
    /// in order. Errors: those of [`message::prepare_batch`] (before any
    /// network I/O) and of [`Producer::send`].
    pub fn send_batch(&self, msgs: &[Message]) -> Result<SendResult> {
        let running = self.running()?;
        let started = Instant::now();
        for m in msgs {
            running.hooks.before(m)?;
        }
        let prepared = message::prepare_batch(msgs, &running.config.prepare_options())?;
        let outcome = self.send_prepared(running, prepared, None);
        running.hooks.after(msgs, &outcome, started);
        outcome
    }

    fn send_prepared(
        &self,
        running: &Running,
        prepared: PreparedMessage,
        target: Option<MessageQueue>,
    ) -> Result<SendResult> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let job = job(
            running,
            prepared,
            Mode::Sync,
            CompletionKind::Sync(tx),
            Instant::now(),
            target,
        );
        running.submit(ProducerCommand::Send(job))?;
        let busy_poll = Duration::from_micros(running.config.client.io_busy_poll_us);
        match running.client.wait_sync(&rx, busy_poll) {
            Some(outcome) => outcome.map(Receipt::into_result),
            None => Err(Error::new(
                ErrorKind::Shutdown,
                "the producer was shut down before the send completed",
            )),
        }
    }

    /// Sends `msg` without waiting; `callback` gets the outcome exactly once,
    /// on the producer's callback thread (never the caller's thread, never
    /// concurrently with another callback of this producer). Attempts:
    /// 1 + `retryTimesWhenSendAsyncFailed` within `sendMsgTimeout` ms.
    ///
    /// Back-pressure: at most `backPressureForAsyncSendNum` sends and
    /// `backPressureForAsyncSendSize` body bytes are in flight (async and
    /// oneway together, until their callback has returned). When full, the
    /// call blocks up to `sendMsgTimeout` if `enableBackpressureForAsyncMode`
    /// is true (never on the callback thread itself, which would wait for
    /// itself), else fails at once with [`ErrorKind::QueueFull`].
    ///
    /// Errors returned directly (the callback is then not called): the
    /// validation errors of [`Producer::send`], [`ErrorKind::QueueFull`],
    /// [`ErrorKind::InvalidState`], [`ErrorKind::Shutdown`]. Everything later
    /// goes to the callback.
    pub fn send_async(&self, msg: &Message, callback: SendCallback) -> Result<()> {
        self.send_async_with(msg, None, Notify::Boxed(callback))
    }

    /// [`Producer::send_async`] (or [`Producer::send_to_queue_async`] when
    /// `mq` is set) with a callback that needs no allocation (the C API's):
    /// `callback.call` gets a borrowed [`crate::result::SendResultView`] or
    /// the error, once, on the callback thread. Errors: those of
    /// [`Producer::send_async`] (the callback then never runs).
    pub fn send_async_raw(
        &self,
        msg: &Message,
        mq: Option<&MessageQueue>,
        callback: RawCallback,
    ) -> Result<()> {
        self.send_async_with(msg, mq, Notify::Raw(callback))
    }

    fn send_async_with(
        &self,
        msg: &Message,
        mq: Option<&MessageQueue>,
        notify: Notify,
    ) -> Result<()> {
        let running = self.running()?;
        running.hooks.before(msg)?;
        let prepared = message::prepare(msg, &running.config.prepare_options())?;
        let notify = running.hooks.wrap(std::slice::from_ref(msg), notify);
        let target = mq.map(|mq| wrap_queue(running, mq));
        self.send_prepared_async(running, prepared, target, notify)
    }

    /// [`Producer::send_to_queue`] with the outcome delivered as in
    /// [`Producer::send_async`].
    pub fn send_to_queue_async(
        &self,
        msg: &Message,
        mq: &MessageQueue,
        callback: SendCallback,
    ) -> Result<()> {
        self.send_async_with(msg, Some(mq), Notify::Boxed(callback))
    }

    /// [`Producer::send_batch`] with the outcome delivered as in
    /// [`Producer::send_async`].
    pub fn send_batch_async(&self, msgs: &[Message], callback: SendCallback) -> Result<()> {
        let running = self.running()?;
        for m in msgs {
            running.hooks.before(m)?;
        }
        let prepared = message::prepare_batch(msgs, &running.config.prepare_options())?;
        let notify = running.hooks.wrap(msgs, Notify::Boxed(callback));
        self.send_prepared_async(running, prepared, None, notify)
    }

    fn send_prepared_async(
        &self,
        running: &Running,
        prepared: PreparedMessage,
        target: Option<MessageQueue>,
        notify: Notify,
    ) -> Result<()> {
        let started = Instant::now();
        let permit = permit(running, prepared.body.len(), started)?;
        let kind = CompletionKind::Callback(notify, permit);
        let job = job(running, prepared, Mode::Async, kind, started, target);
        running.submit(ProducerCommand::Send(job))
    }

    /// Sends `msg` oneway (Java `sendOneway`): one attempt, no response is
    /// awaited, no retry. Returns once the send is accepted (validated and
    /// queued for the I/O thread, within the async back-pressure limits);
    /// a failure after that (no route, connection lost) is only logged.
    ///
    /// Errors: the validation errors of [`Producer::send`],
    /// [`ErrorKind::QueueFull`], [`ErrorKind::InvalidState`], [`ErrorKind::Shutdown`].
    pub fn send_oneway(&self, msg: &Message) -> Result<()> {
        self.oneway(msg, None)
    }

    /// [`Producer::send_oneway`] to the queue `mq`.
    pub fn send_to_queue_oneway(&self, msg: &Message, mq: &MessageQueue) -> Result<()> {
        let running = self.running()?;
        self.oneway(msg, Some(wrap_queue(running, mq)))
    }

    fn oneway(&self, msg: &Message, target: Option<MessageQueue>) -> Result<()> {
        let running = self.running()?;
        running.hooks.before(msg)?;
        let prepared = message::prepare(msg, &running.config.prepare_options())?;
        let started = Instant::now();
        let permit = permit(running, prepared.body.len(), started)?;
        let kind = CompletionKind::Oneway(permit);
        let job = job(running, prepared, Mode::Oneway, kind, started, target);
        running.submit(ProducerCommand::Send(job))
    }

    /// The writable queues of `topic`, looked up on the NameServer if not
    /// cached (Java `fetchPublishMessageQueues`). Waits at most
    /// `sendMsgTimeout` ms. Errors: [`ErrorKind::InvalidTopic`],
    /// [`ErrorKind::NoRoute`], [`ErrorKind::Timeout`], state errors.
    pub fn queues(&self, topic: &str) -> Result<Vec<MessageQueue>> {
        let running = self.running()?;
        let ns = running.config.client.namespace.as_deref();
        let route = self.route(&crate::namespace::wrap(ns, topic))?;
        Ok(route
            .queues
            .iter()
            .map(|q| MessageQueue {
                topic: Arc::from(topic),
                broker_name: q.broker_name.clone(),
                queue_id: q.queue_id,
            })
            .collect())
    }

    fn route(&self, topic: &str) -> Result<Arc<TopicPublishInfo>> {
        message::validate_topic(topic)?;
        let running = self.running()?;
        let (tx, rx) = crossbeam_channel::bounded(1);
        running.submit(ProducerCommand::Route {
            topic: topic.to_string(),
            reply: tx,
        })?;
        let timeout = Duration::from_millis(running.config.send_msg_timeout_ms);
        match rx.recv_timeout(timeout) {
            Ok(r) => r,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => Err(Error::new(
                ErrorKind::Timeout,
                format!("no route for {} within {} ms", topic, timeout.as_millis()),
            )),
            Err(_) => Err(Error::new(ErrorKind::Shutdown, "the producer is shut down")),
        }
    }

    /// The queue a sharding `key` maps to among `topic`'s writable queues:
    /// `abs(java_string_hash(key) % n)`, the mapping of Java's
    /// `SelectMessageQueueByHash`, so keys land where Java producers put them.
    /// Errors: those of [`Producer::queues`].
    pub fn queue_for_key(&self, topic: &str, key: &str) -> Result<MessageQueue> {
        let queues = self.queues(topic)?;
        let index = queue_index_for_key(key, queues.len()).ok_or_else(|| {
            Error::new(ErrorKind::NoRoute, format!("topic {} has no queues", topic))
        })?;
        Ok(queues[index].clone())
    }

    /// Waits until every accepted async and oneway send has its outcome
    /// (callbacks returned) or `timeout` passes. Returns how many are still
    /// pending (0 = all done). Sync sends are waited for by their callers.
    /// Errors: [`ErrorKind::InvalidState`] before start.
    pub fn flush(&self, timeout: Duration) -> Result<usize> {
        match &*self.lock() {
            Inner::ShutDown => return Ok(0),
            Inner::Created(..) => {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    "the producer is not started",
                ))
            }
            Inner::Running => {}
        }
        let running = self.running()?;
        if running.client.on_callback_thread() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "flush cannot be called from a send callback (it would wait for itself)",
            ));
        }
        Ok(running.in_flight.wait_empty(Instant::now() + timeout))
    }

    /// A statistics snapshot as JSON: client id, totals (`sends_ok`,
    /// `sends_failed` per attempt, `retries`), `in_flight` (async and
    /// oneway), per broker (`addr`, `sends_ok`, `sends_failed`,
    /// `latency_us` p50/p99/max, `fault`: available, latency_ms, isolated,
    /// available_in_ms) and per topic (queue count, brokers).
    /// Errors: state errors; [`ErrorKind::Timeout`] if the I/O thread does
    /// not answer within 5 s.
    pub fn stats_json(&self) -> Result<String> {
        let running = self.running()?;
        let (tx, rx) = crossbeam_channel::bounded(1);
        running.submit(ProducerCommand::Stats { reply: tx })?;
        let mut snapshot = rx
            .recv_timeout(Duration::from_secs(5))
            .map_err(|_| Error::new(ErrorKind::Timeout, "no statistics within 5 s"))?;
        snapshot.in_flight = running.in_flight.pending();
        snapshot.trace = running.hooks.trace.as_ref().map(|t| t.counters.snapshot());
        let bytes = serde_json::to_vec(&snapshot).unwrap_or_default();
        Ok(String::from_utf8(bytes).unwrap_or_default())
    }

    /// Async and oneway sends accepted and not yet completed.
    pub fn in_flight(&self) -> usize {
        self.running().map(|r| r.in_flight.pending()).unwrap_or(0)
    }

    /// Shuts down: waits up to `timeout` for accepted sends to complete, fails
    /// the rest with [`ErrorKind::Shutdown`] (their callbacks run), sends
    /// UNREGISTER_CLIENT to the brokers, closes sockets and joins the threads.
    /// Idempotent; a producer never started just becomes shut down.
    ///
    /// Errors: [`ErrorKind::InvalidState`] when called from a send callback
    /// (the producer stays running).
    pub fn shutdown_with_timeout(&self, timeout: Duration) -> Result<()> {
        let running = match &*self.lock() {
            Inner::Running => self.started.get(),
            _ => None,
        };
        if let Some(r) = running {
            if r.client.on_callback_thread() {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    "shutdown cannot be called from a send callback (it would wait for itself)",
                ));
            }
            r.in_flight.close();
            r.client.shutdown(timeout)?;
            // Last, so that the trace of every send is sent.
            if let Some(trace) = &r.hooks.trace {
                trace.stop();
            }
        }
        self.shut_down
            .store(true, std::sync::atomic::Ordering::Release);
        *self.lock() = Inner::ShutDown;
        Ok(())
    }

    /// [`Producer::shutdown_with_timeout`] with `shutdownTimeout` as the wait.
    pub fn shutdown(&self) -> Result<()> {
        let timeout = Duration::from_millis(self.config().shutdown_timeout_ms);
        self.shutdown_with_timeout(timeout)
    }
}

/// The internal producer of the message trace (Java's trace producer of
/// `AsyncTraceDispatcher`): started with `config`, sending synchronously
/// on the trace thread ([`TraceDispatcher`]'s sink).
pub(crate) fn trace_sink(config: ProducerConfig) -> Result<Sink> {
    let producer = Producer::with_config(config);
    producer.start()?;
    Ok(Box::new(move |m: &Message| producer.send(m).map(drop)))
}

impl Running {
    /// Hands `cmd` to the producer's role. If the loop is gone the command
    /// is dropped, a send in it dismissed (its caller gets the error).
    /// Errors: [`ErrorKind::Shutdown`].
    fn submit(&self, cmd: ProducerCommand) -> Result<()> {
        match self.tx.send(cmd) {
            Ok(()) => Ok(()),
            Err(cmd) => {
                if let ProducerCommand::Send(job) = cmd {
                    job.completion.dismiss();
                }
                Err(Error::new(ErrorKind::Shutdown, "the producer is shut down"))
            }
        }
    }
}

/// Room in the command channel. A ring allocated once: an unbounded
/// channel would allocate (and zero) a block every 31 sends on the calling
/// thread and free it on the loop's. It holds every async and oneway send
/// the back-pressure window admits (up to 16 384; beyond that a full
/// channel holds callers back too) plus 1 024 others (sync sends, route
/// requests, replies). A caller finding it full waits for the loop, which
/// always drains it (it never waits for an API or callback thread); once
/// the loop has ended, a send fails with the shutdown error.
fn command_capacity(config: &ProducerConfig) -> usize {
    config.back_pressure_for_async_send_num.min(16_384) + 1_024
}

/// `mq` with its topic inside the producer's namespace.
fn wrap_queue(running: &Running, mq: &MessageQueue) -> MessageQueue {
    match running.config.client.namespace.as_deref() {
        None => mq.clone(),
        ns => MessageQueue {
            topic: crate::namespace::wrap(ns, &mq.topic).into(),
            broker_name: mq.broker_name.clone(),
            queue_id: mq.queue_id,
        },
    }
}

fn permit(running: &Running, bytes: usize, started: Instant) -> Result<Permit> {
    let config = &running.config;
    let block_until = (config.enable_backpressure_for_async_mode
        && !running.client.on_callback_thread())
    .then(|| started + Duration::from_millis(config.send_msg_timeout_ms));
    running.in_flight.acquire(bytes, block_until)
}

fn job(
    running: &Running,
    prepared: PreparedMessage,
    mode: Mode,
    kind: CompletionKind,
    started: Instant,
    target: Option<MessageQueue>,
) -> SendJob {
    let config = &running.config;
    // Like Java, sends to a chosen queue never fail over to another one.
    let retries = match (mode, &target) {
        (_, Some(_)) | (Mode::Oneway, _) => 0,
        (Mode::Sync, None) => config.retry_times_when_send_failed,
        (Mode::Async, None) => config.retry_times_when_send_async_failed,
    };
    SendJob {
        msg: prepared,
        deadline: started + Duration::from_millis(config.send_msg_timeout_ms),
        retries_left: retries,
        last_attempt: None,
        target: target.map(Box::new),
        completion: Completion::new(kind),
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
