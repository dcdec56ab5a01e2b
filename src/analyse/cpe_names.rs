//! CPEs for packages whose NVD vendor and product are certain. NVD names products its own
//! way (`gnu:glibc`, `tukaani:xz`, `haxx:curl`), which no package database states, so a CPE is
//! written only for a source package (dpkg `Source`, else the package name; apk origin; opkg
//! `SourceName`) listed here, and never made up from a maintainer or a package name.
//!
//! Source of the pairs: the NVD CPE dictionary (<https://nvd.nist.gov/products/cpe>), each pair
//! as NVD's CVE configurations for the project use it (e.g. CVE-2014-6271 `gnu:bash`,
//! CVE-2023-4911 `gnu:glibc`, CVE-2024-3094 `tukaani:xz`, CVE-2022-37434 `zlib:zlib`). The
//! version is the upstream part of the package version (epoch and distribution revision
//! removed), as NVD records upstream releases. Operating systems are named from os-release `ID`.

/// Source package → (NVD vendor, product).
const PACKAGES: &[(&str, &str, &str)] = &[
    ("bash", "gnu", "bash"),
    ("coreutils", "gnu", "coreutils"),
    ("glibc", "gnu", "glibc"),
    ("tar", "gnu", "tar"),
    ("gzip", "gnu", "gzip"),
    ("sed", "gnu", "sed"),
    ("grep", "gnu", "grep"),
    ("findutils", "gnu", "findutils"),
    ("diffutils", "gnu", "diffutils"),
    ("ncurses", "gnu", "ncurses"),
    ("readline", "gnu", "readline"),
    ("gnutls28", "gnu", "gnutls"),
    ("libtasn1-6", "gnu", "libtasn1"),
    ("libidn2", "gnu", "libidn2"),
    ("gcc-12", "gnu", "gcc"),
    ("openssl", "openssl", "openssl"),
    ("zlib", "zlib", "zlib"),
    ("xz-utils", "tukaani", "xz"),
    ("util-linux", "kernel", "util-linux"),
    ("systemd", "systemd_project", "systemd"),
    ("dpkg", "debian", "dpkg"),
    ("apt", "debian", "apt"),
    ("perl", "perl", "perl"),
    ("pcre2", "pcre", "pcre2"),
    ("libgcrypt20", "gnupg", "libgcrypt"),
    ("gnupg2", "gnupg", "gnupg"),
    ("sqlite3", "sqlite", "sqlite"),
    ("curl", "haxx", "curl"),
    ("busybox", "busybox", "busybox"),
    ("gmp", "gmplib", "gmp"),
    ("nettle", "nettle_project", "nettle"),
    ("p11-kit", "p11-kit_project", "p11-kit"),
    ("libzstd", "facebook", "zstandard"),
    ("expat", "libexpat_project", "libexpat"),
    ("pam", "linux-pam", "linux-pam"),
    ("e2fsprogs", "e2fsprogs_project", "e2fsprogs"),
    ("libcap2", "libcap_project", "libcap"),
    ("libseccomp", "libseccomp_project", "libseccomp"),
];

/// os-release `ID` → (NVD vendor, product) of the operating system.
const SYSTEMS: &[(&str, &str, &str)] = &[
    ("debian", "debian", "debian_linux"),
    ("ubuntu", "canonical", "ubuntu_linux"),
    ("alpine", "alpinelinux", "alpine_linux"),
    ("openwrt", "openwrt", "openwrt"),
];

/// The CPE 2.3 of a package built from `source` at `version` (a package version as its
/// database writes it), when the pair is listed and the version can be written.
pub fn package(source: &str, version: &str) -> Option<String> {
    let (_, vendor, product) = PACKAGES.iter().find(|(s, _, _)| *s == source)?;
    Some(cpe("a", vendor, product, &escape(upstream(version))?))
}

/// The CPE 2.3 of an operating system by its os-release `ID` and `VERSION_ID`.
pub fn system(id: &str, version: &str) -> Option<String> {
    let (_, vendor, product) = SYSTEMS.iter().find(|(s, _, _)| *s == id)?;
    Some(cpe("o", vendor, product, &escape(version)?))
}

fn cpe(part: &str, vendor: &str, product: &str, version: &str) -> String {
    format!("cpe:2.3:{part}:{vendor}:{product}:{version}:*:*:*:*:*:*:*")
}

/// The upstream version of a Debian-style version: `[epoch:]upstream[-revision]`.
fn upstream(version: &str) -> &str {
    let v = version.split_once(':').map_or(version, |(_, v)| v);
    v.rsplit_once('-').map_or(v, |(u, _)| u)
}

/// A version as a CPE 2.3 field: letters, digits, `.`, `_`, `-` as they are, other printable
/// ASCII quoted with `\`; `None` for anything else or nothing.
fn escape(v: &str) -> Option<String> {
    if v.is_empty() || v.len() > 128 {
        return None;
    }
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_sources_get_a_cpe() {
        assert_eq!(
            package("bash", "5.2.15-2+b9").as_deref(),
            Some("cpe:2.3:a:gnu:bash:5.2.15:*:*:*:*:*:*:*")
        );
        assert_eq!(
            package("glibc", "2.36-9+deb12u10").as_deref(),
            Some("cpe:2.3:a:gnu:glibc:2.36:*:*:*:*:*:*:*")
        );
        assert_eq!(
            package("xz-utils", "5.4.1-1").as_deref(),
            Some("cpe:2.3:a:tukaani:xz:5.4.1:*:*:*:*:*:*:*")
        );
        assert_eq!(
            package("zlib", "1:1.2.13.dfsg-1").as_deref(),
            Some("cpe:2.3:a:zlib:zlib:1.2.13.dfsg:*:*:*:*:*:*:*")
        );
        assert_eq!(package("base-files", "12.4"), None);
        assert_eq!(
            system("debian", "12").as_deref(),
            Some("cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*")
        );
        assert_eq!(escape("1.0+b1").as_deref(), Some("1.0\\+b1"));
    }
}
