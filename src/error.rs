//! The one error type of the library: a kind (what went wrong, as a stable
//! number the C API returns), the broker's response code when the broker
//! answered with an error, and a human-readable message.

use std::fmt;

/// What went wrong. The numeric values are part of the C ABI (`rmq_status`
/// mirrors them one to one) and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorKind {
    /// An argument was NULL, not UTF-8, out of range or otherwise malformed.
    InvalidArgument = 1,
    /// A configuration key that the producer does not know.
    UnknownConfigKey = 2,
    /// The call is not allowed in the object's current state (e.g. `send`
    /// before `start`, configuration after `start`).
    InvalidState = 3,
    /// The topic name breaks RocketMQ's rules (empty, longer than 127
    /// characters, characters outside `[%|a-zA-Z0-9_-]`, or a system topic).
    InvalidTopic = 4,
    /// The message is not sendable: empty body, reserved property, bad delay.
    InvalidMessage = 5,
    /// The body (or batch) is larger than `maxMessageSize`.
    MessageTooLarge = 6,
    /// No route: the NameServer does not know the topic (and the `TBW102`
    /// fallback did not give one), or no NameServer address is configured.
    NoRoute = 7,
    /// The send (all attempts together) or a request did not complete within
    /// its timeout.
    Timeout = 8,
    /// A connection could not be made, or broke while the request was in
    /// flight.
    Network = 9,
    /// The broker (or NameServer) answered with an error response code; see
    /// [`Error::response_code`].
    Broker = 10,
    /// The producer was shut down before the operation completed.
    Shutdown = 11,
    /// The async send queue is full (back-pressure).
    QueueFull = 12,
    /// A Rust panic was caught at the C boundary.
    Panic = 13,
    /// A protocol violation or an internal failure (e.g. an undecodable frame
    /// from the peer).
    Internal = 14,
    /// A send hook refused the message (the reason is in the message).
    Vetoed = 15,
}

impl ErrorKind {
    /// The kind's stable upper-snake-case name, as used in logs and by
    /// `rmq_status_name`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::UnknownConfigKey => "UNKNOWN_CONFIG_KEY",
            ErrorKind::InvalidState => "INVALID_STATE",
            ErrorKind::InvalidTopic => "INVALID_TOPIC",
            ErrorKind::InvalidMessage => "INVALID_MESSAGE",
            ErrorKind::MessageTooLarge => "MESSAGE_TOO_LARGE",
            ErrorKind::NoRoute => "NO_ROUTE",
            ErrorKind::Timeout => "TIMEOUT",
            ErrorKind::Network => "NETWORK",
            ErrorKind::Broker => "BROKER",
            ErrorKind::Shutdown => "SHUTDOWN",
            ErrorKind::QueueFull => "QUEUE_FULL",
            ErrorKind::Panic => "PANIC",
            ErrorKind::Internal => "INTERNAL",
            ErrorKind::Vetoed => "VETOED",
        }
    }
}

/// An error: kind, optional broker response code, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    response_code: i32,
    message: String,
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A new error of `kind` with `message`; no broker response code.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            response_code: 0,
            message: message.into(),
        }
    }

    /// An error response from a broker or NameServer at `addr`: kind
    /// [`ErrorKind::Broker`] with the response `code` (named `code_name`,
    /// e.g. `TOPIC_NOT_EXIST`) and the peer's `remark`.
    pub fn broker(code: i32, code_name: &str, remark: &str, addr: &str) -> Error {
        Error {
            kind: ErrorKind::Broker,
            response_code: code,
            message: format!("{} answered {} ({}): {}", addr, code, code_name, remark),
        }
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The broker's response code for [`ErrorKind::Broker`] errors (e.g. 17
    /// TOPIC_NOT_EXIST, 13 MESSAGE_ILLEGAL); 0 for every other kind.
    pub fn response_code(&self) -> i32 {
        self.response_code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with `context` put in front of the message.
    pub fn context(mut self, context: &str) -> Error {
        self.message = format!("{}: {}", context, self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for Error {}
