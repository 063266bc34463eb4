//! The poll loop of a client engine: the only thread that touches sockets.
//! Each turn it waits for socket readiness, a command or the next deadline;
//! reads frames and hands them on ([`super::inbound`]); drains the roles'
//! and the engine's commands; expires requests; runs the timers; flushes
//! the connections; reports the engine's events to the roles; and advances
//! a shutdown. It never runs user code.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use mio::{Events, Poll, Token};

use super::engine::Engine;
use super::inbound;
use super::role::Roles;
use super::shutdown::ShutdownState;
use super::timers::Timers;

/// Work for the engine itself (roles have their own channels).
pub(crate) enum EngineCommand {
    /// Wait up to `timeout` for the roles' work in flight, fail the rest,
    /// unregister from brokers, close sockets and end the loop; then signal
    /// `done`.
    Shutdown { timeout: Duration, done: Sender<()> },
    /// Use this NameServer list from now on (the address server's new
    /// answer); lookups in flight finish where they went.
    SetNamesrvs(Vec<String>),
}

/// Token of the waker; connections get tokens from 1 up.
pub(crate) const WAKER_TOKEN: Token = Token(0);

/// The loop's state.
pub(crate) struct EventLoop {
    poll: Poll,
    rx: Receiver<EngineCommand>,
    engine: Engine,
    roles: Roles,
    timers: Timers,
    shutdown: Option<ShutdownState>,
}

impl EventLoop {
    /// A loop over `poll` for `engine`, serving `roles`.
    pub(crate) fn new(
        poll: Poll,
        rx: Receiver<EngineCommand>,
        engine: Engine,
        roles: Roles,
    ) -> EventLoop {
        let timers = Timers::new(&engine.config, Instant::now());
        EventLoop {
            poll,
            rx,
            engine,
            roles,
            timers,
            shutdown: None,
        }
    }

    /// Runs until a shutdown has been carried out.
    pub(crate) fn run(mut self) {
        self.roles.start(&mut self.engine);
        self.engine.set_heartbeat(&self.roles.heartbeat_data());
        self.engine.heartbeat_stale = false;
        let mut events = Events::with_capacity(256);
        loop {
            let now = Instant::now();
            // Busy polling: no sleep, so callers need not wake the loop.
            let spinning = self.engine.busy.active(now);
            let mut timeout = Some(Duration::ZERO);
            if !spinning {
                // Before sleeping, also look for a disconnected channel
                // (every handle gone), which `is_empty` does not tell. A
                // command taken here (a shutdown begun, a new NameServer
                // list) needs the rest of a turn before the loop sleeps:
                // its sender's wake-up found the loop awake and was not
                // sent, so nothing else would end the sleep.
                let took = self.drain_commands(true);
                timeout = self.next_timeout(now);
                self.engine.wakeup.sleeping.store(true, Ordering::SeqCst);
                if took || self.commands_waiting() {
                    timeout = Some(Duration::ZERO);
                }
            }
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    break;
                }
            }
            self.engine.now = Instant::now();
            self.engine.now_ms = crate::protocol::message_id::now_ms();
            if !spinning {
                self.engine.wakeup.sleeping.store(false, Ordering::SeqCst);
            } else if events.is_empty() && !self.commands_waiting() {
                // Let a thread this one keeps from running (the broker on
                // a small machine) have the CPU.
                std::thread::yield_now();
            }
            for event in events.iter() {
                if event.token() != WAKER_TOKEN {
                    self.on_socket_event(event.token());
                }
            }
            self.roles.drain(&mut self.engine);
            self.drain_commands(false);
            let now = Instant::now();
            self.engine.expire(now);
            self.roles.report_events(&mut self.engine);
            self.roles.expire(&mut self.engine, now);
            if self.shutdown.is_none() {
                let due = self.timers.due(now);
                if std::mem::take(&mut self.engine.heartbeat_stale) {
                    self.engine.set_heartbeat(&self.roles.heartbeat_data());
                    self.engine.heartbeat_all();
                } else if due.heartbeat {
                    self.engine.heartbeat_all();
                }
                if due.refresh {
                    self.engine.refresh_routes();
                }
            }
            self.engine.flush();
            self.roles.report_events(&mut self.engine);
            self.roles.report_written(&mut self.engine);
            self.roles.end_turn();
            if let Some(s) = &mut self.shutdown {
                if s.progress(&mut self.engine, &mut self.roles, Instant::now()) {
                    break;
                }
            }
        }
        self.finish();
    }

    fn commands_waiting(&self) -> bool {
        !self.rx.is_empty() || self.roles.have_commands()
    }

    /// The engine's own commands; true if any was taken (or every handle
    /// is gone, which begins a shutdown). Unless `full`, a channel that
    /// looks empty is left alone (no `try_recv`, which also reports
    /// disconnection).
    fn drain_commands(&mut self, full: bool) -> bool {
        if !full && self.rx.is_empty() {
            return false;
        }
        let mut took = false;
        loop {
            let cmd = match self.rx.try_recv() {
                Ok(cmd) => cmd,
                Err(crossbeam_channel::TryRecvError::Empty) => return took,
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    // Every handle is gone: shut down at once.
                    let first = self.shutdown.is_none();
                    self.begin_shutdown(Duration::ZERO, None);
                    return took || first;
                }
            };
            took = true;
            match cmd {
                EngineCommand::Shutdown { timeout, done } => {
                    // What the roles were handed before the shutdown goes
                    // out first (and is then drained like the rest).
                    self.roles.drain(&mut self.engine);
                    self.begin_shutdown(timeout, Some(done));
                }
                EngineCommand::SetNamesrvs(list) => self.engine.routes.set_namesrvs(list),
            }
        }
    }

    fn begin_shutdown(&mut self, timeout: Duration, done: Option<Sender<()>>) {
        let engine = &mut self.engine;
        self.shutdown
            .get_or_insert_with(|| ShutdownState::new(engine, timeout))
            .done
            .extend(done);
    }

    /// How long poll may sleep: until the earliest deadline or timer.
    fn next_timeout(&self, now: Instant) -> Option<Duration> {
        let mut next = self.timers.next();
        if let Some(d) = self.engine.next_deadline() {
            next = next.min(d);
        }
        if let Some(d) = self.roles.next_deadline() {
            next = next.min(d);
        }
        if let Some(s) = &self.shutdown {
            next = next.min(s.deadline());
        }
        // Round up to whole ms so a deadline is not missed by a hair.
        Some(next.saturating_duration_since(now) + Duration::from_micros(500))
    }

    /// Reads and writes what `token`'s socket is ready for, handing each
    /// decoded frame on (also those that arrived before a read error).
    fn on_socket_event(&mut self, token: Token) {
        let Some(conn) = self.engine.conns.get_mut(token) else {
            return;
        };
        let was_connected = conn.is_connected();
        let mut result = match conn.check_connected() {
            Ok(true) => conn.flush().map(|()| true),
            Ok(false) => Ok(false),
            Err(e) => Err(e),
        };
        while let Ok(true) = result {
            let Some(conn) = self.engine.conns.get_mut(token) else {
                return;
            };
            result = conn.read_some();
            loop {
                let frame = match self.engine.conns.get_mut(token).map(|c| c.next_frame()) {
                    Some(Ok(Some(frame))) => frame,
                    Some(Ok(None)) | None => break,
                    Some(Err(e)) => {
                        result = Err(e);
                        break;
                    }
                };
                inbound::on_frame(&mut self.engine, &mut self.roles, token, frame);
            }
        }
        if !was_connected {
            if let Some(conn) = self.engine.conns.get(token) {
                let addr = conn.addr.clone();
                if result.is_err() {
                    self.engine.conns.connect_failed(&addr);
                } else if conn.is_connected() {
                    self.engine.conns.connect_succeeded(&addr);
                }
            }
        }
        match result {
            Err(e) => self.engine.close_connection(token, e),
            Ok(_) => self.engine.conns.note_written(token),
        }
        self.roles.report_events(&mut self.engine);
    }

    /// Closes everything and answers whoever waits for the shutdown; the
    /// roles fail what is left (also commands still queued).
    fn finish(mut self) {
        self.roles.finish();
        self.engine.close_all();
        let mut done = self.shutdown.take().map(|s| s.done).unwrap_or_default();
        while let Ok(cmd) = self.rx.try_recv() {
            match cmd {
                EngineCommand::Shutdown { done: d, .. } => done.push(d),
                EngineCommand::SetNamesrvs(_) => {}
            }
        }
        self.roles.end_turn();
        for d in done {
            let _ = d.send(());
        }
    }
}
