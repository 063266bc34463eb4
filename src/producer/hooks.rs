//! Send hooks (Java `SendMessageHook` and `CheckForbiddenHook`): code that
//! runs before each send (and may refuse it) and after its outcome.

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
