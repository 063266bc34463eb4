//! `ROCKETMQ_LOG` sends the library's lines to stderr; without it the
//! library is silent and installs no logger. Each case runs in a child
//! process (this test binary again), since the variable is read once.

use std::process::Command;

/// The child's part: runs only when the parent sets `RMQ_LOG_ENV_CHILD`
/// (`init`: call `rocketmq::log::init`; `producer`: create a producer
/// through the C API, which initialises the log).
#[test]
fn child_logs() {
    let Some(how) = std::env::var_os("RMQ_LOG_ENV_CHILD") else {
        return;
    };
    if how == "producer" {
        let p = unsafe { rocketmq::ffi::producer::rmq_producer_new(c"EnvGroup".as_ptr()) };
        assert!(!p.is_null());
        unsafe { rocketmq::ffi::producer::rmq_producer_free(p) };
    } else {
        rocketmq::log::init();
    }
    log::warn!(target: "rocketmq::test", "macro warn {}", 1);
    log::info!(target: "rocketmq::test", "macro info");
    log::error!(target: "mio::poll", "not the library's");
    rocketmq::log::warn("forwarded warn");
    println!("installed={}", rocketmq::log::is_installed());
}

/// Runs `child_logs` with `ROCKETMQ_LOG` set to `value` (None: unset);
/// returns its stdout and stderr.
fn run_child(how: &str, value: Option<&str>) -> (String, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["child_logs", "--exact", "--nocapture", "--test-threads=1"])
        .env("RMQ_LOG_ENV_CHILD", how);
    match value {
        Some(v) => cmd.env("ROCKETMQ_LOG", v),
        None => cmd.env_remove("ROCKETMQ_LOG"),
    };
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{:?}", out);
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn rocketmq_log_prints_up_to_its_level_to_stderr() {
    for how in ["init", "producer"] {
        let (stdout, stderr) = run_child(how, Some("warn"));
        assert!(stdout.contains("installed=true"), "{}", stdout);
        assert!(
            stderr.contains("rocketmq warn: macro warn 1\n"),
            "{}",
            stderr
        );
        assert!(
            stderr.contains("rocketmq warn: forwarded warn\n"),
            "{}",
            stderr
        );
        assert!(!stderr.contains("macro info"), "{}", stderr);
        assert!(!stderr.contains("not the library's"), "{}", stderr);
    }
    let (_, stderr) = run_child("init", Some("info"));
    assert!(stderr.contains("rocketmq info: macro info\n"), "{}", stderr);
}

#[test]
fn without_rocketmq_log_the_library_is_silent() {
    for value in [None, Some(""), Some("trace"), Some("WARN")] {
        let (stdout, stderr) = run_child("init", value);
        assert!(
            stdout.contains("installed=false"),
            "{:?}: {}",
            value,
            stdout
        );
        assert!(!stderr.contains("rocketmq"), "{:?}: {}", value, stderr);
        assert!(
            !stderr.contains("not the library's"),
            "{:?}: {}",
            value,
            stderr
        );
    }
}
