//! CMS / PKCS#7 SignedData (RFC 5652 §5) → who signed: each SignerInfo's issuer and serial, and
//! the signer's subject when the certificate set carries the signer's certificate. Used for
//! Authenticode (the PKCS#7 in a PE's certificate table) and Linux module signatures.
//!
//! Walked with asn1-rs (x509-parser's own ASN.1 layer, so names and certificates come out as
//! x509-parser types and one [`Name`] conversion serves everything) rather than the `cms` crate:
//! `cms` is strict DER and would reject the BER (indefinite lengths) some signing tools write,
//! and its names would need a second conversion. Only what identifies a signer is read; the
//! signature is not verified — vendorscan asks who signed, a verifier asks whether to trust it.

use x509_parser::asn1_rs::{Any, Class, FromBer, Oid, Tag};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use super::cert::{info_of, name_of, serial_hex, CertInfo, Name};

/// One signer of a SignedData.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub issuer: Name,
    /// Upper-case hex, as [`serial_hex`] writes it.
    pub serial: String,
    /// From the signer's certificate, when the SignedData includes it.
    pub subject: Option<Name>,
    /// The digest algorithm the signer used: `sha256`, `sha1`, `sm3` … or the dotted OID.
    pub digest: String,
    /// Byte offset in the input of the issuer name (of the SignerInfo when it names its signer
    /// by key identifier).
    pub issuer_offset: usize,
    /// Byte offset in the input of the signer's certificate, when included.
    pub certificate_offset: Option<usize>,
}

/// A certificate carried in the SignedData's certificate set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Included {
    /// Byte offset of the certificate in the input.
    pub offset: usize,
    pub info: CertInfo,
}

/// What a SignedData says about its signers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignedData {
    /// In order; the signers of nested Authenticode signatures (a second signature of the same
    /// file, kept in an unsigned attribute) follow the signer that carries them.
    pub signers: Vec<Signer>,
    /// Every certificate included, in order (nested signatures' certificates after).
    pub certificates: Vec<Included>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Pkcs7Error {
    #[error("not a PKCS#7 signature: {0}")]
    Malformed(&'static str),
    #[error("a PKCS#7 ContentInfo of type {0}, not signedData")]
    NotSignedData(String),
}

/// Most signers, certificates and attributes read per SignedData; real signatures have one or
/// two signers and a handful of certificates.
const MAX_SIGNERS: usize = 16;
const MAX_CERTIFICATES: usize = 64;
const MAX_ATTRIBUTES: usize = 64;
/// Authenticode nests a second signature inside the first; nothing legitimate nests deeper.
const MAX_NESTING: usize = 2;

/// 1.2.840.113549.1.7.2
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// 1.3.6.1.4.1.311.2.4.1, szOID_NESTED_SIGNATURE
const OID_NESTED_SIGNATURE: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x04, 0x01];

const DIGESTS: &[(&[u8], &str)] = &[
    (&[0x2b, 0x0e, 0x03, 0x02, 0x1a], "sha1"),
    (&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05], "md5"),
    (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01], "sha256"),
    (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02], "sha384"),
    (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03], "sha512"),
    (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04], "sha224"),
    (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x08], "sha3-256"),
    (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x09], "sha3-384"),
    (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x0a], "sha3-512"),
    (&[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x11], "sm3"),
];

/// The signers of a DER (or BER) ContentInfo holding SignedData.
pub fn signers(der: &[u8]) -> Result<Vec<Signer>, Pkcs7Error> {
    parse(der).map(|s| s.signers)
}

/// Signers and included certificates of a ContentInfo holding SignedData. Bytes after the
/// ContentInfo (Authenticode pads its entries to 8 bytes) are ignored.
pub fn parse(der: &[u8]) -> Result<SignedData, Pkcs7Error> {
    let mut out = SignedData::default();
    content_info(der, 0, 0, &mut out)?;
    Ok(out)
}

/// One TLV of the input: its content, its whole encoding, and where both start in the input.
struct Tlv<'a> {
    any: Any<'a>,
    raw: &'a [u8],
    offset: usize,
    content_offset: usize,
}

impl<'a> Tlv<'a> {
    fn is(&self, class: Class, tag: Tag) -> bool {
        self.any.class() == class && self.any.tag() == tag
    }

    fn universal(&self, tag: Tag) -> bool {
        self.is(Class::Universal, tag)
    }

    fn context(&self, n: u32) -> bool {
        self.is(Class::ContextSpecific, Tag(n))
    }

    fn children(&self) -> Elements<'a> {
        Elements {
            rest: self.any.data,
            offset: self.content_offset,
        }
    }
}

/// The elements of a constructed value, one after another, each with its offset in the input.
/// Ends at the end of the content or at an end-of-contents marker (BER indefinite length).
struct Elements<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> Elements<'a> {
    fn next_tlv(&mut self) -> Result<Option<Tlv<'a>>, Pkcs7Error> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (rest, any) = Any::from_ber(self.rest).map_err(|_| Pkcs7Error::Malformed("bad ASN.1 encoding"))?;
        if any.class() == Class::Universal && any.tag() == Tag::EndOfContent {
            self.rest = &[];
            return Ok(None);
        }
        let used = self.rest.len() - rest.len();
        let raw = &self.rest[..used];
        // `any.data` lies inside `raw`; its distance from the start is the header's length.
        let header = (any.data.as_ptr() as usize)
            .saturating_sub(raw.as_ptr() as usize)
            .min(used);
        let tlv = Tlv {
            raw,
            offset: self.offset,
            content_offset: self.offset + header,
            any,
        };
        self.rest = rest;
        self.offset += used;
        Ok(Some(tlv))
    }

    /// The next element, which the structure requires.
    fn expect(&mut self, what: &'static str) -> Result<Tlv<'a>, Pkcs7Error> {
        self.next_tlv()?.ok_or(Pkcs7Error::Malformed(what))
    }
}

/// ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
fn content_info(der: &[u8], base: usize, depth: usize, out: &mut SignedData) -> Result<(), Pkcs7Error> {
    let mut top = Elements {
        rest: der,
        offset: base,
    };
    let ci = top.expect("empty")?;
    if !ci.universal(Tag::Sequence) {
        return Err(Pkcs7Error::Malformed("ContentInfo is not a SEQUENCE"));
    }
    let mut fields = ci.children();
    let kind = fields.expect("no content type")?;
    if !kind.universal(Tag::Oid) {
        return Err(Pkcs7Error::Malformed("content type is not an OID"));
    }
    if kind.any.data != OID_SIGNED_DATA {
        return Err(Pkcs7Error::NotSignedData(oid_text(kind.any.data)));
    }
    let explicit = fields.expect("no content")?;
    if !explicit.context(0) {
        return Err(Pkcs7Error::Malformed("content is not [0]"));
    }
    let signed = explicit.children().expect("empty content")?;
    if !signed.universal(Tag::Sequence) {
        return Err(Pkcs7Error::Malformed("SignedData is not a SEQUENCE"));
    }
    signed_data(&signed, depth, out)
}

/// SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo SEQUENCE,
/// certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
fn signed_data(signed: &Tlv<'_>, depth: usize, out: &mut SignedData) -> Result<(), Pkcs7Error> {
    let mut fields = signed.children();
    let version = fields.expect("no version")?;
    if !version.universal(Tag::Integer) {
        return Err(Pkcs7Error::Malformed("SignedData version is not an INTEGER"));
    }
    if !fields.expect("no digest algorithms")?.universal(Tag::Set) {
        return Err(Pkcs7Error::Malformed("digestAlgorithms is not a SET"));
    }
    if !fields.expect("no encapsulated content")?.universal(Tag::Sequence) {
        return Err(Pkcs7Error::Malformed("encapContentInfo is not a SEQUENCE"));
    }
    let mut certs: Vec<(usize, X509Certificate<'_>)> = Vec::new();
    let signer_infos = loop {
        let field = fields.expect("no signerInfos")?;
        if field.context(0) {
            certificates(&field, &mut certs)?;
        } else if field.universal(Tag::Set) {
            break field;
        } else if !field.context(1) {
            return Err(Pkcs7Error::Malformed("unexpected field in SignedData"));
        }
    };
    let room = MAX_CERTIFICATES.saturating_sub(out.certificates.len());
    out.certificates
        .extend(certs.iter().take(room).map(|(offset, c)| Included {
            offset: *offset,
            info: info_of(c),
        }));
    let mut infos = signer_infos.children();
    for _ in 0..MAX_SIGNERS {
        let Some(info) = infos.next_tlv()? else { break };
        if out.signers.len() >= MAX_SIGNERS {
            break;
        }
        // A SignerInfo this parser cannot read does not hide the others.
        let Ok(read) = signer_info(&info, &certs) else { continue };
        if let Some(signer) = read.signer {
            out.signers.push(signer);
        }
        if depth < MAX_NESTING {
            for nested in read.nested {
                // A broken nested signature leaves the outer one standing.
                let mut inner = SignedData::default();
                if content_info(nested.raw, nested.offset, depth + 1, &mut inner).is_ok() {
                    out.signers.append(&mut inner.signers);
                    out.certificates.append(&mut inner.certificates);
                    out.signers.truncate(MAX_SIGNERS);
                    out.certificates.truncate(MAX_CERTIFICATES);
                }
            }
        }
    }
    Ok(())
}

/// `certificates [0] IMPLICIT SET OF CertificateChoices`: the plain certificates among them
/// (other choices — attribute certificates, `other` — are skipped).
fn certificates<'a>(set: &Tlv<'a>, out: &mut Vec<(usize, X509Certificate<'a>)>) -> Result<(), Pkcs7Error> {
    let mut items = set.children();
    while let Some(item) = items.next_tlv()? {
        if out.len() >= MAX_CERTIFICATES {
            break;
        }
        if item.universal(Tag::Sequence) {
            if let Ok((_, cert)) = X509Certificate::from_der(item.raw) {
                out.push((item.offset, cert));
            }
        }
    }
    Ok(())
}

/// What one SignerInfo yields: its signer (unless named by a key identifier no included
/// certificate has) and the nested signatures it carries.
struct SignerInfoRead<'a> {
    signer: Option<Signer>,
    nested: Vec<Tlv<'a>>,
}

/// SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] OPTIONAL,
/// signatureAlgorithm, signature, unsignedAttrs [1] OPTIONAL }
fn signer_info<'a>(info: &Tlv<'a>, certs: &[(usize, X509Certificate<'_>)]) -> Result<SignerInfoRead<'a>, Pkcs7Error> {
    if !info.universal(Tag::Sequence) {
        return Err(Pkcs7Error::Malformed("SignerInfo is not a SEQUENCE"));
    }
    let mut fields = info.children();
    if !fields.expect("no SignerInfo version")?.universal(Tag::Integer) {
        return Err(Pkcs7Error::Malformed("SignerInfo version is not an INTEGER"));
    }
    let sid = fields.expect("no signer identifier")?;
    let digest_alg = fields.expect("no digest algorithm")?;
    let digest = match digest_alg.children().next_tlv()? {
        Some(oid) if oid.universal(Tag::Oid) => digest_name(oid.any.data),
        _ => return Err(Pkcs7Error::Malformed("digestAlgorithm has no OID")),
    };
    let mut nested = Vec::new();
    while let Some(field) = fields.next_tlv()? {
        if field.context(1) {
            nested = nested_signatures(&field)?;
        }
    }
    let signer = if sid.universal(Tag::Sequence) {
        Some(by_issuer_and_serial(&sid, certs, digest)?)
    } else if sid.context(0) {
        by_key_identifier(sid.any.data, sid.offset, certs, digest)
    } else {
        return Err(Pkcs7Error::Malformed("unknown signer identifier"));
    };
    Ok(SignerInfoRead { signer, nested })
}

/// IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber INTEGER }
fn by_issuer_and_serial(
    sid: &Tlv<'_>,
    certs: &[(usize, X509Certificate<'_>)],
    digest: String,
) -> Result<Signer, Pkcs7Error> {
    let mut parts = sid.children();
    let issuer = parts.expect("no issuer")?;
    let serial = parts.expect("no serial")?;
    if !serial.universal(Tag::Integer) {
        return Err(Pkcs7Error::Malformed("serial is not an INTEGER"));
    }
    let (_, name) = X509Name::from_der(issuer.raw).map_err(|_| Pkcs7Error::Malformed("bad issuer name"))?;
    let cert = certs.iter().find(|(_, c)| {
        strip_zeros(c.raw_serial()) == strip_zeros(serial.any.data)
            && (c.issuer().as_raw() == issuer.raw || c.issuer() == &name)
    });
    Ok(Signer {
        issuer: name_of(&name),
        serial: serial_hex(serial.any.data),
        subject: cert.map(|(_, c)| name_of(c.subject())),
        digest,
        issuer_offset: issuer.offset,
        certificate_offset: cert.map(|(offset, _)| *offset),
    })
}

/// `subjectKeyIdentifier [0] IMPLICIT OCTET STRING`: only an included certificate with that
/// key identifier can name the signer.
fn by_key_identifier(
    key_id: &[u8],
    offset: usize,
    certs: &[(usize, X509Certificate<'_>)],
    digest: String,
) -> Option<Signer> {
    let (cert_offset, cert) = certs.iter().find(|(_, c)| {
        c.extensions().iter().any(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => k.0 == key_id,
            _ => false,
        })
    })?;
    Some(Signer {
        issuer: name_of(cert.issuer()),
        serial: serial_hex(cert.raw_serial()),
        subject: Some(name_of(cert.subject())),
        digest,
        issuer_offset: offset,
        certificate_offset: Some(*cert_offset),
    })
}

/// `unsignedAttrs [1] IMPLICIT SET OF Attribute`, Attribute ::= SEQUENCE { type OID, values SET }:
/// the ContentInfos of Authenticode nested signatures. (The RFC 3161 timestamp, also kept here,
/// is a signature over the signature by a time-stamping authority, not over the file.)
fn nested_signatures<'a>(attrs: &Tlv<'a>) -> Result<Vec<Tlv<'a>>, Pkcs7Error> {
    let mut out = Vec::new();
    let mut items = attrs.children();
    for _ in 0..MAX_ATTRIBUTES {
        let Some(attr) = items.next_tlv()? else { break };
        let mut parts = attr.children();
        let Some(kind) = parts.next_tlv()? else { continue };
        if !kind.universal(Tag::Oid) || kind.any.data != OID_NESTED_SIGNATURE {
            continue;
        }
        let Some(values) = parts.next_tlv()? else { continue };
        let mut values = values.children();
        while let Some(value) = values.next_tlv()? {
            if out.len() >= MAX_SIGNERS {
                break;
            }
            out.push(value);
        }
    }
    Ok(out)
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn digest_name(oid: &[u8]) -> String {
    match DIGESTS.iter().find(|(o, _)| *o == oid) {
        Some((_, name)) => (*name).to_string(),
        None => oid_text(oid),
    }
}

/// An OID's content octets in dotted form (`1.2.840.113549.1.7.1`), or hex if they do not
/// decode as one.
fn oid_text(content: &[u8]) -> String {
    Oid::new(std::borrow::Cow::Borrowed(content)).to_id_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/analyse/sig/");

    /// The PKCS#7 of a fixture module: the `sig_len` bytes before the 12-byte info and trailer.
    fn module_pkcs7(name: &str) -> Vec<u8> {
        let bytes = std::fs::read(format!("{DIR}{name}")).expect("fixture");
        let info = bytes.len() - 28 - 12;
        let len = u32::from_be_bytes(bytes[info + 8..info + 12].try_into().expect("4 bytes")) as usize;
        bytes[info - len..info].to_vec()
    }

    #[test]
    fn issuer_and_serial_without_certificates() {
        let der = module_pkcs7("module-nocerts.ko");
        let data = parse(&der).expect("parses");
        assert!(data.certificates.is_empty());
        let [signer] = data.signers.as_slice() else {
            panic!("{data:?}")
        };
        assert_eq!(signer.issuer.o, ["Huawei Technologies Co., Ltd."]);
        assert_eq!(
            signer.issuer.text,
            "C=CN, O=Huawei Technologies Co.\\, Ltd., OU=Vendorscan Test, CN=Vendorscan Test Root CA"
        );
        assert_eq!(signer.serial, "1001");
        assert_eq!(signer.subject, None);
        assert_eq!(signer.digest, "sha256");
        assert_eq!(&der[signer.issuer_offset..signer.issuer_offset + 2], [0x30, 0x71]);
        assert_eq!(signer.certificate_offset, None);
    }

    #[test]
    fn signer_subject_from_the_included_certificate() {
        let der = module_pkcs7("module-certs.ko");
        let data = parse(&der).expect("parses");
        let [cert] = data.certificates.as_slice() else {
            panic!("{data:?}")
        };
        assert_eq!(cert.info.subject.o, ["HiSilicon Technologies Co., Ltd."]);
        assert_eq!(cert.info.serial, "1002");
        let [signer] = data.signers.as_slice() else {
            panic!("{data:?}")
        };
        assert_eq!(signer.issuer.o, ["Huawei Technologies Co., Ltd."]);
        assert_eq!(signer.serial, "1002");
        let subject = signer.subject.as_ref().expect("subject");
        assert_eq!(
            subject.text,
            "C=CN, O=HiSilicon Technologies Co.\\, Ltd., CN=leaf.hisilicon.test"
        );
        assert_eq!(signer.certificate_offset, Some(cert.offset));
    }

    #[test]
    fn ber_with_indefinite_lengths() {
        let ber = std::fs::read(format!("{DIR}leaf-ber.p7")).expect("fixture");
        assert_eq!(&ber[..2], [0x30, 0x80]);
        let data = parse(&ber).expect("parses");
        let [cert] = data.certificates.as_slice() else {
            panic!("{data:?}")
        };
        let [signer] = data.signers.as_slice() else {
            panic!("{data:?}")
        };
        assert_eq!(
            signer.subject.as_ref().map(|s| s.o.clone()),
            Some(vec!["HiSilicon Technologies Co., Ltd.".to_string()])
        );
        assert_eq!(signer.serial, "1002");
        assert_eq!(signer.certificate_offset, Some(cert.offset));
        assert_eq!(&ber[cert.offset..cert.offset + 2], [0x30, 0x82]);
    }

    #[test]
    fn truncated_and_garbage_inputs_are_errors() {
        let der = module_pkcs7("module-certs.ko");
        for cut in 0..der.len() {
            // the outer SEQUENCE's length is not met by any proper prefix
            assert!(parse(&der[..cut]).is_err(), "cut at {cut}");
        }
        // trailing bytes (Authenticode's padding) are ignored
        let mut padded = der.clone();
        padded.extend([0; 7]);
        assert_eq!(parse(&padded), parse(&der));
        assert_eq!(parse(&[]), Err(Pkcs7Error::Malformed("empty")));
        assert!(parse(b"\x30\x80\x30\x80\x30\x80").is_err());
        let data_oid = b"\x30\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01";
        assert_eq!(
            parse(data_oid),
            Err(Pkcs7Error::NotSignedData("1.2.840.113549.1.7.1".into()))
        );
        let mut flipped = der.clone();
        for i in (0..flipped.len()).step_by(7) {
            flipped[i] ^= 0x5a;
            let _ = parse(&flipped);
        }
    }

    #[test]
    fn deep_indefinite_nesting_is_bounded() {
        let mut deep = b"\x30\x80".repeat(10_000);
        deep.extend(b"\x00\x00".repeat(10_000));
        assert!(parse(&deep).is_err());
    }
}
