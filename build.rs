//! Restricts the shared library's exported symbols to the C API (the native
//! `rmq_*` functions and the legacy rocketmq-client-cpp names) with a linker
//! version script.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    println!("cargo:rerun-if-changed=librocketmq.map");
    if target_os == "linux" {
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}/librocketmq.map",
            dir
        );
    }
}
