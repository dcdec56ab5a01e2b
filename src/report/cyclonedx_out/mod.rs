//! The inventory as a CycloneDX 1.6 SBOM, JSON or XML: the same tree, so both encodings of one
//! inventory say the same things and carry the same serial number.
//!
//! | model | CycloneDX 1.6 |
//! |---|---|
//! | the product root (first component of origin `metadata`, else the first the first document describes) | `metadata.component` |
//! | this program | `metadata.tools.components[0]` |
//! | components, services | `components[]` (nested where containment is simple, see [`plan`]), `services[]` |
//! | `kind` | `type`; an SPDX purpose CycloneDX lacks gives `library` (`file` for files, `application` for the product) and a `vendorscan:type` property |
//! | first supplier / first manufacturer, else originator / authors / first publisher | `supplier` / `manufacturer` / `authors[]` / `publisher` |
//! | hashes | `hashes[]` (`SHA-256`, `SHA-1`, `MD5`, `BLAKE2b-256`, …); one CycloneDX cannot hold becomes a `vendorscan:hash` property `ALG:value` |
//! | licences | one valid SPDX expression as `expression`, otherwise each as a named `license` |
//! | first purl / first well-formed CPE | `purl` / `cpe`; the others are `evidence.identity` concluded values |
//! | copyrights | `copyright`, one statement a line |
//! | references, download location | `externalReferences` (`homepage` → `website`, unknown types → `other` with the name as comment; download location → `distribution`) |
//! | properties | `properties[]`, bare names prefixed `vendorscan:` |
//! | evidence facts | `vendorscan:evidence:<field>` properties (`value @ place`), read back by vendorscan with the same field; a module author also in `authors`, a version resource's company as `manufacturer` and a signer as `publisher` where the component has none, a copyright holder in `copyright` (docs/sbom-properties.md) |
//! | parties without a field here (a second supplier, …) | `vendorscan:party:<role>` properties |
//! | occurrences | `evidence.occurrences[]` |
//! | purl / CPE read from a file in the image | `evidence.identity[]` with a `manifest-analysis` method naming the place |
//! | `depends-on`, `provides`, `contains` not nested | `dependencies[]` (`dependsOn`, `provides`) |
//! | `derived-from`, `variant-of` | `pedigree` (see [`plan`]) |
//!
//! Output is deterministic: the same inventory gives the same bytes. With no serial number
//! given, `serialNumber` is a UUID made from the SHA-256 of the document's JSON form without it
//! (see [`crate::report::sbom_common`]), so it changes exactly when the content does;
//! `metadata.timestamp` is written only when given. Inventory warnings and errors are not part
//! of the SBOM.

mod audited;
mod bom;
mod build;
mod plan;
mod xml;

use super::sbom_common::{check_timestamp, HashWriter};
use super::ToolInfo;
use crate::model::{Finding, Inventory};
use std::io::{self, BufWriter, Write};

/// Writes the inventory as CycloneDX 1.6 JSON, pretty-printed.
///
/// `serial` is a `urn:uuid:` (or a bare UUID); without one the serial is derived from the
/// content. `timestamp` must be `YYYY-MM-DDThh:mm:ssZ`. Either that does not fit is an
/// `InvalidInput` error, before anything is written.
pub fn write_cyclonedx_json(
    inv: &Inventory,
    tool: &ToolInfo,
    serial: Option<&str>,
    timestamp: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let plan = plan::Plan::new(inv);
    let bom = prepare(inv, &plan, tool, serial, timestamp, None)?;
    let mut out = BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &bom)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes the inventory as CycloneDX 1.6 XML (namespace `http://cyclonedx.org/schema/bom/1.6`):
/// the same content, and the same serial number, as [`write_cyclonedx_json`].
pub fn write_cyclonedx_xml(
    inv: &Inventory,
    tool: &ToolInfo,
    serial: Option<&str>,
    timestamp: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let plan = plan::Plan::new(inv);
    let bom = prepare(inv, &plan, tool, serial, timestamp, None)?;
    let mut out = BufWriter::new(out);
    xml::write(&bom, &mut out)?;
    out.flush()
}

/// Writes the audited inventory as CycloneDX 1.6 JSON: the [`write_cyclonedx_json`] document
/// with each finding on its component, as an `annotations` entry and `vendorscan:` properties
/// (docs/reports.md). CycloneDX requires a time on an annotation: `timestamp`, else the Unix
/// epoch, so that the output stays reproducible.
pub fn write_cyclonedx_audited(
    inv: &Inventory,
    findings: &[Finding],
    tool: &ToolInfo,
    timestamp: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_cyclonedx_reconciled(inv, findings, None, tool, timestamp, out)
}

/// [`write_cyclonedx_audited`], with the differences of `audit --declared` as annotations too:
/// on the observed component, or on the product for a declared component not found.
pub fn write_cyclonedx_reconciled(
    inv: &Inventory,
    findings: &[Finding],
    reconciliation: Option<&crate::model::Reconciliation>,
    tool: &ToolInfo,
    timestamp: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let plan = plan::Plan::new(inv);
    let mut bom = prepare(inv, &plan, tool, None, timestamp, Some(findings))?;
    if let Some(r) = reconciliation {
        audited::annotate_reconciliation(&mut bom, inv, &plan, tool, r, timestamp.unwrap_or(audited::NO_TIME));
    }
    let mut out = BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &bom)?;
    out.write_all(b"\n")?;
    out.flush()
}

fn prepare<'a>(
    inv: &'a Inventory,
    plan: &'a plan::Plan<'a>,
    tool: &'a ToolInfo,
    serial: Option<&str>,
    timestamp: Option<&'a str>,
    findings: Option<&'a [Finding]>,
) -> io::Result<bom::Bom<'a>> {
    if let Some(t) = timestamp {
        check_timestamp(t)?;
    }
    let given = serial.map(serial_number).transpose()?;
    let mut bom = build::bom(inv, plan, tool, timestamp);
    if let Some(findings) = findings {
        audited::annotate(
            &mut bom,
            inv,
            plan,
            tool,
            findings,
            timestamp.unwrap_or(audited::NO_TIME),
        );
    }
    bom.serial_number = Some(match given {
        Some(s) => s,
        None => {
            let mut hash = HashWriter::new();
            serde_json::to_writer(&mut hash, &bom)?;
            format!("urn:uuid:{}", hash.uuid())
        }
    });
    Ok(bom)
}

/// A caller's serial number as the schema wants it: `urn:uuid:` and lower-case hex.
fn serial_number(s: &str) -> io::Result<String> {
    let s = s.trim();
    let uuid = s.strip_prefix("urn:uuid:").unwrap_or(s).to_ascii_lowercase();
    let groups: Vec<&str> = uuid.split('-').collect();
    let shaped = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
    if shaped {
        Ok(format!("urn:uuid:{uuid}"))
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("serial number `{s}` is not a UUID (urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_numbers_are_checked_and_normalised() {
        assert_eq!(
            serial_number("3E671687-395B-41F5-A30F-A58921A69B79").unwrap(),
            "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
        );
        assert_eq!(
            serial_number("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79").unwrap(),
            "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
        );
        assert!(serial_number("urn:uuid:3e671687").is_err());
        assert!(serial_number("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b7z").is_err());
    }

    #[test]
    fn bad_timestamps_are_refused_before_writing() {
        let mut out = Vec::new();
        let err = write_cyclonedx_json(&Inventory::default(), &ToolInfo::THIS, None, Some("today"), &mut out);
        assert_eq!(err.unwrap_err().kind(), io::ErrorKind::InvalidInput);
        assert!(out.is_empty());
    }
}
