//! Rebalance of a consumer group against the real cluster: members split
//! a topic's queues (AVG), a member joining and one leaving re-split them
//! within a round, and across the changes every message is received at
//! least once, with duplicates bounded by what was polled but not yet
//! committed when a queue moved.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rocketmq::{Message, MessageQueue, PullConsumer};

const QUEUES: usize = 8;
const ROUND_MS: u64 = 1000;
const COMMIT_MS: u64 = 1000;

/// A member of the group polling on its own thread; what it received.
struct Member {
    consumer: Arc<PullConsumer>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn member(namesrv: &str, group: &str, topic: &str, got: Arc<Mutex<Vec<String>>>) -> Member {
    let c = PullConsumer::new(group).unwrap();
    c.set("namesrvAddr", namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c.set("rebalanceIntervalMillis", &ROUND_MS.to_string())
        .unwrap();
    c.set("autoCommitIntervalMillis", &COMMIT_MS.to_string())
        .unwrap();
    c.subscribe(topic, "*").unwrap();
    c.start().unwrap();
    let consumer = Arc::new(c);
    let stop = Arc::new(AtomicBool::new(false));
    let (c2, s2) = (consumer.clone(), stop.clone());
    let thread = std::thread::spawn(move || {
        while !s2.load(Ordering::Relaxed) {
            match c2.poll(Duration::from_millis(100), 32) {
                Ok(msgs) => got
                    .lock()
                    .unwrap()
                    .extend(msgs.iter().map(|m| m.msg_id().to_string())),
                Err(_) => return,
            }
        }
    });
    Member {
        consumer,
        stop,
        thread: Some(thread),
    }
}

impl Member {
    fn assignment(&self) -> BTreeSet<MessageQueue> {
        self.consumer.assignment().unwrap().into_iter().collect()
    }

    /// Stops polling, then shuts down (committing, unregistering).
    fn leave(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.consumer.shutdown().unwrap();
    }
}

/// Waits until the members own disjoint sets that cover every queue, with
/// sizes as AVG gives them; the time it took.
fn wait_split(members: &[&Member], within: Duration) -> Duration {
    let start = Instant::now();
    let n = members.len();
    let mut last = Vec::new();
    while start.elapsed() < within {
        last = members.iter().map(|m| m.assignment()).collect::<Vec<_>>();
        let total: usize = last.iter().map(|s| s.len()).sum();
        let union: BTreeSet<&MessageQueue> = last.iter().flatten().collect();
        let mut sizes: Vec<usize> = last.iter().map(|s| s.len()).collect();
        sizes.sort_unstable();
        let mut want: Vec<usize> = (0..n)
            .map(|i| QUEUES / n + usize::from(i < QUEUES % n))
            .collect();
        want.sort_unstable();
        if total == QUEUES && union.len() == QUEUES && sizes == want {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "no split among {} members within {:?}: {:?}",
        n, within, last
    );
}

#[test]
fn rebalance_members_split_and_resplit_without_losing_messages() {
    let cluster = common::shared();
    let topic = common::unique_topic("Rebal");
    let group = common::unique_topic("RebalG");
    let producer = common::producer(
        &cluster.namesrv,
        &[("defaultTopicQueueNums", &QUEUES.to_string())],
    );
    // Create the topic with its 8 queues before anyone subscribes.
    let first = producer.send(&Message::new(&topic, &b"first"[..]));
    let sent: Vec<String> = vec![first.unwrap().msg_id];
    let producer = Arc::new(producer);

    // A producer thread sends at ~250 msgs/s during all the changes.
    let sending = Arc::new(AtomicBool::new(true));
    let sent_ids = Arc::new(Mutex::new(sent));
    let sender = {
        let (p, on, ids, topic) = (
            producer.clone(),
            sending.clone(),
            sent_ids.clone(),
            topic.clone(),
        );
        std::thread::spawn(move || {
            let mut i = 0u64;
            while on.load(Ordering::Relaxed) {
                let r = p
                    .send(&Message::new(&topic, format!("m{}", i).into_bytes()))
                    .unwrap();
                ids.lock().unwrap().push(r.msg_id);
                i += 1;
                std::thread::sleep(Duration::from_millis(4));
            }
        })
    };

    let got = Arc::new(Mutex::new(Vec::new()));
    let a = member(&cluster.namesrv, &group, &topic, got.clone());
    let b = member(&cluster.namesrv, &group, &topic, got.clone());
    let t2 = wait_split(&[&a, &b], Duration::from_secs(20));
    eprintln!("two members split in {:?}", t2);

    // A third joins: NOTIFY_CONSUMER_IDS_CHANGED, or at the latest the
    // next round, re-splits 3/3/2.
    let c = member(&cluster.namesrv, &group, &topic, got.clone());
    let t3 = wait_split(&[&a, &b, &c], Duration::from_secs(20));
    eprintln!("third member joined, split in {:?}", t3);
    assert!(
        t3 <= Duration::from_millis(ROUND_MS * 3 + 2000),
        "re-split after a join took {:?} (round {} ms)",
        t3,
        ROUND_MS
    );

    // One leaves (commits, unregisters): the others re-split 4/4.
    let left_at = Instant::now();
    a.leave();
    let t4 = wait_split(&[&b, &c], Duration::from_secs(20));
    eprintln!(
        "one member left, split in {:?} ({:?} after shutdown began)",
        t4,
        left_at.elapsed()
    );
    assert!(
        t4 <= Duration::from_millis(ROUND_MS * 3 + 2000),
        "re-split after a leave took {:?} (round {} ms)",
        t4,
        ROUND_MS
    );

    std::thread::sleep(Duration::from_millis(500));
    sending.store(false, Ordering::Relaxed);
    sender.join().unwrap();
    let sent = sent_ids.lock().unwrap().clone();

    // Drain: every sent message arrives at least once.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let received: BTreeSet<String> = got.lock().unwrap().iter().cloned().collect();
        let missing = sent.iter().filter(|id| !received.contains(*id)).count();
        if missing == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} sent messages never received",
            missing,
            sent.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    b.leave();
    c.leave();

    // Duplicates: only what was polled after the last commit of a queue
    // that moved can come again. Each change moves at most QUEUES queues;
    // a queue gets ~250/8 msgs/s, so one commit interval of a queue holds
    // about 32 messages; allow that plus one pull batch per moved queue.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for id in got.lock().unwrap().iter() {
        *counts.entry(id.clone()).or_default() += 1;
    }
    let dups: usize = counts.values().map(|n| n - 1).sum();
    let per_queue_window = 250 * COMMIT_MS as usize / 1000 / QUEUES + 32;
    let bound = 2 * QUEUES * per_queue_window;
    eprintln!(
        "sent {}, received {}, duplicates {} (bound {})",
        sent.len(),
        counts.len(),
        dups,
        bound
    );
    assert!(dups <= bound, "{} duplicates, bound {}", dups, bound);
    producer.shutdown().unwrap();
}

/// A started, subscribed consumer of `group` with extra settings.
fn started(namesrv: &str, group: &str, topic: &str, settings: &[(&str, &str)]) -> PullConsumer {
    let c = PullConsumer::new(group).unwrap();
    c.set("namesrvAddr", namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c.set("rebalanceIntervalMillis", &ROUND_MS.to_string())
        .unwrap();
    for (k, v) in settings {
        c.set(k, v).unwrap();
    }
    c.subscribe(topic, "*").unwrap();
    c.start().unwrap();
    c
}

#[test]
fn rebalance_circle_strategy_deals_queues_round_robin() {
    let cluster = common::shared();
    let topic = common::unique_topic("Circle");
    let group = common::unique_topic("CircleG");
    let producer = common::producer(
        &cluster.namesrv,
        &[("defaultTopicQueueNums", &QUEUES.to_string())],
    );
    producer.send(&Message::new(&topic, &b"x"[..])).unwrap();
    let circle = [("allocateMessageQueueStrategy", "AVG_BY_CIRCLE")];
    let members = [
        started(&cluster.namesrv, &group, &topic, &circle),
        started(&cluster.namesrv, &group, &topic, &circle),
    ];
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let owned: Vec<Vec<MessageQueue>> =
            members.iter().map(|m| m.assignment().unwrap()).collect();
        let ids: Vec<Vec<i32>> = owned
            .iter()
            .map(|q| q.iter().map(|q| q.queue_id).collect())
            .collect();
        // Both halves dealt by parity (which member is "first" depends on
        // the sorted client ids).
        let evens: Vec<i32> = (0..QUEUES as i32).filter(|i| i % 2 == 0).collect();
        let odds: Vec<i32> = (0..QUEUES as i32).filter(|i| i % 2 == 1).collect();
        if (ids[0] == evens && ids[1] == odds) || (ids[0] == odds && ids[1] == evens) {
            break;
        }
        assert!(Instant::now() < deadline, "no round-robin split: {:?}", ids);
        std::thread::sleep(Duration::from_millis(50));
    }
    for m in &members {
        m.shutdown().unwrap();
    }
    producer.shutdown().unwrap();
}

#[test]
fn rebalance_broadcasting_gives_every_member_every_queue() {
    let cluster = common::shared();
    let topic = common::unique_topic("Bcast");
    let group = common::unique_topic("BcastG");
    let producer = common::producer(
        &cluster.namesrv,
        &[("defaultTopicQueueNums", &QUEUES.to_string())],
    );
    let n = 40;
    let mut sent = BTreeSet::new();
    for i in 0..n {
        let body = format!("b{}", i).into_bytes();
        sent.insert(producer.send(&Message::new(&topic, body)).unwrap().msg_id);
    }
    let bcast = [("messageModel", "BROADCASTING")];
    let members = [
        started(&cluster.namesrv, &group, &topic, &bcast),
        started(&cluster.namesrv, &group, &topic, &bcast),
    ];
    for m in &members {
        let mut got = BTreeSet::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while got.len() < n && Instant::now() < deadline {
            for msg in m.poll(Duration::from_millis(200), 64).unwrap() {
                got.insert(msg.msg_id().to_string());
            }
        }
        assert_eq!(got, sent, "a broadcasting member missed messages");
        assert_eq!(m.assignment().unwrap().len(), QUEUES);
    }
    for m in &members {
        m.shutdown().unwrap();
    }
    producer.shutdown().unwrap();
}
