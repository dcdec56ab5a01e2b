//! The CycloneDX 1.6 document as it is written: only the fields vendorscan fills, each already
//! checked against the schema. Serialised to JSON by serde (the derives below name the JSON
//! members) and to XML by [`super::xml`], which writes the same tree in the XSD's element order,
//! so the two encodings cannot say different things.

use serde::Serialize;
use std::borrow::Cow;

pub(super) const SPEC_VERSION: &str = "1.6";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Bom<'a> {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub bom_format: &'static str,
    pub spec_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    pub version: u32,
    pub metadata: Metadata<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Comp<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency<'a>>,
    /// The audit's findings (`audit -o cyclonedx`); JSON only, [`super::xml`] writes none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation<'a>>,
}

/// A finding in words, on its component.
#[derive(Serialize)]
pub(super) struct Annotation<'a> {
    #[serde(rename = "bom-ref")]
    pub bom_ref: String,
    pub subjects: Vec<&'a str>,
    pub annotator: Annotator<'a>,
    pub timestamp: &'a str,
    pub text: String,
}

/// The annotator: this program, as a component.
#[derive(Serialize)]
pub(super) struct Annotator<'a> {
    pub component: Tool<'a>,
}

#[derive(Serialize)]
pub(super) struct Metadata<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<&'a str>,
    pub tools: Tools<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<Box<Comp<'a>>>,
}

/// `metadata.tools` in the 1.5+ form: tools are components.
#[derive(Serialize)]
pub(super) struct Tools<'a> {
    pub components: [Tool<'a>; 1],
}

#[derive(Serialize)]
pub(super) struct Tool<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: &'a str,
    pub version: &'a str,
}

/// A component, in the JSON schema's member order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Comp<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Org<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<Org<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<Contact<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<&'a str>,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<HashOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<License<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copyright: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpe: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swid: Option<Swid<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pedigree: Option<Pedigree<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_references: Vec<ExternalReference<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Prop<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Comp<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence<'a>>,
}

/// An `organizationalEntity`: a supplier, manufacturer or service provider.
#[derive(Serialize)]
pub(super) struct Org<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub url: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<Contact<'a>>,
}

/// An `organizationalContact`: an author, or a contact of an organisation.
#[derive(Serialize)]
pub(super) struct Contact<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<&'a str>,
}

#[derive(Serialize)]
pub(super) struct HashOut {
    pub alg: &'static str,
    pub content: String,
}

/// One entry of `licenses`: a named licence, or the single SPDX expression the list may hold.
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum License<'a> {
    License(LicenseName<'a>),
    Expression(Cow<'a, str>),
}

#[derive(Serialize)]
pub(super) struct LicenseName<'a> {
    pub name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Swid<'a> {
    pub tag_id: &'a str,
    pub name: &'a str,
}

#[derive(Serialize, Default)]
pub(super) struct Pedigree<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<Comp<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub descendants: Vec<Comp<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Comp<'a>>,
}

impl Pedigree<'_> {
    pub fn is_empty(&self) -> bool {
        self.ancestors.is_empty() && self.descendants.is_empty() && self.variants.is_empty()
    }
}

#[derive(Serialize)]
pub(super) struct ExternalReference<'a> {
    pub url: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<&'a str>,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize)]
pub(super) struct Prop<'a> {
    pub name: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

#[derive(Serialize)]
pub(super) struct Evidence<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identity: Vec<IdentityEvidence<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub occurrences: Vec<Occurrence<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct IdentityEvidence<'a> {
    pub field: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concluded_value: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<Method>,
}

#[derive(Serialize)]
pub(super) struct Method {
    pub technique: &'static str,
    pub confidence: f64,
    pub value: String,
}

#[derive(Serialize)]
pub(super) struct Occurrence<'a> {
    pub location: &'a str,
}

/// A service, in the JSON schema's member order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Service<'a> {
    #[serde(rename = "bom-ref")]
    pub bom_ref: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Org<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<&'a str>,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<License<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_references: Vec<ExternalReference<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Prop<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Dependency<'a> {
    #[serde(rename = "ref")]
    pub bom_ref: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provides: Vec<&'a str>,
}
