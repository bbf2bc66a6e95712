//! Headless Chromium for the tests (issue 18): load a local HTML file with the network blocked
//! and report what a reader's browser would see — console errors, every URL the page asked
//! for, the DOM after load, how long loading took — or save a screenshot.
//!
//! `load` speaks the DevTools protocol over `--remote-debugging-pipe` (NUL-separated JSON on
//! fds 3 and 4), because nothing else tells an error from a log line: `--enable-logging=stderr`
//! prints every console message as `INFO:CONSOLE` whatever its level (Chromium keeps the level
//! for its own WebUI pages only) and never prints failed loads, and `--log-net-log` records no
//! `file://` loads. The net log is still read, as a second witness to requests made below the
//! page (the network service sees them even when DevTools does not). `screenshot` needs no
//! protocol: `--screenshot --window-size` does it.
//!
//! The network is blocked twice: every host name resolves to nothing (`--host-resolver-rules`)
//! and every request goes to a proxy on the discard port where nothing listens
//! (`--proxy-server`), so an attempt fails at once with `net::ERR_PROXY_CONNECTION_FAILED` and
//! shows up in `console_errors` as a failed load. Each run has its own profile, is bounded by
//! [`TIMEOUT`], and runs in its own process group, killed whole when the run ends, so no
//! renderer or GPU process outlives it, even when a test panics.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The longest one chromium run may take before it is killed.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// What loading a page showed.
#[derive(Debug, Clone)]
pub struct PageLoad {
    /// `console.error`/`console.assert` calls, uncaught exceptions and rejections, failed
    /// resource loads (blocked network requests among them) and other error-level messages.
    pub console_errors: Vec<String>,
    /// Every URL the page requested, the file itself first, each once, in request order;
    /// `data:` URLs are left out, as they never leave the page.
    pub requests: Vec<String>,
    /// The DOM after load, serialized as `--dump-dom` does (doctype, then the root's outerHTML).
    pub dom: String,
    /// Milliseconds from navigation start to the later of the end of the load event and the
    /// first contentful paint, on the page's own clock (Navigation and Paint Timing).
    pub load_ms: f64,
}

/// The Chromium to run: `$BUDGETGATE_CHROMIUM`, else the first of the usual names on PATH.
/// `None` when there is none; the browser tests then print SKIPPED and pass.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BUDGETGATE_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Loads `file` and waits for its load event, two animation frames and 100 ms more (so that
/// errors thrown just after load are caught), then closes the browser.
pub fn load(file: &Path) -> PageLoad {
    let url = file_url(file);
    let profile = tempfile::tempdir().unwrap();
    let net_log = profile.path().join("net-log.json");
    let mut browser = Browser::start(
        profile.path(),
        &[format!("--log-net-log={}", net_log.display()), "--remote-debugging-pipe".into(), "about:blank".into()],
    );
    let mut cdp = Cdp::new(&mut browser);

    // The tab chromium opened on about:blank, or a new one should it not be there yet.
    let targets = cdp.call(None, "Target.getTargets", json!({}));
    let tab = targets["targetInfos"].as_array().and_then(|all| all.iter().find(|t| t["type"] == "page"));
    let target = match tab {
        Some(tab) => tab["targetId"].clone(),
        None => cdp.call(None, "Target.createTarget", json!({ "url": "about:blank" }))["targetId"].clone(),
    };
    let attached = cdp.call(None, "Target.attachToTarget", json!({ "targetId": target, "flatten": true }));
    let session_id = attached["sessionId"].as_str().unwrap().to_string();
    let session = Some(session_id.as_str());
    for domain in ["Page", "Runtime", "Log", "Network"] {
        cdp.call(session, &format!("{domain}.enable"), json!({}));
    }

    let first_event = cdp.events.len();
    let navigated = cdp.call(session, "Page.navigate", json!({ "url": url }));
    if let Some(error) = navigated["errorText"].as_str() {
        panic!("chromium could not open {url}: {error}");
    }
    cdp.wait_for(session, "Page.loadEventFired", first_event);
    let settled = cdp.call(
        session,
        "Runtime.evaluate",
        json!({ "expression": SETTLE_AND_MEASURE, "awaitPromise": true, "returnByValue": true }),
    );
    if !settled["exceptionDetails"].is_null() {
        panic!("measuring {url} failed: {}", settled["exceptionDetails"]);
    }
    let page = &settled["result"]["value"];
    let dom = page["dom"].as_str().unwrap_or_default().to_string();
    let loaded = page["load"].as_f64().unwrap_or_else(|| panic!("{url} has no navigation timing: {page}"));
    let load_ms = loaded.max(page["fcp"].as_f64().unwrap_or(0.0));

    // Browser.close may get no answer: the pipe can close first.
    cdp.send(None, "Browser.close", json!({}));
    let events: Vec<Value> = cdp.events.split_off(first_event);
    drop(cdp);
    browser.finish(Duration::from_secs(10));

    let mut requests = page_requests(&events, &session_id);
    for url in net_log_requests(&net_log) {
        if !requests.contains(&url) {
            requests.push(url);
        }
    }
    PageLoad { console_errors: console_errors(&events, &session_id), requests, dom, load_ms }
}

/// Saves a PNG of `file` as seen in a `width`×`height` window (scrollbars hidden), after the
/// load event and the page's first second of (virtual) time.
pub fn screenshot(file: &Path, width: u32, height: u32, out: &Path) {
    screenshot_with(file, width, height, out, &[]);
}

/// [`screenshot`] with the page asking for a dark colour scheme (`prefers-color-scheme: dark`).
pub fn screenshot_dark(file: &Path, width: u32, height: u32, out: &Path) {
    screenshot_with(file, width, height, out, &["--force-dark-mode", "--blink-settings=preferredColorScheme=0"]);
}

fn screenshot_with(file: &Path, width: u32, height: u32, out: &Path, extra: &[&str]) {
    let profile = tempfile::tempdir().unwrap();
    let _ = std::fs::remove_file(out);
    let mut args: Vec<String> = extra.iter().map(|a| a.to_string()).collect();
    args.extend([
        format!("--screenshot={}", out.display()),
        format!("--window-size={width},{height}"),
        "--hide-scrollbars".into(),
        // Timers of the first second (virtual time: no real waiting) run before the shot.
        "--virtual-time-budget=1000".into(),
        file_url(file),
    ]);
    let mut browser = Browser::start(profile.path(), &args);
    let ok = browser.finish(TIMEOUT);
    if !ok || !out.is_file() {
        panic!("chromium wrote no screenshot of {}{}", file.display(), browser.stderr_tail());
    }
}

/// The `file://` URL of an existing path; bytes other than letters, digits and `-._~/` are
/// percent-encoded (Chromium leaves a few more, such as `+` or `@`, as they are).
pub fn file_url(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut url = String::from("file://");
    for &byte in path.to_str().expect("a UTF-8 path").as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'.' | b'_' | b'~' => url.push(byte as char),
            _ => url.push_str(&format!("%{byte:02X}")),
        }
    }
    url
}

/// Width and height from a PNG's IHDR chunk; `None` when the bytes are not a PNG.
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") || png.get(12..16) != Some(b"IHDR") {
        return None;
    }
    let be = |at: usize| Some(u32::from_be_bytes(png.get(at..at + 4)?.try_into().ok()?));
    Some((be(16)?, be(20)?))
}

/// Waits past the load event for two frames and 100 ms, then reads the timings and the DOM.
const SETTLE_AND_MEASURE: &str = r"
new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 100))))
  .then(() => {
    const navigation = performance.getEntriesByType('navigation')[0];
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    const doctype = document.doctype ? new XMLSerializer().serializeToString(document.doctype) + '\n' : '';
    return {
      load: navigation ? navigation.loadEventEnd : null,
      fcp: paint ? paint.startTime : null,
      dom: doctype + document.documentElement.outerHTML,
    };
  })";

/// The flags of every run: headless, a fresh profile, no network, nothing in the background.
fn base_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
        // Port 9 (discard): nothing listens, so every request fails at once.
        "--proxy-server=127.0.0.1:9",
    ]
    .into_iter()
    .map(String::from)
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// One chromium run in its own process group; dropping it kills what is left of the run.
struct Browser {
    child: Child,
    profile: PathBuf,
    deadline: Instant,
    killed: bool,
}

impl Browser {
    fn start(profile: &Path, extra: &[String]) -> Browser {
        let chromium = chromium().expect("chromium() found no browser");
        let stderr = File::create(profile.join("stderr.txt")).unwrap();
        // The shell hands our pipes to chromium as the fds --remote-debugging-pipe reads (3)
        // and writes (4): std can't place fds in a child without unsafe code.
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null"#)
            .arg(&chromium)
            .args(base_args(profile))
            .args(extra)
            // Chromium's crash handler keeps its database under $HOME/.config whatever the
            // profile: with HOME in the profile nothing is written outside it, and the handler
            // (which leaves our process group) names the profile on its command line.
            .env("HOME", profile)
            .env("XDG_CONFIG_HOME", profile)
            .env("XDG_CACHE_HOME", profile)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", chromium.display()));
        Browser { child, profile: profile.to_path_buf(), deadline: Instant::now() + TIMEOUT, killed: false }
    }

    /// Waits up to `grace` (never past the deadline) for the browser to exit by itself, then
    /// kills what is left of the run and checks that nothing survived. True when it exited by
    /// itself with status 0.
    fn finish(&mut self, grace: Duration) -> bool {
        let until = self.deadline.min(Instant::now() + grace);
        // Poll /proc rather than try_wait: the exited browser stays a zombie, unreaped, so its
        // pid (the group's id) cannot be reused before the group is killed below.
        while !exited(self.child.id()) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        let by_itself = exited(self.child.id());
        self.kill();
        let status = self.child.wait().unwrap();
        // SIGKILL lands asynchronously: give the processes a moment to die.
        let until = Instant::now() + Duration::from_secs(2);
        let mut left = self.processes();
        while !left.is_empty() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
            left = self.processes();
        }
        assert!(left.is_empty(), "chromium processes outlived the kill: {left:?}");
        by_itself && status.success()
    }

    /// Kills the process group, then the crash handlers that left it.
    fn kill(&mut self) {
        if self.killed {
            return;
        }
        self.killed = true;
        let mut kill = format!("kill -KILL -- -{}", self.child.id());
        for pid in self.processes() {
            kill.push_str(&format!(" {pid}"));
        }
        let _ = Command::new("sh").arg("-c").arg(kill + " 2>/dev/null").status();
    }

    /// The live processes of this run: its process group, and any process naming its profile.
    fn processes(&self) -> Vec<u32> {
        let group = self.child.id().to_string();
        let profile = format!("{}/", self.profile.display()).into_bytes();
        let ours = |pid: u32| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // After the command name (in parentheses, maybe with spaces): state, ppid, pgrp.
            let fields: Vec<&str> =
                stat.rsplit_once(") ").map(|(_, rest)| rest.split(' ').collect()).unwrap_or_default();
            if fields.len() < 3 || matches!(fields[0], "Z" | "X") {
                return false;
            }
            let command = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            fields[2] == group || command.windows(profile.len()).any(|w| w == profile.as_slice())
        };
        let pids = std::fs::read_dir("/proc").into_iter().flatten().flatten();
        pids.filter_map(|entry| entry.file_name().to_str()?.parse().ok()).filter(|&pid| ours(pid)).collect()
    }

    /// The end of chromium's stderr, without the D-Bus complaints of a machine without D-Bus.
    fn stderr_tail(&self) -> String {
        let text = std::fs::read_to_string(self.profile.join("stderr.txt")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.contains("dbus")).collect();
        format!("\nchromium's stderr (end):\n{}", lines[lines.len().saturating_sub(20)..].join("\n"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.killed {
            self.kill();
            let _ = self.child.wait();
        }
    }
}

/// True once the process has exited (a zombie, or gone).
fn exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(") ").is_none_or(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
        Err(_) => true,
    }
}

/// A DevTools protocol connection over the browser's pipe.
struct Cdp<'a> {
    browser: &'a Browser,
    input: ChildStdin,
    output: Receiver<Value>,
    next_id: u64,
    /// Every event received, in order.
    events: Vec<Value>,
}

impl<'a> Cdp<'a> {
    fn new(browser: &'a mut Browser) -> Cdp<'a> {
        let input = browser.child.stdin.take().unwrap();
        let output = BufReader::new(browser.child.stdout.take().unwrap());
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            for message in output.split(0) {
                let Ok(message) = message else { break };
                let Ok(message) = serde_json::from_slice(&message) else { continue };
                if send.send(message).is_err() {
                    break;
                }
            }
        });
        Cdp { browser, input, output: receive, next_id: 0, events: Vec::new() }
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> u64 {
        self.next_id += 1;
        let mut message = json!({ "id": self.next_id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = session.into();
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        // A closed pipe shows up as the answer that never comes.
        let _ = self.input.write_all(&bytes);
        self.next_id
    }

    /// Sends a command and returns its result, keeping the events that arrive meanwhile.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.send(session, method, params);
        loop {
            let message = self.receive(method);
            if message["id"] == id {
                if !message["error"].is_null() {
                    panic!("chromium refused {method}: {}", message["error"]);
                }
                return message["result"].clone();
            }
            self.keep(message);
        }
    }

    /// Waits for an event of this session, looking first at those kept since `since`.
    fn wait_for(&mut self, session: Option<&str>, method: &str, since: usize) {
        let is_it = |e: &Value| e["method"] == method && e["sessionId"].as_str() == session;
        if self.events[since..].iter().any(&is_it) {
            return;
        }
        loop {
            let message = self.receive(method);
            let found = is_it(&message);
            self.keep(message);
            if found {
                return;
            }
        }
    }

    fn keep(&mut self, message: Value) {
        if message["method"] == "Inspector.targetCrashed" {
            panic!("the page crashed{}", self.browser.stderr_tail());
        }
        if message["method"].is_string() {
            self.events.push(message);
        }
    }

    fn receive(&mut self, waiting_for: &str) -> Value {
        let left = self.browser.deadline.saturating_duration_since(Instant::now());
        match self.output.recv_timeout(left) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => {
                panic!("chromium gave no {waiting_for} within {TIMEOUT:?}{}", self.browser.stderr_tail())
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("chromium closed the pipe before {waiting_for}{}", self.browser.stderr_tail())
            }
        }
    }
}

/// The events of one session with the given method, as their params.
fn params<'e>(events: &'e [Value], session: &'e str, method: &'e str) -> impl Iterator<Item = &'e Value> {
    events.iter().filter(move |e| e["method"] == method && e["sessionId"] == session).map(|e| &e["params"])
}

/// URLs in the order the page requested them (documents, subresources, redirects' targets).
fn page_requests(events: &[Value], session: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for request in params(events, session, "Network.requestWillBeSent") {
        let url = request["request"]["url"].as_str().unwrap_or_default();
        if !url.starts_with("data:") && !urls.iter().any(|u| u == url) {
            urls.push(url.to_string());
        }
    }
    urls
}

/// What the page reported as errors: console.error/assert, uncaught exceptions, error-level log
/// entries (failed loads among them: "Failed to load resource: net::ERR_…") and any failed
/// request the log did not mention.
fn console_errors(events: &[Value], session: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let mut logged_requests = Vec::new();
    for event in events.iter().filter(|e| e["sessionId"] == session) {
        let p = &event["params"];
        match event["method"].as_str().unwrap_or_default() {
            "Runtime.consoleAPICalled" if p["type"] == "error" || p["type"] == "assert" => {
                let args: Vec<String> = p["args"].as_array().into_iter().flatten().map(remote_object_text).collect();
                let frame = &p["stackTrace"]["callFrames"][0];
                errors.push(format!("console.{}: {}{}", p["type"].as_str().unwrap(), args.join(" "), at(frame)));
            }
            "Runtime.exceptionThrown" => {
                let details = &p["exceptionDetails"];
                let description =
                    details["exception"]["description"].as_str().or(details["exception"]["value"].as_str());
                let first_line = description.and_then(|d| d.lines().next()).unwrap_or_default();
                errors.push(format!("{} {first_line}{}", details["text"].as_str().unwrap_or("Uncaught"), at(details)));
            }
            "Log.entryAdded" if p["entry"]["level"] == "error" => {
                let entry = &p["entry"];
                logged_requests.push(entry["networkRequestId"].clone());
                let url = entry["url"].as_str().map(|u| format!(" ({u})")).unwrap_or_default();
                errors.push(format!("{}{url}", entry["text"].as_str().unwrap_or_default()));
            }
            _ => {}
        }
    }
    for failed in params(events, session, "Network.loadingFailed") {
        if !logged_requests.contains(&failed["requestId"]) {
            let url = params(events, session, "Network.requestWillBeSent")
                .find(|r| r["requestId"] == failed["requestId"])
                .and_then(|r| r["request"]["url"].as_str())
                .unwrap_or("?");
            errors.push(format!("Failed to load resource: {} ({url})", failed["errorText"].as_str().unwrap_or("?")));
        }
    }
    errors
}

/// " (url:line)" for a call frame or exception details (their line numbers count from 0).
fn at(place: &Value) -> String {
    match (place["url"].as_str(), place["lineNumber"].as_u64()) {
        (Some(url), Some(line)) if !url.is_empty() => format!(" ({url}:{})", line + 1),
        _ => String::new(),
    }
}

/// A console argument as the console shows it, near enough.
fn remote_object_text(arg: &Value) -> String {
    match &arg["value"] {
        Value::String(s) => s.clone(),
        Value::Null => arg["unserializableValue"]
            .as_str()
            .or(arg["description"].as_str())
            .unwrap_or(arg["type"].as_str().unwrap_or_default())
            .to_string(),
        value => value.to_string(),
    }
}

/// URLs the network service was asked for on a page's behalf (browser-initiated requests,
/// such as update checks, carry no initiator), from the net log Chromium writes on exit.
fn net_log_requests(net_log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(net_log).unwrap_or_else(|e| panic!("no net log at {}: {e}", net_log.display()));
    // A browser killed before it closed the log leaves the events list open: close it.
    let log: Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .unwrap_or_else(|e| panic!("unreadable net log {}: {e}", net_log.display()));
    let start_job = &log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"];
    let mut urls: Vec<String> = Vec::new();
    for event in log["events"].as_array().into_iter().flatten().filter(|e| &e["type"] == start_job) {
        let (Some(url), Some(initiator)) = (event["params"]["url"].as_str(), event["params"]["initiator"].as_str())
        else {
            continue;
        };
        if initiator != "not an origin" && !url.starts_with("data:") && !urls.iter().any(|u| u == url) {
            urls.push(url.to_string());
        }
    }
    urls
}
