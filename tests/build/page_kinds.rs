//! Every page kind of the URL table exists in a build of the `ok` fixture,
//! with the content and the links each kind must have.

use std::collections::HashSet;

use serde_json::Value;

use crate::common::*;

#[test]
fn ok_fixture_has_every_page_kind() {
    let out = shared_build("ok");
    let must = [
        "index.html",
        "servers/index.html",
        "servers/notes-box/index.html",
        "servers/notes-box/policy.json",
        "servers/notes-box/list_notes/index.html",
        "servers/notes-box/list_notes/policy.json",
        "servers/notes-box/getNoteById/index.html",
        "servers/notes-box/notes.create/index.html",
        "servers/notes-box/notes.create/policy.json",
        "servers/notes-box/ping/index.html",
        "servers/job-runner/run_job/index.html",
        "servers/job-runner/run_job/policy.json",
        "categories/index.html",
        "risk/index.html",
        "attacks/index.html",
        "attacks/runaway-jobs/index.html",
        "attacks/refund-abuse/index.html",
        "embed/notes-box/list_notes/index.html",
        "embed/job-runner/run_job/index.html",
        "api/servers/notes-box.json",
        "api/servers/job-runner.json",
        "api/servers/pay-desk.json",
        "api/servers/wiki-pages.json",
        "api/catalogue.json",
        "guide/index.html",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "schema/policy.schema.json",
        "assets/site.js",
        "assets/style.css",
    ];
    let missing: Vec<_> = must.iter().filter(|p| !out.join(p).is_file()).collect();
    assert!(missing.is_empty(), "missing output files: {missing:?}");
    for c in [
        "read",
        "write",
        "execute",
        "destructive",
        "financial",
        "other",
    ] {
        let p = out.join(format!("categories/{c}/index.html"));
        assert!(p.is_file(), "missing /categories/{c}/");
        let doc = parse_html(&p);
        let rows = doc.select(&sel("table.tools tbody tr")).count();
        assert!(
            rows >= 1,
            "/categories/{c}/ lists no tool; the ok fixture covers every category"
        );
    }
    for r in ["low", "medium", "high", "critical"] {
        assert!(
            out.join(format!("risk/{r}/index.html")).is_file(),
            "missing /risk/{r}/"
        );
    }

    // Every tool of every record has its page, policy and embed card, at its raw name
    // (every name in the ok fixture is in MCP's recommended charset).
    for (slug, rec) in records(&fixture("ok")) {
        for t in rec["tools"].as_array().unwrap() {
            let name = t["name"].as_str().unwrap();
            for f in [
                format!("servers/{slug}/{name}/index.html"),
                format!("servers/{slug}/{name}/policy.json"),
                format!("embed/{slug}/{name}/index.html"),
            ] {
                assert!(out.join(&f).is_file(), "missing {f}");
            }
        }
    }

    // The schema that is published is the one the crate validates with.
    let schema = read_json(&out.join("schema/policy.schema.json"));
    let shipped: Value = serde_json::from_str(toolrisk::policy::POLICY_SCHEMA).unwrap();
    assert_eq!(
        schema, shipped,
        "published schema differs from the shipped one"
    );

    // The API documents have the shape CONTENT-FORMAT.md gives.
    let api = read_json(&out.join("api/servers/notes-box.json"));
    assert_eq!(api["slug"], "notes-box");
    assert_eq!(api["name"], "Notes Box");
    assert_eq!(api["repository"], "fixture-org/notes-box");
    let tools = api["tools"].as_array().expect("tools array");
    assert_eq!(tools.len(), 5);
    for t in tools {
        for key in [
            "name", "url", "category", "risk", "evidence", "findings", "policy",
        ] {
            assert!(t.get(key).is_some(), "api tool lacks `{key}`: {t}");
        }
        assert!(t["evidence"].is_array() && t["findings"].is_array());
        assert!(
            t["url"].as_str().unwrap().starts_with(OK_BASE),
            "{}",
            t["url"]
        );
    }
    // readOnlyHint: true on delete_note: the stricter reading wins and it is a finding.
    let delete = tools.iter().find(|t| t["name"] == "delete_note").unwrap();
    assert_eq!(delete["category"], "destructive", "{delete}");
    assert_eq!(delete["risk"], "critical", "{delete}");
    assert!(
        delete["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "contradicting_annotations"),
        "delete_note's contradicting readOnlyHint is not reported: {delete}"
    );
    let page = parse_html(&out.join("servers/notes-box/delete_note/index.html"));
    assert!(
        page.select(&sel("section.warning"))
            .next()
            .is_some_and(|w| text_of(w).contains("Annotations contradict the definition")),
        "delete_note's page shows no warning of the contradiction"
    );
    let list_notes = tools.iter().find(|t| t["name"] == "list_notes").unwrap();
    assert_eq!(list_notes["findings"], Value::Array(vec![]), "{list_notes}");

    let catalogue = read_json(&out.join("api/catalogue.json"));
    assert_eq!(
        catalogue["date"], "2026-02-03",
        "date is the newest `checked`"
    );
    let servers = catalogue["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 4);
    let total: u64 = servers.iter().map(|s| s["tools"].as_u64().unwrap()).sum();
    assert_eq!(total, 12);
    for s in servers {
        let n = s["tools"].as_u64().unwrap();
        let by_cat: u64 = s["categories"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        let by_risk: u64 = s["risk"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!((by_cat, by_risk), (n, n), "counts do not add up for {s}");
    }

    // Home shows the counts computed at build time.
    let home = visible_text(&parse_html(&out.join("index.html")));
    assert!(
        home.contains("12 tools"),
        "home lacks the tool count: {home}"
    );
    assert!(
        home.contains("4 servers"),
        "home lacks the server count: {home}"
    );
    assert!(home.contains("2026-02-03"), "home lacks the catalogue date");

    // Tool page basics: title shown, raw name shown, empty description handled.
    let run_job = parse_html(&out.join("servers/job-runner/run_job/index.html"));
    assert_eq!(
        text_of(run_job.select(&sel("h1")).next().unwrap()),
        "Run job"
    );
    assert_eq!(
        text_of(run_job.select(&sel("code.raw-name")).next().unwrap()),
        "run_job"
    );
    let ping = visible_text(&parse_html(&out.join("servers/notes-box/ping/index.html")));
    assert!(
        ping.contains("gives no description"),
        "empty description is not explained"
    );

    // Attack entries list their tools: explicit ones and their categories' ones.
    let attack = parse_html(&out.join("attacks/runaway-jobs/index.html"));
    let linked: HashSet<String> = attack
        .select(&sel("table.tools a"))
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    for want in [
        "/servers/notes-box/delete_note/",
        "/servers/job-runner/run_job/",
    ] {
        assert!(
            linked.contains(want),
            "runaway-jobs does not list {want}: {linked:?}"
        );
    }
    let refund = read(&out.join("servers/pay-desk/issue_refund/index.html"));
    assert!(
        refund.contains("/attacks/refund-abuse/"),
        "issue_refund does not link its attack"
    );

    // The page with all three shortcodes.
    let guide = parse_html(&out.join("guide/index.html"));
    assert!(
        guide
            .select(&sel("#policy-job-runner-run_job"))
            .next()
            .is_some(),
        "policy shortcode missing"
    );
    assert!(
        guide.select(&sel(".tool-card")).next().is_some(),
        "tool_card shortcode missing"
    );
    assert!(
        guide
            .select(&sel("#server-policy-pay-desk"))
            .next()
            .is_some(),
        "server_policy shortcode missing"
    );
    let guide_text = visible_text(&guide);
    assert!(
        guide_text.contains("{{ policy(tool=\"nowhere/nothing\") }}"),
        "a shortcode inside a code block must stay as written"
    );
    assert!(
        !guide_text.contains("toolrisk-shortcode-"),
        "a placeholder leaked"
    );
}
