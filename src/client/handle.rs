//! The handle API threads keep to a running engine: start, the sync
//! wait, the callback thread, shutdown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use super::address_server::{self, Refresher};
use super::callbacks::{self, CallbackSender};
use super::config::ClientConfig;
use super::connections;
use super::engine::Engine;
use super::event_loop::{self, EngineCommand};
use super::role::{Role, Roles};
use super::wakeup::{RoleSender, Wakeup};
use crate::error::{Error, ErrorKind, Result};

/// Handle to a running client engine.
pub(crate) struct Client {
    tx: Sender<EngineCommand>,
    wakeup: Arc<Wakeup>,
    callbacks: CallbackSender,
    threads: Mutex<Option<(JoinHandle<()>, JoinHandle<()>)>>,
    /// The thread that asks the address server again (`namesrvDomain`).
    address_refresher: Mutex<Option<Refresher>>,
    /// Unique per engine; its callback thread marks itself with it.
    id: usize,
    /// The client id sent in heartbeats (`ip@instance[@unit]`).
    pub client_id: String,
}

impl Client {
    /// Starts the I/O and callback threads of an engine configured by
    /// `config`, serving `roles`. With `namesrvDomain` and no configured
    /// NameServer address, first gets the list from the address server on
    /// this thread (at most 3 s) and starts the thread that asks again
    /// every `namesrvDomainRefreshInterval` ms.
    ///
    /// Errors: [`ErrorKind::NoRoute`] if the address server gives no list;
    /// [`ErrorKind::InvalidArgument`] for TLS settings that do not load
    /// (`useTLS` with an unreadable certificate or key file, see
    /// [`super::tls`]); [`ErrorKind::Internal`] if the poller or a thread
    /// cannot be created.
    pub fn start(mut config: Arc<ClientConfig>, roles: Vec<Box<dyn Role>>) -> Result<Client> {
        let tls = match config.use_tls {
            true => Some(super::tls::client_context(&config.tls)?),
            false => None,
        };
        let address_server = config.address_server_url();
        if let Some(url) = &address_server {
            let list = address_server::fetch(url)?;
            log::info!("NameServer list from {}: {}", url, list.join(";"));
            Arc::make_mut(&mut config).namesrv_addr = list.join(";");
        }
        let internal = |what: &str, e: std::io::Error| {
            Error::new(
                ErrorKind::Internal,
                format!("cannot create {}: {}", what, e),
            )
        };
        let poll = mio::Poll::new().map_err(|e| internal("poller", e))?;
        let waker = mio::Waker::new(poll.registry(), event_loop::WAKER_TOKEN)
            .map_err(|e| internal("waker", e))?;
        let registry = poll
            .registry()
            .try_clone()
            .map_err(|e| internal("poll registry", e))?;
        let wakeup = Arc::new(Wakeup {
            waker,
            sleeping: AtomicBool::new(false),
            sync_answers_fast: AtomicBool::new(config.io_busy_poll_us > 0),
        });
        let (tx, rx) = crossbeam_channel::unbounded::<EngineCommand>();
        let client_id = config.build_client_id();

        static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let (callbacks, callback_thread) =
            callbacks::spawn(id).map_err(|e| internal("callback thread", e))?;
        let engine = Engine::new(
            config.clone(),
            client_id.clone(),
            connections::Connections::new(registry, tls),
            wakeup.clone(),
            callbacks.clone(),
        );
        let address_refresher = match address_server {
            Some(url) => {
                let (tx, wakeup) = (tx.clone(), wakeup.clone());
                let deliver = move |list| {
                    let delivered = tx.send(EngineCommand::SetNamesrvs(list)).is_ok();
                    wakeup.wake();
                    delivered
                };
                let every = Duration::from_millis(config.namesrv_domain_refresh_interval_ms);
                let list = config.namesrv_list();
                Some(
                    Refresher::spawn(url, every, list, deliver)
                        .map_err(|e| internal("address server thread", e))?,
                )
            }
            None => None,
        };
        let loop_state = event_loop::EventLoop::new(poll, rx, engine, Roles::new(roles));
        let loop_thread = std::thread::Builder::new()
            .name("rocketmq-io".into())
            .spawn(move || loop_state.run())
            .map_err(|e| internal("event-loop thread", e))?;
        Ok(Client {
            tx,
            wakeup,
            callbacks,
            threads: Mutex::new(Some((loop_thread, callback_thread))),
            address_refresher: Mutex::new(address_refresher),
            id,
            client_id,
        })
    }

    /// The API side of a role's command channel (`tx`, whose receiver the
    /// role given to [`Client::start`] reads).
    pub fn role_sender<C>(&self, tx: Sender<C>) -> RoleSender<C> {
        RoleSender::new(tx, self.wakeup.clone())
    }

    /// Waits for the outcome of a sync request on `rx`. While the loop
    /// reports fast sync round trips, first checks for it between
    /// `sched_yield`s for up to `busy_poll` (see `busy_poll`), then blocks.
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

    /// The callback thread, for completions that run user code.
    pub(crate) fn callbacks(&self) -> CallbackSender {
        self.callbacks.clone()
    }

    /// Whether the current thread is this engine's callback thread.
    pub fn on_callback_thread(&self) -> bool {
        callbacks::on_callback_thread(self.id)
    }

    /// Shuts the loop down (see [`EngineCommand::Shutdown`]) and joins both
    /// threads. Idempotent. Errors: [`ErrorKind::InvalidState`] when called
    /// from the callback thread (it would wait for itself).
    pub fn shutdown(&self, timeout: Duration) -> Result<()> {
        if self.on_callback_thread() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "shutdown cannot be called from a send callback (it would wait for itself)",
            ));
        }
        if let Some(mut r) = self
            .address_refresher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            r.stop();
        }
        let threads = self
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some((loop_thread, callback_thread)) = threads else {
            return Ok(());
        };
        if let Some(done) = self.ask_shutdown(timeout) {
            let _ = done.recv();
        }
        let _ = loop_thread.join();
        self.callbacks.stop();
        let _ = callback_thread.join();
        Ok(())
    }

    /// Hands the loop a shutdown that lets work in flight complete for
    /// `timeout`; the channel that tells when it is done, None if the loop
    /// is gone already.
    fn ask_shutdown(&self, timeout: Duration) -> Option<Receiver<()>> {
        let (done, done_rx) = crossbeam_channel::bounded(1);
        self.tx
            .send(EngineCommand::Shutdown { timeout, done })
            .ok()?;
        self.wakeup.wake();
        Some(done_rx)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.on_callback_thread() {
            // Dropped from a callback: cannot wait for our own thread. Tell
            // the loop to stop; both threads then end by themselves.
            let _ = self.ask_shutdown(Duration::ZERO);
            return;
        }
        let _ = self.shutdown(Duration::from_millis(0));
    }
}
