//! lzop streams, read as they decode: the header lzop 1.04 writes (`lzop.c`, `p_lzo.c`), then
//! blocks of LZO1X data, each decoded by liblzo2's safe decoder through `lzallright` (the binding
//! the UBIFS and JFFS2 readers use; see ubifs.rs for why not a pure-Rust LZO crate).
//!
//! Header: the magic 89 4C 5A 4F 00 0D 0A 1A 0A; version, library version, (from 0x0940) the
//! version needed, all big-endian u16; method (1–3: LZO1X) and (from 0x0940) level; flags (u32);
//! a filter (u32) when flag 0x800 is set; mode, mtime, (from 0x0940) mtime high; the name (a
//! length byte and the bytes); the header's checksum (Adler-32, or CRC-32 with flag 0x1000); an
//! extra field when flag 0x40 is set. Each block: the decoded size (0 ends the stream), the
//! stored size, the checksums the flags ask for (of the decoded data: Adler-32 0x1, CRC-32
//! 0x100; of the compressed data, when the block is compressed: 0x2, 0x200), then the data —
//! stored as is when both sizes are equal. Every checksum present is checked.
//!
//! Bounds: a block's decoded size is at most lzop's 64 MiB, and at most 256 times its stored size
//! plus a little (LZO1X cannot expand more: a run longer than 255 costs a byte per 255), so a
//! declared size never allocates more than the data can fill; the stored bytes are read as they
//! come, never allocated from the declared size.

use std::io::{self, Read};

const MAGIC: [u8; 9] = [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a];
const MAX_BLOCK: u32 = 64 << 20;
const F_ADLER32_D: u32 = 0x1;
const F_ADLER32_C: u32 = 0x2;
const F_H_EXTRA_FIELD: u32 = 0x40;
const F_CRC32_D: u32 = 0x100;
const F_CRC32_C: u32 = 0x200;
const F_H_FILTER: u32 = 0x800;
const F_H_CRC32: u32 = 0x1000;

pub struct Decoder<R> {
    source: R,
    /// Bytes of `source` read so far (for messages).
    offset: u64,
    flags: Option<u32>,
    block: Vec<u8>,
    at: usize,
    done: bool,
}

fn adler32(data: &[u8]) -> u32 {
    let mut a = adler2::Adler32::new();
    a.write_slice(data);
    a.checksum()
}

impl<R: Read> Decoder<R> {
    pub fn new(source: R) -> Decoder<R> {
        Decoder {
            source,
            offset: 0,
            flags: None,
            block: Vec::new(),
            at: 0,
            done: false,
        }
    }

    fn corrupt(&self, what: String) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, format!("{what} (at byte {})", self.offset))
    }

    /// Exactly `n` bytes (n small, or bounded by the caller), appended to `into` when given.
    fn take(&mut self, n: u64, what: &str) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        (&mut self.source).take(n).read_to_end(&mut out)?;
        self.offset += out.len() as u64;
        if (out.len() as u64) < n {
            return Err(self.corrupt(format!("stream cut short inside {what}")));
        }
        Ok(out)
    }

    fn u32(&mut self, what: &str, seen: &mut Vec<u8>) -> io::Result<u32> {
        let b = self.take(4, what)?;
        seen.extend_from_slice(&b);
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn header(&mut self) -> io::Result<u32> {
        let magic = self.take(9, "the magic")?;
        if magic != MAGIC {
            return Err(self.corrupt("not an lzop stream: no lzop magic".into()));
        }
        // the checksummed part: from the version to the end of the name
        let mut h = Vec::new();
        let fixed = self.take(4, "the header")?;
        h.extend_from_slice(&fixed);
        let version = u16::from_be_bytes([fixed[0], fixed[1]]);
        if version >= 0x0940 {
            h.extend(self.take(2, "the header")?);
        }
        let method = self.take(1, "the header")?[0];
        h.push(method);
        if version >= 0x0940 {
            h.extend(self.take(1, "the header")?);
        }
        if !(1..=3).contains(&method) {
            return Err(self.corrupt(format!("method {method} is not LZO1X (1 to 3)")));
        }
        let flags = self.u32("the header", &mut h)?;
        if flags & F_H_FILTER != 0 {
            return Err(self.corrupt("uses a filter (flag 0x800), which lzop no longer writes".into()));
        }
        for _ in 0..if version >= 0x0940 { 3 } else { 2 } {
            self.u32("the header", &mut h)?; // mode, mtime (and its high half)
        }
        let len = self.take(1, "the name")?[0];
        h.push(len);
        h.extend(self.take(u64::from(len), "the name")?);
        let stored = self.u32("the header checksum", &mut Vec::new())?;
        let sum = if flags & F_H_CRC32 != 0 {
            crc32fast::hash(&h)
        } else {
            adler32(&h)
        };
        if sum != stored {
            return Err(self.corrupt(format!("header checksum {stored:#010x} does not match {sum:#010x}")));
        }
        if flags & F_H_EXTRA_FIELD != 0 {
            let mut extra = Vec::new();
            let len = self.u32("the extra field", &mut extra)?;
            extra.extend(self.take(u64::from(len), "the extra field")?);
            let stored = self.u32("the extra field checksum", &mut Vec::new())?;
            let sum = if flags & F_H_CRC32 != 0 {
                crc32fast::hash(&extra)
            } else {
                adler32(&extra)
            };
            if sum != stored {
                return Err(self.corrupt(format!(
                    "extra field checksum {stored:#010x} does not match {sum:#010x}"
                )));
            }
        }
        Ok(flags)
    }

    /// The next block into `self.block`; false at the end marker.
    fn next_block(&mut self, flags: u32) -> io::Result<bool> {
        let start = self.offset;
        let mut ignore = Vec::new();
        let dst_len = self.u32("a block header", &mut ignore)?;
        if dst_len == 0 {
            return Ok(false);
        }
        let src_len = self.u32("a block header", &mut ignore)?;
        if dst_len > MAX_BLOCK || src_len > dst_len || u64::from(dst_len) > u64::from(src_len) * 256 + 1024 {
            return Err(self.corrupt(format!(
                "block at byte {start}: sizes {src_len} stored, {dst_len} decoded are impossible"
            )));
        }
        let d_adler = (flags & F_ADLER32_D != 0)
            .then(|| self.u32("a block header", &mut ignore))
            .transpose()?;
        let d_crc = (flags & F_CRC32_D != 0)
            .then(|| self.u32("a block header", &mut ignore))
            .transpose()?;
        let packed = src_len < dst_len;
        let c_adler = (packed && flags & F_ADLER32_C != 0)
            .then(|| self.u32("a block header", &mut ignore))
            .transpose()?;
        let c_crc = (packed && flags & F_CRC32_C != 0)
            .then(|| self.u32("a block header", &mut ignore))
            .transpose()?;
        let data = self.take(u64::from(src_len), &format!("the block at byte {start}"))?;
        let check = |what: &str, stored: Option<u32>, sum: fn(&[u8]) -> u32, bytes: &[u8]| match stored {
            Some(s) if s != sum(bytes) => Err(format!(
                "block at byte {start}: {what} {s:#010x} does not match {:#010x}",
                sum(bytes)
            )),
            _ => Ok(()),
        };
        let checked = check("compressed Adler-32", c_adler, adler32, &data)
            .and_then(|()| check("compressed CRC-32", c_crc, crc32fast::hash, &data));
        checked.map_err(|m| self.corrupt(m))?;
        let block = if packed {
            let mut out = vec![0u8; dst_len as usize];
            match lzallright::decompress(&data, &mut out) {
                Ok(n) if n == out.len() => out,
                Ok(n) => {
                    return Err(self.corrupt(format!(
                        "block at byte {start}: LZO data decodes to {n} bytes, not {dst_len}"
                    )));
                }
                Err(e) => return Err(self.corrupt(format!("block at byte {start}: LZO data does not decode: {e:?}"))),
            }
        } else {
            data
        };
        let checked =
            check("Adler-32", d_adler, adler32, &block).and_then(|()| check("CRC-32", d_crc, crc32fast::hash, &block));
        checked.map_err(|m| self.corrupt(m))?;
        self.block = block;
        self.at = 0;
        Ok(true)
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let flags = match self.flags {
            Some(flags) => flags,
            None => {
                let flags = self.header()?;
                self.flags = Some(flags);
                flags
            }
        };
        while self.at == self.block.len() {
            if self.done {
                return Ok(0);
            }
            if !self.next_block(flags)? {
                self.done = true;
                return Ok(0);
            }
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Decoder::new(bytes).read_to_end(&mut out).map(|_| out)
    }

    #[test]
    fn bad_headers_are_errors_not_panics() {
        assert!(decode(b"").is_err());
        assert!(decode(&MAGIC).is_err());
        let mut h = MAGIC.to_vec();
        h.extend_from_slice(&[0x10, 0x30, 0x20, 0xa0, 0x09, 0x40, 7, 9]);
        let e = decode(&h).unwrap_err().to_string();
        assert!(e.contains("method 7"), "{e}");
    }
}
