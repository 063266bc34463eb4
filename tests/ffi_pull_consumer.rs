//! The pull consumer's C API (`rmq_pull_consumer_*`, `rmq_message_ext_*`),
//! called through the exported functions as a C program would: bad input
//! gives a clear status and last error, never a crash; and one round trip
//! against the real cluster reads every field of the received messages.

mod common;

use std::collections::HashMap;
use std::ffi::{c_char, CStr, CString};
use std::net::SocketAddr;
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

use rocketmq::ffi::message_ext::*;
use rocketmq::ffi::ordered::rmq_message_queue;
use rocketmq::ffi::pull_consumer::*;
use rocketmq::ffi::pull_consumer_offsets::*;
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

fn text(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: the getters return C strings that live as long as the view.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
}

fn queue(topic: &str, broker: &str, id: i32) -> rmq_message_queue {
    // SAFETY: all-zero bytes are a valid rmq_message_queue (chars and an int).
    let mut q: rmq_message_queue = unsafe { std::mem::zeroed() };
    for (d, b) in q.topic.iter_mut().zip(topic.bytes()) {
        *d = b as c_char;
    }
    for (d, b) in q.broker_name.iter_mut().zip(broker.bytes()) {
        *d = b as c_char;
    }
    q.queue_id = id;
    q
}

fn qtext(a: &[c_char]) -> String {
    // SAFETY: the library writes NUL-terminated strings into the arrays.
    unsafe { CStr::from_ptr(a.as_ptr()) }
        .to_str()
        .unwrap()
        .to_string()
}

/// A new (not started) consumer of a unique group on `namesrv`, reading
/// from the first offset.
unsafe fn new_consumer(namesrv: &str) -> *mut rmq_pull_consumer {
    let group = CString::new(common::unique_topic("ffi_pull_group")).unwrap();
    let c = rmq_pull_consumer_new(group.as_ptr());
    assert!(!c.is_null(), "{}", last_error());
    let ns = CString::new(namesrv).unwrap();
    assert_eq!(
        rmq_pull_consumer_set(c, c"namesrvAddr".as_ptr(), ns.as_ptr()),
        rmq_status::Ok
    );
    assert_eq!(
        rmq_pull_consumer_set(
            c,
            c"consumeFromWhere".as_ptr(),
            c"CONSUME_FROM_FIRST_OFFSET".as_ptr()
        ),
        rmq_status::Ok
    );
    c
}

#[test]
fn null_handles_and_arguments_are_errors() {
    unsafe {
        // Constructors: NULL, empty, not UTF-8.
        assert!(rmq_pull_consumer_new(null()).is_null());
        assert!(last_error().contains("group is NULL"), "{}", last_error());
        assert!(rmq_pull_consumer_new(c"".as_ptr()).is_null());
        assert!(!last_error().is_empty());
        assert!(rmq_pull_consumer_new(c"g\xff".as_ptr()).is_null());
        assert!(last_error().contains("UTF-8"), "{}", last_error());

        // Every function with a NULL consumer.
        let c: *mut rmq_pull_consumer = null_mut();
        let q = queue("T", "broker-a", 0);
        let mut msgs = [null::<rmq_message_ext>(); 4];
        let mut n = 7usize;
        let mut off = 0i64;
        let mut r: rmq_pull_result = std::mem::zeroed();
        let mut qs = [queue("", "", 0); 4];
        let bad = rmq_status::InvalidArgument;
        fails(
            rmq_pull_consumer_set(c, c"a".as_ptr(), c"b".as_ptr()),
            bad,
            "consumer is NULL",
        );
        fails(
            rmq_pull_consumer_subscribe(c, c"T".as_ptr(), c"*".as_ptr()),
            bad,
            "NULL",
        );
        fails(rmq_pull_consumer_unsubscribe(c, c"T".as_ptr()), bad, "NULL");
        fails(rmq_pull_consumer_assign(c, &q, 1), bad, "NULL");
        fails(rmq_pull_consumer_start(c), bad, "NULL");
        fails(
            rmq_pull_consumer_poll(c, 0, msgs.as_mut_ptr(), 4, &mut n),
            bad,
            "NULL",
        );
        fails(rmq_pull_consumer_commit(c), bad, "NULL");
        fails(rmq_pull_consumer_seek(c, &q, 0), bad, "NULL");
        fails(rmq_pull_consumer_seek_to_begin(c, &q), bad, "NULL");
        fails(rmq_pull_consumer_seek_to_end(c, &q), bad, "NULL");
        fails(
            rmq_pull_consumer_offset_for_timestamp(c, &q, 0, &mut off),
            bad,
            "NULL",
        );
        fails(rmq_pull_consumer_committed(c, &q, &mut off), bad, "NULL");
        fails(rmq_pull_consumer_min_offset(c, &q, &mut off), bad, "NULL");
        fails(rmq_pull_consumer_max_offset(c, &q, &mut off), bad, "NULL");
        fails(rmq_pull_consumer_update_offset(c, &q, 0), bad, "NULL");
        fails(
            rmq_pull_consumer_queues(c, c"T".as_ptr(), qs.as_mut_ptr(), 4, &mut n),
            bad,
            "NULL",
        );
        fails(
            rmq_pull_consumer_assignment(c, qs.as_mut_ptr(), 4, &mut n),
            bad,
            "NULL",
        );
        fails(
            rmq_pull_consumer_pull(
                c,
                &q,
                c"*".as_ptr(),
                0,
                1,
                false,
                &mut r,
                msgs.as_mut_ptr(),
                4,
            ),
            bad,
            "NULL",
        );
        fails(rmq_pull_consumer_shutdown(c), bad, "NULL");
        rmq_pull_consumer_release(c); // a no-op
        assert_eq!(rmq_pull_consumer_free(c), rmq_status::Ok);

        // The view getters with a NULL view.
        assert!(rmq_message_ext_topic(null()).is_null());
        assert!(rmq_message_ext_tags(null()).is_null());
        assert!(rmq_message_ext_store_host(null()).is_null());
        assert_eq!(rmq_message_ext_queue_id(null()), -1);
        assert_eq!(rmq_message_ext_commit_log_offset(null()), -1);
        assert_eq!(rmq_message_ext_flag(null()), 0);

        // NULL arguments on a live (not started) consumer.
        let c = new_consumer("127.0.0.1:1");
        fails(
            rmq_pull_consumer_set(c, null(), c"b".as_ptr()),
            bad,
            "key is NULL",
        );
        fails(
            rmq_pull_consumer_set(c, c"pullBatchSize".as_ptr(), null()),
            bad,
            "value is NULL",
        );
        fails(
            rmq_pull_consumer_subscribe(c, null(), c"*".as_ptr()),
            bad,
            "topic is NULL",
        );
        fails(
            rmq_pull_consumer_subscribe(c, c"T".as_ptr(), null()),
            bad,
            "expression is NULL",
        );
        fails(
            rmq_pull_consumer_unsubscribe(c, null()),
            bad,
            "topic is NULL",
        );
        fails(
            rmq_pull_consumer_assign(c, null(), 2),
            bad,
            "queues is NULL",
        );
        fails(
            rmq_pull_consumer_poll(c, 0, msgs.as_mut_ptr(), 4, null_mut()),
            bad,
            "count is NULL",
        );
        n = 7;
        fails(
            rmq_pull_consumer_poll(c, 0, null_mut(), 4, &mut n),
            bad,
            "msgs is NULL",
        );
        assert_eq!(n, 0, "count is 0 on failure");
        fails(rmq_pull_consumer_seek(c, null(), 0), bad, "mq is NULL");
        fails(
            rmq_pull_consumer_committed(c, &q, null_mut()),
            bad,
            "offset is NULL",
        );
        fails(
            rmq_pull_consumer_queues(c, null(), qs.as_mut_ptr(), 4, &mut n),
            bad,
            "topic is NULL",
        );
        fails(
            rmq_pull_consumer_queues(c, c"T".as_ptr(), null_mut(), 4, &mut n),
            bad,
            "NULL",
        );
        fails(
            rmq_pull_consumer_assignment(c, qs.as_mut_ptr(), 4, null_mut()),
            bad,
            "NULL",
        );
        fails(
            rmq_pull_consumer_pull(c, &q, null(), 0, 1, false, &mut r, msgs.as_mut_ptr(), 4),
            bad,
            "expression is NULL",
        );
        fails(
            rmq_pull_consumer_pull(
                c,
                &q,
                c"*".as_ptr(),
                0,
                1,
                false,
                null_mut(),
                msgs.as_mut_ptr(),
                4,
            ),
            bad,
            "result or msgs is NULL",
        );
        // Assign with 0 queues and NULL is allowed (an empty assignment).
        assert_eq!(rmq_pull_consumer_assign(c, null(), 0), rmq_status::Ok);
        assert_eq!(rmq_pull_consumer_free(c), rmq_status::Ok);
    }
}

#[test]
fn bad_input_before_start_is_refused_cleanly() {
    unsafe {
        let c = new_consumer("127.0.0.1:1");
        let mut msgs = [null::<rmq_message_ext>(); 4];
        let mut n = 0usize;
        // Unknown key, bad value, not UTF-8.
        fails(
            rmq_pull_consumer_set(c, c"noSuchKey".as_ptr(), c"1".as_ptr()),
            rmq_status::UnknownConfigKey,
            "noSuchKey",
        );
        fails(
            rmq_pull_consumer_set(c, c"pullBatchSize".as_ptr(), c"0".as_ptr()),
            rmq_status::InvalidArgument,
            "pullBatchSize",
        );
        fails(
            rmq_pull_consumer_set(c, c"consumeFromWhere".as_ptr(), c"NOW".as_ptr()),
            rmq_status::InvalidArgument,
            "consumeFromWhere",
        );
        fails(
            rmq_pull_consumer_set(c, c"pull\xffBatchSize".as_ptr(), c"1".as_ptr()),
            rmq_status::InvalidArgument,
            "key is not valid UTF-8",
        );
        // Client keys work as for the producer.
        assert_eq!(
            rmq_pull_consumer_set(c, c"instanceName".as_ptr(), c"ffi_test".as_ptr()),
            rmq_status::Ok
        );
        // Topics: not UTF-8, breaking the rules; expressions without tags.
        fails(
            rmq_pull_consumer_subscribe(c, c"T\xff".as_ptr(), c"*".as_ptr()),
            rmq_status::InvalidArgument,
            "topic is not valid UTF-8",
        );
        fails(
            rmq_pull_consumer_subscribe(c, c"bad topic".as_ptr(), c"*".as_ptr()),
            rmq_status::InvalidTopic,
            "",
        );
        fails(
            rmq_pull_consumer_subscribe(c, c"T".as_ptr(), c"||".as_ptr()),
            rmq_status::InvalidArgument,
            "",
        );
        // Malformed queues.
        let mut q = queue("T", "broker-a", 0);
        q.topic = [b'x' as c_char; 256];
        fails(
            rmq_pull_consumer_assign(c, &q, 1),
            rmq_status::InvalidArgument,
            "not NUL-terminated",
        );
        let q = queue("T", "", 0);
        fails(
            rmq_pull_consumer_assign(c, &q, 1),
            rmq_status::InvalidArgument,
            "broker name",
        );
        let q = queue("T", "broker-a", -1);
        fails(
            rmq_pull_consumer_assign(c, &q, 1),
            rmq_status::InvalidArgument,
            "negative",
        );
        // Calls that need a started consumer.
        fails(
            rmq_pull_consumer_poll(c, 0, msgs.as_mut_ptr(), 4, &mut n),
            rmq_status::InvalidState,
            "not started",
        );
        fails(
            rmq_pull_consumer_commit(c),
            rmq_status::InvalidState,
            "not started",
        );
        let q = queue("T", "broker-a", 0);
        fails(
            rmq_pull_consumer_seek(c, &q, 0),
            rmq_status::InvalidState,
            "not started",
        );
        let mut off = 0;
        fails(
            rmq_pull_consumer_max_offset(c, &q, &mut off),
            rmq_status::InvalidState,
            "not started",
        );
        // Argument checks come first, whatever the state.
        fails(
            rmq_pull_consumer_poll(c, 0, msgs.as_mut_ptr(), 0, &mut n),
            rmq_status::InvalidArgument,
            "capacity is 0",
        );
        fails(
            rmq_pull_consumer_poll(c, -1, msgs.as_mut_ptr(), 4, &mut n),
            rmq_status::InvalidArgument,
            "negative",
        );
        // Subscribe and assign do not mix.
        assert_eq!(
            rmq_pull_consumer_subscribe(c, c"T".as_ptr(), c"*".as_ptr()),
            rmq_status::Ok
        );
        fails(
            rmq_pull_consumer_assign(c, &q, 1),
            rmq_status::InvalidState,
            "mixed",
        );
        // Settings that do not fit together fail at start.
        assert_eq!(
            rmq_pull_consumer_set(c, c"brokerSuspendMaxTimeMillis".as_ptr(), c"40000".as_ptr()),
            rmq_status::Ok
        );
        fails(
            rmq_pull_consumer_start(c),
            rmq_status::InvalidArgument,
            "consumerTimeoutMillisWhenSuspend",
        );
        // Never started: shutdown and free are fine.
        assert_eq!(rmq_pull_consumer_shutdown(c), rmq_status::Ok);
        assert_eq!(rmq_pull_consumer_free(c), rmq_status::Ok);
    }
}

#[test]
fn started_consumer_refuses_bad_calls_and_everything_after_shutdown() {
    let cluster = common::shared();
    let topic = common::unique_topic("FfiPullBad");
    let producer = common::producer(&cluster.namesrv, &[]);
    let r = producer.send(&Message::new(&topic, &b"x"[..])).unwrap();
    producer.shutdown().unwrap();
    let broker = r.message_queue.broker_name.to_string();
    let t = CString::new(topic.as_str()).unwrap();
    unsafe {
        let c = new_consumer(&cluster.namesrv);
        let owned = queue(&topic, &broker, 0);
        assert_eq!(rmq_pull_consumer_assign(c, &owned, 1), rmq_status::Ok);
        assert_eq!(rmq_pull_consumer_start(c), rmq_status::Ok);
        fails(
            rmq_pull_consumer_start(c),
            rmq_status::InvalidState,
            "already started",
        );
        fails(
            rmq_pull_consumer_set(c, c"pullBatchSize".as_ptr(), c"8".as_ptr()),
            rmq_status::InvalidState,
            "before start",
        );
        // The assigned queue is owned once its route is known.
        let mut qs = [queue("", "", 0); 2];
        let mut n = 0usize;
        let deadline = Instant::now() + Duration::from_secs(10);
        while n == 0 && Instant::now() < deadline {
            assert_eq!(
                rmq_pull_consumer_assignment(c, qs.as_mut_ptr(), 2, &mut n),
                rmq_status::Ok
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(n, 1);
        assert_eq!(qs[0].queue_id, 0);
        assert_eq!(qtext(&qs[0].broker_name), broker);
        // Seek: a queue this consumer does not own; a negative offset.
        let other = queue(&topic, &broker, 1);
        fails(
            rmq_pull_consumer_seek(c, &other, 0),
            rmq_status::InvalidArgument,
            "",
        );
        fails(
            rmq_pull_consumer_seek(c, &owned, -1),
            rmq_status::InvalidArgument,
            "negative",
        );
        assert_eq!(rmq_pull_consumer_seek(c, &owned, 0), rmq_status::Ok);
        // One-shot pull: max_nums out of range, capacity below max_nums.
        let mut msgs = [null::<rmq_message_ext>(); 8];
        let mut r: rmq_pull_result = std::mem::zeroed();
        r.status = 99;
        for max in [0, -1, 1025] {
            fails(
                rmq_pull_consumer_pull(
                    c,
                    &owned,
                    c"*".as_ptr(),
                    0,
                    max,
                    false,
                    &mut r,
                    msgs.as_mut_ptr(),
                    8,
                ),
                rmq_status::InvalidArgument,
                "max_nums",
            );
        }
        fails(
            rmq_pull_consumer_pull(
                c,
                &owned,
                c"*".as_ptr(),
                0,
                16,
                false,
                &mut r,
                msgs.as_mut_ptr(),
                8,
            ),
            rmq_status::InvalidArgument,
            "capacity 8 is below max_nums 16",
        );
        fails(
            rmq_pull_consumer_pull(
                c,
                &owned,
                c"*".as_ptr(),
                -5,
                1,
                false,
                &mut r,
                msgs.as_mut_ptr(),
                8,
            ),
            rmq_status::InvalidArgument,
            "negative",
        );
        assert_eq!(r.status, 99, "result untouched on failure");
        // Queue lists: an unknown topic; the count without an array.
        fails(
            rmq_pull_consumer_queues(c, c"FfiPullNoSuchTopic_x".as_ptr(), null_mut(), 0, &mut n),
            rmq_status::NoRoute,
            "",
        );
        assert_eq!(
            rmq_pull_consumer_queues(c, t.as_ptr(), null_mut(), 0, &mut n),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        assert_eq!(n, 4);
        assert_eq!(
            rmq_pull_consumer_queues(c, t.as_ptr(), qs.as_mut_ptr(), 2, &mut n),
            rmq_status::Ok
        );
        assert_eq!(n, 4, "the total, beyond the capacity");
        assert_eq!((qs[0].queue_id, qs[1].queue_id), (0, 1));
        assert_eq!(qtext(&qs[0].topic), topic);

        // A second poller while one waits: InvalidState, as in Rust.
        let addr = c as usize;
        let waiter = std::thread::spawn(move || {
            let c = addr as *mut rmq_pull_consumer;
            let mut msgs = [null::<rmq_message_ext>(); 4];
            let mut n = 0usize;
            // Queue 0 may hold the one message, and the main thread's own
            // short polls may hold the lock: poll until a wait times out.
            for _ in 0..50 {
                match rmq_pull_consumer_poll(c, 1500, msgs.as_mut_ptr(), 4, &mut n) {
                    rmq_status::Ok if n == 0 => return rmq_status::Ok,
                    rmq_status::Ok | rmq_status::InvalidState => {}
                    st => return st,
                }
            }
            rmq_status::Internal
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut saw_busy = false;
        while Instant::now() < deadline && !waiter.is_finished() {
            let mut n = 0usize;
            let st = rmq_pull_consumer_poll(c, 0, msgs.as_mut_ptr(), 8, &mut n);
            if st == rmq_status::InvalidState {
                assert!(last_error().contains("another thread"), "{}", last_error());
                saw_busy = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(saw_busy, "a concurrent poll was refused");
        assert_eq!(waiter.join().unwrap(), rmq_status::Ok);

        // After shutdown: clear errors, shutdown again is fine.
        assert_eq!(
            rmq_pull_consumer_shutdown(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        assert_eq!(rmq_pull_consumer_shutdown(c), rmq_status::Ok);
        fails(
            rmq_pull_consumer_poll(c, 0, msgs.as_mut_ptr(), 8, &mut n),
            rmq_status::Shutdown,
            "shut down",
        );
        fails(
            rmq_pull_consumer_subscribe(c, t.as_ptr(), c"*".as_ptr()),
            rmq_status::Shutdown,
            "shut down",
        );
        fails(
            rmq_pull_consumer_commit(c),
            rmq_status::Shutdown,
            "shut down",
        );
        fails(
            rmq_pull_consumer_seek(c, &owned, 0),
            rmq_status::Shutdown,
            "shut down",
        );
        fails(
            rmq_pull_consumer_start(c),
            rmq_status::InvalidState,
            "shut down",
        );
        fails(
            rmq_pull_consumer_pull(
                c,
                &owned,
                c"*".as_ptr(),
                0,
                1,
                false,
                &mut r,
                msgs.as_mut_ptr(),
                8,
            ),
            rmq_status::Shutdown,
            "shut down",
        );
        rmq_pull_consumer_release(c);
        assert_eq!(rmq_pull_consumer_free(c), rmq_status::Ok);
    }
}

/// `offsetMsgId` = store host ip (8 hex) + port (8 hex) + commit-log offset
/// (16 hex), for an IPv4 store host.
fn parse_offset_msg_id(id: &str) -> (SocketAddr, i64) {
    assert_eq!(id.len(), 32, "{}", id);
    let n = |r: std::ops::Range<usize>| u64::from_str_radix(&id[r], 16).unwrap();
    let ip = std::net::Ipv4Addr::from(n(0..8) as u32);
    (SocketAddr::from((ip, n(8..16) as u16)), n(16..32) as i64)
}

#[test]
fn round_trip_reads_every_field_of_what_was_sent() {
    let cluster = common::shared();
    let topic = common::unique_topic("FfiPullRound");
    let producer = common::producer(&cluster.namesrv, &[]);
    let started_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let n = 40;
    let mut sent = HashMap::new();
    for i in 0..n {
        let mut m = Message::new(&topic, format!("round body {}", i).into_bytes());
        m.set_tags(if i % 2 == 0 { "TagA" } else { "TagB" })
            .unwrap();
        m.set_keys(&format!("k{} order-{}", i, i % 3)).unwrap();
        m.set_property("index", &i.to_string()).unwrap();
        m.set_flag(i);
        let r = producer.send(&m).unwrap();
        sent.insert(r.msg_id.clone(), (i, r));
    }
    producer.shutdown().unwrap();
    let t = CString::new(topic.as_str()).unwrap();
    unsafe {
        let c = new_consumer(&cluster.namesrv);
        assert_eq!(
            rmq_pull_consumer_subscribe(c, t.as_ptr(), c"*".as_ptr()),
            rmq_status::Ok
        );
        assert_eq!(
            rmq_pull_consumer_start(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        let mut msgs = [null::<rmq_message_ext>(); 16];
        let mut seen = HashMap::new();
        let mut next_offsets: HashMap<i32, i64> = HashMap::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while seen.len() < n as usize && Instant::now() < deadline {
            let mut count = 0usize;
            let st = rmq_pull_consumer_poll(c, 500, msgs.as_mut_ptr(), msgs.len(), &mut count);
            assert_eq!(st, rmq_status::Ok, "{}", last_error());
            assert!(count <= msgs.len());
            for &m in &msgs[..count] {
                let id = text(rmq_message_ext_msg_id(m));
                let (i, r) = sent.get(&id).unwrap_or_else(|| panic!("unknown id {}", id));
                // The same pointer on every call of a getter.
                let topic_ptr = rmq_message_ext_topic(m);
                assert_eq!(rmq_message_ext_topic(m), topic_ptr);
                assert_eq!(rmq_message_ext_msg_id(m), rmq_message_ext_msg_id(m));
                assert_eq!(text(topic_ptr), topic);
                assert_eq!(text(rmq_message_ext_offset_msg_id(m)), r.offset_msg_id);
                assert_eq!(
                    text(rmq_message_ext_broker_name(m)),
                    &*r.message_queue.broker_name
                );
                assert_eq!(rmq_message_ext_queue_id(m), r.message_queue.queue_id);
                assert_eq!(rmq_message_ext_queue_offset(m), r.queue_offset);
                assert_eq!(
                    text(rmq_message_ext_tags(m)),
                    if i % 2 == 0 { "TagA" } else { "TagB" }
                );
                assert_eq!(
                    text(rmq_message_ext_keys(m)),
                    format!("k{} order-{}", i, i % 3)
                );
                assert_eq!(
                    text(rmq_message_ext_property(m, c"index".as_ptr())),
                    i.to_string()
                );
                assert_eq!(text(rmq_message_ext_property(m, c"absent".as_ptr())), "");
                let (mut data, mut len) = (null::<u8>(), 0usize);
                assert_eq!(rmq_message_ext_body(m, &mut data, &mut len), rmq_status::Ok);
                let body = std::slice::from_raw_parts(data, len);
                assert_eq!(body, format!("round body {}", i).as_bytes());
                assert_eq!(rmq_message_ext_flag(m), *i);
                assert_eq!(rmq_message_ext_delay_level(m), 0);
                assert_eq!(rmq_message_ext_reconsume_times(m), 0);
                assert_eq!(rmq_message_ext_sys_flag(m), 0);
                assert_eq!(rmq_message_ext_prepared_transaction_offset(m), 0);
                assert_eq!(
                    rmq_message_ext_body_crc(m) as u32,
                    crc32fast::hash(body) & 0x7FFF_FFFF
                );
                let (store, commit_log) = parse_offset_msg_id(&r.offset_msg_id);
                assert_eq!(rmq_message_ext_commit_log_offset(m), commit_log);
                let store_host: SocketAddr = text(rmq_message_ext_store_host(m)).parse().unwrap();
                assert_eq!(store_host, store);
                let born: SocketAddr = text(rmq_message_ext_born_host(m)).parse().unwrap();
                assert_ne!(born.port(), 0);
                let (bt, st) = (
                    rmq_message_ext_born_timestamp(m),
                    rmq_message_ext_store_timestamp(m),
                );
                let now_ms = started_ms + 120_000;
                assert!(bt >= started_ms - 1000 && bt <= now_ms, "born {}", bt);
                assert!(st >= started_ms - 1000 && st <= now_ms, "stored {}", st);
                assert!(seen.insert(id.clone(), *i).is_none(), "twice: {}", id);
                let next = next_offsets.entry(r.message_queue.queue_id).or_default();
                *next = (*next).max(r.queue_offset + 1);
            }
            // Views of this poll stay valid until the next one: read again.
            for &m in &msgs[..count] {
                assert!(sent.contains_key(&text(rmq_message_ext_msg_id(m))));
            }
        }
        assert_eq!(seen.len(), n as usize, "received {} of {}", seen.len(), n);
        rmq_pull_consumer_release(c);

        // Commit; the broker then holds the next offset of every queue.
        assert_eq!(
            rmq_pull_consumer_commit(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        let broker = sent
            .values()
            .next()
            .unwrap()
            .1
            .message_queue
            .broker_name
            .to_string();
        for (&qid, &next) in &next_offsets {
            let q = queue(&topic, &broker, qid);
            let mut committed = -2i64;
            assert_eq!(
                rmq_pull_consumer_committed(c, &q, &mut committed),
                rmq_status::Ok,
                "{}",
                last_error()
            );
            assert_eq!(committed, next, "queue {}", qid);
            let (mut min, mut max) = (-2i64, -2i64);
            assert_eq!(
                rmq_pull_consumer_min_offset(c, &q, &mut min),
                rmq_status::Ok
            );
            assert_eq!(
                rmq_pull_consumer_max_offset(c, &q, &mut max),
                rmq_status::Ok
            );
            assert_eq!((min, max), (0, next), "queue {}", qid);
            let mut at = -2i64;
            assert_eq!(
                rmq_pull_consumer_offset_for_timestamp(c, &q, started_ms - 60_000, &mut at),
                rmq_status::Ok
            );
            assert_eq!(at, 0, "queue {}", qid);
        }

        // A one-shot pull of one queue: every message of it, tag-filtered.
        let qid = sent
            .values()
            .find(|(i, _)| *i == 0)
            .unwrap()
            .1
            .message_queue
            .queue_id;
        let next = next_offsets[&qid];
        let q = queue(&topic, &broker, qid);
        let mut msgs = [null::<rmq_message_ext>(); 32];
        let mut r: rmq_pull_result = std::mem::zeroed();
        assert_eq!(
            rmq_pull_consumer_pull(
                c,
                &q,
                c"TagA".as_ptr(),
                0,
                32,
                false,
                &mut r,
                msgs.as_mut_ptr(),
                32
            ),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        assert_eq!(r.status, rmq_pull_status::Found as i32);
        assert_eq!(text(rmq_pull_status_name(r.status)), "FOUND");
        assert_eq!(
            (r.min_offset, r.max_offset, r.next_begin_offset),
            (0, next, next)
        );
        let want: Vec<i32> = sent
            .values()
            .filter(|(i, s)| s.message_queue.queue_id == qid && i % 2 == 0)
            .map(|(i, _)| *i)
            .collect();
        assert_eq!(r.count, want.len());
        for &m in &msgs[..r.count] {
            assert_eq!(text(rmq_message_ext_tags(m)), "TagA");
            assert_eq!(rmq_message_ext_queue_id(m), qid);
        }
        // At the end: nothing new.
        assert_eq!(
            rmq_pull_consumer_pull(
                c,
                &q,
                c"*".as_ptr(),
                next,
                1,
                false,
                &mut r,
                msgs.as_mut_ptr(),
                32
            ),
            rmq_status::Ok
        );
        assert_eq!(r.status, rmq_pull_status::NoNewMsg as i32, "{:?}", r);
        assert_eq!(r.count, 0);
        assert_eq!(text(rmq_pull_status_name(r.status)), "NO_NEW_MSG");
        assert_eq!(text(rmq_pull_status_name(42)), "UNKNOWN");

        assert_eq!(
            rmq_pull_consumer_shutdown(c),
            rmq_status::Ok,
            "{}",
            last_error()
        );
        assert_eq!(rmq_pull_consumer_free(c), rmq_status::Ok);
    }
}
