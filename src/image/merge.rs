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
    let below = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(index: usize) -> FileLayer {
        FileLayer {
            index,
            digest: format!("sha256:{index}"),
            diff_id: format!("sha256:d{index}"),
            created_by: None,
            removed: None,
        }
    }

    fn file(index: usize, path: &str, kind: &str, link: Option<&str>) -> FileEntry {
        FileEntry {
            path: format!("img!/{path}"),
            size: 1,
            sha256: (kind != "hardlink").then(|| format!("{index}{path}")),
            kind: kind.to_string(),
            link: link.map(str::to_string),
            facts: None,
            layer: Some(Box::new(layer(index))),
        }
    }

    fn walked(files: Vec<FileEntry>) -> Walked {
        Walked {
            files,
            ..Walked::default()
        }
    }

    /// (path, layer, removed in and how, type) of a file merged.
    type Merged = (String, usize, Option<(usize, RemovedHow)>, String);

    fn merged(layers: Vec<Vec<FileEntry>>) -> Vec<Merged> {
        let layers = layers
            .into_iter()
            .enumerate()
            .map(|(i, files)| (layer(i), walked(files)))
            .collect();
        merge("img", layers)
            .files
            .into_iter()
            .map(|f| {
                let l = f.layer.unwrap();
                let removed = l.removed.map(|r| (r.index, r.how));
                (f.path["img!/".len()..].to_string(), l.index, removed, f.kind)
            })
            .collect()
    }

    #[test]
    fn whiteouts_opaque_directories_replacements_and_links() {
        let got = merged(vec![
            vec![
                file(0, "a/x", "data", None),
                file(0, "a/y.tar", "tar", None),
                FileEntry {
                    path: "img!/a/y.tar!/inner".into(),
                    ..file(0, "", "data", None)
                },
                file(0, "b/z", "data", None),
                file(0, "c", "data", None),
                file(0, "keep", "elf", None),
            ],
            vec![
                // a whiteout of a directory deletes what lies below it, nested members included
                file(1, "a/.wh.y.tar", "empty", None),
                // an opaque directory hides b's lower content, not what this layer adds there
                file(1, "b/.wh..wh..opq", "empty", None),
                file(1, "b/new", "data", None),
                // a file under what was a file: the file is replaced
                file(1, "c/d", "data", None),
                // a hard link to a lower layer's file takes its content
                file(1, "link", "hardlink", Some("./keep")),
                // a whiteout of nothing is nothing
                file(1, ".wh.nothing", "empty", None),
            ],
        ]);
        use RemovedHow::*;
        let want: Vec<Merged> = [
            ("a/x", 0, None, "data"),
            ("a/y.tar", 0, Some((1, Deleted)), "tar"),
            ("a/y.tar!/inner", 0, Some((1, Deleted)), "data"),
            ("b/new", 1, None, "data"),
            ("b/z", 0, Some((1, Deleted)), "data"),
            ("c", 0, Some((1, Replaced)), "data"),
            ("c/d", 1, None, "data"),
            ("keep", 0, None, "elf"),
            ("link", 1, None, "elf"),
        ]
        .into_iter()
        .map(|(p, l, r, k)| (p.to_string(), l, r, k.to_string()))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_later_file_replaces_an_earlier_one_and_both_are_kept() {
        // tar names compared as paths: an absolute name is the same file
        let got = merged(vec![
            vec![file(0, "etc/conf", "text", None)],
            vec![file(1, "/etc/conf", "text", None)],
        ]);
        assert_eq!(
            got,
            vec![
                ("/etc/conf".to_string(), 1, None, "text".to_string()),
                ("etc/conf".to_string(), 0, Some((1, RemovedHow::Replaced)), "text".to_string()),
            ]
        );
    }
}
