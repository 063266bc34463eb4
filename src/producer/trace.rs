//! Message trace dispatch (Java `AsyncTraceDispatcher` with
//! `SendMessageTraceHookImpl` and `ConsumeMessageTraceHookImpl`): producers
//! and push consumers with `enableMsgTrace` hand [`TraceRecord`]s to a
//! bounded queue without blocking ([`TraceDispatcher::record`]; a full
//! queue drops the record and counts it). One thread per dispatcher takes
//! them in batches of up to [`BATCH_RECORDS`], or what arrived within
//! [`FLUSH_EVERY`] of the first, and sends each batch as messages of at
//! most [`MAX_TRACE_MESSAGE`] bytes to the trace topic (`RMQ_SYS_TRACE_TOPIC`
//! or `customizedTraceTopic`) through an internal producer of its own,
//! keyed by every record's message id and keys. The internal producer is
//! made on that thread at the first batch, so neither start nor a send of
//! the user ever waits for it; a failed trace send is logged and counted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use super::config::ProducerConfig;
use super::stats::TraceSnapshot;
use super::trace_data::RMQ_SYS_TRACE_TOPIC;
pub use super::trace_data::{MessageType, PubRecord, SubRecord, TraceRecord};
use crate::client::ClientConfig;
use crate::error::Result;
use crate::message::Message;

/// Most records per batch (the 100; Java's `batchSize` default).
pub const BATCH_RECORDS: usize = 100;
/// Longest wait from a batch's first record to its send.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Largest trace message body (Java `AsyncTraceDispatcher.maxMsgSize`).
pub const MAX_TRACE_MESSAGE: usize = 128_000;
/// Records the queue holds before dropping (Java's `traceContextQueue`).
pub const QUEUE_RECORDS: usize = 2048;

/// Sends one trace message (the internal producer's sync send).
pub type Sink = Box<dyn FnMut(&Message) -> Result<()> + Send>;
/// Makes the [`Sink`] from the internal producer's configuration.
pub type SinkFactory = fn(ProducerConfig) -> Result<Sink>;

/// Counters of a dispatcher, for the statistics.
#[derive(Default)]
pub struct TraceCounters {
    /// Records accepted by the queue.
    pub recorded: AtomicU64,
    /// Records dropped: queue full, or their trace message not sent.
    pub dropped: AtomicU64,
    /// Trace messages sent.
    pub messages_sent: AtomicU64,
}

impl TraceCounters {
    /// The counters for the statistics JSON.
    pub(crate) fn snapshot(&self) -> TraceSnapshot {
        TraceSnapshot {
            dropped: self.dropped.load(Ordering::Relaxed),
            messages_sent: self.messages_sent.load(Ordering::Relaxed),
            recorded: self.recorded.load(Ordering::Relaxed),
        }
    }
}

/// The queue and thread that carry one client's trace records.
pub struct TraceDispatcher {
    tx: Sender<TraceRecord>,
    stop: Mutex<Option<Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// What happened to the records so far.
    pub counters: Arc<TraceCounters>,
    /// The group written into the records (without namespace).
    pub group: String,
}

impl TraceDispatcher {
    /// The dispatcher of a client of `group` (a producer's with `kind`
    /// `PUB`, a consumer's with `SUB`), configured by `client`
    /// (`customizedTraceTopic`, NameServers, credentials), None unless
    /// `enableMsgTrace` is on. The internal producer (group
    /// `_INNER_TRACE_PRODUCER-<group>-<kind>`, as Java, made by `factory`)
    /// is started at the first batch. Errors: the thread cannot be created
    /// ([`crate::error::ErrorKind::Internal`]).
    pub fn start(
        client: &ClientConfig,
        group: &str,
        kind: &str,
        factory: SinkFactory,
    ) -> Result<Option<Arc<TraceDispatcher>>> {
        if !client.enable_msg_trace {
            return Ok(None);
        }
        let topic = client
            .customized_trace_topic
            .clone()
            .unwrap_or_else(|| RMQ_SYS_TRACE_TOPIC.to_string());
        let group = crate::namespace::unwrap(client.namespace.as_deref(), group).to_string();
        let config = ProducerConfig {
            client: ClientConfig {
                enable_msg_trace: false,
                namespace: None,
                instance_name: format!("PID_CLIENT_INNER_TRACE_PRODUCER_{}", kind),
                ..client.clone()
            },
            producer_group: format!("_INNER_TRACE_PRODUCER-{}-{}", group, kind),
            max_message_size: MAX_TRACE_MESSAGE,
            send_msg_timeout_ms: 5000,
            ..ProducerConfig::default()
        };
        let (tx, rx) = crossbeam_channel::bounded(QUEUE_RECORDS);
        let (stop, stopped) = crossbeam_channel::bounded(0);
        let counters = Arc::new(TraceCounters::default());
        let c = counters.clone();
        let thread = std::thread::Builder::new()
            .name("rocketmq-trace".into())
            .spawn(move || run(rx, stopped, topic, config, factory, &c))
            .map_err(|e| {
                crate::error::Error::new(
                    crate::error::ErrorKind::Internal,
                    format!("cannot create the trace thread: {}", e),
                )
            })?;
        Ok(Some(Arc::new(TraceDispatcher {
            tx,
            stop: Mutex::new(Some(stop)),
            thread: Mutex::new(Some(thread)),
            counters,
            group,
        })))
    }

    /// Queues `record` without blocking; a full queue (or a stopped
    /// dispatcher) drops it and counts the drop. Any thread.
    pub fn record(&self, record: TraceRecord) {
        let counter = match self.tx.try_send(record) {
            Ok(()) => &self.counters.recorded,
            Err(_) => &self.counters.dropped,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Sends what is queued, stops the internal producer and joins the
    /// thread (at most one trace send, 5 s). Idempotent.
    pub fn stop(&self) {
        drop(self.stop.lock().unwrap_or_else(|e| e.into_inner()).take());
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

impl Drop for TraceDispatcher {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The dispatcher thread: batches records until stopped, then sends the
/// rest.
fn run(
    rx: Receiver<TraceRecord>,
    stopped: Receiver<()>,
    topic: String,
    config: ProducerConfig,
    factory: SinkFactory,
    counters: &TraceCounters,
) {
    let mut sender = Batcher {
        sink: None,
        config: Some(config),
        factory,
        topic,
        counters,
    };
    let mut batch = Vec::with_capacity(BATCH_RECORDS);
    let mut due = None;
    loop {
        let timeout = due.map_or(Duration::from_secs(3600), |d: Instant| {
            d.saturating_duration_since(Instant::now())
        });
        crossbeam_channel::select! {
            recv(rx) -> r => if let Ok(r) = r {
                batch.push(r);
                due.get_or_insert_with(|| Instant::now() + FLUSH_EVERY);
            },
            recv(stopped) -> _ => loop {
                let room = BATCH_RECORDS - batch.len();
                batch.extend(rx.try_iter().take(room));
                if batch.is_empty() {
                    return;
                }
                sender.send(&mut batch);
            },
            default(timeout) => {},
        }
        if batch.len() >= BATCH_RECORDS || due.is_some_and(|d| Instant::now() >= d) {
            sender.send(&mut batch);
            due = None;
        }
    }
}

/// Turns batches into trace messages and sends them.
struct Batcher<'a> {
    sink: Option<Sink>,
    /// The internal producer's configuration until it is made.
    config: Option<ProducerConfig>,
    factory: SinkFactory,
    topic: String,
    counters: &'a TraceCounters,
}

impl Batcher<'_> {
    /// Sends `batch` (emptied) as messages of at most
    /// [`MAX_TRACE_MESSAGE`] bytes, counting what could not be sent.
    fn send(&mut self, batch: &mut Vec<TraceRecord>) {
        if batch.is_empty() {
            return;
        }
        if self.sink.is_none() {
            if let Some(config) = self.config.take() {
                match (self.factory)(config) {
                    Ok(sink) => self.sink = Some(sink),
                    Err(e) => log::warn!("message trace is off: its producer did not start: {}", e),
                }
            }
        }
        let mut body = String::with_capacity(1024);
        let mut keys: Vec<&str> = Vec::new();
        let mut count = 0;
        for (i, record) in batch.iter().enumerate() {
            record.encode(&mut body);
            keys.extend(record.keys());
            count += 1;
            if body.len() >= MAX_TRACE_MESSAGE - 1024 || i + 1 == batch.len() {
                self.send_one(&body, &mut keys, count);
                body.clear();
                count = 0;
            }
        }
        batch.clear();
    }

    fn send_one(&mut self, body: &str, keys: &mut Vec<&str>, records: u64) {
        keys.sort_unstable();
        keys.dedup();
        let mut msg = Message::new(self.topic.as_str(), body.as_bytes().to_vec());
        let outcome = match &mut self.sink {
            Some(sink) => msg.set_keys(&keys.join(" ")).and_then(|()| sink(&msg)),
            None => Err(crate::error::Error::new(
                crate::error::ErrorKind::InvalidState,
                "no trace producer",
            )),
        };
        keys.clear();
        match outcome {
            Ok(()) => self.counters.messages_sent.fetch_add(1, Ordering::Relaxed),
            Err(e) => {
                log::warn!(
                    "{} trace records to {} not sent: {}",
                    records,
                    self.topic,
                    e
                );
                self.counters.dropped.fetch_add(records, Ordering::Relaxed)
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    static SENT_RECORDS: AtomicUsize = AtomicUsize::new(0);
    static SENT_MESSAGES: AtomicUsize = AtomicUsize::new(0);

    /// A sink that takes 20 ms per trace message (a slow broker).
    fn slow_sink(_: ProducerConfig) -> Result<Sink> {
        Ok(Box::new(|m: &Message| {
            std::thread::sleep(Duration::from_millis(20));
            let body = String::from_utf8_lossy(m.body()).into_owned();
            SENT_RECORDS.fetch_add(body.matches(FIELD).count(), Ordering::SeqCst);
            SENT_MESSAGES.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }))
    }

    const FIELD: char = super::super::trace_data::FIELD_SPLITOR;

    fn record(i: usize) -> TraceRecord {
        TraceRecord::SubBefore(SubRecord {
            timestamp_ms: 1,
            region_id: "R".into(),
            group: "G".into(),
            request_id: "Q".into(),
            msg_id: format!("M{}", i),
            retry_times: 0,
            keys: String::new(),
            cost_ms: 0,
            success: false,
            context_code: 0,
        })
    }

    #[test]
    fn a_full_queue_drops_and_counts_and_stop_sends_the_rest() {
        let client = ClientConfig {
            enable_msg_trace: true,
            ..ClientConfig::default()
        };
        let d = TraceDispatcher::start(&client, "G", "SUB", slow_sink)
            .unwrap()
            .unwrap();
        let t0 = Instant::now();
        for i in 0..10_000 {
            d.record(record(i));
        }
        assert!(t0.elapsed() < Duration::from_millis(500), "never blocks");
        d.stop();
        let c = d.counters.snapshot();
        assert_eq!(c.recorded + c.dropped, 10_000);
        assert!(
            c.dropped > 0 && c.recorded >= QUEUE_RECORDS as u64,
            "{:?}",
            c
        );
        assert_eq!(SENT_RECORDS.load(Ordering::SeqCst) as u64, c.recorded);
        // Batches of at most BATCH_RECORDS records.
        let messages = SENT_MESSAGES.load(Ordering::SeqCst);
        assert!(messages as u64 >= c.recorded / BATCH_RECORDS as u64);
        assert_eq!(messages as u64, c.messages_sent);
        // A stopped dispatcher drops.
        d.record(record(0));
        assert_eq!(d.counters.snapshot().dropped, c.dropped + 1);
    }
}
