//! The legacy push consumer (`CPushConsumer.h`), called through its
//! `extern "C"` functions against the real cluster: what the Rust producer
//! sent reaches the C callback once per message, with the caller's handle
//! and every `CMessageExt` getter right; a tag filter; `E_RECONSUME_LATER`
//! brings a message (and the rest of its batch) back through the group's
//! retry topic; broadcasting; restart after shutdown; calls from inside the
//! callback; bad input and the life cycle.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::ffi::{c_char, c_int, CStr, CString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rocketmq::ffi::legacy::message::*;
use rocketmq::ffi::legacy::push_consumer::*;
use rocketmq::ffi::legacy::push_consumer_settings::*;
use rocketmq::ffi::legacy::GetLatestErrorMessage;
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

/// Everything the getters say about one delivered message, and where it
/// was delivered.
#[derive(Debug, Clone)]
struct Got {
    at_ms: i64,
    thread: String,
    /// `DestroyMessage` on the lent message (must be 1).
    destroy: c_int,
    id: String,
    topic: String,
    tags: String,
    keys: String,
    body: Vec<u8>,
    prop: String,
    uniq: String,
    retry_topic: String,
    origin_id: String,
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
/// `m` is the message lent to a running callback.
unsafe fn snapshot(m: *mut CMessageExt) -> Got {
    // SAFETY: as this function's # Safety.
    unsafe {
        let len = GetMessageBodyLength(m);
        let body = GetMessageBody(m) as *const u8;
        assert!(!body.is_null() && len >= 0);
        assert_eq!(*body.add(len as usize), 0, "the body is NUL-terminated");
        Got {
            at_ms: now_ms(),
            thread: std::thread::current().name().unwrap_or("").to_string(),
            destroy: DestroyMessage(m),
            id: text(GetMessageId(m)),
            topic: text(GetMessageTopic(m)),
            tags: text(GetMessageTags(m)),
            keys: text(GetMessageKeys(m)),
            body: std::slice::from_raw_parts(body, len as usize).to_vec(),
            prop: text(GetMessageProperty(m, c"prop".as_ptr())),
            uniq: text(GetMessageProperty(m, c"UNIQ_KEY".as_ptr())),
            retry_topic: text(GetMessageProperty(m, c"RETRY_TOPIC".as_ptr())),
            origin_id: text(GetMessageProperty(m, c"ORIGIN_MESSAGE_ID".as_ptr())),
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

/// What the callbacks saw, with the consumer handle each was called with.
static GOT: Mutex<Vec<(usize, Got)>> = Mutex::new(Vec::new());

fn record(consumer: *mut CPushConsumer, g: Got) {
    GOT.lock().unwrap().push((consumer as usize, g));
}

/// The deliveries to `consumer` so far.
fn got(consumer: *mut CPushConsumer) -> Vec<Got> {
    GOT.lock()
        .unwrap()
        .iter()
        .filter(|(p, _)| *p == consumer as usize)
        .map(|(_, g)| g.clone())
        .collect()
}

/// Forgets the deliveries to `consumer` (a new handle may reuse the address
/// of a destroyed one).
fn forget(consumer: *mut CPushConsumer) {
    GOT.lock().unwrap().retain(|(p, _)| *p != consumer as usize);
}

/// Records every message and consumes it.
unsafe extern "C" fn collect(consumer: *mut CPushConsumer, m: *mut CMessageExt) -> c_int {
    // SAFETY: the message lent to this call.
    record(consumer, unsafe { snapshot(m) });
    E_CONSUME_SUCCESS
}

/// Records every message; refuses a message the first time it comes.
unsafe extern "C" fn refuse_first(consumer: *mut CPushConsumer, m: *mut CMessageExt) -> c_int {
    // SAFETY: the message lent to this call.
    let g = unsafe { snapshot(m) };
    let first = g.reconsume_times == 0;
    record(consumer, g);
    if first {
        E_RECONSUME_LATER
    } else {
        E_CONSUME_SUCCESS
    }
}

/// Records every message; refuses the body "batch-1" the first time.
unsafe extern "C" fn refuse_second_of_batch(
    consumer: *mut CPushConsumer,
    m: *mut CMessageExt,
) -> c_int {
    // SAFETY: the message lent to this call.
    let g = unsafe { snapshot(m) };
    let refuse = g.reconsume_times == 0 && g.body == b"batch-1";
    record(consumer, g);
    if refuse {
        E_RECONSUME_LATER
    } else {
        E_CONSUME_SUCCESS
    }
}

/// What the callback got when it called the consumer's own functions.
static INSIDE: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());

/// Calls the consumer's functions from inside its callback.
unsafe extern "C" fn call_back_in(consumer: *mut CPushConsumer, m: *mut CMessageExt) -> c_int {
    // SAFETY: the handle given to this call is live; the message is lent.
    let line = unsafe {
        let start = StartPushConsumer(consumer);
        let shutdown = ShutdownPushConsumer(consumer);
        let shutdown_text = last_error();
        let destroy = DestroyPushConsumer(consumer);
        let group = text(GetPushConsumerGroupID(consumer));
        let set = SetPushConsumerThreadCount(consumer, 3);
        record(consumer, snapshot(m));
        format!(
            "start={} shutdown={} destroy={} set={} group={} text={}",
            start, shutdown, destroy, set, group, shutdown_text
        )
    };
    INSIDE.lock().unwrap().push((consumer as usize, line));
    E_CONSUME_SUCCESS
}

/// Callbacks of [`slow`] running now.
static SLOW_RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Records every message and takes 1 s over it.
unsafe extern "C" fn slow(consumer: *mut CPushConsumer, m: *mut CMessageExt) -> c_int {
    SLOW_RUNNING.fetch_add(1, Ordering::SeqCst);
    // SAFETY: the message lent to this call.
    record(consumer, unsafe { snapshot(m) });
    std::thread::sleep(Duration::from_secs(1));
    SLOW_RUNNING.fetch_sub(1, Ordering::SeqCst);
    E_CONSUME_SUCCESS
}

/// Orderly callback calls running now, per queue id, and whether two ever
/// overlapped on one queue.
static ORDERLY_ACTIVE: Mutex<(Vec<usize>, bool)> = Mutex::new((Vec::new(), false));

/// Orderly: records every message (taking 20 ms over it); refuses the body
/// "q0-3" the first time.
unsafe extern "C" fn orderly_cb(consumer: *mut CPushConsumer, m: *mut CMessageExt) -> c_int {
    // SAFETY: the message lent to this call.
    let g = unsafe { snapshot(m) };
    let q = g.queue_id as usize;
    {
        let mut a = ORDERLY_ACTIVE.lock().unwrap();
        if a.0.len() <= q {
            a.0.resize(q + 1, 0);
        }
        a.0[q] += 1;
        if a.0[q] > 1 {
            a.1 = true;
        }
    }
    std::thread::sleep(Duration::from_millis(20));
    let refuse = g.body == b"q0-3" && g.reconsume_times == 0;
    record(consumer, g);
    ORDERLY_ACTIVE.lock().unwrap().0[q] -= 1;
    if refuse {
        E_RECONSUME_LATER
    } else {
        E_CONSUME_SUCCESS
    }
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

fn tag_of(i: usize) -> &'static str {
    ["TagA", "TagB", "TagC"][i % 3]
}

fn body_of(i: usize) -> Vec<u8> {
    if i == 1 {
        b"bin\0ary\xff".to_vec()
    } else {
        format!("body-{}", i).into_bytes()
    }
}

/// Sends messages `from..to` (tags TagA, TagB, TagC in turn, keys, a
/// property; message 1 has a binary body) and returns their send results
/// by msgId.
fn send(
    namesrv: &str,
    topic: &str,
    from: usize,
    to: usize,
) -> HashMap<String, (usize, SendResult)> {
    let producer = common::producer(namesrv, &[]);
    let mut sent = HashMap::new();
    for i in from..to {
        let mut m = Message::new(topic, body_of(i));
        m.set_tags(tag_of(i)).unwrap();
        m.set_keys(&format!("key-{} other-{}", i, i)).unwrap();
        m.set_property("prop", &format!("v-{}", i)).unwrap();
        let r = producer.send(&m).unwrap();
        sent.insert(r.msg_id.clone(), (i, r));
    }
    producer.shutdown().unwrap();
    sent
}

/// `ip:port` and the commit-log offset encoded in an offsetMsgId.
fn decode_offset_msg_id(id: &str) -> (String, i64) {
    assert_eq!(id.len(), 32, "{}", id);
    let b = |r: std::ops::Range<usize>| u64::from_str_radix(&id[r], 16).unwrap();
    let ip = format!("{}.{}.{}.{}", b(0..2), b(2..4), b(4..6), b(6..8));
    (format!("{}:{}", ip, b(8..16)), b(16..32) as i64)
}

/// A created consumer of `group` on `namesrv` with 2 consume threads,
/// subscribed to `topic` with `expression`, with `callback` (if any)
/// registered as a concurrent callback.
fn created(
    namesrv: &str,
    group: &str,
    topic: &str,
    expression: &str,
    callback: MessageCallBack,
) -> *mut CPushConsumer {
    let (g, t, e, ns) = (c(group), c(topic), c(expression), c(namesrv));
    // SAFETY: C strings alive during the calls; the handle is live.
    unsafe {
        let p = CreatePushConsumer(g.as_ptr());
        assert!(!p.is_null());
        forget(p);
        assert_eq!(text(GetPushConsumerGroupID(p)), group);
        assert_eq!(SetPushConsumerNameServerAddress(p, ns.as_ptr()), 0);
        assert_eq!(SetPushConsumerThreadCount(p, 2), 0);
        assert_eq!(Subscribe(p, t.as_ptr(), e.as_ptr()), 0);
        if callback.is_some() {
            assert_eq!(RegisterMessageCallback(p, callback), 0);
        }
        p
    }
}

fn started(
    namesrv: &str,
    group: &str,
    topic: &str,
    expression: &str,
    callback: MessageCallBack,
) -> *mut CPushConsumer {
    let p = created(namesrv, group, topic, expression, callback);
    // SAFETY: a live handle.
    unsafe {
        assert_eq!(StartPushConsumer(p), 0, "{}", last_error());
        assert_eq!(StartPushConsumer(p), 0, "a second start is a no-op");
    }
    p
}

#[test]
fn every_message_reaches_the_callback_with_every_getter_and_a_tag_filter() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPush");
    let t0 = now_ms();
    let sent = send(&cluster.namesrv, &topic, 0, 12);
    let t1 = now_ms();
    let all = started(
        &cluster.namesrv,
        &common::unique_topic("legacy_push"),
        &topic,
        "*",
        Some(collect),
    );
    let ab = started(
        &cluster.namesrv,
        &common::unique_topic("legacy_push_ab"),
        &topic,
        "TagA || TagB",
        Some(collect),
    );
    assert!(
        wait_until(Duration::from_secs(30), || got(all).len() >= sent.len()
            && got(ab).len() >= 8),
        "got {} and {}",
        got(all).len(),
        got(ab).len()
    );
    std::thread::sleep(Duration::from_millis(500)); // no duplicates follow
    let deliveries = got(all);
    assert_eq!(deliveries.len(), sent.len(), "{:#?}", deliveries);
    let ids: BTreeSet<&str> = deliveries.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids.len(), sent.len(), "each message once");
    for g in &deliveries {
        let (i, r) = sent
            .get(&g.id)
            .unwrap_or_else(|| panic!("unknown msgId {}", g.id));
        let i = *i;
        assert!(g.thread.starts_with("rocketmq-consume-"), "{}", g.thread);
        assert_eq!(
            g.destroy, 1,
            "a lent message is not the caller's to destroy"
        );
        assert_eq!(g.uniq, g.id, "msgId = UNIQ_KEY");
        assert_eq!(g.topic, topic);
        assert_eq!(g.tags, tag_of(i));
        assert_eq!(g.keys, format!("key-{} other-{}", i, i));
        assert_eq!(g.body, body_of(i));
        assert_eq!(g.prop, format!("v-{}", i));
        assert_eq!(g.absent, "");
        assert_eq!(g.retry_topic, "");
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
        assert!(g.store_size > g.body.len() as i32, "{}", g.store_size);
        assert_eq!(g.reconsume_times, 0);
        assert_eq!(g.prepared_transaction_offset, 0);
        assert_eq!(g.delay, 0);
    }
    let filtered = got(ab);
    assert_eq!(filtered.len(), 8, "{:#?}", filtered);
    assert!(filtered
        .iter()
        .all(|g| g.tags == "TagA" || g.tags == "TagB"));

    // SAFETY: live handles; `ab` is not used after its destroy.
    unsafe {
        assert_eq!(ShutdownPushConsumer(all), 0);
        assert_eq!(ShutdownPushConsumer(all), 0);
        assert_eq!(DestroyPushConsumer(ab), 0, "destroy shuts down");
    }
    // Nothing is delivered to a shut-down consumer; a restart goes on from
    // the committed offsets.
    let more = send(&cluster.namesrv, &topic, 12, 15);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(got(all).len(), sent.len(), "no callback after shutdown");
    // SAFETY: a live handle.
    unsafe { assert_eq!(StartPushConsumer(all), 0, "{}", last_error()) };
    assert!(
        wait_until(Duration::from_secs(30), || got(all).len()
            >= sent.len() + more.len()),
        "got {:#?}",
        got(all)
    );
    std::thread::sleep(Duration::from_millis(500));
    let after: Vec<Got> = got(all)[sent.len()..].to_vec();
    let new_ids: BTreeSet<&str> = after.iter().map(|g| g.id.as_str()).collect();
    let want: BTreeSet<&str> = more.keys().map(|k| k.as_str()).collect();
    assert_eq!(new_ids, want, "after the restart: only the new messages");
    assert_eq!(after.len(), more.len(), "{:#?}", after);
    // SAFETY: a live handle, not used afterwards.
    unsafe { assert_eq!(DestroyPushConsumer(all), 0) };
}

#[test]
fn reconsume_later_brings_the_message_back_through_the_retry_topic() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPushRetry");
    let group = common::unique_topic("legacy_push_retry");
    let sent = send(&cluster.namesrv, &topic, 0, 1);
    let (id, (i, _)) = sent.iter().next().unwrap();
    let p = started(&cluster.namesrv, &group, &topic, "*", Some(refuse_first));
    assert!(
        wait_until(Duration::from_secs(45), || got(p).len() >= 2),
        "deliveries: {:#?}",
        got(p)
    );
    std::thread::sleep(Duration::from_secs(1)); // consumed: no third delivery
    let g = got(p);
    assert_eq!(g.len(), 2, "{:#?}", g);
    let (first, retry) = (&g[0], &g[1]);
    assert_eq!(first.reconsume_times, 0);
    assert_eq!(retry.reconsume_times, 1);
    for d in &g {
        assert_eq!(&d.id, id, "a retry keeps the msgId");
        assert_eq!(
            d.topic, topic,
            "a retry comes back under the original topic"
        );
        assert_eq!(d.body, body_of(*i));
        assert_eq!(d.tags, tag_of(*i));
        assert_eq!(d.keys, format!("key-{} other-{}", i, i));
        assert_eq!(d.prop, format!("v-{}", i));
    }
    // The broker's copy in %RETRY%<group>: the original topic in
    // RETRY_TOPIC, the original offsetMsgId in ORIGIN_MESSAGE_ID; the
    // first retry is delayed by level 3 (10 s), as no delay level is set
    // (docs consumer-protocol §7.3).
    assert_eq!(retry.retry_topic, topic);
    assert_eq!(first.retry_topic, "");
    assert!(!retry.origin_id.is_empty(), "{:?}", retry);
    let waited = retry.at_ms - first.at_ms;
    assert!(
        (9_000..=30_000).contains(&waited),
        "the retry came {} ms after the first delivery",
        waited
    );
    // SAFETY: a live handle, not used afterwards.
    unsafe { assert_eq!(DestroyPushConsumer(p), 0) };
}

#[test]
fn a_refused_message_makes_its_whole_batch_come_back() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPushBatch");
    let group = common::unique_topic("legacy_push_batch");
    // Four messages in one queue, stored before the consumer starts, so
    // that one batch holds them all.
    let producer = common::producer(&cluster.namesrv, &[]);
    let first = producer
        .send(&Message::new(&topic, &b"batch-0"[..]))
        .unwrap();
    for i in 1..4 {
        let m = Message::new(&topic, format!("batch-{}", i).into_bytes());
        producer.send_to_queue(&m, &first.message_queue).unwrap();
    }
    producer.shutdown().unwrap();
    let resp = common::request(&cluster.namesrv, 105, &[("topic", topic.as_str())]);
    let route = rocketmq::protocol::route::TopicRouteData::parse(&resp.body).unwrap();
    let broker = route.broker_datas[0].master_addr().unwrap().to_string();
    let q = first.message_queue.queue_id;
    assert_eq!(common::max_offset_reaching(&broker, &topic, q, 4), 4);

    let p = created(
        &cluster.namesrv,
        &group,
        &topic,
        "*",
        Some(refuse_second_of_batch),
    );
    // SAFETY: a live handle.
    unsafe {
        assert_eq!(SetPushConsumerMessageBatchMaxSize(p, 4), 0);
        assert_eq!(StartPushConsumer(p), 0, "{}", last_error());
    }
    assert!(
        wait_until(Duration::from_secs(45), || got(p)
            .iter()
            .filter(|g| g.reconsume_times == 1)
            .count()
            >= 4),
        "deliveries: {:#?}",
        got(p)
            .iter()
            .map(|g| (
                String::from_utf8_lossy(&g.body).into_owned(),
                g.reconsume_times
            ))
            .collect::<Vec<_>>()
    );
    std::thread::sleep(Duration::from_secs(1));
    let calls: Vec<(String, i32)> = got(p)
        .iter()
        .map(|g| {
            (
                String::from_utf8_lossy(&g.body).into_owned(),
                g.reconsume_times,
            )
        })
        .collect();
    // First round: batch-0 (accepted), batch-1 (refused): the callback is
    // not called for the rest of the batch, and the whole batch, batch-0
    // included, comes back once with reconsumeTimes 1.
    let first_round: Vec<&(String, i32)> = calls.iter().filter(|c| c.1 == 0).collect();
    assert_eq!(
        first_round,
        vec![&("batch-0".to_string(), 0), &("batch-1".to_string(), 0)],
        "{:?}",
        calls
    );
    let mut retried: Vec<&str> = calls
        .iter()
        .filter(|c| c.1 == 1)
        .map(|c| c.0.as_str())
        .collect();
    retried.sort_unstable();
    assert_eq!(
        retried,
        vec!["batch-0", "batch-1", "batch-2", "batch-3"],
        "{:?}",
        calls
    );
    assert_eq!(calls.len(), 6, "{:?}", calls);
    // SAFETY: a live handle, not used afterwards.
    unsafe { assert_eq!(DestroyPushConsumer(p), 0) };
}

#[test]
fn orderly_callback_consumes_each_queue_in_order_and_retries_in_place() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPushOrderly");
    let group = common::unique_topic("legacy_push_orderly");
    let producer = common::producer(&cluster.namesrv, &[]);
    let queues = producer.queues(&topic).unwrap_or_default();
    let queues = if queues.is_empty() {
        // The first send creates the topic.
        producer
            .send(&Message::new(&topic, &b"create"[..]))
            .unwrap();
        producer.queues(&topic).unwrap()
    } else {
        queues
    };
    let q0 = queues.iter().find(|q| q.queue_id == 0).unwrap().clone();
    let q1 = queues.iter().find(|q| q.queue_id == 1).unwrap().clone();
    for n in 0..10 {
        for (name, q) in [("q0", &q0), ("q1", &q1)] {
            let m = Message::new(&topic, format!("{}-{}", name, n).into_bytes());
            producer.send_to_queue(&m, q).unwrap();
        }
    }
    producer.shutdown().unwrap();
    let p = created(&cluster.namesrv, &group, &topic, "*", None);
    // SAFETY: a live handle.
    unsafe {
        assert_eq!(SetPushConsumerThreadCount(p, 4), 0);
        assert_eq!(RegisterMessageCallbackOrderly(p, Some(orderly_cb)), 0);
        assert_eq!(StartPushConsumer(p), 0, "{}", last_error());
    }
    let ours = |g: &Got| g.body.starts_with(b"q");
    assert!(
        wait_until(Duration::from_secs(60), || got(p)
            .iter()
            .filter(|g| ours(g))
            .count()
            >= 21),
        "{}",
        got(p).len()
    );
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: a live handle, not used afterwards.
    unsafe { assert_eq!(DestroyPushConsumer(p), 0) };
    let calls: Vec<Got> = got(p).into_iter().filter(|g| ours(g)).collect();
    for (name, q) in [("q0", 0), ("q1", 1)] {
        let seq: Vec<(String, i32)> = calls
            .iter()
            .filter(|g| g.queue_id == q)
            .map(|g| {
                (
                    String::from_utf8_lossy(&g.body).into_owned(),
                    g.reconsume_times,
                )
            })
            .collect();
        let mut want = Vec::new();
        for n in 0..10 {
            want.push((format!("{}-{}", name, n), 0));
            if name == "q0" && n == 3 {
                // Refused once: the same message again, before the next.
                want.push((format!("{}-{}", name, n), 1));
            }
        }
        assert_eq!(seq, want, "queue {}", q);
    }
    assert!(
        !ORDERLY_ACTIVE.lock().unwrap().1,
        "two callbacks ran at once for one queue"
    );
}

#[test]
fn broadcasting_gives_every_consumer_every_message() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPushBcast");
    let group = common::unique_topic("legacy_push_bcast");
    let consumers: Vec<*mut CPushConsumer> = ["one", "two"]
        .iter()
        .map(|instance| {
            let p = created(&cluster.namesrv, &group, &topic, "*", Some(collect));
            let name = c(instance);
            // SAFETY: a live handle and C strings.
            unsafe {
                assert_eq!(SetPushConsumerMessageModel(p, BROADCASTING), 0);
                assert_eq!(SetPushConsumerInstanceName(p, name.as_ptr()), 0);
                assert_eq!(StartPushConsumer(p), 0, "{}", last_error());
            }
            p
        })
        .collect();
    // A broadcasting consumer starts at the end of each queue (consume from
    // the last offset): send probes until both consume, then the messages.
    let producer = common::producer(&cluster.namesrv, &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while consumers.iter().any(|p| got(*p).is_empty()) {
        assert!(Instant::now() < deadline, "the consumers never started");
        let mut probe = Message::new(&topic, &b"probe"[..]);
        probe.set_tags("Probe").unwrap();
        producer.send(&probe).unwrap();
        std::thread::sleep(Duration::from_millis(500));
    }
    let mut ids = BTreeSet::new();
    for i in 0..10 {
        let m = Message::new(&topic, format!("bcast-{}", i).into_bytes());
        ids.insert(producer.send(&m).unwrap().msg_id);
    }
    producer.shutdown().unwrap();
    let real = |p: *mut CPushConsumer| -> BTreeSet<String> {
        got(p)
            .into_iter()
            .filter(|g| g.tags != "Probe")
            .map(|g| g.id)
            .collect()
    };
    assert!(
        wait_until(Duration::from_secs(30), || consumers.iter().all(|p| real(
            *p
        )
        .len()
            >= ids.len())),
        "{:?}",
        consumers.iter().map(|p| real(*p).len()).collect::<Vec<_>>()
    );
    for p in &consumers {
        assert_eq!(real(*p), ids);
        // SAFETY: a live handle, not used afterwards.
        unsafe { assert_eq!(DestroyPushConsumer(*p), 0) };
    }
}

#[test]
fn calls_from_inside_the_callback() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPushInside");
    let group = common::unique_topic("legacy_push_inside");
    send(&cluster.namesrv, &topic, 0, 1);
    let p = started(&cluster.namesrv, &group, &topic, "*", Some(call_back_in));
    assert!(wait_until(Duration::from_secs(30), || !got(p).is_empty()));
    let line = INSIDE
        .lock()
        .unwrap()
        .iter()
        .find(|(c, _)| *c == p as usize)
        .map(|(_, l)| l.clone())
        .unwrap();
    // Start: 0 (it runs); Shutdown and Destroy would wait for the callback
    // itself: 1 with a text; the getters and setters work.
    assert!(
        line.starts_with(&format!(
            "start=0 shutdown=1 destroy=1 set=0 group={} text=",
            group
        )),
        "{}",
        line
    );
    assert!(line.contains("own message callback"), "{}", line);
    // Destroy shuts the running consumer down; the handle is freed.
    // SAFETY: a live handle, not used afterwards.
    unsafe { assert_eq!(DestroyPushConsumer(p), 0) };
}

#[test]
fn shutdown_waits_for_running_callbacks_and_none_runs_after() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyPushSlow");
    let group = common::unique_topic("legacy_push_slow");
    send(&cluster.namesrv, &topic, 0, 6);
    let p = started(&cluster.namesrv, &group, &topic, "*", Some(slow));
    assert!(wait_until(Duration::from_secs(30), || !got(p).is_empty()));
    let t = Instant::now();
    // SAFETY: a live handle.
    assert_eq!(unsafe { ShutdownPushConsumer(p) }, 0, "{}", last_error());
    assert_eq!(
        SLOW_RUNNING.load(Ordering::SeqCst),
        0,
        "a callback still runs"
    );
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    let calls = got(p).len();
    assert!(calls < 6, "shut down before all were consumed: {}", calls);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(got(p).len(), calls, "no callback after the shutdown");
    // The unconsumed messages come to the next start (its committed
    // offsets end before them).
    // SAFETY: a live handle.
    assert_eq!(unsafe { StartPushConsumer(p) }, 0, "{}", last_error());
    assert!(
        wait_until(Duration::from_secs(30), || {
            got(p).iter().map(|g| &g.id).collect::<BTreeSet<_>>().len() >= 6
        }),
        "{:#?}",
        got(p)
    );
    // SAFETY: a live handle, not used afterwards.
    unsafe { assert_eq!(DestroyPushConsumer(p), 0) };
}

#[test]
fn bad_input_never_crashes_and_keeps_the_legacy_codes() {
    let cluster = common::shared();
    let null_c: *mut CPushConsumer = std::ptr::null_mut();
    let ns = c(&cluster.namesrv);
    // SAFETY: every pointer is NULL, a C string or a live handle made here.
    unsafe {
        assert!(CreatePushConsumer(std::ptr::null()).is_null());
        assert_eq!(DestroyPushConsumer(null_c), 1);
        assert_eq!(StartPushConsumer(null_c), 1);
        assert_eq!(ShutdownPushConsumer(null_c), 1);
        assert!(ShowPushConsumerVersion(null_c).is_null());
        assert!(GetPushConsumerGroupID(null_c).is_null());
        assert_eq!(SetPushConsumerGroupID(null_c, c"g".as_ptr()), 1);
        assert_eq!(SetPushConsumerNameServerAddress(null_c, c"x".as_ptr()), 1);
        assert_eq!(SetPushConsumerNameServerDomain(null_c, c"x".as_ptr()), 1);
        assert_eq!(Subscribe(null_c, c"T".as_ptr(), c"*".as_ptr()), 1);
        assert_eq!(RegisterMessageCallback(null_c, Some(collect)), 1);
        assert_eq!(RegisterMessageCallbackOrderly(null_c, Some(collect)), 1);
        assert_eq!(UnregisterMessageCallback(null_c), 1);
        assert_eq!(UnregisterMessageCallbackOrderly(null_c), 1);
        assert_eq!(SetPushConsumerThreadCount(null_c, 2), 1);
        assert_eq!(SetPushConsumerMessageBatchMaxSize(null_c, 2), 1);
        assert_eq!(SetPushConsumerInstanceName(null_c, c"i".as_ptr()), 1);
        assert_eq!(
            SetPushConsumerSessionCredentials(null_c, c"a".as_ptr(), c"b".as_ptr(), c"c".as_ptr()),
            1
        );
        assert_eq!(SetPushConsumerLogPath(null_c, c"/tmp".as_ptr()), 1);
        assert_eq!(SetPushConsumerLogFileNumAndSize(null_c, 3, 100), 1);
        assert_eq!(SetPushConsumerLogLevel(null_c, 4), 1);
        assert_eq!(SetPushConsumerMessageModel(null_c, CLUSTERING), 1);
        assert_eq!(SetPushConsumerMaxCacheMessageSize(null_c, 10), 1);
        assert_eq!(SetPushConsumerMaxCacheMessageSizeInMb(null_c, 10), 1);
        assert_eq!(SetPushConsumerMessageTrace(null_c, 0), 1);
        assert_eq!(SetPushConsumerSsl(null_c, 0), 1);
        assert_eq!(SetPushConsumerSslPropertyFile(null_c, c"f".as_ptr()), 1);

        let topic = common::unique_topic("LegacyPushBad");
        let group = common::unique_topic("legacy_push_bad");
        let (t, g) = (c(&topic), c(&group));
        let p = CreatePushConsumer(g.as_ptr());
        assert!(!p.is_null());
        assert!(text(ShowPushConsumerVersion(p)).contains("librocketmq"));
        assert_eq!(SetPushConsumerNameServerAddress(p, ns.as_ptr()), 0);
        // NULL strings and callbacks: 1 with a text.
        let null = std::ptr::null();
        let calls: [(&str, &dyn Fn() -> c_int); 11] = [
            ("groupId", &|| SetPushConsumerGroupID(p, null)),
            ("namesrv", &|| SetPushConsumerNameServerAddress(p, null)),
            ("domain", &|| SetPushConsumerNameServerDomain(p, null)),
            ("topic", &|| Subscribe(p, null, c"*".as_ptr())),
            ("expression", &|| Subscribe(p, t.as_ptr(), null)),
            ("pCallback", &|| RegisterMessageCallback(p, None)),
            ("pCallback", &|| RegisterMessageCallbackOrderly(p, None)),
            ("instanceName", &|| SetPushConsumerInstanceName(p, null)),
            ("secretKey", &|| {
                SetPushConsumerSessionCredentials(p, c"a".as_ptr(), null, c"c".as_ptr())
            }),
            ("logPath", &|| SetPushConsumerLogPath(p, null)),
            ("sslPropertyFile", &|| {
                SetPushConsumerSslPropertyFile(p, null)
            }),
        ];
        for (says, call) in calls {
            assert_eq!(call(), 1, "{}", says);
            assert!(last_error().contains(says), "{}: {}", says, last_error());
        }
        // Numbers: 0 is 1 (legacy), negative ignored, out of range 1.
        assert_eq!(SetPushConsumerThreadCount(p, 0), 1);
        assert_eq!(SetPushConsumerThreadCount(p, -3), 0);
        assert_eq!(SetPushConsumerThreadCount(p, 100_000), 1);
        assert!(
            last_error().contains("consumeThreadCount"),
            "{}",
            last_error()
        );
        assert_eq!(SetPushConsumerThreadCount(p, 2), 0);
        assert_eq!(SetPushConsumerMessageBatchMaxSize(p, 0), 1);
        assert_eq!(SetPushConsumerMessageBatchMaxSize(p, -1), 0);
        assert_eq!(SetPushConsumerMessageBatchMaxSize(p, 5000), 1);
        assert_eq!(SetPushConsumerMessageBatchMaxSize(p, 1), 0);
        assert_eq!(SetPushConsumerMaxCacheMessageSize(p, 0), 1);
        assert_eq!(SetPushConsumerMaxCacheMessageSize(p, -5), 1);
        assert_eq!(SetPushConsumerMaxCacheMessageSize(p, 70_000), 0);
        assert!(last_error().contains("ignored"), "{}", last_error());
        assert_eq!(SetPushConsumerMaxCacheMessageSize(p, 500), 0);
        assert_eq!(SetPushConsumerMaxCacheMessageSizeInMb(p, 0), 1);
        assert_eq!(SetPushConsumerMaxCacheMessageSizeInMb(p, 100_000), 0);
        assert!(last_error().contains("ignored"), "{}", last_error());
        assert_eq!(SetPushConsumerMaxCacheMessageSizeInMb(p, 50), 0);
        // Accepted, recorded or ignored with a note.
        // Implemented (tests/namesrv_domain.rs): https is refused, "" clears.
        assert_eq!(
            SetPushConsumerNameServerDomain(p, c"https://example.com".as_ptr()),
            1
        );
        assert!(last_error().contains("https"), "{}", last_error());
        assert_eq!(
            SetPushConsumerNameServerDomain(p, c"example.com".as_ptr()),
            0
        );
        assert_eq!(SetPushConsumerNameServerDomain(p, c"".as_ptr()), 0);
        assert_eq!(
            SetPushConsumerLogPath(p, c"/tmp/legacy-push-logs".as_ptr()),
            0
        );
        assert_eq!(SetPushConsumerLogFileNumAndSize(p, 3, 100), 0);
        assert_eq!(SetPushConsumerLogLevel(p, 2), 0);
        assert_eq!(SetPushConsumerMessageTrace(p, 0), 0);
        assert_eq!(SetPushConsumerMessageTrace(p, 1), 0);
        assert_eq!(SetPushConsumerSsl(p, 0), 0);
        assert_eq!(
            SetPushConsumerSslPropertyFile(p, c"/etc/tls.properties".as_ptr()),
            0
        );
        assert_eq!(
            SetPushConsumerSessionCredentials(p, c"".as_ptr(), c"".as_ptr(), c"".as_ptr()),
            0
        );

        // Start: 20 with the reason, until everything is there.
        let start_fails = |says: &str| {
            assert_eq!(StartPushConsumer(p), 20, "{}", says);
            assert!(last_error().contains(says), "{}: {}", says, last_error());
        };
        start_fails("no message callback registered");
        assert_eq!(RegisterMessageCallbackOrderly(p, Some(collect)), 0);
        start_fails("no subscription");
        assert_eq!(UnregisterMessageCallback(p), 0, "not the orderly one");
        start_fails("no subscription");
        assert_eq!(UnregisterMessageCallbackOrderly(p), 0);
        start_fails("no message callback registered");
        assert_eq!(RegisterMessageCallback(p, Some(collect)), 0);
        assert_eq!(
            UnregisterMessageCallbackOrderly(p),
            0,
            "not the concurrent one"
        );
        start_fails("no subscription");
        assert_eq!(RegisterMessageCallbackOrderly(p, Some(collect)), 0);
        assert_eq!(RegisterMessageCallback(p, Some(collect)), 0, "replaces");
        assert_eq!(UnregisterMessageCallbackOrderly(p), 0, "replaced already");
        start_fails("no subscription");
        assert_eq!(Subscribe(p, c"bad topic!".as_ptr(), c"*".as_ptr()), 0);
        start_fails("bad topic!");
        // A second Subscribe of a topic replaces its expression.
        let mut replaced = CreatePushConsumer(c"x".as_ptr());
        assert_eq!(Subscribe(replaced, t.as_ptr(), c"||".as_ptr()), 0);
        assert_eq!(RegisterMessageCallback(replaced, Some(collect)), 0);
        assert_eq!(StartPushConsumer(replaced), 20, "an expression of no tag");
        assert_eq!(Subscribe(replaced, t.as_ptr(), c"*".as_ptr()), 0);
        assert_eq!(SetPushConsumerNameServerAddress(replaced, ns.as_ptr()), 0);
        assert_eq!(
            SetPushConsumerGroupID(replaced, c(&common::unique_topic("g")).as_ptr()),
            0
        );
        assert_eq!(StartPushConsumer(replaced), 0, "{}", last_error());
        assert_eq!(DestroyPushConsumer(replaced), 0);
        replaced = std::ptr::null_mut();
        assert_eq!(DestroyPushConsumer(replaced), 1);

        // p: drop the bad topic (a fresh handle; Subscribe keeps topics).
        assert_eq!(DestroyPushConsumer(p), 0);
        let p = created(&cluster.namesrv, &group, &topic, "*", Some(collect));
        assert_eq!(SetPushConsumerMessageModel(p, 7), 0);
        assert!(last_error().contains("StartPushConsumer will fail"));
        start_fails_on(p, "message model 7");
        assert_eq!(SetPushConsumerMessageModel(p, CLUSTERING), 0);
        // TLS reads its property file at start: one that cannot be read
        // fails the start, named.
        assert_eq!(SetPushConsumerSsl(p, 1), 0);
        assert_eq!(
            SetPushConsumerSslPropertyFile(p, c"/nonexistent/tls.properties".as_ptr()),
            0
        );
        start_fails_on(p, "/nonexistent/tls.properties");
        assert_eq!(SetPushConsumerSsl(p, 0), 0);
        assert_eq!(SetPushConsumerGroupID(p, c"".as_ptr()), 0);
        start_fails_on(p, "consumerGroup must not be empty");
        assert_eq!(SetPushConsumerGroupID(p, g.as_ptr()), 0);
        let d = CreatePushConsumer(c"".as_ptr());
        assert_eq!(text(GetPushConsumerGroupID(d)), "DEFAULT_CONSUMER");
        assert_eq!(Subscribe(d, t.as_ptr(), c"*".as_ptr()), 0);
        assert_eq!(RegisterMessageCallback(d, Some(collect)), 0);
        start_fails_on(d, "DEFAULT_CONSUMER");
        assert_eq!(DestroyPushConsumer(d), 0);

        // Started: a second consumer of the group and instance name cannot
        // start; with another instance name it can.
        assert_eq!(StartPushConsumer(p), 0, "{}", last_error());
        let twin = created(&cluster.namesrv, &group, &topic, "*", Some(collect));
        start_fails_on(twin, "has been created before");
        assert_eq!(SetPushConsumerInstanceName(twin, c"other".as_ptr()), 0);
        assert_eq!(StartPushConsumer(twin), 0, "{}", last_error());
        assert_eq!(DestroyPushConsumer(twin), 0);

        // While running: setters, subscriptions and callbacks return 0 and
        // apply from the next start.
        for rc in [
            SetPushConsumerNameServerAddress(p, c"127.0.0.1:1".as_ptr()),
            SetPushConsumerThreadCount(p, 3),
            Subscribe(p, c"Other".as_ptr(), c"*".as_ptr()),
            UnregisterMessageCallback(p),
            RegisterMessageCallback(p, Some(collect)),
            SetPushConsumerMessageModel(p, BROADCASTING),
        ] {
            assert_eq!(rc, 0);
            assert!(
                last_error().contains("next StartPushConsumer"),
                "{}",
                last_error()
            );
        }
        assert_eq!(ShutdownPushConsumer(p), 0);
        assert_eq!(DestroyPushConsumer(p), 0);
    }
}

/// # Safety
/// `p` is a live push consumer handle.
unsafe fn start_fails_on(p: *mut CPushConsumer, says: &str) {
    // SAFETY: as this function's # Safety.
    assert_eq!(unsafe { StartPushConsumer(p) }, 20, "{}", says);
    assert!(last_error().contains(says), "{}: {}", says, last_error());
}
