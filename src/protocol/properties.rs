//! The message properties string (`MessageDecoder.messageProperties2String` /
//! `string2messageProperties`): `name \u0001 value \u0002` per property.

/// Separates a property's name from its value.
pub const NAME_VALUE_SEPARATOR: char = '\u{1}';
/// Ends each property.
pub const PROPERTY_SEPARATOR: char = '\u{2}';

/// Well-known property names (`MessageConst`).
pub mod names {
    /// Space-separated user keys.
    pub const KEYS: &str = "KEYS";
    /// The tag.
    pub const TAGS: &str = "TAGS";
    /// "true"/"false": wait for the store before answering.
    pub const WAIT: &str = "WAIT";
    /// Delay level.
    pub const DELAY: &str = "DELAY";
    /// Client message id.
    pub const UNIQ_KEY: &str = "UNIQ_KEY";
    /// Transaction half message marker.
    pub const TRAN_MSG: &str = "TRAN_MSG";
    /// Producer group of a transaction.
    pub const PGROUP: &str = "PGROUP";
    /// Request-reply: the id that pairs a request with its reply.
    pub const CORRELATION_ID: &str = "CORRELATION_ID";
    /// Request-reply: the client id of the requester.
    pub const REPLY_TO_CLIENT: &str = "REPLY_TO_CLIENT";
    /// Request-reply: the request's timeout, ms.
    pub const TTL: &str = "TTL";
    /// Request-reply: "reply" on reply messages.
    pub const MSG_TYPE: &str = "MSG_TYPE";
    /// Set by the broker on stored messages: its cluster name.
    pub const CLUSTER: &str = "CLUSTER";
}

/// Property names a user may not set directly (Java
/// `MessageConst.STRING_HASH_SET`): they are set through dedicated setters or
/// by the client and broker themselves.
pub const RESERVED_NAMES: &[&str] = &[
    "TRACE_ON",
    "MSG_REGION",
    "KEYS",
    "TAGS",
    "WAIT",
    "DELAY",
    "RETRY_TOPIC",
    "REAL_TOPIC",
    "REAL_QID",
    "TRAN_MSG",
    "PGROUP",
    "MIN_OFFSET",
    "MAX_OFFSET",
    "BUYER_ID",
    "ORIGIN_MESSAGE_ID",
    "TRANSFER_FLAG",
    "CORRECTION_FLAG",
    "MQ2_FLAG",
    "RECONSUME_TIME",
    "UNIQ_KEY",
    "MAX_RECONSUME_TIMES",
    "CONSUME_START_TIME",
    "POP_CK",
    "POP_CK_OFFSET",
    "1ST_POP_TIME",
    "TRAN_PREPARED_QUEUE_OFFSET",
    "DUP_INFO",
    "EXTEND_UNIQ_INFO",
    "INSTANCE_ID",
    "CORRELATION_ID",
    "REPLY_TO_CLIENT",
    "TTL",
    "ARRIVE_TIME",
    "PUSH_REPLY_TIME",
    "CLUSTER",
    "MSG_TYPE",
    "INNER_MULTI_QUEUE_OFFSET",
    "_BORNHOST",
    "TIMER_DELIVER_MS",
    "TIMER_DELAY_SEC",
    "TIMER_DELAY_MS",
    "TIMER_ENQUEUE_MS",
    "TIMER_DEQUEUE_MS",
    "TIMER_ROLL_TIMES",
    "TIMER_OUT_MS",
    "TIMER_DEL_UNIQKEY",
    "__STARTDELIVERTIME",
    "__transactionId__",
    "CHECK_IMMUNITY_TIME_IN_SECONDS",
    "TRANSACTION_CHECK_TIMES",
    "__SHARDINGKEY",
];

/// Whether `name` is reserved for the client or broker.
pub fn is_reserved(name: &str) -> bool {
    RESERVED_NAMES.contains(&name)
}

/// What [`encode_one`] writes for `WAIT` = "true": constant text for the
/// property every send carries.
pub const WAIT_TRUE_ENCODED: &str = "WAIT\u{1}true\u{2}";
/// What [`encode_one`] writes for `WAIT` = "false".
pub const WAIT_FALSE_ENCODED: &str = "WAIT\u{1}false\u{2}";
/// What precedes the id in the encoding of `UNIQ_KEY` (its name and the
/// name/value separator); [`PROPERTY_SEPARATOR`] follows the id.
pub const UNIQ_KEY_PREFIX: &str = "UNIQ_KEY\u{1}";

/// Appends the encoding of the property `name` = `value` to `out`; nothing
/// when the name or the value is empty, since the decoder would drop it.
pub fn encode_one(out: &mut String, name: &str, value: &str) {
    if name.is_empty() || value.is_empty() {
        return;
    }
    out.push_str(name);
    out.push(NAME_VALUE_SEPARATOR);
    out.push_str(value);
    out.push(PROPERTY_SEPARATOR);
}

/// Appends the encoding of `(name, value)` pairs to `out` ([`encode_one`]
/// of each: pairs with an empty name or value are skipped).
pub fn encode_into<'a>(out: &mut String, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
    for (name, value) in pairs {
        encode_one(out, name, value);
    }
}

/// Appends the encoding of the property `name` whose value is `parts`
/// joined with `separator` (Java's `KEYS`: the keys joined with a space),
/// written in place rather than joined first; nothing when the joined value
/// would be empty, as [`encode_one`] skips it.
pub fn encode_joined(out: &mut String, name: &str, parts: &[String], separator: char) {
    let (first, rest) = match parts {
        [] => return,
        [only] => return encode_one(out, name, only),
        [first, rest @ ..] => (first, rest),
    };
    if name.is_empty() {
        return;
    }
    out.push_str(name);
    out.push(NAME_VALUE_SEPARATOR);
    out.push_str(first);
    for part in rest {
        out.push(separator);
        out.push_str(part);
    }
    out.push(PROPERTY_SEPARATOR);
}

/// Decodes a properties string as Java does: segments without a non-empty
/// name and value are ignored; later duplicates win.
pub fn decode(s: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for segment in s.split(PROPERTY_SEPARATOR) {
        if let Some((name, value)) = segment.split_once(NAME_VALUE_SEPARATOR) {
            if name.is_empty() || value.is_empty() {
                continue;
            }
            if let Some(slot) = out.iter_mut().find(|(n, _)| n == name) {
                slot.1 = value.to_string();
            } else {
                out.push((name.to_string(), value.to_string()));
            }
        }
    }
    out
}

/// Whether `s` can be a property name or value: no separator characters.
pub fn is_clean(s: &str) -> bool {
    !s.contains(NAME_VALUE_SEPARATOR) && !s.contains(PROPERTY_SEPARATOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_encodings_are_what_encode_one_writes() {
        let encoded = |name: &str, value: &str| {
            let mut out = String::new();
            encode_one(&mut out, name, value);
            out
        };
        assert_eq!(WAIT_TRUE_ENCODED, encoded(names::WAIT, "true"));
        assert_eq!(WAIT_FALSE_ENCODED, encoded(names::WAIT, "false"));
        let uniq = encoded(names::UNIQ_KEY, "ID");
        assert_eq!(uniq, format!("{}ID{}", UNIQ_KEY_PREFIX, PROPERTY_SEPARATOR));
    }

    #[test]
    fn encode_joined_writes_what_the_joined_value_would() {
        let cases: [&[&str]; 6] = [&[], &[""], &["", ""], &["k"], &["", "k"], &["a", "b", "c"]];
        for parts in cases {
            let owned: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
            for name in ["KEYS", ""] {
                let mut joined = String::from("x");
                encode_joined(&mut joined, name, &owned, ' ');
                let mut expected = String::from("x");
                encode_one(&mut expected, name, &parts.join(" "));
                assert_eq!(joined, expected, "{:?} {:?}", name, parts);
            }
        }
    }

    #[test]
    fn encodes_with_separators_and_skips_empty() {
        let mut s = String::new();
        encode_into(&mut s, [("TAGS", "a"), ("KEYS", ""), ("k", "v w")]);
        assert_eq!(s, "TAGS\u{1}a\u{2}k\u{1}v w\u{2}");
    }

    #[test]
    fn decodes_like_java() {
        let got = decode("TAGS\u{1}a\u{2}\u{1}x\u{2}y\u{1}\u{2}junk\u{2}TAGS\u{1}b\u{2}K\u{1}v");
        assert_eq!(
            got,
            vec![
                ("TAGS".to_string(), "b".to_string()),
                ("K".to_string(), "v".to_string())
            ]
        );
    }

    #[test]
    fn reserved_names() {
        assert!(is_reserved("UNIQ_KEY") && is_reserved("TAGS") && !is_reserved("color"));
        assert!(is_clean("abc") && !is_clean("a\u{1}b"));
    }
}

/// The properties of a received message, read in place: the properties
/// bytes of the record (a slice of the received frame: no copy, no
/// allocation) parsed on access, with [`decode`]'s rules (segments
/// without a non-empty name and value are ignored; later duplicates win).
/// A consumer that reads one or two properties of a message pays for
/// those, not for all of them.
#[derive(Clone, Default)]
pub struct Properties {
    /// Valid UTF-8 (a lossy copy when the record's bytes were not).
    text: bytes::Bytes,
}

impl Properties {
    /// Reads the properties string `raw` (bytes of a stored record).
    pub fn from_bytes(raw: bytes::Bytes) -> Properties {
        let text = match std::str::from_utf8(&raw) {
            Ok(_) => raw,
            Err(_) => bytes::Bytes::from(String::from_utf8_lossy(&raw).into_owned()),
        };
        Properties { text }
    }

    /// Properties from `(name, value)` pairs (encoded, then read).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Properties {
        let mut s = String::new();
        encode_into(&mut s, pairs);
        Properties::from_bytes(bytes::Bytes::from(s))
    }

    fn text(&self) -> &str {
        // Checked (or made) UTF-8 in `from_bytes`.
        std::str::from_utf8(&self.text).unwrap_or_default()
    }

    /// Every segment with a non-empty name and value, duplicates included.
    fn segments(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.text()
            .split(PROPERTY_SEPARATOR)
            .filter_map(|seg| seg.split_once(NAME_VALUE_SEPARATOR))
            .filter(|(n, v)| !n.is_empty() && !v.is_empty())
    }

    /// The value of property `name` (the last one, as Java's map keeps).
    pub fn get(&self, name: &str) -> Option<&str> {
        let mut found = None;
        let b = self.text.as_ref();
        let mut start = 0usize;
        while start < b.len() {
            let end = find_byte(b, start, PROPERTY_SEPARATOR as u8).unwrap_or(b.len());
            let seg = &b[start..end];
            if seg.len() > name.len() + 1
                && seg.starts_with(name.as_bytes())
                && seg[name.len()] == NAME_VALUE_SEPARATOR as u8
                && !name.is_empty()
            {
                let v = &self.text()[start + name.len() + 1..end];
                found = Some(v);
            }
            start = end + 1;
        }
        found
    }

    /// Every property as `(name, value)`, in stored order (a duplicate
    /// name keeps its first place and its last value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let mut out: Vec<(&str, &str)> = Vec::new();
        for (n, v) in self.segments() {
            match out.iter_mut().find(|(k, _)| *k == n) {
                Some(slot) => slot.1 = v,
                None => out.push((n, v)),
            }
        }
        out.into_iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.segments().next().is_none()
    }

    /// Keeps only the properties for which `keep(name, value)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        let mut s = String::new();
        encode_into(&mut s, self.iter().filter(|(k, v)| keep(k, v)));
        *self = Properties::from_bytes(bytes::Bytes::from(s));
    }

    /// The properties string (minus ignored segments and duplicates).
    pub fn encode(&self) -> String {
        let mut s = String::new();
        encode_into(&mut s, self.iter());
        s
    }
}

fn find_byte(b: &[u8], from: usize, needle: u8) -> Option<usize> {
    b[from..]
        .iter()
        .position(|c| *c == needle)
        .map(|i| i + from)
}

impl PartialEq for Properties {
    fn eq(&self, other: &Properties) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Properties {}

impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod properties_tests {
    use super::*;

    #[test]
    fn read_in_place_like_decode() {
        let raw = "TAGS\u{1}a\u{2}\u{1}x\u{2}k\u{1}\u{2}KEYS\u{1}k1 k2\u{2}TAGS\u{1}b\u{2}tail";
        let p = Properties::from_bytes(bytes::Bytes::from(raw));
        let want = decode(raw);
        let got: Vec<(String, String)> = p
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(p.get("TAGS"), Some("b"));
        assert_eq!(p.get("nope"), None);
        let mut q = p.clone();
        q.retain(|k, _| k != "TAGS");
        assert_eq!(q.len(), 1);
        assert_eq!(
            Properties::from_pairs([("a", "1")]).encode(),
            "a\u{1}1\u{2}"
        );
        let bad = Properties::from_bytes(bytes::Bytes::from_static(b"k\x01\xff\x02"));
        assert_eq!(bad.get("k"), Some("\u{fffd}"));
    }
}
