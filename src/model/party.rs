//! Parties: the organisations and people an SBOM names, and the role each plays.

use super::Location;
use serde::Serialize;

/// What a party did for a component. The rule engine grades evidence by role: a supplier or
/// manufacturer *declares* a vendor, a copyright holder is weaker, a provider runs a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// CycloneDX `supplier`, SPDX `PackageSupplier` / 3.0 `suppliedBy`: who distributed it.
    Supplier,
    /// CycloneDX `manufacturer` (1.6+) and the deprecated `metadata.manufacture`: who made it.
    Manufacturer,
    /// CycloneDX `author`/`authors`; for documents, the people or organisations who wrote the SBOM.
    Author,
    /// CycloneDX `publisher`.
    Publisher,
    /// SPDX `PackageOriginator` / 3.0 `originatedBy`: where it originally came from.
    Originator,
    /// A holder named in a copyright statement on the component.
    CopyrightHolder,
    /// CycloneDX `services[].provider`.
    Provider,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Supplier => "supplier",
            Role::Manufacturer => "manufacturer",
            Role::Author => "author",
            Role::Publisher => "publisher",
            Role::Originator => "originator",
            Role::CopyrightHolder => "copyright-holder",
            Role::Provider => "provider",
        }
    }
}

/// Whether a party is an organisation or a person, when the document says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartyKind {
    Organization,
    Person,
    /// A bare string (CycloneDX `author`, `publisher`, a copyright holder) that does not say.
    Unknown,
}

/// One organisation or person in one role, with everything the document gives to identify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    pub role: Role,
    pub kind: PartyKind,
    /// The name as written. `None` when only a URL or an e-mail was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Names of contact people listed under an organisation (CycloneDX `contact[].name`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// Where the party was declared.
    pub at: Location,
}

impl Party {
    pub fn new(role: Role, kind: PartyKind, name: Option<String>, at: Location) -> Self {
        Party {
            role,
            kind,
            name,
            emails: Vec::new(),
            urls: Vec::new(),
            contacts: Vec::new(),
            at,
        }
    }

    /// Splits an e-mail address written into the name (`Santiago Vila <sanvila@debian.org>`,
    /// `ZTE Corporation (psirt@zte.com.cn)`, or a bare address) into `emails`, so names and
    /// e-mail domains can each be matched on their own. Every reader's parties pass through it.
    pub fn normalise(&mut self) {
        let Some(name) = self.name.as_deref() else { return };
        let trimmed = name.trim();
        let (rest, email) = match split_trailing_email(trimmed) {
            Some((rest, email)) => (rest.to_string(), Some(email.to_string())),
            None if is_email(trimmed) => (String::new(), Some(trimmed.to_string())),
            None => (trimmed.to_string(), None),
        };
        if let Some(email) = email {
            if !self.emails.iter().any(|e| e.eq_ignore_ascii_case(&email)) {
                self.emails.push(email);
            }
        }
        self.name = (!rest.is_empty()).then_some(rest);
    }

    /// True when the party carries nothing that could identify anyone.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.emails.is_empty() && self.urls.is_empty() && self.contacts.is_empty()
    }
}

/// `Name <a@b>` or `Name (a@b)` → (`Name`, `a@b`).
fn split_trailing_email(s: &str) -> Option<(&str, &str)> {
    let (open, close) = match s.chars().last()? {
        '>' => ('<', '>'),
        ')' => ('(', ')'),
        _ => return None,
    };
    let start = s.rfind(open)?;
    let inner = s[start + 1..s.len() - close.len_utf8()].trim();
    let inner = inner.strip_prefix("mailto:").unwrap_or(inner);
    is_email(inner).then(|| (s[..start].trim_end(), inner))
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | ','))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> Party {
        let mut p = Party::new(
            Role::Supplier,
            PartyKind::Organization,
            Some(name.to_string()),
            Location::line(1),
        );
        p.normalise();
        p
    }

    #[test]
    fn emails_in_names_are_split_out() {
        let p = named("Santiago Vila <sanvila@debian.org>");
        assert_eq!(p.name.as_deref(), Some("Santiago Vila"));
        assert_eq!(p.emails, ["sanvila@debian.org"]);
        let p = named("ZTE Corporation (psirt@zte.com.cn)");
        assert_eq!(p.name.as_deref(), Some("ZTE Corporation"));
        assert_eq!(p.emails, ["psirt@zte.com.cn"]);
        let p = named("security@huawei.com");
        assert_eq!(p.name, None);
        assert_eq!(p.emails, ["security@huawei.com"]);
    }

    #[test]
    fn other_names_are_left_alone() {
        for n in [
            "Huawei Technologies Co., Ltd.",
            "Example (Shenzhen) Ltd.",
            "A <not an email>",
            "x@y",
        ] {
            assert_eq!(named(n).name.as_deref(), Some(n));
        }
    }
}
