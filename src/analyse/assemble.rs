//! Assembly: the walked files and their facts become components of one inventory document —
//! the product root (the image or directory itself), a component per package a database lists,
//! and a component per file, and per container that is a file (a `.deb`, a `.zip` member). Files
//! a package owns are contained by it and their evidence is the package's; other files are
//! contained by the container they were unpacked from, else by the root, and keep their evidence.

use crate::analyse::checksum::SHA1_PROPERTY;
use crate::analyse::packages::join_normalised;
use crate::analyse::{cpe_names, licence, party_kind};
use crate::firmware::Walked;
use crate::model::{
    Component, ComponentId, Cpe, Document, Encoding, Format, Hash, InventoryPart, Located, Location, Origin, OsRelease,
    PackageRecord, Party, Property, Purl, Reference, RelationKind, Relationship, Role,
};
use std::collections::{HashMap, HashSet};

/// The property of a file component that is a container: its format (`deb`, `zip`, `gzip`).
pub const CONTAINER_PROPERTY: &str = "container";

/// Symbolic links followed in one path at most when resolving it (Linux's own limit is 40).
const MAX_LINK_HOPS: usize = 40;

/// `path` (absolute, inside one filesystem) with every directory component that is a symbolic
/// link in `links` replaced by the link's target, lexically and never above the filesystem's
/// root: `/bin/bash` with `/bin → usr/bin` is `/usr/bin/bash`. The last component is not
/// followed (a package owns a link itself, not what it names). `None` when nothing changed, or
/// the links loop.
fn resolve_dirs(links: &HashMap<String, String>, path: &str) -> Option<String> {
    let mut current = path.to_owned();
    let mut hops = 0;
    'again: loop {
        let parts: Vec<&str> = current.split('/').filter(|p| !p.is_empty()).collect();
        let mut prefix = String::new();
        for (i, part) in parts.iter().enumerate().take(parts.len().saturating_sub(1)) {
            let parent_len = prefix.len();
            prefix.push('/');
            prefix.push_str(part);
            if let Some(target) = links.get(&prefix) {
                hops += 1;
                if hops > MAX_LINK_HOPS {
                    return None;
                }
                let base = if target.starts_with('/') {
                    "/"
                } else {
                    &prefix[..parent_len.max(1)]
                };
                let rest = parts[i + 1..].join("/");
                // `base` is absolute, so the join is too
                let joined = join_normalised(base, &format!("{target}/{rest}"));
                current = joined;
                continue 'again;
            }
        }
        break;
    }
    (current != path).then_some(current)
}

/// A purl with the `distro` qualifier of the operating system it was installed on
/// (`distro=debian-12`, as syft and trivy write it), for the ecosystems whose packages are the
/// distribution's own; apk's namespace becomes the distribution's `ID` (`alpine`, `openwrt`).
fn with_distro(purl: &str, os: &OsRelease) -> Option<String> {
    let mut p: packageurl::PackageUrl<'_> = purl.parse().ok()?;
    if !matches!(p.ty(), "deb" | "apk" | "opkg") {
        return None;
    }
    let distro = match &os.version_id {
        Some(v) => format!("{}-{v}", os.id),
        None => os.id.clone(),
    };
    if p.ty() == "apk" {
        p.with_namespace(os.id.clone()).ok()?;
    }
    p.add_qualifier("distro", distro).ok()?;
    Some(p.to_string())
}

/// The source package name as dpkg writes it, without its version (`bzip2 (1.0.8-5)`).
fn source_name(record: &PackageRecord) -> &str {
    record
        .source
        .as_deref()
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or(&record.name)
}

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

/// The component of the nearest path in `holders` that encloses `path` — `a.deb` for
/// `a.deb!/data.tar.xz`, `a.deb!/data.tar.xz` for `a.deb!/data.tar.xz!xz!/usr/bin/x` (a decoded
/// stream or a carved region has no component: the search goes on past it). Only the part
/// after the target is read for `!`, as in [`filesystem_of`].
fn enclosing(path: &str, target: &str, holders: &HashMap<String, usize>) -> Option<usize> {
    let below = path.strip_prefix(target).map_or(0, |_| target.len());
    path[below..]
        .rmatch_indices('!')
        .find_map(|(i, _)| holders.get(&path[..below + i]).copied())
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
        if let Some(cpe) = record
            .version
            .as_deref()
            .filter(|_| matches!(record.ecosystem, "deb" | "apk" | "opkg"))
            .and_then(|v| cpe_names::package(source_name(record), v))
            .and_then(|t| Cpe::parse(&t).ok())
        {
            c.cpes.push(Located::new(cpe, at.clone()));
        }
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
            let kind = party_kind::of(&p.value);
            let mut party = Party::named(p.role, kind, Some(p.value.as_str().into()), place);
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

    // What the filesystems say about themselves: the operating system (`etc/os-release` over
    // `usr/lib/os-release`), licences stated for packages in files of their own, and the
    // symbolic links package file lists are read through.
    let mut systems: HashMap<String, (OsRelease, String)> = HashMap::new();
    let mut stated: HashMap<(String, &'static str, String), Vec<String>> = HashMap::new();
    let mut links: HashMap<String, HashMap<String, String>> = HashMap::new();
    for f in &mut walked.files {
        let fs = filesystem_of(&f.path, target);
        if f.kind == "symlink" {
            if let Some(to) = &f.link {
                let inner = &f.path[fs.len()..];
                if inner.starts_with('/') {
                    links
                        .entry(fs.to_string())
                        .or_default()
                        .insert(inner.trim_end_matches('/').to_string(), to.clone());
                }
            }
        }
        let Some(facts) = &mut f.facts else { continue };
        if let Some(os) = facts.os.take() {
            let better = systems.get(fs).is_none_or(|(have, _)| os.in_etc && !have.in_etc);
            if better {
                systems.insert(fs.to_string(), (os, f.path.clone()));
            }
        }
        for l in std::mem::take(&mut facts.package_licenses) {
            stated
                .entry((fs.to_string(), l.ecosystem, name_key(&l.package)))
                .or_default()
                .extend(l.licenses);
        }
    }

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
    let mut records = merge_jar_records(records);
    for (fs, _, record) in &mut records {
        let mut licences: Vec<String> = Vec::new();
        // A package whose documentation directory is a link to another's (Debian's
        // `usr/share/doc/libgcc-s1 → gcc-12-base`) shares that package's copyright file.
        let doc_link = links
            .get(fs.as_str())
            .and_then(|l| l.get(&format!("/usr/share/doc/{}", record.name)))
            .map(|to| to.trim_end_matches('/').rsplit('/').next().unwrap_or(to).to_string());
        let from_file = stated
            .get(&(fs.clone(), record.ecosystem, name_key(&record.name)))
            .or_else(|| doc_link.and_then(|other| stated.get(&(fs.clone(), record.ecosystem, name_key(&other)))));
        for l in record.licenses.iter().chain(from_file.into_iter().flatten()) {
            let n = licence::normalise(l);
            if !n.is_empty() && !licences.contains(&n) {
                licences.push(n);
            }
        }
        record.licenses = licences;
        if let Some((os, _)) = systems.get(fs.as_str()) {
            if let Some(p) = record.purl.as_deref().and_then(|p| with_distro(p, os)) {
                record.purl = Some(p);
            }
        }
    }
    let mut owner: HashMap<(String, String), usize> = HashMap::new();
    let mut by_name: HashMap<(String, String), usize> = HashMap::new();
    let mut seen: HashMap<(String, &'static str, String, Option<String>), usize> = HashMap::new();
    // (filesystem, ecosystem, name) → package, and the names each provides.
    let mut installed: HashMap<(String, &'static str, String), usize> = HashMap::new();
    let mut provided: HashMap<(String, &'static str, String), Vec<usize>> = HashMap::new();
    let mut made: Vec<(usize, usize)> = Vec::new();
    for (r, (fs, db, record)) in records.iter().enumerate() {
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
                made.push((r, i));
                i
            }
        };
        by_name.entry((fs.clone(), name_key(&record.name))).or_insert(i);
        installed
            .entry((fs.clone(), record.ecosystem, name_key(&record.name)))
            .or_insert(i);
        for name in &record.provides {
            provided
                .entry((fs.clone(), record.ecosystem, name_key(name)))
                .or_default()
                .push(i);
        }
        for file in &record.files {
            owner.entry((fs.clone(), file.clone())).or_insert(i);
        }
    }
    // The dependency graph: each entry's first alternative that is installed, by name or as a
    // name another installed package provides; entries nothing installed satisfies are left out.
    for &(r, i) in &made {
        let (fs, db, record) = &records[r];
        let mut to: Vec<usize> = Vec::new();
        for alternatives in &record.depends {
            let found = alternatives.iter().find_map(|name| {
                let key = (fs.clone(), record.ecosystem, name_key(name));
                installed
                    .get(&key)
                    .copied()
                    .or_else(|| provided.get(&key).and_then(|p| p.first().copied()))
            });
            if let Some(j) = found.filter(|&j| j != i && !to.contains(&j)) {
                to.push(j);
            }
        }
        for j in to {
            b.relationships.push(Relationship {
                from: ComponentId::new(i),
                to: ComponentId::new(j),
                kind: RelationKind::DependsOn,
                document: 0,
                at: Location::file(db, None, record.line.map(|l| format!("line {l}"))),
            });
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
    // Files a package lists through a directory link (`/bin/bash` with `/bin → usr/bin`) are
    // owned where they lie, unless a package lists that path itself.
    let mut through_links: Vec<((String, String), usize)> = Vec::new();
    for ((fs, path), &i) in &owner {
        if let Some(resolved) = links.get(fs).and_then(|l| resolve_dirs(l, path)) {
            through_links.push(((fs.clone(), resolved), i));
        }
    }
    through_links.sort();
    for (key, i) in through_links {
        owner.entry(key).or_insert(i);
    }

    // The operating system of each filesystem that names one and has a package database (an
    // os-release inside a package archive, `base-files.deb!/data.tar.xz`, is no installed
    // system): supplied by its `VENDOR_NAME`, else by the supplier of the package that owns the
    // os-release file (Debian's base-files).
    let mut systems: Vec<(String, (OsRelease, String))> = systems
        .into_iter()
        .filter(|(fs, _)| {
            records
                .iter()
                .any(|(f, _, r)| f == fs && matches!(r.ecosystem, "deb" | "apk" | "opkg"))
        })
        .collect();
    systems.sort_by(|a, b| a.0.cmp(&b.0));
    for (fs, (os, path)) in systems {
        let at = Location::file(&path, None, None);
        let mut c = Component::new(Origin::Component, os.id.as_str(), at.clone());
        c.kind = Some("operating-system".into());
        c.version = os.version_id.as_deref().map(Into::into);
        if let Some(cpe) = os
            .version_id
            .as_deref()
            .and_then(|v| cpe_names::system(&os.id, v))
            .and_then(|t| Cpe::parse(&t).ok())
        {
            c.cpes.push(Located::new(cpe, at.clone()));
        }
        match &os.vendor_name {
            Some(v) => {
                let mut party = Party::named(
                    Role::Supplier,
                    crate::model::PartyKind::Organization,
                    Some(v.as_str().into()),
                    Location::file(&path, None, Some("VENDOR_NAME".into())),
                );
                party.normalise();
                c.parties.push(party);
            }
            None => {
                let inner = &path[fs.len()..];
                if let Some(&pkg) = owner.get(&(fs.clone(), inner.to_string())) {
                    let supplier = b.components[pkg]
                        .parties
                        .iter()
                        .find(|p| p.role == Role::Supplier)
                        .cloned();
                    c.parties.extend(supplier);
                }
            }
        }
        let d = c.details_mut();
        d.description = os.pretty_name.as_deref().or(os.name.as_deref()).map(Into::into);
        if let Some(url) = &os.home_url {
            d.references.push(Located::new(
                Reference {
                    kind: "website".into(),
                    url: url.as_str().into(),
                },
                at.clone(),
            ));
        }
        let i = b.add(c);
        b.contains(root, i, at);
    }

    // Containers that are files of their own (a `.deb` in the apt cache, a `.jar` in a
    // package, a `.zip` member of an update bundle): a file component each, with its hashes, so
    // the SBOM lists the file and what it holds hangs under it. The target itself is the root,
    // and decoded streams, carved regions and image layers are not files (they have no SHA-1);
    // a container that is also listed as a file (one recognised but not unpacked) is that file.
    let listed: HashSet<&str> = walked.files.iter().map(|f| f.path.as_str()).collect();
    // Components of files and containers by path, and those no package owns with their path:
    // each is contained by the nearest component whose path encloses its own, else the root.
    let mut holders: HashMap<String, usize> = HashMap::new();
    let mut unowned: Vec<(usize, String)> = Vec::new();
    for container in &walked.containers {
        let Some(sha1) = &container.sha1 else { continue };
        if container.path == target || listed.contains(container.path.as_str()) {
            continue;
        }
        let fs = filesystem_of(&container.path, target);
        let inner = &container.path[fs.len()..];
        let at = || Location::file(&container.path, None, None);
        let mut c = Component::new(Origin::File, file_name(&container.path, target), at());
        c.kind = Some("file".into());
        c.hashes.push(Hash::new("SHA-256", &container.sha256));
        c.hashes.push(Hash::new("SHA-1", sha1));
        c.details_mut().occurrences.push(container.path.as_str().into());
        c.details_mut().properties.push(Located::new(
            Property {
                name: CONTAINER_PROPERTY.into(),
                value: container.kind.as_str().into(),
            },
            at(),
        ));
        let i = b.add(c);
        holders.insert(container.path.clone(), i);
        match owner.get(&(fs.to_string(), inner.to_string())).copied() {
            Some(pkg) => {
                b.components[pkg]
                    .details_mut()
                    .occurrences
                    .push(container.path.as_str().into());
                b.contains(pkg, i, at());
            }
            None => unowned.push((i, container.path.clone())),
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
        if let Some(sha1) = facts.properties.iter().find(|p| p.name == SHA1_PROPERTY) {
            c.hashes.push(Hash::new("SHA-1", &sha1.value));
        }
        c.version = version_of(&facts.properties).map(Into::into);
        c.details_mut().occurrences.push(f.path.as_str().into());
        for p in facts.properties.iter().filter(|p| p.name != SHA1_PROPERTY) {
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
        // a data file regions were carved from holds what they hold
        holders.insert(f.path.clone(), i);
        match owned_by {
            Some(pkg) => {
                b.components[pkg].details_mut().occurrences.push(f.path.as_str().into());
                attach_evidence(&mut b.components[pkg], &f.path, &facts, false);
                b.contains(pkg, i, Location::file(&f.path, None, None));
            }
            None => {
                attach_evidence(&mut b.components[i], &f.path, &facts, false);
                unowned.push((i, f.path.clone()));
            }
        }
        if f.layer.as_ref().is_none_or(|l| l.removed.is_none()) {
            attach_evidence(&mut b.components[root], &f.path, &facts, true);
        }
    }
    for (i, path) in unowned {
        let from = enclosing(&path, target, &holders).unwrap_or(root);
        b.contains(from, i, Location::file(&path, None, None));
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
    if let Some(sha1) = facts.properties.iter().find(|p| p.name == SHA1_PROPERTY) {
        c.hashes.push(Hash::new("SHA-1", &sha1.value));
    }
    for p in facts.properties.iter().filter(|p| p.name != SHA1_PROPERTY) {
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
    use super::{file_name, filesystem_of, name_key, resolve_dirs, with_distro};
    use crate::model::OsRelease;
    use std::collections::HashMap;

    #[test]
    fn directory_links_are_resolved_inside_the_filesystem() {
        let links: HashMap<String, String> = [
            ("/bin", "usr/bin"),
            ("/lib", "/usr/lib"),
            ("/usr/lib64", "../lib"),
            ("/loop", "loop"),
            ("/up", "../../.."),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(resolve_dirs(&links, "/bin/bash").as_deref(), Some("/usr/bin/bash"));
        assert_eq!(
            resolve_dirs(&links, "/lib/x86_64-linux-gnu/libc.so.6").as_deref(),
            Some("/usr/lib/x86_64-linux-gnu/libc.so.6")
        );
        assert_eq!(
            resolve_dirs(&links, "/usr/lib64/ld.so").as_deref(),
            Some("/usr/lib/ld.so")
        );
        // the last component is the file itself; loops give up; nothing climbs above the root
        assert_eq!(resolve_dirs(&links, "/bin"), None);
        assert_eq!(resolve_dirs(&links, "/loop/x"), None);
        assert_eq!(resolve_dirs(&links, "/up/etc/passwd").as_deref(), Some("/etc/passwd"));
        assert_eq!(resolve_dirs(&links, "/usr/bin/bash"), None);
    }

    #[test]
    fn distro_qualifiers() {
        let os = OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..OsRelease::default()
        };
        assert_eq!(
            with_distro("pkg:deb/debian/bash@5.2.15-2%2Bb9?arch=amd64", &os).as_deref(),
            Some("pkg:deb/debian/bash@5.2.15-2%2Bb9?arch=amd64&distro=debian-12")
        );
        assert_eq!(with_distro("pkg:pypi/six@1", &os), None);
        let owrt = OsRelease {
            id: "openwrt".into(),
            version_id: Some("23.05.3".into()),
            ..OsRelease::default()
        };
        assert_eq!(
            with_distro("pkg:apk/alpine/busybox@1.36?arch=x86_64", &owrt).as_deref(),
            Some("pkg:apk/openwrt/busybox@1.36?arch=x86_64&distro=openwrt-23.05.3")
        );
    }

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
