//! What a run of bytes is, from its content (magic numbers at fixed offsets), never its name.

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
    // filesystems: recognised, not unpacked yet
    Ubi,
    Jffs2,
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
            Kind::Ubi => "ubi",
            Kind::Jffs2 => "jffs2",
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
            Kind::Gzip | Kind::Xz | Kind::Lzma | Kind::Bzip2 | Kind::Zstd | Kind::Lz4
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
        )
    }

    /// Recognised as a container the walker does not unpack yet: reported, not opened.
    pub fn is_unread_container(self) -> bool {
        matches!(self, Kind::Ubi | Kind::Jffs2)
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
        (1080, b"\x53\xef", Kind::Ext),
        (0x8001, b"CD001", Kind::Iso9660),
        (512, b"EFI PART", Kind::Gpt),
        (0, b"\x27\x05\x19\x56", Kind::UImage),
        (0, b"\xd0\x0d\xfe\xed", Kind::Fdt),
        (0, b"ANDROID!", Kind::AndroidBoot),
        (0, b"VNDRBOOT", Kind::AndroidBoot),
        (0, b"\x3a\xff\x26\xed", Kind::AndroidSparse),
        (0, b"UBI#", Kind::Ubi),
        (0, b"\x85\x19", Kind::Jffs2),
        (0, b"\x19\x85", Kind::Jffs2),
        (0, b"\x7fELF", Kind::Elf),
        (0, b"-----BEGIN CERTIFICATE-----", Kind::Certificate),
    ];
    for &(offset, magic, kind) in checks {
        if at(bytes, offset, magic) {
            if kind == Kind::Fdt && super::containers::fit::is_fit(bytes) {
                return Kind::Fit;
            }
            return kind;
        }
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
        assert!([Kind::Iso9660, Kind::AndroidBoot, Kind::AndroidSparse]
            .iter()
            .all(|k| k.is_archive() && !k.is_unread_container()));
    }
}
