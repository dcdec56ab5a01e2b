//! Container image layers in the cache: what walking one layer yielded, so that an image whose
//! layers were seen before (the same base image under many applications, the same image audited
//! again) is not decoded again.
//!
//! ## The key, and why a hit is the walk of this layer
//!
//! A layer is keyed by the digest of its blob as stored (the manifest's layer descriptor) *and*
//! the digest of its uncompressed tar (the configuration's `diff_id`), with everything a walk key
//! holds (code, analysers, limits, scope). Neither is taken on trust:
//!
//! - a walk is stored only when this process computed both digests from the bytes it walked and
//!   found them equal to the key's: the blob was read to its end and hashed, the decoded tar
//!   hashed ([`Layer::blob_digest`], [`Layer::diff_id`]); a layer that was damaged, or hit a
//!   limit (or came after one was spent), is never stored;
//! - so a stored walk is the walk of the one content whose SHA-256 is the blob digest. Whether
//!   the blob the image holds *now* is that content is proved before the hit is taken: the blob
//!   is read and hashed again (a compressed blob hashes about twenty times faster than it
//!   decodes and walks). A file on disk (`oci-dir:`, `oci-archive:`, `docker-archive:`) can
//!   have changed since. From a registry the blob is streamed and hashed too, although the
//!   registry is content-addressed: taking its word would make a warm run differ from a cold
//!   one whenever it serves bytes that do not match the digest (a cold run reports that layer
//!   damaged, `tests/registry.rs`), and a result must never depend on the cache. The cost is
//!   the download, not the decoding and walking.
//!
//! The `diff_id` in the key is what ties the stored walk to the configuration that describes the
//! image: the same blob named with another `diff_id` is walked again, and then warned about.

use super::{Cache, StoredWalk, WalkKey, WALK};
use crate::analyse::Analyser;
use crate::firmware::{self, Layer};
use serde::{Deserialize, Serialize};

/// The key of one layer's stored walk ([`Cache::layer_key`]).
#[derive(Debug, Clone)]
pub struct LayerKey {
    walk: WalkKey,
    blob_digest: String,
    diff_id: String,
}

/// A layer's walk as stored: the walk without the image's name, and what [`Layer`] says of it.
#[derive(Serialize, Deserialize)]
struct StoredLayer {
    walk: StoredWalk,
    size: u64,
    codec: String,
    entries: u64,
    bytes: u64,
}

/// `sha256:` and 64 lower-case hex digits: the only digests this process can check.
fn is_sha256(digest: &str) -> bool {
    digest
        .strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

impl Cache {
    /// The key of the walk of a layer whose blob has the digest `blob_digest` and whose tar has
    /// the `diff_id`, in the image named `root` in virtual paths, through `analyser` within
    /// `limits` and `scope`. `None` when either digest is not SHA-256 (such a layer is always
    /// walked).
    pub fn layer_key(
        &self,
        blob_digest: &str,
        diff_id: &str,
        root: &str,
        analyser: &dyn Analyser,
        limits: &firmware::Limits,
        scope: &firmware::Scope,
    ) -> Option<LayerKey> {
        if !is_sha256(blob_digest) || !is_sha256(diff_id) {
            return None;
        }
        Some(LayerKey {
            walk: self.keyed("layer", &[blob_digest, diff_id], root, analyser, limits, scope),
            blob_digest: blob_digest.to_string(),
            diff_id: diff_id.to_string(),
        })
    }

    /// The layer of `key` as walked before, with virtual paths under the key's root, when
    /// `accept` takes it (the caller proves the blob and charges the budgets there); a stored
    /// layer not accepted is counted as a miss.
    pub fn get_layer(&self, key: &LayerKey, accept: impl FnOnce(&Layer) -> bool) -> Option<Layer> {
        let stored: StoredLayer = self.get(&key.walk.key)?;
        let codec = match stored.codec.as_str() {
            "gzip" => Some("gzip"),
            "zstd" => Some("zstd"),
            "tar" => Some("tar"),
            _ => None,
        };
        let layer = codec.zip(stored.walk.reroot(&key.walk)).map(|(codec, walked)| Layer {
            walked,
            diff_id: key.diff_id.clone(),
            size: stored.size,
            codec,
            damaged: false,
            blob_digest: key.blob_digest.clone(),
            entries: stored.entries,
            bytes: stored.bytes,
            exhausted: false,
        });
        match layer {
            Some(layer) if accept(&layer) => Some(layer),
            _ => {
                self.not_a_hit();
                None
            }
        }
    }

    /// Keeps what walking the layer of `key` yielded — only when it is the whole walk of the
    /// content the key names: read to its end undamaged, both digests computed and equal to the
    /// key's, no limit reached (see the module docs), and replayable as a walk is
    /// ([`Cache::put_walked`]).
    pub fn put_layer(&self, key: &LayerKey, layer: &Layer) {
        let whole =
            !layer.damaged && !layer.exhausted && layer.diff_id == key.diff_id && layer.blob_digest == key.blob_digest;
        if !whole {
            return;
        }
        if let Some(walk) = StoredWalk::new(&key.walk, &layer.walked) {
            let stored = StoredLayer {
                walk,
                size: layer.size,
                codec: layer.codec.to_string(),
                entries: layer.entries,
                bytes: layer.bytes,
            };
            self.put(key.walk.key, WALK, &stored);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::Walked;
    use crate::model::{FileEntry, Warning, WarningCode};

    const BLOB: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const DIFF: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn layer(root: &str) -> Layer {
        Layer {
            walked: Walked {
                files: vec![FileEntry {
                    path: format!("{root}!/etc/passwd"),
                    size: 3,
                    sha256: Some("ab".into()),
                    kind: "text".into(),
                    link: None,
                    facts: None,
                    layer: None,
                }],
                ..Walked::default()
            },
            diff_id: DIFF.into(),
            size: 1024,
            codec: "gzip",
            damaged: false,
            blob_digest: BLOB.into(),
            entries: 2,
            bytes: 1024,
            exhausted: false,
        }
    }

    fn key(cache: &Cache, root: &str) -> LayerKey {
        let limits = firmware::Limits::default();
        cache
            .layer_key(BLOB, DIFF, root, &(), &limits, &firmware::Scope::default())
            .unwrap()
    }

    #[test]
    fn a_layer_is_replayed_under_another_image_name_with_what_it_spent() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), super::super::DEFAULT_MAX_SIZE);
        cache.put_layer(&key(&cache, "a@sha256:1"), &layer("a@sha256:1"));
        cache.finish();
        let got = cache.get_layer(&key(&cache, "b@sha256:2"), |_| true).unwrap();
        assert_eq!(got.walked.files[0].path, "b@sha256:2!/etc/passwd");
        assert_eq!((got.entries, got.bytes, got.size, got.codec), (2, 1024, 1024, "gzip"));
        assert_eq!(cache.hits_and_misses(), (1, 0));
        // refused by the caller (the blob changed, the budget is spent): a miss
        assert!(cache.get_layer(&key(&cache, "b@sha256:2"), |_| false).is_none());
        assert_eq!(cache.hits_and_misses(), (1, 1));
    }

    #[test]
    fn only_the_whole_walk_of_the_keyed_content_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), super::super::DEFAULT_MAX_SIZE);
        let k = key(&cache, "img");
        let spoilt: [fn(&mut Layer); 5] = [
            |l| l.damaged = true,
            |l| l.exhausted = true,
            |l| l.diff_id = BLOB.into(),
            |l| l.blob_digest = DIFF.into(),
            |l| {
                l.walked.warnings.push(Warning {
                    code: WarningCode::LimitExceeded,
                    file: "img!/big".into(),
                    at: None,
                    message: "over".into(),
                })
            },
        ];
        for spoil in spoilt {
            let mut l = layer("img");
            spoil(&mut l);
            cache.put_layer(&k, &l);
        }
        cache.finish();
        assert!(cache.get_layer(&k, |_| true).is_none());
        // digests this process cannot check are never keys
        let limits = firmware::Limits::default();
        let scope = firmware::Scope::default();
        assert!(cache
            .layer_key("sha512:ab", DIFF, "img", &(), &limits, &scope)
            .is_none());
        assert!(cache
            .layer_key(BLOB, "sha256:AB", "img", &(), &limits, &scope)
            .is_none());
    }
}
