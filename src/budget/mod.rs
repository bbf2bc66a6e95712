//! The budgets file: its YAML model, validation into a typed config, and evaluation of a run
//! against it (and against a baseline) into verdict rows.

pub mod evaluate;
mod file;

pub use evaluate::{check_fit, default_stat, evaluate, Evaluation, Trends};
pub use file::{load, parse, Budget, Budgets, Defaults, Severity};
