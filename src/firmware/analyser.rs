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
    pub bytes: &'a [u8],
    /// Detected from content by the walker.
    pub kind: Kind,
}

impl FileView<'_> {
    /// The path inside the filesystem the file was found in: what follows the last `!` (an
    /// image member: `/usr/lib/opkg/status`), or the whole path below a directory target.
    pub fn inner_path(&self) -> &str {
        self.path.rsplit_once('!').map_or(self.path, |(_, p)| p)
    }
}

/// Something that finds facts in a file. Called from several threads at once.
pub trait Analyser: Sync {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts);
}

/// No analysis: the walk lists files only (`vendorscan inventory`).
impl Analyser for () {
    fn analyse(&self, _file: &FileView<'_>, _facts: &mut Facts) {}
}
