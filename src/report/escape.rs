//! Escaping untrusted text (benchmark and file names come from result files anyone can write
//! in a PR) for Markdown tables and HTML, so a name cannot break the table, inject markup or
//! links, or @-mention people and teams.

/// Word joiner: invisible, but it breaks GitHub's `@user` and `#123` auto-linking.
const WORD_JOINER: char = '\u{2060}';

/// Escapes `text` for a GitHub Markdown table cell (also safe inside HTML elements).
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '|' => out.push_str("&#124;"),
            '`' => out.push_str("&#96;"),
            '\\' | '*' | '_' | '[' | ']' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '@' | '#' => {
                out.push(c);
                out.push(WORD_JOINER);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_break_tables_inject_html_or_mention() {
        assert_eq!(markdown("a|b"), "a&#124;b");
        assert_eq!(markdown("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(markdown("`code`"), "&#96;code&#96;");
        assert_eq!(markdown("@team"), "@\u{2060}team");
        assert_eq!(markdown("fix #12"), "fix #\u{2060}12");
        assert_eq!(markdown("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(markdown("two\nlines"), "two lines");
        assert_eq!(markdown("sort/100"), "sort/100");
    }
}
