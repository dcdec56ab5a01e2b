//! Compressed streams: gzip, xz, legacy lzma, bzip2, zstd, lz4 frames, lzip, Unix compress (.Z), lzop. A stream is either read
//! as it decodes ([`reader`]: the walker parses a tar or cpio inside without holding the whole
//! decompressed stream) or decoded into memory through a hard cap ([`decompress`]); a stream that
//! would exceed the cap is a bomb or too big, and says so.
//!
//! gzip goes through flate2's zlib-rs backend (enabled in Cargo.toml), about twice as fast as
//! its default miniz_oxide on this machine; the walker's benchmark baseline uses the same build.

use super::super::detect::Kind;
use std::io::{self, Read};

pub enum Outcome {
    Done(Vec<u8>),
    /// More than `limit` bytes would come out.
    TooBig,
    /// The stream broke; what came out before is kept.
    Corrupt {
        partial: Vec<u8>,
        message: String,
    },
}

/// A decoder of `kind` over `source`, yielding the decompressed bytes as they are read.
/// Concatenated gzip, xz and bzip2 members are read as one stream, as their tools do.
pub fn reader<'r, R: Read + 'r>(kind: Kind, source: R) -> io::Result<Box<dyn Read + 'r>> {
    Ok(match kind {
        Kind::Gzip => Box::new(flate2::read::MultiGzDecoder::new(source)),
        Kind::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(source)),
        Kind::Lzma => {
            let stream = liblzma::stream::Stream::new_lzma_decoder(u64::MAX).map_err(io::Error::other)?;
            Box::new(liblzma::read::XzDecoder::new_stream(source, stream))
        }
        Kind::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(source)),
        Kind::Zstd => Box::new(zstd::stream::read::Decoder::new(source)?),
        Kind::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(source)),
        // liblzma's own lzip decoder: the `LZIP` header (version 0 or 1, dictionary size), the
        // LZMA data, and each member's trailer (CRC-32, data size, member size) checked;
        // CONCATENATED reads every member, as `lzip -d` does.
        Kind::Lzip => {
            let stream = liblzma::stream::Stream::new_lzip_decoder(u64::MAX, liblzma::stream::CONCATENATED)
                .map_err(io::Error::other)?;
            Box::new(liblzma::read::XzDecoder::new_stream(source, stream))
        }
        Kind::UnixCompress => Box::new(super::unix_compress::Decoder::new(source)),
        Kind::Lzop => Box::new(super::lzop::Decoder::new(source)),
        other => {
            return Err(io::Error::other(format!(
                "{} is not a compression format",
                other.name()
            )));
        }
    })
}

/// Decodes a whole stream into memory, at most `limit` bytes of it.
pub fn decompress(kind: Kind, bytes: &[u8], limit: u64) -> Outcome {
    match reader(kind, bytes) {
        Ok(decoder) => finish(decoder, Vec::new(), limit),
        Err(e) => Outcome::Corrupt {
            partial: Vec::new(),
            message: e.to_string(),
        },
    }
}

/// Reads the rest of `decoder` after the `head` already read from it, keeping at most `limit`
/// bytes in all.
pub fn finish(mut decoder: impl Read, mut head: Vec<u8>, limit: u64) -> Outcome {
    let Some(room) = limit.checked_sub(head.len() as u64) else {
        return Outcome::TooBig;
    };
    match (&mut decoder).take(room).read_to_end(&mut head) {
        Ok(_) => {
            let mut probe = [0u8; 1];
            match decoder.read(&mut probe) {
                Ok(0) => Outcome::Done(head),
                Ok(_) => Outcome::TooBig,
                Err(e) => Outcome::Corrupt {
                    partial: head,
                    message: e.to_string(),
                },
            }
        }
        Err(e) => Outcome::Corrupt {
            partial: head,
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_stream_is_read_as_it_decodes() {
        let data: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let packed = gzip(&data);
        let mut out = Vec::new();
        reader(Kind::Gzip, &packed[..]).unwrap().read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn the_cap_holds_after_a_head_was_read() {
        let packed = gzip(&[7u8; 10_000]);
        let mut decoder = reader(Kind::Gzip, &packed[..]).unwrap();
        let mut head = vec![0u8; 100];
        decoder.read_exact(&mut head).unwrap();
        assert!(matches!(finish(&mut decoder, head.clone(), 9_999), Outcome::TooBig));
        let mut decoder = reader(Kind::Gzip, &packed[..]).unwrap();
        decoder.read_exact(&mut head).unwrap();
        assert!(matches!(finish(decoder, head, 10_000), Outcome::Done(d) if d == [7u8; 10_000]));
    }

    #[test]
    fn not_a_compression_format_is_an_error() {
        assert!(reader(Kind::Tar, &b""[..]).is_err());
    }
}
