//! The OCI image-spec documents an image is resolved from: index, manifest, configuration, and
//! the platform a multi-platform index is narrowed to.
//!
//! Parsed with the `oci-spec` crate (the kept implementation of the image spec, and the one the
//! `oci-client` registry client returns), then copied into the plain owned types of
//! [`super`]: the rest of vendorscan never sees the crate's builder types. Docker's own
//! `docker save` manifest (`manifest.json`) is not an OCI document and has its own small serde
//! type in `source::container`.
//!
//! Every document is read from bytes the caller already bounded ([`MAX_DOCUMENT`]): nothing here
//! allocates from a size the input declares.

use super::{HistoryEntry, ImageConfig, ImageError, LayerDesc};
use oci_spec::image::{Descriptor, ImageConfiguration, ImageIndex, ImageManifest};
use std::collections::BTreeMap;
use std::fmt;

/// The largest index, manifest or configuration read (real ones are a few KiB; a config with a
/// long history a few hundred).
pub const MAX_DOCUMENT: u64 = 8 << 20;

/// Media types of an image index (OCI, and Docker's manifest list).
pub const INDEX_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

/// Media types of an image manifest (OCI, and Docker's schema 2).
pub const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// Parses an image index (`index.json` of a layout, or a registry's manifest list).
pub fn parse_index(bytes: &[u8], place: &str) -> Result<ImageIndex, ImageError> {
    serde_json::from_slice(bytes).map_err(|e| ImageError::json(place, &e))
}

/// Parses an image manifest.
pub fn parse_manifest(bytes: &[u8], place: &str) -> Result<ImageManifest, ImageError> {
    serde_json::from_slice(bytes).map_err(|e| ImageError::json(place, &e))
}

/// Parses an image configuration into what an audit reads of it.
pub fn parse_config(bytes: &[u8], place: &str) -> Result<ImageConfig, ImageError> {
    let c: ImageConfiguration = serde_json::from_slice(bytes).map_err(|e| ImageError::json(place, &e))?;
    Ok(ImageConfig {
        os: c.os().to_string(),
        architecture: c.architecture().to_string(),
        variant: c.variant().clone(),
        labels: c
            .config()
            .as_ref()
            .and_then(|c| c.labels().as_ref())
            .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        author: c.author().clone(),
        history: c
            .history()
            .iter()
            .flatten()
            .map(|h| HistoryEntry {
                created_by: h.created_by().clone(),
                empty_layer: h.empty_layer().unwrap_or(false),
            })
            .collect(),
        diff_ids: c.rootfs().diff_ids().clone(),
    })
}

/// A descriptor's media type as written.
pub fn media_type(d: &Descriptor) -> String {
    d.media_type().to_string()
}

/// A layer descriptor of a manifest, in the plain form the walk takes.
pub fn layer_desc(d: &Descriptor) -> LayerDesc {
    LayerDesc {
        digest: d.digest().to_string(),
        media_type: media_type(d),
        size: d.size(),
    }
}

/// Annotations as a sorted map (absent = empty).
pub fn annotations(a: Option<&std::collections::HashMap<String, String>>) -> BTreeMap<String, String> {
    a.map(|a| a.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// An operating system, architecture and optional variant, as Go and the OCI spec name them
/// (`linux/arm64/v8`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// `os/arch[/variant]`, as `--platform` takes it.
    pub fn parse(s: &str) -> Result<Platform, ImageError> {
        let parts: Vec<&str> = s.split('/').collect();
        let bad = || ImageError::BadPlatform(s.to_string());
        if parts.iter().any(|p| p.is_empty()) {
            return Err(bad());
        }
        match parts.as_slice() {
            [os, arch] => Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: None,
            }),
            [os, arch, variant] => Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: Some(variant.to_string()),
            }),
            _ => Err(bad()),
        }
    }

    /// The machine vendorscan runs on, with Go's names for its architecture (`amd64`,
    /// `arm64`, …), as docker and skopeo pick by default.
    pub fn host() -> Platform {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "x86" => "386",
            "aarch64" => "arm64",
            "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
            "powerpc64" => "ppc64",
            "mips64" if cfg!(target_endian = "little") => "mips64le",
            "loongarch64" => "loong64",
            other => other,
        };
        Platform {
            os: std::env::consts::OS.to_string(),
            architecture: architecture.to_string(),
            variant: None,
        }
    }

    /// The platform an index entry declares.
    fn of(p: &oci_spec::image::Platform) -> Platform {
        Platform {
            os: p.os().to_string(),
            architecture: p.architecture().to_string(),
            variant: p.variant().clone(),
        }
    }

    /// Whether an image of platform `have` runs here: same os and architecture, and the variant
    /// asked for (arm64 without a variant is `v8`); no variant asked for takes any.
    pub fn accepts(&self, have: &Platform) -> bool {
        let variant = |p: &Platform| match (p.architecture.as_str(), p.variant.as_deref()) {
            ("arm64", None) => Some("v8".to_string()),
            (_, v) => v.map(str::to_string),
        };
        self.os == have.os
            && self.architecture == have.architecture
            && (self.variant.is_none() || variant(self) == variant(have))
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// The entry of an index to follow for `want` (`None`: the machine's own platform, or the only
/// image the index holds). Entries that are neither images nor indexes (attestations, signatures,
/// artefacts) and `unknown/unknown` entries are never picked. An entry without a platform is
/// taken when it is the only candidate. The error names the platforms the index offers.
pub fn select_platform<'i>(index: &'i ImageIndex, want: Option<&Platform>) -> Result<&'i Descriptor, ImageError> {
    let candidates: Vec<&Descriptor> = index
        .manifests()
        .iter()
        .filter(|d| {
            let t = media_type(d);
            MANIFEST_TYPES.contains(&t.as_str()) || INDEX_TYPES.contains(&t.as_str())
        })
        .filter(|d| d.platform().as_ref().is_none_or(|p| p.os().to_string() != "unknown"))
        .collect();
    // one image, or one nested index, that says nothing of its platform: the only way on (an
    // image's configuration names its platform, checked against `want` once read)
    if candidates.len() == 1 && (want.is_none() || candidates[0].platform().is_none()) {
        return Ok(candidates[0]);
    }
    let host = Platform::host();
    let want = want.unwrap_or(&host);
    if let Some(d) = candidates
        .iter()
        .find(|d| d.platform().as_ref().is_some_and(|p| want.accepts(&Platform::of(p))))
    {
        return Ok(d);
    }
    let available: Vec<String> = candidates
        .iter()
        .map(|d| {
            d.platform()
                .as_ref()
                .map_or_else(|| "(no platform given)".to_string(), |p| Platform::of(p).to_string())
        })
        .collect();
    Err(ImageError::NoPlatform {
        want: want.to_string(),
        available,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_parse_and_match() {
        let p = Platform::parse("linux/arm64/v8").unwrap();
        assert_eq!(p.to_string(), "linux/arm64/v8");
        assert!(p.accepts(&Platform::parse("linux/arm64").unwrap()));
        assert!(!p.accepts(&Platform::parse("linux/amd64").unwrap()));
        assert!(Platform::parse("linux/amd64")
            .unwrap()
            .accepts(&Platform::parse("linux/amd64/v3").unwrap()));
        assert!(Platform::parse("linux").is_err());
        assert!(Platform::parse("linux//v7").is_err());
        assert!(Platform::parse("a/b/c/d").is_err());
    }

    #[test]
    fn a_missing_platform_lists_the_others() {
        let index = br#"{"schemaVersion":2,"manifests":[
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1,"platform":{"os":"linux","architecture":"amd64"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":1,"platform":{"os":"linux","architecture":"arm","variant":"v7"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333","size":1,"platform":{"os":"unknown","architecture":"unknown"}}]}"#;
        let index = parse_index(index, "index.json").unwrap();
        let arm = select_platform(&index, Some(&Platform::parse("linux/arm/v7").unwrap())).unwrap();
        assert!(arm.digest().to_string().starts_with("sha256:2222"));
        let err = select_platform(&index, Some(&Platform::parse("linux/s390x").unwrap())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no image for platform linux/s390x; the index holds: linux/amd64, linux/arm/v7 (pick one with --platform)"
        );
    }
}
