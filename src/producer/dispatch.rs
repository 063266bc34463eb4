//! The send state machine on the I/O thread (Java
//! `DefaultMQProducerImpl.sendDefaultImpl` + `MQClientAPIImpl.sendMessage`):
//! a send waits for its topic's route, gets a queue (round robin, away from
//! the broker that just failed and from those the fault table avoids), is
//! encoded onto the broker's connection, and ends in its outcome — stored,
//! the broker's error, or a retry on another broker while attempts and
//! time are left.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use mio::Token;

use super::role::{PendingSend, ProducerRole, TopicState};
use super::send::{send_response_to_receipt, stored_status, SendJob};
use crate::client::requests::Pending;
use crate::client::Engine;
use crate::codec::{RemotingCommand, FLAG_ONEWAY};
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::header::SendMessageRequestHeader;
use crate::protocol::request_code;
use crate::result::SendStatus;

impl ProducerRole {
    /// Sends one attempt of `job`, or parks it until its topic's route is known.
    pub(super) fn dispatch(&mut self, engine: &mut Engine, job: SendJob) {
        let now = engine.now;
        if now >= job.deadline {
            let e = job.timeout_error(self.config.send_msg_timeout_ms);
            job.finish(Err(e));
            return;
        }
        let Some(state) = self.topics.get_mut(job.msg.topic()) else {
            self.topics
                .insert(job.msg.topic().to_string(), TopicState::default());
            return self.dispatch(engine, job);
        };
        let Some(info) = state.info.as_deref() else {
            let topic = job.msg.topic().to_string();
            state.waiting.push(job);
            self.waiting_total += 1;
            engine.lookup_route(&topic, Some(&self.config.create_topic_key));
            return;
        };
        let fault = &engine.fault;
        let fault_on = self.config.send_latency_fault_enable && !fault.is_empty();
        // Without avoided brokers (the common case), no lookups.
        let all_available = !fault_on || fault.all_available(now);
        let available = |b: &str| all_available || fault.is_available(b, now);
        let fallback = if fault_on
            && !info
                .brokers
                .iter()
                .any(|b| available(b) && Some(b) != job.last_broker())
        {
            fault.least_bad(info.brokers.iter().map(|b| &**b), now)
        } else {
            None
        };
        // Borrowed from the route until the connection is known: a send
        // keeps only its broker's name (one reference count).
        let chosen = match job.target.as_deref() {
            Some(target) => Some(target),
            None => info.select_queue(
                &mut state.index,
                job.last_broker().map(|b| &**b),
                available,
                fallback,
            ),
        };
        let Some(queue) = chosen else {
            let e = Error::new(
                ErrorKind::NoRoute,
                format!("topic {} has no writable queue", job.msg.topic()),
            );
            job.finish(Err(e));
            return;
        };
        let (broker, queue_id) = (queue.broker_name.clone(), queue.queue_id);
        let addr = info
            .broker_addrs
            .get(&broker)
            .or_else(|| engine.routes.broker_addr(&broker));
        let Some(addr) = addr else {
            let e = Error::new(
                ErrorKind::NoRoute,
                format!("broker {} has no master address", broker),
            );
            self.retry_or_finish(engine, job, broker, e);
            return;
        };
        let vip;
        let addr: &str = if engine.config.vip_channel_enabled {
            vip = vip_channel_addr(addr);
            &vip
        } else {
            addr
        };
        // `addr` borrows the route tables: copied only to open a connection.
        let token = match engine.conns.token_of(addr) {
            Some(token) => Ok(token),
            None => {
                let addr = addr.to_string();
                engine.connection(&addr, true)
            }
        };
        let token = match token {
            Ok(token) => token,
            Err(e) => {
                if self.config.send_latency_fault_enable {
                    engine.fault.update(&broker, 0, true, now);
                }
                self.retry_or_finish(engine, job, broker, e);
                return;
            }
        };
        let opaque = engine.next_opaque();
        let header = SendMessageRequestHeader {
            constants: &self.send_header_constants,
            topic: job.msg.topic(),
            queue_id,
            sys_flag: job.msg.sys_flag,
            born_timestamp: engine.now_ms,
            flag: job.msg.flag,
            properties: job.msg.properties(),
            batch: job.msg.batch,
            broker_name: &broker,
        };
        let oneway = job.completion.is_oneway();
        let code = if job.msg.batch {
            request_code::SEND_BATCH_MESSAGE
        } else if job.msg.reply {
            request_code::SEND_REPLY_MESSAGE_V2
        } else {
            request_code::SEND_MESSAGE_V2
        };
        let flag = if oneway { FLAG_ONEWAY } else { 0 };
        engine.write_request(token, code, opaque, flag, None, &job.msg.body, &header);
        if oneway {
            // Done (and its back-pressure permit freed) once its bytes have
            // been handed to the socket, so unsent oneways stay bounded.
            if let Some(conn) = engine.conns.get(token) {
                let end = conn.queued_total();
                self.oneway_unsent
                    .entry(token)
                    .or_default()
                    .push_back((end, job));
            }
            return;
        }
        if job.completion.is_sync() {
            engine.busy.sync_sent(now);
        }
        let deadline = job.deadline;
        self.sends.insert(
            opaque,
            Pending {
                token,
                deadline,
                kind: PendingSend {
                    job,
                    broker,
                    sent_at: now,
                },
            },
        );
    }

    /// Maps the outcome of a send that went to `broker` over connection
    /// `token` (whose address error messages name).
    pub(super) fn on_send_outcome(
        &mut self,
        engine: &mut Engine,
        token: Token,
        send: PendingSend,
        outcome: Result<&RemotingCommand>,
    ) {
        let PendingSend {
            mut job,
            broker,
            sent_at,
        } = send;
        let addr = |engine: &Engine| {
            engine
                .conns
                .addr(token)
                .map_or_else(|| broker.to_string(), str::to_string)
        };
        let now = engine.now;
        let elapsed = now.saturating_duration_since(sent_at);
        if self.config.send_latency_fault_enable {
            let latency = elapsed.as_millis() as u64;
            engine.fault.update(&broker, latency, outcome.is_err(), now);
        }
        let stored = outcome
            .as_ref()
            .is_ok_and(|r| stored_status(r.code).is_some());
        self.stats.record(&broker, stored, elapsed);
        if job.completion.is_sync() {
            engine.busy.sync_done(elapsed, now);
            engine
                .wakeup
                .sync_answers_fast
                .store(engine.busy.fast(), Ordering::Relaxed);
        }
        let resp = match outcome {
            Ok(resp) => resp,
            Err(e) if e.kind() == ErrorKind::Timeout => {
                let e = job.timeout_error(self.config.send_msg_timeout_ms);
                job.finish(Err(e));
                return;
            }
            Err(e) => {
                self.retry_or_finish(engine, job, broker, e);
                return;
            }
        };
        // Not stored: the broker's error, retried on the codes Java
        // retries (`retryResponseCodes`).
        let Some(status) = stored_status(resp.code) else {
            let e = crate::protocol::broker_error(resp.code, resp.remark_str(), &addr(engine));
            if crate::protocol::is_retriable_response(resp.code) {
                self.retry_or_finish(engine, job, broker, e);
            } else {
                job.finish(Err(e));
            }
            return;
        };
        if status != SendStatus::SendOk
            && self.config.retry_another_broker_when_not_store_ok
            && job.retries_left > 0
        {
            let e = Error::new(
                ErrorKind::Broker,
                format!("{} stored with status {}", addr(engine), status.name()),
            );
            self.retry_or_finish(engine, job, broker, e);
            return;
        }
        let ns = self.config.client.namespace.as_deref();
        // A chosen queue is reported as chosen; else the route's queue,
        // whose topic is the message's.
        let topic = job.target.as_deref().map(|q| &*q.topic);
        match send_response_to_receipt(resp, status, &mut job.msg, topic, &broker, ns) {
            Ok(receipt) => job.finish(Ok(receipt)),
            // A stored response without a valid msgId, queueId or
            // queueOffset: retried as Java retries a header it cannot
            // decode (a `RemotingCommandException`).
            Err(e) => self.retry_or_finish(engine, job, broker, e),
        }
    }

    /// Sends the next attempt on another broker if attempts and time are
    /// left, else completes with `error`.
    fn retry_or_finish(
        &mut self,
        engine: &mut Engine,
        mut job: SendJob,
        broker: Arc<str>,
        error: Error,
    ) {
        if job.retries_left == 0 || engine.draining_over() {
            job.finish(Err(error));
            return;
        }
        if Instant::now() >= job.deadline {
            job.last_attempt = Some(Box::new((broker, error)));
            let e = job.timeout_error(self.config.send_msg_timeout_ms);
            job.finish(Err(e));
            return;
        }
        job.retries_left -= 1;
        self.stats.retries += 1;
        job.last_attempt = Some(Box::new((broker, error)));
        self.dispatch(engine, job);
    }
}

/// The broker's fast ("VIP") listener: same host, port − 2 (Java
/// `MixAll.brokerVIPChannel`). Unchanged if the address has no port.
fn vip_channel_addr(addr: &str) -> String {
    match addr.rsplit_once(':') {
        Some((host, port)) => match port.parse::<u16>() {
            Ok(p) if p >= 2 => format!("{}:{}", host, p - 2),
            _ => addr.to_string(),
        },
        None => addr.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn vip_channel_is_port_minus_two() {
        assert_eq!(
            super::vip_channel_addr("127.0.0.1:10911"),
            "127.0.0.1:10909"
        );
        assert_eq!(super::vip_channel_addr("[::1]:10911"), "[::1]:10909");
        assert_eq!(super::vip_channel_addr("host"), "host");
    }
}
