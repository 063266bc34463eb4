//! The pull consumer's API: Java's `DefaultLitePullConsumer` (subscribe or
//! assign, then `poll` prefetched messages, commit, seek) and, on the same
//! consumer, the one-shot calls of the legacy `DefaultMQPullConsumer`
//! (fetch a topic's queues, pull a queue at an offset, read and write the
//! group's offsets).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::command::{shut_down, Answer, Call, ConsumerCommand};
use super::config::ConsumerConfig;
use super::handover::Handover;
use super::pull::PullResult;
use super::role::ConsumerRole;
use super::subscription::Subscription;
use crate::client::{Client, RoleSender};
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::message_ext::MessageExt;
use crate::routing::MessageQueue;

/// Most messages one pull may ask for (Java checks `maxNums` against
/// nothing; brokers cap a pull at 32 from memory anyway).
pub const MAX_PULL_NUMS: u32 = 1024;

/// Where a consumer is in its life (as [`crate::State`] of a producer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumerState {
    /// Configurable; not started.
    Created,
    /// Started.
    Running,
    /// Shut down (final).
    ShutDown,
}

struct Setup {
    config: ConsumerConfig,
    subscriptions: Vec<Subscription>,
    assigned: Option<Vec<MessageQueue>>,
}

enum Inner {
    Created(Box<Setup>),
    Running(Arc<Running>),
    ShutDown,
}

struct Running {
    client: Client,
    tx: RoleSender<ConsumerCommand>,
    config: Arc<ConsumerConfig>,
    handover: Arc<Handover>,
    assign_mode: bool,
}

/// A pull consumer; see the module docs. Thread-safe: every method takes
/// `&self`; [`poll`](PullConsumer::poll) refuses to run on two threads at
/// once.
pub struct PullConsumer {
    inner: Mutex<Inner>,
    poll_lock: Mutex<()>,
}

impl Running {
    /// Hands `cmd` to the role. Errors: [`ErrorKind::Shutdown`] when the
    /// engine is gone.
    fn send(&self, cmd: ConsumerCommand) -> Result<()> {
        self.tx.send(cmd).map_err(|_| shut_down())
    }
}

pub(super) fn state_error(what: &str) -> Error {
    Error::new(ErrorKind::InvalidState, what.to_string())
}

impl PullConsumer {
    /// A consumer of `group` with default settings. Errors:
    /// [`ErrorKind::InvalidArgument`] for an empty group.
    pub fn new(group: &str) -> Result<PullConsumer> {
        let mut config = ConsumerConfig::default();
        config.set("consumerGroup", group)?;
        Ok(PullConsumer::with_config(config))
    }

    /// A consumer with `config`.
    pub fn with_config(config: ConsumerConfig) -> PullConsumer {
        crate::log::init();
        PullConsumer {
            inner: Mutex::new(Inner::Created(Box::new(Setup {
                config,
                subscriptions: Vec::new(),
                assigned: None,
            }))),
            poll_lock: Mutex::new(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn running(&self) -> Result<Arc<Running>> {
        match &*self.lock() {
            Inner::Running(r) => Ok(r.clone()),
            Inner::Created(_) => Err(state_error("the consumer is not started")),
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

    /// Sets a configuration key (see [`super::config::keys`]) before start.
    /// Errors: [`ErrorKind::UnknownConfigKey`], [`ErrorKind::InvalidArgument`];
    /// [`ErrorKind::InvalidState`] after start.
    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        match &mut *self.lock() {
            Inner::Created(setup) => setup.config.set(key, value),
            _ => Err(state_error("configuration can only change before start")),
        }
    }

    /// A copy of the settings (the group and topics as given, not wrapped).
    pub fn config(&self) -> ConsumerConfig {
        match &*self.lock() {
            Inner::Created(s) => s.config.clone(),
            Inner::Running(r) => (*r.config).clone(),
            Inner::ShutDown => ConsumerConfig::default(),
        }
    }

    pub(super) fn wrap(config: &ConsumerConfig, topic: &str) -> Result<String> {
        crate::message::validate_topic(topic)?;
        Ok(crate::namespace::wrap(
            config.client.namespace.as_deref(),
            topic,
        ))
    }

    fn wrap_queue(config: &ConsumerConfig, mq: &MessageQueue) -> Result<MessageQueue> {
        if mq.queue_id < 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("queue id {} is negative", mq.queue_id),
            ));
        }
        if mq.broker_name.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "the queue's broker name is empty",
            ));
        }
        Ok(MessageQueue {
            topic: Self::wrap(config, &mq.topic)?.into(),
            broker_name: mq.broker_name.clone(),
            queue_id: mq.queue_id,
        })
    }

    fn unwrap_queue(config: &ConsumerConfig, mq: MessageQueue) -> MessageQueue {
        match config.client.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => MessageQueue {
                topic: crate::namespace::unwrap(Some(ns), &mq.topic).into(),
                ..mq
            },
            _ => mq,
        }
    }

    /// Subscribes to `topic` with a tag `expression` (`*`, `TagA||TagB`):
    /// the group's members split its queues by rebalance (Java
    /// `DefaultLitePullConsumer.subscribe`). Before or after start; a
    /// second call for a topic replaces its expression. Errors:
    /// [`ErrorKind::InvalidTopic`], [`ErrorKind::InvalidArgument`] (an
    /// expression without tags); [`ErrorKind::InvalidState`] after
    /// [`assign`](PullConsumer::assign) or shutdown.
    pub fn subscribe(&self, topic: &str, expression: &str) -> Result<()> {
        let now_ms = crate::protocol::message_id::now_ms();
        match &mut *self.lock() {
            Inner::Created(setup) => {
                if setup.assigned.is_some() {
                    return Err(state_error("subscribe and assign cannot be mixed"));
                }
                let topic = Self::wrap(&setup.config, topic)?;
                let sub = Subscription::new(&topic, expression, now_ms)?;
                setup.subscriptions.retain(|s| s.topic != topic);
                setup.subscriptions.push(sub);
                Ok(())
            }
            Inner::Running(r) => {
                if r.assign_mode {
                    return Err(state_error("subscribe and assign cannot be mixed"));
                }
                let topic = Self::wrap(&r.config, topic)?;
                let sub = Subscription::new(&topic, expression, now_ms)?;
                r.send(ConsumerCommand::Subscribe(sub))
            }
            Inner::ShutDown => Err(shut_down()),
        }
    }

    /// Drops the subscription of `topic` and its queues. Errors: as
    /// [`subscribe`](PullConsumer::subscribe).
    pub fn unsubscribe(&self, topic: &str) -> Result<()> {
        match &mut *self.lock() {
            Inner::Created(setup) => {
                let topic = Self::wrap(&setup.config, topic)?;
                setup.subscriptions.retain(|s| s.topic != topic);
                Ok(())
            }
            Inner::Running(r) => {
                let topic = Self::wrap(&r.config, topic)?;
                r.send(ConsumerCommand::Unsubscribe(topic))
            }
            Inner::ShutDown => Err(shut_down()),
        }
    }

    /// Owns exactly `queues` (no rebalance; Java
    /// `DefaultLitePullConsumer.assign`), before or after start. Messages
    /// of every tag are polled. Errors: [`ErrorKind::InvalidArgument`]
    /// (negative queue id, empty broker name), [`ErrorKind::InvalidTopic`];
    /// [`ErrorKind::InvalidState`] after
    /// [`subscribe`](PullConsumer::subscribe) or shutdown.
    pub fn assign(&self, queues: &[MessageQueue]) -> Result<()> {
        match &mut *self.lock() {
            Inner::Created(setup) => {
                if !setup.subscriptions.is_empty() {
                    return Err(state_error("subscribe and assign cannot be mixed"));
                }
                let q = queues
                    .iter()
                    .map(|q| Self::wrap_queue(&setup.config, q))
                    .collect::<Result<Vec<_>>>()?;
                setup.assigned = Some(q);
                Ok(())
            }
            Inner::Running(r) => {
                if !r.assign_mode {
                    return Err(state_error("subscribe and assign cannot be mixed"));
                }
                let q = queues
                    .iter()
                    .map(|q| Self::wrap_queue(&r.config, q))
                    .collect::<Result<Vec<_>>>()?;
                r.send(ConsumerCommand::Assign(q))
            }
            Inner::ShutDown => Err(shut_down()),
        }
    }

    /// Starts the consumer: its engine's threads, route lookups,
    /// heartbeats, the rebalance and the prefetching pulls. Errors:
    /// [`ErrorKind::InvalidArgument`] (settings, see
    /// [`ConsumerConfig::check`]); [`ErrorKind::InvalidState`] when started
    /// or shut down; [`ErrorKind::Internal`] when threads cannot be created.
    pub fn start(&self) -> Result<()> {
        let mut inner = self.lock();
        let setup = match &mut *inner {
            Inner::Created(setup) => setup,
            Inner::Running(_) => return Err(state_error("the consumer is already started")),
            Inner::ShutDown => return Err(state_error("the consumer is shut down")),
        };
        setup.config.check()?;
        let mut config = setup.config.clone();
        config.consumer_group =
            crate::namespace::wrap(config.client.namespace.as_deref(), &config.consumer_group);
        let config = Arc::new(config);
        let handover = Arc::new(Handover::default());
        let (tx, rx) = crossbeam_channel::unbounded();
        let assign_mode = setup.assigned.is_some();
        let role = ConsumerRole::new(
            config.clone(),
            rx,
            handover.clone(),
            setup.subscriptions.clone(),
            setup.assigned.clone(),
        );
        let client = Client::start(Arc::new(config.client.clone()), vec![Box::new(role)])?;
        let tx = client.role_sender(tx);
        *inner = Inner::Running(Arc::new(Running {
            client,
            tx,
            config,
            handover,
            assign_mode,
        }));
        Ok(())
    }

    /// Waits up to `timeout` for prefetched messages and returns up to
    /// `max` of them, in offset order per queue (possibly none on timeout).
    /// The offsets of what was returned are what the next commit stores.
    /// Errors: [`ErrorKind::InvalidState`] before start or while another
    /// thread polls; [`ErrorKind::Shutdown`] after shutdown.
    pub fn poll(&self, timeout: Duration, max: usize) -> Result<Vec<MessageExt>> {
        let mut out = Vec::new();
        self.poll_into(&mut out, timeout, max)?;
        Ok(out)
    }

    /// [`poll`](PullConsumer::poll) into `out` (cleared first): no
    /// allocation when `out` has room. Errors: as `poll`.
    pub fn poll_into(
        &self,
        out: &mut Vec<MessageExt>,
        timeout: Duration,
        max: usize,
    ) -> Result<()> {
        out.clear();
        self.poll_each(timeout, max, &mut |m| out.push(m))
            .map(|_| ())
    }

    /// [`poll`](PullConsumer::poll) handing each message to `sink` (on
    /// this thread, in order) instead of collecting them: for callers that
    /// keep messages in their own structures (the C API's views). Returns
    /// how many were handed over. Errors: as `poll`.
    pub fn poll_each(
        &self,
        timeout: Duration,
        max: usize,
        sink: &mut dyn FnMut(MessageExt),
    ) -> Result<usize> {
        let running = self.running()?;
        let _guard = self
            .poll_lock
            .try_lock()
            .map_err(|_| state_error("poll is already running on another thread"))?;
        let deadline = Instant::now() + timeout;
        let mut n = 0usize;
        let taken = running.handover.take(
            &mut |m| {
                n += 1;
                sink(m)
            },
            max,
            deadline,
        );
        if running.handover.is_closed() && n == 0 {
            return Err(shut_down());
        }
        if !taken.is_empty() {
            let cmd = ConsumerCommand::Polled(taken);
            if running.handover.room_wanted() {
                running.send(cmd)?;
            } else {
                // Nothing waits for the room this frees: no wake-up.
                running.tx.send_quiet(cmd).map_err(|_| shut_down())?;
            }
        }
        Ok(n)
    }

    fn ask<T>(&self, make: impl FnOnce(Sender<Result<T>>) -> ConsumerCommand) -> Result<T> {
        let running = self.running()?;
        let (reply, rx) = crossbeam_channel::bounded(1);
        running.send(make(reply))?;
        running
            .client
            .wait_sync(&rx, Duration::ZERO)
            .unwrap_or_else(|| Err(shut_down()))
    }

    fn call(&self, mq: &MessageQueue, call: Call) -> Result<Answer> {
        let mq = Self::wrap_queue(&self.running()?.config, mq)?;
        self.ask(|reply| ConsumerCommand::Call { mq, call, reply })
    }

    fn offset_call(&self, mq: &MessageQueue, call: Call) -> Result<i64> {
        match self.call(mq, call)? {
            Answer::Offset(o) => Ok(o),
            _ => Err(Error::new(ErrorKind::Internal, "unexpected answer")),
        }
    }

    /// Commits the offsets of everything polled so far, to every broker,
    /// and waits for their answers (Java `commitSync`). Errors:
    /// [`ErrorKind::Broker`], [`ErrorKind::Timeout`], [`ErrorKind::Network`]
    /// (the first of them); state errors as `poll`.
    pub fn commit(&self) -> Result<()> {
        self.ask(|reply| ConsumerCommand::Commit { reply })
    }

    /// Moves an owned queue's next message to `offset` (Java `seek`); what
    /// was prefetched of it is dropped. Errors:
    /// [`ErrorKind::InvalidArgument`] (negative offset, a queue this
    /// consumer does not own); state errors.
    pub fn seek(&self, mq: &MessageQueue, offset: i64) -> Result<()> {
        if offset < 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("offset {} is negative", offset),
            ));
        }
        let mq = Self::wrap_queue(&self.running()?.config, mq)?;
        self.ask(|reply| ConsumerCommand::Seek { mq, offset, reply })
    }

    /// Seeks to the queue's smallest offset (Java `seekToBegin`). Errors:
    /// as [`seek`](PullConsumer::seek) and [`min_offset`](PullConsumer::min_offset).
    pub fn seek_to_begin(&self, mq: &MessageQueue) -> Result<()> {
        let offset = self.min_offset(mq)?;
        self.seek(mq, offset)
    }

    /// Seeks to the queue's end (Java `seekToEnd`). Errors: as
    /// [`seek`](PullConsumer::seek) and [`max_offset`](PullConsumer::max_offset).
    pub fn seek_to_end(&self, mq: &MessageQueue) -> Result<()> {
        let offset = self.max_offset(mq)?;
        self.seek(mq, offset)
    }

    /// The offset of the first message stored at or after `timestamp_ms`
    /// (SEARCH_OFFSET_BY_TIMESTAMP; Java `offsetForTimestamp`). Errors:
    /// [`ErrorKind::Broker`], [`ErrorKind::NoRoute`], [`ErrorKind::Timeout`].
    pub fn offset_for_timestamp(&self, mq: &MessageQueue, timestamp_ms: i64) -> Result<i64> {
        self.offset_call(mq, Call::SearchOffset(timestamp_ms))
    }

    /// The group's committed offset of `mq` on its broker, -1 when none is
    /// stored (QUERY_CONSUMER_OFFSET; Java `committed`). Errors: as
    /// [`offset_for_timestamp`](PullConsumer::offset_for_timestamp).
    pub fn committed(&self, mq: &MessageQueue) -> Result<i64> {
        self.offset_call(mq, Call::Committed)
    }

    /// The queue's next offset to be written (GET_MAX_OFFSET). Errors: as
    /// [`offset_for_timestamp`](PullConsumer::offset_for_timestamp).
    pub fn max_offset(&self, mq: &MessageQueue) -> Result<i64> {
        self.offset_call(mq, Call::MaxOffset)
    }

    /// The queue's smallest offset (GET_MIN_OFFSET). Errors: as
    /// [`offset_for_timestamp`](PullConsumer::offset_for_timestamp).
    pub fn min_offset(&self, mq: &MessageQueue) -> Result<i64> {
        self.offset_call(mq, Call::MinOffset)
    }

    /// Stores `offset` as the group's offset of `mq` and waits for the
    /// broker (UPDATE_CONSUMER_OFFSET; Java `updateConsumeOffset` +
    /// persist). A broker may ignore a value below the stored one (the Rust
    /// broker does). Errors: [`ErrorKind::InvalidArgument`] (negative), as
    /// [`offset_for_timestamp`](PullConsumer::offset_for_timestamp).
    pub fn update_offset(&self, mq: &MessageQueue, offset: i64) -> Result<()> {
        if offset < 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("offset {} is negative", offset),
            ));
        }
        self.call(mq, Call::UpdateOffset(offset)).map(|_| ())
    }

    /// The readable queues of `topic`, sorted (Java
    /// `fetchSubscribeMessageQueues` / `fetchMessageQueues`). Errors:
    /// [`ErrorKind::InvalidTopic`]; [`ErrorKind::NoRoute`] for an unknown
    /// topic; state errors.
    pub fn fetch_queues(&self, topic: &str) -> Result<Vec<MessageQueue>> {
        let running = self.running()?;
        let wrapped = Self::wrap(&running.config, topic)?;
        let queues = self.ask(|reply| ConsumerCommand::Queues {
            topic: wrapped,
            reply,
        })?;
        Ok(queues
            .into_iter()
            .map(|q| Self::unwrap_queue(&running.config, q))
            .collect())
    }

    /// The queues this consumer owns now, sorted (Java `assignment`).
    /// Errors: state errors.
    pub fn assignment(&self) -> Result<Vec<MessageQueue>> {
        let running = self.running()?;
        let (reply, rx) = crossbeam_channel::bounded(1);
        running.send(ConsumerCommand::Assignment { reply })?;
        let queues = running
            .client
            .wait_sync(&rx, Duration::ZERO)
            .unwrap_or_default();
        Ok(queues
            .into_iter()
            .map(|q| Self::unwrap_queue(&running.config, q))
            .collect())
    }

    /// One pull of `mq` at `offset`, up to `max_nums` messages of tag
    /// `expression` (Java `DefaultMQPullConsumer.pull`; with `block`,
    /// `pullBlockIfNotFound`: the broker holds the request up to
    /// `brokerSuspendMaxTimeMillis` when nothing is there). Independent of
    /// the prefetching: offsets are the caller's. Errors:
    /// [`ErrorKind::InvalidArgument`] (negative offset, `max_nums` not in
    /// 1..=[`MAX_PULL_NUMS`], bad expression); [`ErrorKind::Broker`],
    /// [`ErrorKind::Timeout`], [`ErrorKind::Network`],
    /// [`ErrorKind::NoRoute`]; state errors.
    pub fn pull(
        &self,
        mq: &MessageQueue,
        expression: &str,
        offset: i64,
        max_nums: u32,
        block: bool,
    ) -> Result<PullResult> {
        if offset < 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("offset {} is negative", offset),
            ));
        }
        if max_nums == 0 || max_nums > MAX_PULL_NUMS {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("maxNums {} is not within 1..={}", max_nums, MAX_PULL_NUMS),
            ));
        }
        let running = self.running()?;
        let mq_wrapped = Self::wrap_queue(&running.config, mq)?;
        let subscription = Subscription::new(&mq_wrapped.topic, expression, 0)?;
        let call = Call::Pull {
            subscription,
            offset,
            max_nums,
            block,
        };
        match self.ask(|reply| ConsumerCommand::Call {
            mq: mq_wrapped,
            call,
            reply,
        })? {
            Answer::Pull(r) => Ok(r),
            _ => Err(Error::new(ErrorKind::Internal, "unexpected answer")),
        }
    }

    /// Shuts down: commits polled offsets (with `autoCommit`), unregisters
    /// from the brokers, stops the threads; a blocked `poll` returns with
    /// [`ErrorKind::Shutdown`]. Idempotent. Errors:
    /// [`ErrorKind::InvalidState`] when called from the engine's callback
    /// thread.
    pub fn shutdown(&self) -> Result<()> {
        let running = {
            let mut inner = self.lock();
            match std::mem::replace(&mut *inner, Inner::ShutDown) {
                Inner::Running(r) => r,
                _ => return Ok(()),
            }
        };
        let outcome = running.client.shutdown(Duration::from_millis(3000));
        running.handover.close();
        outcome
    }
}

impl Drop for PullConsumer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
