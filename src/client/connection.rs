//! One TCP connection to a NameServer or Broker, owned by the event-loop
//! thread: non-blocking connect, framed reads, a write buffer flushed when the
//! socket takes it. Edge-triggered (mio): reads and writes go on until the
//! socket would block. With TLS (`useTLS`) a rustls client session sits
//! between the buffers and the socket, driven by the same events (rustls'
//! own mio examples have this shape): the handshake starts once the TCP
//! connect completes, frames written before it ends wait inside rustls, and
//! a handshake failure closes the connection with the TLS reason.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};

use bytes::BytesMut;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};

use crate::codec::{self, RemotingCommand};
use crate::error::{Error, ErrorKind, Result};

/// Initial buffer capacity, bytes.
const READ_CHUNK: usize = 64 * 1024;

/// Appended to a plain connection's error when the peer dropped it before
/// answering anything: what a TLS-only server does.
const PLAIN_REFUSED_HINT: &str =
    " (before it answered anything: a server that requires TLS closes plain connections: set useTLS=true if it does)";

/// TLS: room offered to each plaintext read from rustls, bytes (a TLS
/// record carries at most 16 KiB).
const TLS_PLAINTEXT_CHUNK: usize = 16 * 1024;

/// Room offered to each `recv` at least, bytes. Frames are split off the
/// buffer without a copy, and pulled bodies stay slices of it; when a
/// block fills in the middle of a frame, that frame's received part is
/// copied into the next block: a big block makes that rare (a pull
/// response of 32 messages of 1 KiB is 38 KiB).
const RECV_LEN: usize = 256 * 1024;

/// A connection and its buffers.
pub struct Connection {
    /// The `host:port` it was opened for.
    pub addr: String,
    stream: TcpStream,
    connected: bool,
    /// Received bytes not yet taken as frames; the socket is read straight
    /// into its spare capacity (pulled bodies are slices of it: each byte
    /// is copied once, by the kernel).
    read_buf: BytesMut,
    write_buf: Vec<u8>,
    write_pos: usize,
    /// Bytes handed to the socket since the connection opened (with TLS:
    /// plaintext bytes whose records are all on the socket).
    written_total: u64,
    /// The TLS session, when the engine uses TLS.
    tls: Option<Box<rustls::ClientConnection>>,
    /// TLS: plaintext taken by rustls whose records are not all written.
    tls_unsent: u64,
    /// TLS: whether the peer sent any application data yet.
    tls_answered: bool,
    /// Whether the peer sent anything yet (a plain connection closed before
    /// that may be a TLS-only server refusing it).
    received_any: bool,
}

impl Connection {
    /// Starts a non-blocking connect to `addr` (`host:port`) and registers the
    /// socket under `token` for read and write readiness.
    ///
    /// With `tls`, the connection is a TLS client of that configuration,
    /// verifying the host of `addr`.
    ///
    /// Errors: [`ErrorKind::Network`] if the address does not resolve or the
    /// connect fails at once; [`ErrorKind::InvalidArgument`] when TLS cannot
    /// name the host.
    pub fn open(
        addr: &str,
        token: Token,
        registry: &Registry,
        tls: Option<&std::sync::Arc<rustls::ClientConfig>>,
    ) -> Result<Connection> {
        let tls = match tls {
            Some(config) => {
                let name = super::tls::server_name(addr)?;
                let session = rustls::ClientConnection::new(config.clone(), name).map_err(|e| {
                    Error::new(ErrorKind::Network, format!("TLS with {}: {}", addr, e))
                })?;
                Some(Box::new(session))
            }
            None => None,
        };
        let sock_addr = resolve(addr)?;
        let mut stream = TcpStream::connect(sock_addr)
            .map_err(|e| Error::new(ErrorKind::Network, format!("connect to {}: {}", addr, e)))?;
        registry
            .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
            .map_err(|e| Error::new(ErrorKind::Internal, format!("register {}: {}", addr, e)))?;
        Ok(Connection {
            addr: addr.to_string(),
            stream,
            connected: false,
            read_buf: BytesMut::with_capacity(READ_CHUNK),
            write_buf: Vec::with_capacity(READ_CHUNK),
            write_pos: 0,
            written_total: 0,
            tls,
            tls_unsent: 0,
            tls_answered: false,
            received_any: false,
        })
    }

    /// Whether a TLS handshake is still under way (false without TLS).
    pub fn is_handshaking(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.is_handshaking())
    }

    /// Whether the TCP handshake has completed.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// The buffer to append outgoing frames to; [`Connection::flush`] sends them.
    pub fn out(&mut self) -> &mut Vec<u8> {
        &mut self.write_buf
    }

    /// Bytes handed to the socket so far.
    pub fn written_total(&self) -> u64 {
        self.written_total
    }

    /// Bytes appended so far (written or still buffered): the position a
    /// frame appended now ends at, to compare with [`Connection::written_total`].
    pub fn queued_total(&self) -> u64 {
        self.written_total + (self.write_buf.len() - self.write_pos) as u64
    }

    /// Called on a writable (or any) readiness event: completes the connect
    /// if it is in progress. Errors: the connect failed.
    pub fn check_connected(&mut self) -> Result<bool> {
        if self.connected {
            return Ok(true);
        }
        if let Ok(Some(e)) | Err(e) = self.stream.take_error() {
            return Err(Error::new(
                ErrorKind::Network,
                format!("connect to {}: {}", self.addr, e),
            ));
        }
        match self.stream.peer_addr() {
            Ok(_) => {
                self.connected = true;
                let _ = self.stream.set_nodelay(true);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
            Err(e) => Err(Error::new(
                ErrorKind::Network,
                format!("connect to {}: {}", self.addr, e),
            )),
        }
    }

    /// Writes buffered bytes until done or the socket would block.
    /// Errors: the connection broke.
    pub fn flush(&mut self) -> Result<()> {
        if !self.connected {
            return Ok(());
        }
        if self.tls.is_some() {
            self.flush_tls()?;
            self.compact();
            return Ok(());
        }
        while self.write_pos < self.write_buf.len() {
            match self.stream.write(&self.write_buf[self.write_pos..]) {
                Ok(0) => return Err(self.broken("connection closed while writing")),
                Ok(n) => {
                    self.write_pos += n;
                    self.written_total += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.broken(&e.to_string())),
            }
        }
        self.compact();
        Ok(())
    }

    /// Drops the written front of the write buffer.
    fn compact(&mut self) {
        if self.write_pos == self.write_buf.len() {
            self.write_buf.clear();
            self.write_pos = 0;
            if self.write_buf.capacity() > 4 * 1024 * 1024 {
                self.write_buf.shrink_to(READ_CHUNK);
            }
        } else if self.write_pos >= READ_CHUNK && self.write_pos * 2 >= self.write_buf.len() {
            // Reclaim the written front once it is at least half the
            // buffer: each byte is moved at most once on average.
            self.write_buf.drain(..self.write_pos);
            self.write_pos = 0;
        }
    }

    /// TLS: hands buffered plaintext to rustls and its records to the
    /// socket, until both are done or the socket would block.
    fn flush_tls(&mut self) -> Result<()> {
        let addr = &self.addr;
        let broken = |why: String| {
            Error::new(
                ErrorKind::Network,
                format!("connection to {}: {}", addr, why),
            )
        };
        let Some(tls) = self.tls.as_mut() else {
            return Ok(());
        };
        loop {
            let mut progressed = false;
            if self.write_pos < self.write_buf.len() {
                let n = tls
                    .writer()
                    .write(&self.write_buf[self.write_pos..])
                    .map_err(|e| broken(format!("TLS: {}", e)))?;
                self.write_pos += n;
                self.tls_unsent += n as u64;
                progressed = n > 0;
            }
            let mut blocked = false;
            while tls.wants_write() {
                match tls.write_tls(&mut self.stream) {
                    Ok(0) => return Err(broken("connection closed while writing".into())),
                    Ok(_) => progressed = true,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        blocked = true;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if tls.is_handshaking() => {
                        return Err(broken(format!("{}: {}", super::tls::HANDSHAKE_FAILED, e)))
                    }
                    Err(e) => return Err(broken(e.to_string())),
                }
            }
            if !tls.wants_write() && !tls.is_handshaking() {
                self.written_total += std::mem::take(&mut self.tls_unsent);
            }
            if blocked || !progressed || self.write_pos == self.write_buf.len() {
                return Ok(());
            }
        }
    }

    /// TLS: one read of records from the socket, then every plaintext byte
    /// they carry into the read buffer, then whatever rustls has to send
    /// (handshake messages, frames that waited for the handshake). True when
    /// more may be waiting.
    fn read_tls(&mut self) -> Result<bool> {
        let Some(tls) = self.tls.as_mut() else {
            return Ok(false);
        };
        let got = match tls.read_tls(&mut self.stream) {
            Ok(0) => {
                let why = if tls.is_handshaking() {
                    "TLS handshake failed: the peer closed the connection (is it a TLS server? \
                     a plain one closes TLS connections)"
                } else {
                    "connection closed by peer"
                };
                return Err(self.broken(why));
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(true),
            Err(e) if tls.is_handshaking() => {
                let why = format!(
                    "{}: {} (is it a TLS server? a plain one drops TLS connections)",
                    super::tls::HANDSHAKE_FAILED,
                    e
                );
                return Err(self.broken(&why));
            }
            Err(e) => return Err(self.broken(&e.to_string())),
        };
        self.received_any = true;
        if let Err(e) = tls.process_new_packets() {
            // Tell the peer why (rustls queued an alert); best effort.
            let _ = tls.write_tls(&mut self.stream);
            // TLS 1.3 clients finish first: a server refusing the client's
            // certificate says so after the client's side is done, before any
            // answer; that is a failed handshake too.
            let stage = if tls.is_handshaking() || !self.tls_answered {
                super::tls::HANDSHAKE_FAILED
            } else {
                "TLS error"
            };
            return Err(self.broken(&format!("{}: {}", stage, e)));
        }
        loop {
            let len = self.read_buf.len();
            self.read_buf.resize(len + TLS_PLAINTEXT_CHUNK, 0);
            match tls.reader().read(&mut self.read_buf[len..]) {
                Ok(0) => {
                    self.read_buf.truncate(len);
                    return Err(self.broken("connection closed by peer (TLS close_notify)"));
                }
                Ok(n) => {
                    self.read_buf.truncate(len + n);
                    self.tls_answered = true;
                }
                Err(e) => {
                    self.read_buf.truncate(len);
                    if e.kind() == io::ErrorKind::WouldBlock {
                        break;
                    }
                    return Err(self.broken(&format!("TLS: {}", e)));
                }
            }
        }
        self.flush_tls()?;
        Ok(got > 0)
    }

    /// Reads once from the socket into the read buffer: true when more may
    /// be waiting (the read filled what it offered), false when the
    /// socket is drained (an edge-triggered event comes when data arrives).
    /// Take the frames out with [`Connection::next_frame`], also after an
    /// error. Errors: the peer closed the connection, a read failed.
    pub fn read_some(&mut self) -> Result<bool> {
        if !self.connected {
            return Ok(false);
        }
        if self.tls.is_some() {
            return self.read_tls();
        }
        // The rest of a frame whose length is known, or RECV_LEN: room
        // made before the bytes arrive costs no copy of received ones.
        let len = self.read_buf.len();
        let frame_rest = match self.read_buf.get(..4) {
            Some(h) => (u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize + 4)
                .min(codec::MAX_FRAME_LEN + 4)
                .saturating_sub(len),
            None => 0,
        };
        let room = frame_rest.max(RECV_LEN);
        self.read_buf.reserve(room);
        let spare = self.read_buf.spare_capacity_mut();
        let want = spare.len().min(room);
        let fd = std::os::fd::AsRawFd::as_raw_fd(&self.stream);
        loop {
            // SAFETY: `spare` is writable memory of `want` bytes that
            // `read_buf` owns; `recv` writes at most `want` bytes there and
            // no Rust reference to the uninitialised bytes is made.
            let n = unsafe { libc::recv(fd, spare.as_mut_ptr().cast(), want, 0) };
            if n > 0 {
                // SAFETY: `recv` initialised the first `n` spare bytes.
                unsafe { self.read_buf.set_len(len + n as usize) };
                self.received_any = true;
                return Ok(n as usize == want);
            }
            if n == 0 {
                let hint = if self.received_any {
                    ""
                } else {
                    PLAIN_REFUSED_HINT
                };
                return Err(self.broken(&format!("connection closed by peer{}", hint)));
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::WouldBlock => return Ok(false),
                io::ErrorKind::Interrupted => {}
                io::ErrorKind::ConnectionReset if !self.received_any => {
                    return Err(self.broken(&format!("{}{}", e, PLAIN_REFUSED_HINT)))
                }
                _ => return Err(self.broken(&e.to_string())),
            }
        }
    }

    /// The next complete frame read so far, if any. Errors: a frame did not
    /// decode (the caller then closes only this connection).
    pub fn next_frame(&mut self) -> Result<Option<RemotingCommand>> {
        codec::decode_frame(&mut self.read_buf)
            .map_err(|e| e.context(&format!("from {}", self.addr)))
    }

    fn broken(&self, why: &str) -> Error {
        Error::new(
            ErrorKind::Network,
            format!("connection to {}: {}", self.addr, why),
        )
    }

    /// Deregisters and closes the socket.
    pub fn close(mut self, registry: &Registry) {
        let _ = registry.deregister(&mut self.stream);
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

fn resolve(addr: &str) -> Result<SocketAddr> {
    if let Ok(a) = addr.parse::<SocketAddr>() {
        return Ok(a);
    }
    addr.to_socket_addrs()
        .ok()
        .and_then(|mut it| it.next())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Network,
                format!("cannot resolve address {:?}", addr),
            )
        })
}
