//! The version resource (`RT_VERSION`): the resource directory walked to its data, then the
//! VS_VERSIONINFO tree (VS_VERSIONINFO → StringFileInfo → StringTable → String), each node
//! `wLength, wValueLength, wType, szKey (UTF-16LE), padding, Value, padding, Children`.
//!
//! Every offset is checked, every loop bounded: the directory is at most three levels deep (a
//! subdirectory pointer at the last level is ignored, so a loop cannot form), entries per
//! directory and nodes per resource are capped.

use super::Image;
use crate::model::Facts;

const RT_VERSION: u32 = 16;
/// Entries read per resource directory; a version resource has one name and a few languages.
const MAX_ENTRIES: usize = 64;
/// Version resources read per file.
const MAX_RESOURCES: usize = 8;
/// Nodes read per version resource; a real one has a few dozen.
const MAX_NODES: usize = 512;
/// Longest value kept, in UTF-16 code units.
const MAX_VALUE_UNITS: usize = 4096;

/// A string of a StringTable: its key, its value, and where the value starts in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VersionString {
    pub key: String,
    pub value: String,
    pub offset: usize,
}

/// Records the version strings this crate names: CompanyName as `pe-company`, LegalCopyright's
/// holders as `copyright-holder`, the rest as properties. A string repeated by several
/// language tables is recorded once.
pub(super) fn record(image: &Image<'_>, facts: &mut Facts) {
    let mut seen: Vec<(String, String)> = Vec::new();
    for s in strings(image) {
        if seen.iter().any(|(k, v)| *k == s.key && *v == s.value) {
            continue;
        }
        let offset = Some(s.offset as u64);
        match s.key.as_str() {
            "CompanyName" => facts.evidence("pe-company", s.value.clone(), offset, "VS_VERSIONINFO CompanyName"),
            "LegalCopyright" => {
                for holder in crate::copyright::holders(&s.value) {
                    facts.evidence("copyright-holder", holder, offset, "VS_VERSIONINFO LegalCopyright");
                }
                facts.property("pe-copyright", s.value.clone());
            }
            "ProductName" => facts.property("pe-product-name", s.value.clone()),
            "FileDescription" => facts.property("pe-file-description", s.value.clone()),
            "OriginalFilename" => facts.property("pe-original-filename", s.value.clone()),
            "FileVersion" => facts.property("pe-file-version", s.value.clone()),
            "ProductVersion" => facts.property("pe-product-version", s.value.clone()),
            _ => {}
        }
        seen.push((s.key, s.value));
    }
}

/// Every non-empty string of every version resource, in file order.
pub(super) fn strings(image: &Image<'_>) -> Vec<VersionString> {
    let mut out = Vec::new();
    for (offset, len) in version_resources(image) {
        let Some(data) = image
            .bytes
            .get(offset..offset.saturating_add(len).min(image.bytes.len()))
        else {
            continue;
        };
        let mut budget = MAX_NODES;
        version_info(data, offset, &mut budget, &mut out);
    }
    out
}

/// File offset and size of the data of each RT_VERSION resource (type 16 → any name → any
/// language).
fn version_resources(image: &Image<'_>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let Some(base) = image.resources.and_then(|rva| image.offset_of(rva)) else {
        return out;
    };
    let Some(dir) = image.bytes.get(base..) else { return out };
    for (id, types) in entries(dir, 0) {
        if id != RT_VERSION {
            continue;
        }
        let Some(names) = subdirectory(types) else { continue };
        for (_, langs) in entries(dir, names) {
            let Some(langs) = subdirectory(langs) else { continue };
            for (_, data) in entries(dir, langs) {
                if out.len() >= MAX_RESOURCES || data & 0x8000_0000 != 0 {
                    continue;
                }
                // IMAGE_RESOURCE_DATA_ENTRY: OffsetToData (an RVA), Size, CodePage, Reserved
                let Some(entry) = usize::try_from(data).ok().and_then(|d| dir.get(d..d.checked_add(8)?)) else {
                    continue;
                };
                let rva = u32_at(entry, 0);
                let size = u32_at(entry, 4);
                if let (Some(offset), Ok(size)) = (image.offset_of(rva), usize::try_from(size)) {
                    out.push((offset, size));
                }
            }
        }
    }
    out
}

/// The offset of a subdirectory an entry points to (high bit set), relative to the resource
/// directory's start.
fn subdirectory(target: u32) -> Option<usize> {
    (target & 0x8000_0000 != 0).then_some((target & 0x7fff_ffff) as usize)
}

/// The entries of the IMAGE_RESOURCE_DIRECTORY at `at`: (name or id, offset to data or
/// subdirectory). Named entries come first and are kept, their "id" being a name offset with
/// the high bit set, which no type id matches.
fn entries(dir: &[u8], at: usize) -> Vec<(u32, u32)> {
    let Some(head) = at.checked_add(16).and_then(|end| dir.get(at..end)) else {
        return Vec::new();
    };
    let count = usize::from(u16_at(head, 12)) + usize::from(u16_at(head, 14));
    (0..count.min(MAX_ENTRIES))
        .map_while(|i| {
            let e = at + 16 + 8 * i;
            let entry = dir.get(e..e + 8)?;
            Some((u32_at(entry, 0), u32_at(entry, 4)))
        })
        .collect()
}

/// One node of the VS_VERSIONINFO tree, positions relative to the resource data.
struct Node {
    end: usize,
    key: String,
    value_len: usize,
    /// Where the value starts (after the key and its padding).
    value: usize,
}

fn node(data: &[u8], at: usize) -> Option<Node> {
    let head = data.get(at..at.checked_add(6)?)?;
    let len = usize::from(u16_at(head, 0));
    if len < 6 {
        return None;
    }
    let end = at.checked_add(len)?.min(data.len());
    let (key, key_end) = utf16z(data, at + 6, end);
    Some(Node {
        end,
        key,
        value_len: usize::from(u16_at(head, 2)),
        value: align4(key_end).min(end),
    })
}

/// The child nodes of a node whose children start at `at`.
fn children(data: &[u8], parent: &Node, at: usize, budget: &mut usize) -> Vec<Node> {
    let mut out = Vec::new();
    let mut pos = align4(at);
    while pos < parent.end && *budget > 0 {
        *budget -= 1;
        let Some(child) = node(data, pos) else { break };
        if child.end > parent.end {
            break;
        }
        pos = align4(child.end).max(pos + 6);
        out.push(child);
    }
    out
}

fn version_info(data: &[u8], base: usize, budget: &mut usize, out: &mut Vec<VersionString>) {
    let Some(root) = node(data, 0) else { return };
    if root.key != "VS_VERSION_INFO" {
        return;
    }
    // the root's value is VS_FIXEDFILEINFO, wValueLength bytes
    let after_fixed = root.value.saturating_add(root.value_len);
    for info in children(data, &root, after_fixed, budget) {
        if info.key != "StringFileInfo" {
            continue;
        }
        for table in children(data, &info, info.value, budget) {
            for string in children(data, &table, table.value, budget) {
                // A String's value runs to its end; wValueLength is WCHARs by the book but
                // bytes in some resource compilers, and wType is not always 1 (text), so
                // neither is trusted: every child of a StringTable is a string.
                let (value, _) = utf16z(data, string.value, string.end);
                let value = value.trim();
                if !value.is_empty() {
                    out.push(VersionString {
                        key: string.key,
                        value: value.to_string(),
                        offset: base + string.value,
                    });
                }
            }
        }
    }
}

/// A NUL-terminated UTF-16LE string starting at `at`, not past `end`, and the offset after its
/// terminator (or `end`).
fn utf16z(data: &[u8], at: usize, end: usize) -> (String, usize) {
    let Some(bytes) = data.get(at..end.max(at)) else {
        return (String::new(), end);
    };
    let units = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    let mut len = 0;
    let text: String = char::decode_utf16(
        units
            .take_while(|&u| u != 0)
            .take(MAX_VALUE_UNITS)
            .inspect(|_| len += 1),
    )
    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
    .collect();
    (text, (at + 2 * len + 2).min(end))
}

fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[cfg(test)]
mod tests {
    use super::super::tests::fixture;
    use super::*;

    #[test]
    fn strings_with_offsets() {
        let bytes = fixture("camclient-unsigned.exe");
        let image = Image::parse(&bytes).expect("pe");
        let found = strings(&image);
        let keys: Vec<_> = found
            .iter()
            .map(|s| (s.key.as_str(), s.value.as_str(), s.offset))
            .collect();
        assert_eq!(
            keys,
            [
                ("CompanyName", "Hangzhou Hikvision Digital Technology Co., Ltd.", 0x510),
                ("FileDescription", "Vendorscan test camera client", 0x598),
                ("FileVersion", "1.2.3.4", 0x5f4),
                ("InternalName", "camclient", 0x624),
                ("LegalCopyright", "Copyright (C) 2020 Hikvision", 0x65c),
                ("OriginalFilename", "camclient.exe", 0x6c0),
                ("ProductName", "Vendorscan Test Client", 0x6fc),
                ("ProductVersion", "1.2", 0x750),
            ]
        );
        // the offset is the value's first UTF-16 unit in the file
        assert_eq!(&bytes[0x510..0x514], b"H\0a\0");
    }

    #[test]
    fn lying_lengths_stay_inside() {
        let bytes = fixture("camclient-unsigned.exe");
        // every u16 of the version resource set to 0xffff and to 0, one at a time
        for at in (0x458..0x7a0).step_by(2) {
            for v in [0xffffu16, 0, 7] {
                let mut bad = bytes.clone();
                bad[at..at + 2].copy_from_slice(&v.to_le_bytes());
                if let Some(image) = Image::parse(&bad) {
                    let _ = strings(&image);
                }
            }
        }
    }
}
