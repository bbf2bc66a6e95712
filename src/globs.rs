//! Glob patterns for files (results, bundles) and for metric names (budgets).
//!
//! `glob` (the design's choice) has no brace groups: `dist/{a,b}.js` would silently match
//! nothing. We expand braces ourselves before handing each alternative to `glob`, and refuse
//! patterns glob cannot honour instead of letting them match nothing.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// Options shared by file and name matching: `*` stays within one `/`-separated part, `**`
/// crosses parts, and a leading dot is not special (build outputs are often dotfiles).
pub const MATCH_OPTIONS: glob::MatchOptions =
    glob::MatchOptions { case_sensitive: true, require_literal_separator: true, require_literal_leading_dot: false };

/// Most alternatives one pattern may expand to. `{a,b}` twenty-two times over is 4 million
/// patterns and 4 GB (issue 14.10); no real pattern needs more than a few dozen.
pub const MAX_ALTERNATIVES: usize = 1024;
/// Deepest nesting of brace groups in one pattern.
pub const MAX_BRACE_DEPTH: usize = 8;

/// Expands `{a,b}` groups (nested too) into every alternative, left to right, within
/// [`MAX_ALTERNATIVES`] and [`MAX_BRACE_DEPTH`].
pub fn expand_braces(pattern: &str) -> Result<Vec<String>, String> {
    let mut depth = 0usize;
    for c in pattern.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth > MAX_BRACE_DEPTH {
                    return Err(format!(
                        "`{}` nests `{{…}}` groups more than {MAX_BRACE_DEPTH} deep (the limit for brace groups); \
                         write the alternatives as separate entries",
                        shorten(pattern)
                    ));
                }
            }
            '}' if depth == 0 => return Err(format!("`{}` has a `}}` without a matching `{{`", shorten(pattern))),
            '}' => depth -= 1,
            _ => {}
        }
    }
    if depth > 0 {
        return Err(format!("`{}` has a `{{` without a matching `}}`", shorten(pattern)));
    }
    let mut out = Vec::new();
    expand_into(pattern, &mut out).map_err(|()| {
        format!(
            "`{}` expands to more than {MAX_ALTERNATIVES} alternatives (the limit for brace groups); \
             use `*` or `**`, or split it into several entries",
            shorten(pattern)
        )
    })?;
    Ok(out)
}

/// A pattern as quoted in messages: a hostile one may be kilobytes long.
fn shorten(pattern: &str) -> String {
    if pattern.chars().count() <= 80 {
        return pattern.to_string();
    }
    format!("{}…", pattern.chars().take(80).collect::<String>())
}

/// Pushes every alternative of `pattern` (braces balanced) onto `out`, failing as soon as
/// there would be more than [`MAX_ALTERNATIVES`].
fn expand_into(pattern: &str, out: &mut Vec<String>) -> Result<(), ()> {
    let chars: Vec<char> = pattern.chars().collect();
    let Some(open) = chars.iter().position(|&c| c == '{') else {
        if out.len() >= MAX_ALTERNATIVES {
            return Err(());
        }
        out.push(pattern.to_string());
        return Ok(());
    };
    let mut depth = 0;
    let close = (open..chars.len())
        .find(|&i| {
            match chars[i] {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            depth == 0
        })
        .expect("braces were checked to balance");
    let head: String = chars[..open].iter().collect();
    let tail: String = chars[close + 1..].iter().collect();
    for part in split_top_level(&chars[open + 1..close]) {
        expand_into(&format!("{head}{part}{tail}"), out)?;
    }
    Ok(())
}

/// Checks a file glob the way `find_files` will use it: braces within limits, and every
/// alternative a pattern glob can honour (`r[.json`, `r***.json` are refused here, with the
/// budgets file's line, instead of failing later without one).
pub fn check_file_pattern(pattern: &str) -> Result<(), String> {
    for alternative in expand_braces(pattern)? {
        glob::Pattern::new(&alternative).map_err(|e| {
            format!("`{}` is not a valid glob: {} (at character {})", shorten(pattern), e.msg, e.pos + 1)
        })?;
    }
    Ok(())
}

fn split_top_level(inner: &[char]) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0;
    for &c in inner {
        match c {
            ',' if depth == 0 => parts.push(String::new()),
            '{' => {
                depth += 1;
                parts.last_mut().unwrap().push(c);
            }
            '}' => {
                depth -= 1;
                parts.last_mut().unwrap().push(c);
            }
            _ => parts.last_mut().unwrap().push(c),
        }
    }
    parts
}

/// A compiled name pattern (with braces expanded) for matching metric names.
#[derive(Debug, Clone)]
pub struct NamePattern {
    text: String,
    alternatives: Vec<glob::Pattern>,
}

impl NamePattern {
    pub fn new(text: &str) -> Result<NamePattern, String> {
        let alternatives = expand_braces(text)?
            .iter()
            .map(|alt| {
                glob::Pattern::new(alt).map_err(|e| format!("`{}` is not a valid glob: {}", shorten(text), e.msg))
            })
            .collect::<Result<_, _>>()?;
        Ok(NamePattern { text: text.to_string(), alternatives })
    }

    pub fn matches(&self, name: &str) -> bool {
        self.alternatives.iter().any(|p| p.matches_with(name, MATCH_OPTIONS))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Every file matching `pattern` (relative to the working directory), sorted, without
/// duplicates. A pattern that matches nothing returns an empty list: callers decide whether
/// that is an error, because only they know what the user expected to find.
pub fn find_files(pattern: &str) -> Result<Vec<PathBuf>> {
    let literal = std::path::Path::new(pattern);
    if !pattern.contains(['*', '?', '[', '{']) && literal.is_dir() {
        return Err(Error::Usage(format!(
            "`{pattern}` is a folder; expected a file, or a glob such as `{}/**/*.json`",
            pattern.trim_end_matches('/')
        )));
    }
    let mut found = Vec::new();
    for alternative in expand_braces(pattern).map_err(Error::Usage)? {
        let paths = glob::glob_with(&alternative, MATCH_OPTIONS)
            .map_err(|e| Error::Usage(format!("`{pattern}` is not a valid glob: {}", e.msg)))?;
        for entry in paths {
            let path = entry.map_err(|e| {
                let path = e.path().to_path_buf();
                Error::io(path, "cannot read while matching a glob", e.into())
            })?;
            if path.is_file() {
                found.push(path);
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_expand_in_order_and_nest() {
        assert_eq!(expand_braces("a.{js,css}").unwrap(), ["a.js", "a.css"]);
        assert_eq!(expand_braces("{x,y{1,2}}/z").unwrap(), ["x/z", "y1/z", "y2/z"]);
        assert_eq!(expand_braces("plain").unwrap(), ["plain"]);
        assert!(expand_braces("a{b").is_err());
        assert!(expand_braces("a}b").is_err());
    }

    #[test]
    fn regression_brace_bombs_are_refused_quickly() {
        // Issue 14.10: 22 groups of two (212 bytes) took 4 GB; 10,000 nested groups took 623 MB.
        let bomb = "{a,b}".repeat(22);
        let e = expand_braces(&bomb).unwrap_err();
        assert!(e.contains("more than 1024 alternatives") && e.contains("limit"), "{e}");
        let deep = format!("{}x{}", "{".repeat(10_000), "}".repeat(10_000));
        let e = expand_braces(&deep).unwrap_err();
        assert!(e.contains("more than 8 deep"), "{e}");
        assert_eq!(expand_braces(&"{a,b}".repeat(10)).unwrap().len(), 1024);
    }

    #[test]
    fn regression_bad_file_globs_are_refused_before_use() {
        assert!(check_file_pattern("r[.json").unwrap_err().contains("not a valid glob"));
        assert!(check_file_pattern("r***.json").unwrap_err().contains("not a valid glob"));
        assert!(check_file_pattern("target/criterion/**/new/estimates.json").is_ok());
    }

    #[test]
    fn name_patterns_keep_star_within_a_part() {
        let p = NamePattern::new("api/auth/*").unwrap();
        assert!(p.matches("api/auth/login"));
        assert!(!p.matches("api/auth/login/slow"));
        assert!(NamePattern::new("bundle/**").unwrap().matches("bundle/web/index.js"));
        assert!(NamePattern::new("sort/{100,1000}").unwrap().matches("sort/1000"));
        assert!(NamePattern::new("lighthouse/*/performance").unwrap().matches("lighthouse/home/performance"));
        assert!(NamePattern::new("[").is_err());
    }
}
