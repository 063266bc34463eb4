//! ACL v1 signing against a broker with authentication enabled.

mod common;

use rocketmq::{ErrorKind, Message, SendStatus};

#[test]
fn signed_requests_pass_unsigned_and_wrongly_signed_fail() {
    let cluster = common::Cluster::start_with(
        1,
        "authenticationEnabled = true\ninitAuthenticationUser = \"{\\\"username\\\":\\\"rocketmq\\\",\\\"password\\\":\\\"12345678\\\"}\"",
    );
    let topic = common::unique_topic("Acl");
    let signed = common::producer(
        &cluster.namesrv,
        &[("accessKey", "rocketmq"), ("secretKey", "12345678")],
    );
    let r = signed
        .send(&Message::new(topic.as_str(), &b"signed"[..]))
        .unwrap();
    assert_eq!(r.status, SendStatus::SendOk);

    let wrong = common::producer(
        &cluster.namesrv,
        &[
            ("accessKey", "rocketmq"),
            ("secretKey", "wrong"),
            ("retryTimesWhenSendFailed", "0"),
        ],
    );
    let e = wrong
        .send(&Message::new(topic.as_str(), &b"wrong key"[..]))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Broker, "{}", e);

    let unsigned = common::producer(&cluster.namesrv, &[("retryTimesWhenSendFailed", "0")]);
    let e = unsigned
        .send(&Message::new(topic.as_str(), &b"unsigned"[..]))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Broker, "{}", e);
    eprintln!("unsigned: {}", e);
    for p in [signed, wrong, unsigned] {
        p.shutdown().unwrap();
    }
}
