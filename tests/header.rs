//! The checked-in C header must be exactly what cbindgen generates from the
//! code. `RMQ_BLESS_HEADER=1 cargo test --test header` (scripts/gen-header.sh)
//! rewrites it.

use std::path::Path;

#[test]
fn checked_in_header_matches_cbindgen() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generation");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let path = dir.join("include/rocketmq.h");
    if std::env::var_os("RMQ_BLESS_HEADER").is_some() {
        std::fs::write(&path, &fresh).expect("write header");
        return;
    }
    let checked_in = std::fs::read(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "include/rocketmq.h differs from a fresh cbindgen generation; run scripts/gen-header.sh and commit it"
    );
}

#[test]
fn header_defines_match_rust_constants() {
    let header =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/rocketmq.h"))
            .unwrap();
    assert!(header.contains(&format!(
        "#define RMQ_ID_CAPACITY {}\n",
        rocketmq::ffi_consts::RMQ_ID_CAPACITY
    )));
    assert!(header.contains(&format!(
        "#define RMQ_NAME_CAPACITY {}\n",
        rocketmq::ffi_consts::RMQ_NAME_CAPACITY
    )));
    assert!(header.contains(&format!(
        "#define RMQ_VERSION_STRING \"{}\"\n",
        rocketmq::VERSION
    )));
}

#[test]
fn status_enum_matches_error_kind_table() {
    let header =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/rocketmq.h"))
            .unwrap();
    let start = header
        .find("typedef enum rmq_status {")
        .expect("rmq_status");
    let end = start
        + header[start..]
            .find("} rmq_status;")
            .expect("end of rmq_status");
    let entries: Vec<(String, i32)> = header[start..end]
        .lines()
        .filter_map(|l| l.trim().strip_prefix("RMQ_STATUS_"))
        .map(|l| {
            let (name, value) = l.trim_end_matches(',').split_once(" = ").unwrap();
            (name.to_string(), value.parse().unwrap())
        })
        .collect();
    let name_of = |v: i32| {
        unsafe { std::ffi::CStr::from_ptr(rocketmq::ffi::rmq_status_name(v)) }
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(entries.len(), rocketmq::ErrorKind::ALL.len() + 1);
    assert_eq!(entries[0], ("OK".to_string(), 0));
    assert_eq!(name_of(0), "OK");
    for (kind, (name, value)) in rocketmq::ErrorKind::ALL.iter().zip(&entries[1..]) {
        assert_eq!(kind.name(), name);
        assert_eq!(kind.code(), *value);
        assert_eq!(&name_of(*value), name);
    }
}

/// Every struct and enum tag the header declares or uses is an `rmq_` name:
/// no Rust type (such as the crate's `Message`) leaks into the C API.
#[test]
fn header_names_only_rmq_types() {
    let header =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/rocketmq.h"))
            .unwrap();
    let code: String = header
        .split("/*")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                part.split_once("*/").map_or("", |(_, c)| c)
            }
        })
        .collect();
    for keyword in ["struct ", "enum "] {
        for (at, _) in code.match_indices(keyword) {
            let name: String = code[at + keyword.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                name.starts_with("rmq_"),
                "`{}{}` in include/rocketmq.h",
                keyword,
                name
            );
        }
    }
    assert!(code.contains("typedef struct rmq_message rmq_message;"));
}
