//! SHA-1 of every file an analyser sees, as the `sha1` property: SPDX 2.3 requires a SHA-1
//! checksum on every file it lists (`files[].checksums`), and the walker itself hashes with
//! SHA-256 only. The assembly moves the property into the file component's hashes.

use sha1::{Digest, Sha1};

use super::{Analyser, FileView};
use crate::model::Facts;

/// The property name the assembly looks for.
pub const SHA1_PROPERTY: &str = "sha1";

#[derive(Debug, Clone, Copy, Default)]
pub struct Sha1Digest;

impl Analyser for Sha1Digest {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        let digest = Sha1::digest(file.bytes);
        let mut hex = String::with_capacity(40);
        for b in digest {
            hex.push_str(&format!("{b:02x}"));
        }
        facts.property(SHA1_PROPERTY, hex);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::test_support::run;
    use crate::firmware::detect::Kind;

    #[test]
    fn sha1_of_the_bytes() {
        let facts = run(&Sha1Digest, "a", b"abc", Kind::Text);
        assert_eq!(facts.properties[0].name, "sha1");
        assert_eq!(facts.properties[0].value, "a9993e364706816aba3e25717850c26c9cd0d89d");
    }
}
