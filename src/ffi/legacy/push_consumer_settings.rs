//! `CPushConsumer.h`: the push consumer's setters (group, NameServer,
//! threads, batch size, instance name, credentials, log, message model,
//! cache limits, trace, TLS), kept on the handle and applied at the next
//! start. The handle, life cycle, subscriptions and callbacks are in
//! [`super::push_consumer`].

use std::ffi::{c_char, c_int, c_long};

use super::cstring;
use super::push_consumer::{
    check, configure, consumer_ref, validate, CPushConsumer, BROADCASTING, CLUSTERING,
};
use super::{c_str, code, note, run, run_or, Fail};

/// Replaces the group. 0; 1 for a NULL consumer or group.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle; `groupId` is NULL or
/// a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerGroupID(
    consumer: *mut CPushConsumer,
    groupId: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the group", |s| {
            s.group = cstring(&c_str(groupId, "groupId")?);
            Ok(())
        })
    }
}

/// The group, valid until it is set again or the handle is destroyed;
/// NULL for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn GetPushConsumerGroupID(consumer: *mut CPushConsumer) -> *const c_char {
    run_or(std::ptr::null, || {
        // SAFETY: NULL or live (# Safety).
        Ok(unsafe { consumer_ref(consumer) }?.lock().group.as_ptr())
    })
}

/// `host:port;host:port` (a leading `http://` is stripped; `""` falls back
/// to the `NAMESRV_ADDR` environment variable at start). 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle; `namesrv` is NULL or
/// a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerNameServerAddress(
    consumer: *mut CPushConsumer,
    namesrv: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the name server address", |s| {
            s.put(
                "namesrvAddr",
                super::namesrv_text(&c_str(namesrv, "namesrv")?),
            );
            Ok(())
        })
    }
}

/// Sets the NameServer address server (`namesrvDomain`, C++
/// `setNamesrvDomain`): a full `http://` URL as the C++ client takes it,
/// `host` (port 8080, path `/rocketmq/nsaddr`, as Java) or `host:port`.
/// Used at start when no NameServer address is set (fetched then, at most
/// 3 s, else `StartPushConsumer` fails with 20 and says why; then every 2
/// minutes). `""` clears it. 0; 1 for NULL or a malformed domain
/// (`https://`).
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle; `domain` is NULL or a
/// C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerNameServerDomain(
    consumer: *mut CPushConsumer,
    domain: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the name server domain", |s| {
            let domain = c_str(domain, "domain")?;
            validate("namesrvDomain", &domain)?;
            s.put("namesrvDomain", domain);
            Ok(())
        })
    }
}

/// Stores a positive count setting `key`: 0; 1 for NULL, for 0 and for a
/// value out of the key's range; a negative value is ignored (0), as
/// legacy.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
unsafe fn set_count(
    consumer: *mut CPushConsumer,
    key: &'static str,
    v: c_int,
    what: &str,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, key, |s| {
            if v == 0 {
                return Err(Fail::with_code(
                    code::NULL_POINTER,
                    format!("{} must not be 0", what),
                ));
            }
            if v < 0 {
                note(&format!("{} {} is negative and ignored", what, v));
                return Ok(());
            }
            validate(key, &v.to_string())?;
            s.put(key, v.to_string());
            Ok(())
        })
    }
}

/// The number of consume threads (`consumeThreadCount`; default the CPU
/// count, as legacy). 0; 1 for NULL, 0 or more than the library allows; a
/// negative count is ignored (0).
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerThreadCount(
    consumer: *mut CPushConsumer,
    threadCount: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe { set_count(consumer, "consumeThreadCount", threadCount, "threadCount") }
}

/// The most messages one callback round covers (`consumeMessageBatchMaxSize`,
/// default 1); the callback is still called once per message. 0; 1 for
/// NULL, 0 or more than the library allows; negative: ignored (0).
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMessageBatchMaxSize(
    consumer: *mut CPushConsumer,
    batchSize: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        set_count(
            consumer,
            "consumeMessageBatchMaxSize",
            batchSize,
            "batchSize",
        )
    }
}

/// The instance name, part of the client id (`""` keeps the current one).
/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle; `instanceName` is
/// NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerInstanceName(
    consumer: *mut CPushConsumer,
    instanceName: *const c_char,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the instance name", |s| {
            let n = c_str(instanceName, "instanceName")?;
            if !n.trim().is_empty() {
                s.put("instanceName", n);
            }
            Ok(())
        })
    }
}

/// Sets the ACL credentials: every request is then signed (ACL v1,
/// HmacSHA1); empty keys switch signing off. The ONS channel is accepted
/// and ignored (it only matters to Aliyun ONS). 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle; `accessKey`,
/// `secretKey` and `channel` are NULL or C strings.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerSessionCredentials(
    consumer: *mut CPushConsumer,
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
            if a.trim().is_empty() && k.trim().is_empty() {
                // No keys: requests are not signed.
                s.settings
                    .retain(|(key, _)| *key != "accessKey" && *key != "secretKey");
            } else {
                s.put("accessKey", a);
                s.put("secretKey", k);
            }
            Ok(())
        })
    }
}

/// Accepted and recorded; the library writes no log files (its log goes to
/// stderr once a level is set). 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle; `logPath` is NULL or
/// a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerLogPath(
    consumer: *mut CPushConsumer,
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
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerLogFileNumAndSize(
    consumer: *mut CPushConsumer,
    fileNum: c_int,
    fileSize: c_long,
) -> c_int {
    let _ = (fileNum, fileSize);
    // SAFETY: the arguments are as # Safety requires.
    unsafe { check(consumer) }
}

/// Sets the process-global log level (FATAL/ERROR → error, WARN → warn,
/// INFO → info, DEBUG/TRACE → debug, others → info), as the producer's
/// setter. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerLogLevel(
    consumer: *mut CPushConsumer,
    level: c_int,
) -> c_int {
    run(code::NULL_POINTER, || {
        // SAFETY: NULL or live (# Safety).
        unsafe { consumer_ref(consumer) }?;
        super::producer::set_log_level(level);
        Ok(())
    })
}

/// `BROADCASTING` (0: every consumer of the group gets every message) or
/// `CLUSTERING` (1, the default: the group's consumers share the queues).
/// Stored as given; another value makes `StartPushConsumer` fail with 20,
/// as legacy. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMessageModel(
    consumer: *mut CPushConsumer,
    messageModel: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the message model", |s| {
            s.message_model = messageModel;
            if !matches!(messageModel, BROADCASTING | CLUSTERING) {
                note(&format!(
                    "message model {} is neither BROADCASTING (0) nor CLUSTERING (1): \
                     StartPushConsumer will fail",
                    messageModel
                ));
            }
            Ok(())
        })
    }
}

/// The most messages cached (pulled, not yet consumed) per queue
/// (`pullThresholdForQueue`, default 1000). 0; 1 for NULL or a value
/// `<= 0`; values of 65535 and more are ignored (0 with a note), as legacy.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMaxCacheMessageSize(
    consumer: *mut CPushConsumer,
    maxCacheSize: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the cache size", |s| {
            if maxCacheSize <= 0 {
                return Err(Fail::with_code(
                    code::NULL_POINTER,
                    "maxCacheSize must be positive",
                ));
            }
            if maxCacheSize >= 65535 {
                note(&format!(
                    "maxCacheSize {} is not below 65535 and is ignored",
                    maxCacheSize
                ));
                return Ok(());
            }
            s.put("pullThresholdForQueue", maxCacheSize.to_string());
            Ok(())
        })
    }
}

/// The most body MiB cached per queue (`pullThresholdSizeForQueue`,
/// default 100). Legacy never implemented it and always returned 500; here
/// 0; 1 for NULL or a value `<= 0`; a value above the library's limit is
/// ignored (0 with a note).
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMaxCacheMessageSizeInMb(
    consumer: *mut CPushConsumer,
    maxCacheSizeInMb: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "the cache size in MiB", |s| {
            if maxCacheSizeInMb <= 0 {
                return Err(Fail::with_code(
                    code::NULL_POINTER,
                    "maxCacheSizeInMb must be positive",
                ));
            }
            let v = maxCacheSizeInMb.to_string();
            if let Err(e) = validate("pullThresholdSizeForQueue", &v) {
                note(&format!("maxCacheSizeInMb ignored: {}", e.text_of()));
                return Ok(());
            }
            s.put("pullThresholdSizeForQueue", v);
            Ok(())
        })
    }
}

/// Message trace (`enableMsgTrace`; C++ `setMessageTrace`): `OPEN` (0)
/// sends a `SubBefore` and a `SubAfter` trace record of every consumed
/// message to `RMQ_SYS_TRACE_TOPIC`, any other value (`CLOSE` 1) turns it
/// off; applied at the next start. 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerMessageTrace(
    consumer: *mut CPushConsumer,
    openTrace: c_int,
) -> c_int {
    // SAFETY: the arguments are as # Safety requires.
    unsafe {
        configure(consumer, "message trace", |s| {
            s.put("enableMsgTrace", (openTrace == 0).to_string());
            Ok(())
        })
    }
}

/// Turns TLS on (`enableSsl != 0`) or off for every connection of the
/// consumer, from `StartPushConsumer` on (settings as `SetProducerSsl`).
/// 0; 1 for NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerSsl(
    consumer: *mut CPushConsumer,
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
/// `StartPushConsumer`, which fails (20) when it cannot be read. 0; 1 for
/// NULL.
///
/// # Safety
/// `consumer` is NULL or a live push consumer handle; `sslPropertyFile` is
/// NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn SetPushConsumerSslPropertyFile(
    consumer: *mut CPushConsumer,
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
