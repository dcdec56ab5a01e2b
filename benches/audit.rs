//! Rule-engine speed: `audit` of the generated 100,000-component CycloneDX 1.6 (one supplier in
//! fifty is Huawei, every component depends on two others) with every bundled pack, against
//! ingestion alone in the same run. Target (issue 3): audit ≤ 0.5 s over ingestion.

#[path = "support/cdx_gen.rs"]
mod cdx_gen;

use criterion::Criterion;
use std::hint::black_box;
use std::time::Duration;
use vendorscan::model::Inventory;
use vendorscan::rules::{self, AuditOptions, Date, Index};
use vendorscan::sbom::{self, Limits};

fn ingest(bytes: &[u8]) -> Inventory {
    let mut inv = Inventory::default();
    inv.add(sbom::read_bytes("bench.cdx.json", bytes.to_vec(), &Limits::default()).unwrap());
    inv
}

fn main() {
    let bytes = cdx_gen::cyclonedx_json(100_000);
    let rules = rules::load(&[]).unwrap();
    let opts = AuditOptions {
        policies: Vec::new(),
        waivers: Vec::new(),
        waivers_file: String::new(),
        today: Date::parse("2026-11-28").unwrap(),
    };
    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("audit-cyclonedx-100k");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("ingest only", |b| b.iter(|| black_box(ingest(black_box(&bytes)))));
    g.bench_function("ingest + audit (all bundled packs)", |b| {
        b.iter(|| {
            let inv = ingest(black_box(&bytes));
            let index = Index::new(&rules);
            black_box(rules::audit(&inv, &rules, &index, &opts).findings.len())
        })
    });
    let inv = ingest(&bytes);
    g.bench_function("audit alone (inventory in memory)", |b| {
        b.iter(|| {
            let index = Index::new(&rules);
            black_box(rules::audit(black_box(&inv), &rules, &index, &opts).findings.len())
        })
    });
    g.finish();
    c.final_summary();
}
