//! A package's file list, `info/<pkg>.list` (dpkg and opkg): one absolute path per line,
//! directories included (the list does not say which lines are directories). dpkg's lists
//! begin with `/.`, the root directory, which no package owns in any useful sense.

use super::common::{cap, MAX_PATHS};
use crate::model::{Facts, Ownership};

/// The package a list file is for: its name less `.list`, less dpkg's `:<arch>` suffix
/// (`libbz2-1.0:amd64.list`).
pub(super) fn package_of(file_name: &str) -> Option<&str> {
    let stem = file_name.strip_suffix(".list")?;
    let name = stem.split_once(':').map_or(stem, |(n, _)| n);
    (!name.is_empty()).then_some(name)
}

/// The files a list names, as an [`Ownership`] of `package`; nothing when it names none.
pub(super) fn ownership(package: &str, text: &str, facts: &mut Facts) {
    let files: Vec<String> = text
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| l.starts_with('/') && *l != "/.")
        .take(MAX_PATHS)
        .map(cap)
        .collect();
    if !files.is_empty() {
        facts.owns.push(Ownership {
            package: cap(package),
            files,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(package_of("libbz2-1.0:amd64.list"), Some("libbz2-1.0"));
        assert_eq!(package_of("busybox.list"), Some("busybox"));
        assert_eq!(package_of(".list"), None);
        assert_eq!(package_of("busybox.control"), None);
    }
}
