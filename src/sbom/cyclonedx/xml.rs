//! CycloneDX XML, read with roxmltree under the DTD rule of [`crate::sbom::xml`] (no entity
//! declarations, so no entity bomb). roxmltree does not bound element nesting, so the mapping
//! bounds its own recursion ([`super::mapping::MAX_DEPTH`]).
//!
//! Elements are matched by local name in the document's CycloneDX namespace; elements of other
//! namespaces (extensions) are ignored, as unknown JSON members are.

use super::mapping::{self, Reader, Section};
use super::source::Source;
use crate::model::{Encoding, Located, Location};
use crate::sbom::builder::DocumentBuilder;
use crate::sbom::xml::LineIndex;
use crate::sbom::SbomError;
use compact_str::CompactString;

/// Every CycloneDX XML namespace is this followed by the spec version.
pub(super) const NAMESPACE_PREFIX: &str = "http://cyclonedx.org/schema/bom/";

/// What a successful read leaves for the conformance check: the reader, the text, and how deep
/// its elements nest (cyclonedx-bom's XML reader recurses without a limit of its own).
pub(super) struct XmlRead<'t> {
    pub(super) reader: Reader,
    pub(super) text: &'t str,
    pub(super) max_depth: usize,
}

pub(super) fn read<'t>(file: &str, bytes: &'t [u8]) -> Result<XmlRead<'t>, SbomError> {
    let (text, doc) = crate::sbom::xml::parse(file, bytes)?;
    let lines = LineIndex::new(text);
    let root = doc.root_element();
    let namespace = root.tag_name().namespace().unwrap_or("");
    let version = namespace.strip_prefix(NAMESPACE_PREFIX);
    let (Some(version), "bom") = (version, root.tag_name().name()) else {
        return Err(SbomError::Invalid {
            file: file.to_string(),
            place: SbomError::line_column(text.as_bytes(), root.range().start),
            what: "CycloneDX document",
            message: format!(
                "the root element is `{}` in namespace `{namespace}`, expected `bom` in `{NAMESPACE_PREFIX}<version>`",
                root.tag_name().name()
            ),
        });
    };
    let mut r = Reader::new(file, Encoding::Xml);
    let bom = XmlNode {
        node: root,
        path: "/bom".to_string(),
        namespace,
        lines: &lines,
    };
    let declared = Located::new(version.into(), bom.at());
    r.set_spec_version(Some(declared), &bom.at());
    r.b.document.serial = bom.field("serialNumber", &mut r.b).map(|s| s.value.into());
    if let Some(meta) = bom.object("metadata", &mut r.b) {
        mapping::metadata(&mut r, &meta);
    }
    for section in Section::ALL {
        for entry in bom.items(section.key(), section.item(), &mut r.b) {
            mapping::entry(&mut r, section, entry);
        }
    }
    Ok(XmlRead {
        reader: r,
        text,
        max_depth: max_depth(&doc),
    })
}

/// The deepest element nesting, counted without recursion: in document order a node's parent
/// comes first, so its depth is known when the node is reached.
fn max_depth(doc: &roxmltree::Document<'_>) -> usize {
    let mut depths = vec![0usize; doc.descendants().count()];
    let mut max = 0;
    for node in doc.descendants() {
        let parent = node
            .parent()
            .map_or(0, |p| depths.get(p.id().get_usize()).copied().unwrap_or(0));
        let depth = parent + usize::from(node.is_element());
        if let Some(slot) = depths.get_mut(node.id().get_usize()) {
            *slot = depth;
        }
        max = max.max(depth);
    }
    max
}

/// An element and the path that reaches it: list entries carry a 1-based index
/// (`component[3]`), single children none (`supplier`).
#[derive(Clone)]
pub(super) struct XmlNode<'a, 'input> {
    node: roxmltree::Node<'a, 'input>,
    path: String,
    namespace: &'a str,
    lines: &'a LineIndex,
}

impl<'a, 'input> XmlNode<'a, 'input> {
    fn is_ours(&self, n: &roxmltree::Node<'a, 'input>) -> bool {
        n.is_element() && n.tag_name().namespace() == Some(self.namespace)
    }

    fn elements(&self) -> impl Iterator<Item = roxmltree::Node<'a, 'input>> + '_ {
        self.node.children().filter(|n| self.is_ours(n))
    }

    fn with(&self, node: roxmltree::Node<'a, 'input>, path: String) -> Self {
        XmlNode {
            node,
            path,
            namespace: self.namespace,
            lines: self.lines,
        }
    }

    /// The child elements named `name`, indexed.
    fn named(&self, name: &str) -> Vec<Self> {
        self.elements()
            .filter(|n| n.tag_name().name() == name)
            .enumerate()
            .map(|(i, n)| self.with(n, format!("{}/{name}[{}]", self.path, i + 1)))
            .collect()
    }

    /// The element's text: its text and CDATA children, joined, trimmed.
    fn own_text(&self) -> Option<CompactString> {
        let mut out = CompactString::default();
        for t in self.node.children().filter(|n| n.is_text()).filter_map(|n| n.text()) {
            out.push_str(t);
        }
        let trimmed = out.trim();
        (!trimmed.is_empty()).then(|| trimmed.into())
    }
}

impl Source for XmlNode<'_, '_> {
    fn at(&self) -> Location {
        Location::xml(self.path.clone(), self.lines.line(self.node.range().start))
    }

    fn child(&self, key: &str) -> Option<Self> {
        let node = self.elements().find(|n| n.tag_name().name() == key)?;
        Some(self.with(node, format!("{}/{key}", self.path)))
    }

    fn record(self, _b: &mut DocumentBuilder) -> Option<Self> {
        Some(self)
    }

    /// An attribute is placed at its element; a child element at itself.
    fn field(&self, key: &str, b: &mut DocumentBuilder) -> Option<Located<CompactString>> {
        match self.node.attribute(key) {
            Some(_) => self.text(key, b).map(|v| Located::new(v, self.at())),
            None => self.child(key)?.value(b),
        }
    }

    fn text(&self, key: &str, _b: &mut DocumentBuilder) -> Option<CompactString> {
        if let Some(v) = self.node.attribute(key) {
            let v = v.trim();
            return (!v.is_empty()).then(|| v.into());
        }
        self.child(key)?.own_text()
    }

    fn scalar(&self, _b: &mut DocumentBuilder) -> Option<CompactString> {
        self.own_text()
    }

    fn content(&self, _key: &str, _b: &mut DocumentBuilder) -> Option<CompactString> {
        self.own_text()
    }

    fn is_list(&self) -> bool {
        true
    }

    fn list(&self, item: &str, _b: &mut DocumentBuilder) -> Vec<Self> {
        self.named(item)
    }

    fn repeated(&self, key: &str, _b: &mut DocumentBuilder) -> Vec<Self> {
        self.named(key)
    }

    fn choices(&self, key: &str, _b: &mut DocumentBuilder) -> Vec<(CompactString, Self)> {
        let Some(wrapper) = self.child(key) else {
            return Vec::new();
        };
        let mut seen: Vec<(&str, usize)> = Vec::new();
        let mut out = Vec::new();
        for n in wrapper.elements() {
            let kind = n.tag_name().name();
            let index = match seen.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, count)) => {
                    *count += 1;
                    *count
                }
                None => {
                    seen.push((kind, 1));
                    1
                }
            };
            let path = format!("{}/{kind}[{index}]", wrapper.path);
            out.push((kind.into(), wrapper.with(n, path)));
        }
        out
    }

    fn refs(&self, _json_key: &str, xml_item: &str, b: &mut DocumentBuilder) -> Vec<Located<CompactString>> {
        self.named(xml_item).iter().filter_map(|d| d.field("ref", b)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sbom::Place;

    fn read_ok(xml: &str) -> crate::model::InventoryPart {
        read("t.xml", xml.as_bytes()).unwrap().reader.finish()
    }

    #[test]
    fn billion_laughs_is_refused_with_a_place() {
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol9 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components><component type="library">
<name>&lol9;</name></component></components></bom>"#;
        let err = read("bomb.xml", bomb.as_bytes()).err().unwrap();
        match &err {
            SbomError::Syntax { place, .. } => assert_eq!(place, &Place::LineColumn { line: 2, column: 1 }),
            other => panic!("expected a syntax error, got {other:?}"),
        }
        assert!(err.to_string().starts_with("bomb.xml:2:1: XML with a DTD"), "{err}");
    }

    #[test]
    fn syntax_errors_and_bad_utf8_have_line_and_column() {
        let xml = "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\n  <components>\n  </component>\n</bom>";
        let err = read("t.xml", xml.as_bytes()).err().unwrap().to_string();
        assert_eq!(err, "t.xml:3:3: expected 'components' tag, not 'component'");
        let err = read("t.xml", b"<bom>\n\xff</bom>").err().unwrap().to_string();
        assert_eq!(err, "t.xml:2:1: invalid UTF-8 (byte 0xff)");
    }

    #[test]
    fn only_a_cyclonedx_bom_is_read() {
        let err = read("t.xml", b"<bom xmlns=\"urn:other\"/>").err().unwrap().to_string();
        assert!(
            err.starts_with(
                "t.xml:1:1: not a valid CycloneDX document: the root element is `bom` in namespace `urn:other`"
            ),
            "{err}"
        );
    }

    #[test]
    fn paths_have_indices_and_lines() {
        let part = read_ok(
            r#"<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" xmlns:x="urn:ext" serialNumber="urn:uuid:2">
  <components>
    <component type="library"><name>a</name></component>
    <x:component><name>extension, ignored</name></x:component>
    <component type="firmware" bom-ref="b">
      <name>b</name>
      <supplier><name>ZTE Corporation</name><url>https://www.zte.com.cn</url></supplier>
      <x:supplier><name>ignored</name></x:supplier>
    </component>
  </components>
</bom>"#,
        );
        assert_eq!(part.document.serial.as_deref(), Some("urn:uuid:2"));
        assert_eq!(part.components.len(), 2);
        let b = &part.components[1];
        assert_eq!(b.bom_ref.as_deref(), Some("b"));
        assert_eq!(b.kind.as_deref(), Some("firmware"));
        assert_eq!(b.parties.len(), 1);
        assert_eq!(b.parties[0].who.urls, ["https://www.zte.com.cn"]);
        assert_eq!(
            b.parties[0].at,
            Location::xml("/bom/components/component[2]/supplier".into(), 8)
        );
    }

    #[test]
    fn prefixed_elements_and_split_text_are_read() {
        let part = read_ok(
            "<cdx:bom xmlns:cdx=\"http://cyclonedx.org/schema/bom/1.5\">\n<cdx:components>\n\
             <cdx:component type=\"library\"><cdx:name>zlib</cdx:name>\
             <cdx:copyright>Copyright 1995 <!-- note -->Jean-loup Gailly</cdx:copyright>\
             </cdx:component></cdx:components></cdx:bom>",
        );
        let c = &part.components[0];
        assert_eq!(c.name, "zlib");
        assert_eq!(c.details().copyrights[0].value, "Copyright 1995 Jean-loup Gailly");
        assert_eq!(
            c.details().copyrights[0].at,
            Location::xml("/bom/components/component[1]/copyright".into(), 3)
        );
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let depth = 100_000;
        let open = "<components><component><name>x</name>".repeat(depth);
        let close = "</component></components>".repeat(depth);
        let xml = format!("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">{open}{close}</bom>");
        let read = read("deep.xml", xml.as_bytes()).unwrap();
        // bom, then components/component per level, then the innermost name
        assert_eq!(read.max_depth, 2 * depth + 2);
        let part = read.reader.finish();
        assert_eq!(part.components.len(), mapping::MAX_DEPTH + 1);
        assert_eq!(part.warnings.len(), 1);
        assert!(part.warnings[0].message.contains("deeper than 64 levels"));
    }
}
