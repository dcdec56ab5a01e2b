//! Bringing an SBOM's bytes into memory, bounded: the file size is checked before reading, and a
//! gzip stream is decompressed through a hard cap, never trusting the length its trailer declares.

use super::SbomError;
use flate2::read::MultiGzDecoder;
use std::io::Read;
use std::path::Path;

/// Limits on what one SBOM may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes one document may take, after decompression.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        // Large enough for any SBOM a real tool emits (a 100,000-component CycloneDX file is
        // ~60 MB), small enough that a hostile input cannot take the machine.
        Limits { max_bytes: 1 << 30 }
    }
}

/// The bytes of one document, decompressed if they were gzip.
pub struct Input {
    pub bytes: Vec<u8>,
    pub compressed: bool,
    /// SHA-256 of the bytes as they were read, before decompression.
    pub sha256: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads a file from disk. Directories, devices and FIFOs are refused before anything is read.
pub fn read_file(path: &Path, limits: &Limits) -> Result<Input, SbomError> {
    let io = |source| SbomError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(SbomError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    if !meta.is_file() {
        return Err(SbomError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let file = path.display().to_string();
    if meta.len() > limits.max_bytes {
        return Err(SbomError::TooLarge {
            file,
            size: meta.len(),
            limit: limits.max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .map_err(io)?
        .take(limits.max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    from_bytes(&file, bytes, limits)
}

/// Reads a stream (standard input) to its end, or to one byte past the limit: a stream has no
/// size to check first, so the limit bounds the read itself. Then as [`from_bytes`].
pub fn read_stream(file: &str, reader: impl Read, limits: &Limits) -> Result<Input, SbomError> {
    let mut bytes = Vec::new();
    reader
        .take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| SbomError::Io {
            path: file.into(),
            source,
        })?;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(SbomError::StreamTooLarge {
            file: file.to_string(),
            limit: limits.max_bytes,
        });
    }
    from_bytes(file, bytes, limits)
}

/// Accepts bytes already in memory (an SBOM found inside an image), decompressing gzip.
pub fn from_bytes(file: &str, bytes: Vec<u8>, limits: &Limits) -> Result<Input, SbomError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(SbomError::TooLarge {
            file: file.to_string(),
            size: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    let sha256 = sha256_hex(&bytes);
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Input {
            bytes,
            compressed: false,
            sha256,
        });
    }
    // The ISIZE trailer is attacker-controlled: it sizes nothing here. The output grows as
    // data arrives and stops one byte past the limit.
    let mut out = Vec::new();
    MultiGzDecoder::new(&bytes[..])
        .take(limits.max_bytes + 1)
        .read_to_end(&mut out)
        .map_err(|e| SbomError::Decompress {
            file: file.to_string(),
            message: e.to_string(),
        })?;
    if out.len() as u64 > limits.max_bytes {
        return Err(SbomError::ExpandsTooLarge {
            file: file.to_string(),
            limit: limits.max_bytes,
        });
    }
    if out.starts_with(&GZIP_MAGIC) {
        return Err(SbomError::UnknownFormat {
            file: file.to_string(),
            reason: "gzip inside gzip; SBOMs are compressed once".to_string(),
        });
    }
    Ok(Input {
        bytes: out,
        compressed: true,
        sha256,
    })
}
