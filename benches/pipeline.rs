//! The hot paths of `check` on a large input: reading 10,000 benchmark results (with raw
//! samples, so percentiles are computed), evaluating them against budgets and a baseline with
//! history, and rendering the comment.

use std::hint::black_box;
use std::path::Path;

use budgetgate::baseline::Comparison;
use budgetgate::budget;
use budgetgate::ingest;
use budgetgate::model::{Run, RunContext};
use budgetgate::report::render::Renderer;
use budgetgate::report::{html, Compared, FailOn, Report};
use criterion::{criterion_group, criterion_main, Criterion};

const METRICS: usize = 10_000;
const SAMPLES: usize = 20;

/// A hyperfine export with `METRICS` commands of `SAMPLES` runs each, as hyperfine writes it.
fn hyperfine_export(scale: f64) -> String {
    let results: Vec<serde_json::Value> = (0..METRICS)
        .map(|i| {
            let base = 0.001 + (i % 97) as f64 * 1e-4;
            let times: Vec<f64> = (0..SAMPLES).map(|k| base * scale * (1.0 + (k as f64 - 10.0) * 1e-3)).collect();
            let mean = times.iter().sum::<f64>() / SAMPLES as f64;
            serde_json::json!({
                "command": format!("api/group{}/bench{}", i % 50, i),
                "mean": mean, "stddev": mean * 0.006, "median": mean, "user": 0.0, "system": 0.0,
                "min": times[0], "max": times[SAMPLES - 1], "times": times, "exit_codes": vec![0; SAMPLES],
            })
        })
        .collect();
    serde_json::to_string(&serde_json::json!({ "results": results })).unwrap()
}

const BUDGETS: &str = r#"
version: 1
defaults:
  regression: 10%
budgets:
  - metric: "api/group1/*"
    stat: p95
    max: 20ms
  - metric: "api/group{2,3,4}/*"
    stat: mean
    max: 15ms
    severity: warning
  - metric: "api/**"
    stat: p99
    regression: 25%
"#;

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let current_path = dir.path().join("current.json");
    std::fs::write(&current_path, hyperfine_export(1.05)).unwrap();
    let baseline_path = dir.path().join("baseline.json");
    std::fs::write(&baseline_path, hyperfine_export(1.0)).unwrap();

    let budgets = budget::parse(Path::new("budgets.yaml"), BUDGETS).unwrap();
    // Through `ingest`, as `check` reads them: sorted by name and measure, which the
    // evaluation's alignment of stored runs relies on being cheap.
    let read =
        |path: &Path| ingest::ingest(&[ingest::ResultSpec::from_cli(path.to_str().unwrap(), None).unwrap()]).unwrap();
    let baseline_metrics = read(&baseline_path);
    let history: Vec<Run> = (0..10)
        .map(|i| Run {
            context: RunContext { commit: Some(format!("c{i}")), ..Default::default() },
            metrics: baseline_metrics.clone(),
        })
        .collect();
    let comparison = Comparison::new("main", history, String::new(), String::new());

    c.bench_function("ingest 10k hyperfine results with samples", |b| b.iter(|| read(black_box(&current_path))));
    let metrics = read(&current_path);
    c.bench_function("evaluate 10k metrics, 3 budgets, baseline with 10 runs", |b| {
        b.iter(|| {
            budget::evaluate(black_box(&budgets), black_box(&metrics), Some(&comparison), budget::Trends::Notable)
        })
    });
    c.bench_function("parse + evaluate 10k metrics", |b| {
        b.iter(|| {
            let metrics = read(black_box(&current_path));
            budget::evaluate(&budgets, &metrics, Some(&comparison), budget::Trends::Notable)
        })
    });
    let evaluation = budget::evaluate(&budgets, &metrics, Some(&comparison), budget::Trends::Notable);
    let report = Report::new(
        evaluation,
        vec![],
        "budgets.yaml".into(),
        FailOn::Error,
        Compared { current: RunContext::default(), baseline: None },
        vec![],
    );
    let renderer = Renderer::new(None).unwrap();
    let report = std::sync::Arc::new(report);
    c.bench_function("render the comment for 10k rows", |b| b.iter(|| renderer.comment(black_box(&report)).unwrap()));

    // The HTML report's worst realistic case: 1,000 rows, each with 50 stored runs to draw.
    let mut html_report = (*report).clone();
    html_report.rows.truncate(1000);
    for (i, row) in html_report.rows.iter_mut().enumerate() {
        row.history = (0..50).map(|k| 100.0 + ((i * 7 + k * 13) % 17) as f64).collect();
        row.current = Some(110.0);
        row.limit = Some(115.0);
    }
    c.bench_function("render the HTML report for 1k rows with 50 runs each", |b| {
        b.iter(|| html::render(black_box(&html_report), &renderer).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = pipeline
}
criterion_main!(benches);
