//! The legacy rocketmq-client-cpp C API: C programs compiled against
//! `include/rocketmq/` only and linked with the release `librocketmq.so`,
//! run against the real cluster (`c/legacy_producer.c`, one send mode per
//! run; `c/legacy_pull_consumer.c`, the pull consumer); plus the symbol and
//! link checks.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The cargo target dir of this test binary (`<target>/debug/deps/x`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

/// Builds the release library once per test process; returns its directory.
fn release_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = target_dir();
        let status = Command::new(env!("CARGO"))
            .args(["build", "--release", "--lib"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(common::root())
            .status()
            .expect("cargo build");
        assert!(status.success(), "cargo build --release --lib failed");
        target.join("release")
    })
}

/// Compiles `tests/c/<name>.c` (with `defines`) against include/ only and
/// links it with the release librocketmq; returns the program.
fn compile(name: &str, defines: &[&str]) -> PathBuf {
    common::compile_c_with(name, release_dir(), defines)
}

fn legacy_program() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| compile("legacy_producer", &[]))
}

/// Runs one mode against the shared cluster (none for "errors").
fn run_mode(mode: &str) -> String {
    let namesrv = if mode == "errors" {
        "127.0.0.1:1".to_string()
    } else {
        common::shared().namesrv.clone()
    };
    run_mode_on(mode, &namesrv)
}

/// Runs one mode; returns stdout after asserting exit 0 and no failures.
fn run_mode_on(mode: &str, namesrv: &str) -> String {
    let exe = legacy_program();
    let topic = common::unique_topic(&format!("Legacy_{}", mode));
    if matches!(mode, "async" | "sendasync") {
        create_topic(namesrv, &topic);
    }
    let out = Command::new(exe)
        .args([namesrv, topic.as_str(), mode])
        .env("LD_LIBRARY_PATH", release_dir())
        .output()
        .expect("run legacy_producer");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    eprintln!(
        "{}:\n{}{}",
        mode,
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "mode {} exited {:?}:\n{}",
        mode,
        out.status,
        stdout
    );
    assert!(stdout.contains("failures=0"), "{}", stdout);
    stdout
}

/// Makes `topic` exist on the broker (one sync send, which is retried).
///
/// Legacy async sends get one attempt (as in rocketmq-client-cpp), and the
/// test broker may answer TOPIC_NOT_EXIST to some of several concurrent
/// first sends while it is still auto-creating a topic (the Java broker
/// creates it under a lock). The async modes test callbacks, not topic
/// creation (the sync modes cover that), so they send to an existing topic.
fn create_topic(namesrv: &str, topic: &str) {
    let p = common::producer(namesrv, &[]);
    p.send(&rocketmq::message::Message::new(topic, &b"create"[..]))
        .expect("creating the topic");
    p.shutdown().expect("shutdown");
}

fn line<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {:?} line in:\n{}", prefix, stdout))
}

#[test]
fn sync_send() {
    assert_eq!(line(&run_mode("sync"), "sync "), "sync ok=5");
}

#[test]
fn concurrent_sync_sends_on_one_producer() {
    assert_eq!(
        line(&run_mode("concurrent"), "concurrent "),
        "concurrent ok=40"
    );
}

#[test]
fn oneway_send() {
    assert_eq!(line(&run_mode("oneway"), "oneway "), "oneway ok=5");
}

#[test]
fn async_send_without_user_data() {
    assert_eq!(
        line(&run_mode("async"), "async "),
        "async accepted=10 success=10 exception=0"
    );
}

#[test]
fn send_async_with_user_data_and_message_identity() {
    assert_eq!(
        line(&run_mode("sendasync"), "sendasync "),
        "sendasync accepted=10 success=10 exception=0 identity=10 once=10"
    );
}

#[test]
fn orderly_send_with_selector() {
    assert_eq!(
        line(&run_mode("orderly"), "orderly "),
        "orderly ok=5 selector_calls=6 identity=6 size_positive=1 out_of_range=1"
    );
}

#[test]
fn orderly_send_by_sharding_key() {
    assert_eq!(line(&run_mode("sharding"), "sharding "), "sharding ok=5");
}

#[test]
fn batch_send() {
    assert_eq!(
        line(&run_mode("batch"), "batch "),
        "batch rc=0 status=0 ids=3 offset_ok=1"
    );
}

#[test]
fn transaction_commit() {
    assert_eq!(
        line(&run_mode("transaction"), "transaction "),
        "transaction rc=0 status=0 valid=1 executor=1 identity=1 uniq=1"
    );
}

/// An UNKNOWN transaction: the broker's check-back reaches the C checker
/// with the producer handle, its user data and a working `CMessageExt*`.
#[test]
fn transaction_check_back_reaches_the_checker() {
    let cluster = common::Cluster::start_with(
        1,
        "transactionCheckInterval = 1000\ntransactionTimeout = 1000",
    );
    assert_eq!(
        line(&run_mode_on("check", &cluster.namesrv), "check "),
        "check rc=0 checked=1"
    );
}

#[test]
fn errors_nulls_and_consumer_stubs() {
    assert!(run_mode("errors").contains("errors done"));
}

/// The pull consumer as a legacy C user drives it: fetch the queues, pull
/// each from offset 0 until every message arrived, read the getters,
/// release the results, destroy the consumer (no thread left behind).
#[test]
fn pull_consumer_in_c() {
    let cluster = common::shared();
    let topic = common::unique_topic("LegacyCPull");
    let producer = common::producer(&cluster.namesrv, &[]);
    let count = 30;
    for i in 0..count {
        let mut m = rocketmq::Message::new(&topic, format!("body-{}", i).into_bytes());
        m.set_tags(["TagA", "TagB", "TagC"][i % 3]).unwrap();
        m.set_keys(&format!("key-{}", i)).unwrap();
        m.set_property("prop", &format!("v{}", i)).unwrap();
        producer.send(&m).expect("send");
    }
    producer.shutdown().expect("shutdown");
    let exe = compile("legacy_pull_consumer", &[]);
    let out = Command::new(&exe)
        .args([cluster.namesrv.as_str(), topic.as_str(), &count.to_string()])
        .env("LD_LIBRARY_PATH", release_dir())
        .output()
        .expect("run legacy_pull_consumer");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    eprintln!("{}{}", stdout, String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "exited {:?}:\n{}", out.status, stdout);
    assert_eq!(
        line(&stdout, "pull "),
        "pull found=30 distinct=30 sorted=1 releases_ok=1"
    );
    let end = line(&stdout, "end ");
    let n: Vec<&str> = end
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .collect();
    assert!(n.len() == 3 && n[0] == n[2] && n[1] == n[2], "{}", end);
    assert_eq!(line(&stdout, "filter "), "filter tagged=20 wrong=0");
    assert!(stdout.contains("failures=0"), "{}", stdout);
}

/// Every legacy function is exported: the layout file's link check
/// references all of them (and -z now resolves them at load).
#[test]
fn legacy_layout_links_every_symbol() {
    let exe = compile("legacy_layout", &["-DLEGACY_LINK_CHECK"]);
    let out = Command::new(&exe)
        .env("LD_LIBRARY_PATH", release_dir())
        .output()
        .expect("run legacy_layout");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

/// `nm -D --defined-only librocketmq.so` lists every name of
/// tests/c/legacy_symbols.txt as a function.
#[test]
fn legacy_symbols_are_exported() {
    let so = release_dir().join("librocketmq.so");
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&so)
        .output()
        .expect("run nm");
    assert!(out.status.success());
    let nm = String::from_utf8_lossy(&out.stdout);
    let exported: std::collections::HashSet<&str> = nm
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3 && f[1] == "T").then_some(f[2])
        })
        .collect();
    let expected =
        std::fs::read_to_string(common::root().join("tests/c/legacy_symbols.txt")).unwrap();
    let missing: Vec<&str> = expected
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| !exported.contains(l))
        .collect();
    assert!(missing.is_empty(), "not exported: {:?}", missing);
    // Symbol hygiene: nothing but the legacy names and the rmq_ API.
    let legacy: std::collections::HashSet<&str> = expected.lines().map(str::trim).collect();
    let stray: Vec<&&str> = exported
        .iter()
        .filter(|s| !s.starts_with("rmq_") && !legacy.contains(**s))
        .collect();
    assert!(stray.is_empty(), "unexpected exports: {:?}", stray);
    // Every rmq_ function of the native header is exported.
    let header = std::fs::read_to_string(common::root().join("include/rocketmq.h")).unwrap();
    for line in header.lines() {
        if let Some(pos) = line.find("rmq_") {
            let rest = &line[pos..];
            if let Some(end) = rest.find('(') {
                let name = &rest[..end];
                if line.contains(&format!("{}(", name))
                    && !line.trim_start().starts_with("typedef")
                    && !name.contains(' ')
                    && !name.contains('*')
                    && !line.contains("(*")
                {
                    assert!(
                        exported.contains(name),
                        "{} is declared but not exported",
                        name
                    );
                }
            }
        }
    }
    assert_eq!(
        expected.lines().filter(|l| !l.trim().is_empty()).count(),
        116
    );
}
