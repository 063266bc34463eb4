//! The `language` member of a frame header: which client or server
//! implementation sent the frame. Mirrors Java
//! `org.apache.rocketmq.remoting.protocol.LanguageCode` (JSON headers carry
//! the name, ROCKETMQ binary headers the one-byte code).

/// `LanguageCode.OTHER` (7): what a header with an absent, null or unknown
/// language decodes to.
pub const LANGUAGE_OTHER: u8 = 7;

/// `LanguageCode.RUST` (12): what this client says it is.
pub const LANGUAGE_RUST: u8 = 12;

/// The names of `LanguageCode` values 0..=13, index = code.
pub const LANGUAGE_NAMES: [&str; 14] = [
    "JAVA", "CPP", "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY", "OTHER", "HTTP", "GO", "PHP",
    "OMS", "RUST", "NODE_JS",
];

/// The code of the language called `name` (exact, case-sensitive, as Java's
/// `LanguageCode.valueOf`), or [`LANGUAGE_OTHER`] for a name not in
/// [`LANGUAGE_NAMES`].
#[inline]
pub(super) fn language_code(name: &[u8]) -> u8 {
    LANGUAGE_NAMES
        .iter()
        .position(|n| n.as_bytes() == name)
        .map_or(LANGUAGE_OTHER, |c| c as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_their_codes() {
        for (code, name) in LANGUAGE_NAMES.iter().enumerate() {
            assert_eq!(language_code(name.as_bytes()), code as u8);
        }
        assert_eq!(LANGUAGE_NAMES[LANGUAGE_OTHER as usize], "OTHER");
        assert_eq!(LANGUAGE_NAMES[LANGUAGE_RUST as usize], "RUST");
        for unknown in ["", "X", "java", "RUST "] {
            assert_eq!(language_code(unknown.as_bytes()), LANGUAGE_OTHER);
        }
    }
}
