//! The push consumer's message trace records (Java
//! `ConsumeMessageTraceHookImpl`): a `SubBefore` per message when a
//! listener call begins and a `SubAfter` per message when it returns,
//! sharing one request id, queued on the consumer's trace dispatcher
//! without blocking the consume thread.

use std::time::Instant;

use crate::producer::trace::{SubRecord, TraceDispatcher, TraceRecord};
use crate::protocol::message_ext::MessageExt;
use crate::protocol::message_id::{now_ms, UniqIdGenerator};

/// Java `ConsumeReturnType` ordinals, as `SubAfter` carries them.
pub(super) const RETURN_SUCCESS: i32 = 0;
/// `ConsumeReturnType.EXCEPTION`: the listener panicked.
pub(super) const RETURN_EXCEPTION: i32 = 2;
/// `ConsumeReturnType.FAILED`: the listener asked to consume later.
pub(super) const RETURN_FAILED: i32 = 4;

/// A listener call under way: its `SubBefore` records, kept for the
/// `SubAfter` ones.
pub(super) struct Call {
    records: Vec<SubRecord>,
    started: Instant,
}

/// Records `SubBefore` for every message of a listener call beginning now.
pub(super) fn before(trace: &TraceDispatcher, msgs: &[MessageExt]) -> Call {
    let request_id = UniqIdGenerator::global().next_id();
    let timestamp_ms = now_ms();
    let records: Vec<SubRecord> = msgs
        .iter()
        .map(|m| SubRecord {
            timestamp_ms,
            region_id: m
                .property("MSG_REGION")
                .unwrap_or("DefaultRegion")
                .to_string(),
            group: trace.group.clone(),
            request_id: request_id.clone(),
            msg_id: m.msg_id().to_string(),
            retry_times: m.reconsume_times,
            keys: m.property("KEYS").unwrap_or("").to_string(),
            cost_ms: 0,
            success: false,
            context_code: 0,
        })
        .collect();
    for r in &records {
        trace.record(TraceRecord::SubBefore(r.clone()));
    }
    Call {
        records,
        started: Instant::now(),
    }
}

/// Records `SubAfter` for every message of `call`: the call's time split
/// over its messages (as Java), whether it succeeded, and its Java
/// `ConsumeReturnType` ordinal `context_code`.
pub(super) fn after(trace: &TraceDispatcher, call: Call, success: bool, context_code: i32) {
    let n = call.records.len().max(1) as u64;
    let cost_ms = call.started.elapsed().as_millis() as u64 / n;
    for mut r in call.records {
        r.cost_ms = cost_ms;
        r.success = success;
        r.context_code = context_code;
        trace.record(TraceRecord::SubAfter(r));
    }
}
