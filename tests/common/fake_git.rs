//! Git's object model for the fake GitHub API: one object store and ref table per repository.
//!
//! Why real Git encodings rather than made-up ids: a client that stores data on a branch through
//! the REST API sees only ids, and what must hold is that GitHub would compute the same ones — a
//! tree built from nested paths with `base_tree` must be byte-for-byte the tree `git mktree`
//! makes, or tests would pass against a fake that no real repository agrees with. So objects are
//! stored as Git stores them (`<type> <len>\0<body>`, id = its sha1), trees and commits in Git's
//! own binary/text encodings, and [`Repo::export`] can write them into a bare repository that
//! `git fsck --strict` accepts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use sha1::{Digest, Sha1};

/// The three object types the REST API deals in (no annotated tags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Blob,
    Tree,
    Commit,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Blob => "blob",
            Kind::Tree => "tree",
            Kind::Commit => "commit",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        [Kind::Blob, Kind::Tree, Kind::Commit].into_iter().find(|k| k.name() == name)
    }

    /// The type a tree-entry mode implies, as the API writes modes (`040000`, not Git's `40000`).
    pub fn of_mode(mode: &str) -> Option<Kind> {
        match mode {
            "100644" | "100755" | "120000" => Some(Kind::Blob),
            "040000" => Some(Kind::Tree),
            "160000" => Some(Kind::Commit),
            _ => None,
        }
    }
}

/// One entry of a tree, with the mode as the API shows it (`040000` for subtrees).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub mode: String,
    pub kind: Kind,
    pub sha: String,
}

/// An author or committer line: `Name <email> <unix seconds> <±HHMM>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub time: i64,
    /// Offset from UTC in minutes.
    pub tz: i32,
}

impl Person {
    fn encode(&self) -> String {
        let sign = if self.tz < 0 { '-' } else { '+' };
        let tz = self.tz.abs();
        format!("{} <{}> {} {sign}{:02}{:02}", self.name, self.email, self.time, tz / 60, tz % 60)
    }

    fn decode(line: &str) -> Option<Person> {
        let (name, rest) = line.split_once(" <")?;
        let (email, rest) = rest.split_once("> ")?;
        let (time, tz) = rest.split_once(' ')?;
        let minutes = tz.get(1..3)?.parse::<i32>().ok()? * 60 + tz.get(3..5)?.parse::<i32>().ok()?;
        let tz = if tz.starts_with('-') { -minutes } else { minutes };
        Some(Person { name: name.into(), email: email.into(), time: time.parse().ok()?, tz })
    }
}

/// A commit object's fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub tree: String,
    pub parents: Vec<String>,
    pub author: Person,
    pub committer: Person,
    /// ASCII-armoured signature, written as Git's `gpgsig` header.
    pub gpgsig: Option<String>,
    pub message: String,
}

impl Commit {
    /// Git's encoding: headers, a blank line, the message as given (GitHub adds no newline).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = format!("tree {}\n", self.tree);
        for p in &self.parents {
            out += &format!("parent {p}\n");
        }
        out += &format!("author {}\ncommitter {}\n", self.author.encode(), self.committer.encode());
        if let Some(sig) = &self.gpgsig {
            // Every line of the value is prefixed by one space after the first, as `git commit -S`.
            let sig = if sig.ends_with('\n') { sig.clone() } else { format!("{sig}\n") };
            out += "gpgsig";
            for line in sig.split_inclusive('\n') {
                out += &format!(" {line}");
            }
        }
        out += "\n";
        out += &self.message;
        out.into_bytes()
    }

    pub fn decode(body: &[u8]) -> Option<Commit> {
        let text = std::str::from_utf8(body).ok()?;
        let (head, message) = text.split_once("\n\n").unwrap_or((text.trim_end_matches('\n'), ""));
        let (mut tree, mut parents, mut author, mut committer, mut sig) = (None, Vec::new(), None, None, None);
        let mut lines = head.lines().peekable();
        while let Some(line) = lines.next() {
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            match key {
                "tree" => tree = Some(value.to_string()),
                "parent" => parents.push(value.to_string()),
                "author" => author = Person::decode(value),
                "committer" => committer = Person::decode(value),
                "gpgsig" => {
                    let mut s = format!("{value}\n");
                    while let Some(more) = lines.next_if(|l| l.starts_with(' ')) {
                        s += &format!("{}\n", &more[1..]);
                    }
                    sig = Some(s);
                }
                _ => {}
            }
        }
        let (author, committer) = (author?, committer?);
        Some(Commit { tree: tree?, parents, author, committer, gpgsig: sig, message: message.to_string() })
    }

    /// The commit as it would be without its signature: what the signature signs.
    pub fn payload(&self) -> String {
        String::from_utf8(Commit { gpgsig: None, ..self.clone() }.encode()).unwrap()
    }
}

/// The id of the tree without entries.
pub const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// The id Git gives an object: sha1 of `"<type> <len>\0" + body`, in hex.
pub fn object_id(kind: Kind, body: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(format!("{} {}\0", kind.name(), body.len()).as_bytes());
    h.update(body);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn is_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Git's tree encoding: entries sorted as Git sorts them (a subtree's name compares as if it
/// ended in `/`), each `<mode> <name>\0<20-byte id>` with Git's unpadded `40000` for trees.
fn encode_tree(entries: &BTreeMap<String, Entry>) -> Vec<u8> {
    let mut sorted: Vec<(&String, &Entry)> = entries.iter().collect();
    let key = |(name, e): &(&String, &Entry)| {
        let mut k = name.as_bytes().to_vec();
        if e.kind == Kind::Tree {
            k.push(b'/');
        }
        k
    };
    sorted.sort_by_key(key);
    let mut out = Vec::new();
    for (name, e) in sorted {
        out.extend_from_slice(format!("{} {name}\0", e.mode.trim_start_matches('0')).as_bytes());
        out.extend((0..20).map(|i| u8::from_str_radix(&e.sha[2 * i..2 * i + 2], 16).unwrap()));
    }
    out
}

/// The entries of a tree body, in stored order, with the API's `040000` mode for subtrees.
fn decode_tree(body: &[u8]) -> Vec<(String, Entry)> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(nul) = rest.iter().position(|&b| b == 0) {
        let head = String::from_utf8_lossy(&rest[..nul]).into_owned();
        let (mode, name) = head.split_once(' ').unwrap();
        let mode = if mode == "40000" { "040000".to_string() } else { mode.to_string() };
        let sha = rest[nul + 1..nul + 21].iter().map(|b| format!("{b:02x}")).collect();
        out.push((name.to_string(), Entry { kind: Kind::of_mode(&mode).unwrap(), mode, sha }));
        rest = &rest[nul + 21..];
    }
    out
}

/// One change `POST git/trees` asks for at a (possibly nested) path.
#[derive(Clone, Debug)]
pub enum Change {
    Set(Entry),
    /// `sha: null`: remove the entry; a subtree left empty disappears with it.
    Delete,
}

/// A tree being edited: subtrees are loaded only when a change reaches into them.
enum Node {
    Leaf(Entry),
    Dir(BTreeMap<String, Node>),
}

/// Objects and refs of one repository.
#[derive(Default)]
pub struct Repo {
    objects: HashMap<String, (Kind, Vec<u8>)>,
    /// Full names (`refs/heads/main`) → commit id.
    pub refs: BTreeMap<String, String>,
}

impl Repo {
    /// Stores an object (idempotent, as Git is) and returns its id.
    pub fn put(&mut self, kind: Kind, body: Vec<u8>) -> String {
        let id = object_id(kind, &body);
        self.objects.entry(id.clone()).or_insert((kind, body));
        id
    }

    /// An object's type and body. The empty tree always exists, as it does for Git (hard-coded
    /// there), so a commit of it needs no `POST git/trees` first.
    pub fn get(&self, sha: &str) -> Option<(Kind, &[u8])> {
        if sha == EMPTY_TREE {
            return Some((Kind::Tree, &[]));
        }
        self.objects.get(sha).map(|(k, b)| (*k, b.as_slice()))
    }

    pub fn kind(&self, sha: &str) -> Option<Kind> {
        self.get(sha).map(|(k, _)| k)
    }

    pub fn put_tree(&mut self, entries: &BTreeMap<String, Entry>) -> String {
        self.put(Kind::Tree, encode_tree(entries))
    }

    pub fn tree(&self, sha: &str) -> Option<Vec<(String, Entry)>> {
        match self.get(sha)? {
            (Kind::Tree, body) => Some(decode_tree(body)),
            _ => None,
        }
    }

    pub fn commit(&self, sha: &str) -> Option<Commit> {
        match self.get(sha)? {
            (Kind::Commit, body) => Commit::decode(body),
            _ => None,
        }
    }

    /// The id of a full 40-hex id or of an unambiguous abbreviation (at least 7 digits).
    pub fn expand(&self, short: &str) -> Option<String> {
        if short.len() < 7 || !short.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let short = short.to_ascii_lowercase();
        let mut hits = self.objects.keys().filter(|k| k.starts_with(&short));
        match (hits.next(), hits.next()) {
            (Some(one), None) => Some(one.clone()),
            _ => None,
        }
    }

    /// Every file (blob) under `tree`, path → bytes.
    pub fn files(&self, tree: &str) -> BTreeMap<String, Vec<u8>> {
        let blobs = self.walk(tree, true).into_iter().filter(|(_, e)| e.kind == Kind::Blob);
        blobs.map(|(path, e)| (path, self.get(&e.sha).unwrap().1.to_vec())).collect()
    }

    /// The entries of `tree` in Git's order; with `recursive`, subtrees' entries follow each
    /// subtree's own (as `git ls-tree -r -t` and GitHub's `?recursive=` list them).
    pub fn walk(&self, tree: &str, recursive: bool) -> Vec<(String, Entry)> {
        let mut out = Vec::new();
        self.walk_into(tree, "", recursive, &mut out);
        out
    }

    fn walk_into(&self, tree: &str, prefix: &str, recursive: bool, out: &mut Vec<(String, Entry)>) {
        for (name, e) in self.tree(tree).unwrap_or_default() {
            let path = format!("{prefix}{name}");
            let sub = (recursive && e.kind == Kind::Tree).then(|| e.sha.clone());
            out.push((path.clone(), e));
            if let Some(sub) = sub {
                self.walk_into(&sub, &format!("{path}/"), true, out);
            }
        }
    }

    /// Applies `changes` in order to `base` (or to an empty tree) and stores the result;
    /// `Err` says which path could not be changed.
    pub fn edit_tree(&mut self, base: Option<&str>, changes: &[(String, Change)]) -> Result<String, String> {
        let mut root = base.map(|b| self.load(b)).unwrap_or_default();
        for (path, change) in changes {
            let parts: Vec<&str> = path.split('/').collect();
            self.change(&mut root, &parts, change).map_err(|why| format!("tree.path {path:?} {why}"))?;
        }
        Ok(self.store(&root).unwrap_or_else(|| self.put_tree(&BTreeMap::new())))
    }

    fn load(&self, tree: &str) -> BTreeMap<String, Node> {
        let entries = self.tree(tree).unwrap_or_default().into_iter();
        entries.map(|(name, e)| (name, Node::Leaf(e))).collect()
    }

    fn change(&self, dir: &mut BTreeMap<String, Node>, parts: &[&str], change: &Change) -> Result<(), String> {
        let (name, rest) = (parts[0].to_string(), &parts[1..]);
        if rest.is_empty() {
            return match change {
                Change::Set(e) => {
                    dir.insert(name, Node::Leaf(e.clone()));
                    Ok(())
                }
                Change::Delete => dir.remove(&name).map(|_| ()).ok_or_else(|| "does not exist".to_string()),
            };
        }
        if !dir.contains_key(&name) {
            if matches!(change, Change::Delete) {
                return Err("does not exist".into());
            }
            dir.insert(name.clone(), Node::Dir(BTreeMap::new()));
        }
        let node = dir.get_mut(&name).unwrap();
        if let Node::Leaf(e) = node {
            if e.kind != Kind::Tree {
                return Err(format!("goes through {name:?}, which is a {}", e.kind.name()));
            }
            *node = Node::Dir(self.load(&e.sha));
        }
        let Node::Dir(sub) = node else { unreachable!() };
        self.change(sub, rest, change)
    }

    /// Writes a directory's subtrees and itself; `None` for an empty directory (it vanishes).
    fn store(&mut self, dir: &BTreeMap<String, Node>) -> Option<String> {
        let mut entries = BTreeMap::new();
        for (name, node) in dir {
            let entry = match node {
                Node::Leaf(e) => e.clone(),
                Node::Dir(sub) => match self.store(sub) {
                    Some(sha) => Entry { mode: "040000".into(), kind: Kind::Tree, sha },
                    None => continue,
                },
            };
            entries.insert(name.clone(), entry);
        }
        (!entries.is_empty()).then(|| self.put_tree(&entries))
    }

    /// `sha` and every commit reachable from it through parents.
    pub fn ancestors(&self, sha: &str) -> HashSet<String> {
        let (mut seen, mut todo) = (HashSet::new(), vec![sha.to_string()]);
        while let Some(c) = todo.pop() {
            if seen.insert(c.clone()) {
                todo.extend(self.commit(&c).map(|c| c.parents).unwrap_or_default());
            }
        }
        seen
    }

    /// The best common ancestor, as `git merge-base` picks it: a common ancestor that is no
    /// other common ancestor's parent (hence not their ancestor); among several (criss-cross
    /// merges) the newest by committer date.
    pub fn merge_base(&self, a: &str, b: &str) -> Option<String> {
        let common: HashSet<String> = self.ancestors(a).intersection(&self.ancestors(b)).cloned().collect();
        let parents: HashSet<String> =
            common.iter().flat_map(|c| self.commit(c).map(|c| c.parents).unwrap_or_default()).collect();
        let best = common.iter().filter(|c| !parents.contains(*c));
        best.max_by_key(|c| (self.commit(c).map(|c| c.committer.time), (*c).clone())).cloned()
    }

    /// Commits reachable from `head` but not from `base`, parents before children (the
    /// chronological order GitHub's compare lists them in).
    pub fn only_in(&self, head: &str, base: &str) -> Vec<String> {
        let exclude = self.ancestors(base);
        let (mut out, mut seen) = (Vec::new(), HashSet::new());
        let mut stack = vec![(head.to_string(), false)];
        while let Some((c, expanded)) = stack.pop() {
            if expanded {
                out.push(c);
                continue;
            }
            if exclude.contains(&c) || !seen.insert(c.clone()) {
                continue;
            }
            stack.push((c.clone(), true));
            let parents = self.commit(&c).map(|c| c.parents).unwrap_or_default();
            stack.extend(parents.into_iter().rev().map(|p| (p, false)));
        }
        out
    }

    /// Writes every object (zlib-compressed loose objects) and ref into a bare repository at
    /// `dir`, with HEAD on `main` if it exists, else on the first branch.
    pub fn export(&self, dir: &Path) -> std::io::Result<()> {
        for sub in ["objects/info", "objects/pack", "refs/heads", "refs/tags"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        std::fs::write(dir.join("config"), "[core]\n\trepositoryformatversion = 0\n\tbare = true\n")?;
        let heads = self.refs.keys().filter(|r| r.starts_with("refs/heads/"));
        let head = heads.clone().find(|r| *r == "refs/heads/main").or(heads.clone().next());
        std::fs::write(dir.join("HEAD"), format!("ref: {}\n", head.map_or("refs/heads/main", |h| h)))?;
        for (name, sha) in &self.refs {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap())?;
            std::fs::write(path, format!("{sha}\n"))?;
        }
        let empty = (EMPTY_TREE.to_string(), (Kind::Tree, Vec::new()));
        for (sha, (kind, body)) in self.objects.iter().chain([(&empty.0, &empty.1)]) {
            let path = dir.join("objects").join(&sha[..2]).join(&sha[2..]);
            std::fs::create_dir_all(path.parent().unwrap())?;
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(format!("{} {}\0", kind.name(), body.len()).as_bytes())?;
            z.write_all(body)?;
            std::fs::write(path, z.finish()?)?;
        }
        Ok(())
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` → (unix seconds, offset in minutes).
pub fn parse_date(s: &str) -> Option<(i64, i32)> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let zone = s[19..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let tz = match zone {
        "Z" | "z" => 0,
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) => {
            let m = (z[1..3].parse::<i32>().ok()? * 60) + z[4..6].parse::<i32>().ok()?;
            if z.starts_with('-') {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    // days from civil (proleptic Gregorian), the inverse of fake_github's `timestamp`.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + sec - i64::from(tz) * 60, tz))
}
