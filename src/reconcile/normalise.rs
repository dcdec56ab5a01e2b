//! The keys declared and observed components are compared by: purls without what does not
//! identify, names by their ecosystem's rules (PEP 503 for Python), versions by theirs (Debian
//! epochs and revisions). Each key is a plain string, so matching is a hash lookup.

/// Purl qualifiers that identify a different artefact of the same package (a Maven classifier
/// or packaging type); every other qualifier (`arch`, `distro`, `repository_url`, …) says where
/// or for what it was built and is ignored.
const IDENTIFYING_QUALIFIERS: &[&str] = &["classifier", "type"];

/// The ecosystem a purl type or a package database names, as the name rules go.
fn is_python(ty: &str) -> bool {
    ty.eq_ignore_ascii_case("pypi")
}

/// A package name as its ecosystem compares them: PEP 503 for Python (runs of `-`, `_`, `.` as
/// one `-`, case-folded); case-folded elsewhere (Debian, npm and most registries are
/// lower-case; Maven and generic names are compared without case, which joins nothing real).
pub fn name(ecosystem: &str, name: &str) -> String {
    if is_python(ecosystem) {
        let mut out = String::with_capacity(name.len());
        for c in name.trim().chars() {
            if matches!(c, '-' | '_' | '.') {
                if !out.ends_with('-') {
                    out.push('-');
                }
            } else {
                out.extend(c.to_lowercase());
            }
        }
        out
    } else {
        name.trim().to_lowercase()
    }
}

/// A purl as compared: its type, namespace and name, normalised, with the identifying
/// qualifiers kept in sorted order — and apart, its type and version, which are compared by
/// [`versions_agree`]. `None` when it does not parse.
pub struct PurlKey {
    pub key: String,
    pub ty: String,
    pub version: Option<String>,
}

pub fn purl(written: &str) -> Option<PurlKey> {
    let p: packageurl::PackageUrl<'_> = written.trim().parse().ok()?;
    let ty = p.ty().to_ascii_lowercase();
    let namespace = p.namespace().map(str::to_lowercase).unwrap_or_default();
    let mut key = format!("{ty}/{namespace}/{}", name(&ty, p.name()));
    let mut kept: Vec<(String, String)> = p
        .qualifiers()
        .iter()
        .filter(|(k, _)| IDENTIFYING_QUALIFIERS.contains(&k.as_ref()))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    kept.sort();
    for (k, v) in kept {
        key.push_str(&format!("?{k}={v}"));
    }
    Some(PurlKey {
        key,
        version: p.version().map(str::to_string),
        ty,
    })
}

/// A version as compared within its ecosystem: for Debian packages, the epoch and revision
/// dropped (compared apart by [`versions_agree`]); otherwise trimmed and case-folded.
pub fn version(ecosystem: &str, v: &str) -> String {
    let v = v.trim();
    if is_debian(ecosystem) {
        debian(v).upstream.to_string()
    } else {
        v.to_lowercase()
    }
}

fn is_debian(ecosystem: &str) -> bool {
    matches!(ecosystem.to_ascii_lowercase().as_str(), "deb" | "dpkg" | "opkg" | "ipk")
}

/// A Debian version split as policy §5.6.12 does: `[epoch:]upstream[-revision]`.
struct DebVersion<'a> {
    epoch: Option<&'a str>,
    upstream: &'a str,
    revision: Option<&'a str>,
}

fn debian(v: &str) -> DebVersion<'_> {
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => (Some(e), rest),
        _ => (None, v),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((u, r)) if !u.is_empty() => (u, Some(r)),
        _ => (rest, None),
    };
    DebVersion {
        epoch: epoch.filter(|e| !e.trim_start_matches('0').is_empty()),
        upstream,
        revision,
    }
}

/// Whether two versions name the same release in an ecosystem. Debian: the upstream versions
/// equal, and the epochs and revisions equal where both sides give one (an SBOM that drops the
/// epoch `1:` or the revision `-2+b1` still names the release). Elsewhere: equal as compared.
pub fn versions_agree(ecosystem: &str, a: &str, b: &str) -> bool {
    if is_debian(ecosystem) {
        let (a, b) = (debian(a.trim()), debian(b.trim()));
        let both = |x: Option<&str>, y: Option<&str>| match (x, y) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        };
        a.upstream == b.upstream && both(a.epoch, b.epoch) && both(a.revision, b.revision)
    } else {
        version(ecosystem, a) == version(ecosystem, b)
    }
}

/// A file's name as a component name compares: the last path segment, a kernel module's
/// compression suffix and `.ko` dropped (`hns3.ko.xz` and `hns3` name the same module).
pub fn file_stem(name: &str) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    let mut s = last;
    for suffix in [".xz", ".gz", ".zst"] {
        if let Some(t) = s.strip_suffix(suffix).filter(|t| t.ends_with(".ko")) {
            s = t;
        }
    }
    s.strip_suffix(".ko").unwrap_or(s).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_compare_without_their_build_qualifiers() {
        let key = |s: &str| purl(s).map(|p| p.key);
        let a = purl("pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12").unwrap();
        assert_eq!(a.key, "deb/debian/bash");
        assert_eq!(a.version.as_deref(), Some("5.2.15-2+b2"));
        assert_eq!(Some(a.key), key("pkg:deb/debian/bash@5.2.15?arch=arm64"));
        assert_eq!(
            key("pkg:PyPI/Typing_Extensions@4.0"),
            key("pkg:pypi/typing-extensions@4.0")
        );
        assert_ne!(
            key("pkg:maven/org.a/b@1?classifier=sources"),
            key("pkg:maven/org.a/b@1")
        );
        assert!(purl("not a purl").is_none());
    }

    #[test]
    fn debian_versions_agree_across_epochs_and_revisions() {
        assert!(versions_agree("deb", "1:2.36-9+deb12u4", "2.36"));
        assert!(versions_agree("deb", "2.36-9+deb12u4", "1:2.36-9+deb12u4"));
        assert!(!versions_agree("deb", "1:2.36-9", "2:2.36-9"));
        assert!(!versions_agree("deb", "2.36-9", "2.36-10"));
        assert!(!versions_agree("deb", "2.36", "2.37"));
        assert!(versions_agree("deb", "0:1.0-1", "1.0-1"));
        assert!(!versions_agree("npm", "1.0.0", "1.0"));
    }

    #[test]
    fn names_by_ecosystem() {
        assert_eq!(name("pypi", "Zope.Interface"), "zope-interface");
        assert_eq!(name("deb", "LibC6"), "libc6");
        assert_eq!(file_stem("/lib/modules/6.1/hns3.ko.xz"), "hns3");
        assert_eq!(file_stem("libfoo.so.1"), "libfoo.so.1");
    }
}
