//! The library's log: silent unless the application installs a sink or sets
//! `ROCKETMQ_LOG` (error, warn, info, debug) to print to stderr. No files, no
//! spam: the library logs only failures and state changes, never per message.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::RwLock;

use once_cell::sync::Lazy;

/// Severity, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    /// Something failed that the application may not see otherwise.
    Error = 1,
    /// Something unusual that the library handled.
    Warn = 2,
    /// State changes (connections, routes, shutdown).
    Info = 3,
    /// Details for debugging.
    Debug = 4,
}

impl Level {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }
}

/// A log sink: gets the level and the message.
pub type Sink = Box<dyn Fn(Level, &str) + Send + Sync>;

static MAX_LEVEL: Lazy<AtomicU8> = Lazy::new(|| {
    let level = match std::env::var("ROCKETMQ_LOG").as_deref() {
        Ok("error") => Level::Error as u8,
        Ok("warn") => Level::Warn as u8,
        Ok("info") => Level::Info as u8,
        Ok("debug") => Level::Debug as u8,
        _ => 0,
    };
    AtomicU8::new(level)
});
static SINK: RwLock<Option<Sink>> = RwLock::new(None);

/// Installs `sink` for messages up to `max` (None removes the sink and
/// silences the log). The sink may be called from any library thread.
pub fn set_sink(sink: Option<Sink>, max: Level) {
    let has = sink.is_some();
    *SINK.write().unwrap_or_else(|e| e.into_inner()) = sink;
    MAX_LEVEL.store(if has { max as u8 } else { 0 }, Ordering::SeqCst);
}

/// Sets the most verbose level logged (None silences the log) without
/// changing the sink: with no sink installed, messages go to stderr.
pub fn set_max_level(max: Option<Level>) {
    MAX_LEVEL.store(max.map(|l| l as u8).unwrap_or(0), Ordering::SeqCst);
}

/// Whether messages at `level` go anywhere.
pub fn enabled(level: Level) -> bool {
    level as u8 <= MAX_LEVEL.load(Ordering::Relaxed)
}

/// Logs `msg` at `level`.
pub fn log(level: Level, msg: &str) {
    if !enabled(level) {
        return;
    }
    let sink = SINK.read().unwrap_or_else(|e| e.into_inner());
    match &*sink {
        Some(sink) => {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink(level, msg)));
        }
        None => eprintln!("rocketmq {}: {}", level.name(), msg),
    }
}

/// Logs at [`Level::Warn`].
pub fn warn(msg: &str) {
    log(Level::Warn, msg)
}

/// Logs at [`Level::Info`].
pub fn info(msg: &str) {
    log(Level::Info, msg)
}
