//! Live systems: `--exclude` leaves paths out and lists them, a FIFO in a walked directory does
//! not hang the walk, and walking `/proc/self` stays bounded in memory and time although its
//! files say they are empty and one of them (`pagemap`) streams without end.

use assert_cmd::Command;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

fn written(dir: &Path, name: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(&path)
        .unwrap()
        .write_all(name.as_bytes())
        .unwrap();
}

/// `vendorscan inventory --format json ARGS`, within 60 seconds: (exit code, JSON, stderr).
fn inventory(args: &[&str]) -> (i32, Value, String) {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["inventory", "--format", "json"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let code = out.status.code().expect("killed: timed out or a signal");
    (code, serde_json::from_slice(&out.stdout).unwrap_or(Value::Null), stderr)
}

/// The paths of the inventory's files, relative to `root`.
fn files(json: &Value, root: &str) -> Vec<String> {
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().strip_prefix(root).unwrap().to_string())
        .collect()
}

#[test]
fn excluded_paths_are_listed_as_skipped_and_what_they_hold_is_not_walked() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "etc/os-release",
        "usr/bin/tool",
        "usr/share/doc/pkg/README",
        "usr/share/doc/pkg/examples/x.conf",
        "usr/share/man/man1/tool.1",
        "usr/share/misc/kept",
        "usr/lib/python3/mod.py",
        "usr/lib/python3/__pycache__/mod.pyc",
        "var/cache/apt/pkgcache.bin",
    ] {
        written(dir.path(), name);
    }
    let root = dir.path().display().to_string();
    let (code, json, stderr) = inventory(&[
        "--exclude",
        "./usr/share/doc/**",
        "--exclude",
        "**/*.pyc",
        "--exclude",
        "/var/cache",
        "--exclude",
        "usr/share/man",
        &root,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        json["skipped"],
        json!([
            {"path": format!("{root}/usr/lib/python3/__pycache__/mod.pyc"), "reason": "excluded", "pattern": "**/*.pyc"},
            {"path": format!("{root}/usr/share/doc"), "reason": "excluded", "pattern": "./usr/share/doc/**"},
            {"path": format!("{root}/usr/share/man"), "reason": "excluded", "pattern": "usr/share/man"},
            {"path": format!("{root}/var/cache"), "reason": "excluded", "pattern": "/var/cache"},
        ])
    );
    assert_eq!(
        files(&json, &root),
        [
            "/etc/os-release",
            "/usr/bin/tool",
            "/usr/lib/python3/mod.py",
            "/usr/share/misc/kept"
        ]
    );
    assert_eq!(json["warnings"], json!([]));
}

#[test]
fn without_exclude_everything_is_walked_and_nothing_skipped() {
    let dir = tempfile::tempdir().unwrap();
    written(dir.path(), "usr/share/doc/pkg/README");
    let root = dir.path().display().to_string();
    let (code, json, _) = inventory(&[&root]);
    assert_eq!(code, 0);
    assert_eq!(json.get("skipped"), None);
    assert_eq!(files(&json, &root), ["/usr/share/doc/pkg/README"]);
}

#[test]
fn a_bad_exclude_pattern_is_refused_before_anything_is_walked() {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["inventory", "--exclude", "usr/[a", "/nonexistent"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "error: invalid value 'usr/[a' for '--exclude <GLOB>': not a valid pattern: unclosed character class"
        ),
        "{stderr}"
    );
}

#[test]
fn a_fifo_in_a_walked_directory_is_listed_and_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    written(dir.path(), "etc/os-release");
    let pipe = dir.path().join("etc/initctl");
    let c = std::ffi::CString::new(pipe.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let root = dir.path().display().to_string();
    // opening the FIFO would wait for a writer forever: the timeout would kill the run
    let (code, json, stderr) = inventory(&[&root]);
    assert_eq!(code, 0, "{stderr}");
    let listed: Vec<(&str, &str)> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            (format!("{root}/etc/initctl").as_str(), "special"),
            (format!("{root}/etc/os-release").as_str(), "text"),
        ]
    );
    assert_eq!(json["warnings"], json!([]));

    // named as the target itself: listed, not opened, and said so
    let (code, json, _) = inventory(&["-q", &format!("image:{}", pipe.display())]);
    assert_eq!(code, 0);
    assert_eq!(json["files"][0]["type"], "special");
    assert_eq!(json["warnings"][0]["code"], "unreadable");
    assert_eq!(json["warnings"][0]["file"], pipe.display().to_string());
}

/// Peak RSS (bytes), wall time and exit status of `vendorscan ARGS` run as a child of its own,
/// its output thrown away: `wait4` reports that child's peak.
#[allow(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also gives its usage"
)]
fn measured(args: &[&str]) -> (u64, Duration, i32) {
    let started = Instant::now();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_vendorscan"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run vendorscan");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; all zeroes is a valid value
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; both out-parameters are owned here.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    assert!(libc::WIFEXITED(status), "killed by a signal");
    (
        usage.ru_maxrss as u64 * 1024, // kilobytes on Linux
        started.elapsed(),
        libc::WEXITSTATUS(status),
    )
}

#[test]
fn walking_proc_self_stays_bounded_in_memory_and_time() {
    if !Path::new("/proc/self/status").exists() {
        return;
    }
    // its pagemap says it is empty and streams 8 bytes for every page of the address space
    // (hundreds of GB): read only to the default 1 GiB member limit, and never held
    let (peak, took, code) = measured(&["inventory", "-q", "--format", "json", "/proc/self"]);
    assert_eq!(code, 0);
    assert!(peak < 200 << 20, "peak RSS {} MiB", peak >> 20);
    assert!(took < Duration::from_secs(30), "took {took:?}");

    let (code, json, _) = inventory(&["-q", "--max-member-bytes", "65536", "/proc/self"]);
    assert_eq!(code, 0);
    let warnings = json["warnings"].as_array().unwrap();
    if std::fs::File::open("/proc/self/pagemap").is_ok() {
        let pagemap: Vec<&Value> = warnings.iter().filter(|w| w["file"] == "/proc/self/pagemap").collect();
        assert_eq!(
            pagemap,
            [&json!({
                "code": "limit-exceeded",
                "file": "/proc/self/pagemap",
                "message": "reads beyond the --max-member-bytes limit (65536); not read",
            })]
        );
    }
    // a file that says it is empty is read whole all the same
    let status = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "/proc/self/status")
        .unwrap();
    assert!(status["size"].as_u64().unwrap() > 100, "{status}");
    // what cannot be read (mem) or vanishes mid-walk (fdinfo of a closed file) is a warning
    for w in warnings {
        assert!(w["code"] == "unreadable" || w["code"] == "limit-exceeded", "{w}");
    }
}

#[test]
fn excluded_members_of_an_image_are_listed_once_per_excluded_directory() {
    let image = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out/rootfs.tar.gz");
    let (code, json, stderr) = inventory(&["--exclude", "usr/lib/**", "--exclude", "/etc/passwd", image]);
    assert_eq!(code, 0, "{stderr}");
    let root = format!("{image}!gzip!/");
    assert_eq!(
        json["skipped"],
        json!([
            { "path": format!("{root}etc/passwd"), "reason": "excluded", "pattern": "/etc/passwd" },
            { "path": format!("{root}usr/lib"), "reason": "excluded", "pattern": "usr/lib/**" },
        ])
    );
    let listed = files(&json, &root);
    assert!(
        !listed.iter().any(|f| f.starts_with("usr/lib/") || f == "etc/passwd"),
        "{listed:?}"
    );
    assert!(listed.contains(&"usr/bin/app".to_string()), "{listed:?}");
}
