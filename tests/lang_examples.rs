//! The examples of examples-lang/ (C++, Go, Node.js, Ruby, Python), each
//! built or loaded against the library installed into a temporary prefix
//! and run against the real cluster: a sync send, an async send with a
//! callback, a push consumer receiving both, a clean shutdown. A missing
//! toolchain is installed (Debian packages, npm) or fails the test.

mod common;
mod installed;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use installed::{require_tool, run, Prefix, TempDir};

fn example_dir(lang: &str) -> PathBuf {
    common::root().join("examples-lang").join(lang)
}

/// Arguments of every example: NAMESRV, a fresh TOPIC, a fresh GROUP.
fn example_args(lang: &str) -> [String; 3] {
    let cluster = common::shared();
    [
        cluster.namesrv.clone(),
        common::unique_topic(&format!("Example_{}", lang)),
        common::unique_topic(&format!("example_{}_group", lang)),
    ]
}

/// Runs `cmd` (an example with its arguments) with the prefix's library on
/// the loader path, and checks what every example prints:
/// `sync SEND_OK <id>`, `async SEND_OK <id>`, then `received <id> <body>`
/// once for each of the two (bodies `hello sync <lang>` and `hello async
/// <lang>`, in either order), then `shutdown`.
fn assert_example_runs(lang: &str, prefix: &Prefix, cmd: &mut Command) {
    let stdout = run(
        &format!("the {} example", lang),
        cmd.env("LD_LIBRARY_PATH", prefix.lib()),
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", stdout);
    let sent_id = |line: &str, kind: &str| -> String {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 3, "{}", line);
        assert_eq!((f[0], f[1]), (kind, "SEND_OK"), "{}", line);
        assert_eq!(f[2].len(), 32, "msgId in {}", line);
        assert!(f[2].chars().all(|c| c.is_ascii_hexdigit()), "{}", line);
        f[2].to_string()
    };
    let sync_id = sent_id(lines[0], "sync");
    let async_id = sent_id(lines[1], "async");
    assert_ne!(sync_id, async_id);
    let received: HashMap<&str, &str> = lines[2..4]
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.splitn(3, ' ').collect();
            assert_eq!(f.len(), 3, "{}", l);
            assert_eq!(f[0], "received", "{}", l);
            (f[1], f[2])
        })
        .collect();
    let expected: HashMap<&str, String> = [
        (sync_id.as_str(), format!("hello sync {}", lang)),
        (async_id.as_str(), format!("hello async {}", lang)),
    ]
    .into_iter()
    .collect();
    let received: HashMap<&str, String> = received
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    assert_eq!(received, expected, "{}", stdout);
    assert_eq!(lines[4], "shutdown", "{}", stdout);
}

/// examples-lang/cpp: the header-only RAII wrapper, `g++ -std=c++17` with
/// pkg-config's flags (warnings are errors).
#[test]
fn cpp_example_sends_and_consumes() {
    require_tool(&["g++", "--version"], &["g++"]);
    let prefix = Prefix::install();
    let build = TempDir::new("cpp");
    let exe = build.path.join("example");
    run(
        "g++",
        Command::new("g++")
            .args(["-std=c++17", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&exe)
            .arg(example_dir("cpp").join("example.cpp"))
            .args(prefix.pkg_config(&["--cflags", "--libs", "rocketmq"])),
    );
    assert_example_runs("cpp", &prefix, Command::new(&exe).args(example_args("cpp")));
}

/// examples-lang/go: cgo (`#cgo pkg-config: rocketmq`), callbacks through
/// `//export` and runtime/cgo handles; `go vet` clean. The Go build cache
/// is the build directory's own: Go 1.19 does not key its cache on
/// pkg-config's answer, and would link with the flags of an earlier,
/// removed prefix.
#[test]
fn go_example_sends_and_consumes() {
    require_tool(&["go", "version"], &["golang-go"]);
    let prefix = Prefix::install();
    let build = TempDir::new("go");
    let exe = build.path.join("example");
    let go = |args: &[&str]| {
        let mut cmd = Command::new("go");
        cmd.args(args)
            .current_dir(example_dir("go"))
            .env("PKG_CONFIG_PATH", prefix.pkg_config_path())
            .env("GOCACHE", build.path.join("go-build"))
            .env("GOPATH", build.path.join("go"))
            .env("GOFLAGS", "-mod=mod")
            .env("GOTOOLCHAIN", "local")
            .env("CGO_ENABLED", "1");
        cmd
    };
    run(
        "go build",
        &mut go(&["build", "-o", exe.to_str().unwrap(), "."]),
    );
    run("go vet", &mut go(&["vet", "."]));
    assert_example_runs("go", &prefix, Command::new(&exe).args(example_args("go")));
}

/// examples-lang/node: koffi (npm, cached outside the clone), callbacks
/// from the library's threads run on the JS thread; the process exits by
/// itself once both handles are closed.
#[test]
fn node_example_sends_and_consumes() {
    require_tool(&["node", "--version"], &["nodejs"]);
    // The version tested is the one examples-lang/node/package.json asks for.
    let package = std::fs::read_to_string(example_dir("node").join("package.json")).unwrap();
    assert!(
        package.contains(&format!("\"koffi\": \"{}\"", installed::KOFFI_VERSION)),
        "{}",
        package
    );
    let modules = installed::koffi_node_modules();
    let prefix = Prefix::install();
    assert_example_runs(
        "node",
        &prefix,
        Command::new("node")
            .arg(example_dir("node").join("example.js"))
            .args(example_args("node"))
            .env("NODE_PATH", &modules),
    );
}

/// examples-lang/ruby: the ffi gem (Debian's ruby-ffi), with warnings on.
#[test]
fn ruby_example_sends_and_consumes() {
    require_tool(&["ruby", "-e", "require 'ffi'"], &["ruby", "ruby-ffi"]);
    let prefix = Prefix::install();
    assert_example_runs(
        "ruby",
        &prefix,
        Command::new("ruby")
            .arg("-w")
            .arg(example_dir("ruby").join("example.rb"))
            .args(example_args("ruby")),
    );
}

/// examples-lang/python: ctypes over the rmq_* API (standard library only).
#[test]
fn python_example_sends_and_consumes() {
    require_tool(&["python3", "--version"], &["python3"]);
    let prefix = Prefix::install();
    assert_example_runs(
        "python",
        &prefix,
        Command::new("python3")
            .arg(example_dir("python").join("example.py"))
            .args(example_args("python")),
    );
}
