//! `vendorscan audit --attest`: the in-toto statement in its DSSE envelope, end to end. Keys are
//! made at test time with `openssl genpkey` (Ed25519 and ECDSA P-256); the subjects must carry
//! the inputs' SHA-256 (and a directory its dirHash) as computed here, the predicate the JSON
//! report's verdicts, packs and waivers, and the key id the SHA-256 of the public key's DER.
//!
//! With `VENDORSCAN_VALIDATOR` naming a Python interpreter that has securesystemslib (the venv
//! .ci/run makes), every signature is also verified by scripts/verify-attestation.py — DSSE as
//! securesystemslib implements it, not as vendorscan does — and a tampered payload must fail.

use assert_cmd::Command;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SBOM: &str = "fixtures/audit/router.cdx.json";
const IMAGE: &str = "fixtures/firmware/out/router-flash.bin";
const DIRECTORY: &str = "fixtures/firmware/router-root";
const PREDICATE_TYPE: &str = "https://vendorscan.dev/attestation/audit/v1";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_of(path: &str) -> String {
    hex(&Sha256::digest(std::fs::read(Path::new(ROOT).join(path)).unwrap()))
}

/// in-toto's dirHash, computed here the way its specification spells it: SHA-256 over
/// `<sha256>  <relative path>\n` for every regular file, sorted by path bytes.
fn dir_hash(dir: &str) -> String {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                walk(base, &entry.path(), out);
            } else if kind.is_file() {
                let relative = entry.path().strip_prefix(base).unwrap().to_str().unwrap().to_string();
                out.push((relative, hex(&Sha256::digest(std::fs::read(entry.path()).unwrap()))));
            }
        }
    }
    let base = Path::new(ROOT).join(dir);
    let mut files = Vec::new();
    walk(&base, &base, &mut files);
    files.sort();
    assert!(files.len() > 5, "{files:?}");
    let mut h = Sha256::new();
    for (path, sha) in files {
        h.update(format!("{sha}  {path}\n"));
    }
    hex(&h.finalize())
}

fn vendorscan(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .current_dir(ROOT)
        .arg("audit")
        .args(["--today", "2026-11-28"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().expect("killed by a signal"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("these tests make their keys with openssl, which is not installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A fresh private key (PKCS#8 PEM) and its public key (SPKI PEM) in `dir`; and the key id
/// vendorscan must write, from `openssl`'s DER of the public key.
fn key(dir: &Path, kind: &str) -> (PathBuf, PathBuf, String) {
    let private = dir.join(format!("{kind}.pem"));
    let public = dir.join(format!("{kind}.pub"));
    let p = private.to_str().unwrap();
    match kind {
        "ed25519" => openssl(&["genpkey", "-algorithm", "ed25519", "-out", p]),
        "p256" => openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            p,
        ]),
        other => unreachable!("{other}"),
    };
    openssl(&["pkey", "-in", p, "-pubout", "-out", public.to_str().unwrap()]);
    let der = openssl(&["pkey", "-in", p, "-pubout", "-outform", "DER"]);
    (private, public, hex(&Sha256::digest(der)))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The envelope's statement, decoded here (not verified).
fn statement(envelope: &Value) -> Value {
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&payload).unwrap()
}

/// Runs scripts/verify-attestation.py: the statement it verified, or its complaint.
fn verify_independently(python: &std::ffi::OsStr, public: &Path, attestation: &Path) -> Result<Value, String> {
    let out = std::process::Command::new(python)
        .arg(Path::new(ROOT).join("scripts/verify-attestation.py"))
        .arg(public)
        .arg(attestation)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn signed_attestations_name_every_input_and_verify_with_securesystemslib() {
    let validator = std::env::var_os("VENDORSCAN_VALIDATOR");
    if validator.is_none() {
        eprintln!("VENDORSCAN_VALIDATOR is not set; independent signature verification skipped");
    }
    let dir = tempfile::tempdir().unwrap();
    for kind in ["ed25519", "p256"] {
        let (private, public, keyid) = key(dir.path(), kind);
        let attestation = dir.path().join(format!("{kind}.intoto.json"));
        let report = dir.path().join(format!("{kind}.report.json"));
        let (code, stdout, stderr) = vendorscan(&[
            "-q",
            "--format",
            "json",
            "-o",
            report.to_str().unwrap(),
            "--attest",
            attestation.to_str().unwrap(),
            "--sign-key",
            private.to_str().unwrap(),
            SBOM,
            IMAGE,
            DIRECTORY,
        ]);
        assert_eq!(code, 1, "{stderr}");
        assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
        let envelope = read_json(&attestation);
        let signatures = envelope["signatures"].as_array().unwrap();
        assert_eq!(signatures.len(), 1);
        assert_eq!(signatures[0]["keyid"], keyid.as_str(), "{kind}");
        let statement = statement(&envelope);
        assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(statement["predicateType"], PREDICATE_TYPE);
        assert_eq!(
            statement["subject"],
            serde_json::json!([
                {"name": SBOM, "digest": {"sha256": sha256_of(SBOM)}},
                {"name": IMAGE, "digest": {"sha256": sha256_of(IMAGE)}},
                {"name": DIRECTORY, "digest": {"dirHash": dir_hash(DIRECTORY)}},
            ])
        );

        // The predicate says what the JSON report of the same run says.
        let report = read_json(&report);
        let predicate = &statement["predicate"];
        assert_eq!(predicate["verdict"], "excluded");
        assert_eq!(predicate["verdict"], report["verdict"]);
        assert_eq!(predicate["policies"], report["policies"]);
        assert_eq!(predicate["rules"]["packs"], report["rules"]["packs"]);
        assert_eq!(predicate["rules"]["packs"][0]["id"], "vendorscan-bundled");
        assert_eq!(predicate["coverage"], report["coverage"]);
        assert_eq!(predicate["tool"], report["tool"]);
        let targets: Vec<(&Value, &Value)> = predicate["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (&t["path"], &t["verdict"]))
            .collect();
        let reported: Vec<(&Value, &Value)> = report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (&t["path"], &t["verdict"]))
            .collect();
        assert_eq!(targets, reported);
        assert_eq!(predicate["targets"][0]["digest"], statement["subject"][0]["digest"]);
        let findings = report["findings"].as_array().unwrap();
        let count = |verdict: &str| findings.iter().filter(|f| f["verdict"] == verdict).count();
        assert_eq!(predicate["findings"]["excluded"], count("excluded"));
        assert_eq!(predicate["findings"]["review"], count("review"));
        assert_eq!(predicate["findings"]["mention"], count("mention"));
        assert_eq!(predicate["findings"]["waived"], 0);
        assert!(predicate.get("timestamp").is_none());

        let Some(python) = &validator else { continue };
        let verified = verify_independently(python, &public, &attestation).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(verified, statement, "{kind}");

        // The same envelope with one word of the payload changed no longer verifies.
        let mut tampered_statement = statement.clone();
        tampered_statement["predicate"]["verdict"] = "clear".into();
        let mut tampered = envelope.clone();
        tampered["payload"] = base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(&tampered_statement).unwrap())
            .into();
        let tampered_path = dir.path().join(format!("{kind}.tampered.json"));
        std::fs::write(&tampered_path, serde_json::to_vec(&tampered).unwrap()).unwrap();
        let err = verify_independently(python, &public, &tampered_path).unwrap_err();
        assert!(err.starts_with("signature does not verify"), "{kind}: {err}");
        // And the other scheme's key does not verify it either.
        let other = if kind == "ed25519" { "p256" } else { "ed25519" };
        let (_, other_public, _) = key(dir.path(), other);
        assert!(
            verify_independently(python, &other_public, &attestation).is_err(),
            "{kind}"
        );
    }
}

#[test]
fn waivers_applied_are_attested_with_their_terms() {
    let dir = tempfile::tempdir().unwrap();
    let attestation = dir.path().join("a.json");
    let (code, _, stderr) = vendorscan(&[
        "-q",
        "--waivers",
        "fixtures/audit/waivers.toml",
        "--attest",
        attestation.to_str().unwrap(),
        SBOM,
    ]);
    assert_eq!(code, 1, "{stderr}");
    let predicate = statement(&read_json(&attestation))["predicate"].clone();
    // the waived part, and the product above it whose only path to it runs through the waiver
    assert_eq!(predicate["findings"]["waived"], 2);
    assert_eq!(
        predicate["waivers"],
        serde_json::json!([{
            "justification": "Cloud SDK compiled in but disabled in this build; legal review LR-2026-114",
            "approver": "J. Smith, contracting officer",
            "expires": "2099-12-31",
            "findings": [{
                "verdict": "excluded",
                "entity": "huawei",
                "policies": ["fcc-covered-list", "japan-2018", "ndaa-889"],
                "component": "edge-router-fw",
                "version": "4.2.0",
            }, {
                "verdict": "excluded",
                "entity": "huawei",
                "policies": ["fcc-covered-list", "japan-2018", "ndaa-889"],
                "component": "huaweicloud-sdk-core",
                "version": "3.1.0",
                "purl": "pkg:maven/com.huaweicloud.sdk/huaweicloud-sdk-core@3.1.0",
            }],
        }])
    );
}

#[test]
fn without_a_key_the_envelope_has_no_signatures_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let attestation = dir.path().join("a.json");
    let (code, _, stderr) = vendorscan(&["-q", "--attest", attestation.to_str().unwrap(), SBOM]);
    assert_eq!(code, 1);
    assert_eq!(stderr, "note: the attestation is not signed (no --sign-key)\n");
    let envelope = read_json(&attestation);
    assert_eq!(envelope["signatures"], serde_json::json!([]));
    assert_eq!(statement(&envelope)["subject"][0]["digest"]["sha256"], sha256_of(SBOM));
}

#[test]
fn attestations_are_byte_identical_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["ed25519", "p256"] {
        let (private, _, _) = key(dir.path(), kind);
        let write = |name: &str| {
            let path = dir.path().join(name);
            let (code, _, stderr) = vendorscan(&[
                "-q",
                "--attest",
                path.to_str().unwrap(),
                "--sign-key",
                private.to_str().unwrap(),
                SBOM,
                DIRECTORY,
            ]);
            assert_eq!(code, 1, "{stderr}");
            std::fs::read(path).unwrap()
        };
        assert_eq!(write("first.json"), write("second.json"), "{kind}");
    }
}

#[test]
fn a_bad_key_is_one_line_and_exit_2_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let rsa = dir.path().join("rsa.pem");
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:1024",
        "-out",
        rsa.to_str().unwrap(),
    ]);
    let sec1 = dir.path().join("sec1.pem");
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-out",
        sec1.to_str().unwrap(),
    ]);
    let text = dir.path().join("text.pem");
    std::fs::write(&text, "not a key\n").unwrap();
    let missing = dir.path().join("missing.pem");
    let cases = [
        (
            &rsa,
            "RSA keys are not supported; --sign-key takes Ed25519 or ECDSA P-256",
        ),
        (&sec1, "`EC PRIVATE KEY` is not PKCS#8"),
        (&text, "not a PEM private key"),
        (&missing, "cannot read"),
    ];
    for (key, message) in cases {
        let attestation = dir.path().join("a.json");
        // The target does not exist either: the key is refused before it is looked for.
        let (code, stdout, stderr) = vendorscan(&[
            "--attest",
            attestation.to_str().unwrap(),
            "--sign-key",
            key.to_str().unwrap(),
            "no-such-target.cdx.json",
        ]);
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(stdout, "");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(&format!("error: {}: ", key.display())) && stderr.contains(message),
            "{stderr}"
        );
        assert!(!attestation.exists());
    }
    // --sign-key means nothing without --attest.
    let (code, _, stderr) = vendorscan(&["--sign-key", rsa.to_str().unwrap(), SBOM]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--attest"), "{stderr}");
}

#[test]
fn an_input_that_cannot_be_read_is_listed_but_is_no_subject() {
    let dir = tempfile::tempdir().unwrap();
    let attestation = dir.path().join("a.json");
    let (code, _, stderr) = vendorscan(&[
        "-q",
        "--attest",
        attestation.to_str().unwrap(),
        SBOM,
        "no-such.cdx.json",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("note: 1 input(s) could not be read and are not subjects of the attestation"),
        "{stderr}"
    );
    let statement = statement(&read_json(&attestation));
    assert_eq!(
        statement["subject"],
        serde_json::json!([{"name": SBOM, "digest": {"sha256": sha256_of(SBOM)}}])
    );
    let predicate = &statement["predicate"];
    assert_eq!(predicate["verdict"], "excluded");
    assert_eq!(predicate["coverage"]["complete"], false);
    assert_eq!(
        predicate["targets"][1],
        serde_json::json!({"path": "no-such.cdx.json", "digest": {}, "verdict": "incomplete", "unexamined": 1})
    );
}
