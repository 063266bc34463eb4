//! The JSON command header reader, differentially: the fast in-place reader
//! (plain broker headers), the general serde_json reader, and a reference
//! built on serde_json's parser (the [`Json`] below) must agree.
//!
//! Checks: whatever the fast reader takes, the general reader reads to the
//! same command; with the fast path allowed or not, the verdict (accepted or
//! not) and the command are the same; the command equals what serde_json's
//! [`Json`] of the same bytes says (code, language, version, opaque, flag,
//! remark, extFields with numbers compared by value), so a header the
//! reference rejects is rejected. (Stricter than the reference in one
//! case: a known member repeated with a wrongly typed earlier value.
//! Laxer in one: a number past f64's range is kept as its text, as Java
//! keeps extFields as strings, where serde_json says "number out of range";
//! the reference reads such a literal as the string of the same text, seed
//! `regress-out-of-range-ext-number`.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use rocketmq::codec::LANGUAGE_NAMES;
use rocketmq::fuzzing::json_header;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;

/// A JSON value as serde_json's parser reads it: `serde_json::Value`
/// without its one special case. With serde_json's `raw_value` feature
/// (which the library enables, so the fuzz build has it too), `Value` takes
/// an object whose first key is serde_json's private token
/// `$serde_json::private::RawValue` for a raw value: `{"$serde_json::private::RawValue":"1"}`
/// becomes the number 1, `{"$serde_json::private::RawValue":"1","a":"b"}`
/// an error. To a broker, and to the readers under test, it is an
/// ordinary key (seed `regress-raw-value-token-key`, which libFuzzer found
/// in serde_json's own comparisons).
enum Json {
    Null,
    Bool(bool),
    /// An integer literal (serde_json's `PosInt` and `NegInt`).
    Int(i128),
    Float(f64),
    String(String),
    /// Its elements are read (and checked) but not kept: the reference
    /// refuses an array wherever it meets one.
    Array,
    /// Later duplicates win, as in `Value`'s map.
    Object(BTreeMap<String, Json>),
}

impl Json {
    fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Int(v) => i64::try_from(*v).ok(),
            _ => None,
        }
    }

    fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Int(v) => u64::try_from(*v).ok(),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Int(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Int(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
                Ok(Json::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::String(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                while seq.next_element::<Json>()?.is_some() {}
                Ok(Json::Array)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut members = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    members.insert(k, v);
                }
                Ok(Json::Object(members))
            }
        }
        d.deserialize_any(V)
    }
}

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

/// The [`Json`] of the bytes, where a number literal past f64's range (which
/// serde_json refuses, "number out of range") is read as the string of the
/// same text: the reader keeps extFields values as text, so such a value
/// canonicalises the same either way. The literal is found around the
/// error's position (serde_json counts columns in bytes).
fn value_of(data: &[u8]) -> Option<Json> {
    let is_number = |b: u8| b.is_ascii_digit() || matches!(b, b'e' | b'E' | b'+' | b'-' | b'.');
    let mut text = data.to_vec();
    for _ in 0..64 {
        let e = match serde_json::from_slice::<Json>(&text) {
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
    let Json::Object(o) = value_of(data)? else {
        return None;
    };
    let int = |k: &str| -> Option<Option<i32>> {
        match o.get(k) {
            None | Some(Json::Null) => Some(None),
            Some(n) => Some(Some(i32::try_from(n.as_i64()?).ok()?)),
        }
    };
    let code = int("code")??;
    let language = match o.get("language") {
        None | Some(Json::Null) => 7,
        Some(Json::String(s)) => LANGUAGE_NAMES.iter().position(|n| n == s).unwrap_or(7) as u8,
        Some(n) => u8::try_from(n.as_u64()?).unwrap_or(7),
    };
    let remark = match o.get("remark") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s.clone()),
        _ => return None,
    };
    let mut ext = Vec::new();
    match o.get("extFields") {
        None | Some(Json::Null) => {}
        Some(Json::Object(m)) => {
            for (k, v) in m {
                match v {
                    Json::Null => {}
                    Json::String(s) => ext.push((k.clone(), canonical(s))),
                    Json::Bool(b) => ext.push((k.clone(), b.to_string())),
                    Json::Int(n) => ext.push((k.clone(), canonical(&n.to_string()))),
                    // Display writes the shortest text that reads back as
                    // the same f64, which is all `canonical` needs.
                    Json::Float(f) => ext.push((k.clone(), canonical(&f.to_string()))),
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
        assert_eq!(ours, reference(data), "ours vs serde_json's reading");
    }
});
