//! Partitioned disk images: GPT and MBR partition tables, each partition handed over as a member
//! (`disk.img!/p1`, `disk.img!/p2`, …) for the walker to detect (a FAT EFI system partition, an
//! ext4 root, a SquashFS…). Both tables are fixed binary layouts; no crate is needed to read them.

use super::{Corrupt, Member, Visit};
use std::borrow::Cow;
use std::ops::ControlFlow;

const SECTOR: u64 = 512;

/// True for a DOS/MBR partition table: the boot signature and at least one plausible entry that
/// starts inside the blob, and not a FAT boot sector (which also ends in 55 AA). Partitions may
/// run or lie past the end — a truncated disk is still a disk, and the reader reports the cut.
pub fn is_mbr(b: &[u8]) -> bool {
    if b.get(510..512) != Some(b"\x55\xaa") || b.get(54..57) == Some(b"FAT") || b.get(82..87) == Some(b"FAT32") {
        return false;
    }
    let entries = mbr_entries(b);
    entries
        .iter()
        .any(|&(start, _)| start.saturating_mul(SECTOR) < b.len() as u64)
}

/// (first sector, sectors) of each used primary entry with a valid status byte.
fn mbr_entries(b: &[u8]) -> Vec<(u64, u64)> {
    (0..4)
        .filter_map(|i| {
            let e = b.get(446 + i * 16..446 + (i + 1) * 16)?;
            let le32 = |at: usize| u64::from(u32::from_le_bytes([e[at], e[at + 1], e[at + 2], e[at + 3]]));
            let (status, kind, start, len) = (e[0], e[4], le32(8), le32(12));
            (matches!(status, 0x00 | 0x80) && kind != 0 && start > 0 && len > 0).then_some((start, len))
        })
        .collect()
}

/// (first sector, sectors) of each used GPT entry (header at LBA 1, entries where it says).
fn gpt_entries(b: &[u8]) -> Result<Vec<(u64, u64)>, Corrupt> {
    let h = b
        .get(512..512 + 92)
        .ok_or_else(|| Corrupt("GPT header cut short".to_string()))?;
    let le32 = |at: usize| u64::from(u32::from_le_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]));
    let le64 = |at: usize| u64::from_le_bytes(h[at..at + 8].try_into().unwrap_or([0; 8]));
    let (entries_lba, count, size) = (le64(72), le32(80), le32(84));
    if !(128..=4096).contains(&size) || count > 1024 {
        return Err(Corrupt(format!("GPT header: {count} entries of {size} bytes")));
    }
    let mut out = Vec::new();
    for i in 0..count {
        let entry = entries_lba
            .checked_mul(SECTOR)
            .and_then(|base| base.checked_add(i * size))
            .and_then(|at| usize::try_from(at).ok())
            .and_then(|at| b.get(at..at.checked_add(size as usize)?));
        let Some(e) = entry else {
            return Err(Corrupt(format!("GPT entry {i} lies past the end")));
        };
        if e[..16].iter().all(|&x| x == 0) {
            continue; // unused entry
        }
        let first = u64::from_le_bytes(e[32..40].try_into().unwrap_or([0; 8]));
        let last = u64::from_le_bytes(e[40..48].try_into().unwrap_or([0; 8]));
        // an entry ending before it starts is kept, and reported when it is read
        out.push((first, (last + 1).saturating_sub(first)));
    }
    Ok(out)
}

/// MBR entries that are in use (a type set) yet not sound: reported, not silently dropped.
fn broken_mbr_entries(b: &[u8]) -> Vec<(usize, String)> {
    (0..4)
        .filter_map(|i| {
            let e = b.get(446 + i * 16..446 + (i + 1) * 16)?;
            let le32 = |at: usize| u32::from_le_bytes([e[at], e[at + 1], e[at + 2], e[at + 3]]);
            let (status, kind, start, len) = (e[0], e[4], le32(8), le32(12));
            let why = if kind == 0 {
                return None;
            } else if !matches!(status, 0x00 | 0x80) {
                format!("status byte 0x{status:02x} is neither 0x00 nor 0x80")
            } else if start == 0 || len == 0 {
                format!("starts at sector {start} with {len} sectors")
            } else {
                return None;
            };
            Some((
                i,
                format!("partition table entry {} (byte {}): {why}", i + 1, 446 + i * 16),
            ))
        })
        .collect()
}

pub fn read<'a>(bytes: &'a [u8], gpt: bool, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let entries = if gpt { gpt_entries(bytes)? } else { mbr_entries(bytes) };
    if !gpt {
        for (i, message) in broken_mbr_entries(bytes) {
            let name = format!("entry{}", i + 1).into_bytes();
            if visit(Member::Damaged { name, message }) == ControlFlow::Break(()) {
                return Ok(());
            }
        }
    }
    for (n, (start, len)) in entries.into_iter().enumerate() {
        let name = format!("p{}", n + 1).into_bytes();
        if len == 0 {
            let message = "GPT entry ends before it starts".to_string();
            if visit(Member::Damaged { name, message }) == ControlFlow::Break(()) {
                break;
            }
            continue;
        }
        let range = start
            .checked_mul(SECTOR)
            .zip(len.checked_mul(SECTOR))
            .and_then(|(from, size)| Some((usize::try_from(from).ok()?, usize::try_from(size).ok()?)))
            .and_then(|(from, size)| bytes.get(from..from.checked_add(size)?));
        let member = match range {
            Some(data) if data.len() as u64 > limit => Member::TooBig {
                name,
                size: data.len() as u64,
            },
            Some(data) => Member::File {
                name,
                data: Cow::Borrowed(data),
            },
            // the partition's own damage (a truncated disk): the others are still read
            None => Member::Damaged {
                name,
                message: format!(
                    "partition of {len} sectors from sector {start} lies past the end of the disk ({} bytes)",
                    bytes.len()
                ),
            },
        };
        if visit(member) == ControlFlow::Break(()) {
            break;
        }
    }
    Ok(())
}
