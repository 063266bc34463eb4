//! Which queue a message goes to, as pure code (no sockets, the clock passed
//! in): a topic's writable queues and the round-robin choice among them
//! ([`queue`]), the latency fault table that steers sends away from slow or
//! failing brokers ([`fault`]), and the sharding-key hash of ordered sends
//! ([`sharding`]).

pub mod fault;
pub mod queue;
pub mod sharding;

pub use fault::FaultTable;
pub use queue::{readable_queues, MessageQueue, TopicPublishInfo};
pub use sharding::{java_string_hash, queue_index_for_key};
