//! spdx-rs as a conformance check on SPDX 2.x JSON, not as the reader.
//!
//! spdx-rs 0.5 deserialises strictly: it rejects every field it does not model (`$schema`,
//! vendor extensions), and some it models wrongly (`OPERATING-SYSTEM`, the 2.3 schema's own
//! spelling, which Trivy writes). Reading with it would lose whole documents over one field.
//! Its verdict is still worth having: a document it rejects is one other SPDX tools may
//! reject too, and a reviewer should know. So vendorscan reads the document its own way first
//! and then asks spdx-rs, turning a rejection into one `nonconformant` warning that names the
//! first problem. It is never fatal, and it runs under `catch_unwind` because a panic in a
//! third-party parser must not take an audit down with it.

use crate::model::{Location, Warning, WarningCode};

/// spdx-rs's objection to the document, if it has one.
pub(super) fn check(file: &str, bytes: &[u8]) -> Option<Warning> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let outcome = std::panic::catch_unwind(|| {
        serde_json::from_slice::<spdx_rs::models::SPDX>(body)
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

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT",
"name":"n","documentNamespace":"https://example.org/n","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: x-1"]}"#;

    #[test]
    fn conformant_documents_pass() {
        assert_eq!(check("f", format!("{MINIMAL}}}").as_bytes()), None);
    }

    #[test]
    fn first_problem_is_named_once() {
        let doc = format!(
            r#"{MINIMAL},"packages":[{{"name":"a","SPDXID":"SPDXRef-a","downloadLocation":"NONE","x-vendor":1}}]}}"#
        );
        let w = check("f", doc.as_bytes()).unwrap();
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
