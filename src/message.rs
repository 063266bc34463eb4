//! The user's message, its validation rules (Java `Validators`,
//! `TopicValidator`) and its preparation for the wire: `UNIQ_KEY`,
//! properties string, compression and sysFlag. Knows the user's data, not
//! sockets.

use bytes::Bytes;

use crate::config::ProducerConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::message_id::UniqIdGenerator;
use crate::protocol::properties::{self, names};

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

/// A message to send: topic, optional tag and keys, body, user properties,
/// delay level and the user `flag` int. Mirrors Java `Message`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    topic: String,
    tags: Option<String>,
    keys: Vec<String>,
    body: Bytes,
    properties: Vec<(String, String)>,
    delay_level: i32,
    delivery_timestamp_ms: Option<i64>,
    delay_ms: Option<i64>,
    flag: i32,
    wait_store_msg_ok: bool,
    /// Properties the client itself sets (request-reply), bypassing the
    /// reserved-name check of `set_property`.
    system_properties: Vec<(String, String)>,
}

impl Message {
    /// A message for `topic` with `body`. The topic is checked when sending,
    /// so that every send path reports a bad name the same way.
    pub fn new(topic: impl Into<String>, body: impl Into<Bytes>) -> Message {
        Message {
            topic: topic.into(),
            body: body.into(),
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
        self.body = body.into();
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
    pub(crate) fn set_property_raw(&mut self, name: &str, value: &str) -> Result<()> {
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

/// A message ready for the wire: everything but the target queue. The
/// topic, the client message id and the properties string share one buffer
/// (one allocation per send).
#[derive(Debug, Clone)]
pub struct PreparedMessage {
    /// Topic as sent, then the `UNIQ_KEY` (comma-separated for a batch),
    /// then the properties string.
    text: String,
    topic_end: usize,
    uniq_end: usize,
    /// Body as sent (compressed when `sys_flag` says so).
    pub body: Bytes,
    /// sysFlag (compression bits, transaction type).
    pub sys_flag: i32,
    /// The user flag.
    pub flag: i32,
    /// Whether `body` is a batch of encoded messages (SEND_BATCH_MESSAGE).
    pub batch: bool,
    /// Whether this is a reply message (SEND_REPLY_MESSAGE_V2).
    pub reply: bool,
}

/// Message text buffers whose sends have ended, for the next messages.
/// A text is allocated on the API thread that prepares the message and
/// ends on the producer's callback thread: freeing it there would make
/// both threads take the allocator's arena lock for every send. The
/// callback thread hands it back here ([`recycle_text`]) and
/// [`PreparedMessage::start`] reuses it. At most [`POOLED_TEXTS`] buffers
/// of at most [`POOLED_TEXT_MAX`] bytes wait here; others are freed.
static TEXT_POOL: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Most buffers kept in [`TEXT_POOL`].
const POOLED_TEXTS: usize = 1024;

/// Largest buffer kept in [`TEXT_POOL`], bytes.
const POOLED_TEXT_MAX: usize = 4096;

/// Gives a message text buffer (from a receipt whose callback has run)
/// back for reuse; any thread may call it.
pub(crate) fn recycle_text(text: String) {
    if text.capacity() > POOLED_TEXT_MAX {
        return;
    }
    if let Ok(mut pool) = TEXT_POOL.lock() {
        if pool.len() < POOLED_TEXTS {
            pool.push(text);
        }
    }
}

/// An empty buffer with room for `capacity` bytes: a recycled one if any.
fn text_buffer(capacity: usize) -> String {
    let pooled = TEXT_POOL.lock().ok().and_then(|mut pool| pool.pop());
    match pooled {
        Some(mut text) => {
            text.clear();
            text.reserve(capacity);
            text
        }
        None => String::with_capacity(capacity),
    }
}

impl PreparedMessage {
    /// Starts a message for `topic` (wrapped into `namespace`, if any).
    fn start(topic: &str, namespace: Option<&str>, capacity: usize) -> PreparedMessage {
        let mut text = text_buffer(topic.len() + capacity);
        crate::namespace::wrap_into(&mut text, namespace, topic);
        let topic_end = text.len();
        PreparedMessage {
            text,
            topic_end,
            uniq_end: topic_end,
            body: Bytes::new(),
            sys_flag: 0,
            flag: 0,
            batch: false,
            reply: false,
        }
    }

    /// Topic as sent (with the producer's namespace).
    pub fn topic(&self) -> &str {
        &self.text[..self.topic_end]
    }

    /// The client message id (`UNIQ_KEY`), reported as `msgId`; for a
    /// batch, every message's id, comma-separated.
    pub fn uniq_key(&self) -> &str {
        &self.text[self.topic_end..self.uniq_end]
    }

    /// The encoded properties string (header field `i`).
    pub fn properties(&self) -> &str {
        &self.text[self.uniq_end..]
    }

    /// Appends properties (pairs with an empty name or value are skipped).
    pub fn add_properties<'a>(&mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
        properties::encode_into(&mut self.text, pairs);
    }

    /// Moves the buffer out, with the byte ranges of the topic and of the
    /// client message id in it; the message is empty afterwards.
    pub(crate) fn take_text(&mut self) -> (String, std::ops::Range<usize>, std::ops::Range<usize>) {
        let (topic, uniq) = (0..self.topic_end, self.topic_end..self.uniq_end);
        (self.topic_end, self.uniq_end) = (0, 0);
        (std::mem::take(&mut self.text), topic, uniq)
    }
}

/// Validates `msg` against `config` and prepares it for the wire: topic
/// rules, non-empty body, body ≤ `maxMessageSize` bytes, a fresh `UNIQ_KEY`,
/// compression with `compressType` (zlib by default: sysFlag 0x301) when the
/// body is at least `compressMsgBodyOverHowmuch` bytes and compression makes
/// it smaller.
///
/// Mirrors Java `DefaultMQProducerImpl.sendDefaultImpl` (checks) and
/// `sendKernelImpl` (id, compression, sysFlag). Errors: [`ErrorKind::InvalidTopic`],
/// [`ErrorKind::InvalidMessage`] (empty body), [`ErrorKind::MessageTooLarge`].
pub fn prepare(msg: &Message, config: &ProducerConfig) -> Result<PreparedMessage> {
    check(msg, config)?;
    let mut sys_flag = 0;
    let mut body = msg.body.clone();
    if msg.body.len() >= config.compress_msg_body_over_howmuch {
        let kind = config.compress_type;
        if let Some(compressed) = kind.compress(&msg.body, config.compress_level) {
            if compressed.len() < msg.body.len() {
                body = Bytes::from(compressed);
                sys_flag |= kind.sys_flag();
            }
        }
    }
    // Room for the id (≤ 56), the properties and what a send receipt
    // usually appends (broker name, offsetMsgId, region; ≤ 64): one
    // allocation, sized to the message so that many in flight stay small.
    let props = 32
        + msg.tags.as_ref().map_or(0, |t| t.len() + 6)
        + msg.keys.iter().map(|k| k.len() + 6).sum::<usize>()
        + msg
            .properties
            .iter()
            .chain(&msg.system_properties)
            .map(|(k, v)| k.len() + v.len() + 2)
            .sum::<usize>();
    let mut p = PreparedMessage::start(&msg.topic, config.namespace.as_deref(), 56 + props + 64);
    UniqIdGenerator::global().push_id(&mut p.text);
    p.uniq_end = p.text.len();
    // The id (at most 56 ASCII characters) is copied to the stack so that
    // the buffer can grow while the properties are written after it.
    let mut id = [0u8; 64];
    let id = &mut id[..p.uniq_end - p.topic_end];
    id.copy_from_slice(p.uniq_key().as_bytes());
    write_properties(
        &mut p.text,
        msg,
        std::str::from_utf8(id).unwrap_or_default(),
    );
    p.body = body;
    p.sys_flag = sys_flag;
    p.flag = msg.flag;
    p.reply = msg.system_property(crate::request_reply::MSG_TYPE) == Some("reply");
    Ok(p)
}

/// The checks every message passes before it is sent: topic rules,
/// non-empty body, body ≤ `maxMessageSize`.
fn check(msg: &Message, config: &ProducerConfig) -> Result<()> {
    validate_topic(&msg.topic)?;
    if msg.body.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidMessage,
            "the message body is empty",
        ));
    }
    if msg.body.len() > config.max_message_size {
        return Err(Error::new(
            ErrorKind::MessageTooLarge,
            format!(
                "the message body is {} bytes; maxMessageSize is {} bytes",
                msg.body.len(),
                config.max_message_size
            ),
        ));
    }
    Ok(())
}

/// Appends the properties string of `msg` to `out`, with `uniq_key` as
/// its `UNIQ_KEY`.
fn write_properties(out: &mut String, msg: &Message, uniq_key: &str) {
    let keys = msg.keys.join(" ");
    let wait = if msg.wait_store_msg_ok {
        "true"
    } else {
        "false"
    };
    let delay = (msg.delay_level > 0).then(|| msg.delay_level.to_string());
    let deliver_at = msg.delivery_timestamp_ms.map(|v| v.to_string());
    let delay_ms = msg.delay_ms.map(|v| v.to_string());
    // Empty values are skipped by encode_into.
    properties::encode_into(
        out,
        [
            (names::UNIQ_KEY, uniq_key),
            (names::WAIT, wait),
            (names::TAGS, msg.tags.as_deref().unwrap_or("")),
            (names::KEYS, keys.as_str()),
            (names::DELAY, delay.as_deref().unwrap_or("")),
            ("TIMER_DELIVER_MS", deliver_at.as_deref().unwrap_or("")),
            ("TIMER_DELAY_MS", delay_ms.as_deref().unwrap_or("")),
        ],
    );
    properties::encode_into(
        out,
        msg.properties
            .iter()
            .chain(&msg.system_properties)
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
}

/// The properties string of `msg` with `uniq_key` as its `UNIQ_KEY`.
fn properties_string(msg: &Message, uniq_key: &str) -> String {
    let mut props = String::with_capacity(64 + uniq_key.len());
    write_properties(&mut props, msg, uniq_key);
    props
}

/// The CRC-32 of zlib and Java's `java.util.zip.CRC32` (a 1 KiB table).
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Bytes one message takes in a batch body (§6 record).
fn batch_record_len(body_len: usize, props_len: usize) -> usize {
    4 + 4 + 4 + 4 + 4 + body_len + 2 + props_len
}

/// Validates and encodes `msgs` as one batch (Java `MessageBatch`,
/// `MessageDecoder.encodeMessages`): every message checked as a single one,
/// all on one topic with the same `WAIT`, no delay level, no `%RETRY%` topic;
/// each record gets its own `UNIQ_KEY` and the CRC32 of its body; bodies
/// are never compressed. The encoded batch must fit `maxMessageSize`.
///
/// Errors: [`ErrorKind::InvalidMessage`] (empty list, mixed topics or
/// `WAIT`, delay, retry topic, properties over 32767 bytes), the errors of
/// a single message, [`ErrorKind::MessageTooLarge`] for the whole batch.
pub fn prepare_batch(msgs: &[Message], config: &ProducerConfig) -> Result<PreparedMessage> {
    let invalid = |why: String| Err(Error::new(ErrorKind::InvalidMessage, why));
    let Some(first) = msgs.first() else {
        return invalid("the batch is empty".into());
    };
    if first.topic.starts_with("%RETRY%") {
        return invalid("batches cannot be sent to retry topics".into());
    }
    let mut body = Vec::new();
    let mut ids = Vec::with_capacity(msgs.len());
    for (i, m) in msgs.iter().enumerate() {
        check(m, config).map_err(|e| e.context(&format!("batch message {}", i)))?;
        if m.topic != first.topic {
            return invalid(format!(
                "batch message {} has topic {}; every message must have topic {}",
                i, m.topic, first.topic
            ));
        }
        if m.wait_store_msg_ok != first.wait_store_msg_ok {
            return invalid(format!("batch message {} has a different WAIT setting", i));
        }
        if m.delay_level > 0 || m.delivery_timestamp_ms.is_some() || m.delay_ms.is_some() {
            return invalid(format!(
                "batch message {} has a delay level; batches cannot be delayed",
                i
            ));
        }
        let id = UniqIdGenerator::global().next_id();
        let props = properties_string(m, &id);
        if props.len() > i16::MAX as usize {
            return invalid(format!(
                "batch message {} has {} bytes of properties (at most 32767)",
                i,
                props.len()
            ));
        }
        let total = batch_record_len(m.body.len(), props.len());
        body.extend_from_slice(&(total as i32).to_be_bytes());
        body.extend_from_slice(&0i32.to_be_bytes()); // magic code
                                                     // Java UtilAll.crc32: CRC32 with the sign bit cleared.
        let crc = (CRC32.checksum(&m.body) & 0x7FFF_FFFF) as i32;
        body.extend_from_slice(&crc.to_be_bytes());
        body.extend_from_slice(&m.flag.to_be_bytes());
        body.extend_from_slice(&(m.body.len() as i32).to_be_bytes());
        body.extend_from_slice(&m.body);
        body.extend_from_slice(&(props.len() as i16).to_be_bytes());
        body.extend_from_slice(props.as_bytes());
        ids.push(id);
        if body.len() > config.max_message_size {
            return Err(Error::new(
                ErrorKind::MessageTooLarge,
                format!(
                    "the batch needs more than maxMessageSize ({} bytes) after {} of {} messages; split it (split_batch)",
                    config.max_message_size,
                    i + 1,
                    msgs.len()
                ),
            ));
        }
    }
    let wait = if first.wait_store_msg_ok {
        "true"
    } else {
        "false"
    };
    let ids_len = ids.iter().map(|id| id.len() + 1).sum::<usize>();
    let mut p = PreparedMessage::start(&first.topic, config.namespace.as_deref(), ids_len + 16);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            p.text.push(',');
        }
        p.text.push_str(id);
    }
    p.uniq_end = p.text.len();
    p.add_properties([(names::WAIT, wait)]);
    p.body = Bytes::from(body);
    p.batch = true;
    Ok(p)
}

/// Splits `msgs` into consecutive runs whose encoded batch fits `max_bytes`
/// (use `maxMessageSize`). A single message larger than that forms a run of
/// its own (and is then refused when sent).
pub fn split_batch(msgs: &[Message], max_bytes: usize) -> Vec<&[Message]> {
    // A UNIQ_KEY property takes "UNIQ_KEY" + 2 separators + up to 56 chars.
    const ID_PROPS: usize = 8 + 2 + 56;
    let mut out = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, m) in msgs.iter().enumerate() {
        let len = batch_record_len(m.body.len(), properties_string(m, "").len() + ID_PROPS);
        if i > start && size + len > max_bytes {
            out.push(&msgs[start..i]);
            start = i;
            size = 0;
        }
        size += len;
    }
    if start < msgs.len() {
        out.push(&msgs[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

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

    #[test]
    fn properties_are_encoded() {
        let mut m = Message::new("t", &b"body"[..]);
        m.set_tags("TagA").unwrap();
        m.set_keys("k1 k2").unwrap();
        m.set_property("color", "red").unwrap();
        m.set_delay_level(3).unwrap();
        let p = prepare(&m, &ProducerConfig::default()).unwrap();
        let props = properties::decode(p.properties());
        let get = |k: &str| props.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("UNIQ_KEY").as_deref(), Some(p.uniq_key()));
        assert_eq!(p.topic(), "t");
        assert_eq!(get("TAGS").as_deref(), Some("TagA"));
        assert_eq!(get("KEYS").as_deref(), Some("k1 k2"));
        assert_eq!(get("WAIT").as_deref(), Some("true"));
        assert_eq!(get("DELAY").as_deref(), Some("3"));
        assert_eq!(get("color").as_deref(), Some("red"));
        assert_eq!(p.sys_flag, 0);
    }

    #[test]
    fn reserved_and_bad_properties_are_refused() {
        let mut m = Message::new("t", &b"x"[..]);
        assert!(m.set_property("UNIQ_KEY", "x").is_err());
        assert!(m.set_property("a\u{1}", "x").is_err());
        assert!(m.set_property("", "x").is_err());
        assert!(m.set_delay_level(19).is_err());
        assert!(m.set_tags("a\u{2}").is_err());
    }

    #[test]
    fn big_bodies_are_compressed_small_ones_not() {
        let config = ProducerConfig::default();
        let body: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
        let p = prepare(&Message::new("t", body.clone()), &config).unwrap();
        assert_eq!(p.sys_flag, 0x301);
        let mut back = Vec::new();
        flate2::read::ZlibDecoder::new(&p.body[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, body);
        let p = prepare(&Message::new("t", vec![7u8; 4095]), &config).unwrap();
        assert_eq!(p.sys_flag, 0);
        assert_eq!(p.body.len(), 4095);
    }

    #[test]
    fn batch_crc_is_java_crc32() {
        // The standard CRC-32 check value, and zlib.crc32 (= java.util.zip.CRC32) of "body0".
        assert_eq!(CRC32.checksum(b"123456789"), 0xCBF4_3926);
        assert_eq!(CRC32.checksum(b"body0"), 0xD16F_A58A);
    }

    #[test]
    fn batch_encoding_and_rules() {
        let config = ProducerConfig::default();
        let msgs: Vec<Message> = (0..3)
            .map(|i| {
                let mut m = Message::new("T", format!("body{}", i).into_bytes());
                m.set_tags("tag").unwrap();
                m.set_flag(i);
                m
            })
            .collect();
        let p = prepare_batch(&msgs, &config).unwrap();
        assert!(p.batch);
        assert_eq!(p.uniq_key().split(',').count(), 3);
        assert_eq!(p.properties(), "WAIT\u{1}true\u{2}");
        // Walk the records.
        let mut b = &p.body[..];
        for (i, id) in p.uniq_key().split(',').enumerate() {
            let int = |at: usize| i32::from_be_bytes(b[at..at + 4].try_into().unwrap());
            let total = int(0) as usize;
            let blen = int(16) as usize;
            let body = &b[20..20 + blen];
            let plen = i16::from_be_bytes(b[20 + blen..22 + blen].try_into().unwrap()) as usize;
            let props = std::str::from_utf8(&b[22 + blen..22 + blen + plen]).unwrap();
            assert_eq!(total, 22 + blen + plen);
            assert_eq!(body, format!("body{}", i).as_bytes());
            assert_eq!(int(8) as u32, crc32fast::hash(body) & 0x7FFF_FFFF);
            assert_eq!(int(12), i as i32);
            assert!(props.contains(&format!("UNIQ_KEY\u{1}{}\u{2}", id)));
            b = &b[total..];
        }
        assert!(b.is_empty());
        // Rules.
        let mut other = msgs.clone();
        other[1].set_topic("U");
        let kind = |r: Result<PreparedMessage>| r.unwrap_err().kind();
        assert_eq!(
            kind(prepare_batch(&other, &config)),
            ErrorKind::InvalidMessage
        );
        let mut delayed = msgs.clone();
        delayed[2].set_delay_level(1).unwrap();
        assert_eq!(
            kind(prepare_batch(&delayed, &config)),
            ErrorKind::InvalidMessage
        );
        assert_eq!(kind(prepare_batch(&[], &config)), ErrorKind::InvalidMessage);
        let big: Vec<Message> = (0..5)
            .map(|_| Message::new("T", vec![1u8; 1024 * 1024]))
            .collect();
        assert_eq!(
            kind(prepare_batch(&big, &config)),
            ErrorKind::MessageTooLarge
        );
        let parts = split_batch(&big, config.max_message_size);
        let sizes: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        assert_eq!(sizes, vec![3, 2]);
        for part in parts {
            prepare_batch(part, &config).unwrap();
        }
    }

    #[test]
    fn size_and_body_checks() {
        let config = ProducerConfig::default();
        let e = prepare(&Message::new("t", vec![0u8; 4 * 1024 * 1024 + 1]), &config).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MessageTooLarge);
        let e = prepare(&Message::new("t", Vec::new()), &config).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidMessage);
        let e = prepare(&Message::new("bad topic", &b"x"[..]), &config).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidTopic);
    }
}
