//! The results cache (src/cache/): results identical with and without it, cold and warm; a warm
//! run analyses nothing it analysed before; nothing reused across a change of the rules; every
//! kind of broken cache is one warning line and a run as without it; two processes on one cache
//! at once; the size bound evicts the least recently used.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use vendorscan::analyse::{Analyser, FileView};
use vendorscan::cache::Cache;
use vendorscan::firmware::{self, Walked};
use vendorscan::model::{Facts, FileEntry, Inventory};
use vendorscan::source::{self, Options, Target};

const FIRMWARE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out");
const CUSTOM_RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/rules/custom");

/// `vendorscan audit --format json` with `args`: (exit code, report, standard error).
fn audit(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .env_remove("VENDORSCAN_CACHE_DIR")
        .args(["audit", "--format", "json", "--allow-incomplete"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn fixture(name: &str) -> String {
    format!("{FIRMWARE}/{name}")
}

/// The report without a cache, then cold and warm with one: all three the same, with no
/// warning about the cache.
fn same_cold_warm_and_uncached(dir: &Path, target: &str, extra: &[&str]) -> String {
    let cache = dir.display().to_string();
    let with = |a: &[&str]| {
        let mut args = a.to_vec();
        args.extend_from_slice(extra);
        args.push(target);
        audit(&args)
    };
    let uncached = with(&["--no-cache"]);
    let cold = with(&["--cache-dir", &cache]);
    let warm = with(&["--cache-dir", &cache]);
    assert!(!uncached.1.is_empty(), "{}", uncached.2);
    assert_eq!(cold, uncached, "cold run of {target}");
    assert_eq!(warm, uncached, "warm run of {target}");
    assert!(!warm.2.contains("cache"), "{}", warm.2);
    uncached.1
}

#[test]
fn reports_are_the_same_cold_warm_and_without_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["router-flash.bin", "rootfs.tar.gz", "rootfs.xz.squashfs"] {
        let report = same_cold_warm_and_uncached(dir.path(), &fixture(name), &[]);
        assert!(report.contains("\"verdict\""), "{report}");
    }
    // the router under another name: its stored walk replayed under the new name
    let renamed = dir.path().join("another name.bin");
    std::fs::copy(fixture("router-flash.bin"), &renamed).unwrap();
    let report = same_cold_warm_and_uncached(dir.path(), renamed.to_str().unwrap(), &[]);
    assert!(
        report.contains("another name.bin!/0x"),
        "virtual paths under the new name"
    );
    assert!(!report.contains("router-flash.bin"));
    // a directory: file facts by content
    let tree = tree(dir.path());
    same_cold_warm_and_uncached(dir.path(), tree.to_str().unwrap(), &[]);
    let info = Cache::info(dir.path()).unwrap();
    assert!(info.facts.entries >= 2, "{info:?}");
    // the router renamed has the router's key; its walk was bound to its name (the flash dump
    // itself is analysed as a file) and is replaced
    assert_eq!(info.walks.entries, 3, "{info:?}");
}

/// A directory of two files large enough to be cached, one naming a vendor of the custom pack.
fn tree(under: &Path) -> PathBuf {
    let root = under.join("tree");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    let mut text = "filler line\n".repeat(700);
    text.push_str("Firmware by Acme Telecom Equipment Co., Ltd.\n");
    std::fs::write(root.join("etc/banner"), &text).unwrap();
    std::fs::write(root.join("etc/other"), "nothing here\n".repeat(600)).unwrap();
    root
}

#[test]
fn nothing_is_reused_across_a_change_of_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let tree = tree(dir.path());
    let blob = dir.path().join("banner.bin");
    std::fs::copy(tree.join("etc/banner"), &blob).unwrap();
    for target in [tree.to_str().unwrap(), blob.to_str().unwrap()] {
        let plain = same_cold_warm_and_uncached(dir.path(), target, &[]);
        assert!(!plain.contains("acme-telecom"), "{plain}");
        // the same cache, with a pack whose names the indicator scan then looks for
        let custom = same_cold_warm_and_uncached(
            dir.path(),
            target,
            &["--rules", CUSTOM_RULES, "--policy", "lab-exclusions"],
        );
        assert!(custom.contains("acme-telecom"), "{custom}");
    }
}

/// An analyser that counts the files it is run on.
struct Counting<'a>(&'a dyn Analyser, AtomicU64);

impl Analyser for Counting<'_> {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        self.1.fetch_add(1, Ordering::Relaxed);
        self.0.analyse(file, facts);
    }

    fn identity(&self, out: &mut String) {
        self.0.identity(out);
    }
}

/// What one read through the library gave: the inventory, how many files the analyser was run
/// on, and the cache's (hits, misses).
struct Read {
    inventory: Inventory,
    analysed: u64,
    hits_and_misses: (u64, u64),
}

/// Reads `target` within `limits`, through the cache in `dir` when given.
fn read_with(dir: Option<&Path>, target: &str, limits: firmware::Limits) -> Read {
    let standard = vendorscan::analyse::standard();
    let counting = Counting(&standard, AtomicU64::new(0));
    let cache = dir.map(|d| Cache::new(d, vendorscan::cache::DEFAULT_MAX_SIZE));
    let mut options = Options::new(&counting);
    options.cache = cache.as_ref();
    options.walk_limits = limits;
    let inventory = source::read(&[Target::parse(target)], &options);
    let hits_and_misses = cache.as_ref().map_or((0, 0), |c| {
        c.finish();
        assert_eq!(c.problem(), None);
        c.hits_and_misses()
    });
    Read {
        inventory,
        analysed: counting.1.load(Ordering::Relaxed),
        hits_and_misses,
    }
}

/// Reads `target` through the cache in `dir`: the files' entries, and how many files the
/// analyser was run on.
fn read_counting(dir: &Path, target: &str) -> (Vec<FileEntry>, u64) {
    let read = read_with(Some(dir), target, firmware::Limits::default());
    (read.inventory.files, read.analysed)
}

/// An inventory as JSON: everything it holds, to compare runs.
fn json(inventory: &Inventory) -> serde_json::Value {
    serde_json::to_value(inventory).unwrap()
}

const IMAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/image/out");

/// The fixture image (two gzip layers, a whiteout, a hard link to a lower layer) in every local
/// scheme.
fn images() -> Vec<String> {
    [
        "oci-dir:app.oci",
        "oci-archive:app.oci.tar",
        "docker-archive:app.docker.tar",
        "docker-archive:app-legacy.docker.tar",
    ]
    .iter()
    .map(|t| {
        let (scheme, name) = t.split_once(':').unwrap();
        format!("{scheme}:{IMAGES}/{name}")
    })
    .collect()
}

#[test]
fn image_layers_are_replayed_and_the_report_is_the_same() {
    for image in images() {
        let dir = tempfile::tempdir().unwrap();
        // the report (findings, files with their layers, whiteouts, warnings) byte for byte
        let report = same_cold_warm_and_uncached(dir.path(), &image, &[]);
        assert!(report.contains("deleted in layer 1"), "{report}");
        // and in the library: no layer decoded, no file analysed, one hit per layer
        let fresh = tempfile::tempdir().unwrap();
        let uncached = read_with(None, &image, firmware::Limits::default());
        let cold = read_with(Some(fresh.path()), &image, firmware::Limits::default());
        assert!(cold.analysed > 0, "{image}");
        assert_eq!(cold.hits_and_misses.0, 0, "{image}");
        let warm = read_with(Some(fresh.path()), &image, firmware::Limits::default());
        assert_eq!((warm.analysed, warm.hits_and_misses), (0, (2, 0)), "{image}");
        assert_eq!(json(&cold.inventory), json(&uncached.inventory), "{image}");
        assert_eq!(json(&warm.inventory), json(&uncached.inventory), "{image}");
    }
    // the OCI archive holds the layout's blobs: its layers are found under the layout's keys
    let dir = tempfile::tempdir().unwrap();
    let [layout, archive, ..] = &images()[..] else {
        unreachable!()
    };
    read_with(Some(dir.path()), layout, firmware::Limits::default());
    let other = read_with(Some(dir.path()), archive, firmware::Limits::default());
    assert_eq!((other.analysed, other.hits_and_misses), (0, (2, 0)));
}

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_layer_blob_changed_after_it_was_cached_is_walked_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // a layout whose lower layer's blob is replaced by the upper layer's bytes
    let layout = dir.path().join("app.oci");
    copy_tree(&Path::new(IMAGES).join("app.oci"), &layout);
    let target = format!("oci-dir:{}", layout.display());
    read_with(Some(&cache), &target, firmware::Limits::default());
    let manifest: serde_json::Value = {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        let digest = index["manifests"][0]["digest"].as_str().unwrap()[7..].to_string();
        serde_json::from_slice(&std::fs::read(layout.join("blobs/sha256").join(digest)).unwrap()).unwrap()
    };
    let blob = |i: usize| {
        layout
            .join("blobs/sha256")
            .join(&manifest["layers"][i]["digest"].as_str().unwrap()[7..])
    };
    std::fs::copy(blob(1), blob(0)).unwrap();
    let uncached = read_with(None, &target, firmware::Limits::default());
    assert!(
        uncached
            .inventory
            .warnings
            .iter()
            .any(|w| w.message.contains("is not the configuration's diff_id")),
        "{:?}",
        uncached.inventory.warnings
    );
    let warm = read_with(Some(&cache), &target, firmware::Limits::default());
    assert_eq!(json(&warm.inventory), json(&uncached.inventory));
    // the upper layer is replayed; the lower one is found, its blob hashed, and refused
    assert_eq!(warm.hits_and_misses.0, 1);
    assert!(warm.hits_and_misses.1 >= 1);
    // the CLI's report too
    same_cold_warm_and_uncached(&cache, &target, &[]);

    // a docker-archive whose layer tar changed in its padding, past the end-of-archive marker:
    // walked, it yields the same files, but it is no longer the layer its diff_id names
    let archive = dir.path().join("app.docker.tar");
    std::fs::copy(Path::new(IMAGES).join("app-legacy.docker.tar"), &archive).unwrap();
    let target = format!("docker-archive:{}", archive.display());
    read_with(Some(&cache), &target, firmware::Limits::default());
    let mut bytes = std::fs::read(&archive).unwrap();
    let mut outer = tar::Archive::new(&bytes[..]);
    let last = outer
        .entries()
        .unwrap()
        .map(Result::unwrap)
        .filter(|e| e.path().unwrap().to_string_lossy().ends_with("layer.tar"))
        .map(|e| e.raw_file_position() + e.size() - 1)
        .last()
        .unwrap();
    assert_eq!(bytes[last as usize], 0);
    bytes[last as usize] = 1;
    std::fs::write(&archive, &bytes).unwrap();
    let uncached = read_with(None, &target, firmware::Limits::default());
    assert!(
        uncached
            .inventory
            .warnings
            .iter()
            .any(|w| w.message.contains("is not the configuration's diff_id")),
        "{:?}",
        uncached.inventory.warnings
    );
    let warm = read_with(Some(&cache), &target, firmware::Limits::default());
    assert_eq!(json(&warm.inventory), json(&uncached.inventory));
    assert_eq!(warm.hits_and_misses.0, 1);
}

#[test]
fn image_limits_stop_at_the_same_place_warm_and_cold() {
    let image = &images()[0];
    let whole = read_with(None, image, firmware::Limits::default());
    let entries = whole.inventory.files.len() + whole.inventory.containers.len();
    let bytes: u64 = whole
        .inventory
        .containers
        .iter()
        .filter(|c| c.details.contains_key("layer"))
        .map(|c| c.size)
        .sum();
    let cut = |limits: firmware::Limits| {
        let dir = tempfile::tempdir().unwrap();
        let uncached = read_with(None, image, limits);
        let cold = read_with(Some(dir.path()), image, limits);
        let warm = read_with(Some(dir.path()), image, limits);
        assert_eq!(json(&cold.inventory), json(&uncached.inventory), "{limits:?}");
        assert_eq!(json(&warm.inventory), json(&uncached.inventory), "{limits:?}");
        warm.hits_and_misses.0
    };
    // every place the entry budget can run out, and the byte budget at every 512 bytes
    let mut replayed = 0;
    for max_entries in 1..=entries as u64 + 2 {
        replayed += cut(firmware::Limits {
            max_entries,
            ..firmware::Limits::default()
        });
    }
    for max_total_bytes in (0..=bytes + 1024).step_by(512) {
        replayed += cut(firmware::Limits {
            max_total_bytes,
            ..firmware::Limits::default()
        });
    }
    // the lower layer fits where the upper one does not: replayed, and charged
    assert!(replayed > 0);
}

#[test]
fn a_warm_run_analyses_nothing_it_analysed_before() {
    let dir = tempfile::tempdir().unwrap();
    // an image: hashed, and its stored walk replayed
    let image = fixture("rootfs.tar.gz");
    let (cold, analysed) = read_counting(dir.path(), &image);
    assert!(analysed >= 5, "{analysed}");
    let (warm, again) = read_counting(dir.path(), &image);
    assert_eq!((warm, again), (cold, 0));
    // a directory: each file of at least MIN_CACHED_BYTES looked up by content
    let tree = tree(dir.path());
    std::fs::write(tree.join("small"), b"under the size worth a lookup").unwrap();
    let (cold, analysed) = read_counting(dir.path(), tree.to_str().unwrap());
    assert_eq!(analysed, 3);
    let (warm, again) = read_counting(dir.path(), tree.to_str().unwrap());
    assert_eq!((warm, again), (cold, 1), "only the small file is analysed again");
}

/// A cache that cannot be used: one warning line naming it, and the report as without it.
fn one_warning_and_the_same_report(cache_dir: &Path, expect: &str) {
    let target = fixture("rootfs.tar.gz");
    let (_, uncached, _) = audit(&["--no-cache", &target]);
    let (_, report, stderr) = audit(&["--cache-dir", cache_dir.to_str().unwrap(), &target]);
    assert_eq!(report, uncached);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("cache")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("warning: cache: "), "{stderr}");
    assert!(lines[0].contains(expect), "{stderr}");
}

#[test]
fn a_broken_cache_is_one_warning_and_a_fresh_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = |d: &Path| d.join("results-v1.sqlite3");

    // garbage in place of the file: started afresh, and used from then on
    let garbage = dir.path().join("garbage");
    std::fs::create_dir(&garbage).unwrap();
    std::fs::write(file(&garbage), vec![0x5a; 8192]).unwrap();
    one_warning_and_the_same_report(&garbage, "started afresh");
    same_cold_warm_and_uncached(&garbage, &fixture("rootfs.tar.gz"), &[]);
    assert_eq!(Cache::info(&garbage).unwrap().walks.entries, 1);

    // a database of another schema
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let conn = rusqlite::Connection::open(file(&other)).unwrap();
    conn.execute_batch("CREATE TABLE entries (key TEXT); PRAGMA user_version = 99;")
        .unwrap();
    drop(conn);
    one_warning_and_the_same_report(&other, "schema 99); started afresh");
    same_cold_warm_and_uncached(&other, &fixture("rootfs.tar.gz"), &[]);

    // a folder that cannot be created (a file is in the way)
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, b"a file").unwrap();
    one_warning_and_the_same_report(&blocked.join("cache"), "running without the cache");

    // a file that cannot be opened (a folder in its place)
    let unopenable = dir.path().join("unopenable");
    std::fs::create_dir_all(file(&unopenable)).unwrap();
    one_warning_and_the_same_report(&unopenable, "running without the cache");

    // an entry that does not read back: computed again, and stored right
    let rows = dir.path().join("rows");
    same_cold_warm_and_uncached(&rows, &fixture("rootfs.tar.gz"), &[]);
    let conn = rusqlite::Connection::open(file(&rows)).unwrap();
    let broken = conn.execute("UPDATE entries SET value = x'28b52ffd00' WHERE level = 2", []);
    assert_eq!(broken.unwrap(), 1);
    drop(conn);
    one_warning_and_the_same_report(&rows, "does not read back");
    same_cold_warm_and_uncached(&rows, &fixture("rootfs.tar.gz"), &[]);
}

#[test]
fn two_runs_at_once_share_one_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().display().to_string();
    let targets = [
        fixture("router-flash.bin"),
        fixture("rootfs.xz.squashfs"),
        fixture("rootfs.tar.gz"),
    ];
    let mut uncached = vec!["--no-cache"];
    uncached.extend(targets.iter().map(String::as_str));
    let (_, expected, _) = audit(&uncached);
    for _ in 0..2 {
        let children: Vec<_> = (0..2)
            .map(|_| {
                std::process::Command::new(assert_cmd::cargo::cargo_bin("vendorscan"))
                    .args(["audit", "--format", "json", "--allow-incomplete", "--cache-dir", &cache])
                    .args(&targets)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("cache"), "{stderr}");
            assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
        }
    }
    assert_eq!(Cache::info(dir.path()).unwrap().walks.entries, 3);
}

/// A walk of `n` files with distinct names, as a layer's would be.
fn synthetic(root: &str, n: usize, seed: u64) -> Walked {
    let files = (0..n)
        .map(|i| FileEntry {
            path: format!("{root}!/usr/lib/lib{seed}-{i}.so"),
            size: 4096 + i as u64,
            sha256: Some(format!("{:064x}", seed.wrapping_mul(1_000_003) + i as u64)),
            kind: "elf".into(),
            link: None,
            facts: None,
            layer: None,
        })
        .collect();
    Walked {
        files,
        ..Walked::default()
    }
}

#[test]
fn the_size_bound_evicts_the_least_recently_used() {
    let dir = tempfile::tempdir().unwrap();
    let analyser = ();
    let (limits, scope) = (firmware::Limits::default(), firmware::Scope::default());
    let key = |cache: &Cache, digest: &str| cache.walk_key(digest, "layer", &analyser, &limits, &scope);
    let roomy = Cache::new(dir.path(), 1 << 30);
    for (i, digest) in ["a", "b"].iter().enumerate() {
        roomy.put_walked(&key(&roomy, digest), &synthetic("layer", 200, i as u64));
    }
    roomy.finish();
    let two = Cache::info(dir.path()).unwrap().walks;
    assert_eq!(two.entries, 2);
    std::thread::sleep(std::time::Duration::from_millis(20));
    // `a` used again, later than `b`
    let reader = Cache::new(dir.path(), 1 << 30);
    let a = reader.get_walked(&key(&reader, "a")).unwrap();
    assert_eq!(a.files, synthetic("layer", 200, 0).files);
    reader.finish();
    std::thread::sleep(std::time::Duration::from_millis(20));
    // room for about two and a half: `c` comes in, the least recently used (`b`) goes
    let tight = Cache::new(dir.path(), two.bytes * 5 / 4);
    tight.put_walked(&key(&tight, "c"), &synthetic("layer", 200, 2));
    tight.finish();
    let after = Cache::new(dir.path(), 1 << 30);
    assert!(after.get_walked(&key(&after, "a")).is_some());
    assert!(after.get_walked(&key(&after, "b")).is_none());
    assert!(after.get_walked(&key(&after, "c")).is_some());
    let info = Cache::info(dir.path()).unwrap();
    assert!(info.walks.bytes <= two.bytes * 5 / 4, "{info:?}");
}

#[test]
fn cache_info_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().display().to_string();
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("vendorscan").unwrap().args(args).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    audit(&["--cache-dir", &cache, &fixture("rootfs.tar.gz")]);
    let info = run(&["cache", "info", "--cache-dir", &cache]);
    let path = dir.path().join("results-v1.sqlite3");
    assert!(
        info.starts_with(&format!("location: {}\nsize: ", path.display())),
        "{info}"
    );
    assert!(info.contains("walks"), "{info}");
    assert!(info.lines().nth(2).unwrap().starts_with("entries: "), "{info}");
    assert_eq!(
        run(&["cache", "clear", "--cache-dir", &cache]),
        format!("removed {}\n", path.display())
    );
    assert!(!path.exists());
    assert_eq!(
        run(&["cache", "clear", "--cache-dir", &cache]),
        format!("no cache in {cache}\n")
    );
    let empty = run(&["cache", "info", "--cache-dir", &cache]);
    assert!(
        empty.ends_with("entries: 0 (0 file facts, 0 bytes; 0 walks, 0 bytes)\n"),
        "{empty}"
    );
}
