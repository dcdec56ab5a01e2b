//! Layers applied in order into the image's final filesystem, as a container runtime unpacks
//! them: whiteouts delete, opaque directories hide, a later entry replaces an earlier one, hard
//! links take their target's content. Files removed on the way are kept, marked, since their
//! bytes are still shipped in the image.

use crate::firmware::Walked;
use crate::model::{FileEntry, FileLayer, Removed, RemovedHow};
use std::collections::BTreeMap;

/// The whiteout prefix of the OCI image spec (and AUFS before it).
const WHITEOUT: &str = ".wh.";
/// An opaque directory's marker: what lower layers put in the directory is hidden.
const OPAQUE: &str = ".wh..wh..opq";

/// Merges the layers' walks (bottom first; each file's `layer` already set) into one walk whose
/// root is `root`: files of the final filesystem and removed files (with `layer.removed` set),
/// never the whiteout markers.
pub fn merge(root: &str, layers: Vec<(FileLayer, Walked)>) -> Walked {
    let prefix = format!("{root}!/");
    let mut out = Walked::default();
    let mut files: Vec<FileEntry> = Vec::new();
    // live files by their path in the layer (a member of a nested container lies under the
    // key of the top-level member holding it): key → indexes into `files`
    let mut live: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (layer, walked) in layers {
        let Walked {
            files: layer_files,
            containers,
            skipped,
            warnings,
        } = walked;
        out.containers.extend(containers);
        out.skipped.extend(skipped);
        out.warnings.extend(warnings);
        let gone = |how: RemovedHow| Removed {
            index: layer.index,
            digest: layer.digest.clone(),
            how,
        };
        // whiteouts first: they apply to the lower layers only
        let mut added = Vec::new();
        for f in layer_files {
            let Some((key, nested)) = member_key(&f.path, &prefix) else {
                added.push(f);
                continue;
            };
            let (dir, base) = key.rsplit_once('/').unwrap_or(("", key.as_str()));
            if !nested && base == OPAQUE {
                remove_under(&mut live, &mut files, dir, false, &gone(RemovedHow::Deleted));
            } else if !nested && base.starts_with(WHITEOUT) {
                let target = join(dir, &base[WHITEOUT.len()..]);
                remove_under(&mut live, &mut files, &target, true, &gone(RemovedHow::Deleted));
            } else {
                added.push(f);
            }
        }
        // then what the layer adds, replacing what lies at its path and at its parents' paths
        for mut f in added {
            let Some((key, nested)) = member_key(&f.path, &prefix) else {
                files.push(f);
                continue;
            };
            if !nested {
                // a file put where a lower layer had a file (or a directory) of that name
                remove_under(&mut live, &mut files, &key, true, &gone(RemovedHow::Replaced));
                let mut parent = key.as_str();
                while let Some((up, _)) = parent.rsplit_once('/') {
                    remove_exact(&mut live, &mut files, up, &gone(RemovedHow::Replaced));
                    parent = up;
                }
            }
            if f.kind == "hardlink" && !nested {
                if let Some(target) = f.link.as_deref().map(normalise) {
                    let top = live.get(&target).and_then(|v| {
                        v.iter()
                            .copied()
                            .find(|&t| member_key(&files[t].path, &prefix).is_some_and(|(_, nested)| !nested))
                    });
                    if let Some(t) = top {
                        f = FileEntry {
                            path: f.path.clone(),
                            layer: f.layer.clone(),
                            ..files[t].clone()
                        };
                    }
                }
            }
            live.entry(key).or_default().push(files.len());
            files.push(f);
        }
    }
    files.sort_by(|a, b| {
        (&a.path, a.layer.as_ref().map(|l| l.index)).cmp(&(&b.path, b.layer.as_ref().map(|l| l.index)))
    });
    out.files = files;
    out.containers.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// A file's path in its layer (`usr/lib/x`, without a leading `/` or `./`), and whether the
/// file is a member of a container inside that path rather than the file itself.
fn member_key(path: &str, prefix: &str) -> Option<(String, bool)> {
    let rest = path.strip_prefix(prefix)?;
    let (top, nested) = match rest.find('!') {
        Some(i) => (&rest[..i], true),
        None => (rest, false),
    };
    Some((normalise(top), nested))
}

/// A member name as tar writes it, compared as paths: no leading `/` or `./`, no trailing `/`.
fn normalise(name: &str) -> String {
    let mut n = name;
    loop {
        if let Some(r) = n.strip_prefix("./") {
            n = r;
        } else if let Some(r) = n.strip_prefix('/') {
            n = r;
        } else {
            break;
        }
    }
    n.trim_end_matches('/').to_string()
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Marks removed every live file at `path` (when `itself`) and below it.
fn remove_under(
    live: &mut BTreeMap<String, Vec<usize>>,
    files: &mut [FileEntry],
    path: &str,
    itself: bool,
    removed: &Removed,
) {
    if itself {
        remove_exact(live, files, path, removed);
    }
    let below = if path.is_empty() { String::new() } else { format!("{path}/") };
    let keys: Vec<String> = live
        .range(below.clone()..)
        .take_while(|(k, _)| k.starts_with(&below))
        .map(|(k, _)| k.clone())
        .collect();
    for k in keys {
        remove_exact(live, files, &k, removed);
    }
}

fn remove_exact(live: &mut BTreeMap<String, Vec<usize>>, files: &mut [FileEntry], key: &str, removed: &Removed) {
    for i in live.remove(key).unwrap_or_default() {
        if let Some(layer) = files[i].layer.as_mut() {
            layer.removed = Some(removed.clone());
        }
    }
}
