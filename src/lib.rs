//! A native Apache RocketMQ client with a C ABI.
//!
//! Layers, bottom up; each reaches only downward (`docs/architecture.md`):
//! [`error`], [`log`] and [`fork`] (fork detection); the helpers [`acl`], [`compression`],
//! [`namespace`] and [`config`] (key tables); [`codec`] (frames and
//! headers); [`protocol`] (codes, typed headers, route data, ids,
//! properties);
//! [`message`] (the user's message, its validation, its wire form);
//! [`routing`] (writable queues, queue choice, the fault table, sharding
//! hashes: pure code); [`result`] (send results); [`client`] (the
//! role-neutral engine: the event loop that owns every socket, and the
//! callback thread); [`producer`] and [`consumer`] (roles on the engine,
//! and their Rust APIs);
//! [`ffi`] (the C APIs, which reach only the public Rust API).
//!
//! ```no_run
//! use rocketmq::{Message, Producer};
//! let producer = Producer::new("my_group").unwrap();
//! producer.set("namesrvAddr", "127.0.0.1:9876").unwrap();
//! producer.start().unwrap();
//! let result = producer.send(&Message::new("TopicTest", &b"hello"[..])).unwrap();
//! println!("{} {}", result.status.name(), result.msg_id);
//! producer.shutdown().unwrap();
//! ```

#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod acl;
pub mod client;
pub mod codec;
pub mod compression;
pub mod config;
pub mod consumer;
pub mod error;
pub mod ffi;
pub mod fork;
pub mod log;
pub mod message;
pub mod namespace;
pub mod producer;
pub mod protocol;
pub mod result;
pub mod routing;

pub use client::ClientConfig;
pub use consumer::{
    ConsumeStatus, ConsumerConfig, MessageListener, PullConsumer, PullResult, PullStatus,
    PushConsumer,
};
pub use error::{Error, ErrorKind, Result};
pub use message::Message;
pub use producer::config::ProducerConfig;
pub use producer::transaction::{TransactionChecker, TransactionState};
pub use producer::{Producer, SendCallback, State};
pub use result::{SendResult, SendStatus};
pub use routing::MessageQueue;

/// Constants of the C API, for tests that compare them with the header.
pub mod ffi_consts {
    pub use crate::ffi::producer::{RMQ_ID_CAPACITY, RMQ_NAME_CAPACITY};
}

/// This library's version (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
