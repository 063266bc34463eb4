//! Producer configuration, settable by the Java `DefaultMQProducer` /
//! `ClientConfig` property names (`namesrvAddr`, `sendMsgTimeout`, …) so that
//! bindings need one function for every present and future option.

use crate::error::{Error, ErrorKind, Result};

/// Every setting of a producer, with the Java defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerConfig {
    /// `producerGroup`.
    pub producer_group: String,
    /// `namesrvAddr`: `host:port` list separated by `;`. Falls back to the
    /// `NAMESRV_ADDR` environment variable when empty at start.
    pub namesrv_addr: String,
    /// `instanceName` (default `DEFAULT`, replaced by `pid#nanos` at start
    /// as Java `changeInstanceNameToPID`).
    pub instance_name: String,
    /// `clientIP`: the address reported in the client id (default: detected).
    pub client_ip: Option<String>,
    /// `unitName`, appended to the client id when set.
    pub unit_name: Option<String>,
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
    pub compress_type: crate::compression::CompressionType,
    /// `maxMessageSize`, bytes.
    pub max_message_size: usize,
    /// `defaultTopicQueueNums`: queues of auto-created topics.
    pub default_topic_queue_nums: i32,
    /// `createTopicKey`: the auto-create template topic.
    pub create_topic_key: String,
    /// `mqClientApiTimeout`, ms: route lookups, heartbeats, unregister.
    pub mq_client_api_timeout_ms: u64,
    /// `pollNameServerInterval`, ms: route refresh period.
    pub poll_name_server_interval_ms: u64,
    /// `heartbeatBrokerInterval`, ms: heartbeat period.
    pub heartbeat_broker_interval_ms: u64,
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
    /// ACL v1 credentials (`accessKey`, `secretKey`, `securityToken`): when
    /// both keys are set every request is signed (Java `AclClientRPCHook`).
    pub credentials: Option<crate::acl::Credentials>,
    /// `namespace`: resources are sent as `namespace%name` (Java
    /// `ClientConfig.namespace`); results come back without it.
    pub namespace: Option<String>,
    /// `vipChannelEnabled`: send to the broker's fast port (port − 2), as
    /// Java `sendMessageWithVIPChannel` (default false).
    pub vip_channel_enabled: bool,
    /// `sendLatencyFaultEnable`: avoid slow and failing brokers (on by
    /// default here; off by default in Java).
    pub send_latency_fault_enable: bool,
    /// `shutdownTimeout`, ms: how long shutdown waits for accepted sends
    /// before failing them (not a Java key).
    pub shutdown_timeout_ms: u64,
    /// `ioBusyPollMicros`, µs (not a Java key): while sync sends are in
    /// flight or have just completed, and the broker answers sync sends
    /// faster than this on average, the I/O thread polls without sleeping
    /// for up to this long instead of waiting to be woken, which saves a
    /// thread wake-up each way. 0 turns it off; brokers slower than the
    /// bound (a real broker writing to disk) never cause busy polling.
    pub io_busy_poll_us: u64,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            producer_group: crate::protocol::DEFAULT_PRODUCER_GROUP.to_string(),
            namesrv_addr: String::new(),
            instance_name: "DEFAULT".to_string(),
            client_ip: None,
            unit_name: None,
            send_msg_timeout_ms: 3000,
            retry_times_when_send_failed: 2,
            retry_times_when_send_async_failed: 2,
            retry_another_broker_when_not_store_ok: false,
            compress_msg_body_over_howmuch: 4096,
            compress_level: 5,
            compress_type: crate::compression::CompressionType::Zlib,
            max_message_size: 4 * 1024 * 1024,
            default_topic_queue_nums: 4,
            create_topic_key: crate::protocol::AUTO_CREATE_TOPIC_KEY.to_string(),
            mq_client_api_timeout_ms: 3000,
            poll_name_server_interval_ms: 30_000,
            heartbeat_broker_interval_ms: 30_000,
            back_pressure_for_async_send_num: 2048,
            back_pressure_for_async_send_size: 100 * 1024 * 1024,
            enable_backpressure_for_async_mode: true,
            shutdown_timeout_ms: 3000,
            io_busy_poll_us: 100,
            send_latency_fault_enable: true,
            namespace: None,
            vip_channel_enabled: false,
            credentials: None,
        }
    }
}

/// The keys [`ProducerConfig::set`] accepts, with a one-line description.
pub const KEYS: &[(&str, &str)] = &[
    ("producerGroup", "producer group name"),
    (
        "namesrvAddr",
        "NameServer addresses, host:port separated by ';'",
    ),
    (
        "instanceName",
        "client instance name (part of the client id)",
    ),
    ("clientIP", "address reported in the client id"),
    ("unitName", "unit name appended to the client id"),
    (
        "sendMsgTimeout",
        "ms, budget for all attempts of one send (> 0)",
    ),
    (
        "retryTimesWhenSendFailed",
        "extra attempts of a sync send (0..=16)",
    ),
    (
        "retryTimesWhenSendAsyncFailed",
        "extra attempts of an async send (0..=16)",
    ),
    (
        "retryAnotherBrokerWhenNotStoreOK",
        "true/false: retry non-SEND_OK statuses",
    ),
    (
        "compressMsgBodyOverHowmuch",
        "bytes; bodies at least this long are zlib-compressed",
    ),
    (
        "compressLevel",
        "0..=9 for zlib; LZ4 and zstd ignore it (default 5)",
    ),
    (
        "maxMessageSize",
        "bytes, largest body accepted (1..=16 MiB)",
    ),
    (
        "defaultTopicQueueNums",
        "queues of an auto-created topic (1..=1024)",
    ),
    (
        "createTopicKey",
        "template topic for auto-creation (TBW102)",
    ),
    (
        "mqClientApiTimeout",
        "ms, timeout of route lookups, heartbeats, unregister (> 0)",
    ),
    ("pollNameServerInterval", "ms, route refresh period (>= 10)"),
    ("heartbeatBrokerInterval", "ms, heartbeat period (>= 10)"),
    (
        "backPressureForAsyncSendNum",
        "most async/oneway sends in flight (1..=1000000)",
    ),
    (
        "backPressureForAsyncSendSize",
        "bytes, most body bytes in flight (1..=2 GiB)",
    ),
    (
        "enableBackpressureForAsyncMode",
        "true: block when full (up to sendMsgTimeout); false: fail with QUEUE_FULL",
    ),
    (
        "shutdownTimeout",
        "ms, how long shutdown waits for accepted sends (0..=3600000)",
    ),
    (
        "sendLatencyFaultEnable",
        "true/false: avoid slow and failing brokers (default true)",
    ),
    (
        "ioBusyPollMicros",
        "us, busy-poll bound for sync sends to fast brokers (0 = off, default 100, <= 10000)",
    ),
    ("compressType", "ZLIB (default), LZ4 or ZSTD"),
    (
        "namespace",
        "resources are sent as namespace%name; results come back without it",
    ),
    (
        "vipChannelEnabled",
        "true/false: send to the broker's fast port (port - 2), default false",
    ),
    (
        "accessKey",
        "ACL access key; with secretKey, every request is signed",
    ),
    ("secretKey", "ACL secret key (never sent)"),
    ("securityToken", "ACL security token (optional)"),
];

impl ProducerConfig {
    /// Sets `key` (a Java property name, see [`KEYS`]) to `value` (text as a
    /// Java properties file would hold it).
    ///
    /// Errors: [`ErrorKind::UnknownConfigKey`] for a key not in [`KEYS`];
    /// [`ErrorKind::InvalidArgument`] for a value that does not parse or is
    /// out of range. On error the configuration is unchanged.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let v = value.trim();
        match key {
            "producerGroup" => self.producer_group = non_empty(key, v)?,
            "namesrvAddr" => self.namesrv_addr = v.to_string(),
            "instanceName" => self.instance_name = non_empty(key, v)?,
            "clientIP" => self.client_ip = (!v.is_empty()).then(|| v.to_string()),
            "unitName" => self.unit_name = (!v.is_empty()).then(|| v.to_string()),
            "sendMsgTimeout" => self.send_msg_timeout_ms = number(key, v, 1, 3_600_000)?,
            "retryTimesWhenSendFailed" => {
                self.retry_times_when_send_failed = number(key, v, 0, 16)?
            }
            "retryTimesWhenSendAsyncFailed" => {
                self.retry_times_when_send_async_failed = number(key, v, 0, 16)?
            }
            "retryAnotherBrokerWhenNotStoreOK" => {
                self.retry_another_broker_when_not_store_ok = boolean(key, v)?
            }
            "compressMsgBodyOverHowmuch" => {
                self.compress_msg_body_over_howmuch = number(key, v, 0, u32::MAX as u64)?
            }
            "compressLevel" => self.compress_level = number(key, v, 0, 22)?,
            "compressType" => {
                self.compress_type =
                    crate::compression::CompressionType::parse(v).ok_or_else(|| {
                        Error::new(
                            ErrorKind::InvalidArgument,
                            format!("compressType must be ZLIB, LZ4 or ZSTD, got {:?}", v),
                        )
                    })?
            }
            "maxMessageSize" => self.max_message_size = number(key, v, 1, 16 * 1024 * 1024)?,
            "defaultTopicQueueNums" => self.default_topic_queue_nums = number(key, v, 1, 1024)?,
            "createTopicKey" => self.create_topic_key = non_empty(key, v)?,
            "mqClientApiTimeout" => self.mq_client_api_timeout_ms = number(key, v, 1, 3_600_000)?,
            "pollNameServerInterval" => {
                self.poll_name_server_interval_ms = number(key, v, 10, 86_400_000)?
            }
            "heartbeatBrokerInterval" => {
                self.heartbeat_broker_interval_ms = number(key, v, 10, 86_400_000)?
            }
            "backPressureForAsyncSendNum" => {
                self.back_pressure_for_async_send_num = number(key, v, 1, 1_000_000)?
            }
            "backPressureForAsyncSendSize" => {
                self.back_pressure_for_async_send_size = number(key, v, 1, 2 * 1024 * 1024 * 1024)?
            }
            "enableBackpressureForAsyncMode" => {
                self.enable_backpressure_for_async_mode = boolean(key, v)?
            }
            "sendLatencyFaultEnable" => self.send_latency_fault_enable = boolean(key, v)?,
            "ioBusyPollMicros" => self.io_busy_poll_us = number(key, v, 0, 10_000)?,
            "namespace" => {
                if v.contains('%') {
                    return Err(Error::new(
                        ErrorKind::InvalidArgument,
                        "namespace must not contain %",
                    ));
                }
                self.namespace = (!v.is_empty()).then(|| v.to_string())
            }
            "vipChannelEnabled" => self.vip_channel_enabled = boolean(key, v)?,
            "accessKey" | "secretKey" | "securityToken" => {
                let mut c = self.credentials.clone().unwrap_or(crate::acl::Credentials {
                    access_key: String::new(),
                    secret_key: String::new(),
                    security_token: None,
                });
                match key {
                    "accessKey" => c.access_key = v.to_string(),
                    "secretKey" => c.secret_key = v.to_string(),
                    _ => c.security_token = (!v.is_empty()).then(|| v.to_string()),
                }
                self.credentials = Some(c);
            }
            "shutdownTimeout" => self.shutdown_timeout_ms = number(key, v, 0, 3_600_000)?,
            _ => {
                return Err(Error::new(
                    ErrorKind::UnknownConfigKey,
                    format!("unknown configuration key {:?}", key),
                ))
            }
        }
        Ok(())
    }

    /// The credentials to sign with: both keys set, else None.
    pub fn signing_credentials(&self) -> Option<&crate::acl::Credentials> {
        self.credentials
            .as_ref()
            .filter(|c| !c.access_key.is_empty() && !c.secret_key.is_empty())
    }

    /// The NameServer addresses, from `namesrvAddr` or else `NAMESRV_ADDR`.
    pub fn namesrv_list(&self) -> Vec<String> {
        let raw = if self.namesrv_addr.trim().is_empty() {
            std::env::var("NAMESRV_ADDR").unwrap_or_default()
        } else {
            self.namesrv_addr.clone()
        };
        raw.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

fn non_empty(key: &str, v: &str) -> Result<String> {
    if v.is_empty() {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{} must not be empty", key),
        ))
    } else {
        Ok(v.to_string())
    }
}

fn number<T: TryFrom<u64>>(key: &str, v: &str, min: u64, max: u64) -> Result<T> {
    let n: u64 = v.parse().map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("{} must be a whole number, got {:?}", key, v),
        )
    })?;
    if n < min || n > max {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{} must be within {}..={}, got {}", key, min, max, n),
        ));
    }
    T::try_from(n)
        .map_err(|_| Error::new(ErrorKind::InvalidArgument, format!("{} is too large", key)))
}

fn boolean(key: &str, v: &str) -> Result<bool> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{} must be true or false, got {:?}", key, v),
        )),
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
        assert_eq!(c.namesrv_list(), vec!["a:1", "b:2"]);
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
        for (k, _) in KEYS {
            // Every documented key is accepted by set (with some valid value).
            let v = match *k {
                "retryAnotherBrokerWhenNotStoreOK"
                | "enableBackpressureForAsyncMode"
                | "sendLatencyFaultEnable"
                | "vipChannelEnabled" => "false",
                "producerGroup" | "namesrvAddr" | "instanceName" | "clientIP" | "unitName"
                | "createTopicKey" => "x",
                "compressLevel" => "5",
                "compressType" => "ZSTD",
                "accessKey" | "secretKey" | "securityToken" => "k",
                _ => "10",
            };
            c.set(k, v).unwrap_or_else(|e| panic!("{k}: {e}"));
        }
    }
}
