//! Namespaces (Java `NamespaceUtil`): resources of a namespaced client are
//! sent as `namespace%resource`; `%RETRY%`/`%DLQ%` prefixes stay in front;
//! system topics and already-wrapped names are left alone. Results go back
//! to the user without the namespace.

const RETRY_PREFIX: &str = "%RETRY%";
const DLQ_PREFIX: &str = "%DLQ%";

/// System topics never wrapped (Java `TopicValidator.SYSTEM_TOPIC_SET` and
/// the `rmq_sys_` prefix).
fn is_system(resource: &str) -> bool {
    const SYSTEM: &[&str] = &[
        "TBW102",
        "SCHEDULE_TOPIC_XXXX",
        "BenchmarkTest",
        "RMQ_SYS_TRANS_HALF_TOPIC",
        "RMQ_SYS_TRACE_TOPIC",
        "RMQ_SYS_TRANS_OP_HALF_TOPIC",
        "TRANS_CHECK_MAX_TIME_TOPIC",
        "SELF_TEST_TOPIC",
        "OFFSET_MOVED_EVENT",
        "CLIENT_INNER_PRODUCER",
    ];
    SYSTEM.contains(&resource) || resource.to_ascii_lowercase().starts_with("rmq_sys_")
}

/// The retry or DLQ prefix of `resource` (or "") and the rest.
fn split_prefix(resource: &str) -> (&'static str, &str) {
    for prefix in [RETRY_PREFIX, DLQ_PREFIX] {
        if let Some(rest) = resource.strip_prefix(prefix) {
            return (prefix, rest);
        }
    }
    ("", resource)
}

/// `resource` inside `namespace` (None or "": unchanged).
pub fn wrap(namespace: Option<&str>, resource: &str) -> String {
    let mut out = String::new();
    wrap_into(&mut out, namespace, resource);
    out
}

/// [`wrap`], appended to `out`.
pub fn wrap_into(out: &mut String, namespace: Option<&str>, resource: &str) {
    let Some(ns) = namespace.filter(|n| !n.is_empty()) else {
        out.push_str(resource);
        return;
    };
    let (prefix, bare) = split_prefix(resource);
    let inside = bare
        .strip_prefix(ns)
        .is_some_and(|rest| rest.starts_with('%'));
    if is_system(bare) || inside {
        out.push_str(resource);
        return;
    }
    out.push_str(prefix);
    out.push_str(ns);
    out.push('%');
    out.push_str(bare);
}

/// `resource` without `namespace` (unchanged when not inside it).
pub fn unwrap(namespace: Option<&str>, resource: &str) -> String {
    let Some(ns) = namespace.filter(|n| !n.is_empty()) else {
        return resource.to_string();
    };
    let (prefix, bare) = split_prefix(resource);
    match bare.strip_prefix(&format!("{}%", ns)) {
        Some(rest) => format!("{}{}", prefix, rest),
        None => resource.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_like_java() {
        let ns = Some("ns1");
        assert_eq!(wrap(ns, "Topic"), "ns1%Topic");
        assert_eq!(wrap(ns, "ns1%Topic"), "ns1%Topic");
        assert_eq!(wrap(ns, "%RETRY%group"), "%RETRY%ns1%group");
        assert_eq!(wrap(ns, "TBW102"), "TBW102");
        assert_eq!(wrap(ns, "rmq_sys_x"), "rmq_sys_x");
        assert_eq!(wrap(None, "Topic"), "Topic");
        assert_eq!(wrap(Some(""), "Topic"), "Topic");
        assert_eq!(unwrap(ns, "ns1%Topic"), "Topic");
        assert_eq!(unwrap(ns, "%RETRY%ns1%group"), "%RETRY%group");
        assert_eq!(unwrap(ns, "other%Topic"), "other%Topic");
        assert_eq!(unwrap(None, "ns1%Topic"), "ns1%Topic");
    }
}
