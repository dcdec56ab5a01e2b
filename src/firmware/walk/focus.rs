//! A walk that goes only where it is asked: toward some virtual paths (`extract`, the evidence
//! of `audit --evidence-dir`), handing out the bytes of each, or into one container and
//! everything below it (`ls`). The walker is the same — the same readers, limits, damage
//! reports and notation — it only leaves out every member that lies on no asked path, before
//! reading it where the format allows, and never opens an asked member.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

/// Where a focused walk goes.
#[derive(Debug)]
pub struct Focus {
    wanted: Vec<String>,
    below: bool,
    found: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl Focus {
    /// Toward each of these virtual paths (the notation the inventory and reports print,
    /// escapes included), handing out their bytes; what they hold is not opened.
    pub fn members(wanted: impl IntoIterator<Item = String>) -> Focus {
        Focus {
            wanted: wanted.into_iter().collect(),
            below: false,
            found: Mutex::new(BTreeMap::new()),
        }
    }

    /// Toward one virtual path and through everything below it: the walk of one container.
    pub fn below(path: &str) -> Focus {
        Focus {
            wanted: vec![path.to_string()],
            below: true,
            found: Mutex::new(BTreeMap::new()),
        }
    }

    /// Whether the walk goes to `path`: an asked path, a container on the way to one (the
    /// asked path goes on after a `!`), or — below a container — anything inside it.
    pub fn wants(&self, path: &str) -> bool {
        self.wanted.iter().any(|w| {
            let on_the_way = w.strip_prefix(path).is_some_and(|rest| rest.starts_with('!'));
            let inside = self.below
                && path
                    .strip_prefix(w.as_str())
                    .is_some_and(|rest| rest.starts_with('!') || rest.starts_with('/'));
            w == path || on_the_way || inside
        })
    }

    /// Whether `path` is one of the asked paths.
    pub fn is(&self, path: &str) -> bool {
        self.wanted.iter().any(|w| w == path)
    }

    /// Keeps the bytes of an asked member; true when the walker is to go no further into it.
    pub(super) fn take(&self, path: &str, bytes: &[u8]) -> bool {
        if self.below || !self.is(path) {
            return false;
        }
        self.found
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_string(), bytes.to_vec());
        true
    }

    /// The asked members found, by virtual path.
    pub fn into_found(self) -> BTreeMap<String, Vec<u8>> {
        self.found.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::Focus;

    #[test]
    fn a_focus_goes_along_its_paths_only() {
        let f = Focus::members(["fw.bin!/0x30000:squashfs!/lib/m.ko".to_string()]);
        assert!(f.wants("fw.bin"));
        assert!(f.wants("fw.bin!/0x30000:squashfs"));
        assert!(f.wants("fw.bin!/0x30000:squashfs!/lib/m.ko"));
        assert!(!f.wants("fw.bin!/0x30000:squashfs!/lib/m.ko!gzip"));
        assert!(!f.wants("fw.bin!/0x30000:squashfs!/lib/m.k"));
        assert!(!f.wants("fw.bin!/0x3000:fdt"));
        let d = Focus::members(["root/etc/passwd".to_string()]);
        assert!(d.wants("root/etc/passwd") && !d.wants("root/etc/group"));
        let b = Focus::below("a.zip!/b.tar");
        assert!(b.wants("a.zip") && b.wants("a.zip!/b.tar") && b.wants("a.zip!/b.tar!/x"));
        assert!(!b.wants("a.zip!/c"));
        assert!(!b.take("a.zip!/b.tar", b"x"));
    }
}
