//! Any text as a budgets file: parsing, validation, and fitting its budgets to a few metrics.
#![no_main]
use std::path::Path;

use budgetgate::model::{Direction, Metric, Stat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(budgets) = budgetgate::budget::parse(Path::new("budgets.yaml"), text) else { return };
    let metrics = vec![
        Metric::new("fib/10", "ns", Direction::LowerIsBetter).with_stat(Stat::Value, 10.0).with_stat(Stat::P95, 12.0),
        Metric::new("bundle/web", "B", Direction::LowerIsBetter).with_stat(Stat::Gzip, 1000.0),
        Metric::new("api/rps", "ops/s", Direction::HigherIsBetter).with_stat(Stat::Value, 5000.0),
    ];
    if budgetgate::budget::check_fit(&budgets, &metrics).is_ok() {
        let _ = budgetgate::budget::evaluate(&budgets, &metrics, None, budgetgate::budget::Trends::Notable);
    }
});
