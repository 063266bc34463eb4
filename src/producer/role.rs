//! The producer as a role on the client engine (Java
//! `MQClientInstance.registerProducer`): its commands, its sends in flight
//! and parked ones, its per-topic publish info, the broker → client
//! requests it answers (CHECK_TRANSACTION_STATE, PUSH_REPLY_MESSAGE_TO_CLIENT)
//! and its share of heartbeats and unregistering. Runs on the I/O thread;
//! its sends are a [`SendMachine`] (the send state machine, in
//! [`super::dispatch`]).

use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use mio::Token;
use rustc_hash::FxHashMap as HashMap;

use super::config::ProducerConfig;
use super::dispatch::SendMachine;
use super::request_reply::{self, ReplyCompletion};
use super::send::{self, shut_down_error, SendJob};
use super::stats::Snapshot;
use super::transaction::{self, TransactionChecker, TransactionState};
use crate::client::{Engine, Event, HeartbeatData, Role, RoleSender};
use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::{message_ext, request_code, response_code};
use crate::routing::TopicPublishInfo;

/// Work for the producer role, from API threads (and from the callback
/// thread: transaction check answers).
pub(crate) enum ProducerCommand {
    /// Route, send and report a message. Carried by value all the way
    /// (the role keeps it inline among its pending sends): no allocation
    /// per send, and none freed on another thread.
    Send(SendJob),
    /// Answer with the topic's publish info (looked up if not cached).
    Route {
        topic: String,
        reply: Sender<Result<Arc<TopicPublishInfo>>>,
    },
    /// Wait for the reply with `correlation_id` until `deadline`.
    AwaitReply {
        correlation_id: String,
        deadline: Instant,
        completion: ReplyCompletion,
    },
    /// Stop waiting for a reply: its request failed with `error`.
    CancelReply {
        correlation_id: String,
        error: Error,
    },
    /// Answer with a statistics snapshot.
    Stats { reply: Sender<Snapshot> },
    /// Send END_TRANSACTION (oneway) to a broker, by name or address.
    EndTransaction {
        broker: BrokerTarget,
        fields: Vec<(&'static str, String)>,
        remark: Option<String>,
    },
}

/// Where an END_TRANSACTION goes.
pub(crate) enum BrokerTarget {
    /// The master of the named broker.
    Name(Arc<str>),
    /// A connection address (the one a check-back came on).
    Addr(String),
}

/// The role's own channel, for check answers that come back from the
/// callback thread: a plain sender until the engine's waker is known.
enum SelfSender {
    Unstarted(Sender<ProducerCommand>),
    Started(RoleSender<ProducerCommand>),
    Ended,
}

/// The producer's state on the I/O thread.
pub(crate) struct ProducerRole {
    config: Arc<ProducerConfig>,
    rx: Receiver<ProducerCommand>,
    /// For work that comes back from the callback thread (check answers);
    /// set in `start`, once the engine's waker exists.
    self_tx: SelfSender,
    checker: Option<TransactionChecker>,
    /// Sends: in flight, parked, per-topic publish info.
    sends: SendMachine,
    /// Requests waiting for their reply, by correlation id.
    replies: HashMap<String, (Instant, ReplyCompletion)>,
}

impl ProducerRole {
    /// The role for `config`, reading commands from `rx`; `tx` is the same
    /// channel's sending side (for check answers).
    pub(crate) fn new(
        config: Arc<ProducerConfig>,
        (tx, rx): (Sender<ProducerCommand>, Receiver<ProducerCommand>),
        checker: Option<TransactionChecker>,
    ) -> ProducerRole {
        ProducerRole {
            sends: SendMachine::new(config.clone()),
            config,
            rx,
            self_tx: SelfSender::Unstarted(tx),
            checker,
            replies: HashMap::default(),
        }
    }

    /// One command. Inlined into its one caller: a send is moved once less.
    #[inline(always)]
    fn handle(&mut self, engine: &mut Engine, cmd: ProducerCommand) {
        match cmd {
            ProducerCommand::Send(job) => {
                if engine.shutting_down() {
                    job.finish(Err(shut_down_error()));
                } else {
                    self.sends.dispatch(engine, job);
                    if engine.conns.chunk_full() {
                        engine.flush();
                    }
                }
            }
            ProducerCommand::Route { topic, reply } => {
                self.sends.route_request(engine, topic, reply)
            }
            ProducerCommand::AwaitReply {
                correlation_id,
                deadline,
                completion,
            } => {
                if engine.shutting_down() {
                    completion.complete(Err(shut_down_error()));
                } else {
                    self.replies.insert(correlation_id, (deadline, completion));
                }
            }
            ProducerCommand::CancelReply {
                correlation_id,
                error,
            } => {
                if let Some((_, c)) = self.replies.remove(&correlation_id) {
                    c.complete(Err(error));
                }
            }
            ProducerCommand::Stats { reply } => {
                let _ = reply.send(self.sends.stats_snapshot(engine));
            }
            ProducerCommand::EndTransaction {
                broker,
                fields,
                remark,
            } => {
                let addr = match broker {
                    BrokerTarget::Addr(addr) => Some(addr),
                    BrokerTarget::Name(name) => {
                        engine.routes.broker_addr(&name).map(|a| a.to_string())
                    }
                };
                let Some(addr) = addr else {
                    log::warn!("END_TRANSACTION dropped: no address for its broker");
                    return;
                };
                let fields: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let code = request_code::END_TRANSACTION;
                if let Err(e) = engine.send_oneway(&addr, code, &fields, remark.as_deref()) {
                    log::warn!("END_TRANSACTION to {} dropped: {}", addr, e);
                }
            }
        }
    }

    /// A broker asks for a transaction's state (CHECK_TRANSACTION_STATE):
    /// the checker runs on the callback thread and its answer goes back to
    /// that broker as a oneway END_TRANSACTION (Java
    /// `ClientRemotingProcessor.checkTransactionState`).
    fn check_transaction(&mut self, engine: &mut Engine, token: Token, frame: RemotingCommand) {
        let Some(addr) = engine.conns.addr(token).map(str::to_string) else {
            return;
        };
        let Some(checker) = &self.checker else {
            log::warn!("a broker asked for a transaction state, but no transaction checker is set");
            return;
        };
        let msg = match message_ext::decode_one(frame.body.clone()) {
            Ok(m) => m,
            Err(e) => {
                log::warn!("undecodable transaction check from {}: {}", addr, e);
                return;
            }
        };
        let SelfSender::Started(loop_tx) = &self.self_tx else {
            return;
        };
        let loop_tx = loop_tx.clone();
        let checker = checker.clone();
        let group = self.config.producer_group.clone();
        engine.callbacks.run(Box::new(move || {
            let state = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| checker(&msg)))
                .unwrap_or(TransactionState::Unknown);
            let fields = transaction::end_fields_after_check(&group, &frame, &msg, state);
            let _ = loop_tx.send(ProducerCommand::EndTransaction {
                broker: BrokerTarget::Addr(addr),
                fields,
                remark: None,
            });
        }));
    }

    /// A reply pushed by a broker (Java `ClientRemotingProcessor.receiveReplyMessage`):
    /// completes the waiting request and answers the broker.
    fn receive_reply(&mut self, engine: &mut Engine, token: Token, frame: RemotingCommand) {
        let (code, remark) = match request_reply::decode_pushed_reply(&frame) {
            Ok(msg) => {
                let id = msg
                    .property(request_reply::CORRELATION_ID)
                    .unwrap_or("")
                    .to_string();
                match self.replies.remove(&id) {
                    Some((_, completion)) => completion.complete(Ok(msg)),
                    None => log::info!("reply {} has no waiting request (timed out?)", id),
                }
                (response_code::SUCCESS, None)
            }
            Err(e) => (
                response_code::SYSTEM_ERROR,
                Some(format!("process reply message fail: {}", e)),
            ),
        };
        engine.respond(token, code, frame.opaque, remark.as_deref());
    }
}

impl Role for ProducerRole {
    fn start(&mut self, engine: &mut Engine) {
        send::batch_callbacks(engine.callbacks.clone());
        if let SelfSender::Unstarted(tx) = &self.self_tx {
            let tx = RoleSender::new(tx.clone(), engine.wakeup.clone());
            self.self_tx = SelfSender::Started(tx);
        }
    }

    fn heartbeat(&self, data: &mut HeartbeatData) {
        data.producer_groups
            .push(self.config.producer_group.clone());
    }

    fn unregister_fields(&self) -> Vec<(&'static str, String)> {
        vec![("producerGroup", self.config.producer_group.clone())]
    }

    fn has_commands(&self) -> bool {
        !self.rx.is_empty()
    }

    fn drain_commands(&mut self, engine: &mut Engine) {
        // `is_empty` first: most turns of a sync sender find nothing, and a
        // failing `try_recv` costs more than the check.
        if self.rx.is_empty() {
            return;
        }
        while let Ok(cmd) = self.rx.try_recv() {
            self.handle(engine, cmd);
        }
    }

    fn on_response(&mut self, engine: &mut Engine, token: Token, frame: &RemotingCommand) -> bool {
        self.sends.on_response(engine, token, frame)
    }

    fn serves(&self, code: i32) -> bool {
        code == request_code::CHECK_TRANSACTION_STATE
            || code == request_code::PUSH_REPLY_MESSAGE_TO_CLIENT
    }

    fn on_request(&mut self, engine: &mut Engine, token: Token, frame: RemotingCommand) {
        if frame.code == request_code::CHECK_TRANSACTION_STATE {
            self.check_transaction(engine, token, frame);
        } else {
            self.receive_reply(engine, token, frame);
        }
    }

    fn on_event(&mut self, engine: &mut Engine, event: &Event) {
        match event {
            Event::ConnectionClosed(token, error) => {
                self.sends.connection_closed(engine, *token, error)
            }
            Event::RouteFound {
                topic,
                route,
                from_template,
            } => self.sends.route_found(engine, topic, route, *from_template),
            Event::RouteFailed { topic, error } => self.sends.lookup_failed(topic, error.clone()),
        }
    }

    fn on_written(&mut self, token: Token, written_total: u64) {
        self.sends.on_written(token, written_total);
    }

    fn expire(&mut self, engine: &mut Engine, now: Instant) {
        self.sends.expire(engine, now);
        if !self.replies.is_empty() {
            let late: Vec<String> = self
                .replies
                .iter()
                .filter(|(_, (d, _))| *d <= now)
                .map(|(k, _)| k.clone())
                .collect();
            for id in late {
                if let Some((_, c)) = self.replies.remove(&id) {
                    c.complete(Err(Error::new(
                        ErrorKind::Timeout,
                        format!("no reply to request {} within its timeout", id),
                    )));
                }
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let replies = self.replies.values().map(|(d, _)| *d).min();
        match (self.sends.next_deadline(), replies) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn end_turn(&mut self) {
        send::flush_callbacks();
    }

    fn uses_connection(&self, token: Token) -> bool {
        self.sends.uses_connection(token)
    }

    fn in_flight(&self) -> bool {
        self.sends.in_flight()
    }

    fn fail_all(&mut self) {
        self.sends.fail_all();
    }

    fn finish(&mut self) {
        // The engine failed the sends in flight (`fail_all`) just before.
        for (_, (_, c)) in self.replies.drain() {
            c.complete(Err(shut_down_error()));
        }
        while let Ok(cmd) = self.rx.try_recv() {
            match cmd {
                ProducerCommand::Send(job) => job.finish(Err(shut_down_error())),
                ProducerCommand::Route { reply, .. } => {
                    let _ = reply.send(Err(shut_down_error()));
                }
                ProducerCommand::AwaitReply { completion, .. } => {
                    completion.complete(Err(shut_down_error()))
                }
                ProducerCommand::EndTransaction { .. }
                | ProducerCommand::Stats { .. }
                | ProducerCommand::CancelReply { .. } => {}
            }
        }
        // The loop's channel ends with the loop: a check answer sent later
        // is dropped (the broker asks again).
        self.self_tx = SelfSender::Ended;
    }
}
