//! TLS for every connection of a client engine (Java `ClientConfig.useTLS`
//! with `TlsSystemConfig` and `TlsHelper.buildSslContext(forClient=true)`;
//! C++ `EventLoop::CreateSslContext`): the settings, the rustls client
//! configuration built from them once per engine, and the server name a
//! connection verifies. The connection drives the handshake inside the
//! event loop (`connection.rs`).
//!
//! Differences from Java, on purpose: the server's certificate is verified
//! unless `tls.client.authServer=false` or `tls.test.mode.enable=true` is
//! set (Java's default `authServer` is false, which trusts any server);
//! encrypted private keys (`tls.client.keyPassword`) are refused with a
//! clear error (decrypt the key first, e.g. `openssl pkey -in k.pem -out
//! plain.pem`).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

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
    /// `tls.client.trustCertPath`: PEM file of the CAs to trust; the
    /// system's trust store when `None`.
    pub trust_cert_path: Option<String>,
    /// `tls.client.certPath`: PEM certificate chain for mutual TLS.
    pub cert_path: Option<String>,
    /// `tls.client.keyPath`: PEM private key (PKCS#8, PKCS#1 or SEC1) of
    /// `cert_path`.
    pub key_path: Option<String>,
    /// `tls.client.keyPassword`: set only to be refused at start (encrypted
    /// keys are not supported).
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

/// The rustls configuration for `c`, built once when an engine starts.
/// Errors: [`ErrorKind::InvalidArgument`] naming the file and the reason
/// (unreadable, no certificate or key in it, an encrypted key, a key that
/// does not match the certificate, a certificate without a key or the
/// reverse).
pub(crate) fn client_config(c: &TlsConfig) -> Result<Arc<rustls::ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("TLS: {}", e)))?;
    let builder = if c.skips_verification() {
        log::warn!(
            "TLS: the server's certificate is not verified ({})",
            if c.test_mode {
                "tls.test.mode.enable=true"
            } else {
                "tls.client.authServer=false"
            }
        );
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(TrustAnyServer(provider)))
    } else {
        builder.with_root_certificates(roots(c.trust_cert_path.as_deref())?)
    };
    if c.key_password.is_some() {
        return Err(invalid(
            "TLS: tls.client.keyPassword is set, but encrypted private keys are not supported: \
             decrypt the key (e.g. openssl pkey -in key.pem -out plain.pem) and leave keyPassword unset"
                .into(),
        ));
    }
    let config = match (&c.cert_path, &c.key_path) {
        (Some(cert), Some(key)) => {
            let chain = certificates(cert)?;
            let key = private_key(key)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| invalid(format!("TLS: client certificate {}: {}", cert, e)))?
        }
        (None, None) => builder.with_no_client_auth(),
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
    };
    Ok(Arc::new(config))
}

/// The name a connection to `addr` (`host:port`) verifies: an IP address
/// or a DNS name. Errors: [`ErrorKind::InvalidArgument`] for a host that is
/// neither.
pub(crate) fn server_name(addr: &str) -> Result<ServerName<'static>> {
    let host = match addr.rsplit_once(':') {
        Some((h, _)) => h.trim_start_matches('[').trim_end_matches(']'),
        None => addr,
    };
    ServerName::try_from(host.to_string())
        .map_err(|_| invalid(format!("TLS: {:?} is not a host name or address", host)))
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

fn roots(path: Option<&str>) -> Result<rustls::RootCertStore> {
    let mut store = rustls::RootCertStore::empty();
    match path {
        Some(p) => {
            for cert in certificates(p)? {
                store
                    .add(cert)
                    .map_err(|e| invalid(format!("TLS: trust certificate in {}: {}", p, e)))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                log::warn!("TLS: system trust store: {}", e);
            }
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(invalid(
                    "TLS: the system trust store has no certificates; set tls.client.trustCertPath"
                        .into(),
                ));
            }
        }
    }
    Ok(store)
}

fn certificates(path: &str) -> Result<Vec<CertificateDer<'static>>> {
    let read = CertificateDer::pem_file_iter(path)
        .map_err(|e| invalid(format!("TLS: cannot read {}: {}", path, e)))?;
    let certs = read
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("TLS: {} is not valid PEM: {}", path, e)))?;
    if certs.is_empty() {
        return Err(invalid(format!("TLS: no CERTIFICATE in {}", path)));
    }
    Ok(certs)
}

fn private_key(path: &str) -> Result<PrivateKeyDer<'static>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(format!("TLS: cannot read {}: {}", path, e)))?;
    if text.contains("ENCRYPTED") {
        return Err(invalid(format!(
            "TLS: the private key in {} is encrypted, which is not supported: decrypt it \
             (e.g. openssl pkey -in {} -out plain.pem)",
            path, path
        )));
    }
    PrivateKeyDer::from_pem_slice(text.as_bytes())
        .map_err(|e| invalid(format!("TLS: no private key in {}: {}", path, e)))
}

/// `tls.test.mode.enable` / `tls.client.authServer=false`: any server
/// certificate is accepted (the handshake's signatures are still checked).
#[derive(Debug)]
struct TrustAnyServer(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for TrustAnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
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
    fn server_names_of_addresses() {
        assert!(matches!(
            server_name("127.0.0.1:10911").unwrap(),
            ServerName::IpAddress(_)
        ));
        assert!(matches!(
            server_name("[::1]:9876").unwrap(),
            ServerName::IpAddress(_)
        ));
        assert!(matches!(
            server_name("broker-a.example:10911").unwrap(),
            ServerName::DnsName(_)
        ));
        assert!(server_name("bad host:1").is_err());
    }

    #[test]
    fn bad_files_are_named() {
        let c = TlsConfig {
            trust_cert_path: Some("/nonexistent/ca.pem".into()),
            ..TlsConfig::default()
        };
        let e = client_config(&c).unwrap_err();
        assert!(e.message().contains("/nonexistent/ca.pem"), "{}", e);
        let c = TlsConfig {
            cert_path: Some("/x".into()),
            test_mode: true,
            ..TlsConfig::default()
        };
        assert!(client_config(&c).unwrap_err().message().contains("keyPath"));
        let c = TlsConfig {
            key_password: Some("secret".into()),
            test_mode: true,
            ..TlsConfig::default()
        };
        assert!(client_config(&c)
            .unwrap_err()
            .message()
            .contains("encrypted"));
    }
}
