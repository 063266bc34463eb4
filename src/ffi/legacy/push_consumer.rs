//! `CPushConsumer.h`: the legacy push consumer (rocketmq-client-cpp
//! `DefaultMQPushConsumer` behind its C API), on [`PushConsumer`].
//!
//! A `CPushConsumer` keeps its settings, its subscriptions and its message
//! callback and, while started, one [`PushConsumer`] (its I/O, callback
//! and consume threads, its connections). `StartPushConsumer` builds that
//! consumer from the stored settings; `ShutdownPushConsumer` shuts it down
//! (waiting for running callbacks, committing the offsets, unregistering
//! from the brokers, joining every thread) and drops it, so only the small
//! handle remains; `StartPushConsumer` after a shutdown starts a fresh one
//! with the same settings. `DestroyPushConsumer` shuts a running consumer
//! down first (legacy leaked it).
//!
//! **The message callback** (`MessageCallBack`, `int (*)(CPushConsumer*,
//! CMessageExt*)`) runs on the consumer's consume threads
//! (`rocketmq-consume-N`, `SetPushConsumerThreadCount` of them, the CPU
//! count by default, as legacy), never on the caller's thread, and
//! callbacks of one consumer run concurrently (`RegisterMessageCallback`;
//! with `RegisterMessageCallbackOrderly`, one call at a time per queue, in
//! offset order). It gets the very `CPushConsumer*` that
//! `CreatePushConsumer` returned and a read-only `CMessageExt*` valid only
//! during the call (`DestroyMessage` on it returns 1). It is called once per message of a batch, in offset
//! order; the first non-zero return (`E_RECONSUME_LATER`, or anything but
//! `E_CONSUME_SUCCESS`) stops the batch and makes the whole batch
//! RECONSUME_LATER, as the C++ client's listener wrappers did. Concurrent,
//! clustering: every message of the batch (the ones already accepted
//! included) comes back later through the group's retry topic
//! `%RETRY%<group>` with `GetMessageReconsumeTimes` one higher;
//! broadcasting: the batch is dropped. Orderly: the queue pauses
//! (`suspendCurrentQueueTimeMillis`, 1 s) and the same batch comes again
//! before any later message of its queue, with no limit on the attempts
//! (as legacy). A batch is at most `SetPushConsumerMessageBatchMaxSize`
//! messages (default 1, so by default
//! only the refused message comes back; the C++ client handed a whole pull
//! result of up to 32 messages to the callback whatever that setting said).
//! A crash in a C callback, or a panic in a Rust `extern "C"` callback
//! (which aborts), cannot be caught; a panic in the library's wrapper is
//! caught and counts as RECONSUME_LATER. From a callback,
//! `ShutdownPushConsumer` and `DestroyPushConsumer` of any push consumer
//! return 1 (of its own: they would wait for the callback itself; of
//! another: the Rust consumer refuses a shutdown from a consume thread);
//! every other call works. After `ShutdownPushConsumer` returns no
//! callback runs.
//!
//! Every function keeps the legacy return codes (docs/legacy-api.md §6.6;
//! `SetPushConsumerMaxCacheMessageSizeInMb` now works and returns 0 where
//! legacy always returned 500); the differences from rocketmq-client-cpp
//! are listed in docs/legacy-api.md §8. Settings, subscriptions and
//! callbacks changed while the consumer runs return 0 and apply from the
//! next start, with a note in `GetLatestErrorMessage()`.
//!
//! Every function but `DestroyPushConsumer` may be called on one handle
//! from several threads at once.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use once_cell::sync::Lazy;

use super::consumer::{version, DEFAULT_CONSUMER_GROUP};
use super::cstring;
use super::message::CMessage;
pub use super::message::CMessageExt;
use super::{c_str, code, get, note, run, Fail, LResult};
use crate::consumer::{ConsumeStatus, ConsumerConfig, MessageListener, PushConsumer};
use crate::error::ErrorKind;
use crate::ffi::UserData;
use crate::protocol::message_ext::MessageExt;

/// `E_CONSUME_SUCCESS`: the message was consumed.
pub const E_CONSUME_SUCCESS: c_int = 0;
/// `E_RECONSUME_LATER`: deliver the message again later.
pub const E_RECONSUME_LATER: c_int = 1;

/// `CMessageModel` `BROADCASTING`.
pub const BROADCASTING: c_int = 0;
/// `CMessageModel` `CLUSTERING`.
pub const CLUSTERING: c_int = 1;

/// `MessageCallBack`: `int (*)(CPushConsumer*, CMessageExt*)`.
pub type MessageCallBack =
    Option<unsafe extern "C" fn(*mut CPushConsumer, *mut CMessageExt) -> c_int>;

/// The C function of a registered callback.
type Callback = unsafe extern "C" fn(*mut CPushConsumer, *mut CMessageExt) -> c_int;

/// How the registered callback consumes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Concurrent,
    Orderly,
}

#[allow(dead_code)] // log_path is recorded only
pub(super) struct PushState {
    /// The group as `GetPushConsumerGroupID` returns it.
    pub(super) group: CString,
    /// `PushConsumer::set` keys and values, applied in this order at start
    /// (a key set again replaces its value).
    pub(super) settings: Vec<(&'static str, String)>,
    /// The legacy `CMessageModel` value, checked at start (as legacy).
    pub(super) message_model: c_int,
    /// Topic → expression; a topic subscribed again replaces its
    /// expression.
    pub(super) subscriptions: Vec<(String, String)>,
    callback: Option<(Kind, Callback)>,
    running: Option<Started>,
    /// The instance name and group registered in [`GROUPS`] while running.
    pub(super) registered: Option<(String, String)>,
    pub(super) ssl: bool,
    pub(super) ssl_property_file: Option<String>,
    pub(super) log_path: Option<String>,
}

impl PushState {
    pub(super) fn put(&mut self, key: &'static str, value: String) {
        match self.settings.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.settings.push((key, value)),
        }
    }
}

/// A started consumer and the gate of its C callback calls.
struct Started {
    consumer: PushConsumer,
    gate: Arc<Gate>,
}

/// The C callback calls of one started consumer: how many run, and whether
/// new ones may start. Shutdown closes it and waits for the calls that run,
/// so that no callback runs once `ShutdownPushConsumer` has returned (the
/// Rust consumer stops waiting for its listeners after 30 s) and the handle
/// is never freed under a callback.
#[derive(Default)]
struct Gate {
    /// (closed, calls running)
    state: Mutex<(bool, usize)>,
    idle: Condvar,
}

impl Gate {
    fn lock(&self) -> MutexGuard<'_, (bool, usize)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a call may start (then counted until [`Gate::leave`]).
    fn enter(&self) -> bool {
        let mut s = self.lock();
        if s.0 {
            return false;
        }
        s.1 += 1;
        true
    }

    fn leave(&self) {
        let mut s = self.lock();
        s.1 -= 1;
        if s.1 == 0 {
            self.idle.notify_all();
        }
    }

    /// Closes the gate and waits until no call runs.
    fn close(&self) {
        let mut s = self.lock();
        s.0 = true;
        while s.1 > 0 {
            s = self.idle.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }
}

crate::ffi::client_handle!(CPushConsumer);

/// The `CPushConsumer` handle.
pub struct CPushConsumer {
    state: Mutex<PushState>,
    /// Held by start and shutdown (never by the callbacks), so that the
    /// settings stay readable while a shutdown waits for the callbacks.
    lifecycle: Mutex<()>,
    version: CString,
    /// The fork generation it was created in (see `ffi::Handle`).
    pub(crate) born: crate::fork::Born,
}

/// Instance names and groups of the started push consumers of this
/// process: a second consumer of a group with the same instance name fails
/// to start, as in legacy (where the consumers of one instance name shared
/// one client instance, which refuses a group twice).
static GROUPS: Lazy<super::Registry<(String, String)>> = Lazy::new(super::Registry::new);

fn groups() -> &'static super::Registry<(String, String)> {
    &GROUPS
}

thread_local! {
    /// The consumer whose callback this thread is running, if any.
    static IN_CALLBACK: Cell<*const CPushConsumer> = const { Cell::new(std::ptr::null()) };
}

/// Whether the calling thread runs a message callback of `c`.
fn in_own_callback(c: &CPushConsumer) -> bool {
    IN_CALLBACK
        .try_with(|p| std::ptr::eq(p.get(), c))
        .unwrap_or(false)
}

/// The legacy default of the consume threads: the CPU count.
fn cpu_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Checks `key = value` against the consumer configuration; a key that
/// only the push consumer knows is checked at start.
pub(super) fn validate(key: &str, value: &str) -> LResult<()> {
    match ConsumerConfig::default().set(key, value) {
        Err(e) if e.kind() != ErrorKind::UnknownConfigKey => {
            Err(Fail::with_code(code::NULL_POINTER, e.message().to_string()))
        }
        _ => Ok(()),
    }
}

/// Marks the calling thread as running a callback of one consumer until
/// dropped (also when the callback unwinds).
struct CallbackScope(*const CPushConsumer);

impl CallbackScope {
    fn enter(c: *const CPushConsumer) -> CallbackScope {
        CallbackScope(IN_CALLBACK.replace(c))
    }
}

impl Drop for CallbackScope {
    fn drop(&mut self) {
        IN_CALLBACK.set(self.0);
    }
}

/// The listener that calls `callback` once per message of a batch, in
/// order, and makes the batch RECONSUME_LATER at the first non-zero return
/// (the C++ client's `MessageListenerInner`). Once `gate` is closed no call
/// starts, and the rest of the batch is RECONSUME_LATER (its offsets are
/// not committed, so the messages come again).
fn listener(handle: *const CPushConsumer, callback: Callback, gate: Arc<Gate>) -> MessageListener {
    let handle = UserData::new(handle as *mut c_void);
    Arc::new(move |msgs: &[MessageExt]| {
        let consumer = handle.get().cast::<CPushConsumer>();
        for m in msgs {
            if !gate.enter() {
                return ConsumeStatus::ReconsumeLater;
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let mut view = CMessage::from_ext(m);
                let _scope = CallbackScope::enter(consumer);
                // SAFETY: the handle outlives the call (shutdown and destroy
                // close the gate and wait for the calls in it before the
                // handle can be freed); the caller of RegisterMessageCallback
                // guarantees that the callback may run on the consume
                // threads; the view lives during the call.
                unsafe { callback(consumer, &mut view) }
            }));
            gate.leave();
            if !matches!(outcome, Ok(E_CONSUME_SUCCESS)) {
                return ConsumeStatus::ReconsumeLater;
            }
        }
        ConsumeStatus::Success
    })
}

impl CPushConsumer {
    fn new(group: &str) -> CPushConsumer {
        let group = if group.is_empty() {
            DEFAULT_CONSUMER_GROUP
        } else {
            group
        };
        let mut state = PushState {
            group: cstring(group),
            settings: Vec::new(),
            message_model: CLUSTERING,
            subscriptions: Vec::new(),
            callback: None,
            running: None,
            registered: None,
            ssl: false,
            ssl_property_file: None,
            log_path: None,
        };
        state.put("consumeThreadCount", cpu_count().clamp(1, 1000).to_string());
        CPushConsumer {
            state: Mutex::new(state),
            lifecycle: Mutex::new(()),
            version: version(),
            born: crate::fork::Born::now(),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, PushState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lifecycle(&self) -> MutexGuard<'_, ()> {
        self.lifecycle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A consumer built from the settings, not started yet.
    fn build(
        &self,
        s: &PushState,
        (kind, callback): (Kind, Callback),
        gate: Arc<Gate>,
    ) -> LResult<PushConsumer> {
        let group = s.group.to_string_lossy();
        let c = PushConsumer::new(&group)?;
        let model = match s.message_model {
            BROADCASTING => "BROADCASTING",
            CLUSTERING => "CLUSTERING",
            m => {
                return Err(Fail::new(format!(
                    "message model {} is neither BROADCASTING (0) nor CLUSTERING (1)",
                    m
                )))
            }
        };
        c.set("messageModel", model)?;
        super::apply_legacy_tls(s.ssl, s.ssl_property_file.as_deref(), &mut |k, v| {
            c.set(k, v)
        })?;
        for (key, value) in &s.settings {
            if *key == "instanceName" && value != "DEFAULT" {
                // Legacy client ids are `ip@pid#instanceName`; every
                // consumer here has its own connections, so a counter keeps
                // the ids of consumers that share an instance name apart
                // (brokers track clients by id).
                static STARTS: AtomicU64 = AtomicU64::new(0);
                let unique = format!(
                    "{}#{}#{}",
                    std::process::id(),
                    value,
                    STARTS.fetch_add(1, Ordering::Relaxed)
                );
                c.set(key, &unique)?;
            } else {
                c.set(key, value)?;
            }
        }
        for (topic, expression) in &s.subscriptions {
            c.subscribe(topic, expression)?;
        }
        let listener = listener(self, callback, gate);
        match kind {
            Kind::Concurrent => c.register_listener(listener)?,
            Kind::Orderly => c.register_orderly_listener(listener)?,
        }
        Ok(c)
    }

    fn start(&self) -> LResult<()> {
        if in_own_callback(self) {
            return Ok(()); // it runs
        }
        let _lifecycle = self.lifecycle();
        let s = self.lock();
        if s.running.is_some() {
            return Ok(());
        }
        let Some(callback) = s.callback else {
            return Err(Fail::new(
                "no message callback registered (call RegisterMessageCallback or \
                 RegisterMessageCallbackOrderly before StartPushConsumer)",
            ));
        };
        if s.subscriptions.is_empty() {
            return Err(Fail::new(
                "no subscription (call Subscribe before StartPushConsumer)",
            ));
        }
        let group = s.group.to_string_lossy().into_owned();
        if group == DEFAULT_CONSUMER_GROUP {
            return Err(Fail::new(
                "consumerGroup can not equal DEFAULT_CONSUMER, specify another group",
            ));
        }
        let gate = Arc::new(Gate::default());
        let c = self.build(&s, callback, gate.clone())?;
        let instance = s
            .settings
            .iter()
            .find(|(k, _)| *k == "instanceName")
            .map_or("DEFAULT", |(_, v)| v.as_str());
        let key = (instance.to_string(), group.clone());
        if !groups().insert(key.clone()) {
            return Err(Fail::new(format!(
                "The cousumer group[{}] has been created before, specify another name please.",
                group
            )));
        }
        // The settings stay readable (by callbacks too) while it starts.
        drop(s);
        if let Err(e) = c.start() {
            groups().remove(&key);
            return Err(e.into());
        }
        let mut s = self.lock();
        s.running = Some(Started { consumer: c, gate });
        s.registered = Some(key);
        Ok(())
    }

    /// Shuts the running consumer down (waiting for it) and drops it.
    /// Errors (code 1): called from one of its own callbacks, or refused by
    /// the consumer (it keeps running).
    fn shutdown(&self) -> LResult<()> {
        if in_own_callback(self) {
            return Err(Fail::with_code(
                code::NULL_POINTER,
                "called from the consumer's own message callback, where it would wait for \
                 itself: shut the consumer down from another thread",
            ));
        }
        let _lifecycle = self.lifecycle();
        let Some(started) = self.lock().running.take() else {
            return Ok(());
        };
        // Not under the state lock: callbacks may read the settings while
        // the shutdown waits for them.
        let outcome = started.consumer.shutdown();
        if let Err(e) = &outcome {
            if e.kind() == ErrorKind::InvalidState {
                // Refused (from a consume thread of another consumer): it
                // keeps running.
                self.lock().running = Some(started);
                return Err(Fail::with_code(code::NULL_POINTER, e.to_string()));
            }
        }
        // No callback starts from now on; wait for those still running
        // (the consumer waits for its listeners 30 s at most).
        started.gate.close();
        drop(started);
        if let Some(key) = self.lock().registered.take() {
            groups().remove(&key);
        }
        outcome.map_err(|e| Fail::with_code(code::NULL_POINTER, e.to_string()))
    }

    /// Changes the settings. While the consumer runs the change is kept
    /// for the next start only, and a note says so.
    fn configure(&self, what: &str, f: impl FnOnce(&mut PushState) -> LResult<()>) -> LResult<()> {
        let mut s = self.lock();
        f(&mut s)?;
        if s.running.is_some() {
            note(&format!(
                "{} set on a started push consumer: the running consumer keeps its settings, \
                 the new value applies from the next StartPushConsumer after ShutdownPushConsumer",
                what
            ));
        }
        Ok(())
    }
}

/// Borrows a push consumer handle ([`super::live`]).
///
/// # Safety
/// `c` is NULL or a live push consumer handle (for `'a`).
pub(super) unsafe fn consumer_ref<'a>(c: *const CPushConsumer) -> LResult<&'a CPushConsumer> {
    // SAFETY: NULL or live (# Safety).
    unsafe { super::live(c, "consumer") }
}

/// Runs `f` on the settings of a handle. 0; 1 for NULL or a failure.
///
/// # Safety
/// `c` is NULL or a live push consumer handle.
pub(super) unsafe fn configure(
    c: *mut CPushConsumer,
    what: &str,
    f: impl FnOnce(&mut PushState) -> LResult<()>,
) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer_ref(c) }?.configure(what, f)
    })
}

/// Checks the handle only. 0; 1 for NULL.
///
/// # Safety
/// `c` is NULL or a live push consumer handle.
pub(super) unsafe fn check(c: *mut CPushConsumer) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer_ref(c) }.map(|_| ())
    })
}

/// A push consumer of `groupId` (`""`: `DEFAULT_CONSUMER`, which cannot
/// start): clustering, consume from the last offset, `hardware_concurrency`
/// consume threads, batches of 1, 1000 messages cached per queue, up to 16
/// redeliveries (the legacy defaults). NULL for NULL. No threads, no I/O
/// until `StartPushConsumer`.
///
/// # Safety
/// `groupId` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn CreatePushConsumer(groupId: *const c_char) -> *mut CPushConsumer {
    get(std::ptr::null_mut(), || {
        crate::log::init();
        if groupId.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: not NULL, so a C string (# Safety).
        let group = unsafe { CStr::from_ptr(groupId) }.to_string_lossy();
        Box::into_raw(Box::new(CPushConsumer::new(&group)))
    })
}

/// Shuts the consumer down if it runs (legacy did not, and leaked its
/// threads), then frees the handle. 0; 1 for NULL, and (freeing nothing)
/// when called from one of the consumer's own callbacks.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle; no other call on it
/// runs during this one (its own callbacks excepted), and none follows.
#[no_mangle]
pub unsafe extern "C" fn DestroyPushConsumer(consumer: *mut CPushConsumer) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live (# Safety).
        let c = unsafe { consumer_ref(consumer) }?;
        let outcome = c.shutdown();
        if in_own_callback(c) || c.lock().running.is_some() {
            // Refused: it still runs, so the handle stays.
            return outcome;
        }
        // SAFETY: a live handle comes from Box::into_raw (CreatePushConsumer)
        // and, unused afterwards (# Safety) and with no callback running
        // (shut down above), is freed once.
        drop(unsafe { Box::from_raw(consumer) });
        outcome
    })
}

/// Starts consuming: threads, route lookups, heartbeats, rebalance, pulls;
/// the callback then runs on the consume threads. 0 (also when running;
/// after a shutdown it starts again); 1 for NULL; 20 with the reason: no
/// callback registered, no
/// subscription, an empty or `DEFAULT_CONSUMER` group, an invalid group
/// name, topic or expression, a message model other than 0 or 1, another
/// started push consumer of the same group and instance name in this
/// process, TLS enabled, threads that cannot start.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn StartPushConsumer(consumer: *mut CPushConsumer) -> c_int {
    run(code::PUSHCONSUMER_START_FAILED, || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer_ref(consumer) }?.start()
    })
}

/// Shuts down: no new messages, waits for the running callbacks, commits
/// the offsets, unregisters from the brokers, closes the sockets, joins the
/// threads. No callback runs after it returns. 0 (also when not running);
/// 1 for NULL, and when called from one of the consumer's own callbacks.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn ShutdownPushConsumer(consumer: *mut CPushConsumer) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer_ref(consumer) }?.shutdown()
    })
}

/// The library version text, owned by the handle; NULL for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn ShowPushConsumerVersion(consumer: *mut CPushConsumer) -> *const c_char {
    get(std::ptr::null(), || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer.as_ref() }.map_or(std::ptr::null(), |c| c.version.as_ptr())
    })
}

/// Subscribes `topic` with a tag expression (`*`, `TagA||TagB`, blanks
/// around the tags allowed); a topic subscribed again gets the new
/// expression. Applied at start (topic and expression are checked then).
/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle; `topic` and
/// `expression` are NULL or C strings.
#[no_mangle]
pub unsafe extern "C" fn Subscribe(
    consumer: *mut CPushConsumer,
    topic: *const c_char,
    expression: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "a subscription", |s| {
            let t = c_str(topic, "topic")?;
            let e = c_str(expression, "expression")?;
            match s.subscriptions.iter_mut().find(|(k, _)| *k == t) {
                Some(slot) => slot.1 = e,
                None => s.subscriptions.push((t, e)),
            }
            Ok(())
        })
    }
}

/// Stores `cb` as the consumer's one callback (replacing any other).
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
unsafe fn register(consumer: *mut CPushConsumer, kind: Kind, cb: MessageCallBack) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "a message callback", |s| {
            let cb = cb.ok_or_else(|| Fail::null("pCallback"))?;
            s.callback = Some((kind, cb));
            Ok(())
        })
    }
}

/// Forgets the callback if it is of `kind`.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
unsafe fn unregister(consumer: *mut CPushConsumer, kind: Kind) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the message callback (unregistered)", |s| {
            if matches!(s.callback, Some((k, _)) if k == kind) {
                s.callback = None;
            }
            Ok(())
        })
    }
}

/// Registers the callback of orderly consumption (replacing any other
/// callback): each queue is consumed by one call at a time, in offset
/// order (in clustering while this consumer holds the queue's lock on its
/// broker); a non-zero return pauses the queue and the same messages come
/// again first. Applies at start. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle; `pCallback` may be
/// called from the consume threads (calls for different queues at once)
/// from start until the consumer is shut down.
#[no_mangle]
pub unsafe extern "C" fn RegisterMessageCallbackOrderly(
    consumer: *mut CPushConsumer,
    pCallback: MessageCallBack,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { register(consumer, Kind::Orderly, pCallback) }
}

/// Registers the callback of concurrent consumption (replacing any other
/// callback); it is called once per message on the consume threads, with
/// the consumer handle and a `CMessageExt*` valid during the call (see the
/// module docs). Applies at start. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle; `pCallback` may be
/// called from the consume threads, concurrently, from start until the
/// consumer is shut down.
#[no_mangle]
pub unsafe extern "C" fn RegisterMessageCallback(
    consumer: *mut CPushConsumer,
    pCallback: MessageCallBack,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { register(consumer, Kind::Concurrent, pCallback) }
}

/// Forgets an orderly callback (a running consumer keeps its callback
/// until shut down). 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn UnregisterMessageCallbackOrderly(consumer: *mut CPushConsumer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { unregister(consumer, Kind::Orderly) }
}

/// Forgets a concurrent callback (a running consumer keeps calling it
/// until shut down, legacy freed it under the running consumer). 0; 1 for
/// NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn UnregisterMessageCallback(consumer: *mut CPushConsumer) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { unregister(consumer, Kind::Concurrent) }
}
