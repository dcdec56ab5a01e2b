//! Upstream open-source code is not a vendor's product. A Linux module built in the kernel tree
//! of a distribution kernel, or a package the distribution itself maintains, can name an
//! excluded vendor (`MODULE_AUTHOR("Huawei Tech. Co., Ltd.")`, its copyright): that is code the
//! vendor contributed upstream, not its hardware or build. Evidence of the fields the context
//! caps is graded no stronger than the context says (review, with a note) — unless the same
//! target shows the vendor's hardware or build outside such a context (its device tree, its
//! signing certificate, an out-of-tree module of its own), which lifts the cap.
//!
//! Which facts make a context, which fields it caps and which fields show presence is data: the
//! `[upstream]` table of `grading.toml` (rules/README.md). The engine calls [`Upstream::cap`]
//! once per (component, entity) before the verdict is set.

use super::load::{line_of, RuleError, RuleSet};
use crate::model::{Component, EvidenceItem, Inventory, Strength};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::HashMap;
use toml::Spanned;

/// `[upstream]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamDef {
    /// Evidence fields that, found for the vendor's corporate group on a component outside any
    /// upstream context (or in one that does not cap that field), show its hardware or build
    /// is present in the target.
    #[serde(default)]
    pub presence: Vec<Spanned<String>>,
    #[serde(default)]
    pub context: Vec<ContextDef>,
}

/// `[[upstream.context]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextDef {
    pub id: Spanned<String>,
    /// What the component is, for notes: `upstream Linux module (intree=Y)`.
    pub label: String,
    /// The note a capped finding gets; `{vendor}` is the entity's name, `{label}` the label.
    pub note: String,
    /// The fields capped, and the strength they are capped at.
    pub cap: Vec<Spanned<String>>,
    pub strength: Strength,
    /// Every condition must hold.
    pub when: Vec<ConditionDef>,
}

/// One `[[upstream.context.when]]`: a property, a party or a purl of the component.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionDef {
    /// A property (a fact the analysers recorded: `module-intree`, `vermagic`) whose value
    /// matches one of `matches`.
    #[serde(default)]
    pub property: Option<String>,
    /// A party in this role (`supplier`: a package's maintainer) whose name matches one of
    /// `matches` or whose e-mail or URL is on one of `domains` (or a subdomain).
    #[serde(default)]
    pub party: Option<String>,
    /// Purl prefixes, type and namespace (`pkg:deb/debian`), matched at a segment boundary.
    #[serde(default)]
    pub purl: Vec<String>,
    /// Globs (`*`, `?`, `[0-9]`, `{a,b}`), case-insensitive.
    #[serde(default)]
    pub matches: Vec<String>,
    #[serde(default)]
    pub domains: Vec<String>,
}

/// The compiled `[upstream]` table.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub presence: Vec<String>,
    pub contexts: Vec<Context>,
}

#[derive(Debug, Clone)]
pub struct Context {
    pub id: String,
    pub label: String,
    pub note: String,
    pub cap: Vec<String>,
    pub strength: Strength,
    when: Vec<Condition>,
}

#[derive(Debug, Clone)]
enum Condition {
    Property {
        name: String,
        matches: GlobSet,
    },
    Party {
        role: String,
        matches: GlobSet,
        domains: Vec<String>,
    },
    Purl(Vec<String>),
}

/// Compiles `[upstream]` of one grading file; problems go to `errors` with the file and line.
pub fn compile(def: UpstreamDef, file: &str, text: &str, errors: &mut Vec<RuleError>) -> Rules {
    let mut err = |line: usize, message: String| {
        errors.push(RuleError {
            file: file.to_string(),
            line: Some(line),
            column: None,
            message,
        })
    };
    let field = |f: Spanned<String>, err: &mut dyn FnMut(usize, String)| {
        let line = line_of(text, f.span().start);
        let f = f.into_inner();
        if !super::check::KNOWN_FIELDS.contains(&f.as_str()) {
            err(line, format!("[upstream]: unknown evidence field `{f}`"));
        }
        f
    };
    let presence = def.presence.into_iter().map(|f| field(f, &mut err)).collect();
    let mut contexts = Vec::new();
    for c in def.context {
        let line = line_of(text, c.id.span().start);
        let cap = c.cap.into_iter().map(|f| field(f, &mut err)).collect();
        let mut when = Vec::new();
        for w in c.when {
            let mut globs = GlobSetBuilder::new();
            for m in &w.matches {
                match GlobBuilder::new(m).case_insensitive(true).build() {
                    Ok(g) => {
                        globs.add(g);
                    }
                    Err(e) => err(line, format!("[[upstream.context]] `{}`: {e}", c.id.get_ref())),
                }
            }
            let matches = globs.build().unwrap_or_else(|_| GlobSet::empty());
            let lower = |v: Vec<String>| v.into_iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
            when.push(match (w.property, w.party, w.purl.is_empty()) {
                (Some(name), None, true) => Condition::Property { name, matches },
                (None, Some(role), true) => Condition::Party {
                    role,
                    matches,
                    domains: lower(w.domains),
                },
                (None, None, false) => Condition::Purl(lower(w.purl)),
                _ => {
                    err(
                        line,
                        format!(
                            "[[upstream.context]] `{}`: each `when` names one of property, party or purl",
                            c.id.get_ref()
                        ),
                    );
                    continue;
                }
            });
        }
        contexts.push(Context {
            id: c.id.into_inner(),
            label: c.label,
            note: c.note,
            cap,
            strength: c.strength,
            when,
        });
    }
    Rules { presence, contexts }
}

impl Condition {
    fn holds(&self, c: &Component) -> bool {
        match self {
            Condition::Property { name, matches } => c
                .details()
                .properties
                .iter()
                .any(|p| p.value.name == name.as_str() && matches.is_match(p.value.value.as_str())),
            Condition::Party { role, matches, domains } => {
                c.parties.iter().filter(|p| p.role.as_str() == role).any(|p| {
                    p.who.name.as_deref().is_some_and(|n| matches.is_match(n))
                        || p.who.emails.iter().chain(&p.who.urls).any(|v| {
                            super::index::host_of(v).is_some_and(|h| {
                                let h = h.to_lowercase();
                                domains
                                    .iter()
                                    .any(|d| h == *d || h.strip_suffix(d.as_str()).is_some_and(|s| s.ends_with('.')))
                            })
                        })
                })
            }
            Condition::Purl(prefixes) => c.purls.iter().any(|p| {
                let purl = p.value.as_str().to_lowercase();
                prefixes.iter().any(|x| {
                    purl.strip_prefix(x.as_str())
                        .is_some_and(|rest| rest.starts_with(['/', '@', '?']))
                })
            }),
        }
    }
}

/// The upstream contexts of one inventory's components and where each vendor group is present.
pub struct Upstream<'r> {
    rules: &'r RuleSet,
    /// The context each component is in, by index into the rules' contexts.
    context: Vec<Option<usize>>,
    /// The document of each component.
    document: Vec<usize>,
    /// (document, corporate group) → the first evidence of presence, described.
    present: HashMap<(usize, usize), String>,
}

/// The root of an entity's corporate tree.
fn group(rules: &RuleSet, mut e: usize) -> usize {
    for _ in 0..rules.entities.len() {
        match rules.entities[e]
            .parent
            .as_deref()
            .and_then(|p| rules.entities.iter().position(|x| x.id == p))
        {
            Some(p) => e = p,
            None => break,
        }
    }
    e
}

impl<'r> Upstream<'r> {
    /// `direct[c]`: the (entity, evidence) each component's own values show.
    pub fn new(rules: &'r RuleSet, inventory: &Inventory, direct: &[Vec<(usize, EvidenceItem)>]) -> Self {
        let up = rules.upstream.as_ref();
        let context: Vec<Option<usize>> = inventory
            .components
            .iter()
            .map(|c| up.and_then(|u| u.contexts.iter().position(|x| x.when.iter().all(|w| w.holds(c)))))
            .collect();
        let mut present = HashMap::new();
        if let Some(u) = up {
            for (c, items) in direct.iter().enumerate() {
                let capped = |field: &str| context[c].is_some_and(|k| u.contexts[k].cap.iter().any(|f| f == field));
                for (e, item) in items {
                    if u.presence.contains(&item.field) && !capped(&item.field) {
                        present
                            .entry((inventory.components[c].document, group(rules, *e)))
                            .or_insert_with(|| format!("{} `{}` at {}", item.field, item.value, item.at));
                    }
                }
            }
        }
        Upstream {
            rules,
            context,
            document: inventory.components.iter().map(|c| c.document).collect(),
            present,
        }
    }

    /// Caps the evidence of component `c` for entity `e` when `c` is upstream code and the
    /// vendor's group shows no presence in the same target; returns the note that says which
    /// happened, `None` when no capped field is among the evidence.
    pub fn cap(&self, c: usize, e: usize, evidence: &mut [EvidenceItem]) -> Option<String> {
        let u = self.rules.upstream.as_ref()?;
        let ctx = &u.contexts[self.context.get(c).copied().flatten()?];
        if !evidence.iter().any(|i| ctx.cap.contains(&i.field)) {
            return None;
        }
        let entity = &self.rules.entities[e];
        if let Some(seen) = self.present.get(&(self.document[c], group(self.rules, e))) {
            return Some(format!(
                "{}, but {}'s hardware or build is present in this target: {seen}",
                ctx.label,
                self.rules.entities[group(self.rules, e)].id
            ));
        }
        for item in evidence.iter_mut().filter(|i| ctx.cap.contains(&i.field)) {
            item.strength = item.strength.min(ctx.strength);
        }
        Some(
            ctx.note
                .replace("{label}", &ctx.label)
                .replace("{vendor}", &entity.name),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::{engine, Date, Index};
    use crate::model::{
        Component, ComponentId, Document, Encoding, Format, Inventory, Located, Location, Origin, Party, PartyKind,
        Property, Purl, Role, Verdict,
    };

    fn file(inv: &mut Inventory, name: &str, properties: &[(&str, &str)], evidence: &[(&str, &str)]) -> ComponentId {
        let id = ComponentId::new(inv.components.len());
        let path = format!("fw.bin!/{name}");
        let mut c = Component::new(Origin::File, name, Location::file(&path, None, None));
        c.id = id;
        for (n, v) in properties {
            let at = c.at.clone();
            c.details_mut().properties.push(Located::new(
                Property {
                    name: (*n).into(),
                    value: (*v).into(),
                },
                at,
            ));
        }
        for (n, v) in evidence {
            c.details_mut().evidence.push(Located::new(
                Property {
                    name: (*n).into(),
                    value: (*v).into(),
                },
                Location::file(&path, Some(64), Some(".modinfo author".into())),
            ));
        }
        inv.components.push(c);
        inv.documents[0].component_count += 1;
        id
    }

    fn image() -> Inventory {
        let mut inv = Inventory::default();
        inv.documents
            .push(Document::new("fw.bin", Format::Image, Encoding::Binary));
        inv
    }

    fn verdicts(inv: &Inventory) -> Vec<(ComponentId, String, Verdict, Vec<String>)> {
        let rules = super::super::load(&[]).expect("bundled rules load");
        let opts = engine::AuditOptions {
            policies: Vec::new(),
            waivers: Vec::new(),
            waivers_file: String::new(),
            today: Date::parse("2026-11-28").unwrap(),
        };
        engine::audit(inv, &rules, &Index::new(&rules), &opts)
            .findings
            .into_iter()
            .filter(|f| f.path.is_empty())
            .map(|f| (f.component, f.entity, f.verdict, f.notes))
            .collect()
    }

    const HNS3: &[(&str, &str)] = &[
        ("module-intree", "Y"),
        ("vermagic", "6.1.0-50-arm64 SMP mod_unload modversions aarch64"),
    ];
    const AUTHOR: &[(&str, &str)] = &[("module-author", "Huawei Tech. Co., Ltd.")];
    const NOTE: &str =
        "upstream Linux module (intree=Y): authored by Huawei Technologies Co., Ltd.'s staff, not Huawei Technologies Co., Ltd.'s product";

    #[test]
    fn an_upstream_module_of_a_distribution_kernel_is_review_with_a_note() {
        let mut inv = image();
        let m = file(&mut inv, "hns3.ko", HNS3, AUTHOR);
        assert_eq!(
            verdicts(&inv),
            [(m, "huawei".into(), Verdict::Review, vec![NOTE.to_string()])]
        );
    }

    #[test]
    fn the_vendors_device_tree_in_the_same_target_keeps_it_excluded() {
        let mut inv = image();
        let m = file(&mut inv, "hns3.ko", HNS3, AUTHOR);
        let dt = file(
            &mut inv,
            "0x3001:fdt",
            &[],
            &[("dt-compatible", "hisilicon,hi3798cv200")],
        );
        let got = verdicts(&inv);
        assert_eq!(got[0].0, m);
        assert_eq!(got[0].2, Verdict::Excluded);
        assert_eq!(
            got[0].3,
            [
                "upstream Linux module (intree=Y), but huawei's hardware or build is present in this target: \
              dt-compatible `hisilicon,hi3798cv200` at fw.bin!/0x3001:fdt @0x40 (.modinfo author)"
            ]
        );
        assert_eq!(
            (got[1].0, got[1].1.as_str(), got[1].2),
            (dt, "hisilicon", Verdict::Excluded)
        );
        // another target's device tree does not count
        let mut inv = image();
        inv.documents
            .push(Document::new("other.bin", Format::Image, Encoding::Binary));
        file(&mut inv, "hns3.ko", HNS3, AUTHOR);
        file(
            &mut inv,
            "0x3001:fdt",
            &[],
            &[("dt-compatible", "hisilicon,hi3798cv200")],
        );
        inv.components[1].document = 1;
        assert_eq!(verdicts(&inv)[0].2, Verdict::Review);
    }

    #[test]
    fn out_of_tree_and_vendor_kernel_modules_stay_excluded() {
        for props in [
            &[("vermagic", "6.1.0-50-arm64 SMP mod_unload modversions aarch64")][..],
            &[("module-intree", "Y"), ("vermagic", "5.10.0 SMP mod_unload MIPS32_R2")][..],
        ] {
            let mut inv = image();
            file(
                &mut inv,
                "hi_wifi.ko",
                props,
                &[("module-author", "HiSilicon Technologies Co., Ltd.")],
            );
            let got = verdicts(&inv);
            assert_eq!(
                (got[0].1.as_str(), got[0].2),
                ("hisilicon", Verdict::Excluded),
                "{props:?}"
            );
            assert!(got[0].3.is_empty());
        }
        // and an out-of-tree module of the vendor is presence for the upstream one
        let mut inv = image();
        file(&mut inv, "hns3.ko", HNS3, AUTHOR);
        file(
            &mut inv,
            "hi_wifi.ko",
            &[],
            &[("module-author", "HiSilicon Technologies Co., Ltd.")],
        );
        assert_eq!(verdicts(&inv)[0].2, Verdict::Excluded);
    }

    #[test]
    fn a_distribution_package_with_the_vendors_copyright_is_review() {
        let mut inv = image();
        let id = file(&mut inv, "linux-image-6.1.0-50-arm64", &[], AUTHOR);
        let c = &mut inv.components[id.index()];
        c.purls.push(Located::new(
            Purl::parse("pkg:deb/debian/linux-image-6.1.0-50-arm64@6.1.176-1?arch=arm64").unwrap(),
            c.at.clone(),
        ));
        let mut maintainer = Party::named(
            Role::Supplier,
            PartyKind::Unknown,
            Some("Debian Kernel Team <debian-kernel@lists.debian.org>".into()),
            c.at.clone(),
        );
        maintainer.normalise();
        c.parties.push(maintainer);
        let at = c.at.clone();
        c.details_mut().evidence.push(Located::new(
            Property {
                name: "copyright-holder".into(),
                value: "Huawei Technologies Co., Ltd.".into(),
            },
            at,
        ));
        let got = verdicts(&inv);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].1.as_str(), got[0].2), ("huawei", Verdict::Review));
        assert_eq!(
            got[0].3,
            ["distribution package maintained by the distribution: Huawei Technologies Co., Ltd.'s code contributed \
              upstream, not Huawei Technologies Co., Ltd.'s product"]
        );
        // the same package maintained by someone else is not the distribution's
        inv.components[id.index()].parties.clear();
        assert_eq!(verdicts(&inv)[0].2, Verdict::Excluded);
    }
}
