//! SHA-256 as the walker takes it: of bytes in hand, of a whole file through positioned reads,
//! and of a stream as it passes — on a thread of its own once the stream is long, so that the
//! thread decoding an image (the walk's critical path) does not also hash every byte of it.
//! Where a container is itself a file (a `.deb` in a directory, a `.zip` member of an archive),
//! SHA-1 is taken in the same pass: an SBOM lists that file, and SPDX requires a SHA-1 of every
//! file it lists (regular files get theirs from the `sha1` analyser, which sees their bytes).

use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Bytes of a stream hashed where they pass before hashing moves to a thread of its own: short
/// streams (most nested ones) are not worth a thread.
const OFFLOAD_AFTER: u64 = 4 << 20;
/// Bytes handed to that thread at a time, and how many such chunks may wait for it.
const CHUNK: usize = 1 << 20;
const CHUNKS_WAITING: usize = 4;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of everything `reader` yields, as lower-case hex (a file checked against the results
/// cache, an image layer's blob against its digest).
pub fn sha256_of(mut reader: impl io::Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(hex(&hasher.finalize())),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

pub fn sha1_hex(bytes: &[u8]) -> String {
    hex(&Sha1::digest(bytes))
}

/// SHA-256, and SHA-1 when asked for, fed together.
#[derive(Clone)]
struct Hashers {
    sha256: Sha256,
    sha1: Option<Sha1>,
}

impl Hashers {
    fn new(sha1: bool) -> Hashers {
        Hashers {
            sha256: Sha256::new(),
            sha1: sha1.then(Sha1::new),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        if let Some(h) = &mut self.sha1 {
            h.update(bytes);
        }
    }

    fn finish(self) -> Digests {
        Digests {
            sha256: hex(&self.sha256.finalize()),
            sha1: self.sha1.map(|h| hex(&h.finalize())),
        }
    }
}

/// What a stream or file hashed to, as lower-case hex.
pub struct Digests {
    pub sha256: String,
    /// Present when it was asked for.
    pub sha1: Option<String>,
}

pub fn hex(digest: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(digest.len() * 2);
    for &b in digest {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// SHA-256 (and SHA-1 when `sha1`) and length of a whole file, through positioned reads (so it
/// can run beside a reader of the same file).
pub fn hash_file(file: &File, sha1: bool) -> io::Result<(Digests, u64)> {
    use std::os::unix::fs::FileExt;
    let mut hashers = Hashers::new(sha1);
    let mut buf = vec![0u8; 1 << 20];
    let mut at = 0u64;
    loop {
        match file.read_at(&mut buf, at) {
            Ok(0) => return Ok((hashers.finish(), at)),
            Ok(n) => {
                hashers.update(&buf[..n]);
                at += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// SHA-256 (and SHA-1 when asked for) of a stream fed piece by piece.
pub struct StreamDigest {
    state: State,
    fed: u64,
}

enum State {
    Here(Hashers),
    /// Hashed by `thread`, fed chunks through `to`; emptied chunks come back through `back`.
    Away {
        chunk: Vec<u8>,
        to: SyncSender<Vec<u8>>,
        back: Receiver<Vec<u8>>,
        thread: JoinHandle<Hashers>,
    },
}

impl Default for StreamDigest {
    fn default() -> Self {
        StreamDigest::new(false)
    }
}

impl StreamDigest {
    /// A digest of SHA-256, and of SHA-1 too when `sha1`.
    pub fn new(sha1: bool) -> StreamDigest {
        StreamDigest {
            state: State::Here(Hashers::new(sha1)),
            fed: 0,
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.fed += bytes.len() as u64;
        match &mut self.state {
            State::Here(hasher) => {
                hasher.update(bytes);
                if self.fed > OFFLOAD_AFTER {
                    self.offload();
                }
            }
            State::Away { chunk, to, back, .. } => {
                let mut rest = bytes;
                while !rest.is_empty() {
                    let take = (CHUNK - chunk.len()).min(rest.len());
                    chunk.extend_from_slice(&rest[..take]);
                    rest = &rest[take..];
                    if chunk.len() == CHUNK {
                        let next = back.try_recv().unwrap_or_else(|_| Vec::with_capacity(CHUNK));
                        // a send fails only if the thread died; `finish` reports that
                        let _ = to.send(std::mem::replace(chunk, next));
                    }
                }
            }
        }
    }

    /// Moves hashing to a thread of its own; stays here if no thread can be started.
    fn offload(&mut self) {
        let State::Here(hasher) = &self.state else { return };
        let mut hasher = hasher.clone();
        let (to, chunks) = mpsc::sync_channel::<Vec<u8>>(CHUNKS_WAITING);
        let (give_back, back) = mpsc::channel();
        let spawned = std::thread::Builder::new().name("digest".to_string()).spawn(move || {
            for mut chunk in chunks {
                hasher.update(&chunk);
                chunk.clear();
                let _ = give_back.send(chunk);
            }
            hasher
        });
        if let Ok(thread) = spawned {
            self.state = State::Away {
                chunk: Vec::with_capacity(CHUNK),
                to,
                back,
                thread,
            };
        }
    }

    pub fn finish(self) -> Digests {
        match self.state {
            State::Here(hasher) => hasher.finish(),
            State::Away { chunk, to, thread, .. } => {
                let _ = to.send(chunk);
                drop(to);
                match thread.join() {
                    Ok(hasher) => hasher.finish(),
                    // the hashing thread panicked: a bug, not something the input can cause
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[test]
    fn a_long_stream_hashed_away_matches_one_hashed_here() {
        let data: Vec<u8> = (0..3 * OFFLOAD_AFTER as usize + 12345)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let mut digest = StreamDigest::new(true);
        for piece in data.chunks(100_003) {
            digest.update(piece);
        }
        assert!(matches!(digest.state, State::Away { .. }));
        let d = digest.finish();
        assert_eq!(d.sha256, sha256_hex(&data));
        assert_eq!(d.sha1, Some(sha1_hex(&data)));
        let mut short = StreamDigest::default();
        short.update(b"abc");
        assert!(matches!(short.state, State::Here(_)));
        let d = short.finish();
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.sha1, None);
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(sha256_of(&data[..]).unwrap(), sha256_hex(&data));
    }
}
