//! The unmodified Python binding (PyPI `rocketmq-client-python==2.0.0`,
//! pure Python over ctypes) loads our librocketmq.so and runs its producer
//! paths against the real cluster; the messages are read back.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A virtualenv with the binding, kept in the cache outside the clone.
fn venv() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".into());
    let dir = PathBuf::from(home).join(".cache/rocketmq-client-rs/pyenv-2.0.0");
    let python = dir.join("bin/python");
    if !python.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .status()
            .map(|s| s.success());
        assert_eq!(ok.ok(), Some(true), "python3 -m venv failed");
        let ok = Command::new(dir.join("bin/pip"))
            .args(["install", "-q", "rocketmq-client-python==2.0.0"])
            .status()
            .map(|s| s.success());
        assert_eq!(
            ok.ok(),
            Some(true),
            "pip install rocketmq-client-python==2.0.0 failed"
        );
    }
    python
}

fn release_dir() -> PathBuf {
    // Same target dir as this test binary: target/debug/deps/x -> target/release.
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("release")
}

#[test]
fn unmodified_python_binding_sends_through_our_library() {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--lib"])
        .current_dir(common::root())
        .status()
        .unwrap();
    assert!(status.success());
    let python = venv();
    let cluster = common::shared();
    let topic = common::unique_topic("Python");
    let lib = release_dir();
    let out = Command::new(&python)
        .arg(common::root().join("tests/python/producer_paths.py"))
        .args([cluster.namesrv.as_str(), topic.as_str()])
        .env("LD_LIBRARY_PATH", &lib)
        .env("LIBRARY_PATH", &lib)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split(' ').collect()).collect();
    let id_of = |path: &str| -> String {
        let l = lines
            .iter()
            .find(|l| l[0] == path)
            .unwrap_or_else(|| panic!("no {} line in {}", path, stdout));
        assert_eq!(l[1], "0", "{} status", path); // SendStatus.OK
        l[2].to_string()
    };
    assert!(stdout.contains("oneway ok"));

    // Read back what the broker stored.
    let resp = common::request(&cluster.namesrv, 105, &[("topic", topic.as_str())]);
    let route = rocketmq::protocol::route::TopicRouteData::parse(&resp.body).unwrap();
    let broker = route.broker_datas[0].master_addr().unwrap().to_string();
    let stored = |deadline: Duration| -> Vec<rocketmq::protocol::message_ext::MessageExt> {
        let until = Instant::now() + deadline;
        let mut all = Vec::new();
        loop {
            all.clear();
            for q in 0..4 {
                let max = common::max_offset(&broker, &topic, q);
                if max > 0 {
                    all.extend(common::pull_n(&broker, &topic, q, 0, max as usize));
                }
            }
            if all.len() >= 4 || Instant::now() >= until {
                return all;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let all = stored(Duration::from_secs(10));
    let body_of = |id: &str| {
        all.iter()
            .find(|m| m.msg_id() == id)
            .map(|m| m.body.to_vec())
    };
    assert_eq!(
        body_of(&id_of("sync")).as_deref(),
        Some(&b"hello from python"[..])
    );
    assert_eq!(
        body_of(&id_of("orderly")).as_deref(),
        Some(&b"hello from python"[..])
    );
    assert_eq!(
        body_of(&id_of("tx-commit")).as_deref(),
        Some(&b"tx commit"[..])
    );
    let sync = all.iter().find(|m| m.msg_id() == id_of("sync")).unwrap();
    assert_eq!(sync.property("TAGS"), Some("TagPy"));
    assert_eq!(sync.property("KEYS"), Some("k1"));
    assert_eq!(sync.property("color"), Some("blue"));
    // Rolled back: never visible; oneway: stored too (one more "hello").
    assert_eq!(body_of(&id_of("tx-rollback")), None);
    let hellos = all
        .iter()
        .filter(|m| &m.body[..] == b"hello from python")
        .count();
    assert_eq!(hellos, 3, "sync + oneway + orderly");
}
