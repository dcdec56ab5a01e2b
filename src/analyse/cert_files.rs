//! The [`Certificates`] analyser: certificate files (PEM, DER) and certificates embedded in blobs,
//! read by [`super::signatures::cert`].
//!
//! A certificate that merely sits in a file — a CA bundle, a trust store, a pinned server
//! certificate compiled into a binary — says the file knows of that party, not that the party
//! signed it; so these are recorded as `cert-embedded` (a mention). `cert-subject` is kept for
//! the signer of a signature that covers the file, which the Authenticode ([`super::pe`]) and
//! module-signature ([`super::modsig`]) analysers record; the certificates inside those
//! signatures are skipped here so one certificate is not reported twice with two meanings.

use std::ops::Range;

use base64::Engine as _;
use memchr::memmem;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::signatures::cert::{info_of, CertInfo};
use super::{Analyser, FileView};
use crate::firmware::detect::Kind;
use crate::model::Facts;

/// Most certificates recorded per file: a system CA bundle holds about 150.
const MAX_CERTS: usize = 256;
/// Most PEM blocks and most DER candidates tried per file, so a blob full of `-----BEGIN` or
/// `30 82` patterns costs a bounded time (each try reads at most 64 KiB).
const MAX_TRIES: usize = 4096;
/// Longest PEM block body read; real certificates are a few KiB of base64.
const MAX_PEM_BODY: usize = 64 * 1024;

/// Records every certificate in a file as `cert-embedded` evidence with its properties.
pub struct Certificates;

impl Analyser for Certificates {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        let bytes = file.bytes;
        let mut found = pem_certificates(bytes);
        let binary = !matches!(file.kind, Kind::Text | Kind::Certificate | Kind::Empty);
        if binary {
            let skip = signature_ranges(bytes, file.kind);
            found.extend(der_certificates(bytes, &skip, MAX_CERTS.saturating_sub(found.len())));
            found.sort_by_key(|f| f.offset);
        }
        // A certificate file is one that is certificates as a whole: PEM text, or one DER
        // certificate filling the file. In anything else they are embedded.
        let whole_der = found.len() == 1 && found[0].offset == 0 && found[0].len == bytes.len();
        let standalone = matches!(file.kind, Kind::Text | Kind::Certificate) || whole_der;
        let place = if standalone {
            "certificate"
        } else {
            "embedded certificate"
        };
        for (i, f) in found.iter().take(MAX_CERTS).enumerate() {
            record(facts, &f.info, f.offset, &format!("{place} {} subject", i + 1));
        }
    }
}

fn record(facts: &mut Facts, info: &CertInfo, offset: usize, place: &str) {
    if let Some(party) = info.subject.party() {
        facts.evidence("cert-embedded", party, Some(offset as u64), place);
    }
    facts.property("cert-subject", info.subject.text.clone());
    facts.property("cert-issuer", info.issuer.text.clone());
    facts.property("cert-serial", info.serial.clone());
    facts.property("cert-not-before", info.not_before.clone());
    facts.property("cert-not-after", info.not_after.clone());
}

/// A certificate found in a file: where it starts, how many bytes it spans there (the PEM
/// block or the DER), and what it says.
#[derive(Debug, Clone)]
struct Found {
    offset: usize,
    len: usize,
    info: CertInfo,
}

/// The parts of a file that are signatures covering it, whose certificates the signature
/// analysers report as signers.
fn signature_ranges(bytes: &[u8], kind: Kind) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if kind == Kind::Pe {
        out.extend(super::pe::certificate_table(bytes));
    }
    if kind == Kind::MachO {
        out.extend(super::macho::signature_ranges(bytes));
    }
    out.extend(super::modsig::signature_range(bytes));
    out
}

const PEM_LABELS: &[&[u8]] = &[b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"];

/// Every `-----BEGIN CERTIFICATE-----` block (and the older `X509 CERTIFICATE`, OpenSSL's
/// `TRUSTED CERTIFICATE`) that decodes to a certificate, at the offset of its BEGIN line.
fn pem_certificates(bytes: &[u8]) -> Vec<Found> {
    let mut out = Vec::new();
    let mut tries = 0;
    for begin in memmem::find_iter(bytes, b"-----BEGIN ") {
        if out.len() >= MAX_CERTS || tries >= MAX_TRIES {
            break;
        }
        let Some(tail) = bytes.get(begin + 11..) else { break };
        let Some(label) = PEM_LABELS
            .iter()
            .find(|l| tail.starts_with(l) && tail[l.len()..].starts_with(b"-----"))
        else {
            continue;
        };
        tries += 1;
        let body_start = begin + 11 + label.len() + 5;
        let Some(window) = bytes.get(body_start..bytes.len().min(body_start + MAX_PEM_BODY)) else {
            continue;
        };
        let Some(end) = memmem::find(window, b"-----END ") else {
            continue;
        };
        let Some(der) = decode_base64(&window[..end]) else {
            continue;
        };
        if let Ok((_, cert)) = X509Certificate::from_der(&der) {
            let info = info_of(&cert);
            let footer = window[end..]
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(window.len() - end);
            out.push(Found {
                offset: begin,
                len: body_start - begin + end + footer,
                info,
            });
        }
    }
    out
}

/// The base64 body of a PEM block: whitespace ignored, anything else but base64 refused.
fn decode_base64(body: &[u8]) -> Option<Vec<u8>> {
    let clean: Vec<u8> = body.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(clean).ok()
}

/// Certificates in binary data: a `SEQUENCE` with a two-byte length whose first element is
/// another (the tbsCertificate), beginning with a version tag `[0]` or a serial INTEGER, and
/// confirmed by parsing the whole. Regions in `skip` are not searched; a parsed certificate is
/// skipped past.
fn der_certificates(bytes: &[u8], skip: &[Range<usize>], limit: usize) -> Vec<Found> {
    let mut out = Vec::new();
    let mut tries = 0;
    let mut next_free = 0;
    for offset in memmem::find_iter(bytes, b"\x30\x82") {
        if out.len() >= limit || tries >= MAX_TRIES {
            break;
        }
        if offset < next_free || skip.iter().any(|r| r.contains(&offset)) {
            continue;
        }
        let Some(head) = bytes.get(offset..offset + 9) else {
            break;
        };
        let len = usize::from(u16::from_be_bytes([head[2], head[3]])) + 4;
        let tbs_len = usize::from(u16::from_be_bytes([head[6], head[7]])) + 4;
        let plausible = head[4] == 0x30
            && head[5] == 0x82
            && tbs_len < len
            && (head[8] == 0xa0 || head[8] == 0x02)
            && offset + len <= bytes.len();
        if !plausible {
            continue;
        }
        tries += 1;
        let der = &bytes[offset..offset + len];
        if let Ok((_, cert)) = X509Certificate::from_der(der) {
            out.push(Found {
                offset,
                len,
                info: info_of(&cert),
            });
            next_free = offset + len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::test_support::{evidence, properties};

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/analyse/sig/");

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{DIR}{name}")).expect("fixture")
    }

    fn analyse(name: &str, kind: Kind) -> Facts {
        crate::analyse::test_support::run(&Certificates, name, &fixture(name), kind)
    }

    const CA_DN: &str = "C=CN, O=Huawei Technologies Co.\\, Ltd., OU=Vendorscan Test, CN=Vendorscan Test Root CA";
    const LEAF_DN: &str = "C=CN, O=HiSilicon Technologies Co.\\, Ltd., CN=leaf.hisilicon.test";

    #[test]
    fn pem_file() {
        let facts = analyse("huawei-ca.pem", Kind::Certificate);
        assert_eq!(
            evidence(&facts),
            [(
                "cert-embedded",
                "Huawei Technologies Co., Ltd.",
                Some(0),
                "certificate 1 subject"
            )]
        );
        assert_eq!(
            properties(&facts),
            [
                ("cert-subject", CA_DN),
                ("cert-issuer", CA_DN),
                ("cert-serial", "1001"),
                ("cert-not-before", "2020-01-01T00:00:00Z"),
                ("cert-not-after", "2040-01-01T00:00:00Z"),
            ]
        );
    }

    #[test]
    fn pem_bundle_with_text_before() {
        let bytes = fixture("bundle.pem");
        let second = memmem::find_iter(&bytes, b"-----BEGIN CERTIFICATE")
            .nth(1)
            .expect("two blocks");
        let facts = analyse("bundle.pem", Kind::Text);
        assert_eq!(
            evidence(&facts),
            [
                (
                    "cert-embedded",
                    "HiSilicon Technologies Co., Ltd.",
                    Some(38),
                    "certificate 1 subject"
                ),
                (
                    "cert-embedded",
                    "Huawei Technologies Co., Ltd.",
                    Some(second as u64),
                    "certificate 2 subject"
                ),
            ]
        );
        let props = properties(&facts);
        assert_eq!(props[0], ("cert-subject", LEAF_DN));
        assert_eq!(props[1], ("cert-issuer", CA_DN));
        assert_eq!(props[2], ("cert-serial", "1002"));
        assert_eq!(props.len(), 10);
    }

    #[test]
    fn der_file_is_a_certificate_file() {
        let facts = analyse("huawei-ca.der", Kind::Data);
        assert_eq!(
            evidence(&facts),
            [(
                "cert-embedded",
                "Huawei Technologies Co., Ltd.",
                Some(0),
                "certificate 1 subject"
            )]
        );
        assert_eq!(properties(&facts)[0], ("cert-subject", CA_DN));
    }

    #[test]
    fn der_embedded_at_an_odd_offset_decoys_ignored() {
        let facts = analyse("blob.bin", Kind::Data);
        assert_eq!(
            evidence(&facts),
            [(
                "cert-embedded",
                "HiSilicon Technologies Co., Ltd.",
                Some(0x1235),
                "embedded certificate 1 subject"
            )]
        );
        assert_eq!(properties(&facts)[1], ("cert-issuer", CA_DN));
    }

    #[test]
    fn signature_certificates_are_left_to_the_signature_analysers() {
        // The Authenticode signature holds the Dahua certificate; the module signature the
        // HiSilicon leaf. Both are signers, reported by pe.rs and modsig.rs, not here.
        assert!(analyse("camclient.exe", Kind::Pe).is_empty());
        assert!(analyse("module-certs.ko", Kind::Elf).is_empty());
        // Without the signature context (a blob of unknown type) the PE's certificate is
        // merely embedded.
        let facts = analyse("camclient.exe", Kind::Data);
        assert_eq!(
            evidence(&facts)[0].1,
            "Zhejiang Dahua Technology Co., Ltd.",
            "{facts:?}"
        );
    }

    #[test]
    fn garbage_never_panics() {
        let der = fixture("huawei-ca.der");
        for cut in [0, 1, 4, 5, 8, 9, 100, der.len() - 1] {
            let mut facts = Facts::default();
            Certificates.analyse(&FileView::new("x", &der[..cut], Kind::Data), &mut facts);
            assert!(facts.is_empty(), "cut at {cut}");
        }
        let pem = b"-----BEGIN CERTIFICATE-----\nMIIB!!!\n-----END CERTIFICATE-----\n-----BEGIN ";
        let mut facts = Facts::default();
        Certificates.analyse(&FileView::new("x", pem, Kind::Certificate), &mut facts);
        assert!(facts.is_empty());
        let many = b"\x30\x82\xff\xff\x30\x82\x00\x10\x02".repeat(10_000);
        assert!(der_certificates(&many, &[], MAX_CERTS).is_empty());
        let unterminated = b"-----BEGIN CERTIFICATE-----MIIB".repeat(5_000);
        assert!(pem_certificates(&unterminated).is_empty());
    }

    #[test]
    fn grub_signature_certificates_are_not_embedded_certificates() {
        let dir = std::env::var("VENDORSCAN_CORPUS")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus").to_string());
        let path = format!("{dir}/bin/grubx64.efi.signed");
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("skipped: {path} not found");
            return;
        };
        let run = |kind| {
            let mut facts = Facts::default();
            Certificates.analyse(&FileView::new("grubx64.efi.signed", &bytes, kind), &mut facts);
            facts
        };
        assert!(run(Kind::Pe).is_empty());
        let as_blob = run(Kind::Data);
        let values: Vec<_> = as_blob.evidence.iter().map(|e| e.value.as_str()).collect();
        eprintln!("{values:?}");
        assert!(values.contains(&"Debian Secure Boot Signer 2022 - grub2"), "{values:?}");
    }
}
