//! `toolrisk serve` driven like a writer uses it: over HTTP, with files
//! edited on disk, and in a real headless Chromium through chromedriver.
//!
//! This file holds what the parts share: a free port, the `Server` under
//! test, raw HTTP requests, waiting for a live-reload event, editing a file,
//! and `Browser`, a minimal WebDriver client. The parts: `http` (rebuilds,
//! errors, paths, ports, Ctrl-C over HTTP), `browser` (a page updating by
//! itself in Chromium), `lifecycle` (preview folders and threads).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;

mod browser;
mod http;
mod lifecycle;

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `toolrisk serve`, stopped (with SIGINT) on drop.
pub struct Server {
    child: Child,
    pub port: u16,
    pub site: PathBuf,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Copies fixture `name` to a temporary folder and serves it.
    pub fn start(name: &str) -> Server {
        Server::start_site(&fixture(name))
    }

    /// Copies the site at `src` (its settings and source folders only) to a
    /// temporary folder and serves it.
    pub fn start_site(src: &Path) -> Server {
        Server::start_site_with(src, &[])
    }

    /// As [`Server::start_site`], with more environment variables.
    pub fn start_site_with(src: &Path, env: &[(&str, &Path)]) -> Server {
        let server = Server::spawn(src, env);
        server.wait_for(|s| s.get("/").0 == 200, "the server answers /");
        server
    }

    /// As [`Server::start_site`], for a site that does not build: ready
    /// when `/` answers with the error page.
    pub fn start_broken_site(src: &Path) -> Server {
        let server = Server::spawn(src, &[]);
        server.wait_for(
            |s| s.get("/").0 == 503,
            "the server answers / with the error page",
        );
        server
    }

    fn spawn(src: &Path, env: &[(&str, &Path)]) -> Server {
        let dir = tempdir();
        let site = dir.path().join("site");
        std::fs::create_dir_all(&site).unwrap();
        std::fs::copy(src.join("site.toml"), site.join("site.toml")).unwrap();
        for sub in ["content", "templates", "static"] {
            if src.join(sub).is_dir() {
                copy_dir(&src.join(sub), &site.join(sub));
            }
        }
        let port = free_port();
        let log = dir.path().join("serve.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_toolrisk"));
        // An empty value takes the variable out of serve's environment.
        for (k, v) in env {
            if v.as_os_str().is_empty() {
                command.env_remove(k);
            } else {
                command.env(k, v);
            }
        }
        let child = command
            .args(["serve", site.to_str().unwrap(), "--port", &port.to_string()])
            .stdout(Stdio::from(
                std::fs::File::create(dir.path().join("serve.out")).unwrap(),
            ))
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
            .spawn()
            .expect("toolrisk serve starts");
        Server {
            child,
            port,
            site,
            log,
            _dir: dir,
        }
    }

    /// The serve process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The preview folder serve said it writes to, checked to be its own.
    pub fn preview(&self) -> PathBuf {
        let log = self.log();
        let path = log
            .lines()
            .find_map(|l| l.strip_prefix("preview folder: "))
            .unwrap_or_else(|| panic!("serve names its preview folder: {log}"));
        let path = PathBuf::from(path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(&format!("toolrisk-serve-{}-", self.pid())),
            "{}",
            path.display()
        );
        path
    }

    /// Polls `cond` for up to 20 s.
    pub fn wait_for(&self, cond: impl Fn(&Server) -> bool, what: &str) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if cond(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "timed out waiting for: {what}\n--- serve log\n{}",
            self.log()
        );
    }

    /// A raw GET of `path` as written (no normalisation): (status, headers, body).
    pub fn get(&self, path: &str) -> (u16, String, String) {
        raw_get(self.port, path)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Sends SIGINT and waits for the exit code.
    pub fn interrupt(&mut self) -> Option<i32> {
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("serve did not stop within 10 s of Ctrl-C");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill")
                .args(["-INT", &self.child.id().to_string()])
                .status();
            std::thread::sleep(Duration::from_millis(300));
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn raw_get(port: u16, path: &str) -> (u16, String, String) {
    raw_get_as(port, path, "127.0.0.1")
}

/// [`raw_get`] naming `host` in the `Host` header.
fn raw_get_as(port: u16, path: &str, host: &str) -> (u16, String, String) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new(), String::new());
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_lowercase(), body.to_string())
}

/// Reads server-sent events from the live-reload stream until `want`
/// returns true for one of them, or 20 s pass.
fn wait_for_event(port: u16, act: impl FnOnce(), want: impl Fn(&Value) -> bool) -> Value {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    write!(
        stream,
        "GET /__toolrisk/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    // Skip the response head before acting, so no event is missed.
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    act();
    let start = Instant::now();
    let mut seen = Vec::new();
    while start.elapsed() < Duration::from_secs(20) {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {
                if let Some(data) = line.trim_end().strip_prefix("data: ") {
                    let event: Value = serde_json::from_str(data).unwrap();
                    if want(&event) {
                        return event;
                    }
                    seen.push(event);
                }
            }
            Err(_) => continue,
        }
    }
    panic!("no matching live-reload event within 20 s; saw {seen:?}");
}

pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} contains {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

const TOOL_PAGE: &str = "/servers/job-runner/run_job/";
const RECORD: &str = "content/servers/job-runner.json";

/// A minimal WebDriver client over chromedriver's HTTP API.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub fn start() -> Browser {
        let driver_path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect(
                "chromedriver is installed (Debian package chromium-driver; .ci/run installs it)",
            );
        let port = free_port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempdir();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1200,900",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let mut b = Browser {
            driver,
            port,
            session: String::new(),
            _profile: profile,
        };
        let resp = b.call("POST", "/session", Some(caps));
        b.session = resp["value"]["sessionId"]
            .as_str()
            .expect("a WebDriver session")
            .to_string();
        b
    }

    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let payload = read_http_body(stream);
        serde_json::from_str(&payload)
            .unwrap_or_else(|e| panic!("bad WebDriver reply ({e}): {payload}"))
    }

    pub fn goto(&self, url: &str) {
        self.call(
            "POST",
            &format!("/session/{}/url", self.session),
            Some(json!({ "url": url })),
        );
    }

    pub fn eval(&self, script: &str) -> Value {
        self.call(
            "POST",
            &format!("/session/{}/execute/sync", self.session),
            Some(json!({"script": script, "args": []})),
        )["value"]
            .clone()
    }

    pub fn wait_until(&self, script: &str, what: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.eval(script);
            if !v.is_null() && v != json!(false) && v.get("error").is_none() {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "browser: timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Runs an async script: it ends by calling its last argument with the result.
    pub fn eval_async(&self, script: &str, timeout: Duration) -> Value {
        self.call(
            "POST",
            &format!("/session/{}/timeouts", self.session),
            Some(json!({"script": timeout.as_millis() as u64})),
        );
        self.call(
            "POST",
            &format!("/session/{}/execute/async", self.session),
            Some(json!({"script": script, "args": []})),
        )["value"]
            .clone()
    }

    /// Presses keys on whatever has focus, as a reader would: each character
    /// of `keys` (WebDriver key codes such as `\u{E007}` for Enter included)
    /// goes down and up in turn.
    pub fn keys(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                [
                    json!({"type": "keyDown", "value": c.to_string()}),
                    json!({"type": "keyUp", "value": c.to_string()}),
                ]
            })
            .collect();
        let reply = self.call(
            "POST",
            &format!("/session/{}/actions", self.session),
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
        assert!(
            reply["value"].is_null(),
            "WebDriver refused the key presses: {reply}"
        );
    }

    pub fn screenshot(&self, path: &Path) {
        let v = self.call(
            "GET",
            &format!("/session/{}/screenshot", self.session),
            None,
        );
        let png = decode_base64(v["value"].as_str().expect("screenshot data"));
        assert_eq!(&png[1..4], b"PNG", "a PNG");
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.call("DELETE", &format!("/session/{}", self.session), None)
            }));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Reads one HTTP response and returns its body, honouring Content-Length
/// and chunked encoding (the driver may keep the connection open).
fn read_http_body(stream: TcpStream) -> String {
    let mut reader = BufReader::new(stream);
    let mut length = None;
    let mut chunked = false;
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    if let Some(n) = length {
        let mut body = vec![0; n];
        reader.read_exact(&mut body).unwrap();
        return String::from_utf8_lossy(&body).into_owned();
    }
    let mut rest = String::new();
    let _ = reader.read_to_string(&mut rest);
    if chunked { dechunk(&rest) } else { rest }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let Some(v) = val(c) else { continue };
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}
