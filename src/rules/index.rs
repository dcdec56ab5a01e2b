//! Lookup tables built once from a rule set, so matching a whole inventory is hashed lookups,
//! not a loop over rules: names by their normalised token runs, domains by registered suffix,
//! purls by type then namespace segments, CPE vendors and hashes by value.

use super::load::RuleSet;
use super::normalise;
use crate::model::Purl;
use std::collections::HashMap;

/// A purl pattern from rule data: `pkg:TYPE/SEG[/SEG…]`, the last segment optionally ending in
/// `*` (a name prefix). Segments compare case-insensitively; without `*` the last segment also
/// matches a dotted child (`com.huaweicloud.sdk` matches `com.huaweicloud.sdk.core`), never a
/// longer word (`com.huaweicloud.sdkx`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurlPattern {
    pub ty: String,
    pub segments: Vec<String>,
    pub prefix: bool,
}

impl PurlPattern {
    pub fn parse(pattern: &str) -> Option<PurlPattern> {
        let rest = pattern.strip_prefix("pkg:")?;
        let (ty, path) = rest.split_once('/')?;
        let (path, prefix) = match path.strip_suffix('*') {
            Some(p) => (p, true),
            None => (path, false),
        };
        let segments: Vec<String> = path.split('/').map(|s| s.to_lowercase()).collect();
        if ty.is_empty() || segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        Some(PurlPattern {
            ty: ty.to_lowercase(),
            segments,
            prefix,
        })
    }

    pub fn matches(&self, purl: &Purl) -> bool {
        if !purl.ty().eq_ignore_ascii_case(&self.ty) {
            return false;
        }
        let mut have: Vec<String> = purl
            .namespace()
            .into_iter()
            .flat_map(|ns| ns.split('/'))
            .map(str::to_lowercase)
            .collect();
        have.push(purl.name().to_lowercase());
        if have.len() < self.segments.len() {
            return false;
        }
        let last = self.segments.len() - 1;
        self.segments.iter().zip(&have).enumerate().all(|(i, (want, got))| {
            if i < last {
                want == got
            } else if self.prefix {
                got.starts_with(want.as_str())
            } else {
                got == want || (got.starts_with(want.as_str()) && got[want.len()..].starts_with('.'))
            }
        })
    }
}

const SEP: char = '\u{1f}';

/// One lookup's answer: the entity, and the rule identifier that matched it as the rules write
/// it (the name or alias, domain, purl pattern, CPE vendor, `usb:`/`pci:` id, device-tree
/// prefix, IEEE assignment, hash), so a finding can say which rule it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit<'a> {
    pub entity: usize,
    pub rule: &'a str,
}

/// Per key: every entity it names, with the rule identifier as written (the first one, when two
/// of an entity's identifiers normalise to the same key).
type Table = HashMap<String, Vec<(usize, String)>>;

/// A name, alias or certificate organisation of an entity, with all its tokens.
struct NameRule {
    entity: usize,
    rule: String,
    full: Vec<String>,
}

pub struct Index {
    /// Core-token runs (joined by U+001F) → the names, aliases and certificate O= they are (names
    /// differing only in corporate suffixes share a run).
    names: HashMap<String, Vec<NameRule>>,
    longest_name: usize,
    /// Per entity: look-alike phrases (full tokens) that veto a name match.
    nots: Vec<Vec<Vec<String>>>,
    domains: Table,
    /// Per purl type: (pattern, entity, the pattern as written).
    purls: HashMap<String, Vec<(PurlPattern, usize, String)>>,
    cpe_vendors: Table,
    sha256: Table,
    /// `usb:12d1`, `pci:19e5` (lower-case hex) → entities.
    hardware_ids: Table,
    /// Device-tree vendor prefixes (`hisilicon`) → entities.
    dt_prefixes: Table,
    /// IEEE assignments (6, 7 or 9 lower-case hex digits) → entities.
    ouis: Table,
    /// Firmware format names (`huawei-hwnp`) → entities.
    firmware_formats: Table,
}

fn push(map: &mut Table, key: String, entity: usize, rule: &str) {
    let v = map.entry(key).or_default();
    if !v.iter().any(|(e, _)| *e == entity) {
        v.push((entity, rule.to_string()));
    }
}

/// The hits of one table entry.
fn hits<'a>(entry: Option<&'a Vec<(usize, String)>>) -> Vec<Hit<'a>> {
    entry
        .into_iter()
        .flatten()
        .map(|(entity, rule)| Hit { entity: *entity, rule })
        .collect()
}

/// Adds hits not already there (by entity: the first rule to name an entity is kept).
fn extend<'a>(out: &mut Vec<Hit<'a>>, more: impl IntoIterator<Item = Hit<'a>>) {
    for h in more {
        if !out.iter().any(|o| o.entity == h.entity) {
            out.push(h);
        }
    }
}

impl Index {
    pub fn new(rules: &RuleSet) -> Index {
        let mut index = Index {
            names: HashMap::new(),
            longest_name: 0,
            nots: Vec::with_capacity(rules.entities.len()),
            domains: HashMap::new(),
            purls: HashMap::new(),
            cpe_vendors: HashMap::new(),
            sha256: HashMap::new(),
            hardware_ids: HashMap::new(),
            dt_prefixes: HashMap::new(),
            ouis: HashMap::new(),
            firmware_formats: HashMap::new(),
        };
        for (i, e) in rules.entities.iter().enumerate() {
            for name in std::iter::once(&e.name)
                .chain(&e.aliases)
                .chain(&e.identifiers.cert_orgs)
            {
                let core = normalise::core(name);
                if core.is_empty() {
                    continue;
                }
                index.longest_name = index.longest_name.max(core.len());
                index
                    .names
                    .entry(core.join(&SEP.to_string()))
                    .or_default()
                    .push(NameRule {
                        entity: i,
                        rule: name.clone(),
                        full: normalise::full(name),
                    });
            }
            index.nots.push(
                e.not
                    .iter()
                    .map(|n| normalise::full(n))
                    .filter(|t| !t.is_empty())
                    .collect(),
            );
            for d in &e.identifiers.domains {
                push(&mut index.domains, d.trim_end_matches('.').to_lowercase(), i, d);
            }
            for p in &e.identifiers.purls {
                if let Some(pat) = PurlPattern::parse(p) {
                    index.purls.entry(pat.ty.clone()).or_default().push((pat, i, p.clone()));
                }
            }
            for v in &e.identifiers.cpe_vendors {
                push(&mut index.cpe_vendors, v.to_lowercase(), i, v);
            }
            for h in &e.identifiers.sha256 {
                push(&mut index.sha256, h.to_lowercase(), i, h);
            }
            for id in &e.identifiers.usb_vendor_ids {
                push(
                    &mut index.hardware_ids,
                    format!("usb:{}", id.to_lowercase()),
                    i,
                    &format!("usb:{id}"),
                );
            }
            for id in &e.identifiers.pci_vendor_ids {
                push(
                    &mut index.hardware_ids,
                    format!("pci:{}", id.to_lowercase()),
                    i,
                    &format!("pci:{id}"),
                );
            }
            for p in &e.identifiers.dt_prefixes {
                push(&mut index.dt_prefixes, p.to_lowercase(), i, p);
            }
            for f in &e.identifiers.firmware_formats {
                push(&mut index.firmware_formats, f.name.to_string(), i, f.name.as_ref());
            }
        }
        for r in &rules.registrants {
            if let Some(i) = rules.entities.iter().position(|e| e.id == r.entity) {
                for a in &r.assignments {
                    push(&mut index.ouis, a.to_lowercase(), i, a);
                }
            }
        }
        index
    }

    /// Entities whose USB or PCI vendor id a hardware id names: `usb:12d1`, `pci:19e5`.
    pub fn match_hardware_id(&self, id: &str) -> Vec<Hit<'_>> {
        hits(self.hardware_ids.get(&id.to_lowercase()))
    }

    /// Entities whose device-tree prefix a `compatible` string carries: `hisilicon,hi3798cv200`.
    pub fn match_dt_compatible(&self, compatible: &str) -> Vec<Hit<'_>> {
        hits(
            compatible
                .split_once(',')
                .and_then(|(prefix, _)| self.dt_prefixes.get(&prefix.trim().to_lowercase())),
        )
    }

    /// Entities an IEEE assignment of the MAC address belongs to (`00:e0:fc:12:34:56`, any
    /// separators): MA-L (24 bits), MA-M (28) and MA-S (36) blocks are all tried.
    pub fn match_mac(&self, mac: &str) -> Vec<Hit<'_>> {
        let hex: String = mac
            .chars()
            .filter(|c| c.is_ascii_hexdigit())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let mut out = Vec::new();
        for len in [6, 7, 9] {
            extend(&mut out, hits(hex.get(..len).and_then(|p| self.ouis.get(p))));
        }
        out
    }

    /// Every assignment as it is written in a MAC address (`00:e0:fc`), MA-L blocks only: the
    /// patterns the indicator scan looks for (MA-M/MA-S blocks begin with a shared MA-L prefix
    /// and are told apart by [`Index::match_mac`] afterwards).
    pub fn oui_prefixes(&self) -> impl Iterator<Item = &str> {
        self.ouis.keys().map(|k| &k[..6.min(k.len())])
    }

    /// Entities named in `text`, at token boundaries. Where runs overlap, the longest wins
    /// ("Huawei Device Co., Ltd." is huawei-device, not also huawei). A look-alike phrase of an
    /// entity anywhere in the text vetoes that entity.
    pub fn match_name(&self, text: &str) -> Vec<Hit<'_>> {
        let tokens = normalise::tokens(text);
        let core: Vec<&str> = tokens.iter().filter(|t| !t.suffix).map(|t| t.text.as_str()).collect();
        if core.is_empty() {
            return Vec::new();
        }
        // (start, len, entities) for every run that names an entity
        let mut runs: Vec<(usize, usize, &Vec<NameRule>)> = Vec::new();
        let mut key = String::new();
        for start in 0..core.len() {
            key.clear();
            for len in 1..=self.longest_name.min(core.len() - start) {
                if len > 1 {
                    key.push(SEP);
                }
                key.push_str(core[start + len - 1]);
                if let Some(entities) = self.names.get(&key) {
                    runs.push((start, len, entities));
                }
            }
        }
        if runs.is_empty() {
            return Vec::new();
        }
        runs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut taken = vec![false; core.len()];
        let full: Vec<String> = tokens.into_iter().map(|t| t.text).collect();
        let mut out: Vec<Hit<'_>> = Vec::new();
        for (start, len, entities) in runs {
            if taken[start..start + len].iter().any(|&t| t) {
                continue;
            }
            taken[start..start + len].iter_mut().for_each(|t| *t = true);
            for r in entities {
                if out.iter().any(|h| h.entity == r.entity)
                    || self.nots[r.entity].iter().any(|n| normalise::contains_run(&full, n))
                {
                    continue;
                }
                // The rule as written that the text shows most of: "HiSilicon" for "hisilicon",
                // the full name for "HiSilicon Technologies Co., Ltd.".
                let rule = entities
                    .iter()
                    .filter(|x| x.entity == r.entity && normalise::contains_run(&full, &x.full))
                    .rev() // the first of equally long ones
                    .max_by_key(|x| x.full.len())
                    .unwrap_or(r);
                out.push(Hit {
                    entity: r.entity,
                    rule: &rule.rule,
                });
            }
        }
        out
    }

    /// Entities whose registered domain is `host` or a parent of it: `mail.huawei.com` matches
    /// `huawei.com`; `nothuawei.com` does not.
    pub fn match_host(&self, host: &str) -> Vec<Hit<'_>> {
        let host = host.trim_end_matches('.').to_lowercase();
        let mut out = Vec::new();
        let mut rest = host.as_str();
        loop {
            extend(&mut out, hits(self.domains.get(rest)));
            match rest.split_once('.') {
                Some((_, tail)) if tail.contains('.') => rest = tail,
                _ => break,
            }
        }
        out
    }

    pub fn match_purl(&self, purl: &Purl) -> Vec<Hit<'_>> {
        let mut out = Vec::new();
        for (pat, e, rule) in self.purls.get(&purl.ty().to_lowercase()).into_iter().flatten() {
            if pat.matches(purl) {
                extend(&mut out, [Hit { entity: *e, rule }]);
            }
        }
        out
    }

    pub fn match_cpe_vendor(&self, vendor: &str) -> Vec<Hit<'_>> {
        hits(self.cpe_vendors.get(&vendor.to_lowercase()))
    }

    /// The entity whose update or flash format a file is in, by the format's name.
    pub fn match_firmware_format(&self, name: &str) -> Vec<Hit<'_>> {
        hits(self.firmware_formats.get(name))
    }

    pub fn match_sha256(&self, hex: &str) -> Vec<Hit<'_>> {
        hits(self.sha256.get(hex))
    }
}

/// The host of a URL (`https://user@dl.huawei.com:443/x` → `dl.huawei.com`) or an e-mail
/// address (`a@b.huawei.com` → `b.huawei.com`); `None` when there is none.
pub fn host_of(s: &str) -> Option<&str> {
    let s = s.trim();
    let s = s.strip_prefix("mailto:").unwrap_or(s);
    let after_scheme = match s.find("://") {
        Some(i) => &s[i + 3..],
        None if s.contains('@') && !s.contains('/') => {
            return s.rsplit_once('@').map(|(_, h)| h).filter(|h| h.contains('.'))
        }
        None => s.strip_prefix("git+").unwrap_or(s),
    };
    let authority = after_scheme.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.split(':').next()?;
    (host.contains('.') && !host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_urls_and_emails() {
        assert_eq!(host_of("https://download.huawei.com/x?y"), Some("download.huawei.com"));
        assert_eq!(
            host_of("git+ssh://git@github.com:huaweicloud/x.git"),
            Some("github.com")
        );
        assert_eq!(host_of("psirt@huawei.com"), Some("huawei.com"));
        assert_eq!(host_of("mailto:a@zte.com.cn"), Some("zte.com.cn"));
        assert_eq!(host_of("NOASSERTION"), None);
    }

    #[test]
    fn purl_patterns_respect_segment_boundaries() {
        let p = |s| Purl::parse(s).unwrap();
        let maven = PurlPattern::parse("pkg:maven/com.huaweicloud.sdk").unwrap();
        assert!(maven.matches(&p("pkg:maven/com.huaweicloud.sdk/huaweicloud-sdk-core@3.1.0")));
        assert!(maven.matches(&p("pkg:maven/com.huaweicloud.sdk.iam/x@1")));
        assert!(!maven.matches(&p("pkg:maven/com.huaweicloud.sdkx/x@1")));
        assert!(!maven.matches(&p("pkg:npm/com.huaweicloud.sdk@1")));
        let npm = PurlPattern::parse("pkg:npm/@huaweicloud").unwrap();
        assert!(npm.matches(&p("pkg:npm/%40huaweicloud/huaweicloud-sdk-core@3.1.0")));
        assert!(!npm.matches(&p("pkg:npm/huaweicloud@1")));
        let pypi = PurlPattern::parse("pkg:pypi/huaweicloudsdk*").unwrap();
        assert!(pypi.matches(&p("pkg:pypi/huaweicloudsdkcore@3.1.0")));
        assert!(!pypi.matches(&p("pkg:pypi/huaweicloud@1")));
        assert!(PurlPattern::parse("pkg:maven").is_none());
        assert!(PurlPattern::parse("maven/x").is_none());
    }
}
