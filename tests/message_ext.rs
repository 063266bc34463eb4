//! Everything the producer can send comes back intact through both pull
//! APIs (issue 15): the prefetching `subscribe` + `poll` and the one-shot
//! `pull` of the legacy API shape. Bodies (plain and zlib/LZ4/zstd
//! compressed), tags, keys, user properties, both message ids, queue
//! offsets, hosts, timestamps, delay-level and batch messages, and the tag
//! filter.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rocketmq::protocol::message_ext::MessageExt;
use rocketmq::{Message, MessageQueue, PullConsumer, PullStatus, SendResult};

/// A consumer of a fresh group starting at the first offset.
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
fn drain(c: &PullConsumer, n: usize, within: Duration) -> Vec<MessageExt> {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        out.extend(c.poll(Duration::from_millis(500), 64).unwrap());
    }
    out
}

/// Everything `poll` still returns during `during` (expected: nothing).
fn extra(c: &PullConsumer, during: Duration) -> Vec<MessageExt> {
    let deadline = Instant::now() + during;
    let mut out = Vec::new();
    while Instant::now() < deadline {
        out.extend(c.poll(Duration::from_millis(300), 64).unwrap());
    }
    out
}

/// One-shot pulls of `mq` with `expr` from `from` until the pull offset
/// reaches `to` (the broker dispatches stored messages to their queue
/// asynchronously, so an early pull may find nothing yet) or `within`
/// passed: the messages that passed `expr`, and where the pulls ended.
fn pull_queue(
    c: &PullConsumer,
    mq: &MessageQueue,
    expr: &str,
    from: i64,
    to: i64,
    within: Duration,
) -> (Vec<MessageExt>, i64) {
    let deadline = Instant::now() + within;
    let mut next = from;
    let mut out = Vec::new();
    while next < to && Instant::now() < deadline {
        let r = c.pull(mq, expr, next, 32, false).unwrap();
        match r.status {
            PullStatus::Found | PullStatus::NoMatchedMsg => {
                assert!(r.next_begin_offset > next, "pull did not advance: {:?}", r);
                out.extend(r.messages);
                next = r.next_begin_offset;
            }
            PullStatus::NoNewMsg => std::thread::sleep(Duration::from_millis(20)),
            PullStatus::OffsetIllegal => panic!("offset {} of {:?} is illegal: {:?}", next, mq, r),
        }
    }
    (out, next)
}

/// One-shot pulls of every queue a send result names, from offset 0 to the
/// end the send results give: every message that passed `expr`.
fn pull_sent(c: &PullConsumer, sent: &[SendResult], expr: &str) -> Vec<MessageExt> {
    let mut ends: BTreeMap<i32, (MessageQueue, i64)> = BTreeMap::new();
    for r in sent {
        let e = ends
            .entry(r.message_queue.queue_id)
            .or_insert((r.message_queue.clone(), 0));
        e.1 = e.1.max(r.queue_offset + 1);
    }
    let mut out = Vec::new();
    for (mq, end) in ends.values() {
        let (got, next) = pull_queue(c, mq, expr, 0, *end, Duration::from_secs(20));
        assert_eq!(next, *end, "pulls of {:?} stopped early", mq);
        out.extend(got);
    }
    out
}

/// The master address of the cluster's (only) broker, from the route of
/// the default topic.
fn broker_addr(namesrv: &str) -> String {
    let resp = common::request(namesrv, 105, &[("topic", "TBW102")]);
    let route = rocketmq::protocol::route::TopicRouteData::parse(&resp.body).unwrap();
    route.broker_datas[0].master_addr().unwrap().to_string()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Deterministic incompressible bytes (xorshift64*).
fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// Bodies at least this long are compressed in the compression test.
const COMPRESS_OVER: usize = 32;

#[test]
fn message_ext_compressed_bodies_come_back_inflated() {
    let cluster = common::shared();
    let text: Vec<u8> = (0..20_000)
        .flat_map(|i| format!("line {} of a very compressible text body\n", i % 50).into_bytes())
        .collect();
    // (name, body, whether the producer must have compressed it)
    let bodies: Vec<(&str, Vec<u8>, bool)> = vec![
        ("below threshold", b"tiny body".to_vec(), false),
        ("just above threshold", vec![b'a'; COMPRESS_OVER + 1], false),
        (
            "4 KiB pattern",
            (0..4096).map(|i| (i % 7) as u8).collect(),
            true,
        ),
        ("text ~800 KiB", text, true),
        ("random 100 B", random_bytes(100, 1), false),
        ("random 300 KiB", random_bytes(300 * 1024, 2), false),
        // Not required to shrink: ruzstd's encoder gives 65 549 bytes for
        // it, so the producer sends it as is.
        (
            "half random 64 KiB",
            random_bytes(32 * 1024, 3)
                .into_iter()
                .chain(std::iter::repeat_n(0u8, 32 * 1024))
                .collect(),
            false,
        ),
    ];
    let threshold = COMPRESS_OVER.to_string();
    let mut topics = Vec::new();
    // msg id -> (compression, case index, send result)
    let mut sent: HashMap<String, (&str, usize, SendResult)> = HashMap::new();
    let mut results: HashMap<String, Vec<SendResult>> = HashMap::new();
    for kind in ["ZLIB", "LZ4", "ZSTD"] {
        let topic = common::unique_topic(&format!("Compressed{}", kind));
        let p = common::producer(
            &cluster.namesrv,
            &[
                ("compressType", kind),
                ("compressMsgBodyOverHowmuch", &threshold),
            ],
        );
        for (i, (_, body, _)) in bodies.iter().enumerate() {
            let mut m = Message::new(topic.as_str(), body.clone());
            m.set_tags(kind).unwrap();
            m.set_property("case", &i.to_string()).unwrap();
            let r = p.send(&m).unwrap();
            sent.insert(r.msg_id.clone(), (kind, i, r.clone()));
            results.entry(topic.clone()).or_default().push(r);
        }
        p.shutdown().unwrap();
        topics.push((kind, topic));
    }
    let check = |api: &str, m: &MessageExt| {
        let (kind, i, r) = sent
            .get(m.msg_id())
            .unwrap_or_else(|| panic!("{}: unknown message id {}", api, m.msg_id()));
        let (name, body, compressed) = &bodies[*i];
        assert_eq!(
            m.body.len(),
            body.len(),
            "{} {} {}: body length",
            api,
            kind,
            name
        );
        assert!(
            m.body[..] == body[..],
            "{} {} {}: body differs",
            api,
            kind,
            name
        );
        assert_eq!(m.property("case"), Some(i.to_string().as_str()));
        assert_eq!(m.property("TAGS"), Some(*kind));
        assert_eq!(m.queue_offset, r.queue_offset, "{} {} {}", api, kind, name);
        assert_eq!(
            &*m.offset_msg_id,
            r.offset_msg_id.as_str(),
            "{} {} {}",
            api,
            kind,
            name
        );
        // The decoder clears the compressed bit once it inflated the body;
        // the compression type bits stay as stored.
        assert_eq!(
            m.sys_flag & 0x1,
            0,
            "{} {} {}: compressed bit",
            api,
            kind,
            name
        );
        if *compressed {
            let bits = match *kind {
                "ZLIB" => 0x300,
                "LZ4" => 0x100,
                _ => 0x200,
            };
            assert_eq!(
                m.sys_flag & 0x700,
                bits,
                "{} {} {}: stored compressed with the type's bits",
                api,
                kind,
                name
            );
        }
    };

    // subscribe + poll (one consumer, three topics).
    let c = consumer(&cluster.namesrv, &[]);
    for (_, topic) in &topics {
        c.subscribe(topic, "*").unwrap();
    }
    c.start().unwrap();
    let got = drain(&c, sent.len(), Duration::from_secs(30));
    assert_eq!(
        got.len(),
        sent.len(),
        "polled {} of {}",
        got.len(),
        sent.len()
    );
    let ids: HashSet<&str> = got.iter().map(|m| m.msg_id()).collect();
    assert_eq!(
        ids.len(),
        sent.len(),
        "duplicates among the polled messages"
    );
    for m in &got {
        check("poll", m);
    }
    assert!(extra(&c, Duration::from_millis(1000)).is_empty());

    // One-shot pull of every queue, on the same consumer.
    let mut pulled = Vec::new();
    for (_, topic) in &topics {
        pulled.extend(pull_sent(&c, &results[topic], "*"));
    }
    assert_eq!(pulled.len(), sent.len());
    for m in &pulled {
        check("pull", m);
    }
    c.shutdown().unwrap();
}

#[test]
fn message_ext_tags_keys_properties_and_ids() {
    let cluster = common::shared();
    let broker: SocketAddr = broker_addr(&cluster.namesrv).parse().unwrap();
    let topic = common::unique_topic("Fields");
    let p = common::producer(&cluster.namesrv, &[]);
    let window_start = now_ms();
    let mut sent: HashMap<String, (usize, SendResult)> = HashMap::new();
    let mut results = Vec::new();
    for i in 0..12 {
        let mut m = Message::new(topic.as_str(), format!("fields body {}", i).into_bytes());
        m.set_tags(&format!("Tag{}", i % 3)).unwrap();
        m.set_keys(&format!("order-{} user-{} trace-{}", i, i * 7, i * 13))
            .unwrap();
        m.set_property("seq", &i.to_string()).unwrap();
        m.set_property("colour", "réd ✓ \"quoted\" = : ;").unwrap();
        m.set_property("another_prop", &format!("value {}", i))
            .unwrap();
        m.set_flag(i as i32 * 3);
        let r = p.send(&m).unwrap();
        sent.insert(r.msg_id.clone(), (i, r.clone()));
        results.push(r);
    }

    let check = |api: &str, m: &MessageExt, window_end: i64| {
        let (i, r) = sent
            .get(m.msg_id())
            .unwrap_or_else(|| panic!("{}: unknown message id {}", api, m.msg_id()));
        let i = *i;
        let what = format!("{} message {}", api, i);
        assert_eq!(
            &m.body[..],
            format!("fields body {}", i).as_bytes(),
            "{}",
            what
        );
        assert_eq!(&*m.topic, topic.as_str(), "{}", what);
        assert_eq!(m.flag, i as i32 * 3, "{}", what);
        assert_eq!(m.msg_id(), r.msg_id, "{}", what);
        assert_eq!(m.property("UNIQ_KEY"), Some(r.msg_id.as_str()), "{}", what);
        assert_eq!(&*m.offset_msg_id, r.offset_msg_id.as_str(), "{}", what);
        assert_eq!(m.queue_id, r.message_queue.queue_id, "{}", what);
        assert_eq!(m.queue_offset, r.queue_offset, "{}", what);
        assert_eq!(&*m.broker_name, &*r.message_queue.broker_name, "{}", what);
        assert_eq!(
            m.property("TAGS"),
            Some(format!("Tag{}", i % 3).as_str()),
            "{}",
            what
        );
        assert_eq!(
            m.property("KEYS"),
            Some(format!("order-{} user-{} trace-{}", i, i * 7, i * 13).as_str()),
            "{}",
            what
        );
        assert_eq!(m.property("seq"), Some(i.to_string().as_str()), "{}", what);
        assert_eq!(
            m.property("colour"),
            Some("réd ✓ \"quoted\" = : ;"),
            "{}",
            what
        );
        assert_eq!(
            m.property("another_prop"),
            Some(format!("value {}", i).as_str()),
            "{}",
            what
        );
        assert_eq!(m.reconsume_times, 0, "{}", what);
        assert_eq!(m.prepared_transaction_offset, 0, "{}", what);
        assert_eq!(
            m.body_crc as u32,
            crc32fast::hash(&m.body) & 0x7FFF_FFFF,
            "{}: body CRC",
            what
        );
        // Hosts: this client as the broker saw it, and the broker itself.
        assert_eq!(m.born_host.ip(), IpAddr::from([127, 0, 0, 1]), "{}", what);
        assert_ne!(m.born_host.port(), 0, "{}", what);
        assert_eq!(m.store_host, broker, "{}", what);
        // Timestamps: born (client clock) before stored (broker clock, the
        // same machine), both inside this test's window.
        assert!(
            m.born_timestamp <= m.store_timestamp,
            "{}: born {} after stored {}",
            what,
            m.born_timestamp,
            m.store_timestamp
        );
        assert!(
            window_start <= m.born_timestamp && m.store_timestamp <= window_end,
            "{}: born {} / stored {} outside [{}, {}]",
            what,
            m.born_timestamp,
            m.store_timestamp,
            window_start,
            window_end
        );
    };

    let c = consumer(&cluster.namesrv, &[]);
    c.subscribe(&topic, "*").unwrap();
    c.start().unwrap();
    let got = drain(&c, sent.len(), Duration::from_secs(30));
    let window_end = now_ms();
    assert_eq!(got.len(), sent.len(), "polled {}", got.len());
    for m in &got {
        check("poll", m, window_end);
    }
    // Per queue, poll hands messages over in offset order.
    let mut last: HashMap<i32, i64> = HashMap::new();
    for m in &got {
        if let Some(prev) = last.insert(m.queue_id, m.queue_offset) {
            assert!(m.queue_offset > prev, "queue {} out of order", m.queue_id);
        }
    }
    let pulled = pull_sent(&c, &results, "*");
    assert_eq!(pulled.len(), sent.len());
    for m in &pulled {
        check("pull", m, window_end);
    }
    // The same record through both APIs.
    let by_id: HashMap<&str, &MessageExt> = got.iter().map(|m| (m.msg_id(), m)).collect();
    for m in &pulled {
        assert_eq!(by_id[m.msg_id()], m, "poll and pull differ");
    }
    c.shutdown().unwrap();
    p.shutdown().unwrap();
}

#[test]
fn message_ext_delay_level_messages_arrive_after_their_delay() {
    let cluster = common::shared();
    let topic = common::unique_topic("DelayExt");
    let p = common::producer(&cluster.namesrv, &[]);
    // Create the topic (so that the consumer finds its route at start).
    let plain = p
        .send(&Message::new(topic.as_str(), &b"plain"[..]))
        .unwrap();
    let c = consumer(&cluster.namesrv, &[]);
    c.subscribe(&topic, "*").unwrap();
    c.start().unwrap();
    let first = drain(&c, 1, Duration::from_secs(30));
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].msg_id(), plain.msg_id);

    let queues = c.fetch_queues(&topic).unwrap();
    let ends: Vec<i64> = queues.iter().map(|q| c.max_offset(q).unwrap()).collect();
    let mut m = Message::new(topic.as_str(), &b"delayed by level 1 (1 s)"[..]);
    m.set_tags("Later").unwrap();
    m.set_keys("delayed-key").unwrap();
    m.set_property("p", "v").unwrap();
    m.set_delay_level(1).unwrap();
    let sent_ms = now_ms();
    let sent_at = Instant::now();
    let r = p.send(&m).unwrap();
    // What the broker stored at send time: the message in its schedule
    // topic (queue = level - 1), which the send result names, with
    // DELAY=1 and the real topic and queue.
    let scheduled = common::pull_one(
        &broker_addr(&cluster.namesrv),
        "SCHEDULE_TOPIC_XXXX",
        0,
        r.queue_offset,
    );
    assert_eq!(&*scheduled.offset_msg_id, r.offset_msg_id.as_str());
    assert_eq!(scheduled.msg_id(), r.msg_id);
    assert_eq!(scheduled.property("DELAY"), Some("1"));
    assert_eq!(scheduled.property("REAL_TOPIC"), Some(topic.as_str()));
    assert_eq!(
        scheduled.property("REAL_QID"),
        Some(r.message_queue.queue_id.to_string().as_str())
    );
    // Not readable at once: the broker keeps it in its schedule topic.
    for (q, end) in queues.iter().zip(&ends) {
        let now = c.pull(q, "*", *end, 32, false).unwrap();
        assert_eq!(
            now.status,
            PullStatus::NoNewMsg,
            "queue {} right after the send",
            q.queue_id
        );
    }
    let got = drain(&c, 1, Duration::from_secs(30));
    let waited = sent_at.elapsed();
    assert_eq!(got.len(), 1, "the delayed message never arrived");
    let d = &got[0];
    assert!(
        waited >= Duration::from_millis(900),
        "arrived after {:?}, before its 1 s delay",
        waited
    );
    let check = |api: &str, d: &MessageExt| {
        assert_eq!(&d.body[..], b"delayed by level 1 (1 s)", "{}", api);
        assert_eq!(d.msg_id(), r.msg_id, "{}", api);
        assert_eq!(&*d.topic, topic.as_str(), "{}", api);
        assert_eq!(
            d.queue_id, r.message_queue.queue_id,
            "{}: the queue the producer chose",
            api
        );
        // Delivered to the real queue as a new record (its own offsetMsgId)
        // with the original properties. DELAY: Java's broker keeps "1" (it
        // re-stores the properties string built before clearing it); the
        // Rust broker 1.0.0 drops it (and stores WAIT=false).
        assert_ne!(&*d.offset_msg_id, r.offset_msg_id.as_str(), "{}", api);
        assert!(
            matches!(d.property("DELAY"), None | Some("1")),
            "{}: DELAY {:?}",
            api,
            d.property("DELAY")
        );
        assert_eq!(d.property("REAL_TOPIC"), Some(topic.as_str()), "{}", api);
        let qid = r.message_queue.queue_id.to_string();
        assert_eq!(d.property("REAL_QID"), Some(qid.as_str()), "{}", api);
        assert_eq!(d.property("TAGS"), Some("Later"), "{}", api);
        assert_eq!(d.property("KEYS"), Some("delayed-key"), "{}", api);
        assert_eq!(d.property("p"), Some("v"), "{}", api);
        // Re-stored when its delay ended: a later store time than its
        // birth, by about the delay.
        assert!(d.born_timestamp >= sent_ms, "{}", api);
        assert!(
            d.store_timestamp >= d.born_timestamp + 900,
            "{}: born {} stored {}",
            api,
            d.born_timestamp,
            d.store_timestamp
        );
        assert_eq!(d.reconsume_times, 0, "{}", api);
    };
    check("poll", d);
    let q = queues
        .iter()
        .position(|q| q.queue_id == d.queue_id)
        .unwrap();
    assert_eq!(d.queue_offset, ends[q], "the next offset of its queue");
    let (pulled, _) = pull_queue(
        &c,
        &queues[q],
        "*",
        ends[q],
        ends[q] + 1,
        Duration::from_secs(10),
    );
    assert_eq!(pulled.len(), 1);
    check("pull", &pulled[0]);
    assert_eq!(&pulled[0], d);
    c.shutdown().unwrap();
    p.shutdown().unwrap();
}

#[test]
fn message_ext_batch_messages_come_back_one_by_one() {
    let cluster = common::shared();
    let topic = common::unique_topic("BatchExt");
    let p = common::producer(&cluster.namesrv, &[]);
    let msgs: Vec<Message> = (0..10)
        .map(|i| {
            let mut m = Message::new(topic.as_str(), format!("batch member {}", i).into_bytes());
            m.set_tags("Batch").unwrap();
            m.set_keys(&format!("bk{} shared", i)).unwrap();
            m.set_property("n", &i.to_string()).unwrap();
            m
        })
        .collect();
    let r = p.send_batch(&msgs).unwrap();
    let ids: Vec<&str> = r.msg_id.split(',').collect();
    let offset_ids: Vec<&str> = r.offset_msg_id.split(',').collect();
    assert_eq!(ids.len(), 10);
    assert_eq!(offset_ids.len(), 10);
    let check = |api: &str, got: &[MessageExt]| {
        assert_eq!(got.len(), 10, "{}", api);
        let mut got: Vec<&MessageExt> = got.iter().collect();
        got.sort_by_key(|m| m.queue_offset);
        for (i, m) in got.iter().enumerate() {
            let what = format!("{} member {}", api, i);
            assert_eq!(
                &m.body[..],
                format!("batch member {}", i).as_bytes(),
                "{}",
                what
            );
            assert_eq!(m.msg_id(), ids[i], "{}", what);
            assert_eq!(&*m.offset_msg_id, offset_ids[i], "{}", what);
            assert_eq!(m.queue_offset, r.queue_offset + i as i64, "{}", what);
            assert_eq!(m.queue_id, r.message_queue.queue_id, "{}", what);
            assert_eq!(&*m.broker_name, &*r.message_queue.broker_name, "{}", what);
            assert_eq!(&*m.topic, topic.as_str(), "{}", what);
            assert_eq!(m.property("TAGS"), Some("Batch"), "{}", what);
            assert_eq!(
                m.property("KEYS"),
                Some(format!("bk{} shared", i).as_str()),
                "{}",
                what
            );
            assert_eq!(m.property("n"), Some(i.to_string().as_str()), "{}", what);
        }
    };
    let c = consumer(&cluster.namesrv, &[]);
    c.subscribe(&topic, "*").unwrap();
    c.start().unwrap();
    let got = drain(&c, 10, Duration::from_secs(30));
    check("poll", &got);
    assert!(extra(&c, Duration::from_millis(1000)).is_empty());
    let (pulled, next) = pull_queue(
        &c,
        &r.message_queue,
        "*",
        r.queue_offset,
        r.queue_offset + 10,
        Duration::from_secs(20),
    );
    assert_eq!(next, r.queue_offset + 10);
    check("pull", &pulled);
    c.shutdown().unwrap();
    p.shutdown().unwrap();
}

#[test]
fn message_ext_tag_filter_keeps_only_subscribed_tags() {
    let cluster = common::shared();
    let topic = common::unique_topic("TagFilter");
    let p = common::producer(&cluster.namesrv, &[]);
    let mut sent = Vec::new();
    let mut first = Message::new(topic.as_str(), &b"first A"[..]);
    first.set_tags("TagA").unwrap();
    sent.push((Some("TagA"), p.send(&first).unwrap()));
    let queues = p.queues(&topic).unwrap();
    assert!(queues.len() >= 2);
    // Mixed queues ending in filtered messages, and one queue (the last)
    // with no subscribed tag at all.
    let mixed: [Option<&str>; 8] = [
        Some("TagA"),
        Some("TagC"),
        Some("TagB"),
        None,
        Some("TagA"),
        Some("TagAB"),
        None,
        Some("TagC"),
    ];
    let filtered: [Option<&str>; 3] = [Some("TagC"), None, Some("tagA")];
    for (qi, q) in queues.iter().enumerate() {
        let plan: &[Option<&str>] = if qi + 1 == queues.len() {
            &filtered
        } else {
            &mixed
        };
        for (i, tag) in plan.iter().enumerate() {
            let mut m = Message::new(
                topic.as_str(),
                format!("q{} m{} {:?}", qi, i, tag).into_bytes(),
            );
            if let Some(t) = tag {
                m.set_tags(t).unwrap();
            }
            sent.push((*tag, p.send_to_queue(&m, q).unwrap()));
        }
    }
    let wanted: HashSet<&str> = sent
        .iter()
        .filter(|(t, _)| matches!(t, Some("TagA") | Some("TagB")))
        .map(|(_, r)| r.msg_id.as_str())
        .collect();
    let results: Vec<SendResult> = sent.iter().map(|(_, r)| r.clone()).collect();
    let mut end: HashMap<i32, i64> = HashMap::new();
    for r in &results {
        let e = end.entry(r.message_queue.queue_id).or_insert(0);
        *e = (*e).max(r.queue_offset + 1);
    }

    for expr in ["TagA||TagB", "TagA || TagB"] {
        // subscribe + poll.
        let c = consumer(&cluster.namesrv, &[("autoCommit", "false")]);
        c.subscribe(&topic, expr).unwrap();
        c.start().unwrap();
        let mut got = drain(&c, wanted.len(), Duration::from_secs(30));
        got.extend(extra(&c, Duration::from_millis(1500)));
        let ids: Vec<&str> = got.iter().map(|m| m.msg_id()).collect();
        assert_eq!(
            ids.iter().copied().collect::<HashSet<_>>(),
            wanted,
            "{:?}: polled the wrong messages",
            expr
        );
        assert_eq!(ids.len(), wanted.len(), "{:?}: duplicates", expr);
        for m in &got {
            assert!(
                matches!(m.property("TAGS"), Some("TagA") | Some("TagB")),
                "{:?}: polled tag {:?}",
                expr,
                m.property("TAGS")
            );
        }
        // The filtered offsets count as consumed: after a commit, every
        // queue's committed offset is its end (the last queue polled
        // nothing and still moves to its end).
        let deadline = Instant::now() + Duration::from_secs(10);
        let committed = loop {
            c.commit().unwrap();
            let committed: Vec<(i32, i64, i64)> = queues
                .iter()
                .map(|q| {
                    (
                        q.queue_id,
                        c.committed(q).unwrap(),
                        c.max_offset(q).unwrap(),
                    )
                })
                .collect();
            if committed.iter().all(|(_, c, m)| c == m) || Instant::now() >= deadline {
                break committed;
            }
            assert!(c.poll(Duration::from_millis(200), 64).unwrap().is_empty());
        };
        for (q, done, max) in &committed {
            assert_eq!(max, &end[q], "{:?}: queue {} max offset", expr, q);
            assert_eq!(
                done, max,
                "{:?}: queue {} committed {} of {}",
                expr, q, done, max
            );
        }
        c.shutdown().unwrap();

        // One-shot pull with the same expression.
        let c = consumer(&cluster.namesrv, &[]);
        c.start().unwrap();
        let pulled = pull_sent(&c, &results, expr);
        let ids: Vec<&str> = pulled.iter().map(|m| m.msg_id()).collect();
        assert_eq!(ids.len(), wanted.len(), "{:?}: pulled {:?}", expr, ids);
        assert_eq!(
            ids.into_iter().collect::<HashSet<_>>(),
            wanted,
            "{:?}",
            expr
        );
        c.shutdown().unwrap();
    }
    p.shutdown().unwrap();
}
