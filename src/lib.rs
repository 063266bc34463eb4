//! A native Apache RocketMQ producer with a C ABI.
//!
//! Layers, bottom up: [`codec`] (frames and headers), [`protocol`] (codes,
//! typed headers, route data, ids, properties), [`message`] (the user's
//! message and its validation), [`route`] (writable queues and queue choice),
//! `client` (the event loop that owns every socket, and the callback thread),
//! [`producer`] (the Rust API) and `ffi` (the C API, `rmq_*`).
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
pub mod codec;
pub mod compression;
pub mod config;
pub mod error;
pub mod fault;
pub mod hooks;
pub mod log;
pub mod message;
pub mod namespace;
pub mod producer;
pub mod protocol;
pub mod request_reply;
pub mod route;
pub mod transaction;

mod client;
pub mod ffi;

pub use config::ProducerConfig;
pub use error::{Error, ErrorKind, Result};
pub use message::Message;
pub use producer::{Producer, SendCallback, SendResult, SendStatus, State};
pub use route::MessageQueue;
pub use transaction::{TransactionChecker, TransactionState};

/// Constants of the C API, for tests that compare them with the header.
pub mod ffi_consts {
    pub use crate::ffi::producer::{RMQ_ID_CAPACITY, RMQ_NAME_CAPACITY};
}

/// This library's version (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
