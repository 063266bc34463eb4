//! The properties string (`protocol::properties`): `name\x01value\x02…`,
//! read in place by `Properties` and by `decode`, written by `encode_into`.
//!
//! Checks on arbitrary bytes (invalid UTF-8 is read lossily): no panic;
//! `Properties::iter` equals `decode` of the same text; `get` of every name
//! returns its value, `get` of any other string (here, slices of the input)
//! agrees with `iter`; `len`/`is_empty` agree; encoding and reading back
//! gives the same properties; `retain` keeps exactly the kept ones.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use rocketmq::protocol::properties::{self, Properties};

fuzz_target!(|data: &[u8]| {
    let p = Properties::from_bytes(Bytes::copy_from_slice(data));
    let text = String::from_utf8_lossy(data);
    let pairs: Vec<(String, String)> = p
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(pairs, properties::decode(&text), "Properties vs decode");
    assert_eq!(p.len(), pairs.len());
    assert_eq!(p.is_empty(), pairs.is_empty());
    for (k, v) in &pairs {
        assert!(!k.is_empty() && !v.is_empty());
        assert!(properties::is_clean(k) && !v.contains('\u{2}'));
        assert_eq!(p.get(k), Some(v.as_str()), "get({:?})", k);
    }
    // Other names: every separator-delimited piece of the text, and a few
    // of its substrings.
    for piece in text.split(['\u{1}', '\u{2}']).take(64) {
        let want = pairs
            .iter()
            .find(|(k, _)| k == piece)
            .map(|(_, v)| v.as_str());
        assert_eq!(p.get(piece), want, "get({:?})", piece);
        if let Some((i, _)) = piece.char_indices().nth(1) {
            let part = &piece[i..];
            let want = pairs
                .iter()
                .find(|(k, _)| k == part)
                .map(|(_, v)| v.as_str());
            assert_eq!(p.get(part), want, "get({:?})", part);
        }
    }
    // Writing and reading back.
    let encoded = p.encode();
    let back = Properties::from_bytes(Bytes::from(encoded.clone()));
    assert_eq!(back, p);
    assert_eq!(back.encode(), encoded, "encode is a fixed point");
    let refs = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    assert_eq!(Properties::from_pairs(refs), p);
    // retain: drop every other property.
    let mut kept = p.clone();
    let mut i = 0;
    kept.retain(|_, _| {
        i += 1;
        i % 2 == 1
    });
    let want: Vec<(String, String)> = pairs.iter().step_by(2).cloned().collect();
    let got: Vec<(String, String)> = kept
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want, "retain");
});
