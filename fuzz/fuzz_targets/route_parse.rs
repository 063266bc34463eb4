//! The route parser (`TopicRouteData::parse`) in both dialects: standard
//! JSON (Java ≥ 4.9.4 and Rust NameServers) and the fastjson form of older
//! Java NameServers, whose `brokerAddrs` keys are bare numbers.
//!
//! The first byte picks the mode. Raw (even): the rest is a body; no panic,
//! and a body that is valid JSON passes the numeric-key rewrite unchanged
//! (so the rewrite can never change what a standard body says). Structured
//! (odd): an arbitrary route rendered in both dialects (optional blanks,
//! explicit nulls, unknown members, any strings) parses in each to exactly
//! that route.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use rocketmq::fuzzing::quote_numeric_keys;
use rocketmq::protocol::route::{BrokerData, QueueData, TopicRouteData};

#[derive(Arbitrary, Debug)]
struct Queue {
    name: String,
    read: i32,
    write: i32,
    perm: i32,
    sys: i32,
}

#[derive(Arbitrary, Debug)]
struct Broker {
    cluster: Option<String>,
    name: String,
    addrs: Vec<(i64, Option<String>)>,
}

#[derive(Arbitrary, Debug)]
struct Route {
    order: Option<String>,
    queues: Vec<Queue>,
    brokers: Vec<Broker>,
    /// Blanks around the tokens.
    blanks: bool,
    /// Explicit nulls for absent members, and members the client ignores.
    nulls_and_extras: bool,
}

fn json(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The route as a NameServer writes it; `fastjson`: bare numeric keys.
fn render(r: &Route, fastjson: bool) -> String {
    let sp = if r.blanks { " " } else { "" };
    let member = |k: &str, v: String| format!("{sp}\"{k}\"{sp}:{sp}{v}");
    let mut top = Vec::new();
    match &r.order {
        Some(o) => top.push(member("orderTopicConf", json(o))),
        None if r.nulls_and_extras => top.push(member("orderTopicConf", "null".into())),
        None => {}
    }
    let queues: Vec<String> = r
        .queues
        .iter()
        .map(|q| {
            let m = [
                member("brokerName", json(&q.name)),
                member("readQueueNums", q.read.to_string()),
                member("writeQueueNums", q.write.to_string()),
                member("perm", q.perm.to_string()),
                member("topicSysFlag", q.sys.to_string()),
            ];
            format!("{{{}}}", m.join(","))
        })
        .collect();
    top.push(member("queueDatas", format!("[{}]", queues.join(","))));
    let brokers: Vec<String> = r
        .brokers
        .iter()
        .map(|b| {
            let addrs: Vec<String> = b
                .addrs
                .iter()
                .map(|(id, a)| {
                    let v = a.as_deref().map_or("null".to_string(), json);
                    if fastjson {
                        format!("{sp}{id}{sp}:{sp}{v}")
                    } else {
                        member(&id.to_string(), v)
                    }
                })
                .collect();
            let mut m = vec![
                member("brokerName", json(&b.name)),
                member("brokerAddrs", format!("{{{}}}", addrs.join(","))),
            ];
            match &b.cluster {
                Some(c) => m.push(member("cluster", json(c))),
                None if r.nulls_and_extras => m.push(member("cluster", "null".into())),
                None => {}
            }
            if r.nulls_and_extras {
                m.push(member("zoneName", "null".into()));
                m.push(member("enableActingMaster", "false".into()));
            }
            format!("{{{}}}", m.join(","))
        })
        .collect();
    top.push(member("brokerDatas", format!("[{}]", brokers.join(","))));
    if r.nulls_and_extras {
        top.push(member("filterServerTable", "{}".into()));
        top.push(member("topicQueueMappingInfo", "null".into()));
    }
    format!("{{{}}}", top.join(","))
}

fn expected(r: &Route) -> TopicRouteData {
    TopicRouteData {
        order_topic_conf: r.order.clone(),
        queue_datas: r
            .queues
            .iter()
            .map(|q| QueueData {
                broker_name: q.name.clone(),
                read_queue_nums: q.read,
                write_queue_nums: q.write,
                perm: q.perm,
                topic_sys_flag: q.sys,
            })
            .collect(),
        broker_datas: r
            .brokers
            .iter()
            .map(|b| {
                // A repeated id: the last value wins, a null drops the id.
                let mut raw = BTreeMap::new();
                for (id, a) in &b.addrs {
                    raw.insert(*id, a.clone());
                }
                BrokerData {
                    cluster: b.cluster.clone(),
                    broker_name: b.name.clone(),
                    broker_addrs: raw.into_iter().filter_map(|(k, v)| Some((k, v?))).collect(),
                }
            })
            .collect(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let parsed = TopicRouteData::parse(rest);
        if serde_json::from_slice::<serde_json::Value>(rest).is_ok() {
            let text = std::str::from_utf8(rest).expect("JSON is UTF-8");
            assert_eq!(
                quote_numeric_keys(text),
                text,
                "the rewrite changed valid JSON"
            );
            if let Ok(direct) = serde_json::from_slice::<TopicRouteData>(rest) {
                assert_eq!(parsed.ok(), Some(direct));
            }
        }
        return;
    }
    let Ok(route) = Route::arbitrary(&mut Unstructured::new(rest)) else {
        return;
    };
    let want = expected(&route);
    for fastjson in [false, true] {
        let body = render(&route, fastjson);
        match TopicRouteData::parse(body.as_bytes()) {
            Ok(got) => assert_eq!(got, want, "fastjson={} {}", fastjson, body),
            Err(e) => panic!("fastjson={} {}: {}", fastjson, body, e),
        }
    }
});
