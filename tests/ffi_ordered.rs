//! The C API's ordered and batch sends, called through the exported
//! functions as a C program would.

mod common;

use std::ffi::{c_void, CStr, CString};

use rocketmq::ffi::batch::*;
use rocketmq::ffi::message::*;
use rocketmq::ffi::ordered::*;
use rocketmq::ffi::producer::*;
use rocketmq::ffi::rmq_status;

unsafe fn new_producer(namesrv: &str) -> *mut rmq_producer {
    let group = CString::new(common::unique_topic("ffi_group")).unwrap();
    let p = rmq_producer_new(group.as_ptr());
    let ns = CString::new(namesrv).unwrap();
    assert_eq!(
        rmq_producer_set(p, c"namesrvAddr".as_ptr(), ns.as_ptr()),
        rmq_status::Ok
    );
    assert_eq!(rmq_producer_start(p), rmq_status::Ok);
    p
}

unsafe fn new_message(topic: &str, body: &str) -> *mut rmq_message {
    let t = CString::new(topic).unwrap();
    let m = rmq_message_new(t.as_ptr());
    assert_eq!(
        rmq_message_set_body(m, body.as_ptr(), body.len()),
        rmq_status::Ok
    );
    m
}

unsafe extern "C" fn pick(
    arg: *mut c_void,
    _q: *const rmq_message_queue,
    n: usize,
    _m: *const rmq_message,
) -> i32 {
    let wanted = *(arg as *const i32);
    if wanted < 0 {
        n as i32 // out of range on purpose
    } else {
        wanted
    }
}

#[test]
fn selector_and_key_choose_the_queue_and_bad_answers_send_nothing() {
    let cluster = common::shared();
    let topic = common::unique_topic("FfiOrdered");
    unsafe {
        let p = new_producer(&cluster.namesrv);
        let m = new_message(&topic, "ordered");
        let mut r = std::mem::zeroed::<rmq_send_result>();
        assert_eq!(
            rocketmq::ffi::producer::rmq_producer_send(p, m, &mut r),
            rmq_status::Ok
        );
        let mut queues = [std::mem::zeroed::<rmq_message_queue>(); 16];
        let mut n = 0usize;
        let t = CString::new(topic.as_str()).unwrap();
        assert_eq!(
            rmq_producer_queues(p, t.as_ptr(), queues.as_mut_ptr(), 16, &mut n),
            rmq_status::Ok
        );
        assert_eq!(n, 4);
        for want in 0..4i32 {
            let mut arg = want;
            let st = rmq_producer_send_orderly(
                p,
                m,
                Some(pick),
                &mut arg as *mut i32 as *mut c_void,
                &mut r,
            );
            assert_eq!(st, rmq_status::Ok);
            assert_eq!(r.queue_id, queues[want as usize].queue_id);
        }
        // Out of range: clear error, nothing sent (the queue offsets do not move).
        // The broker indexes stored messages asynchronously: wait until all
        // five sent so far (1 + 4) are counted, so "nothing more" is exact.
        let offsets = || -> Vec<i64> {
            (0..4)
                .map(|q| common::max_offset(&cluster_broker(&cluster.namesrv), &topic, q))
                .collect()
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut before = offsets();
        while before.iter().sum::<i64>() < 5 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
            before = offsets();
        }
        assert_eq!(before.iter().sum::<i64>(), 5);
        let mut arg = -1i32;
        let st = rmq_producer_send_orderly(
            p,
            m,
            Some(pick),
            &mut arg as *mut i32 as *mut c_void,
            &mut r,
        );
        assert_eq!(st, rmq_status::InvalidArgument);
        let err = CStr::from_ptr(rocketmq::ffi::rmq_last_error())
            .to_str()
            .unwrap()
            .to_string();
        assert!(err.contains("selector returned 4"), "{}", err);
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(before, offsets());
        // By key: stable.
        let key = c"customer-7";
        assert_eq!(
            rmq_producer_send_orderly_by_key(p, m, key.as_ptr(), &mut r),
            rmq_status::Ok
        );
        let q1 = r.queue_id;
        assert_eq!(
            rmq_producer_send_orderly_by_key(p, m, key.as_ptr(), &mut r),
            rmq_status::Ok
        );
        assert_eq!(r.queue_id, q1);
        // To an explicit queue.
        assert_eq!(
            rmq_producer_send_to_queue(p, m, &queues[2], &mut r),
            rmq_status::Ok
        );
        assert_eq!(r.queue_id, queues[2].queue_id);
        // NULLs are errors, not crashes.
        assert_eq!(
            rmq_producer_send_orderly(p, m, None, std::ptr::null_mut(), &mut r),
            rmq_status::InvalidArgument
        );
        assert_eq!(
            rmq_producer_send_to_queue(p, m, std::ptr::null(), &mut r),
            rmq_status::InvalidArgument
        );
        assert_eq!(
            rmq_producer_send_orderly_by_key(p, m, std::ptr::null(), &mut r),
            rmq_status::InvalidArgument
        );
        rmq_message_free(m);
        assert_eq!(rmq_producer_free(p), rmq_status::Ok);
    }
}

/// The address of the shared cluster's (only) broker, from the route.
fn cluster_broker(namesrv: &str) -> String {
    let resp = common::request(namesrv, 105, &[("topic", "TBW102")]);
    let route = rocketmq::protocol::route::TopicRouteData::parse(&resp.body).unwrap();
    route.broker_datas[0].master_addr().unwrap().to_string()
}

#[test]
fn batch_from_c_reports_every_id() {
    let cluster = common::shared();
    let topic = common::unique_topic("FfiBatch");
    unsafe {
        let p = new_producer(&cluster.namesrv);
        let b = rmq_batch_new();
        for i in 0..10 {
            let m = new_message(&topic, &format!("b{}", i));
            assert_eq!(rmq_batch_add(b, m), rmq_status::Ok);
            rmq_message_free(m);
        }
        assert_eq!(rmq_batch_count(b), 10);
        assert!(rmq_batch_msg_id(b, 0).is_null());
        let mut r = std::mem::zeroed::<rmq_send_result>();
        assert_eq!(rmq_producer_send_batch(p, b, &mut r), rmq_status::Ok);
        let first = CStr::from_ptr(r.msg_id.as_ptr())
            .to_str()
            .unwrap()
            .to_string();
        let ids: Vec<String> = (0..10)
            .map(|i| {
                CStr::from_ptr(rmq_batch_msg_id(b, i))
                    .to_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(ids[0], first);
        assert_eq!(
            ids.iter().collect::<std::collections::HashSet<_>>().len(),
            10
        );
        assert!(rmq_batch_msg_id(b, 10).is_null());
        let empty = rmq_batch_new();
        assert_eq!(
            rmq_producer_send_batch(p, empty, &mut r),
            rmq_status::InvalidMessage
        );
        rmq_batch_free(empty);
        rmq_batch_free(b);
        rmq_producer_free(p);
    }
}
