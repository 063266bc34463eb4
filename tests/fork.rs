//! Fork safety (pre-fork servers): C programs compiled against `include/`
//! and linked with `librocketmq.so` fork after starting a producer, a pull
//! consumer and a push consumer. In the child every inherited handle fails
//! fast (`RMQ_STATUS_INVALID_STATE` / the legacy failure codes, with "used
//! in a forked child; create a new handle"), free and shutdown included; a
//! new producer there sends; the parent keeps sending; no id repeats and
//! nothing hangs (the parent kills the child after 30 s, the test kills the
//! program after 90 s). See `tests/c/fork.c`, `tests/c/fork_legacy.c`.

mod common;

use std::time::Duration;

/// Runs `tests/c/<name>.c` against the shared cluster; its stdout.
fn run_fork_program(name: &str) -> String {
    // The topic exists before the parent and the child send concurrently.
    let stdout = common::run_c_on_topic(name, "Fork", Duration::from_secs(90));
    assert!(stdout.contains("failures=0"), "{}", stdout);
    assert!(stdout.contains("child exit=0 ids=20"), "{}", stdout);
    assert!(stdout.contains("duplicates=0"), "{}", stdout);
    stdout
}

#[test]
fn fork_modern_inherited_handles_are_inert_and_new_ones_work() {
    let out = run_fork_program("fork");
    // Producer 11, pull consumer 6, push consumer 6 inherited-handle calls.
    assert!(out.contains("child inert=23"), "{}", out);
}

#[test]
fn fork_legacy_inherited_handles_fail_with_their_codes_and_new_ones_work() {
    let out = run_fork_program("fork_legacy");
    assert!(out.contains("child inert=19"), "{}", out);
}
