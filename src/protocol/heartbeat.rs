//! HEART_BEAT body (`HeartbeatData`, `shared/docs/protocol.md` §8.1) for a
//! producer-only client.

/// The HeartbeatData JSON body listing `groups` (the internal
/// `CLIENT_INNER_PRODUCER` group is added, as Java does).
pub fn heartbeat_body(client_id: &str, groups: &[String]) -> Vec<u8> {
    let mut producers: Vec<serde_json::Value> = groups
        .iter()
        .map(|g| serde_json::json!({ "groupName": g }))
        .collect();
    producers.push(serde_json::json!({ "groupName": super::CLIENT_INNER_PRODUCER_GROUP }));
    let body = serde_json::json!({
        "clientID": client_id,
        "consumerDataSet": [],
        "heartbeatFingerprint": 0,
        "producerDataSet": producers,
        "withoutSub": false,
    });
    serde_json::to_vec(&body).unwrap_or_default()
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
