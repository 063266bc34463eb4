//! Transactions from C: a checker for the broker's check-backs, an executor
//! for the local transaction, and a read-only view of stored messages.

use std::ffi::c_void;
use std::sync::Arc;

use super::message::{message_ref, rmq_message};
use super::message_ext::rmq_message_ext;
use super::producer::{rmq_producer, rmq_send_result};
use super::{guard, handle, rmq_status, UserData};
use crate::error::{Error, ErrorKind};
use crate::producer::transaction::TransactionState;
use crate::protocol::message_ext::MessageExt;

/// A local transaction's outcome (Java `LocalTransactionState`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmq_transaction_state {
    /// Make the message visible.
    Commit = 0,
    /// Drop the message.
    Rollback = 1,
    /// Not known yet: the broker asks the checker later.
    Unknown = 2,
}

impl From<TransactionState> for rmq_transaction_state {
    fn from(s: TransactionState) -> Self {
        match s {
            TransactionState::Commit => rmq_transaction_state::Commit,
            TransactionState::Rollback => rmq_transaction_state::Rollback,
            TransactionState::Unknown => rmq_transaction_state::Unknown,
        }
    }
}

/// An `int` answer from C: 0 commit, 1 rollback, anything else unknown.
fn state_from_c(v: i32) -> TransactionState {
    match v {
        0 => TransactionState::Commit,
        1 => TransactionState::Rollback,
        _ => TransactionState::Unknown,
    }
}

/// Answers a broker's check-back about a transaction left unknown: return
/// 0 (commit), 1 (rollback) or 2 (unknown; asked again later). Runs on the
/// producer's callback thread. `msg` is valid only during the call.
/// Mirrors Java `TransactionListener.checkLocalTransaction`.
pub type rmq_transaction_checker =
    Option<unsafe extern "C" fn(user_data: *mut c_void, msg: *const rmq_message_ext) -> i32>;

/// Runs the local transaction after the half message was stored: return 0
/// (commit), 1 (rollback) or 2 (unknown). Runs on the thread that called
/// `rmq_producer_send_in_transaction`. Mirrors Java
/// `TransactionListener.executeLocalTransaction`.
pub type rmq_transaction_executor = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        msg: *const rmq_message,
        result: *const rmq_send_result,
    ) -> i32,
>;

/// Makes `producer` transactional: `checker(user_data, msg)` answers the
/// broker's check-backs on the callback thread. Call before start.
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL producer or checker);
/// `RMQ_STATUS_INVALID_STATE` after start.
///
/// # Safety
/// `producer` is NULL or a live producer; a non-NULL `checker` stays
/// callable with `user_data`, on the producer's callback thread, for the
/// producer's lifetime.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_set_transaction_checker(
    producer: *mut rmq_producer,
    checker: rmq_transaction_checker,
    user_data: *mut c_void,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer` is NULL or live (# Safety).
        let p = unsafe { handle(producer, "producer") }?;
        let Some(check) = checker else {
            return Err(Error::new(ErrorKind::InvalidArgument, "checker is NULL"));
        };
        let user_data = UserData::new(user_data);
        p.inner
            .set_transaction_checker(Arc::new(move |m: &MessageExt| {
                let view = rmq_message_ext::new(m.clone());
                // SAFETY: the C caller guarantees the checker is callable.
                state_from_c(unsafe { check(user_data.get(), &view) })
            }))
    })
}

/// Sends `msg` as a transaction: the half message synchronously, then
/// `executor(user_data, msg, result)` on this thread if it was stored with
/// SEND_OK (else the state is rollback), then the decision to the broker
/// (oneway END_TRANSACTION). Fills `*result` (half message's send result)
/// and `*state` (the state sent) on success. Mirrors Java
/// `sendMessageInTransaction`.
///
/// Errors: `RMQ_STATUS_INVALID_ARGUMENT` (NULL); `RMQ_STATUS_INVALID_STATE`
/// (no checker set before start); and those of `rmq_producer_send`.
///
/// # Safety
/// `producer` is NULL or a live producer; `msg` is NULL or a live message
/// not changed by another thread during the call; a non-NULL `executor` is
/// callable with `user_data` on this thread during the call; `result` and
/// `state` are NULL or out pointers.
#[no_mangle]
pub unsafe extern "C" fn rmq_producer_send_in_transaction(
    producer: *mut rmq_producer,
    msg: *const rmq_message,
    executor: rmq_transaction_executor,
    user_data: *mut c_void,
    result: *mut rmq_send_result,
    state: *mut rmq_transaction_state,
) -> rmq_status {
    guard(|| {
        // SAFETY: `producer` and `msg` are NULL or live (# Safety).
        let (p, m) = unsafe { (handle(producer, "producer")?, message_ref(msg)?) };
        let Some(exec) = executor else {
            return Err(Error::new(ErrorKind::InvalidArgument, "executor is NULL"));
        };
        // SAFETY: `result` and `state` are NULL or out pointers (# Safety).
        let (Some(result), Some(state)) = (unsafe { (result.as_mut(), state.as_mut()) }) else {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "result or state is NULL",
            ));
        };
        let (r, s) = p.inner.send_in_transaction(m, |r| {
            let c = rmq_send_result::from(r);
            // SAFETY: the executor is callable with `user_data` here, and
            // `msg` and `c` are valid during the call (# Safety).
            state_from_c(unsafe { exec(user_data, msg, &c) })
        })?;
        *result = rmq_send_result::from(&r);
        *state = s.into();
        Ok(())
    })
}
