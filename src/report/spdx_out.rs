//! The inventory as an SPDX 2.3 JSON document.
//!
//! | model | SPDX 2.3 |
//! |---|---|
//! | every component but files (services and pedigree ancestors too) | a package `SPDXRef-Package-<index>`, `filesAnalyzed: true` when it `CONTAINS` files, else `false` |
//! | origin `file` with a SHA-1 | a file `SPDXRef-File-<index>` in `files`: `fileName` its path below the target (`./usr/bin/bash`), `checksums`, `copyrightText`, evidence as annotations, a version as `comment` — see below |
//! | origin `file` without a SHA-1, `snippet` | a package with `primaryPackagePurpose: FILE` |
//! | `kind` | `primaryPackagePurpose` (`operating-system` → `OPERATING-SYSTEM`; CycloneDX-only types → `OTHER`) |
//! | first supplier | `supplier` (`Organization: Name (e-mail)`, `Person: …`), else `NOASSERTION` |
//! | manufacturer, else originator, else first author or publisher | `originator` |
//! | hashes | `checksums` (`SHA256`, `SHA1`, `MD5`, …; a value that does not fit its algorithm is left out) |
//! | licences | `licenseDeclared`: the licence, or the conjunction (`AND`) of several; a text that is no SPDX expression becomes a `LicenseRef-<n>` of `hasExtractedLicensingInfos`; `licenseConcluded` is `NOASSERTION` (vendorscan concludes nothing) |
//! | copyrights | `copyrightText`, one statement a line, else `NOASSERTION` |
//! | purls, CPEs | `externalRefs` `PACKAGE-MANAGER purl`, `SECURITY cpe23Type` / `cpe22Type` |
//! | first website / homepage reference, download location | `homepage`, `downloadLocation` (when a URL the SPDX tools accept, else `NOASSERTION`) |
//! | other references | `externalRefs` of category `OTHER`, the reference type as written |
//! | occurrences | `sourceInfo`, one virtual path a line |
//! | evidence facts | `annotations` of type `OTHER` by `Tool: vendorscan-<version>`, comment `vendorscan:evidence:<field>: value @ place`, read back by vendorscan with the same field; a module author or version resource's company also as `originator`, a signer as `supplier` where the package has none, a copyright holder in `copyrightText` (docs/sbom-properties.md) |
//! | parties SPDX has no field for | annotations `vendorscan:party:<role>: name <e-mail> [url]` |
//! | malformed CPEs and download locations | annotations `cpe: …`, `download location: …` |
//! | the product root(s) | `SPDXRef-DOCUMENT DESCRIBES` (every document's `describes`, else the first component of origin `metadata`, else every component nothing contains) |
//! | `contains`, `depends-on`, `derived-from`, `variant-of` | `CONTAINS`, `DEPENDS_ON`, `DESCENDANT_OF`, `VARIANT_OF` |
//! | `provides` | `OTHER` with the comment `provides` (SPDX 2.3 has no such type) |
//!
//! **Files are files.** SPDX 2.3 files must carry a SHA-1 checksum (walked files get one from
//! `analyse::checksum`), and a package with `filesAnalyzed: false` may not `CONTAIN` SPDX files,
//! so a package containing files says `filesAnalyzed: true`. A file component without a SHA-1
//! (from an SBOM read as input) is written as a package of purpose `FILE`, which keeps every
//! edge valid. NTIA's minimum elements exempt files, so they carry no supplier or version.
//! Licence names that are no SPDX expression become `LicenseRef-<n>`; a licence that is already
//! a bare `LicenseRef-…` (a free-form Debian copyright file named by its hash) keeps its id, and
//! either is declared in `hasExtractedLicensingInfos`.
//!
//! **Reproducible.** `documentNamespace` is `https://vendorscan.invalid/spdx/<name>-<uuid>`, the
//! UUID made from the SHA-256 of the document written without it. SPDX requires a creation
//! time: the caller's timestamp, or, without one, the fixed [`UNDATED`], so that the same
//! inventory always gives the same bytes; a caller wanting the real time passes it. Component
//! properties, inventory warnings and errors are not written.

use super::sbom_common::{
    check_timestamp, copyright_text, cpe_binding, emails, iri, is_spdx_expression, names_license_refs, party_name,
    HashAlg, HashWriter,
};
use super::ToolInfo;
use crate::model::{Component, ComponentId, Identity, Inventory, Origin, PartyKind, RelationKind, Role};
use crate::sbom::vendorscan::{evidence_name, evidence_value, party_value, PARTY};
use compact_str::CompactString;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{self, BufWriter, Write};

/// The creation time written when the caller gives none: SPDX requires one, and a reproducible
/// document cannot use the clock.
pub const UNDATED: &str = "1970-01-01T00:00:00Z";

const NOASSERTION: &str = "NOASSERTION";
const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Doc<'a> {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo<'a>,
    packages: Vec<Package<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<SpdxFile<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<Extracted<'a>>,
    relationships: Vec<Rel>,
}

#[derive(Serialize)]
struct CreationInfo<'a> {
    created: &'a str,
    creators: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Package<'a> {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<&'a str>,
    supplier: Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    originator: Option<String>,
    download_location: &'a str,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    #[serde(skip_serializing_if = "Option::is_none")]
    homepage: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_package_purpose: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation<'a>>,
}

/// A walked file: SPDX 2.3 `files[]`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxFile<'a> {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    file_name: String,
    checksums: Vec<Checksum>,
    license_concluded: &'static str,
    copyright_text: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: &'static str,
    checksum_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef<'a> {
    reference_category: &'static str,
    reference_type: Cow<'a, str>,
    reference_locator: Cow<'a, str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Annotation<'a> {
    annotation_date: &'a str,
    annotation_type: &'static str,
    annotator: &'a str,
    comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Extracted<'a> {
    license_id: String,
    extracted_text: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rel {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'static str>,
}

/// Writes the inventory as SPDX 2.3 JSON, pretty-printed. `timestamp` must be
/// `YYYY-MM-DDThh:mm:ssZ` (an `InvalidInput` error otherwise, before anything is written);
/// without one the document is dated [`UNDATED`].
pub fn write_spdx_json(
    inv: &Inventory,
    tool: &ToolInfo,
    timestamp: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    if let Some(t) = timestamp {
        check_timestamp(t)?;
    }
    let created = timestamp.unwrap_or(UNDATED);
    let annotator = format!("Tool: {}-{}", tool.name, tool.version);
    let mut doc = document(inv, created, &annotator);
    let mut hash = HashWriter::new();
    serde_json::to_writer(&mut hash, &doc)?;
    doc.document_namespace = format!("https://vendorscan.invalid/spdx/{}-{}", slug(&doc.name), hash.uuid());
    let mut out = BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &doc)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Whether a component is written as an SPDX file: a file (not a snippet) with the SHA-1 SPDX
/// requires of files; other file components stay packages of purpose `FILE`.
fn is_spdx_file(c: &Component) -> bool {
    c.origin == Origin::File
        && c.hashes
            .iter()
            .any(|h| h.alg == "SHA-1" && HashAlg::of(&h.alg, &h.value).is_some())
}

/// Each component's SPDX id: `SPDXRef-File-<index>` for files, else `SPDXRef-Package-<index>`.
struct Ids(Vec<bool>);

impl Ids {
    fn of(&self, id: ComponentId) -> String {
        if self.0.get(id.index()).copied().unwrap_or(false) {
            format!("SPDXRef-File-{}", id.index())
        } else {
            format!("SPDXRef-Package-{}", id.index())
        }
    }
}

fn document<'a>(inv: &'a Inventory, created: &'a str, annotator: &'a str) -> Doc<'a> {
    let mut licences = Licences::default();
    let n = inv.components.len();
    let as_file: Vec<bool> = inv.components.iter().map(is_spdx_file).collect();
    // A package may contain SPDX files only when its files were analysed.
    let mut has_files = vec![false; n];
    for r in &inv.relationships {
        if r.kind == RelationKind::Contains && r.from.index() < n && r.to.index() < n && as_file[r.to.index()] {
            has_files[r.from.index()] = true;
        }
    }
    let mut packages: Vec<Package<'a>> = Vec::new();
    let mut files: Vec<SpdxFile<'a>> = Vec::new();
    for (i, c) in inv.components.iter().enumerate() {
        let id = ComponentId::new(i);
        if as_file[i] {
            files.push(file(id, c, inv, created, annotator));
        } else {
            let mut p = package(id, c, &mut licences, created, annotator);
            p.files_analyzed = has_files[i];
            packages.push(p);
        }
    }
    let ids = Ids(as_file);
    let package_id = |id: ComponentId| ids.of(id);
    let described = described(inv);
    let mut relationships: Vec<Rel> = described
        .iter()
        .map(|&id| Rel {
            spdx_element_id: DOCUMENT_ID.to_string(),
            relationship_type: "DESCRIBES",
            related_spdx_element: package_id(id),
            comment: None,
        })
        .collect();
    let mut seen = HashSet::new();
    for r in &inv.relationships {
        if r.from.index() >= n || r.to.index() >= n {
            continue;
        }
        let (kind, comment) = match r.kind {
            RelationKind::DependsOn => ("DEPENDS_ON", None),
            RelationKind::Contains => ("CONTAINS", None),
            RelationKind::DerivedFrom => ("DESCENDANT_OF", None),
            RelationKind::VariantOf => ("VARIANT_OF", None),
            RelationKind::Provides => ("OTHER", Some("provides")),
        };
        if seen.insert((r.from, r.to, kind)) {
            relationships.push(Rel {
                spdx_element_id: package_id(r.from),
                relationship_type: kind,
                related_spdx_element: package_id(r.to),
                comment,
            });
        }
    }
    let name = described
        .first()
        .map(|&id| {
            let c = inv.component(id);
            match &c.version {
                Some(v) => format!("{} {v}", c.name),
                None => c.name.to_string(),
            }
        })
        .or_else(|| inv.documents.first().and_then(|d| d.name.clone()))
        .unwrap_or_else(|| "vendorscan inventory".to_string());
    Doc {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: DOCUMENT_ID,
        name,
        document_namespace: String::new(),
        creation_info: CreationInfo {
            created,
            creators: vec![annotator.to_string()],
        },
        packages,
        files,
        has_extracted_licensing_infos: licences.extracted,
        relationships,
    }
}

/// What the document describes: every document's `describes`, else the first component of
/// origin `metadata`, else every component nothing contains.
fn described(inv: &Inventory) -> Vec<ComponentId> {
    let n = inv.components.len();
    let mut seen = HashSet::new();
    let mut out: Vec<ComponentId> = inv
        .documents
        .iter()
        .flat_map(|d| d.describes.iter().copied())
        .filter(|id| id.index() < n && seen.insert(*id))
        .collect();
    if out.is_empty() {
        out.extend(
            inv.components
                .iter()
                .position(|c| c.origin == Origin::Metadata)
                .map(ComponentId::new),
        );
    }
    if out.is_empty() {
        let contained: HashSet<ComponentId> = inv
            .relationships
            .iter()
            .filter(|r| r.kind == RelationKind::Contains && r.from != r.to)
            .map(|r| r.to)
            .collect();
        out.extend((0..n).map(ComponentId::new).filter(|id| !contained.contains(id)));
    }
    out
}

fn package<'a>(
    id: ComponentId,
    c: &'a Component,
    licences: &mut Licences<'a>,
    created: &'a str,
    annotator: &'a str,
) -> Package<'a> {
    let d = c.details();
    let mut notes: Vec<String> = Vec::new();
    let find = |role: Role| c.parties.iter().find(|p| p.role == role && !p.who.is_empty());
    let supplier = find(Role::Supplier);
    let originator = [Role::Manufacturer, Role::Originator, Role::Author, Role::Publisher]
        .into_iter()
        .find_map(find);
    for p in &c.parties {
        if p.role == Role::CopyrightHolder {
            continue;
        }
        let written = [supplier, originator]
            .into_iter()
            .flatten()
            .any(|w| std::ptr::eq(w, p) && actor_carries_all(&w.who));
        if !written {
            notes.push(format!("{PARTY}{}: {}", p.role.as_str(), party_value(&p.who)));
        }
    }
    let mut external_refs: Vec<ExternalRef<'a>> = c
        .purls
        .iter()
        .map(|p| ExternalRef {
            reference_category: "PACKAGE-MANAGER",
            reference_type: Cow::Borrowed("purl"),
            reference_locator: Cow::Borrowed(p.value.as_str().trim()),
        })
        .collect();
    for cpe in &c.cpes {
        let text = cpe.value.as_str().trim();
        match cpe_binding(text) {
            Some(ty) => external_refs.push(ExternalRef {
                reference_category: "SECURITY",
                reference_type: Cow::Borrowed(ty),
                reference_locator: Cow::Borrowed(text),
            }),
            None => notes.push(format!("cpe: {text}")),
        }
    }
    let mut homepage = None;
    for r in &d.references {
        let kind = r.value.kind.trim();
        let url = r.value.url.trim();
        let is_home = kind.eq_ignore_ascii_case("website") || kind.eq_ignore_ascii_case("homepage");
        if homepage.is_none() && is_home && is_spdx_url(url) {
            homepage = Some(url);
            continue;
        }
        if let Some(locator) = iri(url) {
            external_refs.push(ExternalRef {
                reference_category: "OTHER",
                reference_type: reference_type(kind),
                reference_locator: locator,
            });
        }
    }
    let download_location = match d.download_location.as_ref().map(|l| l.value.trim()) {
        Some(url) if is_spdx_url(url) => url,
        Some(url) => {
            notes.push(format!("download location: {url}"));
            NOASSERTION
        }
        None => NOASSERTION,
    };
    let checksums = checksums(c);
    let source_info = (!d.occurrences.is_empty()).then(|| {
        let paths: Vec<&str> = d.occurrences.iter().map(CompactString::as_str).collect();
        format!("found at:\n{}", paths.join("\n"))
    });
    let mut supplier_text = supplier.and_then(|p| actor(&p.who));
    let mut originator_text = originator.and_then(|p| actor(&p.who));
    let mut copyright = copyright_text(&d.copyrights);
    let mut holders: Vec<String> = copyright.as_deref().map(crate::copyright::holders).unwrap_or_default();
    let mut graded: Vec<String> = Vec::with_capacity(d.evidence.len());
    for e in &d.evidence {
        let value = one_line(&e.value.value);
        let also = match e.value.name.as_str() {
            _ if value.is_empty() => None,
            "module-author" | "pe-company" if originator_text.is_none() => {
                originator_text = Some(format!("Organization: {value}"));
                Some(Role::Originator)
            }
            "cert-subject" if supplier_text.is_none() => {
                supplier_text = Some(format!("Organization: {value}"));
                Some(Role::Supplier)
            }
            "copyright-holder" if !holders.contains(&value) => {
                let text = copyright.get_or_insert_with(String::new);
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&format!("Copyright {value}"));
                holders.push(value.clone());
                Some(Role::CopyrightHolder)
            }
            _ => None,
        };
        graded.push(format!(
            "{}: {}",
            evidence_name(&e.value.name, also),
            evidence_value(&e.value.value, &e.at)
        ));
    }
    // A package with evidence keeps the facts its grading reads as context (an in-tree module,
    // its vermagic): SPDX has no properties, so they are annotations too.
    if !graded.is_empty() {
        for p in &c.details().properties {
            graded.push(format!(
                "{}: {}",
                super::sbom_common::property_name(&p.value.name),
                p.value.value
            ));
        }
    }
    let mut annotations: Vec<Annotation<'a>> = graded
        .into_iter()
        .chain(notes)
        .map(|comment| Annotation {
            annotation_date: created,
            annotation_type: "OTHER",
            annotator,
            comment,
        })
        .collect();
    annotations.shrink_to_fit();
    Package {
        spdx_id: format!("SPDXRef-Package-{}", id.index()),
        name: if c.name.trim().is_empty() { "(unnamed)" } else { &c.name },
        version_info: c.version.as_deref().filter(|v| !v.trim().is_empty()),
        supplier: supplier_text.map_or(Cow::Borrowed(NOASSERTION), Cow::Owned),
        originator: originator_text,
        download_location,
        files_analyzed: false,
        checksums,
        homepage,
        source_info,
        license_concluded: NOASSERTION,
        license_declared: licences.declared(&c.licenses),
        copyright_text: copyright.map_or(Cow::Borrowed(NOASSERTION), Cow::Owned),
        description: d.description.as_deref(),
        external_refs,
        primary_package_purpose: purpose(c),
        annotations,
    }
}

/// A file component as an SPDX file: named by its path below the target (`./usr/bin/bash`),
/// with its checksums, copyright and the evidence found in it as annotations.
/// The component's hashes SPDX has an algorithm for, as SPDX checksums.
fn checksums(c: &Component) -> Vec<Checksum> {
    c.hashes
        .iter()
        .filter_map(|h| {
            HashAlg::of(&h.alg, &h.value).map(|a| Checksum {
                algorithm: a.spdx,
                checksum_value: h.value.as_str().to_ascii_lowercase(),
            })
        })
        .collect()
}

fn file<'a>(
    id: ComponentId,
    c: &'a Component,
    inv: &'a Inventory,
    created: &'a str,
    annotator: &'a str,
) -> SpdxFile<'a> {
    let d = c.details();
    // A walked file by its path below the target (`./usr/bin/bash`); a file from an input SBOM
    // by its name as written there, only made relative (the SPDX tools refuse a leading `/`).
    let file_name = match d.occurrences.first() {
        Some(path) => {
            let target = inv.documents.get(c.document).map_or("", |doc| doc.path.as_str());
            let below = path.strip_prefix(target).unwrap_or(path).trim_start_matches(['/', '!']);
            format!("./{}", if below.is_empty() { c.name.as_str() } else { below })
        }
        None if c.name.starts_with('/') => format!(".{}", c.name),
        None => c.name.to_string(),
    };
    let checksums = checksums(c);
    let mut notes: Vec<String> = Vec::new();
    for e in &d.evidence {
        notes.push(format!(
            "{}: {}",
            evidence_name(&e.value.name, None),
            evidence_value(&e.value.value, &e.at)
        ));
    }
    if !notes.is_empty() {
        for p in &d.properties {
            notes.push(format!(
                "{}: {}",
                super::sbom_common::property_name(&p.value.name),
                p.value.value
            ));
        }
    }
    let annotations = notes
        .into_iter()
        .map(|comment| Annotation {
            annotation_date: created,
            annotation_type: "OTHER",
            annotator,
            comment,
        })
        .collect();
    SpdxFile {
        spdx_id: format!("SPDXRef-File-{}", id.index()),
        file_name,
        checksums,
        license_concluded: NOASSERTION,
        copyright_text: copyright_text(&d.copyrights).map_or(Cow::Borrowed(NOASSERTION), Cow::Owned),
        comment: c.version.as_deref().map(|v| format!("version {v}")),
        annotations,
    }
}

/// An SPDX actor: `Organization: Name (e-mail)` or `Person: Name (e-mail)`, on one line. A party
/// known only by e-mail or URL is named by it (the SPDX tools refuse an actor without a name).
fn actor(who: &Identity) -> Option<String> {
    let kind = if who.kind == PartyKind::Person {
        "Person"
    } else {
        "Organization"
    };
    let email = actor_email(who);
    let name = party_name(who).map(one_line).filter(|n| !n.is_empty());
    match (name, email) {
        (Some(name), Some(email)) => Some(format!("{kind}: {name} ({email})")),
        (Some(name), None) => Some(format!("{kind}: {name}")),
        (None, Some(email)) => Some(format!("{kind}: {email}")),
        (None, None) => who.urls.first().map(|u| format!("{kind}: {}", one_line(u))),
    }
}

/// The e-mail an actor string can carry: the first one without parentheses or white space.
fn actor_email(who: &Identity) -> Option<&str> {
    emails(who).find(|e| !e.contains(['(', ')']) && !e.contains(char::is_whitespace))
}

/// Whether the actor string says everything the identity holds (else it is annotated too).
fn actor_carries_all(who: &Identity) -> bool {
    who.name.is_some()
        && who.urls.is_empty()
        && who.contacts.is_empty()
        && who.emails.len() <= actor_email(who).iter().count()
}

/// Text on one line: control characters (line breaks included) become spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The package purpose for a component kind, in SPDX 2.3's spelling.
fn purpose(c: &Component) -> Option<&'static str> {
    if matches!(c.origin, Origin::File | Origin::Snippet) {
        return Some("FILE");
    }
    let kind = c.kind.as_deref()?.trim().to_ascii_lowercase().replace('_', "-");
    Some(match kind.as_str() {
        "application" => "APPLICATION",
        "framework" => "FRAMEWORK",
        "library" => "LIBRARY",
        "container" => "CONTAINER",
        "operating-system" => "OPERATING-SYSTEM",
        "device" => "DEVICE",
        "firmware" => "FIRMWARE",
        "source" => "SOURCE",
        "archive" => "ARCHIVE",
        "file" => "FILE",
        "install" => "INSTALL",
        "" => return None,
        _ => "OTHER",
    })
}

/// An `OTHER` reference type from the input's name for it: letters, digits and `.-_` kept.
fn reference_type(kind: &str) -> Cow<'_, str> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if kind.is_empty() {
        Cow::Borrowed("url")
    } else if kind.chars().all(ok) {
        Cow::Borrowed(kind)
    } else {
        Cow::Owned(kind.chars().map(|c| if ok(c) { c } else { '-' }).collect())
    }
}

/// Whether the SPDX tools accept a URL as a download location or home page: an optional
/// `git+`-style prefix and scheme, an optional user, then a host name whose last label is two to
/// five letters; no white space. Stricter than their pattern, never looser.
fn is_spdx_url(url: &str) -> bool {
    if url.is_empty() || url.contains(char::is_whitespace) {
        return false;
    }
    let lower = url.to_ascii_lowercase();
    let mut rest = lower.as_str();
    for vcs in ["git+", "hg+", "svn+", "bzr+"] {
        if let Some(r) = rest.strip_prefix(vcs) {
            rest = r;
            break;
        }
    }
    for scheme in ["http://", "https://", "ssh://", "git://", "svn://", "sftp://", "ftp://"] {
        if let Some(r) = rest.strip_prefix(scheme) {
            rest = r;
            break;
        }
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user_ok = !user.is_empty()
                && user
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_-.!~*'()%;:&=+$,".contains(c));
            if !user_ok {
                return false;
            }
            host
        }
        None => authority,
    };
    let host = host_port.split(':').next().unwrap_or("");
    let labels: Vec<&str> = host.split('.').collect();
    let last = labels.last().copied().unwrap_or("");
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
                && !l.contains("--")
        })
        && (2..=5).contains(&last.len())
        && last.chars().all(|c| c.is_ascii_alphabetic())
}

/// `LicenseRef-` followed by the idstring SPDX allows (letters, digits, `.`, `-`).
fn is_bare_license_ref(l: &str) -> bool {
    l.strip_prefix("LicenseRef-").is_some_and(|id| {
        id.chars().any(|c| !c.is_ascii_digit())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
    })
}

/// A short, URI-safe form of the document name for the namespace.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 64 {
            break;
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() {
        "inventory".to_string()
    } else {
        out.to_string()
    }
}

/// The licence texts that are no SPDX expression, each declared once as a `LicenseRef-<n>`.
#[derive(Default)]
struct Licences<'a> {
    extracted: Vec<Extracted<'a>>,
    by_text: HashMap<&'a str, usize>,
}

impl<'a> Licences<'a> {
    /// `licenseDeclared` for a component's licences.
    fn declared(&mut self, list: &'a [CompactString]) -> String {
        let terms: Vec<Cow<'a, str>> = list
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .map(|l| {
                if is_spdx_expression(l) && !names_license_refs(l) {
                    Cow::Borrowed(l)
                } else if is_bare_license_ref(l) {
                    self.declare_ref(l);
                    Cow::Borrowed(l)
                } else {
                    Cow::Owned(self.reference(l))
                }
            })
            .collect();
        match terms.as_slice() {
            [] => NOASSERTION.to_string(),
            [one] => one.to_string(),
            several => {
                let parts: Vec<String> = several
                    .iter()
                    .map(|t| {
                        if t.contains(' ') {
                            format!("({t})")
                        } else {
                            t.to_string()
                        }
                    })
                    .collect();
                parts.join(" AND ")
            }
        }
    }

    /// Declares a `LicenseRef-` given as such, once.
    fn declare_ref(&mut self, id: &'a str) {
        if self.by_text.contains_key(id) {
            return;
        }
        self.by_text.insert(id, self.extracted.len());
        self.extracted.push(Extracted {
            license_id: id.to_string(),
            extracted_text: "A licence not on the SPDX licence list, stated in a form vendorscan does not interpret (a free-form copyright file); the identifier names its text by hash.",
            name: id,
        });
    }

    fn reference(&mut self, text: &'a str) -> String {
        let next = self.extracted.len();
        let index = *self.by_text.entry(text).or_insert(next);
        if index == next {
            self.extracted.push(Extracted {
                license_id: format!("LicenseRef-{}", next + 1),
                extracted_text: text,
                name: text,
            });
        }
        self.extracted[index].license_id.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_the_spdx_tools_accept() {
        for ok in [
            "https://www.openssl.org",
            "https://github.com/openssl/openssl/archive/v3.tar.gz",
            "git+https://git@github.com/a/b.git",
            "http://a-b.example.com:8080/x",
            "example.com/x",
        ] {
            assert!(is_spdx_url(ok), "{ok}");
        }
        for bad in [
            "NOASSERTION",
            "https://localhost/x",
            "https://x.org/a b",
            "https://10.0.0.1/",
            "file:///tmp/x",
            "",
        ] {
            assert!(!is_spdx_url(bad), "{bad}");
        }
    }

    #[test]
    fn licences_become_one_declared_expression() {
        let mut l = Licences::default();
        let list: Vec<CompactString> = vec!["MIT".into(), "Vendor EULA".into(), "Apache-2.0 OR MIT".into()];
        assert_eq!(l.declared(&list), "MIT AND LicenseRef-1 AND (Apache-2.0 OR MIT)");
        let again: Vec<CompactString> = vec!["Vendor EULA".into()];
        assert_eq!(l.declared(&again), "LicenseRef-1");
        assert_eq!(l.declared(&[]), "NOASSERTION");
        assert_eq!(l.extracted.len(), 1);
    }

    #[test]
    fn actors_are_one_line_with_a_name() {
        let mut who = Identity::new(PartyKind::Organization, Some("ZTE\nCorporation".into()));
        who.emails.push("psirt@zte.com.cn".into());
        assert_eq!(actor(&who).unwrap(), "Organization: ZTE Corporation (psirt@zte.com.cn)");
        let mut mail_only = Identity::new(PartyKind::Person, None);
        mail_only.emails.push("li.wei@hisilicon.com".into());
        assert_eq!(actor(&mail_only).unwrap(), "Person: li.wei@hisilicon.com");
        assert_eq!(actor(&Identity::new(PartyKind::Unknown, None)), None);
    }

    #[test]
    fn slugs_are_short_and_safe() {
        assert_eq!(
            slug("AR1200 router firmware V200R010C10"),
            "AR1200-router-firmware-V200R010C10"
        );
        assert_eq!(slug("华为"), "inventory");
    }
}
