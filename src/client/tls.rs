//! TLS for every connection of a client engine (Java `ClientConfig.useTLS`
//! with `TlsSystemConfig` and `TlsHelper.buildSslContext(forClient=true)`;
//! C++ `EventLoop::CreateSslContext`): the settings, the OpenSSL client
//! context built from them once per engine, and the session of each
//! connection with the server name it verifies. The connection drives the
//! handshake inside the event loop (`connection.rs`).
//!
//! The TLS stack is the system's OpenSSL (libssl.so.3), as in librdkafka:
//! security fixes arrive with the distribution's updates, and without a
//! `tls.client.trustCertPath` the trust store is the system's (OpenSSL's
//! default verify paths, `/etc/ssl/certs` on Debian).
//!
//! Difference from Java, on purpose: the server's certificate is verified
//! unless `tls.client.authServer=false` or `tls.test.mode.enable=true` is
//! set (Java's default `authServer` is false, which trusts any server).

use openssl::pkey::PKey;
use openssl::ssl::{
    Ssl, SslContext, SslContextBuilder, SslMethod, SslMode, SslOptions, SslVerifyMode, SslVersion,
};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509CheckFlags;
use openssl::x509::X509;

use crate::error::{Error, ErrorKind, Result};

/// How the message of a failed TLS handshake starts (after the connection's
/// address): see [`is_handshake_failure`].
pub(crate) const HANDSHAKE_FAILED: &str = "TLS handshake failed";

/// Whether `e` is a connection's failed TLS handshake (a network error:
/// untrusted certificate, plain peer, refused client certificate). Route
/// lookups report such a NameServer failure as
/// [`ErrorKind::Network`] rather than `NoRoute`: the route is not missing,
/// the transport is misconfigured.
pub(crate) fn is_handshake_failure(e: &Error) -> bool {
    e.kind() == ErrorKind::Network && e.message().contains(HANDSHAKE_FAILED)
}

/// The TLS settings of an engine (keys `useTLS` and `tls.*`, see
/// [`super::config::KEYS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// `tls.client.trustCertPath`: PEM file of the CAs to trust (only
    /// those); the system's trust store when `None`.
    pub trust_cert_path: Option<String>,
    /// `tls.client.certPath`: PEM certificate chain for mutual TLS.
    pub cert_path: Option<String>,
    /// `tls.client.keyPath`: PEM private key (PKCS#8, PKCS#1 or SEC1;
    /// encrypted PKCS#8 with `key_password`) of `cert_path`.
    pub key_path: Option<String>,
    /// `tls.client.keyPassword`: the password of an encrypted `key_path`.
    pub key_password: Option<String>,
    /// `tls.client.authServer` (default true here): verify the server's
    /// certificate chain and that it names the address connected to.
    pub auth_server: bool,
    /// `tls.test.mode.enable` (default false): trust any server.
    pub test_mode: bool,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            trust_cert_path: None,
            cert_path: None,
            key_path: None,
            key_password: None,
            auth_server: true,
            test_mode: false,
        }
    }
}

impl TlsConfig {
    /// Whether the server's certificate goes unchecked.
    pub fn skips_verification(&self) -> bool {
        self.test_mode || !self.auth_server
    }
}

/// An engine's TLS client context: what each connection's session is made
/// from. Built once per engine by [`client_context`]; read only by the
/// event-loop thread.
pub(crate) struct TlsClient {
    context: SslContext,
    verify_server: bool,
}

impl TlsClient {
    /// A client session (connect state) for a connection to `addr`
    /// (`host:port`): SNI names a DNS host, and when the server is verified
    /// its certificate must name the host (DNS name or IP address).
    /// Errors: [`ErrorKind::InvalidArgument`] for a host that is neither a
    /// DNS name nor an IP address; [`ErrorKind::Internal`] when OpenSSL
    /// cannot make the session (out of memory).
    pub(crate) fn session(&self, addr: &str) -> Result<Ssl> {
        let host = host_of(addr)?;
        let internal = |e: openssl::error::ErrorStack| {
            Error::new(ErrorKind::Internal, format!("TLS with {}: {}", addr, e))
        };
        let mut session = Ssl::new(&self.context).map_err(internal)?;
        let ip = host.parse::<std::net::IpAddr>().ok();
        if ip.is_none() {
            session.set_hostname(host).map_err(internal)?;
        }
        if self.verify_server {
            let param = session.param_mut();
            param.set_hostflags(X509CheckFlags::NO_PARTIAL_WILDCARDS);
            match ip {
                Some(ip) => param.set_ip(ip),
                None => param.set_host(host),
            }
            .map_err(internal)?;
        }
        session.set_connect_state();
        Ok(session)
    }
}

/// The TLS client context for `c`, built once when an engine starts:
/// TLS 1.2 and 1.3, OpenSSL's default ciphers without the weak ones (the
/// settings of rust-openssl's `SslConnector`, which is not used because it
/// always loads the system's trust store: ~236 M instructions and ~4 MB
/// at every start, also when `tls.client.trustCertPath` replaces it).
/// Errors: [`ErrorKind::InvalidArgument`] naming the file and the reason
/// (unreadable, no certificate or key in it, an encrypted key without
/// `tls.client.keyPassword` or with the wrong one, a key that does not
/// match the certificate, a certificate without a key or the reverse).
pub(crate) fn client_context(c: &TlsConfig) -> Result<TlsClient> {
    let setup = |e: openssl::error::ErrorStack| invalid(format!("TLS: {}", e));
    let mut builder = SslContextBuilder::new(SslMethod::tls_client()).map_err(setup)?;
    builder.set_options(SslOptions::ALL | SslOptions::NO_COMPRESSION);
    // Partial writes of a moving buffer: the connection writes from its
    // write buffer, which may grow or move between a write that waits and
    // its repetition.
    builder.set_mode(
        SslMode::AUTO_RETRY | SslMode::ACCEPT_MOVING_WRITE_BUFFER | SslMode::ENABLE_PARTIAL_WRITE,
    );
    builder
        .set_cipher_list("DEFAULT:!aNULL:!eNULL:!MD5:!3DES:!DES:!RC4:!IDEA:!SEED:!aDSS:!SRP:!PSK")
        .map_err(setup)?;
    builder
        .set_min_proto_version(Some(SslVersion::TLS1_2))
        .map_err(setup)?;
    // Read whatever the socket has into OpenSSL's buffer, not a record
    // header and then its body (two recv calls per record). The connection
    // reads until OpenSSL wants the socket, so nothing stays buffered
    // unseen by the edge-triggered poller.
    builder.set_read_ahead(true);
    if c.skips_verification() {
        log::warn!(
            "TLS: the server's certificate is not verified ({})",
            if c.test_mode {
                "tls.test.mode.enable=true"
            } else {
                "tls.client.authServer=false"
            }
        );
        builder.set_verify(SslVerifyMode::NONE);
    } else {
        builder.set_verify(SslVerifyMode::PEER);
        match &c.trust_cert_path {
            Some(path) => {
                let mut store = X509StoreBuilder::new().map_err(setup)?;
                for cert in certificates(path)? {
                    store.add_cert(cert).map_err(|e| {
                        invalid(format!("TLS: trust certificate in {}: {}", path, e))
                    })?;
                }
                builder.set_cert_store(store.build());
            }
            None => builder.set_default_verify_paths().map_err(setup)?,
        }
    }
    match (&c.cert_path, &c.key_path) {
        (Some(cert), Some(key)) => {
            let mut chain = certificates(cert)?.into_iter();
            let named = |e: openssl::error::ErrorStack| {
                invalid(format!("TLS: client certificate {}: {}", cert, e))
            };
            if let Some(leaf) = chain.next() {
                builder.set_certificate(&leaf).map_err(named)?;
            }
            for intermediate in chain {
                builder.add_extra_chain_cert(intermediate).map_err(named)?;
            }
            let private = private_key(key, c.key_password.as_deref())?;
            builder
                .set_private_key(&private)
                .map_err(|e| invalid(format!("TLS: private key {}: {}", key, e)))?;
            builder.check_private_key().map_err(|e| {
                invalid(format!(
                    "TLS: the private key in {} does not match the certificate in {}: {}",
                    key, cert, e
                ))
            })?;
        }
        (None, None) => {}
        (Some(_), None) => {
            return Err(invalid(
                "TLS: tls.client.certPath is set without tls.client.keyPath".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(invalid(
                "TLS: tls.client.keyPath is set without tls.client.certPath".into(),
            ))
        }
    }
    Ok(TlsClient {
        context: builder.build(),
        verify_server: !c.skips_verification(),
    })
}

/// The host of `addr` (`host:port`, `[v6]:port` or a bare host) a
/// connection verifies: an IP address or a DNS name. Errors:
/// [`ErrorKind::InvalidArgument`] for a host that is neither.
pub(crate) fn host_of(addr: &str) -> Result<&str> {
    let host = match addr.rsplit_once(':') {
        Some((h, _)) if !h.contains(':') || h.starts_with('[') => {
            h.trim_start_matches('[').trim_end_matches(']')
        }
        Some(_) => addr,
        None => addr,
    };
    let dns = |h: &str| {
        !h.is_empty()
            && h.len() <= 253
            && h.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
    };
    if host.parse::<std::net::IpAddr>().is_ok() || dns(host) {
        Ok(host)
    } else {
        Err(invalid(format!(
            "TLS: {:?} is not a host name or address",
            host
        )))
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

fn read(path: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| invalid(format!("TLS: cannot read {}: {}", path, e)))
}

fn certificates(path: &str) -> Result<Vec<X509>> {
    let certs = X509::stack_from_pem(&read(path)?)
        .map_err(|e| invalid(format!("TLS: {} is not valid PEM: {}", path, e)))?;
    if certs.is_empty() {
        return Err(invalid(format!("TLS: no CERTIFICATE in {}", path)));
    }
    Ok(certs)
}

/// The private key in `path`, decrypted with `password` when given. An
/// encrypted key without a password is refused here, before OpenSSL could
/// ask for one on the terminal.
fn private_key(path: &str, password: Option<&str>) -> Result<PKey<openssl::pkey::Private>> {
    let pem = read(path)?;
    let key = match password {
        Some(p) => PKey::private_key_from_pem_passphrase(&pem, p.as_bytes()).map_err(|e| {
            invalid(format!(
                "TLS: cannot decrypt the private key in {} with tls.client.keyPassword: {}",
                path, e
            ))
        })?,
        None if pem.windows(9).any(|w| w == b"ENCRYPTED") => {
            return Err(invalid(format!(
                "TLS: the private key in {} is encrypted: set tls.client.keyPassword",
                path
            )))
        }
        None => PKey::private_key_from_pem(&pem)
            .map_err(|e| invalid(format!("TLS: no private key in {}: {}", path, e)))?,
    };
    Ok(key)
}

/// The `key=value` lines of a Java-style properties file (the legacy
/// `Set*SslPropertyFile`, C++ `UtilAll::ReadProperties`): `#` and `!`
/// comment lines and blank lines skipped, keys and values trimmed.
/// Errors: [`ErrorKind::InvalidArgument`] when the file cannot be read.
pub fn read_properties(path: &str) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(format!("cannot read the properties file {}: {}", path, e)))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .filter_map(|l| {
            let (k, v) = l.split_once('=').or_else(|| l.split_once(':'))?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_addresses() {
        assert_eq!(host_of("127.0.0.1:10911").unwrap(), "127.0.0.1");
        assert_eq!(host_of("[::1]:9876").unwrap(), "::1");
        assert_eq!(
            host_of("broker-a.example:10911").unwrap(),
            "broker-a.example"
        );
        assert_eq!(host_of("broker-a").unwrap(), "broker-a");
        assert!(host_of("bad host:1").is_err());
        assert!(host_of(":1").is_err());
        assert!(host_of("a..b:1").is_err());
    }

    #[test]
    fn bad_files_are_named() {
        let c = TlsConfig {
            trust_cert_path: Some("/nonexistent/ca.pem".into()),
            ..TlsConfig::default()
        };
        let e = client_context(&c).err().unwrap();
        assert!(e.message().contains("/nonexistent/ca.pem"), "{}", e);
        let c = TlsConfig {
            cert_path: Some("/x".into()),
            test_mode: true,
            ..TlsConfig::default()
        };
        let e = client_context(&c).err().unwrap();
        assert!(e.message().contains("keyPath"), "{}", e);
        let c = TlsConfig {
            key_path: Some("/nonexistent/key.pem".into()),
            test_mode: true,
            ..TlsConfig::default()
        };
        let e = client_context(&c).err().unwrap();
        assert!(e.message().contains("certPath"), "{}", e);
    }
}
