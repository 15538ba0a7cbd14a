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
    // Hand-set fields, on the server and on a tool.
    let path = site.path().join("content/servers/notes.json");
    let mut rec = record(site.path(), "notes");
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
