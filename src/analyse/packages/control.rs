//! Paragraphs of `Name: value` fields with indented continuation lines: Debian control data
//! (deb822: dpkg and opkg status and control files) and e-mail style headers (Python's
//! `METADATA`/`PKG-INFO`). One parser, told what ends a paragraph; it borrows from the text and
//! skips what it cannot read.

use memchr::memchr;

use super::common::nonempty;

/// Fields kept per paragraph; a real one has a few dozen, the rest of a hostile one is ignored.
const MAX_FIELDS: usize = 1024;

/// What ends a paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Blank {
    /// A line of nothing but spaces and tabs (Debian Policy §5.1 lets parsers accept these).
    Whitespace,
    /// Only an empty line: in e-mail headers a line of spaces continues the previous field
    /// (setuptools writes a multi-line `License:` that way).
    Empty,
}

/// One field: its name, its value on the field's own line, and its continuation lines.
#[derive(Debug, Clone)]
pub(super) struct Field<'a> {
    pub name: &'a str,
    /// The text after the colon on the field's own line, trimmed.
    pub first: &'a str,
    /// The continuation lines as written (each starts with a space or tab), `""` when none.
    pub more: &'a str,
    /// 1-based line of the field's name.
    pub line: u32,
    more_from: usize,
}

/// One paragraph: its fields in order.
#[derive(Debug, Clone)]
pub(super) struct Paragraph<'a> {
    /// 1-based line of the paragraph's first field.
    pub line: u32,
    pub fields: Vec<Field<'a>>,
}

impl<'a> Paragraph<'a> {
    /// The first field of that name; names compare ASCII case-insensitively, as deb822 and
    /// e-mail headers define them.
    pub fn field(&self, name: &str) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Every field of that name, in order (`Project-URL`, `Classifier`).
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Field<'a>> + 's {
        self.fields.iter().filter(move |f| f.name.eq_ignore_ascii_case(name))
    }

    /// The first line of the named field's value, when not empty.
    pub fn value(&self, name: &str) -> Option<&'a str> {
        self.field(name).and_then(|f| nonempty(f.first))
    }

    /// Whether the package this paragraph describes is installed: the third word of `Status`
    /// (`install ok installed`, `hold ok installed`, opkg's `install user installed`) is
    /// `installed`. A paragraph without `Status` counts as `missing` says: a status database
    /// always writes one, a bare control file never does.
    pub fn installed(&self, missing: bool) -> bool {
        match self.field("Status") {
            None => missing,
            Some(f) => f.first.split_ascii_whitespace().nth(2) == Some("installed"),
        }
    }
}

/// The paragraphs of `text`, in order.
pub(super) struct Paragraphs<'a> {
    text: &'a str,
    pos: usize,
    /// Lines read so far.
    line: u32,
    blank: Blank,
}

impl<'a> Paragraphs<'a> {
    pub fn new(text: &'a str, blank: Blank) -> Self {
        Paragraphs {
            text,
            pos: 0,
            line: 0,
            blank,
        }
    }
}

/// A field name: printable ASCII without spaces or colons (deb822 §5.1 and RFC 5322 agree).
fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 128 && name.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b':')
}

impl<'a> Iterator for Paragraphs<'a> {
    type Item = Paragraph<'a>;

    fn next(&mut self) -> Option<Paragraph<'a>> {
        let text = self.text;
        let mut paragraph: Option<Paragraph<'a>> = None;
        while self.pos < text.len() {
            let start = self.pos;
            let end = memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
            self.pos = end + 1;
            self.line = self.line.saturating_add(1);
            let raw = &text[start..end];
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let blank = match self.blank {
                Blank::Whitespace => line.trim_matches([' ', '\t']).is_empty(),
                Blank::Empty => line.is_empty(),
            };
            if blank {
                if paragraph.is_some() {
                    return paragraph;
                }
                continue;
            }
            if line.starts_with([' ', '\t']) {
                // A continuation of the last field; before any field it is malformed.
                if let Some(field) = paragraph.as_mut().and_then(|p| p.fields.last_mut()) {
                    if field.more.is_empty() {
                        field.more_from = start;
                    }
                    field.more = &text[field.more_from..start + line.len()];
                }
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if !is_field_name(name) {
                continue;
            }
            let number = self.line;
            let p = paragraph.get_or_insert_with(|| Paragraph {
                line: number,
                fields: Vec::new(),
            });
            if p.fields.len() < MAX_FIELDS {
                p.fields.push(Field {
                    name,
                    first: value.trim(),
                    more: "",
                    line: number,
                    more_from: 0,
                });
            }
        }
        paragraph
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_fields_and_lines() {
        let text = "Package: a\r\nDescription: short\r\n long\r\n .\r\n more\r\n\r\n \t\nPackage: b\nnonsense line\n Status: x\n";
        let ps: Vec<_> = Paragraphs::new(text, Blank::Whitespace).collect();
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].line, 1);
        assert_eq!(ps[0].value("package"), Some("a"));
        let d = ps[0].field("Description").unwrap();
        assert_eq!(d.line, 2);
        assert_eq!(d.first, "short");
        assert_eq!(d.more, " long\r\n .\r\n more");
        assert_eq!(ps[1].line, 8);
        assert_eq!(ps[1].fields.len(), 1);
        // the continuation after a malformed line belongs to the last good field
        assert_eq!(ps[1].field("Package").unwrap().more, " Status: x");
    }

    #[test]
    fn email_headers_continue_over_space_lines() {
        let text = "Name: x\nLicense: Copyright\n        \n        Permission\nVersion: 1\n\nbody: not a header\n";
        let p = Paragraphs::new(text, Blank::Empty).next().unwrap();
        assert_eq!(p.value("Version"), Some("1"));
        assert_eq!(p.field("License").unwrap().more, "        \n        Permission");
    }

    #[test]
    fn installed_is_the_third_status_word() {
        fn p(s: &str) -> Paragraph<'_> {
            Paragraphs::new(s, Blank::Whitespace).next().unwrap()
        }
        assert!(p("Package: a\nStatus: install ok installed\n").installed(false));
        assert!(p("Package: a\nStatus: hold ok installed\n").installed(false));
        assert!(p("Package: a\nStatus: install user installed\n").installed(false));
        assert!(!p("Package: a\nStatus: deinstall ok config-files\n").installed(true));
        assert!(!p("Package: a\n").installed(false));
        assert!(p("Package: a\n").installed(true));
    }
}

/// The whole value of a field, continuation lines joined with spaces (`Depends` may be folded).
pub(super) fn whole(field: &Field<'_>) -> String {
    let mut out = field.first.to_owned();
    for line in field.more.lines() {
        out.push(' ');
        out.push_str(line.trim());
    }
    out
}

/// Relations as dpkg and opkg write them (Debian Policy §7.1): `,`-separated entries of
/// `|`-separated alternatives, each a name with an optional `:arch`, `(version)`, `[arch list]`
/// and `<profiles>`, which are left out. Names only; at most `max` entries.
pub(super) fn relations(value: &str, max: usize) -> Vec<Vec<String>> {
    value
        .split(',')
        .filter_map(|entry| {
            let alternatives: Vec<String> = entry.split('|').filter_map(relation_name).collect();
            (!alternatives.is_empty()).then_some(alternatives)
        })
        .take(max)
        .collect()
}

/// The package name of one relation: up to the first space, `(`, `[`, `<` or `:`.
fn relation_name(text: &str) -> Option<String> {
    let name = text.trim().split([' ', '\t', '(', '[', '<', ':']).next()?;
    let ok = !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_'));
    ok.then(|| name.to_owned())
}

#[cfg(test)]
mod relation_tests {
    use super::*;

    #[test]
    fn relations_drop_versions_and_qualifiers() {
        assert_eq!(
            relations(
                "libc6 (>= 2.36), libtinfo6 (>= 6), debianutils (>= 5.6-0.1) | foo:any [amd64] <!nocheck>",
                100
            ),
            vec![
                vec!["libc6".to_string()],
                vec!["libtinfo6".into()],
                vec!["debianutils".into(), "foo".into()]
            ]
        );
        assert_eq!(relations(" , (bad), ", 100), Vec::<Vec<String>>::new());
        assert_eq!(relations("a, b, c", 2).len(), 2);
    }
}
