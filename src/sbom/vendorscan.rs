//! The `vendorscan:` vocabulary: what vendorscan's SBOM writers put where CycloneDX and SPDX have
//! no field of their own, and its readers read back, so that auditing a written SBOM grades the
//! same evidence as auditing the image it was written from (docs/sbom-properties.md).
//!
//! Two kinds of entry, each a name and a value: a CycloneDX `properties[]` entry, or an SPDX
//! annotation whose comment is `<name>: <value>`.
//!
//! - `vendorscan:evidence:<field>` — a graded value the binary analysers found (`module-author`,
//!   `cert-subject`, `dt-compatible`, `string`, …), read back into the component's evidence under
//!   the same field, so `rules/grading.toml` grades it alike. `vendorscan:evidence:<field>:<role>`
//!   says the writer also put the value into the format's own field for that role (`authors`,
//!   `publisher`, `manufacturer`, PackageOriginator, PackageSupplier, the copyright text): the
//!   reader then takes that party as this evidence, not as a party of its own.
//! - `vendorscan:party:<role>` — a party the format has no room for (a second supplier, an SPDX
//!   author), read back as a party in that role.
//!
//! Values are written readable and read back exactly: `%` and control characters, and the
//! characters that would end a part early, are percent-encoded.
//!
//! | entry | value |
//! |---|---|
//! | evidence | `VALUE @ PATH @0xOFFSET (PLACE)`: the value, then where in the image it was found (virtual path, byte offset and place in the file's structure, each when known) |
//! | party | `NAME <e-mail> [url]`, as many e-mails and URLs as the party has |

use crate::model::{Identity, Located, Location, Party, PartyKind, Property, Role};
use compact_str::CompactString;

/// The prefix of every name in the vocabulary.
pub const PREFIX: &str = "vendorscan:";
/// `vendorscan:evidence:<field>[:<role>]`.
pub const EVIDENCE: &str = "vendorscan:evidence:";
/// `vendorscan:party:<role>`.
pub const PARTY: &str = "vendorscan:party:";

/// What one `vendorscan:` entry says.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A graded value, and the role of the party the writer also wrote it as, if any.
    Evidence(Located<Property>, Option<Role>),
    Party(Party),
    /// A fact the analysers recorded (`vendorscan:module-intree`, `vendorscan:vermagic`), read
    /// back under its own name, as the assembly gave it, so what the rules read of a component's
    /// context (rules/grading.toml `[upstream]`) reads the same from the SBOM.
    Property(Located<Property>),
}

/// The roles by name, as [`Role::as_str`] spells them.
const ROLES: [Role; 7] = [
    Role::Supplier,
    Role::Manufacturer,
    Role::Author,
    Role::Publisher,
    Role::Originator,
    Role::CopyrightHolder,
    Role::Provider,
];

fn role_named(name: &str) -> Option<Role> {
    ROLES.into_iter().find(|r| r.as_str() == name)
}

/// The name of an evidence entry: the field, and the role of the party it was also written as.
pub fn evidence_name(field: &str, also: Option<Role>) -> String {
    match also {
        Some(role) => format!("{EVIDENCE}{field}:{}", role.as_str()),
        None => format!("{EVIDENCE}{field}"),
    }
}

/// The value of an evidence entry: `VALUE @ PATH @0xOFFSET (PLACE)` for a value found in a
/// walked file, the bare value for one read from a document (its place there is not kept).
pub fn evidence_value(value: &str, at: &Location) -> String {
    let mut out = encode(value, &[]);
    if let Location::File(place) = at {
        out.push_str(" @ ");
        out.push_str(&encode(&place.path, &['(']));
        if let Some(offset) = place.offset {
            out.push_str(&format!(" @0x{offset:x}"));
        }
        if let Some(what) = &place.place {
            out.push_str(" (");
            out.push_str(&encode(what, &[]));
            out.push(')');
        }
    }
    out
}

/// The value of a party entry: `NAME <e-mail> [url]`.
pub fn party_value(who: &Identity) -> String {
    let mut out = encode(who.name.as_deref().unwrap_or(""), &['<', '[']);
    for e in &who.emails {
        out.push_str(" <");
        out.push_str(&encode(e, &['>']));
        out.push('>');
    }
    for u in &who.urls {
        out.push_str(" [");
        out.push_str(&encode(u, &[']']));
        out.push(']');
    }
    out
}

/// Reads one entry; `None` for a name outside the vocabulary (a malformed evidence or party
/// name, another tool's property); `vendorscan:NAME` is the fact `NAME`. `at` is where the entry is in the SBOM:
/// the place of a party, and of evidence whose value names no place in an image.
pub fn read(name: &str, value: &str, at: Location) -> Option<Entry> {
    if let Some(rest) = name.strip_prefix(EVIDENCE) {
        let (field, also) = match rest.split_once(':') {
            Some((field, role)) => (field, Some(role_named(role)?)),
            None => (rest, None),
        };
        if field.is_empty() {
            return None;
        }
        let (value, at) = read_evidence(value, at);
        let property = Property {
            name: field.into(),
            value: value.into(),
        };
        return Some(Entry::Evidence(Located::new(property, at), also));
    }
    if let Some(role) = name.strip_prefix(PARTY) {
        let role = role_named(role)?;
        let who = read_party(value);
        return (!who.is_empty()).then(|| Entry::Party(Party::new(role, who, at)));
    }
    let fact = name
        .strip_prefix(PREFIX)
        .filter(|n| !n.is_empty() && !n.contains(':'))?;
    Some(Entry::Property(Located::new(
        Property {
            name: fact.into(),
            value: value.into(),
        },
        at,
    )))
}

fn read_evidence(text: &str, at: Location) -> (String, Location) {
    let Some(sep) = text.find(" @ ") else {
        return (decode(text), at);
    };
    let value = decode(&text[..sep]);
    let rest = &text[sep + 3..];
    let path_end = [rest.find(" @0x"), rest.find(" (")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    let path = decode(&rest[..path_end]);
    let mut rest = &rest[path_end..];
    let mut offset = None;
    if let Some(hex) = rest.strip_prefix(" @0x") {
        let end = hex.find(' ').unwrap_or(hex.len());
        offset = u64::from_str_radix(&hex[..end], 16).ok();
        rest = &hex[end..];
    }
    let place = rest.strip_prefix(" (").and_then(|p| p.strip_suffix(')')).map(decode);
    if path.is_empty() {
        return (value, at);
    }
    (value, Location::file(path, offset, place))
}

fn read_party(text: &str) -> Identity {
    let name_end = if text.starts_with(['<', '[']) {
        0
    } else {
        [text.find(" <"), text.find(" [")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(text.len())
    };
    let name = decode(text[..name_end].trim());
    let mut who = Identity::new(
        PartyKind::Unknown,
        (!name.is_empty()).then(|| CompactString::from(name)),
    );
    let mut rest = &text[name_end..];
    loop {
        rest = rest.trim_start();
        let (close, list) = match rest.chars().next() {
            Some('<') => ('>', &mut who.emails),
            Some('[') => (']', &mut who.urls),
            _ => break,
        };
        let Some(end) = rest.find(close) else { break };
        let item = decode(&rest[1..end]);
        if !item.is_empty() {
            list.push(item.into());
        }
        rest = &rest[end + 1..];
    }
    who
}

/// Percent-encodes `%`, control characters, `@` after a space (` @` separates the parts of an
/// evidence value) and the given characters when they follow a space or, for closing
/// brackets, anywhere.
fn encode(text: &str, also: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_space = false;
    for c in text.chars() {
        let special = c == '%'
            || c.is_control()
            || (after_space && c == '@')
            || (also.contains(&c) && (after_space || matches!(c, '>' | ']') || out.is_empty()));
        if special {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
        after_space = c == ' ';
    }
    out
}

/// Reverses [`encode`]: every `%XX` becomes its byte; anything else is kept as written.
fn decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a party read from a format's own field is the one the writer made from an evidence
/// value: the same role and the same identity as that value gives when read as a party.
pub fn is_written_from(party: &Party, role: Role, value: &str) -> bool {
    if party.role != role {
        return false;
    }
    let mut from_value = Party::named(role, party.who.kind, Some(value.trim().into()), party.at.clone());
    from_value.normalise();
    let mut read = party.clone();
    read.normalise();
    read.who.name == from_value.who.name && from_value.who.emails.iter().all(|e| read.who.emails.contains(e))
}

/// Takes the parties a writer made from evidence values out of a component's parties: for each
/// evidence entry written also as a party, the first party that [`is_written_from`] it.
pub fn take_written_parties(parties: &mut Vec<Party>, written: &[(Role, CompactString)]) {
    for (role, value) in written {
        if let Some(i) = parties.iter().position(|p| is_written_from(p, *role, value)) {
            parties.remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(value: &str, at: Location) -> (String, Location) {
        let text = evidence_value(value, &at);
        match read(&evidence_name("string", None), &text, Location::line(9)) {
            Some(Entry::Evidence(e, None)) => (e.value.value.to_string(), e.at),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn evidence_reads_back_with_its_place() {
        let at = Location::file(
            "fw.bin!/0x4003:squashfs!/lib/hi.ko",
            Some(0x56),
            Some(".modinfo author".into()),
        );
        let text = evidence_value("HiSilicon Technologies Co., Ltd.", &at);
        assert_eq!(
            text,
            "HiSilicon Technologies Co., Ltd. @ fw.bin!/0x4003:squashfs!/lib/hi.ko @0x56 (.modinfo author)"
        );
        assert_eq!(round("HiSilicon Technologies Co., Ltd.", at.clone()).1, at);
        // Values and paths that hold the separators, percent signs and line breaks.
        let odd = "a @ b @0x1 (c) 100% \r\n<x> [y] ";
        let at = Location::file(format!("d/{odd}"), None, Some(odd.into()));
        assert_eq!(round(odd, at.clone()), (odd.to_string(), at));
        let at = Location::file("p", Some(0), None);
        assert_eq!(round("v", at.clone()), ("v".to_string(), at));
        // Without a place in an image, the entry's own place.
        assert_eq!(
            round(" x @", Location::line(3)),
            (" x @".to_string(), Location::line(9))
        );
    }

    #[test]
    fn names_carry_the_field_and_the_role_written() {
        let name = evidence_name("module-author", Some(Role::Author));
        assert_eq!(name, "vendorscan:evidence:module-author:author");
        let Some(Entry::Evidence(e, also)) = read(&name, "x", Location::line(1)) else {
            panic!()
        };
        assert_eq!((e.value.name.as_str(), also), ("module-author", Some(Role::Author)));
        assert_eq!(read("vendorscan:evidence:x:nobody", "x", Location::line(1)), None);
        assert_eq!(
            read("vendorscan:arch", "x", Location::line(1)),
            Some(Entry::Property(Located::new(
                Property {
                    name: "arch".into(),
                    value: "x".into()
                },
                Location::line(1)
            )))
        );
        assert_eq!(read("cdx:arch", "x", Location::line(1)), None);
    }

    #[test]
    fn parties_read_back() {
        let mut who = Identity::new(PartyKind::Organization, Some("ZTE <Corp> [x]".into()));
        who.emails.push("psirt@zte.com.cn".into());
        who.urls.push("https://zte.com.cn/a]b".into());
        let text = party_value(&who);
        assert_eq!(text, "ZTE %3CCorp> %5Bx] <psirt@zte.com.cn> [https://zte.com.cn/a%5Db]");
        let Some(Entry::Party(p)) = read("vendorscan:party:supplier", &text, Location::line(1)) else {
            panic!()
        };
        assert_eq!(p.role, Role::Supplier);
        assert_eq!(p.who.name.as_deref(), Some("ZTE <Corp> [x]"));
        assert_eq!(p.who.emails, ["psirt@zte.com.cn"]);
        assert_eq!(p.who.urls, ["https://zte.com.cn/a]b"]);
        let Some(Entry::Party(p)) = read("vendorscan:party:author", " <a@b.c>", Location::line(1)) else {
            panic!()
        };
        assert_eq!((p.who.name.as_deref(), p.who.emails.len()), (None, 1));
    }

    #[test]
    fn written_parties_are_recognised() {
        let at = Location::line(1);
        let mut parties = vec![
            Party::named(
                Role::Supplier,
                PartyKind::Organization,
                Some("Dahua".into()),
                at.clone(),
            ),
            Party::named(
                Role::Author,
                PartyKind::Person,
                Some("Li Wei <li@hisilicon.com>".into()),
                at.clone(),
            ),
        ];
        take_written_parties(
            &mut parties,
            &[
                (Role::Author, "Li Wei <li@hisilicon.com>".into()),
                (Role::Publisher, "Dahua".into()),
            ],
        );
        assert_eq!(parties.len(), 1);
        assert_eq!(parties[0].role, Role::Supplier);
    }
}
