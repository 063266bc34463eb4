//! The Rust producer API: configure, start, send (sync or async with a
//! callback), shut down. Mirrors Java `DefaultMQProducer`.
//!
//! A `Producer` is `Send + Sync`: one instance may be used from many threads
//! at once. Each started producer owns two threads: the event loop (all
//! sockets) and the callback thread (all async callbacks, in completion order).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::client::send::{Completion, CompletionKind, SendJob, SendMode};
use crate::client::{Client, Command};
use crate::config::ProducerConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::message::{self, Message};

pub use crate::client::send::{SendCallback, SendResult, SendStatus};

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

enum Inner {
    Created(ProducerConfig),
    Running(Arc<Running>),
    ShutDown,
}

struct Running {
    client: Client,
    config: Arc<ProducerConfig>,
}

/// A RocketMQ producer.
pub struct Producer {
    inner: Mutex<Inner>,
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
        Producer {
            inner: Mutex::new(Inner::Created(config)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current state.
    pub fn state(&self) -> State {
        match &*self.lock() {
            Inner::Created(_) => State::Created,
            Inner::Running(_) => State::Running,
            Inner::ShutDown => State::ShutDown,
        }
    }

    /// Sets configuration `key` to `value` (see [`crate::config::KEYS`]).
    /// Errors: those of [`ProducerConfig::set`]; [`ErrorKind::InvalidState`]
    /// once started.
    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        match &mut *self.lock() {
            Inner::Created(config) => config.set(key, value),
            _ => Err(Error::new(
                ErrorKind::InvalidState,
                "configuration can only change before start",
            )),
        }
    }

    /// A copy of the configuration.
    pub fn config(&self) -> ProducerConfig {
        match &*self.lock() {
            Inner::Created(config) => config.clone(),
            Inner::Running(r) => (*r.config).clone(),
            Inner::ShutDown => ProducerConfig::default(),
        }
    }

    /// Starts the producer's threads. Routes are looked up on first use.
    /// Errors: [`ErrorKind::InvalidState`] if already started or shut down;
    /// [`ErrorKind::Internal`] if threads cannot be created.
    pub fn start(&self) -> Result<()> {
        let mut inner = self.lock();
        let config = match &*inner {
            Inner::Created(config) => Arc::new(config.clone()),
            Inner::Running(_) => {
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
        let client = Client::start(config.clone())?;
        *inner = Inner::Running(Arc::new(Running { client, config }));
        Ok(())
    }

    fn running(&self) -> Result<Arc<Running>> {
        match &*self.lock() {
            Inner::Running(r) => Ok(r.clone()),
            Inner::Created(_) => Err(Error::new(
                ErrorKind::InvalidState,
                "the producer is not started",
            )),
            Inner::ShutDown => Err(Error::new(ErrorKind::Shutdown, "the producer is shut down")),
        }
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
        let (tx, rx) = crossbeam_channel::bounded(1);
        let job = self.job(&running, msg, SendMode::Sync, CompletionKind::Sync(tx))?;
        running.client.submit(Command::Send(job))?;
        match rx.recv() {
            Ok(outcome) => outcome,
            Err(_) => Err(Error::new(
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
    /// Errors returned directly (the callback is then not called): the
    /// validation errors of [`Producer::send`], [`ErrorKind::InvalidState`],
    /// [`ErrorKind::Shutdown`]. Everything later goes to the callback.
    pub fn send_async(&self, msg: &Message, callback: SendCallback) -> Result<()> {
        let running = self.running()?;
        let kind = CompletionKind::Callback(callback, running.client.callback_sender());
        let job = self.job(&running, msg, SendMode::Async, kind)?;
        running.client.submit(Command::Send(job))
    }

    fn job(
        &self,
        running: &Running,
        msg: &Message,
        mode: SendMode,
        kind: CompletionKind,
    ) -> Result<Box<SendJob>> {
        let config = &running.config;
        let prepared = message::prepare(msg, config)?;
        let retries = match mode {
            SendMode::Sync => config.retry_times_when_send_failed,
            SendMode::Async => config.retry_times_when_send_async_failed,
        };
        Ok(Box::new(SendJob {
            msg: prepared,
            deadline: Instant::now() + Duration::from_millis(config.send_msg_timeout_ms),
            retries_left: retries,
            last_broker: None,
            last_error: None,
            completion: Completion::new(kind),
        }))
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
            Inner::Running(r) => Some(r.clone()),
            _ => None,
        };
        if let Some(r) = &running {
            r.client.shutdown(timeout)?;
        }
        *self.lock() = Inner::ShutDown;
        Ok(())
    }

    /// [`Producer::shutdown_with_timeout`] with `sendMsgTimeout` as the wait.
    pub fn shutdown(&self) -> Result<()> {
        let timeout = Duration::from_millis(self.config().send_msg_timeout_ms);
        self.shutdown_with_timeout(timeout)
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
