//! Broker → client requests a consumer answers (Java
//! `ClientRemotingProcessor`): NOTIFY_CONSUMER_IDS_CHANGED (a rebalance
//! now), GET_CONSUMER_RUNNING_INFO (what this consumer is and subscribes),
//! GET_CONSUMER_STATUS_FROM_CLIENT (empty tables), RESET_CONSUMER_CLIENT_OFFSET
//! (owned queues move to the given offsets, as a seek) and
//! CONSUME_MESSAGE_DIRECTLY (a push consumer's listener runs once on the
//! message, on a consume thread, which answers).

use mio::Token;

use super::handover::Direct;
use super::role::ConsumerRole;
use crate::client::Engine;
use crate::codec::RemotingCommand;
use crate::protocol::{request_code, response_code};
use crate::routing::MessageQueue;

impl ConsumerRole {
    /// A broker → client request with one of the codes the role serves.
    pub(super) fn on_broker_request(
        &mut self,
        engine: &mut Engine,
        token: Token,
        frame: RemotingCommand,
    ) {
        let group = self.config.consumer_group.clone();
        let mine = |k: &str| frame.ext(k).is_none_or(|g| g == group);
        let not_here = || {
            format!(
                "The Consumer Group <{}> not exist in this consumer",
                frame.ext("consumerGroup").unwrap_or("")
            )
        };
        match frame.code {
            request_code::NOTIFY_CONSUMER_IDS_CHANGED => {
                // Oneway: a member joined or left; rebalance now (coalesced
                // with other notices of this turn).
                if frame.ext("consumerGroup") == Some(group.as_str()) {
                    self.rebalance.soon(engine.now);
                }
            }
            request_code::GET_CONSUMER_RUNNING_INFO => {
                if !mine("consumerGroup") {
                    let code = response_code::SYSTEM_ERROR;
                    return engine.respond(token, code, frame.opaque, Some(&not_here()));
                }
                let body = self.running_info(engine);
                let code = response_code::SUCCESS;
                engine.respond_with_body(token, code, frame.opaque, None, &body);
            }
            request_code::GET_CONSUMER_STATUS_FROM_CLIENT => {
                let body = br#"{"consumerTable":{},"messageQueueTable":{}}"#;
                let code = response_code::SUCCESS;
                engine.respond_with_body(token, code, frame.opaque, None, body);
            }
            request_code::RESET_CONSUMER_CLIENT_OFFSET => {
                if mine("group") {
                    let table = reset_offsets(&frame.body);
                    self.reset_offsets(engine, table);
                }
            }
            _ => {
                // CONSUME_MESSAGE_DIRECTLY (Java `MQClientInstance.
                // consumeMessageDirectly`: push consumers only).
                if frame.is_oneway() {
                    return;
                }
                let remark = if !self.push || !mine("consumerGroup") {
                    not_here()
                } else {
                    match self.direct(token, &frame) {
                        Ok(()) => return, // a consume thread answers
                        Err(e) => e,
                    }
                };
                let code = response_code::SYSTEM_ERROR;
                engine.respond(token, code, frame.opaque, Some(&remark));
            }
        }
    }

    /// Decodes a CONSUME_MESSAGE_DIRECTLY body (one stored record) and
    /// hands it to the consume threads; the error is the answer's remark.
    fn direct(&self, token: Token, frame: &RemotingCommand) -> Result<(), String> {
        let mut message = crate::protocol::message_ext::decode_one(frame.body.clone())
            .map_err(|e| format!("cannot decode the message: {}", e))?;
        if let Some(b) = frame.ext("brokerName").filter(|b| !b.is_empty()) {
            message.broker_name = b.into();
        }
        let ns = self.config.client.namespace.as_deref();
        if ns.is_some_and(|n| !n.is_empty()) {
            message.topic = crate::namespace::unwrap(ns, &message.topic).into();
        }
        self.restore_retry_topics(std::slice::from_mut(&mut message));
        let direct = Direct {
            message,
            token,
            opaque: frame.opaque,
        };
        if self.handover.push_direct(direct) {
            Ok(())
        } else {
            Err("the consumer is shutting down".into())
        }
    }

    /// `ConsumerRunningInfo` as Java writes it (properties, subscriptions,
    /// empty queue and status tables).
    fn running_info(&self, engine: &Engine) -> Vec<u8> {
        let (kind, threads) = if self.push {
            ("CONSUME_PASSIVELY", self.config.consume_thread_count)
        } else {
            ("CONSUME_ACTIVELY", 0)
        };
        let body = serde_json::json!({
            "jstack": "",
            "mqTable": {},
            "properties": {
                "PROP_CLIENT_VERSION": "V5_3_3",
                "PROP_CONSUMEORDERLY": "false",
                "PROP_CONSUME_TYPE": kind,
                "PROP_CONSUMER_START_TIMESTAMP": self.rebalance.started_ms.to_string(),
                "PROP_NAMESERVER_ADDR": engine.config.namesrv_addr,
                "PROP_THREADPOOL_CORE_SIZE": threads.to_string(),
            },
            "statusTable": {},
            "subscriptionSet": self
                .subscriptions
                .values()
                .map(|s| s.to_data())
                .collect::<Vec<_>>(),
        });
        serde_json::to_vec(&body).unwrap_or_default()
    }

    /// Moves owned queues to `table`'s offsets (a seek each), and commits
    /// them so that the next owner starts there too.
    fn reset_offsets(&mut self, engine: &mut Engine, table: Vec<(MessageQueue, i64)>) {
        for (mq, offset) in table {
            let Some(pq) = self.queues.get_mut(&mq) else {
                continue;
            };
            log::info!(
                "offset of {}#{} reset to {} by the broker",
                mq.topic,
                mq.queue_id,
                offset
            );
            pq.seek(offset);
            self.handover.purge(&mq);
            self.commit_oneway(engine, &mq, offset);
            self.request_queue(engine, &mq);
        }
    }
}

/// The offset table of a RESET_CONSUMER_CLIENT_OFFSET body: fastjson's
/// object-keyed map (`{"offsetTable":{{"brokerName":..,"queueId":..,"topic":..}:5}}`,
/// not valid JSON) or the list form C++ admins get
/// (`{"offsetTable":[{"brokerName":..,"queueId":..,"topic":..,"offset":5}]}`).
/// Entries that do not parse are skipped.
pub(super) fn reset_offsets(body: &[u8]) -> Vec<(MessageQueue, i64)> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Queue {
        topic: String,
        broker_name: String,
        queue_id: i32,
        #[serde(default)]
        offset: Option<i64>,
    }
    let queue = |q: Queue| MessageQueue {
        topic: q.topic.into(),
        broker_name: q.broker_name.into(),
        queue_id: q.queue_id,
    };
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ListForm {
        offset_table: Vec<Queue>,
    }
    if let Ok(list) = serde_json::from_slice::<ListForm>(body) {
        return list
            .offset_table
            .into_iter()
            .filter_map(|q| q.offset.map(|o| (o, q)))
            .map(|(o, q)| (queue(q), o))
            .collect();
    }
    // Object keys: every `{...}` directly followed by `:<number>`.
    let text = String::from_utf8_lossy(body);
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(close) = text[i..].find("}:").map(|k| k + i) {
        let Some(open) = text[..close].rfind('{') else {
            break;
        };
        let digits: String = text[close + 2..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        if let (Ok(q), Ok(o)) = (
            serde_json::from_slice::<Queue>(&b[open..=close]),
            digits.parse::<i64>(),
        ) {
            out.push((queue(q), o));
        }
        i = close + 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_of_the_reset_table_parse() {
        let obj = br#"{"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:5,{"brokerName":"b","queueId":2,"topic":"T"}:7}}"#;
        let got = reset_offsets(obj);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].0.queue_id, got[0].1), (1, 5));
        assert_eq!((got[1].0.queue_id, got[1].1), (2, 7));
        let list = br#"{"offsetTable":[{"brokerName":"b","queueId":3,"topic":"T","offset":9}]}"#;
        let got = reset_offsets(list);
        assert_eq!(got.len(), 1);
        assert_eq!((&*got[0].0.topic, got[0].0.queue_id, got[0].1), ("T", 3, 9));
        assert!(reset_offsets(b"garbage").is_empty());
    }
}
