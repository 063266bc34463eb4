//! The Rust producer API: configure, start, send (sync or async with a
//! callback), shut down. Mirrors Java `DefaultMQProducer`.
//!
//! The folder: [`api`] is the API ([`Producer`]); [`config`] its settings; [`role`] the
//! producer as a role on the client engine and [`dispatch`] its send state
//! machine (queue choice, retries), both on the I/O thread; [`send`] a send
//! in flight and how its outcome reaches the caller; [`inflight`]
//! back-pressure; [`stats`]; [`transaction`], [`hooks`] and
//! [`request_reply`], the features built on sends.
//!
//! A `Producer` is `Send + Sync`: one instance may be used from many threads
//! at once. Each started producer starts its own client engine, which owns
//! two threads: the I/O thread (all sockets) and the callback thread (all
//! async callbacks, in completion order).

mod api;
pub mod config;
mod dispatch;
pub mod hooks;
mod inflight;
pub mod request_reply;
mod role;
mod send;
mod stats;
pub mod trace;
mod trace_data;
pub mod transaction;

pub use crate::result::{SendResult, SendResultView, SendStatus};
pub(crate) use api::trace_sink;
pub use api::{Producer, State};
pub use send::{RawCallback, SendCallback};
