//! Facts of the files already analysed in one walk, by content and by path inside their
//! filesystem. A root filesystem or firmware image often holds a file twice — installed in
//! `/usr/bin` and again inside its package in the apt cache
//! (`bash.deb!/data.tar.xz!xz!/usr/bin/bash`), a kernel module in the rootfs and again in the
//! recovery ramdisk — and what the analysers find in a file depends only on its bytes (its type is
//! detected from them) and its path inside its filesystem, which is the key the results cache
//! uses too (`cache::FactsFor`). So the second copy gets the first one's facts instead of being
//! scanned again; with or without the results cache, and on a first run.
//!
//! Bounded: only files of at least [`MIN_BYTES`] are kept (a smaller file costs less to analyse
//! again than to keep), and at most [`MAX_ENTRIES`] of them.

use crate::model::Facts;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// Smallest file whose facts are kept.
pub const MIN_BYTES: u64 = 16 << 10;
/// Most files whose facts are kept in one walk.
const MAX_ENTRIES: usize = 32 << 10;

#[derive(Default)]
pub struct Memo(Mutex<HashMap<String, Facts>>);

fn key(sha256: &str, inner_path: &str) -> String {
    format!("{sha256}\0{inner_path}")
}

impl Memo {
    /// The facts of a file of this SHA-256 and size at this inner path analysed before.
    pub fn get(&self, sha256: &str, size: u64, inner_path: &str) -> Option<Facts> {
        if size < MIN_BYTES {
            return None;
        }
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&key(sha256, inner_path)).cloned()
    }

    /// Keeps what the analysers found in a file (while there is room).
    pub fn put(&self, sha256: &str, size: u64, inner_path: &str, facts: &Facts) {
        if size < MIN_BYTES {
            return;
        }
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() < MAX_ENTRIES {
            map.entry(key(sha256, inner_path)).or_insert_with(|| facts.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_by_content_and_inner_path_from_a_size_on() {
        let memo = Memo::default();
        let mut facts = Facts::default();
        facts.property("sha1", "x".to_string());
        memo.put("aa", MIN_BYTES, "/usr/bin/bash", &facts);
        assert_eq!(memo.get("aa", MIN_BYTES, "/usr/bin/bash"), Some(facts.clone()));
        // another path inside its filesystem, or other content: not the same file
        assert_eq!(memo.get("aa", MIN_BYTES, "/usr/bin/sh"), None);
        assert_eq!(memo.get("bb", MIN_BYTES, "/usr/bin/bash"), None);
        // small files are analysed again
        memo.put("cc", MIN_BYTES - 1, "/etc/x", &facts);
        assert_eq!(memo.get("cc", MIN_BYTES - 1, "/etc/x"), None);
    }
}
