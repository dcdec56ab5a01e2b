//! Container images on disk: `oci-dir:` (an OCI image layout), `oci-archive:` (the layout as a
//! tar) and `docker-archive:` (`docker save` output, legacy or OCI-in-docker-save), each resolved
//! to an [`Image`] and a [`LayerSource`] and handed to [`image::read_into`].
//!
//! Archives are read in place: their tar headers are indexed once (seeking over the data) and
//! each blob is read at its offset, never extracted to disk. A compressed archive cannot be read
//! so and is refused with a message saying to decompress it.

use crate::image::{self, spec, Image, ImageConfig, ImageError, LayerDesc, LayerSource, Platform};
use crate::model::Inventory;
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::{Options, Scheme, Target};

/// Indexes nested this deep at most (an index pointing at an index …).
const MAX_NESTING: usize = 8;
/// Members of an archive indexed at most: an image archive holds a few files per layer.
const MAX_MEMBERS: usize = 100_000;

/// Reads a container image target into `inventory`.
pub(super) fn read(target: &Target, options: &Options<'_>, inventory: &mut Inventory) {
    let name = target.display();
    let platform = options.platform.as_ref();
    let result = match target.scheme {
        Scheme::OciDir => {
            let store = DirStore {
                root: target.path.clone(),
            };
            resolve_layout(&name, &store, platform).map(|image| (image, Box::new(store) as Box<dyn LayerSource>))
        }
        Scheme::OciArchive | Scheme::DockerArchive => TarStore::index(&target.path).and_then(|mut store| {
            let image = if store.has("oci-layout") && store.has("index.json") {
                resolve_layout(&name, &store, platform)
            } else if target.scheme == Scheme::DockerArchive {
                resolve_docker(&name, &mut store)
            } else {
                Err(ImageError::invalid(
                    &name,
                    "no oci-layout and index.json: not an OCI archive",
                ))
            }?;
            Ok((image, Box::new(store) as Box<dyn LayerSource>))
        }),
        _ => unreachable!("container::read is called for container schemes only"),
    };
    match result {
        Ok((image, source)) => image::read_into(&image, source.as_ref(), options, inventory),
        Err(e) => inventory.errors.push(crate::model::InputError {
            file: name,
            message: e.to_string(),
        }),
    }
}

/// The container scheme a plain path holds, when it holds an image: a directory with an
/// `oci-layout` file, or an uncompressed tar holding an OCI layout or `docker save`'s
/// `manifest.json`. Anything else (and anything unreadable) is `None`, left to the usual walk.
pub(super) fn detect(path: &Path) -> Option<Scheme> {
    if path.is_dir() {
        return path.join("oci-layout").is_file().then_some(Scheme::OciDir);
    }
    let mut head = [0u8; 512];
    let mut file = File::open(path).ok()?;
    file.read_exact(&mut head).ok()?;
    // a tar header: "ustar" at 257 (POSIX and GNU)
    if &head[257..262] != b"ustar" {
        return None;
    }
    let store = TarStore::index(path).ok()?;
    if store.has("oci-layout") && store.has("index.json") {
        Some(Scheme::OciArchive)
    } else if store.has("manifest.json") {
        Some(Scheme::DockerArchive)
    } else {
        None
    }
}

/// Where blobs and the layout's files are read from.
trait Store: LayerSource {
    /// A file of the image by its path in the layout or archive (`index.json`, `blobs/sha256/…`).
    fn open(&self, name: &str) -> Result<Box<dyn Read + Send + '_>, ImageError>;
    /// How the store is named in messages.
    fn place(&self, name: &str) -> String;
}

/// A document of at most [`spec::MAX_DOCUMENT`] bytes.
fn read_small(store: &dyn Store, name: &str) -> Result<Vec<u8>, ImageError> {
    let mut bytes = Vec::new();
    store
        .open(name)?
        .take(spec::MAX_DOCUMENT + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ImageError::Io {
            place: store.place(name),
            source,
        })?;
    if bytes.len() as u64 > spec::MAX_DOCUMENT {
        return Err(ImageError::invalid(
            &store.place(name),
            format!("larger than {} bytes; not an image document", spec::MAX_DOCUMENT),
        ));
    }
    Ok(bytes)
}

/// The layout path of a blob (`blobs/sha256/HEX`); a digest that is not `algorithm:hex` is
/// refused, so no digest can name a path outside `blobs/`.
fn blob_path(digest: &str) -> Result<String, ImageError> {
    let bad = || ImageError::invalid(digest, "not a digest (algorithm:hex)");
    let (alg, hex) = digest.split_once(':').ok_or_else(bad)?;
    let alg_ok = !alg.is_empty()
        && alg
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b));
    let hex_ok = !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b));
    if !alg_ok || !hex_ok || alg.starts_with('.') {
        return Err(bad());
    }
    Ok(format!("blobs/{alg}/{hex}"))
}

/// A blob's bytes, checked against its digest (sha256 only; the documents are small).
fn read_blob(store: &dyn Store, digest: &str) -> Result<Vec<u8>, ImageError> {
    let path = blob_path(digest)?;
    let bytes = read_small(store, &path)?;
    if let Some(hex) = digest.strip_prefix("sha256:") {
        let have = sha256_hex(&bytes);
        if have != hex {
            return Err(ImageError::invalid(
                &store.place(&path),
                format!("content does not match its digest (sha256:{have})"),
            ));
        }
    }
    Ok(bytes)
}

/// An OCI image layout: `oci-layout`, `index.json`, followed (through nested indexes, by
/// platform) to one manifest and its configuration.
fn resolve_layout(name: &str, store: &dyn Store, platform: Option<&Platform>) -> Result<Image, ImageError> {
    let layout = read_small(store, "oci-layout")?;
    let version = serde_json::from_slice::<serde_json::Value>(&layout)
        .ok()
        .and_then(|v| v.get("imageLayoutVersion")?.as_str().map(str::to_string));
    if version.is_none() {
        return Err(ImageError::invalid(&store.place("oci-layout"), "no imageLayoutVersion"));
    }
    let mut index = spec::parse_index(&read_small(store, "index.json")?, &store.place("index.json"))?;
    let mut annotations = spec::annotations(index.annotations().as_ref());
    for _ in 0..MAX_NESTING {
        let chosen = spec::select_platform(&index, platform)?.clone();
        annotations.extend(spec::annotations(chosen.annotations().as_ref()));
        let digest = chosen.digest().to_string();
        let media_type = spec::media_type(&chosen);
        let bytes = read_blob(store, &digest)?;
        if spec::INDEX_TYPES.contains(&media_type.as_str()) {
            index = spec::parse_index(&bytes, &store.place(&blob_path(&digest)?))?;
            annotations.extend(spec::annotations(index.annotations().as_ref()));
            continue;
        }
        let place = store.place(&blob_path(&digest)?);
        let manifest = spec::parse_manifest(&bytes, &place)?;
        annotations.extend(spec::annotations(manifest.annotations().as_ref()));
        let config_digest = manifest.config().digest().to_string();
        let config = spec::parse_config(
            &read_blob(store, &config_digest)?,
            &store.place(&blob_path(&config_digest)?),
        )?;
        if let Some(want) = platform {
            let have = Platform {
                os: config.os.clone(),
                architecture: config.architecture.clone(),
                variant: config.variant.clone(),
            };
            if !want.accepts(&have) {
                return Err(ImageError::NoPlatform {
                    want: want.to_string(),
                    available: vec![have.to_string()],
                });
            }
        }
        return Ok(Image {
            name: name.to_string(),
            manifest_digest: digest,
            manifest_media_type: media_type,
            annotations,
            config,
            layers: manifest.layers().iter().map(spec::layer_desc).collect(),
        });
    }
    Err(ImageError::invalid(
        &store.place("index.json"),
        format!("indexes nested more than {MAX_NESTING} deep"),
    ))
}

/// `docker save`'s `manifest.json`: one entry per image saved.
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerEntry {
    config: String,
    #[serde(default)]
    layers: Vec<String>,
}

/// A `docker save` tarball without an OCI layout: `manifest.json` names the configuration and
/// each layer's tar (`<id>/layer.tar`, or `<hex>.tar`), which are uncompressed, so each layer's
/// digest is its diff_id. With no manifest saved, the image is named by its configuration's
/// digest (the image id). An archive of several images gives the first.
fn resolve_docker(name: &str, store: &mut TarStore) -> Result<Image, ImageError> {
    let place = store.place("manifest.json");
    let entries: Vec<DockerEntry> =
        serde_json::from_slice(&read_small(store, "manifest.json")?).map_err(|e| ImageError::json(&place, &e))?;
    let entry = entries
        .into_iter()
        .next()
        .ok_or_else(|| ImageError::invalid(&place, "lists no image"))?;
    let config_bytes = read_small(store, &entry.config)?;
    let config: ImageConfig = spec::parse_config(&config_bytes, &store.place(&entry.config))?;
    if config.diff_ids.len() != entry.layers.len() {
        return Err(ImageError::invalid(
            &place,
            format!(
                "lists {} layers, the configuration's rootfs {} diff_ids",
                entry.layers.len(),
                config.diff_ids.len()
            ),
        ));
    }
    let mut layers = Vec::new();
    for (member, diff_id) in entry.layers.iter().zip(&config.diff_ids) {
        let size = store.members.get(&normalise(member)).map_or(0, |m| m.1);
        store.docker_layers.insert(diff_id.clone(), member.clone());
        layers.push(LayerDesc {
            digest: diff_id.clone(),
            media_type: "application/vnd.docker.image.rootfs.diff.tar".to_string(),
            size,
        });
    }
    Ok(Image {
        name: name.to_string(),
        manifest_digest: format!("sha256:{}", sha256_hex(&config_bytes)),
        manifest_media_type: "application/vnd.docker.save.manifest+json".to_string(),
        annotations: BTreeMap::new(),
        config,
        layers,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// An OCI layout directory.
struct DirStore {
    root: PathBuf,
}

impl Store for DirStore {
    fn open(&self, name: &str) -> Result<Box<dyn Read + Send + '_>, ImageError> {
        let path = self.root.join(name);
        match File::open(&path) {
            Ok(f) => Ok(Box::new(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && name.starts_with("blobs/") => {
                Err(ImageError::MissingBlob {
                    place: self.root.display().to_string(),
                    digest: name.to_string(),
                })
            }
            Err(source) => Err(ImageError::Io {
                place: path.display().to_string(),
                source,
            }),
        }
    }

    fn place(&self, name: &str) -> String {
        self.root.join(name).display().to_string()
    }
}

impl LayerSource for DirStore {
    fn open_layer(&self, layer: &LayerDesc) -> Result<Box<dyn Read + Send + '_>, ImageError> {
        self.open(&blob_path(&layer.digest)?)
    }
}

/// A tar archive read in place: its members' data offsets indexed once.
struct TarStore {
    path: PathBuf,
    /// member name → (data offset, size)
    members: HashMap<String, (u64, u64)>,
    /// For a legacy docker archive: a layer's diff_id → its member.
    docker_layers: HashMap<String, String>,
}

/// A symbolic link's target as a member name, resolved against the link's directory; `None`
/// when it leaves the archive.
fn resolve_link(link: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop();
    if target.starts_with('/') {
        parts.clear();
    }
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// A member name as compared: no leading `./` or `/`.
fn normalise(name: &str) -> String {
    name.trim_start_matches("./").trim_start_matches('/').to_string()
}

impl TarStore {
    fn index(path: &Path) -> Result<TarStore, ImageError> {
        let place = path.display().to_string();
        let io = |source| ImageError::Io {
            place: place.clone(),
            source,
        };
        let mut file = File::open(path).map_err(io)?;
        let mut magic = [0u8; 4];
        let n = file.read(&mut magic).map_err(io)?;
        if n >= 2 && (magic[..2] == [0x1f, 0x8b] || magic == [0x28, 0xb5, 0x2f, 0xfd]) {
            return Err(ImageError::invalid(
                &place,
                "a compressed archive: decompress it first (images are read in place, never unpacked to disk)",
            ));
        }
        file.rewind().map_err(io)?;
        let mut archive = tar::Archive::new(file);
        let mut members = HashMap::new();
        let mut links = HashMap::new();
        for entry in archive.entries_with_seek().map_err(io)? {
            let entry = entry.map_err(|e| ImageError::invalid(&place, format!("tar is corrupt: {e}")))?;
            if members.len() >= MAX_MEMBERS {
                return Err(ImageError::invalid(
                    &place,
                    format!("more than {MAX_MEMBERS} members: not an image archive"),
                ));
            }
            let name = normalise(&String::from_utf8_lossy(&entry.path_bytes()));
            let kind = entry.header().entry_type();
            if kind.is_file() {
                members.insert(name, (entry.raw_file_position(), entry.size()));
            } else if kind.is_symlink() {
                // skopeo's docker-archive links `<id>/layer.tar` to `<hex>.tar`
                let target = entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned());
                if let Some(target) = target.and_then(|t| resolve_link(&name, &t)) {
                    links.insert(name, target);
                }
            }
        }
        // a link to a member is that member (one level: links to links are not followed)
        for (name, target) in links {
            if let Some(&at) = members.get(&target) {
                members.entry(name).or_insert(at);
            }
        }
        Ok(TarStore {
            path: path.to_path_buf(),
            members,
            docker_layers: Default::default(),
        })
    }

    fn has(&self, name: &str) -> bool {
        self.members.contains_key(name)
    }
}

impl Store for TarStore {
    fn open(&self, name: &str) -> Result<Box<dyn Read + Send + '_>, ImageError> {
        let Some(&(offset, size)) = self.members.get(&normalise(name)) else {
            return Err(if name.starts_with("blobs/") {
                ImageError::MissingBlob {
                    place: self.path.display().to_string(),
                    digest: name.to_string(),
                }
            } else {
                ImageError::invalid(&self.place(name), "not in the archive")
            });
        };
        let io = |source| ImageError::Io {
            place: self.place(name),
            source,
        };
        let mut file = File::open(&self.path).map_err(io)?;
        file.seek(SeekFrom::Start(offset)).map_err(io)?;
        Ok(Box::new(Sized {
            inner: std::io::BufReader::with_capacity(256 << 10, file).take(size),
            left: size,
        }))
    }

    fn place(&self, name: &str) -> String {
        format!("{}!/{name}", self.path.display())
    }
}

impl LayerSource for TarStore {
    fn open_layer(&self, layer: &LayerDesc) -> Result<Box<dyn Read + Send + '_>, ImageError> {
        match self.docker_layers.get(&layer.digest) {
            Some(member) => self.open(member),
            None => self.open(&blob_path(&layer.digest)?),
        }
    }
}

/// A member's data: an archive cut short ends it early, which is an error, not its end.
struct Sized<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Sized<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 && !buf.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("the archive ends {} bytes before this member does", self.left),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}
