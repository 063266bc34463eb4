//! The engine's periodic work (Java `MQClientInstance.startScheduledTask`):
//! a heartbeat to every broker each `heartbeatBrokerInterval` ms and a
//! refresh of every route each `pollNameServerInterval` ms. The loop stops
//! asking once a shutdown begins.

use std::time::{Duration, Instant};

use super::config::ClientConfig;

/// When the periodic work is due next.
pub(crate) struct Timers {
    heartbeat_every: Duration,
    refresh_every: Duration,
    next_heartbeat: Instant,
    next_refresh: Instant,
}

/// What is due now.
pub(crate) struct Due {
    /// Heartbeats to every broker.
    pub heartbeat: bool,
    /// A refresh of every route.
    pub refresh: bool,
}

impl Timers {
    /// Both timers started at `now`.
    pub(super) fn new(config: &ClientConfig, now: Instant) -> Timers {
        let heartbeat_every = Duration::from_millis(config.heartbeat_broker_interval_ms);
        let refresh_every = Duration::from_millis(config.poll_name_server_interval_ms);
        Timers {
            heartbeat_every,
            refresh_every,
            next_heartbeat: now + heartbeat_every,
            next_refresh: now + refresh_every,
        }
    }

    /// The earlier of the two.
    pub(super) fn next(&self) -> Instant {
        self.next_heartbeat.min(self.next_refresh)
    }

    /// What is due at `now`; each due timer is set to its next period.
    pub(super) fn due(&mut self, now: Instant) -> Due {
        let heartbeat = now >= self.next_heartbeat;
        if heartbeat {
            self.next_heartbeat = now + self.heartbeat_every;
        }
        let refresh = now >= self.next_refresh;
        if refresh {
            self.next_refresh = now + self.refresh_every;
        }
        Due { heartbeat, refresh }
    }
}
