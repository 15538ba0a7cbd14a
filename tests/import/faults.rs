//! Bad servers: each fault gets an error naming the server and the step,
//! leaves the existing record byte for byte as it was, and leaves no
//! process behind.

use std::path::Path;
use std::time::{Duration, Instant};

use super::common::*;
use super::{fake, import, new_site};

const RECORD: &str = r#"{
  "name": "Kept",
  "description": "Written by hand.",
  "tools": [ { "name": "old_tool", "category": "read" } ]
}
"#;

/// A site with a hand-written record `kept.json`.
fn site_with_record() -> tempfile::TempDir {
    let site = new_site();
    std::fs::write(site.path().join("content/servers/kept.json"), RECORD).unwrap();
    site
}

fn assert_untouched(site: &Path) {
    assert_eq!(
        read(&site.join("content/servers/kept.json")),
        RECORD,
        "the record is untouched"
    );
    let left: Vec<_> = std::fs::read_dir(site.join("content/servers"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["kept.json"], "no temporary file is left");
}

fn sh(script: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script.into()]
}

/// True while a process with this pid exists (and is not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

fn pid_in(file: &Path) -> u32 {
    read(file).trim().parse().expect("the server wrote its pid")
}

#[test]
fn a_command_that_does_not_start() {
    let site = site_with_record();
    import(site.path(), "kept", &[], &["/no/such/mcp-server".into()])
        .failed("a missing command")
        .stderr_has("importing kept from `/no/such/mcp-server`: starting the server:")
        .stderr_has("is not on PATH")
        .stderr_has("content/servers/kept.json was left as it was");
    assert_untouched(site.path());
}

#[test]
fn a_server_that_exits_at_once() {
    let site = site_with_record();
    import(
        site.path(),
        "kept",
        &[],
        &sh("echo 'fatal: no config' >&2; exit 3"),
    )
    .failed("a server that exits")
    .stderr_has(": initialize:")
    .stderr_has("exit status: 3")
    .stderr_has("fatal: no config");
    assert_untouched(site.path());
}

#[test]
fn a_server_that_hangs_is_timed_out_and_reaped() {
    let site = site_with_record();
    let pidfile = site.path().join("pid");
    let t = Instant::now();
    import(
        site.path(),
        "kept",
        &["--timeout", "2"],
        &sh(&format!("echo $$ > {}; exec sleep 120", pidfile.display())),
    )
    .failed("a server that hangs")
    .stderr_has(": initialize: the server did not answer within 2 s")
    .stderr_has("--timeout");
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "gave up in time: {:?}",
        t.elapsed()
    );
    assert!(
        !alive(pid_in(&pidfile)),
        "the hung server was killed and reaped"
    );
    assert_untouched(site.path());
}

#[test]
fn a_server_that_prints_garbage_on_stdout() {
    let site = site_with_record();
    import(
        site.path(),
        "kept",
        &["--timeout", "3"],
        &sh("echo 'Server listening on port 3000'; exec sleep 120"),
    )
    .failed("a server that logs to stdout")
    .stderr_has("not JSON-RPC on stdout: “Server listening on port 3000”")
    .stderr_has("logs go to stderr");
    assert_untouched(site.path());
}

#[test]
fn an_invalid_tool_list_or_name_leaves_the_record() {
    let site = site_with_record();
    // A tool without an input schema is not an MCP Tool.
    let file = site.path().join("bad.json");
    std::fs::write(&file, r#"[{"name":"x","inputSchema":{"type":"object"}}]"#).unwrap();
    let answer = site.path().join("answer.py");
    std::fs::write(
        &answer,
        "import sys, json\nfor line in sys.stdin:\n    m = json.loads(line)\n    if 'id' not in m: continue\n    if m['method'] == 'initialize':\n        r = {'protocolVersion': m['params']['protocolVersion'], 'capabilities': {'tools': {}}, 'serverInfo': {'name': 'bad', 'version': '1'}}\n    else:\n        r = {'tools': [{'name': 'no_schema'}]}\n    print(json.dumps({'jsonrpc': '2.0', 'id': m['id'], 'result': r}), flush=True)\n",
    )
    .unwrap();
    import(
        site.path(),
        "kept",
        &["--timeout", "10"],
        &[super::python(), answer.display().to_string()],
    )
    .failed("a tool list without input schemas")
    .stderr_has(": tools/list: the server's answer is not a tool list");
    assert_untouched(site.path());
    // A name past the content format's limit of 128 characters.
    std::fs::write(
        &file,
        serde_json::to_string(
            &serde_json::json!([{"name": "n".repeat(200), "inputSchema": {"type": "object"}}]),
        )
        .unwrap(),
    )
    .unwrap();
    import(site.path(), "kept", &[], &fake(&file, 0))
        .failed("a name too long")
        .stderr_has("checking the tool list: the server's answer would make an invalid record")
        .stderr_has("more than the limit of 128");
    assert_untouched(site.path());
    // A slug that is not valid as a record's file name never starts the server.
    import(site.path(), "Bad Slug", &[], &sh("exit 0"))
        .failed("an invalid slug")
        .stderr_has("cannot be a server slug");
    assert_untouched(site.path());
}

#[test]
fn ctrl_c_stops_the_import_and_reaps_the_server() {
    let site = site_with_record();
    let pidfile = site.path().join("pid");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_toolrisk"))
        .args(["import", "kept", "--site"])
        .arg(site.path())
        .args(["--timeout", "60", "--", "sh", "-c"])
        .arg(format!("echo $$ > {}; exec sleep 120", pidfile.display()))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !pidfile.is_file() || read(&pidfile).trim().is_empty() {
        assert!(t.elapsed() < Duration::from_secs(20), "the server started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: signals the child this test started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted (Ctrl-C)"), "{stderr}");
    assert!(!alive(pid_in(&pidfile)), "the server was reaped");
    assert_untouched(site.path());
}

#[test]
fn a_tool_list_past_the_limits_leaves_the_record() {
    let site = site_with_record();
    let toml = site.path().join("site.toml");
    let mut settings = read(&toml);
    settings.push_str("[limits]\nmax_tools_per_server = 3\n");
    std::fs::write(&toml, settings).unwrap();
    let tools: Vec<serde_json::Value> = (0..5)
        .map(|i| serde_json::json!({"name": format!("t{i}"), "inputSchema": {"type": "object"}}))
        .collect();
    let file = site.path().join("many.json");
    std::fs::write(&file, serde_json::to_string(&tools).unwrap()).unwrap();
    import(site.path(), "kept", &[], &fake(&file, 2))
        .failed("too many tools")
        .stderr_has(": tools/list: the server lists more than 3 tools")
        .stderr_has("max_tools_per_server");
    assert_untouched(site.path());
}

/// A server that answers `initialize` and then crashes, or hangs, at
/// `tools/list`: the error names that step.
#[test]
fn a_server_that_fails_after_the_handshake() {
    let site = site_with_record();
    let script = site.path().join("half.py");
    std::fs::write(
        &script,
        "import sys, json, time\nmode = sys.argv[1]\nfor line in sys.stdin:\n    m = json.loads(line)\n    if 'id' not in m: continue\n    if m['method'] == 'initialize':\n        r = {'protocolVersion': m['params']['protocolVersion'], 'capabilities': {'tools': {}}, 'serverInfo': {'name': 'half', 'version': '1'}}\n        print(json.dumps({'jsonrpc': '2.0', 'id': m['id'], 'result': r}), flush=True)\n    elif mode == 'crash':\n        sys.stderr.write('Traceback: boom\\n'); sys.exit(7)\n    else:\n        time.sleep(120)\n",
    )
    .unwrap();
    let cmd = |mode: &str| {
        vec![
            super::python(),
            script.display().to_string(),
            mode.to_string(),
        ]
    };
    import(site.path(), "kept", &["--timeout", "10"], &cmd("crash"))
        .failed("a server that crashes at tools/list")
        .stderr_has(": tools/list:")
        .stderr_has("Traceback: boom");
    assert_untouched(site.path());
    import(site.path(), "kept", &["--timeout", "3"], &cmd("hang"))
        .failed("a server that hangs at tools/list")
        .stderr_has(": tools/list: the server did not answer within 3 s");
    assert_untouched(site.path());
}
