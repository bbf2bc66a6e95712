//! A stateful fake of the GitHub REST API for end-to-end tests, on 127.0.0.1.
//!
//! Why a fake rather than mocks of our own client: the binary talks HTTP through octocrab, and
//! what must hold is what GitHub would accept. So every request is checked against GitHub's own
//! REST description (`tests/github-api/openapi-slim.json`): the route must exist for that method,
//! the JSON body must validate against the operation's request schema, the headers GitHub asks
//! for must be there, and the limits GitHub enforces without stating them in the schema are
//! applied. Anything wrong is answered as GitHub answers it (404, 422, ...) *and* recorded in
//! [`FakeGitHub::violations`], which tests assert is empty.
//!
//! Responses start from the description's example for the operation (so every field octocrab's
//! models need exists) with the real values patched in, and are themselves validated against the
//! operation's response schema: a mismatch is recorded as a `fake bug:` violation.
//!
//! Issues and pull requests exist implicitly: any number can take comments, and `GET pulls/{n}`
//! answers the description's example with the number patched in (see [`FakeGitHub::set_pull`]).
//!
//! Order per request: record it, check headers, route (404 if none), injected fault, read-only
//! 403 for writes, body validation (400/422), then the operation. So faults fire only on routed
//! requests, and before the read-only check.
//!
//! Git's data API (`git/refs`, `git/commits`, `git/trees`, `git/blobs`) and `compare` work on a
//! per-repository object store with real Git object ids (`fake_git.rs`, operations in
//! `fake_github_git.rs`). Repositories start empty and exist implicitly, like issues. Tests make
//! "code" history with [`FakeGitHub::code_commit`] and [`FakeGitHub::set_ref`], read a branch back
//! with [`FakeGitHub::branch_files`] / [`FakeGitHub::branch_log`], and can hand the repository to
//! real `git` with [`FakeGitHub::export_git`].
//!
//! Races: each request runs whole under the state lock, so a ref update's compare-and-swap is
//! atomic and concurrent clients race as on GitHub. To make the branch move *between* a client's
//! read and its ref update deterministically, use [`FakeGitHub::on_next`] on the update:
//! `fake.on_next("PATCH", "/git/refs/heads/data$", |gh| gh.set_ref(...))` runs just before the
//! client's PATCH is handled, so the PATCH meets a ref it has not seen (422 not a fast forward).

#![allow(dead_code, reason = "each test file uses a different subset")]

#[path = "fake_git.rs"]
pub mod git;
#[path = "fake_github_git.rs"]
mod git_api;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use regex::Regex;
use serde_json::{json, Value};

/// The base URI the description is registered under, so `#/components/...` refs resolve in it.
const SPEC_URI: &str = "urn:github-rest-description";
const DOCS: &str = "https://docs.github.com/rest";
const API_VERSION: &str = "2022-11-28";

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path without the prefix and without the query string.
    pub path: String,
    pub query: String,
    /// Names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// What to do instead of (or after) the normal answer; see [`FakeGitHub::inject`].
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status and a GitHub-style JSON error, without performing the operation.
    Status(u16),
    /// Perform the operation (e.g. store the comment), then answer with this status — as when
    /// GitHub stored it but the response was lost.
    StatusAfterApply(u16),
    /// Perform the operation, then sleep this long before answering (the client should time out).
    DelayAfterApply(Duration),
    /// 403 secondary rate limit, with header `retry-after: N` seconds.
    SecondaryRateLimit { retry_after_secs: u64 },
    /// 429 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset: <unix now + secs>`.
    RateLimitReset { reset_in_secs: u64 },
}

/// One operation of the description, compiled.
struct Op {
    id: String,
    method: String,
    template: String,
    pattern: Regex,
    /// Path parameters in order: name, and whether the schema says integer.
    params: Vec<(String, bool)>,
    body: Option<jsonschema::Validator>,
    /// Status → (response body validator, examples by name).
    responses: HashMap<u16, (Option<jsonschema::Validator>, HashMap<String, Value>)>,
}

struct Spec {
    ops: Vec<Op>,
}

/// The description, parsed and compiled once per test binary (compiling takes a moment).
fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(load_spec)
}

/// Follows a `{"$ref": "#/..."}` inside the description; returns the JSON pointer and the value.
fn deref<'a>(doc: &'a Value, v: &'a Value, pointer: String) -> (String, &'a Value) {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let p = r.trim_start_matches('#').to_string();
            (p.clone(), doc.pointer(&p).unwrap_or_else(|| panic!("dangling $ref {r}")))
        }
        None => (pointer, v),
    }
}

/// jsonschema 0.61 resolves `$ref`s through a `Registry`: the whole description is registered
/// as one resource under `SPEC_URI`, and each validator is built from a one-line wrapper schema
/// `{"$ref": "urn:...#/paths/<escaped path>/<method>/requestBody/..."}`. Refs inside the target
/// (`#/components/schemas/...`) then resolve against that same document. The path's `{` and `}`
/// must be percent-encoded in the URI fragment, `/` and `~` JSON-pointer-escaped.
fn load_spec() -> Spec {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/github-api/openapi-slim.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    // Upstream defect (see tests/github-api/README.md): requested_teams[0] lacks `type`.
    if let Some(Value::Array(teams)) = doc.pointer_mut("/components/examples/pull-request/value/requested_teams") {
        for team in teams {
            team.as_object_mut().unwrap().entry("type").or_insert(json!("organization"));
        }
    }
    let registry = jsonschema::Registry::new().add(SPEC_URI, doc.clone()).unwrap().prepare().unwrap();
    let compile = |pointer: &str| {
        let wrapper = json!({ "$ref": format!("{SPEC_URI}#{pointer}") });
        jsonschema::options()
            .with_registry(&registry)
            .should_validate_formats(true)
            .build(&wrapper)
            .unwrap_or_else(|e| panic!("schema at {pointer}: {e}"))
    };
    let segments = Regex::new(r"\{(\w+)\}|[^{]+").unwrap();
    let mut ops = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        let escaped = template.replace('~', "~0").replace('/', "~1");
        let escaped = escaped.replace('{', "%7B").replace('}', "%7D");
        for (method, op) in item.as_object().unwrap() {
            let base = format!("/paths/{escaped}/{method}");
            let mut params = Vec::new();
            let mut regex = String::from("^");
            let mut multi = HashMap::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let (_, p) = deref(&doc, p, String::new());
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap().to_string();
                    multi.insert(name.clone(), p.get("x-multi-segment").is_some());
                    params.push((name, p["schema"]["type"] == "integer"));
                }
            }
            for part in segments.captures_iter(template) {
                regex += &match part.get(1) {
                    Some(name) if multi[name.as_str()] => "(.+)".to_string(),
                    Some(_) => "([^/]+)".to_string(),
                    None => regex::escape(&part[0]),
                };
            }
            let body =
                op.get("requestBody").map(|_| compile(&format!("{base}/requestBody/content/application~1json/schema")));
            let mut responses = HashMap::new();
            for (code, r) in op["responses"].as_object().unwrap() {
                let (pointer, r) = deref(&doc, r, format!("{base}/responses/{code}"));
                let content = &r["content"]["application/json"];
                let schema =
                    content.get("schema").map(|_| compile(&format!("{pointer}/content/application~1json/schema")));
                let examples = content["examples"].as_object().into_iter().flatten();
                let examples = examples.map(|(k, e)| (k.clone(), deref(&doc, e, String::new()).1["value"].clone()));
                responses.insert(code.parse().unwrap(), (schema, examples.collect()));
            }
            ops.push(Op {
                id: op["operationId"].as_str().unwrap().to_string(),
                method: method.to_uppercase(),
                template: template.clone(),
                pattern: Regex::new(&(regex + "$")).unwrap(),
                params,
                body,
                responses,
            });
        }
    }
    Spec { ops }
}

impl Spec {
    /// The operation for `method path` and its path parameters, or why there is none.
    fn route(&self, method: &str, path: &str) -> Result<(&Op, HashMap<String, String>), String> {
        let matching: Vec<&Op> = self.ops.iter().filter(|op| op.pattern.is_match(path)).collect();
        let op = matching
            .iter()
            .filter(|op| op.method == method)
            .max_by_key(|op| op.template.len() - 2 * op.params.len())
            .ok_or_else(|| match matching.is_empty() {
                true => "no such route in GitHub's REST description".to_string(),
                false => {
                    let allowed: Vec<String> =
                        matching.iter().map(|o| format!("{} {}", o.method, o.template)).collect();
                    format!("wrong method; the description has {}", allowed.join(", "))
                }
            })?;
        let caps = op.pattern.captures(path).unwrap();
        let mut values = HashMap::new();
        for (i, (name, integer)) in op.params.iter().enumerate() {
            let value = &caps[i + 1];
            if *integer && value.parse::<u64>().is_err() {
                return Err(format!("path parameter {name} = {value:?} is not an integer"));
            }
            values.insert(name.clone(), value.to_string());
        }
        Ok((op, values))
    }
}

/// An answer before it is written to the socket.
struct Reply {
    status: u16,
    body: Option<Value>,
    /// Bytes to send instead of a JSON body (a raw blob); its content-type is in `headers`.
    raw: Option<Vec<u8>>,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply { status, body: Some(body), raw: None, headers: Vec::new() }
    }
    fn header(mut self, name: &str, value: impl ToString) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

fn error(status: u16, message: &str, docs: &str) -> Reply {
    Reply::json(status, json!({ "message": message, "documentation_url": docs }))
}

fn not_found() -> Reply {
    error(404, "Not Found", DOCS)
}

/// GitHub's 422 shape, one entry in `errors`.
fn invalid(resource: &str, field: &str, code: &str, message: &str, docs: &str) -> Reply {
    let e = json!({ "resource": resource, "code": code, "field": field, "message": message });
    Reply::json(422, json!({ "message": "Validation Failed", "errors": [e], "documentation_url": docs }))
}

/// The message GitHub puts in an error body for a status.
fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Bad credentials",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        422 => "Validation Failed",
        500 => "Internal Server Error",
        502 => "Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

fn docs(op_id: &str) -> String {
    let anchor = match op_id {
        "issues/list-comments" => "issues/comments#list-issue-comments",
        "issues/create-comment" => "issues/comments#create-an-issue-comment",
        "issues/update-comment" => "issues/comments#update-an-issue-comment",
        "issues/delete-comment" => "issues/comments#delete-an-issue-comment",
        "repos/create-commit-status" => "commits/statuses#create-a-commit-status",
        "checks/create" => "checks/runs#create-a-check-run",
        "checks/update" => "checks/runs#update-a-check-run",
        "pulls/get" => "pulls/pulls#get-a-pull-request",
        "git/get-ref" => "git/refs#get-a-reference",
        "git/create-ref" => "git/refs#create-a-reference",
        "git/update-ref" => "git/refs#update-a-reference",
        "git/get-commit" => "git/commits#get-a-commit-object",
        "git/create-commit" => "git/commits#create-a-commit",
        "git/get-tree" => "git/trees#get-a-tree",
        "git/create-tree" => "git/trees#create-a-tree",
        "git/get-blob" => "git/blobs#get-a-blob",
        "git/create-blob" => "git/blobs#create-a-blob",
        "repos/compare-commits-with-basehead" => "commits/commits#compare-two-commits",
        _ => return DOCS.to_string(),
    };
    format!("{DOCS}/{anchor}")
}

/// The GitHub user id the fake gives a login (github-actions[bot]'s real one).
fn user_id(login: &str) -> u64 {
    if login == "github-actions[bot]" {
        41_898_282
    } else {
        1 + login.len() as u64
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// `YYYY-MM-DDTHH:MM:SSZ`, as GitHub writes timestamps (civil-from-days, proleptic Gregorian).
fn timestamp(secs: u64) -> String {
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

/// Recursively merges `patch` into `target` (objects merge, anything else replaces).
fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p.clone(),
    }
}

struct Comment {
    repo: String,
    number: u64,
    json: Value,
}

struct CheckRun {
    repo: String,
    json: Value,
    /// All annotations sent (GitHub appends them on each update; responses only count them).
    annotations: Vec<Value>,
}

struct Armed {
    method: String,
    path: Regex,
    left: usize,
    fault: Fault,
}

/// An action to run when a matching request arrives; see [`FakeGitHub::on_next`].
struct Hook {
    method: String,
    path: Regex,
    action: Box<dyn FnOnce(&FakeGitHub) + Send>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    actor: String,
    read_only: bool,
    comments: Vec<Comment>,
    statuses: Vec<(String, String, Value)>,
    check_runs: Vec<CheckRun>,
    pulls: HashMap<(String, u64), Value>,
    requests: Vec<Recorded>,
    violations: Vec<String>,
    faults: Vec<Armed>,
    hooks: Vec<Hook>,
    /// "owner/repo" → its Git objects and refs.
    repos: HashMap<String, git::Repo>,
    /// Counts `code_commit`s, so that each has its own message and id.
    code_commits: u64,
}

impl State {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id - 1
    }
}

struct Inner {
    /// `http://127.0.0.1:PORT{prefix}`.
    base: String,
    prefix: String,
    state: Mutex<State>,
}

/// The fake server; stops when dropped.
pub struct FakeGitHub {
    inner: Arc<Inner>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// A listener on a free port of 127.0.0.1 whose connections send at once (TCP_NODELAY, which
/// Linux copies to accepted sockets): tiny_http writes a response's head and body separately,
/// and with Nagle's algorithm the body waited for the client's delayed ACK — about 40 ms per
/// request, which made a thousand-save test take minutes.
fn nodelay_listener() -> std::net::TcpListener {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket.set_tcp_nodelay(true).expect("TCP_NODELAY");
    socket.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into()).expect("bind 127.0.0.1");
    socket.listen(128).expect("listen");
    socket.into()
}

impl FakeGitHub {
    /// Starts on 127.0.0.1 on a free port, serving under `prefix` ("" for api.github.com style,
    /// "/api/v3" for GHES).
    pub fn start(prefix: &str) -> FakeGitHub {
        spec();
        let server = tiny_http::Server::from_listener(nodelay_listener(), None).expect("serve on 127.0.0.1");
        let port = server.server_addr().to_ip().unwrap().port();
        let prefix = prefix.trim_end_matches('/').to_string();
        let state = State { next_id: 1000, actor: "github-actions[bot]".into(), ..State::default() };
        let base = format!("http://127.0.0.1:{port}{prefix}");
        let inner = Arc::new(Inner { base, prefix, state: Mutex::new(state) });
        let stop = Arc::new(AtomicBool::new(false));
        let (inner2, stop2) = (inner.clone(), stop.clone());
        // A thread per request, so a DelayAfterApply does not hold up other requests; a short
        // recv timeout so the loop notices `stop` when the fake is dropped.
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                if let Ok(Some(rq)) = server.recv_timeout(Duration::from_millis(50)) {
                    let inner = inner2.clone();
                    std::thread::spawn(move || {
                        run_hook(&inner, &rq);
                        inner.handle(rq)
                    });
                }
            }
        });
        FakeGitHub { inner, stop, thread: Some(thread) }
    }

    /// Base URL to put in GITHUB_API_URL, e.g. "http://127.0.0.1:PORT/api/v3" (no trailing slash).
    pub fn url(&self) -> String {
        self.inner.base.clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Pre-populates `n` comments on issue/PR `number` of `owner/repo`, each with body
    /// `body_of(i)` and author login `user`.
    pub fn seed_comments(
        &self,
        owner_repo: &str,
        number: u64,
        n: usize,
        user: &str,
        body_of: impl Fn(usize) -> String,
    ) {
        let mut st = self.state();
        for i in 0..n {
            let c = self.inner.new_comment(&mut st, owner_repo, number, user, &body_of(i));
            st.comments.push(c);
        }
    }

    /// Current comments of a PR, in creation order, as JSON (GitHub's issue-comment shape).
    pub fn comments(&self, owner_repo: &str, number: u64) -> Vec<Value> {
        let st = self.state();
        let of = st.comments.iter().filter(|c| c.repo == owner_repo && c.number == number);
        of.map(|c| c.json.clone()).collect()
    }

    /// Commit statuses posted for `sha` (GitHub's status shape), in order.
    pub fn statuses(&self, owner_repo: &str, sha: &str) -> Vec<Value> {
        let st = self.state();
        let of = st.statuses.iter().filter(|(r, s, _)| r == owner_repo && s == sha);
        of.map(|(_, _, v)| v.clone()).collect()
    }

    /// Check runs created (with later PATCH updates merged in), in order. Unlike GitHub's
    /// responses, `output.annotations` holds every annotation sent, in order.
    pub fn check_runs(&self, owner_repo: &str) -> Vec<Value> {
        let st = self.state();
        let of = st.check_runs.iter().filter(|c| c.repo == owner_repo);
        of.map(|c| {
            let mut v = c.json.clone();
            v["output"]["annotations"] = Value::Array(c.annotations.clone());
            v
        })
        .collect()
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// Problems found in requests (and `fake bug:` lines for responses that break the schema).
    pub fn violations(&self) -> Vec<String> {
        self.state().violations.clone()
    }

    /// Queues a fault for the next `times` requests matching `method` ("*" for any) and
    /// `path_regex` (searched in the path without prefix; anchor it yourself).
    pub fn inject(&self, method: &str, path_regex: &str, times: usize, fault: Fault) {
        let path = Regex::new(path_regex).expect("fault path regex");
        let method = method.to_uppercase();
        self.state().faults.push(Armed { method, path, left: times, fault });
    }

    /// Makes every write answer 403 "Resource not accessible by integration" like a read-only
    /// token (a pull request from a fork).
    pub fn read_only(&self, on: bool) {
        self.state().read_only = on;
    }

    /// Login of the token's user, the author of comments created through the API.
    pub fn set_actor(&self, login: &str) {
        self.state().actor = login.to_string();
    }

    /// JSON merged into the example that `GET /repos/{owner_repo}/pulls/{number}` answers,
    /// e.g. `{"head": {"sha": "..."}, "base": {"ref": "main"}}`.
    pub fn set_pull(&self, owner_repo: &str, number: u64, patch: Value) {
        self.state().pulls.insert((owner_repo.to_string(), number), patch);
    }

    /// Runs `action` once, when the next request matching `method` ("*" for any) and
    /// `path_regex` (path without prefix and query) arrives, before that request is handled. The
    /// action gets a handle on this same fake (e.g. to move a branch with [`Self::set_ref`]).
    pub fn on_next(&self, method: &str, path_regex: &str, action: impl FnOnce(&FakeGitHub) + Send + 'static) {
        let path = Regex::new(path_regex).expect("hook path regex");
        self.state().hooks.push(Hook { method: method.to_uppercase(), path, action: Box::new(action) });
    }

    /// Makes a "code" commit in `owner_repo`: an empty tree, these parents, author and committer
    /// date `date` (`YYYY-MM-DDTHH:MM:SSZ` or with an offset), message "code commit N" (N counts
    /// up, so equal parents and dates still give distinct commits). Returns its id.
    pub fn code_commit(&self, owner_repo: &str, parents: &[&str], date: &str) -> String {
        let (time, tz) = git::parse_date(date).unwrap_or_else(|| panic!("not a date: {date:?}"));
        let mut st = self.state();
        st.code_commits += 1;
        let message = format!("code commit {}\n", st.code_commits);
        let repo = st.repos.entry(owner_repo.to_string()).or_default();
        let tree = repo.put_tree(&BTreeMap::new());
        for p in parents {
            assert_eq!(repo.kind(p), Some(git::Kind::Commit), "parent {p} is not a commit of {owner_repo}");
        }
        let who = git::Person { name: "Code Author".into(), email: "code@example.com".into(), time, tz };
        let parents = parents.iter().map(|p| p.to_string()).collect();
        let c = git::Commit { tree, parents, author: who.clone(), committer: who, gpgsig: None, message };
        repo.put(git::Kind::Commit, c.encode())
    }

    /// Points branch `refs/heads/{branch}` of `owner_repo` at commit `sha` (created or moved, no
    /// fast-forward check: as a push by someone else would).
    pub fn set_ref(&self, owner_repo: &str, branch: &str, sha: &str) {
        let mut st = self.state();
        let repo = st.repos.entry(owner_repo.to_string()).or_default();
        assert_eq!(repo.kind(sha), Some(git::Kind::Commit), "{sha} is not a commit of {owner_repo}");
        repo.refs.insert(format!("refs/heads/{branch}"), sha.to_string());
    }

    /// The commit `refs/heads/{branch}` points at, if the branch exists.
    pub fn ref_sha(&self, owner_repo: &str, branch: &str) -> Option<String> {
        let st = self.state();
        st.repos.get(owner_repo)?.refs.get(&format!("refs/heads/{branch}")).cloned()
    }

    /// The files of the branch's tip tree, path → bytes (empty if there is no such branch).
    pub fn branch_files(&self, owner_repo: &str, branch: &str) -> BTreeMap<String, Vec<u8>> {
        let Some(tip) = self.ref_sha(owner_repo, branch) else { return BTreeMap::new() };
        let st = self.state();
        let repo = &st.repos[owner_repo];
        repo.files(&repo.commit(&tip).unwrap().tree)
    }

    /// Messages of the branch's commits, newest first, following first parents (empty if there
    /// is no such branch).
    pub fn branch_log(&self, owner_repo: &str, branch: &str) -> Vec<String> {
        let mut next = self.ref_sha(owner_repo, branch);
        let st = self.state();
        let mut log = Vec::new();
        while let Some(c) = next.and_then(|sha| st.repos[owner_repo].commit(&sha)) {
            log.push(c.message.clone());
            next = c.parents.first().cloned();
        }
        log
    }

    /// Writes `owner_repo`'s objects and refs into a new bare Git repository at `dir` (loose
    /// zlib objects, as `git` writes them), for `git fsck`, `git log`, `git clone`.
    pub fn export_git(&self, owner_repo: &str, dir: &Path) {
        let st = self.state();
        let empty = git::Repo::default();
        st.repos.get(owner_repo).unwrap_or(&empty).export(dir).expect("export the repository");
    }
}

/// Runs (and drops) the first hook matching the request, outside the state lock so the action
/// can use the fake's own methods. The handle it gets shares this server's state.
fn run_hook(inner: &Arc<Inner>, rq: &tiny_http::Request) {
    let method = rq.method().as_str().to_uppercase();
    let path = rq.url().split('?').next().unwrap_or("");
    let path = path.strip_prefix(&inner.prefix).unwrap_or(path);
    let hook = {
        let mut st = inner.state();
        let i = st.hooks.iter().position(|h| (h.method == "*" || h.method == method) && h.path.is_match(path));
        i.map(|i| st.hooks.remove(i))
    };
    if let Some(hook) = hook {
        let view = FakeGitHub { inner: inner.clone(), stop: Arc::new(AtomicBool::new(false)), thread: None };
        (hook.action)(&view);
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The description's example for `op_id`'s `status` answer: `name`, else "default", else any.
fn example(op_id: &str, status: u16, name: &str) -> Value {
    let op = spec().ops.iter().find(|o| o.id == op_id).unwrap();
    let examples = &op.responses[&status].1;
    examples.get(name).or(examples.get("default")).or(examples.values().next()).unwrap().clone()
}

impl Inner {
    fn user(&self, login: &str) -> Value {
        let mut u = example("issues/create-comment", 201, "")["user"].clone();
        let bot = login.ends_with("[bot]");
        let id = user_id(login);
        let name = login.trim_end_matches("[bot]");
        merge(
            &mut u,
            &json!({
                "login": login, "id": id, "type": if bot { "Bot" } else { "User" },
                "url": format!("{}/users/{}", self.base, login.replace('[', "%5B").replace(']', "%5D")),
                "html_url": if bot { format!("https://github.com/apps/{name}") }
                            else { format!("https://github.com/{login}") },
            }),
        );
        u
    }

    fn new_comment(&self, st: &mut State, repo: &str, number: u64, user: &str, body: &str) -> Comment {
        let id = st.id();
        let now = timestamp(unix_now());
        let mut json = example("issues/create-comment", 201, "");
        merge(
            &mut json,
            &json!({
                "id": id, "node_id": format!("IC_kwDOFake{id}"), "body": body,
                "url": format!("{}/repos/{repo}/issues/comments/{id}", self.base),
                "html_url": format!("https://github.com/{repo}/pull/{number}#issuecomment-{id}"),
                "issue_url": format!("{}/repos/{repo}/issues/{number}", self.base),
                "created_at": now, "updated_at": now, "user": self.user(user),
            }),
        );
        Comment { repo: repo.to_string(), number, json }
    }

    /// Records a problem, shortened: jsonschema's messages quote the whole offending value.
    fn violation(&self, st: &mut State, what: String) {
        let short: String = what.chars().take(300).collect();
        st.violations.push(if short.len() < what.len() { short + "…" } else { what });
    }

    fn handle(&self, mut rq: tiny_http::Request) {
        let method = rq.method().as_str().to_uppercase();
        let (path, query) = rq.url().split_once('?').unwrap_or((rq.url(), ""));
        let (path, query) = (path.to_string(), query.to_string());
        let mut bytes = Vec::new();
        let _ = rq.as_reader().read_to_end(&mut bytes);
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let headers: Vec<(String, String)> = rq
            .headers()
            .iter()
            .map(|h| (h.field.as_str().as_str().to_ascii_lowercase(), h.value.as_str().to_string()))
            .collect();
        let rel = path.strip_prefix(&self.prefix).filter(|r| r.starts_with('/'));
        let in_prefix = rel.is_some();
        let path = rel.unwrap_or(&path).to_string();
        let recorded = Recorded { method, path, query, headers, body };
        self.state().requests.push(recorded.clone());
        let (reply, delay) = self.respond(&recorded, in_prefix);
        if let Some(d) = delay {
            std::thread::sleep(d);
        }
        let json = reply.body.as_ref().map(|b| serde_json::to_vec(b).unwrap());
        let data = reply.raw.clone().or(json).unwrap_or_default();
        // Content-Length rather than chunked for big pages: simpler for raw test clients.
        let mut resp =
            tiny_http::Response::from_data(data).with_status_code(reply.status).with_chunked_threshold(usize::MAX);
        let now = unix_now();
        let mut all = vec![
            ("x-github-api-version-selected".into(), API_VERSION.into()),
            ("x-github-request-id".into(), format!("FAKE:{now:X}")),
            ("x-ratelimit-limit".into(), "5000".into()),
            ("x-ratelimit-remaining".into(), "4999".into()),
            ("x-ratelimit-reset".into(), (now + 3600).to_string()),
            ("x-ratelimit-used".into(), "1".into()),
            ("x-ratelimit-resource".into(), "core".into()),
        ];
        if reply.body.is_some() {
            all.push(("content-type".into(), "application/json; charset=utf-8".into()));
        }
        all.retain(|(n, _)| !reply.headers.iter().any(|(m, _)| m == n));
        for (name, value) in all.iter().chain(&reply.headers) {
            resp.add_header(tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap());
        }
        let _ = rq.respond(resp);
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks, faults, then the operation itself. Returns the reply and a delay before sending.
    fn respond(&self, r: &Recorded, in_prefix: bool) -> (Reply, Option<Duration>) {
        let (method, rel) = (r.method.as_str(), r.path.as_str());
        let what = format!("{method} {rel}");
        let mut st = self.state();
        for problem in check_headers(&r.headers) {
            self.violation(&mut st, format!("{what}: {problem}"));
        }
        if !in_prefix {
            self.violation(&mut st, format!("{what}: path outside the API prefix {:?}", self.prefix));
            return (not_found(), None);
        }
        let (op, params) = match spec().route(method, rel) {
            Ok(found) => found,
            Err(why) => {
                self.violation(&mut st, format!("{what}: {why}"));
                return (not_found(), None);
            }
        };
        let docs = docs(&op.id);
        let index = st
            .faults
            .iter()
            .position(|f| f.left > 0 && (f.method == "*" || f.method == method) && f.path.is_match(rel));
        let fault = index.map(|i| {
            st.faults[i].left -= 1;
            st.faults[i].fault.clone()
        });
        match fault {
            Some(Fault::Status(code)) => return (error(code, reason(code), &docs), None),
            Some(Fault::SecondaryRateLimit { retry_after_secs }) => {
                let message = "You have exceeded a secondary rate limit. Please wait a few minutes \
                               before you try again. If you reach out to GitHub Support for help, \
                               please include the request ID FAKE:0.";
                let docs = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api\
                            #about-secondary-rate-limits";
                return (error(403, message, docs).header("retry-after", retry_after_secs), None);
            }
            Some(Fault::RateLimitReset { reset_in_secs }) => {
                let message = "API rate limit exceeded for installation ID 1.";
                let docs = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";
                let reply = error(429, message, docs)
                    .header("x-ratelimit-remaining", 0)
                    .header("x-ratelimit-used", 5000)
                    .header("x-ratelimit-reset", unix_now() + reset_in_secs);
                return (reply, None);
            }
            _ => {}
        }
        if st.read_only && method != "GET" {
            return (error(403, "Resource not accessible by integration", &docs), None);
        }
        let reply = match self.validate(&mut st, op, &what, &r.body) {
            Ok(json) => self.apply(&mut st, op, &params, r, &json),
            Err(reply) => reply,
        };
        // Our own successful answers must match the description (its error schemas are loose,
        // e.g. a `oneOf` that any basic error matches twice, so those are not checked).
        let schema = op.responses.get(&reply.status).and_then(|r| r.0.as_ref());
        if let (Some(body), Some(schema), true) = (&reply.body, schema, reply.status < 300) {
            for e in schema.iter_errors(body).take(5) {
                let (path, message) = (e.instance_path().to_string(), describe(&e));
                self.violation(&mut st, format!("fake bug: {what} → {}: {message} at {path}", reply.status));
            }
        }
        match fault {
            Some(Fault::StatusAfterApply(code)) => (error(code, reason(code), &docs), None),
            Some(Fault::DelayAfterApply(d)) => (reply, Some(d)),
            _ => (reply, None),
        }
    }

    /// The body against the operation's schema, then the limits GitHub enforces beyond it.
    fn validate(&self, st: &mut State, op: &Op, what: &str, body: &str) -> Result<Value, Reply> {
        let docs = docs(&op.id);
        let Some(schema) = &op.body else { return Ok(Value::Null) };
        let text = if body.trim().is_empty() { "{}" } else { body };
        let json: Value = serde_json::from_str(text).map_err(|e| {
            self.violation(st, format!("{what}: body is not JSON: {e}"));
            error(400, "Problems parsing JSON", &docs)
        })?;
        let errors: Vec<Value> = schema
            .iter_errors(&json)
            .map(|e| {
                let (field, message) = (e.instance_path().to_string(), describe(&e));
                self.violation(st, format!("{what}: body invalid at {field:?}: {message}"));
                json!({ "code": "invalid", "field": field, "message": message })
            })
            .collect();
        if !errors.is_empty() {
            let body = json!({ "message": "Validation Failed", "errors": errors, "documentation_url": docs });
            return Err(Reply::json(422, body));
        }
        let limit = limits(&op.id, &json);
        if let Some((resource, field, message)) = limit {
            self.violation(st, format!("{what}: {message}"));
            return Err(invalid(resource, &field, "custom", &message, &docs));
        }
        Ok(json)
    }

    /// Performs a validated operation on the state.
    fn apply(&self, st: &mut State, op: &Op, p: &HashMap<String, String>, r: &Recorded, body: &Value) -> Reply {
        if git_api::OPS.contains(&op.id.as_str()) {
            return self.git_op(st, op, p, r, body);
        }
        let (repo, query) = (format!("{}/{}", p["owner"], p["repo"]), r.query.as_str());
        let num = |name: &str| p[name].parse::<u64>().unwrap();
        let now = timestamp(unix_now());
        let q: HashMap<&str, &str> = query.split('&').filter_map(|kv| kv.split_once('=')).collect();
        match op.id.as_str() {
            "issues/list-comments" => {
                let number = num("issue_number");
                let since = q.get("since").map(|s| s.replace("%3A", ":").replace("%3a", ":"));
                let all: Vec<&Value> = st
                    .comments
                    .iter()
                    .filter(|c| c.repo == repo && c.number == number)
                    .map(|c| &c.json)
                    .filter(|c| since.as_ref().is_none_or(|s| c["updated_at"].as_str().unwrap() >= s.as_str()))
                    .collect();
                let per_page = q.get("per_page").and_then(|v| v.parse().ok()).filter(|&v: &usize| v > 0);
                let per_page = per_page.unwrap_or(30).min(100);
                let page = q.get("page").and_then(|v| v.parse().ok()).filter(|&v: &usize| v > 0).unwrap_or(1);
                let items: Vec<Value> =
                    all.iter().skip((page - 1) * per_page).take(per_page).map(|v| (*v).clone()).collect();
                let last = all.len().div_ceil(per_page).max(1);
                let mut reply = Reply::json(200, Value::Array(items));
                let since = q.get("since").map(|s| format!("&since={s}")).unwrap_or_default();
                let url = format!("{}/repos/{repo}/issues/{number}/comments?per_page={per_page}{since}", self.base);
                let rels = [(page > 1, "prev", page - 1), (page < last, "next", page + 1)];
                let rels = rels.into_iter().chain([(page < last, "last", last), (page > 1, "first", 1)]);
                let links: Vec<String> =
                    rels.filter(|r| r.0).map(|(_, rel, n)| format!("<{url}&page={n}>; rel=\"{rel}\"")).collect();
                if !links.is_empty() {
                    reply = reply.header("link", links.join(", "));
                }
                reply
            }
            "issues/create-comment" => {
                let actor = st.actor.clone();
                let c = self.new_comment(st, &repo, num("issue_number"), &actor, body["body"].as_str().unwrap());
                let reply = Reply::json(201, c.json.clone()).header("location", c.json["url"].as_str().unwrap());
                st.comments.push(c);
                reply
            }
            "issues/update-comment" | "issues/delete-comment" => {
                let id = num("comment_id");
                let Some(i) = st.comments.iter().position(|c| c.repo == repo && c.json["id"] == id) else {
                    return not_found();
                };
                if op.method == "DELETE" {
                    st.comments.remove(i);
                    return Reply { status: 204, body: None, raw: None, headers: Vec::new() };
                }
                let json = &mut st.comments[i].json;
                merge(json, &json!({ "body": body["body"], "updated_at": now }));
                Reply::json(200, json.clone())
            }
            "repos/create-commit-status" => {
                let (id, sha) = (st.id(), p["sha"].clone());
                let mut json = example("repos/create-commit-status", 201, "");
                merge(
                    &mut json,
                    &json!({
                        "id": id, "node_id": format!("SC_kwDOFake{id}"), "state": body["state"],
                        "description": body["description"], "target_url": body["target_url"],
                        "context": body.get("context").cloned().unwrap_or(json!("default")),
                        "url": format!("{}/repos/{repo}/statuses/{sha}", self.base),
                        "created_at": now, "updated_at": now, "creator": self.user(&st.actor),
                    }),
                );
                st.statuses.push((repo.clone(), sha.clone(), json.clone()));
                Reply::json(201, json).header("location", format!("{}/repos/{repo}/statuses/{sha}", self.base))
            }
            "checks/create" | "checks/update" => {
                let i = if op.method == "POST" {
                    let id = st.id();
                    let mut json = example("checks/update", 200, "");
                    merge(
                        &mut json,
                        &json!({
                            "id": id, "node_id": format!("CR_kwDOFake{id}"), "head_sha": body["head_sha"],
                            "url": format!("{}/repos/{repo}/check-runs/{id}", self.base),
                            "html_url": format!("https://github.com/{repo}/runs/{id}"),
                            "status": "queued", "conclusion": null, "started_at": now, "completed_at": null,
                            "details_url": null, "external_id": null, "pull_requests": [],
                            "output": { "title": null, "summary": null, "text": null, "annotations_count": 0,
                                "annotations_url": format!("{}/repos/{repo}/check-runs/{id}/annotations", self.base) },
                        }),
                    );
                    st.check_runs.push(CheckRun { repo: repo.clone(), json, annotations: Vec::new() });
                    st.check_runs.len() - 1
                } else {
                    let id = num("check_run_id");
                    match st.check_runs.iter().position(|c| c.repo == repo && c.json["id"] == id) {
                        Some(i) => i,
                        None => return not_found(),
                    }
                };
                let run = &mut st.check_runs[i];
                for key in ["name", "details_url", "external_id", "started_at", "status", "conclusion", "completed_at"]
                {
                    if let Some(v) = body.get(key) {
                        run.json[key] = v.clone();
                    }
                }
                if let Some(output) = body.get("output") {
                    for key in ["title", "summary", "text"] {
                        if let Some(v) = output.get(key) {
                            run.json["output"][key] = v.clone();
                        }
                    }
                    run.annotations.extend(output["annotations"].as_array().into_iter().flatten().cloned());
                    run.json["output"]["annotations_count"] = json!(run.annotations.len());
                }
                if !run.json["conclusion"].is_null() {
                    run.json["status"] = json!("completed");
                }
                if run.json["status"] == "completed" && run.json["completed_at"].is_null() {
                    run.json["completed_at"] = json!(now);
                }
                Reply::json(if op.method == "POST" { 201 } else { 200 }, run.json.clone())
            }
            "pulls/get" => {
                let number = num("pull_number");
                let mut json = example("pulls/get", 200, "");
                merge(
                    &mut json,
                    &json!({
                        "number": number, "url": format!("{}/repos/{repo}/pulls/{number}", self.base),
                        "html_url": format!("https://github.com/{repo}/pull/{number}"),
                    }),
                );
                if let Some(patch) = st.pulls.get(&(repo, number)) {
                    merge(&mut json, patch);
                }
                Reply::json(200, json)
            }
            // Served by the description but not by this fake (nothing calls them yet).
            _ => {
                self.violation(st, format!("{} {}: not implemented by the fake", op.method, op.template));
                not_found()
            }
        }
    }
}

/// A schema error's message with the offending value shortened (it may be a 64 KiB string).
fn describe(e: &jsonschema::ValidationError) -> String {
    let (message, value) = (e.to_string(), e.instance().to_string());
    if value.chars().count() <= 60 {
        return message;
    }
    message.replace(&value, &(value.chars().take(40).collect::<String>() + "…"))
}

/// The headers GitHub asks every REST client to send.
fn check_headers(headers: &[(String, String)]) -> Vec<String> {
    fn all<'h>(headers: &'h [(String, String)], name: &'h str) -> impl Iterator<Item = &'h str> {
        headers.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }
    let values = |name: &'static str| all(headers, name);
    let mut problems = Vec::new();
    let auth = Regex::new(r"^(token|Bearer) \S+$").unwrap();
    match values("authorization").next() {
        None => problems.push("missing header authorization".to_string()),
        Some(v) if !auth.is_match(v) => problems.push("authorization is not `token X` or `Bearer X`".into()),
        _ => {}
    }
    // GitHub's media type, or one of its custom ones (`application/vnd.github.raw+json` for raw
    // blobs) that replace it.
    if !values("accept").any(|v| v.contains("application/vnd.github+json") || v.contains("application/vnd.github.")) {
        problems.push("accept does not contain application/vnd.github+json or a GitHub custom media type".into());
    }
    // Repeated header lines mean one comma-joined value (RFC 9110), so a second copy (octocrab
    // already sends this header; adding it again duplicates it) is an invalid version.
    let version = values("x-github-api-version").collect::<Vec<_>>().join(", ");
    if version != API_VERSION {
        problems.push(format!("x-github-api-version is {version:?}, not exactly {API_VERSION}"));
    }
    if values("user-agent").all(|v| v.trim().is_empty()) {
        problems.push("missing header user-agent".into());
    }
    problems
}

/// Limits GitHub enforces with a 422 that the description's schemas do not state:
/// (resource, field, message) of the first one broken.
fn limits(op_id: &str, body: &Value) -> Option<(&'static str, String, String)> {
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    match op_id {
        id if git_api::OPS.contains(&id) => git_api::limits(id, body),
        "issues/create-comment" | "issues/update-comment" if chars(&body["body"]) > 65536 => {
            Some(("IssueComment", "body".into(), "body is too long (maximum is 65536 characters)".into()))
        }
        "repos/create-commit-status" if chars(&body["description"]) > 140 => {
            Some(("Status", "description".into(), "description is too long (maximum is 140 characters)".into()))
        }
        // Lengths of output.summary/text and the 50 annotations per request are in the schema.
        "checks/create" | "checks/update" => {
            let annotations = body["output"]["annotations"].as_array().map_or(&[][..], |a| a);
            for a in annotations {
                let columns = a.get("start_column").is_some() || a.get("end_column").is_some();
                if columns && a["start_line"] != a["end_line"] {
                    let message = "start_column and end_column are only allowed when start_line == end_line";
                    return Some(("CheckRun", "output.annotations".into(), message.into()));
                }
            }
            let completed = body["status"] == "completed" || body.get("completed_at").is_some();
            (completed && body.get("conclusion").is_none())
                .then(|| ("CheckRun", "conclusion".into(), "conclusion is required when the run is completed".into()))
        }
        _ => None,
    }
}
