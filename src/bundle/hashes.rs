//! Stripping content hashes from build output names (`index-3f9a2c1b.js` → `index.js`), so a
//! file is matched with itself across builds and a PR shows "+1.2 kB on index.js" instead of
//! one file removed and another added.

/// How to find the hash in a file name.
#[derive(Debug, Clone, Default)]
pub enum StripHash {
    /// Recognise the hashes bundlers write: esbuild `[name]-[hash]` (8 base32 letters), Vite
    /// (8 base64url characters), webpack/Rollup hex `[contenthash]`, `name.8d1e.js`.
    #[default]
    Auto,
    /// Keep names as they are.
    Off,
    /// compressed-size-action's `strip-hash`: a regex over the path; each capture group's
    /// text is removed from the match (the whole match when it has no group).
    Pattern(regex::Regex),
}

impl StripHash {
    /// The name `path` (relative, `/`-separated) is reported under.
    pub fn strip(&self, path: &str) -> String {
        match self {
            StripHash::Off => path.to_string(),
            StripHash::Auto => match path.rsplit_once('/') {
                Some((dir, file)) => format!("{dir}/{}", strip_auto(file)),
                None => strip_auto(path),
            },
            StripHash::Pattern(re) => re
                .replace_all(path, |caps: &regex::Captures| {
                    let whole = caps.get(0).map_or("", |m| m.as_str());
                    if caps.len() == 1 {
                        return String::new();
                    }
                    let mut kept = whole.to_string();
                    for group in caps.iter().skip(1).flatten() {
                        kept = kept.replacen(group.as_str(), "", 1);
                    }
                    kept
                })
                .into_owned(),
        }
    }
}

/// `stem<sep>hash.ext` → `stem.ext` for the leftmost separator after which the rest of the
/// stem looks like a hash.
fn strip_auto(file: &str) -> String {
    let Some((stem, ext)) = file.rsplit_once('.') else { return file.to_string() };
    for (i, c) in stem.char_indices() {
        if i > 0 && (c == '-' || c == '.') && looks_like_hash(&stem[i + 1..]) {
            return format!("{}.{ext}", &stem[..i]);
        }
    }
    file.to_string()
}

fn looks_like_hash(s: &str) -> bool {
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return false;
    }
    let len = s.len();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let upper = s.chars().filter(char::is_ascii_uppercase).count();
    let lower = s.chars().filter(char::is_ascii_lowercase).count();
    let hex = s.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    // webpack/Rollup hex content hashes, short (`chunk.8d1e.js`) or long.
    if hex && (4..=64).contains(&len) && digits > 0 && digits < len {
        return true;
    }
    if !(8..=64).contains(&len) {
        return false;
    }
    // esbuild: 8 characters of uppercase base32.
    let base32_upper = len == 8 && s.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c));
    // Vite/Rollup base64url: mixed case, usually with digits; words like "Settings" have one
    // capital, hashes several.
    let mixed = upper >= 2 && lower >= 1;
    base32_upper || (digits > 0 && (upper + lower) > 0 && !s.contains('-')) || (mixed && (digits > 0 || len == 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundler_hashes_are_stripped() {
        let auto = StripHash::Auto;
        assert_eq!(auto.strip("admin-WDLLNFMM.js"), "admin.js"); // esbuild
        assert_eq!(auto.strip("chunks/chunk-TPTXP56V.js"), "chunks/chunk.js");
        assert_eq!(auto.strip("index-3DPGZBDV.css"), "index.css");
        assert_eq!(auto.strip("assets/index-BZ3y_x9q.js"), "assets/index.js"); // Vite
        assert_eq!(auto.strip("assets/index-D2bX-z_Q.js"), "assets/index.js");
        assert_eq!(auto.strip("main.3f9a2c1b7e0d4a5c6b8f.js"), "main.js"); // webpack contenthash
        assert_eq!(auto.strip("chunk.8d1e.js"), "chunk.js");
        assert_eq!(auto.strip("index-3f9a2c1b.js"), "index.js");
    }

    #[test]
    fn ordinary_names_are_kept() {
        let auto = StripHash::Auto;
        for name in [
            "index.js",
            "page-settings.js",
            "page-Settings.js",
            "lib-2024.js",
            "vendor.min.js",
            "my-component.css",
            "README",
        ] {
            assert_eq!(auto.strip(name), name, "{name}");
        }
    }

    #[test]
    fn compressed_size_action_patterns() {
        let p = StripHash::Pattern(regex::Regex::new(r"\.(\w{8})\.").unwrap());
        assert_eq!(p.strip("dist/app.1a2b3c4d.js"), "dist/app..js");
        let p = StripHash::Pattern(regex::Regex::new(r"-\w{8}").unwrap());
        assert_eq!(p.strip("dist/app-1a2b3c4d.js"), "dist/app.js");
        assert_eq!(StripHash::Off.strip("app-1a2b3c4d.js"), "app-1a2b3c4d.js");
    }
}
