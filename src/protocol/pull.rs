//! PULL_MESSAGE's vocabulary (Java `PullSysFlag`,
//! `PullMessageResponseHeader`, `PullStatus`): the request's sysFlag bits,
//! the response header's offsets, and what a response code means.

use crate::codec::RemotingCommand;

/// `PullSysFlag` bits of a pull request.
pub mod sys_flag {
    /// FLAG_COMMIT_OFFSET: store the request's `commitOffset`.
    pub const COMMIT_OFFSET: i32 = 0x1;
    /// FLAG_SUSPEND: the broker may hold the request (long polling).
    pub const SUSPEND: i32 = 0x2;
    /// FLAG_SUBSCRIPTION: the request carries its subscription.
    pub const SUBSCRIPTION: i32 = 0x4;
}

/// What a pull found (Java `PullStatus`; the legacy C API's `CPullStatus`
/// numbers the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullStatus {
    /// `FOUND` (SUCCESS): messages.
    Found,
    /// `NO_NEW_MSG` (PULL_NOT_FOUND): nothing at the offset yet.
    NoNewMsg,
    /// `NO_MATCHED_MSG` (PULL_RETRY_IMMEDIATELY): the scanned messages did
    /// not match the subscription.
    NoMatchedMsg,
    /// `OFFSET_ILLEGAL` (PULL_OFFSET_MOVED): the offset is out of range;
    /// `nextBeginOffset` is where to go on.
    OffsetIllegal,
}

impl PullStatus {
    /// The status of response `code`; None for an error code.
    pub fn of_code(code: i32) -> Option<PullStatus> {
        use super::response_code::*;
        match code {
            SUCCESS => Some(PullStatus::Found),
            PULL_NOT_FOUND => Some(PullStatus::NoNewMsg),
            PULL_RETRY_IMMEDIATELY => Some(PullStatus::NoMatchedMsg),
            PULL_OFFSET_MOVED => Some(PullStatus::OffsetIllegal),
            _ => None,
        }
    }

    /// Java's name.
    pub fn name(self) -> &'static str {
        match self {
            PullStatus::Found => "FOUND",
            PullStatus::NoNewMsg => "NO_NEW_MSG",
            PullStatus::NoMatchedMsg => "NO_MATCHED_MSG",
            PullStatus::OffsetIllegal => "OFFSET_ILLEGAL",
        }
    }
}

/// The offsets of a pull response (`PullMessageResponseHeader`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PullOffsets {
    /// `nextBeginOffset`: where the next pull starts.
    pub next_begin_offset: i64,
    /// `minOffset`: the queue's smallest offset.
    pub min_offset: i64,
    /// `maxOffset`: the queue's next offset to be written.
    pub max_offset: i64,
    /// `suggestWhichBrokerId`: 0 for the master.
    pub suggest_which_broker_id: i64,
}

impl PullOffsets {
    /// Reads the header of `resp`; absent or malformed fields are 0.
    pub fn of(resp: &RemotingCommand) -> PullOffsets {
        let n = |k: &str| resp.ext(k).and_then(|v| v.parse().ok()).unwrap_or(0);
        PullOffsets {
            next_begin_offset: n("nextBeginOffset"),
            min_offset: n("minOffset"),
            max_offset: n("maxOffset"),
            suggest_which_broker_id: n("suggestWhichBrokerId"),
        }
    }
}

/// The `offset` field of an offset response (QUERY_CONSUMER_OFFSET,
/// GET_MAX_OFFSET, GET_MIN_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP); None when
/// absent or malformed.
pub fn offset_of(resp: &RemotingCommand) -> Option<i64> {
    resp.ext("offset").and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_response_codes() {
        assert_eq!(PullStatus::of_code(0), Some(PullStatus::Found));
        assert_eq!(PullStatus::of_code(19), Some(PullStatus::NoNewMsg));
        assert_eq!(PullStatus::of_code(20), Some(PullStatus::NoMatchedMsg));
        assert_eq!(PullStatus::of_code(21), Some(PullStatus::OffsetIllegal));
        assert_eq!(PullStatus::of_code(1), None);
    }
}
