//! Seeking a pull consumer against the real cluster (issue 15): by
//! timestamp, to a queue's begin and end, and the checks on what may be
//! sought.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use rocketmq::protocol::message_ext::MessageExt;
use rocketmq::{ErrorKind, Message, MessageQueue, Producer, PullConsumer, SendResult};

/// A consumer of a fresh group on `namesrv`.
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

/// A new topic with `per_queue[i]` messages in queue i, after a seed
/// message that creates the topic (in whatever queue the producer picks):
/// the send results and the topic's queues.
fn fill(
    p: &Producer,
    topic: &str,
    label: &str,
    per_queue: &[usize],
) -> (Vec<SendResult>, Vec<MessageQueue>) {
    let seed = p
        .send(&Message::new(topic, format!("{} seed", label).into_bytes()))
        .unwrap();
    let queues = p.queues(topic).unwrap();
    assert_eq!(queues.len(), per_queue.len());
    let mut sent = vec![seed];
    sent.extend(send_per_queue(p, topic, label, &queues, per_queue));
    (sent, queues)
}

/// `per_queue[i]` messages to queue i.
fn send_per_queue(
    p: &Producer,
    topic: &str,
    label: &str,
    queues: &[MessageQueue],
    per_queue: &[usize],
) -> Vec<SendResult> {
    let mut sent = Vec::new();
    for (q, n) in queues.iter().zip(per_queue) {
        for i in 0..*n {
            let m = Message::new(
                topic,
                format!("{} q{} #{}", label, q.queue_id, i).into_bytes(),
            );
            sent.push(p.send_to_queue(&m, q).unwrap());
        }
    }
    sent
}

#[test]
fn seek_by_timestamp_lands_on_the_right_offset() {
    let cluster = common::shared();
    let broker = broker_addr(&cluster.namesrv);
    let topic = common::unique_topic("SeekTs");
    let p = common::producer(&cluster.namesrv, &[]);
    let (batch1, queues) = fill(&p, &topic, "batch 1", &[3, 1, 4, 2]);
    wait_dispatched(&broker, &topic, &batch1);
    std::thread::sleep(Duration::from_millis(1500));
    let t = now_ms();
    let batch2 = send_per_queue(&p, &topic, "batch 2", &queues, &[2, 3, 1, 2]);
    wait_dispatched(&broker, &topic, &batch2);

    // Assign mode: every queue, from the first offset.
    let c = consumer(&cluster.namesrv, &[("autoCommit", "false")]);
    c.assign(&queues).unwrap();
    c.start().unwrap();
    let everything = batch1.len() + batch2.len();
    let got = drain(&c, everything, Duration::from_secs(30));
    assert_eq!(got.len(), everything);

    for q in &queues {
        let first_of_2 = batch2
            .iter()
            .filter(|r| r.message_queue == *q)
            .map(|r| r.queue_offset)
            .min()
            .unwrap();
        let last_of_1 = batch1
            .iter()
            .filter(|r| r.message_queue == *q)
            .map(|r| r.queue_offset)
            .max()
            .unwrap();
        assert_eq!(first_of_2, last_of_1 + 1);
        assert_eq!(
            c.offset_for_timestamp(q, t).unwrap(),
            first_of_2,
            "queue {}: offset for {}",
            q.queue_id,
            t
        );
        // The ends: before everything, 0; after everything, the max.
        assert_eq!(c.offset_for_timestamp(q, 0).unwrap(), 0);
        assert_eq!(
            c.offset_for_timestamp(q, now_ms() + 3_600_000).unwrap(),
            c.max_offset(q).unwrap()
        );
        c.seek(q, first_of_2).unwrap();
    }
    let mut again = drain(&c, batch2.len(), Duration::from_secs(30));
    again.extend(extra(&c, Duration::from_millis(1000)));
    assert_eq!(id_set("after the seek", &again), ids_of(&batch2));
    for m in &again {
        assert!(
            m.store_timestamp >= t,
            "stored {} before {}",
            m.store_timestamp,
            t
        );
    }
    c.shutdown().unwrap();

    // The same with subscribe: seek once the rebalance gave the queues.
    let c = consumer(&cluster.namesrv, &[("autoCommit", "false")]);
    c.subscribe(&topic, "*").unwrap();
    c.start().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.assignment().unwrap().len() < queues.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(c.assignment().unwrap(), queues);
    for q in &queues {
        let offset = c.offset_for_timestamp(q, t).unwrap();
        c.seek(q, offset).unwrap();
    }
    let mut again = drain(&c, batch2.len(), Duration::from_secs(30));
    again.extend(extra(&c, Duration::from_millis(1000)));
    assert_eq!(
        id_set("subscribed, after the seek", &again),
        ids_of(&batch2)
    );
    c.shutdown().unwrap();
    p.shutdown().unwrap();
}

#[test]
fn seek_to_begin_and_end() {
    let cluster = common::shared();
    let broker = broker_addr(&cluster.namesrv);
    let topic = common::unique_topic("SeekEnds");
    let p = common::producer(&cluster.namesrv, &[]);
    let (sent, queues) = fill(&p, &topic, "first", &[2, 3, 2, 1]);
    wait_dispatched(&broker, &topic, &sent);

    let c = consumer(&cluster.namesrv, &[("autoCommit", "false")]);
    c.assign(&queues).unwrap();
    c.start().unwrap();
    let got = drain(&c, sent.len(), Duration::from_secs(30));
    assert_eq!(id_set("first pass", &got), ids_of(&sent));

    // Back to the beginning: everything once more.
    for q in &queues {
        c.seek_to_begin(q).unwrap();
    }
    let mut again = drain(&c, sent.len(), Duration::from_secs(30));
    again.extend(extra(&c, Duration::from_millis(1000)));
    assert_eq!(id_set("after seek_to_begin", &again), ids_of(&sent));

    // Back half-way into one queue, then to the end of every queue:
    // nothing until new messages arrive, then only those.
    c.seek(&queues[1], 1).unwrap();
    for q in &queues {
        c.seek_to_end(q).unwrap();
    }
    assert!(extra(&c, Duration::from_millis(1500)).is_empty());
    let later = send_per_queue(&p, &topic, "later", &queues, &[1, 1, 2, 1]);
    let mut tail = drain(&c, later.len(), Duration::from_secs(30));
    tail.extend(extra(&c, Duration::from_millis(1000)));
    assert_eq!(id_set("after seek_to_end", &tail), ids_of(&later));

    // A seek to the begin of one queue replays only that queue.
    let queue2: Vec<&SendResult> = sent
        .iter()
        .chain(&later)
        .filter(|r| r.message_queue == queues[2])
        .collect();
    c.seek_to_begin(&queues[2]).unwrap();
    let mut replay = drain(&c, queue2.len(), Duration::from_secs(30));
    replay.extend(extra(&c, Duration::from_millis(1000)));
    assert_eq!(
        id_set("queue 2 replayed", &replay),
        queue2
            .iter()
            .map(|r| r.msg_id.clone())
            .collect::<HashSet<_>>()
    );
    let mut offsets: Vec<i64> = replay.iter().map(|m| m.queue_offset).collect();
    offsets.sort_unstable();
    assert_eq!(offsets, (0..queue2.len() as i64).collect::<Vec<_>>());

    // seek_to_end, then commit: the committed offset is the end.
    for q in &queues {
        c.seek_to_end(q).unwrap();
    }
    c.commit().unwrap();
    for q in &queues {
        assert_eq!(
            c.committed(q).unwrap(),
            c.max_offset(q).unwrap(),
            "queue {}",
            q.queue_id
        );
    }
    c.shutdown().unwrap();
    p.shutdown().unwrap();
}

#[test]
fn seek_rejects_unowned_queues_and_negative_offsets() {
    let cluster = common::shared();
    let broker = broker_addr(&cluster.namesrv);
    let topic = common::unique_topic("SeekBad");
    let p = common::producer(&cluster.namesrv, &[]);
    let (sent, queues) = fill(&p, &topic, "bad", &[1, 1, 1, 1]);
    wait_dispatched(&broker, &topic, &sent);

    let c = consumer(&cluster.namesrv, &[]);
    c.assign(&queues[..1]).unwrap();
    assert_eq!(
        c.seek(&queues[0], 0).unwrap_err().kind(),
        ErrorKind::InvalidState,
        "before start"
    );
    c.start().unwrap();
    // (Seeking right after start: seek_an_assigned_queue_right_after_start.)
    let got = drain(&c, 1, Duration::from_secs(30));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].queue_id, queues[0].queue_id);

    // A queue of the topic that is not assigned.
    let e = c.seek(&queues[1], 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{}", e);
    // A queue id the topic does not have.
    let mut beyond = queues[0].clone();
    beyond.queue_id = 1000;
    assert_eq!(
        c.seek(&beyond, 0).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    // Another topic's queue.
    let mut other = queues[0].clone();
    other.topic = common::unique_topic("NotMine").into();
    assert_eq!(
        c.seek(&other, 0).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    // Another broker's queue.
    let mut elsewhere = queues[0].clone();
    elsewhere.broker_name = "no-such-broker".into();
    assert_eq!(
        c.seek(&elsewhere, 0).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    // Malformed queues.
    let mut negative = queues[0].clone();
    negative.queue_id = -1;
    assert_eq!(
        c.seek(&negative, 0).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    let mut nameless = queues[0].clone();
    nameless.broker_name = "".into();
    assert_eq!(
        c.seek(&nameless, 0).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    let mut bad_topic = queues[0].clone();
    bad_topic.topic = "bad topic".into();
    assert_eq!(
        c.seek(&bad_topic, 0).unwrap_err().kind(),
        ErrorKind::InvalidTopic
    );
    // Negative offsets, on an owned queue too.
    for off in [-1, i64::MIN] {
        let e = c.seek(&queues[0], off).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{}: {}", off, e);
    }
    // Nothing of that disturbed the owned queue: a valid seek still works.
    c.seek(&queues[0], 0).unwrap();
    let got = drain(&c, 1, Duration::from_secs(30));
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].msg_id(),
        sent.iter()
            .find(|r| r.message_queue == queues[0])
            .unwrap()
            .msg_id
    );
    c.shutdown().unwrap();
    assert_eq!(
        c.seek(&queues[0], 0).unwrap_err().kind(),
        ErrorKind::Shutdown
    );
    assert_eq!(
        c.seek_to_begin(&queues[0]).unwrap_err().kind(),
        ErrorKind::Shutdown
    );
    assert_eq!(
        c.seek_to_end(&queues[0]).unwrap_err().kind(),
        ErrorKind::Shutdown
    );
    p.shutdown().unwrap();
}

#[test]
fn seek_an_assigned_queue_right_after_start() {
    let cluster = common::shared();
    let broker = broker_addr(&cluster.namesrv);
    let topic = common::unique_topic("SeekEarly");
    let p = common::producer(&cluster.namesrv, &[]);
    let (sent, queues) = fill(&p, &topic, "early", &[3, 0, 0, 0]);
    wait_dispatched(&broker, &topic, &sent);
    let in_q0: Vec<&SendResult> = sent
        .iter()
        .filter(|r| r.message_queue == queues[0])
        .collect();

    // `assign` makes the queues this consumer's (Java
    // `DefaultLitePullConsumer.assign`: the assigned set is updated at
    // once, and `seek`/`assignment` see it right after `start`).
    let c = consumer(&cluster.namesrv, &[("autoCommit", "false")]);
    c.assign(&queues[..1]).unwrap();
    c.start().unwrap();
    // (A failing assertion drops the consumer and producer, which shuts
    // them down.)
    c.seek(&queues[0], 2)
        .expect("seek of an assigned queue right after start");
    assert_eq!(
        c.assignment().unwrap(),
        queues[..1].to_vec(),
        "assignment right after start"
    );
    let mut got = drain(&c, in_q0.len() - 2, Duration::from_secs(30));
    got.extend(extra(&c, Duration::from_millis(1000)));
    let mut offsets: Vec<i64> = got.iter().map(|m| m.queue_offset).collect();
    offsets.sort_unstable();
    assert_eq!(offsets, (2..in_q0.len() as i64).collect::<Vec<_>>());
    c.shutdown().unwrap();
    p.shutdown().unwrap();
}
