//! HEART_BEAT body (Java `HeartbeatData`, `ConsumerData`,
//! `SubscriptionData`): the client id, its producer groups and its
//! consumer groups with their subscriptions. Every consumer field is always
//! written, with enum names as strings and `subVersion` as a number, as
//! Java's fastjson writes them (the Rust broker rejects a heartbeat that
//! lacks any of them; `docs/architecture.md`, consumer notes).

/// A consumer group's entry (`ConsumerData`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerData {
    /// `consumeFromWhere`: e.g. `CONSUME_FROM_LAST_OFFSET`.
    pub consume_from_where: &'static str,
    /// `consumeType`: `CONSUME_ACTIVELY` (pull) or `CONSUME_PASSIVELY` (push).
    pub consume_type: &'static str,
    /// `groupName`: the group (namespace-wrapped).
    pub group_name: String,
    /// `messageModel`: `CLUSTERING` or `BROADCASTING`.
    pub message_model: &'static str,
    /// `subscriptionDataSet`.
    pub subscription_data_set: Vec<SubscriptionData>,
    /// `unitMode`: always false.
    pub unit_mode: bool,
}

/// One subscription (`SubscriptionData`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionData {
    /// `classFilterMode`: always false.
    pub class_filter_mode: bool,
    /// `codeSet`: Java `String.hashCode()` of each tag.
    pub code_set: Vec<i32>,
    /// `expressionType`: `TAG`.
    pub expression_type: &'static str,
    /// `subString`: the normalised expression (`*` or `A||B`).
    pub sub_string: String,
    /// `subVersion`: ms when the subscription was built or last changed.
    pub sub_version: i64,
    /// `tagsSet`: the tags (empty for `*`).
    pub tags_set: Vec<String>,
    /// `topic`.
    pub topic: String,
}

/// The HeartbeatData JSON body listing the producer `groups` (the internal
/// `CLIENT_INNER_PRODUCER` group is added when there is any, as Java does)
/// and the `consumers`.
pub fn heartbeat_body(client_id: &str, groups: &[String], consumers: &[ConsumerData]) -> Vec<u8> {
    let mut producers: Vec<ProducerData> = groups
        .iter()
        .map(|g| ProducerData { group_name: g })
        .collect();
    if !producers.is_empty() || consumers.is_empty() {
        producers.push(ProducerData {
            group_name: super::CLIENT_INNER_PRODUCER_GROUP,
        });
    }
    let body = HeartbeatData {
        client_id,
        consumer_data_set: consumers,
        heartbeat_fingerprint: 0,
        producer_data_set: producers,
        without_sub: false,
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

/// `HeartbeatData` (members in alphabetical order, as Java's fastjson
/// writes them).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct HeartbeatData<'a> {
    #[serde(rename = "clientID")]
    client_id: &'a str,
    consumer_data_set: &'a [ConsumerData],
    heartbeat_fingerprint: i64,
    producer_data_set: Vec<ProducerData<'a>>,
    without_sub: bool,
}

/// `ProducerData`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ProducerData<'a> {
    group_name: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_shape() {
        let b = heartbeat_body("1.2.3.4@1#2", &["g".to_string()], &[]);
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["clientID"], "1.2.3.4@1#2");
        assert_eq!(v["producerDataSet"][0]["groupName"], "g");
        assert_eq!(
            v["producerDataSet"][1]["groupName"],
            "CLIENT_INNER_PRODUCER"
        );
        assert_eq!(v["heartbeatFingerprint"], 0);
        assert_eq!(v["consumerDataSet"], serde_json::json!([]));
    }

    #[test]
    fn consumer_entry_has_every_field_java_writes() {
        let c = ConsumerData {
            consume_from_where: "CONSUME_FROM_LAST_OFFSET",
            consume_type: "CONSUME_PASSIVELY",
            group_name: "G".into(),
            message_model: "CLUSTERING",
            subscription_data_set: vec![SubscriptionData {
                class_filter_mode: false,
                code_set: vec![2598919],
                expression_type: "TAG",
                sub_string: "TagA".into(),
                sub_version: 1700000000000,
                tags_set: vec!["TagA".into()],
                topic: "T".into(),
            }],
            unit_mode: false,
        };
        let b = heartbeat_body("c", &[], &[c]);
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(
            v["consumerDataSet"][0].to_string(),
            r#"{"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","groupName":"G","messageModel":"CLUSTERING","subscriptionDataSet":[{"classFilterMode":false,"codeSet":[2598919],"expressionType":"TAG","subString":"TagA","subVersion":1700000000000,"tagsSet":["TagA"],"topic":"T"}],"unitMode":false}"#
        );
        // A consumer-only client lists no producer group.
        assert_eq!(v["producerDataSet"], serde_json::json!([]));
    }
}
