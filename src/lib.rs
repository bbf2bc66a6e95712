//! budgetgate: a performance regression gate for CI.
//!
//! The pipeline flows one way — ingest → evaluate (against budgets and a baseline) → report —
//! and each stage is a module with plain data at its boundary. Only `check`/`main` decide exit
//! codes; no module here touches the network.

pub mod action;
pub mod baseline;
pub mod budget;
pub mod bundle;
pub mod check;
pub mod cli;
pub mod error;
pub mod escape;
pub mod fs;
pub mod git;
pub mod github;
pub mod globs;
pub mod ingest;
pub mod init;
pub mod limits;
pub mod model;
pub mod noise;
pub mod order;
pub mod outcome;
pub mod parallel;
pub mod plan;
pub mod report;
pub mod stats;
pub mod stdout;
pub mod store_commands;
pub mod units;

/// Version and the commit it was built from, as `--version` prints it.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("BUDGETGATE_COMMIT"), ")");
