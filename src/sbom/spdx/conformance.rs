//! spdx-rs as a conformance check on SPDX 2.x JSON, not as the reader.
//!
//! spdx-rs 0.5 deserialises strictly: it rejects every package field it does not model (vendor
//! extensions), and one it models wrongly (see [`check`]). Reading with it would lose whole
//! documents over one field.
//! Its verdict is still worth having: a document it rejects is one other SPDX tools may
//! reject too, and a reviewer should know. So vendorscan reads the document its own way first
//! and then asks spdx-rs, turning a rejection into one `nonconformant` warning that names the
//! first problem. It is never fatal, and it runs under `catch_unwind` because a panic in a
//! third-party parser must not take an audit down with it.

use crate::model::{Location, Warning, WarningCode};
use memchr::memmem;
use serde_json::Value;
use std::borrow::Cow;

/// `primaryPackagePurpose` as the SPDX 2.3 JSON schema enumerates it.
const PURPOSES: [&str; 12] = [
    "APPLICATION",
    "FRAMEWORK",
    "LIBRARY",
    "CONTAINER",
    "OPERATING-SYSTEM",
    "DEVICE",
    "FIRMWARE",
    "SOURCE",
    "ARCHIVE",
    "FILE",
    "INSTALL",
    "OTHER",
];

/// spdx-rs's objection to the document, if it has one; run after [`check_purposes`] found none.
///
/// Works around a defect of spdx-rs 0.5: its `PrimaryPackagePurpose` is renamed
/// `SCREAMING_SNAKE_CASE`, so it spells the schema's `OPERATING-SYSTEM` (which Trivy writes for
/// every distribution) `OPERATING_SYSTEM` — rejecting the valid spelling and accepting an invalid
/// one. (Its other eleven purposes, and its relationship, checksum and file types, match the 2.3
/// schema.) So vendorscan checks every purpose against the schema's enum itself
/// ([`check_purposes`]), and then hands spdx-rs the document with each `"OPERATING-SYSTEM"`
/// string respelled its way — same length, so spdx-rs's line:column still point into the
/// original text.
pub(super) fn check(file: &str, bytes: &[u8]) -> Option<Warning> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let body = respell_operating_system(body);
    let outcome = std::panic::catch_unwind(|| {
        serde_json::from_slice::<spdx_rs::models::SPDX>(&body)
            .err()
            .map(|e| (e.to_string(), e.line(), e.column()))
    });
    let (message, at) = match outcome {
        Ok(None) => return None,
        Ok(Some((message, line, column))) => {
            // serde_json appends " at line L column C", and for an unknown field the whole
            // list of fields spdx-rs knows; the first problem is enough.
            let message = match message.find(", expected one of").or_else(|| message.rfind(" at line ")) {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            (
                format!("spdx-rs rejects the document at {line}:{column}: {message}"),
                Some(Location::line(u32::try_from(line).unwrap_or(u32::MAX))),
            )
        }
        Err(_) => ("spdx-rs panicked while checking the document".to_string(), None),
    };
    Some(Warning {
        code: WarningCode::Nonconformant,
        file: file.to_string(),
        at,
        message,
    })
}

/// A `primaryPackagePurpose` the SPDX 2.3 schema does not allow, if there is one.
pub(super) fn check_purposes(file: &str, value: &Value) -> Option<Warning> {
    let packages = value.get("packages")?.as_array()?;
    packages.iter().enumerate().find_map(|(i, package)| {
        let purpose = package.get("primaryPackagePurpose")?;
        if purpose.as_str().is_some_and(|p| PURPOSES.contains(&p)) {
            return None;
        }
        Some(Warning {
            code: WarningCode::Nonconformant,
            file: file.to_string(),
            at: Some(Location::json(format!("/packages/{i}/primaryPackagePurpose"))),
            message: format!(
                "primaryPackagePurpose {purpose} is not one of the SPDX 2.3 schema's purposes ({})",
                PURPOSES.join(", ")
            ),
        })
    })
}

/// The text with every `"OPERATING-SYSTEM"` string written `"OPERATING_SYSTEM"`, as spdx-rs
/// reads it; borrowed when there is none. Only purposes hold that exact string in a valid
/// document; anywhere else (a description that says just that) the respelling changes nothing
/// spdx-rs checks.
fn respell_operating_system(body: &[u8]) -> Cow<'_, [u8]> {
    const SCHEMA: &[u8] = b"\"OPERATING-SYSTEM\"";
    let mut found = memmem::find_iter(body, SCHEMA).peekable();
    if found.peek().is_none() {
        return Cow::Borrowed(body);
    }
    let mut out = body.to_vec();
    for at in found {
        out[at + "\"OPERATING".len()] = b'_';
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT",
"name":"n","documentNamespace":"https://example.org/n","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: x-1"]}"#;

    fn check_str(doc: &str) -> Option<Warning> {
        check_purposes("f", &serde_json::from_str(doc).unwrap()).or_else(|| check("f", doc.as_bytes()))
    }

    #[test]
    fn conformant_documents_pass() {
        assert_eq!(check_str(&format!("{MINIMAL}}}")), None);
    }

    #[test]
    fn every_schema_purpose_passes_and_others_warn() {
        for purpose in PURPOSES {
            let doc = format!(
                r#"{MINIMAL},"packages":[{{"name":"a","SPDXID":"SPDXRef-a","downloadLocation":"NONE","primaryPackagePurpose":"{purpose}"}}]}}"#
            );
            assert_eq!(check_str(&doc), None, "{purpose}");
        }
        // spdx-rs's spelling is not the schema's
        let doc = format!(
            r#"{MINIMAL},"packages":[{{"name":"a","SPDXID":"SPDXRef-a","downloadLocation":"NONE"}},
{{"name":"b","SPDXID":"SPDXRef-b","downloadLocation":"NONE","primaryPackagePurpose":"OPERATING_SYSTEM"}}]}}"#
        );
        let w = check_str(&doc).unwrap();
        assert_eq!(w.code, WarningCode::Nonconformant);
        assert_eq!(w.at, Some(Location::json("/packages/1/primaryPackagePurpose")));
        assert!(
            w.message.starts_with(
                "primaryPackagePurpose \"OPERATING_SYSTEM\" is not one of the SPDX 2.3 schema's purposes (APPLICATION,"
            ),
            "{}",
            w.message
        );
        let doc = format!(
            r#"{MINIMAL},"packages":[{{"name":"a","SPDXID":"SPDXRef-a","downloadLocation":"NONE","primaryPackagePurpose":7}}]}}"#
        );
        assert!(check_str(&doc)
            .unwrap()
            .message
            .starts_with("primaryPackagePurpose 7 is not"));
    }

    #[test]
    fn respelling_keeps_places() {
        let doc = format!(
            "{MINIMAL},\"packages\":[{{\"name\":\"a\",\"SPDXID\":\"SPDXRef-a\",\"downloadLocation\":\"NONE\",\n\
             \"primaryPackagePurpose\":\"OPERATING-SYSTEM\",\"x\":1}}]}}"
        );
        let w = check_str(&doc).unwrap();
        assert_eq!(w.at, Some(Location::line(3)));
        assert!(w.message.ends_with("unknown field `x`"), "{}", w.message);
        assert_eq!(
            respell_operating_system(b"no purpose"),
            Cow::Borrowed(&b"no purpose"[..])
        );
    }

    #[test]
    fn first_problem_is_named_once() {
        let doc = format!(
            r#"{MINIMAL},"packages":[{{"name":"a","SPDXID":"SPDXRef-a","downloadLocation":"NONE","x-vendor":1}}]}}"#
        );
        let w = check_str(&doc).unwrap();
        assert_eq!(w.code, WarningCode::Nonconformant);
        assert_eq!(w.at, Some(Location::line(2)));
        assert!(
            w.message.starts_with("spdx-rs rejects the document at 2:")
                && w.message.ends_with("unknown field `x-vendor`"),
            "{}",
            w.message
        );
    }
}
