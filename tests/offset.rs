//! Consumer offsets against the real cluster (issue 15): where a new group
//! starts (consume-from-where, and the broker rule that overrides it on
//! young queues), committed offsets surviving a consumer restart, and the
//! offset calls (committed, min/max, update).

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use rocketmq::protocol::message_ext::MessageExt;
use rocketmq::{ErrorKind, Message, MessageQueue, PullConsumer, SendResult};

/// A consumer of `group` (a fresh one when None) on `namesrv`.
fn consumer(namesrv: &str, group: Option<&str>, settings: &[(&str, &str)]) -> PullConsumer {
    let group = group.map_or_else(|| common::unique_topic("cg"), str::to_string);
    let c = PullConsumer::new(&group).unwrap();
    c.set("namesrvAddr", namesrv).unwrap();
    for (k, v) in settings {
        c.set(k, v).unwrap();
    }
    c
}

/// Polls (at most `max` per poll) until `n` messages arrived or `within`
/// passed.
fn drain_by(c: &PullConsumer, n: usize, max: usize, within: Duration) -> Vec<MessageExt> {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        out.extend(
            c.poll(Duration::from_millis(500), max.min(n - out.len()))
                .unwrap(),
        );
    }
    out
}

fn drain(c: &PullConsumer, n: usize, within: Duration) -> Vec<MessageExt> {
    drain_by(c, n, 64, within)
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

/// The master address of the cluster's (only) broker.
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

/// `ms` as `yyyyMMddHHmmss` in local time (the `consumeTimestamp` format).
fn local_timestamp(ms: i64) -> String {
    let secs = (ms / 1000) as libc::time_t;
    // SAFETY: an all-zero `tm` is a valid value; localtime_r writes only
    // into the exclusively borrowed `tm`.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call.
    assert!(!unsafe { libc::localtime_r(&secs, &mut tm) }.is_null());
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

/// The ids of `msgs`, checking there are no duplicates.
fn id_set(what: &str, msgs: &[MessageExt]) -> HashSet<String> {
    let ids: HashSet<String> = msgs.iter().map(|m| m.msg_id().to_string()).collect();
    assert_eq!(ids.len(), msgs.len(), "{}: duplicate messages", what);
    ids
}

fn ids_of(sent: &[SendResult]) -> HashSet<String> {
    sent.iter().map(|r| r.msg_id.clone()).collect()
}

/// Waits until the broker's consume queues count every message of `sent`.
fn wait_dispatched(broker: &str, topic: &str, sent: &[SendResult]) {
    let mut end: BTreeMap<i32, i64> = BTreeMap::new();
    for r in sent {
        let e = end.entry(r.message_queue.queue_id).or_insert(0);
        *e = (*e).max(r.queue_offset + 1);
    }
    for (q, e) in end {
        assert_eq!(
            common::max_offset_reaching(broker, topic, q, e),
            e,
            "queue {}",
            q
        );
    }
}

/// QUERY_CONSUMER_OFFSET (14) as Java's client sends it (no
/// `setZeroIfNotFound`), on a plain socket: the response code and offset.
fn raw_query_offset(
    broker: &str,
    group: &str,
    topic: &str,
    queue_id: i32,
) -> (i32, Option<String>) {
    let qid = queue_id.to_string();
    let resp = common::request(
        broker,
        14,
        &[
            ("consumerGroup", group),
            ("topic", topic),
            ("queueId", &qid),
        ],
    );
    (resp.code, resp.ext("offset").map(str::to_string))
}

#[test]
fn offset_new_group_starts_where_consume_from_where_says() {
    let cluster = common::shared();
    let broker = broker_addr(&cluster.namesrv);
    let topic = common::unique_topic("FromWhere");
    let p = common::producer(&cluster.namesrv, &[]);

    // Batch 1 ("old"): every queue but one, which stays empty for now.
    let mut old = vec![p
        .send(&Message::new(topic.as_str(), &b"old seed"[..]))
        .unwrap()];
    let queues: Vec<MessageQueue> = p.queues(&topic).unwrap();
    assert!(queues.len() >= 2);
    let seed_q = old[0].message_queue.queue_id;
    let empty_q = if queues.last().unwrap().queue_id != seed_q {
        queues.last().unwrap().clone()
    } else {
        queues[0].clone()
    };
    for q in queues.iter().filter(|q| **q != empty_q) {
        for i in 0..3 {
            let m = Message::new(
                topic.as_str(),
                format!("old {} {}", q.queue_id, i).into_bytes(),
            );
            old.push(p.send_to_queue(&m, q).unwrap());
        }
    }
    wait_dispatched(&broker, &topic, &old);
    let old_ids = ids_of(&old);

    // The broker rule behind what follows (docs/consumer-protocol.md §6.1,
    // §6.4; Java `ConsumerManageProcessor.queryConsumerOffset`): for a group
    // with no stored offset, QUERY_CONSUMER_OFFSET answers offset 0 when
    // the queue's min offset is 0 and message 0 is still in memory (a
    // young queue), and QUERY_NOT_FOUND (22) only for an empty (or old)
    // queue. Java's clients (and this one) take an answered offset as the
    // group's own, so consume-from-where only decides where 22 came back.
    let nobody = common::unique_topic("nobody");
    for q in &queues {
        let answer = raw_query_offset(&broker, &nobody, &topic, q.queue_id);
        if *q == empty_q {
            assert_eq!(answer.0, 22, "empty queue {}: {:?}", q.queue_id, answer);
        } else {
            assert_eq!(
                answer,
                (0, Some("0".to_string())),
                "young queue {}",
                q.queue_id
            );
        }
    }

    // A consume timestamp between the batches (whole seconds: the
    // setting is yyyyMMddHHmmss).
    let ts_ms = (now_ms() / 1000 + 1) * 1000;
    let consume_ts = local_timestamp(ts_ms);
    assert_eq!(
        rocketmq::consumer::config::parse_timestamp(&consume_ts).unwrap(),
        ts_ms
    );

    // Groups started between the batches: LAST and TIMESTAMP get batch 1
    // anyway (the young queues answer offset 0, as for Java's consumers);
    // the empty queue starts where consume-from-where says (LAST: its max,
    // 0; TIMESTAMP: the search on an empty queue, 0).
    let last_early = consumer(
        &cluster.namesrv,
        None,
        &[("consumeFromWhere", "CONSUME_FROM_LAST_OFFSET")],
    );
    let ts_early = consumer(
        &cluster.namesrv,
        None,
        &[
            ("consumeFromWhere", "CONSUME_FROM_TIMESTAMP"),
            ("consumeTimestamp", &consume_ts),
        ],
    );
    for c in [&last_early, &ts_early] {
        c.subscribe(&topic, "*").unwrap();
        c.start().unwrap();
    }
    for (name, c) in [("LAST early", &last_early), ("TIMESTAMP early", &ts_early)] {
        let got = drain(c, old.len(), Duration::from_secs(30));
        assert_eq!(id_set(name, &got), old_ids, "{}: batch 1", name);
        // Every queue is owned and ready (the empty one too) before
        // batch 2 goes out.
        let deadline = Instant::now() + Duration::from_secs(20);
        while c.assignment().unwrap().len() < queues.len() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(c.assignment().unwrap().len(), queues.len(), "{}", name);
    }
    std::thread::sleep(Duration::from_millis(
        (ts_ms + 300 - now_ms()).max(0) as u64 + 1000,
    ));
    assert!(now_ms() > ts_ms + 300);

    // Batch 2 ("new"), in every queue.
    let mut new = Vec::new();
    for q in &queues {
        for i in 0..2 {
            let m = Message::new(
                topic.as_str(),
                format!("new {} {}", q.queue_id, i).into_bytes(),
            );
            new.push(p.send_to_queue(&m, q).unwrap());
        }
    }
    wait_dispatched(&broker, &topic, &new);
    let new_ids = ids_of(&new);
    for (name, c) in [("LAST early", &last_early), ("TIMESTAMP early", &ts_early)] {
        let mut got = drain(c, new.len(), Duration::from_secs(30));
        got.extend(extra(c, Duration::from_millis(500)));
        assert_eq!(id_set(name, &got), new_ids, "{}: batch 2", name);
        c.shutdown().unwrap();
    }

    // Where TIMESTAMP would start if the broker answered 22: the first
    // offset of batch 2 in every queue (what Java's consumer computes with
    // SEARCH_OFFSET_BY_TIMESTAMP).
    let first = consumer(
        &cluster.namesrv,
        None,
        &[("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")],
    );
    let last = consumer(
        &cluster.namesrv,
        None,
        &[("consumeFromWhere", "CONSUME_FROM_LAST_OFFSET")],
    );
    let stamped = consumer(
        &cluster.namesrv,
        None,
        &[
            ("consumeFromWhere", "CONSUME_FROM_TIMESTAMP"),
            ("consumeTimestamp", &consume_ts),
        ],
    );
    for c in [&first, &last, &stamped] {
        c.subscribe(&topic, "*").unwrap();
        c.start().unwrap();
    }
    for q in &queues {
        let first_new = new
            .iter()
            .filter(|r| r.message_queue == *q)
            .map(|r| r.queue_offset)
            .min()
            .unwrap();
        assert_eq!(
            stamped.offset_for_timestamp(q, ts_ms).unwrap(),
            first_new,
            "queue {}",
            q.queue_id
        );
    }
    // Brand-new groups after both batches: all queues are young and hold
    // messages, so the broker answers offset 0 everywhere and FIRST, LAST
    // and TIMESTAMP all start at 0 (Java's DefaultLitePullConsumer does the
    // same against this broker). FIRST gets old messages by definition.
    let all: HashSet<String> = old_ids.union(&new_ids).cloned().collect();
    for (name, c) in [("FIRST", &first), ("LAST", &last), ("TIMESTAMP", &stamped)] {
        let mut got = drain(c, all.len(), Duration::from_secs(30));
        got.extend(extra(c, Duration::from_millis(500)));
        assert_eq!(id_set(name, &got), all, "{}: both batches", name);
        c.shutdown().unwrap();
    }
    p.shutdown().unwrap();
}

/// Where a restarted member of a group must resume: per queue, the offset
/// after the last message polled before the commit.
fn polled_ends(polled: &[MessageExt]) -> HashMap<i32, i64> {
    let mut by_queue: HashMap<i32, Vec<i64>> = HashMap::new();
    for m in polled {
        by_queue.entry(m.queue_id).or_default().push(m.queue_offset);
    }
    by_queue
        .into_iter()
        .map(|(q, mut offsets)| {
            offsets.sort_unstable();
            // A prefix of the queue from 0 (the group started at FIRST).
            let expected: Vec<i64> = (0..offsets.len() as i64).collect();
            assert_eq!(offsets, expected, "queue {}: polled offsets", q);
            (q, offsets.len() as i64)
        })
        .collect()
}

/// Checks that `resumed` is exactly what `sent` holds at or after `ends`
/// (0 for a queue missing there).
fn assert_resumed(
    what: &str,
    sent: &[SendResult],
    ends: &HashMap<i32, i64>,
    resumed: &[MessageExt],
) {
    for m in resumed {
        let end = ends.get(&m.queue_id).copied().unwrap_or(0);
        assert!(
            m.queue_offset >= end,
            "{}: queue {} offset {} is before the committed {}",
            what,
            m.queue_id,
            m.queue_offset,
            end
        );
    }
    let expected: HashSet<String> = sent
        .iter()
        .filter(|r| r.queue_offset >= ends.get(&r.message_queue.queue_id).copied().unwrap_or(0))
        .map(|r| r.msg_id.clone())
        .collect();
    assert_eq!(id_set(what, resumed), expected, "{}: resumed set", what);
}

#[test]
fn offset_commits_survive_a_consumer_restart() {
    let cluster = common::shared();
    let broker = broker_addr(&cluster.namesrv);
    let topic = common::unique_topic("Restart");
    let p = common::producer(&cluster.namesrv, &[]);
    let sent: Vec<SendResult> = (0..40)
        .map(|i| {
            p.send(&Message::new(
                topic.as_str(),
                format!("restart {}", i).into_bytes(),
            ))
            .unwrap()
        })
        .collect();
    wait_dispatched(&broker, &topic, &sent);

    // Explicit commit: A polls part, commits, stops; B resumes.
    let group = common::unique_topic("cgRestart");
    let settings = [
        ("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET"),
        ("autoCommit", "false"),
    ];
    let a = consumer(&cluster.namesrv, Some(&group), &settings);
    a.subscribe(&topic, "*").unwrap();
    a.start().unwrap();
    let polled = drain_by(&a, 15, 3, Duration::from_secs(30));
    assert_eq!(polled.len(), 15);
    a.commit().unwrap();
    let ends = polled_ends(&polled);
    let queues = a.fetch_queues(&topic).unwrap();
    for q in &queues {
        let expected = ends.get(&q.queue_id).copied().unwrap_or(0);
        assert_eq!(a.committed(q).unwrap(), expected, "A: queue {}", q.queue_id);
    }
    a.shutdown().unwrap();

    let b = consumer(&cluster.namesrv, Some(&group), &settings);
    b.subscribe(&topic, "*").unwrap();
    b.start().unwrap();
    let mut resumed = drain(&b, sent.len() - polled.len(), Duration::from_secs(30));
    resumed.extend(extra(&b, Duration::from_millis(1000)));
    assert_resumed("B after A's commit", &sent, &ends, &resumed);
    b.shutdown().unwrap();

    // autoCommit: C's shutdown commits what it polled (the interval is far
    // away, so only the shutdown commits); D resumes there.
    let group = common::unique_topic("cgAuto");
    let settings = [
        ("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET"),
        ("autoCommit", "true"),
        ("autoCommitIntervalMillis", "3600000"),
    ];
    let c = consumer(&cluster.namesrv, Some(&group), &settings);
    c.subscribe(&topic, "*").unwrap();
    c.start().unwrap();
    let polled = drain_by(&c, 22, 4, Duration::from_secs(30));
    assert_eq!(polled.len(), 22);
    c.shutdown().unwrap();
    let ends = polled_ends(&polled);

    let d = consumer(&cluster.namesrv, Some(&group), &settings);
    d.subscribe(&topic, "*").unwrap();
    d.start().unwrap();
    for q in &queues {
        let expected = ends.get(&q.queue_id).copied().unwrap_or(0);
        assert_eq!(
            d.committed(q).unwrap(),
            expected,
            "after C's shutdown: queue {}",
            q.queue_id
        );
    }
    let mut resumed = drain(&d, sent.len() - polled.len(), Duration::from_secs(30));
    resumed.extend(extra(&d, Duration::from_millis(1000)));
    assert_resumed("D after C's shutdown", &sent, &ends, &resumed);
    d.shutdown().unwrap();

    // autoCommit's periodic commit: while E still runs, the broker holds
    // what E polled within about one interval (read with a raw
    // QUERY_CONSUMER_OFFSET, not through E).
    let group = common::unique_topic("cgPeriodic");
    let settings = [
        ("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET"),
        ("autoCommit", "true"),
        ("autoCommitIntervalMillis", "1000"),
    ];
    let e = consumer(&cluster.namesrv, Some(&group), &settings);
    e.subscribe(&topic, "*").unwrap();
    e.start().unwrap();
    let polled = drain_by(&e, 9, 3, Duration::from_secs(30));
    assert_eq!(polled.len(), 9);
    let ends = polled_ends(&polled);
    let stored = || -> Vec<(i32, i64)> {
        queues
            .iter()
            .filter_map(|q| {
                let (code, offset) = raw_query_offset(&broker, &group, &topic, q.queue_id);
                assert_eq!(code, 0, "queue {}", q.queue_id);
                Some((q.queue_id, offset?.parse().unwrap()))
            })
            .collect()
    };
    let wanted: Vec<(i32, i64)> = queues
        .iter()
        .map(|q| (q.queue_id, ends.get(&q.queue_id).copied().unwrap_or(0)))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(5);
    while stored() != wanted && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(stored(), wanted, "offsets stored by the periodic commit");
    e.shutdown().unwrap();
    p.shutdown().unwrap();
}

#[test]
fn offset_committed_min_max_and_update() {
    let cluster = common::shared();
    let broker = broker_addr(&cluster.namesrv);
    let topic = common::unique_topic("OffsetCalls");
    let p = common::producer(&cluster.namesrv, &[]);
    let seed = p.send(&Message::new(topic.as_str(), &b"seed"[..])).unwrap();
    let queues = p.queues(&topic).unwrap();
    assert!(queues.len() >= 3);
    // Queue a: the seed's queue plus 6; queue b: 3; queue e: none.
    let qa = seed.message_queue.clone();
    let others: Vec<&MessageQueue> = queues.iter().filter(|q| **q != qa).collect();
    let (qb, qe) = (others[0].clone(), others[1].clone());
    let mut sent = vec![seed];
    for (q, n) in [(&qa, 6), (&qb, 3)] {
        for i in 0..n {
            let m = Message::new(topic.as_str(), format!("calls {}", i).into_bytes());
            sent.push(p.send_to_queue(&m, q).unwrap());
        }
    }
    wait_dispatched(&broker, &topic, &sent);
    let count = |q: &MessageQueue| sent.iter().filter(|r| r.message_queue == *q).count() as i64;
    assert_eq!((count(&qa), count(&qb), count(&qe)), (7, 3, 0));

    // A started consumer without subscriptions: the one-shot calls only.
    let c = consumer(&cluster.namesrv, None, &[]);
    assert_eq!(
        c.committed(&qa).unwrap_err().kind(),
        ErrorKind::InvalidState,
        "before start"
    );
    c.start().unwrap();
    let fetched = c.fetch_queues(&topic).unwrap();
    assert_eq!(fetched.len(), queues.len());
    for q in &fetched {
        assert_eq!(c.min_offset(q).unwrap(), 0, "queue {}", q.queue_id);
        assert_eq!(c.max_offset(q).unwrap(), count(q), "queue {}", q.queue_id);
    }
    // committed() of a fresh group is what the broker's QUERY answers:
    // -1 (QUERY_NOT_FOUND) for the empty queue, but 0 for the young
    // queues holding messages (the broker's "message 0 still in memory"
    // rule, docs/consumer-protocol.md §6.1; Java's `committed` returns the
    // same).
    assert_eq!(c.committed(&qe).unwrap(), -1, "empty queue");
    assert_eq!(c.committed(&qa).unwrap(), 0, "young queue");
    assert_eq!(c.committed(&qb).unwrap(), 0, "young queue");

    c.update_offset(&qa, 5).unwrap();
    assert_eq!(c.committed(&qa).unwrap(), 5);
    c.update_offset(&qa, 7).unwrap();
    assert_eq!(c.committed(&qa).unwrap(), 7);
    // Lower than the stored offset: Java's broker overwrites; the Rust
    // broker 1.0.0 ignores it and answers SUCCESS (§6.2, C8).
    c.update_offset(&qa, 2).unwrap();
    let after_lower = c.committed(&qa).unwrap();
    assert_eq!(after_lower, 7, "after a lower update");
    c.update_offset(&qe, 0).unwrap();
    assert_eq!(c.committed(&qe).unwrap(), 0, "stored 0 on the empty queue");
    c.update_offset(&qb, 1).unwrap();
    assert_eq!(c.committed(&qb).unwrap(), 1);
    assert_eq!(
        c.update_offset(&qa, -1).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    // Another group's offsets are its own.
    let other = consumer(&cluster.namesrv, None, &[]);
    other.start().unwrap();
    assert_eq!(other.committed(&qe).unwrap(), -1);
    other.shutdown().unwrap();

    // A subscribed member of the group starts at the stored offsets (once
    // `c` left: a running member, subscribed or not, takes its share of
    // the queues in the rebalance).
    let group = c.config().consumer_group;
    c.shutdown().unwrap();
    assert_eq!(c.committed(&qa).unwrap_err().kind(), ErrorKind::Shutdown);
    let member = consumer(
        &cluster.namesrv,
        Some(&group),
        &[
            ("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET"),
            ("autoCommit", "false"),
        ],
    );
    member.subscribe(&topic, "*").unwrap();
    member.start().unwrap();
    let stored_a = after_lower;
    let expected = (count(&qa) - stored_a) + (count(&qb) - 1);
    let mut got = drain(&member, expected as usize, Duration::from_secs(30));
    got.extend(extra(&member, Duration::from_millis(1000)));
    let mut ends = HashMap::new();
    ends.insert(qa.queue_id, stored_a);
    ends.insert(qb.queue_id, 1);
    assert_resumed("member after update_offset", &sent, &ends, &got);
    // After polling everything and committing, committed() = max.
    member.commit().unwrap();
    for q in [&qa, &qb] {
        assert_eq!(member.committed(q).unwrap(), member.max_offset(q).unwrap());
    }
    member.shutdown().unwrap();
    p.shutdown().unwrap();
}
