//! The fake's Git data API (`git/refs`, `git/commits`, `git/trees`, `git/blobs`) and
//! `compare/{basehead}`, on the object store of `fake_git.rs`.
//!
//! Error answers are GitHub's own where they are known from real responses: 404 for unknown
//! objects and refs on reads; 422 "Reference already exists", "Reference does not exist" (PATCH
//! of a missing ref: not 404), "Update is not a fast forward", "Object does not exist", "Tree SHA
//! does not exist", "Parent SHA does not exist or is not a commit object", and
//! "GitRPC::BadObjectState" for a tree change GitHub cannot apply (deleting a path that does not
//! exist, an unknown `base_tree`). A request whose *shape* is wrong is caught earlier, in
//! `limits`, and is also a violation.

use std::collections::HashMap;

use base64::Engine;
use serde_json::{json, Value};

use super::git::{is_sha, parse_date, Change, Commit, Entry, Kind, Person, Repo};
use super::{docs, error, not_found, unix_now, Inner, Op, Recorded, Reply, State};

/// The operations this file serves.
pub(super) const OPS: [&str; 10] = [
    "git/get-ref",
    "git/create-ref",
    "git/update-ref",
    "git/get-commit",
    "git/create-commit",
    "git/get-tree",
    "git/create-tree",
    "git/get-blob",
    "git/create-blob",
    "repos/compare-commits-with-basehead",
];

/// GitHub's limit on `tree` entries of a recursive `GET git/trees` (then `truncated: true`).
const TREE_LIMIT: usize = 100_000;

/// GitHub's compare lists at most this many commits without paging parameters: the newest.
const COMPARE_LIMIT: usize = 250;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Base64 as GitHub sends blob contents (Ruby's `Base64.encode64`): a `\n` after every 60
/// characters and at the end; nothing at all for an empty blob.
pub(super) fn wrapped_base64(bytes: &[u8]) -> String {
    let text = b64().encode(bytes);
    text.as_bytes().chunks(60).map(|line| String::from_utf8_lossy(line).into_owned() + "\n").collect()
}

/// Decodes `create-blob` base64 content; GitHub accepts line breaks in it.
pub(super) fn unbase64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    b64().decode(compact).ok()
}

/// `%2F` and friends in path parameters (branch names may be sent percent-encoded).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < bytes.len() {
        let hex = (bytes[i] == b'%').then(|| s.get(i + 1..i + 3)).flatten();
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A branch or tag name, full ref name, or (abbreviated) commit id → the commit's id.
fn resolve_commit(repo: &Repo, name: &str) -> Option<String> {
    if let Some(sha) = repo.expand(name).filter(|s| repo.kind(s) == Some(Kind::Commit)) {
        return Some(sha);
    }
    let full = [format!("refs/heads/{name}"), format!("refs/tags/{name}"), name.to_string()];
    full.iter().filter(|f| f.starts_with("refs/")).find_map(|f| repo.refs.get(f)).cloned()
}

/// `GET git/trees/{tree_sha}` takes a tree id, a commit id (its tree) or a ref name.
fn resolve_tree(repo: &Repo, name: &str) -> Option<String> {
    if let Some(sha) = repo.expand(name).filter(|s| repo.kind(s) == Some(Kind::Tree)) {
        return Some(sha);
    }
    resolve_commit(repo, name).and_then(|c| repo.commit(&c)).map(|c| c.tree)
}

/// One entry of the request's `tree` as a change; `Err` is GitHub's message when the object it
/// names is missing or of another type. The shape was checked by `limits`.
fn tree_change(repo: &mut Repo, item: &Value) -> Result<(String, Change), String> {
    let path = item["path"].as_str().unwrap_or_default().to_string();
    if item.get("sha").is_some_and(Value::is_null) {
        return Ok((path, Change::Delete));
    }
    let mode = item["mode"].as_str().unwrap_or_default().to_string();
    let kind = Kind::of_mode(&mode).unwrap();
    if let Some(content) = item["content"].as_str() {
        let sha = repo.put(Kind::Blob, content.as_bytes().to_vec());
        return Ok((path, Change::Set(Entry { mode, kind, sha })));
    }
    let sha = item["sha"].as_str().unwrap_or_default().to_string();
    // A submodule's commit lives in another repository, so only blobs and trees must exist.
    if kind != Kind::Commit && repo.kind(&sha) != Some(kind) {
        return Err(format!("tree.sha {sha} is not a valid {}", kind.name()));
    }
    Ok((path, Change::Set(Entry { mode, kind, sha })))
}

/// Whether the client asked `GET git/blobs` for the raw bytes rather than JSON.
fn wants_raw(r: &Recorded) -> bool {
    let accept = r.headers.iter().filter(|(n, _)| n == "accept").map(|(_, v)| v.as_str());
    let raw = |t: &str| t.starts_with("application/vnd.github.") && t.contains(".raw");
    accept.flat_map(|v| v.split(',')).any(|t| raw(t.trim()))
}

impl Inner {
    fn api(&self, repo: &str, rest: &str) -> String {
        format!("{}/repos/{repo}/{rest}", self.base)
    }

    fn ref_json(&self, name: &str, repo: &Repo, full: &str, sha: &str) -> Value {
        let kind = repo.kind(sha).unwrap_or(Kind::Commit).name();
        json!({
            "ref": full, "node_id": format!("REF_kwDOFake{}", b64().encode(full)),
            "url": self.api(name, &format!("git/{full}")),
            "object": { "type": kind, "sha": sha, "url": self.api(name, &format!("git/{kind}s/{sha}")) },
        })
    }

    fn person_json(p: &Person) -> Value {
        json!({ "name": p.name, "email": p.email, "date": super::timestamp(p.time.max(0) as u64) })
    }

    fn verification(c: &Commit) -> Value {
        match &c.gpgsig {
            // Nobody's key is registered with the fake.
            Some(sig) => json!({ "verified": false, "reason": "unknown_key", "signature": sig,
                                 "payload": c.payload(), "verified_at": null }),
            None => json!({ "verified": false, "reason": "unsigned", "signature": null,
                            "payload": null, "verified_at": null }),
        }
    }

    /// A commit's `parents` as both commit shapes list them; `api` is where their `url` points.
    fn parents_json(&self, name: &str, c: &Commit, api: &str) -> Vec<Value> {
        let parent = |p: &String| {
            json!({ "sha": p, "url": self.api(name, &format!("{api}/{p}")),
                    "html_url": format!("https://github.com/{name}/commit/{p}") })
        };
        c.parents.iter().map(parent).collect()
    }

    /// GitHub's `git-commit` shape (`git/commits` endpoints).
    fn git_commit_json(&self, name: &str, sha: &str, c: &Commit) -> Value {
        let parents = self.parents_json(name, c, "git/commits");
        json!({
            "sha": sha, "node_id": format!("C_kwDOFake{sha}"), "url": self.api(name, &format!("git/commits/{sha}")),
            "html_url": format!("https://github.com/{name}/commit/{sha}"),
            "author": Self::person_json(&c.author), "committer": Self::person_json(&c.committer),
            "tree": { "sha": c.tree, "url": self.api(name, &format!("git/trees/{}", c.tree)) },
            "message": c.message, "parents": parents, "verification": Self::verification(c),
        })
    }

    /// GitHub's `commit` shape (compare's commits). No GitHub users are linked to authors.
    fn commit_json(&self, name: &str, sha: &str, c: &Commit) -> Value {
        let parents = self.parents_json(name, c, "commits");
        json!({
            "sha": sha, "node_id": format!("C_kwDOFake{sha}"), "url": self.api(name, &format!("commits/{sha}")),
            "html_url": format!("https://github.com/{name}/commit/{sha}"),
            "comments_url": self.api(name, &format!("commits/{sha}/comments")),
            "commit": {
                "url": self.api(name, &format!("git/commits/{sha}")),
                "author": Self::person_json(&c.author), "committer": Self::person_json(&c.committer),
                "message": c.message, "comment_count": 0, "verification": Self::verification(c),
                "tree": { "sha": c.tree, "url": self.api(name, &format!("git/trees/{}", c.tree)) },
            },
            "author": null, "committer": null, "parents": parents,
        })
    }

    /// The token's user as a commit author (GitHub's noreply address), now.
    fn actor_person(actor: &str) -> Person {
        let email = format!("{}+{actor}@users.noreply.github.com", super::user_id(actor));
        Person { name: actor.to_string(), email, time: unix_now() as i64, tz: 0 }
    }

    /// `author`/`committer` of a create-commit body; missing fields come from `fallback`.
    fn person(v: Option<&Value>, fallback: &Person) -> Person {
        let Some(v) = v else { return fallback.clone() };
        let text = |k: &str, d: &str| v[k].as_str().unwrap_or(d).to_string();
        let (time, tz) = v["date"].as_str().and_then(parse_date).unwrap_or((fallback.time, fallback.tz));
        Person { name: text("name", &fallback.name), email: text("email", &fallback.email), time, tz }
    }

    /// Performs one of [`OPS`] (validated, under the state lock: a ref's compare-and-swap is
    /// atomic with respect to every other request).
    pub(super) fn git_op(
        &self,
        st: &mut State,
        op: &Op,
        p: &HashMap<String, String>,
        r: &Recorded,
        body: &Value,
    ) -> Reply {
        let name = format!("{}/{}", p["owner"], p["repo"]);
        let docs = docs(&op.id);
        let actor = st.actor.clone();
        let repo = st.repos.entry(name.clone()).or_default();
        let param = |k: &str| percent_decode(&p[k]);
        let str_of = |k: &str| body[k].as_str().unwrap_or_default().to_string();
        match op.id.as_str() {
            "git/get-ref" => {
                let full = format!("refs/{}", param("ref"));
                match repo.refs.get(&full) {
                    Some(sha) => Reply::json(200, self.ref_json(&name, repo, &full, sha)),
                    None => not_found(),
                }
            }
            "git/create-ref" => {
                let (full, sha) = (str_of("ref"), str_of("sha"));
                if repo.refs.contains_key(&full) {
                    return error(422, "Reference already exists", &docs);
                }
                if repo.kind(&sha).is_none() {
                    return error(422, "Object does not exist", &docs);
                }
                repo.refs.insert(full.clone(), sha.clone());
                let json = self.ref_json(&name, repo, &full, &sha);
                Reply::json(201, json).header("location", self.api(&name, &format!("git/{full}")))
            }
            "git/update-ref" => {
                let (full, sha) = (format!("refs/{}", param("ref")), str_of("sha"));
                let Some(current) = repo.refs.get(&full).cloned() else {
                    return error(422, "Reference does not exist", &docs);
                };
                if repo.kind(&sha) != Some(Kind::Commit) {
                    return error(422, "Object does not exist", &docs);
                }
                if body["force"] != true && !repo.ancestors(&sha).contains(&current) {
                    return error(422, "Update is not a fast forward", &docs);
                }
                repo.refs.insert(full.clone(), sha.clone());
                Reply::json(200, self.ref_json(&name, repo, &full, &sha))
            }
            "git/get-commit" => match repo.commit(&param("commit_sha")) {
                Some(c) => Reply::json(200, self.git_commit_json(&name, &param("commit_sha"), &c)),
                None => not_found(),
            },
            "git/create-commit" => {
                let tree = str_of("tree");
                if repo.kind(&tree) != Some(Kind::Tree) {
                    return error(422, "Tree SHA does not exist", &docs);
                }
                let parents: Vec<String> =
                    body["parents"].as_array().into_iter().flatten().map(|v| v.as_str().unwrap().into()).collect();
                if parents.iter().any(|p| repo.kind(p) != Some(Kind::Commit)) {
                    return error(422, "Parent SHA does not exist or is not a commit object", &docs);
                }
                let author = Self::person(body.get("author"), &Self::actor_person(&actor));
                let committer = Self::person(body.get("committer"), &author);
                let gpgsig = body["signature"].as_str().map(str::to_string);
                let c = Commit { tree, parents, author, committer, gpgsig, message: str_of("message") };
                let sha = repo.put(Kind::Commit, c.encode());
                let location = self.api(&name, &format!("git/commits/{sha}"));
                Reply::json(201, self.git_commit_json(&name, &sha, &c)).header("location", location)
            }
            "git/get-tree" => {
                let Some(sha) = resolve_tree(repo, &param("tree_sha")) else { return not_found() };
                // "Setting this parameter to any value" recurses: even `recursive=0` or `=false`.
                let recursive = r.query.split('&').any(|kv| kv.split('=').next() == Some("recursive"));
                self.tree_reply(&name, repo, &sha, recursive, 200)
            }
            "git/create-tree" => {
                let base = body["base_tree"].as_str();
                if base.is_some_and(|b| repo.kind(b) != Some(Kind::Tree)) {
                    return error(422, "GitRPC::BadObjectState", &docs);
                }
                let items = body["tree"].as_array().cloned().unwrap_or_default();
                let changes = match items.iter().map(|i| tree_change(repo, i)).collect::<Result<Vec<_>, _>>() {
                    Ok(changes) => changes,
                    Err(message) => return error(422, &message, &docs),
                };
                // GitHub says no more than this (the fake's reason is in edit_tree's Err).
                let Ok(sha) = repo.edit_tree(base, &changes) else {
                    return error(422, "GitRPC::BadObjectState", &docs);
                };
                // GitHub's Location for a new tree has no `git/` (as its description's example).
                let location = self.api(&name, &format!("trees/{sha}"));
                self.tree_reply(&name, repo, &sha, false, 201).header("location", location)
            }
            "git/get-blob" => {
                let sha = param("file_sha");
                let Some((Kind::Blob, bytes)) = repo.get(&sha) else { return not_found() };
                if wants_raw(r) {
                    let reply = Reply { status: 200, body: None, raw: Some(bytes.to_vec()), headers: Vec::new() };
                    return reply.header("content-type", "application/vnd.github.raw");
                }
                Reply::json(
                    200,
                    json!({ "sha": sha, "node_id": format!("B_kwDOFake{sha}"), "size": bytes.len(),
                            "url": self.api(&name, &format!("git/blobs/{sha}")),
                            "content": wrapped_base64(bytes), "encoding": "base64" }),
                )
            }
            "git/create-blob" => {
                let content = str_of("content");
                let bytes = match body["encoding"].as_str() {
                    Some("base64") => unbase64(&content).unwrap_or_default(),
                    _ => content.into_bytes(),
                };
                let sha = repo.put(Kind::Blob, bytes);
                let url = self.api(&name, &format!("git/blobs/{sha}"));
                Reply::json(201, json!({ "sha": sha, "url": url })).header("location", url)
            }
            "repos/compare-commits-with-basehead" => self.compare(&name, repo, &param("basehead"), &r.query, &docs),
            _ => unreachable!("{} is not a Git operation", op.id),
        }
    }

    /// A tree as `GET`/`POST git/trees` answer it.
    fn tree_reply(&self, name: &str, repo: &Repo, sha: &str, recursive: bool, status: u16) -> Reply {
        let entries = repo.walk(sha, recursive);
        let truncated = entries.len() > TREE_LIMIT;
        let tree: Vec<Value> = entries
            .into_iter()
            .take(TREE_LIMIT)
            .map(|(path, e)| {
                let mut v = json!({ "path": path, "mode": e.mode, "type": e.kind.name(), "sha": e.sha });
                if e.kind != Kind::Commit {
                    v["url"] = json!(self.api(name, &format!("git/{}s/{}", e.kind.name(), e.sha)));
                }
                if let Some((Kind::Blob, bytes)) = repo.get(&e.sha) {
                    v["size"] = json!(bytes.len());
                }
                v
            })
            .collect();
        let url = self.api(name, &format!("git/trees/{sha}"));
        Reply::json(status, json!({ "sha": sha, "url": url, "tree": tree, "truncated": truncated }))
    }

    /// `compare/BASE...HEAD`: the real merge base over the commit graph, and the commits only in
    /// HEAD, oldest first. `files` is left out (optional in the schema; the fake does no diffs).
    fn compare(&self, name: &str, repo: &Repo, basehead: &str, query: &str, docs: &str) -> Reply {
        let Some((base, head)) = basehead.split_once("...") else { return not_found() };
        let (Some(b), Some(h)) = (resolve_commit(repo, base), resolve_commit(repo, head)) else {
            return not_found();
        };
        let Some(mb) = repo.merge_base(&b, &h) else {
            return error(404, &format!("No common ancestor between {base} and {head}."), docs);
        };
        let ahead = repo.only_in(&h, &b);
        let behind_by = repo.only_in(&b, &h).len();
        let status = match (ahead.len(), behind_by) {
            (0, 0) => "identical",
            (_, 0) => "ahead",
            (0, _) => "behind",
            _ => "diverged",
        };
        let q: HashMap<&str, usize> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
            .collect();
        let page: Vec<&String> = match (q.get("per_page"), q.get("page")) {
            (None, None) => ahead.iter().skip(ahead.len().saturating_sub(COMPARE_LIMIT)).collect(),
            (per, page) => {
                let per = per.copied().unwrap_or(30).clamp(1, 100);
                ahead.iter().skip((page.copied().unwrap_or(1).max(1) - 1) * per).take(per).collect()
            }
        };
        let json_of = |sha: &str| self.commit_json(name, sha, &repo.commit(sha).unwrap());
        let owner = name.split('/').next().unwrap();
        Reply::json(
            200,
            json!({
                "url": self.api(name, &format!("compare/{basehead}")),
                "html_url": format!("https://github.com/{name}/compare/{basehead}"),
                "permalink_url": format!("https://github.com/{name}/compare/{owner}:{b}...{owner}:{h}"),
                "diff_url": format!("https://github.com/{name}/compare/{basehead}.diff"),
                "patch_url": format!("https://github.com/{name}/compare/{basehead}.patch"),
                "base_commit": json_of(&b), "merge_base_commit": json_of(&mb),
                "status": status, "ahead_by": ahead.len(), "behind_by": behind_by,
                "total_commits": ahead.len(), "commits": page.iter().map(|s| json_of(s)).collect::<Vec<_>>(),
            }),
        )
    }
}

/// Shape rules of the Git operations that the schemas do not state (GitHub answers 422):
/// (resource, field, message) of the first one broken.
pub(super) fn limits(op_id: &str, body: &Value) -> Option<(&'static str, String, String)> {
    match op_id {
        "git/create-ref" => {
            let full = body["ref"].as_str().unwrap_or_default();
            (!valid_ref(full)).then(|| ("Reference", "ref".into(), format!("{full:?} is not a valid ref name")))
        }
        "git/create-blob" => match body["encoding"].as_str() {
            None | Some("utf-8") => None,
            Some("base64") if unbase64(body["content"].as_str().unwrap_or_default()).is_none() => {
                Some(("Blob", "content".into(), "content is not valid Base64".into()))
            }
            Some("base64") => None,
            Some(other) => {
                Some(("Blob", "encoding".into(), format!("encoding {other:?} is not supported (utf-8, base64)")))
            }
        },
        "git/create-tree" => body["tree"].as_array().into_iter().flatten().find_map(tree_item_problem),
        "git/create-commit" => {
            let parents = body["parents"].as_array().into_iter().flatten();
            parents
                .filter_map(Value::as_str)
                .find(|p| !is_sha(p))
                .map(|p| ("Commit", "parents".into(), format!("parent {p:?} is not a full 40-character SHA")))
        }
        _ => None,
    }
}

/// What is wrong with one entry of `POST git/trees`'s `tree`, if anything.
fn tree_item_problem(item: &Value) -> Option<(&'static str, String, String)> {
    let problem = |m: String| Some(("Tree", "tree".to_string(), m));
    let path = item["path"].as_str().unwrap_or_default();
    let bad = |c: &str| c.is_empty() || c == "." || c == ".." || c.eq_ignore_ascii_case(".git");
    if path.split('/').any(bad) {
        return problem(format!("tree.path {path:?} contains a malformed path component"));
    }
    let (sha, content) = (item.get("sha"), item.get("content"));
    // `sha: null` (delete) counts as a sha: with `content` too it is rejected as well.
    if sha.is_some() == content.is_some() {
        return problem(
            "Must supply either tree.sha or tree.content. Request will be rejected if both are present.".into(),
        );
    }
    if sha.is_some_and(Value::is_null) {
        return None;
    }
    let mode = item["mode"].as_str().unwrap_or_default();
    let Some(kind) = Kind::of_mode(mode) else { return problem(format!("tree.mode is required for {path:?}")) };
    match item["type"].as_str().map(Kind::parse) {
        Some(Some(t)) if t != kind => problem(format!("tree.type {} does not match mode {mode}", t.name())),
        _ if content.is_some() && kind != Kind::Blob => problem("tree.content is only for blobs".into()),
        _ => None,
    }
}

/// `git check-ref-format`'s rules, and GitHub's: `refs/` and at least two slashes.
fn valid_ref(full: &str) -> bool {
    let forbidden = |c: char| c.is_ascii_control() || " ~^:?*[\\".contains(c);
    full.starts_with("refs/")
        && full.matches('/').count() >= 2
        && !full.contains("..")
        && !full.contains("@{")
        && !full.contains("//")
        && !full.ends_with('/')
        && !full.ends_with(".lock")
        && !full.ends_with('.')
        && !full.chars().any(forbidden)
        && full.split('/').all(|c| !c.starts_with('.'))
}
