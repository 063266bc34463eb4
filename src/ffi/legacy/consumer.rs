//! `CPushConsumer.h` and `CPullConsumer.h`: what both legacy consumers
//! share.
//!
//! Both consumers are real; each handle keeps its configuration and, while
//! started, one consumer of the Rust API (only the public API is used):
//!
//! * **the pull consumer** (`pull_consumer.rs`, results in
//!   `pull_result.rs`) on [`crate::PullConsumer`]:
//!   `FetchSubscriptionMessageQueues`, `Pull` and `ReleasePullResult`
//!   behave as in rocketmq-client-cpp (docs/legacy-api.md §6.7 and §8);
//! * **the push consumer** (`push_consumer.rs`) on
//!   [`crate::consumer::PushConsumer`]: `Subscribe`,
//!   `RegisterMessageCallback` (or `RegisterMessageCallbackOrderly`) and
//!   `StartPushConsumer`, then the callback runs once per message on the
//!   consumer's consume threads (docs/legacy-api.md §6.6 and §8).
//!
//! Common rules: `Create*Consumer` returns NULL only for a NULL group (a
//! `""` group becomes `DEFAULT_CONSUMER`, which cannot start), starts no
//! thread and does no I/O; `Start*` after `Shutdown*` starts a fresh
//! consumer with the same settings; `Destroy*` shuts a running consumer
//! down first; a setter called while the consumer runs returns 0 and
//! applies from the next start, with a note in `GetLatestErrorMessage()`;
//! a second started consumer of one group in the process (a pull consumer
//! per group, a push consumer per group and instance name) fails to start
//! with the legacy text. This file holds what both use.

use std::ffi::CString;

use super::cstring;

/// The group legacy gives a consumer created with `""` (which then fails
/// to start, as in legacy).
pub(super) const DEFAULT_CONSUMER_GROUP: &str = "DEFAULT_CONSUMER";

/// The text `Show*ConsumerVersion` returns.
pub(super) fn version() -> CString {
    cstring(&format!(
        "librocketmq {} (Rust; rocketmq-client-cpp 2.2.0 compatible C API)",
        crate::VERSION
    ))
}
