//! Restricts the shared library's exported symbols to the C API (the native
//! `rmq_*` functions and the legacy rocketmq-client-cpp names) with a linker
//! version script, and gives it the SONAME `librocketmq.so`.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    println!("cargo:rerun-if-changed=librocketmq.map");
    println!("cargo:rerun-if-changed=build.rs");
    if target_os == "linux" {
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}/librocketmq.map",
            dir
        );
        // An (unversioned) SONAME, as the legacy library has: ctypes'
        // find_library("rocketmq") only reports libraries that carry one.
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,librocketmq.so");
    }
}
