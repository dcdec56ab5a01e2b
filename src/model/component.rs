//! Components: the parts a product is made of, as an SBOM lists them.

use super::parts::Parts;
use super::{Cpe, Located, Location, Party, Role};
use compact_str::CompactString;
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use std::fmt;

/// Index of a component in [`crate::model::Inventory::components`]; stable for one run and
/// used by relationships and by the JSON output. 32 bits: every edge holds two, and a run
/// reaches four billion components only with terabytes of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ComponentId(pub u32);

impl ComponentId {
    /// The id of the component at `index` in its list.
    pub fn new(index: usize) -> Self {
        ComponentId(u32::try_from(index).expect("fewer than 2^32 components in one run"))
    }

    /// The position of the component in its list.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Which part of the document a component was listed in. SBOMs list more than components:
/// the product itself, services, pedigree ancestors of a rebadged part, files and snippets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// CycloneDX `metadata.component`: the product the SBOM describes.
    Metadata,
    /// CycloneDX `components` (at any depth), SPDX 2 packages, SPDX 3 `software_Package`.
    Component,
    /// CycloneDX `services`.
    Service,
    /// CycloneDX `pedigree.ancestors` / `descendants` / `variants`.
    Pedigree,
    /// SPDX files (2.x `FileName`, 3.0 `software_File`).
    File,
    /// SPDX snippets.
    Snippet,
}

/// A package URL, as written and split into its parts; serialised as `{purl, type, namespace?,
/// name, version?}`. The parts share one string with the written form (see [`Parts`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Purl(Parts<4>);

/// Why a purl was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum PurlError {
    #[error(transparent)]
    Invalid(#[from] packageurl::Error),
    #[error("longer than 64 KiB")]
    TooLong,
}

impl Purl {
    /// Parses with the `packageurl` crate (percent-decoding, type rules).
    pub fn parse(input: &str) -> Result<Purl, PurlError> {
        let p: packageurl::PackageUrl<'_> = input.trim().parse()?;
        let parts = [Some(p.ty()), p.namespace(), Some(p.name()), p.version()];
        Parts::new(input, parts).map(Purl).ok_or(PurlError::TooLong)
    }

    /// The purl exactly as written.
    pub fn as_str(&self) -> &str {
        self.0.written()
    }

    pub fn ty(&self) -> &str {
        self.0.get(0).unwrap_or_default()
    }

    pub fn namespace(&self) -> Option<&str> {
        self.0.get(1)
    }

    pub fn name(&self) -> &str {
        self.0.get(2).unwrap_or_default()
    }

    pub fn version(&self) -> Option<&str> {
        self.0.get(3)
    }
}

impl fmt::Debug for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Purl")
            .field("purl", &self.as_str())
            .field("type", &self.ty())
            .field("namespace", &self.namespace())
            .field("name", &self.name())
            .field("version", &self.version())
            .finish()
    }
}

impl Serialize for Purl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Purl", 5)?;
        s.serialize_field("purl", self.as_str())?;
        s.serialize_field("type", self.ty())?;
        match self.namespace() {
            Some(namespace) => s.serialize_field("namespace", namespace)?,
            None => s.skip_field("namespace")?,
        }
        s.serialize_field("name", self.name())?;
        match self.version() {
            Some(version) => s.serialize_field("version", version)?,
            None => s.skip_field("version")?,
        }
        s.end()
    }
}

/// A checksum; the algorithm name is normalised (`SHA-256`, `SHA-1`, `MD5`, `SHA3-256`, …) and
/// the value lower-cased so the same digest compares equal whichever SBOM gave it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Hash {
    pub alg: CompactString,
    pub value: CompactString,
}

impl Hash {
    pub fn new(alg: &str, value: &str) -> Hash {
        Hash {
            alg: normalise_hash_alg(alg),
            value: value.trim().to_ascii_lowercase().into(),
        }
    }
}

/// `sha256`, `SHA256`, `SHA-256` all become `SHA-256`; `SHA3_256` becomes `SHA3-256`.
fn normalise_hash_alg(alg: &str) -> CompactString {
    let up = alg.trim().to_ascii_uppercase().replace('_', "-");
    for family in ["SHA3-", "SHA-", "BLAKE2B-", "BLAKE3", "MD", "ADLER"] {
        let bare = family.trim_end_matches('-');
        if up.starts_with(family) {
            return up.into();
        }
        if let Some(rest) = up.strip_prefix(bare) {
            if family.ends_with('-') && rest.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                return compact_str::format_compact!("{family}{rest}");
            }
            return up.into();
        }
    }
    up.into()
}

/// A URL the document gives for a component: CycloneDX `externalReferences`, SPDX
/// `PackageHomePage`, non-purl/CPE `ExternalRef`s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// The reference type as the document names it (`website`, `vcs`, `homepage`, …).
    #[serde(rename = "type")]
    pub kind: CompactString,
    pub url: CompactString,
}

/// A free-form name/value pair (CycloneDX `properties`, SPDX 3 extension data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Property {
    pub name: CompactString,
    pub value: CompactString,
}

/// A SWID tag reference (CycloneDX `swid`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Swid {
    pub tag_id: CompactString,
    pub name: CompactString,
}

/// The less common facts about a component. Boxed: most components in a large SBOM have none
/// of them, and a component's inline size sets the memory of a 100,000-component inventory.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Details {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Located<CompactString>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<CompactString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swid: Option<Located<Swid>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_location: Option<Located<CompactString>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Located<Reference>>,
    /// Copyright statements as written (component `copyright`, `evidence.copyright`, SPDX
    /// copyright text). Their holders also appear in `parties` as copyright holders.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub copyrights: Vec<Located<CompactString>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Located<Property>>,
    /// Graded values the binary analysers found in the component's files: `name` is the
    /// evidence field (`module-author`, `cert-subject`, `dt-compatible`, …), located in the file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Located<Property>>,
    /// Virtual paths of the walked files that make up the component (a package's installed
    /// files, or the one file a file component is).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub occurrences: Vec<CompactString>,
}

/// One part of a product, with everything the SBOM says about who made and supplied it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    pub id: ComponentId,
    /// Index of the document (in [`crate::model::Inventory::documents`]) that listed it.
    pub document: usize,
    pub origin: Origin,
    /// The document's own identifier: CycloneDX `bom-ref`, SPDX `SPDXID` / `spdxId`.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<CompactString>,
    /// CycloneDX `type`; SPDX `PrimaryPackagePurpose` / `software_primaryPurpose`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CompactString>,
    pub name: CompactString,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<CompactString>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub purls: Vec<Located<Purl>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<Located<Cpe>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    /// Licence ids, names or expressions, as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<CompactString>,
    /// What fewer components carry, kept out of line so a large inventory stays small.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub details: Option<Box<Details>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    /// Where the component itself is declared.
    pub at: Location,
}

impl Component {
    /// A component with only its name and place filled in; readers add the rest.
    pub fn new(origin: Origin, name: impl Into<CompactString>, at: Location) -> Self {
        Component {
            id: ComponentId(0),
            document: 0,
            origin,
            bom_ref: None,
            kind: None,
            name: name.into(),
            version: None,
            purls: Vec::new(),
            cpes: Vec::new(),
            hashes: Vec::new(),
            licenses: Vec::new(),
            details: None,
            parties: Vec::new(),
            at,
        }
    }

    /// The less common facts, if any were given.
    pub fn details(&self) -> &Details {
        static NONE: std::sync::OnceLock<Details> = std::sync::OnceLock::new();
        self.details
            .as_deref()
            .unwrap_or_else(|| NONE.get_or_init(Details::default))
    }

    /// The less common facts, to fill in (created on first use).
    pub fn details_mut(&mut self) -> &mut Details {
        self.details.get_or_insert_with(Box::default)
    }

    /// The parties in one role, in document order.
    pub fn parties_in(&self, role: Role) -> impl Iterator<Item = &Party> {
        self.parties.iter().filter(move |p| p.role == role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_algorithms_normalise() {
        assert_eq!(Hash::new("sha256", "AB").alg, "SHA-256");
        assert_eq!(Hash::new("SHA-256", "ab").value, "ab");
        assert_eq!(Hash::new("SHA1", "x").alg, "SHA-1");
        assert_eq!(Hash::new("SHA3_512", "x").alg, "SHA3-512");
        assert_eq!(Hash::new("MD5", "x").alg, "MD5");
        assert_eq!(Hash::new("BLAKE3", "x").alg, "BLAKE3");
        assert_eq!(Hash::new("BLAKE2b-256", "x").alg, "BLAKE2B-256");
    }

    #[test]
    fn purls_split_into_parts() {
        let p = Purl::parse("pkg:npm/%40huaweicloud/huaweicloud-sdk-core@3.1.0").unwrap();
        assert_eq!(p.as_str(), "pkg:npm/%40huaweicloud/huaweicloud-sdk-core@3.1.0");
        assert_eq!(p.ty(), "npm");
        assert_eq!(p.namespace(), Some("@huaweicloud"));
        assert_eq!(p.name(), "huaweicloud-sdk-core");
        assert_eq!(p.version(), Some("3.1.0"));
        assert!(Purl::parse("not a purl").is_err());
    }
}
