//! Escaping untrusted text — benchmark names, file names, branch names, anything read from a
//! result file or a PR — for each place it goes. One function per destination, and every
//! writer of that destination goes through it:
//!
//! - [`log_text`] / [`log_field`]: terminal and CI log lines. GitHub's runner executes a line
//!   whose start (after trimming whitespace) is `::cmd`, also the legacy `##[cmd]` anywhere in a
//!   line, and it splits lines on a lone `\r` too (actions/runner `ActionCommand.cs`). Control
//!   characters (ANSI escapes) and bidi overrides must not reach a terminal either.
//! - [`markdown`]: GitHub-flavoured Markdown (table cells, comments, the job summary).
//! - [`html`]: HTML text and attribute values.
//! - [`json_for_log`]: JSON we print to stdout, where `##[` inside a string would still be
//!   obeyed.
//!
//! The neutralisers are invisible or plainly visible, never lossy in a way that hides what a
//! name was: a reader still sees `##[stop-commands]`, the runner no longer obeys it.

/// Word joiner: invisible, not whitespace (so the runner's trim keeps it), and it breaks
/// GitHub's `@user`, `#123`, `GH-1` and URL auto-linking.
const WORD_JOINER: char = '\u{2060}';

/// Characters that reorder text on screen (Trojan Source, CVE-2021-42574): shown as escapes.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Text for the log, possibly several lines (our own messages quoting untrusted names): every
/// line is made inert for the runner, and control characters other than `\n` are shown as
/// escapes (`\r` included, since the runner would split there).
pub fn log_text(text: &str) -> String {
    text.split('\n').map(|line| inert_line(&visible_controls(line, false))).collect::<Vec<_>>().join("\n")
}

/// One field of one log line (a name in the terminal table): like [`log_text`], and a newline
/// is shown as `\n` instead of starting a line.
pub fn log_field(text: &str) -> String {
    inert_line(&visible_controls(text, true))
}

fn visible_controls(text: &str, escape_newline: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if !escape_newline => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') => {
                out.push_str(&c.escape_unicode().to_string())
            }
            c => out.push(c),
        }
    }
    out
}

/// A line the runner will not execute: `##[` is broken anywhere, and a line that would start
/// with `::` after the runner trims it gets an invisible word joiner in front.
fn inert_line(line: &str) -> String {
    let line = line.replace("##[", "##\u{2060}[");
    if line.trim_start().starts_with("::") {
        format!("{WORD_JOINER}{line}")
    } else {
        line
    }
}

/// JSON text for stdout: `##[` can only occur inside strings, where `\u005b` reads back as `[`.
pub fn json_for_log(json: &str) -> String {
    json.replace("##[", "##\\u005b")
}

/// Escapes `text` for a GitHub Markdown table cell (also safe inside HTML elements): no markup,
/// no links, no @-mentions or issue references, no table breaks, no reordering.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous = '\0';
    let chars: Vec<char> = text.chars().collect();
    // Whether the text just before position `i` ends with `word` (ASCII, any case).
    let after = |i: usize, word: &str| {
        i >= word.len() && chars[i - word.len()..i].iter().zip(word.chars()).all(|(a, b)| a.eq_ignore_ascii_case(&b))
    };
    for (i, &c) in chars.iter().enumerate() {
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
            // `GH-12` is an issue link; `http://x` and `www.x` are auto-linked.
            '-' if matches!(previous, 'H' | 'h') => {
                out.push(c);
                out.push(WORD_JOINER);
            }
            ':' if after(i, "http") || after(i, "https") || after(i, "ftp") => {
                out.push(WORD_JOINER);
                out.push(c);
            }
            '.' if after(i, "www") => {
                out.push(WORD_JOINER);
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_bidi_control(c) => out.push_str(&c.escape_unicode().to_string()),
            c if c.is_control() => {}
            c => out.push(c),
        }
        previous = c;
    }
    out
}

/// Control characters (other than `\n`) and bidi overrides shown as escapes, for text that is
/// escaped again for its destination afterwards (workflow command data).
pub fn visible(text: &str) -> String {
    visible_controls(text, false)
}

/// One line of text inside a Markdown `<pre>` block: HTML-escaped (so nothing closes the block
/// or renders), with mentions, issue references and links broken as in [`markdown`].
pub fn markdown_pre(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in html(text).chars() {
        match c {
            '`' => out.push_str("&#96;"),
            '@' | '#' => {
                out.push(c);
                out.push(WORD_JOINER);
            }
            c => out.push(c),
        }
    }
    out.replace("://", "\u{2060}://").replace("GH-", "GH-\u{2060}").replace("www.", "www\u{2060}.")
}

/// Escapes `text` for HTML element content and quoted attribute values.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if is_bidi_control(c) => out.push_str(&c.escape_unicode().to_string()),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// Names no destination may be broken by: every escaping function is tested on all of them,
/// here and end to end (tests/hostile.rs).
pub const HOSTILE_NAMES: &[&str] = &[
    "x\n::error title=injected::pwned",
    "x\r::error title=injected::pwned",
    "   ::warning::indented",
    "\t::notice::tabbed",
    "##[stop-commands]pwned",
    "a ##[set-output name=x]y",
    "::add-mask::secret",
    "\u{1b}[31mred\u{1b}[0m \u{1b}]8;;http://evil\u{7}link",
    "<img src=x onerror=alert(1)> @octocat fixes #1 GH-2",
    "https://evil.example/x and www.evil.example",
    "|col|break|\n| --- |",
    "`code` **bold** [link](http://e) ![img](http://e)",
    "```\nfence",
    "right\u{202E}txt.exe",
    "line\u{2028}separator",
    "<script>alert('x')</script>",
    "\"quoted\" & 'single'",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// A line the runner would execute: `::` first after trimming, or `##[` anywhere.
    fn runner_would_obey(line: &str) -> bool {
        line.trim_start().starts_with("::") || line.contains("##[")
    }

    #[test]
    fn log_output_never_forms_a_workflow_command() {
        for name in HOSTILE_NAMES {
            for text in [log_field(name), log_text(name), log_text(&format!("metric `{name}` is bad"))] {
                for line in text.split(['\n', '\r']) {
                    assert!(!runner_would_obey(line), "{name:?} gave the line {line:?}");
                    assert!(!line.chars().any(|c| c.is_control() || is_bidi_control(c)), "{line:?}");
                }
            }
            assert!(!log_field(name).contains('\n'));
        }
        assert_eq!(log_field("sort/100"), "sort/100");
        assert_eq!(log_text("line one\nline two"), "line one\nline two");
    }

    #[test]
    fn markdown_cannot_break_tables_inject_html_link_or_mention() {
        for name in HOSTILE_NAMES {
            let md = markdown(name);
            assert!(!md.contains(['<', '>', '|', '`', '\n', '\r']), "{md:?}");
            for needle in ["@octocat", "fixes #1", "GH-2", "http://", "https://", "www.", "\u{202E}", "\u{1b}"] {
                assert!(!md.contains(needle), "{name:?} → {md:?} contains {needle:?}");
            }
        }
        assert_eq!(markdown("a|b"), "a&#124;b");
        assert_eq!(markdown("@team"), "@\u{2060}team");
        assert_eq!(markdown("[x](y)"), "\\[x\\](y)");
        assert_eq!(markdown("sort/100"), "sort/100");
    }

    #[test]
    fn html_never_emits_markup() {
        for name in HOSTILE_NAMES {
            let h = html(name);
            assert!(!h.contains(['<', '>', '"', '\'']), "{h:?}");
            assert!(!h.contains('\u{202E}') && !h.contains('\u{1b}'), "{h:?}");
        }
        assert_eq!(html("a < b & \"c\""), "a &lt; b &amp; &quot;c&quot;");
    }

    #[test]
    fn error_text_in_the_summary_renders_as_text() {
        for name in HOSTILE_NAMES {
            let pre = markdown_pre(name);
            assert!(!pre.contains(['<', '>']), "{pre:?}");
            for needle in ["@octocat", "fixes #1", "GH-2", "http://", "https://", "www."] {
                assert!(!pre.contains(needle), "{name:?} → {pre:?} contains {needle:?}");
            }
        }
    }

    #[test]
    fn json_printed_to_the_log_reads_back_identically() {
        for name in HOSTILE_NAMES {
            let json = serde_json::to_string_pretty(&serde_json::json!({ "name": name })).unwrap();
            let safe = json_for_log(&json);
            assert!(!safe.lines().any(runner_would_obey), "{safe}");
            let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
            assert_eq!(back["name"], *name);
        }
    }
}
