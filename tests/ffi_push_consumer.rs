//! The push consumer's C API (`rmq_push_consumer_*`), called through the
//! exported functions as a C program would: bad input and wrong states give
//! a clear status and last error, never a crash; shutdown and free are
//! refused from the callback; one round trip against the real cluster reads
//! every field of the views the callback gets; a callback that asks for a
//! message again gets it back with reconsume times 1.
//!
//! The callbacks never assert (a panic cannot leave an `extern "C"`
//! function): they record what they saw, and the test thread checks it.

mod common;

use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr, CString};
use std::net::SocketAddr;
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rocketmq::ffi::message_ext::*;
use rocketmq::ffi::push_consumer::*;
use rocketmq::ffi::{rmq_last_error, rmq_status};
use rocketmq::Message;

fn last_error() -> String {
    // SAFETY: rmq_last_error returns a C string valid until the next
    // failing call on this thread.
    unsafe { CStr::from_ptr(rmq_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// `st` is `want` and the last error mentions `text`.
#[track_caller]
fn fails(st: rmq_status, want: rmq_status, text: &str) {
    assert_eq!(st, want, "last error: {}", last_error());
    let err = last_error();
    assert!(err.contains(text), "{:?} does not mention {:?}", err, text);
}

/// The text of a getter's C string ("<NULL>" for NULL).
fn text(p: *const c_char) -> String {
    if p.is_null() {
        return "<NULL>".to_string();
    }
    // SAFETY: the getters return C strings that live as long as the view.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

fn wait_until(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// A callback that consumes everything and records nothing.
unsafe extern "C" fn consume_all(
    _user_data: *mut c_void,
    _msgs: *const *const rmq_message_ext,
    _count: usize,
) -> i32 {
    rmq_consume_status::RMQ_CONSUME_SUCCESS as i32
}

/// A new (not started) consumer of a unique group on `namesrv`, reading
/// from the first offset with 4 consume threads.
unsafe fn new_consumer(namesrv: &str, prefix: &str) -> *mut rmq_push_consumer {
    let group = CString::new(common::unique_topic(prefix)).unwrap();
    let c = rmq_push_consumer_new(group.as_ptr());
    assert!(!c.is_null(), "{}", last_error());
    let ns = CString::new(namesrv).unwrap();
    for (k, v) in [
        (c"namesrvAddr", ns.as_c_str()),
        (c"consumeFromWhere", c"CONSUME_FROM_FIRST_OFFSET"),
        (c"consumeThreadCount", c"4"),
    ] {
        assert_eq!(
            rmq_push_consumer_set(c, k.as_ptr(), v.as_ptr()),
            rmq_status::Ok,
            "{:?}: {}",
            k,
            last_error()
        );
    }
    c
}

#[test]
fn null_handles_and_arguments_are_errors() {
    unsafe {
        // Constructor: NULL, empty, not UTF-8.
        assert!(rmq_push_consumer_new(null()).is_null());
        assert!(last_error().contains("group is NULL"), "{}", last_error());
        assert!(rmq_push_consumer_new(c"".as_ptr()).is_null());
        assert!(!last_error().is_empty());
        assert!(rmq_push_consumer_new(c"g\xff".as_ptr()).is_null());
        assert!(last_error().contains("UTF-8"), "{}", last_error());

        // Every function with a NULL consumer.
        let c: *mut rmq_push_consumer = null_mut();
        let bad = rmq_status::InvalidArgument;
        fails(
            rmq_push_consumer_set(c, c"a".as_ptr(), c"b".as_ptr()),
            bad,
            "consumer is NULL",
        );
        fails(
            rmq_push_consumer_subscribe(c, c"T".as_ptr(), c"*".as_ptr()),
            bad,
            "consumer is NULL",
        );
        fails(
            rmq_push_consumer_unsubscribe(c, c"T".as_ptr()),
            bad,
            "consumer is NULL",
        );
        fails(
            rmq_push_consumer_set_listener(c, Some(consume_all), null_mut()),
            bad,
            "consumer is NULL",
        );
        fails(rmq_push_consumer_start(c), bad, "consumer is NULL");
        fails(rmq_push_consumer_shutdown(c), bad, "consumer is NULL");
        assert_eq!(rmq_push_consumer_free(c), rmq_status::Ok, "free NULL");

        // NULL and non-UTF-8 arguments on a live consumer.
        let c = new_consumer("127.0.0.1:1", "ffi_push_null");
        fails(
            rmq_push_consumer_set(c, null(), c"b".as_ptr()),
            bad,
            "key is NULL",
        );
        fails(
            rmq_push_consumer_set(c, c"consumeThreadCount".as_ptr(), null()),
            bad,
            "value is NULL",
        );
        fails(
            rmq_push_consumer_set(c, c"consume\xffThreadCount".as_ptr(), c"1".as_ptr()),
            bad,
            "key is not valid UTF-8",
        );
        fails(
            rmq_push_consumer_subscribe(c, null(), c"*".as_ptr()),
            bad,
            "topic is NULL",
        );
        fails(
            rmq_push_consumer_subscribe(c, c"T".as_ptr(), null()),
            bad,
            "expression is NULL",
        );
        fails(
            rmq_push_consumer_subscribe(c, c"T\xff".as_ptr(), c"*".as_ptr()),
            bad,
            "topic is not valid UTF-8",
        );
        fails(
            rmq_push_consumer_unsubscribe(c, null()),
            bad,
            "topic is NULL",
        );
        fails(
            rmq_push_consumer_set_listener(c, None, null_mut()),
            bad,
            "callback is NULL",
        );
        assert_eq!(rmq_push_consumer_free(c), rmq_status::Ok);
    }
}

#[test]
fn wrong_states_and_bad_values_are_refused_cleanly() {
    unsafe {
        let c = new_consumer("127.0.0.1:1", "ffi_push_state");
        // Unknown key, bad values (the setting is unchanged).
        fails(
            rmq_push_consumer_set(c, c"noSuchKey".as_ptr(), c"1".as_ptr()),
            rmq_status::UnknownConfigKey,
            "noSuchKey",
        );
        for (k, v) in [
            (c"consumeThreadCount", c"0"),
            (c"consumeMessageBatchMaxSize", c"2000"),
            (c"maxReconsumeTimes", c"-2"),
            (c"delayLevelWhenNextConsume", c"19"),
            (c"consumeFromWhere", c"NOW"),
        ] {
            fails(
                rmq_push_consumer_set(c, k.as_ptr(), v.as_ptr()),
                rmq_status::InvalidArgument,
                k.to_str().unwrap(),
            );
        }
        // Topics breaking the rules, expressions without tags.
        fails(
            rmq_push_consumer_subscribe(c, c"bad topic".as_ptr(), c"*".as_ptr()),
            rmq_status::InvalidTopic,
            "",
        );
        fails(
            rmq_push_consumer_subscribe(c, c"T".as_ptr(), c"||".as_ptr()),
            rmq_status::InvalidArgument,
            "",
        );
        // Start needs a callback, then a subscription.
        fails(
            rmq_push_consumer_start(c),
            rmq_status::InvalidState,
            "no message listener",
        );
        assert_eq!(
            rmq_push_consumer_set_listener(c, Some(consume_all), null_mut()),
            rmq_status::Ok
        );
        fails(
            rmq_push_consumer_start(c),
            rmq_status::InvalidState,
            "no topic is subscribed",
        );
        // Subscribe then unsubscribe: still nothing subscribed.
        assert_eq!(
            rmq_push_consumer_subscribe(c, c"FfiPushT".as_ptr(), c"TagA||TagB".as_ptr()),
            rmq_status::Ok
        );
        assert_eq!(
            rmq_push_consumer_unsubscribe(c, c"FfiPushT".as_ptr()),
            rmq_status::Ok
        );
        assert_eq!(
            rmq_push_consumer_unsubscribe(c, c"NeverSubscribed".as_ptr()),
            rmq_status::Ok
        );
        fails(
            rmq_push_consumer_start(c),
            rmq_status::InvalidState,
            "no topic is subscribed",
        );
        // Settings that do not fit together fail at start.
        assert_eq!(
            rmq_push_consumer_subscribe(c, c"FfiPushT".as_ptr(), c"*".as_ptr()),
            rmq_status::Ok
        );
        assert_eq!(
            rmq_push_consumer_set(c, c"brokerSuspendMaxTimeMillis".as_ptr(), c"40000".as_ptr()),
            rmq_status::Ok
        );
        fails(
            rmq_push_consumer_start(c),
            rmq_status::InvalidArgument,
            "consumerTimeoutMillisWhenSuspend",
        );
        assert_eq!(
            rmq_push_consumer_set(c, c"brokerSuspendMaxTimeMillis".as_ptr(), c"20000".as_ptr()),
            rmq_status::Ok
        );
        // Started (no NameServer answers on port 1: the consumer just finds
        // no route), then everything that changes the setup is refused.
        assert_eq!(
            rmq_push_consumer_start(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        fails(
            rmq_push_consumer_start(c),
            rmq_status::InvalidState,
            "already started",
        );
        fails(
            rmq_push_consumer_set(c, c"consumeThreadCount".as_ptr(), c"8".as_ptr()),
            rmq_status::InvalidState,
            "already started",
        );
        fails(
            rmq_push_consumer_subscribe(c, c"Other".as_ptr(), c"*".as_ptr()),
            rmq_status::InvalidState,
            "already started",
        );
        fails(
            rmq_push_consumer_unsubscribe(c, c"FfiPushT".as_ptr()),
            rmq_status::InvalidState,
            "already started",
        );
        fails(
            rmq_push_consumer_set_listener(c, Some(consume_all), null_mut()),
            rmq_status::InvalidState,
            "already started",
        );
        // Shutdown is idempotent; afterwards every call is SHUTDOWN.
        assert_eq!(
            rmq_push_consumer_shutdown(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        assert_eq!(rmq_push_consumer_shutdown(c), rmq_status::Ok);
        fails(
            rmq_push_consumer_start(c),
            rmq_status::Shutdown,
            "shut down",
        );
        fails(
            rmq_push_consumer_set(c, c"consumeThreadCount".as_ptr(), c"8".as_ptr()),
            rmq_status::Shutdown,
            "shut down",
        );
        fails(
            rmq_push_consumer_subscribe(c, c"FfiPushT".as_ptr(), c"*".as_ptr()),
            rmq_status::Shutdown,
            "shut down",
        );
        fails(
            rmq_push_consumer_unsubscribe(c, c"FfiPushT".as_ptr()),
            rmq_status::Shutdown,
            "shut down",
        );
        fails(
            rmq_push_consumer_set_listener(c, Some(consume_all), null_mut()),
            rmq_status::Shutdown,
            "shut down",
        );
        assert_eq!(rmq_push_consumer_free(c), rmq_status::Ok);

        // Never started: shutdown and free are fine; free alone too.
        let c = new_consumer("127.0.0.1:1", "ffi_push_state");
        assert_eq!(rmq_push_consumer_shutdown(c), rmq_status::Ok);
        assert_eq!(rmq_push_consumer_free(c), rmq_status::Ok);
        let c = new_consumer("127.0.0.1:1", "ffi_push_state");
        assert_eq!(rmq_push_consumer_free(c), rmq_status::Ok);
    }
}

/// What the refusing callback saw: the consumer it tries to shut down and
/// free, and the outcomes.
struct Refusal {
    consumer: AtomicUsize,
    calls: AtomicUsize,
    outcomes: Mutex<Vec<(rmq_status, String, rmq_status, String)>>,
}

unsafe extern "C" fn shut_down_from_callback(
    user_data: *mut c_void,
    _msgs: *const *const rmq_message_ext,
    _count: usize,
) -> i32 {
    // SAFETY: user_data is the test's Refusal, alive until the consumer is
    // freed.
    let r = unsafe { &*(user_data as *const Refusal) };
    let c = r.consumer.load(Ordering::SeqCst) as *mut rmq_push_consumer;
    // SAFETY: the consumer is live while callbacks run.
    let shut = unsafe { rmq_push_consumer_shutdown(c) };
    let shut_text = last_error();
    // SAFETY: as above; the call is refused, so the consumer stays live.
    let freed = unsafe { rmq_push_consumer_free(c) };
    let free_text = last_error();
    if let Ok(mut o) = r.outcomes.lock() {
        o.push((shut, shut_text, freed, free_text));
    }
    r.calls.fetch_add(1, Ordering::SeqCst);
    rmq_consume_status::RMQ_CONSUME_SUCCESS as i32
}

#[test]
fn shutdown_and_free_from_the_callback_are_refused() {
    let cluster = common::shared();
    let topic = common::unique_topic("FfiPushRefuse");
    let producer = common::producer(&cluster.namesrv, &[]);
    for i in 0..3 {
        producer
            .send(&Message::new(&topic, format!("refuse {}", i).into_bytes()))
            .unwrap();
    }
    producer.shutdown().unwrap();
    let state = Box::new(Refusal {
        consumer: AtomicUsize::new(0),
        calls: AtomicUsize::new(0),
        outcomes: Mutex::new(Vec::new()),
    });
    let t = CString::new(topic.as_str()).unwrap();
    unsafe {
        let c = new_consumer(&cluster.namesrv, "ffi_push_refuse");
        state.consumer.store(c as usize, Ordering::SeqCst);
        let ud = &*state as *const Refusal as *mut c_void;
        assert_eq!(
            rmq_push_consumer_set_listener(c, Some(shut_down_from_callback), ud),
            rmq_status::Ok
        );
        assert_eq!(
            rmq_push_consumer_subscribe(c, t.as_ptr(), c"*".as_ptr()),
            rmq_status::Ok
        );
        assert_eq!(
            rmq_push_consumer_start(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        assert!(
            wait_until(Duration::from_secs(30), || state
                .calls
                .load(Ordering::SeqCst)
                >= 3),
            "callbacks: {}",
            state.calls.load(Ordering::SeqCst)
        );
        for (shut, shut_text, freed, free_text) in state.outcomes.lock().unwrap().iter() {
            assert_eq!(*shut, rmq_status::InvalidState, "{}", shut_text);
            assert!(shut_text.contains("listener"), "{}", shut_text);
            assert_eq!(*freed, rmq_status::InvalidState, "{}", free_text);
            assert!(free_text.contains("consume callback"), "{}", free_text);
            assert!(free_text.contains("nothing was freed"), "{}", free_text);
        }
        // Still running and still live: shut down and free from here.
        fails(
            rmq_push_consumer_start(c),
            rmq_status::InvalidState,
            "already started",
        );
        assert_eq!(
            rmq_push_consumer_shutdown(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        assert_eq!(rmq_push_consumer_free(c), rmq_status::Ok);
    }
}

/// Every field of one view, read inside the callback.
#[derive(Debug, Clone)]
struct Seen {
    thread: String,
    /// Position in its call, and the call's message count.
    index: usize,
    count: usize,
    /// Every getter returned the same pointer on a second call.
    same_pointers: bool,
    topic: String,
    msg_id: String,
    offset_msg_id: String,
    broker_name: String,
    tags: String,
    keys: String,
    index_property: String,
    absent_property: String,
    born_host: String,
    store_host: String,
    body: Vec<u8>,
    queue_id: i32,
    queue_offset: i64,
    reconsume_times: i32,
    sys_flag: i32,
    flag: i32,
    delay_level: i32,
    commit_log_offset: i64,
    born_timestamp: i64,
    store_timestamp: i64,
    prepared_transaction_offset: i64,
    body_crc: i32,
}

/// Reads every field of `m`.
///
/// # Safety
/// `m` is a live view, used by this thread only.
unsafe fn read_view(m: *const rmq_message_ext, index: usize, count: usize) -> Seen {
    unsafe {
        let texts: [unsafe extern "C" fn(*const rmq_message_ext) -> *const c_char; 8] = [
            rmq_message_ext_topic,
            rmq_message_ext_msg_id,
            rmq_message_ext_offset_msg_id,
            rmq_message_ext_broker_name,
            rmq_message_ext_tags,
            rmq_message_ext_keys,
            rmq_message_ext_born_host,
            rmq_message_ext_store_host,
        ];
        let same_pointers = texts.iter().all(|get| get(m) == get(m))
            && rmq_message_ext_property(m, c"index".as_ptr())
                == rmq_message_ext_property(m, c"index".as_ptr());
        let (mut data, mut len) = (null::<u8>(), 0usize);
        let body = if rmq_message_ext_body(m, &mut data, &mut len) == rmq_status::Ok {
            std::slice::from_raw_parts(data, len).to_vec()
        } else {
            b"<body failed>".to_vec()
        };
        Seen {
            thread: std::thread::current().name().unwrap_or("").to_string(),
            index,
            count,
            same_pointers,
            topic: text(rmq_message_ext_topic(m)),
            msg_id: text(rmq_message_ext_msg_id(m)),
            offset_msg_id: text(rmq_message_ext_offset_msg_id(m)),
            broker_name: text(rmq_message_ext_broker_name(m)),
            tags: text(rmq_message_ext_tags(m)),
            keys: text(rmq_message_ext_keys(m)),
            index_property: text(rmq_message_ext_property(m, c"index".as_ptr())),
            absent_property: text(rmq_message_ext_property(m, c"absent".as_ptr())),
            born_host: text(rmq_message_ext_born_host(m)),
            store_host: text(rmq_message_ext_store_host(m)),
            body,
            queue_id: rmq_message_ext_queue_id(m),
            queue_offset: rmq_message_ext_queue_offset(m),
            reconsume_times: rmq_message_ext_reconsume_times(m),
            sys_flag: rmq_message_ext_sys_flag(m),
            flag: rmq_message_ext_flag(m),
            delay_level: rmq_message_ext_delay_level(m),
            commit_log_offset: rmq_message_ext_commit_log_offset(m),
            born_timestamp: rmq_message_ext_born_timestamp(m),
            store_timestamp: rmq_message_ext_store_timestamp(m),
            prepared_transaction_offset: rmq_message_ext_prepared_transaction_offset(m),
            body_crc: rmq_message_ext_body_crc(m),
        }
    }
}

/// The recording callbacks' state: what they saw, and what they answer by
/// the message's reconsume times (index 0: first delivery, 1: the retry).
struct Recorder {
    seen: Mutex<Vec<Seen>>,
    /// Bodies whose first delivery gets `first_answer` instead of success.
    fail_first: HashMap<Vec<u8>, i32>,
}

unsafe extern "C" fn record(
    user_data: *mut c_void,
    msgs: *const *const rmq_message_ext,
    count: usize,
) -> i32 {
    // SAFETY: user_data is the test's Recorder, alive until the consumer is
    // freed; msgs holds `count` live views during the call.
    let r = unsafe { &*(user_data as *const Recorder) };
    let mut answer = rmq_consume_status::RMQ_CONSUME_SUCCESS as i32;
    let mut seen = Vec::with_capacity(count);
    for i in 0..count {
        // SAFETY: i < count.
        let view = unsafe { read_view(*msgs.add(i), i, count) };
        if view.reconsume_times == 0 {
            if let Some(&a) = r.fail_first.get(&view.body) {
                answer = a;
            }
        }
        seen.push(view);
    }
    if let Ok(mut s) = r.seen.lock() {
        s.extend(seen);
    }
    answer
}

/// `offsetMsgId` = store host ip (8 hex) + port (8 hex) + commit-log offset
/// (16 hex), for an IPv4 store host.
fn parse_offset_msg_id(id: &str) -> (SocketAddr, i64) {
    assert_eq!(id.len(), 32, "{}", id);
    let n = |r: std::ops::Range<usize>| u64::from_str_radix(&id[r], 16).unwrap();
    let ip = std::net::Ipv4Addr::from(n(0..8) as u32);
    (SocketAddr::from((ip, n(8..16) as u16)), n(16..32) as i64)
}

/// Starts a recording consumer of `topic` with `settings`.
unsafe fn start_recorder(
    namesrv: &str,
    topic: &str,
    settings: &[(&CStr, &CStr)],
    recorder: &Recorder,
) -> *mut rmq_push_consumer {
    unsafe {
        let c = new_consumer(namesrv, "ffi_push_rec");
        for (k, v) in settings {
            assert_eq!(
                rmq_push_consumer_set(c, k.as_ptr(), v.as_ptr()),
                rmq_status::Ok,
                "{}",
                last_error()
            );
        }
        let ud = recorder as *const Recorder as *mut c_void;
        assert_eq!(
            rmq_push_consumer_set_listener(c, Some(record), ud),
            rmq_status::Ok
        );
        let t = CString::new(topic).unwrap();
        assert_eq!(
            rmq_push_consumer_subscribe(c, t.as_ptr(), c"*".as_ptr()),
            rmq_status::Ok
        );
        assert_eq!(
            rmq_push_consumer_start(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        c
    }
}

#[test]
fn round_trip_reads_every_field_of_what_was_sent() {
    let cluster = common::shared();
    let topic = common::unique_topic("FfiPushRound");
    let producer = common::producer(&cluster.namesrv, &[]);
    let started_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let n = 40;
    let mut sent = HashMap::new();
    for i in 0..n {
        let mut m = Message::new(&topic, format!("push round body {}", i).into_bytes());
        m.set_tags(if i % 2 == 0 { "TagA" } else { "TagB" })
            .unwrap();
        m.set_keys(&format!("k{} order-{}", i, i % 3)).unwrap();
        m.set_property("index", &i.to_string()).unwrap();
        m.set_flag(i);
        let r = producer.send(&m).unwrap();
        sent.insert(r.msg_id.clone(), (i, r));
    }
    producer.shutdown().unwrap();
    let recorder = Box::new(Recorder {
        seen: Mutex::new(Vec::new()),
        fail_first: HashMap::new(),
    });
    unsafe {
        // Batches of up to 4 messages per call.
        let c = start_recorder(
            &cluster.namesrv,
            &topic,
            &[(c"consumeMessageBatchMaxSize", c"4")],
            &recorder,
        );
        assert!(
            wait_until(Duration::from_secs(30), || recorder
                .seen
                .lock()
                .unwrap()
                .len()
                >= n as usize),
            "received {} of {}",
            recorder.seen.lock().unwrap().len(),
            n
        );
        assert_eq!(
            rmq_push_consumer_shutdown(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        assert_eq!(rmq_push_consumer_free(c), rmq_status::Ok);
    }
    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), n as usize, "each message once");
    let mut ids = std::collections::HashSet::new();
    for s in &seen {
        let (i, r) = sent
            .get(&s.msg_id)
            .unwrap_or_else(|| panic!("unknown id {}", s.msg_id));
        assert!(ids.insert(s.msg_id.clone()), "twice: {}", s.msg_id);
        assert!(
            s.thread.starts_with("rocketmq-consume-"),
            "callback on {:?}",
            s.thread
        );
        assert!(s.count >= 1 && s.count <= 4 && s.index < s.count, "{:?}", s);
        assert!(s.same_pointers, "a getter returned a new pointer: {:?}", s);
        assert_eq!(s.topic, topic);
        assert_eq!(s.offset_msg_id, r.offset_msg_id);
        assert_eq!(s.broker_name, &*r.message_queue.broker_name);
        assert_eq!(s.queue_id, r.message_queue.queue_id);
        assert_eq!(s.queue_offset, r.queue_offset);
        assert_eq!(s.tags, if i % 2 == 0 { "TagA" } else { "TagB" });
        assert_eq!(s.keys, format!("k{} order-{}", i, i % 3));
        assert_eq!(s.index_property, i.to_string());
        assert_eq!(s.absent_property, "");
        assert_eq!(s.body, format!("push round body {}", i).as_bytes());
        assert_eq!(s.flag, *i);
        assert_eq!(s.delay_level, 0);
        assert_eq!(s.reconsume_times, 0);
        assert_eq!(s.sys_flag, 0);
        assert_eq!(s.prepared_transaction_offset, 0);
        assert_eq!(s.body_crc as u32, crc32fast::hash(&s.body) & 0x7FFF_FFFF);
        let (store, commit_log) = parse_offset_msg_id(&r.offset_msg_id);
        assert_eq!(s.commit_log_offset, commit_log);
        let store_host: SocketAddr = s.store_host.parse().unwrap();
        assert_eq!(store_host, store);
        let born: SocketAddr = s.born_host.parse().unwrap();
        assert_ne!(born.port(), 0);
        let now_ms = started_ms + 120_000;
        let (bt, st) = (s.born_timestamp, s.store_timestamp);
        assert!(bt >= started_ms - 1000 && bt <= now_ms, "born {}", bt);
        assert!(st >= started_ms - 1000 && st <= now_ms, "stored {}", st);
    }
    // One call holds messages of one queue in offset order: consecutive
    // records of a call (same thread, indexes 0..count) have one queue id and
    // growing offsets.
    for w in seen.windows(2) {
        if w[1].index == w[0].index + 1 && w[1].count == w[0].count {
            assert_eq!(w[0].queue_id, w[1].queue_id, "{:?}", w);
            assert!(w[0].queue_offset < w[1].queue_offset, "{:?}", w);
        }
    }
}

#[test]
fn reconsume_later_gets_the_message_again_with_reconsume_times_1() {
    let cluster = common::shared();
    let topic = common::unique_topic("FfiPushRetry");
    let producer = common::producer(&cluster.namesrv, &[]);
    // One message the callback answers RMQ_RECONSUME_LATER on its first
    // delivery; one it answers 42 (not a status: counts as reconsume later);
    // one it consumes at once.
    let mut ids = HashMap::new();
    for body in ["later", "forty-two", "at once"] {
        let mut m = Message::new(&topic, body.as_bytes().to_vec());
        m.set_tags("TagR").unwrap();
        let r = producer.send(&m).unwrap();
        ids.insert(body.as_bytes().to_vec(), r);
    }
    producer.shutdown().unwrap();
    let recorder = Box::new(Recorder {
        seen: Mutex::new(Vec::new()),
        fail_first: HashMap::from([
            (
                b"later".to_vec(),
                rmq_consume_status::RMQ_RECONSUME_LATER as i32,
            ),
            (b"forty-two".to_vec(), 42),
        ]),
    });
    unsafe {
        // Delay level 1: the retries come back after about 1 s.
        let c = start_recorder(
            &cluster.namesrv,
            &topic,
            &[(c"delayLevelWhenNextConsume", c"1")],
            &recorder,
        );
        assert!(
            wait_until(Duration::from_secs(60), || recorder
                .seen
                .lock()
                .unwrap()
                .len()
                >= 5),
            "deliveries: {:?}",
            recorder.seen.lock().unwrap()
        );
        // Nothing more comes: the retries were consumed.
        std::thread::sleep(Duration::from_secs(3));
        assert_eq!(
            rmq_push_consumer_shutdown(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        assert_eq!(rmq_push_consumer_free(c), rmq_status::Ok);
    }
    let seen = recorder.seen.lock().unwrap().clone();
    let deliveries =
        |body: &[u8]| -> Vec<&Seen> { seen.iter().filter(|s| s.body == body).collect() };
    assert_eq!(seen.len(), 5, "{:?}", seen);
    let once = deliveries(b"at once");
    assert_eq!(once.len(), 1, "{:?}", once);
    assert_eq!(once[0].reconsume_times, 0);
    for body in [&b"later"[..], b"forty-two"] {
        let d = deliveries(body);
        let r = &ids[body];
        assert_eq!(
            d.iter().map(|s| s.reconsume_times).collect::<Vec<_>>(),
            vec![0, 1],
            "{:?}",
            d
        );
        for s in &d {
            assert_eq!(s.msg_id, r.msg_id, "a retry keeps the msgId");
            assert_eq!(
                s.topic, topic,
                "a retry comes back under the original topic"
            );
            assert_eq!(s.tags, "TagR");
            assert!(s.thread.starts_with("rocketmq-consume-"), "{:?}", s.thread);
        }
        // The first delivery is the original record; the retry is a new one.
        assert_eq!(d[0].offset_msg_id, r.offset_msg_id);
        assert_ne!(d[1].offset_msg_id, r.offset_msg_id);
    }
}

#[test]
fn orderly_listener_gets_each_queue_in_offset_order_and_retries_in_place() {
    let cluster = common::shared();
    let topic = common::unique_topic("FfiPushOrderly");
    let producer = common::producer(&cluster.namesrv, &[]);
    let n = 40;
    for i in 0..n {
        producer
            .send(&Message::new(&topic, format!("orderly {}", i).into_bytes()))
            .unwrap();
    }
    producer.shutdown().unwrap();
    // The first delivery of "orderly 7" is refused: it comes again (with
    // reconsume times 1) before anything later of its queue.
    let mut fail_first = HashMap::new();
    fail_first.insert(
        b"orderly 7".to_vec(),
        rmq_consume_status::RMQ_RECONSUME_LATER as i32,
    );
    let recorder = Box::new(Recorder {
        seen: Mutex::new(Vec::new()),
        fail_first,
    });
    unsafe {
        let c = new_consumer(&cluster.namesrv, "ffi_push_orderly");
        let (k, v) = (c"suspendCurrentQueueTimeMillis", c"50");
        assert_eq!(
            rmq_push_consumer_set(c, k.as_ptr(), v.as_ptr()),
            rmq_status::Ok
        );
        fails(
            rmq_push_consumer_set_orderly_listener(c, None, std::ptr::null_mut()),
            rmq_status::InvalidArgument,
            "NULL",
        );
        let ud = &*recorder as *const Recorder as *mut c_void;
        assert_eq!(
            rmq_push_consumer_set_orderly_listener(c, Some(record), ud),
            rmq_status::Ok
        );
        let t = CString::new(topic.as_str()).unwrap();
        assert_eq!(
            rmq_push_consumer_subscribe(c, t.as_ptr(), c"*".as_ptr()),
            rmq_status::Ok
        );
        assert_eq!(
            rmq_push_consumer_start(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        assert!(wait_until(Duration::from_secs(30), || {
            recorder.seen.lock().unwrap().len() > n
        }));
        assert_eq!(rmq_push_consumer_shutdown(c), rmq_status::Ok);
        assert_eq!(rmq_push_consumer_free(c), rmq_status::Ok);
    }
    let seen = recorder.seen.lock().unwrap();
    let mut per_queue: HashMap<i32, Vec<(i64, i32)>> = HashMap::new();
    for s in seen.iter() {
        per_queue
            .entry(s.queue_id)
            .or_default()
            .push((s.queue_offset, s.reconsume_times));
    }
    for (q, v) in per_queue {
        // Offsets never go back, except for the one retried in place.
        for w in v.windows(2) {
            let ((a, _), (b, rb)) = (w[0], w[1]);
            assert!(b > a || (b == a && rb == 1), "queue {}: {:?}", q, v);
        }
    }
    assert!(seen
        .iter()
        .any(|s| s.body == b"orderly 7" && s.reconsume_times == 1));
}
