//! Restricts the shared library's exported symbols to the C API (the native
//! `rmq_*` functions and the legacy rocketmq-client-cpp names) with a linker
//! version script, and gives it the versioned SONAME `librocketmq.so.<major>`
//! (the ABI version: see "ABI policy" in the README).
//!
//! Cargo names the library `librocketmq.so` in its output directory; a
//! program linked against it there records `librocketmq.so.<major>`, so this
//! script also puts the symlink `librocketmq.so.<major> -> librocketmq.so`
//! beside it, and programs linked in the build tree (examples-c, the tests)
//! keep loading it. `scripts/install.sh` installs the real file as
//! `librocketmq.so.<major>.<minor>.<patch>` with both symlinks.

use std::path::{Path, PathBuf};

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("CARGO_PKG_VERSION_MAJOR");
    println!("cargo:rerun-if-changed=librocketmq.map");
    println!("cargo:rerun-if-changed=build.rs");
    if target_os == "linux" {
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}/librocketmq.map",
            dir
        );
        // A SONAME of its own: ctypes' find_library("rocketmq") also needs
        // one (it only reports libraries that carry one).
        let soname = format!("librocketmq.so.{}", major);
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{}", soname);
        if let Some(out) = profile_dir() {
            link_soname(&out, &soname);
        }
    }
}

/// The directory Cargo puts the library in: `OUT_DIR` is
/// `<target>[/<triple>]/<profile>/build/rocketmq-<hash>/out`.
fn profile_dir() -> Option<PathBuf> {
    let out = PathBuf::from(std::env::var_os("OUT_DIR")?);
    Some(out.ancestors().nth(3)?.to_path_buf())
}

/// Creates `<profile>/<soname> -> librocketmq.so` (dangling until Cargo
/// writes the library, which it does after this script). Failing to make it
/// only costs programs linked in the build tree their loader path, so it is
/// a warning, not an error.
fn link_soname(profile: &Path, soname: &str) {
    let link = profile.join(soname);
    if std::fs::read_link(&link).is_ok_and(|t| t == Path::new("librocketmq.so")) {
        return;
    }
    let _ = std::fs::remove_file(&link);
    #[cfg(unix)]
    if let Err(e) = std::os::unix::fs::symlink("librocketmq.so", &link) {
        println!("cargo:warning=could not create {}: {}", link.display(), e);
    }
}
