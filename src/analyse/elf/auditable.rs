//! cargo-auditable's `.dep-v0` section: the Rust crates a binary was built from, as
//! zlib-compressed JSON (`{"packages":[{"name","version","source","root"?,…}]}`).

use std::io::Read;

use flate2::read::ZlibDecoder;
use serde::Deserialize;

use super::text::text;
use crate::model::Facts;

/// The decompressed JSON is read to at most 8 MiB; a larger one is a bomb, not a dependency list.
const MAX_JSON: u64 = 8 << 20;
/// At most this many crates are recorded.
const MAX_PACKAGES: usize = 10_000;

#[derive(Deserialize)]
struct VersionInfo {
    packages: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
    /// The crate the binary is (only one is marked).
    #[serde(default)]
    root: bool,
}

/// Records each crate as `rust-dependency` (`name@version`), and the root crate as `rust-package`.
pub(super) fn record(compressed: &[u8], facts: &mut Facts) {
    let mut json = Vec::new();
    let read = ZlibDecoder::new(compressed).take(MAX_JSON + 1).read_to_end(&mut json);
    if read.is_err() || json.len() as u64 > MAX_JSON {
        return;
    }
    let Ok(info) = serde_json::from_slice::<VersionInfo>(&json) else {
        return;
    };
    for package in info.packages.iter().take(MAX_PACKAGES) {
        let (Some(name), Some(version)) = (text(package.name.as_bytes()), text(package.version.as_bytes())) else {
            continue;
        };
        let field = if package.root {
            "rust-package"
        } else {
            "rust-dependency"
        };
        facts.property(field, format!("{name}@{version}"));
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::ZlibEncoder;
    use flate2::Compression;

    use super::*;

    fn compress(data: &[u8]) -> Vec<u8> {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).expect("writes to a Vec");
        encoder.finish().expect("writes to a Vec")
    }

    #[test]
    fn bombs_and_garbage_give_nothing() {
        let mut facts = Facts::default();
        // 9 MiB of spaces before the JSON: over the cap, so not read at all.
        let padded = [
            &vec![b' '; 9 << 20][..],
            br#"{"packages":[{"name":"a","version":"1"}]}"#,
        ]
        .concat();
        record(&compress(&padded), &mut facts);
        record(b"not zlib", &mut facts);
        record(&compress(b"{\"packages\": 3}"), &mut facts);
        assert!(facts.is_empty());
        record(
            &compress(br#"{"packages":[{"name":"a","version":"1","kind":"build"}]}"#),
            &mut facts,
        );
        assert_eq!(facts.properties[0].value, "a@1");
    }
}
