//! SPDX 2.x tag-value: `Tag: value` lines, `<text>…</text>` values that may span lines, and
//! sections that start with `PackageName:`, `FileName:` or `SnippetSPDXID:`.
//!
//! This is vendorscan's own reader, not spdx-rs's: spdx-rs 0.5's tag-value parser panics on
//! `ExternalRef: PACKAGE_MANAGER …` (the 2.2 spelling) and stops without an error at the first
//! tag it does not know, silently dropping the rest of the document. Tag-value files come from
//! the party being audited, so they are never handed to it. Here an unknown tag is a warning
//! and reading goes on; only an unterminated `<text>` (after which nothing can be trusted to
//! be a tag) and invalid UTF-8 stop the document.

use super::v2::{self, Spdx2};
use crate::model::{Component, Encoding, InventoryPart, Location, Origin, Role, WarningCode};
use crate::sbom::{Place, SbomError};
use compact_str::CompactString;
use std::collections::HashSet;

/// How many malformed lines or distinct unknown tags are reported one by one; the rest are
/// counted in one closing warning, so a hostile file of junk lines cannot turn every two bytes
/// of input into a hundred bytes of warnings.
const WARNING_CAP: usize = 20;

/// One `Tag: value`, the value already unwrapped from `<text>` and joined across lines.
struct Entry<'a> {
    tag: &'a str,
    value: String,
    line: u32,
}

/// What one logical line of the file is.
enum Line<'a> {
    Entry(Entry<'a>),
    /// Not blank, not a comment and not `Tag: value`.
    Malformed(u32),
}

pub(super) fn read(file: &str, bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(body).map_err(|e| SbomError::invalid_utf8(file, body, e))?;
    let mut reader = Reader {
        r: Spdx2::new(file, Encoding::TagValue),
        current: None,
        last_package: None,
        unknown_tags: HashSet::new(),
        unknown_overflow: 0,
        malformed: 0,
        header: true,
    };
    lines(file, text, |line| match line {
        Line::Entry(entry) => reader.entry(entry),
        Line::Malformed(line) => reader.malformed_line(line),
    })?;
    reader.flush();
    reader.close_warnings();
    if reader.r.b.document.spec_version.is_none() {
        reader.r.b.warn(
            WarningCode::MissingField,
            None,
            "the document has no `SPDXVersion`; read as SPDX-2.3",
        );
    }
    Ok(reader.r.finish())
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// Hands the text to `each` as logical lines, in order, without holding them: blank lines and
/// `#` comments are dropped, `<text>` values are gathered across lines, CRLF is read as LF.
fn lines<'a>(file: &str, text: &'a str, mut each: impl FnMut(Line<'a>)) -> Result<(), SbomError> {
    let mut physical = text.split('\n').enumerate();
    while let Some((index, raw)) = physical.next() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let number = line_number(index);
        let Some((tag, rest)) = line.split_once(':').filter(|(t, _)| is_tag(t.trim())) else {
            each(Line::Malformed(number));
            continue;
        };
        let tag = tag.trim();
        let rest = rest.trim_start();
        let value = match rest.strip_prefix("<text>") {
            None => rest.trim_end().to_string(),
            Some(after) => match after.find("</text>") {
                Some(end) => after[..end].to_string(),
                None => {
                    let mut value = after.to_string();
                    loop {
                        let Some((_, raw)) = physical.next() else {
                            let column = line[..line.find("<text>").unwrap_or(0)].chars().count() + 1;
                            return Err(SbomError::Syntax {
                                file: file.to_string(),
                                place: Place::LineColumn {
                                    line: index + 1,
                                    column,
                                },
                                message: format!("`{tag}: <text>` is never closed with `</text>`"),
                            });
                        };
                        let next = raw.strip_suffix('\r').unwrap_or(raw);
                        value.push('\n');
                        if let Some(end) = next.find("</text>") {
                            value.push_str(&next[..end]);
                            break;
                        }
                        value.push_str(next);
                    }
                    value
                }
            },
        };
        each(Line::Entry(Entry {
            tag,
            value,
            line: number,
        }));
    }
    Ok(())
}

/// Tags are single words of letters, digits, `-` and `_` (`SPDXID`, `PackageName`).
fn is_tag(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The element being read: its fields arrive line by line, and it joins the document (which
/// registers its SPDXID) when the next section starts.
struct Current {
    /// Snippets start named by their SPDXID; a `SnippetName` renames them.
    component: Component,
    /// `SnippetFromFileSPDXID`, with its line.
    from_file: Option<(String, u32)>,
}

struct Reader {
    r: Spdx2,
    current: Option<Current>,
    /// The SPDXID of the last package read, which the files after it belong to.
    last_package: Option<CompactString>,
    unknown_tags: HashSet<String>,
    unknown_overflow: usize,
    malformed: usize,
    /// True until the first package, file, snippet or licence section: only there does a
    /// bare `SPDXID` name the document.
    header: bool,
}

impl Reader {
    fn malformed_line(&mut self, line: u32) {
        self.malformed += 1;
        if self.malformed <= WARNING_CAP {
            self.r.b.warn(
                WarningCode::UnknownField,
                Some(Location::line(line)),
                "not a `Tag: value` line; skipped",
            );
        }
    }

    fn unknown_tag(&mut self, tag: &str, line: u32) {
        if self.unknown_tags.contains(tag) {
            return;
        }
        if self.unknown_tags.len() >= WARNING_CAP {
            self.unknown_overflow += 1;
            return;
        }
        self.unknown_tags.insert(tag.to_string());
        self.r.b.warn(
            WarningCode::UnknownField,
            Some(Location::line(line)),
            format!("unknown tag `{tag}`; skipped wherever it appears"),
        );
    }

    fn close_warnings(&mut self) {
        if self.malformed > WARNING_CAP {
            self.r.b.warn(
                WarningCode::UnknownField,
                None,
                format!(
                    "{} more lines that are not `Tag: value` were skipped",
                    self.malformed - WARNING_CAP
                ),
            );
        }
        if self.unknown_overflow > 0 {
            self.r.b.warn(
                WarningCode::UnknownField,
                None,
                format!(
                    "unknown tags appeared {} more times beyond the first {WARNING_CAP} distinct ones; skipped",
                    self.unknown_overflow
                ),
            );
        }
    }

    /// Adds the element being read to the document.
    fn flush(&mut self) {
        let Some(current) = self.current.take() else {
            return;
        };
        let c = current.component;
        let at = c.at.clone();
        let own_ref = c.bom_ref.clone();
        match c.origin {
            Origin::Component => self.last_package = own_ref.clone(),
            Origin::File => {
                if let (Some(package), Some(file)) = (&self.last_package, &own_ref) {
                    let package = package.clone();
                    self.r.imply_contains(&package, file, at.clone());
                }
            }
            _ => {}
        }
        self.r.b.add_component(c);
        if let (Some((file, line)), Some(snippet)) = (current.from_file, own_ref) {
            self.r.b.add_edge_by_ref(
                &file,
                &snippet,
                crate::model::RelationKind::Contains,
                Location::line(line),
            );
        }
    }

    fn start(&mut self, origin: Origin, name: &str, line: u32) {
        self.flush();
        self.header = false;
        self.current = Some(Current {
            component: Component::new(origin, name.trim(), Location::line(line)),
            from_file: None,
        });
    }

    fn entry(&mut self, e: Entry) {
        let at = Location::line(e.line);
        let value = e.value.as_str();
        match e.tag {
            // Sections.
            "PackageName" => return self.start(Origin::Component, value, e.line),
            "FileName" => return self.start(Origin::File, value, e.line),
            "SnippetSPDXID" => {
                self.start(Origin::Snippet, value, e.line);
                if let Some(current) = &mut self.current {
                    current.component.bom_ref = Some(value.trim().into());
                }
                return;
            }
            "LicenseID" => {
                self.flush();
                self.header = false;
                return;
            }
            // The document.
            "SPDXVersion" => return self.r.spec_version(value, at),
            "DocumentName" => return self.r.b.document.name = Some(value.trim().to_string()),
            "DocumentNamespace" => return self.r.b.document.serial = Some(value.trim().to_string()),
            "Created" => return self.r.b.document.created = Some(value.trim().to_string()),
            "Creator" => return self.r.creator(value, at),
            "Relationship" => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                match parts.as_slice() {
                    [from, kind, to, ..] => self.r.relationship(from, kind, to, at),
                    _ => self.r.b.warn(
                        WarningCode::UnexpectedType,
                        Some(at),
                        format!("`Relationship: {value}` is not `A TYPE B`; skipped"),
                    ),
                }
                return;
            }
            "SPDXID" => {
                match &mut self.current {
                    Some(current) => current.component.bom_ref = Some(value.trim().into()),
                    None if self.header => self.r.document_id(value),
                    None => {}
                }
                return;
            }
            // Known, and nothing vendorscan needs: document, licence, annotation and review
            // details, and element fields that name no party, identifier or licence.
            "DataLicense"
            | "ExternalDocumentRef"
            | "LicenseListVersion"
            | "CreatorComment"
            | "DocumentComment"
            | "ExtractedText"
            | "LicenseName"
            | "LicenseCrossReference"
            | "LicenseComment"
            | "Annotator"
            | "AnnotationDate"
            | "AnnotationType"
            | "SPDXREF"
            | "AnnotationComment"
            | "Reviewer"
            | "ReviewDate"
            | "ReviewComment"
            | "RelationshipComment"
            | "PackageFileName"
            | "FilesAnalyzed"
            | "PackageVerificationCode"
            | "PackageSourceInfo"
            | "PackageLicenseInfoFromFiles"
            | "PackageLicenseComments"
            | "PackageComment"
            | "ExternalRefComment"
            | "PackageAttributionText"
            | "ReleaseDate"
            | "BuiltDate"
            | "ValidUntilDate"
            | "FileType"
            | "LicenseComments"
            | "FileComment"
            | "FileNotice"
            | "FileAttributionText"
            | "FileDependency"
            | "SnippetByteRange"
            | "SnippetLineRange"
            | "SnippetLicenseComments"
            | "SnippetComment"
            | "SnippetAttributionText" => return,
            _ => {}
        }
        // Element fields.
        let Some(current) = &mut self.current else {
            if ELEMENT_TAGS.contains(&e.tag) {
                self.r.b.warn(
                    WarningCode::UnknownField,
                    Some(at),
                    format!("`{}` outside a package, file or snippet; skipped", e.tag),
                );
            } else {
                self.unknown_tag(e.tag, e.line);
            }
            return;
        };
        let c = &mut current.component;
        match e.tag {
            "PackageVersion" => c.version = Some(value.trim()).filter(|v| !v2::is_no_value(v)).map(Into::into),
            "PackageSupplier" => v2::add_actor(c, value, Role::Supplier, at),
            "PackageOriginator" => v2::add_actor(c, value, Role::Originator, at),
            "FileContributor" => v2::add_actor(c, value, Role::Author, at),
            "PackageDownloadLocation" => {
                if let Some(location) = v2::located_value(value, at) {
                    c.details_mut().download_location = Some(location);
                }
            }
            "PackageHomePage" => v2::add_homepage(c, value, at),
            "PackageCopyrightText" | "FileCopyrightText" | "SnippetCopyrightText" => v2::add_copyright(c, value, at),
            "PackageChecksum" | "FileChecksum" => match value.split_once(':') {
                Some((alg, sum)) => v2::add_hash(c, alg, sum),
                None => self.r.b.warn(
                    WarningCode::UnexpectedType,
                    Some(at),
                    format!("`{}: {value}` is not `ALGORITHM: value`; skipped", e.tag),
                ),
            },
            "PackageLicenseConcluded"
            | "PackageLicenseDeclared"
            | "LicenseConcluded"
            | "LicenseInfoInFile"
            | "SnippetLicenseConcluded"
            | "LicenseInfoInSnippet" => v2::add_license(c, value),
            "PrimaryPackagePurpose" => c.kind = v2::purpose(value),
            "PackageDescription" => c.details_mut().description = Some(value.trim().into()),
            "PackageSummary" => {
                if c.details().description.is_none() {
                    c.details_mut().description = Some(value.trim().into());
                }
            }
            "SnippetName" => c.name = value.trim().into(),
            "SnippetFromFileSPDXID" => current.from_file = Some((value.trim().to_string(), e.line)),
            "ExternalRef" => {
                let mut parts = value.split_whitespace();
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(category), Some(ty), Some(locator)) => self.r.external_ref(c, category, ty, locator, at),
                    _ => self.r.b.warn(
                        WarningCode::UnexpectedType,
                        Some(at),
                        format!("`ExternalRef: {value}` is not `CATEGORY TYPE LOCATOR`; skipped"),
                    ),
                }
            }
            _ => self.unknown_tag(e.tag, e.line),
        }
    }
}

/// Tags that belong to a package, file or snippet: the ones `Reader::entry` reads into the
/// current element (a test keeps the two lists in step).
const ELEMENT_TAGS: [&str; 23] = [
    "PackageVersion",
    "PackageSupplier",
    "PackageOriginator",
    "FileContributor",
    "PackageDownloadLocation",
    "PackageHomePage",
    "PackageCopyrightText",
    "FileCopyrightText",
    "SnippetCopyrightText",
    "PackageChecksum",
    "FileChecksum",
    "PackageLicenseConcluded",
    "PackageLicenseDeclared",
    "LicenseConcluded",
    "LicenseInfoInFile",
    "SnippetLicenseConcluded",
    "LicenseInfoInSnippet",
    "PrimaryPackagePurpose",
    "PackageDescription",
    "PackageSummary",
    "SnippetName",
    "SnippetFromFileSPDXID",
    "ExternalRef",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ComponentId, PartyKind, RelationKind};

    const HEAD: &str = "SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\n";

    fn read_str(text: &str) -> InventoryPart {
        read("t.spdx", text.as_bytes()).unwrap()
    }

    #[test]
    fn text_values_span_lines() {
        let part = read_str(&format!(
            "{HEAD}PackageName: p\nPackageCopyrightText: <text>Copyright (c) 2017 Hisilicon Limited.\n\
             # not a comment inside text\n\nCopyright 2019 ZTE Corporation</text>\n\
             PackageDescription: <text>one line</text>\nPackageVersion: 1.0\n"
        ));
        let c = &part.components[0];
        assert_eq!(
            c.details().copyrights[0].value,
            "Copyright (c) 2017 Hisilicon Limited.\n# not a comment inside text\n\nCopyright 2019 ZTE Corporation"
        );
        assert_eq!(c.details().copyrights[0].at, Location::line(4));
        let holders: Vec<_> = c.parties.iter().filter_map(|p| p.who.name.as_deref()).collect();
        assert_eq!(holders, ["Hisilicon Limited.", "ZTE Corporation"]);
        assert_eq!(c.details().description.as_deref(), Some("one line"));
        // Line numbers keep counting through the text block.
        assert_eq!(c.version.as_deref(), Some("1.0"));
        assert!(part.warnings.is_empty(), "{:?}", part.warnings);
    }

    #[test]
    fn unterminated_text_is_an_error_where_it_opened() {
        let err = read(
            "t.spdx",
            format!("{HEAD}PackageName: p\nPackageCopyrightText:  <text>Copyright\nmore\n").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.spdx:4:24: `PackageCopyrightText: <text>` is never closed with `</text>`"
        );
    }

    #[test]
    fn crlf_comments_and_blank_lines() {
        let part = read_str(
            "# comment\r\nSPDXVersion: SPDX-2.2\r\n\r\nPackageName: zlib\r\n  # indented comment\r\n\
             PackageSupplier: Person: Jane Doe (jane@example.org)\r\n\
             PackageCopyrightText: <text>Copyright 2020 A\r\nCopyright 2021 B</text>\r\n",
        );
        let c = &part.components[0];
        assert_eq!(c.name, "zlib");
        assert_eq!(c.parties[0].who.name.as_deref(), Some("Jane Doe"));
        assert_eq!(c.parties[0].who.kind, PartyKind::Person);
        assert_eq!(c.parties[0].who.emails, ["jane@example.org"]);
        assert_eq!(c.parties[0].at, Location::line(6));
        assert_eq!(c.details().copyrights[0].value, "Copyright 2020 A\nCopyright 2021 B");
        assert_eq!(part.document.spec_version.as_deref(), Some("SPDX-2.2"));
        assert!(part.warnings.is_empty(), "{:?}", part.warnings);
    }

    #[test]
    fn unknown_tags_warn_once_each_and_reading_goes_on() {
        let part = read_str(&format!(
            "{HEAD}Frobnicate: 1\nPackageName: a\nFrobnicate: 2\nPackageBuildId: 7\n\
             this line has no tag\nPackageName: b\nPackageVersion: 2\n"
        ));
        let warnings: Vec<_> = part
            .warnings
            .iter()
            .map(|w| (w.code, w.at.clone(), w.message.as_str()))
            .collect();
        assert_eq!(
            warnings,
            [
                (
                    WarningCode::UnknownField,
                    Some(Location::line(3)),
                    "unknown tag `Frobnicate`; skipped wherever it appears"
                ),
                (
                    WarningCode::UnknownField,
                    Some(Location::line(6)),
                    "unknown tag `PackageBuildId`; skipped wherever it appears"
                ),
                (
                    WarningCode::UnknownField,
                    Some(Location::line(7)),
                    "not a `Tag: value` line; skipped"
                ),
            ]
        );
        assert_eq!(part.components.len(), 2);
        assert_eq!(part.components[1].version.as_deref(), Some("2"));
    }

    #[test]
    fn junk_lines_are_reported_up_to_a_cap() {
        let mut text = HEAD.to_string();
        for i in 0..1000 {
            text.push_str(&format!("junk {i}\nTag{i}: x\n"));
        }
        let part = read_str(&text);
        assert_eq!(part.warnings.len(), 2 * WARNING_CAP + 2);
        let last = &part.warnings[part.warnings.len() - 2..];
        assert_eq!(last[0].message, "980 more lines that are not `Tag: value` were skipped");
        assert!(last[1].message.starts_with("unknown tags appeared 980 more times"));
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let err = read("t.spdx", b"SPDXVersion: SPDX-2.3\nPackageName: caf\xe9\n").unwrap_err();
        assert_eq!(err.to_string(), "t.spdx:2:17: invalid UTF-8 (byte 0xe9)");
    }

    #[test]
    fn external_refs_in_either_spelling() {
        let part = read_str(&format!(
            "{HEAD}PackageName: sdk\n\
             ExternalRef: PACKAGE_MANAGER purl pkg:npm/%40huaweicloud/huaweicloud-sdk-core@3.1.0\n\
             ExternalRef: PACKAGE-MANAGER purl pkg:/broken\n\
             ExternalRef: SECURITY cpe23Type cpe:2.3:o:zte:mf286r_firmware:1.0:*:*:*:*:*:*:*\n\
             ExternalRef: SECURITY cpe22Type cpe:/o:huawei:hg8245h_firmware:v3r017\n\
             ExternalRef: PERSISTENT-ID swh swh:1:rev:309cf2674ee7a0749978cf8265ab91a60aea0f7d\n\
             ExternalRef: SECURITY\n"
        ));
        let c = &part.components[0];
        assert_eq!(c.purls.len(), 1);
        assert_eq!(c.purls[0].value.namespace(), Some("@huaweicloud"));
        assert_eq!(c.purls[0].at, Location::line(4));
        let vendors: Vec<_> = c.cpes.iter().map(|c| c.value.vendor()).collect();
        assert_eq!(vendors, ["zte", "huawei"]);
        assert_eq!(c.details().references[0].value.kind, "swh");
        let codes: Vec<_> = part.warnings.iter().map(|w| (w.code, w.at.clone())).collect();
        assert_eq!(
            codes,
            [
                (WarningCode::InvalidPurl, Some(Location::line(5))),
                (WarningCode::UnexpectedType, Some(Location::line(9)))
            ]
        );
    }

    #[test]
    fn files_after_a_package_belong_to_it_unless_placed_elsewhere() {
        let part = read_str(&format!(
            "{HEAD}PackageName: p\nSPDXID: SPDXRef-p\nPackageName: q\nSPDXID: SPDXRef-q\n\
             FileName: ./a\nSPDXID: SPDXRef-a\nFileName: ./b\nSPDXID: SPDXRef-b\n\
             SnippetSPDXID: SPDXRef-s\nSnippetFromFileSPDXID: SPDXRef-b\nSnippetName: crc table\n\
             Relationship: SPDXRef-b CONTAINED_BY SPDXRef-p\n"
        ));
        let edges: Vec<_> = part
            .relationships
            .iter()
            .map(|e| {
                (
                    part.components[e.from.index()].name.as_str(),
                    part.components[e.to.index()].name.as_str(),
                    e.kind,
                )
            })
            .collect();
        assert_eq!(
            edges,
            [
                ("p", "./b", RelationKind::Contains),
                ("q", "./a", RelationKind::Contains),
                ("./b", "crc table", RelationKind::Contains),
            ]
        );
        assert_eq!(part.components[4].origin, Origin::Snippet);
        assert_eq!(part.document.describes, Vec::<ComponentId>::new());
    }

    #[test]
    fn element_tags_outside_elements_are_reported() {
        let part = read_str(&format!(
            "{HEAD}PackageVersion: 1\nLicenseID: LicenseRef-x\nExtractedText: <text>x</text>\n"
        ));
        assert_eq!(part.warnings.len(), 1);
        assert_eq!(
            part.warnings[0].message,
            "`PackageVersion` outside a package, file or snippet; skipped"
        );
    }

    #[test]
    fn every_element_tag_is_read() {
        for tag in ELEMENT_TAGS {
            let part = read_str(&format!("{HEAD}PackageName: p\n{tag}: SHA1: x y z\n"));
            assert!(
                part.warnings.iter().all(|w| w.code != WarningCode::UnknownField),
                "{tag}: {:?}",
                part.warnings
            );
        }
    }

    #[test]
    fn only_the_header_spdxid_names_the_document() {
        let part = read_str(
            "SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOC\nPackageName: p\nSPDXID: SPDXRef-p\n\
             LicenseID: LicenseRef-x\nSPDXID: SPDXRef-other\nRelationship: SPDXRef-DOC DESCRIBES SPDXRef-p\n",
        );
        assert_eq!(part.document.describes, [ComponentId(0)]);
    }

    #[test]
    fn missing_version_is_reported() {
        let part = read_str("PackageName: p\n");
        assert_eq!(part.warnings[0].code, WarningCode::MissingField);
    }
}
