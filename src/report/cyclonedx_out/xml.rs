//! The CycloneDX tree of [`super::bom`] as XML in the 1.6 namespace, elements in the order the
//! XSD's sequences require. A small writer of its own: the output is a fixed shape, and every
//! string is escaped here, including the characters XML 1.0 cannot carry at all (most C0
//! controls, U+FFFE, U+FFFF), which become U+FFFD — text from firmware can hold any of them.

use super::bom::{
    Bom, Comp, Contact, Dependency, Evidence, ExternalReference, HashOut, License, Org, Pedigree, Prop, Service,
};
use std::io::{self, Write};

pub(super) const NAMESPACE: &str = "http://cyclonedx.org/schema/bom/1.6";

/// Writes elements with two-space indentation.
struct Xml<'w> {
    out: &'w mut dyn Write,
    depth: usize,
}

impl Xml<'_> {
    fn indent(&mut self) -> io::Result<()> {
        for _ in 0..self.depth {
            self.out.write_all(b"  ")?;
        }
        Ok(())
    }

    fn tag(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.out.write_all(b"<")?;
        self.out.write_all(name.as_bytes())?;
        for (key, value) in attrs {
            write!(self.out, " {key}=\"")?;
            escape(self.out, value, true)?;
            self.out.write_all(b"\"")?;
        }
        Ok(())
    }

    /// `<name attrs>` on a line of its own; children follow.
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.indent()?;
        self.tag(name, attrs)?;
        self.out.write_all(b">\n")?;
        self.depth += 1;
        Ok(())
    }

    fn close(&mut self, name: &str) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        self.indent()?;
        writeln!(self.out, "</{name}>")
    }

    /// `<name attrs>text</name>`.
    fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.indent()?;
        self.tag(name, attrs)?;
        self.out.write_all(b">")?;
        escape(self.out, text, false)?;
        writeln!(self.out, "</{name}>")
    }

    fn opt(&mut self, name: &str, text: Option<&str>) -> io::Result<()> {
        match text {
            Some(t) => self.text(name, &[], t),
            None => Ok(()),
        }
    }

    /// `<name attrs/>`.
    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.indent()?;
        self.tag(name, attrs)?;
        self.out.write_all(b"/>\n")
    }

    /// A wrapper element around a list, left out when the list is empty.
    fn list<T>(
        &mut self,
        name: &str,
        items: &[T],
        mut each: impl FnMut(&mut Self, &T) -> io::Result<()>,
    ) -> io::Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        self.open(name, &[])?;
        for item in items {
            each(self, item)?;
        }
        self.close(name)
    }
}

/// Escapes markup characters (and, in attributes, quotes and white space that attribute-value
/// normalisation would otherwise fold), replacing characters XML 1.0 does not allow.
fn escape(out: &mut dyn Write, s: &str, attribute: bool) -> io::Result<()> {
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let replacement: Option<&str> = match c {
            '&' => Some("&amp;"),
            '<' => Some("&lt;"),
            '>' => Some("&gt;"),
            '"' if attribute => Some("&quot;"),
            '\n' if attribute => Some("&#10;"),
            '\r' => Some("&#13;"),
            '\t' if attribute => Some("&#9;"),
            '\t' | '\n' => None,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => Some("\u{fffd}"),
            _ => None,
        };
        if let Some(r) = replacement {
            out.write_all(&s.as_bytes()[start..i])?;
            out.write_all(r.as_bytes())?;
            start = i + c.len_utf8();
        }
    }
    out.write_all(&s.as_bytes()[start..])
}

pub(super) fn write(bom: &Bom<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut x = Xml { out, depth: 0 };
    x.out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    let version = bom.version.to_string();
    let mut attrs = vec![("xmlns", NAMESPACE)];
    if let Some(serial) = &bom.serial_number {
        attrs.push(("serialNumber", serial));
    }
    attrs.push(("version", &version));
    x.open("bom", &attrs)?;

    x.open("metadata", &[])?;
    x.opt("timestamp", bom.metadata.timestamp)?;
    x.open("tools", &[])?;
    x.list("components", &bom.metadata.tools.components, |x, t| {
        x.open("component", &[("type", t.kind)])?;
        x.text("name", &[], t.name)?;
        x.text("version", &[], t.version)?;
        x.close("component")
    })?;
    x.close("tools")?;
    if let Some(root) = &bom.metadata.component {
        component(&mut x, root)?;
    }
    x.close("metadata")?;

    x.list("components", &bom.components, component)?;
    x.list("services", &bom.services, service)?;
    x.list("dependencies", &bom.dependencies, dependency)?;
    x.close("bom")
}

fn component(x: &mut Xml<'_>, c: &Comp<'_>) -> io::Result<()> {
    let mut attrs = vec![("type", c.kind)];
    if let Some(r) = c.bom_ref {
        attrs.push(("bom-ref", r));
    }
    x.open("component", &attrs)?;
    if let Some(o) = &c.supplier {
        org(x, "supplier", o)?;
    }
    if let Some(o) = &c.manufacturer {
        org(x, "manufacturer", o)?;
    }
    x.list("authors", &c.authors, |x, a| contact(x, "author", a))?;
    x.opt("publisher", c.publisher)?;
    x.opt("group", c.group)?;
    x.text("name", &[], c.name)?;
    x.opt("version", c.version)?;
    x.opt("description", c.description)?;
    x.list("hashes", &c.hashes, hash)?;
    licenses(x, &c.licenses)?;
    x.opt("copyright", c.copyright.as_deref())?;
    x.opt("cpe", c.cpe)?;
    x.opt("purl", c.purl.as_deref())?;
    if let Some(s) = &c.swid {
        x.empty("swid", &[("tagId", s.tag_id), ("name", s.name)])?;
    }
    if let Some(p) = &c.pedigree {
        pedigree(x, p)?;
    }
    x.list("externalReferences", &c.external_references, reference)?;
    x.list("properties", &c.properties, property)?;
    x.list("components", &c.components, component)?;
    if let Some(e) = &c.evidence {
        evidence(x, e)?;
    }
    x.close("component")
}

fn org(x: &mut Xml<'_>, name: &str, o: &Org<'_>) -> io::Result<()> {
    x.open(name, &[])?;
    x.opt("name", o.name)?;
    for url in &o.url {
        x.text("url", &[], url)?;
    }
    for c in &o.contact {
        contact(x, "contact", c)?;
    }
    x.close(name)
}

fn contact(x: &mut Xml<'_>, name: &str, c: &Contact<'_>) -> io::Result<()> {
    x.open(name, &[])?;
    x.opt("name", c.name)?;
    x.opt("email", c.email)?;
    x.close(name)
}

fn hash(x: &mut Xml<'_>, h: &HashOut) -> io::Result<()> {
    x.text("hash", &[("alg", h.alg)], &h.content)
}

fn licenses(x: &mut Xml<'_>, list: &[License<'_>]) -> io::Result<()> {
    x.list("licenses", list, |x, l| match l {
        License::Expression(e) => x.text("expression", &[], e),
        License::License(l) => {
            x.open("license", &[])?;
            x.text("name", &[], l.name)?;
            x.close("license")
        }
    })
}

fn pedigree(x: &mut Xml<'_>, p: &Pedigree<'_>) -> io::Result<()> {
    x.open("pedigree", &[])?;
    x.list("ancestors", &p.ancestors, component)?;
    x.list("descendants", &p.descendants, component)?;
    x.list("variants", &p.variants, component)?;
    x.close("pedigree")
}

fn reference(x: &mut Xml<'_>, r: &ExternalReference<'_>) -> io::Result<()> {
    x.open("reference", &[("type", r.kind)])?;
    x.text("url", &[], &r.url)?;
    x.opt("comment", r.comment)?;
    x.close("reference")
}

fn property(x: &mut Xml<'_>, p: &Prop<'_>) -> io::Result<()> {
    x.text("property", &[("name", &p.name)], &p.value)
}

fn evidence(x: &mut Xml<'_>, e: &Evidence<'_>) -> io::Result<()> {
    x.open("evidence", &[])?;
    for id in &e.identity {
        x.open("identity", &[])?;
        x.text("field", &[], id.field)?;
        if let Some(c) = id.confidence {
            x.text("confidence", &[], &c.to_string())?;
        }
        x.opt("concludedValue", id.concluded_value.as_deref())?;
        x.list("methods", &id.methods, |x, m| {
            x.open("method", &[])?;
            x.text("technique", &[], m.technique)?;
            x.text("confidence", &[], &m.confidence.to_string())?;
            x.text("value", &[], &m.value)?;
            x.close("method")
        })?;
        x.close("identity")?;
    }
    x.list("occurrences", &e.occurrences, |x, o| {
        x.open("occurrence", &[])?;
        x.text("location", &[], o.location)?;
        x.close("occurrence")
    })?;
    x.close("evidence")
}

fn service(x: &mut Xml<'_>, s: &Service<'_>) -> io::Result<()> {
    x.open("service", &[("bom-ref", s.bom_ref)])?;
    if let Some(o) = &s.provider {
        org(x, "provider", o)?;
    }
    x.opt("group", s.group)?;
    x.text("name", &[], s.name)?;
    x.opt("version", s.version)?;
    x.opt("description", s.description)?;
    x.list("endpoints", &s.endpoints, |x, e| x.text("endpoint", &[], e))?;
    licenses(x, &s.licenses)?;
    x.list("externalReferences", &s.external_references, reference)?;
    x.list("properties", &s.properties, property)?;
    x.list("services", &s.services, service)?;
    x.close("service")
}

fn dependency(x: &mut Xml<'_>, d: &Dependency<'_>) -> io::Result<()> {
    x.open("dependency", &[("ref", d.bom_ref)])?;
    for r in &d.depends_on {
        x.empty("dependency", &[("ref", r)])?;
    }
    for r in &d.provides {
        x.empty("provides", &[("ref", r)])?;
    }
    x.close("dependency")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str, attribute: bool) -> String {
        let mut out = Vec::new();
        escape(&mut out, s, attribute).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_is_escaped_and_made_legal() {
        assert_eq!(escaped("a<b>&c", false), "a&lt;b&gt;&amp;c");
        assert_eq!(escaped("l1\nl2\t\"q\"", false), "l1\nl2\t\"q\"");
        assert_eq!(escaped("l1\nl2\t\"q\"", true), "l1&#10;l2&#9;&quot;q&quot;");
        assert_eq!(escaped("\u{1}x\u{ffff}\r", false), "\u{fffd}x\u{fffd}&#13;");
        assert_eq!(escaped("华为", true), "华为");
    }
}
