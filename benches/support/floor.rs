//! The work floor of a walk (issue 11): decoding every compressed stream the walk decodes and
//! SHA-256 of every byte it hashes — each file, each decoded stream, each archive member — with
//! files spread over the cores by rayon and the same crates the walker uses (flate2 with
//! zlib-rs, liblzma, sha2, tar). No detection beyond the magic numbers, no analysis, no
//! inventory: what any tool that looks inside the same containers must at least do.
//!
//! The Debian rootfs holds gzip files, `.deb` packages (`ar` archives of `control.tar.xz` and
//! `data.tar.xz`) and the tars inside them; those are the kinds recursed into here.

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::hint::black_box;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// What one pass did: bytes hashed and bytes decoded.
#[derive(Default)]
pub struct Work {
    pub hashed: AtomicU64,
    pub decoded: AtomicU64,
}

fn decode(reader: impl Read, work: &Work) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let ok = { reader }.read_to_end(&mut out).is_ok();
    work.decoded.fetch_add(out.len() as u64, Ordering::Relaxed);
    (ok || !out.is_empty()).then_some(out)
}

/// Hashes `bytes`, then decodes or unpacks it when it is a gzip or xz stream, an `ar` archive or a
/// tar, and does the same to what comes out.
fn blob(bytes: &[u8], work: &Work) {
    black_box(Sha256::digest(bytes));
    work.hashed.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    if bytes.starts_with(&[0x1f, 0x8b]) {
        if let Some(out) = decode(flate2::read::MultiGzDecoder::new(bytes), work) {
            blob(&out, work);
        }
    } else if bytes.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        if let Some(out) = decode(liblzma::read::XzDecoder::new_multi_decoder(bytes), work) {
            blob(&out, work);
        }
    } else if bytes.starts_with(b"!<arch>\n") {
        let mut archive = ar::Archive::new(bytes);
        while let Some(Ok(mut member)) = archive.next_entry() {
            let mut data = Vec::new();
            if member.read_to_end(&mut data).is_ok() {
                blob(&data, work);
            }
        }
    } else if bytes.get(257..262) == Some(b"ustar") {
        let mut archive = tar::Archive::new(bytes);
        let Ok(entries) = archive.entries() else { return };
        for mut entry in entries.map_while(Result::ok) {
            if entry.header().entry_type().is_file() {
                let mut data = Vec::new();
                if entry.read_to_end(&mut data).is_ok() {
                    blob(&data, work);
                }
            }
        }
    }
}

/// The floor over `files`, in parallel.
pub fn run(files: &[PathBuf]) -> Work {
    let work = Work::default();
    files.par_iter().for_each(|f| blob(&std::fs::read(f).unwrap(), &work));
    work
}
