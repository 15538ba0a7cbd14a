//! The server record's JSON Schema (src/builtin/server.schema.json,
//! published at /schema/server.schema.json) and the loader agree: on every
//! record of the fixtures and the example site, on the 288 real servers of
//! the corpus, and on a table of edits to a valid record. The few checks a
//! schema cannot make (categories a site adds in site.toml, unique tool
//! names, limits, the file name) are listed where they are skipped.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::*;

const SCHEMA: &str = include_str!("../../src/builtin/server.schema.json");
const ATTACK_SCHEMA: &str = include_str!("../../src/builtin/attack.schema.json");

/// A well-formed definition hash (a record's own would warn, not fail).
const HASH: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&serde_json::from_str(SCHEMA).unwrap()).unwrap()
}

fn default_config() -> toolrisk::config::Config {
    toolrisk::config::Config::parse("title = \"T\"\nbase_url = \"https://e.com/\"\n").unwrap()
}

/// The loader's verdict on a record's text: `Ok` or the problems.
fn loads(text: &str, config: &toolrisk::config::Config) -> Result<(), String> {
    toolrisk::catalogue::load::parse_server("s", Path::new("content/servers/s.json"), text, config)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The loader's verdict on a record file: its name (the slug) and its text.
fn loads_file(path: &Path, text: &str, config: &toolrisk::config::Config) -> Result<(), String> {
    let stem = path.file_stem().unwrap().to_string_lossy();
    toolrisk::catalogue::load::check_server_slug(&stem, path).map_err(|e| e.to_string())?;
    loads(text, config)
}

fn schema_says(v: &jsonschema::Validator, value: &Value) -> Result<(), String> {
    let errors: Vec<String> = v
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// Fixtures whose records the loader refuses for what no schema can see.
const BEYOND_A_SCHEMA: [(&str, &str); 3] = [
    ("bad-category", "the categories come from site.toml"),
    (
        "bad-duplicate-tool",
        "tool names are unique within a server",
    ),
    ("bad-slug", "the file name is the slug"),
];

#[test]
fn every_fixture_and_example_record_gets_the_same_verdict_from_both() {
    let v = validator();
    let mut sites: Vec<(String, std::path::PathBuf)> =
        std::fs::read_dir(example_site().join("tests/fixtures"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
            .collect();
    sites.push(("example".into(), example_site()));
    let init = tempdir();
    toolrisk(["init".as_ref(), init.path().join("s").as_os_str()]).ok("init");
    sites.push(("init".into(), init.path().join("s")));
    let mut checked = 0;
    for (name, site) in sites {
        let servers = site.join("content/servers");
        if !servers.is_dir() {
            continue;
        }
        let config = toolrisk::config::Config::load(&site).unwrap_or_else(|_| default_config());
        for entry in std::fs::read_dir(&servers).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let Ok(value) = serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}'))
            else {
                assert!(
                    loads_file(&path, &text, &config).is_err(),
                    "{}: not JSON, yet loaded",
                    path.display()
                );
                continue;
            };
            let (loader, schema) = (loads_file(&path, &text, &config), schema_says(&v, &value));
            checked += 1;
            if let Some((_, why)) = BEYOND_A_SCHEMA.iter().find(|(f, _)| *f == name) {
                assert!(
                    loader.is_err() && schema.is_ok(),
                    "{name}: {why}: {loader:?} {schema:?}"
                );
                continue;
            }
            assert_eq!(
                loader.is_ok(),
                schema.is_ok(),
                "{}:\n loader: {loader:?}\n schema: {schema:?}",
                path.display()
            );
        }
    }
    assert!(checked > 25, "only {checked} records");
}

#[test]
fn the_corpus_of_real_servers_gets_the_same_verdict_from_both() {
    let v = validator();
    // A title's length limit is a site setting (`[limits]`), not the
    // format: some real servers put paragraphs in their titles.
    let config = toolrisk::config::Config::parse(
        "title = \"T\"\nbase_url = \"https://e.com/\"\n[limits]\nmax_title_chars = 100000\n",
    )
    .unwrap();
    let mut tools = 0;
    for entry in std::fs::read_dir(example_site().join("corpus/servers")).unwrap() {
        let path = entry.unwrap().path();
        let listed: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let record = json!({
            "$schema": "../../src/builtin/server.schema.json",
            "name": listed["server_info"]["name"],
            "tools": listed["tools"],
        });
        tools += record["tools"].as_array().unwrap().len();
        let text = serde_json::to_string_pretty(&record).unwrap();
        let (loader, schema) = (loads(&text, &config), schema_says(&v, &record));
        // A real server can list two tools of one name, which the loader
        // refuses and a schema cannot express (as for the fixture
        // `bad-duplicate-tool`).
        let mut names = std::collections::BTreeSet::new();
        let unique = record["tools"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| names.insert(t["name"].as_str().unwrap_or_default().to_string()));
        if !unique {
            assert!(
                schema.is_ok() && loader.as_ref().is_err_and(|e| e.contains("duplicate tool")),
                "{}: a repeated tool name: {loader:?} {schema:?}",
                path.display()
            );
            continue;
        }
        assert_eq!(
            loader.is_ok(),
            schema.is_ok(),
            "{}:\n loader: {loader:?}\n schema: {schema:?}",
            path.display()
        );
    }
    assert!(tools > 3000, "{tools} tools");
}

#[test]
fn edits_to_a_valid_record_get_the_same_verdict_from_both() {
    let v = validator();
    let config = default_config();
    let base = json!({
        "$schema": "https://catalogue.example/schema/server.schema.json",
        "name": "Notes",
        "repository": "example/notes",
        "description": "Keeps notes.",
        "homepage": "https://example.com/",
        "checked": "2026-01-31",
        "tools": [{
            "name": "add_note",
            "title": "Add note",
            "description": "Add a note.",
            "inputSchema": {"type": "object"},
            "outputSchema": {"type": "object"},
            "annotations": {"title": "Add", "readOnlyHint": false, "destructiveHint": false, "idempotentHint": false, "openWorldHint": false},
            "icons": [{"src": "https://example.com/i.png"}],
            "_meta": {"x": 1},
            "category": "write",
            "risk": "medium",
            "rationale": "Writes notes."
        }],
        "extra": {"team": "a"}
    });
    assert_eq!(
        (loads(&base.to_string(), &config), schema_says(&v, &base)),
        (Ok(()), Ok(()))
    );
    type Edit = fn(&mut Value);
    let edits: &[(&str, Edit)] = &[
        ("no $schema", |r| {
            r.as_object_mut().unwrap().remove("$schema");
        }),
        ("$schema a number", |r| r["$schema"] = json!(1)),
        ("no server name", |r| {
            r.as_object_mut().unwrap().remove("name");
        }),
        ("empty server name", |r| r["name"] = json!("")),
        ("blank server name", |r| r["name"] = json!("   ")),
        ("name a number", |r| r["name"] = json!(7)),
        ("no tools", |r| {
            r.as_object_mut().unwrap().remove("tools");
        }),
        ("tools an object", |r| r["tools"] = json!({})),
        ("no tools at all", |r| r["tools"] = json!([])),
        ("unknown server field", |r| r["descripton"] = json!("x")),
        ("null description", |r| r["description"] = json!(null)),
        ("checked not a date", |r| r["checked"] = json!("yesterday")),
        ("checked month 13", |r| r["checked"] = json!("2026-13-01")),
        ("checked signed year", |r| {
            r["checked"] = json!("+202-01-01")
        }),
        ("extra an array", |r| r["extra"] = json!([])),
        ("extra null", |r| r["extra"] = json!(null)),
        ("tool without name", |r| {
            r["tools"][0].as_object_mut().unwrap().remove("name");
        }),
        ("tool name empty", |r| r["tools"][0]["name"] = json!("")),
        ("tool a string", |r| r["tools"][0] = json!("add_note")),
        ("unknown tool field", |r| {
            r["tools"][0]["input_schema"] = json!({})
        }),
        ("risk unknown", |r| r["tools"][0]["risk"] = json!("extreme")),
        ("risk upper case", |r| r["tools"][0]["risk"] = json!("High")),
        ("risk null", |r| r["tools"][0]["risk"] = json!(null)),
        ("category null", |r| r["tools"][0]["category"] = json!(null)),
        ("category a number", |r| {
            r["tools"][0]["category"] = json!(3)
        }),
        ("inputSchema a string", |r| {
            r["tools"][0]["inputSchema"] = json!("object")
        }),
        ("outputSchema an array", |r| {
            r["tools"][0]["outputSchema"] = json!([])
        }),
        ("inputSchema null", |r| {
            r["tools"][0]["inputSchema"] = json!(null)
        }),
        ("unknown annotation", |r| {
            r["tools"][0]["annotations"]["readOnly"] = json!(true)
        }),
        ("annotation a string", |r| {
            r["tools"][0]["annotations"]["readOnlyHint"] = json!("yes")
        }),
        ("annotations null", |r| {
            r["tools"][0]["annotations"] = json!(null)
        }),
        ("icons anything", |r| r["tools"][0]["icons"] = json!("x")),
        ("_meta anything", |r| r["tools"][0]["_meta"] = json!(3)),
        ("title a number", |r| r["tools"][0]["title"] = json!(1)),
        (
            "serverInfo as import writes it",
            |r| r["serverInfo"] = json!({"name": "notes", "title": "Notes", "version": "1.0"}),
        ),
        ("serverInfo without name", |r| {
            r["serverInfo"] = json!({"version": "1.0"})
        }),
        ("serverInfo with more", |r| {
            r["serverInfo"] = json!({"name": "n", "icons": []})
        }),
        ("serverInfo null", |r| r["serverInfo"] = json!(null)),
        (
            "server history",
            |r| r["history"] = json!([{"date": "2026-01-02", "added": ["a"], "removed": []}]),
        ),
        ("server history bad date", |r| {
            r["history"] = json!([{"date": "2026-1-2"}])
        }),
        ("server history unknown field", |r| {
            r["history"] = json!([{"date": "2026-01-02", "renamed": []}])
        }),
        ("server history null", |r| r["history"] = json!(null)),
        ("tool history, a first version", |r| {
            r["tools"][0]["history"] = json!([{"date": "2026-01-02", "hash": HASH}])
        }),
        (
            "tool history, a change",
            |r| r["tools"][0]["history"] = json!([{"date": "2026-01-02", "hash": HASH, "previous": HASH, "changed": ["description"], "before": {"description": "old"}, "cut": []}]),
        ),
        ("tool history, bad hash", |r| {
            r["tools"][0]["history"] = json!([{"date": "2026-01-02", "hash": "sha256:XYZ"}])
        }),
        ("tool history, no hash", |r| {
            r["tools"][0]["history"] = json!([{"date": "2026-01-02"}])
        }),
        ("tool history, date signed", |r| {
            r["tools"][0]["history"] = json!([{"date": "+026-01-02", "hash": HASH}])
        }),
        ("tool history, not a definition field", |r| {
            r["tools"][0]["history"] =
                json!([{"date": "2026-01-02", "hash": HASH, "changed": ["risk"]}])
        }),
        (
            "tool history, before not text",
            |r| r["tools"][0]["history"] = json!([{"date": "2026-01-02", "hash": HASH, "changed": ["title"], "before": {"title": 3}}]),
        ),
        ("tool history, before schema not an object", |r| {
            r["tools"][0]["history"] = json!([{"date": "2026-01-02", "hash": HASH, "changed": ["inputSchema"], "before": {"inputSchema": "x"}}])
        }),
        (
            "tool history, before too long",
            |r| r["tools"][0]["history"] = json!([{"date": "2026-01-02", "hash": HASH, "changed": ["title"], "before": {"title": "x".repeat(4097)}}]),
        ),
        ("tool history null", |r| {
            r["tools"][0]["history"] = json!(null)
        }),
    ];
    for (what, edit) in edits {
        let mut record = base.clone();
        edit(&mut record);
        let (loader, schema) = (
            loads(&record.to_string(), &config),
            schema_says(&v, &record),
        );
        assert_eq!(
            loader.is_ok(),
            schema.is_ok(),
            "{what}:\n loader: {loader:?}\n schema: {schema:?}"
        );
    }
}

#[test]
fn the_schemas_are_published_with_the_site() {
    let out = shared_build("ok");
    assert_eq!(read(&out.join("schema/server.schema.json")), SCHEMA);
    assert_eq!(read(&out.join("schema/attack.schema.json")), ATTACK_SCHEMA);
}

#[test]
fn every_attack_entry_front_matter_follows_its_schema() {
    let v = jsonschema::validator_for(&serde_json::from_str(ATTACK_SCHEMA).unwrap()).unwrap();
    let mut checked = 0;
    let mut folders = vec![example_site().join("content/attacks")];
    for e in std::fs::read_dir(example_site().join("tests/fixtures")).unwrap() {
        folders.push(e.unwrap().path().join("content/attacks"));
    }
    for folder in folders.into_iter().filter(|f| f.is_dir()) {
        for e in std::fs::read_dir(&folder).unwrap() {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let Some(front) = text
                .strip_prefix("+++\n")
                .and_then(|t| t.split_once("\n+++"))
            else {
                continue;
            };
            let Ok(table) = toml::from_str::<toml::Table>(front.0) else {
                continue;
            };
            // A TOML date is a string to the schema.
            let value = serde_json::to_value(&table).unwrap();
            let fine = !path.to_string_lossy().contains("/bad-");
            if fine {
                assert_eq!(schema_says(&v, &value), Ok(()), "{}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 4, "{checked}");
}

#[test]
fn a_pasted_tools_list_or_an_empty_file_says_what_it_is_and_how_to_fix_it() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    let servers = site.join("content/servers");
    std::fs::create_dir_all(&servers).unwrap();
    std::fs::write(
        site.join("site.toml"),
        "title = \"T\"\nbase_url = \"https://e.com/\"\n",
    )
    .unwrap();
    std::fs::write(servers.join("empty.json"), "\n").unwrap();
    std::fs::write(
        servers.join("rpc.json"),
        "{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1,\n  \"result\": {\n    \"tools\": [{ \"name\": \"a\" }]\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        servers.join("time.json"),
        "{ \"tools\": [{ \"name\": \"now\" }] }\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let run = toolrisk([
        "build".as_ref(),
        site.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
    ]);
    run.failed("a build of pasted lists");
    let by_hand = "or, by hand, keep the list under";
    let record = "as the record's `tools` and add the server's `\"name\"`: { \"name\": \"…\", \"tools\": [ … ] }";
    assert_eq!(
        run.stderr,
        format!(
            "error 1: content/servers/empty.json: the file is empty\n   \
             help: a server record is a JSON object with a `name` and a `tools` list; see docs/content-format.md\n\
             error 2: content/servers/rpc.json:5:5: the file holds a JSON-RPC response to `tools/list`, not a server record: it has no server `name`\n   \
             help: write the record from the live server with `toolrisk import rpc -- COMMAND` (or `--url URL`); {by_hand} `result.tools` {record}\n\
             error 3: content/servers/time.json:1:3: the file holds an MCP `tools/list` result, not a server record: it has no server `name`\n   \
             help: write the record from the live server with `toolrisk import time -- COMMAND` (or `--url URL`); {by_hand} `tools` {record}\n\
             3 problems found\n"
        )
    );
}
