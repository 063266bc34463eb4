//! The JSON command header reader, differentially: the fast in-place reader
//! (plain broker headers), the general serde_json reader, and a reference
//! built on `serde_json::Value` must agree.
//!
//! Checks: whatever the fast reader takes, the general reader reads to the
//! same command; with the fast path allowed or not, the verdict (accepted or
//! not) and the command are the same; the command equals what serde_json's
//! `Value` of the same bytes says (code, language, version, opaque, flag,
//! remark, extFields with numbers compared by value), so a header the
//! reference rejects is rejected. (Stricter than the reference in one
//! case: a known member repeated with a wrongly typed earlier value.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use rocketmq::codec::LANGUAGE_NAMES;
use rocketmq::fuzzing::json_header;
use serde_json::Value;

type Decoded = (
    i32,
    u8,
    i32,
    i32,
    i32,
    Option<String>,
    Vec<(String, String)>,
);

/// Numbers compare by value (the reader keeps their text, serde_json
/// reformats them). The reference must parse them correctly rounded, as
/// `str::parse::<f64>` does: serde_json's default float parsing may be one
/// ULP off for long literals (a 55-digit integer in extFields was), hence
/// its `float_roundtrip` feature in fuzz/Cargo.toml (seed
/// `regress-big-integer-ext-field`).
fn canonical(v: &str) -> String {
    match v.parse::<f64>() {
        Ok(f) => format!("{}", f),
        Err(_) => v.to_string(),
    }
}

/// What serde_json makes of the header; None where the header must be refused.
fn reference(data: &[u8]) -> Option<Decoded> {
    let v: Value = serde_json::from_slice(data).ok()?;
    let o = v.as_object()?;
    let int = |k: &str| -> Option<Option<i32>> {
        match o.get(k) {
            None | Some(Value::Null) => Some(None),
            Some(n) => Some(Some(i32::try_from(n.as_i64()?).ok()?)),
        }
    };
    let code = int("code")??;
    let language = match o.get("language") {
        None | Some(Value::Null) => 7,
        Some(Value::String(s)) => LANGUAGE_NAMES.iter().position(|n| n == s).unwrap_or(7) as u8,
        Some(n) => u8::try_from(n.as_u64()?).unwrap_or(7),
    };
    let remark = match o.get("remark") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        _ => return None,
    };
    let mut ext = Vec::new();
    match o.get("extFields") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                match v {
                    Value::Null => {}
                    Value::String(s) => ext.push((k.clone(), canonical(s))),
                    Value::Bool(b) => ext.push((k.clone(), b.to_string())),
                    Value::Number(n) => ext.push((k.clone(), canonical(&n.to_string()))),
                    _ => return None,
                }
            }
        }
        _ => return None,
    }
    Some((
        code,
        language,
        int("version")?.unwrap_or(0),
        int("opaque")?.unwrap_or(0),
        int("flag")?.unwrap_or(0),
        remark,
        ext,
    ))
}

fuzz_target!(|data: &[u8]| {
    let (fast, takes_fast) = json_header(data, true);
    let (general, _) = json_header(data, false);
    if takes_fast {
        assert!(fast.is_ok(), "the fast reader took it");
    }
    match (&fast, &general) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "fast and general readers differ"),
        (a, b) => assert_eq!(a.is_ok(), b.is_ok(), "fast {:?} general {:?}", a, b),
    }
    let ours = fast.ok().map(|c| {
        // Last value wins, as in a JSON object (serde_json's map is sorted).
        let mut ext = std::collections::BTreeMap::new();
        for (k, v) in c.ext_fields.iter() {
            ext.insert(k.to_string(), canonical(v));
        }
        (
            c.code,
            c.language,
            c.version,
            c.opaque,
            c.flag,
            c.remark,
            ext.into_iter().collect(),
        )
    });
    // What we accept, serde_json reads the same. The other way round we
    // are stricter in one documented case: a known member repeated with a
    // wrong type before its last value (`"remark":1,...,"remark":null`) is
    // refused, where serde_json's map keeps only the last value.
    if ours.is_some() {
        assert_eq!(ours, reference(data), "ours vs serde_json::Value");
    }
});
