//! `toolrisk import` against real MCP servers and a small server of the
//! tests' own (tests/import/fake_server.py, on the official Python SDK),
//! with the official Python SDK as the independent client
//! (tests/import/list_tools.py) the imported definitions are compared with,
//! and the MCP conformance suite's client scenarios
//! (tests/import/conformance.rs).
//!
//! The servers and the suite are installed by scripts/test.sh
//! (scripts/mcp-servers.sh) into .tools/mcp/, pinned by version; without
//! them these tests fail and say how to install them.

mod common;
#[path = "import/conformance.rs"]
mod conformance;
#[path = "import/faults.rs"]
mod faults;
#[path = "import/history.rs"]
mod history;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

/// Where scripts/mcp-servers.sh installed the servers.
pub fn mcp_dir() -> PathBuf {
    let dir = std::env::var_os("TOOLRISK_MCP_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/mcp"));
    assert!(
        dir.join(".installed").is_file() && dir.join("venv/bin/python").is_file(),
        "the MCP servers of the import tests are not installed in {}; run `bash scripts/test.sh` (it installs them), \
         or `source scripts/mcp-servers.sh && ensure_mcp_servers`",
        dir.display()
    );
    dir
}

pub fn python() -> String {
    mcp_dir().join("venv/bin/python").display().to_string()
}

pub fn script(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/import")
        .join(name)
        .display()
        .to_string()
}

/// A new empty site in a temporary folder.
pub fn new_site() -> tempfile::TempDir {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("site.toml"),
        "title = \"Import test\"\nbase_url = \"https://import.example/\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("content/servers")).unwrap();
    dir
}

/// `toolrisk import SLUG --site SITE [extra...] -- COMMAND...`.
pub fn import(site: &Path, slug: &str, extra: &[&str], command: &[String]) -> Run {
    let mut args: Vec<String> = vec![
        "import".into(),
        slug.into(),
        "--site".into(),
        site.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    if !command.is_empty() {
        args.push("--".into());
        args.extend(command.iter().cloned());
    }
    toolrisk(&args)
}

pub fn record(site: &Path, slug: &str) -> Value {
    read_json(&site.join("content/servers").join(format!("{slug}.json")))
}

/// The tools the official Python SDK lists for `command`.
fn python_lists(command: &[String]) -> Vec<Value> {
    let out = Command::new(python())
        .arg(script("list_tools.py"))
        .args(command)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "the Python SDK could not list {command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("list_tools.py prints JSON")
}

/// The real servers: (slug, command).
fn real_servers(scratch: &Path) -> Vec<(&'static str, Vec<String>)> {
    let bin = mcp_dir().join("node_modules/.bin");
    let node = |name: &str| bin.join(name).display().to_string();
    vec![
        ("everything", vec![node("mcp-server-everything")]),
        (
            "filesystem",
            vec![node("mcp-server-filesystem"), scratch.display().to_string()],
        ),
        ("memory", vec![node("mcp-server-memory")]),
        (
            "time",
            vec![
                mcp_dir()
                    .join("venv/bin/mcp-server-time")
                    .display()
                    .to_string(),
            ],
        ),
    ]
}

#[test]
fn real_servers_import_as_the_python_sdk_lists_them() {
    let site = new_site();
    let scratch = tempdir();
    let servers = real_servers(scratch.path());
    // Each server is started twice (toolrisk, then the Python SDK); the
    // servers run side by side to keep the test short.
    let results: Vec<(String, Run, Vec<Value>)> = std::thread::scope(|s| {
        let handles: Vec<_> = servers
            .iter()
            .map(|(slug, cmd)| {
                let site = site.path();
                s.spawn(move || {
                    let run = import(site, slug, &["--date", "2026-12-01"], cmd);
                    (slug.to_string(), run, python_lists(cmd))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (slug, run, listed) in results {
        run.ok(&format!("import {slug}"));
        assert!(
            run.stdout.contains(&format!("Imported {slug} into")),
            "{}",
            run.stdout
        );
        let rec = record(site.path(), &slug);
        assert_eq!(rec["checked"], "2026-12-01");
        assert!(
            rec["serverInfo"]["name"]
                .as_str()
                .is_some_and(|n| !n.is_empty()),
            "{slug}: serverInfo"
        );
        let tools = rec["tools"].as_array().unwrap();
        assert!(!listed.is_empty(), "{slug} lists tools");
        assert_eq!(
            tools.len(),
            listed.len(),
            "{slug}: as many tools as the Python SDK lists"
        );
        for (ours, theirs) in tools.iter().zip(&listed) {
            let name = theirs["name"].as_str().unwrap();
            assert_eq!(ours["name"], theirs["name"], "{slug}: tool order");
            assert_eq!(
                ours.get("description"),
                theirs.get("description"),
                "{slug}/{name}: description"
            );
            assert_eq!(
                ours.get("title"),
                theirs.get("title"),
                "{slug}/{name}: title"
            );
            assert_eq!(
                ours["inputSchema"], theirs["inputSchema"],
                "{slug}/{name}: input schema"
            );
            assert_eq!(
                ours.get("annotations"),
                theirs.get("annotations"),
                "{slug}/{name}: annotations"
            );
            let h = ours["history"].as_array().unwrap();
            assert_eq!(h.len(), 1, "{slug}/{name}: one history entry");
            assert!(h[0]["hash"].as_str().unwrap().starts_with("sha256:"));
        }
    }
    // The records the import wrote are valid, and build.
    let out = site.path().join("public");
    build(site.path(), &out).ok("build the imported site");
    assert!(
        out.join("servers/time/get_current_time/index.html")
            .is_file()
    );
    let check = toolrisk([
        "check".as_ref(),
        site.path().as_os_str(),
        "--no-links".as_ref(),
    ]);
    check.ok("check the imported site");
    assert!(
        !check.stderr.contains("no longer matches"),
        "{}",
        check.stderr
    );
}

/// The tests' own server over its tools file, pages of `page` tools.
pub fn fake(tools_file: &Path, page: usize) -> Vec<String> {
    vec![
        python(),
        script("fake_server.py"),
        tools_file.display().to_string(),
        page.to_string(),
    ]
}

#[test]
fn pagination_is_followed_to_the_last_page() {
    let site = new_site();
    let tools: Vec<Value> = (0..7)
        .map(|i| serde_json::json!({"name": format!("tool_{i}"), "description": format!("Tool number {i}."), "inputSchema": {"type": "object"}}))
        .collect();
    let file = site.path().join("tools.json");
    std::fs::write(&file, serde_json::to_string(&tools).unwrap()).unwrap();
    import(site.path(), "paged", &[], &fake(&file, 2)).ok("import a paged list");
    let rec = record(site.path(), "paged");
    let names: Vec<&str> = rec["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        (0..7).map(|i| format!("tool_{i}")).collect::<Vec<_>>()
    );
    assert_eq!(rec["serverInfo"]["name"], "fake-notes");
    assert_eq!(rec["serverInfo"]["version"], "1.2.3");
    assert_eq!(
        rec["name"], "fake-notes",
        "a new record is named after the server"
    );
}

/// Kills the server a test started when the test ends, however it ends.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn streamable_http_imports_what_stdio_imports() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bin = mcp_dir().join("node_modules/.bin/mcp-server-everything");
    let _server = Reaped(
        Command::new(&bin)
            .arg("streamableHttp")
            .env("PORT", port.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the everything server starts"),
    );
    let t = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < std::time::Duration::from_secs(60),
            "the HTTP server listens"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let site = new_site();
    let url = format!("http://127.0.0.1:{port}/mcp");
    import(
        site.path(),
        "everything-http",
        &["--url", &url, "--header", "X-Catalogue: toolrisk-test"],
        &[],
    )
    .ok("import over Streamable HTTP");
    import(site.path(), "everything", &[], &[bin.display().to_string()]).ok("import over stdio");
    let (http, stdio) = (
        record(site.path(), "everything-http"),
        record(site.path(), "everything"),
    );
    let names = |r: &Value| -> Vec<String> {
        r["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!names(&http).is_empty());
    assert_eq!(names(&http), names(&stdio));
    for (a, b) in http["tools"]
        .as_array()
        .unwrap()
        .iter()
        .zip(stdio["tools"].as_array().unwrap())
    {
        assert_eq!(a["inputSchema"], b["inputSchema"], "{}", a["name"]);
        assert_eq!(
            a["history"][0]["hash"], b["history"][0]["hash"],
            "{}: the same definition",
            a["name"]
        );
    }
    // Nothing listens on the port next to it: a clear error, nothing written.
    let dead = format!("http://127.0.0.1:{}/mcp", port.wrapping_add(1));
    import(
        site.path(),
        "nobody",
        &["--url", &dead, "--timeout", "10"],
        &[],
    )
    .failed("no server at the URL")
    .stderr_has("importing nobody from <http://127.0.0.1:");
    assert!(!site.path().join("content/servers/nobody.json").exists());
    import(
        site.path(),
        "secure",
        &["--url", "https://mcp.invalid/mcp"],
        &[],
    )
    .failed("https")
    .stderr_has("plain HTTP only");
}
