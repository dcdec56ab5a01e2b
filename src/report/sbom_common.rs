//! What the CycloneDX and SPDX writers share: reproducible identifiers from the content, the one
//! timestamp form both formats accept, and the checks that keep values the inventory holds as
//! written (from hostile SBOMs and firmware) inside what the formats' schemas allow.
//!
//! The writers never reject an inventory for a value that does not fit: a hash of an unknown
//! algorithm, a URL with spaces, a CPE that is not well-formed are kept where the format has room
//! for free text (a property, an annotation), or encoded so they fit (percent-encoding), and only
//! dropped where neither is possible; each writer's module documentation lists what goes where.

use crate::model::{Identity, Located, Party, Role};
use compact_str::CompactString;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::io;

/// Counts what is written into a SHA-256, so a document can be named after its own content
/// without being held in memory.
pub(super) struct HashWriter(Sha256);

impl HashWriter {
    pub(super) fn new() -> Self {
        HashWriter(Sha256::new())
    }

    /// A UUID made from the content: the first 16 bytes of its SHA-256, with the version field
    /// set to 5 and the RFC 4122 variant bits. Like a version-5 UUID it is a name-based UUID
    /// (same content, same UUID), but it hashes with SHA-256 rather than SHA-1 and without a
    /// namespace; the CycloneDX schemas accept versions 1–5 only, so it is labelled 5.
    pub(super) fn uuid(self) -> String {
        let digest = self.0.finalize();
        let mut b = [0u8; 16];
        b.copy_from_slice(&digest[..16]);
        b[6] = (b[6] & 0x0f) | 0x50;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }
}

impl io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Checks a creation time: `YYYY-MM-DDThh:mm:ssZ`, a real date and time in UTC. This one form
/// is what both formats accept (CycloneDX wants RFC 3339; SPDX 2.3 and its tools want exactly
/// this shape), so the writers refuse anything else rather than write an invalid document.
pub(super) fn check_timestamp(t: &str) -> io::Result<()> {
    if is_timestamp(t) {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("timestamp `{t}` is not of the form YYYY-MM-DDThh:mm:ssZ"),
        ))
    }
}

fn is_timestamp(t: &str) -> bool {
    let b = t.as_bytes();
    if b.len() != 20 {
        return false;
    }
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let shaped = b
        .iter()
        .zip(shape)
        .all(|(c, s)| if *s == b'd' { c.is_ascii_digit() } else { c == s });
    if !shaped {
        return false;
    }
    let num = |from: usize, to: usize| t[from..to].parse::<u32>().unwrap_or(u32::MAX);
    let (year, month, day) = (num(0, 4), num(5, 7), num(8, 10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && num(11, 13) < 24 && num(14, 16) < 60 && num(17, 19) < 60
}

/// Whether a licence string is an SPDX licence expression with identifiers from the SPDX
/// licence list (strict: case-sensitive ids, no deprecated ids), checked with the `spdx` crate.
pub(super) fn is_spdx_expression(text: &str) -> bool {
    !text.trim().is_empty() && spdx::Expression::parse(text).is_ok()
}

/// Whether an expression names licences defined outside the list (`LicenseRef-…`,
/// `DocumentRef-…`), whose text the inventory does not hold.
pub(super) fn names_license_refs(text: &str) -> bool {
    text.contains("LicenseRef-") || text.contains("DocumentRef-")
}

/// A URL made fit for the formats' URI fields (`iri-reference`, `xs:anyURI`): characters an IRI
/// may not hold (controls, space, `"<>\^`{|}`, a second `#`, brackets outside an IPv6 host,
/// non-ASCII outside RFC 3987's `ucschar`) and a `%` that starts no escape are percent-encoded,
/// which changes no valid URL. `None` when nothing is left.
pub(super) fn iri(url: &str) -> Option<Cow<'_, str>> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    let host_literal = url.find("://[").map(|i| {
        let start = i + 3;
        let end = url[start..].find(']').map_or(start, |j| start + j);
        (start, end)
    });
    let bytes = url.as_bytes();
    let mut out = String::new();
    let mut changed = false;
    let mut seen_fragment = false;
    for (i, c) in url.char_indices() {
        let in_host_literal = host_literal.is_some_and(|(start, end)| i >= start && i <= end);
        let keep = match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => true,
            '-' | '.' | '_' | '~' | ':' | '/' | '?' | '@' | '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ','
            | ';' | '=' => true,
            '#' => !std::mem::replace(&mut seen_fragment, true),
            '%' => {
                bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
            }
            '[' | ']' => in_host_literal,
            c if !c.is_ascii() => is_ucschar(c),
            _ => false,
        };
        if keep {
            out.push(c);
        } else {
            changed = true;
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Some(if changed { Cow::Owned(out) } else { Cow::Borrowed(url) })
}

/// RFC 3987 `ucschar`: the non-ASCII characters an IRI may hold outside its query.
fn is_ucschar(c: char) -> bool {
    let c = u32::from(c);
    matches!(c, 0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF | 0xE1000..=0xEFFFD)
        || ((0x10000..0xE0000).contains(&c) && (c & 0xFFFF) <= 0xFFFD)
}

/// Whether a CPE is well-formed as the CycloneDX XML schema and the SPDX tools check it:
/// `Some("cpe23Type")` for a CPE 2.3 formatted string, `Some("cpe22Type")` for a 2.2 URI, `None`
/// for anything else. The model's own parser is lenient (it needs only the vendor); these are
/// the specifications' grammars (NISTIR 7695 §6.1, §6.2) as the schemas' patterns write them.
pub(super) fn cpe_binding(cpe: &str) -> Option<&'static str> {
    if let Some(rest) = cpe.strip_prefix("cpe:2.3:") {
        return is_cpe23_body(rest).then_some("cpe23Type");
    }
    let rest = cpe.strip_prefix('c')?;
    let rest = rest
        .strip_prefix(['p', 'P'])?
        .strip_prefix(['e', 'E'])?
        .strip_prefix(":/")?;
    let rest = rest.strip_prefix(['a', 'h', 'o', 'A', 'H', 'O']).unwrap_or(rest);
    if rest.is_empty() {
        return Some("cpe22Type");
    }
    let fields = rest.strip_prefix(':')?;
    let ok = fields.split(':').count() <= 6
        && fields
            .chars()
            .all(|c| c == ':' || c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '~' | '%'));
    ok.then_some("cpe22Type")
}

/// One character of a CPE 2.3 field, and whether a backslash quoted it.
type Unit = (char, bool);

fn is_cpe23_body(body: &str) -> bool {
    let mut fields: Vec<Vec<Unit>> = vec![Vec::new()];
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        let unit = match c {
            '\\' => match chars.next() {
                Some(q) => (q, true),
                None => return false,
            },
            ':' => {
                if fields.len() > 11 {
                    return false;
                }
                fields.push(Vec::new());
                continue;
            }
            c => (c, false),
        };
        if let Some(field) = fields.last_mut() {
            field.push(unit);
        }
    }
    if fields.len() != 11 {
        return false;
    }
    let part_ok = matches!(fields[0].as_slice(), [(c, false)] if matches!(c, 'a' | 'h' | 'o' | '*' | '-'));
    part_ok
        && fields[1..6].iter().all(|f| is_cpe23_field(f))
        && is_cpe23_language(&fields[6])
        && fields[7..].iter().all(|f| is_cpe23_field(f))
}

/// `*`, `-`, or quoted/unquoted characters with an optional leading and trailing `*` or run of `?`.
fn is_cpe23_field(field: &[Unit]) -> bool {
    if matches!(field, [('*' | '-', false)]) {
        return true;
    }
    let mut f = field;
    if let [('*', false), rest @ ..] = f {
        f = rest;
    } else {
        while let [('?', false), rest @ ..] = f {
            f = rest;
        }
    }
    if let [rest @ .., ('*', false)] = f {
        f = rest;
    } else {
        while let [rest @ .., ('?', false)] = f {
            f = rest;
        }
    }
    const QUOTABLE: &str = "\\*?!\"#$%&'()+,/:;<=>@[]^`{|}~";
    !f.is_empty()
        && f.iter().all(|&(c, quoted)| {
            if quoted {
                QUOTABLE.contains(c)
            } else {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')
            }
        })
}

/// `*`, `-`, or a language tag: two or three letters, optionally `-` and a region (two letters
/// or three digits).
fn is_cpe23_language(field: &[Unit]) -> bool {
    if field.iter().any(|&(_, quoted)| quoted) {
        return false;
    }
    let s: String = field.iter().map(|&(c, _)| c).collect();
    if s == "*" || s == "-" {
        return true;
    }
    let (lang, region) = match s.split_once('-') {
        Some((l, r)) => (l, Some(r)),
        None => (s.as_str(), None),
    };
    let lang_ok = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphabetic());
    let region_ok = region.is_none_or(|r| {
        (r.len() == 2 && r.chars().all(|c| c.is_ascii_alphabetic()))
            || (r.len() == 3 && r.chars().all(|c| c.is_ascii_digit()))
    });
    lang_ok && region_ok
}

/// How each format names a hash algorithm (the model's normalised name in, `None` where the
/// format has no name for it), and how many hex digits a digest of it has (`None`: any number,
/// as for MD6 and BLAKE3 in SPDX).
pub(super) struct HashAlg {
    pub cyclonedx: Option<&'static str>,
    pub spdx: &'static str,
    hex_len: Option<usize>,
}

impl HashAlg {
    /// The algorithm, when the value is a digest of its length in hex (written lower-case).
    pub(super) fn of(alg: &str, value: &str) -> Option<&'static HashAlg> {
        let found = HASH_ALGS.iter().find(|(name, _)| *name == alg).map(|(_, a)| a)?;
        let hex = !value.is_empty() && value.bytes().all(|b| b.is_ascii_hexdigit());
        let length_ok = found.hex_len.is_none_or(|n| value.len() == n);
        (hex && length_ok).then_some(found)
    }
}

const fn alg(cyclonedx: Option<&'static str>, spdx: &'static str, hex_len: Option<usize>) -> HashAlg {
    HashAlg {
        cyclonedx,
        spdx,
        hex_len,
    }
}

/// The algorithms both formats know, by the model's normalised name ([`crate::model::Hash`]).
/// CycloneDX 1.6 allows only digest lengths of 32, 40, 64, 96 or 128 hex digits, so BLAKE3 is
/// written to it only at its default 256 bits.
static HASH_ALGS: [(&str, HashAlg); 17] = [
    ("MD2", alg(None, "MD2", Some(32))),
    ("MD4", alg(None, "MD4", Some(32))),
    ("MD5", alg(Some("MD5"), "MD5", Some(32))),
    ("MD6", alg(None, "MD6", None)),
    ("SHA-1", alg(Some("SHA-1"), "SHA1", Some(40))),
    ("SHA-224", alg(None, "SHA224", Some(56))),
    ("SHA-256", alg(Some("SHA-256"), "SHA256", Some(64))),
    ("SHA-384", alg(Some("SHA-384"), "SHA384", Some(96))),
    ("SHA-512", alg(Some("SHA-512"), "SHA512", Some(128))),
    ("SHA3-256", alg(Some("SHA3-256"), "SHA3-256", Some(64))),
    ("SHA3-384", alg(Some("SHA3-384"), "SHA3-384", Some(96))),
    ("SHA3-512", alg(Some("SHA3-512"), "SHA3-512", Some(128))),
    ("BLAKE2B-256", alg(Some("BLAKE2b-256"), "BLAKE2b-256", Some(64))),
    ("BLAKE2B-384", alg(Some("BLAKE2b-384"), "BLAKE2b-384", Some(96))),
    ("BLAKE2B-512", alg(Some("BLAKE2b-512"), "BLAKE2b-512", Some(128))),
    ("BLAKE3", alg(Some("BLAKE3"), "BLAKE3", Some(64))),
    ("ADLER32", alg(None, "ADLER32", Some(8))),
];

/// The first party of a component in a role, with an identity worth writing.
pub(super) fn first_party(parties: &[Party], role: Role) -> Option<&Identity> {
    parties
        .iter()
        .filter(|p| p.role == role)
        .map(|p| &*p.who)
        .find(|who| !who.is_empty())
}

/// Who made the component, for formats with one field for it: the manufacturer, or else SPDX's
/// originator ("where the package originally came from"), which the model keeps apart.
pub(super) fn maker(parties: &[Party]) -> Option<&Identity> {
    first_party(parties, Role::Manufacturer).or_else(|| first_party(parties, Role::Originator))
}

/// A party's name, unless it is empty.
pub(super) fn party_name(who: &Identity) -> Option<&str> {
    who.name.as_deref().map(str::trim).filter(|n| !n.is_empty())
}

/// E-mail addresses fit for the formats' e-mail fields (the JSON schema checks for an `@`).
pub(super) fn emails(who: &Identity) -> impl Iterator<Item = &str> {
    who.emails.iter().map(|e| e.trim()).filter(|e| e.contains('@'))
}

/// The component's copyright statements as one text, a statement a line, each once (a reader
/// may hold the same statement from two places, as CycloneDX `copyright` and
/// `evidence.copyright`); `None` when there are none.
pub(super) fn copyright_text(statements: &[Located<CompactString>]) -> Option<String> {
    let mut texts: Vec<&str> = Vec::with_capacity(statements.len());
    for s in statements {
        let t = s.value.trim();
        if !t.is_empty() && !texts.contains(&t) {
            texts.push(t);
        }
    }
    (!texts.is_empty()).then(|| texts.join("\n"))
}

/// A property name in the CycloneDX property taxonomy's form: names the input gave with a
/// namespace (`cdx:…`, `syft:…`) are kept, bare ones (an analyser's `soname`) are vendorscan's
/// and get its prefix.
pub(super) fn property_name(name: &str) -> Cow<'_, str> {
    if name.contains(':') {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("vendorscan:{name}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_rfc4122_shaped_and_reproducible() {
        let uuid = |text: &str| {
            let mut h = HashWriter::new();
            io::Write::write_all(&mut h, text.as_bytes()).unwrap();
            h.uuid()
        };
        let a = uuid("a");
        assert_eq!(a, uuid("a"));
        assert_ne!(a, uuid("b"));
        // SHA-256("a") = ca978112ca1bbdcafac231b39a23dc4d…
        assert_eq!(a, "ca978112-ca1b-5dca-bac2-31b39a23dc4d");
    }

    #[test]
    fn timestamps_must_be_real_utc_seconds() {
        assert!(is_timestamp("2024-02-29T23:59:59Z"));
        for bad in [
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00+01:00",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00.5Z",
            "",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
        assert_eq!(check_timestamp("now").unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn urls_are_percent_encoded_only_where_needed() {
        assert_eq!(
            iri("https://example.com/a?b=c#d").unwrap(),
            "https://example.com/a?b=c#d"
        );
        assert!(matches!(iri("https://example.com/").unwrap(), Cow::Borrowed(_)));
        assert_eq!(iri(" https://x.org/a b ").unwrap(), "https://x.org/a%20b");
        assert_eq!(iri("https://x.org/%zz%41").unwrap(), "https://x.org/%25zz%41");
        assert_eq!(iri("https://x.org/#a#b").unwrap(), "https://x.org/#a%23b");
        assert_eq!(iri("http://[::1]:80/[x]").unwrap(), "http://[::1]:80/%5Bx%5D");
        assert_eq!(iri("https://华为.com/\u{1}").unwrap(), "https://华为.com/%01");
        assert_eq!(iri("  "), None);
    }

    #[test]
    fn cpes_are_checked_against_the_bindings() {
        assert_eq!(
            cpe_binding("cpe:2.3:a:openssl:openssl:3.0.15:*:*:*:*:*:*:*"),
            Some("cpe23Type")
        );
        assert_eq!(
            cpe_binding(r"cpe:2.3:h:huawei:ar\:2200:v2*:*:*:en-us:*:*:*:*"),
            Some("cpe23Type")
        );
        assert_eq!(cpe_binding("cpe:2.3:a:zte:??x:1:*:*:*:*:*:*:*"), Some("cpe23Type"));
        assert_eq!(
            cpe_binding("cpe:/o:zte:zxhn_h108n_firmware:2.5.5%7e"),
            Some("cpe22Type")
        );
        assert_eq!(cpe_binding("cpe:/a"), Some("cpe22Type"));
        for bad in [
            "cpe:2.3:a:openssl:openssl:3.0.15",
            "cpe:2.3:x:a:b:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:a b:c:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:a:b:*:*:*:english:*:*:*:*",
            "cpe:2.3:a:a:b:**:*:*:*:*:*:*:*",
            "cpe:2.3:a:a:b:*:*:*:*:*:*:*:*:*",
            "cpe:/a:b:c d",
            "pkg:npm/a",
        ] {
            assert_eq!(cpe_binding(bad), None, "{bad}");
        }
    }

    #[test]
    fn hashes_need_a_known_algorithm_and_length() {
        let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let h = HashAlg::of("SHA-256", sha256).unwrap();
        assert_eq!((h.cyclonedx, h.spdx), (Some("SHA-256"), "SHA256"));
        assert!(HashAlg::of("SHA-256", &sha256[1..]).is_none());
        assert!(HashAlg::of("SHA-256", &sha256.to_uppercase()).is_some());
        assert!(HashAlg::of("SHA-256", &sha256.replace('e', "g")).is_none());
        assert!(HashAlg::of("CRC32", "12345678").is_none());
        assert_eq!(HashAlg::of("SHA-224", &"a".repeat(56)).unwrap().cyclonedx, None);
        assert_eq!(
            HashAlg::of("BLAKE2B-256", sha256).unwrap().cyclonedx,
            Some("BLAKE2b-256")
        );
    }

    #[test]
    fn licence_expressions_are_strict() {
        assert!(is_spdx_expression("MIT"));
        assert!(is_spdx_expression("Apache-2.0 OR (MIT AND BSD-3-Clause)"));
        assert!(is_spdx_expression("GPL-2.0-only WITH Linux-syscall-note"));
        assert!(!is_spdx_expression("Vendor EULA"));
        assert!(!is_spdx_expression("GPL"));
        assert!(!is_spdx_expression(""));
        assert!(names_license_refs("MIT OR LicenseRef-x"));
    }
}
