//! `CPullConsumer.h`: the legacy pull consumer (rocketmq-client-cpp
//! `DefaultMQPullConsumer` behind its C API), on [`PullConsumer`].
//!
//! A `CPullConsumer` keeps its configuration and, while started, one
//! [`PullConsumer`] (its I/O and callback threads, its connections).
//! `ShutdownPullConsumer` shuts that consumer down and drops it, so only
//! the small handle remains; `StartPullConsumer` after a shutdown starts a
//! fresh one with the same configuration. The application keeps the
//! offsets: `Pull` is the legacy one-shot, non-blocking pull of one queue
//! at one offset, and nothing is committed to the broker.
//!
//! Every function keeps the legacy return codes (docs/legacy-api.md §6.7);
//! the differences from rocketmq-client-cpp are listed in
//! docs/legacy-api.md §8. In short: NULL arguments never crash, every
//! failure records a text for `GetLatestErrorMessage()`, a setter called
//! while the consumer runs returns 0 and applies from the next start (the
//! running consumer keeps its settings; legacy had copied the group and the
//! name server at start too, but used new credentials at once), and
//! `DestroyPullConsumer` shuts a running consumer down (legacy leaked it).
//!
//! Every function but `DestroyPullConsumer` may be called on one handle
//! from several threads at once; pulls run concurrently.

use std::ffi::{c_char, c_int, c_long, c_longlong, c_void, CString};
use std::sync::{Arc, Mutex, MutexGuard};

use once_cell::sync::Lazy;

use super::consumer::{version, DEFAULT_CONSUMER_GROUP};
use super::cstring;
use super::pull_result::{self, CPullResult};
use super::{c_str, code, get, note, run, run_or, CMessageQueue, Fail, LResult};
use crate::consumer::{ConsumerConfig, PullConsumer, MAX_PULL_NUMS};
use crate::error::ErrorKind;
use crate::ffi::copy_c_str;
use crate::routing::MessageQueue;

#[allow(dead_code)] // log_path is recorded only
struct PullState {
    config: ConsumerConfig,
    /// The group as `GetPullConsumerGroupID` returns it.
    group: CString,
    running: Option<Arc<PullConsumer>>,
    /// The group registered in [`GROUPS`] while running.
    registered: Option<String>,
    shut_down: bool,
    ssl: bool,
    ssl_property_file: Option<String>,
    log_path: Option<String>,
}

crate::ffi::client_handle!(CPullConsumer);

/// The `CPullConsumer` handle.
pub struct CPullConsumer {
    state: Mutex<PullState>,
    version: CString,
    /// The fork generation it was created in (see `ffi::Handle`).
    pub(crate) born: crate::fork::Born,
}

/// Groups of the started pull consumers of this process: a second consumer
/// of a group fails to start, as in legacy (where consumers of one process
/// shared one client instance, which refuses a group twice).
static GROUPS: Lazy<super::Registry<String>> = Lazy::new(super::Registry::new);

fn groups() -> &'static super::Registry<String> {
    &GROUPS
}

/// The legacy settings: the group (`""`: `DEFAULT_CONSUMER`), clustering,
/// no automatic commits (the legacy pull consumer never stored offsets);
/// pulls time out after 10 s (`consumerPullTimeoutMillis`), as in legacy.
fn legacy_config(group: &str) -> ConsumerConfig {
    ConsumerConfig {
        consumer_group: if group.is_empty() {
            DEFAULT_CONSUMER_GROUP.to_string()
        } else {
            group.to_string()
        },
        auto_commit: false,
        ..ConsumerConfig::default()
    }
}

impl CPullConsumer {
    fn new(group: &str) -> CPullConsumer {
        let config = legacy_config(group);
        CPullConsumer {
            state: Mutex::new(PullState {
                group: cstring(&config.consumer_group),
                config,
                running: None,
                registered: None,
                shut_down: false,
                ssl: false,
                ssl_property_file: None,
                log_path: None,
            }),
            version: version(),
            born: crate::fork::Born::now(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PullState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The running consumer. Errors (the caller's code): never started, or
    /// shut down.
    fn running(&self) -> LResult<Arc<PullConsumer>> {
        let s = self.lock();
        match &s.running {
            Some(c) => Ok(c.clone()),
            None if s.shut_down => Err(Fail::new("pull consumer has been shut down")),
            None => Err(Fail::new(
                "pull consumer not started (call StartPullConsumer first)",
            )),
        }
    }

    fn start(&self) -> LResult<()> {
        let mut s = self.lock();
        if s.running.is_some() {
            return Ok(());
        }
        // The TLS switches apply to this start's copy: a later
        // SetPullConsumerSsl(p, 0) turns them off again.
        let mut config = s.config.clone();
        let file = s.ssl_property_file.as_deref();
        super::apply_legacy_tls(s.ssl, file, &mut |k, v| config.set(k, v))?;
        super::check_namesrv(&mut config.client)?;
        config.check()?;
        let group = config.consumer_group.clone();
        if !groups().insert(group.clone()) {
            return Err(Fail::new(format!(
                "The cousumer group[{}] has been created before, specify another name please.",
                group
            )));
        }
        let c = PullConsumer::with_config(config);
        if let Err(e) = c.start() {
            groups().remove(&group);
            return Err(e.into());
        }
        s.running = Some(Arc::new(c));
        s.registered = Some(group);
        s.shut_down = false;
        Ok(())
    }

    /// Shuts the running consumer down (waiting for it) and drops it.
    fn shutdown(&self) -> LResult<()> {
        let mut s = self.lock();
        let Some(c) = s.running.take() else {
            return Ok(());
        };
        let outcome = c.shutdown();
        drop(c);
        if let Some(group) = s.registered.take() {
            groups().remove(&group);
        }
        s.shut_down = true;
        outcome.map_err(|e| Fail::with_code(code::NULL_POINTER, e.to_string()))
    }

    /// Changes the settings. While the consumer runs the change is kept
    /// for the next start only, and a note says so.
    fn configure(&self, what: &str, f: impl FnOnce(&mut PullState) -> LResult<()>) -> LResult<()> {
        let mut s = self.lock();
        f(&mut s)?;
        if s.running.is_some() {
            note(&format!(
                "{} set on a started pull consumer: the running consumer keeps its settings, \
                 the new value applies from the next StartPullConsumer after ShutdownPullConsumer",
                what
            ));
        }
        Ok(())
    }
}

/// Borrows a pull consumer handle ([`super::live`]).
///
/// # Safety
/// `c` is NULL or a live pull consumer handle (for `'a`).
unsafe fn consumer_ref<'a>(c: *const CPullConsumer) -> LResult<&'a CPullConsumer> {
    // SAFETY: NULL or live (# Safety).
    unsafe { super::live(c, "consumer") }
}

/// Runs `f` on the settings of a handle. 0; 1 for NULL.
///
/// # Safety
/// `c` is NULL or a live pull consumer handle.
unsafe fn configure(
    c: *mut CPullConsumer,
    what: &str,
    f: impl FnOnce(&mut PullState) -> LResult<()>,
) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer_ref(c) }?.configure(what, f)
    })
}

/// A pull consumer of `groupId` (`""`: `DEFAULT_CONSUMER`, which cannot
/// start); NULL for NULL. No threads, no I/O until `StartPullConsumer`.
///
/// # Safety
/// `groupId` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn CreatePullConsumer(groupId: *const c_char) -> *mut CPullConsumer {
    get(std::ptr::null_mut(), || {
        crate::log::init();
        if groupId.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: not NULL, so a C string (# Safety).
        let group = unsafe { std::ffi::CStr::from_ptr(groupId) }.to_string_lossy();
        Box::into_raw(Box::new(CPullConsumer::new(&group)))
    })
}

/// Shuts the consumer down if it runs (legacy did not, and leaked its
/// threads), then frees the handle. Results of `Pull` stay valid until
/// released. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle; no other call on it
/// runs during this one, and none follows.
#[no_mangle]
pub unsafe extern "C" fn DestroyPullConsumer(consumer: *mut CPullConsumer) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live (# Safety).
        let c = unsafe { consumer_ref(consumer) }?;
        let outcome = c.shutdown();
        // SAFETY: a live handle comes from Box::into_raw (CreatePullConsumer)
        // and, unused afterwards (# Safety), is freed once.
        drop(unsafe { Box::from_raw(consumer) });
        outcome
    })
}

/// Starts the consumer: its threads, route lookups and heartbeats. 0 (also
/// when running; after a shutdown it starts again); 1 for NULL; 30 with the
/// reason (empty or `DEFAULT_CONSUMER` group, an invalid group name,
/// another started pull consumer of the same group in this process, TLS
/// enabled, threads that cannot start).
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle.
#[no_mangle]
pub unsafe extern "C" fn StartPullConsumer(consumer: *mut CPullConsumer) -> c_int {
    run(code::PULLCONSUMER_START_FAILED, || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer_ref(consumer) }?.start()
    })
}

/// Shuts down: unregisters from the brokers, closes the sockets, joins the
/// threads (pulls in flight fail with `E_BROKER_TIMEOUT`). 0 (also when
/// not running); 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle.
#[no_mangle]
pub unsafe extern "C" fn ShutdownPullConsumer(consumer: *mut CPullConsumer) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer_ref(consumer) }?.shutdown()
    })
}

/// The library version text, owned by the handle; NULL for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle.
#[no_mangle]
pub unsafe extern "C" fn ShowPullConsumerVersion(consumer: *mut CPullConsumer) -> *const c_char {
    get(std::ptr::null(), || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer.as_ref() }.map_or(std::ptr::null(), |c| c.version.as_ptr())
    })
}

/// Replaces the group. 0; 1 for a NULL consumer or group.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle; `groupId` is NULL or
/// a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerGroupID(
    consumer: *mut CPullConsumer,
    groupId: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the group", |s| {
            let g = c_str(groupId, "groupId")?;
            s.group = cstring(&g);
            s.config.consumer_group = g;
            Ok(())
        })
    }
}

/// The group, valid until it is set again or the handle is destroyed;
/// NULL for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle.
#[no_mangle]
pub unsafe extern "C" fn GetPullConsumerGroupID(consumer: *mut CPullConsumer) -> *const c_char {
    run_or(std::ptr::null, || {
        // SAFETY: NULL or live (# Safety).
        Ok(unsafe { consumer_ref(consumer) }?.lock().group.as_ptr())
    })
}

/// `host:port;host:port` (a leading `http://` is stripped; `""` falls back
/// to the `NAMESRV_ADDR` environment variable at start). 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle; `namesrv` is NULL or
/// a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerNameServerAddress(
    consumer: *mut CPullConsumer,
    namesrv: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the name server address", |s| {
            s.config.client.namesrv_addr = super::namesrv_text(&c_str(namesrv, "namesrv")?);
            Ok(())
        })
    }
}

/// Sets the NameServer address server (`namesrvDomain`, C++
/// `setNamesrvDomain`): a full `http://` URL as the C++ client takes it,
/// `host` (port 8080, path `/rocketmq/nsaddr`, as Java) or `host:port`.
/// Used at start when no NameServer address is set (fetched then, at most
/// 3 s, else `StartPullConsumer` fails and says why; then every 2 minutes).
/// `""` clears it. 0; 1 for NULL or a malformed domain (`https://`).
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle; `domain` is NULL or a
/// C string.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerNameServerDomain(
    consumer: *mut CPullConsumer,
    domain: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the name server domain", |s| {
            let domain = c_str(domain, "domain")?;
            s.config.client.set("namesrvDomain", &domain)?;
            Ok(())
        })
    }
}

/// Sets the ACL credentials: every request is then signed (ACL v1,
/// HmacSHA1). The ONS channel is accepted and ignored (it only matters to
/// Aliyun ONS). 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle; `accessKey`,
/// `secretKey` and `channel` are NULL or C strings.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerSessionCredentials(
    consumer: *mut CPullConsumer,
    accessKey: *const c_char,
    secretKey: *const c_char,
    channel: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the session credentials", |s| {
            let a = c_str(accessKey, "accessKey")?;
            let k = c_str(secretKey, "secretKey")?;
            let _channel = c_str(channel, "channel")?; // Aliyun ONS only
            s.config.client.credentials = Some(crate::acl::Credentials {
                access_key: a,
                secret_key: k,
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
/// `consumer` is NULL or a live pull consumer handle; `logPath` is NULL or
/// a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerLogPath(
    consumer: *mut CPullConsumer,
    logPath: *const c_char,
) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: the arguments are as # Safety requires.
        let (c, path) = unsafe { (consumer_ref(consumer)?, c_str(logPath, "logPath")?) };
        c.lock().log_path = Some(path);
        Ok(())
    })
}

/// Accepted; no log files are written. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerLogFileNumAndSize(
    consumer: *mut CPullConsumer,
    fileNum: c_int,
    fileSize: c_long,
) -> c_int {
    let _ = (fileNum, fileSize);
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer_ref(consumer) }?;
        Ok(())
    })
}

/// Sets the process-global log level (FATAL/ERROR → error, WARN → warn,
/// INFO → info, DEBUG/TRACE → debug, others → info), as the producer's
/// setter. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerLogLevel(
    consumer: *mut CPullConsumer,
    level: c_int,
) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer_ref(consumer) }?;
        super::producer::set_log_level(level);
        Ok(())
    })
}

/// Turns TLS on (`enableSsl != 0`) or off for every connection of the
/// consumer, from `StartPullConsumer` on (settings as `SetProducerSsl`).
/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerSsl(
    consumer: *mut CPullConsumer,
    enableSsl: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "TLS", |s| {
            s.ssl = enableSsl != 0;
            Ok(())
        })
    }
}

/// The TLS properties file (as `SetProducerSslPropertyFile`), read at
/// `StartPullConsumer`, which fails (30) when it cannot be read. 0; 1 for
/// NULL.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle; `sslPropertyFile` is
/// NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPullConsumerSslPropertyFile(
    consumer: *mut CPullConsumer,
    sslPropertyFile: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the TLS property file", |s| {
            s.ssl_property_file = Some(c_str(sslPropertyFile, "sslPropertyFile")?);
            Ok(())
        })
    }
}

/// The readable queues of `topic`, sorted by broker name and queue id:
/// `*mqs` = a `malloc`ed array of `*size` entries (free it with
/// `ReleaseSubscriptionMessageQueue`). 0; an unknown topic also gives 0,
/// with `*mqs = NULL`, `*size = 0` and a note (as legacy, which swallowed
/// the error); 1 for NULL arguments; 2 when `malloc` fails; 31 when the
/// consumer is not started or shut down, or the lookup fails otherwise
/// (NameServer unreachable, invalid topic name). `*mqs` and `*size` (when
/// not NULL) are NULL and 0 on every failure but a NULL consumer.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle; `topic` is NULL or a
/// C string; `mqs` and `size` are NULL or out pointers.
#[no_mangle]
pub unsafe extern "C" fn FetchSubscriptionMessageQueues(
    consumer: *mut CPullConsumer,
    topic: *const c_char,
    mqs: *mut *mut CMessageQueue,
    size: *mut c_int,
) -> c_int {
    run(code::PULLCONSUMER_FETCH_MQ_FAILED, || {
        // SAFETY: the arguments are as # Safety requires.
        let c = unsafe { consumer_ref(consumer) }?;
        // SAFETY: out pointers when not NULL (# Safety).
        unsafe {
            if !mqs.is_null() {
                *mqs = std::ptr::null_mut();
            }
            if !size.is_null() {
                *size = 0;
            }
        }
        // SAFETY: NULL or a C string (# Safety).
        let topic = unsafe { c_str(topic, "topic") }?;
        if mqs.is_null() || size.is_null() {
            return Err(Fail::null(if mqs.is_null() { "mqs" } else { "size" }));
        }
        let queues = match c.running()?.fetch_queues(&topic) {
            Ok(q) => q,
            Err(e) if e.kind() == ErrorKind::NoRoute => {
                note(&format!("topic {} has no queues ({})", topic, e));
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        if queues.is_empty() {
            note(&format!("topic {} has no readable queues", topic));
            return Ok(());
        }
        let n = c_int::try_from(queues.len()).map_err(|_| Fail::new("too many queues"))?;
        let bytes = queues.len() * std::mem::size_of::<CMessageQueue>();
        // SAFETY: malloc of a non-zero size; the result is checked for NULL.
        let array = unsafe { libc::malloc(bytes) } as *mut CMessageQueue;
        if array.is_null() {
            return Err(Fail::with_code(
                code::MALLOC_FAILED,
                format!("malloc of {} bytes for the message queues failed", bytes),
            ));
        }
        for (i, q) in queues.iter().enumerate() {
            let mut entry = CMessageQueue {
                topic: [0; super::MAX_TOPIC_LENGTH],
                brokerName: [0; super::MAX_BROKER_NAME_ID_LENGTH],
                queueId: q.queue_id,
            };
            copy_c_str(&mut entry.topic, &q.topic);
            copy_c_str(&mut entry.brokerName, &q.broker_name);
            // SAFETY: `array` has room for `n` entries, `i < n`.
            unsafe { array.add(i).write(entry) };
        }
        // SAFETY: out pointers, checked above.
        unsafe {
            *mqs = array;
            *size = n;
        }
        Ok(())
    })
}

/// `free()`s an array from `FetchSubscriptionMessageQueues`. 0; 1 for NULL.
///
/// # Safety
/// `mqs` is NULL or an array from `FetchSubscriptionMessageQueues` (memory
/// from the C library's `malloc`), not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn ReleaseSubscriptionMessageQueue(mqs: *mut CMessageQueue) -> c_int {
    run(code::NULL_POINTER, || {
        if mqs.is_null() {
            return Err(Fail::null("mqs"));
        }
        // SAFETY: malloc'ed memory not used afterwards (# Safety).
        unsafe { libc::free(mqs as *mut c_void) };
        Ok(())
    })
}

/// A C string field of a `CMessageQueue`: up to the first NUL, or the whole
/// array (legacy `strncpy` leaves full-length names unterminated).
fn field(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| b as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One non-blocking pull of `mq` at `offset`: up to `maxNums` messages
/// whose tag matches `subExpression` (`*`, `TagA||TagB`; blanks around the
/// tags are allowed). Statuses: `E_FOUND` (with `size` messages in
/// `msgFoundList`, read-only `CMessageExt*` valid until
/// `ReleasePullResult`; `size` may be 0 when the tag filter dropped every
/// scanned message), `E_NO_NEW_MSG`, `E_NO_MATCHED_MSG`, `E_OFFSET_ILLEGAL`
/// (`nextBeginOffset` says where to go on), with the queue's offsets; and
/// `E_BROKER_TIMEOUT` with offsets 0 and the reason recorded for any
/// failure: NULL consumer, queue or expression, `maxNums` not in
/// 1..=1024, a negative offset, a consumer not started or shut down, a bad
/// expression, a network or broker error, no answer within 10 s.
///
/// # Safety
/// `consumer` is NULL or a live pull consumer handle; `mq` is NULL or
/// points to a readable `CMessageQueue`; `subExpression` is NULL or a C
/// string.
#[no_mangle]
pub unsafe extern "C" fn Pull(
    consumer: *mut CPullConsumer,
    mq: *const CMessageQueue,
    subExpression: *const c_char,
    offset: c_longlong,
    maxNums: c_int,
) -> CPullResult {
    run_or(CPullResult::failed, || {
        // SAFETY: the arguments are as # Safety requires.
        let (c, expression, mq) = unsafe {
            (
                consumer_ref(consumer)?,
                c_str(subExpression, "subExpression")?,
                mq.as_ref().ok_or_else(|| Fail::null("mq"))?,
            )
        };
        let mq = MessageQueue {
            topic: field(&mq.topic).into(),
            broker_name: field(&mq.brokerName).into(),
            queue_id: mq.queueId,
        };
        if maxNums <= 0 || maxNums as u32 > MAX_PULL_NUMS {
            return Err(Fail::new(format!(
                "maxNums {} is not within 1..={}",
                maxNums, MAX_PULL_NUMS
            )));
        }
        if offset < 0 {
            return Err(Fail::new(format!("offset {} is negative", offset)));
        }
        let r = c
            .running()?
            .pull(&mq, &expression, offset, maxNums as u32, false)?;
        pull_result::from_result(&r)
    })
}

/// Frees the messages and `msgFoundList` of an `E_FOUND` result. 0; 1 (as
/// legacy) for a result without messages, i.e. every non-FOUND result, a
/// FOUND one of size 0 and a zeroed struct; also 1, freeing nothing, for a
/// result released before (legacy: a double free).
///
/// # Safety
/// None: the pointers of the result are only compared with the library's
/// table of live results, never dereferenced unless they are in it.
#[no_mangle]
pub unsafe extern "C" fn ReleasePullResult(pullResult: CPullResult) -> c_int {
    run(code::NULL_POINTER, || pull_result::release(&pullResult))
}
