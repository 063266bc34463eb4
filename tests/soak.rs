//! The soak: minutes of mixed sends and a push consumer group under chaos,
//! against a private cluster of two brokers. Three producer threads (sync,
//! async, oneway) send numbered messages; a group of two push consumers
//! (one in this process, one in a child process) consumes them; a broker is
//! SIGKILLed and restarted every minute, the child consumer is SIGKILLed
//! once and restarted.
//!
//! Asserted: every accepted async send has exactly one callback; at least
//! 99.9 % of the sync and async sends succeed; every successfully sent
//! message is consumed at least once (duplicates are counted and
//! reported); RSS and thread count of the last minute within 10 % of the
//! first minute's; no file descriptor growth (`/proc/self/fd`), and back to
//! the count before the clients started once they are shut down.
//!
//! `ROCKETMQ_SOAK_SECONDS` sets the length (default 180, the test
//! command's run; e.g. 3600 for an hour):
//! `ROCKETMQ_SOAK_SECONDS=3600 cargo test --release --test soak -- --nocapture`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rocketmq::protocol::message_ext::MessageExt;
use rocketmq::{ConsumeStatus, Message, PushConsumer};

/// Messages per second of each producer thread.
const RATE: u64 = 100;
/// Seconds a killed broker stays down.
const BROKER_DOWN_SECS: u64 = 3;

/// The child member: run by the soak as a separate process (so that it can
/// be SIGKILLed); prints `GOT <id>` per message it consumed.
#[test]
#[ignore]
fn child_consumer() {
    let (Ok(ns), Ok(group), Ok(topic)) = (
        std::env::var("SOAK_CHILD_NAMESRV"),
        std::env::var("SOAK_CHILD_GROUP"),
        std::env::var("SOAK_CHILD_TOPIC"),
    ) else {
        return;
    };
    let c = consumer(&ns, &group, &topic, |ids| {
        let mut out = std::io::stdout().lock();
        for id in ids {
            let _ = writeln!(out, "GOT {}", id);
        }
        let _ = out.flush();
    });
    println!("STARTED");
    let _ = std::io::stdout().flush();
    // Until the parent kills it (or, should the parent die, for at most
    // the soak's longest run).
    for _ in 0..24 * 3600 {
        std::thread::sleep(Duration::from_secs(1));
    }
    c.shutdown().unwrap();
}

fn consumer(
    namesrv: &str,
    group: &str,
    topic: &str,
    sink: impl Fn(Vec<u64>) + Send + Sync + 'static,
) -> PushConsumer {
    let c = PushConsumer::new(group).unwrap();
    c.set("namesrvAddr", namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c.set("consumeThreadCount", "2").unwrap();
    c.set("rebalanceIntervalMillis", "1000").unwrap();
    c.set("autoCommitIntervalMillis", "1000").unwrap();
    c.set("pollNameServerInterval", "1000").unwrap();
    c.set("heartbeatBrokerInterval", "1000").unwrap();
    c.subscribe(topic, "*").unwrap();
    c.register_listener(Arc::new(move |msgs: &[MessageExt]| {
        sink(msgs.iter().map(|m| id_of(&m.body)).collect());
        ConsumeStatus::Success
    }))
    .unwrap();
    c.start().unwrap();
    c
}

/// The message number in a body `soak <id>`.
fn id_of(body: &[u8]) -> u64 {
    std::str::from_utf8(body)
        .ok()
        .and_then(|s| s.strip_prefix("soak "))
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX)
}

/// Per-message counters, allocated (and touched) up front so that the
/// test's own bookkeeping does not grow the RSS it measures.
struct Ledger {
    /// 1 once the send of the message succeeded (sync result, async callback).
    sent_ok: Vec<AtomicU8>,
    /// 1 when an async send was accepted.
    accepted: Vec<AtomicU8>,
    /// Callbacks per async send.
    callbacks: Vec<AtomicU8>,
    /// Times consumed (saturating at 255).
    consumed: Vec<AtomicU8>,
    /// Consumed ids outside the range (must stay 0).
    strays: AtomicUsize,
}

impl Ledger {
    fn new(n: usize) -> Ledger {
        let v = || {
            let v: Vec<AtomicU8> = (0..n).map(|_| AtomicU8::new(0)).collect();
            for a in &v {
                a.store(0, Ordering::Relaxed);
            }
            v
        };
        Ledger {
            sent_ok: v(),
            accepted: v(),
            callbacks: v(),
            consumed: v(),
            strays: AtomicUsize::new(0),
        }
    }

    fn consumed(&self, id: u64) {
        match self.consumed.get(id as usize) {
            Some(c) => {
                let _ = c.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_add(1));
            }
            None => {
                self.strays.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

/// Open file descriptors of this process.
fn fd_count() -> usize {
    fds().len()
}

/// What the open file descriptors of this process are.
fn fds() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| {
                    let target = std::fs::read_link(e.path())
                        .map(|t| t.display().to_string())
                        .unwrap_or_default();
                    format!("{}->{}", e.file_name().to_string_lossy(), target)
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Starts the child member; a thread feeds what it consumed into `ledger`.
fn spawn_child(
    namesrv: &str,
    group: &str,
    topic: &str,
    ledger: Arc<Ledger>,
) -> (Child, JoinHandle<()>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_consumer",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("SOAK_CHILD_NAMESRV", namesrv)
        .env("SOAK_CHILD_GROUP", group)
        .env("SOAK_CHILD_TOPIC", topic)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the child consumer");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(out).lines().map_while(|l| l.ok()) {
            // The harness prints "test child_consumer ... " before it.
            if line.ends_with("STARTED") {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(());
                }
            } else if let Some(id) = line.strip_prefix("GOT ") {
                ledger.consumed(id.parse().unwrap_or(u64::MAX));
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the child consumer did not start");
    (child, reader)
}

fn kill(child: &mut Child) {
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
}

/// A sample of this process every few seconds.
#[derive(Clone, Copy, Debug)]
struct Sample {
    at: u64,
    rss_kib: u64,
    threads: u64,
    fds: usize,
}

#[test]
fn soak_sends_and_a_consumer_group_survive_broker_and_consumer_kills() {
    let seconds: u64 = std::env::var("ROCKETMQ_SOAK_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(180)
        .max(120);
    let cluster = common::Cluster::start(2);
    let topic = common::unique_topic("Soak");
    let group = common::unique_topic("SoakGroup");
    // Room for every message the senders can make (they stop at the end).
    let capacity = (3 * RATE * seconds + 10_000) as usize;
    let ledger = Arc::new(Ledger::new(capacity));
    let fds_before = fds();

    let p = Arc::new(common::producer(
        &cluster.namesrv,
        &[
            ("pollNameServerInterval", "1000"),
            ("heartbeatBrokerInterval", "1000"),
            ("defaultTopicQueueNums", "4"),
        ],
    ));
    // The topic on both brokers before the consumers start.
    let mut brokers = std::collections::HashSet::new();
    let next_id = Arc::new(AtomicU64::new(0));
    for _ in 0..200 {
        let id = next_id.fetch_add(1, Ordering::SeqCst);
        let r = p
            .send(&Message::new(&topic, format!("soak {}", id).into_bytes()))
            .expect("warm-up send");
        ledger.sent_ok[id as usize].store(1, Ordering::SeqCst);
        brokers.insert(r.message_queue.broker_name.to_string());
        if brokers.len() == 2 {
            break;
        }
    }
    assert_eq!(brokers.len(), 2, "the topic is not on both brokers");

    let member = {
        let l = ledger.clone();
        consumer(&cluster.namesrv, &group, &topic, move |ids| {
            for id in ids {
                l.consumed(id);
            }
        })
    };
    let (mut child, mut reader) = spawn_child(&cluster.namesrv, &group, &topic, ledger.clone());

    let stop = Arc::new(AtomicBool::new(false));
    let attempts = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let oneway = Arc::new(AtomicUsize::new(0));
    let senders: Vec<JoinHandle<()>> = (0..3)
        .map(|kind| {
            let (p, topic, ledger, stop, next_id, attempts, failures, oneway) = (
                p.clone(),
                topic.clone(),
                ledger.clone(),
                stop.clone(),
                next_id.clone(),
                attempts.clone(),
                failures.clone(),
                oneway.clone(),
            );
            std::thread::spawn(move || {
                let pace = Duration::from_micros(1_000_000 / RATE);
                let mut next = Instant::now();
                while !stop.load(Ordering::SeqCst) {
                    let id = next_id.fetch_add(1, Ordering::SeqCst);
                    if id as usize >= ledger.sent_ok.len() {
                        break;
                    }
                    let m = Message::new(&topic, format!("soak {}", id).into_bytes());
                    match kind {
                        0 => {
                            attempts.fetch_add(1, Ordering::SeqCst);
                            match p.send(&m) {
                                Ok(_) => ledger.sent_ok[id as usize].store(1, Ordering::SeqCst),
                                Err(_) => {
                                    failures.fetch_add(1, Ordering::SeqCst);
                                }
                            }
                        }
                        1 => {
                            attempts.fetch_add(1, Ordering::SeqCst);
                            let (l, f) = (ledger.clone(), failures.clone());
                            let cb = Box::new(move |r: rocketmq::Result<rocketmq::SendResult>| {
                                let i = id as usize;
                                l.callbacks[i].fetch_add(1, Ordering::SeqCst);
                                match r {
                                    Ok(_) => l.sent_ok[i].store(1, Ordering::SeqCst),
                                    Err(_) => {
                                        f.fetch_add(1, Ordering::SeqCst);
                                    }
                                }
                            });
                            match p.send_async(&m, cb) {
                                Ok(()) => ledger.accepted[id as usize].store(1, Ordering::SeqCst),
                                Err(_) => {
                                    failures.fetch_add(1, Ordering::SeqCst);
                                }
                            }
                        }
                        _ => {
                            if p.send_oneway(&m).is_ok() {
                                oneway.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                    next += pace;
                    if let Some(wait) = next.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    } else {
                        next = Instant::now();
                    }
                }
            })
        })
        .collect();

    // The chaos: broker (minute % 2) killed at every full minute; the child
    // consumer killed once, early (the broker may keep a killed member in
    // the group until its 120 s channel expiry, see push_consumer_group.rs),
    // and restarted.
    let started = Instant::now();
    let mut samples: Vec<Sample> = Vec::new();
    let mut broker_kills = 0u64;
    let mut child_killed_at = None;
    let child_kill_at = 25;
    for tick in 0..(seconds * 2) {
        if started.elapsed() >= Duration::from_secs(seconds) {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
        let at = started.elapsed().as_secs();
        if tick % 10 == 9 {
            let s = Sample {
                at,
                rss_kib: common::vm_rss_kib(),
                threads: common::thread_count(),
                fds: fd_count(),
            };
            eprintln!(
                "soak t={}s rss={} KiB threads={} fds={} ids={} failures={}",
                s.at,
                s.rss_kib,
                s.threads,
                s.fds,
                next_id.load(Ordering::SeqCst),
                failures.load(Ordering::SeqCst)
            );
            samples.push(s);
        }
        if child_killed_at.is_none() && at >= child_kill_at {
            kill(&mut child);
            let _ = reader.join();
            child_killed_at = Some(Instant::now());
            eprintln!("soak t={}s: child consumer SIGKILLed", at);
            std::thread::sleep(Duration::from_secs(2));
            let (c, r) = spawn_child(&cluster.namesrv, &group, &topic, ledger.clone());
            child = c;
            reader = r;
            eprintln!(
                "soak t={}s: child consumer restarted",
                started.elapsed().as_secs()
            );
        }
        if at / 60 > broker_kills && at + 30 < seconds {
            broker_kills += 1;
            let b = (broker_kills % 2) as usize;
            eprintln!("soak t={}s: broker {} SIGKILLed", at, b);
            cluster.kill_broker(b);
            std::thread::sleep(Duration::from_secs(BROKER_DOWN_SECS));
            cluster.start_broker(b);
            eprintln!(
                "soak t={}s: broker {} restarted",
                started.elapsed().as_secs(),
                b
            );
        }
    }
    stop.store(true, Ordering::SeqCst);
    for s in senders {
        s.join().unwrap();
    }
    assert_eq!(
        p.flush(Duration::from_secs(60)).unwrap(),
        0,
        "async sends still in flight"
    );
    let sent_ids = (next_id.load(Ordering::SeqCst) as usize).min(capacity);

    // Every successfully sent message consumed, within 200 s of the child's
    // kill (its queues may stay with the killed member until then) and 60 s
    // of the end.
    let pending = || {
        (0..sent_ids)
            .filter(|&i| {
                ledger.sent_ok[i].load(Ordering::SeqCst) == 1
                    && ledger.consumed[i].load(Ordering::SeqCst) == 0
            })
            .count()
    };
    let killed_at = child_killed_at.expect("the child consumer was never killed");
    let deadline =
        (killed_at + Duration::from_secs(200)).max(Instant::now() + Duration::from_secs(60));
    let mut missing = pending();
    while missing > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        missing = pending();
    }
    let drained = started.elapsed();

    // Shut everything down; the descriptors go back to where they were.
    kill(&mut child);
    let _ = reader.join();
    drop(child);
    member.shutdown().unwrap();
    drop(member);
    p.shutdown().unwrap();
    drop(p);
    let fds_after = fds();

    let count = |v: &[AtomicU8], pred: &dyn Fn(u8) -> bool| {
        v[..sent_ids]
            .iter()
            .filter(|a| pred(a.load(Ordering::SeqCst)))
            .count()
    };
    let accepted = count(&ledger.accepted, &|n| n == 1);
    let bad_callbacks: Vec<usize> = (0..sent_ids)
        .filter(|&i| {
            let (a, c) = (
                ledger.accepted[i].load(Ordering::SeqCst),
                ledger.callbacks[i].load(Ordering::SeqCst),
            );
            c != a
        })
        .collect();
    let ok = count(&ledger.sent_ok, &|n| n == 1);
    let (attempts, failures) = (
        attempts.load(Ordering::SeqCst),
        failures.load(Ordering::SeqCst),
    );
    let consumed_distinct = count(&ledger.consumed, &|n| n > 0);
    let duplicates: usize = ledger.consumed[..sent_ids]
        .iter()
        .map(|a| (a.load(Ordering::SeqCst) as usize).saturating_sub(1))
        .sum();
    let window = |from: u64, to: u64| -> Vec<Sample> {
        samples
            .iter()
            .copied()
            .filter(|s| s.at >= from && s.at < to)
            .collect()
    };
    let first = window(0, 60);
    let last = window(seconds.saturating_sub(60), u64::MAX);
    let max = |w: &[Sample], f: fn(&Sample) -> u64| w.iter().map(f).max().unwrap_or(0);
    let (rss0, rss1) = (max(&first, |s| s.rss_kib), max(&last, |s| s.rss_kib));
    let (thr0, thr1) = (max(&first, |s| s.threads), max(&last, |s| s.threads));
    let (fd0, fd1) = (max(&first, |s| s.fds as u64), max(&last, |s| s.fds as u64));
    eprintln!(
        "soak: {} s, {} broker kills, 1 consumer kill; {} sync+async sends, {} ok, {} failed \
         ({:.4} % success), {} async accepted, {} with a callback count other than one, \
         {} oneway; {} sent ok, {} consumed ({} duplicates, {} strays), {} missing after {:?}; \
         RSS {} -> {} KiB, threads {} -> {}, fds {} -> {} (before {}, after shutdown {})",
        seconds,
        broker_kills,
        attempts,
        attempts - failures,
        failures,
        100.0 * (attempts - failures) as f64 / attempts.max(1) as f64,
        accepted,
        bad_callbacks.len(),
        oneway.load(Ordering::SeqCst),
        ok,
        consumed_distinct,
        duplicates,
        ledger.strays.load(Ordering::SeqCst),
        missing,
        drained,
        rss0,
        rss1,
        thr0,
        thr1,
        fd0,
        fd1,
        fds_before.len(),
        fds_after.len()
    );

    assert!(broker_kills >= 1, "no broker was killed");
    assert!(
        bad_callbacks.is_empty(),
        "{} async sends without exactly one callback (first ids {:?})",
        bad_callbacks.len(),
        &bad_callbacks[..bad_callbacks.len().min(10)]
    );
    assert!(
        failures * 1000 <= attempts,
        "{} of {} sends failed (more than 0.1 %)",
        failures,
        attempts
    );
    assert_eq!(
        missing, 0,
        "{} of {} successfully sent messages never consumed",
        missing, ok
    );
    assert_eq!(
        ledger.strays.load(Ordering::SeqCst),
        0,
        "unknown ids consumed"
    );
    assert!(
        rss1 * 10 <= rss0 * 11,
        "RSS grew from {} to {} KiB (first vs last minute)",
        rss0,
        rss1
    );
    assert!(
        thr1 * 10 <= thr0 * 11 && thr0 * 10 <= thr1 * 11,
        "threads {} in the first minute, {} in the last",
        thr0,
        thr1
    );
    assert!(fd1 <= fd0, "file descriptors grew from {} to {}", fd0, fd1);
    assert!(
        fds_after <= fds_before,
        "{} file descriptors before the clients, {} after their shutdown",
        fds_before.len(),
        fds_after.len()
    );
}
