//! What a role is to the engine (Java's producer and consumer registrations
//! in `MQClientInstance`): a producer or a consumer living on one client
//! engine. A role owns its command channel (API threads → I/O thread), its
//! requests in flight and their deadlines; the engine calls its hooks on the
//! I/O thread and gives each the engine's shared state. Hooks never block
//! and never run user code: outcomes go to blocked callers' channels or to
//! the callback thread.

use std::time::Instant;

use mio::Token;

use super::engine::Engine;
use super::events::Event;
use super::heartbeat_data::HeartbeatData;
use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind};

/// A role on a client engine; see the module docs.
pub(crate) trait Role: Send {
    /// Once, on the I/O thread, before the loop's first turn.
    fn start(&mut self, engine: &mut Engine);

    /// Adds this role's groups to the heartbeat.
    fn heartbeat(&self, data: &mut HeartbeatData);

    /// The UNREGISTER_CLIENT extFields besides `clientID` (e.g.
    /// `producerGroup`), sent to every broker at shutdown.
    fn unregister_fields(&self) -> Vec<(&'static str, String)>;

    /// Whether commands wait in the role's channel (checked before the loop
    /// sleeps, after it announced that it will).
    fn has_commands(&self) -> bool;

    /// Handles the commands waiting in the role's channel. During a
    /// shutdown it refuses new work with the shutdown error.
    fn drain_commands(&mut self, engine: &mut Engine);

    /// A response: true if its opaque is one of this role's requests (then
    /// handled), false to let the next owner look.
    fn on_response(&mut self, engine: &mut Engine, token: Token, frame: &RemotingCommand) -> bool;

    /// Whether this role answers broker → client requests with `code`.
    fn serves(&self, code: i32) -> bool;

    /// A broker → client request with a code this role [`serves`](Role::serves).
    fn on_request(&mut self, engine: &mut Engine, token: Token, frame: RemotingCommand);

    /// Something the engine reports (connections, routes).
    fn on_event(&mut self, engine: &mut Engine, event: &Event);

    /// Connection `token` has handed `written_total` bytes to its socket.
    fn on_written(&mut self, token: Token, written_total: u64);

    /// Fails what has passed its deadline by `now`.
    fn expire(&mut self, engine: &mut Engine, now: Instant);

    /// The earliest deadline the role waits for, if any.
    fn next_deadline(&self) -> Option<Instant>;

    /// The end of a loop turn (e.g. hand collected callbacks over).
    fn end_turn(&mut self);

    /// Whether something of this role depends on connection `token`.
    fn uses_connection(&self, token: Token) -> bool;

    /// Whether work that a shutdown waits for is in flight.
    fn in_flight(&self) -> bool;

    /// The shutdown's drain is over and UNREGISTER_CLIENT goes out next:
    /// last writes while the connections are open (a consumer commits its
    /// offsets). Nothing by default.
    fn before_unregister(&mut self, _engine: &mut Engine) {}

    /// The shutdown's drain is over: fail everything in flight.
    fn fail_all(&mut self);

    /// The loop ends: fail what is left, including the commands still queued.
    fn finish(&mut self);
}

/// The roles of one engine, and what the loop does with all of them.
pub(crate) struct Roles(Vec<Box<dyn Role>>);

impl Roles {
    /// These roles.
    pub(crate) fn new(roles: Vec<Box<dyn Role>>) -> Roles {
        Roles(roles)
    }

    /// Starts every role.
    pub(super) fn start(&mut self, engine: &mut Engine) {
        for role in &mut self.0 {
            role.start(engine);
        }
    }

    /// Every role's heartbeat data together.
    pub(super) fn heartbeat_data(&self) -> HeartbeatData {
        let mut data = HeartbeatData::default();
        for role in &self.0 {
            role.heartbeat(&mut data);
        }
        data
    }

    /// Whether any role has commands waiting.
    pub(super) fn have_commands(&self) -> bool {
        self.0.iter().any(|r| r.has_commands())
    }

    /// Lets every role handle its commands.
    pub(super) fn drain(&mut self, engine: &mut Engine) {
        for i in 0..self.0.len() {
            self.0[i].drain_commands(engine);
            self.report_events(engine);
        }
    }

    /// Hands the engine's events to every role until none are left (a
    /// role's handling may cause more); then closes connections that the
    /// routes no longer need. Called several times a turn: nothing to do is
    /// two loads.
    #[inline]
    pub(super) fn report_events(&mut self, engine: &mut Engine) {
        if !engine.events.is_empty() || engine.routes.brokers_changed {
            self.deliver_events(engine);
        }
    }

    #[inline(never)]
    fn deliver_events(&mut self, engine: &mut Engine) {
        loop {
            while !engine.events.is_empty() {
                let events = std::mem::take(&mut engine.events);
                for event in &events {
                    for role in &mut self.0 {
                        role.on_event(engine, event);
                    }
                }
            }
            if !std::mem::take(&mut engine.routes.brokers_changed) {
                return;
            }
            self.close_stale_connections(engine);
        }
    }

    /// Closes idle connections to addresses no route names any more, so
    /// that brokers that left stop getting heartbeats.
    fn close_stale_connections(&mut self, engine: &mut Engine) {
        let stale: Vec<Token> = engine
            .conns
            .iter()
            .filter(|(t, addr)| {
                !engine.routes.knows_addr(addr)
                    && !engine.requests.uses(*t)
                    && !self.0.iter().any(|r| r.uses_connection(*t))
            })
            .map(|(t, _)| t)
            .collect();
        for token in stale {
            engine.close_connection(
                token,
                Error::new(ErrorKind::Network, "broker left the routes"),
            );
        }
    }

    /// Tells the roles how far their connections have written.
    pub(super) fn report_written(&mut self, engine: &mut Engine) {
        let roles = &mut self.0;
        engine.conns.drain_written(|token, written| {
            for role in roles.iter_mut() {
                role.on_written(token, written);
            }
        });
    }

    /// A response: to the role whose request it answers; false if none.
    pub(super) fn on_response(
        &mut self,
        engine: &mut Engine,
        token: Token,
        frame: &RemotingCommand,
    ) -> bool {
        self.0
            .iter_mut()
            .any(|r| r.on_response(engine, token, frame))
    }

    /// The role that serves broker → client requests with `code`.
    pub(super) fn serving(&mut self, code: i32) -> Option<&mut Box<dyn Role>> {
        self.0.iter_mut().find(|r| r.serves(code))
    }

    /// Fails what has passed its deadline.
    pub(super) fn expire(&mut self, engine: &mut Engine, now: Instant) {
        for i in 0..self.0.len() {
            self.0[i].expire(engine, now);
            self.report_events(engine);
        }
    }

    /// The earliest deadline any role waits for.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.0.iter().filter_map(|r| r.next_deadline()).min()
    }

    /// The end of a loop turn.
    pub(super) fn end_turn(&mut self) {
        for role in &mut self.0 {
            role.end_turn();
        }
    }

    /// Whether any role has work in flight that a shutdown waits for.
    pub(super) fn in_flight(&self) -> bool {
        self.0.iter().any(|r| r.in_flight())
    }

    /// Last writes before unregistering.
    pub(super) fn before_unregister(&mut self, engine: &mut Engine) {
        for role in &mut self.0 {
            role.before_unregister(engine);
        }
    }

    /// Fails everything in flight.
    pub(super) fn fail_all(&mut self) {
        for role in &mut self.0 {
            role.fail_all();
        }
    }

    /// The loop ends.
    pub(super) fn finish(&mut self) {
        for role in &mut self.0 {
            role.fail_all();
            role.finish();
        }
    }

    /// Every role's UNREGISTER_CLIENT fields.
    pub(super) fn unregister_fields(&self) -> Vec<Vec<(&'static str, String)>> {
        self.0.iter().map(|r| r.unregister_fields()).collect()
    }
}
