//! SPDX 2.x RDF/XML, as spdx-tools (Python and Java) write it: the fourth SPDX 2
//! serialisation, read into the same `v2::Spdx2` assembler as JSON, YAML and tag-value.
//!
//! RDF/XML is a graph written as a tree: a node element (`spdx:Package rdf:about="…#SPDXRef-x"`)
//! holds property elements (`spdx:supplier`, `spdx:relationship`), and a property's value is
//! text, a reference (`rdf:resource="…"`, `rdf:nodeID="…"`) or another node element nested in
//! it. Writers nest freely — spdx-tools writes a package inside the relationship that first
//! names it, so the product may sit four levels down inside one of its own parts. So the reader
//! first indexes every node element by what it describes (its `rdf:about` or `rdf:nodeID`;
//! descriptions of one subject in several places are merged; `rdf:Description` with an
//! `rdf:type` counts as the type it names), and then maps the subjects the way `json2` maps
//! JSON objects:
//!
//! | RDF/XML | JSON |
//! |---|---|
//! | `spdx:SpdxDocument rdf:about="NS#SPDXRef-DOCUMENT"` | `documentNamespace` NS, `SPDXID` |
//! | `spdx:specVersion`, `spdx:name`, `spdx:creationInfo/spdx:CreationInfo` (`created`, `creator`) | the same |
//! | `spdx:externalDocumentRef` (`rdf:about` `…#DocumentRef-x`, `spdx:spdxDocument`) | `externalDocumentRefs`: an element of that document is `DocumentRef-x:SPDXRef-…` |
//! | `spdx:Package`, `spdx:File`, `spdx:Snippet` | `packages`, `files`, `snippets`, in that order |
//! | `rdf:about` `NS#SPDXRef-x` | `SPDXID` `SPDXRef-x` |
//! | `doap:homepage` | `homepage` |
//! | `spdx:checksum/spdx:Checksum` (`spdx:algorithm` `…#checksumAlgorithm_sha256`) | `checksums` |
//! | `spdx:externalRef/spdx:ExternalRef` (`spdx:referenceType` `…/references/purl`) | `externalRefs` |
//! | `spdx:primaryPackagePurpose` `…#purpose_operatingSystem` | `primaryPackagePurpose` |
//! | `spdx:licenseConcluded`, `licenseDeclared`, `licenseInfoInFile`, `licenseInfoInSnippet` (a listed licence, a `LicenseRef-`, or a conjunctive/disjunctive set, `WITH` and `+` operator) | the expression as text |
//! | `spdx:relationship/spdx:Relationship` on an element (`relationshipType_dependsOn`, `relatedSpdxElement`) | `relationships` from that element |
//! | `spdx:hasFile`, `spdx:snippetFromFile`, `spdx:describesPackage` (SPDX 2.0/2.1) | `hasFiles`, `snippetFromFile`, `documentDescribes` |
//! | `…#noassertion`, `…#none` | `NOASSERTION`, `NONE` |
//!
//! Every value is located by its element path (`/rdf:RDF/spdx:Package[2]/spdx:supplier`, a
//! sibling index where a name repeats) and line. Deeply nested elements keep the root and the
//! last [`PATH_TAIL`] steps (`/rdf:RDF/…/spdx:Package/spdx:supplier`), so a chain of thousands
//! of nested packages does not cost a path of thousands of steps per value; the line is exact.
//!
//! The XML is parsed under the shared rule of [`crate::sbom::xml`] (no entity declarations, so
//! no entity bomb), within the same size limit as every SBOM. Nothing here recurses over the
//! tree except licence expressions, which stop at [`MAX_LICENSE_DEPTH`] levels.

use super::v2::{self, Spdx2};
use crate::model::{Component, Encoding, InventoryPart, Location, Origin, RelationKind, Role, WarningCode};
use crate::sbom::xml::LineIndex;
use crate::sbom::SbomError;
use roxmltree::{Node, NodeId};
use std::collections::HashMap;

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const SPDX: &str = "http://spdx.org/rdf/terms#";
const DOAP: &str = "http://usefulinc.com/ns/doap#";
const LICENSES: &str = "http://spdx.org/licenses/";
const REFERENCE_TYPES: &str = "http://spdx.org/rdf/references/";

/// The path steps kept after the root for an element nested deeper than that.
const PATH_TAIL: usize = 10;
/// How deep a licence expression's sets and operators may nest.
const MAX_LICENSE_DEPTH: usize = 32;

pub(super) fn read(file: &str, bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    let (text, doc) = crate::sbom::xml::parse(file, bytes)?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(RDF) || root.tag_name().name() != "RDF" {
        return Err(SbomError::Invalid {
            file: file.to_string(),
            place: SbomError::line_column(text.as_bytes(), root.range().start),
            what: "SPDX document",
            message: format!(
                "the root element is `{}`, expected `rdf:RDF` in `{RDF}`",
                root.tag_name().name()
            ),
        });
    }
    let graph = Graph::new(&doc, text);
    let mut r = Spdx2::new(file, Encoding::Xml);
    graph.read(&mut r);
    Ok(r.finish())
}

/// What an element is in the RDF/XML striping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Inside a literal (`rdf:parseType="Literal"`), or not an element.
    Other,
    /// `rdf:RDF`.
    Root,
    /// Describes a subject.
    Node,
    /// A property of the node element around it.
    Property,
}

/// The node elements that describe one subject.
struct Subject<'a, 'i> {
    descriptions: Vec<Node<'a, 'i>>,
    /// Its SPDX id (`SPDXRef-x` for `NS#SPDXRef-x`), or `_:id` for an `rdf:nodeID`.
    id: Option<String>,
}

struct Graph<'a, 'i> {
    lines: LineIndex,
    /// Per tree node: its part, element depth and 1-based index among same-named siblings.
    parts: Vec<Part>,
    depths: Vec<u32>,
    indices: Vec<u32>,
    /// How many children of one parent share a name.
    name_counts: HashMap<(NodeId, &'a str, &'a str), u32>,
    subjects: Vec<Subject<'a, 'i>>,
    by_about: HashMap<&'a str, usize>,
    by_node_id: HashMap<&'a str, usize>,
    /// The document's namespace (its `rdf:about` before `#`).
    namespace: Option<&'a str>,
    /// Other documents' namespaces and the `DocumentRef-` ids they go by here.
    external: HashMap<&'a str, &'a str>,
}

impl<'a, 'i: 'a> Graph<'a, 'i> {
    fn new(doc: &'a roxmltree::Document<'i>, text: &str) -> Self {
        let count = doc.descendants().count();
        let mut g = Graph {
            lines: LineIndex::new(text),
            parts: vec![Part::Other; count],
            depths: vec![0; count],
            indices: vec![0; count],
            name_counts: HashMap::new(),
            subjects: Vec::new(),
            by_about: HashMap::new(),
            by_node_id: HashMap::new(),
            namespace: None,
            external: HashMap::new(),
        };
        // Document order: a parent is always seen before its children.
        for node in doc.descendants() {
            let i = node.id().get_usize();
            let Some(parent) = node.parent() else { continue };
            if !node.is_element() {
                continue;
            }
            let p = parent.id().get_usize();
            g.depths[i] = g.depths[p] + 1;
            let name = node.tag_name();
            let count = g
                .name_counts
                .entry((parent.id(), name.namespace().unwrap_or(""), name.name()))
                .or_insert(0);
            *count += 1;
            g.indices[i] = *count;
            g.parts[i] = match g.parts[p] {
                _ if parent.is_root() => Part::Root,
                Part::Root => Part::Node,
                Part::Node => Part::Property,
                Part::Property => match parent.attribute((RDF, "parseType")) {
                    Some("Literal") => Part::Other,
                    Some("Resource") => Part::Property,
                    _ => Part::Node,
                },
                Part::Other => Part::Other,
            };
            if g.parts[i] == Part::Node {
                g.add_description(node);
            }
        }
        g.find_document();
        g
    }

    fn add_description(&mut self, node: Node<'a, 'i>) {
        let existing = if let Some(about) = node.attribute((RDF, "about")) {
            let next = self.subjects.len();
            Some(*self.by_about.entry(about).or_insert(next))
        } else if let Some(id) = node.attribute((RDF, "nodeID")) {
            let next = self.subjects.len();
            Some(*self.by_node_id.entry(id).or_insert(next))
        } else {
            None
        };
        match existing {
            Some(s) if s < self.subjects.len() => self.subjects[s].descriptions.push(node),
            _ => self.subjects.push(Subject {
                descriptions: vec![node],
                id: None,
            }),
        }
    }

    /// The document's namespace and the other documents it names, then every subject's id
    /// (which depends on both).
    fn find_document(&mut self) {
        let mut namespace = None;
        let mut external = HashMap::new();
        if let Some(document) = self.subjects.iter().find(|s| self.is_a(s, "SpdxDocument")) {
            let about = document.descriptions.iter().find_map(|d| d.attribute((RDF, "about")));
            namespace = about.map(|a| a.split_once('#').map_or(a, |(ns, _)| ns));
            for reference in self.props(&document.descriptions, SPDX, "externalDocumentRef") {
                let descriptions = self.object(reference);
                let id = self
                    .prop(&descriptions, SPDX, "externalDocumentId")
                    .and_then(own_text)
                    .or_else(|| {
                        let about = descriptions.iter().find_map(|d| d.attribute((RDF, "about")))?;
                        Some(local_name(about))
                    });
                let target = self.prop(&descriptions, SPDX, "spdxDocument").and_then(|p| {
                    p.attribute((RDF, "resource"))
                        .or_else(|| self.child_node(p)?.attribute((RDF, "about")))
                        .or_else(|| own_text(p))
                });
                if let (Some(id), Some(target)) = (id, target) {
                    external.insert(target.trim_end_matches('#'), id);
                }
            }
        }
        self.namespace = namespace;
        self.external = external;
        for i in 0..self.subjects.len() {
            let first = self.subjects[i].descriptions[0];
            self.subjects[i].id = match (first.attribute((RDF, "about")), first.attribute((RDF, "nodeID"))) {
                (Some(about), _) => Some(self.reference(about)),
                (None, Some(id)) => Some(format!("_:{id}")),
                (None, None) => None,
            };
        }
    }

    /// An element's SPDX id from the URI that names it: `SPDXRef-x` in this document,
    /// `DocumentRef-d:SPDXRef-x` in another one it declares, `NOASSERTION`/`NONE` for those
    /// values; any other URI as it is (and then resolves to nothing, with a warning).
    fn reference(&self, uri: &str) -> String {
        if let Some(value) = special(uri) {
            return value.to_string();
        }
        let Some((base, fragment)) = uri.rsplit_once('#') else {
            return uri.to_string();
        };
        if self.namespace == Some(base) {
            fragment.to_string()
        } else if let Some(document) = self.external.get(base) {
            format!("{document}:{fragment}")
        } else {
            uri.to_string()
        }
    }

    /// The SPDX class a subject is, from its element names or its `rdf:type`.
    fn spdx_type(&self, s: &Subject<'a, 'i>) -> Option<&'a str> {
        s.descriptions.iter().find_map(|d| {
            let name = d.tag_name();
            match (name.namespace(), name.name()) {
                (Some(SPDX), local) => Some(local),
                (Some(RDF), "Description") => d
                    .children()
                    .filter(|c| c.tag_name().namespace() == Some(RDF) && c.tag_name().name() == "type")
                    .find_map(|c| c.attribute((RDF, "resource"))?.strip_prefix(SPDX)),
                _ => None,
            }
        })
    }

    fn is_a(&self, s: &Subject<'a, 'i>, class: &str) -> bool {
        self.spdx_type(s) == Some(class)
    }

    /// The property elements `ns:name` of a subject's descriptions.
    fn props<'s>(
        &'s self,
        descriptions: &'s [Node<'a, 'i>],
        ns: &'s str,
        name: &'s str,
    ) -> impl Iterator<Item = Node<'a, 'i>> + 's {
        descriptions.iter().flat_map(move |d| {
            d.children().filter(move |c| {
                c.is_element()
                    && self.parts[c.id().get_usize()] == Part::Property
                    && c.tag_name().namespace() == Some(ns)
                    && c.tag_name().name() == name
            })
        })
    }

    fn prop(&self, descriptions: &[Node<'a, 'i>], ns: &str, name: &str) -> Option<Node<'a, 'i>> {
        self.props(descriptions, ns, name).next()
    }

    /// The node element nested in a property, if there is one.
    fn child_node(&self, property: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
        property
            .children()
            .find(|c| c.is_element() && self.parts[c.id().get_usize()] == Part::Node)
    }

    /// The subject a node element describes, if it has an `rdf:about` or `rdf:nodeID`.
    fn subject_of(&self, node: Node<'a, 'i>) -> Option<&Subject<'a, 'i>> {
        let index = match (node.attribute((RDF, "about")), node.attribute((RDF, "nodeID"))) {
            (Some(about), _) => self.by_about.get(about),
            (None, Some(id)) => self.by_node_id.get(id),
            (None, None) => None,
        };
        index.map(|&i| &self.subjects[i])
    }

    /// The descriptions of a property's value: the node nested in it (with every other
    /// description of the same subject), the subject it names by `rdf:resource` or
    /// `rdf:nodeID`, or the property itself with `rdf:parseType="Resource"`.
    fn object(&self, property: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
        if property.attribute((RDF, "parseType")) == Some("Resource") {
            return vec![property];
        }
        if let Some(node) = self.child_node(property) {
            return self
                .subject_of(node)
                .map_or_else(|| vec![node], |s| s.descriptions.clone());
        }
        let index = match (
            property.attribute((RDF, "resource")),
            property.attribute((RDF, "nodeID")),
        ) {
            (Some(uri), _) => self.by_about.get(uri),
            (None, Some(id)) => self.by_node_id.get(id),
            (None, None) => None,
        };
        index
            .map(|&i| self.subjects[i].descriptions.clone())
            .unwrap_or_default()
    }

    /// The SPDX id a property points at: its `rdf:resource`, or the node nested in it.
    fn target(&self, property: Node<'a, 'i>) -> Option<String> {
        if let Some(uri) = property.attribute((RDF, "resource")) {
            return Some(self.reference(uri));
        }
        if let Some(id) = property.attribute((RDF, "nodeID")) {
            return Some(format!("_:{id}"));
        }
        match self.child_node(property) {
            Some(node) => self.subject_of(node)?.id.clone(),
            None => own_text(property).map(str::to_string),
        }
    }

    /// A property's value as text: its own text, or for `rdf:resource` the URI (`NOASSERTION`
    /// and `NONE` for those values).
    fn value(&self, property: Node<'a, 'i>) -> Option<String> {
        match property.attribute((RDF, "resource")) {
            Some(uri) => Some(special(uri).unwrap_or(uri).to_string()),
            None => own_text(property).map(str::to_string),
        }
    }

    /// The value of the first `ns:name` property, and where it is.
    fn text(&self, descriptions: &[Node<'a, 'i>], ns: &str, name: &str) -> Option<(String, Location)> {
        let property = self.prop(descriptions, ns, name)?;
        Some((self.value(property)?, self.at(property)))
    }

    /// An enumerated value written as `…#prefix_value` (or as plain text).
    fn enumerated(&self, descriptions: &[Node<'a, 'i>], name: &str, prefix: &str) -> Option<(String, Location)> {
        let property = self.prop(descriptions, SPDX, name)?;
        let value = match property.attribute((RDF, "resource")) {
            Some(uri) => {
                let local = local_name(uri);
                local.strip_prefix(prefix).unwrap_or(local).to_string()
            }
            None => own_text(property)?.to_string(),
        };
        Some((value, self.at(property)))
    }

    /// Where an element is: its path (see the module docs) and line.
    fn at(&self, node: Node<'a, 'i>) -> Location {
        let depth = self.depths[node.id().get_usize()] as usize;
        let keep = if depth > PATH_TAIL + 2 { PATH_TAIL } else { depth };
        let mut steps = Vec::with_capacity(keep);
        let mut current = Some(node);
        while let Some(n) = current.filter(|n| n.is_element() && steps.len() < keep) {
            steps.push(n);
            current = n.parent();
        }
        let mut path = String::new();
        if keep < depth {
            path.push('/');
            path.push_str(&self.step(node.document().root_element()));
            path.push_str("/…");
        }
        for n in steps.iter().rev() {
            path.push('/');
            path.push_str(&self.step(*n));
        }
        Location::xml(path, self.lines.line(node.range().start))
    }

    /// One path step: `prefix:name`, and `[i]` when the name repeats among its siblings.
    fn step(&self, node: Node<'a, 'i>) -> String {
        let name = node.tag_name();
        let local = truncate(name.name(), 64);
        let mut step = match name.namespace().and_then(|ns| node.lookup_prefix(ns)) {
            Some(prefix) if !prefix.is_empty() => format!("{}:{local}", truncate(prefix, 64)),
            _ => local.to_string(),
        };
        let siblings = node.parent().map_or(1, |p| {
            self.name_counts
                .get(&(p.id(), name.namespace().unwrap_or(""), name.name()))
                .copied()
                .unwrap_or(1)
        });
        if siblings > 1 {
            step.push_str(&format!("[{}]", self.indices[node.id().get_usize()]));
        }
        step
    }

    /// A licence property as an SPDX expression.
    fn license(&self, property: Node<'a, 'i>, r: &mut Spdx2, depth: usize) -> Option<String> {
        if depth > MAX_LICENSE_DEPTH {
            r.b.warn(
                WarningCode::UnexpectedType,
                Some(self.at(property)),
                format!("a licence expression nested deeper than {MAX_LICENSE_DEPTH} levels; skipped"),
            );
            return None;
        }
        if let Some(uri) = property.attribute((RDF, "resource")) {
            if !self.by_about.contains_key(uri) {
                return Some(license_id(uri).to_string());
            }
        }
        let descriptions = self.object(property);
        if descriptions.is_empty() {
            return own_text(property).map(str::to_string);
        }
        let class = self.spdx_type(&Subject {
            descriptions: descriptions.clone(),
            id: None,
        });
        let members = |r: &mut Spdx2| -> Vec<String> {
            self.props(&descriptions, SPDX, "member")
                .filter_map(|m| self.license(m, r, depth + 1))
                .collect()
        };
        match class {
            Some(set @ ("ConjunctiveLicenseSet" | "DisjunctiveLicenseSet")) => {
                let operator = if set == "ConjunctiveLicenseSet" {
                    " AND "
                } else {
                    " OR "
                };
                let members: Vec<String> = members(r)
                    .into_iter()
                    .map(|m| if m.contains(' ') { format!("({m})") } else { m })
                    .collect();
                (!members.is_empty()).then(|| members.join(operator))
            }
            Some("WithExceptionOperator") => {
                let member = members(r).into_iter().next()?;
                let exception = self.prop(&descriptions, SPDX, "licenseException").and_then(|p| {
                    let inner = self.object(p);
                    self.prop(&inner, SPDX, "licenseExceptionId")
                        .and_then(|id| own_text(id).map(str::to_string))
                        .or_else(|| p.attribute((RDF, "resource")).map(|u| license_id(u).to_string()))
                });
                Some(match exception {
                    Some(exception) => format!("{member} WITH {exception}"),
                    None => member,
                })
            }
            Some("OrLaterOperator") => members(r).into_iter().next().map(|m| format!("{m}+")),
            _ => self
                .prop(&descriptions, SPDX, "licenseId")
                .and_then(|p| own_text(p).map(str::to_string))
                .or_else(|| {
                    let about = descriptions.iter().find_map(|d| d.attribute((RDF, "about")))?;
                    Some(license_id(about).to_string())
                }),
        }
    }

    fn read(&self, r: &mut Spdx2) {
        let document = self.subjects.iter().find(|s| self.is_a(s, "SpdxDocument"));
        match document {
            Some(d) => self.document(r, d),
            None => r.b.warn(
                WarningCode::MissingField,
                None,
                "the RDF holds no `spdx:SpdxDocument`; read as SPDX-2.3",
            ),
        }
        let mut files = Vec::new();
        let mut snippets = Vec::new();
        for s in &self.subjects {
            match self.spdx_type(s) {
                Some("Package") => self.package(r, s),
                Some("File") => files.push(s),
                Some("Snippet") => snippets.push(s),
                _ => {}
            }
        }
        for s in files {
            self.file(r, s);
        }
        for s in snippets {
            self.snippet(r, s);
        }
        for s in &self.subjects {
            for relationship in self.props(&s.descriptions, SPDX, "relationship") {
                self.relationship(r, s, relationship);
            }
        }
    }

    fn document(&self, r: &mut Spdx2, d: &Subject<'a, 'i>) {
        let at = self.at(d.descriptions[0]);
        match self.text(&d.descriptions, SPDX, "specVersion") {
            Some((version, at)) => r.spec_version(&version, at),
            None => r.b.warn(
                WarningCode::MissingField,
                Some(at),
                "the document has no `spdx:specVersion`; read as SPDX-2.3",
            ),
        }
        if let Some(id) = &d.id {
            r.document_id(id);
        }
        r.b.document.serial = self.namespace.map(str::to_string);
        r.b.document.name = self.text(&d.descriptions, SPDX, "name").map(|(s, _)| s);
        if let Some(info) = self.prop(&d.descriptions, SPDX, "creationInfo") {
            let info = self.object(info);
            r.b.document.created = self.text(&info, SPDX, "created").map(|(s, _)| s);
            for creator in self.props(&info, SPDX, "creator") {
                if let Some(text) = self.value(creator) {
                    r.creator(&text, self.at(creator));
                }
            }
        }
        for described in self.props(&d.descriptions, SPDX, "describesPackage") {
            if let Some(target) = self.target(described) {
                r.b.describes_ref(&target, self.at(described));
            }
        }
    }

    /// A new component named by `name`, or by its SPDX id (with a warning) when there is none.
    fn element(&self, r: &mut Spdx2, s: &Subject<'a, 'i>, origin: Origin, name: &str, required: bool) -> Component {
        let at = self.at(s.descriptions[0]);
        let named = match self.text(&s.descriptions, SPDX, name) {
            Some((named, _)) => named,
            None => {
                if required {
                    r.b.warn(
                        WarningCode::MissingField,
                        Some(at.clone()),
                        format!("no `spdx:{name}`; named after its SPDX id"),
                    );
                }
                s.id.clone().unwrap_or_default()
            }
        };
        let mut c = Component::new(origin, named, at);
        c.bom_ref = s.id.as_deref().map(Into::into);
        c
    }

    /// What packages, files and snippets share: copyright text, checksums, concluded licence.
    fn common(&self, r: &mut Spdx2, s: &Subject<'a, 'i>, c: &mut Component) {
        if let Some((text, at)) = self.text(&s.descriptions, SPDX, "copyrightText") {
            v2::add_copyright(c, &text, at);
        }
        for checksum in self.props(&s.descriptions, SPDX, "checksum") {
            let sum = self.object(checksum);
            let algorithm = self.enumerated(&sum, "algorithm", "checksumAlgorithm_");
            let value = self.text(&sum, SPDX, "checksumValue");
            if let (Some((algorithm, _)), Some((value, _))) = (algorithm, value) {
                v2::add_hash(c, &algorithm, &value);
            }
        }
        for property in self.props(&s.descriptions, SPDX, "licenseConcluded").take(1) {
            if let Some(license) = self.license(property, r, 0) {
                v2::add_license(c, &license);
            }
        }
    }

    fn package(&self, r: &mut Spdx2, s: &Subject<'a, 'i>) {
        let d = &s.descriptions;
        let mut c = self.element(r, s, Origin::Component, "name", true);
        c.version = self
            .text(d, SPDX, "versionInfo")
            .map(|(v, _)| v)
            .filter(|v| !v2::is_no_value(v))
            .map(Into::into);
        for (name, role) in [("supplier", Role::Supplier), ("originator", Role::Originator)] {
            if let Some((text, at)) = self.text(d, SPDX, name) {
                v2::add_actor(&mut c, &text, role, at);
            }
        }
        if let Some((text, at)) = self.text(d, SPDX, "downloadLocation") {
            if let Some(location) = v2::located_value(&text, at) {
                c.details_mut().download_location = Some(location);
            }
        }
        if let Some((text, at)) = self.text(d, DOAP, "homepage") {
            v2::add_homepage(&mut c, &text, at);
        }
        self.common(r, s, &mut c);
        for property in self.props(d, SPDX, "licenseDeclared").take(1) {
            if let Some(license) = self.license(property, r, 0) {
                v2::add_license(&mut c, &license);
            }
        }
        c.kind = self
            .enumerated(d, "primaryPackagePurpose", "purpose_")
            .and_then(|(p, _)| v2::purpose(&p));
        if let Some((description, _)) = self
            .text(d, SPDX, "description")
            .or_else(|| self.text(d, SPDX, "summary"))
        {
            c.details_mut().description = Some(description.into());
        }
        for reference in self.props(d, SPDX, "externalRef") {
            let reference = self.object(reference);
            let category = self.enumerated(&reference, "referenceCategory", "referenceCategory_");
            let category = category.map(|(c, _)| screaming(&c, '-')).unwrap_or_default();
            let ty = self
                .prop(&reference, SPDX, "referenceType")
                .and_then(|p| match p.attribute((RDF, "resource")) {
                    Some(uri) => Some(uri.strip_prefix(REFERENCE_TYPES).unwrap_or(local_name(uri)).to_string()),
                    None => own_text(p).map(str::to_string),
                });
            if let Some((locator, at)) = self.text(&reference, SPDX, "referenceLocator") {
                r.external_ref(&mut c, &category, ty.as_deref().unwrap_or(""), &locator, at);
            }
        }
        r.b.add_component(c);
        if let Some(package) = &s.id {
            for file in self.props(d, SPDX, "hasFile") {
                if let Some(target) = self.target(file) {
                    r.b.add_edge_by_ref(package, &target, RelationKind::Contains, self.at(file));
                }
            }
        }
    }

    fn file(&self, r: &mut Spdx2, s: &Subject<'a, 'i>) {
        let mut c = self.element(r, s, Origin::File, "fileName", true);
        self.common(r, s, &mut c);
        for property in self.props(&s.descriptions, SPDX, "licenseInfoInFile") {
            if let Some(license) = self.license(property, r, 0) {
                v2::add_license(&mut c, &license);
            }
        }
        for contributor in self.props(&s.descriptions, SPDX, "fileContributor") {
            if let Some(text) = self.value(contributor) {
                v2::add_actor(&mut c, &text, Role::Author, self.at(contributor));
            }
        }
        r.b.add_component(c);
    }

    fn snippet(&self, r: &mut Spdx2, s: &Subject<'a, 'i>) {
        let mut c = self.element(r, s, Origin::Snippet, "name", false);
        self.common(r, s, &mut c);
        for property in self.props(&s.descriptions, SPDX, "licenseInfoInSnippet") {
            if let Some(license) = self.license(property, r, 0) {
                v2::add_license(&mut c, &license);
            }
        }
        r.b.add_component(c);
        let from = self.prop(&s.descriptions, SPDX, "snippetFromFile");
        if let (Some(from), Some(snippet)) = (from, &s.id) {
            if let Some(file) = self.target(from) {
                r.b.add_edge_by_ref(&file, snippet, RelationKind::Contains, self.at(from));
            }
        }
    }

    /// `spdx:relationship` on subject `s`: from `s` to its `relatedSpdxElement`.
    fn relationship(&self, r: &mut Spdx2, s: &Subject<'a, 'i>, property: Node<'a, 'i>) {
        let descriptions = self.object(property);
        let at = self.at(descriptions.first().copied().unwrap_or(property));
        let kind = self.enumerated(&descriptions, "relationshipType", "relationshipType_");
        let to = self
            .prop(&descriptions, SPDX, "relatedSpdxElement")
            .and_then(|p| self.target(p));
        match (&s.id, kind, to) {
            (Some(from), Some((kind, _)), Some(to)) => r.relationship(from, &screaming(&kind, '_'), &to, at),
            _ => r.b.warn(
                WarningCode::MissingField,
                Some(at),
                "a relationship needs an element with an `rdf:about`, an `spdx:relationshipType` and an \
                 `spdx:relatedSpdxElement`; skipped",
            ),
        }
    }
}

/// `NOASSERTION` and `NONE`, which RDF writes as resources of the SPDX vocabulary.
fn special(uri: &str) -> Option<&'static str> {
    match uri.strip_prefix(SPDX)? {
        "noassertion" => Some("NOASSERTION"),
        "none" => Some("NONE"),
        _ => None,
    }
}

/// A licence's id from its URI: `…/licenses/MIT` is `MIT`, `NS#LicenseRef-x` is `LicenseRef-x`.
fn license_id(uri: &str) -> &str {
    match special(uri) {
        Some(value) => value,
        None => uri.strip_prefix(LICENSES).unwrap_or_else(|| local_name(uri)),
    }
}

/// What follows a URI's `#`, else its last `/`.
fn local_name(uri: &str) -> &str {
    uri.rsplit_once('#')
        .or_else(|| uri.rsplit_once('/'))
        .map_or(uri, |(_, local)| local)
}

/// `copyOf` as `COPY_OF`, `packageManager` as `PACKAGE-MANAGER`; `COPY_OF` stays.
fn screaming(camel: &str, separator: char) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    let mut previous_lower = false;
    for ch in camel.chars() {
        if ch.is_uppercase() && previous_lower {
            out.push(separator);
        }
        previous_lower = ch.is_lowercase() || ch.is_ascii_digit();
        out.extend(ch.to_uppercase());
    }
    out
}

/// An element's own text, trimmed; `None` when empty. roxmltree joins text and CDATA into one
/// run; a value split by a comment is read up to the comment.
fn own_text<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    let text = node.children().find(|n| n.is_text())?.text()?.trim();
    (!text.is_empty()).then_some(text)
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:spdx="http://spdx.org/rdf/terms#" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
"#;

    fn read_str(body: &str) -> InventoryPart {
        read("t.rdf", format!("{HEAD}{body}</rdf:RDF>").as_bytes()).unwrap()
    }

    #[test]
    fn billion_laughs_is_refused() {
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rdf:RDF xmlns:spdx="http://spdx.org/rdf/terms#" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<spdx:Package rdf:about="x#SPDXRef-a"><spdx:name>&lol9;</spdx:name></spdx:Package></rdf:RDF>"#;
        let err = read("bomb.rdf", bomb.as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with("bomb.rdf:2:1: XML with a DTD"), "{err}");
    }

    #[test]
    fn only_an_rdf_root_is_read() {
        let err = read("t.rdf", b"<spdx:Package xmlns:spdx='http://spdx.org/rdf/terms#'/>")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("t.rdf:1:1: not a valid SPDX document: the root element is `Package`, expected `rdf:RDF`"),
            "{err}"
        );
    }

    #[test]
    fn descriptions_merge_and_rdf_description_is_typed() {
        let part = read_str(
            r#"<spdx:SpdxDocument rdf:about="https://ex.org/d#SPDXRef-DOCUMENT"><spdx:specVersion>SPDX-2.3</spdx:specVersion></spdx:SpdxDocument>
<rdf:Description rdf:about="https://ex.org/d#SPDXRef-a">
  <rdf:type rdf:resource="http://spdx.org/rdf/terms#Package"/>
  <spdx:name>a</spdx:name>
</rdf:Description>
<spdx:Package rdf:about="https://ex.org/d#SPDXRef-a">
  <spdx:supplier>Organization: ZTE Corporation</spdx:supplier>
  <spdx:licenseConcluded>
    <spdx:DisjunctiveLicenseSet>
      <spdx:member rdf:resource="http://spdx.org/licenses/MIT"/>
      <spdx:member><spdx:ConjunctiveLicenseSet>
        <spdx:member rdf:resource="https://ex.org/d#LicenseRef-zte"/>
        <spdx:member><spdx:OrLaterOperator><spdx:member rdf:resource="http://spdx.org/licenses/GPL-2.0"/></spdx:OrLaterOperator></spdx:member>
      </spdx:ConjunctiveLicenseSet></spdx:member>
    </spdx:DisjunctiveLicenseSet>
  </spdx:licenseConcluded>
</spdx:Package>
"#,
        );
        assert_eq!(part.document.serial.as_deref(), Some("https://ex.org/d"));
        assert_eq!(part.components.len(), 1);
        let c = &part.components[0];
        assert_eq!((c.name.as_str(), c.bom_ref.as_deref()), ("a", Some("SPDXRef-a")));
        assert_eq!(c.at, Location::xml("/rdf:RDF/rdf:Description".into(), 4));
        assert_eq!(c.parties[0].who.name.as_deref(), Some("ZTE Corporation"));
        assert_eq!(
            c.parties[0].at,
            Location::xml("/rdf:RDF/spdx:Package/spdx:supplier".into(), 9)
        );
        assert_eq!(c.licenses, ["MIT OR (LicenseRef-zte AND GPL-2.0+)"]);
        assert!(part.warnings.is_empty(), "{:?}", part.warnings);
    }

    #[test]
    fn node_ids_and_foreign_namespaces_resolve() {
        let part = read_str(
            r#"<spdx:SpdxDocument rdf:about="https://ex.org/d#SPDXRef-DOCUMENT">
  <spdx:specVersion>SPDX-2.2</spdx:specVersion>
  <spdx:externalDocumentRef><spdx:ExternalDocumentRef rdf:about="https://ex.org/d#DocumentRef-base">
    <spdx:spdxDocument rdf:resource="https://ex.org/base"/>
  </spdx:ExternalDocumentRef></spdx:externalDocumentRef>
  <spdx:relationship rdf:nodeID="r1"/>
</spdx:SpdxDocument>
<spdx:Relationship rdf:nodeID="r1">
  <spdx:relationshipType rdf:resource="http://spdx.org/rdf/terms#relationshipType_describes"/>
  <spdx:relatedSpdxElement rdf:resource="https://ex.org/d#SPDXRef-a"/>
</spdx:Relationship>
<spdx:Package rdf:about="https://ex.org/d#SPDXRef-a">
  <spdx:name>a</spdx:name>
  <spdx:relationship><spdx:Relationship>
    <spdx:relationshipType rdf:resource="http://spdx.org/rdf/terms#relationshipType_dependsOn"/>
    <spdx:relatedSpdxElement rdf:resource="https://ex.org/base#SPDXRef-b"/>
  </spdx:Relationship></spdx:relationship>
  <spdx:relationship><spdx:Relationship>
    <spdx:relationshipType rdf:resource="http://spdx.org/rdf/terms#relationshipType_runtimeDependencyOf"/>
    <spdx:relatedSpdxElement rdf:resource="https://elsewhere.org/x#SPDXRef-c"/>
  </spdx:Relationship></spdx:relationship>
</spdx:Package>
"#,
        );
        assert_eq!(part.document.describes, [crate::model::ComponentId(0)]);
        assert_eq!(part.relationships.len(), 0);
        let warnings: Vec<_> = part.warnings.iter().map(|w| (w.code, w.message.as_str())).collect();
        assert_eq!(
            warnings,
            [(
                WarningCode::UnresolvedRef,
                "`https://elsewhere.org/x#SPDXRef-c` names no component in this document; edge skipped"
            )]
        );
    }

    #[test]
    fn deep_paths_keep_root_and_tail() {
        // a chain of 200 packages, each nested in the relationship of the one before
        let mut body = String::from(
            r#"<spdx:SpdxDocument rdf:about="d#SPDXRef-DOCUMENT"><spdx:specVersion>SPDX-2.3</spdx:specVersion></spdx:SpdxDocument>"#,
        );
        for i in 0..200 {
            body.push_str(&format!(
                "<spdx:Package rdf:about=\"d#SPDXRef-{i}\"><spdx:name>p{i}</spdx:name><spdx:relationship><spdx:Relationship>\
                 <spdx:relationshipType rdf:resource=\"http://spdx.org/rdf/terms#relationshipType_contains\"/><spdx:relatedSpdxElement>"
            ));
        }
        body.push_str("<spdx:Package rdf:about=\"d#SPDXRef-last\"><spdx:name>last</spdx:name></spdx:Package>");
        for _ in 0..200 {
            body.push_str("</spdx:relatedSpdxElement></spdx:Relationship></spdx:relationship></spdx:Package>");
        }
        let part = read_str(&body);
        assert_eq!(part.components.len(), 201);
        assert_eq!(part.relationships.len(), 200);
        let Location::Xml(place) = &part.components[200].at else {
            panic!()
        };
        assert_eq!(
            place.path,
            "/rdf:RDF/…/spdx:relatedSpdxElement/spdx:Package/spdx:relationship/spdx:Relationship/\
             spdx:relatedSpdxElement/spdx:Package/spdx:relationship/spdx:Relationship/spdx:relatedSpdxElement/spdx:Package"
        );
        assert!(part.warnings.is_empty(), "{:?}", part.warnings);
    }

    #[test]
    fn cyclic_licence_sets_stop() {
        let part = read_str(
            r#"<spdx:SpdxDocument rdf:about="d#SPDXRef-DOCUMENT"><spdx:specVersion>SPDX-2.3</spdx:specVersion></spdx:SpdxDocument>
<spdx:Package rdf:about="d#SPDXRef-a"><spdx:name>a</spdx:name><spdx:licenseConcluded rdf:nodeID="set"/></spdx:Package>
<spdx:ConjunctiveLicenseSet rdf:nodeID="set"><spdx:member rdf:nodeID="set"/></spdx:ConjunctiveLicenseSet>
"#,
        );
        assert!(part.components[0].licenses.is_empty());
        assert_eq!(part.warnings.len(), 1, "{:?}", part.warnings);
        assert!(part.warnings[0].message.contains("deeper than 32 levels"));
    }

    #[test]
    fn names_convert() {
        assert_eq!(screaming("copyOf", '_'), "COPY_OF");
        assert_eq!(screaming("runtimeDependencyOf", '_'), "RUNTIME_DEPENDENCY_OF");
        assert_eq!(screaming("COPY_OF", '_'), "COPY_OF");
        assert_eq!(screaming("packageManager", '-'), "PACKAGE-MANAGER");
        assert_eq!(license_id("http://spdx.org/licenses/GPL-2.0-only"), "GPL-2.0-only");
        assert_eq!(license_id("https://ex.org/d#LicenseRef-x"), "LicenseRef-x");
        assert_eq!(license_id("http://spdx.org/rdf/terms#noassertion"), "NOASSERTION");
        assert_eq!(truncate("añb", 2), "a");
    }
}
