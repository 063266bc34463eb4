//! A broker killed and restarted while a pull consumer drains it: the
//! consumer recovers by itself and finishes without losing messages.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rocketmq::{Message, PullConsumer};

#[test]
fn pull_drain_survives_a_broker_restart() {
    let cluster = common::Cluster::start(1);
    let topic = common::unique_topic("PullKill");
    let producer = common::producer(&cluster.namesrv, &[]);
    let n = 3000;
    let mut sent = Vec::with_capacity(n);
    for i in 0..n {
        let mut body = format!("kill {} ", i).into_bytes();
        body.resize(512, b'k');
        sent.push(producer.send(&Message::new(&topic, body)).unwrap().msg_id);
    }
    producer.shutdown().unwrap();

    let c = PullConsumer::new(&common::unique_topic("PullKillG")).unwrap();
    c.set("namesrvAddr", &cluster.namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c.set("pullBatchSize", "16").unwrap();
    // Slow the drain down so that the kill lands in its middle.
    c.set("pullThresholdForQueue", "50").unwrap();
    c.subscribe(&topic, "*").unwrap();
    c.start().unwrap();

    let mut got: HashMap<String, usize> = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < n / 3 {
        assert!(
            Instant::now() < deadline,
            "only {} before the kill",
            got.len()
        );
        for m in c.poll(Duration::from_millis(200), 10).unwrap() {
            *got.entry(m.msg_id().to_string()).or_default() += 1;
        }
    }
    let before = got.len();
    cluster.kill_broker(0);
    // Keep polling while the broker is down: what was prefetched comes,
    // then nothing; no error reaches the caller.
    let down_until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < down_until {
        for m in c.poll(Duration::from_millis(200), 10).unwrap() {
            *got.entry(m.msg_id().to_string()).or_default() += 1;
        }
    }
    cluster.start_broker(0);
    let restarted = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent.iter().any(|id| !got.contains_key(id)) {
        assert!(
            Instant::now() < deadline,
            "{} of {} received 60 s after the restart ({} before the kill)",
            got.len(),
            n,
            before
        );
        for m in c.poll(Duration::from_millis(200), 64).unwrap() {
            *got.entry(m.msg_id().to_string()).or_default() += 1;
        }
    }
    let dups: usize = got.values().map(|k| k - 1).sum();
    eprintln!(
        "{} before the kill, all {} received {:?} after the restart, {} duplicates",
        before,
        n,
        restarted.elapsed(),
        dups
    );
    // Offsets are the consumer's own (in memory): nothing is pulled twice.
    assert_eq!(dups, 0);
    c.shutdown().unwrap();
}
