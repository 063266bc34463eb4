//! A producer's settings (Java `DefaultMQProducer`), with the client
//! engine's ([`ClientConfig`]) inside: one key/value surface for both, so
//! bindings need one function for every present and future option.

use crate::client::config::{self as client_config, ClientConfig};
use crate::compression::CompressionType;
use crate::config::{boolean, key, non_empty, number, ConfigKey};
use crate::error::{Error, ErrorKind, Result};
use crate::message::PrepareOptions;

/// Every setting of a producer, with the Java defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerConfig {
    /// The client engine's settings (NameServer, client id, namespace, ACL, …).
    pub client: ClientConfig,
    /// `producerGroup`.
    pub producer_group: String,
    /// `sendMsgTimeout`, ms: the budget for all attempts of one send.
    pub send_msg_timeout_ms: u64,
    /// `retryTimesWhenSendFailed`: extra attempts of a sync send.
    pub retry_times_when_send_failed: u32,
    /// `retryTimesWhenSendAsyncFailed`: extra attempts of an async send.
    pub retry_times_when_send_async_failed: u32,
    /// `retryAnotherBrokerWhenNotStoreOK`: retry when the status is not SEND_OK.
    pub retry_another_broker_when_not_store_ok: bool,
    /// `compressMsgBodyOverHowmuch`, bytes: bodies at least this long are compressed.
    pub compress_msg_body_over_howmuch: usize,
    /// `compressLevel`: 0..=9 for zlib; LZ4 and zstd (written at `ruzstd`'s
    /// one level, about zstd level 1) ignore it
    /// (Java property `rocketmq.message.compressLevel`, default 5).
    pub compress_level: u32,
    /// `compressType`: ZLIB (default), LZ4 or ZSTD (Java property
    /// `rocketmq.message.compressType`).
    pub compress_type: CompressionType,
    /// `maxMessageSize`, bytes.
    pub max_message_size: usize,
    /// `defaultTopicQueueNums`: queues of auto-created topics.
    pub default_topic_queue_nums: i32,
    /// `createTopicKey`: the auto-create template topic.
    pub create_topic_key: String,
    /// `backPressureForAsyncSendNum`: most async/oneway sends in flight.
    /// Default 2048, not Java's 10000: the throughput of a pipelined
    /// connection saturates far below that (about 100 in flight cover 1 ms of
    /// latency at 100 k msgs/s), and brokers answer SYSTEM_BUSY to one
    /// session with more than 4096 requests queued (the Rust broker's
    /// transport admission limit).
    pub back_pressure_for_async_send_num: usize,
    /// `backPressureForAsyncSendSize`, bytes: most body bytes in flight.
    pub back_pressure_for_async_send_size: usize,
    /// `enableBackpressureForAsyncMode`: when the limits are reached, true
    /// blocks the caller up to `sendMsgTimeout`, false fails at once with
    /// QUEUE_FULL. (Unlike Java, where false means "no limit", memory stays
    /// bounded either way.)
    pub enable_backpressure_for_async_mode: bool,
    /// `sendLatencyFaultEnable`: avoid slow and failing brokers (on by
    /// default here; off by default in Java).
    pub send_latency_fault_enable: bool,
    /// `shutdownTimeout`, ms: how long shutdown waits for accepted sends
    /// before failing them (not a Java key).
    pub shutdown_timeout_ms: u64,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        let wire = PrepareOptions::default();
        ProducerConfig {
            client: ClientConfig::default(),
            producer_group: crate::protocol::DEFAULT_PRODUCER_GROUP.to_string(),
            send_msg_timeout_ms: 3000,
            retry_times_when_send_failed: 2,
            retry_times_when_send_async_failed: 2,
            retry_another_broker_when_not_store_ok: false,
            compress_msg_body_over_howmuch: wire.compress_over,
            compress_level: wire.compress_level,
            compress_type: wire.compress_type,
            max_message_size: wire.max_message_size,
            default_topic_queue_nums: 4,
            create_topic_key: crate::protocol::AUTO_CREATE_TOPIC_KEY.to_string(),
            back_pressure_for_async_send_num: 2048,
            back_pressure_for_async_send_size: 100 * 1024 * 1024,
            enable_backpressure_for_async_mode: true,
            shutdown_timeout_ms: 3000,
            send_latency_fault_enable: true,
        }
    }
}

/// The producer's own keys (the engine's are [`client_config::KEYS`]); see
/// [`keys`] for both.
pub static KEYS: &[ConfigKey<ProducerConfig>] = &[
    key!("producerGroup", "producer group name", |c, v| c
        .producer_group =
        non_empty(KEY, v)?),
    key!(
        "sendMsgTimeout",
        "ms, budget for all attempts of one send (> 0)",
        |c, v| c.send_msg_timeout_ms = number(KEY, v, 1, 3_600_000)?
    ),
    key!(
        "retryTimesWhenSendFailed",
        "extra attempts of a sync send (0..=16)",
        |c, v| c.retry_times_when_send_failed = number(KEY, v, 0, 16)?
    ),
    key!(
        "retryTimesWhenSendAsyncFailed",
        "extra attempts of an async send (0..=16)",
        |c, v| c.retry_times_when_send_async_failed = number(KEY, v, 0, 16)?
    ),
    key!(
        "retryAnotherBrokerWhenNotStoreOK",
        "true/false: retry non-SEND_OK statuses",
        |c, v| c.retry_another_broker_when_not_store_ok = boolean(KEY, v)?
    ),
    key!(
        "compressMsgBodyOverHowmuch",
        "bytes; bodies at least this long are compressed",
        |c, v| c.compress_msg_body_over_howmuch = number(KEY, v, 0, u32::MAX as u64)?
    ),
    key!("compressType", "ZLIB (default), LZ4 or ZSTD", |c, v| c
        .compress_type =
        compress_type(v)?),
    key!(
        "compressLevel",
        "0..=9 for zlib; LZ4 and zstd ignore it (default 5)",
        |c, v| c.compress_level = number(KEY, v, 0, 9)?
    ),
    key!(
        "maxMessageSize",
        "bytes, largest body accepted (1..=16 MiB)",
        |c, v| c.max_message_size = number(KEY, v, 1, 16 * 1024 * 1024)?
    ),
    key!(
        "defaultTopicQueueNums",
        "queues of an auto-created topic (1..=1024)",
        |c, v| c.default_topic_queue_nums = number(KEY, v, 1, 1024)?
    ),
    key!(
        "createTopicKey",
        "template topic for auto-creation (TBW102)",
        |c, v| c.create_topic_key = non_empty(KEY, v)?
    ),
    key!(
        "sendLatencyFaultEnable",
        "true/false: avoid slow and failing brokers (default true)",
        |c, v| c.send_latency_fault_enable = boolean(KEY, v)?
    ),
    key!(
        "backPressureForAsyncSendNum",
        "most async/oneway sends in flight (1..=1000000)",
        |c, v| c.back_pressure_for_async_send_num = number(KEY, v, 1, 1_000_000)?
    ),
    key!(
        "backPressureForAsyncSendSize",
        "bytes, most body bytes in flight (1..=2 GiB)",
        |c, v| c.back_pressure_for_async_send_size = number(KEY, v, 1, 2 * 1024 * 1024 * 1024)?
    ),
    key!(
        "enableBackpressureForAsyncMode",
        "true: block when full (up to sendMsgTimeout); false: fail with QUEUE_FULL",
        |c, v| c.enable_backpressure_for_async_mode = boolean(KEY, v)?
    ),
    key!(
        "shutdownTimeout",
        "ms, how long shutdown waits for accepted sends (0..=3600000)",
        |c, v| c.shutdown_timeout_ms = number(KEY, v, 0, 3_600_000)?
    ),
];

fn compress_type(v: &str) -> Result<CompressionType> {
    CompressionType::parse(v).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("compressType must be ZLIB, LZ4 or ZSTD, got {:?}", v),
        )
    })
}

/// Every key [`ProducerConfig::set`] accepts, with its one-line description:
/// the engine's keys, then the producer's.
pub fn keys() -> impl Iterator<Item = (&'static str, &'static str)> {
    client_config::KEYS
        .iter()
        .map(|k| (k.name, k.doc))
        .chain(KEYS.iter().map(|k| (k.name, k.doc)))
}

impl ProducerConfig {
    /// Sets `key` (a Java property name, see [`keys`]) to `value` (text as a
    /// Java properties file would hold it, surrounding whitespace ignored).
    ///
    /// Errors: [`ErrorKind::UnknownConfigKey`] for a key not in [`keys`];
    /// [`ErrorKind::InvalidArgument`] for a value that does not parse or is
    /// out of range. On error the configuration is unchanged.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        match crate::config::set_in(KEYS, self, key, value) {
            Some(outcome) => outcome,
            None => self.client.set(key, value),
        }
    }

    /// What message preparation needs from these settings.
    pub fn prepare_options(&self) -> PrepareOptions<'_> {
        PrepareOptions {
            namespace: self.client.namespace.as_deref(),
            max_message_size: self.max_message_size,
            compress_over: self.compress_msg_body_over_howmuch,
            compress_type: self.compress_type,
            compress_level: self.compress_level,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_known_keys_and_rejects_others() {
        let mut c = ProducerConfig::default();
        c.set("sendMsgTimeout", "1500").unwrap();
        c.set("namesrvAddr", "a:1; b:2").unwrap();
        c.set("retryAnotherBrokerWhenNotStoreOK", "true").unwrap();
        assert_eq!(c.send_msg_timeout_ms, 1500);
        assert_eq!(c.client.namesrv_list(), vec!["a:1", "b:2"]);
        assert!(c.retry_another_broker_when_not_store_ok);
        let before = c.clone();
        assert_eq!(
            c.set("nope", "1").unwrap_err().kind(),
            ErrorKind::UnknownConfigKey
        );
        assert_eq!(
            c.set("sendMsgTimeout", "x").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            c.set("sendMsgTimeout", "0").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            c.set("compressLevel", "23").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            c.set("compressLevel", "10").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            c.set("compressType", "GZIP").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            c.set("retryAnotherBrokerWhenNotStoreOK", "1")
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(c, before);
        for (k, _) in keys() {
            // Every documented key is accepted by set (with some valid value).
            let v = match k {
                "retryAnotherBrokerWhenNotStoreOK"
                | "enableBackpressureForAsyncMode"
                | "sendLatencyFaultEnable"
                | "vipChannelEnabled"
                | "enableMsgTrace"
                | "useTLS"
                | "tls.client.authServer"
                | "tls.test.mode.enable" => "false",
                "tls.client.trustCertPath"
                | "tls.client.certPath"
                | "tls.client.keyPath"
                | "tls.client.keyPassword" => "/x.pem",
                // An empty properties file.
                "tls.config.file" => "/dev/null",
                "namesrvAddr" => "127.0.0.1:9876",
                "producerGroup" | "instanceName" | "clientIP" | "unitName" | "createTopicKey" => {
                    "x"
                }
                "compressLevel" => "5",
                "compressType" => "ZSTD",
                "accessKey" | "secretKey" | "securityToken" => "k",
                _ => "10",
            };
            c.set(k, v).unwrap_or_else(|e| panic!("{k}: {e}"));
        }
        // Each key is listed once.
        let mut names: Vec<&str> = keys().map(|(k, _)| k).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
