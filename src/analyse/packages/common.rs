//! What every package parser shares: the caps that bound work on hostile input, purls built with
//! the `packageurl` crate, parties, and path arithmetic on the paths inside a filesystem.

use packageurl::PackageUrl;

use crate::model::{PackageParty, PackageRecord, Role};

/// Records taken from one file at most: a real dpkg status lists a few thousand packages.
pub(super) const MAX_RECORDS: usize = 100_000;
/// A value is cut at this many bytes: real ones are lines, a licence text at most.
pub(super) const MAX_FIELD: usize = 64 * 1024;
/// Paths taken from one file list at most (a texlive documentation package owns tens of
/// thousands of files; an apk database lists every installed file).
pub(super) const MAX_PATHS: usize = 1_000_000;
/// Dependencies and provided names kept per record.
pub(super) const MAX_RELATIONS: usize = 4096;
/// Bytes of paths made by joining (apk's `F:` directory and `R:` file, a `RECORD` entry and
/// its site-packages directory) per file: a join can make more bytes than the file holds (one
/// long directory, a million short names), so their total is bounded on its own. Real ones
/// are a few megabytes.
pub(super) const MAX_JOINED_BYTES: usize = 64 * 1024 * 1024;

/// `s` trimmed, when something is left.
pub(super) fn nonempty(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

/// `s` as an owned string of at most [`MAX_FIELD`] bytes, cut at a character boundary.
pub(super) fn cap(s: &str) -> String {
    if s.len() <= MAX_FIELD {
        return s.to_owned();
    }
    let mut end = MAX_FIELD;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// The 1-based line number of the line at 0-based `index`, saturating.
pub(super) fn line_number(index: usize) -> u32 {
    u32::try_from(index.saturating_add(1)).unwrap_or(u32::MAX)
}

/// A purl from its parts, or `None` when the crate refuses them (an empty name, a namespace
/// the type forbids). `arch` becomes the `arch` qualifier the deb, apk and opkg types use.
pub(super) fn purl(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    arch: Option<&str>,
) -> Option<String> {
    let mut p = PackageUrl::new(ty, name).ok()?;
    if let Some(ns) = namespace {
        p.with_namespace(ns).ok()?;
    }
    if let Some(v) = version {
        p.with_version(v).ok()?;
    }
    if let Some(a) = arch {
        p.add_qualifier("arch", a).ok()?;
    }
    p.validate().ok()?;
    Some(p.to_string())
}

/// A record of `ecosystem` named `name`, with its version: the fields every format has.
pub(super) fn record(ecosystem: &'static str, name: &str, version: Option<&str>, line: Option<u32>) -> PackageRecord {
    PackageRecord {
        ecosystem,
        name: cap(name),
        version: version.map(cap),
        line,
        ..PackageRecord::default()
    }
}

/// Adds a party when `value` holds something; kept as written (trimmed).
pub(super) fn add_party(record: &mut PackageRecord, role: Role, field: &'static str, value: &str, line: Option<u32>) {
    if let Some(v) = nonempty(value) {
        record.parties.push(PackageParty {
            role,
            field,
            value: cap(v),
            line,
        });
    }
}

/// Adds a URL unless empty or already listed.
pub(super) fn add_url(record: &mut PackageRecord, url: &str) {
    if let Some(u) = nonempty(url) {
        if !record.urls.iter().any(|have| have == u) {
            record.urls.push(cap(u));
        }
    }
}

/// Adds a licence unless empty or already listed.
pub(super) fn add_license(record: &mut PackageRecord, license: &str) {
    if let Some(l) = nonempty(license) {
        if !record.licenses.iter().any(|have| have == l) {
            record.licenses.push(cap(l));
        }
    }
}

/// Whether `path` is `suffix` or ends with `/` + `suffix`: a suffix on whole path components,
/// so `x/var/lib/dpkg/status` matches `var/lib/dpkg/status` and `myvar/lib/dpkg/status` does not.
pub(super) fn has_suffix(path: &str, suffix: &str) -> bool {
    path.strip_suffix(suffix)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('/'))
}

/// `path` split into its directory and last component (`("", path)` without a `/`).
pub(super) fn split_last(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// `rel` joined to the directory `base` and normalised lexically: `.` dropped, `..` taking one
/// component back and never climbing above `base`'s root. An absolute `rel` is taken as is
/// (normalised). The result is absolute when `base` is.
pub(crate) fn join_normalised(base: &str, rel: &str) -> String {
    let absolute = rel.starts_with('/') || base.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    let from_base = if rel.starts_with('/') { "" } else { base };
    for part in from_base.split('/').chain(rel.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(base.len() + rel.len() + 1);
    if absolute {
        out.push('/');
    }
    out.push_str(&parts.join("/"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_on_components() {
        assert!(has_suffix("/var/lib/dpkg/status", "var/lib/dpkg/status"));
        assert!(has_suffix("var/lib/dpkg/status", "var/lib/dpkg/status"));
        assert!(has_suffix("rootfs/var/lib/dpkg/status", "var/lib/dpkg/status"));
        assert!(!has_suffix("rootfs/myvar/lib/dpkg/status", "var/lib/dpkg/status"));
        assert!(!has_suffix("/var/lib/dpkg/status-old", "var/lib/dpkg/status"));
    }

    #[test]
    fn joins_and_normalises() {
        assert_eq!(
            join_normalised("/usr/lib/py/site-packages", "six.py"),
            "/usr/lib/py/site-packages/six.py"
        );
        assert_eq!(
            join_normalised("/usr/lib/py/site-packages", "../../../bin/tool"),
            "/usr/bin/tool"
        );
        assert_eq!(join_normalised("/a", "../../../../etc/x"), "/etc/x");
        assert_eq!(join_normalised("/a", "/opt/./x"), "/opt/x");
        assert_eq!(join_normalised("rootfs/site", "./m.py"), "rootfs/site/m.py");
    }

    #[test]
    fn cap_cuts_at_a_character_boundary() {
        let long = "é".repeat(MAX_FIELD);
        let capped = cap(&long);
        assert!(capped.len() <= MAX_FIELD);
        assert_eq!(capped.len() % 2, 0);
    }

    #[test]
    fn purls_follow_the_type_rules() {
        assert_eq!(
            purl("deb", Some("debian"), "libbz2-1.0", Some("1.0.8-5+b1"), Some("amd64")).as_deref(),
            Some("pkg:deb/debian/libbz2-1.0@1.0.8-5%2Bb1?arch=amd64")
        );
        assert_eq!(purl("pypi", Some("x"), "six", None, None), None);
        assert_eq!(purl("npm", None, "", None, None), None);
    }
}
