//! An engine's shutdown (Java `MQClientInstance.shutdown`): wait up to the
//! given timeout for the roles' work in flight, fail what is left, send
//! UNREGISTER_CLIENT for every role's group to every connected broker and
//! wait (at most 3 s, or `mqClientApiTimeout`) for the answers; the loop
//! then closes everything and answers whoever waits for the shutdown.

use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::engine::{Engine, EngineRequest, Phase};
use super::role::Roles;
use crate::protocol::request_code;

/// Longest wait for UNREGISTER_CLIENT answers at shutdown.
const UNREGISTER_WAIT: Duration = Duration::from_millis(3000);

/// A shutdown under way.
pub(crate) struct ShutdownState {
    /// Until then, work in flight may complete.
    drain_deadline: Instant,
    /// Set once unregistering began: until then its answers are awaited.
    unregister_deadline: Option<Instant>,
    /// Told when the loop has ended.
    pub(super) done: Vec<Sender<()>>,
}

impl ShutdownState {
    /// A shutdown that lets work in flight complete for `timeout`.
    pub(super) fn new(engine: &mut Engine, timeout: Duration) -> ShutdownState {
        engine.phase = Phase::Draining;
        ShutdownState {
            drain_deadline: Instant::now() + timeout,
            unregister_deadline: None,
            done: Vec::new(),
        }
    }

    /// The next moment the shutdown needs the loop.
    pub(super) fn deadline(&self) -> Instant {
        self.unregister_deadline.unwrap_or(self.drain_deadline)
    }

    /// Advances the shutdown; true when the loop may end.
    pub(super) fn progress(
        &mut self,
        engine: &mut Engine,
        roles: &mut Roles,
        now: Instant,
    ) -> bool {
        match self.unregister_deadline {
            None => {
                if roles.in_flight() && now < self.drain_deadline {
                    return false;
                }
                roles.before_unregister(engine);
                roles.fail_all();
                engine.phase = Phase::Unregistering;
                let sent = send_unregister(engine, roles);
                let wait = UNREGISTER_WAIT.min(Duration::from_millis(
                    engine.config.mq_client_api_timeout_ms,
                ));
                self.unregister_deadline = Some(now + wait);
                engine.flush();
                roles.report_events(engine);
                roles.end_turn();
                !sent
            }
            Some(deadline) => {
                now >= deadline
                    || !engine
                        .requests
                        .any(|p| matches!(p.kind, EngineRequest::Unregister))
            }
        }
    }
}

/// Sends UNREGISTER_CLIENT for every role to every connected broker; true
/// if any was sent.
fn send_unregister(engine: &mut Engine, roles: &Roles) -> bool {
    let addrs: Vec<String> = engine
        .routes
        .brokers()
        .map(|(_, a)| a.to_string())
        .collect();
    let groups = roles.unregister_fields();
    let id = engine.client_id.clone();
    let mut sent = false;
    for addr in addrs {
        let Some(token) = engine.conns.token_of(&addr) else {
            continue;
        };
        for fields in &groups {
            let mut all: Vec<(&str, &str)> = vec![("clientID", &id)];
            all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            let deadline = Instant::now() + UNREGISTER_WAIT;
            engine.send_request(
                token,
                request_code::UNREGISTER_CLIENT,
                &all,
                b"",
                EngineRequest::Unregister,
                deadline,
            );
            sent = true;
        }
    }
    sent
}
