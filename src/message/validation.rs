//! The rules a message meets before it is sent (Java `Validators`,
//! `TopicValidator`): topic names, body presence and size.

use super::user::Message;
use crate::error::{Error, ErrorKind, Result};

/// Longest topic name (`TopicValidator.TOPIC_MAX_LENGTH`).
pub const TOPIC_MAX_LENGTH: usize = 127;

/// System topics a producer may not send to (`TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET`).
const NOT_ALLOWED_SEND_TOPICS: &[&str] = &[
    "SCHEDULE_TOPIC_XXXX",
    "RMQ_SYS_TRANS_HALF_TOPIC",
    "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    "TRANS_CHECK_MAX_TIME_TOPIC",
    "SELF_TEST_TOPIC",
    "OFFSET_MOVED_EVENT",
];

/// The bytes a topic may have: `[%|a-zA-Z0-9_-]` (Java `TopicValidator`).
static TOPIC_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'%' | b'|' | b'_' | b'-');
        b += 1;
    }
    t
};

/// Checks a topic name as Java `Validators.checkTopic` +
/// `TopicValidator.isNotAllowedSendTopic`: non-empty, at most 127 characters
/// of `[%|a-zA-Z0-9_-]`, not a system topic.
pub fn validate_topic(topic: &str) -> Result<()> {
    let bad = |why: String| Err(Error::new(ErrorKind::InvalidTopic, why));
    // Every byte of a non-ASCII character is outside the table: the first
    // bad byte starts the first bad character. A topic without one cannot
    // be blank (no whitespace in the table): no trimming.
    let bad_at = topic.bytes().position(|b| !TOPIC_BYTES[b as usize]);
    if topic.is_empty() || (bad_at.is_some() && topic.trim().is_empty()) {
        return bad("the topic is empty".into());
    }
    if topic.len() > TOPIC_MAX_LENGTH {
        return bad(format!(
            "the topic is {} characters long; at most {} are allowed",
            topic.len(),
            TOPIC_MAX_LENGTH
        ));
    }
    if let Some(at) = bad_at {
        let c = topic[at..].chars().next().unwrap_or_default();
        return bad(format!(
            "the topic {:?} contains {:?}; only [%|a-zA-Z0-9_-] are allowed",
            topic, c
        ));
    }
    if NOT_ALLOWED_SEND_TOPICS.contains(&topic) {
        return bad(format!(
            "sending to the system topic {} is not allowed",
            topic
        ));
    }
    Ok(())
}

/// non-empty body, body ≤ `maxMessageSize`.
pub(super) fn check(msg: &Message, max_message_size: usize) -> Result<()> {
    validate_topic(&msg.topic)?;
    if msg.body.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidMessage,
            "the message body is empty",
        ));
    }
    if msg.body.len() > max_message_size {
        return Err(Error::new(
            ErrorKind::MessageTooLarge,
            format!(
                "the message body is {} bytes; maxMessageSize is {} bytes",
                msg.body.len(),
                max_message_size
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_rules() {
        assert!(validate_topic("Topic_a-1%|x").is_ok());
        for bad in ["", " ", "a b", "tópico", "a/b", "SCHEDULE_TOPIC_XXXX"] {
            assert_eq!(
                validate_topic(bad).unwrap_err().kind(),
                ErrorKind::InvalidTopic,
                "{bad}"
            );
        }
        assert!(validate_topic(&"x".repeat(127)).is_ok());
        assert!(validate_topic(&"x".repeat(128)).is_err());
        // Each error names the rule broken first, and the first bad character.
        let why = |t: &str| validate_topic(t).unwrap_err().to_string();
        assert!(why(" \t").contains("empty"), "{}", why(" \t"));
        assert!(why("").contains("empty"));
        assert!(why(&"é".repeat(100)).contains("characters long"));
        assert!(why("tópico").contains("'ó'"), "{}", why("tópico"));
        assert!(why("a b/c").contains("' '"), "{}", why("a b/c"));
    }
}
