//! Parties: the organisations and people an SBOM names, and the role each plays.

use super::Location;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What a party did for a component. The rule engine grades evidence by role: a supplier or
/// manufacturer *declares* a vendor, a copyright holder is weaker, a provider runs a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// Who an organisation or person is, with everything the document gives to identify them.
///
/// Shared: a large SBOM names the same few suppliers on thousands of components, so the
/// [`crate::sbom::builder::DocumentBuilder`] keeps one copy per document of each identity and
/// every [`Party`] naming it points there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Identity {
    pub kind: PartyKind,
    /// The name as written. `None` when only a URL or an e-mail was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<CompactString>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<CompactString>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<CompactString>,
    /// Names of contact people listed under an organisation (CycloneDX `contact[].name`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<CompactString>,
}

impl Identity {
    pub fn new(kind: PartyKind, name: Option<CompactString>) -> Self {
        Identity {
            kind,
            name,
            emails: Vec::new(),
            urls: Vec::new(),
            contacts: Vec::new(),
        }
    }

    /// True when it carries nothing that could identify anyone.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.emails.is_empty() && self.urls.is_empty() && self.contacts.is_empty()
    }

    /// The identity with an e-mail address written into the name (`Santiago Vila
    /// <sanvila@debian.org>`, `ZTE Corporation (psirt@zte.com.cn)`, or a bare address) split out
    /// into `emails`, so names and e-mail domains can each be matched on their own; `None` when
    /// there is nothing to change.
    fn normalised(&self) -> Option<Identity> {
        let name = self.name.as_deref()?;
        let trimmed = name.trim();
        let (rest, email) = match split_trailing_email(trimmed) {
            Some((rest, email)) => (rest, Some(email)),
            None if is_email(trimmed) => ("", Some(trimmed)),
            None => (trimmed, None),
        };
        if rest.len() == name.len() {
            return None;
        }
        let mut out = self.clone();
        if let Some(email) = email {
            if !out.emails.iter().any(|e| e.eq_ignore_ascii_case(email)) {
                // Exactly one more: an identity's lists hold one or two entries.
                out.emails.reserve_exact(1);
                out.emails.push(email.into());
            }
        }
        out.name = (!rest.is_empty()).then(|| rest.into());
        Some(out)
    }
}

/// One organisation or person in one role, declared at one place; serialised flat, as
/// `{role, kind, name?, emails?, urls?, contacts?, at}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    pub role: Role,
    #[serde(flatten)]
    pub who: Arc<Identity>,
    /// Where the party was declared.
    pub at: Location,
}

impl Party {
    pub fn new(role: Role, who: Identity, at: Location) -> Self {
        Party {
            role,
            who: Arc::new(who),
            at,
        }
    }

    /// A party known only by a name (or nothing that says more).
    pub fn named(role: Role, kind: PartyKind, name: Option<CompactString>, at: Location) -> Self {
        Party::new(role, Identity::new(kind, name), at)
    }

    /// Splits an e-mail address written into the name out into `emails` (see
    /// [`Identity::normalised`]). Every reader's parties pass through it.
    pub fn normalise(&mut self) {
        if let Some(normalised) = self.who.normalised() {
            self.who = Arc::new(normalised);
        }
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

    fn named(name: &str) -> Identity {
        let mut p = Party::named(
            Role::Supplier,
            PartyKind::Organization,
            Some(name.into()),
            Location::line(1),
        );
        p.normalise();
        Arc::unwrap_or_clone(p.who)
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
