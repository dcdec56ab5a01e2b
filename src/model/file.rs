//! Files found by walking a directory or an image: each with the virtual path that says how it
//! was reached, its size, hash and detected type. Containers (archives, compressed streams,
//! filesystems) are listed apart from the files inside them.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Virtual path: `fw.bin!/0x40000:squashfs!/usr/lib/libfoo.so` (see docs/inventory-format.md).
    pub path: String,
    pub size: u64,
    /// SHA-256 of the contents; absent for links and special files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Detected from content: `elf`, `pe`, `text`, `data`, `symlink`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Target of a symbolic or hard link, as recorded (never followed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// What the binary analysers found in it (none for most files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts: Option<Box<super::Facts>>,
}

/// An archive, compressed stream or filesystem the walker opened (or recognised and could not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerEntry {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub size: u64,
    pub sha256: String,
    /// False when the format was recognised but is not unpacked (the reason is a warning).
    pub unpacked: bool,
    /// True when the container, or one of its members, could not be read to its end (the
    /// reason and the place are a `corrupt` warning): what it holds was examined only in part.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub damaged: bool,
    /// What the container's header says, where that matters (a uImage's name, load address,
    /// operating system and compression).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub details: BTreeMap<String, String>,
}

/// A path the walk did not enter on purpose, and why. Listed in coverage; never makes a verdict
/// `incomplete` (the user asked for it, or it holds no files of the system: `/proc`, `/sys`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub path: String,
    #[serde(flatten)]
    pub reason: SkipReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum SkipReason {
    /// Matched an `--exclude` pattern.
    Excluded { pattern: String },
    /// A mount of a pseudo filesystem (proc, sysfs, devtmpfs, cgroup, …), told by its
    /// filesystem type, not its name.
    PseudoFilesystem { fstype: String },
}
