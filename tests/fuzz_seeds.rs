//! Captures the seed corpora of the fuzz targets (`fuzz/seeds/<target>/`)
//! off a real test broker: a route response, pull responses with messages
//! carrying tags, keys, properties and zlib / LZ4 / zstd compressed bodies,
//! a max-offset response; the frames, their JSON headers, the bodies and
//! the properties strings. Ignored by default (it rewrites checked-in
//! files); regenerate with
//!
//! ```sh
//! cargo test --test fuzz_seeds -- --ignored
//! ```
//!
//! (a cluster is started, or `ROCKETMQ_NAMESRV` is used). See
//! `docs/reliability.md`, section "Fuzzing".

mod common;

use std::io::{Read, Write};
use std::path::PathBuf;

use bytes::{Bytes, BytesMut};
use rocketmq::codec;
use rocketmq::Message;

/// One request on a fresh socket: the response frame's raw bytes.
fn raw_exchange(addr: &str, code: i32, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut frame = Vec::new();
    codec::encode_frame(&mut frame, code, 1, 0, None, fields, b"");
    s.write_all(&frame).unwrap();
    let mut raw = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let mut buf = BytesMut::from(&raw[..]);
        if codec::decode_frame(&mut buf).unwrap().is_some() {
            assert!(buf.is_empty(), "one frame");
            return raw;
        }
        let n = s.read(&mut chunk).expect("read");
        assert!(n > 0, "peer closed the connection");
        raw.extend_from_slice(&chunk[..n]);
    }
}

/// The JSON header of a raw frame.
fn header_of(frame: &[u8]) -> &[u8] {
    let len = u32::from_be_bytes(frame[4..8].try_into().unwrap()) as usize & 0x00FF_FFFF;
    &frame[8..8 + len]
}

fn decode(frame: &[u8]) -> codec::RemotingCommand {
    codec::decode_frame(&mut BytesMut::from(frame))
        .unwrap()
        .unwrap()
}

struct Seeds {
    dir: PathBuf,
    total: usize,
}

impl Seeds {
    fn new() -> Seeds {
        let dir = common::root().join("fuzz/seeds");
        Seeds { dir, total: 0 }
    }

    /// Writes `fuzz/seeds/<target>/<name>`: `mode` (the targets' first
    /// byte: 0 raw input for route_parse and message_ext, the chunk size
    /// for frame_decoder) then `data`; nothing for the other targets.
    fn put(&mut self, target: &str, name: &str, mode: Option<u8>, data: &[u8]) {
        let dir = self.dir.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        let mut bytes = mode.map(|m| vec![m]).unwrap_or_default();
        bytes.extend_from_slice(data);
        assert!(
            bytes.len() <= 4096,
            "{}/{}: {} bytes",
            target,
            name,
            bytes.len()
        );
        self.total += bytes.len();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// The longest prefix of whole records of a pull body that fits `max` bytes.
fn whole_records(body: &[u8], max: usize) -> &[u8] {
    let mut pos = 0;
    while pos + 4 <= body.len() {
        let total = i32::from_be_bytes(body[pos..pos + 4].try_into().unwrap()) as usize;
        if pos + total > max.min(body.len()) {
            break;
        }
        pos += total;
    }
    &body[..pos]
}

#[test]
#[ignore = "rewrites fuzz/seeds; run by hand against a test cluster"]
fn capture_fuzz_seeds() {
    let cluster = common::shared();
    let topic = common::unique_topic("FuzzSeeds");
    let mut seeds = Seeds::new();

    // Messages with tags, keys, properties; compressed bodies of each kind.
    let mut queue = None;
    for (i, compression) in ["zlib", "lz4", "zstd", "none"].iter().enumerate() {
        let mut settings = vec![("compressMsgBodyOverHowmuch", "64")];
        if *compression != "none" {
            settings.push(("compressType", compression));
        } else {
            settings[0].1 = "100000";
        }
        let p = common::producer(&cluster.namesrv, &settings);
        for j in 0..2 {
            let body = format!("seed body {} {} ", compression, j).repeat(1 + 6 * j);
            let mut m = Message::new(topic.as_str(), body.into_bytes());
            m.set_tags(&format!("tag{}", i)).unwrap();
            m.set_keys(&format!("key{} key{}-{}", i, i, j)).unwrap();
            m.set_property("color", if j == 0 { "red" } else { "grün" })
                .unwrap();
            m.set_flag(i as i32);
            let r = match &queue {
                None => p.send(&m).unwrap(),
                Some(q) => p.send_to_queue(&m, q).unwrap(),
            };
            queue.get_or_insert(r.message_queue);
        }
        p.shutdown().unwrap();
    }
    let queue = queue.unwrap();
    let qid = queue.queue_id.to_string();
    // The route, in standard JSON and in the legacy fastjson form.
    let route = raw_exchange(&cluster.namesrv, 105, &[("topic", &topic)]);
    seeds.put("frame_decoder", "route_response", Some(7), &route);
    seeds.put("json_header", "route_response", None, header_of(&route));
    let body = decode(&route).body;
    // The broker from the route (a cluster given by ROCKETMQ_NAMESRV lists none).
    let parsed = rocketmq::protocol::route::TopicRouteData::parse(&body).unwrap();
    let broker = parsed.broker_datas[0].master_addr().unwrap().to_string();
    common::max_offset_reaching(&broker, &topic, queue.queue_id, 8);
    seeds.put("route_parse", "standard", Some(0), &body);
    let text = String::from_utf8(body.to_vec()).unwrap();
    let mut legacy = text.clone();
    for id in 0..4 {
        legacy = legacy.replace(&format!("\"{}\":\"", id), &format!("{}:\"", id));
    }
    assert_ne!(legacy, text, "the route has broker addresses");
    seeds.put("route_parse", "fastjson", Some(0), legacy.as_bytes());

    // Pull responses: messages, and none (offset past the end).
    let pull = |offset: &str, max: &str| {
        raw_exchange(
            &broker,
            11,
            &[
                ("consumerGroup", "rmq_fuzz_seeds"),
                ("topic", &topic),
                ("queueId", &qid),
                ("queueOffset", offset),
                ("maxMsgNums", max),
                ("sysFlag", "4"),
                ("commitOffset", "0"),
                ("suspendTimeoutMillis", "0"),
                ("subscription", "*"),
                ("subVersion", "0"),
                ("expressionType", "TAG"),
            ],
        )
    };
    let two = pull("0", "2");
    seeds.put("frame_decoder", "pull_response", Some(64), &two);
    seeds.put("json_header", "pull_response", None, header_of(&two));
    let none = pull("1000", "1");
    seeds.put("frame_decoder", "pull_no_message", Some(1), &none);
    seeds.put("json_header", "pull_no_message", None, header_of(&none));
    let all = decode(&pull("0", "32"));
    assert_eq!(all.code, 0, "{:?}", all.remark);
    let records = whole_records(&all.body, 4000);
    let msgs =
        rocketmq::protocol::message_ext::decode_all(Bytes::copy_from_slice(records)).unwrap();
    assert!(msgs.len() >= 4, "{} messages fit", msgs.len());
    seeds.put("message_ext", "pull_body", Some(0), records);
    let mut pos = 0;
    for (i, m) in msgs.iter().enumerate() {
        let end = pos + m.store_size as usize;
        seeds.put(
            "message_ext",
            &format!("record_{}", i),
            Some(0),
            &records[pos..end],
        );
        seeds.put(
            "properties",
            &format!("message_{}", i),
            None,
            m.properties.encode().as_bytes(),
        );
        pos = end;
    }

    // GET_MAX_OFFSET: a response with extFields only.
    let max = raw_exchange(&broker, 30, &[("topic", &topic), ("queueId", &qid)]);
    seeds.put("frame_decoder", "max_offset_response", Some(3), &max);
    seeds.put("json_header", "max_offset_response", None, header_of(&max));
    // The same command with a binary (ROCKETMQ) header.
    let mut binary = Vec::new();
    codec::encode_binary_frame(&mut binary, &decode(&max));
    seeds.put("frame_decoder", "max_offset_binary", Some(5), &binary);
    println!("wrote {} bytes of seeds", seeds.total);
}
