//! The client instance behind a producer: one event-loop thread that owns
//! every socket, the route cache and the pending requests, and one callback
//! thread that runs user callbacks. API threads hand work to the loop over a
//! crossbeam channel and wake it through a mio `Waker` only when it sleeps.

mod busy_poll;
mod connection;
mod deadlines;
mod event_loop;
pub(crate) mod inflight;
pub(crate) mod send;
mod stats;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use crate::config::ProducerConfig;
use crate::error::{Error, ErrorKind, Result};
use send::{CallbackTask, SendJob};

/// Work for the event loop.
pub(crate) enum Command {
    /// Route, send and report a message. Carried by value all the way
    /// (the loop keeps it inline among its pending requests): no
    /// allocation per send, and none freed on another thread.
    Send(SendJob),
    /// Answer with the topic's route (looked up if not cached).
    Route {
        topic: String,
        reply: Sender<Result<Arc<crate::route::TopicPublishInfo>>>,
    },
    /// Wait for the reply with `correlation_id` until `deadline`.
    AwaitReply {
        correlation_id: String,
        deadline: std::time::Instant,
        completion: crate::request_reply::ReplyCompletion,
    },
    /// Stop waiting for a reply: its request failed with `error`.
    CancelReply {
        correlation_id: String,
        error: Error,
    },
    /// Answer with a statistics snapshot (JSON).
    Stats { reply: Sender<stats::Snapshot> },
    /// Send a oneway request (END_TRANSACTION) to a broker, by name or address.
    Oneway {
        broker: OnewayTarget,
        code: i32,
        fields: Vec<(&'static str, String)>,
        remark: Option<String>,
    },
    /// Wait up to `timeout` for in-flight sends, fail the rest, unregister
    /// from brokers, close sockets and end the loop; then signal `done`.
    Shutdown { timeout: Duration, done: Sender<()> },
}

/// Where a [`Command::Oneway`] goes.
pub(crate) enum OnewayTarget {
    /// The master of the named broker.
    BrokerName(Arc<str>),
    /// A connection address (e.g. the one a check-back came on).
    Addr(String),
}

/// State shared between API threads and the loop for waking it.
pub(crate) struct Wakeup {
    waker: mio::Waker,
    /// Set by the loop right before it blocks in `poll`.
    sleeping: AtomicBool,
    /// Set by the loop while sync round trips are fast enough to busy-poll
    /// for (see `busy_poll`): a sync caller then spins for its outcome.
    sync_answers_fast: AtomicBool,
}

impl Wakeup {
    pub(crate) fn wake(&self) {
        // A plain (SeqCst) load first: while the loop is awake this costs no
        // locked instruction on a cache line the loop writes every turn.
        if self.sleeping.load(Ordering::SeqCst) && self.sleeping.swap(false, Ordering::SeqCst) {
            let _ = self.waker.wake();
        }
    }
}

thread_local! {
    /// On a callback thread: the id of the client it belongs to; else 0.
    static CALLBACK_THREAD_OF: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Submits commands to a client's loop; see [`Client::submitter`].
pub(crate) struct Submitter {
    tx: Sender<Command>,
    wakeup: Arc<Wakeup>,
}

impl Submitter {
    /// Hands `cmd` to the loop; dropped silently if the loop is gone.
    pub fn submit(&self, cmd: Command) {
        if self.tx.send(cmd).is_ok() {
            self.wakeup.wake();
        }
    }
}

/// Room in the command channel. A ring allocated once: an unbounded
/// channel would allocate (and zero) a block every 31 sends on the calling
/// thread and free it on the loop's. It holds every async and oneway send
/// the back-pressure window admits (up to 16 384; beyond that a full
/// channel holds callers back too) plus 1 024 others (sync sends, route
/// requests, shutdown). A caller finding it full waits for the loop, which
/// always drains it (it never waits for an API or callback thread); once
/// the loop has ended, a send fails with the shutdown error.
fn command_capacity(config: &ProducerConfig) -> usize {
    config.back_pressure_for_async_send_num.min(16_384) + 1_024
}

/// Handle to a running client instance.
pub(crate) struct Client {
    tx: Sender<Command>,
    wakeup: Arc<Wakeup>,
    callback_tx: Sender<CallbackTask>,
    threads: Mutex<Option<(JoinHandle<()>, JoinHandle<()>)>>,
    /// Unique per client; the callback thread marks itself with it.
    id: usize,
    /// The client id sent in heartbeats (`ip@instance`).
    pub client_id: String,
}

impl Client {
    /// Starts the event-loop and callback threads for `config`.
    ///
    /// Errors: [`ErrorKind::Internal`] if the poller or a thread cannot be created.
    pub fn start(
        config: Arc<ProducerConfig>,
        checker: Option<crate::transaction::TransactionChecker>,
    ) -> Result<Client> {
        let internal = |what: &str, e: std::io::Error| {
            Error::new(
                ErrorKind::Internal,
                format!("cannot create {}: {}", what, e),
            )
        };
        let poll = mio::Poll::new().map_err(|e| internal("poller", e))?;
        let waker = mio::Waker::new(poll.registry(), event_loop::WAKER_TOKEN)
            .map_err(|e| internal("waker", e))?;
        let wakeup = Arc::new(Wakeup {
            waker,
            sleeping: AtomicBool::new(false),
            sync_answers_fast: AtomicBool::new(config.io_busy_poll_us > 0),
        });
        let (tx, rx) = crossbeam_channel::bounded::<Command>(command_capacity(&config));
        let (callback_tx, callback_rx) = crossbeam_channel::unbounded::<CallbackTask>();
        let client_id = build_client_id(&config);

        static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let callback_thread = std::thread::Builder::new()
            .name("rocketmq-callback".into())
            .spawn(move || {
                CALLBACK_THREAD_OF.with(|c| c.set(id));
                run_callbacks(callback_rx)
            })
            .map_err(|e| internal("callback thread", e))?;
        let loop_state = event_loop::EventLoop::new(
            poll,
            (tx.clone(), rx),
            wakeup.clone(),
            config,
            client_id.clone(),
            checker,
            callback_tx.clone(),
        );
        let loop_thread = std::thread::Builder::new()
            .name("rocketmq-io".into())
            .spawn(move || loop_state.run())
            .map_err(|e| internal("event-loop thread", e))?;
        Ok(Client {
            tx,
            wakeup,
            callback_tx,
            threads: Mutex::new(Some((loop_thread, callback_thread))),
            id,
            client_id,
        })
    }

    /// Hands `cmd` to the loop. If the loop is gone the command is dropped,
    /// which completes any send in it with the shutdown error.
    pub fn submit(&self, cmd: Command) -> Result<()> {
        match self.tx.send(cmd) {
            Ok(()) => {
                self.wakeup.wake();
                Ok(())
            }
            Err(crossbeam_channel::SendError(cmd)) => {
                if let Command::Send(job) = cmd {
                    // The caller gets the error: no outcome for this send.
                    job.completion.dismiss();
                }
                Err(Error::new(ErrorKind::Shutdown, "the producer is shut down"))
            }
        }
    }

    /// Waits for the outcome of a sync send on `rx`. While the loop reports
    /// fast sync round trips, first checks for it between `sched_yield`s
    /// for up to `ioBusyPollMicros` µs (see `busy_poll`), then blocks.
    /// None if the loop dropped the sender without an outcome.
    pub fn wait_sync<T>(&self, rx: &Receiver<T>, busy_poll: Duration) -> Option<T> {
        if self.wakeup.sync_answers_fast.load(Ordering::Relaxed) {
            let until = std::time::Instant::now() + busy_poll;
            loop {
                match rx.try_recv() {
                    Ok(v) => return Some(v),
                    Err(crossbeam_channel::TryRecvError::Disconnected) => return None,
                    Err(crossbeam_channel::TryRecvError::Empty) => {}
                }
                if std::time::Instant::now() >= until {
                    break;
                }
                std::thread::yield_now();
            }
        }
        rx.recv().ok()
    }

    /// A handle that can hand commands to the loop from anywhere (e.g. from
    /// a callback) without keeping the client alive.
    pub fn submitter(&self) -> Submitter {
        Submitter {
            tx: self.tx.clone(),
            wakeup: self.wakeup.clone(),
        }
    }

    /// A sender for the callback thread, for async completions.
    pub fn callback_sender(&self) -> Sender<CallbackTask> {
        self.callback_tx.clone()
    }

    /// Whether the current thread is this client's callback thread.
    pub fn on_callback_thread(&self) -> bool {
        CALLBACK_THREAD_OF.with(|c| c.get()) == self.id
    }

    /// Shuts the loop down (see [`Command::Shutdown`]) and joins both
    /// threads. Idempotent. Errors: [`ErrorKind::InvalidState`] when called
    /// from the callback thread (it would wait for itself).
    pub fn shutdown(&self, timeout: Duration) -> Result<()> {
        if self.on_callback_thread() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "shutdown cannot be called from a send callback (it would wait for itself)",
            ));
        }
        let threads = self
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some((loop_thread, callback_thread)) = threads else {
            return Ok(());
        };
        let (done_tx, done_rx) = crossbeam_channel::bounded(1);
        if self
            .submit(Command::Shutdown {
                timeout,
                done: done_tx,
            })
            .is_ok()
        {
            let _ = done_rx.recv();
        }
        let _ = loop_thread.join();
        let _ = self.callback_tx.send(CallbackTask::Stop);
        let _ = callback_thread.join();
        Ok(())
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.on_callback_thread() {
            // Dropped from a callback: cannot wait for our own thread. Tell
            // the loop to stop; both threads then end by themselves.
            let (done, _) = crossbeam_channel::bounded(1);
            let _ = self.submit(Command::Shutdown {
                timeout: Duration::ZERO,
                done,
            });
            return;
        }
        let _ = self.shutdown(Duration::from_millis(0));
    }
}

/// The callback thread: runs callbacks in completion order, each isolated so
/// a panicking callback cannot end the thread. Ends at [`CallbackTask::Stop`]
/// (after running what was queued before it) or when every sender is gone.
fn run_callbacks(rx: Receiver<CallbackTask>) {
    while let Ok(task) = rx.recv() {
        if !run_task(task) {
            while let Ok(task) = rx.try_recv() {
                run_task(task);
            }
            return;
        }
    }
}

/// Runs one task of the callback thread; false for [`CallbackTask::Stop`].
fn run_task(task: CallbackTask) -> bool {
    match task {
        CallbackTask::Batch(tasks) => {
            for (cb, outcome, permit) in tasks {
                send::run_callback(cb, outcome, permit);
            }
        }
        CallbackTask::Call(f) => {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        }
        CallbackTask::Stop => return false,
    }
    true
}

/// `clientIP@instanceName[@unitName]` as Java `ClientConfig.buildMQClientId`,
/// with the default instance name replaced by `pid#nanos`.
fn build_client_id(config: &ProducerConfig) -> String {
    let ip = config
        .client_ip
        .clone()
        .unwrap_or_else(|| crate::protocol::message_id::local_ip().to_string());
    let instance = if config.instance_name == "DEFAULT" {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("{}#{}", std::process::id(), nanos)
    } else {
        config.instance_name.clone()
    };
    match &config.unit_name {
        Some(unit) => format!("{}@{}@{}", ip, instance, unit),
        None => format!("{}@{}", ip, instance),
    }
}
