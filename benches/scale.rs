//! Each stage of `check` at 1,000, 20,000 and 200,000 metrics (issue 19): reading the result
//! file, loading the base branch's history (50 runs; 10 at 200,000, where 50 would be ten
//! million stored metrics), evaluating, and rendering the JSON report and the comment. The
//! per-metric cost should stay flat from one size to the next: growth is linear or it is a bug.

use std::hint::black_box;

use budgetgate::baseline::{self, select, FileStore, Store};
use budgetgate::budget;
use budgetgate::ingest::{self, ResultSpec};
use budgetgate::model::{Run, RunContext};
use budgetgate::report::render::Renderer;
use budgetgate::report::{Compared, FailOn, Report};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const SIZES: [(usize, usize); 3] = [(1_000, 50), (20_000, 50), (200_000, 10)];

/// github-action-benchmark's custom JSON with `n` benchmarks, run `run` of a noisy series.
fn custom_json(n: usize, run: usize) -> String {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ run as u64;
    let entries: Vec<String> = (0..n)
        .map(|i| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let noise = ((seed >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.04;
            let value = (1000.0 + (i % 977) as f64) * (1.0 + noise);
            format!(r#"{{"name":"group{:02}/bench_{i:06}","unit":"ns","value":{value:.3}}}"#, i % 50)
        })
        .collect();
    format!("[{}]", entries.join(","))
}

fn scale(c: &mut Criterion) {
    let budgets =
        budget::parse(std::path::Path::new("budgets.yaml"), "version: 1\ndefaults:\n  regression: 10%\n").unwrap();
    let renderer = Renderer::new(None).unwrap();
    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    for (n, runs) in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let read = |run: usize| {
            let path = dir.path().join(format!("run{run}.json"));
            std::fs::write(&path, custom_json(n, run)).unwrap();
            let spec = ResultSpec::from_cli(&format!("customSmallerIsBetter:{}", path.display()), None).unwrap();
            (path, spec)
        };
        let store = FileStore::new(dir.path().join("store.bin"));
        for run in 0..runs {
            let (_, spec) = read(run);
            let metrics = ingest::ingest(std::slice::from_ref(&spec)).unwrap();
            let context = RunContext { commit: Some(format!("{run:040x}")), ..Default::default() };
            baseline::save(&store, "main", &Run { context, metrics }, None, runs).unwrap();
        }
        let (_, current) = read(runs);
        let target = select::Target { branch: Some("main".into()), ..Default::default() };
        let load = || {
            let files = store.read().unwrap().unwrap();
            select::choose(files.as_ref(), &target, "bench", &mut Vec::new()).unwrap().unwrap()
        };
        group.throughput(Throughput::Elements(n as u64));
        let label = format!("{n} metrics, {runs} runs");
        group.bench_function(BenchmarkId::new("ingest", &label), |b| {
            b.iter(|| ingest::ingest(black_box(std::slice::from_ref(&current))).unwrap())
        });
        group.bench_function(BenchmarkId::new("load history", &label), |b| b.iter(|| black_box(load().history.len())));
        let metrics = ingest::ingest(std::slice::from_ref(&current)).unwrap();
        let comparison = load();
        group.bench_function(BenchmarkId::new("evaluate", &label), |b| {
            b.iter(|| {
                budget::evaluate(black_box(&budgets), black_box(&metrics), Some(&comparison), budget::Trends::Notable)
            })
        });
        let evaluation = budget::evaluate(&budgets, &metrics, Some(&comparison), budget::Trends::Notable);
        let compared = Compared { current: RunContext::default(), baseline: None };
        let report = Report::new(evaluation, vec![], "budgets.yaml".into(), FailOn::Error, compared, vec![]);
        group.bench_function(BenchmarkId::new("JSON report", &label), |b| {
            b.iter(|| {
                let mut out = std::io::sink();
                black_box(&report).write_json(&mut out).unwrap()
            })
        });
        let report = std::sync::Arc::new(report);
        group.bench_function(BenchmarkId::new("comment", &label), |b| {
            b.iter(|| renderer.comment(black_box(&report)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, scale);
criterion_main!(benches);
