//! Offset commits (Java `RemoteBrokerOffsetStore.persistAll` /
//! `updateConsumeOffsetToBroker`, the lite consumer's `commitSync`):
//! oneway UPDATE_CONSUMER_OFFSET for auto-commit, queue removal and
//! shutdown; answered ones for a sync commit, which waits for all.

use crossbeam_channel::Sender;

use super::config::MessageModel;
use super::role::{CommitWaiter, ConsumerRole, Request, OFFSET_TIMEOUT_MS};
use crate::client::Engine;
use crate::error::{Error, Result};
use crate::protocol::request_code;
use crate::routing::MessageQueue;

impl ConsumerRole {
    pub(super) fn commit_fields<'a>(
        group: &'a str,
        mq: &'a MessageQueue,
        queue_id: &'a str,
        offset: &'a str,
    ) -> [(&'a str, &'a str); 4] {
        [
            ("consumerGroup", group),
            ("topic", &mq.topic),
            ("queueId", queue_id),
            ("commitOffset", offset),
        ]
    }

    /// UPDATE_CONSUMER_OFFSET oneway (Java `updateConsumeOffsetToBroker(mq,
    /// offset, true)`); the offset counts as committed once written.
    pub(super) fn commit_oneway(&mut self, engine: &mut Engine, mq: &MessageQueue, offset: i64) {
        if self.config.message_model == MessageModel::Broadcasting {
            return;
        }
        let Some(addr) = engine.routes.broker_addr(&mq.broker_name).cloned() else {
            return;
        };
        let (queue_id, off) = (mq.queue_id.to_string(), offset.to_string());
        let fields = Self::commit_fields(&self.config.consumer_group, mq, &queue_id, &off);
        match engine.send_oneway(&addr, request_code::UPDATE_CONSUMER_OFFSET, &fields, None) {
            Ok(()) => {
                if let Some(pq) = self.queues.get_mut(mq) {
                    pq.committed = Some(offset);
                }
            }
            Err(e) => log::warn!(
                "offset commit of {}#{} not sent: {}",
                mq.topic,
                mq.queue_id,
                e
            ),
        }
    }

    /// Commits every owned queue whose polled offset moved, oneway.
    pub(super) fn commit_all_oneway(&mut self, engine: &mut Engine) {
        if self.local.is_some() {
            if let Err(e) = self.save_local() {
                log::warn!("broadcasting offsets not saved: {}", e);
            }
            return;
        }
        let due: Vec<(MessageQueue, i64)> = self
            .queues
            .iter()
            .filter_map(|(mq, pq)| pq.to_commit().map(|o| (mq.clone(), o)))
            .collect();
        for (mq, offset) in due {
            self.commit_oneway(engine, &mq, offset);
        }
    }

    /// A sync commit: UPDATE_CONSUMER_OFFSET with answers for every owned
    /// queue whose polled offset moved; `reply` gets the outcome once all
    /// are answered.
    pub(super) fn commit_sync(&mut self, engine: &mut Engine, reply: Sender<Result<()>>) {
        let due: Vec<(MessageQueue, i64)> = self
            .queues
            .iter()
            .filter_map(|(mq, pq)| pq.to_commit().map(|o| (mq.clone(), o)))
            .collect();
        let waiter = self.next_waiter;
        self.next_waiter += 1;
        self.commits.insert(
            waiter,
            CommitWaiter {
                remaining: 1,
                error: None,
                reply,
            },
        );
        if self.local.is_some() {
            let saved = self.save_local();
            if let (Err(e), Some(w)) = (saved, self.commits.get_mut(&waiter)) {
                w.error.get_or_insert(e);
            }
        } else if self.config.message_model == MessageModel::Clustering {
            for (mq, offset) in due {
                let (queue_id, off) = (mq.queue_id.to_string(), offset.to_string());
                let config = self.config.clone();
                let fields = Self::commit_fields(&config.consumer_group, &mq, &queue_id, &off);
                if let Some(w) = self.commits.get_mut(&waiter) {
                    w.remaining += 1;
                }
                let kind = Request::Commit {
                    waiter,
                    mq: mq.clone(),
                    offset,
                };
                let code = request_code::UPDATE_CONSUMER_OFFSET;
                self.send(engine, &mq, code, &fields[..], OFFSET_TIMEOUT_MS, kind);
            }
        }
        self.commit_done(waiter, None);
    }

    pub(super) fn commit_done(&mut self, waiter: u64, error: Option<Error>) {
        let Some(w) = self.commits.get_mut(&waiter) else {
            return;
        };
        if let Some(e) = error {
            w.error.get_or_insert(e);
        }
        w.remaining -= 1;
        if w.remaining == 0 {
            if let Some(w) = self.commits.remove(&waiter) {
                let _ = w.reply.send(match w.error {
                    None => Ok(()),
                    Some(e) => Err(e.context("commit")),
                });
            }
        }
    }

    /// A broadcasting consumer's offsets into its file (owned queues'
    /// polled or consumed offsets over what the file held).
    pub(super) fn save_local(&mut self) -> Result<()> {
        let Some(local) = &mut self.local else {
            return Ok(());
        };
        for (mq, pq) in &mut self.queues {
            if let Some(o) = pq.consumed {
                local.offsets.insert(mq.clone(), o);
                pq.committed = Some(o);
            }
        }
        super::local_offsets::save(&local.path, &local.offsets)
    }
}
