//! What the roles of an engine put into its HEART_BEAT.

use crate::protocol::heartbeat::ConsumerData;

/// What a role adds to the engine's HEART_BEAT (Java `HeartbeatData`).
#[derive(Debug, Default)]
pub(crate) struct HeartbeatData {
    /// `producerDataSet`: producer groups.
    pub producer_groups: Vec<String>,
    /// `consumerDataSet`: consumer groups and their subscriptions.
    pub consumers: Vec<ConsumerData>,
}
