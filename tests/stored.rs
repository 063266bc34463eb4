//! What the broker stored, read back with PULL_MESSAGE and compared byte for
//! byte with what was sent.

mod common;

use rocketmq::{Message, SendStatus};

#[test]
fn stored_messages_match_what_was_sent() {
    let cluster = common::Cluster::start(1);
    let broker = cluster.brokers[0].clone();
    let topic = common::unique_topic("Stored");
    let p = common::producer(&cluster.namesrv, &[]);

    let compressible: Vec<u8> = (0..64 * 1024).map(|i| (i % 97) as u8).collect();
    let mut with_nul = b"binary\0body\x01\x02".to_vec();
    with_nul.extend_from_slice(&[0xff; 10]);
    let cases: Vec<(Vec<u8>, &str, &str, i32)> = vec![
        (b"small body".to_vec(), "TagA", "k1 k2", 0),
        (compressible.clone(), "TagBig", "big", 0),
        (with_nul, "", "", 7),
    ];
    for (body, tags, keys, flag) in cases {
        let mut m = Message::new(topic.as_str(), body.clone());
        m.set_tags(tags).unwrap();
        m.set_keys(keys).unwrap();
        m.set_flag(flag);
        m.set_property("color", "réd ✓").unwrap();
        let r = p.send(&m).unwrap();
        assert_eq!(r.status, SendStatus::SendOk);
        let stored = common::pull_one(&broker, &topic, r.message_queue.queue_id, r.queue_offset);
        assert_eq!(&stored.body[..], &body[..], "body");
        assert_eq!(&*stored.topic, topic.as_str());
        assert_eq!(stored.flag, flag);
        assert_eq!(stored.queue_id, r.message_queue.queue_id);
        assert_eq!(stored.msg_id(), r.msg_id);
        assert_eq!(stored.offset_msg_id, r.offset_msg_id);
        assert_eq!(stored.property("TAGS"), (!tags.is_empty()).then_some(tags));
        assert_eq!(stored.property("KEYS"), (!keys.is_empty()).then_some(keys));
        assert_eq!(stored.property("color"), Some("réd ✓"));
        assert_eq!(stored.property("WAIT"), Some("true"));
        // Born host: this client's address as the broker saw it (IPv4 here;
        // IPv6 forms are covered by the decoder's unit tests).
        assert_eq!(
            stored.born_host.ip(),
            std::net::IpAddr::from([127, 0, 0, 1])
        );
        let compressed = body.len() >= 4096;
        assert_eq!(
            stored.sys_flag & 0x1,
            0,
            "decoder clears the compressed bit"
        );
        if compressed {
            assert_eq!(stored.sys_flag & 0x700, 0x300, "zlib type bits");
        }
    }
    p.shutdown().unwrap();
}

#[test]
fn every_compression_type_is_stored_and_read_back() {
    let cluster = common::shared();
    let broker = cluster_broker(&cluster.namesrv);
    let body: Vec<u8> = (0..100_000).map(|i| (i % 113) as u8).collect();
    for (name, bits) in [("ZLIB", 0x300), ("LZ4", 0x100), ("ZSTD", 0x200)] {
        let topic = common::unique_topic("Compressed");
        let p = common::producer(
            &cluster.namesrv,
            &[("compressType", name), ("compressLevel", "3")],
        );
        let r = p.send(&Message::new(topic.as_str(), body.clone())).unwrap();
        let stored = common::pull_one(&broker, &topic, r.message_queue.queue_id, r.queue_offset);
        assert_eq!(stored.sys_flag & 0x700, bits, "{}", name);
        assert_eq!(&stored.body[..], &body[..], "{}", name);
        p.shutdown().unwrap();
    }
}

#[test]
fn delay_level_one_is_invisible_first_then_delivered() {
    let cluster = common::shared();
    let broker = cluster_broker(&cluster.namesrv);
    let topic = common::unique_topic("Delay");
    let p = common::producer(&cluster.namesrv, &[]);
    // Create the topic with a plain message, remember where each queue ends.
    p.send(&Message::new(topic.as_str(), &b"plain"[..]))
        .unwrap();
    // The broker indexes stored messages asynchronously: wait until the
    // plain message is counted.
    let offsets = || -> Vec<i64> {
        (0..4)
            .map(|q| common::max_offset(&broker, &topic, q))
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut before = offsets();
    while before.iter().sum::<i64>() < 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        before = offsets();
    }
    assert_eq!(before.iter().sum::<i64>(), 1);
    let mut m = Message::new(topic.as_str(), &b"delayed by 1 s"[..]);
    m.set_delay_level(1).unwrap();
    let sent_at = std::time::Instant::now();
    assert_eq!(p.send(&m).unwrap().status, SendStatus::SendOk);
    let visible = || -> Option<i32> {
        (0..4).find(|q| common::max_offset(&broker, &topic, *q) > before[*q as usize])
    };
    assert_eq!(visible(), None, "the delayed message is readable at once");
    let mut seen = None;
    while seen.is_none() && sent_at.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(100));
        seen = visible();
    }
    let q = seen.expect("the delayed message never arrived");
    assert!(sent_at.elapsed() >= std::time::Duration::from_millis(900));
    let stored = common::pull_one(&broker, &topic, q, before[q as usize]);
    assert_eq!(&stored.body[..], b"delayed by 1 s");
    p.shutdown().unwrap();
}

/// The address of a cluster's first broker, from its route.
fn cluster_broker(namesrv: &str) -> String {
    let resp = common::request(namesrv, 105, &[("topic", "TBW102")]);
    let route = rocketmq::protocol::route::TopicRouteData::parse(&resp.body).unwrap();
    route.broker_datas[0].master_addr().unwrap().to_string()
}
