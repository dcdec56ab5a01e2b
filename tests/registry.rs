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
            assert!(Instant::now() < deadline, "docker-registry did not listen: {}", registry.log());
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
