//! What the flash filesystem readers (CramFS, romfs, YAFFS2, EROFS) share: the problems met
//! while the walk goes on, returned once it is over as one [`Corrupt`] naming the first (with a
//! count of the others), so a damaged image is reported with its place and everything readable
//! in it is still handed over.

use super::Corrupt;

/// The first problem met (with a count of the rest).
#[derive(Default)]
pub struct Problems {
    first: Option<String>,
    more: usize,
}

impl Problems {
    pub fn note(&mut self, message: String) {
        if self.first.is_none() {
            self.first = Some(message);
        } else {
            self.more += 1;
        }
    }

    pub fn finish(self) -> Result<(), Corrupt> {
        match (self.first, self.more) {
            (None, _) => Ok(()),
            (Some(first), 0) => Err(Corrupt(first)),
            (Some(first), 1) => Err(Corrupt(format!("{first} (and 1 more problem)"))),
            (Some(first), n) => Err(Corrupt(format!("{first} (and {n} more problems)"))),
        }
    }
}

/// `prefix/name` (or `name` at the root).
pub fn join(prefix: &[u8], name: &[u8]) -> Vec<u8> {
    let mut path = Vec::with_capacity(prefix.len() + 1 + name.len());
    path.extend_from_slice(prefix);
    if !path.is_empty() {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

/// A path for messages: `/` for the root.
pub fn shown(path: &[u8]) -> String {
    if path.is_empty() {
        "/".to_string()
    } else {
        String::from_utf8_lossy(path).into_owned()
    }
}
