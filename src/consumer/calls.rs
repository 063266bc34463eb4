//! One-shot broker calls of API threads (Java `DefaultMQPullConsumer.pull`,
//! `MQAdminImpl.maxOffset/minOffset/searchOffset`, `RemoteBrokerOffsetStore`
//! queries and updates), parked until their topic's route names the
//! broker; and what a route's arrival or failure means for them.

use crossbeam_channel::Sender;

use super::command::{Answer, Call};
use super::pull::{self, sys_flag, PullRequest};
use super::role::{ConsumerRole, Parked, Request, OFFSET_TIMEOUT_MS};
use crate::client::Engine;
use crate::codec::{RemotingCommand, WriteFields};
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::pull::offset_of;
use crate::protocol::{request_code, response_code};
use crate::routing::MessageQueue;

impl ConsumerRole {
    pub(super) fn read_call(
        &self,
        mq: &MessageQueue,
        call: &Call,
        r: &RemotingCommand,
    ) -> Result<Answer> {
        let addr: &str = &mq.broker_name;
        match call {
            Call::Pull { subscription, .. } => {
                let ns = self.config.client.namespace.as_deref();
                match pull::read_response(r, mq, subscription, ns)? {
                    Some(result) => Ok(Answer::Pull(result)),
                    None => Err(crate::protocol::broker_error(r.code, r.remark_str(), addr)),
                }
            }
            Call::Committed if r.code == response_code::QUERY_NOT_FOUND => Ok(Answer::Offset(-1)),
            Call::UpdateOffset(_) if r.code == response_code::SUCCESS => Ok(Answer::Done),
            _ if r.code == response_code::SUCCESS => {
                offset_of(r).map(Answer::Offset).ok_or_else(|| {
                    Error::new(ErrorKind::Internal, "offset response without an offset")
                })
            }
            _ => Err(crate::protocol::broker_error(r.code, r.remark_str(), addr)),
        }
    }

    /// Sends a one-shot call for an API thread (parked until `mq`'s route
    /// is known).
    pub(super) fn call(
        &mut self,
        engine: &mut Engine,
        mq: MessageQueue,
        call: Call,
        reply: Sender<Result<Answer>>,
    ) {
        if engine.routes.broker_addr(&mq.broker_name).is_none() {
            let topic = mq.topic.to_string();
            self.parked
                .push((topic.clone(), Parked::Call { mq, call, reply }));
            engine.lookup_route(&topic, None);
            return;
        }
        let queue_id = mq.queue_id.to_string();
        let group = self.config.consumer_group.clone();
        let cfg = &self.config;
        let (code, fields, timeout): (i32, Vec<(String, String)>, u64) = match &call {
            Call::Pull {
                subscription,
                offset,
                max_nums,
                block,
            } => {
                let mut flag = sys_flag::SUBSCRIPTION;
                let mut timeout = cfg.consumer_pull_timeout_ms;
                if *block {
                    flag |= sys_flag::SUSPEND;
                    timeout = cfg.consumer_timeout_when_suspend_ms;
                }
                let mut fields = Vec::new();
                PullRequest {
                    group: &group,
                    mq: &mq,
                    subscription,
                    offset: *offset,
                    max_nums: *max_nums,
                    sys_flag: flag,
                    suspend_ms: cfg.broker_suspend_max_time_ms,
                    commit_offset: 0,
                }
                .write_fields(&mut fields);
                (request_code::PULL_MESSAGE, fields, timeout)
            }
            Call::Committed => (
                request_code::QUERY_CONSUMER_OFFSET,
                pairs([
                    ("consumerGroup", group),
                    ("topic", mq.topic.to_string()),
                    ("queueId", queue_id),
                ]),
                OFFSET_TIMEOUT_MS,
            ),
            Call::UpdateOffset(offset) => (
                request_code::UPDATE_CONSUMER_OFFSET,
                pairs([
                    ("consumerGroup", group),
                    ("topic", mq.topic.to_string()),
                    ("queueId", queue_id),
                    ("commitOffset", offset.to_string()),
                ]),
                OFFSET_TIMEOUT_MS,
            ),
            Call::MaxOffset | Call::MinOffset => (
                if matches!(call, Call::MaxOffset) {
                    request_code::GET_MAX_OFFSET
                } else {
                    request_code::GET_MIN_OFFSET
                },
                pairs([("topic", mq.topic.to_string()), ("queueId", queue_id)]),
                OFFSET_TIMEOUT_MS,
            ),
            Call::SearchOffset(ts) => (
                request_code::SEARCH_OFFSET_BY_TIMESTAMP,
                pairs([
                    ("topic", mq.topic.to_string()),
                    ("queueId", queue_id),
                    ("timestamp", ts.to_string()),
                    ("boundaryType", "LOWER".to_string()),
                ]),
                OFFSET_TIMEOUT_MS,
            ),
        };
        let kind = Request::Call {
            mq: mq.clone(),
            call: call.clone(),
            reply,
        };
        self.send(engine, &mq, code, &fields[..], timeout, kind);
    }

    /// A topic's route arrived: its readable queues, the calls waiting for
    /// it, and a rebalance if its queues changed.
    pub(super) fn route_found(
        &mut self,
        engine: &mut Engine,
        topic: &str,
        queues: Vec<MessageQueue>,
    ) {
        let changed = self.topic_queues.get(topic) != Some(&queues);
        self.topic_queues.insert(topic.to_string(), queues.clone());
        let parked: Vec<Parked> = {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.parked)
                .into_iter()
                .partition(|(t, _)| t == topic);
            self.parked = rest;
            mine.into_iter().map(|(_, p)| p).collect()
        };
        for p in parked {
            match p {
                Parked::Queues { reply } => {
                    let _ = reply.send(Ok(queues.clone()));
                }
                Parked::Call { mq, call, reply } => {
                    if engine.routes.broker_addr(&mq.broker_name).is_none() {
                        let _ = reply.send(Err(Error::new(
                            ErrorKind::NoRoute,
                            format!("broker {} is not in the route of {}", mq.broker_name, topic),
                        )));
                    } else {
                        self.call(engine, mq, call, reply);
                    }
                }
            }
        }
        if changed && self.subscriptions.contains_key(topic) {
            self.rebalance_topic(engine, topic);
        }
    }

    pub(super) fn route_failed(&mut self, topic: &str, error: &Error) {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.parked)
            .into_iter()
            .partition(|(t, _)| t == topic);
        self.parked = rest;
        for (_, p) in mine {
            match p {
                Parked::Queues { reply } => {
                    let _ = reply.send(Err(error.clone()));
                }
                Parked::Call { reply, .. } => {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}

/// Header pairs with owned values (one-shot calls are not on a hot path).
fn pairs<const N: usize>(fields: [(&str, String); N]) -> Vec<(String, String)> {
    fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}
