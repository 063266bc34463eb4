//! A message's preparation for the wire (Java `DefaultMQProducerImpl.sendKernelImpl`):
//! `UNIQ_KEY`, the properties string, compression and sysFlag, in one
//! buffer per send (recycled through a pool, [`super::pool`]), and the
//! body as sent ([`super::body`]).

use bytes::Bytes;

use super::body::Body;
use super::pool::{BufferPool, LocalBuffers, POOLED_BUFFERS};
use super::user::Message;
use super::validation::check;
use crate::compression::CompressionType;
use crate::error::Result;
use crate::protocol::message_id::UniqIdGenerator;
use crate::protocol::properties::{self, names};

/// What preparing a message needs from the producer's settings (Java
/// `DefaultMQProducer`'s `maxMessageSize`, `compressMsgBodyOverHowmuch`,
/// compression type and level, and `ClientConfig.namespace`).
#[derive(Debug, Clone, Copy)]
pub struct PrepareOptions<'a> {
    /// Resources are sent as `namespace%name` when set.
    pub namespace: Option<&'a str>,
    /// Largest body accepted, bytes (`maxMessageSize`).
    pub max_message_size: usize,
    /// Bodies at least this long are compressed, bytes (`compressMsgBodyOverHowmuch`).
    pub compress_over: usize,
    /// The compression (`compressType`).
    pub compress_type: CompressionType,
    /// The compression level (`compressLevel`).
    pub compress_level: u32,
}

impl Default for PrepareOptions<'_> {
    /// Java's defaults: no namespace, 4 MiB, compress from 4096 bytes, zlib level 5.
    fn default() -> Self {
        PrepareOptions {
            namespace: None,
            max_message_size: 4 * 1024 * 1024,
            compress_over: 4096,
            compress_type: CompressionType::Zlib,
            compress_level: 5,
        }
    }
}

/// A message ready for the wire: everything but the target queue. The
/// topic, the client message id and the properties string share one buffer
/// (one allocation per send).
#[derive(Debug, Clone)]
pub struct PreparedMessage {
    /// Topic as sent, then the `UNIQ_KEY` (comma-separated for a batch),
    /// then the properties string.
    pub(super) text: String,
    pub(super) topic_end: usize,
    pub(super) uniq_end: usize,
    /// Body as sent (compressed when `sys_flag` says so).
    pub body: Body,
    /// sysFlag (compression bits, transaction type).
    pub sys_flag: i32,
    /// The user flag.
    pub flag: i32,
    /// Whether `body` is a batch of encoded messages (SEND_BATCH_MESSAGE).
    pub batch: bool,
    /// Whether this is a reply message (SEND_REPLY_MESSAGE_V2).
    pub reply: bool,
}

/// Largest message text a pool keeps, bytes.
const POOLED_TEXT_MAX: usize = 4096;

/// Prepared messages' texts, for the next messages (see [`super::pool`]):
/// at most [`POOLED_BUFFERS`] buffers of at most [`POOLED_TEXT_MAX`] bytes,
/// and up to [`LOCAL_BUFFERS`](super::pool::LOCAL_BUFFERS) more on each
/// thread that ended sends.
static TEXT_POOL: BufferPool<String, POOLED_BUFFERS, POOLED_TEXT_MAX> =
    BufferPool::new(&LOCAL_TEXTS);

thread_local! {
    /// This thread's own buffers of [`TEXT_POOL`].
    static LOCAL_TEXTS: LocalBuffers<String> = const { LocalBuffers::new(Vec::new()) };
}

/// Gives a message text buffer back for reuse (an empty, unallocated one
/// is not kept); any thread may call it. Whoever holds a text buffer last
/// calls it when dropped: the prepared message, or the send receipt that
/// took the buffer over.
pub(crate) fn recycle_text(text: String) {
    TEXT_POOL.give(text);
}

impl Drop for PreparedMessage {
    /// Gives the text buffer back ([`recycle_text`]) when the message still
    /// holds it: a send that ends without a receipt (a oneway once its bytes
    /// are on the socket, a failed or expired send), on the I/O or callback
    /// thread, so that the next send on the API thread allocates nothing.
    fn drop(&mut self) {
        recycle_text(std::mem::take(&mut self.text));
    }
}

impl PreparedMessage {
    /// Starts a message for `topic` (wrapped into `namespace`, if any).
    pub(super) fn start(topic: &str, namespace: Option<&str>, capacity: usize) -> PreparedMessage {
        let mut text = TEXT_POOL.take(topic.len() + capacity);
        crate::namespace::wrap_into(&mut text, namespace, topic);
        let topic_end = text.len();
        PreparedMessage {
            text,
            topic_end,
            uniq_end: topic_end,
            body: Body::default(),
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
pub fn prepare(msg: &Message, config: &PrepareOptions<'_>) -> Result<PreparedMessage> {
    check(msg, config.max_message_size)?;
    let mut sys_flag = 0;
    let mut body = None;
    if msg.body.len() >= config.compress_over {
        let kind = config.compress_type;
        if let Some(compressed) = kind.compress(&msg.body, config.compress_level) {
            if compressed.len() < msg.body.len() {
                body = Some(Body::Shared(Bytes::from(compressed)));
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
    let mut p = PreparedMessage::start(&msg.topic, config.namespace, 56 + props + 64);
    UniqIdGenerator::global().push_id(&mut p.text);
    p.uniq_end = p.text.len();
    // The id is copied from where it was just written in the same buffer.
    let id = UniqKey::Within(p.topic_end..p.uniq_end);
    write_properties(&mut p.text, msg, id);
    p.body = body.unwrap_or_else(|| msg.body.for_send(msg.sent_before.mark()));
    p.sys_flag = sys_flag;
    p.flag = msg.flag;
    p.reply = msg.system_property(names::MSG_TYPE) == Some("reply");
    Ok(p)
}

/// The `UNIQ_KEY` [`write_properties`] writes: given, or a range of the
/// buffer it appends to (the id [`prepare`] has just written there).
#[derive(Debug, Clone)]
enum UniqKey<'a> {
    Text(&'a str),
    Within(std::ops::Range<usize>),
}

impl UniqKey<'_> {
    fn is_empty(&self) -> bool {
        match self {
            UniqKey::Text(id) => id.is_empty(),
            UniqKey::Within(range) => range.is_empty(),
        }
    }
}

/// Appends the properties string of `msg` to `out`, with `uniq_key` as
/// its `UNIQ_KEY`: the same pairs, in the same order, as
/// [`properties::encode_into`] of UNIQ_KEY, WAIT, TAGS, KEYS (joined with
/// spaces), DELAY, TIMER_DELIVER_MS, TIMER_DELAY_MS, then the user's and
/// the system properties, each written in place (no joined or formatted
/// copy on the way: this runs once per send on the caller's thread).
fn write_properties(out: &mut String, msg: &Message, uniq_key: UniqKey<'_>) {
    let number = |out: &mut String, name: &str, value: i64| {
        properties::encode_one(out, name, itoa::Buffer::new().format(value));
    };
    // UNIQ_KEY and WAIT, which every send has: their names and separators
    // are constant text.
    if !uniq_key.is_empty() {
        out.push_str(properties::UNIQ_KEY_PREFIX);
        match uniq_key {
            UniqKey::Text(id) => out.push_str(id),
            UniqKey::Within(range) => out.extend_from_within(range),
        }
        out.push(properties::PROPERTY_SEPARATOR);
    }
    out.push_str(if msg.wait_store_msg_ok {
        properties::WAIT_TRUE_ENCODED
    } else {
        properties::WAIT_FALSE_ENCODED
    });
    properties::encode_one(out, names::TAGS, msg.tags.as_deref().unwrap_or(""));
    properties::encode_joined(out, names::KEYS, &msg.keys, ' ');
    if msg.delay_level > 0 {
        number(out, names::DELAY, i64::from(msg.delay_level));
    }
    if let Some(at) = msg.delivery_timestamp_ms {
        number(out, "TIMER_DELIVER_MS", at);
    }
    if let Some(ms) = msg.delay_ms {
        number(out, "TIMER_DELAY_MS", ms);
    }
    properties::encode_into(
        out,
        msg.properties
            .iter()
            .chain(&msg.system_properties)
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
}

/// The properties string of `msg` with `uniq_key` as its `UNIQ_KEY`.
pub(super) fn properties_string(msg: &Message, uniq_key: &str) -> String {
    let mut props = String::with_capacity(64 + uniq_key.len());
    write_properties(&mut props, msg, UniqKey::Text(uniq_key));
    props
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::io::Read;

    /// What `write_properties` writes, as the pairs it stands for: the
    /// reference the in-place writer must equal.
    fn properties_by_pairs(msg: &Message, uniq_key: &str) -> String {
        let keys = msg.keys.join(" ");
        let wait = msg.wait_store_msg_ok.to_string();
        let delay = (msg.delay_level > 0).then(|| msg.delay_level.to_string());
        let deliver_at = msg.delivery_timestamp_ms.map(|v| v.to_string());
        let delay_ms = msg.delay_ms.map(|v| v.to_string());
        let mut out = String::new();
        properties::encode_into(
            &mut out,
            [
                (names::UNIQ_KEY, uniq_key),
                (names::WAIT, wait.as_str()),
                (names::TAGS, msg.tags.as_deref().unwrap_or("")),
                (names::KEYS, keys.as_str()),
                (names::DELAY, delay.as_deref().unwrap_or("")),
                ("TIMER_DELIVER_MS", deliver_at.as_deref().unwrap_or("")),
                ("TIMER_DELAY_MS", delay_ms.as_deref().unwrap_or("")),
            ],
        );
        properties::encode_into(
            &mut out,
            msg.properties
                .iter()
                .chain(&msg.system_properties)
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        out
    }

    #[test]
    fn write_properties_writes_the_pairs_in_place() {
        let keys: [&[&str]; 6] = [
            &[],
            &[""],
            &["", ""],
            &["k"],
            &["", "k"],
            &["k1", "k2", "k3"],
        ];
        for (i, keys) in keys.iter().enumerate() {
            let mut m = Message::new("t", &b"body"[..]);
            m.keys = keys.iter().map(|k| k.to_string()).collect();
            m.wait_store_msg_ok = i % 2 == 0;
            if i % 3 == 1 {
                m.set_tags("TagA").unwrap();
            }
            if i % 3 == 2 {
                m.set_delay_level(18).unwrap();
                m.set_delivery_timestamp(1_700_000_000_123).unwrap();
                m.set_delay_ms(0).unwrap();
                m.set_property("color", "red").unwrap();
            }
            for uniq_key in ["", "7F000001ABCD"] {
                let mut out = String::from("prefix");
                write_properties(&mut out, &m, UniqKey::Text(uniq_key));
                let expected = format!("prefix{}", properties_by_pairs(&m, uniq_key));
                assert_eq!(out, expected, "keys {:?}, uniq key {:?}", keys, uniq_key);
                // The id read from the buffer itself, as prepare writes it.
                let mut within = format!("prefix{}", uniq_key);
                write_properties(&mut within, &m, UniqKey::Within(6..6 + uniq_key.len()));
                let expected = format!("prefix{}{}", uniq_key, properties_by_pairs(&m, uniq_key));
                assert_eq!(
                    within, expected,
                    "keys {:?}, uniq key {:?} in the buffer",
                    keys, uniq_key
                );
            }
        }
    }

    #[test]
    fn properties_are_encoded() {
        let mut m = Message::new("t", &b"body"[..]);
        m.set_tags("TagA").unwrap();
        m.set_keys("k1 k2").unwrap();
        m.set_property("color", "red").unwrap();
        m.set_delay_level(3).unwrap();
        let p = prepare(&m, &PrepareOptions::default()).unwrap();
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
    fn big_bodies_are_compressed_small_ones_not() {
        let config = PrepareOptions::default();
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
    fn size_and_body_checks() {
        let config = PrepareOptions::default();
        let e = prepare(&Message::new("t", vec![0u8; 4 * 1024 * 1024 + 1]), &config).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MessageTooLarge);
        let e = prepare(&Message::new("t", Vec::new()), &config).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidMessage);
        let e = prepare(&Message::new("bad topic", &b"x"[..]), &config).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidTopic);
    }
}
