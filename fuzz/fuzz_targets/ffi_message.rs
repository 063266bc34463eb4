//! The C message setters and getters, driven by arbitrary operations with
//! arbitrary bytes as strings (invalid UTF-8, embedded NULs: C sees a string
//! up to its first NUL), NULL arguments included: the modern `rmq_message_*`
//! API and the legacy `CMessage.h` API side by side.
//!
//! Modern: each setter's status is what the Rust `Message` setter says for
//! the same text (`RMQ_STATUS_INVALID_ARGUMENT`, with a `rmq_last_error()`
//! text, for NULL or invalid UTF-8, and then nothing changes), and after
//! every call the message behind the handle equals the Rust model.
//! Legacy: strings are taken lossily, every setter returns 0 (1 for NULL),
//! and after every call each getter (`GetOrigin*`, and the `GetMessage*`
//! ones on the same handle) returns what was set: topic, tags, keys, every
//! property, the body with its NUL terminator, its length, the delay level.
#![no_main]

use std::collections::BTreeMap;
use std::ffi::{c_char, c_int, CStr, CString};

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use rocketmq::ffi::legacy::message as lm;
use rocketmq::ffi::message as mm;
use rocketmq::ffi::{rmq_last_error, rmq_status};
use rocketmq::Message;

#[derive(Arbitrary, Debug)]
enum Op {
    Topic(Vec<u8>),
    Tags(Vec<u8>),
    Keys(Vec<u8>),
    /// Any bytes, NULs included (`rmq_message_set_body`, `SetByteMessageBody`).
    Body(Vec<u8>),
    /// A C string body (`SetMessageBody`; modern: the same bytes as above).
    CBody(Vec<u8>),
    Property(Vec<u8>, Vec<u8>),
    DelayLevel(i32),
    Flag(i32),
    DeliveryTimestamp(i64),
    DelayMs(i64),
    Wait(bool),
    /// A setter (by number) called with NULL for its string or message.
    Null(u8),
}

/// What C sees of `b`: the bytes up to the first NUL, NUL-terminated.
fn c(b: &[u8]) -> CString {
    let end = b.iter().position(|&x| x == 0).unwrap_or(b.len());
    CString::new(&b[..end]).expect("no NUL before end")
}

fn text<'a>(p: *const c_char) -> &'a [u8] {
    assert!(!p.is_null());
    // SAFETY: the getters return C strings valid until the next set.
    unsafe { CStr::from_ptr(p) }.to_bytes()
}

/// A modern setter's status against the Rust model's result for the same
/// argument (`None`: the argument was NULL or not UTF-8).
fn expect(status: rmq_status, model: Option<rocketmq::Result<()>>) {
    match model {
        Some(Ok(())) => assert_eq!(status, rmq_status::Ok),
        Some(Err(e)) => assert_eq!(status, rmq_status::InvalidArgument, "model error: {}", e),
        None => assert_eq!(status, rmq_status::InvalidArgument),
    }
    if status != rmq_status::Ok {
        assert!(
            !text(rmq_last_error()).is_empty(),
            "a failure sets rmq_last_error"
        );
    }
}

/// The modern API over `ops`.
fn modern(topic: &[u8], ops: &[Op]) {
    let t = c(topic);
    // SAFETY: `t` is a C string.
    let h = unsafe { mm::rmq_message_new(t.as_ptr()) };
    let Ok(topic) = t.to_str() else {
        assert!(h.is_null(), "a non-UTF-8 topic is refused");
        return;
    };
    assert!(!h.is_null());
    let mut model = Message::new(topic, Vec::new());
    let utf8 = |b: &CString| b.to_str().ok().map(str::to_owned);
    for op in ops {
        // SAFETY: `h` is a live message, every string a C string or NULL, every body `len` bytes.
        unsafe {
            match op {
                Op::Topic(b) => {
                    let a = c(b);
                    let m = utf8(&a).map(|s| {
                        model.set_topic(s);
                        Ok(())
                    });
                    expect(mm::rmq_message_set_topic(h, a.as_ptr()), m);
                }
                Op::Tags(b) => {
                    let a = c(b);
                    let m = utf8(&a).map(|s| model.set_tags(&s));
                    expect(mm::rmq_message_set_tags(h, a.as_ptr()), m);
                }
                Op::Keys(b) => {
                    let a = c(b);
                    let m = utf8(&a).map(|s| model.set_keys(&s));
                    expect(mm::rmq_message_set_keys(h, a.as_ptr()), m);
                }
                Op::Body(b) | Op::CBody(b) => {
                    model.set_body(b.clone());
                    expect(
                        mm::rmq_message_set_body(h, b.as_ptr(), b.len()),
                        Some(Ok(())),
                    );
                }
                Op::Property(k, v) => {
                    let (ka, va) = (c(k), c(v));
                    let m = match (utf8(&ka), utf8(&va)) {
                        (Some(k), Some(v)) => Some(model.set_property(&k, &v)),
                        _ => None,
                    };
                    expect(mm::rmq_message_set_property(h, ka.as_ptr(), va.as_ptr()), m);
                }
                Op::DelayLevel(l) => {
                    let m = model.set_delay_level(*l);
                    expect(mm::rmq_message_set_delay_level(h, *l), Some(m));
                }
                Op::Flag(f) => {
                    model.set_flag(*f);
                    expect(mm::rmq_message_set_flag(h, *f), Some(Ok(())));
                }
                Op::DeliveryTimestamp(t) => {
                    let m = model.set_delivery_timestamp(*t);
                    expect(mm::rmq_message_set_delivery_timestamp(h, *t), Some(m));
                }
                Op::DelayMs(d) => {
                    let m = model.set_delay_ms(*d);
                    expect(mm::rmq_message_set_delay_ms(h, *d), Some(m));
                }
                Op::Wait(w) => {
                    model.set_wait_store_msg_ok(*w);
                    expect(mm::rmq_message_set_wait_store_msg_ok(h, *w), Some(Ok(())));
                }
                Op::Null(which) => {
                    let null = std::ptr::null();
                    let x = c"x".as_ptr();
                    let s = match which % 10 {
                        0 => mm::rmq_message_set_topic(h, null),
                        1 => mm::rmq_message_set_tags(h, null),
                        2 => mm::rmq_message_set_keys(h, null),
                        3 => mm::rmq_message_set_property(h, null, x),
                        4 => mm::rmq_message_set_property(h, x, null),
                        5 => mm::rmq_message_set_body(h, std::ptr::null(), 1),
                        6 => mm::rmq_message_set_topic(std::ptr::null_mut(), x),
                        7 => mm::rmq_message_set_body(std::ptr::null_mut(), x.cast(), 1),
                        8 => mm::rmq_message_set_flag(std::ptr::null_mut(), 1),
                        _ => {
                            // NULL with len 0 is an empty body.
                            model.set_body(Vec::new());
                            mm::rmq_message_set_body(h, null.cast(), 0)
                        }
                    };
                    let m = (which % 10 == 9).then_some(Ok(()));
                    expect(s, m);
                }
            }
            let now = rocketmq::fuzzing::message_of(h).expect("a live handle");
            assert_eq!(now, &model, "after {:?}", op);
        }
    }
    // SAFETY: `h` is live and not used afterwards; NULL is a no-op.
    unsafe {
        mm::rmq_message_free(h);
        mm::rmq_message_free(std::ptr::null_mut());
    }
}

/// The legacy model: what the getters must return.
struct Legacy {
    topic: Vec<u8>,
    body: Vec<u8>,
    props: BTreeMap<Vec<u8>, Vec<u8>>,
    /// The level last set by `SetDelayTimeLevel` (None once `DELAY` was set
    /// as text: its `atoi` is not modelled).
    delay: Option<i32>,
}

fn lossy(a: &CString) -> Vec<u8> {
    a.to_string_lossy().into_owned().into_bytes()
}

/// Every getter against the model.
///
/// # Safety
/// `h` is a live legacy message.
unsafe fn check_legacy(h: *mut lm::CMessage, model: &Legacy) {
    // SAFETY: `h` is live (# Safety); keys are C strings.
    unsafe {
        assert_eq!(text(lm::GetOriginMessageTopic(h)), &model.topic[..]);
        assert_eq!(text(lm::GetMessageTopic(h)), &model.topic[..]);
        let prop = |k: &[u8]| model.props.get(k).map_or(&[][..], |v| &v[..]);
        assert_eq!(text(lm::GetOriginMessageTags(h)), prop(b"TAGS"));
        assert_eq!(text(lm::GetMessageTags(h)), prop(b"TAGS"));
        assert_eq!(text(lm::GetOriginMessageKeys(h)), prop(b"KEYS"));
        assert_eq!(text(lm::GetMessageKeys(h)), prop(b"KEYS"));
        assert_eq!(text(lm::GetMessageId(h)), prop(b"UNIQ_KEY"));
        for (k, v) in &model.props {
            let key = CString::new(k.clone()).expect("no NUL in a key");
            assert_eq!(text(lm::GetOriginMessageProperty(h, key.as_ptr())), &v[..]);
            assert_eq!(text(lm::GetMessageProperty(h, key.as_ptr())), &v[..]);
        }
        let len = lm::GetOriginMessageBodyLength(h);
        assert_eq!(len as usize, model.body.len());
        assert_eq!(lm::GetMessageBodyLength(h), len);
        let body = lm::GetOriginMessageBody(h).cast::<u8>();
        assert!(!body.is_null());
        let with_nul = std::slice::from_raw_parts(body, model.body.len() + 1);
        assert_eq!(&with_nul[..model.body.len()], &model.body[..]);
        assert_eq!(with_nul[model.body.len()], 0, "the body is NUL-terminated");
        assert_eq!(lm::GetMessageBody(h).cast::<u8>(), body);
        if let Some(level) = model.delay {
            assert_eq!(lm::GetOriginDelayTimeLevel(h), level);
            assert_eq!(lm::GetMessageDelayTimeLevel(h), level);
        } else if !model.props.contains_key(&b"DELAY"[..]) {
            assert_eq!(lm::GetOriginDelayTimeLevel(h), 0);
        }
        // Stored-message values of a plain message: 0 and "".
        assert_eq!(lm::GetMessageQueueId(h), 0);
        assert_eq!(lm::GetMessageReconsumeTimes(h), 0);
        assert_eq!(lm::GetMessageQueueOffset(h), 0);
        assert_eq!(lm::GetMessageCommitLogOffset(h), 0);
        assert_eq!(text(lm::GetMessageStoreHost(h)), b"");
        assert_eq!(text(lm::GetMessageBornHost(h)), b"");
        assert!(lm::GetOriginMessageProperty(h, std::ptr::null()).is_null());
    }
}

/// The legacy API over `ops`.
fn legacy(topic: &[u8], ops: &[Op]) {
    let t = c(topic);
    // SAFETY: `t` is a C string.
    let h = unsafe { lm::CreateMessage(t.as_ptr()) };
    assert!(!h.is_null());
    let mut model = Legacy {
        topic: lossy(&t),
        body: Vec::new(),
        props: BTreeMap::from([(b"WAIT".to_vec(), b"true".to_vec())]),
        delay: None,
    };
    // SAFETY: `h` is a live message, every string a C string or NULL.
    unsafe {
        check_legacy(h, &model);
        for op in ops {
            let ok: c_int = match op {
                Op::Topic(b) => {
                    let a = c(b);
                    model.topic = lossy(&a);
                    lm::SetMessageTopic(h, a.as_ptr())
                }
                Op::Tags(b) => {
                    let a = c(b);
                    model.props.insert(b"TAGS".to_vec(), lossy(&a));
                    lm::SetMessageTags(h, a.as_ptr())
                }
                Op::Keys(b) => {
                    let a = c(b);
                    model.props.insert(b"KEYS".to_vec(), lossy(&a));
                    lm::SetMessageKeys(h, a.as_ptr())
                }
                Op::Body(b) => {
                    model.body = b.clone();
                    match c_int::try_from(b.len()) {
                        Ok(len) => lm::SetByteMessageBody(h, b.as_ptr().cast(), len),
                        Err(_) => continue,
                    }
                }
                Op::CBody(b) => {
                    let a = c(b);
                    model.body = a.as_bytes().to_vec();
                    lm::SetMessageBody(h, a.as_ptr())
                }
                Op::Property(k, v) => {
                    let (ka, va) = (c(k), c(v));
                    let key = lossy(&ka);
                    if key == b"DELAY" {
                        model.delay = None;
                    }
                    model.props.insert(key, lossy(&va));
                    lm::SetMessageProperty(h, ka.as_ptr(), va.as_ptr())
                }
                Op::DelayLevel(l) => {
                    model
                        .props
                        .insert(b"DELAY".to_vec(), l.to_string().into_bytes());
                    model.delay = Some(*l);
                    lm::SetDelayTimeLevel(h, *l)
                }
                Op::Flag(_) | Op::DeliveryTimestamp(_) | Op::DelayMs(_) | Op::Wait(_) => continue,
                Op::Null(which) => {
                    let null = std::ptr::null();
                    let x = c"x".as_ptr();
                    let s = match which % 9 {
                        0 => lm::SetMessageTopic(h, null),
                        1 => lm::SetMessageTags(h, null),
                        2 => lm::SetMessageKeys(h, null),
                        3 => lm::SetMessageBody(h, null),
                        4 => lm::SetMessageProperty(h, null, x),
                        5 => lm::SetMessageProperty(h, x, null),
                        6 => lm::SetByteMessageBody(h, x, -1),
                        7 => lm::SetMessageTopic(std::ptr::null_mut(), x),
                        _ => lm::SetByteMessageBody(h, null, 1),
                    };
                    assert_ne!(s, 0, "NULL is refused");
                    assert!(lm::GetOriginMessageTopic(std::ptr::null_mut()).is_null());
                    0
                }
            };
            assert_eq!(ok, 0, "{:?}", op);
            check_legacy(h, &model);
        }
        assert_eq!(lm::DestroyMessage(h), 0);
        assert_ne!(lm::DestroyMessage(std::ptr::null_mut()), 0);
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    topic: Vec<u8>,
    ops: Vec<Op>,
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = Input::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    modern(&input.topic, &input.ops);
    legacy(&input.topic, &input.ops);
});
