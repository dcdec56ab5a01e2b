//! U-Boot legacy images: a 64-byte big-endian header (checked by its CRC) and one payload, which
//! the walker then detects (gzip, lzma, a device tree, a ramdisk…) like any other blob.

use super::super::carve::crc32;
use super::{Corrupt, Member, Visit};
use std::borrow::Cow;

/// What the header says, for the inventory.
pub struct Header {
    pub name: String,
    pub load_address: u32,
    pub entry_point: u32,
    pub os: &'static str,
    pub image_type: &'static str,
    pub compression: &'static str,
    pub size: usize,
}

pub fn header(bytes: &[u8]) -> Result<Header, Corrupt> {
    let h = bytes
        .get(..64)
        .ok_or_else(|| Corrupt("shorter than a uImage header".to_string()))?;
    let be32 = |at: usize| u32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
    let mut zeroed = h.to_vec();
    zeroed[4..8].fill(0);
    if crc32(&zeroed) != be32(4) {
        return Err(Corrupt("header checksum does not match".to_string()));
    }
    let name_bytes = &h[32..64];
    let end = name_bytes.iter().position(|&b| b == 0).unwrap_or(name_bytes.len());
    Ok(Header {
        name: String::from_utf8_lossy(&name_bytes[..end]).into_owned(),
        load_address: be32(16),
        entry_point: be32(20),
        os: match h[28] {
            5 => "linux",
            17 => "u-boot",
            _ => "other",
        },
        image_type: match h[30] {
            1 => "standalone",
            2 => "kernel",
            3 => "ramdisk",
            4 => "multi",
            5 => "firmware",
            6 => "script",
            7 => "filesystem",
            8 => "flat_dt",
            _ => "other",
        },
        compression: match h[31] {
            0 => "none",
            1 => "gzip",
            2 => "bzip2",
            3 => "lzma",
            4 => "lzo",
            5 => "lz4",
            6 => "zstd",
            _ => "unknown",
        },
        size: be32(12) as usize,
    })
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let h = header(bytes)?;
    let payload = bytes.get(64..64 + h.size).ok_or_else(|| {
        Corrupt(format!(
            "payload of {} bytes from byte 64 runs past the end of the image ({} bytes)",
            h.size,
            bytes.len()
        ))
    })?;
    let name = if h.name.is_empty() {
        b"payload".to_vec()
    } else {
        h.name.into_bytes()
    };
    let member = if payload.len() as u64 > limit {
        Member::TooBig {
            name,
            size: payload.len() as u64,
        }
    } else {
        Member::File {
            name,
            data: Cow::Borrowed(payload),
        }
    };
    let _ = visit(member);
    Ok(())
}
