//! The Linux kernel banner (`Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)
//! (gcc-12 …) #1 SMP …`), compiled into every kernel image: a `vmlinux` ELF names its version.

use memchr::memmem;

/// Only the first 64 MiB are searched: the banner sits in the kernel's read-only data, well
/// inside that, and a search must not cost time proportional to a huge file.
const SEARCH_LIMIT: usize = 64 << 20;
/// At most this many `Linux version ` occurrences are tried before giving up.
const MAX_CANDIDATES: usize = 64;
/// A kernel release string (`uname -r`) is at most 64 bytes (`__NEW_UTS_LEN`).
const MAX_RELEASE: usize = 64;

const NEEDLE: &[u8] = b"Linux version ";

/// The kernel release of the first well-formed banner: `Linux version `, a release that starts
/// with `digits.digits` and holds only printable characters, then ` (`.
pub(super) fn linux_version(bytes: &[u8]) -> Option<String> {
    let hay = &bytes[..bytes.len().min(SEARCH_LIMIT)];
    memmem::find_iter(hay, NEEDLE)
        .take(MAX_CANDIDATES)
        .find_map(|at| release(&hay[at + NEEDLE.len()..]))
}

fn release(rest: &[u8]) -> Option<String> {
    let end = rest.iter().take(MAX_RELEASE + 1).position(|&b| b == b' ')?;
    let (release, after) = rest.split_at(end);
    if !after.starts_with(b" (") || !release.iter().all(u8::is_ascii_graphic) {
        return None;
    }
    let digits = release.iter().take_while(|b| b.is_ascii_digit()).count();
    let minor = release
        .get(digits + 1..)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 || release.get(digits) != Some(&b'.') || minor == 0 {
        return None;
    }
    Some(String::from_utf8_lossy(release).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners() {
        let banner = b"\0\0Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP\n";
        assert_eq!(linux_version(banner).as_deref(), Some("6.1.0-18-amd64"));
        // A message that merely mentions the phrase is skipped for the real banner after it.
        let text = b"Linux version is too old (need 2.6)\0Linux version 2.6.36+ (root@host) #1\0";
        assert_eq!(linux_version(text).as_deref(), Some("2.6.36+"));
        assert_eq!(linux_version(b"Linux version 5.10"), None);
        assert_eq!(linux_version(b"Linux version 5. (x)"), None);
        assert_eq!(linux_version(b"Linux version %s (%s)"), None);
        assert_eq!(linux_version(b"Linux version 5.4\x01x (y)"), None);
        let long = [&b"Linux version 5.4"[..], &[b'a'; 100], b" (x)"].concat();
        assert_eq!(linux_version(&long), None);
    }
}
