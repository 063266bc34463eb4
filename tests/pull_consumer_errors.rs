//! Bad input and misuse of the pull consumer get clear errors (issue 15):
//! the state checks, the argument checks of `pull`, `seek` and the offset
//! calls, unknown and invalid topics, and two threads polling at once.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocketmq::consumer::MAX_PULL_NUMS;
use rocketmq::{ErrorKind, Message, MessageQueue, PullConsumer, PullStatus};

/// A consumer of a fresh group on `namesrv`.
fn consumer(namesrv: &str) -> PullConsumer {
    let c = PullConsumer::new(&common::unique_topic("cg")).unwrap();
    c.set("namesrvAddr", namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c
}

fn kind<T: std::fmt::Debug>(r: rocketmq::Result<T>) -> ErrorKind {
    match r {
        Ok(v) => panic!("expected an error, got {:?}", v),
        Err(e) => {
            assert!(!e.message().is_empty(), "{:?} without a message", e.kind());
            e.kind()
        }
    }
}

#[test]
fn pull_bad_input_gets_clear_errors() {
    let cluster = common::shared();
    let topic = common::unique_topic("PullErr");
    let p = common::producer(&cluster.namesrv, &[]);
    let r = p.send(&Message::new(topic.as_str(), &b"one"[..])).unwrap();
    let mq = r.message_queue.clone();
    let long_topic = "T".repeat(200);

    // Construction and configuration.
    assert_eq!(
        kind(PullConsumer::new("").map(|_| ())),
        ErrorKind::InvalidArgument
    );
    let reserved = PullConsumer::new("DEFAULT_CONSUMER").unwrap();
    reserved.set("namesrvAddr", &cluster.namesrv).unwrap();
    assert_eq!(kind(reserved.start()), ErrorKind::InvalidArgument);
    let c = consumer(&cluster.namesrv);
    let before = c.config();
    assert_eq!(kind(c.set("noSuchKey", "1")), ErrorKind::UnknownConfigKey);
    for (k, v) in [
        ("pullBatchSize", "0"),
        ("pullBatchSize", "1025"),
        ("consumeFromWhere", "CONSUME_FROM_NOWHERE"),
        ("consumeTimestamp", "yesterday"),
        ("autoCommit", "maybe"),
        ("autoCommitIntervalMillis", "999"),
        ("messageModel", "UNICAST"),
    ] {
        assert_eq!(kind(c.set(k, v)), ErrorKind::InvalidArgument, "{}={}", k, v);
    }
    assert_eq!(c.config(), before, "a refused setting changes nothing");

    // Before start: everything that needs the engine is InvalidState.
    assert_eq!(
        kind(c.poll(Duration::from_millis(10), 1)),
        ErrorKind::InvalidState
    );
    assert_eq!(kind(c.pull(&mq, "*", 0, 1, false)), ErrorKind::InvalidState);
    assert_eq!(kind(c.commit()), ErrorKind::InvalidState);
    assert_eq!(kind(c.fetch_queues(&topic)), ErrorKind::InvalidState);
    assert_eq!(kind(c.assignment()), ErrorKind::InvalidState);
    assert_eq!(kind(c.committed(&mq)), ErrorKind::InvalidState);
    assert_eq!(kind(c.max_offset(&mq)), ErrorKind::InvalidState);
    assert_eq!(kind(c.seek(&mq, 0)), ErrorKind::InvalidState);

    // Invalid topic names, wherever a topic goes in.
    for bad in ["", "bad topic", "bad/topic", "tópico", long_topic.as_str()] {
        assert_eq!(
            kind(c.subscribe(bad, "*")),
            ErrorKind::InvalidTopic,
            "{:?}",
            bad
        );
        let q = MessageQueue {
            topic: bad.into(),
            ..mq.clone()
        };
        assert_eq!(
            kind(c.assign(std::slice::from_ref(&q))),
            ErrorKind::InvalidTopic,
            "{:?}",
            bad
        );
    }
    // Expressions that name no tag.
    assert_eq!(kind(c.subscribe(&topic, "||")), ErrorKind::InvalidArgument);
    assert_eq!(
        kind(c.subscribe(&topic, " || ")),
        ErrorKind::InvalidArgument
    );

    // subscribe and assign do not mix, either way, before or after start.
    c.subscribe(&topic, "*").unwrap();
    assert_eq!(
        kind(c.assign(std::slice::from_ref(&mq))),
        ErrorKind::InvalidState
    );
    let assigned = consumer(&cluster.namesrv);
    assigned.assign(std::slice::from_ref(&mq)).unwrap();
    assert_eq!(
        kind(assigned.subscribe(&topic, "*")),
        ErrorKind::InvalidState
    );
    // Malformed queues.
    let negative = MessageQueue {
        queue_id: -1,
        ..mq.clone()
    };
    let nameless = MessageQueue {
        broker_name: "".into(),
        ..mq.clone()
    };
    assert_eq!(
        kind(assigned.assign(std::slice::from_ref(&negative))),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(assigned.assign(std::slice::from_ref(&nameless))),
        ErrorKind::InvalidArgument
    );

    c.start().unwrap();
    assigned.start().unwrap();
    assert_eq!(kind(c.start()), ErrorKind::InvalidState, "started twice");
    assert_eq!(kind(c.set("pullBatchSize", "8")), ErrorKind::InvalidState);
    assert_eq!(kind(c.set("noSuchKey", "1")), ErrorKind::InvalidState);
    assert_eq!(
        kind(c.assign(std::slice::from_ref(&mq))),
        ErrorKind::InvalidState
    );
    assert_eq!(
        kind(assigned.subscribe(&topic, "*")),
        ErrorKind::InvalidState
    );
    assigned.shutdown().unwrap();

    // pull: its own argument checks, before any I/O.
    for n in [0, MAX_PULL_NUMS + 1, u32::MAX] {
        assert_eq!(
            kind(c.pull(&mq, "*", 0, n, false)),
            ErrorKind::InvalidArgument,
            "max_nums {}",
            n
        );
    }
    for off in [-1, i64::MIN] {
        assert_eq!(
            kind(c.pull(&mq, "*", off, 1, false)),
            ErrorKind::InvalidArgument,
            "offset {}",
            off
        );
    }
    assert_eq!(
        kind(c.pull(&mq, "||", 0, 1, false)),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(c.pull(&negative, "*", 0, 1, false)),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(c.pull(&nameless, "*", 0, 1, false)),
        ErrorKind::InvalidArgument
    );
    let bad_topic = MessageQueue {
        topic: "bad topic".into(),
        ..mq.clone()
    };
    assert_eq!(
        kind(c.pull(&bad_topic, "*", 0, 1, false)),
        ErrorKind::InvalidTopic
    );
    // The limits themselves are fine (the broker caps a pull at 32).
    let ok = c
        .pull(&mq, "*", r.queue_offset, MAX_PULL_NUMS, false)
        .unwrap();
    assert_eq!(ok.status, PullStatus::Found);
    assert_eq!(ok.messages.len(), 1);
    assert_eq!(ok.messages[0].msg_id(), r.msg_id);
    // Past the end: a status with where to go on, not an error.
    let past = c.pull(&mq, "*", 1000, 1, false).unwrap();
    assert_eq!(past.status, PullStatus::OffsetIllegal);
    assert_eq!(past.max_offset, r.queue_offset + 1);
    // A broker the topic's route does not name.
    let elsewhere = MessageQueue {
        broker_name: "no-such-broker".into(),
        ..mq.clone()
    };
    let started = Instant::now();
    assert_eq!(
        kind(c.pull(&elsewhere, "*", 0, 1, false)),
        ErrorKind::NoRoute
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    // fetch_queues: unknown topics have no route; invalid names are
    // refused before any I/O.
    let started = Instant::now();
    let unknown = common::unique_topic("NoSuchTopic");
    assert_eq!(kind(c.fetch_queues(&unknown)), ErrorKind::NoRoute);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    for bad in ["", "bad topic", long_topic.as_str()] {
        assert_eq!(
            kind(c.fetch_queues(bad)),
            ErrorKind::InvalidTopic,
            "{:?}",
            bad
        );
    }
    assert!(!c.fetch_queues(&topic).unwrap().is_empty());

    // seek: unowned queues and negative offsets.
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.assignment().unwrap().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let owned = c.assignment().unwrap();
    assert!(owned.contains(&mq));
    let not_mine = MessageQueue {
        topic: common::unique_topic("NotMine").into(),
        ..mq.clone()
    };
    assert_eq!(kind(c.seek(&not_mine, 0)), ErrorKind::InvalidArgument);
    assert_eq!(kind(c.seek(&mq, -1)), ErrorKind::InvalidArgument);
    assert_eq!(kind(c.update_offset(&mq, -1)), ErrorKind::InvalidArgument);

    // Two threads polling at once: the second gets InvalidState at once
    // while the first keeps waiting in its poll.
    let c = Arc::new(c);
    assert_eq!(c.poll(Duration::from_secs(10), 10).unwrap().len(), 1);
    let first_done = Arc::new(AtomicBool::new(false));
    let (c2, done2) = (c.clone(), first_done.clone());
    let first = std::thread::spawn(move || {
        let started = Instant::now();
        let r = c2.poll(Duration::from_millis(2500), 10);
        done2.store(true, Ordering::SeqCst);
        (r, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !first_done.load(Ordering::SeqCst),
        "the first poll returned early"
    );
    let started = Instant::now();
    assert_eq!(
        kind(c.poll(Duration::from_secs(5), 10)),
        ErrorKind::InvalidState
    );
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert!(
        !first_done.load(Ordering::SeqCst),
        "the first poll stopped waiting"
    );
    let (r, waited) = first.join().unwrap();
    assert!(r.unwrap().is_empty());
    assert!(waited >= Duration::from_millis(2400), "{:?}", waited);
    // Once it returned, polling works again.
    assert!(c.poll(Duration::from_millis(10), 10).unwrap().is_empty());

    // A poll blocked in another thread returns Shutdown when the consumer
    // shuts down.
    let c2 = c.clone();
    let blocked = std::thread::spawn(move || {
        let started = Instant::now();
        (c2.poll(Duration::from_secs(20), 10), started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    c.shutdown().unwrap();
    let (r, waited) = blocked.join().unwrap();
    assert_eq!(kind(r), ErrorKind::Shutdown);
    assert!(waited < Duration::from_secs(10), "{:?}", waited);

    // After shutdown.
    c.shutdown().unwrap(); // idempotent
    assert_eq!(
        kind(c.poll(Duration::from_millis(10), 1)),
        ErrorKind::Shutdown
    );
    assert_eq!(kind(c.pull(&mq, "*", 0, 1, false)), ErrorKind::Shutdown);
    assert_eq!(kind(c.commit()), ErrorKind::Shutdown);
    assert_eq!(kind(c.fetch_queues(&topic)), ErrorKind::Shutdown);
    assert_eq!(kind(c.seek(&mq, 0)), ErrorKind::Shutdown);
    assert_eq!(kind(c.committed(&mq)), ErrorKind::Shutdown);
    assert_eq!(kind(c.subscribe(&topic, "*")), ErrorKind::Shutdown);
    assert_eq!(kind(c.start()), ErrorKind::InvalidState);
    assert_eq!(kind(c.set("pullBatchSize", "8")), ErrorKind::InvalidState);
    p.shutdown().unwrap();
}
