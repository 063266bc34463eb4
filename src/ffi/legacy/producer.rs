//! `CProducer.h`: create, configure, start, shut down, destroy.
//!
//! A `CProducer` keeps its configuration and, while started, a running
//! [`Producer`]. `ShutdownProducer` shuts that producer down (joining its
//! threads, closing its sockets, settling every accepted async send) and
//! drops it, so only the small handle remains; `StartProducer` after a
//! shutdown starts a fresh one with the same configuration.

use std::collections::HashSet;
use std::ffi::{c_char, c_int, c_long, c_void, CString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use once_cell::sync::Lazy;

use super::message::{CMessage, CMessageExt};
use super::{c_str, c_str_or_fail, code, get, run, Fail, LResult};
use crate::ffi::UserData;
use crate::producer::config::ProducerConfig;
use crate::producer::transaction::TransactionState;
use crate::producer::Producer;
use crate::protocol::message_ext::MessageExt;

/// `CTransactionStatus (*)(CProducer*, CMessageExt*, void*)`.
pub type CLocalTransactionCheckerCallback =
    Option<unsafe extern "C" fn(*mut CProducer, *mut CMessageExt, *mut c_void) -> c_int>;
/// `CTransactionStatus (*)(CProducer*, CMessage*, void*)`.
pub type CLocalTransactionExecutorCallback =
    Option<unsafe extern "C" fn(*mut CProducer, *mut CMessage, *mut c_void) -> c_int>;

/// 0 commit, 1 rollback, anything else unknown.
pub(crate) fn state_from_c(v: c_int) -> TransactionState {
    match v {
        0 => TransactionState::Commit,
        1 => TransactionState::Rollback,
        _ => TransactionState::Unknown,
    }
}

/// What `Create*Producer` made.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Common,
    Orderly,
    Transaction,
}

struct Checker {
    callback: CLocalTransactionCheckerCallback,
    user_data: UserData,
}

#[allow(dead_code)] // log_path is recorded only
struct PState {
    config: ProducerConfig,
    running: Option<Arc<Producer>>,
    /// `(instanceName, group)` registered while running.
    registered: Option<(String, String)>,
    shut_down: bool,
    log_path: Option<String>,
    /// `SetProducerSsl`, applied at start.
    ssl: bool,
    /// `SetProducerSslPropertyFile`, read at start.
    ssl_property_file: Option<String>,
    /// Topics found to have a route since the last start (at most
    /// [`MAX_ROUTED_TOPICS`]): see [`CProducer::running_with_route`].
    routed: HashSet<String>,
}

/// The most topics [`CProducer::running_with_route`] remembers; past it
/// every further topic is checked on each send.
const MAX_ROUTED_TOPICS: usize = 1024;

crate::ffi::client_handle!(CProducer);

/// The `CProducer` handle.
pub struct CProducer {
    state: Mutex<PState>,
    pub(crate) kind: Kind,
    checker: Checker,
    version: CString,
    /// The fork generation it was created in (see `ffi::Handle`).
    pub(crate) born: crate::fork::Born,
}

/// Groups of started producers per instance name: a second producer of the
/// same group in the same client instance fails to start, as in legacy.
static GROUPS: Lazy<super::Registry<(String, String)>> = Lazy::new(super::Registry::new);

fn groups() -> &'static super::Registry<(String, String)> {
    &GROUPS
}

/// The legacy defaults (docs/legacy-api.md §3): 5 sync attempts retried on
/// non-SEND_OK too, 1 async attempt, 128 KiB bodies, timeout 3000 ms,
/// compression at 4096 bytes with level 5.
fn legacy_config(group: &str) -> ProducerConfig {
    let mut c = ProducerConfig::default();
    if !group.is_empty() {
        c.producer_group = group.to_string();
    }
    c.retry_times_when_send_failed = 4;
    c.retry_times_when_send_async_failed = 0;
    c.retry_another_broker_when_not_store_ok = true;
    c.max_message_size = 128 * 1024;
    c.send_msg_timeout_ms = 3000;
    c.compress_msg_body_over_howmuch = 4096;
    c.compress_level = 5;
    c
}

impl CProducer {
    fn new(group: &str, kind: Kind, checker: Checker) -> CProducer {
        CProducer {
            state: Mutex::new(PState {
                config: legacy_config(group),
                running: None,
                registered: None,
                shut_down: false,
                log_path: None,
                ssl: false,
                ssl_property_file: None,
                routed: HashSet::new(),
            }),
            kind,
            checker,
            version: CString::new(format!(
                "librocketmq {} (Rust; rocketmq-client-cpp 2.2.0 compatible C API)",
                crate::VERSION
            ))
            .unwrap_or_default(),
            born: crate::fork::Born::now(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The running producer. Errors (the caller's send code): never
    /// started, or shut down.
    pub(crate) fn running(&self) -> LResult<Arc<Producer>> {
        Self::running_in(&self.lock())
    }

    fn running_in(s: &PState) -> LResult<Arc<Producer>> {
        match &s.running {
            Some(p) => Ok(p.clone()),
            None if s.shut_down => Err(Fail::new("producer has been shut down")),
            None => Err(Fail::new("producer not started")),
        }
    }

    /// [`CProducer::running`], after making sure `topic` has a route, as
    /// legacy oneway sends report a topic without one. The I/O thread is
    /// asked once per topic and start (then the topic is remembered, up to
    /// [`MAX_ROUTED_TOPICS`]): asking on every send cost a round trip to
    /// it each time. A route that disappears later fails the send on the
    /// I/O thread, where a oneway send's outcome is not reported. Errors:
    /// those of `running`, and the route lookup's (no route, timeout).
    pub(crate) fn running_with_route(&self, topic: &str) -> LResult<Arc<Producer>> {
        let running = {
            let s = self.lock();
            let running = Self::running_in(&s)?;
            if s.routed.contains(topic) {
                return Ok(running);
            }
            running
        };
        running.queues(topic)?;
        let mut s = self.lock();
        if s.routed.len() < MAX_ROUTED_TOPICS {
            s.routed.insert(topic.to_string());
        }
        Ok(running)
    }

    /// The producer group.
    pub(crate) fn group(&self) -> String {
        self.lock().config.producer_group.clone()
    }

    fn start(&self) -> LResult<()> {
        let mut s = self.lock();
        if s.running.is_some() {
            return Ok(());
        }
        let key = (
            s.config.client.instance_name.clone(),
            s.config.producer_group.clone(),
        );
        if groups().contains(&key) {
            return Err(Fail::new(format!(
                "The producer group[{}] has been created before, specify another name please.",
                key.1
            )));
        }
        // Legacy client ids are `ip@pid#instanceName`; every producer here
        // has its own connections, so a counter keeps the ids of producers
        // that share an instance name apart (brokers track clients by id).
        let mut config = s.config.clone();
        super::apply_legacy_tls(s.ssl, s.ssl_property_file.as_deref(), &mut |k, v| {
            config.client.set(k, v)
        })?;
        super::check_namesrv(&mut config.client)?;
        if config.client.instance_name != "DEFAULT" {
            static STARTS: AtomicU64 = AtomicU64::new(0);
            config.client.instance_name = format!(
                "{}#{}#{}",
                std::process::id(),
                config.client.instance_name,
                STARTS.fetch_add(1, Ordering::Relaxed)
            );
        }
        let p = Producer::with_config(config);
        if self.kind == Kind::Transaction {
            let handle = UserData::new(self as *const CProducer as *mut c_void);
            let callback = self.checker.callback;
            let user_data = self.checker.user_data;
            p.set_transaction_checker(Arc::new(move |m: &MessageExt| {
                let Some(check) = callback else {
                    return TransactionState::Unknown;
                };
                let mut view = CMessage::from_ext(m);
                // SAFETY: the handle outlives its running producer (Shutdown
                // joins the callback thread before Destroy frees it); the
                // caller guarantees the callback and user data are usable
                // from the check thread.
                state_from_c(unsafe {
                    check(handle.get().cast::<CProducer>(), &mut view, user_data.get())
                })
            }))?;
        }
        p.start()?;
        groups().insert(key.clone());
        s.registered = Some(key);
        s.running = Some(Arc::new(p));
        s.shut_down = false;
        s.routed.clear();
        Ok(())
    }

    fn shutdown(&self) -> LResult<()> {
        let (p, key) = {
            let mut s = self.lock();
            match s.running.take() {
                Some(p) => (p, s.registered.take()),
                None => return Ok(()),
            }
        };
        if let Err(e) = p.shutdown() {
            let mut s = self.lock();
            s.running = Some(p);
            s.registered = key;
            return Err(e.into());
        }
        drop(p);
        if let Some(key) = key {
            groups().remove(&key);
        }
        self.lock().shut_down = true;
        Ok(())
    }

    /// Changes the configuration: only before start (or after shutdown).
    fn configure(&self, f: impl FnOnce(&mut ProducerConfig) -> LResult<()>) -> LResult<()> {
        let mut s = self.lock();
        if s.running.is_some() {
            return Err(Fail::new(
                "the configuration of a started producer cannot change; set it before StartProducer",
            ));
        }
        f(&mut s.config)
    }
}

/// Borrows a producer handle ([`super::live`]).
///
/// # Safety
/// `p` is NULL or a live producer handle (for `'a`).
pub(crate) unsafe fn producer_ref<'a>(p: *const CProducer) -> LResult<&'a CProducer> {
    // SAFETY: NULL or live (# Safety).
    unsafe { super::live(p, "producer") }
}

/// A new producer handle of `kind`; NULL for a NULL group.
///
/// # Safety
/// `groupId` is NULL or a C string.
unsafe fn create(groupId: *const c_char, kind: Kind, checker: Checker) -> *mut CProducer {
    get(std::ptr::null_mut(), || {
        crate::log::init();
        if groupId.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: not NULL, so a C string (# Safety).
        let group = unsafe { std::ffi::CStr::from_ptr(groupId) }.to_string_lossy();
        Box::into_raw(Box::new(CProducer::new(&group, kind, checker)))
    })
}

/// A producer of `groupId` (`""`: `DEFAULT_PRODUCER`); NULL for NULL.
/// No threads, no I/O until `StartProducer`.
///
/// # Safety
/// `groupId` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn CreateProducer(groupId: *const c_char) -> *mut CProducer {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        create(
            groupId,
            Kind::Common,
            Checker {
                callback: None,
                user_data: UserData::new(std::ptr::null_mut()),
            },
        )
    }
}

/// Like `CreateProducer` (legacy makes no difference either).
///
/// # Safety
/// `groupId` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn CreateOrderlyProducer(groupId: *const c_char) -> *mut CProducer {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        create(
            groupId,
            Kind::Orderly,
            Checker {
                callback: None,
                user_data: UserData::new(std::ptr::null_mut()),
            },
        )
    }
}

/// A transaction producer: `callback(producer, msgExt, userData)` answers
/// the broker's check-backs on the producer's callback thread (NULL: the
/// answer is UNKNOWN). NULL for a NULL group.
///
/// # Safety
/// `groupId` is NULL or a C string; a non-NULL `callback` stays callable
/// with `userData`, on the producer's callback thread, until the producer
/// is destroyed.
#[no_mangle]
pub unsafe extern "C" fn CreateTransactionProducer(
    groupId: *const c_char,
    callback: CLocalTransactionCheckerCallback,
    userData: *mut c_void,
) -> *mut CProducer {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        create(
            groupId,
            Kind::Transaction,
            Checker {
                callback,
                user_data: UserData::new(userData),
            },
        )
    }
}

/// Shuts the producer down if it runs, then frees it. 0; 1 for NULL (or
/// when called from one of the producer's own callbacks).
///
/// # Safety
/// `producer` is NULL or a live producer handle; no other call on it runs
/// during this one, and none follows unless this one returned 1.
#[no_mangle]
pub unsafe extern "C" fn DestroyProducer(producer: *mut CProducer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::NULL_POINTER, || {
            let p = producer_ref(producer)?;
            if let Err(e) = p.shutdown() {
                return Err(Fail::with_code(code::NULL_POINTER, e.text_of()));
            }
            drop(Box::from_raw(producer));
            Ok(())
        })
    }
}

/// Starts the producer. 0 (also when already running; after a shutdown it
/// starts again); 1 for NULL; 10 when another started producer of this
/// process has the same group and instance name, or the threads cannot start.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
#[no_mangle]
pub unsafe extern "C" fn StartProducer(producer: *mut CProducer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::PRODUCER_START_FAILED, || {
            producer_ref(producer)?.start()
        })
    }
}

/// Shuts down: waits up to the send timeout for accepted async sends (the
/// rest get the exception callback), closes sockets, joins threads. 0 (also
/// when not running); 1 for NULL; 10 when called from a callback.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
#[no_mangle]
pub unsafe extern "C" fn ShutdownProducer(producer: *mut CProducer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::PRODUCER_START_FAILED, || {
            producer_ref(producer)?.shutdown()
        })
    }
}

/// The library version text, owned by the handle; `"DefaultVersion"` for NULL.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
#[no_mangle]
pub unsafe extern "C" fn ShowProducerVersion(producer: *mut CProducer) -> *const c_char {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        get(c"DefaultVersion".as_ptr(), || match producer.as_ref() {
            Some(p) => p.version.as_ptr(),
            None => c"DefaultVersion".as_ptr(),
        })
    }
}

/// Runs `f` on the configuration of a producer that is not running.
/// 0; 1 for NULL; 10 when started or when `f` fails.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
unsafe fn configure(
    producer: *mut CProducer,
    f: impl FnOnce(&mut ProducerConfig) -> LResult<()>,
) -> c_int {
    run(code::PRODUCER_START_FAILED, || {
        // SAFETY: NULL or live (# Safety).
        unsafe { producer_ref(producer) }?.configure(f)
    })
}

/// `host:port;host:port` (a leading `http://` is stripped). 0; 1 for a NULL
/// producer; 10 for a NULL address or after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `namesrv` is NULL or a C
/// string.
#[no_mangle]
pub unsafe extern "C" fn SetProducerNameServerAddress(
    producer: *mut CProducer,
    namesrv: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(producer, |c| {
            c.client.namesrv_addr = super::namesrv_text(&c_str_or_fail(namesrv, "namesrv")?);
            Ok(())
        })
    }
}

/// Sets the NameServer address server (`namesrvDomain`, C++
/// `DefaultMQProducer::setNamesrvDomain`): the C++ client's full
/// `http://host:port/path` URL, or `host` (Java's port 8080 and path
/// `/rocketmq/nsaddr`) or `host:port`. Used at start when no NameServer
/// address is set: the list is fetched then (at most 3 s, else
/// `StartProducer` fails with 10 and says why) and every 2 minutes. `""`
/// clears it. 0; 1 for a NULL producer; 10 for a NULL or malformed domain
/// (`https://`: no TLS to the address server) or after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `domain` is NULL or a C
/// string.
#[no_mangle]
pub unsafe extern "C" fn SetProducerNameServerDomain(
    producer: *mut CProducer,
    domain: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(producer, |c| {
            let domain = c_str_or_fail(domain, "domain")?;
            c.client.set("namesrvDomain", &domain)?;
            Ok(())
        })
    }
}

/// Replaces the group (`""`: `DEFAULT_PRODUCER`). 0; 1; 10 for NULL or after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `groupName` is NULL or a C
/// string.
#[no_mangle]
pub unsafe extern "C" fn SetProducerGroupName(
    producer: *mut CProducer,
    groupName: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(producer, |c| {
            let g = c_str_or_fail(groupName, "groupName")?;
            c.producer_group = if g.is_empty() {
                crate::protocol::DEFAULT_PRODUCER_GROUP.to_string()
            } else {
                g
            };
            Ok(())
        })
    }
}

/// Sets the instance name (`""` keeps the current one). 0; 1; 10 for NULL
/// or after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `instanceName` is NULL or
/// a C string.
#[no_mangle]
pub unsafe extern "C" fn SetProducerInstanceName(
    producer: *mut CProducer,
    instanceName: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(producer, |c| {
            let n = c_str_or_fail(instanceName, "instanceName")?;
            if !n.is_empty() {
                c.client.instance_name = n;
            }
            Ok(())
        })
    }
}

/// Sets the ACL credentials: every request is then signed (ACL v1,
/// HmacSHA1). The ONS channel is accepted and ignored. 0; 1 for a NULL
/// producer; 10 for NULL strings or after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `accessKey`, `secretKey`
/// and `onsChannel` are NULL or C strings.
#[no_mangle]
pub unsafe extern "C" fn SetProducerSessionCredentials(
    producer: *mut CProducer,
    accessKey: *const c_char,
    secretKey: *const c_char,
    onsChannel: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(producer, |c| {
            let a = c_str_or_fail(accessKey, "accessKey")?;
            let s = c_str_or_fail(secretKey, "secretKey")?;
            let _channel = c_str_or_fail(onsChannel, "onsChannel")?; // Aliyun ONS only
            c.client.credentials = Some(crate::acl::Credentials {
                access_key: a,
                secret_key: s,
                security_token: None,
            });
            Ok(())
        })
    }
}

/// Accepted and recorded; the library writes no log files (its log goes to
/// stderr once a level is set). 0; 1 for NULL.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `logPath` is NULL or a C
/// string.
#[no_mangle]
pub unsafe extern "C" fn SetProducerLogPath(
    producer: *mut CProducer,
    logPath: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::NULL_POINTER, || {
            let p = producer_ref(producer)?;
            let path = c_str(logPath, "logPath")?;
            p.lock().log_path = Some(path);
            Ok(())
        })
    }
}

/// Accepted; no log files are written. 0; 1 for NULL.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
#[no_mangle]
pub unsafe extern "C" fn SetProducerLogFileNumAndSize(
    producer: *mut CProducer,
    fileNum: c_int,
    fileSize: c_long,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        let _ = (fileNum, fileSize);
        run(code::PRODUCER_START_FAILED, || {
            producer_ref(producer)?;
            Ok(())
        })
    }
}

/// Maps a `CLogLevel` to the library's log level (process-global).
pub(crate) fn set_log_level(level: c_int) {
    let l = match level {
        1 | 2 => log::LevelFilter::Error,
        3 => log::LevelFilter::Warn,
        5 | 6 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Info,
    };
    crate::log::set_level(l);
}

/// Sets the process-global log level (FATAL/ERROR → error, WARN → warn,
/// INFO → info, DEBUG/TRACE → debug, others → info); the log goes to stderr
/// unless the application installed a sink. 0; 1 for NULL.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
#[no_mangle]
pub unsafe extern "C" fn SetProducerLogLevel(producer: *mut CProducer, level: c_int) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::PRODUCER_START_FAILED, || {
            producer_ref(producer)?;
            set_log_level(level);
            Ok(())
        })
    }
}

/// Timeout in ms (`<= 0` keeps the current value). 0; 1; 10 after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
#[no_mangle]
pub unsafe extern "C" fn SetProducerSendMsgTimeout(
    producer: *mut CProducer,
    timeout: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(producer, |c| {
            if timeout > 0 {
                c.send_msg_timeout_ms = timeout as u64;
            }
            Ok(())
        })
    }
}

/// zlib level -1..=9 (-1 = zlib's default 6; others keep the current level).
/// 0; 1; 10 after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
#[no_mangle]
pub unsafe extern "C" fn SetProducerCompressLevel(producer: *mut CProducer, level: c_int) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(producer, |c| {
            match level {
                -1 => c.compress_level = 6,
                0..=9 => c.compress_level = level as u32,
                _ => {}
            }
            Ok(())
        })
    }
}

/// Largest body in bytes (negative: 0, so every non-empty body fails).
/// 0; 1; 10 after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
#[no_mangle]
pub unsafe extern "C" fn SetProducerMaxMessageSize(producer: *mut CProducer, size: c_int) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(producer, |c| {
            c.max_message_size = size.max(0) as usize;
            Ok(())
        })
    }
}

/// Message trace (`enableMsgTrace`; C++ `setMessageTrace`): `OPEN` (0)
/// sends a `Pub` trace record of every send to `RMQ_SYS_TRACE_TOPIC`, any
/// other value (`CLOSE` 1) turns it off. 0; 1 for NULL; 10 after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
#[no_mangle]
pub unsafe extern "C" fn SetProducerMessageTrace(
    producer: *mut CProducer,
    openTrace: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(producer, |c| {
            c.client.enable_msg_trace = openTrace == 0;
            Ok(())
        })
    }
}

/// Turns TLS on (`enableSsl != 0`) or off for every connection of the
/// producer, from `StartProducer` on (C++ `setEnableSsl`; the settings come
/// from `SetProducerSslPropertyFile`, else `/etc/rocketmq/tls.properties`
/// when it exists, else the system's trust store verifies the servers;
/// README "TLS"). 0; 1 for NULL; 10 after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
#[no_mangle]
pub unsafe extern "C" fn SetProducerSsl(producer: *mut CProducer, enableSsl: c_int) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::PRODUCER_START_FAILED, || {
            let p = producer_ref(producer)?;
            let mut s = p.lock();
            if s.running.is_some() {
                return Err(Fail::new("TLS can only change before StartProducer"));
            }
            s.ssl = enableSsl != 0;
            Ok(())
        })
    }
}

/// The properties file (`key=value` lines) whose `tls.client.trustCertPath`,
/// `tls.client.certPath`, `tls.client.keyPath` and `tls.client.authServer`
/// apply when TLS is on (C++ `setSslPropertyFile`); read at `StartProducer`,
/// which fails (10) when it cannot be read. 0; 1 for NULL; 10 for a NULL
/// path or after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle; `sslPropertyFile` is NULL
/// or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetProducerSslPropertyFile(
    producer: *mut CProducer,
    sslPropertyFile: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        run(code::PRODUCER_START_FAILED, || {
            let p = producer_ref(producer)?;
            let file = c_str_or_fail(sslPropertyFile, "sslPropertyFile")?;
            let mut s = p.lock();
            if s.running.is_some() {
                return Err(Fail::new("TLS can only change before StartProducer"));
            }
            s.ssl_property_file = Some(file);
            Ok(())
        })
    }
}

/// Bodies at least `howmuch` bytes long are compressed (negative: 0). 0; 1;
/// 10 after start.
///
/// # Safety
/// `producer` is NULL or a live producer handle.
#[no_mangle]
pub unsafe extern "C" fn SetProducerCompressMsgBodyOverHowmuch(
    producer: *mut CProducer,
    howmuch: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(producer, |c| {
            c.compress_msg_body_over_howmuch = howmuch.max(0) as usize;
            Ok(())
        })
    }
}
