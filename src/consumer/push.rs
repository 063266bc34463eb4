//! The push consumer (Java `DefaultMQPushConsumer` with a concurrent
//! listener): the pull consumer's read path (rebalance, long-polling
//! prefetch, start offsets, commits) feeding a pool of consume threads that
//! run the user's listener. A message is done when its listener call
//! succeeds; one the listener wants again goes back to its broker for a
//! retry (`%RETRY%<group>`, later `%DLQ%<group>`), and the committed offset
//! never passes a message still in flight.

use std::cell::Cell;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::api::{state_error, ConsumerState, PullConsumer};
use super::command::{shut_down, Consumed, ConsumerCommand};
use super::config::{ConsumerConfig, MessageModel};
use super::handover::{Direct, Handover};
use super::role::ConsumerRole;
use super::subscription::Subscription;
use super::trace_hook;
use crate::client::{Client, RoleSender};
use crate::error::{Error, ErrorKind, Result};
use crate::producer::trace::TraceDispatcher;
use crate::producer::trace_sink;
use crate::protocol::message_ext::MessageExt;

/// What a listener call asks for (Java `ConsumeConcurrentlyStatus`,
/// `ConsumeOrderlyStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeStatus {
    /// `CONSUME_SUCCESS`: the messages are done.
    Success,
    /// `RECONSUME_LATER`: deliver the messages again later. Concurrent: a
    /// retry through the broker (`%RETRY%<group>`). Orderly
    /// (`SUSPEND_CURRENT_QUEUE_A_MOMENT`): the queue pauses for
    /// `suspendCurrentQueueTimeMillis`, then the same messages come again,
    /// before any later one of their queue.
    ReconsumeLater,
}

/// The listener: runs on one of the consumer's consume threads
/// (`rocketmq-consume-N`), never on the I/O thread; gets 1 to
/// `consumeMessageBatchMaxSize` messages, all of one queue, in offset
/// order. A panic counts as [`ConsumeStatus::ReconsumeLater`].
pub type MessageListener = Arc<dyn Fn(&[MessageExt]) -> ConsumeStatus + Send + Sync>;

/// How long shutdown waits for running listener calls, at most.
const LISTENER_WAIT: Duration = Duration::from_secs(30);

thread_local! {
    /// Set on a push consumer's consume threads.
    static ON_CONSUME_THREAD: Cell<bool> = const { Cell::new(false) };
}

struct Setup {
    config: ConsumerConfig,
    subscriptions: Vec<(String, String)>,
    listener: Option<MessageListener>,
    orderly: bool,
}

struct Running {
    client: Client,
    tx: RoleSender<ConsumerCommand>,
    config: Arc<ConsumerConfig>,
    handover: Arc<Handover>,
    threads: Vec<JoinHandle<()>>,
    /// Set when every consume thread has returned.
    stopped: Arc<(Mutex<usize>, std::sync::Condvar)>,
    /// The message trace (`enableMsgTrace`).
    trace: Option<Arc<TraceDispatcher>>,
}

enum Inner {
    Created(Box<Setup>),
    Running(Box<Running>),
    ShutDown,
}

/// A push consumer; see the module docs. Thread-safe: every method takes
/// `&self`.
pub struct PushConsumer {
    inner: Mutex<Inner>,
}

impl PushConsumer {
    /// A consumer of `group` with default settings. Errors:
    /// [`ErrorKind::InvalidArgument`] for an empty group.
    pub fn new(group: &str) -> Result<PushConsumer> {
        let mut config = ConsumerConfig::default();
        config.set("consumerGroup", group)?;
        crate::log::init();
        Ok(PushConsumer {
            inner: Mutex::new(Inner::Created(Box::new(Setup {
                config,
                subscriptions: Vec::new(),
                listener: None,
                orderly: false,
            }))),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn setup(&self) -> Result<MutexGuard<'_, Inner>> {
        let inner = self.lock();
        match &*inner {
            Inner::Created(_) => Ok(inner),
            Inner::Running(_) => Err(state_error("the push consumer is already started")),
            Inner::ShutDown => Err(shut_down()),
        }
    }

    /// Where the consumer is in its life.
    pub fn state(&self) -> ConsumerState {
        match &*self.lock() {
            Inner::Created(_) => ConsumerState::Created,
            Inner::Running(_) => ConsumerState::Running,
            Inner::ShutDown => ConsumerState::ShutDown,
        }
    }

    /// A copy of the settings.
    pub fn config(&self) -> ConsumerConfig {
        match &*self.lock() {
            Inner::Created(s) => s.config.clone(),
            Inner::Running(r) => (*r.config).clone(),
            Inner::ShutDown => ConsumerConfig::default(),
        }
    }

    /// Sets a configuration key (see [`super::config::keys`]; the push
    /// keys are `consumeThreadCount`, `consumeMessageBatchMaxSize`,
    /// `maxReconsumeTimes`, `delayLevelWhenNextConsume`) before start.
    /// Errors: [`ErrorKind::UnknownConfigKey`], [`ErrorKind::InvalidArgument`];
    /// [`ErrorKind::InvalidState`] after start.
    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        match &mut *self.setup()? {
            Inner::Created(s) => s.config.set(key, value),
            _ => Err(state_error("configuration can only change before start")),
        }
    }

    /// Subscribes to `topic` with a tag `expression` (`*`, `TagA||TagB`),
    /// before start; a second call for a topic replaces its expression.
    /// Errors: [`ErrorKind::InvalidTopic`], [`ErrorKind::InvalidArgument`];
    /// [`ErrorKind::InvalidState`] after start.
    pub fn subscribe(&self, topic: &str, expression: &str) -> Result<()> {
        match &mut *self.setup()? {
            Inner::Created(s) => {
                crate::message::validate_topic(topic)?;
                Subscription::new(topic, expression, 0)?;
                s.subscriptions.retain(|(t, _)| t != topic);
                s.subscriptions
                    .push((topic.to_string(), expression.to_string()));
                Ok(())
            }
            _ => Err(state_error("subscriptions can only change before start")),
        }
    }

    /// Drops the subscription of `topic`, before start. Errors: as
    /// [`subscribe`](PushConsumer::subscribe).
    pub fn unsubscribe(&self, topic: &str) -> Result<()> {
        match &mut *self.setup()? {
            Inner::Created(s) => {
                s.subscriptions.retain(|(t, _)| t != topic);
                Ok(())
            }
            _ => Err(state_error("subscriptions can only change before start")),
        }
    }

    /// Sets a concurrent listener (Java `registerMessageListener` with a
    /// `MessageListenerConcurrently`), before start: several calls may run
    /// at once, for any queues. Errors: [`ErrorKind::InvalidState`] after
    /// start.
    pub fn register_listener(&self, listener: MessageListener) -> Result<()> {
        self.set_listener(listener, false)
    }

    /// Sets an orderly listener (Java `MessageListenerOrderly`), before
    /// start: a queue is consumed by one call at a time, in offset order,
    /// and in clustering mode only while this client holds the queue's
    /// lock on its broker; `ReconsumeLater` suspends the queue and retries
    /// the same messages. Errors: [`ErrorKind::InvalidState`] after start.
    pub fn register_orderly_listener(&self, listener: MessageListener) -> Result<()> {
        self.set_listener(listener, true)
    }

    fn set_listener(&self, listener: MessageListener, orderly: bool) -> Result<()> {
        match &mut *self.setup()? {
            Inner::Created(s) => {
                s.listener = Some(listener);
                s.orderly = orderly;
                Ok(())
            }
            _ => Err(state_error("the listener can only change before start")),
        }
    }

    /// Starts the consumer: its engine, rebalance and prefetching, and
    /// `consumeThreadCount` consume threads. In clustering mode the group's
    /// retry topic `%RETRY%<group>` is subscribed too (Java
    /// `copySubscription`). Errors: [`ErrorKind::InvalidState`] without a
    /// listener or a subscription, or when started; [`ErrorKind::Shutdown`]
    /// after shutdown;
    /// [`ErrorKind::InvalidArgument`] (settings); [`ErrorKind::Internal`]
    /// when threads cannot be created.
    pub fn start(&self) -> Result<()> {
        let mut inner = self.setup()?;
        let Inner::Created(setup) = &mut *inner else {
            return Err(state_error("the push consumer is already started"));
        };
        let Some(listener) = setup.listener.clone() else {
            return Err(state_error("no message listener is registered"));
        };
        if setup.subscriptions.is_empty() {
            return Err(state_error("no topic is subscribed"));
        }
        setup.config.check()?;
        let mut config = setup.config.clone();
        let ns = config.client.namespace.clone();
        config.consumer_group = crate::namespace::wrap(ns.as_deref(), &config.consumer_group);
        let now_ms = crate::protocol::message_id::now_ms();
        let mut subs = Vec::new();
        for (topic, expr) in &setup.subscriptions {
            let wrapped = PullConsumer::wrap(&config, topic)?;
            subs.push(Subscription::new(&wrapped, expr, now_ms)?);
        }
        if config.message_model == MessageModel::Clustering {
            let retry = format!("%RETRY%{}", config.consumer_group);
            subs.push(Subscription::new(&retry, "*", now_ms)?);
        }
        let config = Arc::new(config);
        let handover = Arc::new(Handover::default());
        let (tx, rx) = crossbeam_channel::unbounded();
        let orderly = setup.orderly;
        let role = ConsumerRole::new_push(config.clone(), rx, handover.clone(), subs, orderly);
        let group = &config.consumer_group;
        let trace = TraceDispatcher::start(&config.client, group, "SUB", trace_sink)?;
        let client = Client::start(Arc::new(config.client.clone()), vec![Box::new(role)])?;
        let tx = client.role_sender(tx);
        let stopped = Arc::new((Mutex::new(0usize), std::sync::Condvar::new()));
        let mut threads = Vec::new();
        for i in 0..config.consume_thread_count {
            let worker = Worker {
                handover: handover.clone(),
                tx: tx.clone(),
                listener: listener.clone(),
                batch: config.consume_message_batch_max_size,
                stopped: stopped.clone(),
                trace: trace.clone(),
                orderly: orderly.then(|| Orderly {
                    suspend: Duration::from_millis(config.suspend_current_queue_time_ms),
                    max_reconsume_times: config.max_reconsume_times_orderly(),
                }),
            };
            let spawned = std::thread::Builder::new()
                .name(format!("rocketmq-consume-{}", i))
                .spawn(move || worker.run());
            match spawned {
                Ok(t) => threads.push(t),
                Err(e) => {
                    handover.close();
                    let _ = client.shutdown(Duration::ZERO);
                    return Err(Error::new(
                        ErrorKind::Internal,
                        format!("cannot create a consume thread: {}", e),
                    ));
                }
            }
        }
        *inner = Inner::Running(Box::new(Running {
            client,
            tx,
            config,
            handover,
            threads,
            stopped,
            trace,
        }));
        Ok(())
    }

    /// The queues this consumer owns now, sorted (Java
    /// `RebalanceImpl.getProcessQueueTable` keys). Errors:
    /// [`ErrorKind::InvalidState`] before start, [`ErrorKind::Shutdown`]
    /// after shutdown.
    pub fn assignment(&self) -> Result<Vec<crate::routing::MessageQueue>> {
        let (reply, rx) = crossbeam_channel::bounded(1);
        let waited = match &*self.lock() {
            Inner::Running(r) => {
                r.tx.send(ConsumerCommand::Assignment { reply })
                    .map_err(|_| shut_down())?;
                rx
            }
            Inner::Created(_) => return Err(state_error("the push consumer is not started")),
            Inner::ShutDown => return Err(shut_down()),
        };
        let ns = self.config().client.namespace;
        let queues = waited.recv().map_err(|_| shut_down())?;
        Ok(queues
            .into_iter()
            .map(|q| match ns.as_deref() {
                Some(n) if !n.is_empty() => crate::routing::MessageQueue {
                    topic: crate::namespace::unwrap(Some(n), &q.topic).into(),
                    ..q
                },
                _ => q,
            })
            .collect())
    }

    /// Whether the current thread is a consume thread of a push consumer.
    pub fn on_consume_thread() -> bool {
        ON_CONSUME_THREAD.with(|f| f.get())
    }

    /// Shuts down: stops handing out messages, waits for the listener calls
    /// that run (at most 30 s: a call still running then is left to finish
    /// on its own, and its outcome is not committed), commits the offsets,
    /// unregisters, and joins every thread; no listener call starts after
    /// it returns. Idempotent.
    /// Errors: [`ErrorKind::InvalidState`] when called from a consume
    /// thread (it would wait for itself).
    pub fn shutdown(&self) -> Result<()> {
        if Self::on_consume_thread() {
            return Err(state_error(
                "shutdown cannot be called from a message listener (it would wait for itself)",
            ));
        }
        let running = {
            let mut inner = self.lock();
            match std::mem::replace(&mut *inner, Inner::ShutDown) {
                Inner::Running(r) => r,
                _ => return Ok(()),
            }
        };
        let Running {
            client,
            tx: _,
            config: _,
            handover,
            threads,
            stopped,
            trace,
        } = *running;
        handover.close();
        // Wait for the running listener calls (their outcomes reach the
        // role before its shutdown commits).
        let n = threads.len();
        let (lock, cv) = &*stopped;
        let deadline = Instant::now() + LISTENER_WAIT;
        let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
        while *done < n {
            let now = Instant::now();
            if now >= deadline {
                log::warn!(
                    "push consumer shutdown: a listener still runs after {:?}",
                    LISTENER_WAIT
                );
                break;
            }
            done = cv
                .wait_timeout(done, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let all_done = *done >= n;
        drop(done);
        if all_done {
            for t in threads {
                let _ = t.join();
            }
        }
        let outcome = client.shutdown(Duration::from_millis(3000));
        // Last, so that the trace of every listener call is sent.
        if let Some(trace) = trace {
            trace.stop();
        }
        outcome
    }
}

impl Drop for PushConsumer {
    fn drop(&mut self) {
        if !Self::on_consume_thread() {
            let _ = self.shutdown();
            return;
        }
        // Dropped from a listener (the last handle): it cannot wait for
        // its own thread. Stop handing out messages now and shut down on a
        // thread of its own, which waits for this call to return.
        let inner = std::mem::replace(&mut *self.lock(), Inner::ShutDown);
        if let Inner::Running(r) = inner {
            r.handover.close();
            let orphan = PushConsumer {
                inner: Mutex::new(Inner::Running(r)),
            };
            let spawned = std::thread::Builder::new()
                .name("rocketmq-shutdown".into())
                .spawn(move || drop(orphan));
            if spawned.is_err() {
                log::warn!("push consumer dropped from its listener: no thread to shut it down");
            }
        }
    }
}

/// One consume thread.
struct Worker {
    handover: Arc<Handover>,
    tx: RoleSender<ConsumerCommand>,
    listener: MessageListener,
    batch: usize,
    stopped: Arc<(Mutex<usize>, std::sync::Condvar)>,
    /// The message trace (`enableMsgTrace`).
    trace: Option<Arc<TraceDispatcher>>,
    /// Set for an orderly listener.
    orderly: Option<Orderly>,
}

/// How an orderly worker retries.
struct Orderly {
    suspend: Duration,
    max_reconsume_times: i32,
}

impl Worker {
    fn run(self) {
        ON_CONSUME_THREAD.with(|f| f.set(true));
        match &self.orderly {
            Some(o) => self.run_orderly(o),
            None => self.run_concurrently(),
        }
        let (lock, cv) = &*self.stopped;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        cv.notify_all();
    }

    /// Runs the listener on `msgs` (a panic counts as `ReconsumeLater`),
    /// with its `SubBefore` / `SubAfter` trace records when tracing.
    fn call(&self, msgs: &[MessageExt]) -> ConsumeStatus {
        let listener = &self.listener;
        let traced = self
            .trace
            .as_deref()
            .map(|t| (t, trace_hook::before(t, msgs)));
        let status = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| listener(msgs)));
        if let Some((t, call)) = traced {
            let (success, code) = match &status {
                Ok(ConsumeStatus::Success) => (true, trace_hook::RETURN_SUCCESS),
                Ok(ConsumeStatus::ReconsumeLater) => (false, trace_hook::RETURN_FAILED),
                Err(_) => (false, trace_hook::RETURN_EXCEPTION),
            };
            trace_hook::after(t, call, success, code);
        }
        status.unwrap_or(ConsumeStatus::ReconsumeLater)
    }

    /// Hands a call's outcome to the role: at once when it must act
    /// (retries, a queue waiting for room), else on the loop's next turn.
    fn report(&self, c: Consumed) -> bool {
        let urgent = !c.later.is_empty() || self.handover.room_wanted();
        let cmd = ConsumerCommand::Consumed(c);
        let sent = if urgent {
            self.tx.send(cmd)
        } else {
            self.tx.send_quiet(cmd)
        };
        sent.is_ok()
    }

    /// Runs the listener once on a CONSUME_MESSAGE_DIRECTLY message and
    /// answers with Java's `ConsumeMessageDirectlyResult`; nothing is
    /// committed or retried. `false` once the role is gone.
    fn consume_directly(&self, d: Direct) -> bool {
        let started = Instant::now();
        let msgs = std::slice::from_ref(&d.message);
        let listener = &self.listener;
        let status = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| listener(msgs)));
        let (result, remark) = match status {
            Ok(ConsumeStatus::Success) => ("CR_SUCCESS", None),
            Ok(ConsumeStatus::ReconsumeLater) => ("CR_LATER", None),
            Err(_) => ("CR_THROW_EXCEPTION", Some("the listener panicked")),
        };
        let body = serde_json::json!({
            "autoCommit": true,
            "consumeResult": result,
            "order": self.orderly.is_some(),
            "remark": remark,
            "spentTimeMills": started.elapsed().as_millis() as u64,
        });
        let cmd = ConsumerCommand::Directly {
            token: d.token,
            opaque: d.opaque,
            body: serde_json::to_vec(&body).unwrap_or_default(),
        };
        self.tx.send(cmd).is_ok()
    }

    fn run_concurrently(&self) {
        let mut msgs: Vec<MessageExt> = Vec::with_capacity(self.batch);
        loop {
            if let Some(d) = self.handover.take_direct() {
                if !self.consume_directly(d) {
                    break;
                }
                continue;
            }
            msgs.clear();
            let deadline = Instant::now() + Duration::from_secs(1);
            let taken = self
                .handover
                .take_one_queue(&mut |m| msgs.push(m), self.batch, deadline);
            if self.handover.is_closed() {
                // Taken after the close: never handed to the listener; the
                // next owner (or restart) gets them again.
                break;
            }
            let Some(taken) = taken.into_iter().next() else {
                continue;
            };
            let (done, later) = match self.call(&msgs) {
                ConsumeStatus::Success => {
                    (msgs.iter().map(|m| m.queue_offset).collect(), Vec::new())
                }
                ConsumeStatus::ReconsumeLater => (Vec::new(), std::mem::take(&mut msgs)),
            };
            if !self.report(Consumed { taken, done, later }) {
                break;
            }
        }
    }

    /// One queue at a time, in order: the queue is held until its call
    /// succeeded (or its messages ran out of attempts and went back).
    fn run_orderly(&self, o: &Orderly) {
        let mut msgs: Vec<MessageExt> = Vec::with_capacity(self.batch);
        loop {
            if let Some(d) = self.handover.take_direct() {
                if !self.consume_directly(d) {
                    break;
                }
                continue;
            }
            msgs.clear();
            let deadline = Instant::now() + Duration::from_secs(1);
            let Some(taken) =
                self.handover
                    .take_and_hold(&mut |m| msgs.push(m), self.batch, deadline)
            else {
                if self.handover.is_closed() {
                    break;
                }
                continue;
            };
            let mq = taken.mq.clone();
            let mut outcome = None;
            while !self.handover.is_closed() {
                if self.call(&msgs) == ConsumeStatus::Success {
                    let done = msgs.iter().map(|m| m.queue_offset).collect();
                    outcome = Some((done, Vec::new()));
                    break;
                }
                if msgs
                    .iter()
                    .any(|m| m.reconsume_times >= o.max_reconsume_times)
                {
                    // Out of attempts: to the DLQ through the broker.
                    outcome = Some((Vec::new(), std::mem::take(&mut msgs)));
                    break;
                }
                std::thread::sleep(o.suspend);
                for m in &mut msgs {
                    m.reconsume_times = m.reconsume_times.saturating_add(1);
                }
            }
            let Some((done, later)) = outcome else {
                // Shut down mid-retry: not done; the next owner (or a
                // restart) gets them again from the committed offset.
                self.handover.release(&mq);
                break;
            };
            let sent = self.report(Consumed { taken, done, later });
            self.handover.release(&mq);
            if !sent {
                break;
            }
        }
    }
}
