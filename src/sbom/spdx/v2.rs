//! What SPDX 2.x means, whichever encoding carried it: actors (`Organization: Name (email)`),
//! `NOASSERTION`, external references, relationships. The JSON/YAML and tag-value front ends
//! only find the values and where they were; this module decides what they say.

use crate::copyright;
use crate::model::{
    Component, Cpe, Encoding, Format, Hash, Identity, InventoryPart, Located, Location, Party, PartyKind, Purl,
    Reference, RelationKind, Role, Tool, WarningCode,
};
use crate::sbom::builder::DocumentBuilder;
use compact_str::CompactString;
use std::collections::HashSet;

/// The 2.x versions whose fields this reader knows; 2.1 differs from 2.2 only in fields it
/// does not read.
const KNOWN_VERSIONS: [&str; 3] = ["SPDX-2.1", "SPDX-2.2", "SPDX-2.3"];

/// The document's own id when it declares none.
const DEFAULT_DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";

/// One relationship as written, kept until the whole document is read: the document's own
/// SPDXID (needed to recognise `DESCRIBES`) may come after it in tag-value.
struct Written {
    from: String,
    kind: String,
    to: String,
    at: Location,
}

/// Assembles one SPDX 2.x document from the values its front end finds.
pub(super) struct Spdx2 {
    pub b: DocumentBuilder,
    document_id: String,
    relationships: Vec<Written>,
    /// Tag-value files that follow a package: (package, file, where the file starts).
    implied_contains: Vec<(String, String, Location)>,
    /// Relationship types already warned about.
    unknown_kinds: HashSet<String>,
}

impl Spdx2 {
    pub fn new(file: &str, encoding: Encoding) -> Self {
        Spdx2 {
            b: DocumentBuilder::new(file, Format::Spdx, encoding),
            document_id: DEFAULT_DOCUMENT_ID.to_string(),
            relationships: Vec::new(),
            implied_contains: Vec::new(),
            unknown_kinds: HashSet::new(),
        }
    }

    pub fn document_id(&mut self, id: &str) {
        self.document_id = id.trim().to_string();
    }

    pub fn spec_version(&mut self, version: &str, at: Location) {
        let version = version.trim();
        if !KNOWN_VERSIONS.contains(&version) {
            self.b.warn(
                WarningCode::UnknownSpecVersion,
                Some(at),
                format!("spec version `{version}` is not SPDX 2.1–2.3; read as SPDX-2.3"),
            );
        }
        self.b.document.spec_version = Some(version.to_string());
    }

    /// `Creator: Tool: name-version` becomes a tool; an organisation or person an author of
    /// the document.
    pub fn creator(&mut self, text: &str, at: Location) {
        match parse_actor(text) {
            Some(Actor {
                kind: ActorKind::Tool,
                name: Some(name),
                ..
            }) => self.b.document.tools.push(parse_tool(&name)),
            Some(actor) => {
                if let Some(party) = actor.into_party(Role::Author, at) {
                    self.b.document.creators.push(party);
                }
            }
            None => {}
        }
    }

    /// `A TYPE B`, mapped once the document is read (the table in the `spdx` module docs).
    pub fn relationship(&mut self, from: &str, kind: &str, to: &str, at: Location) {
        self.relationships.push(Written {
            from: from.trim().to_string(),
            kind: kind.trim().to_string(),
            to: to.trim().to_string(),
            at,
        });
    }

    /// A tag-value file following a package: contained in it unless a relationship says where
    /// the file belongs.
    pub fn imply_contains(&mut self, package: &str, file: &str, at: Location) {
        self.implied_contains.push((package.to_string(), file.to_string(), at));
    }

    /// An external reference: purls and CPEs are identifiers, anything else a reference under
    /// its type's name. The category is only a fallback name: `PACKAGE-MANAGER` and
    /// `PACKAGE_MANAGER` (and a purl filed under any other category) read alike.
    pub fn external_ref(&mut self, c: &mut Component, category: &str, ty: &str, locator: &str, at: Location) {
        let locator = locator.trim();
        if locator.is_empty() {
            return;
        }
        match ty.trim() {
            t if t.eq_ignore_ascii_case("purl") => add_purl(&mut self.b, c, locator, at),
            t if t.eq_ignore_ascii_case("cpe23Type") || t.eq_ignore_ascii_case("cpe22Type") => {
                add_cpe(&mut self.b, c, locator, at)
            }
            t => {
                let kind = if t.is_empty() { category.trim() } else { t };
                c.details_mut().references.push(Located::new(
                    Reference {
                        kind: kind.into(),
                        url: locator.into(),
                    },
                    at,
                ));
            }
        }
    }

    /// Maps the relationships and hands the part over.
    pub fn finish(mut self) -> InventoryPart {
        let mut contained: HashSet<String> = HashSet::new();
        for w in std::mem::take(&mut self.relationships) {
            if is_no_value(&w.from) || is_no_value(&w.to) || is_external(&w.from) || is_external(&w.to) {
                continue;
            }
            let normalised = w.kind.to_ascii_uppercase().replace('-', "_");
            match link_v2(&normalised) {
                Some(Link::Describes) => {
                    if w.from == self.document_id {
                        self.b.describes_ref(&w.to, w.at);
                    }
                }
                Some(Link::DescribedBy) => {
                    if w.to == self.document_id {
                        self.b.describes_ref(&w.from, w.at);
                    }
                }
                Some(Link::Edge(kind, inverse)) => {
                    if w.from == self.document_id || w.to == self.document_id {
                        continue;
                    }
                    let (from, to) = if inverse { (&w.to, &w.from) } else { (&w.from, &w.to) };
                    if kind == RelationKind::Contains {
                        contained.insert(to.clone());
                    }
                    self.b.add_edge_by_ref(from, to, kind, w.at);
                }
                Some(Link::None) => {}
                None => {
                    if self.unknown_kinds.insert(normalised) {
                        self.b.warn(
                            WarningCode::UnknownField,
                            Some(w.at),
                            format!("relationship type `{}` is not an SPDX 2.3 type; skipped", w.kind),
                        );
                    }
                }
            }
        }
        for (package, file, at) in std::mem::take(&mut self.implied_contains) {
            if !contained.contains(&file) {
                self.b.add_edge_by_ref(&package, &file, RelationKind::Contains, at);
            }
        }
        self.b.finish()
    }
}

/// What a relationship type means for the graph.
#[derive(Debug, PartialEq, Eq)]
enum Link {
    /// An edge of this kind; `true` when it runs from B to A.
    Edge(RelationKind, bool),
    Describes,
    DescribedBy,
    /// A known type that makes no edge.
    None,
}

/// The 2.x table in the `spdx` module docs; `None` for a type SPDX 2.3 does not define.
fn link_v2(kind: &str) -> Option<Link> {
    use RelationKind::{Contains, DependsOn, DerivedFrom, VariantOf};
    Some(match kind {
        "DEPENDS_ON" | "HAS_PREREQUISITE" | "DYNAMIC_LINK" => Link::Edge(DependsOn, false),
        "DEPENDENCY_OF"
        | "BUILD_DEPENDENCY_OF"
        | "DEV_DEPENDENCY_OF"
        | "OPTIONAL_DEPENDENCY_OF"
        | "PROVIDED_DEPENDENCY_OF"
        | "RUNTIME_DEPENDENCY_OF"
        | "TEST_DEPENDENCY_OF"
        | "PREREQUISITE_FOR" => Link::Edge(DependsOn, true),
        "CONTAINS" | "STATIC_LINK" => Link::Edge(Contains, false),
        "CONTAINED_BY" | "PACKAGE_OF" | "EXPANDED_FROM_ARCHIVE" | "OPTIONAL_COMPONENT_OF" | "DATA_FILE_OF" => {
            Link::Edge(Contains, true)
        }
        "DESCENDANT_OF" | "COPY_OF" | "GENERATED_FROM" | "DISTRIBUTION_ARTIFACT" => Link::Edge(DerivedFrom, false),
        "ANCESTOR_OF" | "GENERATES" => Link::Edge(DerivedFrom, true),
        "VARIANT_OF" => Link::Edge(VariantOf, false),
        "DESCRIBES" => Link::Describes,
        "DESCRIBED_BY" => Link::DescribedBy,
        "AMENDS"
        | "BUILD_TOOL_OF"
        | "DEV_TOOL_OF"
        | "TEST_TOOL_OF"
        | "TEST_OF"
        | "TEST_CASE_OF"
        | "DOCUMENTATION_OF"
        | "EXAMPLE_OF"
        | "METAFILE_OF"
        | "DEPENDENCY_MANIFEST_OF"
        | "SPECIFICATION_FOR"
        | "REQUIREMENT_DESCRIPTION_FOR"
        | "PATCH_FOR"
        | "PATCH_APPLIED"
        | "FILE_ADDED"
        | "FILE_DELETED"
        | "FILE_MODIFIED"
        | "OTHER" => Link::None,
        _ => return None,
    })
}

/// `NOASSERTION` and `NONE` stand where SPDX has nothing to say; so does an empty value.
pub(super) fn is_no_value(s: &str) -> bool {
    let s = s.trim();
    s.is_empty() || s.eq_ignore_ascii_case("NOASSERTION") || s.eq_ignore_ascii_case("NONE")
}

/// An element of another document (`DocumentRef-other:SPDXRef-x`): not in this inventory.
fn is_external(r: &str) -> bool {
    r.starts_with("DocumentRef-")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ActorKind {
    Organization,
    Person,
    Tool,
    /// No `Organization:`/`Person:`/`Tool:` prefix (non-conformant, but written).
    Unknown,
}

/// An SPDX actor: `Organization: Name (email)`, `Person: Name (email)`, `Tool: name-version`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Actor {
    pub kind: ActorKind,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl Actor {
    pub fn into_party(self, role: Role, at: Location) -> Option<Party> {
        let kind = match self.kind {
            ActorKind::Organization => PartyKind::Organization,
            ActorKind::Person => PartyKind::Person,
            ActorKind::Tool | ActorKind::Unknown => PartyKind::Unknown,
        };
        let mut who = Identity::new(kind, self.name.map(Into::into));
        who.emails.extend(self.email.map(Into::into));
        (!who.is_empty()).then(|| Party::new(role, who, at))
    }
}

/// Parses an actor; `NOASSERTION` (with or without a prefix) and empty text give `None`.
///
/// The e-mail is the trailing `(…)` the spec prescribes, or a trailing `<…>` as Trivy writes
/// it; a parenthesis without `@` (`Organization: Acme (Europe)`) stays part of the name.
pub(super) fn parse_actor(text: &str) -> Option<Actor> {
    let text = text.trim();
    let (kind, rest) = match text.split_once(':') {
        Some((prefix, rest)) => match prefix.trim().to_ascii_lowercase().as_str() {
            "organization" | "organisation" => (ActorKind::Organization, rest),
            "person" => (ActorKind::Person, rest),
            "tool" => (ActorKind::Tool, rest),
            _ => (ActorKind::Unknown, text),
        },
        None => (ActorKind::Unknown, text),
    };
    let rest = rest.trim();
    if is_no_value(rest) {
        return None;
    }
    let (name, email) = split_email(rest);
    let name = Some(name.trim().to_string()).filter(|n| !n.is_empty());
    if name.is_none() && email.is_none() {
        return None;
    }
    Some(Actor { kind, name, email })
}

fn split_email(s: &str) -> (&str, Option<String>) {
    for (open, close) in [('(', ')'), ('<', '>')] {
        if let Some(inner_end) = s.strip_suffix(close) {
            if let Some(start) = inner_end.rfind(open) {
                let inner = inner_end[start + open.len_utf8()..].trim();
                if inner.is_empty() {
                    return (&s[..start], None);
                }
                if inner.contains('@') {
                    return (&s[..start], Some(inner.to_string()));
                }
            }
        }
    }
    (s, None)
}

/// `Tool: syft-0.105.1`, `Tool: scancode-toolkit 32.5.0`: the version starts at the first
/// `-` or space followed by a digit (or `v` and a digit). `trivy-dev` has no version.
pub(super) fn parse_tool(text: &str) -> Tool {
    let text = text.trim();
    let split = text.char_indices().find(|&(i, c)| {
        (c == '-' || c == ' ') && i > 0 && {
            let after = text[i + 1..].trim_start_matches(['v', 'V']);
            after.starts_with(|d: char| d.is_ascii_digit())
        }
    });
    match split {
        Some((i, _)) => Tool {
            name: text[..i].trim().to_string(),
            version: Some(text[i + 1..].trim().to_string()),
            vendor: None,
        },
        None => Tool {
            name: text.to_string(),
            version: None,
            vendor: None,
        },
    }
}

/// A supplier or originator field.
pub(super) fn add_actor(c: &mut Component, text: &str, role: Role, at: Location) {
    if let Some(party) = parse_actor(text).and_then(|a| a.into_party(role, at)) {
        c.parties.push(party);
    }
}

/// A copyright text: kept as written, its holders added as copyright-holder parties.
pub(super) fn add_copyright(c: &mut Component, text: &str, at: Location) {
    let text = strip_text_markup(text).trim();
    if is_no_value(text) {
        return;
    }
    for holder in copyright::holders(text) {
        c.parties.push(Party::named(
            Role::CopyrightHolder,
            PartyKind::Unknown,
            Some(holder.into()),
            at.clone(),
        ));
    }
    c.details_mut().copyrights.push(Located::new(text.into(), at));
}

/// Converters sometimes carry tag-value's `<text>…</text>` into JSON; it is markup, not text.
fn strip_text_markup(text: &str) -> &str {
    let t = text.trim();
    t.strip_prefix("<text>")
        .and_then(|t| t.strip_suffix("</text>"))
        .unwrap_or(text)
}

pub(super) fn add_license(c: &mut Component, text: &str) {
    let text = strip_text_markup(text).trim();
    if !is_no_value(text) && !c.licenses.iter().any(|l| l == text) {
        c.licenses.push(text.into());
    }
}

pub(super) fn add_hash(c: &mut Component, alg: &str, value: &str) {
    if alg.trim().is_empty() || value.trim().is_empty() {
        return;
    }
    let hash = Hash::new(alg, value);
    if !c.hashes.contains(&hash) {
        c.hashes.push(hash);
    }
}

/// A download location or home page, unless `NOASSERTION`/`NONE`.
pub(super) fn located_value(text: &str, at: Location) -> Option<Located<CompactString>> {
    let text = text.trim();
    (!is_no_value(text)).then(|| Located::new(text.into(), at))
}

pub(super) fn add_homepage(c: &mut Component, text: &str, at: Location) {
    if let Some(url) = located_value(text, at) {
        c.details_mut().references.push(Located::new(
            Reference {
                kind: CompactString::const_new("homepage"),
                url: url.value,
            },
            url.at,
        ));
    }
}

/// A purl; one that does not parse is a warning, and the same purl twice is kept once.
pub(super) fn add_purl(b: &mut DocumentBuilder, c: &mut Component, text: &str, at: Location) {
    let text = text.trim();
    if c.purls.iter().any(|p| p.value.as_str() == text) {
        return;
    }
    match Purl::parse(text) {
        Ok(purl) => c.purls.push(Located::new(purl, at)),
        Err(e) => b.warn(
            WarningCode::InvalidPurl,
            Some(at),
            format!("`{text}` is not a valid purl ({e}); skipped"),
        ),
    }
}

pub(super) fn add_cpe(b: &mut DocumentBuilder, c: &mut Component, text: &str, at: Location) {
    let text = text.trim();
    if c.cpes.iter().any(|p| p.value.as_str() == text) {
        return;
    }
    match Cpe::parse(text) {
        Ok(cpe) => c.cpes.push(Located::new(cpe, at)),
        Err(e) => b.warn(
            WarningCode::InvalidCpe,
            Some(at),
            format!("`{text}` is not a valid CPE ({e}); skipped"),
        ),
    }
}

/// A package purpose in one spelling for every SPDX version and for CycloneDX: `LIBRARY`,
/// `OPERATING-SYSTEM` (2.3), `OPERATING_SYSTEM` (spdx-rs) and `operatingSystem` (3.0) become
/// `library` and `operating-system`, as CycloneDX names its component types.
pub(super) fn purpose(text: &str) -> Option<CompactString> {
    let text = text.trim();
    if is_no_value(text) {
        return None;
    }
    let mut out = CompactString::with_capacity(text.len() + 4);
    let mut previous_lower = false;
    for ch in text.chars() {
        if ch == '_' || ch == '-' || ch == ' ' {
            if !out.ends_with('-') {
                out.push('-');
            }
            previous_lower = false;
        } else if ch.is_uppercase() {
            if previous_lower {
                out.push('-');
            }
            out.extend(ch.to_lowercase());
            previous_lower = false;
        } else {
            out.push(ch);
            previous_lower = ch.is_lowercase() || ch.is_ascii_digit();
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(kind: ActorKind, name: Option<&str>, email: Option<&str>) -> Option<Actor> {
        Some(Actor {
            kind,
            name: name.map(str::to_string),
            email: email.map(str::to_string),
        })
    }

    #[test]
    fn suppliers_parse() {
        assert_eq!(
            parse_actor("Organization: Huawei Technologies Co., Ltd. (psirt@huawei.com)"),
            actor(
                ActorKind::Organization,
                Some("Huawei Technologies Co., Ltd."),
                Some("psirt@huawei.com")
            )
        );
        assert_eq!(
            parse_actor("Person: Jane Doe (jane@example.org)"),
            actor(ActorKind::Person, Some("Jane Doe"), Some("jane@example.org"))
        );
        assert_eq!(
            parse_actor("Organization: Debian Adduser Developers <adduser@packages.debian.org>"),
            actor(
                ActorKind::Organization,
                Some("Debian Adduser Developers"),
                Some("adduser@packages.debian.org")
            )
        );
        assert_eq!(
            parse_actor("Organization: ZTE Corporation"),
            actor(ActorKind::Organization, Some("ZTE Corporation"), None)
        );
        assert_eq!(
            parse_actor("Organization: Acme (Europe)"),
            actor(ActorKind::Organization, Some("Acme (Europe)"), None)
        );
        assert_eq!(
            parse_actor("Person: Jane Doe ()"),
            actor(ActorKind::Person, Some("Jane Doe"), None)
        );
        assert_eq!(
            parse_actor("Organization: (psirt@zte.com.cn)"),
            actor(ActorKind::Organization, None, Some("psirt@zte.com.cn"))
        );
        assert_eq!(parse_actor("Huawei"), actor(ActorKind::Unknown, Some("Huawei"), None));
        assert_eq!(parse_actor("NOASSERTION"), None);
        assert_eq!(parse_actor("Organization: NOASSERTION"), None);
        assert_eq!(parse_actor("  "), None);
        assert_eq!(parse_actor("Person: ()"), None);
    }

    #[test]
    fn noassertion_supplier_yields_no_party() {
        let mut c = Component::new(crate::model::Origin::Component, "x", Location::line(1));
        add_actor(&mut c, "NOASSERTION", Role::Supplier, Location::line(2));
        add_actor(
            &mut c,
            "Organization: ZTE Corporation",
            Role::Originator,
            Location::line(3),
        );
        assert_eq!(c.parties.len(), 1);
        assert_eq!(c.parties[0].role, Role::Originator);
        assert_eq!(c.parties[0].who.kind, PartyKind::Organization);
        assert_eq!(c.parties[0].at, Location::line(3));
    }

    #[test]
    fn tools_split_name_and_version() {
        let t = parse_tool("syft-0.105.1");
        assert_eq!((t.name.as_str(), t.version.as_deref()), ("syft", Some("0.105.1")));
        let t = parse_tool("scancode-toolkit 32.5.0");
        assert_eq!(
            (t.name.as_str(), t.version.as_deref()),
            ("scancode-toolkit", Some("32.5.0"))
        );
        let t = parse_tool("spdx-sbom-generator-v0.0.15");
        assert_eq!(
            (t.name.as_str(), t.version.as_deref()),
            ("spdx-sbom-generator", Some("v0.0.15"))
        );
        let t = parse_tool("trivy-dev");
        assert_eq!((t.name.as_str(), t.version), ("trivy-dev", None));
        let t = parse_tool("-1");
        assert_eq!((t.name.as_str(), t.version), ("-1", None));
    }

    #[test]
    fn relationship_types_map_with_inverses() {
        use RelationKind::*;
        assert_eq!(link_v2("DEPENDS_ON"), Some(Link::Edge(DependsOn, false)));
        assert_eq!(link_v2("RUNTIME_DEPENDENCY_OF"), Some(Link::Edge(DependsOn, true)));
        assert_eq!(link_v2("CONTAINED_BY"), Some(Link::Edge(Contains, true)));
        assert_eq!(link_v2("ANCESTOR_OF"), Some(Link::Edge(DerivedFrom, true)));
        assert_eq!(link_v2("VARIANT_OF"), Some(Link::Edge(VariantOf, false)));
        assert_eq!(link_v2("DEPENDENCY_MANIFEST_OF"), Some(Link::None));
        assert_eq!(link_v2("LIKES"), None);
    }

    #[test]
    fn inverse_relationships_turn_round() {
        let mut r = Spdx2::new("f", Encoding::TagValue);
        for (i, name) in ["SPDXRef-a", "SPDXRef-b"].iter().enumerate() {
            let mut c = Component::new(crate::model::Origin::Component, *name, Location::line(i as u32));
            c.bom_ref = Some((*name).into());
            r.b.add_component(c);
        }
        r.relationship("SPDXRef-a", "DEPENDENCY_OF", "SPDXRef-b", Location::line(5));
        r.relationship("SPDXRef-a", "CONTAINED_BY", "SPDXRef-b", Location::line(6));
        r.relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-b", Location::line(7));
        r.relationship("SPDXRef-a", "DEPENDS_ON", "NOASSERTION", Location::line(8));
        r.relationship("SPDXRef-a", "DEPENDS_ON", "DocumentRef-x:SPDXRef-c", Location::line(9));
        r.relationship("SPDXRef-a", "LIKES", "SPDXRef-b", Location::line(10));
        r.relationship("SPDXRef-a", "LIKES", "SPDXRef-b", Location::line(11));
        let part = r.finish();
        let edges: Vec<_> = part.relationships.iter().map(|e| (e.from.0, e.to.0, e.kind)).collect();
        assert_eq!(edges, [(1, 0, RelationKind::DependsOn), (1, 0, RelationKind::Contains)]);
        assert_eq!(part.document.describes, [crate::model::ComponentId(1)]);
        assert_eq!(part.warnings.len(), 1, "{:?}", part.warnings);
        assert_eq!(part.warnings[0].code, WarningCode::UnknownField);
    }

    #[test]
    fn purposes_normalise() {
        assert_eq!(purpose("LIBRARY").as_deref(), Some("library"));
        assert_eq!(purpose("OPERATING-SYSTEM").as_deref(), Some("operating-system"));
        assert_eq!(purpose("OPERATING_SYSTEM").as_deref(), Some("operating-system"));
        assert_eq!(purpose("operatingSystem").as_deref(), Some("operating-system"));
        assert_eq!(purpose("firmware").as_deref(), Some("firmware"));
        assert_eq!(purpose("NOASSERTION"), None);
    }
}
