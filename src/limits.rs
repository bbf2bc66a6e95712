//! Resource limits: what budgetgate refuses to read or make, so hostile or broken input ends in
//! one clear exit-2 error instead of exhausting the runner (a 212-byte budgets file once took
//! 4 GB, a deeply nested one 49 s). Each limit has a name, a default far above any real use, and
//! an environment variable that raises it for the user who really needs more; every message
//! that hits one says which limit and how to raise it.

use std::sync::OnceLock;

/// One limit: its name in messages, the variable that overrides it, and its default.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub variable: &'static str,
    pub default: u64,
    /// How the value reads in messages: "bytes", "levels", "metrics".
    pub unit: &'static str,
}

/// Largest result file, budgets file, template or event payload read (bytes). A 200 MB
/// hyperfine export is real; a gigabyte of results is not.
pub const FILE_SIZE: Limit =
    Limit { name: "max-file-size", variable: "BUDGETGATE_MAX_FILE_SIZE", default: 1 << 30, unit: "bytes" };

/// Deepest nesting of a JSON input (serde_json's own recursion bound, named here).
pub const JSON_DEPTH: Limit = Limit { name: "max-json-depth", variable: "", default: 128, unit: "levels" };

/// Most metrics one run may hold, over all its result files and bundles.
pub const METRICS: Limit =
    Limit { name: "max-metrics", variable: "BUDGETGATE_MAX_METRICS", default: 2_000_000, unit: "metrics" };

/// Most budgets in one budgets file.
pub const BUDGETS: Limit =
    Limit { name: "max-budgets", variable: "BUDGETGATE_MAX_BUDGETS", default: 100_000, unit: "budgets" };

/// Largest output of one template render (bytes): a user template looping over every row many
/// times must stop, not fill the disk.
pub const TEMPLATE_OUTPUT: Limit = Limit {
    name: "max-template-output",
    variable: "BUDGETGATE_MAX_TEMPLATE_OUTPUT",
    default: 256 << 20,
    unit: "bytes",
};

/// Deepest expression of a user template: minijinja 3.1 bounds nested brackets and blocks
/// (150), but not chains — `---…1`, `not not …`, `a+a+…`, `x|f|f…`, `a.b.c…` — which it
/// parses, compiles and drops recursively: 5,000 links overflowed the stack and aborted the
/// process. Fixed at minijinja's own bracket bound; raising it would bring the crash back.
pub const TEMPLATE_DEPTH: Limit = Limit { name: "max-template-depth", variable: "", default: 150, unit: "levels" };

/// Work one template render may do (minijinja's fuel: about one unit per instruction it runs):
/// a loop over a huge range must stop, not hold the runner until the job's timeout. Our own
/// comment for 20,000 rows uses a few million.
pub const TEMPLATE_FUEL: Limit = Limit {
    name: "max-template-fuel",
    variable: "BUDGETGATE_MAX_TEMPLATE_FUEL",
    default: 200_000_000,
    unit: "instructions",
};

/// Every limit, for the README's table and its test.
pub const ALL: [Limit; 7] = [FILE_SIZE, JSON_DEPTH, METRICS, BUDGETS, TEMPLATE_OUTPUT, TEMPLATE_DEPTH, TEMPLATE_FUEL];

impl Limit {
    /// The limit in force: the variable's value when set to a positive number, else the default.
    /// Read once per process (every file read asks).
    pub fn value(&self) -> u64 {
        static VALUES: OnceLock<Vec<(&'static str, u64)>> = OnceLock::new();
        let values = VALUES.get_or_init(|| {
            ALL.iter()
                .filter(|l| !l.variable.is_empty())
                .filter_map(|l| {
                    let set = std::env::var(l.variable).ok()?;
                    set.trim().replace('_', "").parse::<u64>().ok().filter(|v| *v > 0).map(|v| (l.name, v))
                })
                .collect()
        });
        values.iter().find(|(name, _)| *name == self.name).map_or(self.default, |(_, v)| *v)
    }

    /// "is 2000 bytes, over the limit max-file-size (1000 bytes); raise it with
    /// BUDGETGATE_MAX_FILE_SIZE=N" — the end of an error message about `what`.
    pub fn exceeded(&self, what: &str) -> String {
        let raise = match self.variable {
            "" => "it cannot be raised: no real input nests this deep, and more would overflow the stack".to_string(),
            variable => format!("raise it with the environment variable {variable}=N if this input is real"),
        };
        format!("{what}, over the limit {} ({} {}); {raise}", self.name, self.value(), self.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_says_its_name_and_how_to_raise_it() {
        for limit in ALL {
            let text = limit.exceeded("x");
            assert!(text.contains(limit.name), "{text}");
            assert!(text.contains(&limit.value().to_string()), "{text}");
            if !limit.variable.is_empty() {
                assert!(text.contains(limit.variable), "{text}");
            }
        }
    }
}
