//! Integration tests: drive the `toolrisk` binary over the fixture sites in
//! tests/fixtures and check the output as a user and a browser see it.

#[path = "build/cli.rs"]
mod cli;
mod common;
#[path = "build/evidence.rs"]
mod evidence;
#[path = "build/example_site.rs"]
mod example_site;
#[path = "build/hostile.rs"]
mod hostile;
#[path = "build/incremental.rs"]
mod incremental;
#[path = "build/pages.rs"]
mod pages;
#[path = "build/publish.rs"]
mod publish;
#[path = "build/reliability.rs"]
mod reliability;
#[path = "build/schema.rs"]
mod schema;
#[path = "build/search.rs"]
mod search;
#[path = "build/serve.rs"]
mod serve;
#[path = "build/serve_broken.rs"]
mod serve_broken;
#[path = "build/twins.rs"]
mod twins;

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use common::*;
use serde_json::Value;

const OK_BASE: &str = "https://fixture.example/";

// ---------------------------------------------------------------------------
// 1. Every page kind of the URL table exists.
// ---------------------------------------------------------------------------

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

/// A copy of the `ok` fixture with these files under `templates/partials/`.
fn ok_site_with_partials(partials: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    copy_dir(&fixture("ok"), &site);
    std::fs::create_dir_all(site.join("templates/partials")).unwrap();
    for (name, text) in partials {
        std::fs::write(site.join("templates/partials").join(name), text).unwrap();
    }
    (tmp, site)
}

/// The site's own header and footer partials reach every page: rendered
/// once when they need only `site`, on each page when they need the page.
#[test]
fn a_sites_own_header_and_footer_reach_every_page() {
    for (header, alone) in [
        (r#"<header class="mine">{{ site.title }}</header>"#, true),
        (
            r#"<header class="mine">{{ site.title }} on {{ page.title }}</header>"#,
            false,
        ),
    ] {
        let (tmp, site) = ok_site_with_partials(&[
            ("header.html", header),
            (
                "footer.html",
                r#"<footer class="mine">made with care</footer>"#,
            ),
        ]);
        let out = tmp.path().join("out");
        build(&site, &out).ok("own header and footer");
        let mut titles = HashSet::new();
        for page in [
            "index.html",
            "servers/job-runner/index.html",
            "servers/job-runner/run_job/index.html",
            "attacks/runaway-jobs/index.html",
        ] {
            let doc = parse_html(&out.join(page));
            let head = doc.select(&sel("body > header.mine")).next();
            let head = text_of(head.unwrap_or_else(|| panic!("{page}: no header")));
            // A header that needs the page shows each page's own title.
            if let Some((_, title)) = head.split_once(" on ") {
                titles.insert(title.to_string());
            }
            let foot = doc.select(&sel("body > footer.mine")).next();
            assert_eq!(
                foot.map(text_of).as_deref(),
                Some("made with care"),
                "{page}"
            );
            assert_eq!(
                doc.select(&sel("header.site-header, footer.site-footer"))
                    .count(),
                0,
                "{page}"
            );
        }
        assert_eq!(titles.len(), if alone { 0 } else { 4 }, "{titles:?}");
    }
}

/// The tool rows of every list come from the site's own
/// `partials/tool_row.html`: printed as rendered once per tool when the row
/// stands alone, rendered in place on each page when it needs the page.
#[test]
fn a_sites_own_tool_row_reaches_every_tool_table() {
    for (row, alone) in [
        (
            r#"<tr class="mine"><td><a href="{{ t.url }}">{{ t.name }}</a></td></tr>"#,
            true,
        ),
        (
            r#"<tr class="mine"><td><a href="{{ t.url }}">{{ t.name }}</a> on {{ page.title }}</td></tr>"#,
            false,
        ),
    ] {
        let (tmp, site) = ok_site_with_partials(&[("tool_row.html", row)]);
        let out = tmp.path().join("out");
        build(&site, &out).ok("own tool row");
        for (page, tools) in [
            // An attack entry (every row has a server column), a server's
            // own page (none).
            (
                "attacks/runaway-jobs/index.html",
                &[
                    "/servers/notes-box/delete_note/",
                    "/servers/job-runner/run_job/",
                ][..],
            ),
            (
                "servers/job-runner/index.html",
                &["/servers/job-runner/run_job/"][..],
            ),
        ] {
            let doc = parse_html(&out.join(page));
            let rows: Vec<_> = doc.select(&sel("table.tools tbody tr")).collect();
            assert!(!rows.is_empty(), "{page}: no rows");
            for r in &rows {
                assert_eq!(
                    r.value().attr("class"),
                    Some("mine"),
                    "{page}: {}",
                    r.html()
                );
                // A row that needs the page was rendered on this page.
                let on_page = text_of(*r).split_once(" on ").map(|(_, t)| t.to_string());
                assert_eq!(
                    on_page.is_some_and(|t| !t.is_empty()),
                    !alone,
                    "{page}: {}",
                    r.html()
                );
            }
            let linked: HashSet<&str> = doc
                .select(&sel("tr.mine a"))
                .filter_map(|a| a.value().attr("href"))
                .collect();
            for want in tools {
                assert!(
                    linked.contains(want),
                    "{page} does not list {want}: {linked:?}"
                );
            }
        }
    }
}

/// A record's `extra` object reaches the site's templates as
/// `server.extra`, on the server's page and its tool pages, escaped like any
/// other field of a record.
#[test]
fn a_records_extra_reaches_the_sites_templates_escaped() {
    let (tmp, site) = ok_site_with_partials(&[]);
    let record = site.join("content/servers/job-runner.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    let team = "<script>alert(1)</script> platform & jobs";
    doc["extra"] = serde_json::json!({ "team": team, "oncall": ["ana", "bo"] });
    std::fs::write(&record, doc.to_string()).unwrap();
    let shown = r#"<p id="team">{{ server.extra.team | default(value="none") }}</p><p id="oncall">{{ server.extra.oncall | default(value=[]) | length }}</p>"#;
    std::fs::write(
        site.join("templates/server.html"),
        format!(r#"{{% extends "base.html" %}}{{% block content %}}{shown}{{% endblock %}}"#),
    )
    .unwrap();
    std::fs::write(
        site.join("templates/tool.html"),
        format!(
            r#"{{% extends "base.html" %}}{{% block content %}}{}{{% endblock %}}"#,
            shown.replace("server.extra", "tool.server.extra")
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    build(&site, &out).ok("extra in templates");
    for (page, want_team, want_oncall) in [
        ("servers/job-runner/index.html", team, "2"),
        ("servers/job-runner/run_job/index.html", team, "2"),
        ("servers/notes-box/index.html", "none", "0"),
    ] {
        let doc = parse_html(&out.join(page));
        let main = doc.select(&sel("main")).next().expect("main");
        assert_eq!(main.select(&sel("script")).count(), 0, "{page}");
        let text = |id: &str| text_of(doc.select(&sel(id)).next().expect(id));
        assert_eq!(text("#team"), want_team, "{page}");
        assert_eq!(text("#oncall"), want_oncall, "{page}");
    }
}

// ---------------------------------------------------------------------------
// 2. Internal links resolve.
// ---------------------------------------------------------------------------

/// Every root-relative (and absolute, under `base_url`) `href`/`src` of every
/// HTML page names a file of the output, and every fragment an id on it.
fn broken_links(root: &Path, base_path: &str, base_url: &str) -> Vec<String> {
    let mut broken = Vec::new();
    let mut checked = 0usize;
    let mut id_cache: std::collections::HashMap<std::path::PathBuf, HashSet<String>> =
        Default::default();
    for page in html_files(root) {
        let doc = parse_html(&root.join(&page));
        let own_ids = ids(&doc);
        for el in doc.select(&sel("[href], [src], [data-copy-target]")) {
            if let Some(target) = el.value().attr("data-copy-target")
                && !own_ids.contains(target)
            {
                broken.push(format!("{page}: copy button targets missing id #{target}"));
            }
            for attr in ["href", "src"] {
                let Some(url) = el.value().attr(attr) else {
                    continue;
                };
                let url = url.trim();
                let local = if let Some(rest) = url.strip_prefix(base_url) {
                    format!("{base_path}{rest}")
                } else if url.starts_with('/') && !url.starts_with("//") {
                    url.to_string()
                } else if let Some(frag) = url.strip_prefix('#') {
                    if !frag.is_empty() && !own_ids.contains(frag) {
                        broken.push(format!("{page}: {attr}={url:?}: no such id on the page"));
                    }
                    checked += 1;
                    continue;
                } else {
                    continue;
                };
                checked += 1;
                let (path, frag) = match local.split_once('#') {
                    Some((p, f)) => (p.to_string(), Some(f.to_string())),
                    None => (local.clone(), None),
                };
                let path = path.split('?').next().unwrap().to_string();
                match resolve(root, base_path, &path) {
                    None => broken.push(format!("{page}: {attr}={url:?} names no file")),
                    Some(file) => {
                        if let Some(frag) = frag.filter(|f| !f.is_empty()) {
                            let ids = id_cache
                                .entry(file.clone())
                                .or_insert_with(|| ids(&parse_html(&file)));
                            if !ids.contains(&frag) {
                                broken
                                    .push(format!("{page}: {attr}={url:?}: no id {frag:?} there"));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        checked > 50,
        "suspiciously few links checked in {}: {checked}",
        root.display()
    );
    broken
}

#[test]
fn internal_links_resolve() {
    for (name, base) in [
        ("ok", OK_BASE),
        ("hostile", "https://hostile.example/"),
        ("paged", "https://paged.example/"),
    ] {
        let broken = broken_links(shared_build(name), "/", base);
        assert!(
            broken.is_empty(),
            "{name}: {} broken links:\n{}",
            broken.len(),
            broken.join("\n")
        );
    }
}

#[test]
fn internal_links_resolve_under_a_sub_path() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    toolrisk([
        "build".as_ref(),
        fixture("ok").as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
        "--base-url".as_ref(),
        "https://sub.example/docs".as_ref(),
    ])
    .ok("build with --base-url");
    // Every root-relative link must carry the sub-path.
    let mut outside = Vec::new();
    for page in html_files(&out) {
        let doc = parse_html(&out.join(&page));
        for el in doc.select(&sel("[href], [src]")) {
            for attr in ["href", "src"] {
                if let Some(u) = el.value().attr(attr)
                    && u.starts_with('/')
                    && !u.starts_with("/docs/")
                {
                    outside.push(format!("{page}: {attr}={u}"));
                }
            }
        }
    }
    assert!(
        outside.is_empty(),
        "links that ignore the base path:\n{}",
        outside.join("\n")
    );
    let broken = broken_links(&out, "/docs/", "https://sub.example/docs/");
    assert!(
        broken.is_empty(),
        "{} broken links:\n{}",
        broken.len(),
        broken.join("\n")
    );
    let sitemap = read(&out.join("sitemap.xml"));
    assert!(
        sitemap.contains("<loc>https://sub.example/docs/servers/</loc>"),
        "{sitemap}"
    );
}

// ---------------------------------------------------------------------------
// 3. Policies: valid, and the same everywhere they are shown.
// ---------------------------------------------------------------------------

fn check_policies(root: &Path) {
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

// ---------------------------------------------------------------------------
// 4. The prose never names what the snippet lacks; grammar.
// ---------------------------------------------------------------------------

/// `text` with every “quoted” span and every given literal removed.
fn strip_quoted(text: &str, literals: &[&str]) -> String {
    let mut s = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '“' => depth += 1,
            '”' if depth > 0 => depth -= 1,
            _ if depth == 0 => s.push(c),
            _ => {}
        }
    }
    let mut lits: Vec<&&str> = literals.iter().filter(|l| !l.is_empty()).collect();
    lits.sort_by_key(|l| std::cmp::Reverse(l.len()));
    for l in lits {
        s = s.replace(*l, " ");
    }
    s
}

fn code_word_allowed(code: &str, tool: &str, policy: &Value) -> bool {
    // The tool's own name, and MCP protocol methods (which are not policy
    // vocabulary, so the snippet cannot lack them).
    if code == tool || ["tools/list", "tools/call"].contains(&code) {
        return true;
    }
    let mut words = HashSet::new();
    json_words(policy, &mut words);
    if words.contains(code) {
        return true;
    }
    // A JSON fragment such as `"default": "deny"`: every pair must be in the document.
    if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&format!("{{{code}}}")) {
        let mut pairs = Vec::new();
        json_pairs(policy, &mut pairs);
        return !m.is_empty()
            && m.iter()
                .all(|(k, v)| pairs.iter().any(|(pk, pv)| pk == k && pv == v));
    }
    false
}

/// Everything the FAQ and the policy explanation say that the tool's
/// policy.json does not, for every tool page of the build at `out`; and how
/// many tool pages were checked.
fn faq_problems(out: &Path, base_url: &str) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut pages = 0;
    for api_file in list_files(&out.join("api/servers")) {
        let api = read_json(&out.join("api/servers").join(&api_file));
        let server_name = api["name"].as_str().unwrap();
        let repo = api["repository"].as_str().unwrap_or("");
        for t in api["tools"].as_array().unwrap() {
            pages += 1;
            let name = t["name"].as_str().unwrap();
            let url = t["url"].as_str().unwrap();
            let path = &url[base_url.len()..];
            let policy = read_json(&out.join(path).join("policy.json"));
            let maxes: Vec<String> = max_values(&policy).iter().map(u64::to_string).collect();
            let numbers: Vec<String> = policy_numbers(&policy).iter().map(u64::to_string).collect();
            let windows: Vec<String> = {
                let mut p = Vec::new();
                json_pairs(&policy, &mut p);
                p.into_iter()
                    .filter(|(k, _)| k == "window")
                    .filter_map(|(_, v)| v.as_str().map(str::to_string))
                    .collect()
            };
            let doc = parse_html(&out.join(path).join("index.html"));
            let faq = doc
                .select(&sel("dl.faq"))
                .next()
                .unwrap_or_else(|| panic!("{path}: no dl.faq"));
            let dds: Vec<_> = faq.select(&sel("dd")).collect();
            assert!(dds.len() >= 3, "{path}: FAQ has {} answers", dds.len());
            let explain = doc
                .select(&sel("section[aria-labelledby=\"policy\"] p"))
                .next()
                .unwrap_or_else(|| panic!("{path}: no policy explanation"));

            let faq_text = text_of(faq);
            let prose = strip_quoted(
                &format!("{faq_text} {}", text_of(explain)),
                &[name, server_name, repo],
            );
            for n in numbers_in(&prose) {
                if !numbers.contains(&n) {
                    problems.push(format!(
                        "{path}: the FAQ/explanation says {n}, the policy's numbers are {numbers:?}"
                    ));
                }
            }
            for w in ["minute", "hour", "day"] {
                let says = prose
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|word| word == w || word == format!("{w}s"));
                if says && !windows.iter().any(|x| x == w) {
                    problems.push(format!(
                        "{path}: the prose names the window `{w}`, the policy has {windows:?}"
                    ));
                }
            }
            for code in faq
                .select(&sel("dd code"))
                .chain(explain.select(&sel("code")))
            {
                let c = text_of(code);
                if !code_word_allowed(&c, name, &policy) {
                    problems.push(format!("{path}: the prose marks `{c}` as code, but the policy has no such key or value"));
                }
            }
            // And the prose does say what the snippet does.
            if let Some(m) = maxes.first()
                && !has_phrase(&prose, &format!("{m} call"))
            {
                problems.push(format!(
                    "{path}: the policy limits to {m} calls, the FAQ does not say so"
                ));
            }
            // Every condition a call must meet is named in the explanation.
            let explained: Vec<String> = explain.select(&sel("code")).map(text_of).collect();
            for c in policy["tools"][name]["require"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let arg = c["arg"].as_str().unwrap_or("");
                if !explained.iter().any(|e| e == arg) {
                    problems.push(format!(
                        "{path}: the policy requires a condition on `{arg}`, the explanation does not name it"
                    ));
                }
            }
            if let Some(msg) = policy["tools"][name]["approve"]["on_deny"].as_str()
                && !text_of(explain).contains(msg)
            {
                problems.push(format!(
                    "{path}: the policy asks for approval, the explanation does not quote {msg:?}"
                ));
            }
            if policy.get("hide").is_some()
                && !faq.select(&sel("code")).any(|c| text_of(c) == "hide")
            {
                problems.push(format!(
                    "{path}: the policy hides the tool, the FAQ does not mention `hide`"
                ));
            }
            if let Some(msg) = policy["tools"][name]["deny_if"]["on_deny"].as_str()
                && !faq_text.contains(msg)
            {
                problems.push(format!(
                    "{path}: the FAQ does not quote the deny message {msg:?}"
                ));
            }
        }
    }
    (problems, pages)
}

#[test]
fn faq_and_explanation_match_the_policy() {
    let (problems, pages) = faq_problems(shared_build("ok"), OK_BASE);
    assert_eq!(pages, 12);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Grammar slips in the visible text of every page of the build at `out`.
fn grammar_problems(name: &str, out: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    {
        for page in html_files(out) {
            let text = visible_text(&parse_html(&out.join(&page)));
            for bad in [
                "1 tools",
                "1 servers",
                "1 calls",
                "1 findings",
                "1 attack patterns",
                "1 problems",
                "1 warnings",
                "a execute",
                "a other",
                "A execute",
                "A other",
                "an read",
                "an write",
                "an destructive",
                "an financial",
            ] {
                if has_phrase(&text, bad) {
                    problems.push(format!("{name}/{page}: says {bad:?}"));
                }
            }
            if text.to_lowercase().contains("mcp server mcp server") {
                problems.push(format!("{name}/{page}: says \"MCP Server MCP Server\""));
            }
            if let Some(i) = text.find("..") {
                let from = text[..i].char_indices().rev().nth(40).map_or(0, |(j, _)| j);
                let ctx: String = text[from..].chars().take(80).collect();
                problems.push(format!("{name}/{page}: double full stop in {ctx:?}"));
            }
        }
    }
    problems
}

#[test]
fn visible_text_has_no_grammar_slips() {
    let mut problems = grammar_problems("ok", shared_build("ok"));
    problems.extend(grammar_problems("paged", shared_build("paged")));
    // The singular forms are used where they apply (not vacuous).
    let ok = shared_build("ok");
    let exec = visible_text(&parse_html(&ok.join("categories/execute/index.html")));
    assert!(
        has_phrase(&exec, "1 tool"),
        "categories/execute/ lacks \"1 tool\": {exec}"
    );
    let run_job = visible_text(&parse_html(
        &ok.join("servers/job-runner/run_job/index.html"),
    ));
    assert!(
        run_job.contains("an execute tool"),
        "run_job's FAQ lacks \"an execute tool\""
    );
    let job_runner = parse_html(&ok.join("servers/job-runner/index.html"));
    assert_eq!(
        text_of(job_runner.select(&sel("h1")).next().unwrap()),
        "Job Runner MCP Server"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// 5. Hostile records come out inert.
// ---------------------------------------------------------------------------

fn is_script_url(v: &str) -> bool {
    let cleaned: String = v
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "data:", "vbscript:"]
        .iter()
        .any(|p| cleaned.starts_with(p))
}

/// Anything in the build at `out` that could run script or load a resource
/// from a record; plus how many safe description links and JSON-LD blocks
/// were seen.
fn active_content(out: &Path) -> (Vec<String>, usize, usize) {
    let mut problems = Vec::new();
    let mut safe_links = 0;
    let mut jsonld_blocks = 0;
    for page in html_files(out) {
        let doc = parse_html(&out.join(&page));
        for el in doc.select(&sel("*")) {
            let v = el.value();
            for (attr, value) in v.attrs() {
                if attr.to_ascii_lowercase().starts_with("on") {
                    problems.push(format!(
                        "{page}: <{}> has event attribute {attr}={value:?}",
                        v.name()
                    ));
                }
                if [
                    "href",
                    "src",
                    "action",
                    "formaction",
                    "data",
                    "poster",
                    "srcset",
                    "xlink:href",
                    "background",
                ]
                .contains(&attr.to_ascii_lowercase().as_str())
                    && is_script_url(value)
                {
                    problems.push(format!("{page}: <{}> {attr}={value:?}", v.name()));
                }
            }
            match v.name() {
                "script" => {
                    let own_js = v.attr("src").is_some_and(|s| {
                        s.ends_with("/assets/site.js") || s.ends_with("/assets/search.js")
                    }) && v.attr("type").is_none()
                        && text_of(el).trim().is_empty();
                    let jsonld =
                        v.attr("type") == Some("application/ld+json") && v.attr("src").is_none();
                    if jsonld {
                        jsonld_blocks += 1;
                        if let Err(e) = serde_json::from_str::<Value>(&text_of(el)) {
                            problems.push(format!(
                                "{page}: ld+json block is not JSON ({e}): {}",
                                text_of(el)
                            ));
                        }
                    } else if !own_js {
                        problems.push(format!("{page}: foreign script element: {}", el.html()));
                    }
                }
                // The search box: our own form, pointing at our own
                // results page; and the results page's own box.
                "form"
                    if v.attr("class") == Some("search")
                        && v.attr("action").is_some_and(|a| a.ends_with("/search/"))
                        && v.attr("data-search")
                            .is_some_and(|a| a.ends_with("/search/"))
                        && v.attr("hidden").is_some() => {}
                "form"
                    if page == "search/index.html"
                        && v.attr("class") == Some("search search-page-form")
                        && v.attr("action").is_some_and(|a| a.ends_with("/search/"))
                        && v.attr("hidden").is_some() => {}
                "img" | "iframe" | "object" | "embed" | "frame" | "frameset" | "base" | "form"
                | "svg" | "math" => {
                    problems.push(format!("{page}: <{}> element: {}", v.name(), el.html()));
                }
                "link" => {
                    let rel = v.attr("rel").unwrap_or("");
                    // The page's own Markdown twin, beside it.
                    let own_twin = rel == "alternate"
                        && v.attr("type") == Some("text/markdown")
                        && page.ends_with("/index.html")
                        && v.attr("href").is_some_and(|h| {
                            h.starts_with('/')
                                && h.ends_with(&page.replace("/index.html", "/index.md"))
                        });
                    if !["stylesheet", "canonical"].contains(&rel) && !own_twin {
                        problems.push(format!("{page}: unexpected <link>: {}", el.html()));
                    }
                }
                "meta"
                    if v.attr("http-equiv")
                        .is_some_and(|h| h.eq_ignore_ascii_case("refresh")) =>
                {
                    problems.push(format!("{page}: meta refresh: {}", el.html()));
                }
                _ => {}
            }
        }
        for a in doc.select(&sel(".description a, .card a[rel~=\"ugc\"]")) {
            let rel: Vec<&str> = a
                .value()
                .attr("rel")
                .unwrap_or("")
                .split_whitespace()
                .collect();
            for need in ["nofollow", "noopener", "ugc"] {
                if !rel.contains(&need) {
                    problems.push(format!(
                        "{page}: description link without rel {need}: {}",
                        a.html()
                    ));
                }
            }
            if a.value().attr("href") == Some("https://fine.example/docs") {
                safe_links += 1;
            }
        }
        let text = visible_text(&doc);
        if text.contains("49") {
            problems.push(format!("{page}: `{{{{ 7*7 }}}}` rendered as 49?"));
        }
    }
    (problems, safe_links, jsonld_blocks)
}

#[test]
fn hostile_records_are_inert() {
    let out = shared_build("hostile");
    let (problems, safe_links, jsonld_blocks) = active_content(out);
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        safe_links >= 1,
        "the safe https link of the description was dropped (test would be vacuous)"
    );
    assert!(
        jsonld_blocks >= 5,
        "expected JSON-LD breadcrumbs on pages, found {jsonld_blocks}"
    );

    // The text survives as text: names round-trip through escaping exactly.
    let records = records(&fixture("hostile"));
    let server_name = records[0].1["name"].as_str().unwrap().to_string();
    let server_page = parse_html(&out.join("servers/evil-server/index.html"));
    let ld = server_page
        .select(&sel("script[type=\"application/ld+json\"]"))
        .next()
        .expect("server page has JSON-LD");
    let ld: Value = serde_json::from_str(&text_of(ld)).unwrap();
    let names: Vec<&str> = ld["itemListElement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(
        names.contains(&server_name.as_str()),
        "JSON-LD lost the server name: {names:?}"
    );
    assert_eq!(
        text_of(server_page.select(&sel("h1")).next().unwrap()),
        format!("{server_name} MCP server")
    );

    let seven = parse_html(&out.join("servers/evil-server/7-7/index.html"));
    assert_eq!(
        text_of(seven.select(&sel("h1")).next().unwrap()),
        "{{ 7*7 }}"
    );
    assert_eq!(
        text_of(seven.select(&sel("code.raw-name")).next().unwrap()),
        "{{ 7*7 }}"
    );

    let quote = parse_html(&out.join("servers/evil-server/onmouseover-alert-1/index.html"));
    let title = text_of(quote.select(&sel("title")).next().unwrap());
    assert!(
        title.starts_with("\"onmouseover=\"alert(1) ("),
        "title: {title:?}"
    );
    let og = quote
        .select(&sel("meta[property=\"og:title\"]"))
        .next()
        .unwrap();
    assert_eq!(
        og.value().attr("content"),
        Some(title.split(" · ").next().unwrap()),
        "og:title attribute lost the quoted text"
    );
    let desc = quote
        .select(&sel("meta[name=\"description\"]"))
        .next()
        .unwrap();
    assert_eq!(
        desc.value().attr("content"),
        Some("</script><script>alert(1)</script> closes nothing.")
    );

    // Raw HTML in a description is shown as text, not dropped or run.
    let script_tool = parse_html(&out.join("servers/evil-server/script-alert-1-script/index.html"));
    let d = text_of(script_tool.select(&sel(".description")).next().unwrap());
    assert!(
        d.contains("<img src=x onerror=alert(1)>"),
        "description text: {d}"
    );
    assert!(d.contains("{{ 7*7 }}"), "description text: {d}");
}

// ---------------------------------------------------------------------------
// 6. Bad inputs: each problem pinned with its location.
// ---------------------------------------------------------------------------

fn build_bad(name: &str) -> Run {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let run = build(&fixture(name), &out);
    run.failed(name);
    assert!(
        !out.exists(),
        "{name}: a failed build created the output folder"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "{name}: a failed build left {left:?} beside the output"
    );
    assert!(!run.stdout.contains("Built"), "{name}: {}", run.stdout);
    run
}

#[test]
fn bad_json_names_file_line_and_column() {
    build_bad("bad-json")
        .stderr_has("error 1: content/servers/broken.json:6:7: malformed JSON: expected `,` or `}`")
        .stderr_has("help: look for a missing comma")
        .stderr_has("1 problem found");
}

#[test]
fn bad_unknown_field_names_it_and_the_expected_fields() {
    build_bad("bad-unknown-field").stderr_has(
        "content/servers/typo.json:6:18: unknown field `descripton`, expected one of `name`, `title`, `description`, `inputSchema`, `outputSchema`, `annotations`, `icons`, `_meta`, `category`, `risk`, `rationale`",
    ).stderr_has("move the data under `extra`");
}

#[test]
fn bad_missing_tool_name() {
    let run = build_bad("bad-missing-name");
    assert_eq!(
        run.stderr,
        "error 1: content/servers/nameless.json:5:5: tool 2 has no `name`\n   help: every tool \
         needs the name it has in the server's tools/list, e.g. \"name\": \"search_issues\"\n\
         1 problem found\n"
    );
}

#[test]
fn bad_duplicate_tool() {
    build_bad("bad-duplicate-tool").stderr_has(
        "content/servers/twice.json:6:5: duplicate tool `read_item`: tools 1 and 3 have the same name",
    );
}

#[test]
fn bad_server_slug_names_the_file() {
    build_bad("bad-slug")
        .stderr_has("content/servers/Bad Slug.json: server slug `Bad Slug` may only contain lowercase letters, digits, `.`, `_` and `-`")
        .stderr_has("rename the file to something like `bad-slug.json`");
}

#[test]
fn bad_category() {
    build_bad("bad-category").stderr_has(
        "content/servers/cats.json:5:5: tool `run_thing` has unknown category `exec`; expected one of `read`, `write`, `execute`, `destructive`, `financial`, `other`",
    );
}

#[test]
fn bad_risk() {
    build_bad("bad-risk").stderr_has(
        "content/servers/risky.json:4:5: tool `read_item` has unknown risk `severe`; expected one of `low`, `medium`, `high`, `critical`",
    );
}

#[test]
fn bad_front_matter_names_file_and_line() {
    build_bad("bad-front-matter")
        .stderr_has("content/attacks/broken-entry.md:4:12: bad front matter: ");
}

#[test]
fn bad_shortcode_names_file_and_line() {
    build_bad("bad-shortcode")
        .stderr_has("content/pages/examples.md:10: shortcode names tool `fine/no_such_tool`, which is not in the catalogue")
        .stderr_has("check the tool's name in content/servers/fine.json");
}

#[test]
fn bad_template_names_template_and_line() {
    build_bad("bad-template")
        .stderr_has("templates/tool.html:4: template error: ")
        .stderr_has("1 problem found");
}

#[test]
fn three_problems_in_three_files_are_all_reported() {
    let run = build_bad("bad-three");
    let e = &run.stderr;
    for needle in [
        "error 1: content/attacks/gamma.md:4: unknown severity `urgent`; expected one of `low`, `medium`, `high`, `critical`",
        "error 2: content/servers/alpha.json:4:5: tool `read_item` has unknown risk `extreme`",
        "error 3: content/servers/beta.json:5:3: malformed JSON: trailing comma",
        "3 problems found",
    ] {
        run.stderr_has(needle);
    }
    assert!(!e.contains("error 4:"), "{e}");
}

#[test]
fn an_entry_with_a_bad_field_still_has_its_references_checked_in_the_same_run() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    copy_dir(&fixture("ok"), &site);
    let entry = site.join("content/attacks/refund-abuse.md");
    let text = read(&entry)
        .replacen("severity = \"critical\"", "severity = \"urgent\"", 1)
        .replacen(
            "categories = [\"financial\"]",
            "categories = [\"financial\"]\ntools = [\"notes-box/no_such_tool\"]",
            1,
        );
    std::fs::write(&entry, text).unwrap();
    let run = build(&site, &tmp.path().join("out"));
    run.failed("an entry with two problems");
    run.stderr_has("content/attacks/refund-abuse.md:4: unknown severity `urgent`")
        .stderr_has(
            "content/attacks/refund-abuse.md:6: `tools` names `notes-box/no_such_tool`, which is not in the catalogue",
        )
        .stderr_has("2 problems found");
}

// ---------------------------------------------------------------------------
// 7. A failed build keeps the old output.
// ---------------------------------------------------------------------------

fn failed_build_keeps_output(break_site: impl Fn(&Path), what: &str) {
    let out_parent = tempdir();
    let out = out_parent.path().join("out");
    build(&fixture("ok"), &out).ok("first build");
    let before = snapshot(&out);
    assert!(before.len() > 50);

    let site_tmp = tempdir();
    let site = site_tmp.path().join("site");
    copy_dir(&fixture("ok"), &site);
    break_site(&site);
    let run = build(&site, &out);
    run.failed(what);
    assert!(run.stderr.contains("problem"), "{}", run.stderr);

    let after = snapshot(&out);
    assert_same_tree(&before, &after, what);
    // The first build's state stays: the output it describes is unchanged.
    let mut beside: Vec<String> = std::fs::read_dir(out_parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(
        beside,
        vec![".out.toolrisk-state".to_string(), "out".to_string()],
        "{what}: staging left beside the output"
    );
    let in_site: Vec<String> = list_files(&site)
        .into_iter()
        .filter(|f| f.contains("toolrisk-"))
        .collect();
    assert!(
        in_site.is_empty(),
        "{what}: left {in_site:?} in the site folder"
    );
}

#[test]
fn failed_build_keeps_old_output_on_a_load_error() {
    failed_build_keeps_output(
        |site| {
            std::fs::write(
                site.join("content/servers/broken.json"),
                "{ \"name\": \"x\" \"tools\": [] }",
            )
            .unwrap()
        },
        "broken record",
    );
}

#[test]
fn failed_build_keeps_old_output_on_a_render_error() {
    // A template error is found after the staging folder exists.
    failed_build_keeps_output(
        |site| {
            std::fs::create_dir_all(site.join("templates")).unwrap();
            std::fs::write(
                site.join("templates/server.html"),
                "{% extends \"base.html\" %}{% block content %}{{ nope(\" }}{% endblock content %}",
            )
            .unwrap();
        },
        "broken template",
    );
}

#[test]
fn failed_build_keeps_old_output_on_a_runtime_template_error() {
    // Compiles, but fails while rendering: a missing variable.
    failed_build_keeps_output(
        |site| {
            std::fs::create_dir_all(site.join("templates")).unwrap();
            std::fs::write(
                site.join("templates/page.html"),
                "{% extends \"base.html\" %}{% block content %}{{ no_such_variable.field }}{% endblock content %}",
            )
            .unwrap();
        },
        "template failing at render time",
    );
}

// ---------------------------------------------------------------------------
// 8. Reproducible builds.
// ---------------------------------------------------------------------------

#[test]
fn two_builds_are_byte_identical() {
    for name in ["ok", "hostile"] {
        let a = tempdir();
        let b = tempdir();
        build(&fixture(name), &a.path().join("out")).ok("build a");
        build(&fixture(name), &b.path().join("elsewhere")).ok("build b");
        let sa = snapshot(&a.path().join("out"));
        let sb = snapshot(&b.path().join("elsewhere"));
        assert_same_tree(&sa, &sb, name);
        // And against the shared build (a third run, another output path).
        assert_same_tree(&sa, &snapshot(shared_build(name)), name);
    }
}

// ---------------------------------------------------------------------------
// 9. --output refuses folders it does not own.
// ---------------------------------------------------------------------------

#[test]
fn output_refuses_foreign_and_site_folders() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    copy_dir(&fixture("ok"), &site);
    let site_before = snapshot(&site);

    // A non-empty folder that toolrisk did not make.
    let foreign = tmp.path().join("docs");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("keep.txt"), "mine").unwrap();
    let run = build(&site, &foreign);
    run.failed("foreign output").stderr_has("refusing");
    assert_eq!(list_files(&foreign), vec!["keep.txt".to_string()]);
    assert_eq!(read(&foreign.join("keep.txt")), "mine");

    // The site folder itself, and a folder containing it.
    for target in [site.clone(), tmp.path().to_path_buf()] {
        let run = build(&site, &target);
        run.failed(&format!("output {}", target.display()))
            .stderr_has("refusing");
    }
    assert_same_tree(
        &site_before,
        &snapshot(&site),
        "site folder after refused builds",
    );
    let top: BTreeSet<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        top,
        BTreeSet::from(["docs".to_string(), "site".to_string()]),
        "refused builds left files"
    );

    // An empty folder and an earlier output are fine.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    build(&site, &empty).ok("empty output folder");
    build(&site, &empty).ok("rebuild over an earlier output");
    assert!(empty.join("index.html").is_file());
}

// ---------------------------------------------------------------------------
// 10. check.
// ---------------------------------------------------------------------------

#[test]
fn check_validates_without_writing() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    copy_dir(&fixture("ok"), &site);
    let before = snapshot(&site);
    let run = toolrisk_in(Some(tmp.path()), ["check".as_ref(), site.as_os_str()]);
    run.ok("check ok");
    assert!(run.stdout.contains("Checked"), "{}", run.stdout);
    assert!(
        run.stdout.contains("4 servers and 12 tools"),
        "{}",
        run.stdout
    );
    assert_same_tree(&before, &snapshot(&site), "site after check");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "check wrote beside the site"
    );

    let bad = tmp.path().join("bad");
    copy_dir(&fixture("bad-three"), &bad);
    let bad_before = snapshot(&bad);
    let run = toolrisk_in(Some(tmp.path()), ["check".as_ref(), bad.as_os_str()]);
    run.failed("check bad")
        .stderr_has("error 1: content/attacks/gamma.md:4:")
        .stderr_has("error 2: content/servers/alpha.json:4:5:")
        .stderr_has("error 3: content/servers/beta.json:5:3:")
        .stderr_has("3 problems found");
    assert_same_tree(&bad_before, &snapshot(&bad), "bad site after check");

    // A render-time problem is found by check too.
    let tpl = tmp.path().join("tpl");
    copy_dir(&fixture("bad-template"), &tpl);
    toolrisk(["check".as_ref(), tpl.as_os_str()])
        .failed("check bad template")
        .stderr_has("templates/tool.html:4: template error");
    assert!(!tpl.join("public").exists());
}

#[test]
fn check_reports_every_broken_link_with_its_page_and_line() {
    let site = fixture("bad-links");
    toolrisk(["check".as_ref(), site.as_os_str()])
        .failed("check a site with broken links")
        .stderr_has(
            "error 1: content/pages/guide.md:10: broken link on page /guide/: \
             `/servers/job-runner/stop_job/` leads to no page of the site\n   help: fix the link",
        )
        .stderr_has(
            "error 2: content/pages/guide.md:12: broken link on page /guide/: \
             `/servers/job-runner/run_job/#rules`: the page /servers/job-runner/run_job/ \
             has no element with id `rules`\n   help: link to an id the page has, e.g. #what, #arguments, #risk, #why, #policy, #attacks, #related, #faq",
        )
        .stderr_has("2 problems found");
    // The links are check's business; the site itself renders.
    toolrisk(["check".as_ref(), site.as_os_str(), "--no-links".as_ref()]).ok("check --no-links");
}

#[test]
fn the_example_site_has_no_broken_links() {
    let run = toolrisk(["check".as_ref(), example_site().as_os_str()]);
    run.ok("check of the example site");
    assert!(run.stdout.contains("Checked"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------
// 11. snippet.
// ---------------------------------------------------------------------------

fn snippet(args: &[&str]) -> Run {
    let site = fixture("ok");
    let mut all: Vec<std::ffi::OsString> = vec!["snippet".into()];
    all.extend(args.iter().map(Into::into));
    all.push("--site".into());
    all.push(site.into_os_string());
    toolrisk(all)
}

#[test]
fn snippet_prints_the_built_policies() {
    let out = shared_build("ok");
    for (slug, rec) in records(&fixture("ok")) {
        for t in rec["tools"].as_array().unwrap() {
            let name = t["name"].as_str().unwrap();
            let reference = format!("{slug}/{name}");
            let run = snippet(&[&reference]);
            run.ok(&reference);
            assert_eq!(
                run.stdout,
                read(&out.join(format!("servers/{slug}/{name}/policy.json"))),
                "snippet {reference} differs from the built policy.json"
            );
        }
        let run = snippet(&[&slug, "--format", "json"]);
        run.ok(&slug);
        assert_eq!(
            run.stdout,
            read(&out.join(format!("servers/{slug}/policy.json"))),
            "snippet {slug}"
        );
    }

    let policy = read(&out.join("servers/notes-box/notes.create/policy.json"));
    let md = snippet(&["notes-box/notes.create", "--format", "markdown"]);
    md.ok("markdown");
    assert!(md.stdout.starts_with("### "), "{}", md.stdout);
    assert!(
        md.stdout.contains(&format!("```json\n{policy}```")),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("https://fixture.example/servers/notes-box/notes.create/"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("Medium risk"), "{}", md.stdout);

    let html = snippet(&["notes-box/notes.create", "--format", "html"]);
    html.ok("html");
    let frag = scraper::Html::parse_fragment(&html.stdout);
    assert!(
        frag.select(&sel(".tool-card")).next().is_some(),
        "{}",
        html.stdout
    );
    let pre = frag
        .select(&sel("pre"))
        .next()
        .expect("html snippet has the policy");
    assert_eq!(text_of(pre), policy);
    let guide = parse_html(&out.join("guide/index.html"));
    let card_on_page = guide.select(&sel(".tool-card")).next().unwrap().html();
    let card_in_snippet = frag.select(&sel(".tool-card")).next().unwrap().html();
    assert_eq!(
        card_on_page.split_whitespace().collect::<String>(),
        card_in_snippet.split_whitespace().collect::<String>(),
        "the html snippet's card differs from the tool_card shortcode"
    );

    snippet(&["notes-box/no_such_tool"])
        .failed("unknown tool")
        .stderr_has("no tool `notes-box/no_such_tool` in the catalogue")
        .stderr_has("list_notes");
    snippet(&["no-such-server/x"])
        .failed("unknown server in reference")
        .stderr_has("no tool `no-such-server/x` in the catalogue");
    snippet(&["no-such-server"])
        .failed("unknown server")
        .stderr_has("no server `no-such-server` in the catalogue");
    snippet(&["pay-desk", "--format", "markdown"])
        .failed("server as markdown")
        .stderr_has("only available as --format json");
}

// ---------------------------------------------------------------------------
// 12. init.
// ---------------------------------------------------------------------------

#[test]
fn init_makes_a_site_that_builds() {
    let tmp = tempdir();
    let new = tmp.path().join("new");
    toolrisk(["init".as_ref(), new.as_os_str()]).ok("init");
    assert!(new.join("site.toml").is_file());
    let run = toolrisk(["build".as_ref(), new.as_os_str()]);
    run.ok("build the new site");
    assert!(new.join("public/index.html").is_file());
    assert!(
        new.join("public/servers/example-notes/add_note/policy.json")
            .is_file()
    );
    check_policies(&new.join("public"));
    toolrisk(["check".as_ref(), new.as_os_str()]).ok("check the new site");
    // init refuses a folder that is not empty.
    toolrisk(["init".as_ref(), new.as_os_str()])
        .failed("init into a non-empty folder")
        .stderr_has("already exists and is not empty");
}

// ---------------------------------------------------------------------------
// 13. Pagination.
// ---------------------------------------------------------------------------

fn pagination_links(doc: &scraper::Html) -> (Option<String>, Option<String>) {
    let get = |rel: &str| {
        doc.select(&sel(&format!("nav.pagination a[rel=\"{rel}\"]")))
            .next()
            .and_then(|a| a.value().attr("href").map(str::to_string))
    };
    (get("prev"), get("next"))
}

#[test]
fn lists_paginate_with_prev_and_next() {
    let out = shared_build("paged");
    assert!(out.join("servers/page/2/index.html").is_file());
    assert!(out.join("servers/page/3/index.html").is_file());
    assert!(!out.join("servers/page/4").exists());
    assert!(
        !out.join("servers/page/1").exists(),
        "page 1 lives at /servers/ itself"
    );

    let pages = [
        ("servers/index.html", None, Some("/servers/page/2/"), 2),
        (
            "servers/page/2/index.html",
            Some("/servers/"),
            Some("/servers/page/3/"),
            2,
        ),
        (
            "servers/page/3/index.html",
            Some("/servers/page/2/"),
            None,
            1,
        ),
    ];
    let mut seen = Vec::new();
    for (file, prev, next, n) in pages {
        let doc = parse_html(&out.join(file));
        let (p, nx) = pagination_links(&doc);
        assert_eq!(p.as_deref(), prev, "{file}: prev");
        assert_eq!(nx.as_deref(), next, "{file}: next");
        let items: Vec<String> = doc
            .select(&sel("ul.server-list > li > a"))
            .map(|a| a.value().attr("href").unwrap().to_string())
            .collect();
        assert_eq!(items.len(), n, "{file}: {items:?}");
        seen.extend(items);
        let text = visible_text(&doc);
        assert!(text.contains("5 servers"), "{file}: total missing");
    }
    seen.sort();
    let want: Vec<String> = ["alpha", "bravo", "charlie", "delta", "echo"]
        .iter()
        .map(|s| format!("/servers/{s}/"))
        .collect();
    assert_eq!(seen, want, "every server exactly once across the pages");

    // Tool lists paginate the same way.
    for list in ["categories/read", "risk/low"] {
        for n in 2..=3 {
            assert!(
                out.join(format!("{list}/page/{n}/index.html")).is_file(),
                "{list}/page/{n}/"
            );
        }
        assert!(!out.join(format!("{list}/page/4")).exists());
        let last = parse_html(&out.join(format!("{list}/page/3/index.html")));
        assert_eq!(
            pagination_links(&last).0.as_deref(),
            Some(format!("/{list}/page/2/").as_str())
        );
    }
    let sitemap = read(&out.join("sitemap.xml"));
    for u in [
        "servers/page/2/",
        "servers/page/3/",
        "categories/read/page/3/",
    ] {
        assert!(
            sitemap.contains(&format!("<loc>https://paged.example/{u}</loc>")),
            "sitemap lacks {u}"
        );
    }
}

// ---------------------------------------------------------------------------
// 14. Sitemap and robots.txt.
// ---------------------------------------------------------------------------

#[test]
fn sitemap_lists_every_page_and_robots_names_it() {
    let out = shared_build("ok");
    let sitemap = read(&out.join("sitemap.xml"));
    assert!(sitemap.starts_with("<?xml"), "{sitemap}");
    assert!(sitemap.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    let locs: Vec<String> = sitemap
        .split("<loc>")
        .skip(1)
        .map(|s| s.split("</loc>").next().unwrap().to_string())
        .collect();
    let set: HashSet<&String> = locs.iter().collect();
    assert_eq!(set.len(), locs.len(), "duplicate URLs in the sitemap");
    for loc in &locs {
        assert!(
            loc.starts_with(OK_BASE),
            "not absolute under base_url: {loc}"
        );
        let path = format!("/{}", &loc[OK_BASE.len()..]);
        assert!(
            resolve(out, "/", &path).is_some(),
            "sitemap URL names no page: {loc}"
        );
        assert!(
            !path.starts_with("/embed/"),
            "embed cards are not for search engines: {loc}"
        );
    }
    for (slug, rec) in records(&fixture("ok")) {
        assert!(
            set.contains(&format!("{OK_BASE}servers/{slug}/")),
            "sitemap lacks server {slug}"
        );
        for t in rec["tools"].as_array().unwrap() {
            let u = format!("{OK_BASE}servers/{slug}/{}/", t["name"].as_str().unwrap());
            assert!(set.contains(&u), "sitemap lacks {u}");
        }
    }
    for u in [
        "",
        "servers/",
        "attacks/runaway-jobs/",
        "guide/",
        "categories/other/",
        "risk/critical/",
    ] {
        assert!(set.contains(&format!("{OK_BASE}{u}")), "sitemap lacks /{u}");
    }
    // Every HTML page except 404, embeds and the review queue is in the
    // sitemap; the review queue is for the catalogue's keepers only.
    for page in html_files(out) {
        if page == "404.html" || page.starts_with("embed/") {
            continue;
        }
        if page.starts_with("review/") || page.starts_with("search/") {
            let section = page.split('/').next().unwrap();
            assert!(
                !set.iter().any(|u| u.contains(&format!("/{section}/"))),
                "{section}/ is in the sitemap"
            );
            let doc = read(&out.join(&page));
            assert!(
                doc.contains("<meta content=noindex name=robots>")
                    || doc.contains("<meta name=\"robots\" content=\"noindex\">"),
                "{page} is not marked noindex"
            );
            continue;
        }
        let url = format!("{OK_BASE}{}", page.trim_end_matches("index.html"));
        assert!(set.contains(&url), "sitemap lacks {url}");
    }

    let robots = read(&out.join("robots.txt"));
    assert!(robots.contains("User-agent: *"), "{robots}");
    assert!(
        robots
            .lines()
            .any(|l| l == "Sitemap: https://fixture.example/sitemap.xml"),
        "{robots}"
    );

    // Canonical URLs are absolute under base_url.
    let doc = parse_html(&out.join("servers/notes-box/getNoteById/index.html"));
    let canonical = doc.select(&sel("link[rel=canonical]")).next().unwrap();
    assert_eq!(
        canonical.value().attr("href"),
        Some("https://fixture.example/servers/notes-box/getNoteById/")
    );
}

// ---------------------------------------------------------------------------
// The checkers above catch what they look for: plant faults in a copy of a
// good build and make sure each one is reported.
// ---------------------------------------------------------------------------

#[test]
fn checkers_catch_planted_faults() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    copy_dir(shared_build("ok"), &out);
    assert!(broken_links(&out, "/", OK_BASE).is_empty());
    assert!(faq_problems(&out, OK_BASE).0.is_empty());
    assert!(grammar_problems("copy", &out).is_empty());
    assert!(active_content(&out).0.is_empty());

    let edit = |rel: &str, from: &str, to: &str| {
        let p = out.join(rel);
        let s = read(&p);
        // The last occurrence: the FAQ is the page's last <dl>.
        let i = s
            .rfind(from)
            .unwrap_or_else(|| panic!("{rel} lacks {from:?}"));
        std::fs::write(&p, format!("{}{to}{}", &s[..i], &s[i + from.len()..])).unwrap();
    };
    // A link to nowhere and a fragment that names no id.
    edit(
        "servers/index.html",
        "</main>",
        "<a href=/servers/nowhere/>x</a><a href=/servers/#nope>y</a></main>",
    );
    let broken = broken_links(&out, "/", OK_BASE);
    assert_eq!(broken.len(), 2, "{broken:?}");

    // The FAQ naming a number, a window and a key the policy lacks.
    let faq = "servers/notes-box/notes.create/index.html";
    edit(
        faq,
        "</dl>",
        "<dt>Q</dt><dd>At most 25 calls per hour, see <code>require</code>.</dd></dl>",
    );
    let (faq_found, _) = faq_problems(&out, OK_BASE);
    assert_eq!(faq_found.len(), 3, "{faq_found:?}");

    // Grammar slips.
    edit(
        "index.html",
        "</main>",
        "<p>Has 1 tools, a execute tool, Job MCP Server MCP Server, and an end..</p></main>",
    );
    assert_eq!(grammar_problems("copy", &out).len(), 4);

    // Active content.
    edit(
        "servers/notes-box/index.html",
        "</main>",
        "<script>alert(1)</script><img src=x><a href=' JavaScript:alert(1)' onclick=x>z</a><script type=application/ld+json>{</script></main>",
    );
    let (active, _, _) = active_content(&out);
    assert_eq!(active.len(), 5, "{active:?}");
}

// ---------------------------------------------------------------------------
// 15. Page weight and requests: small tool pages, shared assets, nothing
// fetched from another host.
// ---------------------------------------------------------------------------

/// The most a tool page may weigh, minified, besides the server's own
/// words on it. Raised from 15 KiB when pages gained the argument table,
/// the risk panel and the findings warning: the heaviest example pages are
/// tools with many described arguments. The description and the
/// arguments' descriptions are the server's and as long as it wrote them
/// (Desktop Commander's `start_search` has a 6.5 KB description), so they
/// are not counted against the page.
const TOOL_PAGE_LIMIT: usize = 20 * 1024;

#[test]
fn tool_pages_stay_under_the_weight_limit() {
    for name in ["example", "ok", "hostile"] {
        let out = shared_build(name);
        let site = if name == "example" {
            example_site()
        } else {
            fixture(name)
        };
        // servers/<server>/<tool>/index.html of tools whose name is their
        // URL segment, and the length of the server's words: the
        // description and each top-level argument's description.
        let mut words = std::collections::HashMap::new();
        for (slug, record) in records(&site) {
            for tool in record["tools"].as_array().unwrap() {
                let Some(name) = tool["name"].as_str() else {
                    continue;
                };
                let text = |v: &Value| v["description"].as_str().map_or(0, str::len);
                let arguments = tool["inputSchema"]["properties"]
                    .as_object()
                    .map_or(0, |p| p.values().map(text).sum::<usize>());
                words.insert(
                    format!("servers/{slug}/{name}/index.html"),
                    text(tool) + arguments,
                );
            }
        }
        let mut heaviest = (0, String::new());
        let mut tools = 0;
        for page in html_files(out) {
            if page.starts_with("servers/") && page.matches('/').count() == 3 {
                tools += 1;
                let size = std::fs::metadata(out.join(&page)).unwrap().len() as usize;
                let size = size.saturating_sub(words.get(&page).copied().unwrap_or(0));
                if size > heaviest.0 {
                    heaviest = (size, page);
                }
            }
        }
        assert!(tools >= 5, "{name}: only {tools} tool pages");
        assert!(
            heaviest.0 <= TOOL_PAGE_LIMIT,
            "{name}: {} weighs {} bytes besides the server's words, over the {TOOL_PAGE_LIMIT}-byte limit",
            heaviest.1,
            heaviest.0
        );
    }
}

/// The URLs a browser fetches by itself (not links a reader follows) that
/// leave the site: `src` of any element, `href` of `<link>`, `url(...)` and
/// `@import` in styles, and any web font.
fn third_party_requests(out: &Path, base_url: &str) -> Vec<String> {
    let leaves = |u: &str| {
        let u = u.trim().to_ascii_lowercase();
        (u.starts_with("http:") || u.starts_with("https:") || u.starts_with("//"))
            && !u.starts_with(&base_url.to_ascii_lowercase())
    };
    let mut found = Vec::new();
    for page in html_files(out) {
        let doc = parse_html(&out.join(&page));
        for el in doc.select(&sel("[src], link[href], [srcset], [poster], [data]")) {
            for attr in ["src", "href", "srcset", "poster", "data"] {
                if el.value().name() != "link" && attr == "href" {
                    continue;
                }
                if let Some(v) = el.value().attr(attr) {
                    for part in v.split(',') {
                        let url = part.split_whitespace().next().unwrap_or("");
                        if leaves(url) {
                            found.push(format!("{page}: <{} {attr}={url}>", el.value().name()));
                        }
                    }
                }
            }
        }
        for style in doc.select(&sel("style, [style]")) {
            let css = style
                .value()
                .attr("style")
                .map(str::to_string)
                .unwrap_or_else(|| text_of(style));
            if css.contains("url(") || css.contains("@import") || css.contains("@font-face") {
                found.push(format!("{page}: inline style fetches: {css}"));
            }
        }
    }
    for file in list_files(out) {
        if file.ends_with(".css") {
            let css = read(&out.join(&file));
            for needle in ["url(", "@import", "@font-face"] {
                if css.contains(needle) {
                    found.push(format!("{file}: contains {needle}"));
                }
            }
        }
        for font in [".woff", ".woff2", ".ttf", ".otf", ".eot"] {
            if file.ends_with(font) {
                found.push(format!("{file}: a web font"));
            }
        }
    }
    found
}

#[test]
fn pages_fetch_nothing_from_other_hosts_and_share_their_assets() {
    for (name, base) in [
        ("example", "https://toolrisk.dev/"),
        ("ok", OK_BASE),
        ("hostile", "https://hostile.example/"),
    ] {
        let out = shared_build(name);
        let found = third_party_requests(out, base);
        assert!(
            found.is_empty(),
            "{name}: requests to other hosts:\n{}",
            found.join("\n")
        );
        // Every site page loads the one stylesheet and script, as files the
        // browser caches, and carries no style or script of its own.
        for page in html_files(out) {
            if page.starts_with("embed/") {
                continue;
            }
            let doc = parse_html(&out.join(&page));
            let sheets: Vec<_> = doc
                .select(&sel("link[rel=stylesheet]"))
                .filter_map(|l| l.value().attr("href"))
                .collect();
            let own_file = |u: &&str| u.starts_with('/') && !u.starts_with("//");
            assert!(
                sheets.contains(&"/assets/style.css") && sheets.iter().all(own_file),
                "{name}: {page}: {sheets:?}"
            );
            let scripts: Vec<_> = doc
                .select(&sel("script:not([type='application/ld+json'])"))
                .map(|s| s.value().attr("src").unwrap_or("inline"))
                .collect();
            assert!(
                scripts.contains(&"/assets/site.js") && scripts.iter().all(own_file),
                "{name}: {page}: {scripts:?}"
            );
            assert_eq!(doc.select(&sel("style")).count(), 0, "{name}: {page}");
        }
    }
}

#[test]
fn the_request_check_catches_planted_faults() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    copy_dir(shared_build("ok"), &out);
    assert!(third_party_requests(&out, OK_BASE).is_empty());
    let page = out.join("guide/index.html");
    let html = read(&page).replace(
        "</main>",
        "<img src=https://cdn.example/x.png alt=x><link rel=stylesheet href=//fonts.example/f.css>\
         <a href=https://elsewhere.example/>a plain link is fine</a></main>",
    );
    std::fs::write(&page, html).unwrap();
    std::fs::write(
        out.join("assets/extra.css"),
        "@font-face { font-family: x; src: url(x.woff2) }",
    )
    .unwrap();
    std::fs::write(out.join("assets/x.woff2"), "").unwrap();
    let found = third_party_requests(&out, OK_BASE);
    assert_eq!(found.len(), 5, "{found:#?}");
}

/// A site with templates of its own, built with `minify`: the indentation
/// of its templates collapses, what they place where whitespace counts
/// comes through as written, and no page is left with template indentation.
#[test]
fn own_templates_come_out_collapsed_with_their_preformatted_text_intact() {
    let out = tempdir();
    let run = build(&fixture("own-templates"), out.path());
    run.ok("build of a site with its own templates");
    assert!(run.stdout.contains("0 warnings"), "{}", run.stdout);
    let page = read(&out.path().join("servers/pay-desk/issue_refund/index.html"));
    for kept in [
        "Rule one:\n    read the policy\nRule two:\n    then   ask\n      a reviewer\n</pre>",
        "<pre class=\"direct\">\n  issue_refund\n    <b>indented</b>\n</pre>",
        "<textarea readonly>\n  issue_refund\n      stays indented\n</textarea>",
        "title=\"Hover\n   text\"",
    ] {
        assert!(page.contains(kept), "{kept:?} not in:\n{page}");
    }
    assert!(!page.contains("\n    <p>"), "indentation left:\n{page}");
    // The built-in templates the site did not replace come out minified.
    let server = read(&out.path().join("servers/pay-desk/index.html"));
    assert!(
        server.contains("<table class=tools><thead><tr><th scope=col>Tool</th>"),
        "{server}"
    );
    assert!(
        server.contains("<div class=policy><div class=policy-bar>"),
        "{server}"
    );
}

/// Own templates whose HTML cannot be followed through the template code
/// still build, minified page by page, with a warning naming the line.
#[test]
fn own_templates_that_cannot_be_collapsed_build_with_a_warning() {
    let site = tempdir();
    copy_dir(&fixture("ok"), site.path());
    std::fs::create_dir_all(site.path().join("templates")).unwrap();
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/builtin/templates/page.html"),
    )
    .unwrap();
    let tangled = base.replacen(
        "{% block content %}",
        "{% block content %}\n{% if page.title %}<pre>{% endif %}</pre>",
        1,
    );
    assert_ne!(tangled, base);
    std::fs::write(site.path().join("templates/page.html"), tangled).unwrap();
    let out = tempdir();
    let run = build(site.path(), out.path());
    run.ok("build with a template that cannot be collapsed");
    run.stderr_has("warning: templates/page.html:3: ")
        .stderr_has("minify = false");
    assert!(run.stdout.contains("1 warning"), "{}", run.stdout);
    let tool = read(&out.path().join("servers/pay-desk/issue_refund/index.html"));
    assert!(!tool.contains("\n  <"), "not minified:\n{tool}");
}

/// A site that replaces its footer and home page, not the tool page, keeps
/// its own footer on tool pages written without the template engine.
#[test]
fn own_footer_reaches_tool_pages_written_directly() {
    let out = tempdir();
    build(&fixture("own-chrome"), out.path()).ok("build with an own footer");
    let tool = read(&out.path().join("servers/pay-desk/issue_refund/index.html"));
    assert!(
        tool.contains(
            "<p class=\"house-footer\">\nPublished by the docs team of Own chrome fixture\n</p>"
        ),
        "{tool}"
    );
    assert!(tool.contains("<article class=tool>"), "{tool}");
    let home = read(&out.path().join("index.html"));
    assert!(
        home.contains("<p class=\"house-intro\">\nEvery tool below was checked\nby hand.\n</p>"),
        "{home}"
    );
}

// ---------------------------------------------------------------------------
// Confidence and the review queue.
// ---------------------------------------------------------------------------

#[test]
fn uncertain_tools_are_queued_for_review_and_a_record_category_settles_them() {
    let tmp = tempdir();
    let site = tmp.path().join("site");
    std::fs::create_dir_all(site.join("content/servers")).unwrap();
    std::fs::write(
        site.join("site.toml"),
        "title = \"Review\"\nbase_url = \"https://review.example/\"\n\n[review]\nbelow = 0.6\n",
    )
    .unwrap();
    let record = serde_json::json!({
        "name": "Vague",
        "tools": [
            {"name": "frobnicate"},
            {"name": "frobnicate_twice", "category": "write"},
            {"name": "delete_repository", "description": "Permanently deletes a repository and all of its issues. This cannot be undone."}
        ]
    });
    std::fs::write(site.join("content/servers/vague.json"), record.to_string()).unwrap();
    let out = tmp.path().join("out");
    build(&site, &out).expect_code(0, "build");

    // The queue lists the tool the classifier knows nothing of, and neither
    // the one whose record sets its category nor the clear one.
    let queue = read(&out.join("review/index.html"));
    assert!(queue.contains("servers/vague/frobnicate/"), "{queue}");
    assert!(
        !queue.contains("servers/vague/frobnicate_twice/"),
        "{queue}"
    );
    assert!(
        !queue.contains("servers/vague/delete_repository/"),
        "{queue}"
    );
    assert!(queue.contains("noindex"), "the queue is not marked noindex");
    // Linked from no other page.
    for page in html_files(&out) {
        if !page.starts_with("review/") {
            assert!(
                !read(&out.join(&page)).contains("/review/"),
                "{page} links to the review queue"
            );
        }
    }

    // The API carries each tool's confidence; a record's category is sure.
    let api = read_json(&out.join("api/servers/vague.json"));
    let confidence = |name: &str| {
        api["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .and_then(|t| t["confidence"].as_f64())
            .unwrap_or_else(|| panic!("no confidence for {name}: {api}"))
    };
    assert!(confidence("frobnicate") < 0.6);
    assert_eq!(confidence("frobnicate_twice"), 1.0);
    assert!(confidence("delete_repository") >= 0.6);

    // The page says it in words.
    let page = parse_html(&out.join("servers/vague/frobnicate/index.html"));
    let text = visible_text(&page);
    assert!(text.contains("Confidence"), "{text}");
    assert!(text.contains("queued for review"), "{text}");

    // `check --review` prints the same queue.
    let run = toolrisk(["check".as_ref(), site.as_os_str(), "--review".as_ref()]);
    run.expect_code(0, "check --review");
    assert!(
        run.stdout.contains("Review queue: 1 tool"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("vague/frobnicate: other"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("frobnicate_twice"), "{}", run.stdout);
}
