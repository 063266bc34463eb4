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
pub mod local_time;
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

/// Entry points for the fuzz targets in `fuzz/` (see `docs/reliability.md`):
/// thin wrappers over crate-private readers, so that the internals stay
/// private. Not part of the API; may change at any time.
#[doc(hidden)]
pub mod fuzzing {
    use crate::codec::RemotingCommand;
    use crate::error::Result;
    use crate::ffi::message::rmq_message;
    use crate::ffi::message_ext::rmq_message_ext;
    use crate::message::Message;
    use crate::protocol::message_ext::MessageExt;

    /// Reads a JSON command header (`header`: the header bytes of a frame)
    /// with the fast reader allowed (`fast`) or with the general (serde_json)
    /// reader only; and whether the fast reader takes `header`.
    pub fn json_header(header: &[u8], fast: bool) -> (Result<RemotingCommand>, bool) {
        crate::codec::json_header_reader(header, fast)
    }

    /// The route parser's rewrite of the unquoted numeric object keys of
    /// older Java NameServers (`{0:"a"}` into `{"0":"a"}`).
    pub fn quote_numeric_keys(s: &str) -> String {
        crate::protocol::route::quote_numeric_keys(s)
    }

    /// The message behind a C handle from `rmq_message_new`.
    ///
    /// # Safety
    /// `p` is NULL or a live `rmq_message`, not changed while the result is used.
    pub unsafe fn message_of<'a>(p: *const rmq_message) -> Option<&'a Message> {
        // SAFETY: NULL or live (# Safety).
        unsafe { crate::ffi::message::message_ref(p) }.ok()
    }

    /// An owned C view of `m` (as `rmq_producer_request` returns), to be
    /// freed with `rmq_message_ext_free`.
    pub fn message_ext_handle(m: MessageExt) -> *mut rmq_message_ext {
        Box::into_raw(Box::new(rmq_message_ext::new(m)))
    }
}

/// This library's version (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
