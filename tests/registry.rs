//! `registry:REF` against a real registry: Debian's `docker-registry` (CNCF Distribution) started
//! here on 127.0.0.1 with a generated configuration, storage in a temporary directory, and
//! images pushed into it with Debian's `skopeo` from the committed OCI layouts. One more
//! instance requires a login (htpasswd, bcrypt, generated here).
//!
//! Without `docker-registry` or `skopeo` on the PATH the tests say so and pass, except when
//! `VENDORSCAN_REQUIRE_REGISTRY=1` (as .ci/run sets it, having installed both): then a missing
//! tool fails them.

use assert_cmd::Command;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `true` when both tools are here; `false` (after saying so) when they are not and the run
/// does not require them.
fn tools_present() -> bool {
    let missing: Vec<&str> = ["docker-registry", "skopeo"]
        .into_iter()
        .filter(|tool| which(tool).is_none())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let require = std::env::var("VENDORSCAN_REQUIRE_REGISTRY").is_ok_and(|v| v == "1");
    assert!(
        !require,
        "VENDORSCAN_REQUIRE_REGISTRY=1 but {} not installed (apt-get install docker-registry skopeo)",
        missing.join(" and ")
    );
    eprintln!(
        "skipped: {} not installed (apt-get install docker-registry skopeo)",
        missing.join(" and ")
    );
    false
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}

/// A registry process of this test, stopped (by its own id) when dropped.
struct Registry {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    /// `user:password` when the registry requires a login.
    login: Option<String>,
}

impl Registry {
    fn start(login: Option<(&str, &str)>) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        // A free port: bound, read, released; the registry binds it a moment later.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut auth = String::new();
        if let Some((user, password)) = login {
            let hash = bcrypt::hash(password, 4).unwrap();
            let htpasswd = dir.path().join("htpasswd");
            std::fs::write(&htpasswd, format!("{user}:{hash}\n")).unwrap();
            auth = format!(
                "auth:\n  htpasswd:\n    realm: vendorscan-test\n    path: {}\n",
                htpasswd.display()
            );
        }
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n\
                 storage:\n  filesystem:\n    rootdirectory: {}\n\
                 http:\n  addr: 127.0.0.1:{port}\n{auth}",
                dir.path().join("storage").display()
            ),
        )
        .unwrap();
        let child = std::process::Command::new(which("docker-registry").unwrap())
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("registry.log")).unwrap())
            .spawn()
            .unwrap();
        let mut registry = Registry {
            child,
            port,
            dir,
            login: login.map(|(u, p)| format!("{u}:{p}")),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = registry.child.try_wait() {
                panic!("docker-registry exited ({status}): {}", registry.log());
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen: {}",
                registry.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// `skopeo copy` of `oci:LAYOUT:TAG` to `REPO:TAG` here (`--all`: every platform of an index).
    fn push(&self, layout: &Path, tag: &str, repo: &str, all: bool) {
        let mut cmd = std::process::Command::new(which("skopeo").unwrap());
        cmd.args(["--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false"]);
        if all {
            cmd.arg("--all");
        }
        if let Some(login) = &self.login {
            cmd.args(["--dest-creds", login]);
        }
        cmd.arg(format!("oci:{}:{tag}", layout.display()))
            .arg(format!("docker://{}/{repo}", self.host()));
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "skopeo copy failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
    }

    /// The blob files of the registry's storage (for the damage test).
    fn blob_data(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap();
        self.dir
            .path()
            .join("storage/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn vendorscan(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::cargo_bin("vendorscan").unwrap();
    cmd.current_dir(ROOT)
        .args(args)
        // Never the user's own credentials.
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("VENDORSCAN_REGISTRY_PASSWORD")
        .env("DOCKER_CONFIG", "/nonexistent/vendorscan-test");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest of the manifest `tag` names in an OCI layout (following a nested index one level
/// down when `platform` names an entry of it, as `os/arch`).
fn layout_digest(layout: &str, tag: &str, platform: Option<&str>) -> String {
    let read = |digest: &str| -> Value {
        let path = Path::new(ROOT)
            .join(layout)
            .join("blobs/sha256")
            .join(digest.strip_prefix("sha256:").unwrap());
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let index: Value =
        serde_json::from_slice(&std::fs::read(Path::new(ROOT).join(layout).join("index.json")).unwrap()).unwrap();
    let entry = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap();
    let digest = entry["digest"].as_str().unwrap().to_string();
    let Some(platform) = platform else { return digest };
    let (os, arch) = platform.split_once('/').unwrap();
    read(&digest)["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["platform"]["os"] == os && m["platform"]["architecture"] == arch)
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The findings of an audit's JSON, each as JSON text with `name` (the image as given) made
/// `IMAGE` and the ids dropped (they hash the paths), sorted: what must be the same whichever
/// way the image was read.
fn findings(json: &str, name: &str) -> Vec<String> {
    let report: Value = serde_json::from_str(json).unwrap();
    let mut out: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.as_object_mut().unwrap().remove("id");
            f.to_string().replace(name, "IMAGE")
        })
        .collect();
    out.sort();
    out
}

const APP: &str = "fixtures/image/out/app.oci";
const MULTI: &str = "fixtures/image/out/multi.oci";

#[test]
fn by_tag_and_by_digest_the_same_findings_as_the_oci_layout() {
    if !tools_present() {
        return;
    }
    let registry = Registry::start(None);
    registry.push(Path::new(ROOT).join(APP).as_path(), "app", "fixture/app:v1", false);
    let digest = layout_digest(APP, "app", None);
    let host = registry.host();

    let layout = vendorscan(&["audit", "-q", "-f", "json", &format!("oci-dir:{APP}")], &[]);
    assert_eq!(layout.code, 1, "{}", layout.stderr);
    let expected = findings(&layout.stdout, APP);
    // The fixture's own findings: the HiSilicon module of layer 0 and its hard link, excluded.
    assert!(
        expected.iter().any(
            |f| f.contains(&format!("\"path\":\"IMAGE@{digest}!/lib/modules/5.10.0/hi_wifi.ko\""))
                && f.contains("\"verdict\":\"excluded\"")
                && f.contains("in image layer 0 (sha256:")
        ),
        "{expected:#?}"
    );

    let by_tag = format!("{host}/fixture/app:v1");
    let by_digest = format!("{host}/fixture/app@{digest}");
    // By digest the reference already ends in the manifest digest: named once.
    for (given, name) in [
        (&by_tag, by_tag.as_str()),
        (&by_digest, &by_digest[..by_digest.len() - 72]),
    ] {
        let run = vendorscan(&["audit", "-q", "-f", "json", &format!("registry:{given}")], &[]);
        assert_eq!(run.code, 1, "{given}: {}", run.stderr);
        assert_eq!(findings(&run.stdout, name), expected, "{given}");
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(report["targets"][0]["path"], format!("{name}@{digest}"));
        assert_eq!(report["targets"][0]["sha256"], digest.strip_prefix("sha256:").unwrap());
        assert!(report["errors"].as_array().unwrap().is_empty(), "{}", run.stdout);
        assert!(report["warnings"].as_array().unwrap().is_empty(), "{}", run.stdout);
    }

    // The attestation's subject is the image, by its manifest digest.
    let dir = tempfile::tempdir().unwrap();
    let attestation = dir.path().join("app.intoto.json");
    let run = vendorscan(
        &[
            "audit",
            "-q",
            "--attest",
            attestation.to_str().unwrap(),
            &format!("registry:{by_tag}"),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let envelope: Value = serde_json::from_slice(&std::fs::read(&attestation).unwrap()).unwrap();
    let payload = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        envelope["payload"].as_str().unwrap(),
    )
    .unwrap();
    let statement: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        statement["subject"],
        serde_json::json!([{"name": format!("{by_tag}@{digest}"), "digest": {"sha256": digest.strip_prefix("sha256:").unwrap()}}])
    );
}

#[test]
fn a_multi_platform_index_is_followed_to_the_platform_asked_for() {
    if !tools_present() {
        return;
    }
    let registry = Registry::start(None);
    registry.push(Path::new(ROOT).join(MULTI).as_path(), "multi", "fixture/multi:v1", true);
    let given = format!("registry:{}/fixture/multi:v1", registry.host());
    for (platform, arch) in [("linux/arm64", "arm64"), ("linux/amd64", "amd64")] {
        let run = vendorscan(
            &["inventory", "-q", "--format", "json", "--platform", platform, &given],
            &[],
        );
        assert_eq!(run.code, 0, "{platform}: {}", run.stderr);
        let inventory: Value = serde_json::from_str(&run.stdout).unwrap();
        let digest = layout_digest(MULTI, "multi", Some(platform));
        let path = format!("{}@{digest}!/etc/arch", &given["registry:".len()..]);
        let file = inventory["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{platform}: no {path} in {}", run.stdout));
        assert_eq!(file["sha256"], sha256_hex(format!("{arch}\n").as_bytes()), "{platform}");
    }
    let run = vendorscan(&["audit", "-q", "--platform", "linux/s390x", &given], &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!(
            "error: {given}: no image for platform linux/s390x; the index holds: linux/amd64, linux/arm64/v8 (pick one with --platform)"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_registry_that_needs_a_login_refuses_anonymous_and_takes_each_kind_of_credentials() {
    if !tools_present() {
        return;
    }
    let registry = Registry::start(Some(("auditor", "s3cret-pw")));
    registry.push(Path::new(ROOT).join(APP).as_path(), "app", "fixture/app:v1", false);
    let host = registry.host();
    let given = format!("registry:{host}/fixture/app:v1");
    let hisilicon = format!("{host}/fixture/app:v1@sha256:");
    let audit = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["audit", "-q", "-f", "json"];
        args.extend_from_slice(extra);
        args.push(&given);
        vendorscan(&args, env)
    };
    let accepted = |run: Run, how: &str| {
        assert_eq!(run.code, 1, "{how}: {}", run.stderr);
        assert!(run.stdout.contains(&hisilicon), "{how}: {}", run.stdout);
        assert!(run.stdout.contains("!/lib/modules/5.10.0/hi_wifi.ko"), "{how}");
    };

    let anonymous = audit(&[], &[]);
    assert_eq!(anonymous.code, 2);
    assert_eq!(
        anonymous.stderr.trim(),
        format!(
            "error: {given}: authentication refused by {host} (asked anonymously; give credentials \
             with --registry-user, REGISTRY_AUTH_FILE or ~/.docker/config.json)"
        )
    );

    accepted(
        audit(&["--registry-user", "auditor:s3cret-pw"], &[]),
        "--registry-user USER:PASSWORD",
    );
    accepted(
        audit(
            &["--registry-user", "auditor"],
            &[("VENDORSCAN_REGISTRY_PASSWORD", "s3cret-pw")],
        ),
        "--registry-user USER with the password in the environment",
    );
    let wrong = audit(&["--registry-user", "auditor:wrong"], &[]);
    assert_eq!(wrong.code, 2);
    assert_eq!(
        wrong.stderr.trim(),
        format!("error: {given}: authentication refused by {host} (as auditor, from --registry-user)")
    );

    // A containers auth file (base64 `auth`), and docker's config (username and password).
    let dir = tempfile::tempdir().unwrap();
    let auth_file = dir.path().join("auth.json");
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "auditor:s3cret-pw");
    std::fs::write(
        &auth_file,
        format!(r#"{{"auths": {{"{host}": {{"auth": "{encoded}"}}}}}}"#),
    )
    .unwrap();
    accepted(
        audit(&[], &[("REGISTRY_AUTH_FILE", auth_file.to_str().unwrap())]),
        "REGISTRY_AUTH_FILE",
    );
    let docker = dir.path().join("docker");
    std::fs::create_dir(&docker).unwrap();
    std::fs::write(
        docker.join("config.json"),
        format!(r#"{{"auths": {{"http://{host}/v2/": {{"username": "auditor", "password": "s3cret-pw"}}}}}}"#),
    )
    .unwrap();
    accepted(
        audit(&[], &[("DOCKER_CONFIG", docker.to_str().unwrap())]),
        "DOCKER_CONFIG/config.json",
    );

    // A credential helper is named, not run.
    std::fs::write(docker.join("config.json"), r#"{"credsStore": "desktop"}"#).unwrap();
    let helper = audit(&[], &[("DOCKER_CONFIG", docker.to_str().unwrap())]);
    assert_eq!(helper.code, 2);
    assert!(
        helper.stderr.contains(&format!(
            "(asked anonymously: {} sends this registry to the credential helper `desktop`, an external program vendorscan does not run",
            docker.join("config.json").display()
        )),
        "{}",
        helper.stderr
    );
}

#[test]
fn a_layer_whose_bytes_do_not_match_its_digest_is_damage_and_the_rest_is_kept() {
    if !tools_present() {
        return;
    }
    let registry = Registry::start(None);
    registry.push(Path::new(ROOT).join(APP).as_path(), "app", "fixture/app:v1", false);
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(ROOT)
                .join(APP)
                .join("blobs/sha256")
                .join(layout_digest(APP, "app", None).strip_prefix("sha256:").unwrap()),
        )
        .unwrap(),
    )
    .unwrap();
    let top = manifest["layers"][1]["digest"].as_str().unwrap();
    // The gzip header's OS byte: the stream still decodes, to the same tar; only the digest
    // can tell.
    let data = registry.blob_data(top);
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[9] ^= 1;
    std::fs::write(&data, &bytes).unwrap();
    let actual = format!("sha256:{}", sha256_hex(&bytes));

    let run = vendorscan(
        &[
            "audit",
            "-f",
            "json",
            &format!("registry:{}/fixture/app:v1", registry.host()),
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["verdict"], "excluded");
    assert_eq!(report["coverage"]["complete"], false, "{}", report["coverage"]);
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["code"], "corrupt");
    let message = warnings[0]["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("layer 1 ({top}): ")), "{message}");
    assert!(message.contains(&format!("Expected {top}, got {actual}")), "{message}");
    // What layer 0 holds is still reported.
    assert!(run.stdout.contains("!/lib/modules/5.10.0/hi_wifi.ko"));
}

#[test]
fn an_unknown_repository_is_one_line_naming_the_reference() {
    if !tools_present() {
        return;
    }
    let registry = Registry::start(None);
    let given = format!("registry:{}/fixture/absent:v1", registry.host());
    let run = vendorscan(&["audit", "-q", &given], &[]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        format!("error: {given}: manifest not found in {}", registry.host())
    );
}
