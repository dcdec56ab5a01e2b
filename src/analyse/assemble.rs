//! Assembly: the walked files and their facts become components of one inventory document —
//! the product root (the image or directory itself), a component per package a database lists,
//! and a component per file. Files a package owns are contained by it and their evidence is
//! the package's; other files are contained by the root and keep their evidence.

use crate::firmware::Walked;
use crate::model::{
    Component, ComponentId, Document, Encoding, Format, Hash, InventoryPart, Located, Location, Origin, PackageRecord,
    Party, PartyKind, Property, Purl, Reference, RelationKind, Relationship,
};
use std::collections::HashMap;

/// The filesystem a walked file lies in, as the prefix its owners' absolute paths are joined
/// to: everything up to the last `!` of an image member (`fw.bin!/0x4003:squashfs!`), or the
/// directory target for a file below a directory. Only the part after the target is read for
/// `!`: the target is the user's own path and may hold one.
fn filesystem_of<'p>(path: &'p str, target: &str) -> &'p str {
    let below = path.strip_prefix(target).map_or(0, |_| target.len());
    match path[below..].rfind('!') {
        Some(i) => &path[..=below + i],
        None => path[..below.min(path.len())].trim_end_matches('/'),
    }
}

/// The name a file component gets: the last member name of its path below the target,
/// looking through decompressed streams (`…/Linux-5.10.0!gzip` is `Linux-5.10.0`); a carved
/// region is named by its offset and type (`0x3001:fdt`).
fn file_name<'p>(path: &'p str, target: &str) -> &'p str {
    let below = path.strip_prefix(target).map_or(0, |_| target.len());
    let mut p = path;
    while let Some((head, last)) = p[below.min(p.len())..].rsplit_once('!') {
        if last.starts_with('/') {
            break;
        }
        p = &p[..below + head.len()];
    }
    p[below.min(p.len())..]
        .rsplit(['/', '!'])
        .find(|s| !s.is_empty())
        // a stream of the target itself is named after the target
        .or_else(|| p.rsplit('/').find(|s| !s.is_empty()))
        .unwrap_or(path)
}

/// A package name as owners and file lists are matched: case-folded, runs of `-`, `_`, `.`
/// as one `-` (a Python `RECORD` sits in `typing_extensions-4.0.dist-info` for the project
/// `typing-extensions`; PEP 503).
fn name_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// A jar's records as one: its `MANIFEST.MF` gives the vendor but no coordinates, its
/// `pom.properties` the coordinates (and so the purl) but no vendor. Within one filesystem
/// (one jar), parties and licences of purl-less maven records move to the first record with a
/// purl. One pass over the records, whatever their number.
fn merge_jar_records(records: Vec<(String, String, PackageRecord)>) -> Vec<(String, String, PackageRecord)> {
    let is_maven = |r: &PackageRecord, with_purl: bool| r.ecosystem == "maven" && r.purl.is_some() == with_purl;
    let mut pom: HashMap<String, usize> = HashMap::new();
    for (i, (fs, _, r)) in records.iter().enumerate() {
        if is_maven(r, true) {
            pom.entry(fs.clone()).or_insert(i);
        }
    }
    let mut slots: Vec<Option<(String, String, PackageRecord)>> = records.into_iter().map(Some).collect();
    for i in 0..slots.len() {
        let Some(target) = slots[i]
            .as_ref()
            .filter(|(_, _, r)| is_maven(r, false))
            .and_then(|(fs, _, _)| pom.get(fs).copied())
        else {
            continue;
        };
        let Some((_, _, manifest)) = slots[i].take() else {
            continue;
        };
        let Some((_, _, into)) = slots[target].as_mut() else {
            continue;
        };
        into.parties.extend(manifest.parties);
        if into.licenses.is_empty() {
            into.licenses = manifest.licenses;
        }
        if into.description.is_none() {
            into.description = manifest.description;
        }
    }
    slots.into_iter().flatten().collect()
}

/// The version a file's own facts give: a module's, a kernel banner's, a version resource's.
fn version_of(props: &[crate::model::FileProperty]) -> Option<String> {
    [
        "module-version",
        "linux-version",
        "pe-product-version",
        "pe-file-version",
    ]
    .iter()
    .find_map(|name| props.iter().find(|p| p.name == *name).map(|p| p.value.clone()))
}

struct Builder {
    components: Vec<Component>,
    relationships: Vec<Relationship>,
}

impl Builder {
    fn add(&mut self, mut c: Component) -> usize {
        let i = self.components.len();
        c.id = ComponentId::new(i);
        self.components.push(c);
        i
    }

    fn contains(&mut self, from: usize, to: usize, at: Location) {
        self.relationships.push(Relationship {
            from: ComponentId::new(from),
            to: ComponentId::new(to),
            kind: RelationKind::Contains,
            document: 0,
            at,
        });
    }

    fn package(&mut self, record: &PackageRecord, db: &str) -> usize {
        let line = record.line.map(|l| format!("line {l}"));
        let at = Location::file(db, None, line);
        let mut c = Component::new(Origin::Component, record.name.as_str(), at.clone());
        c.kind = Some("library".into());
        c.version = record.version.as_deref().map(Into::into);
        if let Some(purl) = record.purl.as_deref().and_then(|p| Purl::parse(p).ok()) {
            c.purls.push(Located::new(purl, at.clone()));
        }
        c.licenses = record.licenses.iter().map(|l| l.as_str().into()).collect();
        for p in &record.parties {
            let place = Location::file(
                db,
                None,
                Some(format!(
                    "{}{}",
                    p.field,
                    p.line.map(|l| format!(", line {l}")).unwrap_or_default()
                )),
            );
            let mut party = Party::named(p.role, PartyKind::Unknown, Some(p.value.as_str().into()), place);
            party.normalise();
            c.parties.push(party);
        }
        if record.description.is_some() || !record.urls.is_empty() {
            let d = c.details_mut();
            d.description = record.description.as_deref().map(Into::into);
            d.references = record
                .urls
                .iter()
                .map(|u| {
                    Located::new(
                        Reference {
                            kind: "website".into(),
                            url: u.as_str().into(),
                        },
                        at.clone(),
                    )
                })
                .collect();
        }
        self.add(c)
    }
}

/// Turns one walked target into an inventory document. The files' facts are taken out of
/// `walked` (they live on in the components); the file list itself stays.
pub fn assemble(target: &str, is_dir: bool, walked: &mut Walked) -> InventoryPart {
    let mut document = Document::new(target, Format::Image, Encoding::Binary);
    let mut b = Builder {
        components: Vec::new(),
        relationships: Vec::new(),
    };
    let here = || Location::file(target, None, None);
    let mut root = Component::new(
        Origin::Metadata,
        target.rsplit('/').find(|s| !s.is_empty()).unwrap_or(target),
        here(),
    );
    root.kind = Some(if is_dir { "platform" } else { "firmware" }.into());
    let top = walked
        .files
        .iter()
        .find(|f| f.path == target)
        .and_then(|f| Some((f.sha256.clone()?, f.size)))
        .or_else(|| {
            walked
                .containers
                .iter()
                .find(|c| c.path == target)
                .map(|c| (c.sha256.clone(), c.size))
        });
    document.size = match &top {
        Some((_, size)) => *size,
        // a directory: its own files, not what was unpacked from them
        None => walked
            .files
            .iter()
            .filter(|f| !f.path.contains('!'))
            .map(|f| f.size)
            .sum(),
    };
    if let Some((sha, _)) = top {
        document.sha256 = sha.clone();
        root.hashes.push(Hash::new("SHA-256", &sha));
    }
    let root = b.add(root);
    document.describes = vec![ComponentId::new(root)];

    // Packages first, so files can be given to their owners: (filesystem, database file, record).
    // The records are taken out of the facts: they live on as components.
    let mut records: Vec<(String, String, PackageRecord)> = Vec::new();
    for f in &mut walked.files {
        // a package database a later image layer removed lists no package of the final filesystem
        let removed = f.layer.as_ref().is_some_and(|l| l.removed.is_some());
        let Some(facts) = &mut f.facts else { continue };
        let fs = filesystem_of(&f.path, target);
        if removed {
            facts.packages.clear();
            continue;
        }
        for record in std::mem::take(&mut facts.packages) {
            records.push((fs.to_string(), f.path.clone(), record));
        }
    }
    let records = merge_jar_records(records);
    let mut owner: HashMap<(String, String), usize> = HashMap::new();
    let mut by_name: HashMap<(String, String), usize> = HashMap::new();
    let mut seen: HashMap<(String, &'static str, String, Option<String>), usize> = HashMap::new();
    for (fs, db, record) in &records {
        let key = (
            fs.clone(),
            record.ecosystem,
            record.name.clone(),
            record.version.clone(),
        );
        let i = match seen.get(&key) {
            Some(&i) => i,
            None => {
                let i = b.package(record, db);
                b.contains(root, i, Location::file(db, None, None));
                seen.insert(key, i);
                i
            }
        };
        by_name.entry((fs.clone(), name_key(&record.name))).or_insert(i);
        for file in &record.files {
            owner.insert((fs.clone(), file.clone()), i);
        }
    }
    for f in &walked.files {
        let Some(facts) = &f.facts else { continue };
        let fs = filesystem_of(&f.path, target);
        for own in &facts.owns {
            if let Some(&i) = by_name.get(&(fs.to_string(), name_key(&own.package))) {
                for file in &own.files {
                    owner.entry((fs.to_string(), file.clone())).or_insert(i);
                }
            }
        }
    }

    // Then every regular file.
    for f in &mut walked.files {
        let Some(sha) = f.sha256.clone() else { continue };
        if f.path == target {
            // A single-file target is the root itself.
            if let Some(facts) = f.facts.take() {
                attach(&mut b.components[root], &f.path, *facts);
            }
            continue;
        }
        let fs = filesystem_of(&f.path, target);
        let inner = &f.path[fs.len()..];
        // a file an image layer removed is shipped, not installed: no package owns it
        let removed = f.layer.as_ref().and_then(|l| l.removed_note());
        let owned_by = match removed {
            None => owner.get(&(fs.to_string(), inner.to_string())).copied(),
            Some(_) => None,
        };
        let facts = f.facts.take().map(|b| *b).unwrap_or_default();
        let name = file_name(&f.path, target);
        let mut c = Component::new(Origin::File, name, Location::file(&f.path, None, None));
        c.kind = Some("file".into());
        c.hashes.push(Hash::new("SHA-256", &sha));
        c.version = version_of(&facts.properties).map(Into::into);
        c.details_mut().occurrences.push(f.path.as_str().into());
        for p in &facts.properties {
            c.details_mut().properties.push(Located::new(
                Property {
                    name: p.name.into(),
                    value: p.value.as_str().into(),
                },
                Location::file(&f.path, None, None),
            ));
        }
        if let Some(layer) = &f.layer {
            layer_properties(&mut c, &f.path, layer, removed);
        }
        let i = b.add(c);
        match owned_by {
            Some(pkg) => {
                b.components[pkg].details_mut().occurrences.push(f.path.as_str().into());
                attach_evidence(&mut b.components[pkg], &f.path, &facts, false);
                b.contains(pkg, i, Location::file(&f.path, None, None));
            }
            None => {
                attach_evidence(&mut b.components[i], &f.path, &facts, false);
                b.contains(root, i, Location::file(&f.path, None, None));
            }
        }
        if f.layer.as_ref().is_none_or(|l| l.removed.is_none()) {
            attach_evidence(&mut b.components[root], &f.path, &facts, true);
        }
    }
    document.component_count = b.components.len() - 1;
    InventoryPart {
        document,
        components: b.components,
        relationships: b.relationships,
        warnings: Vec::new(),
    }
}

/// The image layer a file came from, as properties of its component that the rule engine
/// turns into notes on its findings: `image-layer` (index, digest, the `created_by` that made
/// it) and, for a file a later layer removed, `image-removed` (the note that caps its findings
/// at review: it is shipped in the image, not part of its final filesystem).
fn layer_properties(c: &mut Component, path: &str, layer: &crate::model::FileLayer, removed: Option<String>) {
    let mut value = format!("layer {} ({})", layer.index, layer.digest);
    if let Some(by) = &layer.created_by {
        value.push_str(&format!(", created by {by}"));
    }
    let d = c.details_mut();
    for (name, value) in [("image-layer", Some(value)), ("image-removed", removed)] {
        if let Some(value) = value {
            d.properties.push(Located::new(
                Property {
                    name: name.into(),
                    value: value.into(),
                },
                Location::file(path, None, None),
            ));
        }
    }
}

/// Evidence fields about the device as a whole, wherever the file lies: they count for the
/// product root, not the file or its package (the product's own web UI footer).
const PRODUCT_FIELDS: &[&str] = &["web-ui-copyright"];

/// A file's graded facts onto the component they count for, each located in the file: the
/// facts about the product (`product`) or the others.
fn attach_evidence(c: &mut Component, path: &str, facts: &crate::model::Facts, product: bool) {
    let mut facts = facts
        .evidence
        .iter()
        .filter(|e| PRODUCT_FIELDS.contains(&e.field) == product)
        .peekable();
    if facts.peek().is_none() {
        return;
    }
    let d = c.details_mut();
    for e in facts {
        d.evidence.push(Located::new(
            Property {
                name: e.field.into(),
                value: e.value.as_str().into(),
            },
            Location::file(path, e.offset, Some(e.place.to_string())),
        ));
    }
}

/// A single-file target's facts onto the root.
fn attach(c: &mut Component, path: &str, facts: crate::model::Facts) {
    attach_evidence(c, path, &facts, false);
    attach_evidence(c, path, &facts, true);
    for p in &facts.properties {
        c.details_mut().properties.push(Located::new(
            Property {
                name: p.name.into(),
                value: p.value.as_str().into(),
            },
            Location::file(path, None, None),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::{file_name, filesystem_of, name_key};

    #[test]
    fn names_and_filesystems() {
        assert_eq!(
            file_name("fw.bin!/0x200:uimage!/Linux-5.10.0!gzip", "fw.bin"),
            "Linux-5.10.0"
        );
        assert_eq!(file_name("fw.bin!/0x3001:fdt", "fw.bin"), "0x3001:fdt");
        assert_eq!(file_name("a.tar.gz!gzip!/usr/bin/ls", "a.tar.gz"), "ls");
        assert_eq!(file_name("dir/rootfs/etc/", "dir/rootfs"), "etc");
        assert_eq!(file_name("k.gz!gzip", "k.gz"), "k.gz");
        // a `!` in the target's own name is not notation
        assert_eq!(file_name("old!fw/etc/passwd", "old!fw"), "passwd");
        assert_eq!(file_name("old!fw.bin!gzip", "old!fw.bin"), "old!fw.bin");
        assert_eq!(filesystem_of("old!fw/etc/passwd", "old!fw"), "old!fw");
        assert_eq!(filesystem_of("old!fw.bin!/usr/x", "old!fw.bin"), "old!fw.bin!");
        assert_eq!(
            filesystem_of("fw.bin!/0x4003:squashfs!/usr/lib/opkg/status", "fw.bin"),
            "fw.bin!/0x4003:squashfs!"
        );
        assert_eq!(filesystem_of("root/var/lib/dpkg/status", "root/"), "root");
        assert_eq!(name_key("typing_extensions"), name_key("Typing-Extensions"));
        assert_eq!(name_key("zope.interface"), "zope-interface");
    }
}
