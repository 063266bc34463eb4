//! The C examples, built against include/ and librocketmq.so, run against
//! the real cluster and their output is checked.

mod common;

use std::process::Command;

/// Fails with a clear message when valgrind is missing: a memory check that
/// passes because its tool is absent would prove nothing.
fn require_valgrind() {
    assert!(
        Command::new("valgrind").arg("--version").output().is_ok(),
        "valgrind is not installed; install it (Debian: apt-get install -y valgrind) to run this test"
    );
}

/// Builds the release library and the C examples (cheap when up to date).
/// The library is built into this test's own target directory (which
/// honours `CARGO_TARGET_DIR`), and the examples link against it there.
fn build_examples() {
    let root = common::root();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--lib"])
        .current_dir(&root)
        .status()
        .expect("cargo build");
    assert!(status.success(), "cargo build --release failed");
    // This binary is <target>/<profile>/deps/c_examples-<hash>.
    let exe = std::env::current_exe().expect("current_exe");
    let target = exe
        .parent()
        .and_then(|deps| deps.parent())
        .and_then(|profile| profile.parent())
        .map(|t| t.to_path_buf())
        .unwrap_or_else(|| root.join("target"));
    let libdir = format!("LIBDIR={}", target.join("release").display());
    let status = Command::new("make")
        .args(["-s", "-C", "examples-c", libdir.as_str()])
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
    require_valgrind();
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

// The feature examples. Where this process started the shared cluster
// (not with `ROCKETMQ_NAMESRV`), the tests also read back from its broker
// what the example stored.

#[test]
fn producer_orderly_keeps_one_key_on_one_queue() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleOrderly");
    let (code, stdout) = run_example("producer_orderly", &[&cluster.namesrv, &topic]);
    assert_eq!(code, 0, "{}", stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 22, "{}", stdout);
    let mut queue = None;
    let mut offsets = Vec::new();
    for line in &lines[..20] {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 6, "{}", line);
        assert_eq!(
            (f[0], f[1], f[2], f[4]),
            ("key", "order-1", "queue", "offset")
        );
        let q: i32 = f[3].parse().unwrap();
        assert_eq!(*queue.get_or_insert(q), q, "one key, one queue: {}", stdout);
        offsets.push(f[5].parse::<i64>().unwrap());
    }
    assert!(
        offsets.windows(2).all(|w| w[1] == w[0] + 1),
        "{:?}",
        offsets
    );
    assert!(lines[20].starts_with("selector queue "), "{}", lines[20]);
    assert!(lines[20]["selector queue ".len()..].parse::<i32>().is_ok());
    assert_eq!(lines[21], "out-of-range rejected");
    // The broker holds the 20 messages of the key in send order.
    if let [broker] = cluster.brokers.as_slice() {
        let stored = common::pull_n(broker, &topic, queue.unwrap(), offsets[0], 20);
        let bodies: Vec<String> = stored
            .iter()
            .map(|m| String::from_utf8_lossy(&m.body).to_string())
            .collect();
        let expected: Vec<String> = (0..20).map(|i| format!("order-1 step {}", i)).collect();
        assert_eq!(bodies, expected);
    }
}

#[test]
fn producer_batch_prints_every_id() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleBatch");
    let (code, stdout) = run_example("producer_batch", &[&cluster.namesrv, &topic]);
    assert_eq!(code, 0, "{}", stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 12, "{}", stdout);
    let mut ids = Vec::new();
    for (i, line) in lines[..10].iter().enumerate() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 3, "{}", line);
        assert_eq!((f[0], f[1]), ("msg", i.to_string().as_str()));
        assert_eq!(f[2].len(), 32, "msgId in {}", line);
        ids.push(f[2].to_string());
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10, "ids are distinct: {:?}", ids);
    assert_eq!(lines[10], "batch SEND_OK 10");
    // queue <q> offsets <a>..<b> on <broker>
    let f: Vec<&str> = lines[11].split(' ').collect();
    assert_eq!((f.len(), f[0], f[2], f[4]), (6, "queue", "offsets", "on"));
    let queue: i32 = f[1].parse().unwrap();
    let (first, last) = f[3].split_once("..").unwrap();
    let (first, last): (i64, i64) = (first.parse().unwrap(), last.parse().unwrap());
    assert_eq!(last - first, 9);
    // The broker stored them consecutively, with the ids the batch reported.
    if let [broker] = cluster.brokers.as_slice() {
        let stored = common::pull_n(broker, &topic, queue, first, 10);
        let stored_ids: Vec<String> = stored.iter().map(|m| m.msg_id().to_string()).collect();
        assert_eq!(stored_ids, ids);
        for (i, m) in stored.iter().enumerate() {
            assert_eq!(m.body, format!("batch message {}", i).as_bytes());
        }
    }
}

#[test]
fn producer_delay_sends_both_kinds() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleDelay");
    let (code, stdout) = run_example("producer_delay", &[&cluster.namesrv, &topic]);
    assert_eq!(code, 0, "{}", stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", stdout);
    for (line, label) in lines
        .iter()
        .zip(["delay-level 1 SEND_OK ", "delay-ms 1000 SEND_OK "])
    {
        let id = line
            .strip_prefix(label)
            .unwrap_or_else(|| panic!("{}", line));
        assert_eq!(id.len(), 32, "{}", line);
    }
}

#[test]
fn producer_transaction_reports_each_state() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleTx");
    let (code, stdout) = run_example("producer_transaction", &[&cluster.namesrv, &topic]);
    assert_eq!(code, 0, "{}", stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", stdout);
    let mut ids = Vec::new();
    for (i, (line, state)) in lines
        .iter()
        .zip(["COMMIT", "ROLLBACK", "UNKNOWN"])
        .enumerate()
    {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 4, "{}", line);
        assert_eq!((f[0], f[1], f[2]), ("tx", i.to_string().as_str(), state));
        assert_eq!(f[3].len(), 32, "msgId in {}", line);
        ids.push(f[3].to_string());
    }
    // The committed message becomes visible in the topic; the rolled-back
    // one never does.
    if let [broker] = cluster.brokers.as_slice() {
        let visible = || -> Vec<String> {
            (0..4)
                .flat_map(|q| {
                    let max = common::max_offset(broker, &topic, q);
                    common::pull_n(broker, &topic, q, 0, max.max(0) as usize)
                })
                .map(|m| m.msg_id().to_string())
                .collect()
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut seen = visible();
        while !seen.contains(&ids[0]) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(200));
            seen = visible();
        }
        assert!(seen.contains(&ids[0]), "committed message not visible");
        assert!(!seen.contains(&ids[1]), "rolled-back message is visible");
    }
}

#[test]
fn producer_request_times_out_cleanly() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleRequest");
    let (code, stdout) = run_example("producer_request", &[&cluster.namesrv, &topic]);
    assert_eq!(code, 0, "{}", stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", stdout);
    assert_eq!(lines[0], "request timed out as expected");
    let waited: u64 = lines[1].strip_prefix("waited ").unwrap().parse().unwrap();
    assert!((900..3000).contains(&waited), "waited {} ms", waited);
}

#[test]
fn producer_namespace_hides_the_namespace() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleNs");
    let (code, stdout) = run_example("producer_namespace", &[&cluster.namesrv, &topic]);
    assert_eq!(code, 0, "{}", stdout);
    let f: Vec<&str> = stdout.trim().split(' ').collect();
    assert_eq!(f.len(), 8, "{}", stdout);
    assert_eq!((f[4], f[6]), ("queue", "offset"));
    assert_eq!((f[0], f[1], f[2]), ("namespace", "tenant1", "result-topic"));
    assert_eq!(f[3], topic, "the result's topic has no namespace");
    let queue: i32 = f[5].parse().unwrap();
    let offset: i64 = f[7].parse().unwrap();
    // The broker stored it in tenant1%TOPIC.
    if let [broker] = cluster.brokers.as_slice() {
        let stored = format!("tenant1%{}", topic);
        assert_eq!(
            common::max_offset_reaching(broker, &stored, queue, offset + 1),
            offset + 1
        );
    }
}

#[test]
fn producer_compression_sends_zstd() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleZstd");
    let (code, stdout) = run_example("producer_compression", &[&cluster.namesrv, &topic]);
    assert_eq!(code, 0, "{}", stdout);
    let f: Vec<&str> = stdout.trim().split(' ').collect();
    assert_eq!(f.len(), 7, "{}", stdout);
    assert_eq!(
        (f[0], f[1], f[3], f[5]),
        ("zstd", "SEND_OK", "queue", "offset")
    );
    assert_eq!(f[2].len(), 32, "{}", stdout);
    // The broker holds it compressed; it inflates to the 64 KiB body.
    if let [broker] = cluster.brokers.as_slice() {
        let m = common::pull_one(broker, &topic, f[4].parse().unwrap(), f[6].parse().unwrap());
        let line = b"RocketMQ compresses big bodies. ";
        let expected: Vec<u8> = (0..64 * 1024).map(|i| line[i % line.len()]).collect();
        assert_eq!(m.body.len(), expected.len());
        assert!(m.body[..] == expected[..], "body differs");
    }
}

#[test]
fn producer_hooks_veto_and_count() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleHooks");
    let (code, stdout) = run_example("producer_hooks", &[&cluster.namesrv, &topic]);
    assert_eq!(code, 0, "{}", stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", stdout);
    let id = lines[0].strip_prefix("allowed SEND_OK ").expect(lines[0]);
    assert_eq!(id.len(), 32);
    assert!(lines[1].starts_with("vetoed: "), "{}", lines[1]);
    assert!(
        lines[1].contains("tag forbidden is not allowed"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "after-hook calls 1");
}

#[test]
fn producer_stats_prints_the_json_snapshot() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExampleStats");
    let (code, stdout) = run_example("producer_stats", &[&cluster.namesrv, &topic]);
    assert_eq!(code, 0, "{}", stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", stdout);
    assert_eq!(lines[0], "sent 10");
    let json = lines[1].strip_prefix("stats ").expect(lines[1]);
    let stats: serde_json::Value = serde_json::from_str(json).expect("stats is JSON");
    assert_eq!(stats["sends_ok"], 10, "{}", json);
    assert_eq!(stats["sends_failed"], 0, "{}", json);
    assert_eq!(stats["in_flight"], 0, "{}", json);
    assert!(stats["topics"][topic.as_str()]["queues"].as_u64().unwrap() > 0);
}

/// The feature examples under valgrind, as `examples_are_valgrind_clean`.
#[test]
fn feature_examples_are_valgrind_clean() {
    require_valgrind();
    build_examples();
    let cluster = common::shared();
    for name in [
        "producer_orderly",
        "producer_batch",
        "producer_delay",
        "producer_transaction",
        "producer_request",
        "producer_namespace",
        "producer_compression",
        "producer_hooks",
        "producer_stats",
    ] {
        let topic = common::unique_topic("CExampleValgrindFeature");
        let out = Command::new("valgrind")
            .args([
                "--leak-check=full",
                "--errors-for-leak-kinds=definite,indirect",
                "--error-exitcode=9",
            ])
            .arg(common::root().join("examples-c/build").join(name))
            .args([cluster.namesrv.as_str(), topic.as_str()])
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

#[test]
fn producer_acl_signs_and_a_wrong_key_is_refused() {
    let cluster = common::Cluster::start_with(
        1,
        "authenticationEnabled = true\ninitAuthenticationUser = \"{\\\"username\\\":\\\"rocketmq\\\",\\\"password\\\":\\\"12345678\\\"}\"",
    );
    let topic = common::unique_topic("CExampleAcl");
    let (code, stdout) = run_example(
        "producer_acl",
        &[&cluster.namesrv, &topic, "rocketmq", "12345678"],
    );
    assert_eq!(code, 0, "{}", stdout);
    assert!(
        stdout.lines().any(|l| l.starts_with("signed SEND_OK ")),
        "{}",
        stdout
    );
    assert!(
        stdout.contains("wrong key refused: BROKER (response code 16)"),
        "{}",
        stdout
    );
}

/// `consumer_pull` receives, once each, the messages the Rust producer
/// sent, with the send results' ids, queues and offsets; and runs
/// valgrind-clean on a second group.
#[test]
fn consumer_pull_example_receives_what_was_sent() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExamplePull");
    let producer = common::producer(&cluster.namesrv, &[]);
    let n = 50;
    let mut sent = std::collections::HashMap::new();
    for i in 0..n {
        let body = format!("pull body {}", i);
        let mut m = rocketmq::Message::new(&topic, body.clone().into_bytes());
        m.set_tags(if i % 2 == 0 { "TagA" } else { "TagB" })
            .unwrap();
        let r = producer.send(&m).unwrap();
        sent.insert(body, (i, r));
    }
    producer.shutdown().unwrap();
    let group = common::unique_topic("CExamplePullGroup");
    let count = n.to_string();
    let (code, stdout) = run_example("consumer_pull", &[&cluster.namesrv, &topic, &count, &group]);
    assert_eq!(code, 0, "{}", stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), n, "{}", stdout);
    let mut seen = std::collections::HashSet::new();
    for line in &lines {
        // <queueId> <queueOffset> <msgId> <tags> <body>
        let f: Vec<&str> = line.splitn(5, ' ').collect();
        assert_eq!(f.len(), 5, "{}", line);
        let (i, r) = sent
            .get(f[4])
            .unwrap_or_else(|| panic!("unknown body in {:?}", line));
        assert!(seen.insert(f[4].to_string()), "twice: {}", line);
        assert_eq!(
            f[0].parse::<i32>().unwrap(),
            r.message_queue.queue_id,
            "{}",
            line
        );
        assert_eq!(f[1].parse::<i64>().unwrap(), r.queue_offset, "{}", line);
        assert_eq!(f[2], r.msg_id, "{}", line);
        assert_eq!(f[3], if i % 2 == 0 { "TagA" } else { "TagB" }, "{}", line);
    }
    assert_eq!(seen.len(), n);
    require_valgrind();
    let group2 = common::unique_topic("CExamplePullValgrind");
    let out = Command::new("valgrind")
        .args([
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=9",
        ])
        .arg(common::root().join("examples-c/build/consumer_pull"))
        .args([cluster.namesrv.as_str(), topic.as_str(), &count, &group2])
        .output()
        .expect("run valgrind");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "consumer_pull under valgrind:\n{}",
        stderr
    );
    assert!(stderr.contains("ERROR SUMMARY: 0 errors"), "{}", stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), n);
}

/// `consumer_push` receives, once each, the messages the Rust producer
/// sent, with the send results' ids, queues and offsets, through its
/// callback on the consumer's threads; and runs valgrind-clean on a second
/// group.
#[test]
fn consumer_push_example_receives_what_was_sent() {
    let cluster = common::shared();
    let topic = common::unique_topic("CExamplePush");
    let producer = common::producer(&cluster.namesrv, &[]);
    let n = 50;
    let mut sent = std::collections::HashMap::new();
    for i in 0..n {
        let body = format!("push body {}", i);
        let mut m = rocketmq::Message::new(&topic, body.clone().into_bytes());
        m.set_tags(if i % 2 == 0 { "TagA" } else { "TagB" })
            .unwrap();
        let r = producer.send(&m).unwrap();
        sent.insert(body, (i, r));
    }
    producer.shutdown().unwrap();
    let group = common::unique_topic("CExamplePushGroup");
    let count = n.to_string();
    let (code, stdout) = run_example("consumer_push", &[&cluster.namesrv, &topic, &count, &group]);
    assert_eq!(code, 0, "{}", stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), n, "{}", stdout);
    let mut seen = std::collections::HashSet::new();
    for line in &lines {
        // <queueId> <queueOffset> <msgId> <tags> <body>
        let f: Vec<&str> = line.splitn(5, ' ').collect();
        assert_eq!(f.len(), 5, "{}", line);
        let (i, r) = sent
            .get(f[4])
            .unwrap_or_else(|| panic!("unknown body in {:?}", line));
        assert!(seen.insert(f[4].to_string()), "twice: {}", line);
        assert_eq!(
            f[0].parse::<i32>().unwrap(),
            r.message_queue.queue_id,
            "{}",
            line
        );
        assert_eq!(f[1].parse::<i64>().unwrap(), r.queue_offset, "{}", line);
        assert_eq!(f[2], r.msg_id, "{}", line);
        assert_eq!(f[3], if i % 2 == 0 { "TagA" } else { "TagB" }, "{}", line);
    }
    assert_eq!(seen.len(), n);
    require_valgrind();
    let group2 = common::unique_topic("CExamplePushValgrind");
    let out = Command::new("valgrind")
        .args([
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=9",
        ])
        .arg(common::root().join("examples-c/build/consumer_push"))
        .args([cluster.namesrv.as_str(), topic.as_str(), &count, &group2])
        .output()
        .expect("run valgrind");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "consumer_push under valgrind:\n{}",
        stderr
    );
    assert!(stderr.contains("ERROR SUMMARY: 0 errors"), "{}", stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), n);
}

#[test]
fn bench_e2e_measures_every_message_from_send_to_listener() {
    let cluster = common::shared();
    let topic = common::unique_topic("CBenchE2E");
    let (code, stdout) = run_example(
        "bench_e2e",
        &[
            "--namesrv",
            &cluster.namesrv,
            "--topic",
            &topic,
            "--count",
            "300",
            "--rate",
            "500",
        ],
    );
    assert_eq!(code, 0, "{}", stdout);
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["mode"], "e2e");
    assert_eq!(v["sent"], 300, "{}", v);
    assert_eq!(v["received"], 300, "{}", v);
    assert_eq!(v["send_failed"], 0, "{}", v);
    let lat = &v["lat_us"];
    let (p50, p99, max) = (
        lat["p50"].as_f64().unwrap(),
        lat["p99"].as_f64().unwrap(),
        lat["max"].as_f64().unwrap(),
    );
    assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{}", v);
    assert!(v["send_ack_us"]["p50"].as_f64().unwrap() > 0.0, "{}", v);
}

#[test]
fn bench_legacy_api_mode_sends_through_the_legacy_functions() {
    let cluster = common::shared();
    let topic = common::unique_topic("CBenchLegacy");
    for mode in ["sync", "async", "oneway"] {
        let (code, stdout) = run_example(
            "bench",
            &[
                "--namesrv",
                &cluster.namesrv,
                "--topic",
                &topic,
                "--mode",
                mode,
                "--api",
                "legacy",
                "--count",
                "200",
                "--warmup",
                "20",
            ],
        );
        assert_eq!(code, 0, "{}: {}", mode, stdout);
        let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(v["mode"], mode, "{}", v);
        assert_eq!(v["api"], "legacy", "{}", v);
        assert_eq!(v["messages"], 200, "{}", v);
        assert_eq!(v["ok"], 200, "{}", v);
        assert_eq!(v["failed"], 0, "{}", v);
    }
    // The legacy API has no key/value setter: --set is refused, as is a
    // consumer mode.
    let (code, _) = run_example(
        "bench",
        &[
            "--namesrv",
            &cluster.namesrv,
            "--mode",
            "sync",
            "--api",
            "legacy",
            "--set",
            "a=b",
        ],
    );
    assert_eq!(code, 2);
    let (code, _) = run_example(
        "bench",
        &[
            "--namesrv",
            &cluster.namesrv,
            "--mode",
            "pull",
            "--api",
            "legacy",
        ],
    );
    assert_eq!(code, 2);
}
