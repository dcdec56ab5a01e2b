//! Android boot images: `boot.img`/`recovery.img` (`ANDROID!`, header versions 0–4) and
//! `vendor_boot.img` (`VNDRBOOT`, versions 3 and 4), laid out as AOSP's `mkbootimg` writes them:
//! a header, then each section padded to the page size. The sections are handed over as members
//! borrowed from the image — `kernel`, `ramdisk`, `second`, `recovery_dtbo`, `dtb`, `bootconfig`
//! (whichever are present) — for the walker to detect (a gzip kernel, a cpio ramdisk, a device
//! tree). A vendor_boot v4 image whose ramdisk table names several ramdisk fragments hands each
//! over as `ramdisk_<name>` instead, since each is a compressed cpio archive of its own.
//!
//! Before version 1 the word at offset 40 was unused, and old Qualcomm images keep the size of a
//! device-tree table (`QCDT`) there, appended after the second stage; a version above 4 is read
//! as that layout, and the table handed over as `dtb` when it starts with a known magic.

use super::{Corrupt, Member, Visit};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// Header bytes each layout needs: v0, v1, v2 (boot); v3, v4 (boot); v3, v4 (vendor_boot).
const LEGACY_LEN: [usize; 3] = [1632, 1648, 1660];
const BOOT_V3_LEN: usize = 1580;
const VENDOR_LEN: [usize; 2] = [2112, 2128];
/// The page size of boot image v3 and v4.
const FIXED_PAGE: u64 = 4096;
/// Fragments of a vendor ramdisk table read at most.
const MAX_RAMDISK_FRAGMENTS: u32 = 256;
/// Bytes of one vendor ramdisk table entry in v4.
const RAMDISK_ENTRY_LEN: u32 = 108;

/// What the header says, for the inventory and the reader.
pub struct Header {
    /// `vendor_boot` rather than `boot`.
    pub vendor: bool,
    pub version: u32,
    pub page_size: u64,
    /// Android release (`11.0.0`) and security patch level (`2021-06`), when recorded.
    pub os_version: Option<(String, String)>,
    pub name: String,
    pub cmdline: String,
    sections: Vec<Section>,
}

/// One page-aligned section: its member name and where it lies in the image.
struct Section {
    name: String,
    offset: u64,
    size: u64,
}

impl Header {
    /// Header facts for the walker's container entry.
    pub fn details(&self) -> BTreeMap<String, String> {
        let mut d = BTreeMap::from([
            (
                "format".to_string(),
                if self.vendor { "vendor_boot" } else { "boot" }.to_string(),
            ),
            ("header_version".to_string(), self.version.to_string()),
            ("page_size".to_string(), self.page_size.to_string()),
        ]);
        if let Some((release, patch)) = &self.os_version {
            d.insert("os_version".to_string(), release.clone());
            d.insert("os_patch_level".to_string(), patch.clone());
        }
        for (key, value) in [("name", &self.name), ("cmdline", &self.cmdline)] {
            if !value.is_empty() {
                d.insert(key.to_string(), value.clone());
            }
        }
        d
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// NUL-terminated text of a fixed-size header field.
fn text(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// `os_version`: the release as three 7-bit numbers in bits 31..11, the patch level as years
/// since 2000 (7 bits) and a month (4 bits).
fn os_version(v: u32) -> Option<(String, String)> {
    if v == 0 {
        return None;
    }
    let (a, b, c) = (v >> 25, (v >> 18) & 0x7f, (v >> 11) & 0x7f);
    let (year, month) = (2000 + ((v >> 4) & 0x7f), v & 0xf);
    Some((format!("{a}.{b}.{c}"), format!("{year}-{month:02}")))
}

/// Sections one after another from `start`, each padded to `page`.
fn place(start: u64, page: u64, sizes: &[(&str, u32)]) -> Result<Vec<Section>, Corrupt> {
    let mut offset = start;
    let mut out = Vec::new();
    for &(name, size) in sizes {
        let size = u64::from(size);
        out.push(Section {
            name: name.to_string(),
            offset,
            size,
        });
        offset = size
            .div_ceil(page)
            .checked_mul(page)
            .and_then(|padded| offset.checked_add(padded))
            .ok_or_else(|| Corrupt("section offsets overflow".to_string()))?;
    }
    Ok(out)
}

fn need(bytes: &[u8], len: usize, what: &str) -> Result<(), Corrupt> {
    if bytes.len() < len {
        return Err(Corrupt(format!(
            "{what} header needs {len} bytes, the image has {}",
            bytes.len()
        )));
    }
    Ok(())
}

pub fn header(bytes: &[u8]) -> Result<Header, Corrupt> {
    match bytes.get(..8) {
        Some(b"ANDROID!") => boot(bytes),
        Some(b"VNDRBOOT") => vendor_boot(bytes),
        _ => Err(Corrupt("no Android boot image magic".to_string())),
    }
}

fn boot(bytes: &[u8]) -> Result<Header, Corrupt> {
    need(bytes, 44, "boot image")?;
    let version = le32(bytes, 40);
    if matches!(version, 3 | 4) {
        need(
            bytes,
            BOOT_V3_LEN + if version == 4 { 4 } else { 0 },
            "boot image v3/v4",
        )?;
        return Ok(Header {
            vendor: false,
            version,
            page_size: FIXED_PAGE,
            os_version: os_version(le32(bytes, 16)),
            name: String::new(),
            cmdline: text(&bytes[44..BOOT_V3_LEN]),
            sections: place(
                FIXED_PAGE,
                FIXED_PAGE,
                &[("kernel", le32(bytes, 8)), ("ramdisk", le32(bytes, 12))],
            )?,
        });
    }
    // versions 0–2, or an old Qualcomm image with a device-tree table size in the version word
    let layout = usize::try_from(version).map_or(0, |v| if v <= 2 { v } else { 0 });
    need(bytes, LEGACY_LEN[layout], "boot image")?;
    let page = u64::from(le32(bytes, 36));
    if !page.is_power_of_two() || !(2048..=1 << 20).contains(&page) {
        return Err(Corrupt(format!(
            "page size {page} is not a power of two from 2048 to 1 MiB"
        )));
    }
    let mut sizes = vec![
        ("kernel", le32(bytes, 8)),
        ("ramdisk", le32(bytes, 16)),
        ("second", le32(bytes, 24)),
    ];
    if layout >= 1 {
        sizes.push(("recovery_dtbo", le32(bytes, 1632)));
    }
    if layout >= 2 {
        sizes.push(("dtb", le32(bytes, 1648)));
    }
    let qualcomm_dt = version > 4;
    if qualcomm_dt {
        sizes.push(("dtb", version));
    }
    let mut sections = place(page, page, &sizes)?;
    if qualcomm_dt {
        // kept only when it really is a device-tree table (or a plain device tree)
        let is_dt = sections
            .last()
            .and_then(|s| section_bytes(bytes, s))
            .is_some_and(|dt| dt.starts_with(b"QCDT") || dt.starts_with(b"\xd0\x0d\xfe\xed"));
        if !is_dt {
            sections.pop();
        }
    }
    let mut cmdline = text(&bytes[64..576]);
    cmdline.push_str(&text(&bytes[608..1632]));
    Ok(Header {
        vendor: false,
        version: if qualcomm_dt { 0 } else { version },
        page_size: page,
        os_version: os_version(le32(bytes, 44)),
        name: text(&bytes[48..64]),
        cmdline,
        sections,
    })
}

fn vendor_boot(bytes: &[u8]) -> Result<Header, Corrupt> {
    need(bytes, 16, "vendor_boot")?;
    let version = le32(bytes, 8);
    if !matches!(version, 3 | 4) {
        return Err(Corrupt(format!("vendor_boot header version {version} is not 3 or 4")));
    }
    let min_len = VENDOR_LEN[usize::from(version == 4)];
    need(bytes, min_len, "vendor_boot")?;
    let page = u64::from(le32(bytes, 12));
    if !page.is_power_of_two() || !(2048..=1 << 20).contains(&page) {
        return Err(Corrupt(format!(
            "page size {page} is not a power of two from 2048 to 1 MiB"
        )));
    }
    let header_size = u64::from(le32(bytes, 2096)).max(min_len as u64);
    let ramdisk = le32(bytes, 24);
    let mut sizes = vec![("ramdisk", ramdisk), ("dtb", le32(bytes, 2100))];
    if version == 4 {
        sizes.push(("ramdisk_table", le32(bytes, 2112)));
        sizes.push(("bootconfig", le32(bytes, 2124)));
    }
    let mut sections = place(header_size.div_ceil(page) * page, page, &sizes)?;
    if version == 4 {
        let table = sections.remove(2);
        let fragments = fragments(bytes, &table, &sections[0])?;
        if !fragments.is_empty() {
            sections.splice(0..1, fragments);
        }
    }
    Ok(Header {
        vendor: true,
        version,
        page_size: page,
        os_version: None,
        name: text(&bytes[2080..2096]),
        cmdline: text(&bytes[28..2076]),
        sections,
    })
}

/// The fragments a vendor_boot v4 ramdisk table names inside the vendor ramdisk section.
fn fragments(bytes: &[u8], table: &Section, ramdisk: &Section) -> Result<Vec<Section>, Corrupt> {
    let (count, entry_len) = (le32(bytes, 2116), le32(bytes, 2120));
    if count == 0 || table.size == 0 {
        return Ok(Vec::new());
    }
    if count > MAX_RAMDISK_FRAGMENTS || entry_len < RAMDISK_ENTRY_LEN {
        return Err(Corrupt(format!(
            "vendor ramdisk table of {count} entries of {entry_len} bytes"
        )));
    }
    let table_bytes = section_bytes(bytes, table)
        .ok_or_else(|| Corrupt("vendor ramdisk table lies past the end of the image".to_string()))?;
    let mut out = Vec::new();
    for i in 0..count as usize {
        let at = i * entry_len as usize;
        let Some(entry) = table_bytes.get(at..at + RAMDISK_ENTRY_LEN as usize) else {
            return Err(Corrupt(format!("vendor ramdisk table entry {i} lies past the table")));
        };
        let (size, offset) = (u64::from(le32(entry, 0)), u64::from(le32(entry, 4)));
        if offset.checked_add(size).is_none_or(|end| end > ramdisk.size) {
            return Err(Corrupt(format!(
                "vendor ramdisk fragment {i} lies past the vendor ramdisk"
            )));
        }
        let label = text(&entry[12..44]);
        out.push(Section {
            name: if label.is_empty() {
                format!("ramdisk_{i}")
            } else {
                format!("ramdisk_{label}")
            },
            offset: ramdisk.offset + offset,
            size,
        });
    }
    Ok(out)
}

fn section_bytes<'a>(bytes: &'a [u8], s: &Section) -> Option<&'a [u8]> {
    let start = usize::try_from(s.offset).ok()?;
    let len = usize::try_from(s.size).ok()?;
    bytes.get(start..start.checked_add(len)?)
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let header = header(bytes)?;
    for section in header.sections.iter().filter(|s| s.size > 0) {
        let name = section.name.clone().into_bytes();
        let member = match section_bytes(bytes, section) {
            Some(_) if section.size > limit => Member::TooBig {
                name,
                size: section.size,
            },
            Some(data) => Member::File {
                name,
                data: Cow::Borrowed(data),
            },
            // that section's own damage (a truncated image): reported at it, the rest read
            None => Member::Damaged {
                name,
                message: format!(
                    "{} bytes at byte {} run past the end of the image ({} bytes)",
                    section.size,
                    section.offset,
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::firmware::{walk, Limits, Walked};
    use sha2::{Digest, Sha256};

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/boot/out/");

    /// Walks a boot fixture (made by fixtures/firmware/boot/make.sh) as the CLI would.
    pub(crate) fn walk_fixture(name: &str) -> Walked {
        walk_path(&std::path::Path::new(FIXTURES).join(name))
    }

    /// Walks `bytes` written to a temporary file named `name` (a damaged copy of a fixture).
    pub(crate) fn walk_bytes(name: &str, bytes: &[u8]) -> (Walked, String) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write fixture copy");
        let root = format!("{}/", dir.path().display());
        (walk_path(&path), root)
    }

    fn walk_path(path: &std::path::Path) -> Walked {
        walk(path, &Limits::default(), &(), &()).expect("fixture is readable")
    }

    pub(crate) fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(FIXTURES).join(name)).expect("fixture exists")
    }

    /// `path kind` per walked file (`path -> target` for links), the fixture folder dropped.
    pub(crate) fn listing(w: &Walked, root: &str) -> Vec<String> {
        w.files
            .iter()
            .map(|f| {
                let path = f.path.strip_prefix(root).unwrap_or(&f.path);
                match &f.link {
                    Some(target) => format!("{path} -> {target}"),
                    None => format!("{path} {}", f.kind),
                }
            })
            .collect()
    }

    pub(crate) fn warnings(w: &Walked, root: &str) -> Vec<String> {
        w.warnings
            .iter()
            .map(|x| format!("{}: {}", x.file.strip_prefix(root).unwrap_or(&x.file), x.message))
            .collect()
    }

    pub(crate) fn sha256_of(w: &Walked, suffix: &str) -> String {
        let file = w.files.iter().find(|f| f.path.ends_with(suffix)).expect("file listed");
        file.sha256.clone().expect("file hashed")
    }

    fn hex(bytes: &[u8]) -> String {
        Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
    }

    const HELLO: &[u8] = b"hello from the ramdisk\n";

    #[test]
    fn boot_v0_opens_to_kernel_ramdisk_and_second_stage() {
        let w = walk_fixture("boot-v0.img");
        assert_eq!(
            listing(&w, FIXTURES),
            [
                "boot-v0.img!/kernel!gzip text",
                "boot-v0.img!/ramdisk!gzip!/etc/hello text",
                "boot-v0.img!/ramdisk!gzip!/init text",
                "boot-v0.img!/second text",
            ]
        );
        assert_eq!(sha256_of(&w, "!/etc/hello"), hex(HELLO));
        assert_eq!(sha256_of(&w, "!/second"), hex(b"second stage loader\n"));
        assert!(w.warnings.is_empty(), "{:?}", w.warnings);
        let boot = &w.containers[0];
        assert_eq!(boot.kind, "android-boot");
        assert_eq!(
            boot.details,
            BTreeMap::from(
                [
                    ("cmdline", "console=ttyS0 androidboot.hardware=fixture"),
                    ("format", "boot"),
                    ("header_version", "0"),
                    ("name", "fixture-v0"),
                    ("os_patch_level", "2021-06"),
                    ("os_version", "11.0.0"),
                    ("page_size", "2048"),
                ]
                .map(|(k, v)| (k.to_string(), v.to_string()))
            )
        );
    }

    #[test]
    fn boot_v2_adds_recovery_dtbo_and_dtb() {
        let w = walk_fixture("boot-v2.img");
        assert_eq!(
            listing(&w, FIXTURES),
            [
                "boot-v2.img!/dtb fdt",
                "boot-v2.img!/kernel!gzip text",
                "boot-v2.img!/ramdisk!gzip!/etc/hello text",
                "boot-v2.img!/ramdisk!gzip!/init text",
                "boot-v2.img!/recovery_dtbo fdt",
            ]
        );
        assert_eq!(sha256_of(&w, "!/etc/hello"), hex(HELLO));
        // the sections sit on 2048-byte pages: header, kernel, ramdisk, recovery DTBO, DTB
        let image = fixture("boot-v2.img");
        let h = header(&image).expect("header");
        let at: Vec<(&str, u64)> = h.sections.iter().map(|s| (s.name.as_str(), s.offset)).collect();
        assert_eq!(
            at,
            [
                ("kernel", 2048),
                ("ramdisk", 4096),
                ("second", 6144),
                ("recovery_dtbo", 6144),
                ("dtb", 8192)
            ]
        );
        assert_eq!(h.details()["cmdline"], "console=ttyMSM0");
    }

    #[test]
    fn boot_v3_has_fixed_4096_byte_pages_and_no_name() {
        let w = walk_fixture("boot-v3.img");
        assert_eq!(
            listing(&w, FIXTURES),
            [
                "boot-v3.img!/kernel!gzip text",
                "boot-v3.img!/ramdisk!gzip!/etc/hello text",
                "boot-v3.img!/ramdisk!gzip!/init text",
            ]
        );
        let d = &w.containers[0].details;
        assert_eq!(d["header_version"], "3");
        assert_eq!(d["page_size"], "4096");
        assert_eq!(d["os_version"], "12.0.0");
        assert_eq!(d["os_patch_level"], "2022-03");
        assert_eq!(d["cmdline"], "console=ttyS0 androidboot.selinux=permissive");
        assert!(!d.contains_key("name"));
    }

    #[test]
    fn vendor_boot_v3_opens_to_its_ramdisk_and_dtb() {
        let w = walk_fixture("vendor_boot-v3.img");
        assert_eq!(
            listing(&w, FIXTURES),
            [
                "vendor_boot-v3.img!/dtb fdt",
                "vendor_boot-v3.img!/ramdisk!gzip!/etc/hello text",
                "vendor_boot-v3.img!/ramdisk!gzip!/init text",
            ]
        );
        assert_eq!(sha256_of(&w, "!/etc/hello"), hex(HELLO));
        let d = &w.containers[0].details;
        assert_eq!(d["format"], "vendor_boot");
        assert_eq!(d["name"], "fixture-vendor");
        assert_eq!(d["cmdline"], "androidboot.console=ttyS0");
    }

    /// Members as (name, bytes).
    type Named = Vec<(String, Vec<u8>)>;

    /// The file members of `image`, and the read's result.
    fn members(image: &[u8]) -> (Named, Result<(), Corrupt>) {
        let mut out = Vec::new();
        let result = read(image, 1 << 20, &mut |m| {
            if let Member::File { name, data } = m {
                out.push((String::from_utf8_lossy(&name).into_owned(), data.into_owned()));
            }
            ControlFlow::Continue(())
        });
        (out, result)
    }

    fn put(image: &mut [u8], at: usize, value: u32) {
        image[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    #[test]
    fn boot_v4_skips_the_boot_signature() {
        let mut image = vec![0u8; 4096 * 4];
        image[..8].copy_from_slice(b"ANDROID!");
        put(&mut image, 8, 5); // kernel
        put(&mut image, 12, 3); // ramdisk
        put(&mut image, 40, 4);
        put(&mut image, 1580, 4096); // boot signature, after the ramdisk
        image[4096..4101].copy_from_slice(b"KERNL");
        image[8192..8195].copy_from_slice(b"RAM");
        let (got, result) = members(&image);
        assert!(result.is_ok());
        assert_eq!(
            got,
            [
                ("kernel".to_string(), b"KERNL".to_vec()),
                ("ramdisk".to_string(), b"RAM".to_vec())
            ]
        );
    }

    #[test]
    fn vendor_boot_v4_hands_over_each_ramdisk_fragment_and_the_bootconfig() {
        let page = 2048;
        let mut image = vec![0u8; page * 6];
        image[..8].copy_from_slice(b"VNDRBOOT");
        put(&mut image, 8, 4);
        put(&mut image, 12, page as u32);
        put(&mut image, 24, 7); // vendor ramdisk: two fragments
        put(&mut image, 2096, 2128);
        put(&mut image, 2100, 0); // no dtb
        put(&mut image, 2112, 216); // ramdisk table: two entries of 108 bytes
        put(&mut image, 2116, 2);
        put(&mut image, 2120, 108);
        put(&mut image, 2124, 11); // bootconfig
                                   // header takes two pages; ramdisk at 4096, table at 6144, bootconfig at 8192
        image[4096..4103].copy_from_slice(b"AAABBBB");
        let table = 6144;
        put(&mut image, table, 3);
        put(&mut image, table + 4, 0);
        image[table + 12..table + 16].copy_from_slice(b"init");
        put(&mut image, table + 108, 4);
        put(&mut image, table + 108 + 4, 3);
        image[8192..8203].copy_from_slice(b"key = value");
        let (got, result) = members(&image);
        assert!(result.is_ok());
        assert_eq!(
            got,
            [
                ("ramdisk_init".to_string(), b"AAA".to_vec()),
                ("ramdisk_1".to_string(), b"BBBB".to_vec()),
                ("bootconfig".to_string(), b"key = value".to_vec()),
            ]
        );
    }

    #[test]
    fn an_old_qualcomm_image_keeps_its_device_tree_table() {
        let mut image = vec![0u8; 2048 * 3];
        image[..8].copy_from_slice(b"ANDROID!");
        put(&mut image, 8, 4); // kernel
        put(&mut image, 36, 2048);
        put(&mut image, 40, 6); // dt_size, where the version word is now
        image[2048..2052].copy_from_slice(b"KERN");
        image[4096..4102].copy_from_slice(b"QCDT\x03\0");
        let (got, result) = members(&image);
        assert!(result.is_ok());
        assert_eq!(
            got,
            [
                ("kernel".to_string(), b"KERN".to_vec()),
                ("dtb".to_string(), b"QCDT\x03\0".to_vec())
            ]
        );
        // the same word with no table behind it is not a section
        image[4096..4102].fill(0);
        assert_eq!(members(&image).0.len(), 1);
    }

    #[test]
    fn a_truncated_header_is_a_warning() {
        let image = fixture("boot-v2.img");
        let (w, root) = walk_bytes("boot.img", &image[..1000]);
        assert!(w.files.is_empty());
        assert_eq!(
            warnings(&w, &root),
            ["boot.img: android-boot is corrupt: boot image header needs 1660 bytes, the image has 1000"]
        );
    }

    #[test]
    fn a_truncated_image_keeps_the_sections_before_the_cut() {
        let image = fixture("boot-v0.img");
        let (w, root) = walk_bytes("boot.img", &image[..4106]);
        assert_eq!(listing(&w, &root), ["boot.img!/kernel!gzip text"]);
        let sections = header(&image).expect("header").sections;
        let (ramdisk, second) = (&sections[1], &sections[2]);
        // each section past the cut is damaged on its own
        assert_eq!(
            warnings(&w, &root),
            [
                format!(
                    "boot.img!/ramdisk: damaged member: {} bytes at byte 4096 run past the end of the image (4106 bytes)",
                    ramdisk.size
                ),
                format!(
                    "boot.img!/second: damaged member: {} bytes at byte {} run past the end of the image (4106 bytes)",
                    second.size, second.offset
                ),
            ]
        );
    }

    #[test]
    fn damaged_headers_do_not_panic() {
        for name in ["boot-v0.img", "boot-v2.img", "boot-v3.img", "vendor_boot-v3.img"] {
            let image = fixture(name);
            for at in 8..2200 {
                for value in [0x00, 0x01, 0x80, 0xff] {
                    let mut bad = image.clone();
                    bad[at] = value;
                    let _ = read(&bad, 1 << 20, &mut |_| ControlFlow::Continue(()));
                }
            }
        }
    }

    #[test]
    fn hostile_sizes_and_page_sizes_are_refused() {
        let mut image = fixture("boot-v0.img");
        put(&mut image, 16, u32::MAX); // ramdisk size
        let (got, result) = members(&image);
        assert_eq!(got.len(), 1, "the kernel before it is kept");
        assert!(
            result.is_ok(),
            "the ramdisk is a damaged member, not the end of the image"
        );
        put(&mut image, 36, 3000); // page size not a power of two
        assert!(header(&image).is_err());
        put(&mut image, 36, 0);
        assert!(header(&image).is_err());
    }
}
