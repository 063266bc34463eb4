//! Transactions against the real broker: commit, rollback, and unknown
//! resolved by the broker's check-back (issue: the full feature set).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocketmq::{ErrorKind, Message, SendStatus, TransactionState};

/// Finds the message with client id `msg_id` in any queue of `topic`.
fn find(
    broker: &str,
    topic: &str,
    msg_id: &str,
) -> Option<rocketmq::protocol::message_ext::MessageExt> {
    for q in 0..4 {
        let max = common::max_offset(broker, topic, q);
        if max == 0 {
            continue;
        }
        let found = common::pull_n(broker, topic, q, 0, max as usize)
            .into_iter()
            .find(|m| m.msg_id() == msg_id);
        if found.is_some() {
            return found;
        }
    }
    None
}

#[test]
fn commit_rollback_and_check_back() {
    let cluster = common::Cluster::start_with(
        1,
        "transactionCheckInterval = 1000\ntransactionTimeout = 1000",
    );
    let broker = cluster.brokers[0].clone();
    let topic = common::unique_topic("Tx");
    let checks = Arc::new(AtomicUsize::new(0));
    let checked = checks.clone();
    let p = rocketmq::Producer::new(&common::unique_topic("txgroup")).unwrap();
    p.set("namesrvAddr", &cluster.namesrv).unwrap();
    p.set_transaction_checker(Arc::new(move |m| {
        checked.fetch_add(1, Ordering::SeqCst);
        assert_eq!(std::thread::current().name(), Some("rocketmq-callback"));
        if m.body.as_ref() == b"unknown then commit" {
            TransactionState::Commit
        } else {
            TransactionState::Rollback
        }
    }))
    .unwrap();
    p.start().unwrap();
    // The topic must exist for committed messages to land in it.
    p.send(&Message::new(topic.as_str(), &b"create"[..]))
        .unwrap();

    let (committed, state) = p
        .send_in_transaction(&Message::new(topic.as_str(), &b"commit me"[..]), |r| {
            assert_eq!(r.status, SendStatus::SendOk);
            TransactionState::Commit
        })
        .unwrap();
    assert_eq!(state, TransactionState::Commit);
    let (rolled_back, _) = p
        .send_in_transaction(&Message::new(topic.as_str(), &b"roll me back"[..]), |_| {
            TransactionState::Rollback
        })
        .unwrap();
    let (unknown, _) = p
        .send_in_transaction(
            &Message::new(topic.as_str(), &b"unknown then commit"[..]),
            |_| TransactionState::Unknown,
        )
        .unwrap();

    // Commit: visible.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = None;
    while seen.is_none() && Instant::now() < deadline {
        seen = find(&broker, &topic, &committed.msg_id);
        std::thread::sleep(Duration::from_millis(200));
    }
    let seen = seen.expect("committed message is visible");
    assert_eq!(&seen.body[..], b"commit me");

    // Unknown: the broker checks back, the checker commits, it becomes visible.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = None;
    while seen.is_none() && Instant::now() < deadline {
        seen = find(&broker, &topic, &unknown.msg_id);
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        seen.is_some(),
        "check-back never committed (checks: {})",
        checks.load(Ordering::SeqCst)
    );
    assert!(checks.load(Ordering::SeqCst) >= 1);

    // Rollback: never visible.
    assert!(find(&broker, &topic, &rolled_back.msg_id).is_none());
    p.shutdown().unwrap();
}

#[test]
fn transactions_need_a_checker() {
    let p = common::producer("127.0.0.1:1", &[]);
    let e = p
        .send_in_transaction(&Message::new("T", &b"x"[..]), |_| TransactionState::Commit)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
}

mod c_api {
    use super::*;
    use rocketmq::ffi::message::*;
    use rocketmq::ffi::message_ext::*;
    use rocketmq::ffi::producer::*;
    use rocketmq::ffi::rmq_status;
    use rocketmq::ffi::transaction::*;
    use std::ffi::{c_void, CString};

    unsafe extern "C" fn check(_ud: *mut c_void, _m: *const rmq_message_ext) -> i32 {
        1
    }
    unsafe extern "C" fn execute(
        ud: *mut c_void,
        _m: *const rmq_message,
        r: *const rmq_send_result,
    ) -> i32 {
        *(ud as *mut i64) = (*r).queue_offset;
        0
    }

    #[test]
    fn commit_through_the_c_api() {
        let cluster = common::shared();
        let topic = common::unique_topic("TxC");
        unsafe {
            let group = CString::new(common::unique_topic("txc")).unwrap();
            let p = rmq_producer_new(group.as_ptr());
            let ns = CString::new(cluster.namesrv.as_str()).unwrap();
            assert_eq!(
                rmq_producer_set(p, c"namesrvAddr".as_ptr(), ns.as_ptr()),
                rmq_status::Ok
            );
            let t = CString::new(topic.as_str()).unwrap();
            let m = rmq_message_new(t.as_ptr());
            rmq_message_set_body(m, b"tx".as_ptr(), 2);
            let mut r = std::mem::zeroed::<rmq_send_result>();
            let mut state = rmq_transaction_state::Unknown;
            let mut seen: i64 = -1;
            // Without a checker: refused.
            assert_eq!(rmq_producer_start(p), rmq_status::Ok);
            let st = rmq_producer_send_in_transaction(
                p,
                m,
                Some(execute),
                &mut seen as *mut i64 as *mut c_void,
                &mut r,
                &mut state,
            );
            assert_eq!(st, rmq_status::InvalidState);
            rmq_producer_free(p);

            let p = rmq_producer_new(group.as_ptr());
            rmq_producer_set(p, c"namesrvAddr".as_ptr(), ns.as_ptr());
            assert_eq!(
                rmq_producer_set_transaction_checker(p, Some(check), std::ptr::null_mut()),
                rmq_status::Ok
            );
            assert_eq!(rmq_producer_start(p), rmq_status::Ok);
            let st = rmq_producer_send_in_transaction(
                p,
                m,
                Some(execute),
                &mut seen as *mut i64 as *mut c_void,
                &mut r,
                &mut state,
            );
            assert_eq!(st, rmq_status::Ok);
            assert_eq!(state, rmq_transaction_state::Commit);
            assert_eq!(seen, r.queue_offset);
            assert_eq!(
                rmq_producer_send_in_transaction(
                    p,
                    m,
                    None,
                    std::ptr::null_mut(),
                    &mut r,
                    &mut state
                ),
                rmq_status::InvalidArgument
            );
            rmq_message_free(m);
            rmq_producer_free(p);
        }
    }
}
