//! Which stored run a PR is compared with, said in words.
//!
//! The run of the PR's merge base with its base branch when it is stored; else the newest run
//! of the base branch older than the merge base; else the newest run there is — of the base
//! branch, or of the repository's default branch when the base has none. Peers that compare
//! with whatever is newest report other PRs' changes as this one's (size-limit compared with
//! master's head, getsentry/sentry-javascript#4775; CodSpeed reported −52 % for −1.3 %,
//! asciidoc-rs/asciidoc-parser#1295), so the report always says which run it used and why.
//!
//! The history behind the noise model is the chosen run and the branch's runs before it:
//! later runs hold changes the PR does not.

use super::history::PackedRun;
use super::layout::{self, Entry, Files};
use crate::error::{Error, Result};
use crate::model::{Run, RunContext};

/// What to compare with, from the workflow's context and the flags.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// The base branch (`--baseline-branch`, the PR's base, `GITHUB_BASE_REF`).
    pub branch: Option<String>,
    pub default_branch: Option<String>,
    pub merge_base: Option<MergeBase>,
}

/// The PR's merge base with its base branch, from GitHub's compare API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeBase {
    pub sha: String,
    /// The commit's committer date (RFC 3339).
    pub time: Option<String>,
}

impl Comparison {
    /// The comparison with the last run of `history` (oldest first; not empty).
    pub fn new(branch: &str, history: Vec<Run>, chosen: String, why: String) -> Comparison {
        let packed = history.iter().map(PackedRun::from_run).collect();
        let newest = history.into_iter().next_back().expect("a comparison has at least the chosen run").context;
        Comparison { branch: branch.to_string(), newest, history: packed, chosen, why }
    }

    /// The comparison with the last of the stored runs `history` (oldest first; not empty).
    pub fn from_stored(branch: &str, history: Vec<PackedRun>, chosen: String, why: String) -> Comparison {
        let newest = history.last().expect("a comparison has at least the chosen run").context.run_context(branch);
        Comparison { branch: branch.to_string(), newest, history, chosen, why }
    }

    /// The chosen run's numbers, packed like the rest of the history (it is its last run).
    pub fn chosen_run(&self) -> &PackedRun {
        self.history.last().expect("a comparison has at least the chosen run")
    }
}

/// What a run is compared with: the chosen run and its branch's history up to it (oldest
/// first, the chosen run last).
#[derive(Debug, Clone)]
pub struct Comparison {
    pub branch: String,
    /// Where the chosen run was made. Its numbers are [`Self::chosen_run`], packed: read as
    /// `Metric`s they were 5 MB at 20,000 metrics, and only a missing metric or a bundle's
    /// file is ever read that way.
    pub newest: RunContext,
    /// The history behind the noise model, packed (a million stored metrics at 20,000 × 50).
    pub history: Vec<PackedRun>,
    /// "main@abc1234, the merge base" — which run and why, for the report.
    pub chosen: String,
    /// Why that run: "the merge base", "the newest stored run", …
    pub why: String,
}

/// The comparison, or `None` (with a note saying why) when the store has nothing to compare
/// with. `store` names the store in notes.
pub fn choose(files: &dyn Files, target: &Target, store: &str, notes: &mut Vec<String>) -> Result<Option<Comparison>> {
    let branches = layout::branches(files)?;
    let held = || match &branches[..] {
        [] => "no branches yet".to_string(),
        names => format!("it holds {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
    };
    let branch = match &target.branch {
        Some(b) => b.clone(),
        None if branches.len() == 1 => branches[0].clone(),
        None if branches.is_empty() => {
            notes.push(format!("no baseline yet: {store} holds no runs"));
            return Ok(None);
        }
        None => match ["main", "master"].into_iter().find(|b| branches.iter().any(|h| h == b)) {
            Some(b) => b.to_string(),
            None => {
                return Err(Error::Usage(format!(
                    "{store} holds several branches ({}); say which to compare with: --baseline-branch NAME",
                    branches.join(", ")
                )))
            }
        },
    };
    if let Some(entries) = runs_of(files, &branch)? {
        return Ok(Some(pick(files, &branch, entries, target.merge_base.as_ref())?));
    }
    let fallback = target.default_branch.clone().filter(|d| *d != branch);
    if let Some(default) = fallback {
        if let Some(entries) = runs_of(files, &default)? {
            let comparison = pick(files, &default, entries, None)?;
            notes.push(format!(
                "no runs stored for branch `{branch}` in {store} ({}); compared with the repository's default branch `{default}` instead: {}",
                held(),
                comparison.chosen
            ));
            return Ok(Some(comparison));
        }
    }
    notes.push(format!("no baseline yet for branch `{branch}` in {store} ({})", held()));
    Ok(None)
}

/// The branch's runs in history order (commit time, then save order); `None` without runs.
fn runs_of(files: &dyn Files, branch: &str) -> Result<Option<Vec<Entry>>> {
    let Some(index) = layout::read_index(files, branch)? else { return Ok(None) };
    let mut entries = index.runs;
    if entries.is_empty() {
        return Ok(None);
    }
    entries.sort_by_key(|e| (epoch(e.context.order_time()), e.seq));
    Ok(Some(entries))
}

fn pick(files: &dyn Files, branch: &str, entries: Vec<Entry>, merge_base: Option<&MergeBase>) -> Result<Comparison> {
    let short = |e: &Entry| e.context.short_commit().unwrap_or_else(|| "?".to_string());
    let newest = entries.len() - 1;
    let time_of = |e: &Entry| epoch(e.context.order_time());
    let (at, why) = match merge_base {
        None => (newest, "the newest stored run".to_string()),
        Some(mb) => {
            let mb_short: String = mb.sha.chars().take(7).collect();
            let mb_time = epoch(mb.time.as_deref());
            let stored = entries.iter().rposition(|e| e.context.commit.as_deref() == Some(mb.sha.as_str()));
            let older = || mb_time.and_then(|t| entries.iter().rposition(|e| time_of(e).is_some_and(|r| r <= t)));
            match (stored, older()) {
                (Some(at), _) => (at, "the merge base".to_string()),
                (None, Some(at)) => {
                    let age = mb_time.zip(time_of(&entries[at])).map(|(m, r)| format!(", {} before it", ago(m - r)));
                    (
                        at,
                        format!(
                            "the newest run before the merge base {mb_short}, which has none{}",
                            age.unwrap_or_default()
                        ),
                    )
                }
                (None, None) => (
                    newest,
                    format!(
                        "the newest stored run (the merge base {mb_short} has none and is older than every stored run)"
                    ),
                ),
            }
        }
    };
    let chosen = format!("{branch}@{}, {why}", short(&entries[at]));
    let history = layout::read_packed(files, &entries[..=at])?;
    Ok(Comparison::from_stored(branch, history, chosen, why))
}

/// "3 hours", "2 days".
fn ago(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match seconds.max(0) {
        s if s < 3600 => plural(s / 60, "minute"),
        s if s < 2 * 86_400 => plural(s / 3600, "hour"),
        s => plural(s / 86_400, "day"),
    }
}

/// Seconds since 1970 of an RFC 3339 time (`Z` or a `±HH:MM` offset); `None` if it is not one.
pub fn epoch(text: Option<&str>) -> Option<i64> {
    let t = text?.trim();
    let num = |range: std::ops::Range<usize>| t.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if t.as_bytes().get(4) != Some(&b'-') || !matches!(t.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let h = rest.get(1..3)?.parse::<i64>().ok()?;
            let m = rest.get(4..6)?.parse::<i64>().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::layout::MemoryFiles;
    use crate::baseline::stored::{StoredContext, StoredRun};

    fn store(runs: &[(&str, &str)]) -> MemoryFiles {
        let mut files = MemoryFiles { label: "mem".into(), ..Default::default() };
        for (commit, time) in runs {
            let run: StoredRun = StoredRun {
                context: StoredContext {
                    commit: Some(commit.to_string()),
                    commit_time: Some(time.to_string()),
                    ..Default::default()
                },
                metrics: vec![],
            };
            files.apply(layout::record(&files, "main", &run, 50).unwrap());
        }
        files
    }

    fn chosen(files: &MemoryFiles, mb: Option<(&str, &str)>) -> (String, usize) {
        let target = Target {
            branch: Some("main".into()),
            merge_base: mb.map(|(sha, time)| MergeBase { sha: sha.into(), time: Some(time.into()) }),
            ..Default::default()
        };
        let c = choose(files, &target, "mem", &mut Vec::new()).unwrap().unwrap();
        (c.chosen, c.history.len())
    }

    #[test]
    fn the_merge_base_run_is_chosen_with_the_history_before_it() {
        let files = store(&[
            ("aaa1111", "2026-12-01T10:00:00Z"),
            ("bbb2222", "2026-12-01T11:00:00Z"),
            ("ccc3333", "2026-12-01T12:00:00Z"),
        ]);
        assert_eq!(
            chosen(&files, Some(("bbb2222", "2026-12-01T11:00:00Z"))),
            ("main@bbb2222, the merge base".into(), 2)
        );
    }

    #[test]
    fn an_unstored_merge_base_takes_the_newest_older_run() {
        let files = store(&[("aaa1111", "2026-11-29T10:00:00Z"), ("ccc3333", "2026-12-01T12:00:00Z")]);
        let (text, runs) = chosen(&files, Some(("bbb2222", "2026-12-01T11:00:00+01:00")));
        assert_eq!(
            text,
            "main@aaa1111, the newest run before the merge base bbb2222, which has none, 2 days before it"
        );
        assert_eq!(runs, 1);
    }

    #[test]
    fn a_merge_base_older_than_everything_takes_the_newest() {
        let files = store(&[("aaa1111", "2026-11-29T10:00:00Z"), ("ccc3333", "2026-12-01T12:00:00Z")]);
        let (text, runs) = chosen(&files, Some(("0000000", "2026-01-01T00:00:00Z")));
        assert!(text.contains("older than every stored run") && text.contains("main@ccc3333"), "{text}");
        assert_eq!(runs, 2);
    }

    #[test]
    fn without_a_merge_base_the_newest_is_chosen() {
        let files = store(&[("aaa1111", "2026-11-29T10:00:00Z"), ("ccc3333", "2026-12-01T12:00:00Z")]);
        assert_eq!(chosen(&files, None), ("main@ccc3333, the newest stored run".into(), 2));
    }

    #[test]
    fn rfc3339_times_with_offsets() {
        assert_eq!(epoch(Some("1970-01-01T00:00:00Z")), Some(0));
        assert_eq!(epoch(Some("2026-12-01T11:00:00+01:00")), epoch(Some("2026-12-01T10:00:00Z")));
        assert_eq!(epoch(Some("2000-03-01T00:00:00.123Z")), Some(951_868_800));
        assert_eq!(epoch(Some("yesterday")), None);
    }
}
