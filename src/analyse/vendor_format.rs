//! The format scan: is a file in a vendor's own update or flash format? A format is magic bytes
//! at fixed offsets from the start of the file (every one must match) and a smallest size; the
//! scan is handed them as plain data (`rules::format_magics` turns the rules' `firmware_formats`
//! into them), so it knows nothing of rules or vendors. A match is reported as evidence field
//! `firmware-format` with the format's name and the offset of its first magic.
//!
//! Only the start of the file is looked at: a format's header is where its packer puts it. A
//! format embedded at an offset of a larger dump is found when the walker carves that region out
//! as a file of its own.

use super::{Analyser, FileView};
use crate::model::Facts;

/// One format: its name, (offset, bytes) that must all stand in the file, and the size below
/// which a file cannot be in it (a header cut short is not the format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub magic: Vec<(u64, Vec<u8>)>,
    pub min_size: u64,
}

impl Signature {
    fn matches(&self, bytes: &[u8]) -> bool {
        !self.magic.is_empty()
            && bytes.len() as u64 >= self.min_size
            && self.magic.iter().all(|(offset, want)| {
                usize::try_from(*offset)
                    .ok()
                    .and_then(|start| bytes.get(start..start.checked_add(want.len())?))
                    .is_some_and(|got| got == want.as_slice())
            })
    }
}

pub struct FormatScan {
    signatures: Vec<Signature>,
}

impl FormatScan {
    /// Signatures without magic are left out: they would match every file.
    pub fn new(signatures: impl IntoIterator<Item = Signature>) -> Self {
        FormatScan {
            signatures: signatures.into_iter().filter(|s| !s.magic.is_empty()).collect(),
        }
    }
}

impl Analyser for FormatScan {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        for s in self.signatures.iter().filter(|s| s.matches(file.bytes)) {
            let offset = s.magic.iter().map(|(o, _)| *o).min().unwrap_or(0);
            facts.evidence("firmware-format", s.name.clone(), Some(offset), "format magic");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::test_support::{evidence, run};
    use crate::firmware::detect::Kind;

    fn scan() -> FormatScan {
        FormatScan::new([
            Signature {
                name: "hwnp".into(),
                magic: vec![(0, b"HWNP".to_vec())],
                min_size: 36,
            },
            Signature {
                name: "two".into(),
                magic: vec![(0, b"AB".to_vec()), (8, b"CD".to_vec())],
                min_size: 0,
            },
            Signature {
                name: "none".into(),
                magic: vec![],
                min_size: 0,
            },
        ])
    }

    #[test]
    fn every_magic_at_its_offset_and_the_size() {
        let mut hwnp = b"HWNP".to_vec();
        hwnp.resize(36, 0);
        let f = run(&scan(), "f", &hwnp, Kind::Data);
        assert_eq!(evidence(&f), [("firmware-format", "hwnp", Some(0), "format magic")]);
        // Too short, magic elsewhere, second magic missing or cut off: nothing.
        for bytes in [
            &hwnp[..35],
            b"xHWNP0000000000000000000000000000000000",
            b"AB000000XD",
            b"AB000000C",
        ] {
            assert!(run(&scan(), "f", bytes, Kind::Data).evidence.is_empty());
        }
        let f = run(&scan(), "f", b"AB000000CD", Kind::Data);
        assert_eq!(evidence(&f), [("firmware-format", "two", Some(0), "format magic")]);
    }
}
