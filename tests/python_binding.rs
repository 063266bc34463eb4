//! The unmodified Python binding (PyPI `rocketmq-client-python==2.0.0`,
//! pure Python over ctypes) loads our librocketmq.so and runs its producer
//! paths against the real cluster (the messages are read back), and its
//! `PushConsumer` (clustering with a retry, orderly, and broadcasting).

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

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

/// Builds the release library once (the binding loads it) and returns the
/// venv's python.
fn setup() -> PathBuf {
    static BUILT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let built = BUILT.get_or_init(|| {
        Command::new(env!("CARGO"))
            .args(["build", "--release", "--lib"])
            .current_dir(common::root())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    });
    assert!(built, "cargo build --release --lib failed");
    common::python_venv()
}

/// Runs `tests/python/<script>` with `args` on our library; its stdout
/// (the script must succeed).
fn run_script(script: &str, args: &[&str]) -> String {
    let python = setup();
    let lib = release_dir();
    let out = Command::new(&python)
        .arg(common::root().join("tests/python").join(script))
        .args(args)
        .env("LD_LIBRARY_PATH", &lib)
        .env("LIBRARY_PATH", &lib)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    common::assert_success(&out, &stdout);
    stdout
}

#[test]
fn unmodified_python_binding_sends_through_our_library() {
    let cluster = common::shared();
    let topic = common::unique_topic("Python");
    let stdout = run_script(
        "producer_paths.py",
        &[cluster.namesrv.as_str(), topic.as_str()],
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

/// The binding's `PushConsumer` (concurrent, clustering) gets every message
/// the test sent, with its topic, tags, keys, queue and body; the one its
/// callback refuses (`RECONSUME_LATER`) comes back with reconsume times 1.
#[test]
fn python_push_consumer_receives_every_message() {
    let cluster = common::shared();
    let topic = common::unique_topic("PyPush");
    let group = common::unique_topic("py_push");
    let producer = common::producer(&cluster.namesrv, &[]);
    let mut sent = std::collections::HashMap::new();
    for i in 0..10 {
        let body = if i == 4 {
            "retry-me".to_string()
        } else {
            format!("py-body-{}", i)
        };
        let mut m = rocketmq::Message::new(&topic, body.clone().into_bytes());
        m.set_tags(["TagA", "TagB"][i % 2]).unwrap();
        m.set_keys(&format!("key-{}", i)).unwrap();
        let r = producer.send(&m).unwrap();
        sent.insert(r.msg_id.clone(), (i, body, r));
    }
    producer.shutdown().unwrap();
    let stdout = run_script(
        "push_consumer.py",
        &[
            "clustering",
            cluster.namesrv.as_str(),
            topic.as_str(),
            group.as_str(),
            "10",
        ],
    );
    assert_eq!(stdout.lines().last(), Some("done"), "{}", stdout);
    let mut deliveries: Vec<(String, i32)> = Vec::new();
    for l in stdout.lines().filter(|l| l.starts_with("msg ")) {
        let f: Vec<&str> = l.splitn(9, ' ').collect();
        assert_eq!(f.len(), 9, "{}", l);
        let (i, body, r) = sent
            .get(f[1])
            .unwrap_or_else(|| panic!("unknown id in {}", l));
        assert_eq!(f[2], topic, "{}", l);
        assert_eq!(f[3], ["TagA", "TagB"][i % 2], "{}", l);
        assert_eq!(f[4], format!("key-{}", i), "{}", l);
        if f[5] == "0" {
            // A retry's queue and offset are those of its copy in
            // %RETRY%<group>.
            assert_eq!(f[6], r.message_queue.queue_id.to_string(), "{}", l);
            assert_eq!(f[7], r.queue_offset.to_string(), "{}", l);
        }
        assert_eq!(f[8], body.as_str(), "{}", l);
        deliveries.push((f[1].to_string(), f[5].parse().unwrap()));
    }
    for (id, (_, body, _)) in &sent {
        let times: Vec<i32> = deliveries
            .iter()
            .filter(|(d, _)| d == id)
            .map(|(_, t)| *t)
            .collect();
        let want = if body == "retry-me" {
            vec![0, 1]
        } else {
            vec![0]
        };
        assert_eq!(times, want, "deliveries of {} ({}):\n{}", id, body, stdout);
    }
}

/// The binding's orderly `PushConsumer` (`orderly=True`) gets every message,
/// each queue in offset order.
#[test]
fn python_orderly_push_consumer_keeps_queue_order() {
    let cluster = common::shared();
    let topic = common::unique_topic("PyOrderly");
    let group = common::unique_topic("py_orderly");
    let producer = common::producer(&cluster.namesrv, &[]);
    let first = producer
        .send(&rocketmq::Message::new(&topic, &b"q-first"[..]))
        .unwrap();
    let queues = producer.queues(&topic).unwrap();
    let mut sent = vec![first.msg_id.clone()];
    for n in 0..16 {
        let q = &queues[n % queues.len()];
        let m = rocketmq::Message::new(&topic, format!("q{}-{}", q.queue_id, n).into_bytes());
        sent.push(producer.send_to_queue(&m, q).unwrap().msg_id);
    }
    producer.shutdown().unwrap();
    let stdout = run_script(
        "push_consumer.py",
        &[
            "orderly",
            cluster.namesrv.as_str(),
            topic.as_str(),
            group.as_str(),
            &sent.len().to_string(),
        ],
    );
    assert_eq!(stdout.lines().last(), Some("done"), "{}", stdout);
    let mut ids = Vec::new();
    let mut last: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for l in stdout.lines().filter(|l| l.starts_with("msg ")) {
        let f: Vec<&str> = l.splitn(9, ' ').collect();
        assert_eq!(f[2], topic, "{}", l);
        let offset: i64 = f[7].parse().unwrap();
        if let Some(before) = last.insert(f[6].to_string(), offset) {
            assert!(offset > before, "queue {} out of order:\n{}", f[6], stdout);
        }
        ids.push(f[1].to_string());
    }
    ids.sort();
    sent.sort();
    assert_eq!(ids, sent, "each message once:\n{}", stdout);
}

/// Two broadcasting `PushConsumer`s of one group (instance names one and
/// two) each get every message.
#[test]
fn python_push_consumer_broadcasting_gives_each_consumer_every_message() {
    let cluster = common::shared();
    let topic = common::unique_topic("PyBcast");
    let group = common::unique_topic("py_bcast");
    let stdout = run_script(
        "push_consumer.py",
        &[
            "broadcasting",
            cluster.namesrv.as_str(),
            topic.as_str(),
            group.as_str(),
            "8",
        ],
    );
    assert_eq!(stdout.lines().last(), Some("done"), "{}", stdout);
    let sent: std::collections::BTreeSet<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("sent "))
        .collect();
    assert_eq!(sent.len(), 8, "{}", stdout);
    for name in ["one", "two"] {
        let got: std::collections::BTreeSet<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("bcast {} ", name)))
            .map(|rest| rest.split(' ').next().unwrap())
            .collect();
        assert_eq!(got, sent, "consumer {}:\n{}", name, stdout);
    }
}
