//! TLS against the real NameServer and Broker in TLS mode (scripts/cluster.sh
//! with `ROCKETMQ_CLUSTER_TLS_DIR`): certificates made here with rcgen (a
//! CA, a server certificate for 127.0.0.1, a client certificate), the
//! NameServer permissive (the broker registers over plain TCP), the broker
//! enforcing. Server-verified TLS carries sync, async, oneway and batch
//! sends and a consumer; mutual TLS, also with an encrypted key; a wrong CA, a plain client against the
//! enforcing broker and a TLS client against a plain cluster each fail with
//! a network error that names the address and the TLS reason.

mod common;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use std::ffi::{c_int, CString};

use rocketmq::protocol::message_ext::MessageExt;
use rocketmq::{ConsumeStatus, ErrorKind, Message, Producer, PullConsumer, PushConsumer};

/// A CA and the certificates it signed, as PEM files in a directory.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    /// ca.pem, server.pem + server.key (SAN 127.0.0.1), client.pem +
    /// client.key, and other-ca.pem (a CA that signed nothing here).
    fn new(name: &str) -> Pki {
        Pki::with_server_names(name, &["127.0.0.1", "localhost"])
    }

    /// As [`Pki::new`], the server certificate naming `server_names`.
    fn with_server_names(name: &str, server_names: &[&str]) -> Pki {
        let dir = std::env::temp_dir().join(common::unique_topic(name));
        std::fs::create_dir_all(&dir).unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params("librocketmq test CA")
            .self_signed(&ca_key)
            .unwrap();
        let leaf = |sans: Vec<String>, usage, file: &str| {
            let key = KeyPair::generate().unwrap();
            let mut p = CertificateParams::new(sans).unwrap();
            p.distinguished_name.push(DnType::CommonName, file);
            p.extended_key_usages = vec![usage];
            let cert = p.signed_by(&key, &ca, &ca_key).unwrap();
            std::fs::write(dir.join(format!("{}.pem", file)), cert.pem()).unwrap();
            std::fs::write(dir.join(format!("{}.key", file)), key.serialize_pem()).unwrap();
        };
        leaf(
            server_names.iter().map(|n| n.to_string()).collect(),
            ExtendedKeyUsagePurpose::ServerAuth,
            "server",
        );
        leaf(
            vec!["client.test".into()],
            ExtendedKeyUsagePurpose::ClientAuth,
            "client",
        );
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        let other_key = KeyPair::generate().unwrap();
        let other = ca_params("another CA").self_signed(&other_key).unwrap();
        std::fs::write(dir.join("other-ca.pem"), other.pem()).unwrap();
        Pki { dir }
    }

    fn path(&self, file: &str) -> String {
        self.dir.join(file).display().to_string()
    }

    fn cluster(&self, broker_mode: &str, client_auth: &str) -> common::Cluster {
        let dir = self.dir.display().to_string();
        common::Cluster::start_with_env(
            1,
            &[
                ("ROCKETMQ_CLUSTER_TLS_DIR", dir.as_str()),
                ("ROCKETMQ_BROKER_TLS_MODE", broker_mode),
                ("ROCKETMQ_TLS_NEED_CLIENT_AUTH", client_auth),
            ],
        )
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ca_params(name: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

/// A started producer with a 5 s send timeout and `settings`.
fn producer(namesrv: &str, settings: &[(&str, &str)]) -> Producer {
    let mut all = vec![("sendMsgTimeout", "5000")];
    all.extend_from_slice(settings);
    common::producer(namesrv, &all)
}

/// A send that must fail: its error, and how long it took.
fn failed_send(p: &Producer, topic: &str) -> (rocketmq::Error, Duration) {
    let t = Instant::now();
    let e = p
        .send(&Message::new(topic, &b"x"[..]))
        .expect_err("the send must fail");
    (e, t.elapsed())
}

/// A producer with `settings` whose first send fails in the TLS handshake
/// with `namesrv` (a network error naming its address, well within the
/// 5 s send timeout); the error, for what the caller checks further.
fn refused_handshake(namesrv: &str, settings: &[(&str, &str)], what: &str) -> rocketmq::Error {
    let p = producer(namesrv, settings);
    let (e, took) = failed_send(&p, &common::unique_topic("TlsRefused"));
    eprintln!("{}: {:?} after {:?}", what, e, took);
    assert_eq!(e.kind(), ErrorKind::Network, "{}", e);
    assert!(
        e.message().contains(namesrv) && e.message().contains("TLS handshake failed"),
        "{}",
        e
    );
    assert!(took < Duration::from_secs(4), "{:?}", took);
    p.shutdown().unwrap();
    e
}

/// Sends sync, async, oneway and a batch over `settings`, then reads every
/// message back with a pull consumer over the same settings.
fn send_every_way_and_consume(namesrv: &str, settings: &[(&str, &str)]) {
    let topic = common::unique_topic("Tls");
    let p = producer(namesrv, settings);
    let mut bodies = std::collections::BTreeSet::new();
    for i in 0..5 {
        let b = format!("sync {}", i);
        p.send(&Message::new(&topic, b.clone().into_bytes()))
            .unwrap();
        bodies.insert(b);
    }
    let (tx, rx) = mpsc::channel();
    for i in 0..5 {
        let b = format!("async {}", i);
        let tx = tx.clone();
        p.send_async(
            &Message::new(&topic, b.clone().into_bytes()),
            Box::new(move |r| tx.send(r.map(|_| ())).unwrap()),
        )
        .unwrap();
        bodies.insert(b);
    }
    for _ in 0..5 {
        rx.recv_timeout(Duration::from_secs(10)).unwrap().unwrap();
    }
    for i in 0..5 {
        let b = format!("oneway {}", i);
        p.send_oneway(&Message::new(&topic, b.clone().into_bytes()))
            .unwrap();
        bodies.insert(b);
    }
    let batch: Vec<Message> = (0..5)
        .map(|i| {
            let b = format!("batch {}", i);
            bodies.insert(b.clone());
            Message::new(&topic, b.into_bytes())
        })
        .collect();
    p.send_batch(&batch).unwrap();

    let c = PullConsumer::new(&common::unique_topic("TlsC")).unwrap();
    c.set("namesrvAddr", namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    for (k, v) in settings {
        c.set(k, v).unwrap();
    }
    c.subscribe(&topic, "*").unwrap();
    c.start().unwrap();
    let mut got = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < bodies.len() && Instant::now() < deadline {
        for m in c.poll(Duration::from_millis(500), 64).unwrap() {
            got.insert(String::from_utf8_lossy(&m.body).into_owned());
        }
    }
    assert_eq!(got, bodies, "everything sent over TLS is consumed over TLS");
    c.shutdown().unwrap();

    // A push consumer over TLS gets them all too.
    let pushed = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let sink = pushed.clone();
    let c = PushConsumer::new(&common::unique_topic("TlsPush")).unwrap();
    c.set("namesrvAddr", namesrv).unwrap();
    c.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET")
        .unwrap();
    for (k, v) in settings {
        c.set(k, v).unwrap();
    }
    c.subscribe(&topic, "*").unwrap();
    c.register_listener(std::sync::Arc::new(move |msgs: &[MessageExt]| {
        let mut s = sink.lock().unwrap();
        for m in msgs {
            s.insert(String::from_utf8_lossy(&m.body).into_owned());
        }
        ConsumeStatus::Success
    }))
    .unwrap();
    c.start().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while pushed.lock().unwrap().len() < bodies.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    c.shutdown().unwrap();
    assert_eq!(
        *pushed.lock().unwrap(),
        bodies,
        "the push consumer over TLS"
    );
    p.shutdown().unwrap();
}

/// The legacy C API: `SetProducerSsl` + `SetProducerSslPropertyFile`.
fn legacy_send_over_tls(namesrv: &str, property_file: &str) -> c_int {
    use rocketmq::ffi::legacy::message::*;
    use rocketmq::ffi::legacy::producer::*;
    use rocketmq::ffi::legacy::send::*;
    let cs = |s: &str| CString::new(s).unwrap();
    let (group, ns, file) = (
        cs(&common::unique_topic("TlsLegacy")),
        cs(namesrv),
        cs(property_file),
    );
    let topic = cs(&common::unique_topic("TlsLegacyT"));
    unsafe {
        let p = CreateProducer(group.as_ptr());
        assert_eq!(SetProducerNameServerAddress(p, ns.as_ptr()), 0);
        assert_eq!(SetProducerSsl(p, 1), 0);
        assert_eq!(SetProducerSslPropertyFile(p, file.as_ptr()), 0);
        let started = StartProducer(p);
        let mut code = started;
        if started == 0 {
            let m = CreateMessage(topic.as_ptr());
            SetMessageBody(m, c"legacy over TLS".as_ptr());
            let mut r: rocketmq::ffi::legacy::CSendResult = std::mem::zeroed();
            code = SendMessageSync(p, m, &mut r);
            DestroyMessage(m);
            ShutdownProducer(p);
        }
        DestroyProducer(p);
        code
    }
}

#[test]
fn tls_server_verified_carries_every_send_and_a_consumer_and_refuses_the_wrong_peers() {
    let pki = Pki::new("TlsPki");
    let cluster = pki.cluster("enforcing", "none");
    let ca = pki.path("ca.pem");
    let tls = [
        ("useTLS", "true"),
        ("tls.client.trustCertPath", ca.as_str()),
    ];
    send_every_way_and_consume(&cluster.namesrv, &tls);

    // Test mode: no trust store needed (the CA is not the system's).
    let p = producer(
        &cluster.namesrv,
        &[("useTLS", "true"), ("tls.test.mode.enable", "true")],
    );
    p.send(&Message::new(common::unique_topic("TlsTest"), &b"x"[..]))
        .unwrap();
    p.shutdown().unwrap();

    // A CA that did not sign the servers' certificates.
    let other = pki.path("other-ca.pem");
    let e = refused_handshake(
        &cluster.namesrv,
        &[("useTLS", "true"), ("tls.client.trustCertPath", &other)],
        "wrong CA",
    );
    assert!(
        e.message()
            .contains("unable to get local issuer certificate"),
        "{}",
        e
    );

    // A plain client: the permissive NameServer answers, the enforcing
    // broker closes the connection; the error says TLS may be needed.
    let p = producer(&cluster.namesrv, &[("retryTimesWhenSendFailed", "0")]);
    let topic = common::unique_topic("TlsPlain");
    let (e, took) = failed_send(&p, &topic);
    eprintln!("plain client: {:?} after {:?}", e, took);
    assert_eq!(e.kind(), ErrorKind::Network, "{}", e);
    assert!(
        e.message().contains(&cluster.brokers[0]) && e.message().contains("useTLS"),
        "{}",
        e
    );
    p.shutdown().unwrap();
}

#[test]
fn tls_mutual_auth_with_a_client_certificate_and_refused_without() {
    let pki = Pki::new("TlsMutual");
    let cluster = pki.cluster("enforcing", "require");
    let (ca, cert, key) = (
        pki.path("ca.pem"),
        pki.path("client.pem"),
        pki.path("client.key"),
    );
    let tls = [
        ("useTLS", "true"),
        ("tls.client.trustCertPath", ca.as_str()),
        ("tls.client.certPath", cert.as_str()),
        ("tls.client.keyPath", key.as_str()),
    ];
    send_every_way_and_consume(&cluster.namesrv, &tls);

    // The same settings from a properties file (Java tls.config.file, the
    // legacy Set*SslPropertyFile).
    let props = pki.dir.join("tls.properties");
    std::fs::write(
        &props,
        format!(
            "# client side\ntls.client.trustCertPath={}\ntls.client.certPath = {}\ntls.client.keyPath={}\ntls.server.mode=enforcing\n",
            ca, cert, key
        ),
    )
    .unwrap();
    let p = producer(
        &cluster.namesrv,
        &[
            ("useTLS", "true"),
            ("tls.config.file", &props.display().to_string()),
        ],
    );
    p.send(&Message::new(common::unique_topic("TlsFile"), &b"x"[..]))
        .unwrap();
    p.shutdown().unwrap();
    // The legacy API reads the same file.
    let props = props.display().to_string();
    assert_eq!(legacy_send_over_tls(&cluster.namesrv, &props), 0);
    let missing = pki.path("missing.properties");
    assert_eq!(legacy_send_over_tls(&cluster.namesrv, &missing), 10);

    // An encrypted client key (PKCS#8, AES-256) with its password; the
    // wrong password and a missing one fail the start, naming the file.
    let encrypted = pki.path("client-encrypted.key");
    let plain = openssl::pkey::PKey::private_key_from_pem(&std::fs::read(&key).unwrap()).unwrap();
    let pem = plain
        .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"s3cret")
        .unwrap();
    std::fs::write(&encrypted, pem).unwrap();
    let with_key = |password: Option<&str>| {
        let mut settings = vec![
            ("useTLS", "true"),
            ("tls.client.trustCertPath", ca.as_str()),
            ("tls.client.certPath", cert.as_str()),
            ("tls.client.keyPath", encrypted.as_str()),
        ];
        if let Some(pw) = password {
            settings.push(("tls.client.keyPassword", pw));
        }
        let p = Producer::new(&common::unique_topic("TlsKeyGroup")).unwrap();
        p.set("namesrvAddr", &cluster.namesrv).unwrap();
        for (k, v) in settings {
            p.set(k, v).unwrap();
        }
        p
    };
    let p = with_key(Some("s3cret"));
    p.start().unwrap();
    p.send(&Message::new(
        common::unique_topic("TlsEncryptedKey"),
        &b"x"[..],
    ))
    .unwrap();
    p.shutdown().unwrap();
    for (password, says) in [(Some("wrong"), "cannot decrypt"), (None, "keyPassword")] {
        let e = with_key(password).start().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{}", e);
        assert!(e.message().contains(&encrypted), "{}", e);
        assert!(e.message().contains(says), "{}", e);
    }

    // No client certificate: the servers refuse the handshake.
    let e = refused_handshake(
        &cluster.namesrv,
        &[("useTLS", "true"), ("tls.client.trustCertPath", &ca)],
        "no client certificate",
    );
    assert!(e.message().contains("certificate required"), "{}", e);
}

/// A certificate from the trusted CA that names another host than the
/// address connected to is refused (hostname verification), unless the
/// server is not verified at all.
#[test]
fn tls_server_certificate_for_another_host_is_refused() {
    let pki = Pki::with_server_names("TlsOtherHost", &["broker.example", "10.1.2.3"]);
    let cluster = pki.cluster("enforcing", "none");
    let ca = pki.path("ca.pem");
    let e = refused_handshake(
        &cluster.namesrv,
        &[("useTLS", "true"), ("tls.client.trustCertPath", &ca)],
        "certificate for another host",
    );
    assert!(
        e.message().contains("the server's certificate") && e.message().contains("mismatch"),
        "{}",
        e
    );
    let p = producer(
        &cluster.namesrv,
        &[("useTLS", "true"), ("tls.client.authServer", "false")],
    );
    p.send(&Message::new(
        common::unique_topic("TlsOtherHost"),
        &b"x"[..],
    ))
    .unwrap();
    p.shutdown().unwrap();
}

#[test]
fn tls_client_against_a_plain_cluster_fails_fast_and_says_why() {
    let cluster = common::shared();
    let p = producer(
        &cluster.namesrv,
        &[("useTLS", "true"), ("tls.test.mode.enable", "true")],
    );
    let (e, took) = failed_send(&p, &common::unique_topic("TlsToPlain"));
    eprintln!("TLS client, plain servers: {:?} after {:?}", e, took);
    assert_eq!(e.kind(), ErrorKind::Network, "{}", e);
    assert!(e.message().contains(&cluster.namesrv), "{}", e);
    assert!(e.message().contains("TLS"), "{}", e);
    assert!(took < Duration::from_secs(5), "{:?}", took);
    p.shutdown().unwrap();
}

#[test]
fn tls_bad_settings_fail_at_start_with_the_file_named() {
    let missing = Path::new("/nonexistent/ca.pem");
    let p = Producer::new(&common::unique_topic("TlsBad")).unwrap();
    p.set("namesrvAddr", "127.0.0.1:9").unwrap();
    p.set("useTLS", "true").unwrap();
    p.set("tls.client.trustCertPath", &missing.display().to_string())
        .unwrap();
    let e = p.start().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{}", e);
    assert!(e.message().contains("/nonexistent/ca.pem"), "{}", e);
    let p = Producer::new(&common::unique_topic("TlsBad")).unwrap();
    assert!(p.set("useTLS", "maybe").is_err());
    let e = p
        .set("tls.config.file", "/nonexistent/tls.properties")
        .unwrap_err();
    assert!(e.message().contains("/nonexistent/tls.properties"), "{}", e);
}
