//! Sync sends against the real NameServer + Broker (issue: core producer).

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use rocketmq::{ErrorKind, Message, SendStatus};

fn message(topic: &str, i: usize) -> Message {
    let mut m = Message::new(topic, format!("body {}", i).into_bytes());
    m.set_tags("TagA").unwrap();
    m.set_keys(&format!("key-{}", i)).unwrap();
    m.set_property("index", &i.to_string()).unwrap();
    m
}

/// Sends `n` messages and checks: all SEND_OK, distinct msgIds, strictly
/// increasing offsets per queue; returns the set of queues used.
fn send_and_check(producer: &rocketmq::Producer, topic: &str, n: usize) -> HashSet<(String, i32)> {
    let mut ids = HashSet::new();
    let mut offsets: HashMap<(String, i32), i64> = HashMap::new();
    for i in 0..n {
        let r = producer
            .send(&message(topic, i))
            .unwrap_or_else(|e| panic!("send {} to {}: {}", i, topic, e));
        assert_eq!(r.status, SendStatus::SendOk);
        assert_eq!(&*r.message_queue.topic, topic);
        assert_eq!(r.msg_id.len(), 32, "{}", r.msg_id);
        assert_eq!(r.offset_msg_id.len(), 32, "{}", r.offset_msg_id);
        assert!(ids.insert(r.msg_id.clone()), "duplicate msgId {}", r.msg_id);
        let q = (
            r.message_queue.broker_name.to_string(),
            r.message_queue.queue_id,
        );
        if let Some(prev) = offsets.insert(q.clone(), r.queue_offset) {
            assert!(
                r.queue_offset > prev,
                "offset of {:?} went from {} to {}",
                q,
                prev,
                r.queue_offset
            );
        }
    }
    offsets.into_keys().collect()
}

#[test]
fn thousand_messages_to_a_new_then_existing_topic() {
    let cluster = common::shared();
    let topic = common::unique_topic("SyncNew");
    let p = common::producer(&cluster.namesrv, &[]);
    // New topic: the route comes from TBW102 and the broker creates the
    // topic with defaultTopicQueueNums (4) queues.
    let queues = send_and_check(&p, &topic, 1000);
    assert_eq!(queues.len(), 4, "queues used: {:?}", queues);
    p.shutdown().unwrap();

    // Existing topic, fresh producer: the NameServer now knows the topic.
    let p = common::producer(&cluster.namesrv, &[]);
    let queues = send_and_check(&p, &topic, 1000);
    assert_eq!(queues.len(), 4, "queues used: {:?}", queues);
    p.shutdown().unwrap();
}

#[test]
fn compressed_64k_body() {
    let cluster = common::shared();
    let topic = common::unique_topic("SyncBig");
    let p = common::producer(&cluster.namesrv, &[]);
    let body: Vec<u8> = (0..64 * 1024).map(|i| (i % 97) as u8).collect();
    let r = p.send(&Message::new(topic.as_str(), body)).unwrap();
    assert_eq!(r.status, SendStatus::SendOk);
    // Uncompressible 64 KiB body goes as is.
    let mut x: u32 = 1;
    let noise: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            (x >> 24) as u8
        })
        .collect();
    let r = p.send(&Message::new(topic.as_str(), noise)).unwrap();
    assert_eq!(r.status, SendStatus::SendOk);
}

#[test]
fn invalid_messages_fail_before_any_network_io() {
    // Nothing listens on this NameServer address: an error that needed the
    // network would be NO_ROUTE, not the validation errors below.
    let p = rocketmq::Producer::new("validation_group").unwrap();
    p.set("namesrvAddr", "127.0.0.1:1").unwrap();
    p.start().unwrap();
    let big = Message::new("TopicOk", vec![0u8; 4 * 1024 * 1024 + 1]);
    let e = p.send(&big).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MessageTooLarge, "{}", e);
    let e = p.send(&Message::new("bad topic!", &b"x"[..])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidTopic, "{}", e);
    let e = p
        .send(&Message::new("t".repeat(128), &b"x"[..]))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidTopic, "{}", e);
    let e = p.send(&Message::new("TopicOk", Vec::new())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidMessage, "{}", e);
    // And a valid one indeed needs the network, which is not there.
    let e = p.send(&Message::new("TopicOk", &b"x"[..])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoRoute, "{}", e);
    p.shutdown().unwrap();
}

#[test]
fn wrong_state_calls_are_errors() {
    let p = rocketmq::Producer::new("state_group").unwrap();
    let m = Message::new("TopicOk", &b"x"[..]);
    assert_eq!(p.send(&m).unwrap_err().kind(), ErrorKind::InvalidState);
    p.set("namesrvAddr", "127.0.0.1:1").unwrap();
    p.start().unwrap();
    assert_eq!(p.start().unwrap_err().kind(), ErrorKind::InvalidState);
    assert_eq!(
        p.set("sendMsgTimeout", "10").unwrap_err().kind(),
        ErrorKind::InvalidState
    );
    p.shutdown().unwrap();
    p.shutdown().unwrap();
    assert_eq!(p.send(&m).unwrap_err().kind(), ErrorKind::Shutdown);
    assert_eq!(p.start().unwrap_err().kind(), ErrorKind::InvalidState);
}

#[test]
fn stopped_broker_fails_within_the_timeout() {
    let cluster = common::Cluster::start(1);
    let topic = common::unique_topic("SyncDown");
    let p = common::producer(&cluster.namesrv, &[("sendMsgTimeout", "2000")]);
    assert_eq!(
        p.send(&message(&topic, 0)).unwrap().status,
        SendStatus::SendOk
    );
    cluster.kill_broker(0);
    let started = Instant::now();
    let e = p.send(&message(&topic, 1)).unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(e.kind(), ErrorKind::Network | ErrorKind::Timeout),
        "unexpected error {}",
        e
    );
    assert!(took < Duration::from_millis(2000 + 500), "took {:?}", took);
    p.shutdown().unwrap();
}
