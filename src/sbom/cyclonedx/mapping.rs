//! The CycloneDX → model field mapping, written once over [`Source`] and used for both JSON and
//! XML. Every place the specification (1.2–1.7) lets a document name who made, supplied, wrote or
//! published a part is read here; see the module documentation of [`super`] for the list.

use super::source::Source;
use crate::copyright;
use crate::model::{
    Component, ComponentId, Cpe, Encoding, Format, Hash, Identity, InventoryPart, Located, Location, Origin, Party,
    PartyKind, Property, Purl, Reference, RelationKind, Role, Swid, Tool, WarningCode,
};
use crate::sbom::builder::DocumentBuilder;
use crate::sbom::vendorscan::{self, Entry};
use compact_str::{format_compact, CompactString};

/// The spec versions this reader was written against. Others are read as the newest, with a
/// warning: CycloneDX only ever adds fields, so the mapping still holds.
pub(super) const KNOWN_VERSIONS: [&str; 6] = ["1.2", "1.3", "1.4", "1.5", "1.6", "1.7"];

/// How deep components may nest (through `components`, `services` and `pedigree`). JSON cannot
/// reach it (serde_json stops at 128 levels, ~60 component levels); XML has no such limit, so
/// this bounds the recursion below against a hostile 100,000-deep document.
pub(super) const MAX_DEPTH: usize = 64;

/// The name given to a component whose document names none, so it can still be listed.
const UNNAMED: &str = "(unnamed)";

/// The top-level lists, mapped element by element (JSON streams them; see [`super::json`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    Components,
    Services,
    Dependencies,
}

impl Section {
    pub(super) const ALL: [Section; 3] = [Section::Components, Section::Services, Section::Dependencies];

    pub(super) fn named(key: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The JSON member and the XML wrapper element.
    pub(super) fn key(self) -> &'static str {
        match self {
            Section::Components => "components",
            Section::Services => "services",
            Section::Dependencies => "dependencies",
        }
    }

    /// The XML element of one entry.
    pub(super) fn item(self) -> &'static str {
        match self {
            Section::Components => "component",
            Section::Services => "service",
            Section::Dependencies => "dependency",
        }
    }
}

/// Evidence values that should have been a purl or CPE and were not. cdxgen writes the manifest
/// path as the `concludedValue` of every `purl` identity; one warning per document, not one per
/// component, keeps the real warnings visible.
#[derive(Default)]
struct Tally {
    count: usize,
    first: Option<(CompactString, Location)>,
}

/// One document being read: the builder plus what the mapping tallies across components.
pub(super) struct Reader {
    pub(super) b: DocumentBuilder,
    bad_evidence_purls: Tally,
    bad_evidence_cpes: Tally,
}

impl Reader {
    pub(super) fn new(file: &str, encoding: Encoding) -> Reader {
        Reader {
            b: DocumentBuilder::new(file, Format::CycloneDX, encoding),
            bad_evidence_purls: Tally::default(),
            bad_evidence_cpes: Tally::default(),
        }
    }

    /// Records the declared spec version; an unknown one is a warning, never fatal. Only JSON
    /// can declare none (the XML namespace carries the version): that is warned about at `root`.
    pub(super) fn set_spec_version(&mut self, spec: Option<Located<CompactString>>, root: &Location) {
        let newest = KNOWN_VERSIONS[KNOWN_VERSIONS.len() - 1];
        match spec {
            Some(v) => {
                if !KNOWN_VERSIONS.contains(&v.value.as_str()) {
                    self.b.warn(
                        WarningCode::UnknownSpecVersion,
                        Some(v.at),
                        format!(
                            "CycloneDX {} is not a version this reader knows (1.2–{newest}); read as {newest}",
                            v.value
                        ),
                    );
                }
                self.b.document.spec_version = Some(v.value.into());
            }
            None => self.b.warn(
                WarningCode::MissingField,
                Some(root.clone()),
                format!("the document declares no `specVersion`; read as CycloneDX {newest}"),
            ),
        }
    }

    /// The spec version the document declares.
    pub(super) fn spec_version(&self) -> Option<&str> {
        self.b.document.spec_version.as_deref()
    }

    /// Reports the tallies and hands the document over.
    pub(super) fn finish(self) -> InventoryPart {
        let Reader {
            mut b,
            bad_evidence_purls,
            bad_evidence_cpes,
        } = self;
        for (tally, code, what) in [
            (bad_evidence_purls, WarningCode::InvalidPurl, "purl"),
            (bad_evidence_cpes, WarningCode::InvalidCpe, "cpe"),
        ] {
            if let Some((value, at)) = tally.first {
                b.warn(
                    code,
                    Some(at),
                    format!(
                        "{} evidence.identity concluded value(s) for `{what}` do not parse as one (first: `{value}`); \
                         kept as properties `cdx:evidence:identity:{what}`",
                        tally.count
                    ),
                );
            }
        }
        b.finish()
    }
}

/// One element of a top-level list.
pub(super) fn entry<S: Source>(r: &mut Reader, section: Section, node: S) {
    match section {
        Section::Components => {
            component(r, node, Origin::Component, 0);
        }
        Section::Services => {
            component(r, node, Origin::Service, 0);
        }
        Section::Dependencies => dependency(r, node),
    }
}

/// `metadata`: the product, its supplier and manufacturer, and who and what wrote the SBOM.
pub(super) fn metadata<S: Source>(r: &mut Reader, meta: &S) {
    let b = &mut r.b;
    b.document.created = meta.text("timestamp", b).map(String::from);
    let mut product_parties = Vec::new();
    if let Some(s) = meta.object("supplier", b) {
        product_parties.extend(organization(&s, Role::Supplier, b));
    }
    // `manufacture` (1.2–1.5, deprecated in 1.6) is the product's manufacturer.
    if let Some(m) = meta.object("manufacture", b) {
        product_parties.extend(organization(&m, Role::Manufacturer, b));
    }
    // `manufacturer` (1.6+) is the organisation that made the BOM.
    if let Some(m) = meta.object("manufacturer", b) {
        let creator = organization(&m, Role::Manufacturer, b);
        b.document.creators.extend(creator);
    }
    for a in meta.items("authors", "author", b) {
        let creator = a.record(b).and_then(|a| person(&a, b));
        b.document.creators.extend(creator);
    }
    if let Some(tools) = meta.child("tools") {
        read_tools(&tools, b);
    }
    let product = match meta
        .child("component")
        .and_then(|node| component(r, node, Origin::Metadata, 0))
    {
        Some(id) => Some(id),
        None if !product_parties.is_empty() => {
            // A supplier or manufacturer of a product the document does not name (or names with
            // something that is not a component): kept on a placeholder product so the vendor
            // still reaches the rules, with a warning.
            r.b.warn(
                WarningCode::MissingField,
                Some(meta.at()),
                "metadata names a supplier or manufacturer but no `component`; they are kept on an unnamed product",
            );
            Some(r.b.add_component(Component::new(Origin::Metadata, UNNAMED, meta.at())))
        }
        None => None,
    };
    if let Some(id) = product {
        r.b.describes(id);
        let c = r.b.component_mut(id);
        put_all(&mut c.parties, product_parties);
        if c.name != UNNAMED {
            let name = c.name.to_string();
            r.b.document.name = Some(name);
        }
    }
}

/// `metadata.tools`: the legacy array of `{vendor, name, version}` (XML `<tool>`), or the 1.5+
/// object of `components` and `services`.
fn read_tools<S: Source>(tools: &S, b: &mut DocumentBuilder) {
    if tools.is_list() {
        for t in tools.list("tool", b) {
            let Some(t) = t.record(b) else { continue };
            let vendor = t.text("vendor", b);
            push_tool(&t, vendor, b);
        }
    }
    for t in tools.items("components", "component", b) {
        let Some(t) = t.record(b) else { continue };
        let vendor = ["manufacturer", "supplier"]
            .into_iter()
            .find_map(|key| t.object(key, b).and_then(|o| o.text("name", b)))
            .or_else(|| t.text("publisher", b))
            .or_else(|| t.text("author", b));
        push_tool(&t, vendor, b);
    }
    for t in tools.items("services", "service", b) {
        let Some(t) = t.record(b) else { continue };
        let vendor = t.object("provider", b).and_then(|p| p.text("name", b));
        push_tool(&t, vendor, b);
    }
}

fn push_tool<S: Source>(t: &S, vendor: Option<CompactString>, b: &mut DocumentBuilder) {
    match t.text("name", b) {
        Some(name) => {
            let version = t.text("version", b).map(String::from);
            let vendor = vendor.map(String::from);
            b.document.tools.push(Tool {
                name: name.into(),
                version,
                vendor,
            });
        }
        None => b.warn(
            WarningCode::MissingField,
            Some(t.at()),
            "a tool without a `name`; skipped",
        ),
    }
}

/// A component or service at any depth, with its nested components, services and pedigree.
/// Returns its id, or `None` when the entry was not an object.
pub(super) fn component<S: Source>(r: &mut Reader, node: S, origin: Origin, depth: usize) -> Option<ComponentId> {
    let b = &mut r.b;
    let node = node.record(b)?;
    let name = match node.text("name", b) {
        Some(n) => n,
        None => {
            if node.child("name").is_none() {
                b.warn(
                    WarningCode::MissingField,
                    Some(node.at()),
                    "a component without a `name`",
                );
            }
            CompactString::const_new(UNNAMED)
        }
    };
    let mut c = Component::new(origin, name, node.at());
    c.bom_ref = node.text("bom-ref", b);
    c.kind = node.text("type", b);
    c.version = node.text("version", b);
    if let Some(group) = node.field("group", b) {
        c.details_mut().group = Some(group);
    }
    if let Some(description) = node.text("description", b) {
        c.details_mut().description = Some(description);
    }
    if let Some(p) = node.field("purl", b) {
        add_purl(&mut c, p, b);
    }
    if let Some(p) = node.field("cpe", b) {
        add_cpe(&mut c, p, b);
    }
    let swid = node.object("swid", b).and_then(|s| {
        let tag_id = s.text("tagId", b)?;
        let name = s.text("name", b).unwrap_or_default();
        Some(Located::new(Swid { tag_id, name }, s.at()))
    });
    if swid.is_some() {
        c.details_mut().swid = swid;
    }
    for h in node.items("hashes", "hash", b) {
        let Some(h) = h.record(b) else { continue };
        if let (Some(alg), Some(content)) = (h.text("alg", b), h.content("content", b)) {
            put(&mut c.hashes, Hash::new(&alg, &content));
        }
    }
    read_licenses(&node, &mut c, b);
    read_parties(&node, &mut c, b);
    for reference in node.items("externalReferences", "reference", b) {
        let Some(reference) = reference.record(b) else { continue };
        if let Some(url) = reference.text("url", b) {
            let kind = reference.text("type", b).unwrap_or(CompactString::const_new("other"));
            let value = Reference { kind, url };
            put(&mut c.details_mut().references, Located::new(value, reference.at()));
        }
    }
    // Services only: the URLs they are reached at.
    for endpoint in node.items("endpoints", "endpoint", b) {
        if let Some(url) = endpoint.value(b) {
            let value = Reference {
                kind: CompactString::const_new("endpoint"),
                url: url.value,
            };
            put(&mut c.details_mut().references, Located::new(value, url.at));
        }
    }
    // What vendorscan wrote where CycloneDX has no field (crate::sbom::vendorscan), and the
    // parties it made from evidence values, to be taken out once all parties are read.
    let mut written_as: Vec<(Role, CompactString)> = Vec::new();
    for p in node.items("properties", "property", b) {
        let Some(p) = p.record(b) else { continue };
        if let (Some(name), Some(value)) = (p.text("name", b), p.content("value", b)) {
            match vendorscan::read(&name, &value, p.at()) {
                Some(Entry::Evidence(e, also)) => {
                    if let Some(role) = also {
                        written_as.push((role, e.value.value.clone()));
                    }
                    put(&mut c.details_mut().evidence, e);
                }
                Some(Entry::Party(party)) => put(&mut c.parties, party),
                Some(Entry::Property(fact)) => put(&mut c.details_mut().properties, fact),
                None => push_property(&mut c, name, value, p.at()),
            }
        }
    }
    if let Some(text) = node.field("copyright", b) {
        add_copyright(&mut c, text);
    }
    if let Some(evidence) = node.object("evidence", b) {
        read_evidence(r, &evidence, &mut c);
    }
    vendorscan::take_written_parties(&mut c.parties, &written_as);
    let id = r.b.add_component(c);
    read_children(r, &node, id, origin, depth);
    Some(id)
}

/// Nested `components` and `services` (Contains edges) and `pedigree` (DerivedFrom / VariantOf).
fn read_children<S: Source>(r: &mut Reader, node: &S, id: ComponentId, origin: Origin, depth: usize) {
    let b = &mut r.b;
    let nested = [("components", "component"), ("services", "service")].map(|(k, i)| (k, node.items(k, i, b)));
    let pedigree = node.object("pedigree", b);
    let lineage = ["ancestors", "descendants", "variants"].map(|key| {
        let list = pedigree.as_ref().map(|p| p.items(key, "component", b));
        (key, list.unwrap_or_default())
    });
    let has_children = nested.iter().chain(&lineage).any(|(_, list)| !list.is_empty());
    if has_children && depth >= MAX_DEPTH {
        r.b.warn(
            WarningCode::UnexpectedType,
            Some(node.at()),
            format!("components nest deeper than {MAX_DEPTH} levels; the deeper ones are skipped"),
        );
        return;
    }
    for (key, list) in nested {
        // A pedigree ancestor's parts are the ancestor's, and the product's own parts (cargo
        // targets, firmware partitions) describe the product: neither is listed in `components`.
        let child_origin = match (origin, key) {
            (Origin::Pedigree | Origin::Metadata, _) => origin,
            (_, "services") => Origin::Service,
            _ => Origin::Component,
        };
        for child in list {
            let at = child.at();
            if let Some(child) = component(r, child, child_origin, depth + 1) {
                r.b.add_edge(id, child, RelationKind::Contains, at);
            }
        }
    }
    for (key, list) in lineage {
        for relative in list {
            let at = relative.at();
            let Some(other) = component(r, relative, Origin::Pedigree, depth + 1) else {
                continue;
            };
            // Edges point from the derived part to what it derives from.
            match key {
                "ancestors" => r.b.add_edge(id, other, RelationKind::DerivedFrom, at),
                "descendants" => r.b.add_edge(other, id, RelationKind::DerivedFrom, at),
                _ => r.b.add_edge(id, other, RelationKind::VariantOf, at),
            }
        }
    }
}

/// `licenses`: SPDX ids, licence names and expressions, as written.
fn read_licenses<S: Source>(node: &S, c: &mut Component, b: &mut DocumentBuilder) {
    for (kind, entry) in node.choices("licenses", b) {
        let license = match kind.as_str() {
            "license" => entry
                .record(b)
                .and_then(|l| l.text("id", b).or_else(|| l.text("name", b))),
            "expression" => entry.scalar(b),
            _ => None,
        };
        put_all(&mut c.licenses, license);
    }
}

/// Everyone the component names: `supplier`, `manufacturer` (1.6), `authors` (1.6), `author`,
/// `publisher`, and a service's `provider`.
fn read_parties<S: Source>(node: &S, c: &mut Component, b: &mut DocumentBuilder) {
    for (key, role) in [("supplier", Role::Supplier), ("manufacturer", Role::Manufacturer)] {
        if let Some(org) = node.object(key, b) {
            put_all(&mut c.parties, organization(&org, role, b));
        }
    }
    for a in node.items("authors", "author", b) {
        let author = a.record(b).and_then(|a| person(&a, b));
        put_all(&mut c.parties, author);
    }
    for (key, role) in [("author", Role::Author), ("publisher", Role::Publisher)] {
        if let Some(name) = node.field(key, b) {
            put(
                &mut c.parties,
                Party::named(role, PartyKind::Unknown, Some(name.value), name.at),
            );
        }
    }
    if let Some(org) = node.object("provider", b) {
        put_all(&mut c.parties, organization(&org, Role::Provider, b));
    }
}

/// An `organizationalEntity`: name, `url`s, and `contact`s with their e-mails.
fn organization<S: Source>(node: &S, role: Role, b: &mut DocumentBuilder) -> Option<Party> {
    let mut who = Identity::new(PartyKind::Organization, node.text("name", b));
    for url in node.repeated("url", b) {
        put_all(&mut who.urls, url.scalar(b));
    }
    for contact in node.repeated("contact", b) {
        let Some(contact) = contact.record(b) else { continue };
        put_all(&mut who.contacts, contact.text("name", b));
        put_all(&mut who.emails, contact.text("email", b));
    }
    (!who.is_empty()).then(|| Party::new(role, who, node.at()))
}

/// An `organizationalContact` standing for itself: a component or BOM author.
fn person<S: Source>(node: &S, b: &mut DocumentBuilder) -> Option<Party> {
    let mut who = Identity::new(PartyKind::Person, node.text("name", b));
    put_all(&mut who.emails, node.text("email", b));
    (!who.is_empty()).then(|| Party::new(Role::Author, who, node.at()))
}

/// `evidence.identity` (an object in 1.5, an array from 1.6), `evidence.occurrences` (their
/// locations) and `evidence.copyright`. Identity
/// methods become properties `cdx:evidence:identity:<field>:<technique>`; a concluded value for
/// `purl` or `cpe` joins the component's purls or CPEs, for another field it becomes a property
/// `cdx:evidence:identity:<field>`.
fn read_evidence<S: Source>(r: &mut Reader, evidence: &S, c: &mut Component) {
    for identity in evidence.repeated("identity", &mut r.b) {
        let Some(identity) = identity.record(&mut r.b) else {
            continue;
        };
        let Some(field) = identity.text("field", &mut r.b) else {
            continue;
        };
        let property = format_compact!("cdx:evidence:identity:{field}");
        // How the identity was found (1.5 has nothing else): the method's value is where the
        // evidence was seen (a file name, a manifest path), not the identity itself.
        for method in identity.items("methods", "method", &mut r.b) {
            let Some(method) = method.record(&mut r.b) else {
                continue;
            };
            let technique = method
                .text("technique", &mut r.b)
                .unwrap_or(CompactString::const_new("other"));
            if let Some(value) = method.field("value", &mut r.b) {
                push_property(c, format_compact!("{property}:{technique}"), value.value, value.at);
            }
        }
        // What was concluded (1.6+): a purl or CPE joins the component's own.
        let Some(value) = identity.field("concludedValue", &mut r.b) else {
            continue;
        };
        match field.as_str() {
            "purl" => match Purl::parse(&value.value) {
                Ok(p) => {
                    if !c.purls.iter().any(|q| q.value.as_str() == p.as_str()) {
                        put(&mut c.purls, Located::new(p, value.at));
                    }
                }
                Err(_) => {
                    tally(&mut r.bad_evidence_purls, &value);
                    push_property(c, property, value.value, value.at);
                }
            },
            "cpe" => match Cpe::parse(&value.value) {
                Ok(p) => {
                    if !c.cpes.iter().any(|q| q.value.as_str() == p.as_str()) {
                        put(&mut c.cpes, Located::new(p, value.at));
                    }
                }
                Err(_) => {
                    tally(&mut r.bad_evidence_cpes, &value);
                    push_property(c, property, value.value, value.at);
                }
            },
            _ => push_property(c, property, value.value, value.at),
        }
    }
    for occurrence in evidence.items("occurrences", "occurrence", &mut r.b) {
        let Some(occurrence) = occurrence.record(&mut r.b) else {
            continue;
        };
        if let Some(location) = occurrence.text("location", &mut r.b) {
            put(&mut c.details_mut().occurrences, location);
        }
    }
    for entry in evidence.items("copyright", "text", &mut r.b) {
        let Some(entry) = entry.record(&mut r.b) else { continue };
        if let Some(text) = entry.content("text", &mut r.b) {
            add_copyright(c, Located::new(text, entry.at()));
        }
    }
}

fn tally(t: &mut Tally, value: &Located<CompactString>) {
    t.count += 1;
    if t.first.is_none() {
        t.first = Some((value.value.clone(), value.at.clone()));
    }
}

/// Appends without the spare room a growing `Vec` keeps (four entries on the first push): lists
/// here hold one or two entries, and over 100,000 components that slack was most of the model.
fn put<T>(list: &mut Vec<T>, item: T) {
    list.reserve_exact(1);
    list.push(item);
}

fn put_all<T>(list: &mut Vec<T>, items: impl IntoIterator<Item = T>) {
    for item in items {
        put(list, item);
    }
}

fn push_property(c: &mut Component, name: CompactString, value: CompactString, at: Location) {
    put(
        &mut c.details_mut().properties,
        Located::new(Property { name, value }, at),
    );
}

fn add_purl(c: &mut Component, p: Located<CompactString>, b: &mut DocumentBuilder) {
    match Purl::parse(&p.value) {
        Ok(purl) => put(&mut c.purls, Located::new(purl, p.at)),
        Err(e) => b.warn(
            WarningCode::InvalidPurl,
            Some(p.at),
            format!("`{}` is not a valid purl ({e}); skipped", p.value),
        ),
    }
}

fn add_cpe(c: &mut Component, p: Located<CompactString>, b: &mut DocumentBuilder) {
    match Cpe::parse(&p.value) {
        Ok(cpe) => put(&mut c.cpes, Located::new(cpe, p.at)),
        Err(e) => b.warn(
            WarningCode::InvalidCpe,
            Some(p.at),
            format!("`{}` is not a valid CPE ({e}); skipped", p.value),
        ),
    }
}

/// A copyright statement, and one copyright-holder party per holder it names (once each).
fn add_copyright(c: &mut Component, text: Located<CompactString>) {
    for holder in copyright::holders(&text.value) {
        let known = c
            .parties_in(Role::CopyrightHolder)
            .any(|p| p.who.name.as_deref() == Some(holder.as_str()));
        if !known {
            put(
                &mut c.parties,
                Party::named(
                    Role::CopyrightHolder,
                    PartyKind::Unknown,
                    Some(holder.into()),
                    text.at.clone(),
                ),
            );
        }
    }
    put(&mut c.details_mut().copyrights, text);
}

/// `dependencies[]`: `dependsOn` and, from 1.6, `provides`, resolved when the document is done.
pub(super) fn dependency<S: Source>(r: &mut Reader, node: S) {
    let b = &mut r.b;
    let Some(node) = node.record(b) else { return };
    let Some(from) = node.text("ref", b) else {
        if node.child("ref").is_none() {
            b.warn(
                WarningCode::MissingField,
                Some(node.at()),
                "a dependency without a `ref`; skipped",
            );
        }
        return;
    };
    for (json_key, xml_item, kind) in [
        ("dependsOn", "dependency", RelationKind::DependsOn),
        ("provides", "provides", RelationKind::Provides),
    ] {
        for to in node.refs(json_key, xml_item, b) {
            b.add_edge_by_ref(&from, &to.value, kind, to.at);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{InventoryPart, Location, Origin, RelationKind, Role, WarningCode};
    use crate::sbom::cyclonedx::{read_json, read_xml};

    /// Reads a minimal document. cyclonedx-bom's verdict on these fragments (no `bomFormat`, no
    /// `version`) is left out: conformance.rs tests it.
    fn json(text: &str) -> InventoryPart {
        let mut part = read_json("t.json", text.as_bytes()).unwrap();
        part.warnings.retain(|w| w.code != WarningCode::Nonconformant);
        part
    }

    fn codes(part: &InventoryPart) -> Vec<(WarningCode, String)> {
        part.warnings
            .iter()
            .map(|w| (w.code, w.at.as_ref().map(ToString::to_string).unwrap_or_default()))
            .collect()
    }

    #[test]
    fn identity_is_an_object_in_1_5_and_an_array_in_1_6() {
        let one = r#"{"field": "purl", "concludedValue": "pkg:npm/%40huaweicloud/huaweicloud-sdk-core@3.1.0",
                      "methods": [{"technique": "manifest-analysis", "value": "package-lock.json"}]}"#;
        let object = json(&format!(
            r#"{{"specVersion": "1.5", "components": [{{"name": "sdk", "evidence": {{"identity": {one}}}}}]}}"#
        ));
        let array = json(&format!(
            r#"{{"specVersion": "1.6", "components": [{{"name": "sdk", "evidence": {{"identity": [{one}]}}}}]}}"#
        ));
        let (o, a) = (&object.components[0], &array.components[0]);
        assert_eq!(o.purls[0].value, a.purls[0].value);
        assert_eq!(o.purls[0].value.namespace(), Some("@huaweicloud"));
        assert_eq!(
            o.purls[0].at,
            Location::json("/components/0/evidence/identity/concludedValue")
        );
        assert_eq!(
            a.purls[0].at,
            Location::json("/components/0/evidence/identity/0/concludedValue")
        );
        let property = |c: &crate::model::Component| {
            (
                c.details().properties[0].value.name.to_string(),
                c.details().properties[0].value.value.to_string(),
            )
        };
        let expected = (
            "cdx:evidence:identity:purl:manifest-analysis".to_string(),
            "package-lock.json".to_string(),
        );
        assert_eq!(property(o), expected);
        assert_eq!(property(a), expected);
        assert!(object.warnings.is_empty() && array.warnings.is_empty());
    }

    #[test]
    fn evidence_that_is_not_a_purl_is_kept_and_reported_once() {
        let part = json(
            r#"{"specVersion": "1.6", "components": [
                {"name": "a", "purl": "pkg:npm/a@1", "evidence": {"identity": [
                    {"field": "purl", "concludedValue": "pkg:npm/a@1"},
                    {"field": "cpe", "concludedValue": "cpe:2.3:a:zte:a:1:*:*:*:*:*:*:*"}]}},
                {"name": "b", "evidence": {"identity": [{"field": "purl", "concludedValue": "Cargo.lock"}]}},
                {"name": "c", "evidence": {"identity": [{"field": "purl", "concludedValue": "/tmp/package-lock.json"}]}}]}"#,
        );
        // A concluded purl equal to the component's own is not listed twice.
        assert_eq!(part.components[0].purls.len(), 1);
        assert_eq!(part.components[0].cpes[0].value.vendor(), "zte");
        assert_eq!(part.components[1].details().properties[0].value.value, "Cargo.lock");
        assert_eq!(part.warnings.len(), 1);
        assert_eq!(part.warnings[0].code, WarningCode::InvalidPurl);
        assert!(part.warnings[0]
            .message
            .starts_with("2 evidence.identity concluded value(s)"));
    }

    #[test]
    fn spec_versions_outside_1_2_to_1_7_are_read_with_a_warning() {
        let part = json(r#"{"specVersion": "1.9", "components": [{"name": "a"}]}"#);
        assert_eq!(part.document.spec_version.as_deref(), Some("1.9"));
        assert_eq!(part.components.len(), 1);
        assert_eq!(
            codes(&part),
            [(WarningCode::UnknownSpecVersion, "/specVersion".to_string())]
        );
        let part = json(r#"{"bomFormat": "CycloneDX", "components": [{"name": "a"}]}"#);
        assert_eq!(codes(&part), [(WarningCode::MissingField, "/".to_string())]);
        let xml = r#"<bom xmlns="http://cyclonedx.org/schema/bom/2.0"><components>
                     <component type="library"><name>a</name></component></components></bom>"#;
        let part = read_xml("t.xml", xml.as_bytes()).unwrap();
        assert_eq!(part.document.spec_version.as_deref(), Some("2.0"));
        assert_eq!(part.components[0].name, "a");
        assert_eq!(
            codes(&part),
            [(WarningCode::UnknownSpecVersion, "/bom (line 1)".to_string())]
        );
    }

    #[test]
    fn bad_purls_and_cpes_are_skipped_with_warnings() {
        let part = json(r#"{"specVersion": "1.4", "components": [{"name": "a", "purl": "npm/a", "cpe": "huawei"}]}"#);
        assert!(part.components[0].purls.is_empty() && part.components[0].cpes.is_empty());
        assert_eq!(
            codes(&part)[..2],
            [
                (WarningCode::InvalidPurl, "/components/0/purl".to_string()),
                (WarningCode::InvalidCpe, "/components/0/cpe".to_string())
            ]
        );
    }

    #[test]
    fn a_supplier_without_a_product_is_kept_on_a_placeholder() {
        let part =
            json(r#"{"specVersion": "1.5", "metadata": {"supplier": {"name": "ZTE Corporation"}}, "components": []}"#);
        let product = &part.components[0];
        assert_eq!((product.origin, product.name.as_str()), (Origin::Metadata, "(unnamed)"));
        assert_eq!(product.parties[0].who.name.as_deref(), Some("ZTE Corporation"));
        assert_eq!(part.document.describes, [product.id]);
        assert_eq!(part.document.name, None);
        assert_eq!(codes(&part), [(WarningCode::MissingField, "/metadata".to_string())]);
    }

    #[test]
    fn tools_in_every_shape() {
        let legacy =
            json(r#"{"specVersion": "1.4", "metadata": {"tools": [{"vendor": "v", "name": "t", "version": 2}]}}"#);
        assert_eq!(legacy.document.tools[0].vendor.as_deref(), Some("v"));
        assert_eq!(legacy.document.tools[0].version.as_deref(), Some("2"));
        let empty = json(r#"{"specVersion": "1.5", "metadata": {"tools": {}}}"#);
        assert!(empty.document.tools.is_empty() && empty.warnings.is_empty());
        let nameless = json(r#"{"specVersion": "1.4", "metadata": {"tools": [{"vendor": "v"}]}}"#);
        assert_eq!(
            codes(&nameless),
            [(WarningCode::MissingField, "/metadata/tools/0".to_string())]
        );
    }

    #[test]
    fn the_product_s_own_parts_are_not_counted_as_components() {
        let part = json(
            r#"{"specVersion": "1.5", "metadata": {"component": {"name": "crate",
                "components": [{"name": "crate bin target"}]}},
                "components": [{"name": "dep", "components": [{"name": "nested dep"}]}]}"#,
        );
        let origins: Vec<(&str, Origin)> = part.components.iter().map(|c| (c.name.as_str(), c.origin)).collect();
        assert_eq!(
            origins,
            [
                ("crate", Origin::Metadata),
                ("crate bin target", Origin::Metadata),
                ("dep", Origin::Component),
                ("nested dep", Origin::Component)
            ]
        );
        assert_eq!(part.document.component_count, 2);
        assert_eq!(part.document.describes.len(), 1);
        assert!(part.relationships.iter().all(|r| r.kind == RelationKind::Contains));
    }

    #[test]
    fn copyright_holders_are_parties_once_each() {
        let part = json(
            r#"{"specVersion": "1.6", "components": [{"name": "a",
                "copyright": "Copyright (c) 2015 Huawei Technologies Co., Ltd.\nCopyright 2016 Alice",
                "evidence": {"copyright": [{"text": "(C) 2015 Huawei Technologies Co., Ltd."}]}}]}"#,
        );
        let holders: Vec<&str> = part.components[0]
            .parties_in(Role::CopyrightHolder)
            .filter_map(|p| p.who.name.as_deref())
            .collect();
        assert_eq!(holders, ["Huawei Technologies Co., Ltd.", "Alice"]);
        assert_eq!(part.components[0].details().copyrights.len(), 2);
    }

    #[test]
    fn licenses_of_every_kind() {
        let part = json(
            r#"{"specVersion": "1.6", "components": [{"name": "a", "licenses": [
                {"license": {"id": "MIT"}}, {"license": {"name": "Vendor EULA"}},
                {"expression": "Apache-2.0 OR MIT"}, {"license": "GPL"}]}]}"#,
        );
        assert_eq!(part.components[0].licenses, ["MIT", "Vendor EULA", "Apache-2.0 OR MIT"]);
        assert_eq!(
            codes(&part),
            [(
                WarningCode::UnexpectedType,
                "/components/0/licenses/3/license".to_string()
            )]
        );
    }

    #[test]
    fn dependencies_resolve_whatever_the_order() {
        let part = json(
            r#"{"dependencies": [{"ref": "a", "dependsOn": ["b", "missing"], "provides": ["b"]}],
                "components": [{"bom-ref": "a", "name": "A"}, {"bom-ref": "b", "name": "B"}],
                "specVersion": "1.6"}"#,
        );
        let edges: Vec<(u32, u32, RelationKind)> =
            part.relationships.iter().map(|r| (r.from.0, r.to.0, r.kind)).collect();
        assert_eq!(edges, [(0, 1, RelationKind::DependsOn), (0, 1, RelationKind::Provides)]);
        assert_eq!(
            codes(&part),
            [(WarningCode::UnresolvedRef, "/dependencies/0/dependsOn/1".to_string())]
        );
    }
}
