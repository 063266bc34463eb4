//! Body compression as Java 5.x does it (`CompressorFactory`): zlib (RFC
//! 1950 stream, as `Deflater`), LZ4 frame format and zstd frames. The type
//! travels in sysFlag bits 8..10 next to the COMPRESSED bit (0x1); type 0
//! (4.x clients set only 0x1) means zlib.

use std::io::{Read, Write};

use crate::error::{Error, ErrorKind, Result};

/// A compression algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompressionType {
    /// zlib (default).
    Zlib,
    /// LZ4 frame format.
    Lz4,
    /// zstd.
    Zstd,
}

impl CompressionType {
    /// Parses the Java name (`ZLIB`, `LZ4`, `ZSTD`, any case).
    pub fn parse(name: &str) -> Option<CompressionType> {
        match name.to_ascii_uppercase().as_str() {
            "ZLIB" => Some(CompressionType::Zlib),
            "LZ4" => Some(CompressionType::Lz4),
            "ZSTD" => Some(CompressionType::Zstd),
            _ => None,
        }
    }

    /// The sysFlag bits of this type, including COMPRESSED (0x1).
    pub fn sys_flag(self) -> i32 {
        0x1 | match self {
            CompressionType::Lz4 => 0x100,
            CompressionType::Zstd => 0x200,
            CompressionType::Zlib => 0x300,
        }
    }

    /// The type named by sysFlag bits 8..10 (0 or 3 zlib, 1 LZ4, 2 zstd).
    pub fn from_sys_flag(sys_flag: i32) -> Option<CompressionType> {
        match (sys_flag & 0x700) >> 8 {
            0 | 3 => Some(CompressionType::Zlib),
            1 => Some(CompressionType::Lz4),
            2 => Some(CompressionType::Zstd),
            _ => None,
        }
    }

    /// Compresses `data` (`level` 0..=9 for zlib; ignored by LZ4 and by
    /// zstd, which the pure-Rust `ruzstd` encoder writes at its one
    /// implemented level, about zstd's level 1). None if the encoder fails.
    pub fn compress(self, data: &[u8], level: u32) -> Option<Vec<u8>> {
        match self {
            CompressionType::Zlib => {
                let mut enc = flate2::write::ZlibEncoder::new(
                    Vec::with_capacity(data.len() / 2),
                    flate2::Compression::new(level.min(9)),
                );
                enc.write_all(data).ok()?;
                enc.finish().ok()
            }
            CompressionType::Lz4 => {
                let mut enc =
                    lz4_flex::frame::FrameEncoder::new(Vec::with_capacity(data.len() / 2));
                enc.write_all(data).ok()?;
                enc.finish().ok()
            }
            CompressionType::Zstd => Some(ruzstd::encoding::compress_to_vec(
                data,
                ruzstd::encoding::CompressionLevel::Fastest,
            )),
        }
    }

    /// Decompresses `data`, to at most [`MAX_INFLATED_BODY`] bytes.
    /// Errors: [`ErrorKind::Internal`] for corrupt input or a body that
    /// inflates past that bound (a few KB of zstd or zlib can claim
    /// gigabytes; Java inflates without a bound).
    pub fn decompress(self, data: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let limit = MAX_INFLATED_BODY as u64 + 1;
        let r = match self {
            CompressionType::Zlib => flate2::read::ZlibDecoder::new(data)
                .take(limit)
                .read_to_end(&mut out),
            CompressionType::Lz4 => lz4_flex::frame::FrameDecoder::new(data)
                .take(limit)
                .read_to_end(&mut out),
            CompressionType::Zstd => ruzstd::decoding::StreamingDecoder::new(data)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))
                .and_then(|d| d.take(limit).read_to_end(&mut out)),
        };
        r.map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("cannot decompress a {:?} body: {}", self, e),
            )
        })?;
        if out.len() > MAX_INFLATED_BODY {
            return Err(Error::new(
                ErrorKind::Internal,
                format!(
                    "a {:?} body of {} bytes inflates past {} bytes (MAX_INFLATED_BODY): refused",
                    self,
                    data.len(),
                    MAX_INFLATED_BODY
                ),
            ));
        }
        Ok(out)
    }
}

/// The largest body [`CompressionType::decompress`] inflates, in bytes
/// (64 MiB: 16 times the broker's default `maxMessageSize`, four times the
/// largest `maxMessageSize` this library's producer accepts). A pulled
/// record past it fails to decode like a corrupt one: its queue is not
/// advanced past it (see `consumer::pull::read_response`).
pub const MAX_INFLATED_BODY: usize = 64 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_inflating_past_the_bound_is_refused() {
        let big = vec![0u8; MAX_INFLATED_BODY + 1];
        for kind in [
            CompressionType::Zlib,
            CompressionType::Lz4,
            CompressionType::Zstd,
        ] {
            let packed = kind.compress(&big, 6).unwrap();
            assert!(packed.len() < 1 << 20, "{:?}: {}", kind, packed.len());
            let err = kind.decompress(&packed).unwrap_err();
            assert!(
                err.to_string().contains("MAX_INFLATED_BODY"),
                "{:?}: {}",
                kind,
                err
            );
            let fits = kind.compress(&big[..MAX_INFLATED_BODY], 6).unwrap();
            assert_eq!(kind.decompress(&fits).unwrap().len(), MAX_INFLATED_BODY);
        }
    }

    #[test]
    fn round_trips_and_flags() {
        let data: Vec<u8> = (0..100_000).map(|i| (i % 251) as u8).collect();
        for t in [
            CompressionType::Zlib,
            CompressionType::Lz4,
            CompressionType::Zstd,
        ] {
            let c = t.compress(&data, 5).unwrap();
            assert!(c.len() < data.len() / 4, "{:?}", t);
            assert_eq!(CompressionType::from_sys_flag(t.sys_flag()), Some(t));
            assert_eq!(t.decompress(&c).unwrap(), data);
            assert!(t.decompress(b"garbage!").is_err());
        }
        // Headers of the formats Java expects.
        assert_eq!(
            &CompressionType::Zlib.compress(b"x", 5).unwrap()[..1],
            &[0x78]
        );
        assert_eq!(
            &CompressionType::Lz4.compress(b"x", 5).unwrap()[..4],
            &[0x04, 0x22, 0x4D, 0x18]
        );
        assert_eq!(
            &CompressionType::Zstd.compress(b"x", 5).unwrap()[..4],
            &[0x28, 0xB5, 0x2F, 0xFD]
        );
        assert_eq!(
            CompressionType::from_sys_flag(0x1),
            Some(CompressionType::Zlib)
        );
        assert_eq!(CompressionType::from_sys_flag(0x401), None);
        assert_eq!(CompressionType::parse("zstd"), Some(CompressionType::Zstd));
    }
}
