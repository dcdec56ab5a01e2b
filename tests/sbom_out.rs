//! The SBOM writers end to end: fixture SBOMs and a hand-built firmware inventory are written as
//! CycloneDX 1.6 JSON and XML and as SPDX 2.3 JSON, read back with vendorscan's own readers, and
//! must say the same things: component names and versions, purls, CPEs, the supplier,
//! manufacturer and author names, hashes, and the graph edges (by component names).
//!
//! What a format cannot hold is projected out of both sides before comparing, exactly as the
//! writers document it: CycloneDX says "contains" by nesting only where that is simple and as
//! `dependsOn` elsewhere (so the two kinds compare as one "link"); SPDX has one originator for
//! the manufacturer or author, no authors list and no "provides".
//!
//! With `VENDORSCAN_VALIDATOR` naming a Python interpreter that has `cyclonedx-python-lib` and
//! `spdx-tools`, every output is also validated against the official schemas by
//! scripts/validate-cyclonedx.py.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use vendorscan::model::{
    Component, ComponentId, Details, Document, Encoding, Format, Hash, Identity, Inventory, InventoryPart, Located,
    Location, Origin, Party, PartyKind, Property, Purl, Reference, RelationKind, Relationship, Role, WarningCode,
};
use vendorscan::report::{write_cyclonedx_json, write_cyclonedx_xml, write_spdx_json, ToolInfo};
use vendorscan::sbom::{read_bytes, read_path, Limits};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Fixtures of every input kind: CycloneDX 1.2–1.7 JSON and XML, SPDX 2.2/2.3 JSON, YAML and
/// tag-value, SPDX 3.0.
const FIXTURES: [&str; 11] = [
    "fixtures/audit/router.cdx.json",
    "fixtures/audit/positives.cdx.json",
    "fixtures/sbom/cyclonedx/router-1.6.cdx.json",
    "fixtures/sbom/cyclonedx/agent-1.4.cdx.xml",
    "fixtures/sbom/cyclonedx/camera-1.5.cdx.json",
    "fixtures/sbom/cyclonedx/gateway-1.2.cdx.json",
    "fixtures/sbom/cyclonedx/switch-1.7.cdx.json",
    "fixtures/sbom/spdx/router-2.3.spdx.json",
    "fixtures/sbom/spdx/gateway-2.3.spdx",
    "fixtures/sbom/spdx/ont-2.3.spdx.yaml",
    "fixtures/sbom/spdx/basestation-3.0.1.spdx3.json",
];

/// The hash algorithms both formats can hold (others are kept as a property or left out).
const WRITABLE_HASHES: [&str; 9] = [
    "MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "SHA3-256", "SHA3-384", "SHA3-512", "BLAKE3",
];

const STAMP: &str = "2026-01-02T03:04:05Z";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Out {
    CdxJson,
    CdxXml,
    SpdxJson,
}

impl Out {
    const ALL: [Out; 3] = [Out::CdxJson, Out::CdxXml, Out::SpdxJson];

    fn extension(self) -> &'static str {
        match self {
            Out::CdxJson => "cdx.json",
            Out::CdxXml => "cdx.xml",
            Out::SpdxJson => "spdx.json",
        }
    }

    fn write(self, inv: &Inventory) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Out::CdxJson => write_cyclonedx_json(inv, &ToolInfo::THIS, None, Some(STAMP), &mut out),
            Out::CdxXml => write_cyclonedx_xml(inv, &ToolInfo::THIS, None, Some(STAMP), &mut out),
            Out::SpdxJson => write_spdx_json(inv, &ToolInfo::THIS, Some(STAMP), &mut out),
        }
        .unwrap();
        out
    }
}

fn inventory_of(part: InventoryPart) -> Inventory {
    let mut inv = Inventory::default();
    inv.add(part);
    inv
}

fn fixture(path: &str) -> Inventory {
    let part = read_path(&Path::new(ROOT).join(path), &Limits::default()).unwrap();
    inventory_of(part)
}

/// Writes, reads back, and insists the reader had nothing to warn about: the output conforms
/// as far as vendorscan (and, for SPDX, spdx-rs) can tell.
fn round_trip(inv: &Inventory, out: Out) -> Inventory {
    let bytes = out.write(inv);
    let name = format!("out.{}", out.extension());
    let part = read_bytes(&name, bytes.clone(), &Limits::default())
        .unwrap_or_else(|e| panic!("{name}: {e}\n{}", String::from_utf8_lossy(&bytes)));
    let mut back = inventory_of(part);
    // spdx-rs refuses `OPERATING-SYSTEM`, the SPDX 2.3 schema's own spelling (see
    // src/sbom/spdx/conformance.rs); the official tools accept it.
    back.warnings.retain(|w| {
        !(w.code == WarningCode::Nonconformant && w.message.contains("unknown variant `OPERATING-SYSTEM`"))
    });
    assert!(
        back.warnings.is_empty(),
        "{name}: {:?}\n{}",
        back.warnings,
        String::from_utf8_lossy(&bytes)
    );
    back
}

fn names<'a>(c: &'a Component, roles: &[Role]) -> Option<&'a str> {
    roles
        .iter()
        .find_map(|&r| c.parties.iter().find(|p| p.role == r && !p.who.is_empty()))
        .and_then(|p| p.who.name.as_deref().or(p.who.emails.first().map(|e| e.as_str())))
}

/// What both sides must agree on, one line per component and per edge.
fn facts(inv: &Inventory, out: Out) -> BTreeSet<String> {
    let mut facts = BTreeSet::new();
    for c in &inv.components {
        let mut purls: Vec<&str> = c.purls.iter().map(|p| p.value.as_str()).collect();
        purls.sort();
        purls.dedup();
        let mut cpes: Vec<&str> = c.cpes.iter().map(|p| p.value.as_str()).collect();
        cpes.sort();
        cpes.dedup();
        let mut hashes: Vec<String> = c
            .hashes
            .iter()
            .filter(|h| WRITABLE_HASHES.contains(&h.alg.as_str()))
            .map(|h| format!("{}:{}", h.alg, h.value))
            .collect();
        hashes.sort();
        let maker: &[Role] = match out {
            Out::SpdxJson => &[Role::Manufacturer, Role::Originator, Role::Author, Role::Publisher],
            _ => &[Role::Manufacturer, Role::Originator],
        };
        let mut line = format!(
            "{} {}: purls {purls:?} cpes {cpes:?} hashes {hashes:?} supplier {:?} maker {:?}",
            c.name,
            c.version.as_deref().unwrap_or("-"),
            names(c, &[Role::Supplier]),
            names(c, maker),
        );
        if out != Out::SpdxJson {
            let authors: Vec<&str> = c
                .parties_in(Role::Author)
                .filter_map(|p| p.who.name.as_deref())
                .collect();
            line.push_str(&format!(
                " authors {authors:?} publisher {:?} provider {:?}",
                names(c, &[Role::Publisher]),
                names(c, &[Role::Provider])
            ));
        }
        facts.insert(line);
    }
    for r in &inv.relationships {
        let kind = match (out, r.kind) {
            (Out::SpdxJson, RelationKind::Provides) => continue,
            (Out::CdxJson | Out::CdxXml, RelationKind::Contains | RelationKind::DependsOn) => "link",
            (_, kind) => match kind {
                RelationKind::DependsOn => "depends-on",
                RelationKind::Contains => "contains",
                RelationKind::Provides => "provides",
                RelationKind::DerivedFrom => "derived-from",
                RelationKind::VariantOf => "variant-of",
            },
        };
        facts.insert(format!(
            "edge {} -{kind}-> {}",
            inv.component(r.from).name,
            inv.component(r.to).name
        ));
    }
    facts
}

fn assert_same(original: &Inventory, out: Out, what: &str) {
    let back = round_trip(original, out);
    let (expected, found) = (facts(original, out), facts(&back, out));
    let missing: Vec<&String> = expected.difference(&found).collect();
    let extra: Vec<&String> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what} as {out:?}:\nmissing {missing:#?}\nextra {extra:#?}"
    );
}

#[test]
fn fixtures_survive_every_format() {
    for path in FIXTURES {
        let inv = fixture(path);
        assert!(!inv.components.is_empty(), "{path}");
        for out in Out::ALL {
            assert_same(&inv, out, path);
        }
    }
}

#[test]
fn the_product_root_stays_the_root() {
    let inv = fixture("fixtures/sbom/cyclonedx/router-1.6.cdx.json");
    for out in Out::ALL {
        let back = round_trip(&inv, out);
        let described: Vec<&str> = back.documents[0]
            .describes
            .iter()
            .map(|&id| back.component(id).name.as_str())
            .collect();
        assert_eq!(described, ["AR1200 router firmware"], "{out:?}");
    }
    // An SPDX input has no CycloneDX metadata component: what it describes becomes one.
    let inv = fixture("fixtures/sbom/spdx/router-2.3.spdx.json");
    let back = round_trip(&inv, Out::CdxJson);
    let root = back.component(back.documents[0].describes[0]);
    assert_eq!(
        (root.origin, root.name.as_str()),
        (Origin::Metadata, "HG8145V5 firmware")
    );
}

#[test]
fn json_and_xml_say_the_same() {
    for path in FIXTURES {
        let inv = fixture(path);
        let json = round_trip(&inv, Out::CdxJson);
        let xml = round_trip(&inv, Out::CdxXml);
        assert_eq!(facts(&json, Out::CdxJson), facts(&xml, Out::CdxXml), "{path}");
        assert_eq!(json.documents[0].serial, xml.documents[0].serial, "{path}");
    }
}

#[test]
fn output_is_reproducible() {
    let inv = fixture("fixtures/sbom/cyclonedx/router-1.6.cdx.json");
    for out in Out::ALL {
        assert_eq!(out.write(&inv), out.write(&inv), "{out:?}");
    }
    let serial = |inv: &Inventory| round_trip(inv, Out::CdxJson).documents[0].serial.clone().unwrap();
    let first = serial(&inv);
    assert!(
        first.starts_with("urn:uuid:") && first.as_bytes()[23] == b'5',
        "{first}"
    );
    let mut changed = inv.clone();
    changed.components[1].version = Some("2.1.1".into());
    assert_ne!(serial(&changed), first);

    // A given serial number and no timestamp: both are written as given.
    let mut out = Vec::new();
    write_cyclonedx_json(
        &inv,
        &ToolInfo::THIS,
        Some("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"),
        None,
        &mut out,
    )
    .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["serialNumber"], "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79");
    assert!(json["metadata"].get("timestamp").is_none());
    let mut out = Vec::new();
    write_spdx_json(&inv, &ToolInfo::THIS, None, &mut out).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["creationInfo"]["created"], "1970-01-01T00:00:00Z");
    let namespace = json["documentNamespace"].as_str().unwrap();
    assert!(
        namespace.starts_with("https://vendorscan.invalid/spdx/AR1200-router-firmware-V200R010C10-"),
        "{namespace}"
    );
}

// ---- a firmware inventory as the walker and analysers would give it ----

fn party(role: Role, kind: PartyKind, name: &str, emails: &[&str], urls: &[&str]) -> Party {
    let mut who = Identity::new(kind, Some(name.into()));
    who.emails = emails.iter().map(|&e| e.into()).collect();
    who.urls = urls.iter().map(|&u| u.into()).collect();
    Party {
        role,
        who: Arc::new(who),
        at: Location::line(1),
    }
}

fn file_at(path: &str, offset: Option<u64>, place: Option<&str>) -> Location {
    Location::file(path, offset, place.map(String::from))
}

const KO: &str = "fw.bin!/0x40000:squashfs!/lib/modules/6.1.0/hns3.ko";

fn firmware() -> Inventory {
    let mut product = Component::new(Origin::Metadata, "edge-router-fw", file_at("fw.bin", None, None));
    product.kind = Some("firmware".into());
    product.version = Some("4.2.0".into());
    product.hashes = vec![Hash::new(
        "sha256",
        "be278ce7cf2a50588d974ba15cf7a8c554800ce4e2e450e9bce311b262286555",
    )];
    product.parties = vec![party(
        Role::Supplier,
        PartyKind::Organization,
        "Example Networks Inc.",
        &["psirt@example.com"],
        &["https://example.com/a b"],
    )];

    let mut rootfs = Component::new(
        Origin::Metadata,
        "rootfs",
        file_at("fw.bin!/0x40000:squashfs", None, None),
    );
    rootfs.kind = Some("archive".into());

    let db = "fw.bin!/0x40000:squashfs!/var/lib/dpkg/status";
    let mut kernel = Component::new(Origin::Component, "linux-image-6.1.0-arm64", file_at(db, None, None));
    kernel.version = Some("6.1.76-1".into());
    kernel.kind = Some("operating-system".into());
    kernel.purls = vec![
        Located::new(
            Purl::parse("pkg:deb/debian/linux-image-6.1.0-arm64@6.1.76-1?arch=arm64").unwrap(),
            file_at(db, Some(1200), Some("Package linux-image-6.1.0-arm64")),
        ),
        Located::new(Purl::parse("pkg:generic/linux@6.1.76").unwrap(), Location::line(1)),
    ];
    kernel.cpes = vec![
        Located::new(
            vendorscan::model::Cpe::parse("cpe:/o:linux:linux_kernel:6.1.76").unwrap(),
            Location::line(1),
        ),
        Located::new(
            vendorscan::model::Cpe::parse("cpe:2.3:o:linux:linux_kernel:6.1.76:*:*:*:*:*:*:*").unwrap(),
            Location::line(1),
        ),
    ];
    kernel.licenses = vec!["GPL-2.0-only".into()];
    kernel.parties = vec![
        party(
            Role::Supplier,
            PartyKind::Person,
            "Debian Kernel Team",
            &["debian-kernel@lists.debian.org"],
            &[],
        ),
        party(Role::Author, PartyKind::Person, "Linus Torvalds", &[], &[]),
    ];
    {
        let d = kernel.details_mut();
        d.description = Some("Linux 6.1 for 64-bit ARMv8 machines".into());
        d.download_location = Some(Located::new(
            "https://deb.debian.org/debian/pool/main/l/linux/".into(),
            Location::line(1),
        ));
        d.references = vec![Located::new(
            Reference {
                kind: "homepage".into(),
                url: "https://www.kernel.org".into(),
            },
            Location::line(1),
        )];
        d.properties = vec![Located::new(
            Property {
                name: "arch".into(),
                value: "arm64".into(),
            },
            Location::line(1),
        )];
        d.occurrences = vec![KO.into(), "fw.bin!/0x40000:squashfs!/boot/vmlinuz-6.1.0-arm64".into()];
    }

    let mut ko = Component::new(Origin::File, "hns3.ko", file_at(KO, None, None));
    ko.hashes = vec![
        Hash::new(
            "sha256",
            "f232ff3a69006e2990cf9c42ad343457814cff49bfcde61d5e2865568c3f0639",
        ),
        Hash::new("crc32", "deadbeef"),
    ];
    ko.licenses = vec!["GPL".into(), "Vendor EULA".into()];
    ko.parties = vec![
        party(
            Role::Manufacturer,
            PartyKind::Organization,
            "Huawei Technologies Co., Ltd.",
            &[],
            &[],
        ),
        party(Role::Author, PartyKind::Person, "Li Wei", &["li.wei@huawei.com"], &[]),
    ];
    {
        let d: &mut Details = ko.details_mut();
        d.copyrights = vec![Located::new(
            "Copyright (c) 2016-2017 Hisilicon Limited.".into(),
            file_at(KO, Some(0x2a0), Some(".modinfo")),
        )];
        d.evidence = vec![
            Located::new(
                Property {
                    name: "module-author".into(),
                    value: "Huawei Tech. Co., Ltd.".into(),
                },
                file_at(KO, Some(0x1c4), Some(".modinfo author")),
            ),
            Located::new(
                Property {
                    name: "hardware-id".into(),
                    value: "pci:19e5".into(),
                },
                file_at(KO, Some(0x3f0), Some(".modinfo alias")),
            ),
        ];
        d.occurrences = vec![KO.into()];
    }

    let mut modem = Component::new(Origin::Component, "EM-700 LTE module", Location::line(1));
    modem.kind = Some("device".into());
    modem.parties = vec![party(
        Role::Supplier,
        PartyKind::Organization,
        "Example Modules Co.",
        &[],
        &[],
    )];
    let mut ancestor = Component::new(Origin::Pedigree, "ZM8620 LTE module", Location::line(1));
    ancestor.kind = Some("device".into());
    ancestor.parties = vec![party(
        Role::Supplier,
        PartyKind::Organization,
        "ZTE Corporation",
        &["psirt@zte.com.cn"],
        &["https://www.zte.com.cn"],
    )];

    let mut cloud = Component::new(Origin::Service, "device cloud", Location::line(1));
    cloud.parties = vec![party(Role::Provider, PartyKind::Organization, "Huawei Cloud", &[], &[])];
    cloud.details_mut().references = vec![Located::new(
        Reference {
            kind: "endpoint".into(),
            url: "https://iot.example.com:8883".into(),
        },
        Location::line(1),
    )];

    let mut components = vec![product, rootfs, kernel, ko, modem, ancestor, cloud];
    for (i, c) in components.iter_mut().enumerate() {
        c.id = ComponentId::new(i);
    }
    let edges = [
        (0, 1, RelationKind::Contains),
        (1, 2, RelationKind::Contains),
        (2, 3, RelationKind::Contains),
        (0, 4, RelationKind::Contains),
        (0, 6, RelationKind::DependsOn),
        (4, 5, RelationKind::DerivedFrom),
        (2, 6, RelationKind::Provides),
    ];
    let mut document = Document::new("fw.bin", Format::CycloneDX, Encoding::Json);
    document.describes = vec![ComponentId(0)];
    inventory_of(InventoryPart {
        document,
        components,
        relationships: edges
            .iter()
            .map(|&(from, to, kind)| Relationship {
                from: ComponentId(from),
                to: ComponentId(to),
                kind,
                document: 0,
                at: Location::line(1),
            })
            .collect(),
        warnings: Vec::new(),
    })
}

#[test]
fn a_firmware_inventory_survives_every_format() {
    let inv = firmware();
    for out in Out::ALL {
        assert_same(&inv, out, "firmware");
    }
}

#[test]
fn cyclonedx_carries_evidence_and_occurrences() {
    let inv = firmware();
    let json: serde_json::Value = serde_json::from_slice(&Out::CdxJson.write(&inv)).unwrap();
    assert_eq!(json["specVersion"], "1.6");
    assert_eq!(json["metadata"]["timestamp"], STAMP);
    assert_eq!(json["metadata"]["tools"]["components"][0]["name"], "vendorscan");
    let product = &json["metadata"]["component"];
    assert_eq!(
        (product["type"].as_str(), product["bom-ref"].as_str()),
        (Some("firmware"), Some("c0"))
    );
    assert_eq!(product["supplier"]["url"][0], "https://example.com/a%20b");
    assert_eq!(product["supplier"]["contact"][0]["email"], "psirt@example.com");
    // The product's own part nests under it; its packages are top-level, linked by dependsOn.
    let rootfs = &product["components"][0];
    assert_eq!(
        (rootfs["name"].as_str(), rootfs["type"].as_str()),
        (Some("rootfs"), Some("application"))
    );
    assert_eq!(rootfs["properties"][0]["name"], "vendorscan:type");
    let kernel = &json["components"][0];
    assert_eq!(kernel["type"], "operating-system");
    assert_eq!(
        kernel["purl"],
        "pkg:deb/debian/linux-image-6.1.0-arm64@6.1.76-1?arch=arm64"
    );
    assert_eq!(kernel["cpe"], "cpe:/o:linux:linux_kernel:6.1.76");
    assert_eq!(kernel["licenses"][0]["expression"], "GPL-2.0-only");
    assert_eq!(kernel["supplier"]["name"], "Debian Kernel Team");
    assert_eq!(kernel["authors"][0]["name"], "Linus Torvalds");
    assert_eq!(kernel["properties"][0]["name"], "vendorscan:arch");
    let references: Vec<(&str, &str)> = kernel["externalReferences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["type"].as_str().unwrap(), r["url"].as_str().unwrap()))
        .collect();
    assert_eq!(
        references,
        [
            ("website", "https://www.kernel.org"),
            ("distribution", "https://deb.debian.org/debian/pool/main/l/linux/")
        ]
    );
    let identity = &kernel["evidence"]["identity"];
    assert_eq!(identity[0]["field"], "purl");
    assert_eq!(identity[0]["methods"][0]["technique"], "manifest-analysis");
    assert_eq!(
        identity[0]["methods"][0]["value"],
        "fw.bin!/0x40000:squashfs!/var/lib/dpkg/status @0x4b0 (Package linux-image-6.1.0-arm64)"
    );
    assert_eq!(identity[1]["concludedValue"], "pkg:generic/linux@6.1.76");
    assert_eq!(
        identity[2]["concludedValue"],
        "cpe:2.3:o:linux:linux_kernel:6.1.76:*:*:*:*:*:*:*"
    );
    assert_eq!(kernel["evidence"]["occurrences"][0]["location"], KO);

    let ko = &kernel["components"][0];
    assert_eq!(
        (ko["name"].as_str(), ko["type"].as_str()),
        (Some("hns3.ko"), Some("file"))
    );
    assert_eq!(ko["manufacturer"]["name"], "Huawei Technologies Co., Ltd.");
    assert_eq!(ko["licenses"][0]["license"]["name"], "GPL");
    assert_eq!(ko["copyright"], "Copyright (c) 2016-2017 Hisilicon Limited.");
    assert_eq!(ko["hashes"].as_array().unwrap().len(), 1);
    assert_eq!(ko["properties"][0]["value"], "CRC32:deadbeef");
    // The analysers' evidence: as properties vendorscan reads back with the same field, and the
    // module's author also among the `authors`.
    let properties: Vec<(&str, &str)> = ko["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .collect();
    assert_eq!(
        properties[1..],
        [
            (
                "vendorscan:evidence:module-author:author",
                format!("Huawei Tech. Co., Ltd. @ {KO} @0x1c4 (.modinfo author)").as_str()
            ),
            (
                "vendorscan:evidence:hardware-id",
                format!("pci:19e5 @ {KO} @0x3f0 (.modinfo alias)").as_str()
            ),
        ]
    );
    assert_eq!(ko["authors"][1]["name"], "Huawei Tech. Co., Ltd.");
    assert!(ko["evidence"].get("identity").is_none());

    let modem = &json["components"][1];
    assert_eq!(modem["pedigree"]["ancestors"][0]["supplier"]["name"], "ZTE Corporation");
    assert_eq!(json["services"][0]["provider"]["name"], "Huawei Cloud");
    assert_eq!(json["services"][0]["endpoints"][0], "https://iot.example.com:8883");
    assert_eq!(
        json["dependencies"],
        serde_json::json!([
            {"ref": "c0", "dependsOn": ["c4", "c6"]},
            {"ref": "c1", "dependsOn": ["c2"]},
            {"ref": "c2", "provides": ["c6"]}
        ])
    );

    // Read back: the same evidence, field and place; the author written from it is not a party.
    for out in [Out::CdxJson, Out::CdxXml] {
        let back = round_trip(&inv, out);
        let ko = back.components.iter().find(|c| c.name == "hns3.ko").unwrap();
        assert_eq!(ko.details().evidence, inv.components[3].details().evidence, "{out:?}");
        let authors: Vec<_> = ko.parties_in(Role::Author).map(|p| p.who.name.as_deref()).collect();
        assert_eq!(authors, [Some("Li Wei")], "{out:?}");
        assert_eq!(ko.licenses, ["GPL", "Vendor EULA"]);
        let holders: Vec<&str> = ko
            .parties_in(Role::CopyrightHolder)
            .filter_map(|p| p.who.name.as_deref())
            .collect();
        assert_eq!(holders, ["Hisilicon Limited."]);
    }
}

#[test]
fn spdx_carries_what_it_can() {
    let inv = firmware();
    let json: serde_json::Value = serde_json::from_slice(&Out::SpdxJson.write(&inv)).unwrap();
    assert_eq!(json["spdxVersion"], "SPDX-2.3");
    assert_eq!(
        json["creationInfo"]["creators"][0],
        format!("Tool: vendorscan-{}", env!("CARGO_PKG_VERSION"))
    );
    let packages = json["packages"].as_array().unwrap();
    let kernel = &packages[2];
    assert_eq!(kernel["SPDXID"], "SPDXRef-Package-2");
    assert_eq!(
        kernel["supplier"],
        "Person: Debian Kernel Team (debian-kernel@lists.debian.org)"
    );
    assert_eq!(kernel["originator"], "Person: Linus Torvalds");
    assert_eq!(kernel["primaryPackagePurpose"], "OPERATING-SYSTEM");
    assert_eq!(
        kernel["downloadLocation"],
        "https://deb.debian.org/debian/pool/main/l/linux/"
    );
    assert_eq!(kernel["homepage"], "https://www.kernel.org");
    assert_eq!(kernel["licenseDeclared"], "GPL-2.0-only");
    assert_eq!(kernel["filesAnalyzed"], false);
    let refs: Vec<String> = kernel["externalRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["referenceCategory"], r["referenceType"], r["referenceLocator"]
            )
            .replace('"', "")
        })
        .collect();
    assert_eq!(
        refs,
        [
            "PACKAGE-MANAGER purl pkg:deb/debian/linux-image-6.1.0-arm64@6.1.76-1?arch=arm64",
            "PACKAGE-MANAGER purl pkg:generic/linux@6.1.76",
            "SECURITY cpe22Type cpe:/o:linux:linux_kernel:6.1.76",
            "SECURITY cpe23Type cpe:2.3:o:linux:linux_kernel:6.1.76:*:*:*:*:*:*:*",
        ]
    );
    assert_eq!(
        kernel["sourceInfo"],
        format!("found at:\n{KO}\nfw.bin!/0x40000:squashfs!/boot/vmlinuz-6.1.0-arm64")
    );

    let ko = &packages[3];
    assert_eq!(ko["primaryPackagePurpose"], "FILE");
    assert_eq!(ko["supplier"], "NOASSERTION");
    assert_eq!(ko["originator"], "Organization: Huawei Technologies Co., Ltd.");
    assert_eq!(ko["licenseDeclared"], "LicenseRef-1 AND LicenseRef-2");
    assert_eq!(json["hasExtractedLicensingInfos"][0]["extractedText"], "GPL");
    assert_eq!(ko["checksums"][0]["algorithm"], "SHA256");
    assert_eq!(ko["checksums"].as_array().unwrap().len(), 1);
    let comments: Vec<&str> = ko["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["comment"].as_str().unwrap())
        .collect();
    assert_eq!(
        comments,
        [
            format!("vendorscan:evidence:module-author: Huawei Tech. Co., Ltd. @ {KO} @0x1c4 (.modinfo author)"),
            format!("vendorscan:evidence:hardware-id: pci:19e5 @ {KO} @0x3f0 (.modinfo alias)"),
            "vendorscan:party:author: Li Wei <li.wei@huawei.com>".to_string(),
        ]
    );
    assert_eq!(ko["annotations"][0]["annotationDate"], STAMP);

    let product = &packages[0];
    // The supplier's URL has no place in an SPDX actor: it is annotated.
    assert_eq!(
        product["annotations"][0]["comment"],
        "vendorscan:party:supplier: Example Networks Inc. <psirt@example.com> [https://example.com/a b]"
    );
    let relationships: Vec<String> = json["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]
            )
            .replace('"', "")
        })
        .collect();
    assert_eq!(
        relationships,
        [
            "SPDXRef-DOCUMENT DESCRIBES SPDXRef-Package-0",
            "SPDXRef-Package-0 CONTAINS SPDXRef-Package-1",
            "SPDXRef-Package-1 CONTAINS SPDXRef-Package-2",
            "SPDXRef-Package-2 CONTAINS SPDXRef-Package-3",
            "SPDXRef-Package-0 CONTAINS SPDXRef-Package-4",
            "SPDXRef-Package-0 DEPENDS_ON SPDXRef-Package-6",
            "SPDXRef-Package-4 DESCENDANT_OF SPDXRef-Package-5",
            "SPDXRef-Package-2 OTHER SPDXRef-Package-6",
        ]
    );
}

/// Values a hostile SBOM or firmware image can put in the model, none of which may make an
/// output invalid: characters XML cannot carry, URLs and purls with spaces, an over-long version,
/// malformed hashes, CPEs, e-mails and licences, clashing and unusable refs, loops, self-edges,
/// a service deriving from a component.
fn hostile() -> Inventory {
    let odd = "a<b>&\"c\u{1}\u{ffff}\r\nd";
    let mut a = Component::new(Origin::Component, odd, Location::line(1));
    a.bom_ref = Some("dup".into());
    a.kind = Some("weird kind".into());
    a.version = Some("9".repeat(2000).into());
    a.purls = vec![Located::new(
        Purl::parse("pkg:generic/a b@1 2#x#y").unwrap(),
        Location::line(1),
    )];
    a.cpes = vec![Located::new(
        vendorscan::model::Cpe::parse("cpe:2.3:a:foo").unwrap(),
        Location::line(1),
    )];
    a.hashes = vec![
        Hash::new("SHA-256", "ABCDEF"),
        Hash::new("sha1", "A363E0E98CA834166906B50A129C76AD7D4F035E"),
    ];
    a.licenses = vec!["MIT OR".into()];
    a.parties = vec![
        party(
            Role::Supplier,
            PartyKind::Organization,
            odd,
            &["not-an-email", "x (y)@z.org"],
            &["https://exa mple.com/[x]", "javascript:alert(1)"],
        ),
        party(Role::Author, PartyKind::Unknown, "", &[], &[]),
    ];
    {
        let d = a.details_mut();
        d.references = vec![Located::new(
            Reference {
                kind: "weird type!".into(),
                url: "http://x.org/a b".into(),
            },
            Location::line(1),
        )];
        d.download_location = Some(Located::new("file:///etc/passwd".into(), Location::line(1)));
        d.properties = vec![Located::new(
            Property {
                name: "".into(),
                value: odd.into(),
            },
            Location::line(1),
        )];
        d.evidence = vec![Located::new(
            Property {
                name: "string".into(),
                value: odd.into(),
            },
            Location::file(format!("fw!/{odd}"), Some(0), None),
        )];
        d.occurrences = vec![odd.into()];
        d.copyrights = vec![Located::new(odd.into(), Location::line(1))];
    }
    let mut b = Component::new(Origin::Component, "b", Location::line(1));
    b.bom_ref = Some("dup".into());
    b.licenses = vec!["LicenseRef-vendor".into(), "Apache-2.0 WITH LLVM-exception".into()];
    let mut c = Component::new(Origin::Component, "c", Location::line(1));
    c.bom_ref = Some("urn:cdx:12345678-1234-1234-1234-123456789012/1#x".into());
    let mut d = Component::new(Origin::Component, "d", Location::line(1));
    d.bom_ref = Some("c0".into());
    d.parties = vec![party(Role::Supplier, PartyKind::Person, "Li (Wei)", &[], &[])];
    let svc = Component::new(Origin::Service, "svc", Location::line(1));
    let mut components = vec![a, b, c, d, svc];
    for (i, c) in components.iter_mut().enumerate() {
        c.id = ComponentId::new(i);
    }
    let edges = [
        (0, 1, RelationKind::Contains),
        (1, 0, RelationKind::Contains),
        (2, 2, RelationKind::Contains),
        (2, 2, RelationKind::DependsOn),
        (3, 3, RelationKind::DerivedFrom),
        (4, 3, RelationKind::DerivedFrom),
        (3, 4, RelationKind::Contains),
        (4, 4, RelationKind::VariantOf),
    ];
    inventory_of(InventoryPart {
        document: Document::new("hostile", Format::Spdx, Encoding::Json),
        components,
        relationships: edges
            .iter()
            .map(|&(from, to, kind)| Relationship {
                from: ComponentId(from),
                to: ComponentId(to),
                kind,
                document: 0,
                at: Location::line(1),
            })
            .collect(),
        warnings: Vec::new(),
    })
}

#[test]
fn hostile_values_are_read_back() {
    let inv = hostile();
    for out in Out::ALL {
        let back = round_trip(&inv, out);
        let names: BTreeSet<&str> = back.components.iter().map(|c| c.name.as_str()).collect();
        assert!(names.contains("b") && names.contains("svc"), "{out:?}: {names:?}");
        let a = back.components.iter().find(|c| c.name.starts_with("a<b>&")).unwrap();
        assert_eq!(a.purls[0].value.name(), "a b", "{out:?}");
    }
}

#[test]
fn the_official_validators_accept_every_output() {
    let Some(python) = std::env::var_os("VENDORSCAN_VALIDATOR") else {
        eprintln!("VENDORSCAN_VALIDATOR is not set; schema validation skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut inventories: Vec<(String, Inventory)> = FIXTURES
        .iter()
        .map(|p| {
            (
                Path::new(p).file_name().unwrap().to_string_lossy().replace('.', "-"),
                fixture(p),
            )
        })
        .collect();
    inventories.push(("firmware".to_string(), firmware()));
    inventories.push(("hostile".to_string(), hostile()));
    for (name, inv) in &inventories {
        for out in Out::ALL {
            let path = dir.path().join(format!("{name}.{}", out.extension()));
            std::fs::write(&path, out.write(inv)).unwrap();
            files.push(path);
        }
    }
    let output = std::process::Command::new(python)
        .arg(Path::new(ROOT).join("scripts/validate-cyclonedx.py"))
        .args(&files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

// ---- `vendorscan sbom` of a Debian root (fixtures/sbom-root, cut from the real rootfs) ----

const DEB_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sbom-root/root");

/// `vendorscan sbom` of `target` with `args`, as JSON.
fn sbom_of(target: &str, args: &[&str]) -> serde_json::Value {
    let out = assert_cmd::Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["sbom", "-q", "--no-timestamp"])
        .args(args)
        .arg(target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// SPDX relationships as (from name, type, to name), names being package names and file names.
fn spdx_edges(doc: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    let mut names = std::collections::HashMap::new();
    for p in doc["packages"].as_array().unwrap() {
        names.insert(p["SPDXID"].as_str().unwrap(), p["name"].as_str().unwrap());
    }
    for f in doc["files"].as_array().into_iter().flatten() {
        names.insert(f["SPDXID"].as_str().unwrap(), f["fileName"].as_str().unwrap());
    }
    doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = |k: &str| {
                let id = r[k].as_str().unwrap();
                names.get(id).copied().unwrap_or(id).to_string()
            };
            (
                name("spdxElementId"),
                r["relationshipType"].as_str().unwrap().to_string(),
                name("relatedSpdxElement"),
            )
        })
        .collect()
}

fn spdx_package<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no package {name}"))
}

fn edge(from: &str, kind: &str, to: &str) -> (String, String, String) {
    (from.to_string(), kind.to_string(), to.to_string())
}

/// Identity, licences, the dependency graph and ownership through usrmerge's links: bash's purl
/// carries the distribution, its licences come from its DEP-5 copyright file, it depends on
/// what its `Depends`/`Pre-Depends` name, and it owns `/usr/bin/bash` although dpkg lists
/// `/bin/bash`.
#[test]
fn a_debian_root_gives_identity_licences_dependencies_and_ownership() {
    let doc = sbom_of(
        DEB_ROOT,
        &[
            "--format",
            "spdx-json",
            "--source-version",
            "1.0",
            "--source-supplier",
            "Example Lab",
        ],
    );
    let bash = spdx_package(&doc, "bash");
    let refs: Vec<&str> = bash["externalRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["referenceLocator"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        [
            "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12",
            "cpe:2.3:a:gnu:bash:5.2.15:*:*:*:*:*:*:*"
        ]
    );
    assert_eq!(bash["supplier"], "Person: Matthias Klose (doko@debian.org)");
    assert_eq!(
        bash["licenseDeclared"],
        "GPL-3.0-or-later AND LicenseRef-2 AND GPL-2.0-or-later AND LicenseRef-3 AND Latex2e AND LicenseRef-4 AND LicenseRef-5"
    );
    let extracted: Vec<(&str, &str)> = doc["hasExtractedLicensingInfos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["licenseId"].as_str().unwrap(), e["name"].as_str().unwrap()))
        .collect();
    assert!(
        extracted.contains(&("LicenseRef-2", "GPL-3+ with Bison exception")),
        "{extracted:?}"
    );
    // libc6's copyright file is free-form: a reference by hash, never a guess
    let libc = spdx_package(&doc, "libc6");
    assert_eq!(libc["licenseDeclared"], "LicenseRef-sha256-40c7e1f2118531f0");
    assert_eq!(
        libc["supplier"],
        "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)"
    );
    let os = spdx_package(&doc, "debian");
    assert_eq!(os["versionInfo"], "12");
    assert_eq!(os["primaryPackagePurpose"], "OPERATING-SYSTEM");
    assert_eq!(os["description"], "Debian GNU/Linux 12 (bookworm)");
    assert_eq!(os["supplier"], "Person: Santiago Vila (sanvila@debian.org)");
    assert_eq!(
        os["externalRefs"][0]["referenceLocator"],
        "cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*"
    );

    let edges = spdx_edges(&doc);
    for e in [
        edge("bash", "DEPENDS_ON", "libc6"),
        edge("bash", "DEPENDS_ON", "libtinfo6"),
        edge("bash", "DEPENDS_ON", "base-files"),
        edge("bash", "DEPENDS_ON", "debianutils"),
        edge("libtinfo6", "DEPENDS_ON", "libc6"),
        edge("bash", "CONTAINS", "./usr/bin/bash"),
        edge("debianutils", "CONTAINS", "./usr/bin/run-parts"),
        edge("libc6", "CONTAINS", "./usr/lib/x86_64-linux-gnu/libc.so.6"),
        edge("libc6", "CONTAINS", "./usr/lib64/ld-linux-x86-64.so.2"),
        edge("base-files", "CONTAINS", "./usr/lib/os-release"),
        edge("root", "CONTAINS", "./etc/motd.local"),
        edge("root", "CONTAINS", "debian"),
    ] {
        assert!(edges.contains(&e), "{e:?} missing");
    }
    let depends = edges.iter().filter(|(_, k, _)| k == "DEPENDS_ON").count();
    assert_eq!(depends, 6);
    // files are SPDX files with SHA-1 and SHA-256; only packages are packages
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 18);
    let bash_file = files.iter().find(|f| f["fileName"] == "./usr/bin/bash").unwrap();
    let algs: Vec<&str> = bash_file["checksums"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["algorithm"].as_str().unwrap())
        .collect();
    assert_eq!(algs, ["SHA256", "SHA1"]);
    assert_eq!(doc["packages"].as_array().unwrap().len(), 7);
    assert_eq!(bash["filesAnalyzed"], true);
}

/// `--files owned` keeps the files a package lists, `--files none` none; the packages and their
/// graph stay.
#[test]
fn files_can_be_left_out() {
    let count = |doc: &serde_json::Value| doc["files"].as_array().map_or(0, Vec::len);
    let all = sbom_of(DEB_ROOT, &["--format", "spdx-json"]);
    let owned = sbom_of(DEB_ROOT, &["--format", "spdx-json", "--files", "owned"]);
    let none = sbom_of(DEB_ROOT, &["--format", "spdx-json", "--files", "none"]);
    assert_eq!((count(&all), count(&owned), count(&none)), (18, 11, 0));
    let depends = |doc: &serde_json::Value| {
        spdx_edges(doc)
            .into_iter()
            .filter(|(_, k, _)| k == "DEPENDS_ON")
            .collect::<Vec<_>>()
    };
    assert_eq!(depends(&none), depends(&all));
    assert!(!spdx_edges(&owned).contains(&edge("root", "CONTAINS", "./etc/motd.local")));
    let cdx = sbom_of(DEB_ROOT, &["--files", "none"]);
    let types: BTreeSet<&str> = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, BTreeSet::from(["library", "operating-system"]));
}

/// CycloneDX nests a package's files under it as `type: file` components.
#[test]
fn cyclonedx_nests_files_under_their_package() {
    let cdx = sbom_of(DEB_ROOT, &[]);
    let bash = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "bash")
        .unwrap();
    assert_eq!(
        bash["purl"],
        "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12"
    );
    let nested: BTreeSet<(&str, &str)> = bash["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["type"].as_str().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(nested, BTreeSet::from([("file", "bash"), ("file", "copyright")]));
    let libc = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "libc6")
        .unwrap();
    let deps = cdx["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == bash["bom-ref"])
        .unwrap();
    assert!(deps["dependsOn"].as_array().unwrap().contains(&libc["bom-ref"]));
}

/// The SPDX of the Debian root and of the router fixture pass the SPDX tools and
/// ntia-conformance-checker (NTIA minimum elements), and the CycloneDX validates against 1.6.
#[test]
fn ntia_conformance_checker_accepts_the_spdx() {
    let Some(python) = std::env::var_os("VENDORSCAN_VALIDATOR") else {
        eprintln!("VENDORSCAN_VALIDATOR is not set; NTIA check skipped");
        return;
    };
    let checker = Path::new(&python).with_file_name("ntia-checker");
    let dir = tempfile::tempdir().unwrap();
    let router = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out/router-flash.bin");
    let mut written = Vec::new();
    for (name, target) in [("debian", DEB_ROOT), ("router", router)] {
        for (format, ext) in [("spdx-json", "spdx.json"), ("cyclonedx-json", "cdx.json")] {
            let path = dir.path().join(format!("{name}.{ext}"));
            assert_cmd::Command::cargo_bin("vendorscan")
                .unwrap()
                .args(["sbom", "-q", "--format", format, "--source-version", "1.0"])
                .args(["--source-supplier", "Example Lab", "-o"])
                .arg(&path)
                .arg(target)
                .assert()
                .success();
            written.push(path.clone());
            if format != "spdx-json" {
                continue;
            }
            let out = std::process::Command::new(&checker)
                .args(["-r", "json"])
                .arg(&path)
                .output()
                .unwrap();
            let report: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
            assert_eq!(report["isNtiaConformant"], true, "{name}: {report:#}");
            assert_eq!(report["validationMessages"], serde_json::json!([]), "{name}");
        }
    }
    let output = std::process::Command::new(&python)
        .arg(Path::new(ROOT).join("scripts/validate-cyclonedx.py"))
        .args(&written)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
}

/// A container that is a file of its own — the update bundle in the router's tree — is listed
/// as a file with its own SHA-256 and SHA-1 (those of the bytes on disk), and contains its
/// members; in CycloneDX they nest under it.
#[test]
fn a_container_on_disk_is_a_file_that_contains_its_members() {
    const ROUTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/router-root");
    let doc = sbom_of(ROUTER, &["--format", "spdx-json"]);
    let bundle = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fileName"] == "./usr/share/update/bundle.tar.gz")
        .expect("the bundle is a file");
    let sums: Vec<(&str, &str)> = bundle["checksums"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["algorithm"].as_str().unwrap(), c["checksumValue"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sums,
        [
            (
                "SHA256",
                "fbbee15a2810466c7baa4ce8f4f2f4357651f57c9cb6ecc1c766d89e297bd283"
            ),
            ("SHA1", "1c2c2b2492b7b4d50d1724d28652a11687cd4ec2"),
        ]
    );
    let edges = spdx_edges(&doc);
    let bundle = "./usr/share/update/bundle.tar.gz";
    for e in [
        edge("router-root", "CONTAINS", bundle),
        edge(bundle, "CONTAINS", "./usr/share/update/bundle.tar.gz!gzip!/update.txt"),
        edge(bundle, "CONTAINS", "./usr/share/update/bundle.tar.gz!gzip!/../escape"),
    ] {
        assert!(edges.contains(&e), "{e:?} missing");
    }
    // nothing else holds the members
    let holders: Vec<&(String, String, String)> = edges
        .iter()
        .filter(|(_, _, to)| to.contains("bundle.tar.gz!"))
        .collect();
    assert_eq!(holders.len(), 2, "{holders:?}");

    let cdx = sbom_of(ROUTER, &[]);
    let bundle = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "bundle.tar.gz")
        .expect("the bundle is a component");
    assert_eq!(bundle["type"], "file");
    let props: Vec<(&str, &str)> = bundle["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .collect();
    assert!(props.contains(&("vendorscan:container", "gzip")), "{props:?}");
    let nested: BTreeSet<&str> = bundle["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(nested, BTreeSet::from(["escape", "update.txt"]));
}
