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

pub struct Index {
    /// Core-token runs (joined by U+001F) → entities whose name, alias or certificate O= they are.
    names: HashMap<String, Vec<usize>>,
    longest_name: usize,
    /// Per entity: look-alike phrases (full tokens) that veto a name match.
    nots: Vec<Vec<Vec<String>>>,
    domains: HashMap<String, Vec<usize>>,
    purls: HashMap<String, Vec<(PurlPattern, usize)>>,
    cpe_vendors: HashMap<String, Vec<usize>>,
    sha256: HashMap<String, Vec<usize>>,
    /// `usb:12d1`, `pci:19e5` (lower-case hex) → entities.
    hardware_ids: HashMap<String, Vec<usize>>,
    /// Device-tree vendor prefixes (`hisilicon`) → entities.
    dt_prefixes: HashMap<String, Vec<usize>>,
    /// IEEE assignments (6, 7 or 9 lower-case hex digits) → entities.
    ouis: HashMap<String, Vec<usize>>,
}

fn push(map: &mut HashMap<String, Vec<usize>>, key: String, entity: usize) {
    let v = map.entry(key).or_default();
    if !v.contains(&entity) {
        v.push(entity);
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
                push(&mut index.names, core.join(&SEP.to_string()), i);
            }
            index.nots.push(
                e.not
                    .iter()
                    .map(|n| normalise::full(n))
                    .filter(|t| !t.is_empty())
                    .collect(),
            );
            for d in &e.identifiers.domains {
                push(&mut index.domains, d.trim_end_matches('.').to_lowercase(), i);
            }
            for p in &e.identifiers.purls {
                if let Some(pat) = PurlPattern::parse(p) {
                    index.purls.entry(pat.ty.clone()).or_default().push((pat, i));
                }
            }
            for v in &e.identifiers.cpe_vendors {
                push(&mut index.cpe_vendors, v.to_lowercase(), i);
            }
            for h in &e.identifiers.sha256 {
                push(&mut index.sha256, h.to_lowercase(), i);
            }
            for id in &e.identifiers.usb_vendor_ids {
                push(&mut index.hardware_ids, format!("usb:{}", id.to_lowercase()), i);
            }
            for id in &e.identifiers.pci_vendor_ids {
                push(&mut index.hardware_ids, format!("pci:{}", id.to_lowercase()), i);
            }
            for p in &e.identifiers.dt_prefixes {
                push(&mut index.dt_prefixes, p.to_lowercase(), i);
            }
        }
        for r in &rules.registrants {
            if let Some(i) = rules.entities.iter().position(|e| e.id == r.entity) {
                for a in &r.assignments {
                    push(&mut index.ouis, a.to_lowercase(), i);
                }
            }
        }
        index
    }

    /// Entities whose USB or PCI vendor id a hardware id names: `usb:12d1`, `pci:19e5`.
    pub fn match_hardware_id(&self, id: &str) -> Vec<usize> {
        self.hardware_ids.get(&id.to_lowercase()).cloned().unwrap_or_default()
    }

    /// Entities whose device-tree prefix a `compatible` string carries: `hisilicon,hi3798cv200`.
    pub fn match_dt_compatible(&self, compatible: &str) -> Vec<usize> {
        compatible
            .split_once(',')
            .and_then(|(prefix, _)| self.dt_prefixes.get(&prefix.trim().to_lowercase()))
            .cloned()
            .unwrap_or_default()
    }

    /// Entities an IEEE assignment of the MAC address belongs to (`00:e0:fc:12:34:56`, any
    /// separators): MA-L (24 bits), MA-M (28) and MA-S (36) blocks are all tried.
    pub fn match_mac(&self, mac: &str) -> Vec<usize> {
        let hex: String = mac
            .chars()
            .filter(|c| c.is_ascii_hexdigit())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let mut out = Vec::new();
        for len in [6, 7, 9] {
            if let Some(es) = hex.get(..len).and_then(|p| self.ouis.get(p)) {
                for &e in es {
                    if !out.contains(&e) {
                        out.push(e);
                    }
                }
            }
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
    pub fn match_name(&self, text: &str) -> Vec<usize> {
        let tokens = normalise::tokens(text);
        let core: Vec<&str> = tokens.iter().filter(|t| !t.suffix).map(|t| t.text.as_str()).collect();
        if core.is_empty() {
            return Vec::new();
        }
        // (start, len, entities) for every run that names an entity
        let mut hits: Vec<(usize, usize, &Vec<usize>)> = Vec::new();
        let mut key = String::new();
        for start in 0..core.len() {
            key.clear();
            for len in 1..=self.longest_name.min(core.len() - start) {
                if len > 1 {
                    key.push(SEP);
                }
                key.push_str(core[start + len - 1]);
                if let Some(entities) = self.names.get(&key) {
                    hits.push((start, len, entities));
                }
            }
        }
        if hits.is_empty() {
            return Vec::new();
        }
        hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut taken = vec![false; core.len()];
        let full: Vec<String> = tokens.into_iter().map(|t| t.text).collect();
        let mut out: Vec<usize> = Vec::new();
        for (start, len, entities) in hits {
            if taken[start..start + len].iter().any(|&t| t) {
                continue;
            }
            taken[start..start + len].iter_mut().for_each(|t| *t = true);
            for &e in entities {
                let vetoed = self.nots[e].iter().any(|n| normalise::contains_run(&full, n));
                if !vetoed && !out.contains(&e) {
                    out.push(e);
                }
            }
        }
        out
    }

    /// Entities whose registered domain is `host` or a parent of it: `mail.huawei.com` matches
    /// `huawei.com`; `nothuawei.com` does not.
    pub fn match_host(&self, host: &str) -> Vec<usize> {
        let host = host.trim_end_matches('.').to_lowercase();
        let mut out = Vec::new();
        let mut rest = host.as_str();
        loop {
            if let Some(es) = self.domains.get(rest) {
                for &e in es {
                    if !out.contains(&e) {
                        out.push(e);
                    }
                }
            }
            match rest.split_once('.') {
                Some((_, tail)) if tail.contains('.') => rest = tail,
                _ => break,
            }
        }
        out
    }

    pub fn match_purl(&self, purl: &Purl) -> Vec<usize> {
        let mut out = Vec::new();
        for (pat, e) in self.purls.get(&purl.ty().to_lowercase()).into_iter().flatten() {
            if pat.matches(purl) && !out.contains(e) {
                out.push(*e);
            }
        }
        out
    }

    pub fn match_cpe_vendor(&self, vendor: &str) -> Vec<usize> {
        self.cpe_vendors
            .get(&vendor.to_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    pub fn match_sha256(&self, hex: &str) -> Vec<usize> {
        self.sha256.get(hex).cloned().unwrap_or_default()
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
