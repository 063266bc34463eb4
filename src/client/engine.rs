//! The state of a client engine that its roles work with on the I/O
//! thread (Java `MQClientInstance` + `MQClientAPIImpl`): configuration and
//! client id, connections, the engine's own requests, the route cache and
//! broker table, the fault table, and the events the engine reports to
//! roles. Roles get `&mut Engine` in every hook of [`super::Role`]; they
//! never see the poller or each other.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mio::Token;

use super::busy_poll::BusyPoll;
use super::callbacks::CallbackSender;
use super::config::ClientConfig;
use super::connections::Connections;
use super::events::Event;
use super::heartbeat_data::HeartbeatData;
use super::requests::{Pending, Requests};
use super::routes::{Lookup, Routes, Step};
use super::wakeup::Wakeup;
use crate::codec::{self, RemotingCommand, WriteFields, FLAG_ONEWAY, FLAG_RESPONSE};
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::{request_code, response_code};
use crate::routing::FaultTable;

/// Where an engine stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Serving.
    Running,
    /// Shutting down: work in flight may complete, new work is refused.
    Draining,
    /// Shutting down: unregistering; nothing is retried.
    Unregistering,
}

/// The engine's own requests.
pub(crate) enum EngineRequest {
    /// GET_ROUTEINFO_BY_TOPIC.
    Route(Lookup),
    /// HEART_BEAT to a broker.
    Heartbeat { addr: String },
    /// UNREGISTER_CLIENT at shutdown.
    Unregister,
}

/// The engine's shared state; see the module docs.
pub(crate) struct Engine {
    /// The engine's settings.
    pub config: Arc<ClientConfig>,
    /// The client id sent in heartbeats (`ip@instance[@unit]`).
    pub client_id: String,
    /// Every connection.
    pub conns: Connections,
    /// The engine's own requests in flight.
    pub(super) requests: Requests<EngineRequest>,
    /// Routes by topic, NameServers, the broker table.
    pub routes: Routes,
    /// Broker latency and failures (Java `LatencyFaultTolerance`).
    pub fault: FaultTable,
    /// When the loop polls without sleeping.
    pub busy: BusyPoll,
    /// Wakes the loop; also carries the busy-poll hint for sync callers.
    pub wakeup: Arc<Wakeup>,
    /// The callback thread.
    pub callbacks: CallbackSender,
    /// The HEART_BEAT body (every role's groups).
    pub(super) heartbeat_body: Bytes,
    /// A role's heartbeat data changed: rebuild the body and send it.
    pub(super) heartbeat_stale: bool,
    /// Where a shutdown stands.
    pub(super) phase: Phase,
    /// Reported to roles after the current hook.
    pub(super) events: Vec<Event>,
    next_opaque: i32,
    /// When poll last returned: the time of everything handled in this
    /// turn (one clock read per turn, not several per message).
    pub now: Instant,
    /// The same moment as wall-clock ms (born timestamps).
    pub now_ms: i64,
}

impl Engine {
    /// A fresh engine state.
    pub(super) fn new(
        config: Arc<ClientConfig>,
        client_id: String,
        conns: Connections,
        wakeup: Arc<Wakeup>,
        callbacks: CallbackSender,
    ) -> Engine {
        Engine {
            routes: Routes::new(&config),
            busy: BusyPoll::new(config.io_busy_poll_us),
            config,
            client_id,
            conns,
            requests: Requests::default(),
            fault: FaultTable::default(),
            wakeup,
            callbacks,
            heartbeat_body: Bytes::new(),
            heartbeat_stale: false,
            phase: Phase::Running,
            events: Vec::new(),
            next_opaque: 0,
            now: Instant::now(),
            now_ms: crate::protocol::message_id::now_ms(),
        }
    }

    /// A fresh request id.
    #[inline]
    pub(crate) fn next_opaque(&mut self) -> i32 {
        self.next_opaque = self.next_opaque.wrapping_add(1) & 0x7FFF_FFFF;
        self.next_opaque
    }

    /// The deadline of a client API request (route, heartbeat).
    pub(crate) fn api_deadline(&self) -> Instant {
        Instant::now() + Duration::from_millis(self.config.mq_client_api_timeout_ms)
    }

    /// Whether a shutdown began: roles refuse new work.
    pub(crate) fn shutting_down(&self) -> bool {
        self.phase != Phase::Running
    }

    /// Whether the shutdown's drain is over (unregistering): no retries.
    pub(crate) fn draining_over(&self) -> bool {
        self.phase == Phase::Unregistering
    }

    /// Encodes a request on `token` whose extFields `fields` writes, signed
    /// (ACL v1) when credentials are configured: the one place requests get
    /// signed. Returns false if there is no such connection.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn write_request<F: WriteFields + ?Sized>(
        &mut self,
        token: Token,
        code: i32,
        opaque: i32,
        flag: i32,
        remark: Option<&str>,
        body: &[u8],
        fields: &F,
    ) -> bool {
        let creds = self.config.signing_credentials();
        self.conns.write(token, |out| match creds {
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
        })
    }

    /// Writes a oneway request (no response) to `addr`, connecting first if
    /// needed. Errors: the connection's.
    pub(crate) fn send_oneway(
        &mut self,
        addr: &str,
        code: i32,
        fields: &[(&str, &str)],
        remark: Option<&str>,
    ) -> Result<()> {
        let token = self.connection(addr, true)?;
        let opaque = self.next_opaque();
        self.write_request(token, code, opaque, FLAG_ONEWAY, remark, b"", fields);
        Ok(())
    }

    /// Answers a broker's request `opaque` on `token` with `code` and `remark`.
    pub(crate) fn respond(&mut self, token: Token, code: i32, opaque: i32, remark: Option<&str>) {
        self.respond_with_body(token, code, opaque, remark, b"");
    }

    /// [`respond`](Engine::respond) with a body.
    pub(crate) fn respond_with_body(
        &mut self,
        token: Token,
        code: i32,
        opaque: i32,
        remark: Option<&str>,
        body: &[u8],
    ) {
        self.conns.write(token, |out| {
            codec::encode_frame(out, code, opaque, FLAG_RESPONSE, remark, &[], body)
        });
    }

    /// Writes one of the engine's own requests and tracks it until `deadline`.
    pub(super) fn send_request(
        &mut self,
        token: Token,
        code: i32,
        fields: &[(&str, &str)],
        body: &[u8],
        kind: EngineRequest,
        deadline: Instant,
    ) {
        let opaque = self.next_opaque();
        if !self.write_request(token, code, opaque, 0, None, body, fields) {
            return;
        }
        self.requests.insert(
            opaque,
            Pending {
                token,
                deadline,
                kind,
            },
        );
    }

    /// Sends the heartbeat on `token`.
    pub(super) fn send_heartbeat(&mut self, token: Token) {
        let Some(addr) = self.conns.addr(token).map(str::to_string) else {
            return;
        };
        let body = self.heartbeat_body.clone();
        let deadline = self.api_deadline();
        self.send_request(
            token,
            request_code::HEART_BEAT,
            &[],
            &body,
            EngineRequest::Heartbeat { addr },
            deadline,
        );
    }

    /// Ends one of the engine's requests with its response or error.
    pub(super) fn on_request_done(
        &mut self,
        p: Pending<EngineRequest>,
        outcome: Result<&RemotingCommand>,
    ) {
        match p.kind {
            EngineRequest::Route(lookup) => {
                let step = self.routes.on_response(&lookup, outcome);
                self.route_step(step);
            }
            EngineRequest::Heartbeat { addr } => {
                if outcome.is_ok_and(|r| r.code == response_code::SUCCESS) {
                    let names: Vec<Arc<str>> = self
                        .routes
                        .brokers()
                        .filter(|(_, a)| ***a == *addr)
                        .map(|(n, _)| n.clone())
                        .collect();
                    for name in names {
                        self.fault.reachable(&name);
                    }
                }
            }
            EngineRequest::Unregister => {}
        }
    }

    /// Fails the engine's requests whose deadline has passed.
    pub(super) fn expire(&mut self, now: Instant) {
        while let Some(p) = self.requests.pop_expired(now) {
            let e = self.request_timed_out(p.token);
            self.on_request_done(p, Err(e));
        }
    }

    /// The connection to `addr`, opened if needed. A new broker connection
    /// (`is_broker`) starts with a heartbeat so the broker knows this client
    /// and its groups. Errors: [`ErrorKind::Network`] (refused, in back-off,
    /// unresolvable).
    pub(crate) fn connection(&mut self, addr: &str, is_broker: bool) -> Result<Token> {
        if let Some(t) = self.conns.token_of(addr) {
            return Ok(t);
        }
        let token = self.conns.open(addr)?;
        if is_broker {
            self.send_heartbeat(token);
        }
        Ok(token)
    }

    /// Closes a connection: the engine's requests on it fail with `error`
    /// now, the roles' when they handle [`Event::ConnectionClosed`].
    pub(crate) fn close_connection(&mut self, token: Token, error: Error) {
        if self.conns.close(token).is_none() {
            return;
        }
        for p in self.requests.take_on(token) {
            self.on_request_done(p, Err(error.clone()));
        }
        self.events.push(Event::ConnectionClosed(token, error));
    }

    /// A request on `token` passed its deadline: the timeout error. A
    /// connection still connecting (or in its TLS handshake) by then is
    /// given up (its address goes into back-off) and closed.
    pub(crate) fn request_timed_out(&mut self, token: Token) -> Error {
        let addr = self.conns.addr(token).unwrap_or_default().to_string();
        let handshaking = self.conns.get(token).is_some_and(|c| c.is_handshaking());
        let connecting = self.conns.is_connecting(token) || handshaking;
        let stage = if handshaking {
            " during the TLS handshake (no TLS answer: is the server speaking TLS?)"
        } else if connecting {
            " while connecting"
        } else {
            ""
        };
        let e = Error::new(
            ErrorKind::Timeout,
            format!("request to {} timed out{}", addr, stage),
        );
        if connecting {
            if !addr.is_empty() {
                self.conns.connect_failed(&addr);
            }
            self.close_connection(token, e.clone());
        }
        e
    }

    /// Writes out every dirty connection, closing those that broke.
    pub(crate) fn flush(&mut self) {
        for (token, e) in self.conns.flush_dirty() {
            self.close_connection(token, e);
        }
    }

    /// Looks `topic`'s route up (unless a lookup is in flight) and keeps it
    /// fresh from then on; the outcome comes as [`Event::RouteFound`] or
    /// [`Event::RouteFailed`]. With `template` (a producer's
    /// `createTopicKey`), a topic the NameServer does not know gets the
    /// template's route instead (Java `tryToFindTopicPublishInfo`).
    pub(crate) fn lookup_route(&mut self, topic: &str, template: Option<&str>) {
        if let Some(step) = self.routes.want(topic, template) {
            self.route_step(step);
        }
    }

    /// Refreshes every route not being looked up (pollNameServerInterval).
    pub(super) fn refresh_routes(&mut self) {
        for step in self.routes.refresh() {
            self.route_step(step);
        }
    }

    /// Carries a route step out: sends its lookup (the answer comes back
    /// through [`Routes::on_response`]) or reports its outcome.
    fn route_step(&mut self, mut step: Step) {
        loop {
            let lookup = match step {
                Step::Done(event) => return self.events.push(event),
                Step::Send(lookup) => lookup,
            };
            let token = match self.connection(&lookup.namesrv, false) {
                Ok(t) => t,
                Err(e) => {
                    step = self.routes.on_response(&lookup, Err(e));
                    continue;
                }
            };
            let deadline = self.api_deadline();
            let query = lookup.query.clone();
            self.send_request(
                token,
                request_code::GET_ROUTEINFO_BY_TOPIC,
                &[("topic", &query)],
                b"",
                EngineRequest::Route(lookup),
                deadline,
            );
            return;
        }
    }

    /// Sets the HEART_BEAT body: every role's groups.
    pub(super) fn set_heartbeat(&mut self, data: &HeartbeatData) {
        self.heartbeat_body = Bytes::from(crate::protocol::heartbeat::heartbeat_body(
            &self.client_id,
            &data.producer_groups,
            &data.consumers,
        ));
    }

    /// A role's heartbeat data changed (a subscription, a rebalance): at
    /// the end of the turn the body is rebuilt and sent to every broker
    /// (Java `sendHeartbeatToAllBrokerWithLock`).
    pub(crate) fn heartbeat_changed(&mut self) {
        self.heartbeat_stale = true;
    }

    /// Sends a heartbeat to every broker (heartbeatBrokerInterval).
    pub(super) fn heartbeat_all(&mut self) {
        let addrs: Vec<Arc<str>> = self.routes.brokers().map(|(_, a)| a.clone()).collect();
        for addr in addrs {
            if let Ok(token) = self.connection(&addr, false) {
                self.send_heartbeat(token);
            }
        }
    }

    /// A response to one of the engine's own requests (ignored if none).
    pub(super) fn on_response(&mut self, frame: &RemotingCommand) {
        if let Some(p) = self.requests.remove(frame.opaque) {
            self.on_request_done(p, Ok(frame));
        }
    }

    /// The earliest deadline of the engine's requests.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.requests.next_deadline()
    }

    /// Closes every connection and forgets the engine's requests (the loop ends).
    pub(super) fn close_all(&mut self) {
        let _ = self.requests.drain();
        self.conns.close_all();
    }
}
