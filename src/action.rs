//! `budgetgate action`: the entry point of the Docker action. The runner passes every input as
//! an `INPUT_<NAME>` variable (upper-cased, hyphens kept) — the token among them, so it never
//! appears in `args` or a process listing. Inputs become `check` flags and go through the same
//! parser, so an input is checked exactly like the flag it stands for.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// `(input, flag)` pairs passed through as one value each.
const VALUE_INPUTS: [(&str, &str); 16] = [
    ("budgets", "--budgets"),
    ("format", "--format"),
    ("baseline", "--baseline"),
    ("baseline-branch", "--baseline-branch"),
    ("save-baseline", "--save-baseline"),
    ("comment", "--comment"),
    ("fail-on", "--fail-on"),
    ("template", "--template"),
    ("gate-id", "--gate-id"),
    ("status-context", "--status-context"),
    ("report-md", "--report-md"),
    ("report-csv", "--report-csv"),
    ("report-html", "--report-html"),
    ("dashboard-url", "--dashboard-url"),
    ("github-timeout", "--github-timeout"),
    ("event-path", "--event-path"),
];

/// `(input, flag)` pairs holding one value per line.
const LIST_INPUTS: [(&str, &str); 2] = [("results", "--results"), ("bundles", "--bundle")];

/// `true`/`false` inputs.
const BOOLEAN_INPUTS: [&str; 4] = ["status", "check-run", "dry-run", "publish-dashboard"];

/// Every input this entry point reads; `action.yml` must declare exactly these (a test checks).
pub fn input_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = VALUE_INPUTS.iter().chain(&LIST_INPUTS).map(|(name, _)| *name).collect();
    names.extend(BOOLEAN_INPUTS);
    names.extend(["report-json", "working-directory", "github-token"]);
    names.sort_unstable();
    names
}

/// The `check` command line the inputs stand for, and the directory to run in.
pub fn check_argv(var: impl Fn(&str) -> Option<String>) -> Result<(Vec<String>, Option<PathBuf>)> {
    let input = |name: &str| {
        var(&format!("INPUT_{}", name.to_uppercase())).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    };
    let mut argv = vec!["budgetgate".to_string(), "check".to_string()];
    for (name, flag) in VALUE_INPUTS {
        if let Some(value) = input(name) {
            argv.extend([flag.to_string(), value]);
        }
    }
    for (name, flag) in LIST_INPUTS {
        for line in input(name).iter().flat_map(|v| {
            v.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect::<Vec<_>>()
        }) {
            argv.extend([flag.to_string(), line]);
        }
    }
    let boolean = |name: &str| -> Result<Option<bool>> {
        match input(name).as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => {
                Err(Error::Usage(format!("action input `{name}` must be `true` or `false`, found `{other}`")))
            }
        }
    };
    if boolean("status")? == Some(false) {
        argv.push("--no-status".into());
    }
    if boolean("check-run")? == Some(true) {
        argv.push("--check-run".into());
    }
    if boolean("dry-run")? == Some(true) {
        argv.push("--dry-run".into());
    }
    // The report-json output names a file other steps can read: always write one.
    // In the working directory by default: RUNNER_TEMP inside the container is a path the
    // runner's later steps cannot open, the workspace is shared.
    let report_json = input("report-json").unwrap_or_else(|| "budgetgate-report.json".into());
    argv.extend(["--report-json".to_string(), report_json]);
    let workdir = input("working-directory").map(|dir| match var("GITHUB_WORKSPACE").filter(|w| !w.is_empty()) {
        Some(ws) if !dir.starts_with('/') => PathBuf::from(ws).join(dir),
        _ => PathBuf::from(dir),
    });
    Ok((argv, workdir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn argv(vars: &[(&str, &str)]) -> Result<(Vec<String>, Option<PathBuf>)> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        check_argv(|k| map.get(k).cloned())
    }

    #[test]
    fn inputs_become_flags() {
        let (argv, dir) = argv(&[
            ("INPUT_BUDGETS", ".github/budgets.yaml"),
            ("INPUT_RESULTS", "target/criterion/**/new/estimates.json\n\nhyperfine:bench.json\n"),
            ("INPUT_BUNDLES", "web=dist/**/*.js"),
            ("INPUT_FAIL-ON", "warning"),
            ("INPUT_STATUS", "false"),
            ("INPUT_CHECK-RUN", "true"),
            ("INPUT_GITHUB-TOKEN", "secret"),
            ("INPUT_WORKING-DIRECTORY", "web"),
            ("GITHUB_WORKSPACE", "/github/workspace"),
            ("RUNNER_TEMP", "/home/runner/work/_temp"),
        ])
        .unwrap();
        let line = argv.join(" ");
        assert_eq!(
            line,
            "budgetgate check --budgets .github/budgets.yaml --fail-on warning --results target/criterion/**/new/estimates.json \
             --results hyperfine:bench.json --bundle web=dist/**/*.js --no-status --check-run \
             --report-json budgetgate-report.json"
        );
        assert!(!line.contains("secret"), "the token never becomes an argument");
        assert_eq!(dir, Some(PathBuf::from("/github/workspace/web")));
    }

    #[test]
    fn empty_inputs_mean_defaults_and_bad_booleans_are_errors() {
        let (argv, dir) = argv(&[("INPUT_BUDGETS", ""), ("INPUT_STATUS", "")]).unwrap();
        assert_eq!(argv, ["budgetgate", "check", "--report-json", "budgetgate-report.json"]);
        assert_eq!(dir, None);
        assert!(argv_err("yes").contains("`status` must be `true` or `false`, found `yes`"));
    }

    fn argv_err(value: &str) -> String {
        argv(&[("INPUT_STATUS", value)]).unwrap_err().to_string()
    }
}
