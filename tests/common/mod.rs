//! Shared helpers for the integration tests: a real NameServer + Broker
//! cluster (scripts/cluster.sh), found through `ROCKETMQ_NAMESRV` or started
//! on demand.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use once_cell::sync::Lazy;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running test cluster.
pub struct Cluster {
    /// NameServer address.
    pub namesrv: String,
    /// Broker addresses, index = broker index.
    pub brokers: Vec<String>,
    /// The cluster directory when this process owns the cluster.
    dir: Option<PathBuf>,
}

impl Cluster {
    /// Starts a private cluster of `brokers` brokers, stopped on drop (and
    /// by the script's watchdog should this process die first).
    pub fn start(brokers: usize) -> Cluster {
        Cluster::start_with(brokers, "")
    }

    /// [`Cluster::start`] with extra broker settings (TOML lines of the
    /// `[broker]` section, e.g. `transactionCheckInterval = 1000`).
    pub fn start_with(brokers: usize, broker_extra: &str) -> Cluster {
        Cluster::start_with_env(brokers, &[("ROCKETMQ_BROKER_EXTRA", broker_extra)])
    }

    /// [`Cluster::start`] with environment settings of `scripts/cluster.sh`
    /// (e.g. `ROCKETMQ_CLUSTER_TLS_DIR`, see its header).
    pub fn start_with_env(brokers: usize, env: &[(&str, &str)]) -> Cluster {
        let out = Command::new(root().join("scripts/cluster.sh"))
            .envs(env.iter().copied())
            .args(["start", "--brokers", &brokers.to_string(), "--owner-pid"])
            .arg(std::process::id().to_string())
            .output()
            .expect("run scripts/cluster.sh");
        assert!(
            out.status.success(),
            "cluster start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env: HashMap<String, String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                l.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect();
        Cluster {
            namesrv: env["ROCKETMQ_NAMESRV"].clone(),
            brokers: env["ROCKETMQ_BROKER_ADDRS"]
                .split(';')
                .map(str::to_string)
                .collect(),
            dir: Some(PathBuf::from(&env["ROCKETMQ_CLUSTER_DIR"])),
        }
    }

    fn dir(&self) -> &Path {
        self.dir
            .as_deref()
            .expect("only an owned cluster can be changed")
    }

    /// SIGKILLs broker `index`.
    pub fn kill_broker(&self, index: usize) {
        self.script(&[
            "kill-broker",
            &self.dir().display().to_string(),
            &index.to_string(),
        ]);
    }

    /// Restarts broker `index` on its old port and store.
    pub fn start_broker(&self, index: usize) {
        self.script(&[
            "start-broker",
            &self.dir().display().to_string(),
            &index.to_string(),
        ]);
    }

    fn script(&self, args: &[&str]) {
        let out = Command::new(root().join("scripts/cluster.sh"))
            .args(args)
            .output()
            .expect("run scripts/cluster.sh");
        assert_success(&out, &format!("cluster.sh {:?}", args));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = Command::new(root().join("scripts/cluster.sh"))
                .arg("stop")
                .arg(dir)
                .output();
        }
    }
}

static SHARED: Lazy<Cluster> = Lazy::new(|| match std::env::var("ROCKETMQ_NAMESRV") {
    Ok(addr) if !addr.trim().is_empty() => Cluster {
        namesrv: addr,
        brokers: Vec::new(),
        dir: None,
    },
    _ => Cluster::start(1),
});

/// The shared cluster: `ROCKETMQ_NAMESRV` if set, else one started for this
/// test process (stopped by its watchdog when the process exits).
pub fn shared() -> &'static Cluster {
    &SHARED
}

/// A topic name unique to this process and call.
pub fn unique_topic(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{}_{}_{}_{}",
        prefix,
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A started producer on `namesrv` with extra settings.
pub fn producer(namesrv: &str, settings: &[(&str, &str)]) -> rocketmq::Producer {
    let p = rocketmq::Producer::new(&unique_topic("group")).unwrap();
    p.set("namesrvAddr", namesrv).unwrap();
    for (k, v) in settings {
        p.set(k, v).unwrap();
    }
    p.start().unwrap();
    p
}

/// The broker's max offset of a queue (GET_MAX_OFFSET, code 30), over a
/// plain blocking socket: a check of what the broker stored that does not
/// go through the producer under test.
pub fn max_offset(broker_addr: &str, topic: &str, queue_id: i32) -> i64 {
    let qid = queue_id.to_string();
    let cmd = request(broker_addr, 30, &[("topic", topic), ("queueId", &qid)]);
    assert_eq!(cmd.code, 0, "GET_MAX_OFFSET: {:?}", cmd.remark);
    cmd.ext("offset").expect("offset").parse().unwrap()
}

/// Peak resident set size of this process, KiB (from /proc/self/status).
pub fn vm_hwm_kib() -> u64 {
    proc_status_field("VmHWM:")
}

/// Current resident set size of this process, KiB.
pub fn vm_rss_kib() -> u64 {
    proc_status_field("VmRSS:")
}

fn proc_status_field(name: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// One request/response on a fresh blocking socket (test utility).
pub fn request(addr: &str, code: i32, fields: &[(&str, &str)]) -> rocketmq::codec::RemotingCommand {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut frame = Vec::new();
    rocketmq::codec::encode_frame(&mut frame, code, 1, 0, None, fields, b"");
    s.write_all(&frame).unwrap();
    let mut buf = bytes::BytesMut::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if let Some(cmd) = rocketmq::codec::decode_frame(&mut buf).unwrap() {
            return cmd;
        }
        let n = s.read(&mut chunk).expect("read");
        assert!(n > 0, "peer closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Pulls up to `max` messages of a queue from `offset` (PULL_MESSAGE, code
/// 11, subscription "*"), decoded: what the broker stored, read without the
/// producer under test. Empty when nothing is there (yet).
pub fn pull(
    broker_addr: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
    max: i32,
) -> Vec<rocketmq::protocol::message_ext::MessageExt> {
    let (qid, off, max) = (queue_id.to_string(), offset.to_string(), max.to_string());
    let resp = request(
        broker_addr,
        11,
        &[
            ("consumerGroup", "rmq_test_verifier"),
            ("topic", topic),
            ("queueId", &qid),
            ("queueOffset", &off),
            ("maxMsgNums", &max),
            ("sysFlag", "4"),
            ("commitOffset", "0"),
            ("suspendTimeoutMillis", "0"),
            ("subscription", "*"),
            ("subVersion", "0"),
            ("expressionType", "TAG"),
        ],
    );
    match resp.code {
        0 => {
            rocketmq::protocol::message_ext::decode_all(resp.body).expect("decode pulled messages")
        }
        19..=21 => Vec::new(),
        code => panic!("PULL_MESSAGE answered {}: {:?}", code, resp.remark),
    }
}

/// Pulls the message stored at `offset` in a queue, retrying briefly while
/// the broker dispatches it.
pub fn pull_one(
    broker_addr: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
) -> rocketmq::protocol::message_ext::MessageExt {
    for _ in 0..100 {
        if let Some(m) = pull(broker_addr, topic, queue_id, offset, 1)
            .into_iter()
            .next()
        {
            return m;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no message at {}:{} offset {}", topic, queue_id, offset);
}

/// Pulls `n` consecutive messages of a queue starting at `offset`.
pub fn pull_n(
    broker_addr: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
    n: usize,
) -> Vec<rocketmq::protocol::message_ext::MessageExt> {
    let mut out = Vec::new();
    let mut next = offset;
    for _ in 0..(n * 4 + 100) {
        if out.len() >= n {
            break;
        }
        let got = pull(broker_addr, topic, queue_id, next, 32);
        if got.is_empty() {
            std::thread::sleep(std::time::Duration::from_millis(20));
            continue;
        }
        for m in got {
            next = m.queue_offset + 1;
            out.push(m);
        }
    }
    out.truncate(n);
    out
}

impl Cluster {
    fn env_value(&self, key: &str) -> String {
        let text = std::fs::read_to_string(self.dir().join("cluster.env")).expect("cluster.env");
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{}=", key)).map(str::to_string))
            .unwrap_or_default()
    }

    /// The current pid of broker `index`.
    pub fn broker_pid(&self, index: usize) -> i32 {
        self.env_value("ROCKETMQ_BROKER_PIDS")
            .split(' ')
            .nth(index)
            .and_then(|p| p.parse().ok())
            .expect("broker pid")
    }

    /// Sends `signal` (e.g. libc::SIGSTOP) to broker `index`.
    pub fn signal_broker(&self, index: usize, signal: i32) {
        // SAFETY: kill(2) on a pid this cluster started.
        unsafe { libc::kill(self.broker_pid(index), signal) };
    }

    /// SIGKILLs the NameServer.
    pub fn kill_namesrv(&self) {
        let pid: i32 = self
            .env_value("ROCKETMQ_NAMESRV_PID")
            .parse()
            .expect("namesrv pid");
        // SAFETY: kill(2) on a pid this cluster started.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// Threads of this process (from /proc/self/status).
pub fn thread_count() -> u64 {
    proc_status_field("Threads:")
}

/// The statistics snapshot of `p`, parsed.
pub fn stats(p: &rocketmq::Producer) -> serde_json::Value {
    serde_json::from_str(&p.stats_json().unwrap()).unwrap()
}

/// [`max_offset`] once it reaches `at_least` (the broker indexes stored
/// messages asynchronously), or its value after 10 s.
pub fn max_offset_reaching(broker_addr: &str, topic: &str, queue_id: i32, at_least: i64) -> i64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let max = max_offset(broker_addr, topic, queue_id);
        if max >= at_least || std::time::Instant::now() >= deadline {
            return max;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A directory with the `librocketmq.so` that cargo built with this test
/// (`cargo test` builds the library with every crate type of its `[lib]`,
/// the cdylib too, but only into `<target>/debug/deps`: `<target>/debug`
/// holds the one of the last `cargo build`, which may be older). The
/// library is copied into `<target>/debug/c-lib/` with its soname link
/// `librocketmq.so.0`. No nested `cargo build`: one without the
/// dev-dependencies' features would rebuild the library, and the next
/// `cargo test` again.
pub fn debug_lib_dir() -> &'static Path {
    static DIR: once_cell::sync::OnceCell<PathBuf> = once_cell::sync::OnceCell::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("current_exe");
        let deps = exe.parent().expect("deps dir");
        let built = deps.join("librocketmq.so");
        assert!(built.exists(), "no librocketmq.so in {}", deps.display());
        let dir = deps.parent().expect("target dir").join("c-lib");
        std::fs::create_dir_all(&dir).unwrap();
        let tmp = dir.join(format!(".librocketmq.so.{}", std::process::id()));
        std::fs::copy(&built, &tmp).expect("copy librocketmq.so");
        std::fs::rename(&tmp, dir.join("librocketmq.so")).unwrap();
        let link = dir.join("librocketmq.so.0");
        if std::fs::symlink_metadata(&link).is_err() {
            let _ = std::os::unix::fs::symlink("librocketmq.so", &link);
        }
        dir
    })
}

/// Compiles `tests/c/<name>.c` (C11, warnings are errors) against
/// `include/` only and links it with the `librocketmq.so` in `lib`;
/// returns the program (next to the library, in `c-tests/`).
pub fn compile_c(name: &str, lib: &Path) -> PathBuf {
    compile_c_with(name, lib, &[])
}

/// [`compile_c`] with preprocessor `defines` (e.g. `-DLEGACY_LINK_CHECK`),
/// which also name the program. Every symbol is bound at load (`-z now`),
/// so a missing export fails the program's start, not a late call.
pub fn compile_c_with(name: &str, lib: &Path, defines: &[&str]) -> PathBuf {
    let out_dir = lib.join("c-tests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join(format!("{}{}", name, defines.join("")));
    let out = Command::new("cc")
        .args([
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-D_GNU_SOURCE",
            "-g",
        ])
        .args(defines)
        .arg("-I")
        .arg(root().join("include"))
        .arg(root().join("tests/c").join(format!("{}.c", name)))
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib.display()))
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .args(["-lrocketmq", "-lpthread", "-Wl,-z,now"])
        .output()
        .expect("run cc");
    assert_success(&out, &format!("cc {}", name));
    exe
}

/// Asserts that a finished command succeeded; else fails the test with
/// `what` and the command's stderr.
pub fn assert_success(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{}: {}",
        what,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Compiles `tests/c/<name>.c` (see [`compile_c`]), makes a topic named
/// after `prefix` exist on the shared cluster (one sync send: the program's
/// own first sends then need no auto-creation) and runs the program as
/// `<name> <namesrv> <topic>`, killed after `limit`; asserts that it
/// exits 0. Returns its stdout (echoed for the test log).
pub fn run_c_on_topic(name: &str, prefix: &str, limit: std::time::Duration) -> String {
    let exe = compile_c(name, debug_lib_dir());
    let namesrv = shared().namesrv.clone();
    let topic = unique_topic(prefix);
    let p = producer(&namesrv, &[]);
    p.send(&rocketmq::Message::new(&topic, &b"create"[..]))
        .expect("creating the topic");
    p.shutdown().unwrap();
    let mut cmd = Command::new(exe);
    // cargo test puts `<target>/debug` (a library of the last `cargo
    // build`) on LD_LIBRARY_PATH, which wins over the program's RUNPATH.
    cmd.args([namesrv.as_str(), topic.as_str()])
        .env_remove("LD_LIBRARY_PATH");
    let (status, stdout) = run_bounded(cmd, limit);
    assert!(
        status.success(),
        "{} exited {:?}:\n{}",
        name,
        status,
        stdout
    );
    stdout
}

/// Runs `cmd`, killed after `limit` (then the test fails); returns its
/// exit status and stdout, with stdout and stderr echoed for the test log.
pub fn run_bounded(
    mut cmd: Command,
    limit: std::time::Duration,
) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{:?} did not finish within {:?}:\n{}",
                cmd,
                limit,
                out.join().unwrap()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let stdout = out.join().unwrap();
    eprintln!("{}{}", stdout, err.join().unwrap());
    (status, stdout)
}

/// Holds an exclusive `flock` on `path` while alive: one build or install
/// at a time, also across processes (test binaries run in parallel).
pub struct FileLock(std::fs::File);

impl FileLock {
    /// Blocks until the lock on `path` (created with its directory when
    /// missing) is ours.
    pub fn take(path: &Path) -> FileLock {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let f = std::fs::File::create(path).unwrap();
        use std::os::unix::io::AsRawFd;
        // SAFETY: a valid open descriptor; flock blocks until it is ours.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        assert_eq!(rc, 0, "flock {}", path.display());
        FileLock(f)
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        use std::os::unix::io::AsRawFd;
        // SAFETY: the descriptor is still open.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// The python of a virtualenv holding the unmodified Python binding (PyPI
/// `rocketmq-client-python==2.0.0`), made once in the cache outside the
/// clone (`~/.cache/rocketmq-client-rs/pyenv-2.0.0`). Made under a file
/// lock and marked complete only after pip succeeded, so that tests
/// starting at the same time neither race on it nor use a half-made one.
/// Panics (failing the test) when python3's venv or pip fails.
pub fn python_venv() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".into());
    let cache = PathBuf::from(home).join(".cache/rocketmq-client-rs");
    let dir = cache.join("pyenv-2.0.0");
    let done = dir.join(".installed");
    let python = dir.join("bin/python");
    if done.exists() {
        return python;
    }
    let _lock = FileLock::take(&cache.join(".pyenv-2.0.0.lock"));
    if done.exists() {
        return python;
    }
    let _ = std::fs::remove_dir_all(&dir); // a half-made one from a killed run
    let venv = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&dir)
        .status()
        .map(|s| s.success());
    assert_eq!(
        venv.ok(),
        Some(true),
        "python3 -m venv {} failed",
        dir.display()
    );
    let pip = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "rocketmq-client-python==2.0.0",
        ])
        .status()
        .map(|s| s.success());
    assert_eq!(
        pip.ok(),
        Some(true),
        "pip install rocketmq-client-python==2.0.0 failed"
    );
    std::fs::write(&done, b"").unwrap();
    python
}
