//! A reader that measures what passes through it: the walker's view of a stream it does not
//! hold (a `tar.gz` as it decodes, an image file as it is read).

use super::digest::{Digests, StreamDigest};
use std::io::{self, Read};

/// Reads through to `inner`, hashing and counting every byte that passes; past `limit` bytes it
/// fails instead (and says so in `over`). A failure of `inner` is kept in `failed`, so the walker
/// can tell a broken stream from a broken archive inside it.
pub struct Meter<R> {
    inner: R,
    digest: StreamDigest,
    pub len: u64,
    pub limit: u64,
    pub over: bool,
    pub failed: Option<String>,
}

impl<R: Read> Meter<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        Meter {
            inner,
            digest: StreamDigest::default(),
            len: 0,
            limit,
            over: false,
            failed: None,
        }
    }

    /// Takes SHA-1 as well as SHA-256 (of a container that is a file; see `digest`). Before
    /// any byte is read.
    pub fn with_sha1(mut self) -> Self {
        self.digest = StreamDigest::new(true);
        self
    }

    /// Reads what is left, so that the hash and length cover the whole stream (an archive's
    /// reader stops at its end marker, before the padding).
    pub fn drain(&mut self) {
        let mut buf = [0u8; 16 << 10];
        loop {
            match self.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }

    /// The SHA-256 of what passed.
    pub fn sha256(self) -> String {
        self.digest.finish().sha256
    }

    /// The SHA-256, and SHA-1 when it was asked for, of what passed.
    pub fn digests(self) -> Digests {
        self.digest.finish()
    }
}

impl<R: Read> Read for Meter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let over = || io::Error::other("stream exceeds its limit");
        if self.over {
            return Err(over());
        }
        if let Some(message) = &self.failed {
            return Err(io::Error::other(message.clone()));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let room = self.limit - self.len;
        // at the limit, one byte more is asked for, to tell the end from an overrun
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX)).max(1);
        match self.inner.read(&mut buf[..want]) {
            Ok(0) => Ok(0),
            Ok(_) if room == 0 => {
                self.over = true;
                Err(over())
            }
            Ok(n) => {
                self.digest.update(&buf[..n]);
                self.len += n as u64;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.failed = Some(e.to_string());
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::walk::digest::sha256_hex;

    #[test]
    fn the_meter_hashes_counts_and_stops_at_its_limit() {
        let data = [5u8; 1000];
        let mut meter = Meter::new(&data[..], 1000);
        meter.drain();
        assert_eq!((meter.len, meter.over), (1000, false));
        assert_eq!(meter.sha256(), sha256_hex(&data));
        let mut meter = Meter::new(&data[..], 999);
        meter.drain();
        assert_eq!((meter.len, meter.over), (999, true));
    }
}
