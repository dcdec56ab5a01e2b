//! Mach-O code signatures: the signing identifier and team identifier from the CodeDirectory,
//! and the signer of the CMS signature blob (an Apple Developer ID certificate names the company
//! in O= and the team in OU=). Thin and fat (universal) binaries; goblin reads the load
//! commands, the signature's SuperBlob is read here (goblin does not parse it), bounded.

use super::signatures::pkcs7;
use super::{Analyser, FileView};
use crate::firmware::detect::Kind;
use crate::model::Facts;
use goblin::mach::load_command::CommandVariant;

const SUPERBLOB: u32 = 0xfade_0cc0;
const CODEDIRECTORY: u32 = 0xfade_0c02;
const BLOBWRAPPER: u32 = 0xfade_0b01;
/// A SuperBlob lists a handful of slots; more is not a real signature.
const MAX_SLOTS: u32 = 64;
/// Architectures of a fat binary read, at most.
const MAX_ARCHES: usize = 16;

pub struct MachO;

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// A NUL-terminated string at `at`, at most 256 bytes.
fn c_string(bytes: &[u8], at: usize) -> Option<String> {
    let rest = bytes.get(at..)?;
    let end = rest.iter().take(256).position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned()).filter(|s| !s.is_empty())
}

/// The thin images of a Mach-O file with their offsets: itself, or each architecture of a fat
/// binary.
fn images(bytes: &[u8]) -> Vec<(usize, &[u8])> {
    if !bytes.starts_with(&[0xca, 0xfe, 0xba, 0xbe]) {
        return vec![(0, bytes)];
    }
    let Ok(arches) = goblin::mach::MultiArch::new(bytes).and_then(|m| m.arches()) else {
        return Vec::new();
    };
    arches
        .iter()
        .take(MAX_ARCHES)
        .filter_map(|arch| {
            let (start, size) = (arch.offset as usize, arch.size as usize);
            Some((start, bytes.get(start..start.checked_add(size)?)?))
        })
        .collect()
}

/// The code-signature blob of a thin image (offset in the image, bytes), if it has one.
fn code_signature(macho: &goblin::mach::MachO<'_>, image: &[u8]) -> Option<(usize, usize)> {
    let (off, size) = macho.load_commands.iter().find_map(|lc| match &lc.command {
        CommandVariant::CodeSignature(cs) => Some((cs.dataoff as usize, cs.datasize as usize)),
        _ => None,
    })?;
    off.checked_add(size)
        .filter(|&end| end <= image.len())
        .map(|_| (off, size))
}

/// The byte ranges of a Mach-O file that are code signatures, whose certificates are reported
/// as signers (so the certificate scan leaves them alone).
pub fn signature_ranges(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    images(bytes)
        .into_iter()
        .filter_map(|(base, image)| {
            let macho = goblin::mach::MachO::parse(image, 0).ok()?;
            let (off, size) = code_signature(&macho, image)?;
            Some(base + off..base + off + size)
        })
        .collect()
}

/// The code signature of one thin Mach-O (`image`, at `base` in the file): identifier, team and
/// CMS signers.
fn signature(image: &[u8], base: usize, facts: &mut Facts) {
    let Ok(macho) = goblin::mach::MachO::parse(image, 0) else {
        return;
    };
    let cpu = goblin::mach::cputype::get_arch_name_from_types(macho.header.cputype, macho.header.cpusubtype);
    facts.property("macho-cpu", cpu.unwrap_or("unknown").to_string());
    let Some((off, size)) = code_signature(&macho, image) else {
        return;
    };
    let blob = &image[off..off + size];
    if be32(blob, 0) != Some(SUPERBLOB) {
        return;
    }
    let count = be32(blob, 8).unwrap_or(0).min(MAX_SLOTS) as usize;
    for slot in 0..count {
        let Some(at) = be32(blob, 12 + slot * 8 + 4).map(|a| a as usize) else {
            break;
        };
        let (Some(magic), Some(len)) = (be32(blob, at), be32(blob, at + 4)) else {
            continue;
        };
        let Some(item) = blob.get(at..at.saturating_add(len as usize)) else {
            continue;
        };
        match magic {
            CODEDIRECTORY => {
                let version = be32(item, 8).unwrap_or(0);
                if let Some(id) = be32(item, 20).and_then(|o| c_string(item, o as usize)) {
                    facts.property("macho-identifier", id);
                }
                if version >= 0x20200 {
                    if let Some(team) = be32(item, 48)
                        .filter(|&o| o != 0)
                        .and_then(|o| c_string(item, o as usize))
                    {
                        facts.property("macho-team-id", team);
                    }
                }
            }
            BLOBWRAPPER => {
                let Some(cms) = item.get(8..) else { continue };
                let Ok(signers) = pkcs7::signers(cms) else { continue };
                for signer in signers {
                    let Some(subject) = &signer.subject else { continue };
                    if let Some(party) = subject.party() {
                        let offset = signer.certificate_offset.map(|o| (base + off + at + 8 + o) as u64);
                        facts.evidence("cert-subject", party, offset, "code signature signer");
                    }
                    facts.property("signer-subject", subject.text.clone());
                    facts.property("signer-issuer", signer.issuer.text.clone());
                }
            }
            _ => {}
        }
    }
}

impl Analyser for MachO {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        if file.kind != Kind::MachO {
            return;
        }
        for (base, image) in images(file.bytes) {
            signature(image, base, facts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_binary_names_its_identifier_team_and_signer() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/analyse/macho/signed.macho"
        ))
        .unwrap();
        assert_eq!(crate::firmware::detect::detect(&bytes), Kind::MachO);
        let mut facts = Facts::default();
        MachO.analyse(&FileView::new("signed.macho", &bytes, Kind::MachO), &mut facts);
        let prop = |n: &str| facts.properties.iter().find(|p| p.name == n).map(|p| p.value.as_str());
        assert_eq!(prop("macho-cpu"), Some("arm64"));
        assert_eq!(prop("macho-identifier"), Some("com.huawei.hisuite"));
        assert_eq!(prop("macho-team-id"), Some("ABCDE12345"));
        assert_eq!(facts.evidence.len(), 1);
        let e = &facts.evidence[0];
        assert_eq!(
            (e.field, e.value.as_str(), e.place.as_str()),
            ("cert-subject", "Huawei Device Co., Ltd.", "code signature signer")
        );
        // the certificate lies inside the signature blob, which starts at 0x1000
        assert!(e.offset.unwrap() > 0x1000);
        assert_eq!(signature_ranges(&bytes).len(), 1);
        assert_eq!(signature_ranges(&bytes)[0].start, 0x1000);
    }

    #[test]
    fn truncated_and_garbage_input_gives_nothing() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/analyse/macho/signed.macho"
        ))
        .unwrap();
        for cut in (0..bytes.len()).step_by(97) {
            let mut facts = Facts::default();
            MachO.analyse(&FileView::new("x", &bytes[..cut], Kind::MachO), &mut facts);
            assert!(facts.evidence.iter().all(|e| e.field == "cert-subject"));
        }
        let mut fat = vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2];
        fat.extend_from_slice(&[0xff; 40]);
        let mut facts = Facts::default();
        MachO.analyse(&FileView::new("x", &fat, Kind::MachO), &mut facts);
        assert!(facts.is_empty());
    }
}
