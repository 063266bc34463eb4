//! One TCP connection to a NameServer or Broker, owned by the event-loop
//! thread: non-blocking connect, framed reads, a write buffer flushed when the
//! socket takes it. Edge-triggered (mio): reads and writes go on until the
//! socket would block. With TLS (`useTLS`) an OpenSSL client session owns
//! the socket and sits between the buffers and it, driven by the same
//! events (non-blocking: each call goes on until OpenSSL wants the socket
//! readable or writable): the handshake starts once the TCP connect
//! completes, frames written before it ends wait in the write buffer, and a
//! handshake failure closes the connection with the TLS reason.

use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs};

use bytes::BytesMut;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use openssl::ssl::{ErrorCode, SslStream};

use crate::codec::{self, RemotingCommand};
use crate::error::{Error, ErrorKind, Result};

/// Initial buffer capacity, bytes.
const READ_CHUNK: usize = 64 * 1024;

/// Appended to a plain connection's error when the peer dropped it before
/// answering anything: what a TLS-only server does.
const PLAIN_REFUSED_HINT: &str =
    " (before it answered anything: a server that requires TLS closes plain connections: set useTLS=true if it does)";

/// TLS: room offered to each plaintext read from OpenSSL, bytes (a TLS
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
    socket: Socket,
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
    /// TLS: whether the peer sent any application data yet.
    tls_answered: bool,
    /// Whether the peer sent anything yet (a plain connection closed before
    /// that may be a TLS-only server refusing it).
    received_any: bool,
}

/// The socket, plain or inside its TLS session.
enum Socket {
    Plain(TcpStream),
    Tls(SslStream<TcpStream>),
}

impl Socket {
    fn tcp(&self) -> &TcpStream {
        match self {
            Socket::Plain(s) => s,
            Socket::Tls(t) => t.get_ref(),
        }
    }

    fn tcp_mut(&mut self) -> &mut TcpStream {
        match self {
            Socket::Plain(s) => s,
            Socket::Tls(t) => t.get_mut(),
        }
    }
}

/// Whether an OpenSSL call only waits for the socket (readable or
/// writable: the next readiness event goes on).
fn waits_for_socket(e: &openssl::ssl::Error) -> bool {
    matches!(e.code(), ErrorCode::WANT_READ | ErrorCode::WANT_WRITE)
}

impl Connection {
    /// Starts a non-blocking connect to `addr` (`host:port`) and registers the
    /// socket under `token` for read and write readiness.
    ///
    /// With `tls`, the connection is a TLS client of that context,
    /// verifying the host of `addr`.
    ///
    /// Errors: [`ErrorKind::Network`] if the address does not resolve or the
    /// connect fails at once; [`ErrorKind::InvalidArgument`] when TLS cannot
    /// name the host; [`ErrorKind::Internal`] when the socket cannot be
    /// registered or OpenSSL cannot make the session.
    pub fn open(
        addr: &str,
        token: Token,
        registry: &Registry,
        tls: Option<&super::tls::TlsClient>,
    ) -> Result<Connection> {
        let session = tls.map(|t| t.session(addr)).transpose()?;
        let sock_addr = resolve(addr)?;
        let mut stream = TcpStream::connect(sock_addr)
            .map_err(|e| Error::new(ErrorKind::Network, format!("connect to {}: {}", addr, e)))?;
        registry
            .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
            .map_err(|e| Error::new(ErrorKind::Internal, format!("register {}: {}", addr, e)))?;
        let socket = match session {
            Some(session) => Socket::Tls(SslStream::new(session, stream).map_err(|e| {
                Error::new(ErrorKind::Internal, format!("TLS with {}: {}", addr, e))
            })?),
            None => Socket::Plain(stream),
        };
        Ok(Connection {
            addr: addr.to_string(),
            socket,
            connected: false,
            read_buf: BytesMut::with_capacity(READ_CHUNK),
            write_buf: Vec::with_capacity(READ_CHUNK),
            write_pos: 0,
            written_total: 0,
            tls_answered: false,
            received_any: false,
        })
    }

    /// Whether a TLS handshake is still under way (false without TLS).
    pub fn is_handshaking(&self) -> bool {
        match &self.socket {
            Socket::Tls(t) => !t.ssl().is_init_finished(),
            Socket::Plain(_) => false,
        }
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
        let stream = self.socket.tcp();
        if let Ok(Some(e)) | Err(e) = stream.take_error() {
            return Err(Error::new(
                ErrorKind::Network,
                format!("connect to {}: {}", self.addr, e),
            ));
        }
        match stream.peer_addr() {
            Ok(_) => {
                self.connected = true;
                let _ = stream.set_nodelay(true);
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
        let stream = match &mut self.socket {
            Socket::Plain(s) => s,
            Socket::Tls(_) => {
                self.flush_tls()?;
                self.compact();
                return Ok(());
            }
        };
        while self.write_pos < self.write_buf.len() {
            match stream.write(&self.write_buf[self.write_pos..]) {
                Ok(0) => return Err(self.broken("connection closed while writing")),
                Ok(n) => {
                    self.write_pos += n;
                    self.written_total += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let why = e.to_string();
                    return Err(self.broken(&why));
                }
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

    /// TLS: goes on with the handshake until it is done or waits for the
    /// socket; then hands buffered plaintext to OpenSSL, each record
    /// straight to the socket, until done or the socket would block. True
    /// once the handshake is done. Errors: the handshake failed (the reason
    /// names the certificate check that failed, or the peer that closed),
    /// the connection broke.
    fn flush_tls(&mut self) -> Result<bool> {
        let Socket::Tls(tls) = &mut self.socket else {
            return Ok(true);
        };
        if !tls.ssl().is_init_finished() {
            match tls.do_handshake() {
                Ok(()) => {}
                Err(e) if waits_for_socket(&e) => return Ok(false),
                Err(e) => {
                    let why = handshake_failure(tls, &e);
                    return Err(self.broken(&why));
                }
            }
        }
        while self.write_pos < self.write_buf.len() {
            // A write that waits is repeated with the same bytes first
            // (they stay at write_pos; the buffer may move or grow:
            // ACCEPT_MOVING_WRITE_BUFFER, ENABLE_PARTIAL_WRITE).
            match tls.ssl_write(&self.write_buf[self.write_pos..]) {
                Ok(n) => {
                    self.write_pos += n;
                    self.written_total += n as u64;
                }
                Err(e) if waits_for_socket(&e) => break,
                Err(e) => {
                    let why = format!("TLS: {}", e);
                    return Err(self.broken(&why));
                }
            }
        }
        Ok(true)
    }

    /// TLS: the handshake's next step (and then the frames that waited
    /// for it), then one read of plaintext into the read buffer. True
    /// when more may be waiting.
    fn read_tls(&mut self) -> Result<bool> {
        if self.is_handshaking() {
            if !self.flush_tls()? {
                return Ok(false);
            }
            self.compact();
        }
        let Socket::Tls(tls) = &mut self.socket else {
            return Ok(false);
        };
        self.read_buf.reserve(TLS_PLAINTEXT_CHUNK);
        let len = self.read_buf.len();
        match tls.ssl_read_uninit(self.read_buf.spare_capacity_mut()) {
            Ok(n) => {
                // SAFETY: OpenSSL initialised the first `n` spare bytes.
                unsafe { self.read_buf.set_len(len + n) };
                self.received_any = true;
                self.tls_answered = true;
                Ok(true)
            }
            // WANT_WRITE: OpenSSL has to answer (a key update) and the
            // socket is full; the writable event reads again.
            Err(e) if waits_for_socket(&e) => Ok(false),
            Err(e) if e.code() == ErrorCode::ZERO_RETURN => {
                Err(self.broken("connection closed by peer (TLS close_notify)"))
            }
            Err(e) => {
                // TLS 1.3 clients finish first: a server refusing the
                // client's certificate says so after the client's side is
                // done, before any answer; that is a failed handshake too.
                let why = if self.tls_answered {
                    match e.io_error() {
                        Some(io) => io.to_string(),
                        None if e.ssl_error().is_none() => "connection closed by peer".into(),
                        None => format!("TLS error: {}", e),
                    }
                } else {
                    handshake_failure(tls, &e)
                };
                Err(self.broken(&why))
            }
        }
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
        if let Socket::Tls(_) = self.socket {
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
        let fd = std::os::fd::AsRawFd::as_raw_fd(self.socket.tcp());
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
        let stream = self.socket.tcp_mut();
        let _ = registry.deregister(stream);
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
}

/// Why a TLS handshake (or the first answer after it) failed, starting with
/// [`super::tls::HANDSHAKE_FAILED`]: the certificate check that failed, the
/// peer's alert or OpenSSL's reason, or a peer that reset or closed the
/// connection (a plain server drops TLS connections: the message says so).
fn handshake_failure(tls: &SslStream<TcpStream>, e: &openssl::ssl::Error) -> String {
    let failed = super::tls::HANDSHAKE_FAILED;
    let verified = tls.ssl().verify_result();
    if verified != openssl::x509::X509VerifyResult::OK {
        return format!(
            "{}: the server's certificate: {}",
            failed,
            verified.error_string()
        );
    }
    let plain_hint = "(is it a TLS server? a plain one drops TLS connections)";
    match (e.io_error(), e.ssl_error()) {
        (Some(io), _) => format!("{}: {} {}", failed, io, plain_hint),
        (None, Some(stack)) => {
            let reasons: Vec<&str> = stack.errors().iter().filter_map(|r| r.reason()).collect();
            match reasons.is_empty() {
                true => format!("{}: {}", failed, stack),
                false => format!("{}: {}", failed, reasons.join("; ")),
            }
        }
        (None, None) => format!("{}: the peer closed the connection {}", failed, plain_hint),
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
