//! Async and oneway sends, callbacks, back-pressure, flush and shutdown,
//! against the real cluster (issue: async and oneway sends).

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocketmq::{ErrorKind, Message, Producer, SendResult, SendStatus};

/// Collects every callback's outcome, keyed by the send's index.
#[derive(Default)]
struct Outcomes {
    calls: Mutex<HashMap<usize, Vec<Result<SendResult, rocketmq::Error>>>>,
    count: AtomicUsize,
    threads: Mutex<HashSet<String>>,
}

impl Outcomes {
    fn callback(self: &Arc<Self>, index: usize) -> rocketmq::SendCallback {
        let me = self.clone();
        Box::new(move |outcome| {
            me.threads
                .lock()
                .unwrap()
                .insert(std::thread::current().name().unwrap_or("?").to_string());
            me.calls
                .lock()
                .unwrap()
                .entry(index)
                .or_default()
                .push(outcome);
            me.count.fetch_add(1, Ordering::SeqCst);
        })
    }

    fn wait_for(&self, n: usize, limit: Duration) {
        let until = Instant::now() + limit;
        while self.count.load(Ordering::SeqCst) < n && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Asserts exactly one outcome per index in 0..n and returns them.
    fn exactly_once(&self, n: usize) -> Vec<Result<SendResult, rocketmq::Error>> {
        let calls = self.calls.lock().unwrap();
        assert_eq!(calls.len(), n, "indices with a callback");
        (0..n)
            .map(|i| {
                let v = calls
                    .get(&i)
                    .unwrap_or_else(|| panic!("no callback for {}", i));
                assert_eq!(v.len(), 1, "callbacks for {}: {:?}", i, v);
                v[0].clone()
            })
            .collect()
    }
}

fn kib_message(topic: &str, i: usize) -> Message {
    let mut body = format!("async {} ", i).into_bytes();
    body.resize(1024, b'x');
    Message::new(topic, body)
}

#[test]
fn hundred_thousand_async_sends_get_exactly_one_callback_each() {
    let cluster = common::shared();
    let topic = common::unique_topic("Async100k");
    let p = common::producer(&cluster.namesrv, &[("sendMsgTimeout", "30000")]);
    let outcomes = Arc::new(Outcomes::default());
    let n = 100_000;
    let t0 = Instant::now();
    for i in 0..n {
        p.send_async(&kib_message(&topic, i), outcomes.callback(i))
            .unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(120)).unwrap(), 0);
    eprintln!("100k async: {:?}", t0.elapsed());
    let results = outcomes.exactly_once(n);
    let errs: HashMap<String, usize> =
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .fold(HashMap::new(), |mut m, e| {
                *m.entry(e.to_string()).or_default() += 1;
                m
            });
    eprintln!("errors: {:?}", errs);
    let mut ids = HashSet::new();
    for r in &results {
        let r = r.as_ref().expect("send failed");
        assert_eq!(r.status, SendStatus::SendOk);
        assert!(ids.insert(r.msg_id.clone()));
    }
    // Callbacks ran on the producer's callback thread only.
    let threads = outcomes.threads.lock().unwrap().clone();
    assert_eq!(threads, HashSet::from(["rocketmq-callback".to_string()]));
    p.shutdown().unwrap();
}

#[test]
fn shutdown_with_sends_in_flight_completes_each_exactly_once() {
    let cluster = common::Cluster::start(1);
    let topic = common::unique_topic("AsyncShutdown");
    let p = common::producer(
        &cluster.namesrv,
        &[
            ("sendMsgTimeout", "60000"),
            ("shutdownTimeout", "200"),
            ("backPressureForAsyncSendNum", "60000"),
        ],
    );
    // Route first, so the sends below are really in flight.
    p.send(&kib_message(&topic, 0)).unwrap();
    let outcomes = Arc::new(Outcomes::default());
    let n = 50_000;
    for i in 0..n {
        p.send_async(&kib_message(&topic, i), outcomes.callback(i))
            .unwrap();
    }
    let started = Instant::now();
    p.shutdown().unwrap();
    // 200 ms to drain, up to 3 s to unregister, then joins.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "shutdown took {:?}",
        started.elapsed()
    );
    // Every callback already ran (shutdown joins the callback thread).
    let results = outcomes.exactly_once(n);
    let mut ok = 0;
    let mut max_per_queue: HashMap<i32, i64> = HashMap::new();
    for r in &results {
        match r {
            Ok(r) => {
                ok += 1;
                let e = max_per_queue.entry(r.message_queue.queue_id).or_default();
                *e = (*e).max(r.queue_offset);
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::Shutdown, "{}", e),
        }
    }
    // Every success is stored: the broker's max offset covers it.
    for (queue, offset) in max_per_queue {
        let max = common::max_offset_reaching(&cluster.brokers[0], &topic, queue, offset + 1);
        assert!(
            max > offset,
            "queue {}: broker max offset {} <= acknowledged {}",
            queue,
            max,
            offset
        );
    }
    eprintln!(
        "shutdown with {} in flight: {} stored, {} failed with SHUTDOWN",
        n,
        ok,
        n - ok
    );
    assert_eq!(
        p.send_async(&kib_message(&topic, 0), Box::new(|_| {}))
            .unwrap_err()
            .kind(),
        ErrorKind::Shutdown
    );
}

#[test]
fn broker_killed_mid_stream_every_send_gets_one_callback() {
    let cluster = common::Cluster::start(2);
    let topic = common::unique_topic("AsyncKill");
    let p = common::producer(&cluster.namesrv, &[("sendMsgTimeout", "10000")]);
    // Create the topic on both brokers and learn the route.
    for i in 0..16 {
        p.send(&kib_message(&topic, i)).unwrap();
    }
    let outcomes = Arc::new(Outcomes::default());
    let n = 20_000;
    for i in 0..n {
        if i == n / 4 {
            cluster.kill_broker(0);
        }
        p.send_async(&kib_message(&topic, i), outcomes.callback(i))
            .unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(60)).unwrap(), 0);
    let results = outcomes.exactly_once(n);
    let ok: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let failed = n - ok.len();
    let mut errors: HashMap<String, usize> = HashMap::new();
    for e in results.iter().filter_map(|r| r.as_ref().err()) {
        *errors.entry(format!("{:?}", e.kind())).or_default() += 1;
        if errors.len() < 3 {
            eprintln!("{}", e);
        }
    }
    eprintln!("errors by kind: {:?}", errors);
    let late_on_b = ok[n / 2..]
        .iter()
        .all(|r| &*r.message_queue.broker_name == "broker-b");
    eprintln!("broker killed: {} ok, {} failed", ok.len(), failed);
    assert!(
        late_on_b || ok.len() < n / 2,
        "sends after the kill should land on broker-b"
    );
    assert!(
        ok.len() as f64 >= 0.999 * n as f64,
        "{} of {} failed",
        failed,
        n
    );
    p.shutdown().unwrap();
}

#[test]
fn eight_threads_mixed_sends_on_one_producer() {
    let cluster = common::shared();
    let topic = common::unique_topic("Mixed");
    let p = Arc::new(common::producer(
        &cluster.namesrv,
        &[("sendMsgTimeout", "30000")],
    ));
    let outcomes = Arc::new(Outcomes::default());
    let per_thread = 10_000;
    let sync_ok = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (p, outcomes, topic, sync_ok) =
                (p.clone(), outcomes.clone(), topic.clone(), sync_ok.clone());
            std::thread::spawn(move || {
                for j in 0..per_thread {
                    let i = t * per_thread + j;
                    let m = kib_message(&topic, i);
                    match i % 3 {
                        0 => {
                            p.send(&m).unwrap();
                            sync_ok.fetch_add(1, Ordering::SeqCst);
                            outcomes.callback(i)(Err(rocketmq::Error::new(
                                ErrorKind::Internal,
                                "sync",
                            )));
                        }
                        1 => p.send_async(&m, outcomes.callback(i)).unwrap(),
                        _ => {
                            p.send_oneway(&m).unwrap();
                            outcomes.callback(i)(Err(rocketmq::Error::new(
                                ErrorKind::Internal,
                                "oneway",
                            )));
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(60)).unwrap(), 0);
    let results = outcomes.exactly_once(8 * per_thread);
    for (i, r) in results.iter().enumerate() {
        if i % 3 == 1 {
            assert_eq!(r.as_ref().expect("async send").status, SendStatus::SendOk);
        }
    }
    assert_eq!(
        sync_ok.load(Ordering::SeqCst),
        (0..8 * per_thread).filter(|i| i % 3 == 0).count()
    );
    p.shutdown().unwrap();
}

#[test]
fn back_pressure_fail_fast_and_block() {
    let cluster = common::shared();
    let topic = common::unique_topic("BackPressure");
    // Fail fast.
    let p = common::producer(
        &cluster.namesrv,
        &[
            ("backPressureForAsyncSendNum", "4"),
            ("enableBackpressureForAsyncMode", "false"),
        ],
    );
    p.send(&kib_message(&topic, 0)).unwrap();
    let outcomes = Arc::new(Outcomes::default());
    let mut accepted = 0;
    let mut full = 0;
    for i in 0..1000 {
        match p.send_async(&kib_message(&topic, i), outcomes.callback(i)) {
            Ok(()) => accepted += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::QueueFull, "{}", e);
                full += 1;
            }
        }
        assert!(p.in_flight() <= 4);
    }
    assert!(full > 0, "the limit of 4 never filled");
    p.flush(Duration::from_secs(30)).unwrap();
    outcomes.wait_for(accepted, Duration::from_secs(5));
    assert_eq!(outcomes.count.load(Ordering::SeqCst), accepted);
    p.shutdown().unwrap();

    // Block: every send is accepted, never more than the limit in flight.
    let p = common::producer(
        &cluster.namesrv,
        &[
            ("backPressureForAsyncSendNum", "4"),
            ("sendMsgTimeout", "30000"),
        ],
    );
    let outcomes = Arc::new(Outcomes::default());
    let rss_before = common::vm_rss_kib();
    for i in 0..3000 {
        p.send_async(&kib_message(&topic, i), outcomes.callback(i))
            .unwrap();
        assert!(p.in_flight() <= 4);
    }
    p.flush(Duration::from_secs(30)).unwrap();
    assert!(outcomes.exactly_once(3000).iter().all(|r| r.is_ok()));
    let rss_after = common::vm_rss_kib();
    eprintln!("RSS before {} KiB, after {} KiB", rss_before, rss_after);
    p.shutdown().unwrap();
}

#[test]
fn callbacks_may_send_but_not_shut_down() {
    let cluster = common::shared();
    let topic = common::unique_topic("Reentrant");
    let p = Arc::new(common::producer(&cluster.namesrv, &[]));
    let (tx, rx) = crossbeam_channel::bounded(4);
    let p2 = p.clone();
    let topic2 = topic.clone();
    p.send_async(
        &kib_message(&topic, 0),
        Box::new(move |r| {
            r.unwrap();
            let sync = p2.send(&kib_message(&topic2, 1)).map(|r| r.status);
            let shutdown = p2.shutdown().map_err(|e| e.kind());
            let flush = p2.flush(Duration::from_secs(1)).map_err(|e| e.kind());
            let tx2 = tx.clone();
            let nested = p2.send_async(
                &kib_message(&topic2, 2),
                Box::new(move |r| {
                    tx2.send(format!("nested {:?}", r.map(|r| r.status)))
                        .unwrap()
                }),
            );
            tx.send(format!(
                "{:?} {:?} {:?} {:?}",
                sync,
                shutdown,
                flush,
                nested.is_ok()
            ))
            .unwrap();
        }),
    )
    .unwrap();
    let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(first, "Ok(SendOk) Err(InvalidState) Err(InvalidState) true");
    let nested = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(nested, "nested Ok(SendOk)");
    p.shutdown().unwrap();
}

#[test]
fn a_panicking_callback_does_not_break_the_producer() {
    let cluster = common::shared();
    let topic = common::unique_topic("Panic");
    let p = common::producer(&cluster.namesrv, &[]);
    p.send_async(&kib_message(&topic, 0), Box::new(|_| panic!("user bug")))
        .unwrap();
    let outcomes = Arc::new(Outcomes::default());
    p.send_async(&kib_message(&topic, 1), outcomes.callback(0))
        .unwrap();
    assert_eq!(p.flush(Duration::from_secs(10)).unwrap(), 0);
    assert!(outcomes.exactly_once(1)[0].is_ok());
    p.shutdown().unwrap();
}

#[test]
fn producers_do_not_share_state() {
    let cluster = common::shared();
    let topic = common::unique_topic("TwoProducers");
    let a = common::producer(&cluster.namesrv, &[]);
    let b = common::producer(&cluster.namesrv, &[]);
    assert_ne!(a.client_id(), b.client_id());
    a.send(&kib_message(&topic, 0)).unwrap();
    b.send(&kib_message(&topic, 1)).unwrap();
    a.shutdown().unwrap();
    b.send(&kib_message(&topic, 2)).unwrap();
    b.shutdown().unwrap();
    let _unused: Option<Producer> = None;
}
