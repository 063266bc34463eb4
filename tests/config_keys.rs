//! The configuration keys are listed once, in the key tables of
//! `ClientConfig` and `ProducerConfig` (`rocketmq::producer::config::keys`).
//! The README's configuration table and the doc comment of
//! `rmq_producer_set` (which cbindgen copies into the header) must name
//! exactly those keys. No cluster needed.

use std::collections::BTreeSet;
use std::path::Path;

fn table_keys() -> BTreeSet<String> {
    rocketmq::producer::config::keys()
        .map(|(k, _)| k.to_string())
        .collect()
}

/// Backticked words shaped like a configuration key (`camelCase`).
fn key_shaped(text: &str) -> BTreeSet<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.len() > 2
                && w.starts_with(|c: char| c.is_ascii_lowercase())
                && w.chars().all(|c| c.is_ascii_alphanumeric())
                && w.chars().any(|c| c.is_ascii_uppercase())
                || *w == "namespace"
        })
        .map(str::to_string)
        .collect()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

#[test]
fn readme_configuration_table_lists_every_key_once() {
    let readme = read("README.md");
    let start = readme
        .find("\n## Configuration\n")
        .expect("README has a Configuration section");
    let section = &readme[start + 1..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    let mut listed = Vec::new();
    for line in section[..end].lines() {
        let Some(row) = line.strip_prefix("| `") else {
            continue;
        };
        let first = row.split(" | ").next().unwrap_or("");
        for key in ("`".to_string() + first).split('`').skip(1).step_by(2) {
            listed.push(key.to_string());
        }
    }
    let set: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(set.len(), listed.len(), "a key is listed twice: {listed:?}");
    assert_eq!(set, table_keys(), "README table vs key tables");
}

#[test]
fn rmq_producer_set_documents_every_key() {
    let src = read("src/ffi/producer.rs");
    let end = src
        .find("pub unsafe extern \"C\" fn rmq_producer_set(")
        .expect("rmq_producer_set");
    let start = src[..end]
        .rfind("/// Sets configuration `key`")
        .expect("doc comment of rmq_producer_set");
    let doc = &src[start..end];
    let documented = key_shaped(doc);
    let keys = table_keys();
    let missing: Vec<_> = keys.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&keys).collect();
    assert!(
        missing.is_empty(),
        "not in the doc of rmq_producer_set: {missing:?}"
    );
    assert!(unknown.is_empty(), "documented but not a key: {unknown:?}");
}
