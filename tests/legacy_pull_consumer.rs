//! The legacy pull consumer (`CPullConsumer.h`), called through its
//! `extern "C"` functions against the real cluster: what the Rust producer
//! sent comes back through `FetchSubscriptionMessageQueues`, `Pull` and
//! every `CMessageExt` getter; the statuses, the tag filter, the release
//! rules, bad input and the life cycle.

mod common;

use std::collections::HashMap;
use std::ffi::{c_char, c_int, CStr, CString};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use rocketmq::ffi::legacy::message::*;
use rocketmq::ffi::legacy::pull_consumer::*;
use rocketmq::ffi::legacy::pull_result::*;
use rocketmq::ffi::legacy::{CMessageQueue, GetLatestErrorMessage};
use rocketmq::{Message, SendResult};

fn last_error() -> String {
    // SAFETY: GetLatestErrorMessage never returns NULL; the text is valid
    // until the next failure on this thread.
    unsafe { CStr::from_ptr(GetLatestErrorMessage()) }
        .to_string_lossy()
        .into_owned()
}

/// A copy of a C string returned by a getter ("<NULL>" for NULL).
fn text(p: *const c_char) -> String {
    if p.is_null() {
        return "<NULL>".into();
    }
    // SAFETY: a getter's string, valid while its handle lives.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// A created (not started) consumer of a fresh group on `namesrv`.
fn created(namesrv: &str) -> *mut CPullConsumer {
    let group = c(&common::unique_topic("legacy_pull"));
    // SAFETY: C strings alive during the calls; the handle is live.
    unsafe {
        let p = CreatePullConsumer(group.as_ptr());
        assert!(!p.is_null());
        assert_eq!(text(GetPullConsumerGroupID(p)), group.to_str().unwrap());
        assert_eq!(SetPullConsumerNameServerAddress(p, c(namesrv).as_ptr()), 0);
        p
    }
}

fn started(namesrv: &str) -> *mut CPullConsumer {
    let p = created(namesrv);
    // SAFETY: a live handle.
    unsafe {
        assert_eq!(StartPullConsumer(p), 0, "{}", last_error());
        assert_eq!(StartPullConsumer(p), 0, "a second start is a no-op");
    }
    p
}

/// The queues of `topic` (Fetch, copy, Release).
fn queues(p: *mut CPullConsumer, topic: &str) -> Vec<CMessageQueue> {
    let t = c(topic);
    let mut mqs: *mut CMessageQueue = std::ptr::null_mut();
    let mut size: c_int = -1;
    // SAFETY: a live handle, a C string and two out pointers; the array
    // holds `size` entries until released.
    unsafe {
        assert_eq!(
            FetchSubscriptionMessageQueues(p, t.as_ptr(), &mut mqs, &mut size),
            0,
            "{}",
            last_error()
        );
        assert!(size > 0 && !mqs.is_null(), "size {}", size);
        let out = std::slice::from_raw_parts(mqs, size as usize).to_vec();
        assert_eq!(ReleaseSubscriptionMessageQueue(mqs), 0);
        out
    }
}

/// Everything the getters say about one pulled message.
#[derive(Debug, Clone)]
struct Got {
    id: String,
    topic: String,
    tags: String,
    keys: String,
    body: Vec<u8>,
    prop: String,
    uniq: String,
    absent: String,
    queue_id: i32,
    queue_offset: i64,
    commit_log_offset: i64,
    store_size: i32,
    born_timestamp: i64,
    store_timestamp: i64,
    reconsume_times: i32,
    prepared_transaction_offset: i64,
    delay: i32,
    store_host: String,
    born_host: String,
}

/// # Safety
/// `m` is a message of a live pull result.
unsafe fn snapshot(m: *mut CMessageExt) -> Got {
    // SAFETY: as this function's # Safety.
    unsafe {
        let len = GetMessageBodyLength(m);
        let body = GetMessageBody(m) as *const u8;
        assert!(!body.is_null() && len >= 0);
        assert_eq!(*body.add(len as usize), 0, "the body is NUL-terminated");
        assert_eq!(GetOriginMessageBodyLength(m), len);
        assert_eq!(text(GetOriginMessageTopic(m)), text(GetMessageTopic(m)));
        Got {
            id: text(GetMessageId(m)),
            topic: text(GetMessageTopic(m)),
            tags: text(GetMessageTags(m)),
            keys: text(GetMessageKeys(m)),
            body: std::slice::from_raw_parts(body, len as usize).to_vec(),
            prop: text(GetMessageProperty(m, c"prop".as_ptr())),
            uniq: text(GetMessageProperty(m, c"UNIQ_KEY".as_ptr())),
            absent: text(GetMessageProperty(m, c"no-such-property".as_ptr())),
            queue_id: GetMessageQueueId(m),
            queue_offset: GetMessageQueueOffset(m),
            commit_log_offset: GetMessageCommitLogOffset(m),
            store_size: GetMessageStoreSize(m),
            born_timestamp: GetMessageBornTimestamp(m),
            store_timestamp: GetMessageStoreTimestamp(m),
            reconsume_times: GetMessageReconsumeTimes(m),
            prepared_transaction_offset: GetMessagePreparedTransactionOffset(m),
            delay: GetMessageDelayTimeLevel(m),
            store_host: text(GetMessageStoreHost(m)),
            born_host: text(GetMessageBornHost(m)),
        }
    }
}

/// Pulls every queue from offset 0 with `expression` (at least one round)
/// until `want` messages were found or `within` passed (the broker dispatches stored
/// messages to the queues asynchronously). Returns the messages and each
/// queue's next offset. Checks the result shape and the release codes.
fn pull_until(
    p: *mut CPullConsumer,
    queues: &[CMessageQueue],
    expression: &str,
    want: usize,
    within: Duration,
) -> (Vec<Got>, Vec<i64>) {
    let expr = c(expression);
    let mut next = vec![0i64; queues.len()];
    let mut got = Vec::new();
    let deadline = Instant::now() + within;
    loop {
        let before = got.len();
        for (i, q) in queues.iter().enumerate() {
            // SAFETY: a live handle, a queue and a C string.
            let r = unsafe { Pull(p, q, expr.as_ptr(), next[i], 32) };
            match r.pullStatus {
                E_FOUND => {
                    assert!(r.size >= 0);
                    for k in 0..r.size as usize {
                        // SAFETY: `size` live messages until released.
                        let m = unsafe { snapshot(*r.msgFoundList.add(k)) };
                        assert_eq!(m.queue_id, q.queueId);
                        assert!(m.queue_offset >= next[i] && m.queue_offset < r.nextBeginOffset);
                        assert!(r.minOffset <= m.queue_offset && m.queue_offset < r.maxOffset);
                        got.push(m);
                    }
                    // SAFETY: a result of Pull.
                    let rc = unsafe { ReleasePullResult(r) };
                    assert_eq!(rc, if r.size > 0 { 0 } else { 1 });
                }
                E_NO_NEW_MSG | E_NO_MATCHED_MSG => {
                    assert!(r.msgFoundList.is_null() && r.pData.is_null() && r.size == 0);
                    // SAFETY: a result of Pull.
                    assert_eq!(unsafe { ReleasePullResult(r) }, 1);
                }
                s => panic!("status {} pulling {:?}: {}", s, expression, last_error()),
            }
            assert!(r.nextBeginOffset >= next[i]);
            next[i] = r.nextBeginOffset;
        }
        if got.len() >= want || Instant::now() >= deadline {
            break;
        }
        if got.len() == before {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    (got, next)
}

/// The size of the record stored at `offset` in a queue, as the broker
/// sends it (the first field of the record), read over a plain socket.
fn stored_record_size(broker: &str, topic: &str, queue_id: i32, offset: i64) -> i32 {
    let (qid, off) = (queue_id.to_string(), offset.to_string());
    let resp = common::request(
        broker,
        11,
        &[
            ("consumerGroup", "rmq_test_verifier"),
            ("topic", topic),
            ("queueId", &qid),
            ("queueOffset", &off),
            ("maxMsgNums", "1"),
            ("sysFlag", "4"),
            ("commitOffset", "0"),
            ("suspendTimeoutMillis", "0"),
            ("subscription", "*"),
            ("subVersion", "0"),
            ("expressionType", "TAG"),
        ],
    );
    assert_eq!(resp.code, 0, "{:?}", resp.remark);
    i32::from_be_bytes(resp.body[..4].try_into().unwrap())
}

/// `ip:port` and the commit-log offset encoded in an offsetMsgId.
fn decode_offset_msg_id(id: &str) -> (String, i64) {
    assert_eq!(id.len(), 32, "{}", id);
    let b = |r: std::ops::Range<usize>| u64::from_str_radix(&id[r], 16).unwrap();
    let ip = format!("{}.{}.{}.{}", b(0..2), b(2..4), b(4..6), b(6..8));
    (format!("{}:{}", ip, b(8..16)), b(16..32) as i64)
}

/// One SEND_MESSAGE over a plain socket without `UNIQ_KEY` (as old
/// producers sent): returns the broker's msgId (the offsetMsgId).
fn raw_send_without_uniq_key(broker: &str, topic: &str, body: &[u8]) -> String {
    let born = now_ms().to_string();
    let props = "TAGS\u{1}TagRaw\u{2}";
    let fields = [
        ("producerGroup", "rmq_test_raw"),
        ("topic", topic),
        ("defaultTopic", "TBW102"),
        ("defaultTopicQueueNums", "4"),
        ("queueId", "0"),
        ("sysFlag", "0"),
        ("bornTimestamp", born.as_str()),
        ("flag", "0"),
        ("properties", props),
        ("reconsumeTimes", "0"),
        ("unitMode", "false"),
        ("batch", "false"),
    ];
    let mut frame = Vec::new();
    rocketmq::codec::encode_frame(&mut frame, 10, 7, 0, None, &fields, body);
    let mut s = std::net::TcpStream::connect(broker).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(&frame).unwrap();
    let mut buf = bytes::BytesMut::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let resp = loop {
        if let Some(cmd) = rocketmq::codec::decode_frame(&mut buf).unwrap() {
            break cmd;
        }
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0);
        buf.extend_from_slice(&chunk[..n]);
    };
    assert_eq!(resp.code, 0, "raw send: {:?}", resp.remark);
    resp.ext("msgId").unwrap().to_string()
}

fn tag_of(i: usize) -> &'static str {
    ["TagA", "TagB", "TagC"][i % 3]
}

/// Sends `n` messages (tags TagA, TagB, TagC in turn, keys, a property;
/// message 1 has a binary body) and returns their send results by msgId.
fn send(namesrv: &str, topic: &str, n: usize) -> HashMap<String, (usize, SendResult)> {
    let producer = common::producer(namesrv, &[]);
    let mut sent = HashMap::new();
    for i in 0..n {
        let body = if i == 1 {
            b"bin\0ary\xff".to_vec()
        } else {
            format!("body-{}", i).into_bytes()
        };
        let mut m = Message::new(topic, body);
        m.set_tags(tag_of(i)).unwrap();
        m.set_keys(&format!("key-{} other-{}", i, i)).unwrap();
        m.set_property("prop", &format!("v-{}", i)).unwrap();
        let r = producer.send(&m).unwrap();
        sent.insert(r.msg_id.clone(), (i, r));
    }
    producer.shutdown().unwrap();
    sent
}

fn body_of(i: usize) -> Vec<u8> {
    if i == 1 {
        b"bin\0ary\xff".to_vec()
    } else {
        format!("body-{}", i).into_bytes()
    }
}

#[test]
fn fetch_pull_and_every_getter_match_what_was_sent() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPull");
    let t0 = now_ms();
    let sent = send(&cluster.namesrv, &topic, 12);
    let p = started(&cluster.namesrv);
    let qs = queues(p, &topic);
    let broker = sent
        .values()
        .next()
        .unwrap()
        .1
        .message_queue
        .broker_name
        .to_string();
    for (i, q) in qs.iter().enumerate() {
        assert_eq!(text(q.topic.as_ptr()), topic);
        assert_eq!(text(q.brokerName.as_ptr()), broker);
        assert_eq!(q.queueId, i as i32, "sorted by queue id");
    }

    let (got, next) = pull_until(p, &qs, "*", sent.len(), Duration::from_secs(30));
    assert_eq!(got.len(), sent.len(), "pulled {:?}", got);
    let t1 = now_ms();
    let mut store_host = String::new();
    for g in &got {
        let (i, r) = sent
            .get(&g.id)
            .unwrap_or_else(|| panic!("unknown msgId {}", g.id));
        let i = *i;
        assert_eq!(g.uniq, g.id, "msgId = UNIQ_KEY");
        assert_eq!(g.topic, topic);
        assert_eq!(g.tags, tag_of(i));
        assert_eq!(g.keys, format!("key-{} other-{}", i, i));
        assert_eq!(g.body, body_of(i));
        assert_eq!(g.prop, format!("v-{}", i));
        assert_eq!(g.absent, "");
        assert_eq!(g.queue_id, r.message_queue.queue_id);
        assert_eq!(g.queue_offset, r.queue_offset);
        let (host, commit_log_offset) = decode_offset_msg_id(&r.offset_msg_id);
        assert_eq!(g.commit_log_offset, commit_log_offset);
        assert_eq!(g.store_host, host);
        assert!(
            g.born_host.contains(':') && !g.born_host.ends_with(":0"),
            "{}",
            g.born_host
        );
        assert!(
            g.born_timestamp >= t0 - 1000 && g.born_timestamp <= t1,
            "{}",
            g.born_timestamp
        );
        assert!(g.store_timestamp >= g.born_timestamp - 1000 && g.store_timestamp <= t1 + 1000);
        assert_eq!(g.reconsume_times, 0);
        assert_eq!(g.prepared_transaction_offset, 0);
        assert_eq!(g.delay, 0);
        assert_eq!(
            g.store_size,
            stored_record_size(&g.store_host, &topic, g.queue_id, g.queue_offset),
            "storeSize of message {}",
            i
        );
        store_host = g.store_host.clone();
    }

    let star = c("*");
    // SAFETY: a live handle, queues and C strings; the results are
    // released (or hold nothing).
    unsafe {
        for (i, q) in qs.iter().enumerate() {
            // At the end of the queue: E_NO_NEW_MSG, nothing to release.
            let r = Pull(p, q, star.as_ptr(), next[i], 32);
            assert_eq!(r.pullStatus, E_NO_NEW_MSG, "{}", last_error());
            assert_eq!((r.nextBeginOffset, r.maxOffset), (next[i], next[i]));
            assert!(r.msgFoundList.is_null() && r.size == 0 && r.pData.is_null());
            assert_eq!(ReleasePullResult(r), 1);
            // Far beyond the end: E_OFFSET_ILLEGAL, go on at the max.
            let r = Pull(p, q, star.as_ptr(), next[i] + 1000, 32);
            assert_eq!(r.pullStatus, E_OFFSET_ILLEGAL, "{}", last_error());
            assert_eq!(r.nextBeginOffset, next[i]);
            assert_eq!(r.maxOffset, next[i]);
            assert_eq!(ReleasePullResult(r), 1);
        }
        // maxNums is honoured; one FOUND result released twice: 0, then 1.
        let q = qs.iter().zip(&next).find(|(_, n)| **n >= 2).unwrap().0;
        let r = Pull(p, q, star.as_ptr(), 0, 1);
        assert_eq!((r.pullStatus, r.size), (E_FOUND, 1));
        assert_eq!(r.nextBeginOffset, 1);
        let m = *r.msgFoundList;
        assert_eq!(GetMessageQueueOffset(m), 0);
        assert_eq!(
            DestroyMessage(m),
            1,
            "a pulled message belongs to its result"
        );
        let copy = r;
        assert_eq!(ReleasePullResult(r), 0);
        assert_eq!(ReleasePullResult(copy), 1);
        assert!(
            last_error().contains("released already"),
            "{}",
            last_error()
        );
        let zeroed: CPullResult = std::mem::zeroed();
        assert_eq!(ReleasePullResult(zeroed), 1);
    }

    // msgId of a message without UNIQ_KEY: the offsetMsgId.
    let raw_id = raw_send_without_uniq_key(&store_host, &topic, b"raw");
    let q0 = [qs[0]];
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut found = None;
    // SAFETY: as above.
    unsafe {
        while found.is_none() && Instant::now() < deadline {
            let r = Pull(p, &q0[0], c"TagRaw".as_ptr(), next[0], 32);
            if r.pullStatus == E_FOUND && r.size > 0 {
                found = Some(snapshot(*r.msgFoundList));
                assert_eq!(ReleasePullResult(r), 0);
            } else {
                ReleasePullResult(r);
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    let raw = found.expect("the raw message");
    // The Rust test broker gives a message without UNIQ_KEY one of its own;
    // without one, GetMessageId is the offsetMsgId (unit test in
    // src/ffi/legacy/pull_result.rs).
    if raw.uniq.is_empty() {
        assert_eq!(raw.id, raw_id);
    } else {
        assert_eq!(raw.id, raw.uniq);
    }
    assert_eq!(decode_offset_msg_id(&raw_id).1, raw.commit_log_offset);
    assert_eq!(raw.body, b"raw");
    assert_eq!(raw.tags, "TagRaw");

    // SAFETY: a live handle, not used afterwards.
    unsafe {
        assert_eq!(ShutdownPullConsumer(p), 0);
        assert_eq!(ShutdownPullConsumer(p), 0);
        assert_eq!(DestroyPullConsumer(p), 0);
    }
}

/// A compressed body comes back inflated; its storeSize is the stored
/// (compressed) record's size.
#[test]
fn compressed_bodies_come_back_inflated() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPullZ");
    let producer = common::producer(&cluster.namesrv, &[]);
    let body = "compress me ".repeat(1000).into_bytes();
    let r = producer.send(&Message::new(&topic, body.clone())).unwrap();
    producer.shutdown().unwrap();
    let p = started(&cluster.namesrv);
    let qs = queues(p, &topic);
    let (got, _) = pull_until(p, &qs, "*", 1, Duration::from_secs(30));
    assert_eq!(got.len(), 1);
    let g = &got[0];
    assert_eq!(g.id, r.msg_id);
    assert_eq!(g.body, body);
    let stored = stored_record_size(&g.store_host, &topic, g.queue_id, g.queue_offset);
    assert!(
        (stored as usize) < body.len(),
        "the broker stored the body compressed ({} bytes)",
        stored
    );
    assert_eq!(g.store_size, stored, "storeSize of a compressed message");
    // SAFETY: a live handle, not used afterwards.
    assert_eq!(unsafe { DestroyPullConsumer(p) }, 0);
}

#[test]
fn tag_expressions_filter_with_and_without_blanks() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPullTags");
    let sent = send(&cluster.namesrv, &topic, 12);
    let p = started(&cluster.namesrv);
    let qs = queues(p, &topic);
    // Every message must be in the queues before the filtered pulls count.
    let (all, _) = pull_until(p, &qs, "*", sent.len(), Duration::from_secs(30));
    assert_eq!(all.len(), sent.len());
    for (expression, tags) in [
        ("TagA||TagB", &["TagA", "TagB"][..]),
        ("TagA || TagB", &["TagA", "TagB"][..]),
        (" TagC ", &["TagC"][..]),
        ("TagZ", &[][..]),
    ] {
        let want = sent
            .values()
            .filter(|(i, _)| tags.contains(&tag_of(*i)))
            .count();
        let (got, _) = pull_until(p, &qs, expression, want, Duration::from_secs(10));
        assert_eq!(got.len(), want, "{:?}", expression);
        assert!(
            got.iter().all(|g| tags.contains(&g.tags.as_str())),
            "{:?}",
            expression
        );
    }
    // SAFETY: a live handle, not used afterwards.
    assert_eq!(unsafe { DestroyPullConsumer(p) }, 0);
}

#[test]
fn bad_input_never_crashes_and_keeps_the_legacy_codes() {
    let cluster = common::shared();
    let null_c: *mut CPullConsumer = std::ptr::null_mut();
    let star = c("*");
    let mut mq = CMessageQueue {
        topic: [0; 512],
        brokerName: [0; 256],
        queueId: 0,
    };
    // SAFETY: every pointer is NULL, a C string, an out pointer or a live
    // handle made here.
    unsafe {
        assert!(CreatePullConsumer(std::ptr::null()).is_null());
        assert_eq!(DestroyPullConsumer(null_c), 1);
        assert_eq!(StartPullConsumer(null_c), 1);
        assert_eq!(ShutdownPullConsumer(null_c), 1);
        assert!(ShowPullConsumerVersion(null_c).is_null());
        assert!(GetPullConsumerGroupID(null_c).is_null());
        assert_eq!(SetPullConsumerGroupID(null_c, c"g".as_ptr()), 1);
        assert_eq!(SetPullConsumerNameServerAddress(null_c, c"x".as_ptr()), 1);
        assert_eq!(SetPullConsumerNameServerDomain(null_c, c"x".as_ptr()), 1);
        assert_eq!(
            SetPullConsumerSessionCredentials(null_c, c"a".as_ptr(), c"b".as_ptr(), c"c".as_ptr()),
            1
        );
        assert_eq!(SetPullConsumerLogPath(null_c, c"/tmp".as_ptr()), 1);
        assert_eq!(SetPullConsumerLogFileNumAndSize(null_c, 3, 100), 1);
        assert_eq!(SetPullConsumerLogLevel(null_c, 4), 1);
        assert_eq!(SetPullConsumerSsl(null_c, 0), 1);
        assert_eq!(SetPullConsumerSslPropertyFile(null_c, c"f".as_ptr()), 1);
        assert_eq!(ReleaseSubscriptionMessageQueue(std::ptr::null_mut()), 1);
        let mut mqs: *mut CMessageQueue = 8 as *mut CMessageQueue;
        let mut size: c_int = 5;
        assert_eq!(
            FetchSubscriptionMessageQueues(null_c, c"T".as_ptr(), &mut mqs, &mut size),
            1
        );
        let r = Pull(null_c, &mq, star.as_ptr(), 0, 32);
        assert_eq!(r.pullStatus, E_BROKER_TIMEOUT);

        // Before start.
        let topic = common::unique_topic("LegacyPullBad");
        let p = created(&cluster.namesrv);
        assert!(text(ShowPullConsumerVersion(p)).contains("librocketmq"));
        assert_eq!(SetPullConsumerGroupID(p, std::ptr::null()), 1);
        assert_eq!(SetPullConsumerNameServerAddress(p, std::ptr::null()), 1);
        assert_eq!(
            SetPullConsumerSessionCredentials(p, c"a".as_ptr(), std::ptr::null(), c"c".as_ptr()),
            1
        );
        assert_eq!(SetPullConsumerLogPath(p, std::ptr::null()), 1);
        assert_eq!(
            SetPullConsumerLogPath(p, c"/tmp/legacy-pull-logs".as_ptr()),
            0
        );
        assert_eq!(SetPullConsumerLogFileNumAndSize(p, 3, 100), 0);
        assert_eq!(SetPullConsumerLogLevel(p, 2), 0);
        assert_eq!(SetPullConsumerSsl(p, 0), 0);
        assert_eq!(
            SetPullConsumerSslPropertyFile(p, c"/etc/tls.properties".as_ptr()),
            0
        );
        // Implemented (tests/namesrv_domain.rs): https is refused, "" clears.
        assert_eq!(
            SetPullConsumerNameServerDomain(p, c"https://example.com".as_ptr()),
            1
        );
        assert!(last_error().contains("https"), "{}", last_error());
        assert_eq!(
            SetPullConsumerNameServerDomain(p, c"example.com".as_ptr()),
            0
        );
        assert_eq!(SetPullConsumerNameServerDomain(p, c"".as_ptr()), 0);
        let t = c(&topic);
        let (mut mqs, mut size) = (8 as *mut CMessageQueue, 5);
        assert_eq!(
            FetchSubscriptionMessageQueues(p, t.as_ptr(), &mut mqs, &mut size),
            31
        );
        assert!(mqs.is_null() && size == 0);
        assert!(last_error().contains("not started"), "{}", last_error());
        copy(&mut mq.topic, &topic);
        copy(&mut mq.brokerName, "broker-a");
        let r = Pull(p, &mq, star.as_ptr(), 0, 32);
        assert_eq!(r.pullStatus, E_BROKER_TIMEOUT);
        assert!(last_error().contains("not started"), "{}", last_error());
        assert_eq!(ReleasePullResult(r), 1);

        // TLS with a property file that cannot be read cannot start (it is
        // read at start and named); neither can the DEFAULT_CONSUMER group.
        assert_eq!(SetPullConsumerSsl(p, 1), 0);
        assert_eq!(StartPullConsumer(p), 30);
        assert!(
            last_error().contains("/etc/tls.properties"),
            "{}",
            last_error()
        );
        assert_eq!(SetPullConsumerSsl(p, 0), 0);
        let d = CreatePullConsumer(c"".as_ptr());
        assert_eq!(text(GetPullConsumerGroupID(d)), "DEFAULT_CONSUMER");
        assert_eq!(StartPullConsumer(d), 30);
        assert!(
            last_error().contains("DEFAULT_CONSUMER"),
            "{}",
            last_error()
        );
        assert_eq!(DestroyPullConsumer(d), 0);

        // Started: a second consumer of the same group cannot start.
        assert_eq!(StartPullConsumer(p), 0, "{}", last_error());
        let twin = CreatePullConsumer(GetPullConsumerGroupID(p));
        assert_eq!(StartPullConsumer(twin), 30);
        assert!(
            last_error().contains("has been created before"),
            "{}",
            last_error()
        );
        assert_eq!(DestroyPullConsumer(twin), 0);

        // Fetch: NULL arguments, an unknown topic (0, size 0, a note).
        assert_eq!(
            FetchSubscriptionMessageQueues(p, std::ptr::null(), &mut mqs, &mut size),
            1
        );
        assert_eq!(
            FetchSubscriptionMessageQueues(p, t.as_ptr(), std::ptr::null_mut(), &mut size),
            1
        );
        assert_eq!(
            FetchSubscriptionMessageQueues(p, t.as_ptr(), &mut mqs, std::ptr::null_mut()),
            1
        );
        let (mut mqs, mut size) = (8 as *mut CMessageQueue, 5);
        assert_eq!(
            FetchSubscriptionMessageQueues(p, t.as_ptr(), &mut mqs, &mut size),
            0,
            "{}",
            last_error()
        );
        assert!(mqs.is_null() && size == 0);
        assert!(last_error().contains(&topic), "{}", last_error());
        assert_eq!(
            FetchSubscriptionMessageQueues(p, c"bad topic!".as_ptr(), &mut mqs, &mut size),
            31
        );

        // Pull: bad arguments give E_BROKER_TIMEOUT with a reason.
        let producer = common::producer(&cluster.namesrv, &[]);
        producer.send(&Message::new(&topic, &b"x"[..])).unwrap();
        producer.shutdown().unwrap();
        let qs = queues(p, &topic);
        let q = &qs[0];
        let qp: *const CMessageQueue = q;
        for (mq, expr, offset, max, says) in [
            (std::ptr::null(), star.as_ptr(), 0, 32, "mq is NULL"),
            (qp, std::ptr::null(), 0, 32, "subExpression is NULL"),
            (qp, star.as_ptr(), 0, 0, "maxNums 0"),
            (qp, star.as_ptr(), 0, -1, "maxNums -1"),
            (qp, star.as_ptr(), 0, 1025, "maxNums 1025"),
            (qp, star.as_ptr(), 0, i32::MAX, "maxNums 2147483647"),
            (qp, star.as_ptr(), -1, 32, "offset -1"),
            (qp, c"||".as_ptr(), 0, 32, "names no tag"),
        ] {
            let r = Pull(p, mq, expr, offset, max);
            assert_eq!(r.pullStatus, E_BROKER_TIMEOUT, "{}", says);
            assert_eq!((r.nextBeginOffset, r.maxOffset, r.size), (0, 0, 0));
            assert!(r.msgFoundList.is_null() && r.pData.is_null());
            assert!(last_error().contains(says), "{}: {}", says, last_error());
            assert_eq!(ReleasePullResult(r), 1);
        }
        let mut unknown_broker = *q;
        copy(&mut unknown_broker.brokerName, "no-such-broker");
        let r = Pull(p, &unknown_broker, star.as_ptr(), 0, 32);
        assert_eq!(r.pullStatus, E_BROKER_TIMEOUT);
        assert!(!last_error().is_empty());
        // Full-length, unterminated names (legacy strncpy) are read within
        // their arrays.
        let mut long = *q;
        long.topic = [b'x' as c_char; 512];
        long.brokerName = [b'y' as c_char; 256];
        assert_eq!(
            Pull(p, &long, star.as_ptr(), 0, 32).pullStatus,
            E_BROKER_TIMEOUT
        );

        // Setters while running: 0, applied from the next start only.
        assert_eq!(
            SetPullConsumerNameServerAddress(p, c"127.0.0.1:1".as_ptr()),
            0
        );
        assert!(
            last_error().contains("next StartPullConsumer"),
            "{}",
            last_error()
        );
        let (found, _) = pull_until(p, &qs, "*", 1, Duration::from_secs(20));
        assert_eq!(found.len(), 1, "the running consumer keeps its name server");
        assert_eq!(
            SetPullConsumerNameServerAddress(p, c(&cluster.namesrv).as_ptr()),
            0
        );

        // A result outlives the consumer's shutdown and its handle.
        let q = qs.iter().find(|q| q.queueId == found[0].queue_id).unwrap();
        let r = Pull(p, q, star.as_ptr(), 0, 32);
        assert_eq!((r.pullStatus, r.size), (E_FOUND, 1), "{}", last_error());

        // After shutdown: Pull and Fetch fail; a new start works again.
        assert_eq!(ShutdownPullConsumer(p), 0);
        let r2 = Pull(p, q, star.as_ptr(), 0, 32);
        assert_eq!(r2.pullStatus, E_BROKER_TIMEOUT);
        assert!(last_error().contains("shut down"), "{}", last_error());
        assert_eq!(
            FetchSubscriptionMessageQueues(p, t.as_ptr(), &mut mqs, &mut size),
            31
        );
        assert!(last_error().contains("shut down"), "{}", last_error());
        assert_eq!(StartPullConsumer(p), 0, "{}", last_error());
        let r3 = Pull(p, q, star.as_ptr(), 0, 32);
        assert_eq!((r3.pullStatus, r3.size), (E_FOUND, 1), "{}", last_error());
        assert_eq!(ReleasePullResult(r3), 0);
        // Destroy shuts the running consumer down.
        assert_eq!(DestroyPullConsumer(p), 0);
        assert_eq!(text(GetMessageBody(*r.msgFoundList)), "x");
        assert_eq!(ReleasePullResult(r), 0);
    }
}

/// Pulls on one handle from several threads at once.
#[test]
fn concurrent_pulls_on_one_consumer() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPullMT");
    let sent = send(&cluster.namesrv, &topic, 8);
    let p = started(&cluster.namesrv);
    let qs = queues(p, &topic);
    let (all, _) = pull_until(p, &qs, "*", sent.len(), Duration::from_secs(30));
    assert_eq!(all.len(), sent.len());
    let handle = p as usize;
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let qs = qs.clone();
            std::thread::spawn(move || {
                let p = handle as *mut CPullConsumer;
                let mut n = 0;
                for _ in 0..10 {
                    for q in &qs {
                        // SAFETY: the handle stays live until every thread
                        // is joined.
                        unsafe {
                            let r = Pull(p, q, c"*".as_ptr(), 0, 32);
                            assert!(r.pullStatus == E_FOUND || r.pullStatus == E_NO_NEW_MSG);
                            n += r.size as usize;
                            ReleasePullResult(r);
                        }
                    }
                }
                n
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 10 * sent.len());
    }
    // SAFETY: a live handle, not used afterwards.
    assert_eq!(unsafe { DestroyPullConsumer(p) }, 0);
}

fn copy(dst: &mut [c_char], s: &str) {
    dst.fill(0);
    for (d, b) in dst.iter_mut().zip(s.bytes()) {
        *d = b as c_char;
    }
}

#[test]
fn every_compression_batches_and_delayed_messages_come_back_intact() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPullAll");
    let mut want: HashMap<String, Vec<u8>> = HashMap::new();
    for kind in ["ZLIB", "LZ4", "ZSTD"] {
        let producer = common::producer(
            &cluster.namesrv,
            &[("compressType", kind), ("compressMsgBodyOverHowmuch", "64")],
        );
        let body = format!("{} body ", kind).repeat(400).into_bytes();
        let r = producer.send(&Message::new(&topic, body.clone())).unwrap();
        want.insert(r.msg_id, body);
        producer.shutdown().unwrap();
    }
    let producer = common::producer(&cluster.namesrv, &[]);
    let batch: Vec<Message> = (0..5)
        .map(|i| Message::new(&topic, format!("batch {}", i).into_bytes()))
        .collect();
    let r = producer.send_batch(&batch).unwrap();
    for (id, m) in r.msg_id.split(',').zip(&batch) {
        want.insert(id.to_string(), m.body().to_vec());
    }
    let mut delayed = Message::new(&topic, &b"delayed by level 1"[..]);
    delayed.set_delay_level(1).unwrap();
    let sent_at = now_ms();
    let r = producer.send(&delayed).unwrap();
    want.insert(r.msg_id, b"delayed by level 1".to_vec());
    producer.shutdown().unwrap();

    let p = started(&cluster.namesrv);
    let qs = queues(p, &topic);
    let (got, _) = pull_until(p, &qs, "*", want.len(), Duration::from_secs(30));
    let by_id: HashMap<&str, &Got> = got.iter().map(|g| (g.id.as_str(), g)).collect();
    for (id, body) in &want {
        let g = by_id.get(id.as_str()).unwrap_or_else(|| {
            panic!(
                "message {} not pulled ({} of {})",
                id,
                got.len(),
                want.len()
            )
        });
        assert_eq!(&g.body, body, "body of {}", id);
    }
    let d = got
        .iter()
        .find(|g| g.body == b"delayed by level 1")
        .unwrap();
    assert!(
        d.store_timestamp - sent_at >= 900,
        "the delayed message was stored for delivery {} ms after the send",
        d.store_timestamp - sent_at
    );
    // SAFETY: a live handle, not used afterwards.
    assert_eq!(unsafe { DestroyPullConsumer(p) }, 0);
}
