//! Shared by tests/install.rs and tests/lang_examples.rs: the library
//! installed by `scripts/install.sh` into a temporary prefix, the tools the
//! tests build with (installed from Debian's packages or npm when missing,
//! under a file lock so parallel tests do not race), and running a program
//! with its output checked.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common;

/// The library installed into a fresh directory under the system temp
/// directory; removed on drop.
pub struct Prefix {
    /// The install prefix (`--prefix`).
    pub path: PathBuf,
}

impl Prefix {
    /// Installs with `scripts/install.sh --prefix <new temp dir>` (the
    /// script builds, or finds built, the release library under this test's
    /// target directory).
    pub fn install() -> Prefix {
        let path = temp_dir("prefix");
        let out = install_command()
            .arg("--prefix")
            .arg(&path)
            .output()
            .expect("run scripts/install.sh");
        assert_success("scripts/install.sh", &out);
        Prefix { path }
    }

    /// `<prefix>/lib`.
    pub fn lib(&self) -> PathBuf {
        self.path.join("lib")
    }

    /// `<prefix>/lib/pkgconfig`, for `PKG_CONFIG_PATH`.
    pub fn pkg_config_path(&self) -> PathBuf {
        self.lib().join("pkgconfig")
    }

    /// `pkg-config ARGS` on this prefix's `.pc` files: the flags, split.
    pub fn pkg_config(&self, args: &[&str]) -> Vec<String> {
        require_tool(&["pkg-config", "--version"], &["pkg-config"]);
        let out = Command::new("pkg-config")
            .args(args)
            .env("PKG_CONFIG_PATH", self.pkg_config_path())
            .output()
            .expect("run pkg-config");
        assert_success("pkg-config", &out);
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A temporary directory removed on drop (for builds out of the tree).
pub struct TempDir {
    /// Its path.
    pub path: PathBuf,
}

impl TempDir {
    /// A new empty directory under the system temp directory.
    pub fn new(what: &str) -> TempDir {
        TempDir {
            path: temp_dir(what),
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(common::unique_topic(&format!("rocketmq-{}", what)));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// `scripts/install.sh` building into this test's own target directory
/// (the one holding this test binary, which honours `CARGO_TARGET_DIR`).
pub fn install_command() -> Command {
    let mut cmd = Command::new(common::root().join("scripts/install.sh"));
    cmd.env("CARGO", env!("CARGO"))
        .env("CARGO_TARGET_DIR", target_dir())
        .arg("--no-ldconfig");
    cmd
}

/// The target directory of this test binary (`<target>/debug/deps/x`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| common::root().join("target"))
}

/// The cache outside the clone where installed tools live
/// (`~/.cache/rocketmq-client-rs`).
pub fn cache_dir() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".into());
    let dir = PathBuf::from(home).join(".cache/rocketmq-client-rs");
    std::fs::create_dir_all(&dir).expect("create the cache dir");
    dir
}

/// Makes `check` (a command and its arguments) succeed, installing the
/// Debian `packages` when it does not: `apt-get install -y` under a file
/// lock shared by every test, after `apt-get update` when apt does not know
/// a package yet. Panics, naming the install command, when the tool still
/// fails: a test whose tool is missing fails, it does not skip.
pub fn require_tool(check: &[&str], packages: &[&str]) {
    let works = || {
        Command::new(check[0])
            .args(&check[1..])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if works() {
        return;
    }
    let lock = cache_dir().join("apt.lock");
    let script = r#"
        for p in "$@"; do
            if ! apt-cache show "$p" >/dev/null 2>&1; then apt-get update -q; break; fi
        done
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            -o DPkg::Lock::Timeout=300 "$@"
    "#;
    let out = Command::new("flock")
        .arg(&lock)
        .args(["sh", "-c", script, "sh"])
        .args(packages)
        .output();
    let log = match &out {
        Ok(o) => format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => format!("could not run flock/apt-get: {}", e),
    };
    assert!(
        works(),
        "`{}` does not work and installing it failed; install it with \
         `apt-get install -y {}` (as root).\n{}",
        check.join(" "),
        packages.join(" "),
        log
    );
}

/// The koffi version the Node.js example is tested with.
pub const KOFFI_VERSION: &str = "3.3.4";

/// A `node_modules` holding koffi (npm, installed once into the cache under
/// a file lock), for `NODE_PATH`.
pub fn koffi_node_modules() -> PathBuf {
    require_tool(&["npm", "--version"], &["npm"]);
    let dir = cache_dir().join(format!("node-koffi-{}", KOFFI_VERSION));
    let modules = dir.join("node_modules");
    // koffi's native code comes in a platform package (an optional
    // dependency): loading koffi is the real check.
    let loads = || {
        Command::new("node")
            .args(["-e", "require('koffi')"])
            .env("NODE_PATH", &modules)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if loads() {
        return modules;
    }
    std::fs::create_dir_all(&dir).expect("create the node cache dir");
    let out = Command::new("flock")
        .arg(cache_dir().join("npm.lock"))
        .args([
            "npm",
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--prefix",
        ])
        .arg(&dir)
        .arg(format!("koffi@{}", KOFFI_VERSION))
        .output()
        .expect("run flock npm");
    assert!(
        loads(),
        "npm install koffi@{} did not give a loadable koffi; install it with \
         `npm install --prefix {} koffi@{}`:\n{}{}",
        KOFFI_VERSION,
        dir.display(),
        KOFFI_VERSION,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    modules
}

/// Panics with the command's output unless it exited 0.
pub fn assert_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{} failed ({:?}):\nstdout:\n{}\nstderr:\n{}",
        what,
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `cmd`, which must succeed; its stdout.
pub fn run(what: &str, cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {}", what, e));
    assert_success(what, &out);
    eprintln!("{}: {}", what, String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The `NEEDED` and `SONAME` entries of an ELF file (`readelf -d`).
pub fn dynamic_section(file: &Path) -> (Vec<String>, Option<String>) {
    let out = Command::new("readelf")
        .arg("-d")
        .arg(file)
        .output()
        .expect("run readelf");
    assert_success("readelf -d", &out);
    let text = String::from_utf8_lossy(&out.stdout);
    let bracketed = |line: &str| {
        line.split_once('[')
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(name, _)| name.to_string())
    };
    let needed = text
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(bracketed)
        .collect();
    let soname = text
        .lines()
        .find(|l| l.contains("(SONAME)"))
        .and_then(bracketed);
    (needed, soname)
}

/// Checks the output of `examples-c/producer_sync NAMESRV TOPIC count`:
/// `count` lines `<i> SEND_OK <msgId> <offsetMsgId> <brokerName> <queueId>
/// <queueOffset>`.
pub fn assert_producer_sync_output(stdout: &str, count: usize) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), count, "{}", stdout);
    for (i, line) in lines.iter().enumerate() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 7, "{}", line);
        assert_eq!(f[0], i.to_string(), "{}", line);
        assert_eq!(f[1], "SEND_OK", "{}", line);
        assert_eq!(f[2].len(), 32, "msgId in {}", line);
        assert!(f[4].starts_with("broker-"), "{}", line);
    }
}
