//! Container images: an image resolved to one manifest (from an OCI layout, an OCI archive, a
//! `docker save` tarball or a registry), its layers walked in order and merged into the one
//! filesystem the image runs with.
//!
//! A scheme's job ends at [`Image`] (the manifest it chose, the configuration, the layer
//! descriptors) and a [`LayerSource`] that yields each layer's bytes as stored; [`walk`] does
//! the rest the same way for every scheme, so the same image gives the same inventory whichever
//! way it was read:
//!
//! - each layer is decoded as it streams (gzip, zstd or a plain tar, told from its content) and
//!   walked as a tar by the firmware walker, so every limit, damage report, nested container and
//!   analyser applies, with one budget for the whole image;
//! - members are named `IMAGE!/path`, where IMAGE is the name as given and the manifest digest
//!   (`alpine:3@sha256:…`), never a blob's path;
//! - the layers are merged: whiteouts (`.wh.NAME`) and opaque directories (`.wh..wh..opq`) delete
//!   what lower layers added, a later file replaces an earlier one, a hard link to a file of a
//!   lower layer takes that file's content. The markers are not files of the image. A file a
//!   later layer deleted or replaced is still shipped in the image's bytes: it stays in the
//!   inventory with [`FileLayer::removed`] set, and the rule engine never counts it as part of
//!   the final filesystem;
//! - every file keeps the layer that added it ([`FileLayer`]: index, digest, the history entry's
//!   `created_by`).

mod merge;
pub mod spec;

use crate::analyse::assemble::assemble;
use crate::analyse::Analyser;
use crate::cache::Cache;
use crate::firmware::{FactsCache, LayerWalker, Limits, Progress, Scope, Walked};
use crate::model::{Hash, InputError, Inventory, Located, Location, Property, Warning, WarningCode};
use crate::source::Options;
use std::collections::BTreeMap;
use std::io::Read;

pub use spec::{parse_config, parse_index, parse_manifest, select_platform, Platform};

/// An image resolved to one manifest: what the layers are walked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The image as the user named it: a path, or a registry reference (`alpine:3.20`).
    pub name: String,
    /// The manifest's digest, `sha256:…`. For a `docker save` tarball, which keeps no manifest,
    /// the digest of the configuration (what `docker images --digests` cannot give either; the
    /// image id).
    pub manifest_digest: String,
    /// The manifest's media type (OCI or Docker schema 2; `docker save` for a docker archive's
    /// `manifest.json`).
    pub manifest_media_type: String,
    /// Annotations of the index entry that led to the manifest and of the manifest itself (the
    /// manifest's win).
    pub annotations: BTreeMap<String, String>,
    pub config: ImageConfig,
    /// The layers, bottom first.
    pub layers: Vec<LayerDesc>,
}

impl Image {
    /// The root of every virtual path in the image: `name@sha256:…`.
    pub fn display_name(&self) -> String {
        format!("{}@{}", self.name, self.manifest_digest)
    }

    /// The `created_by` of the history entry that made layer `index`: history entries marked
    /// `empty_layer` made no layer and are skipped when pairing.
    pub fn created_by(&self, index: usize) -> Option<&str> {
        self.config
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .nth(index)
            .and_then(|h| h.created_by.as_deref())
    }
}

/// What an audit reads of an image's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    /// `config.Labels`.
    pub labels: BTreeMap<String, String>,
    /// The configuration's own `author`.
    pub author: Option<String>,
    pub history: Vec<HistoryEntry>,
    /// `rootfs.diff_ids`: the digest of each layer's uncompressed tar, bottom first.
    pub diff_ids: Vec<String>,
}

/// One entry of the configuration's history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryEntry {
    pub created_by: Option<String>,
    /// True when the step made no layer (`ENV`, `LABEL`, …).
    pub empty_layer: bool,
}

/// One layer as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerDesc {
    /// `sha256:…` of the blob as stored (compressed or not).
    pub digest: String,
    pub media_type: String,
    /// The size the manifest declares: a hint for progress only, never trusted for allocation.
    pub size: u64,
}

/// Yields a layer blob's bytes as stored (gzip, zstd or plain tar: [`walk`] tells them by their
/// content), so a registry can stream it and an archive can read it in place. Called once per
/// layer, bottom first (and, for a layer whose walk is in the results cache, once before that,
/// to hash the blob).
pub trait LayerSource: Sync {
    fn open_layer(&self, layer: &LayerDesc) -> Result<Box<dyn Read + Send + '_>, ImageError>;
}

/// Why an image could not be resolved or read at all. Damage found inside a layer is a warning
/// on the walk instead (the rest of the image is still read, and the verdict is incomplete).
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{place}: cannot read: {source}")]
    Io {
        place: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{place}: {message}")]
    Invalid { place: String, message: String },
    #[error("{place}: blob {digest} is missing")]
    MissingBlob { place: String, digest: String },
    #[error("no image for platform {want}; the index holds: {} (pick one with --platform)", .available.join(", "))]
    NoPlatform { want: String, available: Vec<String> },
    #[error("--platform {0}: expected os/arch[/variant], e.g. linux/arm64/v8")]
    BadPlatform(String),
}

impl ImageError {
    pub(crate) fn json(place: &str, e: &serde_json::Error) -> ImageError {
        ImageError::Invalid {
            place: place.to_string(),
            message: format!("not a valid document: {e}"),
        }
    }

    pub(crate) fn invalid(place: &str, message: impl Into<String>) -> ImageError {
        ImageError::Invalid {
            place: place.to_string(),
            message: message.into(),
        }
    }
}

/// Audits a resolved image: every layer opened from `source`, walked within one budget of
/// `limits`, and merged into the final filesystem (see the module docs). Files of the final
/// filesystem and files shipped but removed ([`FileLayer::removed`]) are both in the result,
/// each with its layer. A layer that cannot be opened (a missing blob) or is damaged part way
/// is a warning naming the layer — the rest of the image is still read, and coverage is
/// incomplete. The error is for an image whose configuration does not describe its layers.
///
/// With `cache`, a layer whose walk is stored is not decoded: the stored walk is used once the
/// blob is proved to be the content it was stored under — read from `source` and hashed, from
/// a registry too (the key and why are in `crate::cache`'s layer module) — and its entries and
/// bytes fit in what is left of the image's budgets (charged as walking it would, so the limits
/// stop at the same place warm or cold; a layer that does not fit is walked). Other layers are
/// walked with each file's facts looked up first, and stored when walked whole.
pub fn walk(
    image: &Image,
    source: &dyn LayerSource,
    limits: &Limits,
    scope: &Scope,
    progress: &dyn Progress,
    analyser: &dyn Analyser,
    cache: Option<&Cache>,
) -> Result<Walked, ImageError> {
    let root = image.display_name();
    let diff_ids = &image.config.diff_ids;
    if diff_ids.len() != image.layers.len() {
        return Err(ImageError::invalid(
            &root,
            format!(
                "the manifest lists {} layers, the configuration's rootfs {} diff_ids",
                image.layers.len(),
                diff_ids.len()
            ),
        ));
    }
    let cache = cache.filter(|c| c.usable());
    let facts = cache.map(|c| c.facts_for(analyser));
    let walker = LayerWalker::new(
        limits,
        scope,
        progress,
        analyser,
        facts.as_ref().map(|f| f as &dyn FactsCache),
    );
    let mut layers = Vec::with_capacity(image.layers.len());
    for (index, desc) in image.layers.iter().enumerate() {
        let origin = FileLayer {
            index,
            digest: desc.digest.clone(),
            diff_id: diff_ids[index].clone(),
            created_by: image.created_by(index).map(str::to_string),
            removed: None,
        };
        let place = format!("layer {index} ({})", desc.digest);
        let key = cache.and_then(|c| c.layer_key(&desc.digest, &diff_ids[index], &root, analyser, limits, scope));
        let stored = cache
            .zip(key.as_ref())
            .and_then(|(c, key)| c.get_layer(key, |l| walker.fits(l.entries, l.bytes) && blob_is(source, desc)));
        let opened = match stored {
            Some(layer) => {
                walker.replay(layer.entries, layer.bytes, layer.size);
                Ok(layer)
            }
            None => source.open_layer(desc).map(|mut blob| {
                let layer = walker.layer(&root, &mut blob);
                if let Some((c, key)) = cache.zip(key.as_ref()) {
                    c.put_layer(key, &layer);
                }
                layer
            }),
        };
        let mut walked = match opened {
            Ok(layer) => {
                let mut walked = layer.walked;
                if !layer.damaged && layer.diff_id != diff_ids[index] {
                    walked.warnings.push(Warning {
                        code: WarningCode::Corrupt,
                        file: root.clone(),
                        at: None,
                        message: format!(
                            "its uncompressed digest {} is not the configuration's diff_id {}",
                            layer.diff_id, diff_ids[index]
                        ),
                    });
                }
                for c in walked.containers.iter_mut().filter(|c| c.path == root) {
                    c.details.insert("layer".into(), index.to_string());
                    c.details.insert("digest".into(), desc.digest.clone());
                    c.details.insert("compression".into(), layer.codec.into());
                }
                walked
            }
            Err(e) => {
                let mut walked = Walked::default();
                walked.warnings.push(Warning {
                    code: WarningCode::Unreadable,
                    file: root.clone(),
                    at: None,
                    message: format!("not read: {e}"),
                });
                walked
            }
        };
        // the image's own warnings say which layer they are about
        for w in walked.warnings.iter_mut().filter(|w| w.file == root) {
            w.message = format!("{place}: {}", w.message);
        }
        for f in &mut walked.files {
            f.layer = Some(Box::new(origin.clone()));
        }
        layers.push((origin, walked));
    }
    let mut walked = merge::merge(&root, layers);
    walked
        .warnings
        .sort_by(|a, b| (&a.file, &a.message).cmp(&(&b.file, &b.message)));
    Ok(walked)
}

/// Whether the blob `source` holds for `desc` is the content its digest names, read and hashed
/// (SHA-256 only; a blob that cannot be read is not proved).
fn blob_is(source: &dyn LayerSource, desc: &LayerDesc) -> bool {
    let Some(want) = desc.digest.strip_prefix("sha256:") else {
        return false;
    };
    let Ok(blob) = source.open_layer(desc) else {
        return false;
    };
    crate::firmware::sha256_of(blob).is_ok_and(|have| have == want)
}

/// Which label or annotation is which evidence field (graded in `rules/grading.toml`): the
/// keys of the OCI image spec's pre-defined annotations, label-schema's, and Dockerfile's legacy
/// `MAINTAINER`.
const METADATA_FIELDS: &[(&str, &str)] = &[
    ("org.opencontainers.image.vendor", "image-vendor"),
    ("org.label-schema.vendor", "image-vendor"),
    ("vendor", "image-vendor"),
    ("org.opencontainers.image.authors", "image-authors"),
    ("maintainer", "image-authors"),
    ("org.opencontainers.image.url", "image-url"),
    ("org.opencontainers.image.source", "image-url"),
    ("org.label-schema.url", "image-url"),
    ("org.label-schema.vcs-url", "image-url"),
    ("org.opencontainers.image.title", "image-title"),
    ("org.label-schema.name", "image-title"),
    ("org.opencontainers.image.base.name", "image-base-name"),
];

/// The image's own metadata as evidence on its product root: config `Labels`, the manifest's
/// and index entry's annotations and the configuration's `author`, each located by where it was
/// written.
fn metadata_evidence(image: &Image) -> Vec<Located<Property>> {
    let root = image.display_name();
    let mut out = Vec::new();
    let mut push = |field: &str, value: &str, place: String| {
        let value = value.trim();
        if !value.is_empty() {
            out.push(Located::new(
                Property {
                    name: field.into(),
                    value: value.into(),
                },
                Location::file(&root, None, Some(place)),
            ));
        }
    };
    for (key, field) in METADATA_FIELDS {
        let labels = image.config.labels.iter().filter(|(k, _)| k.eq_ignore_ascii_case(key));
        for (k, v) in labels {
            push(field, v, format!("config Labels \"{k}\""));
        }
        if let Some(v) = image.annotations.get(*key) {
            push(field, v, format!("annotation \"{key}\""));
        }
    }
    if let Some(author) = &image.config.author {
        push("image-authors", author, "config author".to_string());
    }
    out
}

/// Audits an image into `inventory`, as every scheme does once it has resolved the image: the
/// layers walked and merged ([`walk`]), assembled into one document named by the image
/// (`name@sha256:…`) whose product root carries the image's metadata as evidence, and the files,
/// containers and warnings added. An error is kept in `inventory.errors`.
pub fn read_into(image: &Image, source: &dyn LayerSource, options: &Options<'_>, inventory: &mut Inventory) {
    let name = image.display_name();
    let mut walked = match walk(
        image,
        source,
        &options.walk_limits,
        &options.scope,
        options.progress,
        options.analyser,
        options.cache,
    ) {
        Ok(w) => w,
        Err(e) => {
            inventory.errors.push(InputError {
                file: image.name.clone(),
                message: e.to_string(),
            });
            return;
        }
    };
    let mut part = assemble(&name, false, &mut walked);
    part.document.sha256 = image.manifest_digest.trim_start_matches("sha256:").to_string();
    part.document.size = image.layers.iter().map(|l| l.size).sum();
    if let Some(root) = part.components.first_mut() {
        root.name = image.name.as_str().into();
        root.kind = Some("container".into());
        root.hashes = vec![Hash::new("SHA-256", &part.document.sha256)];
        root.version = image
            .config
            .labels
            .get("org.opencontainers.image.version")
            .or_else(|| image.annotations.get("org.opencontainers.image.version"))
            .map(|v| v.as_str().into());
        root.details_mut().evidence.extend(metadata_evidence(image));
    }
    inventory.add(part);
    inventory.files.append(&mut walked.files);
    inventory.containers.append(&mut walked.containers);
    inventory.skipped.append(&mut walked.skipped);
    inventory.warnings.append(&mut walked.warnings);
}

pub use crate::model::{FileLayer, Removed, RemovedHow};
