//! Policies: valid, and the same everywhere they are shown.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

pub(crate) fn check_policies(root: &Path) {
    let files: Vec<String> = list_files(root)
        .into_iter()
        .filter(|f| f.ends_with("policy.json") && f.starts_with("servers/"))
        .collect();
    assert!(!files.is_empty());
    for f in &files {
        let doc = read_json(&root.join(f));
        toolrisk::policy::validate(&doc).unwrap_or_else(|e| panic!("{f} fails the schema: {e}"));
        assert_eq!(doc["default"], "deny", "{f}");
    }
    for api_file in list_files(&root.join("api/servers")) {
        let api = read_json(&root.join("api/servers").join(&api_file));
        let slug = api["slug"].as_str().unwrap();
        let server_policy_text = read(&root.join(format!("servers/{slug}/policy.json")));
        let server_policy: Value = serde_json::from_str(&server_policy_text).unwrap();

        // Server page and server policy.json agree.
        let server_page = parse_html(&root.join(format!("servers/{slug}/index.html")));
        let pre = server_page
            .select(&sel("pre#server-policy-json"))
            .next()
            .unwrap_or_else(|| panic!("server page {slug} has no policy"));
        assert_eq!(
            text_of(pre),
            server_policy_text,
            "server page policy != servers/{slug}/policy.json"
        );

        for t in api["tools"].as_array().unwrap() {
            let name = t["name"].as_str().unwrap();
            let url = t["url"].as_str().unwrap();
            let path = url.split_once("://").unwrap().1;
            let path = &path[path.find('/').unwrap() + 1..];
            let policy_text = read(&root.join(path).join("policy.json"));
            let policy: Value = serde_json::from_str(&policy_text).unwrap();
            assert_eq!(t["policy"], policy, "api policy != {path}policy.json");
            let keyed = policy.get("tools").and_then(|m| m.get(name)).is_some();
            let hidden = policy["hide"]
                .as_array()
                .is_some_and(|h| h.iter().any(|v| v == name));
            assert!(
                keyed || hidden,
                "{path}policy.json does not name `{name}` by its raw name"
            );

            // The tool page shows exactly the file.
            let page = parse_html(&root.join(path).join("index.html"));
            let pre = page
                .select(&sel("pre#policy-json"))
                .next()
                .unwrap_or_else(|| panic!("{path} shows no policy"));
            assert_eq!(
                text_of(pre),
                policy_text,
                "{path}: shown policy != policy.json"
            );
            // So does the embed card.
            let embed = root
                .join(path.replacen("servers/", "embed/", 1))
                .join("index.html");
            let embed = parse_html(&embed);
            let pre = embed
                .select(&sel("pre"))
                .next()
                .expect("embed shows a policy");
            assert_eq!(
                text_of(pre),
                policy_text,
                "embed of {path}: shown policy != policy.json"
            );

            // The server policy carries the tool's entry.
            if keyed {
                assert_eq!(
                    server_policy["tools"][name], policy["tools"][name],
                    "server {slug}'s policy treats `{name}` differently"
                );
            } else {
                assert!(
                    server_policy["hide"]
                        .as_array()
                        .is_some_and(|h| h.iter().any(|v| v == name)),
                    "server {slug}'s policy does not hide `{name}`"
                );
            }
        }
    }
}

#[test]
fn policies_are_valid_and_shown_verbatim() {
    let out = shared_build("ok");
    check_policies(out);

    // Expected documents for the default rules, by category.
    let run_job = read_json(&out.join("servers/job-runner/run_job/policy.json"));
    assert_eq!(
        run_job,
        serde_json::json!({"version": "1", "default": "deny", "tools": {"run_job": {"limits": [
            {"counter": "run_job_rate", "window": "minute", "max": 10, "scope": "grant"},
            {"counter": "run_job_rate", "window": "hour", "max": 60, "scope": "grant"},
            {"counter": "run_job_rate", "window": "day", "max": 240, "scope": "grant"}]}}})
    );
    let drop = read_json(&out.join("servers/wiki-pages/drop_space/policy.json"));
    assert_eq!(
        drop,
        serde_json::json!({"version": "1", "default": "deny", "hide": ["drop_space"]})
    );
    let refund = read_json(&out.join("servers/pay-desk/issue_refund/policy.json"));
    assert_eq!(
        refund["tools"]["issue_refund"]["approve"]["on_deny"],
        "Requires human approval."
    );
    // The refund's amount is capped by the site's `[policy] max_amount`.
    assert!(
        refund["tools"]["issue_refund"]["require"]
            .as_array()
            .is_some_and(|r| r.iter().any(|c| c["op"] == "at_most" && c["value"] == 100)),
        "{refund}"
    );
    let list = read_json(&out.join("servers/notes-box/list_notes/policy.json"));
    assert_eq!(list["tools"]["list_notes"], serde_json::json!({}));
    let dotted = read_json(&out.join("servers/notes-box/notes.create/policy.json"));
    assert_eq!(dotted["tools"]["notes.create"]["limits"][0]["max"], 30);

    // Shortcodes on the guide page show the same documents.
    let guide = parse_html(&out.join("guide/index.html"));
    let pre = guide
        .select(&sel("#policy-job-runner-run_job"))
        .next()
        .unwrap();
    assert_eq!(
        text_of(pre),
        read(&out.join("servers/job-runner/run_job/policy.json"))
    );
    let pre = guide
        .select(&sel("#server-policy-pay-desk"))
        .next()
        .unwrap();
    assert_eq!(
        text_of(pre),
        read(&out.join("servers/pay-desk/policy.json"))
    );
}

#[test]
fn hostile_policies_are_valid_and_keyed_by_raw_name() {
    let out = shared_build("hostile");
    check_policies(out);
    let server = read_json(&out.join("servers/evil-server/policy.json"));
    let mut words = HashSet::new();
    json_words(&server, &mut words);
    for (_, rec) in records(&fixture("hostile")) {
        for t in rec["tools"].as_array().unwrap() {
            let name = t["name"].as_str().unwrap();
            assert!(
                words.contains(name),
                "server policy lacks the raw name {name:?}"
            );
        }
    }
}
