//! Send hooks (Java `SendMessageHook` and `CheckForbiddenHook`): code that
//! runs before each send (and may refuse it) and after its outcome; and
//! [`Hooks`], which also records the message trace's `Pub` records.

use std::sync::Arc;
use std::time::Instant;

use super::send::Notify;
use super::trace::{MessageType, PubRecord, TraceDispatcher, TraceRecord};
use crate::error::{Error, ErrorKind, Result};
use crate::message::Message;
use crate::result::SendResult;

/// Runs before a send on the caller's thread; `Err(reason)` refuses the
/// send, which then fails with [`ErrorKind::Vetoed`] and `reason`.
pub type BeforeSend = Box<dyn Fn(&Message) -> std::result::Result<(), String> + Send + Sync>;
/// Runs after a send's outcome: on the caller's thread for sync sends, on
/// the callback thread (before the send's callback) for async sends.
pub type AfterSend = Box<dyn Fn(&Message, &Result<SendResult>) + Send + Sync>;

/// A pair of optional hooks.
pub struct SendHook {
    /// Before each send.
    pub before: Option<BeforeSend>,
    /// After each sync or async send's outcome.
    pub after: Option<AfterSend>,
}

/// Runs every `before` hook on `msg`; the first refusal wins. A panicking
/// hook counts as "no objection" (and is logged): hooks cannot break sends.
pub fn run_before(hooks: &[SendHook], msg: &Message) -> Result<()> {
    for hook in hooks {
        if let Some(before) = &hook.before {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| before(msg))) {
                Ok(Ok(())) => {}
                Ok(Err(reason)) => {
                    return Err(Error::new(
                        ErrorKind::Vetoed,
                        format!("a send hook refused the message: {}", reason),
                    ))
                }
                Err(_) => log::warn!("a before-send hook panicked; the send goes on"),
            }
        }
    }
    Ok(())
}

/// Runs every `after` hook; panics are contained.
pub fn run_after(hooks: &[SendHook], msg: &Message, outcome: &Result<SendResult>) {
    for hook in hooks {
        if let Some(after) = &hook.after {
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| after(msg, outcome)))
                .is_err()
            {
                log::warn!("an after-send hook panicked");
            }
        }
    }
}

/// What a running producer calls around each send: the user's hooks, then
/// the message trace's `Pub` records (Java `SendMessageTraceHookImpl`).
pub(crate) struct Hooks {
    /// The user's hooks, in the order added.
    pub(crate) user: Vec<SendHook>,
    /// The trace dispatcher when `enableMsgTrace` is on.
    pub(crate) trace: Option<Arc<TraceDispatcher>>,
}

impl Hooks {
    /// Every user `before` hook (see [`run_before`]).
    pub(crate) fn before(&self, msg: &Message) -> Result<()> {
        run_before(&self.user, msg)
    }

    /// After the outcome of one send of `msgs` (one message, or a batch)
    /// that began at `started`: every user `after` hook per message, then
    /// one `Pub` record per message (ids of a batch are comma-separated in
    /// the result, in order).
    pub(crate) fn after(&self, msgs: &[Message], outcome: &Result<SendResult>, started: Instant) {
        for m in msgs {
            run_after(&self.user, m, outcome);
        }
        if let Some(trace) = &self.trace {
            record_pubs(trace, msgs, outcome, started);
        }
    }

    /// `notify` preceded by [`Hooks::after`] for an async send of `msgs`
    /// beginning now; `notify` itself when there is nothing to call.
    pub(crate) fn wrap(self: &Arc<Self>, msgs: &[Message], notify: Notify) -> Notify {
        if self.trace.is_none() && !self.user.iter().any(|h| h.after.is_some()) {
            return notify;
        }
        let hooks = self.clone();
        let msgs = msgs.to_vec(); // bodies are shared, not copied
        let callback = notify.boxed();
        let started = Instant::now();
        Notify::Boxed(Box::new(move |outcome| {
            hooks.after(&msgs, &outcome, started);
            callback(outcome)
        }))
    }
}

/// Queues one `Pub` record per message of a send's outcome.
fn record_pubs(
    trace: &TraceDispatcher,
    msgs: &[Message],
    outcome: &Result<SendResult>,
    started: Instant,
) {
    let cost_ms = started.elapsed().as_millis() as u64;
    let timestamp_ms = crate::protocol::message_id::now_ms() - cost_ms as i64;
    let ok = outcome.as_ref().ok();
    let ids = |r: &SendResult, offset: bool| -> Vec<String> {
        let all = if offset { &r.offset_msg_id } else { &r.msg_id };
        all.split(',').map(str::to_string).collect()
    };
    let msg_ids = ok.map(|r| ids(r, false)).unwrap_or_default();
    let offset_ids = ok.map(|r| ids(r, true)).unwrap_or_default();
    for (i, m) in msgs.iter().enumerate() {
        let offset_msg_id = offset_ids.get(i).cloned().unwrap_or_default();
        let msg_type = if m.delay_level() > 0 {
            MessageType::Delay
        } else {
            MessageType::Normal
        };
        trace.record(TraceRecord::Pub(PubRecord {
            timestamp_ms,
            region_id: ok
                .and_then(|r| r.region_id.clone())
                .unwrap_or_else(|| "DefaultRegion".to_string()),
            group: trace.group.clone(),
            topic: m.topic().to_string(),
            msg_id: msg_ids.get(i).cloned().unwrap_or_default(),
            tags: m.tags().unwrap_or("").to_string(),
            keys: m.keys().join(" "),
            store_host: store_host(&offset_msg_id),
            body_length: m.body().len(),
            cost_ms,
            msg_type,
            offset_msg_id,
            success: ok.is_some_and(|r| r.status == crate::result::SendStatus::SendOk),
        }));
    }
}

/// `ip:port` of the broker that stored a message, from its offset message
/// id; empty if it is not one.
fn store_host(offset_msg_id: &str) -> String {
    crate::protocol::message_id::decode_offset_msg_id(offset_msg_id)
        .map(|o| o.store_host.to_string())
        .unwrap_or_default()
}
