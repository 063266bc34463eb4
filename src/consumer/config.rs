//! A consumer's settings (Java `DefaultLitePullConsumer`,
//! `DefaultMQPullConsumer`), with the client engine's ([`ClientConfig`])
//! inside: one key/value surface for both, as for the producer.

use super::allocate::AllocateStrategy;
use crate::client::config::{self as client_config, ClientConfig};
use crate::config::{boolean, key, non_empty, number, optional, ConfigKey};
use crate::error::{Error, ErrorKind, Result};

/// Where a queue starts when the group has no offset stored for it (Java
/// `ConsumeFromWhere`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsumeFromWhere {
    /// `CONSUME_FROM_LAST_OFFSET` (default): the queue's end.
    #[default]
    LastOffset,
    /// `CONSUME_FROM_FIRST_OFFSET`: the queue's start.
    FirstOffset,
    /// `CONSUME_FROM_TIMESTAMP`: the first message stored at or after
    /// `consumeTimestamp`.
    Timestamp,
}

impl ConsumeFromWhere {
    /// Java's name.
    pub fn name(self) -> &'static str {
        match self {
            ConsumeFromWhere::LastOffset => "CONSUME_FROM_LAST_OFFSET",
            ConsumeFromWhere::FirstOffset => "CONSUME_FROM_FIRST_OFFSET",
            ConsumeFromWhere::Timestamp => "CONSUME_FROM_TIMESTAMP",
        }
    }

    fn parse(v: &str) -> Result<ConsumeFromWhere> {
        Ok(match v {
            // The deprecated Java values behave as LAST (Java
            // `RebalancePushImpl.computePullFromWhereWithException`).
            "CONSUME_FROM_LAST_OFFSET"
            | "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST"
            | "CONSUME_FROM_MIN_OFFSET"
            | "CONSUME_FROM_MAX_OFFSET" => ConsumeFromWhere::LastOffset,
            "CONSUME_FROM_FIRST_OFFSET" => ConsumeFromWhere::FirstOffset,
            "CONSUME_FROM_TIMESTAMP" => ConsumeFromWhere::Timestamp,
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "consumeFromWhere must be CONSUME_FROM_LAST_OFFSET, CONSUME_FROM_FIRST_OFFSET or CONSUME_FROM_TIMESTAMP, got {:?}",
                        v
                    ),
                ))
            }
        })
    }
}

/// How a group consumes (Java `MessageModel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MessageModel {
    /// `CLUSTERING` (default): the group's members split the queues.
    #[default]
    Clustering,
    /// `BROADCASTING`: every member takes every queue.
    Broadcasting,
}

impl MessageModel {
    /// Java's name.
    pub fn name(self) -> &'static str {
        match self {
            MessageModel::Clustering => "CLUSTERING",
            MessageModel::Broadcasting => "BROADCASTING",
        }
    }
}

/// Every setting of a pull consumer, with the Java defaults unless noted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerConfig {
    /// The client engine's settings (NameServer, client id, namespace, ACL, …).
    pub client: ClientConfig,
    /// `consumerGroup`.
    pub consumer_group: String,
    /// `messageModel`.
    pub message_model: MessageModel,
    /// `consumeFromWhere`.
    pub consume_from_where: ConsumeFromWhere,
    /// `consumeTimestamp`, ms since the epoch (set as `yyyyMMddHHmmss`,
    /// local time, as Java; default: 30 minutes before start).
    pub consume_timestamp_ms: Option<i64>,
    /// `allocateMessageQueueStrategy`.
    pub allocate_strategy: AllocateStrategy,
    /// `pullBatchSize`: most messages per PULL_MESSAGE (default 32, the
    /// broker's cap; Java's lite consumer uses 10).
    pub pull_batch_size: u32,
    /// `pullThresholdForQueue`: most messages prefetched per queue (1000).
    pub pull_threshold_for_queue: u32,
    /// `pullThresholdSizeForQueue`, MiB: most body bytes prefetched per queue (100).
    pub pull_threshold_size_for_queue_mib: u32,
    /// `autoCommit`: commit polled offsets every `autoCommitIntervalMillis`
    /// (and at shutdown).
    pub auto_commit: bool,
    /// `autoCommitIntervalMillis` (also `persistConsumerOffsetInterval`), ms
    /// (≥ 1000; default 5000): the commit is the persist (UPDATE_CONSUMER_OFFSET).
    pub auto_commit_interval_ms: u64,
    /// `brokerSuspendMaxTimeMillis`, ms: how long a broker holds a pull
    /// that finds nothing (long polling; 20000).
    pub broker_suspend_max_time_ms: u64,
    /// `consumerTimeoutMillisWhenSuspend`, ms: the timeout of a long-polling
    /// pull (30000; must exceed the suspend time).
    pub consumer_timeout_when_suspend_ms: u64,
    /// `consumerPullTimeoutMillis`, ms: the timeout of a one-shot pull and
    /// of offset requests (10000).
    pub consumer_pull_timeout_ms: u64,
    /// `pullTimeDelayMillsWhenException`, ms: the pause of a queue after a
    /// failed pull (1000 as Java's lite consumer).
    pub pull_time_delay_when_exception_ms: u64,
    /// `rebalanceIntervalMillis`, ms: the periodic rebalance (20000, Java's
    /// `rocketmq.client.rebalance.waitInterval`).
    pub rebalance_interval_ms: u64,
    /// Push consumer: `consumeThreadCount` (Java `consumeThreadMin`/`Max`,
    /// 20): threads that run the listener.
    pub consume_thread_count: usize,
    /// Push consumer: `consumeMessageBatchMaxSize` (1): most messages per
    /// listener call, all of one queue.
    pub consume_message_batch_max_size: usize,
    /// Push consumer: `maxReconsumeTimes` (-1 = 16, Java's default for
    /// concurrent listeners): deliveries after which a failing message goes
    /// to `%DLQ%<group>`.
    pub max_reconsume_times: i32,
    /// Push consumer: `delayLevelWhenNextConsume` (0 = the broker's choice,
    /// 3 + reconsume times; Java sets it per call in the listener's
    /// context): the delay level of a message sent back for a retry.
    pub delay_level_when_next_consume: i32,
    /// `offsetStoreDir` (Java property `rocketmq.client.localOffsetStoreDir`):
    /// where a broadcasting consumer keeps its offsets
    /// (`<dir>/<group>/offsets.json`). Default: none, offsets stay in
    /// memory (Java writes to `~/.rocketmq_offsets` unasked).
    pub offset_store_dir: Option<String>,
    /// Orderly push consumer: `suspendCurrentQueueTimeMillis` (1000, 10..=30000):
    /// how long a queue pauses before a message its listener asked to
    /// retry is consumed again.
    pub suspend_current_queue_time_ms: u64,
    /// Concurrent push consumer: `consumeConcurrentlyMaxSpan` (2000,
    /// 1..=65535): a queue stops pulling while the offsets in flight span
    /// more than this (one slow message holds its commit offset back).
    pub consume_concurrently_max_span: i64,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            client: ClientConfig::default(),
            consumer_group: String::new(),
            message_model: MessageModel::Clustering,
            consume_from_where: ConsumeFromWhere::LastOffset,
            consume_timestamp_ms: None,
            allocate_strategy: AllocateStrategy::Averagely,
            pull_batch_size: 32,
            pull_threshold_for_queue: 1000,
            pull_threshold_size_for_queue_mib: 100,
            auto_commit: true,
            auto_commit_interval_ms: 5000,
            broker_suspend_max_time_ms: 20_000,
            consumer_timeout_when_suspend_ms: 30_000,
            consumer_pull_timeout_ms: 10_000,
            pull_time_delay_when_exception_ms: 1000,
            rebalance_interval_ms: 20_000,
            consume_thread_count: 20,
            consume_message_batch_max_size: 1,
            max_reconsume_times: -1,
            delay_level_when_next_consume: 0,
            offset_store_dir: None,
            suspend_current_queue_time_ms: 1000,
            consume_concurrently_max_span: 2000,
        }
    }
}

/// The consumer's own keys (the engine's are [`client_config::KEYS`]); see
/// [`keys`] for both.
pub static KEYS: &[ConfigKey<ConsumerConfig>] = &[
    key!("consumerGroup", "consumer group name", |c, v| c
        .consumer_group =
        non_empty(KEY, v)?),
    key!(
        "messageModel",
        "CLUSTERING (default) or BROADCASTING",
        |c, v| c.message_model = message_model(v)?
    ),
    key!(
        "consumeFromWhere",
        "CONSUME_FROM_LAST_OFFSET (default), CONSUME_FROM_FIRST_OFFSET or CONSUME_FROM_TIMESTAMP: where a group without a stored offset starts",
        |c, v| c.consume_from_where = ConsumeFromWhere::parse(v)?
    ),
    key!(
        "consumeTimestamp",
        "yyyyMMddHHmmss, local time: where CONSUME_FROM_TIMESTAMP starts (default 30 min before start)",
        |c, v| c.consume_timestamp_ms = Some(parse_timestamp(v)?)
    ),
    key!(
        "allocateMessageQueueStrategy",
        "AVG (default) or AVG_BY_CIRCLE: how the group splits queues",
        |c, v| c.allocate_strategy = AllocateStrategy::parse(v)?
    ),
    key!(
        "pullBatchSize",
        "most messages per pull request (1..=1024, default 32)",
        |c, v| c.pull_batch_size = number(KEY, v, 1, 1024)?
    ),
    key!(
        "pullThresholdForQueue",
        "most messages prefetched per queue (1..=65535, default 1000)",
        |c, v| c.pull_threshold_for_queue = number(KEY, v, 1, 65535)?
    ),
    key!(
        "pullThresholdSizeForQueue",
        "MiB, most body bytes prefetched per queue (1..=1024, default 100)",
        |c, v| c.pull_threshold_size_for_queue_mib = number(KEY, v, 1, 1024)?
    ),
    key!(
        "autoCommit",
        "true/false: commit polled offsets periodically and at shutdown (default true)",
        |c, v| c.auto_commit = boolean(KEY, v)?
    ),
    key!(
        "autoCommitIntervalMillis",
        "ms between automatic commits (1000..=3600000, default 5000)",
        |c, v| c.auto_commit_interval_ms = number(KEY, v, 1000, 3_600_000)?
    ),
    key!(
        "persistConsumerOffsetInterval",
        "ms between automatic commits, Java ClientConfig's name for autoCommitIntervalMillis (1000..=3600000)",
        |c, v| c.auto_commit_interval_ms = number(KEY, v, 1000, 3_600_000)?
    ),
    key!(
        "brokerSuspendMaxTimeMillis",
        "ms a broker holds a pull that finds nothing (1..=3600000, default 20000)",
        |c, v| c.broker_suspend_max_time_ms = number(KEY, v, 1, 3_600_000)?
    ),
    key!(
        "consumerTimeoutMillisWhenSuspend",
        "ms, timeout of a long-polling pull (> brokerSuspendMaxTimeMillis, default 30000)",
        |c, v| c.consumer_timeout_when_suspend_ms = number(KEY, v, 1, 3_600_000)?
    ),
    key!(
        "consumerPullTimeoutMillis",
        "ms, timeout of a one-shot pull and of offset requests (1..=3600000, default 10000)",
        |c, v| c.consumer_pull_timeout_ms = number(KEY, v, 1, 3_600_000)?
    ),
    key!(
        "pullTimeDelayMillsWhenException",
        "ms a queue pauses after a failed pull (0..=3600000, default 1000)",
        |c, v| c.pull_time_delay_when_exception_ms = number(KEY, v, 0, 3_600_000)?
    ),
    key!(
        "consumeThreadCount",
        "push consumer: threads that run the listener (1..=1000, default 20)",
        |c, v| c.consume_thread_count = number(KEY, v, 1, 1000)?
    ),
    key!(
        "consumeMessageBatchMaxSize",
        "push consumer: most messages per listener call, of one queue (1..=1024, default 1)",
        |c, v| c.consume_message_batch_max_size = number(KEY, v, 1, 1024)?
    ),
    key!(
        "maxReconsumeTimes",
        "push consumer: deliveries before a failing message goes to %DLQ%<group> (-1 = 16, 0..=16384)",
        |c, v| c.max_reconsume_times = reconsume_times(v)?
    ),
    key!(
        "delayLevelWhenNextConsume",
        "push consumer: delay level of a message sent back for a retry (0 = the broker's 3 + reconsume times, 1..=18)",
        |c, v| c.delay_level_when_next_consume = number(KEY, v, 0, 18)?
    ),
    key!(
        "consumeConcurrentlyMaxSpan",
        "concurrent push consumer: most offsets between the first and last message in flight before a queue stops pulling (1..=65535, default 2000)",
        |c, v| c.consume_concurrently_max_span = number(KEY, v, 1, 65535)?
    ),
    key!(
        "suspendCurrentQueueTimeMillis",
        "orderly push consumer: ms a queue pauses before a retried message is consumed again (10..=30000, default 1000)",
        |c, v| c.suspend_current_queue_time_ms = number(KEY, v, 10, 30_000)?
    ),
    key!(
        "offsetStoreDir",
        "directory where a broadcasting consumer keeps its offsets (default none: in memory only)",
        |c, v| c.offset_store_dir = optional(v)
    ),
    key!(
        "rebalanceIntervalMillis",
        "ms between periodic rebalances (100..=3600000, default 20000)",
        |c, v| c.rebalance_interval_ms = number(KEY, v, 100, 3_600_000)?
    ),
];

fn reconsume_times(v: &str) -> Result<i32> {
    match v.parse::<i32>() {
        Ok(n) if (-1..=16384).contains(&n) => Ok(n),
        _ => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("maxReconsumeTimes must be within -1..=16384, got {:?}", v),
        )),
    }
}

fn message_model(v: &str) -> Result<MessageModel> {
    match v {
        "CLUSTERING" => Ok(MessageModel::Clustering),
        "BROADCASTING" => Ok(MessageModel::Broadcasting),
        _ => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "messageModel must be CLUSTERING or BROADCASTING, got {:?}",
                v
            ),
        )),
    }
}

/// `yyyyMMddHHmmss` in local time → ms since the epoch (Java
/// `UtilAll.parseDate`). Errors: not 14 digits, or not a valid time.
pub fn parse_timestamp(v: &str) -> Result<i64> {
    let bad = || {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("consumeTimestamp must be yyyyMMddHHmmss, got {:?}", v),
        )
    };
    if v.len() != 14 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| v[r].parse::<i32>().unwrap_or(-1);
    let (year, month, day) = (n(0..4), n(4..6), n(6..8));
    let (hour, min, sec) = (n(8..10), n(10..12), n(12..14));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return Err(bad());
    }
    let mut tm = crate::local_time::zeroed_tm();
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    let secs = crate::local_time::mktime(&mut tm);
    if secs == -1 {
        return Err(bad());
    }
    Ok(secs * 1000)
}

/// Every key [`ConsumerConfig::set`] accepts, with its one-line description:
/// the engine's keys, then the consumer's.
pub fn keys() -> impl Iterator<Item = (&'static str, &'static str)> {
    client_config::KEYS
        .iter()
        .map(|k| (k.name, k.doc))
        .chain(KEYS.iter().map(|k| (k.name, k.doc)))
}

impl ConsumerConfig {
    /// Sets `key` (a Java property name, see [`keys`]) to `value` (trimmed).
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

    /// Checks the settings together before start (Java
    /// `DefaultLitePullConsumerImpl.checkConfig`). Errors:
    /// [`ErrorKind::InvalidArgument`] for an empty or reserved group, or a
    /// long-polling timeout not above the broker's suspend time.
    pub fn check(&self) -> Result<()> {
        let group = self.consumer_group.as_str();
        if group.is_empty() || group == "DEFAULT_CONSUMER" {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "consumerGroup must be set (and not DEFAULT_CONSUMER)",
            ));
        }
        crate::message::validate_topic(group).map_err(|e| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("consumerGroup {:?} is invalid: {}", group, e.message()),
            )
        })?;
        if self.consumer_timeout_when_suspend_ms <= self.broker_suspend_max_time_ms {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "consumerTimeoutMillisWhenSuspend must be greater than brokerSuspendMaxTimeMillis",
            ));
        }
        Ok(())
    }

    /// `maxReconsumeTimes` with -1 resolved (16).
    pub fn max_reconsume_times(&self) -> i32 {
        if self.max_reconsume_times < 0 {
            16
        } else {
            self.max_reconsume_times
        }
    }

    /// `maxReconsumeTimes` of an orderly listener, -1 resolved (no limit,
    /// Java's `Integer.MAX_VALUE`).
    pub fn max_reconsume_times_orderly(&self) -> i32 {
        if self.max_reconsume_times < 0 {
            i32::MAX
        } else {
            self.max_reconsume_times
        }
    }

    /// `pullThresholdSizeForQueue` in bytes.
    pub fn pull_threshold_size_for_queue(&self) -> usize {
        self.pull_threshold_size_for_queue_mib as usize * 1024 * 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_known_keys_and_rejects_others() {
        let mut c = ConsumerConfig::default();
        c.set("consumerGroup", "g").unwrap();
        c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
            .unwrap();
        c.set("messageModel", "BROADCASTING").unwrap();
        c.set("namesrvAddr", "127.0.0.1:9876").unwrap();
        c.set("pullBatchSize", "16").unwrap();
        assert_eq!(c.consume_from_where, ConsumeFromWhere::FirstOffset);
        assert_eq!(c.message_model, MessageModel::Broadcasting);
        assert_eq!(c.pull_batch_size, 16);
        let before = c.clone();
        for (k, v) in [
            ("pullBatchSize", "0"),
            ("consumeFromWhere", "NOW"),
            ("consumeTimestamp", "2024"),
            ("consumeTimestamp", "20241301000000"),
            ("allocateMessageQueueStrategy", "HASH"),
            ("autoCommitIntervalMillis", "10"),
        ] {
            assert_eq!(
                c.set(k, v).unwrap_err().kind(),
                ErrorKind::InvalidArgument,
                "{k}={v}"
            );
        }
        assert_eq!(
            c.set("nope", "1").unwrap_err().kind(),
            ErrorKind::UnknownConfigKey
        );
        assert_eq!(c, before);
        let mut names: Vec<&str> = keys().map(|(k, _)| k).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }

    #[test]
    fn timestamps_parse_as_local_time() {
        let a = parse_timestamp("20240101000000").unwrap();
        let b = parse_timestamp("20240101000100").unwrap();
        assert_eq!(b - a, 60_000);
        // Within a day of the UTC value, whatever the machine's zone.
        assert!((a - 1_704_067_200_000).abs() <= 14 * 3_600_000);
    }

    #[test]
    fn check_needs_a_group_and_a_timeout_above_the_suspend_time() {
        let mut c = ConsumerConfig::default();
        assert!(c.check().is_err());
        c.consumer_group = "g".into();
        c.check().unwrap();
        c.broker_suspend_max_time_ms = 40_000;
        assert!(c.check().is_err());
    }
}
