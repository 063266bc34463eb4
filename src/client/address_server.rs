//! The NameServer address server ("namesrv domain"): Java
//! `DefaultTopAddressing.fetchNSAddr` with `MixAll.getWSAddr`, and the C++
//! client's `setNamesrvDomain`. When a client has no `namesrvAddr` (nor
//! `NAMESRV_ADDR`) but a `namesrvDomain`, its NameServer list is the body of
//! an HTTP GET of the address server (`host:port;host:port`), fetched once
//! at start (on the starting API thread, at most [`FETCH_TIMEOUT_SECS`]) and
//! then every `namesrvDomainRefreshInterval` ms on a small thread of the
//! engine's own ([`Refresher`]), never on the I/O thread: a slow address
//! server cannot stall a send. A changed list is handed to the I/O thread,
//! which replaces the engine's NameServer list ([`super::routes`]); a
//! failed fetch keeps the last list and logs at warn.
//!
//! HTTP is plain (`minreq` without its TLS features): an `https://` address
//! server is refused when the key is set.

use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, Sender};

use crate::error::{Error, ErrorKind, Result};

/// Seconds one fetch may take, connect included (Java's
/// `fetchNSAddr(true, 3000)`).
pub(crate) const FETCH_TIMEOUT_SECS: u64 = 3;

/// Largest answer read, in bytes: an address list is short, so anything
/// bigger is not one.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The address server's URL for `domain`, as Java `MixAll.getWSAddr` plus
/// `fetchNSAddr`'s unit suffix:
/// - `host` → `http://host:8080/rocketmq/<subgroup>` (Java's default port),
/// - `host:port` → `http://host:port/rocketmq/<subgroup>`,
/// - a full `http://…` URL is used as it is (`subgroup` is not added),
///
/// and with a `unit` name, `-<unit>?nofix=1` is appended.
pub(crate) fn url(domain: &str, subgroup: &str, unit: Option<&str>) -> String {
    let domain = domain.trim();
    let base = if domain.starts_with("http://") {
        domain.to_string()
    } else if domain.contains(':') {
        format!("http://{}/rocketmq/{}", domain, subgroup)
    } else {
        format!("http://{}:8080/rocketmq/{}", domain, subgroup)
    };
    match unit {
        Some(unit) => format!("{}-{}?nofix=1", base, unit),
        None => base,
    }
}

/// Checks a `namesrvDomain` value: `host`, `host:port` or an `http://`
/// URL; None for blank. Errors: [`ErrorKind::InvalidArgument`] for an
/// `https://` URL (this client's HTTP has no TLS), another scheme, or
/// whitespace inside.
pub(crate) fn check_domain(key: &str, value: &str) -> Result<Option<String>> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let bad = |why: &str| {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{} {:?}: {}", key, value, why),
        ))
    };
    if v.starts_with("https://") {
        return bad("https address servers are not supported (plain http only)");
    }
    if v.contains("://") && !v.starts_with("http://") {
        return bad("expected host, host:port or an http:// URL");
    }
    if v.chars().any(char::is_whitespace) {
        return bad("must not contain whitespace");
    }
    Ok(Some(v.to_string()))
}

/// The NameServer addresses of an address server's answer: Java's
/// `clearNewLine` (trimmed, cut at the first line break), then split at
/// `;` with blanks dropped.
pub(crate) fn parse_answer(body: &str) -> Vec<String> {
    let body = body.trim();
    let line = body.split(['\r', '\n']).next().unwrap_or("");
    line.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// One GET of `url`: the NameServer list it answers. Errors:
/// [`ErrorKind::NoRoute`] naming `url` when the server cannot be reached
/// within [`FETCH_TIMEOUT_SECS`], answers a status other than 200, or
/// answers no address.
pub(crate) fn fetch(url: &str) -> Result<Vec<String>> {
    let fail = |why: String| {
        Error::new(
            ErrorKind::NoRoute,
            format!(
                "cannot get the NameServer list from the address server {} (namesrvDomain): {}",
                url, why
            ),
        )
    };
    let response = minreq::get(url)
        .with_timeout(FETCH_TIMEOUT_SECS)
        .with_max_redirects(3)
        .send()
        .map_err(|e| fail(e.to_string()))?;
    if response.status_code != 200 {
        return Err(fail(format!(
            "HTTP {} {}",
            response.status_code, response.reason_phrase
        )));
    }
    if response.as_bytes().len() > MAX_ANSWER_BYTES {
        return Err(fail(format!(
            "answer longer than {} bytes",
            MAX_ANSWER_BYTES
        )));
    }
    let list = parse_answer(&String::from_utf8_lossy(response.as_bytes()));
    if list.is_empty() {
        return Err(fail("the answer names no NameServer".to_string()));
    }
    Ok(list)
}

/// The thread that fetches the list again every period and hands changes
/// to the engine. Stopped (and joined) by [`Refresher::stop`] or on drop;
/// stopping waits at most for a fetch in progress ([`FETCH_TIMEOUT_SECS`]).
pub(crate) struct Refresher {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Refresher {
    /// Starts fetching `url` every `every`, beginning one period from now,
    /// with `last` as the list the engine has. Each changed list goes to
    /// `deliver`, which returns false once the engine is gone (the thread
    /// then ends). Errors: the thread cannot be created.
    pub(crate) fn spawn(
        url: String,
        every: Duration,
        mut last: Vec<String>,
        deliver: impl Fn(Vec<String>) -> bool + Send + 'static,
    ) -> std::io::Result<Refresher> {
        let (stop, stopped) = crossbeam_channel::bounded::<()>(0);
        let thread = std::thread::Builder::new()
            .name("rocketmq-nsaddr".into())
            .spawn(move || loop {
                match stopped.recv_timeout(every) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
                match fetch(&url) {
                    Ok(list) if list == last => {}
                    Ok(list) => {
                        log::info!(
                            "NameServer list from {} changed: {} -> {}",
                            url,
                            last.join(";"),
                            list.join(";")
                        );
                        last = list.clone();
                        if !deliver(list) {
                            return;
                        }
                    }
                    Err(e) => log::warn!("{}; keeping {}", e, last.join(";")),
                }
            })?;
        Ok(Refresher {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Ends the thread and waits for it. Idempotent.
    pub(crate) fn stop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Refresher {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_java() {
        assert_eq!(
            url("jmenv.tbsite.net", "nsaddr", None),
            "http://jmenv.tbsite.net:8080/rocketmq/nsaddr"
        );
        assert_eq!(
            url("127.0.0.1:9000", "nsaddr", Some("u1")),
            "http://127.0.0.1:9000/rocketmq/nsaddr-u1?nofix=1"
        );
        assert_eq!(url("http://h/x", "nsaddr", None), "http://h/x");
    }

    #[test]
    fn answers_are_cut_at_line_breaks() {
        assert_eq!(
            parse_answer(" a:1; b:2 ;\r\nc:3"),
            vec!["a:1".to_string(), "b:2".to_string()]
        );
        assert!(parse_answer("\n").is_empty());
        assert!(check_domain("k", "https://h").is_err());
        assert_eq!(check_domain("k", " ").unwrap(), None);
    }
}
