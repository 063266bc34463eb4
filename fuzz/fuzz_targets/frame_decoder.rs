//! The frame decoder (`codec::decode_frame`): arbitrary bytes as a stream
//! of frames (length, header length with serialize type, JSON or binary
//! header, body).
//!
//! Checks: no panic; a complete frame consumes exactly its length prefix
//! plus 4 bytes and a partial one consumes nothing; feeding the same bytes
//! in chunks (as a socket delivers them) gives the same commands and the
//! same first error; every decoded command re-encodes (JSON through
//! `encode_frame`, binary through `encode_binary_frame`) to a frame that
//! decodes to the same command.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rocketmq::codec::{self, RemotingCommand};

/// Decodes every frame of `data`, `chunk` bytes arriving at a time (0: all
/// at once): the commands, and the error that ended the stream if any.
fn decode_stream(data: &[u8], chunk: usize) -> (Vec<RemotingCommand>, Option<String>) {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let step = if chunk == 0 { data.len().max(1) } else { chunk };
    for piece in data.chunks(step) {
        buf.extend_from_slice(piece);
        loop {
            let before = buf.len();
            let declared = (before >= 4)
                .then(|| u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize);
            match codec::decode_frame(&mut buf) {
                Ok(Some(cmd)) => {
                    let len = declared.expect("a frame has a length prefix");
                    assert_eq!(buf.len(), before - 4 - len, "consumed exactly one frame");
                    out.push(cmd);
                }
                Ok(None) => {
                    assert_eq!(buf.len(), before, "a partial frame stays in the buffer");
                    break;
                }
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }
    (out, None)
}

/// The extFields of `c`, sorted (binary re-encoding sorts them) with the
/// last value of a repeated key (what `ext` returns).
fn fields(c: &RemotingCommand) -> Vec<(String, String)> {
    let mut m = std::collections::BTreeMap::new();
    for (k, v) in c.ext_fields.iter() {
        m.insert(k.to_string(), v.to_string());
    }
    m.into_iter().collect()
}

fn reencodes(c: &RemotingCommand) {
    for (k, _) in c.ext_fields.iter() {
        assert!(c.ext(k).is_some(), "ext({:?}) of a present key", k);
    }
    // JSON, as the client writes its requests.
    let pairs = fields(c);
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut frame = Vec::new();
    codec::encode_frame(
        &mut frame,
        c.code,
        c.opaque,
        c.flag,
        c.remark.as_deref(),
        &refs,
        &c.body,
    );
    let mut buf = BytesMut::from(&frame[..]);
    let back = codec::decode_frame(&mut buf)
        .expect("a frame encode_frame wrote decodes")
        .expect("and is complete");
    assert!(buf.is_empty());
    assert_eq!(
        (
            back.code,
            back.opaque,
            back.flag,
            &back.remark,
            fields(&back),
            &back.body
        ),
        (c.code, c.opaque, c.flag, &c.remark, pairs.clone(), &c.body),
        "JSON round trip"
    );
    // Binary (ROCKETMQ serialize type), when the command fits its field sizes.
    let fits = i16::try_from(c.code).is_ok()
        && i16::try_from(c.version).is_ok()
        && pairs.iter().all(|(k, _)| k.len() <= i16::MAX as usize);
    if fits {
        let mut frame = Vec::new();
        codec::encode_binary_frame(&mut frame, c);
        let mut buf = BytesMut::from(&frame[..]);
        let back = codec::decode_frame(&mut buf)
            .expect("a binary frame decodes")
            .expect("and is complete");
        assert_eq!(
            (
                back.code,
                back.language,
                back.version,
                back.opaque,
                back.flag
            ),
            (c.code, c.language, c.version, c.opaque, c.flag),
            "binary round trip"
        );
        // An empty remark is written as length 0, read back as none.
        assert_eq!(
            back.remark.clone().filter(|r| !r.is_empty()),
            c.remark.clone().filter(|r| !r.is_empty())
        );
        assert_eq!(fields(&back), pairs);
        assert_eq!(back.body, c.body);
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size of the second decoding.
    let Some((&chunk, data)) = data.split_first() else {
        return;
    };
    let (whole, whole_err) = decode_stream(data, 0);
    let (chunked, chunked_err) = decode_stream(data, usize::from(chunk % 64) + 1);
    assert_eq!(whole, chunked, "chunked delivery decodes the same commands");
    assert_eq!(whole_err, chunked_err, "and ends with the same error");
    for c in &whole {
        reencodes(c);
    }
});
