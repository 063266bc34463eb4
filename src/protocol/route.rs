//! `TopicRouteData`, the body of a GET_ROUTEINFO_BY_TOPIC response
//! (Java `TopicRouteData`), parsed leniently: standard JSON as Java
//! (≥ 4.9.4) and Rust NameServers send it, explicit `null`s, unknown fields,
//! and the unquoted numeric map keys (`{0:"ip:port"}`) of older Java
//! NameServers.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, ErrorKind, Result};

/// One broker's queues for the topic (`QueueData`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueData {
    /// Broker name.
    pub broker_name: String,
    /// Readable queue count.
    #[serde(default)]
    pub read_queue_nums: i32,
    /// Writable queue count.
    #[serde(default)]
    pub write_queue_nums: i32,
    /// `PermName` bits.
    #[serde(default)]
    pub perm: i32,
    /// Topic sysFlag.
    #[serde(default)]
    pub topic_sys_flag: i32,
}

/// One broker group's addresses (`BrokerData`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerData {
    /// Cluster name.
    #[serde(default)]
    pub cluster: Option<String>,
    /// Broker name.
    pub broker_name: String,
    /// Broker id → `ip:port`; id 0 is the master.
    #[serde(default, deserialize_with = "broker_addrs")]
    pub broker_addrs: BTreeMap<i64, String>,
}

impl BrokerData {
    /// The master's (`brokerId` 0) address.
    pub fn master_addr(&self) -> Option<&str> {
        self.broker_addrs.get(&0).map(String::as_str)
    }
}

/// The route of one topic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicRouteData {
    /// `brokerName:queueNum;…` for ordered topics, else absent.
    #[serde(default)]
    pub order_topic_conf: Option<String>,
    /// Queue data per broker.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub queue_datas: Vec<QueueData>,
    /// Broker addresses.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub broker_datas: Vec<BrokerData>,
}

fn null_as_empty<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn broker_addrs<'de, D>(d: D) -> std::result::Result<BTreeMap<i64, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let raw = Option::<BTreeMap<String, Option<String>>>::deserialize(d)?.unwrap_or_default();
    let mut out = BTreeMap::new();
    for (k, v) in raw {
        let id: i64 = k
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("broker id {:?} is not a number", k)))?;
        if let Some(addr) = v {
            out.insert(id, addr);
        }
    }
    Ok(out)
}

impl TopicRouteData {
    /// Parses a route body, quoting bare numeric object keys first when the
    /// body is not standard JSON.
    pub fn parse(body: &[u8]) -> Result<TopicRouteData> {
        match serde_json::from_slice::<TopicRouteData>(body) {
            Ok(route) => Ok(route),
            Err(first) => {
                let text = std::str::from_utf8(body).map_err(|_| {
                    Error::new(ErrorKind::Internal, "route data is not UTF-8".to_string())
                })?;
                let fixed = quote_numeric_keys(text);
                // from_slice again: one instantiation of the decoder, not two.
                serde_json::from_slice(fixed.as_bytes()).map_err(|_| {
                    Error::new(
                        ErrorKind::Internal,
                        format!("undecodable route data: {}", first),
                    )
                })
            }
        }
    }
}

/// Rewrites `{0:"a",1:"b"}` into `{"0":"a","1":"b"}`: a run of digits (with
/// an optional minus) right after `{` or `,` (outside strings, whitespace
/// allowed) and followed by `:` gets quoted. Every other byte is copied as
/// it is (strings may hold any UTF-8), so valid JSON comes out unchanged.
pub(crate) fn quote_numeric_keys(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(s.len() + 16);
    let mut i = 0;
    let mut in_string = false;
    let mut after_open = false; // last significant char outside strings was { or ,
    while i < b.len() {
        let c = b[i];
        if in_string {
            out.push(c);
            if c == b'\\' && i + 1 < b.len() {
                out.push(b[i + 1]);
                i += 2;
                continue;
            }
            if c == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if after_open && (c.is_ascii_digit() || c == b'-') {
            let start = i;
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let mut k = j;
            while k < b.len() && b[k].is_ascii_whitespace() {
                k += 1;
            }
            if k < b.len() && b[k] == b':' {
                out.push(b'"');
                out.extend_from_slice(&b[start..j]);
                out.push(b'"');
                i = j;
                after_open = false;
                continue;
            }
        }
        match c {
            b'"' => {
                in_string = true;
                after_open = false;
            }
            b'{' | b',' => after_open = true,
            c if c.is_ascii_whitespace() => {}
            _ => after_open = false,
        }
        out.push(c);
        i += 1;
    }
    // Only ASCII quotes were added, next to ASCII bytes: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUST_NAMESRV: &str = r#"{"orderTopicConf":null,"queueDatas":[{"brokerName":"broker-a","readQueueNums":4,"writeQueueNums":4,"perm":6,"topicSysFlag":0}],"brokerDatas":[{"cluster":"DefaultCluster","brokerName":"broker-a","brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"zoneName":null,"enableActingMaster":false}],"filterServerTable":{},"topicQueueMappingInfo":null}"#;
    const JAVA_LEGACY: &str = r#"{"brokerDatas":[{"brokerAddrs":{0:"172.17.0.2:10911",1:"172.17.0.3:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#;

    #[test]
    fn parses_standard_json_with_nulls() {
        let r = TopicRouteData::parse(RUST_NAMESRV.as_bytes()).unwrap();
        assert_eq!(r.queue_datas.len(), 1);
        assert_eq!(r.queue_datas[0].write_queue_nums, 4);
        assert_eq!(r.queue_datas[0].perm, 6);
        assert_eq!(r.broker_datas[0].master_addr(), Some("127.0.0.1:10911"));
        assert_eq!(r.broker_datas[0].broker_addrs.len(), 2);
        assert_eq!(r.order_topic_conf, None);
    }

    #[test]
    fn parses_unquoted_numeric_keys() {
        let r = TopicRouteData::parse(JAVA_LEGACY.as_bytes()).unwrap();
        assert_eq!(r.broker_datas[0].master_addr(), Some("172.17.0.2:10911"));
        assert_eq!(
            r.broker_datas[0].broker_addrs.get(&1).unwrap(),
            "172.17.0.3:10911"
        );
    }

    #[test]
    fn quoting_leaves_strings_alone() {
        let s = r#"{"a":"{0:1}", 7 : "x,8:y", "b":[1,2]}"#;
        assert_eq!(
            quote_numeric_keys(s),
            r#"{"a":"{0:1}", "7" : "x,8:y", "b":[1,2]}"#
        );
    }

    /// Found by the route_parse fuzz target: the rewrite copied each byte of
    /// a multi-byte character inside a string as a character of its own
    /// (`"ɓ"` came out as `"É\u{93}"`).
    #[test]
    fn legacy_dialect_keeps_non_ascii_strings() {
        let body = r#"{"orderTopicConf":"","queueDatas":[],"brokerDatas":[{"brokerName":"ɓ","brokerAddrs":{201:"ä:1"}}]}"#;
        let r = TopicRouteData::parse(body.as_bytes()).unwrap();
        assert_eq!(r.broker_datas[0].broker_name, "ɓ");
        assert_eq!(r.broker_datas[0].broker_addrs[&201], "ä:1");
        let escaped = r#"{"a":"\"ü\\é"}"#;
        assert_eq!(quote_numeric_keys(escaped), escaped);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(TopicRouteData::parse(b"not json").is_err());
        assert!(TopicRouteData::parse(
            br#"{"brokerDatas":[{"brokerName":"b","brokerAddrs":{"x":"y"}}]}"#
        )
        .is_err());
        assert!(TopicRouteData::parse(&[0xff, 0xfe]).is_err());
    }
}
