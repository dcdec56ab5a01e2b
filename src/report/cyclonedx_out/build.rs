//! The inventory, placed by the [`Plan`], as the CycloneDX tree of [`super::bom`]: every field
//! mapped once here for both encodings.

use super::bom::{
    Bom, Comp, Contact, Dependency, Evidence, ExternalReference, HashOut, IdentityEvidence, License, LicenseName,
    Metadata, Method, Occurrence, Org, Pedigree, Prop, Service, Swid, Tool, Tools, SPEC_VERSION,
};
use super::plan::{Plan, Slot};
use crate::model::{Component, ComponentId, Identity, Inventory, Location, Origin, Role};
use crate::report::sbom_common::{
    copyright_text, cpe_binding, emails, first_party, iri, is_spdx_expression, maker, party_name, property_name,
    HashAlg,
};
use crate::report::ToolInfo;
use crate::sbom::vendorscan::{evidence_name, evidence_value, party_value, PARTY};
use compact_str::CompactString;
use std::borrow::Cow;

/// A package database or manifest in the image lists the package: its identity is read there,
/// not inferred.
const MANIFEST_CONFIDENCE: f64 = 1.0;

/// The longest `version` the schema allows (characters); a longer one is kept as a property.
const MAX_VERSION: usize = 1024;

/// The component types of CycloneDX 1.6.
const TYPES: [&str; 13] = [
    "application",
    "framework",
    "library",
    "container",
    "platform",
    "operating-system",
    "device",
    "device-driver",
    "firmware",
    "file",
    "machine-learning-model",
    "data",
    "cryptographic-asset",
];

/// The external reference types of CycloneDX 1.6.
const REFERENCE_TYPES: [&str; 44] = [
    "vcs",
    "issue-tracker",
    "website",
    "advisories",
    "bom",
    "mailing-list",
    "social",
    "chat",
    "documentation",
    "support",
    "source-distribution",
    "distribution",
    "distribution-intake",
    "license",
    "build-meta",
    "build-system",
    "release-notes",
    "security-contact",
    "model-card",
    "log",
    "configuration",
    "evidence",
    "formulation",
    "attestation",
    "threat-model",
    "adversary-model",
    "risk-assessment",
    "vulnerability-assertion",
    "exploitability-statement",
    "pentest-report",
    "static-analysis-report",
    "dynamic-analysis-report",
    "runtime-analysis-report",
    "component-analysis-report",
    "maturity-report",
    "certification-report",
    "codified-infrastructure",
    "quality-metrics",
    "poam",
    "electronic-signature",
    "digital-signature",
    "rfc-9116",
    "other",
    // SPDX's name for a project's website.
    "homepage",
];

/// The whole document, without its serial number (made from this content by the caller).
pub(super) fn bom<'a>(
    inv: &'a Inventory,
    plan: &'a Plan<'a>,
    tool: &'a ToolInfo,
    timestamp: Option<&'a str>,
) -> Bom<'a> {
    let mut components = Vec::new();
    let mut services = Vec::new();
    for &id in &plan.top {
        if inv.component(id).origin == Origin::Service {
            services.push(service(inv, plan, id));
        } else {
            components.push(component(inv, plan, id));
        }
    }
    let dependencies = (0..inv.components.len())
        .map(ComponentId::new)
        .filter(|id| !plan.depends_on[id.index()].is_empty() || !plan.provides[id.index()].is_empty())
        .map(|id| Dependency {
            bom_ref: plan.bom_ref(id),
            depends_on: plan.depends_on[id.index()].iter().map(|&t| plan.bom_ref(t)).collect(),
            provides: plan.provides[id.index()].iter().map(|&t| plan.bom_ref(t)).collect(),
        })
        .collect();
    Bom {
        schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
        bom_format: "CycloneDX",
        spec_version: SPEC_VERSION,
        serial_number: None,
        version: 1,
        metadata: Metadata {
            timestamp,
            tools: Tools {
                components: [Tool {
                    kind: "application",
                    name: tool.name,
                    version: tool.version,
                }],
            },
            component: plan.root.map(|id| Box::new(component(inv, plan, id))),
        },
        components,
        services,
        dependencies,
        annotations: Vec::new(),
    }
}

/// A component with what the plan nests in it: its parts, its pedigree, and copies of the
/// components it derives from that are written elsewhere.
fn component<'a>(inv: &'a Inventory, plan: &'a Plan<'a>, id: ComponentId) -> Comp<'a> {
    let mut out = fields(inv.component(id), Some(plan.bom_ref(id)));
    let mut pedigree = Pedigree::default();
    for &(child, slot) in &plan.children[id.index()] {
        let list = match slot {
            Slot::Components => &mut out.components,
            Slot::Ancestors => &mut pedigree.ancestors,
            Slot::Descendants => &mut pedigree.descendants,
            Slot::Variants => &mut pedigree.variants,
            // Services nest only in services (the plan places them so).
            Slot::Services => continue,
        };
        list.push(component(inv, plan, child));
    }
    for &(other, slot) in &plan.copies[id.index()] {
        let list = match slot {
            Slot::Variants => &mut pedigree.variants,
            _ => &mut pedigree.ancestors,
        };
        list.push(fields(inv.component(other), None));
    }
    if !pedigree.is_empty() {
        out.pedigree = Some(pedigree);
    }
    out
}

/// A component's own fields, without anything nested.
fn fields<'a>(c: &'a Component, bom_ref: Option<&'a str>) -> Comp<'a> {
    let d = c.details();
    let mut properties: Vec<Prop<'a>> = d
        .properties
        .iter()
        .map(|p| Prop {
            name: property_name(&p.value.name),
            value: Cow::Borrowed(&p.value.value),
        })
        .collect();
    let (kind, unmapped) = component_type(c);
    if let Some(kind) = unmapped {
        properties.push(prop("vendorscan:type", kind));
    }
    let version = version(c, &mut properties);
    let mut hashes = Vec::new();
    for h in &c.hashes {
        match HashAlg::of(&h.alg, &h.value).and_then(|a| a.cyclonedx) {
            Some(alg) => hashes.push(HashOut {
                alg,
                content: h.value.as_str().to_ascii_lowercase(),
            }),
            None => properties.push(Prop {
                name: Cow::Borrowed("vendorscan:hash"),
                value: Cow::Owned(format!("{}:{}", h.alg, h.value)),
            }),
        }
    }
    // The schema's XML form wants a URI: a purl written with spaces or a second `#` is
    // percent-encoded (the same purl), in both encodings alike.
    let purl = c.purls.first().and_then(|p| iri(p.value.as_str()));
    let cpe_index = c
        .cpes
        .iter()
        .position(|p| cpe_binding(p.value.as_str().trim()).is_some());
    let evidence = evidence(c, purl.clone(), cpe_index);
    let supplier = first_party(&c.parties, Role::Supplier);
    let maker = maker(&c.parties);
    let publisher = first_party(&c.parties, Role::Publisher);
    for p in &c.parties {
        let written = match p.role {
            Role::Supplier => supplier.is_some_and(|w| std::ptr::eq(w, &*p.who)),
            Role::Manufacturer | Role::Originator => maker.is_some_and(|w| std::ptr::eq(w, &*p.who)),
            Role::Publisher => publisher.is_some_and(|w| std::ptr::eq(w, &*p.who)),
            // Authors are a list; copyright holders are read again from the copyright text.
            Role::Author | Role::CopyrightHolder => true,
            Role::Provider => false,
        };
        if !written && !p.who.is_empty() {
            properties.push(Prop {
                name: Cow::Owned(format!("{PARTY}{}", p.role.as_str())),
                value: Cow::Owned(party_value(&p.who)),
            });
        }
    }
    let mut out = Comp {
        kind,
        bom_ref,
        supplier: supplier.and_then(org),
        manufacturer: maker.and_then(org),
        authors: c.parties_in(Role::Author).filter_map(|p| contact(&p.who)).collect(),
        publisher: publisher.and_then(display_name),
        group: d.group.as_ref().map(|g| g.value.as_str()),
        name: &c.name,
        version,
        description: d.description.as_deref(),
        hashes,
        licenses: licenses(&c.licenses),
        copyright: copyright_text(&d.copyrights),
        cpe: cpe_index.and_then(|i| c.cpes.get(i)).map(|p| p.value.as_str().trim()),
        purl,
        swid: d.swid.as_ref().map(|s| Swid {
            tag_id: &s.value.tag_id,
            name: &s.value.name,
        }),
        pedigree: None,
        external_references: references(c, false),
        properties,
        components: Vec::new(),
        evidence,
    };
    graded_evidence(c, &mut out);
    out
}

/// The values the binary analysers found, each as a `vendorscan:evidence:<field>` property that
/// vendorscan's reader grades again (docs/sbom-properties.md), and, where CycloneDX has a field
/// for who made the component, there too: a module's author in `authors`, a version resource's
/// company as the `manufacturer` and a signer as the `publisher` when the component names none,
/// a copyright holder in `copyright`. The property then names that field's role, so the reader
/// takes the party for this evidence rather than as a declaration of its own.
fn graded_evidence<'a>(c: &'a Component, out: &mut Comp<'a>) {
    let mut holders: Vec<String> = out
        .copyright
        .as_deref()
        .map(crate::copyright::holders)
        .unwrap_or_default();
    for e in &c.details().evidence {
        let value = e.value.value.trim();
        let also = match e.value.name.as_str() {
            _ if value.is_empty() => None,
            "module-author" => {
                out.authors.push(Contact {
                    name: Some(value),
                    email: None,
                });
                Some(Role::Author)
            }
            "pe-company" if out.manufacturer.is_none() => {
                out.manufacturer = Some(Org {
                    name: Some(value),
                    url: Vec::new(),
                    contact: Vec::new(),
                });
                Some(Role::Manufacturer)
            }
            "cert-subject" if out.publisher.is_none() => {
                out.publisher = Some(value);
                Some(Role::Publisher)
            }
            "copyright-holder" if !holders.iter().any(|h| h == value) => {
                let line = format!("Copyright {}", one_line(value));
                let text = out.copyright.get_or_insert_with(String::new);
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&line);
                holders.push(value.to_string());
                Some(Role::CopyrightHolder)
            }
            _ => None,
        };
        out.properties.push(Prop {
            name: Cow::Owned(evidence_name(&e.value.name, also)),
            value: Cow::Owned(evidence_value(&e.value.value, &e.at)),
        });
    }
}

/// Text on one line: control characters (line breaks included) become spaces.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The version, when it fits the schema's `version`; a longer one goes to the properties.
fn version<'a>(c: &'a Component, properties: &mut Vec<Prop<'a>>) -> Option<&'a str> {
    let v = c.version.as_deref()?;
    if v.chars().count() <= MAX_VERSION {
        Some(v)
    } else {
        properties.push(prop("vendorscan:version", v));
        None
    }
}

fn prop<'a>(name: &'static str, value: &'a str) -> Prop<'a> {
    Prop {
        name: Cow::Borrowed(name),
        value: Cow::Borrowed(value),
    }
}

/// The CycloneDX type, and the kind as the input named it when that is no CycloneDX type (an
/// SPDX purpose such as `archive`), which is then kept as a property. Without a usable kind:
/// `file` for files and snippets, `application` for the product, `library` for the rest.
fn component_type(c: &Component) -> (&'static str, Option<&str>) {
    let given = c.kind.as_deref().map(str::trim).filter(|k| !k.is_empty());
    if let Some(t) = given.and_then(|k| TYPES.iter().find(|t| t.eq_ignore_ascii_case(k))) {
        return (t, None);
    }
    let default = match c.origin {
        Origin::File | Origin::Snippet => "file",
        Origin::Metadata => "application",
        _ => "library",
    };
    (default, given)
}

/// An `organizationalEntity` from an identity: its name, URLs, and contacts (names and e-mails
/// paired in the order given). `None` when nothing of it fits the schema.
fn org(who: &Identity) -> Option<Org<'_>> {
    let mails: Vec<&str> = emails(who).collect();
    let n = who.contacts.len().max(mails.len());
    let contact = (0..n)
        .map(|i| Contact {
            name: who.contacts.get(i).map(CompactString::as_str),
            email: mails.get(i).copied(),
        })
        .collect();
    let org = Org {
        name: party_name(who),
        url: who.urls.iter().filter_map(|u| iri(u)).collect(),
        contact,
    };
    (org.name.is_some() || !org.url.is_empty() || !org.contact.is_empty()).then_some(org)
}

/// An `organizationalContact` for an author: the name and first e-mail.
fn contact(who: &Identity) -> Option<Contact<'_>> {
    let c = Contact {
        name: party_name(who),
        email: emails(who).next(),
    };
    (c.name.is_some() || c.email.is_some()).then_some(c)
}

/// A party as one string (the schema's `publisher`): its name, else its e-mail.
fn display_name(who: &Identity) -> Option<&str> {
    party_name(who).or_else(|| emails(who).next())
}

/// `licenses`: one SPDX expression when every licence is one (several joined with `AND`, as
/// the SPDX writer does); otherwise every licence as a named licence (the list cannot mix the
/// two, and a name is any text).
fn licenses(list: &[CompactString]) -> Vec<License<'_>> {
    let terms: Vec<&str> = list.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect();
    if let [one] = terms.as_slice() {
        if is_spdx_expression(one) {
            return vec![License::Expression(Cow::Borrowed(one))];
        }
    }
    if terms.len() > 1 && terms.iter().all(|t| is_spdx_expression(t)) {
        let joined: Vec<String> = terms
            .iter()
            .map(|t| {
                if t.contains(' ') {
                    format!("({t})")
                } else {
                    (*t).to_string()
                }
            })
            .collect();
        return vec![License::Expression(Cow::Owned(joined.join(" AND ")))];
    }
    terms
        .into_iter()
        .map(|name| License::License(LicenseName { name }))
        .collect()
}

/// `externalReferences` from the component's references and its download location. A type
/// CycloneDX does not have becomes `other`, with the input's name as the comment. For a
/// service, endpoints are listed apart and left out here.
fn references(c: &Component, service: bool) -> Vec<ExternalReference<'_>> {
    let d = c.details();
    let mut out: Vec<ExternalReference<'_>> = d
        .references
        .iter()
        .filter(|r| !(service && r.value.kind == "endpoint"))
        .filter_map(|r| {
            let given = r.value.kind.trim();
            let (kind, comment) = match REFERENCE_TYPES.iter().find(|t| t.eq_ignore_ascii_case(given)) {
                Some(&"homepage") => ("website", None),
                Some(t) => (*t, None),
                None => ("other", Some(given).filter(|g| !g.is_empty())),
            };
            Some(ExternalReference {
                url: iri(&r.value.url)?,
                comment,
                kind,
            })
        })
        .collect();
    if let Some(url) = d.download_location.as_ref().and_then(|l| iri(&l.value)) {
        out.push(ExternalReference {
            url,
            comment: None,
            kind: "distribution",
        });
    }
    out
}

/// `evidence`: how the component was identified, and where it was found.
///
/// - a purl or CPE read from a file in the image (a package database) is identity evidence by
///   `manifest-analysis`, the method's value naming the place;
/// - purls after the first and CPEs other than the one in `cpe` (CycloneDX has one field for
///   each) are concluded values of identity evidence, so no identifier is lost;
/// - the virtual paths of the component's files are its `occurrences`.
fn evidence<'a>(c: &'a Component, purl: Option<Cow<'a, str>>, cpe_index: Option<usize>) -> Option<Evidence<'a>> {
    let mut identity = Vec::new();
    for (i, p) in c.purls.iter().enumerate() {
        // The first purl as the `purl` field has it, so a reader sees one purl, not two.
        let value = match (i, &purl) {
            (0, Some(first)) => first.clone(),
            _ => Cow::Borrowed(p.value.as_str().trim()),
        };
        identity.extend(identifier("purl", value, &p.at, i == 0));
    }
    for (i, p) in c.cpes.iter().enumerate() {
        let value = Cow::Borrowed(p.value.as_str().trim());
        identity.extend(identifier("cpe", value, &p.at, Some(i) == cpe_index));
    }
    let d = c.details();
    let occurrences: Vec<Occurrence<'_>> = d
        .occurrences
        .iter()
        .map(|p| Occurrence { location: p.as_str() })
        .collect();
    (!identity.is_empty() || !occurrences.is_empty()).then_some(Evidence { identity, occurrences })
}

/// Identity evidence for one purl or CPE, when it says something the component's own field
/// does not: that it was read from a file, or that it is an extra identifier.
fn identifier<'a>(
    field: &'static str,
    value: Cow<'a, str>,
    at: &Location,
    primary: bool,
) -> Option<IdentityEvidence<'a>> {
    let from_file = matches!(at, Location::File(_));
    if primary && !from_file {
        return None;
    }
    let methods = if from_file {
        vec![Method {
            technique: "manifest-analysis",
            confidence: MANIFEST_CONFIDENCE,
            value: at.to_string(),
        }]
    } else {
        Vec::new()
    };
    Some(IdentityEvidence {
        field,
        confidence: from_file.then_some(MANIFEST_CONFIDENCE),
        concluded_value: Some(value),
        methods,
    })
}

/// A service with the services nested in it.
fn service<'a>(inv: &'a Inventory, plan: &'a Plan<'a>, id: ComponentId) -> Service<'a> {
    let c = inv.component(id);
    let d = c.details();
    let mut properties: Vec<Prop<'a>> = d
        .properties
        .iter()
        .map(|p| Prop {
            name: property_name(&p.value.name),
            value: Cow::Borrowed(&p.value.value),
        })
        .collect();
    for note in &plan.notes[id.index()] {
        properties.push(prop(note.name, plan.bom_ref(note.other)));
    }
    let version = version(c, &mut properties);
    let services = plan.children[id.index()]
        .iter()
        .filter(|(_, slot)| *slot == Slot::Services)
        .map(|&(child, _)| service(inv, plan, child))
        .collect();
    Service {
        bom_ref: plan.bom_ref(id),
        provider: first_party(&c.parties, Role::Provider)
            .or_else(|| first_party(&c.parties, Role::Supplier))
            .and_then(org),
        group: d.group.as_ref().map(|g| g.value.as_str()),
        name: &c.name,
        version,
        description: d.description.as_deref(),
        endpoints: d
            .references
            .iter()
            .filter(|r| r.value.kind == "endpoint")
            .filter_map(|r| iri(&r.value.url))
            .collect(),
        licenses: licenses(&c.licenses),
        external_references: references(c, true),
        properties,
        services,
    }
}
