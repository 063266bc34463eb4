//! `scripts/install.sh` into a temporary prefix: the files and symlinks it
//! lays out, the versioned SONAME, DESTDIR, a program linked against the
//! legacy unversioned name, and examples-c/producer_sync.c built out of the
//! tree with pkg-config (shared and static) and with CMake's
//! find_package(RocketMQ), each run against the real cluster.

mod common;
mod installed;

use std::path::Path;
use std::process::Command;

use installed::{assert_producer_sync_output, dynamic_section, require_tool, run, Prefix, TempDir};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const MAJOR: &str = env!("CARGO_PKG_VERSION_MAJOR");

fn soname() -> String {
    format!("librocketmq.so.{}", MAJOR)
}

fn read_link(path: &Path) -> String {
    std::fs::read_link(path)
        .unwrap_or_else(|e| panic!("{} is not a symlink: {}", path.display(), e))
        .display()
        .to_string()
}

/// The installed tree: the real file with SONAME `librocketmq.so.<major>`,
/// the SONAME and development symlinks, the archive, both header sets, the
/// pkg-config files and the CMake package.
#[test]
fn install_lays_out_a_versioned_shared_library() {
    let prefix = Prefix::install();
    let lib = prefix.lib();
    let real = lib.join(format!("librocketmq.so.{}", VERSION));
    assert!(
        real.is_file() && !real.is_symlink(),
        "{} is not a file",
        real.display()
    );
    assert_eq!(
        read_link(&lib.join(soname())),
        format!("librocketmq.so.{}", VERSION)
    );
    assert_eq!(read_link(&lib.join("librocketmq.so")), soname());
    let (_, so) = dynamic_section(&real);
    assert_eq!(
        so.as_deref(),
        Some(soname().as_str()),
        "SONAME of {:?}",
        real
    );
    assert_eq!(so.as_deref(), Some("librocketmq.so.0"));
    assert!(lib.join("librocketmq.a").is_file());

    let include = prefix.path.join("include");
    assert_eq!(
        std::fs::read(include.join("rocketmq.h")).unwrap(),
        std::fs::read(common::root().join("include/rocketmq.h")).unwrap()
    );
    let legacy: Vec<_> = std::fs::read_dir(common::root().join("include/rocketmq"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(legacy.len(), 13);
    for name in &legacy {
        assert!(
            include.join("rocketmq").join(name).is_file(),
            "{:?} not installed",
            name
        );
    }

    let pc = std::fs::read_to_string(prefix.pkg_config_path().join("rocketmq.pc")).unwrap();
    assert!(pc.contains(&format!("prefix={}\n", prefix.path.display())));
    assert!(pc.contains(&format!("Version: {}\n", VERSION)));
    assert!(pc.contains("Libs: -L${libdir} -lrocketmq\n"), "{}", pc);
    let private = pc
        .lines()
        .find_map(|l| l.strip_prefix("Libs.private: "))
        .unwrap_or_else(|| panic!("no Libs.private in {}", pc));
    for l in ["-lpthread", "-ldl", "-lm", "-lc"] {
        assert!(private.split(' ').any(|x| x == l), "{} in {}", l, private);
    }
    assert!(prefix
        .pkg_config_path()
        .join("rocketmq-static.pc")
        .is_file());
    let cmake = lib.join("cmake/RocketMQ");
    assert!(cmake.join("RocketMQConfig.cmake").is_file());
    assert!(cmake.join("RocketMQConfigVersion.cmake").is_file());
}

/// DESTDIR stages the tree under itself while the files keep the real
/// prefix (what a package build needs).
#[test]
fn install_honours_destdir() {
    let stage = TempDir::new("destdir");
    let out = installed::install_command()
        .env("DESTDIR", &stage.path)
        .args(["--prefix", "/opt/rocketmq"])
        .output()
        .expect("run scripts/install.sh");
    installed::assert_success("scripts/install.sh with DESTDIR", &out);
    let lib = stage.path.join("opt/rocketmq/lib");
    assert_eq!(read_link(&lib.join("librocketmq.so")), soname());
    assert!(lib.join(format!("librocketmq.so.{}", VERSION)).is_file());
    assert!(stage.path.join("opt/rocketmq/include/rocketmq.h").is_file());
    let pc = std::fs::read_to_string(lib.join("pkgconfig/rocketmq.pc")).unwrap();
    assert!(pc.starts_with("prefix=/opt/rocketmq\n"), "{}", pc);
    assert!(!pc.contains(&stage.path.display().to_string()), "{}", pc);
}

/// A program whose NEEDED entry is the legacy, unversioned
/// `librocketmq.so` (as programs built against rocketmq-client-cpp have)
/// loads the installed library through the development symlink. It is
/// linked against a stand-in library of that SONAME whose rmq_version says
/// "stand-in", and run against the installed prefix, where the real
/// library answers.
#[test]
fn install_keeps_programs_of_the_unversioned_name_loading() {
    let prefix = Prefix::install();
    let dir = TempDir::new("legacy-name");
    std::fs::write(
        dir.path.join("standin.c"),
        "const char *rmq_version(void) { return \"stand-in\"; }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path.join("app.c"),
        "#include <stdio.h>\n#include \"rocketmq.h\"\n\
         int main(void) { printf(\"%s\\n\", rmq_version()); return 0; }\n",
    )
    .unwrap();
    let standin = dir.path.join("standin");
    std::fs::create_dir_all(&standin).unwrap();
    run(
        "cc stand-in",
        Command::new("cc")
            .args(["-shared", "-fPIC", "-Wl,-soname,librocketmq.so", "-o"])
            .arg(standin.join("librocketmq.so"))
            .arg(dir.path.join("standin.c")),
    );
    let app = dir.path.join("app");
    run(
        "cc app",
        Command::new("cc")
            .arg(format!("-I{}", prefix.path.join("include").display()))
            .arg(dir.path.join("app.c"))
            .arg(format!("-L{}", standin.display()))
            .arg("-lrocketmq")
            .arg("-o")
            .arg(&app),
    );
    let (needed, _) = dynamic_section(&app);
    assert!(needed.iter().any(|n| n == "librocketmq.so"), "{:?}", needed);
    let stdout = run(
        "app",
        Command::new(&app).env("LD_LIBRARY_PATH", prefix.lib()),
    );
    assert_eq!(stdout.trim(), VERSION);
}

/// Copies examples-c/producer_sync.c into a build directory outside the
/// repository.
fn out_of_tree_source(dir: &TempDir) -> std::path::PathBuf {
    let src = dir.path.join("producer_sync.c");
    std::fs::copy(common::root().join("examples-c/producer_sync.c"), &src).unwrap();
    src
}

fn run_producer_sync(exe: &Path, prefix: Option<&Prefix>) {
    let cluster = common::shared();
    let topic = common::unique_topic("InstallSync");
    let mut cmd = Command::new(exe);
    cmd.args([cluster.namesrv.as_str(), topic.as_str(), "3"]);
    if let Some(p) = prefix {
        cmd.env("LD_LIBRARY_PATH", p.lib());
    }
    let stdout = run(&exe.display().to_string(), &mut cmd);
    assert_producer_sync_output(&stdout, 3);
}

/// `cc producer_sync.c $(pkg-config --cflags --libs rocketmq)`: the program
/// needs `librocketmq.so.0` and sends to the cluster.
#[test]
fn pkg_config_shared_link_sends_to_the_cluster() {
    let prefix = Prefix::install();
    let dir = TempDir::new("pkg-config");
    let src = out_of_tree_source(&dir);
    let exe = dir.path.join("producer_sync");
    run(
        "cc with pkg-config",
        Command::new("cc")
            .arg(&src)
            .args(prefix.pkg_config(&["--cflags", "--libs", "rocketmq"]))
            .arg("-o")
            .arg(&exe),
    );
    let (needed, _) = dynamic_section(&exe);
    assert!(needed.contains(&soname()), "NEEDED {:?}", needed);
    run_producer_sync(&exe, Some(&prefix));
}

/// `cc producer_sync.c $(pkg-config --static --cflags --libs
/// rocketmq-static)`: the archive plus rocketmq.pc's Libs.private; the
/// program needs no librocketmq at run time.
#[test]
fn pkg_config_static_link_sends_to_the_cluster() {
    let prefix = Prefix::install();
    let dir = TempDir::new("pkg-config-static");
    let src = out_of_tree_source(&dir);
    let flags = prefix.pkg_config(&["--static", "--cflags", "--libs", "rocketmq-static"]);
    let archive = prefix.lib().join("librocketmq.a").display().to_string();
    assert!(flags.contains(&archive), "{:?}", flags);
    assert!(flags.iter().any(|f| f == "-lpthread"), "{:?}", flags);
    // Without --static the system libraries stay out (Libs.private).
    let shared_flags = prefix.pkg_config(&["--libs", "rocketmq"]);
    assert!(
        !shared_flags.iter().any(|f| f == "-lpthread"),
        "{:?}",
        shared_flags
    );
    let exe = dir.path.join("producer_sync");
    run(
        "cc with pkg-config --static",
        Command::new("cc")
            .arg(&src)
            .args(&flags)
            .arg("-o")
            .arg(&exe),
    );
    let (needed, _) = dynamic_section(&exe);
    assert!(
        !needed.iter().any(|n| n.starts_with("librocketmq")),
        "NEEDED {:?}",
        needed
    );
    run_producer_sync(&exe, None);
}

/// examples-c/cmake (find_package(RocketMQ 0.1 REQUIRED)) builds
/// producer_sync against RocketMQ::rocketmq and RocketMQ::rocketmq-static;
/// both send to the cluster. The version file refuses a request for 1.0.
#[test]
fn cmake_find_package_links_shared_and_static() {
    require_tool(&["cmake", "--version"], &["cmake"]);
    let prefix = Prefix::install();
    let build = TempDir::new("cmake");
    run(
        "cmake configure",
        Command::new("cmake")
            .arg("-S")
            .arg(common::root().join("examples-c/cmake"))
            .arg("-B")
            .arg(&build.path)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.path.display())),
    );
    run(
        "cmake build",
        Command::new("cmake").arg("--build").arg(&build.path),
    );
    let shared = build.path.join("producer_sync");
    let (needed, _) = dynamic_section(&shared);
    assert!(needed.contains(&soname()), "NEEDED {:?}", needed);
    run_producer_sync(&shared, None); // CMake's build RPATH finds the prefix
    let static_exe = build.path.join("producer_sync_static");
    let (needed, _) = dynamic_section(&static_exe);
    assert!(
        !needed.iter().any(|n| n.starts_with("librocketmq")),
        "NEEDED {:?}",
        needed
    );
    run_producer_sync(&static_exe, None);

    // A request for the next major version (another ABI) is not met.
    let project = TempDir::new("cmake-version");
    std::fs::write(
        project.path.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.13)\nproject(v NONE)\n\
         find_package(RocketMQ 1.0)\n\
         if(RocketMQ_FOUND)\n  message(FATAL_ERROR \"1.0 accepted\")\nendif()\n\
         find_package(RocketMQ 0.1 REQUIRED)\n",
    )
    .unwrap();
    run(
        "cmake version check",
        Command::new("cmake")
            .arg("-S")
            .arg(&project.path)
            .arg("-B")
            .arg(project.path.join("build"))
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.path.display())),
    );
}
