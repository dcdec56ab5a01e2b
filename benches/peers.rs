//! `vendorscan audit` against the peers on the real Debian rootfs from
//! ../shared/scripts/make-rootfs.sh, every figure a ratio to a peer or a floor measured in the
//! same run (issue 11). Wall time of whole processes (start, walk, report), median of
//! `VENDORSCAN_PEERS_ROUNDS` rounds (default 5), the tools taking turns within each round, each
//! run with a cache directory of its own that starts empty (`XDG_CACHE_HOME`, and trivy's
//! `--cache-dir`), so every run is a first run:
//!
//! - the rootfs with its apt cache removed, as a directory: `vendorscan audit` ≤ 0.5× `trivy
//!   rootfs --offline-scan --skip-db-update --scanners license`, ≤ 0.25× `syft dir:`;
//! - the same tree as an OCI image layout (one gzip layer, written by `support/oci.rs`):
//!   `vendorscan audit oci-dir:` ≤ 0.5× `trivy image --input` and `syft oci-dir:`;
//! - the full rootfs, apt cache included: `vendorscan audit` ≤ 1.5× the work floor
//!   (`support/floor.rs`: decoding every stream the walk decodes and hashing every byte it
//!   hashes, on every core, in this process).
//!
//! Peers are found through `VENDORSCAN_TRIVY` and `VENDORSCAN_SYFT` (paths to the executables),
//! else as `trivy` and `syft` on `PATH`; a missing peer's rows are skipped with a message, as is
//! everything without `VENDORSCAN_ROOTFS`. The work copies (the tree without its apt cache, the
//! layout) go to `VENDORSCAN_BENCH_TMP` or the system temporary directory.

#[path = "support/floor.rs"]
mod floor;
#[path = "support/oci.rs"]
mod oci;
#[path = "support/rootfs.rs"]
#[allow(
    dead_code,
    reason = "shared with the walker benches; its SHA-256 baseline is no row here"
)]
mod rootfs;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What every trivy run is given besides its scan: quiet, a cache directory of its own
/// (`{cache}` is replaced per run), JSON thrown away.
const TRIVY_QUIET_JSON: [&str; 7] = [
    "--quiet",
    "--cache-dir",
    "{cache}",
    "--format",
    "json",
    "--output",
    "/dev/null",
];

/// A peer's executable: the variable's path if set, else the name on `PATH`.
fn peer(var: &str, name: &str) -> Option<PathBuf> {
    let found = match std::env::var_os(var) {
        Some(path) => Some(PathBuf::from(path)).filter(|p| p.is_file()),
        None => std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        }),
    };
    if found.is_none() {
        println!("{name} not found ({var} or PATH): its rows are skipped");
    }
    found
}

/// One command to time: a label and its arguments; `{cache}` in an argument is replaced by the
/// run's own empty cache directory.
struct Tool {
    label: String,
    program: PathBuf,
    args: Vec<OsString>,
}

impl Tool {
    fn new(label: &str, program: &Path, args: &[&OsStr]) -> Tool {
        Tool {
            label: label.to_string(),
            program: program.to_path_buf(),
            args: args.iter().map(|a| a.to_os_string()).collect(),
        }
    }

    /// Runs once with a fresh cache directory below `scratch`; the wall time.
    fn time(&self, scratch: &Path) -> Duration {
        let cache = tempfile::tempdir_in(scratch).unwrap();
        let args: Vec<OsString> = self
            .args
            .iter()
            .map(|a| {
                if a == "{cache}" {
                    cache.path().as_os_str().to_os_string()
                } else {
                    a.clone()
                }
            })
            .collect();
        let started = Instant::now();
        let out = Command::new(&self.program)
            .args(&args)
            .env("XDG_CACHE_HOME", cache.path())
            .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", self.label));
        let took = started.elapsed();
        // vendorscan exits 1 for a finding and 2 for an incomplete run: both are finished runs.
        assert!(
            matches!(out.status.code(), Some(0..=2)),
            "{} failed ({}): {}",
            self.label,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        took
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// Times every tool `rounds` times, taking turns, and prints each one's median and range.
fn compare(title: &str, tools: &[Tool], rounds: usize, scratch: &Path) -> Vec<Duration> {
    println!("\n{title}");
    let mut times = vec![Vec::new(); tools.len()];
    for _ in 0..rounds {
        for (tool, times) in tools.iter().zip(&mut times) {
            times.push(tool.time(scratch));
        }
    }
    tools
        .iter()
        .zip(times)
        .map(|(tool, times)| {
            let (low, high) = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
            let m = median(times);
            println!(
                "  {:<58} median {} ({} – {})",
                tool.label,
                secs(m),
                secs(low),
                secs(high)
            );
            m
        })
        .collect()
}

fn ratio(what: &str, ours: Duration, theirs: Duration, target: f64) {
    let r = ours.as_secs_f64() / theirs.as_secs_f64();
    let met = if r <= target { "met" } else { "NOT met" };
    println!("  ratio {what}: {r:.3}× (target ≤ {target}×: {met})");
}

/// The tree without `var/cache/apt/archives/*.deb`, copied below `scratch`.
fn without_apt_cache(tree: &Path, scratch: &Path) -> PathBuf {
    let copy = scratch.join("rootfs-noapt");
    let status = Command::new("cp").arg("-a").arg(tree).arg(&copy).status().unwrap();
    assert!(status.success(), "cp -a {}", tree.display());
    for deb in std::fs::read_dir(copy.join("var/cache/apt/archives")).unwrap() {
        let deb = deb.unwrap().path();
        if deb.extension() == Some(OsStr::new("deb")) {
            std::fs::remove_file(deb).unwrap();
        }
    }
    copy
}

fn main() {
    let Some(dir) = rootfs::dir() else { return };
    let tree = dir.join("rootfs");
    let rounds: usize = std::env::var("VENDORSCAN_PEERS_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let scratch = tempfile::Builder::new()
        .prefix("vendorscan-peers")
        .tempdir_in(std::env::var_os("VENDORSCAN_BENCH_TMP").unwrap_or_else(|| std::env::temp_dir().into()))
        .unwrap();
    let vendorscan = PathBuf::from(env!("CARGO_BIN_EXE_vendorscan"));
    let trivy = peer("VENDORSCAN_TRIVY", "trivy");
    let syft = peer("VENDORSCAN_SYFT", "syft");
    let audit = |label: &str, target: &OsStr| {
        Tool::new(
            label,
            &vendorscan,
            &["audit", "--quiet", "--format", "json", "--output", "/dev/null"]
                .map(OsStr::new)
                .into_iter()
                .chain([target])
                .collect::<Vec<_>>(),
        )
    };

    let noapt = without_apt_cache(&tree, scratch.path());
    let layout = scratch.path().join("rootfs-noapt.oci");
    oci::write_layout(&noapt, &layout);

    // 1. The directory without the apt cache.
    let mut tools = vec![audit("vendorscan audit DIR", noapt.as_os_str())];
    if let Some(trivy) = &trivy {
        let args = ["rootfs", "--offline-scan", "--skip-db-update", "--scanners", "license"];
        let args = args.map(OsStr::new).into_iter().chain(TRIVY_QUIET_JSON.map(OsStr::new));
        let args: Vec<&OsStr> = args.chain([noapt.as_os_str()]).collect();
        tools.push(Tool::new("trivy rootfs --scanners license DIR", trivy, &args));
    }
    let syft_dir = OsString::from(format!("dir:{}", noapt.display()));
    if let Some(syft) = &syft {
        let args = [
            &*syft_dir,
            OsStr::new("--quiet"),
            OsStr::new("--output"),
            OsStr::new("json"),
        ];
        tools.push(Tool::new("syft dir:DIR", syft, &args));
    }
    let t = compare("rootfs without apt cache, a directory", &tools, rounds, scratch.path());
    let mut at = 1;
    if trivy.is_some() {
        ratio("audit / trivy", t[0], t[at], 0.5);
        at += 1;
    }
    if syft.is_some() {
        ratio("audit / syft", t[0], t[at], 0.25);
    }

    // 2. The same tree as an OCI image layout.
    let oci_dir = OsString::from(format!("oci-dir:{}", layout.display()));
    let mut tools = vec![audit("vendorscan audit oci-dir:LAYOUT", &oci_dir)];
    if let Some(trivy) = &trivy {
        let args = ["image", "--offline-scan", "--skip-db-update", "--scanners", "license"];
        let args = args.map(OsStr::new).into_iter().chain(TRIVY_QUIET_JSON.map(OsStr::new));
        let args: Vec<&OsStr> = args.chain([OsStr::new("--input"), layout.as_os_str()]).collect();
        tools.push(Tool::new("trivy image --scanners license --input LAYOUT", trivy, &args));
    }
    if let Some(syft) = &syft {
        let args = [
            &*oci_dir,
            OsStr::new("--quiet"),
            OsStr::new("--output"),
            OsStr::new("json"),
        ];
        tools.push(Tool::new("syft oci-dir:LAYOUT", syft, &args));
    }
    let t = compare(
        "the same tree, an OCI image layout (one gzip layer)",
        &tools,
        rounds,
        scratch.path(),
    );
    let mut at = 1;
    if trivy.is_some() {
        ratio("audit / trivy", t[0], t[at], 0.5);
        at += 1;
    }
    if syft.is_some() {
        ratio("audit / syft", t[0], t[at], 0.5);
    }

    // 3. The full rootfs against the work floor.
    println!("\nfull rootfs (apt cache included) against the work floor");
    let (files, _) = rootfs::files_under(&tree);
    let full = audit("vendorscan audit DIR", tree.as_os_str());
    let mut floor_times = Vec::new();
    let mut audit_times = Vec::new();
    let mut work = floor::Work::default();
    for _ in 0..rounds {
        let started = Instant::now();
        work = floor::run(&files);
        floor_times.push(started.elapsed());
        audit_times.push(full.time(scratch.path()));
    }
    let hashed = work.hashed.into_inner() as f64 / (1 << 20) as f64;
    let decoded = work.decoded.into_inner() as f64 / (1 << 20) as f64;
    let (floor_m, audit_m) = (median(floor_times), median(audit_times));
    println!(
        "  {:<58} median {}",
        format!("work floor ({decoded:.0} MiB decoded, {hashed:.0} MiB hashed)"),
        secs(floor_m)
    );
    println!("  {:<58} median {}", full.label, secs(audit_m));
    ratio("audit / floor", audit_m, floor_m, 1.5);
}
