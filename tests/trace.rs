//! Message trace (`enableMsgTrace`) against the real cluster: the trace
//! topic is read back with the library's pull consumer and every record is
//! decoded by the decoder below, written from Java's
//! `TraceDataEncoder.decoderFromTraceDataString`. A producer writes one
//! `Pub` per sent message (sync, async, batch) with the right ids, success
//! flag and fields, in trace messages keyed by msgId and keys; a push
//! consumer writes one `SubBefore` + `SubAfter` pair per consumed message,
//! and a failed call and its retry each get their pair (retry times 0 then
//! 1, failed then succeeded); the legacy setter writes to
//! `RMQ_SYS_TRACE_TOPIC`.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocketmq::{ConsumeStatus, Message, Producer, PullConsumer, PushConsumer, SendResult};

/// One decoded record: its type and fields (Java's `line[]`).
#[derive(Debug, Clone)]
struct Record {
    kind: String,
    fields: Vec<String>,
    /// The KEYS of the trace message that carried it.
    message_keys: String,
}

/// Java `decoderFromTraceDataString`: records end with `\u{2}`, fields
/// are separated by `\u{1}`.
fn decode(body: &str, message_keys: &str) -> Vec<Record> {
    body.split('\u{2}')
        .filter(|r| !r.is_empty())
        .map(|r| {
            let line: Vec<String> = r.split('\u{1}').map(str::to_string).collect();
            Record {
                kind: line[0].clone(),
                fields: line,
                message_keys: message_keys.to_string(),
            }
        })
        .collect()
}

/// Reads `trace_topic` from the start until `want(records)` holds or 40 s
/// pass.
fn read_trace(trace_topic: &str, want: impl Fn(&[Record]) -> bool) -> Vec<Record> {
    let cluster = common::shared();
    let c = PullConsumer::new(&common::unique_topic("tracecg")).unwrap();
    c.set("namesrvAddr", &cluster.namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c.subscribe(trace_topic, "*").unwrap();
    c.start().unwrap();
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut records = Vec::new();
    while !want(&records) && Instant::now() < deadline {
        for m in c.poll(Duration::from_millis(300), 64).unwrap() {
            let body = String::from_utf8(m.body.to_vec()).unwrap();
            records.extend(decode(&body, m.property("KEYS").unwrap_or("")));
        }
    }
    c.shutdown().unwrap();
    records
}

/// The Pub record's fields by Java's names.
fn pub_fields(r: &Record) -> HashMap<&'static str, &str> {
    let names = [
        "type",
        "timestamp",
        "region",
        "group",
        "topic",
        "msgId",
        "tags",
        "keys",
        "storeHost",
        "bodyLength",
        "costTime",
        "msgType",
        "offsetMsgId",
        "success",
    ];
    assert_eq!(r.fields.len(), names.len(), "{:?}", r);
    names
        .iter()
        .zip(&r.fields)
        .map(|(n, v)| (*n, v.as_str()))
        .collect()
}

fn store_host(offset_msg_id: &str) -> String {
    let ip = u32::from_str_radix(&offset_msg_id[0..8], 16).unwrap();
    let port = u32::from_str_radix(&offset_msg_id[8..16], 16).unwrap();
    format!("{}:{}", std::net::Ipv4Addr::from(ip), port)
}

#[test]
fn producer_writes_one_pub_per_sent_message() {
    let cluster = common::shared();
    let topic = common::unique_topic("TraceT");
    let trace_topic = common::unique_topic("TraceData");
    let group = common::unique_topic("tracepg");
    let p = Producer::new(&group).unwrap();
    p.set("namesrvAddr", &cluster.namesrv).unwrap();
    p.set("enableMsgTrace", "true").unwrap();
    p.set("customizedTraceTopic", &trace_topic).unwrap();
    p.start().unwrap();
    let message = |i: usize| {
        let mut m = Message::new(&topic, format!("body-{}", i).into_bytes());
        m.set_tags("TagA").unwrap();
        m.set_keys(&format!("key-{} shared", i)).unwrap();
        m
    };
    // (index, result) of every message sent.
    let mut sent: Vec<(usize, SendResult)> = Vec::new();
    let t0 = Instant::now();
    for i in 0..20 {
        sent.push((i, p.send(&message(i)).unwrap()));
    }
    let sync_took = t0.elapsed();
    let (tx, rx) = crossbeam_channel::unbounded();
    for i in 20..25 {
        let tx = tx.clone();
        p.send_async(
            &message(i),
            Box::new(move |r| tx.send((i, r.unwrap())).unwrap()),
        )
        .unwrap();
    }
    for _ in 20..25 {
        sent.push(rx.recv_timeout(Duration::from_secs(10)).unwrap());
    }
    let batch: Vec<Message> = (25..28).map(message).collect();
    let r = p.send_batch(&batch).unwrap();
    let ids: Vec<&str> = r.msg_id.split(',').collect();
    let offset_ids: Vec<&str> = r.offset_msg_id.split(',').collect();
    for (k, i) in (25..28).enumerate() {
        let mut one = r.clone();
        one.msg_id = ids[k].to_string();
        one.offset_msg_id = offset_ids[k].to_string();
        sent.push((i, one));
    }
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json().unwrap()).unwrap();
    assert_eq!(stats["trace"]["recorded"], 28, "{}", stats);
    assert_eq!(stats["trace"]["dropped"], 0, "{}", stats);
    let t1 = Instant::now();
    p.shutdown().unwrap();
    eprintln!(
        "20 sync sends with trace: {:?}; shutdown with the trace flush: {:?}",
        sync_took,
        t1.elapsed()
    );

    let records = read_trace(&trace_topic, |r| r.len() >= 28);
    assert_eq!(records.len(), 28, "{:#?}", records);
    let by_id: HashMap<&str, &Record> = records.iter().map(|r| (r.fields[5].as_str(), r)).collect();
    assert_eq!(by_id.len(), 28, "one Pub per message");
    for (i, r) in &sent {
        let rec = by_id
            .get(r.msg_id.as_str())
            .unwrap_or_else(|| panic!("no Pub for message {} ({})", i, r.msg_id));
        assert_eq!(rec.kind, "Pub");
        let f = pub_fields(rec);
        assert_eq!(f["group"], group);
        assert_eq!(f["topic"], topic);
        assert_eq!(f["tags"], "TagA");
        assert_eq!(f["keys"], format!("key-{} shared", i));
        assert_eq!(f["offsetMsgId"], r.offset_msg_id);
        assert_eq!(f["storeHost"], store_host(&r.offset_msg_id));
        assert_eq!(f["bodyLength"], format!("body-{}", i).len().to_string());
        assert_eq!(f["msgType"], "0");
        assert_eq!(f["success"], "true");
        assert!(f["costTime"].parse::<u64>().unwrap() < 10_000);
        let ts: i64 = f["timestamp"].parse().unwrap();
        assert!(ts > 1_600_000_000_000, "{}", ts);
        assert!(!f["region"].is_empty());
        // The console looks records up by msgId or key.
        let keys: Vec<&str> = rec.message_keys.split(' ').collect();
        assert!(keys.contains(&r.msg_id.as_str()), "{:?}", keys);
        assert!(keys.contains(&format!("key-{}", i).as_str()), "{:?}", keys);
    }
}

#[test]
fn push_consumer_writes_sub_before_and_after_per_message() {
    let cluster = common::shared();
    let topic = common::unique_topic("TraceC");
    let trace_topic = common::unique_topic("TraceSub");
    let group = common::unique_topic("tracecg");
    let producer = common::producer(&cluster.namesrv, &[]);
    let mut ids = Vec::new();
    for i in 0..10 {
        let mut m = Message::new(&topic, format!("c{}", i).into_bytes());
        m.set_keys(&format!("ck-{}", i)).unwrap();
        ids.push((i, producer.send(&m).unwrap().msg_id));
    }
    let c = PushConsumer::new(&group).unwrap();
    c.set("namesrvAddr", &cluster.namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c.set("enableMsgTrace", "true").unwrap();
    c.set("customizedTraceTopic", &trace_topic).unwrap();
    c.subscribe(&topic, "*").unwrap();
    let received = Arc::new(AtomicUsize::new(0));
    let r = received.clone();
    c.register_listener(Arc::new(move |msgs: &[_]| {
        r.fetch_add(msgs.len(), Ordering::SeqCst);
        ConsumeStatus::Success
    }))
    .unwrap();
    c.start().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while received.load(Ordering::SeqCst) < 10 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(received.load(Ordering::SeqCst), 10);
    c.shutdown().unwrap();

    let records = read_trace(&trace_topic, |r| r.len() >= 20);
    assert_eq!(records.len(), 20, "{:#?}", records);
    for (i, id) in &ids {
        let before: Vec<&Record> = records
            .iter()
            .filter(|r| r.kind == "SubBefore" && r.fields[5] == *id)
            .collect();
        let after: Vec<&Record> = records
            .iter()
            .filter(|r| r.kind == "SubAfter" && r.fields[2] == *id)
            .collect();
        assert_eq!((before.len(), after.len()), (1, 1), "message {}", i);
        // SubBefore: type, timestamp, region, group, requestId, msgId,
        // retryTimes, keys.
        let b = &before[0].fields;
        assert_eq!(b.len(), 8, "{:?}", b);
        assert_eq!(b[3], group);
        assert_eq!(b[6], "0");
        assert_eq!(b[7], format!("ck-{}", i));
        // SubAfter: type, requestId, msgId, costTime, success, keys,
        // contextCode, timestamp, group.
        let a = &after[0].fields;
        assert_eq!(a.len(), 9, "{:?}", a);
        assert_eq!(a[1], b[4], "one request id per call");
        assert_eq!(a[4], "true");
        assert_eq!(a[5], format!("ck-{}", i));
        assert_eq!(a[6], "0");
        assert_eq!(a[8], group);
        assert!(a[3].parse::<u64>().is_ok());
    }
}

#[test]
fn legacy_setter_traces_to_rmq_sys_trace_topic() {
    use rocketmq::ffi::legacy::message::*;
    use rocketmq::ffi::legacy::producer::*;
    use rocketmq::ffi::legacy::send::*;
    use rocketmq::ffi::legacy::CSendResult;
    use std::ffi::{CStr, CString};
    let cluster = common::shared();
    let topic = CString::new(common::unique_topic("TraceL")).unwrap();
    let group = CString::new(common::unique_topic("tracelg")).unwrap();
    let namesrv = CString::new(cluster.namesrv.as_str()).unwrap();
    let mut ids = Vec::new();
    // SAFETY: handles are used while live; strings outlive the calls.
    unsafe {
        let p = CreateProducer(group.as_ptr());
        assert_eq!(SetProducerNameServerAddress(p, namesrv.as_ptr()), 0);
        assert_eq!(SetProducerMessageTrace(p, 0), 0); // OPEN
        assert_eq!(StartProducer(p), 0);
        assert_eq!(SetProducerMessageTrace(p, 1), 10, "not after start");
        for _ in 0..3 {
            let msg = CreateMessage(topic.as_ptr());
            SetMessageBody(msg, c"traced".as_ptr());
            let mut r: CSendResult = std::mem::zeroed();
            assert_eq!(SendMessageSync(p, msg, &mut r), 0);
            ids.push(
                CStr::from_ptr(r.msgId.as_ptr())
                    .to_str()
                    .unwrap()
                    .to_string(),
            );
            DestroyMessage(msg);
        }
        ShutdownProducer(p);
        DestroyProducer(p);
    }
    let ours = |r: &Record| r.kind == "Pub" && ids.contains(&r.fields[5]);
    let records = read_trace("RMQ_SYS_TRACE_TOPIC", |rs| {
        rs.iter().filter(|r| ours(r)).count() >= 3
    });
    let mine: Vec<&Record> = records.iter().filter(|r| ours(r)).collect();
    assert_eq!(mine.len(), 3, "{:#?}", mine);
    for r in mine {
        assert_eq!(pub_fields(r)["success"], "true");
        assert_eq!(pub_fields(r)["group"], group.to_str().unwrap());
    }
}

#[test]
fn push_consumer_traces_a_failed_call_and_its_retry() {
    let cluster = common::shared();
    let topic = common::unique_topic("TraceR");
    let trace_topic = common::unique_topic("TraceRetry");
    let group = common::unique_topic("tracercg");
    let producer = common::producer(&cluster.namesrv, &[]);
    let mut m = Message::new(&topic, b"retry-me".to_vec());
    m.set_keys("rk").unwrap();
    let id = producer.send(&m).unwrap().msg_id;
    let c = PushConsumer::new(&group).unwrap();
    c.set("namesrvAddr", &cluster.namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c.set("enableMsgTrace", "true").unwrap();
    c.set("customizedTraceTopic", &trace_topic).unwrap();
    c.subscribe(&topic, "*").unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let n = calls.clone();
    c.register_listener(Arc::new(move |_: &[_]| {
        match n.fetch_add(1, Ordering::SeqCst) {
            0 => ConsumeStatus::ReconsumeLater,
            _ => ConsumeStatus::Success,
        }
    }))
    .unwrap();
    c.start().unwrap();
    let deadline = Instant::now() + Duration::from_secs(40);
    while calls.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "the retry came");
    c.shutdown().unwrap();

    let records = read_trace(&trace_topic, |r| r.len() >= 4);
    let of = |kind: &str, at: usize| -> Vec<Vec<String>> {
        records
            .iter()
            .filter(|r| r.kind == kind && r.fields[at] == id)
            .map(|r| r.fields.clone())
            .collect()
    };
    // In time order (the trace messages may sit on different queues).
    let mut before = of("SubBefore", 5);
    before.sort_by_key(|b| b[1].parse::<i64>().unwrap());
    let mut after = of("SubAfter", 2);
    after.sort_by_key(|a| a[7].parse::<i64>().unwrap());
    assert_eq!((before.len(), after.len()), (2, 2), "{:#?}", records);
    // First call: retry times 0, failed (ConsumeReturnType.FAILED = 4);
    // the retry: retry times 1, succeeded.
    let retries: Vec<&str> = before.iter().map(|b| b[6].as_str()).collect();
    assert_eq!(retries, ["0", "1"]);
    let outcomes: Vec<(&str, &str)> = after
        .iter()
        .map(|a| (a[4].as_str(), a[6].as_str()))
        .collect();
    assert_eq!(outcomes, [("false", "4"), ("true", "0")]);
    assert_eq!(after[0][1], before[0][4]);
    assert_eq!(after[1][1], before[1][4]);
    assert_ne!(before[0][4], before[1][4], "a request id per call");
}
