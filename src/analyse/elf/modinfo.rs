//! A Linux kernel module's `.modinfo`: NUL-separated `key=value` entries written by the
//! `MODULE_*` macros. The author is graded evidence; each device id table alias names the
//! vendor of hardware the driver supports (a weak fact: a modem driver lists hundreds of
//! Huawei and ZTE ids without being theirs); the rest describes the module, `intree` and
//! `vermagic` included: the rule engine tells upstream modules from a vendor's own by them.

use hashbrown::HashSet;

use super::text::{nul_separated, text};
use crate::model::Facts;

/// What the `.modinfo` keys that become plain properties are called in facts.
const PROPERTIES: &[(&[u8], &str)] = &[
    (b"description", "module-description"),
    (b"license", "module-license"),
    (b"vermagic", "vermagic"),
    (b"name", "module-name"),
    (b"version", "module-version"),
    (b"srcversion", "srcversion"),
    (b"depends", "module-depends"),
    (b"firmware", "module-firmware"),
    // `Y` when modpost built the module as part of the kernel tree (kbuild sets it for in-tree
    // modules only): with a distribution kernel's vermagic, upstream code, not a vendor's own.
    (b"intree", "module-intree"),
];

/// Records the facts of a `.modinfo` section whose bytes start at `base` in the file.
pub(super) fn record(data: &[u8], base: u64, facts: &mut Facts) {
    let mut aliases = 0u64;
    let mut vendors: HashSet<String> = HashSet::new();
    let mut authors: HashSet<String> = HashSet::new();
    for (at, entry) in nul_separated(data) {
        let Some(eq) = memchr::memchr(b'=', entry) else {
            continue;
        };
        let (key, raw) = (&entry[..eq], &entry[eq + 1..]);
        // The file offset of the value's first non-blank byte, where the fact's text starts.
        let lead = raw.len() - raw.trim_ascii_start().len();
        let offset = base.saturating_add((at + eq + 1 + lead) as u64);
        match key {
            b"author" => {
                if let Some(author) = text(raw) {
                    if authors.insert(author.clone()) {
                        facts.evidence("module-author", author, Some(offset), ".modinfo author");
                    }
                }
            }
            b"alias" => {
                aliases += 1;
                if let Some(id) = hardware_id(raw.trim_ascii()) {
                    if vendors.insert(id.clone()) {
                        facts.evidence("hardware-id", id, Some(offset), ".modinfo alias");
                    }
                }
            }
            _ => {
                if let Some((_, name)) = PROPERTIES.iter().find(|(k, _)| *k == key) {
                    if let Some(value) = text(raw) {
                        facts.property(name, value);
                    }
                }
            }
        }
    }
    if aliases > 0 {
        facts.property("alias-count", aliases.to_string());
    }
}

/// The vendor of a USB or PCI device id alias (`usb:v12D1p1506d*…` → `usb:12d1`,
/// `pci:v000019E5d0000A222…` → `pci:19e5`); `None` for other buses and wildcard vendors.
fn hardware_id(alias: &[u8]) -> Option<String> {
    let (bus, digits) = if let Some(rest) = alias.strip_prefix(b"usb:v") {
        ("usb", rest.get(..4)?)
    } else if let Some(rest) = alias.strip_prefix(b"pci:v") {
        // PCI aliases print the 16-bit vendor as eight hex digits.
        ("pci", rest.get(..8)?.get(4..)?)
    } else {
        return None;
    };
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    Some(format!(
        "{bus}:{}",
        String::from_utf8_lossy(digits).to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendors_of_aliases() {
        assert_eq!(
            hardware_id(b"usb:v12D1p1506d*dc*dsc*dp*ic*isc*ip*in*").as_deref(),
            Some("usb:12d1")
        );
        assert_eq!(
            hardware_id(b"pci:v000019E5d0000A222sv*sd*bc*sc*i*").as_deref(),
            Some("pci:19e5")
        );
        assert_eq!(hardware_id(b"usb:v*p*d*dc*dsc*dp*ic08isc06ip50in*"), None);
        assert_eq!(hardware_id(b"pci:v*d*sv*sd*bc02sc00i*"), None);
        assert_eq!(hardware_id(b"pci:hns-nic"), None);
        assert_eq!(hardware_id(b"usb:v12"), None);
        assert_eq!(hardware_id(b"of:N*T*Chisilicon,hns-dsaf-v2"), None);
    }

    #[test]
    fn entries_become_facts() {
        let data = b"\0author= A. Person \0alias=usb:v19D2p0001d*\0alias=usb:v19d2p0002d*\0alias=x\0\
                     depends=\0license=GPL\0intree=Y\0noequals\0parm=debug:int\0author=A. Person\0";
        let mut facts = Facts::default();
        record(data, 1000, &mut facts);
        let evidence: Vec<_> = facts
            .evidence
            .iter()
            .map(|f| (f.field, f.value.as_str(), f.offset))
            .collect();
        assert_eq!(
            evidence,
            vec![
                ("module-author", "A. Person", Some(1009)),
                ("hardware-id", "usb:19d2", Some(1026)),
            ]
        );
        let props: Vec<_> = facts.properties.iter().map(|p| (p.name, p.value.as_str())).collect();
        assert_eq!(
            props,
            vec![("module-license", "GPL"), ("module-intree", "Y"), ("alias-count", "3")]
        );
    }
}
