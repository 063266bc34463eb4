//! The engine's connections, one per address, shared by every role (Java
//! `NettyRemotingClient.channelTables`): opened on demand, a back-off after
//! failed connects, write buffers flushed once per loop turn (or when a
//! turn has encoded a chunk), and closing, which fails what was pending on
//! the connection.

use std::time::{Duration, Instant};

use mio::{Registry, Token};
use rustc_hash::FxHashMap as HashMap;

use super::connection::Connection;
use crate::error::{Error, ErrorKind, Result};

/// Bytes of requests encoded in one loop turn after which the loop writes
/// them out before encoding more: write buffers stay small and cache-warm
/// however many sends are queued.
pub(crate) const FLUSH_CHUNK: usize = 256 * 1024;

/// Every connection of one engine.
pub(crate) struct Connections {
    registry: Registry,
    /// Set when the engine uses TLS (`useTLS`): every connection speaks it.
    tls: Option<super::tls::TlsClient>,
    by_token: HashMap<Token, Connection>,
    tokens: HashMap<String, Token>,
    next_token: usize,
    dirty: Vec<Token>,
    /// Bytes encoded since the dirty connections were last flushed.
    unflushed: usize,
    /// Connections written to since the roles last heard of it.
    written: Vec<Token>,
    /// Address → (no connect attempt before, consecutive failures).
    backoff: HashMap<String, (Instant, u32)>,
}

impl Connections {
    /// No connections; sockets register with `registry`; with `tls`, every
    /// connection is a TLS client of that configuration.
    pub(crate) fn new(registry: Registry, tls: Option<super::tls::TlsClient>) -> Connections {
        Connections {
            registry,
            tls,
            by_token: HashMap::default(),
            tokens: HashMap::default(),
            next_token: 1,
            dirty: Vec::new(),
            unflushed: 0,
            written: Vec::new(),
            backoff: HashMap::default(),
        }
    }

    /// The connection to `addr`, if open.
    #[inline]
    pub(crate) fn token_of(&self, addr: &str) -> Option<Token> {
        self.tokens.get(addr).copied()
    }

    /// The connection behind `token`.
    #[inline]
    pub(crate) fn get(&self, token: Token) -> Option<&Connection> {
        self.by_token.get(&token)
    }

    /// The connection behind `token`, mutably.
    #[inline]
    pub(crate) fn get_mut(&mut self, token: Token) -> Option<&mut Connection> {
        self.by_token.get_mut(&token)
    }

    /// The address of `token`'s connection.
    #[inline]
    pub(crate) fn addr(&self, token: Token) -> Option<&str> {
        self.by_token.get(&token).map(|c| c.addr.as_str())
    }

    /// Whether `token`'s connection is still connecting.
    #[inline]
    pub(crate) fn is_connecting(&self, token: Token) -> bool {
        self.by_token.get(&token).is_some_and(|c| !c.is_connected())
    }

    /// Every open connection's token and address.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Token, &str)> {
        self.by_token.iter().map(|(t, c)| (*t, c.addr.as_str()))
    }

    /// Opens a connection to `addr` unless a back-off after failed
    /// connects forbids it for now. Errors: [`ErrorKind::Network`].
    pub(super) fn open(&mut self, addr: &str) -> Result<Token> {
        if let Some((not_before, failures)) = self.backoff.get(addr) {
            if Instant::now() < *not_before {
                return Err(Error::new(
                    ErrorKind::Network,
                    format!(
                        "{} refused the last {} connection attempt(s); next attempt after a back-off",
                        addr, failures
                    ),
                ));
            }
        }
        let token = Token(self.next_token);
        self.next_token += 1;
        let conn = match Connection::open(addr, token, &self.registry, self.tls.as_ref()) {
            Ok(c) => c,
            Err(e) => {
                self.connect_failed(addr);
                return Err(e);
            }
        };
        self.by_token.insert(token, conn);
        self.tokens.insert(addr.to_string(), token);
        Ok(token)
    }

    /// Records a failed connect: the next attempt waits 100 ms, doubling up
    /// to 5 s while failures continue.
    pub(crate) fn connect_failed(&mut self, addr: &str) {
        let failures = self.backoff.get(addr).map(|b| b.1).unwrap_or(0) + 1;
        let wait =
            Duration::from_millis(100u64 << (failures - 1).min(6)).min(Duration::from_secs(5));
        self.backoff
            .insert(addr.to_string(), (Instant::now() + wait, failures));
        log::info!("connect to {} failed ({} in a row)", addr, failures);
    }

    /// A connect completed: no back-off for `addr` any more.
    pub(crate) fn connect_succeeded(&mut self, addr: &str) {
        self.backoff.remove(addr);
    }

    /// Appends to `token`'s write buffer through `encode` (which returns
    /// nothing) and marks it for the next flush; false if there is no such
    /// connection. The bytes count towards [`FLUSH_CHUNK`].
    pub(crate) fn write(&mut self, token: Token, encode: impl FnOnce(&mut Vec<u8>)) -> bool {
        let Some(conn) = self.by_token.get_mut(&token) else {
            return false;
        };
        let out = conn.out();
        let before = out.len();
        encode(out);
        self.unflushed += out.len() - before;
        if !self.dirty.contains(&token) {
            self.dirty.push(token);
        }
        true
    }

    /// Whether a turn has encoded enough to flush before encoding more.
    #[inline]
    pub(crate) fn chunk_full(&self) -> bool {
        self.unflushed >= FLUSH_CHUNK
    }

    /// Writes out every dirty connection; those that broke, with the error.
    pub(crate) fn flush_dirty(&mut self) -> Vec<(Token, Error)> {
        self.unflushed = 0;
        let mut broken = Vec::new();
        while let Some(token) = self.dirty.pop() {
            if let Some(conn) = self.by_token.get_mut(&token) {
                match conn.flush() {
                    Ok(()) => self.written.push(token),
                    Err(e) => broken.push((token, e)),
                }
            }
        }
        broken
    }

    /// Notes that `token` wrote (a writable event flushed it).
    pub(crate) fn note_written(&mut self, token: Token) {
        self.written.push(token);
    }

    /// Calls `f` with each connection written to since the last call and
    /// its written byte total (once per connection; no allocation).
    pub(crate) fn drain_written(&mut self, mut f: impl FnMut(Token, u64)) {
        for i in 0..self.written.len() {
            let token = self.written[i];
            if self.written[..i].contains(&token) {
                continue;
            }
            if let Some(c) = self.by_token.get(&token) {
                f(token, c.written_total());
            }
        }
        self.written.clear();
    }

    /// Deregisters and closes `token`'s connection; its address, if it was open.
    pub(super) fn close(&mut self, token: Token) -> Option<String> {
        let conn = self.by_token.remove(&token)?;
        self.tokens.remove(&conn.addr);
        let addr = conn.addr.clone();
        conn.close(&self.registry);
        Some(addr)
    }

    /// Closes every connection.
    pub(crate) fn close_all(&mut self) {
        let tokens: Vec<Token> = self.by_token.keys().copied().collect();
        for token in tokens {
            self.close(token);
        }
    }
}
