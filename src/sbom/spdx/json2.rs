//! SPDX 2.x as a JSON value tree, whether it came from JSON or YAML: every value is found by
//! its JSON pointer, and a value of the wrong type is a warning, never the end of the document.

use super::v2::{self, Spdx2};
use crate::model::{Component, Encoding, InventoryPart, Origin, Role, WarningCode};
use crate::sbom::json_value::{type_name, Node};
use crate::sbom::vendorscan::{self, Entry};
use crate::sbom::SbomError;
use compact_str::CompactString;
use serde_json::Value;

pub(super) fn read(file: &str, value: &Value, encoding: Encoding) -> Result<InventoryPart, SbomError> {
    super::require_object(file, value)?;
    let root = Node::root(value);
    let mut r = Spdx2::new(file, encoding);
    match root.text("spdxVersion", &mut r.b) {
        Some((version, at)) => r.spec_version(&version, at),
        None => r.b.warn(
            WarningCode::MissingField,
            Some(root.at()),
            "the document has no `spdxVersion`; read as SPDX-2.3",
        ),
    }
    if let Some((id, _)) = root.text("SPDXID", &mut r.b) {
        r.document_id(&id);
    }
    r.b.document.name = root.text("name", &mut r.b).map(|(s, _)| s);
    r.b.document.serial = root.text("documentNamespace", &mut r.b).map(|(s, _)| s);
    if let Some(info) = root.get("creationInfo") {
        r.b.document.created = info.text("created", &mut r.b).map(|(s, _)| s);
        for (creator, at) in info.strings("creators", &mut r.b) {
            r.creator(&creator, at);
        }
    }
    for (described, at) in root.strings("documentDescribes", &mut r.b) {
        r.b.describes_ref(described.trim(), at);
    }
    for node in root.items("packages", &mut r.b) {
        package(&mut r, &node);
    }
    for node in root.items("files", &mut r.b) {
        file_element(&mut r, &node);
    }
    for node in root.items("snippets", &mut r.b) {
        snippet(&mut r, &node);
    }
    for node in root.items("relationships", &mut r.b) {
        if !expect_object(&mut r, &node, "a relationship") {
            continue;
        }
        let from = node.text("spdxElementId", &mut r.b);
        let kind = node.text("relationshipType", &mut r.b);
        let to = node.text("relatedSpdxElement", &mut r.b);
        match (from, kind, to) {
            (Some((from, _)), Some((kind, _)), Some((to, _))) => r.relationship(&from, &kind, &to, node.at()),
            _ => r.b.warn(
                WarningCode::MissingField,
                Some(node.at()),
                "a relationship needs `spdxElementId`, `relationshipType` and `relatedSpdxElement`; skipped",
            ),
        }
    }
    Ok(r.finish())
}

fn expect_object(r: &mut Spdx2, node: &Node, what: &str) -> bool {
    if node.is_object() {
        return true;
    }
    r.b.warn(
        WarningCode::UnexpectedType,
        Some(node.at()),
        format!("{what} should be an object, found {}; skipped", type_name(node.value)),
    );
    false
}

/// A new component named by `key`, or by its SPDXID (with a warning) when the name is missing.
fn element(r: &mut Spdx2, node: &Node, origin: Origin, key: &str, required: bool) -> Component {
    let id = node.text("SPDXID", &mut r.b).map(|(s, _)| s);
    let name = match node.text(key, &mut r.b) {
        Some((name, _)) => name,
        None => {
            if required {
                r.b.warn(
                    WarningCode::MissingField,
                    Some(node.at()),
                    format!("no `{key}`; named after its SPDXID"),
                );
            }
            id.clone().unwrap_or_default()
        }
    };
    let mut c = Component::new(origin, name, node.at());
    c.bom_ref = id.map(Into::into);
    c
}

/// What packages, files and snippets share: copyright text, checksums, concluded licence.
fn common(r: &mut Spdx2, node: &Node, c: &mut Component) {
    if let Some((text, at)) = node.str("copyrightText", &mut r.b) {
        v2::add_copyright(c, &text, at);
    }
    for sum in node.items("checksums", &mut r.b) {
        let alg = sum.text("algorithm", &mut r.b);
        let value = sum.text("checksumValue", &mut r.b);
        if let (Some((alg, _)), Some((value, _))) = (alg, value) {
            v2::add_hash(c, &alg, &value);
        }
    }
    if let Some((license, _)) = node.text("licenseConcluded", &mut r.b) {
        v2::add_license(c, &license);
    }
}

fn package(r: &mut Spdx2, node: &Node) {
    if !expect_object(r, node, "a package") {
        return;
    }
    let mut c = element(r, node, Origin::Component, "name", true);
    c.version = node
        .text("versionInfo", &mut r.b)
        .map(|(s, _)| s)
        .filter(|v| !v2::is_no_value(v))
        .map(Into::into);
    for (key, role) in [("supplier", Role::Supplier), ("originator", Role::Originator)] {
        if let Some((text, at)) = node.text(key, &mut r.b) {
            v2::add_actor(&mut c, &text, role, at);
        }
    }
    if let Some((text, at)) = node.text("downloadLocation", &mut r.b) {
        if let Some(location) = v2::located_value(&text, at) {
            c.details_mut().download_location = Some(location);
        }
    }
    if let Some((text, at)) = node.text("homepage", &mut r.b) {
        v2::add_homepage(&mut c, &text, at);
    }
    common(r, node, &mut c);
    if let Some((license, _)) = node.text("licenseDeclared", &mut r.b) {
        v2::add_license(&mut c, &license);
    }
    c.kind = node
        .text("primaryPackagePurpose", &mut r.b)
        .and_then(|(s, _)| v2::purpose(&s));
    if let Some((description, _)) = node
        .text("description", &mut r.b)
        .or_else(|| node.text("summary", &mut r.b))
    {
        c.details_mut().description = Some(description.into());
    }
    for ext in node.items("externalRefs", &mut r.b) {
        let category = ext.text("referenceCategory", &mut r.b).map(|(s, _)| s);
        let ty = ext.text("referenceType", &mut r.b).map(|(s, _)| s);
        if let Some((locator, at)) = ext.text("referenceLocator", &mut r.b) {
            r.external_ref(
                &mut c,
                category.as_deref().unwrap_or(""),
                ty.as_deref().unwrap_or(""),
                &locator,
                at,
            );
        }
    }
    if let Some((text, _)) = node.str("sourceInfo", &mut r.b) {
        // vendorscan writes the virtual paths of a package's files here.
        if let Some(paths) = text.strip_prefix("found at:\n") {
            let d = c.details_mut();
            d.occurrences
                .extend(paths.lines().filter(|l| !l.is_empty()).map(Into::into));
        }
    }
    annotations(r, node, &mut c);
    let package_ref = c.bom_ref.clone();
    r.b.add_component(c);
    for (file, at) in node.strings("hasFiles", &mut r.b) {
        if let Some(package_ref) = &package_ref {
            r.b.add_edge_by_ref(package_ref, file.trim(), crate::model::RelationKind::Contains, at);
        }
    }
}

/// Annotations whose comment is a `vendorscan:` entry, `<name>: <value>`
/// ([`crate::sbom::vendorscan`]): graded evidence and parties SPDX has no field for. A party
/// vendorscan wrote from an evidence value (the supplier or originator it set from a signer or
/// a module author, the copyright text from a holder) is that evidence, not a party.
fn annotations(r: &mut Spdx2, node: &Node, c: &mut Component) {
    let mut written_as: Vec<(Role, CompactString)> = Vec::new();
    for a in node.items("annotations", &mut r.b) {
        let Some((comment, at)) = a.str("comment", &mut r.b) else {
            continue;
        };
        let Some((name, value)) = comment.split_once(": ") else {
            continue;
        };
        if !name.starts_with(vendorscan::PREFIX) {
            continue;
        }
        match vendorscan::read(name, value, at) {
            Some(Entry::Evidence(e, also)) => {
                if let Some(role) = also {
                    written_as.push((role, e.value.value.clone()));
                }
                c.details_mut().evidence.push(e);
            }
            Some(Entry::Party(party)) => c.parties.push(party),
            Some(Entry::Property(fact)) => c.details_mut().properties.push(fact),
            None => {}
        }
    }
    vendorscan::take_written_parties(&mut c.parties, &written_as);
}

fn file_element(r: &mut Spdx2, node: &Node) {
    if !expect_object(r, node, "a file") {
        return;
    }
    let mut c = element(r, node, Origin::File, "fileName", true);
    common(r, node, &mut c);
    for (license, _) in node.strings("licenseInfoInFiles", &mut r.b) {
        v2::add_license(&mut c, &license);
    }
    for (contributor, at) in node.strings("fileContributors", &mut r.b) {
        v2::add_actor(&mut c, &contributor, Role::Author, at);
    }
    // SPDX files have no version field: vendorscan writes a file's version (a module's
    // `.modinfo` version, a PE version resource) as the comment `version <v>`.
    if let Some((comment, _)) = node.text("comment", &mut r.b) {
        if let Some(version) = comment
            .strip_prefix("version ")
            .filter(|v| !v.contains(char::is_whitespace))
        {
            c.version = Some(version.into());
        }
    }
    annotations(r, node, &mut c);
    r.b.add_component(c);
}

fn snippet(r: &mut Spdx2, node: &Node) {
    if !expect_object(r, node, "a snippet") {
        return;
    }
    let mut c = element(r, node, Origin::Snippet, "name", false);
    common(r, node, &mut c);
    for (license, _) in node.strings("licenseInfoInSnippets", &mut r.b) {
        v2::add_license(&mut c, &license);
    }
    let snippet_ref = c.bom_ref.clone();
    r.b.add_component(c);
    if let (Some((file, at)), Some(snippet_ref)) = (node.text("snippetFromFile", &mut r.b), snippet_ref) {
        r.b.add_edge_by_ref(&file, &snippet_ref, crate::model::RelationKind::Contains, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Location, PartyKind};

    fn read_str(json: &str) -> InventoryPart {
        let value: Value = serde_json::from_str(json).unwrap();
        read("f.json", &value, Encoding::Json).unwrap()
    }

    #[test]
    fn wrong_types_are_warnings() {
        let part = read_str(
            r#"{"spdxVersion":"SPDX-2.3","packages":[
                "nope",
                {"name":["x"],"SPDXID":"SPDXRef-a","supplier":"Organization: ZTE Corporation","versionInfo":1.2}
            ]}"#,
        );
        assert_eq!(part.components.len(), 1);
        let c = &part.components[0];
        assert_eq!(c.name, "SPDXRef-a");
        assert_eq!(c.version.as_deref(), Some("1.2"));
        assert_eq!(c.parties[0].who.kind, PartyKind::Organization);
        assert_eq!(c.parties[0].at, Location::json("/packages/1/supplier"));
        let codes: Vec<_> = part.warnings.iter().map(|w| w.code).collect();
        assert_eq!(
            codes,
            [
                WarningCode::UnexpectedType,
                WarningCode::UnexpectedType,
                WarningCode::MissingField
            ]
        );
    }

    #[test]
    fn top_level_must_be_an_object() {
        let err = read("f.json", &Value::Array(vec![]), Encoding::Json).unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.json:/: not a valid SPDX document: the top level is an array, expected an object"
        );
    }

    #[test]
    fn has_files_and_snippets_link_to_files() {
        let part = read_str(
            r#"{"spdxVersion":"SPDX-2.2",
                "packages":[{"name":"p","SPDXID":"SPDXRef-p","hasFiles":["SPDXRef-f"]}],
                "files":[{"fileName":"./a.c","SPDXID":"SPDXRef-f","copyrightText":"Copyright 2017 Hisilicon Limited."}],
                "snippets":[{"SPDXID":"SPDXRef-s","snippetFromFile":"SPDXRef-f"}]}"#,
        );
        let edges: Vec<_> = part.relationships.iter().map(|e| (e.from.0, e.to.0)).collect();
        assert_eq!(edges, [(0, 1), (1, 2)]);
        assert_eq!(part.components[2].name, "SPDXRef-s");
        assert_eq!(
            part.components[1].parties[0].who.name.as_deref(),
            Some("Hisilicon Limited.")
        );
        assert!(part.warnings.is_empty(), "{:?}", part.warnings);
    }
}
