//! Request-reply against the real broker: this test plays the responder by
//! reading the request from the broker and sending the reply message.

mod common;

use std::time::{Duration, Instant};

use rocketmq::{ErrorKind, Message};

/// Reads the request with `body` from the broker (any queue).
fn read_request(
    broker: &str,
    topic: &str,
    body: &[u8],
) -> rocketmq::protocol::message_ext::MessageExt {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        for q in 0..4 {
            let max = common::max_offset(broker, topic, q);
            if max > 0 {
                let found = common::pull(broker, topic, q, max - 1, 1)
                    .into_iter()
                    .find(|m| &m.body[..] == body && m.property("CORRELATION_ID").is_some());
                if let Some(m) = found {
                    return m;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the request never reached the broker");
}

#[test]
fn request_gets_its_reply_and_times_out_without_one() {
    let cluster = common::Cluster::start(1);
    let broker = cluster.brokers[0].clone();
    let topic = common::unique_topic("Rpc");
    let requester = std::sync::Arc::new(common::producer(&cluster.namesrv, &[]));
    let responder = common::producer(&cluster.namesrv, &[]);
    requester
        .send(&Message::new(topic.as_str(), &b"create"[..]))
        .unwrap();

    let r2 = requester.clone();
    let t2 = topic.clone();
    let waiting = std::thread::spawn(move || {
        r2.request(
            &Message::new(t2.as_str(), &b"ping"[..]),
            Duration::from_secs(15),
        )
    });
    let request = read_request(&broker, &topic, b"ping");
    assert!(request.property("CORRELATION_ID").is_some());
    assert_eq!(
        request.property("REPLY_TO_CLIENT"),
        requester.client_id().as_deref()
    );
    let reply = rocketmq::producer::request_reply::reply_message(&request, &b"pong"[..]).unwrap();
    responder.send(&reply).unwrap();
    let answer = waiting.join().unwrap().unwrap();
    assert_eq!(&answer.body[..], b"pong");
    assert_eq!(
        answer.property("CORRELATION_ID"),
        request.property("CORRELATION_ID")
    );

    // Async request answered the same way.
    let (tx, rx) = crossbeam_channel::bounded(1);
    requester
        .request_async(
            &Message::new(topic.as_str(), &b"ping2"[..]),
            Duration::from_secs(15),
            Box::new(move |r| tx.send(r).unwrap()),
        )
        .unwrap();
    let request = read_request(&broker, &topic, b"ping2");
    responder
        .send(&rocketmq::producer::request_reply::reply_message(&request, &b"pong2"[..]).unwrap())
        .unwrap();
    let answer = rx.recv_timeout(Duration::from_secs(15)).unwrap().unwrap();
    assert_eq!(&answer.body[..], b"pong2");

    // Nobody answers: a clear timeout.
    let started = Instant::now();
    let e = requester
        .request(
            &Message::new(topic.as_str(), &b"lonely"[..]),
            Duration::from_millis(800),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{}", e);
    assert!(started.elapsed() < Duration::from_secs(3));
    requester.shutdown().unwrap();
    responder.shutdown().unwrap();
}
