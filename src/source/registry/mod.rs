//! `registry:REF`: an image pulled straight from a registry — manifest (an index followed to
//! the platform asked for), config, and each layer streamed into the walk, never written to
//! disk, its digest verified as it streams.
//!
//! REF is written as docker writes it: `[host[:port]/]repository[:tag][@sha256:digest]`, with
//! docker's defaults (`debian` is `docker.io/library/debian:latest`); a digest wins over a tag.
//! The OCI distribution protocol is spoken by oci-client (the ORAS project's client, formerly
//! oci-distribution): manifests, blobs, bearer-token and basic authentication. What it lacks is
//! wrapped here: credentials from auth files ([`auth`]), the plain-HTTP rule
//! ([`plain_http_allowed`]), the blocking reader over its async streams (a tokio runtime owned
//! by the [`Remote`], a bounded channel: `stream.rs`), and errors named for people.
//!
//! Plain HTTP is spoken only to loopback registries (127.0.0.0/8, `::1`, `localhost`) and to
//! those named by `--insecure-registry`; every other registry is spoken to over HTTPS with its
//! certificate verified. A layer descriptor's foreign `urls` are never followed: only the
//! registry named by the reference is contacted.

pub mod auth;
mod stream;

use crate::image::{spec, Image, ImageError, LayerDesc, LayerSource, Platform};
use auth::{Credentials, Found};
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sha2::{Digest as _, Sha256};
use std::fmt::Write as _;
use std::io::Read;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::runtime::Runtime;

/// The manifest media types asked for: OCI and Docker schema 2, images and indexes.
const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

/// A manifest or index larger than this is refused (real ones are a few KiB; the largest
/// indexes, of many platforms and attestations, some tens).
/// oci-client reads a manifest's body whole before handing it over, and has no cap of its own:
/// the check comes after the read, so a registry can still make the client allocate what it
/// sends (layers, which are large, are streamed and capped at their declared size as they
/// stream).
pub const MAX_MANIFEST_BYTES: usize = 4 << 20;

/// How registries are spoken to: who logs in, and which may be spoken to over plain HTTP.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--registry-user`: used for every registry, before any auth file.
    pub user: Option<Credentials>,
    /// `--insecure-registry HOST[:PORT]`: spoken to over plain HTTP.
    pub insecure: Vec<String>,
    /// Auth files looked in, in order (see [`auth::auth_files_from_env`]).
    pub auth_files: Vec<PathBuf>,
}

impl Default for Settings {
    /// Anonymous unless the environment's auth files hold credentials; HTTPS except to
    /// loopback registries.
    fn default() -> Self {
        Settings {
            user: None,
            insecure: Vec::new(),
            auth_files: auth::auth_files_from_env(),
        }
    }
}

/// Whether the registry `host[:port]` may be spoken to over plain HTTP: a loopback address
/// (127.0.0.0/8, `::1`, `localhost`), or a registry `insecure` names — by `host:port`, or by
/// `host` for any port.
pub fn plain_http_allowed(registry: &str, insecure: &[String]) -> bool {
    let host = host_of(registry);
    let loopback = host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    loopback
        || insecure
            .iter()
            .any(|i| i.eq_ignore_ascii_case(registry) || i.eq_ignore_ascii_case(host))
}

/// `host` of `host[:port]`, `[v6]:port` or `[v6]`.
fn host_of(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match registry.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !host.contains(':') => host,
        _ => registry,
    }
}

/// A `registry:` target that could not be read: one line naming the reference and what failed.
#[derive(Debug, thiserror::Error)]
#[error("registry:{reference}: {failure}")]
pub struct RegistryError {
    /// The reference as given.
    pub reference: String,
    pub failure: Failure,
}

/// What went wrong with a registry.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("not an image reference: {0}")]
    BadReference(String),
    #[error("{0}")]
    Credentials(String),
    #[error("authentication refused by {registry} ({login})")]
    AuthRefused { registry: String, login: String },
    #[error("{what} not found in {registry}")]
    NotFound { registry: String, what: String },
    #[error("cannot reach {registry}: {detail}")]
    Network { registry: String, detail: String },
    #[error("{registry}: {detail}")]
    Registry { registry: String, detail: String },
    /// The manifest, index or config read but is not what an image needs.
    #[error("{0}")]
    Image(String),
    #[error("cannot start the network runtime: {0}")]
    Runtime(String),
}

/// Who the registry was asked as, for the message when it refuses.
#[derive(Debug, Clone)]
enum Login {
    Anonymous { helper: Option<(String, PathBuf)> },
    CommandLine(String),
    File(String, PathBuf),
}

impl std::fmt::Display for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Login::Anonymous { helper: None } => write!(
                f,
                "asked anonymously; give credentials with --registry-user, REGISTRY_AUTH_FILE or ~/.docker/config.json"
            ),
            Login::Anonymous {
                helper: Some((helper, file)),
            } => write!(
                f,
                "asked anonymously: {} sends this registry to the credential helper `{helper}`, \
                 an external program vendorscan does not run; give credentials with --registry-user",
                file.display()
            ),
            Login::CommandLine(user) => write!(f, "as {user}, from --registry-user"),
            Login::File(user, file) => write!(f, "as {user}, from {}", file.display()),
        }
    }
}

/// A connection to one registry and repository: the client, the runtime its futures run on,
/// and the credentials it asks with.
pub struct Remote {
    runtime: Runtime,
    client: Client,
    reference: Reference,
    given: String,
    auth: RegistryAuth,
    login: Login,
    https: bool,
}

impl Remote {
    /// Parses `given` and prepares to speak to its registry (nothing is sent yet).
    pub fn connect(given: &str, settings: &Settings) -> Result<Remote, RegistryError> {
        let fail = |failure| RegistryError {
            reference: given.to_string(),
            failure,
        };
        let reference: Reference = given
            .parse()
            .map_err(|e: oci_client::ParseError| fail(Failure::BadReference(e.to_string())))?;
        let registry = reference.registry().to_string();
        let (auth, login) = match &settings.user {
            Some(c) => (
                RegistryAuth::Basic(c.username.clone(), c.password.clone()),
                Login::CommandLine(c.username.clone()),
            ),
            None => match auth::lookup(&settings.auth_files, &registry, reference.repository())
                .map_err(|e| fail(Failure::Credentials(e)))?
            {
                Found::Credentials(c, file) => (
                    RegistryAuth::Basic(c.username.clone(), c.password),
                    Login::File(c.username, file),
                ),
                Found::Helper(helper, file) => (
                    RegistryAuth::Anonymous,
                    Login::Anonymous {
                        helper: Some((helper, file)),
                    },
                ),
                Found::Nothing => (RegistryAuth::Anonymous, Login::Anonymous { helper: None }),
            },
        };
        let https = !plain_http_allowed(&registry, &settings.insecure);
        let protocol = if https {
            ClientProtocol::Https
        } else {
            // The client names the registry as it resolves it (Docker Hub's API host).
            ClientProtocol::HttpsExcept(vec![reference.resolve_registry().to_string()])
        };
        let client = Client::try_from(ClientConfig {
            protocol,
            // An index is followed here, by the platform asked for, not by the client.
            platform_resolver: None,
            connect_timeout: Some(Duration::from_secs(30)),
            read_timeout: Some(Duration::from_secs(120)),
            user_agent: concat!("vendorscan/", env!("CARGO_PKG_VERSION")),
            ..ClientConfig::default()
        })
        .map_err(|e| fail(Failure::Runtime(chain(&e))))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("vendorscan-registry")
            .enable_all()
            .build()
            .map_err(|e| fail(Failure::Runtime(e.to_string())))?;
        Ok(Remote {
            runtime,
            client,
            reference,
            given: given.to_string(),
            auth,
            login,
            https,
        })
    }

    /// The reference as given.
    pub fn given(&self) -> &str {
        &self.given
    }

    /// The reference as parsed, docker's defaults filled in
    /// (`docker.io/library/debian:latest`).
    pub fn canonical(&self) -> String {
        self.reference.whole()
    }

    /// The digest the reference names, if it names one.
    pub fn digest(&self) -> Option<&str> {
        self.reference.digest()
    }

    /// The manifest or index the reference names (`digest` `None`), or the one with `digest`
    /// in the same repository: its bytes and their digest, checked against the one asked for.
    pub fn manifest(&self, digest: Option<&str>) -> Result<(Vec<u8>, String), RegistryError> {
        let reference = match digest {
            Some(d) => self.reference.clone_with_digest(d.to_string()),
            None => self.reference.clone(),
        };
        let (body, _) = self
            .runtime
            .block_on(self.client.pull_manifest_raw(&reference, &self.auth, MANIFEST_TYPES))
            .map_err(|e| {
                self.error(
                    e,
                    &digest.map_or_else(|| "manifest".to_string(), |d| format!("manifest {d}")),
                )
            })?;
        if body.len() > MAX_MANIFEST_BYTES {
            return Err(self.fail(Failure::Image(format!(
                "the manifest is {} bytes, more than the {MAX_MANIFEST_BYTES} allowed",
                body.len()
            ))));
        }
        let actual = format!("sha256:{}", hex(&Sha256::digest(&body)));
        if let Some(expected) = reference.digest() {
            if expected != actual {
                return Err(self.fail(Failure::Image(format!(
                    "the manifest sent for {expected} has the digest {actual}"
                ))));
            }
        }
        Ok((body.to_vec(), actual))
    }

    /// A small blob (the config), read whole: at most `limit` bytes, its digest verified.
    pub fn blob(&self, descriptor: &OciDescriptor, limit: u64) -> Result<Vec<u8>, RegistryError> {
        if u64::try_from(descriptor.size).map_or(true, |s| s > limit) {
            return Err(self.fail(Failure::Image(format!(
                "blob {} declares {} bytes, more than the {limit} allowed",
                descriptor.digest, descriptor.size
            ))));
        }
        let mut reader = self.open(descriptor)?;
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| self.fail(Failure::Image(format!("blob {}: {e}", descriptor.digest))))?;
        Ok(bytes)
    }

    /// A blob as a blocking reader, streamed as it is read; its digest and size are checked
    /// as it streams, and a mismatch is a read error at the end.
    pub fn open(&self, descriptor: &OciDescriptor) -> Result<impl Read + Send + use<>, RegistryError> {
        // Only the registry itself: never a foreign layer's `urls`.
        let descriptor = OciDescriptor {
            urls: None,
            ..descriptor.clone()
        };
        stream::open(&self.runtime, &self.client, &self.reference, &descriptor)
            .map_err(|e| self.error(e, &format!("blob {}", descriptor.digest)))
    }

    fn fail(&self, failure: Failure) -> RegistryError {
        RegistryError {
            reference: self.given.clone(),
            failure,
        }
    }

    /// The client's error, as one line for people.
    fn error(&self, e: OciDistributionError, what: &str) -> RegistryError {
        let registry = self.reference.registry().to_string();
        let refused = || Failure::AuthRefused {
            registry: registry.clone(),
            login: self.login.to_string(),
        };
        let not_found = || Failure::NotFound {
            registry: registry.clone(),
            what: what.to_string(),
        };
        let failure = match &e {
            OciDistributionError::UnauthorizedError { .. } | OciDistributionError::AuthenticationFailure(_) => {
                refused()
            }
            OciDistributionError::RegistryError { envelope, .. } => {
                let code = envelope.errors.first().map(|e| &e.code);
                match code {
                    Some(OciErrorCode::Unauthorized | OciErrorCode::Denied) => refused(),
                    Some(
                        OciErrorCode::ManifestUnknown
                        | OciErrorCode::NameUnknown
                        | OciErrorCode::BlobUnknown
                        | OciErrorCode::NotFound,
                    ) => not_found(),
                    _ => Failure::Registry {
                        registry: registry.clone(),
                        detail: format!(
                            "{what}: {}",
                            envelope
                                .errors
                                .iter()
                                .map(|e| format!("{:?}: {}", e.code, e.message))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    },
                }
            }
            OciDistributionError::ServerError { code: 404, .. } => not_found(),
            OciDistributionError::ServerError { code: 401 | 403, .. } => refused(),
            OciDistributionError::ServerError { code, message, .. } => Failure::Registry {
                registry: registry.clone(),
                detail: format!("{what}: HTTP {code}: {}", message.trim()),
            },
            OciDistributionError::RequestError(_) => {
                let mut detail = chain(&e);
                if self.https {
                    let _ = write!(
                        detail,
                        " (over HTTPS; a registry that speaks plain HTTP needs --insecure-registry {registry})"
                    );
                }
                Failure::Network { registry, detail }
            }
            _ => Failure::Registry {
                registry,
                detail: format!("{what}: {}", chain(&e)),
            },
        };
        self.fail(failure)
    }
}

/// Indexes followed inside indexes, at most, before the manifest is reached.
const MAX_NESTED_INDEXES: usize = 4;

/// Resolves the reference to one image: its manifest (an index followed, nested ones too, to
/// the entry for `platform`, by [`crate::image::select_platform`]), configuration and layers.
pub fn resolve(remote: &Remote, platform: Option<&Platform>) -> Result<Image, RegistryError> {
    let image_error = |e: ImageError| remote.fail(Failure::Image(e.to_string()));
    let (mut bytes, mut digest) = remote.manifest(None)?;
    let mut annotations = std::collections::BTreeMap::new();
    let mut hops = 0;
    loop {
        let probe: Probe = serde_json::from_slice(&bytes)
            .map_err(|e| remote.fail(Failure::Image(format!("manifest {digest}: not a valid document: {e}"))))?;
        if !probe.is_index() {
            break;
        }
        hops += 1;
        if hops > MAX_NESTED_INDEXES {
            return Err(remote.fail(Failure::Image(format!(
                "more than {MAX_NESTED_INDEXES} indexes nested inside one another"
            ))));
        }
        let index = spec::parse_index(&bytes, &format!("index {digest}")).map_err(image_error)?;
        let entry = spec::select_platform(&index, platform).map_err(image_error)?;
        annotations = spec::annotations(entry.annotations().as_ref());
        (bytes, digest) = remote.manifest(Some(entry.digest().as_ref()))?;
    }
    let place = format!("manifest {digest}");
    let manifest = spec::parse_manifest(&bytes, &place).map_err(image_error)?;
    annotations.extend(spec::annotations(manifest.annotations().as_ref()));
    let config = manifest.config();
    let config_bytes = remote.blob(
        &OciDescriptor {
            media_type: spec::media_type(config),
            digest: config.digest().to_string(),
            size: i64::try_from(config.size()).unwrap_or(i64::MAX),
            ..OciDescriptor::default()
        },
        spec::MAX_DOCUMENT,
    )?;
    let config = spec::parse_config(&config_bytes, &format!("config {}", config.digest())).map_err(image_error)?;
    // By digest, the name is the repository: the digest follows it once, in every path.
    let name = match remote.digest() {
        Some(d) if d == digest => remote.given.trim_end_matches(d).trim_end_matches('@').to_string(),
        _ => remote.given.clone(),
    };
    Ok(Image {
        name,
        manifest_media_type: manifest
            .media_type()
            .as_ref()
            .map_or_else(|| spec::MANIFEST_TYPES[0].to_string(), |m| m.to_string()),
        manifest_digest: digest,
        annotations,
        config,
        layers: manifest.layers().iter().map(spec::layer_desc).collect(),
    })
}

/// Enough of a manifest to tell an index from an image manifest: by its media type, or
/// without one (it is optional) by whether it lists manifests.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Probe {
    media_type: Option<String>,
    manifests: Option<serde::de::IgnoredAny>,
}

impl Probe {
    fn is_index(&self) -> bool {
        match &self.media_type {
            Some(t) => spec::INDEX_TYPES.contains(&t.as_str()),
            None => self.manifests.is_some(),
        }
    }
}

/// Each layer streamed from the registry as the walk reads it.
impl LayerSource for Remote {
    fn open_layer(&self, layer: &LayerDesc) -> Result<Box<dyn Read + Send + '_>, ImageError> {
        let descriptor = OciDescriptor {
            media_type: layer.media_type.clone(),
            digest: layer.digest.clone(),
            size: i64::try_from(layer.size).unwrap_or(i64::MAX),
            ..OciDescriptor::default()
        };
        match self.open(&descriptor) {
            Ok(reader) => Ok(Box::new(reader)),
            Err(e) => Err(ImageError::Invalid {
                place: format!("registry:{}: layer {}", self.given, layer.digest),
                message: e.failure.to_string(),
            }),
        }
    }
}

/// Connects to the registry `given` names and resolves the image (for
/// [`crate::image::read_into`], which streams its layers from the [`Remote`]).
pub(super) fn open(given: &str, options: &super::Options<'_>) -> Result<(Remote, Image), RegistryError> {
    let remote = Remote::connect(given, &options.registry)?;
    let image = resolve(&remote, options.platform.as_ref())?;
    Ok((remote, image))
}

/// An error and its causes, each once: `a: b: c`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_for_loopback_or_named_registries() {
        for loopback in [
            "127.0.0.1:5000",
            "127.9.8.7",
            "localhost:5000",
            "LOCALHOST",
            "[::1]:5000",
            "[::1]",
        ] {
            assert!(plain_http_allowed(loopback, &[]), "{loopback}");
        }
        for remote in [
            "registry.example.com",
            "10.0.0.5:5000",
            "192.168.1.2:5000",
            "localhost.example.com:5000",
            "128.0.0.1:5000",
            "[2001:db8::1]:5000",
            "docker.io",
        ] {
            assert!(!plain_http_allowed(remote, &[]), "{remote}");
        }
        let insecure = vec!["10.0.0.5:5000".to_string(), "build.example".to_string()];
        assert!(plain_http_allowed("10.0.0.5:5000", &insecure));
        // The port named is the only one allowed; a host named alone allows any port.
        assert!(!plain_http_allowed("10.0.0.5:5001", &insecure));
        assert!(plain_http_allowed("build.example:8080", &insecure));
        assert!(plain_http_allowed("Build.Example", &insecure));
        assert!(!plain_http_allowed("registry.example.com", &insecure));
    }

    fn connect(given: &str, settings: &Settings) -> Remote {
        Remote::connect(given, settings).unwrap()
    }

    #[test]
    fn references_as_docker_writes_them() {
        let settings = Settings {
            auth_files: Vec::new(),
            ..Settings::default()
        };
        assert_eq!(
            connect("debian", &settings).canonical(),
            "docker.io/library/debian:latest"
        );
        assert_eq!(
            connect("127.0.0.1:5000/team/app:v1", &settings).canonical(),
            "127.0.0.1:5000/team/app:v1"
        );
        let digest = format!("sha256:{}", "ab".repeat(32));
        let r = connect(&format!("localhost:5000/app:v1@{digest}"), &settings);
        assert_eq!(r.digest(), Some(digest.as_str()));
        assert!(!r.https);
        assert!(connect("quay.example/app", &settings).https);
        // A non-loopback registry is spoken to over plain HTTP only when named.
        let insecure = Settings {
            insecure: vec!["build.example:5000".to_string()],
            ..settings.clone()
        };
        assert!(!connect("build.example:5000/app", &insecure).https);
        assert!(connect("build.example:5001/app", &insecure).https);
        assert!(connect("build.example:5000/app", &settings).https);
        let e = Remote::connect("Not A Ref", &settings).err().unwrap();
        assert!(
            e.to_string()
                .starts_with("registry:Not A Ref: not an image reference: "),
            "{e}"
        );
    }
}
