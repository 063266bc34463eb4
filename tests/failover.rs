//! Failure handling against a real cluster of two brokers: brokers killed,
//! restarted, slowed down; NameServers missing (issue: resilience).

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocketmq::{Message, Producer};

fn msg(topic: &str, i: usize) -> Message {
    let mut body = format!("failover {} ", i).into_bytes();
    body.resize(1024, b'f');
    Message::new(topic, body)
}

/// Sends `n` sync messages and counts them per broker.
fn spread(p: &Producer, topic: &str, n: usize) -> HashMap<String, usize> {
    let mut per = HashMap::new();
    for i in 0..n {
        let r = p.send(&msg(topic, i)).unwrap();
        *per.entry(r.message_queue.broker_name.to_string())
            .or_default() += 1;
    }
    per
}

/// Settings that make refresh and heartbeats quick enough for a test.
const QUICK: &[(&str, &str)] = &[
    ("pollNameServerInterval", "1000"),
    ("heartbeatBrokerInterval", "1000"),
];

#[test]
fn broker_killed_during_sync_sends_then_restarted() {
    let cluster = common::Cluster::start(2);
    let topic = common::unique_topic("KillSync");
    let p = Arc::new(common::producer(&cluster.namesrv, QUICK));
    let warm = spread(&p, &topic, 40);
    assert_eq!(warm.len(), 2, "both brokers in use: {:?}", warm);

    let threads = 4;
    let per_thread = 5000;
    let sent = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (p, topic, sent) = (p.clone(), topic.clone(), sent.clone());
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for i in 0..per_thread {
                    if let Err(e) = p.send(&msg(&topic, t * per_thread + i)) {
                        failures.push(e.to_string());
                    }
                    sent.fetch_add(1, Ordering::SeqCst);
                }
                failures
            })
        })
        .collect();
    while sent.load(Ordering::SeqCst) < threads * per_thread / 4 {
        std::thread::sleep(Duration::from_millis(5));
    }
    cluster.kill_broker(0);
    let failures: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert!(
        failures.is_empty(),
        "{} sends failed, e.g. {:?}",
        failures.len(),
        failures.first()
    );
    let stats = common::stats(&p);
    let retries = stats["retries"].as_u64().unwrap();
    eprintln!("20000 sync sends with a broker killed: {} retries", retries);
    assert!(retries <= 20, "{} sends needed a retry", retries);

    // Restart: within a refresh interval or two, traffic uses both again.
    cluster.start_broker(0);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut per = HashMap::new();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        per = spread(&p, &topic, 40);
        if per.len() == 2 {
            break;
        }
    }
    assert_eq!(
        per.len(),
        2,
        "after the restart traffic stayed on {:?}",
        per
    );
    p.shutdown().unwrap();
}

#[test]
fn slow_broker_is_avoided_then_used_again() {
    let cluster = common::Cluster::start(2);
    let topic = common::unique_topic("Slow");
    let p = Arc::new(common::producer(&cluster.namesrv, &[]));
    assert_eq!(spread(&p, &topic, 20).len(), 2);
    // Freeze broker-b for 700 ms while sends go on: the send that meets it
    // takes over 550 ms, which makes it unavailable for 30 s.
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let (p, topic, stop) = (p.clone(), topic.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                p.send(&msg(&topic, i)).unwrap();
                i += 1;
            }
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    cluster.signal_broker(1, libc::SIGSTOP);
    std::thread::sleep(Duration::from_millis(700));
    cluster.signal_broker(1, libc::SIGCONT);
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::SeqCst);
    sender.join().unwrap();
    let stats = common::stats(&p);
    let fault = &stats["brokers"]["broker-b"]["fault"];
    assert_eq!(fault["available"], false, "{}", stats);
    // Traffic moves away...
    let per = spread(&p, &topic, 50);
    assert_eq!(per.get("broker-b"), None, "{:?}", per);
    // ...and returns after the not-available duration (30 s for 550..1000 ms).
    let wait = fault["available_in_ms"].as_u64().unwrap();
    assert!(wait <= 30_000);
    std::thread::sleep(Duration::from_millis(wait + 200));
    let per = spread(&p, &topic, 50);
    assert!(per.get("broker-b").copied().unwrap_or(0) > 0, "{:?}", per);
    p.shutdown().unwrap();
}

#[test]
fn bad_namesrv_first_in_the_list() {
    let cluster = common::shared();
    let topic = common::unique_topic("NsList");
    let list = format!("127.0.0.1:1;{}", cluster.namesrv);
    let p = common::producer(&list, &[]);
    p.send(&msg(&topic, 0)).unwrap();
    p.shutdown().unwrap();
}

#[test]
fn namesrv_down_after_start_known_routes_keep_working() {
    let cluster = common::Cluster::start(1);
    let topic = common::unique_topic("NsDown");
    let p = common::producer(&cluster.namesrv, QUICK);
    p.send(&msg(&topic, 0)).unwrap();
    cluster.kill_namesrv();
    // Several refresh intervals pass without a NameServer.
    for i in 0..30 {
        p.send(&msg(&topic, i)).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    p.shutdown().unwrap();
}

#[test]
fn broker_restarted_on_the_same_port_is_reconnected() {
    let cluster = common::Cluster::start(1);
    let topic = common::unique_topic("Restart");
    let p = common::producer(&cluster.namesrv, &[("sendMsgTimeout", "1000")]);
    p.send(&msg(&topic, 0)).unwrap();
    cluster.kill_broker(0);
    assert!(p.send(&msg(&topic, 1)).is_err());
    cluster.start_broker(0);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut ok = false;
    while !ok && Instant::now() < deadline {
        ok = p.send(&msg(&topic, 2)).is_ok();
        if !ok {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    assert!(ok, "no successful send after the restart");
    // Nothing is stuck: async sends complete and nothing stays in flight.
    let done = Arc::new(AtomicUsize::new(0));
    for i in 0..100 {
        let d = done.clone();
        p.send_async(
            &msg(&topic, i),
            Box::new(move |r| {
                r.unwrap();
                d.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(10)).unwrap(), 0);
    assert_eq!(done.load(Ordering::SeqCst), 100);
    p.shutdown().unwrap();
}

#[test]
fn queue_count_change_takes_effect_without_restart() {
    let cluster = common::Cluster::start(1);
    let topic = common::unique_topic("Grow");
    let p = common::producer(&cluster.namesrv, QUICK);
    let queues = |p: &Producer| -> std::collections::HashSet<i32> {
        (0..64)
            .map(|i| p.send(&msg(&topic, i)).unwrap().message_queue.queue_id)
            .collect()
    };
    assert_eq!(queues(&p).len(), 4);
    // Grow the topic to 8 queues on the broker (UPDATE_AND_CREATE_TOPIC).
    let resp = common::request(
        &cluster.brokers[0],
        17,
        &[
            ("topic", topic.as_str()),
            ("defaultTopic", "TBW102"),
            ("readQueueNums", "8"),
            ("writeQueueNums", "8"),
            ("perm", "6"),
            ("topicFilterType", "SINGLE_TAG"),
            ("topicSysFlag", "0"),
            ("order", "false"),
            ("force", "false"),
        ],
    );
    assert_eq!(resp.code, 0, "update topic: {:?}", resp.remark);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = 4;
    while seen < 8 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        seen = queues(&p).len();
    }
    assert_eq!(seen, 8, "the new queues were never used");
    p.shutdown().unwrap();
}
