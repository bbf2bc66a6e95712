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

/// Expands `{a,b}` groups (nested too) into every alternative, left to right.
pub fn expand_braces(pattern: &str) -> Result<Vec<String>, String> {
    let bytes: Vec<char> = pattern.chars().collect();
    let mut depth = 0usize;
    let mut open = None;
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            '{' => {
                if depth == 0 {
                    open = Some(i);
                }
                depth += 1;
            }
            '}' => {
                if depth == 0 {
                    return Err(format!("`{pattern}` has a `}}` without a matching `{{`"));
                }
                depth -= 1;
                if depth == 0 {
                    let start = open.expect("set when depth became 1");
                    let head: String = bytes[..start].iter().collect();
                    let tail: String = bytes[i + 1..].iter().collect();
                    let mut alternatives = Vec::new();
                    for part in split_top_level(&bytes[start + 1..i]) {
                        for rest in expand_braces(&format!("{head}{part}{tail}"))? {
                            alternatives.push(rest);
                        }
                    }
                    return Ok(alternatives);
                }
            }
            _ => {}
        }
    }
    if depth > 0 {
        return Err(format!("`{pattern}` has a `{{` without a matching `}}`"));
    }
    Ok(vec![pattern.to_string()])
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
            .map(|alt| glob::Pattern::new(alt).map_err(|e| format!("`{text}` is not a valid glob: {}", e.msg)))
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
