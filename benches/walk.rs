//! Walker speed and memory on the real Debian rootfs from ../shared/scripts/make-rootfs.sh (set
//! `VENDORSCAN_ROOTFS` to its output folder; without it this bench only says so). Each figure
//! has its baseline measured in the same run (issue 4):
//! - directory walk with hashing vs plain multi-threaded SHA-256 of the same files (≥ 0.6×);
//! - SquashFS walk vs backhand extracting every file; cpio.gz and tar.gz walks vs flate2
//!   decoding alone (each within 1.3×);
//! - peak RSS of `vendorscan inventory` on a generated 4 GiB tar (≤ 512 MB), measured first,
//!   each run in a child process of its own (`wait4` gives that child's peak).
//!
//! Beside them, for the figures' explanation: the walks with nested containers left closed (the
//! same work as the baselines plus hashing), and the decompression of what the rootfs nests
//! (its .deb members and gzip files) on one thread.
//!
//! Baselines use the same builds of sha2 (runtime-detected SHA-NI) and flate2 (zlib-rs backend)
//! as the walker. `VENDORSCAN_BENCH_RSS=0` skips the 4 GiB image (it takes a minute to write).

#[path = "support/rootfs.rs"]
mod rootfs;

use criterion::{Criterion, Throughput};
use rayon::prelude::*;
use std::hint::black_box;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};
use vendorscan::firmware::{self, Limits};

/// Peak RSS (bytes) and wall time of `vendorscan inventory --format json` on `target`, in a
/// child of its own: `wait4` reports that child's peak, not the largest of all children.
#[allow(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also gives its usage"
)]
fn peak_rss(target: &Path) -> (u64, Duration) {
    let started = Instant::now();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_vendorscan"))
        .args(["inventory", "--quiet", "--format", "json", "--output", "/dev/null"])
        .arg(target)
        .spawn()
        .expect("run vendorscan");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; both out-parameters are owned here.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{}",
        target.display()
    );
    (usage.ru_maxrss as u64 * 1024, started.elapsed()) // kilobytes on Linux
}

/// xorshift64: incompressible filler for the large members, fast to make.
fn noise(buf: &mut [u8], seed: &mut u64) {
    for chunk in buf.chunks_mut(8) {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        chunk.copy_from_slice(&seed.to_le_bytes()[..chunk.len()]);
    }
}

/// A tar of at least 4 GiB: copies of the rootfs's regular files and symbolic links (each copy
/// under `copyN/`) making up half, and 256 MiB members of incompressible data the other half.
fn four_gib_tar(rootfs: &Path, out: &Path) -> u64 {
    const TARGET: u64 = 4 << 30;
    const LARGE: usize = 256 << 20;
    let mut builder = tar::Builder::new(std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(out).unwrap(),
    ));
    let entries: Vec<walkdir::DirEntry> = walkdir::WalkDir::new(rootfs)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    let mut written = 0u64;
    let mut copy = 0;
    while written < TARGET / 2 {
        for e in &entries {
            let Ok(relative) = e.path().strip_prefix(rootfs) else {
                continue;
            };
            let name = Path::new(&format!("copy{copy}")).join(relative);
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o644);
            if e.file_type().is_file() {
                let data = std::fs::read(e.path()).unwrap();
                header.set_size(data.len() as u64);
                header.set_entry_type(tar::EntryType::Regular);
                builder.append_data(&mut header, &name, &data[..]).unwrap();
                written += data.len() as u64 + 512;
            } else if e.file_type().is_symlink() {
                header.set_size(0);
                header.set_entry_type(tar::EntryType::Symlink);
                builder
                    .append_link(&mut header, &name, std::fs::read_link(e.path()).unwrap())
                    .unwrap();
            }
        }
        copy += 1;
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut large = vec![0u8; LARGE];
    let mut n = 0;
    while written < TARGET {
        noise(&mut large, &mut seed);
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        header.set_size(LARGE as u64);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, format!("large/blob{n}.bin"), &large[..])
            .unwrap();
        written += LARGE as u64 + 512;
        n += 1;
    }
    builder.into_inner().unwrap().flush().unwrap();
    std::fs::metadata(out).unwrap().len()
}

fn memory(dir: &Path) {
    let mib = |b: u64| b as f64 / 1048576.0;
    for image in [
        "rootfs",
        "rootfs.squashfs",
        "rootfs.cpio.gz",
        "rootfs.tar.gz",
        "rootfs.ext4",
    ] {
        let (rss, took) = peak_rss(&dir.join(image));
        println!(
            "peak RSS of `vendorscan inventory` on {image}: {:.1} MiB ({took:.2?})",
            mib(rss)
        );
    }
    if std::env::var("VENDORSCAN_BENCH_RSS").as_deref() == Ok("0") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let tar = tmp.path().join("walk-4g.tar");
    let started = Instant::now();
    let len = four_gib_tar(&dir.join("rootfs"), &tar);
    println!(
        "generated {} ({:.2} GiB) in {:.1?}",
        tar.display(),
        len as f64 / f64::from(1u32 << 30),
        started.elapsed()
    );
    let (rss, took) = peak_rss(&tar);
    println!(
        "peak RSS of `vendorscan inventory` on the 4 GiB tar: {:.1} MiB ({took:.2?}; target <= 512 MB = 488.3 MiB)",
        mib(rss)
    );
}

fn main() {
    let Some(dir) = rootfs::dir() else { return };
    memory(&dir);
    let limits = Limits::default();
    let rootfs = dir.join("rootfs");
    let (files, total) = rootfs::files_under(&rootfs);
    let mut c = Criterion::default().configure_from_args();

    let mut g = c.benchmark_group("rootfs-directory");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Bytes(total));
    g.bench_function("sha256 of every file, rayon (baseline)", |b| {
        b.iter(|| rootfs::sha256_all(&files))
    });
    g.bench_function("vendorscan walk", |b| {
        b.iter(|| black_box(firmware::walk(&rootfs, &limits, &(), &()).unwrap()))
    });
    let flat = Limits {
        max_depth: 0,
        ..Limits::default()
    };
    g.bench_function("vendorscan walk, nothing opened (max_depth 0)", |b| {
        b.iter(|| black_box(firmware::walk(&rootfs, &flat, &(), &()).unwrap()))
    });
    g.finish();

    // What the walk decompresses beyond the baseline's reading and hashing: the members of the
    // apt cache's .deb files (xz) and the tree's gzip files, decoded on one thread.
    let debs: Vec<Vec<u8>> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "deb"))
        .map(|f| std::fs::read(f).unwrap())
        .collect();
    let gzips: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).unwrap())
        .filter(|b| b.starts_with(b"\x1f\x8b"))
        .collect();
    let mut g = c.benchmark_group("rootfs-nested-decompression");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function(
        format!(
            "liblzma: decode the xz members of the {} .deb files, one thread",
            debs.len()
        ),
        |b| {
            b.iter(|| {
                let mut n = 0u64;
                for deb in &debs {
                    let mut archive = ar::Archive::new(&deb[..]);
                    while let Some(Ok(member)) = archive.next_entry() {
                        if member.header().identifier().ends_with(b".xz") {
                            let mut decoder = liblzma::read::XzDecoder::new_multi_decoder(member);
                            n += std::io::copy(&mut decoder, &mut std::io::sink()).unwrap();
                        }
                    }
                }
                black_box(n)
            })
        },
    );
    g.bench_function(
        format!("flate2: decode the {} gzip files, one thread", gzips.len()),
        |b| {
            b.iter(|| {
                let mut n = 0u64;
                for gz in &gzips {
                    let mut decoder = flate2::read::MultiGzDecoder::new(&gz[..]);
                    n += std::io::copy(&mut decoder, &mut std::io::sink()).unwrap_or(0);
                }
                black_box(n)
            })
        },
    );
    g.finish();
    drop((debs, gzips));

    let squashfs = std::fs::read(dir.join("rootfs.squashfs")).unwrap();
    let mut g = c.benchmark_group("rootfs-squashfs");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("backhand: read every file (baseline)", |b| {
        b.iter(|| {
            let fs = backhand::FilesystemReader::from_reader(std::io::Cursor::new(&squashfs[..])).unwrap();
            for node in fs.files() {
                if let backhand::InnerNode::File(f) = &node.inner {
                    let mut out = Vec::new();
                    fs.file(f).reader().read_to_end(&mut out).unwrap();
                    black_box(out);
                }
            }
        })
    });
    g.bench_function("backhand: read every file, files in parallel (rayon)", |b| {
        b.iter(|| {
            let fs = backhand::FilesystemReader::from_reader(std::io::Cursor::new(&squashfs[..])).unwrap();
            let nodes: Vec<_> = fs.files().collect();
            nodes.par_iter().for_each(|node| {
                if let backhand::InnerNode::File(f) = &node.inner {
                    let mut out = Vec::new();
                    fs.file(f).reader().read_to_end(&mut out).unwrap();
                    black_box(out);
                }
            });
        })
    });
    let path = dir.join("rootfs.squashfs");
    g.bench_function("vendorscan walk", |b| {
        b.iter(|| black_box(firmware::walk(&path, &limits, &(), &()).unwrap()))
    });
    g.bench_function("vendorscan walk, members not opened (max_depth 1)", |b| {
        let one = Limits {
            max_depth: 1,
            ..Limits::default()
        };
        b.iter(|| black_box(firmware::walk(&path, &one, &(), &()).unwrap()))
    });
    g.finish();
    drop(squashfs);

    for image in ["rootfs.cpio.gz", "rootfs.tar.gz"] {
        let packed = std::fs::read(dir.join(image)).unwrap();
        let mut g = c.benchmark_group(format!(
            "rootfs-{}",
            image.replace('.', "-").trim_start_matches("rootfs-")
        ));
        g.sample_size(10).measurement_time(Duration::from_secs(20));
        g.bench_function("flate2: decode the whole stream (baseline)", |b| {
            b.iter(|| {
                let mut decoder = flate2::read::GzDecoder::new(&packed[..]);
                let mut buf = vec![0u8; 1 << 20];
                let mut n = 0usize;
                loop {
                    match decoder.read(&mut buf).unwrap() {
                        0 => break,
                        k => n += k,
                    }
                }
                black_box(n)
            })
        });
        let path = dir.join(image);
        g.bench_function("vendorscan walk", |b| {
            b.iter(|| black_box(firmware::walk(&path, &limits, &(), &()).unwrap()))
        });
        g.bench_function("vendorscan walk, members not opened (max_depth 2)", |b| {
            let two = Limits {
                max_depth: 2,
                ..Limits::default()
            };
            b.iter(|| black_box(firmware::walk(&path, &two, &(), &()).unwrap()))
        });
        g.finish();
    }
    c.final_summary();
}
