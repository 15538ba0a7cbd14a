//! Definition history: a server of the tests' own changes a tool between
//! two imports; the record keeps hand-set fields and gains history, a
//! hand edit is caught by `check` and recorded by `--pin`.

use serde_json::{Value, json};

use super::common::*;
use super::{fake, import, new_site, record};

fn write_tools(path: &std::path::Path, tools: &Value) {
    std::fs::write(path, serde_json::to_string(tools).unwrap()).unwrap();
}

pub fn v1() -> Value {
    json!([
        {"name": "read_note", "description": "Read one note by its id.", "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}},
        {"name": "list_notes", "description": "List the titles of every note.", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": true}},
        {"name": "old_tool", "description": "Going away.", "inputSchema": {"type": "object"}}
    ])
}

#[test]
fn a_changed_definition_is_recorded_and_hand_set_fields_are_kept() {
    let site = new_site();
    let file = site.path().join("tools.json");
    write_tools(&file, &v1());
    import(
        site.path(),
        "notes",
        &["--date", "2026-12-01"],
        &fake(&file, 0),
    )
    .ok("first import");
    // A new record names the site's published record schema, first.
    let path = site.path().join("content/servers/notes.json");
    let mut rec = record(site.path(), "notes");
    assert_eq!(
        rec.as_object().unwrap().keys().next().map(String::as_str),
        Some("$schema")
    );
    assert_eq!(
        rec["$schema"],
        "https://import.example/schema/server.schema.json"
    );
    // Hand-set fields, on the server and on a tool; and no schema.
    rec.as_object_mut().unwrap().remove("$schema");
    rec["name"] = json!("Notes (reviewed)");
    rec["extra"] = json!({"team": "infra"});
    rec["tools"][0]["category"] = json!("read");
    rec["tools"][0]["rationale"] = json!("Reads one note.");
    std::fs::write(&path, serde_json::to_string_pretty(&rec).unwrap()).unwrap();

    let mut v2 = v1();
    v2[0]["description"] = json!("Read one note by its id, and its attachments.");
    v2[0]["inputSchema"]["properties"]["with_files"] = json!({"type": "boolean"});
    v2.as_array_mut().unwrap().remove(2);
    v2.as_array_mut().unwrap().push(
        json!({"name": "new_tool", "description": "New.", "inputSchema": {"type": "object"}}),
    );
    write_tools(&file, &v2);
    let run = import(
        site.path(),
        "notes",
        &["--date", "2026-12-05"],
        &fake(&file, 0),
    );
    run.ok("second import");
    assert!(
        run.stdout
            .contains("added: new_tool; removed: old_tool; changed: read_note"),
        "{}",
        run.stdout
    );

    let rec = record(site.path(), "notes");
    assert_eq!(rec["name"], "Notes (reviewed)");
    assert!(rec.get("$schema").is_none(), "a record keeps what it has");
    assert_eq!(rec["extra"]["team"], "infra");
    assert_eq!(rec["checked"], "2026-12-05");
    let read_note = &rec["tools"][0];
    assert_eq!(read_note["category"], "read");
    assert_eq!(read_note["rationale"], "Reads one note.");
    assert_eq!(
        read_note["description"],
        "Read one note by its id, and its attachments."
    );
    let h = read_note["history"].as_array().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1]["date"], "2026-12-05");
    assert_eq!(h[1]["previous"], h[0]["hash"]);
    assert_eq!(h[1]["changed"], json!(["description", "inputSchema"]));
    assert_eq!(h[1]["before"]["description"], "Read one note by its id.");
    assert!(
        h[1]["before"]["inputSchema"]["properties"]
            .get("with_files")
            .is_none()
    );
    // An unchanged tool gets no new entry.
    assert_eq!(rec["tools"][1]["history"].as_array().unwrap().len(), 1);
    // Added and removed tools are in the server's history.
    assert_eq!(
        rec["history"],
        json!([{"date": "2026-12-05", "added": ["new_tool"], "removed": ["old_tool"]}])
    );
    let names: Vec<&str> = rec["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["read_note", "list_notes", "new_tool"]);
    // Importing the same list again changes nothing but the date.
    import(
        site.path(),
        "notes",
        &["--date", "2026-12-06"],
        &fake(&file, 0),
    )
    .ok("third import");
    let again = record(site.path(), "notes");
    assert_eq!(again["tools"], rec["tools"]);
}

#[test]
fn check_warns_of_a_hand_edit_and_pin_records_it() {
    let site = new_site();
    let file = site.path().join("tools.json");
    write_tools(&file, &v1());
    import(
        site.path(),
        "notes",
        &["--date", "2026-12-01"],
        &fake(&file, 0),
    )
    .ok("import");
    let check = || {
        toolrisk([
            "check".as_ref(),
            site.path().as_os_str(),
            "--no-links".as_ref(),
        ])
    };
    assert!(
        !check()
            .ok("clean check")
            .stderr
            .contains("no longer matches")
    );

    let path = site.path().join("content/servers/notes.json");
    let mut rec = record(site.path(), "notes");
    rec["tools"][1]["description"] = json!("List every note, edited by hand.");
    std::fs::write(&path, serde_json::to_string_pretty(&rec).unwrap()).unwrap();
    check()
        .ok("a warning is no failure")
        .stderr_has("tool `list_notes`: the definition no longer matches the newest hash in its history (recorded 2026-12-01)")
        .stderr_has("toolrisk import --pin notes");

    let site_arg = site.path().display().to_string();
    let pin = toolrisk([
        "import",
        "notes",
        "--pin",
        "--date",
        "2026-12-02",
        "--site",
        &site_arg,
    ]);
    pin.ok("pin");
    assert!(
        pin.stdout
            .contains("Pinned 1 tool definition of content/servers/notes.json: list_notes"),
        "{}",
        pin.stdout
    );
    assert!(
        !check()
            .ok("check after pin")
            .stderr
            .contains("no longer matches")
    );
    let rec = record(site.path(), "notes");
    let h = rec["tools"][1]["history"].as_array().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1]["previous"], h[0]["hash"]);
    // Nothing left to pin.
    let again = toolrisk(["import", "notes", "--pin", "--site", &site_arg]);
    assert!(again.ok("pin again").stdout.contains("already matches"));
}

#[test]
fn broken_history_is_an_error_naming_the_entry() {
    let site = new_site();
    std::fs::write(
        site.path().join("content/servers/bad.json"),
        r#"{"name": "Bad", "tools": [{"name": "t", "history": [{"date": "yesterday", "hash": "md5:1", "changed": ["category"]}]}]}"#,
    )
    .unwrap();
    toolrisk([
        "check".as_ref(),
        site.path().as_os_str(),
        "--no-links".as_ref(),
    ])
    .failed("bad history")
    .stderr_has("tool `t`: history entry 1: `date` is `yesterday`, not a date")
    .stderr_has("tool `t`: history entry 1: `hash` is not `sha256:`")
    .stderr_has("`category` is not a definition field");
}

/// The site shows a change: the tool page's word diff, `/changes/`, the
/// Atom feed; a change that adds a free-form command input flags the tool
/// as changed after review until `--pin` records the review; a poisoned
/// description shows as text.
#[test]
fn the_site_shows_a_change_and_flags_a_dangerous_one() {
    let site = new_site();
    let file = site.path().join("tools.json");
    write_tools(&file, &v1());
    import(
        site.path(),
        "notes",
        &["--date", "2026-12-01"],
        &fake(&file, 0),
    )
    .ok("first import");
    let mut v2 = v1();
    v2[0]["description"] = json!("Read one note by its id <b>now</b>.");
    v2[0]["inputSchema"]["properties"]["command"] =
        json!({"type": "string", "description": "A shell command to run first."});
    write_tools(&file, &v2);
    import(
        site.path(),
        "notes",
        &["--date", "2026-12-05"],
        &fake(&file, 0),
    )
    .ok("second import");

    let out = site.path().join("public");
    build(site.path(), &out).ok("build");
    let page = read(&out.join("servers/notes/read_note/index.html"));
    assert!(page.contains("Definition history"), "{page}");
    assert!(
        page.contains("The definition last changed on 2026-12-05"),
        "{page}"
    );
    assert!(page.contains("<del>id.</del>"), "{page}");
    assert!(
        page.contains("<ins>id &lt;b&gt;now&lt;/b&gt;.</ins>"),
        "record text is escaped: {page}"
    );
    assert!(
        page.contains("Input properties added: <code>command</code>"),
        "{page}"
    );
    assert!(page.contains("Changed after review"), "{page}");
    let unchanged = read(&out.join("servers/notes/list_notes/index.html"));
    assert!(unchanged.contains("has not changed since it was first recorded, on 2026-12-01"));

    let changes = read(&out.join("changes/index.html"));
    assert!(
        changes.contains("read_note") && changes.contains("changed after review"),
        "{changes}"
    );
    let flagged = read(&out.join("flagged/index.html"));
    assert!(
        flagged.contains("read_note"),
        "the changed tool is flagged: {flagged}"
    );

    // The feed is well-formed Atom (checked by Python's XML parser).
    let feed = out.join("changes/atom.xml");
    let check = std::process::Command::new(super::python())
        .arg("-c")
        .arg(
            "import sys, xml.etree.ElementTree as E\n\
             A='{http://www.w3.org/2005/Atom}'\n\
             r=E.parse(sys.argv[1]).getroot()\n\
             assert r.tag==A+'feed', r.tag\n\
             for k in ('id','title','updated'): assert r.find(A+k) is not None, k\n\
             es=r.findall(A+'entry')\n\
             assert es, 'no entry'\n\
             for e in es:\n\
             \x20   for k in ('id','title','updated','link'): assert e.find(A+k) is not None, k\n\
             print(len(es))\n",
        )
        .arg(&feed)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "1");

    // A review clears the flag.
    let site_arg = site.path().display().to_string();
    toolrisk([
        "import",
        "notes",
        "--pin",
        "--date",
        "2026-12-06",
        "--site",
        &site_arg,
    ])
    .ok("pin the review");
    build(site.path(), &out).ok("build after the review");
    let flagged = read(&out.join("flagged/index.html"));
    assert!(!flagged.contains("read_note"), "reviewed: {flagged}");
    let page = read(&out.join("servers/notes/read_note/index.html"));
    assert!(
        page.contains("The definition last changed on 2026-12-05"),
        "{page}"
    );
}

#[test]
fn server_json_fills_the_servers_metadata() {
    let site = new_site();
    let file = site.path().join("tools.json");
    write_tools(&file, &v1());
    let meta = site.path().join("server.json");
    std::fs::write(
        &meta,
        r#"{"name": "io.example/notes", "title": "Example Notes", "description": "Notes, over MCP.", "version": "1.2.3",
            "repository": {"url": "https://github.com/example/notes.git", "source": "github"},
            "packages": [{"registryType": "pypi", "identifier": "notes-mcp", "version": "1.2.3"}]}"#,
    )
    .unwrap();
    let meta_arg = meta.display().to_string();
    import(
        site.path(),
        "notes",
        &["--server-json", &meta_arg],
        &fake(&file, 0),
    )
    .ok("import with server.json");
    let rec = record(site.path(), "notes");
    assert_eq!(rec["name"], "Example Notes");
    assert_eq!(rec["description"], "Notes, over MCP.");
    assert_eq!(rec["repository"], "example/notes");
    assert_eq!(rec["extra"]["registry"]["name"], "io.example/notes");
    assert_eq!(
        rec["extra"]["registry"]["packages"][0]["identifier"],
        "notes-mcp"
    );
    // A server.json that is not JSON names the file, and nothing is written.
    std::fs::write(&meta, "{ not json").unwrap();
    std::fs::remove_file(site.path().join("content/servers/notes.json")).unwrap();
    import(
        site.path(),
        "notes",
        &["--server-json", &meta_arg],
        &fake(&file, 0),
    )
    .failed("a broken server.json")
    .stderr_has("server.json");
    assert!(!site.path().join("content/servers/notes.json").exists());
}

/// `/changes/` is paginated, newest first, and links its feed.
#[test]
fn the_changes_list_is_paginated_newest_first() {
    let out = tempdir();
    build(&fixture("history"), out.path()).ok("build the history fixture");
    let first = read(&out.path().join("changes/index.html"));
    let second = read(&out.path().join("changes/page/2/index.html"));
    assert!(first.contains("4 changes"), "{first}");
    assert!(
        first.contains("/changes/atom.xml"),
        "the feed is linked: {first}"
    );
    assert!(
        first.contains("/changes/page/2/"),
        "a link to the next page: {first}"
    );
    for page in [&first, &second] {
        assert!(page.contains("2026-12-05"), "{page}");
    }
    assert!(
        second.contains("old_tool") || first.contains("old_tool"),
        "the removed tool is listed"
    );
    let feed = read(&out.path().join("changes/atom.xml"));
    assert_eq!(feed.matches("<entry>").count(), 4);
    assert!(
        feed.contains("&amp;lt;script&amp;gt;"),
        "record text is escaped twice in the feed's HTML content"
    );
    assert!(!feed.contains("<script"), "{feed}");
}

/// An incremental build after `--pin` adds a change writes what a full
/// build writes, the sitemap's new `/changes/` page included.
#[test]
fn an_incremental_build_after_a_pin_equals_a_full_build() {
    let work = tempdir();
    let site = work.path().join("site");
    copy_dir(&fixture("history"), &site);
    let (out, full) = (work.path().join("out"), work.path().join("full"));
    build(&site, &out).ok("first build");
    let path = site.join("content/servers/notes.json");
    let mut rec = read_json(&path);
    rec["tools"][1]["description"] = json!("List every note title, edited by hand.");
    std::fs::write(&path, serde_json::to_string_pretty(&rec).unwrap()).unwrap();
    let site_arg = site.display().to_string();
    toolrisk([
        "import",
        "notes",
        "--pin",
        "--date",
        "2026-12-08",
        "--site",
        &site_arg,
    ])
    .ok("pin");
    let again = build(&site, &out);
    again.ok("incremental build");
    assert!(
        again.stdout.contains("Rebuilt for 1 changed server record"),
        "{}",
        again.stdout
    );
    toolrisk([
        "build".as_ref(),
        site.as_os_str(),
        "--output".as_ref(),
        full.as_os_str(),
        "--full".as_ref(),
    ])
    .ok("full build");
    assert!(read(&full.join("sitemap.xml")).contains("/changes/page/3/"));
    assert_same_tree(
        &snapshot(&out),
        &snapshot(&full),
        "incremental against full",
    );
}
