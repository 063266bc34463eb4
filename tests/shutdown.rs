//! A shutdown right after a burst of oneway sends, against the real
//! cluster. Its own test binary: 600 000 oneway sends in 30 rounds would
//! load the broker that the other send tests share when run beside them
//! (test binaries run one after another, the tests of one binary at once).

mod common;

use std::time::{Duration, Instant};

use rocketmq::Message;

/// A shutdown that reaches the I/O thread while it is busy writing oneway
/// sends (awake, so the caller's wake-up is not sent) gets the rest of a
/// loop turn at once. It once slept until the next deadline instead (a
/// request's or the shutdown's own: seconds; in about a third of the
/// legacy oneway bench runs against the zero-latency responder, and in the
/// first rounds here). Every round must end well within 2 s.
#[test]
fn shutdown_right_after_oneway_sends_does_not_sleep_until_a_deadline() {
    let cluster = common::shared();
    let topic = common::unique_topic("OnewayShutdown");
    let mut slowest = Duration::ZERO;
    for round in 0..30 {
        // No sync send first: a sync round trip would make the loop
        // busy-poll for a while, and a spinning loop takes the shutdown
        // on its next turn anyway.
        let p = common::producer(&cluster.namesrv, &[("shutdownTimeout", "10000")]);
        // Small bodies: the broker reads them as fast as they come, so the
        // loop is awake, encoding and writing, when the shutdown comes.
        for i in 0..20_000 {
            p.send_oneway(&Message::new(topic.as_str(), format!("oneway {}", i)))
                .unwrap();
        }
        let started = Instant::now();
        p.shutdown().unwrap();
        let took = started.elapsed();
        slowest = slowest.max(took);
        assert!(
            took < Duration::from_secs(2),
            "round {}: shutdown took {:?} with nothing but written oneways in flight",
            round,
            took
        );
    }
    eprintln!("slowest shutdown of 30: {:?}", slowest);
}
