//! A topic subscription and its tag expression (Java
//! `FilterAPI.buildSubscriptionData`, `SubscriptionData`): `*` (or empty)
//! takes every message; `TagA || TagB` takes messages tagged with one of
//! the tags. The broker filters by the tags' hash codes; the client checks
//! the tag strings again ([`Subscription::matches`]), since hashes collide.

use crate::error::{Error, ErrorKind, Result};
use crate::protocol::heartbeat::SubscriptionData;
use crate::routing::java_string_hash;

/// The expression that takes every message.
pub const SUBSCRIBE_ALL: &str = "*";

/// One topic's subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The topic, as sent (namespace-wrapped).
    pub topic: String,
    /// The normalised expression: `*`, or the tags joined by `||` without
    /// blanks (the Rust test broker hashes untrimmed pieces of a pull
    /// header's expression, so blanks there would match nothing).
    pub expression: String,
    /// The tags (empty for `*`).
    pub tags: Vec<String>,
    /// Java `String.hashCode()` of each tag.
    pub codes: Vec<i32>,
    /// `subVersion`: ms when built or last changed.
    pub version: i64,
}

impl Subscription {
    /// Parses `expression` for `topic` at `now_ms`. Errors:
    /// [`ErrorKind::InvalidArgument`] for an expression that names no tag
    /// (e.g. `||`) or a SQL92 expression (not supported yet).
    pub fn new(topic: &str, expression: &str, now_ms: i64) -> Result<Subscription> {
        let expr = expression.trim();
        let mut tags: Vec<String> = Vec::new();
        if !expr.is_empty() && expr != SUBSCRIBE_ALL {
            for piece in expr.split("||") {
                let tag = piece.trim();
                if !tag.is_empty() && !tags.iter().any(|t| t == tag) {
                    tags.push(tag.to_string());
                }
            }
            if tags.is_empty() {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("subscription expression '{}' names no tag", expression),
                ));
            }
        }
        let expression = if tags.is_empty() {
            SUBSCRIBE_ALL.to_string()
        } else {
            tags.join("||")
        };
        Ok(Subscription {
            topic: topic.to_string(),
            codes: tags.iter().map(|t| java_string_hash(t)).collect(),
            tags,
            expression,
            version: now_ms,
        })
    }

    /// Whether this takes every message.
    pub fn takes_all(&self) -> bool {
        self.tags.is_empty()
    }

    /// Whether a message with tag `tag` passes the client-side filter (Java
    /// `PullAPIWrapper.processPullResult`): every message for `*`, else a
    /// tagged message whose tag is one of the tags.
    pub fn matches(&self, tag: Option<&str>) -> bool {
        self.takes_all() || tag.is_some_and(|t| self.tags.iter().any(|s| s == t))
    }

    /// The heartbeat's `SubscriptionData`.
    pub fn to_data(&self) -> SubscriptionData {
        SubscriptionData {
            class_filter_mode: false,
            code_set: self.codes.clone(),
            expression_type: "TAG",
            sub_string: self.expression.clone(),
            sub_version: self.version,
            tags_set: self.tags.clone(),
            topic: self.topic.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_empty_take_everything() {
        for e in ["*", "", "  * "] {
            let s = Subscription::new("T", e, 1).unwrap();
            assert_eq!(s.expression, "*");
            assert!(s.tags.is_empty() && s.codes.is_empty());
            assert!(s.matches(None) && s.matches(Some("x")));
        }
    }

    #[test]
    fn tags_are_trimmed_deduplicated_and_hashed_as_java() {
        let s = Subscription::new("T", " TagA || TagB||TagA ||", 7).unwrap();
        assert_eq!(s.expression, "TagA||TagB");
        assert_eq!(s.tags, vec!["TagA", "TagB"]);
        assert_eq!(s.codes[0], 2598919); // "TagA".hashCode()
        assert!(s.matches(Some("TagB")));
        assert!(!s.matches(Some("TagC")));
        assert!(!s.matches(None));
        let d = s.to_data();
        assert_eq!(d.sub_string, "TagA||TagB");
        assert_eq!(d.sub_version, 7);
    }

    #[test]
    fn expression_without_tags_is_an_error() {
        let e = Subscription::new("T", " || ", 1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    }
}
