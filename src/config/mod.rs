//! Configuration by key and value, with the Java property names
//! (`namesrvAddr`, `sendMsgTimeout`, …) so that bindings need one function
//! for every present and future option. Each configuration type has one
//! table of its keys ([`ConfigKey`]): the table is what `set` looks keys up
//! in, what the C API documents and what the README's configuration table
//! is checked against.

use crate::error::{Error, ErrorKind, Result};

/// One configuration key of a configuration type `C`: its Java name, a
/// one-line description (units and range) and how a text value is stored.
pub struct ConfigKey<C> {
    /// The Java property name, e.g. `sendMsgTimeout`.
    pub name: &'static str,
    /// One line: what it sets, its unit and its range or values.
    pub doc: &'static str,
    /// Parses `value` (trimmed) into `config`. Errors:
    /// [`ErrorKind::InvalidArgument`]; the configuration is unchanged then.
    pub set: fn(config: &mut C, value: &str) -> Result<()>,
}

/// Sets `key` to `value` (trimmed) through `table`: None when the table has
/// no such key (the caller tries the next table or reports [`unknown_key`]),
/// else the key's own outcome.
pub(crate) fn set_in<C>(
    table: &[ConfigKey<C>],
    config: &mut C,
    key: &str,
    value: &str,
) -> Option<Result<()>> {
    let entry = table.iter().find(|k| k.name == key)?;
    Some((entry.set)(config, value.trim()))
}

/// The error for a key no table knows.
pub(crate) fn unknown_key(key: &str) -> Error {
    Error::new(
        ErrorKind::UnknownConfigKey,
        format!("unknown configuration key {:?}", key),
    )
}

/// A non-empty text. Errors: empty, naming `key`.
pub(crate) fn non_empty(key: &str, v: &str) -> Result<String> {
    if v.is_empty() {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{} must not be empty", key),
        ))
    } else {
        Ok(v.to_string())
    }
}

/// A NameServer list (`host:port;host:port`, blanks around the entries
/// allowed; "" is no list): each entry needs a host and a port 1..=65535.
pub(crate) fn addr_list(key: &str, v: &str) -> Result<String> {
    for a in v.split(';').map(str::trim).filter(|a| !a.is_empty()) {
        let ok = a.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
        });
        if !ok {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("{}: {:?} is not host:port", key, a),
            ));
        }
    }
    Ok(v.to_string())
}

/// Text or, when empty, None.
pub(crate) fn optional(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_string())
}

/// A whole number within `min..=max`. Errors: not a number, out of range,
/// naming `key`.
pub(crate) fn number<T: TryFrom<u64>>(key: &str, v: &str, min: u64, max: u64) -> Result<T> {
    let n: u64 = v.parse().map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("{} must be a whole number, got {:?}", key, v),
        )
    })?;
    if n < min || n > max {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{} must be within {}..={}, got {}", key, min, max, n),
        ));
    }
    T::try_from(n)
        .map_err(|_| Error::new(ErrorKind::InvalidArgument, format!("{} is too large", key)))
}

/// `true` or `false`. Errors: anything else, naming `key`.
pub(crate) fn boolean(key: &str, v: &str) -> Result<bool> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{} must be true or false, got {:?}", key, v),
        )),
    }
}

/// A table entry: `key!(name, doc, |config, value| store)`, where `store`
/// may use `?` and the name is in scope as `KEY`.
macro_rules! key {
    ($name:literal, $doc:literal, |$c:ident, $v:ident| $store:expr) => {
        $crate::config::ConfigKey {
            name: $name,
            doc: $doc,
            set: |$c, $v| {
                #[allow(unused)]
                const KEY: &str = $name;
                $store;
                Ok(())
            },
        }
    };
}
pub(crate) use key;
