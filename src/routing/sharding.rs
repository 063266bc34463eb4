//! Sharding keys to queues, as Java's `SelectMessageQueueByHash` maps them,
//! so that keys land where Java producers put them.

/// Java `String.hashCode()`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code
/// units, wrapping in 32 bits.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// Index of the queue for sharding `key` among `n` queues, as Java
/// `SelectMessageQueueByHash`: `abs(hashCode % n)`. None when `n` is 0.
pub fn queue_index_for_key(key: &str, n: usize) -> Option<usize> {
    if n == 0 {
        return None;
    }
    Some((java_string_hash(key) % n as i32).unsigned_abs() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_string_hash_matches_java() {
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("hello"), 99162322);
        assert_eq!(java_string_hash("Aa"), java_string_hash("BB"));
        assert_eq!(java_string_hash("order-123456789"), -1902235530);
        assert_eq!(java_string_hash("é"), 233);
        assert_eq!(queue_index_for_key("hello", 4), Some(2));
        assert_eq!(queue_index_for_key("order-123456789", 8), Some(2));
        assert_eq!(queue_index_for_key("x", 0), None);
    }
}
