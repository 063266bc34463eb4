//! An application that installed its own `log::Log` first keeps it: the
//! library's records go there at the application's level, and the
//! library's log settings neither replace the logger nor change its level.

use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};
use rocketmq::ffi::{rmq_set_log_callback, rmq_status};

struct AppLogger {
    lines: Mutex<Vec<(Level, String, String)>>,
}

impl Log for AppLogger {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &Record<'_>) {
        self.lines.lock().unwrap().push((
            record.level(),
            record.target().to_string(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

static APP: AppLogger = AppLogger {
    lines: Mutex::new(Vec::new()),
};

static CALLS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn on_log(_: *mut c_void, _: i32, _: *const c_char) {
    CALLS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn an_application_logger_installed_first_stays() {
    log::set_logger(&APP).unwrap();
    log::set_max_level(LevelFilter::Info);

    assert_eq!(
        unsafe { rmq_set_log_callback(Some(on_log), std::ptr::null_mut(), 4) },
        rmq_status::Ok
    );
    assert!(!rocketmq::log::is_installed());
    assert_eq!(log::max_level(), LevelFilter::Info);
    {
        let lines = APP.lines.lock().unwrap();
        assert_eq!(lines.len(), 1, "{:?}", lines);
        assert_eq!(lines[0].0, Level::Warn);
        assert!(lines[0].1.starts_with("rocketmq"), "{:?}", lines[0]);
        assert!(lines[0].2.contains("another log::Log is installed"));
    }

    rocketmq::log::warn("to the application");
    log::debug!(target: "rocketmq::test", "below the application's level");
    rocketmq::log::set_level(LevelFilter::Off);
    assert_eq!(
        unsafe { rmq_set_log_callback(None, std::ptr::null_mut(), 0) },
        rmq_status::Ok
    );
    assert_eq!(log::max_level(), LevelFilter::Info);
    rocketmq::log::set_level(LevelFilter::Debug);
    assert_eq!(log::max_level(), LevelFilter::Info);

    let lines = APP.lines.lock().unwrap();
    assert_eq!(lines.len(), 2, "one warning only: {:?}", lines);
    assert_eq!(
        lines[1],
        (
            Level::Warn,
            "rocketmq::log".to_string(),
            "to the application".to_string()
        )
    );
    assert_eq!(CALLS.load(Ordering::SeqCst), 0);
}
