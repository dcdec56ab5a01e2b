//! Credentials for a registry, found as docker, skopeo and podman find theirs.
//!
//! In order: `--registry-user USER[:PASSWORD]` (the password may come from the environment
//! variable `VENDORSCAN_REGISTRY_PASSWORD` instead, so that it need not be on a command line);
//! then the containers auth file named by `REGISTRY_AUTH_FILE`; then docker's
//! `$DOCKER_CONFIG/config.json` (by default `~/.docker/config.json`). Both files have one shape:
//! `{"auths": {"KEY": {"auth": base64("user:password")}}}`, or `username` and `password` in
//! place of `auth`. A key is a registry host, optionally with a scheme and docker's `/v1/`
//! suffix (`https://index.docker.io/v1/`), or — in containers auth files — a host with a
//! repository path, the most specific key winning. Without any, the registry is asked
//! anonymously.
//!
//! Credential helpers (`credsStore`, `credHelpers`) are external programs and vendorscan runs
//! none: when a file sends a registry to one, the error a refused login gives says so, and
//! `--registry-user` is the way in. Identity tokens (`identitytoken`, an OAuth2 refresh token)
//! are not exchanged either.
//!
//! oci-client takes credentials as a parameter and reads no configuration of its own, hence
//! this module.

use base64::Engine;
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The environment variable a password for `--registry-user USER` is read from.
pub const PASSWORD_VAR: &str = "VENDORSCAN_REGISTRY_PASSWORD";

/// An auth file larger than this is refused rather than read (real ones are a few KiB).
const MAX_AUTH_FILE: u64 = 4 << 20;

/// A user name and password for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"…")
            .finish()
    }
}

impl Credentials {
    /// `--registry-user USER[:PASSWORD]`: without `:PASSWORD`, the password is `env_password`
    /// (the value of [`PASSWORD_VAR`]); with neither, an error saying how to give one.
    pub fn from_arg(arg: &str, env_password: Option<String>) -> Result<Credentials, String> {
        let (username, password) = match arg.split_once(':') {
            Some((u, p)) => (u, Some(p.to_string())),
            None => (arg, env_password),
        };
        if username.is_empty() {
            return Err("--registry-user: the user name is empty".to_string());
        }
        let password = password.ok_or_else(|| {
            format!("--registry-user {username}: no password; give USER:PASSWORD or set {PASSWORD_VAR}")
        })?;
        Ok(Credentials {
            username: username.to_string(),
            password,
        })
    }
}

/// The auth files to look in, in order: `REGISTRY_AUTH_FILE`, then docker's config
/// (`$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`).
pub fn auth_files_from_env() -> Vec<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let mut files = Vec::new();
    files.extend(var("REGISTRY_AUTH_FILE"));
    match var("DOCKER_CONFIG") {
        Some(dir) => files.push(dir.join("config.json")),
        None => files.extend(var("HOME").map(|home| home.join(".docker").join("config.json"))),
    }
    files
}

/// What the auth files hold for one registry and repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Credentials, and the file they came from.
    Credentials(Credentials, PathBuf),
    /// A credential helper (an external program, not run), and the file that names it.
    Helper(String, PathBuf),
    /// Nothing: the registry is asked anonymously.
    Nothing,
}

/// Looks `registry` (`host[:port]`, as the reference names it) and `repository` up in `files`,
/// in order; the first file with an entry for them decides. A missing file is skipped; one that
/// cannot be read or parsed is an error naming it.
pub fn lookup(files: &[PathBuf], registry: &str, repository: &str) -> Result<Found, String> {
    for file in files {
        let text = match read_bounded(file) {
            Ok(Some(text)) => text,
            Ok(None) => continue,
            Err(e) => return Err(format!("{}: cannot read: {e}", file.display())),
        };
        let config: AuthFile =
            serde_json::from_slice(&text).map_err(|e| format!("{}: not an auth file: {e}", file.display()))?;
        match config.find(registry, repository) {
            Some(Entry::Credentials(c)) => return Ok(Found::Credentials(c, file.clone())),
            Some(Entry::Malformed(why)) => return Err(format!("{}: {why}", file.display())),
            Some(Entry::Helper(h)) => return Ok(Found::Helper(h, file.clone())),
            None => {}
        }
    }
    Ok(Found::Nothing)
}

/// The file's bytes, `None` when it does not exist.
fn read_bounded(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.take(MAX_AUTH_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_AUTH_FILE {
        return Err(std::io::Error::other(format!("larger than {MAX_AUTH_FILE} bytes")));
    }
    Ok(Some(bytes))
}

/// `config.json` / `auth.json`: only the fields used here; others are ignored.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AuthFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
}

#[derive(serde::Deserialize, Default)]
struct AuthEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

enum Entry {
    Credentials(Credentials),
    Helper(String),
    Malformed(String),
}

impl AuthFile {
    fn find(&self, registry: &str, repository: &str) -> Option<Entry> {
        let host = canonical_host(registry);
        // Most specific first: host/a/b/c, host/a/b, host/a, host.
        let mut scopes = vec![host.clone()];
        let mut path = String::new();
        for segment in repository.split('/') {
            path.push('/');
            path.push_str(segment);
            scopes.push(format!("{host}{path}"));
        }
        let keyed: HashMap<String, &AuthEntry> = self.auths.iter().map(|(k, v)| (canonical_key(k), v)).collect();
        for scope in scopes.iter().rev() {
            if let Some(entry) = keyed.get(scope) {
                if let Some(found) = entry.credentials(scope) {
                    return Some(found);
                }
            }
        }
        let helper = self
            .cred_helpers
            .iter()
            .find(|(k, _)| canonical_key(k) == host)
            .map(|(_, v)| v)
            .or(self.creds_store.as_ref());
        helper.map(|h| Entry::Helper(h.clone()))
    }
}

impl AuthEntry {
    /// `None` for an entry with neither `auth` nor a user name (docker writes `{}` for a
    /// registry whose secret is in a credential helper).
    fn credentials(&self, key: &str) -> Option<Entry> {
        if let Some(auth) = self.auth.as_deref().filter(|a| !a.is_empty()) {
            let decoded = match base64::engine::general_purpose::STANDARD.decode(auth.trim()) {
                Ok(d) => d,
                Err(_) => return Some(Entry::Malformed(format!("the `auth` of {key} is not base64"))),
            };
            let text = String::from_utf8_lossy(&decoded);
            return Some(match text.split_once(':') {
                Some((u, p)) => Entry::Credentials(Credentials {
                    username: u.to_string(),
                    password: p.to_string(),
                }),
                None => Entry::Malformed(format!("the `auth` of {key} is not user:password")),
            });
        }
        let username = self.username.as_deref().filter(|u| !u.is_empty())?;
        Some(Entry::Credentials(Credentials {
            username: username.to_string(),
            password: self.password.clone().unwrap_or_default(),
        }))
    }
}

/// A key as the files write it, reduced to `host[:port][/path]`: scheme and docker's `/v1/`
/// or `/v2/` suffix dropped, Docker Hub's names made one.
fn canonical_key(key: &str) -> String {
    let key = key.trim();
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let key = key.trim_end_matches('/');
    let key = key
        .strip_suffix("/v1")
        .or_else(|| key.strip_suffix("/v2"))
        .unwrap_or(key);
    match key.split_once('/') {
        Some((host, path)) => format!("{}/{path}", canonical_host(host)),
        None => canonical_host(key),
    }
}

/// Docker Hub goes by several names; the files use any of them.
fn canonical_host(host: &str) -> String {
    match host {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => "docker.io".to_string(),
        other => other.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn file(dir: &Path, name: &str, json: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, json).unwrap();
        p
    }

    fn creds(u: &str, p: &str) -> Credentials {
        Credentials {
            username: u.into(),
            password: p.into(),
        }
    }

    #[test]
    fn registry_user_takes_the_password_inline_or_from_the_environment() {
        assert_eq!(
            Credentials::from_arg("ann:s3:cret", None).unwrap(),
            creds("ann", "s3:cret")
        );
        assert_eq!(
            Credentials::from_arg("ann", Some("env".into())).unwrap(),
            creds("ann", "env")
        );
        // An inline password wins over the environment.
        assert_eq!(
            Credentials::from_arg("ann:inline", Some("env".into())).unwrap(),
            creds("ann", "inline")
        );
        let e = Credentials::from_arg("ann", None).unwrap_err();
        assert_eq!(
            e,
            "--registry-user ann: no password; give USER:PASSWORD or set VENDORSCAN_REGISTRY_PASSWORD"
        );
        assert!(Credentials::from_arg(":pw", None).is_err());
        assert!(!format!("{:?}", creds("ann", "secret")).contains("secret"));
    }

    #[test]
    fn docker_config_auth_and_username_password_entries() {
        let dir = tempfile::tempdir().unwrap();
        let docker = file(
            dir.path(),
            "config.json",
            &format!(
                r#"{{"auths": {{
                    "https://index.docker.io/v1/": {{"auth": "{}"}},
                    "registry.example.com:5000": {{"username": "bob", "password": "pw"}},
                    "http://other.example/v2/": {{"auth": "{}"}}
                }}, "HttpHeaders": {{"User-Agent": "x"}}}}"#,
                b64("hub:hubpw"),
                b64("o:opw")
            ),
        );
        let files = [docker.clone()];
        assert_eq!(
            lookup(&files, "docker.io", "library/debian").unwrap(),
            Found::Credentials(creds("hub", "hubpw"), docker.clone())
        );
        assert_eq!(
            lookup(&files, "registry.example.com:5000", "team/app").unwrap(),
            Found::Credentials(creds("bob", "pw"), docker.clone())
        );
        assert_eq!(
            lookup(&files, "other.example", "a").unwrap(),
            Found::Credentials(creds("o", "opw"), docker.clone())
        );
        // Another port is another registry.
        assert_eq!(
            lookup(&files, "registry.example.com", "team/app").unwrap(),
            Found::Nothing
        );
    }

    #[test]
    fn the_auth_file_comes_first_and_its_most_specific_key_wins() {
        let dir = tempfile::tempdir().unwrap();
        let containers = file(
            dir.path(),
            "auth.json",
            &format!(
                r#"{{"auths": {{"quay.example/team": {{"auth": "{}"}}, "quay.example": {{"auth": "{}"}}}}}}"#,
                b64("team:tpw"),
                b64("any:apw")
            ),
        );
        let docker = file(
            dir.path(),
            "config.json",
            &format!(r#"{{"auths": {{"quay.example": {{"auth": "{}"}}}}}}"#, b64("d:dpw")),
        );
        let files = [containers.clone(), docker];
        assert_eq!(
            lookup(&files, "quay.example", "team/app").unwrap(),
            Found::Credentials(creds("team", "tpw"), containers.clone())
        );
        assert_eq!(
            lookup(&files, "quay.example", "teamwork/app").unwrap(),
            Found::Credentials(creds("any", "apw"), containers)
        );
    }

    #[test]
    fn helpers_are_named_not_run_and_missing_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let docker = file(
            dir.path(),
            "config.json",
            r#"{"auths": {"ghcr.example": {}}, "credsStore": "desktop",
                "credHelpers": {"ecr.example": "ecr-login"}}"#,
        );
        let files = [dir.path().join("absent.json"), docker.clone()];
        assert_eq!(
            lookup(&files, "ecr.example", "app").unwrap(),
            Found::Helper("ecr-login".into(), docker.clone())
        );
        assert_eq!(
            lookup(&files, "ghcr.example", "app").unwrap(),
            Found::Helper("desktop".into(), docker)
        );
        assert_eq!(lookup(&files[..1], "ghcr.example", "app").unwrap(), Found::Nothing);
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let bad = file(dir.path(), "config.json", "{not json");
        let e = lookup(std::slice::from_ref(&bad), "r.example", "a").unwrap_err();
        assert!(e.starts_with(&format!("{}: not an auth file: ", bad.display())), "{e}");
        let bad = file(dir.path(), "b.json", r#"{"auths": {"r.example": {"auth": "%%%"}}}"#);
        let e = lookup(std::slice::from_ref(&bad), "r.example", "a").unwrap_err();
        assert_eq!(e, format!("{}: the `auth` of r.example is not base64", bad.display()));
    }
}
