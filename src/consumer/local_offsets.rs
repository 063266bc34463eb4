//! A broadcasting consumer's offsets on local disk (Java
//! `LocalFileOffsetStore`): every member consumes every queue, so the
//! broker keeps no offset for it; the member keeps its own, in
//! `<offsetStoreDir>/<group>/offsets.json`, written whole (to a temporary
//! file, then renamed) at each commit and at shutdown. Without
//! `offsetStoreDir` nothing is written (Java writes to
//! `~/.rocketmq_offsets` unasked; a library should not fill a home
//! directory by default) and a restarted member starts where
//! consume-from-where says.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::routing::MessageQueue;

/// The file of `group`'s offsets under `dir`.
pub(crate) fn path(dir: &str, group: &str) -> PathBuf {
    Path::new(dir).join(group).join("offsets.json")
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    topic: String,
    broker_name: String,
    queue_id: i32,
    offset: i64,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    offset_table: Vec<Entry>,
}

/// The offsets stored at `path`; none when the file does not exist.
/// Errors: a file that cannot be read or parsed.
pub(crate) fn load(path: &Path) -> Result<BTreeMap<MessageQueue, i64>> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => {
            return Err(Error::new(
                ErrorKind::Internal,
                format!("cannot read {}: {}", path.display(), e),
            ))
        }
    };
    let file: File = serde_json::from_slice(&text).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            format!("malformed offsets file {}: {}", path.display(), e),
        )
    })?;
    Ok(file
        .offset_table
        .into_iter()
        .map(|e| {
            (
                MessageQueue {
                    topic: e.topic.into(),
                    broker_name: e.broker_name.into(),
                    queue_id: e.queue_id,
                },
                e.offset,
            )
        })
        .collect())
}

/// Writes `offsets` to `path` (directories made as needed; a temporary
/// file renamed over the old one, so a crash leaves the old or the new).
/// Errors: the file system's.
pub(crate) fn save(path: &Path, offsets: &BTreeMap<MessageQueue, i64>) -> Result<()> {
    let io = |e: std::io::Error| {
        Error::new(
            ErrorKind::Internal,
            format!("cannot write {}: {}", path.display(), e),
        )
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let file = File {
        offset_table: offsets
            .iter()
            .map(|(q, o)| Entry {
                topic: q.topic.to_string(),
                broker_name: q.broker_name.to_string(),
                queue_id: q.queue_id,
                offset: *o,
            })
            .collect(),
    };
    let body = serde_json::to_vec_pretty(&file).unwrap_or_default();
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, body).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_missing_file() {
        let dir = std::env::temp_dir().join(format!("rmq-offsets-{}", std::process::id()));
        let p = path(dir.to_str().unwrap(), "g%1");
        assert!(load(&p).unwrap().is_empty());
        let mut m = BTreeMap::new();
        m.insert(
            MessageQueue {
                topic: "T".into(),
                broker_name: "b".into(),
                queue_id: 3,
            },
            42,
        );
        save(&p, &m).unwrap();
        assert_eq!(load(&p).unwrap(), m);
        std::fs::write(&p, b"nope").unwrap();
        assert!(load(&p).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
