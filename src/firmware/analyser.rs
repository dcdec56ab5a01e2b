//! The interface between the walker and whatever reads the files it reaches: the walker hands
//! each file's bytes, once, to an [`Analyser`] and keeps the [`Facts`] it returns. The analysers
//! themselves live above, in `crate::analyse`; this interface sits with the walker so that the
//! walker imports nothing from the layer that uses it.

use super::detect::Kind;
use crate::model::Facts;

/// One walked file as an analyser sees it.
pub struct FileView<'a> {
    /// Virtual path (docs/inventory-format.md), e.g. `fw.bin!/0x4003:squashfs!/usr/lib/opkg/status`.
    pub path: &'a str,
    /// The path inside the filesystem the file was found in (see [`FileView::inner_path`]).
    inner: &'a str,
    pub bytes: &'a [u8],
    /// Detected from content by the walker.
    pub kind: Kind,
}

impl<'a> FileView<'a> {
    /// A file at virtual path `path` whose inner path is what follows its last `!`, or the
    /// whole path when it has none (analysers' tests; the walker uses [`FileView::at`]).
    pub fn new(path: &'a str, bytes: &'a [u8], kind: Kind) -> FileView<'a> {
        let inner = path.rsplit_once('!').map_or(path, |(_, p)| p);
        FileView {
            path,
            inner,
            bytes,
            kind,
        }
    }

    /// A file at `path` whose path inside its filesystem is `inner` (a suffix of `path`).
    pub fn at(path: &'a str, inner: &'a str, bytes: &'a [u8], kind: Kind) -> FileView<'a> {
        FileView {
            path,
            inner,
            bytes,
            kind,
        }
    }

    /// The path inside the filesystem the file was found in: what follows the last `!` (an
    /// image member: `/usr/lib/opkg/status`), or the path below a directory target with a
    /// leading `/` (`rootfs/usr/lib/opkg/status` → `/usr/lib/opkg/status`). So a file has the
    /// same inner path in a directory, in a tar of it and in a package inside it.
    pub fn inner_path(&self) -> &str {
        self.inner
    }
}

/// Something that finds facts in a file. Called from several threads at once.
///
/// What an analyser finds may depend on the file's bytes, its kind and its
/// [`FileView::inner_path`] — never on the rest of the virtual path (the target's own name or the
/// containers above): the results cache ([`FactsCache`]) keys facts by content and inner path.
pub trait Analyser: Sync {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts);

    /// Writes what names this analyser's behaviour, for caches: two analysers that write the same
    /// identity find the same facts in the same file. By default its type's name; an analyser
    /// built from data (the indicator scan, from the rules' names) adds a digest of that data.
    fn identity(&self, out: &mut String) {
        out.push_str(std::any::type_name::<Self>());
        out.push('\n');
    }
}

/// Facts already found, by content: what the walker asks before it runs the analyser on a file,
/// and tells after. Implemented by the results cache (`crate::cache`), so the walker knows
/// nothing of how they are stored. Called from several threads at once.
pub trait FactsCache: Sync {
    /// The facts found before in a file of this SHA-256 (lower-case hex) and size at this inner
    /// path.
    fn get(&self, sha256: &str, size: u64, inner_path: &str) -> Option<Facts>;
    /// Records what the analyser found (also when it found nothing).
    fn put(&self, sha256: &str, size: u64, inner_path: &str, facts: &Facts);
}

/// No analysis: the walk lists files only (`vendorscan inventory`).
impl Analyser for () {
    fn analyse(&self, _file: &FileView<'_>, _facts: &mut Facts) {}
}
