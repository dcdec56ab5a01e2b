//! The indicator scan: one Aho-Corasick automaton over every name, alias, domain and IEEE OUI
//! the rules know, run over every file's bytes. Names are looked for in UTF-8 and UTF-16LE (PE
//! resources and Windows strings are UTF-16), OUIs in the two ways MAC addresses are written
//! (`00:e0:fc:…`, `00-E0-FC-…`). Hits are mentions: a string says a vendor is named in a file,
//! not that it made it — a driver's id table or a changelog e-mail stays a mention.
//!
//! The scan knows nothing of rules: it is handed its terms as plain text.

use super::{Analyser, FileView};
use crate::model::Facts;
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::BTreeMap;

/// What a term is, and so how its hits are checked and reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// A name or alias: reported as evidence field `string`.
    Name,
    /// A registered domain (`huawei.com`): field `string`; may follow a `.` or `@`.
    Domain,
    /// The first three octets of a MAC address as hex (`00e0fc`): field `oui`, reported as the
    /// whole address found.
    Oui,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf16Le,
}

struct Pattern {
    kind: TermKind,
    encoding: Encoding,
    /// Terms this short (`ZTE`, `DJI`) match only as written: any-case they turn up in the
    /// bytes of tables and binaries by chance (`dJI`, `Zte`).
    exact: Option<String>,
}

/// Names up to this many bytes are matched case-sensitively.
const SHORT_NAME: usize = 4;

/// At most this many distinct terms are reported per file; a file naming hundreds is a list of
/// vendors (a MAC vendor database), and its first hits say as much as all of them.
const MAX_TERMS_PER_FILE: usize = 64;

/// One distinct term found in a file: the text as found, what it is, how it was encoded, its
/// first offset and how many times it occurs.
type Hit = (String, TermKind, Encoding, usize, usize);

pub struct IndicatorScan {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
    /// MA-L blocks as six lower-case hex digits. Looked up at every MAC-address-shaped run
    /// rather than put in the automaton: thousands of OUI patterns would make its DFA large and
    /// slow every byte it scans.
    ouis: std::collections::HashSet<[u8; 6]>,
    /// SHA-256 of the terms it was built from, as given: its [`Analyser::identity`], so cached
    /// facts are never reused across a change of the rules' names, domains or OUIs.
    terms: [u8; 32],
}

impl IndicatorScan {
    /// Builds the automaton from `(text, kind)` terms. Terms shorter than three bytes are left
    /// out: they would hit everywhere.
    pub fn new<'t>(terms: impl IntoIterator<Item = (&'t str, TermKind)>) -> Result<Self, aho_corasick::BuildError> {
        let mut bytes: Vec<Vec<u8>> = Vec::new();
        let mut patterns = Vec::new();
        let mut ouis = std::collections::HashSet::new();
        let mut seen = std::collections::HashSet::new();
        let mut digest = <sha2::Sha256 as sha2::Digest>::new();
        for (text, kind) in terms {
            sha2::Digest::update(&mut digest, [kind as u8]);
            sha2::Digest::update(&mut digest, text.as_bytes());
            sha2::Digest::update(&mut digest, [0]);
            let text = text.trim();
            if text.len() < 3 || !seen.insert((text.to_ascii_lowercase(), kind as u8)) {
                continue;
            }
            match kind {
                TermKind::Oui => {
                    let hex = text.to_ascii_lowercase();
                    if let Ok(key) = <[u8; 6]>::try_from(hex.as_bytes()) {
                        if key.iter().all(u8::is_ascii_hexdigit) {
                            ouis.insert(key);
                        }
                    }
                }
                TermKind::Name | TermKind::Domain => {
                    let exact = (kind == TermKind::Name && text.len() <= SHORT_NAME).then(|| text.to_string());
                    bytes.push(text.as_bytes().to_vec());
                    patterns.push(Pattern {
                        kind,
                        encoding: Encoding::Utf8,
                        exact: exact.clone(),
                    });
                    bytes.push(text.encode_utf16().flat_map(u16::to_le_bytes).collect());
                    patterns.push(Pattern {
                        kind,
                        encoding: Encoding::Utf16Le,
                        exact,
                    });
                }
            }
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            // A full DFA: the few hundred name and domain patterns build in milliseconds, and
            // scan the Debian rootfs in a quarter of the time the default NFA takes.
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&bytes)?;
        Ok(IndicatorScan {
            automaton,
            patterns,
            ouis,
            terms: sha2::Digest::finalize(digest).into(),
        })
    }
}

/// True when `b` would continue a word (so a hit next to it is inside a longer word).
fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl IndicatorScan {
    /// The text of a hit, when it stands at token boundaries; `None` for a hit inside a word.
    fn accept(&self, pattern: &Pattern, bytes: &[u8], start: usize, end: usize) -> Option<String> {
        match (pattern.kind, pattern.encoding) {
            (_, Encoding::Utf8) => {
                let hit = &bytes[start..end];
                // Only an ASCII edge can run on into a longer word; CJK names have no spaces.
                let before_ok = start == 0
                    || !hit[0].is_ascii_alphanumeric()
                    || !(word_byte(bytes[start - 1]) || (pattern.kind == TermKind::Name && bytes[start - 1] == b'.'));
                let after_ok =
                    end == bytes.len() || !hit[hit.len() - 1].is_ascii_alphanumeric() || !word_byte(bytes[end]);
                (before_ok && after_ok).then(|| String::from_utf8_lossy(hit).into_owned())
            }
            (_, Encoding::Utf16Le) => {
                let unit = |i: usize| bytes.get(i..i + 2).map(|u| u16::from_le_bytes([u[0], u[1]]));
                let is_word = |u: Option<u16>| u.is_some_and(|u| u < 0x80 && word_byte(u as u8));
                let before_ok = start < 2 || !is_word(unit(start - 2));
                let after_ok = !is_word(unit(end));
                let units: Vec<u16> = bytes[start..end]
                    .chunks_exact(2)
                    .map(|u| u16::from_le_bytes([u[0], u[1]]))
                    .collect();
                (before_ok && after_ok).then(|| String::from_utf16_lossy(&units))
            }
        }
    }
}

impl IndicatorScan {
    /// MAC addresses (`00:e0:fc:12:34:56`, `00-E0-FC-12-34-56`) in a blocked OUI, not inside a
    /// longer run of hex digits and separators: (address as found, lower-cased; offset).
    fn macs(&self, bytes: &[u8]) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        if self.ouis.is_empty() {
            return out;
        }
        let mut next = 0;
        for sep_at in memchr::memchr2_iter(b':', b'-', bytes) {
            let Some(start) = sep_at.checked_sub(2) else { continue };
            if start < next {
                continue;
            }
            let Some(mac) = bytes.get(start..start + 17) else { break };
            let sep = bytes[sep_at];
            let shaped = mac
                .iter()
                .enumerate()
                .all(|(i, &b)| if i % 3 == 2 { b == sep } else { b.is_ascii_hexdigit() });
            let before_ok = start == 0 || !(bytes[start - 1].is_ascii_hexdigit() || bytes[start - 1] == sep);
            let after_ok = bytes
                .get(start + 17)
                .is_none_or(|&b| !(b.is_ascii_hexdigit() || b == sep));
            if !(shaped && before_ok && after_ok) {
                continue;
            }
            next = start + 17;
            let key = [mac[0], mac[1], mac[3], mac[4], mac[6], mac[7]].map(|b| b.to_ascii_lowercase());
            if self.ouis.contains(&key) {
                out.push((String::from_utf8_lossy(mac).to_ascii_lowercase(), start));
            }
        }
        out
    }
}

impl Analyser for IndicatorScan {
    fn identity(&self, out: &mut String) {
        out.push_str(std::any::type_name::<Self>());
        for b in self.terms {
            out.push_str(&format!("{b:02x}"));
        }
        out.push('\n');
    }

    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        let bytes = file.bytes;
        // Distinct hit text (lower-cased) per encoding → (text as found, kind, encoding, first offset, count).
        let mut hits: BTreeMap<(String, bool), Hit> = BTreeMap::new();
        for m in self.automaton.find_iter(bytes) {
            let pattern = &self.patterns[m.pattern().as_usize()];
            let Some(text) = self.accept(pattern, bytes, m.start(), m.end()) else {
                continue;
            };
            if pattern.exact.as_ref().is_some_and(|exact| *exact != text) {
                continue;
            }
            let key = (text.to_lowercase(), pattern.encoding == Encoding::Utf16Le);
            if let Some(hit) = hits.get_mut(&key) {
                hit.4 += 1;
            } else if hits.len() < MAX_TERMS_PER_FILE {
                hits.insert(key, (text, pattern.kind, pattern.encoding, m.start(), 1));
            }
        }
        for (mac, at) in self.macs(bytes) {
            let key = (mac.clone(), false);
            if let Some(hit) = hits.get_mut(&key) {
                hit.4 += 1;
            } else if hits.len() < MAX_TERMS_PER_FILE {
                hits.insert(key, (mac, TermKind::Oui, Encoding::Utf8, at, 1));
            }
        }
        let mut hits: Vec<_> = hits.into_values().collect();
        hits.sort_by_key(|h| h.3);
        for (text, kind, encoding, offset, count) in hits {
            let field = if kind == TermKind::Oui { "oui" } else { "string" };
            let mut place = match encoding {
                Encoding::Utf8 => "strings".to_string(),
                Encoding::Utf16Le => "strings (UTF-16LE)".to_string(),
            };
            if count > 1 {
                place.push_str(&format!(", {count} times"));
            }
            facts.evidence(field, text, Some(offset as u64), &place);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::detect::Kind;

    fn scan(bytes: &[u8]) -> Vec<(String, String, u64, String)> {
        let terms = [
            ("Huawei", TermKind::Name),
            ("Huawei Technologies Co., Ltd.", TermKind::Name),
            ("ZTE", TermKind::Name),
            ("华为", TermKind::Name),
            ("huawei.com", TermKind::Domain),
            ("00e0fc", TermKind::Oui),
        ];
        let s = IndicatorScan::new(terms).unwrap();
        let mut facts = Facts::default();
        s.analyse(&FileView::new("f", bytes, Kind::Data), &mut facts);
        facts
            .evidence
            .into_iter()
            .map(|f| (f.field.to_string(), f.value, f.offset.unwrap(), f.place.to_string()))
            .collect()
    }

    #[test]
    fn names_domains_and_macs_at_token_boundaries() {
        let got = scan(b"x\0Huawei Technologies Co., Ltd. mail a@support.huawei.com mac 00:E0:FC:12:34:56;");
        assert_eq!(
            got,
            [
                (
                    "string".into(),
                    "Huawei Technologies Co., Ltd.".into(),
                    2,
                    "strings".into()
                ),
                ("string".into(), "huawei.com".into(), 47, "strings".into()),
                ("oui".into(), "00:e0:fc:12:34:56".into(), 62, "strings".into()),
            ]
        );
    }

    #[test]
    fn words_inside_longer_words_do_not_hit() {
        assert!(scan(b"Dahuawei nothuawei.com AZTEC ZTEK 000:e0:fc:12:34:56 00:e0:fc:12:34").is_empty());
    }

    #[test]
    fn utf16_and_cjk_and_counts() {
        let mut b: Vec<u8> = "ZTE".encode_utf16().flat_map(u16::to_le_bytes).collect();
        b.extend_from_slice("…华为… ZTE zte ZTE Zte".as_bytes());
        let got = scan(&b);
        assert_eq!(got[0], ("string".into(), "ZTE".into(), 0, "strings (UTF-16LE)".into()));
        assert_eq!(got[1], ("string".into(), "华为".into(), 9, "strings".into()));
        assert_eq!(got[2], ("string".into(), "ZTE".into(), 19, "strings, 2 times".into()));
    }
}
