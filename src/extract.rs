//! Members out of a target by their virtual paths (`vendorscan extract`, `audit
//! --evidence-dir`): a focused walk ([`crate::firmware::walk_focused`]) that reads only what lies
//! on the asked paths, with the walker's own readers and limits — there is no second unpacking
//! code. Nothing is written here; the caller writes what it was handed.

use crate::firmware::{self, vpath, Focus, Limits, WalkError, Walked};
use crate::model::WarningCode;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// What a focused walk brought back.
#[derive(Debug)]
pub struct Extraction {
    /// The asked members found, by virtual path: their bytes.
    pub found: BTreeMap<String, Vec<u8>>,
    /// What the walk listed on the way (the containers it opened, links, warnings).
    pub walked: Walked,
}

impl Extraction {
    /// Why an asked path was not handed out, in words: a link, a member over a limit or
    /// damaged, a container not unpacked, or no member of that name.
    pub fn why_missing(&self, path: &str) -> String {
        if let Some(f) = self.walked.files.iter().find(|f| f.path == path) {
            if let Some(to) = &f.link {
                return format!("{path} is a {} to {to}, not a file", f.kind);
            }
            if f.sha256.is_none() {
                return format!("{path} is a special file, with no content");
            }
        }
        // a warning at the path or at a container on the way says why
        let on_the_way = |w: &str| w == path || path.strip_prefix(w).is_some_and(|rest| rest.starts_with('!'));
        if let Some(w) = self.walked.warnings.iter().rev().find(|w| on_the_way(&w.file)) {
            return format!("{}: {}", w.file, w.message);
        }
        if let Some(c) = self
            .walked
            .containers
            .iter()
            .find(|c| on_the_way(&c.path) && !c.unpacked)
        {
            return format!("{} is {}, which is not unpacked", c.path, c.kind);
        }
        format!("no member {path}")
    }
}

/// Hands out the members of `target` at `wanted` (virtual paths as the inventory and reports
/// print them, starting with the target as `display` names it). A member is held in memory,
/// so none is larger than `limits.max_member_bytes`; the target itself is read from its file
/// under the same bound. A hard link is handed out as the file it names.
pub fn members(target: &Path, display: &str, wanted: &[String], limits: &Limits) -> Result<Extraction, WalkError> {
    let focus = Focus::members(wanted.iter().filter(|w| *w != display).cloned());
    let mut walked = firmware::walk_focused(target, limits, &focus)?;
    let mut found = focus.into_found();
    if wanted.iter().any(|w| w == display) {
        if let Some(bytes) = read_bounded(target, limits.max_member_bytes, display, &mut walked)? {
            found.insert(display.to_string(), bytes);
        }
    }
    // hard links whose file the focus left out: once more, toward the files they name
    let links: Vec<(String, String)> = walked
        .files
        .iter()
        .filter(|f| f.kind == "hardlink" && wanted.contains(&f.path) && !found.contains_key(&f.path))
        .filter_map(|f| {
            let (container, _) = f.path.rsplit_once("!/")?;
            let to = f.link.as_deref()?;
            let named = vpath::VPath::root(container).member(to.as_bytes()).into_string();
            Some((f.path.clone(), named))
        })
        .collect();
    if !links.is_empty() {
        let focus = Focus::members(links.iter().map(|(_, to)| to.clone()));
        let again = firmware::walk_focused(target, limits, &focus)?;
        let mut more = focus.into_found();
        for (link, to) in links {
            if let Some(bytes) = more.remove(&to) {
                found.insert(link, bytes);
            }
        }
        walked.warnings.extend(again.warnings);
    }
    Ok(Extraction { found, walked })
}

/// The target's own bytes, when it is a file of at most `limit` bytes.
fn read_bounded(target: &Path, limit: u64, display: &str, walked: &mut Walked) -> Result<Option<Vec<u8>>, WalkError> {
    let fail = |source| WalkError {
        path: display.to_string(),
        source,
    };
    if std::fs::metadata(target).map_err(fail)?.is_dir() {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    std::fs::File::open(target)
        .map_err(fail)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() as u64 > limit {
        walked.warnings.push(crate::model::Warning {
            code: WarningCode::LimitExceeded,
            file: display.to_string(),
            at: None,
            message: format!("larger than the --max-member-bytes limit ({limit}); not read"),
        });
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// A file name for a member: the last name of its virtual path, unescaped, with nothing that
/// could leave the folder it is written to (`/`, `..`, control characters) — never a path
/// taken from the input.
pub fn file_name(path: &str) -> String {
    let last = path.rsplit(['!', '/']).find(|s| !s.is_empty()).unwrap_or("member");
    let name = String::from_utf8_lossy(&vpath::unescape(last)).into_owned();
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_control() || c == '/' || c == '\\' {
                '_'
            } else {
                c
            }
        })
        .collect();
    match name.trim_start_matches('.') {
        "" => "member".to_string(),
        _ if name.starts_with('.') => format!("_{name}"),
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn member_file_names_stay_in_their_folder() {
        assert_eq!(file_name("fw.bin!/0x4003:squashfs!/lib/modules/hi.ko"), "hi.ko");
        assert_eq!(file_name("a.tar!/../../etc/evil"), "evil");
        assert_eq!(file_name("a.tar!/.."), "member");
        assert_eq!(file_name("a.tar!/.profile"), "_.profile");
        assert_eq!(file_name("a.tar!/esc\\x1b[31m"), "esc_[31m");
        assert_eq!(file_name("a.tar!/fw\\x21x"), "fw!x");
        assert_eq!(file_name("k.gz!gzip"), "gzip");
    }
}
