//! The example site is real: every record that is not marked fictional
//! names where its tool definitions came from (`extra.source`), and where
//! the labelled corpus lists the same package, the example's tools are the
//! corpus's, field for field.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// The definition fields a record copies from the server: those
/// `toolrisk import` keeps.
const DEFINITION: [&str; 8] = toolrisk::import::merge::SERVER_FIELDS;

/// `npm:NAME@VERSION` or `pypi:NAME==VERSION`, as the corpus writes them.
fn is_package(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("npm:") {
        // A scoped name starts with `@`: the version follows the last one.
        return rest
            .rsplit_once('@')
            .is_some_and(|(name, version)| !name.is_empty() && name != "@" && !version.is_empty());
    }
    if let Some(rest) = s.strip_prefix("pypi:") {
        return rest
            .split_once("==")
            .is_some_and(|(name, version)| !name.is_empty() && !version.is_empty());
    }
    false
}

fn is_repository(s: &str) -> bool {
    let mut parts = s.split('/');
    let (Some(owner), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !owner.is_empty() && !name.is_empty()
}

fn is_commit(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_fictional(record: &Value) -> bool {
    record["extra"]["fictional"] == Value::Bool(true)
}

/// The corpus's servers by their `source`.
fn corpus_by_source(root: &Path) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(root.join("corpus/servers")).unwrap() {
        let path = entry.unwrap().path();
        let listed = read_json(&path);
        let source = listed["source"].as_str().unwrap().to_string();
        out.insert(source, listed);
    }
    out
}

/// What is wrong with the provenance of the site's records: one line a
/// problem. `twins` counts the records checked against the corpus.
fn provenance_problems(
    site: &Path,
    corpus: &HashMap<String, Value>,
    twins: &mut usize,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (slug, record) in records(site) {
        if is_fictional(&record) {
            let says = ["name", "description"].iter().any(|f| {
                record[*f]
                    .as_str()
                    .is_some_and(|s| s.to_lowercase().contains("fictional"))
            });
            if !says {
                problems.push(format!(
                    "{slug}: fictional, but its name and description do not say so"
                ));
            }
            if record.get("repository").is_some() {
                problems.push(format!("{slug}: fictional, but names a repository"));
            }
            if record["extra"].get("source").is_some() {
                problems.push(format!("{slug}: fictional, but names a source"));
            }
            continue;
        }
        let source = &record["extra"]["source"];
        if !source.is_object() {
            problems.push(format!("{slug}: no extra.source"));
            continue;
        }
        let text = |k: &str| source.get(k).and_then(Value::as_str);
        match (text("package"), text("repository"), text("commit")) {
            (Some(p), None, None) if is_package(p) => {}
            (None, Some(r), Some(c)) if is_repository(r) && is_commit(c) => {}
            _ => problems.push(format!(
                "{slug}: extra.source needs a package with its version, or a repository and a 40-hex commit: {source}"
            )),
        }
        if text("listed_with").is_some() == text("copied_from").is_some() {
            problems.push(format!(
                "{slug}: extra.source says how the tools were had: listed_with or copied_from, one of them"
            ));
        }
        let tools = record["tools"].as_array().unwrap();
        if let Some(of) = source.get("subset_of")
            && of.as_u64().is_none_or(|n| n as usize <= tools.len())
        {
            problems.push(format!(
                "{slug}: subset_of {of} is not more than the {} tools kept",
                tools.len()
            ));
        }
        let Some(twin) = text("package").and_then(|p| corpus.get(p)) else {
            continue;
        };
        *twins += 1;
        let theirs: HashMap<&str, &Value> = twin["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap(), t))
            .collect();
        for tool in tools {
            let name = tool["name"].as_str().unwrap();
            let Some(their) = theirs.get(name) else {
                problems.push(format!("{slug}/{name}: not a tool of {}", twin["slug"]));
                continue;
            };
            for field in DEFINITION {
                let (a, b) = (tool.get(field), their.get(field));
                let bytes = |v: Option<&Value>| v.map(|v| serde_json::to_string(v).unwrap());
                if bytes(a) != bytes(b) {
                    problems.push(format!(
                        "{slug}/{name}: {field} differs from {}",
                        twin["slug"]
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn every_example_record_is_sourced_and_equals_its_corpus_twin() {
    let root = example_site();
    let corpus = corpus_by_source(&root);
    let mut twins = 0;
    let problems = provenance_problems(&root, &corpus, &mut twins);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        twins >= 10,
        "only {twins} records checked against the corpus"
    );
    let fictional = records(&root)
        .iter()
        .filter(|(_, r)| is_fictional(r))
        .count();
    assert_eq!(fictional, 1, "the example site has one fictional server");
}

/// The check finds an edited description, a made-up tool, a short commit
/// and a fictional record that does not say so.
#[test]
fn the_provenance_check_finds_edits() {
    let root = example_site();
    let corpus = corpus_by_source(&root);
    let tmp = tempdir();
    let dir = tmp.path().join("content/servers");
    std::fs::create_dir_all(&dir).unwrap();
    let put = |slug: &str, record: &Value| {
        std::fs::write(
            dir.join(format!("{slug}.json")),
            serde_json::to_string(record).unwrap(),
        )
        .unwrap();
    };
    let mut slack = read_json(&root.join("content/servers/slack.json"));
    slack["tools"][0]["description"] = Value::from("List the channels.");
    let made_up =
        serde_json::json!({"name": "slack_delete_workspace", "description": "Delete it all."});
    slack["tools"].as_array_mut().unwrap().push(made_up);
    put("slack", &slack);
    let mut github = read_json(&root.join("content/servers/github.json"));
    github["extra"]["source"]["commit"] = Value::from("64a49f3");
    put("github", &github);
    let mut trivia = read_json(&root.join("content/servers/trivia-helper.json"));
    trivia["name"] = Value::from("Trivia Helper");
    trivia["description"] = Value::from("Answers trivia questions.");
    put("trivia-helper", &trivia);
    let mut twins = 0;
    let problems = provenance_problems(tmp.path(), &corpus, &mut twins).join("\n");
    for want in [
        "slack/slack_list_channels: description differs",
        "slack/slack_delete_workspace: not a tool of",
        "github: extra.source needs",
        "trivia-helper: fictional, but its name and description do not say so",
    ] {
        assert!(problems.contains(want), "{want} not in:\n{problems}");
    }
    assert_eq!(twins, 1);
}

#[test]
fn package_and_commit_shapes() {
    assert!(is_package("npm:@scope/name@1.2.3"));
    assert!(is_package("npm:name@0.0.1"));
    assert!(is_package("pypi:name==1.0"));
    assert!(!is_package("npm:@scope/name"));
    assert!(!is_package("npm:name"));
    assert!(!is_package("pypi:name"));
    assert!(!is_package("name@1.0"));
    assert!(is_commit("64a49f34d076b6f5917dae1424521d43c7bcae84"));
    assert!(!is_commit("64a49f3"));
    assert!(!is_commit("64A49F34D076B6F5917DAE1424521D43C7BCAE84"));
    assert!(is_repository("github/github-mcp-server"));
    assert!(!is_repository("github-mcp-server"));
}
