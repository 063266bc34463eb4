//! Message ids (Java `MessageClientIDSetter`, `MessageDecoder.createMessageId`).
//!
//! * `UNIQ_KEY`, the client message id, laid out as Java's
//!   `MessageClientIDSetter`: `ip (4 or 16 bytes) | pid (2) | random int (4) |
//!   ms since the start of the current month (4) | counter (2)`, upper-case hex.
//! * `offsetMsgId`, the broker's id: `store ip | port (4) | commit-log offset (8)`.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use once_cell::sync::Lazy;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends the upper-case hex of `bytes` to `out`: built on the stack
/// eight bytes at a time, each run appended with one copy.
#[inline]
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.chunks(8) {
        let mut hex = [0u8; 16];
        for (pair, b) in hex.chunks_exact_mut(2).zip(chunk) {
            pair[0] = HEX[(b >> 4) as usize];
            pair[1] = HEX[(b & 0xF) as usize];
        }
        // SAFETY: every byte written comes from HEX, which is ASCII (a
        // message id is pushed per send: no validation pass).
        out.push_str(unsafe { std::str::from_utf8_unchecked(&hex[..2 * chunk.len()]) });
    }
}

/// The local address the client reports: the first non-loopback IPv4 address,
/// else any non-loopback IPv6 address, else 127.0.0.1 (Java `UtilAll.getIP`).
pub fn local_ip() -> IpAddr {
    static IP: Lazy<IpAddr> = Lazy::new(|| {
        let addrs = if_addrs::get_if_addrs().unwrap_or_default();
        let v4 = addrs
            .iter()
            .find(|a| !a.is_loopback() && a.ip().is_ipv4())
            .map(|a| a.ip());
        let v6 = addrs
            .iter()
            .find(|a| !a.is_loopback() && a.ip().is_ipv6())
            .map(|a| a.ip());
        v4.or(v6).unwrap_or(IpAddr::from([127, 0, 0, 1]))
    });
    *IP
}

/// A per-process random 32-bit value (stands in for Java's class-loader
/// hash); a forked child gets its own.
pub fn process_random() -> u32 {
    UniqIdGenerator::global().random
}

/// A new random 32-bit value mixed with the process id.
fn fresh_random() -> u32 {
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(now_ms() as u64);
    h.finish() as u32
}

/// The process-wide `UNIQ_KEY` generator.
pub struct UniqIdGenerator {
    prefix: String,
    /// The random part of the prefix ([`process_random`]).
    random: u32,
    /// The fork generation the pid of the prefix was read in.
    generation: u64,
    counter: AtomicU32,
    /// The current month: its start in ms (high 42 bits) and its length in
    /// seconds (low 22 bits); 0 before the first id. Races only recompute it.
    month: AtomicU64,
}

impl UniqIdGenerator {
    fn new(ip: IpAddr, pid: u32, random: u32) -> UniqIdGenerator {
        let mut prefix = String::with_capacity(40);
        match ip {
            IpAddr::V4(v4) => push_hex(&mut prefix, &v4.octets()),
            IpAddr::V6(v6) => push_hex(&mut prefix, &v6.octets()),
        }
        push_hex(&mut prefix, &(pid as u16).to_be_bytes());
        push_hex(&mut prefix, &random.to_be_bytes());
        UniqIdGenerator {
            prefix,
            random,
            generation: crate::fork::generation(),
            counter: AtomicU32::new(0),
            month: AtomicU64::new(0),
        }
    }

    /// The shared generator for this process. A forked child gets a new
    /// one at its first id (its own pid, random value and counter, so
    /// that its ids never repeat the parent's); the parent's stays
    /// allocated in the child (one small leak per fork generation).
    #[inline]
    pub fn global() -> &'static UniqIdGenerator {
        static CURRENT: AtomicPtr<UniqIdGenerator> = AtomicPtr::new(std::ptr::null_mut());
        let g = CURRENT.load(Ordering::Acquire);
        // SAFETY: CURRENT holds NULL or a leaked, never freed generator.
        match unsafe { g.as_ref() } {
            Some(g) if g.generation == crate::fork::generation() => g,
            _ => Self::replace(&CURRENT, g),
        }
    }

    /// Installs a generator for this process in `current` (which held
    /// `old`), unless another thread did first.
    #[cold]
    fn replace(
        current: &'static AtomicPtr<UniqIdGenerator>,
        old: *mut UniqIdGenerator,
    ) -> &'static UniqIdGenerator {
        crate::fork::watch();
        let new = Box::into_raw(Box::new(UniqIdGenerator::new(
            local_ip(),
            std::process::id(),
            fresh_random(),
        )));
        match current.compare_exchange(old, new, Ordering::AcqRel, Ordering::Acquire) {
            // SAFETY: leaked on purpose: ids may be made from it forever.
            Ok(_) => unsafe { &*new },
            Err(winner) => {
                // SAFETY: `new` was never shared; `winner` is a leaked
                // generator another thread installed just now (for this
                // generation: a fork does not happen inside this call).
                unsafe {
                    drop(Box::from_raw(new));
                    &*winner
                }
            }
        }
    }

    /// A new id: 32 hex characters (56 when the local address is IPv6).
    pub fn next_id(&self) -> String {
        let mut id = String::with_capacity(self.prefix.len() + 12);
        self.push_id(&mut id);
        id
    }

    /// Appends a new id (see [`UniqIdGenerator::next_id`]) to `out`.
    pub fn push_id(&self, out: &mut String) {
        let now = coarse_now_ms();
        let packed = self.month.load(Ordering::Relaxed);
        let (mut start, len_s) = ((packed >> 22) as i64, (packed & 0x3F_FFFF) as i64);
        if now >= start + len_s * 1000 || now < start - 1_000_000 {
            let (s, next) = month_bounds(now);
            let len_s = ((next - s) / 1000).clamp(1, 0x3F_FFFF) as u64;
            self.month
                .store(((s.max(0) as u64) << 22) | len_s, Ordering::Relaxed);
            start = s;
        }
        let mut diff = now - start;
        if diff < 0 && diff > -1_000_000 {
            diff = 0;
        }
        let counter = self.counter.fetch_add(1, Ordering::Relaxed) as u16;
        out.push_str(&self.prefix);
        // The last six bytes: time (4), counter (2), big-endian.
        let mut tail = [0u8; 6];
        tail[..4].copy_from_slice(&(diff as i32).to_be_bytes());
        tail[4..].copy_from_slice(&counter.to_be_bytes());
        push_hex(out, &tail);
    }
}

/// Milliseconds since the Unix epoch from the kernel's coarse clock (one
/// clock tick, a few ms, of resolution; several times cheaper to read):
/// enough for an id whose time part only separates counter wrap-arounds
/// (65 536 ids per tick would be needed for a repeat).
fn coarse_now_ms() -> i64 {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes only the timespec passed in.
        if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) } == 0 {
            // (`time_t` and `c_long` are 32 bits on some targets.)
            #[allow(clippy::unnecessary_cast)]
            return ts.tv_sec as i64 * 1000 + ts.tv_nsec as i64 / 1_000_000;
        }
    }
    now_ms()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Start of the month containing `now_ms` and start of the next one, in the
/// local time zone, as Java's `Calendar` computes them.
fn month_bounds(now_ms: i64) -> (i64, i64) {
    let Some(mut tm) = crate::local_time::localtime(now_ms / 1000) else {
        return (now_ms, now_ms + 86_400_000);
    };
    tm.tm_mday = 1;
    tm.tm_hour = 0;
    tm.tm_min = 0;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    let start = crate::local_time::mktime(&mut tm) * 1000;
    tm.tm_mon += 1;
    tm.tm_isdst = -1;
    let next = crate::local_time::mktime(&mut tm) * 1000;
    (start, next)
}

/// A decoded `offsetMsgId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetMsgId {
    /// The broker's store address.
    pub store_host: std::net::SocketAddr,
    /// The message's commit-log offset.
    pub commit_log_offset: i64,
}

/// Decodes an `offsetMsgId` (32 hex characters for IPv4, 56 for IPv6), as
/// Java `MessageDecoder.decodeMessageId`. `None` if malformed.
pub fn decode_offset_msg_id(id: &str) -> Option<OffsetMsgId> {
    let bytes = from_hex(id)?;
    let ip_len = match bytes.len() {
        16 => 4,
        28 => 16,
        _ => return None,
    };
    let ip: IpAddr = if ip_len == 4 {
        IpAddr::from(<[u8; 4]>::try_from(&bytes[..4]).ok()?)
    } else {
        IpAddr::from(<[u8; 16]>::try_from(&bytes[..16]).ok()?)
    };
    let port = i32::from_be_bytes(bytes[ip_len..ip_len + 4].try_into().ok()?);
    let offset = i64::from_be_bytes(bytes[ip_len + 4..ip_len + 12].try_into().ok()?);
    Some(OffsetMsgId {
        store_host: std::net::SocketAddr::new(ip, port as u16),
        commit_log_offset: offset,
    })
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniq_key_layout_matches_java_example() {
        // IP 10.0.0.5, pid 12345, hash 0x1B6D3586, diff 123456789, counter 7.
        let g = UniqIdGenerator::new(IpAddr::from([10, 0, 0, 5]), 12345, 0x1B6D_3586);
        assert_eq!(g.prefix, "0A00000530391B6D3586");
        let mut id = g.prefix.clone();
        push_hex(&mut id, &123_456_789i32.to_be_bytes());
        push_hex(&mut id, &7u16.to_be_bytes());
        assert_eq!(id, "0A00000530391B6D3586075BCD150007");
        // More than one 8-byte run, and none.
        let mut hex = String::from("x");
        push_hex(&mut hex, &(0u8..=16).map(|b| b * 15).collect::<Vec<_>>());
        push_hex(&mut hex, &[]);
        assert_eq!(hex, "x000F1E2D3C4B5A69788796A5B4C3D2E1F0");
    }

    #[test]
    fn uniq_keys_are_distinct_and_well_formed() {
        let g = UniqIdGenerator::new(IpAddr::from([10, 0, 0, 5]), 12345, 1);
        let a = g.next_id();
        let b = g.next_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.starts_with("0A0000053039"));
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c)));
        // Counter in the last 4 hex digits increments.
        let ca = u16::from_str_radix(&a[28..], 16).unwrap();
        let cb = u16::from_str_radix(&b[28..], 16).unwrap();
        assert_eq!(cb, ca.wrapping_add(1));
        // Time part: ms since the start of the month, at most 31 days (it
        // wraps past i32::MAX after ~24.8 days, exactly as Java's int cast).
        let diff = u32::from_str_radix(&a[20..28], 16).unwrap() as i64;
        assert!((0..31 * 86_400_000i64).contains(&diff));
        let v6 = UniqIdGenerator::new("fe80::1".parse().unwrap(), 1, 1).next_id();
        assert_eq!(v6.len(), 56);
    }

    #[test]
    fn offset_msg_id_decodes() {
        let id = decode_offset_msg_id("C0A8000100002A9F000000000012D687").unwrap();
        assert_eq!(id.store_host, "192.168.0.1:10911".parse().unwrap());
        assert_eq!(id.commit_log_offset, 1_234_567);
        assert!(decode_offset_msg_id("XYZ").is_none());
        assert!(decode_offset_msg_id("C0A80001").is_none());
    }
}

/// The two hex digits of every byte value.
static HEX_PAIRS: [[u8; 2]; 256] = {
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [HEX[i >> 4], HEX[i & 0xF]];
        i += 1;
    }
    t
};

/// A message id as text, stored inline (no allocation): the offsetMsgId of
/// a received message is 32 hex digits (IPv4 store host) or 56 (IPv6).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdString {
    len: u8,
    buf: [u8; 56],
}

impl IdString {
    /// The offsetMsgId of store host `ip:port` and commit-log offset
    /// (Java `MessageDecoder.createMessageId`).
    pub fn offset_msg_id(ip: IpAddr, port: u16, commit_log_offset: i64) -> IdString {
        let mut raw = [0u8; 28];
        let n = match ip {
            IpAddr::V4(v4) => {
                raw[..4].copy_from_slice(&v4.octets());
                4
            }
            IpAddr::V6(v6) => {
                raw[..16].copy_from_slice(&v6.octets());
                16
            }
        };
        raw[n..n + 4].copy_from_slice(&(port as i32).to_be_bytes());
        raw[n + 4..n + 12].copy_from_slice(&commit_log_offset.to_be_bytes());
        let mut id = IdString::default();
        for (pair, b) in id.buf.chunks_exact_mut(2).zip(&raw[..n + 12]) {
            pair.copy_from_slice(&HEX_PAIRS[*b as usize]);
        }
        id.len = 2 * (n as u8 + 12);
        id
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (hex digits, or a `From<&str>` prefix
        // cut at a character boundary).
        std::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or_default()
    }
}

impl Default for IdString {
    fn default() -> Self {
        IdString {
            len: 0,
            buf: [0; 56],
        }
    }
}

impl From<&str> for IdString {
    /// At most 56 bytes of `s` (cut at a character boundary).
    fn from(s: &str) -> IdString {
        let mut end = s.len().min(56);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut id = IdString::default();
        id.buf[..end].copy_from_slice(&s.as_bytes()[..end]);
        id.len = end as u8;
        id
    }
}

impl std::ops::Deref for IdString {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for IdString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for IdString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for IdString {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for IdString {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for IdString {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<IdString> for String {
    fn eq(&self, other: &IdString) -> bool {
        self == other.as_str()
    }
}
