//! SBOM ingestion speed and memory: `inventory` of a generated CycloneDX 1.6 JSON with 100,000
//! components, against plain `serde_json::from_slice::<Value>` of the same bytes in the same run.
//! Targets (issue 2): ≤ 1.0 s, peak RSS ≤ 3× the file size. Figures go in BENCHMARKS.md.

#[path = "support/cdx_gen.rs"]
mod cdx_gen;

use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use vendorscan::model::Inventory;
use vendorscan::sbom::{self, Limits};

const COMPONENTS: usize = 100_000;

fn bench(c: &mut Criterion, bytes: &[u8]) {
    let mut g = c.benchmark_group("cyclonedx-1.6-json-100k");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("serde_json::Value (baseline)", |b| {
        b.iter(|| black_box(serde_json::from_slice::<serde_json::Value>(black_box(bytes)).unwrap()))
    });
    g.bench_function("vendorscan inventory", |b| {
        b.iter(|| {
            let part = sbom::read_bytes("bench.cdx.json", black_box(bytes.to_vec()), &Limits::default()).unwrap();
            let mut inv = Inventory::default();
            inv.add(part);
            black_box(inv)
        })
    });
    g.finish();
}

/// Peak RSS of the release binary running `inventory --format json` on the file, read with
/// getrusage(RUSAGE_CHILDREN) after it exits. The child is spawned before the benchmark holds
/// any large buffer: until it execs, a spawned child shares (and is charged for) the parent's
/// memory, so spawning from a big parent would inflate the figure.
fn peak_rss(path: &std::path::Path, file_len: usize) {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_vendorscan"))
        .args(["inventory", "--quiet", "--format", "json", "--output", "/dev/null"])
        .arg(path)
        .status()
        .expect("run vendorscan");
    assert!(status.success());
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let rss = usage.ru_maxrss as f64 * 1024.0; // kilobytes on Linux
    println!(
        "peak RSS of `vendorscan inventory --format json`: {:.1} MiB for a {:.1} MiB file = {:.2}x the file size (target <= 3x)",
        rss / 1048576.0,
        file_len as f64 / 1048576.0,
        rss / file_len as f64
    );
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cdx-100k.json");
    let len = {
        let bytes = cdx_gen::cyclonedx_json(COMPONENTS);
        std::fs::write(&path, &bytes).unwrap();
        bytes.len()
    };
    println!("generated {COMPONENTS} components, {len} bytes");
    peak_rss(&path, len);
    let bytes = std::fs::read(&path).unwrap();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &bytes);
    c.final_summary();
}
