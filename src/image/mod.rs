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

pub mod spec;

use crate::analyse::Analyser;
use crate::firmware::{Limits, Progress, Scope, Walked};
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
/// layer, bottom first.
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
/// each with its layer. A layer that cannot be opened is an error; one that is damaged part way
/// is a warning naming the layer, with what was read before the damage kept.
pub fn walk(
    image: &Image,
    source: &dyn LayerSource,
    limits: &Limits,
    scope: &Scope,
    progress: &dyn Progress,
    analyser: &dyn Analyser,
) -> Result<Walked, ImageError> {
    let _ = (source, limits, scope, progress, analyser);
    Err(ImageError::invalid(
        &image.display_name(),
        "layer walk not implemented yet",
    ))
}

pub use crate::model::{FileLayer, Removed, RemovedHow};
