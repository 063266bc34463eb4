//! The client engine's settings (Java `ClientConfig`): what every role on
//! one engine shares — NameServer addresses, the client id's parts,
//! namespace, ACL credentials and the engine's own intervals and timeouts.
//! Role settings (a producer's send timeout, a consumer's pull batch) live
//! with the role.

use crate::acl::Credentials;
use crate::config::{addr_list, boolean, key, non_empty, number, optional, ConfigKey};
use crate::error::{Error, ErrorKind, Result};

/// Every setting of a client engine, with the Java defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// `namesrvAddr`: `host:port` list separated by `;`. Falls back to the
    /// `NAMESRV_ADDR` environment variable when empty at start.
    pub namesrv_addr: String,
    /// `namesrvDomain`: the address server to get the NameServer list from
    /// when no address is configured (see `address_server`): `host`
    /// (port 8080, as Java), `host:port` or an `http://` URL.
    pub namesrv_domain: Option<String>,
    /// `namesrvDomainSubgroup`: the last path part of the address server's
    /// URL (Java property `rocketmq.namesrv.domain.subgroup`, default
    /// `nsaddr`).
    pub namesrv_domain_subgroup: String,
    /// `namesrvDomainRefreshInterval`, ms (not a Java key; Java: 2 minutes):
    /// how often the address server is asked again.
    pub namesrv_domain_refresh_interval_ms: u64,
    /// `enableMsgTrace` (Java `DefaultMQProducer(…, enableMsgTrace, …)`,
    /// `ClientConfig.enableTrace`): send trace records of every send and
    /// consume to the trace topic (see `producer::trace`). Default false.
    pub enable_msg_trace: bool,
    /// `customizedTraceTopic`: the trace topic instead of
    /// `RMQ_SYS_TRACE_TOPIC`.
    pub customized_trace_topic: Option<String>,
    /// `instanceName` (default `DEFAULT`, replaced by `pid#nanos` at start
    /// as Java `changeInstanceNameToPID`).
    pub instance_name: String,
    /// `clientIP`: the address reported in the client id (default: detected).
    pub client_ip: Option<String>,
    /// `unitName`, appended to the client id when set.
    pub unit_name: Option<String>,
    /// `mqClientApiTimeout`, ms: route lookups, heartbeats, unregister.
    pub mq_client_api_timeout_ms: u64,
    /// `pollNameServerInterval`, ms: route refresh period.
    pub poll_name_server_interval_ms: u64,
    /// `heartbeatBrokerInterval`, ms: heartbeat period.
    pub heartbeat_broker_interval_ms: u64,
    /// ACL v1 credentials (`accessKey`, `secretKey`, `securityToken`): when
    /// both keys are set every request is signed (Java `AclClientRPCHook`).
    pub credentials: Option<Credentials>,
    /// `namespace`: resources are sent as `namespace%name` (Java
    /// `ClientConfig.namespace`); results come back without it.
    pub namespace: Option<String>,
    /// `vipChannelEnabled`: send to the broker's fast port (port − 2), as
    /// Java `sendMessageWithVIPChannel` (default false).
    pub vip_channel_enabled: bool,
    /// `ioBusyPollMicros`, µs (not a Java key): while sync requests are in
    /// flight or have just completed, and the broker answers them faster
    /// than this on average, the I/O thread polls without sleeping for up
    /// to this long instead of waiting to be woken, which saves a thread
    /// wake-up each way. 0 turns it off; brokers slower than the bound (a
    /// real broker writing to disk) never cause busy polling.
    pub io_busy_poll_us: u64,
    /// `useTLS` (Java `ClientConfig.useTLS`, default false): every
    /// connection of the engine — NameServers, brokers, the VIP port —
    /// speaks TLS, with [`ClientConfig::tls`].
    pub use_tls: bool,
    /// The `tls.*` settings (Java `TlsSystemConfig`), used when `use_tls`.
    pub tls: super::tls::TlsConfig,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            namesrv_addr: String::new(),
            namesrv_domain: None,
            namesrv_domain_subgroup: "nsaddr".to_string(),
            namesrv_domain_refresh_interval_ms: 120_000,
            enable_msg_trace: false,
            customized_trace_topic: None,
            instance_name: "DEFAULT".to_string(),
            client_ip: None,
            unit_name: None,
            mq_client_api_timeout_ms: 3000,
            poll_name_server_interval_ms: 30_000,
            heartbeat_broker_interval_ms: 30_000,
            credentials: None,
            namespace: None,
            vip_channel_enabled: false,
            io_busy_poll_us: 100,
            use_tls: false,
            tls: super::tls::TlsConfig::default(),
        }
    }
}

/// The keys of [`ClientConfig`], in the order the documentation lists them.
pub static KEYS: &[ConfigKey<ClientConfig>] = &[
    key!(
        "namesrvAddr",
        "NameServer addresses, host:port separated by ';'",
        |c, v| c.namesrv_addr = addr_list(KEY, v)?
    ),
    key!(
        "namesrvDomain",
        "address server of the NameServer list when namesrvAddr is empty: host (port 8080), host:port or http:// URL",
        |c, v| c.namesrv_domain = super::address_server::check_domain(KEY, v)?
    ),
    key!(
        "namesrvDomainSubgroup",
        "last path part of the address server URL (default nsaddr)",
        |c, v| c.namesrv_domain_subgroup = non_empty(KEY, v)?
    ),
    key!(
        "namesrvDomainRefreshInterval",
        "ms, how often the address server is asked again (default 120000, >= 10)",
        |c, v| c.namesrv_domain_refresh_interval_ms = number(KEY, v, 10, 86_400_000)?
    ),
    key!(
        "enableMsgTrace",
        "true/false: send trace records of sends and consumes to the trace topic (default false)",
        |c, v| c.enable_msg_trace = boolean(KEY, v)?
    ),
    key!(
        "customizedTraceTopic",
        "trace topic instead of RMQ_SYS_TRACE_TOPIC",
        |c, v| c.customized_trace_topic = trace_topic(KEY, v)?
    ),
    key!(
        "instanceName",
        "client instance name (part of the client id)",
        |c, v| c.instance_name = non_empty(KEY, v)?
    ),
    key!("clientIP", "address reported in the client id", |c, v| c
        .client_ip =
        optional(v)),
    key!("unitName", "unit name appended to the client id", |c, v| {
        c.unit_name = optional(v)
    }),
    key!(
        "mqClientApiTimeout",
        "ms, timeout of route lookups, heartbeats, unregister (> 0)",
        |c, v| c.mq_client_api_timeout_ms = number(KEY, v, 1, 3_600_000)?
    ),
    key!(
        "pollNameServerInterval",
        "ms, route refresh period (>= 10)",
        |c, v| c.poll_name_server_interval_ms = number(KEY, v, 10, 86_400_000)?
    ),
    key!(
        "heartbeatBrokerInterval",
        "ms, heartbeat period (>= 10)",
        |c, v| c.heartbeat_broker_interval_ms = number(KEY, v, 10, 86_400_000)?
    ),
    key!(
        "ioBusyPollMicros",
        "us, busy-poll bound for sync sends to fast brokers (0 = off, default 100, <= 10000)",
        |c, v| c.io_busy_poll_us = number(KEY, v, 0, 10_000)?
    ),
    key!(
        "namespace",
        "resources are sent as namespace%name; results come back without it",
        |c, v| c.namespace = namespace(v)?
    ),
    key!(
        "vipChannelEnabled",
        "true/false: send to the broker's fast port (port - 2), default false",
        |c, v| c.vip_channel_enabled = boolean(KEY, v)?
    ),
    key!(
        "accessKey",
        "ACL access key; with secretKey, every request is signed",
        |c, v| credentials(c).access_key = v.to_string()
    ),
    key!("secretKey", "ACL secret key (never sent)", |c, v| {
        credentials(c).secret_key = v.to_string()
    }),
    key!("securityToken", "ACL security token (optional)", |c, v| {
        credentials(c).security_token = optional(v)
    }),
    key!(
        "useTLS",
        "true/false: every connection (NameServer, brokers) uses TLS, default false",
        |c, v| c.use_tls = boolean(KEY, v)?
    ),
    key!(
        "tls.client.trustCertPath",
        "PEM file of the CAs that sign the servers' certificates (default: the system's trust store)",
        |c, v| c.tls.trust_cert_path = optional(v)
    ),
    key!(
        "tls.client.certPath",
        "PEM certificate chain of this client, for mutual TLS (with tls.client.keyPath)",
        |c, v| c.tls.cert_path = optional(v)
    ),
    key!(
        "tls.client.keyPath",
        "PEM private key (PKCS#8, PKCS#1 or SEC1; encrypted PKCS#8 with tls.client.keyPassword) of tls.client.certPath",
        |c, v| c.tls.key_path = optional(v)
    ),
    key!(
        "tls.client.keyPassword",
        "password of an encrypted tls.client.keyPath (Java TlsSystemConfig tlsClientKeyPassword)",
        |c, v| c.tls.key_password = optional(v)
    ),
    key!(
        "tls.client.authServer",
        "true/false: verify the server's certificate and address, default true (Java: false)",
        |c, v| c.tls.auth_server = boolean(KEY, v)?
    ),
    key!(
        "tls.test.mode.enable",
        "true/false: trust any server certificate (logged at warn), default false",
        |c, v| c.tls.test_mode = boolean(KEY, v)?
    ),
    key!(
        "tls.config.file",
        "properties file whose tls.client.* and tls.test.mode.enable lines are applied now",
        |c, v| apply_tls_file(c, v)?
    ),
];

/// A valid topic name, or None for blank.
fn trace_topic(key: &str, v: &str) -> Result<Option<String>> {
    let Some(topic) = optional(v.trim()) else {
        return Ok(None);
    };
    crate::message::validate_topic(&topic).map_err(|e| e.context(key))?;
    Ok(Some(topic))
}

/// Applies the client TLS keys of a properties file (Java
/// `TlsSystemConfig`'s `tls.config.file`, the legacy `Set*SslPropertyFile`);
/// other lines (a server's keys in a shared file) are ignored. The
/// configuration is unchanged when a line's value is bad.
fn apply_tls_file(c: &mut ClientConfig, path: &str) -> Result<()> {
    let mut next = c.clone();
    for (k, v) in super::tls::read_properties(path)? {
        if k.starts_with("tls.client.") || k == "tls.test.mode.enable" {
            next.set(&k, &v)
                .map_err(|e| e.context(&format!("in {}", path)))?;
        }
    }
    *c = next;
    Ok(())
}

fn namespace(v: &str) -> Result<Option<String>> {
    if v.contains('%') {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "namespace must not contain %",
        ));
    }
    Ok(optional(v))
}

/// The credentials to fill in, created empty on first use.
fn credentials(c: &mut ClientConfig) -> &mut Credentials {
    c.credentials.get_or_insert_with(|| Credentials {
        access_key: String::new(),
        secret_key: String::new(),
        security_token: None,
    })
}

impl ClientConfig {
    /// Sets `key` (a name in [`KEYS`]) to `value`. Errors:
    /// [`ErrorKind::UnknownConfigKey`], [`ErrorKind::InvalidArgument`] (the
    /// configuration is then unchanged).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        crate::config::set_in(KEYS, self, key, value)
            .unwrap_or_else(|| Err(crate::config::unknown_key(key)))
    }

    /// The credentials to sign with: both keys set, else None.
    pub fn signing_credentials(&self) -> Option<&Credentials> {
        self.credentials
            .as_ref()
            .filter(|c| !c.access_key.is_empty() && !c.secret_key.is_empty())
    }

    /// The NameServer addresses, from `namesrvAddr` or else `NAMESRV_ADDR`.
    pub fn namesrv_list(&self) -> Vec<String> {
        let raw = if self.namesrv_addr.trim().is_empty() {
            std::env::var("NAMESRV_ADDR").unwrap_or_default()
        } else {
            self.namesrv_addr.clone()
        };
        raw.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The address server to ask for the NameServer list at start: its URL
    /// when `namesrvDomain` is set and no address is configured
    /// (`namesrvAddr`, `NAMESRV_ADDR`), as Java, where a configured address
    /// wins over the address server.
    pub fn address_server_url(&self) -> Option<String> {
        let domain = self.namesrv_domain.as_deref()?;
        if !self.namesrv_list().is_empty() {
            return None;
        }
        Some(super::address_server::url(
            domain,
            &self.namesrv_domain_subgroup,
            self.unit_name.as_deref(),
        ))
    }

    /// `clientIP@instanceName[@unitName]` as Java `ClientConfig.buildMQClientId`,
    /// with the default instance name replaced by `pid#nanos`.
    pub fn build_client_id(&self) -> String {
        let ip = self
            .client_ip
            .clone()
            .unwrap_or_else(|| crate::protocol::message_id::local_ip().to_string());
        let instance = if self.instance_name == "DEFAULT" {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            format!("{}#{}", std::process::id(), nanos)
        } else {
            self.instance_name.clone()
        };
        match &self.unit_name {
            Some(unit) => format!("{}@{}@{}", ip, instance, unit),
            None => format!("{}@{}", ip, instance),
        }
    }
}
