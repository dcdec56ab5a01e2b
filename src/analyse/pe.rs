//! PE/COFF images (Windows executables and drivers, UEFI applications): the version resource,
//! which names the company that built the file, and the Authenticode signature, which names
//! who signed it.
//!
//! goblin reads the headers and section table. The version resource and the certificate table
//! are read by the bounded parsers in [`version`] and [`authenticode`]: goblin's own version
//! parser reads the tree as a flat list, gives no file offsets, and fails the whole resource
//! on one odd entry; and its full `PE::parse` also reads imports, exports and relocations this
//! analyser does not need, any of which can fail a file that has a perfectly good signature.

mod authenticode;
mod version;

use std::ops::Range;

use goblin::pe::header::Header;
use goblin::pe::section_table::SectionTable;

use super::{Analyser, FileView};
use crate::firmware::detect::Kind;
use crate::model::Facts;

/// Records a PE's version strings, signers, machine and subsystem.
pub struct Pe;

impl Analyser for Pe {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        if file.kind != Kind::Pe {
            return;
        }
        let Some(image) = Image::parse(file.bytes) else { return };
        facts.property("pe-machine", machine_name(image.machine));
        if let Some(subsystem) = image.subsystem {
            facts.property("pe-subsystem", subsystem_name(subsystem));
        }
        version::record(&image, facts);
        if let Some(table) = image.certificates.clone() {
            authenticode::record(image.bytes, table, facts);
        }
    }
}

/// The bytes of a PE's certificate table (Authenticode signatures), clamped to the file.
pub fn certificate_table(bytes: &[u8]) -> Option<Range<usize>> {
    Image::parse(bytes)?.certificates
}

/// What the analyser needs of a PE's headers.
struct Image<'a> {
    bytes: &'a [u8],
    machine: u16,
    subsystem: Option<u16>,
    sections: Vec<SectionTable>,
    /// The resource directory's RVA, when the image has one.
    resources: Option<u32>,
    /// Data directory 4 holds a file offset, not an RVA: the table is not mapped into memory.
    certificates: Option<Range<usize>>,
}

impl<'a> Image<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Self> {
        let header = Header::parse(bytes).ok()?;
        let coff = header.coff_header;
        // The section table follows the optional header; a bad one leaves the certificate
        // table (a file offset) still readable.
        let mut at = usize::try_from(header.dos_header.pe_pointer).ok()?
            + 4
            + goblin::pe::header::SIZEOF_COFF_HEADER
            + usize::from(coff.size_of_optional_header);
        let sections = coff.sections(bytes, &mut at).unwrap_or_default();
        let optional = header.optional_header;
        let dirs = optional.as_ref().map(|o| &o.data_directories);
        let resources = dirs
            .and_then(|d| d.get_resource_table())
            .filter(|d| d.size > 0)
            .map(|d| d.virtual_address);
        let certificates = dirs.and_then(|d| d.get_certificate_table()).and_then(|d| {
            let start = usize::try_from(d.virtual_address).ok()?;
            let end = start.saturating_add(usize::try_from(d.size).ok()?).min(bytes.len());
            (d.size > 0 && start < end).then_some(start..end)
        });
        Some(Image {
            bytes,
            machine: coff.machine,
            subsystem: optional.map(|o| o.windows_fields.subsystem),
            sections,
            resources,
            certificates,
        })
    }

    /// The file offset of an RVA, if a section maps it from file data.
    fn offset_of(&self, rva: u32) -> Option<usize> {
        self.sections.iter().find_map(|s| {
            let delta = rva.checked_sub(s.virtual_address)?;
            let mapped = s.virtual_size.max(s.size_of_raw_data);
            if delta >= mapped || delta >= s.size_of_raw_data {
                return None;
            }
            let offset = usize::try_from(s.pointer_to_raw_data.checked_add(delta)?).ok()?;
            (offset < self.bytes.len()).then_some(offset)
        })
    }
}

fn machine_name(machine: u16) -> String {
    let name = match machine {
        0x014c => "x86",
        0x8664 => "x86-64",
        0x01c0 => "arm",
        0x01c2 => "thumb",
        0x01c4 => "armv7",
        0xaa64 => "arm64",
        0x0200 => "ia64",
        0x5032 => "riscv32",
        0x5064 => "riscv64",
        0x6264 => "loongarch64",
        0x0166 => "mips",
        0x01f0 => "powerpc",
        0x0ebc => "efi-byte-code",
        _ => return format!("0x{machine:04x}"),
    };
    name.to_string()
}

fn subsystem_name(subsystem: u16) -> String {
    let name = match subsystem {
        1 => "native",
        2 => "windows-gui",
        3 => "windows-console",
        5 => "os2-console",
        7 => "posix-console",
        8 => "native-windows",
        9 => "windows-ce-gui",
        10 => "efi-application",
        11 => "efi-boot-service-driver",
        12 => "efi-runtime-driver",
        13 => "efi-rom",
        14 => "xbox",
        16 => "windows-boot-application",
        _ => return subsystem.to_string(),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::test_support::{evidence, properties};

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/analyse/sig/");

    pub(super) fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{DIR}{name}")).expect("fixture")
    }

    pub(super) fn analyse(bytes: &[u8]) -> Facts {
        crate::analyse::test_support::run(&Pe, "x.exe", bytes, Kind::Pe)
    }

    const DAHUA_DN: &str = "C=CN, ST=Zhejiang, O=Zhejiang Dahua Technology Co.\\, Ltd., CN=Dahua Test Code Signing";

    #[test]
    fn signed_pe_with_version_resource() {
        let bytes = fixture("camclient.exe");
        let facts = analyse(&bytes);
        let ev = evidence(&facts);
        // offsets: mkpe.py puts VS_VERSIONINFO at 0x458, CompanyName's value at 0x510 and
        // LegalCopyright's at 0x65c; osslsigncode appends the certificate table at 0x800.
        assert_eq!(
            ev[..2],
            [
                (
                    "pe-company",
                    "Hangzhou Hikvision Digital Technology Co., Ltd.",
                    Some(0x510),
                    "VS_VERSIONINFO CompanyName"
                ),
                (
                    "copyright-holder",
                    "Hikvision",
                    Some(0x65c),
                    "VS_VERSIONINFO LegalCopyright"
                ),
            ]
        );
        let (field, value, Some(offset), place) = ev[2] else {
            panic!("{ev:?}")
        };
        assert_eq!(
            (field, value, place),
            (
                "cert-subject",
                "Zhejiang Dahua Technology Co., Ltd.",
                "authenticode signer"
            )
        );
        assert!(offset > 0x808 && offset < bytes.len() as u64);
        assert_eq!(&bytes[offset as usize..offset as usize + 2], [0x30, 0x82]);
        assert_eq!(ev.len(), 3);
        assert_eq!(
            properties(&facts),
            [
                ("pe-machine", "x86-64"),
                ("pe-subsystem", "windows-gui"),
                ("pe-file-description", "Vendorscan test camera client"),
                ("pe-file-version", "1.2.3.4"),
                ("pe-copyright", "Copyright (C) 2020 Hikvision"),
                ("pe-original-filename", "camclient.exe"),
                ("pe-product-name", "Vendorscan Test Client"),
                ("pe-product-version", "1.2"),
                ("signer-subject", DAHUA_DN),
                ("signer-issuer", DAHUA_DN),
                ("signer-serial", "2001"),
            ]
        );
        assert_eq!(certificate_table(&bytes), Some(0x800..bytes.len()));
    }

    #[test]
    fn nested_signature_signer_follows_the_primary() {
        let bytes = fixture("camclient-dual.exe");
        let facts = analyse(&bytes);
        let signers: Vec<_> = evidence(&facts)
            .into_iter()
            .filter(|e| e.0 == "cert-subject")
            .map(|e| (e.1, e.3))
            .collect();
        assert_eq!(
            signers,
            [
                ("Zhejiang Dahua Technology Co., Ltd.", "authenticode signer"),
                ("HiSilicon Technologies Co., Ltd.", "authenticode signer"),
            ]
        );
        let serials: Vec<_> = properties(&facts)
            .into_iter()
            .filter(|p| p.0 == "signer-serial")
            .map(|p| p.1)
            .collect();
        assert_eq!(serials, ["2001", "1002"]);
        for e in facts.evidence.iter().filter(|e| e.field == "cert-subject") {
            let at = e.offset.expect("offset") as usize;
            assert_eq!(&bytes[at..at + 2], [0x30, 0x82], "{e:?}");
        }
    }

    #[test]
    fn unsigned_pe_has_no_signer() {
        let facts = analyse(&fixture("camclient-unsigned.exe"));
        assert_eq!(facts.evidence.len(), 2);
        assert!(facts.properties.iter().all(|p| !p.name.starts_with("signer")));
    }

    /// Offset of data directory `n` in the fixture (PE32+: optional header at 0x58, directories
    /// 112 bytes into it).
    fn dir_entry(n: usize) -> usize {
        0x40 + 4 + 20 + 112 + 8 * n
    }

    #[test]
    fn certificate_table_out_of_the_file() {
        let bytes = fixture("camclient.exe");
        for (start, size) in [
            (0xffff_fff0u32, 0x100u32),
            (bytes.len() as u32, 0x10),
            (0x800, u32::MAX),
            (0x7ff, 0x690),
            (0x804, 8),
            (0, 0),
        ] {
            let mut bad = bytes.clone();
            let at = dir_entry(4);
            bad[at..at + 4].copy_from_slice(&start.to_le_bytes());
            bad[at + 4..at + 8].copy_from_slice(&size.to_le_bytes());
            let facts = analyse(&bad);
            assert!(
                facts.evidence.iter().all(|e| e.field != "cert-subject") || (start, size) == (0x800, u32::MAX),
                "{start:#x}+{size:#x}"
            );
            assert_eq!(facts.evidence[0].field, "pe-company");
        }
        // the length in the WIN_CERTIFICATE larger than the table
        let mut bad = bytes.clone();
        bad[0x800..0x804].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        assert_eq!(analyse(&bad).evidence.len(), 2);
    }

    #[test]
    fn resources_out_of_the_file_or_looping() {
        let bytes = fixture("camclient.exe");
        for (rva, size) in [(0xffff_0000u32, 0x100u32), (0x2000, u32::MAX), (0x1000, 0x10)] {
            let mut bad = bytes.clone();
            let at = dir_entry(2);
            bad[at..at + 4].copy_from_slice(&rva.to_le_bytes());
            bad[at + 4..at + 8].copy_from_slice(&size.to_le_bytes());
            let _ = analyse(&bad);
        }
        // the root directory's entry pointing back at the root
        let mut looping = bytes.clone();
        looping[0x414..0x418].copy_from_slice(&0x8000_0000u32.to_le_bytes());
        let facts = analyse(&looping);
        assert!(facts.evidence.iter().all(|e| e.field == "cert-subject"));
    }

    #[test]
    fn every_truncation_and_corruption_is_survived() {
        let bytes = fixture("camclient.exe");
        for cut in (0..bytes.len()).step_by(3) {
            let _ = analyse(&bytes[..cut]);
        }
        let mut flipped = bytes.clone();
        for i in (0..flipped.len()).step_by(5) {
            flipped[i] ^= 0xa5;
            let _ = analyse(&flipped);
        }
    }

    fn corpus(name: &str) -> Option<Vec<u8>> {
        let dir = std::env::var("VENDORSCAN_CORPUS")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus").to_string());
        let path = format!("{dir}/bin/{name}");
        match std::fs::read(&path) {
            Ok(b) => Some(b),
            Err(_) => {
                eprintln!("skipped: {path} not found");
                None
            }
        }
    }

    #[test]
    fn debian_grub_is_signed_by_debian() {
        let Some(bytes) = corpus("grubx64.efi.signed") else {
            return;
        };
        let facts = analyse(&bytes);
        let signers: Vec<_> = evidence(&facts)
            .into_iter()
            .filter(|e| e.0 == "cert-subject")
            .map(|e| (e.1, e.3))
            .collect();
        // no O= in Debian's certificates: the CN names the signer
        assert_eq!(
            signers,
            [("Debian Secure Boot Signer 2022 - grub2", "authenticode signer")]
        );
        let props = properties(&facts);
        assert!(props.contains(&("pe-machine", "x86-64")));
        assert!(props.contains(&("pe-subsystem", "efi-application")));
        assert!(props.contains(&("signer-subject", "CN=Debian Secure Boot Signer 2022 - grub2")));
        assert!(props.contains(&("signer-issuer", "CN=Debian Secure Boot CA")));
        assert!(props.contains(&("signer-serial", "32A0287F841A036FA393C1E065C43AE6B2422642")));
    }
}
