//! The push consumer against the real cluster: every message reaches the
//! listener, two groups each get everything, a tag filter, retries with
//! growing reconsume times, the DLQ, shutdown with listeners running.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocketmq::protocol::message_ext::MessageExt;
use rocketmq::{ConsumeStatus, Message, PullConsumer, PushConsumer};

fn push(
    namesrv: &str,
    group: &str,
    topic: &str,
    expr: &str,
    settings: &[(&str, &str)],
    listener: impl Fn(&[MessageExt]) -> ConsumeStatus + Send + Sync + 'static,
) -> PushConsumer {
    let c = PushConsumer::new(group).unwrap();
    c.set("namesrvAddr", namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c.set("consumeThreadCount", "4").unwrap();
    for (k, v) in settings {
        c.set(k, v).unwrap();
    }
    c.subscribe(topic, expr).unwrap();
    c.register_listener(Arc::new(listener)).unwrap();
    c.start().unwrap();
    c
}

fn wait_until(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

#[test]
fn push_consumer_two_groups_each_get_every_message_and_a_tag_filter_its_tag() {
    let cluster = common::shared();
    let topic = common::unique_topic("PushT");
    let producer = common::producer(&cluster.namesrv, &[]);
    let mut sent = HashMap::new();
    for i in 0..60 {
        let mut m = Message::new(&topic, format!("push {}", i).into_bytes());
        m.set_tags(if i % 3 == 0 { "A" } else { "B" }).unwrap();
        let r = producer.send(&m).unwrap();
        sent.insert(r.msg_id.clone(), (i, r));
    }
    let all1 = Arc::new(Mutex::new(Vec::<MessageExt>::new()));
    let all2 = Arc::new(Mutex::new(Vec::<MessageExt>::new()));
    let only_a = Arc::new(Mutex::new(Vec::<MessageExt>::new()));
    let (g1, g2, g3) = (
        common::unique_topic("PushG1"),
        common::unique_topic("PushG2"),
        common::unique_topic("PushG3"),
    );
    let sink = |v: Arc<Mutex<Vec<MessageExt>>>| {
        move |msgs: &[MessageExt]| {
            assert!(PushConsumer::on_consume_thread());
            v.lock().unwrap().extend(msgs.iter().cloned());
            ConsumeStatus::Success
        }
    };
    let c1 = push(&cluster.namesrv, &g1, &topic, "*", &[], sink(all1.clone()));
    let c2 = push(&cluster.namesrv, &g2, &topic, "*", &[], sink(all2.clone()));
    let c3 = push(
        &cluster.namesrv,
        &g3,
        &topic,
        "A",
        &[],
        sink(only_a.clone()),
    );
    let a_count = sent.values().filter(|(i, _)| i % 3 == 0).count();
    assert!(wait_until(Duration::from_secs(30), || {
        all1.lock().unwrap().len() >= 60
            && all2.lock().unwrap().len() >= 60
            && only_a.lock().unwrap().len() >= a_count
    }));
    for got in [&all1, &all2] {
        let got = got.lock().unwrap();
        let ids: BTreeSet<String> = got.iter().map(|m| m.msg_id().to_string()).collect();
        assert_eq!(ids.len(), 60);
        for m in got.iter() {
            let (i, r) = &sent[m.msg_id()];
            assert_eq!(&m.body[..], format!("push {}", i).as_bytes());
            assert_eq!(&*m.topic, topic.as_str());
            assert_eq!(m.queue_offset, r.queue_offset);
            assert_eq!(m.reconsume_times, 0);
        }
    }
    let a = only_a.lock().unwrap();
    assert_eq!(a.len(), a_count);
    assert!(a.iter().all(|m| m.property("TAGS") == Some("A")));
    drop(a);
    for c in [c1, c2, c3] {
        c.shutdown().unwrap();
    }
    producer.shutdown().unwrap();
}

#[test]
fn retry_reconsume_times_grow_until_the_listener_succeeds() {
    let cluster = common::shared();
    let topic = common::unique_topic("RetryT");
    let group = common::unique_topic("RetryG");
    let producer = common::producer(&cluster.namesrv, &[]);
    let r = producer
        .send(&Message::new(&topic, &b"fail twice"[..]))
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::<(i32, String, String)>::new()));
    let s2 = seen.clone();
    // Delay level 1 (1 s) for the retries keeps the test short.
    let c = push(
        &cluster.namesrv,
        &group,
        &topic,
        "*",
        &[("delayLevelWhenNextConsume", "1")],
        move |msgs| {
            let mut s = s2.lock().unwrap();
            for m in msgs {
                s.push((
                    m.reconsume_times,
                    m.msg_id().to_string(),
                    m.topic.to_string(),
                ));
            }
            if msgs.iter().all(|m| m.reconsume_times >= 2) {
                ConsumeStatus::Success
            } else {
                ConsumeStatus::ReconsumeLater
            }
        },
    );
    assert!(
        wait_until(Duration::from_secs(60), || seen.lock().unwrap().len() >= 3),
        "deliveries: {:?}",
        seen.lock().unwrap()
    );
    std::thread::sleep(Duration::from_secs(2));
    let s = seen.lock().unwrap().clone();
    assert_eq!(
        s.iter().map(|x| x.0).collect::<Vec<_>>(),
        vec![0, 1, 2],
        "{:?}",
        s
    );
    for (_, id, t) in &s {
        assert_eq!(id, &r.msg_id, "a retry keeps the original msgId");
        assert_eq!(t, &topic, "a retry comes back under the original topic");
    }
    c.shutdown().unwrap();
    producer.shutdown().unwrap();
}

#[test]
fn dlq_gets_a_message_that_always_fails() {
    let cluster = common::shared();
    let topic = common::unique_topic("DlqT");
    let group = common::unique_topic("DlqG");
    let producer = common::producer(&cluster.namesrv, &[]);
    let r = producer
        .send(&Message::new(&topic, &b"always fails"[..]))
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let c = push(
        &cluster.namesrv,
        &group,
        &topic,
        "*",
        &[
            ("delayLevelWhenNextConsume", "1"),
            ("maxReconsumeTimes", "2"),
        ],
        move |_| {
            c2.fetch_add(1, Ordering::SeqCst);
            ConsumeStatus::ReconsumeLater
        },
    );
    // Deliveries 0, 1, 2; the third failure sends it to %DLQ%<group>.
    assert!(wait_until(Duration::from_secs(60), || calls
        .load(Ordering::SeqCst)
        >= 3));
    let dlq_topic = format!("%DLQ%{}", group);
    let reader = PullConsumer::new(&common::unique_topic("DlqReader")).unwrap();
    reader.set("namesrvAddr", &cluster.namesrv).unwrap();
    reader.start().unwrap();
    let mut found: Option<MessageExt> = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while found.is_none() && Instant::now() < deadline {
        // The DLQ topic (one queue) is created by the broker on first use.
        let queues = match reader.fetch_queues(&dlq_topic) {
            Ok(q) => q,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(200));
                continue;
            }
        };
        for q in &queues {
            let got = reader.pull(q, "*", 0, 32, false).unwrap();
            found = got.messages.into_iter().find(|m| m.msg_id() == r.msg_id);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let m = found.expect("the message reached the DLQ");
    assert_eq!(&m.body[..], b"always fails");
    assert_eq!(m.reconsume_times, 3);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(calls.load(Ordering::SeqCst), 3, "no delivery after the DLQ");
    c.shutdown().unwrap();
    reader.shutdown().unwrap();
    producer.shutdown().unwrap();
}

#[test]
fn push_consumer_shutdown_waits_for_running_listeners_and_none_runs_after() {
    let cluster = common::shared();
    let topic = common::unique_topic("PushStop");
    let group = common::unique_topic("PushStopG");
    let producer = common::producer(&cluster.namesrv, &[]);
    for i in 0..200 {
        producer
            .send(&Message::new(&topic, format!("s{}", i).into_bytes()))
            .unwrap();
    }
    let running = Arc::new(AtomicUsize::new(0));
    let after = Arc::new(AtomicBool::new(false));
    let stopped = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicUsize::new(0));
    let (r2, a2, s2, k2) = (
        running.clone(),
        after.clone(),
        stopped.clone(),
        calls.clone(),
    );
    let c = push(&cluster.namesrv, &group, &topic, "*", &[], move |_| {
        if s2.load(Ordering::SeqCst) {
            a2.store(true, Ordering::SeqCst);
        }
        r2.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(20));
        r2.fetch_sub(1, Ordering::SeqCst);
        k2.fetch_add(1, Ordering::SeqCst);
        ConsumeStatus::Success
    });
    assert!(wait_until(Duration::from_secs(30), || calls
        .load(Ordering::SeqCst)
        >= 20));
    c.shutdown().unwrap();
    stopped.store(true, Ordering::SeqCst);
    assert_eq!(
        running.load(Ordering::SeqCst),
        0,
        "a listener still ran after shutdown returned"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !after.load(Ordering::SeqCst),
        "a listener was called after shutdown returned"
    );
    // A second consumer of the group resumes after what was consumed: the
    // commit at shutdown covered every finished call.
    let consumed = calls.load(Ordering::SeqCst);
    let rest = Arc::new(AtomicUsize::new(0));
    let r3 = rest.clone();
    let c2 = push(&cluster.namesrv, &group, &topic, "*", &[], move |m| {
        r3.fetch_add(m.len(), Ordering::SeqCst);
        ConsumeStatus::Success
    });
    assert!(wait_until(Duration::from_secs(30), || consumed
        + rest.load(Ordering::SeqCst)
        >= 200));
    std::thread::sleep(Duration::from_secs(1));
    let dups = consumed + rest.load(Ordering::SeqCst) - 200;
    assert!(dups <= 8, "{} duplicates after a clean shutdown", dups);
    c2.shutdown().unwrap();
    producer.shutdown().unwrap();
}

#[test]
fn push_consumer_bad_input_and_wrong_state() {
    let c = PushConsumer::new("g_bad").unwrap();
    assert!(PushConsumer::new("").is_err());
    assert_eq!(
        c.start().unwrap_err().kind(),
        rocketmq::ErrorKind::InvalidState
    );
    c.subscribe("T", "*").unwrap();
    assert_eq!(
        c.start().unwrap_err().kind(),
        rocketmq::ErrorKind::InvalidState
    );
    assert!(c.subscribe("bad topic!", "*").is_err());
    assert!(c.set("consumeThreadCount", "0").is_err());
    assert!(c.set("maxReconsumeTimes", "-2").is_err());
    c.shutdown().unwrap();
    assert!(c.subscribe("T", "*").is_err());
}

#[test]
fn push_consumer_survives_a_broker_restart_without_losing_messages() {
    let cluster = common::Cluster::start(1);
    let topic = common::unique_topic("PushKill");
    let group = common::unique_topic("PushKillG");
    let producer = common::producer(&cluster.namesrv, &[]);
    let n = 2000;
    let mut sent = BTreeSet::new();
    for i in 0..n {
        let mut body = format!("kill {} ", i).into_bytes();
        body.resize(512, b'k');
        sent.insert(producer.send(&Message::new(&topic, body)).unwrap().msg_id);
    }
    producer.shutdown().unwrap();
    let got = Arc::new(Mutex::new(Vec::<String>::new()));
    let g2 = got.clone();
    let c = push(
        &cluster.namesrv,
        &group,
        &topic,
        "*",
        &[("pullThresholdForQueue", "50"), ("pullBatchSize", "16")],
        move |msgs| {
            std::thread::sleep(Duration::from_millis(2));
            g2.lock()
                .unwrap()
                .extend(msgs.iter().map(|m| m.msg_id().to_string()));
            ConsumeStatus::Success
        },
    );
    assert!(wait_until(Duration::from_secs(30), || got
        .lock()
        .unwrap()
        .len()
        >= n / 3));
    cluster.kill_broker(0);
    std::thread::sleep(Duration::from_secs(2));
    cluster.start_broker(0);
    let done = wait_until(Duration::from_secs(60), || {
        let g = got.lock().unwrap();
        let ids: BTreeSet<&String> = g.iter().collect();
        sent.iter().all(|id| ids.contains(id))
    });
    let g = got.lock().unwrap().clone();
    let ids: BTreeSet<&String> = g.iter().collect();
    assert!(
        done,
        "{} of {} received 60 s after the restart",
        ids.len(),
        n
    );
    eprintln!("all {} received; {} duplicates", n, g.len() - ids.len());
    c.shutdown().unwrap();
}

#[test]
fn broadcast_members_each_get_everything_and_a_restarted_one_resumes_from_its_file() {
    let cluster = common::shared();
    let topic = common::unique_topic("BcastPush");
    let group = common::unique_topic("BcastPushG");
    let dir = std::env::temp_dir().join(common::unique_topic("rmq-bcast"));
    let dir_s = dir.to_str().unwrap().to_string();
    let producer = common::producer(&cluster.namesrv, &[]);
    let mut first = BTreeSet::new();
    for i in 0..30 {
        first.insert(
            producer
                .send(&Message::new(&topic, format!("b{}", i).into_bytes()))
                .unwrap()
                .msg_id,
        );
    }
    let collect = |v: Arc<Mutex<Vec<String>>>| {
        move |msgs: &[MessageExt]| {
            v.lock()
                .unwrap()
                .extend(msgs.iter().map(|m| m.msg_id().to_string()));
            ConsumeStatus::Success
        }
    };
    let settings = [
        ("messageModel", "BROADCASTING"),
        ("offsetStoreDir", dir_s.as_str()),
    ];
    let a_got = Arc::new(Mutex::new(Vec::new()));
    let b_got = Arc::new(Mutex::new(Vec::new()));
    let a = push(
        &cluster.namesrv,
        &group,
        &topic,
        "*",
        &settings,
        collect(a_got.clone()),
    );
    // The second member keeps no file: only the first one restarts.
    let b = push(
        &cluster.namesrv,
        &group,
        &topic,
        "*",
        &[("messageModel", "BROADCASTING")],
        collect(b_got.clone()),
    );
    for got in [&a_got, &b_got] {
        assert!(wait_until(Duration::from_secs(30), || got
            .lock()
            .unwrap()
            .len()
            >= 30));
        let ids: BTreeSet<String> = got.lock().unwrap().iter().cloned().collect();
        assert_eq!(ids, first, "a broadcasting member missed messages");
    }
    a.shutdown().unwrap();
    assert!(dir.join(&group).join("offsets.json").exists());
    let mut second = BTreeSet::new();
    for i in 0..10 {
        second.insert(
            producer
                .send(&Message::new(&topic, format!("c{}", i).into_bytes()))
                .unwrap()
                .msg_id,
        );
    }
    let again = Arc::new(Mutex::new(Vec::new()));
    let a2 = push(
        &cluster.namesrv,
        &group,
        &topic,
        "*",
        &settings,
        collect(again.clone()),
    );
    assert!(wait_until(Duration::from_secs(30), || again
        .lock()
        .unwrap()
        .len()
        >= 10));
    std::thread::sleep(Duration::from_secs(1));
    let ids: BTreeSet<String> = again.lock().unwrap().iter().cloned().collect();
    assert_eq!(
        ids, second,
        "the restarted member resumed after its stored offsets"
    );
    a2.shutdown().unwrap();
    b.shutdown().unwrap();
    producer.shutdown().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn push_consumer_answers_running_info_and_consume_directly_relayed_by_the_broker() {
    let cluster = common::shared();
    let topic = common::unique_topic("PushInfo");
    let group = common::unique_topic("PushInfoG");
    let producer = common::producer(&cluster.namesrv, &[]);
    let mut probe = Message::new(&topic, &b"probe"[..]);
    probe.set_tags("TagA").unwrap();
    let sent = producer.send(&probe).unwrap();
    let seen: Arc<Mutex<Vec<(String, i32)>>> = Arc::default();
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (s2, f2) = (seen.clone(), fail.clone());
    let c = push(
        &cluster.namesrv,
        &group,
        &topic,
        "TagA||TagB",
        &[],
        move |m| {
            let mut s = s2.lock().unwrap();
            for x in m {
                let body = String::from_utf8_lossy(&x.body).into_owned();
                s.push((format!("{} {}", x.topic, body), x.queue_id));
            }
            if f2.load(Ordering::SeqCst) {
                ConsumeStatus::ReconsumeLater
            } else {
                ConsumeStatus::Success
            }
        },
    );
    let resp = common::request(&cluster.namesrv, 105, &[("topic", &topic)]);
    let route = rocketmq::protocol::route::TopicRouteData::parse(&resp.body).unwrap();
    let broker = route.broker_datas[0].master_addr().unwrap().to_string();
    // The group's members as the broker knows them (after the heartbeat).
    let mut ids: Vec<String> = Vec::new();
    assert!(wait_until(Duration::from_secs(20), || {
        let r = common::request(&broker, 38, &[("consumerGroup", &group)]);
        if r.code != 0 {
            return false;
        }
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        ids = v["consumerIdList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        !ids.is_empty()
    }));
    // An admin's GET_CONSUMER_RUNNING_INFO (307), relayed to the consumer.
    let r = common::request(
        &broker,
        307,
        &[
            ("consumerGroup", &group),
            ("clientId", &ids[0]),
            ("jstackEnable", "false"),
        ],
    );
    assert_eq!(r.code, 0, "{:?}", r.remark);
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["properties"]["PROP_CONSUME_TYPE"], "CONSUME_PASSIVELY");
    assert_eq!(v["properties"]["PROP_THREADPOOL_CORE_SIZE"], "4");
    let subs: Vec<String> = v["subscriptionSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["topic"].as_str().unwrap(),
                s["subString"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        subs.contains(&format!("{} TagA||TagB", topic)),
        "{:?}",
        subs
    );
    assert!(subs.contains(&format!("%RETRY%{} *", group)), "{:?}", subs);
    // CONSUME_MESSAGE_DIRECTLY (309): the broker looks the message up by
    // its offsetMsgId and relays it; the listener runs once more on it.
    let expect = format!("{} probe", topic);
    let count = |seen: &Mutex<Vec<(String, i32)>>| {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|(m, q)| *m == expect && *q == sent.message_queue.queue_id)
            .count()
    };
    assert!(wait_until(Duration::from_secs(20), || count(&seen) == 1));
    let direct = |group: &str| {
        common::request(
            &broker,
            309,
            &[
                ("consumerGroup", group),
                ("clientId", &ids[0]),
                ("msgId", &sent.offset_msg_id),
                ("topic", &topic),
            ],
        )
    };
    let r = direct(&group);
    assert_eq!(r.code, 0, "{:?}", r.remark);
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["consumeResult"], "CR_SUCCESS", "{}", v);
    assert_eq!(v["order"], false);
    assert_eq!(v["autoCommit"], true);
    assert!(v["spentTimeMills"].as_u64().is_some(), "{}", v);
    assert_eq!(count(&seen), 2);
    // A listener asking for the message again: CR_LATER, and no retry.
    fail.store(true, Ordering::SeqCst);
    let r = direct(&group);
    assert_eq!(r.code, 0, "{:?}", r.remark);
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["consumeResult"], "CR_LATER", "{}", v);
    fail.store(false, Ordering::SeqCst);
    // Another group's request is refused with Java's text.
    let r = direct("NoSuchGroup");
    assert_ne!(r.code, 0);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        count(&seen),
        3,
        "a direct call is neither retried nor committed"
    );
    c.shutdown().unwrap();
    producer.shutdown().unwrap();
}

#[test]
fn push_consumer_max_span_holds_pulls_behind_a_slow_message() {
    let cluster = common::shared();
    let topic = common::unique_topic("PushSpan");
    let group = common::unique_topic("PushSpanG");
    let producer = common::producer(&cluster.namesrv, &[]);
    // Every message to one queue, so that m0 (its offset 0) holds it back.
    let q = producer.queue_for_key(&topic, "one").unwrap();
    for i in 0..300 {
        producer
            .send_to_queue(&Message::new(&topic, format!("m{}", i).into_bytes()), &q)
            .unwrap();
    }
    let done = Arc::new(AtomicUsize::new(0));
    let during = Arc::new(AtomicUsize::new(usize::MAX));
    let (d2, w2) = (done.clone(), during.clone());
    let c = push(
        &cluster.namesrv,
        &group,
        &topic,
        "*",
        &[("consumeConcurrentlyMaxSpan", "10"), ("pullBatchSize", "8")],
        move |msgs| {
            if msgs.iter().any(|m| &m.body[..] == b"m0") {
                std::thread::sleep(Duration::from_millis(1500));
                w2.store(d2.load(Ordering::SeqCst), Ordering::SeqCst);
            }
            d2.fetch_add(msgs.len(), Ordering::SeqCst);
            ConsumeStatus::Success
        },
    );
    assert!(wait_until(Duration::from_secs(30), || done
        .load(Ordering::SeqCst)
        >= 300));
    let while_slow = during.load(Ordering::SeqCst);
    // While m0 was in flight, pulls stopped once the span passed 10: what
    // was pulled by then (a few pulls of 8) was all the others could take.
    assert!(
        while_slow <= 10 + 3 * 8,
        "{} messages consumed while the first one was in flight",
        while_slow
    );
    c.shutdown().unwrap();
    producer.shutdown().unwrap();
}

#[test]
fn push_consumer_dropped_from_its_own_listener_stops() {
    let cluster = common::shared();
    let topic = common::unique_topic("PushDropSelf");
    let group = common::unique_topic("PushDropSelfG");
    let producer = common::producer(&cluster.namesrv, &[]);
    for i in 0..50 {
        producer
            .send(&Message::new(&topic, format!("d{}", i).into_bytes()))
            .unwrap();
    }
    let slot: Arc<Mutex<Option<PushConsumer>>> = Arc::new(Mutex::new(None));
    let calls = Arc::new(AtomicUsize::new(0));
    let (s2, c2) = (slot.clone(), calls.clone());
    let c = push(&cluster.namesrv, &group, &topic, "*", &[], move |_| {
        c2.fetch_add(1, Ordering::SeqCst);
        // The last handle is dropped on a consume thread.
        let last = s2.lock().unwrap().take();
        drop(last);
        ConsumeStatus::Success
    });
    *slot.lock().unwrap() = Some(c);
    assert!(wait_until(Duration::from_secs(30), || calls
        .load(Ordering::SeqCst)
        > 0));
    std::thread::sleep(Duration::from_secs(2));
    let settled = calls.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        settled,
        "the listener was still called after the consumer was dropped"
    );
    producer.shutdown().unwrap();
}
