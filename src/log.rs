//! The library's log, through the facade of the [`log`](https://docs.rs/log/0.4) crate.
//!
//! The library logs failures and state changes, never anything per message,
//! with the `log` macros (`log::warn!`, `log::info!`, …; their target is the
//! module path, `rocketmq::…`). This module decides where those records go:
//!
//! * Nothing configured (the default): nowhere. The library installs no
//!   logger and leaves the facade's max level at `Off`, so the macros format
//!   nothing.
//! * `ROCKETMQ_LOG=error|warn|info|debug` (read once per process, by
//!   [`init`]): lines up to that level go to stderr as
//!   `rocketmq <level>: <message>`.
//! * [`set_target`] (what the C API's `rmq_set_log_callback` uses): records
//!   up to a level go to a `log::Log` of the application's (for C, one that
//!   calls the C callback); [`set_level`] (the legacy API's `Set*LogLevel`)
//!   changes only the level, and with no target set the lines go to stderr.
//!
//! For the last two the library installs its dispatcher (a `log::Log` that
//! routes to the current target) as the process's logger with
//! `log::set_logger`, and keeps `log::set_max_level` equal to its level, so a
//! disabled level costs one comparison. The dispatcher passes on only the
//! library's own records (target `rocketmq` or `rocketmq::…`): records of
//! dependencies (e.g. mio) go nowhere, as they did before the facade. A
//! target's panics are caught; the target may be called from any library
//! thread, possibly concurrently.
//!
//! # Another logger in the process
//!
//! `log::set_logger` succeeds once per process. A Rust application that links
//! this crate may install its own logger (env_logger, …):
//!
//! * If it does so before the library needs its dispatcher, the library
//!   leaves it in place: the library's records go to the application's logger
//!   at the application's level. `ROCKETMQ_LOG`, [`set_target`] and
//!   [`set_level`] then change nothing process-wide (the library never calls
//!   `log::set_max_level` for a logger it does not own); the first of them
//!   logs a warning through that logger saying so. [`is_installed`] tells
//!   which case holds.
//! * Once the library's dispatcher is installed (only after `ROCKETMQ_LOG`,
//!   [`set_target`] or [`set_level`] asked for output), a later
//!   `log::set_logger` of the application fails. An application with its own
//!   logger installs it first and leaves the library's log settings alone.
//!
//! A C program has no such conflict: the shared library has its own copy of
//! the `log` crate.
//!
//! The functions [`log`](fn@log), [`warn`], [`info`], [`enabled`],
//! [`set_sink`] and [`set_max_level`] are the interface of this module before
//! the facade; they remain as thin forwards until their callers move to the
//! `log` macros and [`set_target`] / [`set_level`].

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Once, OnceLock, PoisonError, RwLock};

use ::log::{LevelFilter, Metadata, Record};

/// Severity, most severe first. The numbers are those of [`log::Level`] and
/// of the C API's log levels (1 error .. 4 debug).
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

    /// The facade's filter that lets this level and the more severe ones
    /// through.
    pub fn filter(self) -> LevelFilter {
        ::log::Level::from(self).to_level_filter()
    }
}

impl From<Level> for ::log::Level {
    fn from(level: Level) -> ::log::Level {
        match level {
            Level::Error => ::log::Level::Error,
            Level::Warn => ::log::Level::Warn,
            Level::Info => ::log::Level::Info,
            Level::Debug => ::log::Level::Debug,
        }
    }
}

impl From<::log::Level> for Level {
    /// The facade's level; `Trace` (which the library never enables)
    /// becomes `Debug`.
    fn from(level: ::log::Level) -> Level {
        match level {
            ::log::Level::Error => Level::Error,
            ::log::Level::Warn => Level::Warn,
            ::log::Level::Info => Level::Info,
            ::log::Level::Debug | ::log::Level::Trace => Level::Debug,
        }
    }
}

/// Where the dispatcher sends the library's records, and up to which level.
struct Route {
    /// None: stderr.
    target: Option<Box<dyn ::log::Log>>,
    max: LevelFilter,
}

static ROUTE: RwLock<Route> = RwLock::new(Route {
    target: None,
    max: LevelFilter::Off,
});

/// Whether the dispatcher is the process's logger: decided by the first
/// `log::set_logger` attempt, which happens only when output is asked for.
static OWNER: OnceLock<bool> = OnceLock::new();

/// `ROCKETMQ_LOG` is read once.
static ENV: Once = Once::new();

/// The library's `log::Log`: routes the library's records to [`ROUTE`].
struct Dispatcher;

static DISPATCHER: Dispatcher = Dispatcher;

/// Whether a record's target is this crate or one of its modules.
fn is_ours(target: &str) -> bool {
    const CRATE: &str = env!("CARGO_CRATE_NAME");
    target
        .strip_prefix(CRATE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

fn route() -> std::sync::RwLockReadGuard<'static, Route> {
    ROUTE.read().unwrap_or_else(PoisonError::into_inner)
}

impl ::log::Log for Dispatcher {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_ours(metadata.target()) && metadata.level() <= route().max
    }

    fn log(&self, record: &Record<'_>) {
        if !is_ours(record.target()) {
            return;
        }
        // A panicking target (or Display of an argument) must not unwind
        // into the library's I/O or callback threads.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            let route = route();
            if record.level() > route.max {
                return;
            }
            match &route.target {
                Some(target) => target.log(record),
                None => {
                    let level = Level::from(record.level()).name();
                    // Like eprintln!, without its panic when stderr is gone.
                    let _ = writeln!(
                        std::io::stderr().lock(),
                        "rocketmq {}: {}",
                        level,
                        record.args()
                    );
                }
            }
        }));
    }

    fn flush(&self) {
        let _ = catch_unwind(AssertUnwindSafe(|| match &route().target {
            Some(target) => target.flush(),
            None => {
                let _ = std::io::stderr().flush();
            }
        }));
    }
}

/// Installs the dispatcher as the process's logger if no logger is
/// installed yet (first call only). True when the dispatcher is the
/// process's logger. The first call that finds another logger logs a
/// warning through it.
fn take_logger() -> bool {
    let mut first = false;
    let ours = *OWNER.get_or_init(|| {
        first = true;
        ::log::set_logger(&DISPATCHER).is_ok()
    });
    if first && !ours {
        ::log::warn!(
            "another log::Log is installed: the library's records go to it, and its log \
             settings (ROCKETMQ_LOG, rmq_set_log_callback, Set*LogLevel, rocketmq::log) \
             have no effect"
        );
    }
    ours
}

/// Makes the facade's max level follow `max`: installs the dispatcher when
/// output is wanted; never touches a logger that is not the dispatcher.
/// Called with `ROUTE` write-locked, so concurrent settings apply in order.
fn apply(max: LevelFilter) {
    if max == LevelFilter::Off {
        if OWNER.get() == Some(&true) {
            ::log::set_max_level(LevelFilter::Off);
        }
    } else if take_logger() {
        ::log::set_max_level(max);
    }
}

/// The level `ROCKETMQ_LOG` names (`error`, `warn`, `info`, `debug`); None
/// for anything else.
fn env_level(value: &str) -> Option<LevelFilter> {
    match value {
        "error" => Some(LevelFilter::Error),
        "warn" => Some(LevelFilter::Warn),
        "info" => Some(LevelFilter::Info),
        "debug" => Some(LevelFilter::Debug),
        _ => None,
    }
}

/// Reads `ROCKETMQ_LOG` (once per process; later calls return at once):
/// when it names a level, the library's lines up to it go to stderr.
/// Anything else, or nothing, leaves the log silent and installs no logger.
///
/// Called by the C API's constructors, by [`set_target`] and [`set_level`]
/// (so that they override the variable) and by the compatibility forwards
/// below. Records logged with the `log` macros before the first call follow
/// the default (silent), so every entry point of the library that may log
/// calls this first; the Rust `Producer` calls it when it is created. Any
/// thread.
pub fn init() {
    ENV.call_once(|| {
        let Some(max) = std::env::var("ROCKETMQ_LOG")
            .ok()
            .as_deref()
            .and_then(env_level)
        else {
            return;
        };
        let mut route = ROUTE.write().unwrap_or_else(PoisonError::into_inner);
        route.max = max;
        apply(max);
    });
}

/// Sends the library's records up to `max` to `target` (process-wide,
/// replacing the previous target and `ROCKETMQ_LOG`). `None` removes the
/// target and silences the log whatever `max` is; so does `max` `Off`.
///
/// `target` is called for the library's records only, from any library
/// thread, possibly concurrently; its panics are caught. It must not change
/// the log settings from inside `log` (that would deadlock). See the module
/// documentation for a process that has another logger: there this has no
/// effect. Any thread.
pub fn set_target(target: Option<Box<dyn ::log::Log>>, max: LevelFilter) {
    init();
    let mut route = ROUTE.write().unwrap_or_else(PoisonError::into_inner);
    let max = if target.is_some() {
        max
    } else {
        LevelFilter::Off
    };
    let old = std::mem::replace(&mut route.target, target);
    route.max = max;
    apply(max);
    drop(route);
    // The old target is dropped outside the lock.
    drop(old);
}

/// Sets the most verbose level logged (`Off` silences the log) without
/// changing the target; with no target set, the lines go to stderr.
/// Process-wide, replaces `ROCKETMQ_LOG`; no effect where another logger is
/// installed (see the module documentation). Any thread.
pub fn set_level(max: LevelFilter) {
    init();
    let mut route = ROUTE.write().unwrap_or_else(PoisonError::into_inner);
    route.max = max;
    apply(max);
}

/// Whether the library's dispatcher is the process's `log::Log` (false
/// before any output was asked for, and when another logger was installed
/// first).
pub fn is_installed() -> bool {
    OWNER.get() == Some(&true)
}

/// A log sink: gets the level and the message.
///
/// Compatibility type for [`set_sink`]; new code passes a `log::Log` to
/// [`set_target`].
pub type Sink = Box<dyn Fn(Level, &str) + Send + Sync>;

/// A [`Sink`] as a `log::Log`.
struct SinkLog(Sink);

impl ::log::Log for SinkLog {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        let level = Level::from(record.level());
        match record.args().as_str() {
            Some(text) => (self.0)(level, text),
            None => (self.0)(level, &record.args().to_string()),
        }
    }

    fn flush(&self) {}
}

/// Installs `sink` for messages up to `max` (None removes the sink and
/// silences the log). The sink may be called from any library thread.
///
/// Compatibility forward to [`set_target`]; new code calls that.
pub fn set_sink(sink: Option<Sink>, max: Level) {
    set_target(
        sink.map(|s| Box::new(SinkLog(s)) as Box<dyn ::log::Log>),
        max.filter(),
    );
}

/// Sets the most verbose level logged (None silences the log) without
/// changing the sink: with no sink installed, messages go to stderr.
///
/// Compatibility forward to [`set_level`]; new code calls that.
pub fn set_max_level(max: Option<Level>) {
    set_level(max.map_or(LevelFilter::Off, Level::filter));
}

/// Whether messages at `level` go anywhere.
///
/// Compatibility forward; new code uses `log::log_enabled!`.
pub fn enabled(level: Level) -> bool {
    init();
    ::log::log_enabled!(::log::Level::from(level))
}

/// Logs `msg` at `level`.
///
/// Compatibility forward; new code uses `log::error!`, `log::warn!`,
/// `log::info!` or `log::debug!`, which format nothing when the level is
/// disabled.
pub fn log(level: Level, msg: &str) {
    init();
    ::log::log!(::log::Level::from(level), "{}", msg);
}

/// Logs at [`Level::Warn`].
///
/// Compatibility forward; new code uses `log::warn!`.
pub fn warn(msg: &str) {
    log(Level::Warn, msg)
}

/// Logs at [`Level::Info`].
///
/// Compatibility forward; new code uses `log::info!`.
pub fn info(msg: &str) {
    log(Level::Info, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_to_the_facade_and_back() {
        for (level, facade, number) in [
            (Level::Error, ::log::Level::Error, 1),
            (Level::Warn, ::log::Level::Warn, 2),
            (Level::Info, ::log::Level::Info, 3),
            (Level::Debug, ::log::Level::Debug, 4),
        ] {
            assert_eq!(::log::Level::from(level), facade);
            assert_eq!(Level::from(facade), level);
            assert_eq!(level as u8, number);
            assert_eq!(facade as usize, number as usize);
            assert_eq!(level.filter(), facade.to_level_filter());
        }
        assert_eq!(Level::from(::log::Level::Trace), Level::Debug);
    }

    #[test]
    fn only_this_crates_targets_are_ours() {
        assert!(is_ours("rocketmq"));
        assert!(is_ours("rocketmq::client::event_loop"));
        assert!(!is_ours("rocketmq_other"));
        assert!(!is_ours("mio::poll"));
        assert!(!is_ours(""));
    }

    #[test]
    fn rocketmq_log_names_four_levels() {
        assert_eq!(env_level("error"), Some(LevelFilter::Error));
        assert_eq!(env_level("warn"), Some(LevelFilter::Warn));
        assert_eq!(env_level("info"), Some(LevelFilter::Info));
        assert_eq!(env_level("debug"), Some(LevelFilter::Debug));
        for other in ["", "trace", "off", "INFO", " info"] {
            assert_eq!(env_level(other), None, "{:?}", other);
        }
    }
}
