//! Compressed streams: gzip, xz, legacy lzma, bzip2, zstd, lz4 frames. Each is decompressed
//! through a hard cap; a stream that would exceed it is a bomb or too big, and says so.

use super::super::detect::Kind;
use std::io::Read;

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

pub fn decompress(kind: Kind, bytes: &[u8], limit: u64) -> Outcome {
    match kind {
        Kind::Gzip => run(flate2::read::MultiGzDecoder::new(bytes), limit),
        Kind::Xz => run(liblzma::read::XzDecoder::new_multi_decoder(bytes), limit),
        Kind::Lzma => match liblzma::stream::Stream::new_lzma_decoder(u64::MAX) {
            Ok(stream) => run(liblzma::read::XzDecoder::new_stream(bytes, stream), limit),
            Err(e) => Outcome::Corrupt {
                partial: Vec::new(),
                message: e.to_string(),
            },
        },
        Kind::Bzip2 => run(bzip2::read::MultiBzDecoder::new(bytes), limit),
        Kind::Zstd => match zstd::stream::read::Decoder::with_buffer(bytes) {
            Ok(d) => run(d, limit),
            Err(e) => Outcome::Corrupt {
                partial: Vec::new(),
                message: e.to_string(),
            },
        },
        Kind::Lz4 => run(lz4_flex::frame::FrameDecoder::new(bytes), limit),
        other => Outcome::Corrupt {
            partial: Vec::new(),
            message: format!("{} is not a compression format", other.name()),
        },
    }
}

fn run(mut decoder: impl Read, limit: u64) -> Outcome {
    let mut out = Vec::new();
    match (&mut decoder).take(limit).read_to_end(&mut out) {
        Ok(_) => {
            let mut probe = [0u8; 1];
            match decoder.read(&mut probe) {
                Ok(0) => Outcome::Done(out),
                Ok(_) => Outcome::TooBig,
                Err(e) => Outcome::Corrupt {
                    partial: out,
                    message: e.to_string(),
                },
            }
        }
        Err(e) => Outcome::Corrupt {
            partial: out,
            message: e.to_string(),
        },
    }
}
