//! The Rust producer API: configure, start, send (sync or async with a
//! callback), shut down. Mirrors Java `DefaultMQProducer`.
//!
//! A `Producer` is `Send + Sync`: one instance may be used from many threads
//! at once. Each started producer owns two threads: the event loop (all
//! sockets) and the callback thread (all async callbacks, in completion order).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::client::inflight::InFlight;
use crate::client::send::{Completion, CompletionKind, SendJob};
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
    in_flight: Arc<InFlight>,
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
        let in_flight = InFlight::new(
            config.back_pressure_for_async_send_num,
            config.back_pressure_for_async_send_size,
        );
        *inner = Inner::Running(Arc::new(Running {
            client,
            config,
            in_flight,
        }));
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
        let job = self.job(
            &running,
            msg,
            Mode::Sync,
            CompletionKind::Sync(tx),
            Instant::now(),
        )?;
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
        let running = self.running()?;
        let started = Instant::now();
        let permit = self.permit(&running, msg, started)?;
        let callback: SendCallback = Box::new(move |outcome| {
            let _permit = permit; // released after the callback returns (or panics)
            callback(outcome)
        });
        let kind = CompletionKind::Callback(callback, running.client.callback_sender());
        let job = self.job(&running, msg, Mode::Async, kind, started)?;
        running.client.submit(Command::Send(job))
    }

    /// Sends `msg` oneway (Java `sendOneway`): one attempt, no response is
    /// awaited, no retry. Returns once the send is accepted (validated and
    /// queued for the I/O thread, within the async back-pressure limits);
    /// a failure after that (no route, connection lost) is only logged.
    ///
    /// Errors: the validation errors of [`Producer::send`],
    /// [`ErrorKind::QueueFull`], [`ErrorKind::InvalidState`], [`ErrorKind::Shutdown`].
    pub fn send_oneway(&self, msg: &Message) -> Result<()> {
        let running = self.running()?;
        let started = Instant::now();
        let permit = self.permit(&running, msg, started)?;
        let job = self.job(
            &running,
            msg,
            Mode::Oneway,
            CompletionKind::Oneway(permit),
            started,
        )?;
        running.client.submit(Command::Send(job))
    }

    fn permit(
        &self,
        running: &Running,
        msg: &Message,
        started: Instant,
    ) -> Result<crate::client::inflight::Permit> {
        let config = &running.config;
        let block_until = (config.enable_backpressure_for_async_mode
            && !running.client.on_callback_thread())
        .then(|| started + Duration::from_millis(config.send_msg_timeout_ms));
        running.in_flight.acquire(msg.body().len(), block_until)
    }

    /// Waits until every accepted async and oneway send has its outcome
    /// (callbacks returned) or `timeout` passes. Returns how many are still
    /// pending (0 = all done). Sync sends are waited for by their callers.
    /// Errors: [`ErrorKind::InvalidState`] before start.
    pub fn flush(&self, timeout: Duration) -> Result<usize> {
        match &*self.lock() {
            Inner::ShutDown => return Ok(0),
            Inner::Created(_) => {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    "the producer is not started",
                ))
            }
            Inner::Running(_) => {}
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

    /// Async and oneway sends accepted and not yet completed.
    pub fn in_flight(&self) -> usize {
        self.running().map(|r| r.in_flight.pending()).unwrap_or(0)
    }

    fn job(
        &self,
        running: &Running,
        msg: &Message,
        mode: Mode,
        kind: CompletionKind,
        started: Instant,
    ) -> Result<Box<SendJob>> {
        let config = &running.config;
        let prepared = message::prepare(msg, config)?;
        let retries = match mode {
            Mode::Sync => config.retry_times_when_send_failed,
            Mode::Async => config.retry_times_when_send_async_failed,
            Mode::Oneway => 0,
        };
        Ok(Box::new(SendJob {
            msg: prepared,
            deadline: started + Duration::from_millis(config.send_msg_timeout_ms),
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
            if r.client.on_callback_thread() {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    "shutdown cannot be called from a send callback (it would wait for itself)",
                ));
            }
            r.in_flight.close();
            r.client.shutdown(timeout)?;
        }
        *self.lock() = Inner::ShutDown;
        Ok(())
    }

    /// [`Producer::shutdown_with_timeout`] with `shutdownTimeout` as the wait.
    pub fn shutdown(&self) -> Result<()> {
        let timeout = Duration::from_millis(self.config().shutdown_timeout_ms);
        self.shutdown_with_timeout(timeout)
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
