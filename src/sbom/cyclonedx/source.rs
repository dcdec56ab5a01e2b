//! The one view of a CycloneDX node that the field mapping needs, implemented once for JSON
//! ([`super::json::JsonNode`]) and once for XML ([`super::xml::XmlNode`]).
//!
//! The two encodings say the same things in different shapes: JSON `"bom-ref": "a"` is XML
//! `bom-ref="a"` (an attribute), JSON `"name": "x"` is `<name>x</name>` (a child element), JSON
//! `"hashes": [{"alg", "content"}]` is `<hashes><hash alg="…">hex</hash></hashes>`. Each method
//! below names one such shape, so [`super::mapping`] is written once and reads both.

use crate::model::{Located, Location};
use crate::sbom::builder::DocumentBuilder;
use compact_str::CompactString;

pub(super) trait Source: Sized {
    /// Where this node is: a JSON pointer, or an XML element path and line.
    fn at(&self) -> Location;

    /// The child object `key`: a JSON member, or the first XML child element of that name.
    fn child(&self, key: &str) -> Option<Self>;

    /// This node, if it is an object; JSON scalars and arrays are warned about and skipped.
    /// Every XML element can be read as an object.
    fn record(self, b: &mut DocumentBuilder) -> Option<Self>;

    /// A scalar field, trimmed and non-empty: a JSON member, or an XML attribute (`bom-ref`,
    /// `type`, `alg`, `name` on `<property>`) or else a child element's text (`<name>`).
    fn field(&self, key: &str, b: &mut DocumentBuilder) -> Option<Located<CompactString>>;

    /// The same, without its place, for values the model keeps without one (a name, a version):
    /// no location is built, which matters at 100,000 components.
    fn text(&self, key: &str, b: &mut DocumentBuilder) -> Option<CompactString>;

    /// This node's own scalar value, trimmed and non-empty: a JSON string (or number), or an
    /// XML element's text.
    fn scalar(&self, b: &mut DocumentBuilder) -> Option<CompactString>;

    /// The content of a value-carrying object: JSON member `key` (`content` of a hash, `value` of
    /// a property, `text` of a copyright), or the XML element's own text (`<hash>hex</hash>`).
    fn content(&self, key: &str, b: &mut DocumentBuilder) -> Option<CompactString>;

    /// True when this node can hold a list of entries: a JSON array; any XML element.
    fn is_list(&self) -> bool;

    /// This node's entries: JSON array elements, or the XML child elements named `item`.
    fn list(&self, item: &str, b: &mut DocumentBuilder) -> Vec<Self>;

    /// A field that repeats without a wrapper: a JSON array member `key` (a lone object reads as
    /// one entry, as 1.5 `evidence.identity` is written), or the XML child elements named `key`
    /// (`<url>` under a supplier, `<identity>` under evidence).
    fn repeated(&self, key: &str, b: &mut DocumentBuilder) -> Vec<Self>;

    /// The entries of a list whose items come in kinds, each with its kind's name: JSON
    /// `[{"license": {…}}, {"expression": "…"}]`, XML `<licenses><license/><expression/></licenses>`.
    fn choices(&self, key: &str, b: &mut DocumentBuilder) -> Vec<(CompactString, Self)>;

    /// The refs a dependency lists: JSON strings in the array member `json_key`, or the `ref`
    /// attributes of the XML child elements named `xml_item`.
    fn refs(&self, json_key: &str, xml_item: &str, b: &mut DocumentBuilder) -> Vec<Located<CompactString>>;

    /// [`Source::scalar`] with its place.
    fn value(&self, b: &mut DocumentBuilder) -> Option<Located<CompactString>> {
        self.scalar(b).map(|s| Located::new(s, self.at()))
    }

    /// The entries of a wrapped list: JSON `"key": [...]`, XML `<key><item/>…</key>`.
    fn items(&self, key: &str, item: &str, b: &mut DocumentBuilder) -> Vec<Self> {
        match self.child(key) {
            Some(list) => list.list(item, b),
            None => Vec::new(),
        }
    }

    /// The child `key`, which must be an object.
    fn object(&self, key: &str, b: &mut DocumentBuilder) -> Option<Self> {
        self.child(key)?.record(b)
    }
}
