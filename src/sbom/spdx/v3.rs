//! SPDX 3.0 JSON-LD: a flat `@graph` of typed elements that refer to each other by `spdxId`
//! (or `@id` for blank nodes such as `_:CreationInfo0`), in any order. The reader indexes the
//! graph first and maps it second, so a package may name a supplier declared after it.
//!
//! A reference may also be an inline object instead of an id; both are accepted wherever the
//! model allows a reference. Locations are JSON pointers into the graph
//! (`/@graph/17/suppliedBy`): for a party, the place the component names it.
//!
//! Only `createdUsing` tools of the document's creation info become document tools: other
//! `Tool` elements (`usesTool` targets) built the product, not the SBOM.

use super::v2;
use crate::model::{
    Component, Encoding, Format, Identity, InventoryPart, Located, Origin, Party, PartyKind, Purl, Reference,
    RelationKind, Role, Tool, WarningCode,
};
use crate::sbom::builder::DocumentBuilder;
use crate::sbom::json_value::{type_name, Node};
use crate::sbom::SbomError;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Elements that collect others and name their roots; an SBOM's root is what it describes.
const COLLECTIONS: [&str; 4] = ["SpdxDocument", "software_Sbom", "Bom", "Bundle"];

/// How deep `rootElement` chains (document → SBOM → SBOM …) are followed.
const MAX_ROOT_DEPTH: usize = 8;

/// The component origin an element type maps to; AI and dataset packages are packages.
fn origin_of(ty: &str) -> Option<Origin> {
    match ty {
        "software_Package" | "ai_AIPackage" | "dataset_DatasetPackage" => Some(Origin::Component),
        "software_File" => Some(Origin::File),
        "software_Snippet" => Some(Origin::Snippet),
        _ => None,
    }
}

/// The element's type as written (`type`, or `@type` in expanded-style documents).
fn type_of<'a>(element: &Node<'a>) -> &'a str {
    element
        .value
        .get("type")
        .or_else(|| element.value.get("@type"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The id of an element or of a reference to one (a string, or an inline object's own id).
fn id_of<'a>(node: &Node<'a>) -> Option<&'a str> {
    match node.value {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("spdxId").or_else(|| o.get("@id")).and_then(Value::as_str),
        _ => None,
    }
}

/// Individuals of the SPDX vocabulary (`…/Core/NoAssertionElement`, `…/NoneLicense`): not
/// elements of the document, and never a party, component or licence of their own.
fn is_vocabulary(id: &str) -> bool {
    id.starts_with("https://spdx.org/rdf/3")
}

struct Graph<'a> {
    elements: Vec<Node<'a>>,
    by_id: HashMap<&'a str, usize>,
}

impl<'a> Graph<'a> {
    fn index(elements: Vec<Node<'a>>) -> Self {
        let mut by_id = HashMap::new();
        for (i, element) in elements.iter().enumerate() {
            if let Some(id) = id_of(element) {
                by_id.entry(id).or_insert(i);
            }
        }
        Graph { elements, by_id }
    }

    fn get(&self, id: &str) -> Option<&Node<'a>> {
        self.by_id.get(id).and_then(|&i| self.elements.get(i))
    }

    /// The element a reference names: an inline object is its own element.
    fn resolve(&self, reference: &Node<'a>) -> Option<Node<'a>> {
        match reference.value {
            Value::String(id) => self.get(id).cloned(),
            Value::Object(_) => Some(reference.clone()),
            _ => None,
        }
    }

    fn is_component(&self, id: &str) -> bool {
        self.get(id).is_some_and(|e| origin_of(type_of(e)).is_some())
    }

    fn first_of_type(&self, ty: &str) -> Option<Node<'a>> {
        self.elements.iter().find(|e| type_of(e) == ty).cloned()
    }
}

/// A property that holds one reference or a list of them.
fn references<'a>(node: &Node<'a>, key: &str, b: &mut DocumentBuilder) -> Vec<Node<'a>> {
    match node.get(key) {
        Some(single) if single.value.is_string() => vec![single],
        _ => node.items(key, b),
    }
}

pub(super) fn read(file: &str, value: &Value) -> Result<InventoryPart, SbomError> {
    super::require_object(file, value)?;
    let root = Node::root(value);
    let mut b = DocumentBuilder::new(file, Format::Spdx, Encoding::JsonLd);
    match value.get("@graph") {
        Some(Value::Array(_)) => {}
        other => {
            return Err(super::invalid(
                file,
                "/@graph",
                format!(
                    "expected an `@graph` array of elements, found {}",
                    other.map_or("nothing", type_name)
                ),
            ))
        }
    }
    let mut elements = Vec::new();
    for element in root.items("@graph", &mut b) {
        if element.is_object() {
            elements.push(element);
        } else {
            b.warn(
                WarningCode::UnexpectedType,
                Some(element.at()),
                format!(
                    "an element should be an object, found {}; skipped",
                    type_name(element.value)
                ),
            );
        }
    }
    let graph = Graph::index(elements);
    let mut reader = Reader {
        graph: &graph,
        b,
        unknown_kinds: HashSet::new(),
        followed: HashSet::new(),
    };
    reader.document(&root);
    for element in &graph.elements {
        if let Some(origin) = origin_of(type_of(element)) {
            reader.component(element, origin);
        }
    }
    for element in &graph.elements {
        if matches!(type_of(element), "Relationship" | "LifecycleScopedRelationship") {
            reader.relationship(element);
        }
    }
    reader.roots();
    Ok(reader.b.finish())
}

struct Reader<'g, 'a> {
    graph: &'g Graph<'a>,
    b: DocumentBuilder,
    unknown_kinds: HashSet<String>,
    /// Collections whose roots have been followed.
    followed: HashSet<String>,
}

impl<'a> Reader<'_, 'a> {
    /// The `SpdxDocument` and the creation info that dates and signs it.
    fn document(&mut self, root: &Node<'a>) {
        let document = self.graph.first_of_type("SpdxDocument");
        if let Some(document) = &document {
            self.b.document.serial = id_of(document).map(str::to_string);
            self.b.document.name = document.text("name", &mut self.b).map(|(s, _)| s);
        }
        // The document's own creation info; failing that, the graph's first.
        let info = document
            .as_ref()
            .and_then(|d| d.get("creationInfo"))
            .and_then(|r| self.graph.resolve(&r))
            .or_else(|| self.graph.first_of_type("CreationInfo"));
        let version = info.as_ref().and_then(|i| i.text("specVersion", &mut self.b));
        match version {
            Some((version, at)) => {
                if !matches!(version.as_str(), "3.0.0" | "3.0.1") {
                    self.b.warn(
                        WarningCode::UnknownSpecVersion,
                        Some(at),
                        format!("spec version `{version}` is not SPDX 3.0.0 or 3.0.1; read as 3.0.1"),
                    );
                }
                self.b.document.spec_version = Some(version);
            }
            None => {
                // The context URL names the version too: https://spdx.org/rdf/3.0.1/spdx-context.jsonld
                let from_context = root.value.get("@context").and_then(Value::as_str).and_then(|c| {
                    c.strip_prefix("https://spdx.org/rdf/")
                        .and_then(|rest| rest.split('/').next())
                        .map(str::to_string)
                });
                if from_context.is_none() {
                    self.b.warn(
                        WarningCode::MissingField,
                        None,
                        "no creation info names a `specVersion`; read as SPDX 3.0.1",
                    );
                }
                self.b.document.spec_version = from_context;
            }
        }
        let Some(info) = info else {
            return;
        };
        self.b.document.created = info.text("created", &mut self.b).map(|(s, _)| s);
        for reference in references(&info, "createdBy", &mut self.b) {
            if let Some(party) = self.party(&reference, Role::Author) {
                self.b.document.creators.push(party);
            }
        }
        for reference in references(&info, "createdUsing", &mut self.b) {
            if let Some(tool) = self.graph.resolve(&reference).and_then(|t| self.tool(&t)) {
                self.b.document.tools.push(tool);
            }
        }
    }

    /// A `Tool` element; its version, when the name does not carry one, from its purl.
    fn tool(&mut self, element: &Node<'a>) -> Option<Tool> {
        let (name, _) = element.text("name", &mut self.b)?;
        let mut tool = v2::parse_tool(&name);
        if tool.version.is_none() {
            for ident in element.items("externalIdentifier", &mut self.b) {
                let is_purl = ident.text("externalIdentifierType", &mut self.b).map(|(t, _)| t);
                if is_purl.as_deref() == Some("packageUrl") {
                    if let Some((purl, _)) = ident.text("identifier", &mut self.b) {
                        tool.version = Purl::parse(&purl).ok().and_then(|p| p.version().map(str::to_string));
                    }
                }
            }
        }
        Some(tool)
    }

    /// The agent a reference names, as a party in `role`, placed where it is referenced.
    fn party(&mut self, reference: &Node<'a>, role: Role) -> Option<Party> {
        let Some(agent) = self.graph.resolve(reference) else {
            if let Some(id) = reference.as_str().filter(|id| !is_vocabulary(id)) {
                self.b.warn(
                    WarningCode::UnresolvedRef,
                    Some(reference.at()),
                    format!("`{id}` names no agent in this document; skipped"),
                );
            }
            return None;
        };
        let kind = match type_of(&agent) {
            "Organization" => PartyKind::Organization,
            "Person" => PartyKind::Person,
            _ => PartyKind::Unknown,
        };
        let name = agent
            .text("name", &mut self.b)
            .map(|(s, _)| s)
            .filter(|n| !v2::is_no_value(n))
            .map(Into::into);
        let mut who = Identity::new(kind, name);
        for ident in agent.items("externalIdentifier", &mut self.b) {
            let ty = ident.text("externalIdentifierType", &mut self.b).map(|(t, _)| t);
            if let (Some("email"), Some((email, _))) = (ty.as_deref(), ident.text("identifier", &mut self.b)) {
                who.emails.push(email.into());
            }
        }
        (!who.is_empty()).then(|| Party::new(role, who, reference.at()))
    }

    fn component(&mut self, element: &Node<'a>, origin: Origin) {
        let id = id_of(element).map(str::to_string);
        let name = match element.text("name", &mut self.b) {
            Some((name, _)) => name,
            None => {
                if origin != Origin::Snippet {
                    self.b.warn(
                        WarningCode::MissingField,
                        Some(element.at()),
                        "no `name`; named after its spdxId",
                    );
                }
                id.clone().unwrap_or_default()
            }
        };
        let mut c = Component::new(origin, name, element.at());
        c.bom_ref = id.map(Into::into);
        let b = &mut self.b;
        c.version = element
            .text("software_packageVersion", b)
            .map(|(s, _)| s)
            .filter(|v| !v2::is_no_value(v))
            .map(Into::into);
        c.kind = element
            .text("software_primaryPurpose", b)
            .and_then(|(s, _)| v2::purpose(&s));
        if let Some((description, _)) = element.text("description", b).or_else(|| element.text("summary", b)) {
            c.details_mut().description = Some(description.into());
        }
        if let Some((purl, at)) = element.text("software_packageUrl", b) {
            v2::add_purl(b, &mut c, &purl, at);
        }
        if let Some((text, at)) = element.text("software_downloadLocation", b) {
            if let Some(location) = v2::located_value(&text, at) {
                c.details_mut().download_location = Some(location);
            }
        }
        if let Some((text, at)) = element.text("software_homePage", b) {
            v2::add_homepage(&mut c, &text, at);
        }
        if let Some((text, at)) = element.str("software_copyrightText", b) {
            v2::add_copyright(&mut c, &text, at);
        }
        for hash in element.items("verifiedUsing", b) {
            let alg = hash.text("algorithm", b);
            let value = hash.text("hashValue", b);
            if let (Some((alg, _)), Some((value, _))) = (alg, value) {
                v2::add_hash(&mut c, &alg, &value);
            }
        }
        for ident in element.items("externalIdentifier", b) {
            let ty = ident
                .text("externalIdentifierType", b)
                .map(|(t, _)| t)
                .unwrap_or_default();
            let Some((identifier, at)) = ident.text("identifier", b) else {
                continue;
            };
            match ty.as_str() {
                "cpe23" | "cpe22" => v2::add_cpe(b, &mut c, &identifier, at),
                "packageUrl" => v2::add_purl(b, &mut c, &identifier, at),
                _ => c.details_mut().references.push(Located::new(
                    Reference {
                        kind: ty.into(),
                        url: identifier.into(),
                    },
                    at,
                )),
            }
        }
        for external in element.items("externalRef", b) {
            let ty = external.text("externalRefType", b).map(|(t, _)| t).unwrap_or_default();
            let locators = match external.get("locator") {
                Some(single) if single.value.is_string() => {
                    vec![(single.as_str().unwrap_or("").to_string(), single.at())]
                }
                _ => external.strings("locator", b),
            };
            for (locator, at) in locators {
                c.details_mut().references.push(Located::new(
                    Reference {
                        kind: ty.as_str().into(),
                        url: locator.into(),
                    },
                    at,
                ));
            }
        }
        if let Some(reference) = element.get("suppliedBy") {
            c.parties.extend(self.party(&reference, Role::Supplier));
        }
        for reference in references(element, "originatedBy", &mut self.b) {
            c.parties.extend(self.party(&reference, Role::Originator));
        }
        let own = c.bom_ref.clone();
        self.b.add_component(c);
        if let (Some(from_file), Some(own)) = (element.get("software_snippetFromFile"), own) {
            if let Some(file) = id_of(&from_file) {
                self.b
                    .add_edge_by_ref(file, &own, RelationKind::Contains, from_file.at());
            }
        }
    }

    fn relationship(&mut self, element: &Node<'a>) {
        let from = element.get("from");
        let from_id = from.as_ref().and_then(id_of);
        let kind = element.text("relationshipType", &mut self.b).map(|(k, _)| k);
        let (Some(from_id), Some(kind)) = (from_id, kind) else {
            self.b.warn(
                WarningCode::MissingField,
                Some(element.at()),
                "a relationship needs `from` and `relationshipType`; skipped",
            );
            return;
        };
        // Expanded documents write the type as an IRI: …/RelationshipType/dependsOn.
        let kind = kind.rsplit('/').next().unwrap_or(&kind).to_string();
        let Some(link) = link_v3(&kind) else {
            if self.unknown_kinds.insert(kind.clone()) {
                self.b.warn(
                    WarningCode::UnknownField,
                    Some(element.at()),
                    format!("relationship type `{kind}` is not an SPDX 3.0 type; skipped"),
                );
            }
            return;
        };
        for to in references(element, "to", &mut self.b) {
            let Some(to_id) = id_of(&to) else {
                continue;
            };
            if is_vocabulary(to_id) {
                continue;
            }
            match link {
                Link::Describes => {
                    let from_collection = self
                        .graph
                        .get(from_id)
                        .is_some_and(|e| COLLECTIONS.contains(&type_of(e)));
                    if from_collection {
                        self.describe(to_id, &to, 0);
                    }
                }
                Link::License => {
                    let license = self.license(&to);
                    if let (Some(id), Some(license)) = (self.b.resolve(from_id), license) {
                        v2::add_license(self.b.component_mut(id), &license);
                    }
                }
                Link::Edge(kind, inverse) => {
                    // An end that is an element of another kind (an SBOM, a licence, a
                    // vulnerability) is no part of the product graph; an end that is no
                    // element at all is reported by the builder.
                    let other_kind = |id: &str| self.graph.get(id).is_some() && !self.graph.is_component(id);
                    if other_kind(from_id) || other_kind(to_id) {
                        continue;
                    }
                    let (a, b) = if inverse { (to_id, from_id) } else { (from_id, to_id) };
                    self.b.add_edge_by_ref(a, b, kind, to.at());
                }
                Link::None => {}
            }
        }
    }

    /// The text of the licence a reference names: its expression, its SPDX list id, or its name.
    fn license(&mut self, reference: &Node<'a>) -> Option<String> {
        if let Some(listed) = reference
            .as_str()
            .and_then(|id| id.strip_prefix("https://spdx.org/licenses/"))
        {
            return Some(listed.to_string());
        }
        let element = self.graph.resolve(reference)?;
        element
            .text("simplelicensing_licenseExpression", &mut self.b)
            .or_else(|| element.text("name", &mut self.b))
            .map(|(s, _)| s)
    }

    /// What the document describes: its `rootElement`s, and an SBOM's roots in turn. Without
    /// an `SpdxDocument` naming roots, every SBOM's roots.
    fn roots(&mut self) {
        let document = self.graph.first_of_type("SpdxDocument");
        let named = document.as_ref().is_some_and(|d| d.get("rootElement").is_some());
        let sources: Vec<Node<'a>> = if named {
            document.into_iter().collect()
        } else {
            self.graph
                .elements
                .iter()
                .filter(|e| matches!(type_of(e), "software_Sbom" | "Bom"))
                .cloned()
                .collect()
        };
        for source in sources {
            for root in references(&source, "rootElement", &mut self.b) {
                if let Some(id) = id_of(&root) {
                    self.describe(id, &root, 0);
                }
            }
        }
    }

    /// Marks `id` as described, following collections to their own roots. Each collection is
    /// followed once and the chain only so deep, so an SBOM that lists itself (or fans out to
    /// itself a thousand times) costs no more than its own entries.
    fn describe(&mut self, id: &str, at: &Node<'a>, depth: usize) {
        let collection = self
            .graph
            .get(id)
            .filter(|e| COLLECTIONS.contains(&type_of(e)))
            .cloned();
        match collection {
            Some(collection) => {
                if depth >= MAX_ROOT_DEPTH || !self.followed.insert(id.to_string()) {
                    return;
                }
                for root in references(&collection, "rootElement", &mut self.b) {
                    if let Some(root_id) = id_of(&root) {
                        self.describe(root_id, &root, depth + 1);
                    }
                }
            }
            None => self.b.describes_ref(id, at.at()),
        }
    }
}

/// What a 3.0 relationship type means for the graph (the table in the `spdx` module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// An edge of this kind; `true` when it runs from `to` to `from`.
    Edge(RelationKind, bool),
    Describes,
    License,
    /// A known type that makes no edge.
    None,
}

fn link_v3(kind: &str) -> Option<Link> {
    use RelationKind::{Contains, DependsOn, DerivedFrom, VariantOf};
    Some(match kind {
        "dependsOn" | "hasOptionalDependency" | "hasProvidedDependency" | "hasPrerequisite" | "hasDynamicLink" => {
            Link::Edge(DependsOn, false)
        }
        "contains" | "hasStaticLink" | "hasOptionalComponent" | "hasDataFile" | "expandsTo" => {
            Link::Edge(Contains, false)
        }
        "descendantOf" => Link::Edge(DerivedFrom, false),
        "ancestorOf" | "generates" | "copiedTo" | "hasDistributionArtifact" => Link::Edge(DerivedFrom, true),
        "hasVariant" => Link::Edge(VariantOf, true),
        "describes" => Link::Describes,
        "hasConcludedLicense" | "hasDeclaredLicense" => Link::License,
        "affects"
        | "amendedBy"
        | "availableFrom"
        | "configures"
        | "coordinatedBy"
        | "delegatedTo"
        | "doesNotAffect"
        | "exploitCreatedBy"
        | "fixedBy"
        | "fixedIn"
        | "foundBy"
        | "hasAddedFile"
        | "hasAssessmentFor"
        | "hasAssociatedVulnerability"
        | "hasDeletedFile"
        | "hasDependencyManifest"
        | "hasDocumentation"
        | "hasEvidence"
        | "hasExample"
        | "hasHost"
        | "hasInput"
        | "hasMetadata"
        | "hasOutput"
        | "hasRequirement"
        | "hasSpecification"
        | "hasTest"
        | "hasTestCase"
        | "invokedBy"
        | "modifiedBy"
        | "other"
        | "packagedBy"
        | "patchedBy"
        | "publishedBy"
        | "reportedBy"
        | "republishedBy"
        | "serializedInArtifact"
        | "testedOn"
        | "trainedOn"
        | "underInvestigationFor"
        | "usesTool" => Link::None,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ComponentId, Location};
    use compact_str::CompactString;

    fn read_str(json: &str) -> InventoryPart {
        let value: Value = serde_json::from_str(json).unwrap();
        read("f.jsonld", &value).unwrap()
    }

    #[test]
    fn agents_resolve_wherever_they_are_declared() {
        let part = read_str(
            r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[
              {"type":"software_Package","spdxId":"urn:p","name":"radio","creationInfo":"_:ci",
               "suppliedBy":"urn:huawei","originatedBy":["urn:zte",{"type":"Person","name":"Li Wei"},"urn:gone"]},
              {"type":"Organization","spdxId":"urn:huawei","name":"Huawei Technologies Co., Ltd.",
               "externalIdentifier":[{"type":"ExternalIdentifier","externalIdentifierType":"email","identifier":"psirt@huawei.com"}]},
              {"type":"Organization","spdxId":"urn:zte","name":"ZTE Corporation"},
              {"@id":"_:ci","type":"CreationInfo","specVersion":"3.0.1","created":"2024-01-01T00:00:00Z","createdBy":["urn:zte"]}
            ]}"#,
        );
        let c = &part.components[0];
        let parties: Vec<_> = c
            .parties
            .iter()
            .map(|p| {
                (
                    p.role,
                    p.who.kind,
                    p.who.name.as_deref(),
                    p.who.emails.clone(),
                    p.at.clone(),
                )
            })
            .collect();
        assert_eq!(
            parties,
            [
                (
                    Role::Supplier,
                    PartyKind::Organization,
                    Some("Huawei Technologies Co., Ltd."),
                    vec![CompactString::from("psirt@huawei.com")],
                    Location::json("/@graph/0/suppliedBy")
                ),
                (
                    Role::Originator,
                    PartyKind::Organization,
                    Some("ZTE Corporation"),
                    vec![],
                    Location::json("/@graph/0/originatedBy/0")
                ),
                (
                    Role::Originator,
                    PartyKind::Person,
                    Some("Li Wei"),
                    vec![],
                    Location::json("/@graph/0/originatedBy/1")
                ),
            ]
        );
        assert_eq!(part.warnings.len(), 1);
        assert_eq!(part.warnings[0].code, WarningCode::UnresolvedRef);
        assert_eq!(part.warnings[0].at, Some(Location::json("/@graph/0/originatedBy/2")));
        assert_eq!(part.document.spec_version.as_deref(), Some("3.0.1"));
        assert_eq!(part.document.creators[0].who.name.as_deref(), Some("ZTE Corporation"));
    }

    #[test]
    fn inline_creation_info_and_roots_through_the_sbom() {
        let part = read_str(
            r#"{"@graph":[
              {"type":"software_Sbom","spdxId":"urn:sbom","rootElement":["urn:fw"]},
              {"type":"SpdxDocument","spdxId":"urn:doc","name":"bts","rootElement":["urn:sbom"],
               "creationInfo":{"type":"CreationInfo","specVersion":"3.0.0","created":"2024-02-02T00:00:00Z",
                 "createdUsing":[{"type":"Tool","name":"writer","externalIdentifier":[
                   {"externalIdentifierType":"packageUrl","identifier":"pkg:pypi/writer@1.4.0"}]}]}},
              {"type":"software_Package","spdxId":"urn:fw","name":"fw"}
            ]}"#,
        );
        assert_eq!(part.document.describes, [ComponentId(0)]);
        assert_eq!(part.document.serial.as_deref(), Some("urn:doc"));
        assert_eq!(part.document.name.as_deref(), Some("bts"));
        assert_eq!(part.document.spec_version.as_deref(), Some("3.0.0"));
        assert_eq!(part.document.created.as_deref(), Some("2024-02-02T00:00:00Z"));
        assert_eq!(part.document.tools[0].name, "writer");
        assert_eq!(part.document.tools[0].version.as_deref(), Some("1.4.0"));
        // The inline creation info names the version, so nothing is missing.
        assert!(part.warnings.is_empty(), "{:?}", part.warnings);
    }

    #[test]
    fn relationships_map_and_invert() {
        let part = read_str(
            r#"{"@graph":[
              {"type":"Relationship","spdxId":"urn:r1","from":"urn:a","relationshipType":"dependsOn","to":["urn:b","urn:missing"]},
              {"type":"Relationship","spdxId":"urn:r2","from":"urn:b","relationshipType":"ancestorOf","to":["urn:c"]},
              {"type":"Relationship","spdxId":"urn:r3","from":"urn:a","relationshipType":"hasDeclaredLicense","to":["urn:l"]},
              {"type":"Relationship","spdxId":"urn:r4","from":"urn:c","relationshipType":"hasConcludedLicense","to":["https://spdx.org/licenses/MIT"]},
              {"type":"Relationship","spdxId":"urn:r5","from":"urn:a","relationshipType":"usesTool","to":["urn:t"]},
              {"type":"Relationship","spdxId":"urn:r6","from":"urn:a","relationshipType":"contains","to":["urn:l"]},
              {"type":"Relationship","spdxId":"urn:r7","from":"urn:a","relationshipType":"likes","to":["urn:b"]},
              {"type":"software_Package","spdxId":"urn:a","name":"a"},
              {"type":"software_Package","spdxId":"urn:b","name":"b"},
              {"type":"software_File","spdxId":"urn:c","name":"c"},
              {"type":"simplelicensing_LicenseExpression","spdxId":"urn:l","simplelicensing_licenseExpression":"Apache-2.0"},
              "junk"
            ]}"#,
        );
        let edges: Vec<_> = part
            .relationships
            .iter()
            .map(|e| (e.from.0, e.to.0, e.kind, e.at.clone()))
            .collect();
        assert_eq!(
            edges,
            [
                (0, 1, RelationKind::DependsOn, Location::json("/@graph/0/to/0")),
                (2, 1, RelationKind::DerivedFrom, Location::json("/@graph/1/to/0")),
            ]
        );
        assert_eq!(part.components[0].licenses, ["Apache-2.0"]);
        assert_eq!(part.components[2].licenses, ["MIT"]);
        let codes: Vec<_> = part.warnings.iter().map(|w| w.code).collect();
        assert_eq!(
            codes,
            [
                WarningCode::UnexpectedType,
                WarningCode::MissingField,
                WarningCode::UnknownField,
                WarningCode::UnresolvedRef
            ]
        );
    }

    #[test]
    fn self_referencing_sboms_are_followed_once() {
        let roots = vec!["\"urn:sbom\""; 1000].join(",");
        let part = read_str(&format!(
            r#"{{"@graph":[
              {{"type":"software_Sbom","spdxId":"urn:sbom","rootElement":[{roots},"urn:fw"]}},
              {{"type":"SpdxDocument","spdxId":"urn:doc","rootElement":["urn:sbom","urn:sbom"]}},
              {{"type":"software_Package","spdxId":"urn:fw","name":"fw"}},
              {{"type":"CreationInfo","specVersion":"3.0.1"}}
            ]}}"#
        ));
        assert_eq!(part.document.describes, [ComponentId(0)]);
    }

    #[test]
    fn the_graph_must_be_an_array() {
        let value: Value = serde_json::from_str(r#"{"@context":"x","@graph":{}}"#).unwrap();
        let err = read("f", &value).unwrap_err().to_string();
        assert_eq!(
            err,
            "f:/@graph: not a valid SPDX document: expected an `@graph` array of elements, found an object"
        );
        let err = read("f", &Value::Null).unwrap_err().to_string();
        assert_eq!(
            err,
            "f:/: not a valid SPDX document: the top level is null, expected an object"
        );
    }
}
