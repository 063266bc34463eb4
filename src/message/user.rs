//! The user's message (Java `Message`) and its setters' checks.

use bytes::Bytes;

use super::body::{Body, PooledBody};

use crate::error::{Error, ErrorKind, Result};
use crate::protocol::properties;

/// A message to send: topic, optional tag and keys, body, user properties,
/// delay level and the user `flag` int. Mirrors Java `Message`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    pub(super) topic: String,
    pub(super) tags: Option<String>,
    pub(super) keys: Vec<String>,
    pub(super) body: Body,
    pub(super) properties: Vec<(String, String)>,
    pub(super) delay_level: i32,
    pub(super) delivery_timestamp_ms: Option<i64>,
    pub(super) delay_ms: Option<i64>,
    pub(super) flag: i32,
    pub(super) wait_store_msg_ok: bool,
    /// Properties the client itself sets (request-reply), bypassing the
    /// reserved-name check of `set_property`.
    pub(super) system_properties: Vec<(String, String)>,
    /// Whether a send has prepared this body before (see [`SentBefore`]).
    pub(super) sent_before: SentBefore,
}

/// Whether a message's body has been prepared for a send before: the
/// first send of a body copies a small one into a pooled buffer, later
/// sends of the same body share it (`super::body::Body`). A message sent
/// once is usually freed by its caller right after the send, and sharing
/// would leave the body's memory to be freed by the producer's I/O thread,
/// another thread than the allocating one, which glibc makes costly; a
/// message sent again outlives its sends, which then only drop a reference.
/// Not part of the message's value: clones and new bodies start unsent, and
/// equality ignores it.
#[derive(Debug, Default)]
pub(super) struct SentBefore(std::sync::atomic::AtomicBool);

impl SentBefore {
    /// Marks the message sent; whether it had been sent before.
    pub(super) fn mark(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        self.0.load(Relaxed) || self.0.swap(true, Relaxed)
    }
}

impl Clone for SentBefore {
    fn clone(&self) -> Self {
        SentBefore::default()
    }
}

impl PartialEq for SentBefore {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SentBefore {}

impl Message {
    /// A message for `topic` with `body`. The topic is checked when sending,
    /// so that every send path reports a bad name the same way.
    pub fn new(topic: impl Into<String>, body: impl Into<Bytes>) -> Message {
        Message {
            topic: topic.into(),
            body: Body::Shared(body.into()),
            wait_store_msg_ok: true,
            ..Default::default()
        }
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }
    /// Replaces the topic.
    pub fn set_topic(&mut self, topic: impl Into<String>) {
        self.topic = topic.into();
    }
    /// The tag (property `TAGS`).
    pub fn tags(&self) -> Option<&str> {
        self.tags.as_deref()
    }
    /// Sets the tag; `""` clears it. Fails with [`ErrorKind::InvalidArgument`]
    /// if it contains the property separators \u0001/\u0002.
    pub fn set_tags(&mut self, tags: &str) -> Result<()> {
        check_clean("tags", tags)?;
        self.tags = (!tags.is_empty()).then(|| tags.to_string());
        Ok(())
    }
    /// The keys (property `KEYS`, joined by spaces on the wire).
    pub fn keys(&self) -> &[String] {
        &self.keys
    }
    /// Sets the keys from a space-separated list; `""` clears them.
    pub fn set_keys(&mut self, keys: &str) -> Result<()> {
        check_clean("keys", keys)?;
        self.keys = keys
            .split(' ')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect();
        Ok(())
    }
    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// Replaces the body.
    pub fn set_body(&mut self, body: impl Into<Bytes>) {
        self.body = Body::Shared(body.into());
        self.sent_before = SentBefore::default();
    }
    /// Replaces the body with a copy of `bytes` in a pooled buffer that
    /// every send of this message shares instead of copying it (the C
    /// APIs' setters; see [`super::body`]).
    pub fn set_body_copy(&mut self, bytes: &[u8]) {
        self.set_pooled_body(PooledBody::copy_of(bytes, false));
    }
    /// Replaces the body with `body`, which the sends of this message share.
    pub(crate) fn set_pooled_body(&mut self, body: PooledBody) {
        self.body = Body::Pooled(body);
        self.sent_before = SentBefore::default();
    }
    /// User properties in insertion order.
    pub fn properties(&self) -> &[(String, String)] {
        &self.properties
    }
    /// Sets a user property. Fails with [`ErrorKind::InvalidArgument`] for an
    /// empty name or value, separator characters, or a name RocketMQ reserves
    /// (`UNIQ_KEY`, `TAGS`, `DELAY`, … as Java `Message.putUserProperty`).
    pub fn set_property(&mut self, name: &str, value: &str) -> Result<()> {
        if properties::is_reserved(name) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "property name {:?} is reserved by RocketMQ; use its own setter",
                    name
                ),
            ));
        }
        self.set_property_raw(name, value)
    }
    /// Sets a property the client itself manages (reserved names allowed).
    pub(crate) fn set_system_property(&mut self, name: &str, value: &str) {
        upsert(&mut self.system_properties, name, value);
    }
    /// A property set by the client itself (e.g. `CORRELATION_ID`).
    pub fn system_property(&self, name: &str) -> Option<&str> {
        self.system_properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    /// Sets a property without the reserved-name check (the legacy C API
    /// passes properties such as `__SHARDINGKEY` through verbatim). The
    /// names with their own setter (`TAGS`, `KEYS`, `DELAY`, `WAIT`) and
    /// those the client sets (`UNIQ_KEY`, `TRAN_MSG`, `PGROUP`) must not be
    /// passed here. Fails like [`Message::set_property`] otherwise.
    pub fn set_property_raw(&mut self, name: &str, value: &str) -> Result<()> {
        if name.is_empty() || value.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "property name and value must not be empty",
            ));
        }
        check_clean("property name", name)?;
        check_clean("property value", value)?;
        upsert(&mut self.properties, name, value);
        Ok(())
    }
    /// A user property's value.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    /// The delay level (0 = none).
    pub fn delay_level(&self) -> i32 {
        self.delay_level
    }
    /// Sets the delay level: 0 (none) or 1..=18 with the broker's default
    /// levels (1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h).
    pub fn set_delay_level(&mut self, level: i32) -> Result<()> {
        if !(0..=18).contains(&level) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("delay level {} is outside 0..=18", level),
            ));
        }
        self.delay_level = level;
        Ok(())
    }
    /// Delivers the message at `ms` (milliseconds since the epoch; 5.x
    /// timer messages, property `TIMER_DELIVER_MS`). Errors:
    /// [`ErrorKind::InvalidArgument`] for a negative time.
    pub fn set_delivery_timestamp(&mut self, ms: i64) -> Result<()> {
        if ms < 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "the delivery timestamp is negative",
            ));
        }
        self.delivery_timestamp_ms = Some(ms);
        Ok(())
    }
    /// Delivers the message `ms` milliseconds after it is stored (5.x timer
    /// messages, property `TIMER_DELAY_MS`). Errors: negative delay.
    pub fn set_delay_ms(&mut self, ms: i64) -> Result<()> {
        if ms < 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "the delay is negative",
            ));
        }
        self.delay_ms = Some(ms);
        Ok(())
    }
    /// The user `flag` int, stored by the broker untouched.
    pub fn flag(&self) -> i32 {
        self.flag
    }
    /// Sets the user `flag` int.
    pub fn set_flag(&mut self, flag: i32) {
        self.flag = flag;
    }
    /// Whether the broker answers only after storing (property `WAIT`, default true).
    pub fn wait_store_msg_ok(&self) -> bool {
        self.wait_store_msg_ok
    }
    /// Sets property `WAIT`.
    pub fn set_wait_store_msg_ok(&mut self, wait: bool) {
        self.wait_store_msg_ok = wait;
    }
}

/// Sets `name` in a property list, replacing an earlier value.
fn upsert(list: &mut Vec<(String, String)>, name: &str, value: &str) {
    match list.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value.to_string(),
        None => list.push((name.to_string(), value.to_string())),
    }
}

fn check_clean(what: &str, s: &str) -> Result<()> {
    if properties::is_clean(s) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "{} must not contain the characters \\u0001 or \\u0002",
                what
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_bad_properties_are_refused() {
        let mut m = Message::new("t", &b"x"[..]);
        assert!(m.set_property("UNIQ_KEY", "x").is_err());
        assert!(m.set_property("a\u{1}", "x").is_err());
        assert!(m.set_property("", "x").is_err());
        assert!(m.set_delay_level(19).is_err());
        assert!(m.set_tags("a\u{2}").is_err());
    }
}
