//! Self-tests of the fake GitHub API (tests/common/fake_github.rs), through a raw HTTP/1.1
//! client on std::net so nothing of the code under test is involved.

#[path = "common/fake_github.rs"]
mod fake_github;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use fake_github::{FakeGitHub, Fault};
use serde_json::{json, Value};

const GOOD_HEADERS: [(&str, &str); 4] = [
    ("Authorization", "Bearer ghs_test"),
    ("Accept", "application/vnd.github+json"),
    ("X-GitHub-Api-Version", "2022-11-28"),
    ("User-Agent", "budgetgate-selftest"),
];

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    /// The body's bytes as received (a raw blob need not be UTF-8).
    raw: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    /// rel → URL of a Link header.
    fn links(&self) -> Vec<(String, String)> {
        let re = regex::Regex::new(r#"<([^>]+)>; rel="(\w+)""#).unwrap();
        let link = self.header("link").unwrap_or("");
        re.captures_iter(link).map(|c| (c[2].to_string(), c[1].to_string())).collect()
    }
}

/// One request on a fresh connection with `Connection: close`; reads the answer to EOF.
fn http(url: &str, method: &str, body: Option<&str>, headers: &[(&str, &str)]) -> Resp {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, target) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (n, v) in headers {
        req += &format!("{n}: {v}\r\n");
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method != "GET" {
        req += &format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len());
    }
    req += "\r\n";
    req += body;
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let (head, raw) = (String::from_utf8(raw[..split].to_vec()).unwrap(), raw[split + 4..].to_vec());
    let body = String::from_utf8_lossy(&raw).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers =
        lines.map(|l| l.split_once(": ").unwrap()).map(|(n, v)| (n.to_ascii_lowercase(), v.to_string())).collect();
    Resp { status, headers, body, raw }
}

/// A well-formed request to `path` under the fake's URL.
fn gh(fake: &FakeGitHub, method: &str, path: &str, body: Option<Value>) -> Resp {
    let body = body.map(|b| b.to_string());
    http(&format!("{}{path}", fake.url()), method, body.as_deref(), &GOOD_HEADERS)
}

fn assert_clean(fake: &FakeGitHub) {
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn lists_150_seeded_comments_across_pages_with_link_headers() {
    let fake = FakeGitHub::start("");
    fake.seed_comments("o/r", 7, 150, "someone", |i| format!("comment {i}"));
    fake.seed_comments("o/r", 8, 3, "someone", |i| format!("other {i}"));

    let first = gh(&fake, "GET", "/repos/o/r/issues/7/comments?per_page=100", None);
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-type"), Some("application/json; charset=utf-8"));
    let items = first.json();
    assert_eq!(items.as_array().unwrap().len(), 100);
    assert_eq!(items[0]["body"], "comment 0");
    assert_eq!(items[99]["body"], "comment 99");
    let base = format!("{}/repos/o/r/issues/7/comments", fake.url());
    assert_eq!(
        first.links(),
        vec![
            ("next".to_string(), format!("{base}?per_page=100&page=2")),
            ("last".to_string(), format!("{base}?per_page=100&page=2")),
        ]
    );
    // Follow `next` as a client does: the absolute URL as given.
    let second = http(&first.links()[0].1, "GET", None, &GOOD_HEADERS);
    assert_eq!(second.json().as_array().unwrap().len(), 50);
    assert_eq!(second.json()[49]["body"], "comment 149");
    assert_eq!(
        second.links(),
        vec![
            ("prev".to_string(), format!("{base}?per_page=100&page=1")),
            ("first".to_string(), format!("{base}?per_page=100&page=1")),
        ]
    );

    // Default per_page is 30; a middle page has all four rels, GitHub's order.
    let middle = gh(&fake, "GET", "/repos/o/r/issues/7/comments?page=3", None);
    assert_eq!(middle.json().as_array().unwrap().len(), 30);
    assert_eq!(middle.json()[0]["body"], "comment 60");
    let rels: Vec<String> = middle.links().into_iter().map(|(r, _)| r).collect();
    assert_eq!(rels, ["prev", "next", "last", "first"]);
    assert!(middle.links()[2].1.ends_with("?per_page=30&page=5"));

    // per_page is capped at 100; one page → no Link header at all.
    let capped = gh(&fake, "GET", "/repos/o/r/issues/7/comments?per_page=500", None);
    assert_eq!(capped.json().as_array().unwrap().len(), 100);
    let single = gh(&fake, "GET", "/repos/o/r/issues/8/comments", None);
    assert_eq!(single.json().as_array().unwrap().len(), 3);
    assert_eq!(single.header("link"), None);

    // ids increase from 1000 in creation order.
    let ids: Vec<u64> = fake.comments("o/r", 7).iter().map(|c| c["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1000..1150).collect::<Vec<_>>());
    assert_clean(&fake);
}

#[test]
fn create_answers_201_from_the_example_and_the_comment_appears() {
    let fake = FakeGitHub::start("");
    fake.seed_comments("o/r", 5, 1, "alice", |_| "seeded".into());
    let created = gh(&fake, "POST", "/repos/o/r/issues/5/comments", Some(json!({"body": "hello"})));
    assert_eq!(created.status, 201);
    let c = created.json();
    let id = c["id"].as_u64().unwrap();
    assert_eq!(id, 1001);
    assert_eq!(c["body"], "hello");
    assert_eq!(c["html_url"], format!("https://github.com/o/r/pull/5#issuecomment-{id}"));
    assert_eq!(c["url"], format!("{}/repos/o/r/issues/comments/{id}", fake.url()));
    assert_eq!(c["issue_url"], format!("{}/repos/o/r/issues/5", fake.url()));
    assert_eq!(created.header("location"), c["url"].as_str());
    // Fields that only the description's example supplies.
    assert!(c["node_id"].is_string() && c["author_association"].is_string());
    assert_eq!(c["user"]["login"], "github-actions[bot]");
    assert_eq!(c["user"]["type"], "Bot");
    assert!(c["user"]["avatar_url"].is_string() && c["user"]["node_id"].is_string());
    let ts = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").unwrap();
    assert!(ts.is_match(c["created_at"].as_str().unwrap()), "{}", c["created_at"]);
    assert_eq!(c["created_at"], c["updated_at"]);

    let all = fake.comments("o/r", 5);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["user"]["login"], "alice");
    assert_eq!(all[0]["user"]["type"], "User");
    assert_eq!(all[1], c);
    assert_eq!(fake.requests().len(), 1);
    let r = &fake.requests()[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/repos/o/r/issues/5/comments"));
    assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
    assert_eq!(serde_json::from_str::<Value>(&r.body).unwrap(), json!({"body": "hello"}));
    assert_clean(&fake);
}

#[test]
fn patch_edits_delete_removes_and_unknown_ids_are_404() {
    let fake = FakeGitHub::start("");
    fake.seed_comments("o/r", 5, 2, "bot", |i| format!("v{i}"));
    let edited = gh(&fake, "PATCH", "/repos/o/r/issues/comments/1001", Some(json!({"body": "edited"})));
    assert_eq!(edited.status, 200);
    assert_eq!(edited.json()["body"], "edited");
    assert_eq!(fake.comments("o/r", 5)[1]["body"], "edited");

    let deleted = gh(&fake, "DELETE", "/repos/o/r/issues/comments/1000", None);
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, "");
    assert_eq!(fake.comments("o/r", 5).len(), 1);

    for (method, path) in [
        ("PATCH", "/repos/o/r/issues/comments/1000"),
        ("DELETE", "/repos/o/r/issues/comments/1000"),
        ("PATCH", "/repos/other/repo/issues/comments/1001"),
    ] {
        let gone = gh(&fake, method, path, (method == "PATCH").then(|| json!({"body": "x"})));
        assert_eq!(gone.status, 404, "{method} {path}");
        assert_eq!(gone.json(), json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}));
    }
    assert_clean(&fake);
}

#[test]
fn wrong_method_and_unknown_routes_are_violations_and_404() {
    let fake = FakeGitHub::start("");
    fake.seed_comments("o/r", 5, 1, "bot", |_| "x".into());
    // octocrab's update_comment POSTs to the comment's path.
    let post = gh(&fake, "POST", "/repos/o/r/issues/comments/1000", Some(json!({"body": "new"})));
    assert_eq!(post.status, 404);
    assert_eq!(fake.comments("o/r", 5)[0]["body"], "x");
    let unknown = gh(&fake, "GET", "/repos/o/r/issues/5/labels", None);
    assert_eq!(unknown.status, 404);
    let not_int = gh(&fake, "GET", "/repos/o/r/issues/abc/comments", None);
    assert_eq!(not_int.status, 404);
    let v = fake.violations();
    assert_eq!(v.len(), 3, "{v:#?}");
    assert!(v[0].starts_with("POST /repos/o/r/issues/comments/1000: wrong method"), "{v:#?}");
    assert!(v[0].contains("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"), "{v:#?}");
    assert!(v[1].contains("no such route"), "{v:#?}");
    assert!(v[2].contains("issue_number"), "{v:#?}");
}

#[test]
fn missing_or_wrong_headers_are_recorded_but_answered() {
    let fake = FakeGitHub::start("");
    let url = format!("{}/repos/o/r/issues/1/comments", fake.url());
    let bare = http(&url, "POST", Some(r#"{"body":"hi"}"#), &[]);
    assert_eq!(bare.status, 201);
    let v = fake.violations();
    assert_eq!(v.len(), 4, "{v:#?}");
    for needle in ["authorization", "accept", "x-github-api-version", "user-agent"] {
        assert!(v.iter().any(|l| l.contains(needle)), "{needle} in {v:#?}");
    }
    let wrong = [
        ("Authorization", "ghs_no_scheme"),
        ("Accept", "application/json"),
        ("X-GitHub-Api-Version", "2021-01-01"),
        ("User-Agent", "x"),
    ];
    http(&url, "POST", Some(r#"{"body":"hi"}"#), &wrong);
    assert_eq!(fake.violations().len(), 7);
    let token = [("Authorization", "token abc"), GOOD_HEADERS[1], GOOD_HEADERS[2], GOOD_HEADERS[3]];
    http(&url, "POST", Some(r#"{"body":"hi"}"#), &token);
    assert_eq!(fake.violations().len(), 7);
    // octocrab already sends x-github-api-version; adding it again sends two lines.
    let twice = [GOOD_HEADERS[0], GOOD_HEADERS[1], GOOD_HEADERS[2], GOOD_HEADERS[2], GOOD_HEADERS[3]];
    http(&url, "POST", Some(r#"{"body":"hi"}"#), &twice);
    let v = fake.violations();
    assert_eq!(v.len(), 8);
    assert!(v[7].contains(r#"x-github-api-version is "2022-11-28, 2022-11-28""#), "{v:#?}");
}

#[test]
fn github_limits_and_schema_violations_answer_422() {
    let fake = FakeGitHub::start("");
    let long = "a".repeat(65537);
    let r = gh(&fake, "POST", "/repos/o/r/issues/1/comments", Some(json!({ "body": long })));
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["message"], "Validation Failed");
    assert_eq!(
        r.json()["errors"],
        json!([{"resource": "IssueComment", "code": "custom", "field": "body",
                "message": "body is too long (maximum is 65536 characters)"}])
    );
    assert!(fake.comments("o/r", 1).is_empty());
    // Exactly 65536 characters (not bytes) is fine.
    let max = "é".repeat(65536);
    assert_eq!(gh(&fake, "POST", "/repos/o/r/issues/1/comments", Some(json!({ "body": max }))).status, 201);
    assert_eq!(fake.violations().len(), 1);

    let cases = [
        ("/repos/o/r/issues/1/comments", json!({"text": "no body"}), "\"body\" is a required property"),
        ("/repos/o/r/statuses/abc", json!({"state": "bogus"}), "bogus"),
        ("/repos/o/r/statuses/abc", json!({"state": "success", "description": "d".repeat(141)}), "140"),
        ("/repos/o/r/check-runs", json!({"name": "n"}), "head_sha"),
        (
            "/repos/o/r/check-runs",
            json!({"name": "n", "head_sha": "abc", "output": {"title": "t", "summary": "s".repeat(65536)}}),
            "65535",
        ),
        ("/repos/o/r/check-runs", json!({"name": "n", "head_sha": "abc", "status": "completed"}), "conclusion"),
        (
            "/repos/o/r/check-runs",
            json!({"name": "n", "head_sha": "abc", "output": {"title": "t", "summary": "s",
                "annotations": vec![json!({"path": "a", "start_line": 1, "end_line": 1,
                    "annotation_level": "warning", "message": "m"}); 51]}}),
            "more than 50 items",
        ),
    ];
    for (i, (path, body, needle)) in cases.iter().enumerate() {
        let r = gh(&fake, "POST", path, Some(body.clone()));
        assert_eq!(r.status, 422, "{path} {body}");
        assert_eq!(r.json()["message"], "Validation Failed");
        let v = fake.violations();
        assert_eq!(v.len(), 2 + i, "{v:#?}");
        assert!(v.last().unwrap().contains(needle), "{needle} in {v:#?}");
    }
    assert!(fake.statuses("o/r", "abc").is_empty() && fake.check_runs("o/r").is_empty());

    let not_json =
        http(&format!("{}/repos/o/r/issues/1/comments", fake.url()), "POST", Some("{not json"), &GOOD_HEADERS);
    assert_eq!(not_json.status, 400);
    assert_eq!(not_json.json()["message"], "Problems parsing JSON");
}

#[test]
fn status_faults_answer_without_or_after_applying() {
    let fake = FakeGitHub::start("");
    let path = "/repos/o/r/issues/1/comments";
    fake.inject("POST", r"/issues/\d+/comments$", 2, Fault::Status(500));
    for _ in 0..2 {
        let r = gh(&fake, "POST", path, Some(json!({"body": "x"})));
        assert_eq!(r.status, 500);
        assert!(r.json()["message"].is_string() && r.json()["documentation_url"].is_string());
    }
    assert!(fake.comments("o/r", 1).is_empty());
    assert_eq!(gh(&fake, "POST", path, Some(json!({"body": "x"}))).status, 201);

    fake.inject("post", r"/issues/\d+/comments$", 1, Fault::StatusAfterApply(502));
    let lost = gh(&fake, "POST", path, Some(json!({"body": "stored anyway"})));
    assert_eq!(lost.status, 502);
    assert_eq!(fake.comments("o/r", 1).len(), 2);
    assert_eq!(fake.comments("o/r", 1)[1]["body"], "stored anyway");
    // A fault for another method does not fire.
    fake.inject("GET", r"/issues/\d+/comments$", 1, Fault::Status(503));
    assert_eq!(gh(&fake, "POST", path, Some(json!({"body": "x"}))).status, 201);
    assert_eq!(gh(&fake, "GET", path, None).status, 503);
    assert_clean(&fake);
}

#[test]
fn delay_after_apply_does_not_block_other_requests() {
    let fake = FakeGitHub::start("");
    fake.inject("PATCH", "^/repos/o/r/check-runs/", 1, Fault::DelayAfterApply(Duration::from_millis(1500)));
    let run = gh(&fake, "POST", "/repos/o/r/check-runs", Some(json!({"name": "n", "head_sha": "abc"})));
    assert_eq!(run.status, 201);
    let url = format!("{}/repos/o/r/check-runs/{}", fake.url(), run.json()["id"]);
    let started = Instant::now();
    let slow =
        std::thread::spawn(move || http(&url, "PATCH", Some(r#"{"conclusion":"success"}"#), &GOOD_HEADERS).status);
    std::thread::sleep(Duration::from_millis(200));
    // Applied before the answer is sent.
    assert_eq!(fake.check_runs("o/r")[0]["status"], "completed");
    assert_eq!(gh(&fake, "GET", "/repos/o/r/issues/1/comments", None).status, 200);
    assert!(started.elapsed() < Duration::from_millis(1200), "blocked: {:?}", started.elapsed());
    assert_eq!(slow.join().unwrap(), 200);
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert_clean(&fake);
}

#[test]
fn rate_limit_faults() {
    let fake = FakeGitHub::start("");
    let path = "/repos/o/r/statuses/abc";
    let body = json!({"state": "success", "context": "budgetgate"});
    fake.inject("POST", "/statuses/", 1, Fault::SecondaryRateLimit { retry_after_secs: 7 });
    let secondary = gh(&fake, "POST", path, Some(body.clone()));
    assert_eq!(secondary.status, 403);
    assert_eq!(secondary.header("retry-after"), Some("7"));
    assert!(secondary.json()["message"].as_str().unwrap().starts_with("You have exceeded a secondary rate limit"));

    fake.inject("*", "/statuses/", 1, Fault::RateLimitReset { reset_in_secs: 60 });
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let primary = gh(&fake, "POST", path, Some(body.clone()));
    assert_eq!(primary.status, 429);
    assert_eq!(primary.header("x-ratelimit-remaining"), Some("0"));
    let reset: u64 = primary.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!((before + 59..=before + 61).contains(&reset), "{reset} vs {before}");
    assert!(fake.statuses("o/r", "abc").is_empty());

    let ok = gh(&fake, "POST", path, Some(body));
    assert_eq!(ok.status, 201);
    assert_eq!(ok.header("x-ratelimit-remaining"), Some("4999"));
    assert_clean(&fake);
}

#[test]
fn read_only_token_gets_403_on_writes() {
    let fake = FakeGitHub::start("");
    fake.seed_comments("o/r", 1, 1, "bot", |_| "x".into());
    fake.read_only(true);
    for (method, path, body) in [
        ("POST", "/repos/o/r/issues/1/comments", Some(json!({"body": "x"}))),
        ("PATCH", "/repos/o/r/issues/comments/1000", Some(json!({"body": "y"}))),
        ("DELETE", "/repos/o/r/issues/comments/1000", None),
        ("POST", "/repos/o/r/statuses/abc", Some(json!({"state": "success"}))),
        ("POST", "/repos/o/r/check-runs", Some(json!({"name": "n", "head_sha": "abc"}))),
    ] {
        let r = gh(&fake, method, path, body);
        assert_eq!(r.status, 403, "{method} {path}");
        assert_eq!(r.json()["message"], "Resource not accessible by integration");
        assert!(r.json()["documentation_url"].as_str().unwrap().starts_with("https://docs.github.com/rest/"));
    }
    assert_eq!(gh(&fake, "GET", "/repos/o/r/issues/1/comments", None).status, 200);
    assert_eq!(fake.comments("o/r", 1)[0]["body"], "x");
    fake.read_only(false);
    assert_eq!(gh(&fake, "POST", "/repos/o/r/issues/1/comments", Some(json!({"body": "x"}))).status, 201);
    assert_clean(&fake);
}

#[test]
fn ghes_prefix() {
    let fake = FakeGitHub::start("/api/v3");
    assert!(fake.url().starts_with("http://127.0.0.1:") && fake.url().ends_with("/api/v3"));
    fake.seed_comments("o/r", 2, 40, "bot", |i| i.to_string());
    let r = gh(&fake, "GET", "/repos/o/r/issues/2/comments", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.links()[0].1, format!("{}/repos/o/r/issues/2/comments?per_page=30&page=2", fake.url()));
    assert!(r.json()[0]["url"].as_str().unwrap().starts_with(&format!("{}/repos/o/r/", fake.url())));
    assert_eq!(fake.requests()[0].path, "/repos/o/r/issues/2/comments");
    assert_clean(&fake);
    // Without the prefix: 404 and a violation.
    let root = fake.url().trim_end_matches("/api/v3").to_string();
    assert_eq!(http(&format!("{root}/repos/o/r/issues/2/comments"), "GET", None, &GOOD_HEADERS).status, 404);
    assert_eq!(fake.violations().len(), 1);
}

#[test]
fn statuses_and_check_runs_are_stored_with_updates_merged() {
    let fake = FakeGitHub::start("");
    let sha = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
    let s = gh(
        &fake,
        "POST",
        &format!("/repos/o/r/statuses/{sha}"),
        Some(json!({"state": "failure", "description": "2 regressions", "context": "budgetgate"})),
    );
    assert_eq!(s.status, 201);
    assert_eq!(s.json()["state"], "failure");
    assert_eq!(s.json()["target_url"], Value::Null);
    assert!(s.json()["creator"]["login"].is_string() && s.json()["node_id"].is_string());
    assert_eq!(fake.statuses("o/r", sha), vec![s.json()]);
    assert!(fake.statuses("o/r", "other").is_empty());

    let annotation = |i: u64| json!({"path": "a.rs", "start_line": i, "end_line": i, "annotation_level": "warning", "message": "slow"});
    let created = gh(
        &fake,
        "POST",
        "/repos/o/r/check-runs",
        Some(json!({"name": "budgetgate", "head_sha": sha, "status": "in_progress",
            "output": {"title": "t", "summary": "s", "annotations": (1..=50).map(annotation).collect::<Vec<_>>()}})),
    );
    assert_eq!(created.status, 201);
    let c = created.json();
    assert_eq!((c["status"].as_str(), c["conclusion"].as_null()), (Some("in_progress"), Some(())));
    assert_eq!(c["output"]["annotations_count"], 50);
    assert!(c["app"]["slug"].is_string() && c["html_url"].is_string());
    let id = c["id"].as_u64().unwrap();
    let updated = gh(
        &fake,
        "PATCH",
        &format!("/repos/o/r/check-runs/{id}"),
        Some(
            json!({"conclusion": "failure", "output": {"title": "t2", "summary": "s2", "annotations": [annotation(99)]}}),
        ),
    );
    assert_eq!(updated.status, 200);
    let u = updated.json();
    assert_eq!((u["status"].as_str(), u["conclusion"].as_str()), (Some("completed"), Some("failure")));
    assert!(u["completed_at"].is_string());
    assert_eq!(u["output"]["annotations_count"], 51);
    let runs = fake.check_runs("o/r");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["output"]["title"], "t2");
    assert_eq!(runs[0]["output"]["annotations"].as_array().unwrap().len(), 51);
    assert_eq!(runs[0]["output"]["annotations"][50]["start_line"], 99);
    assert_eq!(gh(&fake, "PATCH", "/repos/o/r/check-runs/1", Some(json!({"name": "x"}))).status, 404);
    assert_clean(&fake);
}

#[test]
fn pull_request_from_the_example_with_patches() {
    let fake = FakeGitHub::start("");
    fake.set_pull("o/r", 12, json!({"head": {"sha": "abc"}, "base": {"ref": "develop"}}));
    let pr = gh(&fake, "GET", "/repos/o/r/pulls/12", None);
    assert_eq!(pr.status, 200);
    let pr = pr.json();
    assert_eq!((pr["number"].as_u64(), pr["head"]["sha"].as_str()), (Some(12), Some("abc")));
    assert_eq!(pr["base"]["ref"], "develop");
    assert_eq!(pr["html_url"], "https://github.com/o/r/pull/12");
    assert!(pr["user"]["login"].is_string() && pr["node_id"].is_string());
    // The upstream example's defect is patched, so the response validates.
    assert_eq!(pr["requested_teams"][0]["type"], "organization");
    assert_eq!(gh(&fake, "GET", "/repos/o/r/pulls/13", None).json()["number"], 13);
    assert_clean(&fake);
}

#[test]
fn operations_in_the_description_but_not_in_the_fake_are_flagged() {
    let fake = FakeGitHub::start("");
    let r = gh(&fake, "GET", "/repos/o/r/contents/baselines/main.json", None);
    assert_eq!(r.status, 404);
    let v = fake.violations();
    assert_eq!(v, ["GET /repos/{owner}/{repo}/contents/{path}: not implemented by the fake"]);
}

#[test]
fn dropping_the_fake_stops_the_server() {
    let fake = FakeGitHub::start("");
    let addr = fake.url().trim_start_matches("http://").to_string();
    assert!(TcpStream::connect(&addr).is_ok());
    drop(fake);
    std::thread::sleep(Duration::from_millis(100));
    assert!(TcpStream::connect(&addr).is_err());
}

// ---- Git's data API ---------------------------------------------------------------------------

use base64::Engine;
use fake_github::git::{object_id, Kind, EMPTY_TREE};

/// Whether a `git` binary is on PATH; the tests that compare with it print a note without one.
fn have_git(test: &str) -> bool {
    let ok = std::process::Command::new("git").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("note: {test}: no `git` on PATH, the comparison with real git is skipped");
    }
    ok
}

/// Runs git in `dir`, asserts success, returns stdout.
fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The tree id `git write-tree` gives for these files (path → bytes), in a scratch repository.
fn git_tree_of(files: &[(&str, &[u8])]) -> String {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    for (path, bytes) in files {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, bytes).unwrap();
    }
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["write-tree"]).trim().to_string()
}

fn post(fake: &FakeGitHub, path: &str, body: Value) -> Value {
    let r = gh(fake, "POST", path, Some(body));
    assert_eq!(r.status, 201, "{path}: {}", r.body);
    r.json()
}

fn blob(fake: &FakeGitHub, text: &str) -> String {
    post(fake, "/repos/o/r/git/blobs", json!({"content": text})).get("sha").unwrap().as_str().unwrap().into()
}

fn tree(fake: &FakeGitHub, body: Value) -> String {
    post(fake, "/repos/o/r/git/trees", body)["sha"].as_str().unwrap().into()
}

fn commit(fake: &FakeGitHub, message: &str, tree: &str, parents: &[&str]) -> String {
    let body = json!({"message": message, "tree": tree, "parents": parents});
    post(fake, "/repos/o/r/git/commits", body)["sha"].as_str().unwrap().into()
}

/// A fake whose o/r has branch `data` on a root "code" commit, and that commit's id.
fn with_data_branch() -> (FakeGitHub, String) {
    let fake = FakeGitHub::start("");
    let root = fake.code_commit("o/r", &[], "2024-01-01T00:00:00Z");
    fake.set_ref("o/r", "data", &root);
    (fake, root)
}

fn paths(tree: &Value) -> Vec<String> {
    tree["tree"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_string()).collect()
}

#[test]
fn nested_tree_create_and_delete_give_gits_own_ids() {
    let fake = FakeGitHub::start("");
    let b64 = base64::engine::general_purpose::STANDARD.encode(b"\x00\x01binary\xff");
    let bin = post(&fake, "/repos/o/r/git/blobs", json!({"content": b64, "encoding": "base64"}));
    assert_eq!(bin["sha"], object_id(Kind::Blob, b"\x00\x01binary\xff"));
    let readme = blob(&fake, "hello\n");
    assert_eq!(readme, "ce013625030ba8dba906f756967f9e9ca394464a"); // `echo hello | git hash-object --stdin`
    let first = tree(
        &fake,
        json!({"tree": [
            {"path": "README", "mode": "100644", "type": "blob", "sha": readme},
            {"path": "data/runs/b.bin", "mode": "100644", "type": "blob", "sha": bin["sha"]},
            {"path": "data/index.json", "mode": "100644", "type": "blob", "content": "{}\n"},
            {"path": "data-x", "mode": "100755", "type": "blob", "content": "#!/bin/sh\n"},
        ]}),
    );
    let files: [(&str, &[u8]); 4] = [
        ("README", b"hello\n"),
        ("data/runs/b.bin", b"\x00\x01binary\xff"),
        ("data/index.json", b"{}\n"),
        ("data-x", b"#!/bin/sh\n"),
    ];
    // The base tree is replaced below: `sha: null` deletes, and the emptied data/runs vanishes.
    let second = tree(
        &fake,
        json!({"base_tree": first, "tree": [
            {"path": "data/runs/b.bin", "mode": "100644", "type": "blob", "sha": null},
            {"path": "README", "mode": "100644", "type": "blob", "content": "bye\n"},
        ]}),
    );
    // Git's order: a subtree sorts as "data/", after "data-x" ('-' < '/').
    let listing = gh(&fake, "GET", &format!("/repos/o/r/git/trees/{second}?recursive=1"), None).json();
    assert_eq!(paths(&listing), ["README", "data-x", "data", "data/index.json"]);
    assert_eq!(listing["truncated"], false);
    assert_eq!(listing["tree"][2]["mode"], "040000");
    assert_eq!(listing["tree"][0]["size"], 4);
    let flat = gh(&fake, "GET", &format!("/repos/o/r/git/trees/{second}"), None).json();
    assert_eq!(paths(&flat), ["README", "data-x", "data"]);
    // "Any value" recurses, even 0.
    let zero = gh(&fake, "GET", &format!("/repos/o/r/git/trees/{second}?recursive=0"), None).json();
    assert_eq!(paths(&zero).len(), 4);
    let empty = tree(&fake, json!({"tree": []}));
    assert_eq!(empty, EMPTY_TREE);
    // Deleting what is not there is GitHub's opaque 422, and no violation (it depends on state).
    let gone = gh(
        &fake,
        "POST",
        "/repos/o/r/git/trees",
        Some(
            json!({"base_tree": second, "tree": [{"path": "data/runs/b.bin", "mode": "100644", "type": "blob", "sha": null}]}),
        ),
    );
    assert_eq!((gone.status, gone.json()["message"].as_str()), (422, Some("GitRPC::BadObjectState")));
    assert_eq!(gh(&fake, "GET", "/repos/o/r/git/trees/0000000000000000000000000000000000000000", None).status, 404);
    assert_clean(&fake);
    if have_git("nested_tree_create_and_delete_give_gits_own_ids") {
        let mut exec = files.to_vec();
        exec.retain(|(p, _)| *p != "data-x");
        // git add records data-x as 100644 (umask), so compare it without that entry too.
        let no_exec = tree(
            &fake,
            json!({"base_tree": first, "tree": [{"path": "data-x", "mode": "100755", "type": "blob", "sha": null}]}),
        );
        assert_eq!(no_exec, git_tree_of(&exec));
        let after: [(&str, &[u8]); 2] = [("README", b"bye\n"), ("data/index.json", b"{}\n")];
        let second_no_exec = tree(
            &fake,
            json!({"base_tree": second, "tree": [{"path": "data-x", "mode": "100755", "type": "blob", "sha": null}]}),
        );
        assert_eq!(second_no_exec, git_tree_of(&after));
    }
}

#[test]
fn tree_requests_of_the_wrong_shape_are_422_and_violations() {
    let fake = FakeGitHub::start("");
    let readme = blob(&fake, "x");
    let cases = [
        (json!({"path": "a", "mode": "100644", "type": "blob"}), "Must supply either tree.sha or tree.content"),
        (json!({"path": "a", "mode": "100644", "type": "blob", "sha": readme, "content": "x"}), "Must supply"),
        (json!({"path": "a//b", "mode": "100644", "type": "blob", "content": "x"}), "malformed path component"),
        (json!({"path": "/a", "mode": "100644", "type": "blob", "content": "x"}), "malformed path component"),
        (json!({"path": "a", "mode": "040000", "type": "blob", "sha": readme}), "does not match mode"),
    ];
    for (i, (item, needle)) in cases.iter().enumerate() {
        let r = gh(&fake, "POST", "/repos/o/r/git/trees", Some(json!({"tree": [item]})));
        assert_eq!(r.status, 422, "{item}");
        let v = fake.violations();
        assert_eq!(v.len(), i + 1, "{v:#?}");
        assert!(v[i].contains(needle), "{needle} in {v:#?}");
    }
    // A sha that names no blob: a state error, not a violation.
    let missing = json!({"tree": [{"path": "a", "mode": "100644", "type": "blob", "sha": "1".repeat(40)}]});
    assert_eq!(gh(&fake, "POST", "/repos/o/r/git/trees", Some(missing)).status, 422);
    assert_eq!(fake.violations().len(), cases.len());
}

#[test]
fn commits_refs_and_fast_forward_updates() {
    let fake = FakeGitHub::start("");
    let root = commit(&fake, "first", EMPTY_TREE, &[]);
    let got = gh(&fake, "GET", &format!("/repos/o/r/git/commits/{root}"), None);
    assert_eq!(got.status, 200);
    let c = got.json();
    assert_eq!((c["message"].as_str(), c["tree"]["sha"].as_str()), (Some("first"), Some(EMPTY_TREE)));
    assert_eq!(c["parents"], json!([]));
    assert_eq!(c["author"]["name"], "github-actions[bot]");
    assert_eq!(c["author"]["email"], "41898282+github-actions[bot]@users.noreply.github.com");
    assert_eq!(c["verification"]["reason"], "unsigned");
    // A date with an offset is stored with it and answered in UTC.
    let dated = post(
        &fake,
        "/repos/o/r/git/commits",
        json!({"message": "m", "tree": EMPTY_TREE, "parents": [root],
               "author": {"name": "A", "email": "a@x", "date": "2008-07-09T16:13:30+12:00"}}),
    );
    assert_eq!(dated["author"]["date"], "2008-07-09T04:13:30Z");
    assert_eq!(dated["committer"], dated["author"]);

    let created = gh(&fake, "POST", "/repos/o/r/git/refs", Some(json!({"ref": "refs/heads/data", "sha": root})));
    assert_eq!(created.status, 201);
    assert_eq!(
        created.json()["object"],
        json!({"type": "commit", "sha": root, "url": format!("{}/repos/o/r/git/commits/{root}", fake.url())})
    );
    assert_eq!(created.header("location"), Some(format!("{}/repos/o/r/git/refs/heads/data", fake.url()).as_str()));
    let again = gh(&fake, "POST", "/repos/o/r/git/refs", Some(json!({"ref": "refs/heads/data", "sha": root})));
    assert_eq!((again.status, again.json()["message"].as_str()), (422, Some("Reference already exists")));
    let got = gh(&fake, "GET", "/repos/o/r/git/ref/heads/data", None);
    assert_eq!((got.status, got.json()["ref"].as_str()), (200, Some("refs/heads/data")));
    assert_eq!(gh(&fake, "GET", "/repos/o/r/git/ref/heads/dat", None).status, 404);

    let next = commit(&fake, "second", EMPTY_TREE, &[&root]);
    let ff = gh(&fake, "PATCH", "/repos/o/r/git/refs/heads/data", Some(json!({"sha": next, "force": false})));
    assert_eq!((ff.status, ff.json()["object"]["sha"].as_str()), (200, Some(next.as_str())));
    let other = commit(&fake, "orphan", EMPTY_TREE, &[]);
    let back = gh(&fake, "PATCH", "/repos/o/r/git/refs/heads/data", Some(json!({"sha": root})));
    assert_eq!((back.status, back.json()["message"].as_str()), (422, Some("Update is not a fast forward")));
    let not_ff = gh(&fake, "PATCH", "/repos/o/r/git/refs/heads/data", Some(json!({"sha": other, "force": false})));
    assert_eq!(not_ff.status, 422);
    assert_eq!(fake.ref_sha("o/r", "data").as_deref(), Some(next.as_str()));
    let forced = gh(&fake, "PATCH", "/repos/o/r/git/refs/heads/data", Some(json!({"sha": other, "force": true})));
    assert_eq!(forced.status, 200);
    assert_eq!(fake.branch_log("o/r", "data"), ["orphan"]);

    // GitHub answers a PATCH of a missing ref 422, not 404.
    let missing = gh(&fake, "PATCH", "/repos/o/r/git/refs/heads/nope", Some(json!({"sha": root})));
    assert_eq!((missing.status, missing.json()["message"].as_str()), (422, Some("Reference does not exist")));
    let bad = [
        ("/repos/o/r/git/refs", json!({"ref": "refs/heads/x", "sha": "1".repeat(40)}), "Object does not exist"),
        ("/repos/o/r/git/commits", json!({"message": "m", "tree": "1".repeat(40)}), "Tree SHA does not exist"),
        (
            "/repos/o/r/git/commits",
            json!({"message": "m", "tree": EMPTY_TREE, "parents": ["1".repeat(40)]}),
            "Parent SHA does not exist or is not a commit object",
        ),
    ];
    for (path, body, message) in bad {
        let r = gh(&fake, "POST", path, Some(body));
        assert_eq!((r.status, r.json()["message"].as_str()), (422, Some(message)));
    }
    assert_eq!(gh(&fake, "GET", &format!("/repos/o/r/git/commits/{EMPTY_TREE}"), None).status, 404);
    assert_eq!(gh(&fake, "GET", "/repos/other/repo/git/ref/heads/data", None).status, 404);
    assert_clean(&fake);
    // Not "refs/..." with two slashes: a violation too.
    let name = gh(&fake, "POST", "/repos/o/r/git/refs", Some(json!({"ref": "heads/x", "sha": root})));
    assert_eq!(name.status, 422);
    assert_eq!(fake.violations().len(), 1);
}

#[test]
fn faults_apply_to_ref_updates() {
    let (fake, root) = with_data_branch();
    let next = fake.code_commit("o/r", &[&root], "2024-01-02T00:00:00Z");
    fake.inject("PATCH", "/git/refs/heads/data$", 1, Fault::Status(500));
    let failed = gh(&fake, "PATCH", "/repos/o/r/git/refs/heads/data", Some(json!({"sha": next})));
    assert_eq!(failed.status, 500);
    assert_eq!(fake.ref_sha("o/r", "data"), Some(root));
    fake.inject("PATCH", "/git/refs/heads/data$", 1, Fault::StatusAfterApply(502));
    assert_eq!(gh(&fake, "PATCH", "/repos/o/r/git/refs/heads/data", Some(json!({"sha": next}))).status, 502);
    assert_eq!(fake.ref_sha("o/r", "data").as_deref(), Some(next.as_str()));
    assert_clean(&fake);
}

#[test]
fn concurrent_create_ref_race_has_exactly_one_winner() {
    let fake = FakeGitHub::start("");
    let shas: Vec<String> =
        (0..8).map(|i| fake.code_commit("o/r", &[], &format!("2024-01-0{}T00:00:00Z", i + 1))).collect();
    let url = format!("{}/repos/o/r/git/refs", fake.url());
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(shas.len()));
    let racers: Vec<_> = shas
        .iter()
        .map(|sha| {
            let (url, barrier, body) = (url.clone(), barrier.clone(), json!({"ref": "refs/heads/data", "sha": sha}));
            std::thread::spawn(move || {
                barrier.wait();
                let r = http(&url, "POST", Some(&body.to_string()), &GOOD_HEADERS);
                (r.status, r.json())
            })
        })
        .collect();
    let results: Vec<(u16, Value)> = racers.into_iter().map(|t| t.join().unwrap()).collect();
    let winners: Vec<&Value> = results.iter().filter(|(s, _)| *s == 201).map(|(_, v)| v).collect();
    assert_eq!(winners.len(), 1, "{results:#?}");
    assert!(results
        .iter()
        .filter(|(s, _)| *s != 201)
        .all(|(s, v)| *s == 422 && v["message"] == "Reference already exists"));
    assert_eq!(fake.ref_sha("o/r", "data").as_deref(), winners[0]["object"]["sha"].as_str());
    assert_clean(&fake);
}

#[test]
fn on_next_moves_the_branch_between_a_read_and_the_update() {
    let (fake, root) = with_data_branch();
    let read = gh(&fake, "GET", "/repos/o/r/git/ref/heads/data", None).json();
    let mine = commit(&fake, "mine", EMPTY_TREE, &[read["object"]["sha"].as_str().unwrap()]);
    fake.on_next("PATCH", "/git/refs/heads/data$", move |gh| {
        let theirs = gh.code_commit("o/r", &[&root], "2024-01-02T00:00:00Z");
        gh.set_ref("o/r", "data", &theirs);
    });
    let r = gh(&fake, "PATCH", "/repos/o/r/git/refs/heads/data", Some(json!({"sha": mine})));
    assert_eq!((r.status, r.json()["message"].as_str()), (422, Some("Update is not a fast forward")));
    assert_eq!(fake.branch_log("o/r", "data"), ["code commit 2\n", "code commit 1\n"]);
    // Once only.
    let theirs = fake.ref_sha("o/r", "data").unwrap();
    let rebased = commit(&fake, "mine again", EMPTY_TREE, &[&theirs]);
    assert_eq!(gh(&fake, "PATCH", "/repos/o/r/git/refs/heads/data", Some(json!({"sha": rebased}))).status, 200);
    assert_clean(&fake);
}

#[test]
fn large_blob_reads_back_intact_as_base64_and_raw() {
    let fake = FakeGitHub::start("");
    let bytes: Vec<u8> = (0..1_500_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let created = post(&fake, "/repos/o/r/git/blobs", json!({"content": b64, "encoding": "base64"}));
    let sha = created["sha"].as_str().unwrap().to_string();
    assert_eq!(sha, object_id(Kind::Blob, &bytes));
    assert_eq!(created["url"], format!("{}/repos/o/r/git/blobs/{sha}", fake.url()));

    let json = gh(&fake, "GET", &format!("/repos/o/r/git/blobs/{sha}"), None).json();
    assert_eq!((json["encoding"].as_str(), json["size"].as_u64()), (Some("base64"), Some(bytes.len() as u64)));
    let content = json["content"].as_str().unwrap();
    assert!(content.ends_with('\n'));
    assert!(content.lines().all(|l| l.len() <= 60) && content.lines().next().unwrap().len() == 60);
    let compact: String = content.split('\n').collect();
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(compact).unwrap(), bytes);

    for accept in ["application/vnd.github.raw+json", "application/vnd.github.raw"] {
        let headers = [GOOD_HEADERS[0], ("Accept", accept), GOOD_HEADERS[2], GOOD_HEADERS[3]];
        let raw = http(&format!("{}/repos/o/r/git/blobs/{sha}", fake.url()), "GET", None, &headers);
        assert_eq!(raw.status, 200);
        assert_eq!(raw.header("content-type"), Some("application/vnd.github.raw"));
        assert!(raw.raw == bytes, "{accept}: raw bytes differ");
    }
    assert_eq!(gh(&fake, "GET", &format!("/repos/o/r/git/blobs/{EMPTY_TREE}"), None).status, 404);
    // The empty blob: no content at all, not "\n".
    let empty = post(&fake, "/repos/o/r/git/blobs", json!({"content": ""}));
    let empty = gh(&fake, "GET", &format!("/repos/o/r/git/blobs/{}", empty["sha"].as_str().unwrap()), None).json();
    assert_eq!((empty["content"].as_str(), empty["size"].as_u64()), (Some(""), Some(0)));
    assert_clean(&fake);
}

#[test]
fn compare_finds_the_merge_base_of_a_diverged_graph() {
    let fake = FakeGitHub::start("");
    let root = fake.code_commit("o/r", &[], "2024-01-01T00:00:00Z");
    let m1 = fake.code_commit("o/r", &[&root], "2024-01-02T00:00:00Z");
    let b1 = fake.code_commit("o/r", &[&root], "2024-01-03T00:00:00Z");
    let b2 = fake.code_commit("o/r", &[&b1], "2024-01-04T00:00:00Z");
    fake.set_ref("o/r", "main", &m1);
    fake.set_ref("o/r", "feature/x", &b2);
    let cmp = gh(&fake, "GET", "/repos/o/r/compare/main...feature/x", None);
    assert_eq!(cmp.status, 200);
    let c = cmp.json();
    assert_eq!(c["merge_base_commit"]["sha"], root);
    assert_eq!(c["merge_base_commit"]["commit"]["committer"]["date"], "2024-01-01T00:00:00Z");
    assert_eq!(
        (c["status"].as_str(), c["ahead_by"].as_u64(), c["behind_by"].as_u64()),
        (Some("diverged"), Some(2), Some(1))
    );
    let listed: Vec<&str> = c["commits"].as_array().unwrap().iter().map(|c| c["sha"].as_str().unwrap()).collect();
    assert_eq!(listed, [b1.as_str(), b2.as_str()]);
    assert_eq!(c["base_commit"]["sha"], m1);

    let status = |basehead: String| {
        let c = gh(&fake, "GET", &format!("/repos/o/r/compare/{basehead}"), None).json();
        (c["status"].as_str().unwrap().to_string(), c["ahead_by"].as_u64().unwrap(), c["behind_by"].as_u64().unwrap())
    };
    assert_eq!(status(format!("{root}...{b2}")), ("ahead".into(), 2, 0));
    assert_eq!(status(format!("{b2}...{root}")), ("behind".into(), 0, 2));
    assert_eq!(status(format!("{}...main", &m1[..7])), ("identical".into(), 0, 0));
    // main merged into the feature branch: the merge base moves to main's tip.
    let merge = fake.code_commit("o/r", &[&b2, &m1], "2024-01-05T00:00:00Z");
    let c = gh(&fake, "GET", &format!("/repos/o/r/compare/main...{merge}"), None).json();
    assert_eq!((c["merge_base_commit"]["sha"].as_str(), c["status"].as_str()), (Some(m1.as_str()), Some("ahead")));
    assert_eq!(c["ahead_by"], 3);

    let orphan = fake.code_commit("o/r", &[], "2024-02-01T00:00:00Z");
    let none = gh(&fake, "GET", &format!("/repos/o/r/compare/main...{orphan}"), None);
    assert_eq!(none.status, 404);
    assert_eq!(none.json()["message"], format!("No common ancestor between main and {orphan}."));
    assert_eq!(gh(&fake, "GET", "/repos/o/r/compare/main...nope", None).status, 404);
    assert_clean(&fake);
}

#[test]
fn git_writes_are_403_for_a_read_only_token() {
    let (fake, root) = with_data_branch();
    fake.read_only(true);
    for (method, path, body) in [
        ("POST", "/repos/o/r/git/blobs", json!({"content": "x"})),
        ("POST", "/repos/o/r/git/trees", json!({"tree": []})),
        ("POST", "/repos/o/r/git/commits", json!({"message": "m", "tree": EMPTY_TREE})),
        ("POST", "/repos/o/r/git/refs", json!({"ref": "refs/heads/new", "sha": root})),
        ("PATCH", "/repos/o/r/git/refs/heads/data", json!({"sha": root, "force": true})),
    ] {
        let r = gh(&fake, method, path, Some(body));
        assert_eq!((r.status, r.json()["message"].as_str()), (403, Some("Resource not accessible by integration")));
    }
    assert_eq!(gh(&fake, "GET", "/repos/o/r/git/ref/heads/data", None).status, 200);
    assert_eq!(gh(&fake, "GET", &format!("/repos/o/r/git/commits/{root}"), None).status, 200);
    assert_eq!(gh(&fake, "GET", "/repos/o/r/git/trees/data", None).status, 200);
    assert_eq!(gh(&fake, "GET", "/repos/o/r/compare/data...data", None).status, 200);
    assert_eq!(fake.ref_sha("o/r", "new"), None);
    assert_clean(&fake);
}

#[test]
fn exported_repository_passes_git_fsck_and_clones() {
    let fake = FakeGitHub::start("");
    let t1 = tree(
        &fake,
        json!({"tree": [{"path": "runs/main/1.json", "mode": "100644", "type": "blob", "content": "{\"n\":1}\n"}]}),
    );
    let c1 = commit(&fake, "budgetgate: run 1\n", &t1, &[]);
    let t2 = tree(
        &fake,
        json!({"base_tree": t1, "tree": [{"path": "runs/main/2.json", "mode": "100644", "type": "blob", "content": "{\"n\":2}\n"}]}),
    );
    let c2 = commit(&fake, "budgetgate: run 2\n", &t2, &[&c1]);
    // A signature becomes Git's `gpgsig` header (continuation lines start with a space).
    let sig = "-----BEGIN PGP SIGNATURE-----\n\niQIz\n=5Io4\n-----END PGP SIGNATURE-----\n";
    let signed = post(&fake, "/repos/o/r/git/commits", json!({"message": "s", "tree": t1, "signature": sig}));
    assert_eq!(
        (signed["verification"]["signature"].as_str(), signed["verification"]["verified"].as_bool()),
        (Some(sig), Some(false))
    );
    let signed = signed["sha"].as_str().unwrap().to_string();
    fake.set_ref("o/r", "signed", &signed);
    assert_eq!(
        post(&fake, "/repos/o/r/git/refs", json!({"ref": "refs/heads/budgetgate-data", "sha": c2}))["ref"],
        "refs/heads/budgetgate-data"
    );
    let files = fake.branch_files("o/r", "budgetgate-data");
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(names, ["runs/main/1.json", "runs/main/2.json"]);
    assert_eq!(files["runs/main/2.json"], b"{\"n\":2}\n");
    assert_eq!(fake.branch_log("o/r", "budgetgate-data"), ["budgetgate: run 2\n", "budgetgate: run 1\n"]);
    assert!(fake.branch_files("o/r", "nope").is_empty() && fake.branch_log("o/r", "nope").is_empty());
    // GET git/trees takes a branch name too.
    let by_name = gh(&fake, "GET", "/repos/o/r/git/trees/budgetgate-data?recursive=1", None).json();
    assert_eq!(by_name["sha"], t2);
    assert_clean(&fake);
    if !have_git("exported_repository_passes_git_fsck_and_clones") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("r.git");
    fake.export_git("o/r", &bare);
    git(&bare, &["fsck", "--strict", "--no-dangling"]);
    assert_eq!(git(&bare, &["rev-parse", "budgetgate-data"]).trim(), c2);
    assert_eq!(git(&bare, &["log", "--format=%s", "budgetgate-data"]), "budgetgate: run 2\nbudgetgate: run 1\n");
    let top = git(&bare, &["cat-file", "-p", &t2]);
    assert!(top.starts_with("040000 tree ") && top.trim_end().ends_with("\truns"), "{top}");
    assert_eq!(git(&bare, &["cat-file", "-p", &format!("{c2}:runs/main/1.json")]), "{\"n\":1}\n");
    let raw = git(&bare, &["cat-file", "commit", &signed]);
    assert!(
        raw.contains("\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQIz\n =5Io4\n -----END PGP SIGNATURE-----\n\ns"),
        "{raw}"
    );
    let clone = dir.path().join("clone");
    git(dir.path(), &["clone", "-q", "--branch", "budgetgate-data", bare.to_str().unwrap(), clone.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(clone.join("runs/main/2.json")).unwrap(), "{\"n\":2}\n");
}
