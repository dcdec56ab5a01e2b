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

    /// True when the party carries nothing that could identify anyone.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.emails.is_empty() && self.urls.is_empty() && self.contacts.is_empty()
    }
}
