//! What API threads ask of the consumer role (Java's lite and pull
//! consumer methods that reach the I/O thread), and the one-shot broker
//! calls with their answers.

use crossbeam_channel::Sender;

use super::handover::Taken;
use super::pull::PullResult;
use super::subscription::Subscription;
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::message_ext::MessageExt;
use crate::routing::MessageQueue;

/// A request to the master of a queue's broker, answered to the caller.
#[derive(Debug, Clone)]
pub(crate) enum Call {
    /// A one-shot PULL_MESSAGE (Java `DefaultMQPullConsumer.pull`).
    Pull {
        /// The subscription sent in the header.
        subscription: Subscription,
        /// Where to start.
        offset: i64,
        /// Most messages.
        max_nums: u32,
        /// Whether the broker may hold the request (`pullBlockIfNotFound`).
        block: bool,
    },
    /// QUERY_CONSUMER_OFFSET: the group's committed offset (-1: none).
    Committed,
    /// GET_MAX_OFFSET.
    MaxOffset,
    /// GET_MIN_OFFSET.
    MinOffset,
    /// SEARCH_OFFSET_BY_TIMESTAMP, ms.
    SearchOffset(i64),
    /// UPDATE_CONSUMER_OFFSET, answered (Java `updateConsumeOffset` +
    /// persist).
    UpdateOffset(i64),
}

/// What a [`Call`] found.
#[derive(Debug)]
pub(crate) enum Answer {
    /// A pull's result.
    Pull(PullResult),
    /// An offset (or -1 for "none stored").
    Offset(i64),
    /// Done.
    Done,
}

/// The outcome of one listener call of a push consumer (all of one queue).
#[derive(Debug)]
pub(crate) struct Consumed {
    /// The queue and its generation when the messages were taken.
    pub taken: Taken,
    /// Offsets of the messages that succeeded.
    pub done: Vec<i64>,
    /// Messages to consume again later (RECONSUME_LATER).
    pub later: Vec<MessageExt>,
}

/// Work for the consumer role.
pub(crate) enum ConsumerCommand {
    /// Adds or replaces a topic's subscription (rebalanced).
    Subscribe(Subscription),
    /// Drops a topic's subscription and its queues.
    Unsubscribe(String),
    /// Owns exactly these queues (no rebalance).
    Assign(Vec<MessageQueue>),
    /// What a poll took.
    Polled(Vec<Taken>),
    /// What a push consumer's listener call finished.
    Consumed(Consumed),
    /// Moves an owned queue's next offset; answered once applied.
    Seek {
        mq: MessageQueue,
        offset: i64,
        reply: Sender<Result<()>>,
    },
    /// Commits every owned queue's polled offset and waits for the brokers.
    Commit { reply: Sender<Result<()>> },
    /// A one-shot broker request for `mq`.
    Call {
        mq: MessageQueue,
        call: Call,
        reply: Sender<Result<Answer>>,
    },
    /// The readable queues of a topic (looked up if not known).
    Queues {
        topic: String,
        reply: Sender<Result<Vec<MessageQueue>>>,
    },
    /// The queues this consumer owns now.
    Assignment { reply: Sender<Vec<MessageQueue>> },
    /// The answer to a CONSUME_MESSAGE_DIRECTLY request: a
    /// `ConsumeMessageDirectlyResult` JSON body for the connection `token`.
    Directly {
        token: mio::Token,
        opaque: i32,
        body: Vec<u8>,
    },
}

/// The error of every consumer call after shutdown (API and role alike).
pub(crate) fn shut_down() -> Error {
    Error::new(ErrorKind::Shutdown, "the consumer is shut down")
}
