//! HEART_BEAT body (`HeartbeatData`) for a
//! producer-only client.

/// The HeartbeatData JSON body listing `groups` (the internal
/// `CLIENT_INNER_PRODUCER` group is added, as Java does).
pub fn heartbeat_body(client_id: &str, groups: &[String]) -> Vec<u8> {
    let mut producers: Vec<ProducerData> = groups
        .iter()
        .map(|g| ProducerData { group_name: g })
        .collect();
    producers.push(ProducerData {
        group_name: super::CLIENT_INNER_PRODUCER_GROUP,
    });
    let body = HeartbeatData {
        client_id,
        consumer_data_set: [],
        heartbeat_fingerprint: 0,
        producer_data_set: producers,
        without_sub: false,
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

/// `HeartbeatData` of a producer-only client (members in alphabetical
/// order, as Java's fastjson writes them).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct HeartbeatData<'a> {
    #[serde(rename = "clientID")]
    client_id: &'a str,
    consumer_data_set: [(); 0],
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
    #[test]
    fn body_shape() {
        let b = super::heartbeat_body("1.2.3.4@1#2", &["g".to_string()]);
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["clientID"], "1.2.3.4@1#2");
        assert_eq!(v["producerDataSet"][0]["groupName"], "g");
        assert_eq!(
            v["producerDataSet"][1]["groupName"],
            "CLIENT_INNER_PRODUCER"
        );
        assert_eq!(v["heartbeatFingerprint"], 0);
    }
}
