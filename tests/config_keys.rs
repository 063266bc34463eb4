//! The configuration keys are listed once, in the key tables of
//! `ClientConfig` and `ProducerConfig` (`rocketmq::producer::config::keys`)
//! and of `ConsumerConfig` (`rocketmq::consumer::config::keys`, the client's
//! keys included). The README's configuration tables (the producer's and
//! the consumer's) and the doc comments of `rmq_producer_set`,
//! `rmq_pull_consumer_set` and `rmq_push_consumer_set` (which cbindgen
//! copies into the header) must name exactly those keys. No cluster needed.

use std::collections::BTreeSet;
use std::path::Path;

fn table_keys() -> BTreeSet<String> {
    rocketmq::producer::config::keys()
        .map(|(k, _)| k.to_string())
        .collect()
}

fn consumer_table_keys() -> BTreeSet<String> {
    rocketmq::consumer::config::keys()
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
                // Java's dotted TLS keys (`tls.client.certPath`, ...).
                || w.starts_with("tls.") && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        })
        .map(str::to_string)
        .collect()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// The keys in the first column of the table rows of the README section
/// that starts with `heading` (a line such as "## Configuration") and ends
/// at the next heading of its level or above. Panics if a key is listed
/// twice.
fn readme_table_keys(heading: &str) -> BTreeSet<String> {
    let readme = read("README.md");
    let start = readme
        .find(&format!("\n{}\n", heading))
        .unwrap_or_else(|| panic!("README has a {:?} section", heading));
    let section = &readme[start + 1 + heading.len()..];
    let level = heading.split(' ').next().unwrap();
    let end = (2..=level.len())
        .filter_map(|n| section.find(&format!("\n{} ", "#".repeat(n))))
        .min()
        .unwrap_or(section.len());
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
    set
}

#[test]
fn readme_configuration_table_lists_every_key_once() {
    assert_eq!(
        readme_table_keys("## Configuration"),
        table_keys(),
        "README table vs key tables"
    );
}

#[test]
fn readme_consumer_configuration_table_lists_every_key_once() {
    assert_eq!(
        readme_table_keys("### Consumer configuration"),
        consumer_table_keys(),
        "README consumer table vs the consumer's key tables"
    );
}

/// Checks that the doc comment of `function` in `file` (starting with
/// `doc_start`) names exactly `keys`.
fn doc_names_exactly(file: &str, function: &str, doc_start: &str, keys: &BTreeSet<String>) {
    let src = read(file);
    let end = src
        .find(&format!("pub unsafe extern \"C\" fn {}(", function))
        .unwrap_or_else(|| panic!("{}", function));
    let start = src[..end]
        .rfind(doc_start)
        .unwrap_or_else(|| panic!("doc comment of {}", function));
    let documented = key_shaped(&src[start..end]);
    let missing: Vec<_> = keys.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(keys).collect();
    assert!(
        missing.is_empty(),
        "not in the doc of {function}: {missing:?}"
    );
    assert!(unknown.is_empty(), "documented but not a key: {unknown:?}");
}

#[test]
fn rmq_producer_set_documents_every_key() {
    doc_names_exactly(
        "src/ffi/producer.rs",
        "rmq_producer_set",
        "/// Sets configuration `key`",
        &table_keys(),
    );
}

#[test]
fn rmq_pull_consumer_set_documents_every_key() {
    doc_names_exactly(
        "src/ffi/pull_consumer.rs",
        "rmq_pull_consumer_set",
        "/// Sets configuration `key`",
        &consumer_table_keys(),
    );
}

#[test]
fn rmq_push_consumer_set_documents_every_key() {
    doc_names_exactly(
        "src/ffi/push_consumer.rs",
        "rmq_push_consumer_set",
        "/// Sets configuration `key`",
        &consumer_table_keys(),
    );
}
