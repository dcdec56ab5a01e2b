//! UBI images (NAND flash of cameras, NVRs and routers; `ubinize` output or a raw dump of a UBI
//! partition): physical erase blocks (PEBs), each with an erase-counter header (`UBI#`) and, when
//! mapped, a volume-identifier header (`UBI!`) naming the volume and logical erase block (LEB) it
//! holds. The layout volume's LEB holds the volume table; every other volume is a member, named by
//! its name in that table (`rootfs`), its LEBs put in order by number — for a LEB found in two
//! PEBs (a copy interrupted by a power cut, wear-levelling) the one with the higher sequence
//! number wins unless its data CRC is wrong. A static volume is its LEBs' `data_size` bytes each
//! (checked against their data CRCs); a dynamic one is whole LEBs up to the last one mapped,
//! unmapped ones read as erased (0xff), as the kernel reads them.
//!
//! The PEB size is not stored: it is the distance from the first erase-counter header to the next
//! sound one (a one-PEB image is its own size), checked against the headers' VID header and data
//! offsets. Every header's CRC is checked; a bad one is damage with its offset (the PEB is not
//! used) while the rest is read. Bytes after the last UBI PEB (the rest of a flash dump) are not
//! UBI's and are left alone.
//!
//! An own reader: no Rust crate reads UBI. Volumes are assembled only up to the member limit, and
//! a LEB number must be below the number of PEBs in the image (UBI reserves no more), so nothing
//! is allocated beyond what the image holds.

use super::ubifs::Problems;
use super::{Corrupt, Member, Visit};
use crate::firmware::carve::crc32_raw;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::ControlFlow;

const EC_MAGIC: &[u8] = b"UBI#";
const VID_MAGIC: &[u8] = b"UBI!";
const HEADER: usize = 64;
const LAYOUT_VOLUME: u32 = 0x7fff_efff;
/// A volume table record: reserved PEBs, alignment, data pad, type, update marker, name length,
/// name (128 bytes), flags, padding, CRC.
const VTBL_RECORD: usize = 172;
const MAX_VOLUMES: usize = 128;
const STATIC: u8 = 2;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// A sound erase-counter header at `at`: its VID header and data offsets.
fn ec_header(bytes: &[u8], at: usize) -> Result<(usize, usize), Option<String>> {
    let Some(h) = bytes.get(at..at + HEADER) else {
        return Err(None);
    };
    if &h[..4] != EC_MAGIC {
        return Err(None);
    }
    if crc32_raw(!0, &h[..60]) != be32(h, 60).unwrap_or(0) {
        return Err(Some(format!("erase-counter header at 0x{at:x}: bad CRC")));
    }
    let vid = be32(h, 16).unwrap_or(0) as usize;
    let data = be32(h, 20).unwrap_or(0) as usize;
    Ok((vid, data))
}

/// One mapped PEB's VID header.
#[derive(Debug, Clone)]
struct Leb {
    peb: usize,
    vol_type: u8,
    copy: bool,
    lnum: u32,
    data_size: u32,
    used_ebs: u32,
    data_crc: u32,
    sqnum: u64,
}

/// A volume table record.
struct VolumeInfo {
    name: Vec<u8>,
    static_: bool,
    reserved: u32,
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    // the first sound erase-counter header gives the geometry (the one at 0 may be the damaged one)
    let finder = memchr::memmem::Finder::new(EC_MAGIC);
    let Some((first, (vid_offset, data_offset))) = finder
        .find_iter(bytes)
        .find_map(|at| ec_header(bytes, at).ok().map(|h| (at, h)))
    else {
        return Err(Corrupt("no sound erase-counter header".to_string()));
    };
    if !(HEADER..=1 << 20).contains(&vid_offset) || data_offset < vid_offset + HEADER || data_offset > 1 << 24 {
        return Err(Corrupt(format!(
            "erase-counter header at 0x{first:x}: VID header offset {vid_offset} and data offset {data_offset} do not fit"
        )));
    }
    let peb = peb_size(bytes, first, vid_offset, data_offset);
    if peb <= data_offset {
        return Err(Corrupt(format!(
            "PEB size {peb} leaves no room for data after offset {data_offset}"
        )));
    }
    let leb_size = peb - data_offset;
    let mut problems = Problems::default();
    // every mapped PEB, by volume, then LEB number
    let mut volumes: BTreeMap<u32, BTreeMap<u32, Vec<Leb>>> = BTreeMap::new();
    // where PEB 0 starts: the image's start, unless the first sound header says otherwise
    let origin = first % peb;
    let pebs = (bytes.len() - origin).div_ceil(peb);
    for i in 0..pebs {
        let at = origin + i * peb;
        match ec_header(bytes, at) {
            Ok(_) => {}
            Err(Some(why)) => problems.note(why),
            // erased (0xff), or not UBI's: the end of the UBI area, unless UBI PEBs follow
            Err(None) => {}
        }
        let v = at + vid_offset;
        let Some(h) = bytes.get(v..v + HEADER) else { continue };
        if &h[..4] != VID_MAGIC {
            continue;
        }
        if crc32_raw(!0, &h[..60]) != be32(h, 60).unwrap_or(0) {
            problems.note(format!(
                "volume header at 0x{v:x} (PEB {i}): bad CRC; the PEB is not used"
            ));
            continue;
        }
        let leb = Leb {
            peb: i,
            vol_type: h[5],
            copy: h[6] != 0,
            lnum: be32(h, 12).unwrap_or(0),
            data_size: be32(h, 20).unwrap_or(0),
            used_ebs: be32(h, 24).unwrap_or(0),
            data_crc: be32(h, 32).unwrap_or(0),
            sqnum: be64(h, 40).unwrap_or(0),
        };
        let vol_id = be32(h, 8).unwrap_or(0);
        if leb.lnum as usize >= pebs {
            problems.note(format!(
                "volume header at 0x{v:x}: LEB {} of volume {vol_id} is beyond the image's {pebs} PEBs",
                leb.lnum
            ));
            continue;
        }
        volumes
            .entry(vol_id)
            .or_default()
            .entry(leb.lnum)
            .or_default()
            .push(leb);
    }
    let layout = volumes.remove(&LAYOUT_VOLUME);
    let table = match &layout {
        Some(lebs) => volume_table(bytes, lebs, (origin, peb), data_offset, leb_size, &mut problems),
        None => {
            problems.note("no layout volume: the volumes are named by their numbers".to_string());
            BTreeMap::new()
        }
    };
    // the volumes and the layout volume's two PEBs must fit the image: fewer PEBs is a cut dump
    let reserved: u64 = table.values().map(|v| u64::from(v.reserved)).sum::<u64>() + 2;
    if (pebs as u64) < reserved {
        problems.note(format!(
            "the volume table reserves {reserved} PEBs of {peb} bytes, the image holds {pebs}: it is cut short"
        ));
    }
    for (id, info) in &table {
        if info.static_ && !volumes.contains_key(id) {
            let name = String::from_utf8_lossy(&info.name);
            problems.note(format!("static volume {id} ({name}): none of its LEBs is in the image"));
        }
    }
    let reader = Reader {
        bytes,
        origin,
        peb,
        data_offset,
        leb_size,
    };
    for (id, lebs) in &volumes {
        let info = table.get(id);
        let name = info.map_or_else(|| format!("volume-{id}").into_bytes(), |i| i.name.clone());
        let is_static = info.map_or_else(
            || lebs.values().flatten().next().is_some_and(|l| l.vol_type == STATIC),
            |i| i.static_,
        );
        if hand_over(reader.volume(lebs, is_static, pebs, limit), name, visit).is_break() {
            return Ok(());
        }
    }
    problems.finish()
}

/// Hands an assembled volume to the walker: its damage first, then its bytes.
fn hand_over<'a>(volume: Assembled, name: Vec<u8>, visit: &mut Visit<'_, 'a>) -> ControlFlow<()> {
    match volume {
        Assembled::Data(data, damage) => {
            if let Some(message) = damage {
                visit(Member::Damaged {
                    name: name.clone(),
                    message,
                })?;
            }
            visit(Member::File {
                name,
                data: Cow::Owned(data),
            })
        }
        Assembled::TooBig(size) => visit(Member::TooBig { name, size }),
        Assembled::Damaged(message) => visit(Member::Damaged { name, message }),
    }
}

/// The PEB size: the distance from the first sound erase-counter header (at `first`) to the next
/// one with the same offsets, 512-byte aligned (or the rest of the image, when there is none).
fn peb_size(bytes: &[u8], first: usize, vid_offset: usize, data_offset: usize) -> usize {
    let finder = memchr::memmem::Finder::new(EC_MAGIC);
    let mut from = first + data_offset;
    while let Some(found) = bytes.get(from..).and_then(|rest| finder.find(rest)) {
        let at = from + found;
        if (at - first).is_multiple_of(512) && ec_header(bytes, at) == Ok((vid_offset, data_offset)) {
            return at - first;
        }
        from = at + 1;
    }
    bytes.len() - first
}

/// The volume table: the layout volume's LEB 0, or its copy in LEB 1 when LEB 0 is damaged.
fn volume_table(
    bytes: &[u8],
    lebs: &BTreeMap<u32, Vec<Leb>>,
    (origin, peb): (usize, usize),
    data_offset: usize,
    leb_size: usize,
    problems: &mut Problems,
) -> BTreeMap<u32, VolumeInfo> {
    let mut first_damage = None;
    for copy in [0u32, 1] {
        let Some(leb) = lebs.get(&copy).and_then(|l| l.iter().max_by_key(|l| l.sqnum)) else {
            continue;
        };
        let start = origin + leb.peb * peb + data_offset;
        let Some(data) = bytes.get(start..(start + leb_size).min(bytes.len())) else {
            continue;
        };
        let mut table = BTreeMap::new();
        let mut bad = None;
        for (id, rec) in data.chunks_exact(VTBL_RECORD).take(MAX_VOLUMES).enumerate() {
            if crc32_raw(!0, &rec[..168]) != be32(rec, 168).unwrap_or(0) {
                bad.get_or_insert(format!(
                    "volume table record {id} at 0x{:x}: bad CRC",
                    start + id * VTBL_RECORD
                ));
                continue;
            }
            let reserved = be32(rec, 0).unwrap_or(0);
            if reserved == 0 {
                continue;
            }
            let name_len = usize::from(u16::from_be_bytes([rec[14], rec[15]])).min(127);
            table.insert(
                id as u32,
                VolumeInfo {
                    name: rec[16..16 + name_len].to_vec(),
                    static_: rec[12] == STATIC,
                    reserved,
                },
            );
        }
        match bad {
            None => return table,
            Some(why) => {
                first_damage.get_or_insert(why);
                if copy == 1 || !lebs.contains_key(&1) {
                    if let Some(why) = first_damage.take() {
                        problems.note(why);
                    }
                    return table;
                }
            }
        }
    }
    if let Some(why) = first_damage {
        problems.note(why);
    }
    BTreeMap::new()
}

enum Assembled {
    /// The volume's bytes, and what was wrong with them (a LEB missing or with a bad CRC: read
    /// as it is, or as erased).
    Data(Vec<u8>, Option<String>),
    TooBig(u64),
    Damaged(String),
}

struct Reader<'a> {
    bytes: &'a [u8],
    /// Where PEB 0 starts.
    origin: usize,
    peb: usize,
    data_offset: usize,
    leb_size: usize,
}

impl Reader<'_> {
    /// A LEB's data area in the image (cut short where the image ends).
    fn area(&self, leb: &Leb) -> &[u8] {
        let start = self.origin + leb.peb * self.peb + self.data_offset;
        self.bytes
            .get(start..(start + self.leb_size).min(self.bytes.len()))
            .unwrap_or(&[])
    }

    /// The copy of a LEB to use: the newest whose data CRC holds (where there is one to check),
    /// else the newest with a note.
    fn pick<'l>(&self, copies: &'l [Leb], is_static: bool) -> (&'l Leb, Option<String>) {
        let mut sorted: Vec<&Leb> = copies.iter().collect();
        sorted.sort_by_key(|l| std::cmp::Reverse(l.sqnum));
        for leb in &sorted {
            if !(is_static || leb.copy) {
                return (leb, None);
            }
            let data = self.area(leb);
            if data
                .get(..leb.data_size as usize)
                .is_some_and(|d| crc32_raw(!0, d) == leb.data_crc)
            {
                return (leb, None);
            }
        }
        let leb = sorted[0];
        (
            leb,
            Some(format!(
                "LEB {} in PEB {} at 0x{:x}: bad data CRC (or cut short); read as it is",
                leb.lnum,
                leb.peb,
                self.origin + leb.peb * self.peb + self.data_offset
            )),
        )
    }

    fn volume(&self, lebs: &BTreeMap<u32, Vec<Leb>>, is_static: bool, pebs: usize, limit: u64) -> Assembled {
        let mut damage = None;
        let Some(&last) = lebs.keys().next_back() else {
            return Assembled::Damaged("no LEB mapped".to_string());
        };
        let count = if is_static {
            // every LEB says how many the volume has
            let used = lebs.values().flatten().map(|l| l.used_ebs).max().unwrap_or(0);
            if used as usize > pebs {
                return Assembled::Damaged(format!("says it uses {used} LEBs, more than the image's {pebs} PEBs"));
            }
            used.max(last + 1)
        } else {
            last + 1
        };
        let size: u64 = if is_static {
            lebs.values()
                .map(|copies| {
                    u64::from(copies.iter().map(|l| l.data_size).max().unwrap_or(0)).min(self.leb_size as u64)
                })
                .sum()
        } else {
            u64::from(count) * self.leb_size as u64
        };
        if size > limit {
            return Assembled::TooBig(size);
        }
        let mut out = Vec::with_capacity(size as usize);
        for lnum in 0..count {
            let Some(copies) = lebs.get(&lnum) else {
                if is_static {
                    damage.get_or_insert(format!("LEB {lnum} of {count} is missing"));
                } else {
                    out.resize(out.len() + self.leb_size, 0xff);
                }
                continue;
            };
            let (leb, bad) = self.pick(copies, is_static);
            if let Some(bad) = bad {
                damage.get_or_insert(bad);
            }
            let area = self.area(leb);
            let want = if is_static {
                (leb.data_size as usize).min(self.leb_size)
            } else {
                self.leb_size
            };
            let have = &area[..want.min(area.len())];
            out.extend_from_slice(have);
            if have.len() < want {
                damage.get_or_insert(format!(
                    "LEB {lnum} in PEB {} is cut short by the end of the image",
                    leb.peb
                ));
                if !is_static {
                    out.resize(out.len() + want - have.len(), 0xff);
                }
            }
        }
        Assembled::Data(out, damage)
    }
}
