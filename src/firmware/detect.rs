//! What a run of bytes is, from its content (magic numbers at fixed offsets), never its name.

/// SquashFS compressors the reader is not built with (SquashFS 4 id 2; LZO and LZ4 are read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SquashCompressor {
    Lzma,
}

/// Every type the walker tells apart. Containers are unpacked (or, for formats not read yet,
/// recognised and reported); the rest are leaves handed on as files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    // compressed streams
    Gzip,
    Xz,
    Lzma,
    Bzip2,
    Zstd,
    Lz4,
    // archives and filesystems read
    Tar,
    Zip,
    Cpio,
    Ar,
    SquashFs,
    Ext,
    UImage,
    /// A U-Boot FIT: a device tree whose `/images` hold data.
    Fit,
    Fat,
    Mbr,
    Gpt,
    Iso9660,
    AndroidBoot,
    AndroidSparse,
    /// A 7-Zip archive.
    SevenZip,
    // recognised, not unpacked: listed as a container with a `not-unpacked` warning
    /// A SquashFS compressed with something the reader is not built with (lzma).
    SquashFsUnread(SquashCompressor),
    // flash filesystems and compressed streams read by vendorscan's own readers
    /// CramFS, either byte order.
    CramFs,
    RomFs,
    Erofs,
    /// A UBI image (erase blocks with `UBI#` headers).
    Ubi,
    /// A bare UBIFS image (its superblock node first).
    Ubifs,
    /// JFFS2, either byte order. (YAFFS2 has no magic number: its first object header is a
    /// handful of small integers that plenty of other data shares, so it is not told apart.)
    Jffs2,
    /// YAFFS2: no magic number, recognised by its first chunks' structure
    /// (`containers::yaffs2::layout`).
    Yaffs2,
    /// Unix `compress` (`.Z`, LZW).
    UnixCompress,
    Lzip,
    Lzop,
    // leaves
    /// A flattened device tree (not a FIT): a file the device-tree analyser reads.
    Fdt,
    Elf,
    Pe,
    /// Mach-O, thin (32/64-bit, either byte order) or fat (universal).
    MachO,
    Certificate,
    Text,
    Data,
    Empty,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Gzip => "gzip",
            Kind::Xz => "xz",
            Kind::Lzma => "lzma",
            Kind::Bzip2 => "bzip2",
            Kind::Zstd => "zstd",
            Kind::Lz4 => "lz4",
            Kind::Tar => "tar",
            Kind::Zip => "zip",
            Kind::Cpio => "cpio",
            Kind::Ar => "ar",
            Kind::SquashFs => "squashfs",
            Kind::Ext => "ext",
            Kind::Fat => "fat",
            Kind::Mbr => "mbr",
            Kind::Iso9660 => "iso9660",
            Kind::Gpt => "gpt",
            Kind::UImage => "uimage",
            Kind::Fit => "fit",
            Kind::Fdt => "fdt",
            Kind::AndroidBoot => "android-boot",
            Kind::AndroidSparse => "android-sparse",
            Kind::SevenZip => "7z",
            Kind::SquashFsUnread(_) => "squashfs",
            Kind::CramFs => "cramfs",
            Kind::RomFs => "romfs",
            Kind::Erofs => "erofs",
            Kind::Ubi => "ubi",
            Kind::Ubifs => "ubifs",
            Kind::Jffs2 => "jffs2",
            Kind::Yaffs2 => "yaffs2",
            Kind::UnixCompress => "compress",
            Kind::Lzip => "lzip",
            Kind::Lzop => "lzop",
            Kind::Elf => "elf",
            Kind::Pe => "pe",
            Kind::MachO => "macho",
            Kind::Certificate => "certificate",
            Kind::Text => "text",
            Kind::Data => "data",
            Kind::Empty => "empty",
        }
    }

    /// A single compressed stream: its content is one blob.
    pub fn is_compression(self) -> bool {
        matches!(
            self,
            Kind::Gzip
                | Kind::Xz
                | Kind::Lzma
                | Kind::Bzip2
                | Kind::Zstd
                | Kind::Lz4
                | Kind::Lzip
                | Kind::UnixCompress
                | Kind::Lzop
        )
    }

    /// Holds members, each a blob of its own (archives and the filesystems read so far).
    pub fn is_archive(self) -> bool {
        matches!(
            self,
            Kind::Tar
                | Kind::Zip
                | Kind::Cpio
                | Kind::Ar
                | Kind::SquashFs
                | Kind::Ext
                | Kind::UImage
                | Kind::Fit
                | Kind::Fat
                | Kind::Mbr
                | Kind::Gpt
                | Kind::Iso9660
                | Kind::AndroidBoot
                | Kind::AndroidSparse
                | Kind::Ubi
                | Kind::Ubifs
                | Kind::Jffs2
                | Kind::CramFs
                | Kind::RomFs
                | Kind::Erofs
                | Kind::Yaffs2
                | Kind::SevenZip
        )
    }

    /// Recognised as a container the walker does not unpack yet: reported, not opened.
    pub fn is_unread_container(self) -> bool {
        matches!(self, Kind::SquashFsUnread(_))
    }

    /// The name with what sets it apart, for messages: `squashfs with lz4 compression`.
    pub fn description(self) -> &'static str {
        match self {
            Kind::SquashFsUnread(SquashCompressor::Lzma) => "squashfs with lzma compression",
            Kind::UnixCompress => "compress (.Z) stream",
            Kind::Lzip => "lzip stream",
            Kind::Lzop => "lzop stream",
            Kind::SevenZip => "7z archive",
            other => other.name(),
        }
    }
}

fn at(bytes: &[u8], offset: usize, magic: &[u8]) -> bool {
    bytes.get(offset..offset + magic.len()) == Some(magic)
}

pub fn detect(bytes: &[u8]) -> Kind {
    if bytes.is_empty() {
        return Kind::Empty;
    }
    let checks: &[(usize, &[u8], Kind)] = &[
        (0, b"\x1f\x8b", Kind::Gzip),
        (0, b"\xfd7zXZ\x00", Kind::Xz),
        (0, b"BZh", Kind::Bzip2),
        (0, b"\x28\xb5\x2f\xfd", Kind::Zstd),
        (0, b"\x04\x22\x4d\x18", Kind::Lz4),
        (257, b"ustar", Kind::Tar),
        (0, b"PK\x03\x04", Kind::Zip),
        (0, b"PK\x05\x06", Kind::Zip),
        (0, b"070701", Kind::Cpio),
        (0, b"070702", Kind::Cpio),
        (0, b"070707", Kind::Cpio),
        (0, b"!<arch>\n", Kind::Ar),
        (0, b"hsqs", Kind::SquashFs),
        (0, b"sqsh", Kind::SquashFs),
        (0, b"7z\xbc\xaf\x27\x1c", Kind::SevenZip),
        (0, b"-rom1fs-", Kind::RomFs),
        (0, b"\x89LZO\x00\r\n\x1a\n", Kind::Lzop),
        (1024, EROFS_MAGIC, Kind::Erofs),
        (1080, b"\x53\xef", Kind::Ext),
        (0x8001, b"CD001", Kind::Iso9660),
        (512, b"EFI PART", Kind::Gpt),
        (0, b"\x27\x05\x19\x56", Kind::UImage),
        (0, b"\xd0\x0d\xfe\xed", Kind::Fdt),
        (0, b"ANDROID!", Kind::AndroidBoot),
        (0, b"VNDRBOOT", Kind::AndroidBoot),
        (0, b"\x3a\xff\x26\xed", Kind::AndroidSparse),
        (0, b"UBI#", Kind::Ubi),
        (0, UBIFS_MAGIC, Kind::Ubifs),
        (0, b"\x85\x19", Kind::Jffs2),
        (0, b"\x19\x85", Kind::Jffs2),
        (0, b"\x1f\x9d", Kind::UnixCompress),
        (0, b"LZIP", Kind::Lzip),
        (0, b"\x7fELF", Kind::Elf),
        (0, b"-----BEGIN CERTIFICATE-----", Kind::Certificate),
    ];
    for &(offset, magic, kind) in checks {
        if at(bytes, offset, magic) {
            match kind {
                Kind::Fdt if super::containers::fit::is_fit(bytes) => return Kind::Fit,
                Kind::SquashFs => return squashfs_kind(bytes),
                // two-byte magics and short ones: taken only with a sound header behind them
                Kind::Erofs if !is_erofs(bytes) => continue,
                Kind::Ubifs if bytes.get(20) != Some(&UBIFS_SB_NODE) => continue,
                Kind::Jffs2 if !is_jffs2(bytes) => continue,
                Kind::UnixCompress if !is_unix_compress(bytes) => continue,
                Kind::Lzip if !is_lzip(bytes) => continue,
                _ => return kind,
            }
        }
    }
    if is_cramfs(bytes, 0) || is_cramfs(bytes, 512) {
        return Kind::CramFs;
    }
    if super::containers::yaffs2::layout(bytes).is_some() {
        return Kind::Yaffs2;
    }
    if super::containers::fat::is_fat(bytes) {
        return Kind::Fat;
    }
    if super::containers::disk::is_mbr(bytes) {
        return Kind::Mbr;
    }
    if is_lzma_alone(bytes) {
        return Kind::Lzma;
    }
    if at(bytes, 0, b"MZ") && pe_signature(bytes) {
        return Kind::Pe;
    }
    if is_macho(bytes) {
        return Kind::MachO;
    }
    if looks_text(bytes) {
        Kind::Text
    } else {
        Kind::Data
    }
}

pub(crate) const EROFS_MAGIC: &[u8] = b"\xe2\xe1\xf5\xe0";
/// A UBIFS node's magic (0x06101831, little-endian); a superblock node has type 6 at byte 20.
pub(crate) const UBIFS_MAGIC: &[u8] = b"\x31\x18\x10\x06";
const UBIFS_SB_NODE: u8 = 6;
const CRAMFS_SIGNATURE: &[u8] = b"Compressed ROMFS";

/// A SquashFS 4 superblock names its compressor at byte 20 (1 gzip, 2 lzma, 3 lzo, 4 xz, 5 lz4,
/// 6 zstd). The reader (backhand, with LZ4 and LZO added in squashfs.rs) reads all but lzma; an
/// lzma image would fail in it with no useful reason, so it is recognised here and reported.
/// Anything else (another version, an unknown id) goes to the reader, which says what is wrong.
fn squashfs_kind(bytes: &[u8]) -> Kind {
    let le16 = |at: usize| bytes.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    if bytes.starts_with(b"hsqs") && le16(28) == Some(4) && le16(20) == Some(2) {
        return Kind::SquashFsUnread(SquashCompressor::Lzma);
    }
    Kind::SquashFs
}

/// CramFS superblock at `at` (0, or 512 after a boot sector): the magic 0x28cd3d45 in either
/// byte order and the signature `Compressed ROMFS` 16 bytes in.
pub(crate) fn is_cramfs(bytes: &[u8], at_offset: usize) -> bool {
    (at(bytes, at_offset, b"\x45\x3d\xcd\x28") || at(bytes, at_offset, b"\x28\xcd\x3d\x45"))
        && at(bytes, at_offset + 16, CRAMFS_SIGNATURE)
}

/// EROFS superblock (at 1024): the magic and a block size of 512 bytes to 64 KiB.
fn is_erofs(bytes: &[u8]) -> bool {
    at(bytes, 1024, EROFS_MAGIC) && bytes.get(1024 + 12).is_some_and(|b| (9..=16).contains(b))
}

/// A JFFS2 node header: the magic 0x1985 in either byte order, a known node type, a length of
/// at least the header, and the header's CRC (JFFS2's CRC-32: no pre- or post-inversion).
pub(crate) fn is_jffs2(b: &[u8]) -> bool {
    let Some(h) = b.get(..12) else { return false };
    let big = match (h[0], h[1]) {
        (0x19, 0x85) => true,
        (0x85, 0x19) => false,
        _ => return false,
    };
    let u16_at = |i: usize| {
        if big {
            u16::from_be_bytes([h[i], h[i + 1]])
        } else {
            u16::from_le_bytes([h[i], h[i + 1]])
        }
    };
    let u32_at = |i: usize| {
        let w = [h[i], h[i + 1], h[i + 2], h[i + 3]];
        if big {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    };
    // dirent, inode, clean marker, padding, summary, xattr, xref
    let known = matches!(u16_at(2), 0xe001 | 0xe002 | 0x2003 | 0x2004 | 0x2006 | 0xe008 | 0xe009);
    known && u32_at(4) >= 12 && super::carve::crc32_raw(0, &h[..8]) == u32_at(8)
}

/// Unix `compress`: 1f 9d, then a flags byte with a code width of 9 to 16 bits and the two
/// reserved bits clear.
fn is_unix_compress(b: &[u8]) -> bool {
    b.get(2)
        .is_some_and(|f| (9..=16).contains(&(f & 0x1f)) && f & 0x60 == 0)
}

/// lzip: `LZIP`, version 0 or 1, a coded dictionary size of 4 KiB to 512 MiB.
pub(crate) fn is_lzip(b: &[u8]) -> bool {
    let (Some(&version), Some(&dict)) = (b.get(4), b.get(5)) else {
        return false;
    };
    at(b, 0, b"LZIP") && version <= 1 && (12..=29).contains(&(dict & 0x1f))
}

/// The legacy `.lzma` header: properties byte 0x5d and a dictionary size that is a power of two
/// (or 2^n + 2^(n-1)), then an uncompressed size that is -1 (unknown) or plausible.
fn is_lzma_alone(bytes: &[u8]) -> bool {
    let Some(head) = bytes.get(..13) else { return false };
    if head[0] != 0x5d {
        return false;
    }
    let dict = u32::from_le_bytes([head[1], head[2], head[3], head[4]]);
    let size = u64::from_le_bytes([
        head[5], head[6], head[7], head[8], head[9], head[10], head[11], head[12],
    ]);
    let dict_ok = (12..=30).any(|n| dict == 1 << n || dict == (1 << n) + (1 << (n - 1)));
    dict_ok && (size == u64::MAX || size < 1 << 40)
}

/// Thin Mach-O magics in either byte order; a fat header (`cafebabe`) only with a plausible
/// architecture count, since Java class files share the magic (their next field, the minor and
/// major version, reads as a count of 45 or more).
fn is_macho(bytes: &[u8]) -> bool {
    const THIN: [&[u8]; 4] = [
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
    ];
    if THIN.iter().any(|m| at(bytes, 0, m)) {
        return true;
    }
    match bytes.get(..8) {
        Some([0xca, 0xfe, 0xba, 0xbe, a, b, c, d]) => (1..=20).contains(&u32::from_be_bytes([*a, *b, *c, *d])),
        _ => false,
    }
}

/// `MZ` alone is common in data; a PE also has `PE\0\0` at the offset stored at 0x3c.
fn pe_signature(bytes: &[u8]) -> bool {
    let Some(off) = bytes.get(0x3c..0x40) else { return false };
    let off = u32::from_le_bytes([off[0], off[1], off[2], off[3]]) as usize;
    at(bytes, off, b"PE\0\0")
}

/// UTF-8 without NUL or many control characters in the first 4 KiB.
fn looks_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    if head.contains(&0) {
        return false;
    }
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        // a multi-byte character cut at the window's end
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    };
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    valid && control * 100 <= head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(detect(b""), Kind::Empty);
        assert_eq!(detect(b"\x1f\x8b\x08\0"), Kind::Gzip);
        assert_eq!(detect(b"\x7fELF\x02\x01"), Kind::Elf);
        assert_eq!(detect(b"070701000000"), Kind::Cpio);
        assert_eq!(detect(b"!<arch>\ndebian-binary"), Kind::Ar);
        assert_eq!(detect(b"hello world\n"), Kind::Text);
        assert_eq!(detect(b"MZ not a pe"), Kind::Text);
        assert_eq!(detect(b"\x00\x01\x02\x03"), Kind::Data);
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(detect(&tar), Kind::Tar);
        let mut lzma = vec![0x5d, 0, 0, 0x80, 0];
        lzma.extend_from_slice(&[0xff; 8]);
        assert_eq!(detect(&lzma), Kind::Lzma);
        assert_eq!(detect(b"ANDROID!\0\0"), Kind::AndroidBoot);
        assert_eq!(detect(b"VNDRBOOT\x03\0"), Kind::AndroidBoot);
        assert_eq!(detect(b"\x3a\xff\x26\xed\x01\0"), Kind::AndroidSparse);
        let mut iso = vec![0u8; 0x8006];
        iso[0x8001..0x8006].copy_from_slice(b"CD001");
        assert_eq!(detect(&iso), Kind::Iso9660);
        assert_eq!(detect(b"7z\xbc\xaf\x27\x1c\x00\x04"), Kind::SevenZip);
        assert!([Kind::Iso9660, Kind::AndroidBoot, Kind::AndroidSparse, Kind::SevenZip]
            .iter()
            .all(|k| k.is_archive() && !k.is_unread_container()));
    }

    #[test]
    fn weak_magics_need_a_sound_header_behind_them() {
        // JFFS2: a clean marker node with its header CRC, then the same with the CRC wrong
        let mut node = b"\x85\x19\x03\x20\x0c\x00\x00\x00".to_vec();
        node.extend(super::super::carve::crc32_raw(0, &node).to_le_bytes());
        assert_eq!(detect(&node), Kind::Jffs2);
        node[8] ^= 1;
        assert_eq!(detect(&node), Kind::Data);
        // .Z: a code width of 16 bits in block mode; reserved bits set is not one
        assert_eq!(detect(b"\x1f\x9d\x90rest"), Kind::UnixCompress);
        assert_eq!(detect(b"\x1f\x9d\xf0rest"), Kind::Data);
        assert_eq!(detect(b"LZIP\x01\x0cxxxx"), Kind::Lzip);
        assert_eq!(detect(b"LZIP is a word\n"), Kind::Text);
        // UBIFS: the node magic and a superblock node type
        let mut ubifs = vec![0u8; 32];
        ubifs[..4].copy_from_slice(UBIFS_MAGIC);
        assert_eq!(detect(&ubifs), Kind::Data);
        ubifs[20] = 6;
        assert_eq!(detect(&ubifs), Kind::Ubifs);
    }

    #[test]
    fn squashfs_compressors_the_reader_lacks_are_recognised_not_read() {
        let mut sb = vec![0u8; 96];
        sb[..4].copy_from_slice(b"hsqs");
        sb[28] = 4;
        for (id, kind) in [
            (1, Kind::SquashFs),
            (2, Kind::SquashFsUnread(SquashCompressor::Lzma)),
            (3, Kind::SquashFs),
            (4, Kind::SquashFs),
            (5, Kind::SquashFs),
            (6, Kind::SquashFs),
        ] {
            sb[20] = id;
            assert_eq!(detect(&sb), kind, "compressor {id}");
        }
        let lzma = Kind::SquashFsUnread(SquashCompressor::Lzma);
        assert!(lzma.is_unread_container() && !lzma.is_archive());
        assert_eq!(
            (lzma.name(), lzma.description()),
            ("squashfs", "squashfs with lzma compression")
        );
    }
}
