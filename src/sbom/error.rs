//! Errors that stop one SBOM from being read at all. Each displays as one line naming the file
//! and the place in it, the way compilers do: `path:line:column: message`.

use std::fmt;
use std::path::PathBuf;

/// A place in an input that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// 1-based line and column.
    LineColumn { line: usize, column: usize },
    /// A JSON pointer into a document that parsed but cannot be an SBOM.
    Pointer(String),
    /// A byte offset (binary input, invalid UTF-8 with no line structure).
    Offset(u64),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::LineColumn { line, column } => write!(f, "{line}:{column}"),
            Place::Pointer(p) if p.is_empty() => f.write_str("/"),
            Place::Pointer(p) => f.write_str(p),
            Place::Offset(o) => write!(f, "byte {o}"),
        }
    }
}

/// Why a document holds nothing to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emptiness {
    /// Zero bytes (after decompression, when gzip).
    NoBytes,
    /// Only white space (and perhaps a byte-order mark).
    WhiteSpace,
}

impl fmt::Display for Emptiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Emptiness::NoBytes => "file is empty",
            Emptiness::WhiteSpace => "file holds only white space",
        })
    }
}

/// Why one SBOM could not be read. The variants fall in two groups, and callers that
/// auto-detect must tell them apart (see [`SbomError::is_not_an_sbom`]):
///
/// - **not an SBOM at all**: [`Empty`](SbomError::Empty) and
///   [`UnknownFormat`](SbomError::UnknownFormat) — the content has none of the markers that
///   [`crate::sbom::sniff`] defines as "looks like an SBOM", so it may well be something else (an
///   image, a script);
/// - **an SBOM that could not be read**: everything else — it looks like an SBOM but is broken
///   ([`Syntax`](SbomError::Syntax), [`Invalid`](SbomError::Invalid)), in a form vendorscan
///   does not read ([`Unsupported`](SbomError::Unsupported)), over a limit, or unreadable.
///   These are errors, never a reason to treat the input as something else.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: is a directory, expected an SBOM file", path.display())]
    IsDirectory { path: PathBuf },
    #[error("{}: is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("{file}: {what}")]
    Empty { file: String, what: Emptiness },
    #[error("{file}: {size} bytes, over the limit of {limit} bytes (--max-bytes)")]
    TooLarge { file: String, size: u64, limit: u64 },
    /// A stream (standard input) that went on past the limit; its size is not known.
    #[error("{file}: more than {limit} bytes, over the limit (--max-bytes)")]
    StreamTooLarge { file: String, limit: u64 },
    #[error("{file}: expands to more than {limit} bytes after decompression (--max-bytes)")]
    ExpandsTooLarge { file: String, limit: u64 },
    #[error("{file}: not a recognised SBOM: {reason}")]
    UnknownFormat { file: String, reason: String },
    /// An SBOM, by its markers, in a form no reader here takes (SPDX RDF/XML, UTF-16 text).
    #[error("{file}: an SBOM in a form vendorscan does not read: {reason}")]
    Unsupported { file: String, reason: String },
    #[error("{file}:{place}: {message}")]
    Syntax {
        file: String,
        place: Place,
        message: String,
    },
    #[error("{file}:{place}: not a valid {what}: {message}")]
    Invalid {
        file: String,
        place: Place,
        what: &'static str,
        message: String,
    },
    #[error("{file}: gzip: {message}")]
    Decompress { file: String, message: String },
}

impl SbomError {
    /// Whether the input is not an SBOM at all (empty, or without any SBOM's markers), as
    /// opposed to an SBOM that is broken, unsupported, too large or unreadable. Only the former
    /// may be read as something else under auto-detection.
    pub fn is_not_an_sbom(&self) -> bool {
        matches!(self, SbomError::Empty { .. } | SbomError::UnknownFormat { .. })
    }

    /// The position of a byte offset in text, as 1-based line and column (column in characters).
    pub fn line_column(text: &[u8], offset: usize) -> Place {
        let upto = &text[..offset.min(text.len())];
        let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = upto.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&upto[line_start..]).chars().count() + 1;
        Place::LineColumn { line, column }
    }

    /// Invalid UTF-8 at the first bad byte, as line:column.
    pub fn invalid_utf8(file: &str, bytes: &[u8], err: std::str::Utf8Error) -> SbomError {
        SbomError::Syntax {
            file: file.to_string(),
            place: SbomError::line_column(bytes, err.valid_up_to()),
            message: match bytes.get(err.valid_up_to()) {
                Some(b) => format!("invalid UTF-8 (byte 0x{b:02x})"),
                None => "invalid UTF-8".to_string(),
            },
        }
    }
}
