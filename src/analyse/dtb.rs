//! Device trees: which board and which SoC a `.dtb` describes. The root `compatible` names the
//! board and the SoC it is built on (`hisilicon,hi3798cv200`): strong evidence of who made the
//! hardware the firmware runs on. Other nodes' `compatible` strings name the vendors of the
//! blocks on the board (`snps,dw-mmc`, `realtek,rtl8211e`); a tree lists hundreds of them, so
//! only the first per vendor prefix becomes evidence and the full set is a property.

use super::{Analyser, FileView};
use crate::fdt;
use crate::firmware::detect::Kind;
use crate::model::Facts;
use std::collections::BTreeSet;

/// Facts from flattened device trees (`Kind::Fdt` files; a FIT image is a container whose
/// device-tree members reach this analyser as files of their own).
pub struct DeviceTree;

impl Analyser for DeviceTree {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        if file.kind == Kind::Fdt {
            analyse(file.bytes, facts);
        }
    }
}

/// The vendor prefix of a compatible string: the text before its first comma, when it has one.
fn prefix(compatible: &str) -> Option<&str> {
    compatible
        .split_once(',')
        .map(|(vendor, _)| vendor)
        .filter(|v| !v.is_empty())
}

/// Records the model, the root compatible strings, the first node compatible per vendor
/// prefix, and every prefix seen. A blob that does not parse yields nothing.
fn analyse(bytes: &[u8], facts: &mut Facts) {
    let Ok(tree) = fdt::parse(bytes) else { return };
    let root = tree.root();
    if let Some(model) = root.property("model") {
        facts.property("dt-model", model.string());
    }
    let mut prefixes = BTreeSet::new();
    if let Some(compatible) = root.property("compatible") {
        for (offset, value) in compatible.strings() {
            if let Some(p) = prefix(&value) {
                prefixes.insert(p.to_string());
            }
            facts.evidence("dt-compatible", value, Some(offset as u64), "/compatible");
        }
    }
    let mut node_prefixes = BTreeSet::new();
    for node in tree.nodes().iter().skip(1) {
        let Some(compatible) = node.property("compatible") else {
            continue;
        };
        for (offset, value) in compatible.strings() {
            let Some(p) = prefix(&value) else { continue };
            prefixes.insert(p.to_string());
            if node_prefixes.insert(p.to_string()) {
                let place = format!("{}/compatible", node.path);
                facts.evidence("dt-node-compatible", value, Some(offset as u64), &place);
            }
        }
    }
    if !prefixes.is_empty() {
        facts.property("dt-vendor-prefixes", prefixes.into_iter().collect::<Vec<_>>().join(","));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Fact, FileProperty};

    const BOARD: &[u8] = include_bytes!("../../fixtures/analyse/dtb/board.dtb");

    fn facts_of(bytes: &[u8], kind: Kind) -> Facts {
        let mut facts = Facts::default();
        DeviceTree.analyse(&FileView::new("board.dtb", bytes, kind), &mut facts);
        facts
    }

    fn fact(field: &'static str, value: &str, offset: u64, place: &str) -> Fact {
        Fact {
            field,
            value: value.to_string(),
            offset: Some(offset),
            place: place.into(),
        }
    }

    #[test]
    fn the_board_fixture_yields_its_socs_vendors_and_model() {
        let facts = facts_of(BOARD, Kind::Fdt);
        assert_eq!(
            facts.evidence,
            [
                fact("dt-compatible", "hisilicon,hi3798cv200-test", 76, "/compatible"),
                fact("dt-compatible", "hisilicon,hi3798cv200", 103, "/compatible"),
                fact(
                    "dt-node-compatible",
                    "hisilicon,hi3798cv200-crg",
                    308,
                    "/soc/clock-reset-controller@8a22000/compatible"
                ),
                fact("dt-node-compatible", "snps,dw-mmc", 396, "/soc/mmc@9830000/compatible"),
                fact(
                    "dt-node-compatible",
                    "realtek,rtl8211e",
                    564,
                    "/soc/ethernet@f9840000/phy@1/compatible"
                ),
            ]
        );
        for f in &facts.evidence {
            let at = f.offset.unwrap() as usize;
            assert_eq!(&BOARD[at..at + f.value.len()], f.value.as_bytes());
        }
        assert_eq!(
            facts.properties,
            [
                FileProperty {
                    name: "dt-model",
                    value: "Test board".to_string()
                },
                FileProperty {
                    name: "dt-vendor-prefixes",
                    value: "hisilicon,realtek,snps".to_string()
                },
            ]
        );
    }

    #[test]
    fn other_kinds_and_broken_trees_yield_nothing() {
        assert!(facts_of(BOARD, Kind::Data).is_empty());
        assert!(facts_of(&BOARD[..BOARD.len() - 8], Kind::Fdt).is_empty());
        assert!(facts_of(b"\xd0\x0d\xfe\xed", Kind::Fdt).is_empty());
    }

    #[test]
    fn the_poplar_device_tree_from_debian_is_hisilicon() {
        let path = match std::env::var_os("VENDORSCAN_CORPUS") {
            Some(dir) => std::path::PathBuf::from(dir).join("bin/hi3798cv200-poplar.dtb"),
            None => concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/corpus/bin/hi3798cv200-poplar.dtb"
            )
            .into(),
        };
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("skipped: {} is absent", path.display());
            return;
        };
        let facts = facts_of(&bytes, Kind::Fdt);
        let root: Vec<_> = facts.evidence.iter().filter(|f| f.field == "dt-compatible").collect();
        assert_eq!(
            root,
            [
                &fact("dt-compatible", "hisilicon,hi3798cv200-poplar", 76, "/compatible"),
                &fact("dt-compatible", "hisilicon,hi3798cv200", 105, "/compatible"),
            ]
        );
        let nodes: Vec<(&str, &str)> = facts
            .evidence
            .iter()
            .filter(|f| f.field == "dt-node-compatible")
            .map(|f| (f.value.as_str(), f.place.as_str()))
            .collect();
        assert_eq!(
            nodes,
            [
                ("arm,psci-0.2", "/psci/compatible"),
                (
                    "hisilicon,hi3798cv200-crg",
                    "/soc@f0000000/clock-reset-controller@8a22000/compatible"
                ),
                (
                    "ti,syscon-reset",
                    "/soc@f0000000/clock-reset-controller@8a22000/reset-controller/compatible"
                ),
                ("snps,dw-mshc", "/soc@f0000000/mmc@9820000/compatible"),
            ]
        );
        assert_eq!(
            facts.properties,
            [
                FileProperty {
                    name: "dt-model",
                    value: "HiSilicon Poplar Development Board".to_string()
                },
                FileProperty {
                    name: "dt-vendor-prefixes",
                    value: "arm,hisilicon,snps,ti".to_string()
                },
            ]
        );
    }
}
