//! The orderly push consumer against the real cluster: messages sent by
//! sharding key arrive in send order per key (also with several consume
//! threads, across a member joining, and with suspend-and-retry).

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocketmq::protocol::message_ext::MessageExt;
use rocketmq::{ConsumeStatus, Message, PushConsumer};

type Seen = Arc<Mutex<Vec<(String, u32, i32)>>>;

fn orderly(
    namesrv: &str,
    group: &str,
    topic: &str,
    settings: &[(&str, &str)],
    listener: impl Fn(&[MessageExt]) -> ConsumeStatus + Send + Sync + 'static,
) -> PushConsumer {
    let c = PushConsumer::new(group).unwrap();
    c.set("namesrvAddr", namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c.set("consumeThreadCount", "4").unwrap();
    c.set("rebalanceIntervalMillis", "1000").unwrap();
    for (k, v) in settings {
        c.set(k, v).unwrap();
    }
    c.subscribe(topic, "*").unwrap();
    c.register_orderly_listener(Arc::new(listener)).unwrap();
    c.start().unwrap();
    c
}

/// Sends `per_key` messages for each of `keys` keys, interleaved, each to
/// its key's queue; bodies are `key seq`.
fn send_by_key(namesrv: &str, topic: &str, keys: usize, per_key: u32) {
    let p = common::producer(namesrv, &[("defaultTopicQueueNums", "4")]);
    p.send(&Message::new(topic, &b"create"[..])).unwrap();
    for seq in 0..per_key {
        for k in 0..keys {
            let key = format!("key{}", k);
            let q = p.queue_for_key(topic, &key).unwrap();
            let m = Message::new(topic, format!("{} {}", key, seq).into_bytes());
            p.send_to_queue(&m, &q).unwrap();
        }
    }
    p.shutdown().unwrap();
}

fn record(seen: &Seen, msgs: &[MessageExt]) {
    let mut s = seen.lock().unwrap();
    for m in msgs {
        let text = String::from_utf8_lossy(&m.body).to_string();
        if let Some((k, n)) = text.split_once(' ') {
            if let Ok(n) = n.parse::<u32>() {
                s.push((k.to_string(), n, m.reconsume_times));
            }
        }
    }
}

/// Per key, the sequence numbers in arrival order, first deliveries only
/// (a suspended message comes again before any later one of its queue).
fn per_key(seen: &Seen) -> HashMap<String, Vec<u32>> {
    let mut out: HashMap<String, Vec<u32>> = HashMap::new();
    for (k, n, _) in seen.lock().unwrap().iter() {
        out.entry(k.clone()).or_default().push(*n);
    }
    out
}

fn wait_for(seen: &Seen, n: usize, within: Duration) {
    let deadline = Instant::now() + within;
    while seen.lock().unwrap().len() < n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn orderly_consume_keeps_send_order_per_key_with_four_threads() {
    let cluster = common::shared();
    let topic = common::unique_topic("Orderly");
    let group = common::unique_topic("OrderlyG");
    let (keys, per) = (12, 40);
    send_by_key(&cluster.namesrv, &topic, keys, per);
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let running: HashMap<String, AtomicUsize> = (0..4)
        .map(|q| (q.to_string(), AtomicUsize::new(0)))
        .collect();
    let running = Arc::new(running);
    let overlap = Arc::new(AtomicUsize::new(0));
    let (r2, o2) = (running.clone(), overlap.clone());
    let c = orderly(&cluster.namesrv, &group, &topic, &[], move |msgs| {
        let q = msgs[0].queue_id.to_string();
        if r2[&q].fetch_add(1, Ordering::SeqCst) > 0 {
            o2.fetch_add(1, Ordering::SeqCst);
        }
        std::thread::sleep(Duration::from_millis(1));
        record(&s2, msgs);
        r2[&q].fetch_sub(1, Ordering::SeqCst);
        ConsumeStatus::Success
    });
    wait_for(&seen, keys * per as usize, Duration::from_secs(60));
    c.shutdown().unwrap();
    assert_eq!(
        overlap.load(Ordering::SeqCst),
        0,
        "two calls ran on one queue at once"
    );
    let got = per_key(&seen);
    assert_eq!(got.len(), keys);
    for (k, v) in &got {
        assert_eq!(v, &(0..per).collect::<Vec<_>>(), "order of {}", k);
    }
}

#[test]
fn orderly_consume_suspend_retries_the_same_message_first() {
    let cluster = common::shared();
    let topic = common::unique_topic("OrderlyRetry");
    let group = common::unique_topic("OrderlyRetryG");
    let (keys, per) = (4, 10);
    send_by_key(&cluster.namesrv, &topic, keys, per);
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    // Every fifth message is refused once: the queue pauses 50 ms and the
    // same message comes again (reconsume times 1) before the next.
    let c = orderly(
        &cluster.namesrv,
        &group,
        &topic,
        &[("suspendCurrentQueueTimeMillis", "50")],
        move |msgs| {
            record(&s2, msgs);
            let refuse = msgs.iter().any(|m| {
                let t = String::from_utf8_lossy(&m.body).to_string();
                let n: u32 = t.rsplit(' ').next().unwrap().parse().unwrap_or(1);
                n.is_multiple_of(5) && m.reconsume_times == 0
            });
            if refuse {
                ConsumeStatus::ReconsumeLater
            } else {
                ConsumeStatus::Success
            }
        },
    );
    let retries = keys * (per as usize).div_ceil(5);
    wait_for(
        &seen,
        keys * per as usize + retries,
        Duration::from_secs(60),
    );
    c.shutdown().unwrap();
    let s = seen.lock().unwrap().clone();
    let mut by_key: HashMap<String, Vec<(u32, i32)>> = HashMap::new();
    for (k, n, r) in s {
        by_key.entry(k).or_default().push((n, r));
    }
    for (k, v) in by_key {
        let mut want = Vec::new();
        for n in 0..per {
            if n.is_multiple_of(5) {
                want.push((n, 0));
                want.push((n, 1));
            } else {
                want.push((n, 0));
            }
        }
        assert_eq!(v, want, "deliveries of {}", k);
    }
}

#[test]
fn orderly_consume_keeps_order_across_a_member_joining_and_leaving() {
    let cluster = common::shared();
    let topic = common::unique_topic("OrderlyJoin");
    let group = common::unique_topic("OrderlyJoinG");
    let (keys, per) = (8, 80);
    send_by_key(&cluster.namesrv, &topic, keys, per);
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let slow = |s: Seen| {
        move |msgs: &[MessageExt]| {
            std::thread::sleep(Duration::from_millis(10));
            record(&s, msgs);
            ConsumeStatus::Success
        }
    };
    let total = keys * per as usize;
    let a = orderly(&cluster.namesrv, &group, &topic, &[], slow(seen.clone()));
    wait_for(&seen, 60, Duration::from_secs(30));
    // b joins while a consumes; a leaves while half is still to come.
    let b = orderly(&cluster.namesrv, &group, &topic, &[], slow(seen.clone()));
    wait_for(&seen, total / 2, Duration::from_secs(60));
    a.shutdown().unwrap();
    let left_at = seen.lock().unwrap().len();
    assert!(left_at < total, "a left after everything was consumed");
    // Every distinct message (repeats after the moves do not count).
    let deadline = Instant::now() + Duration::from_secs(90);
    let distinct = |s: &Seen| {
        let s = s.lock().unwrap();
        let set: std::collections::HashSet<(&String, &u32)> =
            s.iter().map(|(k, n, _)| (k, n)).collect();
        set.len()
    };
    while distinct(&seen) < total && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    b.shutdown().unwrap();
    // Per key: every message at least once; each delivery after the first
    // of a message is a repeat of a suffix (a queue that moved restarts at
    // its committed offset), so the sequence never goes back except to
    // repeat from a commit point, and is complete.
    for (k, v) in per_key(&seen) {
        let mut firsts: Vec<u32> = Vec::new();
        for n in &v {
            if !firsts.contains(n) {
                firsts.push(*n);
            }
        }
        assert_eq!(
            firsts,
            (0..per).collect::<Vec<_>>(),
            "first deliveries of {} in order",
            k
        );
    }
}
