//! Per-message costs of the wire codec on the send path: encoding a
//! SEND_MESSAGE_V2 request (header + 1 KiB body) and decoding a broker's
//! send response. Run with `cargo bench --bench codec`.

use bytes::Bytes;
use bytes::BytesMut;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rocketmq::codec::{
    decode_frame, decode_payload, encode_frame, encode_frame_with, WriteFields, FLAG_RESPONSE,
};
use rocketmq::protocol::header::{
    SendHeaderConstants, SendMessageRequestHeader, SendMessageResponseHeader,
};

/// A response as the Java broker sends it (alphabetical, strings).
fn response_frame() -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(
        &mut out,
        0,
        123_456,
        FLAG_RESPONSE,
        None,
        &[
            ("MSG_REGION", "DefaultRegion"),
            ("TRACE_ON", "true"),
            ("msgId", "7F00000100002A9F00000000000A1B2C"),
            ("queueId", "3"),
            ("queueOffset", "1234567"),
            ("transactionId", "7F0000010A2B18B4AAC27D8E3F2A0001"),
        ],
        b"",
    );
    out
}

fn codec(c: &mut Criterion) {
    let body = vec![b'x'; 1024];
    let properties =
        "UNIQ_KEY\u{1}7F0000010A2B18B4AAC27D8E3F2A0001\u{2}WAIT\u{1}true\u{2}TAGS\u{1}TagA\u{2}";
    let mut out = Vec::with_capacity(64 * 1024);
    let constants = SendHeaderConstants::new("bench_group", "TBW102", 4);
    c.bench_function("encode SEND_MESSAGE_V2 (1 KiB body)", |b| {
        b.iter(|| {
            out.clear();
            let header = SendMessageRequestHeader {
                constants: &constants,
                topic: "BenchTopic",
                queue_id: 3,
                sys_flag: 0,
                born_timestamp: 1_763_800_000_000,
                flag: 0,
                properties,
                batch: false,
                broker_name: "broker-a",
            };
            encode_frame_with(&mut out, 310, 42, 0, None, &body, |w| {
                header.write_fields(w)
            });
            black_box(out.len())
        })
    });

    let frame = response_frame();
    c.bench_function("decode send response", |b| {
        b.iter(|| {
            let mut buf = BytesMut::from(&frame[..]);
            let cmd = decode_frame(&mut buf).unwrap().unwrap();
            black_box(
                SendMessageResponseHeader::decode(&cmd)
                    .unwrap()
                    .queue_offset,
            )
        })
    });
}

fn parse(c: &mut Criterion) {
    let frame = Bytes::from(response_frame()).slice(4..);
    c.bench_function("decode send response payload", |b| {
        b.iter(|| {
            let cmd = decode_payload(frame.clone()).unwrap();
            black_box(cmd.opaque)
        })
    });
    c.bench_function("decode send response payload + header", |b| {
        b.iter(|| {
            let cmd = decode_payload(frame.clone()).unwrap();
            black_box(
                SendMessageResponseHeader::decode(&cmd)
                    .unwrap()
                    .queue_offset,
            )
        })
    });
}

criterion_group!(benches, codec, parse);
criterion_main!(benches);
