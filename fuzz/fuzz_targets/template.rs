//! Any text as a user's comment template (`--template`), rendered against a fixed report:
//! strict undefined behaviour, fuel and the output limit must stop it, never a panic or a hang.
#![no_main]
use std::path::Path;
use std::sync::{Arc, OnceLock};

use budgetgate::model::{Direction, Metric, RunContext, Stat};
use budgetgate::report::render::Renderer;
use budgetgate::report::{Compared, FailOn, Report};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fn report() -> &'static Arc<Report> {
    static REPORT: OnceLock<Arc<Report>> = OnceLock::new();
    REPORT.get_or_init(|| {
        let budgets = budgetgate::budget::parse(
            Path::new("budgets.yaml"),
            "version: 1\nbudgets:\n  - metric: \"fib/*\"\n    max: 5ns\n",
        )
        .unwrap();
        let metrics = vec![
            Metric::new("fib/10", "ns", Direction::LowerIsBetter).with_stat(Stat::Value, 10.0),
            Metric::new("<b>x</b> @me", "ms", Direction::LowerIsBetter).with_stat(Stat::Value, 1.0),
        ];
        let evaluation = budgetgate::budget::evaluate(&budgets, &metrics, None, budgetgate::budget::Trends::Notable);
        let compared = Compared { current: RunContext::default(), baseline: None };
        Arc::new(Report::new(evaluation, vec![], "budgets.yaml".into(), FailOn::Error, compared, vec![]))
    })
}

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("template.md.j2", data);
    if let Ok(renderer) = Renderer::new(Some(&path)) {
        let _ = renderer.comment(report());
    }
});
