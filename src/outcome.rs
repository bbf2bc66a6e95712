//! What a run comes to, shared by every stage: exit codes, which severities fail the job, the
//! overall verdict, and when to comment. A leaf: it imports nothing of ours, so `report`,
//! `github` and `cli` can all use it without importing each other.

use serde::Serialize;

/// Exit code: no violation at the failing severity.
pub const EXIT_PASS: i32 = 0;
/// Exit code: at least one violation at the failing severity.
pub const EXIT_VIOLATION: i32 = 1;
/// Exit code: usage, configuration or input error; the gate could not decide.
pub const EXIT_ERROR: i32 = 2;

/// Which severities fail the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    /// `warn` is accepted too: the verdict prints `warn`, so users type it (issue 14.23).
    #[value(alias = "warn")]
    Warning,
    Never,
}

/// Overall outcome: the worst severity broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }

    /// The exit code this verdict gives under `fail_on`.
    pub fn exit_code(self, fail_on: FailOn) -> i32 {
        match (fail_on, self) {
            (FailOn::Never, _) | (_, Verdict::Pass) | (FailOn::Error, Verdict::Warn) => EXIT_PASS,
            _ => EXIT_VIOLATION,
        }
    }
}

/// When to comment on the PR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CommentMode {
    /// Every run.
    Always,
    /// When something deserves a reviewer's eye: a violation, a warning, a notable change
    /// (improved, new, over a limit within noise), or a bundle file that changed.
    Changes,
    /// Only for violations and warnings.
    Violations,
    Never,
}
