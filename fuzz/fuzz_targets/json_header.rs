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
//! case: a known member repeated with a wrongly typed earlier value.
//! Laxer in one: a number past f64's range is kept as its text, as Java
//! keeps extFields as strings, where `Value` says "number out of range";
//! the reference reads such a literal as the string of the same text, seed
//! `regress-out-of-range-ext-number`.)
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

/// `Value` of the bytes, where a number literal past f64's range (which
/// serde_json refuses, "number out of range") is read as the string of the
/// same text: the reader keeps extFields values as text, so such a value
/// canonicalises the same either way. The literal is found around the
/// error's position (serde_json counts columns in bytes).
fn value_of(data: &[u8]) -> Option<Value> {
    let is_number = |b: u8| b.is_ascii_digit() || matches!(b, b'e' | b'E' | b'+' | b'-' | b'.');
    let mut text = data.to_vec();
    for _ in 0..64 {
        let e = match serde_json::from_slice::<Value>(&text) {
            Ok(v) => return Some(v),
            Err(e) if e.to_string().starts_with("number out of range") => e,
            Err(_) => return None,
        };
        let line_start = text
            .split_inclusive(|&b| b == b'\n')
            .take(e.line() - 1)
            .map(|l| l.len())
            .sum::<usize>();
        let at = (line_start + e.column().saturating_sub(1)).min(text.len());
        let mut end = at;
        while end < text.len() && is_number(text[end]) {
            end += 1;
        }
        let mut start = end;
        while start > 0 && is_number(text[start - 1]) {
            start -= 1;
        }
        let literal = std::str::from_utf8(&text[start..end]).ok()?;
        if !literal.parse::<f64>().ok()?.is_infinite() {
            return None;
        }
        let quoted = format!("\"{}\"", literal);
        text.splice(start..end, quoted.into_bytes());
    }
    None
}

/// What serde_json makes of the header; None where the header must be refused.
fn reference(data: &[u8]) -> Option<Decoded> {
    let v: Value = value_of(data)?;
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
