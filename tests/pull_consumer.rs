//! The pull consumer against the real cluster: everything the producer
//! sends comes back intact through the modern API (subscribe + poll) and
//! the one-shot pull of the legacy API shape.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rocketmq::{Message, PullConsumer, PullStatus};

fn consumer(namesrv: &str, settings: &[(&str, &str)]) -> PullConsumer {
    let c = PullConsumer::new(&common::unique_topic("cg")).unwrap();
    c.set("namesrvAddr", namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    for (k, v) in settings {
        c.set(k, v).unwrap();
    }
    c
}

/// Polls until `n` messages arrived or `within` passed.
fn drain(
    c: &PullConsumer,
    n: usize,
    within: Duration,
) -> Vec<rocketmq::protocol::message_ext::MessageExt> {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        out.extend(c.poll(Duration::from_millis(500), 64).unwrap());
    }
    out
}

#[test]
fn pull_subscribe_poll_returns_what_was_sent() {
    let cluster = common::shared();
    let topic = common::unique_topic("PullT");
    let producer = common::producer(&cluster.namesrv, &[]);
    let mut sent = HashMap::new();
    for i in 0..40 {
        let mut m = Message::new(&topic, format!("body-{}", i).into_bytes());
        m.set_tags("TagA").unwrap();
        m.set_keys(&format!("key-{}", i)).unwrap();
        m.set_property("prop", &format!("v{}", i)).unwrap();
        let r = producer.send(&m).unwrap();
        sent.insert(r.msg_id.clone(), (i, r));
    }
    let c = consumer(&cluster.namesrv, &[]);
    c.subscribe(&topic, "*").unwrap();
    c.start().unwrap();
    let got = drain(&c, 40, Duration::from_secs(30));
    assert_eq!(got.len(), 40, "received {}", got.len());
    for m in &got {
        let (i, r) = sent
            .get(m.msg_id())
            .unwrap_or_else(|| panic!("unknown id {}", m.msg_id()));
        assert_eq!(&m.body[..], format!("body-{}", i).as_bytes());
        assert_eq!(&*m.topic, topic.as_str());
        assert_eq!(m.property("TAGS"), Some("TagA"));
        assert_eq!(m.property("KEYS"), Some(format!("key-{}", i).as_str()));
        assert_eq!(m.property("prop"), Some(format!("v{}", i).as_str()));
        assert_eq!(m.offset_msg_id, r.offset_msg_id);
        assert_eq!(m.queue_offset, r.queue_offset);
        assert_eq!(m.queue_id, r.message_queue.queue_id);
        assert_eq!(&*m.broker_name, &*r.message_queue.broker_name);
    }
    c.commit().unwrap();
    c.shutdown().unwrap();
    producer.shutdown().unwrap();
}

#[test]
fn pull_one_shot_finds_messages_and_statuses() {
    let cluster = common::shared();
    let topic = common::unique_topic("PullOnce");
    let producer = common::producer(&cluster.namesrv, &[]);
    for i in 0..8 {
        let mut m = Message::new(&topic, format!("b{}", i).into_bytes());
        m.set_tags(if i % 2 == 0 { "A" } else { "B" }).unwrap();
        producer.send(&m).unwrap();
    }
    let c = consumer(&cluster.namesrv, &[]);
    c.start().unwrap();
    let queues = c.fetch_queues(&topic).unwrap();
    assert!(!queues.is_empty());
    // The broker dispatches stored messages to its queues asynchronously:
    // pull each queue on until all 8 arrived.
    let mut found = 0;
    let mut next: Vec<i64> = vec![0; queues.len()];
    let deadline = Instant::now() + Duration::from_secs(20);
    while found < 8 && Instant::now() < deadline {
        for (i, q) in queues.iter().enumerate() {
            let r = c.pull(q, "A || B", next[i], 32, false).unwrap();
            match r.status {
                PullStatus::Found => found += r.messages.len(),
                PullStatus::NoNewMsg => {}
                s => panic!("unexpected {:?}", s),
            }
            next[i] = r.next_begin_offset;
        }
    }
    for (i, q) in queues.iter().enumerate() {
        let r = c.pull(q, "*", next[i], 32, false).unwrap();
        assert_eq!(r.status, PullStatus::NoNewMsg);
        assert_eq!(r.next_begin_offset, next[i]);
        assert_eq!(r.max_offset, next[i]);
    }
    assert_eq!(found, 8);
    c.shutdown().unwrap();
    producer.shutdown().unwrap();
}

#[test]
fn pull_with_namespace_wraps_topic_and_group_and_unwraps_messages() {
    let cluster = common::shared();
    let ns = "ns15";
    let topic = common::unique_topic("PullNs");
    let producer = common::producer(&cluster.namesrv, &[("namespace", ns)]);
    let mut sent = std::collections::BTreeSet::new();
    for i in 0..10 {
        let r = producer
            .send(&Message::new(&topic, format!("n{}", i).into_bytes()))
            .unwrap();
        assert_eq!(&*r.message_queue.topic, topic.as_str());
        sent.insert(r.msg_id);
    }
    let c = consumer(&cluster.namesrv, &[("namespace", ns)]);
    c.subscribe(&topic, "*").unwrap();
    c.start().unwrap();
    let got = drain(&c, 10, Duration::from_secs(30));
    let ids: std::collections::BTreeSet<String> =
        got.iter().map(|m| m.msg_id().to_string()).collect();
    assert_eq!(ids, sent);
    for m in &got {
        assert_eq!(&*m.topic, topic.as_str(), "the topic comes back unwrapped");
    }
    // The queues and the assignment are named without the namespace too,
    // and work as arguments.
    let queues = c.fetch_queues(&topic).unwrap();
    assert!(queues.iter().all(|q| &*q.topic == topic.as_str()));
    c.commit().unwrap();
    for q in &queues {
        assert!(c.committed(q).unwrap() >= 0);
    }
    c.shutdown().unwrap();
    // Without the namespace, the topic does not exist on the broker.
    let plain = consumer(&cluster.namesrv, &[]);
    plain.start().unwrap();
    assert_eq!(
        plain.fetch_queues(&topic).unwrap_err().kind(),
        rocketmq::ErrorKind::NoRoute
    );
    assert!(!plain
        .fetch_queues(&format!("{}%{}", ns, topic))
        .unwrap()
        .is_empty());
    plain.shutdown().unwrap();
    producer.shutdown().unwrap();
}
