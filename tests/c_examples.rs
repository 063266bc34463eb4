//! The C examples, built against include/ and librocketmq.so, run against
//! the real cluster and their output is checked.

mod common;

use std::process::Command;

/// Builds the release library and the C examples (cheap when up to date).
fn build_examples() {
    let root = common::root();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--lib"])
        .current_dir(&root)
        .status()
        .expect("cargo build");
    assert!(status.success(), "cargo build --release failed");
    let status = Command::new("make")
        .args(["-s", "-C", "examples-c"])
        .current_dir(&root)
        .status()
        .expect("make");
    assert!(status.success(), "building examples-c failed");
}

#[test]
fn producer_sync_prints_send_ok_lines() {
    build_examples();
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleSync");
    let out = Command::new(common::root().join("examples-c/build/producer_sync"))
        .args([cluster.namesrv.as_str(), topic.as_str(), "10"])
        .output()
        .expect("run producer_sync");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "exit {:?}\n{}\n{}",
        out.status,
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 10, "{}", stdout);
    for (i, line) in lines.iter().enumerate() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 7, "{}", line);
        assert_eq!(f[0], i.to_string());
        assert_eq!(f[1], "SEND_OK");
        assert_eq!(f[2].len(), 32, "msgId in {}", line);
        assert_eq!(f[3].len(), 32, "offsetMsgId in {}", line);
        assert!(f[4].starts_with("broker-"), "{}", line);
        assert!(f[5].parse::<i32>().unwrap() >= 0);
        assert!(f[6].parse::<i64>().unwrap() >= 0);
    }
}

#[test]
fn producer_sync_fails_cleanly_without_a_cluster() {
    build_examples();
    let out = Command::new(common::root().join("examples-c/build/producer_sync"))
        .args(["127.0.0.1:1", "TopicNone", "2"])
        .output()
        .expect("run producer_sync");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.lines().all(|l| l.contains("FAILED NO_ROUTE")),
        "{}",
        stdout
    );
}

fn run_example(name: &str, args: &[&str]) -> (i32, String) {
    build_examples();
    let out = Command::new(common::root().join("examples-c/build").join(name))
        .args(args)
        .output()
        .expect("run example");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    eprintln!(
        "{}: {}{}",
        name,
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), stdout)
}

#[test]
fn producer_async_counts_every_callback() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleAsync");
    let (code, stdout) = run_example("producer_async", &[&cluster.namesrv, &topic, "2000"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), "successes=2000 failures=0 rejected=0");
}

#[test]
fn producer_oneway_sends_everything() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleOneway");
    let (code, stdout) = run_example("producer_oneway", &[&cluster.namesrv, &topic, "2000"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), "accepted=2000 rejected=0");
}

/// The examples under valgrind: no invalid access, nothing definitely or
/// indirectly lost. (Rust's std keeps a handle of the main thread for the
/// process lifetime, which valgrind reports as "possibly lost"; that is not
/// a leak of this library.)
#[test]
fn examples_are_valgrind_clean() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("valgrind not installed; skipped");
        return;
    }
    build_examples();
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleValgrind");
    for (name, count) in [
        ("producer_sync", "20"),
        ("producer_async", "200"),
        ("producer_oneway", "200"),
    ] {
        let out = Command::new("valgrind")
            .args([
                "--leak-check=full",
                "--errors-for-leak-kinds=definite,indirect",
                "--error-exitcode=9",
            ])
            .arg(common::root().join("examples-c/build").join(name))
            .args([cluster.namesrv.as_str(), topic.as_str(), count])
            .output()
            .expect("run valgrind");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{} under valgrind:\n{}",
            name,
            stderr
        );
        assert!(stderr.contains("ERROR SUMMARY: 0 errors"), "{}", stderr);
    }
}
