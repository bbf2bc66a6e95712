//! How deep a template's expressions nest, measured on its text before minijinja parses it
//! ([`crate::limits::TEMPLATE_DEPTH`]): minijinja guards brackets and blocks, but a chain of
//! operators, filters or attribute reads becomes a tree as deep as the chain is long, which its
//! parser, compiler and destructor walk recursively — a 100 KB template aborted the process.
//!
//! The measure is an upper bound of the tree's depth: within each tag (`{{ … }}`, `{% … %}`),
//! every operator, filter bar, dot, call or subscript adds a level to the bracket it is in,
//! until a comma or colon starts the next element; a bracket adds a level and its contents.
//! So a list of a thousand short items is fine, a thousand-link chain is not.

/// The deepest expression in `source` and the line it is on (1-based), if it is deeper than
/// `limit`.
pub fn too_deep(source: &str, limit: usize) -> Option<(usize, usize)> {
    let bytes = source.as_bytes();
    let mut i = 0;
    while let Some(open) = find(bytes, i, b"{") {
        let Some(&kind) = bytes.get(open + 1) else { break };
        let close: &[u8] = match kind {
            b'{' => b"}}",
            b'%' => b"%}",
            b'#' => {
                i = find(bytes, open + 2, b"#}").map_or(bytes.len(), |at| at + 2);
                continue;
            }
            _ => {
                i = open + 1;
                continue;
            }
        };
        let (depth, end) = tag_depth(bytes, open + 2, close);
        if depth > limit {
            return Some((depth, line_of(bytes, open)));
        }
        i = end;
        // A raw block's content is text, not tags.
        if kind == b'%' && is_word(&bytes[open + 2..end.saturating_sub(2).max(open + 2)], b"raw") {
            i = find_endraw(bytes, end).unwrap_or(bytes.len());
        }
    }
    None
}

/// The depth of one tag's expression starting at `start`, and where the tag ends.
fn tag_depth(bytes: &[u8], start: usize, close: &[u8]) -> (usize, usize) {
    // Levels per open bracket: links counted since that bracket's last comma.
    let mut open: Vec<usize> = vec![0];
    // The sum of `open` plus the brackets open: the depth here, kept as it changes.
    let mut depth = 0;
    let mut deepest = 0;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i..].starts_with(close) {
            return (deepest, i + close.len());
        }
        let b = bytes[i];
        match b {
            b'"' | b'\'' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'(' | b'[' | b'{' => {
                // A call or subscript is a link of the chain it follows.
                *open.last_mut().expect("never empty") += 1;
                open.push(0);
                depth += 2;
            }
            b')' | b']' | b'}' if open.len() > 1 => {
                depth -= open.pop().expect("more than one") + 1;
            }
            b',' | b':' => {
                let top = open.last_mut().expect("never empty");
                depth -= *top;
                *top = 0;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'~' | b'|' | b'.' | b'<' | b'>' | b'=' | b'!' => {
                *open.last_mut().expect("never empty") += 1;
                depth += 1;
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let word_end = bytes[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                    .map_or(bytes.len(), |n| i + n);
                if matches!(&bytes[i..word_end], b"not" | b"and" | b"or" | b"is" | b"in" | b"if" | b"else") {
                    *open.last_mut().expect("never empty") += 1;
                    deepest = deepest.max(depth + 1);
                    depth += 1;
                }
                i = word_end;
                continue;
            }
            _ => {}
        }
        deepest = deepest.max(depth);
        i += 1;
    }
    (deepest, bytes.len())
}

fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|at| from + at)
}

/// Whether a tag's inside is just `word` (whitespace control marks aside).
fn is_word(inside: &[u8], word: &[u8]) -> bool {
    let trimmed: &[u8] = inside.trim_ascii();
    let trimmed = trimmed.strip_prefix(b"-").or_else(|| trimmed.strip_prefix(b"+")).unwrap_or(trimmed);
    let trimmed = trimmed.strip_suffix(b"-").or_else(|| trimmed.strip_suffix(b"+")).unwrap_or(trimmed);
    trimmed.trim_ascii() == word
}

/// The end of the `{% endraw %}` tag after `from`.
fn find_endraw(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(open) = find(bytes, i, b"{%") {
        let close = find(bytes, open + 2, b"%}")?;
        if is_word(&bytes[open + 2..close], b"endraw") {
            return Some(close + 2);
        }
        i = open + 2;
    }
    None
}

fn line_of(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at].iter().filter(|b| **b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(source: &str) -> usize {
        too_deep(source, 0).map_or(0, |(d, _)| d)
    }

    #[test]
    fn chains_count_every_link() {
        assert_eq!(depth(&format!("{{{{ {}1 }}}}", "-".repeat(300))), 300);
        assert_eq!(depth(&format!("{{{{ {}true }}}}", "not ".repeat(200))), 200);
        assert_eq!(depth(&format!("{{{{ x{} }}}}", "|abs".repeat(500))), 500);
        assert_eq!(depth(&format!("{{{{ a{} }}}}", ".b".repeat(400))), 400);
    }

    #[test]
    fn long_lists_and_strings_are_not_deep() {
        let items: Vec<String> = (0..2000).map(|i| format!("r.x{i}.y")).collect();
        assert!(depth(&format!("{{% set xs = [{}] %}}", items.join(", "))) < 10);
        assert!(depth(&format!("{{{{ \"{}\" }}}}", "-.|".repeat(1000))) < 2);
        assert!(depth(&format!("{{# {} #}}", "-".repeat(1000))) == 0);
        assert!(depth(&format!("{{% raw %}}{{{{ {}1 }}}}{{% endraw %}}", "-".repeat(1000))) < 2);
    }

    #[test]
    fn the_line_of_the_deep_tag_is_told() {
        let source = format!("a\nb {{{{ ok }}}}\n\n{{{{ {}1 }}}}", "-".repeat(200));
        assert_eq!(too_deep(&source, 150), Some((200, 4)));
        assert_eq!(too_deep("{{ a + b }} {% if x and y %}", 150), None);
    }

    #[test]
    fn the_built_in_templates_are_far_below_the_limit() {
        for source in [
            super::super::render::DEFAULT_TEMPLATE,
            include_str!("templates/report.html.j2"),
            include_str!("templates/dashboard.html.j2"),
        ] {
            assert!(too_deep(source, 30).is_none(), "{:?}", too_deep(source, 30));
        }
    }
}
