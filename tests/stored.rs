//! What the broker stored, read back with PULL_MESSAGE and compared byte for
//! byte with what was sent.

mod common;

use rocketmq::{Message, SendStatus};

#[test]
fn stored_messages_match_what_was_sent() {
    let cluster = common::Cluster::start(1);
    let broker = cluster.brokers[0].clone();
    let topic = common::unique_topic("Stored");
    let p = common::producer(&cluster.namesrv, &[]);

    let compressible: Vec<u8> = (0..64 * 1024).map(|i| (i % 97) as u8).collect();
    let mut with_nul = b"binary\0body\x01\x02".to_vec();
    with_nul.extend_from_slice(&[0xff; 10]);
    let cases: Vec<(Vec<u8>, &str, &str, i32)> = vec![
        (b"small body".to_vec(), "TagA", "k1 k2", 0),
        (compressible.clone(), "TagBig", "big", 0),
        (with_nul, "", "", 7),
    ];
    for (body, tags, keys, flag) in cases {
        let mut m = Message::new(topic.as_str(), body.clone());
        m.set_tags(tags).unwrap();
        m.set_keys(keys).unwrap();
        m.set_flag(flag);
        m.set_property("color", "réd ✓").unwrap();
        let r = p.send(&m).unwrap();
        assert_eq!(r.status, SendStatus::SendOk);
        let stored = common::pull_one(&broker, &topic, r.message_queue.queue_id, r.queue_offset);
        assert_eq!(&stored.body[..], &body[..], "body");
        assert_eq!(stored.topic, topic);
        assert_eq!(stored.flag, flag);
        assert_eq!(stored.queue_id, r.message_queue.queue_id);
        assert_eq!(stored.msg_id(), r.msg_id);
        assert_eq!(stored.offset_msg_id, r.offset_msg_id);
        assert_eq!(stored.property("TAGS"), (!tags.is_empty()).then_some(tags));
        assert_eq!(stored.property("KEYS"), (!keys.is_empty()).then_some(keys));
        assert_eq!(stored.property("color"), Some("réd ✓"));
        assert_eq!(stored.property("WAIT"), Some("true"));
        let compressed = body.len() >= 4096;
        assert_eq!(
            stored.sys_flag & 0x1,
            0,
            "decoder clears the compressed bit"
        );
        if compressed {
            assert_eq!(stored.sys_flag & 0x700, 0x300, "zlib type bits");
        }
    }
    p.shutdown().unwrap();
}
