//! The one error type of the library: a kind (what went wrong, as a stable
//! number the C API returns), the broker's response code when the broker
//! answered with an error, and a human-readable message.

use std::fmt;

/// The table of error kinds, the one place they are written down. Each
/// entry is `doc comment, Variant = number, "NAME";`: the number is part of
/// the C ABI (`rmq_status` has the same value for the same variant) and the
/// name is the kind's stable upper-snake-case name (logs, `rmq_status_name`).
/// Numbers and names never change; new kinds get new numbers at the end.
///
/// `error_kinds!(callback)` invokes the macro `callback` (an identifier in
/// scope at the call site) with the whole table. This module builds
/// [`ErrorKind`] from it with `define_error_kind!`; `ffi` builds the
/// conversion to `rmq_status`, `rmq_status_name` and compile-time checks of
/// its written-out `rmq_status` enum (written out because cbindgen does not
/// expand macros).
macro_rules! error_kinds {
    ($callback:ident) => {
        $callback! {
            /// An argument was NULL, not UTF-8, out of range or otherwise malformed.
            InvalidArgument = 1, "INVALID_ARGUMENT";
            /// A configuration key that the producer does not know.
            UnknownConfigKey = 2, "UNKNOWN_CONFIG_KEY";
            /// The call is not allowed in the object's current state (e.g. `send`
            /// before `start`, configuration after `start`).
            InvalidState = 3, "INVALID_STATE";
            /// The topic name breaks RocketMQ's rules (empty, longer than 127
            /// characters, characters outside `[%|a-zA-Z0-9_-]`, or a system topic).
            InvalidTopic = 4, "INVALID_TOPIC";
            /// The message is not sendable: empty body, reserved property, bad delay.
            InvalidMessage = 5, "INVALID_MESSAGE";
            /// The body (or batch) is larger than `maxMessageSize`.
            MessageTooLarge = 6, "MESSAGE_TOO_LARGE";
            /// No route: the NameServer does not know the topic (and the `TBW102`
            /// fallback did not give one), or no NameServer address is configured.
            NoRoute = 7, "NO_ROUTE";
            /// The send (all attempts together) or a request did not complete within
            /// its timeout.
            Timeout = 8, "TIMEOUT";
            /// A connection could not be made, or broke while the request was in
            /// flight.
            Network = 9, "NETWORK";
            /// The broker (or NameServer) answered with an error response code; see
            /// [`Error::response_code`].
            Broker = 10, "BROKER";
            /// The producer was shut down before the operation completed.
            Shutdown = 11, "SHUTDOWN";
            /// The async send queue is full (back-pressure).
            QueueFull = 12, "QUEUE_FULL";
            /// A Rust panic was caught at the C boundary.
            Panic = 13, "PANIC";
            /// A protocol violation or an internal failure (e.g. an undecodable frame
            /// from the peer).
            Internal = 14, "INTERNAL";
            /// A send hook refused the message (the reason is in the message).
            Vetoed = 15, "VETOED";
        }
    };
}
pub(crate) use error_kinds;

/// Builds [`ErrorKind`] and its lookups from the table of `error_kinds!`.
macro_rules! define_error_kind {
    ($( $(#[$doc:meta])* $kind:ident = $value:literal, $name:literal; )*) => {
        /// What went wrong. The numeric values are part of the C ABI
        /// (`rmq_status` mirrors them one to one) and never change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum ErrorKind {
            $( $(#[$doc])* $kind = $value, )*
        }

        impl ErrorKind {
            /// Every kind, in the order of the table (ascending numbers).
            pub const ALL: [ErrorKind; [$($value),*].len()] = [$(ErrorKind::$kind),*];

            /// The kind's stable upper-snake-case name, as used in logs and by
            /// `rmq_status_name`.
            pub fn name(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $name,)*
                }
            }

            /// The kind's number (its `rmq_status` value in the C API).
            pub fn code(self) -> i32 {
                self as i32
            }

            /// The kind whose number is `code`; None for any other value
            /// (including 0, which is `RMQ_STATUS_OK` in the C API).
            pub fn from_code(code: i32) -> Option<ErrorKind> {
                match code {
                    $($value => Some(ErrorKind::$kind),)*
                    _ => None,
                }
            }
        }
    };
}

error_kinds!(define_error_kind);

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
    /// [`ErrorKind::Broker`] with the response `code`, its symbolic
    /// `code_name` (e.g. `TOPIC_NOT_EXIST`; the caller looks it up in the
    /// protocol layer, which this module does not depend on) and the peer's
    /// `remark`. The message reads `<addr> answered <code> (<code_name>): <remark>`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_errors_carry_code_name_and_remark() {
        let e = Error::broker(
            17,
            "TOPIC_NOT_EXIST",
            "topic[T] not exist",
            "10.0.0.1:10911",
        );
        assert_eq!(e.kind(), ErrorKind::Broker);
        assert_eq!(e.response_code(), 17);
        assert_eq!(
            e.message(),
            "10.0.0.1:10911 answered 17 (TOPIC_NOT_EXIST): topic[T] not exist"
        );
        assert_eq!(
            e.to_string(),
            "BROKER: 10.0.0.1:10911 answered 17 (TOPIC_NOT_EXIST): topic[T] not exist"
        );
    }

    #[test]
    fn kinds_are_numbered_one_up_without_gaps() {
        for (i, kind) in ErrorKind::ALL.iter().enumerate() {
            assert_eq!(kind.code(), i as i32 + 1, "{:?}", kind);
            assert_eq!(*kind as i32, kind.code());
        }
    }

    #[test]
    fn from_code_inverts_code() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(kind.code()), Some(kind));
        }
        let last = ErrorKind::ALL.len() as i32;
        for code in [0, -1, last + 1, i32::MIN, i32::MAX] {
            assert_eq!(ErrorKind::from_code(code), None, "{}", code);
        }
    }

    #[test]
    fn names_are_the_variants_in_upper_snake_case() {
        for kind in ErrorKind::ALL {
            let mut expected = String::new();
            for (i, c) in format!("{:?}", kind).chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    expected.push('_');
                }
                expected.push(c.to_ascii_uppercase());
            }
            assert_eq!(kind.name(), expected);
        }
    }
}
