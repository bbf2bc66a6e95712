//! The baseline store on the PR's path: a 50-run history of 20,000 metrics (the scale of
//! issue 17), saved into a file store and read back for a comparison — the part of a PR check
//! that reads history.

use std::hint::black_box;

use budgetgate::baseline::{self, layout, select, FileStore, Store};
use budgetgate::model::{Direction, Metric, Run, RunContext, Stat};
use criterion::{criterion_group, criterion_main, Criterion};

const METRICS: usize = 20_000;
const RUNS: usize = 50;

/// A hyperfine-like run: value, mean, median, min, max, stddev and n per metric.
fn run(i: usize) -> Run {
    let metrics = (0..METRICS)
        .map(|m| {
            let base = 1e6 + (m % 997) as f64 * 1e3 + i as f64;
            let mut metric = Metric::new(format!("api/group{}/bench{m}", m % 50), "ns", Direction::LowerIsBetter)
                .with_stat(Stat::Value, base)
                .with_stat(Stat::Mean, base)
                .with_stat(Stat::Median, base * 0.99)
                .with_stat(Stat::Min, base * 0.95)
                .with_stat(Stat::Max, base * 1.1)
                .with_stat(Stat::Stddev, base * 0.01);
            metric.n = Some(20);
            metric
        })
        .collect();
    Run {
        context: RunContext {
            commit: Some(format!("{i:040x}")),
            branch: Some("main".into()),
            time: Some(format!("2026-11-{:02}T{:02}:00:00Z", 1 + i / 24, i % 24)),
            runner: None,
        },
        metrics,
    }
}

fn store(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baseline.bin");
    let file_store = FileStore::new(&path);
    for i in 0..RUNS {
        baseline::save(&file_store, "main", &run(i), None, RUNS).unwrap();
    }
    let bytes = std::fs::metadata(&path).unwrap().len();
    println!(
        "store: {RUNS} runs of {METRICS} metrics = {bytes} bytes, {:.1} bytes per metric per run",
        bytes as f64 / (RUNS * METRICS) as f64
    );
    let target = select::Target { branch: Some("main".into()), ..Default::default() };
    c.bench_function("store/compare: read a 50-run history of 20k metrics", |b| {
        b.iter(|| {
            let files = file_store.read().unwrap().unwrap();
            let comparison = select::choose(files.as_ref(), &target, "bench", &mut Vec::new()).unwrap().unwrap();
            black_box(comparison.history.len())
        })
    });
    let next = run(RUNS);
    c.bench_function("store/save: one run of 20k metrics into a 50-run history", |b| {
        b.iter(|| baseline::save(&file_store, "main", black_box(&next), None, RUNS).unwrap())
    });
    let stored = baseline::StoredRun::from_run(&next, None);
    c.bench_function("store/encode one run of 20k metrics", |b| b.iter(|| layout::encode_values(black_box(&stored))));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = store
}
criterion_main!(benches);
