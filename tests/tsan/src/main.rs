//! Stress of the library's threads under ThreadSanitizer (run by
//! tests/sanitizers.rs): `tsan-stress <namesrv> <topic> <mode>` with mode
//!
//! - `async`: 4 threads, each 500 async sends and 100 sync/oneway ones on
//!   one producer; every accepted async send has exactly one callback;
//! - `shutdown`: async sends in flight on 4 threads while a fifth shuts the
//!   producer down (twice, concurrently); each accepted send one callback;
//! - `consumer`: a push consumer (4 consume threads) receives what a
//!   producer sends, two members join and one leaves, then both shut down.
//!
//! - `race`: a planted data race (two threads write one static unsynchronised):
//!   the canary that proves TSan is active (it must exit 66).
//!
//! Prints `<mode> ok ...` and exits 0; any finding makes TSan exit 66.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocketmq::protocol::message_ext::MessageExt;
use rocketmq::{ConsumeStatus, Message, Producer, PushConsumer};

fn producer(namesrv: &str, group: &str) -> Producer {
    let p = Producer::new(group).unwrap();
    p.set("namesrvAddr", namesrv).unwrap();
    p.set("shutdownTimeout", "2000").unwrap();
    p.start().unwrap();
    p
}

fn async_mode(namesrv: &str, topic: &str) {
    let p = Arc::new(producer(namesrv, "tsan_async"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let callbacks = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let (p, accepted, callbacks, topic) = (
                p.clone(),
                accepted.clone(),
                callbacks.clone(),
                topic.to_string(),
            );
            std::thread::spawn(move || {
                for i in 0..600 {
                    let m = Message::new(&topic, format!("t{} m{}", t, i).into_bytes());
                    match i % 6 {
                        0 => {
                            let _ = p.send(&m);
                        }
                        1 => {
                            let _ = p.send_oneway(&m);
                        }
                        _ => {
                            let c = callbacks.clone();
                            let cb = Box::new(move |_r: rocketmq::Result<rocketmq::SendResult>| {
                                c.fetch_add(1, Ordering::SeqCst);
                            });
                            if p.send_async(&m, cb).is_ok() {
                                accepted.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(p.flush(Duration::from_secs(30)).unwrap(), 0);
    p.shutdown().unwrap();
    let (a, c) = (
        accepted.load(Ordering::SeqCst),
        callbacks.load(Ordering::SeqCst),
    );
    assert_eq!(a, c, "accepted {} async sends, {} callbacks", a, c);
    println!("async ok accepted={} callbacks={}", a, c);
}

fn shutdown_mode(namesrv: &str, topic: &str) {
    let mut total = (0, 0);
    for round in 0..3 {
        let p = Arc::new(producer(namesrv, &format!("tsan_shutdown_{}", round)));
        let accepted = Arc::new(AtomicUsize::new(0));
        let callbacks = Arc::new(AtomicUsize::new(0));
        let senders: Vec<_> = (0..4)
            .map(|t| {
                let (p, accepted, callbacks, topic) = (
                    p.clone(),
                    accepted.clone(),
                    callbacks.clone(),
                    topic.to_string(),
                );
                std::thread::spawn(move || {
                    for i in 0..2000 {
                        let m = Message::new(&topic, format!("t{} m{}", t, i).into_bytes());
                        let c = callbacks.clone();
                        let cb = Box::new(move |_r: rocketmq::Result<rocketmq::SendResult>| {
                            c.fetch_add(1, Ordering::SeqCst);
                        });
                        match p.send_async(&m, cb) {
                            Ok(()) => {
                                accepted.fetch_add(1, Ordering::SeqCst);
                            }
                            // Refused once the producer shuts down.
                            Err(_) => break,
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(100 + 100 * round));
        let closers: Vec<_> = (0..2)
            .map(|_| {
                let p = p.clone();
                std::thread::spawn(move || {
                    let _ = p.shutdown();
                })
            })
            .collect();
        for t in senders.into_iter().chain(closers) {
            t.join().unwrap();
        }
        let (a, c) = (
            accepted.load(Ordering::SeqCst),
            callbacks.load(Ordering::SeqCst),
        );
        assert_eq!(a, c, "round {}: accepted {}, callbacks {}", round, a, c);
        total = (total.0 + a, total.1 + c);
    }
    println!("shutdown ok accepted={} callbacks={}", total.0, total.1);
}

fn member(
    namesrv: &str,
    group: &str,
    topic: &str,
    got: Arc<Mutex<HashSet<String>>>,
) -> PushConsumer {
    let c = PushConsumer::new(group).unwrap();
    c.set("namesrvAddr", namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c.set("consumeThreadCount", "4").unwrap();
    c.set("rebalanceIntervalMillis", "1000").unwrap();
    c.set("autoCommitIntervalMillis", "1000").unwrap();
    c.subscribe(topic, "*").unwrap();
    c.register_listener(Arc::new(move |msgs: &[MessageExt]| {
        let mut g = got.lock().unwrap();
        for m in msgs {
            g.insert(String::from_utf8_lossy(&m.body).to_string());
        }
        ConsumeStatus::Success
    }))
    .unwrap();
    c.start().unwrap();
    c
}

fn consumer_mode(namesrv: &str, topic: &str) {
    let p = Arc::new(producer(namesrv, "tsan_consumer_p"));
    let n = 1000;
    for i in 0..n {
        p.send(&Message::new(topic, format!("c{}", i).into_bytes()))
            .unwrap();
    }
    let got = Arc::new(Mutex::new(HashSet::new()));
    let group = format!("tsan_group_{}", std::process::id());
    let a = member(namesrv, &group, topic, got.clone());
    let sending = Arc::new(AtomicBool::new(true));
    let sender = {
        let (p, on, topic) = (p.clone(), sending.clone(), topic.to_string());
        std::thread::spawn(move || {
            let mut i = n;
            while on.load(Ordering::SeqCst) && i < n + 2000 {
                if p.send(&Message::new(&topic, format!("c{}", i).into_bytes()))
                    .is_ok()
                {
                    i += 1;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            i
        })
    };
    std::thread::sleep(Duration::from_secs(2));
    let b = member(namesrv, &group, topic, got.clone());
    std::thread::sleep(Duration::from_secs(2));
    a.shutdown().unwrap();
    std::thread::sleep(Duration::from_secs(1));
    sending.store(false, Ordering::SeqCst);
    let sent = sender.join().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while got.lock().unwrap().len() < sent && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    b.shutdown().unwrap();
    p.shutdown().unwrap();
    let distinct = got.lock().unwrap().len();
    assert_eq!(
        distinct, sent,
        "sent {}, consumed {} distinct",
        sent, distinct
    );
    println!("consumer ok sent={} consumed={}", sent, distinct);
}

static mut PLANTED: u64 = 0;

fn race_mode() {
    let writers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(|| {
                for _ in 0..1000 {
                    // SAFETY: none; the unsynchronised write is the point.
                    unsafe {
                        let p = &raw mut PLANTED;
                        p.write_volatile(p.read_volatile() + 1);
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    println!("race ok");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, namesrv, topic, mode] = &args[..] else {
        eprintln!("usage: tsan-stress <namesrv> <topic> async|shutdown|consumer|race");
        std::process::exit(2);
    };
    match mode.as_str() {
        "async" => async_mode(namesrv, topic),
        "shutdown" => shutdown_mode(namesrv, topic),
        "consumer" => consumer_mode(namesrv, topic),
        "race" => race_mode(),
        _ => {
            eprintln!("unknown mode {}", mode);
            std::process::exit(2);
        }
    }
}
