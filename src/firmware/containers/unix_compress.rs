//! Unix `compress` (.Z) streams: LZW with 9- to 16-bit codes, read as they decode.
//!
//! An own reader, small and bounded (two fixed tables of 64 Ki entries, a string stack of at most
//! 64 KiB): no kept crate reads .Z. `weezl` decodes the LZW of GIF and TIFF, but not compress's
//! variant: compress packs codes in groups of eight and, when the code width grows or the table is
//! cleared (code 256 in block mode), skips the rest of the group, and it starts at 9 bits with no
//! end code — weezl has no mode for either. Layout as ncompress writes it (`compress42.c`): the
//! magic 1F 9D, a flag byte (bits 0–4 the largest code width, 9–16; bit 7 block mode; bits 5–6
//! reserved, zero), then the codes, least significant bit first.
//!
//! A .Z stream has no length and no checksum; damage shows only as an impossible code, or as a
//! stream that stops inside a code (a cut), both reported as errors with the byte where it broke.

use std::io::{self, Read};

const CLEAR: usize = 256;

pub struct Decoder<R> {
    source: R,
    /// Bits read from `source` and not yet used, least significant first.
    bits: u64,
    nbits: u32,
    /// Bytes of `source` read so far (for messages).
    offset: u64,
    started: bool,
    block_mode: bool,
    max_bits: u32,
    width: u32,
    /// The last code the current width holds before it grows (ncompress's `maxcode`).
    max_code: usize,
    /// Codes read at the current width since it was set (the groups of eight compress aligns to).
    in_group: u32,
    free: usize,
    old: Option<usize>,
    last: u8,
    prefix: Vec<u16>,
    suffix: Vec<u8>,
    /// The string of the last code, reversed; handed out from the end.
    pending: Vec<u8>,
    done: bool,
    /// An error met after some bytes were handed out, returned on the next read.
    stored: Option<io::Error>,
}

impl<R: Read> Decoder<R> {
    pub fn new(source: R) -> Decoder<R> {
        Decoder {
            source,
            bits: 0,
            nbits: 0,
            offset: 0,
            started: false,
            block_mode: false,
            max_bits: 16,
            width: 9,
            max_code: 511,
            in_group: 0,
            free: 256,
            old: None,
            last: 0,
            prefix: vec![0; 1 << 16],
            suffix: vec![0; 1 << 16],
            pending: Vec::new(),
            done: false,
            stored: None,
        }
    }

    fn corrupt(&self, what: &str) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, format!("{what} at byte {}", self.offset))
    }

    /// Fills the bit buffer to at least `want` bits; false when the source ends first.
    fn fill(&mut self, want: u32) -> io::Result<bool> {
        while self.nbits < want {
            let mut byte = [0u8; 1];
            match self.source.read(&mut byte) {
                Ok(0) => return Ok(false),
                Ok(_) => {
                    self.bits |= u64::from(byte[0]) << self.nbits;
                    self.nbits += 8;
                    self.offset += 1;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    fn header(&mut self) -> io::Result<()> {
        let mut head = [0u8; 3];
        self.source
            .read_exact(&mut head)
            .map_err(|_| self.corrupt("stream ends inside the header"))?;
        self.offset = 3;
        if head[..2] != [0x1f, 0x9d] {
            return Err(self.corrupt("not a compress (.Z) stream: no 1F 9D magic"));
        }
        self.max_bits = u32::from(head[2] & 0x1f);
        self.block_mode = head[2] & 0x80 != 0;
        if !(9..=16).contains(&self.max_bits) || head[2] & 0x60 != 0 {
            return Err(self.corrupt(&format!(
                "flag byte {:#04x}: not 9 to 16 bits, or reserved bits set",
                head[2]
            )));
        }
        self.free = if self.block_mode { 257 } else { 256 };
        self.max_code = self.grown_max();
        self.started = true;
        Ok(())
    }

    /// ncompress's `maxcode` for the current width: at the largest width, the table's end.
    fn grown_max(&self) -> usize {
        if self.width == self.max_bits {
            1 << self.max_bits
        } else {
            (1 << self.width) - 1
        }
    }

    /// Drops the rest of the current group of eight codes (what compress does when the width
    /// changes or the table is cleared).
    fn align(&mut self) -> io::Result<()> {
        let skip = (8 - self.in_group % 8) % 8 * self.width;
        self.in_group = 0;
        let mut left = skip;
        while left > 0 {
            let step = left.min(32);
            if !self.fill(step)? {
                self.bits = 0;
                self.nbits = 0;
                return Ok(());
            }
            self.bits >>= step;
            self.nbits -= step;
            left -= step;
        }
        Ok(())
    }

    /// Decodes the next code into `pending`; false at the end of the stream.
    fn next(&mut self) -> io::Result<bool> {
        loop {
            // as ncompress's decoder does, quirk kept: after a clear the limit is 511 even when 9
            // is the largest width, so a 9-bit stream would grow to 10 bits there (ncompress
            // 4.2.4 cannot read its own `-b 9` output either); the width never passes 16
            if self.free > self.max_code {
                self.align()?;
                self.width += 1;
                self.max_code = self.grown_max();
            }
            if !self.fill(self.width)? {
                // compress pads the last code to a byte; a whole byte or more left is a cut
                if self.nbits >= 8 {
                    return Err(self.corrupt("stream ends inside a code (cut short)"));
                }
                return Ok(false);
            }
            let code = (self.bits & ((1 << self.width) - 1)) as usize;
            self.bits >>= self.width;
            self.nbits -= self.width;
            self.in_group += 1;
            if code == CLEAR && self.block_mode {
                self.align()?;
                self.width = 9;
                self.max_code = 511;
                self.free = 256;
                continue;
            }
            let Some(old) = self.old else {
                if code > 255 {
                    return Err(self.corrupt(&format!("first code {code} is not a byte")));
                }
                self.old = Some(code);
                self.last = code as u8;
                self.pending.push(code as u8);
                return Ok(true);
            };
            let mut at = code;
            if code >= self.free {
                if code > self.free {
                    return Err(self.corrupt(&format!("code {code} is past the table's end ({})", self.free)));
                }
                self.pending.push(self.last);
                at = old;
            }
            while at > 255 {
                self.pending.push(self.suffix[at]);
                at = usize::from(self.prefix[at]);
            }
            self.last = at as u8;
            self.pending.push(self.last);
            if self.free < 1 << self.max_bits {
                self.prefix[self.free] = old as u16;
                self.suffix[self.free] = self.last;
                self.free += 1;
            }
            self.old = Some(code);
            return Ok(true);
        }
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.started {
            self.header()?;
        }
        let mut n = 0;
        while n < buf.len() {
            if let Some(byte) = self.pending.pop() {
                buf[n] = byte;
                n += 1;
                continue;
            }
            if self.done {
                break;
            }
            match self.next() {
                Ok(true) => {}
                Ok(false) => self.done = true,
                // what decoded before the damage is handed out first
                Err(e) if n > 0 => {
                    self.done = true;
                    self.pending.clear();
                    self.stored = Some(e);
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if n == 0 {
            if let Some(e) = self.stored.take() {
                return Err(e);
            }
        }
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
    fn reads_what_ncompress_wrote() {
        // `printf 'TOBEORNOTTOBEORTOBEORNOT\n' | compress -c`
        let z = [
            0x1f, 0x9d, 0x90, 0x54, 0x9e, 0x08, 0x29, 0xf2, 0x44, 0x8a, 0x93, 0x27, 0x54, 0x02, 0x0e, 0x2c, 0xa8, 0x90,
            0xa0, 0x41, 0x84, 0x0a, 0x00,
        ];
        assert_eq!(decode(&z).unwrap(), b"TOBEORNOTTOBEORTOBEORNOT\n");
    }

    #[test]
    fn bad_headers_and_codes_are_errors_not_panics() {
        assert!(decode(b"\x1f\x9d").is_err());
        assert!(decode(b"\x1f\x9d\x88abc").is_err(), "8 bits");
        assert!(decode(b"\x1f\x9d\xf0abc").is_err(), "reserved bits");
        // a first code of 0x1ff (not a byte)
        assert!(decode(b"\x1f\x9d\x90\xff\x01").is_err());
    }
}
