//! An OCI image layout of one directory tree, for the benches: one gzip layer (the tree as a
//! tar, as `umoci` or `docker build` would pack it), an image config and a manifest, written with
//! the crates the project already has (tar, flate2, sha2, serde_json) so that no image tool is
//! needed to run the benches.

use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::io::{self, Write};
use std::path::Path;

/// A writer that hashes what passes through it and counts it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    len: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hex(digest: impl AsRef<[u8]>) -> String {
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `blob` under `layout/blobs/sha256/` and returns its descriptor fields.
fn put(layout: &Path, blob: &[u8]) -> (String, u64) {
    let digest = hex(Sha256::digest(blob));
    std::fs::write(layout.join("blobs/sha256").join(&digest), blob).unwrap();
    (format!("sha256:{digest}"), blob.len() as u64)
}

/// Packs `tree` as an OCI image layout at `layout` (created; must not exist): one layer,
/// `application/vnd.oci.image.layer.v1.tar+gzip`, symbolic links kept as links, device nodes
/// left out (an image layer made without privileges has none either).
pub fn write_layout(tree: &Path, layout: &Path) {
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let partial = blobs.join("layer.partial");
    let compressed = Hashing {
        inner: io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&partial).unwrap()),
        hash: Sha256::new(),
        len: 0,
    };
    let uncompressed = Hashing {
        inner: GzEncoder::new(compressed, flate2::Compression::default()),
        hash: Sha256::new(),
        len: 0,
    };
    let mut builder = tar::Builder::new(uncompressed);
    builder.follow_symlinks(false);
    for entry in walkdir::WalkDir::new(tree)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
    {
        let entry = entry.unwrap();
        let name = entry.path().strip_prefix(tree).unwrap();
        let kind = entry.file_type();
        if kind.is_dir() || kind.is_file() || kind.is_symlink() {
            builder.append_path_with_name(entry.path(), name).unwrap();
        }
    }
    let uncompressed = builder.into_inner().unwrap();
    let diff_id = format!("sha256:{}", hex(uncompressed.hash.finalize()));
    let mut compressed = uncompressed.inner.finish().unwrap();
    compressed.flush().unwrap();
    let layer_digest = hex(compressed.hash.finalize());
    let layer_size = compressed.len;
    drop(compressed.inner);
    std::fs::rename(&partial, blobs.join(&layer_digest)).unwrap();

    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": { "Labels": { "org.opencontainers.image.title": "debian-rootfs-bench" } },
        "rootfs": { "type": "layers", "diff_ids": [diff_id] },
        "history": [ { "created_by": "vendorscan benches/support/oci.rs: the rootfs as one layer" } ],
    });
    let (config_digest, config_size) = put(layout, &serde_json::to_vec(&config).unwrap());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": config_size,
        },
        "layers": [ {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": format!("sha256:{layer_digest}"),
            "size": layer_size,
        } ],
    });
    let (manifest_digest, manifest_size) = put(layout, &serde_json::to_vec(&manifest).unwrap());
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [ {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest,
            "size": manifest_size,
            "platform": { "architecture": "amd64", "os": "linux" },
            "annotations": { "org.opencontainers.image.ref.name": "latest" },
        } ],
    });
    std::fs::write(layout.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(layout.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}
