//! Ordered and batch sends against the real cluster, verified by reading
//! back what the broker stored (issue: the full producer feature set).

mod common;

use std::collections::HashSet;

use rocketmq::{ErrorKind, Message, SendStatus};

#[test]
fn one_sharding_key_keeps_send_order_in_one_queue() {
    let cluster = common::Cluster::start(1);
    let topic = common::unique_topic("Ordered");
    let p = common::producer(&cluster.namesrv, &[]);
    p.send(&Message::new(topic.as_str(), &b"create"[..]))
        .unwrap();
    let mq = p.queue_for_key(&topic, "order-42").unwrap();
    let mut first_offset = None;
    for i in 0..1000 {
        let m = Message::new(topic.as_str(), format!("step {}", i).into_bytes());
        let r = p.send_to_queue(&m, &mq).unwrap();
        assert_eq!(r.message_queue, mq);
        first_offset.get_or_insert(r.queue_offset);
    }
    // Read the queue back: the 1000 bodies in send order.
    let stored = common::pull_n(
        &cluster.brokers[0],
        &topic,
        mq.queue_id,
        first_offset.unwrap(),
        1000,
    );
    let bodies: Vec<String> = stored
        .iter()
        .map(|m| String::from_utf8(m.body.to_vec()).unwrap())
        .collect();
    let expected: Vec<String> = (0..1000).map(|i| format!("step {}", i)).collect();
    assert_eq!(&bodies[..1000], &expected[..]);
    // Ten keys spread over the queues, each always to the same queue.
    let mut used = HashSet::new();
    for k in 0..10 {
        let key = format!("key-{}", k);
        let a = p.queue_for_key(&topic, &key).unwrap();
        let b = p.queue_for_key(&topic, &key).unwrap();
        assert_eq!(a, b);
        used.insert(a.queue_id);
    }
    assert!(used.len() >= 3, "10 keys used queues {:?}", used);
    p.shutdown().unwrap();
}

#[test]
fn batch_of_100_is_stored_with_ids_crcs_and_properties() {
    let cluster = common::Cluster::start(1);
    let topic = common::unique_topic("Batch");
    let p = common::producer(&cluster.namesrv, &[]);
    let msgs: Vec<Message> = (0..100)
        .map(|i| {
            let mut m = Message::new(topic.as_str(), format!("batch body {}", i).into_bytes());
            m.set_tags("TagB").unwrap();
            m.set_keys(&format!("bk{}", i)).unwrap();
            m.set_property("n", &i.to_string()).unwrap();
            m
        })
        .collect();
    let r = p.send_batch(&msgs).unwrap();
    assert_eq!(r.status, SendStatus::SendOk);
    let ids: Vec<&str> = r.msg_id.split(',').collect();
    assert_eq!(ids.len(), 100);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 100);
    let stored = common::pull_n(
        &cluster.brokers[0],
        &topic,
        r.message_queue.queue_id,
        r.queue_offset,
        100,
    );
    assert_eq!(stored.len(), 100);
    for (i, m) in stored.iter().enumerate() {
        assert_eq!(m.body, format!("batch body {}", i).as_bytes());
        assert_eq!(m.msg_id(), ids[i], "message {}", i);
        // BODYCRC as Java stores it: CRC32 with the sign bit cleared.
        assert_eq!(
            m.body_crc as u32,
            crc32fast::hash(&m.body) & 0x7FFF_FFFF,
            "CRC of {}",
            i
        );
        assert_eq!(m.property("TAGS"), Some("TagB"));
        assert_eq!(m.property("KEYS"), Some(format!("bk{}", i).as_str()));
        assert_eq!(m.property("n"), Some(i.to_string().as_str()));
    }
    // Oversized: rejected before sending.
    let big: Vec<Message> = (0..5)
        .map(|_| Message::new(topic.as_str(), vec![7u8; 1024 * 1024]))
        .collect();
    assert_eq!(
        p.send_batch(&big).unwrap_err().kind(),
        ErrorKind::MessageTooLarge
    );
    for part in rocketmq::message::split_batch(&big, 4 * 1024 * 1024) {
        assert_eq!(p.send_batch(part).unwrap().status, SendStatus::SendOk);
    }
    p.shutdown().unwrap();
}

#[test]
fn namespace_wraps_topics_and_results_come_back_without_it() {
    let cluster = common::Cluster::start(1);
    let topic = common::unique_topic("Ns");
    let p = common::producer(&cluster.namesrv, &[("namespace", "tenant1")]);
    let r = p
        .send(&Message::new(topic.as_str(), &b"in a namespace"[..]))
        .unwrap();
    assert_eq!(&*r.message_queue.topic, topic.as_str());
    let wrapped = format!("tenant1%{}", topic);
    let stored = common::pull_one(
        &cluster.brokers[0],
        &wrapped,
        r.message_queue.queue_id,
        r.queue_offset,
    );
    assert_eq!(&stored.body[..], b"in a namespace");
    assert_eq!(&*stored.topic, wrapped.as_str());
    let queues = p.queues(&topic).unwrap();
    assert!(queues.iter().all(|q| &*q.topic == topic.as_str()));
    let r = p
        .send_to_queue(&Message::new(topic.as_str(), &b"q"[..]), &queues[1])
        .unwrap();
    assert_eq!(r.message_queue, queues[1]);
    p.shutdown().unwrap();
}

#[test]
fn vip_channel_sends_to_the_fast_port() {
    let cluster = common::shared();
    let topic = common::unique_topic("Vip");
    let p = common::producer(&cluster.namesrv, &[("vipChannelEnabled", "true")]);
    for i in 0..10 {
        let r = p
            .send(&Message::new(
                topic.as_str(),
                format!("vip {}", i).into_bytes(),
            ))
            .unwrap();
        assert_eq!(r.status, SendStatus::SendOk);
    }
    p.shutdown().unwrap();
}

#[test]
fn send_hooks_veto_observe_and_survive_panics() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let cluster = common::shared();
    let topic = common::unique_topic("Hooks");
    let p = rocketmq::Producer::new(&common::unique_topic("hookgroup")).unwrap();
    p.set("namesrvAddr", &cluster.namesrv).unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let seen2 = seen.clone();
    p.add_send_hook(rocketmq::producer::hooks::SendHook {
        before: Some(Box::new(|m| {
            if m.tags() == Some("forbidden") {
                Err("tag forbidden here".into())
            } else {
                Ok(())
            }
        })),
        after: Some(Box::new(move |_, outcome| {
            assert!(outcome.is_ok());
            seen2.fetch_add(1, Ordering::SeqCst);
        })),
    })
    .unwrap();
    p.add_send_hook(rocketmq::producer::hooks::SendHook {
        before: Some(Box::new(|_| panic!("buggy hook"))),
        after: Some(Box::new(|_, _| panic!("buggy hook"))),
    })
    .unwrap();
    p.start().unwrap();
    assert_eq!(
        p.add_send_hook(rocketmq::producer::hooks::SendHook {
            before: None,
            after: None
        })
        .unwrap_err()
        .kind(),
        ErrorKind::InvalidState
    );
    let mut bad = Message::new(topic.as_str(), &b"no"[..]);
    bad.set_tags("forbidden").unwrap();
    let e = p.send(&bad).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Vetoed);
    assert!(e.message().contains("tag forbidden here"), "{}", e);
    assert_eq!(
        p.send_async(&bad, Box::new(|_| {})).unwrap_err().kind(),
        ErrorKind::Vetoed
    );
    assert_eq!(p.send_oneway(&bad).unwrap_err().kind(), ErrorKind::Vetoed);
    p.send(&Message::new(topic.as_str(), &b"fine"[..])).unwrap();
    let (tx, rx) = crossbeam_channel::bounded(1);
    p.send_async(
        &Message::new(topic.as_str(), &b"fine"[..]),
        Box::new(move |r| tx.send(r.is_ok()).unwrap()),
    )
    .unwrap();
    assert!(rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap());
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    p.shutdown().unwrap();
}
