//! The short CI runs of the fuzz targets in `fuzz/` (cargo-fuzz, libFuzzer;
//! see `docs/reliability.md`, section "Fuzzing"): every target runs for a
//! fixed 30 seconds from its checked-in seeds (`fuzz/seeds/<target>`), and
//! a crash, a failed check, a leak, a timeout or an out-of-memory fails the
//! test with libFuzzer's report and the crashing input's path.
//!
//! Needs the nightly toolchain and cargo-fuzz: a missing cargo-fuzz is
//! installed (`cargo install cargo-fuzz --locked`), a missing nightly
//! toolchain too (`rustup toolchain install nightly --profile minimal`);
//! when that fails, the tests fail saying what to install. Never skipped.
//! The targets are built once (`cargo +nightly fuzz build`, in
//! `fuzz/target`), behind a lock: the tests of this file run in parallel
//! and may share the machine with another run of them.
//!
//! `ROCKETMQ_FUZZ_SECONDS` changes the budget per target (default 30).

mod common;

use common::FileLock;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command that runs without the environment of the `cargo test` that
/// started this process (its toolchain, target directory and flags).
fn clean(program: &str) -> Command {
    let mut c = Command::new(program);
    for var in [
        "RUSTUP_TOOLCHAIN",
        "CARGO",
        "RUSTC",
        "RUSTDOC",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_MAKEFLAGS",
    ] {
        c.env_remove(var);
    }
    c.current_dir(root());
    c
}

/// Runs `c`; its combined output on failure.
fn run(mut c: Command) -> Result<(), String> {
    let what = format!("{:?}", c);
    match c.output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "{} failed ({}):\n{}{}",
            what,
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Err(format!("{} could not start: {}", what, e)),
    }
}

/// The nightly toolchain and cargo-fuzz, installed when missing.
fn tools() -> Result<(), String> {
    let has_nightly = || {
        let mut c = clean("cargo");
        c.args(["+nightly", "--version"]);
        run(c).is_ok()
    };
    if !has_nightly() {
        let mut c = clean("rustup");
        c.args(["toolchain", "install", "nightly", "--profile", "minimal"]);
        run(c).map_err(|e| {
            format!(
                "the fuzz tests need the nightly toolchain; installing it failed \
                 (run `rustup toolchain install nightly`): {}",
                e
            )
        })?;
    }
    let mut c = clean("cargo");
    c.args(["+nightly", "fuzz", "--version"]);
    if run(c).is_err() {
        let started = Instant::now();
        let mut c = clean("cargo");
        c.args(["install", "cargo-fuzz", "--locked"]);
        run(c).map_err(|e| {
            format!(
                "the fuzz tests need cargo-fuzz; installing it failed \
                 (run `cargo install cargo-fuzz --locked`): {}",
                e
            )
        })?;
        eprintln!("installed cargo-fuzz in {:.0?}", started.elapsed());
    }
    Ok(())
}

fn target_dir() -> PathBuf {
    root().join("fuzz/target")
}

/// Builds every target once per process (and under a file lock): the
/// directory of the binaries.
fn built() -> &'static Path {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let r = BUILT.get_or_init(|| {
        tools()?;
        let _lock = FileLock::take(&target_dir().join(".build-lock"));
        let started = Instant::now();
        let mut c = clean("cargo");
        c.args(["+nightly", "fuzz", "build", "--target-dir"]);
        c.arg(target_dir());
        run(c)?;
        eprintln!("built the fuzz targets in {:.0?}", started.elapsed());
        Ok(target_dir().join("x86_64-unknown-linux-gnu/release"))
    });
    match r {
        Ok(p) => p,
        Err(e) => panic!("{}", e),
    }
}

/// Runs `target` for the budget from its seeds; panics on any finding.
fn fuzz(target: &str) {
    let bin = built().join(target);
    assert!(bin.exists(), "{} was not built", bin.display());
    let seconds: u64 = std::env::var("ROCKETMQ_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let work = std::env::temp_dir().join(format!("rmq-fuzz-{}-{}", std::process::id(), target));
    let _ = std::fs::remove_dir_all(&work);
    let corpus = work.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let mut c = Command::new(&bin);
    c.arg(format!("-max_total_time={}", seconds))
        .args(["-max_len=4096", "-timeout=10", "-rss_limit_mb=2048"])
        .args(["-print_final_stats=1"])
        .arg(format!("-artifact_prefix={}/", work.display()))
        .arg(&corpus);
    let seeds = root().join("fuzz/seeds").join(target);
    if seeds.is_dir() {
        c.arg(&seeds);
    }
    let started = Instant::now();
    let out = c.output().expect("run the fuzz target");
    let log = String::from_utf8_lossy(&out.stderr);
    let runs = log
        .lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    eprintln!(
        "{}: {} executions in {:.0?}",
        target,
        runs,
        started.elapsed()
    );
    if !out.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(80).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!(
            "fuzz target {} failed ({}); the crashing input is in {} \
             (reproduce: {} <input>):\n{}",
            target,
            out.status,
            work.display(),
            bin.display(),
            tail.join("\n")
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn fuzz_frame_decoder_30s_no_crash() {
    fuzz("frame_decoder");
}

#[test]
fn fuzz_json_header_30s_fast_reader_agrees_with_serde_json() {
    fuzz("json_header");
}

#[test]
fn fuzz_route_parse_30s_both_dialects() {
    fuzz("route_parse");
}

#[test]
fn fuzz_message_ext_30s_decode_round_trip() {
    fuzz("message_ext");
}

#[test]
fn fuzz_properties_30s_no_crash() {
    fuzz("properties");
}

#[test]
fn fuzz_batch_30s_round_trip() {
    fuzz("batch");
}

#[test]
fn fuzz_ffi_message_30s_setters_and_getters() {
    fuzz("ffi_message");
}
