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
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers =
        lines.map(|l| l.split_once(": ").unwrap()).map(|(n, v)| (n.to_ascii_lowercase(), v.to_string())).collect();
    Resp { status, headers, body: body.to_string() }
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
