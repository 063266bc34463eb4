//! Sanitizers and memory checkers over the library, never skipped: a missing
//! tool is installed (rustup's nightly and its rust-src, Debian's valgrind),
//! and when that fails the test fails with what to install.
//!
//! - AddressSanitizer + LeakSanitizer (`sanitizer_asan_…`): the library
//!   built by nightly rustc with `-Zsanitizer=address` (a cdylib carries no
//!   sanitizer runtime); the C programs compiled with `cc -fsanitize=address`
//!   (instrumentation only) and linked with the nightly's own ASan runtime
//!   (`librustc-nightly_rt.asan.a`, whole, exported), so that the library's
//!   instrumentation (the nightly's LLVM) and the runtime match; Debian's
//!   clang / gcc runtimes are older than the nightly's LLVM, a mix LLVM does
//!   not support. Over the C examples (producer_sync, producer_async,
//!   producer_oneway, consumer_push, consumer_pull), the legacy C test
//!   programs (tests/c/legacy_producer.c in every mode that runs on the
//!   shared cluster, tests/c/legacy_pull_consumer.c). A canary
//!   (tests/c/sanitizer_canary.c) proves that the runtime reports a leak of
//!   the library's allocations and a heap overflow in C.
//! - ThreadSanitizer (`sanitizer_tsan_…`): tests/tsan, a stress program of
//!   async sends, shutdown with sends in flight and a push consumer group,
//!   built with `-Zsanitizer=thread -Zbuild-std` (an instrumented std, no
//!   false positives from std's synchronisation); its `race` mode is the
//!   canary.
//! - valgrind memcheck (`valgrind_…`): the legacy C programs and one run of
//!   the Python binding (tests/python/producer_paths.py) on the release
//!   library, `--error-exitcode` and full leak checking.
//!
//! The sanitizer builds live in `<target>/sanitizers/{asan,tsan}` (cargo
//! rebuilds only what changed) and are made once per test process.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The cargo target dir of this test binary (`<target>/debug/deps/x`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

fn ok(cmd: &mut Command) -> bool {
    cmd.output().map(|o| o.status.success()).unwrap_or(false)
}

/// Installs Debian package `package` when `probe` fails; fails the test
/// when it is still missing.
fn require_debian(probe: &[&str], package: &str) {
    let present = || ok(Command::new(probe[0]).args(&probe[1..]));
    if present() {
        return;
    }
    let install = || ok(Command::new("apt-get").args(["install", "-y", "-q", package]));
    if !install() {
        let _ = ok(Command::new("apt-get").args(["update", "-q"]));
        let _ = install();
    }
    assert!(
        present(),
        "{} is missing and `apt-get install -y {}` did not install it; install it to run this test",
        probe[0],
        package
    );
}

/// A `cargo +nightly` command without the outer cargo's settings.
fn nightly_cargo() -> Command {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        if !ok(Command::new("rustup").args(["run", "nightly", "rustc", "--version"])) {
            let _ = ok(Command::new("rustup").args([
                "toolchain",
                "install",
                "nightly",
                "--profile",
                "minimal",
            ]));
        }
        // rust-src for -Zbuild-std (no-op when installed).
        let _ = ok(Command::new("rustup").args(["+nightly", "component", "add", "rust-src"]));
        assert!(
            ok(Command::new("rustup").args(["run", "nightly", "rustc", "--version"])),
            "no nightly Rust toolchain and `rustup toolchain install nightly` failed: the \
             sanitizers need nightly rustc (-Zsanitizer)"
        );
    });
    let mut c = Command::new("cargo");
    c.arg("+nightly");
    for var in [
        "RUSTUP_TOOLCHAIN",
        "RUSTC",
        "RUSTC_WRAPPER",
        "RUSTDOC",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO",
        "CARGO_MAKEFLAGS",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        c.env_remove(var);
    }
    c.current_dir(common::root());
    c
}

/// The nightly's sysroot runtime library `librustc-nightly_rt.<name>.a`.
fn nightly_runtime(name: &str) -> PathBuf {
    let out = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--print", "sysroot"])
        .output()
        .expect("rustc --print sysroot");
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let rt = sysroot
        .join("lib/rustlib")
        .join(TARGET)
        .join("lib")
        .join(format!("librustc-nightly_rt.{}.a", name));
    assert!(rt.exists(), "no {} in the nightly toolchain", rt.display());
    rt
}

/// Runs a build (one at a time: the tests of this file run in parallel);
/// fails the test with its output when it fails.
fn build(mut cmd: Command, what: &str) {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let started = std::time::Instant::now();
    let out = cmd.output().unwrap_or_else(|e| panic!("{}: {}", what, e));
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        what,
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}: {:.1} s", what, started.elapsed().as_secs_f64());
}

/// The library built with AddressSanitizer (once per process); its dir.
fn asan_lib() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = target_dir().join("sanitizers/asan");
        let mut c = nightly_cargo();
        c.args(["build", "--lib", "--target", TARGET])
            .env("CARGO_TARGET_DIR", &target)
            .env("RUSTFLAGS", "-Zsanitizer=address");
        build(c, "ASan library build (cargo +nightly -Zsanitizer=address)");
        target.join(TARGET).join("debug")
    })
}

/// Compiles C `source` with ASan instrumentation and links it with the
/// nightly's ASan runtime and the ASan library; returns the program.
fn asan_program(source: &Path) -> PathBuf {
    require_debian(&["cc", "--version"], "gcc");
    let lib = asan_lib();
    let rt = nightly_runtime("asan");
    let out_dir = target_dir().join("sanitizers/asan-c");
    std::fs::create_dir_all(&out_dir).unwrap();
    let name = source.file_stem().unwrap().to_string_lossy().to_string();
    let (obj, exe) = (out_dir.join(format!("{}.o", name)), out_dir.join(&name));
    let root = common::root();
    let cc = |args: &mut Command, what: &str| {
        let out = args.output().expect("run cc");
        assert!(
            out.status.success(),
            "{} {}: {}",
            what,
            name,
            String::from_utf8_lossy(&out.stderr)
        );
    };
    cc(
        Command::new("cc")
            .args(["-O1", "-g", "-fsanitize=address", "-fno-omit-frame-pointer"])
            .args(["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror"])
            .arg("-I")
            .arg(root.join("include"))
            .arg("-c")
            .arg(source)
            .arg("-o")
            .arg(&obj),
        "compile",
    );
    cc(
        Command::new("cc")
            .arg("-rdynamic")
            .arg("-o")
            .arg(&exe)
            .arg(&obj)
            .arg("-Wl,--whole-archive")
            .arg(&rt)
            .arg("-Wl,--no-whole-archive")
            .arg(format!("-L{}", lib.display()))
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .args(["-lrocketmq", "-lpthread", "-ldl", "-lm", "-lrt"]),
        "link",
    );
    exe
}

/// Runs an ASan program; its output.
fn run_asan(exe: &Path, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .env(
            "ASAN_OPTIONS",
            "detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1",
        )
        .env("LSAN_OPTIONS", "report_objects=1")
        .output()
        .expect("run an ASan program")
}

/// Asserts a clean ASan run: exit 0, no report.
fn assert_asan_clean(what: &str, out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stderr.contains("Sanitizer"),
        "{} under ASan: {:?}\n{}\n{}",
        what,
        out.status,
        stdout,
        stderr
    );
    stdout
}

fn example(name: &str) -> PathBuf {
    common::root()
        .join("examples-c")
        .join(format!("{}.c", name))
}

/// Makes `topic` exist (a sync send, which is retried; see legacy_c.rs).
fn create_topic(namesrv: &str, topic: &str) {
    let p = common::producer(namesrv, &[]);
    p.send(&rocketmq::Message::new(topic, &b"create"[..]))
        .unwrap();
    p.shutdown().unwrap();
}

#[test]
fn sanitizer_asan_reports_planted_faults() {
    let exe = asan_program(&common::root().join("tests/c/sanitizer_canary.c"));
    assert_asan_clean("canary clean", &run_asan(&exe, &["clean"]));
    let leak = run_asan(&exe, &["leak"]);
    let stderr = String::from_utf8_lossy(&leak.stderr);
    assert!(
        !leak.status.success()
            && stderr.contains("LeakSanitizer: detected memory leaks")
            && stderr.contains("rmq_message_new"),
        "the planted leak of library messages was not reported: {:?}\n{}",
        leak.status,
        stderr
    );
    let overflow = run_asan(&exe, &["overflow"]);
    let stderr = String::from_utf8_lossy(&overflow.stderr);
    assert!(
        !overflow.status.success() && stderr.contains("heap-buffer-overflow"),
        "the planted overflow was not reported: {:?}\n{}",
        overflow.status,
        stderr
    );
}

#[test]
fn sanitizer_asan_c_examples_are_clean() {
    let ns = common::shared().namesrv.clone();
    let topic = common::unique_topic("AsanExamples");
    // What producer_sync sends, the consumers take.
    let consumed = common::unique_topic("AsanExamplesConsumed");
    let out = assert_asan_clean(
        "producer_sync",
        &run_asan(
            &asan_program(&example("producer_sync")),
            &[&ns, &consumed, "30"],
        ),
    );
    assert_eq!(out.lines().filter(|l| l.contains(" SEND_OK ")).count(), 30);
    let out = assert_asan_clean(
        "producer_async",
        &run_asan(
            &asan_program(&example("producer_async")),
            &[&ns, &topic, "1000"],
        ),
    );
    assert_eq!(out.trim(), "successes=1000 failures=0 rejected=0");
    let out = assert_asan_clean(
        "producer_oneway",
        &run_asan(
            &asan_program(&example("producer_oneway")),
            &[&ns, &topic, "500"],
        ),
    );
    assert_eq!(out.trim(), "accepted=500 rejected=0");
    for name in ["consumer_push", "consumer_pull"] {
        let group = common::unique_topic(&format!("Asan_{}", name));
        let out = assert_asan_clean(
            name,
            &run_asan(
                &asan_program(&example(name)),
                &[&ns, &consumed, "30", &group],
            ),
        );
        assert_eq!(out.lines().count(), 30, "{}: {}", name, out);
    }
}

#[test]
fn sanitizer_asan_legacy_programs_are_clean() {
    let ns = common::shared().namesrv.clone();
    let exe = asan_program(&common::root().join("tests/c/legacy_producer.c"));
    for mode in [
        "sync",
        "concurrent",
        "oneway",
        "async",
        "sendasync",
        "orderly",
        "sharding",
        "batch",
        "transaction",
        "errors",
    ] {
        let topic = common::unique_topic(&format!("AsanLegacy_{}", mode));
        let on = if mode == "errors" { "127.0.0.1:1" } else { &ns };
        if matches!(mode, "async" | "sendasync") {
            create_topic(&ns, &topic);
        }
        let out = assert_asan_clean(mode, &run_asan(&exe, &[on, &topic, mode]));
        assert!(out.contains("failures=0"), "{}: {}", mode, out);
    }
    // The legacy pull consumer over what a producer sent.
    let topic = common::unique_topic("AsanLegacyPull");
    let p = common::producer(&ns, &[]);
    for i in 0..30 {
        let mut m = rocketmq::Message::new(&topic, format!("body-{}", i).into_bytes());
        m.set_tags(["TagA", "TagB", "TagC"][i % 3]).unwrap();
        m.set_keys(&format!("key-{}", i)).unwrap();
        m.set_property("prop", &format!("v{}", i)).unwrap();
        p.send(&m).unwrap();
    }
    p.shutdown().unwrap();
    let exe = asan_program(&common::root().join("tests/c/legacy_pull_consumer.c"));
    let out = assert_asan_clean(
        "legacy_pull_consumer",
        &run_asan(&exe, &[&ns, &topic, "30"]),
    );
    assert!(out.contains("failures=0"), "{}", out);
}

/// The ThreadSanitizer stress program (tests/tsan), built once per process.
fn tsan_program() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let target = target_dir().join("sanitizers/tsan");
        let mut c = nightly_cargo();
        c.args([
            "build",
            "-Zbuild-std",
            "--target",
            TARGET,
            "--manifest-path",
        ])
        .arg(common::root().join("tests/tsan/Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTFLAGS", "-Zsanitizer=thread");
        build(
            c,
            "TSan stress build (cargo +nightly -Zsanitizer=thread -Zbuild-std)",
        );
        target.join(TARGET).join("debug/rocketmq-tsan-stress")
    })
}

fn run_tsan(mode: &str, namesrv: &str) -> Output {
    let topic = common::unique_topic(&format!("Tsan_{}", mode));
    Command::new(tsan_program())
        .args([namesrv, topic.as_str(), mode])
        .env(
            "TSAN_OPTIONS",
            "halt_on_error=0:exitcode=66:second_deadlock_stack=1",
        )
        .output()
        .expect("run the TSan stress program")
}

#[test]
fn sanitizer_tsan_reports_a_planted_race() {
    let out = run_tsan("race", "127.0.0.1:1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(66) && stderr.contains("WARNING: ThreadSanitizer: data race"),
        "the planted race was not reported: {:?}\n{}",
        out.status,
        stderr
    );
}

#[test]
fn sanitizer_tsan_async_shutdown_and_consumer_stress_is_race_free() {
    let ns = common::shared().namesrv.clone();
    for mode in ["async", "shutdown", "consumer"] {
        let started = std::time::Instant::now();
        let out = run_tsan(mode, &ns);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && !stderr.contains("ThreadSanitizer"),
            "{} under TSan: {:?}\n{}\n{}",
            mode,
            out.status,
            stdout,
            stderr
        );
        assert!(stdout.contains(&format!("{} ok", mode)), "{}", stdout);
        eprintln!(
            "tsan {}: {} in {:?}",
            mode,
            stdout.trim(),
            started.elapsed()
        );
    }
}

/// The release library (once per process); its dir.
fn release_lib() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = target_dir();
        let mut c = Command::new(env!("CARGO"));
        c.args(["build", "--release", "--lib"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(common::root());
        build(c, "release library build");
        target.join("release")
    })
}

/// Compiles a legacy test program against include/ and the release library.
fn legacy_program(name: &str) -> PathBuf {
    let lib = release_lib();
    let out_dir = target_dir().join("sanitizers/valgrind-c");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join(name);
    let out = Command::new("cc")
        .args([
            "-O1",
            "-g",
            "-std=c11",
            "-D_GNU_SOURCE",
            "-Wall",
            "-Wextra",
            "-Werror",
        ])
        .arg("-I")
        .arg(common::root().join("include"))
        .arg(common::root().join("tests/c").join(format!("{}.c", name)))
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib.display()))
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .args(["-lrocketmq", "-lpthread"])
        .output()
        .expect("run cc");
    assert!(
        out.status.success(),
        "cc {}: {}",
        name,
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Runs `program args` under memcheck: errors (invalid accesses, use of
/// uninitialised values, definite and indirect leaks) exit 9.
fn valgrind(program: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    require_debian(&["valgrind", "--version"], "valgrind");
    Command::new("valgrind")
        .args([
            "--tool=memcheck",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=9",
            "--track-origins=yes",
        ])
        .arg(program)
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("run valgrind")
}

fn assert_valgrind_clean(what: &str, out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("ERROR SUMMARY: 0 errors"),
        "{} under valgrind: {:?}\n{}\n{}",
        what,
        out.status,
        stdout,
        stderr
    );
    stdout
}

#[test]
fn valgrind_legacy_programs_are_clean() {
    let ns = common::shared().namesrv.clone();
    let exe = legacy_program("legacy_producer");
    for mode in [
        "sync",
        "oneway",
        "async",
        "sendasync",
        "batch",
        "transaction",
        "errors",
    ] {
        let topic = common::unique_topic(&format!("VgLegacy_{}", mode));
        let on = if mode == "errors" { "127.0.0.1:1" } else { &ns };
        if matches!(mode, "async" | "sendasync") {
            create_topic(&ns, &topic);
        }
        let out = assert_valgrind_clean(mode, &valgrind(&exe, &[on, &topic, mode], &[]));
        assert!(out.contains("failures=0"), "{}: {}", mode, out);
    }
    let topic = common::unique_topic("VgLegacyPull");
    let p = common::producer(&ns, &[]);
    for i in 0..20 {
        let mut m = rocketmq::Message::new(&topic, format!("body-{}", i).into_bytes());
        m.set_tags(["TagA", "TagB", "TagC"][i % 3]).unwrap();
        m.set_keys(&format!("key-{}", i)).unwrap();
        m.set_property("prop", &format!("v{}", i)).unwrap();
        p.send(&m).unwrap();
    }
    p.shutdown().unwrap();
    let exe = legacy_program("legacy_pull_consumer");
    let out = assert_valgrind_clean(
        "legacy_pull_consumer",
        &valgrind(&exe, &[&ns, &topic, "20"], &[]),
    );
    assert!(out.contains("failures=0"), "{}", out);
}

/// The leak records of a memcheck log that are definitely or indirectly
/// lost and allocated under librocketmq.
fn library_leaks(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut record: Option<String> = None;
    for line in log.lines() {
        let text = line.split_once("== ").map(|(_, t)| t).unwrap_or("");
        if text.contains("are definitely lost") || text.contains("are indirectly lost") {
            record = Some(text.to_string());
        } else if let Some(r) = record.as_mut() {
            if text.trim().is_empty() {
                if r.contains("librocketmq") || r.contains("rocketmq::") {
                    out.push(r.clone());
                }
                record = None;
            } else {
                r.push('\n');
                r.push_str(text);
            }
        }
    }
    out
}

/// The error records (not leaks) of a memcheck log: invalid accesses and
/// frees anywhere, and any other error whose stack is in librocketmq or
/// ctypes / libffi (the binding's way into it).
fn binding_errors(log: &str) -> (Vec<String>, usize) {
    let mut ours = Vec::new();
    let mut all = 0;
    let mut record: Option<String> = None;
    for line in log.lines().chain(std::iter::once("== ")) {
        let text = line.split_once("== ").map(|(_, t)| t).unwrap_or("");
        if let Some(r) = record.as_mut() {
            if text.trim().is_empty() {
                let invalid = r.starts_with("Invalid") || r.starts_with("Mismatched");
                if invalid
                    || ["librocketmq", "rocketmq::", "_ctypes", "libffi"]
                        .iter()
                        .any(|s| r.contains(s))
                {
                    ours.push(r.clone());
                }
                record = None;
            } else {
                r.push('\n');
                r.push_str(text);
            }
        } else if [
            "Invalid ",
            "Mismatched free",
            "Conditional jump",
            "Use of uninitialised",
            "Syscall param",
            "Source and destination overlap",
        ]
        .iter()
        .any(|k| text.starts_with(k))
        {
            all += 1;
            record = Some(text.to_string());
        }
    }
    (ours, all)
}

/// One run of the unmodified Python binding (tests/python/producer_paths.py:
/// sync, oneway, orderly, transactional sends) under memcheck, CPython with
/// `PYTHONMALLOC=malloc`. Any invalid access or free, and any error in
/// librocketmq or on the ctypes path to it, fails the test. CPython 3.11
/// itself reports uses of an uninitialised digit (`int.from_bytes(b"")`
/// reads one, at import; `python -c 'int.from_bytes(b"", "little")'` shows
/// it without the binding); CPython keeps objects until exit that memcheck
/// calls lost, so the leak check is over the records allocated in
/// librocketmq.
#[test]
fn valgrind_python_binding_run_is_clean() {
    let ns = common::shared().namesrv.clone();
    let python = common::python_venv();
    let lib = release_lib();
    let topic = common::unique_topic("VgPython");
    require_debian(&["valgrind", "--version"], "valgrind");
    let out = Command::new("valgrind")
        .args([
            "--tool=memcheck",
            "--leak-check=full",
            "--errors-for-leak-kinds=none",
            "--error-exitcode=9",
            "--num-callers=40",
        ])
        .arg(&python)
        .arg(common::root().join("tests/python/producer_paths.py"))
        .args([ns.as_str(), topic.as_str()])
        .env("PYTHONMALLOC", "malloc")
        .env("LD_LIBRARY_PATH", lib)
        .env("LIBRARY_PATH", lib)
        .output()
        .expect("run valgrind");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ERROR SUMMARY:") && stdout.contains("oneway ok"),
        "the Python binding under valgrind: {:?}\n{}\n{}",
        out.status,
        stdout,
        stderr
    );
    let (ours, all) = binding_errors(&stderr);
    assert!(
        ours.is_empty(),
        "{} memcheck errors in or on the way to librocketmq:\n{}",
        ours.len(),
        ours.join("\n\n")
    );
    eprintln!("python under memcheck: {} CPython-only error contexts", all);
    // The binding never destroys what it creates (rocketmq-client-python
    // 2.0.0 has no DestroyMessage / DestroyProducer call, no __del__): the
    // handles themselves are the caller's. Anything else lost in the
    // library is a leak.
    let (handles, leaks): (Vec<String>, Vec<String>) =
        library_leaks(&stderr).into_iter().partition(|r| {
            r.lines().take(4).any(|l| {
                [
                    ": CreateMessage ",
                    ": CreateProducer ",
                    ": CreateTransactionProducer ",
                ]
                .iter()
                .any(|f| l.contains(f))
            })
        });
    eprintln!(
        "python under memcheck: {} leak records of handles the binding never destroys",
        handles.len()
    );
    assert!(
        leaks.is_empty(),
        "{} leak records in librocketmq:\n{}",
        leaks.len(),
        leaks.join("\n\n")
    );
}
