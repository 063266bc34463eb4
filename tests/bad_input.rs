//! The bad-input tables of both C APIs: `tests/c/bad_input.c` (modern) and
//! `tests/c/bad_input_legacy.c` (legacy), compiled against `include/` and
//! linked with `librocketmq.so`. Each row is a call with a bad argument or
//! in the wrong state and the status (legacy code) and error text it must
//! give; no row may crash or hang; after the table a normal send and
//! consume (a redelivery after a callback answered outside the enum, and a
//! shutdown refused inside the callback) still work in the same process.

mod common;

use std::time::Duration;

/// Runs the table program `name` against the shared cluster; its stdout.
fn run_table(name: &str) -> String {
    let stdout = common::run_c_on_topic(name, "BadInput", Duration::from_secs(180));
    assert!(!stdout.contains("ROW FAILED"), "{}", stdout);
    assert!(stdout.contains("after_ok=1"), "{}", stdout);
    stdout
}

/// The number of rows the program ran.
fn rows(stdout: &str) -> usize {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("rows="))
        .expect("a rows= line");
    line["rows=".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn bad_input_modern_table_then_send_and_consume() {
    let out = run_table("bad_input");
    assert!(rows(&out) >= 80, "{}", out);
}

#[test]
fn bad_input_legacy_table_then_send_and_consume() {
    let out = run_table("bad_input_legacy");
    assert!(rows(&out) >= 60, "{}", out);
}
