//! What a tool page and a server page show a reader: the argument table
//! (and its copies on the server page and in the JSON API), the server
//! page's order, risk groups and policy summary.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// The sites these tests read: the example site and the fixtures with
/// input schemas, hostile ones included.
fn sites() -> Vec<(&'static str, &'static Path)> {
    ["example", "ok", "hostile"]
        .into_iter()
        .map(|name| (name, shared_build(name)))
        .collect()
}

fn site_dir(name: &str) -> std::path::PathBuf {
    if name == "example" {
        example_site()
    } else {
        fixture(name)
    }
}

/// A table's rows as (argument, type, required, risk cell text).
fn table_rows(table: scraper::ElementRef) -> Vec<(String, String, String, String)> {
    table
        .select(&sel("tbody tr"))
        .map(|tr| {
            let name = text_of(tr.select(&sel("th")).next().expect("row header"));
            let cells: Vec<String> = tr.select(&sel("td")).map(text_of).collect();
            assert_eq!(cells.len(), 4, "argument row of {name}: {cells:?}");
            (name, cells[0].clone(), cells[1].clone(), cells[3].clone())
        })
        .collect()
}

/// The input schema's property names in the record's order, and its
/// `required` list (only tools with an object schema).
fn schema_of(tool: &Value) -> (Vec<String>, Vec<String>) {
    let schema = &tool["inputSchema"];
    let names = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let required = schema["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (names, required)
}

/// Every tool page's argument table lists its schema's properties in order
/// with the right required column, and the API and the server page say the
/// same, risk marks included.
#[test]
fn argument_tables_match_the_schema_the_api_and_the_server_page() {
    let mut tables = 0;
    let mut risky = 0;
    for (name, out) in sites() {
        for (slug, record) in records(&site_dir(name)) {
            let api = read_json(&out.join(format!("api/servers/{slug}.json")));
            let server_page = parse_html(&out.join(format!("servers/{slug}/index.html")));
            for tool in record["tools"].as_array().unwrap() {
                let tool_name = tool["name"].as_str().unwrap();
                let api_tool = api["tools"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|t| t["name"] == tool_name)
                    .unwrap_or_else(|| panic!("{name}/{slug}/{tool_name} in the API"));
                let (names, required) = schema_of(tool);
                let api_names: Vec<&str> = api_tool["arguments"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["name"].as_str().unwrap())
                    .collect();
                // Names are shown with hidden characters made visible.
                assert_eq!(api_names.len(), names.len(), "{name}/{slug}/{tool_name}");
                assert_eq!(api_tool["argument_count"], names.len());
                let url = api_tool["url"].as_str().unwrap();
                let rel = url.split_once("://").unwrap().1.split_once('/').unwrap().1;
                let page = parse_html(&out.join(rel).join("index.html"));
                let section = page
                    .select(&sel("section[aria-labelledby=arguments]"))
                    .next()
                    .unwrap_or_else(|| panic!("{url}: an Arguments section"));
                let Some(table) = section.select(&sel("table.args")).next() else {
                    assert!(names.is_empty(), "{url}: a table for {names:?}");
                    assert!(text_of(section).contains("takes no arguments"), "{url}");
                    continue;
                };
                tables += 1;
                let rows = table_rows(table);
                let api_args = api_tool["arguments"].as_array().unwrap();
                assert_eq!(rows.len(), names.len(), "{url}");
                for ((row, api_arg), schema_name) in rows.iter().zip(api_args).zip(&names) {
                    assert_eq!(row.0, api_arg["name"].as_str().unwrap(), "{url}");
                    if !schema_name
                        .chars()
                        .any(|c| c.is_control() || (c as u32) >= 0x200B)
                    {
                        assert_eq!(&row.0, schema_name, "{url}: row order is schema order");
                    }
                    let is_required = required.contains(schema_name);
                    assert_eq!(row.2, if is_required { "yes" } else { "no" }, "{url}");
                    assert_eq!(api_arg["required"], is_required, "{url}");
                    assert_eq!(row.1, api_arg["type"].as_str().unwrap(), "{url}");
                    match api_arg["risk"].as_object() {
                        Some(r) => {
                            risky += 1;
                            let reason = r["reason"].as_str().unwrap();
                            let kind = r["kind"].as_str().unwrap();
                            assert!(!row.3.starts_with("none"), "{url}: {row:?} ({kind})");
                            assert!(row.3.contains(reason), "{url}: {row:?} gives {reason}");
                        }
                        None => assert_eq!(row.3, "none", "{url}: {row:?}"),
                    }
                }
                // The server page folds the same table, linking the page.
                let link = format!("/{rel}#arguments");
                let folded = server_page
                    .select(&sel("details.args-fold"))
                    .find(|d| {
                        d.select(&sel("a"))
                            .any(|a| a.value().attr("href") == Some(link.as_str()))
                    })
                    .unwrap_or_else(|| panic!("{slug}: folded arguments of {tool_name}"));
                assert_eq!(
                    text_of(folded.select(&sel("summary code")).next().unwrap()),
                    tool_name,
                    "{slug}: the fold is named after the tool"
                );
                let folded_rows = table_rows(folded.select(&sel("table.args")).next().unwrap());
                assert_eq!(
                    folded_rows, rows,
                    "{slug}/{tool_name}: server page and tool page"
                );
            }
        }
    }
    assert!(tables > 100, "only {tables} argument tables checked");
    assert!(risky > 30, "only {risky} risky arguments checked");
}

/// Hostile argument names and descriptions are text in the table, never
/// markup.
#[test]
fn hostile_argument_names_are_text() {
    let out = shared_build("hostile");
    let mut seen = 0;
    for file in html_files(out) {
        let doc = parse_html(&out.join(&file));
        for th in doc.select(&sel("table.args th[scope=row] code")) {
            assert_eq!(
                th.children().count(),
                1,
                "{file}: markup inside an argument name"
            );
            if text_of(th).contains("<img src=x onerror=alert(1)>") {
                seen += 1;
            }
        }
        assert!(
            doc.select(&sel("table.args img")).next().is_none(),
            "{file}"
        );
    }
    assert!(
        seen >= 2,
        "the hostile argument name shown as text on the tool and server pages ({seen})"
    );
}

/// Server pages list tools highest risk first, then by name, in one group
/// per level; the per-level counts link to their group; the policy summary
/// names every tool once, in the bucket its own policy puts it.
#[test]
fn server_pages_sort_group_and_summarise() {
    let rank = |level: &str| {
        ["critical", "high", "medium", "low"]
            .iter()
            .position(|l| *l == level)
            .unwrap()
    };
    for (name, out) in sites() {
        for (slug, _) in records(&site_dir(name)) {
            let file = out.join(format!("servers/{slug}/index.html"));
            let doc = parse_html(&file);
            let api = read_json(&out.join(format!("api/servers/{slug}.json")));
            let tools = api["tools"].as_array().unwrap();
            let risk_of = |n: &str| {
                tools.iter().find(|t| t["name"] == n).unwrap()["risk"]
                    .as_str()
                    .unwrap()
                    .to_string()
            };
            let section = doc
                .select(&sel("section[aria-labelledby=tools]"))
                .next()
                .unwrap();
            let names: Vec<String> = section
                .select(&sel("table.tools tbody tr"))
                .map(|tr| {
                    let href = tr
                        .select(&sel("a"))
                        .next()
                        .unwrap()
                        .value()
                        .attr("href")
                        .unwrap()
                        .to_string();
                    tools
                        .iter()
                        .find(|t| t["url"].as_str().unwrap().ends_with(&href))
                        .unwrap_or_else(|| panic!("{slug}: row {href} in the API"))["name"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect();
            assert_eq!(
                names.len(),
                tools.len(),
                "{name}/{slug}: every tool listed once"
            );
            let keys: Vec<(usize, String)> = names
                .iter()
                .map(|n| (rank(&risk_of(n)), n.to_lowercase()))
                .collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "{name}/{slug}: risk then name");
            // Each count links to a heading whose table holds exactly that
            // level's tools.
            for a in doc.select(&sel(".glance a[href^='#risk-']")) {
                let level = a
                    .value()
                    .attr("href")
                    .unwrap()
                    .trim_start_matches("#risk-")
                    .to_string();
                let n: usize = text_of(a)
                    .split(": ")
                    .nth(1)
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                let heading = doc
                    .select(&sel(&format!("h3#risk-{level}")))
                    .next()
                    .unwrap_or_else(|| panic!("{slug}: anchor risk-{level}"));
                let table = heading
                    .next_siblings()
                    .filter_map(scraper::ElementRef::wrap)
                    .find(|e| e.value().name() == "div")
                    .unwrap();
                let badges: Vec<String> = table
                    .select(&sel("tbody tr .badge[class*=risk-]"))
                    .map(text_of)
                    .collect();
                assert_eq!(badges.len(), n, "{slug}: {level} count");
                assert!(
                    badges.iter().all(|b| *b == level),
                    "{slug}: {level} group {badges:?}"
                );
            }
            // The summary names each tool once (servers with few tools).
            if tools.len() <= 12 {
                let listed: Vec<String> = doc
                    .select(&sel("ul.policy-summary li code"))
                    .map(text_of)
                    .collect();
                let mut a = listed.clone();
                a.sort();
                let mut b: Vec<String> = names.clone();
                b.sort();
                assert_eq!(a, b, "{name}/{slug}: every tool in one bucket");
                let policy = read_json(&out.join(format!("servers/{slug}/policy.json")));
                let hidden: Vec<&str> = policy["hide"]
                    .as_array()
                    .map(|h| h.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for li in doc.select(&sel("ul.policy-summary li")) {
                    let line = text_of(li);
                    for c in li.select(&sel("code")) {
                        let t = text_of(c);
                        if hidden.contains(&t.as_str()) {
                            assert!(
                                line.contains("hidden or denied"),
                                "{slug}: {t} hidden but listed as {line}"
                            );
                        }
                    }
                }
            }
            // The document itself is one click away, folded.
            assert!(
                doc.select(&sel("details.policy-fold pre#server-policy-json"))
                    .next()
                    .is_some(),
                "{slug}"
            );
        }
    }
}

/// Every tool page opens with the risk panel: the level in words (not
/// colour alone), the category, a reason, and what the policy does, as
/// the tool's own policy.json has it.
#[test]
fn tool_pages_open_with_the_risk_panel() {
    let mut pages = 0;
    for (name, out) in sites() {
        for (slug, _) in records(&site_dir(name)) {
            let api = read_json(&out.join(format!("api/servers/{slug}.json")));
            for tool in api["tools"].as_array().unwrap() {
                let url = tool["url"].as_str().unwrap();
                let rel = url.split_once("://").unwrap().1.split_once('/').unwrap().1;
                let doc = parse_html(&out.join(rel).join("index.html"));
                let header = doc
                    .select(&sel("article.tool > header.page-head"))
                    .next()
                    .unwrap();
                let panel = header
                    .select(&sel(".risk-panel"))
                    .next()
                    .unwrap_or_else(|| panic!("{url}: no risk panel in the header"));
                let risk = tool["risk"].as_str().unwrap();
                let badge = text_of(panel.select(&sel(".risk-head .badge")).next().unwrap());
                assert_eq!(badge.to_lowercase(), format!("{risk} risk"), "{url}");
                let tag = text_of(panel.select(&sel(".risk-head .tag")).next().unwrap());
                assert_eq!(tag, tool["category"].as_str().unwrap(), "{url}");
                let reason = text_of(panel.select(&sel(".risk-reason")).next().unwrap());
                assert!(
                    reason.len() > 20 && reason.ends_with('.'),
                    "{url}: reason {reason:?}"
                );
                let doing = text_of(panel.select(&sel(".risk-policy")).next().unwrap());
                assert!(doing.starts_with("Recommended policy: "), "{url}: {doing}");
                let policy = &tool["policy"];
                let hidden = policy["hide"]
                    .as_array()
                    .is_some_and(|h| h.iter().any(|n| n == &tool["name"]));
                let entry = &policy["tools"][tool["name"].as_str().unwrap()];
                if hidden {
                    assert!(doing.contains("Hides it"), "{url}: {doing}");
                } else if entry.get("approve").is_some() {
                    assert!(doing.contains("person approves"), "{url}: {doing}");
                } else if entry.get("deny_if").is_some() {
                    assert!(doing.contains("enies"), "{url}: {doing}");
                } else if entry.get("limits").is_some() {
                    assert!(doing.contains("at most"), "{url}: {doing}");
                }
                // Nothing but the heading and its subtitle comes before it.
                let before: Vec<String> = header
                    .children()
                    .filter_map(scraper::ElementRef::wrap)
                    .take_while(|e| {
                        !e.value()
                            .has_class("risk-panel", scraper::CaseSensitivity::CaseSensitive)
                    })
                    .map(|e| e.value().name().to_string())
                    .collect();
                assert_eq!(before, ["h1", "p"], "{url}");
                pages += 1;
            }
        }
    }
    assert!(pages > 200, "{pages}");
}

/// Every embed card links back to its tool's page, follows dark mode, and
/// shows the `<iframe>` markup that embeds it: one iframe, pointing at the
/// card itself, with no attribute a record could have smuggled in.
#[test]
fn embed_cards_link_back_and_show_their_iframe_code() {
    let mut cards = 0;
    for (_, out) in sites() {
        for file in html_files(out)
            .into_iter()
            .filter(|f| f.starts_with("embed/"))
        {
            let doc = parse_html(&out.join(&file));
            let canonical = doc
                .select(&sel("link[rel=canonical]"))
                .next()
                .and_then(|l| l.value().attr("href"))
                .unwrap()
                .to_string();
            let tool_page = canonical.replacen("/embed/", "/servers/", 1);
            let back = doc
                .select(&sel("p.back a"))
                .next()
                .unwrap_or_else(|| panic!("{file}: no link back"));
            assert_eq!(
                back.value().attr("href"),
                Some(tool_page.as_str()),
                "{file}"
            );
            let code = text_of(
                doc.select(&sel("details.code pre code"))
                    .next()
                    .unwrap_or_else(|| panic!("{file}: no iframe code")),
            );
            let snippet = scraper::Html::parse_fragment(&code);
            let elements: Vec<_> = snippet
                .root_element()
                .descendants()
                .filter_map(scraper::ElementRef::wrap)
                .skip(1)
                .collect();
            assert_eq!(elements.len(), 1, "{file}: {code}");
            let iframe = elements[0].value();
            assert_eq!(iframe.name(), "iframe", "{file}: {code}");
            assert_eq!(
                iframe.attr("src"),
                Some(canonical.as_str()),
                "{file}: {code}"
            );
            let attrs: Vec<&str> = iframe.attrs().map(|(k, _)| k).collect();
            assert_eq!(attrs.len(), 6, "{file}: {attrs:?}");
            assert!(
                attrs.iter().all(|a| !a.starts_with("on")),
                "{file}: {attrs:?}"
            );
            let style = text_of(doc.select(&sel("style")).next().unwrap());
            assert!(style.contains("prefers-color-scheme:dark"), "{file}");
            cards += 1;
        }
    }
    assert!(cards > 200, "{cards}");
}

/// The prose a reader sees, outside code, scripts and styles: code holds
/// record text and policy values (`..` steps), which are not prose.
fn prose(doc: &scraper::Html) -> String {
    let mut out = String::new();
    for node in doc.tree.nodes() {
        if let scraper::node::Node::Text(t) = node.value() {
            let skipped = node.ancestors().any(|a| {
                a.value().as_element().is_some_and(|e| {
                    matches!(e.name(), "script" | "style" | "code" | "pre" | "title")
                })
            });
            if !skipped {
                out.push_str(t);
                out.push(' ');
            }
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The sentences of a text of at least `min` words.
fn sentences(text: &str, min: usize) -> Vec<String> {
    text.split_inclusive(['.', '?', '!'])
        .map(|s| s.trim().to_string())
        .filter(|s| s.split_whitespace().count() >= min)
        .collect()
}

/// Text defects, over every page of the example site and the fixtures: no
/// "an other", no quoted first sentence cut at an abbreviation or a
/// version number, no doubled punctuation after a closing quote (or
/// anywhere, but in text quoted from a record), server
/// names as their records write them, and no FAQ answer that repeats the
/// policy paragraph.
#[test]
fn pages_have_none_of_the_known_text_defects() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for (name, out) in sites()
        .into_iter()
        .chain([("paged", shared_build("paged"))])
    {
        let site = site_dir(name);
        let servers: Vec<(String, String)> = records(&site)
            .into_iter()
            .map(|(slug, r)| (slug, r["name"].as_str().unwrap_or("").to_string()))
            .collect();
        // The records' own text, spaces collapsed as in prose: punctuation
        // a server wrote (`e.g.,`, a link followed by `..`) is quoted by a
        // page, not made by it.
        let mut words = std::collections::HashSet::new();
        for (_, record) in records(&site) {
            json_words(&record, &mut words);
        }
        let own: Vec<String> = words
            .iter()
            .map(|w| w.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        for file in html_files(out) {
            let doc = parse_html(&out.join(&file));
            let text = prose(&doc);
            checked += 1;
            let mut flag = |what: &str, at: usize| {
                let from = text.floor_char_boundary(at.saturating_sub(50));
                let to = text.ceil_char_boundary((at + 50).min(text.len()));
                problems.push(format!("{name}/{file}: {what}: …{}…", &text[from..to]));
            };
            if let Some(at) = text.find("an other ") {
                flag("“an other”", at);
            }
            for cut in ["e.g.”", "i.e.”", "etc.”", "(e.g.”", "vs.”"] {
                if let Some(at) = text.find(cut) {
                    flag("a sentence cut at an abbreviation", at);
                }
            }
            for doubled in [".”.", "?”.", "!”.", ".\".", "..", ",.", ".,", ";.", ":."] {
                for (at, _) in text.match_indices(doubled) {
                    // An ellipsis is not a doubled stop.
                    if doubled == ".."
                        && (text[at..].starts_with("...") || text[..at].ends_with('.'))
                    {
                        continue;
                    }
                    // Quoted from a record: the match with a few characters
                    // either side is the server's own text (or the end of it).
                    let from = text.floor_char_boundary(at.saturating_sub(10));
                    let end = at + doubled.len();
                    let to = text.ceil_char_boundary((end + 3).min(text.len()));
                    if own
                        .iter()
                        .any(|w| w.contains(&text[from..to]) || w.ends_with(&text[from..end]))
                    {
                        continue;
                    }
                    flag("doubled punctuation", at);
                }
            }
            // Counts that read wrong ("all 2 conditions", "its 1 condition
            // hold").
            for wrong in ["all 2 ", "its 1 ", " 1 conditions", "condition hold "] {
                if let Some(at) = text.find(wrong) {
                    flag("a count that reads wrong", at);
                }
            }
            for (slug, server_name) in &servers {
                if server_name != slug && !server_name.eq_ignore_ascii_case(slug) {
                    for phrase in [format!(" on {slug} "), format!(" on {slug}.")] {
                        if let Some(at) = text.find(&phrase) {
                            flag("a server named by its slug, not its name", at);
                        }
                    }
                }
            }
            // The FAQ answers never repeat a sentence of the policy paragraph.
            let policy_text = doc
                .select(&sel("section[aria-labelledby=policy] > p"))
                .next()
                .map(|p| prose(&scraper::Html::parse_fragment(&p.html())))
                .unwrap_or_default();
            let faq = doc
                .select(&sel("dl.faq"))
                .next()
                .map(|d| prose(&scraper::Html::parse_fragment(&d.html())))
                .unwrap_or_default();
            for s in sentences(&policy_text, 6) {
                if faq.contains(&s) {
                    problems.push(format!(
                        "{name}/{file}: the FAQ repeats the policy sentence {s:?}"
                    ));
                }
            }
        }
    }
    assert!(checked > 500, "{checked}");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every list of tools names each tool the same way: by its name (what an
/// agent calls and a policy names), its title after it when the server
/// gives one. Lists used to mix titles and names, so that a reader could
/// not tell which entries were which.
#[test]
fn every_list_names_each_tool_by_its_name() {
    let lists = [
        "table.tools tbody td:first-child > a",
        "ul.grouped > li > a:first-child",
        "ul.related > li > a:first-child",
        "section.card > h2 > a:first-child",
    ];
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut titled = 0;
    for (name, out) in sites()
        .into_iter()
        .chain([("paged", shared_build("paged"))])
    {
        // Tool page path → (name, title when it differs), from the API and
        // the tool pages' own headings.
        let mut tools = std::collections::HashMap::new();
        for api in list_files(&out.join("api/servers")) {
            let doc: Value =
                serde_json::from_str(&read(&out.join("api/servers").join(&api))).unwrap();
            for t in doc["tools"].as_array().unwrap() {
                let url = t["url"].as_str().unwrap();
                let path = format!("/{}", url.splitn(4, '/').nth(3).unwrap());
                let page = parse_html(&out.join(path.trim_start_matches('/')).join("index.html"));
                let h1 = text_of(page.select(&sel("h1")).next().unwrap());
                tools.insert(path, (t["name"].as_str().unwrap().to_string(), h1));
            }
        }
        for file in html_files(out) {
            let doc = parse_html(&out.join(&file));
            for list in lists {
                for a in doc.select(&sel(list)) {
                    let Some((tool, heading)) = a.value().attr("href").and_then(|h| tools.get(h))
                    else {
                        continue;
                    };
                    checked += 1;
                    let shown = text_of(a);
                    if &shown != tool {
                        problems.push(format!(
                            "{name}/{file}: {list} shows {shown:?} for {tool:?}"
                        ));
                    }
                    if heading != tool {
                        titled += 1;
                        // The title follows the name in the same entry (a
                        // related tool and a change-log entry name it only).
                        let entry = a
                            .ancestors()
                            .filter_map(scraper::ElementRef::wrap)
                            .find(|e| matches!(e.value().name(), "li" | "tr" | "section"))
                            .unwrap();
                        let text = text_of(entry);
                        if !text.contains(heading.as_str())
                            && !list.starts_with("ul.related")
                            && !file.starts_with("changes/")
                        {
                            problems.push(format!(
                                "{name}/{file}: {list}: the title {heading:?} of {tool:?} is missing: {text:?}"
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "{checked} entries");
    assert!(titled > 20, "{titled} entries of tools with a title");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
