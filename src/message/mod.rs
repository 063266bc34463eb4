//! The user's message (Java `Message`): topic, tag, keys, body, properties,
//! delay and flag, with the setters' checks. [`validation`] holds the rules a
//! message must meet to be sent, [`prepare`] turns it into what goes on the
//! wire, [`batch`] encodes several as one batch. Knows the user's data, not
//! sockets or producers.

mod batch;
mod body;
mod pool;
mod prepare;
mod user;
mod validation;

pub use batch::{prepare_batch, split_batch};
pub use body::{Body, PooledBody};
pub(crate) use prepare::recycle_text;
pub use prepare::{prepare, PrepareOptions, PreparedMessage};
pub use user::Message;
pub use validation::{validate_topic, TOPIC_MAX_LENGTH};
