//! The audit as a signed attestation: an in-toto Statement v1 whose subjects are the audited
//! inputs with their digests and whose predicate is what the audit concluded, wrapped in a DSSE
//! envelope and signed (Ed25519 or ECDSA P-256) when a key is given. A vendor self-certifying
//! hands this over; anyone with the public key checks it with any DSSE implementation (cosign,
//! securesystemslib). The format is documented in docs/attestation.md.
//!
//! Deterministic like the JSON report: the statement holds a timestamp only when asked for, and
//! both signature schemes are deterministic (Ed25519 by definition, ECDSA by RFC 6979), so the
//! same inputs, rules and key give the same bytes.

use super::ToolInfo;
use crate::model::{Coverage, Inventory, Overall, Verdict, WaiverRef};
use crate::rules::load::Pack;
use crate::rules::Audit;
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;

/// `_type` of the statement.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate's type: an identifier for the schema in docs/attestation.md, not necessarily a
/// page that resolves.
pub const PREDICATE_TYPE: &str = "https://vendorscan.dev/attestation/audit/v1";
/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// Why a signing key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: cannot read: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path}: not a PEM private key (expected `-----BEGIN PRIVATE KEY-----`, PKCS#8)")]
    NotPem { path: String },
    #[error("{path}: an encrypted private key; give an unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt)")]
    Encrypted { path: String },
    #[error("{path}: `{label}` is not PKCS#8; give a `PRIVATE KEY` (convert with openssl pkcs8 -topk8 -nocrypt)")]
    NotPkcs8 { path: String, label: String },
    #[error("{path}: {algorithm} keys are not supported; --sign-key takes Ed25519 or ECDSA P-256")]
    Unsupported { path: String, algorithm: String },
    #[error("{path}: a malformed {algorithm} key: {message}")]
    Malformed {
        path: String,
        algorithm: &'static str,
        message: String,
    },
}

enum Key {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

/// A private key to sign attestations with, and the id of its public half.
pub struct Signer {
    key: Key,
    keyid: String,
}

const OID_ED25519: &str = "1.3.101.112";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";

impl Signer {
    /// Reads an Ed25519 or ECDSA P-256 private key from a PKCS#8 PEM file (what `openssl
    /// genpkey` writes).
    pub fn from_pem_file(path: &Path) -> Result<Signer, KeyError> {
        let name = path.display().to_string();
        let pem = std::fs::read_to_string(path).map_err(|error| KeyError::Read {
            path: name.clone(),
            error,
        })?;
        Signer::from_pem(&pem, &name)
    }

    /// Reads a key from PEM text; `name` is where it came from, for errors.
    pub fn from_pem(pem: &str, name: &str) -> Result<Signer, KeyError> {
        use p256::pkcs8::der::{Decode as _, SecretDocument};
        use p256::pkcs8::PrivateKeyInfoRef;
        let path = || name.to_string();
        let (label, der) = SecretDocument::from_pem(key_block(pem)).map_err(|_| KeyError::NotPem { path: path() })?;
        match label {
            "PRIVATE KEY" => {}
            "ENCRYPTED PRIVATE KEY" => return Err(KeyError::Encrypted { path: path() }),
            other => {
                return Err(KeyError::NotPkcs8 {
                    path: path(),
                    label: other.to_string(),
                })
            }
        }
        let info = PrivateKeyInfoRef::from_der(der.as_bytes()).map_err(|e| KeyError::Malformed {
            path: path(),
            algorithm: "PKCS#8",
            message: e.to_string(),
        })?;
        let algorithm = info.algorithm.oid.to_string();
        let curve = info
            .algorithm
            .parameters_oid()
            .map(|oid| oid.to_string())
            .unwrap_or_default();
        let malformed = |algorithm: &'static str| {
            move |e: p256::pkcs8::Error| KeyError::Malformed {
                path: path(),
                algorithm,
                message: e.to_string(),
            }
        };
        let key = match (algorithm.as_str(), curve.as_str()) {
            (OID_ED25519, _) => {
                use ed25519_dalek::pkcs8::DecodePrivateKey as _;
                Key::Ed25519(ed25519_dalek::SigningKey::from_pkcs8_der(der.as_bytes()).map_err(malformed("Ed25519"))?)
            }
            (OID_EC_PUBLIC_KEY, OID_P256) => {
                use p256::pkcs8::DecodePrivateKey as _;
                Key::P256(p256::ecdsa::SigningKey::from_pkcs8_der(der.as_bytes()).map_err(malformed("ECDSA P-256"))?)
            }
            (OID_EC_PUBLIC_KEY, curve) => {
                return Err(KeyError::Unsupported {
                    path: path(),
                    algorithm: format!("elliptic-curve (curve {curve})"),
                })
            }
            (oid, _) => {
                return Err(KeyError::Unsupported {
                    path: path(),
                    algorithm: algorithm_name(oid),
                })
            }
        };
        let spki = match &key {
            Key::Ed25519(k) => {
                use ed25519_dalek::pkcs8::EncodePublicKey as _;
                k.verifying_key().to_public_key_der()
            }
            Key::P256(k) => {
                use p256::pkcs8::EncodePublicKey as _;
                k.verifying_key().to_public_key_der()
            }
        }
        .map_err(|e| KeyError::Malformed {
            path: path(),
            algorithm: "public",
            message: e.to_string(),
        })?;
        Ok(Signer {
            key,
            keyid: hex(&Sha256::digest(spki.as_bytes())),
        })
    }

    /// The key id written beside each signature: SHA-256 of the public key's
    /// SubjectPublicKeyInfo DER, lowercase hex (`openssl pkey -pubout -outform DER | sha256sum`).
    pub fn keyid(&self) -> &str {
        &self.keyid
    }

    /// Signs a message: Ed25519 gives its 64 bytes; ECDSA P-256 signs the message's SHA-256 and
    /// gives the ASN.1 DER signature (what cosign and securesystemslib expect).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.key {
            Key::Ed25519(k) => {
                use ed25519_dalek::Signer as _;
                k.sign(message).to_bytes().to_vec()
            }
            Key::P256(k) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = k.sign(message);
                signature.to_der().as_bytes().to_vec()
            }
        }
    }
}

/// The PEM block that holds the key: from the first `-----BEGIN` that is not a block of curve
/// parameters (which `openssl ecparam -genkey` writes first) to the end.
fn key_block(pem: &str) -> &str {
    pem.match_indices("-----BEGIN ")
        .map(|(i, _)| &pem[i..])
        .find(|block| !block.starts_with("-----BEGIN EC PARAMETERS-----"))
        .unwrap_or(pem)
}

/// The few key algorithms someone might hand over by mistake, by name; others by OID.
fn algorithm_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => "RSA".to_string(),
        "1.3.101.113" => "Ed448".to_string(),
        "1.3.101.110" | "1.3.101.111" => "X25519/X448 (key agreement)".to_string(),
        "1.2.840.10040.4.1" => "DSA".to_string(),
        other => format!("algorithm {other}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// DSSE's pre-authentication encoding: `DSSEv1 SP LEN(type) SP type SP LEN(body) SP body`, each
/// length the byte count in ASCII decimal. What is signed, so the type cannot be swapped.
pub fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "payloadType")]
    payload_type: &'static str,
    payload: String,
    signatures: Vec<Signature<'a>>,
}

#[derive(Serialize)]
struct Signature<'a> {
    keyid: &'a str,
    sig: String,
}

#[derive(Serialize)]
struct Statement<'a> {
    #[serde(rename = "_type")]
    type_: &'static str,
    subject: Vec<Subject<'a>>,
    #[serde(rename = "predicateType")]
    predicate_type: &'static str,
    predicate: Predicate<'a>,
}

/// An in-toto ResourceDescriptor: the input as named, and its digest.
#[derive(Serialize)]
struct Subject<'a> {
    name: &'a str,
    digest: DigestSet,
}

/// `{"sha256": …}` for a file, `{"dirHash": …}` for a directory; empty for an input that could
/// not be read (never a subject then).
#[derive(Serialize, Clone, Default)]
struct DigestSet {
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    #[serde(rename = "dirHash", skip_serializing_if = "Option::is_none")]
    dir_hash: Option<String>,
}

impl DigestSet {
    fn is_empty(&self) -> bool {
        self.sha256.is_none() && self.dir_hash.is_none()
    }
}

#[derive(Serialize)]
struct Predicate<'a> {
    tool: ToolInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<&'a str>,
    verdict: Overall,
    policies: &'a [String],
    rules: Rules<'a>,
    targets: Vec<Target<'a>>,
    coverage: &'a Coverage,
    findings: Counts,
    waivers: Vec<WaiverOut<'a>>,
}

#[derive(Serialize)]
struct Rules<'a> {
    packs: &'a [Pack],
}

#[derive(Serialize)]
struct Target<'a> {
    path: &'a str,
    digest: DigestSet,
    verdict: Overall,
    unexamined: u64,
}

/// Unwaived findings per verdict, and the waived ones.
#[derive(Serialize, Default)]
struct Counts {
    excluded: usize,
    review: usize,
    mention: usize,
    waived: usize,
}

/// One waiver that covered findings: its terms and what it covered.
#[derive(Serialize)]
struct WaiverOut<'a> {
    justification: &'a str,
    approver: &'a str,
    expires: &'a str,
    findings: Vec<WaivedFinding<'a>>,
}

#[derive(Serialize)]
struct WaivedFinding<'a> {
    verdict: Verdict,
    entity: &'a str,
    policies: &'a [String],
    component: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
}

/// The digest of each document: its file's SHA-256, or for a directory the in-toto `dirHash`
/// (Go's dirhash Hash1 in hex: SHA-256 over the sorted lines `<sha256>  <relative path>\n` of
/// its regular files, as `find . -type f | cut -c3- | LC_ALL=C sort | xargs -r sha256sum |
/// sha256sum` computes it).
fn digests(inventory: &Inventory) -> Vec<DigestSet> {
    // Files and containers that are members of something end in `C!…` for a container C.
    let containers: HashSet<&str> = inventory.containers.iter().map(|c| c.path.as_str()).collect();
    let is_member = |path: &str| path.match_indices('!').any(|(i, _)| containers.contains(&path[..i]));
    inventory
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| {
            if !d.sha256.is_empty() {
                return DigestSet {
                    sha256: Some(d.sha256.clone()),
                    dir_hash: None,
                };
            }
            if !is_directory(inventory, i) {
                return DigestSet::default();
            }
            let prefix = format!("{}/", d.path.trim_end_matches('/'));
            let mut lines: BTreeMap<&str, &str> = BTreeMap::new();
            let files = inventory
                .files
                .iter()
                .filter_map(|f| Some((&f.path, f.sha256.as_deref()?)));
            let opened = inventory.containers.iter().map(|c| (&c.path, c.sha256.as_str()));
            for (path, sha) in files.chain(opened) {
                if let Some(relative) = path.strip_prefix(&prefix) {
                    if !is_member(path) {
                        lines.insert(relative, sha);
                    }
                }
            }
            let mut h = Sha256::new();
            for (relative, sha) in lines {
                h.update(format!("{sha}  {relative}\n").as_bytes());
            }
            DigestSet {
                sha256: None,
                dir_hash: Some(hex(&h.finalize())),
            }
        })
        .collect()
}

/// A walked directory: a document read from a walk whose product root is a platform.
fn is_directory(inventory: &Inventory, document: usize) -> bool {
    let d = &inventory.documents[document];
    d.format == crate::model::Format::Image
        && d.describes
            .first()
            .and_then(|&c| inventory.component(c).kind.as_deref())
            == Some("platform")
}

fn statement<'a>(
    inventory: &'a Inventory,
    audit: &'a Audit,
    packs: &'a [Pack],
    timestamp: Option<&'a str>,
) -> Statement<'a> {
    let digests = digests(inventory);
    // The inputs, in the order read: one per target, whether or not it could be read.
    let targets: Vec<Target> = audit
        .targets
        .iter()
        .map(|t| Target {
            path: t.document.map_or(&t.path, |i| &inventory.documents[i].path),
            digest: t.document.map(|i| digests[i].clone()).unwrap_or_default(),
            verdict: t.verdict,
            unexamined: t.unexamined,
        })
        .collect();
    let subject = targets
        .iter()
        .filter(|t| !t.digest.is_empty())
        .map(|t| Subject {
            name: t.path,
            digest: t.digest.clone(),
        })
        .collect();
    let mut findings = Counts::default();
    let mut waivers: Vec<WaiverOut> = Vec::new();
    for f in &audit.findings {
        let Some(w) = &f.waived else {
            match f.verdict {
                Verdict::Excluded => findings.excluded += 1,
                Verdict::Review => findings.review += 1,
                Verdict::Mention => findings.mention += 1,
            }
            continue;
        };
        findings.waived += 1;
        let c = inventory.component(f.component);
        let waived = WaivedFinding {
            verdict: f.verdict,
            entity: &f.entity,
            policies: &f.policies,
            component: &c.name,
            version: c.version.as_deref(),
            purl: c.purls.first().map(|p| p.value.as_str()),
        };
        let same = |o: &WaiverOut| (o.justification, o.approver, o.expires) == terms(w);
        match waivers.iter_mut().find(|o| same(o)) {
            Some(o) => o.findings.push(waived),
            None => waivers.push(WaiverOut {
                justification: &w.justification,
                approver: &w.approver,
                expires: &w.expires,
                findings: vec![waived],
            }),
        }
    }
    Statement {
        type_: STATEMENT_TYPE,
        subject,
        predicate_type: PREDICATE_TYPE,
        predicate: Predicate {
            tool: ToolInfo::THIS,
            timestamp,
            verdict: audit.verdict,
            policies: &audit.policies,
            rules: Rules { packs },
            targets,
            coverage: &audit.coverage,
            findings,
            waivers,
        },
    }
}

fn terms(w: &WaiverRef) -> (&str, &str, &str) {
    (&w.justification, &w.approver, &w.expires)
}

/// What [`write`] wrote: how many inputs have no digest (they could not be read) and so are no
/// subjects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub without_digest: usize,
}

/// Writes the DSSE envelope (one JSON line) holding the statement, signed with `signer` when
/// one is given and with no signatures otherwise. `timestamp` goes into the predicate only
/// when given (`--timestamp`).
pub fn write(
    inventory: &Inventory,
    audit: &Audit,
    packs: &[Pack],
    timestamp: Option<&str>,
    signer: Option<&Signer>,
    out: &mut dyn Write,
) -> std::io::Result<Written> {
    let statement = statement(inventory, audit, packs, timestamp);
    let written = Written {
        without_digest: statement
            .predicate
            .targets
            .iter()
            .filter(|t| t.digest.is_empty())
            .count(),
    };
    let payload = serde_json::to_vec(&statement)?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let signatures = signer
        .map(|s| Signature {
            keyid: s.keyid(),
            sig: b64.encode(s.sign(&pae(PAYLOAD_TYPE, &payload))),
        })
        .into_iter()
        .collect();
    let envelope = Envelope {
        payload_type: PAYLOAD_TYPE,
        payload: b64.encode(&payload),
        signatures,
    };
    serde_json::to_writer(&mut *out, &envelope)?;
    out.write_all(b"\n")?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_is_the_dsse_test_vector() {
        // protocol.md of the DSSE specification.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn keys_other_than_pkcs8_ed25519_or_p256_are_refused_by_name() {
        let err = |pem: &str| Signer::from_pem(pem, "k.pem").err().unwrap().to_string();
        assert_eq!(
            err("hello"),
            "k.pem: not a PEM private key (expected `-----BEGIN PRIVATE KEY-----`, PKCS#8)"
        );
        assert!(
            err("-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n")
                .starts_with("k.pem: `EC PRIVATE KEY` is not PKCS#8")
        );
        assert!(
            err("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n")
                .starts_with("k.pem: an encrypted private key")
        );
    }
}
