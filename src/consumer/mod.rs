//! The consumer side: a pull consumer as a role on the client engine.
//!
//! Files: [`push`] (the [`PushConsumer`]: a listener on consume threads,
//! retries by send-back), `acks` (what its listener calls finish, on the
//! I/O thread), [`api`] (the [`PullConsumer`] API: subscribe or assign, poll,
//! commit, seek, and the legacy one-shot pull and offset calls),
//! [`config`] ([`ConsumerConfig`] and its keys), [`subscription`] (tag
//! expressions), [`allocate`] (queue allocation strategies), [`pull`] (one
//! PULL_MESSAGE: header and response), `role` (the consumer on the I/O
//! thread: owned queues, prefetch, start offsets, commits), `rebalance`
//! (when and how the group is rebalanced), `process_queue` (one owned
//! queue), `handover` (prefetched messages on their way to `poll`) and
//! `command` (what API threads ask of the role).

mod acks;
pub mod allocate;
pub mod api;
mod broker_requests;
mod calls;
mod command;
mod commits;
pub mod config;
mod handover;
mod local_offsets;
mod locks;
mod ownership;
mod prefetch;
mod process_queue;
pub mod pull;
pub mod push;
mod rebalance;
mod role;
pub mod subscription;
mod trace_hook;

pub use crate::protocol::pull::PullStatus;
pub use allocate::AllocateStrategy;
pub use api::{ConsumerState, PullConsumer, MAX_PULL_NUMS};
pub use config::{ConsumeFromWhere, ConsumerConfig, MessageModel};
pub use pull::PullResult;
pub use push::{ConsumeStatus, MessageListener, PushConsumer};
pub use subscription::Subscription;
