//! What a directory walk leaves out on purpose: paths the user excluded (`--exclude`), and mounts
//! of pseudo filesystems (proc, sysfs, cgroup, …) met while walking a live system. Each is
//! recorded as a [`Skipped`](crate::model::Skipped) entry, never as a warning: nothing the user
//! meant to audit went unread.
//!
//! A pseudo filesystem is told by its type as `statfs(2)` reports it (the `f_type` magic), not by
//! the name of its mount point: a proc mounted at `/mnt/p` is skipped, a real filesystem mounted
//! at `/proc` is walked. The walker asks only where a directory's device differs from its
//! parent's — one `statfs` per mount, not per directory.

use globset::{GlobBuilder, GlobMatcher};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// What a walk leaves out, beyond its [`Limits`](super::Limits).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Paths not entered, in the order given (the first that matches is the one recorded).
    pub exclude: Vec<Exclude>,
}

impl Scope {
    /// The pattern, as given, that excludes `relative` (a path relative to the target's root,
    /// without a leading `/` or `./`), if any.
    pub fn excluded(&self, relative: &Path) -> Option<&str> {
        self.exclude
            .iter()
            .find(|e| e.matches(relative))
            .map(|e| e.given.as_str())
    }

    /// For a member of an image, by its name relative to the image's root (a leading `./` or
    /// `/` dropped): the excluded path it lies in — its highest excluded directory, or itself —
    /// and the pattern, so that what an excluded directory holds is recorded once, at the
    /// directory. Archives list files, not always their directories, so each member's
    /// directories are tried from the top.
    pub fn excluded_member<'n>(&self, name: &'n [u8]) -> Option<(&'n [u8], &str)> {
        if self.exclude.is_empty() {
            return None;
        }
        let mut name = name;
        while let Some(rest) = name.strip_prefix(b"./").or_else(|| name.strip_prefix(b"/")) {
            name = rest;
        }
        let ends = name
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'/')
            .map(|(i, _)| i)
            .chain([name.len()]);
        for end in ends {
            let part = &name[..end];
            if part.is_empty() || part.ends_with(b"/") {
                continue;
            }
            if let Some(pattern) = self.excluded(&path_of(part)) {
                return Some((part, pattern));
            }
        }
        None
    }
}

/// A member name as a path, for matching.
fn path_of(name: &[u8]) -> std::borrow::Cow<'_, Path> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::borrow::Cow::Borrowed(Path::new(std::ffi::OsStr::from_bytes(name)))
    }
    #[cfg(not(unix))]
    {
        std::borrow::Cow::Owned(String::from_utf8_lossy(name).into_owned().into())
    }
}

/// One `--exclude` pattern. Matched against a path relative to the target's root: a leading `/`
/// or `./` of the pattern is dropped (so `/proc`, `./proc` and `proc` are one pattern); `*`, `?`
/// and `[…]` do not match `/`, `**` matches any number of directories; a pattern ending in `/**`
/// also matches the directory itself, so the directory is not entered at all.
#[derive(Debug, Clone)]
pub struct Exclude {
    given: String,
    matchers: Vec<GlobMatcher>,
}

impl Exclude {
    /// The pattern as the user wrote it.
    pub fn pattern(&self) -> &str {
        &self.given
    }

    fn matches(&self, relative: &Path) -> bool {
        self.matchers.iter().any(|m| m.is_match(relative))
    }
}

/// A pattern that is not a valid glob, or names nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid pattern: {message}")]
pub struct ExcludeError {
    pub pattern: String,
    pub message: String,
}

impl FromStr for Exclude {
    type Err = ExcludeError;

    fn from_str(given: &str) -> Result<Self, Self::Err> {
        let fail = |message: String| ExcludeError {
            pattern: given.to_string(),
            message,
        };
        let mut pattern = given;
        loop {
            let stripped = pattern.strip_prefix("./").or_else(|| pattern.strip_prefix('/'));
            match stripped {
                Some(rest) => pattern = rest,
                None => break,
            }
        }
        let pattern = pattern.trim_end_matches('/');
        if pattern.is_empty() || pattern == "." {
            return Err(fail(
                "matches no path below the target (the target itself cannot be excluded)".into(),
            ));
        }
        let mut forms = vec![pattern];
        if let Some(dir) = pattern.strip_suffix("/**") {
            if !dir.is_empty() {
                forms.push(dir);
            }
        }
        let matchers = forms
            .into_iter()
            .map(|p| {
                GlobBuilder::new(p)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map(|g| g.compile_matcher())
                    .map_err(|e| fail(e.kind().to_string()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Exclude {
            given: given.to_string(),
            matchers,
        })
    }
}

impl fmt::Display for Exclude {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.given)
    }
}

/// Pseudo filesystems by their `statfs` magic (linux/magic.h; configfs, fusectl and mqueue from
/// the kernel sources that define them). They hold the kernel's state, not the system's files:
/// their files say they are empty and stream without end, or block when read. tmpfs and ramfs
/// are not among them — they hold real files (`/run`, `/tmp`). devtmpfs reports tmpfs's magic and
/// so is walked: it holds device nodes, which are listed and never opened.
const PSEUDO: &[(u32, &str)] = &[
    (0x9fa0, "proc"),
    (0x6265_6572, "sysfs"),
    (0x1cd1, "devpts"),
    (0x0027_e0eb, "cgroup"),
    (0x6367_7270, "cgroup2"),
    (0x6462_6720, "debugfs"),
    (0x7472_6163, "tracefs"),
    (0x7363_6673, "securityfs"),
    (0x6165_676c, "pstore"),
    (0xcafe_4a11, "bpf"),
    (0x6265_6570, "configfs"),
    (0x6573_5543, "fusectl"),
    (0x1980_0202, "mqueue"),
    (0x9584_58f6, "hugetlbfs"),
    (0x4249_4e4d, "binfmt_misc"),
    (0x0187, "autofs"),
    (0xde5e_81e4, "efivarfs"),
    (0xf97c_ff8c, "selinuxfs"),
    (0x4341_5d53, "smackfs"),
    (0x6e73_6673, "nsfs"),
    (0x0765_5821, "resctrl"),
    (0x9fa2, "usbdevfs"),
];

/// The name of the pseudo filesystem with this `statfs` magic, if it is one.
pub fn pseudo_fstype(magic: u32) -> Option<&'static str> {
    PSEUDO.iter().find(|(m, _)| *m == magic).map(|(_, name)| *name)
}

/// The pseudo filesystem `path` lies on, if it does (`None` also where this cannot be told: on
/// systems other than Linux, or when `statfs` fails).
pub fn pseudo_filesystem(path: &Path) -> Option<&'static str> {
    #[cfg(target_os = "linux")]
    {
        let stat = rustix::fs::statfs(path).ok()?;
        // f_type is a word of the platform's width; every magic fits in 32 bits
        #[allow(clippy::unnecessary_cast)]
        let magic = stat.f_type as u32;
        pseudo_fstype(magic)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        None
    }
}

/// The device a directory lies on (`st_dev`), to tell mount points from the directories around
/// them; `None` where this cannot be told.
pub fn device(meta: &std::fs::Metadata) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(meta.dev())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(patterns: &[&str]) -> Scope {
        Scope {
            exclude: patterns.iter().map(|p| p.parse().unwrap()).collect(),
        }
    }

    fn excluded<'s>(scope: &'s Scope, path: &str) -> Option<&'s str> {
        scope.excluded(Path::new(path))
    }

    #[test]
    fn patterns_match_paths_relative_to_the_target() {
        let s = scope(&["./usr/share/doc/**", "**/*.pyc", "/proc", "var/cache/"]);
        assert_eq!(excluded(&s, "usr/share/doc"), Some("./usr/share/doc/**"));
        assert_eq!(excluded(&s, "usr/share/doc/x/y"), Some("./usr/share/doc/**"));
        assert_eq!(excluded(&s, "usr/share/docs"), None);
        assert_eq!(excluded(&s, "usr/share"), None);
        assert_eq!(excluded(&s, "a.pyc"), Some("**/*.pyc"));
        assert_eq!(excluded(&s, "usr/lib/python3/x.pyc"), Some("**/*.pyc"));
        assert_eq!(excluded(&s, "usr/lib/python3/x.py"), None);
        assert_eq!(excluded(&s, "proc"), Some("/proc"));
        assert_eq!(excluded(&s, "srv/proc"), None);
        assert_eq!(excluded(&s, "var/cache"), Some("var/cache/"));
    }

    #[test]
    fn a_member_is_excluded_at_its_highest_excluded_directory() {
        let s = scope(&["usr/share/doc/**", "**/*.pyc", "opt"]);
        let member = |name: &'static str| {
            s.excluded_member(name.as_bytes())
                .map(|(top, p)| (std::str::from_utf8(top).unwrap(), p))
        };
        assert_eq!(
            member("./usr/share/doc/pkg/README"),
            Some(("usr/share/doc", "usr/share/doc/**"))
        );
        assert_eq!(member("/usr/share/doc"), Some(("usr/share/doc", "usr/share/doc/**")));
        assert_eq!(member("usr/lib/x.pyc"), Some(("usr/lib/x.pyc", "**/*.pyc")));
        assert_eq!(member("opt//a/b"), Some(("opt", "opt")));
        assert_eq!(member("usr/lib/x.py"), None);
        assert_eq!(Scope::default().excluded_member(b"usr/share/doc/x"), None);
    }

    #[test]
    fn a_star_does_not_cross_a_slash() {
        let s = scope(&["usr/*.so"]);
        assert_eq!(excluded(&s, "usr/a.so"), Some("usr/*.so"));
        assert_eq!(excluded(&s, "usr/lib/a.so"), None);
    }

    #[test]
    fn the_first_matching_pattern_is_named() {
        let s = scope(&["usr/**", "usr/lib"]);
        assert_eq!(excluded(&s, "usr/lib"), Some("usr/**"));
    }

    #[test]
    fn bad_and_empty_patterns_are_refused() {
        let e = "usr/[a".parse::<Exclude>().unwrap_err();
        assert_eq!(e.pattern, "usr/[a");
        assert!(e.to_string().starts_with("not a valid pattern: "), "{e}");
        assert!(e.message.contains("unclosed character class"), "{e}");
        for empty in ["", "/", "./", ".", "//"] {
            assert!(empty.parse::<Exclude>().is_err(), "{empty:?}");
        }
    }

    #[test]
    fn pseudo_filesystems_are_told_by_type() {
        assert_eq!(pseudo_fstype(0x9fa0), Some("proc"));
        assert_eq!(pseudo_fstype(0x0102_1994), None, "tmpfs holds real files");
        assert_eq!(pseudo_fstype(0xef53), None, "ext4");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn proc_and_sys_are_pseudo_and_the_sources_are_not() {
        assert_eq!(pseudo_filesystem(Path::new("/proc")), Some("proc"));
        assert_eq!(pseudo_filesystem(Path::new("/proc/self")), Some("proc"));
        if Path::new("/sys/kernel").is_dir() {
            assert_eq!(pseudo_filesystem(Path::new("/sys")), Some("sysfs"));
        }
        assert_eq!(pseudo_filesystem(Path::new(env!("CARGO_MANIFEST_DIR"))), None);
        assert_eq!(pseudo_filesystem(Path::new("/nonexistent/x")), None);
        // /proc is a mount point: its device is not that of /
        let dev = |p: &str| device(&std::fs::symlink_metadata(p).unwrap());
        assert_ne!(dev("/proc"), dev("/"));
    }
}
