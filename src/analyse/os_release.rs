//! `etc/os-release` and `usr/lib/os-release` (os-release(5)): the operating system a root
//! filesystem is — `ID`, `ID_LIKE`, `VERSION_ID`, `VERSION_CODENAME`, `NAME`, `PRETTY_NAME`,
//! `HOME_URL`, `VENDOR_NAME`. The file is shell-style `KEY=value` lines, values optionally in
//! single or double quotes with `\`-escapes in double quotes; lines that are not assignments are
//! skipped. The assembly gives the filesystem an operating-system component from it and the
//! distribution qualifier of its packages' purls (`distro=debian-12`).

use super::{Analyser, FileView};
use crate::model::{Facts, OsRelease};

/// Bytes read at most: real files are a few hundred bytes.
const MAX_BYTES: usize = 64 * 1024;
/// A value is cut at this many characters.
const MAX_VALUE: usize = 1024;

#[derive(Debug, Clone, Copy, Default)]
pub struct OsReleaseFile;

/// Whether a path inside a filesystem is an os-release file, and whether it is the one in `etc`.
fn which(path: &str) -> Option<bool> {
    let trimmed = path.trim_start_matches('/');
    let ends = |suffix: &str| trimmed == suffix || trimmed.ends_with(&format!("/{suffix}"));
    if ends("etc/os-release") {
        Some(true)
    } else if ends("usr/lib/os-release") {
        Some(false)
    } else {
        None
    }
}

impl Analyser for OsReleaseFile {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        let Some(in_etc) = which(file.inner_path()) else {
            return;
        };
        let bytes = &file.bytes[..file.bytes.len().min(MAX_BYTES)];
        if let Some(mut os) = parse(&String::from_utf8_lossy(bytes)) {
            os.in_etc = in_etc;
            facts.os = Some(os);
        }
    }
}

/// The fields of an os-release text; `None` without an `ID` (os-release(5) defaults it to
/// `linux`, which names no distribution).
pub fn parse(text: &str) -> Option<OsRelease> {
    let mut os = OsRelease::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let value = unquote(raw.trim());
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "ID" => os.id = value,
            "ID_LIKE" => os.id_like = value.split_whitespace().map(str::to_owned).collect(),
            "VERSION_ID" => os.version_id = Some(value),
            "VERSION_CODENAME" => os.version_codename = Some(value),
            "PRETTY_NAME" => os.pretty_name = Some(value),
            "NAME" => os.name = Some(value),
            "HOME_URL" => os.home_url = Some(value),
            "VENDOR_NAME" => os.vendor_name = Some(value),
            _ => {}
        }
    }
    // ID is a lower-case word of `0–9`, `a–z`, `.`, `_`, `-` (os-release(5)).
    let id_ok = !os.id.is_empty()
        && os
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    id_ok.then_some(os)
}

/// A shell value: quotes removed, `\` escapes in double quotes resolved; cut at [`MAX_VALUE`].
fn unquote(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    let quote = match raw.chars().next() {
        Some(q @ ('"' | '\'')) => {
            chars.next();
            Some(q)
        }
        _ => None,
    };
    while let Some(c) = chars.next() {
        if Some(c) == quote {
            break;
        }
        if c == '\\' && quote != Some('\'') {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
        if out.len() >= MAX_VALUE {
            break;
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::test_support::run;
    use crate::firmware::detect::Kind;

    const DEBIAN: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\n";

    #[test]
    fn debian() {
        let facts = run(&OsReleaseFile, "root/usr/lib/os-release", DEBIAN.as_bytes(), Kind::Text);
        let os = facts.os.unwrap();
        assert_eq!(os.id, "debian");
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(os.pretty_name.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
        assert!(!os.in_etc);
        let facts = run(&OsReleaseFile, "fw!/etc/os-release", DEBIAN.as_bytes(), Kind::Text);
        assert!(facts.os.unwrap().in_etc);
        assert!(
            run(&OsReleaseFile, "x/etc/os-release.bak", DEBIAN.as_bytes(), Kind::Text)
                .os
                .is_none()
        );
    }

    #[test]
    fn openwrt_quotes_and_junk() {
        let text = "NAME='OpenWrt'\nID=\"openwrt\"\nID_LIKE=\"lede openwrt\"\nVERSION_ID=\"23.05.3\"\nnot a line\nPRETTY_NAME=\"Open\\\"Wrt\\\" 23\"\n";
        let os = parse(text).unwrap();
        assert_eq!(os.id, "openwrt");
        assert_eq!(os.id_like, ["lede", "openwrt"]);
        assert_eq!(os.name.as_deref(), Some("OpenWrt"));
        assert_eq!(os.pretty_name.as_deref(), Some("Open\"Wrt\" 23"));
        assert!(parse("NAME=x\n").is_none());
        assert!(parse("ID=\"Not Valid\"\n").is_none());
    }
}
