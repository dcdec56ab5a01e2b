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
    /// In a container image: the layer that added the file, and whether a later layer removed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<Box<FileLayer>>,
}

/// The layer of a container image a file came from (see docs/images.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileLayer {
    /// 0 for the bottom layer.
    pub index: usize,
    /// The layer blob's digest as the manifest lists it.
    pub digest: String,
    /// The digest of the layer's uncompressed tar (the configuration's `rootfs.diff_ids`): the
    /// same whichever way the image was stored.
    pub diff_id: String,
    /// The `created_by` of the history entry that made the layer (entries marked
    /// `empty_layer` skipped when pairing), when the configuration records one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Set when a later layer deleted or replaced the file: it is shipped in the image's bytes
    /// but not part of the filesystem the image runs with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<Removed>,
}

/// How a later layer removed a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    /// The layer that removed it.
    pub index: usize,
    pub digest: String,
    /// `deleted` (a whiteout or an opaque directory) or `replaced` (a file at the same path).
    pub how: RemovedHow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemovedHow {
    Deleted,
    Replaced,
}

impl RemovedHow {
    pub fn as_str(self) -> &'static str {
        match self {
            RemovedHow::Deleted => "deleted",
            RemovedHow::Replaced => "replaced",
        }
    }
}

impl FileLayer {
    /// The note a finding on a removed file carries: "present in layer 0 (sha256:…), deleted in
    /// layer 1 (sha256:…)"; `None` for a file of the final filesystem.
    pub fn removed_note(&self) -> Option<String> {
        let r = self.removed.as_ref()?;
        let how = r.how.as_str();
        Some(format!(
            "present in layer {} ({}), {how} in layer {} ({}): shipped in the image, not in its final filesystem",
            self.index, self.digest, r.index, r.digest
        ))
    }
}

/// An archive, compressed stream or filesystem the walker opened (or recognised and could not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerEntry {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub size: u64,
    pub sha256: String,
    /// SHA-1 of a container that is a file (a `.deb` in a directory, a `.zip` member of an
    /// archive), for the SBOM that lists it as one; absent for the target itself, decoded
    /// streams, carved regions and image layers, which are not files of their own.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sha1: Option<String>,
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
