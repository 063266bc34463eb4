//! The library's log through the `log` facade, as the C API configures it
//! (`rmq_set_log_callback`, legacy `SetProducerLogLevel`) and the Rust API
//! (`rocketmq::log`). One test: the log settings are process-wide.

use std::ffi::{c_char, c_void, CStr};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use log::LevelFilter;
use rocketmq::ffi::{rmq_set_log_callback, rmq_status};
use rocketmq::log::Level;

/// What the C callback received: user data, level, message.
static LINES: Mutex<Vec<(usize, i32, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn on_log(user_data: *mut c_void, level: i32, message: *const c_char) {
    let text = unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned();
    LINES
        .lock()
        .unwrap()
        .push((user_data as usize, level, text));
}

fn take_lines() -> Vec<(usize, i32, String)> {
    std::mem::take(&mut *LINES.lock().unwrap())
}

/// Counts how often it is formatted.
struct Counted<'a>(&'a AtomicUsize);

impl fmt::Display for Counted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fetch_add(1, Ordering::SeqCst);
        f.write_str("counted")
    }
}

#[test]
fn log_settings_route_the_librarys_records() {
    let ud = 0x1234usize as *mut c_void;
    let formatted = AtomicUsize::new(0);

    // C callback up to warn.
    assert_eq!(
        unsafe { rmq_set_log_callback(Some(on_log), ud, 2) },
        rmq_status::Ok
    );
    assert!(rocketmq::log::is_installed());
    assert_eq!(log::max_level(), LevelFilter::Warn);
    log::warn!(target: "rocketmq::test", "w {}", 1);
    log::info!(target: "rocketmq::test", "{}", Counted(&formatted));
    log::debug!(target: "rocketmq::test", "{}", Counted(&formatted));
    log::error!(target: "mio::poll", "not the library's");
    log::error!(target: "rocketmq_other", "not the library's either");
    rocketmq::log::warn("forwarded");
    rocketmq::log::info("forwarded info");
    log::warn!(target: "rocketmq", "nul\0inside");
    assert_eq!(
        formatted.load(Ordering::SeqCst),
        0,
        "disabled levels format nothing"
    );
    assert!(rocketmq::log::enabled(Level::Warn));
    assert!(!rocketmq::log::enabled(Level::Info));
    assert_eq!(
        take_lines(),
        [
            (0x1234, 2, "w 1".to_string()),
            (0x1234, 2, "forwarded".to_string()),
            (0x1234, 2, "nul inside".to_string()),
        ]
    );

    // Any thread; up to debug (4); trace is never enabled.
    assert_eq!(
        unsafe { rmq_set_log_callback(Some(on_log), ud, 4) },
        rmq_status::Ok
    );
    assert_eq!(log::max_level(), LevelFilter::Debug);
    std::thread::spawn(|| log::error!(target: "rocketmq::io", "from a thread"))
        .join()
        .unwrap();
    log::debug!(target: "rocketmq::test", "d");
    log::trace!(target: "rocketmq::test", "{}", Counted(&formatted));
    assert_eq!(formatted.load(Ordering::SeqCst), 0);
    assert_eq!(
        take_lines(),
        [
            (0x1234, 1, "from a thread".to_string()),
            (0x1234, 4, "d".to_string()),
        ]
    );

    // Out-of-range levels fail and change nothing.
    for bad in [-1, 5, i32::MAX] {
        assert_eq!(
            unsafe { rmq_set_log_callback(None, std::ptr::null_mut(), bad) },
            rmq_status::InvalidArgument
        );
    }
    log::debug!(target: "rocketmq::test", "still on");
    assert_eq!(take_lines(), [(0x1234, 4, "still on".to_string())]);

    // NULL callback, or level 0: silent.
    for (callback, level) in [(None, 3), (Some(on_log as _), 0)] {
        assert_eq!(
            unsafe { rmq_set_log_callback(callback, ud, level) },
            rmq_status::Ok
        );
        assert_eq!(log::max_level(), LevelFilter::Off);
        log::error!(target: "rocketmq::test", "{}", Counted(&formatted));
        rocketmq::log::warn("silent");
        assert!(!rocketmq::log::enabled(Level::Error));
    }
    assert_eq!(formatted.load(Ordering::SeqCst), 0);
    assert_eq!(take_lines(), []);

    // A panicking Rust sink is contained.
    rocketmq::log::set_sink(Some(Box::new(|_, _| panic!("sink panics"))), Level::Info);
    log::warn!(target: "rocketmq::test", "into a panicking sink");
    rocketmq::log::info("into a panicking sink");

    // A Rust sink gets level and text.
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink_got = got.clone();
    rocketmq::log::set_sink(
        Some(Box::new(move |l: Level, m: &str| {
            sink_got.lock().unwrap().push((l, m.to_string()))
        })),
        Level::Info,
    );
    log::info!(target: "rocketmq::test", "i {}", 2);
    rocketmq::log::info("static");
    log::debug!(target: "rocketmq::test", "no");
    assert_eq!(
        *got.lock().unwrap(),
        [
            (Level::Info, "i 2".to_string()),
            (Level::Info, "static".to_string())
        ]
    );

    // The legacy level setter changes the level only: the sink stays.
    let p = unsafe { rocketmq::ffi::legacy::producer::CreateProducer(c"LogGroup".as_ptr()) };
    assert!(!p.is_null());
    assert_eq!(
        unsafe { rocketmq::ffi::legacy::producer::SetProducerLogLevel(p, 5) },
        0
    );
    assert_eq!(log::max_level(), LevelFilter::Debug);
    log::debug!(target: "rocketmq::test", "debug now");
    assert_eq!(got.lock().unwrap().last().unwrap().1, "debug now");
    assert_eq!(
        unsafe { rocketmq::ffi::legacy::producer::SetProducerLogLevel(p, 3) },
        0
    );
    assert_eq!(log::max_level(), LevelFilter::Warn);
    // Removing the sink silences the log (no stderr either).
    rocketmq::log::set_sink(None, Level::Debug);
    assert_eq!(log::max_level(), LevelFilter::Off);
    assert!(!rocketmq::log::enabled(Level::Error));
    assert_eq!(
        unsafe { rocketmq::ffi::legacy::producer::DestroyProducer(p) },
        0
    );
    assert_eq!(take_lines(), []);
}
