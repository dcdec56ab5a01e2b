//! Authenticode: the PKCS#7 SignedData in a PE's certificate table (data directory 4), a list of
//! WIN_CERTIFICATE entries `dwLength, wRevision, wCertificateType, bCertificate[]`, each
//! starting on an 8-byte boundary.

use std::ops::Range;

use crate::analyse::signatures::pkcs7;
use crate::model::Facts;

const WIN_CERT_REVISION_2_0: u16 = 0x0200;
const WIN_CERT_TYPE_PKCS_SIGNED_DATA: u16 = 0x0002;
/// Entries read; a file has one (dual signatures nest inside it).
const MAX_ENTRIES: usize = 8;

/// Records the signer of every Authenticode signature in the certificate table `table`.
pub(super) fn record(bytes: &[u8], table: Range<usize>, facts: &mut Facts) {
    for (offset, der) in signatures(bytes, table) {
        let Ok(signers) = pkcs7::signers(der) else { continue };
        for signer in signers {
            if let Some(subject) = &signer.subject {
                if let Some(party) = subject.party() {
                    let at = signer.certificate_offset.map(|c| (offset + c) as u64);
                    facts.evidence("cert-subject", party, at, "authenticode signer");
                }
                facts.property("signer-subject", subject.text.clone());
            }
            facts.property("signer-issuer", signer.issuer.text);
            facts.property("signer-serial", signer.serial);
        }
    }
}

/// The file offset and bytes of each PKCS#7 signature in the table.
fn signatures(bytes: &[u8], table: Range<usize>) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let end = table.end.min(bytes.len());
    let mut pos = table.start;
    for _ in 0..MAX_ENTRIES {
        let Some(head) = pos.checked_add(8).filter(|&h| h <= end).map(|h| &bytes[pos..h]) else {
            break;
        };
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let revision = u16::from_le_bytes([head[4], head[5]]);
        let kind = u16::from_le_bytes([head[6], head[7]]);
        let Some(entry_end) = pos.checked_add(len).filter(|&e| len >= 8 && e <= end) else {
            break;
        };
        if revision == WIN_CERT_REVISION_2_0 && kind == WIN_CERT_TYPE_PKCS_SIGNED_DATA {
            out.push((pos + 8, &bytes[pos + 8..entry_end]));
        }
        pos = entry_end.saturating_add(7) & !7;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::fixture;
    use super::*;

    #[test]
    fn one_signature_in_the_fixture() {
        let bytes = fixture("camclient.exe");
        let found = signatures(&bytes, 0x800..bytes.len());
        let [(offset, der)] = found[..] else {
            panic!("{found:?}")
        };
        assert_eq!(offset, 0x808);
        assert_eq!(der[0], 0x30);
        // a table starting inside the entry, or shorter than its length, yields nothing
        assert!(signatures(&bytes, 0x801..bytes.len()).is_empty());
        assert!(signatures(&bytes, 0x800..0x900).is_empty());
        assert!(signatures(&bytes, 0x800..usize::MAX).len() == 1);
    }
}
