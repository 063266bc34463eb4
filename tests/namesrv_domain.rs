//! The NameServer address server (`namesrvDomain`, Java `TopAddressing`)
//! against an HTTP server of the test's own on 127.0.0.1 and the real
//! cluster: the producer gets its NameServer list from it at start, follows
//! it when it switches to a second cluster's NameServer mid-test (every
//! send keeps succeeding, later ones land on the second cluster's broker),
//! and keeps the last list while the server fails; the pull and push
//! consumers start and consume from the list it serves (subgroup and unit
//! in the URL); an unreachable, silent or failing address server makes
//! start fail fast with a clear error; the legacy setters work.

mod common;

use std::ffi::{CStr, CString};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocketmq::error::ErrorKind;
use rocketmq::{Message, Producer, PullConsumer};

/// What the address server answers, and what it was asked.
#[derive(Default)]
struct Served {
    /// Status code and body of the next answers.
    answer: Mutex<(u16, String)>,
    /// Request targets (path and query), in order.
    asked: Mutex<Vec<String>>,
    requests: AtomicUsize,
}

/// A minimal HTTP/1.1 server on 127.0.0.1 (a thread per connection, one
/// request each, `Connection: close`). Returns its `host:port`.
fn address_server(body: &str) -> (String, Arc<Served>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let served = Arc::new(Served::default());
    *served.answer.lock().unwrap() = (200, body.to_string());
    let s = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let s = s.clone();
            std::thread::spawn(move || answer(stream, &s));
        }
    });
    (addr, served)
}

fn answer(mut stream: TcpStream, served: &Served) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let target = text.split(' ').nth(1).unwrap_or("").to_string();
    served.asked.lock().unwrap().push(target);
    served.requests.fetch_add(1, Ordering::SeqCst);
    let (code, body) = served.answer.lock().unwrap().clone();
    let _ = write!(
        stream,
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        code,
        body.len(),
        body
    );
}

fn set_answer(served: &Served, code: u16, body: &str) {
    *served.answer.lock().unwrap() = (code, body.to_string());
}

/// The store port in an offset message id (ip, port, offset; hex).
fn store_port(offset_msg_id: &str) -> u32 {
    u32::from_str_radix(&offset_msg_id[8..16], 16).unwrap()
}

fn port_of(addr: &str) -> u32 {
    addr.rsplit(':').next().unwrap().parse().unwrap()
}

/// The address server, not NAMESRV_ADDR, must decide. Every test calls
/// this first; the `Once` removes the variable before any of them goes on
/// (no thread reads the environment while it changes).
fn no_env_namesrv() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::remove_var("NAMESRV_ADDR"));
}

#[test]
fn producer_follows_the_address_server_to_a_second_cluster() {
    no_env_namesrv();
    let first = common::shared();
    let second = common::Cluster::start(1);
    let second_port = port_of(&second.brokers[0]);
    let (addr, served) = address_server(&format!("{}\n", first.namesrv));
    let p = Producer::new(&common::unique_topic("group")).unwrap();
    p.set("namesrvDomain", &addr).unwrap();
    p.set("namesrvDomainRefreshInterval", "200").unwrap();
    p.set("pollNameServerInterval", "200").unwrap();
    let t0 = Instant::now();
    p.start().unwrap();
    eprintln!("start with the address server: {:?}", t0.elapsed());
    assert_eq!(served.asked.lock().unwrap()[0], "/rocketmq/nsaddr");

    let topic = common::unique_topic("DomainT");
    let send = |i: usize| {
        let m = Message::new(&topic, format!("m{}", i).into_bytes());
        p.send(&m)
            .unwrap_or_else(|e| panic!("send {} failed: {}", i, e))
    };
    for i in 0..20 {
        let r = send(i);
        assert_ne!(store_port(&r.offset_msg_id), second_port, "send {}", i);
    }

    // Switch: every send keeps succeeding, and the topic moves.
    set_answer(&served, 200, &second.namesrv);
    let switched = Instant::now();
    let mut i = 20;
    loop {
        let r = send(i);
        i += 1;
        if store_port(&r.offset_msg_id) == second_port {
            break;
        }
        assert!(
            switched.elapsed() < Duration::from_secs(20),
            "still on the first cluster after {} sends",
            i
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "moved to the second cluster after {:?} ({} sends)",
        switched.elapsed(),
        i - 20
    );
    for _ in 0..10 {
        let r = send(i);
        i += 1;
        assert_eq!(store_port(&r.offset_msg_id), second_port);
    }

    // A failing address server: the last list stays.
    set_answer(&served, 500, "down");
    let before = served.requests.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        served.requests.load(Ordering::SeqCst) >= before + 2,
        "refreshes go on"
    );
    for _ in 0..10 {
        let r = send(i);
        i += 1;
        assert_eq!(store_port(&r.offset_msg_id), second_port);
    }
    p.shutdown().unwrap();
}

#[test]
fn pull_and_push_consumers_use_the_list_served() {
    no_env_namesrv();
    let cluster = common::shared();
    let (addr, served) = address_server(&cluster.namesrv);
    let topic = common::unique_topic("DomainC");
    let producer = common::producer(&cluster.namesrv, &[]);
    for i in 0..10 {
        producer
            .send(&Message::new(&topic, format!("c{}", i).into_bytes()))
            .unwrap();
    }

    let c = PullConsumer::new(&common::unique_topic("cg")).unwrap();
    c.set("namesrvDomain", &format!("http://{}/custom/path", addr))
        .unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    c.subscribe(&topic, "*").unwrap();
    c.start().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut got = 0;
    while got < 10 && Instant::now() < deadline {
        got += c.poll(Duration::from_millis(500), 64).unwrap().len();
    }
    assert_eq!(got, 10);
    c.shutdown().unwrap();

    let received = Arc::new(AtomicUsize::new(0));
    let push = rocketmq::PushConsumer::new(&common::unique_topic("pcg")).unwrap();
    push.set("namesrvDomain", &addr).unwrap();
    push.set("namesrvDomainSubgroup", "nsaddr-test").unwrap();
    push.set("unitName", "unit1").unwrap();
    push.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    push.subscribe(&topic, "*").unwrap();
    let r = received.clone();
    push.register_listener(Arc::new(move |msgs: &[_]| {
        r.fetch_add(msgs.len(), Ordering::SeqCst);
        rocketmq::ConsumeStatus::Success
    }))
    .unwrap();
    push.start().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while received.load(Ordering::SeqCst) < 10 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(received.load(Ordering::SeqCst), 10);
    push.shutdown().unwrap();
    let asked = served.asked.lock().unwrap().clone();
    assert_eq!(
        asked,
        vec![
            "/custom/path".to_string(),
            "/rocketmq/nsaddr-test-unit1?nofix=1".to_string()
        ]
    );
}

/// Start fails with NO_ROUTE naming the address server, within `bound`.
fn assert_start_fails(domain: &str, why: &str, bound: Duration) {
    let p = Producer::new(&common::unique_topic("group")).unwrap();
    p.set("namesrvDomain", domain).unwrap();
    let t0 = Instant::now();
    let e = p.start().unwrap_err();
    let took = t0.elapsed();
    eprintln!("{}: {:?}: {}", domain, took, e);
    assert_eq!(e.kind(), ErrorKind::NoRoute, "{}", e);
    assert!(e.message().contains(domain), "{}", e);
    assert!(e.message().contains(why), "{}", e);
    assert!(took < bound, "took {:?}", took);

    let c = PullConsumer::new(&common::unique_topic("cg")).unwrap();
    c.set("namesrvDomain", domain).unwrap();
    c.subscribe("AnyTopic", "*").unwrap();
    let e = c.start().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoRoute, "{}", e);
}

#[test]
fn unusable_address_server_fails_start_fast_and_clearly() {
    no_env_namesrv();
    // Refused: nothing listens.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert_start_fails(
        &format!("127.0.0.1:{}", port),
        "namesrvDomain",
        Duration::from_secs(1),
    );
    // Silent: accepts and never answers; the 3 s bound holds.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let _held: Vec<_> = silent.incoming().take(2).collect();
        std::thread::sleep(Duration::from_secs(30));
    });
    assert_start_fails(&silent_addr, "namesrvDomain", Duration::from_secs(5));
    // Answers an error, or no address.
    let (addr, served) = address_server("");
    set_answer(&served, 404, "no such group");
    assert_start_fails(&addr, "HTTP 404", Duration::from_secs(1));
    set_answer(&served, 200, " \n");
    assert_start_fails(&addr, "names no NameServer", Duration::from_secs(1));
    // Bad values are refused when set.
    let p = Producer::new("g").unwrap();
    for bad in ["https://h/x", "ftp://h", "a b"] {
        let e = p.set("namesrvDomain", bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{}", bad);
    }
    // A configured address wins: the address server is not asked.
    let cluster = common::shared();
    let p = Producer::new(&common::unique_topic("group")).unwrap();
    p.set("namesrvDomain", &format!("127.0.0.1:{}", port))
        .unwrap();
    p.set("namesrvAddr", &cluster.namesrv).unwrap();
    p.start().unwrap();
    p.shutdown().unwrap();
}

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn last_error() -> String {
    // SAFETY: never NULL; valid until the next failure on this thread.
    unsafe { CStr::from_ptr(rocketmq::ffi::legacy::GetLatestErrorMessage()) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn legacy_setters_use_the_address_server() {
    use rocketmq::ffi::legacy::message::*;
    use rocketmq::ffi::legacy::producer::*;
    use rocketmq::ffi::legacy::pull_consumer::*;
    use rocketmq::ffi::legacy::push_consumer::*;
    use rocketmq::ffi::legacy::push_consumer_settings::*;
    use rocketmq::ffi::legacy::send::*;
    use rocketmq::ffi::legacy::CSendResult;
    no_env_namesrv();
    let cluster = common::shared();
    let (addr, served) = address_server(&cluster.namesrv);
    let url = cstr(&format!("http://{}/rocketmq/nsaddr", addr));
    let topic = cstr(&common::unique_topic("DomainL"));
    let group = cstr(&common::unique_topic("lg"));
    // SAFETY: handles are used while live, strings outlive the calls.
    unsafe {
        let p = CreateProducer(group.as_ptr());
        assert_eq!(SetProducerNameServerDomain(p, url.as_ptr()), 0);
        assert_eq!(
            SetProducerNameServerDomain(p, cstr("https://x").as_ptr()),
            10
        );
        assert!(last_error().contains("https"), "{}", last_error());
        assert_eq!(StartProducer(p), 0, "{}", last_error());
        let msg = CreateMessage(topic.as_ptr());
        SetMessageBody(msg, cstr("legacy").as_ptr());
        let mut result: CSendResult = std::mem::zeroed();
        assert_eq!(SendMessageSync(p, msg, &mut result), 0, "{}", last_error());
        DestroyMessage(msg);
        ShutdownProducer(p);
        DestroyProducer(p);

        let c = CreatePullConsumer(group.as_ptr());
        assert_eq!(SetPullConsumerNameServerDomain(c, url.as_ptr()), 0);
        assert_eq!(StartPullConsumer(c), 0, "{}", last_error());
        ShutdownPullConsumer(c);
        DestroyPullConsumer(c);

        // Unreachable: StartPushConsumer fails with 20 and says why.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = CreatePushConsumer(group.as_ptr());
        let dead = cstr(&format!("127.0.0.1:{}", port));
        assert_eq!(SetPushConsumerNameServerDomain(c, dead.as_ptr()), 0);
        assert_eq!(Subscribe(c, topic.as_ptr(), cstr("*").as_ptr()), 0);
        unsafe extern "C" fn cb(_: *mut CPushConsumer, _: *mut CMessageExt) -> std::ffi::c_int {
            0
        }
        assert_eq!(RegisterMessageCallback(c, Some(cb)), 0);
        assert_eq!(StartPushConsumer(c), 20);
        assert!(last_error().contains("namesrvDomain"), "{}", last_error());
        DestroyPushConsumer(c);
    }
    assert_eq!(served.requests.load(Ordering::SeqCst), 2);
}
